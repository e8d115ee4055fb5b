// A small element builder and the shared cells of the findings, hosts and events views.
// Text goes in as text nodes (Node.append with a string), never as markup, so file contents
// stay inert.

/** Creates an element with properties and text or child nodes. */
export function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  node.append(...children);
  return node;
}

/** Returns a table cell with an "Investigate" button that makes `address` the chosen host. */
export function investigateCell(address, setState) {
  const button = element('button', { type: 'button' }, 'Investigate');
  button.setAttribute('aria-label', `Investigate ${address}`);
  button.addEventListener('click', () => setState({ host: address }));
  return element('td', {}, button);
}

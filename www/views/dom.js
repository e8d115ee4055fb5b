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

/**
 * Returns a table cell with an "Investigate" button that makes `address` the chosen host and
 * moves to the activity view. The cell is marked data-export="skip", so CSV files leave it out.
 */
export function investigateCell(address, setState) {
  const button = element('button', { type: 'button' }, 'Investigate');
  button.setAttribute('aria-label', `Investigate ${address}`);
  button.addEventListener('click', () => {
    setState({ host: address });
    focusView('activity-view');
  });
  const cell = element('td', {}, button);
  cell.dataset.export = 'skip';
  return cell;
}

/** Returns a header cell for a column of buttons, marked so that CSV files leave the column out. */
export function actionHeader(label) {
  const cell = element('th', { scope: 'col' }, label);
  cell.dataset.export = 'skip';
  return cell;
}

/**
 * Scrolls a view's section into view and moves the keyboard focus to its heading, so that
 * the next Tab starts inside that view. The heading gets tabindex -1 to take the focus.
 */
export function focusView(sectionId) {
  const section = document.getElementById(sectionId);
  const heading = section?.querySelector('h2, h3');
  if (!heading) {
    return;
  }
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  section.scrollIntoView({ block: 'start' });
}

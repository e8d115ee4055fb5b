// The hosts view: every address seen under the filter state's time range, port and event
// types, ranked as `wormscope profile` ranks them (`hosts` of the profile document). A search
// box requests from the worker the ranking of the addresses that contain its text; a button per
// row makes that host the one under investigation. Any address, listed or not, can also be
// typed in the filter bar.

import { activePort } from '../state.js';
import { actionHeader, element, investigateCell } from './dom.js';
import { HOSTS_LIMIT, profileQuery } from './index.js';

const section = document.getElementById('hosts-view');
let form;
let searchInput;
let countLine;
let body;
let lastProfile = null;
let lastContext = null;
let searchGeneration = 0;

/** Builds the search form and the table. */
export function setup(context) {
  searchInput = element('input', { type: 'search', id: 'hosts-search', spellcheck: false, autocomplete: 'off', size: 24 });
  const label = element('label', { htmlFor: 'hosts-search' }, 'Addresses containing');
  const submit = element('button', { type: 'submit' }, 'Search');
  const clear = element('button', { type: 'button' }, 'Clear');
  form = element('form', { id: 'hosts-form', className: 'hosts-form' }, label, searchInput, submit, clear);
  form.setAttribute('role', 'search');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search(context);
  });
  clear.addEventListener('click', () => {
    searchInput.value = '';
    search(context);
  });

  countLine = element('p', { id: 'hosts-count', role: 'status' });
  countLine.setAttribute('aria-live', 'polite');
  const table = element('table', { id: 'hosts-table' });
  table.append(element('caption', {}, 'Hosts under the filter bar\'s time range, port and event types'));
  const head = element('tr');
  for (const text of ['Rank', 'Address', 'Local', 'Events', 'Connections', 'Findings', 'Score']) {
    head.append(element('th', { scope: 'col' }, text));
  }
  head.append(actionHeader(''));
  table.append(element('thead', {}, head));
  body = element('tbody', { id: 'hosts-body' });
  table.append(body);
  section.append(form, countLine, element('div', { className: 'scroll short' }, table));
}

/** Draws the ranking of a new profile, or requests it again under the search text if one is set. */
export async function render(profile, context) {
  lastProfile = profile;
  lastContext = context;
  if (searchInput.value.trim() === '') {
    show(profile.hosts, context);
    return;
  }
  await search(context);
}

/** Asks the worker for the ranking of the addresses containing the search text. */
async function search(context) {
  if (!lastProfile) {
    return;
  }
  const text = searchInput.value.trim();
  if (text === '') {
    show(lastProfile.hosts, context);
    return;
  }
  searchGeneration += 1;
  const mine = searchGeneration;
  section.dataset.hosts = 'busy';
  try {
    const query = { ...profileQuery(lastContext.state, lastContext.dataFirst), search: text, hosts_limit: HOSTS_LIMIT };
    const profile = await context.askJson('profile_json', query);
    if (mine === searchGeneration) {
      show(profile.hosts, context);
    }
  } catch (error) {
    if (mine === searchGeneration) {
      countLine.textContent = `Could not search the hosts: ${error.message}`;
      section.dataset.hosts = 'ready';
    }
  }
}

/** Fills the table from a `hosts` object of a profile document. */
function show(hosts, context) {
  const search = hosts.search ? ` containing "${hosts.search}"` : '';
  const port = activePort(context.state);
  const scope = port === null ? '' : ` on port ${port}`;
  countLine.textContent = `${hosts.matched} of ${hosts.total} ${hosts.matched === 1 ? 'host' : 'hosts'}${search}${scope}; showing ${hosts.rows.length}, `
    + `ranked by ${hosts.ranked_by === 'finding_score' ? 'finding score' : 'event count'}.`;
  body.replaceChildren(...hosts.rows.map((row) => hostRow(row, context)));
  section.dataset.hosts = 'ready';
}

/** Builds one row, with a button that investigates the host. */
function hostRow(row, context) {
  const tr = element('tr');
  tr.dataset.address = row.address;
  if (row.address === context.state.host) {
    tr.setAttribute('aria-current', 'true');
  }
  const cells = [row.rank, row.address, row.local ? 'yes' : 'no', row.events, row.connections, row.findings,
    row.score.toFixed(2)];
  cells.forEach((value, column) => {
    const cell = element('td', {}, String(value));
    if (column !== 1 && column !== 2) {
      cell.className = 'number';
    }
    tr.append(cell);
  });
  tr.append(investigateCell(row.address, context.setState));
  return tr;
}

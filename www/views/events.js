// The event table: one page at a time of the merged events `wormscope events` writes for the
// same files (log records, unparsed lines and one event per connection), asked from the
// worker with events_json. Filters: type, host, port, free text, the filter bar's time range,
// and a file and line set by a finding's evidence button (showRecord).
//
// The host, port and range follow the filter bar after each change of the filter state; the
// table's own fields may then narrow or clear them. Raw log text is hostile: every cell is textContent.

import { activePort, getState } from '../state.js';
import { formatUtc } from '../table.js';
import { element } from './dom.js';

/** Rows per page. */
export const PAGE_SIZE = 50;

/** Every event type, as the core names them (crates/core/src/events.rs, EventType). */
const EVENT_TYPES = ['exploit', 'trojan', 'worm', 'scan', 'infection_check', 'policy', 'spam', 'dos',
  'new_service', 'open_port', 'alert_other', 'sensor_record', 'conn_completed', 'conn_rejected',
  'conn_timed_out', 'conn_reset', 'conn_started', 'conn_other', 'syslog', 'unparsed'];

/** Columns: header text and how to read the cell from a row. */
const COLUMNS = [
  ['Time (UTC)', (row) => formatUtc(row.ts / 1e9)],
  ['Type', (row) => row.type],
  ['Format', (row) => row.format],
  ['Name', (row) => row.name],
  ['gid:sid:rev', (row) => row.gid_sid_rev ?? ''],
  ['Classification', (row) => row.classification ?? ''],
  ['Severity', (row) => (row.severity === null ? '' : String(row.severity))],
  ['Proto', (row) => row.proto ?? ''],
  ['Source', (row) => endpoint(row.src, row.src_port)],
  ['Destination', (row) => endpoint(row.dst, row.dst_port)],
  ['File', (row) => row.file],
  ['Line or packet', (row) => String(row.line)],
  ['Detail', (row) => row.detail ?? ''],
  ['Raw', (row) => row.raw],
];

const section = document.getElementById('events-view');
const fields = {};
let recordLine;
let statusLine;
let body;
let prevButton;
let nextButton;
let context = null;
let offset = 0;
let record = null;
let followed = null;
let generation = 0;

/** Builds the filter form, the pager and the table. */
export function setup(initial) {
  context = initial;
  const form = element('form', { id: 'events-form', className: 'events-form' });
  form.setAttribute('aria-label', 'Event table filters');
  fields.type = element('select', { id: 'events-type' },
    element('option', { value: '' }, 'all types'),
    ...EVENT_TYPES.map((type) => element('option', { value: type }, type)));
  fields.host = element('input', { type: 'text', id: 'events-host', spellcheck: false, autocomplete: 'off', size: 18 });
  fields.port = element('input', { type: 'number', id: 'events-port', min: 0, max: 65535 });
  fields.text = element('input', { type: 'search', id: 'events-text', spellcheck: false, autocomplete: 'off', size: 24 });
  fields.range = element('input', { type: 'checkbox', id: 'events-range', checked: true });
  form.append(
    element('label', { htmlFor: 'events-type' }, 'Type'), fields.type,
    element('label', { htmlFor: 'events-host' }, 'Host'), fields.host,
    element('label', { htmlFor: 'events-port' }, 'Port'), fields.port,
    element('label', { htmlFor: 'events-text' }, 'Text'), fields.text,
    fields.range, element('label', { htmlFor: 'events-range' }, 'Only the filter bar\'s time range'),
    element('button', { type: 'submit' }, 'Show events'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    record = null;
    load(0);
  });
  fields.type.addEventListener('change', () => load(0));
  fields.range.addEventListener('change', () => load(0));

  const clearRecord = element('button', { type: 'button', id: 'events-clear-record' }, 'Show all records');
  clearRecord.addEventListener('click', () => {
    record = null;
    load(0);
  });
  recordLine = element('p', { id: 'events-record', hidden: true }, element('span'), ' ', clearRecord);

  prevButton = element('button', { type: 'button', id: 'events-prev' }, 'Previous page');
  nextButton = element('button', { type: 'button', id: 'events-next' }, 'Next page');
  statusLine = element('span', { id: 'events-status' });
  statusLine.setAttribute('aria-live', 'polite');
  prevButton.addEventListener('click', () => load(Math.max(0, offset - PAGE_SIZE)));
  nextButton.addEventListener('click', () => load(offset + PAGE_SIZE));
  const pager = element('div', { className: 'pager' }, prevButton, statusLine, nextButton);

  const table = element('table', { id: 'events-table' });
  table.setAttribute('aria-labelledby', 'events-heading');
  const head = element('tr', {}, ...COLUMNS.map(([label]) => element('th', { scope: 'col' }, label)));
  table.append(element('thead', {}, head));
  body = element('tbody', { id: 'events-body' });
  table.append(body);
  section.append(form, recordLine, pager, element('div', { className: 'scroll events-scroll' }, table));
}

/**
 * Forgets the previous run's record filter and loads the first page under the filter bar's
 * host, so the table shows events even when no host gets picked (a run with no addresses).
 */
export async function start() {
  record = null;
  followed = null;
  offset = 0;
  fields.host.value = getState().host ?? '';
  await load(0);
}

/**
 * Follows the filter bar when its host, port or range changed: takes its host and port, turns
 * the range filter back on and drops a record filter. Then loads the first page.
 */
export async function render(_profile, current) {
  context = current;
  const { host = '', from, to } = current.state;
  const port = activePort(current.state);
  const key = `${host}|${port}|${from}|${to}`;
  if (key !== followed) {
    followed = key;
    record = null;
    fields.host.value = host;
    fields.port.value = port === null ? '' : String(port);
    fields.range.checked = true;
  }
  await load(0);
}

/**
 * Shows one record, the file and line (or first packet) a finding cites: clears the other
 * filters, loads it, and moves the focus to the table. `where` names it for the page.
 */
export async function showRecord(fileIndex, line, where) {
  record = { file: fileIndex, line, where };
  fields.type.value = '';
  fields.host.value = '';
  fields.port.value = '';
  fields.text.value = '';
  fields.range.checked = false;
  await load(0);
  section.scrollIntoView({ block: 'start' });
  recordLine.querySelector('button').focus();
}

/** Builds the events_json query from the fields, or throws with the field that is invalid. */
function readQuery(start) {
  const query = { offset: start, limit: PAGE_SIZE };
  if (fields.type.value) {
    query.types = [fields.type.value];
  }
  const host = fields.host.value.trim();
  if (host) {
    query.host = host;
  }
  const portText = fields.port.value.trim();
  if (portText) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`port must be a whole number from 0 to 65535, not "${portText}"`);
    }
    query.port = port;
  }
  const text = fields.text.value.trim();
  if (text) {
    query.text = text;
  }
  if (fields.range.checked && context?.state) {
    if (Number.isFinite(context.state.from)) {
      query.from = context.state.from;
    }
    if (Number.isFinite(context.state.to)) {
      query.to = context.state.to;
    }
  }
  if (record) {
    query.file = record.file;
    query.line = record.line;
  }
  return query;
}

/** Asks for the page starting at `start` and draws it; a newer request wins. */
async function load(start) {
  if (!context?.report) {
    return;
  }
  generation += 1;
  const mine = generation;
  section.dataset.events = 'busy';
  try {
    const page = await context.askJson('events_json', readQuery(start));
    if (mine === generation) {
      draw(page);
    }
  } catch (error) {
    if (mine === generation) {
      statusLine.textContent = `Could not load the events: ${error.message}`;
      statusLine.classList.add('error');
      body.replaceChildren();
    }
  } finally {
    if (mine === generation) {
      section.dataset.events = 'ready';
    }
  }
}

/** Draws one page of rows and the counts. */
function draw(page) {
  offset = page.offset;
  section.dataset.matched = String(page.matched);
  section.dataset.total = String(page.total);
  statusLine.classList.remove('error');
  const first = page.rows.length === 0 ? 0 : page.offset + 1;
  statusLine.textContent = `${page.matched} of ${page.total} events match; rows ${first} to ${page.offset + page.rows.length}`;
  prevButton.disabled = page.offset === 0;
  nextButton.disabled = page.offset + page.rows.length >= page.matched;
  recordLine.hidden = record === null;
  if (record) {
    recordLine.firstChild.textContent = `Showing the record at ${record.where}.`;
  }
  body.replaceChildren(...page.rows.map(eventRow));
}

/** Builds one table row; every cell is set with textContent. */
function eventRow(row) {
  const tr = element('tr');
  tr.dataset.type = row.type;
  tr.dataset.file = String(row.file_index);
  tr.dataset.line = String(row.line);
  for (const [label, read] of COLUMNS) {
    const cell = element('td');
    cell.textContent = read(row);
    if (label === 'Raw') {
      cell.className = 'raw';
    }
    tr.append(cell);
  }
  return tr;
}

/** Formats an address with its port, or the address alone, or ''. */
function endpoint(address, port) {
  if (address === null) {
    return '';
  }
  if (port === null) {
    return address;
  }
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

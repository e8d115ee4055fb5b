// The port summary: one row per port, protocol and direction from profile.ports.rows, with
// the conn_state breakdown, sortable by any column. A port's button filters every view on
// that port (state port and pf), and then profile.ports.timeline is drawn as the port's own
// timeline, stacked by conn_state and event type, with the same numbers in a table.
//
// Sorting follows `wormscope profile --sort-ports COLUMN[:asc|desc]`: ties keep the order
// of port, protocol and direction, so page and CLI list rows alike.

import init, { draw_port_timeline } from '../pkg/wormscope_web.js';
import { activePort } from '../state.js';
import { formatInteger, formatNanos, makeCell, makeHeaderRow, onResize, Pager, sizeCanvas } from './viewkit.js';

const countsLine = document.getElementById('ports-counts');
const headRow = document.getElementById('ports-head');
const body = document.getElementById('ports-body');
const timelineBox = document.getElementById('ports-timeline');
const timelineHeading = document.getElementById('ports-timeline-heading');
const clearButton = document.getElementById('ports-clear');
const timelineTotals = document.getElementById('ports-timeline-totals');
const timelineCanvas = document.getElementById('ports-timeline-chart');
const timelineHead = document.getElementById('ports-timeline-head');
const timelineBody = document.getElementById('ports-timeline-body');
const timelineFoot = document.getElementById('ports-timeline-foot');

/** conn_state codes in Zeek's order, as the core declares them. */
const CONN_STATES = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'];

/** Fixed columns: key in a row, header text, and whether it contains a number. */
const FIXED_COLUMNS = [
  { key: 'port', label: 'Port', numeric: true },
  { key: 'proto', label: 'Proto', numeric: false },
  { key: 'direction', label: 'Direction', numeric: false },
  { key: 'connections', label: 'Connections', numeric: true },
  { key: 'events', label: 'Events', numeric: true },
  { key: 'bytes', label: 'Bytes', numeric: true },
  { key: 'log_bytes', label: 'Log bytes', numeric: true },
];

/** Order of directions when sorting, as the core's Direction enum orders them. */
const DIRECTION_ORDER = { in: 0, out: 1, both: 2 };

/** Rows per page: a scan of every port gives tens of thousands of rows. */
const PAGE_SIZE = 500;

const wasmReady = init();
let context = null;
let pager = null;
let rows = [];
let stateColumns = [];
let sortKey = null;
let descending = false;
let lastTimeline = null;
/** True after a port button was pressed, until its timeline has been drawn and focused. */
let focusTimeline = false;

/** Attaches the clear button and the chart's redraw on resize. */
export function setup(shared) {
  context = shared;
  pager = new Pager(body, document.getElementById('ports-pager'), PAGE_SIZE, 'rows');
  clearButton.addEventListener('click', () => context.setState({ pf: null }));
  onResize(() => {
    if (lastTimeline) {
      drawTimeline(lastTimeline);
    }
  });
}

/** Shows the port rows of a profile and, with a port chosen, its timeline. */
export async function render(profile, shared) {
  const ports = profile.ports;
  rows = ports.rows;
  stateColumns = CONN_STATES.filter((code) => rows.some((row) => (row.conn_states[code] ?? 0) > 0));
  const known = new Set(CONN_STATES);
  const unknown = new Set(rows.flatMap((row) => Object.keys(row.conn_states)).filter((code) => !known.has(code)));
  stateColumns.push(...[...unknown].sort());
  if (sortKey !== null && !isColumn(sortKey)) {
    sortKey = null;
  }

  countsLine.textContent = `${formatInteger(rows.length)} ${rows.length === 1 ? 'row' : 'rows'}; `
    + `${formatInteger(ports.events_without_port)} log events of the host have no destination port and are left out.`;
  countsLine.dataset.rows = String(rows.length);
  countsLine.dataset.eventsWithoutPort = String(ports.events_without_port);
  buildHeader();
  showRows();

  const port = activePort(shared.state);
  if (ports.timeline === null || port === null) {
    timelineBox.hidden = true;
    lastTimeline = null;
    return;
  }
  lastTimeline = { port, bucketSecs: profile.activity.grid.bucket_secs, timeline: ports.timeline };
  await drawTimeline(lastTimeline);
  if (focusTimeline) {
    focusTimeline = false;
    timelineHeading.tabIndex = -1;
    timelineHeading.focus();
  }
}

/** Returns true if and only if `key` is a column of the current table. */
function isColumn(key) {
  return FIXED_COLUMNS.some((column) => column.key === key) || stateColumns.includes(key);
}

/** Builds the header: one sort button per column, with aria-sort on the cell. */
function buildHeader() {
  const labels = [...FIXED_COLUMNS.map((column) => [column.key, column.label]), ...stateColumns.map((code) => [code, code])];
  const cells = labels.map(([key, label]) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.dataset.key = key;
    let sort = 'none';
    if (key === sortKey) {
      sort = descending ? 'descending' : 'ascending';
    }
    th.setAttribute('aria-sort', sort);
    const sortButton = document.createElement('button');
    sortButton.type = 'button';
    sortButton.textContent = label;
    sortButton.addEventListener('click', () => sortBy(key));
    th.append(sortButton);
    return th;
  });
  headRow.replaceChildren(...cells);
}

/** Sorts by a column; choosing the same column again reverses the order. */
function sortBy(key) {
  descending = sortKey === key ? !descending : false;
  sortKey = key;
  buildHeader();
  showRows();
  headRow.querySelector(`th[data-key="${key}"] button`)?.focus();
}

/** Compares two rows by the sort column, then by port, protocol and direction ascending. */
function compareRows(a, b) {
  let primary = 0;
  if (sortKey !== null) {
    primary = compareValues(columnValue(a, sortKey), columnValue(b, sortKey));
    primary = descending ? -primary : primary;
  }
  if (primary !== 0) {
    return primary;
  }
  return compareValues(a.port, b.port) || compareValues(a.proto, b.proto)
    || compareValues(DIRECTION_ORDER[a.direction], DIRECTION_ORDER[b.direction]);
}

/** Returns a row's value in a column: a field, or the count of one conn_state. */
function columnValue(row, key) {
  if (key === 'direction') {
    return DIRECTION_ORDER[row.direction];
  }
  if (FIXED_COLUMNS.some((column) => column.key === key)) {
    return row[key];
  }
  return row.conn_states[key] ?? 0;
}

function compareValues(x, y) {
  if (x < y) {
    return -1;
  }
  return x > y ? 1 : 0;
}

/** Sorts the rows and shows the first page; a port's button chooses that port. */
function showRows() {
  const chosen = activePort(context.state);
  const ordered = [...rows].sort(compareRows);
  pager.show(ordered, (row) => buildRow(row, chosen));
}

/** Builds one row of the table. */
function buildRow(row, chosen) {
  const tr = document.createElement('tr');
  tr.dataset.port = String(row.port);
  tr.dataset.proto = row.proto;
  tr.dataset.direction = row.direction;

  const portCell = document.createElement('td');
  portCell.className = 'number';
  const portButton = document.createElement('button');
  portButton.type = 'button';
  portButton.className = 'port-choice';
  portButton.textContent = String(row.port);
  portButton.setAttribute('aria-pressed', String(row.port === chosen));
  portButton.setAttribute('aria-label', `Port ${row.port}: filter every view on it and show its timeline`);
  portButton.addEventListener('click', () => {
    // The table is rebuilt under the new filter, which removes this button: focus moves to
    // the port's timeline once it is drawn.
    focusTimeline = true;
    context.setState({ port: row.port, pf: true });
  });
  portCell.append(portButton);
  tr.append(portCell);

  tr.append(makeCell(row.proto), makeCell(row.direction));
  for (const key of ['connections', 'events', 'bytes', 'log_bytes']) {
    tr.append(makeCell(formatInteger(row[key]), { numeric: true }));
  }
  for (const code of stateColumns) {
    const cell = makeCell(formatInteger(row.conn_states[code] ?? 0), { numeric: true });
    cell.dataset.state = code;
    tr.append(cell);
  }
  if (row.port === chosen) {
    tr.classList.add('chosen');
  }
  return tr;
}

/** Draws the chosen port's timeline, then fills the totals line and the table from the series it drew. */
async function drawTimeline({ port, bucketSecs, timeline }) {
  timelineBox.hidden = false;
  timelineHeading.textContent = `Timeline of port ${port}`;
  await wasmReady;
  if (!sizeCanvas(timelineCanvas)) {
    return;
  }
  const text = JSON.stringify({ port, bucket_secs: bucketSecs, timeline });
  const drawing = draw_port_timeline(timelineCanvas, text);
  timelineCanvas.dataset.total = String(drawing.total);
  timelineCanvas.dataset.series = String(drawing.series.length);
  timelineCanvas.setAttribute('aria-label', `Port ${port} over time: ${drawing.series.length} stacked series, `
    + `${formatInteger(drawing.total)} connections and log events in all (one connection may count once per source); `
    + 'the same numbers are in the table below the chart.');

  const totals = drawing.series.map((series) => {
    const span = document.createElement('span');
    span.className = 'series-total';
    span.dataset.series = series.name;
    span.dataset.kind = series.kind;
    span.dataset.total = String(series.total);
    span.textContent = `${series.name}: ${formatInteger(series.total)}`;
    return span;
  });
  const lead = totals.length === 0 ? 'Nothing on this port in the range.' : `Port ${port} in the range: `;
  timelineTotals.replaceChildren(lead, ...joinWith(totals, ', '));
  fillTimelineTable(drawing.series, timeline);
}

/** Returns the items with `separator` text between them. */
function joinWith(items, separator) {
  return items.flatMap((item, index) => (index === 0 ? [item] : [separator, item]));
}

/** Fills the timeline table: one row per non-empty bucket, one column per series, and a totals row. */
function fillTimelineTable(series, timeline) {
  timelineHead.replaceChildren(makeHeaderRow(['Bucket start (UTC)', ...series.map((one) => one.name), 'Total']));
  const countOf = (bucket, one) => (one.kind === 'conn_state' ? bucket.conn_states : bucket.event_types)[one.name] ?? 0;
  const rowsShown = [];
  for (const bucket of timeline) {
    const counts = series.map((one) => countOf(bucket, one));
    const total = counts.reduce((sum, count) => sum + count, 0);
    if (total === 0) {
      continue;
    }
    const tr = document.createElement('tr');
    tr.append(makeCell(formatNanos(bucket.start), { header: true }));
    tr.append(...counts.map((count) => makeCell(formatInteger(count), { numeric: true })));
    tr.append(makeCell(formatInteger(total), { numeric: true }));
    rowsShown.push(tr);
  }
  timelineBody.replaceChildren(...rowsShown);

  const foot = document.createElement('tr');
  foot.append(makeCell('Total', { header: true }));
  foot.append(...series.map((one) => makeCell(formatInteger(one.total), { numeric: true })));
  foot.append(makeCell(formatInteger(series.reduce((sum, one) => sum + one.total, 0)), { numeric: true }));
  timelineFoot.replaceChildren(foot);
}

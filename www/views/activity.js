// The activity view: the chosen host's events per time bucket, stacked by event type, from
// profile.activity. The chart is drawn by draw_host_activity (crates/web/src/views/activity.rs),
// which returns where the plot area lies, so a drag across the canvas turns into a time range
// for the filter state (from, to). The legend's buttons set the event-type filter (types), and
// the drop-off time is marked when every source went silent together (profile.dropoff).
// Also exports the wasm start-up and the bucket wording that inout.js uses.

import init, { draw_host_activity, event_type_colour, event_type_names } from '../pkg/wormscope_web.js';
import { getState, setState } from '../state.js';
import { countNoun, formatUtc } from '../table.js';
import { onResize, sizeCanvas } from './viewkit.js';

const canvas = document.getElementById('host-activity-chart');
const brush = document.getElementById('host-activity-brush');
const legend = document.getElementById('host-activity-legend');
const allTypesButton = document.getElementById('host-activity-all-types');
const compareInput = document.getElementById('host-activity-compare');
const resetButton = document.getElementById('host-activity-reset');
const summary = document.getElementById('host-activity-summary');
const errorLine = document.getElementById('host-activity-error');
const tableHead = document.getElementById('host-activity-head');
const tableBody = document.getElementById('host-activity-body');
const marksBody = document.getElementById('host-activity-marks-body');

/** Canvas pixels a drag must cover before it counts as a range, not a click. */
const MIN_DRAG_PIXELS = 4;


/** The last profile drawn and the plot area its chart returned. */
let lastProfile = null;
let plot = null;
/** Event types seen for the current host in this run, so a hidden type keeps its button. */
let knownTypes = new Set();
let knownHost = null;
/** The canvas x where a drag started, or null. */
let dragStart = null;

/** Resolves when the wasm module is ready on the main thread. */
export function wasmReady() {
  return init();
}

/** Attaches the brush, legend, compare and reset listeners. */
export function setup() {
  canvas.addEventListener('pointerdown', startDrag);
  canvas.addEventListener('pointermove', moveDrag);
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', cancelDrag);
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && dragStart !== null) {
      cancelDrag();
    }
  });
  allTypesButton.addEventListener('click', () => setState({ types: null }));
  compareInput.addEventListener('change', () => {
    if (lastProfile) {
      draw(lastProfile).catch(showError);
    }
  });
  resetButton.addEventListener('click', () => setState({ from: null, to: null }));
  onResize(() => {
    if (lastProfile) {
      draw(lastProfile).catch(showError);
    }
  });
}

/** Forgets the event types of the previous run. */
export function start() {
  knownTypes = new Set();
  knownHost = null;
  lastProfile = null;
}

/** Draws the chart and fills the legend, the summary and both tables. */
export async function render(profile, context) {
  const activity = profile.activity;
  if (knownHost !== profile.filter.host) {
    knownTypes = new Set();
    knownHost = profile.filter.host;
  }
  for (const name of [...activity.event_types, ...(context.state.types ?? [])]) {
    knownTypes.add(name);
  }
  lastProfile = profile;

  await wasmReady();
  buildLegend(context.state, activity.buckets);
  compareInput.disabled = activity.without_port === null;
  resetButton.disabled = !Number.isFinite(context.state.from) && !Number.isFinite(context.state.to);
  showSummary(profile);
  fillTable(activity);
  fillMarks(profile);
  try {
    await draw(profile);
    showError(null);
  } catch (error) {
    showError(error);
  }
}

/** Draws the last profile's activity at the canvas's current size. */
async function draw(profile) {
  await wasmReady();
  sizeCanvas(canvas);
  const options = { compare: compareInput.checked && !compareInput.disabled };
  const silent = silentTime(profile.dropoff);
  if (silent !== null) {
    options.went_silent = silent;
  }
  plot = draw_host_activity(canvas, profile.activity, options);
  canvas.dataset.drawn = String(plot.drawn);
  canvas.dataset.plotLeft = String(plot.left);
  canvas.dataset.plotRight = String(plot.right);
  canvas.setAttribute('aria-label', chartLabel(profile));
}

/**
 * Returns the time (ns) the host went silent in every source, or null. With several sources,
 * it is the drop-off's last event when they stopped together and one of them went on
 * recording other hosts for longer than the window. With one source, it is that source's
 * last event when the source went silent and the silence is longer than the host's usual
 * gaps. Sources that all end with the host (a range that ends while the host is active) give
 * null.
 */
export function silentTime(dropoff) {
  if (dropoff.stopped_together === true) {
    return dropoff.sources.some((source) => source.went_silent) ? dropoff.last : null;
  }
  if (dropoff.sources.length === 1 && dropoff.sources[0].went_silent && dropoff.silence_unusual === true) {
    return dropoff.sources[0].last;
  }
  return null;
}

/** Returns the index of the bucket holding the drop-off time, or null when none is drawn or it lies outside the grid. */
export function silentBucket(profile) {
  const silent = silentTime(profile.dropoff);
  const grid = profile.activity.grid;
  if (silent === null || grid.buckets === 0) {
    return null;
  }
  const index = Math.floor((silent - grid.start) / (grid.bucket_secs * 1e9));
  return index >= 0 && index < grid.buckets ? index : null;
}

function showError(error) {
  errorLine.textContent = error ? `Could not draw the activity chart: ${error.message ?? error}` : '';
}

// ---- Legend ----------------------------------------------------------------------------------

/** Builds one toggle button per known event type with its event count, pressed while the type is shown. */
function buildLegend(state, buckets) {
  const chosen = state.types && state.types.length > 0 ? new Set(state.types) : null;
  const counts = typeCounts(buckets);
  const buttons = orderedTypes().map((name) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'legend-entry';
    button.dataset.type = name;
    button.setAttribute('aria-pressed', String(chosen === null || chosen.has(name)));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.backgroundColor = event_type_colour(name);
    const label = document.createElement('span');
    label.textContent = name;
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = String(counts.get(name) ?? 0);
    button.append(swatch, label, count);
    button.addEventListener('click', () => toggleType(name));
    return button;
  });
  legend.replaceChildren(...buttons);
  allTypesButton.disabled = chosen === null;
}

/** Returns the events per type over all buckets. */
function typeCounts(buckets) {
  const counts = new Map();
  for (const bucket of buckets) {
    for (const [name, count] of Object.entries(bucket.by_type)) {
      counts.set(name, (counts.get(name) ?? 0) + count);
    }
  }
  return counts;
}

/** Returns the known types in the order the bars stack them. */
function orderedTypes() {
  const order = event_type_names();
  const known = order.filter((name) => knownTypes.has(name));
  const unknown = [...knownTypes].filter((name) => !order.includes(name)).sort();
  return [...known, ...unknown];
}

/** Hides a shown type or shows a hidden one; at least one type stays shown. */
function toggleType(name) {
  const all = orderedTypes();
  const state = getState();
  const shown = new Set(state.types && state.types.length > 0 ? state.types : all);
  if (shown.has(name)) {
    shown.delete(name);
  } else {
    shown.add(name);
  }
  if (shown.size === 0) {
    errorLine.textContent = 'At least one event type stays shown; press another type first.';
    return;
  }
  const everything = all.every((type) => shown.has(type));
  setState({ types: everything ? null : all.filter((type) => shown.has(type)) });
}

// ---- Text alternatives -----------------------------------------------------------------------

/** Returns the number of events over all buckets. */
function totalEvents(buckets) {
  return buckets.reduce((sum, bucket) => sum + bucket.total, 0);
}

/** Writes the sentence above the chart: bucket unit, range, totals and the port filter. */
function showSummary(profile) {
  const activity = profile.activity;
  const count = totalEvents(activity.buckets);
  let text = `${profile.filter.host}: ${countNoun(count, 'event')} in ${countNoun(activity.buckets.length, 'bucket')} of `
    + `${bucketWords(activity.grid.bucket_secs)}`;
  if (activity.buckets.length > 0) {
    text += `, from ${formatUtc(activity.grid.start / 1e9)} UTC`;
  }
  text += '.';
  if (profile.filter.port !== null) {
    text += ` Port filter on: port ${profile.filter.port}`;
    if (activity.without_port) {
      text += ` (${countNoun(totalEvents(activity.without_port), 'event')} without the port filter)`;
    }
    text += '.';
  } else {
    text += ' Port filter off; choose a port and tick "Filter on this port" in the filter bar to compare.';
  }
  summary.textContent = text;
  summary.dataset.unit = activity.unit;
}

/** Names a bucket width: 'one second', 'one minute', 'one hour', 'one day', or a count of days, hours, minutes or seconds. */
export function bucketWords(secs) {
  const units = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, name] of units) {
    if (secs >= size && secs % size === 0) {
      const count = secs / size;
      return count === 1 ? `one ${name}` : `${count} ${name}s`;
    }
  }
  return `${secs} seconds`;
}

/** Returns the canvas's aria-label for the drawn profile. */
function chartLabel(profile) {
  const activity = profile.activity;
  const count = totalEvents(activity.buckets);
  return `Events of ${profile.filter.host} in buckets of ${bucketWords(activity.grid.bucket_secs)}, stacked by `
    + `event type: ${countNoun(count, 'event')} in ${countNoun(activity.buckets.length, 'bucket')}. The same numbers are in the table below `
    + 'the chart.';
}

/** Fills the bucket table: start, weekend, total, one column per type, total without the port. */
function fillTable(activity) {
  const types = activity.event_types;
  const withoutPort = activity.without_port;
  const headers = ['Start (UTC)', 'Weekend', 'Total', ...types];
  if (withoutPort) {
    headers.push('Total without the port filter');
  }
  tableHead.replaceChildren(...headers.map((text, index) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    if (index >= 3 && index < 3 + types.length) {
      th.dataset.type = types[index - 3];
    }
    return th;
  }));

  const rows = activity.buckets.map((bucket, index) => {
    const cells = [formatUtc(bucket.start / 1e9), bucket.weekend ? 'yes' : 'no', String(bucket.total),
      ...types.map((name) => String(bucket.by_type[name] ?? 0))];
    if (withoutPort) {
      cells.push(String(withoutPort[index].total));
    }
    return tableRow(cells, 1);
  });
  tableBody.replaceChildren(...rows);
}

/** Fills the marks table: each finding, then the drop-off time when one is drawn. */
function fillMarks(profile) {
  const rows = profile.activity.findings.map((finding) => tableRow([finding.kind, formatUtc(finding.start / 1e9),
    formatUtc(finding.end / 1e9), finding.bucket === null ? 'outside the chart' : String(finding.bucket)], 3));
  const silent = silentTime(profile.dropoff);
  if (silent !== null) {
    const bucket = silentBucket(profile);
    rows.push(tableRow(['went silent (drop-off)', formatUtc(silent / 1e9), '-',
      bucket === null ? 'outside the chart' : String(bucket)], 3));
  }
  marksBody.replaceChildren(...rows);
}

/** Builds a row of text cells; cells from `firstNumber` on are right-aligned numbers. */
function tableRow(cells, firstNumber) {
  const tr = document.createElement('tr');
  cells.forEach((text, index) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (index >= firstNumber) {
      td.className = 'number';
    }
    tr.append(td);
  });
  return tr;
}

// ---- Brush -----------------------------------------------------------------------------------

/** Returns the pointer's x in canvas pixels. */
function canvasX(event) {
  const box = canvas.getBoundingClientRect();
  return (event.clientX - box.left) * (canvas.width / box.width);
}

/** Returns x clamped to the plot area. */
function clampToPlot(x) {
  return Math.min(Math.max(x, plot.left), plot.right);
}

function startDrag(event) {
  if (!plot || plot.drawn === 0 || event.button !== 0) {
    return;
  }
  const x = canvasX(event);
  if (x < plot.left || x > plot.right) {
    return;
  }
  dragStart = x;
  canvas.setPointerCapture(event.pointerId);
  showBrush(x, x);
}

function moveDrag(event) {
  if (dragStart !== null) {
    showBrush(dragStart, clampToPlot(canvasX(event)));
  }
}

/** Sets the time range to the buckets the drag covered. */
function endDrag(event) {
  if (dragStart === null) {
    return;
  }
  const start = dragStart;
  const end = clampToPlot(canvasX(event));
  cancelDrag();
  if (Math.abs(end - start) < MIN_DRAG_PIXELS) {
    return;
  }
  const range = bucketRange(timeAt(Math.min(start, end)), timeAt(Math.max(start, end)));
  setState(range);
}

function cancelDrag() {
  dragStart = null;
  brush.hidden = true;
}

/** Returns the time (seconds) at a canvas x inside the plot area. */
function timeAt(x) {
  return plot.from + ((x - plot.left) / (plot.right - plot.left)) * (plot.to - plot.from);
}

/**
 * Widens [from, to] seconds to whole buckets of the drawn grid, so the range is a whole
 * number of seconds that the CLI's --from and --to take as they are.
 */
function bucketRange(from, to) {
  const width = lastProfile.activity.grid.bucket_secs;
  const first = plot.from;
  const start = first + Math.floor((from - first) / width) * width;
  const end = Math.max(first + Math.ceil((to - first) / width) * width, start + width);
  return { from: Math.round(start), to: Math.round(end) };
}

/** Shows the selection between two canvas x positions, in CSS pixels over the canvas. */
function showBrush(x1, x2) {
  const perCss = canvas.width / canvas.getBoundingClientRect().width;
  brush.style.left = `${Math.min(x1, x2) / perCss}px`;
  brush.style.width = `${Math.abs(x2 - x1) / perCss}px`;
  brush.style.top = `${plot.top / perCss}px`;
  brush.style.height = `${(plot.bottom - plot.top) / perCss}px`;
  brush.hidden = false;
}

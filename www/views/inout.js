// The inbound-against-outbound view: two lines over the profile's grid for the series the
// user picks (profile.in_out.events, .connections or .log_events), with the pair's Pearson r
// beside the chart. It also names the run's local networks, which placed each record as
// inbound or outbound; the worker returns them (local_nets).

import { draw_in_out } from '../pkg/wormscope_web.js';
import { formatUtc } from '../table.js';
import { bucketWords, wasmReady } from './activity.js';
import { onResize, sizeCanvas } from './viewkit.js';

const seriesSelect = document.getElementById('inout-series');
const canvas = document.getElementById('inout-chart');
const netsText = document.getElementById('inout-nets');
const rValue = document.getElementById('inout-r');
const errorLine = document.getElementById('inout-error');
const tableBody = document.getElementById('inout-body');
const totalCells = {
  inbound: document.getElementById('inout-total-inbound'),
  outbound: document.getElementById('inout-total-outbound'),
  internal: document.getElementById('inout-total-internal'),
  external: document.getElementById('inout-total-external'),
  unknown: document.getElementById('inout-total-unknown'),
};

/** Names of the series the select offers, for text. */
const SERIES_WORDS = { events: 'all events', connections: 'connections in the capture', log_events: 'log events' };

let lastInOut = null;

/** Attaches the series choice and the redraw on resize. */
export function setup() {
  seriesSelect.addEventListener('change', () => {
    if (lastInOut) {
      show(lastInOut);
    }
  });
  onResize(() => {
    if (lastInOut) {
      show(lastInOut);
    }
  });
}

/** Shows the local networks the finished run used. */
export async function start(context) {
  netsText.textContent = '';
  try {
    const nets = await context.ask('local_nets');
    netsText.textContent = nets === '' ? 'none (every address is remote)' : nets.split(',').join(', ');
  } catch (error) {
    netsText.textContent = `unknown (${error.message})`;
  }
}

/** Draws the chosen series of the profile and fills the side panel and the table. */
export async function render(profile) {
  lastInOut = profile.in_out;
  await show(lastInOut);
}

/** Draws the selected series pair and writes its numbers. */
async function show(inOut) {
  const key = seriesSelect.value;
  const series = inOut[key];
  writeNumbers(inOut.grid, series, key);
  try {
    await wasmReady();
    sizeCanvas(canvas);
    const plot = draw_in_out(canvas, { grid: inOut.grid, inbound: series.inbound, outbound: series.outbound });
    canvas.dataset.drawn = String(plot.drawn);
    canvas.dataset.series = key;
    errorLine.textContent = '';
  } catch (error) {
    errorLine.textContent = `Could not draw the inbound and outbound chart: ${error.message}`;
  }
}

/** Formats Pearson's r to three decimals, or n/a when it is undefined. */
function formatR(r) {
  return r === null ? 'n/a' : r.toFixed(3);
}

/** Writes r, the totals, the aria-label and the table of one series pair. */
function writeNumbers(grid, series, key) {
  rValue.textContent = formatR(series.pearson_r);
  rValue.title = series.pearson_r === null
    ? 'Undefined: fewer than two buckets, or a series that never changes.'
    : 'Pearson correlation of inbound and outbound counts per bucket.';
  for (const [name, cell] of Object.entries(totalCells)) {
    cell.textContent = String(series.totals[name]);
  }
  const buckets = bucketWords(grid.bucket_secs);
  canvas.setAttribute('aria-label', `Inbound and outbound ${SERIES_WORDS[key]} in buckets of ${buckets}: `
    + `${series.totals.inbound} inbound, ${series.totals.outbound} outbound, Pearson r ${formatR(series.pearson_r)}. `
    + 'The same numbers are in the table below the chart.');

  const rows = series.inbound.map((inbound, index) => {
    const tr = document.createElement('tr');
    const start = grid.start / 1e9 + index * grid.bucket_secs;
    const cells = [formatUtc(start), inbound, series.outbound[index], series.internal[index]];
    cells.forEach((value, column) => {
      const td = document.createElement('td');
      td.textContent = String(value);
      if (column > 0) {
        td.className = 'number';
      }
      tr.append(td);
    });
    return tr;
  });
  tableBody.replaceChildren(...rows);
}

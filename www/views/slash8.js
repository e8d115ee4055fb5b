// The source /8 against destination /8 view: profile.slash8 drawn as bubbles (by the wasm
// function draw_slash8) and listed as a table. The checkbox writes the state key `anon`,
// which leaves the axis numbers out of the chart.
//
// After drawing, the canvas carries data-bubbles and data-labels: the counts the draw
// function returns, so tests can check the chart against the pairs.

import init, { draw_slash8 } from '../pkg/wormscope_web.js';
import { formatInteger, makeCell, onResize, sizeCanvas } from './viewkit.js';

const anonInput = document.getElementById('slash8-anon');
const countsLine = document.getElementById('slash8-counts');
const canvas = document.getElementById('slash8-chart');
const body = document.getElementById('slash8-body');

const wasmReady = init();
let context = null;
let last = null;

/** Attaches the checkbox and the redraw on resize. */
export function setup(shared) {
  context = shared;
  anonInput.addEventListener('change', () => context.setState({ anon: anonInput.checked ? true : null }));
  onResize(() => {
    if (last) {
      draw(last.matrix, last.anonymous);
    }
  });
}

/** Shows the /8 pairs of a profile as bubbles and as a table. */
export async function render(profile, shared) {
  const matrix = profile.slash8;
  const anonymous = Boolean(shared.state.anon);
  anonInput.checked = anonymous;

  const scope = matrix.port === null ? 'all ports' : `port ${matrix.port}`;
  countsLine.textContent = `${formatInteger(matrix.pairs.length)} pairs of networks on ${scope}; `
    + `${formatInteger(matrix.skipped_ipv6)} IPv6 events and ${formatInteger(matrix.skipped_no_address)} events `
    + 'without both addresses are left out.';
  countsLine.dataset.pairs = String(matrix.pairs.length);

  body.replaceChildren(...matrix.pairs.map((pair) => {
    const row = document.createElement('tr');
    row.append(
      makeCell(String(pair.src), { numeric: true }),
      makeCell(String(pair.dst), { numeric: true }),
      makeCell(formatInteger(pair.events), { numeric: true }),
    );
    return row;
  }));

  last = { matrix, anonymous };
  await draw(matrix, anonymous);
}

/** Draws the bubbles and records what the draw function returned. */
async function draw(matrix, anonymous) {
  await wasmReady;
  if (!sizeCanvas(canvas)) {
    return;
  }
  const drawing = draw_slash8(canvas, JSON.stringify(matrix), anonymous);
  canvas.dataset.bubbles = String(drawing.bubbles);
  canvas.dataset.labels = String(drawing.labels);
  canvas.dataset.anonymous = String(anonymous);
  const scope = matrix.port === null ? 'all ports' : `port ${matrix.port}`;
  canvas.setAttribute('aria-label', `${drawing.bubbles} bubbles, one per source /8 and destination /8 pair on ${scope}, `
    + 'area growing with the event count; the same numbers are in the table below the chart.');
}

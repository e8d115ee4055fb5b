// The filter bar: host, port and port filter, time range and direction. It writes the filter
// state (state.js) and shows it back after every change, from the fragment included.
// Times are entered and shown in UTC, as every time on the page.

import { getState, setState, subscribe } from '../state.js';

const form = document.getElementById('filter-bar');
const hostInput = document.getElementById('filter-host');
const portInput = document.getElementById('filter-port');
const portOnInput = document.getElementById('filter-port-on');
const fromInput = document.getElementById('filter-from');
const toInput = document.getElementById('filter-to');
const directionSelect = document.getElementById('filter-direction');
const wholeRangeButton = document.getElementById('filter-whole-range');
const filterError = document.getElementById('filter-error');

/** Attaches the listeners and shows the state read from the fragment. */
export function setup() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  for (const input of [portOnInput, directionSelect, fromInput, toInput]) {
    input.addEventListener('change', apply);
  }
  wholeRangeButton.addEventListener('click', () => setState({ from: null, to: null }));
  subscribe(show);
  show(getState());
}

/** Reads the controls into the state, or names the control whose value is invalid. */
function apply() {
  const host = hostInput.value.trim();
  const portText = portInput.value.trim();
  const port = portText === '' ? null : Number(portText);
  if (port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    showError(`Port must be a whole number from 0 to 65535, not "${portText}".`);
    return;
  }
  const from = readUtc(fromInput.value);
  const to = readUtc(toInput.value);
  if (from !== null && to !== null && from >= to) {
    showError('The range must start before it ends.');
    return;
  }
  showError('');
  setState({
    host: host || null,
    port,
    pf: port !== null && portOnInput.checked ? true : null,
    from,
    to,
    dir: directionSelect.value === 'both' ? null : directionSelect.value,
  });
}

/** Shows the state in the controls. */
function show(state) {
  hostInput.value = state.host ?? '';
  portInput.value = Number.isInteger(state.port) ? String(state.port) : '';
  portOnInput.checked = Boolean(state.pf);
  fromInput.value = writeUtc(state.from);
  toInput.value = writeUtc(state.to);
  directionSelect.value = state.dir ?? 'both';
}

/** Reads a datetime-local value as UTC seconds, or null when empty. */
function readUtc(text) {
  if (!text) {
    return null;
  }
  const millis = Date.parse(`${text}Z`);
  return Number.isFinite(millis) ? millis / 1000 : null;
}

/** Writes UTC seconds as a datetime-local value (to the second), or '' when unset. */
function writeUtc(seconds) {
  if (!Number.isFinite(seconds)) {
    return '';
  }
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

function showError(text) {
  filterError.textContent = text;
}

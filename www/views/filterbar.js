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
  if (host !== '' && !isIpAddress(host)) {
    showError(`Host must be an IPv4 or IPv6 address such as 10.0.0.5 or fe80::1, not "${host}".`);
    return;
  }
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

/** A dotted-quad IPv4 address, each part 0 to 255 without leading zeros. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Returns true if and only if `text` is an IPv4 address in dotted-quad form or an IPv6
 * address. IPv6 is checked by the browser's URL parser (the WHATWG URL standard's IPv6
 * parser, inside brackets). A zone index such as %eth0 is rejected.
 */
export function isIpAddress(text) {
  if (IPV4.test(text)) {
    return true;
  }
  if (!text.includes(':') || /[[\]/%]/.test(text)) {
    return false;
  }
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
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

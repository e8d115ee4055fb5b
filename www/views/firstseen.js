// The never-before-seen view: the host's first occurrences after the learning window, from
// the profile's first_seen list, filterable by feature, with the window shown and adjustable.
//
// The window runs from the first record of the input (profile.data.first) to
// first_seen.learning_end. The hours input writes the state key `learn`, which views/index.js
// turns into the profile question's learning_end, as `wormscope profile --learning-end` takes it.

import { formatDuration, formatInteger, formatNanos, makeCell, makeHeaderRow, Pager } from './viewkit.js';

const form = document.getElementById('first-seen-controls');
const learnInput = document.getElementById('first-seen-learn');
const defaultButton = document.getElementById('first-seen-default');
const featureSelect = document.getElementById('first-seen-feature');
const errorLine = document.getElementById('first-seen-error');
const windowLine = document.getElementById('first-seen-window');
const countsLine = document.getElementById('first-seen-counts');
const head = document.getElementById('first-seen-head');
const body = document.getElementById('first-seen-body');

/** Features, named as the profile document names them, in the core's order. */
const FEATURES = ['event_type', 'alert_name', 'inbound_port', 'outbound_port', 'peer_net'];

const COLUMNS = ['First seen (UTC)', 'Feature', 'Value', 'Event type', 'Peer', 'Peer local', 'Events since', 'File',
  'Line or packet'];

/** Rows per page of the table. */
const PAGE_SIZE = 200;

let pager = null;
let context = null;
let occurrences = [];

/** Attaches the listeners of the window input and the feature filter. */
export function setup(shared) {
  context = shared;
  pager = new Pager(body, document.getElementById('first-seen-pager'), PAGE_SIZE, 'first occurrences');
  head.replaceChildren(makeHeaderRow(COLUMNS));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    applyWindow();
  });
  defaultButton.addEventListener('click', () => {
    errorLine.textContent = '';
    context.setState({ learn: null });
  });
  featureSelect.addEventListener('change', showRows);
}

/** Reads the hours input into the state, or shows why the value is invalid. */
function applyWindow() {
  const text = learnInput.value.trim();
  const hours = Number(text);
  if (text === '' || !Number.isFinite(hours) || hours < 0) {
    errorLine.textContent = `The learning window must be a number of hours of 0 or more, not "${text}".`;
    return;
  }
  errorLine.textContent = '';
  context.setState({ learn: hours });
}

/** Shows the window and the first occurrences of a profile. */
export function render(profile) {
  const first = profile.data.first;
  const learningEnd = profile.first_seen.learning_end;
  occurrences = profile.first_seen.occurrences;

  // The input shows the window the numbers were computed with, whatever the fragment contains.
  if (first === null) {
    windowLine.textContent = 'The input has no records, so there is no learning window.';
    learnInput.value = '';
  } else {
    const hours = (learningEnd - first) / 3.6e12;
    learnInput.value = String(Number(hours.toFixed(6)));
    windowLine.textContent = `Learning window: ${formatNanos(first)} to ${formatNanos(learningEnd)} UTC `
      + `(${formatDuration(learningEnd - first)}).`;
  }
  windowLine.dataset.learningEnd = String(learningEnd);

  fillFeatureSelect();
  showRows();
}

/** Lists every feature with its count in the filter, keeping the chosen one. */
function fillFeatureSelect() {
  const chosen = featureSelect.value;
  const counts = new Map(FEATURES.map((name) => [name, 0]));
  for (const occurrence of occurrences) {
    counts.set(occurrence.feature, (counts.get(occurrence.feature) ?? 0) + 1);
  }
  const all = new Option(`all features (${formatInteger(occurrences.length)})`, '');
  const options = [all];
  const parts = [];
  for (const [name, count] of counts) {
    options.push(new Option(`${name} (${formatInteger(count)})`, name));
    parts.push(`${name}: ${formatInteger(count)}`);
  }
  featureSelect.replaceChildren(...options);
  featureSelect.value = counts.has(chosen) ? chosen : '';
  countsLine.textContent = `${formatInteger(occurrences.length)} first occurrences after the window (${parts.join(', ')}).`;
  countsLine.dataset.count = String(occurrences.length);
}

/** Shows the occurrences of the chosen feature, in time order. */
function showRows() {
  const feature = featureSelect.value;
  const shown = feature === '' ? occurrences : occurrences.filter((occurrence) => occurrence.feature === feature);
  pager.show(shown, buildRow);
}

/** Builds one row; the value, peer and file name come from files and go in as text. */
function buildRow(occurrence) {
  const fileName = context.report?.files[occurrence.file_index]?.name ?? String(occurrence.file_index);
  const local = occurrence.peer_local === null ? '-' : (occurrence.peer_local ? 'yes' : 'no');
  const row = document.createElement('tr');
  row.dataset.feature = occurrence.feature;
  row.append(
    makeCell(formatNanos(occurrence.ts)),
    makeCell(occurrence.feature),
    makeCell(String(occurrence.value)),
    makeCell(occurrence.event_type),
    makeCell(occurrence.peer ?? '-'),
    makeCell(local),
    makeCell(formatInteger(occurrence.occurrences), { numeric: true }),
    makeCell(fileName),
    makeCell(String(occurrence.line), { numeric: true }),
  );
  return row;
}

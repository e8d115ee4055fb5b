// wormscope's page: takes files from the drop zone, the file input or the demo button, runs
// them through the analysis worker, and shows the counts, the activity chart and the
// connection table, then starts the investigation views (views/index.js). Everything
// derived from a file is put in the page with textContent.

import { worker } from './ask.js';
import { drawActivity, setupChartResize } from './chart.js';
import { ConnectionTable, countNoun, formatUtc } from './table.js';
import { setConnectionSource } from './views/exports.js';
import { setupInvestigation, startInvestigation } from './views/index.js';

const dropZone = document.getElementById('drop-zone');
const fileInput = document.getElementById('file-input');
const demoButton = document.getElementById('demo-button');
const localNetsInput = document.getElementById('local-nets');
const ignoreChecksumsInput = document.getElementById('ignore-checksums');
const logYearInput = document.getElementById('log-year');
const logZoneInput = document.getElementById('log-zone');
const progressSection = document.getElementById('progress-section');
const progressBar = document.getElementById('progress');
const progressFile = document.getElementById('progress-file');
const progressText = document.getElementById('progress-text');
const cancelButton = document.getElementById('cancel-button');
const statusLine = document.getElementById('status');
const results = document.getElementById('results');
const totalsList = document.getElementById('totals');
const filesBody = document.getElementById('files-body');
const activityCanvas = document.getElementById('activity-chart');
const activityBody = document.getElementById('activity-body');
const pageSizeSelect = document.getElementById('page-size');

/** The demo files shipped with the page (see demo/README.md): a generated worm outbreak. */
const DEMO_FILES = [
  { url: 'demo/capture.pcapng', type: 'application/octet-stream' },
  { url: 'demo/syslog.log', type: 'text/plain' },
];

const table = new ConnectionTable({
  head: document.getElementById('conn-head'),
  body: document.getElementById('conn-body'),
  pageInfo: document.getElementById('page-info'),
  prevButton: document.getElementById('prev-page'),
  nextButton: document.getElementById('next-page'),
});
let running = false;

/** Attaches every listener. */
function setup() {
  fileInput.addEventListener('change', () => {
    analyseFiles([...fileInput.files]);
    fileInput.value = '';
  });
  // A file dropped beside the drop zone would make the browser open it in place of the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('active');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('active'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('active');
    analyseFiles([...event.dataTransfer.files]);
  });

  dropZone.addEventListener('click', () => fileInput.click());
  dropZone.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      fileInput.click();
    }
  });

  demoButton.addEventListener('click', loadDemo);
  cancelButton.addEventListener('click', () => worker.postMessage({ type: 'cancel' }));
  document.getElementById('prev-page').addEventListener('click', () => table.turnPage(-1));
  document.getElementById('next-page').addEventListener('click', () => table.turnPage(1));
  pageSizeSelect.addEventListener('change', () => table.setPageSize(Number(pageSizeSelect.value)));

  worker.addEventListener('message', (event) => handleMessage(event.data));
  worker.addEventListener('error', (event) => showStatus(`The worker failed: ${event.message}`, true));
  setupChartResize();
  setupInvestigation();
  setConnectionSource(() => table.exportSource());
  document.body.dataset.ready = 'true';
}

/** Starts an analysis of the given files in the worker. */
function analyseFiles(files) {
  if (files.length === 0) {
    return;
  }
  if (running) {
    showStatus('An analysis is running; cancel it before starting another.', true);
    return;
  }
  const settings = readSettings();
  if (typeof settings === 'string') {
    showStatus(settings, true);
    return;
  }
  running = true;
  setBusy(true);
  progressBar.value = 0;
  progressFile.textContent = files[0].name;
  progressText.textContent = '';
  showStatus(`Analysing ${countNoun(files.length, 'file')}…`, false);
  worker.postMessage({ type: 'analyse', files, settings });
}

/**
 * Reads the settings fieldset into the worker's settings object, or returns the message for
 * an invalid year. The zone is checked by the worker, which names it in its error.
 */
function readSettings() {
  const settings = { local_nets: localNetsInput.value, ignore_checksums: ignoreChecksumsInput.checked };
  const yearText = logYearInput.value.trim();
  if (yearText !== '') {
    const year = Number(yearText);
    if (!Number.isInteger(year) || year < 1970 || year > 2200) {
      return `The year must be a whole number from 1970 to 2200, not "${yearText}".`;
    }
    settings.year = year;
  }
  const zone = logZoneInput.value.trim();
  if (zone !== '') {
    settings.tz = zone;
  }
  return settings;
}

/** Fetches the demo capture and log from this origin and analyses them together. */
async function loadDemo() {
  try {
    const files = await Promise.all(DEMO_FILES.map(async ({ url, type }) => {
      const response = await fetch(url);
      if (!response.ok) {
        throw new Error(`${url}: HTTP ${response.status}`);
      }
      const name = url.slice(url.lastIndexOf('/') + 1);
      return new File([await response.blob()], name, { type });
    }));
    analyseFiles(files);
  } catch (error) {
    showStatus(`Could not load the demo files: ${error.message}`, true);
  }
}

/** Dispatches one message from the worker by its type. */
function handleMessage(message) {
  switch (message.type) {
    case 'progress':
      progressFile.textContent = message.file;
      progressBar.value = message.total > 0 ? message.done / message.total : 1;
      progressText.textContent = `${formatBytes(message.done)} of ${formatBytes(message.total)}`;
      break;
    case 'result':
      finishRun();
      showReport(message);
      break;
    case 'cancelled':
      finishRun();
      showStatus('Analysis cancelled.', false);
      break;
    case 'error':
      finishRun();
      showStatus(`Analysis failed: ${message.message}`, true);
      break;
    default:
      break;
  }
}

/** Marks the run as over and hides the progress bar. */
function finishRun() {
  running = false;
  setBusy(false);
}

/** Shows or hides the progress section and disables the inputs while busy. */
function setBusy(busy) {
  progressSection.hidden = !busy;
  fileInput.disabled = busy;
  demoButton.disabled = busy;
  if (busy) {
    cancelButton.focus();
  }
}

/** Writes a status line; errors are styled and announced the same way. */
function showStatus(text, isError) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

/** Renders the report: counts, files, chart, activity table and connections. */
function showReport(report) {
  showStatus(describeDone(report), report.counts.files_failed > readWithError(report.files));
  results.hidden = false;
  document.body.dataset.connections = String(report.connections.length);
  renderTotals(report.counts, report.files.length);
  renderFiles(report.files);
  table.setData(report.connections, report.files.map((file) => file.name));
  table.render();
  // The activity table (up to 2,000 rows) and the chart each get a task of their own, so
  // that no single task of the result holds the main thread long.
  afterNextFrame()
    .then(() => renderActivityTable(report.activity))
    .then(afterNextFrame)
    .then(() => drawActivity(activityCanvas, report.activity))
    .then(() => { document.body.dataset.chart = 'drawn'; })
    .catch((error) => showStatus(`Could not draw the chart: ${error.message}`, true));
  startInvestigation(report);
}

/**
 * Resolves after the browser has laid out and painted the next frame, so that sizing the
 * chart's canvas finds the layout done. Drawn at once, the chart forced the layout of the
 * just-shown results inside the result's task, about 40 ms more in that one task (Chromium
 * 156 CPU profile of a 180,000-connection result, 2-core virtual machine).
 */
function afterNextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Fills the totals list. */
function renderTotals(counts, fileCount) {
  const entries = [
    ['Files', fileCount],
    // Counts failed and partly read files alike. The status line separates the two.
    ['Files with an error', counts.files_failed, 'files-failed'],
    ['Packets', counts.packets],
    ['Packets parsed', counts.packets_parsed],
    ['Packets skipped', describeMap(counts.packets_skipped)],
    ['Anomalies', describeMap(counts.anomalies)],
    ['Connections', counts.connections],
  ];
  const nodes = entries.flatMap(([term, value, key]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.count = key ?? term.toLowerCase().replaceAll(' ', '-');
    return [dt, dd];
  });
  totalsList.replaceChildren(...nodes);
}

/** Fills the per-file table, including each failed file's error with its byte offset. */
function renderFiles(files) {
  const rows = files.map((file) => {
    const error = file.error ? `byte ${file.error.offset}: ${file.error.message}` : '';
    const cells = [file.name, file.format ?? '-', file.bytes_read, file.packets, file.packets_parsed,
      describeMap(file.packets_skipped), describeMap(file.anomalies), describeLog(file.log), error];
    const tr = document.createElement('tr');
    cells.forEach((value, column) => {
      const td = document.createElement('td');
      td.textContent = String(value);
      if (column >= 2 && column <= 4) {
        td.className = 'number';
      }
      if (column === 8 && error) {
        td.className = 'error';
      }
      tr.append(td);
    });
    return tr;
  });
  filesBody.replaceChildren(...rows);
}

/** Fills the activity table, the text alternative of the chart. */
function renderActivityTable(activity) {
  const rows = activity.buckets.map((bucket) => {
    const tr = document.createElement('tr');
    for (const value of [formatUtc(bucket.start), bucket.packets, bucket.bytes, bucket.connections]) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  activityBody.replaceChildren(...rows);
}

/**
 * Describes a finished run in one sentence. A file whose reading stopped at an error after
 * some packets or log events counts as failed (counts.files_failed), but its records are
 * used, so the sentence says it was read with an error.
 */
function describeDone(report) {
  const partial = readWithError(report.files);
  const failed = report.counts.files_failed - partial;
  const parts = [];
  if (partial > 0) {
    parts.push(`${countNoun(partial, 'file')} read with an error (records before the error are used)`);
  }
  parts.push(`${failed} failed`);
  return `Done: ${countNoun(report.counts.connections, 'connection')} from ${countNoun(report.files.length, 'file')}, `
    + `${parts.join(', ')}.`;
}

/** Returns how many files stopped at an error after giving some packets or log events. */
function readWithError(files) {
  return files.filter((file) => file.error && (file.packets > 0 || eventCount(file.log) > 0)).length;
}

/** Returns how many events a log file gave, 0 for a capture. */
function eventCount(log) {
  return Object.values(log?.events_by_format ?? {}).reduce((sum, count) => sum + count, 0);
}

/** Summarises a log file's line counts, and the year and zone its dates were read with. */
function describeLog(log) {
  if (!log) {
    return '-';
  }
  const counts = `${log.lines} lines, ${log.unparsed} unparsed; events: ${describeMap(log.events_by_format)}`;
  const zone = `zone-less times read as ${describeOffset(log.tz_offset_secs)}`;
  if (log.assumed_year === null || log.assumed_year === undefined) {
    return `${counts}; ${zone}`;
  }
  const rollovers = log.year_rollovers > 0 ? `, ${countNoun(log.year_rollovers, 'year roll-over')}` : '';
  return `${counts}; year-less times start in ${log.assumed_year} (from ${log.year_source}${rollovers}); ${zone}`;
}

/** Writes an offset from UTC in seconds as UTC, UTC+02:00 or UTC-05:00. */
function describeOffset(seconds) {
  if (!seconds) {
    return 'UTC';
  }
  const sign = seconds < 0 ? '-' : '+';
  const minutes = Math.abs(seconds) / 60;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `UTC${sign}${hh}:${mm}`;
}

/** Formats a {reason: count} map as "reason: n, ..." or "none". */
function describeMap(map) {
  const parts = Object.entries(map || {}).map(([name, count]) => `${name}: ${count}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Formats a byte count with a binary unit. */
function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

setup();

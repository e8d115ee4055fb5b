// The exports: a toolbar on each part of the page with one button per chart (PNG) and per
// table (CSV), and in the Export view a self-contained HTML report (views/report.js).
//
// A toolbar follows its section: a mutation observer keeps its buttons in step with the
// charts (canvas.chart) and tables shown there, including those a view adds later. Everything is made in this tab and handed to the browser as a download (Blob, object
// URL, <a download>); nothing is sent anywhere. CSV files are written by views/csv.js,
// which guards every cell against CSV formula injection.

import { getState } from '../state.js';
import { countNoun } from '../table.js';
import { tableRows, toCsv } from './csv.js';
import { buildReport, isShown } from './report.js';

/**
 * The parts of the results section that get a toolbar: the title, where the toolbar goes,
 * and the elements to search for charts and tables. The connection table is paged, so its
 * CSV comes from every connection (setConnectionSource) instead of the rows on screen.
 */
const RESULT_PARTS = [
  {
    title: 'Files',
    place: (bar) => document.getElementById('files-table')?.closest('.scroll')?.before(bar),
    scope: () => document.getElementById('files-table'),
    charts: false,
  },
  {
    title: 'Activity',
    place: (bar) => document.getElementById('activity-heading')?.after(bar),
    scope: () => [document.getElementById('activity-chart'), document.getElementById('activity-table')],
    charts: true,
  },
  {
    title: 'Connections',
    place: (bar) => document.getElementById('connections-heading')?.after(bar),
    scope: null,
    charts: false,
  },
];

/** How long a download's object URL is kept before it is revoked, in milliseconds. */
const REVOKE_AFTER_MS = 10_000;

/** Connection rows formatted per step of a connection CSV, between yields to the event loop. */
const ROWS_PER_STEP = 5_000;

const reportButton = document.createElement('button');
const reportStatus = document.createElement('p');
let context = null;
let connectionSource = null;

/**
 * Sets the source of the connection table's CSV: a function returning {header, rowCount,
 * row(i)} over every connection in the table's order, not only the page on screen.
 */
export function setConnectionSource(source) {
  connectionSource = source;
}

/** Builds every toolbar and the report button, and keeps the views' context. */
export function setup(viewContext) {
  context = viewContext;
  for (const section of document.querySelectorAll('#investigation section.view')) {
    if (section.id !== 'exports-view') {
      attachToolbar(section, viewTitle(section), () => section);
    }
  }
  for (const part of RESULT_PARTS) {
    attachResultToolbar(part);
  }
  setupReportButton();
}

/** Returns a view's title: the text of its first heading, or its id. */
function viewTitle(section) {
  return section.querySelector('h2, h3, h4')?.textContent.trim() || section.id;
}

/**
 * Adds a toolbar to a section of the investigation, after its heading. A view may replace
 * its section's children, so an observer puts the toolbar back whenever it goes missing.
 * The same observer keeps one button per shown chart and table, and hides the toolbar
 * while there is none.
 */
function attachToolbar(section, title, scope) {
  const bar = buildToolbar(title);
  const update = () => {
    if (!section.contains(bar)) {
      const heading = section.querySelector(':scope > h2, :scope > h3');
      if (heading) {
        heading.after(bar);
      } else {
        section.prepend(bar);
      }
    }
    syncButtons(bar, title, scope());
  };
  update();
  new MutationObserver(update).observe(section, { childList: true, subtree: true, attributeFilter: ['hidden', 'width'] });
}

/** Adds a toolbar to one part of the results section (files, activity, connections). */
function attachResultToolbar(part) {
  const bar = buildToolbar(part.title);
  part.place(bar);
  if (!part.scope) {
    const button = exportButton('CSV', `Download every connection of ${part.title} as CSV`, 'csv');
    button.addEventListener('click', runInto(bar, exportConnections));
    bar.prepend(button);
    return;
  }
  const update = () => syncButtons(bar, part.title, part.scope(), { charts: part.charts });
  update();
  for (const element of [part.scope()].flat().filter(Boolean)) {
    new MutationObserver(update).observe(element, { childList: true, subtree: true, attributeFilter: ['hidden', 'width'] });
  }
}

/** Builds an empty toolbar: a labelled group holding only its status line. */
function buildToolbar(title) {
  const bar = document.createElement('div');
  bar.className = 'export-bar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', `Export ${title}`);
  const status = document.createElement('span');
  status.className = 'export-status';
  status.setAttribute('role', 'status');
  bar.append(status);
  return bar;
}

/**
 * Makes the toolbar's buttons match the shown charts and tables of `scope`: one PNG button
 * per chart and one CSV button per table, so that each click starts exactly one download.
 * (Several downloads from one click make Chromium ask the user first.) Buttons are rebuilt
 * only when the set of elements changed, because each rebuild calls the observer again.
 */
function syncButtons(bar, title, scope, options = {}) {
  const charts = options.charts === false ? []
    : findIn(scope, 'canvas.chart').filter((canvas) => isShown(canvas) && canvas.width > 1 && canvas.height > 1);
  const tables = findIn(scope, 'table').filter(isShown);
  const targets = [...charts.map((element) => ['png', element]), ...tables.map((element) => ['csv', element])];
  const current = [...bar.querySelectorAll('button[data-export]')];
  const same = current.length === targets.length && current.every((button, i) => exportTargets.get(button) === targets[i][1]);
  if (!same) {
    current.forEach((button) => button.remove());
    const status = bar.querySelector('.export-status');
    for (const [kind, element] of targets) {
      const count = kind === 'png' ? charts.length : tables.length;
      const index = (kind === 'png' ? charts : tables).indexOf(element);
      const button = exportButton(
        count === 1 ? kind.toUpperCase() : `${kind.toUpperCase()} ${index + 1}`,
        `Download ${describe(element, kind === 'png' ? 'chart' : 'table', title)} as ${kind.toUpperCase()}`,
        kind,
      );
      const name = partName(title, element, index, count);
      const task = kind === 'png' ? () => exportChart(element, name) : () => exportTable(element, name);
      button.addEventListener('click', runInto(bar, task));
      exportTargets.set(button, element);
      status.before(button);
    }
  }
  const hidden = targets.length === 0;
  if (bar.hidden !== hidden) {
    bar.hidden = hidden;
  }
}

/** The chart or table each export button downloads. */
const exportTargets = new WeakMap();

/** Returns words for a chart or table: its label, caption or id, else its kind and view. */
function describe(element, kind, title) {
  const label = element.getAttribute('aria-label') || element.querySelector?.('caption')?.textContent;
  if (label && label.length <= 80) {
    return `the ${kind} "${label.trim()}"`;
  }
  return element.id ? `the ${kind} ${element.id} of ${title}` : `the ${kind} of ${title}`;
}

/** Wraps an export task so that its result or failure shows in the toolbar's status line. */
function runInto(bar, task) {
  return async () => {
    const status = bar.querySelector('.export-status');
    status.textContent = '';
    try {
      status.textContent = await task();
    } catch (error) {
      status.textContent = `Export failed: ${error.message}`;
    }
  };
}

/** Builds one toolbar button of kind 'png' or 'csv'. */
function exportButton(text, label, kind) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.dataset.export = kind;
  return button;
}

/** Returns the elements matching `selector` inside or equal to the scope's elements, in page order. */
function findIn(scope, selector) {
  const roots = Array.isArray(scope) ? scope : [scope];
  const found = [];
  for (const root of roots.filter(Boolean)) {
    if (root.matches(selector)) {
      found.push(root);
    }
    found.push(...root.querySelectorAll(selector));
  }
  return found;
}

/** Downloads one chart as PNG; returns the status text. */
async function exportChart(canvas, name) {
  const blob = await canvasBlob(canvas);
  download(blob, fileName(name, 'png'));
  return 'Downloaded 1 PNG file.';
}

/** Downloads one table as CSV; returns the status text. */
async function exportTable(table, name) {
  const text = toCsv(tableRows(table));
  download(new Blob([text], { type: 'text/csv;charset=utf-8' }), fileName(name, 'csv'));
  return `Downloaded a CSV file of ${countNoun(table.rows.length, 'row')}.`;
}

/** Downloads every connection, in the table's current order, as one CSV. */
async function exportConnections() {
  if (!connectionSource) {
    return 'No connections to export.';
  }
  const { header, rowCount, row } = connectionSource();
  const parts = [toCsv([header])];
  for (let start = 0; start < rowCount; start += ROWS_PER_STEP) {
    const rows = [];
    for (let i = start; i < Math.min(start + ROWS_PER_STEP, rowCount); i += 1) {
      rows.push(row(i));
    }
    parts.push(toCsv(rows));
    // Formatting 100,000 rows at once would hold the main thread for a long task.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  download(new Blob(parts, { type: 'text/csv;charset=utf-8' }), fileName('connections', 'csv'));
  return `Downloaded ${countNoun(rowCount, 'connection')} as CSV.`;
}

/** Resolves with the canvas as a PNG Blob. */
function canvasBlob(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the chart'))), 'image/png');
  });
}

/** Names one exported part: the title, then the element's id or its position when there are several. */
function partName(title, element, index, count) {
  if (count === 1) {
    return title;
  }
  return `${title}-${element.id || index + 1}`;
}

/**
 * Returns a download name: wormscope, the host, the part and the UTC time, with every
 * character outside letters, digits, dot, underscore and hyphen made a hyphen.
 */
export function fileName(part, extension, now = new Date()) {
  const host = getState().host ?? 'no-host';
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '').replaceAll('-', '');
  const base = ['wormscope', host, part, stamp].join('_');
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 150);
  return `${safe}.${extension}`;
}

/** Hands a Blob to the browser as a download, then revokes its URL. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // A browser may read the URL after the click returns, so it is revoked after a delay.
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** Fills the Export view: the report button and its status line. */
function setupReportButton() {
  const view = document.getElementById('exports-view');
  const help = document.createElement('p');
  help.textContent = 'The report is one HTML file with the files, the filter state, the findings, '
    + 'and every view\'s charts (as images) and tables. It contains no scripts and loads nothing.';
  reportButton.type = 'button';
  reportButton.id = 'report-button';
  reportButton.textContent = 'Download report (HTML)';
  reportStatus.id = 'report-status';
  reportStatus.setAttribute('role', 'status');
  reportButton.addEventListener('click', saveReport);
  view.append(help, reportButton, reportStatus);
}

/** Builds the HTML report of the current investigation and downloads it. */
function saveReport() {
  if (!context?.report) {
    reportStatus.textContent = 'Load files first: there is nothing to report yet.';
    return;
  }
  try {
    const now = new Date();
    const html = buildReport(context, now);
    download(new Blob([html], { type: 'text/html;charset=utf-8' }), fileName('report', 'html', now));
    reportStatus.textContent = `Downloaded the report (${html.length} characters).`;
  } catch (error) {
    reportStatus.textContent = `Could not build the report: ${error.message}`;
  }
}

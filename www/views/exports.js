// The exports: a toolbar on each part of the page that downloads its charts as PNG and its
// tables as CSV, and in the Export view a self-contained HTML report (views/report.js).
//
// A toolbar looks for its charts (canvas.chart) and tables when clicked, not when it is
// built, so it exports whatever the views have drawn by then, including tables a view adds
// later. Everything is made in this tab and handed to the browser as a download (Blob, object
// URL, <a download>); nothing is sent anywhere. CSV files are written by views/csv.js,
// which guards every cell against CSV formula injection.

import { getState } from '../state.js';
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
 * The same observer shows each button only while the section has something for it to
 * export, and the whole toolbar only while it has a button to show.
 */
function attachToolbar(section, title, scope) {
  const bar = buildToolbar(title, scope);
  const pngButton = bar.querySelector('button[data-export="png"]');
  const csvButton = bar.querySelector('button[data-export="csv"]');
  const update = () => {
    if (!section.contains(bar)) {
      const heading = section.querySelector(':scope > h2, :scope > h3');
      if (heading) {
        heading.after(bar);
      } else {
        section.prepend(bar);
      }
    }
    // Only changed values are written: each write of `hidden` would call this observer again.
    setHidden(pngButton, findIn(section, 'canvas.chart').filter(isShown).length === 0);
    setHidden(csvButton, findIn(section, 'table').filter(isShown).length === 0);
    setHidden(bar, pngButton.hidden && csvButton.hidden);
  };
  update();
  new MutationObserver(update).observe(section, { childList: true, subtree: true, attributeFilter: ['hidden'] });
}

/** Sets an element's hidden property when it differs. */
function setHidden(element, hidden) {
  if (element.hidden !== hidden) {
    element.hidden = hidden;
  }
}

/** Adds a toolbar to one part of the results section (files, activity, connections). */
function attachResultToolbar(part) {
  const bar = part.scope
    ? buildToolbar(part.title, part.scope, { charts: part.charts })
    : buildToolbar(part.title, null, { csv: exportConnections, charts: false });
  part.place(bar);
}

/**
 * Builds a toolbar: a PNG button (unless options.charts is false), a CSV button and a status
 * line. `scope` returns the elements to search for charts and tables at click time. When
 * options.csv is given, it makes the CSV in place of the tables found there.
 */
function buildToolbar(title, scope, options = {}) {
  const bar = document.createElement('div');
  bar.className = 'export-bar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', `Export ${title}`);
  const status = document.createElement('span');
  status.className = 'export-status';
  status.setAttribute('role', 'status');

  const run = (task) => async () => {
    status.textContent = '';
    try {
      status.textContent = await task();
    } catch (error) {
      status.textContent = `Export failed: ${error.message}`;
    }
  };
  if (options.charts !== false) {
    bar.append(exportButton('PNG', `Download the charts of ${title} as PNG`, run(() => exportCharts(title, scope()))));
  }
  const csvTask = options.csv ?? (() => exportTables(title, scope()));
  bar.append(exportButton('CSV', `Download the tables of ${title} as CSV`, run(csvTask)), status);
  return bar;
}

/** Builds one toolbar button; its accessible name starts with the visible text's purpose. */
function exportButton(text, label, onClick) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.dataset.export = text.toLowerCase();
  button.addEventListener('click', onClick);
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

/** Downloads every chart of a scope as one PNG each; returns the status text. */
async function exportCharts(title, scope) {
  const canvases = findIn(scope, 'canvas.chart').filter((canvas) => isShown(canvas) && canvas.width > 1 && canvas.height > 1);
  if (canvases.length === 0) {
    return `${title} has no chart to export.`;
  }
  // NOTE: Chromium asks the user once per site before it allows several downloads from one
  // click, so a view with several charts or tables shows that prompt the first time.
  for (const [index, canvas] of canvases.entries()) {
    const blob = await canvasBlob(canvas);
    download(blob, fileName(partName(title, canvas, index, canvases.length), 'png'));
  }
  return `Downloaded ${canvases.length} PNG file(s).`;
}

/** Downloads every table of a scope as one CSV each; returns the status text. */
async function exportTables(title, scope) {
  const tables = findIn(scope, 'table').filter(isShown);
  if (tables.length === 0) {
    return `${title} has no table to export.`;
  }
  for (const [index, table] of tables.entries()) {
    const text = toCsv(tableRows(table));
    download(new Blob([text], { type: 'text/csv;charset=utf-8' }), fileName(partName(title, table, index, tables.length), 'csv'));
  }
  return `Downloaded ${tables.length} CSV file(s).`;
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
  return `Downloaded ${rowCount} connection(s) as CSV.`;
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

// The HTML report of an investigation: one self-contained file with the files and counts,
// the filter state, the findings, and every view's charts (as PNG data: URLs) and tables.
//
// The report is built with DOM calls in a detached document and then serialized, so every
// string from a file (addresses, log text, file names) ends up escaped as text. It has no
// scripts, and its own Content-Security-Policy lets it load nothing but its inline style and
// its data: images. Tables are rebuilt from their cells' text, so no attribute, button or
// input of the page is copied into the report.

import { readFragment } from '../state.js';
import { formatUtc } from '../table.js';
import { cellText, tableRows } from './csv.js';

/** The report's Content-Security-Policy: nothing loads except data: images and the style block. */
const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** The report's only style block, a constant (nothing from a file goes in it). */
const REPORT_STYLE = `
body { font-family: system-ui, sans-serif; max-width: 80rem; margin: 0 auto; padding: 0 1rem 2rem; color: #1a1a1a; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #ccc; }
figure { margin: 1rem 0; }
section { border-top: 1px solid #ccc; margin-top: 1.5rem; }
ul { margin: 0; padding-left: 1.2rem; }
`;

/** Descriptions of the filter state's keys, in the order state.js writes them. */
const STATE_LABELS = {
  host: 'Host',
  port: 'Port',
  pf: 'Port filter',
  from: 'From (UTC)',
  to: 'To (UTC)',
  dir: 'Direction',
  types: 'Event types',
  learn: 'Learning window (hours from the first record)',
  anon: 'Axis labels of the /8 chart hidden',
};

/**
 * Returns the report of the investigation in `context` (the views' context of
 * views/index.js) as HTML text, dated `now`.
 */
export function buildReport(context, now) {
  const doc = document.implementation.createHTMLDocument('');
  const host = context.state?.host ?? '';
  setupHead(doc, `wormscope report: ${host || 'no host chosen'}`);
  const add = (...nodes) => doc.body.append(...nodes);

  add(element(doc, 'h1', `wormscope report: ${host || 'no host chosen'}`));
  add(element(doc, 'p', `Generated ${now.toISOString()} in the browser by wormscope, from the files below. Every time is UTC.`));

  add(...filesPart(doc, context.report));
  add(...statePart(doc, window.location.hash));
  add(...findingsPart(doc, context.detection, host));
  add(...resultsActivityPart(doc));
  for (const section of document.querySelectorAll('#investigation section.view')) {
    // The findings part above covers the findings view, so its tables are not copied twice.
    if (section.id !== 'exports-view' && section.id !== 'findings-view') {
      add(viewPart(doc, section));
    }
  }
  // The style block goes in as text after serializing: a <style> element with content,
  // even in a detached document, counts as inline style under the page's own CSP. The
  // serialized head holds only the meta elements and the escaped title, so its first
  // </head> is the real end of the head.
  const html = doc.documentElement.outerHTML.replace('</head>', `<style>${REPORT_STYLE}</style></head>`);
  return `<!doctype html>\n${html}\n`;
}

/** Fills the head: language, charset, the CSP and the title. */
function setupHead(doc, title) {
  doc.documentElement.lang = 'en';
  const charset = doc.createElement('meta');
  charset.setAttribute('charset', 'utf-8');
  const csp = doc.createElement('meta');
  csp.httpEquiv = 'Content-Security-Policy';
  csp.content = REPORT_CSP;
  doc.title = title;
  // The charset and the CSP must come before anything they govern.
  doc.head.prepend(charset, csp);
}

/** Creates an element with text content (set as text, never parsed). */
function element(doc, tag, text) {
  const node = doc.createElement(tag);
  if (text !== undefined) {
    node.textContent = String(text);
  }
  return node;
}

/**
 * Builds a table in the report's document from a header and rows of cell values. A cell may
 * be a string or number (set as text) or a node of the report's document.
 */
function buildTable(doc, header, rows, caption) {
  const table = doc.createElement('table');
  if (caption) {
    table.append(element(doc, 'caption', caption));
  }
  const head = doc.createElement('thead');
  const headRow = doc.createElement('tr');
  for (const name of header) {
    const th = element(doc, 'th', name);
    th.setAttribute('scope', 'col');
    headRow.append(th);
  }
  head.append(headRow);
  const body = doc.createElement('tbody');
  for (const cells of rows) {
    const tr = doc.createElement('tr');
    for (const value of cells) {
      const td = doc.createElement('td');
      if (typeof value === 'object' && value !== null) {
        td.append(value);
      } else {
        td.textContent = String(value ?? '');
      }
      tr.append(td);
    }
    body.append(tr);
  }
  table.append(head, body);
  return table;
}

/** The files read and the run's counts. */
function filesPart(doc, report) {
  const files = report.files.map((file) => [
    file.name,
    file.format ?? '-',
    file.bytes_read,
    file.packets,
    file.log ? file.log.lines : '-',
    file.error ? `byte ${file.error.offset}: ${file.error.message}` : '',
  ]);
  const counts = report.counts;
  const totals = [
    ['Files', report.files.length],
    ['Files with an error', counts.files_failed],
    ['Packets', counts.packets],
    ['Packets parsed', counts.packets_parsed],
    ['Connections', counts.connections],
  ];
  return [
    element(doc, 'h2', 'Files'),
    buildTable(doc, ['File', 'Format', 'Bytes read', 'Packets', 'Log lines', 'Error'], files),
    buildTable(doc, ['Count', 'Value'], totals),
  ];
}

/** The filter state, read back from the URL fragment, and the fragment itself. */
function statePart(doc, hash) {
  const state = readFragment(hash);
  const rows = Object.keys(STATE_LABELS)
    .filter((key) => state[key] !== undefined)
    .map((key) => [STATE_LABELS[key], describeStateValue(key, state[key])]);
  const parts = [element(doc, 'h2', 'Filter state')];
  if (rows.length === 0) {
    parts.push(element(doc, 'p', 'No filter: every record of the files.'));
  } else {
    parts.push(buildTable(doc, ['Setting', 'Value'], rows));
  }
  parts.push(element(doc, 'p', `URL fragment: ${hash || '(none)'}`));
  return parts;
}

/** Formats one state value for a reader. */
function describeStateValue(key, value) {
  if (key === 'from' || key === 'to') {
    return formatUtc(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'on' : 'off';
  }
  if (Array.isArray(value)) {
    return value.join(', ');
  }
  return String(value);
}

/** The host ranking, the chosen host's findings with their evidence, and every other finding. */
function findingsPart(doc, detection, host) {
  const parts = [element(doc, 'h2', 'Findings')];
  if (!detection || detection.findings.length === 0) {
    parts.push(element(doc, 'p', 'No detection rule fired on these files.'));
    return parts;
  }
  // Low-severity findings on other hosts (mostly never-before-seen items) are counted, not
  // listed: on a campus they run to hundreds of hosts and would bury the rest.
  const ranked = detection.hosts.filter((row) => row.severity !== 'low' || row.host === host);
  const ranking = ranked.map((row) => [row.rank, row.host, row.score.toFixed(2), row.severity,
    row.rules.join(', '), row.findings]);
  parts.push(buildTable(doc, ['Rank', 'Host', 'Score', 'Severity', 'Rules', 'Findings'], ranking, 'Hosts with findings'));

  const own = detection.findings.filter((finding) => finding.host === host);
  const others = detection.findings.filter((finding) => finding.host !== host && finding.severity !== 'low');
  const lowOthers = detection.findings.filter((finding) => finding.host !== host && finding.severity === 'low').length;
  const lowHosts = detection.hosts.length - ranked.length;
  if (lowOthers > 0) {
    parts.push(element(doc, 'p', `Left out: ${lowOthers} low-severity findings on other hosts, and from the ranking `
      + `${lowHosts} hosts whose findings are all low-severity. The page and wormscope findings list them all.`));
  }
  const findingRow = (finding, withEvidence) => {
    const row = [finding.rule, finding.host, finding.severity, finding.score.toFixed(2),
      formatNanos(finding.start), formatNanos(finding.end), finding.message];
    return withEvidence ? [...row, evidenceList(doc, finding.evidence)] : row;
  };
  const header = ['Rule', 'Host', 'Severity', 'Score', 'Start (UTC)', 'End (UTC)', 'Message'];
  parts.push(own.length > 0
    ? buildTable(doc, [...header, 'Evidence (file index, line or packet)'], own.map((f) => findingRow(f, true)), `Findings on ${host}`)
    : element(doc, 'p', `No finding on ${host || 'the chosen host'}.`));
  if (others.length > 0) {
    parts.push(buildTable(doc, header, others.map((f) => findingRow(f, false)), 'Findings on other hosts'));
  }
  return parts;
}

/** Lists a finding's evidence, one record a line. */
function evidenceList(doc, evidence) {
  const list = doc.createElement('ul');
  for (const item of evidence) {
    const label = item.label ? ` [${item.label}]` : '';
    list.append(element(doc, 'li', `${formatNanos(item.ts)} file ${item.file_index} #${item.line}${label}: ${item.summary}`));
  }
  return list;
}

/** Formats integer nanoseconds since the epoch as UTC. */
function formatNanos(nanos) {
  return formatUtc(nanos / 1e9);
}

/** The activity chart and table of the whole input, from the results section. */
function resultsActivityPart(doc) {
  const section = element(doc, 'section');
  section.append(element(doc, 'h2', 'Activity of every host'));
  appendContent(doc, section, [document.getElementById('activity-chart'), document.getElementById('activity-table')]);
  return [section];
}

/** One view: its heading, then its charts, tables and description lists in page order. */
function viewPart(doc, view) {
  const section = element(doc, 'section');
  const title = view.querySelector('h2, h3, h4')?.textContent.trim() || view.id;
  section.append(element(doc, 'h2', title));
  const items = [...view.querySelectorAll('canvas.chart, table, dl')];
  if (!appendContent(doc, section, items)) {
    section.append(element(doc, 'p', 'This view showed no chart or table.'));
  }
  return section;
}

/**
 * Returns true if and only if no ancestor of the element is hidden. A chart or table that a
 * view has hidden is not exported. One in a closed <details> is, because it is a chart's
 * text alternative.
 */
export function isShown(element) {
  return !element.closest('[hidden]');
}

/** Appends the report copies of charts, tables and description lists; returns how many. */
function appendContent(doc, section, items) {
  let count = 0;
  for (const item of items) {
    if (!item || !isShown(item)) {
      continue;
    }
    const copy = reportCopy(doc, item);
    if (copy) {
      section.append(copy);
      count += 1;
    }
  }
  return count;
}

/** Returns the report's copy of one chart (an image), table or description list. */
function reportCopy(doc, item) {
  if (item.tagName === 'CANVAS') {
    if (item.width <= 1 || item.height <= 1) {
      return null;
    }
    const figure = doc.createElement('figure');
    const image = doc.createElement('img');
    const label = item.getAttribute('aria-label') || 'Chart';
    image.src = item.toDataURL('image/png');
    image.alt = label;
    figure.append(image, element(doc, 'figcaption', label));
    return figure;
  }
  if (item.tagName === 'TABLE') {
    return copyTable(doc, item);
  }
  return copyDescriptionList(doc, item);
}

/** Rebuilds a page table from its cells' text: header rows as th, the rest as td. */
function copyTable(doc, table) {
  const copy = doc.createElement('table');
  const caption = table.caption ? cellText(table.caption) : table.getAttribute('aria-label');
  if (caption) {
    copy.append(element(doc, 'caption', caption));
  }
  const headRows = table.tHead ? table.tHead.rows.length : 0;
  const body = doc.createElement('tbody');
  tableRows(table).forEach((cells, index) => {
    const tr = doc.createElement('tr');
    for (const text of cells) {
      tr.append(element(doc, index < headRows ? 'th' : 'td', text));
    }
    body.append(tr);
  });
  copy.append(body);
  return copy;
}

/** Rebuilds a description list (a view's summary numbers) from its text. */
function copyDescriptionList(doc, list) {
  const copy = doc.createElement('dl');
  for (const child of list.children) {
    if (child.tagName === 'DT' || child.tagName === 'DD') {
      copy.append(element(doc, child.tagName.toLowerCase(), cellText(child)));
    }
  }
  return copy.children.length > 0 ? copy : null;
}

// The findings view: the hosts the detection rules ranked, per host its findings with their
// evidence, and every finding as one table (the view's CSV). It draws from context.detection,
// the document `wormscope findings --format json` writes for the same files.
//
// The panel stays short. Only the top host's findings are open, and a host's list is built
// when its disclosure first opens. Low-severity findings are hidden until the user asks for
// them. A rule's findings beyond FINDINGS_SHOWN_PER_RULE fold into one disclosure per host,
// and each finding shows EVIDENCE_SHOWN evidence records with a button for the rest.
// A finding's button selects its host and time span, padded on each side by PADDING_SECS or
// PADDING_SHARE, and moves to the activity view. An evidence button shows its record in the
// event table. Messages and evidence come from log lines and packets: textContent only.

import { countNoun, formatUtc } from '../table.js';
import { actionHeader, element, focusView, investigateCell } from './dom.js';
import { showRecord } from './events.js';

/** Minimum padding around a finding's span when it is selected, in seconds. */
export const PADDING_SECS = 60;

/** Padding around a finding's span as a share of the span, when larger than PADDING_SECS. */
export const PADDING_SHARE = 0.1;

/** Findings of one rule shown per host before the rest are folded into a disclosure. */
export const FINDINGS_SHOWN_PER_RULE = 2;

/** Evidence records shown per finding before its "show all" button. */
export const EVIDENCE_SHOWN = 3;

/** Rows of the findings table built per task, so a large run does not hold the main thread. */
const TABLE_ROWS_PER_TASK = 500;

const NANOS_PER_SEC = 1e9;

const section = document.getElementById('findings-view');
let summary;
let lowToggle;
let hostsBody;
let perHost;
let tableBody;
let tableSummary;
let showLow = false;
let drawnFor = null;
let tableGeneration = 0;

/** Builds the view's fixed elements. */
export function setup() {
  summary = element('p', { id: 'findings-summary' });
  lowToggle = element('button', { type: 'button', id: 'findings-low-toggle' });
  lowToggle.addEventListener('click', () => setShowLow(!showLow));

  const table = element('table', { id: 'findings-hosts' });
  table.append(element('caption', {}, 'Hosts ranked by the combined score of their findings'));
  const head = element('tr');
  for (const label of ['Rank', 'Host', 'Score', 'Severity', 'Rules', 'Findings']) {
    head.append(element('th', { scope: 'col' }, label));
  }
  head.append(actionHeader(''));
  table.append(element('thead', {}, head));
  hostsBody = element('tbody', { id: 'findings-hosts-body' });
  table.append(hostsBody);
  const scroll = element('div', { className: 'scroll short' }, table);
  perHost = element('div', { id: 'findings-per-host' });
  section.append(summary, element('p', {}, lowToggle), scroll, perHost, buildFindingsTable());
}

/** Builds the table of every shown finding, closed in a disclosure; its CSV is the view's findings. */
function buildFindingsTable() {
  const table = element('table', { id: 'findings-table' });
  table.append(element('caption', {}, 'Every shown finding, in the order of the findings document'));
  const head = element('tr');
  for (const label of ['Host', 'Rule', 'Severity', 'Score', 'Start (UTC)', 'End (UTC)', 'Message']) {
    head.append(element('th', { scope: 'col' }, label));
  }
  table.append(element('thead', {}, head));
  tableBody = element('tbody', { id: 'findings-table-body' });
  table.append(tableBody);
  tableSummary = element('summary', { id: 'findings-table-summary' }, 'Findings as a table');
  return element('details', { className: 'findings-table' }, tableSummary,
    element('div', { className: 'scroll short' }, table));
}

/** Draws the ranking and the findings of a new run (they do not depend on the filter state). */
export async function start(context) {
  const { detection, report } = context;
  const files = { names: report.files.map((file) => file.name), formats: report.files.map((file) => file.format) };
  summary.textContent = describeRun(detection);
  hostsBody.replaceChildren(...detection.hosts.map((host) => hostRow(host, context)));
  const byHost = groupByHost(detection.findings);
  perHost.replaceChildren(...detection.hosts.map((host, index) =>
    hostFindings(host, byHost.get(host.host) ?? [], index === 0, context, files)));
  drawnFor = detection;
  setShowLow(false);
  await fillFindingsTable(detection);
}

/** Marks the host under investigation in the ranking. */
export function render(_profile, context) {
  if (drawnFor !== context.detection) {
    return;
  }
  for (const row of hostsBody.children) {
    if (row.dataset.host === context.state.host) {
      row.setAttribute('aria-current', 'true');
    } else {
      row.removeAttribute('aria-current');
    }
  }
}

/** Shows or hides the low-severity findings, in the lists and in the findings table. */
function setShowLow(show) {
  const changed = show !== showLow;
  showLow = show;
  const low = drawnFor ? drawnFor.findings.filter(isLow).length : 0;
  lowToggle.textContent = `${show ? 'Hide' : 'Show'} low-severity findings (${low})`;
  lowToggle.setAttribute('aria-pressed', String(show));
  lowToggle.hidden = low === 0;
  perHost.classList.toggle('show-low', show);
  if (changed && drawnFor) {
    fillFindingsTable(drawnFor);
  }
}

/** Returns true if and only if the finding's severity is low. */
function isLow(finding) {
  return finding.severity === 'low';
}

/** Fills the findings table with the shown findings, a few hundred rows per task. */
async function fillFindingsTable(detection) {
  tableGeneration += 1;
  const mine = tableGeneration;
  const shown = detection.findings.filter((finding) => showLow || !isLow(finding));
  tableSummary.textContent = `${countNoun(shown.length, 'finding')} as a table`
    + (showLow ? '' : ' (low severity left out)');
  tableBody.replaceChildren();
  for (let start = 0; start < shown.length; start += TABLE_ROWS_PER_TASK) {
    if (start > 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (mine !== tableGeneration) {
        return;
      }
    }
    tableBody.append(...shown.slice(start, start + TABLE_ROWS_PER_TASK).map(findingRow));
  }
}

/** Builds one row of the findings table. */
function findingRow(finding) {
  const row = element('tr');
  row.dataset.host = finding.host;
  row.dataset.rule = finding.rule;
  const cells = [finding.host, finding.rule, finding.severity, finding.score.toFixed(2),
    formatUtc(finding.start / NANOS_PER_SEC), formatUtc(finding.end / NANOS_PER_SEC), finding.message];
  cells.forEach((text, column) => {
    const cell = element('td', {}, text);
    if (column === 3) {
      cell.className = 'number';
    }
    if (column === 6) {
      cell.className = 'message';
    }
    row.append(cell);
  });
  return row;
}

/** Describes in one sentence what the rules found. */
function describeRun(detection) {
  const learning = detection.learning_end === null
    ? 'no learning window'
    : `learning window ending ${formatUtc(detection.learning_end / NANOS_PER_SEC)} UTC`;
  if (detection.findings.length === 0) {
    return `No rule fired (${learning}). The host with the most events is shown below.`;
  }
  return `${countNoun(detection.findings.length, 'finding')} about ${countNoun(detection.hosts.length, 'host')}, `
    + `${learning}. Findings are leads, not verdicts: each says what a rule measured.`;
}

/** Builds one row of the ranking, with a button that selects the host. */
function hostRow(host, context) {
  const row = element('tr');
  row.dataset.host = host.host;
  row.dataset.rank = String(host.rank);
  row.dataset.score = String(host.score);
  const cells = [String(host.rank), host.host, host.score.toFixed(2), host.severity, host.rules.join(', '),
    String(host.findings)];
  cells.forEach((text, column) => {
    const cell = element('td', {}, text);
    if (column === 0 || column === 2 || column === 5) {
      cell.className = 'number';
    }
    if (column === 3) {
      cell.classList.add(`severity-${host.severity}`);
    }
    row.append(cell);
  });
  row.append(investigateCell(host.host, context.setState));
  return row;
}

/** Returns the findings grouped by host, each group by score (highest first), then time. */
function groupByHost(findings) {
  const groups = new Map();
  for (const finding of findings) {
    if (!groups.has(finding.host)) {
      groups.set(finding.host, []);
    }
    groups.get(finding.host).push(finding);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => b.score - a.score || a.start - b.start || a.rule.localeCompare(b.rule));
  }
  return groups;
}

/**
 * Builds one host's findings in a disclosure, open for the top host. The list is built when
 * the disclosure first opens, so closed hosts cost one summary line each.
 */
function hostFindings(host, findings, open, context, files) {
  const details = element('details', { className: 'findings-host' });
  details.dataset.host = host.host;
  const low = findings.filter(isLow).length;
  if (low === findings.length) {
    details.classList.add('findings-host-low');
  }
  const lowWords = low > 0 && low < findings.length ? ` (${low} low)` : '';
  details.append(element('summary', {}, `#${host.rank} ${host.host}: ${countNoun(host.findings, 'finding')}${lowWords}, `
    + `${host.severity} severity, score ${host.score.toFixed(2)}`));
  lazyList(details, () => findingItems(findings, context, files));
  details.open = open;
  return details;
}

/**
 * Appends to `details`, when it first opens, an ordered list of the items `buildItems`
 * returns, and marks it data-built="true". A closed disclosure costs only its summary.
 */
function lazyList(details, buildItems) {
  const build = () => {
    if (!details.open || details.dataset.built === 'true') {
      return;
    }
    details.append(element('ol', { className: 'findings-list' }, ...buildItems()));
    details.dataset.built = 'true';
  };
  details.addEventListener('toggle', build);
}

/**
 * Builds a host's finding items. The first FINDINGS_SHOWN_PER_RULE findings of a rule are
 * shown, and the rest of that rule go into one closed disclosure after them. Twenty
 * AddressScan findings thus take three lines until the user opens them.
 */
function findingItems(findings, context, files) {
  const byRule = new Map();
  for (const finding of findings) {
    if (!byRule.has(finding.rule)) {
      byRule.set(finding.rule, []);
    }
    byRule.get(finding.rule).push(finding);
  }
  const items = [];
  const seen = new Map();
  for (const finding of findings) {
    const count = (seen.get(finding.rule) ?? 0) + 1;
    seen.set(finding.rule, count);
    if (count <= FINDINGS_SHOWN_PER_RULE) {
      items.push(findingItem(finding, context, files));
    }
    const rest = byRule.get(finding.rule).slice(FINDINGS_SHOWN_PER_RULE);
    if (count === FINDINGS_SHOWN_PER_RULE && rest.length > 0) {
      items.push(moreOfRule(finding.rule, rest, context, files));
    }
  }
  return items;
}

/** Builds a closed disclosure holding the rest of one rule's findings, built when opened. */
function moreOfRule(rule, rest, context, files) {
  const details = element('details', { className: 'findings-more' });
  details.dataset.rule = rule;
  details.append(element('summary', {}, countNoun(rest.length, `more ${rule} finding`)));
  lazyList(details, () => rest.map((finding) => findingItem(finding, context, files)));
  const item = element('li', { className: 'findings-more-item' }, details);
  if (rest.every(isLow)) {
    item.classList.add('findings-host-low');
  }
  return item;
}

/** Builds one finding: a button that selects its span, the message, the facts and the evidence. */
function findingItem(finding, context, files) {
  const item = element('li', { className: `finding severity-${finding.severity}` });
  const [from, to] = paddedRange(finding.start, finding.end);
  const title = `${finding.rule}: ${describeSpan(finding.start, finding.end)}`;
  const button = element('button', { type: 'button', className: 'finding-select' }, title);
  button.dataset.rule = finding.rule;
  button.dataset.host = finding.host;
  button.dataset.from = String(from);
  button.dataset.to = String(to);
  button.setAttribute('aria-label', `${title}; show ${finding.host} from ${formatUtc(from)} to ${formatUtc(to)} UTC`);
  button.addEventListener('click', () => {
    context.setState({ host: finding.host, from, to });
    focusView('activity-view');
  });

  const meta = element('span', { className: 'finding-meta' },
    ` ${finding.severity} severity, score ${finding.score.toFixed(2)}`);
  const message = element('p', { className: 'finding-message' }, finding.message);
  item.append(button, meta, message);

  const facts = Object.entries(finding.facts);
  if (facts.length > 0) {
    item.append(element('p', { className: 'finding-facts' },
      facts.map(([name, value]) => `${name} = ${formatFact(value)}`).join('; ')));
  }
  if (finding.evidence.length > 0) {
    item.append(evidenceList(finding.evidence, files));
  }
  return item;
}

/** Builds the first EVIDENCE_SHOWN evidence records and, when there are more, a button that adds the rest. */
function evidenceList(records, files) {
  const list = element('ul', { className: 'finding-evidence' });
  list.dataset.total = String(records.length);
  list.append(...records.slice(0, EVIDENCE_SHOWN).map((record) => evidenceItem(record, files)));
  if (records.length <= EVIDENCE_SHOWN) {
    return list;
  }
  const more = element('button', { type: 'button', className: 'evidence-more' },
    `Show all ${records.length} sample records`);
  more.addEventListener('click', () => {
    list.append(...records.slice(EVIDENCE_SHOWN).map((record) => evidenceItem(record, files)));
    more.remove();
    list.children[EVIDENCE_SHOWN]?.querySelector('button')?.focus();
  });
  return element('div', {}, list, more);
}

/** Builds one evidence record: its time, role and summary, and a button that shows the record. */
function evidenceItem(record, files) {
  const item = element('li');
  const name = files.names[record.file_index] ?? `file ${record.file_index}`;
  const format = files.formats[record.file_index];
  const isCapture = format === 'pcap' || format === 'pcapng';
  const where = isCapture ? `${name}, packet ${record.line}` : `${name}, line ${record.line}`;
  const label = record.label ? `${record.label}: ` : '';
  const button = element('button', { type: 'button', className: 'evidence-show' }, where);
  button.dataset.file = String(record.file_index);
  button.dataset.line = String(record.line);
  button.setAttribute('aria-label', `Show the record at ${where} in the event table`);
  button.addEventListener('click', () => showRecord(record.file_index, record.line, where));
  item.append(element('time', {}, `${formatUtc(record.ts / NANOS_PER_SEC)} `), `${label}${record.summary} `, button);
  return item;
}

/**
 * Returns [from, to] in whole seconds: the finding's span widened on each side by the larger
 * of PADDING_SECS and PADDING_SHARE of the span. `to` is exclusive, so it ends past the span.
 */
export function paddedRange(startNanos, endNanos) {
  const start = startNanos / NANOS_PER_SEC;
  const end = endNanos / NANOS_PER_SEC;
  const padding = Math.max(PADDING_SECS, (end - start) * PADDING_SHARE);
  return [Math.floor(start - padding), Math.ceil(end + padding)];
}

/** Formats the span in UTC, or one time when it is a single moment. */
function describeSpan(startNanos, endNanos) {
  const start = formatUtc(startNanos / NANOS_PER_SEC);
  if (endNanos === startNanos) {
    return `${start} UTC`;
  }
  return `${start} to ${formatUtc(endNanos / NANOS_PER_SEC)} UTC`;
}

/** Formats a fact's value: whole numbers as they are, others to three decimals. */
function formatFact(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

// The findings view: the hosts the detection rules ranked, and per host its findings with
// their evidence. It draws from context.detection, the document `wormscope findings --format
// json` writes for the same files. A finding's button selects its host and time span, padded
// on each side by PADDING_SECS or PADDING_SHARE. An evidence button shows its record in the
// event table. Messages and evidence come from log lines and packets: textContent only.

import { formatUtc } from '../table.js';
import { element, investigateCell } from './dom.js';
import { showRecord } from './events.js';

/** Minimum padding around a finding's span when it is selected, in seconds. */
export const PADDING_SECS = 60;

/** Padding around a finding's span as a share of the span, when larger than PADDING_SECS. */
export const PADDING_SHARE = 0.1;

const NANOS_PER_SEC = 1e9;

const section = document.getElementById('findings-view');
let summary;
let hostsBody;
let perHost;
let drawnFor = null;

/** Builds the view's fixed elements. */
export function setup() {
  summary = element('p', { id: 'findings-summary' });
  const table = element('table', { id: 'findings-hosts' });
  table.append(element('caption', {}, 'Hosts ranked by the combined score of their findings'));
  const head = element('tr');
  for (const label of ['Rank', 'Host', 'Score', 'Severity', 'Rules', 'Findings', '']) {
    head.append(element('th', { scope: 'col' }, label));
  }
  table.append(element('thead', {}, head));
  hostsBody = element('tbody', { id: 'findings-hosts-body' });
  table.append(hostsBody);
  const scroll = element('div', { className: 'scroll short' }, table);
  perHost = element('div', { id: 'findings-per-host' });
  section.append(summary, scroll, perHost);
}

/** Draws the ranking and the findings of a new run (they do not depend on the filter state). */
export function start(context) {
  const { detection, report } = context;
  const fileNames = report.files.map((file) => file.name);
  const fileFormats = report.files.map((file) => file.format);
  summary.textContent = describeRun(detection);
  hostsBody.replaceChildren(...detection.hosts.map((host) => hostRow(host, context)));
  const byHost = groupByHost(detection.findings);
  perHost.replaceChildren(...detection.hosts.map((host, index) =>
    hostFindings(host, byHost.get(host.host) ?? [], index === 0, context, fileNames, fileFormats)));
  drawnFor = detection;
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

/** Describes in one sentence what the rules found. */
function describeRun(detection) {
  const learning = detection.learning_end === null
    ? 'no learning window'
    : `learning window ending ${formatUtc(detection.learning_end / NANOS_PER_SEC)} UTC`;
  if (detection.findings.length === 0) {
    return `No rule fired (${learning}). The host with the most events is shown below.`;
  }
  return `${detection.findings.length} finding(s) about ${detection.hosts.length} host(s), ${learning}. `
    + 'Findings are leads, not verdicts: each says what a rule measured.';
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

/** Builds one host's findings in a disclosure, open for the top host. */
function hostFindings(host, findings, open, context, fileNames, fileFormats) {
  const details = element('details', { className: 'findings-host' });
  details.dataset.host = host.host;
  details.open = open;
  details.append(element('summary', {},
    `#${host.rank} ${host.host}: ${host.findings} finding(s), ${host.severity} severity, score ${host.score.toFixed(2)}`));
  const list = element('ol', { className: 'findings-list' });
  for (const finding of findings) {
    list.append(findingItem(finding, context, fileNames, fileFormats));
  }
  details.append(list);
  return details;
}

/** Builds one finding: a button that selects its span, the message, the facts and the evidence. */
function findingItem(finding, context, fileNames, fileFormats) {
  const item = element('li', { className: `finding severity-${finding.severity}` });
  const [from, to] = paddedRange(finding.start, finding.end);
  const title = `${finding.rule}: ${describeSpan(finding.start, finding.end)}`;
  const button = element('button', { type: 'button', className: 'finding-select' }, title);
  button.dataset.rule = finding.rule;
  button.dataset.host = finding.host;
  button.dataset.from = String(from);
  button.dataset.to = String(to);
  button.setAttribute('aria-label', `${title}; show ${finding.host} from ${formatUtc(from)} to ${formatUtc(to)} UTC`);
  button.addEventListener('click', () => context.setState({ host: finding.host, from, to }));

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
    const evidence = element('ul', { className: 'finding-evidence' });
    for (const record of finding.evidence) {
      evidence.append(evidenceItem(record, fileNames, fileFormats));
    }
    item.append(evidence);
  }
  return item;
}

/** Builds one evidence record: its time, role and summary, and a button that shows the record. */
function evidenceItem(record, fileNames, fileFormats) {
  const item = element('li');
  const name = fileNames[record.file_index] ?? `file ${record.file_index}`;
  const isCapture = fileFormats[record.file_index] === 'pcap' || fileFormats[record.file_index] === 'pcapng';
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

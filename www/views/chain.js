// The alert chain: the host's IDS and sensor alerts from profile.alert_chain in time order,
// with the gap to the previous alert, the classification groups, and the findings whose span
// contains each alert. Alerts inside an AlertChain finding are marked with the class
// `in-chain` and the text "chain" in their own column, so the mark does not rest on colour.
//
// Alert names, signatures and classifications come from log lines and may be hostile: they
// go in with textContent only.

import { button, formatDuration, formatInteger, formatNanos, makeCell, makeHeaderRow, Pager } from './viewkit.js';

const countsLine = document.getElementById('chain-counts');
const groupsBody = document.getElementById('chain-groups-body');
const findingsList = document.getElementById('chain-findings');
const findingsSummary = document.getElementById('chain-findings-summary');
const showingLine = document.getElementById('chain-showing');
const showAllButton = document.getElementById('chain-show-all');
const head = document.getElementById('chain-head');
const body = document.getElementById('chain-body');

/** The finding kind whose alerts are marked as the chain. */
const CHAIN_RULE = 'AlertChain';

const COLUMNS = ['Time (UTC)', 'Gap', 'Chain', 'Findings', 'Event type', 'Name', 'Signature', 'Classification',
  'Severity', 'Source', 'Destination', 'File', 'Line'];

/** Rows per page of the alert table. */
const PAGE_SIZE = 200;

/** Key of the alerts without a classification in `chosenGroup`. */
const NO_CLASSIFICATION = '\u0000none';

let context = null;
let pager = null;
let chain = { alerts: [], groups: [], findings: [] };
/** The classification shown, as groupKey() writes it, or null for every alert. */
let chosenGroup = null;

/** Builds the table header and the pager, and attaches the show-all button. */
export function setup(shared) {
  context = shared;
  head.replaceChildren(makeHeaderRow(COLUMNS));
  pager = new Pager(body, document.getElementById('chain-pager'), PAGE_SIZE, 'alerts');
  showAllButton.addEventListener('click', () => chooseGroup(null));
}

/** Shows the alert chain of a profile. */
export function render(profile) {
  chain = profile.alert_chain;
  const keys = new Set(chain.groups.map((group) => groupKey(group.classification)));
  if (chosenGroup !== null && !keys.has(chosenGroup)) {
    chosenGroup = null;
  }

  const marked = chain.alerts.filter(inChain).length;
  const alerts = chain.alerts.length === 1 ? 'alert' : 'alerts';
  const classes = chain.groups.length === 1 ? 'classification' : 'classifications';
  countsLine.textContent = `${formatInteger(chain.alerts.length)} ${alerts} in ${formatInteger(chain.groups.length)} `
    + `${classes}; ${formatInteger(marked)} inside an ${CHAIN_RULE} finding.`;
  countsLine.dataset.alerts = String(chain.alerts.length);
  countsLine.dataset.chain = String(marked);

  showFindings();
  showGroups();
  showAlerts();
}

/** Returns the key of a classification, null included. */
function groupKey(classification) {
  return classification ?? NO_CLASSIFICATION;
}

/** Returns true if and only if an AlertChain finding's span contains the alert. */
function inChain(alert) {
  return alert.findings.some((index) => chain.findings[index]?.kind === CHAIN_RULE);
}

/** Lists the findings the alerts refer to, numbered from 1 as the Findings column numbers them. */
function showFindings() {
  const items = chain.findings.map((finding, index) => {
    const item = document.createElement('li');
    item.textContent = `#${index + 1} ${finding.kind}: ${formatNanos(finding.start)} to ${formatNanos(finding.end)} UTC`;
    if (finding.kind === CHAIN_RULE) {
      item.classList.add('in-chain');
    }
    return item;
  });
  if (items.length === 0) {
    const item = document.createElement('li');
    item.textContent = 'No finding about the host overlaps this range.';
    items.push(item);
  }
  findingsList.replaceChildren(...items);
  findingsSummary.textContent = `Findings about the host in this range (${formatInteger(chain.findings.length)}), `
    + 'numbered as in the Findings column';
}

/** Builds the classification table; each row's button shows only that classification. */
function showGroups() {
  groupsBody.replaceChildren(...chain.groups.map((group) => {
    const key = groupKey(group.classification);
    const label = group.classification ?? '(no classification)';
    const types = Object.entries(group.event_types).map(([name, count]) => `${name} ${formatInteger(count)}`).join(', ');
    const row = document.createElement('tr');
    row.append(
      makeCell(label, { header: true }),
      makeCell(formatInteger(group.alerts), { numeric: true }),
      makeCell(formatNanos(group.first)),
      makeCell(formatNanos(group.last)),
      makeCell(types),
    );
    const choose = button('Show only these', () => chooseGroup(chosenGroup === key ? null : key));
    choose.setAttribute('aria-pressed', String(chosenGroup === key));
    choose.setAttribute('aria-label', `Show only the alerts classified ${label}`);
    const cell = document.createElement('td');
    cell.dataset.export = 'skip';
    cell.append(choose);
    row.append(cell);
    return row;
  }));
}

/** Shows one classification's alerts, or every alert for null. */
function chooseGroup(key) {
  chosenGroup = key;
  showGroups();
  showAlerts();
}

/** Fills the alert table, in time order, with the chosen classification only if one is chosen. */
function showAlerts() {
  const shown = chosenGroup === null
    ? chain.alerts
    : chain.alerts.filter((alert) => groupKey(alert.classification) === chosenGroup);
  if (chosenGroup === null) {
    showingLine.textContent = 'Every classification, in time order.';
  } else {
    const label = chosenGroup === NO_CLASSIFICATION ? '(no classification)' : chosenGroup;
    showingLine.textContent = `Only "${label}", in time order; gaps are still to the previous alert of any classification.`;
  }
  showAllButton.hidden = chosenGroup === null;
  pager.show(shown, buildRow);
}

/** Builds one alert's row; every field from the log goes in as text. */
function buildRow(alert) {
  const row = document.createElement('tr');
  const marked = inChain(alert);
  row.classList.toggle('in-chain', marked);
  row.dataset.gap = alert.gap === null ? '' : String(alert.gap);
  const kinds = alert.findings.map((index) => `#${index + 1} ${chain.findings[index]?.kind ?? '?'}`).join(', ');
  const fileName = context.report?.files[alert.file_index]?.name ?? String(alert.file_index);
  row.append(
    makeCell(formatNanos(alert.ts)),
    makeCell(formatDuration(alert.gap), { numeric: true }),
    makeCell(marked ? 'chain' : ''),
    makeCell(kinds),
    makeCell(alert.event_type),
    makeCell(alert.name),
    makeCell(alert.signature ?? '-'),
    makeCell(alert.classification ?? '-'),
    makeCell(alert.severity === null ? '-' : String(alert.severity), { numeric: true }),
    makeCell(endpoint(alert.src, alert.src_port)),
    makeCell(endpoint(alert.dst, alert.dst_port)),
    makeCell(fileName),
    makeCell(String(alert.line), { numeric: true }),
  );
  return row;
}

/** Writes an address and port as `a.b.c.d:p` (IPv6 in brackets), or '-' without an address. */
function endpoint(address, port) {
  if (address === null) {
    return '-';
  }
  const host = address.includes(':') ? `[${address}]` : address;
  return port === null ? host : `${host}:${port}`;
}

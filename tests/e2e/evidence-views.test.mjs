// The never-before-seen, port, /8 and alert-chain views on a generated worm outbreak: every
// number the page shows equals `wormscope profile HOST --format json` on the same files and
// filter. Also the port summary of one real corpus capture, and an alert name with markup.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, assertSameOrigin, cliPath, CORPUS, openPage, RESULT_TIMEOUT_MS } from './helpers.mjs';
import { formatDuration, formatInteger, formatNanos } from '../../www/views/viewkit.js';

/** Runs `wormscope profile HOST --format json [options] FILE...` and parses its output. */
function cliProfile(host, files, options = []) {
  const args = ['profile', host, '--format', 'json', ...options, ...files];
  const output = execFileSync(cliPath(), args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(output);
}

/** Loads files through the file input and waits for the first finished profile. */
async function loadFiles(page, files) {
  await page.setInputFiles('#file-input', files);
  await waitForProfile(page);
}

/** Waits until every view has drawn the profile of the state now in the fragment. */
async function waitForProfile(page) {
  await page.waitForFunction(
    () => document.body.dataset.profile === 'ready' && document.body.dataset.profileState === window.location.hash,
    null,
    { timeout: RESULT_TIMEOUT_MS },
  );
}

/** Returns the text of every cell of every body row of a table, row by row. */
async function tableCells(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
}

/**
 * Returns `read(page, tableSelector)` over every page of a paged table, concatenated, turning
 * pages with the pager's buttons. The default reads the cells' text.
 */
async function allPages(page, tableSelector, pagerSelector, read = tableCells) {
  const previous = `${pagerSelector} button:first-of-type`;
  const next = `${pagerSelector} button:last-of-type`;
  while (await page.isEnabled(previous)) {
    await page.click(previous);
  }
  const items = await read(page, tableSelector);
  while (await page.isEnabled(next)) {
    await page.click(next);
    items.push(...await read(page, tableSelector));
  }
  return items;
}

/** Returns port/proto/direction of every body row of the port table. */
async function portKeys(page, tableSelector) {
  return page.$$eval(`${tableSelector} tbody tr`,
    (rows) => rows.map((row) => `${row.dataset.port}/${row.dataset.proto}/${row.dataset.direction}`));
}

/** Turns the port table to the page with the port's row and presses Enter on its button. */
async function choosePort(page, port) {
  const choice = `#ports-table tr[data-port="${port}"] button.port-choice`;
  while (await page.isEnabled('#ports-pager button:first-of-type')) {
    await page.click('#ports-pager button:first-of-type');
  }
  while (await page.$(choice) === null && await page.isEnabled('#ports-pager button:last-of-type')) {
    await page.click('#ports-pager button:last-of-type');
  }
  await pressEnter(page, choice);
}

/** Returns the host the page investigates, from the fragment. */
async function pageHost(page) {
  const hash = await page.evaluate(() => window.location.hash);
  return new URLSearchParams(hash.slice(1)).get('host');
}

/** Sums one key over the count maps of a timeline's buckets. */
function timelineTotal(timeline, mapName, key) {
  return timeline.reduce((sum, bucket) => sum + (bucket[mapName][key] ?? 0), 0);
}

/** Returns the page's cells of a first-occurrence row for the CLI's occurrence. */
function firstSeenCells(occurrence, fileNames) {
  const local = occurrence.peer_local === null ? '-' : (occurrence.peer_local ? 'yes' : 'no');
  return [formatNanos(occurrence.ts), occurrence.feature, String(occurrence.value), occurrence.event_type,
    occurrence.peer ?? '-', local, formatInteger(occurrence.occurrences), fileNames[occurrence.file_index],
    String(occurrence.line)];
}

/** Returns the page's cells of a port row, with one conn_state column per code in `states`. */
function portCells(row, states) {
  return [String(row.port), row.proto, row.direction, formatInteger(row.connections), formatInteger(row.events),
    formatInteger(row.bytes), formatInteger(row.log_bytes),
    ...states.map((code) => formatInteger(row.conn_states[code] ?? 0))];
}

/** Returns the conn_state header cells the page shows after the fixed columns. */
async function stateHeaders(page) {
  const headers = await page.$$eval('#ports-head th', (cells) => cells.map((cell) => cell.dataset.key));
  return headers.slice(7);
}

/** Counts pixels of a canvas that are not white. */
async function inkPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) {
        ink += 1;
      }
    }
    return ink;
  });
}

/** Saves a screenshot of one view (its section) under tests/artifacts/. */
async function viewShot(page, viewId, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator(`#${viewId}`).screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Presses Enter on a control, as a keyboard user does. */
async function pressEnter(page, selector) {
  await page.focus(selector);
  await page.keyboard.press('Enter');
}

describe('evidence views on the generated outbreak', () => {
  let dir;
  let files;
  let fileNames;
  let truth;
  let session;
  let host;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wormscope-views-'));
    execFileSync(cliPath(), ['synth', '--seed', '7', '--scale', '0.02', '--out', dir]);
    truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
    files = [path.join(dir, 'capture.pcapng'), path.join(dir, 'syslog.log')];
    fileNames = files.map((file) => path.basename(file));
    session = await openPage();
    await loadFiles(session.page, files);
    host = await pageHost(session.page);
  });

  after(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('page investigates the infected host', () => {
    assert.equal(host, truth.outbreak.infected);
  });

  test('first occurrences equal the CLI', async () => {
    const { page } = session;
    const expected = cliProfile(host, files);
    const cells = await allPages(page, '#first-seen-table', '#first-seen-pager');
    assert.ok(expected.first_seen.occurrences.length > 0, 'the CLI lists no first occurrence');
    assert.deepEqual(cells, expected.first_seen.occurrences.map((occurrence) => firstSeenCells(occurrence, fileNames)));

    const shownEnd = await page.getAttribute('#first-seen-window', 'data-learning-end');
    assert.equal(shownEnd, String(expected.first_seen.learning_end));

    await page.selectOption('#first-seen-feature', 'outbound_port');
    const outbound = expected.first_seen.occurrences.filter((occurrence) => occurrence.feature === 'outbound_port');
    assert.ok(outbound.length > 0, 'no outbound port is new, so the filter would prove nothing');
    const outboundCells = await allPages(page, '#first-seen-table', '#first-seen-pager');
    assert.deepEqual(outboundCells, outbound.map((occurrence) => firstSeenCells(occurrence, fileNames)));
    await page.selectOption('#first-seen-feature', '');
    await viewShot(page, 'first-seen-view', 'view-first-seen');
  });

  test('learning window input matches --learning-end', async () => {
    const { page } = session;
    const before = cliProfile(host, files);
    // A window that ends after the default list's first occurrence moves it into the baseline.
    const firstNew = before.first_seen.occurrences[0].ts;
    const hours = Math.ceil((firstNew - before.data.first) / 3.6e12) + 1;
    const learningEnd = before.data.first / 1e9 + hours * 3600;
    const expected = cliProfile(host, files, ['--learning-end', String(learningEnd)]);
    assert.notDeepEqual(expected.first_seen.occurrences, before.first_seen.occurrences,
      `a ${hours}-hour window gives the same list as the default, so the input would prove nothing`);

    await page.fill('#first-seen-learn', String(hours));
    await pressEnter(page, '#first-seen-learn');
    await waitForProfile(page);
    assert.equal(await page.getAttribute('#first-seen-window', 'data-learning-end'), String(expected.first_seen.learning_end));
    const cells = await allPages(page, '#first-seen-table', '#first-seen-pager');
    assert.deepEqual(cells, expected.first_seen.occurrences.map((occurrence) => firstSeenCells(occurrence, fileNames)));
    await viewShot(page, 'first-seen-view', 'view-first-seen-window');

    await page.click('#first-seen-default');
    await waitForProfile(page);
    assert.equal(await page.getAttribute('#first-seen-window', 'data-learning-end'), String(before.first_seen.learning_end));
  });

  test('port rows equal the CLI', async () => {
    const { page } = session;
    const expected = cliProfile(host, files);
    const states = await stateHeaders(page);
    assert.ok(states.includes('S0'), 'no S0 column');
    const cells = await allPages(page, '#ports-table', '#ports-pager');
    assert.deepEqual(cells, expected.ports.rows.map((row) => portCells(row, states)));
    assert.equal(await page.getAttribute('#ports-counts', 'data-events-without-port'),
      String(expected.ports.events_without_port));
  });

  test('port sort buttons match --sort-ports', async () => {
    const { page } = session;
    const order = (rows) => rows.map((row) => `${row.port}/${row.proto}/${row.direction}`);
    const pageOrder = () => allPages(page, '#ports-table', '#ports-pager', portKeys);

    await pressEnter(page, '#ports-head th[data-key="S0"] button');
    assert.equal(await page.getAttribute('#ports-head th[data-key="S0"]', 'aria-sort'), 'ascending');
    assert.deepEqual(await pageOrder(), order(cliProfile(host, files, ['--sort-ports', 'S0:asc']).ports.rows));

    await pressEnter(page, '#ports-head th[data-key="S0"] button');
    assert.equal(await page.getAttribute('#ports-head th[data-key="S0"]', 'aria-sort'), 'descending');
    const descending = cliProfile(host, files, ['--sort-ports', 'S0:desc']).ports.rows;
    assert.deepEqual(await pageOrder(), order(descending));
    assert.equal(descending[0].port, truth.outbreak.scan_port, 'the scan port does not have the most S0 connections');
    await viewShot(page, 'ports-view', 'view-ports');

    await pressEnter(page, '#ports-head th[data-key="bytes"] button');
    assert.deepEqual(await pageOrder(), order(cliProfile(host, files, ['--sort-ports', 'bytes:asc']).ports.rows));
  });

  test('scan port timeline equals --port', async () => {
    const { page } = session;
    const port = truth.outbreak.scan_port;
    const expected = cliProfile(host, files, ['--port', String(port)]);
    const timeline = expected.ports.timeline;
    assert.ok(Array.isArray(timeline), 'the CLI gives no timeline for the chosen port');
    const s0 = timelineTotal(timeline, 'conn_states', 'S0');
    assert.ok(s0 > 0, 'the scan port has no S0 connections');

    await choosePort(page, port);
    await waitForProfile(page);
    assert.equal(await page.isVisible('#ports-timeline-chart'), true);
    assert.equal(await page.getAttribute('#ports-timeline-totals [data-series="S0"]', 'data-total'), String(s0));

    const series = await page.$$eval('#ports-timeline-totals .series-total',
      (spans) => spans.map((span) => [span.dataset.kind, span.dataset.series, Number(span.dataset.total)]));
    const expectedSeries = [];
    for (const [kind, mapName] of [['conn_state', 'conn_states'], ['event_type', 'event_types']]) {
      const names = new Set(timeline.flatMap((bucket) => Object.keys(bucket[mapName])));
      for (const name of names) {
        expectedSeries.push([kind, name, timelineTotal(timeline, mapName, name)]);
      }
    }
    const byName = (a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`);
    assert.deepEqual([...series].sort(byName), expectedSeries.sort(byName));

    const drawn = Number(await page.getAttribute('#ports-timeline-chart', 'data-total'));
    assert.equal(drawn, expectedSeries.reduce((sum, one) => sum + one[2], 0));
    const footer = await page.$$eval('#ports-timeline-foot td', (cells) => cells.map((cell) => cell.textContent));
    assert.equal(footer.at(-1), formatInteger(drawn));

    const cells = await allPages(page, '#ports-table', '#ports-pager');
    const states = await stateHeaders(page);
    assert.deepEqual(cells, expected.ports.rows.map((row) => portCells(row, states)));
    await viewShot(page, 'ports-view', 'view-ports-timeline');
  });

  test('slash8 bubbles equal the pairs of the port', async () => {
    const { page } = session;
    const port = truth.outbreak.scan_port;
    const expected = cliProfile(host, files, ['--port', String(port)]).slash8;
    assert.equal(expected.port, port);
    assert.ok(expected.pairs.length > 0, 'no /8 pair on the scan port');

    assert.equal(await page.getAttribute('#slash8-chart', 'data-bubbles'), String(expected.pairs.length));
    assert.ok(Number(await page.getAttribute('#slash8-chart', 'data-labels')) > 0, 'the chart drew no axis labels');
    const cells = await tableCells(page, '#slash8-table');
    assert.deepEqual(cells, expected.pairs.map((pair) => [String(pair.src), String(pair.dst), formatInteger(pair.events)]));
    await viewShot(page, 'slash8-view', 'view-slash8');
  });

  test('slash8 anon option removes axis labels', async () => {
    const { page } = session;
    const labelled = await inkPixels(page, '#slash8-chart');
    const bubbles = await page.getAttribute('#slash8-chart', 'data-bubbles');

    await page.focus('#slash8-anon');
    await page.keyboard.press('Space');
    await waitForProfile(page);
    assert.equal(await page.getAttribute('#slash8-chart', 'data-anonymous'), 'true');
    assert.equal(await page.getAttribute('#slash8-chart', 'data-labels'), '0');
    assert.equal(await page.getAttribute('#slash8-chart', 'data-bubbles'), bubbles);
    const anonymous = await inkPixels(page, '#slash8-chart');
    assert.ok(anonymous < labelled, `the anonymous chart has as much ink (${anonymous}) as the labelled one (${labelled})`);
    await viewShot(page, 'slash8-view', 'view-slash8-anon');

    await page.click('#slash8-anon');
    await waitForProfile(page);
    assert.ok(Number(await page.getAttribute('#slash8-chart', 'data-labels')) > 0);
  });

  test('slash8 without port equals the CLI', async () => {
    const { page } = session;
    await page.click('#ports-clear');
    await waitForProfile(page);
    assert.equal(await page.isVisible('#ports-timeline-chart'), false);
    const expected = cliProfile(host, files).slash8;
    assert.equal(await page.getAttribute('#slash8-chart', 'data-bubbles'), String(expected.pairs.length));
    assert.equal(await page.getAttribute('#slash8-counts', 'data-pairs'), String(expected.pairs.length));
  });

  test('alert chain equals the CLI', async () => {
    const { page } = session;
    const expected = cliProfile(host, files).alert_chain;
    assert.ok(expected.alerts.length > 1, 'the host has too few alerts to show gaps');
    const chainIndexes = new Set(expected.findings.flatMap((finding, index) => (finding.kind === 'AlertChain' ? [index] : [])));
    const inChain = (alert) => alert.findings.some((index) => chainIndexes.has(index));
    assert.ok(expected.alerts.some(inChain), 'no alert lies inside an AlertChain finding');

    const endpoint = (address, port) => (address === null ? '-' : (port === null ? address : `${address}:${port}`));
    const rows = expected.alerts.map((alert) => [
      formatNanos(alert.ts), formatDuration(alert.gap), inChain(alert) ? 'chain' : '',
      alert.findings.map((index) => `#${index + 1} ${expected.findings[index].kind}`).join(', '),
      alert.event_type, alert.name, alert.signature ?? '-', alert.classification ?? '-',
      alert.severity === null ? '-' : String(alert.severity), endpoint(alert.src, alert.src_port),
      endpoint(alert.dst, alert.dst_port), fileNames[alert.file_index], String(alert.line),
    ]);
    assert.deepEqual(await allPages(page, '#chain-table', '#chain-pager'), rows);

    // The first page: exact gaps in nanoseconds, and the chain mark as a class.
    await page.click('#chain-pager button:first-of-type');
    const firstPage = await tableCells(page, '#chain-table');
    const shown = expected.alerts.slice(0, firstPage.length);
    const gaps = await page.$$eval('#chain-table tbody tr', (trs) => trs.map((tr) => tr.dataset.gap));
    assert.deepEqual(gaps, shown.map((alert) => (alert.gap === null ? '' : String(alert.gap))));
    const marked = await page.$$eval('#chain-table tbody tr', (trs) => trs.map((tr) => tr.classList.contains('in-chain')));
    assert.deepEqual(marked, shown.map(inChain));

    const groups = (await tableCells(page, '#chain-groups')).map((cells) => cells.slice(0, 5));
    assert.deepEqual(groups, expected.groups.map((group) => [
      group.classification ?? '(no classification)', formatInteger(group.alerts), formatNanos(group.first),
      formatNanos(group.last),
      Object.entries(group.event_types).map(([name, count]) => `${name} ${formatInteger(count)}`).join(', '),
    ]));
    await viewShot(page, 'chain-view', 'view-chain');
  });

  test('alert chain classification button', async () => {
    const { page } = session;
    const expected = cliProfile(host, files).alert_chain;
    const index = expected.groups.findIndex((group) => group.classification !== null && group.alerts > 1);
    assert.ok(index >= 0, 'no classification with more than one alert');
    const group = expected.groups[index];

    await pressEnter(page, `#chain-groups tbody tr:nth-child(${index + 1}) button`);
    const cells = await allPages(page, '#chain-table', '#chain-pager');
    assert.equal(cells.length, group.alerts);
    assert.ok(cells.every((row) => row[7] === group.classification));
    await pressEnter(page, '#chain-show-all');
    assert.equal((await allPages(page, '#chain-table', '#chain-pager')).length, expected.alerts.length);
  });

  test('outbreak views stay on the page origin', () => {
    assertSameOrigin(session.requests);
    assert.deepEqual(session.pageErrors, []);
  });
});

test('alert name with markup stays text', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-hostile-'));
  const log = path.join(dir, 'alerts.log');
  const name = '<img src=x id=hostile-name onerror="document.body.dataset.pwned=1"> ET TROJAN <b>test</b>';
  appendFileSync(log, [
    `<33>Jul 27 02:19:24 ids snort[2417]: [1:2000001:1] ${name} [Classification: A Network Trojan was detected] [Priority: 1]: {TCP} 10.9.8.7:50000 -> 58.1.2.3:80`,
    '<33>Jul 27 02:20:30 ids snort[2417]: [1:2000002:1] second alert [Classification: A Network Trojan was detected] [Priority: 1]: {TCP} 10.9.8.7:50001 -> 58.1.2.3:80',
    '',
  ].join('\n'));
  const session = await openPage();
  try {
    const { page } = session;
    await loadFiles(page, [log]);
    const host = await pageHost(page);
    assert.equal(host, '10.9.8.7');
    const expected = cliProfile(host, [log]).alert_chain;
    assert.ok(expected.alerts[0].name.includes('<img'), 'the parser dropped the markup, so the test would prove nothing');

    const cells = await tableCells(page, '#chain-table');
    assert.equal(cells.length, 2);
    assert.equal(cells[0][5], expected.alerts[0].name);
    assert.equal(cells[1][1], formatDuration(expected.alerts[1].gap));
    assert.equal(await page.$('#hostile-name'), null);
    assert.equal(await page.getAttribute('body', 'data-pwned'), null);
    assertSameOrigin(session.requests);
    assert.deepEqual(session.pageErrors, []);
  } finally {
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('port summary of a real SYN scan capture', async () => {
  const file = path.join(CORPUS, 'scans/chrissanders-packets/synscan.pcapng');
  const session = await openPage();
  try {
    const { page } = session;
    await loadFiles(page, [file]);
    const host = await pageHost(page);
    const expected = cliProfile(host, [file]);
    assert.ok(expected.ports.rows.length > 100, `only ${expected.ports.rows.length} port rows in a 1000-port scan`);

    const states = await stateHeaders(page);
    assert.deepEqual(await allPages(page, '#ports-table', '#ports-pager'), expected.ports.rows.map((row) => portCells(row, states)));

    await viewShot(page, 'ports-view', 'view-ports-corpus-synscan-rows');

    // The first port with an established or completed connection is one the scan found open.
    const open = expected.ports.rows.find((row) => (row.conn_states.SF ?? 0) + (row.conn_states.S1 ?? 0) > 0)
      ?? expected.ports.rows[0];
    const chosen = cliProfile(host, [file], ['--port', String(open.port)]);
    await choosePort(page, open.port);
    await waitForProfile(page);
    const total = chosen.ports.timeline.reduce((sum, bucket) => sum
      + Object.values(bucket.conn_states).reduce((a, b) => a + b, 0)
      + Object.values(bucket.event_types).reduce((a, b) => a + b, 0), 0);
    assert.ok(total > 0, 'the chosen port has nothing in its timeline');
    assert.equal(await page.getAttribute('#ports-timeline-chart', 'data-total'), String(total));
    await viewShot(page, 'ports-view', 'view-ports-corpus-synscan-timeline');
    assertSameOrigin(session.requests);
    assert.deepEqual(session.pageErrors, []);
  } finally {
    await session.close();
  }
});

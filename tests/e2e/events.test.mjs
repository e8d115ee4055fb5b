// The event table: its matched counts under several filters equal counts over the events
// `wormscope events --format jsonl` writes for the same files, pages turn, and log lines
// holding HTML markup show as text and create no element.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assertSameOrigin, openPage, screenshot, waitForResult } from './helpers.mjs';
import {
  DEMO_FILES, afterEventsLoad, cliEvents, demoTruth, loadDemo, matchedEvents, waitForProfile,
} from './investigation.mjs';

/** Rows per page of the event table (PAGE_SIZE in www/views/events.js). */
const PAGE_SIZE = 50;

/**
 * Returns true if and only if a CLI event passes the table's filters, as the filters are
 * documented: type, host on either side, port on either side (never ICMP), and text in the
 * name, raw text, classification or detail, compared in lower case.
 */
function passes(event, { type = '', host = '', port = '', text = '' }) {
  if (type && event.event_type !== type) {
    return false;
  }
  if (host && event.src !== host && event.dst !== host) {
    return false;
  }
  if (port !== '') {
    const icmp = ['icmp', 'ipv6-icmp', 'icmp6'].includes(event.proto);
    if (icmp || (event.src_port !== Number(port) && event.dst_port !== Number(port))) {
      return false;
    }
  }
  if (text) {
    const needle = text.toLowerCase();
    const fields = [event.name, event.raw, event.classification, event.detail].filter((field) => field !== null);
    if (!fields.some((field) => field.toLowerCase().includes(needle))) {
      return false;
    }
  }
  return true;
}

/** Fills the table's filter fields and submits them. */
async function applyFilters(page, { type = '', host = '', port = '', text = '' }) {
  await page.selectOption('#events-type', type);
  await page.fill('#events-host', host);
  await page.fill('#events-port', port);
  await page.fill('#events-text', text);
  await afterEventsLoad(page, () => page.click('#events-form button[type="submit"]'));
}

test('event counts match CLI events', async () => {
  const events = cliEvents(DEMO_FILES);
  const truth = demoTruth();
  const infected = truth.outbreak.infected;
  const cases = [
    { host: infected },
    { type: 'scan' },
    { host: infected, port: String(truth.outbreak.scan_port) },
    { text: 'backdoor' },
    { type: 'conn_rejected', port: String(truth.outbreak.scan_port) },
    {},
  ];

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    assert.equal(Number(await page.getAttribute('#events-view', 'data-total')), events.length);
    // The table starts on the host the filter bar shows.
    assert.equal(await page.inputValue('#events-host'), infected);
    assert.equal(await matchedEvents(page), events.filter((event) => passes(event, { host: infected })).length);

    for (const filters of cases) {
      const expected = events.filter((event) => passes(event, filters)).length;
      assert.ok(expected > 0, `no CLI event passes ${JSON.stringify(filters)}, so the case proves little`);
      await applyFilters(page, filters);
      assert.equal(await matchedEvents(page), expected, `matched for ${JSON.stringify(filters)}`);
    }

    // The last case matched everything: turn to the second page.
    await afterEventsLoad(page, () => page.click('#events-next'));
    assert.match(await page.textContent('#events-status'), new RegExp(`rows ${PAGE_SIZE + 1} to ${2 * PAGE_SIZE}$`));
    const firstRowTime = await page.textContent('#events-body tr:first-child td:first-child');
    assert.equal(firstRowTime.slice(0, 19), events[PAGE_SIZE].time.slice(0, 19));

    await screenshot(page, 'events');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('event table follows filter bar range', async () => {
  const events = cliEvents(DEMO_FILES);
  const infected = demoTruth().outbreak.infected;
  const exploit = events.find((event) => event.event_type === 'exploit' && event.dst === infected);
  const from = Math.floor(exploit.ts / 1e9) - 600;
  const to = from + 3600;
  const expected = events.filter((event) => passes(event, { host: infected })
    && event.ts >= from * 1e9 && event.ts < to * 1e9).length;

  const { page, requests, close } = await openPage();
  try {
    await loadDemo(page);
    await page.fill('#filter-from', new Date(from * 1000).toISOString().slice(0, 19));
    await page.fill('#filter-to', new Date(to * 1000).toISOString().slice(0, 19));
    await page.click('#filter-bar button[type="submit"]');
    await waitForProfile(page);
    assert.equal(await matchedEvents(page), expected);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('markup in log lines stays text', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-events-'));
  const log = path.join(dir, 'hostile.log');
  const markup = '<img src=x onerror=alert(1)>';
  // Lines before the first syslog header are unparsed; lines after one would be read as its
  // continuation.
  writeFileSync(log, [
    markup,
    'not a log line at all <b>bold</b>',
    `<13>Jul 27 00:05:22 web1 app: login from 10.0.0.5 ${markup}`,
    '<14>Jul 27 00:05:23 web1 app: <script>document.title="pwned"</script>',
  ].join('\n') + '\n');
  const events = cliEvents([log]);
  const unparsed = events.filter((event) => event.event_type === 'unparsed');
  assert.ok(unparsed.length >= 2, 'the CLI read fewer than two unparsed lines');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', log);
    await waitForResult(page);
    await page.waitForSelector('#events-view[data-events="ready"]');
    await applyFilters(page, { type: 'unparsed' });
    assert.equal(await matchedEvents(page), unparsed.length);

    const rows = await page.$$eval('#events-body tr', (trs) => trs.map((tr) => ({
      line: Number(tr.dataset.line), raw: tr.lastElementChild.textContent,
    })));
    assert.deepEqual(rows, unparsed.map((event) => ({ line: event.line, raw: event.raw })));

    await applyFilters(page, { text: 'img src' });
    assert.equal(await matchedEvents(page), events.filter((event) => passes(event, { text: 'img src' })).length);
    assert.ok((await page.textContent('#events-body')).includes(markup), 'the markup is not shown as text');
    assert.equal(await page.locator('img').count(), 0, 'an img element was created');
    assert.equal(await page.locator('#events-body script, #events-body b').count(), 0, 'an element was created');
    assert.equal(await page.title(), 'wormscope');

    await screenshot(page, 'events-markup');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

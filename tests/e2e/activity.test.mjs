// The activity view against `wormscope profile`. On a generated outbreak, every bucket's
// total and per-type counts in the page's table equal the CLI's, with and without the port
// filter. The legend sets the event-type filter, and a drag across the chart sets the time
// range of every view. On one real capture from the corpus the table equals the CLI's too.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { formatUtc } from '../../www/table.js';
import { ARTIFACTS, assertSameOrigin, CORPUS, openPage, screenshot } from './helpers.mjs';
import {
  assertNoPageErrors, changeState, cliProfile, countPixels, headerCells, loadFiles, makeOutbreak, tableCells,
} from './profile-views.mjs';

/** A small real capture: a SYN scan of 1000 ports with three open. */
const CORPUS_CAPTURE = path.join(CORPUS, 'scans/chrissanders-packets/synscan.pcapng');

/** Share of the tallest bucket a type's largest count must reach to be sure to cover a pixel. */
const VISIBLE_SHARE = 0.05;
/** Colour of the went-silent line (SILENT_COLOUR in crates/web/src/views/activity.rs). */
const SILENT_RGB = [200, 0, 0];

/** Parses a computed CSS colour such as 'rgb(44, 160, 44)' into [r, g, b]. */
function rgb(text) {
  return text.match(/\d+/g).slice(0, 3).map(Number);
}

/** Returns the rows the activity table must show for a profile's activity. */
function expectedRows(activity) {
  return activity.buckets.map((bucket, index) => {
    const row = [formatUtc(bucket.start / 1e9), bucket.weekend ? 'yes' : 'no', String(bucket.total),
      ...activity.event_types.map((name) => String(bucket.by_type[name] ?? 0))];
    if (activity.without_port) {
      row.push(String(activity.without_port[index].total));
    }
    return row;
  });
}

/** Returns the header cells the activity table must show. */
function expectedHeaders(activity) {
  const headers = ['Start (UTC)', 'Weekend', 'Total', ...activity.event_types];
  return activity.without_port ? [...headers, 'Total without the port filter'] : headers;
}

/** Checks the activity table, the drawn bucket count and the bucket unit against a CLI profile. */
async function assertActivityMatches(page, reference, what) {
  const activity = reference.activity;
  assert.deepEqual(await headerCells(page, '#host-activity-table'), expectedHeaders(activity), `${what}: headers`);
  assert.deepEqual(await tableCells(page, '#host-activity-table'), expectedRows(activity), `${what}: buckets`);
  assert.equal(await page.getAttribute('#host-activity-chart', 'data-drawn'), String(activity.buckets.length),
    `${what}: buckets drawn`);
  assert.equal(await page.getAttribute('#host-activity-summary', 'data-unit'), activity.unit, `${what}: bucket unit`);
  const total = activity.buckets.reduce((sum, bucket) => sum + bucket.total, 0);
  const label = await page.getAttribute('#host-activity-chart', 'aria-label');
  const buckets = activity.buckets.length;
  const counts = `${total} ${total === 1 ? 'event' : 'events'} in ${buckets} ${buckets === 1 ? 'bucket' : 'buckets'}`;
  assert.ok(label.includes(counts), `${what}: aria-label ${label}`);
}

/** Returns the in/out table the page must show for the 'events' series of a CLI profile. */
function expectedInOutRows(inOut) {
  const series = inOut.events;
  return series.inbound.map((inbound, index) => [formatUtc(inOut.grid.start / 1e9 + index * inOut.grid.bucket_secs),
    String(inbound), String(series.outbound[index]), String(series.internal[index])]);
}

/** Drags across the activity chart's plot area from one fraction of its width to another. */
async function dragAcrossChart(page, fromFraction, toFraction) {
  const canvas = page.locator('#host-activity-chart');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const { left, right, width } = await canvas.evaluate((element) => ({
    left: Number(element.dataset.plotLeft), right: Number(element.dataset.plotRight), width: element.width,
  }));
  const cssPerCanvas = box.width / width;
  const xAt = (fraction) => box.x + (left + fraction * (right - left)) * cssPerCanvas;
  const y = box.y + box.height / 2;
  await page.mouse.move(xAt(fromFraction), y);
  await page.mouse.down();
  await page.mouse.move(xAt((fromFraction + toFraction) / 2), y, { steps: 5 });
  await page.mouse.move(xAt(toFraction), y, { steps: 5 });
  await page.mouse.up();
}

test('activity view equals CLI on outbreak', async (t) => {
  const outbreak = makeOutbreak();
  const { page, requests, pageErrors, close } = await openPage();
  try {
    const state = await loadFiles(page, outbreak.files);
    const host = state.get('host');
    assert.equal(host, outbreak.truth.outbreak.infected, 'the page did not start on the infected host');
    const localNets = await page.inputValue('#local-nets');
    const whole = cliProfile(host, outbreak.files, { localNets });

    await t.test('buckets and types equal the CLI', async () => {
      assert.ok(whole.activity.buckets.length > 1, 'the outbreak has fewer than two buckets');
      await assertActivityMatches(page, whole, 'whole range');
      const legend = await page.$$eval('#host-activity-legend button',
        (buttons) => buttons.map((button) => [button.dataset.type, button.querySelector('.count').textContent]));
      const perType = whole.activity.event_types.map((name) => [name,
        String(whole.activity.buckets.reduce((sum, bucket) => sum + (bucket.by_type[name] ?? 0), 0))]);
      assert.deepEqual(legend, perType);
    });

    await t.test('chart draws each type in its colour', async () => {
      const activity = whole.activity;
      const largest = Math.max(...activity.buckets.map((bucket) => bucket.total));
      const visible = activity.event_types.filter((name) => activity.buckets.some(
        (bucket) => (bucket.by_type[name] ?? 0) >= largest * VISIBLE_SHARE));
      assert.ok(visible.length > 1, 'fewer than two types are tall enough to check');
      const colours = await page.$$eval('#host-activity-legend button', (buttons) => Object.fromEntries(
        buttons.map((button) => [button.dataset.type, getComputedStyle(button.querySelector('.swatch')).backgroundColor])));
      const pixels = await countPixels(page, '#host-activity-chart', [...visible.map((name) => rgb(colours[name])), SILENT_RGB]);
      visible.forEach((name, index) => assert.ok(pixels[index] > 0, `no pixel of ${name} in ${colours[name]}`));
      assert.ok(pixels[visible.length] > 0, 'no pixel of the went-silent line');
    });

    await t.test('finding marks equal the CLI', async () => {
      const marks = await tableCells(page, '#host-activity-marks');
      const findings = whole.activity.findings.map((finding) => [finding.kind, formatUtc(finding.start / 1e9),
        formatUtc(finding.end / 1e9), finding.bucket === null ? 'outside the chart' : String(finding.bucket)]);
      assert.ok(findings.some((row) => row[0] === 'NeverBeforeSeen'), 'the CLI marks no NeverBeforeSeen finding');
      assert.deepEqual(marks.slice(0, findings.length), findings);
      assert.equal(whole.dropoff.stopped_together, true, 'the outbreak host did not stop in every source at once');
      const grid = whole.activity.grid;
      const silentBucket = Math.floor((whole.dropoff.last - grid.start) / (grid.bucket_secs * 1e9));
      assert.deepEqual(marks.slice(findings.length),
        [['went silent (drop-off)', formatUtc(whole.dropoff.last / 1e9), '-', String(silentBucket)]]);
      await screenshot(page, 'activity-outbreak');
      await page.locator('#activity-view').screenshot({ path: path.join(ARTIFACTS, 'activity-view.png') });
    });

    await t.test('port filter changes the numbers to the CLI --port', async () => {
      const port = outbreak.truth.outbreak.scan_port;
      const filtered = await changeState(page, async () => {
        await page.fill('#filter-port', String(port));
        await page.check('#filter-port-on');
      });
      assert.equal(filtered.get('pf'), '1');
      assert.equal(filtered.get('port'), String(port));
      const withPort = cliProfile(host, outbreak.files, { localNets, port });
      assert.notDeepEqual(expectedRows(withPort.activity), expectedRows(whole.activity),
        'the port filter leaves the CLI numbers as they were, so the check would prove nothing');
      await assertActivityMatches(page, withPort, `port ${port}`);
      assert.equal(await page.isEnabled('#host-activity-compare'), true, 'compare is off with a port chosen');
      await page.locator('#activity-view').screenshot({ path: path.join(ARTIFACTS, 'activity-port-filter.png') });

      const unfiltered = await changeState(page, () => page.uncheck('#filter-port-on'));
      assert.equal(unfiltered.get('pf'), null);
      await assertActivityMatches(page, whole, 'port filter off again');
      assert.equal(await page.isEnabled('#host-activity-compare'), false, 'compare is on without a port filter');
    });

    await t.test('legend key press sets type filter', async () => {
      const hidden = whole.activity.event_types[0];
      const state = await changeState(page, async () => {
        await page.focus(`#host-activity-legend button[data-type="${hidden}"]`);
        await page.keyboard.press('Enter');
      });
      const types = whole.activity.event_types.filter((name) => name !== hidden);
      assert.equal(state.get('types'), types.join(','));
      assert.equal(await page.getAttribute(`#host-activity-legend button[data-type="${hidden}"]`, 'aria-pressed'), 'false');
      await assertActivityMatches(page, cliProfile(host, outbreak.files, { localNets, types }), `types without ${hidden}`);

      const all = await changeState(page, () => page.click('#host-activity-all-types'));
      assert.equal(all.get('types'), null);
      await assertActivityMatches(page, whole, 'all types again');
    });

    await t.test('drag sets the range of every view', async () => {
      const before = await page.getAttribute('body', 'data-profile-state');
      const zoomed = await changeState(page, () => dragAcrossChart(page, 0.5, 0.7));
      const from = Number(zoomed.get('from'));
      const to = Number(zoomed.get('to'));
      assert.ok(Number.isInteger(from), `from ${from} is not whole seconds`);
      assert.ok(Number.isInteger(to), `to ${to} is not whole seconds`);
      assert.ok(from < to, `range ${from}..${to} is empty`);
      const first = whole.activity.grid.start / 1e9;
      const end = first + whole.activity.grid.buckets * whole.activity.grid.bucket_secs;
      assert.ok(from > first, `range ${from}..${to} starts before the chart's ${first}`);
      assert.ok(to < end, `range ${from}..${to} ends after the chart's ${end}`);
      assert.notEqual(await page.getAttribute('body', 'data-profile-state'), before);

      const ranged = cliProfile(host, outbreak.files, { localNets, from, to });
      assert.ok(ranged.activity.buckets.length > 0, 'the dragged range holds no bucket');
      await assertActivityMatches(page, ranged, `range ${from}..${to}`);
      assert.equal(await page.inputValue('#inout-series'), 'events');
      assert.deepEqual(await tableCells(page, '#inout-table'), expectedInOutRows(ranged.in_out), 'in/out rows in the range');
      assert.equal(Date.parse(`${await page.inputValue('#filter-from')}Z`), from * 1000, 'the filter bar shows another start');
      assert.equal(Date.parse(`${await page.inputValue('#filter-to')}Z`), to * 1000, 'the filter bar shows another end');
      await screenshot(page, 'activity-zoomed');
      await page.locator('#activity-view').screenshot({ path: path.join(ARTIFACTS, 'activity-zoomed-view.png') });

      // A second drag inside the zoomed chart narrows the range to hours, so buckets become minutes.
      const narrowed = await changeState(page, () => dragAcrossChart(page, 0.4, 0.45));
      const narrowFrom = Number(narrowed.get('from'));
      const narrowTo = Number(narrowed.get('to'));
      assert.ok(narrowFrom >= from, `second range starts at ${narrowFrom}, before ${from}`);
      assert.ok(narrowTo <= to, `second range ends at ${narrowTo}, after ${to}`);
      const narrow = cliProfile(host, outbreak.files, { localNets, from: narrowFrom, to: narrowTo });
      assert.equal(narrow.activity.unit, 'minute', 'the second range is too wide for minute buckets');
      await assertActivityMatches(page, narrow, `range ${narrowFrom}..${narrowTo}`);
      const silentExpected = narrow.dropoff.stopped_together === true
        && narrow.dropoff.sources.some((source) => source.went_silent);
      const narrowMarks = await tableCells(page, '#host-activity-marks');
      assert.equal(narrowMarks.some((row) => row[0] === 'went silent (drop-off)'), silentExpected,
        'the went-silent mark does not follow the drop-off of the range');
      await page.locator('#activity-view').screenshot({ path: path.join(ARTIFACTS, 'activity-minutes-view.png') });

      const reset = await changeState(page, () => page.click('#host-activity-reset'));
      assert.equal(reset.get('from'), null);
      assert.equal(reset.get('to'), null);
      await assertActivityMatches(page, whole, 'after reset');
    });

    assertNoPageErrors(pageErrors);
    assertSameOrigin(requests);
  } finally {
    await close();
    outbreak.remove();
  }
});

test('activity view equals CLI on corpus', async () => {
  const { page, requests, pageErrors, close } = await openPage();
  try {
    const state = await loadFiles(page, [CORPUS_CAPTURE]);
    const reference = cliProfile(state.get('host'), [CORPUS_CAPTURE], { localNets: await page.inputValue('#local-nets') });
    assert.ok(reference.activity.buckets.some((bucket) => bucket.total > 0), 'the capture gives the host no events');
    // The scan lasts a few seconds, so the chart needs buckets shorter than a minute.
    assert.equal(reference.activity.unit, 'second', 'a scan of seconds is not in second buckets');
    assert.ok(reference.activity.buckets.length > 1, 'the scan fits in one bucket');
    await assertActivityMatches(page, reference, 'synscan.pcapng');
    const summary = await page.textContent('#host-activity-summary');
    const width = reference.activity.grid.bucket_secs === 1 ? 'one second' : `${reference.activity.grid.bucket_secs} seconds`;
    assert.ok(summary.includes(`buckets of ${width}`), `the summary names another bucket width: ${summary}`);
    await page.locator('#activity-view').screenshot({ path: path.join(ARTIFACTS, 'activity-corpus.png') });
    assertNoPageErrors(pageErrors);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

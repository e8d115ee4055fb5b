// The inbound-against-outbound and drop-off views against `wormscope profile` on a generated
// outbreak. Each of the three series shows the CLI's inbound, outbound and internal counts per
// bucket, its totals and Pearson r to three decimals. The drop-off table shows the CLI's rows,
// and its sentence follows the CLI's stopped_together.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { formatUtc } from '../../www/table.js';
import { ARTIFACTS, assertSameOrigin, openPage, screenshot } from './helpers.mjs';
import {
  assertNoPageErrors, changeState, cliProfile, countPixels, loadFiles, makeOutbreak, tableCells,
} from './profile-views.mjs';

/** The series the page's select offers, as keys of the profile's in_out. */
const SERIES = ['events', 'connections', 'log_events'];

/** Colours of the two lines (INBOUND_COLOUR and OUTBOUND_COLOUR in crates/web/src/views/inout.rs). */
const INBOUND_RGB = [31, 119, 180];
const OUTBOUND_RGB = [214, 39, 40];

/** Returns the rows the in/out table must show for one series of a CLI profile. */
function expectedRows(inOut, key) {
  const series = inOut[key];
  return series.inbound.map((inbound, index) => [formatUtc(inOut.grid.start / 1e9 + index * inOut.grid.bucket_secs),
    String(inbound), String(series.outbound[index]), String(series.internal[index])]);
}

/** Returns Pearson r as the page must show it. */
function expectedR(r) {
  return r === null ? 'n/a' : r.toFixed(3);
}

/** Returns seconds to three decimals, the number at the start of a duration cell. */
function durationSeconds(nanos) {
  return nanos === null ? '-' : (nanos / 1e9).toFixed(3);
}

/** Returns the rows the drop-off table must show, durations cut to their seconds. */
function expectedDropoffRows(dropoff) {
  return dropoff.sources.map((source) => [source.format, String(source.events), formatUtc(source.first / 1e9),
    formatUtc(source.last / 1e9), formatUtc(source.source_last / 1e9), durationSeconds(source.silent),
    source.went_silent ? 'yes' : 'no', durationSeconds(source.median_gap), durationSeconds(source.lag)]);
}

/** Cuts the duration cells (silent, median gap, lag) of drop-off rows to their seconds. */
function dropoffSeconds(rows) {
  const seconds = (text) => text.split(' ')[0];
  return rows.map((row) => row.map((text, column) => ([5, 7, 8].includes(column) ? seconds(text) : text)));
}

/** Checks every series of the in/out view against a CLI profile. */
async function assertInOutMatches(page, reference, what) {
  for (const key of SERIES) {
    await page.selectOption('#inout-series', key);
    await page.waitForSelector(`#inout-chart[data-series="${key}"]`);
    const series = reference.in_out[key];
    assert.deepEqual(await tableCells(page, '#inout-table'), expectedRows(reference.in_out, key), `${what}, ${key}: rows`);
    assert.equal(await page.textContent('#inout-r'), expectedR(series.pearson_r), `${what}, ${key}: Pearson r`);
    for (const name of ['inbound', 'outbound', 'internal', 'external', 'unknown']) {
      assert.equal(await page.textContent(`#inout-total-${name}`), String(series.totals[name]), `${what}, ${key}: ${name}`);
    }
    assert.equal(await page.getAttribute('#inout-chart', 'data-drawn'), String(reference.in_out.grid.buckets),
      `${what}, ${key}: points drawn`);
    const [inbound, outbound] = await countPixels(page, '#inout-chart', [INBOUND_RGB, OUTBOUND_RGB]);
    // A series of zeros lies under the frame's bottom edge, so only a non-zero one must show.
    if (series.totals.inbound > 0) {
      assert.ok(inbound > 0, `${what}, ${key}: no pixel of the inbound line`);
    }
    if (series.totals.outbound > 0) {
      assert.ok(outbound > 0, `${what}, ${key}: no pixel of the outbound line`);
    }
  }
}

test('in/out and drop-off views equal the CLI', async (t) => {
  const outbreak = makeOutbreak();
  const { page, requests, pageErrors, close } = await openPage();
  try {
    const state = await loadFiles(page, outbreak.files);
    const host = state.get('host');
    const localNets = await page.inputValue('#local-nets');
    const whole = cliProfile(host, outbreak.files, { localNets });

    await t.test('series and r equal the CLI', async () => {
      assert.ok(whole.in_out.events.pearson_r !== null, 'the outbreak gives no r, so r would not be checked');
      await assertInOutMatches(page, whole, 'whole range');
      assert.equal(await page.textContent('#inout-nets'), localNets.split(',').join(', '));
      await page.selectOption('#inout-series', 'events');
      await screenshot(page, 'inout-outbreak');
      await page.locator('#inout-view').screenshot({ path: path.join(ARTIFACTS, 'inout-view.png') });
    });

    await t.test('drop-off rows equal the CLI', async () => {
      assert.ok(whole.dropoff.sources.length > 1, 'the outbreak host is in fewer than two sources');
      const rows = await tableCells(page, '#dropoff-table');
      assert.deepEqual(dropoffSeconds(rows), expectedDropoffRows(whole.dropoff));
      assert.equal(await page.getAttribute('#dropoff-sentence', 'data-stopped-together'),
        String(whole.dropoff.stopped_together));
      const sentence = await page.textContent('#dropoff-sentence');
      assert.match(sentence, whole.dropoff.stopped_together ? /stopped recording .* together/ : /did not stop together/);
      assert.ok(sentence.includes(formatUtc(whole.dropoff.last / 1e9)), `the sentence names another time: ${sentence}`);
      await page.locator('#dropoff-view').screenshot({ path: path.join(ARTIFACTS, 'dropoff-view.png') });
    });

    await t.test('port filter follows the CLI --port', async () => {
      const port = outbreak.truth.outbreak.scan_port;
      await changeState(page, async () => {
        await page.fill('#filter-port', String(port));
        await page.check('#filter-port-on');
      });
      const withPort = cliProfile(host, outbreak.files, { localNets, port });
      await assertInOutMatches(page, withPort, `port ${port}`);
      const rows = await tableCells(page, '#dropoff-table');
      assert.deepEqual(dropoffSeconds(rows), expectedDropoffRows(withPort.dropoff), `port ${port}: drop-off rows`);
    });

    assertNoPageErrors(pageErrors);
    assertSameOrigin(requests);
  } finally {
    await close();
    outbreak.remove();
  }
});

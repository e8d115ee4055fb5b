// Uploading a corpus capture through the file input: the page's connection count matches the
// CLI's, the chart has bars, and no request leaves the page's origin.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  CORPUS, assertSameOrigin, chartPixels, cliConnectionCount, openPage, screenshot, totalCount, waitForResult,
} from './helpers.mjs';

const CAPTURE = path.join(CORPUS, 'zeek/traces/smtp.pcap');

test('upload matches CLI connection count', async () => {
  const expected = cliConnectionCount(CAPTURE);
  assert.ok(expected > 0, `the CLI found no connections in ${CAPTURE}`);

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', CAPTURE);
    const shown = await waitForResult(page);
    assert.equal(shown, expected, 'connections in the report');
    assert.equal(await totalCount(page, 'connections'), String(expected), 'connections in the totals');
    assert.equal(await totalCount(page, 'files-failed'), '0');

    const rows = await page.locator('#conn-body tr').count();
    assert.equal(rows, Math.min(expected, 100), 'rows on the first page');
    const pixels = await chartPixels(page);
    assert.ok(pixels.ink > 0, 'the chart canvas is blank');
    assert.ok(pixels.bars > 0, 'the chart has no packet bars');

    await screenshot(page, 'upload');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
    assert.ok(requests.some((url) => url.endsWith('.wasm')), 'the wasm module was not requested');
  } finally {
    await close();
  }
});

test('table sorts by resp_p', async () => {
  const { page, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', CAPTURE);
    await waitForResult(page);
    const header = page.locator('#conn-head th[data-key="resp_p"]');
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    const column = await page.$$eval('#conn-body tr', (rows) => rows.map((row) => Number(row.children[5].textContent)));
    assert.ok(column.length > 0, 'no rows after sorting');
    assert.deepEqual(column, [...column].sort((a, b) => a - b), 'resp_p is not ascending');

    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
  } finally {
    await close();
  }
});

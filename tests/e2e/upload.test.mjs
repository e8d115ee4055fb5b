// Uploading a corpus capture through the file input: the page's connection count matches the
// CLI's, the chart has bars, and no request leaves the page's origin.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test('drop zone takes dropped file', async () => {
  const capture = path.join(CORPUS, 'zeek/traces/tcp/handshake-reorder.pcap');
  const expected = cliConnectionCount(capture);
  const { page, requests, pageErrors, close } = await openPage();
  try {
    const bytes = [...readFileSync(capture)];
    const dataTransfer = await page.evaluateHandle((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(content)], 'handshake-reorder.pcap'));
      return transfer;
    }, bytes);
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });

    assert.equal(await waitForResult(page), expected);
    assert.equal(await page.textContent('#files-body tr td'), 'handshake-reorder.pcap');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('drop zone opens chooser on Enter', async () => {
  const { page, close } = await openPage();
  try {
    const chooser = page.waitForEvent('filechooser', { timeout: 5_000 });
    await page.focus('#drop-zone');
    await page.keyboard.press('Enter');
    const fileChooser = await chooser;
    assert.equal(fileChooser.isMultiple(), true, 'the chooser takes one file only');
  } finally {
    await close();
  }
});

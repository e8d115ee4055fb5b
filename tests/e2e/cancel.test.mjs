// Cancel stops a long run at the next slice: the page reports the cancel and shows no result.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CORPUS, assertSameOrigin, openPage } from './helpers.mjs';

/** Size of the generated capture, in bytes: 64 slices of 4 MiB. */
const BIG_BYTES = 256 * 1024 * 1024;

/** Writes a valid pcap of about BIG_BYTES: one corpus capture's records, repeated. */
function writeBigCapture(file) {
  const source = readFileSync(path.join(CORPUS, 'zeek/traces/tcp/handshake-reorder.pcap'));
  const header = source.subarray(0, 24);
  const records = source.subarray(24);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header);
    for (let written = header.length; written < BIG_BYTES; written += records.length) {
      writeSync(fd, records);
    }
  } finally {
    closeSync(fd);
  }
}

test('cancel stops a running analysis', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-cancel-'));
  const file = path.join(dir, 'big.pcap');
  writeBigCapture(file);
  const { page, requests, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', file);
    await page.waitForSelector('#progress-section:not([hidden])');
    await page.click('#cancel-button');

    await page.waitForFunction(() => document.getElementById('status').textContent === 'Analysis cancelled.');
    assert.equal(await page.isHidden('#progress-section'), true, 'the progress bar is still shown');
    assert.equal(await page.getAttribute('body', 'data-connections'), null, 'a result was shown after cancel');

    // The page takes a new run after a cancel.
    await page.click('#demo-button');
    await page.waitForSelector('body[data-connections]');
    assertSameOrigin(requests);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Bad and hostile input: a file that is neither a capture nor a text log is reported with its
// byte offset, and a file name full of markup shows as text, never as HTML.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CORPUS, assertSameOrigin, openPage, screenshot, totalCount, waitForResult } from './helpers.mjs';

test('binary non-capture names byte offset', async () => {
  const { page, requests, close } = await openPage();
  try {
    // A PNG signature followed by zeros: binary, so neither a capture nor a text log.
    const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(800)]);
    await page.setInputFiles('#file-input', { name: 'image.png', mimeType: 'image/png', buffer: image });
    await waitForResult(page);

    assert.equal(await totalCount(page, 'files-failed'), '1');
    const cells = await page.$$eval('#files-body tr td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], 'image.png');
    assert.match(cells[8], /^byte \d+: \S/, 'the error cell names no byte offset');
    assert.match(await page.textContent('#status'), /1 failed/);

    await screenshot(page, 'bad-input');
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('truncated capture read with an error', async () => {
  const { page, requests, close } = await openPage();
  try {
    // A whole capture cut 10 bytes before its end, so that its last record is incomplete.
    const whole = readFileSync(path.join(CORPUS, 'zeek/traces/tcp/handshake-reorder.pcap'));
    const buffer = whole.subarray(0, whole.length - 10);
    await page.setInputFiles('#file-input', { name: 'cut.pcap', mimeType: 'application/octet-stream', buffer });
    await waitForResult(page);

    assert.equal(await totalCount(page, 'files-failed'), '1');
    const cells = await page.$$eval('#files-body tr td', (tds) => tds.map((td) => td.textContent));
    assert.ok(Number(cells[3]) > 0, 'no packet before the error was kept');
    assert.match(cells[8], /^byte \d+: \S/, 'the error cell names no byte offset');
    const status = await page.textContent('#status');
    assert.match(status, /1 file read with an error/);
    assert.match(status, /, 0 failed\.$/);
    assert.equal(await page.$eval('#status', (line) => line.classList.contains('error')), false,
      'a partial read is styled as a failure');
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('random bytes fail as not a text log', async () => {
  const { page, requests, close } = await openPage();
  try {
    // 5000 pseudo-random bytes (xorshift32, fixed seed): a few NUL bytes, many control bytes
    // and invalid UTF-8, so neither a capture nor a text log.
    let seed = 0x2545f491;
    const buffer = Buffer.alloc(5000);
    for (let index = 0; index < buffer.length; index += 1) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      buffer[index] = (seed >>> 24) & 0xff;
    }
    await page.setInputFiles('#file-input', { name: 'bad_random.bin', mimeType: 'application/octet-stream', buffer });
    await waitForResult(page);

    assert.equal(await totalCount(page, 'files-failed'), '1');
    const cells = await page.$$eval('#files-body tr td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], 'bad_random.bin');
    assert.match(cells[8], /^byte 0: not a pcap or pcapng capture \(unknown magic number [0-9a-f]{8}\) and not a text log: /);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('hostile file name shows as text', async () => {
  const { page, requests, pageErrors, close } = await openPage();
  try {
    const name = '<img src=x onerror="window.__injected=1">.pcap';
    const buffer = readFileSync(path.join(CORPUS, 'zeek/traces/tcp/handshake-reorder.pcap'));
    await page.setInputFiles('#file-input', { name, mimeType: 'application/octet-stream', buffer });
    await waitForResult(page);

    assert.equal(await page.textContent('#files-body tr td'), name);
    assert.equal(await page.locator('img').count(), 0, 'the file name became an <img> element');
    assert.equal(await page.evaluate(() => window.__injected), undefined, 'the onerror handler ran');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

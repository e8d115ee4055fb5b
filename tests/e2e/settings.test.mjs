// The settings reach the analysis: "Ignore checksums" changes the result the way the CLI's
// --ignore-checksums does, local networks set local_orig, and an invalid list is reported.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { CORPUS, assertSameOrigin, cliConnectionCount, openPage, waitForResult } from './helpers.mjs';

/** Loopback traffic with bad checksums from checksum offload. */
const BAD_CHECKSUMS = path.join(CORPUS, 'zeek/traces/chksums/localhost-bad-chksum.pcap');

test('ignore checksums matches CLI flag', async () => {
  const checked = cliConnectionCount(BAD_CHECKSUMS, ['--ignore-checksums']);
  const unchecked = cliConnectionCount(BAD_CHECKSUMS);
  assert.notEqual(checked, unchecked, 'the capture does not tell the two settings apart');

  for (const [ignore, expected] of [[false, unchecked], [true, checked]]) {
    const { page, requests, close } = await openPage();
    try {
      await page.setChecked('#ignore-checksums', ignore);
      await page.setInputFiles('#file-input', BAD_CHECKSUMS);
      assert.equal(await waitForResult(page), expected, `ignore checksums = ${ignore}`);
      assertSameOrigin(requests);
    } finally {
      await close();
    }
  }
});

test('local networks set local_orig', async () => {
  const { page, close } = await openPage();
  try {
    // The wikipedia capture's client lives in 141.142.0.0/16, outside the private ranges.
    await page.fill('#local-nets', '141.142.0.0/16');
    await page.setInputFiles('#file-input', path.join(CORPUS, 'zeek/traces/wikipedia.pcap'));
    await waitForResult(page);
    const rows = await page.$$eval('#conn-body tr', (trs) => trs.map((tr) => [tr.children[2].textContent, tr.children[12].textContent]));
    assert.ok(rows.length > 0, 'no rows');
    for (const [orig, local] of rows) {
      assert.equal(local, orig.startsWith('141.142.') ? 'T' : 'F', `local_orig of ${orig}`);
    }
  } finally {
    await close();
  }
});

test('invalid local network is reported', async () => {
  const { page, close } = await openPage();
  try {
    await page.fill('#local-nets', '10.0.0.0/33');
    await page.setInputFiles('#file-input', path.join(CORPUS, 'zeek/traces/wikipedia.pcap'));
    await page.waitForFunction(() => document.getElementById('status').classList.contains('error'));
    assert.match(await page.textContent('#status'), /10\.0\.0\.0\/33/);
    assert.equal(await page.getAttribute('body', 'data-connections'), null, 'a result was shown');
  } finally {
    await close();
  }
});

// A text log goes through the same page: the file is read as a log and its line count shows,
// and captures are read before logs whatever order they were chosen in.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CORPUS, assertSameOrigin, openPage, waitForResult } from './helpers.mjs';

/** 2,000 lines of an OpenSSH server's syslog (loghub). */
const LOG = path.join(CORPUS, 'syslog/loghub/OpenSSH_2k.log');

test('syslog file shows its line count', async () => {
  const text = readFileSync(LOG, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', LOG);
    await waitForResult(page);
    const cells = await page.$$eval('#files-body tr td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[1], 'log', 'format');
    assert.match(cells[7], new RegExp(`^${lines} lines, \\d+ unparsed; events: `), 'log lines');
    assert.equal(cells[8], '', 'error');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('captures are read before logs', async () => {
  const { page, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', [LOG, path.join(CORPUS, 'zeek/traces/tcp/handshake-reorder.pcap')]);
    await waitForResult(page);
    const names = await page.$$eval('#files-body tr', (rows) => rows.map((row) => row.children[0].textContent));
    assert.deepEqual(names, ['handshake-reorder.pcap', 'OpenSSH_2k.log']);
  } finally {
    await close();
  }
});

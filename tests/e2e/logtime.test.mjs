// The year and zone settings reach the core as the CLI's --year and --tz do: the page reads
// year-less syslog times the same way, and the files table shows which year and zone it used.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assertSameOrigin, openPage, waitForResult } from './helpers.mjs';
import { cliEvents } from './investigation.mjs';

/** Writes a log of year-less RFC 3164 lines into a temp folder; returns [folder, file]. */
function writeLog() {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-logtime-'));
  const log = path.join(dir, 'auth.log');
  writeFileSync(log, [
    '<38>Mar  5 10:00:00 gate sshd[311]: Accepted password for ops from 10.0.0.7 port 50022 ssh2',
    '<38>Mar  5 10:00:09 gate sshd[311]: Received disconnect from 10.0.0.7 port 50022',
  ].join('\n') + '\n');
  return [dir, log];
}

test('year and zone match CLI options', async () => {
  const [dir, log] = writeLog();
  const expected = cliEvents([log], ['--year', '2019', '--tz', '+02:00']);
  assert.equal(expected.length, 2);
  assert.ok(expected[0].time.startsWith('2019-03-05T08:00:00'), `the CLI read ${expected[0].time}`);

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.fill('#log-year', '2019');
    await page.fill('#log-zone', '+02:00');
    await page.setInputFiles('#file-input', log);
    await waitForResult(page);
    const cell = await page.textContent('#files-body tr td:nth-child(8)');
    assert.match(cell, /year-less times start in 2019 \(from option\)/);
    assert.match(cell, /zone-less times read as UTC\+02:00/);

    await page.waitForSelector('#events-view[data-events="ready"]');
    const times = await page.$$eval('#events-body tr td:first-child', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(times.map((time) => time.slice(0, 19)), expected.map((event) => event.time.slice(0, 19)));
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid year or zone is reported', async () => {
  const [dir, log] = writeLog();
  const { page, close } = await openPage();
  try {
    for (const [year, zone, message] of [['1969', '', /1969/], ['', 'Europe/Paris', /Europe\/Paris/]]) {
      await page.evaluate(() => document.getElementById('status').classList.remove('error'));
      await page.fill('#log-year', year);
      await page.fill('#log-zone', zone);
      await page.setInputFiles('#file-input', log);
      await page.waitForFunction(() => document.getElementById('status').classList.contains('error'));
      assert.match(await page.textContent('#status'), message);
      assert.equal(await page.getAttribute('body', 'data-connections'), null, 'a result was shown');
    }
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

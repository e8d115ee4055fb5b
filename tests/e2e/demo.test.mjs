// The "Load demo" button analyses the generated outbreak shipped under www/demo/ (capture and
// syslog together), with the counts the CLI finds in the same files.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSameOrigin, chartPixels, cliConnectionCount, openPage, screenshot, waitForResult } from './helpers.mjs';
import { DEMO_FILES, cliEvents } from './investigation.mjs';

test('demo button analyses shipped outbreak', async () => {
  const [capture] = DEMO_FILES;
  const expected = cliConnectionCount(capture);
  assert.ok(expected > 0, 'the CLI found no connections in the demo capture');
  const logEvents = cliEvents(DEMO_FILES).filter((event) => event.format !== 'capture').length;
  assert.ok(logEvents > 0, 'the CLI found no events in the demo log');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.click('#demo-button');
    assert.equal(await waitForResult(page), expected);
    assert.ok((await chartPixels(page)).bars > 0, 'the chart has no packet bars');
    const files = await page.$$eval('#files-body tr', (trs) => trs.map((tr) => tr.children[0].textContent));
    assert.deepEqual(files, ['capture.pcapng', 'syslog.log']);
    const logCell = await page.textContent('#files-body tr:nth-child(2) td:nth-child(8)');
    const lines = logCell.match(/^(\d+) lines/);
    assert.ok(lines, `no line count in "${logCell}"`);
    assert.match(logCell, /year-less times start in \d{4} \(from capture\)/);

    await page.waitForSelector('#events-view[data-total]');
    assert.equal(Number(await page.getAttribute('#events-view', 'data-total')), expected + logEvents);

    await screenshot(page, 'demo');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
    for (const name of ['capture.pcapng', 'syslog.log']) {
      assert.ok(requests.some((url) => url.endsWith(`/demo/${name}`)), `the demo's ${name} was not fetched`);
    }
  } finally {
    await close();
  }
});

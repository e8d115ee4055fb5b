// The "Load demo" button analyses the capture shipped under www/demo/.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  ROOT, assertSameOrigin, chartPixels, cliConnectionCount, openPage, screenshot, waitForResult,
} from './helpers.mjs';

test('demo button analyses shipped capture', async () => {
  const expected = cliConnectionCount(path.join(ROOT, 'www/demo/wikipedia.pcap'));
  assert.ok(expected > 0, 'the CLI found no connections in the demo capture');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.click('#demo-button');
    assert.equal(await waitForResult(page), expected);
    assert.ok((await chartPixels(page)).bars > 0, 'the chart has no packet bars');
    assert.match(await page.textContent('#files-body'), /wikipedia\.pcap/);

    await screenshot(page, 'demo');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
    assert.ok(requests.some((url) => url.endsWith('/demo/wikipedia.pcap')), 'the demo capture was not fetched');
  } finally {
    await close();
  }
});

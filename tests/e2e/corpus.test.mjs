// Every capture of the corpus at once, malformed ones included: each file gets a row, and
// the page neither throws nor logs an error.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CORPUS, assertSameOrigin, openPage, totalCount, waitForResult } from './helpers.mjs';

/** Returns every .pcap, .pcapng and .cap file under a folder, sorted. */
function findCaptures(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...findCaptures(full));
    } else if (/\.(pcap|pcapng|cap)$/.test(entry.name)) {
      found.push(full);
    }
  }
  return found.sort();
}

test('whole corpus renders without errors', async () => {
  const captures = findCaptures(CORPUS);
  assert.ok(captures.length > 50, `only ${captures.length} captures found under ${CORPUS}`);

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', captures);
    await waitForResult(page);
    assert.equal(await page.locator('#files-body tr').count(), captures.length, 'one row per file');
    assert.equal(await totalCount(page, 'files'), String(captures.length));
    assert.match(await page.textContent('#status'), /^Done: /);
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

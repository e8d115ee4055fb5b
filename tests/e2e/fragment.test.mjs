// The URL fragment: a filter state set through the filter bar is written to the fragment,
// and a new page opened at that URL with the same files shows the same state, as does a
// fragment edited in place. The fragment contains the state keys only, never data from the files.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertSameOrigin, baseUrl, openPage, waitForResult } from './helpers.mjs';
import { openInvestigation, synthOutbreak, waitForProfile } from './outbreak.mjs';

/** The keys state.js may write to the fragment. */
const STATE_KEYS = ['host', 'port', 'pf', 'from', 'to', 'dir', 'types', 'learn', 'anon'];

let outbreak;
let truth;

before(() => {
  outbreak = synthOutbreak({ seed: 7, scale: 0.02 });
  truth = JSON.parse(readFileSync(path.join(outbreak.dir, 'truth.json'), 'utf8'));
});

after(() => outbreak?.remove());

/** Returns the filter bar's values. */
async function filterBar(page) {
  return page.evaluate(() => ({
    host: document.getElementById('filter-host').value,
    port: document.getElementById('filter-port').value,
    portOn: document.getElementById('filter-port-on').checked,
    from: document.getElementById('filter-from').value,
    to: document.getElementById('filter-to').value,
    direction: document.getElementById('filter-direction').value,
  }));
}

/** Formats epoch seconds as a datetime-local value in UTC, to the second. */
function localValue(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

test('fragment restores the filter state', { timeout: 300_000 }, async () => {
  const files = [outbreak.capture, outbreak.syslog];
  const host = truth.outbreak.infected;
  const port = truth.outbreak.scan_port;
  // Whole seconds, so the datetime-local inputs hold them exactly.
  const from = Math.floor(truth.timeline.scan_start.unix);
  const to = Math.ceil(truth.timeline.scan_end.unix);

  const first = await openInvestigation(files);
  let hash;
  try {
    const { page } = first;
    await page.fill('#filter-host', host);
    await page.fill('#filter-port', String(port));
    await page.check('#filter-port-on');
    await page.fill('#filter-from', localValue(from));
    await page.fill('#filter-to', localValue(to));
    await page.click('#filter-bar button[type="submit"]');
    await page.waitForFunction((expected) => window.location.hash.includes(expected), `to=${to}`);
    await waitForProfile(page);
    hash = await page.evaluate(() => window.location.hash);

    // The fragment is the state and nothing else.
    const params = new URLSearchParams(hash.slice(1));
    const keys = [...params.keys()];
    assert.deepEqual(keys.filter((key) => !STATE_KEYS.includes(key)), [], 'keys beyond the state keys');
    assert.equal(new Set(keys).size, keys.length, 'a key written twice');
    assert.deepEqual(Object.fromEntries(params), { host, port: String(port), pf: '1', from: String(from), to: String(to) });
    assert.equal(await page.getAttribute('body', 'data-profile-state'), hash);
    assertSameOrigin(first.requests);
  } finally {
    await first.close();
  }

  // A new browser profile, opened at the URL with the fragment, then given the same files.
  const second = await openPage();
  try {
    const { page } = second;
    // From about:blank, so that this is a real load and not a same-document fragment change.
    await page.goto('about:blank');
    await page.goto(new URL(hash, baseUrl()).href);
    await page.waitForSelector('body[data-ready="true"]');
    await page.setInputFiles('#file-input', files);
    await waitForResult(page);
    await waitForProfile(page);

    assert.equal(await page.evaluate(() => window.location.hash), hash, 'the fragment changed on load');
    assert.equal(await page.getAttribute('body', 'data-profile-state'), hash);
    assert.deepEqual(await filterBar(page), {
      host, port: String(port), portOn: true, from: localValue(from), to: localValue(to), direction: 'both',
    });

    // A fragment edited in place, without a reload, replaces the state too.
    const edited = `#host=${host}&dir=out`;
    await page.evaluate((fragment) => { window.location.hash = fragment; }, edited);
    await page.waitForFunction((fragment) => document.body.dataset.profileState === fragment, edited);
    const bar = await filterBar(page);
    assert.equal(bar.direction, 'out');
    assert.equal(bar.port, '');
    assert.equal(bar.from, '');

    assert.deepEqual(second.pageErrors, []);
    assertSameOrigin(second.requests);
  } finally {
    await second.close();
  }
});

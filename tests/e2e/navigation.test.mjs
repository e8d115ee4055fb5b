// Reaching the investigation and choosing a host. The navigation links and the "Investigate"
// buttons move the focus to a view. The filter bar rejects a host that is not an IP address,
// an address absent from the files gets a note, and a fragment waiting for files is announced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSameOrigin, openPage, screenshot } from './helpers.mjs';
import { DEMO_FILES, cliJson, loadDemo, waitForProfile } from './investigation.mjs';

/** Returns the id of the section holding the focused element, and the fragment. */
async function focusedView(page) {
  return page.evaluate(() => ({
    section: document.activeElement?.closest('section')?.id ?? null,
    hash: window.location.hash,
  }));
}

/** Returns true if and only if the element's top edge is inside the window. */
async function inWindow(page, selector) {
  return page.$eval(selector, (element) => {
    const top = element.getBoundingClientRect().top;
    return top >= 0 && top < window.innerHeight;
  });
}

test('navigation links focus each view', async () => {
  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const hash = await page.evaluate(() => window.location.hash);
    const views = await page.$$eval('#investigation section.view', (sections) => sections.map((section) => section.id));
    const links = await page.$$eval('#investigation-nav a', (anchors) => anchors.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, views.map((id) => `#${id}`), 'one link per view, in page order');

    // The jump link near the top of the results, used from the keyboard.
    await page.focus('#jump-investigation');
    await page.keyboard.press('Enter');
    assert.deepEqual(await focusedView(page), { section: 'investigation', hash });
    assert.ok(await inWindow(page, '#investigation-heading'), 'the investigation heading is not in the window');

    for (const id of ['activity-view', 'dropoff-view', 'findings-view']) {
      await page.focus(`#investigation-nav a[href="#${id}"]`);
      await page.keyboard.press('Enter');
      assert.deepEqual(await focusedView(page), { section: id, hash }, `link to ${id}`);
      assert.ok(await inWindow(page, `#${id}`), `${id} is not scrolled into the window`);
    }
    await screenshot(page, 'navigation');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('investigate button moves to activity', async () => {
  const expected = cliJson(['findings', '--format', 'json', ...DEMO_FILES]);
  const second = expected.hosts[1].host;
  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    await page.click(`#findings-hosts-body tr[data-host="${second}"] button`);
    await waitForProfile(page);
    assert.deepEqual(await focusedView(page), { section: 'activity-view', hash: `#host=${second}` });
    assert.ok(await inWindow(page, '#activity-view'), 'the activity view is not scrolled into the window');

    const third = expected.hosts[2].host;
    await page.locator('#hosts-body').evaluate((body) => body.closest('.scroll').scrollIntoView());
    await page.click(`#hosts-body tr[data-address="${third}"] button`);
    await waitForProfile(page);
    assert.deepEqual(await focusedView(page), { section: 'activity-view', hash: `#host=${third}` });
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

test('invalid host rejected with message', async () => {
  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const before = await page.evaluate(() => window.location.hash);
    await page.fill('#filter-host', 'not-an-ip');
    await page.press('#filter-host', 'Enter');
    assert.equal(await page.textContent('#filter-error'),
      'Host must be an IPv4 or IPv6 address such as 10.0.0.5 or fe80::1, not "not-an-ip".');
    assert.equal(await page.evaluate(() => window.location.hash), before, 'the invalid host reached the fragment');
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

test('absent host gets a note', async () => {
  const absent = '10.1.2.3';
  const profile = cliJson(['profile', absent, '--format', 'json', ...DEMO_FILES]);
  const events = profile.activity.buckets.reduce((sum, bucket) => sum + bucket.total, 0);
  assert.equal(events, 0, `the demo has events of ${absent}, so it is no absent host`);

  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    assert.equal(await page.textContent('#investigation-status'), '', 'a note on the top host');
    await page.fill('#filter-host', absent);
    await page.press('#filter-host', 'Enter');
    await page.waitForFunction((host) => document.body.dataset.profileState === `#host=${host}`
      && document.body.dataset.profile === 'ready', absent);
    assert.equal(await page.textContent('#filter-error'), '');
    assert.match(await page.textContent('#investigation-status'), /^10\.1\.2\.3 does not appear in the loaded files/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

test('fragment before files gets a note', async () => {
  const { page, pageErrors, close } = await openPage();
  try {
    assert.equal(await page.isHidden('#fragment-note'), true, 'the note shows without a fragment');
    await page.evaluate(() => { window.location.hash = '#host=10.94.11.77&port=444'; });
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#fragment-note'), true, 'no note about the fragment');
    assert.match(await page.textContent('#fragment-note'), /applied when files are loaded/);

    await loadDemo(page);
    assert.equal(await page.isHidden('#fragment-note'), true, 'the note stays after the files are loaded');
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

// The hosts view on the demo outbreak: its rows are the CLI profile's `hosts` rows, the search
// box requests the same ranking as `--search`, and a row's button picks the host.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSameOrigin, openPage, screenshot } from './helpers.mjs';
import { DEMO_FILES, cliJson, demoTruth, loadDemo, waitForProfile } from './investigation.mjs';

/** The row limit the page requests (HOSTS_LIMIT in www/views/index.js). */
const HOSTS_LIMIT = 200;

/** Returns the CLI profile's `hosts` object for the host and options. */
function cliHosts(host, options = []) {
  return cliJson(['profile', host, '--hosts-limit', String(HOSTS_LIMIT), ...options, '--format', 'json', ...DEMO_FILES]).hosts;
}

/** Returns the hosts table's rows as the CLI writes them. */
async function pageRows(page) {
  return page.$$eval('#hosts-body tr', (trs) => trs.map((tr) => {
    const cells = [...tr.children].map((td) => td.textContent);
    return {
      rank: Number(cells[0]),
      address: cells[1],
      local: cells[2] === 'yes',
      events: Number(cells[3]),
      connections: Number(cells[4]),
      findings: Number(cells[5]),
      score: cells[6],
    };
  }));
}

/** Returns the CLI rows with the score written as the page writes it. */
function expectedRows(hosts) {
  return hosts.rows.map((row) => ({ ...row, score: row.score.toFixed(2) }));
}

test('hosts view matches CLI profile', async () => {
  const infected = demoTruth().outbreak.infected;
  const expected = cliHosts(infected);
  assert.ok(expected.rows.length > 10, 'too few hosts to compare');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const rows = await pageRows(page);
    assert.deepEqual(rows, expectedRows(expected));
    assert.match(await page.textContent('#hosts-count'), new RegExp(`^${expected.matched} of ${expected.total} host`));
    assert.equal(await page.getAttribute('#hosts-body tr[aria-current="true"]', 'data-address'), infected);
    // Over the whole range the ranking agrees with the findings panel's.
    assert.equal(rows[0].address, infected, 'the infected host is not ranked first');

    await screenshot(page, 'hosts');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('hosts search matches CLI', async () => {
  const infected = demoTruth().outbreak.infected;
  const text = infected.slice(0, infected.lastIndexOf('.') + 1);
  const expected = cliHosts(infected, ['--search', text]);
  const all = cliHosts(infected);
  assert.ok(expected.matched > 0, 'no host matches the search text');
  assert.ok(expected.matched < all.matched, 'the search text does not narrow the ranking');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    await page.fill('#hosts-search', text);
    await page.evaluate(() => delete document.getElementById('hosts-view').dataset.hosts);
    await page.press('#hosts-search', 'Enter');
    await page.waitForSelector('#hosts-view[data-hosts="ready"]');
    assert.deepEqual(await pageRows(page), expectedRows(expected));
    assert.match(await page.textContent('#hosts-count'), new RegExp(`^${expected.matched} of ${expected.total} host`));

    // A row's button makes its host the one under investigation.
    const other = expected.rows.find((row) => row.address !== infected).address;
    await page.click(`#hosts-body tr[data-address="${other}"] button`);
    await waitForProfile(page);
    assert.equal(await page.getAttribute('body', 'data-profile-state'), `#host=${other}`);
    assert.equal(await page.inputValue('#filter-host'), other);

    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

// The findings panel on the demo outbreak: its host ranking is the CLI's, the infected host
// comes first, a finding's button selects its host and span, and an evidence button shows
// the cited record in the event table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSameOrigin, openPage, screenshot } from './helpers.mjs';
import { DEMO_FILES, afterEventsLoad, cliEvents, cliJson, demoTruth, loadDemo, waitForProfile } from './investigation.mjs';

/** Returns the findings document the CLI writes for the demo files. */
function cliFindings() {
  return cliJson(['findings', '--format', 'json', ...DEMO_FILES]);
}

test('findings ranking matches CLI', async () => {
  const expected = cliFindings();
  const infected = demoTruth().outbreak.infected;
  assert.ok(expected.hosts.length > 1, 'the CLI ranked fewer than two hosts, so the order proves little');
  assert.equal(expected.hosts[0].host, infected, 'the CLI does not rank the infected host first');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const rows = await page.$$eval('#findings-hosts-body tr', (trs) => trs.map((tr) => ({
      rank: Number(tr.dataset.rank),
      host: tr.dataset.host,
      score: Number(tr.dataset.score),
      cells: [...tr.children].map((td) => td.textContent),
    })));
    assert.equal(rows.length, expected.hosts.length);
    rows.forEach((row, index) => {
      const host = expected.hosts[index];
      assert.equal(row.rank, host.rank, `rank of row ${index}`);
      assert.equal(row.host, host.host, `host of row ${index}`);
      assert.equal(row.score, host.score, `score of ${host.host}`);
      assert.equal(row.cells[3], host.severity, `severity of ${host.host}`);
      assert.equal(row.cells[4], host.rules.join(', '), `rules of ${host.host}`);
      assert.equal(Number(row.cells[5]), host.findings, `findings of ${host.host}`);
    });
    assert.equal(rows[0].host, infected, 'the page does not rank the infected host first');

    // Each host's list contains exactly its findings.
    const listed = await page.$$eval('#findings-per-host details', (all) =>
      all.map((details) => [details.dataset.host, details.querySelectorAll('li.finding').length]));
    for (const [host, count] of listed) {
      assert.equal(count, expected.findings.filter((finding) => finding.host === host).length, `findings of ${host}`);
    }
    assert.equal(await page.getAttribute('body', 'data-profile-state'), `#host=${infected}`);

    await screenshot(page, 'findings');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('finding button selects host and span', async () => {
  const expected = cliFindings();
  const infected = demoTruth().outbreak.infected;
  const chain = expected.findings.find((finding) => finding.rule === 'AlertChain' && finding.host === infected);
  assert.ok(chain, 'the CLI found no alert chain on the infected host');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    // Pick another host first, so the click has to set the host too.
    await page.click(`#findings-hosts-body tr[data-host="${expected.hosts[1].host}"] button`);
    await waitForProfile(page);
    assert.equal(await page.getAttribute('body', 'data-profile-state'), `#host=${expected.hosts[1].host}`);

    const button = page.locator(`#findings-per-host details[data-host="${infected}"] button.finding-select[data-rule="AlertChain"]`);
    await page.$eval(`#findings-per-host details[data-host="${infected}"]`, (details) => { details.open = true; });
    await button.click();
    await page.waitForFunction(() => window.location.hash.includes('from='));
    await waitForProfile(page);

    const hash = await page.evaluate(() => window.location.hash);
    const params = new URLSearchParams(hash.slice(1));
    assert.equal(params.get('host'), infected);
    const from = Number(params.get('from'));
    const to = Number(params.get('to'));
    assert.ok(from < chain.start / 1e9, `the range starts at ${from}, not before the finding`);
    assert.ok(to > chain.end / 1e9, `the range ends at ${to}, not after the finding`);
    assert.ok(from > chain.start / 1e9 - 3600, 'the padding before the finding is more than an hour');
    assert.ok(to < chain.end / 1e9 + 3600, 'the padding after the finding is more than an hour');
    assert.equal(await page.getAttribute('body', 'data-profile-state'), hash);
    assert.equal(await page.inputValue('#filter-host'), infected);
    assert.equal(await page.inputValue('#filter-from'), new Date(from * 1000).toISOString().slice(0, 19));

    // The event table follows: the host's events inside the selected range.
    const inRange = cliEvents(DEMO_FILES).filter((event) => (event.src === infected || event.dst === infected)
      && event.ts >= from * 1e9 && event.ts < to * 1e9);
    assert.equal(Number(await page.getAttribute('#events-view', 'data-matched')), inRange.length);

    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('evidence button shows cited record', async () => {
  const expected = cliFindings();
  const events = cliEvents(DEMO_FILES);
  const infected = demoTruth().outbreak.infected;
  const chain = expected.findings.find((finding) => finding.rule === 'AlertChain' && finding.host === infected);
  const evidence = chain.evidence[0];
  const cited = events.filter((event) => event.file_index === evidence.file_index && event.line === evidence.line);
  assert.ok(cited.length > 0, 'the CLI has no event at the cited file and line');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const selector = `#findings-per-host details[data-host="${infected}"] li.finding:has(button[data-rule="AlertChain"]) `
      + `button.evidence-show[data-line="${evidence.line}"][data-file="${evidence.file_index}"]`;
    assert.match(await page.textContent(selector), new RegExp(`syslog\\.log, line ${evidence.line}$`));
    await afterEventsLoad(page, () => page.click(selector));

    assert.equal(Number(await page.getAttribute('#events-view', 'data-matched')), cited.length);
    const rows = await page.$$eval('#events-body tr', (trs) => trs.map((tr) => ({
      file: Number(tr.dataset.file), line: Number(tr.dataset.line), raw: tr.lastElementChild.textContent,
    })));
    assert.deepEqual(rows, cited.map((event) => ({ file: event.file_index, line: event.line, raw: event.raw })));
    assert.match(await page.textContent('#events-record'), /syslog\.log, line/);

    // Selecting a finding drops the record filter again.
    await page.click(`#findings-per-host details[data-host="${infected}"] button.finding-select[data-rule="AlertChain"]`);
    await page.waitForFunction(() => window.location.hash.includes('from='));
    await waitForProfile(page);
    assert.equal(await page.isHidden('#events-record'), true, 'the record filter is still shown');
    assert.ok(Number(await page.getAttribute('#events-view', 'data-matched')) > cited.length, 'the table still shows one record');

    await screenshot(page, 'findings-evidence');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

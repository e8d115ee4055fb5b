// The findings panel on the demo outbreak: its host ranking is the CLI's, the infected host
// comes first, a finding's button selects its host and span, and an evidence button shows
// the cited record in the event table.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

    // Only the top host's list is open and built; the others are built when opened.
    const built = await page.$$eval('#findings-per-host details.findings-host', (all) =>
      all.map((details) => [details.dataset.host, details.open, details.dataset.built === 'true']));
    assert.equal(built.length, expected.hosts.length, 'one disclosure per ranked host');
    assert.deepEqual(built[0], [infected, true, true], 'the top host\'s findings are not open');
    assert.deepEqual(built.slice(1).filter(([, open, done]) => open || done), [], 'another host\'s list is open or built');

    // Each host's list contains exactly its findings, once every disclosure (the hosts and
    // the folded findings of a rule inside them) is opened.
    await page.evaluate(openEveryFinding);
    const listed = await page.$$eval('#findings-per-host details.findings-host', (all) =>
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
    assert.equal(await page.evaluate(() => document.activeElement?.closest('section')?.id), 'activity-view',
      'the finding button did not move the focus to the activity view');
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

/**
 * Opens every disclosure of the findings lists, level by level, and resolves when each has
 * built its list. Runs in the page.
 */
async function openEveryFinding() {
  const closed = () => [...document.querySelectorAll('#findings-per-host details')].filter((d) => !d.open);
  for (let level = 0; level < 3 && closed().length > 0; level += 1) {
    closed().forEach((details) => { details.open = true; });
    // The toggle event that builds a list fires in a later task.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const unbuilt = [...document.querySelectorAll('#findings-per-host details')].filter((d) => d.dataset.built !== 'true');
  if (unbuilt.length > 0) {
    throw new Error(`${unbuilt.length} findings disclosures did not build their list`);
  }
}

/** Returns the findings table's rows as [host, rule, severity, score, start, end, message]. */
async function findingsTableRows(page) {
  return page.$$eval('#findings-table-body tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
}

/** Formats nanoseconds as UTC to the whole second, as the page's times start. */
function utcSeconds(nanos) {
  return new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString().slice(0, 19);
}

test('low findings hidden until toggled', async () => {
  const expected = cliFindings();
  const low = expected.findings.filter((finding) => finding.severity === 'low');
  const notLow = expected.findings.filter((finding) => finding.severity !== 'low');
  assert.ok(low.length > 0, 'the demo has no low-severity finding');
  assert.ok(notLow.length > 0, 'the demo has only low-severity findings');

  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const toggle = page.locator('#findings-low-toggle');
    assert.equal(await toggle.textContent(), `Show low-severity findings (${low.length})`);
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

    // The table lists the findings that are shown, as the CLI writes them and in its order.
    const shown = await findingsTableRows(page);
    assert.deepEqual(shown.map((row) => [row[0], row[1], row[2]]), notLow.map((f) => [f.host, f.rule, f.severity]));
    const [, , , score, start, end, message] = shown[0];
    assert.deepEqual([score, start.slice(0, 19), end.slice(0, 19), message],
      [notLow[0].score.toFixed(2), utcSeconds(notLow[0].start), utcSeconds(notLow[0].end), notLow[0].message]);

    // Hosts with only low findings are hidden; the top host's low findings too.
    const visibleHosts = await page.$$eval('#findings-per-host details.findings-host',
      (all) => all.filter((details) => details.checkVisibility()).map((details) => details.dataset.host));
    const hostsWithMore = new Set(notLow.map((finding) => finding.host));
    assert.deepEqual(visibleHosts, expected.hosts.map((host) => host.host).filter((host) => hostsWithMore.has(host)));
    const hiddenLow = await page.$$eval('#findings-per-host li.finding.severity-low',
      (items) => items.filter((item) => item.checkVisibility()).length);
    assert.equal(hiddenLow, 0, 'a low-severity finding is visible before the toggle');

    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await page.waitForFunction((count) => document.querySelectorAll('#findings-table-body tr').length === count,
      expected.findings.length);
    const all = await findingsTableRows(page);
    assert.deepEqual(all.map((row) => [row[0], row[1]]), expected.findings.map((f) => [f.host, f.rule]));
    const visibleAfter = await page.$$eval('#findings-per-host details.findings-host', (details) => details.filter((d) => d.checkVisibility()).length);
    assert.equal(visibleAfter, expected.hosts.length, 'hosts with only low findings stay hidden after the toggle');

    await screenshot(page, 'findings-collapsed');
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

test('evidence capped with show-all button', async () => {
  const expected = cliFindings();
  const infected = demoTruth().outbreak.infected;
  const long = expected.findings.find((finding) => finding.host === infected && finding.severity !== 'low'
    && finding.evidence.length > 3);
  assert.ok(long, 'the infected host has no finding with more than three evidence records');

  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const item = page.locator(`#findings-per-host details[data-host="${infected}"] li.finding`)
      .filter({ has: page.locator(`button.finding-select[data-rule="${long.rule}"][data-from]`) }).first();
    const evidence = item.locator('ul.finding-evidence');
    assert.equal(await evidence.locator('li').count(), 3, 'evidence rows before "show all"');
    const more = item.locator('button.evidence-more');
    assert.match(await more.textContent(), /^Show all \d+ sample records$/);
    const total = Number(await evidence.getAttribute('data-total'));
    await more.click();
    assert.equal(await evidence.locator('li').count(), total, 'evidence rows after "show all"');
    assert.equal(await more.count(), 0, 'the show-all button stays after use');
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

test('findings CSV holds the findings', async () => {
  const expected = cliFindings();
  const shown = expected.findings.filter((finding) => finding.severity !== 'low');

  const { page, pageErrors, close } = await openPage();
  try {
    await loadDemo(page);
    const bar = page.locator('#findings-view .export-bar');
    const buttons = bar.locator('button[data-export="csv"]');
    assert.equal(await buttons.count(), 2, 'one CSV button for the ranking and one for the findings table');
    const [download] = await Promise.all([page.waitForEvent('download'), buttons.nth(1).click()]);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.split('\r\n').filter((line) => line !== '');
    assert.equal(lines[0], 'Host,Rule,Severity,Score,Start (UTC),End (UTC),Message');
    assert.equal(lines.length - 1, shown.length, 'one CSV row per shown finding');
    assert.ok(!text.includes('Investigate'), 'a button label is in the findings CSV');

    const [ranking] = await Promise.all([page.waitForEvent('download'), buttons.nth(0).click()]);
    const rankingText = readFileSync(await ranking.path(), 'utf8');
    assert.equal(rankingText.split('\r\n')[0], 'Rank,Host,Score,Severity,Rules,Findings');
    assert.ok(!rankingText.includes('Investigate'), 'a button label is in the ranking CSV');
    assert.deepEqual(pageErrors, []);
  } finally {
    await close();
  }
});

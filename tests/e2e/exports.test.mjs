// The exports: each toolbar's PNG and CSV downloads and the connection table's full CSV. A
// hostile log line and file name must come out neutralised in CSV and escaped in the HTML
// report, and the report must have no scripts, the findings, and the charts as data: images.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertSameOrigin, cliPath, screenshot } from './helpers.mjs';
import { openInvestigation, synthOutbreak } from './outbreak.mjs';

/** The formula a hostile log line carries (a classic CSV-injection payload). */
const FORMULA = "=cmd|' /C calc'!A0";
/** Text that would become an element if the report parsed it as HTML. */
const TAG = '<script>alert(1)</script>';
/** The hostile log file's name: a formula and a tag too, since file names reach tables. */
const HOSTILE_NAME = "=cmd|' -C calc'!A0 <script>.log";
/** Labels of buttons inside table cells, which must never become CSV data. */
const BUTTON_LABELS = ['Investigate', 'Show only these'];
/** The eight bytes every PNG file starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let outbreak;
let hostileDir;
let files;

before(() => {
  outbreak = synthOutbreak({ seed: 7, scale: 0.02 });
  const truth = JSON.parse(readFileSync(path.join(outbreak.dir, 'truth.json'), 'utf8'));
  hostileDir = mkdtempSync(path.join(tmpdir(), 'wormscope-hostile-'));
  const hostile = path.join(hostileDir, HOSTILE_NAME);
  writeFileSync(hostile, `${hostileAlert(truth)}\n`);
  files = [outbreak.capture, outbreak.syslog, hostile];
});

after(() => {
  outbreak?.remove();
  if (hostileDir) {
    rmSync(hostileDir, { recursive: true, force: true });
  }
});

/**
 * Returns a Snort syslog alert from the infected host, a day after its scanning started,
 * whose message is the formula and the tag. The profile keeps its message as the alert's
 * name, so views that list alerts show it.
 */
function hostileAlert(truth) {
  const when = new Date((truth.timeline.scan_start.unix + 86_400) * 1000);
  const month = when.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(when.getUTCDate()).padStart(2, ' ');
  const clock = when.toISOString().slice(11, 19);
  return `<33>${month} ${day} ${clock} ids-core snort[2417]: [1:9999999:1] ${FORMULA} ${TAG} `
    + '[Classification: Attempted User Privilege Gain] [Priority: 1]: '
    + `{TCP} ${truth.outbreak.infected}:50200 -> ${truth.internet_hosts[0].address}:80`;
}

/** Reads a download's bytes. */
async function downloadBytes(download) {
  return readFileSync(await download.path());
}

/** Clicks `button` and resolves with the one download it starts. */
async function clickForDownload(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return download;
}

/** Parses RFC 4180 CSV text (CRLF line ends, quoted fields) into rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      assert.equal(field, '', `a quote inside an unquoted field at character ${i}`);
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      assert.notEqual(char, '\n', `a bare LF line end at character ${i}`);
      field += char;
    }
  }
  assert.equal(quoted, false, 'the CSV ends inside a quoted field');
  assert.equal(field === '' && row.length === 0, true, 'the CSV does not end with CRLF');
  return rows;
}

/** Returns true if and only if a spreadsheet would run `text` as a formula. */
function looksLikeFormula(text) {
  return /^[=+\-@]/.test(text) && !/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text);
}

/** Checks one exported field against the table cell's text: equal, or guarded by an apostrophe. */
function assertField(field, cell, where) {
  if (looksLikeFormula(cell)) {
    assert.equal(field, `'${cell}`, `${where}: a cell starting like a formula must get a leading apostrophe`);
  } else {
    assert.equal(field, cell, where);
  }
}

/** Returns the toolbars of the page: title, the index of the bar, and what it covers. */
async function toolbars(page) {
  return page.$$eval('.export-bar', (bars) => bars.map((bar, index) => {
    const section = bar.closest('section.view');
    const scope = section ?? bar.parentElement;
    return { index, label: bar.getAttribute('aria-label'), inView: Boolean(section), sectionId: scope.id };
  }));
}

test('view toolbars export PNG and CSV', { timeout: 300_000 }, async () => {
  const { page, requests, pageErrors, close } = await openInvestigation(files);
  try {
    const bars = await toolbars(page);
    const viewBars = bars.filter((bar) => bar.inView);
    const viewCount = await page.$$eval('#investigation section.view:not(#exports-view)', (sections) => sections.length);
    assert.equal(viewBars.length, viewCount, 'every view except Export has one toolbar');

    for (const bar of viewBars) {
      const section = page.locator(`#${bar.sectionId}`);
      const barLocator = page.locator('.export-bar').nth(bar.index);

      // PNG: one download per drawn chart, each a PNG of the canvas's own size.
      const sizes = await section.locator('canvas.chart').evaluateAll((canvases) => canvases
        .filter((canvas) => !canvas.closest('[hidden]') && canvas.width > 1 && canvas.height > 1)
        .map((canvas) => [canvas.width, canvas.height]));
      const pngButtons = barLocator.locator('button[data-export="png"]');
      assert.equal(await pngButtons.count(), sizes.length, `${bar.label}: one PNG button per chart`);
      for (const [i, size] of sizes.entries()) {
        const download = await clickForDownload(page, pngButtons.nth(i));
        await assertPng(await downloadBytes(download), size, `${bar.label} chart ${i + 1}`);
        assert.match(download.suggestedFilename(), /^wormscope_[A-Za-z0-9._-]+\.png$/);
      }

      // CSV: one download per table, row for row and cell for cell. Columns of action
      // buttons (cells marked data-export="skip") stay out of the file.
      const tables = await section.locator('table').evaluateAll((elements) => elements
        .filter((table) => !table.closest('[hidden]'))
        .map((table) => [...table.rows]
        .map((row) => [...row.cells].filter((cell) => cell.dataset.export !== 'skip')
          .flatMap((cell) => [cell.textContent.replace(/\s+/g, ' ').trim(), ...Array(cell.colSpan - 1).fill('')]))));
      const csvButtons = barLocator.locator('button[data-export="csv"]');
      assert.equal(await csvButtons.count(), tables.length, `${bar.label}: one CSV button per table`);
      for (const [i, table] of tables.entries()) {
        const download = await clickForDownload(page, csvButtons.nth(i));
        const rows = parseCsv((await downloadBytes(download)).toString('utf8'));
        assertCsvMatches(rows, table, `${bar.label} table ${i + 1}`);
        for (const label of BUTTON_LABELS) {
          assert.ok(!rows.flat().includes(label), `${bar.label} table ${i + 1}: the button label "${label}" is in the CSV`);
        }
      }
    }
    await screenshot(page, 'exports');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

/** Checks PNG bytes: the signature, a non-trivial size, and the IHDR width and height. */
function assertPng(bytes, [width, height], where) {
  assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE, `${where}: PNG signature`);
  assert.ok(bytes.length > 1000, `${where}: only ${bytes.length} bytes`);
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR', `${where}: first chunk`);
  assert.equal(bytes.readUInt32BE(16), width, `${where}: width`);
  assert.equal(bytes.readUInt32BE(20), height, `${where}: height`);
}

/** Checks parsed CSV rows against a table's cell texts. */
function assertCsvMatches(rows, table, where) {
  assert.equal(rows.length, table.length, `${where}: row count`);
  table.forEach((cells, r) => {
    assert.equal(rows[r].length, cells.length, `${where}: cells in row ${r + 1}`);
    cells.forEach((cell, c) => assertField(rows[r][c], cell, `${where} row ${r + 1} column ${c + 1}`));
  });
}

test('results toolbars export activity, files and connections', { timeout: 300_000 }, async () => {
  const { page, requests, pageErrors, close } = await openInvestigation(files);
  try {
    const activityBar = page.locator('.export-bar[aria-label="Export Activity"]');
    const size = await page.$eval('#activity-chart', (canvas) => [canvas.width, canvas.height]);
    const png = await clickForDownload(page, activityBar.locator('button[data-export="png"]'));
    await assertPng(await downloadBytes(png), size, 'activity chart');

    const activityRows = await page.$$eval('#activity-table tr', (rows) => rows.length);
    const activityCsv = await clickForDownload(page, activityBar.locator('button[data-export="csv"]'));
    assert.equal(parseCsv((await downloadBytes(activityCsv)).toString('utf8')).length, activityRows, 'activity rows');

    // Every connection goes out, not only the page on screen, in the table's order.
    const connections = Number(await page.getAttribute('body', 'data-connections'));
    const firstRow = await page.$$eval('#conn-body tr:first-child td', (cells) => cells.map((cell) => cell.textContent));
    const header = await page.$$eval('#conn-head th', (cells) => cells.map((cell) => cell.textContent));
    const connectionsBar = page.locator('.export-bar[aria-label="Export Connections"]');
    const connCsv = await clickForDownload(page, connectionsBar.locator('button[data-export="csv"]'));
    const rows = parseCsv((await downloadBytes(connCsv)).toString('utf8'));
    assert.equal(rows.length, connections + 1, 'a header row and one row per connection');
    assert.deepEqual(rows[0], header);
    firstRow.forEach((cell, c) => assertField(rows[1][c], cell, `first connection, column ${c + 1}`));

    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('hostile cells are neutralised in CSV', { timeout: 300_000 }, async () => {
  const { page, requests, close } = await openInvestigation(files);
  try {
    // Every table that shows the hostile text, with the toolbar that exports it.
    const hits = await page.$$eval('table', (tables, marker) => tables.flatMap((table) => {
      if (!table.textContent.includes(marker) || table.closest('[hidden]')) {
        return [];
      }
      const bars = [...document.querySelectorAll('.export-bar')];
      const section = table.closest('section.view');
      const bar = section
        ? section.querySelector('.export-bar')
        : bars.filter((candidate) => candidate.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
      const sameBar = section ? [...section.querySelectorAll('table')].filter((other) => !other.closest('[hidden]')) : [table];
      return [{ bar: bars.indexOf(bar), table: sameBar.indexOf(table), id: table.id || section?.id }];
    }), '=cmd|');
    assert.ok(hits.length > 0, 'no table shows the hostile file name or log line');

    for (const hit of hits) {
      const button = page.locator('.export-bar').nth(hit.bar).locator('button[data-export="csv"]').nth(hit.table);
      const download = await clickForDownload(page, button);
      const text = (await downloadBytes(download)).toString('utf8');
      const fields = parseCsv(text).flat();
      assert.ok(fields.some((field) => field.includes('=cmd|')), `${hit.id}: the CSV lost the hostile cell`);
      for (const field of fields) {
        assert.ok(!looksLikeFormula(field), `${hit.id}: unguarded formula ${JSON.stringify(field)}`);
      }
    }
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('HTML report is self-contained and safe', { timeout: 300_000 }, async () => {
  const findings = JSON.parse(execFileSync(cliPath(), ['findings', '--format', 'json', ...files],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
  const { page, requests, pageErrors, close } = await openInvestigation(files);
  try {
    const host = await page.inputValue('#filter-host');
    // Views that list alerts (first seen, alert chain) show the hostile log line's message.
    const alertShown = await page.evaluate((text) => [...document.querySelectorAll('#investigation table')]
      .some((table) => !table.closest('[hidden]') && table.textContent.includes(text)), `${FORMULA} ${TAG}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-button')]);
    assert.match(download.suggestedFilename(), /^wormscope_[A-Za-z0-9._-]+_report_\d{8}T\d{6}Z\.html$/);
    const html = (await downloadBytes(download)).toString('utf8');
    assert.ok(html.startsWith('<!doctype html>'), 'doctype');

    // Show it in a page of its own, under its own CSP, and read what the browser made of it.
    const viewer = await page.context().newPage();
    const viewerErrors = [];
    viewer.on('console', (message) => {
      if (message.type() === 'error') {
        viewerErrors.push(message.text());
      }
    });
    await viewer.setContent(html);
    const report = await viewer.evaluate(() => {
      const cellTexts = (caption) => [...document.querySelectorAll('table')]
        .filter((table) => table.caption?.textContent === caption)
        .flatMap((table) => [...table.tBodies[0].rows].map((row) => row.cells[6].textContent));
      const images = [...document.querySelectorAll('img')];
      return {
        scripts: document.querySelectorAll('script').length,
        active: document.querySelectorAll('iframe, object, embed, link, base, form, [href], [srcdoc]').length,
        handlers: [...document.querySelectorAll('*')].flatMap((node) => node.getAttributeNames())
          .filter((name) => name.startsWith('on')).length,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null,
        images: images.map((image) => image.getAttribute('src').slice(0, 22)),
        decoded: images.filter((image) => image.complete && image.naturalWidth > 0).length,
        styled: getComputedStyle(document.querySelector('table')).borderCollapse === 'collapse',
        text: document.body.textContent,
        ownMessages: cellTexts(`Findings on ${document.title.replace('wormscope report: ', '')}`),
        otherMessages: cellTexts('Findings on other hosts'),
        title: document.title,
      };
    });
    await viewer.close();

    assert.equal(report.scripts, 0, 'script elements');
    assert.equal(report.active, 0, 'elements or attributes that load or link anything');
    assert.equal(report.handlers, 0, 'event handler attributes');
    assert.equal(report.csp, "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
    assert.ok(report.images.some((src) => src === 'data:image/png;base64,'), 'no chart as a data: PNG');
    assert.equal(report.decoded, report.images.length, 'images the report\'s CSP blocked or that did not decode');
    assert.ok(report.styled, 'the report\'s CSP blocked its style block');
    assert.deepEqual(viewerErrors, [], 'errors while showing the report');
    assert.equal(report.title, `wormscope report: ${host}`);

    // The findings, message for message, as the CLI writes them.
    const own = findings.findings.filter((finding) => finding.host === host).map((finding) => finding.message);
    // Other hosts' low-severity findings are counted in a sentence, not listed.
    const others = findings.findings.filter((finding) => finding.host !== host && finding.severity !== 'low')
      .map((finding) => finding.message);
    const lowOthers = findings.findings.filter((finding) => finding.host !== host && finding.severity === 'low').length;
    assert.ok(own.length > 0, 'the CLI found nothing on the chosen host');
    assert.deepEqual(report.ownMessages, own);
    assert.deepEqual(report.otherMessages, others);
    assert.ok(report.text.includes(`Left out: ${lowOthers} low-severity findings on other hosts`), 'the left-out count');

    // Hostile text is there, as text.
    assert.ok(report.text.includes(HOSTILE_NAME), 'the hostile file name is missing or altered');
    if (alertShown) {
      assert.ok(report.text.includes(`${FORMULA} ${TAG}`), 'the hostile log line is missing or altered');
    }
    assert.ok(!html.includes('<script'), 'the report holds an unescaped <script');

    await screenshot(page, 'exports-report');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

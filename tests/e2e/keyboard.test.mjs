// Keyboard and text alternatives: with an outbreak loaded and every view drawn, pressing Tab
// through the page reaches every visible control, each control has an accessible name as
// Chromium computes it, and every chart has a label and a table beside it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSameOrigin, screenshot } from './helpers.mjs';
import { openInvestigation, synthOutbreak } from './outbreak.mjs';

/** The elements that take part in keyboard use. */
const CONTROLS = 'button, input:not([type="hidden"]), select, textarea, summary, a[href], [tabindex]:not([tabindex="-1"])';

let outbreak;

before(() => {
  outbreak = synthOutbreak({ seed: 7, scale: 0.02 });
});

after(() => outbreak?.remove());

/** Tab presses per round before the test looks at what has been reached. */
const PRESSES_PER_ROUND = 50;

/**
 * Marks every visible, enabled control in `main` with data-kb (its index) and returns a
 * description of each. Of a group of radio buttons only the first is listed, because Tab
 * enters a group once and the arrow keys move inside it.
 */
async function markControls(page) {
  return page.evaluate((selector) => {
    const radioGroups = new Set();
    const controls = [];
    for (const element of document.querySelectorAll(`main :is(${selector})`)) {
      if (element.disabled || element.closest('[inert]') || !element.checkVisibility({ visibilityProperty: true })) {
        continue;
      }
      if (element.type === 'radio') {
        if (radioGroups.has(element.name)) {
          continue;
        }
        radioGroups.add(element.name);
      }
      element.dataset.kb = String(controls.length);
      const text = (element.textContent || element.value || '').replace(/\s+/g, ' ').trim().slice(0, 40);
      const where = element.closest('section[id], form[id]')?.id ?? 'main';
      const kind = element.type && element.tagName !== 'BUTTON' ? `${element.tagName.toLowerCase()}[type=${element.type}]` : element.tagName.toLowerCase();
      controls.push({
        index: controls.length,
        description: `${kind}${element.id ? `#${element.id}` : ''} "${text}" in #${where}`,
        inInvestigation: Boolean(element.closest('#investigation')),
      });
    }
    return controls;
  }, CONTROLS);
}

/** Records, in the page, the data-kb index of every element that receives focus. */
async function recordFocus(page) {
  await page.evaluate(() => {
    window.focusLog = [];
    document.addEventListener('focusin', (event) => {
      window.focusLog.push(event.target.dataset?.kb ?? `other:${event.target.tagName}`);
    });
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
}

/**
 * Presses Tab until every control has had focus, or until the focus order wraps around to
 * its first stop again; returns the set of indexes reached.
 */
async function tabThrough(page, controlCount) {
  const maxPresses = controlCount * 20 + 200;
  let presses = 0;
  let log = [];
  while (presses < maxPresses) {
    for (let i = 0; i < PRESSES_PER_ROUND; i += 1) {
      await page.keyboard.press('Tab');
    }
    presses += PRESSES_PER_ROUND;
    log = await page.evaluate(() => window.focusLog);
    const reached = new Set(log.filter((entry) => !entry.startsWith('other:')));
    const wrapped = log.length > 1 && log.indexOf(log[0], 1) > 0;
    if (reached.size === controlCount || wrapped) {
      break;
    }
  }
  return new Set(log.filter((entry) => !entry.startsWith('other:')).map(Number));
}

/** Returns Chromium's accessible name and role of every element matching `selector`, by its data-kb or id. */
async function accessibleNames(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Accessibility.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector });
  const result = [];
  for (const nodeId of nodeIds) {
    const { attributes } = await cdp.send('DOM.getAttributes', { nodeId });
    const attrs = {};
    for (let i = 0; i < attributes.length; i += 2) {
      attrs[attributes[i]] = attributes[i + 1];
    }
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const node = nodes[0];
    result.push({ attrs, name: (node?.name?.value ?? '').trim(), role: node?.role?.value ?? '', ignored: Boolean(node?.ignored) });
  }
  await cdp.detach();
  return result;
}

test('Tab reaches every control with a name', { timeout: 300_000 }, async () => {
  const { page, requests, pageErrors, close } = await openInvestigation([outbreak.capture, outbreak.syslog]);
  try {

    const controls = await markControls(page);
    assert.ok(controls.some((control) => control.inInvestigation), 'no control in the investigation to check');

    // Every control receives focus from Tab alone.
    await recordFocus(page);
    const reached = await tabThrough(page, controls.length);
    const missed = controls.filter((control) => !reached.has(control.index)).map((control) => control.description);
    assert.deepEqual(missed, [], 'controls that Tab never reached');

    // Every control has an accessible name (label, aria-label, aria-labelledby or text).
    const names = await accessibleNames(page, '[data-kb]');
    const unnamed = names.filter((entry) => entry.name === '').map((entry) => controls[Number(entry.attrs['data-kb'])].description);
    assert.deepEqual(unnamed, [], 'controls without an accessible name');

    await screenshot(page, 'keyboard');
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('charts have a label and a table', { timeout: 300_000 }, async () => {
  const { page, requests, close } = await openInvestigation([outbreak.capture, outbreak.syslog]);
  try {

    // A chart inside a hidden element is not shown, so it is not in the accessibility tree.
    const charts = await page.$$eval('main canvas.chart', (canvases) => canvases.filter((canvas) => !canvas.closest('[hidden]')).map((canvas, index) => {
      canvas.dataset.chartIndex = String(index);
      const section = canvas.closest('section');
      return {
        description: `canvas${canvas.id ? `#${canvas.id}` : ''} in #${section?.id ?? 'main'}`,
        hasTable: Boolean(section?.querySelector('table')),
      };
    }));
    assert.ok(charts.length > 0, 'no chart on the page');
    const withoutTable = charts.filter((chart) => !chart.hasTable).map((chart) => chart.description);
    assert.deepEqual(withoutTable, [], 'charts whose section has no table with the same numbers');

    // Chromium's role for role="img" is "image"; a canvas without a role or label is ignored or unnamed.
    const names = await accessibleNames(page, 'canvas[data-chart-index]');
    const unlabelled = names.filter((entry) => entry.name === '' || entry.ignored || !['image', 'img'].includes(entry.role))
      .map((entry) => `${charts[Number(entry.attrs['data-chart-index'])].description} (role ${entry.role || 'none'})`);
    assert.deepEqual(unlabelled, [], 'charts without role img and an accessible name');
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

test('export buttons work from the keyboard', { timeout: 300_000 }, async () => {
  const { page, requests, close } = await openInvestigation([outbreak.capture, outbreak.syslog]);
  try {

    // Enter on a focused sort button sorts; Enter on the focused report button downloads.
    await page.focus('#conn-head th[data-key="orig_bytes"] button');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#conn-head th[data-key="orig_bytes"]', 'aria-sort'), 'ascending');

    await page.focus('#report-button');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.match(download.suggestedFilename(), /\.html$/);
    assertSameOrigin(requests);
  } finally {
    await close();
  }
});

// The main thread stays responsive while a 100 MB capture is analysed. The browser's
// long-task observer records every main-thread task over 50 ms, from before the page's
// scripts run until every investigation view has drawn. The test fails on any task over
// 200 ms.
// The numbers go to tests/artifacts/longtasks.json and to the test output.
//
// This is not a speed test: the waits are generous, and only the length of single tasks on
// the main thread is checked, because a long task is what freezes the page for the user.
// NOTE: a task's length is wall time, so other processes competing for the CPU lengthen it.
// On a 2-core machine at a load average above 10, the result's tasks (an estimated 20 ms of
// work each) have measured up to 300 ms, so read a failure together with the load average
// that the test prints.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, assertSameOrigin, openPage, waitForResult } from './helpers.mjs';
import { synthOutbreak, waitForProfile } from './outbreak.mjs';

/** The generator's scale that gives a capture of about 100 MB (101.6 MB for seed 3). */
const SCALE = 1.7;
/** The maximum length of a main-thread task, in milliseconds. */
const MAX_TASK_MS = 200;
/** How long the analysis and the views may take on a slow machine, in milliseconds. */
const LOAD_TIMEOUT_MS = 900_000;

/**
 * Records, from before the page's own scripts run, every long task and every long animation
 * frame with the scripts that ran in it. It also records when the body's data attributes
 * change, which tells in which phase of the run a long task fell.
 */
function observeLongTasks() {
  window.longTasks = [];
  window.longFrames = [];
  window.phases = [];
  new MutationObserver((records) => {
    for (const record of records) {
      window.phases.push({ at: performance.now(), attribute: record.attributeName, value: document.body.getAttribute(record.attributeName) });
    }
  }).observe(document, { subtree: true, attributeFilter: ['data-ready', 'data-connections', 'data-chart', 'data-profile'] });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.longTasks.push({ start: entry.startTime, duration: entry.duration, name: entry.name });
    }
  }).observe({ type: 'longtask', buffered: true });
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.longFrames.push({
          start: entry.startTime,
          duration: entry.duration,
          scripts: entry.scripts.map((script) => ({
            invoker: script.invoker,
            source: `${script.sourceURL}:${script.sourceFunctionName}`,
            duration: script.duration,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }
}

test('no long task while a 100 MB capture loads', { timeout: LOAD_TIMEOUT_MS + 120_000 }, async () => {
  const outbreak = synthOutbreak({ seed: 3, scale: SCALE });
  const captureBytes = statSync(outbreak.capture).size;
  const syslogBytes = statSync(outbreak.syslog).size;
  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.addInitScript(observeLongTasks);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');

    const started = Date.now();
    await page.setInputFiles('#file-input', [outbreak.capture, outbreak.syslog]);
    const connections = await waitForResultWithin(page, LOAD_TIMEOUT_MS);
    const analysedMs = Date.now() - started;
    await waitForProfile(page, LOAD_TIMEOUT_MS);
    const profiledMs = Date.now() - started;
    // Let the last frame's tasks end and reach the observer.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));

    const { tasks, frames, phases } = await page.evaluate(() => ({
      tasks: window.longTasks, frames: window.longFrames, phases: window.phases,
    }));
    const durations = tasks.map((task) => task.duration);
    const summary = {
      date: new Date().toISOString(),
      capture_bytes: captureBytes,
      syslog_bytes: syslogBytes,
      synth: `wormscope synth --seed 3 --scale ${SCALE}`,
      connections,
      analysed_ms: analysedMs,
      views_drawn_ms: profiledMs,
      long_tasks: tasks.length,
      max_ms: durations.length > 0 ? Math.max(...durations) : 0,
      total_ms: durations.reduce((sum, value) => sum + value, 0),
      over_limit: durations.filter((value) => value > MAX_TASK_MS).length,
      limit_ms: MAX_TASK_MS,
      user_agent: await page.evaluate(() => navigator.userAgent),
      // Other processes stretch every task, so the load shows how far to trust a failure.
      load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      tasks,
      phases,
      long_animation_frames: frames.filter((frame) => frame.duration > MAX_TASK_MS),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'longtasks.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`long tasks: ${summary.long_tasks}, max ${summary.max_ms.toFixed(0)} ms, total ${summary.total_ms.toFixed(0)} ms; `
      + `${(captureBytes / 1e6).toFixed(1)} MB capture, ${connections} connections, analysed in ${analysedMs} ms, `
      + `views drawn after ${profiledMs} ms; load average ${summary.load_average.join(' ')}`);

    const over = tasks.filter((task) => task.duration > MAX_TASK_MS)
      .map((task) => `${task.duration.toFixed(0)} ms at ${task.start.toFixed(0)} ms`);
    assert.deepEqual(over, [], `main-thread tasks over ${MAX_TASK_MS} ms (see tests/artifacts/longtasks.json)`);
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
    outbreak.remove();
  }
});

/** Waits for the finished report with a longer limit than helpers.waitForResult's. */
async function waitForResultWithin(page, timeout) {
  await page.waitForSelector('body[data-connections]', { timeout });
  return waitForResult(page);
}

// The main thread stays responsive while a 100 MB capture is analysed: the browser's long-task
// observer records every task over 50 ms on the page's main thread, from before the page's
// scripts run until every investigation view has drawn, and the test fails on any task over
// 200 ms. The numbers go to tests/artifacts/longtasks.json and to the test output.
//
// This is not a speed test: the waits are generous, and only the length of single tasks on
// the main thread is checked, because a long task is what freezes the page for the user.

import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, assertSameOrigin, openPage, waitForResult } from './helpers.mjs';
import { synthOutbreak, waitForProfile } from './outbreak.mjs';

/** The generator's scale that gives a capture of about 100 MB (101.6 MB for seed 3). */
const SCALE = 1.7;
/** The longest main-thread task allowed, in milliseconds. */
const MAX_TASK_MS = 200;
/** How long the analysis and the views may take on a slow machine, in milliseconds. */
const LOAD_TIMEOUT_MS = 900_000;

/**
 * Installed before the page's own scripts: keeps every long task, and every long animation
 * frame with the scripts that ran in it (to tell what a long task was doing).
 */
function observeLongTasks() {
  window.longTasks = [];
  window.longFrames = [];
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

    const { tasks, frames } = await page.evaluate(() => ({ tasks: window.longTasks, frames: window.longFrames }));
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
      tasks,
      long_animation_frames: frames.filter((frame) => frame.duration > MAX_TASK_MS),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'longtasks.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`long tasks: ${summary.long_tasks}, max ${summary.max_ms.toFixed(0)} ms, total ${summary.total_ms.toFixed(0)} ms; `
      + `${(captureBytes / 1e6).toFixed(1)} MB capture, ${connections} connections, analysed in ${analysedMs} ms, `
      + `views drawn after ${profiledMs} ms`);

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

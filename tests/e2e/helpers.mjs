// Shared set-up for the end-to-end tests: the served page, a fresh headless Chromium, the
// request log that proves nothing leaves the page's origin, and the CLI as the reference.
//
// `cargo xtask test` serves the release build on 127.0.0.1 and sets WORMSCOPE_URL and
// WORMSCOPE_CLI. Run by hand: `cargo xtask serve --port 8080` in one shell, then
// `WORMSCOPE_URL=http://127.0.0.1:8080/ node --test tests/e2e/` in another.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared corpus of real captures, next to the repository. */
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
/** Where screenshots are kept. */
export const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
/** How long to wait for an analysis of a small capture, in milliseconds. */
export const RESULT_TIMEOUT_MS = 60_000;

/** Returns the page URL, or fails with the way to set it. */
export function baseUrl() {
  const url = process.env.WORMSCOPE_URL;
  assert.ok(url, 'WORMSCOPE_URL is not set: run `cargo xtask test`, or serve www/ and set it');
  return url;
}

/** Returns the release CLI path: WORMSCOPE_CLI, else $CARGO_TARGET_DIR or ./target. */
export function cliPath() {
  if (process.env.WORMSCOPE_CLI) {
    return process.env.WORMSCOPE_CLI;
  }
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
  return path.join(target, 'release/wormscope');
}

/** Counts the connection lines that `wormscope conn [OPTIONS] FILE` prints (lines not starting with #). */
export function cliConnectionCount(file, options = []) {
  const output = execFileSync(cliPath(), ['conn', ...options, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return output.split('\n').filter((line) => line.length > 0 && !line.startsWith('#')).length;
}

/**
 * Launches Chromium with a fresh profile and opens the page. Records every request, and in
 * pageErrors every uncaught exception and console error.
 */
export async function openPage() {
  const profile = mkdtempSync(path.join(tmpdir(), 'wormscope-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Containers often have a small /dev/shm, which crashes Chromium's renderer.
      '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 1000 },
  });
  const requests = [];
  const pageErrors = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Console errors include Content-Security-Policy violations and failed loads (404s).
  page.on('console', (message) => {
    if (message.type() === 'error') {
      pageErrors.push(message.text());
    }
  });
  await page.goto(baseUrl());
  await page.waitForSelector('body[data-ready="true"]');

  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, requests, pageErrors, close };
}

/** Fails if any recorded request went to another origin (data: URLs never leave the page). */
export function assertSameOrigin(requests) {
  const origin = new URL(baseUrl()).origin;
  assert.ok(requests.length > 0, 'no requests were recorded, so the check would prove nothing');
  const foreign = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  assert.deepEqual(foreign, [], `requests left ${origin}`);
}

/** Waits until the page shows a finished report and returns its connection count. */
export async function waitForResult(page) {
  await page.waitForSelector('body[data-connections]', { timeout: RESULT_TIMEOUT_MS });
  return Number(await page.getAttribute('body', 'data-connections'));
}

/** Saves a full-page screenshot under tests/artifacts/. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Reads back the chart canvas and returns {ink, bars}: non-white pixels, and pixels in the
 * packet bars' colour (rgb 46,109,164, set in crates/web/src/chart.rs), over the whole canvas.
 */
export async function chartPixels(page) {
  await page.waitForSelector('body[data-chart="drawn"]', { timeout: RESULT_TIMEOUT_MS });
  return page.evaluate(() => {
    const canvas = document.getElementById('activity-chart');
    const context = canvas.getContext('2d');
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    let bars = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 250 || g < 250 || b < 250) {
        ink += 1;
      }
      if (Math.abs(r - 46) < 8 && Math.abs(g - 109) < 8 && Math.abs(b - 164) < 8) {
        bars += 1;
      }
    }
    return { ink, bars };
  });
}

/** Returns the text of the totals entry with this data-count key (e.g. "connections"). */
export async function totalCount(page, key) {
  return page.textContent(`#totals dd[data-count="${key}"]`);
}

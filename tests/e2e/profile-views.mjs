// Shared steps of the host view tests (activity, in/out, drop-off). They generate an outbreak,
// run the CLI's profile of the same files as the reference, load files into the page, wait
// for the views to draw a new filter state, and read a table's cells.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, RESULT_TIMEOUT_MS, waitForResult } from './helpers.mjs';

/** How long to wait for the views to draw one filter state, in milliseconds. */
const PROFILE_TIMEOUT_MS = 60_000;

/**
 * Writes a generated worm outbreak (seed 7, scale 0.02) into a temporary folder and returns
 * its files, truth.json and a function that deletes the folder.
 */
export function makeOutbreak() {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-views-'));
  execFileSync(cliPath(), ['synth', '--seed', '7', '--scale', '0.02', '--out', dir], { encoding: 'utf8' });
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const files = [path.join(dir, 'capture.pcapng'), path.join(dir, 'syslog.log')];
  return { dir, files, truth, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `wormscope profile HOST --format json` on the files and returns the document.
 * `options` may hold port, from, to (seconds), types (array) and localNets (list text).
 */
export function cliProfile(host, files, options = {}) {
  const args = ['profile', host, '--format', 'json'];
  if (options.port !== undefined) {
    args.push('--port', String(options.port));
  }
  if (options.from !== undefined) {
    args.push('--from', String(options.from));
  }
  if (options.to !== undefined) {
    args.push('--to', String(options.to));
  }
  if (options.types !== undefined) {
    args.push('--types', options.types.join(','));
  }
  if (options.localNets !== undefined) {
    args.push('--local-nets', options.localNets);
  }
  const output = execFileSync(cliPath(), [...args, ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(output);
}

/** Loads files through the file input and waits until every view has drawn the first profile. */
export async function loadFiles(page, files) {
  await page.setInputFiles('#file-input', files);
  await waitForResult(page);
  await page.waitForSelector('body[data-profile="ready"][data-profile-state*="host="]', { timeout: RESULT_TIMEOUT_MS });
  return readHash(page);
}

/** Returns the page's filter state from location.hash, as URLSearchParams. */
export async function readHash(page) {
  return new URLSearchParams((await page.evaluate(() => window.location.hash)).replace(/^#/, ''));
}

/**
 * Runs `action`, then waits until the views have drawn a state other than the one before
 * and returns that state (URLSearchParams). Fails when the state does not change.
 */
export async function changeState(page, action) {
  const before = await page.getAttribute('body', 'data-profile-state');
  await action();
  await page.waitForFunction(
    (previous) => document.body.dataset.profile === 'ready'
      && document.body.dataset.profileState === window.location.hash
      && document.body.dataset.profileState !== previous,
    before,
    { timeout: PROFILE_TIMEOUT_MS },
  );
  return readHash(page);
}

/** Returns the text of every body cell of a table, row by row. */
export async function tableCells(page, tableSelector) {
  return page.$$eval(`${tableSelector} tbody tr`, (rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
}

/** Returns the text of every header cell of a table. */
export async function headerCells(page, tableSelector) {
  return page.$$eval(`${tableSelector} thead th`, (cells) => cells.map((cell) => cell.textContent));
}

/** Counts a canvas's pixels of exactly each [r, g, b] colour. */
export async function countPixels(page, canvasSelector, colours) {
  return page.$eval(canvasSelector, (canvas, targets) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const counts = targets.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      targets.forEach(([r, g, b], index) => {
        if (data[i] === r && data[i + 1] === g && data[i + 2] === b) {
          counts[index] += 1;
        }
      });
    }
    return counts;
  }, colours);
}

/** Fails unless the page raised no error and no console error. */
export function assertNoPageErrors(pageErrors) {
  assert.deepEqual(pageErrors, [], 'the page raised errors');
}

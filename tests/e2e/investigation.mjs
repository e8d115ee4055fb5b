// Set-up shared by the findings, hosts and event table tests: the demo files, the CLI's JSON
// for the same files, and waits for the investigation views. Not a test file itself.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cliPath } from './helpers.mjs';

/** The demo files, in the order the page reads them (captures first). */
export const DEMO_FILES = ['capture.pcapng', 'syslog.log'].map((name) => path.join(ROOT, 'www/demo', name));

/** Reads the generator's truth for the demo (it names the infected host). */
export function demoTruth() {
  return JSON.parse(readFileSync(path.join(ROOT, 'www/demo/truth.json'), 'utf8'));
}

/** Runs the CLI and returns its standard output. */
export function cli(args) {
  return execFileSync(cliPath(), args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Runs the CLI and parses its JSON output. */
export function cliJson(args) {
  return JSON.parse(cli(args));
}

/** Runs `wormscope events --format jsonl` and returns the events. */
export function cliEvents(files, options = []) {
  return cli(['events', '--format', 'jsonl', ...options, ...files])
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

/** Clicks "Load demo" and waits until every view has drawn the first profile. */
export async function loadDemo(page) {
  await page.click('#demo-button');
  await waitForProfile(page);
}

/** Waits until the views have drawn the profile of the current filter state. */
export async function waitForProfile(page) {
  await page.waitForFunction(() => document.body.dataset.profile === 'ready'
    && document.body.dataset.profileState === window.location.hash, null, { timeout: 120_000 });
}

/**
 * Runs `action` (a change of the event table's own controls) and waits until the table has
 * loaded the page it asked for.
 */
export async function afterEventsLoad(page, action) {
  await page.evaluate(() => delete document.getElementById('events-view').dataset.events);
  await action();
  await page.waitForSelector('#events-view[data-events="ready"]');
}

/** Returns the event table's matched count, as the page shows it in data-matched. */
export async function matchedEvents(page) {
  return Number(await page.getAttribute('#events-view', 'data-matched'));
}

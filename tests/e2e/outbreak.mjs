// Set-up shared by the investigation's end-to-end tests (exports, keyboard, URL fragment,
// long tasks): a generated worm outbreak in a temporary folder, and a wait for the views.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, openPage, waitForResult } from './helpers.mjs';

/** How long to wait for the investigation views of a small capture, in milliseconds. */
export const PROFILE_TIMEOUT_MS = 120_000;

/**
 * Writes a generated outbreak (`wormscope synth`) into a new temporary folder. Returns the
 * folder (with truth.json), the capture and syslog paths, and a function that deletes it.
 */
export function synthOutbreak({ seed = 7, scale = 0.02 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-outbreak-'));
  execFileSync(cliPath(), ['synth', '--seed', String(seed), '--out', dir, '--scale', String(scale)]);
  return {
    dir,
    capture: path.join(dir, 'capture.pcapng'),
    syslog: path.join(dir, 'syslog.log'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Waits until every view has drawn the profile of the current filter state: body has
 * data-profile="ready" and data-profile-state equals the fragment.
 */
export async function waitForProfile(page, timeout = PROFILE_TIMEOUT_MS) {
  await page.waitForFunction(() => document.body.dataset.profile === 'ready'
    && document.body.dataset.profileState === window.location.hash, null, { timeout });
}

/**
 * Opens the page, loads `files` through the file input and waits until the activity chart
 * and every view have drawn.
 */
export async function openInvestigation(files) {
  const opened = await openPage();
  await opened.page.setInputFiles('#file-input', files);
  await waitForResult(opened.page);
  await opened.page.waitForSelector('body[data-chart="drawn"]', { timeout: PROFILE_TIMEOUT_MS });
  await waitForProfile(opened.page);
  return opened;
}

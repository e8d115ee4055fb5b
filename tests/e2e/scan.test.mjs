// A SYN scan of 100,000 targets: the page takes 100,000 connections, shows one page of rows,
// sorts them and pages to the end, and its count matches the CLI's.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assertSameOrigin, cliConnectionCount, openPage, waitForResult } from './helpers.mjs';

/** Number of SYN packets, each to its own responder address and port. */
const TARGETS = 100_000;
/** Bytes of one Ethernet + IPv4 + TCP SYN frame without options. */
const FRAME_BYTES = 54;

/** Returns the ones' complement sum of 16-bit words (RFC 1071), folded to 16 bits. */
function checksum(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** Builds one SYN frame from 10.0.0.1 to 10.(1 + i / 65536).(i / 256 % 256).(i % 256). */
function synFrame(i) {
  const frame = Buffer.alloc(FRAME_BYTES);
  frame.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  frame.writeUInt16BE(0x0800, 12);

  const ip = frame.subarray(14, 34);
  ip.set([0x45, 0, 0, 40]);
  ip.writeUInt16BE(i & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6);
  ip.set([64, 6], 8);
  ip.set([10, 0, 0, 1], 12);
  ip.set([10, 1 + (i >>> 16), (i >>> 8) & 0xff, i & 0xff], 16);
  ip.writeUInt16BE(checksum(ip), 10);

  const tcp = frame.subarray(34, 54);
  tcp.writeUInt16BE(40_000 + (i % 20_000), 0);
  tcp.writeUInt16BE(1 + (i % 1024), 2);
  tcp.writeUInt32BE(i, 4);
  tcp.set([0x50, 0x02], 12);
  tcp.writeUInt16BE(1024, 14);
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, 0, 20]), tcp]);
  tcp.writeUInt16BE(checksum(pseudo), 16);
  return frame;
}

/** Writes a little-endian microsecond pcap with one SYN per millisecond. */
function writeScan(file) {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20);
  const parts = [header];
  for (let i = 0; i < TARGETS; i += 1) {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    record.writeUInt32LE((i % 1000) * 1000, 4);
    record.writeUInt32LE(FRAME_BYTES, 8);
    record.writeUInt32LE(FRAME_BYTES, 12);
    parts.push(record, synFrame(i));
  }
  writeFileSync(file, Buffer.concat(parts));
}

test('scan of 100000 targets pages and sorts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wormscope-scan-'));
  const file = path.join(dir, 'scan.pcap');
  writeScan(file);
  const expected = cliConnectionCount(file);
  assert.equal(expected, TARGETS, 'the CLI does not see one connection per SYN');

  const { page, requests, pageErrors, close } = await openPage();
  try {
    await page.setInputFiles('#file-input', file);
    assert.equal(await waitForResult(page), expected);
    assert.equal(await page.locator('#conn-body tr').count(), 100, 'rows on the first page');

    // Sort by responder port, descending: the first row then has the highest port, 1024.
    const button = page.locator('#conn-head th[data-key="resp_p"] button');
    await button.click();
    await button.click();
    assert.equal(await page.textContent('#conn-body tr td:nth-child(6)'), '1024');

    // At 500 rows per page, three turns reach page 4 of 200.
    await page.selectOption('#page-size', '500');
    for (let turn = 0; turn < 3; turn += 1) {
      await page.click('#next-page');
    }
    assert.match(await page.textContent('#page-info'), /^Page 4 of 200 /);
    assert.deepEqual(pageErrors, []);
    assertSameOrigin(requests);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Helpers shared by the never-before-seen, port, /8 and alert-chain views: table rows built
// with textContent, a pager for long tables, time and duration formatting, canvas sizing and
// the wasm module on the main thread.
//
// The formatting functions touch no DOM, so the end-to-end tests import them to format the
// CLI's numbers exactly as the page does.

import { formatUtc } from '../table.js';

/** Nanoseconds in one second. */
const NANOS_PER_SECOND = 1e9;

/** Formats epoch nanoseconds (as JSON.parse reads them) as an ISO 8601 UTC time. */
export function formatNanos(nanos) {
  return nanos === null || nanos === undefined ? '-' : formatUtc(nanos / NANOS_PER_SECOND);
}

/** Largest units first: name and length in nanoseconds. */
const UNITS = [
  ['d', 86_400e9],
  ['h', 3_600e9],
  ['min', 60e9],
  ['s', 1e9],
];

/**
 * Formats a duration in nanoseconds for people: the two largest whole units from a minute on
 * ("2 h 5 min", "3 d 0 h"), seconds with up to three decimals below a minute ("12.5 s"), and
 * milliseconds or microseconds below a second. Null (no previous alert) gives '-'.
 */
export function formatDuration(nanos) {
  if (nanos === null || nanos === undefined) {
    return '-';
  }
  const sign = nanos < 0 ? '-' : '';
  const size = Math.abs(nanos);
  if (size < 1e6) {
    return `${sign}${trimDecimals(size / 1e3)} µs`;
  }
  if (size < 1e9) {
    return `${sign}${trimDecimals(size / 1e6)} ms`;
  }
  if (size < 60e9) {
    return `${sign}${trimDecimals(size / 1e9)} s`;
  }
  const index = UNITS.findIndex(([, length]) => size >= length);
  const [bigName, bigLength] = UNITS[index];
  const [smallName, smallLength] = UNITS[index + 1];
  const big = Math.floor(size / bigLength);
  const small = Math.floor((size - big * bigLength) / smallLength);
  return `${sign}${big} ${bigName} ${small} ${smallName}`;
}

/** Writes a number with at most three decimals and no trailing zeros. */
function trimDecimals(value) {
  return String(Number(value.toFixed(3)));
}

/** Formats a count with thousands separators that do not depend on the browser's locale. */
export function formatInteger(value) {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Builds a cell; `numeric` right-aligns it. The text always goes in as textContent. */
export function makeCell(text, { numeric = false, header = false } = {}) {
  const cell = document.createElement(header ? 'th' : 'td');
  if (header) {
    cell.scope = 'row';
  }
  cell.textContent = text;
  if (numeric) {
    cell.className = 'number';
  }
  return cell;
}

/** Builds a header row of `th scope="col"` cells from texts. */
export function makeHeaderRow(labels) {
  const row = document.createElement('tr');
  for (const label of labels) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    row.append(th);
  }
  return row;
}

/**
 * Shows a long list one page at a time: `build(item, index)` makes the row of one item, and
 * the pager's buttons and text go in `controls` (an element of the view).
 */
export class Pager {
  /** Keeps the table body and builds Previous and Next buttons with a page label. */
  constructor(body, controls, pageSize, label) {
    this.body = body;
    this.pageSize = pageSize;
    this.items = [];
    this.build = () => document.createElement('tr');
    this.page = 0;
    this.previous = button('Previous page', () => this.turn(-1));
    this.next = button('Next page', () => this.turn(1));
    this.info = document.createElement('span');
    this.info.setAttribute('aria-live', 'polite');
    this.label = label;
    controls.classList.add('pager');
    controls.replaceChildren(this.previous, this.info, this.next);
  }

  /** Replaces the items and shows page `page` (default the first). */
  show(items, build, page = 0) {
    this.items = items;
    this.build = build;
    this.page = Math.min(Math.max(page, 0), this.pageCount() - 1);
    this.render();
  }

  /** Returns the number of pages, at least one. */
  pageCount() {
    return Math.max(1, Math.ceil(this.items.length / this.pageSize));
  }

  /** Moves by `delta` pages, staying in range. */
  turn(delta) {
    this.page = Math.min(Math.max(this.page + delta, 0), this.pageCount() - 1);
    this.render();
  }

  /** Builds the rows of the current page. */
  render() {
    const start = this.page * this.pageSize;
    const end = Math.min(start + this.pageSize, this.items.length);
    const rows = [];
    for (let index = start; index < end; index += 1) {
      rows.push(this.build(this.items[index], index));
    }
    this.body.replaceChildren(...rows);
    const shown = this.items.length === 0 ? `no ${this.label}` : `${this.label} ${start + 1}–${end} of ${this.items.length}`;
    this.info.textContent = `Page ${this.page + 1} of ${this.pageCount()} (${shown})`;
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= this.pageCount() - 1;
    this.previous.parentElement.hidden = this.pageCount() === 1;
  }
}

/** Builds a button with a text and a click handler. */
export function button(text, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

/** Sizes a canvas to its CSS box in device pixels; returns false when it has no box (hidden). */
export function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) {
    return false;
  }
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  return true;
}

/** Calls `redraw` once the window size has settled after a resize. */
export function onResize(redraw) {
  let timer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(redraw, 150);
  });
}

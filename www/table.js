// The connection table: sortable by any column, one page of rows in the DOM at a time.
//
// Connections arrive in column form ({length, ts, uid, ...}) as the worker packs them: a
// number or flag column is a typed array, a text column is {text, offsets} (see
// columnValue). Sorting reorders an index array, never the columns, and only the rows of the
// current page are built, so 100,000 connections cost one sort plus a page of DOM nodes.
// Every cell is set with textContent: addresses, services and histories come from packets
// and may be hostile.

/** Columns shown, in order: key in the report, header text, kind for formatting and sorting. */
const COLUMNS = [
  { key: 'ts', label: 'ts (UTC)', kind: 'time' },
  { key: 'uid', label: 'uid', kind: 'text' },
  { key: 'orig_h', label: 'orig_h', kind: 'address' },
  { key: 'orig_p', label: 'orig_p', kind: 'number' },
  { key: 'resp_h', label: 'resp_h', kind: 'address' },
  { key: 'resp_p', label: 'resp_p', kind: 'number' },
  { key: 'proto', label: 'proto', kind: 'text' },
  { key: 'service', label: 'service', kind: 'text' },
  { key: 'duration', label: 'duration (s)', kind: 'seconds' },
  { key: 'orig_bytes', label: 'orig_bytes', kind: 'number' },
  { key: 'resp_bytes', label: 'resp_bytes', kind: 'number' },
  { key: 'conn_state', label: 'conn_state', kind: 'text' },
  { key: 'local_orig', label: 'local_orig', kind: 'flag' },
  { key: 'local_resp', label: 'local_resp', kind: 'flag' },
  { key: 'missed_bytes', label: 'missed_bytes', kind: 'number' },
  { key: 'history', label: 'history', kind: 'text' },
  { key: 'orig_pkts', label: 'orig_pkts', kind: 'number' },
  { key: 'resp_pkts', label: 'resp_pkts', kind: 'number' },
  { key: 'file_index', label: 'file', kind: 'file' },
];

const NUMERIC_KINDS = new Set(['time', 'number', 'seconds', 'flag', 'file']);

/** A paged, sortable view over connection columns. */
export class ConnectionTable {
  /** Keeps the table's elements; call setData to fill it. */
  constructor(elements) {
    this.head = elements.head;
    this.body = elements.body;
    this.pageInfo = elements.pageInfo;
    this.prevButton = elements.prevButton;
    this.nextButton = elements.nextButton;
    this.pageSize = 100;
    this.setData({ length: 0 }, []);
    this.buildHeader();
  }

  /** Replaces the connections and the file names (for the file column), unsorted, page 1. */
  setData(columns, fileNames) {
    this.columns = columns;
    this.fileNames = fileNames;
    // A plain loop: Uint32Array.from with a mapping callback took about 12 ms for 180,000
    // rows (Chromium 156 CPU profile, 2-core virtual machine), all in the result's task.
    this.order = new Uint32Array(columns.length);
    for (let i = 0; i < columns.length; i += 1) {
      this.order[i] = i;
    }
    this.sortKey = null;
    this.descending = false;
    this.page = 0;
    this.updateSortMarks();
  }

  /** Builds one sort button per column header. */
  buildHeader() {
    const cells = COLUMNS.map((column) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset.key = column.key;
      th.setAttribute('aria-sort', 'none');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = column.label;
      button.addEventListener('click', () => this.sortBy(column.key));
      th.append(button);
      return th;
    });
    this.head.replaceChildren(...cells);
  }

  /** Sorts by a column; a second click on the same column reverses the order. */
  sortBy(key) {
    this.descending = this.sortKey === key ? !this.descending : false;
    this.sortKey = key;
    const column = COLUMNS.find((c) => c.key === key);
    const keys = sortKeys(columnValues(this.columns[key], this.columns.length), column.kind);
    const direction = this.descending ? -1 : 1;
    this.order.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      if (x < y) {
        return -direction;
      }
      if (x > y) {
        return direction;
      }
      return a - b;
    });
    this.page = 0;
    this.updateSortMarks();
    this.render();
  }

  /** Sets aria-sort on the headers to the current order. */
  updateSortMarks() {
    if (!this.head) {
      return;
    }
    for (const th of this.head.children) {
      let state = 'none';
      if (th.dataset.key === this.sortKey) {
        state = this.descending ? 'descending' : 'ascending';
      }
      th.setAttribute('aria-sort', state);
    }
  }

  /** Moves by a number of pages, staying in range. */
  turnPage(delta) {
    this.page = Math.min(Math.max(this.page + delta, 0), this.pageCount() - 1);
    this.render();
  }

  /** Sets the rows per page and returns to page 1. */
  setPageSize(size) {
    this.pageSize = size;
    this.page = 0;
    this.render();
  }

  /** Returns the number of pages, at least one. */
  pageCount() {
    return Math.max(1, Math.ceil(this.columns.length / this.pageSize));
  }

  /** Builds the rows of the current page. */
  render() {
    const start = this.page * this.pageSize;
    const end = Math.min(start + this.pageSize, this.columns.length);
    const rows = [];
    for (let position = start; position < end; position += 1) {
      rows.push(this.buildRow(this.order[position]));
    }
    this.body.replaceChildren(...rows);
    const shown = this.columns.length === 0 ? 'no connections' : `rows ${start + 1}–${end} of ${this.columns.length}`;
    this.pageInfo.textContent = `Page ${this.page + 1} of ${this.pageCount()} (${shown})`;
    this.prevButton.disabled = this.page === 0;
    this.nextButton.disabled = this.page >= this.pageCount() - 1;
  }

  /** Builds one row with textContent cells. */
  buildRow(index) {
    const tr = document.createElement('tr');
    const texts = this.cellTexts(index);
    COLUMNS.forEach((column, i) => {
      const td = document.createElement('td');
      td.textContent = texts[i];
      if (NUMERIC_KINDS.has(column.kind) && column.kind !== 'time') {
        td.className = 'number';
      }
      tr.append(td);
    });
    return tr;
  }

  /** Returns the cells of the connection at `index` as the table shows them. */
  cellTexts(index) {
    return COLUMNS.map((column) => formatCell(columnValue(this.columns[column.key], index), column.kind, this.fileNames));
  }

  /**
   * Returns every connection for an export, in the table's current order and not only the
   * page on screen: {header, rowCount, row(position)}, each row as the table shows it.
   */
  exportSource() {
    return {
      header: COLUMNS.map((column) => column.label),
      rowCount: this.columns.length,
      row: (position) => this.cellTexts(this.order[position]),
    };
  }
}

/** Returns value `index` of a column: an array, a typed array or packed text {text, offsets}. */
function columnValue(column, index) {
  if (!column) {
    return undefined;
  }
  if (column.offsets) {
    return column.text.slice(column.offsets[index], column.offsets[index + 1]);
  }
  return column[index];
}

/** Returns every value of a column as an indexable list (text is unpacked, for sorting). */
function columnValues(column, length) {
  if (!column) {
    return [];
  }
  if (column.offsets) {
    return Array.from({ length }, (_, index) => columnValue(column, index));
  }
  return column;
}

/** Formats one cell the way Zeek's conn.log would show it ('-' for unset). */
function formatCell(value, kind, fileNames) {
  if (value === undefined || value === null || value === '') {
    return '-';
  }
  switch (kind) {
    case 'time':
      return formatUtc(value);
    case 'seconds':
      return value.toFixed(6);
    case 'flag':
      return value ? 'T' : 'F';
    case 'file':
      return fileNames[value] ?? String(value);
    default:
      return String(value);
  }
}

/** Largest time a JavaScript Date holds, in milliseconds from the epoch either way. */
const MAX_DATE_MILLIS = 8.64e15;

/** Returns a count with its noun, singular for 1 ("1 host", "2 hosts", "1 entry" with plural "entries"). */
export function countNoun(count, singular, plural = `${singular}s`) {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Formats epoch seconds as an ISO 8601 UTC time with microseconds, or as plain seconds outside Date's range. */
export function formatUtc(secs) {
  const millis = Math.floor(secs * 1000);
  if (!Number.isFinite(millis) || Math.abs(millis) > MAX_DATE_MILLIS) {
    return `${secs} s`;
  }
  const iso = new Date(millis).toISOString();
  const micros = Math.round((secs - Math.floor(secs)) * 1e6) % 1e6;
  return `${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}`;
}

/** Returns comparable keys for a column: numbers as they are, IPv4 addresses zero-padded. */
function sortKeys(values, kind) {
  if (kind !== 'address') {
    return values;
  }
  return values.map((address) => {
    const octets = address.split('.');
    if (octets.length !== 4) {
      return `1${address}`;
    }
    return `0${octets.map((octet) => octet.padStart(3, '0')).join('.')}`;
  });
}

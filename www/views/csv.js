// CSV from page tables, as RFC 4180 has it: CRLF line ends, a field with a comma, a quote or
// a line break is quoted, and quotes inside it are doubled.
//
// Cells come from log lines and packets, so they are hostile. A cell that starts with =, +,
// -, @, a tab or a carriage return gets a leading apostrophe, so that a spreadsheet shows it
// as text instead of running it as a formula (CSV formula injection). Plain numbers such as
// -3 or +0.5 are left as they are, because no spreadsheet runs them.

/**
 * Returns a table's rows (header rows first, as the table orders them) as arrays of cell text.
 * Cells marked data-export="skip" (columns of action buttons such as "Investigate") are left
 * out, so a button's label never becomes data.
 */
export function tableRows(table) {
  const rows = [];
  for (const tr of table.rows) {
    const cells = [];
    for (const cell of tr.cells) {
      if (cell.dataset.export === 'skip') {
        continue;
      }
      cells.push(cellText(cell));
      // Keep later columns aligned under a cell that spans several.
      for (let extra = 1; extra < cell.colSpan; extra += 1) {
        cells.push('');
      }
    }
    rows.push(cells);
  }
  return rows;
}

/** Returns a cell's text with runs of white space made one space. */
export function cellText(cell) {
  return cell.textContent.replace(/\s+/g, ' ').trim();
}

/** Formats rows as RFC 4180 CSV, every line ending in CRLF, cells guarded against formulas. */
export function toCsv(rows) {
  return rows.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}

/** Characters that make a spreadsheet read a cell as a formula when they start it. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number, which no spreadsheet runs as a formula. */
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Quotes one field when needed, after prefixing an apostrophe to a would-be formula. */
export function csvField(value) {
  let text = String(value ?? '');
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) {
    text = `'${text}`;
  }
  if (/[",\r\n]/.test(text)) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

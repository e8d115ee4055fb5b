// wormscope's analysis worker: reads the dropped files slice by slice and feeds the wasm core.
//
// Messages in:  {type: 'analyse', files: [File], settings: {local_nets, ignore_checksums}}
//               {type: 'cancel'}  (stops the run before the next slice)
//               {type: 'query', id, method, args}  (a question about the finished run)
// Messages out: {type: 'progress', file, done, total}  (file name; bytes over all files)
//               {type: 'result', files, counts, connections, activity}  (connections packed:
//                 see packColumns)
//               {type: 'cancelled'}
//               {type: 'error', message}  (the run could not start, e.g. invalid settings)
//               {type: 'answer', id, value} or {type: 'answer', id, error}
//
// The finished analysis stays here, so the page's views can ask it questions (QUERY_METHODS)
// without the events and connections ever being copied to the page whole. A new run frees it.
//
// Captures are read before logs, whatever the order the files came in (see capturesFirst).
// A file is never read whole: each slice of SLICE_BYTES is read, pushed and dropped, so a
// multi-gigabyte capture needs only one slice of memory here plus the core's state.

import init, { Analysis } from './pkg/wormscope_web.js';

/** Bytes read from a file per step. */
const SLICE_BYTES = 4 * 1024 * 1024;

/**
 * The methods of a finished Analysis that the page may call with one argument. Each returns
 * JSON text or a plain value (see crates/web/src/investigation.rs and views/).
 */
const QUERY_METHODS = new Set([
  'findings_json', // crates/web/src/investigation.rs: the detection result
  'profile_json', // crates/web/src/investigation.rs: every view's numbers for one host
  'events_json', // views/events.rs: one page of the event table
  'local_nets', // views/inout.rs: the run's local networks
]);

const ready = init();
let cancelRequested = false;
let running = false;
/** The last finished Analysis, kept for questions until the next run starts. */
let finished = null;

self.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'cancel') {
    cancelRequested = true;
  } else if (message.type === 'analyse') {
    startRun(message.files, message.settings);
  } else if (message.type === 'query') {
    answer(message.id, message.method, message.args);
  }
});

/** Answers one question about the finished run; errors go back as text, never thrown. */
function answer(id, method, args) {
  try {
    if (!QUERY_METHODS.has(method)) {
      throw new Error(`unknown question '${method}'`);
    }
    if (!finished) {
      throw new Error('no finished analysis to ask; load files first');
    }
    const value = args === undefined ? finished[method]() : finished[method](args);
    self.postMessage({ type: 'answer', id, value });
  } catch (error) {
    self.postMessage({ type: 'answer', id, error: String(error && error.message ? error.message : error) });
  }
}

/** Runs one analysis unless one is running, and reports any failure to start it. */
async function startRun(files, settings) {
  if (running) {
    self.postMessage({ type: 'error', message: 'an analysis is already running; cancel it first' });
    return;
  }
  running = true;
  cancelRequested = false;
  if (finished) {
    finished.free();
    finished = null;
  }
  try {
    await ready;
    await analyse(files, settings);
  } catch (error) {
    self.postMessage({ type: 'error', message: String(error && error.message ? error.message : error) });
  } finally {
    running = false;
  }
}

/** Reads every file into one analysis and posts the report, or 'cancelled'. */
async function analyse(files, settings) {
  const analysis = new Analysis(settings);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  let retained = false;
  try {
    for (const file of await capturesFirst(files)) {
      const index = analysis.begin_file(file.name, file.size);
      analysis.set_file_modified(index, file.lastModified);
      const complete = await readFile(analysis, index, file, (bytes) => {
        done += bytes;
        self.postMessage({ type: 'progress', file: file.name, done, total });
      });
      if (!complete) {
        self.postMessage({ type: 'cancelled' });
        return;
      }
    }
    const report = analysis.finish();
    finished = analysis;
    retained = true;
    const transfer = [];
    report.connections = packColumns(report.connections, transfer);
    self.postMessage({ type: 'result', ...report }, transfer);
  } finally {
    if (!retained) {
      analysis.free();
    }
  }
}

/**
 * Repacks the connection columns for a cheap postMessage: numbers and flags go into typed
 * arrays, which are transferred, and each text column becomes one string plus a Uint32Array
 * of offsets ({text, offsets}; value i is text.slice(offsets[i], offsets[i + 1])). The page
 * then clones a few large values instead of millions of small ones: with 180,000
 * connections, cloning the plain arrays held the page's main thread for over 200 ms.
 * Adds the typed arrays' buffers to `transfer`.
 */
function packColumns(columns, transfer) {
  const packed = { length: columns.length };
  for (const [key, values] of Object.entries(columns)) {
    if (!Array.isArray(values)) {
      continue;
    }
    let column;
    if (values.some((value) => typeof value === 'string')) {
      column = packStrings(values);
      transfer.push(column.offsets.buffer);
    } else if (values.some((value) => typeof value === 'boolean')) {
      column = Uint8Array.from(values, (value) => (value ? 1 : 0));
      transfer.push(column.buffer);
    } else {
      column = Float64Array.from(values);
      transfer.push(column.buffer);
    }
    packed[key] = column;
  }
  return packed;
}

/** Joins strings into one, with the offset where each starts and one final end offset. */
function packStrings(values) {
  const offsets = new Uint32Array(values.length + 1);
  let end = 0;
  values.forEach((value, i) => {
    offsets[i] = end;
    end += value.length;
  });
  offsets[values.length] = end;
  return { text: values.join(''), offsets };
}

/** Magic numbers of pcap (both byte orders, micro- and nanosecond) and pcapng, read big-endian. */
const CAPTURE_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

/**
 * Returns the files with captures first, otherwise in the given order. The core dates
 * year-less syslog lines from the captures read before them, so captures must come first.
 */
async function capturesFirst(files) {
  const isCapture = await Promise.all(files.map(async (file) => {
    const head = new DataView(await file.slice(0, 4).arrayBuffer());
    return head.byteLength === 4 && CAPTURE_MAGICS.has(head.getUint32(0));
  }));
  const captures = files.filter((_, i) => isCapture[i]);
  const others = files.filter((_, i) => !isCapture[i]);
  return [...captures, ...others];
}

/** Pushes one file slice by slice; returns false if cancelled. A file error stops only that file. */
async function readFile(analysis, index, file, onProgress) {
  let failed = false;
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES) {
    if (cancelRequested) {
      return false;
    }
    const end = Math.min(offset + SLICE_BYTES, file.size);
    const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
    if (!failed) {
      failed = !pushChunk(() => analysis.push(index, chunk));
    }
    onProgress(end - offset);
    if (failed) {
      onProgress(file.size - end);
      break;
    }
  }
  if (cancelRequested) {
    return false;
  }
  if (!failed) {
    pushChunk(() => analysis.end_file(index));
  }
  return true;
}

/** Calls into the analysis; returns false when the file turned out unreadable. */
function pushChunk(call) {
  try {
    call();
    return true;
  } catch (_error) {
    // The analysis keeps the error (file, byte offset, message) in the file's report.
    return false;
  }
}

// The one filter state every investigation view follows, and its copy in the URL fragment.
//
// The fragment records the state and never any data: reloading the page with the same files
// restores the view. Keys (all optional):
//   host   the host under investigation          port   a port (kept while the filter is off)
//   pf     1 when the port filter is on           from, to   the time range, seconds (UTC)
//   dir    in | out | both                        types  event types, comma-separated
//   learn  learning window in hours               anon   1 hides the /8 chart's axis labels

/** The keys of the fragment, each with the function that parses its value. */
const KEYS = {
  host: String,
  port: Number,
  pf: (text) => text === '1',
  from: Number,
  to: Number,
  dir: String,
  types: (text) => text.split(',').filter((name) => name.length > 0),
  learn: Number,
  anon: (text) => text === '1',
};

const listeners = new Set();
let state = readFragment(window.location.hash);

// A fragment edited or pasted in the address bar replaces the state, as a reload would.
window.addEventListener('hashchange', () => {
  const next = readFragment(window.location.hash);
  if (writeFragment(next) === writeFragment(state)) {
    return;
  }
  state = next;
  for (const listener of listeners) {
    listener(state);
  }
});

/** Returns the current state (a frozen copy; change it with setState). */
export function getState() {
  return state;
}

/**
 * Merges `patch` into the state (a key set to null or undefined is removed), writes the
 * fragment and calls every listener. Does nothing when no value changes.
 */
export function setState(patch) {
  const next = { ...state };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in KEYS)) {
      throw new Error(`unknown state key '${key}'`);
    }
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      delete next[key];
    } else {
      next[key] = value;
    }
  }
  const changed = Object.keys(KEYS).some((key) => String(next[key]) !== String(state[key]));
  if (!changed) {
    return;
  }
  state = Object.freeze(next);
  const hash = writeFragment(state);
  if (window.location.hash !== hash) {
    history.replaceState(null, '', hash === '#' ? window.location.pathname + window.location.search : hash);
  }
  for (const listener of listeners) {
    listener(state);
  }
}

/** Calls `listener(state)` after every change; returns a function that stops it. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Returns the port the views filter on: the chosen port while the port filter is on, else null. */
export function activePort(current = state) {
  return current.pf && Number.isInteger(current.port) ? current.port : null;
}

/** Reads a fragment such as '#host=10.0.0.5&port=444&pf=1'; unknown or invalid keys are dropped. */
export function readFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const result = {};
  for (const [key, text] of params) {
    if (!(key in KEYS) || text.length > 200) {
      continue;
    }
    const value = KEYS[key](text);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      continue;
    }
    result[key] = value;
  }
  return Object.freeze(result);
}

/** Writes the state as a fragment, keys in a fixed order. */
export function writeFragment(current) {
  const params = new URLSearchParams();
  for (const key of Object.keys(KEYS)) {
    const value = current[key];
    if (value === undefined) {
      continue;
    }
    if (typeof value === 'boolean') {
      if (value) {
        params.set(key, '1');
      }
    } else if (Array.isArray(value)) {
      params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  return `#${params.toString()}`;
}

// The investigation: requests the findings and the profile of the chosen host under the
// filter state from the worker, and passes the profile to every view module.
//
// A view module exports any of:
//   setup(context)              once, when the page loads: attach listeners to its elements
//   start(context)              after each finished run, before the first profile
//   render(profile, context)    after each profile response; may return a promise (drawing)
// context = { report, detection, state, dataFirst, ask, askJson, setState }, where report is
// the worker's 'result' message, detection the parsed findings document and state the filter
// state the profile was computed under. Every view draws from these numbers only.

import { ask, askJson } from '../ask.js';
import { activePort, getState, setState, subscribe } from '../state.js';
import * as filterBar from './filterbar.js';
import * as findingsView from './findings.js';
import * as hostsView from './hosts.js';
import * as activityView from './activity.js';
import * as firstSeenView from './firstseen.js';
import * as inOutView from './inout.js';
import * as portsView from './ports.js';
import * as slash8View from './slash8.js';
import * as chainView from './chain.js';
import * as dropoffView from './dropoff.js';
import * as eventsView from './events.js';
import * as exportsView from './exports.js';
import { focusView } from './dom.js';

/** Every view, in page order. */
const VIEWS = [filterBar, findingsView, hostsView, activityView, firstSeenView, inOutView, portsView,
  slash8View, chainView, dropoffView, eventsView, exportsView];

/** Rows of the host ranking asked for with each profile. */
export const HOSTS_LIMIT = 200;

const section = document.getElementById('investigation');
const statusLine = document.getElementById('investigation-status');
const fragmentNote = document.getElementById('fragment-note');
const context = { report: null, detection: null, state: getState(), dataFirst: null, ask, askJson, setState };
let generation = 0;
let started = false;

/** Calls every view's setup once and follows the filter state from then on. */
export function setupInvestigation() {
  for (const view of VIEWS) {
    view.setup?.(context);
  }
  buildNavigation();
  showFragmentNote();
  subscribe(() => {
    if (started) {
      refresh();
    }
  });
}

/** Starts the investigation of a finished run: findings, the default host, the first profile. */
export async function startInvestigation(report) {
  started = false;
  fragmentNote.hidden = true;
  context.report = report;
  context.dataFirst = null;
  section.hidden = false;
  try {
    context.detection = await askJson('findings_json');
    for (const view of VIEWS) {
      await view.start?.(context);
      await nextTask();
    }
    started = true;
    if (!getState().host) {
      const top = context.detection.hosts[0]?.host ?? await busiestHost();
      if (top) {
        setState({ host: top });
        return;
      }
    }
    await refresh();
  } catch (error) {
    showStatus(`Could not start the investigation: ${error.message}`);
  }
}

/** Returns the host with the most events, for a run where no rule fired. */
async function busiestHost() {
  const profile = await askJson('profile_json', { host: '0.0.0.0', hosts_limit: 1 });
  return profile.hosts.rows[0]?.address ?? null;
}

/** Builds the profile request for a filter state. */
export function profileQuery(state, dataFirst) {
  const query = { host: state.host, hosts_limit: HOSTS_LIMIT };
  const port = activePort(state);
  if (port !== null) {
    query.port = port;
  }
  if (Number.isFinite(state.from)) {
    query.from = state.from;
  }
  if (Number.isFinite(state.to)) {
    query.to = state.to;
  }
  if (state.dir) {
    query.direction = state.dir;
  }
  if (state.types && state.types.length > 0) {
    query.event_types = state.types;
  }
  if (Number.isFinite(state.learn) && dataFirst !== null) {
    query.learning_end = dataFirst + state.learn * 3600;
  }
  return query;
}

/**
 * Asks for the profile under the current state and renders every view. A newer state that
 * arrives meanwhile wins: the older response is dropped. When every view has drawn, the body
 * carries data-profile="ready" and data-profile-state (the fragment it was drawn for).
 */
export async function refresh() {
  const state = getState();
  if (!state.host) {
    return;
  }
  generation += 1;
  const mine = generation;
  document.body.dataset.profile = 'busy';
  try {
    let profile = await askJson('profile_json', profileQuery(state, context.dataFirst));
    if (mine !== generation) {
      return;
    }
    if (context.dataFirst === null && profile.data.first !== null) {
      context.dataFirst = profile.data.first / 1e9;

      // The learning window is counted from the data's first time, known only now: a
      // window restored from the fragment needs a second request.
      if (Number.isFinite(state.learn)) {
        profile = await askJson('profile_json', profileQuery(state, context.dataFirst));
        if (mine !== generation) {
          return;
        }
      }
    }
    context.state = state;
    showStatus(await describeAbsentHost(profile, state.host));
    if (mine !== generation) {
      return;
    }
    // One task per view: each view's table writes and canvas sizing force a layout, and
    // all views in one task would hold the main thread for the sum of them.
    for (const view of VIEWS) {
      if (!view.render) {
        continue;
      }
      await view.render(profile, context);
      await nextTask();
      if (mine !== generation) {
        return;
      }
    }
  } catch (error) {
    if (mine === generation) {
      showStatus(`Could not show ${state.host}: ${error.message}`);
    }
  } finally {
    if (mine === generation) {
      document.body.dataset.profileState = window.location.hash;
      document.body.dataset.profile = 'ready';
    }
  }
}

/**
 * Returns a note when the host has no event in the loaded files, else ''. A host with no event
 * under the filter state is asked about again without the filter, so that a host that is only
 * outside the range or port is not called absent.
 */
async function describeAbsentHost(profile, host) {
  if (eventTotal(profile) > 0) {
    return '';
  }
  const whole = await askJson('profile_json', { host, hosts_limit: 1 });
  if (eventTotal(whole) > 0) {
    return '';
  }
  return `${host} does not appear in the loaded files: no event or connection has it as source or destination.`;
}

/** Returns the number of the host's events in a profile's activity buckets. */
function eventTotal(profile) {
  return profile.activity.buckets.reduce((sum, bucket) => sum + bucket.total, 0);
}

/** Says, before any file is loaded, that the filter state read from the URL waits for the files. */
function showFragmentNote() {
  if (window.location.hash.length <= 1) {
    return;
  }
  fragmentNote.textContent = 'The filter state in the URL (after #) will be applied when files are loaded.';
  fragmentNote.hidden = false;
}

/**
 * Fills the investigation's navigation with one link per view and makes every link marked
 * data-view-link scroll to its section and focus its heading. The fragment holds the filter
 * state, so a link's click must not change it: the default jump is replaced.
 */
function buildNavigation() {
  const list = document.getElementById('investigation-nav-list');
  for (const view of section.querySelectorAll('section.view')) {
    const link = document.createElement('a');
    link.href = `#${view.id}`;
    link.dataset.viewLink = '';
    link.textContent = view.querySelector('h2, h3')?.textContent.trim() ?? view.id;
    const item = document.createElement('li');
    item.append(link);
    list.append(item);
  }
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[data-view-link]');
    if (!link) {
      return;
    }
    event.preventDefault();
    focusView(link.getAttribute('href').slice(1));
  });
}

/** Resolves in a new task, so the browser can paint and handle input in between. */
function nextTask() {
  return new Promise((resolve) => {
    setTimeout(resolve, 0);
  });
}

/** Writes the investigation's status line (errors of a question, as text). */
function showStatus(text) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', text.length > 0);
}

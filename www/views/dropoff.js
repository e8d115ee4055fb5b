// The drop-off view: per source (the capture, each log format), when the host was last
// recorded and how long the source went on without it, from profile.dropoff, with one
// sentence on whether every source stopped together. The activity chart (activity.js) marks
// the same time with a "went silent" line.

import { formatUtc } from '../table.js';
import { silentBucket } from './activity.js';

const sentence = document.getElementById('dropoff-sentence');
const tableBody = document.getElementById('dropoff-body');

/** Fills the table and writes the sentence for the profile's drop-off. */
export function render(profile) {
  const dropoff = profile.dropoff;
  const rows = dropoff.sources.map((source) => {
    const tr = document.createElement('tr');
    tr.dataset.format = source.format;
    const cells = [source.format, String(source.events), formatUtc(source.first / 1e9), formatUtc(source.last / 1e9),
      formatUtc(source.source_last / 1e9), formatDuration(source.silent), source.went_silent ? 'yes' : 'no',
      formatDuration(source.median_gap), formatDuration(source.lag)];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  tableBody.replaceChildren(...rows);
  const marked = silentBucket(profile) !== null;
  sentence.textContent = describe(profile.filter.host, dropoff, marked);
  sentence.dataset.stoppedTogether = String(dropoff.stopped_together);
}

/** Returns the sentence on where the host went silent; `marked` when the activity chart shows the time. */
function describe(host, dropoff, marked) {
  const sources = dropoff.sources;
  const window = formatDuration(dropoff.window);
  if (sources.length === 0) {
    return `No source recorded ${host} in the loaded files, so there is no drop-off to show.`;
  }

  const last = `${formatUtc(dropoff.last / 1e9)} UTC`;
  const markNote = marked ? ' The activity chart marks this time.' : '';
  const usual = `the host's longest quiet period in the day before (${formatDuration(dropoff.longest_gap)})`;
  if (dropoff.stopped_together === null) {
    const source = sources[0];
    let after = `the source itself ended within the window of ${window}, so the log may just have ended`;
    if (source.went_silent && dropoff.silence_unusual) {
      after = `the source went on for ${formatDuration(source.silent)} without it, longer than the window of ${window}`
        + ` and than ${usual}`;
    } else if (source.went_silent) {
      after = `the source went on for ${formatDuration(source.silent)} without it, which is not longer than ${usual}`;
    }
    return `Only the ${source.format} source recorded ${host}. Its last event was at ${last}, and ${after}.${markNote}`;
  }

  const spread = formatDuration(dropoff.spread);
  if (!dropoff.sources_agree) {
    return `The ${sources.length} sources did not stop together: their last events about ${host} spread over `
      + `${spread}, more than each source's usual gap, and the latest is at ${last}.`;
  }
  if (!dropoff.stopped_together) {
    return `The ${sources.length} sources did not stop together as a switched-off host does: their last events about `
      + `${host} lie within ${spread} of each other, the latest at ${last}, but the ${formatDuration(dropoff.silence)} `
      + `without it afterwards is not longer than the window (${window}) and ${usual}.`;
  }

  const ended = sources.filter((source) => !source.went_silent).map((source) => source.format);
  let afterwards = 'Every source went on recording other hosts for longer than the window afterwards.';
  if (ended.length === sources.length) {
    afterwards = `No source recorded other hosts for longer than the window (${window}) afterwards, so the logs `
      + 'or the time range may just end there.';
  } else if (ended.length > 0) {
    afterwards = `The ${ended.join(', ')} ${ended.length === 1 ? 'source' : 'sources'} recorded other hosts for no `
      + `longer than the window (${window}) afterwards, so that log may just have ended there.`;
  }
  return `All ${sources.length} sources stopped recording ${host} together at ${last}: their last events lie within `
    + `${spread} of each other. ${afterwards}${markNote}`;
}

/** Formats nanoseconds as seconds to the millisecond, with days, hours and minutes beyond a minute. */
export function formatDuration(nanos) {
  if (nanos === null || nanos === undefined) {
    return '-';
  }
  const secs = nanos / 1e9;
  const text = `${secs.toFixed(3)} s`;
  if (Math.abs(secs) < 60) {
    return text;
  }
  const whole = Math.floor(Math.abs(secs));
  const parts = [];
  const days = Math.floor(whole / 86400);
  const hours = Math.floor((whole % 86400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  if (days > 0) {
    parts.push(`${days} d`);
  }
  if (hours > 0) {
    parts.push(`${hours} h`);
  }
  if (minutes > 0) {
    parts.push(`${minutes} min`);
  }
  return `${text} (${parts.join(' ')})`;
}

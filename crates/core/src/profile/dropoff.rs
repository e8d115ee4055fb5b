//! Drop-off: where the host went silent, per source.
//!
//! A *source* is one grammar the events were read with: the capture, or one log format
//! (Snort, NNM, the session monitor, plain syslog, ...). For each source that saw the host
//! under the filter, the view gives the host's first and last event. It also gives the
//! source's own last event in the time range over every host. A host went silent when the
//! source kept logging others for longer than the window after it; otherwise the log may
//! just have ended. An unanswered attempt to reach the host (`conn_timed_out` with the host as
//! destination) is not the host's own activity, so it is left out: probes of a machine that
//! was switched off go on after it went silent.
//!
//! The verdict `stopped_together` follows the WentSilent detection rule (`detect::silent`)
//! and needs two things:
//!
//! 1. The sources agree (`sources_agree`): each source's last event about the host lies
//!    within its tolerance of the latest one. The tolerance is the window, the source's median
//!    gap between the host's events, or the source's longest gap in the
//!    [`SILENT_LOOKBACK`] before the host's last event, whichever is longest. A source that
//!    records the host every 15 minutes (a C2 keepalive alert) cannot place the stop more
//!    precisely than that, and the rule allows a sparse source the same lull.
//! 2. The silence is unusual (`silence_unusual`). The `silence` runs from the host's last
//!    event to the latest event of its sources. It must be longer than the window and than
//!    `longest_gap`, the host's longest gap between two of its events that ends in the
//!    [`SILENT_LOOKBACK`] before its last event. A scanner that runs every two days has a two-day gap before
//!    its last run, so a day of quiet after that run is its usual rhythm, not a switch-off.
//!
//! With one source, `stopped_together` is null and `silence_unusual` alone tells whether the
//! host went quiet for longer than usual.
//!
//! The profile computes the drop-off over every event of the host, whatever the port, range,
//! direction and type filters: the end of a spam burst on port 25, or the end of a zoomed
//! range, is not the host being switched off.

use super::Filter;
use crate::detect::silent::SILENT_LOOKBACK;
use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// One source's view of the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceActivity {
    /// The source's grammar.
    pub format: SourceFormat,
    /// The host's events from this source.
    pub events: u64,
    /// The host's first event from this source.
    pub first: Timestamp,
    /// The host's last event from this source.
    pub last: Timestamp,
    /// The source's last event about any host in the time range.
    pub source_last: Timestamp,
    /// Nanoseconds from the host's last event to the source's last event.
    pub silent: i64,
    /// True if and only if `silent` exceeds the window: the source went on without the host.
    pub went_silent: bool,
    /// Median nanoseconds between the host's consecutive events in this source; null with
    /// fewer than two events.
    pub median_gap: Option<i64>,
    /// Maximum nanoseconds between the host's consecutive events in this source within the
    /// [`SILENT_LOOKBACK`] before the host's last event; null with fewer than two there.
    pub longest_lull: Option<i64>,
    /// Nanoseconds from this source's last event about the host to the latest over all sources.
    pub lag: i64,
}

/// The drop-off view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DropoffView {
    /// The window, in nanoseconds.
    pub window: i64,
    /// One entry per source that saw the host, in the order of [`SourceFormat::ALL`].
    pub sources: Vec<SourceActivity>,
    /// The host's last event over all sources.
    pub last: Option<Timestamp>,
    /// Nanoseconds between the earliest and the latest of the sources' last events.
    pub spread: Option<i64>,
    /// True if and only if every source's `lag` is at most its tolerance, the maximum of the
    /// window, its `median_gap` and its `longest_lull`. Null with fewer than two sources.
    pub sources_agree: Option<bool>,
    /// Nanoseconds from the host's last event to the latest event of the sources that saw it.
    pub silence: Option<i64>,
    /// The host's longest gap between consecutive events (over all sources) that ends within
    /// the [`SILENT_LOOKBACK`] before its last event; null with fewer than two events.
    pub longest_gap: Option<i64>,
    /// True if and only if `silence` exceeds both the window and `longest_gap`.
    pub silence_unusual: Option<bool>,
    /// The verdict: `sources_agree` and `silence_unusual` both hold; null with fewer than two
    /// sources.
    pub stopped_together: Option<bool>,
}

/// Finds each source's last event about the host under the filter.
pub fn dropoff(events: &[Event], filter: &Filter, window: i64) -> DropoffView {
    let mut host: BTreeMap<SourceFormat, Vec<Timestamp>> = BTreeMap::new();
    let mut source_last: BTreeMap<SourceFormat, Timestamp> = BTreeMap::new();
    for event in events.iter().filter(|event| filter.in_range(event.ts)) {
        let last = source_last.entry(event.format).or_insert(event.ts);
        *last = (*last).max(event.ts);
        if filter.matches_event(event) && is_host_activity(event, filter) {
            host.entry(event.format).or_default().push(event.ts);
        }
    }

    let last = host.values().filter_map(|times| times.iter().max()).max().copied();
    let lookback_start = last.map(|last| last.plus_nanos(-SILENT_LOOKBACK));
    let mut all_times: Vec<Timestamp> = host.values().flatten().copied().collect();
    all_times.sort_unstable();
    let sources: Vec<SourceActivity> = host
        .into_iter()
        .map(|(format, mut times)| {
            times.sort_unstable();
            let (first, source_host_last) = (times[0], times[times.len() - 1]);
            let source_last = source_last.get(&format).copied().unwrap_or(source_host_last);
            let silent = source_last.since(source_host_last);
            SourceActivity {
                format,
                events: times.len() as u64,
                first,
                last: source_host_last,
                source_last,
                silent,
                went_silent: silent > window,
                median_gap: median_gap(&times),
                longest_lull: lookback_start.and_then(|start| longest_gap_ending_after(&times, start, false)),
                lag: last.map_or(0, |last| last.since(source_host_last)),
            }
        })
        .collect();

    // Rule 1: every source stopped within its tolerance of the latest one.
    let earliest_stop = sources.iter().map(|source| source.last).min();
    let spread = last.zip(earliest_stop).map(|(last, earliest)| last.since(earliest));
    let tolerance =
        |source: &SourceActivity| window.max(source.median_gap.unwrap_or(0)).max(source.longest_lull.unwrap_or(0));
    let within = |source: &SourceActivity| source.lag <= tolerance(source);
    let sources_agree = if sources.len() >= 2 { Some(sources.iter().all(within)) } else { None };

    // Rule 2: the silence after the last event is longer than the host's usual gaps.
    let data_end = sources.iter().map(|source| source.source_last).max();
    let silence = last.zip(data_end).map(|(last, end)| end.since(last));
    let longest_gap = lookback_start.and_then(|start| longest_gap_ending_after(&all_times, start, true));
    let silence_unusual = silence.map(|silence| silence > window.max(longest_gap.unwrap_or(0)));

    let stopped_together = sources_agree.map(|agree| agree && silence_unusual == Some(true));
    DropoffView { window, sources, last, spread, sources_agree, silence, longest_gap, silence_unusual, stopped_together }
}

/// Returns the longest gap between consecutive sorted `times` among the gaps that end after
/// `start`, or `None` when there is none. With `crossing`, the gap from the last time before
/// `start` to the first one after it counts too, so a host that was quiet for days before a
/// short burst shows that quiet.
fn longest_gap_ending_after(times: &[Timestamp], start: Timestamp, crossing: bool) -> Option<i64> {
    times
        .windows(2)
        .filter(|pair| pair[1] > start && (crossing || pair[0] >= start))
        .map(|pair| pair[1].since(pair[0]))
        .max()
}

/// Returns the median gap between consecutive sorted times (the lower middle for an even
/// count), or `None` with fewer than two times.
fn median_gap(times: &[Timestamp]) -> Option<i64> {
    let mut gaps: Vec<i64> = times.windows(2).map(|pair| pair[1].since(pair[0])).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    Some(gaps[(gaps.len() - 1) / 2])
}

/// Returns true if and only if the event shows the host doing something, rather than an
/// unanswered attempt to reach it.
fn is_host_activity(event: &Event, filter: &Filter) -> bool {
    let unanswered = event.event_type == EventType::ConnTimedOut && event.src != Some(filter.host);
    !unanswered
}

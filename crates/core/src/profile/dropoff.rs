//! Drop-off: where the host went silent, per source.
//!
//! A *source* is one grammar the events were read with: the capture, or one log format
//! (Snort, NNM, the session monitor, plain syslog, ...). For each source that saw the host
//! under the filter, the view gives the host's first and last event. It also gives the
//! source's own last event in the time range over every host. A host went silent when the
//! source kept logging others for longer than the window after it; otherwise the log may
//! just have ended. An unanswered attempt to reach the host (`conn_timed_out` with the host as
//! destination) is not the host's own activity, so it is left out: probes of a machine that
//! was switched off go on after it went silent. The sources *stopped together* when each source's last event about the host lies
//! within its tolerance of the latest one: the window, or the source's median gap between
//! the host's events when that is longer, because a source that records the host every 15
//! minutes (a C2 keepalive alert) cannot place the stop more precisely than that.

use super::Filter;
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
    /// True if and only if every source's `lag` is at most the larger of the window and its
    /// `median_gap`; null with fewer than two sources.
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
    let sources: Vec<SourceActivity> = host
        .into_iter()
        .map(|(format, mut times)| {
            times.sort();
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
                lag: last.map_or(0, |last| last.since(source_host_last)),
            }
        })
        .collect();

    let earliest_stop = sources.iter().map(|source| source.last).min();
    let spread = last.zip(earliest_stop).map(|(last, earliest)| last.since(earliest));
    let within = |source: &SourceActivity| source.lag <= window.max(source.median_gap.unwrap_or(0));
    let stopped_together = if sources.len() >= 2 { Some(sources.iter().all(within)) } else { None };
    DropoffView { window, sources, last, spread, stopped_together }
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

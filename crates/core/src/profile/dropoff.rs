//! Drop-off: where the host went silent, per source.
//!
//! A *source* is one grammar the events were read with: the capture, or one log format
//! (Snort, NNM, the session monitor, plain syslog, ...). For each source that saw the host
//! under the filter, the view gives the host's first and last event, and the source's own
//! last event in the time range over every host, so the page can tell a host that went
//! silent (the source kept logging others for longer than the window) from a log that just
//! ended. The sources *stopped together* when their last events about the host lie within
//! the window of each other.

use super::Filter;
use crate::events::{Event, SourceFormat};
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
    /// True if and only if `spread` is at most the window; null with fewer than two sources.
    pub stopped_together: Option<bool>,
}

/// Finds each source's last event about the host under the filter.
pub fn dropoff(events: &[Event], filter: &Filter, window: i64) -> DropoffView {
    let mut host: BTreeMap<SourceFormat, (u64, Timestamp, Timestamp)> = BTreeMap::new();
    let mut source_last: BTreeMap<SourceFormat, Timestamp> = BTreeMap::new();
    for event in events.iter().filter(|event| filter.in_range(event.ts)) {
        let last = source_last.entry(event.format).or_insert(event.ts);
        *last = (*last).max(event.ts);
        if filter.matches_event(event) {
            let entry = host.entry(event.format).or_insert((0, event.ts, event.ts));
            entry.0 += 1;
            entry.1 = entry.1.min(event.ts);
            entry.2 = entry.2.max(event.ts);
        }
    }

    let sources: Vec<SourceActivity> = host
        .into_iter()
        .map(|(format, (count, first, last))| {
            let source_last = source_last.get(&format).copied().unwrap_or(last);
            let silent = source_last.since(last);
            SourceActivity { format, events: count, first, last, source_last, silent, went_silent: silent > window }
        })
        .collect();

    let last = sources.iter().map(|source| source.last).max();
    let earliest_stop = sources.iter().map(|source| source.last).min();
    let spread = last.zip(earliest_stop).map(|(last, earliest)| last.since(earliest));
    let stopped_together = if sources.len() >= 2 { spread.map(|spread| spread <= window) } else { None };
    DropoffView { window, sources, last, spread, stopped_together }
}

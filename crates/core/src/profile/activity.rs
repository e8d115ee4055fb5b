//! Activity over time for the chosen host: events per bucket, stacked by event type.
//!
//! The buckets are the profile's [`Grid`] (second, minute, hour or day, chosen from the
//! range), each flagged when it starts on a Saturday or Sunday in UTC. When a port is
//! chosen, the same buckets are also counted without the port filter, so the page can set
//! the port's share against all of the host's activity. Findings about the host are marked
//! at the bucket where they start.

use super::{is_weekend, Filter, Finding, Grid};
use crate::events::{Event, EventType};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// One time bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Start of the bucket.
    pub start: Timestamp,
    /// True if and only if the bucket starts on a Saturday or Sunday, UTC.
    pub weekend: bool,
    /// Events in the bucket.
    pub total: u64,
    /// Events in the bucket by type; types with no event are left out.
    pub by_type: BTreeMap<EventType, u64>,
}

/// The position of a finding about the host on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingMark {
    /// The finding's kind.
    pub kind: String,
    /// Start of the finding.
    pub start: Timestamp,
    /// End of the finding.
    pub end: Timestamp,
    /// Index of the bucket holding the start, or null when it lies outside the grid.
    pub bucket: Option<usize>,
}

/// The activity view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActivityView {
    /// The buckets' layout.
    pub grid: Grid,
    /// `second`, `minute`, `hour` or `day`, see [`Grid::unit`].
    pub unit: &'static str,
    /// Every event type present in `buckets` or `without_port`, in declaration order.
    pub event_types: Vec<EventType>,
    /// Events under the whole filter.
    pub buckets: Vec<Bucket>,
    /// Events under the filter without its port, when a port is chosen; else null.
    pub without_port: Option<Vec<Bucket>>,
    /// Findings about the host that overlap the time range, by start.
    pub findings: Vec<FindingMark>,
}

/// Counts the host's events per bucket and type.
pub fn activity(events: &[Event], filter: &Filter, grid: &Grid, findings: &[Finding]) -> ActivityView {
    let buckets = count_buckets(events, filter, grid);
    let without_port = filter.port.map(|_| count_buckets(events, &filter.without_port(), grid));

    let mut types: Vec<EventType> =
        buckets.iter().chain(without_port.iter().flatten()).flat_map(|bucket| bucket.by_type.keys().copied()).collect();
    types.sort();
    types.dedup();

    ActivityView {
        grid: *grid,
        unit: grid.unit(),
        event_types: types,
        buckets,
        without_port,
        findings: finding_marks(findings, filter, grid),
    }
}

/// Counts events that pass `filter` into the grid's buckets.
pub fn count_buckets(events: &[Event], filter: &Filter, grid: &Grid) -> Vec<Bucket> {
    let mut buckets: Vec<Bucket> = (0..grid.buckets)
        .map(|index| {
            let start = grid.bucket_start(index);
            Bucket { start, weekend: is_weekend(start), ..Bucket::default() }
        })
        .collect();
    for event in events.iter().filter(|event| filter.matches_event(event)) {
        if let Some(index) = grid.index(event.ts) {
            buckets[index].total += 1;
            *buckets[index].by_type.entry(event.event_type).or_default() += 1;
        }
    }
    buckets
}

/// Returns the marks of the host's findings that overlap the time range, by start.
pub fn finding_marks(findings: &[Finding], filter: &Filter, grid: &Grid) -> Vec<FindingMark> {
    let mut marks: Vec<FindingMark> = findings
        .iter()
        .filter(|finding| finding.host == filter.host && finding.overlaps(filter))
        .map(|finding| FindingMark {
            kind: finding.kind.clone(),
            start: finding.start,
            end: finding.end,
            bucket: grid.index(finding.start),
        })
        .collect();
    marks.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
    marks
}

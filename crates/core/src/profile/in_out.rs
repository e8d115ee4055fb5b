//! Inbound against outbound over time for the chosen host, and how closely they move together.
//!
//! Each of the host's events is placed by the local-networks test on its two addresses, as
//! Zeek's `local_orig` and `local_resp` place connections. A connection event carries the
//! connection's addresses, so the test gives the same result for it. An event is *inbound*
//! when the source is remote and the destination local, *outbound* when the source is local
//! and the destination remote, *internal* when both are local, *external* when neither is,
//! and *unknown* when an address is missing.
//!
//! The view counts three series pairs: the capture's connections (placed by their own
//! `local_orig` and `local_resp`), log events alone, and every event together.
//!
//! Each pair's correlation is Pearson's r of its inbound and outbound counts over the grid's
//! buckets:
//!
//! ```text
//! r = Σ (xᵢ − x̄)(yᵢ − ȳ) / sqrt( Σ (xᵢ − x̄)² · Σ (yᵢ − ȳ)² )
//! ```
//!
//! It is undefined, and written as null, when there are fewer than two buckets or either
//! series is constant (its sum of squares is zero).

use super::{Filter, Grid};
use crate::conn::Connection;
use crate::events::{Event, SourceFormat};
use crate::net::LocalNets;
use crate::time::Timestamp;
use serde::Serialize;

/// The position of an event's two addresses relative to the local networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Remote source, local destination.
    Inbound,
    /// Local source, remote destination.
    Outbound,
    /// Both local.
    Internal,
    /// Both remote.
    External,
    /// An address is missing.
    Unknown,
}

/// Totals per placement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlacementTotals {
    pub inbound: u64,
    pub outbound: u64,
    pub internal: u64,
    pub external: u64,
    pub unknown: u64,
}

impl PlacementTotals {
    fn add(&mut self, placement: Placement) {
        match placement {
            Placement::Inbound => self.inbound += 1,
            Placement::Outbound => self.outbound += 1,
            Placement::Internal => self.internal += 1,
            Placement::External => self.external += 1,
            Placement::Unknown => self.unknown += 1,
        }
    }
}

/// One inbound-against-outbound series pair over the grid.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InOutSeries {
    /// Inbound records per bucket.
    pub inbound: Vec<u64>,
    /// Outbound records per bucket.
    pub outbound: Vec<u64>,
    /// Internal records per bucket.
    pub internal: Vec<u64>,
    /// Totals over all buckets, external and unknown included.
    pub totals: PlacementTotals,
    /// Pearson's r of `inbound` and `outbound`, or null when undefined.
    pub pearson_r: Option<f64>,
}

impl InOutSeries {
    fn new(grid: &Grid) -> InOutSeries {
        InOutSeries {
            inbound: vec![0; grid.buckets],
            outbound: vec![0; grid.buckets],
            internal: vec![0; grid.buckets],
            ..InOutSeries::default()
        }
    }

    /// Adds one record; a time outside the grid is left out.
    fn add(&mut self, grid: &Grid, ts: Timestamp, placement: Placement) {
        let Some(index) = grid.index(ts) else {
            return;
        };
        self.totals.add(placement);
        match placement {
            Placement::Inbound => self.inbound[index] += 1,
            Placement::Outbound => self.outbound[index] += 1,
            Placement::Internal => self.internal[index] += 1,
            Placement::External | Placement::Unknown => {}
        }
    }

    fn finish(mut self) -> InOutSeries {
        let as_f64 = |series: &[u64]| series.iter().map(|&count| count as f64).collect::<Vec<f64>>();
        self.pearson_r = pearson(&as_f64(&self.inbound), &as_f64(&self.outbound));
        self
    }
}

/// The inbound-against-outbound view, counted three ways so that a session seen both in
/// the capture and in a session-monitor log is never summed by accident.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InOutView {
    /// The buckets' layout, the same as the activity view's.
    pub grid: Grid,
    /// The capture's connections, placed by `local_orig` and `local_resp`.
    pub connections: InOutSeries,
    /// Log events (not from captures), placed by the local-networks test.
    pub log_events: InOutSeries,
    /// Every event, connection events included, placed by the local-networks test.
    pub events: InOutSeries,
}

/// Returns where the event's addresses lie.
pub fn placement(event: &Event, local: &LocalNets) -> Placement {
    let (Some(src), Some(dst)) = (event.src, event.dst) else {
        return Placement::Unknown;
    };
    placement_of(local.contains(src), local.contains(dst))
}

/// Returns the placement of a record from whether its source and destination are local.
pub fn placement_of(local_src: bool, local_dst: bool) -> Placement {
    match (local_src, local_dst) {
        (false, true) => Placement::Inbound,
        (true, false) => Placement::Outbound,
        (true, true) => Placement::Internal,
        (false, false) => Placement::External,
    }
}

/// Counts the host's connections and events per bucket and placement.
pub fn in_out(
    events: &[Event],
    connections: &[Connection],
    filter: &Filter,
    grid: &Grid,
    local: &LocalNets,
) -> InOutView {
    let mut by_connection = InOutSeries::new(grid);
    for conn in connections.iter().filter(|conn| filter.matches_connection(conn)) {
        by_connection.add(grid, conn.ts, placement_of(conn.local_orig, conn.local_resp));
    }

    let mut by_log_event = InOutSeries::new(grid);
    let mut by_event = InOutSeries::new(grid);
    for event in events.iter().filter(|event| filter.matches_event(event)) {
        let placement = placement(event, local);
        by_event.add(grid, event.ts, placement);
        if event.format != SourceFormat::Capture {
            by_log_event.add(grid, event.ts, placement);
        }
    }

    InOutView {
        grid: *grid,
        connections: by_connection.finish(),
        log_events: by_log_event.finish(),
        events: by_event.finish(),
    }
}

/// Returns Pearson's r of two equally long series, or `None` when it is undefined: fewer than
/// two points, different lengths, or a series with zero variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;

    let (mut covariance, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(y) {
        covariance += (xi - mean_x) * (yi - mean_y);
        var_x += (xi - mean_x) * (xi - mean_x);
        var_y += (yi - mean_y) * (yi - mean_y);
    }
    if var_x == 0.0 || var_y == 0.0 {
        return None;
    }
    Some((covariance / (var_x * var_y).sqrt()).clamp(-1.0, 1.0))
}

//! Inbound against outbound over time for the chosen host, and how closely they move together.
//!
//! Each of the host's events is placed by the local-networks test on its two addresses, as
//! Zeek's `local_orig` and `local_resp` place connections (a connection event carries the
//! connection's addresses, so the test gives the same result): *inbound* when the source is
//! remote and the destination local, *outbound* when the source is local and the
//! destination remote, *internal* when both are local, *external* when neither is, and
//! *unknown* when an address is missing.
//!
//! The correlation is Pearson's r of the inbound and outbound counts over the grid's buckets:
//!
//! ```text
//! r = Σ (xᵢ − x̄)(yᵢ − ȳ) / sqrt( Σ (xᵢ − x̄)² · Σ (yᵢ − ȳ)² )
//! ```
//!
//! It is undefined, and written as null, when there are fewer than two buckets or either
//! series is constant (its sum of squares is zero).

use super::{Filter, Grid};
use crate::events::Event;
use crate::net::LocalNets;
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

/// The inbound-against-outbound view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InOutView {
    /// The buckets' layout, the same as the activity view's.
    pub grid: Grid,
    /// Inbound events per bucket.
    pub inbound: Vec<u64>,
    /// Outbound events per bucket.
    pub outbound: Vec<u64>,
    /// Internal events per bucket.
    pub internal: Vec<u64>,
    /// Totals over all buckets, external and unknown included.
    pub totals: PlacementTotals,
    /// Pearson's r of `inbound` and `outbound`, or null when undefined.
    pub pearson_r: Option<f64>,
}

/// Returns where the event's addresses lie.
pub fn placement(event: &Event, local: &LocalNets) -> Placement {
    let (Some(src), Some(dst)) = (event.src, event.dst) else {
        return Placement::Unknown;
    };
    match (local.contains(src), local.contains(dst)) {
        (false, true) => Placement::Inbound,
        (true, false) => Placement::Outbound,
        (true, true) => Placement::Internal,
        (false, false) => Placement::External,
    }
}

/// Counts the host's events per bucket and placement.
pub fn in_out(events: &[Event], filter: &Filter, grid: &Grid, local: &LocalNets) -> InOutView {
    let mut view = InOutView {
        grid: *grid,
        inbound: vec![0; grid.buckets],
        outbound: vec![0; grid.buckets],
        internal: vec![0; grid.buckets],
        ..InOutView::default()
    };
    for event in events.iter().filter(|event| filter.matches_event(event)) {
        let Some(index) = grid.index(event.ts) else {
            continue;
        };
        let placement = placement(event, local);
        view.totals.add(placement);
        match placement {
            Placement::Inbound => view.inbound[index] += 1,
            Placement::Outbound => view.outbound[index] += 1,
            Placement::Internal => view.internal[index] += 1,
            Placement::External | Placement::Unknown => {}
        }
    }

    let as_f64 = |series: &[u64]| series.iter().map(|&count| count as f64).collect::<Vec<f64>>();
    view.pearson_r = pearson(&as_f64(&view.inbound), &as_f64(&view.outbound));
    view
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

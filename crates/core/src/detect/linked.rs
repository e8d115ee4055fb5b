//! LinkedInOut: a local host whose inbound and outbound connection counts rise and fall
//! together, hour by hour, for a day or more: the shape of a host that acts on what it is
//! told from outside (a peer-to-peer worm relaying and spreading).
//!
//! *Inbound* counts established connections from remote originators to the host
//! (`local_resp` and not `local_orig`); *outbound* counts established connections from the
//! host to remote responders (`local_orig` and not `local_resp`). Failed attempts are left
//! out so that a scan's volume does not swamp the relation. Over every window of
//! [`LINK_WINDOW_HOURS`] hourly buckets (sliding by one hour) in which both series are
//! non-zero in at least [`LINK_MIN_ACTIVE_SHARE`] of the hours, the rule computes r (below);
//! it fires when r reaches [`LINK_MIN_R`] in at least [`LINK_MIN_WINDOWS`] windows.
//!
//! The r used is the *partial* correlation given the network's rhythm, the number of other
//! local hosts with inbound or outbound connections in each hour: a mail relay's inbound and outbound both
//! follow the working day, as everyone's traffic does, and that shared rhythm alone would
//! correlate them. With the rhythm taken out, only a link of the host's own remains. A busy
//! web server has heavy inbound but little, steady outbound, so its r stays near zero too.
//!
//! NOTE: a relay that forwards each message within the hour it arrives is linked in this sense
//! and can fire when it is busy; its outbound deliveries succeed, unlike a worm's.

use super::{strength, Finding, Flow, Input, Rule, Severity, HOUR, MAX_EVIDENCE};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Hours per correlation window: one day, so the working-day rhythm alone cannot carry it.
pub const LINK_WINDOW_HOURS: usize = 24;
/// Share of a window's hours in which both directions must be non-zero.
pub const LINK_MIN_ACTIVE_SHARE: f64 = 0.5;
/// Pearson's r that counts as linked.
pub const LINK_MIN_R: f64 = 0.6;
/// Qualifying windows needed: the relation must hold a few hours, not in one lucky window.
pub const LINK_MIN_WINDOWS: usize = 3;

/// Thresholds of LinkedInOut.
#[derive(Clone, Debug, Serialize)]
pub struct LinkedConfig {
    /// Window length in hours (default [`LINK_WINDOW_HOURS`]).
    pub window_hours: usize,
    /// Minimum r (default [`LINK_MIN_R`]).
    pub min_r: f64,
    /// Minimum qualifying windows (default [`LINK_MIN_WINDOWS`]).
    pub min_windows: usize,
}

impl Default for LinkedConfig {
    fn default() -> LinkedConfig {
        LinkedConfig { window_hours: LINK_WINDOW_HOURS, min_r: LINK_MIN_R, min_windows: LINK_MIN_WINDOWS }
    }
}

/// Hourly inbound and outbound counts of one host, with sample flows.
struct Series<'a> {
    inbound: Vec<f64>,
    outbound: Vec<f64>,
    samples: Vec<&'a Flow>,
}

/// Returns the partial correlation of `x` and `y` given `z`, or plain Pearson's r of `x` and
/// `y` when `z` is constant; None when `x` or `y` is constant or fully explained by `z`.
pub fn partial_correlation(x: &[f64], y: &[f64], z: &[f64]) -> Option<f64> {
    let xy = pearson(x, y)?;
    let (Some(xz), Some(yz)) = (pearson(x, z), pearson(y, z)) else { return Some(xy) };
    let denominator = ((1.0 - xz * xz) * (1.0 - yz * yz)).sqrt();
    if denominator < 1e-9 {
        return None;
    }
    Some((xy - xz * yz) / denominator)
}

/// Returns Pearson's correlation coefficient, or None when either series is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return None;
    }
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mean_x) * (b - mean_y);
        sxx += (a - mean_x) * (a - mean_x);
        syy += (b - mean_y) * (b - mean_y);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

/// Runs the rule.
pub fn detect(input: &Input) -> Vec<Finding> {
    let start = Timestamp(input.range.0 .0 - input.range.0 .0.rem_euclid(HOUR));
    let buckets = (input.range.1.since(start) / HOUR + 1).max(0) as usize;
    let mut series: BTreeMap<IpAddr, Series> = BTreeMap::new();
    let bucket_of = |ts: Timestamp| (ts.since(start) / HOUR).clamp(0, buckets as i64 - 1) as usize;
    for flow in input.flows.iter().filter(|flow| flow.established && flow.local_orig != flow.local_resp) {
        let host = if flow.local_resp { flow.resp_h } else { flow.orig_h };
        let entry = series.entry(host).or_insert_with(|| Series {
            inbound: vec![0.0; buckets],
            outbound: vec![0.0; buckets],
            samples: Vec::new(),
        });
        let counts = if flow.local_resp { &mut entry.inbound } else { &mut entry.outbound };
        counts[bucket_of(flow.ts)] += 1.0;
        if entry.samples.len() < MAX_EVIDENCE && flow.ts >= input.learning_end {
            entry.samples.push(flow);
        }
    }

    // The network's daily rhythm: how many other local hosts are active each hour. Counting
    // hosts rather than connections keeps one heavy host from setting the rhythm.
    let mut active = vec![0.0; buckets];
    for host_series in series.values() {
        for (bucket, slot) in active.iter_mut().enumerate() {
            *slot += f64::from(u8::from(host_series.inbound[bucket] + host_series.outbound[bucket] > 0.0));
        }
    }

    let config = &input.config.linked;
    let mut findings = Vec::new();
    for (host, host_series) in series {
        let own = |b: usize| f64::from(u8::from(host_series.inbound[b] + host_series.outbound[b] > 0.0));
        let rest: Vec<f64> = (0..buckets).map(|b| active[b] - own(b)).collect();
        if let Some(found) = linked_windows(&host_series, &rest, config) {
            findings.push(finding(host, start, &host_series, found, config));
        }
    }
    findings
}

/// Qualifying windows of one host: first and last window index, count, best r.
struct Windows {
    first: usize,
    last: usize,
    count: usize,
    best_r: f64,
}

fn linked_windows(series: &Series, rest: &[f64], config: &LinkedConfig) -> Option<Windows> {
    let width = config.window_hours.max(2);
    if series.inbound.len() < width {
        return None;
    }
    let min_active = (LINK_MIN_ACTIVE_SHARE * width as f64).ceil() as usize;
    let mut found: Option<Windows> = None;
    for first in 0..=series.inbound.len() - width {
        let x = &series.inbound[first..first + width];
        let y = &series.outbound[first..first + width];
        let active = |values: &[f64]| values.iter().filter(|v| **v > 0.0).count() >= min_active;
        if !active(x) || !active(y) {
            continue;
        }
        let z = &rest[first..first + width];
        let Some(r) = partial_correlation(x, y, z).filter(|r| *r >= config.min_r) else { continue };
        let windows = found.get_or_insert(Windows { first, last: first, count: 0, best_r: r });
        windows.last = first;
        windows.count += 1;
        windows.best_r = windows.best_r.max(r);
    }
    found.filter(|windows| windows.count >= config.min_windows)
}

fn finding(host: IpAddr, start: Timestamp, series: &Series, windows: Windows, config: &LinkedConfig) -> Finding {
    let width = config.window_hours.max(2);
    let span_start = start.plus_nanos(windows.first as i64 * HOUR);
    let span_end = start.plus_nanos((windows.last + width) as i64 * HOUR);
    let range = windows.first..windows.last + width;
    let inbound: f64 = series.inbound[range.clone()].iter().sum();
    let outbound: f64 = series.outbound[range].iter().sum();
    let mut finding = Finding::new(Rule::LinkedInOut, host, (span_start, span_end), Severity::Medium, strength(windows.best_r, config.min_r))
        .fact("best_r", windows.best_r)
        .fact("windows", windows.count as f64)
        .fact("inbound", inbound)
        .fact("outbound", outbound);
    finding.message = format!(
        "{host} may be relaying or acting on inbound traffic: hourly inbound and outbound connections correlate beyond the network's daily rhythm (partial r up to {:.2}) in {} windows of {} h; {inbound} inbound and {outbound} outbound in the span",
        windows.best_r, windows.count, width
    );
    finding.evidence = series.samples.iter().map(|flow| flow.evidence()).collect();
    finding
}

//! WentSilent: a local host that was active around the clock stops in every source at once
//! and stays silent to the end of the data: switched off, unplugged or cleaned up.
//!
//! A host's *own activity* is every record in which it originated something or answered:
//! connections and sessions it opened, connections to it that were established, and alerts
//! and sensor events that name it. Unanswered and rejected attempts to it are not its
//! activity, so probes that keep arriving after it went dark do not hide the silence.
//!
//! The rule fires when a host's last own activity lies at least [`SILENT_MIN`] before the end
//! of the data, the host was active in at least [`SILENT_MIN_ACTIVE_SHARE`] of the hours of the
//! [`SILENT_LOOKBACK`] before it, and every source (capture, IDS, sensor, session monitor)
//! that saw the host in that lookback saw it last within [`SILENT_SOURCE_SPREAD`] of that
//! moment, or within the source's own longest lull when the source reports the host sparsely. A workstation idle at night is not active around the clock; a server that runs to
//! the end is not silent.

use super::{human_duration, strength, Evidence, Finding, Input, Rule, Severity, HOUR};
use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Silence to the end of the data that counts: longer than any lull of a busy host.
pub const SILENT_MIN: i64 = 4 * HOUR;
/// How far back the host must have been busy.
pub const SILENT_LOOKBACK: i64 = 24 * HOUR;
/// Share of the lookback's hours with own activity.
pub const SILENT_MIN_ACTIVE_SHARE: f64 = 0.75;
/// Every source's last sight of the host within this of the last activity, or within the
/// source's own longest lull in the lookback when that is longer: "at once".
pub const SILENT_SOURCE_SPREAD: i64 = HOUR;

/// Thresholds of WentSilent.
#[derive(Clone, Debug, Serialize)]
pub struct SilentConfig {
    /// Minimum silence in nanoseconds (default [`SILENT_MIN`]).
    pub min_silence: i64,
    /// Share of busy hours before it (default [`SILENT_MIN_ACTIVE_SHARE`]).
    pub min_active_share: f64,
}

impl Default for SilentConfig {
    fn default() -> SilentConfig {
        SilentConfig { min_silence: SILENT_MIN, min_active_share: SILENT_MIN_ACTIVE_SHARE }
    }
}

/// Returns the local host whose own activity the event is, if any.
fn actor(input: &Input, event: &Event) -> Option<IpAddr> {
    if let Some(src) = event.src.filter(|src| input.is_local(*src)) {
        return Some(src);
    }
    let dst = event.dst.filter(|dst| input.is_local(*dst))?;
    let unanswered = matches!(
        event.event_type,
        EventType::ConnTimedOut | EventType::ConnRejected | EventType::ConnOther | EventType::ConnStarted | EventType::Scan
    );
    (!unanswered).then_some(dst)
}

/// Runs the rule.
pub fn detect(input: &Input) -> Vec<Finding> {
    let mut activity: BTreeMap<IpAddr, Vec<&Event>> = BTreeMap::new();
    for event in &input.report.events {
        if let Some(host) = actor(input, event) {
            activity.entry(host).or_default().push(event);
        }
    }
    let config = &input.config.silent;
    activity.into_iter().filter_map(|(host, events)| silent(input, host, &events, config)).collect()
}

fn silent(input: &Input, host: IpAddr, events: &[&Event], config: &SilentConfig) -> Option<Finding> {
    let last = events.iter().map(|event| event.ts).max()?;
    let silence = input.range.1.since(last);
    if silence < config.min_silence {
        return None;
    }

    // Busy in most hours of the lookback.
    let from = last.plus_nanos(-SILENT_LOOKBACK);
    let recent: Vec<&&Event> = events.iter().filter(|event| event.ts >= from).collect();
    let hours: BTreeSet<i64> = recent.iter().map(|event| event.ts.since(from) / HOUR).collect();
    let share = hours.len() as f64 / (SILENT_LOOKBACK / HOUR) as f64;
    if share < config.min_active_share {
        return None;
    }

    // Every source that saw the host stops within the spread, or within its own longest
    // lull for a sparse source.
    let mut last_by_source: BTreeMap<SourceFormat, &Event> = BTreeMap::new();
    let mut lull_by_source: BTreeMap<SourceFormat, i64> = BTreeMap::new();
    for event in &recent {
        if let Some(previous) = last_by_source.insert(event.format, event) {
            let lull = lull_by_source.entry(event.format).or_insert(0);
            *lull = (*lull).max(event.ts.since(previous.ts));
        }
    }
    let stopped_late = |(format, event): (&SourceFormat, &&Event)| {
        let allowed = SILENT_SOURCE_SPREAD.max(lull_by_source.get(format).copied().unwrap_or(0));
        last.since(event.ts) > allowed
    };
    if last_by_source.iter().any(stopped_late) {
        return None;
    }
    Some(finding(host, last, input.range.1, share, &last_by_source, config))
}

fn finding(host: IpAddr, last: Timestamp, end: Timestamp, share: f64, sources: &BTreeMap<SourceFormat, &Event>, config: &SilentConfig) -> Finding {
    let silence = end.since(last);
    let mut finding = Finding::new(Rule::WentSilent, host, (last, end), Severity::Medium, strength(silence as f64, 2.0 * config.min_silence as f64))
        .fact("silence_secs", silence as f64 / 1e9)
        .fact("active_share", share)
        .fact("sources", sources.len() as f64);
    let names: Vec<&str> = sources.keys().map(|format| format.as_str()).collect();
    finding.message = format!(
        "{host} may have been switched off or cleaned: active in {:.0}% of the hours of the day before, then nothing from it in {} ({}) for the last {}",
        share * 100.0,
        names.len(),
        names.join(", "),
        human_duration(silence)
    );
    finding.evidence = sources.values().map(|event| Evidence::from_event(event, Some("last record"))).collect();
    finding
}

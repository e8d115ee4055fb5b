//! AlertChain: IDS alerts on one local host in the order of an infection: an exploit, then an
//! infection check or a trojan (command-and-control) alert, then scanning, all within
//! [`CHAIN_WINDOW`] of the exploit.
//!
//! Alerts are the events whose normalized type is one of the steps' types (see
//! [`crate::events::ALERT_TYPE_RULES`]); each belongs to its local endpoint (the source when
//! local, else the destination). The finding lists each step's first alert and the gaps
//! between them. A lone exploit alert (a blocked attack) or scan alerts without an exploit
//! before them (a vulnerability scanner) do not fire.

use super::{human_duration, Evidence, Finding, Input, Rule, Severity, HOUR};
use crate::events::{Event, EventType};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// From the exploit to the first scan alert. Worms start spreading within minutes to an
/// hour of infection; two hours leaves room for a slow start without chaining unrelated days.
pub const CHAIN_WINDOW: i64 = 2 * HOUR;

/// Settings of AlertChain.
#[derive(Clone, Debug, Serialize)]
pub struct ChainConfig {
    /// Longest time from exploit to scan, in nanoseconds (default [`CHAIN_WINDOW`]).
    pub window: i64,
}

impl Default for ChainConfig {
    fn default() -> ChainConfig {
        ChainConfig { window: CHAIN_WINDOW }
    }
}

/// The three steps and the event types each accepts.
const STEPS: [(&str, &[EventType]); 3] = [
    ("exploit", &[EventType::Exploit]),
    ("infection check or trojan", &[EventType::InfectionCheck, EventType::Trojan]),
    ("scan", &[EventType::Scan, EventType::Worm]),
];

/// Runs the rule.
pub fn detect(input: &Input) -> Vec<Finding> {
    let mut per_host: BTreeMap<IpAddr, Vec<&Event>> = BTreeMap::new();
    let step_types: Vec<EventType> = STEPS.iter().flat_map(|(_, types)| types.iter().copied()).collect();
    for event in input.report.events.iter().filter(|e| step_types.contains(&e.event_type)) {
        if let Some(host) = input.event_host(event) {
            per_host.entry(host).or_default().push(event);
        }
    }

    let window = input.config.alert_chain.window;
    per_host.into_iter().filter_map(|(host, alerts)| chain(&alerts, window).map(|steps| finding(host, &steps))).collect()
}

/// Returns the first complete chain in `alerts` (time order): one alert per step.
fn chain<'a>(alerts: &[&'a Event], window: i64) -> Option<[&'a Event; 3]> {
    for (index, exploit) in alerts.iter().enumerate() {
        if exploit.event_type != EventType::Exploit {
            continue;
        }
        let deadline = exploit.ts.plus_nanos(window);
        let later = &alerts[index + 1..];
        let within = |event: &&&Event| event.ts <= deadline;
        let Some(check_at) = later.iter().take_while(within).position(|e| STEPS[1].1.contains(&e.event_type)) else {
            continue;
        };
        let after_check = &later[check_at + 1..];
        if let Some(scan) = after_check.iter().take_while(within).find(|e| STEPS[2].1.contains(&e.event_type)) {
            return Some([exploit, later[check_at], scan]);
        }
    }
    None
}

fn finding(host: IpAddr, steps: &[&Event; 3]) -> Finding {
    let gap1 = steps[1].ts.since(steps[0].ts);
    let gap2 = steps[2].ts.since(steps[1].ts);
    let mut finding = Finding::new(Rule::AlertChain, host, (steps[0].ts, steps[2].ts), Severity::High, 1.0)
        .fact("exploit_to_check_secs", gap1 as f64 / 1e9)
        .fact("check_to_scan_secs", gap2 as f64 / 1e9);
    finding.message = format!(
        "{host} looks infected: exploit alert '{}', {} later '{}', {} later scan alert '{}'",
        steps[0].name,
        human_duration(gap1),
        steps[1].name,
        human_duration(gap2),
        steps[2].name
    );
    finding.evidence = steps.iter().zip(STEPS).map(|(event, (label, _))| Evidence::from_event(event, Some(label))).collect();
    finding
}

//! truth.json: every host's role and, per detection rule, which hosts a good rule flags and
//! when, plus the decoys it must leave alone and why.
//!
//! Story rules (NewServicePort, SpamBurst, AlertChain, LinkedInOut, WentSilent) take their
//! spans from what the generator did. The scan rules and NeverBeforeSeen are computed from the
//! generated connection attempts themselves, so the truth matches the data even where noise
//! crosses a threshold:
//!
//! - AddressScan: one originator with failed TCP attempts (unanswered, rejected, or reset before
//!   data) to at least [`ADDRESS_SCAN_HOSTS`] distinct hosts on one port within a sliding
//!   5-minute window; PortScan: to at least [`PORT_SCAN_PORTS`] distinct ports of one host.
//!   These are scan.zeek's defaults (`addr_scan_threshold` 25, `port_scan_threshold` 15,
//!   5-minute `addr_scan_interval` / `port_scan_interval`). Zeek counts per SumStats epoch
//!   rather than in a sliding window, so an epoch boundary can split a short burst. The
//!   generator's bursts have 60 targets, so one side of any split still has 30.
//! - NeverBeforeSeen: per campus host, each item first seen after the learning window and never
//!   in it. Items are inbound ports (established, host as responder), outbound TCP/UDP ports
//!   (host as originator), peer /8s (either direction) and event types (Snort messages and NNM
//!   plugin names).

use super::background::DecoyFacts;
use super::network::Role;
use super::scenario::{Scenario, MINUTE};
use super::story::OutbreakFacts;
use super::syslog::rfc3339;
use super::traffic::{Attempt, Recorder, SECOND};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// scan.zeek's address-scan threshold: distinct hosts on one port.
pub const ADDRESS_SCAN_HOSTS: usize = 25;
/// scan.zeek's port-scan threshold: distinct ports on one host.
pub const PORT_SCAN_PORTS: usize = 15;
/// scan.zeek's counting interval.
const SCAN_WINDOW: u64 = 5 * MINUTE;
/// Qualifying windows closer than this are reported as one span.
const SPAN_GAP: u64 = 60 * MINUTE;

/// The whole truth file.
#[derive(Serialize)]
pub struct Truth {
    /// Schema name and version.
    pub schema: &'static str,
    pub parameters: Value,
    pub files: Value,
    pub network: Value,
    pub timeline: BTreeMap<&'static str, Value>,
    pub outbreak: Value,
    pub decoys: Value,
    /// Every campus host.
    pub hosts: Vec<HostTruth>,
    /// Named Internet hosts of the story.
    pub internet_hosts: Vec<HostTruth>,
    /// Rule name to expectation.
    pub rules: BTreeMap<&'static str, RuleTruth>,
}

/// One host and its role.
#[derive(Clone, Serialize)]
pub struct HostTruth {
    pub address: String,
    pub role: String,
}

/// The expected findings of one rule.
#[derive(Default, Serialize)]
pub struct RuleTruth {
    /// The rule's definition, in one sentence.
    pub definition: &'static str,
    /// Hosts the rule should flag.
    pub flag: Vec<Flag>,
    /// Hosts that look similar but must not be flagged.
    pub must_not_flag: Vec<NotFlag>,
}

/// One expected finding.
#[derive(Clone, Serialize)]
pub struct Flag {
    pub host: String,
    pub role: String,
    /// Span start and end, Unix seconds.
    pub start: f64,
    pub end: f64,
    /// Rule-specific evidence.
    pub detail: Value,
}

/// One decoy a rule must leave alone.
#[derive(Clone, Serialize)]
pub struct NotFlag {
    pub host: String,
    pub role: String,
    pub reason: &'static str,
}

/// Converts microseconds to Unix seconds.
pub fn seconds(micros: u64) -> f64 {
    micros as f64 / SECOND as f64
}

fn moment(micros: u64) -> Value {
    json!({ "unix": seconds(micros), "utc": rfc3339(micros / SECOND) })
}

fn role_name(role: Role) -> String {
    serde_json::to_value(role).ok().and_then(|value| value.as_str().map(str::to_string)).unwrap_or_default()
}

/// Builds the truth from the scenario, the recorder's observations and the facts of the run.
pub fn build(
    scenario: &Scenario,
    recorder: &Recorder,
    outbreak: &OutbreakFacts,
    decoys: &DecoyFacts,
    files: Value,
) -> Truth {
    let network = &scenario.network;
    let roles: HashMap<Ipv4Addr, Role> = network.hosts.iter().map(|host| (host.address, host.role)).collect();
    let role_of =
        |address: Ipv4Addr| roles.get(&address).map(|role| role_name(*role)).unwrap_or_else(|| "internet".to_string());
    let hosts = network
        .hosts
        .iter()
        .map(|host| HostTruth { address: host.address.to_string(), role: role_name(host.role) })
        .collect();

    let mut rules = BTreeMap::new();
    rules.insert("AddressScan", address_scans(&recorder.attempts, &role_of));
    rules.insert("PortScan", port_scans(&recorder.attempts, &role_of));
    rules.insert("NeverBeforeSeen", never_before_seen(scenario, recorder, &role_of));
    super::truth_rules::insert_story_rules(&mut rules, scenario, outbreak);

    Truth {
        schema: "wormscope-synth-truth/1",
        parameters: json!({ "seed": scenario.params.seed, "hosts": scenario.params.hosts, "days": scenario.params.days, "scale": scenario.params.scale }),
        files,
        network: network_value(scenario),
        timeline: timeline(scenario, outbreak),
        outbreak: super::truth_rules::outbreak_value(outbreak),
        decoys: super::truth_rules::decoys_value(decoys),
        hosts,
        internet_hosts: super::truth_rules::internet_hosts(outbreak),
        rules,
    }
}

fn network_value(scenario: &Scenario) -> Value {
    json!({
        "campus": format!("10.{}.0.0/16", scenario.network.second_octet),
        "capture_vantage": "campus core: every frame, campus-internal and Internet-bound",
        "snort_vantage": "campus core: every frame",
        "nnm_vantage": "Internet border: connections with exactly one campus endpoint",
        "tnm_vantage": "Internet border: connections with exactly one campus endpoint",
    })
}

fn timeline(scenario: &Scenario, outbreak: &OutbreakFacts) -> BTreeMap<&'static str, Value> {
    let t = &scenario.timeline;
    let mut map = BTreeMap::new();
    for (name, time) in [
        ("start", t.start),
        ("end", t.end),
        ("learning_end", t.learning_end),
        ("exploit", outbreak.exploit_alert),
        ("infection_check", outbreak.infection_alert),
        ("first_keepalive", outbreak.first_keepalive_alert),
        ("service_open", t.service_open),
        ("scan_start", t.scan_start),
        ("scan_end", outbreak.scan_end),
        ("spam_start", t.spam_start),
        ("spam_end", outbreak.spam_end),
        ("switch_off", t.switch_off),
    ] {
        map.insert(name, moment(time));
    }
    map
}

/// Returns the failed TCP attempts grouped by `key`, each group sorted by time.
fn failed_groups<K: Ord>(attempts: &[Attempt], key: impl Fn(&Attempt) -> K) -> BTreeMap<K, Vec<&Attempt>> {
    let mut groups: BTreeMap<K, Vec<&Attempt>> = BTreeMap::new();
    for attempt in attempts.iter().filter(|attempt| attempt.failed && !attempt.udp) {
        groups.entry(key(attempt)).or_default().push(attempt);
    }
    for group in groups.values_mut() {
        group.sort_by_key(|attempt| attempt.time);
    }
    groups
}

/// Returns the spans in which a sliding window over `group` contains at least `threshold`
/// distinct values of `item`.
fn threshold_spans<T: Eq + std::hash::Hash + Copy>(
    group: &[&Attempt],
    item: impl Fn(&Attempt) -> T,
    threshold: usize,
) -> Vec<(u64, u64)> {
    let mut counts: HashMap<T, usize> = HashMap::new();
    let mut spans: Vec<(u64, u64)> = Vec::new();
    let mut first = 0;
    for attempt in group {
        *counts.entry(item(attempt)).or_insert(0) += 1;

        // Drop attempts that fell out of the window ending at this one.
        while group[first].time + SCAN_WINDOW < attempt.time {
            let old = item(group[first]);
            if let Some(count) = counts.get_mut(&old) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(&old);
                }
            }
            first += 1;
        }

        if counts.len() >= threshold {
            match spans.last_mut() {
                Some(span) if attempt.time <= span.1 + SPAN_GAP => span.1 = attempt.time,
                _ => spans.push((attempt.time, attempt.time)),
            }
        }
    }
    spans
}

fn address_scans(attempts: &[Attempt], role_of: &dyn Fn(Ipv4Addr) -> String) -> RuleTruth {
    let mut rule = RuleTruth { definition: "one originator fails to connect to at least 25 distinct hosts on one port within 5 minutes (failed: unanswered, rejected, or reset before data)", ..RuleTruth::default() };
    for ((orig, port), group) in failed_groups(attempts, |attempt| (attempt.orig, attempt.resp_port)) {
        if group.len() < ADDRESS_SCAN_HOSTS {
            continue;
        }
        for (start, end) in threshold_spans(&group, |attempt| attempt.resp, ADDRESS_SCAN_HOSTS) {
            let detail = json!({ "port": port });
            rule.flag.push(Flag {
                host: orig.to_string(),
                role: role_of(orig),
                start: seconds(start),
                end: seconds(end),
                detail,
            });
        }
    }
    rule
}

fn port_scans(attempts: &[Attempt], role_of: &dyn Fn(Ipv4Addr) -> String) -> RuleTruth {
    let mut rule = RuleTruth {
        definition: "one originator fails to connect to at least 15 distinct ports of one host within 5 minutes",
        ..RuleTruth::default()
    };
    let mut per_orig: BTreeMap<Ipv4Addr, Vec<(u64, u64, Ipv4Addr)>> = BTreeMap::new();
    for ((orig, resp), group) in failed_groups(attempts, |attempt| (attempt.orig, attempt.resp)) {
        if group.len() < PORT_SCAN_PORTS {
            continue;
        }
        for (start, end) in threshold_spans(&group, |attempt| attempt.resp_port, PORT_SCAN_PORTS) {
            per_orig.entry(orig).or_default().push((start, end, resp));
        }
    }

    // One flag per originator and sweep: targets scanned within an hour of each other merge.
    for (orig, mut spans) in per_orig {
        spans.sort();
        let mut merged: Vec<(u64, u64, BTreeSet<Ipv4Addr>)> = Vec::new();
        for (start, end, target) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 + SPAN_GAP => {
                    last.1 = last.1.max(end);
                    last.2.insert(target);
                }
                _ => merged.push((start, end, BTreeSet::from([target]))),
            }
        }
        for (start, end, targets) in merged {
            let detail = json!({ "targets": targets.len() });
            rule.flag.push(Flag {
                host: orig.to_string(),
                role: role_of(orig),
                start: seconds(start),
                end: seconds(end),
                detail,
            });
        }
    }
    rule
}

/// The kinds of item NeverBeforeSeen tracks, as (kind, value) pairs.
type Item = (&'static str, String);

fn host_items(scenario: &Scenario, recorder: &Recorder) -> Vec<(u64, Ipv4Addr, Item)> {
    let network = &scenario.network;
    let mut items = Vec::new();
    for attempt in &recorder.attempts {
        if network.is_campus(attempt.orig) {
            let protocol = if attempt.udp { "udp" } else { "tcp" };
            items.push((attempt.time, attempt.orig, ("outbound_port", format!("{}/{protocol}", attempt.resp_port))));
            items.push((attempt.time, attempt.orig, ("peer_slash8", format!("{}.0.0.0/8", attempt.resp.octets()[0]))));
        }
        if network.is_campus(attempt.resp) {
            if attempt.established {
                let protocol = if attempt.udp { "udp" } else { "tcp" };
                items.push((attempt.time, attempt.resp, ("inbound_port", format!("{}/{protocol}", attempt.resp_port))));
            }
            items.push((attempt.time, attempt.resp, ("peer_slash8", format!("{}.0.0.0/8", attempt.orig.octets()[0]))));
        }
    }
    for (time, host, kind) in &recorder.events {
        items.push((*time, *host, ("event_type", kind.clone())));
    }
    items.sort();
    items
}

fn never_before_seen(scenario: &Scenario, recorder: &Recorder, role_of: &dyn Fn(Ipv4Addr) -> String) -> RuleTruth {
    let hosts: BTreeSet<Ipv4Addr> = scenario.network.hosts.iter().map(|host| host.address).collect();
    let is_host = |address: &Ipv4Addr| hosts.contains(address);
    let learning_end = scenario.timeline.learning_end;
    let mut known: BTreeSet<(Ipv4Addr, Item)> = BTreeSet::new();
    let mut new_items: BTreeMap<Ipv4Addr, Vec<(u64, Item)>> = BTreeMap::new();
    for (time, host, item) in host_items(scenario, recorder) {
        // Unused campus addresses that only the scanner touched are not hosts.
        if !is_host(&host) {
            continue;
        }
        if !known.insert((host, item.clone())) {
            continue;
        }
        if time >= learning_end {
            new_items.entry(host).or_default().push((time, item));
        }
    }

    let mut rule = RuleTruth { definition: "a campus host's first inbound port, outbound port, peer /8 or event type after the learning window (which ends at learning_end)", ..RuleTruth::default() };
    for (host, items) in new_items {
        let start = items.first().map_or(0, |item| item.0);
        let end = items.last().map_or(0, |item| item.0);
        let listed: Vec<Value> = items
            .iter()
            .map(|(time, (kind, value))| json!({ "kind": kind, "value": value, "first_seen": seconds(*time) }))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, (kind, _)) in &items {
            *counts.entry(kind).or_insert(0) += 1;
        }
        let detail = json!({ "counts": counts, "items": listed });
        rule.flag.push(Flag {
            host: host.to_string(),
            role: role_of(host),
            start: seconds(start),
            end: seconds(end),
            detail,
        });
    }
    rule
}

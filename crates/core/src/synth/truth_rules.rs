//! The story-driven parts of truth.json: the rules whose expected findings follow from what the
//! generator planned, and the outbreak summary.

use super::background::DecoyFacts;
use super::network::Role;
use super::scenario::Scenario;
use super::story::OutbreakFacts;
use super::truth::{seconds, Flag, HostTruth, NotFlag, RuleTruth};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The hosts the story rules name.
struct Cast {
    infected: String,
    web: String,
    mail: String,
    scanner: String,
    new_service: String,
    alert_decoy: String,
}

impl Cast {
    fn new(scenario: &Scenario) -> Cast {
        let address = |role| scenario.network.host_with(role).address.to_string();
        Cast {
            infected: address(Role::Infected),
            web: address(Role::BusyWebServer),
            mail: address(Role::MailServer),
            scanner: address(Role::Scanner),
            new_service: address(Role::NewService),
            alert_decoy: address(Role::AlertDecoy),
        }
    }

    /// Returns a flag on the infected host from `start` to `end` (microseconds).
    fn flag(&self, start: u64, end: u64, detail: Value) -> Vec<Flag> {
        let host = self.infected.clone();
        vec![Flag { host, role: "infected".to_string(), start: seconds(start), end: seconds(end), detail }]
    }
}

fn not_flag(host: &str, role: &str, reason: &'static str) -> NotFlag {
    NotFlag { host: host.to_string(), role: role.to_string(), reason }
}

/// Adds NewServicePort, SpamBurst, AlertChain, LinkedInOut and WentSilent.
pub fn insert_story_rules(
    rules: &mut BTreeMap<&'static str, RuleTruth>,
    scenario: &Scenario,
    outbreak: &OutbreakFacts,
) {
    let cast = Cast::new(scenario);
    rules.insert("NewServicePort", new_service_port(&cast, scenario, outbreak));
    rules.insert("SpamBurst", spam_burst(&cast, scenario, outbreak));
    rules.insert("AlertChain", alert_chain(&cast, outbreak));
    rules.insert("LinkedInOut", linked_in_out(&cast, scenario, outbreak));
    rules.insert(
        "WentSilent",
        RuleTruth {
            definition: "an active host stops in every source at once",
            flag: cast.flag(
                scenario.timeline.switch_off,
                scenario.timeline.end,
                json!({ "probes_after_switch_off": outbreak.probes_after_switch_off }),
            ),
            must_not_flag: vec![],
        },
    );
}

fn new_service_port(cast: &Cast, scenario: &Scenario, outbreak: &OutbreakFacts) -> RuleTruth {
    let detail = json!({ "port": outbreak.service_port, "peer_slash8s": slash8_count(outbreak) });
    RuleTruth {
        definition: "a host starts accepting connections on a port it never served before, with inbound fan-in from many distinct /8s",
        flag: cast.flag(scenario.timeline.service_open, scenario.timeline.switch_off, detail),
        must_not_flag: vec![
            not_flag(&cast.new_service, "new_service", "new port, but its clients are campus hosts and two collaborators in two /8s"),
            not_flag(&cast.web, "busy_web_server", "fan-in from many /8s, but on ports 80 and 443 served since the capture began"),
        ],
    }
}

fn spam_burst(cast: &Cast, scenario: &Scenario, outbreak: &OutbreakFacts) -> RuleTruth {
    let detail = json!({ "attempts": outbreak.spam_per_hour.iter().sum::<u64>(), "per_hour": outbreak.spam_per_hour });
    RuleTruth {
        definition: "outbound SMTP from a host that does not normally send mail, mostly failing or rejected",
        flag: cast.flag(scenario.timeline.spam_start, outbreak.spam_end, detail),
        must_not_flag: vec![not_flag(&cast.mail, "mail_server", "sends SMTP all the time, and its deliveries succeed")],
    }
}

fn alert_chain(cast: &Cast, outbreak: &OutbreakFacts) -> RuleTruth {
    let detail = json!({
        "exploit": seconds(outbreak.exploit_alert),
        "infection_check": seconds(outbreak.infection_alert),
        "first_trojan": seconds(outbreak.first_keepalive_alert),
        "first_scan": seconds(outbreak.first_scan_alert),
    });
    RuleTruth {
        definition: "IDS alerts on one host in the order exploit, then infection check or trojan, then scanning, within a window (here under 90 minutes)",
        flag: cast.flag(outbreak.exploit_alert, outbreak.first_scan_alert, detail),
        must_not_flag: vec![
            not_flag(&cast.alert_decoy, "alert_decoy", "one exploit alert with no infection check, trojan or scan alert after it"),
            not_flag(&cast.scanner, "scanner", "scan alerts only, with no exploit or trojan alert before them"),
        ],
    }
}

fn linked_in_out(cast: &Cast, scenario: &Scenario, outbreak: &OutbreakFacts) -> RuleTruth {
    let detail =
        json!({ "inbound_per_hour": outbreak.inbound_per_hour, "outbound_per_hour": outbreak.outbound_per_hour });
    RuleTruth {
        definition: "inbound and outbound connection counts of a host correlated hour by hour over a sustained period",
        flag: cast.flag(scenario.timeline.service_open, scenario.timeline.switch_off, detail),
        must_not_flag: vec![not_flag(
            &cast.web,
            "busy_web_server",
            "heavy inbound, but its outbound is one update check every three hours, independent of the inbound load",
        )],
    }
}

fn slash8_count(outbreak: &OutbreakFacts) -> usize {
    outbreak.service_peers.iter().map(|peer| peer.octets()[0]).collect::<BTreeSet<_>>().len()
}

/// Summarises the outbreak.
pub fn outbreak_value(outbreak: &OutbreakFacts) -> Value {
    json!({
        "infected": outbreak.infected.map(|address| address.to_string()),
        "service_port": outbreak.service_port,
        "service_peers": outbreak.service_peers.len(),
        "service_peer_slash8s": slash8_count(outbreak),
        "scan_port": outbreak.scan_port,
        "scan_attempts": outbreak.scan_attempts,
        "scan_bursts": outbreak.scan_bursts,
        "spam_attempts": outbreak.spam_per_hour.iter().sum::<u64>(),
        "keepalives": outbreak.keepalives,
        "probes_after_switch_off": outbreak.probes_after_switch_off,
    })
}

/// Lists the story's named Internet hosts.
pub fn internet_hosts(outbreak: &OutbreakFacts) -> Vec<HostTruth> {
    let named = [
        ("exploit_site", outbreak.exploit_site),
        ("geolocation_service", outbreak.geolocation),
        ("command_server", outbreak.command_server),
    ];
    named
        .iter()
        .filter_map(|(role, endpoint)| {
            endpoint.map(|endpoint| HostTruth { address: endpoint.ip().to_string(), role: role.to_string() })
        })
        .collect()
}

/// Summarises the decoys' planned behaviour.
pub fn decoys_value(decoys: &DecoyFacts) -> Value {
    let runs: Vec<Value> = decoys
        .scanner_runs
        .iter()
        .map(|(start, end)| json!({ "start": seconds(*start), "end": seconds(*end) }))
        .collect();
    json!({
        "new_service_port": decoys.new_service_port,
        "new_service_open": seconds(decoys.new_service_open),
        "decoy_alert": seconds(decoys.decoy_alert),
        "scanner_runs": runs,
    })
}

//! The story-driven parts of truth.json: the rules whose expected findings follow from what the
//! generator planned, and the outbreak summary.

use super::background::DecoyFacts;
use super::network::Role;
use super::scenario::Scenario;
use super::story::OutbreakFacts;
use super::truth::{seconds, Flag, HostTruth, NotFlag, RuleTruth};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Adds NewServicePort, SpamBurst, AlertChain, LinkedInOut and WentSilent.
pub fn insert_story_rules(
    rules: &mut BTreeMap<&'static str, RuleTruth>,
    scenario: &Scenario,
    outbreak: &OutbreakFacts,
) {
    let network = &scenario.network;
    let infected = network.host_with(Role::Infected).address.to_string();
    let web = network.host_with(Role::BusyWebServer).address.to_string();
    let mail = network.host_with(Role::MailServer).address.to_string();
    let scanner = network.host_with(Role::Scanner).address.to_string();
    let new_service = network.host_with(Role::NewService).address.to_string();
    let decoy = network.host_with(Role::AlertDecoy).address.to_string();
    let t = &scenario.timeline;
    let flag = |start: u64, end: u64, detail: Value| Flag {
        host: infected.clone(),
        role: "infected".to_string(),
        start: seconds(start),
        end: seconds(end),
        detail,
    };
    let not = |host: &String, role: &str, reason: &'static str| NotFlag {
        host: host.clone(),
        role: role.to_string(),
        reason,
    };

    rules.insert("NewServicePort", RuleTruth {
        definition: "a host starts accepting connections on a port it never served before, with inbound fan-in from many distinct /8s",
        flag: vec![flag(t.service_open, t.switch_off, json!({ "port": outbreak.service_port, "peer_slash8s": slash8_count(outbreak) }))],
        must_not_flag: vec![
            not(&new_service, "new_service", "new port, but its clients are campus hosts and two collaborators in two /8s"),
            not(&web, "busy_web_server", "fan-in from many /8s, but on ports 80 and 443 served since the capture began"),
        ],
    });
    rules.insert(
        "SpamBurst",
        RuleTruth {
            definition: "outbound SMTP from a host that does not normally send mail, mostly failing or rejected",
            flag: vec![flag(
                t.spam_start,
                outbreak.spam_end,
                json!({ "attempts": outbreak.spam_per_hour.iter().sum::<u64>(), "per_hour": outbreak.spam_per_hour }),
            )],
            must_not_flag: vec![not(&mail, "mail_server", "sends SMTP all the time, and its deliveries succeed")],
        },
    );
    rules.insert("AlertChain", RuleTruth {
        definition: "IDS alerts on one host in the order exploit, then infection check or trojan, then scanning, within a window (here under 90 minutes)",
        flag: vec![flag(outbreak.exploit_alert, outbreak.first_scan_alert, json!({
            "exploit": seconds(outbreak.exploit_alert),
            "infection_check": seconds(outbreak.infection_alert),
            "first_trojan": seconds(outbreak.first_keepalive_alert),
            "first_scan": seconds(outbreak.first_scan_alert),
        }))],
        must_not_flag: vec![
            not(&decoy, "alert_decoy", "one exploit alert with no infection check, trojan or scan alert after it"),
            not(&scanner, "scanner", "scan alerts only, with no exploit or trojan alert before them"),
        ],
    });
    rules.insert("LinkedInOut", RuleTruth {
        definition: "inbound and outbound connection counts of a host correlated hour by hour over a sustained period",
        flag: vec![flag(t.service_open, t.switch_off, json!({ "inbound_per_hour": outbreak.inbound_per_hour, "outbound_per_hour": outbreak.outbound_per_hour }))],
        must_not_flag: vec![not(&web, "busy_web_server", "heavy inbound, but its outbound is one update check every three hours, independent of the inbound load")],
    });
    rules.insert(
        "WentSilent",
        RuleTruth {
            definition: "an active host stops in every source at once",
            flag: vec![flag(
                t.switch_off,
                t.end,
                json!({ "probes_after_switch_off": outbreak.probes_after_switch_off }),
            )],
            must_not_flag: vec![],
        },
    );
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

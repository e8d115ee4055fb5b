//! The outbreak: one campus workstation is compromised, runs a peer-to-peer service, scans,
//! spams and is finally switched off.
//!
//! Steps, with the times drawn in [`Timeline::draw`](super::scenario::Timeline::draw):
//!
//! 1. Exploit: the host loads a page from an exploit site; Snort raises
//!    `ET WEB_CLIENT Possible script execution from web page` on the response.
//! 2. Infection check, 2 to 6 minutes later: a geolocation lookup (`ET POLICY External IP
//!    Lookup (geolocation)`), then HTTP keep-alives to a command server every 10 to 20
//!    minutes, each raising an `ET TROJAN ... Keep-Alive` alert.
//! 3. New service, 15 to 40 minutes after the exploit: the host accepts connections on a random
//!    high port. Hundreds of peers from many /8s connect in, and the host connects out to peers
//!    on the same port. Inbound and outbound hourly counts follow one shared envelope (a raised
//!    cosine with a period of 8 to 14 hours, 15% noise), so they rise and fall together. NNM
//!    reports the port as new and as an unapproved service.
//! 4. Scan, 50 to 70 minutes after the exploit, until the switch-off: bursts of 60 SYNs to
//!    random Internet addresses on one port (444, 445, 3306, 1433 or 5900), 1.5 to 3.5 s
//!    apart. 85% go unanswered (with one or two retransmissions), 15% are rejected with RST.
//!    Each burst raises one `ET SCAN Potential outbound scan on port N` alert.
//! 5. Spam, 5 to 20 minutes after the scan starts: outbound SMTP to fresh mail servers, most
//!    rejected, unanswered or refused with a 554 greeting. The hourly count decays
//!    exponentially from its first-hour peak and stops within 22 hours.
//! 6. Switch-off, 44 to 50 hours after the exploit: nothing more leaves the host. A few peers
//!    still send SYNs to the service port afterwards and get no answer.

use super::background::{resolve, web_visit, EXPLOIT, SNORT_PID};
use super::network::{client_port, internet_address, Host, Role};
use super::payload::{http_request, http_response, peer_segments, smtp_delivery, smtp_refusal};
use super::rng::SplitMix64;
use super::scenario::{Scenario, Site, HOUR, MINUTE};
use super::syslog::{nnm_line, snort_line, NnmPlugin, SnortRule};
use super::traffic::{Close, Outcome, Recorder, Segment, TcpPlan, SECOND};
use std::net::{Ipv4Addr, SocketAddrV4};

/// Scan attempts over the whole scan at scale 1.
const SCAN_ATTEMPTS: f64 = 60_000.0;
/// SYNs per scan burst, and the minimum number of bursts at any scale.
const SCAN_BURST: usize = 60;
const MIN_SCAN_BURSTS: usize = 12;
/// The ports the worm may scan.
const SCAN_PORTS: [u16; 5] = [444, 445, 3306, 1433, 5900];
/// Spam attempts in the first hour at scale 1 (at least 20).
const SPAM_PEAK: f64 = 200.0;
/// Peers of the worm's service at scale 1 (at least 40).
const SERVICE_PEERS: f64 = 400.0;
/// Mean inbound and outbound peer connections per hour at the envelope's top, at scale 1.
const INBOUND_PER_HOUR: f64 = 60.0;
const OUTBOUND_PER_HOUR: f64 = 40.0;

const GEOLOCATION: SnortRule = SnortRule {
    gid: 1,
    sid: 2_013_028,
    rev: 7,
    message: "ET POLICY External IP Lookup (geolocation)",
    classification: "Device Retrieving External IP Address Detected",
    priority: 2,
};
const KEEPALIVE: SnortRule = SnortRule {
    gid: 1,
    sid: 2_024_897,
    rev: 2,
    message: "ET TROJAN Backdoor.Win32/Synthworm CnC Keep-Alive",
    classification: "A Network Trojan was detected",
    priority: 1,
};
const SPAM: SnortRule = SnortRule {
    gid: 1,
    sid: 2_008_098,
    rev: 4,
    message: "ET POLICY Possible outbound SPAM (high SMTP connection rate)",
    classification: "Potential Corporate Privacy Violation",
    priority: 1,
};
const SCAN_MESSAGES: [&str; 5] = [
    "ET SCAN Potential outbound scan on port 444",
    "ET SCAN Potential outbound scan on port 445",
    "ET SCAN Potential outbound scan on port 3306",
    "ET SCAN Potential outbound scan on port 1433",
    "ET SCAN Potential outbound scan on port 5900",
];

/// NNM plugin 0: an open port was seen; the event's source is the server.
pub const OPEN_PORT: NnmPlugin = NnmPlugin {
    id: 0,
    name: "Open Port",
    description: "A service was seen accepting connections on this port",
    risk: "NONE",
};
/// A port first seen open after NNM's first day of learning.
pub const NEW_OPEN_PORT: NnmPlugin = NnmPlugin {
    id: 7033,
    name: "New Open Port",
    description: "A port that was not seen open before is now answering connections",
    risk: "LOW",
};
const UNAPPROVED_SERVICE: NnmPlugin = NnmPlugin {
    id: 7050,
    name: "Policy Compliance: Unapproved Service",
    description: "A host is offering a service that is not in the approved service list",
    risk: "MEDIUM",
};
const SMTP_NOT_RELAY: NnmPlugin = NnmPlugin {
    id: 7051,
    name: "Policy Compliance: Outbound SMTP Not Via Mail Relay",
    description: "A host other than the mail relay is connecting to Internet mail servers",
    risk: "MEDIUM",
};

/// Facts of the outbreak as generated, for truth.json.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutbreakFacts {
    /// The compromised host.
    pub infected: Option<Ipv4Addr>,
    /// Alert times (microseconds): exploit, infection check, first keep-alive, first scan.
    pub exploit_alert: u64,
    pub infection_alert: u64,
    pub first_keepalive_alert: u64,
    pub first_scan_alert: u64,
    /// Keep-alive count.
    pub keepalives: u64,
    /// The exploit site, geolocation service and command server.
    pub exploit_site: Option<SocketAddrV4>,
    pub geolocation: Option<SocketAddrV4>,
    pub command_server: Option<SocketAddrV4>,
    /// The new service's port and its peers.
    pub service_port: u16,
    pub service_peers: Vec<Ipv4Addr>,
    /// Inbound and outbound peer connections per hour from the service's opening.
    pub inbound_per_hour: Vec<u64>,
    pub outbound_per_hour: Vec<u64>,
    /// The scanned port, attempts and bursts, and the last scan SYN.
    pub scan_port: u16,
    pub scan_attempts: u64,
    pub scan_bursts: u64,
    pub scan_end: u64,
    /// Spam attempts per hour from the spam start, and the last one.
    pub spam_per_hour: Vec<u64>,
    pub spam_end: u64,
    /// SYNs that reached the switched-off host.
    pub probes_after_switch_off: u64,
}

/// Generates the outbreak.
pub fn generate(recorder: &mut Recorder, scenario: &mut Scenario) -> OutbreakFacts {
    let mut rng = SplitMix64::stream(scenario.params.seed, "outbreak");
    let host = scenario.network.host_with(Role::Infected).clone();
    let mut facts = OutbreakFacts { infected: Some(host.address), ..OutbreakFacts::default() };

    exploit(recorder, scenario, &mut rng, &host, &mut facts);
    keepalives(recorder, scenario, &mut rng, &host, &mut facts);
    service(recorder, scenario, &mut rng, &host, &mut facts);
    scan(recorder, scenario, &mut rng, &host, &mut facts);
    spam(recorder, scenario, &mut rng, &host, &mut facts);
    probes(recorder, scenario, &mut rng, &host, &mut facts);
    facts
}

fn alert(
    recorder: &mut Recorder,
    host: Ipv4Addr,
    time: u64,
    rule: &SnortRule,
    source: SocketAddrV4,
    destination: SocketAddrV4,
) {
    recorder.log(time, snort_line(time / SECOND, SNORT_PID, rule, "TCP", source, destination));
    recorder.event(time, host, rule.message);
}

fn nnm(
    recorder: &mut Recorder,
    host: Ipv4Addr,
    time: u64,
    plugin: &NnmPlugin,
    source: SocketAddrV4,
    destination: SocketAddrV4,
) {
    recorder.log(time, nnm_line(time / SECOND, plugin, 6, source, destination));
    recorder.event(time, host, plugin.name);
}

fn exploit(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    let site = Site { address: internet_address(rng), name: "cdn.promo-offers.example.net".to_string() };
    let before = recorder.lines.len();
    web_visit(recorder, scenario, rng, host.address, &site, scenario.timeline.exploit, Some(EXPLOIT));
    facts.exploit_alert = recorder.lines[before..].iter().map(|line| line.0).max().unwrap_or(scenario.timeline.exploit);
    facts.exploit_site = Some(SocketAddrV4::new(site.address, 0));

    // The infection check: the malware queries a geolocation service for its public address.
    let geo = Site { address: internet_address(rng), name: "ip-api.example.com".to_string() };
    let time = scenario.timeline.infection_check;
    resolve(recorder, scenario, rng, host.address, &geo, time);
    let client = SocketAddrV4::new(host.address, scenario.ephemeral_port(host.address));
    let server = SocketAddrV4::new(geo.address, 80);
    let body = br#"{"status":"success","country":"Example","query":"198.51.100.7"}"#;
    let segments = vec![
        Segment { from_client: true, data: http_request(&geo.name, "/json/"), delay: 500 },
        Segment { from_client: false, data: http_response("application/json", 0, Some(body)), delay: 40_000 },
    ];
    let plan = TcpPlan {
        start: time + 30_000,
        client,
        server,
        rtt: 60_000,
        outcome: Outcome::Exchange { segments, close: Close::Fin },
    };
    let summary = recorder.tcp(&plan);
    let at = summary.first_response.unwrap_or(summary.end);
    alert(recorder, host.address, at, &GEOLOCATION, client, server);
    facts.infection_alert = at;
    facts.geolocation = Some(server);
}

fn keepalives(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    let server = SocketAddrV4::new(internet_address(rng), 8080);
    facts.command_server = Some(server);
    let mut time = scenario.timeline.first_keepalive;
    while time + 2 * MINUTE < scenario.timeline.switch_off {
        let client = SocketAddrV4::new(host.address, scenario.ephemeral_port(host.address));
        let mut request = http_request(&server.ip().to_string(), "/gate.php?id=4f2a&cmd=ping");
        request.splice(0..3, b"POST".iter().copied());
        let segments = vec![
            Segment { from_client: true, data: request, delay: 500 },
            Segment { from_client: false, data: http_response("text/plain", 0, Some(b"OK")), delay: 90_000 },
        ];
        let plan = TcpPlan {
            start: time,
            client,
            server,
            rtt: 110_000,
            outcome: Outcome::Exchange { segments, close: Close::Fin },
        };
        let summary = recorder.tcp(&plan);
        let at = summary.first_response.unwrap_or(summary.end);
        alert(recorder, host.address, at, &KEEPALIVE, client, server);
        if facts.keepalives == 0 {
            facts.first_keepalive_alert = at;
        }
        facts.keepalives += 1;
        time += 10 * MINUTE + rng.below(10 * MINUTE);
    }
}

/// Returns the shared activity envelope, between 0.1 and 1.0, `hour` hours after the opening.
fn envelope(hour: f64, period: f64, phase: f64) -> f64 {
    let wave = 0.5 - 0.5 * (std::f64::consts::TAU * (hour + phase) / period).cos();
    0.1 + 0.9 * wave
}

/// Draws an hour's connection count around `mean` with 15% relative noise, so the envelope
/// stays visible even at small scales where Poisson noise would hide it.
fn hourly_count(rng: &mut SplitMix64, mean: f64) -> u64 {
    (mean * (1.0 + 0.15 * rng.normal())).round().max(0.0) as u64
}

fn service(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    // NOTE: the port is random, so port-based dissectors (tshark's, Zeek's) may guess a protocol
    // for it and misread the worm's binary payloads, as they would in a real capture.
    let port = rng.range(10_000, 40_000) as u16;
    facts.service_port = port;
    let peer_count = scenario.scaled(SERVICE_PEERS, 40.0).round() as usize;
    facts.service_peers = (0..peer_count).map(|_| internet_address(rng)).collect();
    let period = 8.0 + 6.0 * rng.unit();
    let phase = period * (0.3 + 0.2 * rng.unit());

    let open = scenario.timeline.service_open;
    let last = scenario.timeline.switch_off - 2 * MINUTE;
    let mut hour_start = open;
    let mut hour = 0;
    while hour_start < last {
        let weight = envelope(hour as f64, period, phase);
        let inbound = hourly_count(rng, scenario.scaled(INBOUND_PER_HOUR, 12.0) * weight).max(u64::from(hour == 0));
        let outbound = hourly_count(rng, scenario.scaled(OUTBOUND_PER_HOUR, 8.0) * weight);
        for index in 0..inbound {
            // The first inbound connection of all marks the opening exactly.
            let time = if hour == 0 && index == 0 { open } else { hour_start + rng.below(HOUR) };
            if time < last {
                peer_connection(recorder, scenario, rng, host, facts, time, true);
            }
        }
        for _ in 0..outbound {
            let time = hour_start + rng.below(HOUR);
            if time < last {
                peer_connection(recorder, scenario, rng, host, facts, time, false);
            }
        }
        facts.inbound_per_hour.push(inbound);
        facts.outbound_per_hour.push(outbound);
        hour += 1;
        hour_start += HOUR;
    }
    compliance_events(recorder, host, facts, open, last);
}

fn peer_connection(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &OutbreakFacts,
    time: u64,
    inbound: bool,
) {
    let peer = facts.service_peers[rng.below(facts.service_peers.len() as u64) as usize];
    let (client, server) = if inbound {
        (SocketAddrV4::new(peer, client_port(rng)), SocketAddrV4::new(host.address, facts.service_port))
    } else {
        (
            SocketAddrV4::new(host.address, scenario.ephemeral_port(host.address)),
            SocketAddrV4::new(peer, facts.service_port),
        )
    };

    // One in five outbound attempts finds the peer gone.
    let outcome = if !inbound && rng.chance(0.2) {
        Outcome::Unanswered { retransmissions: 1 }
    } else {
        let (up, down) = (rng.range(60, 400) as usize, rng.range(100, 1_400) as usize);
        let segments = peer_segments(rng, up, down);
        Outcome::Exchange { segments, close: Close::Fin }
    };
    recorder.tcp(&TcpPlan { start: time, client, server, rtt: rng.range(40_000, 250_000), outcome });
}

/// Raises NNM's compliance event for the unapproved service once per hour in which the
/// border saw an inbound connection to it.
fn compliance_events(recorder: &mut Recorder, host: &Host, facts: &OutbreakFacts, open: u64, last: u64) {
    let mut reported_hour = None;
    let mut opens: Vec<_> = recorder
        .open_ports
        .iter()
        .filter(|seen| {
            *seen.server.ip() == host.address
                && seen.server.port() == facts.service_port
                && seen.time >= open
                && seen.time <= last
        })
        .copied()
        .collect();
    opens.sort();
    for seen in opens {
        let hour = (seen.time - open) / HOUR;
        if reported_hour != Some(hour) {
            reported_hour = Some(hour);
            nnm(recorder, host.address, seen.time + SECOND, &UNAPPROVED_SERVICE, seen.server, seen.client);
        }
    }
}

fn scan(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    let port_index = rng.below(SCAN_PORTS.len() as u64) as usize;
    let port = SCAN_PORTS[port_index];
    let rule = SnortRule {
        gid: 1,
        sid: 2_100_444 + port_index as u32,
        rev: 1,
        message: SCAN_MESSAGES[port_index],
        classification: "Detection of a Network Scan",
        priority: 3,
    };
    facts.scan_port = port;

    let attempts = scenario.scaled(SCAN_ATTEMPTS, 0.0).round() as usize;
    let bursts = attempts.div_ceil(SCAN_BURST).max(MIN_SCAN_BURSTS);
    let start = scenario.timeline.scan_start;
    let span = scenario.timeline.switch_off - 5 * MINUTE - start;
    let spacing = span / bursts as u64;
    for burst in 0..bursts {
        // The first burst starts on the dot; the others are jittered within their slot.
        let jitter = if burst == 0 { 0 } else { rng.below(spacing.saturating_sub(4 * MINUTE).max(1)) };
        let mut time = start + burst as u64 * spacing + jitter;
        for index in 0..SCAN_BURST {
            let client = SocketAddrV4::new(host.address, scenario.ephemeral_port(host.address));
            let server = SocketAddrV4::new(internet_address(rng), port);
            let outcome = if rng.chance(0.85) {
                Outcome::Unanswered { retransmissions: rng.range(1, 2) as u8 }
            } else {
                Outcome::Rejected
            };
            recorder.tcp(&TcpPlan { start: time, client, server, rtt: rng.range(30_000, 250_000), outcome });
            if index == 29 {
                let at = time + 200_000;
                alert(recorder, host.address, at, &rule, client, server);
                if burst == 0 {
                    facts.first_scan_alert = at;
                }
            }
            facts.scan_end = time;
            time += rng.range(1_500_000, 3_500_000);
        }
    }
    facts.scan_attempts = (bursts * SCAN_BURST) as u64;
    facts.scan_bursts = bursts as u64;
}

fn spam(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    let peak = scenario.scaled(SPAM_PEAK, 20.0);
    let decay_hours = 3.0 + 2.0 * rng.unit();
    let start = scenario.timeline.spam_start;
    for hour in 0..22u64 {
        let count = (peak * (-(hour as f64) / decay_hours).exp()).round() as u64;
        let hour_start = start + hour * HOUR;
        if count == 0 || hour_start + HOUR + MINUTE > scenario.timeline.switch_off {
            break;
        }
        let mut times: Vec<u64> = (0..count).map(|_| hour_start + rng.below(HOUR)).collect();
        times.sort_unstable();
        for (index, time) in times.iter().enumerate() {
            let server = SocketAddrV4::new(internet_address(rng), 25);
            let client = SocketAddrV4::new(host.address, scenario.ephemeral_port(host.address));
            recorder.tcp(&TcpPlan {
                start: *time,
                client,
                server,
                rtt: rng.range(30_000, 250_000),
                outcome: spam_outcome(rng),
            });
            if index == 0 {
                alert(recorder, host.address, time + SECOND, &SPAM, client, server);
                nnm(recorder, host.address, time + SECOND, &SMTP_NOT_RELAY, client, server);
            }
            facts.spam_end = *time;
        }
        facts.spam_per_hour.push(count);
    }
}

/// Draws a spam attempt's fate: 40% rejected, 25% unanswered, 25% refused in the greeting,
/// 10% accepted.
fn spam_outcome(rng: &mut SplitMix64) -> Outcome {
    let roll = rng.unit();
    if roll < 0.40 {
        Outcome::Rejected
    } else if roll < 0.65 {
        Outcome::Unanswered { retransmissions: 1 }
    } else if roll < 0.90 {
        Outcome::Exchange { segments: smtp_refusal("dsl-pool.example.net", "mx.example.org"), close: Close::Fin }
    } else {
        Outcome::Exchange {
            segments: smtp_delivery("dsl-pool.example.net", "mx.example.org", rng.range(800, 3_000) as usize),
            close: Close::Fin,
        }
    }
}

fn probes(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    facts: &mut OutbreakFacts,
) {
    let from = scenario.timeline.switch_off + 10 * MINUTE;
    let to = scenario.timeline.end - 10 * MINUTE;
    let count = rng.range(5, 15);
    for _ in 0..count {
        let peer = facts.service_peers[rng.below(facts.service_peers.len() as u64) as usize];
        let client = SocketAddrV4::new(peer, client_port(rng));
        let server = SocketAddrV4::new(host.address, facts.service_port);
        let time = from + rng.below(to - from);
        recorder.tcp(&TcpPlan {
            start: time,
            client,
            server,
            rtt: 100_000,
            outcome: Outcome::Unanswered { retransmissions: 2 },
        });
    }
    facts.probes_after_switch_off = count;
}

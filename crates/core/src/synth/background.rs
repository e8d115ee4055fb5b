//! Benign background traffic and the decoys.
//!
//! - Workstations browse a fixed pool of web sites (mostly their own favourites), resolving
//!   names through the campus resolver, which forwards about a third of the queries to Internet
//!   name servers. Weekdays peak 08:00-18:00; weekends see a quarter of the traffic.
//! - The busy web server serves clients from all over the Internet around the clock, and makes one
//!   outbound update check every three hours: heavy fan-in, but not correlated with its outbound
//!   traffic.
//! - The mail relay receives and sends SMTP around the clock; its deliveries succeed.
//! - The vulnerability scanner sweeps campus addresses on 20 ports at about 02:00 every Monday,
//!   Wednesday and Friday from the first day: it trips address-scan and port-scan thresholds by
//!   design.
//! - The new-service host starts accepting connections on a new port the day after the
//!   exploit. A few colleagues and two Internet collaborators from two /8s use it.
//! - The alert decoy raises one exploit alert while browsing, with nothing after it.
//! - 3% of web sessions are left idle without FIN, and the session monitor times them out.
//! - One workstation in ten raises benign policy or info alerts on about 8% of its web visits.

use super::network::{client_port, internet_address, internet_address_in_few, Host, Role};
use super::payload::{dns_answer, dns_query, http_request, http_response, smtp_delivery, tls_segments, web_segments};
use super::rng::SplitMix64;
use super::scenario::{Scenario, Site, DAY, HOUR, MINUTE};
use super::syslog::{snort_line, SnortRule};
use super::traffic::{Close, Outcome, Recorder, Segment, TcpPlan, SECOND};
use std::net::{Ipv4Addr, SocketAddrV4};

/// Mean web visits per workstation per weekday at scale 1 (times the host's activity).
const VISITS_PER_DAY: f64 = 6.0;
/// Busy web server connections per daytime weekday hour at scale 1.
const BUSY_WEB_PER_HOUR: f64 = 30.0;
/// Inbound and outbound SMTP sessions of the mail relay per daytime weekday hour at scale 1.
const MAIL_IN_PER_HOUR: f64 = 6.0;
const MAIL_OUT_PER_HOUR: f64 = 4.0;
/// Campus addresses the scanner sweeps each night at scale 1 (at least 30).
const SCANNER_TARGETS: f64 = 100.0;
/// Share of web visits that raise a benign alert, on the one workstation in ten that raises
/// them at all (alerts cluster on a few machines, which then raise them from the first day).
const BENIGN_ALERT_SHARE: f64 = 0.08;
/// Share of web visits whose session is left open and idle instead of closed.
const IDLE_SHARE: f64 = 0.03;
/// The ports the scanner probes on every target.
pub const SCANNER_PORTS: [u16; 20] =
    [21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 1433, 3306, 3389, 5900, 8080, 8443, 9100];
/// The ports the new-service decoy may open.
const NEW_SERVICE_PORTS: [u16; 4] = [8000, 8888, 5000, 9090];

/// The Snort process id written in every alert.
pub const SNORT_PID: u32 = 2417;

const PORTSCAN: SnortRule = SnortRule {
    gid: 122,
    sid: 1,
    rev: 1,
    message: "(portscan) TCP Portscan",
    classification: "Attempted Information Leak",
    priority: 2,
};
/// The exploit rule, shared with the story because the alert decoy raises it too.
pub const EXPLOIT: SnortRule = SnortRule {
    gid: 1,
    sid: 2_019_401,
    rev: 3,
    message: "ET WEB_CLIENT Possible script execution from web page",
    classification: "Attempted User Privilege Gain",
    priority: 1,
};
const BENIGN_ALERTS: [SnortRule; 3] = [
    SnortRule {
        gid: 1,
        sid: 2_012_647,
        rev: 4,
        message: "ET POLICY Dropbox.com Offsite File Backup in Use",
        classification: "Potential Corporate Privacy Violation",
        priority: 1,
    },
    SnortRule {
        gid: 1,
        sid: 2_014_726,
        rev: 5,
        message: "ET INFO Executable Download from dotted-quad Host",
        classification: "Potentially Bad Traffic",
        priority: 2,
    },
    SnortRule {
        gid: 1,
        sid: 2_013_504,
        rev: 6,
        message: "ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management",
        classification: "Not Suspicious Traffic",
        priority: 3,
    },
];

/// Facts about the decoys that truth.json reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecoyFacts {
    /// The new-service host's port and the time of its first SYN-ACK.
    pub new_service_port: u16,
    pub new_service_open: u64,
    /// The alert decoy's single alert time.
    pub decoy_alert: u64,
    /// Start and end of each nightly scanner sweep.
    pub scanner_runs: Vec<(u64, u64)>,
}

/// Generates all background traffic and the decoys.
pub fn generate(recorder: &mut Recorder, scenario: &mut Scenario) -> DecoyFacts {
    let mut rng = SplitMix64::stream(scenario.params.seed, "background");
    let clients: Vec<Host> = scenario.network.clients().cloned().collect();
    for day in 0..u64::from(scenario.params.days) {
        let day_start = scenario.timeline.start + day * DAY;
        for client in &clients {
            workstation_day(recorder, scenario, &mut rng, client, day_start);
        }
        busy_web_day(recorder, scenario, &mut rng, day_start);
        mail_day(recorder, scenario, &mut rng, day_start);
    }

    let scanner_runs = scanner_nights(recorder, scenario, &mut rng);
    let (new_service_port, new_service_open) = new_service(recorder, scenario, &mut rng);
    let decoy_alert = alert_decoy(recorder, scenario, &mut rng);
    DecoyFacts { new_service_port, new_service_open, decoy_alert, scanner_runs }
}

/// Returns the weekday traffic weight of the hour that `time` falls in.
fn diurnal(scenario: &Scenario, time: u64) -> f64 {
    let hour = (time % DAY) / HOUR;
    let weekday = match hour {
        8..=17 => 1.0,
        18..=22 => 0.4,
        _ => 0.1,
    };
    if scenario.timeline.is_weekend(time) {
        weekday * 0.25
    } else {
        weekday
    }
}

/// Draws a time in the day starting at `day_start` that follows the diurnal weights.
fn diurnal_time(rng: &mut SplitMix64, day_start: u64) -> u64 {
    let roll = rng.unit();
    let (from, to) = if roll < 0.8 {
        (8, 18)
    } else if roll < 0.95 {
        (18, 23)
    } else {
        (0, 8)
    };
    day_start + from * HOUR + rng.below((to - from) * HOUR)
}

/// Returns true if and only if `host` may still send at `time`: the infected host is silent
/// from a minute before its switch-off on.
fn alive(scenario: &Scenario, host: &Host, time: u64) -> bool {
    host.role != Role::Infected || time + MINUTE < scenario.timeline.switch_off
}

fn workstation_day(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    host: &Host,
    day_start: u64,
) {
    let weekend = scenario.timeline.is_weekend(day_start);

    // A morning name lookup shows every machine that is switched on that day.
    if !weekend || rng.chance(0.4) {
        let time = day_start + 7 * HOUR + rng.below(2 * HOUR);
        if alive(scenario, host, time) {
            let site = rng.pick(&scenario.web_sites).cloned().unwrap_or_else(fallback_site);
            resolve(recorder, scenario, rng, host.address, &site, time);
        }
    }

    let day_weight = if weekend { 0.25 } else { 1.0 };
    let visits = rng.poisson(VISITS_PER_DAY * scenario.params.scale * host.activity * day_weight);
    let mut favourites = SplitMix64::stream(scenario.params.seed ^ u64::from(u32::from(host.address)), "favourites");
    let favourite_count = scenario.web_sites.len() as u64;
    let own: Vec<usize> = (0..6).map(|_| favourites.below(favourite_count) as usize).collect();
    for _ in 0..visits {
        let time = diurnal_time(rng, day_start);
        if !alive(scenario, host, time + 30 * SECOND) {
            continue;
        }
        let index = if rng.chance(0.9) {
            own[rng.below(own.len() as u64) as usize]
        } else {
            rng.below(favourite_count) as usize
        };
        let site = scenario.web_sites[index].clone();
        let chatty = host.address.octets()[3] % 10 == 3;
        let alert = (chatty && rng.chance(BENIGN_ALERT_SHARE)).then(|| BENIGN_ALERTS[rng.below(3) as usize]);
        web_visit(recorder, scenario, rng, host.address, &site, time, alert);
    }
}

fn fallback_site() -> Site {
    Site { address: Ipv4Addr::new(93, 184, 216, 34), name: "www.example.com".to_string() }
}

/// Records a DNS lookup of `site` by `client` through the campus resolver.
pub fn resolve(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    client: Ipv4Addr,
    site: &Site,
    time: u64,
) {
    let resolver = scenario.network.host_with(Role::DnsServer).address;
    let id = rng.next_u64() as u16;
    let port = scenario.ephemeral_port(client);
    let query = dns_query(id, &site.name);
    let answer = dns_answer(id, &site.name, site.address);

    // On a cache miss the resolver queries an Internet name server before it responds.
    let miss = rng.chance(0.3);
    let forward_time = 400;
    let rtt = if miss { 40_000 } else { 800 };
    recorder.udp(time, SocketAddrV4::new(client, port), SocketAddrV4::new(resolver, 53), rtt, &query, Some(&answer));
    if miss {
        let server = *rng.pick(&scenario.name_servers).unwrap_or(&Ipv4Addr::new(8, 8, 8, 8));
        let resolver_port = client_port(rng);
        let forward = SocketAddrV4::new(resolver, resolver_port);
        recorder.udp(time + forward_time, forward, SocketAddrV4::new(server, 53), 30_000, &query, Some(&answer));
    }
}

/// Records a web visit: a lookup, then one HTTP(S) connection; raises `alert` on the response.
pub fn web_visit(
    recorder: &mut Recorder,
    scenario: &mut Scenario,
    rng: &mut SplitMix64,
    client: Ipv4Addr,
    site: &Site,
    time: u64,
    alert: Option<SnortRule>,
) {
    resolve(recorder, scenario, rng, client, site, time);
    let port = if rng.chance(0.7) { 443 } else { 80 };
    let client_end = SocketAddrV4::new(client, scenario.ephemeral_port(client));
    let server_end = SocketAddrV4::new(site.address, port);
    let (request_len, body_len) = (rng.range(200, 500) as usize, rng.range(150, 1_200) as usize);
    let segments = if port == 443 {
        tls_segments(rng, &site.name, request_len, body_len)
    } else {
        web_segments(rng, &site.name, "/index.html", body_len)
    };
    // A few sessions are left open and idle, so the session monitor times them out. The infected
    // host's are always closed, because a time-out record would outlive its switch-off.
    let infected = scenario.network.host_with(Role::Infected).address == client;
    let close = if !infected && rng.chance(IDLE_SHARE) { Close::Idle } else { Close::Fin };
    let plan = TcpPlan {
        start: time + 50_000,
        client: client_end,
        server: server_end,
        rtt: rng.range(8_000, 90_000),
        outcome: Outcome::Exchange { segments, close },
    };
    let summary = recorder.tcp(&plan);

    if let Some(rule) = alert {
        let at = summary.first_response.unwrap_or(summary.end);
        recorder.log(at, snort_line(at / SECOND, SNORT_PID, &rule, "TCP", server_end, client_end));
        recorder.event(at, client, rule.message);
    }
}

fn busy_web_day(recorder: &mut Recorder, scenario: &mut Scenario, rng: &mut SplitMix64, day_start: u64) {
    let server = scenario.network.host_with(Role::BusyWebServer).address;
    for hour in 0..24 {
        let hour_start = day_start + hour * HOUR;
        let mean = scenario.scaled(BUSY_WEB_PER_HOUR * diurnal(scenario, hour_start), 0.3);
        for _ in 0..rng.poisson(mean) {
            // Clients come from anywhere on the Internet, with fresh addresses every time.
            let client = SocketAddrV4::new(internet_address(rng), client_port(rng));
            let port = if rng.chance(0.8) { 443 } else { 80 };
            let (request_len, body_len) = (rng.range(200, 500) as usize, rng.range(300, 1_400) as usize);
            let segments = if port == 443 {
                tls_segments(rng, "www.campus.example.edu", request_len, body_len)
            } else {
                web_segments(rng, "www.campus.example.edu", "/news/", body_len)
            };
            let start = hour_start + rng.below(HOUR - MINUTE);
            let plan = TcpPlan {
                start,
                client,
                server: SocketAddrV4::new(server, port),
                rtt: rng.range(10_000, 150_000),
                outcome: Outcome::Exchange { segments, close: Close::Fin },
            };
            recorder.tcp(&plan);
        }

        // One outbound update check every three hours, whatever the inbound load.
        if hour % 3 != 0 {
            continue;
        }
        let updates = Site { address: scenario.web_sites[0].address, name: "updates.vendor.example.com".to_string() };
        let time = hour_start + 5 * MINUTE + rng.below(MINUTE);
        web_visit(recorder, scenario, rng, server, &updates, time, None);
    }
}

fn mail_day(recorder: &mut Recorder, scenario: &mut Scenario, rng: &mut SplitMix64, day_start: u64) {
    let relay = scenario.network.host_with(Role::MailServer).address;
    for hour in 0..24 {
        let hour_start = day_start + hour * HOUR;
        let weight = diurnal(scenario, hour_start);
        for _ in 0..rng.poisson(scenario.scaled(MAIL_IN_PER_HOUR * weight, 0.3)) {
            let peer = scenario.mail_peers[rng.below(scenario.mail_peers.len() as u64) as usize].clone();
            let client = SocketAddrV4::new(peer.address, client_port(rng));
            let segments = smtp_delivery(&peer.name, "mail.campus.example.edu", rng.range(300, 1_500) as usize);
            let start = hour_start + rng.below(HOUR - MINUTE);
            let plan = TcpPlan {
                start,
                client,
                server: SocketAddrV4::new(relay, 25),
                rtt: rng.range(20_000, 120_000),
                outcome: Outcome::Exchange { segments, close: Close::Fin },
            };
            recorder.tcp(&plan);
        }
        for _ in 0..rng.poisson(scenario.scaled(MAIL_OUT_PER_HOUR * weight, 0.2)) {
            let peer = scenario.mail_peers[rng.below(scenario.mail_peers.len() as u64) as usize].clone();
            let client = SocketAddrV4::new(relay, scenario.ephemeral_port(relay));
            let segments = smtp_delivery("mail.campus.example.edu", &peer.name, rng.range(300, 1_500) as usize);
            let start = hour_start + rng.below(HOUR - MINUTE);
            let plan = TcpPlan {
                start,
                client,
                server: SocketAddrV4::new(peer.address, 25),
                rtt: rng.range(20_000, 120_000),
                outcome: Outcome::Exchange { segments, close: Close::Fin },
            };
            recorder.tcp(&plan);
        }
    }
}

/// Returns true if and only if `host` accepts connections on `port` at `time`.
fn port_open(host: &Host, port: u16, new_service: (u16, u64), time: u64) -> bool {
    match host.role {
        Role::DnsServer => port == 53,
        Role::MailServer => matches!(port, 25 | 143 | 993),
        Role::BusyWebServer => matches!(port, 80 | 443),
        Role::Scanner => port == 22,
        Role::NewService if port == new_service.0 => time >= new_service.1,
        _ => matches!(port, 135 | 139 | 445) || (port == 3389 && host.address.octets()[3] % 2 == 0),
    }
}

fn scanner_nights(recorder: &mut Recorder, scenario: &mut Scenario, rng: &mut SplitMix64) -> Vec<(u64, u64)> {
    let scanner = scenario.network.host_with(Role::Scanner).address;
    let new_service = new_service_plan(scenario);
    let target_count = scenario.scaled(SCANNER_TARGETS, 30.0).round() as usize;
    let mut runs = Vec::new();
    for day in 0..u64::from(scenario.params.days) {
        let night = scenario.timeline.start + day * DAY;
        // The sweep is scheduled for Monday, Wednesday and Friday nights.
        if !matches!((night - scenario.timeline.start) / DAY % 7, 0 | 2 | 4) {
            continue;
        }
        let mut time = night + 2 * HOUR + rng.below(20 * MINUTE);
        let run_start = time;
        for index in 0..target_count {
            // Seven in ten targets are live hosts; the rest are unused addresses.
            let live = rng.chance(0.7);
            let host = scenario.network.hosts[rng.below(scenario.network.hosts.len() as u64) as usize].clone();
            let address = if live {
                host.address
            } else {
                Ipv4Addr::new(10, scenario.network.second_octet, 9, (index % 250) as u8 + 1)
            };
            let first_probe = time;
            let mut first_ends = None;
            for port in SCANNER_PORTS {
                let outcome = if !live {
                    Outcome::Unanswered { retransmissions: 0 }
                } else if port_open(&host, port, new_service, time) {
                    Outcome::HalfOpen
                } else {
                    Outcome::Rejected
                };
                let client = SocketAddrV4::new(scanner, scenario.ephemeral_port(scanner));
                let server = SocketAddrV4::new(address, port);
                first_ends.get_or_insert((client, server));
                recorder.tcp(&TcpPlan { start: time, client, server, rtt: 400, outcome });
                time += rng.range(15_000, 40_000);
            }
            if let (true, Some((client, server))) = (live, first_ends) {
                let line = snort_line(first_probe / SECOND + 1, SNORT_PID, &PORTSCAN, "TCP", client, server);
                recorder.log(first_probe + SECOND, line);
                recorder.event(first_probe + SECOND, scanner, PORTSCAN.message);
            }
        }
        runs.push((run_start, time));
    }
    runs
}

/// Returns the new-service decoy's port and opening time (the day after the exploit,
/// 10:00-15:00), drawn from their own stream so the scanner can know them in advance.
fn new_service_plan(scenario: &Scenario) -> (u16, u64) {
    let mut rng = SplitMix64::stream(scenario.params.seed, "new-service");
    let port = NEW_SERVICE_PORTS[rng.below(NEW_SERVICE_PORTS.len() as u64) as usize];
    let open = scenario.timeline.learning_end + DAY + 10 * HOUR + rng.below(5 * HOUR);
    (port, open)
}

fn new_service(recorder: &mut Recorder, scenario: &mut Scenario, rng: &mut SplitMix64) -> (u16, u64) {
    let (port, open) = new_service_plan(scenario);
    let server = scenario.network.host_with(Role::NewService).address;
    let colleagues: Vec<Ipv4Addr> = scenario
        .network
        .clients()
        .filter(|host| host.role == Role::Workstation)
        .take(6)
        .map(|host| host.address)
        .collect();
    let collaborators = [internet_address_in_few(rng, 1), internet_address_in_few(rng, 2)];

    // The first connection is a collaborator's, so the border sensors see the port open at once.
    let mut time = open;
    let mut first = true;
    while time < scenario.timeline.end - HOUR {
        let external = first || rng.chance(0.25);
        let client = if external {
            collaborators[rng.below(2) as usize]
        } else {
            colleagues[rng.below(colleagues.len() as u64) as usize]
        };
        let client_port = if external { client_port(rng) } else { scenario.ephemeral_port(client) };
        let segments = vec![
            Segment { from_client: true, data: http_request("lab.campus.example.edu", "/api/results"), delay: 500 },
            Segment {
                from_client: false,
                data: http_response("application/json", rng.range(200, 1_200) as usize, None),
                delay: 30_000,
            },
        ];
        let plan = TcpPlan {
            start: time,
            client: SocketAddrV4::new(client, client_port),
            server: SocketAddrV4::new(server, port),
            rtt: 2_000,
            outcome: Outcome::Exchange { segments, close: Close::Fin },
        };
        recorder.tcp(&plan);
        first = false;
        let mean_gap = HOUR as f64 / scenario.scaled(3.0, 0.5) / diurnal(scenario, time).max(0.1);
        time += (mean_gap * (0.2 + 1.6 * rng.unit())) as u64;
    }
    (port, open)
}

fn alert_decoy(recorder: &mut Recorder, scenario: &mut Scenario, rng: &mut SplitMix64) -> u64 {
    let host = scenario.network.host_with(Role::AlertDecoy).address;
    let time = scenario.timeline.learning_end + DAY + 9 * HOUR + rng.below(8 * HOUR);
    let site = Site { address: internet_address(rng), name: "ads.cdn-delivery.example.org".to_string() };
    web_visit(recorder, scenario, rng, host, &site, time, Some(EXPLOIT));
    time
}

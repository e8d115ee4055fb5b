//! End-to-end checks of the generated files: they are re-read with independent parsers
//! (pcap-parser for pcapng framing, etherparse for headers and checksums, serde_json for the
//! truth, plain string splitting for syslog) rather than through the generator's own types.

use super::{generate, Outputs, Params};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::pcapng::{parse_block_le, Block};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::sync::OnceLock;

/// Returns the small scenario most tests share.
fn small() -> &'static (Outputs, Value, Vec<Pkt>) {
    static SMALL: OnceLock<(Outputs, Value, Vec<Pkt>)> = OnceLock::new();
    SMALL.get_or_init(|| load(&Params { seed: 42, hosts: 60, days: 5, scale: 0.03 }))
}

/// Returns a larger scenario for the scan-volume tests: a quarter of the full scale.
fn quarter() -> &'static (Outputs, Value, Vec<Pkt>) {
    static QUARTER: OnceLock<(Outputs, Value, Vec<Pkt>)> = OnceLock::new();
    QUARTER.get_or_init(|| load(&Params { seed: 7, hosts: 120, days: 6, scale: 0.25 }))
}

fn load(params: &Params) -> (Outputs, Value, Vec<Pkt>) {
    let outputs = generate(params).expect("valid parameters");
    let truth: Value = serde_json::from_slice(&outputs.truth).expect("truth.json parses");
    let packets = read_packets(&outputs.capture);
    (outputs, truth, packets)
}

/// One decoded packet: what the checks below need.
#[derive(Clone, Debug)]
struct Pkt {
    micros: u64,
    source: Ipv4Addr,
    destination: Ipv4Addr,
    tcp: Option<TcpFields>,
    udp: bool,
    checksums_valid: bool,
}

#[derive(Clone, Copy, Debug)]
struct TcpFields {
    source_port: u16,
    destination_port: u16,
    seq: u32,
    ack: Option<u32>,
    syn: bool,
    fin: bool,
    rst: bool,
    payload_len: u32,
}

/// Returns the (source, destination) `address:port` pairs of every TCP packet in the capture.
fn tcp_endpoints(packets: &[Pkt]) -> BTreeSet<(String, String)> {
    packets
        .iter()
        .filter_map(|packet| packet.tcp.map(|tcp| (packet, tcp)))
        .map(|(packet, tcp)| {
            (
                format!("{}:{}", packet.source, tcp.source_port),
                format!("{}:{}", packet.destination, tcp.destination_port),
            )
        })
        .collect()
}

/// Reads every Enhanced Packet Block with pcap-parser and decodes it with etherparse.
fn read_packets(capture: &[u8]) -> Vec<Pkt> {
    let mut rest = capture;
    let mut packets = Vec::new();
    let mut blocks = 0;
    while !rest.is_empty() {
        let (next, block) =
            parse_block_le(rest).unwrap_or_else(|error| panic!("block {blocks} does not parse: {error:?}"));
        if let Block::EnhancedPacket(epb) = block {
            assert_eq!(epb.caplen, epb.origlen, "packet {} is truncated", packets.len());
            let micros = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            packets.push(decode(micros, &epb.data[..epb.caplen as usize]));
        }
        rest = next;
        blocks += 1;
    }
    packets
}

fn decode(micros: u64, frame: &[u8]) -> Pkt {
    let sliced = SlicedPacket::from_ethernet(frame).expect("frame decodes");
    let Some(NetSlice::Ipv4(ip)) = &sliced.net else { panic!("frame without IPv4") };
    let header = ip.header().to_header();
    let mut checksums_valid = header.calc_header_checksum() == header.header_checksum;
    let mut pkt = Pkt {
        micros,
        source: header.source.into(),
        destination: header.destination.into(),
        tcp: None,
        udp: false,
        checksums_valid: false,
    };
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            let expected = tcp.to_header().calc_checksum_ipv4(&header, tcp.payload()).expect("TCP checksum computes");
            checksums_valid &= expected == tcp.checksum();
            pkt.tcp = Some(TcpFields {
                source_port: tcp.source_port(),
                destination_port: tcp.destination_port(),
                seq: tcp.sequence_number(),
                ack: tcp.ack().then(|| tcp.acknowledgment_number()),
                syn: tcp.syn(),
                fin: tcp.fin(),
                rst: tcp.rst(),
                payload_len: tcp.payload().len() as u32,
            });
        }
        Some(TransportSlice::Udp(udp)) => {
            let expected = udp.to_header().calc_checksum_ipv4(&header, udp.payload()).expect("UDP checksum computes");
            checksums_valid &= expected == udp.checksum();
            pkt.udp = true;
        }
        _ => panic!("frame without TCP or UDP"),
    }
    pkt.checksums_valid = checksums_valid;
    pkt
}

fn address(value: &Value) -> Ipv4Addr {
    value.as_str().expect("address is a string").parse().expect("address parses")
}

fn micros(value: &Value) -> u64 {
    (value.as_f64().expect("time is a number") * 1e6).round() as u64
}

// === determinism ===

#[test]
fn generate_same_seed_identical_bytes() {
    let params = Params { seed: 42, hosts: 60, days: 5, scale: 0.03 };
    let again = generate(&params).expect("valid parameters");
    let (first, _, _) = small();
    assert!(first.capture == again.capture, "capture differs between runs");
    assert!(first.syslog == again.syslog, "syslog differs between runs");
    assert!(first.truth == again.truth, "truth differs between runs");
}

#[test]
fn generate_other_seed_differs() {
    let other = generate(&Params { seed: 43, hosts: 60, days: 5, scale: 0.03 }).expect("valid parameters");
    let (first, _, _) = small();
    assert!(first.capture != other.capture);
    assert!(first.truth != other.truth);
}

#[test]
fn generate_rejects_short_capture() {
    let error = generate(&Params { days: 3, ..Params::default() }).expect_err("three days are too few");
    assert_eq!(error.option, "days");
}

#[test]
fn generate_hosts_and_days_change_network() {
    let (_, truth, _) = small();
    let bigger = generate(&Params { seed: 42, hosts: 90, days: 6, scale: 0.03 }).expect("valid parameters");
    let bigger: Value = serde_json::from_slice(&bigger.truth).expect("truth parses");
    assert_eq!(truth["hosts"].as_array().map(Vec::len), Some(60));
    assert_eq!(bigger["hosts"].as_array().map(Vec::len), Some(90));
    let length = |t: &Value| {
        t["timeline"]["end"]["unix"].as_f64().unwrap_or(0.0) - t["timeline"]["start"]["unix"].as_f64().unwrap_or(0.0)
    };
    assert_eq!(length(truth), 5.0 * 86_400.0);
    assert_eq!(length(&bigger), 6.0 * 86_400.0);
}

// === capture ===

#[test]
fn capture_packet_count_matches() {
    let (outputs, truth, packets) = small();
    assert_eq!(packets.len() as u64, outputs.packets);
    assert_eq!(truth["files"]["capture"]["packets"].as_u64(), Some(outputs.packets));
}

#[test]
fn capture_checksums_valid() {
    let (_, _, packets) = small();
    let bad = packets.iter().filter(|packet| !packet.checksums_valid).count();
    assert_eq!(bad, 0, "{bad} packets with a wrong checksum");
}

#[test]
fn capture_timestamps_non_decreasing() {
    let (_, _, packets) = small();
    for pair in packets.windows(2) {
        assert!(pair[0].micros <= pair[1].micros, "time goes back at {}", pair[1].micros);
    }
}

/// Per-connection sequence state for the coherence test.
#[derive(Default)]
struct SeqState {
    client_isn: Option<u32>,
    server_isn: Option<u32>,
    next: [Option<u32>; 2],
}

#[test]
fn capture_tcp_sequence_coherent() {
    let (_, _, packets) = small();
    let mut states: HashMap<(Ipv4Addr, u16, Ipv4Addr, u16, u32), SeqState> = HashMap::new();
    let mut open: HashMap<(Ipv4Addr, u16, Ipv4Addr, u16), u32> = HashMap::new();
    let mut handshakes = 0;
    for packet in packets {
        let Some(tcp) = packet.tcp else { continue };
        let forward = (packet.source, tcp.source_port, packet.destination, tcp.destination_port);
        let backward = (packet.destination, tcp.destination_port, packet.source, tcp.source_port);

        // A SYN without ACK opens (or retransmits) a connection keyed by its ISN.
        if tcp.syn && tcp.ack.is_none() {
            open.insert(forward, tcp.seq);
            let state = states.entry((forward.0, forward.1, forward.2, forward.3, tcp.seq)).or_default();
            assert!(
                state.client_isn.is_none() || state.client_isn == Some(tcp.seq),
                "SYN retransmission changed the ISN"
            );
            state.client_isn = Some(tcp.seq);
            state.next[0] = Some(tcp.seq.wrapping_add(1));
            continue;
        }
        let (key, from_client) = match (open.get(&forward), open.get(&backward)) {
            (Some(isn), _) => ((forward.0, forward.1, forward.2, forward.3, *isn), true),
            (None, Some(isn)) => ((backward.0, backward.1, backward.2, backward.3, *isn), false),
            (None, None) => panic!("segment without a SYN before it: {packet:?}"),
        };
        let state = states.get_mut(&key).expect("state exists for an open connection");
        let client_isn = state.client_isn.expect("client ISN known");

        if tcp.syn {
            assert!(!from_client, "SYN-ACK from the originator");
            assert_eq!(tcp.ack, Some(client_isn.wrapping_add(1)), "SYN-ACK does not acknowledge ISN + 1");
            state.server_isn = Some(tcp.seq);
            state.next[1] = Some(tcp.seq.wrapping_add(1));
            handshakes += 1;
            continue;
        }
        if tcp.rst && !from_client && state.server_isn.is_none() {
            // A rejection: RST-ACK acknowledging the SYN.
            assert_eq!(tcp.ack, Some(client_isn.wrapping_add(1)), "RST does not acknowledge the SYN");
            continue;
        }
        let side = usize::from(!from_client);
        assert_eq!(Some(tcp.seq), state.next[side], "sequence number out of line in {key:?}");
        if let (Some(ack), Some(expected)) = (tcp.ack, state.next[1 - side]) {
            assert_eq!(ack, expected, "acknowledgment out of line in {key:?}");
        }
        let advance = tcp.payload_len + u32::from(tcp.fin);
        state.next[side] = Some(tcp.seq.wrapping_add(advance));
    }
    assert!(handshakes > 100, "only {handshakes} handshakes checked");
}

// === truth against the capture ===

#[test]
fn truth_hosts_appear_in_capture() {
    let (_, truth, packets) = small();
    let seen: BTreeSet<Ipv4Addr> = packets.iter().flat_map(|packet| [packet.source, packet.destination]).collect();
    let hosts = truth["hosts"].as_array().expect("hosts list");
    let internet = truth["internet_hosts"].as_array().expect("internet_hosts list");
    for host in hosts.iter().chain(internet) {
        let address = address(&host["address"]);
        assert!(seen.contains(&address), "{address} ({}) never appears in the capture", host["role"]);
    }
}

#[test]
fn truth_rules_flag_the_infected_host() {
    let (_, truth, _) = small();
    let infected = truth["outbreak"]["infected"].as_str().expect("infected host");
    for rule in
        ["NewServicePort", "AddressScan", "SpamBurst", "AlertChain", "LinkedInOut", "NeverBeforeSeen", "WentSilent"]
    {
        let flags = truth["rules"][rule]["flag"].as_array().expect("flag list");
        assert!(flags.iter().any(|flag| flag["host"] == infected), "{rule} does not flag the infected host");
    }
    let port_scans = truth["rules"]["PortScan"]["flag"].as_array().expect("flag list");
    assert!(port_scans.iter().all(|flag| flag["role"] == "scanner"), "PortScan flags a non-scanner");
    assert!(!port_scans.is_empty(), "PortScan flags nobody");
}

#[test]
fn truth_decoys_flagged_only_where_allowed() {
    let (_, truth, _) = small();
    for rule in ["NewServicePort", "SpamBurst", "AlertChain", "LinkedInOut", "WentSilent"] {
        let flags = truth["rules"][rule]["flag"].as_array().expect("flag list");
        assert!(flags.iter().all(|flag| flag["role"] == "infected"), "{rule} flags a host other than the infected one");
    }
    let address_scans = truth["rules"]["AddressScan"]["flag"].as_array().expect("flag list");
    for flag in address_scans {
        assert!(flag["role"] == "infected" || flag["role"] == "scanner", "AddressScan flags {}", flag["role"]);
    }
}

/// Returns the distinct first SYNs (by ISN) from `host` to `port`, with their times.
fn first_syns(packets: &[Pkt], host: Ipv4Addr, port: u16) -> BTreeMap<(u16, Ipv4Addr, u32), u64> {
    let mut syns = BTreeMap::new();
    for packet in packets.iter().filter(|packet| packet.source == host) {
        if let Some(tcp) = packet.tcp.filter(|tcp| tcp.syn && tcp.ack.is_none() && tcp.destination_port == port) {
            syns.entry((tcp.source_port, packet.destination, tcp.seq)).or_insert(packet.micros);
        }
    }
    syns
}

#[test]
fn scan_attempts_counted_from_capture() {
    let (_, truth, packets) = quarter();
    let infected = address(&truth["outbreak"]["infected"]);
    let port = truth["outbreak"]["scan_port"].as_u64().expect("scan port") as u16;
    let attempts = first_syns(packets, infected, port).len() as u64;

    // A quarter of the full scale's 60,000 attempts, and exactly what truth.json claims.
    assert!(attempts >= 10_000, "only {attempts} scan attempts at scale 0.25");
    assert_eq!(Some(attempts), truth["outbreak"]["scan_attempts"].as_u64());

    // None of them completes: no SYN-ACK ever comes back from a scanned port.
    let answered = packets
        .iter()
        .filter(|packet| packet.destination == infected)
        .filter_map(|packet| packet.tcp)
        .filter(|tcp| tcp.source_port == port && tcp.syn)
        .count();
    assert_eq!(answered, 0);
}

#[test]
fn spam_burst_tapers() {
    let (_, truth, packets) = quarter();
    let infected = address(&truth["outbreak"]["infected"]);
    let start = micros(&truth["timeline"]["spam_start"]["unix"]);
    let mut per_hour: Vec<u64> = Vec::new();
    for time in first_syns(packets, infected, 25).values() {
        let hour = ((time - start) / 3_600_000_000) as usize;
        if per_hour.len() <= hour {
            per_hour.resize(hour + 1, 0);
        }
        per_hour[hour] += 1;
    }
    let peak = per_hour.iter().enumerate().max_by_key(|(_, count)| **count).map_or(0, |(hour, _)| hour);
    for hour in peak + 1..per_hour.len() {
        assert!(per_hour[hour] <= per_hour[hour - 1], "spam rises again in hour {hour}: {per_hour:?}");
    }
    assert!(per_hour.len() <= 24, "spam lasts {} hours", per_hour.len());
    assert!(per_hour[peak] > 3 * per_hour.last().copied().unwrap_or(0), "no taper: {per_hour:?}");
}

#[test]
fn switched_off_host_sends_nothing() {
    let (_, truth, packets) = small();
    let infected = address(&truth["outbreak"]["infected"]);
    let switch_off = micros(&truth["timeline"]["switch_off"]["unix"]);
    let late_sent = packets.iter().filter(|packet| packet.source == infected && packet.micros >= switch_off).count();
    let late_received =
        packets.iter().filter(|packet| packet.destination == infected && packet.micros >= switch_off).count();
    assert_eq!(late_sent, 0);
    assert!(late_received > 0, "no probe reaches the switched-off host");
}

// === syslog ===

/// Parses the RFC 3164 timestamp of `line` into Unix seconds, taking the year from `year`.
fn line_time(line: &str, year: i64) -> u64 {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let after_pri = &line[line.find('>').expect("PRI") + 1..];
    let month = MONTHS.iter().position(|month| after_pri.starts_with(month)).expect("month") as i64 + 1;
    let day: i64 = after_pri[4..6].trim().parse().expect("day");
    let clock: Vec<i64> = after_pri[7..15].split(':').map(|part| part.parse().expect("clock field")).collect();
    // Days from civil, after Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2]) as u64
}

#[test]
fn syslog_lines_well_formed_and_ordered() {
    let (outputs, truth, _) = small();
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let year: i64 = truth["timeline"]["start"]["utc"].as_str().expect("utc")[..4].parse().expect("year");
    let mut last = 0;
    let mut tags = BTreeMap::new();
    for line in text.lines() {
        let time = line_time(line, year);
        assert!(time >= last, "line out of order: {line}");
        last = time;
        let tag = line.split(' ').find(|word| word.ends_with(':')).expect("tag");
        *tags.entry(tag.split('[').next().unwrap_or(tag).trim_end_matches(':').to_string()).or_insert(0) += 1;
    }
    assert_eq!(text.lines().count() as u64, outputs.lines);
    for tag in ["snort", "nnm", "tnm"] {
        assert!(tags.get(tag).copied().unwrap_or(0) > 0, "no {tag} lines: {tags:?}");
    }
}

#[test]
fn syslog_silent_after_switch_off() {
    let (outputs, truth, _) = small();
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let year: i64 = truth["timeline"]["start"]["utc"].as_str().expect("utc")[..4].parse().expect("year");
    let infected = format!("{}:", truth["outbreak"]["infected"].as_str().expect("infected"));
    let switch_off = micros(&truth["timeline"]["switch_off"]["unix"]) / 1_000_000;
    let mut before = 0;
    for line in text.lines().filter(|line| line.contains(&infected)) {
        assert!(line_time(line, year) <= switch_off, "infected host still logged: {line}");
        before += 1;
    }
    assert!(before > 50, "only {before} lines mention the infected host");
}

#[test]
fn syslog_alert_chain_in_order() {
    let (outputs, truth, _) = small();
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let infected = format!("{}:", truth["outbreak"]["infected"].as_str().expect("infected"));
    let position = |needle: &str| text.lines().position(|line| line.contains(needle) && line.contains(&infected));
    let exploit = position("ET WEB_CLIENT").expect("exploit alert");
    let check = position("External IP Lookup").expect("infection check alert");
    let trojan = position("ET TROJAN").expect("trojan alert");
    let scan = position("ET SCAN Potential outbound scan").expect("scan alert");
    assert!(exploit < check, "exploit line {exploit} after infection check line {check}");
    assert!(check < trojan, "infection check line {check} after trojan line {trojan}");
    assert!(trojan < scan, "trojan line {trojan} after scan line {scan}");
}

// === other readers ===

#[test]
fn tshark_reads_capture_cleanly() {
    let Ok(version) = std::process::Command::new("tshark").arg("--version").output() else {
        println!("skipped: tshark is not installed");
        return;
    };
    assert!(version.status.success());
    let (outputs, truth, _) = small();
    let dir = std::env::temp_dir().join(format!("wormscope-synth-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("capture.pcapng");
    std::fs::write(&path, &outputs.capture).expect("capture written");

    let stats = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-q", "-z", "io,stat,0"])
        .output()
        .expect("tshark runs");
    // tshark warns about running as root; that notice concerns the machine, not the file.
    let stderr = String::from_utf8_lossy(&stats.stderr);
    let complaints: Vec<&str> =
        stderr.lines().filter(|line| !line.trim().is_empty() && !line.contains("Running as user \"root\"")).collect();
    assert!(stats.status.success(), "tshark failed: {stderr}");
    assert!(complaints.is_empty(), "tshark complained: {complaints:?}");
    let stdout = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stdout.contains(&format!("| {} |", outputs.packets)) || stdout.contains(&outputs.packets.to_string()),
        "frame count missing: {stdout}"
    );

    // With checksum validation on, tshark finds every checksum good.
    let checks = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"];
    let good_filter =
        r#"ip.checksum.status == "Good" && (tcp.checksum.status == "Good" || udp.checksum.status == "Good")"#;
    let good = tshark_lines(&path, &checks, good_filter);
    assert_eq!(good.len() as u64, outputs.packets, "not every packet has good checksums");

    // No expert error and no malformed packet, except on the worm's own peer protocol. Its
    // random bytes on random ports can meet a port-based dissector (EtherCAT on 34980, X11 on
    // 6000-6063) that then misreads them, as it would in a real capture.
    let port = truth["outbreak"]["service_port"].as_u64().expect("service port");
    let error_filter = format!("(_ws.expert.severity >= error || _ws.malformed) && !(tcp.port == {port})");
    let errors = tshark_lines(&path, &checks, &error_filter);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        errors.is_empty(),
        "tshark found errors:\n{}",
        errors.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Runs tshark on `path` with `options` and display filter `filter`; returns the listed lines.
fn tshark_lines(path: &std::path::Path, options: &[&str], filter: &str) -> Vec<String> {
    let output = std::process::Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(options)
        .args(["-Y", filter])
        .output()
        .expect("tshark runs");
    assert!(output.status.success(), "tshark failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.trim().is_empty()).map(str::to_string).collect()
}

// === story shapes seen in the capture ===

/// Returns the Pearson correlation of two equally long series.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let covariance: f64 = a.iter().zip(b).map(|(x, y)| (x - mean_a) * (y - mean_b)).sum();
    let spread_a: f64 = a.iter().map(|x| (x - mean_a).powi(2)).sum();
    let spread_b: f64 = b.iter().map(|y| (y - mean_b).powi(2)).sum();
    covariance / (spread_a * spread_b).sqrt()
}

#[test]
fn service_inbound_outbound_move_together() {
    let (_, truth, packets) = small();
    let infected = address(&truth["outbreak"]["infected"]);
    let port = truth["outbreak"]["service_port"].as_u64().expect("service port") as u16;
    let open = micros(&truth["timeline"]["service_open"]["unix"]);
    let hours = ((micros(&truth["timeline"]["switch_off"]["unix"]) - open) / 3_600_000_000) as usize;
    let (mut inbound, mut outbound) = (vec![0.0; hours], vec![0.0; hours]);
    for packet in packets.iter().filter(|packet| packet.micros >= open) {
        let Some(tcp) = packet.tcp.filter(|tcp| tcp.syn && tcp.ack.is_none()) else { continue };
        let hour = ((packet.micros - open) / 3_600_000_000) as usize;
        if hour >= hours {
            continue;
        }
        if packet.destination == infected && tcp.destination_port == port {
            inbound[hour] += 1.0;
        } else if packet.source == infected && tcp.destination_port == port {
            outbound[hour] += 1.0;
        }
    }
    let r = correlation(&inbound, &outbound);
    assert!(r > 0.7, "inbound and outbound correlate at only {r:.2}");
}

#[test]
fn new_service_fan_in_many_slash8s() {
    let (_, truth, packets) = small();
    let hosts = truth["hosts"].as_array().expect("hosts");
    let infected = address(&truth["outbreak"]["infected"]);
    let decoy = hosts
        .iter()
        .find(|host| host["role"] == "new_service")
        .map(|host| address(&host["address"]))
        .expect("new_service host");
    let decoy_port = truth["decoys"]["new_service_port"].as_u64().expect("decoy port") as u16;
    let port = truth["outbreak"]["service_port"].as_u64().expect("service port") as u16;

    // Distinct /8s of Internet clients that got a SYN-ACK from each new port.
    let slash8s = |server: Ipv4Addr, port: u16| -> BTreeSet<u8> {
        packets
            .iter()
            .filter(|packet| packet.source == server && packet.destination.octets()[0] != 10)
            .filter(|packet| packet.tcp.is_some_and(|tcp| tcp.syn && tcp.ack.is_some() && tcp.source_port == port))
            .map(|packet| packet.destination.octets()[0])
            .collect()
    };
    let worm = slash8s(infected, port).len();
    let benign = slash8s(decoy, decoy_port).len();
    assert!(worm >= 20, "worm service reached from only {worm} /8s");
    assert!((1..=2).contains(&benign), "benign new service reached from {benign} /8s");
}

// === logs against packets ===

/// Per-connection totals from the capture, keyed by (originator, responder) endpoints and the
/// second of the first SYN.
fn connection_totals(packets: &[Pkt]) -> HashMap<(String, String, u64), (u64, u64)> {
    let mut origin: HashMap<(Ipv4Addr, u16, Ipv4Addr, u16), u64> = HashMap::new();
    let mut totals = HashMap::new();
    for packet in packets {
        let Some(tcp) = packet.tcp else { continue };
        let forward = (packet.source, tcp.source_port, packet.destination, tcp.destination_port);
        let backward = (packet.destination, tcp.destination_port, packet.source, tcp.source_port);
        if tcp.syn && tcp.ack.is_none() && !origin.contains_key(&forward) {
            origin.insert(forward, packet.micros / 1_000_000);
        }
        let (key, up) = match (origin.get(&forward), origin.get(&backward)) {
            (Some(start), _) => ((forward, *start), true),
            (None, Some(start)) => ((backward, *start), false),
            (None, None) => continue,
        };
        let ((a, ap, b, bp), start) = key;
        let entry = totals.entry((format!("{a}:{ap}"), format!("{b}:{bp}"), start)).or_insert((0, 0));
        if up {
            entry.0 += u64::from(tcp.payload_len);
        } else {
            entry.1 += u64::from(tcp.payload_len);
        }
        // A FIN from the originator closes the tuple, so a reused port starts a new connection.
        if up && tcp.fin {
            origin.remove(&forward);
        }
    }
    totals
}

/// Returns the value of `name=` in a session-monitor line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    let start = line.find(&format!(" {name}=")).map(|at| at + name.len() + 2).expect("field present");
    line[start..].split(' ').next().unwrap_or("")
}

#[test]
fn tnm_records_match_packets() {
    let (outputs, _, packets) = small();
    let totals = connection_totals(packets);
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let mut checked = 0;
    for line in text.lines().filter(|line| line.contains("TNM-TCP_Session_Completed")) {
        let endpoints = line.split("Completed: ").nth(1).expect("endpoints");
        let mut parts = endpoints.split(' ');
        let (source, _, destination) = (parts.next().unwrap_or(""), parts.next(), parts.next().unwrap_or(""));
        let start: u64 = field(line, "start").parse().expect("start");
        let key = (source.to_string(), destination.to_string(), start);
        let (up, down) = totals.get(&key).copied().unwrap_or_else(|| panic!("no connection in the capture for {line}"));
        assert_eq!(field(line, "bytes_up"), up.to_string(), "{line}");
        assert_eq!(field(line, "bytes_down"), down.to_string(), "{line}");
        checked += 1;
    }
    assert!(checked > 100, "only {checked} session records checked");
}

#[test]
fn snort_alerts_match_packets() {
    let (outputs, _, packets) = small();
    let endpoints = tcp_endpoints(packets);
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let mut checked = 0;
    for line in text.lines().filter(|line| line.contains(" snort[")) {
        let flow = line.split("{TCP} ").nth(1).expect("protocol and endpoints");
        let (source, destination) = flow.split_once(" -> ").expect("arrow");
        let pair = (source.to_string(), destination.to_string());
        assert!(endpoints.contains(&pair), "no packet from {source} to {destination}: {line}");
        checked += 1;
    }
    assert!(checked > 50, "only {checked} alerts checked");
}

// === full scale ===

#[test]
fn full_scale_scan_tens_of_thousands() {
    let outputs = generate(&Params { seed: 11, ..Params::default() }).expect("valid parameters");
    let truth: Value = serde_json::from_slice(&outputs.truth).expect("truth.json parses");
    let infected = address(&truth["outbreak"]["infected"]).octets();
    let port = truth["outbreak"]["scan_port"].as_u64().expect("scan port") as u16;

    // A light loop: frame the blocks with pcap-parser, then read the few header bytes needed
    // at fixed offsets (Ethernet II, IPv4 with its IHL, TCP).
    let mut rest = &outputs.capture[..];
    let mut first_syns = BTreeSet::new();
    while !rest.is_empty() {
        let (next, block) = parse_block_le(rest).expect("block parses");
        rest = next;
        let Block::EnhancedPacket(epb) = block else { continue };
        let frame = epb.data;
        let ip = &frame[14..];
        let tcp = &ip[usize::from(ip[0] & 0x0f) * 4..];
        let is_tcp = ip[9] == 6;
        let syn_only = tcp.get(13).is_some_and(|flags| flags & 0x12 == 0x02);
        if is_tcp && syn_only && ip[12..16] == infected && u16::from_be_bytes([tcp[2], tcp[3]]) == port {
            first_syns.insert((
                u16::from_be_bytes([tcp[0], tcp[1]]),
                [ip[16], ip[17], ip[18], ip[19]],
                [tcp[4], tcp[5], tcp[6], tcp[7]],
            ));
        }
    }
    let attempts = first_syns.len() as u64;
    assert!(attempts >= 20_000, "only {attempts} scan attempts at full scale");
    assert_eq!(Some(attempts), truth["outbreak"]["scan_attempts"].as_u64());
}

#[test]
fn nnm_events_match_packets() {
    let (outputs, _, packets) = small();
    let endpoints = tcp_endpoints(packets);
    let text = std::str::from_utf8(&outputs.syslog).expect("syslog is UTF-8");
    let mut checked = 0;
    for line in text.lines().filter(|line| line.contains(" nnm: ")) {
        let fields: Vec<&str> = line.split(" nnm: ").nth(1).expect("message").split('|').collect();
        assert_eq!(fields.len(), 7, "{line}");
        assert!(["NONE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&fields[6]), "bad risk: {line}");
        let pair = (fields[0].to_string(), fields[1].to_string());
        assert!(endpoints.contains(&pair), "no packet from {} to {}: {line}", fields[0], fields[1]);
        checked += 1;
    }
    assert!(checked > 10, "only {checked} NNM events checked");
}

//! The detection rules on real captures from the shared corpus: benign traffic raises no
//! high-severity finding, and the scan rules fire on the scanning host of real scanner
//! captures (and on no other host).
//!
//! The scanning host and what to expect from it are derived without wormscope's decoder: a
//! small loop over the capture's Ethernet/IPv4 frames counts, per source, the TCP SYN-only
//! packets and the UDP datagrams that got no reply, and the distinct ports and hosts they went
//! to. The source with the most such probes is the scanner; PortScan is expected when it
//! probed at least 15 ports of one host, AddressScan when it probed at least 25 hosts on one
//! port (scan.zeek's thresholds; every capture here lasts far less than 5 minutes, which the
//! loop checks).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use wormscope_core::detect::{self, DetectConfig, Detection, Rule, Severity};
use wormscope_core::{Analyzer, Config};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{path}")).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn analyse(path: &str) -> (u64, Detection) {
    let bytes = read(path);
    let mut analyzer = Analyzer::new(Config::default());
    let index = analyzer.begin_file(path, bytes.len() as u64);
    analyzer.push(index, &bytes).expect("capture reads");
    analyzer.end_file(index).expect("capture ends");
    let report = analyzer.finish();
    (report.counts.packets, detect::detect(&report, &DetectConfig::default()))
}

// ---- benign traffic ----

const BENIGN: &[&str] = &[
    "zeek/traces/wikipedia.pcap",
    "zeek/traces/ssh/ssh.pcap",
    "zeek/traces/ssh/ssh.client-side-half-duplex.pcap",
    "zeek/traces/ssh/ssh.server-side-half-duplex.pcap",
    "zeek/traces/smtp.pcap",
    "zeek/traces/smtp/smtp-bdat-pipeline-8bitmime.pcap",
    "zeek/traces/var-services-std-ports.pcap",
    "wireshark-wiki-samples/simple_http.pcap",
    "wireshark-wiki-samples/200722_tcp_anon.pcapng",
    "scans/chrissanders-packets/mail_sender_client_1.pcapng",
    "scans/chrissanders-packets/mail_sender_server_2.pcapng",
    "scans/chrissanders-packets/mail_receiver_server_3.pcapng",
    "scans/chrissanders-packets/tcp_ports.pcapng",
];

#[test]
fn benign_traces_raise_no_high_severity_finding() {
    for path in BENIGN {
        let (packets, detection) = analyse(path);
        assert!(packets > 0, "{path}: no packets read");
        let high: Vec<String> = detection
            .findings
            .iter()
            .filter(|finding| finding.severity == Severity::High)
            .map(|finding| finding.message.clone())
            .collect();
        assert!(high.is_empty(), "{path}: high-severity findings on benign traffic: {high:?}");
    }
}

// ---- scanners ----

/// One IPv4 TCP or UDP packet of an Ethernet frame (VLAN tags allowed): time in microseconds, addresses, ports, and the TCP flags.
struct Probe {
    micros: u64,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    udp: bool,
    flags: u8,
}

fn u16_at(data: &[u8], at: usize, big: bool) -> Option<u16> {
    let b: [u8; 2] = data.get(at..at + 2)?.try_into().ok()?;
    Some(if big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
}

fn u32_at(data: &[u8], at: usize, big: bool) -> Option<u32> {
    let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
    Some(if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
}

/// Returns the Ethernet frames of a little- or big-endian pcap or pcapng file with their
/// times in microseconds (pcapng: the default resolution, which these files use).
fn frames(bytes: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let magic = u32_at(bytes, 0, false).unwrap_or(0);
    if magic == 0x0A0D_0D0A {
        let big = u32_at(bytes, 8, false) != Some(0x1A2B_3C4D);
        let mut at = 0;
        while let (Some(kind), Some(len)) = (u32_at(bytes, at, big), u32_at(bytes, at + 4, big)) {
            if kind == 6 {
                let ts = (u64::from(u32_at(bytes, at + 12, big).unwrap_or(0)) << 32) | u64::from(u32_at(bytes, at + 16, big).unwrap_or(0));
                let caplen = u32_at(bytes, at + 20, big).unwrap_or(0) as usize;
                if let Some(frame) = bytes.get(at + 28..at + 28 + caplen) {
                    out.push((ts, frame));
                }
            }
            if len < 12 {
                break;
            }
            at += len as usize;
        }
    } else {
        let big = magic == 0xD4C3_B2A1;
        let mut at = 24;
        while let (Some(secs), Some(usecs), Some(caplen)) = (u32_at(bytes, at, big), u32_at(bytes, at + 4, big), u32_at(bytes, at + 8, big)) {
            if let Some(frame) = bytes.get(at + 16..at + 16 + caplen as usize) {
                out.push((u64::from(secs) * 1_000_000 + u64::from(usecs), frame));
            }
            at += 16 + caplen as usize;
        }
    }
    out
}

fn probe(micros: u64, frame: &[u8]) -> Option<Probe> {
    // Skip 802.1Q and 802.1ad VLAN tags.
    let mut at = 12;
    while matches!(u16_at(frame, at, true)?, 0x8100 | 0x88A8) {
        at += 4;
    }
    if u16_at(frame, at, true)? != 0x0800 {
        return None;
    }
    let ip = frame.get(at + 2..)?;
    let header = usize::from(ip.first()? & 0x0F) * 4;
    let proto = *ip.get(9)?;
    let src = Ipv4Addr::from(u32_at(ip, 12, true)?);
    let dst = Ipv4Addr::from(u32_at(ip, 16, true)?);
    let l4 = ip.get(header..)?;
    let (sport, dport) = (u16_at(l4, 0, true)?, u16_at(l4, 2, true)?);
    match proto {
        6 => Some(Probe { micros, src, dst, sport, dport, udp: false, flags: *l4.get(13)? }),
        17 => Some(Probe { micros, src, dst, sport, dport, udp: true, flags: 0 }),
        _ => None,
    }
}

/// What the independent loop expects: the scanner and whether each scan rule should fire.
struct Expected {
    scanner: IpAddr,
    port_scan: bool,
    address_scan: bool,
}

fn expected(path: &str) -> Expected {
    let bytes = read(path);
    let probes: Vec<Probe> = frames(&bytes).into_iter().filter_map(|(micros, frame)| probe(micros, frame)).collect();
    let replied: HashSet<(Ipv4Addr, u16, Ipv4Addr, u16)> =
        probes.iter().filter(|p| p.udp).map(|p| (p.dst, p.dport, p.src, p.sport)).collect();

    // Probes: SYN without ACK, or UDP that no datagram answered.
    let is_probe = |p: &&Probe| if p.udp { !replied.contains(&(p.src, p.sport, p.dst, p.dport)) } else { p.flags & 0x12 == 0x02 };
    let mut per_source: BTreeMap<Ipv4Addr, Vec<&Probe>> = BTreeMap::new();
    for p in probes.iter().filter(is_probe) {
        per_source.entry(p.src).or_default().push(p);
    }
    let (scanner, sent) = per_source.into_iter().max_by_key(|(_, sent)| sent.len()).expect("a capture with probes");
    let span = sent.iter().map(|p| p.micros).max().unwrap_or(0) - sent.iter().map(|p| p.micros).min().unwrap_or(0);
    assert!(span < 300_000_000, "{path}: the probes last longer than the 5-minute window");

    let mut ports_per_host: BTreeMap<Ipv4Addr, BTreeSet<(bool, u16)>> = BTreeMap::new();
    let mut hosts_per_port: BTreeMap<u16, BTreeSet<Ipv4Addr>> = BTreeMap::new();
    for p in &sent {
        ports_per_host.entry(p.dst).or_default().insert((p.udp, p.dport));
        if !p.udp {
            hosts_per_port.entry(p.dport).or_default().insert(p.dst);
        }
    }
    Expected {
        scanner: IpAddr::V4(scanner),
        port_scan: ports_per_host.values().any(|ports| ports.len() >= 15),
        address_scan: hosts_per_port.values().any(|hosts| hosts.len() >= 25),
    }
}

const SCANNERS: &[&str] = &[
    "scans/esnet-curated-pcaps/attacks/scanners/masscan/tcp_0_1000_20190821.pcap",
    "scans/esnet-curated-pcaps/attacks/scanners/masscan/udp_0_1000_20190821.pcap",
    "scans/esnet-curated-pcaps/attacks/scanners/nmap/nmap_80_all.pcap",
    "scans/esnet-curated-pcaps/attacks/scanners/nmap/nmap_80_vanilla.pcap",
    "scans/esnet-curated-pcaps/attacks/scanners/nmap/nmap_80_w_service_detection.pcap",
    "scans/chrissanders-packets/synscan.pcapng",
];

#[test]
fn scan_rules_fire_on_the_scanning_host() {
    let mut fired = 0;
    for path in SCANNERS {
        let want = expected(path);
        let (_, detection) = analyse(path);
        for (rule, expect) in [(Rule::PortScan, want.port_scan), (Rule::AddressScan, want.address_scan)] {
            let hosts: BTreeSet<IpAddr> = detection.findings.iter().filter(|f| f.rule == rule).map(|f| f.host).collect();
            let wanted: BTreeSet<IpAddr> = if expect { BTreeSet::from([want.scanner]) } else { BTreeSet::new() };
            assert_eq!(hosts, wanted, "{path}: {} hosts", rule.as_str());
            fired += usize::from(expect);
        }
        if want.port_scan || want.address_scan {
            assert_eq!(detection.hosts.first().map(|h| h.host), Some(want.scanner), "{path}: scanner ranked first");
        }
    }
    // The corpus holds three wide sweeps (masscan TCP and UDP, the SYN scan).
    assert!(fired >= 3, "only {fired} scan findings expected; the loop may be misreading the captures");
}

//! Connection tracking on Zeek's own small traces, with the expected states from their
//! baselines.

use super::*;
use crate::analysis::{Analyzer, Config};
use std::path::PathBuf;

fn connections(path: &str, conn: ConnConfig) -> Vec<Connection> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(path);
    let bytes = std::fs::read(&full).unwrap();
    let mut analyzer = Analyzer::new(Config { conn, ..Config::default() });
    let file = analyzer.begin_file(path, bytes.len() as u64);
    analyzer.push(file, &bytes).unwrap();
    analyzer.end_file(file).unwrap();
    analyzer.finish().connections
}

fn ignore_checksums_bare() -> ConnConfig {
    ConnConfig { ignore_checksums: true, ..ConnConfig::bare() }
}

// === resets (Zeek baseline conn_state-RST-behavior: `zeek -b -C`) ===

#[test]
fn single_rst_is_oth() {
    let conns = connections("zeek/traces/tcp/single-rst.pcap", ignore_checksums_bare());
    assert_eq!(conns.len(), 1);
    assert_eq!((conns[0].history.as_str(), conns[0].conn_state), ("R", ConnState::OTH));
}

#[test]
fn syn_then_rst_is_rstos0() {
    let conns = connections("zeek/traces/tcp/syn-then-rst.pcap", ignore_checksums_bare());
    assert_eq!((conns[0].history.as_str(), conns[0].conn_state), ("SR", ConnState::RSTOS0));
}

#[test]
fn syn_ack_rst_is_rstos0() {
    let conns = connections("zeek/traces/tcp/syn-then-ack-then-rst.pcap", ignore_checksums_bare());
    assert_eq!((conns[0].history.as_str(), conns[0].conn_state), ("SaR", ConnState::RSTOS0));
}

#[test]
fn syn_stuff_rst_is_oth() {
    let conns = connections("zeek/traces/tcp/syn-then-stuff-then-rst.pcap", ignore_checksums_bare());
    assert_eq!((conns[0].history.as_str(), conns[0].conn_state), ("SaFR", ConnState::OTH));
}

// === checksums (Zeek baseline core.checksums_ignore_nets) ===

#[test]
fn bad_checksums_ignored_gives_sf() {
    let conns = connections("zeek/traces/chksums/localhost-bad-chksum.pcap", ignore_checksums_bare());
    assert_eq!(conns.len(), 1);
    let c = &conns[0];
    assert_eq!((c.history.as_str(), c.conn_state), ("ShADadFf", ConnState::SF));
    assert_eq!((c.orig_pkts, c.resp_pkts, c.orig_bytes, c.resp_bytes), (6, 4, 74, 432));
}

#[test]
fn bad_checksums_checked_splits_connection() {
    let conns = connections("zeek/traces/chksums/localhost-bad-chksum.pcap", ConnConfig::bare());
    let summary: Vec<(String, ConnState, u64)> = conns.iter().map(|c| (c.history.clone(), c.conn_state, c.orig_pkts)).collect();
    assert_eq!(summary, vec![("C".to_string(), ConnState::OTH, 0), ("HcADF".to_string(), ConnState::SH, 4)]);
}

// === flips (Zeek baseline core.tcp.missing-syn, default scripts) ===

#[test]
fn missing_syn_flips_to_client() {
    let conns = connections("zeek/traces/tcp/missing-syn.pcap", ConnConfig { ignore_checksums: true, ..ConnConfig::default() });
    let c = &conns[0];
    assert_eq!(c.history, "^hADdFaf");
    assert_eq!(c.conn_state, ConnState::SF);
    assert_eq!(c.resp_p, 80);
    assert_eq!((c.orig_pkts, c.resp_pkts, c.orig_bytes, c.resp_bytes), (11, 10, 98, 9417));
}

#[test]
fn rstos0_pattern() {
    assert!(history_is_syn_then_rst("SR"));
    assert!(history_is_syn_then_rst("^SaR"));
    assert!(!history_is_syn_then_rst("SaFR"));
    // Zeek's class [^HAFGIQ] is case-sensitive, so a responder SYN-ACK does not stop it.
    assert!(history_is_syn_then_rst("ShR"));
}

// === lifetime and sequence space, on hand-built captures ===

/// One TCP segment of a hand-built capture.
struct Segment {
    at_ms: i64,
    from_client: bool,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: usize,
}

/// Builds a pcap of TCP segments between 10.0.0.1:40000 and 192.0.2.80:80, with valid
/// checksums (etherparse's builder computes them).
fn tcp_capture(segments: &[Segment]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0]);
    for s in segments {
        let (src, dst, sport, dport) =
            if s.from_client { ([10, 0, 0, 1], [192, 0, 2, 80], 40000, 80) } else { ([192, 0, 2, 80], [10, 0, 0, 1], 80, 40000) };
        let mut builder = etherparse::PacketBuilder::ipv4(src, dst, 64).tcp(sport, dport, s.seq, 65535);
        if s.flags & tcp_flags::SYN != 0 {
            builder = builder.syn();
        }
        if s.flags & tcp_flags::ACK != 0 {
            builder = builder.ack(s.ack);
        }
        if s.flags & tcp_flags::FIN != 0 {
            builder = builder.fin();
        }
        if s.flags & tcp_flags::RST != 0 {
            builder = builder.rst();
        }
        let payload = vec![b'x'; s.payload];
        let mut frame = Vec::new();
        builder.write(&mut frame, &payload).unwrap();
        let ts = 1_700_000_000_000i64 + s.at_ms;
        out.extend_from_slice(&((ts / 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(((ts % 1000) * 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame);
    }
    out
}

fn connections_of(bytes: &[u8], conn: ConnConfig) -> Vec<Connection> {
    let mut analyzer = Analyzer::new(Config { conn, ..Config::default() });
    let file = analyzer.begin_file("built.pcap", bytes.len() as u64);
    analyzer.push(file, bytes).unwrap();
    analyzer.end_file(file).unwrap();
    analyzer.finish().connections
}

use crate::decode::tcp_flags::{ACK, FIN, SYN};

/// A full handshake, `bytes` of client data and a FIN exchange, starting at `isn`.
fn handshake_with_data(start_ms: i64, isn: u32, bytes: usize) -> Vec<Segment> {
    let server_isn = 5000;
    let end = isn.wrapping_add(1).wrapping_add(bytes as u32);
    vec![
        Segment { at_ms: start_ms, from_client: true, flags: SYN, seq: isn, ack: 0, payload: 0 },
        Segment { at_ms: start_ms + 1, from_client: false, flags: SYN | ACK, seq: server_isn, ack: isn.wrapping_add(1), payload: 0 },
        Segment { at_ms: start_ms + 2, from_client: true, flags: ACK, seq: isn.wrapping_add(1), ack: server_isn + 1, payload: 0 },
        Segment { at_ms: start_ms + 3, from_client: true, flags: ACK, seq: isn.wrapping_add(1), ack: server_isn + 1, payload: bytes },
        Segment { at_ms: start_ms + 4, from_client: false, flags: ACK, seq: server_isn + 1, ack: end, payload: 0 },
        Segment { at_ms: start_ms + 5, from_client: true, flags: FIN | ACK, seq: end, ack: server_isn + 1, payload: 0 },
        Segment { at_ms: start_ms + 6, from_client: false, flags: FIN | ACK, seq: server_isn + 1, ack: end.wrapping_add(1), payload: 0 },
        Segment { at_ms: start_ms + 7, from_client: true, flags: ACK, seq: end.wrapping_add(1), ack: server_isn + 2, payload: 0 },
    ]
}

#[test]
fn sequence_wraparound_counts_bytes() {
    // The client's data crosses 2^32 in sequence space.
    let conns = connections_of(&tcp_capture(&handshake_with_data(0, u32::MAX - 100, 1000)), ConnConfig::default());
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].orig_bytes, 1000);
    assert_eq!(conns[0].conn_state, ConnState::SF);
    assert_eq!(conns[0].history, "ShADaFf");
}

#[test]
fn new_syn_after_close_starts_connection() {
    // The same ports, a second handshake with a new initial sequence number 1 s later.
    let mut segments = handshake_with_data(0, 1000, 10);
    segments.extend(handshake_with_data(1000, 900_000, 20));
    let conns = connections_of(&tcp_capture(&segments), ConnConfig::default());
    assert_eq!(conns.len(), 2);
    assert_eq!((conns[0].orig_bytes, conns[1].orig_bytes), (10, 20));
}

#[test]
fn retransmitted_data_counted_once() {
    let mut segments = handshake_with_data(0, 1000, 100);
    let copy = Segment { at_ms: 3, from_client: true, flags: ACK, seq: 1001, ack: 5001, payload: 100 };
    segments.insert(4, copy);
    let conns = connections_of(&tcp_capture(&segments), ConnConfig::default());
    assert_eq!(conns[0].orig_bytes, 100);
    assert!(conns[0].history.contains('T'), "{}", conns[0].history);
}

#[test]
fn inactivity_timeout_is_configurable() {
    // Data, then 90 s of silence, then more data on the same connection.
    let mut segments = handshake_with_data(0, 1000, 10);
    segments.truncate(5);
    segments.push(Segment { at_ms: 90_000, from_client: true, flags: ACK, seq: 1011, ack: 5001, payload: 10 });
    let bytes = tcp_capture(&segments);
    assert_eq!(connections_of(&bytes, ConnConfig::default()).len(), 1);
    let short = ConnConfig { tcp_inactivity_timeout: 60 * NANOS_PER_SEC, ..ConnConfig::default() };
    assert_eq!(connections_of(&bytes, short).len(), 2);
}

#[test]
fn unanswered_syn_retries_split_after_attempt_timer() {
    // SYNs at 0 s, 3 s and 9 s: Zeek's 5 s attempt timer ends the first attempt before the
    // third SYN, so two S0 connections result.
    let syn = |at_ms| Segment { at_ms, from_client: true, flags: SYN, seq: 777, ack: 0, payload: 0 };
    let conns = connections_of(&tcp_capture(&[syn(0), syn(3000), syn(9000)]), ConnConfig::default());
    let summary: Vec<(ConnState, u64)> = conns.iter().map(|c| (c.conn_state, c.orig_pkts)).collect();
    assert_eq!(summary, vec![(ConnState::S0, 2), (ConnState::S0, 1)]);
}

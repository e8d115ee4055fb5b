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

//! Every capture in the corpus runs through the [`Analyzer`] without a panic, and the files
//! that libpcap rejects are rejected with an error naming the byte offset.
//!
//! The list of captures comes from the corpus MANIFEST.md: every file row whose role is
//! `capture`, plus every other row naming a `.pcap` or `.pcapng` file (Snort's
//! `expected.pcap`). For each file the test prints packets, decoded packets, skips by reason,
//! connections and the error, if any.
//!
//! Some Suricata regression tests state a flow's expected state (`flow.state`, `tcp.state`
//! in their `test.yaml`). The matching connection's conn_state and packet counts are printed
//! next to it. Suricata and Zeek name states differently, so disagreements are reported, not
//! asserted, and COMPAT.md lists them.
//!
//! Run with `cargo test -p wormscope-core --test corpus_smoke -- --nocapture`.

mod common;

use common::{analyze_bytes, analyze_capture, manifest_files, manifest_section, read_corpus_file, Run};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use wormscope_core::conn::Connection;
use wormscope_core::Config;

/// Marker MANIFEST.md puts before libpcap's message for a file libpcap must reject.
const MUST_REJECT: &str = "libpcap must refuse to open it with: ";

/// Fields named by libpcap's rejection messages; ours must name the same one.
const REJECT_FIELDS: &[&str] = &["version", "length"];

/// Corpus folders whose captures a reference tool (Zeek, Suricata, Snort 3) read to produce
/// its expected output, so they must read without an input error here too.
const READABLE_FOLDERS: &[&str] = &["zeek/", "suricata-verify/", "snort3-demo/"];

/// Returns every corpus path to run, in manifest order, without duplicates.
fn capture_paths() -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for file in manifest_files() {
        let is_capture = file.role == "capture" || file.path.ends_with(".pcap") || file.path.ends_with(".pcapng");
        if is_capture && !paths.contains(&file.path) {
            paths.push(file.path);
        }
    }
    paths
}

/// Returns libpcap's rejection message for the unit that lists `path`, if it must be rejected.
fn expected_rejection(path: &str) -> Option<String> {
    let unit = manifest_files().into_iter().find(|f| f.path == path)?.unit;
    let section = manifest_section(&unit);
    section.lines().find_map(|line| line.trim().strip_prefix(MUST_REJECT).map(str::to_string))
}

/// Formats skip counts as `reason=n, ...`.
fn format_counts(counts: &BTreeMap<String, u64>) -> String {
    if counts.is_empty() {
        return "-".into();
    }
    counts.iter().map(|(reason, n)| format!("{reason}={n}")).collect::<Vec<_>>().join(",")
}

fn print_run(path: &str, run: &Run) {
    let counts = &run.report.counts;
    let error = run.errors.first().map(|e| format!("at byte {}: {}", e.offset, e.message)).unwrap_or_else(|| "-".into());
    println!(
        "{path:<90} pkts {:>5} parsed {:>5} conns {:>5} skipped {} anomalies {} error {error}",
        counts.packets,
        counts.packets_parsed,
        counts.connections,
        format_counts(&counts.packets_skipped),
        format_counts(&counts.anomalies),
    );
}

#[test]
fn every_capture_runs_without_panic() {
    let paths = capture_paths();
    assert!(paths.len() > 100, "MANIFEST.md lists only {} captures; is the corpus in place?", paths.len());

    let mut panicked = Vec::new();
    let mut unaccounted = Vec::new();
    let mut unreadable = Vec::new();
    for path in &paths {
        let outcome = catch_unwind(AssertUnwindSafe(|| analyze_capture(path, Config::default())));
        let Ok(run) = outcome else {
            println!("{path}: PANIC");
            panicked.push(path.clone());
            continue;
        };
        print_run(path, &run);
        if READABLE_FOLDERS.iter().any(|folder| path.starts_with(folder)) {
            unreadable.extend(run.errors.iter().map(|e| e.to_string()));
        }

        // Every framed packet is either decoded or skipped with a reason.
        let counts = &run.report.counts;
        let skipped: u64 = counts.packets_skipped.values().sum();
        if counts.packets_parsed + skipped > counts.packets {
            unaccounted.push(format!("{path}: {} parsed + {skipped} skipped > {} packets", counts.packets_parsed, counts.packets));
        }
    }
    assert!(panicked.is_empty(), "the analyzer panicked on: {}", panicked.join(", "));
    assert!(unaccounted.is_empty(), "packet counts do not add up: {}", unaccounted.join("; "));
    assert!(unreadable.is_empty(), "input errors on files a reference tool reads: {}", unreadable.join("; "));
}

#[test]
fn libpcap_reject_cases_return_input_error() {
    let rejects: Vec<(String, String)> =
        capture_paths().into_iter().filter_map(|path| expected_rejection(&path).map(|message| (path, message))).collect();
    assert!(!rejects.is_empty(), "MANIFEST.md lists no must-reject files");

    for (path, libpcap_message) in &rejects {
        let run = analyze_capture(path, Config::default());
        let size = read_corpus_file(path).len() as u64;
        println!("{path}: libpcap: {libpcap_message}; ours: {:?}", run.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>());

        let error = run.errors.first().unwrap_or_else(|| panic!("{path}: accepted, but libpcap rejects it ({libpcap_message})"));
        assert!(error.offset < size, "{path}: error offset {} is past the end of the {size}-byte file", error.offset);
        assert!(error.to_string().contains(&format!("byte {}", error.offset)), "{path}: message does not name the offset: {error}");
        assert_eq!(run.report.counts.packets, 0, "{path}: packets read from a file libpcap refuses to open");

        // The message names the same broken field as libpcap's.
        for field in REJECT_FIELDS.iter().filter(|field| libpcap_message.contains(*field)) {
            assert!(error.message.contains(field), "{path}: message does not mention the {field}: {error}");
        }
    }
}

/// Walks a classic little-endian pcap's record headers and returns how many whole records fit
/// in `bytes`. This count does not use the analyzer, so the truncation test can check it.
fn whole_pcap_records(bytes: &[u8]) -> u64 {
    const FILE_HEADER: usize = 24;
    const RECORD_HEADER: usize = 16;
    let mut offset = FILE_HEADER;
    let mut records = 0;
    while let Some(header) = bytes.get(offset..offset + RECORD_HEADER) {
        let caplen = u32::from_le_bytes([header[8], header[9], header[10], header[11]]) as usize;
        if offset + RECORD_HEADER + caplen > bytes.len() {
            break;
        }
        offset += RECORD_HEADER + caplen;
        records += 1;
    }
    records
}

#[test]
fn truncated_pcap_reports_cut_record() {
    // pcap-parser's own test cuts ntp.pcap after 981 bytes and expects an end-of-file error.
    let path = "pcap-parser/assets/ntp.pcap";
    let bytes = read_corpus_file(path);
    let cut = &bytes[..981];
    let run = analyze_bytes(path, cut, Config::default());
    print_run(path, &run);

    assert_eq!(run.report.counts.packets, whole_pcap_records(cut), "packets before the cut");
    let error = run.errors.first().expect("a record cut off by the end of the file is an error");
    assert!(error.offset <= 981, "error offset {} lies past the cut", error.offset);
    assert!(error.offset >= 24, "error offset {} lies inside the file header", error.offset);
}

/// One `match:` block of a suricata-verify check, as `key: value` text pairs.
type EveMatch = BTreeMap<String, String>;

/// Reads the `match:` blocks of a suricata-verify `test.yaml` that mention `flow.state` or
/// `tcp.state`. The files are small and regular, so this reads lines rather than YAML.
fn flow_state_checks(yaml: &str) -> Vec<EveMatch> {
    let mut checks = Vec::new();
    let mut current: Option<(usize, EveMatch)> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if let Some((block_indent, fields)) = current.take() {
            if indent > block_indent && !text.is_empty() {
                let mut fields = fields;
                if let Some((key, value)) = text.split_once(':') {
                    fields.insert(key.trim().to_string(), value.trim().trim_matches(|c| c == '"' || c == '\'').to_string());
                }
                current = Some((block_indent, fields));
                continue;
            }
            if fields.contains_key("flow.state") || fields.contains_key("tcp.state") {
                checks.push(fields);
            }
        }
        if text == "match:" {
            current = Some((indent, EveMatch::new()));
        }
    }
    if let Some((_, fields)) = current {
        if fields.contains_key("flow.state") || fields.contains_key("tcp.state") {
            checks.push(fields);
        }
    }
    checks
}

/// Returns the Zeek conn_state codes consistent with a Suricata `tcp.state` at flow end, or None when
/// the state has no counterpart here.
fn zeek_states_for(tcp_state: &str) -> Option<&'static [&'static str]> {
    match tcp_state {
        // SYN sent, nothing back: Zeek's "connection attempt seen, no reply".
        "syn_sent" => Some(&["S0"]),
        "established" => Some(&["S1"]),
        "closed" => Some(&["SF", "RSTO", "RSTR", "REJ", "RSTOS0", "RSTRH"]),
        _ => None,
    }
}

fn find_flow<'a>(connections: &'a [Connection], check: &EveMatch) -> Option<&'a Connection> {
    connections.iter().find(|conn| {
        check.get("src_ip").is_none_or(|ip| conn.orig_h.to_string() == *ip)
            && check.get("dest_ip").is_none_or(|ip| conn.resp_h.to_string() == *ip)
            && check.get("src_port").is_none_or(|port| conn.orig_p.to_string() == *port)
            && check.get("dest_port").is_none_or(|port| conn.resp_p.to_string() == *port)
    })
}

#[test]
fn suricata_flow_states_compared() {
    let yamls: Vec<String> = manifest_files().into_iter().filter(|f| f.path.starts_with("suricata-verify/") && f.path.ends_with("test.yaml")).map(|f| f.path).collect();
    assert!(!yamls.is_empty(), "MANIFEST.md lists no suricata-verify test.yaml");

    let mut compared = 0;
    for yaml_path in &yamls {
        let yaml = String::from_utf8(read_corpus_file(yaml_path)).expect("test.yaml is UTF-8");
        let folder = yaml_path.trim_end_matches("test.yaml");
        let Some(capture) = capture_paths().into_iter().find(|p| p.starts_with(folder)) else { continue };
        for check in flow_state_checks(&yaml) {
            let run = analyze_capture(&capture, Config::default());
            let found = find_flow(&run.report.connections, &check);
            let tcp_state = check.get("tcp.state").map(String::as_str).unwrap_or("-");
            let expected = zeek_states_for(tcp_state);
            let verdict = match (found, expected) {
                (None, _) => "no matching connection".to_string(),
                (Some(_), None) => format!("no Zeek counterpart for tcp.state {tcp_state}"),
                (Some(conn), Some(states)) if states.contains(&conn.conn_state.as_str()) => "consistent".to_string(),
                (Some(_), Some(states)) => format!("DISAGREES (Suricata's state maps to {})", states.join("/")),
            };
            // Suricata's flow byte counts include the link-layer header; Zeek's ip_bytes do not.
            let ours = found.map(|c| {
                format!("{} {} orig_pkts={} resp_pkts={} orig_ip_bytes={}", c.conn_state, c.history, c.orig_pkts, c.resp_pkts, c.orig_ip_bytes)
            });
            let eve = |key: &str| check.get(key).map(String::as_str).unwrap_or("-").to_string();
            println!(
                "{capture}: suricata flow.state={} tcp.state={tcp_state} pkts_toserver={} pkts_toclient={} bytes_toserver={}; ours {}; {verdict}",
                eve("flow.state"),
                eve("flow.pkts_toserver"),
                eve("flow.pkts_toclient"),
                eve("flow.bytes_toserver"),
                ours.unwrap_or_else(|| "-".into()),
            );
            compared += 1;
        }
    }
    assert!(compared > 0, "no suricata-verify check names a flow or TCP state");
}

#[test]
fn flow_state_checks_read_match_blocks() {
    let yaml = "checks:\n- filter:\n    count: 1\n    match:\n      event_type: flow\n      tcp.state: syn_sent\n      src_port: 38212\n- filter:\n    match:\n      event_type: alert\n";
    let checks = flow_state_checks(yaml);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["tcp.state"], "syn_sent");
    assert_eq!(checks[0]["src_port"], "38212");
}

//! Tests of the profile views on corpus files and a generated outbreak.
//!
//! Expected values are derived here from the report's connections and events with separate
//! loops, from the corpus files with serde_json or plain string splitting, and from the
//! generator's truth.json, never from the views' own helpers.

use super::first_seen::{first_occurrences, Feature};
use super::in_out::pearson;
use super::ports::{sort_ports, PortColumn};
use super::*;
use crate::conn::ConnState;
use crate::events::SourceFormat;
use crate::synth::{generate, Params};
use crate::{Analyzer, Config, Report};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Reads files through one analyzer in 64 KiB chunks, captures first as the callers do.
fn analyze(files: &[(&str, Vec<u8>)]) -> Report {
    let mut analyzer = Analyzer::new(Config::default());
    for (name, bytes) in files {
        let index = analyzer.begin_file(name, bytes.len() as u64);
        for chunk in bytes.chunks(64 * 1024) {
            analyzer.push(index, chunk).expect("corpus file reads");
        }
        analyzer.end_file(index).expect("corpus file ends cleanly");
    }
    analyzer.finish()
}

fn corpus_file(path: &str) -> (&str, Vec<u8>) {
    let bytes = std::fs::read(format!("{CORPUS}/{path}")).unwrap_or_else(|error| panic!("{path}: {error}"));
    (path, bytes)
}

/// Generates the outbreak once and returns its report and its truth.
fn outbreak() -> &'static (Report, Value) {
    static OUTBREAK: OnceLock<(Report, Value)> = OnceLock::new();
    OUTBREAK.get_or_init(|| {
        let outputs = generate(&Params { seed: 42, hosts: 60, days: 5, scale: 0.03 }).expect("valid parameters");
        let truth: Value = serde_json::from_slice(&outputs.truth).expect("truth.json parses");
        let report = analyze(&[("capture.pcapng", outputs.capture), ("syslog.log", outputs.syslog)]);
        (report, truth)
    })
}

fn truth_ip(truth: &Value, pointer: &str) -> IpAddr {
    truth.pointer(pointer).and_then(Value::as_str).and_then(|text| text.parse().ok()).expect(pointer)
}

fn truth_time(truth: &Value, name: &str) -> Timestamp {
    let secs = truth["timeline"][name]["unix"].as_f64().expect(name);
    Timestamp((secs * 1e6).round() as i64 * 1_000)
}

fn truth_port(truth: &Value, name: &str) -> u16 {
    truth["outbreak"][name].as_u64().expect(name) as u16
}

fn involves(event: &Event, host: IpAddr) -> bool {
    event.src == Some(host) || event.dst == Some(host)
}

// ---- grid ----

#[test]
fn grid_width_follows_span() {
    let start = Timestamp::from_secs(1_785_456_000);
    let hours = |n: i64| start.plus_nanos(n * 3600 * NANOS_PER_SEC);
    let seconds = |n: i64| start.plus_nanos(n * NANOS_PER_SEC);
    assert_eq!(Grid::for_range(start, seconds(5)).bucket_secs, 1);
    assert_eq!(Grid::for_range(start, seconds(5)).buckets, 5);
    assert_eq!(Grid::for_range(start, seconds(5)).unit(), "second");
    assert_eq!(Grid::for_range(start, seconds(300)).bucket_secs, 1);
    assert_eq!(Grid::for_range(start, seconds(301)).bucket_secs, 10);
    assert_eq!(Grid::for_range(start, seconds(1800)).bucket_secs, 10);
    assert_eq!(Grid::for_range(start, seconds(1800)).unit(), "second");
    assert_eq!(Grid::for_range(start, seconds(1801)).bucket_secs, 60);
    assert_eq!(Grid::for_range(start, hours(1)).bucket_secs, 60);
    assert_eq!(Grid::for_range(start, hours(1)).unit(), "minute");
    assert_eq!(Grid::for_range(start, hours(6)).bucket_secs, 60);
    assert_eq!(Grid::for_range(start, hours(7)).bucket_secs, 3600);
    assert_eq!(Grid::for_range(start, hours(14 * 24)).bucket_secs, 3600);
    assert_eq!(Grid::for_range(start, hours(30 * 24)).bucket_secs, 86_400);
    assert_eq!(Grid::for_range(start, hours(3_000 * 24)).bucket_secs, 3 * 86_400);
}

#[test]
fn grid_aligns_and_covers_range() {
    let start = Timestamp::from_parts(1_785_456_000 + 90, 5);
    let end = Timestamp::from_secs(1_785_456_000 + 40 * 60 + 1);
    let grid = Grid::for_range(start, end);
    assert_eq!(grid.bucket_secs, 60);
    assert_eq!(grid.start, Timestamp::from_secs(1_785_456_060));
    assert_eq!(grid.buckets, 40);
    assert_eq!(grid.index(start), Some(0));
    assert_eq!(grid.index(end.plus_nanos(-1)), Some(39));
    assert_eq!(grid.index(end.plus_nanos(60 * NANOS_PER_SEC)), None);
    assert_eq!(Grid::for_range(end, start).buckets, 0);
}

#[test]
fn grid_extreme_range_no_overflow() {
    let (report, truth) = outbreak();
    let mut filter = Filter::for_host(truth_ip(truth, "/outbreak/infected"));
    filter.from = Some(Timestamp(i64::MIN));
    filter.to = Some(Timestamp(i64::MAX));
    let view = profile(&report.events, &report.connections, &filter, &ProfileOptions::default());
    assert!(view.activity.grid.buckets <= MAX_DAY_BUCKETS as usize + 1);
    let host_events = report.events.iter().filter(|event| involves(event, filter.host)).count() as u64;
    assert_eq!(view.activity.buckets.iter().map(|bucket| bucket.total).sum::<u64>(), host_events);
    for bucket in view.activity.buckets.iter().filter(|bucket| bucket.total > 0) {
        let end = bucket.start.plus_nanos(view.activity.grid.bucket_secs * NANOS_PER_SEC);
        let inside = report.events.iter().filter(|e| involves(e, filter.host) && bucket.start <= e.ts && e.ts < end);
        assert_eq!(inside.count() as u64, bucket.total);
    }
}

#[test]
fn weekend_is_saturday_and_sunday_utc() {
    // 2026-07-31 is a Friday; 2026-08-01 and -02 are the weekend; 2026-08-03 is a Monday.
    let friday_late = Timestamp::from_secs(1_785_542_399);
    assert!(!is_weekend(friday_late));
    assert!(is_weekend(Timestamp::from_secs(1_785_542_400)));
    assert!(is_weekend(Timestamp::from_secs(1_785_715_199)));
    assert!(!is_weekend(Timestamp::from_secs(1_785_715_200)));
}

// ---- Pearson ----

#[test]
fn pearson_matches_hand_example() {
    // x̄ = 3, ȳ = 4; Σdxdy = 6, Σdx² = 10, Σdy² = 6, so r = 6 / √60.
    let r = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]).unwrap();
    assert!((r - 6.0 / 60f64.sqrt()).abs() < 1e-12, "r = {r}");
    let negative = pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap();
    assert!((negative + 1.0).abs() < 1e-12);
}

#[test]
fn pearson_undefined_cases() {
    assert_eq!(pearson(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    assert_eq!(pearson(&[0.0, 0.0], &[1.0, 2.0]), None);
    assert_eq!(pearson(&[1.0], &[1.0]), None);
    assert_eq!(pearson(&[1.0, 2.0], &[1.0]), None);
}

// ---- corpus capture ----

/// Returns the wikipedia capture's report and the address with the most connections.
fn wikipedia() -> (Report, IpAddr) {
    let report = analyze(&[corpus_file("zeek/traces/wikipedia.pcap")]);
    let mut counts: BTreeMap<IpAddr, usize> = BTreeMap::new();
    for conn in &report.connections {
        *counts.entry(conn.orig_h).or_default() += 1;
        if conn.resp_h != conn.orig_h {
            *counts.entry(conn.resp_h).or_default() += 1;
        }
    }
    let host = counts.iter().max_by_key(|(address, count)| (**count, std::cmp::Reverse(**address))).unwrap().0;
    (report, *host)
}

#[test]
fn ports_match_connection_loop_wikipedia() {
    let (report, host) = wikipedia();
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default());

    type Expected = BTreeMap<(u16, String, Direction), (u64, u64, BTreeMap<ConnState, u64>)>;
    let mut expected: Expected = BTreeMap::new();
    for conn in report.connections.iter().filter(|conn| conn.orig_h == host || conn.resp_h == host) {
        let direction = if conn.resp_h == host { Direction::In } else { Direction::Out };
        let entry = expected.entry((conn.resp_p, conn.proto.to_string(), direction)).or_default();
        entry.0 += 1;
        entry.1 += conn.orig_bytes + conn.resp_bytes;
        *entry.2.entry(conn.conn_state).or_default() += 1;
    }
    assert!(!expected.is_empty());

    let actual: Expected = view
        .ports
        .rows
        .iter()
        .map(|row| {
            ((row.port, row.proto.clone(), row.direction), (row.connections, row.bytes, row.conn_states.clone()))
        })
        .collect();
    assert_eq!(actual, expected);
    assert!(view.ports.rows.iter().all(|row| row.events == 0), "a capture alone has no log events");
}

#[test]
fn hosts_match_event_loop_wikipedia() {
    let (report, host) = wikipedia();
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default());

    let mut addresses = BTreeSet::new();
    for event in &report.events {
        addresses.extend(event.src);
        addresses.extend(event.dst);
    }
    assert_eq!(view.hosts.total, addresses.len());
    assert_eq!(view.hosts.ranked_by, "event_count");
    for row in &view.hosts.rows {
        let events = report.events.iter().filter(|event| involves(event, row.address)).count() as u64;
        let connections =
            report.connections.iter().filter(|c| c.orig_h == row.address || c.resp_h == row.address).count();
        assert_eq!(row.events, events, "{}", row.address);
        assert_eq!(row.connections, connections as u64, "{}", row.address);
    }
    assert!(view.hosts.rows.windows(2).all(|pair| pair[0].events >= pair[1].events));
}

#[test]
fn host_search_keeps_matching_addresses() {
    let (report, host) = wikipedia();
    let text = host.to_string();
    let prefix = &text[..text.len() - 1];
    let options = ProfileOptions { host_search: Some(prefix.to_string()), ..ProfileOptions::default() };
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &options);
    assert!(view.hosts.rows.iter().any(|row| row.address == host));
    assert!(view.hosts.rows.iter().all(|row| row.address.to_string().contains(prefix)));
    assert!(view.hosts.rows.len() < view.hosts.total);
    assert_eq!(view.hosts.rows.len(), view.hosts.matched);

    let options = ProfileOptions { hosts_limit: Some(2), ..ProfileOptions::default() };
    let limited = profile(&report.events, &report.connections, &Filter::for_host(host), &options).hosts;
    assert_eq!(limited.rows.len(), 2);
    assert_eq!(limited.matched, limited.total);
    assert_eq!(limited.rows[0].rank, 1);
}

// ---- corpus logs ----

#[test]
fn alert_chain_matches_eve_alerts() {
    let file = corpus_file("suricata/surevego/eve.json");
    let text = String::from_utf8(file.1.clone()).unwrap();
    let alerts: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|record| record["event_type"] == "alert")
        .collect();
    let mut per_host: BTreeMap<String, usize> = BTreeMap::new();
    for alert in &alerts {
        *per_host.entry(alert["src_ip"].as_str().unwrap().to_string()).or_default() += 1;
        if alert["dest_ip"] != alert["src_ip"] {
            *per_host.entry(alert["dest_ip"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let (host, expected) = per_host.iter().max_by_key(|(_, count)| **count).unwrap();
    let host: IpAddr = host.parse().unwrap();

    let report = analyze(&[file]);
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default());
    let chain = &view.alert_chain;
    assert_eq!(chain.alerts.len(), *expected);
    assert!(chain.alerts.windows(2).all(|pair| pair[0].ts <= pair[1].ts));
    assert_eq!(chain.alerts[0].gap, None);
    let gaps: i64 = chain.alerts.iter().filter_map(|alert| alert.gap).sum();
    assert_eq!(gaps, chain.alerts.last().unwrap().ts.since(chain.alerts[0].ts));
    let grouped: u64 = chain.groups.iter().map(|group| group.alerts).sum();
    assert_eq!(grouped as usize, *expected);
    let classes: BTreeSet<Option<String>> = chain.alerts.iter().map(|alert| alert.classification.clone()).collect();
    assert_eq!(chain.groups.len(), classes.len());
}

#[test]
fn snort_syslog_ports_and_chain() {
    let file = corpus_file("snort/elastic-integrations/test-log-syslog.log");
    let text = String::from_utf8(file.1.clone()).unwrap();

    // The first alert's destination, read by splitting the line at "-> ".
    let first = text.lines().next().unwrap();
    let (address, port) = first.rsplit_once("-> ").unwrap().1.trim().rsplit_once(':').unwrap();
    let host: IpAddr = address.parse().unwrap();
    let port: u16 = port.parse().unwrap();
    let lines_with_host = text.lines().filter(|line| line.contains(&format!(" {address}:"))).count();

    let report = analyze(&[file]);
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default());
    assert_eq!(view.alert_chain.alerts.len(), lines_with_host);
    let row = view.ports.rows.iter().find(|row| row.port == port).expect("port row");
    assert_eq!(row.direction, Direction::In);
    assert_eq!(row.events, 1);
    assert_eq!(row.connections, 0);
}

// ---- generated outbreak ----

#[test]
fn port_filter_changes_activity() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let port = truth_port(truth, "scan_port");
    let mut filter = Filter::for_host(host);
    filter.port = Some(port);
    let options = ProfileOptions::default();
    let with_port = profile(&report.events, &report.connections, &filter, &options);
    let without = profile(&report.events, &report.connections, &Filter::for_host(host), &options);

    let on_port = report
        .events
        .iter()
        .filter(|e| involves(e, host) && (e.src_port == Some(port) || e.dst_port == Some(port)))
        .count() as u64;
    let all = report.events.iter().filter(|event| involves(event, host)).count() as u64;
    let total = |buckets: &[activity::Bucket]| buckets.iter().map(|bucket| bucket.total).sum::<u64>();
    assert_eq!(total(&with_port.activity.buckets), on_port);
    assert_eq!(total(&without.activity.buckets), all);
    assert!(on_port > 0);
    assert!(on_port < all);
    assert_eq!(with_port.activity.without_port.as_deref(), Some(&without.activity.buckets[..]));
    assert_eq!(without.activity.without_port, None);
    assert!(with_port.ports.timeline.is_some());
}

#[test]
fn time_range_restricts_every_view() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let (from, to) = (truth_time(truth, "scan_start"), truth_time(truth, "spam_end"));
    let mut filter = Filter::for_host(host);
    filter.from = Some(from);
    filter.to = Some(to);
    let findings = vec![Finding { kind: "AlertChain".into(), host, start: from, end: to, score: None }];
    let options = ProfileOptions { findings, ..ProfileOptions::default() };
    let view = profile(&report.events, &report.connections, &filter, &options);
    let inside = |ts: Timestamp| from <= ts && ts < to;

    // Independent counts of what lies in the range.
    let host_events: Vec<&Event> = report.events.iter().filter(|e| involves(e, host) && inside(e.ts)).collect();
    let host_connections = report.connections.iter().filter(|c| (c.orig_h == host || c.resp_h == host) && inside(c.ts));
    assert!(!host_events.is_empty() && host_events.len() < report.events.iter().filter(|e| involves(e, host)).count());

    assert_eq!(view.activity.grid.start, Timestamp::from_secs(from.secs() / 3600 * 3600));
    assert_eq!(view.activity.buckets.iter().map(|b| b.total).sum::<u64>(), host_events.len() as u64);
    let totals = view.in_out.events.totals;
    let placed = totals.inbound + totals.outbound + totals.internal + totals.external + totals.unknown;
    assert_eq!(placed, host_events.len() as u64);
    assert!(view.first_seen.occurrences.iter().all(|occurrence| inside(occurrence.ts)));
    assert_eq!(view.ports.rows.iter().map(|row| row.connections).sum::<u64>(), host_connections.count() as u64);
    let log_events = host_events.iter().filter(|e| e.format != SourceFormat::Capture && e.dst_port.is_some()).count();
    assert_eq!(view.ports.rows.iter().map(|row| row.events).sum::<u64>(), log_events as u64);
    let v4_events = report
        .events
        .iter()
        .filter(|e| inside(e.ts) && matches!((e.src, e.dst), (Some(s), Some(d)) if s.is_ipv4() && d.is_ipv4()));
    assert_eq!(view.slash8.pairs.iter().map(|pair| pair.events).sum::<u64>(), v4_events.count() as u64);
    assert!(!view.alert_chain.alerts.is_empty());
    assert!(view.alert_chain.alerts.iter().all(|alert| inside(alert.ts)));
    assert!(view.alert_chain.alerts.iter().all(|alert| alert.findings == [0]));
    // The drop-off is the host's whole history: the range does not cut it short.
    let unfiltered = profile(&report.events, &report.connections, &Filter::for_host(host), &options);
    assert_eq!(view.dropoff, unfiltered.dropoff);
    assert!(view.dropoff.sources.iter().any(|source| !inside(source.last)));
    let ranked_events: u64 = view.hosts.rows.iter().filter(|row| row.address == host).map(|row| row.events).sum();
    assert_eq!(ranked_events, host_events.len() as u64);
    assert_eq!(view.activity.findings.len(), 1);
    assert_eq!(view.activity.findings[0].bucket, Some(0));
}

#[test]
fn slash8_one_entry_per_pair() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let port = truth_port(truth, "scan_port");
    let mut filter = Filter::for_host(host);
    filter.port = Some(port);
    let view = profile(&report.events, &report.connections, &filter, &ProfileOptions::default());

    let mut expected: BTreeMap<(u8, u8), u64> = BTreeMap::new();
    for event in report.events.iter().filter(|e| e.src_port == Some(port) || e.dst_port == Some(port)) {
        if let (Some(IpAddr::V4(src)), Some(IpAddr::V4(dst))) = (event.src, event.dst) {
            *expected.entry((src.octets()[0], dst.octets()[0])).or_default() += 1;
        }
    }
    let actual: BTreeMap<(u8, u8), u64> =
        view.slash8.pairs.iter().map(|pair| ((pair.src, pair.dst), pair.events)).collect();
    assert_eq!(actual.len(), view.slash8.pairs.len(), "a pair appears twice");
    assert_eq!(actual, expected);
    assert!(expected.len() > 1);
}

#[test]
fn first_seen_finds_outbreak_ports() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let learning_end = truth_time(truth, "learning_end");
    let local = LocalNets::default();
    let occurrences = first_occurrences(&report.events, host, &local, learning_end);

    for feature in
        [Feature::OutboundPort(truth_port(truth, "scan_port")), Feature::InboundPort(truth_port(truth, "service_port"))]
    {
        let occurrence = occurrences.iter().find(|o| o.feature == feature).unwrap_or_else(|| panic!("{feature:?}"));
        // Only connection records carry ports here: their source is the originator.
        let matching = |e: &&Event| {
            e.event_type.as_str().starts_with("conn_")
                && match feature {
                    Feature::OutboundPort(port) => e.src == Some(host) && e.dst_port == Some(port),
                    Feature::InboundPort(port) => {
                        e.dst == Some(host)
                            && e.dst_port == Some(port)
                            && !matches!(e.event_type, EventType::ConnRejected | EventType::ConnTimedOut)
                    }
                    _ => false,
                }
        };
        let times: Vec<Timestamp> = report.events.iter().filter(matching).map(|e| e.ts).collect();
        assert!(times.iter().all(|&ts| ts >= learning_end), "{feature:?} was seen while learning");
        assert_eq!(occurrence.ts, *times.iter().min().unwrap());
        assert_eq!(occurrence.occurrences, times.len() as u64);
    }
    assert!(occurrences.windows(2).all(|pair| pair[0].ts <= pair[1].ts));
}

#[test]
fn dropoff_outbreak_stops_together() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let switch_off = truth_time(truth, "switch_off");
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default());
    let dropoff = &view.dropoff;

    assert!(dropoff.sources.len() >= 2);
    assert_eq!(dropoff.stopped_together, Some(true));
    let last = dropoff.last.unwrap();
    assert!(last <= switch_off, "last {last}, switch-off {switch_off}");
    assert!(switch_off.since(last) <= dropoff.window, "last {last}, switch-off {switch_off}");

    // The capture and the session monitor go on logging other hosts after the switch-off.
    for format in [SourceFormat::Capture, SourceFormat::SessionMonitor] {
        let source = dropoff.sources.iter().find(|source| source.format == format).expect("source present");
        assert!(source.went_silent, "{source:?}");
    }

    // The end of the spam burst on port 25 is not a switch-off: the port filter is ignored.
    let mut on_port = Filter::for_host(host);
    on_port.port = Some(25);
    let port_view = profile(&report.events, &report.connections, &on_port, &ProfileOptions::default());
    assert_eq!(&port_view.dropoff, dropoff);
}

/// Returns the address of the host with this role in truth.json's host list.
fn truth_role(truth: &Value, role: &str) -> IpAddr {
    let hosts = truth["hosts"].as_array().expect("hosts list");
    let host = hosts.iter().find(|host| host["role"] == role).expect(role);
    host["address"].as_str().and_then(|text| text.parse().ok()).expect("address")
}

#[test]
fn dropoff_verdict_follows_went_silent() {
    // Seed 11 over eight days: its NNM source reports the infected host sparsely and stops
    // about an hour before the others, and its scanner decoy's last run is a day before the end.
    let outputs = generate(&Params { seed: 11, hosts: 300, days: 8, scale: 0.05 }).expect("valid parameters");
    let truth: Value = serde_json::from_slice(&outputs.truth).expect("truth.json parses");
    let report = analyze(&[("capture.pcapng", outputs.capture), ("syslog.log", outputs.syslog)]);
    let detection = crate::detect::detect(&report, &crate::detect::DetectConfig::default());
    let silent_hosts: BTreeSet<IpAddr> = detection
        .findings
        .iter()
        .filter(|finding| finding.rule == crate::detect::Rule::WentSilent)
        .map(|finding| finding.host)
        .collect();

    let infected = truth_ip(&truth, "/outbreak/infected");
    let switch_off = truth_time(&truth, "switch_off");
    let view = profile(&report.events, &report.connections, &Filter::for_host(infected), &ProfileOptions::default());
    let dropoff = &view.dropoff;
    assert!(silent_hosts.contains(&infected), "WentSilent does not fire for the infected host");
    assert_eq!(dropoff.sources_agree, Some(true), "{:?}", dropoff.sources);
    assert_eq!(dropoff.silence_unusual, Some(true));
    assert_eq!(dropoff.stopped_together, Some(true));
    let last = dropoff.last.unwrap();
    assert!(last <= switch_off, "last {last}, switch-off {switch_off}");
    assert!(switch_off.since(last) <= dropoff.window, "last {last}, switch-off {switch_off}");

    let scanner = truth_role(&truth, "scanner");
    let view = profile(&report.events, &report.connections, &Filter::for_host(scanner), &ProfileOptions::default());
    let dropoff = &view.dropoff;
    assert!(!silent_hosts.contains(&scanner), "WentSilent fires for the scanner decoy");
    assert_eq!(dropoff.silence_unusual, Some(false), "silence {:?}, longest gap {:?}", dropoff.silence, dropoff.longest_gap);
    assert_ne!(dropoff.stopped_together, Some(true));
    let runs = truth["decoys"]["scanner_runs"].as_array().expect("scanner runs");
    let run_gap = runs.windows(2).map(|pair| pair[1]["start"].as_f64().unwrap() - pair[0]["end"].as_f64().unwrap());
    let longest_run_gap = run_gap.fold(0.0, f64::max);
    assert!(dropoff.longest_gap.unwrap() as f64 / 1e9 >= longest_run_gap * 0.9, "{:?}", dropoff.longest_gap);
}

#[test]
fn findings_rank_hosts_first() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let quiet = report.events.iter().filter_map(|event| event.src).find(|&address| address != host).unwrap();
    let findings = vec![
        Finding { kind: "PortScan".into(), host: quiet, start: Timestamp(0), end: Timestamp(1), score: Some(5.0) },
        Finding { kind: "AddressScan".into(), host, start: Timestamp(0), end: Timestamp(1), score: None },
    ];
    let options = ProfileOptions { findings, ..ProfileOptions::default() };
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &options);
    assert_eq!(view.hosts.ranked_by, "finding_score");
    assert_eq!(view.hosts.rows[0].address, quiet);
    assert_eq!(view.hosts.rows[0].score, 5.0);
    assert_eq!(view.hosts.rows[1].address, host);
}

#[test]
fn findings_count_once_per_rule() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let scanner = report.events.iter().filter_map(|event| event.src).find(|&address| address != host).unwrap();
    let scan = |start| Finding { kind: "AddressScan".into(), host: scanner, start, end: start, score: Some(2.0) };
    let findings = vec![
        scan(Timestamp(0)),
        scan(Timestamp(10)),
        scan(Timestamp(20)),
        Finding { kind: "AlertChain".into(), host, start: Timestamp(0), end: Timestamp(1), score: Some(5.0) },
    ];
    let options = ProfileOptions { findings, ..ProfileOptions::default() };
    let view = profile(&report.events, &report.connections, &Filter::for_host(host), &options);
    assert_eq!(view.hosts.rows[0].address, host);
    assert_eq!(view.hosts.rows[1].address, scanner);
    assert_eq!(view.hosts.rows[1].findings, 3);
    assert_eq!(view.hosts.rows[1].score, 2.0);
}

#[test]
fn sort_ports_by_column() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let mut rows =
        profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default()).ports.rows;
    sort_ports(&mut rows, PortColumn::Connections, true);
    assert!(rows.windows(2).all(|pair| pair[0].connections >= pair[1].connections));
    assert_eq!(rows[0].port, truth_port(truth, "scan_port"));
    sort_ports(&mut rows, PortColumn::State(ConnState::SF), false);
    let sf = |row: &ports::PortRow| row.conn_states.get(&ConnState::SF).copied().unwrap_or(0);
    assert!(rows.windows(2).all(|pair| sf(&pair[0]) <= sf(&pair[1])));
    assert_eq!(PortColumn::parse("REJ"), Some(PortColumn::State(ConnState::REJ)));
    assert_eq!(PortColumn::parse("nope"), None);
}

#[test]
fn profile_json_is_stable() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let filter = Filter::for_host(host);
    let first =
        serde_json::to_string(&profile(&report.events, &report.connections, &filter, &ProfileOptions::default()))
            .unwrap();
    let second =
        serde_json::to_string(&profile(&report.events, &report.connections, &filter, &ProfileOptions::default()))
            .unwrap();
    assert_eq!(first, second);

    let value: Value = serde_json::from_str(&first).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = [
        "schema",
        "filter",
        "data",
        "hosts",
        "activity",
        "first_seen",
        "in_out",
        "ports",
        "slash8",
        "alert_chain",
        "dropoff",
    ];
    let mut sorted_expected = expected.to_vec();
    sorted_expected.sort();
    // serde_json's map is sorted unless preserve_order is on; either way every key is present.
    assert!(keys == expected || keys == sorted_expected, "{keys:?}");
    assert!(first.find("\"schema\"").unwrap() < first.find("\"dropoff\"").unwrap());
}

#[test]
fn in_out_connections_follow_truth() {
    let (report, truth) = outbreak();
    let host = truth_ip(truth, "/outbreak/infected");
    let port = truth_port(truth, "service_port");
    let (from, to) = (truth_time(truth, "service_open"), truth_time(truth, "switch_off"));
    let mut filter = Filter::for_host(host);
    filter.port = Some(port);
    filter.from = Some(from);
    filter.to = Some(to);
    let view = profile(&report.events, &report.connections, &filter, &ProfileOptions::default()).in_out;

    // Per UTC hour, counted from the connections' own local_orig / local_resp.
    let hours = view.grid.buckets;
    let (mut inbound, mut outbound) = (vec![0u64; hours], vec![0u64; hours]);
    let first_hour = from.secs().div_euclid(3600);
    for conn in report.connections.iter().filter(|c| from <= c.ts && c.ts < to && c.resp_p == port) {
        let hour = (conn.ts.secs().div_euclid(3600) - first_hour) as usize;
        if conn.resp_h == host && !conn.local_orig {
            inbound[hour] += 1;
        }
        if conn.orig_h == host && !conn.local_resp {
            outbound[hour] += 1;
        }
    }
    assert_eq!(view.grid.bucket_secs, 3600);
    assert_eq!(view.connections.inbound, inbound);
    assert_eq!(view.connections.outbound, outbound);

    // The generator plans whole hours from the opening and drops what falls after its end.
    let detail = &truth["rules"]["LinkedInOut"]["flag"][0]["detail"];
    for (series, name) in [(&inbound, "inbound_per_hour"), (&outbound, "outbound_per_hour")] {
        let planned: Vec<u64> = detail[name].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        let counted: u64 = series.iter().sum();
        assert!(counted <= planned.iter().sum::<u64>(), "{name}");
        assert!(counted >= planned.iter().sum::<u64>() - planned.last().unwrap(), "{name}");
    }
    let r = view.connections.pearson_r.expect("both series vary");
    assert!(r > 0.5, "r = {r}");
}

#[test]
fn first_seen_covers_truth_items() {
    let (report, truth) = outbreak();
    let learning_end = truth_time(truth, "learning_end");
    let local = LocalNets::default();
    let flags = truth["rules"]["NeverBeforeSeen"]["flag"].as_array().unwrap();
    assert!(!flags.is_empty());

    for flag in flags {
        let host: IpAddr = flag["host"].as_str().unwrap().parse().unwrap();
        let occurrences = first_occurrences(&report.events, host, &local, learning_end);
        for item in flag["detail"]["items"].as_array().unwrap() {
            let value = item["value"].as_str().unwrap();
            let port = || value.split('/').next().unwrap().parse::<u16>().unwrap();
            let feature = match item["kind"].as_str().unwrap() {
                "peer_slash8" => Feature::PeerNet(value.to_string()),
                "outbound_port" => Feature::OutboundPort(port()),
                "inbound_port" => Feature::InboundPort(port()),
                "event_type" => Feature::AlertName(value.to_string()),
                other => panic!("unknown kind {other}"),
            };
            let found = occurrences.iter().find(|o| o.feature == feature);
            let found = found.unwrap_or_else(|| panic!("{host}: {feature:?} not reported"));

            // Log lines carry whole seconds, so a log event may lead the capture by up to 1 s.
            let first_seen = Timestamp((item["first_seen"].as_f64().unwrap() * 1e6).round() as i64 * 1_000);
            assert!(found.ts <= first_seen, "{host}: {feature:?} at {} after {first_seen}", found.ts);
            assert!(first_seen.since(found.ts) < NANOS_PER_SEC, "{host}: {feature:?} at {}", found.ts);
        }
    }
}

#[test]
fn alert_chain_follows_truth_order() {
    let (report, truth) = outbreak();
    let flag = &truth["rules"]["AlertChain"]["flag"][0];
    let host: IpAddr = flag["host"].as_str().unwrap().parse().unwrap();
    let chain = profile(&report.events, &report.connections, &Filter::for_host(host), &ProfileOptions::default())
        .alert_chain
        .alerts;

    // Each step's first alert lies in the same second as the truth's time (logs keep seconds).
    let steps = [
        ("exploit", EventType::Exploit),
        ("infection_check", EventType::InfectionCheck),
        ("first_trojan", EventType::Trojan),
        ("first_scan", EventType::Scan),
    ];
    let mut previous = Timestamp(i64::MIN);
    for (name, event_type) in steps {
        let expected = Timestamp::from_secs(flag["detail"][name].as_f64().unwrap().floor() as i64);
        let first = chain.iter().find(|alert| alert.event_type == event_type).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(first.ts, expected, "{name}");
        assert!(first.ts >= previous, "{name} out of order");
        previous = first.ts;
    }
}

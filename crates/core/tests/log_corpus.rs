//! Log reading checked against the real files in the shared corpus.
//!
//! Expected values come from outside the reader: plain line patterns counted here, the
//! corpus's expected-field files (rsyslog parser cases, bug-report lines, loghub's structured
//! CSV), and plaso's event counts quoted in the corpus manifest.

use std::collections::BTreeMap;
use std::path::PathBuf;
use wormscope_core::events::{Event, EventType, Signature, SourceFormat};
use wormscope_core::logs::datetime::format_rfc3339;
use wormscope_core::logs::{rfc3164, rfc5424, LogCounts, LogOptions, LogReader, YearHint};
use wormscope_core::time::Timestamp;

/// Returns the path of a corpus file.
fn corpus(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")).join(path)
}

/// Reads a corpus file's bytes.
fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(corpus(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Reads bytes through a `LogReader` in chunks of `chunk` bytes.
fn read_bytes(data: &[u8], options: LogOptions, chunk: usize) -> (Vec<Event>, LogCounts) {
    let mut reader = LogReader::new("test", 0, options);
    let mut events = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        reader.push(piece, &mut |event| events.push(event));
    }
    reader.finish(&mut |event| events.push(event));
    (events, reader.counts().clone())
}

/// Reads a corpus file with a fixed year and UTC, in 4 KiB chunks.
fn read_log(path: &str, year: i32) -> (Vec<Event>, LogCounts) {
    let options = LogOptions { year: Some(year), ..LogOptions::default() };
    read_bytes(&bytes(path), options, 4096)
}

/// Returns the file's lines (lossy), without line ends.
fn lines(path: &str) -> Vec<String> {
    String::from_utf8_lossy(&bytes(path)).lines().map(str::to_string).collect()
}

/// Counts events of one format.
fn format_count(counts: &LogCounts, format: SourceFormat) -> u64 {
    counts.events_by_format.get(&format).copied().unwrap_or(0)
}

/// Counts events of one type.
fn type_count(events: &[Event], event_type: EventType) -> usize {
    events.iter().filter(|event| event.event_type == event_type).count()
}

/// Splits a CSV line (double quotes, `""` escapes) for the loghub ground truth.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (other, _) => fields.last_mut().unwrap().push(other),
        }
    }
    fields
}

// ---- Snort ----

#[test]
fn snort_fast_elastic_counts() {
    let path = "snort/elastic-integrations/test-log-fast.log";
    let (events, counts) = read_log(path, 2021);
    let alert_lines = lines(path).iter().filter(|line| line.contains("[**]")).count() as u64;
    assert_eq!(counts.lines, alert_lines);
    assert_eq!(format_count(&counts, SourceFormat::Snort), alert_lines);
    assert_eq!(counts.unparsed, 0);

    let trojan_lines = lines(path).iter().filter(|line| line.contains("Trojan")).count();
    let scan_lines = lines(path).iter().filter(|line| line.contains("] SCAN ")).count();
    assert_eq!(type_count(&events, EventType::Trojan), trojan_lines);
    assert_eq!(type_count(&events, EventType::Scan), scan_lines);
    assert_eq!(type_count(&events, EventType::AlertOther), alert_lines as usize - trojan_lines - scan_lines);

    // "[1:477:3] ICMP Packet [**] [Priority: 0] {ICMP} 172.25.212.245 -> 172.25.212.153"
    let icmp = events.iter().find(|event| event.signature == Some(Signature { gid: 1, sid: 477, rev: 3 })).unwrap();
    assert_eq!(icmp.classification, None);
    assert_eq!(icmp.severity, Some(0));
    assert_eq!(icmp.src_port, None);
    assert_eq!(icmp.proto.as_deref(), Some("icmp"));

    // 12/30 then 01/21: the year rolls over once.
    assert_eq!(counts.year_rollovers, 1);
}

#[test]
fn snort_syslog_elastic_fields() {
    let path = "snort/elastic-integrations/test-log-syslog.log";
    let options = LogOptions { year: Some(2022), tz_offset_secs: Some(-5 * 3600), year_hint: YearHint::None };
    let (events, counts) = read_bytes(&bytes(path), options, 4096);
    assert_eq!(format_count(&counts, SourceFormat::Snort), 3);

    let first = &events[0];
    assert_eq!(first.signature, Some(Signature { gid: 1, sid: 1_000_017, rev: 0 }));
    assert_eq!(first.name, "UDP Connection");
    assert_eq!(first.classification.as_deref(), Some("Misc activity"));
    assert_eq!(first.severity, Some(3));
    assert_eq!(first.proto.as_deref(), Some("udp"));
    assert_eq!(first.src, Some("10.150.10.44".parse().unwrap()));
    assert_eq!(first.src_port, Some(55776));
    assert_eq!(first.dst_port, Some(32414));
    assert_eq!(first.sensor.as_deref(), Some("dev"));
    assert_eq!(format_rfc3339(first.ts), "2022-09-05T21:05:26.000000000Z");

    assert_eq!(events[1].classification, None);
    assert_eq!(events[1].dst_port, Some(22));
    assert_eq!(events[2].src_port, None);
    assert_eq!(events[2].dst, Some("175.16.199.1".parse().unwrap()));
    assert_eq!(counts.assumed_year, Some(2022));
    assert_eq!(counts.year_source, "option");
}

#[test]
fn snort_pfsense_csv_fields() {
    let path = "snort/elastic-integrations/test-log-pfsense.log";
    let (events, counts) = read_log(path, 2021);
    assert_eq!(format_count(&counts, SourceFormat::SnortCsv), lines(path).len() as u64);
    assert_eq!(events[0].signature, Some(Signature { gid: 1, sid: 2_403_488, rev: 68499 }));
    assert_eq!(events[1].event_type, EventType::Scan);
    assert_eq!(events[1].dst_port, Some(5060));
    assert_eq!(events[2].src_port, None);
    assert_eq!(events[2].severity, Some(0));
    assert_eq!(format_rfc3339(events[0].ts), "2021-09-03T12:37:16.428952000Z");
}

#[test]
fn snort3_fast_plaso_fields() {
    let path = "snort/plaso/snort3_alert_fast.log";
    let (events, counts) = read_log(path, 2021);
    assert_eq!(format_count(&counts, SourceFormat::Snort3), 4);
    assert_eq!(counts.unparsed, 0);

    let first = &events[0];
    assert_eq!(first.signature, Some(Signature { gid: 1, sid: 366, rev: 11 }));
    assert_eq!(first.name, "PROTOCOL-ICMP PING Unix");
    assert_eq!(first.severity, Some(3));
    assert_eq!(first.classification, None);
    assert_eq!(first.src, Some("2001:df1:c200:c:0:0:0:35".parse().unwrap()));
    assert_eq!(first.dst, Some("2001:4860:4860:0:0:0:0:8888".parse().unwrap()));
    assert_eq!(events[1].severity, None);
    assert_eq!(events[1].classification.as_deref(), Some("Misc activity"));
    assert_eq!(events[3].src_port, Some(60884));
    assert_eq!(events[3].dst_port, Some(80));
    assert_eq!(events[3].event_type, EventType::Trojan);
}

#[test]
fn snort_quoted_lines_parse() {
    // The OSSEC cases: "log N pass = <line>" must decode as Snort.
    let ossec: Vec<String> = lines("snort/ossec-hids/snort.ini")
        .iter()
        .filter_map(|line| line.split_once(" pass = ").map(|(_, alert)| alert.to_string()))
        .collect();
    assert_eq!(ossec.len(), 2);
    let (events, counts) = read_bytes(ossec.join("\n").as_bytes(), LogOptions::default(), 64);
    assert_eq!(format_count(&counts, SourceFormat::Snort), 2);
    assert_eq!(events[1].action.as_deref(), Some("Drop"));

    // The parser-test lines: the first column is the line.
    let rows: Vec<String> = lines("snort/alert-lines-from-parser-tests.tsv")
        .iter()
        .skip(1)
        .map(|row| row.split('\t').next().unwrap().to_string())
        .collect();
    let (events, counts) = read_bytes(rows.join("\n").as_bytes(), LogOptions::default(), 64);
    assert_eq!(counts.unparsed, 0);
    assert_eq!(events[0].format, SourceFormat::SuricataFast);
    assert_eq!(events[0].src, Some("10.220.10.186".parse().unwrap()));
    assert_eq!(events[0].signature.map(|signature| signature.sid), Some(2_221_002));
    assert_eq!(events[0].name, "SURICATA HTTP request field missing colon");
    assert_eq!(events[1].format, SourceFormat::Syslog);
    assert_eq!(events[2].signature, Some(Signature { gid: 1, sid: 469, rev: 3 }));
    assert_eq!(events[2].dst, Some("10.4.10.231".parse().unwrap()));
    assert_eq!(events[3].signature, Some(Signature { gid: 1, sid: 1420, rev: 11 }));
    assert_eq!(events[3].src, Some("10.4.12.26".parse().unwrap()));
}

#[test]
fn snort_bug_report_lines() {
    for line in lines("snort/bug-report-alert-lines.jsonl") {
        let case: serde_json::Value = serde_json::from_str(&line).unwrap();
        let kind = case["kind"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let expected = &case["expected"];
        let (events, counts) = read_bytes(input.as_bytes(), LogOptions::default(), 4096);
        match kind {
            "snort-pfsense-csv" => {
                let event = &events[0];
                assert_eq!(event.format, SourceFormat::SnortCsv);
                assert_eq!(event.signature.map(|signature| signature.sid as u64), expected["sid"].as_u64());
                assert_eq!(event.name, expected["msg"].as_str().unwrap());
                assert_eq!(event.classification.as_deref(), expected["classification"].as_str());
                assert_eq!(event.severity.map(u64::from), expected["priority"].as_u64());
                assert_eq!(
                    format!("{}:{}", event.dst.unwrap(), event.dst_port.unwrap()),
                    expected["dst"].as_str().unwrap()
                );
            }
            "ipv6-port-ambiguity" => {
                let event = &events[0];
                assert_eq!(event.src, Some(expected["src_ip"].as_str().unwrap().parse().unwrap()));
                assert_eq!(event.src_port.map(u64::from), expected["src_port"].as_u64());
                assert_eq!(event.dst, Some(expected["dst_ip"].as_str().unwrap().parse().unwrap()));
                assert_eq!(event.dst_port.map(u64::from), expected["dst_port"].as_u64());
            }
            "snort-alert-full-multiline" => {
                assert_eq!(counts.unparsed, 0, "{kind}");
                assert_eq!(events.len(), 1, "{kind}");
                let event = &events[0];
                assert_eq!(event.signature.map(|signature| u64::from(signature.sid)), expected["sid"].as_u64());
                assert_eq!(event.name, expected["msg"].as_str().unwrap());
                assert_eq!(event.classification.as_deref(), expected["classification"].as_str());
                assert_eq!(event.severity.map(u64::from), expected["priority"].as_u64());
                assert_eq!(event.src, Some(expected["src"].as_str().unwrap().parse().unwrap()));
                assert_eq!(event.dst, Some(expected["dst"].as_str().unwrap().parse().unwrap()));
                assert_eq!(event.proto.as_deref(), Some("icmp"));
                assert_eq!(event.raw, input);
            }
            other => panic!("unexpected case kind {other}"),
        }
    }
}

// ---- Suricata ----

#[test]
fn suricata_fast_files() {
    let (events, counts) = read_log("suricata/plaso/suricata_alert_fast.log", 2021);
    assert_eq!(events.len(), 5);
    assert_eq!(counts.unparsed, 0);
    let first = &events[0];
    assert_eq!(first.signature, Some(Signature { gid: 1, sid: 2_009_187, rev: 4 }));
    assert_eq!(first.classification.as_deref(), Some("Web Application Attack"));
    assert_eq!(first.event_type, EventType::Exploit);
    assert_eq!(first.src_port, Some(80));
    assert_eq!(first.dst_port, Some(56068));
    assert_eq!(format_rfc3339(events[1].ts), "2021-12-28T12:55:38.765402000Z");

    let (events, counts) = read_log("suricata/suricata-verify-misc/lua-fastlog-expected-fast.log", 2021);
    assert_eq!(format_count(&counts, SourceFormat::SuricataFast), 1);
    assert!(counts.missing_final_newline);
    assert_eq!(events[0].proto.as_deref(), Some("tcp"));
    assert_eq!(events[0].src_port, Some(80));
    assert_eq!(events[0].dst_port, Some(54186));
    assert_eq!(format_rfc3339(events[0].ts), "2016-07-13T22:42:07.573103000Z");
}

#[test]
fn suricata_eve_counts_by_type() {
    let path = "suricata/surevego/eve.json";
    let (events, counts) = read_log(path, 2017);
    assert_eq!(counts.unparsed, 0);
    assert_eq!(format_count(&counts, SourceFormat::SuricataEve), lines(path).len() as u64);

    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for line in lines(path) {
        let start = line.find("\"event_type\":\"").unwrap() + 14;
        let end = start + line[start..].find('"').unwrap();
        *expected.entry(line[start..end].to_string()).or_default() += 1;
    }
    let mut actual: BTreeMap<String, usize> = BTreeMap::new();
    for event in &events {
        *actual.entry(event.detail.clone().unwrap()).or_default() += 1;
    }
    assert_eq!(actual, expected);
    assert_eq!(expected.get("dns"), Some(&48));
    assert_eq!(expected.get("flow"), Some(&13));
    assert_eq!(events.len(), 266);
    assert_eq!(type_count(&events, EventType::SensorRecord), 68 + 68 + 48 + 1);
}

#[test]
fn suricata_eve_broken_keeps_valid() {
    let path = "suricata/surevego/eve_broken.json";
    let (events, counts) = read_log(path, 2017);

    // A line is valid if serde_json reads it and its timestamp is exactly RFC 3339 length.
    let mut valid = 0;
    let mut bad_lines = Vec::new();
    for (index, line) in lines(path).iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ok = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|value| value["timestamp"].as_str().map(|stamp| stamp.len() == 31))
            .unwrap_or(false);
        if ok {
            valid += 1;
        } else {
            bad_lines.push(index as u64 + 1);
        }
    }
    assert_eq!(format_count(&counts, SourceFormat::SuricataEve), valid);
    assert_eq!(counts.unparsed, bad_lines.len() as u64);
    let error_lines: Vec<u64> = counts.errors.iter().map(|error| error.line).collect();
    assert_eq!(error_lines, bad_lines);
    assert!(counts.errors.iter().any(|error| error.message.starts_with("invalid JSON")));
    assert_eq!(type_count(&events, EventType::Unparsed), bad_lines.len());
}

// ---- syslog ----

#[test]
fn syslog_plaso_event_counts() {
    // (file, plaso's events, plaso's warnings); the two forwarding templates hold the same
    // 9 messages as the protocol-23 file.
    let cases = [
        ("syslog/plaso/syslog", 16, 1),
        ("syslog/plaso/syslog_chromeos", 8, 0),
        ("syslog/plaso/syslog_cron.log", 9, 0),
        ("syslog/plaso/syslog_osx", 2, 0),
        ("syslog/plaso/syslog_rsyslog", 5, 0),
        ("syslog/plaso/syslog_rsyslog_SysklogdFileFormat", 9, 0),
        ("syslog/plaso/syslog_rsyslog_SyslogProtocol23Format", 9, 0),
        ("syslog/plaso/syslog_rsyslog_ForwardFormat", 9, 0),
        ("syslog/plaso/syslog_rsyslog_TraditionalForwardFormat", 9, 0),
        ("syslog/plaso/syslog_rsyslog_traditional", 8, 0),
        ("syslog/plaso/syslog_ssh.log", 9, 0),
    ];
    for (path, expected_events, expected_unparsed) in cases {
        // plaso puts the "Feb 29" line of syslog/plaso/syslog in 2012.
        let (_, counts) = read_log(path, 2012);
        assert_eq!(format_count(&counts, SourceFormat::Syslog), expected_events, "{path}");
        assert_eq!(counts.unparsed, expected_unparsed, "{path}");
    }
}

#[test]
fn syslog_plaso_first_events() {
    let (events, _) = read_log("syslog/plaso/syslog", 2012);
    assert_eq!(events[0].sensor.as_deref(), Some("myhostname.myhost.com"));
    assert_eq!(events[0].program.as_deref(), Some("client"));
    assert_eq!(events[0].name, "INFO No new content in ímynd.dd.");
    assert_eq!(format_rfc3339(events[0].ts), "2012-01-22T07:52:33.000000000Z");

    let (events, _) = read_log("syslog/plaso/syslog_chromeos", 2016);
    assert_eq!(format_rfc3339(events[0].ts), "2016-10-25T19:37:23.297265000Z");
    assert_eq!(events[0].program.as_deref(), Some("periodic_scheduler"));
    assert_eq!(events[0].name, "cleanup_logs: job completed");

    let (events, _) = read_log("syslog/plaso/syslog_rsyslog", 2020);
    assert_eq!(format_rfc3339(events[0].ts), "2020-05-31T00:00:45.698463000Z");
    assert_eq!(events[0].sensor.as_deref(), Some("localhost"));
    assert_eq!(events[0].program.as_deref(), Some("rsyslogd"));

    let (events, _) = read_log("syslog/plaso/syslog_rsyslog_SyslogProtocol23Format", 2021);
    assert_eq!(format_rfc3339(events[0].ts), "2021-03-06T04:07:38.251122000Z");
    assert_eq!(events[0].sensor.as_deref(), Some("hostname"));
    assert_eq!(events[0].program.as_deref(), Some("log_tag"));
    assert_eq!(events[0].severity, Some(7));
}

#[test]
fn syslog_loghub_fields_match_structured_csv() {
    // Linux_2k: Level is the host; OpenSSH_2k: Component is the host (loghub's labels).
    let mut spaced_components = 0;
    for (log, csv, host_column, program_column, pid_column, content_column) in [
        ("syslog/loghub/Linux_2k.log", "syslog/loghub/Linux_2k.log_structured.csv", 4, Some(5), 6, 7),
        ("syslog/loghub/OpenSSH_2k.log", "syslog/loghub/OpenSSH_2k.log_structured.csv", 4, None, 5, 6),
    ] {
        let log_lines = lines(log);
        let rows: Vec<Vec<String>> = lines(csv).iter().skip(1).map(|row| csv_fields(row)).collect();
        assert_eq!(log_lines.len(), rows.len(), "{log}");
        for (index, (line, row)) in log_lines.iter().zip(&rows).enumerate() {
            let message = rfc3164::parse(line).unwrap_or_else(|| panic!("{log}:{}: no parse", index + 1));
            let host = message.host.unwrap_or_default();
            assert_eq!(host, row[host_column], "{log}:{}", index + 1);

            // loghub labels "syslogd 1.4.1: restart." with component "syslogd 1.4.1"; RFC 3164
            // ends the tag at the space, so those rows only check the host.
            if program_column.is_some_and(|column| row[column].contains(' ')) {
                spaced_components += 1;
                continue;
            }
            assert_eq!(message.pid.unwrap_or_default(), row[pid_column], "{log}:{}", index + 1);
            if let Some(column) = program_column {
                assert_eq!(message.program.unwrap_or_default(), row[column], "{log}:{}", index + 1);
            }
            assert_eq!(message.message.trim(), row[content_column].trim(), "{log}:{}", index + 1);
        }
        assert!(spaced_components < 10, "{spaced_components} rows skipped");
        let (_, counts) = read_log(log, 2005);
        assert_eq!(format_count(&counts, SourceFormat::Syslog), rows.len() as u64, "{log}");
        assert_eq!(counts.unparsed, 0, "{log}");
    }
}

#[test]
fn syslog_rsyslog_parser_cases() {
    // Template: %PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,
    // %programname%,%syslogtag%,%msg%. Cases where rsyslog guesses a host out of the message
    // (no time in the line), or takes a year after the time as the host and then reads an
    // empty tag from the double space, are left out and counted.
    let mut checked = 0;
    let mut skipped = 0;
    for line in lines("syslog/rsyslog/rsyslog-parser-cases.jsonl") {
        let case: serde_json::Value = serde_json::from_str(&line).unwrap();
        let template = case["template"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let expected = case["expected"].as_str().unwrap();
        if !template.starts_with(
            "%PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,%programname%,%syslogtag%,%msg%",
        ) {
            skipped += 1;
            continue;
        }
        // PRI, facility, severity, timestamp and host hold no commas; the tag may.
        let fields: Vec<&str> = expected.splitn(6, ',').collect();
        let message = rfc5424::parse(input).or_else(|| rfc3164::parse(input));
        let Some(message) = message else {
            panic!("no parse: {input}");
        };
        let host = message.host.unwrap_or("$RS_HOSTNAME");
        if (fields[4] != host && message.time.is_none()) || fields[4] == "2009" {
            skipped += 1;
            continue;
        }
        assert_eq!(message.pri.unwrap_or(13).to_string(), fields[0], "{input}");
        assert_eq!(host, fields[4], "{input}");
        let program = message.program.unwrap_or_default();
        assert!(fields[5].starts_with(&format!("{program},")), "{input}: program {program:?}");
        let expected_msg = fields[5].rsplit_once(',').map_or("", |(_, msg)| msg).trim_start();
        if !message.message.contains(',') {
            assert_eq!(message.message.trim_start(), expected_msg, "{input}");
        } else {
            assert!(fields[5].ends_with(message.message), "{input}");
        }
        checked += 1;
    }
    assert_eq!(checked + skipped, 40);
    assert!(checked >= 25, "only {checked} cases checked");
}

#[test]
fn syslog_bug_report_cases() {
    for line in lines("syslog/bug-report-cases/bug-report-cases.jsonl") {
        let case: serde_json::Value = serde_json::from_str(&line).unwrap();
        let kind = case["kind"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let expected = &case["expected"];
        match kind {
            "rfc5424-sd-escape" | "rfc5424-sd-invalid-escape" => {
                let message = rfc5424::parse(input).unwrap_or_else(|| panic!("no parse: {input}"));
                for (key, value) in expected.as_object().unwrap() {
                    let Some((id, name)) = key.rsplit_once('.') else { continue };
                    let element = message.structured_data.iter().find(|element| element.id == id).unwrap();
                    let param = element.params.iter().find(|(param, _)| param == name).unwrap();
                    assert_eq!(param.1, value.as_str().unwrap(), "{input}");
                }
                if let Some(msg) = expected["msg"].as_str() {
                    assert_eq!(message.message, msg);
                }
            }
            "rfc3164-pri-without-header" | "rfc3164-no-hostname" => {
                let message = rfc3164::parse(input).unwrap();
                assert_eq!(message.pri.map(u64::from), expected["pri"].as_u64());
                assert_eq!(message.message, expected["content"].as_str().unwrap());
                assert_eq!(message.program, expected["tag"].as_str());
                assert_eq!(message.pid, expected["pid"].as_str());
            }
            "rfc3164-no-timestamp" => {
                let message = rfc3164::parse(input).unwrap();
                assert_eq!(message.time, None);
                assert_eq!(message.pri, Some(14));
            }
            "rfc3164-no-pri" => {
                let message = rfc3164::parse(input).unwrap();
                assert_eq!(message.program, Some("su"));
                assert_eq!(message.host, None);
            }
            "rfc3164-invalid-timestamp" => {
                let (events, counts) = read_bytes(input.as_bytes(), LogOptions::default(), 4096);
                assert_eq!(counts.unparsed, 1);
                assert_eq!(events[0].event_type, EventType::Unparsed);
            }
            "suricata-eve-over-syslog" => {
                let (events, _) =
                    read_bytes(input.as_bytes(), LogOptions { year: Some(2021), ..LogOptions::default() }, 4096);
                let event = &events[0];
                assert_eq!(event.format, SourceFormat::SuricataEve);
                assert_eq!(event.sensor.as_deref(), Some("pPfSense"));
                assert_eq!(
                    event.signature.map(|signature| u64::from(signature.sid)),
                    expected["eve.alert.signature_id"].as_u64()
                );
                assert_eq!(event.name, expected["eve.alert.signature"].as_str().unwrap());
                assert_eq!(
                    format!("{}:{}", event.src.unwrap(), event.src_port.unwrap()),
                    expected["eve.src"].as_str().unwrap()
                );
                assert_eq!(format_rfc3339(event.ts), "2021-06-09T01:41:36.439202000Z");
            }
            other => panic!("unexpected case kind {other}"),
        }
    }
}

#[test]
fn syslog_wazuh_lines_parse() {
    for (path, program) in
        [("syslog/wazuh-ruleset/sshd.ini", "sshd"), ("syslog/wazuh-ruleset/postfix.ini", "postfix/postscreen")]
    {
        let samples: Vec<String> = lines(path)
            .iter()
            .filter_map(|line| {
                line.split_once(" = ").filter(|(key, _)| key.starts_with("log ")).map(|(_, text)| text.to_string())
            })
            .collect();
        let (events, counts) = read_bytes(samples.join("\n").as_bytes(), LogOptions::default(), 4096);
        assert_eq!(counts.unparsed, 0, "{path}");
        assert_eq!(events.len(), samples.len(), "{path}");
        assert!(events.iter().all(|event| event.program.as_deref() == Some(program)), "{path}");
    }
}

// ---- Snort 3 demo outputs ----

#[test]
fn snort3_demo_outputs() {
    let root = corpus("snort3-demo");
    let mut files = Vec::new();
    for group in std::fs::read_dir(&root).unwrap() {
        for case in std::fs::read_dir(group.unwrap().path()).unwrap() {
            let path = case.unwrap().path().join("expected");
            if path.exists() {
                files.push(path);
            }
        }
    }
    assert_eq!(files.len(), 13);
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&data);
        let nonblank = text.lines().filter(|line| !line.trim().is_empty()).count() as u64;
        let (events, counts) = read_bytes(&data, LogOptions { year: Some(2017), ..LogOptions::default() }, 333);
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        // alert_csv lines end with ", allow" or ", reset" and carry a gid:sid:rev field.
        let csv_alerts =
            text.lines().filter(|line| line.ends_with(", allow") || line.ends_with(", reset")).count() as u64;
        let json_alerts = text.lines().filter(|line| line.starts_with("{ \"action\"")).count() as u64;
        let alert_ex =
            text.lines().filter(|line| line.contains(":") && line.ends_with('"') && !line.contains(',')).count() as u64;
        match name.as_str() {
            // Packet dumps and statistics, not alert output: every line is kept as unparsed.
            "codecs/IPv4_and_IP-in-IP/expected" | "inspectors/dce_tcp/expected" => {
                assert_eq!(counts.unparsed, nonblank, "{name}")
            }
            // alert_csv with a custom field list: the field order is in snort.lua, not the file.
            "loggers/csv/expected" => assert_eq!(counts.unparsed, nonblank, "{name}"),
            _ => {
                assert_eq!(counts.unparsed, 0, "{name}");
                assert_eq!(format_count(&counts, SourceFormat::Snort3), csv_alerts + json_alerts + alert_ex, "{name}");
            }
        }
        assert_eq!(events.len() as u64, nonblank, "{name}");
    }
}

// ---- year inference and streaming ----

/// A December/January log, with the header years left out.
const NEW_YEAR_LOG: &str = "Dec 30 23:59:58 gw sshd[1]: Accepted password for a from 10.0.0.1 port 5000 ssh2\n\
Dec 31 23:59:59 gw sshd[1]: Accepted password for b from 10.0.0.1 port 5001 ssh2\n\
Jan  1 00:00:01 gw sshd[1]: Accepted password for c from 10.0.0.1 port 5002 ssh2\n\
Jan  2 10:00:00 gw sshd[1]: Accepted password for d from 10.0.0.1 port 5003 ssh2\n";

#[test]
fn year_from_january_capture_range() {
    // A capture from 2024-01-01T00:00:00Z to 2024-01-03T00:00:00Z.
    let first = Timestamp::from_secs(1_704_067_200);
    let last = Timestamp::from_secs(1_704_067_200 + 2 * 86_400);
    let options = LogOptions { year_hint: YearHint::CaptureRange { first, last }, ..LogOptions::default() };
    let (events, counts) = read_bytes(NEW_YEAR_LOG.as_bytes(), options, 5);
    let times: Vec<String> = events.iter().map(|event| format_rfc3339(event.ts)[..19].to_string()).collect();
    assert_eq!(times, ["2023-12-30T23:59:58", "2023-12-31T23:59:59", "2024-01-01T00:00:01", "2024-01-02T10:00:00"]);
    assert_eq!(counts.assumed_year, Some(2023));
    assert_eq!(counts.year_source, "capture");
    assert_eq!(counts.year_rollovers, 1);
}

#[test]
fn year_from_file_modified_and_zone() {
    // Modified 2024-01-05: the December lines belong to 2023. Zone +02:00 shifts by two hours.
    let modified = Timestamp::from_secs(1_704_412_800);
    let options = LogOptions { tz_offset_secs: Some(7200), year_hint: YearHint::FileModified(modified), year: None };
    let (events, counts) = read_bytes(NEW_YEAR_LOG.as_bytes(), options, 4096);
    assert_eq!(format_rfc3339(events[0].ts), "2023-12-30T21:59:58.000000000Z");
    assert_eq!(format_rfc3339(events[3].ts), "2024-01-02T08:00:00.000000000Z");
    assert_eq!(counts.year_source, "file_modified");
    assert_eq!(counts.tz_offset_secs, 7200);
}

/// Returns the UTC time of a `YYYY-MM-DDThh:mm:ssZ` text, for test inputs.
fn utc(text: &str) -> Timestamp {
    let (_, local) = wormscope_core::logs::datetime::rfc3339(text).unwrap();
    local.to_timestamp(0, 0).unwrap()
}

#[test]
fn year_from_file_modified_puts_no_line_in_the_future() {
    // The months run May, December, then January and September: one roll-over. Counted from
    // the first line, the last lines would land a year after the file was last written.
    let log = "05/30-19:09:10.917356  [**] [1:527:8] BAD-TRAFFIC [**] [Priority: 2] {UDP} 10.0.0.1:5 -> 10.0.0.2:6\n\
12/30-14:09:21.116402  [**] [1:1917:6] SCAN UPnP [**] [Priority: 3] {UDP} 10.0.0.1:5 -> 10.0.0.2:6\n\
01/21-02:23:42.327730  [**] [1:2014520:2] ET INFO [**] [Priority: 2] {TCP} 10.0.0.1:5 -> 10.0.0.2:6\n\
09/04-21:55:02.041364  [**] [1:1000005:0] local rule [**] [Priority: 0] {TCP} 10.0.0.1:5 -> 10.0.0.2:6\n";
    let modified = utc("2026-12-04T10:00:00Z");
    let options = LogOptions { year_hint: YearHint::FileModified(modified), ..LogOptions::default() };
    let (events, counts) = read_bytes(log.as_bytes(), options, 7);
    let times: Vec<String> = events.iter().map(|event| format_rfc3339(event.ts)[..10].to_string()).collect();
    assert_eq!(times, ["2025-05-30", "2025-12-30", "2026-01-21", "2026-09-04"]);
    assert_eq!(counts.assumed_year, Some(2025));
    assert_eq!(counts.year_rollovers, 1);

    // Modified on 2026-09-05: the September line is the latest one and stays in 2026.
    let options = LogOptions { year_hint: YearHint::FileModified(utc("2026-09-05T00:00:00Z")), ..options };
    let (events, _) = read_bytes(log.as_bytes(), options, 4096);
    assert_eq!(format_rfc3339(events[3].ts)[..10], *"2026-09-04");

    // Modified on 2026-09-01, three days before the September line: that line moves to 2025.
    let options = LogOptions { year_hint: YearHint::FileModified(utc("2026-09-01T00:00:00Z")), ..options };
    let (events, _) = read_bytes(log.as_bytes(), options, 4096);
    assert_eq!(format_rfc3339(events[3].ts)[..10], *"2025-09-04");
    assert_eq!(format_rfc3339(events[0].ts)[..10], *"2024-05-30");
}

#[test]
fn year_from_file_modified_on_corpus_fast_log() {
    let path = "snort/elastic-integrations/test-log-fast.log";
    let modified = utc("2026-12-04T21:00:00Z");
    let slack = 86_400 * 1_000_000_000;
    let options = LogOptions { year_hint: YearHint::FileModified(modified), ..LogOptions::default() };
    let (events, counts) = read_bytes(&bytes(path), options, 4096);
    assert_eq!(counts.year_source, "file_modified");
    let latest = events.iter().map(|event| event.ts).max().unwrap();
    assert!(latest <= modified.plus_nanos(slack), "{} after the file's time", format_rfc3339(latest));
    // The latest year that fits: one year later would put a line after the file's time.
    assert!(latest.plus_nanos(365 * slack) > modified.plus_nanos(slack));
}

#[test]
fn year_from_capture_range_keeps_lines_near_it() {
    // The same jump back in months next to a capture of September 2026: the lines after the
    // roll-over stay in 2026 instead of drifting into 2027.
    let log = "12/30-14:09:21.116402  [**] [1:1917:6] SCAN UPnP [**] [Priority: 3] {UDP} 10.0.0.1:5 -> 10.0.0.2:6\n\
01/21-02:23:42.327730  [**] [1:2014520:2] ET INFO [**] [Priority: 2] {TCP} 10.0.0.1:5 -> 10.0.0.2:6\n\
09/04-21:55:02.041364  [**] [1:1000005:0] local rule [**] [Priority: 0] {TCP} 10.0.0.1:5 -> 10.0.0.2:6\n\
09/04-21:55:03.041364  [**] [1:1000005:0] local rule [**] [Priority: 0] {TCP} 10.0.0.1:5 -> 10.0.0.2:6\n";
    let (first, last) = (utc("2026-09-04T00:00:00Z"), utc("2026-09-05T00:00:00Z"));
    let options = LogOptions { year_hint: YearHint::CaptureRange { first, last }, ..LogOptions::default() };
    let (events, counts) = read_bytes(log.as_bytes(), options, 4096);
    let times: Vec<String> = events.iter().map(|event| format_rfc3339(event.ts)[..10].to_string()).collect();
    assert_eq!(times, ["2025-12-30", "2026-01-21", "2026-09-04", "2026-09-04"]);
    assert_eq!(counts.assumed_year, Some(2025));
}

#[test]
fn streaming_any_chunk_size_same_events() {
    let data = bytes("syslog/plaso/syslog_rsyslog_ForwardFormat");
    let (whole, _) = read_bytes(&data, LogOptions::default(), data.len());
    for chunk in [1, 2, 3, 7, 64] {
        let (pieces, _) = read_bytes(&data, LogOptions::default(), chunk);
        assert_eq!(pieces, whole, "chunk size {chunk}");
    }
}

#[test]
fn streaming_crlf_nul_and_invalid_utf8() {
    let mut data = b"Mar  6 04:07:28 host tag: one\r\n".to_vec();
    data.extend_from_slice(b"Mar  6 04:07:29 host tag: t\x00wo\r\n");
    data.extend_from_slice(b"Mar  6 04:07:30 host tag: bad \xff\xfe byte\r\n");
    data.extend_from_slice(b"\x00\x00\x00\n");
    data.extend_from_slice(b"Mar  6 04:07:31 host tag: last without newline");
    let (events, counts) = read_bytes(&data, LogOptions { year: Some(2021), ..LogOptions::default() }, 3);
    assert_eq!(counts.lines, 5);
    assert_eq!(counts.nul_bytes, 4);
    assert_eq!(counts.lossy_lines, 1);
    assert_eq!(counts.blank_lines, 1);
    assert!(counts.missing_final_newline);
    assert_eq!(events.len(), 4);
    assert_eq!(events[0].name, "one");
    assert_eq!(events[1].name, "two");
    assert_eq!(events[2].name, "bad \u{fffd}\u{fffd} byte");
    assert_eq!(events[3].line, 5);
}

#[test]
fn snort3_and_suricata_syslog_alerts() {
    let data = "<33>Jan  5 10:00:00 ids snort[811]: [1:2:3] \"MALWARE-CNC Win.Trojan beacon\" [**] [Classification: A Network Trojan was detected] [Priority: 1] {TCP} 10.0.0.9:51000 -> 203.0.113.5:443\n\
<33>Jan  5 10:00:01 ids suricata[900]: [1:2013028:7] ET POLICY curl User-Agent Outbound [Classification: Attempted Information Leak] [Priority: 2] {TCP} 10.0.0.9:51001 -> 203.0.113.5:80\n";
    let (events, counts) = read_bytes(data.as_bytes(), LogOptions { year: Some(2024), ..LogOptions::default() }, 4096);
    assert_eq!(counts.unparsed, 0);
    assert_eq!(events[0].format, SourceFormat::Snort3);
    assert_eq!(events[0].name, "MALWARE-CNC Win.Trojan beacon");
    assert_eq!(events[0].event_type, EventType::Trojan);
    assert_eq!(events[0].program.as_deref(), Some("snort"));
    assert_eq!(events[1].format, SourceFormat::SuricataFast);
    assert_eq!(events[1].event_type, EventType::Policy);
    assert_eq!(events[1].sensor.as_deref(), Some("ids"));
}

#[test]
fn full_alert_ends_at_blank_or_record() {
    let data = "[**] [1:1:0] first [**]\n[Priority: 1]\n01/02-03:04:05.000001 10.0.0.1:80 -> 10.0.0.2:1234\nTCP TTL:64 TOS:0x0\n\n\
[**] [1:2:0] second [**]\n<13>1 2021-01-02T03:04:06Z h app - - - after\n";
    let (events, counts) = read_bytes(data.as_bytes(), LogOptions { year: Some(2021), ..LogOptions::default() }, 5);
    assert_eq!(counts.unparsed, 0);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].name, "first");
    assert_eq!(events[0].proto.as_deref(), Some("tcp"));
    assert_eq!(events[0].dst_port, Some(1234));
    assert_eq!(format_rfc3339(events[0].ts), "2021-01-02T03:04:05.000001000Z");
    assert_eq!(events[1].name, "second");
    assert_eq!(events[1].line, 6);
    assert_eq!(events[2].format, SourceFormat::Syslog);
}

#[test]
fn unparsed_line_kept_with_line_number() {
    let data = b"<13>1 2021-01-01T00:00:00Z h a - - - first\n%%% garbage 12:00:00 %%%\n";
    let (events, counts) = read_bytes(data, LogOptions::default(), 4096);
    assert_eq!(counts.unparsed, 1);
    assert_eq!(events[1].event_type, EventType::Unparsed);
    assert_eq!(events[1].line, 2);
    assert_eq!(events[1].ts, events[0].ts);
    assert_eq!(counts.errors[0].to_string(), "test: line 2: no known log format matches");
}

#[test]
fn sensor_records_in_syslog() {
    let data = "<14>Jan  5 10:00:00 sensor1 nnm: 10.0.0.5:445|10.0.0.9:51000|6|0|||NONE\n\
<14>Jan  5 10:00:01 sensor1 pvs: 10.0.0.5:8080|10.0.0.9:51001|6|7001|New Open Port|port 8080 seen|LOW\n\
<14>Jan  5 10:00:02 sensor1 tnm: TNM-TCP_Session_Timed_Out: 10.0.0.9:51002 -> 10.0.0.5:22 bytes_up=60 bytes_down=0 start=1704448800 end=1704448830 duration=30\n\
<14>Jan  5 10:00:03 sensor1 CEF:0|Vendor|IDS|1.0|100|Port scan detected|7|src=10.0.0.9 dst=10.0.0.5\n";
    let (events, counts) = read_bytes(data.as_bytes(), LogOptions { year: Some(2024), ..LogOptions::default() }, 4096);
    assert_eq!(counts.unparsed, 0);
    assert_eq!(events[0].event_type, EventType::OpenPort);
    assert_eq!(events[0].sensor.as_deref(), Some("sensor1"));
    assert_eq!(events[1].event_type, EventType::NewService);
    assert_eq!(events[2].format, SourceFormat::SessionMonitor);
    assert_eq!(events[2].event_type, EventType::ConnTimedOut);
    assert_eq!(events[2].ts, Timestamp::from_secs(1_704_448_830));
    assert_eq!(events[3].format, SourceFormat::Cef);
    assert_eq!(events[3].event_type, EventType::Scan);
    assert_eq!(format_rfc3339(events[3].ts), "2024-01-05T10:00:03.000000000Z");
}

// ---- bad input ----

/// The corpus log files whose every line and prefix the no-panic test parses.
const LOG_FILES: [&str; 12] = [
    "snort/elastic-integrations/test-log-fast.log",
    "snort/elastic-integrations/test-log-pfsense.log",
    "snort/elastic-integrations/test-log-syslog.log",
    "snort/plaso/snort3_alert_fast.log",
    "suricata/plaso/suricata_alert_fast.log",
    "suricata/surevego/eve_broken.json",
    "syslog/plaso/syslog",
    "syslog/plaso/syslog_rsyslog_ForwardFormat",
    "syslog/plaso/syslog_rsyslog_SyslogProtocol23Format",
    "syslog/bug-report-cases/bug-report-cases.jsonl",
    "snort3-demo/loggers/json/expected",
    "snort3-demo/loggers/csv/expected",
];

#[test]
fn every_line_prefix_parses_without_panic() {
    for path in LOG_FILES {
        for line in lines(path).iter().take(60) {
            let boundaries = (0..=line.len()).filter(|&end| line.is_char_boundary(end));
            for end in boundaries {
                let _ = wormscope_core::logs::parse_line(&line[..end]);
            }
        }
    }
}

#[test]
fn truncated_bytes_yield_counted_lines() {
    // Every truncation of a mixed file: lines read always equals events plus blank lines
    // plus continuation lines, so no line disappears.
    let mut data = bytes("snort/elastic-integrations/test-log-syslog.log");
    data.extend_from_slice(b"\n");
    data.extend_from_slice(&bytes("syslog/plaso/syslog_rsyslog_SyslogProtocol23Format"));
    for end in 0..=data.len() {
        let (events, counts) = read_bytes(&data[..end], LogOptions { year: Some(2021), ..LogOptions::default() }, 17);
        let pieces = events.len() as u64 + counts.blank_lines + counts.continuation_lines;
        assert!(pieces >= counts.lines, "cut at {end}: {pieces} < {} lines", counts.lines);
        assert_eq!(counts.events_by_format.values().sum::<u64>(), events.len() as u64, "cut at {end}");
    }
}

#[test]
fn counts_serialize_with_format_names() {
    let (_, counts) = read_log("suricata/surevego/eve_broken.json", 2017);
    let json = serde_json::to_value(&counts).unwrap();
    assert!(json["events_by_format"]["suricata_eve"].as_u64().unwrap() > 0);
    assert!(json["events_by_type"]["unparsed"].as_u64().unwrap() > 0);
    assert_eq!(json["errors"][0]["line"], 1);
}

#[test]
fn random_bytes_never_panic() {
    // A fixed linear congruential generator, so a failure reproduces; the alphabet leans on
    // the bytes the grammars look for.
    const ALPHABET: &[u8] = b"<>[]{}:|=\\\" -./,0123456789TZ+CEF*abcJanDec\n\r\t\x00\xff\xc3";
    let mut state: u64 = 0x5eed;
    for round in 0..200 {
        let mut data = Vec::new();
        for _ in 0..400 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            data.push(ALPHABET[(state >> 33) as usize % ALPHABET.len()]);
        }
        let (events, counts) = read_bytes(&data, LogOptions::default(), 1 + round % 13);
        assert_eq!(counts.events_by_format.values().sum::<u64>(), events.len() as u64, "round {round}");
        assert_eq!(counts.bytes, data.len() as u64, "round {round}");
    }
}

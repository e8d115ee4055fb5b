//! `wormscope profile` run as a program on corpus files, checked against `wormscope conn`
//! and against the corpus files read with serde_json and plain string splitting.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn corpus(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(path);
    path.to_str().expect("UTF-8 path").to_string()
}

/// Runs the CLI; returns (exit code, stdout, stderr).
fn wormscope(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_wormscope")).args(args).output().expect("wormscope runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The top-level keys, in the order the document writes them.
const KEYS: [&str; 11] = [
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

#[test]
fn profile_ports_match_conn_output() {
    let capture = corpus("zeek/traces/wikipedia.pcap");
    let (code, conn_log, stderr) = wormscope(&["conn", "--format", "json", &capture]);
    assert_eq!(code, 0, "{stderr}");

    // Connections per (resp_p, proto, direction) of the busiest originator, from conn's JSON lines.
    let records: Vec<Value> = conn_log.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let mut originators: BTreeMap<String, usize> = BTreeMap::new();
    for record in &records {
        *originators.entry(record["id.orig_h"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let host = originators.iter().max_by_key(|(_, count)| **count).unwrap().0.clone();
    let mut expected: BTreeMap<(u64, String, String), u64> = BTreeMap::new();
    for record in &records {
        let direction = if record["id.resp_h"] == host.as_str() {
            "in"
        } else if record["id.orig_h"] == host.as_str() {
            "out"
        } else {
            continue;
        };
        let key =
            (record["id.resp_p"].as_u64().unwrap(), record["proto"].as_str().unwrap().to_string(), direction.into());
        *expected.entry(key).or_default() += 1;
    }

    let (code, output, stderr) = wormscope(&["profile", &host, "--format", "json", &capture]);
    assert_eq!(code, 0, "{stderr}");
    let profile: Value = serde_json::from_str(&output).unwrap();
    let actual: BTreeMap<(u64, String, String), u64> = profile["ports"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let key = (
                row["port"].as_u64().unwrap(),
                row["proto"].as_str().unwrap().into(),
                row["direction"].as_str().unwrap().into(),
            );
            (key, row["connections"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(profile["data"]["connections"].as_u64().unwrap(), records.len() as u64);
}

#[test]
fn profile_keys_in_documented_order() {
    let capture = corpus("zeek/traces/wikipedia.pcap");
    let (code, output, stderr) = wormscope(&["profile", "141.142.220.118", "--format", "json", &capture]);
    assert_eq!(code, 0, "{stderr}");
    let positions: Vec<usize> =
        KEYS.iter().map(|key| output.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} missing"))).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{positions:?}");
    assert!(output.starts_with("{\"schema\":\"wormscope.profile/1\""));
    assert!(output.ends_with("}\n"));
}

#[test]
fn profile_range_and_file_order() {
    let log = corpus("snort/elastic-integrations/test-log-syslog.log");
    let capture = corpus("zeek/traces/wikipedia.pcap");
    let text = std::fs::read_to_string(&log).unwrap();

    // The second line's source, read by splitting at "} " and ":".
    let second = text.lines().nth(1).unwrap();
    let host = second.rsplit_once("} ").unwrap().1.split(':').next().unwrap().to_string();

    // The log is given first, so its events keep file index 0 although the capture is read first.
    let (code, output, stderr) = wormscope(&["profile", &host, "--year", "2024", "--format", "json", &log, &capture]);
    assert_eq!(code, 0, "{stderr}");
    let profile: Value = serde_json::from_str(&output).unwrap();
    let alerts = profile["alert_chain"]["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["file_index"], 0);
    assert_eq!(alerts[0]["line"], 2);

    // A range that ends at the alert leaves it out of every view but the drop-off, which
    // covers the host's whole history.
    let ts = alerts[0]["ts"].as_i64().unwrap();
    let to = format!("{}", ts / 1_000_000_000);
    let (code, output, stderr) =
        wormscope(&["profile", &host, "--year", "2024", "--to", &to, "--format", "json", &log]);
    assert_eq!(code, 0, "{stderr}");
    let profile: Value = serde_json::from_str(&output).unwrap();
    assert_eq!(profile["alert_chain"]["alerts"].as_array().unwrap().len(), 0);
    assert_eq!(profile["ports"]["rows"].as_array().unwrap().len(), 0);
    assert_eq!(profile["dropoff"]["sources"].as_array().unwrap().len(), 1);
    assert_eq!(
        profile["activity"]["buckets"].as_array().unwrap().iter().map(|b| b["total"].as_u64().unwrap()).sum::<u64>(),
        0
    );
}

#[test]
fn profile_bad_input_status() {
    let capture = corpus("zeek/traces/wikipedia.pcap");
    let (code, output, stderr) =
        wormscope(&["profile", "10.0.0.1", "--format", "json", "/nonexistent/file.pcap", &capture]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/file.pcap"), "{stderr}");
    assert!(serde_json::from_str::<Value>(&output).is_ok(), "the document is still written");

    let (code, _, stderr) = wormscope(&["profile", "not-an-address", "--format", "json", &capture]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid HOST"), "{stderr}");

    let (code, _, stderr) =
        wormscope(&["profile", "10.0.0.1", "--from", "20", "--to", "10", "--format", "json", &capture]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--to must be later"), "{stderr}");

    let (code, _, stderr) = wormscope(&["profile", "10.0.0.1", "--format", "csv", &capture]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid --format"), "{stderr}");
}

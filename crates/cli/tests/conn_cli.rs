//! `wormscope conn` run as a program against Zeek's own conn.log baselines and bad input.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(path)
}

/// Runs the CLI; returns (exit code, stdout, stderr).
fn wormscope(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_wormscope")).args(args).output().expect("wormscope runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A conn.log row's key: id.orig_h, id.orig_p, id.resp_h, id.resp_p and proto.
type ConnKey = (String, String, String, String, String);

/// The rows of a conn.log, keyed by [`ConnKey`], each with (orig_pkts, resp_pkts); rows
/// sharing a key keep their order.
fn packet_counts(log: &str) -> BTreeMap<ConnKey, Vec<(String, String)>> {
    let mut fields: Vec<String> = Vec::new();
    let mut rows: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for line in log.lines() {
        if let Some(names) = line.strip_prefix("#fields\t") {
            fields = names.split('\t').map(str::to_string).collect();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let values: Vec<&str> = line.split('\t').collect();
        let get = |name: &str| values[fields.iter().position(|f| f == name).expect("field present")].to_string();
        let key = (get("id.orig_h"), get("id.orig_p"), get("id.resp_h"), get("id.resp_p"), get("proto"));
        rows.entry(key).or_default().push((get("orig_pkts"), get("resp_pkts")));
    }
    rows
}

/// Traces with a full conn.log baseline, and whether the baseline was made with `-C`.
const BASELINES: &[(&str, &str, bool)] = &[
    ("zeek/traces/wikipedia.pcap", "zeek/baselines/core.tcp.rxmit-history/conn-2.log", true),
    ("zeek/traces/ssh/ssh.pcap", "zeek/baselines/scripts.base.protocols.ssh.basic/conn.log", false),
    ("zeek/traces/cisco-fabric-path.pcap", "zeek/baselines/core.cisco-fabric-path/conn.log", false),
    ("zeek/traces/ftp/ipv4.pcap", "zeek/baselines/scripts.base.protocols.ftp.ftp-ipv4/conn.log", false),
    ("zeek/traces/q-in-q.pcap", "zeek/baselines/core.q-in-q/conn.log", false),
    ("zeek/traces/tunnels/gre-sample.pcap", "zeek/baselines/core.tunnels.gre/conn.log", false),
    ("zeek/traces/tcp/retransmit-fast009.pcap", "zeek/baselines/core.tcp.rxmit-history/conn-1.log", true),
];

#[test]
fn conn_matches_zeek_packet_counts() {
    let mut mismatches = Vec::new();
    for (trace, baseline, ignore_checksums) in BASELINES {
        let path = corpus(trace);
        let mut args = vec!["conn"];
        if *ignore_checksums {
            args.push("-C");
        }
        args.push(path.to_str().unwrap());
        let (code, stdout, stderr) = wormscope(&args);
        assert_eq!(code, 0, "{trace}: {stderr}");

        let ours = packet_counts(&stdout);
        let zeek = packet_counts(&std::fs::read_to_string(corpus(baseline)).unwrap());
        let count = |rows: &BTreeMap<_, Vec<_>>| rows.values().map(Vec::len).sum::<usize>();
        if count(&ours) != count(&zeek) {
            mismatches.push(format!("{trace}: {} connections, Zeek {}", count(&ours), count(&zeek)));
        }
        for (key, zeek_counts) in &zeek {
            let our_counts = ours.get(key).cloned().unwrap_or_default();
            if &our_counts != zeek_counts {
                mismatches.push(format!("{trace}: {key:?}: packets ours {our_counts:?}, Zeek {zeek_counts:?}"));
            }
        }
    }
    for line in &mismatches {
        println!("{line}");
    }
    assert!(mismatches.is_empty(), "{} mismatches (printed above)", mismatches.len());
}

#[test]
fn conn_header_matches_zeek_layout() {
    let (code, stdout, _) = wormscope(&["conn", corpus("zeek/traces/tcp/single-rst.pcap").to_str().unwrap()]);
    assert_eq!(code, 0);
    let heads: Vec<&str> = stdout.lines().filter(|l| l.starts_with('#')).map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(heads, ["#separator \\x09", "#set_separator", "#empty_field", "#unset_field", "#path", "#open", "#fields", "#types", "#close"]);
    let row = stdout.lines().find(|l| !l.starts_with('#')).unwrap();
    let ts = row.split('\t').next().unwrap();
    assert_eq!(ts.split('.').nth(1).map(str::len), Some(6), "six decimals in {ts}");
}

#[test]
fn conn_json_has_zeek_field_names() {
    let (code, stdout, _) = wormscope(&["conn", "--format", "json", corpus("zeek/traces/tcp/missing-syn.pcap").to_str().unwrap()]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(value["id.resp_p"], 80);
    assert_eq!(value["conn_state"], "SF");
    assert_eq!(value["history"], "^hADdFaf");
}

#[test]
fn conn_reports_bad_input_with_offset() {
    // A text file is not a capture; a truncated capture keeps what was read.
    let (code, _, stderr) = wormscope(&["conn", corpus("syslog/plaso/syslog").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("syslog: byte 0: not a pcap or pcapng capture"), "{stderr}");

    let bytes = std::fs::read(corpus("zeek/traces/wikipedia.pcap")).unwrap();
    let cut = std::env::temp_dir().join(format!("wormscope-cut-{}.pcap", std::process::id()));
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (code, stdout, stderr) = wormscope(&["conn", cut.to_str().unwrap()]);
    std::fs::remove_file(&cut).ok();
    assert_eq!(code, 1);
    assert!(stderr.contains("file ends inside a pcap record"), "{stderr}");
    assert!(stdout.lines().filter(|l| !l.starts_with('#')).count() > 0, "connections read before the fault are written");
}

#[test]
fn conn_rejects_bad_options() {
    let (code, _, stderr) = wormscope(&["conn", "--format", "xml", "x.pcap"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid --format 'xml'"), "{stderr}");
    let (code, _, stderr) = wormscope(&["conn", "--local-nets", "10.0.0.0/40", "x.pcap"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("prefix length is longer than the address"), "{stderr}");
}

#[test]
fn binary_file_fails_in_every_command() {
    // 5000 pseudo-random bytes (xorshift, fixed seed): neither a capture nor a text log.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let data: Vec<u8> = (0..5_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let path = std::env::temp_dir().join(format!("wormscope-random-{}.bin", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    let file = path.to_str().unwrap();
    let commands: [&[&str]; 4] = [
        &["conn", file],
        &["events", file],
        &["findings", "--format", "text", file],
        &["profile", "10.0.0.1", "--format", "json", file],
    ];
    for args in commands {
        let (code, _, stderr) = wormscope(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        let expected = format!("{file}: byte 0: not a pcap or pcapng capture (unknown magic number ");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
        assert!(stderr.contains("and not a text log"), "{args:?}: {stderr}");
    }
    std::fs::remove_file(&path).ok();
}

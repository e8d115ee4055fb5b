//! `wormscope profile`: the numbers behind the host investigation views, as one JSON document.
//!
//! ```text
//! wormscope profile HOST [--port P] [--from T] [--to T] [--direction in|out|both]
//!     [--types TYPE,...] [--learning-end T] [--dropoff-window SECONDS] [--search TEXT]
//!     [--hosts-limit N] [--findings FILE] [--sort-ports COLUMN[:asc|desc]] [--local-nets CIDR,...]
//!     [--year YEAR] [--tz ZONE] --format json FILE...
//! ```
//!
//! Times `T` are RFC 3339 (`2026-07-31T12:00:00Z`; no zone means UTC) or Unix seconds with
//! an optional fraction (`1785456000.5`). The range is `[from, to)`. Captures are read before
//! logs, whatever the order given, so year-less log lines take their year from the captures.
//! The host ranking and the finding marks come from the detection rules run over the same
//! files with the same local networks and learning window, as `wormscope findings` runs them.
//! `--findings` replaces them with a JSON array of `{"kind", "host", "start", "end", "score"?}`
//! with times in nanoseconds since the epoch. The document's top-level keys, in order: `schema`,
//! `filter`, `data`, `hosts`, `activity`, `first_seen`, `in_out`, `ports`, `slash8`,
//! `alert_chain`, `dropoff` (see `wormscope_core::profile` for each view's fields). Every time
//! in it is integer nanoseconds since the Unix epoch, UTC.
//!
//! Exit status: 0 on success, 1 when a file could not be read to its end (the document is
//! still written from what was read), 2 on a usage error.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::net::IpAddr;
use std::time::UNIX_EPOCH;
use wormscope_core::capture::looks_like_capture;
use wormscope_core::detect::{detect, DetectConfig};
use wormscope_core::events::EventType;
use wormscope_core::logs::datetime::{parse_zone, rfc3339};
use wormscope_core::net::LocalNets;
use wormscope_core::profile::ports::{sort_ports, PortColumn};
use wormscope_core::profile::{profile, Direction, Filter, Finding, ProfileOptions};
use wormscope_core::time::{Timestamp, NANOS_PER_SEC};
use wormscope_core::{Analyzer, Config, Report};

const USAGE: &str = "usage: wormscope profile HOST [--port P] [--from T] [--to T] [--direction in|out|both]
    [--types TYPE,...] [--learning-end T] [--dropoff-window SECONDS] [--search TEXT]
    [--hosts-limit N] [--findings FILE] [--sort-ports COLUMN[:asc|desc]] [--local-nets CIDR,...]
    [--year YEAR] [--tz UTC|+hh:mm] --format json FILE...
T is RFC 3339 (2026-07-31T12:00:00Z) or Unix seconds (1785456000); the range is [from, to).";

/// Bytes read from a file per push.
const CHUNK_BYTES: usize = 1 << 20;

/// The parsed command line.
#[derive(Debug)]
struct Options {
    filter: Filter,
    profile: ProfileOptions,
    findings_file: Option<String>,
    sort_ports: Option<(PortColumn, bool)>,
    year: Option<i32>,
    tz_offset_secs: Option<i32>,
    files: Vec<String>,
}

/// Runs the subcommand; returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let mut options = match parse_args(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wormscope profile: {message}\n{USAGE}");
            return 2;
        }
    };
    if let Some(path) = &options.findings_file {
        match read_findings(path) {
            Ok(findings) => options.profile.findings = findings,
            Err(message) => {
                eprintln!("wormscope profile: {message}");
                return 2;
            }
        }
    }

    let (report, failed) = analyze(&options);
    if options.findings_file.is_none() {
        let config = DetectConfig {
            local_nets: options.profile.local.clone(),
            learning_end: options.profile.learning_end,
            ..DetectConfig::default()
        };
        let detection = detect(&report, &config);
        options.profile.findings = detection.findings.iter().map(Finding::from).collect();
    }
    let mut result = profile(&report.events, &report.connections, &options.filter, &options.profile);
    if let Some((column, descending)) = options.sort_ports {
        sort_ports(&mut result.ports.rows, column, descending);
    }

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = serde_json::to_writer(&mut out, &result).map_err(io::Error::other).and_then(|()| writeln!(out));
    if let Err(error) = written.and_then(|()| out.flush()) {
        eprintln!("wormscope profile: writing the output failed: {error}");
        return 1;
    }
    i32::from(failed)
}

/// Parses the host, the options and the file names.
fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut host: Option<IpAddr> = None;
    let mut format: Option<String> = None;
    let mut local_nets: Option<LocalNets> = None;
    let mut options = Options {
        filter: Filter::for_host(IpAddr::from([0, 0, 0, 0])),
        profile: ProfileOptions::default(),
        findings_file: None,
        sort_ports: None,
        year: None,
        tz_offset_secs: None,
        files: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => options.filter.port = Some(parse_port(&value("--port")?)?),
            "--from" => options.filter.from = Some(parse_time(&value("--from")?)?),
            "--to" => options.filter.to = Some(parse_time(&value("--to")?)?),
            "--direction" => options.filter.direction = parse_direction(&value("--direction")?)?,
            "--types" => options.filter.event_types = Some(parse_types(&value("--types")?)?),
            "--learning-end" => options.profile.learning_end = Some(parse_time(&value("--learning-end")?)?),
            "--dropoff-window" => options.profile.dropoff_window = parse_seconds(&value("--dropoff-window")?)?,
            "--search" => options.profile.host_search = Some(value("--search")?),
            "--hosts-limit" => options.profile.hosts_limit = Some(parse_limit(&value("--hosts-limit")?)?),
            "--findings" => options.findings_file = Some(value("--findings")?),
            "--sort-ports" => options.sort_ports = Some(parse_sort(&value("--sort-ports")?)?),
            "--local-nets" => {
                local_nets = Some(LocalNets::parse_list(&value("--local-nets")?).map_err(|e| e.to_string())?)
            }
            "--year" => options.year = Some(parse_year(&value("--year")?)?),
            "--tz" => options.tz_offset_secs = Some(parse_zone(&value("--tz")?)?),
            "--format" => format = Some(value("--format")?),
            "-h" | "--help" => return Err("help requested".to_string()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag:?}")),
            text if host.is_none() => {
                host =
                    Some(text.parse().map_err(|_| format!("invalid HOST {text:?}: expected an IPv4 or IPv6 address"))?)
            }
            file => options.files.push(file.to_string()),
        }
    }

    match format.as_deref() {
        Some("json") | None => {}
        Some(other) => return Err(format!("invalid --format {other:?}: expected json")),
    }
    options.filter.host = host.ok_or("missing HOST")?;
    if let (Some(from), Some(to)) = (options.filter.from, options.filter.to) {
        if to <= from {
            return Err("invalid range: --to must be later than --from".to_string());
        }
    }
    if let Some(local) = local_nets {
        options.profile.local = local;
    }
    if options.files.is_empty() {
        return Err("no input files".to_string());
    }
    Ok(options)
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse().map_err(|_| format!("invalid --port {text:?}: expected a number from 0 to 65535"))
}

fn parse_limit(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("invalid --hosts-limit {text:?}: expected a whole number of rows"))
}

fn parse_year(text: &str) -> Result<i32, String> {
    let year = text.parse::<i32>().ok().filter(|year| (1970..=2200).contains(year));
    year.ok_or_else(|| format!("invalid --year {text:?}: expected a year from 1970 to 2200"))
}

fn parse_direction(text: &str) -> Result<Direction, String> {
    match text {
        "in" => Ok(Direction::In),
        "out" => Ok(Direction::Out),
        "both" => Ok(Direction::Both),
        other => Err(format!("invalid --direction {other:?}: expected in, out or both")),
    }
}

/// Parses a comma-separated list of event type names (`scan,conn_rejected`).
fn parse_types(text: &str) -> Result<BTreeSet<EventType>, String> {
    let mut types = BTreeSet::new();
    for name in text.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        let kind = EventType::ALL.iter().find(|kind| kind.as_str() == name);
        types.insert(*kind.ok_or_else(|| format!("invalid event type {name:?} in --types"))?);
    }
    Ok(types)
}

/// Parses `COLUMN`, `COLUMN:asc` or `COLUMN:desc`; the default order is descending.
fn parse_sort(text: &str) -> Result<(PortColumn, bool), String> {
    let (name, order) = text.split_once(':').unwrap_or((text, "desc"));
    let column = PortColumn::parse(name).ok_or_else(|| format!("invalid --sort-ports column {name:?}"))?;
    match order {
        "asc" => Ok((column, false)),
        "desc" => Ok((column, true)),
        other => Err(format!("invalid --sort-ports order {other:?}: expected asc or desc")),
    }
}

/// Parses a whole number of seconds into nanoseconds.
fn parse_seconds(text: &str) -> Result<i64, String> {
    let seconds = text.parse::<i64>().ok().filter(|&seconds| (0..=10 * 365 * 86_400).contains(&seconds));
    seconds.map(|seconds| seconds * NANOS_PER_SEC).ok_or_else(|| format!("invalid number of seconds {text:?}"))
}

/// Parses RFC 3339 (no zone means UTC) or Unix seconds with an optional fraction.
fn parse_time(text: &str) -> Result<Timestamp, String> {
    let invalid = || format!("invalid time {text:?}: expected RFC 3339 (2026-07-31T12:00:00Z) or Unix seconds");
    if let Ok(("", time)) = rfc3339(text) {
        return time.to_timestamp(1970, 0).map_err(|_| invalid());
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds: i64 = whole.parse().map_err(|_| invalid())?;
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let nanos: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<9}").parse().map_err(|_| invalid())? };
    let nanos = if whole.starts_with('-') { -nanos } else { nanos };
    Ok(Timestamp::from_parts(seconds, nanos))
}

/// Reads findings from a JSON array.
fn read_findings(path: &str) -> Result<Vec<Finding>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("{path}: cannot read: {error}"))?;
    serde_json::from_str(&text).map_err(|error| format!("{path}: invalid findings: {error}"))
}

/// Reads captures first, then logs, through one analyzer. Returns the report, with file
/// indexes in the order the files were given, and whether a file failed.
fn analyze(options: &Options) -> (Report, bool) {
    let config = Config {
        local_nets: options.profile.local.clone(),
        log_year: options.year,
        log_tz_offset_secs: options.tz_offset_secs,
        ..Config::default()
    };
    let mut analyzer = Analyzer::new(config);
    let mut failed = false;
    let (captures, logs): (Vec<_>, Vec<_>) = options.files.iter().enumerate().partition(|(_, path)| is_capture(path));
    let mut given_index = Vec::with_capacity(options.files.len());
    for (index, path) in captures.into_iter().chain(logs) {
        given_index.push(index as u32);
        if let Err(message) = feed(&mut analyzer, path) {
            eprintln!("{message}");
            failed = true;
        }
    }

    // The analyzer numbers files in the order they were fed; the output uses the order given.
    let mut report = analyzer.finish();
    let remap = |index: u32| given_index.get(index as usize).copied().unwrap_or(index);
    for event in &mut report.events {
        event.file_index = remap(event.file_index);
    }
    for conn in &mut report.connections {
        conn.file_index = remap(conn.file_index);
    }
    report.events.sort_by_key(|event| (event.ts, event.file_index, event.line));
    (report, failed)
}

/// Returns true if and only if the file starts with a pcap or pcapng magic number.
fn is_capture(path: &str) -> bool {
    let mut head = [0u8; 4];
    File::open(path).and_then(|mut file| file.read_exact(&mut head)).is_ok() && looks_like_capture(&head)
}

/// Pushes one file to the analyzer in chunks.
fn feed(analyzer: &mut Analyzer, path: &str) -> Result<(), String> {
    let metadata = std::fs::metadata(path).map_err(|error| format!("{path}: cannot open: {error}"))?;
    let index = analyzer.begin_file(path, metadata.len());
    if let Some(since_epoch) = metadata.modified().ok().and_then(|time| time.duration_since(UNIX_EPOCH).ok()) {
        let modified = Timestamp::from_parts(since_epoch.as_secs() as i64, i64::from(since_epoch.subsec_nanos()));
        analyzer.set_file_modified(index, modified);
    }

    let mut file = File::open(path).map_err(|error| format!("{path}: cannot open: {error}"))?;
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut offset = 0u64;
    loop {
        let count = match file.read(&mut buffer) {
            Ok(0) => return analyzer.end_file(index).map_err(|error| error.to_string()),
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(format!("{path}: byte {offset}: read failed: {error}")),
        };
        analyzer.push(index, &buffer[..count]).map_err(|error| error.to_string())?;
        offset += count as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parse_args_host_range_and_files() {
        let args = strings(&[
            "10.0.0.5",
            "--port",
            "445",
            "--from",
            "2026-07-31T00:00:00Z",
            "--to",
            "1785542400",
            "--format",
            "json",
            "a.pcap",
            "b.log",
        ]);
        let options = parse_args(&args).unwrap();
        assert_eq!(options.filter.host, "10.0.0.5".parse::<IpAddr>().unwrap());
        assert_eq!(options.filter.port, Some(445));
        assert_eq!(options.filter.from, Some(Timestamp::from_secs(1_785_456_000)));
        assert_eq!(options.filter.to, Some(Timestamp::from_secs(1_785_542_400)));
        assert_eq!(options.files, ["a.pcap", "b.log"]);
    }

    #[test]
    fn parse_time_forms() {
        assert_eq!(parse_time("1785456000.25").unwrap(), Timestamp::from_parts(1_785_456_000, 250_000_000));
        assert_eq!(parse_time("2026-07-31T02:00:00+02:00").unwrap(), Timestamp::from_secs(1_785_456_000));
        assert_eq!(parse_time("2026-07-31 00:00:00").unwrap(), Timestamp::from_secs(1_785_456_000));
        assert!(parse_time("yesterday").unwrap_err().contains("invalid time"));
        assert!(parse_time("1.1234567890").is_err());
    }

    #[test]
    fn parse_args_rejects_bad_values() {
        assert!(parse_args(&strings(&["not-an-ip", "a.log"])).unwrap_err().contains("invalid HOST"));
        assert!(parse_args(&strings(&["10.0.0.1", "--format", "csv", "a.log"]))
            .unwrap_err()
            .contains("invalid --format"));
        assert!(parse_args(&strings(&["10.0.0.1", "--types", "scan,bogus", "a.log"])).unwrap_err().contains("bogus"));
        assert!(parse_args(&strings(&["10.0.0.1", "--from", "20", "--to", "10", "a"])).unwrap_err().contains("--to"));
        assert_eq!(parse_args(&strings(&["10.0.0.1"])).unwrap_err(), "no input files");
        assert_eq!(parse_args(&strings(&[])).unwrap_err(), "missing HOST");
    }

    #[test]
    fn parse_sort_default_descending() {
        assert_eq!(parse_sort("connections").unwrap(), (PortColumn::Connections, true));
        assert_eq!(parse_sort("port:asc").unwrap(), (PortColumn::Port, false));
        assert!(parse_sort("S0:up").is_err());
        assert!(parse_sort("colour").is_err());
    }
}

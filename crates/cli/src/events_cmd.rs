//! `wormscope events`: captures and logs merged into one event stream, in time order.
//!
//! ```text
//! wormscope events [--format jsonl|csv] [--year Y] [--tz ZONE] FILE...
//! ```
//!
//! A file whose first four bytes are a pcap or pcapng magic number is a capture: it goes
//! through the core `Analyzer`, and each connection becomes one event. A file whose first KiB
//! reads neither as a capture nor as text fails with the same error as in the other commands.
//! Every other file is a log, read by `LogReader`. Captures are read first, so their time range gives year-less log
//! lines their year; without a capture, each log's last-modified time does. Events go to
//! standard output, one per line; per-file counts and the assumed year and zone go to
//! standard error. The exit status is 1 if any file could not be read to its end (the events
//! read before the problem are still written), 2 for a usage error, and 0 otherwise.
//!
//! NOTE: all events are held in memory to sort them. A streaming merge would need each file's
//! events in time order, and syslog files do not guarantee that.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::time::UNIX_EPOCH;
use wormscope_core::analysis::{not_text_message, TEXT_SAMPLE_BYTES};
use wormscope_core::events::{from_connection, Event};
use wormscope_core::logs::datetime::{format_rfc3339, parse_zone};
use wormscope_core::logs::{LogCounts, LogOptions, LogReader, YearHint};
use wormscope_core::time::Timestamp;
use wormscope_core::{Analyzer, Config};

/// Bytes read from a file per push, as the page's worker reads slices.
const CHUNK_BYTES: usize = 1 << 20;

/// The pcap and pcapng magic numbers as the first four bytes appear in the file.
const CAPTURE_MAGICS: [[u8; 4]; 7] = [
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xcd, 0x34],
    [0x34, 0xcd, 0xb2, 0xa1],
    [0x0a, 0x0d, 0x0d, 0x0a],
];

/// The output layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Jsonl,
    Csv,
}

/// The parsed command line.
#[derive(Debug)]
struct Options {
    format: OutputFormat,
    year: Option<i32>,
    tz_offset_secs: Option<i32>,
    files: Vec<String>,
}

const USAGE: &str = "usage: wormscope events [--format jsonl|csv] [--year YEAR] [--tz UTC|+hh:mm|-hhmm] FILE...";

/// Runs the subcommand; returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wormscope events: {message}\n{USAGE}");
            return 2;
        }
    };

    let mut failed = false;
    let (mut events, capture_range) = read_captures(&options, &mut failed);
    read_logs(&options, capture_range, &mut events, &mut failed);

    events.sort_by_key(|event| (event.ts, event.file_index, event.line));
    if let Err(error) = write_events(&events, options.format) {
        eprintln!("wormscope events: writing the output failed: {error}");
        return 1;
    }
    i32::from(failed)
}

/// Parses the options and file names.
fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options { format: OutputFormat::Jsonl, year: None, tz_offset_secs: None, files: Vec::new() };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--format" => {
                options.format = match value("--format")?.as_str() {
                    "jsonl" => OutputFormat::Jsonl,
                    "csv" => OutputFormat::Csv,
                    other => return Err(format!("invalid --format {other:?}: expected jsonl or csv")),
                }
            }
            "--year" => {
                let text = value("--year")?;
                let year = text.parse::<i32>().ok().filter(|year| (1970..=2200).contains(year));
                options.year =
                    Some(year.ok_or_else(|| format!("invalid --year {text:?}: expected a year from 1970 to 2200"))?);
            }
            "--tz" => options.tz_offset_secs = Some(parse_zone(&value("--tz")?)?),
            "-h" | "--help" => return Err("help requested".to_string()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag:?}")),
            file => options.files.push(file.to_string()),
        }
    }
    if options.files.is_empty() {
        return Err("no input files".to_string());
    }
    Ok(options)
}

/// Returns true if and only if the file starts with a pcap or pcapng magic number.
fn is_capture(path: &str) -> io::Result<bool> {
    let mut magic = [0u8; 4];
    let mut file = File::open(path)?;
    let mut filled = 0;
    while filled < 4 {
        let count = file.read(&mut magic[filled..])?;
        if count == 0 {
            return Ok(false);
        }
        filled += count;
    }
    Ok(CAPTURE_MAGICS.contains(&magic))
}

/// Returns the error message for a file whose first bytes read neither as a capture nor as
/// text, the same message as the `Analyzer` gives.
fn binary_file_message(path: &str) -> io::Result<Option<String>> {
    let mut head = Vec::with_capacity(TEXT_SAMPLE_BYTES);
    File::open(path)?.take(TEXT_SAMPLE_BYTES as u64).read_to_end(&mut head)?;
    Ok(not_text_message(&head))
}

/// Reads every capture through one `Analyzer`; returns the connection events and the time
/// range the captures cover.
fn read_captures(options: &Options, failed: &mut bool) -> (Vec<Event>, Option<(Timestamp, Timestamp)>) {
    let mut analyzer = Analyzer::new(Config::default());
    let mut global_index = Vec::new();
    for (index, path) in options.files.iter().enumerate() {
        match is_capture(path) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                eprintln!("{path}: cannot read: {error}");
                *failed = true;
                continue;
            }
        }
        let size = std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0);
        let file = analyzer.begin_file(path, size);
        global_index.push(index as u32);
        let result = read_chunks(path, &mut |chunk| analyzer.push(file, chunk).map_err(|error| error.to_string()))
            .and_then(|()| analyzer.end_file(file).map_err(|error| error.to_string()));
        if let Err(message) = result {
            eprintln!("{message}");
            *failed = true;
        }
    }

    let report = analyzer.finish();
    let mut range: Option<(Timestamp, Timestamp)> = None;
    let mut events = Vec::with_capacity(report.connections.len());
    for connection in &report.connections {
        let mut event = from_connection(connection);
        event.file_index = global_index.get(connection.file_index as usize).copied().unwrap_or(event.file_index);
        let end = connection.ts.plus_nanos(connection.duration);
        range = Some(range.map_or((connection.ts, end), |(first, last)| (first.min(connection.ts), last.max(end))));
        events.push(event);
    }
    for file in &report.files {
        eprintln!("{}: capture, {} packets, {} parsed", file.name, file.packets, file.packets_parsed);
    }
    if !report.files.is_empty() {
        eprintln!("captures: {} connections", report.connections.len());
    }
    (events, range)
}

/// Reads every log file, giving year-less lines the captures' range or the file's mtime.
fn read_logs(
    options: &Options,
    capture_range: Option<(Timestamp, Timestamp)>,
    events: &mut Vec<Event>,
    failed: &mut bool,
) {
    for (index, path) in options.files.iter().enumerate() {
        if !matches!(is_capture(path), Ok(false)) {
            continue;
        }
        let year_hint = match capture_range {
            Some((first, last)) => YearHint::CaptureRange { first, last },
            None => modified_time(path).map_or(YearHint::None, YearHint::FileModified),
        };
        match binary_file_message(path) {
            Ok(None) => {}
            Ok(Some(message)) => {
                eprintln!("{path}: byte 0: {message}");
                *failed = true;
                continue;
            }
            Err(error) => {
                eprintln!("{path}: cannot read: {error}");
                *failed = true;
                continue;
            }
        }
        let log_options = LogOptions { year: options.year, tz_offset_secs: options.tz_offset_secs, year_hint };
        let mut reader = LogReader::new(path, index as u32, log_options);
        let result = read_chunks(path, &mut |chunk| {
            reader.push(chunk, &mut |event| events.push(event));
            Ok(())
        });
        reader.finish(&mut |event| events.push(event));
        if let Err(message) = result {
            eprintln!("{message}");
            *failed = true;
        }
        print_counts(reader.counts());
    }
}

/// Returns the file's last-modified time.
fn modified_time(path: &str) -> Option<Timestamp> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since_epoch = modified.duration_since(UNIX_EPOCH).ok()?;
    Some(Timestamp::from_parts(since_epoch.as_secs() as i64, i64::from(since_epoch.subsec_nanos())))
}

/// Feeds the file to `push` in chunks; an I/O error names the file and the byte offset.
fn read_chunks(path: &str, push: &mut dyn FnMut(&[u8]) -> Result<(), String>) -> Result<(), String> {
    let mut file = File::open(path).map_err(|error| format!("{path}: cannot open: {error}"))?;
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut offset: u64 = 0;
    loop {
        let count = match file.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(format!("{path}: byte {offset}: read failed: {error}")),
        };
        push(&buffer[..count])?;
        offset += count as u64;
    }
}

/// Writes one log file's counts and first errors to standard error.
fn print_counts(counts: &LogCounts) {
    let formats: Vec<String> =
        counts.events_by_format.iter().map(|(format, count)| format!("{format} {count}")).collect();
    eprintln!(
        "{}: log, {} lines ({} blank, {} continuation), events: {}; unparsed {}, lossy UTF-8 lines {}, NUL bytes {}",
        counts.file,
        counts.lines,
        counts.blank_lines,
        counts.continuation_lines,
        if formats.is_empty() { "none".to_string() } else { formats.join(", ") },
        counts.unparsed,
        counts.lossy_lines,
        counts.nul_bytes,
    );
    if let Some(year) = counts.assumed_year {
        eprintln!(
            "{}: year-less times start in {year} (from {}), {} roll-over(s); zone-less times read at UTC{:+} seconds",
            counts.file, counts.year_source, counts.year_rollovers, counts.tz_offset_secs
        );
    }
    for error in counts.errors.iter().take(5) {
        eprintln!("{error}");
    }
}

/// Writes the events in the chosen layout.
fn write_events(events: &[Event], format: OutputFormat) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if format == OutputFormat::Csv {
        writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    }
    for event in events {
        match format {
            OutputFormat::Jsonl => write_json(&mut out, event)?,
            OutputFormat::Csv => write_csv(&mut out, event)?,
        }
    }
    out.flush()
}

/// Writes one event as a JSON object with an added RFC 3339 `time`.
fn write_json(out: &mut impl Write, event: &Event) -> io::Result<()> {
    let mut value = serde_json::to_value(event).map_err(io::Error::other)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("time".to_string(), serde_json::Value::String(format_rfc3339(event.ts)));
    }
    serde_json::to_writer(&mut *out, &value).map_err(io::Error::other)?;
    writeln!(out)
}

/// The CSV header.
const CSV_COLUMNS: [&str; 23] = [
    "time",
    "ts",
    "sensor",
    "format",
    "event_type",
    "name",
    "signature",
    "classification",
    "severity",
    "proto",
    "src",
    "src_port",
    "dst",
    "dst_port",
    "bytes_up",
    "bytes_down",
    "duration",
    "program",
    "action",
    "detail",
    "file_index",
    "line",
    "raw",
];

/// Writes one event as a CSV row (RFC 4180 quoting).
fn write_csv(out: &mut impl Write, event: &Event) -> io::Result<()> {
    fn text<T: ToString>(value: &Option<T>) -> String {
        value.as_ref().map(ToString::to_string).unwrap_or_default()
    }
    let fields = [
        format_rfc3339(event.ts),
        event.ts.0.to_string(),
        text(&event.sensor),
        event.format.to_string(),
        event.event_type.to_string(),
        event.name.clone(),
        text(&event.signature),
        text(&event.classification),
        text(&event.severity),
        text(&event.proto),
        text(&event.src),
        text(&event.src_port),
        text(&event.dst),
        text(&event.dst_port),
        text(&event.bytes_up),
        text(&event.bytes_down),
        text(&event.duration),
        text(&event.program),
        text(&event.action),
        text(&event.detail),
        event.file_index.to_string(),
        event.line.to_string(),
        event.raw.clone(),
    ];
    let quoted: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
    writeln!(out, "{}", quoted.join(","))
}

/// Quotes a CSV field if it contains a comma, a quote or a line break.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parse_args_options_and_files() {
        let options =
            parse_args(&strings(&["--format", "csv", "--year", "2024", "--tz", "-0500", "a.log", "b.pcap"])).unwrap();
        assert_eq!(options.format, OutputFormat::Csv);
        assert_eq!(options.year, Some(2024));
        assert_eq!(options.tz_offset_secs, Some(-18_000));
        assert_eq!(options.files, ["a.log", "b.pcap"]);
    }

    #[test]
    fn parse_args_rejects_bad_values() {
        assert!(parse_args(&strings(&["--tz", "Europe/Paris", "a.log"])).unwrap_err().contains("not supported yet"));
        assert!(parse_args(&strings(&["--year", "twenty", "a.log"])).unwrap_err().contains("invalid --year"));
        assert!(parse_args(&strings(&["--format", "xml", "a.log"])).unwrap_err().contains("invalid --format"));
        assert_eq!(parse_args(&strings(&["--year", "2024"])).unwrap_err(), "no input files");
    }

    #[test]
    fn csv_field_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}

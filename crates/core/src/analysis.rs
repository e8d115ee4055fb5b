//! The whole-analysis driver: files in, one [`Report`] out.
//!
//! An [`Analyzer`] takes any number of capture and log files, each pushed as chunks of any
//! size (the page's worker pushes a few MiB at a time, the CLI reads files the same way). It
//! tells a capture from a log by the first four bytes (a pcap or pcapng magic number), frames
//! and decodes capture records, tracks connections across all files, reads log lines into
//! events, and keeps per-file counts so that every byte read is accounted for as parsed or
//! skipped with a reason. [`Analyzer::finish`] flushes the open connections and returns the
//! report, with one event stream in time order: every log event and one event per
//! connection.
//!
//! A file with neither a capture magic number nor text in its first KiB (random bytes, an
//! archive, an image) fails with an error, see [`not_text_message`].
//!
//! Year-less syslog lines take their year from the captures read before them, else from the
//! file's last-modified time ([`Analyzer::set_file_modified`]), else the user's setting; the
//! callers therefore push captures before logs.
//!
//! NOTE: files are analysed one after another, not merged by timestamp as Zeek merges several
//! `-r` inputs; connections that span two files join only when the second file continues
//! where the first stopped.

use crate::capture::{self, CaptureError, CaptureReader, RawPacket};
use crate::conn::{ConnConfig, ConnTable, Connection};
use crate::decode::{self, DecodeOutcome, Packet};
use crate::events::{self, Event};
use crate::logs::{LogCounts, LogOptions, LogReader, YearHint};
use crate::net::LocalNets;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Settings of one analysis.
#[derive(Clone, Debug)]
pub struct Config {
    /// The analyst's own networks, for `local_orig` / `local_resp`.
    pub local_nets: LocalNets,
    /// Connection tracking settings (timeouts, checksum checking).
    pub conn: ConnConfig,
    /// The year of year-less log lines, when the user sets it.
    pub log_year: Option<i32>,
    /// Offset from UTC, in seconds, of log times written without a zone (UTC when unset).
    pub log_tz_offset_secs: Option<i32>,
    /// Read files that are not captures as text logs; when false they fail as unrecognised.
    pub accept_logs: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            local_nets: LocalNets::default(),
            conn: ConnConfig::default(),
            log_year: None,
            log_tz_offset_secs: None,
            accept_logs: true,
        }
    }
}

/// A file that could not be read to its end, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The file's name as the caller gave it.
    pub file: String,
    /// Byte offset from the start of the file where the problem lies.
    pub offset: u64,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: byte {}: {}", self.file, self.offset, self.message)
    }
}

impl std::error::Error for InputError {}

/// What happened to one input file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileReport {
    /// The file's name as the caller gave it.
    pub name: String,
    /// The size the caller announced, in bytes (0 if unknown).
    pub size: u64,
    /// `pcap`, `pcapng` or `log` once detected.
    pub format: Option<&'static str>,
    /// Bytes pushed so far.
    pub bytes_read: u64,
    /// Packet records framed from this file.
    pub packets: u64,
    /// Records decoded into connection state.
    pub packets_parsed: u64,
    /// Records skipped, by reason.
    pub packets_skipped: BTreeMap<String, u64>,
    /// Input anomalies that did not stop reading, by name (e.g. `caplen_clamped`).
    pub anomalies: BTreeMap<String, u64>,
    /// The error that stopped reading this file, if any.
    pub error: Option<InputError>,
    /// Lines, events by format and type, unparsed lines and the assumed year, for a log.
    pub log: Option<LogCounts>,
}

/// Totals over all files.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Packet records framed.
    pub packets: u64,
    /// Records decoded into connection state.
    pub packets_parsed: u64,
    /// Records skipped, by reason.
    pub packets_skipped: BTreeMap<String, u64>,
    /// Input anomalies, by name.
    pub anomalies: BTreeMap<String, u64>,
    /// Files that stopped with an error.
    pub files_failed: u64,
    /// Connections in the report.
    pub connections: u64,
}

/// One time bucket of the activity chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActivityBucket {
    /// Start of the bucket, seconds since the epoch.
    pub start: i64,
    /// Packets seen in the bucket.
    pub packets: u64,
    /// IP-level bytes seen in the bucket.
    pub bytes: u64,
    /// Connections whose first packet falls in the bucket.
    pub connections: u64,
}

/// Activity over time, in equal buckets from the first to the last packet.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Width of every bucket, in seconds.
    pub bucket_secs: i64,
    /// The buckets, oldest first, with no gaps.
    pub buckets: Vec<ActivityBucket>,
}

/// The result of an analysis.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// One entry per file, in the order files were added.
    pub files: Vec<FileReport>,
    /// Totals over all files.
    pub counts: Counts,
    /// Every connection, ordered by start time.
    pub connections: Vec<Connection>,
    /// Every event, in time order: log events and one event per connection.
    pub events: Vec<Event>,
    /// Packets, bytes and new connections over time.
    pub activity: Activity,
}

/// Runs one analysis over any number of files.
pub struct Analyzer {
    config: Config,
    files: Vec<FileState>,
    decoder: decode::Decoder,
    table: ConnTable,
    activity: ActivityBuilder,
    log_events: Vec<Event>,
    /// First and last packet time seen so far, for the year of log lines.
    capture_range: Option<(Timestamp, Timestamp)>,
}

struct FileState {
    report: FileReport,
    reader: Reader,
    /// The first bytes, kept until there are enough to tell the format.
    head: Vec<u8>,
    modified: Option<Timestamp>,
    ended: bool,
}

/// What reads a file, once its first bytes are known.
enum Reader {
    Undecided,
    Capture(CaptureReader),
    Log(Box<LogReader>),
}

/// Activity bucket width before the range is known: one second, widened as the range grows.
const ACTIVITY_MAX_BUCKETS: usize = 2_000;

impl Analyzer {
    /// Starts an empty analysis.
    pub fn new(config: Config) -> Analyzer {
        let table = ConnTable::new(config.conn.clone(), config.local_nets.clone());
        Analyzer {
            config,
            files: Vec::new(),
            decoder: decode::Decoder::default(),
            table,
            activity: ActivityBuilder::default(),
            log_events: Vec::new(),
            capture_range: None,
        }
    }

    /// Returns the settings this analysis runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Adds a file and returns its index for [`Analyzer::push`]. `size` is the expected length
    /// in bytes, used only for progress (0 if unknown).
    pub fn begin_file(&mut self, name: &str, size: u64) -> usize {
        let report = FileReport { name: name.to_string(), size, ..FileReport::default() };
        self.files.push(FileState { report, reader: Reader::Undecided, head: Vec::new(), modified: None, ended: false });
        self.files.len() - 1
    }

    /// Sets a file's last-modified time, which gives year-less log lines their year when no
    /// capture was read before the log.
    pub fn set_file_modified(&mut self, file: usize, modified: Timestamp) {
        if let Some(state) = self.files.get_mut(file) {
            state.modified = Some(modified);
        }
    }

    /// Pushes the next chunk of a file. After an error the file is marked failed and later
    /// chunks of it are ignored; the error is returned once.
    pub fn push(&mut self, file: usize, chunk: &[u8]) -> Result<(), InputError> {
        let Some(state) = self.files.get_mut(file) else {
            return Err(unknown_file(file));
        };
        if state.report.error.is_some() || state.ended {
            return Ok(());
        }
        state.report.bytes_read += chunk.len() as u64;

        // Hold the first bytes until the format can be told from them.
        if matches!(state.reader, Reader::Undecided) {
            state.head.extend_from_slice(chunk);
            if state.head.len() < TEXT_SAMPLE_BYTES {
                return Ok(());
            }
            let head = std::mem::take(&mut state.head);
            self.decide(file, &head)?;
            return self.feed(file, &head);
        }
        self.feed(file, chunk)
    }

    /// Chooses the reader of a file from its first bytes: a capture by its magic number, a
    /// log when the bytes read as text (and logs are accepted), else an error.
    fn decide(&mut self, file: usize, head: &[u8]) -> Result<(), InputError> {
        let hint = match (self.capture_range, self.files[file].modified) {
            (Some((first, last)), _) => YearHint::CaptureRange { first, last },
            (None, Some(modified)) => YearHint::FileModified(modified),
            (None, None) => YearHint::None,
        };
        let state = &mut self.files[file];
        if capture::looks_like_capture(head) || head.is_empty() {
            state.reader = Reader::Capture(CaptureReader::new());
            return Ok(());
        }
        let binary = not_text_message(head);
        if !self.config.accept_logs || binary.is_some() {
            let message = binary.unwrap_or_else(|| not_capture_message(head));
            let error = InputError { file: state.report.name.clone(), offset: 0, message };
            state.report.error = Some(error.clone());
            return Err(error);
        }
        let options = LogOptions { year: self.config.log_year, tz_offset_secs: self.config.log_tz_offset_secs, year_hint: hint };
        state.report.format = Some("log");
        state.reader = Reader::Log(Box::new(LogReader::new(&state.report.name, file as u32, options)));
        Ok(())
    }

    /// Feeds a chunk to the file's reader.
    fn feed(&mut self, file: usize, chunk: &[u8]) -> Result<(), InputError> {
        let state = &mut self.files[file];
        match &mut state.reader {
            Reader::Undecided => Ok(()),
            Reader::Log(reader) => {
                let events = &mut self.log_events;
                reader.push(chunk, &mut |event| events.push(event));
                Ok(())
            }
            Reader::Capture(reader) => {
                let file_index = file as u32;
                let decoder = &mut self.decoder;
                let table = &mut self.table;
                let activity = &mut self.activity;
                let range = &mut self.capture_range;
                let report = &mut state.report;
                let result = reader.push(chunk, &mut |raw: &RawPacket| {
                    report.packets += 1;
                    let outcome = decoder.decode(raw, &mut |packet: &Packet| {
                        activity.add_packet(packet.ts, u64::from(packet.ip_len));
                        extend_range(range, packet.ts);
                        table.process(packet, file_index, raw.number);
                    });
                    match outcome {
                        DecodeOutcome::Delivered | DecodeOutcome::Pending => report.packets_parsed += 1,
                        DecodeOutcome::Skipped(reason) => {
                            *report.packets_skipped.entry(reason.as_str().to_string()).or_default() += 1;
                        }
                    }
                });
                report.format = reader.format();
                result.map_err(|error| Self::fail(state, error))
            }
        }
    }

    /// Marks a file as complete. A record cut off by the end of the file is reported here.
    pub fn end_file(&mut self, file: usize) -> Result<(), InputError> {
        let Some(state) = self.files.get_mut(file) else {
            return Err(unknown_file(file));
        };
        if state.report.error.is_some() || state.ended {
            return Ok(());
        }

        // A file shorter than four bytes is decided (and fed) now.
        if matches!(state.reader, Reader::Undecided) {
            let head = std::mem::take(&mut state.head);
            self.decide(file, &head)?;
            self.feed(file, &head)?;
        }
        let state = &mut self.files[file];
        state.ended = true;
        match &mut state.reader {
            Reader::Capture(reader) => reader.finish().map_err(|error| Self::fail(state, error)),
            Reader::Log(reader) => {
                let events = &mut self.log_events;
                reader.finish(&mut |event| events.push(event));
                state.report.log = Some(reader.counts().clone());
                Ok(())
            }
            Reader::Undecided => Ok(()),
        }
    }

    /// Records a capture error on a file and turns it into an [`InputError`].
    fn fail(state: &mut FileState, error: CaptureError) -> InputError {
        let error = InputError { file: state.report.name.clone(), offset: error.offset, message: error.to_string() };
        state.report.error = Some(error.clone());
        error
    }

    /// Returns the per-file reports so far (for progress messages).
    pub fn files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().map(|state| &state.report)
    }

    /// Flushes every open connection and returns the report.
    pub fn finish(mut self) -> Report {
        // A file never ended may still hold its first bytes undecided: read them now.
        for index in 0..self.files.len() {
            let state = &mut self.files[index];
            if matches!(state.reader, Reader::Undecided) && !state.head.is_empty() && state.report.error.is_none() {
                let head = std::mem::take(&mut state.head);
                if self.decide(index, &head).is_ok() {
                    // An error is recorded in the file's report.
                    let _ = self.feed(index, &head);
                }
            }
        }

        let mut counts = Counts::default();
        let mut files = Vec::with_capacity(self.files.len());
        for mut state in self.files.drain(..) {
            if let Reader::Capture(reader) = &state.reader {
                for (name, count) in reader.anomalies() {
                    *state.report.anomalies.entry(name.to_string()).or_default() += count;
                }
            }
            if let Reader::Log(reader) = &mut state.reader {
                // A log never ended still passes on the events it holds (finishing twice does nothing).
                let events = &mut self.log_events;
                reader.finish(&mut |event| events.push(event));
                state.report.log = Some(reader.counts().clone());
            }
            accumulate(&mut counts, &state.report);
            files.push(state.report);
        }
        for (name, count) in self.decoder.anomalies() {
            *counts.anomalies.entry(name.to_string()).or_default() += count;
        }
        for (name, count) in self.table.anomalies() {
            *counts.anomalies.entry(name.to_string()).or_default() += count;
        }

        let connections = self.table.finish();
        for conn in &connections {
            self.activity.add_connection(conn.ts);
        }
        counts.connections = connections.len() as u64;

        // One stream: log events and one event per connection, in time order.
        let mut events = std::mem::take(&mut self.log_events);
        events.extend(connections.iter().map(events::from_connection));
        events.sort_by_key(|event| (event.ts, event.file_index, event.line));
        Report { files, counts, connections, events, activity: self.activity.build() }
    }
}

/// The number of bytes at the start of a file that decide whether it reads as text.
pub const TEXT_SAMPLE_BYTES: usize = 1024;

/// Returns the message for a file that has no capture magic number, e.g. `not a pcap or
/// pcapng capture: unknown magic number 3c31333e`.
fn not_capture_message(head: &[u8]) -> String {
    let first_bytes = head[..head.len().min(4)].to_vec();
    CaptureError { offset: 0, kind: capture::CaptureErrorKind::UnknownFormat { first_bytes } }.to_string()
}

/// Returns the error message for a file that is neither a capture nor a text log, or `None`
/// when its first [`TEXT_SAMPLE_BYTES`] bytes read as text. Call it only for a file without a
/// capture magic number.
///
/// A byte counts against text when it is a control character other than tab, LF, FF, CR and
/// ESC (NUL and DEL included), or part of an invalid UTF-8 sequence. The sample is binary when
/// more than one in eight bytes is a control character, as in archives, images and UTF-16.
/// Random bytes are caught by the second test: a NUL or more than one in 32 control
/// characters, together with more than one in four bytes counting against text. A log with a
/// few invalid UTF-8 bytes or a stray NUL passes. So does a log in a legacy 8-bit code page,
/// which has no control characters.
pub fn not_text_message(head: &[u8]) -> Option<String> {
    let sample = &head[..head.len().min(TEXT_SAMPLE_BYTES)];
    if sample.is_empty() {
        return None;
    }
    let is_control = |byte: u8| (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | 0x0c | b'\r' | 0x1b)) || byte == 0x7f;
    let control = sample.iter().filter(|&&byte| is_control(byte)).count();
    let nul = sample.iter().filter(|&&byte| byte == 0).count();
    let invalid = invalid_utf8_bytes(sample);
    let non_text = control + invalid;
    let binary = control * 8 > sample.len() || ((nul > 0 || control * 32 > sample.len()) && non_text * 4 > sample.len());
    if !binary {
        return None;
    }
    let capture = not_capture_message(head);
    let (kind, reason) = capture.split_once(": ").unwrap_or((capture.as_str(), ""));
    Some(format!(
        "{kind} ({reason}) and not a text log: {non_text} of its first {} bytes are control characters \
         ({nul} NUL) or invalid UTF-8",
        sample.len()
    ))
}

/// Returns the number of bytes in invalid UTF-8 sequences; a sequence cut off by the end of
/// `bytes` does not count.
fn invalid_utf8_bytes(bytes: &[u8]) -> usize {
    let mut invalid = 0;
    let mut rest = bytes;
    while let Err(error) = std::str::from_utf8(rest) {
        let Some(length) = error.error_len() else { break };
        invalid += length;
        rest = &rest[error.valid_up_to() + length..];
    }
    invalid
}

/// Returns the error for a file index that was never given out.
fn unknown_file(file: usize) -> InputError {
    InputError { file: format!("file #{file}"), offset: 0, message: "unknown file index".into() }
}

/// Widens the capture time range to include `ts`.
fn extend_range(range: &mut Option<(Timestamp, Timestamp)>, ts: Timestamp) {
    *range = Some(match *range {
        None => (ts, ts),
        Some((first, last)) => (first.min(ts), last.max(ts)),
    });
}

/// Adds one file's counts to the totals.
fn accumulate(counts: &mut Counts, file: &FileReport) {
    counts.packets += file.packets;
    counts.packets_parsed += file.packets_parsed;
    for (reason, n) in &file.packets_skipped {
        *counts.packets_skipped.entry(reason.clone()).or_default() += n;
    }
    for (name, n) in &file.anomalies {
        *counts.anomalies.entry(name.clone()).or_default() += n;
    }
    if file.error.is_some() {
        counts.files_failed += 1;
    }
}

/// Collects per-second activity, then folds it into at most [`ACTIVITY_MAX_BUCKETS`] buckets.
#[derive(Default)]
struct ActivityBuilder {
    per_second: BTreeMap<i64, ActivityBucket>,
}

impl ActivityBuilder {
    fn add_packet(&mut self, ts: Timestamp, ip_bytes: u64) {
        let bucket = self.per_second.entry(ts.secs()).or_default();
        bucket.packets += 1;
        bucket.bytes += ip_bytes;
    }

    fn add_connection(&mut self, ts: Timestamp) {
        self.per_second.entry(ts.secs()).or_default().connections += 1;
    }

    /// Picks a bucket width from the range (a round number of seconds) and sums into it.
    fn build(self) -> Activity {
        let (Some((&first, _)), Some((&last, _))) = (self.per_second.first_key_value(), self.per_second.last_key_value())
        else {
            return Activity { bucket_secs: 1, buckets: Vec::new() };
        };
        let span = (last - first + 1).max(1);
        let bucket_secs = bucket_width(span, ACTIVITY_MAX_BUCKETS as i64);
        let origin = first.div_euclid(bucket_secs) * bucket_secs;
        let count = ((last - origin) / bucket_secs + 1) as usize;
        let mut buckets: Vec<ActivityBucket> =
            (0..count).map(|i| ActivityBucket { start: origin + i as i64 * bucket_secs, ..Default::default() }).collect();
        for (second, bucket) in self.per_second {
            let slot = &mut buckets[((second - origin) / bucket_secs) as usize];
            slot.packets += bucket.packets;
            slot.bytes += bucket.bytes;
            slot.connections += bucket.connections;
        }
        Activity { bucket_secs, buckets }
    }
}

/// Returns the smallest round bucket width (1 s, 5 s, ..., 1 day, then whole days) that
/// splits `span` seconds into at most `max_buckets` buckets.
pub fn bucket_width(span: i64, max_buckets: i64) -> i64 {
    const STEPS: [i64; 13] = [1, 5, 10, 30, 60, 300, 600, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400];
    for step in STEPS {
        if (span + step - 1) / step <= max_buckets {
            return step;
        }
    }
    let per_bucket = 86_400 * max_buckets;
    let days = ((span + per_bucket - 1) / per_bucket).max(1);
    days * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_width_picks_round_steps() {
        assert_eq!(bucket_width(10, 2_000), 1);
        assert_eq!(bucket_width(3 * 86_400, 2_000), 300);
        assert_eq!(bucket_width(4_000 * 86_400, 2_000), 2 * 86_400);
    }

    /// Returns `len` bytes of a fixed pseudo-random sequence (xorshift), the same every run.
    fn random_bytes(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn random_bytes_fail_as_not_text() {
        let data = random_bytes(5_000);
        let mut analyzer = Analyzer::new(Config::default());
        let file = analyzer.begin_file("bad_random.bin", data.len() as u64);
        let mut first_error = None;
        for chunk in data.chunks(100) {
            if let Err(error) = analyzer.push(file, chunk) {
                first_error.get_or_insert(error);
            }
        }
        analyzer.end_file(file).unwrap();
        let error = first_error.expect("random bytes are rejected");
        assert_eq!(error.file, "bad_random.bin");
        assert_eq!(error.offset, 0);
        assert!(error.message.starts_with("not a pcap or pcapng capture (unknown magic number "), "{}", error.message);
        assert!(error.message.contains(") and not a text log: "), "{}", error.message);
        let report = analyzer.finish();
        assert_eq!(report.counts.files_failed, 1);
        assert!(report.events.is_empty());
    }

    #[test]
    fn text_with_stray_bytes_reads_as_log() {
        let mut text = b"<13>Mar  6 04:07:28 host app: caf\xe9 opened\n".repeat(30);
        text[100] = 0;
        assert_eq!(not_text_message(&text), None);
        let code_page: Vec<u8> = b"Mar  6 04:07:28 host app: ".iter().copied().chain((0xc0..0xff).cycle().take(900)).collect();
        assert_eq!(not_text_message(&code_page), None);
        let utf16: Vec<u8> = "Mar  6 04:07:28 host app: x\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(not_text_message(&utf16).is_some());
    }

    #[test]
    fn unended_log_keeps_held_events() {
        // With a modification time the reader holds year-less lines until the file's end.
        let mut analyzer = Analyzer::new(Config::default());
        let file = analyzer.begin_file("syslog.log", 0);
        analyzer.set_file_modified(file, Timestamp::from_secs(1_785_585_600));
        analyzer.push(file, b"Mar  6 04:07:28 host app: one\nMar  6 04:07:29 host app: two\n").unwrap();
        let report = analyzer.finish();
        assert_eq!(report.events.len(), 2);
        assert_eq!(report.files[0].log.as_ref().map(|log| log.assumed_year), Some(Some(2026)));
    }

    #[test]
    fn activity_buckets_have_no_gaps() {
        let mut builder = ActivityBuilder::default();
        builder.add_packet(Timestamp::from_secs(100), 60);
        builder.add_packet(Timestamp::from_secs(103), 40);
        let activity = builder.build();
        assert_eq!(activity.bucket_secs, 1);
        assert_eq!(activity.buckets.len(), 4);
        assert_eq!(activity.buckets[3].bytes, 40);
    }
}

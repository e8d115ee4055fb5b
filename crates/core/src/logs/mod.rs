//! Log files read line by line into [`Event`]s, with the format detected per line.
//!
//! A [`LogReader`] takes one file's bytes in chunks of any size, the way the capture reader
//! does, so a large export never sits whole in memory. Lines may straddle chunks; CRLF, a
//! missing final newline, NUL bytes (removed and counted) and invalid UTF-8 (decoded lossily
//! and counted) are all accepted. Each line is matched against the grammars below in this
//! order, so one syslog file may mix senders:
//!
//! | line starts with | grammar | module |
//! |---|---|---|
//! | `{` | Suricata eve.json, Snort 3 `alert_json` | [`suricata`], [`snort`] |
//! | `CEF:` | Common Event Format | [`cef`] |
//! | `MM/DD[/YY[YY]]-hh:mm:ss` | Snort/Suricata fast alerts, pfSense CSV, Snort 3 `alert_csv` | [`snort`] |
//! | `<PRI>1 ` | RFC 5424 syslog | [`rfc5424`] |
//! | `<PRI>`, `Mmm dd`, RFC 3339 time | BSD syslog and rsyslog file templates | [`rfc3164`] |
//! | `gid:sid:rev "msg"` | Snort 3 `alert_ex` (no time) | [`snort`] |
//! | `[**] [gid:sid:rev]` | Snort "alert full", several lines up to a blank line | `full_alert` |
//!
//! Inside a syslog message, the tag and the text pick the record kind. The tag `snort` (or a
//! message opening with `[gid:sid:rev]`) marks an alert, `nnm`/`pvs` an [`nnm`] record, `tnm`
//! a [`session_monitor`] record, `CEF:` a [`cef`] record and `suricata` with JSON an eve
//! record. Anything else is a plain syslog event. Messages that rsyslog's forwarding templates concatenate on
//! one line (`...text<14>2021-03-06T04:07:33Z host ...`) are split at each `<PRI>` followed
//! by a time.
//!
//! Nothing is dropped silently. A line that matches no grammar becomes an
//! [`EventType::Unparsed`] event with its line number and the reason, and is counted. A line
//! that matches nothing and carries no time of day near its start, right after a plain
//! syslog event, is a continuation of that multi-line message (as plaso reads it). It is
//! appended to that event and counted in [`LogCounts::continuation_lines`].
//!
//! Year-less times (RFC 3164, Snort fast alerts without `-y`) get their year from
//! [`datetime::YearResolver`], seeded by [`LogOptions::year`] or the [`YearHint`]. Zone-less
//! times are read at [`LogOptions::tz_offset_secs`] (UTC when unset). [`LogCounts`] records
//! the year and zone assumed.
//!
//! The resolver counts December-to-January roll-overs line by line, so the years inside a
//! file stay in order. With a hint, the reader holds the file's events until its end and
//! then shifts all of its year-less times by whole years (see [`year_shift`]): with the
//! file's last-modified time, to the latest years that put no line after that time (one day
//! of slack covers clock skew and zones), the rule syslog readers follow; with a capture
//! range, to the years that keep the lines nearest that range.

pub mod cef;
pub mod datetime;
mod full_alert;
pub mod nnm;
pub mod rfc3164;
pub mod rfc5424;
pub mod session_monitor;
pub mod snort;
pub mod suricata;

use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;
use datetime::{LocalTime, YearResolver, DEFAULT_YEAR, SECS_PER_DAY};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The maximum line length kept whole, in bytes. A longer run without a newline is cut here,
/// and each piece is read as its own line (counted in [`LogCounts::lines_cut`]).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The maximum number of line errors kept in [`LogCounts::errors`]; later ones are only counted.
pub const MAX_KEPT_ERRORS: usize = 1000;

/// One RFC 5424 SD-ELEMENT: its SD-ID and its parameters with escapes undone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SdElement {
    /// The SD-ID, e.g. `exampleSDID@32473`.
    pub id: String,
    /// The `name="value"` pairs, in order.
    pub params: Vec<(String, String)>,
}

/// The parts of one syslog message, borrowed from its line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyslogMessage<'a> {
    /// PRI (facility × 8 + severity), when the line has one.
    pub pri: Option<u8>,
    /// The header time, when the line has one.
    pub time: Option<LocalTime>,
    /// HOSTNAME.
    pub host: Option<&'a str>,
    /// TAG without its pid (RFC 3164), or APP-NAME (RFC 5424).
    pub program: Option<&'a str>,
    /// The pid in `TAG[pid]`, or PROCID.
    pub pid: Option<&'a str>,
    /// MSGID (RFC 5424 only).
    pub msgid: Option<&'a str>,
    /// STRUCTURED-DATA (RFC 5424 only).
    pub structured_data: Vec<SdElement>,
    /// Everything after the HOSTNAME, tag included (where a bare `CEF:` record starts).
    pub content: &'a str,
    /// MSG: the text after the tag.
    pub message: &'a str,
    /// A severity word in the HOSTNAME position (ChromeOS writes `INFO`, `ERR`, ...).
    pub level: Option<&'a str>,
}

/// When a parsed record happened, before year and zone are applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordTime {
    /// A wall-clock time that may lack a year or a zone.
    Local(LocalTime),
    /// A time already in UTC.
    Absolute(Timestamp),
    /// The record has no time; it takes the previous record's time in the file.
    Missing,
}

/// One parsed record: its time and its event (whose `ts` is set when the time is resolved).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// When it happened.
    pub time: RecordTime,
    /// The event, with every field but `ts`, `file_index`, `line` and `raw` filled in.
    pub event: Event,
}

/// The known time range of a file, used to give year-less lines a year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YearHint {
    /// Nothing: year-less lines get [`DEFAULT_YEAR`].
    #[default]
    None,
    /// The time range of the captures loaded with the log: the year-less lines get the years
    /// that put them, taken together, closest to this range.
    CaptureRange {
        /// The first packet's time.
        first: Timestamp,
        /// The last packet's time.
        last: Timestamp,
    },
    /// The file's last-modified time: the year-less lines get the latest years that put none
    /// of them after this time (one day of slack covers clock skew and zone differences).
    FileModified(Timestamp),
}

/// Settings of one log file's reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The year of the first year-less line, set by the user; overrides the hint.
    pub year: Option<i32>,
    /// Offset from UTC, in seconds, for times written without a zone (UTC when `None`).
    pub tz_offset_secs: Option<i32>,
    /// The known time range of the file.
    pub year_hint: YearHint,
}

/// A line that did not become a normal event, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// The file's name as the caller gave it.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The problem, in plain words.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for LineError {}

/// Per-file counts of lines, events and anomalies.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogCounts {
    /// The file's name as the caller gave it.
    pub file: String,
    /// Bytes pushed.
    pub bytes: u64,
    /// Lines read (a final line without a newline counts).
    pub lines: u64,
    /// Empty or whitespace-only lines, which yield no event.
    pub blank_lines: u64,
    /// Lines appended to the previous syslog message as its continuation.
    pub continuation_lines: u64,
    /// Events emitted, by source format (unparsed lines under `unparsed`).
    pub events_by_format: BTreeMap<SourceFormat, u64>,
    /// Events emitted, by type.
    pub events_by_type: BTreeMap<EventType, u64>,
    /// Lines or line pieces that matched no grammar.
    pub unparsed: u64,
    /// Records without a time, which took the previous record's time.
    pub no_timestamp: u64,
    /// Lines with invalid UTF-8, decoded with replacement characters.
    pub lossy_lines: u64,
    /// NUL bytes removed.
    pub nul_bytes: u64,
    /// Lines cut at [`MAX_LINE_BYTES`].
    pub lines_cut: u64,
    /// True if and only if the file did not end with a newline.
    pub missing_final_newline: bool,
    /// The year given to the first year-less line, once one was seen (after the shift that
    /// the hint asks for, see [`year_shift`]).
    pub assumed_year: Option<i32>,
    /// The source of that year: `option`, `capture`, `file_modified` or `default`.
    pub year_source: &'static str,
    /// Year roll-overs (December to January) seen inside the file.
    pub year_rollovers: i32,
    /// The offset from UTC applied to zone-less times, in seconds.
    pub tz_offset_secs: i32,
    /// The first [`MAX_KEPT_ERRORS`] line errors.
    pub errors: Vec<LineError>,
}

/// Reads one log file, chunk by chunk, into events.
pub struct LogReader {
    options: LogOptions,
    file_index: u32,
    partial: Vec<u8>,
    line_number: u64,
    counts: LogCounts,
    years: YearResolver,
    last_ts: Option<Timestamp>,
    /// The year-less time behind `last_ts` and the year it was given, if it had no year.
    last_local: Option<(LocalTime, i32)>,
    open_event: Option<Event>,
    /// The year-less time behind the open event's time, as `last_local`.
    open_local: Option<(LocalTime, i32)>,
    /// Events held until the end of the file, when a hint may shift their years.
    held: Vec<(Event, Option<(LocalTime, i32)>)>,
    full_alert: Option<full_alert::FullAlert>,
    finished: bool,
}

impl LogReader {
    /// Creates a reader for the file `file_name`, the `file_index`-th input.
    pub fn new(file_name: &str, file_index: u32, options: LogOptions) -> LogReader {
        let year_source = match (options.year, options.year_hint) {
            (Some(_), _) => "option",
            (None, YearHint::CaptureRange { .. }) => "capture",
            (None, YearHint::FileModified(_)) => "file_modified",
            (None, YearHint::None) => "default",
        };
        let counts = LogCounts {
            file: file_name.to_string(),
            year_source,
            tz_offset_secs: options.tz_offset_secs.unwrap_or(0),
            ..LogCounts::default()
        };
        LogReader {
            options,
            file_index,
            partial: Vec::new(),
            line_number: 0,
            counts,
            years: YearResolver::new(options.year),
            last_ts: None,
            last_local: None,
            open_event: None,
            open_local: None,
            held: Vec::new(),
            full_alert: None,
            finished: false,
        }
    }

    /// Returns the counts so far (complete after [`LogReader::finish`]).
    pub fn counts(&self) -> &LogCounts {
        &self.counts
    }

    /// Reads a chunk; calls `on_event` for each event completed so far. An event is passed on
    /// once the next line shows it has no continuation lines, so the last one waits for
    /// [`LogReader::finish`].
    pub fn push(&mut self, chunk: &[u8], on_event: &mut dyn FnMut(Event)) {
        self.counts.bytes += chunk.len() as u64;
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|&byte| byte == b'\n') {
            self.partial.extend_from_slice(&rest[..newline]);
            self.take_line(on_event);
            rest = &rest[newline + 1..];
        }
        self.partial.extend_from_slice(rest);
        while self.partial.len() > MAX_LINE_BYTES {
            let tail = self.partial.split_off(MAX_LINE_BYTES);
            self.counts.lines_cut += 1;
            self.take_line(on_event);
            self.partial = tail;
        }
    }

    /// Reads the last line if it had no newline and passes on the open_event event. Calling it
    /// again does nothing.
    pub fn finish(&mut self, on_event: &mut dyn FnMut(Event)) {
        if self.finished {
            return;
        }
        self.finished = true;
        if !self.partial.is_empty() {
            self.counts.missing_final_newline = true;
            self.take_line(on_event);
        }
        self.close_full_alert(on_event);
        if let Some(event) = self.open_event.take() {
            let local = self.open_local.take();
            self.pass_on(event, local, on_event);
        }

        // Shift the held year-less times by the hint's rule, then pass every held event on.
        let held = std::mem::take(&mut self.held);
        let locals: Vec<(LocalTime, i32)> = held.iter().filter_map(|(_, local)| *local).collect();
        let offset = self.options.tz_offset_secs.unwrap_or(0);
        let shift = year_shift(self.options.year_hint, &locals, offset, self.years.rollovers());
        for (mut event, local) in held {
            if let Some((time, year)) = local.filter(|_| shift != 0) {
                if let Ok(ts) = time.to_timestamp(year + shift, offset) {
                    event.ts = ts;
                }
            }
            on_event(event);
        }
        self.counts.assumed_year = self.years.base_year().map(|year| year + shift);
        self.counts.year_rollovers = self.years.rollovers();
    }

    /// Passes a finished event on. With a year hint, the event waits in `held` until the end
    /// of the file, because the hint may still shift the year of its time.
    fn pass_on(&mut self, event: Event, local: Option<(LocalTime, i32)>, on_event: &mut dyn FnMut(Event)) {
        let hinted = self.options.year.is_none() && self.options.year_hint != YearHint::None;
        if hinted {
            self.held.push((event, local));
        } else {
            on_event(event);
        }
    }

    /// Decodes the buffered line and reads it.
    fn take_line(&mut self, on_event: &mut dyn FnMut(Event)) {
        let mut bytes = std::mem::take(&mut self.partial);
        self.line_number += 1;
        self.counts.lines += 1;
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let nul_count = bytes.iter().filter(|&&byte| byte == 0).count();
        if nul_count > 0 {
            self.counts.nul_bytes += nul_count as u64;
            bytes.retain(|&byte| byte != 0);
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                self.counts.lossy_lines += 1;
                String::from_utf8_lossy(error.as_bytes()).into_owned()
            }
        };
        let text = if self.line_number == 1 { text.trim_start_matches('\u{feff}') } else { &text };
        self.read_line(text, on_event);
    }

    /// Reads one decoded line: splits concatenated syslog messages, parses each piece.
    fn read_line(&mut self, text: &str, on_event: &mut dyn FnMut(Event)) {
        if text.trim().is_empty() {
            self.counts.blank_lines += 1;
            self.close_full_alert(on_event);
            return;
        }
        if let Some(alert) = full_alert::FullAlert::start(text, self.line_number) {
            self.close_full_alert(on_event);
            self.full_alert = Some(alert);
            return;
        }
        if let Some(alert) = self.full_alert.as_mut() {
            // A line that is a record of its own ends the "alert full" record early.
            let own_record = datetime::alert_time(text.trim_start()).is_err() && parse_line(text).is_ok();
            if !own_record {
                alert.add_line(text);
                return;
            }
            self.close_full_alert(on_event);
        }
        for (index, piece) in split_forwarded(text).into_iter().enumerate() {
            match parse_line(piece) {
                Ok(record) => self.emit(record, piece, on_event),
                Err(_) if index == 0 && self.is_continuation(piece) => self.append_continuation(piece),
                Err(reason) => self.emit_unparsed(piece, reason, on_event),
            }
        }
    }

    /// Emits the Snort "alert full" record being assembled, if any.
    fn close_full_alert(&mut self, on_event: &mut dyn FnMut(Event)) {
        if let Some(alert) = self.full_alert.take() {
            let (record, raw, line) = alert.into_record();
            self.emit_at(record, &raw, line, on_event);
        }
    }

    /// Returns true if and only if `piece` reads as the next line of the open syslog message.
    fn is_continuation(&self, piece: &str) -> bool {
        let follows_syslog = self.open_event.as_ref().is_some_and(|event| event.format == SourceFormat::Syslog);
        follows_syslog && !has_clock_near_start(piece)
    }

    /// Appends a continuation line to the open_event message.
    fn append_continuation(&mut self, piece: &str) {
        self.counts.continuation_lines += 1;
        if let Some(event) = self.open_event.as_mut() {
            event.name.push('\n');
            event.name.push_str(piece);
            event.raw.push('\n');
            event.raw.push_str(piece);
        }
    }

    /// Resolves a record's time and passes the previous event on.
    fn emit(&mut self, record: Record, raw: &str, on_event: &mut dyn FnMut(Event)) {
        self.emit_at(record, raw, self.line_number, on_event);
    }

    /// Emits a record that started at line `line`.
    fn emit_at(&mut self, record: Record, raw: &str, line: u64, on_event: &mut dyn FnMut(Event)) {
        let ts = match self.resolve_time(record.time) {
            Ok(ts) => ts,
            Err(reason) => return self.emit_unparsed(raw, reason, on_event),
        };
        let mut event = record.event;
        event.ts = ts;
        self.last_ts = Some(ts);
        self.finish_event(event, raw, line, on_event);
    }

    /// Keeps an unparsed line as an event, counts it and records the error.
    fn emit_unparsed(&mut self, raw: &str, reason: String, on_event: &mut dyn FnMut(Event)) {
        self.counts.unparsed += 1;
        if self.counts.errors.len() < MAX_KEPT_ERRORS {
            let error = LineError { file: self.counts.file.clone(), line: self.line_number, message: reason.clone() };
            self.counts.errors.push(error);
        }
        let ts = self.last_ts.unwrap_or_default();
        let mut event = Event::new(ts, SourceFormat::Unparsed, EventType::Unparsed, "unparsed line".to_string());
        event.detail = Some(reason);
        self.finish_event(event, raw, self.line_number, on_event);
    }

    /// Stamps the event with its origin, counts it and keeps it open for continuation lines.
    fn finish_event(&mut self, mut event: Event, raw: &str, line: u64, on_event: &mut dyn FnMut(Event)) {
        event.file_index = self.file_index;
        event.line = line;
        event.raw = raw.to_string();
        *self.counts.events_by_format.entry(event.format).or_default() += 1;
        *self.counts.events_by_type.entry(event.event_type).or_default() += 1;
        let local = std::mem::replace(&mut self.open_local, self.last_local);
        if let Some(previous) = self.open_event.replace(event) {
            self.pass_on(previous, local, on_event);
        }
    }

    /// Turns a record time into UTC, inferring the year and applying the zone where needed.
    fn resolve_time(&mut self, time: RecordTime) -> Result<Timestamp, String> {
        let offset = self.options.tz_offset_secs.unwrap_or(0);
        match time {
            RecordTime::Absolute(ts) => {
                self.last_local = None;
                Ok(ts)
            }
            RecordTime::Missing => {
                self.counts.no_timestamp += 1;
                Ok(self.last_ts.unwrap_or_default())
            }
            RecordTime::Local(local) if local.year.is_some() => {
                let ts = local.to_timestamp(0, offset)?;
                self.last_local = None;
                Ok(ts)
            }
            RecordTime::Local(local) => {
                let hint = self.options.year_hint;
                let year = self.years.resolve(&local, |first| choose_base_year(hint, offset, first));
                let ts = local.to_timestamp(year, offset)?;
                self.last_local = Some((local, year));
                Ok(ts)
            }
        }
    }
}

/// Picks the year of the first year-less line from the hint (see [`YearHint`]).
pub fn choose_base_year(hint: YearHint, offset: i32, first: &LocalTime) -> i32 {
    match hint {
        YearHint::None => DEFAULT_YEAR,
        YearHint::CaptureRange { first: start, last: end } => {
            let year = datetime::year_of(start);
            let distance = |candidate: i32| match first.to_timestamp(candidate, offset) {
                Ok(ts) if ts < start => start.since(ts),
                Ok(ts) if ts > end => ts.since(end),
                Ok(_) => 0,
                Err(_) => i64::MAX,
            };
            [year, year.saturating_sub(1), year.saturating_add(1)]
                .into_iter()
                .min_by_key(|&candidate| distance(candidate))
                .unwrap_or(year)
        }
        YearHint::FileModified(modified) => {
            let year = datetime::year_of(modified);
            let limit = modified.plus_nanos(SECS_PER_DAY * crate::time::NANOS_PER_SEC);
            match first.to_timestamp(year, offset) {
                Ok(ts) if ts > limit => year.saturating_sub(1),
                _ => year,
            }
        }
    }
}

/// Returns the whole number of years (zero or negative) to add to every year-less time of a
/// file, given each such time with the year the line-by-line resolver gave it.
///
/// The resolver starts from the first line and adds a year at each December-to-January
/// roll-over, so a file whose months jump back (lines out of order, or a year's gap) can end
/// up in the future. With [`YearHint::FileModified`], the shift is the largest one that puts
/// no line after the modification time plus one day. With [`YearHint::CaptureRange`], it is
/// the shift with the least total distance from the range. Both try zero down to one more
/// than the roll-overs, and ties go to the shift nearer zero. A shift under which a line's date does not exist
/// (29 February) is skipped.
pub fn year_shift(hint: YearHint, locals: &[(LocalTime, i32)], offset: i32, rollovers: i32) -> i32 {
    if locals.is_empty() {
        return 0;
    }
    let times = |shift: i32| -> Option<Vec<Timestamp>> {
        locals.iter().map(|(time, year)| time.to_timestamp(year + shift, offset).ok()).collect()
    };
    let candidates = (0..=rollovers.clamp(0, 64) + 1).map(|step| -step);
    match hint {
        YearHint::None => 0,
        YearHint::FileModified(modified) => {
            let limit = modified.plus_nanos(SECS_PER_DAY * crate::time::NANOS_PER_SEC);
            candidates
                .filter_map(|shift| times(shift).map(|list| (shift, list)))
                .find(|(_, list)| list.iter().all(|&ts| ts <= limit))
                .map_or(0, |(shift, _)| shift)
        }
        YearHint::CaptureRange { first, last } => {
            let distance = |ts: Timestamp| -> i128 {
                if ts < first {
                    i128::from(first.since(ts))
                } else if ts > last {
                    i128::from(ts.since(last))
                } else {
                    0
                }
            };
            candidates
                .filter_map(|shift| times(shift).map(|list| (shift, list.into_iter().map(distance).sum::<i128>())))
                .min_by_key(|&(shift, total)| (total, -shift))
                .map_or(0, |(shift, _)| shift)
        }
    }
}

/// Returns true if and only if an `hh:mm:ss` time of day appears in the first 40 bytes,
/// the mark of a header this reader failed to match rather than a message's next line.
fn has_clock_near_start(text: &str) -> bool {
    let bytes = text.as_bytes();
    let window = &bytes[..bytes.len().min(40)];
    window.windows(8).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
            && w[5] == b':'
            && w[6].is_ascii_digit()
            && w[7].is_ascii_digit()
    })
}

/// Splits a line at each `<PRI>` that is followed by a syslog time, after the first byte.
fn split_forwarded(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (index, _) in text.match_indices('<').filter(|(index, _)| *index > 0) {
        let candidate = &text[index..];
        let Ok((after_pri, _)) = rfc3164::pri(candidate) else { continue };
        let timed = datetime::rfc3339(after_pri).is_ok()
            || datetime::rfc3164_time(after_pri).is_ok()
            || after_pri.starts_with("1 ") && datetime::rfc3339(&after_pri[2..]).is_ok();
        if timed {
            pieces.push(&text[start..index]);
            start = index;
        }
    }
    pieces.push(&text[start..]);
    pieces.retain(|piece| !piece.trim().is_empty());
    pieces
}

/// Parses one line (or one piece of a line) with the first grammar that matches.
pub fn parse_line(text: &str) -> Result<Record, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return parse_json_line(trimmed);
    }
    if let Some(record) = parse_cef_bare(trimmed) {
        return Ok(record);
    }
    if datetime::alert_time(trimmed).is_ok() {
        return snort::parse_fast(trimmed)
            .or_else(|| snort::parse_snort3_csv(trimmed))
            .or_else(|| snort::parse_pfsense_csv(trimmed))
            .ok_or_else(|| "alert line matches no Snort or Suricata layout".to_string());
    }
    if let Some(message) = rfc5424::parse(text).or_else(|| rfc3164::parse(text)) {
        return Ok(syslog_record(message));
    }
    if let Some(record) = snort::parse_snort3_alert_ex(trimmed) {
        return Ok(record);
    }
    if let Some(record) = parse_tagged_alert(trimmed) {
        return Ok(record);
    }
    Err("no known log format matches".to_string())
}

/// Parses a JSON line: a Suricata eve record, or a Snort 3 `alert_json` record.
fn parse_json_line(text: &str) -> Result<Record, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| suricata::EveError::InvalidJson(error.to_string()).to_string())?;
    if value.get("event_type").is_some() {
        return suricata::parse_eve(&value).map_err(|error| error.to_string());
    }
    snort::parse_snort3_json(&value)
        .ok_or_else(|| "JSON object is neither a Suricata eve record nor a Snort 3 alert_json record".to_string())
}

/// Parses `TAG: [gid:sid:rev] ...`, a Snort alert whose syslog time and host were cut off
/// (as decoder examples quote them); the record takes the previous record's time.
fn parse_tagged_alert(text: &str) -> Option<Record> {
    let (tag, body) = text.split_once(": ")?;
    if tag.is_empty() || tag.contains(' ') {
        return None;
    }
    let alert = snort::parse_alert_text(body)?;
    let format = if alert.quoted { SourceFormat::Snort3 } else { SourceFormat::Snort };
    let mut event = alert.into_event(format);
    event.program = Some(tag.split('[').next().unwrap_or(tag).to_string());
    Some(Record { time: RecordTime::Missing, event })
}

/// Parses a bare CEF line.
fn parse_cef_bare(text: &str) -> Option<Record> {
    if !text.starts_with("CEF:") {
        return None;
    }
    let (event, time) = cef::parse(text)?;
    Some(Record { time: time.map_or(RecordTime::Missing, RecordTime::Absolute), event })
}

/// Builds the record of a syslog message, reading the sensor record inside it if any.
fn syslog_record(message: SyslogMessage<'_>) -> Record {
    let header_time = message.time.map_or(RecordTime::Missing, RecordTime::Local);
    let program = message.program.unwrap_or_default().to_ascii_lowercase();
    let (mut event, time) = match inner_record(&message, &program) {
        Some((event, Some(time))) => (event, time),
        Some((event, None)) => (event, header_time),
        None => (plain_syslog_event(&message), header_time),
    };
    if event.sensor.is_none() {
        event.sensor = message.host.map(str::to_string);
    }
    if event.program.is_none() || event.format != SourceFormat::SuricataEve {
        event.program = message.program.map(str::to_string);
    }
    Record { time, event }
}

/// Reads the record a syslog message carries, picked by its tag and text.
fn inner_record(message: &SyslogMessage<'_>, program: &str) -> Option<(Event, Option<RecordTime>)> {
    let body = message.message.trim_start();
    if message.content.starts_with("CEF:") {
        let (event, time) = cef::parse(message.content)?;
        return Some((event, time.map(RecordTime::Absolute)));
    }
    match program {
        "nnm" | "pvs" => return nnm::parse(body).map(|event| (event, None)),
        "tnm" => {
            let (event, time) = session_monitor::parse(body)?;
            return Some((event, time.map(RecordTime::Absolute)));
        }
        _ => {}
    }
    if body.starts_with('{') && program.contains("suricata") {
        let record = suricata::parse_eve_line(body).ok()?;
        return Some((record.event, Some(record.time)));
    }
    let alert = snort::parse_alert_text(body)?;
    let format = if alert.quoted {
        SourceFormat::Snort3
    } else if program.contains("suricata") {
        SourceFormat::SuricataFast
    } else {
        SourceFormat::Snort
    };
    Some((alert.into_event(format), None))
}

/// Builds a plain syslog event: the message is the name, PRI's severity the severity.
fn plain_syslog_event(message: &SyslogMessage<'_>) -> Event {
    let name = if message.message.is_empty() { message.content } else { message.message };
    let mut event = Event::new(Timestamp(0), SourceFormat::Syslog, EventType::Syslog, name.to_string());
    event.severity = message.pri.map(|pri| pri & 7);
    if !message.structured_data.is_empty() {
        let rendered: Vec<String> = message
            .structured_data
            .iter()
            .map(|element| {
                let params: Vec<String> =
                    element.params.iter().map(|(key, value)| format!("{key}={value:?}")).collect();
                format!("[{} {}]", element.id, params.join(" "))
            })
            .collect();
        event.detail = Some(rendered.concat());
    }
    event
}

//! The event table's question: one page of the report's merged events under the table's
//! filters.
//!
//! The events are those `wormscope events` writes for the same files: every log record (an
//! unparsed line included, typed `unparsed`) and one event per connection. Rows keep the
//! source's own text (`raw`), which is hostile input: the page must put it in with
//! `textContent` only.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use wasm_bindgen::prelude::*;
use wormscope_core::events::{Event, EventType};
use wormscope_core::time::Timestamp;

use crate::investigation::seconds;
use crate::Analysis;

/// Rows returned when the query gives no limit.
pub const DEFAULT_LIMIT: usize = 100;

/// The largest page the table may ask for, so that one answer stays small.
pub const MAX_LIMIT: usize = 1000;

/// The event table's filters. Every key is optional; an empty string or list means no filter.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    /// Index of the first matching row to return.
    #[serde(default)]
    pub offset: usize,
    /// Rows to return, at most [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Keep only these event types (snake_case names, `unparsed` included).
    #[serde(default)]
    pub types: Vec<String>,
    /// Keep only events with this address as source or destination.
    #[serde(default)]
    pub host: Option<String>,
    /// Keep only events with this port on either side (never ICMP, whose "ports" are the
    /// message type and code).
    #[serde(default)]
    pub port: Option<u16>,
    /// Keep only events whose name, raw text, classification or detail contains this text,
    /// compared in lower case.
    #[serde(default)]
    pub text: Option<String>,
    /// Keep only events from the file with this index (order the files were read in).
    #[serde(default)]
    pub file: Option<u32>,
    /// Keep only events at this line (logs) or first packet number (captures).
    #[serde(default)]
    pub line: Option<u64>,
    /// Start of the time range, inclusive, in seconds since the epoch.
    #[serde(default)]
    pub from: Option<f64>,
    /// End of the time range, exclusive, in seconds since the epoch.
    #[serde(default)]
    pub to: Option<f64>,
}

/// The query checked and converted to the core's types.
#[derive(Debug)]
struct EventFilter {
    types: Option<Vec<EventType>>,
    host: Option<IpAddr>,
    port: Option<u16>,
    text: Option<String>,
    file: Option<u32>,
    line: Option<u64>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl EventsQuery {
    /// Checks the filters, or names the one that is invalid.
    fn to_filter(&self) -> Result<EventFilter, String> {
        let host = match self.host.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => Some(text.parse::<IpAddr>().map_err(|_| format!("'{text}' is not an IP address"))?),
            None => None,
        };
        let types = if self.types.is_empty() {
            None
        } else {
            let mut types = Vec::with_capacity(self.types.len());
            for name in &self.types {
                let found = EventType::ALL.iter().copied().find(|kind| kind.as_str() == name);
                types.push(found.ok_or_else(|| format!("unknown event type '{name}'"))?);
            }
            Some(types)
        };
        let text = self.text.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_lowercase);
        Ok(EventFilter {
            types,
            host,
            port: self.port,
            text,
            file: self.file,
            line: self.line,
            from: self.from.map(seconds).transpose()?,
            to: self.to.map(seconds).transpose()?,
        })
    }
}

impl EventFilter {
    /// Returns true if and only if the event passes every filter that is set.
    fn matches(&self, event: &Event) -> bool {
        self.types.as_ref().is_none_or(|types| types.contains(&event.event_type))
            && self.host.is_none_or(|host| event.src == Some(host) || event.dst == Some(host))
            && self.port.is_none_or(|port| port_matches(event, port))
            && self.file.is_none_or(|file| event.file_index == file)
            && self.line.is_none_or(|line| event.line == line)
            && self.from.is_none_or(|from| event.ts >= from)
            && self.to.is_none_or(|to| event.ts < to)
            && self.text.as_deref().is_none_or(|text| text_matches(event, text))
    }
}

/// Returns true if and only if the event is not ICMP and has `port` on either side.
fn port_matches(event: &Event, port: u16) -> bool {
    if matches!(event.proto.as_deref(), Some("icmp" | "ipv6-icmp" | "icmp6")) {
        return false;
    }
    event.src_port == Some(port) || event.dst_port == Some(port)
}

/// Returns true if and only if `needle` (already in lower case) occurs in the event's name,
/// raw text, classification or detail, in lower case.
fn text_matches(event: &Event, needle: &str) -> bool {
    let fields =
        [Some(event.name.as_str()), Some(event.raw.as_str()), event.classification.as_deref(), event.detail.as_deref()];
    fields.into_iter().flatten().any(|field| field.to_lowercase().contains(needle))
}

/// One row of the event table.
#[derive(Debug, Serialize)]
pub struct EventRow<'a> {
    /// Time, integer nanoseconds since the epoch (UTC).
    pub ts: Timestamp,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub format: &'static str,
    pub name: &'a str,
    /// `gid:sid:rev`, or null.
    pub gid_sid_rev: Option<String>,
    pub classification: Option<&'a str>,
    /// Severity on the source's own scale (see the core's `Event::severity`).
    pub severity: Option<u8>,
    pub proto: Option<&'a str>,
    pub src: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst: Option<IpAddr>,
    pub dst_port: Option<u16>,
    /// The file's name as the page gave it.
    pub file: &'a str,
    pub file_index: u32,
    /// Line number in a log, or the first packet's number in a capture.
    pub line: u64,
    pub detail: Option<&'a str>,
    /// The record as read (empty for a connection from a capture).
    pub raw: &'a str,
}

/// One page of matching events.
#[derive(Debug, Serialize)]
pub struct EventsPage<'a> {
    /// Events in the report.
    pub total: usize,
    /// Events that pass the filters.
    pub matched: usize,
    pub offset: usize,
    pub limit: usize,
    /// At most `limit` matching events from `offset`, in time order.
    pub rows: Vec<EventRow<'a>>,
}

/// Returns the page of `events` that `query` requests; `file_names` are indexed by
/// `Event::file_index`.
pub fn events_page<'a>(
    events: &'a [Event],
    file_names: &[&'a str],
    query: &EventsQuery,
) -> Result<EventsPage<'a>, String> {
    let filter = query.to_filter()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);

    // Count every match, but build rows only for the page.
    let mut matched = 0;
    let mut rows = Vec::new();
    for event in events.iter().filter(|event| filter.matches(event)) {
        if matched >= query.offset && rows.len() < limit {
            rows.push(row(event, file_names));
        }
        matched += 1;
    }
    Ok(EventsPage { total: events.len(), matched, offset: query.offset, limit, rows })
}

fn row<'a>(event: &'a Event, file_names: &[&'a str]) -> EventRow<'a> {
    EventRow {
        ts: event.ts,
        event_type: event.event_type,
        format: event.format.as_str(),
        name: &event.name,
        gid_sid_rev: event.signature.map(|signature| signature.to_string()),
        classification: event.classification.as_deref(),
        severity: event.severity,
        proto: event.proto.as_deref(),
        src: event.src,
        src_port: event.src_port,
        dst: event.dst,
        dst_port: event.dst_port,
        file: file_names.get(event.file_index as usize).copied().unwrap_or(""),
        file_index: event.file_index,
        line: event.line,
        detail: event.detail.as_deref(),
        raw: &event.raw,
    }
}

#[wasm_bindgen]
impl Analysis {
    /// Returns one page of the report's events under the event table's filters as JSON text:
    /// `{total, matched, offset, limit, rows}` (see [`EventsQuery`] and [`EventRow`]).
    pub fn events_json(&self, query: JsValue) -> Result<String, JsError> {
        let finished = self.finished()?;
        let query: EventsQuery = if query.is_undefined() || query.is_null() {
            EventsQuery::default()
        } else {
            serde_wasm_bindgen::from_value(query)
                .map_err(|error| JsError::new(&format!("invalid events query: {error}")))?
        };
        let names: Vec<&str> = finished.report.files.iter().map(|file| file.name.as_str()).collect();
        let page = events_page(&finished.report.events, &names, &query).map_err(|error| JsError::new(&error))?;
        serde_json::to_string(&page).map_err(|error| JsError::new(&error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wormscope_core::events::SourceFormat;

    fn event(second: i64, event_type: EventType, src: &str, dst_port: u16, raw: &str) -> Event {
        let mut event =
            Event::new(Timestamp(second * 1_000_000_000), SourceFormat::Syslog, event_type, "message".into());
        event.src = Some(src.parse().unwrap());
        event.dst_port = Some(dst_port);
        event.proto = Some("tcp".into());
        event.raw = raw.into();
        event.file_index = 1;
        event.line = second as u64;
        event
    }

    fn sample() -> Vec<Event> {
        vec![
            event(1, EventType::Scan, "10.0.0.1", 444, "scan <b>one</b>"),
            event(2, EventType::Syslog, "10.0.0.2", 22, "sshd accepted"),
            event(3, EventType::Scan, "10.0.0.1", 445, "scan two"),
            event(4, EventType::Unparsed, "10.0.0.3", 80, "garbage line"),
        ]
    }

    #[test]
    fn events_page_counts_all_matches() {
        let events = sample();
        let query = EventsQuery { types: vec!["scan".into()], limit: Some(1), offset: 1, ..EventsQuery::default() };
        let page = events_page(&events, &["a.pcap", "b.log"], &query).unwrap();
        assert_eq!(page.total, 4);
        assert_eq!(page.matched, 2);
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].line, 3);
        assert_eq!(page.rows[0].file, "b.log");
    }

    #[test]
    fn events_page_filters_combine() {
        let events = sample();
        let by_host = EventsQuery { host: Some(" 10.0.0.1 ".into()), port: Some(445), ..EventsQuery::default() };
        assert_eq!(events_page(&events, &[], &by_host).unwrap().matched, 1);
        let by_text = EventsQuery { text: Some("SSHD".into()), ..EventsQuery::default() };
        assert_eq!(events_page(&events, &[], &by_text).unwrap().matched, 1);
        let by_line = EventsQuery { file: Some(1), line: Some(4), ..EventsQuery::default() };
        let page = events_page(&events, &[], &by_line).unwrap();
        assert_eq!(page.rows[0].event_type, EventType::Unparsed);
        let by_range = EventsQuery { from: Some(2.0), to: Some(4.0), ..EventsQuery::default() };
        assert_eq!(events_page(&events, &[], &by_range).unwrap().matched, 2);
    }

    #[test]
    fn events_page_limit_is_capped() {
        let events = sample();
        let query = EventsQuery { limit: Some(MAX_LIMIT * 10), ..EventsQuery::default() };
        assert_eq!(events_page(&events, &[], &query).unwrap().limit, MAX_LIMIT);
    }

    #[test]
    fn events_query_names_what_is_invalid() {
        let bad_host = EventsQuery { host: Some("10.0.0".into()), ..EventsQuery::default() };
        assert!(events_page(&[], &[], &bad_host).unwrap_err().contains("10.0.0"));
        let bad_type = EventsQuery { types: vec!["worms".into()], ..EventsQuery::default() };
        assert!(events_page(&[], &[], &bad_type).unwrap_err().contains("worms"));
    }
}

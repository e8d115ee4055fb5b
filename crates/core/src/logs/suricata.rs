//! Suricata outputs: eve.json records and fast.log lines.
//!
//! fast.log has the Snort `alert_fast` layout with a `MM/DD/YYYY-` date, so
//! [`super::snort::parse_fast`] reads it. An eve.json line is one JSON object with
//! `timestamp` (RFC 3339 with a zone offset such as `+0100`), `event_type`, `src_ip`,
//! `src_port`, `dest_ip`, `dest_port` and `proto`, plus one object named after the event type
//! (`alert.{action,gid,signature_id,rev,signature,category,severity}`,
//! `flow.{bytes_toserver,bytes_toclient,start,end,state,reason}`, `dns`, `http`, ...).

use super::datetime::rfc3339;
use super::{Record, RecordTime};
use crate::events::{classify_alert, Event, EventType, Signature, SourceFormat};
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// Why an eve record could not be turned into an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EveError {
    /// The line is not valid JSON.
    InvalidJson(String),
    /// The JSON is not an object with a string `event_type`.
    MissingEventType,
    /// `timestamp` is missing or not RFC 3339.
    InvalidTimestamp(String),
}

impl std::fmt::Display for EveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EveError::InvalidJson(error) => write!(f, "invalid JSON: {error}"),
            EveError::MissingEventType => f.write_str("eve record has no string event_type"),
            EveError::InvalidTimestamp(text) => write!(f, "invalid eve timestamp {text:?}"),
        }
    }
}

/// Parses the text of one eve.json record.
pub fn parse_eve_line(text: &str) -> Result<Record, EveError> {
    let value: Value = serde_json::from_str(text).map_err(|error| EveError::InvalidJson(error.to_string()))?;
    parse_eve(&value)
}

/// Builds the event of a parsed eve record.
pub fn parse_eve(value: &Value) -> Result<Record, EveError> {
    let object = value.as_object().ok_or(EveError::MissingEventType)?;
    let event_type = object.get("event_type").and_then(Value::as_str).ok_or(EveError::MissingEventType)?;
    let stamp = object.get("timestamp").and_then(Value::as_str).unwrap_or_default();
    let time = match rfc3339(stamp) {
        Ok(("", time)) => time,
        _ => return Err(EveError::InvalidTimestamp(stamp.to_string())),
    };

    let mut event = match event_type {
        "alert" => alert_event(object),
        "flow" => flow_event(object),
        "anomaly" => anomaly_event(object),
        other => {
            Event::new(Timestamp(0), SourceFormat::SuricataEve, EventType::SensorRecord, record_name(other, object))
        }
    };
    event.proto = text(object, "proto").map(|proto| proto.to_ascii_lowercase());
    event.src = text(object, "src_ip").and_then(|address| address.parse().ok());
    event.src_port = port(object, "src_port");
    event.dst = text(object, "dest_ip").and_then(|address| address.parse().ok());
    event.dst_port = port(object, "dest_port");
    event.sensor = text(object, "host").map(str::to_string);
    event.program = text(object, "app_proto").map(str::to_string);
    event.detail = Some(event_type.to_string());
    Ok(Record { time: RecordTime::Local(time), event })
}

/// Returns a string field.
fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// Returns a port field.
fn port(object: &Map<String, Value>, key: &str) -> Option<u16> {
    object.get(key).and_then(Value::as_u64).and_then(|port| u16::try_from(port).ok())
}

/// Builds an alert event from `alert.*`.
fn alert_event(object: &Map<String, Value>) -> Event {
    let empty = Map::new();
    let alert = object.get("alert").and_then(Value::as_object).unwrap_or(&empty);
    let number = |key: &str| alert.get(key).and_then(Value::as_u64).and_then(|value| u32::try_from(value).ok());
    let message = text(alert, "signature").unwrap_or_default().to_string();
    let category = text(alert, "category").filter(|category| !category.is_empty()).map(str::to_string);

    let event_type = classify_alert(category.as_deref(), &message);
    let mut event = Event::new(Timestamp(0), SourceFormat::SuricataEve, event_type, message);
    if let (Some(gid), Some(sid), Some(rev)) = (number("gid"), number("signature_id"), number("rev")) {
        event.signature = Some(Signature { gid, sid, rev });
    }
    event.classification = category;
    event.severity = number("severity").and_then(|severity| u8::try_from(severity).ok());
    event.action = text(alert, "action").map(str::to_string);
    event
}

/// Builds a connection event from `flow.*`, typed by the flow's TCP state.
fn flow_event(object: &Map<String, Value>) -> Event {
    let empty = Map::new();
    let flow = object.get("flow").and_then(Value::as_object).unwrap_or(&empty);
    let state = text(flow, "state").unwrap_or("");
    let reason = text(flow, "reason").unwrap_or("");
    let event_type = match state {
        "closed" => EventType::ConnCompleted,
        "established" => EventType::ConnStarted,
        "new" => EventType::ConnTimedOut,
        _ => EventType::ConnOther,
    };
    let name = format!("flow {state} ({reason})");
    let mut event = Event::new(Timestamp(0), SourceFormat::SuricataEve, event_type, name);
    event.bytes_up = flow.get("bytes_toserver").and_then(Value::as_u64);
    event.bytes_down = flow.get("bytes_toclient").and_then(Value::as_u64);
    let start =
        text(flow, "start").and_then(|stamp| rfc3339(stamp).ok()).and_then(|(_, time)| time.to_timestamp(0, 0).ok());
    let end =
        text(flow, "end").and_then(|stamp| rfc3339(stamp).ok()).and_then(|(_, time)| time.to_timestamp(0, 0).ok());
    if let (Some(start), Some(end)) = (start, end) {
        event.duration = Some(end.since(start));
    }
    event
}

/// Builds an anomaly event: a decoder or protocol anomaly Suricata flagged.
fn anomaly_event(object: &Map<String, Value>) -> Event {
    let empty = Map::new();
    let anomaly = object.get("anomaly").and_then(Value::as_object).unwrap_or(&empty);
    let name = text(anomaly, "event").or_else(|| text(anomaly, "type")).unwrap_or("anomaly");
    Event::new(Timestamp(0), SourceFormat::SuricataEve, EventType::AlertOther, format!("anomaly {name}"))
}

/// Names a protocol record by its most telling field (DNS name, HTTP host and URL, TLS SNI).
fn record_name(event_type: &str, object: &Map<String, Value>) -> String {
    let empty = Map::new();
    let inner = object.get(event_type).and_then(Value::as_object).unwrap_or(&empty);
    let detail = match event_type {
        "dns" => text(inner, "rrname").map(str::to_string),
        "http" => Some(format!(
            "{} {}{}",
            text(inner, "http_method").unwrap_or("-"),
            text(inner, "hostname").unwrap_or(""),
            text(inner, "url").unwrap_or("")
        )),
        "tls" => text(inner, "sni").or_else(|| text(inner, "subject")).map(str::to_string),
        "smtp" => text(inner, "helo").map(str::to_string),
        "fileinfo" => text(inner, "filename").map(str::to_string),
        _ => None,
    };
    match detail {
        Some(detail) => format!("{event_type} {detail}"),
        None => event_type.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eve_alert_fields() {
        let line = r#"{"timestamp":"2021-06-09T03:41:36.439202+0200","event_type":"alert","src_ip":"192.168.178.64","src_port":55494,"dest_ip":"192.168.178.87","dest_port":53,"proto":"UDP","alert":{"action":"allowed","gid":1,"signature_id":2027758,"rev":2,"signature":"ET INFO Observed DNS Query to .cloud TLD","category":"Potentially Bad Traffic","severity":2}}"#;
        let record = parse_eve_line(line).unwrap();
        assert_eq!(record.event.signature, Some(Signature { gid: 1, sid: 2_027_758, rev: 2 }));
        assert_eq!(record.event.severity, Some(2));
        assert_eq!(record.event.dst_port, Some(53));
        let RecordTime::Local(time) = record.time else { panic!("eve time is local") };
        assert_eq!(time.offset_secs, Some(7200));
    }

    #[test]
    fn eve_bad_timestamp_is_error() {
        let line = r#"{"timestamp":"2017-01-30T16:12:26.985026+0100junk","event_type":"dns"}"#;
        assert!(matches!(parse_eve_line(line), Err(EveError::InvalidTimestamp(_))));
    }

    #[test]
    fn eve_protocol_records() {
        let head = r#""timestamp":"2017-01-30T16:12:26.985026+0100","src_ip":"10.0.0.1","src_port":5000,"dest_ip":"10.0.0.2","dest_port":443,"proto":"TCP""#;
        let tls = parse_eve_line(&format!(r#"{{{head},"event_type":"tls","tls":{{"sni":"example.org"}}}}"#)).unwrap();
        assert_eq!(tls.event.name, "tls example.org");
        assert_eq!(tls.event.event_type, EventType::SensorRecord);
        let smtp =
            parse_eve_line(&format!(r#"{{{head},"event_type":"smtp","smtp":{{"helo":"mail.example.org"}}}}"#)).unwrap();
        assert_eq!(smtp.event.name, "smtp mail.example.org");
        let anomaly = parse_eve_line(&format!(
            r#"{{{head},"event_type":"anomaly","anomaly":{{"type":"decode","event":"ipv4.trunc_pkt"}}}}"#
        ))
        .unwrap();
        assert_eq!(anomaly.event.name, "anomaly ipv4.trunc_pkt");
        assert_eq!(anomaly.event.event_type, EventType::AlertOther);
    }

    #[test]
    fn eve_flow_state_types() {
        let flow = r#"{"timestamp":"2017-01-30T16:12:26.985026+0100","event_type":"flow","proto":"TCP","flow":{"bytes_toserver":120,"bytes_toclient":900,"start":"2017-01-30T16:12:20.000000+0100","end":"2017-01-30T16:12:26.000000+0100","state":"closed","reason":"timeout"}}"#;
        let event = parse_eve_line(flow).unwrap().event;
        assert_eq!(event.event_type, EventType::ConnCompleted);
        assert_eq!(event.bytes_up, Some(120));
        assert_eq!(event.bytes_down, Some(900));
        assert_eq!(event.duration, Some(6_000_000_000));
        let new_flow = flow.replace("\"closed\"", "\"new\"");
        assert_eq!(parse_eve_line(&new_flow).unwrap().event.event_type, EventType::ConnTimedOut);
    }

    #[test]
    fn eve_error_display() {
        assert_eq!(EveError::MissingEventType.to_string(), "eve record has no string event_type");
    }
}

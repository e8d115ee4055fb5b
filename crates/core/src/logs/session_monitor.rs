//! Session-monitor (TNM) TCP session records, in wormscope's own documented layout.
//!
//! The session monitor's real event names are not public, so this layout is wormscope's own:
//!
//! ```text
//! <PRI>Mmm dd hh:mm:ss SENSOR tnm: EVENT_NAME: SRC:PORT -> DST:PORT bytes_up=N bytes_down=N start=UNIX end=UNIX duration=SECS
//! ```
//!
//! EVENT_NAME is `TNM-TCP_Session_Started` (type `conn_started`; `end=-` and `duration=-`),
//! `TNM-TCP_Session_Completed` (`conn_completed`) or `TNM-TCP_Session_Timed_Out` (started,
//! never completed: `conn_timed_out`). `start` and `end` are Unix seconds, possibly with a
//! fraction. The event time is `end` when present, else `start`, so these records need no
//! year inference.

use super::snort::parse_endpoint;
use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;

/// Parses the message after the `tnm:` tag; returns the event and its time.
pub fn parse(message: &str) -> Option<(Event, Option<Timestamp>)> {
    let (name, rest) = message.trim().split_once(": ")?;
    let event_type = match name {
        "TNM-TCP_Session_Started" => EventType::ConnStarted,
        "TNM-TCP_Session_Completed" => EventType::ConnCompleted,
        "TNM-TCP_Session_Timed_Out" => EventType::ConnTimedOut,
        _ => return None,
    };
    let (flow, fields) = rest.split_once(" bytes_up=")?;
    let (src, dst) = flow.split_once(" -> ")?;
    let (src, src_port) = parse_endpoint(src.trim())?;
    let (dst, dst_port) = parse_endpoint(dst.trim())?;

    let mut event = Event::new(Timestamp(0), SourceFormat::SessionMonitor, event_type, name.to_string());
    event.proto = Some("tcp".to_string());
    event.src = Some(src);
    event.src_port = src_port;
    event.dst = Some(dst);
    event.dst_port = dst_port;
    let (mut start, mut end) = (None, None);
    for field in format!("bytes_up={fields}").split_whitespace() {
        let (key, value) = field.split_once('=')?;
        match key {
            "bytes_up" => event.bytes_up = Some(value.parse().ok()?),
            "bytes_down" => event.bytes_down = Some(value.parse().ok()?),
            "start" => start = Some(unix_time(value)?),
            "end" if value != "-" => end = Some(unix_time(value)?),
            "duration" if value != "-" => event.duration = Some(unix_time(value)?.0),
            "end" | "duration" => {}
            _ => return None,
        }
    }
    Some((event, end.or(start)))
}

/// Parses Unix seconds with an optional fraction.
fn unix_time(text: &str) -> Option<Timestamp> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let secs: i64 = whole.parse().ok()?;
    let mut nanos: i64 = 0;
    for (index, digit) in fraction.bytes().take(9).enumerate() {
        if !digit.is_ascii_digit() {
            return None;
        }
        nanos += i64::from(digit - b'0') * 10i64.pow(8 - index as u32);
    }
    Some(Timestamp::from_parts(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::NANOS_PER_SEC;

    #[test]
    fn parse_completed_session() {
        let line = "TNM-TCP_Session_Completed: 10.0.0.1:51000 -> 10.0.0.2:22 bytes_up=1200 bytes_down=5400 start=1700000000 end=1700000060 duration=60";
        let (event, time) = parse(line).unwrap();
        assert_eq!(event.event_type, EventType::ConnCompleted);
        assert_eq!(event.bytes_down, Some(5400));
        assert_eq!(event.duration, Some(60 * NANOS_PER_SEC));
        assert_eq!(time, Some(Timestamp::from_secs(1_700_000_060)));
    }

    #[test]
    fn parse_started_session_without_end() {
        let line = "TNM-TCP_Session_Started: 10.0.0.1:51000 -> 10.0.0.2:22 bytes_up=0 bytes_down=0 start=1700000000 end=- duration=-";
        let (event, time) = parse(line).unwrap();
        assert_eq!(event.event_type, EventType::ConnStarted);
        assert_eq!(event.duration, None);
        assert_eq!(time, Some(Timestamp::from_secs(1_700_000_000)));
    }

    #[test]
    fn parse_rejects_unknown_name() {
        assert!(
            parse("TNM-UDP_Thing: 10.0.0.1:1 -> 10.0.0.2:2 bytes_up=0 bytes_down=0 start=1 end=- duration=-").is_none()
        );
    }
}

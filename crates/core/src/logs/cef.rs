//! ArcSight Common Event Format (CEF) records, bare or inside a syslog message.
//!
//! `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`.
//! In the header, `\|` and `\\` are escapes; in extension values, `\=`, `\\`, `\n` and `\r`
//! are. The extension is `key=value` pairs separated by spaces, and a value runs up to the
//! space before the next `key=`, so values may contain spaces. Keys used here: `src`, `dst`,
//! `spt`, `dpt`, `proto`, `rt` (epoch milliseconds), `cat`, `act`, `dvchost`.

use super::snort::protocol_name;
use crate::events::{classify_alert, Event, SourceFormat};
use crate::time::Timestamp;

/// Parses a CEF record starting at `CEF:`; returns the event and the `rt` time if numeric.
pub fn parse(text: &str) -> Option<(Event, Option<Timestamp>)> {
    let body = text.trim_start().strip_prefix("CEF:")?;
    let header = split_header(body);
    if header.len() < 8 {
        return None;
    }
    let extension = parse_extension(&header[7]);
    let field = |key: &str| extension.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str());

    let category = field("cat");
    let name = header[5].clone();
    let mut event = Event::new(Timestamp(0), SourceFormat::Cef, classify_alert(category, &name), name);
    event.severity = severity(&header[6]);
    event.classification = category.map(str::to_string);
    event.sensor = field("dvchost").map(str::to_string);
    event.program = Some(format!("{} {}", header[1], header[2]));
    event.detail = Some(format!("signature_id={}", header[4]));
    event.src = field("src").and_then(|address| address.parse().ok());
    event.dst = field("dst").and_then(|address| address.parse().ok());
    event.src_port = field("spt").and_then(|port| port.parse().ok());
    event.dst_port = field("dpt").and_then(|port| port.parse().ok());
    event.proto = field("proto").map(protocol_name);
    event.action = field("act").map(str::to_string);
    let time = field("rt")
        .and_then(|millis| millis.parse::<i64>().ok())
        .map(|millis| Timestamp(millis.saturating_mul(1_000_000)));
    Some((event, time))
}

/// Maps CEF severity, a number 0 to 10 or a word (Low, Medium, High, Very-High), to 0..=10.
fn severity(text: &str) -> Option<u8> {
    match text.trim().to_ascii_lowercase().as_str() {
        "unknown" => None,
        "low" => Some(3),
        "medium" => Some(6),
        "high" => Some(8),
        "very-high" => Some(10),
        number => number.parse().ok().filter(|value| *value <= 10),
    }
}

/// Splits the header at unescaped pipes; the eighth part, the extension, keeps its pipes.
fn split_header(body: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        let in_header = parts.len() < 8;
        let part = parts.last_mut().expect("parts starts non-empty");
        match c {
            '\\' if in_header => match chars.next() {
                Some(escaped @ ('|' | '\\')) => part.push(escaped),
                Some(other) => {
                    part.push('\\');
                    part.push(other);
                }
                None => part.push('\\'),
            },
            '|' if in_header => parts.push(String::new()),
            other => part.push(other),
        }
    }
    parts
}

/// Splits the extension into `key=value` pairs and undoes the value escapes.
fn parse_extension(text: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = text.trim();
    while let Some(equals) = find_unescaped_equals(rest) {
        let key = rest[..equals].trim().to_string();
        let value_text = &rest[equals + 1..];

        // The value ends at the last space before the next unescaped `key=`.
        let end = match find_unescaped_equals(value_text) {
            Some(next_equals) => value_text[..next_equals].rfind(' ').unwrap_or(value_text.len()),
            None => value_text.len(),
        };
        pairs.push((key, unescape_value(value_text[..end].trim_end())));
        rest = value_text[end..].trim_start();
    }
    pairs
}

/// Returns the byte index of the first `=` not preceded by a backslash.
fn find_unescaped_equals(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&index| bytes[index] == b'=' && (index == 0 || bytes[index - 1] != b'\\'))
}

/// Undoes `\=`, `\\`, `\n` and `\r` in an extension value.
fn unescape_value(text: &str) -> String {
    let mut value = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => value.push('\n'),
            Some('r') => value.push('\r'),
            Some(escaped) => value.push(escaped),
            None => value.push('\\'),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventType;

    #[test]
    fn parse_header_and_extension() {
        let line = r"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=a b\=c rt=1700000000000";
        let (event, time) = parse(line).unwrap();
        assert_eq!(event.name, "worm successfully stopped");
        assert_eq!(event.event_type, EventType::Worm);
        assert_eq!(event.severity, Some(10));
        assert_eq!(event.src_port, Some(1232));
        assert_eq!(time, Some(Timestamp::from_secs(1_700_000_000)));
        assert_eq!(parse_extension(r"msg=a b\=c x=1")[0].1, "a b=c");
    }

    #[test]
    fn parse_escaped_pipe_in_header() {
        let (event, _) = parse(r"CEF:0|Vendor|Prod\|uct|1|sig|Name with \| pipe|Low|").unwrap();
        assert_eq!(event.name, "Name with | pipe");
        assert_eq!(event.program.as_deref(), Some("Vendor Prod|uct"));
        assert_eq!(event.severity, Some(3));
    }
}

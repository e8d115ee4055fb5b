//! Snort's multi-line "alert full" records (spo_alert_full.c).
//!
//! One record spans several lines and ends at a blank line:
//!
//! ```text
//! [**] [1:1000004:0] Pinging... [**]
//! [Classification: Attempted Information Leak] [Priority: 2]
//! 09/04-21:53:15.299988 10.100.10.190 -> 172.217.1.142
//! ICMP TTL:64 TOS:0x0 ID:6922 IpLen:20 DgmLen:84 DF
//! ```
//!
//! The first line opens the record. The classification line, the time-and-addresses line and
//! the packet-header line fill in fields, and every other line (TCP flags, references, payload
//! details) is kept in the raw text only. A line that parses as a record of its own also ends
//! the record.

use super::datetime::alert_time;
use super::snort::{parse_alert_text, parse_endpoint, Alert};
use super::{Record, RecordTime};
use crate::events::SourceFormat;

/// An "alert full" record being assembled.
#[derive(Clone, Debug)]
pub struct FullAlert {
    alert: Alert,
    time: RecordTime,
    raw: String,
    first_line: u64,
}

impl FullAlert {
    /// Opens a record if `text` is a `[**] [gid:sid:rev] msg [**]` line.
    pub fn start(text: &str, line: u64) -> Option<FullAlert> {
        let rest = text.strip_prefix("[**] ")?;
        if !rest.trim_end().ends_with("[**]") {
            return None;
        }
        let alert = parse_alert_text(rest)?;
        Some(FullAlert { alert, time: RecordTime::Missing, raw: text.to_string(), first_line: line })
    }

    /// Adds the next line of the record.
    pub fn add_line(&mut self, text: &str) {
        self.raw.push('\n');
        self.raw.push_str(text);
        let trimmed = text.trim();

        if trimmed.starts_with("[Classification:") || trimmed.starts_with("[Priority:") {
            let header = format!("[0:0:0] - {trimmed}");
            if let Some(parsed) = parse_alert_text(&header) {
                self.alert.classification = parsed.classification;
                self.alert.priority = parsed.priority;
            }
        } else if let Ok((rest, time)) = alert_time(trimmed) {
            self.time = RecordTime::Local(time);
            if let Some((src, dst)) = rest.trim().split_once(" -> ") {
                self.alert.src = parse_endpoint(src.trim());
                self.alert.dst = parse_endpoint(dst.trim());
            }
        } else if self.alert.proto.is_none() && trimmed.contains(" TTL:") {
            let proto = trimmed.split(' ').next().unwrap_or_default();
            self.alert.proto = Some(proto.to_ascii_lowercase());
        }
    }

    /// Finishes the record; returns it with its raw text and first line number.
    pub fn into_record(self) -> (Record, String, u64) {
        let event = self.alert.into_event(SourceFormat::Snort);
        (Record { time: self.time, event }, self.raw, self.first_line)
    }
}

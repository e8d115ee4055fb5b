//! The three sensor log formats of the syslog export, each as one RFC 3164 line.
//!
//! Every line is `<PRI>Mmm dd hh:mm:ss HOST TAG: MESSAGE` with the day padded by a space and no
//! year or zone (RFC 3164 section 4.1.2); times are UTC. The messages are:
//!
//! - Snort 2 alerts (the layout of Snort's `spo_alert_syslog.c`):
//!   `[GID:SID:REV] MSG [Classification: CLASS] [Priority: N]: {TCP} SRC:PORT -> DST:PORT`,
//!   tag `snort[PID]`, PRI 33 (facility auth, severity alert, Snort's default).
//! - NNM real-time events:
//!   `SRC:PORT|DST:PORT|PROTO|PLUGIN_ID|PLUGIN_NAME|DESCRIPTION|RISK`, tag `nnm`, PRI 134
//!   (local0, informational). Plugin 0 means an open port was seen, and SRC is then the server.
//! - Session-monitor records:
//!   `EVENT: SRC:PORT -> DST:PORT bytes_up=N bytes_down=N start=UNIX end=UNIX duration=SECS`,
//!   tag `tnm`, PRI 133 (local0, notice); a started session has `end=-` and `duration=-`.

use std::fmt::Write;
use std::net::SocketAddrV4;

/// The host names the sensors put in their syslog header.
pub const IDS_HOST: &str = "ids-core";
pub const NNM_HOST: &str = "nnm-border";
pub const TNM_HOST: &str = "tnm-border";

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// One Snort rule as it appears in an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnortRule {
    /// Generator id (1 for text rules).
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Revision.
    pub rev: u32,
    /// The rule's `msg`.
    pub message: &'static str,
    /// The rule's classtype description.
    pub classification: &'static str,
    /// The rule's priority (1 is the most severe).
    pub priority: u8,
}

/// One NNM plugin as it appears in an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NnmPlugin {
    /// Plugin id; 0 means "open port seen".
    pub id: u32,
    /// Plugin name.
    pub name: &'static str,
    /// One-sentence description (must not contain `|`).
    pub description: &'static str,
    /// NONE, INFO, LOW, MEDIUM, HIGH or CRITICAL.
    pub risk: &'static str,
}

/// The session-monitor event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TnmEvent {
    /// The three-way handshake completed.
    Started,
    /// The session closed with FIN from both sides.
    Completed,
    /// The session went idle without closing.
    TimedOut,
}

impl TnmEvent {
    /// Returns the event name written in the log.
    pub fn name(self) -> &'static str {
        match self {
            TnmEvent::Started => "TNM-TCP_Session_Started",
            TnmEvent::Completed => "TNM-TCP_Session_Completed",
            TnmEvent::TimedOut => "TNM-TCP_Session_Timed_Out",
        }
    }
}

/// One session-monitor record's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TnmRecord {
    /// The event kind.
    pub event: TnmEvent,
    /// The originator.
    pub source: SocketAddrV4,
    /// The responder.
    pub destination: SocketAddrV4,
    /// Payload bytes from the originator.
    pub bytes_up: u64,
    /// Payload bytes from the responder.
    pub bytes_down: u64,
    /// Session start, Unix seconds.
    pub start: u64,
    /// Session end, Unix seconds (ignored for `Started`).
    pub end: u64,
}

/// Formats a Snort 2 syslog alert at `secs` (Unix seconds).
pub fn snort_line(
    secs: u64,
    pid: u32,
    rule: &SnortRule,
    protocol: &str,
    source: SocketAddrV4,
    destination: SocketAddrV4,
) -> String {
    let mut line = header(secs, 33, IDS_HOST);
    let _ = write!(
        line,
        "snort[{pid}]: [{}:{}:{}] {} [Classification: {}] [Priority: {}]: {{{protocol}}} {source} -> {destination}",
        rule.gid, rule.sid, rule.rev, rule.message, rule.classification, rule.priority
    );
    line
}

/// Formats an NNM real-time event at `secs`; `protocol` is the IP protocol number.
pub fn nnm_line(
    secs: u64,
    plugin: &NnmPlugin,
    protocol: u8,
    source: SocketAddrV4,
    destination: SocketAddrV4,
) -> String {
    let mut line = header(secs, 134, NNM_HOST);
    let _ = write!(
        line,
        "nnm: {source}|{destination}|{protocol}|{}|{}|{}|{}",
        plugin.id, plugin.name, plugin.description, plugin.risk
    );
    line
}

/// Formats a session-monitor record, stamped at its end (or start, for `Started`).
pub fn tnm_line(record: &TnmRecord) -> String {
    let stamp = if record.event == TnmEvent::Started { record.start } else { record.end };
    let mut line = header(stamp, 133, TNM_HOST);
    let _ = write!(
        line,
        "tnm: {}: {} -> {} bytes_up={} bytes_down={} start={}",
        record.event.name(),
        record.source,
        record.destination,
        record.bytes_up,
        record.bytes_down,
        record.start
    );
    if record.event == TnmEvent::Started {
        line.push_str(" end=- duration=-");
    } else {
        let _ = write!(line, " end={} duration={}", record.end, record.end.saturating_sub(record.start));
    }
    line
}

/// Writes `<PRI>Mmm dd hh:mm:ss HOST ` for Unix time `secs` (UTC).
fn header(secs: u64, pri: u8, host: &str) -> String {
    let (_, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!(
        "<{pri}>{} {day:>2} {:02}:{:02}:{:02} {host} ",
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard
/// Hinnant's `civil_from_days` algorithm.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats Unix seconds as RFC 3339 UTC (`2026-03-02T14:05:09Z`), for truth.json readers.
pub fn rfc3339(secs: u64) -> String {
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_pads_single_digit_day() {
        // 2026-03-03 04:05:06 UTC.
        assert_eq!(header(1_772_510_706, 33, "ids"), "<33>Mar  3 04:05:06 ids ");
    }

    #[test]
    fn civil_from_days_known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_514), (2026, 3, 2));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn tnm_started_has_no_end() {
        let record = TnmRecord {
            event: TnmEvent::Started,
            source: "10.1.2.3:40000".parse().expect("address"),
            destination: "8.8.8.8:80".parse().expect("address"),
            bytes_up: 0,
            bytes_down: 0,
            start: 1_772_510_706,
            end: 0,
        };
        assert!(tnm_line(&record).ends_with("start=1772510706 end=- duration=-"));
    }
}

//! The normalized event: one record of the merged timeline that captures and logs share.
//!
//! An [`Event`] is one thing that happened at one time, whatever file it came from: an IDS
//! alert, a sensor record, a plain syslog message or a connection reassembled from a capture.
//! A log line that no grammar matched is an event too, typed [`EventType::Unparsed`], so
//! nothing is dropped.
//! Its [`EventType`] is a small fixed set named in the field's terms, so detections and
//! charts work the same on every source. The typing rules for IDS alerts live in one table,
//! [`ALERT_TYPE_RULES`].

use crate::conn::{ConnState, Connection, Proto};
use crate::time::Timestamp;
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// The normalized kind of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// An exploit attempt: privilege gain, web application attack, shellcode.
    Exploit,
    /// A trojan, backdoor or command-and-control (C2) keepalive.
    Trojan,
    /// Worm propagation.
    Worm,
    /// A network or port scan.
    Scan,
    /// A host checking its external address or connectivity (IP-lookup and geolocation
    /// alerts), which infected hosts often do first.
    InfectionCheck,
    /// A policy or compliance violation.
    Policy,
    /// Spam sending or relaying.
    Spam,
    /// Denial of service.
    Dos,
    /// A host offering a service not seen before.
    NewService,
    /// A port seen open (NNM plugin 0: the server replied to a SYN with a SYN-ACK).
    OpenPort,
    /// An IDS alert that none of the kinds above fits.
    AlertOther,
    /// A sensor record that is neither an alert nor a connection: Suricata eve dns, http,
    /// tls, smtp, fileinfo and stats records.
    SensorRecord,
    /// A connection established and closed normally (Zeek SF, S2, S3).
    ConnCompleted,
    /// A connection attempt rejected by the responder (Zeek REJ).
    ConnRejected,
    /// A connection attempt that was never completed (Zeek S0, SH, RSTOS0; a timed-out session).
    ConnTimedOut,
    /// An established connection aborted with a RST (Zeek RSTO, RSTR).
    ConnReset,
    /// A connection established and not yet closed (Zeek S1; a started session).
    ConnStarted,
    /// Any other connection outcome (Zeek OTH, SHR, RSTRH).
    ConnOther,
    /// A plain syslog message from any program.
    Syslog,
    /// A line no grammar matched, kept with its file and line number.
    Unparsed,
}

impl EventType {
    /// Every type, in declaration order.
    pub const ALL: [EventType; 20] = [
        EventType::Exploit,
        EventType::Trojan,
        EventType::Worm,
        EventType::Scan,
        EventType::InfectionCheck,
        EventType::Policy,
        EventType::Spam,
        EventType::Dos,
        EventType::NewService,
        EventType::OpenPort,
        EventType::AlertOther,
        EventType::SensorRecord,
        EventType::ConnCompleted,
        EventType::ConnRejected,
        EventType::ConnTimedOut,
        EventType::ConnReset,
        EventType::ConnStarted,
        EventType::ConnOther,
        EventType::Syslog,
        EventType::Unparsed,
    ];

    /// Returns true if and only if the type is a connection outcome (`conn_*`).
    pub fn is_connection(self) -> bool {
        matches!(
            self,
            EventType::ConnCompleted
                | EventType::ConnRejected
                | EventType::ConnTimedOut
                | EventType::ConnReset
                | EventType::ConnStarted
                | EventType::ConnOther
        )
    }

    /// Returns the snake_case name, as JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Exploit => "exploit",
            EventType::Trojan => "trojan",
            EventType::Worm => "worm",
            EventType::Scan => "scan",
            EventType::InfectionCheck => "infection_check",
            EventType::Policy => "policy",
            EventType::Spam => "spam",
            EventType::Dos => "dos",
            EventType::NewService => "new_service",
            EventType::OpenPort => "open_port",
            EventType::AlertOther => "alert_other",
            EventType::SensorRecord => "sensor_record",
            EventType::ConnCompleted => "conn_completed",
            EventType::ConnRejected => "conn_rejected",
            EventType::ConnTimedOut => "conn_timed_out",
            EventType::ConnReset => "conn_reset",
            EventType::ConnStarted => "conn_started",
            EventType::ConnOther => "conn_other",
            EventType::Syslog => "syslog",
            EventType::Unparsed => "unparsed",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The grammar an event was read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// A connection reassembled from a pcap or pcapng capture.
    Capture,
    /// A plain syslog message (RFC 3164, RFC 5424 or an rsyslog file template).
    Syslog,
    /// A Snort 2 alert: syslog output or the `alert_fast` file.
    Snort,
    /// A Snort 3 alert: quoted-message syslog or `alert_fast`, `alert_csv` or `alert_json`.
    Snort3,
    /// A Snort alert in pfSense's CSV alert log.
    SnortCsv,
    /// A Suricata fast.log line, or a Suricata alert forwarded by syslog in the same layout.
    SuricataFast,
    /// A Suricata eve.json record, on its own line or inside a syslog message.
    SuricataEve,
    /// A Tenable NNM (formerly PVS) real-time syslog record.
    Nnm,
    /// A session-monitor (TNM) TCP session record.
    SessionMonitor,
    /// An ArcSight Common Event Format record.
    Cef,
    /// A line no grammar matched.
    Unparsed,
}

impl SourceFormat {
    /// Every format, in declaration order.
    pub const ALL: [SourceFormat; 11] = [
        SourceFormat::Capture,
        SourceFormat::Syslog,
        SourceFormat::Snort,
        SourceFormat::Snort3,
        SourceFormat::SnortCsv,
        SourceFormat::SuricataFast,
        SourceFormat::SuricataEve,
        SourceFormat::Nnm,
        SourceFormat::SessionMonitor,
        SourceFormat::Cef,
        SourceFormat::Unparsed,
    ];

    /// Returns the snake_case name, as JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Capture => "capture",
            SourceFormat::Syslog => "syslog",
            SourceFormat::Snort => "snort",
            SourceFormat::Snort3 => "snort3",
            SourceFormat::SnortCsv => "snort_csv",
            SourceFormat::SuricataFast => "suricata_fast",
            SourceFormat::SuricataEve => "suricata_eve",
            SourceFormat::Nnm => "nnm",
            SourceFormat::SessionMonitor => "session_monitor",
            SourceFormat::Cef => "cef",
            SourceFormat::Unparsed => "unparsed",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Snort/Suricata rule identity: generator, signature and revision (`[gid:sid:rev]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Signature {
    /// Generator id (1 for text rules, 116 for the decoder, ...).
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Revision of the rule.
    pub rev: u32,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.gid, self.sid, self.rev)
    }
}

/// One normalized event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it happened, UTC, in nanoseconds since the epoch.
    pub ts: Timestamp,
    /// The sensor or host that reported it (syslog HOSTNAME, eve `host`, CEF `dvchost`).
    pub sensor: Option<String>,
    /// The grammar the record was read with.
    pub format: SourceFormat,
    /// The alert message, the plugin or event name, or the syslog message text.
    pub name: String,
    /// The normalized kind.
    pub event_type: EventType,
    /// The Snort/Suricata rule identity, where the record has one.
    pub signature: Option<Signature>,
    /// The rule's classification text (Snort classtype description, eve `alert.category`).
    pub classification: Option<String>,
    /// Severity on the source's own scale. Snort/Suricata priority and eve `alert.severity`
    /// run from 1 (most severe) down; NNM risk runs from 0 (NONE) to 5 (CRITICAL) and CEF
    /// severity from 0 to 10. Plain syslog messages carry the PRI severity (0 emergency to
    /// 7 debug).
    pub severity: Option<u8>,
    /// Protocol name as the source writes it, in lower case (`tcp`, `udp`, `icmp`, `ipv6-icmp`).
    pub proto: Option<String>,
    /// Source (originator) address.
    pub src: Option<IpAddr>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination (responder) address.
    pub dst: Option<IpAddr>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Bytes sent by the source (session monitor, eve flow, capture connections).
    pub bytes_up: Option<u64>,
    /// Bytes sent by the destination.
    pub bytes_down: Option<u64>,
    /// Session or connection duration in nanoseconds, where the record gives it.
    pub duration: Option<i64>,
    /// Syslog program (TAG) that wrote the line.
    pub program: Option<String>,
    /// Sensor action, where the record gives one (`allow`, `drop`, eve `alert.action`).
    pub action: Option<String>,
    /// Extra detail: the eve `event_type`, the NNM plugin id and description, the CEF
    /// signature id, a capture connection's uid and history, RFC 5424 structured data, or
    /// why a line is unparsed.
    pub detail: Option<String>,
    /// Index of the input file, in the order files were given.
    pub file_index: u32,
    /// 1-based line number in a log file, or the first packet's number in a capture.
    pub line: u64,
    /// The record as read (lossy UTF-8; empty for captures).
    pub raw: String,
}

impl Event {
    /// Creates an event with every optional field empty.
    pub fn new(ts: Timestamp, format: SourceFormat, event_type: EventType, name: String) -> Event {
        Event {
            ts,
            sensor: None,
            format,
            name,
            event_type,
            signature: None,
            classification: None,
            severity: None,
            proto: None,
            src: None,
            src_port: None,
            dst: None,
            dst_port: None,
            bytes_up: None,
            bytes_down: None,
            duration: None,
            program: None,
            action: None,
            detail: None,
            file_index: 0,
            line: 0,
            raw: String::new(),
        }
    }
}

/// The field an alert-typing rule matches against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOn {
    /// The classification text, compared whole and without regard to case.
    Classification,
    /// The alert message, searched for the word without regard to case.
    Message,
}

/// The typing table for IDS alerts (Snort, Suricata, CEF names): the first rule that
/// matches wins, so more specific kinds come first. Classification texts are Snort's
/// `classification.config` descriptions, which Suricata reuses.
pub const ALERT_TYPE_RULES: &[(MatchOn, &str, EventType)] = &[
    (MatchOn::Message, "ip lookup", EventType::InfectionCheck),
    (MatchOn::Message, "ip check", EventType::InfectionCheck),
    (MatchOn::Message, "geolocation", EventType::InfectionCheck),
    (MatchOn::Message, "external ip", EventType::InfectionCheck),
    (MatchOn::Message, "worm", EventType::Worm),
    (MatchOn::Classification, "a network trojan was detected", EventType::Trojan),
    (MatchOn::Message, "trojan", EventType::Trojan),
    (MatchOn::Message, "backdoor", EventType::Trojan),
    (MatchOn::Message, "cnc", EventType::Trojan),
    (MatchOn::Message, "c&c", EventType::Trojan),
    (MatchOn::Message, "c2", EventType::Trojan),
    (MatchOn::Classification, "attempted administrator privilege gain", EventType::Exploit),
    (MatchOn::Classification, "successful administrator privilege gain", EventType::Exploit),
    (MatchOn::Classification, "attempted user privilege gain", EventType::Exploit),
    (MatchOn::Classification, "successful user privilege gain", EventType::Exploit),
    (MatchOn::Classification, "web application attack", EventType::Exploit),
    (MatchOn::Classification, "executable code was detected", EventType::Exploit),
    (MatchOn::Message, "exploit", EventType::Exploit),
    (MatchOn::Message, "shellcode", EventType::Exploit),
    (MatchOn::Classification, "detection of a network scan", EventType::Scan),
    (MatchOn::Message, "scan", EventType::Scan),
    (MatchOn::Classification, "denial of service", EventType::Dos),
    (MatchOn::Classification, "attempted denial of service", EventType::Dos),
    (MatchOn::Classification, "detection of a denial of service attack", EventType::Dos),
    (MatchOn::Message, "dos", EventType::Dos),
    (MatchOn::Message, "ddos", EventType::Dos),
    (MatchOn::Message, "spam", EventType::Spam),
    (MatchOn::Classification, "potential corporate privacy violation", EventType::Policy),
    (MatchOn::Message, "policy", EventType::Policy),
    (MatchOn::Message, "compliance", EventType::Policy),
];

/// Types an IDS alert by its classification and message, with [`ALERT_TYPE_RULES`];
/// returns [`EventType::AlertOther`] when no rule matches.
///
/// Message words match only where no ASCII letter or digit touches them (`SCAN` in
/// `ET SCAN Nmap` but not in `SCANNER`; `dos` not in `windows`).
pub fn classify_alert(classification: Option<&str>, message: &str) -> EventType {
    let message = message.to_ascii_lowercase();
    let classification = classification.map(|text| text.trim().to_ascii_lowercase());
    for (on, pattern, event_type) in ALERT_TYPE_RULES {
        let matched = match on {
            MatchOn::Classification => classification.as_deref() == Some(*pattern),
            MatchOn::Message => contains_words(&message, pattern),
        };
        if matched {
            return *event_type;
        }
    }
    EventType::AlertOther
}

/// Returns true if and only if `pattern` occurs in `text` with no letter or digit right
/// before or after it.
fn contains_words(text: &str, pattern: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(found) = text[start..].find(pattern) {
        let begin = start + found;
        let end = begin + pattern.len();
        let before_ok = begin == 0 || !bytes[begin - 1].is_ascii_alphanumeric();
        let after_ok = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before_ok && after_ok {
            return true;
        }
        start = begin + 1;
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

/// Maps Zeek's conn_state to the event type, for TCP and for the other transports.
pub fn conn_state_type(state: ConnState, proto: Proto) -> EventType {
    if proto != Proto::Tcp {
        return match state {
            ConnState::SF => EventType::ConnCompleted,
            ConnState::S0 => EventType::ConnTimedOut,
            _ => EventType::ConnOther,
        };
    }
    match state {
        ConnState::SF | ConnState::S2 | ConnState::S3 => EventType::ConnCompleted,
        ConnState::S1 => EventType::ConnStarted,
        ConnState::REJ => EventType::ConnRejected,
        ConnState::S0 | ConnState::SH | ConnState::RSTOS0 => EventType::ConnTimedOut,
        ConnState::RSTO | ConnState::RSTR => EventType::ConnReset,
        ConnState::OTH | ConnState::SHR | ConnState::RSTRH => EventType::ConnOther,
    }
}

/// Turns one connection from a capture into an event typed by its conn_state.
///
/// The name is `<proto> <conn_state>` (e.g. `tcp S0`), the detail contains the uid and the
/// history, and `line` is the number of the connection's first packet in its file.
pub fn from_connection(conn: &Connection) -> Event {
    let name = format!("{} {}", conn.proto, conn.conn_state);
    let event_type = conn_state_type(conn.conn_state, conn.proto);
    let mut event = Event::new(conn.ts, SourceFormat::Capture, event_type, name);
    event.proto = Some(conn.proto.as_str().to_string());
    event.src = Some(conn.orig_h);
    event.src_port = Some(conn.orig_p);
    event.dst = Some(conn.resp_h);
    event.dst_port = Some(conn.resp_p);
    event.bytes_up = Some(conn.orig_bytes);
    event.bytes_down = Some(conn.resp_bytes);
    event.duration = Some(conn.duration);
    event.program = conn.service.clone();
    event.detail = Some(format!("uid={} history={}", conn.uid, conn.history));
    event.file_index = conn.file_index;
    event.line = conn.first_packet;
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- alert typing ----

    #[test]
    fn classify_trojan_by_classification() {
        let kind = classify_alert(Some("A Network Trojan was Detected"), "UDP Connection");
        assert_eq!(kind, EventType::Trojan);
    }

    #[test]
    fn classify_message_keywords() {
        assert_eq!(classify_alert(None, "ET SCAN Sipvicious User-Agent"), EventType::Scan);
        assert_eq!(classify_alert(None, "MALWARE-CNC outbound connection"), EventType::Trojan);
        assert_eq!(classify_alert(None, "ET POLICY External IP Lookup ipify"), EventType::InfectionCheck);
        assert_eq!(classify_alert(None, "ET P2P BTWebClient UA uTorrent in use"), EventType::AlertOther);
        assert_eq!(classify_alert(Some("Web Application Attack"), "ET WEB_CLIENT ACTIVEX"), EventType::Exploit);
    }

    #[test]
    fn classify_whole_words_only() {
        assert_eq!(classify_alert(None, "windows update"), EventType::AlertOther);
        assert_eq!(classify_alert(None, "DOS attempt"), EventType::Dos);
    }

    // ---- connections ----

    #[test]
    fn conn_state_table_tcp_and_udp() {
        let tcp = |state| conn_state_type(state, Proto::Tcp);
        assert_eq!(tcp(ConnState::SF), EventType::ConnCompleted);
        assert_eq!(tcp(ConnState::S3), EventType::ConnCompleted);
        assert_eq!(tcp(ConnState::S1), EventType::ConnStarted);
        assert_eq!(tcp(ConnState::REJ), EventType::ConnRejected);
        assert_eq!(tcp(ConnState::RSTOS0), EventType::ConnTimedOut);
        assert_eq!(tcp(ConnState::RSTR), EventType::ConnReset);
        assert_eq!(tcp(ConnState::RSTRH), EventType::ConnOther);
        assert_eq!(conn_state_type(ConnState::S0, Proto::Udp), EventType::ConnTimedOut);
        assert_eq!(conn_state_type(ConnState::SHR, Proto::Icmp), EventType::ConnOther);
    }

    #[test]
    fn from_connection_fields() {
        let conn = Connection {
            ts: Timestamp::from_secs(1_700_000_000),
            uid: "CAbc".to_string(),
            orig_h: "10.0.0.1".parse().unwrap(),
            orig_p: 51000,
            resp_h: "10.0.0.2".parse().unwrap(),
            resp_p: 445,
            proto: Proto::Tcp,
            ip_proto: 6,
            service: None,
            duration: 0,
            orig_bytes: 0,
            resp_bytes: 0,
            conn_state: ConnState::S0,
            local_orig: true,
            local_resp: true,
            missed_bytes: 0,
            history: "S".to_string(),
            orig_pkts: 2,
            orig_ip_bytes: 88,
            resp_pkts: 0,
            resp_ip_bytes: 0,
            tunnel_parents: Vec::new(),
            file_index: 3,
            first_packet: 17,
        };
        let event = from_connection(&conn);
        assert_eq!(event.event_type, EventType::ConnTimedOut);
        assert_eq!(event.format, SourceFormat::Capture);
        assert_eq!(event.name, "tcp S0");
        assert_eq!(event.dst_port, Some(445));
        assert_eq!(event.file_index, 3);
        assert_eq!(event.line, 17);
        assert_eq!(event.detail.as_deref(), Some("uid=CAbc history=S"));
    }

    #[test]
    fn event_type_serializes_snake_case() {
        let json = serde_json::to_string(&EventType::InfectionCheck).unwrap();
        assert_eq!(json, "\"infection_check\"");
        for kind in EventType::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
    }
}

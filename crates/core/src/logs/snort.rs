//! Snort alerts: syslog output, `alert_fast` files, pfSense's CSV log, and Snort 3's
//! `alert_csv` (default fields) and `alert_json` outputs.
//!
//! The Snort 2 alert text (spo_alert_syslog.c and spo_alert_fast.c) is
//! `[gid:sid:rev] msg [Classification: C] [Priority: N]: <iface> {PROTO} src:port -> dst:port`.
//! The classification is absent for rules without a classtype, the interface part is
//! optional, and ports are absent for protocols other than TCP and UDP and for fragments.
//! `alert_fast` puts `MM/DD[/YY]-hh:mm:ss.uuuuuu [**]` in front and `[**]` after the message,
//! sometimes with an inline action such as `[Drop]` first. Snort 3 quotes the message.
//! IPv6 addresses are written with the port after the last colon (`2001:db8::35:60884`), so an
//! address that does not parse whole is split at its last colon.

use super::datetime::{alert_time, LocalTime};
use super::{Record, RecordTime};
use crate::events::{classify_alert, Event, Signature, SourceFormat};
use crate::time::Timestamp;
use nom::character::complete::{char, u32 as decimal};
use nom::sequence::{delimited, terminated};
use nom::{IResult, Parser};
use std::net::IpAddr;

/// The fields of one alert, before they become an [`Event`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alert {
    /// The `[gid:sid:rev]` triple.
    pub signature: Option<Signature>,
    /// The rule message, without Snort 3's quotes.
    pub message: String,
    /// True if and only if the message was quoted (Snort 3).
    pub quoted: bool,
    /// The classification text.
    pub classification: Option<String>,
    /// The priority (1 is the most severe).
    pub priority: Option<u8>,
    /// The protocol, lower case.
    pub proto: Option<String>,
    /// Source address and port.
    pub src: Option<(IpAddr, Option<u16>)>,
    /// Destination address and port.
    pub dst: Option<(IpAddr, Option<u16>)>,
    /// Inline action (`Drop`, `allow`, ...).
    pub action: Option<String>,
    /// Capture interface, from the `<iface>` part.
    pub interface: Option<String>,
}

impl Alert {
    /// Builds the event, typed with the alert typing table.
    pub fn into_event(self, format: SourceFormat) -> Event {
        let event_type = classify_alert(self.classification.as_deref(), &self.message);
        let mut event = Event::new(Timestamp(0), format, event_type, self.message);
        event.signature = self.signature;
        event.classification = self.classification;
        event.severity = self.priority;
        event.proto = self.proto;
        event.src = self.src.map(|(address, _)| address);
        event.src_port = self.src.and_then(|(_, port)| port);
        event.dst = self.dst.map(|(address, _)| address);
        event.dst_port = self.dst.and_then(|(_, port)| port);
        event.action = self.action;
        event
    }
}

/// Parses `[gid:sid:rev]`.
pub fn signature(input: &str) -> IResult<&str, Signature> {
    let (input, (gid, sid, rev)) =
        delimited(char('['), (terminated(decimal, char(':')), terminated(decimal, char(':')), decimal), char(']'))
            .parse(input)?;
    Ok((input, Signature { gid, sid, rev }))
}

/// Parses the alert text that follows the syslog tag or the fast-alert time:
/// `[gid:sid:rev] msg [**] [Classification: C] [Priority: N]: <iface> {PROTO} src -> dst`.
pub fn parse_alert_text(text: &str) -> Option<Alert> {
    let (rest, signature) = signature(text.trim_start()).ok()?;
    let rest = rest.trim_start();
    let (message, quoted, rest) = split_message(rest);
    let mut alert = Alert { signature: Some(signature), message, quoted, ..Alert::default() };
    parse_tail(rest, &mut alert)?;
    Some(alert)
}

/// Splits the rule message from the bracketed parts after it.
fn split_message(text: &str) -> (String, bool, &str) {
    if let Some(quoted) = text.strip_prefix('"') {
        if let Some(end) = quoted.find('"') {
            return (quoted[..end].to_string(), true, &quoted[end + 1..]);
        }
    }
    const ENDS: [&str; 5] = [" [**]", " [Classification:", " [Priority:", ": {", ": <"];
    let end = ENDS.iter().filter_map(|marker| text.find(marker)).min();
    let end = end.or_else(|| text.rfind(" {")).unwrap_or(text.len());
    (text[..end].trim_end().to_string(), false, &text[end..])
}

/// Reads the classification, priority, interface, protocol and addresses.
fn parse_tail(mut rest: &str, alert: &mut Alert) -> Option<()> {
    loop {
        rest = rest.trim_start_matches([' ', ':']);
        if let Some(after) = rest.strip_prefix("[**]") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix("[Classification:") {
            let end = after.find(']')?;
            alert.classification = Some(after[..end].trim().to_string());
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("[Priority:") {
            let end = after.find(']')?;
            alert.priority = after[..end].trim().parse().ok();
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>')?;
            alert.interface = Some(after[..end].to_string());
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after.find('}')?;
            alert.proto = Some(protocol_name(&after[..end]));
            return parse_flow(after[end + 1..].trim(), alert);
        } else {
            return rest.trim().is_empty().then_some(());
        }
    }
}

/// Parses `src[:port] -> dst[:port]`.
fn parse_flow(text: &str, alert: &mut Alert) -> Option<()> {
    let (src, dst) = text.split_once(" -> ")?;
    alert.src = Some(parse_endpoint(src.trim())?);
    alert.dst = Some(parse_endpoint(dst.trim())?);
    Some(())
}

/// Parses an address with an optional port: `1.2.3.4:80`, `1.2.3.4`, `[2001:db8::1]:80`,
/// `2001:db8:0:0:0:0:0:1` or `2001:db8:0:0:0:0:0:1:80` (port after the last colon).
pub fn parse_endpoint(text: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Some(inner) = text.strip_prefix('[') {
        let (address, port) = inner.split_once(']')?;
        let port = port.strip_prefix(':').map(str::parse).transpose().ok()?;
        return Some((address.parse().ok()?, port));
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some((address, None));
    }
    let (address, port) = text.rsplit_once(':')?;
    Some((address.parse().ok()?, Some(port.parse().ok()?)))
}

/// Returns the lower-case protocol name, translating IANA numbers (`{6}` from Lua outputs).
pub fn protocol_name(text: &str) -> String {
    match text.trim() {
        "1" => "icmp".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "58" => "ipv6-icmp".to_string(),
        other => other.to_ascii_lowercase(),
    }
}

/// Parses an `alert_fast` line (Snort 2, Snort 3 or Suricata fast.log layout).
pub fn parse_fast(line: &str) -> Option<Record> {
    let (rest, time) = alert_time(line).ok()?;
    let mut rest = rest.trim_start();

    // An inline action such as "[Drop]" may precede the first "[**]".
    let mut action = None;
    if !rest.starts_with("[**]") {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        action = Some(inner[..end].to_string());
        rest = inner[end + 1..].trim_start();
    }
    let rest = rest.strip_prefix("[**]")?;
    let mut alert = parse_alert_text(rest)?;
    alert.action = action;

    let format = if alert.quoted {
        SourceFormat::Snort3
    } else if line.as_bytes().get(10) == Some(&b'-') {
        // Only Suricata writes a four-digit year (`MM/DD/YYYY-`).
        SourceFormat::SuricataFast
    } else {
        SourceFormat::Snort
    };
    Some(Record { time: RecordTime::Local(time), event: alert.into_event(format) })
}

/// Splits a CSV line into fields, honouring double quotes (`""` inside quotes is one quote).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("fields starts non-empty");
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => fields.push(String::new()),
            other => field.push(other),
        }
    }
    fields
}

/// Parses pfSense's Snort CSV alert line:
/// `time ,gid,sid,rev,"msg",proto,src,sport,dst,dport[,id,classification,priority[,action,disposition]]`.
pub fn parse_pfsense_csv(line: &str) -> Option<Record> {
    let (rest, time) = alert_time(line).ok()?;
    let rest = rest.trim_start().strip_prefix(',')?;
    let fields = split_csv(rest);
    if fields.len() < 9 {
        return None;
    }
    let number = |index: usize| fields.get(index).and_then(|field| field.trim().parse::<u32>().ok());
    let endpoint = |address: usize, port: usize| -> Option<(IpAddr, Option<u16>)> {
        let address = fields.get(address)?.trim().parse().ok()?;
        Some((address, fields.get(port).and_then(|port| port.trim().parse().ok())))
    };
    let non_empty =
        |index: usize| fields.get(index).map(|field| field.trim().to_string()).filter(|field| !field.is_empty());
    let alert = Alert {
        signature: Some(Signature { gid: number(0)?, sid: number(1)?, rev: number(2)? }),
        message: fields[3].clone(),
        proto: Some(protocol_name(&fields[4])),
        src: Some(endpoint(5, 6)?),
        dst: Some(endpoint(7, 8)?),
        classification: non_empty(10),
        priority: number(11).and_then(|priority| u8::try_from(priority).ok()),
        action: non_empty(12),
        ..Alert::default()
    };
    Some(Record { time: RecordTime::Local(time), event: alert.into_event(SourceFormat::SnortCsv) })
}

/// Parses a Snort 3 `alert_csv` line with the default fields:
/// `timestamp, pkt_num, proto, pkt_gen, pkt_len, dir, src_ap, dst_ap, rule, action`.
///
/// That output has no rule message, so the event name is the rule (`gid:sid:rev`).
pub fn parse_snort3_csv(line: &str) -> Option<Record> {
    let (rest, time) = alert_time(line).ok()?;
    let fields: Vec<&str> = rest.strip_prefix(',')?.split(',').map(str::trim).collect();
    if fields.len() != 9 || fields[0].parse::<u64>().is_err() {
        return None;
    }
    let (_, signature) = signature(&format!("[{}]", fields[7])).ok()?;
    let alert = Alert {
        signature: Some(signature),
        message: fields[7].to_string(),
        proto: Some(protocol_name(fields[1])),
        src: Some(parse_endpoint(fields[5])?),
        dst: Some(parse_endpoint(fields[6])?),
        action: Some(fields[8].to_string()),
        ..Alert::default()
    };
    Some(Record { time: RecordTime::Local(time), event: alert.into_event(SourceFormat::Snort3) })
}

/// Parses a Snort 3 `alert_ex` line: `gid:sid:rev "message"`. That output has no time, so
/// the record takes the previous record's time.
pub fn parse_snort3_alert_ex(line: &str) -> Option<Record> {
    let (rule, message) = line.trim().split_once(' ')?;
    let (_, signature) = signature(&format!("[{rule}]")).ok()?;
    let message = message.strip_prefix('"')?.strip_suffix('"')?;
    let alert = Alert { signature: Some(signature), message: message.to_string(), quoted: true, ..Alert::default() };
    Some(Record { time: RecordTime::Missing, event: alert.into_event(SourceFormat::Snort3) })
}

/// Builds the event of a Snort 3 `alert_json` record; `None` if it lacks `rule` or `seconds`.
pub fn parse_snort3_json(value: &serde_json::Value) -> Option<Record> {
    let object = value.as_object()?;
    let text = |key: &str| object.get(key).and_then(|field| field.as_str());
    let (_, signature) = signature(&format!("[{}]", text("rule")?)).ok()?;
    let seconds = object.get("seconds")?.as_i64()?;

    // "seconds" has the year that "timestamp" lacks; the fraction comes from "timestamp".
    let micros = text("timestamp")
        .and_then(|stamp| alert_time(stamp).ok())
        .map_or(0, |(_, time): (&str, LocalTime)| i64::from(time.nanos));
    let endpoint = |address: &str, port: &str| -> Option<(IpAddr, Option<u16>)> {
        let address = text(address)?.parse().ok()?;
        let port = object.get(port).and_then(|port| port.as_u64()).and_then(|port| u16::try_from(port).ok());
        Some((address, port))
    };
    let classification = text("class").filter(|class| *class != "none").map(str::to_string);
    let alert = Alert {
        signature: Some(signature),
        message: text("msg").unwrap_or_default().to_string(),
        quoted: true,
        classification,
        priority: object.get("priority").and_then(|priority| priority.as_u64()).and_then(|p| u8::try_from(p).ok()),
        proto: text("proto").map(protocol_name),
        src: endpoint("src_addr", "src_port"),
        dst: endpoint("dst_addr", "dst_port"),
        action: text("action").map(str::to_string),
        interface: None,
    };
    let time = RecordTime::Absolute(Timestamp::from_parts(seconds, micros));
    Some(Record { time, event: alert.into_event(SourceFormat::Snort3) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_text_without_classification() {
        let alert =
            parse_alert_text("[1:1000016:0] TCP Connection [Priority: 3] {TCP} 10.50.20.59:58720 -> 10.50.10.190:22")
                .unwrap();
        assert_eq!(alert.signature, Some(Signature { gid: 1, sid: 1_000_016, rev: 0 }));
        assert_eq!(alert.message, "TCP Connection");
        assert_eq!(alert.classification, None);
        assert_eq!(alert.priority, Some(3));
        assert_eq!(alert.dst, Some(("10.50.10.190".parse().unwrap(), Some(22))));
    }

    #[test]
    fn alert_text_icmp_with_colon_and_iface() {
        let alert = parse_alert_text("[1:469:3] ICMP PING NMAP [Classification: Attempted Information Leak] [Priority: 2]: <eth0> {ICMP} 10.4.12.26 -> 10.4.10.231").unwrap();
        assert_eq!(alert.message, "ICMP PING NMAP");
        assert_eq!(alert.interface.as_deref(), Some("eth0"));
        assert_eq!(alert.src, Some(("10.4.12.26".parse().unwrap(), None)));
    }

    #[test]
    fn endpoint_ipv6_with_port() {
        let (address, port) = parse_endpoint("2001:df1:c200:c:0:0:0:35:60884").unwrap();
        assert_eq!(address, "2001:df1:c200:c::35".parse::<IpAddr>().unwrap());
        assert_eq!(port, Some(60884));
        assert_eq!(parse_endpoint("2001:4860:4860:0:0:0:0:8888").unwrap().1, None);
    }

    #[test]
    fn fast_line_with_drop_action() {
        let record = parse_fast("10/20-20:43:39.741995  [Drop] [**] [1:10000002:0] cmd.exe test detected [**] [Priority: 0] {TCP} 10.1.4.2:59244 -> 10.1.7.2:80").unwrap();
        assert_eq!(record.event.action.as_deref(), Some("Drop"));
        assert_eq!(record.event.format, SourceFormat::Snort);
        assert_eq!(record.event.name, "cmd.exe test detected");
    }

    #[test]
    fn alert_ex_line() {
        let record = parse_snort3_alert_ex(r#"1:19769:6 "MALWARE-CNC WIN.TROJAN.YODDOS OUTBOUND INDICATOR""#).unwrap();
        assert_eq!(record.time, RecordTime::Missing);
        assert_eq!(record.event.event_type, crate::events::EventType::Trojan);
        assert!(parse_snort3_alert_ex("1:1:0 unquoted").is_none());
    }

    #[test]
    fn csv_quotes_and_empty_ports() {
        let line =
            r#"09/03/21-16:29:03.494387 ,1,477,3,"ICMP Packet",ICMP,104.5.30.130,,104.5.30.1,,40546,,0,alert,Allow"#;
        let event = parse_pfsense_csv(line).unwrap().event;
        assert_eq!(event.name, "ICMP Packet");
        assert_eq!(event.src_port, None);
        assert_eq!(event.classification, None);
        assert_eq!(event.severity, Some(0));
    }
}

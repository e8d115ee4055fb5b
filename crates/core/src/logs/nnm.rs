//! Tenable NNM (Nessus Network Monitor, formerly PVS) real-time syslog records.
//!
//! The syslog message after the `nnm:` tag (`pvs:` in older files) is
//! `SRC:PORT|DST:PORT|PROTO_NUMBER|PLUGIN_ID|PLUGIN_NAME|DESCRIPTION|RISK`, where the
//! protocol is the IP protocol number, DESCRIPTION may itself contain `|`, and RISK, the last
//! field, is NONE, INFO, LOW, MEDIUM, HIGH or CRITICAL. Plugin 0 reports an open port: the
//! SRC is the server that replied to a SYN with a SYN-ACK.

use super::snort::{parse_endpoint, protocol_name};
use crate::events::{classify_alert, Event, EventType, SourceFormat};
use crate::time::Timestamp;

/// Risk names in order, so the index is the severity (0 NONE to 5 CRITICAL).
const RISKS: [&str; 6] = ["NONE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// Parses the message of an NNM record; `None` if it is not in the pipe layout.
pub fn parse(message: &str) -> Option<Event> {
    let fields: Vec<&str> = message.trim().split('|').collect();
    if fields.len() < 6 {
        return None;
    }
    let (src, src_port) = parse_endpoint(fields[0].trim())?;
    let (dst, dst_port) = parse_endpoint(fields[1].trim())?;
    let plugin_id: u32 = fields[3].trim().parse().ok()?;
    let risk = fields[fields.len() - 1].trim();
    let severity = RISKS.iter().position(|name| name.eq_ignore_ascii_case(risk))?;
    let plugin_name = fields[4].trim();
    let description = fields[5..fields.len() - 1].join("|");

    let name = if plugin_name.is_empty() && plugin_id == 0 { "Open Port" } else { plugin_name };
    let mut event = Event::new(Timestamp(0), SourceFormat::Nnm, plugin_type(plugin_id, plugin_name), name.to_string());
    event.severity = Some(severity as u8);
    event.proto = Some(protocol_name(fields[2]));
    event.src = Some(src);
    event.src_port = src_port;
    event.dst = Some(dst);
    event.dst_port = dst_port;
    event.detail = Some(format!("plugin_id={plugin_id} {}", description.trim()));
    Some(event)
}

/// Types a plugin: plugin 0 is an open port, then "New Open Port"/"New Service" names,
/// "Compliance"/"Policy" names, and else the alert typing table on the name.
pub fn plugin_type(plugin_id: u32, plugin_name: &str) -> EventType {
    let lower = plugin_name.to_ascii_lowercase();
    if plugin_id == 0 {
        EventType::OpenPort
    } else if lower.contains("new open port") || lower.contains("new service") {
        EventType::NewService
    } else if lower.contains("compliance") || lower.contains("policy") {
        EventType::Policy
    } else {
        classify_alert(None, plugin_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_open_port() {
        let event = parse("192.168.0.10:445|192.168.0.99:51234|6|0|||NONE").unwrap();
        assert_eq!(event.event_type, EventType::OpenPort);
        assert_eq!(event.src_port, Some(445));
        assert_eq!(event.proto.as_deref(), Some("tcp"));
        assert_eq!(event.severity, Some(0));
    }

    #[test]
    fn parse_pipes_in_description() {
        let event = parse("10.0.0.5:25|10.0.0.9:40000|6|7001|New Service Detected|SMTP|banner a|b|LOW").unwrap();
        assert_eq!(event.event_type, EventType::NewService);
        assert_eq!(event.detail.as_deref(), Some("plugin_id=7001 SMTP|banner a|b"));
        assert_eq!(event.severity, Some(2));
    }

    #[test]
    fn parse_rejects_unknown_risk() {
        assert!(parse("10.0.0.5:25|10.0.0.9:40000|6|7001|Name|Desc|SEVERE").is_none());
    }

    #[test]
    fn plugin_keyword_types() {
        assert_eq!(plugin_type(9, "PCI Compliance Check"), EventType::Policy);
        assert_eq!(plugin_type(9, "Backdoor Detection"), EventType::Trojan);
        assert_eq!(plugin_type(9, "Port Scan Detected"), EventType::Scan);
        assert_eq!(plugin_type(9, "SSH Server Version"), EventType::AlertOther);
    }
}

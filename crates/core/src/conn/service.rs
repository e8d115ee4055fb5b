//! Application protocol recognition from the first payload bytes of each direction
//! (`service` in conn.log).
//!
//! Recognised: http, ssl (TLS and SSL 3 records), ssh, smtp, ftp, dns. A protocol is named
//! only when the payload itself matches; the port is used only to choose between DNS and
//! nothing for UDP and TCP messages that look like DNS headers, since many binary protocols
//! could pass the DNS header check alone.

use super::Proto;

/// Watches the first payload of each direction.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    found: Option<&'static str>,
    seen_orig: bool,
    seen_resp: bool,
}

/// HTTP request methods that start a request line.
const HTTP_METHODS: &[&[u8]] = &[b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"CONNECT ", b"TRACE ", b"PATCH "];

impl Detector {
    /// Returns the recognised service, if any.
    pub fn service(&self) -> Option<&'static str> {
        self.found
    }

    /// Looks at the first payload of a direction; later payloads are ignored.
    pub fn observe(&mut self, proto: Proto, port: u16, payload: &[u8], is_orig: bool) {
        if self.found.is_some() || payload.is_empty() {
            return;
        }
        let first = if is_orig { &mut self.seen_orig } else { &mut self.seen_resp };
        if *first {
            return;
        }
        *first = true;
        self.found = recognise(proto, port, payload, is_orig);
    }
}

fn recognise(proto: Proto, port: u16, payload: &[u8], is_orig: bool) -> Option<&'static str> {
    if proto == Proto::Tcp {
        if HTTP_METHODS.iter().any(|m| payload.starts_with(m)) || payload.starts_with(b"HTTP/1.") {
            return Some("http");
        }
        if payload.len() >= 3 && payload[0] == 0x16 && payload[1] == 0x03 && payload[2] <= 0x04 {
            return Some("ssl");
        }
        if payload.starts_with(b"SSH-") {
            return Some("ssh");
        }
        if let Some(found) = recognise_banner(payload, is_orig) {
            return Some(found);
        }
    }
    if matches!(port, 53 | 5353 | 5355) && looks_like_dns(proto, payload) {
        return Some("dns");
    }
    None
}

/// SMTP and FTP: the server's 220 greeting names the protocol, or the client's first command.
fn recognise_banner(payload: &[u8], is_orig: bool) -> Option<&'static str> {
    let line = &payload[..payload.len().min(256)];
    let text = String::from_utf8_lossy(line).to_ascii_uppercase();
    if is_orig {
        if text.starts_with("EHLO ") || text.starts_with("HELO ") {
            return Some("smtp");
        }
        if text.starts_with("USER ") {
            return Some("ftp");
        }
        return None;
    }
    if text.starts_with("220") {
        if text.contains("SMTP") || text.contains("MAIL") {
            return Some("smtp");
        }
        if text.contains("FTP") {
            return Some("ftp");
        }
    }
    None
}

/// A DNS header with one to a few questions and sane counts (over TCP, after the length).
fn looks_like_dns(proto: Proto, payload: &[u8]) -> bool {
    let message = if proto == Proto::Tcp { payload.get(2..).unwrap_or(&[]) } else { payload };
    if message.len() < 12 {
        return false;
    }
    let count = |at: usize| u16::from_be_bytes([message[at], message[at + 1]]);
    let opcode = (message[2] >> 3) & 0x0f;
    let questions = count(4);
    opcode <= 5 && (1..=4).contains(&questions) && count(6) < 256 && count(8) < 256 && count(10) < 256
}

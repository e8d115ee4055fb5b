//! Application protocol recognition from the first payload bytes of each direction
//! (`service` in conn.log).
//!
//! Like Zeek, a service is named only once the protocol is confirmed, which for most TCP
//! protocols takes a matching first payload from both sides: a client request and a server
//! answer (http, ssl, ssh, smtp, ftp, modbus). HTTP on one of its registered ports is
//! confirmed by the request alone, because Zeek attaches the analyzer by port there instead
//! of waiting for its dynamic protocol detection signatures, which need both sides. DNS and
//! DCE/RPC, NTP and DHCP are confirmed from one side. Partial TCP connections (no handshake packet seen)
//! get no service, since Zeek's application analyzers skip them.
//! FTP data connections are named `ftp-data` when an FTP control connection announced their
//! address and port (PORT, EPRT, 227 and 229 replies). The port alone never names a service;
//! it only decides which parsers are tried on DNS-like and Modbus-like payloads, since many
//! binary protocols pass those header checks by chance.

use super::Proto;
use std::net::IpAddr;

/// Every service name this module can give.
pub const ALL_SERVICES: &[&str] =
    &["http", "ssl", "ssh", "smtp", "ftp", "ftp-data", "dns", "modbus", "dce_rpc", "ntp", "dhcp", "teredo", "vxlan"];

/// How many bytes of each direction's first payload are kept.
const KEPT: usize = 64;

/// Keeps the first payload of each direction until the connection ends.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    orig_first: Option<Vec<u8>>,
    resp_first: Option<Vec<u8>>,
    /// Set when another connection announced this one (FTP data).
    announced: Option<&'static str>,
    /// Set when a whole payload passed the DHCP check (it needs more than the kept bytes).
    dhcp_seen: bool,
}

/// HTTP request methods that start a request line.
const HTTP_METHODS: &[&[u8]] = &[b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"CONNECT ", b"TRACE ", b"PATCH "];

impl Detector {
    /// Stores the first non-empty payload of a direction; later payloads are ignored.
    pub fn observe(&mut self, payload: &[u8], is_orig: bool) {
        if payload.is_empty() {
            return;
        }
        self.dhcp_seen |= is_dhcp(payload);
        let slot = if is_orig { &mut self.orig_first } else { &mut self.resp_first };
        if slot.is_none() {
            *slot = Some(payload[..payload.len().min(KEPT)].to_vec());
        }
    }

    /// Marks the connection as announced by another one (e.g. `ftp-data`).
    pub fn announce(&mut self, service: &'static str) {
        self.announced = Some(service);
    }

    /// Returns true if and only if the responder's first payload is an FTP-style 220 greeting
    /// and the client's looks like an FTP command, so its later payloads may announce data
    /// connections.
    pub fn is_ftp_control(&self) -> bool {
        self.decide(Proto::Tcp, 21) == Some("ftp")
    }

    /// Returns the confirmed service among `enabled`, if any. `port` is the responder port;
    /// `partial` is true for a TCP connection whose handshake was not seen.
    pub fn service(&self, proto: Proto, port: u16, partial: bool, enabled: &[&str]) -> Option<&'static str> {
        if partial && self.announced.is_none() {
            return None;
        }
        let found = self.announced.or_else(|| self.decide(proto, port))?;
        enabled.contains(&found).then_some(found)
    }

    fn decide(&self, proto: Proto, port: u16) -> Option<&'static str> {
        let orig = self.orig_first.as_deref().unwrap_or(&[]);
        let resp = self.resp_first.as_deref().unwrap_or(&[]);
        if proto == Proto::Tcp {
            if let Some(found) = both_sides(orig, resp, port) {
                return Some(found);
            }
            if HTTP_PORTS.contains(&port) && is_http_request(orig) {
                return Some("http");
            }
            if is_dce_rpc(orig) {
                return Some("dce_rpc");
            }
        }
        if proto == Proto::Udp {
            if port == 123 && (is_ntp(orig) || is_ntp(resp)) {
                return Some("ntp");
            }
            if matches!(port, 67 | 68) && self.dhcp_seen {
                return Some("dhcp");
            }
        }
        let dns_port = matches!(port, 53 | 137 | 5353 | 5355);
        if dns_port && (looks_like_dns(proto, orig) || looks_like_dns(proto, resp)) {
            return Some("dns");
        }
        None
    }
}

/// Protocols confirmed by a client payload and a matching server payload.
fn both_sides(orig: &[u8], resp: &[u8], port: u16) -> Option<&'static str> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    if is_http_request(orig) && resp.starts_with(b"HTTP/") {
        return Some("http");
    }
    if is_tls_record(orig) && is_tls_record(resp) {
        return Some("ssl");
    }
    if orig.starts_with(b"SSH-") && resp.starts_with(b"SSH-") {
        return Some("ssh");
    }
    if resp.starts_with(b"220") {
        let command = String::from_utf8_lossy(&orig[..orig.len().min(8)]).to_ascii_uppercase();
        if ["EHLO", "HELO"].iter().any(|c| command.starts_with(c)) {
            return Some("smtp");
        }
        if ["USER", "AUTH", "FEAT", "SYST", "OPTS"].iter().any(|c| command.starts_with(c)) {
            return Some("ftp");
        }
    }
    if port == 502 && is_modbus(orig) && is_modbus(resp) {
        return Some("modbus");
    }
    None
}

/// The ports Zeek's HTTP analyzer registers for.
const HTTP_PORTS: &[u16] = &[80, 81, 631, 1080, 3128, 8000, 8080, 8888];

/// An HTTP request line start.
fn is_http_request(payload: &[u8]) -> bool {
    HTTP_METHODS.iter().any(|m| payload.starts_with(m))
}

/// A TLS or SSL 3 handshake record header.
fn is_tls_record(payload: &[u8]) -> bool {
    payload.len() >= 3 && payload[0] == 0x16 && payload[1] == 0x03 && payload[2] <= 0x04
}

/// A Modbus/TCP MBAP header: protocol identifier 0 and a length of at least 2.
fn is_modbus(payload: &[u8]) -> bool {
    payload.len() >= 8 && payload[2] == 0 && payload[3] == 0 && u16::from_be_bytes([payload[4], payload[5]]) >= 2
}

/// A DCE/RPC connection-oriented header: version 5, minor version 0 or 1, a known PDU type.
fn is_dce_rpc(payload: &[u8]) -> bool {
    payload.len() >= 16 && payload[0] == 5 && payload[1] <= 1 && payload[2] <= 19
}

/// An NTP message (RFC 5905): 48 bytes or more, version 1 to 4, a mode from 1 to 5.
fn is_ntp(payload: &[u8]) -> bool {
    let version = (payload.first().copied().unwrap_or(0) >> 3) & 0x07;
    let mode = payload.first().copied().unwrap_or(0) & 0x07;
    payload.len() >= 48 && (1..=4).contains(&version) && (1..=5).contains(&mode)
}

/// A DHCP message (RFC 2131): BOOTREQUEST or BOOTREPLY with the magic cookie at byte 236.
fn is_dhcp(payload: &[u8]) -> bool {
    payload.len() >= 240 && matches!(payload[0], 1 | 2) && payload[236..240] == [99, 130, 83, 99]
}

/// A DNS header with plausible counts (over TCP, after the 2-byte length).
fn looks_like_dns(proto: Proto, payload: &[u8]) -> bool {
    let message = if proto == Proto::Tcp { payload.get(2..).unwrap_or(&[]) } else { payload };
    if message.len() < 12 {
        return false;
    }
    let count = |at: usize| u16::from_be_bytes([message[at], message[at + 1]]);
    let opcode = (message[2] >> 3) & 0x0f;
    let (questions, answers) = (count(4), count(6));
    opcode <= 5 && questions <= 16 && questions + answers > 0 && answers < 256 && count(8) < 256 && count(10) < 256
}

/// Parses the data-connection endpoint an FTP control payload announces: `PORT h,h,h,h,p,p`,
/// `EPRT |1|addr|port|`, `227 ... (h,h,h,h,p,p)` or `229 ... (|||port|)`. For 229, which
/// carries only a port, `server` is the address.
pub fn ftp_announced_endpoint(payload: &[u8], server: IpAddr) -> Option<(IpAddr, u16)> {
    let text = String::from_utf8_lossy(&payload[..payload.len().min(256)]);
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("PORT ") {
        return six_numbers(&text[5..]);
    }
    if upper.starts_with("227") {
        let start = text.find('(')? + 1;
        return six_numbers(&text[start..]);
    }
    if upper.starts_with("229") {
        let start = text.find("(|||")? + 4;
        let end = text[start..].find('|')? + start;
        return Some((server, text[start..end].parse().ok()?));
    }
    if upper.starts_with("EPRT ") {
        let parts: Vec<&str> = text[5..].trim().split('|').collect();
        let address: IpAddr = parts.get(2)?.parse().ok()?;
        return Some((address, parts.get(3)?.parse().ok()?));
    }
    None
}

/// Parses `h1,h2,h3,h4,p1,p2` into an IPv4 address and port.
fn six_numbers(text: &str) -> Option<(IpAddr, u16)> {
    let numbers: Vec<u8> = text
        .trim()
        .split(|c: char| !c.is_ascii_digit() && c != ',')
        .next()?
        .split(',')
        .map(|n| n.parse::<u8>())
        .collect::<Result<_, _>>()
        .ok()?;
    if numbers.len() != 6 {
        return None;
    }
    let address = IpAddr::from([numbers[0], numbers[1], numbers[2], numbers[3]]);
    Some((address, u16::from(numbers[4]) << 8 | u16::from(numbers[5])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_confirmation_rules() {
        let mut detector = Detector::default();
        detector.observe(b"GET / HTTP/1.1\r\n", true);
        assert_eq!(detector.service(Proto::Tcp, 502, false, ALL_SERVICES), None);
        assert_eq!(detector.service(Proto::Tcp, 80, false, ALL_SERVICES), Some("http"));
        detector.observe(b"HTTP/1.1 200 OK\r\n", false);
        assert_eq!(detector.service(Proto::Tcp, 502, false, ALL_SERVICES), Some("http"));
        assert_eq!(detector.service(Proto::Tcp, 80, true, ALL_SERVICES), None);
        assert_eq!(detector.service(Proto::Tcp, 80, false, &["ssh"]), None);
    }

    #[test]
    fn ftp_pasv_reply_announces_endpoint() {
        let server: IpAddr = "10.0.0.1".parse().unwrap();
        let found = ftp_announced_endpoint(b"227 Entering Passive Mode (199,233,217,249,221,90).\r\n", server);
        assert_eq!(found, Some(("199.233.217.249".parse().unwrap(), 56666)));
        let found = ftp_announced_endpoint(b"229 Entering Extended Passive Mode (|||40001|)\r\n", server);
        assert_eq!(found, Some((server, 40001)));
        assert_eq!(ftp_announced_endpoint(b"PORT 10,0,0,2,4,1\r\n", server), Some(("10.0.0.2".parse().unwrap(), 1025)));
    }
}

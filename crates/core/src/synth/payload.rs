//! Application payloads: HTTP/1.1 requests and responses, TLS 1.2 handshakes and records, DNS
//! queries and responses (RFC 1035),
//! SMTP dialogues (RFC 5321) and the worm's own binary peer protocol.
//!
//! They are small but well formed, so protocol analysers that look inside (Zeek's HTTP, DNS and
//! SMTP analysers, tshark's dissectors) parse them without weirds.

use super::rng::SplitMix64;
use super::traffic::{Segment, SECOND};
use std::net::Ipv4Addr;

/// Returns an HTTP GET for `path` on `host`.
pub fn http_request(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\nConnection: close\r\n\r\n").into_bytes()
}

/// Returns an HTTP 200 response whose body is `body_len` bytes of `content_type` filler, or
/// `body` itself when given.
pub fn http_response(content_type: &str, body_len: usize, body: Option<&[u8]>) -> Vec<u8> {
    let body: Vec<u8> = match body {
        Some(text) => text.to_vec(),
        None => filler(body_len),
    };
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

/// Returns a request/response pair as two segments.
pub fn web_segments(rng: &mut SplitMix64, host: &str, path: &str, body_len: usize) -> Vec<Segment> {
    vec![
        Segment { from_client: true, data: http_request(host, path), delay: 500 },
        Segment {
            from_client: false,
            data: http_response("text/html", body_len, None),
            delay: rng.range(2_000, 60_000),
        },
    ]
}

/// Returns an HTTPS exchange: a TLS 1.2 ClientHello with the server name (RFC 5246 section
/// 7.4.1.2, RFC 6066 section 3), a ServerHello, then one encrypted request and one encrypted
/// response as application-data records of random bytes.
pub fn tls_segments(rng: &mut SplitMix64, host: &str, request_len: usize, response_len: usize) -> Vec<Segment> {
    vec![
        Segment { from_client: true, data: client_hello(rng, host), delay: 500 },
        Segment { from_client: false, data: server_hello(rng), delay: rng.range(2_000, 30_000) },
        Segment { from_client: true, data: application_data(rng, request_len), delay: 1_000 },
        Segment { from_client: false, data: application_data(rng, response_len), delay: rng.range(2_000, 60_000) },
    ]
}

fn client_hello(rng: &mut SplitMix64, host: &str) -> Vec<u8> {
    let name = &host.as_bytes()[..host.len().min(200)];
    let mut body = vec![0x03, 0x03];
    body.extend((0..32).map(|_| rng.next_u64() as u8));
    body.push(0); // no session id
    body.extend_from_slice(&[0x00, 0x04, 0xc0, 0x2f, 0xc0, 0x30]); // two ECDHE-RSA-AES-GCM suites
    body.extend_from_slice(&[0x01, 0x00]); // null compression only

    // One extension: server_name (type 0) holding one host_name entry.
    let entry_len = name.len() + 3;
    let mut extension = vec![0x00, 0x00];
    extension.extend_from_slice(&((entry_len + 2) as u16).to_be_bytes());
    extension.extend_from_slice(&(entry_len as u16).to_be_bytes());
    extension.push(0);
    extension.extend_from_slice(&(name.len() as u16).to_be_bytes());
    extension.extend_from_slice(name);
    body.extend_from_slice(&(extension.len() as u16).to_be_bytes());
    body.extend_from_slice(&extension);
    handshake_record(0x01, &body)
}

fn server_hello(rng: &mut SplitMix64) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend((0..32).map(|_| rng.next_u64() as u8));
    body.push(0); // no session id
    body.extend_from_slice(&[0xc0, 0x2f, 0x00]); // the chosen suite, null compression
    body.extend_from_slice(&[0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00]); // renegotiation_info, empty
    handshake_record(0x02, &body)
}

/// Wraps a handshake message of type `kind` in a TLS 1.2 record.
fn handshake_record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut record = vec![0x16, 0x03, 0x03];
    record.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    record.push(kind);
    record.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    record.extend_from_slice(body);
    record
}

/// Returns `len` random bytes as TLS application-data records of at most 16 KiB each.
fn application_data(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 5);
    let mut left = len.max(1);
    while left > 0 {
        let chunk = left.min(16_384);
        out.extend_from_slice(&[0x17, 0x03, 0x03]);
        out.extend_from_slice(&(chunk as u16).to_be_bytes());
        out.extend((0..chunk).map(|_| rng.next_u64() as u8));
        left -= chunk;
    }
    out
}

/// Returns `len` bytes of printable filler text.
pub fn filler(len: usize) -> Vec<u8> {
    const TEXT: &[u8] = b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n";
    TEXT.iter().copied().cycle().take(len).collect()
}

/// Returns a DNS query for an A record of `name` with transaction `id`.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut message = Vec::with_capacity(32 + name.len());
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD set, one question
    push_question(&mut message, name);
    message
}

/// Returns the response to [`dns_query`]: one A record for `address` with a 300 s TTL.
pub fn dns_answer(id: u16, name: &str, address: Ipv4Addr) -> Vec<u8> {
    let mut message = Vec::with_capacity(48 + name.len());
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]); // QR, RD, RA; one answer
    push_question(&mut message, name);
    message.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4]); // pointer to the name
    message.extend_from_slice(&address.octets());
    message
}

fn push_question(message: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|label| !label.is_empty()) {
        let bytes = &label.as_bytes()[..label.len().min(63)];
        message.push(bytes.len() as u8);
        message.extend_from_slice(bytes);
    }
    message.push(0);
    message.extend_from_slice(&[0, 1, 0, 1]); // type A, class IN
}

/// Returns a complete SMTP dialogue that delivers one message of about `body_len` bytes.
pub fn smtp_delivery(client_name: &str, server_name: &str, body_len: usize) -> Vec<Segment> {
    let server = |text: String| Segment { from_client: false, data: text.into_bytes(), delay: 20_000 };
    let client = |text: String| Segment { from_client: true, data: text.into_bytes(), delay: 5_000 };
    let mut message =
        format!("From: <news@{client_name}>\r\nTo: <staff@{server_name}>\r\nSubject: Update\r\n\r\n").into_bytes();
    message.extend_from_slice(&filler(body_len));
    message.extend_from_slice(b"\r\n.\r\n");
    vec![
        server(format!("220 {server_name} ESMTP ready\r\n")),
        client(format!("EHLO {client_name}\r\n")),
        server(format!("250-{server_name}\r\n250 SIZE 52428800\r\n")),
        client(format!("MAIL FROM:<news@{client_name}>\r\nRCPT TO:<staff@{server_name}>\r\nDATA\r\n")),
        server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n".to_string()),
        Segment { from_client: true, data: message, delay: 5_000 },
        server("250 2.0.0 Ok: queued\r\n".to_string()),
        client("QUIT\r\n".to_string()),
        server("221 2.0.0 Bye\r\n".to_string()),
    ]
}

/// Returns an SMTP dialogue in which the server refuses the client in its greeting
/// (RFC 5321 section 3.1: a 554 greeting means no service).
pub fn smtp_refusal(client_name: &str, server_name: &str) -> Vec<Segment> {
    vec![
        Segment {
            from_client: false,
            data: format!(
                "554 5.7.1 {server_name} Service unavailable; client host blocked using zen.spamhaus.org\r\n"
            )
            .into_bytes(),
            delay: 30_000,
        },
        Segment { from_client: true, data: b"QUIT\r\n".to_vec(), delay: 5_000 },
        Segment {
            from_client: false,
            data: format!("221 2.0.0 {client_name} closing connection\r\n").into_bytes(),
            delay: 5_000,
        },
    ]
}

/// Returns one exchange of the worm's peer protocol: a binary hello and a binary reply of
/// random bytes, `up` and `down` long.
pub fn peer_segments(rng: &mut SplitMix64, up: usize, down: usize) -> Vec<Segment> {
    let mut hello = vec![0x57, 0x53, 0x01, 0x00];
    hello.extend((0..up).map(|_| rng.next_u64() as u8));
    let mut reply = vec![0x57, 0x53, 0x02, 0x00];
    reply.extend((0..down).map(|_| rng.next_u64() as u8));
    vec![
        Segment { from_client: true, data: hello, delay: 1_000 },
        Segment { from_client: false, data: reply, delay: rng.range(10_000, SECOND / 2) },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_query_encodes_labels() {
        let query = dns_query(0x1234, "www.example.org");
        assert_eq!(&query[..2], &[0x12, 0x34]);
        assert_eq!(&query[12..16], b"\x03www");
        assert_eq!(query.len(), 12 + 17 + 4);
    }

    #[test]
    fn http_response_content_length_matches_body() {
        let response = http_response("text/html", 321, None);
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text.split_once("\r\n\r\n").expect("header end");
        assert!(head.contains("Content-Length: 321"));
        assert_eq!(body.len(), 321);
    }
}

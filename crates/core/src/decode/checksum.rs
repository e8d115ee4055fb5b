//! Internet checksums (RFC 1071) for IPv4 headers and for TCP, UDP and ICMP, with the
//! pseudo-headers of RFC 793/768 (IPv4) and RFC 8200 section 8.1 (IPv6).

use std::net::IpAddr;

/// The fields of the pseudo-header that TCP, UDP and ICMPv6 checksums cover.
pub struct PseudoHeader {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
}

/// Adds 16-bit big-endian words of `bytes` to `sum` (an odd last byte is padded with zero).
fn add_words(mut sum: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(2);
    for pair in &mut chunks {
        sum += u64::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u64::from(*last) << 8;
    }
    sum
}

/// Folds a sum to 16 bits; a correct checksum over data including its checksum field folds
/// to 0xffff.
fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Returns true if and only if the IPv4 header checksum is correct.
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    fold(add_words(0, header)) == 0xffff
}

/// Returns true if and only if the TCP, UDP or ICMPv6 checksum over `segment` is correct.
pub fn transport_ok(pseudo: &PseudoHeader, segment: &[u8]) -> bool {
    let mut sum = 0u64;
    match (pseudo.src, pseudo.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            sum = add_words(sum, &s.octets());
            sum = add_words(sum, &d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            sum = add_words(sum, &s.octets());
            sum = add_words(sum, &d.octets());
        }
        _ => return false,
    }
    sum += u64::from(pseudo.proto);
    sum += segment.len() as u64;
    fold(add_words(sum, segment)) == 0xffff
}

/// Returns true if and only if the ICMPv4 checksum (no pseudo-header) is correct.
pub fn icmpv4_ok(message: &[u8]) -> bool {
    fold(add_words(0, message)) == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_header_checksum_known_value() {
        // Header from RFC 1071-style example: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7
        let header = [0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7];
        assert!(ipv4_header_ok(&header));
        let mut broken = header;
        broken[11] ^= 1;
        assert!(!ipv4_header_ok(&broken));
    }
}

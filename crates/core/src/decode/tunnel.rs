//! Tunnels: finding the inner packet of IP-in-IP (RFC 2003, IP protocols 4 and 41), GRE
//! (RFC 2784 and 2890, IP protocol 47), Teredo (RFC 4380, IPv6 in UDP) and VXLAN (RFC 7348,
//! Ethernet in UDP port 4789).
//!
//! Teredo has no fixed port on the relay side, so, like Zeek's protocol detection, any UDP
//! payload is tried; it counts as Teredo only when, after the optional authentication and
//! origin indication headers, an IPv6 header follows whose payload length accounts for
//! exactly the rest of the datagram.

use super::link::{self, NetProto};
use std::net::IpAddr;

/// The kind of encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TunnelKind {
    IpInIp,
    Gre,
    Teredo,
    Vxlan,
}

impl TunnelKind {
    /// Returns the service name Zeek logs on the outer UDP connection, if any.
    pub fn service(self) -> Option<&'static str> {
        match self {
            TunnelKind::Teredo => Some("teredo"),
            TunnelKind::Vxlan => Some("vxlan"),
            TunnelKind::IpInIp | TunnelKind::Gre => None,
        }
    }
}

/// The outer packet a tunnelled packet arrived in: its kind, addresses and ports (0 for
/// IP-level tunnels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TunnelId {
    pub kind: TunnelKind,
    pub src: (IpAddr, u16),
    pub dst: (IpAddr, u16),
}

/// The VXLAN UDP port (IANA).
pub const VXLAN_PORT: u16 = 4789;

/// Returns the inner network protocol and bytes of an IP-level tunnel, if `ip_proto`
/// carries one and its header is well formed.
pub fn inner_of_ip(ip_proto: u8, payload: &[u8]) -> Option<(TunnelKind, NetProto, &[u8])> {
    match ip_proto {
        4 => Some((TunnelKind::IpInIp, NetProto::Ipv4, payload)),
        41 => Some((TunnelKind::IpInIp, NetProto::Ipv6, payload)),
        47 => gre(payload),
        _ => None,
    }
}

/// GRE version 0: flags, protocol type, then optional checksum, key and sequence number.
fn gre(payload: &[u8]) -> Option<(TunnelKind, NetProto, &[u8])> {
    if payload.len() < 4 || payload[1] & 0x07 != 0 {
        return None;
    }
    let flags = payload[0];
    let optional = [0x80u8, 0x20, 0x10].iter().filter(|bit| flags & **bit != 0).count() * 4;
    let header_len = 4 + optional;
    let inner = payload.get(header_len..)?;
    match u16::from_be_bytes([payload[2], payload[3]]) {
        0x0800 => Some((TunnelKind::Gre, NetProto::Ipv4, inner)),
        0x86dd => Some((TunnelKind::Gre, NetProto::Ipv6, inner)),
        // Transparent Ethernet bridging: a whole Ethernet frame.
        0x6558 => {
            let (proto, bytes) = link::strip(1, inner).ok()?;
            Some((TunnelKind::Gre, proto, bytes))
        }
        _ => None,
    }
}

/// Returns the inner network protocol and bytes of a UDP tunnel (VXLAN or Teredo), if the
/// datagram carries one.
pub fn inner_of_udp(destination_port: u16, payload: &[u8]) -> Option<(TunnelKind, NetProto, &[u8])> {
    if destination_port == VXLAN_PORT {
        return vxlan(payload);
    }
    teredo(payload).map(|bytes| (TunnelKind::Teredo, NetProto::Ipv6, bytes))
}

/// VXLAN: an 8-byte header whose I flag says the network identifier is valid, then Ethernet.
fn vxlan(payload: &[u8]) -> Option<(TunnelKind, NetProto, &[u8])> {
    if payload.len() < 8 + 14 || payload[0] & 0x08 == 0 {
        return None;
    }
    let (proto, bytes) = link::strip(1, &payload[8..]).ok()?;
    Some((TunnelKind::Vxlan, proto, bytes))
}

/// Teredo: optional authentication (type 1) and origin indication (type 0) headers, then an
/// IPv6 packet whose length matches the datagram exactly.
fn teredo(mut payload: &[u8]) -> Option<&[u8]> {
    if payload.len() >= 4 && payload[0] == 0 && payload[1] == 1 {
        // Authentication: id length, auth length, then id, auth value, 8-byte nonce, confirmation.
        let header_len = 4 + usize::from(payload[2]) + usize::from(payload[3]) + 8 + 1;
        payload = payload.get(header_len..)?;
    }
    if payload.len() >= 8 && payload[0] == 0 && payload[1] == 0 {
        payload = &payload[8..];
    }
    if payload.len() < 40 || payload[0] >> 4 != 6 {
        return None;
    }
    let declared = usize::from(u16::from_be_bytes([payload[4], payload[5]]));
    (declared + 40 == payload.len()).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teredo_rejects_dns() {
        // A DNS query header does not pass as an IPv6 packet.
        let dns = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 0, 0, 1, 0, 1];
        assert!(teredo(&dns).is_none());
    }

    #[test]
    fn gre_skips_optional_fields() {
        // Key present (0x20): 4 extra bytes before the inner IPv4 packet.
        let mut packet = vec![0x20, 0x00, 0x08, 0x00, 0, 0, 0, 7];
        packet.extend_from_slice(&[0x45, 0, 0, 20]);
        let (kind, proto, inner) = inner_of_ip(47, &packet).unwrap();
        assert_eq!((kind, proto), (TunnelKind::Gre, NetProto::Ipv4));
        assert_eq!(inner[0], 0x45);
    }
}

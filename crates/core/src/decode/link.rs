//! Link layers: from a record's link type and bytes to the network-layer protocol and its
//! bytes.
//!
//! Supported link types (tcpdump.org numbering): NULL (0) and LOOP (108), the BSD loopback
//! header with an address family; ETHERNET (1) with 802.1Q and QinQ tags (0x8100, 0x88a8,
//! 0x9100), MPLS label stacks (0x8847, 0x8848), PPPoE sessions (0x8864) and Cisco FabricPath
//! (0x8903); RAW (101, and 12 and 14 as some systems number it), IPV4 (228) and IPV6 (229);
//! LINUX_SLL (113) and LINUX_SLL2 (276).

use super::SkipReason;

/// The network-layer protocol a link layer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetProto {
    Ipv4,
    Ipv6,
    /// Any other EtherType (ARP, LLDP, ...), kept for the skip count.
    Other(u16),
}

/// Ethernet frames nested deeper than this (tags, labels, FabricPath) are given up on.
const MAX_LINK_DEPTH: usize = 8;

/// Returns the network protocol and the bytes after the link-layer headers.
pub fn strip(linktype: u16, data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    match linktype {
        0 => loopback(data, false),
        108 => loopback(data, true),
        1 => ethernet(data),
        12 | 14 | 101 => raw_ip(data),
        228 => Ok((NetProto::Ipv4, data)),
        229 => Ok((NetProto::Ipv6, data)),
        113 => linux_sll(data),
        276 => linux_sll2(data),
        _ => Err(SkipReason::UnsupportedLinktype),
    }
}

/// BSD loopback: a 4-byte address family, in the writer's byte order for NULL and in
/// network byte order for LOOP. IPv6 has family 24, 28 or 30 depending on the BSD.
fn loopback(data: &[u8], network_order: bool) -> Result<(NetProto, &[u8]), SkipReason> {
    let Some(header) = data.get(..4) else {
        return Err(SkipReason::TruncatedLinkHeader);
    };
    let be = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let le = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let family = if network_order || be < 256 { be } else { le };
    let proto = match family {
        2 => NetProto::Ipv4,
        24 | 28 | 30 => NetProto::Ipv6,
        other => NetProto::Other(other as u16),
    };
    Ok((proto, &data[4..]))
}

/// Raw IP: the version nibble tells IPv4 from IPv6.
fn raw_ip(data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    match data.first().map(|b| b >> 4) {
        Some(4) => Ok((NetProto::Ipv4, data)),
        Some(6) => Ok((NetProto::Ipv6, data)),
        Some(_) => Err(SkipReason::InvalidIpVersion),
        None => Err(SkipReason::TruncatedLinkHeader),
    }
}

/// Ethernet II, following tags and encapsulations down to the network layer.
fn ethernet(data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    if data.len() < 14 {
        return Err(SkipReason::TruncatedLinkHeader);
    }
    let ether_type = u16::from_be_bytes([data[12], data[13]]);
    ether_payload(ether_type, &data[14..], 0)
}

/// Follows one EtherType; `depth` bounds the nesting.
fn ether_payload(ether_type: u16, data: &[u8], depth: usize) -> Result<(NetProto, &[u8]), SkipReason> {
    if depth > MAX_LINK_DEPTH {
        return Err(SkipReason::UnsupportedEncapsulation);
    }
    let need = |n: usize| if data.len() < n { Err(SkipReason::TruncatedLinkHeader) } else { Ok(()) };
    match ether_type {
        0x0800 => Ok((NetProto::Ipv4, data)),
        0x86dd => Ok((NetProto::Ipv6, data)),
        // 802.1Q, 802.1ad (QinQ) and the older 0x9100 tag: TCI then the inner EtherType.
        0x8100 | 0x88a8 | 0x9100 => {
            need(4)?;
            ether_payload(u16::from_be_bytes([data[2], data[3]]), &data[4..], depth + 1)
        }
        0x8847 | 0x8848 => mpls(data),
        0x8864 => pppoe_session(data),
        // Cisco FabricPath: the 16-byte outer header ends with the 0x8903 type already read
        // and 2 bytes of FTag and TTL; the inner Ethernet frame follows.
        0x8903 => {
            need(2 + 14)?;
            let inner = &data[2..];
            ether_payload(u16::from_be_bytes([inner[12], inner[13]]), &inner[14..], depth + 1)
        }
        other => Ok((NetProto::Other(other), data)),
    }
}

/// MPLS: labels of 4 bytes until the bottom-of-stack bit, then IP by its version nibble.
fn mpls(mut data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    for _ in 0..MAX_LINK_DEPTH {
        let Some(label) = data.get(..4) else {
            return Err(SkipReason::TruncatedLinkHeader);
        };
        let bottom = label[2] & 0x01 != 0;
        data = &data[4..];
        if bottom {
            return raw_ip(data);
        }
    }
    Err(SkipReason::UnsupportedEncapsulation)
}

/// PPPoE session stage (RFC 2516): a 6-byte header, then the PPP protocol number.
fn pppoe_session(data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    if data.len() < 8 {
        return Err(SkipReason::TruncatedLinkHeader);
    }
    match u16::from_be_bytes([data[6], data[7]]) {
        0x0021 => Ok((NetProto::Ipv4, &data[8..])),
        0x0057 => Ok((NetProto::Ipv6, &data[8..])),
        other => Ok((NetProto::Other(other), &data[8..])),
    }
}

/// Linux cooked capture v1: 16 bytes, the protocol (an EtherType) at offset 14.
fn linux_sll(data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    if data.len() < 16 {
        return Err(SkipReason::TruncatedLinkHeader);
    }
    ether_payload(u16::from_be_bytes([data[14], data[15]]), &data[16..], 0)
}

/// Linux cooked capture v2: 20 bytes, the protocol (an EtherType) at offset 0.
fn linux_sll2(data: &[u8]) -> Result<(NetProto, &[u8]), SkipReason> {
    if data.len() < 20 {
        return Err(SkipReason::TruncatedLinkHeader);
    }
    ether_payload(u16::from_be_bytes([data[0], data[1]]), &data[20..], 0)
}

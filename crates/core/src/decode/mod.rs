//! Decoding: one raw record in, a [`Packet`] summary out.
//!
//! The decoder strips the link layer ([`link`]), slices IPv4 or IPv6 and the transport header
//! with etherparse's lax slicing (a packet cut short by the snaplen still yields what it
//! holds), verifies the IPv4 header checksum and, when the whole segment was captured, the
//! TCP, UDP and ICMP checksums, and reassembles IP fragments ([`fragments`]).
//!
//! A [`Packet`] keeps only what connection tracking needs: addresses, the transport header
//! fields, the IP total length, the payload length the headers announce, and the first
//! captured payload bytes. Raw bytes stop here.

mod checksum;
mod fragments;
mod link;
mod tunnel;

use crate::capture::RawPacket;
use crate::time::Timestamp;
use etherparse::{Icmpv4Slice, Icmpv6Slice, IpNumber, LaxIpSlice, LenSource, TcpSlice, UdpSlice};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub use link::NetProto;
pub use tunnel::{TunnelId, TunnelKind};

/// The TCP flag bits, as in the header's flags byte.
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

/// One TCP segment's header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    pub source_port: u16,
    pub destination_port: u16,
    pub sequence_number: u32,
    pub acknowledgment_number: u32,
    /// The flag bits (see [`tcp_flags`]).
    pub flags: u8,
    pub window_size: u16,
    /// Payload length from the IP length fields (not what was captured).
    pub payload_len: u32,
    /// The captured payload bytes (may be shorter than `payload_len`).
    pub payload: &'a [u8],
}

impl TcpSegment<'_> {
    /// Returns true if and only if every bit of `mask` is set.
    pub fn has(&self, mask: u8) -> bool {
        self.flags & mask == mask
    }
}

/// The transport layer of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp {
        source_port: u16,
        destination_port: u16,
        /// Payload length from the UDP length field.
        payload_len: u32,
        payload: &'a [u8],
    },
    Icmp {
        /// ICMPv6 rather than ICMPv4.
        v6: bool,
        icmp_type: u8,
        code: u8,
        /// Bytes after the 8-byte ICMP header, from the IP length.
        payload_len: u32,
    },
    /// Any other IP protocol.
    Other,
}

/// A decoded packet, with what connection tracking and the reports need.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    pub ts: Timestamp,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the transport layer.
    pub ip_proto: u8,
    /// The IP total length: IPv4 total length, or 40 plus the IPv6 payload length.
    pub ip_len: u32,
    /// False if the IPv4 header checksum or the transport checksum is wrong.
    pub checksum_ok: bool,
    pub transport: Transport<'a>,
    /// The tunnel this packet arrived in, if it was encapsulated.
    pub tunnel: Option<TunnelId>,
    /// The tunnel kind this (outer) packet carries, if it was decapsulated.
    pub carries: Option<TunnelKind>,
}

/// Why a record did not become a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// The link type is not one wormscope decodes.
    UnsupportedLinktype,
    /// Too short for its link-layer header.
    TruncatedLinkHeader,
    /// Nested deeper than the decoder follows.
    UnsupportedEncapsulation,
    /// Not IP: ARP, LLDP, spanning tree and the like.
    NotIp,
    /// The IP version nibble is neither 4 nor 6, or disagrees with the link layer.
    InvalidIpVersion,
    /// The IP header is cut short or inconsistent (e.g. header length below 20).
    InvalidIpHeader,
    /// The transport header is cut short or inconsistent.
    InvalidTransportHeader,
    /// A fragment that could not be reassembled (bounded memory, overlap, timeout).
    FragmentDropped,
}

impl SkipReason {
    /// Returns the stable name used in counts.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::UnsupportedLinktype => "unsupported_linktype",
            SkipReason::TruncatedLinkHeader => "truncated_link_header",
            SkipReason::UnsupportedEncapsulation => "unsupported_encapsulation",
            SkipReason::NotIp => "not_ip",
            SkipReason::InvalidIpVersion => "invalid_ip_version",
            SkipReason::InvalidIpHeader => "invalid_ip_header",
            SkipReason::InvalidTransportHeader => "invalid_transport_header",
            SkipReason::FragmentDropped => "fragment_dropped",
        }
    }
}

/// What became of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeOutcome {
    /// One packet was passed to the sink.
    Delivered,
    /// A fragment was stored to wait for the rest of its datagram.
    Pending,
    /// The record was skipped.
    Skipped(SkipReason),
}

/// The callback that receives each decoded packet.
pub type PacketSink<'s> = dyn FnMut(&Packet) + 's;

/// Decodes records one at a time, holding fragments until their datagram is complete.
#[derive(Default)]
pub struct Decoder {
    fragments: fragments::Reassembler,
    anomalies: BTreeMap<&'static str, u64>,
}

impl Decoder {
    /// Returns the anomalies counted so far (e.g. `bad_ip_checksum`).
    pub fn anomalies(&self) -> BTreeMap<&'static str, u64> {
        let mut all = self.anomalies.clone();
        for (name, count) in self.fragments.anomalies() {
            *all.entry(name).or_default() += count;
        }
        all
    }

    /// Decodes one record; calls `sink` once if a packet (or a completed datagram) results.
    pub fn decode(&mut self, raw: &RawPacket, sink: &mut PacketSink) -> DecodeOutcome {
        let (proto, bytes) = match link::strip(raw.linktype, raw.data) {
            Ok(found) => found,
            Err(reason) => return DecodeOutcome::Skipped(reason),
        };
        let version = bytes.first().map(|b| b >> 4);
        match (proto, version) {
            (NetProto::Ipv4, Some(4)) | (NetProto::Ipv6, Some(6)) => self.decode_ip(raw.ts, bytes, None, sink),
            (NetProto::Other(_), _) => DecodeOutcome::Skipped(SkipReason::NotIp),
            _ => DecodeOutcome::Skipped(SkipReason::InvalidIpVersion),
        }
    }

    /// Slices the IP layer; fragments go to the reassembler.
    fn decode_ip(&mut self, ts: Timestamp, bytes: &[u8], tunnel: Option<(TunnelId, usize)>, sink: &mut PacketSink) -> DecodeOutcome {
        let Ok((ip, _ext_error)) = LaxIpSlice::from_slice(bytes) else {
            return DecodeOutcome::Skipped(SkipReason::InvalidIpHeader);
        };
        let (src, dst) = (ip.source_addr(), ip.destination_addr());
        let (ip_len, header_ok) = match &ip {
            LaxIpSlice::Ipv4(v4) => {
                let header = v4.header();
                let ok = checksum::ipv4_header_ok(header.slice());
                (u32::from(header.total_len()), ok)
            }
            LaxIpSlice::Ipv6(v6) => (40 + u32::from(v6.header().payload_length()), true),
        };
        if !header_ok {
            *self.anomalies.entry("bad_ip_checksum").or_default() += 1;
        }
        let payload = ip.payload();

        // Fragments wait for the rest of their datagram.
        if payload.fragmented {
            return match self.fragments.add(ts, bytes) {
                fragments::AddOutcome::Pending => DecodeOutcome::Pending,
                fragments::AddOutcome::Dropped => DecodeOutcome::Skipped(SkipReason::FragmentDropped),
                fragments::AddOutcome::Complete(datagram) => {
                    // The IP length of the reassembled datagram: this fragment's headers plus
                    // the whole payload.
                    let headers_len = (payload.payload.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize) as u32;
                    let payload_len = datagram.payload.len() as u32;
                    let ip_len = headers_len + payload_len;
                    let header = IpInfo { ts, src, dst, ip_len, header_ok, complete: true, payload_len, tunnel };
                    self.decode_transport(&header, datagram.ip_number, &datagram.payload, sink)
                }
            };
        }

        // The headers end where the payload slice starts within the IP bytes.
        let headers_len = (payload.payload.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize) as u32;
        let complete = !payload.incomplete && payload.len_source != LenSource::Slice;
        let payload_len = if complete { payload.payload.len() as u32 } else { ip_len.saturating_sub(headers_len).max(payload.payload.len() as u32) };
        let header = IpInfo { ts, src, dst, ip_len, header_ok, complete, payload_len, tunnel };
        self.decode_transport(&header, payload.ip_number, payload.payload, sink)
    }

    /// Decodes the transport header from the IP payload and hands the packet to the sink.
    fn decode_transport(&mut self, ip: &IpInfo, ip_number: IpNumber, payload: &[u8], sink: &mut PacketSink) -> DecodeOutcome {
        let Some((transport, transport_ok)) = slice_transport(ip, ip_number, payload) else {
            return DecodeOutcome::Skipped(SkipReason::InvalidTransportHeader);
        };
        let mut packet = Packet {
            ts: ip.ts,
            src: ip.src,
            dst: ip.dst,
            ip_proto: ip_number.0,
            ip_len: ip.ip_len,
            checksum_ok: ip.header_ok && transport_ok,
            transport,
            tunnel: ip.tunnel.map(|(id, _)| id),
            carries: None,
        };
        let depth = ip.tunnel.map_or(0, |(_, depth)| depth);
        if depth >= MAX_TUNNEL_DEPTH {
            sink(&packet);
            return DecodeOutcome::Delivered;
        }

        // IP-level tunnels replace the outer packet, which Zeek does not log as a connection.
        if let Some((kind, proto, inner)) = tunnel::inner_of_ip(ip_number.0, payload) {
            let id = TunnelId { kind, src: (ip.src, 0), dst: (ip.dst, 0) };
            let outcome = self.decode_inner(ip.ts, proto, inner, id, depth, sink);
            if matches!(outcome, DecodeOutcome::Delivered | DecodeOutcome::Pending) {
                return outcome;
            }
        }

        // UDP tunnels keep the outer connection and add the inner one.
        if let Transport::Udp { source_port, destination_port, payload: udp_payload, .. } = packet.transport {
            if let Some((kind, proto, inner)) = tunnel::inner_of_udp(destination_port, udp_payload) {
                packet.carries = Some(kind);
                sink(&packet);
                let id = TunnelId { kind, src: (ip.src, source_port), dst: (ip.dst, destination_port) };
                self.decode_inner(ip.ts, proto, inner, id, depth, sink);
                return DecodeOutcome::Delivered;
            }
        }
        sink(&packet);
        DecodeOutcome::Delivered
    }

    /// Decodes a tunnel's inner packet, one level deeper.
    fn decode_inner(&mut self, ts: Timestamp, proto: NetProto, bytes: &[u8], id: TunnelId, depth: usize, sink: &mut PacketSink) -> DecodeOutcome {
        let version = bytes.first().map(|b| b >> 4);
        match (proto, version) {
            (NetProto::Ipv4, Some(4)) | (NetProto::Ipv6, Some(6)) => self.decode_ip(ts, bytes, Some((id, depth + 1)), sink),
            _ => DecodeOutcome::Skipped(SkipReason::NotIp),
        }
    }
}

/// Slices the transport header and verifies its checksum when the whole segment was captured.
/// Returns `None` when a TCP, UDP or ICMP header is cut short or inconsistent.
fn slice_transport<'a>(ip: &IpInfo, ip_number: IpNumber, payload: &'a [u8]) -> Option<(Transport<'a>, bool)> {
    let pseudo = checksum::PseudoHeader { src: ip.src, dst: ip.dst, proto: ip_number.0 };
    let checked = |ok: bool| !ip.complete || ok;
    let found = match ip_number {
        IpNumber::TCP => {
            let tcp = TcpSlice::from_slice(payload).ok()?;
            let header_len = tcp.header_slice().len() as u32;
            let segment = TcpSegment {
                source_port: tcp.source_port(),
                destination_port: tcp.destination_port(),
                sequence_number: tcp.sequence_number(),
                acknowledgment_number: tcp.acknowledgment_number(),
                flags: payload.get(13).copied().unwrap_or(0) & 0x3f,
                window_size: tcp.window_size(),
                payload_len: ip.payload_len.saturating_sub(header_len),
                payload: tcp.payload(),
            };
            (Transport::Tcp(segment), checked(checksum::transport_ok(&pseudo, payload)))
        }
        IpNumber::UDP => {
            let udp = UdpSlice::from_slice_lax(payload).ok()?;
            let transport = Transport::Udp {
                source_port: udp.source_port(),
                destination_port: udp.destination_port(),
                payload_len: u32::from(udp.length()).saturating_sub(8),
                payload: udp.payload(),
            };
            // An IPv4 UDP checksum of zero means the sender computed none.
            let unchecked = udp.checksum() == 0 && ip.src.is_ipv4();
            (transport, checked(unchecked || checksum::transport_ok(&pseudo, payload)))
        }
        IpNumber::ICMP => {
            let icmp = Icmpv4Slice::from_slice(payload).ok()?;
            let transport = Transport::Icmp { v6: false, icmp_type: icmp.type_u8(), code: icmp.code_u8(), payload_len: ip.payload_len.saturating_sub(8) };
            (transport, checked(checksum::icmpv4_ok(payload)))
        }
        IpNumber::IPV6_ICMP => {
            let icmp = Icmpv6Slice::from_slice(payload).ok()?;
            let transport = Transport::Icmp { v6: true, icmp_type: icmp.type_u8(), code: icmp.code_u8(), payload_len: ip.payload_len.saturating_sub(8) };
            (transport, checked(checksum::transport_ok(&pseudo, payload)))
        }
        _ => (Transport::Other, true),
    };
    Some(found)
}

/// The IP-layer facts the transport decoding needs.
struct IpInfo {
    ts: Timestamp,
    src: IpAddr,
    dst: IpAddr,
    ip_len: u32,
    header_ok: bool,
    /// The whole IP payload was captured, so transport checksums can be verified.
    complete: bool,
    /// The IP payload length the headers announce (total length minus all IP headers).
    payload_len: u32,
    /// The tunnel the packet arrived in, and how deep the nesting is.
    tunnel: Option<(TunnelId, usize)>,
}

/// Tunnels nested deeper than this are not opened.
const MAX_TUNNEL_DEPTH: usize = 4;

#[cfg(test)]
mod tests;

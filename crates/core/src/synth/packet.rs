//! Ethernet II / IPv4 / TCP and UDP frames for the synthetic capture.
//!
//! Headers and checksums come from etherparse's `PacketBuilder`, so every IPv4 header checksum
//! and every TCP and UDP checksum (over the RFC 793 / RFC 768 pseudo-header) is valid. SYN and
//! SYN-ACK segments carry one option, the maximum segment size (RFC 9293 section 3.7.1), as real
//! stacks do; other segments carry none.

use etherparse::{PacketBuilder, TcpOptionElement};
use std::net::Ipv4Addr;

/// The maximum segment size that both sides announce: Ethernet's 1500-byte MTU less 40 bytes of
/// IPv4 and TCP headers.
pub const MSS: u16 = 1460;

/// One side of a frame: its MAC address, IPv4 address and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Side {
    /// The Ethernet address the frame carries for this side.
    pub mac: [u8; 6],
    /// The IPv4 address.
    pub address: Ipv4Addr,
    /// The TCP or UDP port.
    pub port: u16,
}

/// The TCP header fields the generator varies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// Synchronize sequence numbers.
    pub syn: bool,
    /// The acknowledgment number, when the ACK flag is set.
    pub ack: Option<u32>,
    /// Push.
    pub psh: bool,
    /// No more data from the sender.
    pub fin: bool,
    /// Reset.
    pub rst: bool,
}

/// Builds one TCP segment from `source` to `destination` with sequence number `seq`.
pub fn tcp_frame(source: Side, destination: Side, ttl: u8, seq: u32, flags: TcpFlags, payload: &[u8]) -> Vec<u8> {
    // A window of zero would read as a zero-window probe ('w' in Zeek's history), so a RST
    // alone carries 0 and everything else a full window.
    let window = if flags.rst && flags.ack.is_none() { 0 } else { 64_240 };
    let mut builder = PacketBuilder::ethernet2(source.mac, destination.mac)
        .ipv4(source.address.octets(), destination.address.octets(), ttl)
        .tcp(source.port, destination.port, seq, window);
    if flags.syn {
        builder = builder.syn();
        // One option cannot overflow the 40-byte option space, so this never fails.
        builder = builder.options(&[TcpOptionElement::MaximumSegmentSize(MSS)]).unwrap_or_else(|_| unreachable!());
    }
    if let Some(ack) = flags.ack {
        builder = builder.ack(ack);
    }
    if flags.psh {
        builder = builder.psh();
    }
    if flags.fin {
        builder = builder.fin();
    }
    if flags.rst {
        builder = builder.rst();
    }

    let mut frame = Vec::with_capacity(builder.size(payload.len()));
    // Writing into a Vec cannot fail, and callers pass at most one MSS of payload, far below
    // the IPv4 length limit.
    builder.write(&mut frame, payload).unwrap_or_else(|_| unreachable!());
    frame
}

/// Builds one UDP datagram from `source` to `destination`.
pub fn udp_frame(source: Side, destination: Side, ttl: u8, payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(source.mac, destination.mac)
        .ipv4(source.address.octets(), destination.address.octets(), ttl)
        .udp(source.port, destination.port);
    let mut frame = Vec::with_capacity(builder.size(payload.len()));
    builder.write(&mut frame, payload).unwrap_or_else(|_| unreachable!());
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn side(last: u8, port: u16) -> Side {
        Side { mac: [2, 0, 0, 0, 0, last], address: Ipv4Addr::new(10, 0, 0, last), port }
    }

    #[test]
    fn tcp_frame_syn_carries_mss() {
        let flags = TcpFlags { syn: true, ..TcpFlags::default() };
        let frame = tcp_frame(side(1, 40000), side(2, 80), 64, 1000, flags, &[]);
        let packet = SlicedPacket::from_ethernet(&frame).expect("frame parses");
        let Some(TransportSlice::Tcp(tcp)) = packet.transport else { panic!("no TCP header") };
        assert!(tcp.syn());
        assert_eq!(tcp.sequence_number(), 1000);
        assert_eq!(tcp.options().len(), 4);
    }

    #[test]
    fn udp_frame_checksum_valid() {
        let frame = udp_frame(side(1, 5353), side(2, 53), 64, b"query");
        let packet = SlicedPacket::from_ethernet(&frame).expect("frame parses");
        let Some(NetSlice::Ipv4(ip)) = packet.net else { panic!("no IPv4 header") };
        let Some(TransportSlice::Udp(udp)) = packet.transport else { panic!("no UDP header") };
        let expected = udp.to_header().calc_checksum_ipv4(&ip.header().to_header(), udp.payload());
        assert_eq!(udp.checksum(), expected.expect("checksum computes"));
    }
}

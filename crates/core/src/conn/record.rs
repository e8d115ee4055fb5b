//! The finished connection record, field for field as Zeek's conn.log carries it.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// The transport protocol of a connection, named as Zeek's `proto` field names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proto {
    /// TCP (IP protocol 6).
    Tcp,
    /// UDP (IP protocol 17).
    Udp,
    /// ICMP or ICMPv6 (IP protocols 1 and 58).
    Icmp,
    /// Any other IP protocol; Zeek keys these by address pair alone.
    UnknownTransport,
}

impl Proto {
    /// Returns Zeek's spelling: `tcp`, `udp`, `icmp` or `unknown_transport`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::UnknownTransport => "unknown_transport",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Zeek's summary of how a connection went (`conn_state` in conn.log).
///
/// The TCP codes follow `conn_state()` in Zeek's `base/protocols/conn/main.zeek`. UDP uses
/// only SF, S0, SHR and OTH; ICMP and other transports are always OTH, as in Zeek.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ConnState {
    /// Connection attempt seen, no reply. For UDP and ICMP: only the originator sent.
    S0,
    /// Connection established, not terminated (no FIN or RST seen).
    S1,
    /// Normal establishment and termination. For UDP and ICMP: both sides sent.
    SF,
    /// Connection attempt rejected: the responder answered the SYN with a RST.
    REJ,
    /// Established, and the originator attempted to close, with no reply from the responder.
    S2,
    /// Established, and the responder attempted to close, with no reply from the originator.
    S3,
    /// Established, and the originator aborted with a RST.
    RSTO,
    /// Established, and the responder aborted with a RST.
    RSTR,
    /// The originator sent a SYN and then a RST; no SYN-ACK from the responder was seen.
    RSTOS0,
    /// The responder sent a SYN-ACK and then a RST; no SYN from the originator was seen.
    RSTRH,
    /// The originator sent a SYN and then a FIN; no SYN-ACK from the responder was seen.
    SH,
    /// The responder sent a SYN-ACK and then a FIN; no SYN from the originator was seen.
    /// For UDP and ICMP: only the responder sent.
    SHR,
    /// No SYN seen, only midstream traffic (a partial connection), or nothing else fits.
    OTH,
}

impl ConnState {
    /// Every code, in the order Zeek's documentation lists them.
    pub const ALL: [ConnState; 13] = [
        ConnState::S0,
        ConnState::S1,
        ConnState::SF,
        ConnState::REJ,
        ConnState::S2,
        ConnState::S3,
        ConnState::RSTO,
        ConnState::RSTR,
        ConnState::RSTOS0,
        ConnState::RSTRH,
        ConnState::SH,
        ConnState::SHR,
        ConnState::OTH,
    ];

    /// Returns the code as conn.log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::S0 => "S0",
            ConnState::S1 => "S1",
            ConnState::SF => "SF",
            ConnState::REJ => "REJ",
            ConnState::S2 => "S2",
            ConnState::S3 => "S3",
            ConnState::RSTO => "RSTO",
            ConnState::RSTR => "RSTR",
            ConnState::RSTOS0 => "RSTOS0",
            ConnState::RSTRH => "RSTRH",
            ConnState::SH => "SH",
            ConnState::SHR => "SHR",
            ConnState::OTH => "OTH",
        }
    }

    /// Returns true if and only if this code means the originator tried to connect and never
    /// completed a handshake with data (the "failed attempt" of Zeek's scan detection:
    /// unanswered, rejected, or reset before data).
    pub fn is_failed_attempt(self) -> bool {
        matches!(self, ConnState::S0 | ConnState::REJ | ConnState::RSTOS0 | ConnState::SH)
    }
}

impl fmt::Display for ConnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finished connection, with the fields of Zeek's conn.log.
///
/// A connection is bidirectional: the originator (`orig_h`, `orig_p`) is the side that sent
/// the first SYN, or else the side Zeek's heuristics pick. For ICMP the ports carry the type
/// (`orig_p`) and code (`resp_p`), as in Zeek.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// Time of the first packet.
    pub ts: Timestamp,
    /// A stable identifier, unique within one analysis (Zeek-style: `C` and base62 digits).
    pub uid: String,
    /// Originator address.
    pub orig_h: IpAddr,
    /// Originator port, or the ICMP type.
    pub orig_p: u16,
    /// Responder address.
    pub resp_h: IpAddr,
    /// Responder port, or the ICMP code.
    pub resp_p: u16,
    /// Transport protocol.
    pub proto: Proto,
    /// The IP protocol number (Zeek 7's `ip_proto`), which tells apart the transports
    /// logged as `unknown_transport`.
    pub ip_proto: u8,
    /// Application protocol recognised from the payload, if any (e.g. `http`, `ssl`).
    pub service: Option<String>,
    /// Time from the first to the last packet, in nanoseconds.
    pub duration: i64,
    /// Payload bytes the originator sent (from the sequence-number span for TCP).
    pub orig_bytes: u64,
    /// Payload bytes the responder sent.
    pub resp_bytes: u64,
    /// Zeek's summary code.
    pub conn_state: ConnState,
    /// True if the originator is inside the local networks.
    pub local_orig: bool,
    /// True if the responder is inside the local networks.
    pub local_resp: bool,
    /// Payload bytes that the sequence numbers say were sent but that the capture lacks.
    pub missed_bytes: u64,
    /// Zeek's history letters (upper case: originator; lower case: responder).
    pub history: String,
    /// Packets the originator sent.
    pub orig_pkts: u64,
    /// IP-level bytes the originator sent (sum of IP total lengths).
    pub orig_ip_bytes: u64,
    /// Packets the responder sent.
    pub resp_pkts: u64,
    /// IP-level bytes the responder sent.
    pub resp_ip_bytes: u64,
    /// uids of the tunnel connections this one was carried in (empty outside tunnels).
    pub tunnel_parents: Vec<String>,
    /// Index of the input file that held the first packet, in the order files were added.
    pub file_index: u32,
    /// Packet number (1-based, as Wireshark counts) of the first packet within that file.
    pub first_packet: u64,
}

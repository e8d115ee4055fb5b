//! The recorder: turns planned connections into frames, sensor log lines and the observations
//! that truth.json is computed from.
//!
//! A [`TcpPlan`] describes one TCP connection: its endpoints, start, round-trip time and
//! outcome. [`Recorder::tcp`] expands it into packets with coherent sequence numbers. The SYN
//! carries a random initial sequence number (ISN) and the SYN-ACK acknowledges ISN + 1. Every
//! data segment advances the sender's sequence number by its length, and FIN consumes one
//! number (RFC 9293 section 3.4). Unanswered SYNs are retransmitted 1 s and 3 s after the first
//! (RFC 6298's 1-second initial timeout, doubled).
//!
//! Vantage points: the capture and the IDS (Snort) sit on the campus core and see every frame.
//! NNM and the session monitor (TNM) sit on the Internet border and see only connections with
//! exactly one campus endpoint.

use super::network::Network;
use super::packet::{tcp_frame, udp_frame, Side, TcpFlags, MSS};
use super::rng::SplitMix64;
use super::syslog::{tnm_line, TnmEvent, TnmRecord};
use std::net::{Ipv4Addr, SocketAddrV4};

/// Microseconds per second.
pub const SECOND: u64 = 1_000_000;
/// How long the session monitor waits on an idle session before logging it as timed out.
const TNM_IDLE_TIMEOUT: u64 = 600 * SECOND;

/// The fate of a TCP connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// SYN and `retransmissions` retransmitted SYNs, with no reply (Zeek S0).
    Unanswered { retransmissions: u8 },
    /// SYN, then RST-ACK from the responder (Zeek REJ).
    Rejected,
    /// SYN, SYN-ACK, then RST from the originator before any data: a half-open scan probe.
    HalfOpen,
    /// A full connection exchanging `segments` in order, then closed as `close` sets.
    Exchange { segments: Vec<Segment>, close: Close },
}

/// One application data unit of an exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// True when the originator sends it.
    pub from_client: bool,
    /// The payload; longer payloads are split at the MSS.
    pub data: Vec<u8>,
    /// Think time before it is sent, in microseconds.
    pub delay: u64,
}

/// The close of an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// Originator FIN, responder FIN, final ACK (Zeek SF).
    Fin,
    /// No close at all: the session goes idle (Zeek S1).
    Idle,
}

/// One planned TCP connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpPlan {
    /// Time of the first SYN, microseconds since the Unix epoch.
    pub start: u64,
    /// The originator.
    pub client: SocketAddrV4,
    /// The responder.
    pub server: SocketAddrV4,
    /// Round-trip time in microseconds.
    pub rtt: u64,
    /// What happens.
    pub outcome: Outcome,
}

/// Timing of a recorded TCP connection, for callers that attach alerts to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSummary {
    /// Time of the last packet.
    pub end: u64,
    /// Time of the first segment carrying data from the responder, if any.
    pub first_response: Option<u64>,
}

/// One connection attempt, as truth.json's computations see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Time of the first SYN.
    pub time: u64,
    /// Originator address.
    pub orig: Ipv4Addr,
    /// Responder address.
    pub resp: Ipv4Addr,
    /// Responder port.
    pub resp_port: u16,
    /// True for UDP, false for TCP.
    pub udp: bool,
    /// True when the attempt failed in scan.zeek's sense: unanswered, rejected, or reset
    /// before any data.
    pub failed: bool,
    /// True when the connection carried an exchange (or, for UDP, the responder replied); a
    /// half-open probe does not count.
    pub established: bool,
}

/// A campus server port that sent a SYN-ACK to an Internet client, which NNM reports as an open
/// port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenPort {
    /// Time of the SYN-ACK.
    pub time: u64,
    /// The campus server.
    pub server: SocketAddrV4,
    /// The Internet client.
    pub client: SocketAddrV4,
}

/// Collects everything the generator produces, in generation order.
pub struct Recorder {
    network: Network,
    rng: SplitMix64,
    order: u64,
    /// Frames as (time, generation order, bytes).
    pub frames: Vec<(u64, u64, Vec<u8>)>,
    /// Syslog lines as (time, generation order, text).
    pub lines: Vec<(u64, u64, String)>,
    /// Every connection attempt.
    pub attempts: Vec<Attempt>,
    /// Campus server ports seen sending SYN-ACKs across the border.
    pub open_ports: Vec<OpenPort>,
    /// Alert and event types per campus host, as (time, host, type name).
    pub events: Vec<(u64, Ipv4Addr, String)>,
}

impl Recorder {
    /// Creates an empty recorder for a copy of the campus; `seed` drives sequence numbers and TTL jitter.
    pub fn new(network: Network, seed: u64) -> Recorder {
        Recorder {
            network,
            rng: SplitMix64::stream(seed, "recorder"),
            order: 0,
            frames: Vec::new(),
            lines: Vec::new(),
            attempts: Vec::new(),
            open_ports: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Returns the campus network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Adds a syslog line stamped at `time` (microseconds).
    pub fn log(&mut self, time: u64, line: String) {
        self.order += 1;
        self.lines.push((time, self.order, line));
    }

    /// Records that `host` saw an alert or event named `kind` at `time`.
    pub fn event(&mut self, time: u64, host: Ipv4Addr, kind: &str) {
        self.events.push((time, host, kind.to_string()));
    }

    /// Returns true if and only if exactly one of the addresses is on campus, so the border
    /// sensors see traffic between them.
    pub fn crosses_border(&self, a: Ipv4Addr, b: Ipv4Addr) -> bool {
        self.network.is_campus(a) != self.network.is_campus(b)
    }

    /// Records one UDP query and, when `response` is given, the reply after `rtt`.
    pub fn udp(
        &mut self,
        time: u64,
        client: SocketAddrV4,
        server: SocketAddrV4,
        rtt: u64,
        query: &[u8],
        response: Option<&[u8]>,
    ) {
        let (client_side, server_side) = (self.side(client), self.side(server));
        let frame = udp_frame(client_side, server_side, self.ttl(*client.ip()), query);
        self.push_frame(time, frame);
        if let Some(answer) = response {
            let frame = udp_frame(server_side, client_side, self.ttl(*server.ip()), answer);
            self.push_frame(time + rtt, frame);
        }
        let established = response.is_some();
        self.attempts.push(Attempt {
            time,
            orig: *client.ip(),
            resp: *server.ip(),
            resp_port: server.port(),
            udp: true,
            failed: false,
            established,
        });
    }

    /// Records one TCP connection and returns when it ended.
    pub fn tcp(&mut self, plan: &TcpPlan) -> TcpSummary {
        let client_isn = self.rng.next_u64() as u32;
        let server_isn = self.rng.next_u64() as u32;
        let mut conn = Conn::new(self, plan, client_isn, server_isn);

        let summary = match &plan.outcome {
            Outcome::Unanswered { retransmissions } => conn.unanswered(self, *retransmissions),
            Outcome::Rejected => conn.rejected(self),
            Outcome::HalfOpen => conn.half_open(self),
            Outcome::Exchange { segments, close } => conn.exchange(self, segments, *close),
        };

        let established = matches!(plan.outcome, Outcome::Exchange { .. });
        let failed = !matches!(plan.outcome, Outcome::Exchange { .. });
        let attempt = Attempt {
            time: plan.start,
            orig: *plan.client.ip(),
            resp: *plan.server.ip(),
            resp_port: plan.server.port(),
            udp: false,
            failed,
            established,
        };
        self.attempts.push(attempt);
        summary
    }

    fn side(&self, endpoint: SocketAddrV4) -> Side {
        Side { mac: self.network.mac_of(*endpoint.ip()), address: *endpoint.ip(), port: endpoint.port() }
    }

    fn ttl(&self, address: Ipv4Addr) -> u8 {
        // Campus hosts are one hop from the core; Internet hosts are 10 to 20 hops away.
        if self.network.is_campus(address) {
            64
        } else {
            44 + address.octets()[3] % 10
        }
    }

    fn push_frame(&mut self, time: u64, frame: Vec<u8>) {
        self.order += 1;
        self.frames.push((time, self.order, frame));
    }
}

/// The running state of one TCP connection while its packets are written.
struct Conn {
    client: Side,
    server: Side,
    client_ttl: u8,
    server_ttl: u8,
    start: u64,
    rtt: u64,
    now: u64,
    /// Next sequence number each side will send.
    client_seq: u32,
    server_seq: u32,
    bytes_up: u64,
    bytes_down: u64,
    first_response: Option<u64>,
}

impl Conn {
    fn new(recorder: &Recorder, plan: &TcpPlan, client_isn: u32, server_isn: u32) -> Conn {
        Conn {
            client: recorder.side(plan.client),
            server: recorder.side(plan.server),
            client_ttl: recorder.ttl(*plan.client.ip()),
            server_ttl: recorder.ttl(*plan.server.ip()),
            start: plan.start,
            rtt: plan.rtt.max(200),
            now: plan.start,
            client_seq: client_isn,
            server_seq: server_isn,
            bytes_up: 0,
            bytes_down: 0,
            first_response: None,
        }
    }

    /// Writes one segment from the client (`from_client`) or the server at the current time.
    fn send(&mut self, recorder: &mut Recorder, from_client: bool, flags: TcpFlags, payload: &[u8]) {
        let (source, destination, ttl, seq) = if from_client {
            (self.client, self.server, self.client_ttl, self.client_seq)
        } else {
            (self.server, self.client, self.server_ttl, self.server_seq)
        };
        let frame = tcp_frame(source, destination, ttl, seq, flags, payload);
        recorder.push_frame(self.now, frame);
    }

    fn syn(&mut self, recorder: &mut Recorder) {
        self.send(recorder, true, TcpFlags { syn: true, ..TcpFlags::default() }, &[]);
    }

    fn unanswered(&mut self, recorder: &mut Recorder, retransmissions: u8) -> TcpSummary {
        self.syn(recorder);

        // Each retransmission repeats the same ISN after a doubled timeout: 1 s, then 3 s total.
        let mut timeout = SECOND;
        for _ in 0..retransmissions {
            self.now += timeout;
            timeout *= 2;
            self.syn(recorder);
        }
        TcpSummary { end: self.now, first_response: None }
    }

    fn rejected(&mut self, recorder: &mut Recorder) -> TcpSummary {
        self.syn(recorder);

        // RFC 9293 section 3.10.7.1: a closed port answers a SYN with RST, seq 0, ACK seq+1.
        self.now += self.rtt;
        let ack = self.client_seq.wrapping_add(1);
        self.server_seq = 0;
        self.send(recorder, false, TcpFlags { rst: true, ack: Some(ack), ..TcpFlags::default() }, &[]);
        TcpSummary { end: self.now, first_response: None }
    }

    fn half_open(&mut self, recorder: &mut Recorder) -> TcpSummary {
        self.handshake_reply(recorder);

        // The prober resets instead of completing the handshake.
        self.now += 300;
        self.client_seq = self.client_seq.wrapping_add(1);
        self.send(recorder, true, TcpFlags { rst: true, ..TcpFlags::default() }, &[]);
        TcpSummary { end: self.now, first_response: None }
    }

    /// Writes SYN and SYN-ACK.
    fn handshake_reply(&mut self, recorder: &mut Recorder) {
        self.syn(recorder);
        self.now += self.rtt;
        let flags = TcpFlags { syn: true, ack: Some(self.client_seq.wrapping_add(1)), ..TcpFlags::default() };
        self.send(recorder, false, flags, &[]);
        self.note_open_port(recorder);
    }

    fn exchange(&mut self, recorder: &mut Recorder, segments: &[Segment], close: Close) -> TcpSummary {
        self.handshake_reply(recorder);

        // The SYN and SYN-ACK each consume one sequence number.
        self.client_seq = self.client_seq.wrapping_add(1);
        self.server_seq = self.server_seq.wrapping_add(1);
        self.now += 150;
        self.send(recorder, true, self.ack_flags(true), &[]);
        let established = self.now;
        self.log_session(recorder, TnmEvent::Started, established);

        for (index, segment) in segments.iter().enumerate() {
            self.now += segment.delay.max(100);
            self.send_data(recorder, segment);
            let next_from_receiver =
                segments.get(index + 1).is_some_and(|next| next.from_client != segment.from_client);
            if !next_from_receiver {
                // The receiver acknowledges data it does not answer at once.
                self.now += self.rtt / 2;
                self.send(recorder, !segment.from_client, self.ack_flags(!segment.from_client), &[]);
            }
        }

        match close {
            Close::Fin => self.close(recorder),
            Close::Idle => self.log_session(recorder, TnmEvent::TimedOut, self.now),
        }
        TcpSummary { end: self.now, first_response: self.first_response }
    }

    fn send_data(&mut self, recorder: &mut Recorder, segment: &Segment) {
        for (index, chunk) in segment.data.chunks(usize::from(MSS)).enumerate() {
            if index > 0 {
                self.now += 200;
            }
            let flags = TcpFlags { psh: true, ..self.ack_flags(segment.from_client) };
            self.send(recorder, segment.from_client, flags, chunk);
            let length = chunk.len() as u32;
            if segment.from_client {
                self.client_seq = self.client_seq.wrapping_add(length);
                self.bytes_up += u64::from(length);
            } else {
                self.server_seq = self.server_seq.wrapping_add(length);
                self.bytes_down += u64::from(length);
                self.first_response.get_or_insert(self.now);
            }
        }
    }

    /// Flags for a segment carrying only ACK from one side.
    fn ack_flags(&self, from_client: bool) -> TcpFlags {
        let ack = if from_client { self.server_seq } else { self.client_seq };
        TcpFlags { ack: Some(ack), ..TcpFlags::default() }
    }

    fn close(&mut self, recorder: &mut Recorder) {
        // Originator FIN, responder FIN-ACK, originator ACK; each FIN consumes one number.
        self.now += 20_000;
        self.send(recorder, true, TcpFlags { fin: true, ..self.ack_flags(true) }, &[]);
        self.client_seq = self.client_seq.wrapping_add(1);
        self.now += self.rtt;
        self.send(recorder, false, TcpFlags { fin: true, ..self.ack_flags(false) }, &[]);
        self.server_seq = self.server_seq.wrapping_add(1);
        self.now += self.rtt / 2;
        self.send(recorder, true, self.ack_flags(true), &[]);
        self.log_session(recorder, TnmEvent::Completed, self.now);
    }

    fn note_open_port(&self, recorder: &mut Recorder) {
        let server = SocketAddrV4::new(self.server.address, self.server.port);
        let client = SocketAddrV4::new(self.client.address, self.client.port);
        if recorder.crosses_border(self.server.address, self.client.address)
            && recorder.network.is_campus(self.server.address)
        {
            recorder.open_ports.push(OpenPort { time: self.now, server, client });
        }
    }

    /// Writes a session-monitor record when this connection crosses the border.
    fn log_session(&self, recorder: &mut Recorder, event: TnmEvent, time: u64) {
        if !recorder.crosses_border(self.client.address, self.server.address) {
            return;
        }
        // A started record carries the session's start time; a timed-out one is written when
        // the idle timeout expires.
        let stamp = match event {
            TnmEvent::Started => self.start,
            TnmEvent::Completed => time,
            TnmEvent::TimedOut => time + TNM_IDLE_TIMEOUT,
        };
        let record = TnmRecord {
            event,
            source: SocketAddrV4::new(self.client.address, self.client.port),
            destination: SocketAddrV4::new(self.server.address, self.server.port),
            bytes_up: self.bytes_up,
            bytes_down: self.bytes_down,
            start: self.start / SECOND,
            end: stamp / SECOND,
        };
        recorder.log(stamp, tnm_line(&record));
    }
}

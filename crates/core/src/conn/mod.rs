//! Connection tracking: packets in time order in, finished [`Connection`] records out.
//!
//! Connections are keyed as Zeek keys them: TCP and UDP by both addresses and ports, ICMP by
//! addresses with the type and its counterpart (echo request 8 pairs with reply 0) in the
//! port fields, other IP protocols by the address pair. The originator is the side that sent
//! the first packet, unless Zeek's heuristics flip the roles: a TCP connection that starts
//! without a SYN (or with a SYN-ACK) from a likely server port, a UDP packet from a likely
//! server port to one that is not, or a SYN answering a SYN-ACK seen first.
//!
//! TCP state follows Zeek's endpoint state machine ([`tcp`]); `conn_state` is derived from the
//! two endpoint states and the history exactly as Zeek's `conn_state()` function does
//! ([`ConnState`]). A connection ends when it has been idle for its inactivity timeout, when
//! a new SYN arrives after it closed, shortly after both sides closed or one reset (Zeek's
//! close and reset delays), or at the end of input.
//!
//! NOTE: content gaps (`g` history, `missed_bytes`) are not computed yet: Zeek derives them
//! from its reassembler, which wormscope does not run.

mod history;
mod record;
mod service;
mod tcp;

pub use history::{History, LogScaleCounter, Mark};
pub use record::{ConnState, Connection, Proto};
pub use service::ALL_SERVICES;
pub use tcp::TcpState;

use crate::decode::{tcp_flags, Packet, Transport, TunnelId, TunnelKind};
use crate::net::LocalNets;
use crate::time::{Timestamp, NANOS_PER_SEC};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Connection tracking settings. Times are in nanoseconds.
#[derive(Clone, Debug)]
pub struct ConnConfig {
    /// Track packets with bad checksums as if they were good (Zeek's `-C`).
    pub ignore_checksums: bool,
    /// Idle time after which a TCP connection ends (Zeek: `tcp_inactivity_timeout`, 5 min).
    pub tcp_inactivity_timeout: i64,
    /// Idle time after which a UDP connection ends (Zeek: 1 min).
    pub udp_inactivity_timeout: i64,
    /// Idle time after which an ICMP or other connection ends (Zeek: 1 min).
    pub icmp_inactivity_timeout: i64,
    /// Idle time after which a UDP connection to a DNS port ends while DNS is among
    /// `services` (Zeek: `dns_session_timeout`, 10 s, set by its DNS analyzer).
    pub dns_session_timeout: i64,
    /// Ports that Zeek's flip heuristics treat as servers (`likely_server_ports`). Zeek fills
    /// the set from the analyzers its scripts load, so a bare (`-b`) run has an empty set.
    pub likely_server_ports: Vec<(Proto, u16)>,
    /// The services that may be named in `service` (Zeek names only those whose analyzers
    /// its scripts load). Default: all of [`service::ALL_SERVICES`].
    pub services: Vec<&'static str>,
}

/// The ports Zeek's default scripts register for their analyzers (a representative subset).
pub const DEFAULT_SERVER_PORTS: &[(Proto, u16)] = &[
    (Proto::Tcp, 21), (Proto::Tcp, 22), (Proto::Tcp, 23), (Proto::Tcp, 25), (Proto::Tcp, 53), (Proto::Tcp, 80),
    (Proto::Tcp, 81), (Proto::Tcp, 110), (Proto::Tcp, 135), (Proto::Tcp, 139), (Proto::Tcp, 143), (Proto::Tcp, 443),
    (Proto::Tcp, 445), (Proto::Tcp, 502), (Proto::Tcp, 563), (Proto::Tcp, 585), (Proto::Tcp, 587), (Proto::Tcp, 614),
    (Proto::Tcp, 631), (Proto::Tcp, 636), (Proto::Tcp, 989), (Proto::Tcp, 990), (Proto::Tcp, 992), (Proto::Tcp, 993),
    (Proto::Tcp, 995), (Proto::Tcp, 1080), (Proto::Tcp, 1433), (Proto::Tcp, 1883), (Proto::Tcp, 2811), (Proto::Tcp, 3128),
    (Proto::Tcp, 3306), (Proto::Tcp, 3389), (Proto::Tcp, 5060), (Proto::Tcp, 5222), (Proto::Tcp, 5269), (Proto::Tcp, 5432),
    (Proto::Tcp, 5900), (Proto::Tcp, 6379), (Proto::Tcp, 6666), (Proto::Tcp, 6667), (Proto::Tcp, 6668), (Proto::Tcp, 6669),
    (Proto::Tcp, 8000), (Proto::Tcp, 8080), (Proto::Tcp, 8888), (Proto::Tcp, 11211), (Proto::Tcp, 27017),
    (Proto::Udp, 53), (Proto::Udp, 67), (Proto::Udp, 68), (Proto::Udp, 69), (Proto::Udp, 88), (Proto::Udp, 123),
    (Proto::Udp, 137), (Proto::Udp, 161), (Proto::Udp, 162), (Proto::Udp, 500), (Proto::Udp, 514), (Proto::Udp, 1812),
    (Proto::Udp, 1813), (Proto::Udp, 3544), (Proto::Udp, 4789), (Proto::Udp, 5060), (Proto::Udp, 5353), (Proto::Udp, 5355),
];

impl Default for ConnConfig {
    fn default() -> ConnConfig {
        ConnConfig {
            ignore_checksums: false,
            tcp_inactivity_timeout: 300 * NANOS_PER_SEC,
            udp_inactivity_timeout: 60 * NANOS_PER_SEC,
            icmp_inactivity_timeout: 60 * NANOS_PER_SEC,
            dns_session_timeout: 10 * NANOS_PER_SEC,
            likely_server_ports: DEFAULT_SERVER_PORTS.to_vec(),
            services: service::ALL_SERVICES.to_vec(),
        }
    }
}

impl ConnConfig {
    /// Returns the settings of a bare Zeek run (`zeek -b`): no analyzer registered its
    /// ports, so no role is flipped by port, and no service is named.
    pub fn bare() -> ConnConfig {
        ConnConfig { likely_server_ports: Vec::new(), services: Vec::new(), ..ConnConfig::default() }
    }

    fn is_likely_server(&self, proto: Proto, port: u16) -> bool {
        self.likely_server_ports.contains(&(proto, port))
    }
}

/// IPv6's "No Next Header" value (RFC 8200).
const IPV6_NO_NEXT_HEADER: u8 = 59;

/// The UDP ports Zeek's DNS analyzer attaches to.
const DNS_PORTS: &[u16] = &[53, 137, 5353, 5355];

/// Zeek's delay before removing a closed, reset or unanswered connection (5 s).
const CLOSE_DELAY: i64 = 5 * NANOS_PER_SEC;

/// How often, in capture time, idle connections are swept out.
const SWEEP_INTERVAL: i64 = 10 * NANOS_PER_SEC;

/// Both ends of a connection, independent of direction, for lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey {
    proto: Proto,
    /// The IP protocol number, which tells apart transports Zeek does not know.
    ip_proto: u8,
    low: (IpAddr, u16),
    high: (IpAddr, u16),
}

impl FlowKey {
    fn new(proto: Proto, ip_proto: u8, a: (IpAddr, u16), b: (IpAddr, u16)) -> FlowKey {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        FlowKey { proto, ip_proto, low, high }
    }
}

/// The per-packet facts the table needs, independent of the transport.
struct PacketView<'p> {
    proto: Proto,
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    packet: &'p Packet<'p>,
}

/// A connection being tracked.
struct Active {
    orig: (IpAddr, u16),
    resp: (IpAddr, u16),
    proto: Proto,
    ip_proto: u8,
    start: Timestamp,
    last: Timestamp,
    orig_ep: tcp::Endpoint,
    resp_ep: tcp::Endpoint,
    history: History,
    orig_pkts: u64,
    orig_ip_bytes: u64,
    resp_pkts: u64,
    resp_ip_bytes: u64,
    /// Payload bytes for UDP, ICMP and other transports.
    orig_size: u64,
    resp_size: u64,
    service: service::Detector,
    /// The uid, given when the connection starts so that tunnelled connections can name it.
    uid: String,
    /// uids of the tunnels this connection's packets arrived in.
    tunnel_parents: Vec<String>,
    /// The tunnel kind this connection carried, with whether each side sent tunnelled data.
    carried: Option<(TunnelKind, bool, bool)>,
    file_index: u32,
    first_packet: u64,
    /// Zeek's pending TCP timers (attempt, partial close, reset, delete), by due time.
    timers: Vec<(Timestamp, Timer)>,
    /// Set once a timer removed the connection.
    removed: bool,
}

/// The table of active connections and the finished ones.
pub struct ConnTable {
    config: ConnConfig,
    local: LocalNets,
    active: HashMap<FlowKey, Active>,
    finished: Vec<Connection>,
    last_sweep: Timestamp,
    next_uid: u64,
    /// uids of IP-level tunnels (GRE, IP-in-IP), which have no connection of their own.
    tunnel_uids: HashMap<(TunnelKind, FlowKey), String>,
    /// Data connections announced on FTP control connections: (address, port) to the time
    /// of the announcement.
    expected_ftp_data: HashMap<(IpAddr, u16), Timestamp>,
    anomalies: BTreeMap<&'static str, u64>,
}

impl ConnTable {
    /// Creates an empty table.
    pub fn new(config: ConnConfig, local: LocalNets) -> ConnTable {
        ConnTable {
            config,
            local,
            active: HashMap::new(),
            finished: Vec::new(),
            last_sweep: Timestamp(i64::MIN),
            next_uid: 0,
            expected_ftp_data: HashMap::new(),
            tunnel_uids: HashMap::new(),
            anomalies: BTreeMap::new(),
        }
    }

    /// Returns the anomalies counted so far (e.g. `bad_checksum_packets`).
    pub fn anomalies(&self) -> &BTreeMap<&'static str, u64> {
        &self.anomalies
    }

    /// Returns the number of connections currently open.
    pub fn open_connections(&self) -> usize {
        self.active.len()
    }

    /// Processes one packet. `file_index` and `packet_number` locate it for evidence links.
    pub fn process(&mut self, packet: &Packet, file_index: u32, packet_number: u64) {
        self.sweep(packet.ts);

        // IPv6 packets with no next header (Teredo bubbles) carry nothing to track, and Zeek
        // makes no connection of them.
        if packet.ip_proto == IPV6_NO_NEXT_HEADER {
            *self.anomalies.entry("ipv6_no_next_header").or_default() += 1;
            return;
        }
        let view = view_of(packet);
        let key = FlowKey::new(view.proto, packet.ip_proto, view.src, view.dst);

        // End the existing connection if it timed out, was removed, or is being reused.
        if let Some(mut existing) = self.active.remove(&key) {
            let ended = self.is_expired(&mut existing, packet.ts) || is_reuse(&existing, &view);
            self.active.insert(key, existing);
            if ended {
                let done = self.active.remove(&key).expect("key was just found");
                self.finish_one(done);
            }
        }
        if !self.active.contains_key(&key) {
            let mut conn = self.start(&view, file_index, packet_number);
            self.next_uid += 1;
            conn.uid = uid_for(self.next_uid, conn.start);
            if self.expected_ftp_data.remove(&conn.resp).is_some() {
                conn.service.announce("ftp-data");
            }
            self.active.insert(key, conn);
        }
        let conn = self.active.get_mut(&key).expect("connection was just inserted");
        if packet.checksum_ok || self.config.ignore_checksums {
            flip_after_syn_ack(conn, &view);
        }
        let is_orig = (view.src, view.dst) == (conn.orig, conn.resp);
        let ignore = self.config.ignore_checksums;
        if !packet.checksum_ok {
            *self.anomalies.entry("bad_checksum_packets").or_default() += 1;
        }
        update(conn, &view, is_orig, ignore);
        if let Some(kind) = packet.carries {
            let entry = conn.carried.get_or_insert((kind, false, false));
            if is_orig { entry.1 = true } else { entry.2 = true }
        }
        if let Some(endpoint) = announced_ftp_data(conn, &view) {
            self.expected_ftp_data.insert(endpoint, packet.ts);
        }
        if let Some(tunnel) = packet.tunnel {
            let parent = self.tunnel_uid(tunnel);
            let conn = self.active.get_mut(&key).expect("connection is active");
            if !conn.tunnel_parents.contains(&parent) {
                conn.tunnel_parents.push(parent);
            }
        }
    }

    /// Returns the uid of the tunnel a packet arrived in: the outer UDP connection for
    /// Teredo and VXLAN, or a uid of the tunnel's own for GRE and IP-in-IP.
    fn tunnel_uid(&mut self, tunnel: TunnelId) -> String {
        if matches!(tunnel.kind, TunnelKind::Teredo | TunnelKind::Vxlan) {
            let outer = FlowKey::new(Proto::Udp, 17, tunnel.src, tunnel.dst);
            if let Some(conn) = self.active.get(&outer) {
                return conn.uid.clone();
            }
        }
        let key = (tunnel.kind, FlowKey::new(Proto::UnknownTransport, 0, tunnel.src, tunnel.dst));
        if let Some(uid) = self.tunnel_uids.get(&key) {
            return uid.clone();
        }
        self.next_uid += 1;
        let uid = uid_for(self.next_uid, Timestamp(0));
        self.tunnel_uids.insert(key, uid.clone());
        uid
    }

    /// Returns true if and only if the connection ended before `now`: a due Zeek timer
    /// removed it, or it was idle for its inactivity timeout.
    fn is_expired(&self, conn: &mut Active, now: Timestamp) -> bool {
        fire_timers(conn, now);
        if conn.removed {
            return true;
        }
        let dns = conn.proto == Proto::Udp && DNS_PORTS.contains(&conn.resp.1) && self.config.services.contains(&"dns");
        let timeout = match conn.proto {
            Proto::Tcp => self.config.tcp_inactivity_timeout,
            Proto::Udp if dns => self.config.dns_session_timeout,
            Proto::Udp => self.config.udp_inactivity_timeout,
            _ => self.config.icmp_inactivity_timeout,
        };
        now.since(conn.last) >= timeout
    }

    /// Ends every connection that has expired by `now`; runs at most every few seconds of
    /// capture time, so the cost stays proportional to the connections still open.
    fn sweep(&mut self, now: Timestamp) {
        if now.since(self.last_sweep) < SWEEP_INTERVAL && self.last_sweep.0 != i64::MIN {
            return;
        }
        self.last_sweep = now;
        let mut active = std::mem::take(&mut self.active);
        let expired: Vec<FlowKey> = active.iter_mut().filter_map(|(k, c)| self.is_expired(c, now).then_some(*k)).collect();
        self.active = active;
        for key in expired {
            if let Some(conn) = self.active.remove(&key) {
                self.finish_one(conn);
            }
        }
    }

    /// Creates a connection from its first packet, applying Zeek's role-flip heuristics.
    fn start(&mut self, view: &PacketView, file_index: u32, packet_number: u64) -> Active {
        let flip = self.wants_flip(view);
        let (orig, resp) = if flip { (view.dst, view.src) } else { (view.src, view.dst) };
        let mut history = History::default();
        if flip {
            history.flip();
        }
        Active {
            orig,
            resp,
            proto: view.proto,
            ip_proto: view.packet.ip_proto,
            start: view.packet.ts,
            last: view.packet.ts,
            orig_ep: tcp::Endpoint::default(),
            resp_ep: tcp::Endpoint::default(),
            history,
            orig_pkts: 0,
            orig_ip_bytes: 0,
            resp_pkts: 0,
            resp_ip_bytes: 0,
            orig_size: 0,
            resp_size: 0,
            service: service::Detector::default(),
            uid: String::new(),
            tunnel_parents: Vec::new(),
            carried: None,
            file_index,
            first_packet: packet_number,
            timers: Vec::new(),
            removed: false,
        }
    }

    /// Zeek's `WantConnection` flip decision for the first packet of a connection.
    fn wants_flip(&self, view: &PacketView) -> bool {
        let (src_port, dst_port) = (view.src.1, view.dst.1);
        match view.packet.transport {
            Transport::Tcp(segment) => {
                let syn = segment.has(tcp_flags::SYN);
                let ack = segment.has(tcp_flags::ACK);
                if syn && !ack {
                    return false;
                }
                if !self.config.is_likely_server(Proto::Tcp, src_port) {
                    return false;
                }
                if self.config.is_likely_server(Proto::Tcp, dst_port) {
                    !syn && src_port < dst_port
                } else {
                    true
                }
            }
            Transport::Udp { .. } => {
                self.config.is_likely_server(Proto::Udp, src_port) && !self.config.is_likely_server(Proto::Udp, dst_port)
            }
            _ => false,
        }
    }

    /// Turns a tracked connection into its record.
    fn finish_one(&mut self, conn: Active) {
        let record = record_of(conn, &self.local, &self.config.services);
        self.finished.push(record);
    }

    /// Ends every open connection and returns all records, ordered by start time.
    pub fn finish(mut self) -> Vec<Connection> {
        let mut open: Vec<Active> = self.active.drain().map(|(_, c)| c).collect();
        open.sort_by_key(|c| (c.start, c.file_index, c.first_packet));
        for conn in open {
            self.finish_one(conn);
        }
        let mut finished = std::mem::take(&mut self.finished);
        finished.sort_by_key(|c| (c.ts, c.file_index, c.first_packet));
        finished
    }
}

/// Returns the data endpoint an FTP control packet announces, if any.
fn announced_ftp_data(conn: &Active, view: &PacketView) -> Option<(IpAddr, u16)> {
    let Transport::Tcp(segment) = view.packet.transport else {
        return None;
    };
    if segment.payload.is_empty() || !conn.service.is_ftp_control() {
        return None;
    }
    service::ftp_announced_endpoint(segment.payload, conn.resp.0)
}

/// Maps a packet to its connection's protocol and endpoints (ICMP types in the port fields).
fn view_of<'p>(packet: &'p Packet<'p>) -> PacketView<'p> {
    let (proto, src_port, dst_port) = match packet.transport {
        Transport::Tcp(segment) => (Proto::Tcp, segment.source_port, segment.destination_port),
        Transport::Udp { source_port, destination_port, .. } => (Proto::Udp, source_port, destination_port),
        Transport::Icmp { v6, icmp_type, code, .. } => {
            let (counterpart, _one_way) = icmp_counterpart(v6, icmp_type, code);
            (Proto::Icmp, u16::from(icmp_type), counterpart)
        }
        Transport::Other => (Proto::UnknownTransport, 0, 0),
    };
    PacketView { proto, src: (packet.src, src_port), dst: (packet.dst, dst_port), packet }
}

/// Zeek's ICMP counterpart: the reply type for a request and the request type for a reply,
/// so both land in one connection; one-way messages use their code.
fn icmp_counterpart(v6: bool, icmp_type: u8, code: u8) -> (u16, bool) {
    let pairs: &[(u8, u8)] = if v6 {
        // Echo, multicast listener query/report, router and neighbor solicitation/advertisement,
        // node information query/response.
        &[(128, 129), (129, 128), (130, 131), (131, 130), (133, 134), (134, 133), (135, 136), (136, 135), (139, 140), (140, 139)]
    } else {
        // Echo, timestamp, information, router solicitation/advertisement, address mask.
        &[(8, 0), (0, 8), (13, 14), (14, 13), (15, 16), (16, 15), (10, 9), (9, 10), (17, 18), (18, 17)]
    };
    match pairs.iter().find(|(t, _)| *t == icmp_type) {
        Some((_, counterpart)) => (u16::from(*counterpart), false),
        None => (u16::from(code), true),
    }
}

/// Zeek's `IsReuse`: a new SYN (or a SYN-ACK on a half connection) with a new initial
/// sequence number starts a new connection on the same ports.
fn is_reuse(conn: &Active, view: &PacketView) -> bool {
    let Transport::Tcp(segment) = view.packet.transport else {
        return false;
    };
    if !segment.has(tcp_flags::SYN) {
        return false;
    }
    let mut candidate = &conn.orig_ep;
    if segment.has(tcp_flags::ACK) {
        if conn.orig_ep.state != TcpState::Inactive {
            return false;
        }
        candidate = &conn.resp_ep;
    }
    let closed = is_closed(conn);
    if !closed && candidate.is_initialised() && segment.sequence_number == candidate.start_seq_wire() {
        return false;
    }
    if !closed
        && !segment.has(tcp_flags::ACK)
        && conn.orig_ep.state == TcpState::SynAckSent
        && conn.resp_ep.state == TcpState::Inactive
        && conn.resp_ep.is_initialised()
        && segment.sequence_number == conn.resp_ep.start_seq_wire()
    {
        return false;
    }
    true
}

/// Returns true if and only if both sides closed, or either reset.
fn is_closed(conn: &Active) -> bool {
    let (o, r) = (conn.orig_ep.state, conn.resp_ep.state);
    (o == TcpState::Closed && r == TcpState::Closed) || o == TcpState::Reset || r == TcpState::Reset
}

/// Updates a connection with one packet.
fn update(conn: &mut Active, view: &PacketView, is_orig: bool, ignore_checksums: bool) {
    let packet = view.packet;
    if !packet.checksum_ok && !ignore_checksums {
        // Zeek drops the packet from analysis and only notes it in the history.
        let ep = if is_orig { &mut conn.orig_ep } else { &mut conn.resp_ep };
        conn.history.add_log_scaled(Mark::Checksum, is_orig, &mut ep.bad_checksums);
        return;
    }
    // Zeek stops moving the last time once both sides have closed.
    if !(conn.orig_ep.did_close && conn.resp_ep.did_close) {
        conn.last = packet.ts;
    }
    match packet.transport {
        Transport::Tcp(segment) => tcp_update(conn, &segment, is_orig, packet.ts),
        Transport::Udp { payload_len, payload, .. } => {
            let size = if is_orig { &mut conn.orig_size } else { &mut conn.resp_size };
            *size += u64::from(payload_len);
            // Zeek's UDP analyzer marks every datagram as data, empty ones included.
            conn.history.check(Mark::Data, is_orig);
            conn.service.observe(payload, is_orig);
        }
        Transport::Icmp { payload_len, .. } => {
            let size = if is_orig { &mut conn.orig_size } else { &mut conn.resp_size };
            *size += u64::from(payload_len);
        }
        Transport::Other => {}
    }
    if is_orig {
        conn.orig_pkts += 1;
        conn.orig_ip_bytes += u64::from(packet.ip_len);
    } else {
        conn.resp_pkts += 1;
        conn.resp_ip_bytes += u64::from(packet.ip_len);
    }
}

/// Updates TCP state with one segment, in the order Zeek's `TCPAnalyzer::DeliverPacket`
/// does: sequence space, history, state machine, acknowledgments.
fn tcp_update(conn: &mut Active, segment: &crate::decode::TcpSegment, is_orig: bool, ts: Timestamp) {
    let flags = segment.flags;
    let syn = flags & tcp_flags::SYN != 0;
    let fin = flags & tcp_flags::FIN != 0;
    let rst = flags & tcp_flags::RST != 0;
    let ack = flags & tcp_flags::ACK != 0;
    let len = segment.payload_len;
    let seg_len = len + u32::from(syn) + u32::from(fin) - if rst { len } else { 0 };
    let base_seq = segment.sequence_number;
    let seq_one_past = base_seq.wrapping_add(seg_len);

    let (endpoint, peer) = if is_orig { (&mut conn.orig_ep, &mut conn.resp_ep) } else { (&mut conn.resp_ep, &mut conn.orig_ep) };
    init_endpoint(endpoint, syn, base_seq, seq_one_past);
    let rel_seq = endpoint.relative(base_seq).unwrap_or(0);
    tcp_history(&mut conn.history, endpoint, is_orig, flags, rel_seq, len);
    if segment.window_size == 0 && !rst && peer.state != TcpState::Closed && endpoint.state != TcpState::Reset {
        conn.history.add_log_scaled(Mark::ZeroWindow, is_orig, &mut endpoint.zero_windows);
    }
    if fin {
        endpoint.fin_count += 1;
    }

    // Acknowledgments move the peer's acknowledged sequence number.
    let mut rel_ack = None;
    if ack {
        if peer.state == TcpState::Inactive {
            // Zeek's init_peer: while the peer has sent nothing, every ACK restarts its
            // sequence space, so acknowledgments alone never give it a size.
            let start = segment.acknowledgment_number.wrapping_sub(1);
            peer.init_seq(start, start);
        } else if let Some(relative) = peer.relative(segment.acknowledgment_number) {
            rel_ack = Some(relative);
            if !rst {
                peer.update_ack_seq(segment.acknowledgment_number);
            }
        }
    }

    // Payload counts as delivered for content-gap accounting only when the capture holds
    // all of it (Zeek's reassembler gets no data from a snaplen-cut packet); the FIN octet
    // always counts.
    if !rst {
        let data_start = rel_seq + u64::from(syn);
        let captured = segment.payload.len() as u64 >= u64::from(len);
        if captured && len > 0 {
            endpoint.data_seen(data_start, data_start + u64::from(len));
        }
        if fin {
            let fin_at = data_start + u64::from(len);
            endpoint.data_seen(fin_at, fin_at + 1);
        }
    }

    let (_delta, retransmit) = endpoint.update_last_seq(seq_one_past, syn || rst, fin, len);
    if retransmit {
        conn.history.add_log_scaled(Mark::Retransmit, is_orig, &mut endpoint.retransmits);
    }

    let flipped = state_machine(conn, is_orig, flags, base_seq, len, ts);
    let is_orig = if flipped { !is_orig } else { is_orig };

    // An acknowledgment beyond the data seen from the peer reveals a content gap. Zeek does
    // not mark gaps revealed by a FIN or RST in the history, since those are unreliable.
    if let Some(relative) = rel_ack {
        let peer = if is_orig { &mut conn.resp_ep } else { &mut conn.orig_ep };
        let gap = if rst { 0 } else { peer.ack_received(relative) };
        if gap > 0 && !fin {
            conn.history.add_log_scaled(Mark::Gap, !is_orig, &mut peer.gaps);
        }
    }
    if len > 0 && !rst {
        conn.service.observe(segment.payload, is_orig);
    }
}

/// Zeek's `init_endpoint`: sets the sequence space on the first packet of a side, and
/// again on a SYN that moves it.
fn init_endpoint(endpoint: &mut tcp::Endpoint, syn: bool, base_seq: u32, seq_one_past: u32) {
    match endpoint.state {
        TcpState::Inactive => {
            if !endpoint.is_initialised() || syn {
                if syn {
                    endpoint.init_seq(base_seq, seq_one_past);
                } else {
                    endpoint.init_seq(base_seq.wrapping_sub(1), base_seq);
                }
            }
        }
        TcpState::SynSent | TcpState::SynAckSent | TcpState::Established | TcpState::Partial => {
            if syn && base_seq != endpoint.start_seq_wire() {
                endpoint.init_seq(base_seq, seq_one_past);
            }
        }
        TcpState::Reset => {
            if syn && endpoint.prev_state == TcpState::Inactive {
                endpoint.init_seq(base_seq, seq_one_past);
            }
        }
        TcpState::Closed => {}
    }
}

/// Zeek's `update_history` for one segment.
fn tcp_history(history: &mut History, endpoint: &mut tcp::Endpoint, is_orig: bool, flags: u8, rel_seq: u64, len: u32) {
    let syn = flags & tcp_flags::SYN != 0;
    let fin = flags & tcp_flags::FIN != 0;
    let rst = flags & tcp_flags::RST != 0;
    let bits = u8::from(syn) + u8::from(fin) + u8::from(rst);
    if bits > 1 {
        let mark = if fin && rst { Mark::FinRst } else { Mark::MultiFlag };
        history.check(mark, is_orig);
    } else if bits == 1 {
        if syn {
            let mark = if flags & tcp_flags::ACK != 0 { Mark::SynAck } else { Mark::Syn };
            if history.check(mark, is_orig) && rel_seq != endpoint.hist_last_syn {
                history.add(mark, is_orig);
            }
            endpoint.hist_last_syn = rel_seq;
        }
        if fin {
            let end = rel_seq + u64::from(len);
            if history.check(Mark::Fin, is_orig) && end != endpoint.hist_last_fin {
                history.add(Mark::Fin, is_orig);
            }
            endpoint.hist_last_fin = end;
        }
        if rst {
            if history.check(Mark::Rst, is_orig) && rel_seq != endpoint.hist_last_rst {
                history.add(Mark::Rst, is_orig);
            }
            endpoint.hist_last_rst = rel_seq;
        }
    } else if len > 0 {
        history.check(Mark::Data, is_orig);
    } else if flags & tcp_flags::ACK != 0 {
        history.check(Mark::Ack, is_orig);
    }
}

/// The parts of one segment the state machine looks at.
#[derive(Clone, Copy)]
struct SegmentFacts {
    syn: bool,
    fin: bool,
    rst: bool,
    ack: bool,
    base_seq: u32,
    len: u32,
}

/// What a state step asks the caller to do.
#[derive(Default)]
struct StepResult {
    /// The endpoint closed (FIN or RST): Zeek's `ConnectionClosed` runs.
    close: bool,
    /// A SYN answered a SYN-ACK seen first: the roles swap.
    flip: bool,
    /// A timer to schedule.
    timer: Option<Timer>,
}

/// Zeek's `UpdateStateMachine`: one step per endpoint state. Returns true if and only if the
/// roles were flipped (a SYN answering a SYN-ACK that was seen first).
fn state_machine(conn: &mut Active, is_orig: bool, flags: u8, base_seq: u32, len: u32, ts: Timestamp) -> bool {
    let facts = SegmentFacts {
        syn: flags & tcp_flags::SYN != 0,
        fin: flags & tcp_flags::FIN != 0,
        rst: flags & tcp_flags::RST != 0,
        ack: flags & tcp_flags::ACK != 0,
        base_seq,
        len,
    };
    let (endpoint, peer) = if is_orig { (&mut conn.orig_ep, &mut conn.resp_ep) } else { (&mut conn.resp_ep, &mut conn.orig_ep) };
    let step = match endpoint.state {
        TcpState::Inactive => inactive_step(endpoint, peer, is_orig, facts),
        TcpState::SynSent | TcpState::SynAckSent => syn_sent_step(endpoint, facts),
        TcpState::Established | TcpState::Partial => established_step(endpoint, peer, facts),
        TcpState::Closed => closed_step(endpoint, peer, facts),
        TcpState::Reset => StepResult::default(),
    };

    if let Some(timer) = step.timer {
        conn.timers.push((ts.plus_nanos(CLOSE_DELAY), timer));
    }
    if step.close {
        let (endpoint, peer) = if is_orig { (&mut conn.orig_ep, &mut conn.resp_ep) } else { (&mut conn.resp_ep, &mut conn.orig_ep) };
        if let Some(timer) = connection_closed(endpoint, peer, ts, conn.last) {
            conn.timers.push(timer);
        }
    }
    if step.flip {
        flip_roles(conn);
    }
    step.flip
}

/// Sets Closed on a FIN and Reset on a RST (Reset wins when both are set).
fn close_on_fin_or_rst(endpoint: &mut tcp::Endpoint, facts: SegmentFacts) -> bool {
    if facts.fin {
        endpoint.set_state(TcpState::Closed);
    }
    if facts.rst {
        endpoint.set_state(TcpState::Reset);
    }
    facts.fin || facts.rst
}

/// Zeek's `UpdateInactiveState`: the first packet from this side.
fn inactive_step(endpoint: &mut tcp::Endpoint, peer: &mut tcp::Endpoint, is_orig: bool, facts: SegmentFacts) -> StepResult {
    let mut step = StepResult::default();
    if facts.syn && is_orig {
        endpoint.set_state(if facts.ack { TcpState::SynAckSent } else { TcpState::SynSent });
        step.timer = Some(Timer::Attempt);
    } else if facts.syn {
        if !facts.ack && peer.state == TcpState::SynAckSent && facts.base_seq == endpoint.start_seq_wire() {
            // A SYN answering a SYN-ACK seen first: the roles were reversed.
            peer.set_state(TcpState::Established);
            step.flip = true;
        }
        if peer.state == TcpState::SynSent {
            peer.set_state(TcpState::Established);
        }
        endpoint.set_state(TcpState::Established);
    }
    step.close = close_on_fin_or_rst(endpoint, facts);

    // No control flag moved the state: an ACK after a SYN-ACK establishes, anything else
    // (but the ACK some stacks send before their SYN-ACK) makes a partial connection.
    if endpoint.state == TcpState::Inactive {
        let orig_syn_sent = if is_orig { endpoint.state } else { peer.state } == TcpState::SynSent;
        if !is_orig && facts.len == 0 && orig_syn_sent {
            return step;
        }
        let state = if facts.ack && peer.state == TcpState::Established { TcpState::Established } else { TcpState::Partial };
        endpoint.set_state(state);
    }
    step
}

/// Zeek's `UpdateSYN_SentState`: a FIN or RST before the handshake completed.
fn syn_sent_step(endpoint: &mut tcp::Endpoint, facts: SegmentFacts) -> StepResult {
    StepResult { close: close_on_fin_or_rst(endpoint, facts), ..StepResult::default() }
}

/// Zeek's `UpdateEstablishedState`, for established and partial endpoints.
fn established_step(endpoint: &mut tcp::Endpoint, peer: &mut tcp::Endpoint, facts: SegmentFacts) -> StepResult {
    if facts.syn && endpoint.state == TcpState::Partial && peer.state == TcpState::Inactive && !facts.ack {
        endpoint.set_state(TcpState::SynSent);
    }
    let mut close = false;
    if facts.fin && !facts.rst {
        endpoint.set_state(TcpState::Closed);
        // A FIN after the peer's FIN and RST: the RST ended a normal close.
        if peer.state == TcpState::Reset && peer.prev_state == TcpState::Closed {
            peer.set_state(TcpState::Closed);
        }
        close = true;
    }
    if facts.rst {
        endpoint.set_state(TcpState::Reset);
        close = true;
    }
    StepResult { close, ..StepResult::default() }
}

/// Zeek's `UpdateClosedState`: a RST after this side's FIN, unless both sides had closed.
fn closed_step(endpoint: &mut tcp::Endpoint, peer: &tcp::Endpoint, facts: SegmentFacts) -> StepResult {
    if !facts.rst || peer.state == TcpState::Closed {
        return StepResult::default();
    }
    endpoint.set_state(TcpState::Reset);
    StepResult { close: !endpoint.did_close, flip: false, timer: Some(Timer::Reset) }
}

/// Flips a connection that began with a SYN-ACK once the other side answers with an ACK or
/// data (the corpus's baselines show no flip when only the SYN-ACK's sender goes on): a stealth scan elicits only RSTs or nothing, so the SYN-ACK's sender is
/// the server (Zeek 5.1 and later, pull request 2191).
fn flip_after_syn_ack(conn: &mut Active, view: &PacketView) {
    let Transport::Tcp(segment) = view.packet.transport else {
        return;
    };
    let from_responder = (view.src, view.dst) == (conn.resp, conn.orig);
    let started_with_syn_ack =
        from_responder && conn.orig_ep.state == TcpState::SynAckSent && conn.resp_ep.state == TcpState::Inactive;
    let control = segment.flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) != 0;
    let ack_or_data = segment.has(tcp_flags::ACK) || segment.payload_len > 0;
    if started_with_syn_ack && !control && ack_or_data {
        flip_roles(conn);
        // The SYN-ACK's sender is now the responder and counts as established.
        conn.resp_ep.set_state(TcpState::Established);
    }
}

/// Swaps originator and responder, as Zeek's `FlipRoles` does.
fn flip_roles(conn: &mut Active) {
    std::mem::swap(&mut conn.orig, &mut conn.resp);
    std::mem::swap(&mut conn.orig_ep, &mut conn.resp_ep);
    std::mem::swap(&mut conn.orig_pkts, &mut conn.resp_pkts);
    std::mem::swap(&mut conn.orig_ip_bytes, &mut conn.resp_ip_bytes);
    std::mem::swap(&mut conn.orig_size, &mut conn.resp_size);
    conn.history.flip();
}

/// Zeek's TCP timers that can remove a connection before its inactivity timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// 5 s after the first SYN: removes an attempt the responder never answered.
    Attempt,
    /// 3 s after one side closed while the other had not: removes a half-closed connection
    /// unless a RST explains the close.
    PartialClose,
    /// 5 s after a RST that followed a FIN.
    Reset,
    /// 5 s after the close completed: removes the connection.
    Delete,
}

/// Zeek's `tcp_partial_close_delay` (3 s).
const PARTIAL_CLOSE_DELAY: i64 = 3 * NANOS_PER_SEC;

/// Zeek's `ConnectionClosed`: marks the endpoint closed and returns the timer the close
/// schedules: deletion once the close is complete (a RST, or the peer already closed or
/// silent), otherwise the partial-close check.
fn connection_closed(endpoint: &mut tcp::Endpoint, peer: &tcp::Endpoint, ts: Timestamp, last: Timestamp) -> Option<(Timestamp, Timer)> {
    if endpoint.did_close {
        return None;
    }
    endpoint.did_close = true;
    let complete = endpoint.state == TcpState::Reset || peer.did_close || peer.state == TcpState::Inactive;
    if complete {
        Some((last.plus_nanos(CLOSE_DELAY), Timer::Delete))
    } else {
        Some((ts.plus_nanos(PARTIAL_CLOSE_DELAY), Timer::PartialClose))
    }
}

/// Fires every timer due by `now`, in due order, and marks the connection removed when one
/// of them removes it.
fn fire_timers(conn: &mut Active, now: Timestamp) {
    if conn.timers.is_empty() || conn.removed {
        return;
    }
    conn.timers.sort_by_key(|(at, _)| *at);
    let due = conn.timers.iter().take_while(|(at, _)| *at <= now).count();
    let fired: Vec<Timer> = conn.timers.drain(..due).map(|(_, timer)| timer).collect();
    for timer in fired {
        if timer_removes(conn, timer) {
            conn.removed = true;
            return;
        }
    }
}

/// Returns true if and only if the timer, firing now, removes the connection.
fn timer_removes(conn: &Active, timer: Timer) -> bool {
    let (o, r) = (&conn.orig_ep, &conn.resp_ep);
    match timer {
        Timer::Attempt => matches!(o.state, TcpState::SynSent | TcpState::SynAckSent) && r.state == TcpState::Inactive,
        Timer::PartialClose => {
            let both_active = o.state != TcpState::Inactive && r.state != TcpState::Inactive;
            let reset = o.state == TcpState::Reset || r.state == TcpState::Reset;
            both_active && !(o.did_close && r.did_close) && !reset
        }
        Timer::Reset | Timer::Delete => true,
    }
}

/// Computes `conn_state` for a finished connection, as Zeek's `conn_state()` does.
fn conn_state_of(conn: &Active) -> ConnState {
    let (os, rs) = (conn.orig_ep.state, conn.resp_ep.state);
    match conn.proto {
        Proto::Tcp => tcp_conn_state(os, rs, conn),
        // Zeek's conn_state() has rules for TCP and UDP only; everything else is OTH.
        Proto::Icmp | Proto::UnknownTransport => ConnState::OTH,
        Proto::Udp => match (conn.orig_pkts > 0, conn.resp_pkts > 0) {
            (true, true) => ConnState::SF,
            (true, false) => ConnState::S0,
            (false, true) => ConnState::SHR,
            (false, false) => ConnState::OTH,
        },
    }
}

fn tcp_conn_state(os: TcpState, rs: TcpState, conn: &Active) -> ConnState {
    use TcpState::*;
    let o_inactive = matches!(os, Inactive | Partial);
    let r_inactive = matches!(rs, Inactive | Partial);
    let orig_size = conn.orig_ep.size(rs);
    let resp_size = conn.resp_ep.size(os);
    if rs == Reset {
        if matches!(os, SynSent | SynAckSent) || (os == Reset && orig_size == 0 && resp_size == 0) {
            ConnState::REJ
        } else if o_inactive {
            ConnState::RSTRH
        } else {
            ConnState::RSTR
        }
    } else if os == Reset {
        if r_inactive {
            if history_is_syn_then_rst(conn.history.as_str()) { ConnState::RSTOS0 } else { ConnState::OTH }
        } else {
            ConnState::RSTO
        }
    } else if rs == Closed && os == Closed {
        ConnState::SF
    } else if os == Closed {
        if r_inactive { ConnState::SH } else { ConnState::S2 }
    } else if rs == Closed {
        if o_inactive { ConnState::SHR } else { ConnState::S3 }
    } else if os == SynSent && rs == Inactive {
        ConnState::S0
    } else if os == Established && rs == Established {
        ConnState::S1
    } else {
        ConnState::OTH
    }
}

/// Matches Zeek's pattern `/\^?S[^HAFGIQ]*R.*/` for RSTOS0.
fn history_is_syn_then_rst(history: &str) -> bool {
    let rest = history.strip_prefix('^').unwrap_or(history);
    let Some(after_s) = rest.strip_prefix('S') else {
        return false;
    };
    for c in after_s.chars() {
        if c == 'R' {
            return true;
        }
        if "HAFGIQ".contains(c) {
            return false;
        }
    }
    false
}

/// Returns the confirmed service: a tunnel the connection carried (Teredo needs tunnelled
/// data from both sides, as Zeek's Teredo analyzer does; VXLAN from one), or else what the
/// payload detector confirmed.
fn service_of(conn: &Active, services: &[&str]) -> Option<&'static str> {
    if let Some((kind, orig, resp)) = conn.carried {
        let confirmed = match kind {
            TunnelKind::Teredo => orig && resp,
            _ => orig || resp,
        };
        if let Some(name) = kind.service().filter(|name| confirmed && services.contains(name)) {
            return Some(name);
        }
    }
    conn.service.service(conn.proto, conn.resp.1, is_partial(conn), services)
}

/// Returns true if and only if this is a TCP connection with no handshake packet seen.
fn is_partial(conn: &Active) -> bool {
    conn.proto == Proto::Tcp && !conn.history.as_str().chars().any(|c| matches!(c, 'S' | 's' | 'H' | 'h'))
}

/// Builds the finished record.
fn record_of(conn: Active, local: &LocalNets, services: &[&str]) -> Connection {
    let conn_state = conn_state_of(&conn);
    let (orig_bytes, resp_bytes) = match conn.proto {
        Proto::Tcp => (conn.orig_ep.size(conn.resp_ep.state), conn.resp_ep.size(conn.orig_ep.state)),
        _ => (conn.orig_size, conn.resp_size),
    };
    Connection {
        ts: conn.start,
        uid: conn.uid.clone(),
        orig_h: conn.orig.0,
        orig_p: conn.orig.1,
        resp_h: conn.resp.0,
        resp_p: conn.resp.1,
        proto: conn.proto,
        ip_proto: conn.ip_proto,
        service: service_of(&conn, services).map(str::to_string),
        duration: conn.last.since(conn.start),
        orig_bytes,
        resp_bytes,
        conn_state,
        local_orig: local.contains(conn.orig.0),
        local_resp: local.contains(conn.resp.0),
        missed_bytes: conn.orig_ep.missed_bytes + conn.resp_ep.missed_bytes,
        history: conn.history.as_str().to_string(),
        orig_pkts: conn.orig_pkts,
        orig_ip_bytes: conn.orig_ip_bytes,
        resp_pkts: conn.resp_pkts,
        resp_ip_bytes: conn.resp_ip_bytes,
        tunnel_parents: conn.tunnel_parents,
        file_index: conn.file_index,
        first_packet: conn.first_packet,
    }
}

/// Builds a Zeek-style uid: `C` and base62 digits of a mix of the serial and start time.
/// Deterministic, so the same input gives the same uids.
fn uid_for(serial: u64, start: Timestamp) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = (serial ^ (start.0 as u64).rotate_left(17)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | (1 << 63);
    let mut out = String::from("C");
    while value > 0 && out.len() < 18 {
        out.push(DIGITS[(value % 62) as usize] as char);
        value /= 62;
    }
    out
}

#[cfg(test)]
mod tests;

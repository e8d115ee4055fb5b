//! Flows: one record per connection, whichever source saw it, for the rules that count
//! connections.
//!
//! A [`Flow`] is built from every capture connection and from every final session-monitor
//! record (completed, timed out, rejected or reset) whose address and port 4-tuple no capture
//! connection has within [`SAME_FLOW_SLACK`], so a connection both sources saw counts once.
//! A session-monitor "started" record is skipped: its final record follows.

use crate::analysis::Report;
use crate::conn::{ConnState, Connection, Proto};
use crate::events::{Event, EventType, SourceFormat};
use crate::net::LocalNets;
use crate::time::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;

use super::{Evidence, SECOND};

/// Capture and session-monitor records of one 4-tuple closer than this are one connection.
pub const SAME_FLOW_SLACK: i64 = 5 * SECOND;

/// One connection, from a capture or a session monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Start time.
    pub ts: Timestamp,
    /// Originator address and port.
    pub orig_h: IpAddr,
    pub orig_p: u16,
    /// Responder address and port.
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// True for TCP.
    pub tcp: bool,
    /// True for UDP.
    pub udp: bool,
    /// A failed attempt in Zeek scan.zeek's sense: unanswered, rejected, or reset before data
    /// (conn_state S0, REJ, RSTOS0, SH; a timed-out or rejected session).
    pub failed: bool,
    /// Only the originator sent (conn_state S0, any transport; a timed-out session).
    pub unanswered: bool,
    /// The connection carried an exchange: a TCP handshake completed and data flowed, or a
    /// UDP reply came back. A half-open probe (SYN, SYN-ACK, RST) does not count.
    pub established: bool,
    /// Bytes the originator sent.
    pub orig_bytes: u64,
    /// Whether each side is in the local networks.
    pub local_orig: bool,
    pub local_resp: bool,
    /// File index and line or first packet number.
    pub file_index: u32,
    pub line: u64,
    /// The conn_state or session-monitor record name, for evidence.
    pub state: &'static str,
}

impl Flow {
    /// Describes the flow in one line of evidence.
    pub fn evidence(&self) -> Evidence {
        let proto = if self.tcp { "tcp" } else if self.udp { "udp" } else { "ip" };
        let summary =
            format!("{proto} {} {}:{} -> {}:{}", self.state, self.orig_h, self.orig_p, self.resp_h, self.resp_p);
        Evidence { ts: self.ts, file_index: self.file_index, line: self.line, summary, label: None }
    }
}

fn from_connection(conn: &Connection) -> Flow {
    let established = match conn.proto {
        Proto::Tcp => {
            let answered = matches!(
                conn.conn_state,
                ConnState::SF | ConnState::S1 | ConnState::S2 | ConnState::S3 | ConnState::RSTO | ConnState::RSTR
            );
            answered && conn.orig_bytes + conn.resp_bytes > 0
        }
        _ => conn.conn_state == ConnState::SF,
    };
    Flow {
        ts: conn.ts,
        orig_h: conn.orig_h,
        orig_p: conn.orig_p,
        resp_h: conn.resp_h,
        resp_p: conn.resp_p,
        tcp: conn.proto == Proto::Tcp,
        udp: conn.proto == Proto::Udp,
        failed: conn.proto == Proto::Tcp && conn.conn_state.is_failed_attempt(),
        unanswered: conn.conn_state == ConnState::S0,
        established,
        orig_bytes: conn.orig_bytes,
        local_orig: conn.local_orig,
        local_resp: conn.local_resp,
        file_index: conn.file_index,
        line: conn.first_packet,
        state: conn.conn_state.as_str(),
    }
}

/// Returns the flow of a final session-monitor record, or None for any other event.
fn from_session(event: &Event, local: &LocalNets) -> Option<Flow> {
    if event.format != SourceFormat::SessionMonitor {
        return None;
    }
    let (failed, established, state) = match event.event_type {
        EventType::ConnCompleted | EventType::ConnReset => {
            let carried = event.bytes_up.unwrap_or(0) + event.bytes_down.unwrap_or(0) > 0;
            (false, carried, if event.event_type == EventType::ConnReset { "reset" } else { "completed" })
        }
        EventType::ConnTimedOut => (true, false, "timed_out"),
        EventType::ConnRejected => (true, false, "rejected"),
        _ => return None,
    };
    let (orig_h, resp_h) = (event.src?, event.dst?);
    let proto = event.proto.as_deref().unwrap_or("tcp");
    Some(Flow {
        ts: event.ts,
        orig_h,
        orig_p: event.src_port.unwrap_or(0),
        resp_h,
        resp_p: event.dst_port.unwrap_or(0),
        tcp: proto == "tcp",
        udp: proto == "udp",
        failed,
        unanswered: event.event_type == EventType::ConnTimedOut,
        established,
        orig_bytes: event.bytes_up.unwrap_or(0),
        local_orig: local.contains(orig_h),
        local_resp: local.contains(resp_h),
        file_index: event.file_index,
        line: event.line,
        state,
    })
}

type FourTuple = (IpAddr, u16, IpAddr, u16);

/// Builds the flows of a report, in time order.
pub fn build(report: &Report, local: &LocalNets) -> Vec<Flow> {
    let mut flows: Vec<Flow> = report.connections.iter().map(from_connection).collect();

    // Index capture connections by 4-tuple so session records of the same connection drop out.
    let mut seen: HashMap<FourTuple, Vec<Timestamp>> = HashMap::new();
    for flow in &flows {
        seen.entry((flow.orig_h, flow.orig_p, flow.resp_h, flow.resp_p)).or_default().push(flow.ts);
    }
    for event in &report.events {
        let Some(flow) = from_session(event, local) else { continue };
        let key = (flow.orig_h, flow.orig_p, flow.resp_h, flow.resp_p);
        let duplicate = seen.get(&key).is_some_and(|times| {
            times.iter().any(|ts| ts.since(flow.ts).abs() <= SAME_FLOW_SLACK.max(event.duration.unwrap_or(0)))
        });
        if !duplicate {
            flows.push(flow);
        }
    }
    flows.sort_by_key(|flow| flow.ts);
    flows
}

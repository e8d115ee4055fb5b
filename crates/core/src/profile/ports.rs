//! The host's ports: one row per port, protocol and direction, and one port's timeline.
//!
//! A row's port is the responder's port (the destination port of a log event), so a
//! service the host offers shows as direction `in` and a service it uses as `out`. Counts
//! are kept apart by origin so that nothing is counted twice: `connections`, `bytes` and the
//! conn_state breakdown come from the capture's connections, while `events` and
//! `log_bytes` come from log events (alerts, sensor and session records). A connection with
//! the host on both sides counts as `in`.
//!
//! NOTE: IDS alerts name source and destination by the alerting packet, so an alert on a
//! reply packet counts under the client's ephemeral port, with the direction reversed.
//!
//! The timeline of the chosen port stacks the same two sources over the profile's grid:
//! connections by conn_state and log events by event type.

use super::{Direction, Filter, Grid};
use crate::conn::{ConnState, Connection};
use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// One port of the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PortRow {
    /// The responder's (destination) port.
    pub port: u16,
    /// The protocol in lower case (`tcp`, `udp`), or `unknown` when the log gives none.
    pub proto: String,
    /// `in` when the host is the responder, `out` when it is the originator.
    pub direction: Direction,
    /// Connections from captures.
    pub connections: u64,
    /// Log events.
    pub events: u64,
    /// Payload bytes of the connections (`orig_bytes` + `resp_bytes`).
    pub bytes: u64,
    /// Bytes the log events report (`bytes_up` + `bytes_down`, session monitor and eve flow).
    pub log_bytes: u64,
    /// Connections by conn_state.
    pub conn_states: BTreeMap<ConnState, u64>,
}

/// A column to sort the port summary by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortColumn {
    Port,
    Proto,
    Direction,
    Connections,
    Events,
    Bytes,
    LogBytes,
    /// Connections in one conn_state.
    State(ConnState),
}

impl PortColumn {
    /// Parses a column name as the JSON writes it (`connections`, `log_bytes`, ...) or a
    /// conn_state code (`S0`, `REJ`, ...).
    pub fn parse(name: &str) -> Option<PortColumn> {
        let column = match name {
            "port" => PortColumn::Port,
            "proto" => PortColumn::Proto,
            "direction" => PortColumn::Direction,
            "connections" => PortColumn::Connections,
            "events" => PortColumn::Events,
            "bytes" => PortColumn::Bytes,
            "log_bytes" => PortColumn::LogBytes,
            code => PortColumn::State(*ConnState::ALL.iter().find(|state| state.as_str() == code)?),
        };
        Some(column)
    }
}

/// One bucket of a port's timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PortBucket {
    /// Start of the bucket.
    pub start: Timestamp,
    /// Connections by conn_state.
    pub conn_states: BTreeMap<ConnState, u64>,
    /// Log events by type.
    pub event_types: BTreeMap<EventType, u64>,
}

/// The port view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PortsView {
    /// One row per port, protocol and direction, ordered by port, protocol, then direction.
    pub rows: Vec<PortRow>,
    /// Log events of the host with no destination port, left out of `rows`.
    pub events_without_port: u64,
    /// The chosen port's timeline over the profile's grid; null when no port is chosen.
    pub timeline: Option<Vec<PortBucket>>,
}

/// Port rows keyed by port, protocol and direction.
type RowMap = BTreeMap<(u16, String, Direction), PortRow>;

/// Builds the port summary and, when a port is chosen, its timeline.
pub fn ports_view(events: &[Event], connections: &[Connection], filter: &Filter, grid: &Grid) -> PortsView {
    let mut rows = RowMap::new();

    for conn in connections.iter().filter(|conn| filter.matches_connection(conn)) {
        let direction = if conn.resp_h == filter.host { Direction::In } else { Direction::Out };
        let entry = row(&mut rows, conn.resp_p, conn.proto.as_str(), direction);
        entry.connections += 1;
        entry.bytes = entry.bytes.saturating_add(conn.orig_bytes.saturating_add(conn.resp_bytes));
        *entry.conn_states.entry(conn.conn_state).or_default() += 1;
    }

    let mut events_without_port = 0;
    for event in log_events(events, filter) {
        let Some(port) = event.dst_port else {
            events_without_port += 1;
            continue;
        };
        let direction = if event.dst == Some(filter.host) { Direction::In } else { Direction::Out };
        let entry = row(&mut rows, port, event.proto.as_deref().unwrap_or("unknown"), direction);
        entry.events += 1;
        // Saturates, because a log line can claim any byte count up to u64::MAX.
        let bytes = event.bytes_up.unwrap_or(0).saturating_add(event.bytes_down.unwrap_or(0));
        entry.log_bytes = entry.log_bytes.saturating_add(bytes);
    }

    let timeline = filter.port.map(|_| port_timeline(events, connections, filter, grid));
    PortsView { rows: rows.into_values().collect(), events_without_port, timeline }
}

/// Returns the row of a port, protocol and direction, created empty if missing.
fn row<'a>(rows: &'a mut RowMap, port: u16, proto: &str, direction: Direction) -> &'a mut PortRow {
    rows.entry((port, proto.to_string(), direction)).or_insert_with(|| PortRow {
        port,
        proto: proto.to_string(),
        direction,
        ..PortRow::default()
    })
}

/// Returns the log events (not capture connections) that pass the filter.
fn log_events<'a>(events: &'a [Event], filter: &'a Filter) -> impl Iterator<Item = &'a Event> {
    events.iter().filter(move |event| event.format != SourceFormat::Capture && filter.matches_event(event))
}

/// Stacks the filter's connections by conn_state and log events by type over the grid.
fn port_timeline(events: &[Event], connections: &[Connection], filter: &Filter, grid: &Grid) -> Vec<PortBucket> {
    let mut buckets: Vec<PortBucket> = (0..grid.buckets)
        .map(|index| PortBucket { start: grid.bucket_start(index), ..PortBucket::default() })
        .collect();
    for conn in connections.iter().filter(|conn| filter.matches_connection(conn)) {
        if let Some(index) = grid.index(conn.ts) {
            *buckets[index].conn_states.entry(conn.conn_state).or_default() += 1;
        }
    }
    for event in log_events(events, filter) {
        if let Some(index) = grid.index(event.ts) {
            *buckets[index].event_types.entry(event.event_type).or_default() += 1;
        }
    }
    buckets
}

/// Sorts the rows by one column; ties keep the order of port, protocol and direction.
pub fn sort_ports(rows: &mut [PortRow], column: PortColumn, descending: bool) {
    rows.sort_by(|a, b| {
        let primary = compare_column(a, b, column);
        let primary = if descending { primary.reverse() } else { primary };
        primary.then_with(|| (a.port, &a.proto, a.direction).cmp(&(b.port, &b.proto, b.direction)))
    });
}

fn compare_column(a: &PortRow, b: &PortRow, column: PortColumn) -> Ordering {
    let state = |row: &PortRow, state| row.conn_states.get(&state).copied().unwrap_or(0);
    match column {
        PortColumn::Port => a.port.cmp(&b.port),
        PortColumn::Proto => a.proto.cmp(&b.proto),
        PortColumn::Direction => a.direction.cmp(&b.direction),
        PortColumn::Connections => a.connections.cmp(&b.connections),
        PortColumn::Events => a.events.cmp(&b.events),
        PortColumn::Bytes => a.bytes.cmp(&b.bytes),
        PortColumn::LogBytes => a.log_bytes.cmp(&b.log_bytes),
        PortColumn::State(code) => state(a, code).cmp(&state(b, code)),
    }
}

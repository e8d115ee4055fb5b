//! The numbers behind the host investigation views, for one filter state.
//!
//! A *profile* is everything the page shows about one host. It has the host ranking, the
//! host's activity over time, its never-before-seen behaviour, inbound against outbound
//! traffic, its ports, the /8-to-/8 matrix of the chosen port, its IDS alert chain and where
//! it went silent.
//! [`profile`] computes all of them from a [`Report`](crate::Report)'s events and
//! connections under one [`Filter`]: a host, an optional port, a time range `[from, to)`, a
//! direction and a set of event types. Each view's types and arithmetic live in a file
//! of their own.
//!
//! Unless a view says otherwise, it keeps exactly the events and connections that
//! [`Filter::matches_event`] and [`Filter::matches_connection`] accept. The host ranking and
//! the /8 matrix cover every host, so they ignore the host and the direction. The drop-off
//! keeps only the host: it ignores the port, range, direction and type filters. Every time is
//! a [`Timestamp`] (integer nanoseconds since the Unix epoch, UTC), so the JSON written from
//! a [`Profile`] has no rounding. Every list has a fixed order and every map is sorted, so
//! the same input always gives byte-identical JSON.
//!
//! Findings from the detection rules are an optional input ([`Finding`]); without them the
//! hosts are ranked by event count and no view shows finding marks.
//!
//! # JSON document
//!
//! Serializing a [`Profile`] with serde_json gives the document the CLI writes
//! (`wormscope profile`). Times are integer nanoseconds since the epoch, durations and gaps
//! integer nanoseconds, absent values `null`. Event types are snake_case names as in
//! [`EventType::as_str`]; conn_state codes are Zeek's (`S0`, `REJ`, ...). The top-level keys,
//! in this order:
//!
//! | key | contents |
//! |---|---|
//! | `schema` | `"wormscope.profile/1"` |
//! | `filter` | `host`, `port`, `from`, `to`, `direction` (`in`/`out`/`both`), `event_types` (sorted list or null) |
//! | `data` | `first`, `last`, `events`, `connections` of the whole input, unfiltered |
//! | `hosts` | `ranked_by`, `search`, `total`, `matched`, `rows[]`: `rank`, `address`, `local`, `events`, `connections`, `findings`, `score` |
//! | `activity` | `grid` {`start`, `bucket_secs`, `buckets`}, `unit`, `event_types`, `buckets[]` {`start`, `weekend`, `total`, `by_type`}, `without_port` (same list or null), `findings[]` {`kind`, `start`, `end`, `bucket`} |
//! | `first_seen` | `learning_end`, `occurrences[]`: `feature` (`event_type`/`alert_name`/`inbound_port`/`outbound_port`/`peer_net`), `value`, `ts`, `event_type`, `peer`, `peer_local`, `file_index`, `line`, `occurrences` |
//! | `in_out` | `grid`, then `connections`, `log_events`, `events`, each {`inbound`[], `outbound`[], `internal`[], `totals` {`inbound`, `outbound`, `internal`, `external`, `unknown`}, `pearson_r`} |
//! | `ports` | `rows[]` {`port`, `proto`, `direction`, `connections`, `events`, `bytes`, `log_bytes`, `conn_states`}, `events_without_port`, `timeline` (null, or `[]` {`start`, `conn_states`, `event_types`}) |
//! | `slash8` | `port`, `pairs[]` {`src`, `dst`, `events`} (first octets), `skipped_ipv6`, `skipped_no_address` |
//! | `alert_chain` | `alerts[]` {`ts`, `gap`, `event_type`, `format`, `name`, `signature`, `classification`, `severity`, `src`, `src_port`, `dst`, `dst_port`, `file_index`, `line`, `findings`}, `groups[]` {`classification`, `alerts`, `first`, `last`, `event_types`}, `findings[]` |
//! | `dropoff` | `window`, `sources[]` {`format`, `events`, `first`, `last`, `source_last`, `silent`, `went_silent`, `median_gap`, `longest_lull`, `lag`}, `last`, `spread`, `sources_agree`, `silence`, `longest_gap`, `silence_unusual`, `stopped_together` (the verdict: see `dropoff`) |
//!
//! Object keys inside a struct keep this order; keys of count maps (`by_type`,
//! `conn_states`, `event_types`) follow the declaration order of [`EventType`] and
//! [`ConnState`](crate::conn::ConnState).

pub mod activity;
pub mod alert_chain;
pub mod dropoff;
pub mod first_seen;
pub mod hosts;
pub mod in_out;
pub mod ports;
pub mod slash8;

#[cfg(test)]
mod tests;

use crate::conn::Connection;
use crate::events::{conn_state_type, Event, EventType};
use crate::logs::datetime::SECS_PER_DAY;
use crate::net::LocalNets;
use crate::time::{Timestamp, NANOS_PER_SEC};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The schema name and version written as `schema` at the top of the JSON document.
pub const SCHEMA: &str = "wormscope.profile/1";

/// The side of an event or connection that the chosen host is on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The host is the destination (responder).
    In,
    /// The host is the source (originator).
    Out,
    /// Either side.
    #[default]
    Both,
}

/// One filter state: every view of a profile is computed under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Filter {
    /// The host under investigation.
    pub host: IpAddr,
    /// Keeps only events and connections with this port on either side, as Wireshark's
    /// `tcp.port == P` does. ICMP records never match, because their ports carry the ICMP
    /// type and code.
    pub port: Option<u16>,
    /// Start of the time range, inclusive; unbounded when absent.
    pub from: Option<Timestamp>,
    /// End of the time range, exclusive; unbounded when absent.
    pub to: Option<Timestamp>,
    /// The side the host must be on.
    pub direction: Direction,
    /// Keeps only these event types (a connection has the type of its conn_state); all
    /// types when absent.
    pub event_types: Option<BTreeSet<EventType>>,
}

impl Filter {
    /// Creates a filter on one host with no other restriction.
    pub fn for_host(host: IpAddr) -> Filter {
        Filter { host, port: None, from: None, to: None, direction: Direction::Both, event_types: None }
    }

    /// Returns true if and only if `ts` lies in `[from, to)`.
    pub fn in_range(&self, ts: Timestamp) -> bool {
        self.from.is_none_or(|from| ts >= from) && self.to.is_none_or(|to| ts < to)
    }

    /// Returns true if and only if the type is one of the chosen event types.
    pub fn type_matches(&self, event_type: EventType) -> bool {
        self.event_types.as_ref().is_none_or(|types| types.contains(&event_type))
    }

    /// Returns true if and only if no port is chosen, or the record is not ICMP and has the
    /// chosen port on either side.
    pub fn port_matches(&self, proto: Option<&str>, src_port: Option<u16>, dst_port: Option<u16>) -> bool {
        let Some(port) = self.port else {
            return true;
        };
        if matches!(proto, Some("icmp" | "ipv6-icmp" | "icmp6")) {
            return false;
        }
        src_port == Some(port) || dst_port == Some(port)
    }

    /// Returns true if and only if the host is on the side the direction selects.
    pub fn host_matches(&self, src: Option<IpAddr>, dst: Option<IpAddr>) -> bool {
        let is_src = src == Some(self.host);
        let is_dst = dst == Some(self.host);
        match self.direction {
            Direction::In => is_dst,
            Direction::Out => is_src,
            Direction::Both => is_src || is_dst,
        }
    }

    /// Returns true if and only if the event passes every part of the filter except the host
    /// and the direction.
    pub fn matches_event_any_host(&self, event: &Event) -> bool {
        self.in_range(event.ts)
            && self.type_matches(event.event_type)
            && self.port_matches(event.proto.as_deref(), event.src_port, event.dst_port)
    }

    /// Returns true if and only if the event passes the whole filter.
    pub fn matches_event(&self, event: &Event) -> bool {
        self.host_matches(event.src, event.dst) && self.matches_event_any_host(event)
    }

    /// Returns true if and only if the connection passes every part of the filter except
    /// the host and the direction.
    pub fn matches_connection_any_host(&self, conn: &Connection) -> bool {
        self.in_range(conn.ts)
            && self.type_matches(conn_state_type(conn.conn_state, conn.proto))
            && self.port_matches(Some(conn.proto.as_str()), Some(conn.orig_p), Some(conn.resp_p))
    }

    /// Returns true if and only if the connection passes the whole filter.
    pub fn matches_connection(&self, conn: &Connection) -> bool {
        self.host_matches(Some(conn.orig_h), Some(conn.resp_h)) && self.matches_connection_any_host(conn)
    }

    /// Returns the same filter with no port chosen.
    pub fn without_port(&self) -> Filter {
        Filter { port: None, ..self.clone() }
    }
}

/// A detection result, as far as the views need one. The detection rules fill these in;
/// the views only place them on the timeline and rank hosts by them.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// The rule's name, e.g. `AddressScan`.
    pub kind: String,
    /// The host the finding is about.
    pub host: IpAddr,
    /// Start of the evidence, inclusive.
    pub start: Timestamp,
    /// End of the evidence, inclusive.
    pub end: Timestamp,
    /// Weight in the host ranking; 1 when absent.
    #[serde(default)]
    pub score: Option<f64>,
}

impl From<&crate::detect::Finding> for Finding {
    fn from(finding: &crate::detect::Finding) -> Finding {
        Finding {
            kind: finding.rule.as_str().to_string(),
            host: finding.host,
            start: finding.start,
            end: finding.end,
            score: Some(finding.score),
        }
    }
}

impl Finding {
    /// Returns true if and only if `[start, end]` overlaps the filter's `[from, to)`.
    pub fn overlaps(&self, filter: &Filter) -> bool {
        filter.from.is_none_or(|from| self.end >= from) && filter.to.is_none_or(|to| self.start < to)
    }
}

/// Settings of a profile beyond the filter.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileOptions {
    /// The analyst's own networks, for inbound against outbound.
    pub local: LocalNets,
    /// End of the never-before-seen learning window; the first event's time plus 24 hours
    /// when absent.
    pub learning_end: Option<Timestamp>,
    /// Sources that stop within this many nanoseconds of each other stopped together.
    pub dropoff_window: i64,
    /// Keeps only hosts whose address contains this text (case-insensitive) in the ranking.
    pub host_search: Option<String>,
    /// Keeps at most this many rows of the ranking; all when absent. A scanned network can
    /// add one host per scan target, tens of thousands in a day.
    pub hosts_limit: Option<usize>,
    /// Findings of the detection rules, if any.
    pub findings: Vec<Finding>,
}

/// The default never-before-seen learning window: 24 hours.
pub const DEFAULT_LEARNING_NANOS: i64 = 24 * 3600 * NANOS_PER_SEC;

/// The default drop-off window: 30 minutes, so that a source seeing the host only through
/// a keepalive every 15 minutes may miss one and still count as stopping with the others.
pub const DEFAULT_DROPOFF_WINDOW_NANOS: i64 = 30 * 60 * NANOS_PER_SEC;

impl Default for ProfileOptions {
    fn default() -> ProfileOptions {
        ProfileOptions {
            local: LocalNets::default(),
            learning_end: None,
            dropoff_window: DEFAULT_DROPOFF_WINDOW_NANOS,
            host_search: None,
            hosts_limit: None,
            findings: Vec::new(),
        }
    }
}

/// The time range of the whole input, before any filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DataRange {
    /// Time of the first event, if any.
    pub first: Option<Timestamp>,
    /// Time of the last event, if any.
    pub last: Option<Timestamp>,
    /// Events in the input.
    pub events: u64,
    /// Connections in the input.
    pub connections: u64,
}

/// The numbers behind every view, in the order the JSON document writes them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The filter every view was computed under.
    pub filter: Filter,
    /// The input's time range and sizes, unfiltered.
    pub data: DataRange,
    /// The host ranking.
    pub hosts: hosts::HostsView,
    /// The host's activity over time, stacked by event type.
    pub activity: activity::ActivityView,
    /// First occurrences after the learning window.
    pub first_seen: first_seen::FirstSeenView,
    /// Inbound against outbound over time, with their correlation.
    pub in_out: in_out::InOutView,
    /// Per-port summary and the chosen port's timeline.
    pub ports: ports::PortsView,
    /// Source /8 against destination /8 for the chosen port, over all hosts.
    pub slash8: slash8::Slash8View,
    /// The host's IDS alerts in time order.
    pub alert_chain: alert_chain::AlertChainView,
    /// The host's last activity per source, and whether the sources stopped together.
    pub dropoff: dropoff::DropoffView,
}

/// Computes every view for one filter state. `events` must be in time order, as
/// [`Report::events`](crate::Report) is.
pub fn profile(events: &[Event], connections: &[Connection], filter: &Filter, options: &ProfileOptions) -> Profile {
    let data = DataRange {
        first: events.first().map(|event| event.ts),
        last: events.last().map(|event| event.ts),
        events: events.len() as u64,
        connections: connections.len() as u64,
    };
    let grid = Grid::for_host(events, filter);
    let learning_end = options
        .learning_end
        .or_else(|| data.first.map(|first| first.plus_nanos(DEFAULT_LEARNING_NANOS)))
        .unwrap_or_default();

    Profile {
        schema: SCHEMA,
        filter: filter.clone(),
        hosts: hosts::rank_hosts(events, connections, filter, options),
        activity: activity::activity(events, filter, &grid, &options.findings),
        first_seen: first_seen::first_seen_view(events, filter, &options.local, learning_end),
        in_out: in_out::in_out(events, connections, filter, &grid, &options.local),
        ports: ports::ports_view(events, connections, filter, &grid),
        slash8: slash8::slash8(events, filter),
        alert_chain: alert_chain::alert_chain(events, filter, &options.findings),
        // A switch-off is the host's, not a port's or a range's: see the dropoff module.
        dropoff: dropoff::dropoff(events, &Filter::for_host(filter.host), options.dropoff_window),
        data,
    }
}

/// The time buckets the timeline views share.
///
/// Bucket width follows the span of the range: one second up to 5 minutes, 10 seconds up to
/// 30 minutes, one minute up to 6 hours, one hour up to 14 days, one day beyond, and whole
/// multiples of a day when that would make more than [`MAX_DAY_BUCKETS`] buckets. So a range
/// of a few seconds (a short scan) still has several buckets, and no range has fewer than 30
/// unless it is under 30 seconds. Buckets are aligned to whole multiples of their width in
/// UTC and cover the range with no gaps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Grid {
    /// Start of the first bucket.
    pub start: Timestamp,
    /// Width of every bucket, in seconds.
    pub bucket_secs: i64,
    /// Number of buckets.
    pub buckets: usize,
}

/// The largest number of day buckets before buckets grow to several days.
pub const MAX_DAY_BUCKETS: i64 = 1_000;

impl Grid {
    /// Chooses the grid for `[start, end)`; an empty or reversed range has no buckets.
    pub fn for_range(start: Timestamp, end: Timestamp) -> Grid {
        // In i128, because the span of the widest range does not fit in i64 nanoseconds.
        let span_nanos = i128::from(end.0) - i128::from(start.0);
        let span_secs = ((span_nanos + i128::from(NANOS_PER_SEC) - 1) / i128::from(NANOS_PER_SEC)) as i64;
        let bucket_secs = if span_secs <= 5 * 60 {
            1
        } else if span_secs <= 30 * 60 {
            10
        } else if span_secs <= 6 * 3600 {
            60
        } else if span_secs <= 14 * SECS_PER_DAY {
            3600
        } else {
            let days = (span_secs + SECS_PER_DAY - 1) / SECS_PER_DAY;
            SECS_PER_DAY * ((days + MAX_DAY_BUCKETS - 1) / MAX_DAY_BUCKETS).max(1)
        };
        if end <= start {
            return Grid { start, bucket_secs, buckets: 0 };
        }

        let origin_secs = start.secs().div_euclid(bucket_secs) * bucket_secs;
        let last_secs = end.plus_nanos(-1).secs();
        let buckets = ((last_secs - origin_secs) / bucket_secs + 1) as usize;
        Grid { start: Timestamp::from_secs(origin_secs), bucket_secs, buckets }
    }

    /// Chooses the grid for the filter's range. An open end takes the time of the host's
    /// first or last event, ignoring the port and event-type filters so that every view
    /// shares one grid.
    pub fn for_host(events: &[Event], filter: &Filter) -> Grid {
        let host_times = events.iter().filter(|event| filter.host_matches(event.src, event.dst)).map(|e| e.ts);
        let (first, last) =
            host_times.fold((None, None), |(first, last): (Option<Timestamp>, Option<Timestamp>), ts| {
                (Some(first.map_or(ts, |first| first.min(ts))), Some(last.map_or(ts, |last| last.max(ts))))
            });
        let start = filter.from.or(first);
        let end = filter.to.or(last.map(|last| last.plus_nanos(1)));
        match (start, end) {
            (Some(start), Some(end)) => Grid::for_range(start, end),
            _ => Grid { start: Timestamp::default(), bucket_secs: 60, buckets: 0 },
        }
    }

    /// Returns the index of the bucket holding `ts`, if the grid covers it.
    pub fn index(&self, ts: Timestamp) -> Option<usize> {
        if ts < self.start {
            return None;
        }
        let index = (i128::from(ts.0) - i128::from(self.start.0)) / i128::from(self.bucket_secs * NANOS_PER_SEC);
        usize::try_from(index).ok().filter(|&index| index < self.buckets)
    }

    /// Returns the start of bucket `index`.
    pub fn bucket_start(&self, index: usize) -> Timestamp {
        // In i128 and clamped, because a range as wide as i64 allows reaches the type's limits.
        let start = i128::from(self.start.0) + index as i128 * i128::from(self.bucket_secs * NANOS_PER_SEC);
        Timestamp(start.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// Returns the unit name of the bucket width: `second`, `minute`, `hour` or `day`. Ten
    /// seconds are still `second` and a multiple of a day is still `day`, so `bucket_secs`
    /// gives the width.
    pub fn unit(&self) -> &'static str {
        match self.bucket_secs {
            1 | 10 => "second",
            60 => "minute",
            3600 => "hour",
            _ => "day",
        }
    }
}

/// Returns true if and only if `ts` falls on a Saturday or Sunday in UTC.
///
/// NOTE: the weekend is taken in UTC because captures and most logs carry UTC. For a site
/// in another zone, the weekend is shifted by the zone's offset.
pub fn is_weekend(ts: Timestamp) -> bool {
    let days = ts.secs().div_euclid(SECS_PER_DAY);

    // 1970-01-01 was a Thursday, so day 0 has weekday 3 counting from Monday as 0.
    let weekday = (days + 3).rem_euclid(7);
    weekday >= 5
}

/// Returns the /8 block of an IPv4 address as its first octet, or `None` for IPv6.
pub fn slash8_of(address: IpAddr) -> Option<u8> {
    match address {
        IpAddr::V4(v4) => Some(v4.octets()[0]),
        IpAddr::V6(_) => None,
    }
}

/// Returns true if and only if the type is an IDS or sensor alert rather than a connection,
/// a sensor record or a syslog message.
pub fn is_alert(event_type: EventType) -> bool {
    matches!(
        event_type,
        EventType::Exploit
            | EventType::Trojan
            | EventType::Worm
            | EventType::Scan
            | EventType::InfectionCheck
            | EventType::Policy
            | EventType::Spam
            | EventType::Dos
            | EventType::NewService
            | EventType::OpenPort
            | EventType::AlertOther
    )
}

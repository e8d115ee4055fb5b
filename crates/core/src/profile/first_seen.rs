//! Never before seen: what a host did for the first time after a learning window.
//!
//! Everything a host does before `learning_end` is its baseline. After that, the first event
//! with a feature the baseline lacks is a *first occurrence*. The features, per host:
//!
//! - the event type;
//! - the alert name (message or plugin name), for IDS and sensor alerts only;
//! - an inbound port: the destination port of an event with the host as destination, unless
//!   the attempt failed (`conn_rejected`, `conn_timed_out`), because a closed port that was
//!   probed is not something the host started doing;
//! - an outbound port: the destination port of an event with the host as source, attempts
//!   included, because a worm's scan port shows up as failed attempts;
//! - a peer network: the other side's /8 for IPv4, /16 for IPv6, in either direction.
//!
//! Ports come only from connection records (captures and session-monitor logs, the
//! `conn_*` types), whose source is the originator. IDS alerts name source and destination
//! by the direction of the alerting packet, so an alert on a reply would report the client's
//! ephemeral port as an inbound port. Port numbers are compared without the protocol
//! because log formats name protocols differently, and ICMP records have no ports here.

use super::Filter;
use crate::events::{Event, EventType};
use crate::net::LocalNets;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// One feature of a host's behaviour.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "feature", content = "value", rename_all = "snake_case")]
pub enum Feature {
    /// The normalized event type.
    EventType(EventType),
    /// The alert message or plugin name of an alert.
    AlertName(String),
    /// A destination port with the host as destination.
    InboundPort(u16),
    /// A destination port with the host as source.
    OutboundPort(u16),
    /// The peer's network: `a.0.0.0/8` for IPv4, `x::/16` for IPv6.
    PeerNet(String),
}

/// The first event after the learning window with a feature the host had not shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirstOccurrence {
    /// The new feature.
    #[serde(flatten)]
    pub feature: Feature,
    /// Time of the first event with it.
    pub ts: Timestamp,
    /// That event's type.
    pub event_type: EventType,
    /// The other side of that event, if it has one.
    pub peer: Option<IpAddr>,
    /// True if and only if the peer lies in the local networks; null without a peer.
    pub peer_local: Option<bool>,
    /// That event's file index.
    pub file_index: u32,
    /// That event's line (log) or first packet number (capture).
    pub line: u64,
    /// Events with the feature from the first occurrence on.
    pub occurrences: u64,
}

/// The never-before-seen view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FirstSeenView {
    /// End of the learning window (exclusive).
    pub learning_end: Timestamp,
    /// First occurrences whose time lies in the filter's range, by time.
    pub occurrences: Vec<FirstOccurrence>,
}

/// Builds the view: first occurrences over all the host's events, kept when they fall in the
/// filter's time range. The port, direction and event-type filters do not apply, because
/// they would change what counts as new.
pub fn first_seen_view(events: &[Event], filter: &Filter, local: &LocalNets, learning_end: Timestamp) -> FirstSeenView {
    let mut occurrences = first_occurrences(events, filter.host, local, learning_end);
    occurrences.retain(|occurrence| filter.in_range(occurrence.ts));
    FirstSeenView { learning_end, occurrences }
}

/// Returns the host's first occurrences after `learning_end`, ordered by time and then by
/// feature. Events before `learning_end` form the baseline; `events` need not be sorted.
pub fn first_occurrences(
    events: &[Event],
    host: IpAddr,
    local: &LocalNets,
    learning_end: Timestamp,
) -> Vec<FirstOccurrence> {
    let host_events = events.iter().filter(|event| event.src == Some(host) || event.dst == Some(host));

    // Split into the baseline and, per new feature, the earliest event and a count.
    let mut baseline: BTreeSet<Feature> = BTreeSet::new();
    let mut later: BTreeMap<Feature, (&Event, u64)> = BTreeMap::new();
    for event in host_events {
        for feature in features(event, host) {
            if event.ts < learning_end {
                baseline.insert(feature);
                continue;
            }
            let entry = later.entry(feature).or_insert((event, 0));
            entry.1 += 1;
            if (event.ts, event.file_index, event.line) < (entry.0.ts, entry.0.file_index, entry.0.line) {
                entry.0 = event;
            }
        }
    }

    let mut occurrences: Vec<FirstOccurrence> = later
        .into_iter()
        .filter(|(feature, _)| !baseline.contains(feature))
        .map(|(feature, (event, occurrences))| {
            let peer = if event.src == Some(host) { event.dst } else { event.src };
            FirstOccurrence {
                feature,
                ts: event.ts,
                event_type: event.event_type,
                peer,
                peer_local: peer.map(|peer| local.contains(peer)),
                file_index: event.file_index,
                line: event.line,
                occurrences,
            }
        })
        .collect();
    occurrences.sort_by(|a, b| (a.ts, &a.feature).cmp(&(b.ts, &b.feature)));
    occurrences
}

/// Returns the features of one event of the host.
fn features(event: &Event, host: IpAddr) -> Vec<Feature> {
    let mut features = vec![Feature::EventType(event.event_type)];
    if super::is_alert(event.event_type) {
        features.push(Feature::AlertName(event.name.clone()));
    }

    let icmp = matches!(event.proto.as_deref(), Some("icmp" | "ipv6-icmp" | "icmp6"));
    let failed = matches!(event.event_type, EventType::ConnRejected | EventType::ConnTimedOut);
    if let (Some(port), false, true) = (event.dst_port, icmp, event.event_type.is_connection()) {
        if event.dst == Some(host) && !failed {
            features.push(Feature::InboundPort(port));
        }
        if event.src == Some(host) {
            features.push(Feature::OutboundPort(port));
        }
    }

    let peers = [event.src, event.dst];
    for peer in peers.into_iter().flatten().filter(|&peer| peer != host) {
        features.push(Feature::PeerNet(peer_net(peer)));
    }
    features
}

/// Returns the peer's network: /8 for IPv4, /16 for IPv6.
pub fn peer_net(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("{}.0.0.0/8", v4.octets()[0]),
        IpAddr::V6(v6) => format!("{:x}::/16", v6.segments()[0]),
    }
}

//! Source /8 against destination /8: one bubble per pair of networks, for the chosen port.
//!
//! The matrix shows which networks talk to which on a port, as when a worm's scan port lights
//! up one source /8 against many destination /8s. It therefore covers every host, applying
//! the filter's time range, port and event types but not its host or direction. A network is
//! written as the first octet of an IPv4 address. IPv6 events are skipped and counted,
//! because the first 8 bits of an IPv6 address tell nothing about who owns it.

use super::{slash8_of, Filter};
use crate::events::Event;
use serde::Serialize;
use std::collections::BTreeMap;

/// One bubble: a source /8, a destination /8 and the events between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Slash8Pair {
    /// First octet of the source network.
    pub src: u8,
    /// First octet of the destination network.
    pub dst: u8,
    /// Events from the source network to the destination network, connection events included.
    pub events: u64,
}

/// The /8 matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Slash8View {
    /// The port the matrix is for; null for all ports.
    pub port: Option<u16>,
    /// One entry per distinct pair, ordered by source then destination.
    pub pairs: Vec<Slash8Pair>,
    /// Events with an IPv6 address, left out.
    pub skipped_ipv6: u64,
    /// Events without a source or destination address, left out.
    pub skipped_no_address: u64,
}

/// Counts the events of every host per source and destination /8.
pub fn slash8(events: &[Event], filter: &Filter) -> Slash8View {
    let mut view = Slash8View { port: filter.port, ..Slash8View::default() };
    let mut counts: BTreeMap<(u8, u8), u64> = BTreeMap::new();
    for event in events.iter().filter(|event| filter.matches_event_any_host(event)) {
        let (Some(src), Some(dst)) = (event.src, event.dst) else {
            view.skipped_no_address += 1;
            continue;
        };
        match (slash8_of(src), slash8_of(dst)) {
            (Some(src), Some(dst)) => *counts.entry((src, dst)).or_default() += 1,
            _ => view.skipped_ipv6 += 1,
        }
    }
    view.pairs = counts.into_iter().map(|((src, dst), events)| Slash8Pair { src, dst, events }).collect();
    view
}

//! NeverBeforeSeen: what a local host does after the learning window that it never did in it.
//!
//! Four kinds of item are tracked per host, each with the record that first showed it:
//!
//! - `inbound_port`: a port the host answered on (an established connection to it, as
//!   `PORT/tcp` or `PORT/udp`);
//! - `outbound_port`: a port the host connected or tried to connect to;
//! - `peer_slash8`: the /8 network of any peer, in either direction, attempts included;
//! - `event_type`: the name of an IDS alert or sensor event that names the host (the Snort
//!   message, the NNM plugin name).
//!
//! An item *occurs first* at its earliest record; the rule reports every item whose first
//! occurrence is at or after the learning window's end, one finding per host. Only *hosts*
//! are reported: local addresses that originated a connection or answered one, so unused
//! addresses that only a scanner probed are not.
//!
//! TODO: `profile::first_seen::first_occurrences` (branch `profile`) computes the same items
//! for the page's host view; the two should become one function once both are merged.

use super::{Evidence, Finding, Flow, Input, Rule, Severity, MAX_EVIDENCE};
use crate::events::{Event, SourceFormat};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;

/// The kind of a tracked item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A port the host answered on.
    InboundPort,
    /// A port the host connected to.
    OutboundPort,
    /// A peer's /8 network.
    PeerSlash8,
    /// An alert or sensor event name.
    EventType,
}

impl ItemKind {
    /// Returns the snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::InboundPort => "inbound_port",
            ItemKind::OutboundPort => "outbound_port",
            ItemKind::PeerSlash8 => "peer_slash8",
            ItemKind::EventType => "event_type",
        }
    }
}

/// The first occurrence of one item on one host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirstOccurrence {
    /// The host.
    pub host: IpAddr,
    /// What kind of item.
    pub kind: ItemKind,
    /// The item (`6881/tcp`, `58.0.0.0/8`, an alert message).
    pub value: String,
    /// The record that first showed it.
    pub evidence: Evidence,
}

fn port_item(flow: &Flow, port: u16) -> Option<String> {
    if flow.tcp {
        Some(format!("{port}/tcp"))
    } else if flow.udp {
        Some(format!("{port}/udp"))
    } else {
        None
    }
}

/// Returns the /8 network of an address as text (`58.0.0.0/8`; `2001::/8` for IPv6).
fn slash8_text(address: IpAddr) -> String {
    match address {
        IpAddr::V4(a) => format!("{}.0.0.0/8", a.octets()[0]),
        IpAddr::V6(a) => format!("{:x}00::/8", a.octets()[0]),
    }
}

/// Where an observation came from: a flow or an event, by index.
#[derive(Clone, Copy)]
enum Source {
    Flow(usize),
    Event(usize),
}

/// One observation: time, host, kind, value and where it came from.
type Item = (Timestamp, IpAddr, ItemKind, String, Source);

fn flow_items(flow: &Flow, index: usize, items: &mut Vec<Item>) {
    let evidence = Source::Flow(index);
    if flow.local_orig {
        if let Some(port) = port_item(flow, flow.resp_p) {
            items.push((flow.ts, flow.orig_h, ItemKind::OutboundPort, port, evidence));
        }
        items.push((flow.ts, flow.orig_h, ItemKind::PeerSlash8, slash8_text(flow.resp_h), evidence));
    }
    if flow.local_resp {
        if flow.established {
            if let Some(port) = port_item(flow, flow.resp_p) {
                items.push((flow.ts, flow.resp_h, ItemKind::InboundPort, port, evidence));
            }
        }
        items.push((flow.ts, flow.resp_h, ItemKind::PeerSlash8, slash8_text(flow.orig_h), evidence));
    }
}

/// Returns true if and only if the event is an alert or sensor event whose name is an item.
fn named_event(event: &Event) -> bool {
    let record = matches!(event.format, SourceFormat::Capture | SourceFormat::SessionMonitor | SourceFormat::Syslog | SourceFormat::Unparsed);
    !record && !event.event_type.is_connection()
}

/// Returns every item's first occurrence at or after `learning_end`, per host, in time order.
pub fn first_occurrences(input: &Input) -> BTreeMap<IpAddr, Vec<FirstOccurrence>> {
    let mut items: Vec<Item> = Vec::new();
    let mut hosts: HashSet<IpAddr> = HashSet::new();
    for (index, flow) in input.flows.iter().enumerate() {
        flow_items(flow, index, &mut items);
        if flow.local_orig {
            hosts.insert(flow.orig_h);
        }
        if flow.local_resp && flow.established {
            hosts.insert(flow.resp_h);
        }
    }
    for (index, event) in input.report.events.iter().enumerate().filter(|(_, event)| named_event(event)) {
        if let Some(host) = input.event_host(event) {
            items.push((event.ts, host, ItemKind::EventType, event.name.clone(), Source::Event(index)));
        }
    }
    items.sort_by_key(|item| item.0);

    let mut known: BTreeSet<(IpAddr, ItemKind, String)> = BTreeSet::new();
    let mut first: BTreeMap<IpAddr, Vec<FirstOccurrence>> = BTreeMap::new();
    for (ts, host, kind, value, source) in items {
        if !hosts.contains(&host) || !known.insert((host, kind, value.clone())) || ts < input.learning_end {
            continue;
        }
        let evidence = match source {
            Source::Flow(index) => input.flows[index].evidence(),
            Source::Event(index) => Evidence::from_event(&input.report.events[index], None),
        };
        first.entry(host).or_default().push(FirstOccurrence { host, kind, value, evidence });
    }
    first
}

/// Runs the rule: one finding per host with new items.
pub fn detect(input: &Input) -> Vec<Finding> {
    first_occurrences(input).into_iter().map(|(host, items)| finding(host, &items)).collect()
}

fn finding(host: IpAddr, items: &[FirstOccurrence]) -> Finding {
    let span = (items[0].evidence.ts, items[items.len() - 1].evidence.ts);
    let mut counts: BTreeMap<ItemKind, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(item.kind).or_insert(0) += 1;
    }
    let mut finding = Finding::new(Rule::NeverBeforeSeen, host, span, Severity::Low, super::strength(items.len() as f64, 5.0));
    for (kind, count) in &counts {
        finding = finding.fact(kind.as_str(), *count as f64);
    }
    let listed: Vec<String> = counts.iter().map(|(kind, count)| format!("{count} {}", kind.as_str())).collect();
    finding.message = format!(
        "{host} may have changed behaviour: {} items never seen in the learning window ({}), first '{}'",
        items.len(),
        listed.join(", "),
        items[0].value
    );
    finding.evidence = items
        .iter()
        .take(MAX_EVIDENCE)
        .map(|item| Evidence { label: Some(format!("{} {}", item.kind.as_str(), item.value)), ..item.evidence.clone() })
        .collect();
    finding
}

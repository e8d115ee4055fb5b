//! NewServicePort: a local host starts accepting connections on a port it never served
//! before, and clients from many /8 networks connect to it.
//!
//! A host *serves* a port when a connection to that port is established with the host as
//! responder (a completed TCP handshake or a UDP reply). A port is *new* when the first such
//! connection comes after the learning window and no earlier one exists in the data. The
//! rule then counts the distinct /8 networks of the port's clients from the first served
//! connection on, and fires when [`NEW_SERVICE_MIN_SLASH8S`] are reached within
//! [`NEW_SERVICE_FANIN_WINDOW`] of the first connection. A peer-to-peer worm's service
//! draws peers from all over the address space; a new benign service draws its clients from
//! the campus and a few partners, and a busy web server's ports are not new.

use super::{human_duration, strength, Finding, Flow, Input, Rule, Severity, HOUR, MAX_EVIDENCE};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Distinct client /8 networks that make a new port suspicious. A service for the campus and
/// a few partners stays well under it; random Internet peers pass it after a few dozen.
pub const NEW_SERVICE_MIN_SLASH8S: usize = 10;

/// The fan-in must be reached within this of the port's first connection: a service that
/// peers join at once, not one that collects a client a day.
pub const NEW_SERVICE_FANIN_WINDOW: i64 = 6 * HOUR;

/// Thresholds of NewServicePort.
#[derive(Clone, Debug, Serialize)]
pub struct NewServiceConfig {
    /// Distinct client /8s (default [`NEW_SERVICE_MIN_SLASH8S`]).
    pub min_slash8s: usize,
    /// Time to reach it, in nanoseconds (default [`NEW_SERVICE_FANIN_WINDOW`]).
    pub fanin_window: i64,
}

impl Default for NewServiceConfig {
    fn default() -> NewServiceConfig {
        NewServiceConfig { min_slash8s: NEW_SERVICE_MIN_SLASH8S, fanin_window: NEW_SERVICE_FANIN_WINDOW }
    }
}

/// Returns the /8 network of an address: its first octet for IPv4, the first byte for IPv6.
pub fn slash8(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(a) => a.octets()[0],
        IpAddr::V6(a) => a.octets()[0],
    }
}

/// Runs the rule.
pub fn detect(input: &Input) -> Vec<Finding> {
    // Established connections to each local (host, proto, port), in time order.
    let mut served: BTreeMap<(IpAddr, bool, u16), Vec<&Flow>> = BTreeMap::new();
    for flow in input.flows.iter().filter(|flow| flow.established && flow.local_resp && (flow.tcp || flow.udp)) {
        served.entry((flow.resp_h, flow.tcp, flow.resp_p)).or_default().push(flow);
    }

    let config = &input.config.new_service;
    let min = config.min_slash8s;
    let mut findings = Vec::new();
    for ((host, tcp, port), flows) in served {
        if flows[0].ts < input.learning_end {
            continue;
        }
        let deadline = flows[0].ts.plus_nanos(config.fanin_window);
        let early: BTreeSet<u8> = flows.iter().take_while(|flow| flow.ts <= deadline).map(|flow| slash8(flow.orig_h)).collect();
        if early.len() < min {
            continue;
        }
        let slash8s: BTreeSet<u8> = flows.iter().map(|flow| slash8(flow.orig_h)).collect();
        findings.push(finding(host, tcp, port, &flows, slash8s.len(), min));
    }
    findings
}

fn finding(host: IpAddr, tcp: bool, port: u16, flows: &[&Flow], slash8s: usize, min: usize) -> Finding {
    let span: (Timestamp, Timestamp) = (flows[0].ts, flows[flows.len() - 1].ts);
    let clients: BTreeSet<IpAddr> = flows.iter().map(|flow| flow.orig_h).collect();
    let proto = if tcp { "tcp" } else { "udp" };
    let mut finding = Finding::new(Rule::NewServicePort, host, span, Severity::High, strength(slash8s as f64, min as f64))
        .fact("port", f64::from(port))
        .fact("clients", clients.len() as f64)
        .fact("client_slash8s", slash8s as f64)
        .fact("connections", flows.len() as f64);
    finding.message = format!(
        "{host} looks like it started a new service on {port}/{proto}: {} connections from {} clients in {slash8s} /8 networks over {}, and it never served this port before",
        flows.len(),
        clients.len(),
        human_duration(span.1.since(span.0))
    );
    finding.dedup_key = format!("NewServicePort:{host}:{port}/{proto}");
    finding.evidence = flows.iter().take(MAX_EVIDENCE).map(|flow| flow.evidence()).collect();
    finding
}

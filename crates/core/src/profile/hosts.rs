//! The host ranking: every address seen, with its event and connection counts.
//!
//! The ranking covers every host, so it applies the filter's time range, port and event
//! types but not its host or direction. An event or connection counts once for each distinct
//! address on it. When any finding is given, hosts are ranked by finding score. It takes the
//! host's findings that overlap the time range and sums, over the rules, the best score of
//! each rule, as the detection's `rank_hosts` does (a finding without a score counts 1).
//! Otherwise hosts are ranked by event count. Ties go to more connections, then to the lower
//! address.

use super::{Filter, ProfileOptions};
use crate::conn::Connection;
use crate::events::Event;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One host of the ranking.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostRow {
    /// 1-based rank among all hosts, before the address search.
    pub rank: usize,
    /// The address.
    pub address: IpAddr,
    /// True if and only if the address lies in the local networks.
    pub local: bool,
    /// Events with this address as source or destination, connection events included.
    pub events: u64,
    /// Connections with this address as originator or responder.
    pub connections: u64,
    /// Findings about this host that overlap the time range.
    pub findings: u64,
    /// Per rule, the best score among those findings, summed over the rules.
    pub score: f64,
}

impl HostRow {
    fn new(address: IpAddr) -> HostRow {
        HostRow { rank: 0, address, local: false, events: 0, connections: 0, findings: 0, score: 0.0 }
    }
}

/// The ranking, after the address search.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HostsView {
    /// `finding_score` or `event_count`.
    pub ranked_by: &'static str,
    /// The search text, if any.
    pub search: Option<String>,
    /// Hosts before the search.
    pub total: usize,
    /// Hosts that match the search, before the row limit.
    pub matched: usize,
    /// Hosts that match the search, best first, at most the row limit.
    pub rows: Vec<HostRow>,
}

/// Ranks every host under the filter's time range, port and event types.
pub fn rank_hosts(
    events: &[Event],
    connections: &[Connection],
    filter: &Filter,
    options: &ProfileOptions,
) -> HostsView {
    let mut rows: BTreeMap<IpAddr, HostRow> = BTreeMap::new();

    // Count events and connections once per distinct address on them.
    for event in events.iter().filter(|event| filter.matches_event_any_host(event)) {
        for address in distinct(event.src, event.dst) {
            row(&mut rows, address).events += 1;
        }
    }
    for conn in connections.iter().filter(|conn| filter.matches_connection_any_host(conn)) {
        for address in distinct(Some(conn.orig_h), Some(conn.resp_h)) {
            row(&mut rows, address).connections += 1;
        }
    }
    // A host's score sums, per rule, the best score among its findings of that rule, as the
    // detection's own ranking does, so many findings of one rule count once.
    let mut best: BTreeMap<(IpAddr, &str), f64> = BTreeMap::new();
    for finding in options.findings.iter().filter(|finding| finding.overlaps(filter)) {
        row(&mut rows, finding.host).findings += 1;
        let slot = best.entry((finding.host, finding.kind.as_str())).or_insert(0.0);
        *slot = slot.max(finding.score.unwrap_or(1.0));
    }
    for ((host, _), score) in best {
        row(&mut rows, host).score += score;
    }

    let by_findings = !options.findings.is_empty();
    let mut ranked: Vec<HostRow> = rows.into_values().collect();
    ranked.sort_by(|a, b| {
        let primary = if by_findings { b.score.total_cmp(&a.score) } else { b.events.cmp(&a.events) };
        primary.then(b.connections.cmp(&a.connections)).then(a.address.cmp(&b.address))
    });
    for (index, row) in ranked.iter_mut().enumerate() {
        row.rank = index + 1;
        row.local = options.local.contains(row.address);
    }

    let total = ranked.len();
    let search = options.host_search.as_ref().map(|text| text.trim().to_ascii_lowercase());
    if let Some(text) = &search {
        ranked.retain(|row| row.address.to_string().contains(text.as_str()));
    }
    let matched = ranked.len();
    if let Some(limit) = options.hosts_limit {
        ranked.truncate(limit);
    }
    HostsView {
        ranked_by: if by_findings { "finding_score" } else { "event_count" },
        search,
        total,
        matched,
        rows: ranked,
    }
}

/// Returns the row of an address, created empty if missing.
fn row(rows: &mut BTreeMap<IpAddr, HostRow>, address: IpAddr) -> &mut HostRow {
    rows.entry(address).or_insert_with(|| HostRow::new(address))
}

/// Returns the addresses present, once each.
fn distinct(first: Option<IpAddr>, second: Option<IpAddr>) -> impl Iterator<Item = IpAddr> {
    let second = if second == first { None } else { second };
    first.into_iter().chain(second)
}

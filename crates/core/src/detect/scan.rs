//! AddressScan and PortScan: Zeek's `policy/misc/scan.zeek` definitions over failed attempts.
//!
//! A *failed attempt* is a TCP connection that was unanswered, rejected, or reset before data
//! (conn_state S0, REJ, RSTOS0, SH) or a session-monitor session that timed out or was
//! rejected. An originator is an address scanner when, within [`SCAN_INTERVAL`], its failed
//! attempts on one port reach [`ADDRESS_SCAN_HOSTS`] distinct hosts; a port scanner when its
//! failed attempts to one host reach [`PORT_SCAN_PORTS`] distinct ports. Zeek counts in
//! SumStats epochs; this counts in a sliding window, so a burst split by an epoch boundary
//! still counts whole. Qualifying windows less than [`SCAN_SPAN_GAP`] apart form one finding.
//!
//! PortScan also counts unanswered UDP (conn_state S0), which scan.zeek leaves out, so that a
//! UDP port sweep shows too ([`ScanConfig::udp_port_scan`]); AddressScan stays TCP-only, since
//! unanswered UDP to many hosts on one port is everyday DNS, NTP and discovery traffic.
//!
//! Both rules fire on any scanner, the campus's own vulnerability scanner included: the
//! finding says "scanning", not "infected", and the severity is medium.

use super::{human_duration, merge_spans, strength, Finding, Flow, Input, Rule, Severity, MAX_EVIDENCE, MINUTE};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;
use std::net::IpAddr;

/// scan.zeek's `addr_scan_threshold`: distinct hosts on one port.
pub const ADDRESS_SCAN_HOSTS: usize = 25;
/// scan.zeek's `port_scan_threshold`: distinct ports of one host.
pub const PORT_SCAN_PORTS: usize = 15;
/// scan.zeek's `addr_scan_interval` and `port_scan_interval`.
pub const SCAN_INTERVAL: i64 = 5 * MINUTE;
/// Qualifying windows closer than this are one finding: one sweep, not many.
pub const SCAN_SPAN_GAP: i64 = 60 * MINUTE;

/// Thresholds of the scan rules.
#[derive(Clone, Debug, Serialize)]
pub struct ScanConfig {
    /// Distinct hosts on one port (default [`ADDRESS_SCAN_HOSTS`]).
    pub address_hosts: usize,
    /// Distinct ports of one host (default [`PORT_SCAN_PORTS`]).
    pub port_ports: usize,
    /// Counting window in nanoseconds (default [`SCAN_INTERVAL`]).
    pub interval: i64,
    /// Count unanswered UDP datagrams as PortScan attempts too (default true).
    pub udp_port_scan: bool,
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig { address_hosts: ADDRESS_SCAN_HOSTS, port_ports: PORT_SCAN_PORTS, interval: SCAN_INTERVAL, udp_port_scan: true }
    }
}

/// Runs both scan rules.
pub fn detect(input: &Input) -> Vec<Finding> {
    let config = &input.config.scan;
    let failed: Vec<&Flow> = input.flows.iter().filter(|flow| flow.failed && flow.tcp).collect();
    let mut findings = address_scans(&failed, config);
    let udp = |flow: &&Flow| config.udp_port_scan && flow.udp && flow.unanswered;
    let probes: Vec<&Flow> = input.flows.iter().filter(|flow| (flow.failed && flow.tcp) || udp(flow)).collect();
    findings.extend(port_scans(&probes, config));
    findings
}

fn address_scans(failed: &[&Flow], config: &ScanConfig) -> Vec<Finding> {
    let mut groups: BTreeMap<(IpAddr, u16), Vec<&Flow>> = BTreeMap::new();
    for flow in failed {
        groups.entry((flow.orig_h, flow.resp_p)).or_default().push(flow);
    }
    let mut findings = Vec::new();
    for ((orig, port), group) in groups {
        for sweep in sweeps(&group, |flow| flow.resp_h, config.address_hosts, config.interval) {
            let finding = Finding::new(Rule::AddressScan, orig, sweep.span, Severity::Medium, strength(sweep.peak as f64, config.address_hosts as f64));
            let mut finding = finding.fact("port", f64::from(port)).fact("peak_hosts", sweep.peak as f64).fact("hosts", sweep.items as f64).fact("attempts", sweep.flows.len() as f64);
            finding.message = format!(
                "{orig} may be scanning: failed attempts on port {port} to {} hosts over {} (up to {} within {})",
                sweep.items,
                human_duration(sweep.span.1.since(sweep.span.0)),
                sweep.peak,
                human_duration(config.interval)
            );
            finding.dedup_key = format!("AddressScan:{orig}:{port}:{}", sweep.span.0.secs());
            finding.evidence = sweep.flows.iter().take(MAX_EVIDENCE).map(|flow| flow.evidence()).collect();
            findings.push(finding);
        }
    }
    findings
}

fn port_scans(failed: &[&Flow], config: &ScanConfig) -> Vec<Finding> {
    let mut groups: BTreeMap<(IpAddr, IpAddr), Vec<&Flow>> = BTreeMap::new();
    for flow in failed {
        groups.entry((flow.orig_h, flow.resp_h)).or_default().push(flow);
    }

    // Sweeps of one originator over several targets within the gap are one finding.
    let mut per_orig: BTreeMap<IpAddr, Vec<(Sweep, IpAddr)>> = BTreeMap::new();
    for ((orig, target), group) in groups {
        for sweep in sweeps(&group, |flow| flow.resp_p, config.port_ports, config.interval) {
            per_orig.entry(orig).or_default().push((sweep, target));
        }
    }
    let mut findings = Vec::new();
    for (orig, sweeps) in per_orig {
        let spans = merge_spans(sweeps.iter().map(|(sweep, _)| sweep.span).collect(), SCAN_SPAN_GAP);
        for span in spans {
            let inside: Vec<&(Sweep, IpAddr)> = sweeps.iter().filter(|(s, _)| s.span.0 >= span.0 && s.span.1 <= span.1).collect();
            findings.push(port_finding(orig, span, &inside, config));
        }
    }
    findings
}

fn port_finding(orig: IpAddr, span: (Timestamp, Timestamp), sweeps: &[&(Sweep, IpAddr)], config: &ScanConfig) -> Finding {
    let targets: BTreeSet<IpAddr> = sweeps.iter().map(|(_, target)| *target).collect();
    let peak = sweeps.iter().map(|(sweep, _)| sweep.peak).max().unwrap_or(0);
    let ports = sweeps.iter().map(|(sweep, _)| sweep.items).max().unwrap_or(0);
    let mut finding = Finding::new(Rule::PortScan, orig, span, Severity::Medium, strength(peak as f64, config.port_ports as f64))
        .fact("targets", targets.len() as f64)
        .fact("peak_ports", peak as f64)
        .fact("ports", ports as f64);
    finding.message = format!(
        "{orig} may be port scanning: failed attempts to up to {ports} ports of each of {} hosts over {}",
        targets.len(),
        human_duration(span.1.since(span.0))
    );
    finding.dedup_key = format!("PortScan:{orig}:{}", span.0.secs());
    finding.evidence =
        sweeps.iter().flat_map(|(sweep, _)| sweep.flows.iter().take(3)).take(MAX_EVIDENCE).map(|flow| flow.evidence()).collect();
    finding
}

/// One run of qualifying windows in a group of failed attempts.
struct Sweep<'a> {
    /// From the first attempt of the first qualifying window to the last attempt of the last.
    span: (Timestamp, Timestamp),
    /// Maximum number of distinct items in one window.
    peak: usize,
    /// Distinct items over the whole span.
    items: usize,
    /// The attempts in the span.
    flows: Vec<&'a Flow>,
}

/// Returns the runs in which a sliding window of `interval` over `group` (in time order)
/// holds at least `threshold` distinct values of `item`; runs closer than [`SCAN_SPAN_GAP`]
/// join.
fn sweeps<'a, T: Eq + Hash + Copy + Ord>(group: &[&'a Flow], item: impl Fn(&Flow) -> T, threshold: usize, interval: i64) -> Vec<Sweep<'a>> {
    if group.len() < threshold {
        return Vec::new();
    }
    let mut counts: HashMap<T, usize> = HashMap::new();
    let mut first = 0;
    let mut spans: Vec<(Timestamp, Timestamp, usize)> = Vec::new();
    for flow in group {
        *counts.entry(item(flow)).or_insert(0) += 1;

        // Drop attempts that fell out of the window ending at this one.
        while group[first].ts.plus_nanos(interval) < flow.ts {
            let old = item(group[first]);
            if let Some(count) = counts.get_mut(&old) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(&old);
                }
            }
            first += 1;
        }

        if counts.len() >= threshold {
            let window_start = group[first].ts;
            match spans.last_mut() {
                Some(span) if window_start <= span.1.plus_nanos(SCAN_SPAN_GAP) => {
                    span.1 = flow.ts;
                    span.2 = span.2.max(counts.len());
                }
                _ => spans.push((window_start, flow.ts, counts.len())),
            }
        }
    }
    spans.into_iter().map(|(start, end, peak)| collect_sweep(group, &item, (start, end), peak)).collect()
}

fn collect_sweep<'a, T: Eq + Hash + Ord>(group: &[&'a Flow], item: &impl Fn(&Flow) -> T, span: (Timestamp, Timestamp), peak: usize) -> Sweep<'a> {
    let flows: Vec<&Flow> = group.iter().copied().filter(|flow| flow.ts >= span.0 && flow.ts <= span.1).collect();
    let items = flows.iter().map(|flow| item(flow)).collect::<BTreeSet<T>>().len();
    Sweep { span, peak, items, flows }
}

//! Worm-profile detection: rules over a finished [`Report`] that point at hosts behaving the
//! way an infected host does.
//!
//! A *finding* is one rule's hedged statement about one host over one time span, with capped
//! sample evidence (connections and events named by file and line or packet number), a dedup
//! key, a severity and a score. The rules, one file each, are:
//!
//! | rule | file | looks for |
//! |---|---|---|
//! | [`Rule::NewServicePort`] | [`new_service`] | a port first served after the learning window, with clients from many /8s |
//! | [`Rule::AddressScan`] | [`scan`] | failed attempts to many hosts on one port within minutes (Zeek scan.zeek) |
//! | [`Rule::PortScan`] | [`scan`] | failed attempts to many ports of one host within minutes (Zeek scan.zeek) |
//! | [`Rule::SpamBurst`] | [`spam`] | outbound SMTP, mostly failing, from a host that did not send mail before |
//! | [`Rule::AlertChain`] | [`alert_chain`] | IDS alerts in the order exploit, infection check or trojan, scan |
//! | [`Rule::LinkedInOut`] | [`linked`] | hourly inbound and outbound counts correlated over a day |
//! | [`Rule::NeverBeforeSeen`] | [`first_seen`] | ports, peer /8s and alert names new after the learning window |
//! | [`Rule::WentSilent`] | [`silent`] | a host active every hour that stops in every source at once |
//!
//! Hosts are then ranked by a combined score ([`rank_hosts`]). Everything returned is
//! `Serialize`, so the page's worker can hand it to the page as JSON.
//!
//! The thresholds live in [`DetectConfig`]; their defaults are the documented constants of each
//! rule file. DETECTION.md at the repository root gives the reasons and the measured quality.

pub mod alert_chain;
pub mod first_seen;
pub mod flows;
pub mod linked;
pub mod new_service;
pub mod scan;
pub mod silent;
pub mod spam;

use crate::analysis::Report;
use crate::events::Event;
use crate::net::LocalNets;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

pub use flows::Flow;

/// One second, in the nanoseconds of [`Timestamp`].
pub const SECOND: i64 = 1_000_000_000;
/// One minute.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour.
pub const HOUR: i64 = 60 * MINUTE;

/// Evidence items kept per finding: enough to open the records, few enough to read.
pub const MAX_EVIDENCE: usize = 12;

/// Learning window when none is set: the first day of the data.
pub const DEFAULT_LEARNING: i64 = 24 * HOUR;

/// The kinds of finding, one per rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rule {
    /// A host starts serving a port, with clients from many /8 networks.
    NewServicePort,
    /// One originator fails to reach many hosts on one port (Zeek `Scan::Address_Scan`).
    AddressScan,
    /// One originator fails to reach many ports of one host (Zeek `Scan::Port_Scan`).
    PortScan,
    /// A burst of mostly failing outbound SMTP from a host that did not send mail.
    SpamBurst,
    /// Exploit, then infection check or trojan, then scan alerts on one host.
    AlertChain,
    /// Inbound and outbound connection counts that rise and fall together.
    LinkedInOut,
    /// Ports, peers or alert names a host never had in the learning window.
    NeverBeforeSeen,
    /// A busy host that stops in every source at once.
    WentSilent,
}

impl Rule {
    /// Every rule, in the order findings are listed.
    pub const ALL: [Rule; 8] = [
        Rule::AlertChain,
        Rule::NewServicePort,
        Rule::SpamBurst,
        Rule::LinkedInOut,
        Rule::AddressScan,
        Rule::PortScan,
        Rule::WentSilent,
        Rule::NeverBeforeSeen,
    ];

    /// Returns the rule's name as findings and truth.json spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NewServicePort => "NewServicePort",
            Rule::AddressScan => "AddressScan",
            Rule::PortScan => "PortScan",
            Rule::SpamBurst => "SpamBurst",
            Rule::AlertChain => "AlertChain",
            Rule::LinkedInOut => "LinkedInOut",
            Rule::NeverBeforeSeen => "NeverBeforeSeen",
            Rule::WentSilent => "WentSilent",
        }
    }

    /// The rule's weight in the host score: how strongly it alone points at an infection.
    pub fn weight(self) -> f64 {
        match self {
            Rule::AlertChain => 5.0,
            Rule::NewServicePort => 4.0,
            Rule::SpamBurst => 3.0,
            Rule::LinkedInOut => 3.0,
            Rule::AddressScan => 2.0,
            Rule::PortScan => 2.0,
            Rule::WentSilent => 1.5,
            Rule::NeverBeforeSeen => 0.5,
        }
    }
}

/// How much attention a finding deserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context: worth a look when the host is already suspect.
    Low,
    /// Suspicious on its own, with common benign explanations.
    Medium,
    /// Rarely benign; look at this host first.
    High,
}

/// One record behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// When the record starts.
    pub ts: Timestamp,
    /// Index of the input file, in the order files were given.
    pub file_index: u32,
    /// 1-based line in a log, or the first packet's number in a capture.
    pub line: u64,
    /// What the record says, in one line (`tcp S0 10.0.0.5:51000 -> 10.0.0.9:445`).
    pub summary: String,
    /// The record's role in the finding, where it has one (an alert chain's step name).
    pub label: Option<String>,
}

impl Evidence {
    /// Describes an event.
    pub fn from_event(event: &Event, label: Option<&str>) -> Evidence {
        let endpoint = |addr: Option<IpAddr>, port: Option<u16>| match (addr, port) {
            (Some(a), Some(p)) => format!("{a}:{p}"),
            (Some(a), None) => a.to_string(),
            _ => "-".to_string(),
        };
        let summary = format!(
            "{} {}: {} -> {}",
            event.event_type,
            event.name,
            endpoint(event.src, event.src_port),
            endpoint(event.dst, event.dst_port)
        );
        Evidence { ts: event.ts, file_index: event.file_index, line: event.line, summary, label: label.map(str::to_string) }
    }
}

/// A rule's statement about one host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule that fired.
    pub rule: Rule,
    /// The host the finding is about.
    pub host: IpAddr,
    /// Start of the span the finding covers.
    pub start: Timestamp,
    /// End of the span (equal to `start` for a single moment).
    pub end: Timestamp,
    /// How much attention it deserves.
    pub severity: Severity,
    /// The rule weight times the strength of the match (0.5 at the threshold, up to 1.0).
    pub score: f64,
    /// What the rule saw, worded as a possibility ("may be", "looks like").
    pub message: String,
    /// Identifies the finding across runs: rule, host and the rule's own key (a port, ...).
    pub dedup_key: String,
    /// The measured values behind the message, by name.
    pub facts: BTreeMap<String, f64>,
    /// Sample records, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// Builds a finding with the score computed from `strength` (see [`strength`]).
    pub fn new(rule: Rule, host: IpAddr, span: (Timestamp, Timestamp), severity: Severity, strength: f64) -> Finding {
        Finding {
            rule,
            host,
            start: span.0,
            end: span.1,
            severity,
            score: rule.weight() * strength.clamp(0.5, 1.0),
            message: String::new(),
            dedup_key: format!("{}:{host}", rule.as_str()),
            facts: BTreeMap::new(),
            evidence: Vec::new(),
        }
    }

    /// Adds a named measured value.
    pub fn fact(mut self, name: &str, value: f64) -> Finding {
        self.facts.insert(name.to_string(), value);
        self
    }
}

/// Returns how far `value` lies above `threshold`, as 0.5 at the threshold rising to 1.0 at
/// twice the threshold; the score multiplier of a finding.
pub fn strength(value: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 {
        return 1.0;
    }
    (0.5 + 0.5 * (value / threshold - 1.0)).clamp(0.5, 1.0)
}

/// Thresholds and settings of every rule. The defaults are the rule files' constants.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DetectConfig {
    /// The analyst's own networks: which hosts are "ours" and which way a connection goes.
    pub local_nets: LocalNets,
    /// End of the learning window; when unset, [`DEFAULT_LEARNING`] after the first record.
    pub learning_end: Option<Timestamp>,
    /// Scan rules: see [`scan`].
    pub scan: scan::ScanConfig,
    /// NewServicePort: see [`new_service`].
    pub new_service: new_service::NewServiceConfig,
    /// SpamBurst: see [`spam`].
    pub spam: spam::SpamConfig,
    /// AlertChain: see [`alert_chain`].
    pub alert_chain: alert_chain::ChainConfig,
    /// LinkedInOut: see [`linked`].
    pub linked: linked::LinkedConfig,
    /// WentSilent: see [`silent`].
    pub silent: silent::SilentConfig,
}


/// The result of detection.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Detection {
    /// End of the learning window that was used.
    pub learning_end: Option<Timestamp>,
    /// Every finding, grouped by rule in [`Rule::ALL`] order, then by host and time.
    pub findings: Vec<Finding>,
    /// Hosts with at least one finding, highest combined score first.
    pub hosts: Vec<HostRank>,
}

/// One host's place in the ranking.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostRank {
    /// 1 for the most suspicious host.
    pub rank: usize,
    /// The host.
    pub host: IpAddr,
    /// The combined score (see [`rank_hosts`]).
    pub score: f64,
    /// The rules that fired on it, in [`Rule::ALL`] order.
    pub rules: Vec<Rule>,
    /// The highest severity among its findings.
    pub severity: Severity,
    /// How many findings it has.
    pub findings: usize,
}

/// What every rule reads: the report, the flows built from it and the settings.
pub struct Input<'a> {
    /// The analysed report.
    pub report: &'a Report,
    /// Connections from captures and session-monitor records, one per connection.
    pub flows: Vec<Flow>,
    /// The settings.
    pub config: &'a DetectConfig,
    /// The learning window's end, resolved.
    pub learning_end: Timestamp,
    /// First and last time of any record.
    pub range: (Timestamp, Timestamp),
}

impl Input<'_> {
    /// Returns true if and only if `address` is in the local networks.
    pub fn is_local(&self, address: IpAddr) -> bool {
        self.config.local_nets.contains(address)
    }

    /// Returns the local host an event is about: its source when local, else its destination
    /// when local. Events between two remote addresses belong to no host.
    pub fn event_host(&self, event: &Event) -> Option<IpAddr> {
        match (event.src, event.dst) {
            (Some(src), _) if self.is_local(src) => Some(src),
            (_, Some(dst)) if self.is_local(dst) => Some(dst),
            _ => None,
        }
    }
}

/// Runs every rule over `report` and ranks the hosts.
pub fn detect(report: &Report, config: &DetectConfig) -> Detection {
    let flows = flows::build(report, &config.local_nets);
    let range = time_range(report);
    let learning_end = config.learning_end.unwrap_or(range.0.plus_nanos(DEFAULT_LEARNING));
    let input = Input { report, flows, config, learning_end, range };

    // Each rule reads the shared input and returns its own findings.
    let mut findings = Vec::new();
    findings.extend(alert_chain::detect(&input));
    findings.extend(new_service::detect(&input));
    findings.extend(spam::detect(&input));
    findings.extend(linked::detect(&input));
    findings.extend(scan::detect(&input));
    findings.extend(silent::detect(&input));
    findings.extend(first_seen::detect(&input));

    findings.sort_by(|a, b| {
        let order = |rule: Rule| Rule::ALL.iter().position(|r| *r == rule);
        (order(a.rule), a.host, a.start).cmp(&(order(b.rule), b.host, b.start))
    });
    let hosts = rank_hosts(&findings);
    Detection { learning_end: Some(learning_end), findings, hosts }
}

/// First and last timestamp of any event; (0, 0) for an empty report.
fn time_range(report: &Report) -> (Timestamp, Timestamp) {
    let first = report.events.iter().map(|e| e.ts).min().unwrap_or_default();
    let last = report.events.iter().map(|e| e.ts.plus_nanos(e.duration.unwrap_or(0).max(0))).max().unwrap_or_default();
    (first, last)
}

/// Ranks hosts by combined score: for each rule that fired on a host, the best score among
/// its findings of that rule (rule weight times strength), summed over the rules. Several
/// findings of one rule count once, so a long scan does not outweigh a short chain of
/// different behaviours. Ties go to the higher severity, then to the lower address.
pub fn rank_hosts(findings: &[Finding]) -> Vec<HostRank> {
    let mut best: BTreeMap<IpAddr, BTreeMap<Rule, f64>> = BTreeMap::new();
    let mut counts: BTreeMap<IpAddr, (usize, Severity)> = BTreeMap::new();
    for finding in findings {
        let slot = best.entry(finding.host).or_default().entry(finding.rule).or_insert(0.0);
        *slot = slot.max(finding.score);
        let count = counts.entry(finding.host).or_insert((0, Severity::Low));
        count.0 += 1;
        count.1 = count.1.max(finding.severity);
    }

    let mut hosts: Vec<HostRank> = best
        .into_iter()
        .map(|(host, rules)| {
            let (findings, severity) = counts.get(&host).copied().unwrap_or((0, Severity::Low));
            let score = rules.values().sum::<f64>();
            let mut fired: Vec<Rule> = rules.into_keys().collect();
            fired.sort_by_key(|rule| Rule::ALL.iter().position(|r| r == rule));
            HostRank { rank: 0, host, score, rules: fired, severity, findings }
        })
        .collect();
    hosts.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.severity.cmp(&a.severity)).then(a.host.cmp(&b.host)));
    for (index, host) in hosts.iter_mut().enumerate() {
        host.rank = index + 1;
    }
    hosts
}

/// Merges sorted spans that lie within `gap` of each other.
pub fn merge_spans(mut spans: Vec<(Timestamp, Timestamp)>, gap: i64) -> Vec<(Timestamp, Timestamp)> {
    spans.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1.plus_nanos(gap) => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Formats a duration in nanoseconds as hours or minutes for messages.
pub fn human_duration(nanos: i64) -> String {
    if nanos >= 2 * HOUR {
        format!("{:.1} h", nanos as f64 / HOUR as f64)
    } else if nanos >= MINUTE {
        format!("{} min", nanos / MINUTE)
    } else {
        format!("{} s", nanos / SECOND)
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_secs(secs)
    }

    // ---- helpers ----

    #[test]
    fn strength_half_at_threshold_one_at_double() {
        assert_eq!(strength(25.0, 25.0), 0.5);
        assert_eq!(strength(37.5, 25.0), 0.75);
        assert_eq!(strength(100.0, 25.0), 1.0);
        assert_eq!(strength(10.0, 25.0), 0.5);
    }

    #[test]
    fn merge_spans_joins_within_gap_only() {
        let spans = vec![(at(100), at(110)), (at(0), at(10)), (at(15), at(20))];
        assert_eq!(merge_spans(spans, 5 * SECOND), vec![(at(0), at(20)), (at(100), at(110))]);
    }

    #[test]
    fn pearson_of_linked_and_constant_series() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((linked::pearson(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((linked::pearson(&x, &[8.0, 6.0, 4.0, 2.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(linked::pearson(&x, &[3.0; 4]), None);
    }

    // ---- ranking ----

    fn finding(rule: Rule, host: &str, strength: f64, severity: Severity) -> Finding {
        Finding::new(rule, host.parse().unwrap(), (at(0), at(1)), severity, strength)
    }

    #[test]
    fn rank_counts_each_rule_once_per_host() {
        let findings = vec![
            finding(Rule::AddressScan, "10.0.0.2", 1.0, Severity::Medium),
            finding(Rule::AddressScan, "10.0.0.2", 1.0, Severity::Medium),
            finding(Rule::AddressScan, "10.0.0.2", 1.0, Severity::Medium),
            finding(Rule::AlertChain, "10.0.0.1", 0.5, Severity::High),
        ];
        let hosts = rank_hosts(&findings);
        assert_eq!(hosts[0].host, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(hosts[0].score, 2.5);
        assert_eq!(hosts[1].score, 2.0);
        assert_eq!(hosts[1].findings, 3);
        assert_eq!((hosts[0].rank, hosts[1].rank), (1, 2));
    }

    #[test]
    fn rank_breaks_ties_by_severity() {
        let findings = vec![
            finding(Rule::LinkedInOut, "10.0.0.1", 1.0, Severity::Medium),
            finding(Rule::SpamBurst, "10.0.0.9", 1.0, Severity::High),
        ];
        let hosts = rank_hosts(&findings);
        assert_eq!(hosts[0].host, "10.0.0.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn empty_report_has_no_findings() {
        let detection = detect(&Report::default(), &DetectConfig::default());
        assert!(detection.findings.is_empty());
        assert!(detection.hosts.is_empty());
    }
}

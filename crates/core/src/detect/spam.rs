//! SpamBurst: a burst of outbound SMTP from a local host that does not normally send mail,
//! most of it failing or refused.
//!
//! An *SMTP attempt* is a connection from a local host to a remote address on one of
//! [`SMTP_PORTS`]. It *fails* when it is a failed attempt (unanswered, rejected, reset before
//! data) or when the host sent fewer than [`SPAM_MIN_MESSAGE_BYTES`], so no message went
//! through (a server refusing in its greeting). The rule fires when, within
//! [`SPAM_WINDOW`], a host makes at least [`SPAM_MIN_ATTEMPTS`] attempts of which at least
//! [`SPAM_MIN_FAILED_FRACTION`] fail, and the host made at most [`SPAM_MAX_BASELINE`] SMTP
//! attempts during the learning window. A mail relay sends all the time and its deliveries
//! succeed, so it never qualifies.

use super::{human_duration, merge_spans, strength, Finding, Flow, Input, Rule, Severity, HOUR, MAX_EVIDENCE};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// SMTP (25), submission (587) and SMTPS (465).
pub const SMTP_PORTS: [u16; 3] = [25, 465, 587];
/// Sliding window for counting attempts.
pub const SPAM_WINDOW: i64 = HOUR;
/// Attempts within the window that make a burst. Even a busy person sends a few mails an
/// hour, through the relay rather than straight to remote servers.
pub const SPAM_MIN_ATTEMPTS: usize = 15;
/// Share of the burst's attempts that must fail.
pub const SPAM_MIN_FAILED_FRACTION: f64 = 0.5;
/// Bytes from the client below which no message was delivered (EHLO, MAIL FROM and QUIT fit).
pub const SPAM_MIN_MESSAGE_BYTES: u64 = 300;
/// SMTP attempts in the learning window above which a host sends mail normally.
pub const SPAM_MAX_BASELINE: usize = 5;
/// Bursts closer than this are one finding.
pub const SPAM_SPAN_GAP: i64 = 6 * HOUR;

/// Thresholds of SpamBurst.
#[derive(Clone, Debug, Serialize)]
pub struct SpamConfig {
    /// Attempts within [`SPAM_WINDOW`] (default [`SPAM_MIN_ATTEMPTS`]).
    pub min_attempts: usize,
    /// Share that must fail (default [`SPAM_MIN_FAILED_FRACTION`]).
    pub min_failed_fraction: f64,
    /// Learning-window attempts of a normal sender (default [`SPAM_MAX_BASELINE`]).
    pub max_baseline: usize,
}

impl Default for SpamConfig {
    fn default() -> SpamConfig {
        SpamConfig {
            min_attempts: SPAM_MIN_ATTEMPTS,
            min_failed_fraction: SPAM_MIN_FAILED_FRACTION,
            max_baseline: SPAM_MAX_BASELINE,
        }
    }
}

fn fails(flow: &Flow) -> bool {
    flow.failed || !flow.established || flow.orig_bytes < SPAM_MIN_MESSAGE_BYTES
}

/// Runs the rule.
pub fn detect(input: &Input) -> Vec<Finding> {
    let mut per_host: BTreeMap<IpAddr, Vec<&Flow>> = BTreeMap::new();
    for flow in input.flows.iter().filter(|f| f.tcp && f.local_orig && !f.local_resp && SMTP_PORTS.contains(&f.resp_p)) {
        per_host.entry(flow.orig_h).or_default().push(flow);
    }

    let config = &input.config.spam;
    let mut findings = Vec::new();
    for (host, flows) in per_host {
        let baseline = flows.iter().filter(|flow| flow.ts < input.learning_end).count();
        if baseline > config.max_baseline {
            continue;
        }
        let bursts = merge_spans(burst_windows(&flows, config), SPAM_SPAN_GAP);
        for span in bursts {
            let inside: Vec<&Flow> = flows.iter().copied().filter(|f| f.ts >= span.0 && f.ts <= span.1).collect();
            findings.push(finding(host, span, &inside, baseline, config));
        }
    }
    findings
}

/// Returns the windows of [`SPAM_WINDOW`] that qualify, as (first, last attempt) spans.
fn burst_windows(flows: &[&Flow], config: &SpamConfig) -> Vec<(Timestamp, Timestamp)> {
    let mut spans = Vec::new();
    let mut first = 0;
    let mut failed = 0usize;
    for (index, flow) in flows.iter().enumerate() {
        failed += usize::from(fails(flow));
        while flows[first].ts.plus_nanos(SPAM_WINDOW) < flow.ts {
            failed -= usize::from(fails(flows[first]));
            first += 1;
        }

        let count = index + 1 - first;
        if count >= config.min_attempts && failed as f64 >= config.min_failed_fraction * count as f64 {
            spans.push((flows[first].ts, flow.ts));
        }
    }
    spans
}

fn finding(host: IpAddr, span: (Timestamp, Timestamp), flows: &[&Flow], baseline: usize, config: &SpamConfig) -> Finding {
    let failed = flows.iter().filter(|flow| fails(flow)).count();
    let servers: BTreeSet<IpAddr> = flows.iter().map(|flow| flow.resp_h).collect();
    let mut finding = Finding::new(Rule::SpamBurst, host, span, Severity::High, strength(flows.len() as f64, 2.0 * config.min_attempts as f64))
        .fact("attempts", flows.len() as f64)
        .fact("failed", failed as f64)
        .fact("servers", servers.len() as f64)
        .fact("learning_attempts", baseline as f64);
    finding.message = format!(
        "{host} may be sending spam: {} outbound SMTP attempts to {} servers over {}, {failed} failed or refused, after {baseline} in the learning window",
        flows.len(),
        servers.len(),
        human_duration(span.1.since(span.0))
    );
    finding.dedup_key = format!("SpamBurst:{host}:{}", span.0.secs());
    finding.evidence = flows.iter().take(MAX_EVIDENCE).map(|flow| flow.evidence()).collect();
    finding
}

//! The alert chain: the host's IDS and sensor alerts in time order, with the gaps between.
//!
//! An alert is an event of an alert type ([`is_alert`]): Snort, Suricata and CEF alerts and
//! the NNM open-port, new-service and policy records. The chain lists them in time order
//! with the gap to the previous alert and groups them by classification. Each alert links to
//! the findings about the host whose span `[start, end]` contains it, so the page can
//! highlight the chain a rule reported.

use super::{is_alert, Filter, Finding};
use crate::events::{Event, EventType, SourceFormat};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One alert of the chain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainAlert {
    /// When it happened.
    pub ts: Timestamp,
    /// Nanoseconds since the previous alert of the chain; null for the first.
    pub gap: Option<i64>,
    /// The normalized type.
    pub event_type: EventType,
    /// The grammar it was read with.
    pub format: SourceFormat,
    /// The alert message or plugin name.
    pub name: String,
    /// `gid:sid:rev`, where the record has one.
    pub signature: Option<String>,
    /// The rule's classification.
    pub classification: Option<String>,
    /// Severity on the source's own scale.
    pub severity: Option<u8>,
    pub src: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst: Option<IpAddr>,
    pub dst_port: Option<u16>,
    /// The event's file index.
    pub file_index: u32,
    /// The event's line in its file.
    pub line: u64,
    /// Indexes into `findings` of the findings whose span contains this alert.
    pub findings: Vec<usize>,
}

/// The alerts of one classification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassificationGroup {
    /// The classification; null for alerts without one.
    pub classification: Option<String>,
    /// Alerts in the group.
    pub alerts: u64,
    /// Time of the group's first alert.
    pub first: Timestamp,
    /// Time of the group's last alert.
    pub last: Timestamp,
    /// Alerts in the group by type.
    pub event_types: BTreeMap<EventType, u64>,
}

/// The alert-chain view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AlertChainView {
    /// The host's alerts in time order.
    pub alerts: Vec<ChainAlert>,
    /// One group per classification, ordered by first alert and then classification.
    pub groups: Vec<ClassificationGroup>,
    /// The findings about the host that overlap the time range, ordered by start.
    pub findings: Vec<Finding>,
}

/// Builds the chain of the host's alerts under the filter.
pub fn alert_chain(events: &[Event], filter: &Filter, findings: &[Finding]) -> AlertChainView {
    let mut host_findings: Vec<Finding> =
        findings.iter().filter(|finding| finding.host == filter.host && finding.overlaps(filter)).cloned().collect();
    host_findings.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));

    let mut alerts: Vec<&Event> =
        events.iter().filter(|event| is_alert(event.event_type) && filter.matches_event(event)).collect();
    alerts.sort_by_key(|event| (event.ts, event.file_index, event.line));

    let mut chain = Vec::with_capacity(alerts.len());
    let mut previous: Option<Timestamp> = None;
    for event in alerts {
        let covering =
            host_findings.iter().enumerate().filter(|(_, f)| f.start <= event.ts && event.ts <= f.end).map(|(i, _)| i);
        chain.push(ChainAlert {
            ts: event.ts,
            gap: previous.map(|previous| event.ts.since(previous)),
            event_type: event.event_type,
            format: event.format,
            name: event.name.clone(),
            signature: event.signature.map(|signature| signature.to_string()),
            classification: event.classification.clone(),
            severity: event.severity,
            src: event.src,
            src_port: event.src_port,
            dst: event.dst,
            dst_port: event.dst_port,
            file_index: event.file_index,
            line: event.line,
            findings: covering.collect(),
        });
        previous = Some(event.ts);
    }

    let groups = group_by_classification(&chain);
    AlertChainView { alerts: chain, groups, findings: host_findings }
}

/// Groups a time-ordered chain by classification.
fn group_by_classification(chain: &[ChainAlert]) -> Vec<ClassificationGroup> {
    let mut groups: BTreeMap<Option<String>, ClassificationGroup> = BTreeMap::new();
    for alert in chain {
        let group = groups.entry(alert.classification.clone()).or_insert_with(|| ClassificationGroup {
            classification: alert.classification.clone(),
            alerts: 0,
            first: alert.ts,
            last: alert.ts,
            event_types: BTreeMap::new(),
        });
        group.alerts += 1;
        group.last = alert.ts;
        *group.event_types.entry(alert.event_type).or_default() += 1;
    }
    let mut groups: Vec<ClassificationGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| (a.first, &a.classification).cmp(&(b.first, &b.classification)));
    groups
}

//! The requests the page sends to a finished analysis: the findings and the profile of a host.
//!
//! Both answers are JSON text made by serde_json from the same core types the CLI writes
//! (`wormscope findings --format json`, `wormscope profile --format json`), so the page and
//! the CLI agree number for number. The page parses them with `JSON.parse`; times are integer
//! nanoseconds, which JavaScript reads to within a microsecond.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::IpAddr;
use wasm_bindgen::prelude::*;
use wormscope_core::detect::{detect, DetectConfig, Detection};
use wormscope_core::events::EventType;
use wormscope_core::net::LocalNets;
use wormscope_core::profile::{profile, Direction, Filter, Finding, ProfileOptions};
use wormscope_core::time::{Timestamp, NANOS_PER_SEC};
use wormscope_core::Report;

use crate::Analysis;

/// A finished analysis: the report and what the detection rules found in it.
pub struct Finished {
    /// Every file's counts, connections and events.
    pub report: Report,
    /// The analyst's own networks, as set when the analysis started.
    pub local: LocalNets,
    /// The detection run with the default learning window.
    pub detection: Detection,
}

impl Finished {
    /// Runs the detection rules over a finished report.
    pub fn new(report: Report, local: LocalNets) -> Finished {
        let config = DetectConfig { local_nets: local.clone(), ..DetectConfig::default() };
        let detection = detect(&report, &config);
        Finished { report, local, detection }
    }
}

/// The filter state the page sends with a profile question. Every key is optional except
/// `host`; times are seconds since the epoch (fractions allowed), as the CLI takes them.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    /// The host under investigation.
    pub host: String,
    /// Keep only records with this port on either side.
    #[serde(default)]
    pub port: Option<u16>,
    /// Start of the range, inclusive, in seconds.
    #[serde(default)]
    pub from: Option<f64>,
    /// End of the range, exclusive, in seconds.
    #[serde(default)]
    pub to: Option<f64>,
    /// `in`, `out` or `both` (the default).
    #[serde(default)]
    pub direction: Option<String>,
    /// Keep only these event types (snake_case names); all when absent or empty.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// End of the never-before-seen learning window, in seconds.
    #[serde(default)]
    pub learning_end: Option<f64>,
    /// Host ranking: keep only addresses containing this text.
    #[serde(default)]
    pub search: Option<String>,
    /// Host ranking: keep at most this many rows.
    #[serde(default)]
    pub hosts_limit: Option<usize>,
}

impl ProfileQuery {
    /// Converts the query into the core's filter and options, or names what is invalid.
    pub fn to_filter(&self, local: &LocalNets) -> Result<(Filter, ProfileOptions), String> {
        let host: IpAddr = self.host.trim().parse().map_err(|_| format!("'{}' is not an IP address", self.host))?;
        let mut filter = Filter::for_host(host);
        filter.port = self.port;
        filter.from = self.from.map(seconds).transpose()?;
        filter.to = self.to.map(seconds).transpose()?;
        filter.direction = match self.direction.as_deref() {
            None | Some("both") => Direction::Both,
            Some("in") => Direction::In,
            Some("out") => Direction::Out,
            Some(other) => return Err(format!("unknown direction '{other}' (in, out or both)")),
        };
        if let Some(names) = self.event_types.as_ref().filter(|names| !names.is_empty()) {
            let mut types = BTreeSet::new();
            for name in names {
                let event_type = EventType::ALL.iter().copied().find(|kind| kind.as_str() == name).ok_or_else(|| format!("unknown event type '{name}'"))?;
                types.insert(event_type);
            }
            filter.event_types = Some(types);
        }
        let options = ProfileOptions {
            local: local.clone(),
            learning_end: self.learning_end.map(seconds).transpose()?,
            host_search: self.search.clone().filter(|text| !text.trim().is_empty()),
            hosts_limit: self.hosts_limit,
            ..ProfileOptions::default()
        };
        Ok((filter, options))
    }
}

/// Converts seconds since the epoch to a timestamp, refusing values that are not finite.
pub(crate) fn seconds(value: f64) -> Result<Timestamp, String> {
    if !value.is_finite() || value.abs() > 9.0e9 {
        return Err(format!("{value} is not a time in seconds since the epoch"));
    }
    Ok(Timestamp((value * NANOS_PER_SEC as f64).round() as i64))
}

#[wasm_bindgen]
impl Analysis {
    /// Returns the detection result as JSON text: `{learning_end, findings, hosts}`, the
    /// document `wormscope findings --format json` writes.
    pub fn findings_json(&self) -> Result<String, JsError> {
        let finished = self.finished()?;
        serde_json::to_string(&finished.detection).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Returns the profile of one host under the page's filter state as JSON text, the
    /// document `wormscope profile --format json` writes for the same files and options.
    pub fn profile_json(&self, query: JsValue) -> Result<String, JsError> {
        let finished = self.finished()?;
        let query: ProfileQuery =
            serde_wasm_bindgen::from_value(query).map_err(|error| JsError::new(&format!("invalid profile query: {error}")))?;
        let (filter, mut options) = query.to_filter(&finished.local).map_err(|error| JsError::new(&error))?;
        options.findings = finished.detection.findings.iter().map(Finding::from).collect();
        let result = profile(&finished.report.events, &finished.report.connections, &filter, &options);
        serde_json::to_string(&result).map_err(|error| JsError::new(&error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_becomes_filter_and_options() {
        let query = ProfileQuery {
            host: " 10.1.2.3 ".into(),
            port: Some(444),
            from: Some(1_700_000_000.5),
            to: Some(1_700_086_400.0),
            direction: Some("out".into()),
            event_types: Some(vec!["conn_rejected".into()]),
            learning_end: Some(1_700_003_600.0),
            search: Some("  ".into()),
            hosts_limit: Some(20),
        };
        let (filter, options) = query.to_filter(&LocalNets::default()).unwrap();
        assert_eq!(filter.host, "10.1.2.3".parse::<IpAddr>().unwrap());
        assert_eq!(filter.port, Some(444));
        assert_eq!(filter.from, Some(Timestamp(1_700_000_000_500_000_000)));
        assert_eq!(filter.direction, Direction::Out);
        assert_eq!(filter.event_types.as_ref().map(BTreeSet::len), Some(1));
        assert_eq!(options.learning_end, Some(Timestamp(1_700_003_600 * NANOS_PER_SEC)));
        assert_eq!(options.host_search, None);
        assert_eq!(options.hosts_limit, Some(20));
    }

    #[test]
    fn query_names_what_is_invalid() {
        let bad_host = ProfileQuery { host: "10.1.2".into(), ..ProfileQuery::default() };
        assert!(bad_host.to_filter(&LocalNets::default()).unwrap_err().contains("10.1.2"));
        let bad_type =
            ProfileQuery { host: "10.1.2.3".into(), event_types: Some(vec!["worms".into()]), ..ProfileQuery::default() };
        assert!(bad_type.to_filter(&LocalNets::default()).unwrap_err().contains("worms"));
        let bad_time = ProfileQuery { host: "10.1.2.3".into(), from: Some(f64::NAN), ..ProfileQuery::default() };
        assert!(bad_time.to_filter(&LocalNets::default()).is_err());
    }
}

//! The report in the shape the page uses: connections as columns rather than objects.
//!
//! A capture with 100,000 connections would otherwise become 100,000 JavaScript objects of
//! 23 fields each, built here and then copied again by `postMessage`. Columns are one array
//! per field, which is cheaper to build and to clone, and the page's table reads row `i` as
//! `columns.field[i]`.
//!
//! JavaScript numbers are doubles, so 64-bit values are converted here: timestamps and
//! durations become seconds as `f64` (microseconds survive for dates before year 2255), and
//! counters become `f64` (exact up to 2^53).

use serde::Serialize;
use wasm_bindgen::{JsError, JsValue};
use wormscope_core::analysis::{Activity, Counts, FileReport};
use wormscope_core::conn::Connection;
use wormscope_core::time::NANOS_PER_SEC;
use wormscope_core::Report;

/// A finished report, as `Analysis::finish` returns it.
#[derive(Serialize)]
pub struct PageReport<'a> {
    /// One entry per file, in the order files were added.
    pub files: &'a [FileReport],
    /// Totals over all files.
    pub counts: &'a Counts,
    /// Every connection, ordered by start time.
    pub connections: ConnectionColumns,
    /// Packets, bytes and new connections over time.
    pub activity: &'a Activity,
}

impl<'a> PageReport<'a> {
    /// Borrows the report's counts and converts its connections to columns.
    pub fn from_report(report: &'a Report) -> PageReport<'a> {
        PageReport {
            files: &report.files,
            counts: &report.counts,
            connections: ConnectionColumns::from_connections(&report.connections),
            activity: &report.activity,
        }
    }
}

/// Zeek conn.log fields, one vector per field, all of the same length.
#[derive(Debug, Default, Serialize)]
pub struct ConnectionColumns {
    /// Number of connections (the length of every column).
    pub length: usize,
    /// Time of the first packet, in seconds since the epoch.
    pub ts: Vec<f64>,
    pub uid: Vec<String>,
    pub orig_h: Vec<String>,
    pub orig_p: Vec<u16>,
    pub resp_h: Vec<String>,
    pub resp_p: Vec<u16>,
    pub proto: Vec<&'static str>,
    /// Application protocol, or an empty string when none was recognised.
    pub service: Vec<String>,
    /// Time from the first to the last packet, in seconds.
    pub duration: Vec<f64>,
    pub orig_bytes: Vec<f64>,
    pub resp_bytes: Vec<f64>,
    pub conn_state: Vec<&'static str>,
    pub local_orig: Vec<bool>,
    pub local_resp: Vec<bool>,
    pub missed_bytes: Vec<f64>,
    pub history: Vec<String>,
    pub orig_pkts: Vec<f64>,
    pub orig_ip_bytes: Vec<f64>,
    pub resp_pkts: Vec<f64>,
    pub resp_ip_bytes: Vec<f64>,
    /// The uids of enclosing tunnel connections, comma-separated (empty outside tunnels).
    pub tunnel_parents: Vec<String>,
    pub file_index: Vec<u32>,
    pub first_packet: Vec<f64>,
}

impl ConnectionColumns {
    /// Splits the connections into columns, keeping their order.
    pub fn from_connections(connections: &[Connection]) -> ConnectionColumns {
        let mut columns = ConnectionColumns { length: connections.len(), ..ConnectionColumns::default() };
        for conn in connections {
            columns.push(conn);
        }
        columns
    }

    fn push(&mut self, conn: &Connection) {
        self.ts.push(nanos_to_secs(conn.ts.0));
        self.uid.push(conn.uid.clone());
        self.orig_h.push(conn.orig_h.to_string());
        self.orig_p.push(conn.orig_p);
        self.resp_h.push(conn.resp_h.to_string());
        self.resp_p.push(conn.resp_p);
        self.proto.push(conn.proto.as_str());
        self.service.push(conn.service.clone().unwrap_or_default());
        self.duration.push(nanos_to_secs(conn.duration));
        self.orig_bytes.push(conn.orig_bytes as f64);
        self.resp_bytes.push(conn.resp_bytes as f64);
        self.conn_state.push(conn.conn_state.as_str());
        self.local_orig.push(conn.local_orig);
        self.local_resp.push(conn.local_resp);
        self.missed_bytes.push(conn.missed_bytes as f64);
        self.history.push(conn.history.clone());
        self.orig_pkts.push(conn.orig_pkts as f64);
        self.orig_ip_bytes.push(conn.orig_ip_bytes as f64);
        self.resp_pkts.push(conn.resp_pkts as f64);
        self.resp_ip_bytes.push(conn.resp_ip_bytes as f64);
        self.tunnel_parents.push(conn.tunnel_parents.join(","));
        self.file_index.push(conn.file_index);
        self.first_packet.push(conn.first_packet as f64);
    }
}

/// Converts nanoseconds to seconds, splitting first so that whole seconds stay exact.
fn nanos_to_secs(nanos: i64) -> f64 {
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let rest = nanos.rem_euclid(NANOS_PER_SEC);
    secs as f64 + rest as f64 / NANOS_PER_SEC as f64
}

/// Converts to a plain JavaScript value: maps become objects, `None` becomes `null`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|error| JsError::new(&format!("could not convert the report: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_to_secs_keeps_micros() {
        let secs = nanos_to_secs(1_300_475_167_096_535_000);
        assert!((secs - 1_300_475_167.096_535).abs() < 1e-6, "{secs}");
        assert_eq!(nanos_to_secs(-500_000_000), -0.5);
    }
}

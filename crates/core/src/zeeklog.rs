//! Connections as Zeek writes them: conn.log TSV (Zeek's ASCII writer) or JSON lines.
//!
//! The TSV header has Zeek's `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
//! `#path`, `#fields` and `#types` lines, and times and intervals have six decimals, so the
//! output can be compared with a Zeek baseline using standard tools. Zeek logs `duration`,
//! `orig_bytes` and `resp_bytes` as unset (`-`) when the duration is zero; so does this
//! writer. `service` and `tunnel_parents` are `-` when empty.

use crate::conn::Connection;
use crate::time::{format_micros, Timestamp};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// The conn.log fields, in Zeek's order.
pub const FIELDS: [&str; 21] = [
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration", "orig_bytes",
    "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes",
    "resp_pkts", "resp_ip_bytes", "tunnel_parents",
];

/// The Zeek types of [`FIELDS`].
pub const TYPES: [&str; 21] = [
    "time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count", "string", "bool",
    "bool", "count", "string", "count", "count", "count", "count", "set[string]",
];

/// Writes the TSV header lines.
pub fn write_tsv_header(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "#separator \\x09")?;
    writeln!(out, "#set_separator\t,")?;
    writeln!(out, "#empty_field\t(empty)")?;
    writeln!(out, "#unset_field\t-")?;
    writeln!(out, "#path\tconn")?;
    writeln!(out, "#fields\t{}", FIELDS.join("\t"))?;
    writeln!(out, "#types\t{}", TYPES.join("\t"))
}

/// Returns the field values of one connection as Zeek's ASCII writer prints them.
pub fn tsv_values(c: &Connection) -> [String; 21] {
    let has_duration = c.duration > 0;
    let unset = || "-".to_string();
    let bool_text = |b: bool| if b { "T" } else { "F" }.to_string();
    [
        Timestamp(c.ts.0).to_string(),
        c.uid.clone(),
        c.orig_h.to_string(),
        c.orig_p.to_string(),
        c.resp_h.to_string(),
        c.resp_p.to_string(),
        c.proto.as_str().to_string(),
        c.service.clone().unwrap_or_else(unset),
        if has_duration { format_micros(c.duration) } else { unset() },
        if has_duration { c.orig_bytes.to_string() } else { unset() },
        if has_duration { c.resp_bytes.to_string() } else { unset() },
        c.conn_state.as_str().to_string(),
        bool_text(c.local_orig),
        bool_text(c.local_resp),
        c.missed_bytes.to_string(),
        if c.history.is_empty() { unset() } else { c.history.clone() },
        c.orig_pkts.to_string(),
        c.orig_ip_bytes.to_string(),
        c.resp_pkts.to_string(),
        c.resp_ip_bytes.to_string(),
        if c.tunnel_parents.is_empty() { unset() } else { c.tunnel_parents.join(",") },
    ]
}

/// Writes one connection as a TSV line.
pub fn write_tsv(out: &mut impl Write, c: &Connection) -> io::Result<()> {
    writeln!(out, "{}", tsv_values(c).join("\t"))
}

/// Returns one connection as a JSON object with Zeek's field names (as Zeek's JSON writer
/// names them); unset fields are left out, as Zeek leaves them out.
pub fn json_value(c: &Connection) -> Value {
    let mut object = Map::new();
    object.insert("ts".into(), json!(c.ts.as_secs_f64()));
    object.insert("uid".into(), json!(c.uid));
    object.insert("id.orig_h".into(), json!(c.orig_h.to_string()));
    object.insert("id.orig_p".into(), json!(c.orig_p));
    object.insert("id.resp_h".into(), json!(c.resp_h.to_string()));
    object.insert("id.resp_p".into(), json!(c.resp_p));
    object.insert("proto".into(), json!(c.proto.as_str()));
    if let Some(service) = &c.service {
        object.insert("service".into(), json!(service));
    }
    if c.duration > 0 {
        object.insert("duration".into(), json!(c.duration as f64 / 1e9));
        object.insert("orig_bytes".into(), json!(c.orig_bytes));
        object.insert("resp_bytes".into(), json!(c.resp_bytes));
    }
    object.insert("conn_state".into(), json!(c.conn_state.as_str()));
    object.insert("local_orig".into(), json!(c.local_orig));
    object.insert("local_resp".into(), json!(c.local_resp));
    object.insert("missed_bytes".into(), json!(c.missed_bytes));
    if !c.history.is_empty() {
        object.insert("history".into(), json!(c.history));
    }
    object.insert("orig_pkts".into(), json!(c.orig_pkts));
    object.insert("orig_ip_bytes".into(), json!(c.orig_ip_bytes));
    object.insert("resp_pkts".into(), json!(c.resp_pkts));
    object.insert("resp_ip_bytes".into(), json!(c.resp_ip_bytes));
    if !c.tunnel_parents.is_empty() {
        object.insert("tunnel_parents".into(), json!(c.tunnel_parents));
    }
    Value::Object(object)
}

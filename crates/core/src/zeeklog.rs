//! Connections as Zeek writes them: conn.log TSV (Zeek's ASCII writer) or JSON lines.
//!
//! The TSV header has Zeek's `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
//! `#path`, `#fields` and `#types` lines, and times and intervals have six decimals, so the
//! output can be compared with a Zeek baseline using standard tools. Zeek logs `duration`,
//! `orig_bytes` and `resp_bytes` as unset (`-`) when the duration is zero; so does this
//! writer. `service` and `tunnel_parents` are `-` when empty.

use crate::conn::Connection;
use crate::time::{format_micros, Timestamp};
use serde_json::{json, Value};
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

/// Writes the TSV header lines; `opened` is the `#open` stamp (`YYYY-MM-DD-HH-MM-SS`), which
/// the caller provides because the core reads no clock.
pub fn write_tsv_header(out: &mut impl Write, opened: Option<&str>) -> io::Result<()> {
    writeln!(out, "#separator \\x09")?;
    writeln!(out, "#set_separator\t,")?;
    writeln!(out, "#empty_field\t(empty)")?;
    writeln!(out, "#unset_field\t-")?;
    writeln!(out, "#path\tconn")?;
    if let Some(stamp) = opened {
        writeln!(out, "#open\t{stamp}")?;
    }
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

/// Returns one connection as a JSON object on one line, with Zeek's field names in conn.log
/// order, as Zeek's JSON writer prints it: times as seconds, unset fields left out.
pub fn json_line(c: &Connection) -> String {
    let mut fields: Vec<(&str, Value)> = vec![
        ("ts", json!(c.ts.as_secs_f64())),
        ("uid", json!(c.uid)),
        ("id.orig_h", json!(c.orig_h.to_string())),
        ("id.orig_p", json!(c.orig_p)),
        ("id.resp_h", json!(c.resp_h.to_string())),
        ("id.resp_p", json!(c.resp_p)),
        ("proto", json!(c.proto.as_str())),
    ];
    if let Some(service) = &c.service {
        fields.push(("service", json!(service)));
    }
    if c.duration > 0 {
        fields.push(("duration", json!(c.duration as f64 / 1e9)));
        fields.push(("orig_bytes", json!(c.orig_bytes)));
        fields.push(("resp_bytes", json!(c.resp_bytes)));
    }
    fields.extend([
        ("conn_state", json!(c.conn_state.as_str())),
        ("local_orig", json!(c.local_orig)),
        ("local_resp", json!(c.local_resp)),
        ("missed_bytes", json!(c.missed_bytes)),
    ]);
    if !c.history.is_empty() {
        fields.push(("history", json!(c.history)));
    }
    fields.extend([
        ("orig_pkts", json!(c.orig_pkts)),
        ("orig_ip_bytes", json!(c.orig_ip_bytes)),
        ("resp_pkts", json!(c.resp_pkts)),
        ("resp_ip_bytes", json!(c.resp_ip_bytes)),
    ]);
    if !c.tunnel_parents.is_empty() {
        fields.push(("tunnel_parents", json!(c.tunnel_parents)));
    }
    let members: Vec<String> = fields.iter().map(|(name, value)| format!("{}:{}", json!(name), value)).collect();
    format!("{{{}}}", members.join(","))
}

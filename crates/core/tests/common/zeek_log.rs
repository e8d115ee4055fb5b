//! Readers for the Zeek btest baselines in the corpus, turning each into rows of conn.log
//! field names and values as Zeek writes them.
//!
//! Zeek's ASCII log (the default writer) is tab-separated. Its header lines start with `#`:
//! `#separator \x09`, `#unset_field -` (a field with no value), `#empty_field (empty)` (an
//! empty set), `#fields` (the column names) and `#types`. btest baselines add one
//! `### BTest baseline data ...` line on top and mask `ts` as `XXXXXXXXXX.XXXXXX`; uids are
//! deterministic test uids, so neither can be compared with ours. Values stay as text here;
//! the comparison decides how to read them.

use std::collections::BTreeMap;

/// One baseline connection: conn.log field name (`id.orig_h`, `history`, ...) to its text.
pub type Row = BTreeMap<String, String>;

/// The shape of a baseline file.
#[derive(Clone, Copy, Debug)]
pub enum BaselineFormat {
    /// A whole Zeek ASCII log: `#fields` names the columns.
    ConnLog,
    /// `zeek-cut -m` output (or `btest-diff-cut -m`): the first line names the columns.
    CutWithHeader,
    /// `zeek-cut` output without a header: the columns as the zeek-cut command line lists them.
    CutColumns(&'static [&'static str]),
    /// A script printing `c$history, c$conn$conn_state` per connection, one `history, state`
    /// line each, appended over several runs.
    HistoryStateLines,
    /// A script printing `c$orig` then `c$resp` (Zeek `endpoint` records) at
    /// `connection_state_remove`: two bracketed lines per connection.
    EndpointRecords,
}

/// Text Zeek writes for a field with no value.
pub const UNSET: &str = "-";

/// Text Zeek writes for an empty set.
pub const EMPTY_SET: &str = "(empty)";

/// Parses a baseline file of the given shape into rows. Errors name the line (1-based).
pub fn parse_baseline(text: &str, format: BaselineFormat) -> Result<Vec<Row>, String> {
    let lines: Vec<&str> = text.lines().filter(|line| !line.starts_with("### BTest baseline")).collect();
    match format {
        BaselineFormat::ConnLog => parse_ascii_log(&lines),
        BaselineFormat::CutWithHeader => parse_cut_with_header(&lines),
        BaselineFormat::CutColumns(columns) => parse_tsv_rows(&lines, columns.iter().map(|c| c.to_string()).collect(), 0),
        BaselineFormat::HistoryStateLines => parse_history_state(&lines),
        BaselineFormat::EndpointRecords => parse_endpoint_records(&lines),
    }
}

/// Reads a Zeek ASCII log, checking that it is tab-separated and uses the usual unset and
/// empty markers (the comparison relies on both).
fn parse_ascii_log(lines: &[&str]) -> Result<Vec<Row>, String> {
    let mut fields: Option<Vec<String>> = None;
    for (index, line) in lines.iter().enumerate() {
        let Some(header) = line.strip_prefix('#') else { continue };
        let (name, value) = header.split_once(['\t', ' ']).unwrap_or((header, ""));
        let expected = match name {
            "separator" => Some("\\x09"),
            "unset_field" => Some(UNSET),
            "empty_field" => Some(EMPTY_SET),
            _ => None,
        };
        if let Some(expected) = expected {
            if value != expected {
                return Err(format!("line {}: #{name} is '{value}', expected '{expected}'", index + 1));
            }
        }
        if name == "fields" {
            fields = Some(value.split('\t').map(str::to_string).collect());
        }
    }
    let fields = fields.ok_or("no #fields line")?;

    let data: Vec<&str> = lines.iter().copied().filter(|line| !line.starts_with('#')).collect();
    parse_tsv_rows(&data, fields, 0)
}

/// Reads `zeek-cut -m` output: a header line of column names, then rows.
fn parse_cut_with_header(lines: &[&str]) -> Result<Vec<Row>, String> {
    let Some((header, rest)) = lines.split_first() else {
        return Err("empty file, expected a header line of column names".into());
    };
    let fields = header.split('\t').map(str::to_string).collect();
    parse_tsv_rows(rest, fields, 1)
}

/// Splits tab-separated rows under `fields`; `first_line` is the 0-based line of `rows[0]`.
fn parse_tsv_rows(rows: &[&str], fields: Vec<String>, first_line: usize) -> Result<Vec<Row>, String> {
    let mut parsed = Vec::new();
    for (index, line) in rows.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        let values: Vec<&str> = line.split('\t').collect();
        if values.len() != fields.len() {
            let line_number = first_line + index + 1;
            return Err(format!("line {line_number}: {} values for {} fields", values.len(), fields.len()));
        }
        parsed.push(fields.iter().cloned().zip(values.iter().map(|v| v.to_string())).collect());
    }
    Ok(parsed)
}

/// Reads `history, conn_state` lines.
fn parse_history_state(lines: &[&str]) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (index, line) in lines.iter().enumerate().filter(|(_, line)| !line.is_empty()) {
        let Some((history, state)) = line.split_once(", ") else {
            return Err(format!("line {}: expected 'history, conn_state', found '{line}'", index + 1));
        };
        let mut row = Row::new();
        row.insert("history".into(), if history.is_empty() { UNSET.into() } else { history.into() });
        row.insert("conn_state".into(), state.trim().into());
        rows.push(row);
    }
    Ok(rows)
}

/// Reads pairs of `[size=.., state=.., num_pkts=.., num_bytes_ip=.., ...]` lines (originator
/// first) into `orig_bytes`, `orig_pkts`, `orig_ip_bytes` and the `resp_` fields, plus a
/// `conn_state` derived from the two endpoint states where Zeek's rule needs nothing else.
///
/// NOTE: an endpoint's `size` is printed even when the connection's duration is zero, but
/// conn.log leaves `orig_bytes` unset then. The one trace in this format lasts longer.
fn parse_endpoint_records(lines: &[&str]) -> Result<Vec<Row>, String> {
    let records: Vec<(usize, &str)> = lines.iter().copied().enumerate().filter(|(_, line)| !line.is_empty()).collect();
    if records.len() % 2 != 0 {
        return Err(format!("{} endpoint lines, expected pairs (originator, responder)", records.len()));
    }
    let mut rows = Vec::new();
    for pair in records.chunks(2) {
        let orig = parse_record(pair[0].1).map_err(|e| format!("line {}: {e}", pair[0].0 + 1))?;
        let resp = parse_record(pair[1].1).map_err(|e| format!("line {}: {e}", pair[1].0 + 1))?;
        let mut row = Row::new();
        for (side, record) in [("orig", &orig), ("resp", &resp)] {
            row.insert(format!("{side}_bytes"), field(record, "size")?);
            row.insert(format!("{side}_pkts"), field(record, "num_pkts")?);
            row.insert(format!("{side}_ip_bytes"), field(record, "num_bytes_ip")?);
        }
        let states = (field(&orig, "state")?.parse::<u8>(), field(&resp, "state")?.parse::<u8>());
        if let (Ok(orig_state), Ok(resp_state)) = states {
            if let Some(state) = tcp_conn_state(orig_state, resp_state) {
                row.insert("conn_state".into(), state.into());
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Splits `[a=1, b=2]` into a map.
fn parse_record(line: &str) -> Result<BTreeMap<String, String>, String> {
    let inner = line.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')).ok_or("expected a [..] record")?;
    let mut record = BTreeMap::new();
    for part in inner.split(", ") {
        let (name, value) = part.split_once('=').ok_or_else(|| format!("expected name=value, found '{part}'"))?;
        record.insert(name.to_string(), value.to_string());
    }
    Ok(record)
}

fn field(record: &BTreeMap<String, String>, name: &str) -> Result<String, String> {
    record.get(name).cloned().ok_or_else(|| format!("record has no '{name}'"))
}

// Zeek's TCP endpoint states (`EndpointState` in Zeek's TCP_Endpoint.h, as script-level
// `TCP_INACTIVE` ... `TCP_RESET`).
const TCP_INACTIVE: u8 = 0;
const TCP_SYN_SENT: u8 = 1;
const TCP_SYN_ACK_SENT: u8 = 2;
const TCP_PARTIAL: u8 = 3;
const TCP_ESTABLISHED: u8 = 4;
const TCP_CLOSED: u8 = 5;
const TCP_RESET: u8 = 6;

/// Derives conn.log's `conn_state` from the two endpoint states, following `conn_state()` in
/// Zeek's `base/protocols/conn/main.zeek`. Returns None where that function also needs the
/// history or the byte counts (a reset from either side that is not plainly RSTR or RSTO).
fn tcp_conn_state(orig: u8, resp: u8) -> Option<&'static str> {
    let orig_inactive = orig == TCP_INACTIVE || orig == TCP_PARTIAL;
    let resp_inactive = resp == TCP_INACTIVE || resp == TCP_PARTIAL;
    let state = if resp == TCP_RESET {
        match orig {
            TCP_SYN_SENT | TCP_SYN_ACK_SENT => "REJ",
            TCP_RESET => return None,
            _ if orig_inactive => "RSTRH",
            _ => "RSTR",
        }
    } else if orig == TCP_RESET {
        if resp_inactive {
            return None;
        }
        "RSTO"
    } else if orig == TCP_CLOSED && resp == TCP_CLOSED {
        "SF"
    } else if orig == TCP_CLOSED {
        if resp_inactive { "SH" } else { "S2" }
    } else if resp == TCP_CLOSED {
        if orig_inactive { "SHR" } else { "S3" }
    } else if orig == TCP_SYN_SENT && resp == TCP_INACTIVE {
        "S0"
    } else if orig == TCP_ESTABLISHED && resp == TCP_ESTABLISHED {
        "S1"
    } else {
        "OTH"
    };
    Some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_log_reads_fields_and_rows() {
        let text = "#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n#fields\ta\tb\n#types\tcount\tstring\n1\t-\n";
        let rows = parse_baseline(text, BaselineFormat::ConnLog).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["b"], "-");
    }

    #[test]
    fn ascii_log_rejects_short_row() {
        let text = "#fields\ta\tb\n1\n";
        let error = parse_baseline(text, BaselineFormat::ConnLog).unwrap_err();
        assert_eq!(error, "line 1: 1 values for 2 fields");
    }

    #[test]
    fn endpoint_records_derive_rstr() {
        let text = "[size=0, state=5, num_pkts=3, num_bytes_ip=156]\n[size=0, state=6, num_pkts=2, num_bytes_ip=92]\n";
        let rows = parse_baseline(text, BaselineFormat::EndpointRecords).unwrap();
        assert_eq!(rows[0]["conn_state"], "RSTR");
        assert_eq!(rows[0]["resp_ip_bytes"], "92");
    }
}

//! `wormscope conn`: connections of all files as Zeek conn.log TSV or JSON lines.

use crate::input::{feed_files, parse_common};
use std::io::{BufWriter, Write};
use wormscope_core::{zeeklog, Analyzer, Config};

const USAGE: &str = "usage: wormscope conn [--format zeek|json] [--local-nets CIDR,...] [--ignore-checksums]
                     [--tcp-timeout SECS] [--udp-timeout SECS] [--icmp-timeout SECS] FILE...

  --format zeek|json     zeek: Zeek's conn.log TSV with its header lines (default);
                         json: one JSON object per line with the same field names
  --local-nets CIDR,...  networks that count as local for local_orig/local_resp
                         (default: 10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10)
  --ignore-checksums, -C track packets with bad checksums too (Zeek's -C)
  --tcp-timeout SECS     end an idle TCP connection after SECS seconds (default 300)
  --udp-timeout SECS     end an idle UDP connection after SECS seconds (default 60)
  --icmp-timeout SECS    end an idle ICMP connection after SECS seconds (default 60)";

/// Runs the subcommand; returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let options = match parse_common(args, USAGE) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wormscope conn: {message}");
            return 2;
        }
    };
    let json = match options.format.as_deref() {
        None | Some("zeek") => false,
        Some("json") => true,
        Some(other) => {
            eprintln!("wormscope conn: invalid --format '{other}' (expected zeek or json)");
            return 2;
        }
    };
    let mut config = Config::default();
    if let Err(message) = options.apply(&mut config) {
        eprintln!("wormscope conn: {message}");
        return 2;
    }
    // conn reads captures only: anything else is unrecognised input.
    config.accept_logs = false;

    // Read everything, then write what was read, then report the failures.
    let mut analyzer = Analyzer::new(config);
    let errors = feed_files(&mut analyzer, &options.files);
    let report = analyzer.finish();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = write_connections(&mut out, &report.connections, json).and_then(|_| out.flush());
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("wormscope conn: cannot write output: {error}");
            return 1;
        }
    }
    for error in &errors {
        eprintln!("wormscope: {error}");
    }
    if errors.is_empty() { 0 } else { 1 }
}

fn write_connections(out: &mut impl Write, connections: &[wormscope_core::conn::Connection], json: bool) -> std::io::Result<()> {
    if json {
        for c in connections {
            writeln!(out, "{}", zeeklog::json_line(c))?;
        }
        return Ok(());
    }
    let opened = zeek_log_time();
    zeeklog::write_tsv_header(out, Some(&opened))?;
    for c in connections {
        zeeklog::write_tsv(out, c)?;
    }
    writeln!(out, "#close\t{}", zeek_log_time())
}

/// Returns the current time as Zeek's ASCII writer stamps `#open` and `#close`
/// (`YYYY-MM-DD-HH-MM-SS`, UTC).
fn zeek_log_time() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (year, month, day) = wormscope_core::logs::datetime::civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!("{year:04}-{month:02}-{day:02}-{:02}-{:02}-{:02}", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

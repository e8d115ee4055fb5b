//! `wormscope findings`: runs the worm-profile rules over captures and logs and writes the
//! findings and the hosts ranked by combined score, as JSON or as text.

use crate::input::feed_files;
use std::io::{BufWriter, Write};
use wormscope_core::detect::{self, DetectConfig, Detection};
use wormscope_core::logs::datetime::format_rfc3339;
use wormscope_core::net::LocalNets;
use wormscope_core::time::Timestamp;
use wormscope_core::{Analyzer, Config};

const USAGE: &str = "usage: wormscope findings [--format json|text] [--local-nets CIDR,...] [--learning-end SECONDS] FILE...

Reads captures and logs together (give captures first, so year-less log lines get their
year) and writes what the detection rules found, then the hosts ranked by combined score.

  --format json|text      text: ranked hosts, then one block per finding (default);
                          json: one object with learning_end, findings and hosts
  --local-nets CIDR,...   the networks that count as yours (default: 10/8, 172.16/12,
                          192.168/16, 169.254/16, fc00::/7, fe80::/10)
  --learning-end SECONDS  end of the learning window, Unix seconds (default: one day after
                          the first record)";

struct Options {
    json: bool,
    local_nets: Option<LocalNets>,
    learning_end: Option<Timestamp>,
    files: Vec<String>,
}

fn value<'a>(iter: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a String, String> {
    iter.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options { json: false, local_nets: None, learning_end: None, files: Vec::new() };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--format" => {
                options.json = match value(&mut iter, "--format")?.as_str() {
                    "json" => true,
                    "text" => false,
                    other => return Err(format!("invalid --format '{other}' (expected json or text)")),
                }
            }
            "--local-nets" => options.local_nets = Some(LocalNets::parse_list(value(&mut iter, "--local-nets")?).map_err(|e| e.to_string())?),
            "--learning-end" => {
                let text = value(&mut iter, "--learning-end")?;
                let secs: f64 = text.parse().map_err(|_| format!("invalid --learning-end '{text}' (expected Unix seconds)"))?;
                options.learning_end = Some(Timestamp((secs * 1e9) as i64));
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            flag if flag.starts_with('-') && flag != "-" => return Err(format!("unknown option '{flag}'\n\n{USAGE}")),
            file => options.files.push(file.to_string()),
        }
    }
    if options.files.is_empty() {
        return Err(format!("no input files\n\n{USAGE}"));
    }
    Ok(options)
}

/// Runs the subcommand; returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wormscope findings: {message}");
            return 2;
        }
    };
    let mut config = Config::default();
    let mut detect_config = DetectConfig::default();
    if let Some(nets) = options.local_nets {
        config.local_nets = nets.clone();
        detect_config.local_nets = nets;
    }
    detect_config.learning_end = options.learning_end;

    // Read everything, detect, write, then report the files that failed.
    let mut analyzer = Analyzer::new(config);
    let errors = feed_files(&mut analyzer, &options.files);
    let report = analyzer.finish();
    let detection = detect::detect(&report, &detect_config);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if options.json { write_json(&mut out, &detection) } else { write_text(&mut out, &detection, &options.files) };
    if let Err(error) = written.and_then(|_| out.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("wormscope findings: cannot write output: {error}");
            return 1;
        }
    }
    for error in &errors {
        eprintln!("wormscope: {error}");
    }
    if errors.is_empty() { 0 } else { 1 }
}

fn write_json(out: &mut impl Write, detection: &Detection) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, detection)?;
    out.write_all(b"\n")
}

fn write_text(out: &mut impl Write, detection: &Detection, files: &[String]) -> std::io::Result<()> {
    writeln!(out, "hosts ({}), highest combined score first:", detection.hosts.len())?;
    for host in &detection.hosts {
        let rules: Vec<&str> = host.rules.iter().map(|rule| rule.as_str()).collect();
        writeln!(out, "{:>4}  {:<39} score {:>5.2}  {:?}  {}", host.rank, host.host.to_string(), host.score, host.severity, rules.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "findings ({}):", detection.findings.len())?;
    for finding in &detection.findings {
        let (start, end) = (utc_text(finding.start), utc_text(finding.end));
        writeln!(out, "\n[{:?}] {} {} {start} .. {end}", finding.severity, finding.rule.as_str(), finding.host)?;
        writeln!(out, "  {}", finding.message)?;
        for item in &finding.evidence {
            let file = files.get(item.file_index as usize).map_or("?", String::as_str);
            let label = item.label.as_deref().map(|label| format!(" ({label})")).unwrap_or_default();
            writeln!(out, "    {file}:{} {} {}{label}", item.line, utc_text(item.ts), item.summary)?;
        }
    }
    Ok(())
}

/// Formats a time as UTC ISO 8601, with the fraction of a second only when there is one, in
/// milli-, micro- or nanoseconds: `2026-08-01T12:00:00Z`, `2026-08-01T12:00:00.274870Z`.
fn utc_text(ts: Timestamp) -> String {
    let text = format_rfc3339(ts);
    let text = text.trim_end_matches('Z');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut fraction = fraction;
    while let Some(shorter) = fraction.strip_suffix("000") {
        fraction = shorter;
    }
    if fraction.is_empty() {
        format!("{whole}Z")
    } else {
        format!("{whole}.{fraction}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_drops_empty_fraction() {
        assert_eq!(utc_text(Timestamp::from_secs(1_785_585_600)), "2026-08-01T12:00:00Z");
        assert_eq!(utc_text(Timestamp::from_parts(1_785_585_600, 250_000_000)), "2026-08-01T12:00:00.250Z");
        assert_eq!(utc_text(Timestamp::from_parts(1_785_585_600, 274_870_000)), "2026-08-01T12:00:00.274870Z");
        assert_eq!(utc_text(Timestamp::from_parts(1_785_585_600, 1_000)), "2026-08-01T12:00:00.000001Z");
    }
}

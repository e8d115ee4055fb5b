//! `wormscope synth`: writes a synthetic outbreak (capture, syslog export, truth) to a
//! directory.
//!
//! Usage: `wormscope synth --seed N --out DIR [--hosts H] [--days D] [--scale S]`. The three
//! files are `DIR/capture.pcapng`, `DIR/syslog.log` and `DIR/truth.json`; the directory is
//! created when missing and existing files are overwritten.

use std::fs;
use std::path::{Path, PathBuf};
use wormscope_core::synth::{self, Params, CAPTURE_FILE, SYSLOG_FILE, TRUTH_FILE};

const USAGE: &str = "usage: wormscope synth --seed N --out DIR [--hosts H] [--days D] [--scale S]

Writes DIR/capture.pcapng, DIR/syslog.log and DIR/truth.json: a synthetic campus network in
which one host is infected by a worm, with benign background traffic and decoys. The same seed
and options always give byte-identical files.

  --seed N    seed for every random choice (required, 0 to 18446744073709551615)
  --out DIR   output directory, created if missing (required)
  --hosts H   campus hosts, 20 to 40000 (default 300)
  --days D    capture length in days, 4 to 60 (default 8)
  --scale S   traffic volume factor, 0.01 to 4.0 (default 1.0; 0.05 gives a demo of a few MB)";

/// Runs the subcommand with the arguments that follow `synth`; returns the exit status
/// (0 on success, 2 for invalid arguments, 1 when writing fails).
pub fn run(args: &[String]) -> i32 {
    let (params, out) = match parse_args(args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(message) => {
            eprintln!("wormscope synth: {message}\n\n{USAGE}");
            return 2;
        }
    };

    let outputs = match synth::generate(&params) {
        Ok(outputs) => outputs,
        Err(error) => {
            eprintln!("wormscope synth: {error}");
            return 2;
        }
    };
    match write_outputs(&out, &outputs) {
        Ok(()) => {
            println!(
                "wrote {}: {} packets ({} bytes), {} log lines ({} bytes), truth ({} bytes)",
                out.display(),
                outputs.packets,
                outputs.capture.len(),
                outputs.lines,
                outputs.syslog.len(),
                outputs.truth.len()
            );
            0
        }
        Err(message) => {
            eprintln!("wormscope synth: {message}");
            1
        }
    }
}

/// Parses the options; returns `Ok(None)` for `--help`.
fn parse_args(args: &[String]) -> Result<Option<(Params, PathBuf)>, String> {
    let mut params = Params::default();
    let mut seed = None;
    let mut out = None;
    let mut iter = args.iter();
    while let Some(option) = iter.next() {
        if option == "--help" || option == "-h" {
            return Ok(None);
        }
        let value = iter.next().ok_or_else(|| format!("missing value for {option}"))?;
        match option.as_str() {
            "--seed" => seed = Some(parse_number(option, value)?),
            "--out" => out = Some(PathBuf::from(value)),
            "--hosts" => params.hosts = parse_number(option, value)?,
            "--days" => params.days = parse_number(option, value)?,
            "--scale" => params.scale = parse_number(option, value)?,
            _ => return Err(format!("unknown option '{option}'")),
        }
    }
    params.seed = seed.ok_or("missing --seed")?;
    let out = out.ok_or("missing --out")?;
    Ok(Some((params, out)))
}

fn parse_number<T: std::str::FromStr>(option: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("invalid value '{value}' for {option}: expected a number"))
}

fn write_outputs(dir: &Path, outputs: &synth::Outputs) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|error| format!("{}: cannot create directory: {error}", dir.display()))?;
    for (name, bytes) in
        [(CAPTURE_FILE, &outputs.capture), (SYSLOG_FILE, &outputs.syslog), (TRUTH_FILE, &outputs.truth)]
    {
        let path = dir.join(name);
        fs::write(&path, bytes).map_err(|error| format!("{}: write failed: {error}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parse_args_reads_every_option() {
        let parsed =
            parse_args(&strings(&["--seed", "7", "--out", "x", "--hosts", "50", "--days", "5", "--scale", "0.1"]));
        let (params, out) = parsed.expect("valid").expect("not help");
        assert_eq!(params, Params { seed: 7, hosts: 50, days: 5, scale: 0.1 });
        assert_eq!(out, PathBuf::from("x"));
    }

    #[test]
    fn parse_args_requires_seed() {
        let error = parse_args(&strings(&["--out", "x"])).expect_err("seed is required");
        assert_eq!(error, "missing --seed");
    }

    #[test]
    fn parse_args_rejects_unknown_option() {
        let error = parse_args(&strings(&["--seed", "1", "--colour", "red"])).expect_err("unknown option");
        assert!(error.contains("--colour"), "{error}");
    }
}

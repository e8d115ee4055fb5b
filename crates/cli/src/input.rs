//! Reading input files into the core in chunks, as the page's worker does.

use std::fs::File;
use std::io::Read;
use wormscope_core::analysis::InputError;
use wormscope_core::net::LocalNets;
use wormscope_core::{Analyzer, Config};

/// The chunk size for reading files: 4 MiB, like the page's worker.
pub const CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// Feeds every file to the analyzer; returns the errors of the files that failed.
pub fn feed_files(analyzer: &mut Analyzer, paths: &[String]) -> Vec<InputError> {
    let mut errors = Vec::new();
    let mut buffer = vec![0u8; CHUNK_SIZE];
    for path in paths {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let index = analyzer.begin_file(path, size);
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(error) => {
                errors.push(InputError { file: path.clone(), offset: 0, message: format!("cannot open: {error}") });
                continue;
            }
        };
        if let Err(error) = feed_one(analyzer, index, &mut file, &mut buffer, path) {
            errors.push(error);
        }
    }
    errors
}

fn feed_one(analyzer: &mut Analyzer, index: usize, file: &mut File, buffer: &mut [u8], path: &str) -> Result<(), InputError> {
    let mut offset = 0u64;
    loop {
        let n = file.read(buffer).map_err(|error| InputError { file: path.to_string(), offset, message: format!("read failed: {error}") })?;
        if n == 0 {
            return analyzer.end_file(index);
        }
        analyzer.push(index, &buffer[..n])?;
        offset += n as u64;
    }
}

/// Parsed common options.
#[derive(Default)]
pub struct CommonOptions {
    pub format: Option<String>,
    pub local_nets: Option<String>,
    pub ignore_checksums: bool,
    /// Inactivity timeouts in seconds, by protocol, when given.
    pub tcp_timeout: Option<f64>,
    pub udp_timeout: Option<f64>,
    pub icmp_timeout: Option<f64>,
    pub files: Vec<String>,
}

impl CommonOptions {
    /// Applies the local networks, checksum and timeout options to an analysis config.
    pub fn apply(&self, config: &mut Config) -> Result<(), String> {
        if let Some(list) = &self.local_nets {
            config.local_nets = LocalNets::parse_list(list).map_err(|error| error.to_string())?;
        }
        config.conn.ignore_checksums = self.ignore_checksums;
        let nanos = |secs: f64| (secs * 1e9).round() as i64;
        if let Some(secs) = self.tcp_timeout {
            config.conn.tcp_inactivity_timeout = nanos(secs);
        }
        if let Some(secs) = self.udp_timeout {
            config.conn.udp_inactivity_timeout = nanos(secs);
        }
        if let Some(secs) = self.icmp_timeout {
            config.conn.icmp_inactivity_timeout = nanos(secs);
        }
        Ok(())
    }
}

/// Parses a timeout in seconds: a positive number.
fn parse_seconds(flag: &str, value: Option<&String>) -> Result<f64, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value in seconds"))?;
    match value.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs.is_finite() => Ok(secs),
        _ => Err(format!("invalid {flag} '{value}': expected a positive number of seconds")),
    }
}

/// Parses `--format F`, `--local-nets L`, `--ignore-checksums` (or `-C`) and file names.
pub fn parse_common(args: &[String], usage: &str) -> Result<CommonOptions, String> {
    let mut options = CommonOptions::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--format" => options.format = Some(iter.next().ok_or("--format needs a value")?.clone()),
            "--local-nets" => options.local_nets = Some(iter.next().ok_or("--local-nets needs a value")?.clone()),
            "--ignore-checksums" | "-C" => options.ignore_checksums = true,
            "--tcp-timeout" => options.tcp_timeout = Some(parse_seconds(arg, iter.next())?),
            "--udp-timeout" => options.udp_timeout = Some(parse_seconds(arg, iter.next())?),
            "--icmp-timeout" => options.icmp_timeout = Some(parse_seconds(arg, iter.next())?),
            "-h" | "--help" => return Err(usage.to_string()),
            flag if flag.starts_with("--format=") => options.format = Some(flag["--format=".len()..].to_string()),
            flag if flag.starts_with("--local-nets=") => options.local_nets = Some(flag["--local-nets=".len()..].to_string()),
            flag if flag.starts_with('-') && flag != "-" => return Err(format!("unknown option '{flag}'\n\n{usage}")),
            file => options.files.push(file.to_string()),
        }
    }
    if options.files.is_empty() {
        return Err(format!("no input files\n\n{usage}"));
    }
    Ok(options)
}

//! `wormscope bench`: times the analysis of files, for BENCHMARKS.md.
//!
//! Each file set is analysed `--repeat` times (default 5) from memory, so disk speed does not
//! count; the run reports the median and best wall-clock time, the throughput in MB/s
//! (10^6 bytes) and packets per second, and the connections found. The first run warms the
//! caches and is not counted.

use std::time::Instant;
use wormscope_core::{Analyzer, Config};

const USAGE: &str = "usage: wormscope bench [--repeat N] [--chunk BYTES] FILE...

  --repeat N      timed runs after one warm-up run (default 5)
  --chunk BYTES   bytes pushed at a time, as the page's worker slices files (default 4194304)";

/// Runs the subcommand; returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let (repeat, chunk, files) = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("wormscope bench: {message}\n\n{USAGE}");
            return 2;
        }
    };
    let mut inputs = Vec::new();
    for path in &files {
        match std::fs::read(path) {
            Ok(bytes) => inputs.push((path.clone(), bytes)),
            Err(error) => {
                eprintln!("wormscope bench: {path}: cannot read: {error}");
                return 1;
            }
        }
    }
    let total_bytes: usize = inputs.iter().map(|(_, bytes)| bytes.len()).sum();

    // One warm-up run, then the timed ones.
    let (packets, connections) = analyse(&inputs, chunk);
    let mut times: Vec<f64> = (0..repeat)
        .map(|_| {
            let start = Instant::now();
            analyse(&inputs, chunk);
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let best = times[0];

    println!("files          {}", files.join(" "));
    println!("bytes          {total_bytes}");
    println!("packets        {packets}");
    println!("connections    {connections}");
    println!("runs           {repeat} (after 1 warm-up), chunk {chunk} bytes");
    println!("median_seconds {median:.4}");
    println!("best_seconds   {best:.4}");
    println!("mb_per_second  {:.1}", total_bytes as f64 / 1e6 / median);
    println!("packets_per_second {:.0}", packets as f64 / median);
    0
}

/// Analyses the files once; returns (packets, connections).
fn analyse(inputs: &[(String, Vec<u8>)], chunk: usize) -> (u64, usize) {
    let mut analyzer = Analyzer::new(Config::default());
    for (name, bytes) in inputs {
        let file = analyzer.begin_file(name, bytes.len() as u64);
        for piece in bytes.chunks(chunk) {
            if analyzer.push(file, piece).is_err() {
                break;
            }
        }
        let _ = analyzer.end_file(file);
    }
    let report = analyzer.finish();
    (report.counts.packets, report.connections.len())
}

fn parse(args: &[String]) -> Result<(usize, usize, Vec<String>), String> {
    let mut repeat = 5;
    let mut chunk = 4 * 1024 * 1024;
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--repeat" => repeat = number(arg, iter.next())?,
            "--chunk" => chunk = number(arg, iter.next())?,
            "-h" | "--help" => return Err("help requested".into()),
            flag if flag.starts_with('-') => return Err(format!("unknown option '{flag}'")),
            file => files.push(file.to_string()),
        }
    }
    if files.is_empty() {
        return Err("no input files".into());
    }
    Ok((repeat, chunk, files))
}

fn number(flag: &str, value: Option<&String>) -> Result<usize, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("invalid {flag} '{value}': expected a positive whole number")),
    }
}

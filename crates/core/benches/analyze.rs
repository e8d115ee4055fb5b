//! `cargo bench -p wormscope-core`: throughput of the whole analysis (framing, decoding,
//! connection tracking, log parsing) on a generated outbreak held in memory.
//!
//! The outbreak is the generator's seed 1 at scale 0.25 (about 100,000 packets and 10,000 log
//! lines); each measurement is the median of 7 runs after one warm-up. No external benchmark
//! crate is used, so the numbers print as plain text for BENCHMARKS.md.

use std::time::Instant;
use wormscope_core::synth::{generate, Params};
use wormscope_core::{Analyzer, Config};

const RUNS: usize = 7;
const CHUNK: usize = 4 * 1024 * 1024;

fn main() {
    let outputs = generate(&Params { seed: 1, scale: 0.25, ..Params::default() }).expect("valid parameters");
    measure("capture", &[("capture.pcapng", &outputs.capture)], outputs.packets, "packets");
    measure("syslog", &[("syslog.log", &outputs.syslog)], outputs.lines, "lines");
    measure("capture+syslog", &[("capture.pcapng", &outputs.capture), ("syslog.log", &outputs.syslog)], outputs.packets + outputs.lines, "records");
}

/// Times the analysis of `files` and prints MB/s and records per second.
fn measure(label: &str, files: &[(&str, &Vec<u8>)], records: u64, unit: &str) {
    let bytes: usize = files.iter().map(|(_, data)| data.len()).sum();
    run(files);
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run(files);
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    println!(
        "{label:16} {bytes:>10} bytes  median {median:.4} s  {:>7.1} MB/s  {:>10.0} {unit}/s",
        bytes as f64 / 1e6 / median,
        records as f64 / median
    );
}

fn run(files: &[(&str, &Vec<u8>)]) {
    let mut analyzer = Analyzer::new(Config::default());
    for (name, data) in files {
        let file = analyzer.begin_file(name, data.len() as u64);
        for chunk in data.chunks(CHUNK) {
            analyzer.push(file, chunk).expect("generated input is valid");
        }
        analyzer.end_file(file).expect("generated input is complete");
    }
    std::hint::black_box(analyzer.finish());
}

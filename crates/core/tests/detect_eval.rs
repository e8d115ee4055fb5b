//! The detection rules measured against generated outbreaks: 30 scenarios of different seeds,
//! campus sizes, lengths and volumes, each compared with its own truth.json.
//!
//! A finding *matches* a truth flag of its rule when the host is the same and the spans
//! overlap (with [`SLACK_SECS`] of slack, since session-monitor times are whole seconds).
//! Per rule, over all scenarios: recall is the share of truth flags some finding matches;
//! precision is the share of findings that match some truth flag, so a finding on a
//! `must_not_flag` host, or on any host the truth does not flag, is a false positive. The test
//! prints the table (run with `--nocapture` to see it) and fails when a rule is below
//! [`MIN_QUALITY`] on either, or when the infected host is not ranked first in a scenario.

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;
use wormscope_core::detect::{self, DetectConfig, Detection, Rule};
use wormscope_core::synth::{self, Params};
use wormscope_core::time::Timestamp;
use wormscope_core::{Analyzer, Config};

/// Slack on span overlap, in seconds.
const SLACK_SECS: f64 = 60.0;
/// Lowest acceptable precision and recall of every rule.
const MIN_QUALITY: f64 = 0.95;
/// Scenarios generated.
const SCENARIOS: u64 = 30;

/// The parameters of scenario `index`: seeds 1..=30; campus sizes, lengths and volumes cycle
/// through small values so that the whole evaluation stays quick.
fn params(index: u64) -> Params {
    const HOSTS: [u32; 5] = [20, 60, 120, 200, 300];
    const DAYS: [u32; 4] = [4, 5, 6, 8];
    const SCALES: [f64; 3] = [0.02, 0.05, 0.1];
    let slot = index as usize;
    Params {
        seed: 1000 + index,
        hosts: HOSTS[slot % HOSTS.len()],
        days: DAYS[slot % DAYS.len()],
        scale: SCALES[slot % SCALES.len()],
    }
}

/// Per-rule counts over all scenarios.
#[derive(Clone, Copy, Default)]
struct Tally {
    flags: usize,
    flags_found: usize,
    findings: usize,
    findings_right: usize,
}

impl Tally {
    fn recall(&self) -> f64 {
        if self.flags == 0 { 1.0 } else { self.flags_found as f64 / self.flags as f64 }
    }
    fn precision(&self) -> f64 {
        if self.findings == 0 { 1.0 } else { self.findings_right as f64 / self.findings as f64 }
    }
}

/// One truth flag: host and span in seconds.
struct Flag {
    host: String,
    start: f64,
    end: f64,
}

fn truth_flags(truth: &Value, rule: Rule) -> Vec<Flag> {
    let flags = truth["rules"][rule.as_str()]["flag"].as_array().cloned().unwrap_or_default();
    flags
        .iter()
        .map(|flag| Flag {
            host: flag["host"].as_str().unwrap_or_default().to_string(),
            start: flag["start"].as_f64().unwrap_or(0.0),
            end: flag["end"].as_f64().unwrap_or(0.0),
        })
        .collect()
}

fn overlaps(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 + SLACK_SECS && b.0 <= a.1 + SLACK_SECS
}

/// Runs the analysis and detection on one generated scenario.
fn run_scenario(outputs: &synth::Outputs, learning_end: f64) -> Detection {
    let mut analyzer = Analyzer::new(Config::default());
    for (name, bytes) in [(synth::CAPTURE_FILE, &outputs.capture), (synth::SYSLOG_FILE, &outputs.syslog)] {
        let index = analyzer.begin_file(name, bytes.len() as u64);
        analyzer.push(index, bytes).expect("generated files read cleanly");
        analyzer.end_file(index).expect("generated files end cleanly");
    }
    let report = analyzer.finish();
    let config = DetectConfig { learning_end: Some(Timestamp((learning_end * 1e9) as i64)), ..DetectConfig::default() };
    detect::detect(&report, &config)
}

/// Scores one scenario into the tallies; returns the misses as text.
fn score(truth: &Value, detection: &Detection, tallies: &mut BTreeMap<Rule, Tally>) -> Vec<String> {
    let mut misses = Vec::new();
    for rule in Rule::ALL {
        let flags = truth_flags(truth, rule);
        let findings: Vec<_> = detection.findings.iter().filter(|f| f.rule == rule).collect();
        let span = |f: &&detect::Finding| (f.start.as_secs_f64(), f.end.as_secs_f64());
        let tally = tallies.entry(rule).or_default();
        tally.flags += flags.len();
        tally.findings += findings.len();
        for flag in &flags {
            if findings.iter().any(|f| f.host.to_string() == flag.host && overlaps(span(f), (flag.start, flag.end))) {
                tally.flags_found += 1;
            } else {
                misses.push(format!("{} missed {} [{:.0}, {:.0}]", rule.as_str(), flag.host, flag.start, flag.end));
            }
        }
        for finding in &findings {
            let host = finding.host.to_string();
            if flags.iter().any(|flag| flag.host == host && overlaps(span(finding), (flag.start, flag.end))) {
                tally.findings_right += 1;
            } else {
                misses.push(format!("{} false positive {host} [{:.0}, {:.0}]", rule.as_str(), span(finding).0, span(finding).1));
            }
        }
    }
    misses
}

#[test]
fn detection_matches_truth_on_generated_outbreaks() {
    let mut tallies: BTreeMap<Rule, Tally> = BTreeMap::new();
    let mut ranks = Vec::new();
    let started = Instant::now();
    println!("seed  hosts days scale  packets  infected         rank  misses");
    for index in 0..SCENARIOS {
        let params = params(index);
        let outputs = synth::generate(&params).expect("valid parameters");
        let truth: Value = serde_json::from_slice(&outputs.truth).expect("truth.json is JSON");
        let learning_end = truth["timeline"]["learning_end"]["unix"].as_f64().expect("learning_end");
        let detection = run_scenario(&outputs, learning_end);

        let infected = truth["outbreak"]["infected"].as_str().unwrap_or_default().to_string();
        let rank = detection.hosts.iter().find(|h| h.host.to_string() == infected).map_or(0, |h| h.rank);
        let misses = score(&truth, &detection, &mut tallies);
        println!(
            "{:>4}  {:>5} {:>4} {:>5} {:>8}  {:<15} {:>5}  {}",
            params.seed, params.hosts, params.days, params.scale, outputs.packets, infected, rank, misses.len()
        );
        for miss in &misses {
            println!("        {miss}");
        }
        ranks.push((params.seed, rank));
    }
    println!("\n(scenarios generated and analysed in {:.1} s)", started.elapsed().as_secs_f64());

    println!("\n| rule | truth flags | found | findings | right | precision | recall |");
    println!("|---|---|---|---|---|---|---|");
    let mut failures = Vec::new();
    for rule in Rule::ALL {
        let tally = tallies.get(&rule).copied().unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} |",
            rule.as_str(),
            tally.flags,
            tally.flags_found,
            tally.findings,
            tally.findings_right,
            tally.precision(),
            tally.recall()
        );
        if tally.precision() < MIN_QUALITY || tally.recall() < MIN_QUALITY {
            failures.push(format!("{} precision {:.3} recall {:.3}", rule.as_str(), tally.precision(), tally.recall()));
        }
    }
    for (seed, rank) in &ranks {
        if *rank != 1 {
            failures.push(format!("seed {seed}: infected host ranked {rank} (0: not ranked)"));
        }
    }
    assert!(failures.is_empty(), "detection below the bar:\n{}", failures.join("\n"));
}

//! The outbreak generator: a synthetic capture, a syslog export and their ground truth.
//!
//! [`generate`] builds a university-like campus of a few hundred hosts, fills it with benign
//! traffic and decoys, plays a worm outbreak on one workstation, and returns three files:
//!
//! | file | content |
//! |---|---|
//! | `capture.pcapng` | every frame seen at the campus core: Ethernet II, IPv4, TCP/UDP with valid checksums, microsecond timestamps |
//! | `syslog.log` | Snort 2 alerts, NNM real-time events and session-monitor records, one RFC 3164 line each, in time order |
//! | `truth.json` | every host's role, the timeline, and per detection rule the hosts and spans a good rule flags |
//!
//! Output is a pure function of [`Params`]: the same seed and options give byte-identical files,
//! and nothing reads a clock or the file system.
//!
//! NOTE: the noise draws use `f64::exp`, `ln`, `cos` and `sqrt`, and Rust does not promise
//! bit-identical results for the transcendental ones across targets. Identical bytes are tested
//! on one target only. A native build and the WebAssembly build could, rarely, round a count
//! differently for the same seed.
//!
//! # The story
//!
//! The capture starts on a Monday and runs `days` days (see [`scenario`]). Background traffic
//! ([`background`]) is web browsing with DNS, a mail relay, a busy public web server and a
//! vulnerability scanner that sweeps the campus three nights a week, all quieter at night and
//! at weekends. On the last weekday that leaves three days after it, a workstation is
//! compromised ([`story`]). It shows an exploit alert, a geolocation check, trojan
//! keep-alives, a peer-to-peer service on a random high port with hundreds of peers, a two-day
//! scan of one port and a spam burst that decays within a day. After its switch-off only a few
//! unanswered probes reach it. Three decoys (the scanner, the busy web server and a host with a
//! new benign service) plus one false-positive alert look like parts of the story without
//! being the worm.
//!
//! # Parameters
//!
//! - `seed`: drives every random choice (addresses, ports, times, counts, noise).
//! - `hosts` (default 300): campus size.
//! - `days` (default 8, at least 4): capture length; everything before the exploit day is the
//!   learning window.
//! - `scale` (default 1.0): multiplies background rates and outbreak counts. At 1.0 the scan has
//!   60,000 attempts. Floors (12 scan bursts of 60, 40 service peers, 20 spam attempts in the
//!   first hour, 30 scanner targets) keep every part of the story detectable at small scales.
//!
//! # Vantage points
//!
//! The capture and Snort see every frame at the campus core; NNM and the session monitor see
//! only connections with exactly one campus endpoint (the Internet border). Log lines describe
//! the same connections, addresses, ports and times as the packets.
//!
//! # truth.json (schema `wormscope-synth-truth/1`)
//!
//! Times are Unix seconds (fractional, microsecond precision).
//!
//! - `parameters`: `seed`, `hosts`, `days`, `scale`.
//! - `files`: name, size in bytes and packet or line count of the other two files.
//! - `network`: `campus` prefix and the vantage point of each source.
//! - `timeline`: `start`, `end`, `learning_end`, `exploit`, `infection_check`,
//!   `first_keepalive`, `service_open`, `scan_start`, `scan_end`, `spam_start`, `spam_end`,
//!   `switch_off`, each as `{unix, utc}`.
//! - `outbreak`: `infected`, `service_port`, `service_peers`, `service_peer_slash8s`,
//!   `scan_port`, `scan_attempts`, `scan_bursts`, `spam_attempts`, `keepalives`,
//!   `probes_after_switch_off`.
//! - `decoys`: `new_service_port`, `new_service_open`, `decoy_alert`, `scanner_runs`.
//! - `hosts`: every campus host as `{address, role}`; roles are `infected`, `scanner`,
//!   `busy_web_server`, `new_service`, `alert_decoy`, `dns_server`, `mail_server`,
//!   `workstation`. `internet_hosts`: the exploit site, geolocation service and command server.
//! - `rules`: for each of `NewServicePort`, `AddressScan`, `PortScan`, `SpamBurst`,
//!   `AlertChain`, `LinkedInOut`, `NeverBeforeSeen`, `WentSilent`: a `definition`, a `flag`
//!   list of `{host, role, start, end, detail}` and a `must_not_flag` list of
//!   `{host, role, reason}`. The scanner appears under AddressScan and PortScan with role
//!   `scanner`: it legitimately trips them. See [`truth`] for how the computed rules are
//!   derived.

pub mod background;
pub mod network;
pub mod packet;
pub mod payload;
pub mod pcapng;
pub mod rng;
pub mod scenario;
pub mod story;
pub mod syslog;
pub mod traffic;
pub mod truth;
pub mod truth_rules;

pub use scenario::{ParamError, Params};

use scenario::{Scenario, DAY};
use serde_json::json;
use std::collections::BTreeSet;
use story::{NEW_OPEN_PORT, OPEN_PORT};
use syslog::nnm_line;
use traffic::{Recorder, SECOND};

/// The generated files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outputs {
    /// `capture.pcapng`.
    pub capture: Vec<u8>,
    /// `syslog.log`.
    pub syslog: Vec<u8>,
    /// `truth.json`.
    pub truth: Vec<u8>,
    /// Packets in the capture.
    pub packets: u64,
    /// Lines in the syslog export.
    pub lines: u64,
}

/// The capture's file name inside the output directory.
pub const CAPTURE_FILE: &str = "capture.pcapng";
/// The syslog export's file name.
pub const SYSLOG_FILE: &str = "syslog.log";
/// The truth file's name.
pub const TRUTH_FILE: &str = "truth.json";

/// Generates the three files for `params`, or returns the first invalid option.
pub fn generate(params: &Params) -> Result<Outputs, ParamError> {
    params.validate()?;
    let mut scenario = Scenario::new(*params);
    let mut recorder = Recorder::new(scenario.network.clone(), params.seed);

    let decoys = background::generate(&mut recorder, &mut scenario);
    let outbreak = story::generate(&mut recorder, &mut scenario);
    open_port_events(&mut recorder, scenario.timeline.start);

    let (capture, packets) = write_capture(&mut recorder);
    let (syslog, lines) = write_syslog(&mut recorder);
    let files = json!({
        "capture": { "name": CAPTURE_FILE, "bytes": capture.len(), "packets": packets },
        "syslog": { "name": SYSLOG_FILE, "bytes": syslog.len(), "lines": lines },
    });
    let truth = truth::build(&scenario, &recorder, &outbreak, &decoys, files);
    // The truth holds only string-keyed maps, strings and finite numbers, which serde_json always serialises.
    let mut truth = serde_json::to_vec_pretty(&truth).unwrap_or_default();
    truth.push(b'\n');
    Ok(Outputs { capture, syslog, truth, packets, lines })
}

/// Adds NNM's open-port events: plugin 0 for the first SYN-ACK of each campus server port each
/// day, and "New Open Port" for a port first seen after NNM's first day of learning.
fn open_port_events(recorder: &mut Recorder, start: u64) {
    let mut seen = recorder.open_ports.clone();
    seen.sort();
    let mut reported: BTreeSet<(std::net::SocketAddrV4, u64)> = BTreeSet::new();
    let mut known: BTreeSet<std::net::SocketAddrV4> = BTreeSet::new();
    for open in seen {
        let day = (open.time - start) / DAY;
        if !reported.insert((open.server, day)) {
            continue;
        }
        recorder.log(open.time, nnm_line(open.time / SECOND, &OPEN_PORT, 6, open.server, open.client));
        recorder.event(open.time, *open.server.ip(), OPEN_PORT.name);
        if known.insert(open.server) && day >= 1 {
            recorder.log(open.time, nnm_line(open.time / SECOND, &NEW_OPEN_PORT, 6, open.server, open.client));
            recorder.event(open.time, *open.server.ip(), NEW_OPEN_PORT.name);
        }
    }
}

fn write_capture(recorder: &mut Recorder) -> (Vec<u8>, u64) {
    // Sorting by (time, generation order) keeps each connection's packets in order.
    recorder.frames.sort_unstable_by_key(|frame| (frame.0, frame.1));
    let mut writer = pcapng::PcapngWriter::new("wormscope synth", "campus-core");
    for (time, _, frame) in &recorder.frames {
        writer.write_packet(*time, frame);
    }
    let packets = writer.packets();
    (writer.into_bytes(), packets)
}

fn write_syslog(recorder: &mut Recorder) -> (Vec<u8>, u64) {
    recorder.lines.sort_unstable_by_key(|line| (line.0, line.1));
    let mut out = Vec::new();
    for (_, _, line) in &recorder.lines {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    (out, recorder.lines.len() as u64)
}

#[cfg(test)]
mod tests;

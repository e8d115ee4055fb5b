//! wormscope: the analysis core on the command line, for batch runs and exports.
//!
//! Subcommands:
//! - `wormscope conn [--format zeek|json] [--local-nets CIDR,...] [--ignore-checksums] FILE...`
//!   writes the connections of all files as Zeek's conn.log TSV (default) or JSON lines.
//! - `wormscope events [--format jsonl|csv] [--year YEAR] [--tz ZONE] FILE...` writes the
//!   events of captures and logs together, one per line in time order.
//! - `wormscope findings [--format json|text] [--local-nets CIDR,...] FILE...` writes what the
//!   worm-profile rules found and the hosts ranked by combined score.
//! - `wormscope profile HOST [--port P] [--from T] [--to T] --format json FILE...` writes the
//!   numbers behind every investigation view of one host.
//! - `wormscope bench [--repeat N] [--chunk BYTES] FILE...` times the analysis of files.
//! - `wormscope synth --seed N --out DIR [--hosts H] [--days D] [--scale S]` writes a
//!   generated worm outbreak: a capture, a syslog export and its ground truth.
//!
//! Exit status: 0 on success, 1 when a file could not be read to its end (after writing what
//! was read), 2 on a usage error.

mod bench_cmd;
mod conn_cmd;
mod events_cmd;
mod findings_cmd;
mod input;
mod profile_cmd;
mod synth_cmd;

use std::process::ExitCode;

const USAGE: &str = "usage: wormscope <command> [options] FILE...

commands:
  conn      write the connections of the files as Zeek conn.log (TSV or JSON lines)
  events    write the events of captures and logs in time order (JSON lines or CSV)
  findings  write what the worm-profile rules found and the hosts ranked by score
  profile   write the numbers behind the investigation views of one host as JSON
  bench     time the analysis of files (throughput in MB/s and packets per second)
  synth     generate a worm outbreak: capture.pcapng, syslog.log and truth.json

Run `wormscope <command> --help` for the options of a command.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(command) = args.get(1) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[2..];
    let status = match command.as_str() {
        "conn" => conn_cmd::run(rest),
        "bench" => bench_cmd::run(rest),
        "events" => events_cmd::run(rest),
        "findings" => findings_cmd::run(rest),
        "profile" => profile_cmd::run(rest),
        "synth" => synth_cmd::run(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("wormscope: unknown command '{other}'\n\n{USAGE}");
            2
        }
    };
    ExitCode::from(status as u8)
}

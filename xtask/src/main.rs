//! `cargo xtask`: builds, serves and tests wormscope, installing missing tools first.
//!
//! - `cargo xtask build`: the release WebAssembly module into www/pkg (settings from
//!   wasm-pack.toml) and the release CLI.
//! - `cargo xtask serve [--port N] [--no-build]`: build, then serve www/ on
//!   http://127.0.0.1:N/ (default 8080; 0 picks a free port).
//! - `cargo xtask test`: native tests, wasm tests in headless Chromium, then the end-to-end
//!   suite against the release build served on 127.0.0.1.
//! - `cargo xtask e2e`: the release build and the end-to-end suite only.
//! - `cargo xtask demo`: the release CLI, then a generated worm outbreak into www/demo/
//!   (the files the page's "Load demo" button analyses).
//!
//! Each step is printed before it runs. A failing install or build ends the run with exit code
//! 1; `test` runs its remaining suites after a failing one and then exits with code 1.

mod demo;
mod serve;
mod settings;
mod tasks;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  build                       build the release wasm module (www/pkg) and the release CLI
  serve [--port N] [--no-build]
                              build, then serve www/ on http://127.0.0.1:N/ (default 8080, 0 = any free port)
  test                        run the native, wasm and end-to-end tests
  e2e                         build, then run only the end-to-end tests
  demo                        regenerate www/demo/ (capture.pcapng, syslog.log, truth.json):
                              a generated worm outbreak, seed 7, scale 0.02";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("build") if args.len() == 1 => tasks::build(&root),
        Some("serve") => {
            let options = tasks::ServeOptions::parse(&args[1..])?;
            tasks::serve(&root, &options)
        }
        Some("test") if args.len() == 1 => tasks::test(&root),
        Some("e2e") if args.len() == 1 => tasks::test_end_to_end(&root),
        Some("demo") if args.len() == 1 => demo::demo(&root),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n{USAGE}")),
    }
}

/// Returns the repository root: the parent of this crate's folder.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Prints a step of the run.
pub fn step(message: &str) {
    println!("xtask: {message}");
}

/// A command to run, with its description for messages.
pub struct Cmd {
    command: Command,
}

impl Cmd {
    pub fn new(program: &str) -> Cmd {
        Cmd { command: Command::new(program) }
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(mut self, args: I) -> Cmd {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Cmd {
        self.command.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Cmd {
        self.command.current_dir(dir);
        self
    }
}

/// Runs a command with inherited output; a non-zero exit becomes an error naming it.
pub fn run(cmd: Cmd) -> Result<(), String> {
    let mut command = cmd.command;
    let shown = describe(&command);
    step(&format!("$ {shown}"));
    let status = command.status().map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn describe(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    parts.join(" ")
}

//! The xtask commands: build, serve and test (demo lives in demo.rs).

use crate::serve;
use crate::settings::WasmBuild;
use crate::tools::{self, CHROMEDRIVER};
use crate::{run, step, Cmd};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Options of `cargo xtask serve`.
#[derive(Debug, PartialEq, Eq)]
pub struct ServeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Serve what www/ already contains instead of building first.
    pub no_build: bool,
}

impl ServeOptions {
    /// Parses `[--port N] [--no-build]`.
    pub fn parse(args: &[String]) -> Result<ServeOptions, String> {
        let mut options = ServeOptions { port: 8080, no_build: false };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--port" => {
                    let value = args.next().ok_or("--port needs a number")?;
                    options.port = value.parse().map_err(|_| format!("invalid port '{value}' (expected 0 to 65535)"))?;
                }
                "--no-build" => options.no_build = true,
                other => return Err(format!("unknown serve option '{other}' (expected --port N or --no-build)")),
            }
        }
        Ok(options)
    }
}

/// Builds the release wasm module into the folder wasm-pack.toml names, and the release CLI.
pub fn build(root: &Path) -> Result<(), String> {
    tools::ensure_build_tools(root)?;
    let settings = WasmBuild::load(&root.join("wasm-pack.toml"))?;

    step(&format!("building the wasm module from {} into {}", settings.crate_dir, settings.out_dir));
    let profile_flag = if settings.profile == "release" { "--release" } else { "--dev" };
    let out_dir = root.join(&settings.out_dir);
    run(Cmd::new("wasm-pack")
        .args(["build", profile_flag, "--target", &settings.target, "--out-name", &settings.out_name, "--mode", "no-install"])
        .args(["--no-opt", "--no-pack", "--out-dir"])
        .args([&out_dir])
        .args([root.join(&settings.crate_dir)]))?;

    build_cli(root)
}

/// Builds the release CLI.
pub fn build_cli(root: &Path) -> Result<(), String> {
    step("building the release CLI");
    run(Cmd::new("cargo").args(["build", "--release", "-p", "wormscope-cli"]).current_dir(root))
}

/// Builds (unless `no_build` is set), then serves www/ until the process is stopped.
pub fn serve(root: &Path, options: &ServeOptions) -> Result<(), String> {
    if !options.no_build {
        build(root)?;
    }
    let (listener, port) = serve::bind(options.port)?;
    println!("xtask: serving {} on http://127.0.0.1:{port}/", root.join("www").display());
    std::io::stdout().flush().map_err(|error| error.to_string())?;
    serve::run(listener, &root.join("www"))
}

/// Runs every test: native, wasm in headless Chromium, then end-to-end.
///
/// A failing install or build stops the run at once. A failing test suite does not: the
/// later suites still run, so one CI log shows every failure, and the run then fails with
/// the list of failed suites.
pub fn test(root: &Path) -> Result<(), String> {
    tools::ensure_build_tools(root)?;
    tools::ensure_test_tools(root)?;
    let mut failed: Vec<String> = Vec::new();

    step("native tests");
    let native = run(Cmd::new("cargo").args(["test", "--workspace", "--no-fail-fast"]).current_dir(root));
    record("native tests", native, &mut failed);

    step("wasm tests in headless Chromium");
    let settings = WasmBuild::load(&root.join("wasm-pack.toml"))?;
    let wasm = run(Cmd::new("wasm-pack")
        .args(["test", "--headless", "--chrome", "--chromedriver", CHROMEDRIVER, "--mode", "no-install"])
        .args([root.join(&settings.crate_dir)])
        .env("CHROMEDRIVER", CHROMEDRIVER));
    record("wasm tests", wasm, &mut failed);

    step("release build for the end-to-end tests");
    build(root)?;
    record("end-to-end tests", end_to_end(root), &mut failed);

    if failed.is_empty() {
        step("all test suites passed");
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join("; ")))
    }
}

/// Prints a suite's outcome and keeps its error for the final summary.
fn record(suite: &str, result: Result<(), String>, failed: &mut Vec<String>) {
    match result {
        Ok(()) => step(&format!("{suite} passed")),
        Err(error) => {
            step(&format!("{suite} FAILED: {error}"));
            failed.push(format!("{suite} ({error})"));
        }
    }
}

/// Builds the release, then runs only the end-to-end suite.
pub fn test_end_to_end(root: &Path) -> Result<(), String> {
    tools::ensure_test_tools(root)?;
    build(root)?;
    end_to_end(root)
}

/// Starts this program's server on a free port, runs `node --test` on tests/e2e, stops it.
fn end_to_end(root: &Path) -> Result<(), String> {
    let (server, port) = ServerProcess::start()?;
    step(&format!("server started (pid {}) on port {port}", server.child.id()));

    let tests = e2e_test_files(&root.join("tests/e2e"))?;
    let result = run(Cmd::new("node")
        .args(["--test"])
        .args(&tests)
        .current_dir(root)
        .env("WORMSCOPE_URL", format!("http://127.0.0.1:{port}/"))
        .env("WORMSCOPE_CLI", cli_path(root)?));
    drop(server);
    result
}

/// Returns tests/e2e/*.test.mjs, sorted; an empty folder is an error.
fn e2e_test_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no *.test.mjs files", dir.display()));
    }
    Ok(files)
}

/// Returns the path of the release CLI binary under the Cargo target folder.
pub fn cli_path(root: &Path) -> Result<PathBuf, String> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::env::current_dir().map_err(|error| error.to_string())?.join(dir),
        None => root.join("target"),
    };
    let cli = target.join("release/wormscope");
    if cli.is_file() {
        Ok(cli)
    } else {
        Err(format!("{}: the release CLI is missing after the build", cli.display()))
    }
}

/// A `serve --no-build --port 0` child process, stopped by PID when dropped.
struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    /// Starts the child and reads the port from its first line of output.
    fn start() -> Result<(ServerProcess, u16), String> {
        let exe = std::env::current_exe().map_err(|error| error.to_string())?;
        let child = Command::new(exe)
            .args(["serve", "--no-build", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start the test server: {error}"))?;
        let mut server = ServerProcess { child };

        let stdout = server.child.stdout.take().ok_or("the test server has no output pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).ok_or("the test server exited before printing its address")?;
        let port = first
            .rsplit(':')
            .next()
            .and_then(|tail| tail.trim_end_matches('/').parse::<u16>().ok())
            .ok_or(format!("unexpected first line from the test server: {first}"))?;

        // Keep draining the request log, so the child never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| println!("  {line}")));
        Ok((server, port))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        step(&format!("stopping the test server (pid {})", self.child.id()));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn serve_options_defaults() {
        assert_eq!(ServeOptions::parse(&[]).unwrap(), ServeOptions { port: 8080, no_build: false });
    }

    #[test]
    fn serve_options_port_and_no_build() {
        let options = ServeOptions::parse(&strings(&["--port", "0", "--no-build"])).unwrap();
        assert_eq!(options, ServeOptions { port: 0, no_build: true });
    }

    #[test]
    fn serve_options_reject_bad_port() {
        let error = ServeOptions::parse(&strings(&["--port", "70000"])).unwrap_err();
        assert!(error.contains("70000"), "{error}");
    }
}

//! Finds the build and test tools and installs the missing ones.
//!
//! Every install goes through the ordinary package clients (rustup, cargo install, apt-get,
//! npm), so a fresh machine with only a Rust toolchain ends up with everything `cargo xtask
//! test` needs. Versions that must match the code are pinned: wasm-bindgen-cli to the
//! `wasm-bindgen` version in Cargo.lock, because its output format changes between versions.

use crate::{run, step, Cmd};
use std::path::Path;
use std::process::Command;

/// The wasm-pack release the xtask is written against.
pub const WASM_PACK_VERSION: &str = "0.15.1";
/// The browser binary of Debian's chromium package.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The chromedriver binary of Debian's chromium-driver package.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs what `cargo xtask build` needs: the wasm32 target, wasm-pack, wasm-bindgen-cli.
pub fn ensure_build_tools(root: &Path) -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_pack()?;
    ensure_wasm_bindgen(root)
}

/// Installs what the browser tests add: Chromium, chromedriver, node and the npm packages.
pub fn ensure_test_tools(root: &Path) -> Result<(), String> {
    let mut missing: Vec<&str> = Vec::new();
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        missing.extend(["chromium", "chromium-driver"]);
    }
    if output_of("node", &["--version"]).is_none() || output_of("npm", &["--version"]).is_none() {
        // NOTE: Debian 12's nodejs is 18, but playwright-core 1.65 requires Node.js 20 or
        // later, so this fallback helps only on releases that ship a newer nodejs.
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        step("chromium, chromedriver, node and npm are present");
    } else {
        step(&format!("installing {} with apt-get", missing.join(" ")));
        run(Cmd::new("apt-get").args(["update"]))?;
        run(Cmd::new("apt-get").args(["install", "-y"]).args(missing))?;
    }

    if root.join("node_modules").is_dir() {
        step("node_modules is present");
        return Ok(());
    }
    step("installing the end-to-end test packages (npm ci)");
    run(Cmd::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root))
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == "wasm32-unknown-unknown") {
        step("rust target wasm32-unknown-unknown is installed");
        return Ok(());
    }
    step("installing the rust target wasm32-unknown-unknown");
    run(Cmd::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_wasm_pack() -> Result<(), String> {
    let version = output_of("wasm-pack", &["--version"]).unwrap_or_default();
    if version.trim() == format!("wasm-pack {WASM_PACK_VERSION}") {
        step(&format!("wasm-pack {WASM_PACK_VERSION} is installed"));
        return Ok(());
    }
    step(&format!("installing wasm-pack {WASM_PACK_VERSION} (found: {})", describe(&version)));
    run(Cmd::new("cargo").args(["install", "--locked", "wasm-pack", "--version", WASM_PACK_VERSION]))
}

fn ensure_wasm_bindgen(root: &Path) -> Result<(), String> {
    let wanted = locked_version(root, "wasm-bindgen")?;
    let version = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    if version.trim() == format!("wasm-bindgen {wanted}") {
        step(&format!("wasm-bindgen-cli {wanted} is installed"));
        return Ok(());
    }

    step(&format!("installing wasm-bindgen-cli {wanted} (found: {})", describe(&version)));
    let locked = run(Cmd::new("cargo").args(["install", "--locked", "wasm-bindgen-cli", "--version", &wanted]));
    if locked.is_ok() {
        return Ok(());
    }
    // The crate's own lock file can pin a dependency version that the registry no longer
    // serves; a fresh resolution still gives the same wasm-bindgen-cli version.
    step("cargo install --locked failed; retrying without --locked");
    run(Cmd::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// Returns the version of package `name` in the workspace's Cargo.lock.
pub fn locked_version(root: &Path, name: &str) -> Result<String, String> {
    let path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let version = lines.next().and_then(|next| next.trim().strip_prefix("version = \""));
            if let Some(version) = version.and_then(|rest| rest.strip_suffix('"')) {
                return Ok(version.to_string());
            }
        }
    }
    Err(format!("{}: no version for package {name}", path.display()))
}

/// Runs a program and returns its standard output, or `None` if it cannot run or fails.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn describe(version: &str) -> &str {
    if version.trim().is_empty() {
        "none"
    } else {
        version.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_version_reads_wasm_bindgen() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let version = locked_version(&root, "wasm-bindgen").unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("wasm-bindgen = \"={version}\"")), "Cargo.toml does not pin {version}");
    }
}

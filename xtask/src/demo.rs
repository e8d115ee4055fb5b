//! `cargo xtask demo`: regenerates the page's demo files in www/demo/.
//!
//! The demo is a generated worm outbreak (`wormscope synth`): capture.pcapng and syslog.log,
//! which the page's "Load demo" button analyses, and truth.json, which names the infected
//! host and the rules that should flag it, for the end-to-end tests. A fixed seed and scale
//! make the files byte-identical on every run, so regenerating them changes nothing in git
//! unless the generator changed.

use crate::tasks::{build_cli, cli_path};
use crate::{run, step, Cmd};
use std::path::Path;

/// The generator's seed for the demo.
pub const DEMO_SEED: u64 = 7;

/// The generator's traffic scale: 0.02 keeps the capture near 3.5 MB and the log near 0.5 MB.
pub const DEMO_SCALE: &str = "0.02";

/// The demo folder, relative to the repository root.
pub const DEMO_DIR: &str = "www/demo";

/// Builds the release CLI, then writes the demo files into www/demo/.
pub fn demo(root: &Path) -> Result<(), String> {
    build_cli(root)?;
    let out = root.join(DEMO_DIR);
    step(&format!("generating the demo outbreak (seed {DEMO_SEED}, scale {DEMO_SCALE}) into {}", out.display()));
    run(Cmd::new(&cli_path(root)?.to_string_lossy())
        .args(["synth", "--seed", &DEMO_SEED.to_string(), "--scale", DEMO_SCALE, "--out"])
        .args([&out])
        .current_dir(root))
}

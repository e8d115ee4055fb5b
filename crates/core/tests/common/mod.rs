//! Helpers shared by the corpus tests: where the corpus lives, which captures its manifest
//! lists, and how a capture runs through the [`Analyzer`] the way the CLI and the page run
//! it, pushed chunk by chunk.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod zeek_log;

use std::path::{Path, PathBuf};
use wormscope_core::analysis::InputError;
use wormscope_core::{Analyzer, Config, Report};

/// Bytes per [`Analyzer::push`] call. A prime, so that record boundaries fall at varying
/// places inside the chunks and the reader's refill path runs on every file.
pub const CHUNK_BYTES: usize = 4_093;

/// Returns the corpus folder, `../shared/corpus` relative to the workspace root.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"))
}

/// Reads a corpus file given relative to the corpus folder, naming the path on failure.
pub fn read_corpus_file(relative: &str) -> Vec<u8> {
    let path = corpus_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: cannot read corpus file: {error}", path.display()))
}

/// The outcome of one capture run through the analyzer.
pub struct Run {
    /// The analyzer's report after [`Analyzer::finish`].
    pub report: Report,
    /// Errors returned by `push` or `end_file`, in order (at most one per file by contract).
    pub errors: Vec<InputError>,
}

/// Runs the capture at `relative` (inside the corpus) through a fresh analyzer.
pub fn analyze_capture(relative: &str, config: Config) -> Run {
    let bytes = read_corpus_file(relative);
    analyze_bytes(relative, &bytes, config)
}

/// Runs `bytes` as one file named `name` through a fresh analyzer, in [`CHUNK_BYTES`] chunks.
pub fn analyze_bytes(name: &str, bytes: &[u8], config: Config) -> Run {
    let mut analyzer = Analyzer::new(config);
    let file = analyzer.begin_file(name, bytes.len() as u64);
    let mut errors = Vec::new();

    // Stop pushing after the first error: the analyzer ignores later chunks of a failed file.
    for chunk in bytes.chunks(CHUNK_BYTES) {
        if let Err(error) = analyzer.push(file, chunk) {
            errors.push(error);
            break;
        }
    }

    if let Err(error) = analyzer.end_file(file) {
        errors.push(error);
    }
    Run { report: analyzer.finish(), errors }
}

/// One row of a MANIFEST.md file table: a corpus path and its role (`capture`, `expected`, `doc`).
pub struct ManifestFile {
    /// Path relative to the corpus folder.
    pub path: String,
    /// The role column.
    pub role: String,
    /// The `### ` heading of the unit the row belongs to.
    pub unit: String,
}

/// Lists every file row of the corpus MANIFEST.md, in manifest order.
pub fn manifest_files() -> Vec<ManifestFile> {
    let text = String::from_utf8(read_corpus_file("MANIFEST.md")).expect("MANIFEST.md is UTF-8");
    let mut unit = String::new();
    let mut files = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            unit = heading.trim().to_string();
            continue;
        }

        // File rows look like: | `path` | role | bytes | sha256 | repo | path in repo | commit |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let path = cells[1].trim_matches('`').to_string();
        files.push(ManifestFile { path, role: cells[2].to_string(), unit: unit.clone() });
    }
    files
}

/// Returns the text of a unit's section in MANIFEST.md, from its `### ` heading to the next.
pub fn manifest_section(unit: &str) -> String {
    let text = String::from_utf8(read_corpus_file("MANIFEST.md")).expect("MANIFEST.md is UTF-8");
    let heading = format!("### {unit}");
    let Some(start) = text.lines().position(|line| line.trim() == heading) else {
        return String::new();
    };
    text.lines().skip(start + 1).take_while(|line| !line.starts_with("## ") && !line.starts_with("### ")).collect::<Vec<_>>().join("\n")
}

/// Returns true if and only if `path` exists inside the corpus folder.
pub fn corpus_file_exists(relative: &str) -> bool {
    Path::new(&corpus_dir().join(relative)).is_file()
}

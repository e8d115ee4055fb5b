//! Reads wasm-pack.toml, the build settings that the xtask passes to `wasm-pack build`.
//!
//! The parser accepts the small subset of TOML that the file uses: `# comments`, one `[build]`
//! table, and `key = "string"` or `key = true|false` lines. Unknown tables and keys are
//! errors, so a setting that nothing reads cannot sit in the file looking effective.

use std::path::Path;

/// The `[build]` table of wasm-pack.toml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasmBuild {
    /// The crate to build, relative to the repository root.
    pub crate_dir: String,
    /// wasm-pack's `--target` (e.g. `web`).
    pub target: String,
    /// The output folder, relative to the repository root.
    pub out_dir: String,
    /// wasm-pack's `--out-name`.
    pub out_name: String,
    /// `release` or `dev`.
    pub profile: String,
    /// Whether wasm-opt runs on the output; only `false` is supported.
    pub wasm_opt: bool,
}

/// One value on the right of `=`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Text(String),
    Bool(bool),
}

impl WasmBuild {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<WasmBuild, String> {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        WasmBuild::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Parses the text of wasm-pack.toml; every key of [`WasmBuild`] is required.
    pub fn parse(text: &str) -> Result<WasmBuild, String> {
        let mut fields: Vec<(String, Value)> = Vec::new();
        let mut table = String::new();
        for (index, raw) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
                table = name.trim().to_string();
                if table != "build" {
                    return Err(format!("line {line_number}: unknown table [{table}] (expected [build])"));
                }
                continue;
            }
            if table != "build" {
                return Err(format!("line {line_number}: key outside the [build] table"));
            }
            let (key, value) = parse_pair(line).map_err(|error| format!("line {line_number}: {error}"))?;
            if fields.iter().any(|(seen, _)| *seen == key) {
                return Err(format!("line {line_number}: duplicate key '{key}'"));
            }
            fields.push((key, value));
        }
        WasmBuild::from_fields(fields)
    }

    fn from_fields(mut fields: Vec<(String, Value)>) -> Result<WasmBuild, String> {
        let mut take = |key: &str| -> Result<Value, String> {
            let position = fields.iter().position(|(name, _)| name == key).ok_or(format!("missing key '{key}'"))?;
            Ok(fields.remove(position).1)
        };
        let build = WasmBuild {
            crate_dir: text(&take("crate")?, "crate")?,
            target: text(&take("target")?, "target")?,
            out_dir: text(&take("out_dir")?, "out_dir")?,
            out_name: text(&take("out_name")?, "out_name")?,
            profile: text(&take("profile")?, "profile")?,
            wasm_opt: boolean(&take("wasm_opt")?, "wasm_opt")?,
        };
        if let Some((key, _)) = fields.first() {
            return Err(format!("unknown key '{key}'"));
        }
        if !matches!(build.profile.as_str(), "release" | "dev") {
            return Err(format!("profile '{}' is not supported (expected release or dev)", build.profile));
        }
        // TODO: support wasm_opt = true by running npm's binaryen wasm-opt on the output.
        if build.wasm_opt {
            return Err("wasm_opt = true is not supported yet; set it to false".to_string());
        }
        Ok(build)
    }
}

/// Cuts a `#` comment that is not inside a quoted string.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (index, ch) in line.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..index],
            _ => {}
        }
    }
    line
}

fn parse_pair(line: &str) -> Result<(String, Value), String> {
    let (key, value) = line.split_once('=').ok_or("expected key = value")?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("invalid key '{key}'"));
    }
    let value = value.trim();
    let value = match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => {
            let inner = value.strip_prefix('"').and_then(|rest| rest.strip_suffix('"'));
            match inner {
                Some(inner) if !inner.contains(['"', '\\']) => Value::Text(inner.to_string()),
                _ => return Err(format!("value of '{key}' must be \"text\" without escapes, true or false")),
            }
        }
    };
    Ok((key.to_string(), value))
}

fn text(value: &Value, key: &str) -> Result<String, String> {
    match value {
        Value::Text(text) if !text.is_empty() => Ok(text.clone()),
        _ => Err(format!("'{key}' must be a non-empty string")),
    }
}

fn boolean(value: &Value, key: &str) -> Result<bool, String> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        Value::Text(_) => Err(format!("'{key}' must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# top\n[build]\ncrate = \"crates/web\" # the crate\ntarget = \"web\"\nout_dir = \"www/pkg\"\n\
                        out_name = \"wormscope_web\"\nprofile = \"release\"\nwasm_opt = false\n";

    #[test]
    fn parse_reads_every_key() {
        let build = WasmBuild::parse(GOOD).unwrap();
        assert_eq!(build.crate_dir, "crates/web");
        assert_eq!(build.target, "web");
        assert_eq!(build.out_dir, "www/pkg");
        assert_eq!(build.out_name, "wormscope_web");
        assert_eq!(build.profile, "release");
        assert!(!build.wasm_opt);
    }

    #[test]
    fn parse_repository_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm-pack.toml");
        let build = WasmBuild::load(&path).unwrap();
        assert_eq!(build.crate_dir, "crates/web");
    }

    #[test]
    fn parse_rejects_unknown_key() {
        let error = WasmBuild::parse(&format!("{GOOD}features = \"x\"\n")).unwrap_err();
        assert!(error.contains("unknown key 'features'"), "{error}");
    }

    #[test]
    fn parse_rejects_missing_key() {
        let error = WasmBuild::parse(&GOOD.replace("target = \"web\"\n", "")).unwrap_err();
        assert!(error.contains("missing key 'target'"), "{error}");
    }

    #[test]
    fn parse_rejects_wasm_opt_true() {
        let error = WasmBuild::parse(&GOOD.replace("wasm_opt = false", "wasm_opt = true")).unwrap_err();
        assert!(error.contains("wasm_opt"), "{error}");
    }

    #[test]
    fn parse_rejects_other_table() {
        let error = WasmBuild::parse("[package]\nname = \"x\"\n").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn strip_comment_keeps_hash_in_string() {
        assert_eq!(strip_comment("a = \"x#y\" # note"), "a = \"x#y\" ");
    }
}

//! Reads the manifest `fixture_runtime::build::fixtures` wrote to `OUT_DIR`.
//! The format is documented in `fixture_runtime::manifest`.

use std::path::{Path, PathBuf};

/// The manifest's first line.
const HEADER: &str = "fixture-kit manifest 1";

/// One generated test.
pub struct Entry {
    /// `topic::task::agent`, already sanitized.
    pub test_name: String,
    /// `topic/task/agent` as on disk.
    pub id: String,
    /// Whether the fixture holds a `verify.rs`.
    pub local_verify: bool,
}

/// One generated test of a scenario or runbook suite.
pub struct Case {
    /// `scenarios::name::case`, already sanitized.
    pub test_name: String,
    /// What the runtime needs to find the case again.
    pub key: String,
}

/// What the build script found.
pub struct Manifest {
    pub entries: Vec<Entry>,
    pub cases: Vec<Case>,
    /// Tasks' `pipeline` tests; the key is `topic/task`.
    pub pipelines: Vec<Case>,
    /// `path: message` lines, one per layout problem.
    pub problems: Vec<String>,
}

/// Reads the manifest for `root`; `Err` says what to do instead.
pub fn read(root: &str) -> Result<Manifest, String> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
        format!(
            "fixture-kit: no build script discovered `{root}`: add `build.rs` with \
             `fn main() {{ fixture_runtime::build::fixtures(\"{root}\"); }}` and \
             `fixture-runtime` under [build-dependencies]"
        )
    })?;
    let path = manifest_path(Path::new(&out_dir), root);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "fixture-kit: `{root}` was not discovered by the build script: call \
             `fixture_runtime::build::fixtures(\"{root}\")` in build.rs"
        )
    })?;
    parse(&text).ok_or_else(|| {
        format!(
            "fixture-kit: {} is not a manifest this version reads: run `cargo clean -p <package>`",
            path.display()
        )
    })
}

/// Mirrors `fixture_runtime::build::manifest_path`.
fn manifest_path(out_dir: &Path, root: &str) -> PathBuf {
    let name: String = root
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    out_dir.join("fixture-kit").join(format!("{name}.manifest"))
}

fn parse(text: &str) -> Option<Manifest> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut manifest = Manifest {
        entries: Vec::new(),
        cases: Vec::new(),
        pipelines: Vec::new(),
        problems: Vec::new(),
    };
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["fixture", test_name, id, flags] => manifest.entries.push(Entry {
                test_name: (*test_name).to_owned(),
                id: (*id).to_owned(),
                local_verify: *flags == "verify",
            }),
            ["case", test_name, key] => manifest.cases.push(Case {
                test_name: (*test_name).to_owned(),
                key: (*key).to_owned(),
            }),
            ["pipeline", test_name, key] => manifest.pipelines.push(Case {
                test_name: (*test_name).to_owned(),
                key: (*key).to_owned(),
            }),
            ["problem", path, message] => manifest.problems.push(format!("{path}: {message}")),
            _ => return None,
        }
    }
    Some(manifest)
}

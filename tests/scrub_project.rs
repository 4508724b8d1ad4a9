//! The secret scrubber against this project's own files: no false
//! positives in the bundled fixtures, scenarios, runbooks, source and docs.

use std::fs;
use std::path::Path;

use fixture_kit::scrub::Scrubber;

/// Zero false positives: the bundled fixtures and scenarios, the project's
/// own source and its docs come out unchanged. (The scrubber's own tests,
/// with their samples, are not among them.)
#[test]
fn project_files_come_out_unchanged() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for root in [
        "fixtures",
        "scenarios",
        "runbooks",
        "fixture-runtime/src",
        "fixture-macros/src",
        "fixture-runtime/benches",
        "src",
        "tests",
        "docs",
        "README.md",
        "BENCHMARKS.md",
    ] {
        for entry in walkdir::WalkDir::new(workspace.join(root)).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(text) = fs::read_to_string(entry.path()) else {
                continue;
            };
            if let Some(finding) = Scrubber::global().find(&text) {
                let line = text[..finding.offset].matches('\n').count() + 1;
                panic!(
                    "{}:{line}: flagged as {}",
                    entry.path().display(),
                    finding.kind
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} files checked");
}

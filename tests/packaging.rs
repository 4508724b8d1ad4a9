//! What `cargo package` puts in each crate: what a user needs (the code,
//! its README and the license files its license names) and none of this
//! repository's bundled fixtures, scenarios, runbooks, tests or stand-in
//! agent. `cargo package --list` builds nothing, so this is cheap.

use std::fs;
use std::path::Path;
use std::process::Command;

/// The files `cargo package` would put in `package`.
fn package_list(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--quiet",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo package --list -p {package}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn assert_holds(package: &str, files: &[String], needed: &[&str]) {
    for file in needed {
        assert!(
            files.iter().any(|f| f == file),
            "the {package} package lacks {file}:\n{}",
            files.join("\n")
        );
    }
}

#[test]
fn the_fixture_kit_package_holds_the_library_and_command_and_no_bundled_data() {
    let files = package_list("fixture-kit");
    let needed = ["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE"];
    assert_holds("fixture-kit", &files, &needed);
    assert_holds("fixture-kit", &files, &["src/lib.rs", "src/main.rs"]);
    let ours = [
        "fixtures/",
        "scenarios/",
        "runbooks/",
        "schemas/",
        "tests/",
        "examples/",
        "benches/",
        "build.rs",
        "golden-fixtures.config.json",
    ];
    let stray: Vec<&String> = files
        .iter()
        .filter(|file| ours.iter().any(|prefix| file.starts_with(prefix)))
        .collect();
    assert!(
        stray.is_empty(),
        "the fixture-kit package holds repository-only files (see `include` in Cargo.toml): {stray:?}"
    );
}

#[test]
fn each_library_package_holds_its_readme_and_license_files() {
    for package in ["fixture-runtime", "fixture-macros"] {
        let files = package_list(package);
        let needed = ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs"];
        assert_holds(package, &files, &needed);
    }
}

/// The runtime's tests read copies of bundled data kept inside its own
/// package (`fixture-runtime/tests/data/`), so that they run from the
/// published crate too; each copy equals the original of the same path
/// here, so re-recording a scenario or editing a runbook says to refresh
/// the copy.
#[test]
fn the_runtime_test_data_equals_the_bundled_originals() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = repo.join("fixture-runtime/tests/data");
    let mut compared = 0;
    for copied in ["scenarios", "runbooks", "fixtures"] {
        for entry in walkdir::WalkDir::new(data.join(copied)).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(&data).unwrap();
            let original = fs::read(repo.join(rel)).unwrap_or_default();
            assert!(
                fs::read(entry.path()).unwrap() == original,
                "fixture-runtime/tests/data/{} differs from {}: copy it again \
                 (`cp {1} fixture-runtime/tests/data/{0}`)",
                rel.display(),
                rel.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "only {compared} copied files");
}

/// A crate with golden fixtures only (`default-features = false` on both
/// dependencies) compiles no CLI stack, Markdown parser or HTTP client;
/// with the defaults it does. `cargo tree` resolves without building.
#[test]
fn the_leanest_features_leave_out_the_cli_stack_markdown_parser_and_http_client() {
    let tree = |features: &[&str]| -> Vec<String> {
        let output = Command::new(env!("CARGO"))
            .args(["tree", "--quiet", "--offline", "-p", "fixture-kit"])
            .args([
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "--format",
                "{lib}",
            ])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|lib| lib.trim_end_matches(" (*)").to_owned())
            .collect()
    };
    let heavy = ["clap", "libtest_mimic", "pulldown_cmark", "ureq"];
    let lean = tree(&["--no-default-features"]);
    let full = tree(&[]);
    for name in heavy {
        assert!(
            !lean.iter().any(|lib| lib == name),
            "`{name}` is compiled without default features"
        );
        assert!(
            full.iter().any(|lib| lib == name),
            "`{name}` is gone from the defaults"
        );
    }
}

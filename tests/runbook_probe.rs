//! Drives Cargo on a throw-away crate that uses `#[runbook_suite]`: every
//! lane of every runbook becomes a test, with no source edit, and a runbook
//! that does not parse is a `compile_error!` naming its file and line.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const GOOD: &str = "# Good\n\n## First lane\n\n```console\n$ true\n```\n\n\
                    ## Second: lane\n\n```console\n$ echo hi\nhi\n```\n";
const BAD: &str = "# Bad\n\n## Lane\n\n```http\nGET http://127.0.0.1:1/\n```\n";

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    Command::new(env!("CARGO"))
        .arg(subcommand)
        .args(["--offline", "--quiet", "--color", "never"])
        .args(rest)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", repo.join("target/compile-probe"))
        .output()
        .unwrap()
}

#[test]
fn runbook_lanes_become_tests_and_a_bad_runbook_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"runbook-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dev-dependencies]\nfixture-kit = {{ path = {repo:?} }}\n\n\
             [build-dependencies]\nfixture-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            repo.join("fixture-runtime")
        ),
    );
    fs::copy(repo.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    write("src/lib.rs", "");
    write(
        "build.rs",
        "fn main() {\n    fixture_runtime::build::runbooks(\"books\");\n}\n",
    );
    write(
        "tests/books.rs",
        "#[fixture_kit::runbook_suite(runbooks = \"books\")]\n\
         fn books() -> fixture_kit::RunbookSuite {\n    fixture_kit::RunbookSuite::new()\n}\n",
    );
    write("books/good-one.md", GOOD);

    let output = cargo(dir.path(), &["test", "--test", "books", "--", "--list"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.ends_with(": test"))
            .collect::<Vec<_>>(),
        [
            "runbooks::good_one::first_lane: test",
            "runbooks::good_one::second_lane: test"
        ]
    );

    write("books/bad.md", BAD);
    let output = cargo(
        dir.path(),
        &["check", "--tests", "--message-format", "short"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the probe must not build");
    let expected = "tests/books.rs:1:1: error: malformed runbook: books/bad.md:5: an `http` \
                    block needs the expected status line after the request, e.g. `HTTP 200`";
    assert!(
        stderr.lines().any(|line| line == expected),
        "no `{expected}` in:\n{stderr}"
    );
}

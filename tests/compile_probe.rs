//! Drives Cargo on throw-away crates that use `#[fixture_suite]` and
//! `#[runbook_suite]`, to prove what only a real build can show: each
//! malformed tree is a `compile_error!` at the attribute naming the path,
//! the build script makes new or removed fixture folders (and runbook lanes)
//! new or removed tests without any source edit, and nextest partitions the
//! generated tests.
//!
//! The probes build into this package's own target folder, with its dev
//! profile and lock file, so they reuse the dependencies `cargo test` has
//! just built (Cargo releases its lock while tests run) and compile only
//! their own few lines. They build (`cargo build --tests`) rather than
//! check, for the same reason: a check would compile every dependency
//! again as metadata.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate in a temporary folder that depends on this checkout. Each probe
/// has its own package name: probes build into one shared target folder,
/// and must not overwrite each other's test binaries.
struct Probe {
    dir: tempfile::TempDir,
    name: &'static str,
    discoveries: Vec<String>,
    harnesses: Vec<String>,
}

impl Probe {
    fn new(name: &'static str) -> Probe {
        Probe {
            dir: tempfile::tempdir().unwrap(),
            name,
            discoveries: Vec::new(),
            harnesses: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A fixture folder with a prompt and a canonical planner golden, and
    /// the task's `repo/` holding the file it plans for.
    fn planner(&self, rel: &str) {
        self.write(&format!("{rel}/prompt.md"), "Plan the change.\n");
        self.write(&format!("{rel}/expected.json"), PLANNER_GOLDEN);
        let task = rel.rsplit_once('/').map_or(rel, |(task, _)| task);
        self.write(&format!("{task}/repo/src/lib.rs"), "pub fn f() {}\n");
    }

    /// A test file `tests/<name>.rs` with a suite over `root`.
    fn suite(&mut self, name: &str, root: &str) {
        self.discoveries.push(format!("fixtures(\"{root}\")"));
        self.write(
            &format!("tests/{name}.rs"),
            &format!(
                "#[fixture_kit::fixture_suite(fixtures = \"{root}\")]\n\
                 fn suite() -> fixture_kit::Suite {{\n    fixture_kit::Suite::new()\n}}\n"
            ),
        );
    }

    /// A test file `tests/<name>.rs` with a runbook suite over `root`.
    fn runbook_suite(&mut self, name: &str, root: &str) {
        self.discoveries.push(format!("runbooks(\"{root}\")"));
        self.write(
            &format!("tests/{name}.rs"),
            &format!(
                "#[fixture_kit::runbook_suite(runbooks = \"{root}\")]\n\
                 fn books() -> fixture_kit::RunbookSuite {{\n    fixture_kit::RunbookSuite::new()\n}}\n"
            ),
        );
    }

    /// A `harness = false` test `tests/<name>.rs` that verifies `root` at
    /// run time through `fixture_kit::cli::harness`.
    fn harness(&mut self, name: &str, root: &str) {
        self.harnesses.push(name.to_owned());
        self.write(
            &format!("tests/{name}.rs"),
            &format!(
                "fn main() -> std::process::ExitCode {{\n    fixture_kit::cli::harness(\n        \
                 concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{root}\"),\n        \
                 fixture_kit::Suite::new(),\n    )\n}}\n"
            ),
        );
    }

    fn cargo(&self, args: &[&str]) -> Output {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let calls: String = self
            .discoveries
            .iter()
            .map(|call| format!("    fixture_runtime::build::{call};\n"))
            .collect();
        self.write("build.rs", &format!("fn main() {{\n{calls}}}\n"));
        let harnesses: String = self
            .harnesses
            .iter()
            .map(|name| format!("\n[[test]]\nname = \"{name}\"\nharness = false\n"))
            .collect();
        self.write(
            "Cargo.toml",
            &format!(
                "[package]\nname = \"probe-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
                 [dev-dependencies]\nfixture-kit = {{ path = {repo:?} }}\n\n\
                 [build-dependencies]\nfixture-runtime = {{ path = {:?} }}\n{harnesses}\n\
                 {DEV_PROFILE}\n[workspace]\n",
                self.name,
                repo.join("fixture-runtime")
            ),
        );
        if !self.path().join("Cargo.lock").exists() {
            fs::copy(repo.join("Cargo.lock"), self.path().join("Cargo.lock")).unwrap();
        }
        self.write("src/lib.rs", "");
        // Cargo's own flags go right after the subcommand (`nextest run`).
        let split = if args.first() == Some(&"nextest") {
            2
        } else {
            1
        };
        let (subcommand, rest) = args.split_at(split);
        let quiet = if split == 2 {
            "--cargo-quiet"
        } else {
            "--quiet"
        };
        Command::new(env!("CARGO"))
            .args(subcommand)
            .args(["--offline", quiet, "--color", "never"])
            .args(rest)
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("UPDATE_GOLDENS")
            .output()
            .unwrap()
    }
}

/// The target folder this test binary was built in (`<target>/debug/deps/`
/// holds it): shared by every probe, so dependencies build once, and
/// usually already built.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("a test binary lives in <target>/<profile>/deps/")
        .to_owned()
}

/// This workspace's dev profile, which the probes need to share its built
/// dependencies (a profile is read from the workspace root only).
const DEV_PROFILE: &str =
    "[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n";

#[test]
fn the_probes_copy_the_workspace_dev_profile() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    assert!(
        manifest.unwrap().contains(DEV_PROFILE),
        "Cargo.toml's [profile.dev] changed: change DEV_PROFILE in tests/compile_probe.rs \
         to match, or every probe builds its dependencies again"
    );
}

const PLANNER_GOLDEN: &str = r#"{
  "tasks": [
    {
      "id": "t1",
      "description": "Do it.",
      "file": "src/lib.rs",
      "type": "feature",
      "complexity": "low",
      "dependsOn": []
    }
  ],
  "ambiguities": [],
  "invalidTaskCount": 0
}
"#;

/// A suite name, how to break its tree, and the error text it must give.
type Case = (&'static str, fn(&Probe), &'static str);

#[test]
fn each_malformed_tree_is_a_compile_error_at_the_attribute_naming_the_path() {
    let mut probe = Probe::new("malformed");
    let cases: &[Case] = &[
        (
            "unknown_agent",
            |p| p.planner("cases/unknown_agent/t/task/planer"),
            "cases/unknown_agent/t/task/planer: unknown agent folder `planer`: expected one of \
             architect, planner, coder, reviewer (source the agents see belongs in `repo/`); did \
             you mean `planner`?",
        ),
        (
            "misspelt_golden",
            |p| {
                p.write("cases/misspelt_golden/t/task/planner/prompt.md", "p");
                p.write(
                    "cases/misspelt_golden/t/task/planner/expected.jsn",
                    PLANNER_GOLDEN,
                );
            },
            "cases/misspelt_golden/t/task/planner/expected.jsn: `expected.json` is missing; did \
             you mean `expected.jsn`? rename it to `expected.json`",
        ),
        (
            "no_prompt",
            |p| {
                p.write(
                    "cases/no_prompt/t/task/planner/expected.json",
                    PLANNER_GOLDEN,
                )
            },
            "cases/no_prompt/t/task/planner/prompt.md: missing",
        ),
        (
            "no_golden",
            |p| p.write("cases/no_golden/t/task/planner/prompt.md", "p"),
            "cases/no_golden/t/task/planner/expected.json: missing golden",
        ),
        (
            "both_goldens",
            |p| {
                p.planner("cases/both_goldens/t/task/planner");
                p.write("cases/both_goldens/t/task/planner/expected.patch", "");
            },
            "cases/both_goldens/t/task/planner: holds both",
        ),
        (
            "wrong_kind",
            |p| {
                p.write("cases/wrong_kind/t/task/coder/prompt.md", "p");
                p.write("cases/wrong_kind/t/task/coder/expected.json", "{}");
            },
            "cases/wrong_kind/t/task/coder/expected.json: wrong golden kind",
        ),
        (
            "empty_topic",
            |p| {
                p.planner("cases/empty_topic/t/task/planner");
                fs::create_dir_all(p.path().join("cases/empty_topic/lonely")).unwrap();
            },
            "cases/empty_topic/lonely: topic folder with no agent fixtures",
        ),
        (
            "empty_task",
            |p| {
                p.planner("cases/empty_task/t/task/planner");
                p.write("cases/empty_task/t/only-repo/repo/src/lib.rs", "");
            },
            "cases/empty_task/t/only-repo: task folder with no agent fixtures",
        ),
        (
            "collision",
            |p| {
                p.planner("cases/collision/t/a-b/planner");
                p.planner("cases/collision/t/a_b/planner");
            },
            "cases/collision/t/a_b: test name `a_b` is taken by",
        ),
        (
            "non_utf8",
            |p| {
                use std::os::unix::ffi::OsStrExt;
                p.planner("cases/non_utf8/t/task/planner");
                let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
                fs::create_dir_all(p.path().join("cases/non_utf8").join(name)).unwrap();
            },
            "folder name is not valid UTF-8",
        ),
        (
            "lone_pipeline_must_fail",
            |p| {
                p.planner("cases/lone_pipeline_must_fail/t/task/planner");
                p.write(
                    "cases/lone_pipeline_must_fail/t/task/fixture.json",
                    r#"{"pipeline_must_fail": {"rule": "pipeline", "because": "x"}}"#,
                );
            },
            "cases/lone_pipeline_must_fail/t/task/fixture.json: declares `pipeline_must_fail`, \
             but the task has no pair",
        ),
    ];
    for (name, make, _) in cases {
        make(&probe);
        probe.suite(name, &format!("cases/{name}"));
    }
    let output = probe.cargo(&[
        "build",
        "--tests",
        "--keep-going",
        "--message-format",
        "short",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the probe must not build:\n{stderr}"
    );
    for (name, _, needle) in cases {
        let at_attribute = format!("tests/{name}.rs:1:1: error: malformed fixture tree: ");
        let found = stderr
            .lines()
            .any(|line| line.starts_with(&at_attribute) && line.contains(needle));
        assert!(found, "no `{at_attribute}...{needle}` in:\n{stderr}");
    }
}

#[test]
fn fixture_folders_become_tests_without_source_edits() {
    let mut probe = Probe::new("folders");
    probe.planner("fixtures/zero-change/task-001/planner");
    probe.suite("golden", "fixtures");
    let list = |probe: &Probe| {
        let output = probe.cargo(&[
            "test", "--test", "golden", "--", "--list", "--format", "terse",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(list(&probe), "zero_change::task_001::planner: test\n");

    let copy = probe.path().join("fixtures/single-file/task-002/planner");
    fs::create_dir_all(&copy).unwrap();
    for file in ["prompt.md", "expected.json"] {
        let from = probe
            .path()
            .join("fixtures/zero-change/task-001/planner")
            .join(file);
        fs::copy(from, copy.join(file)).unwrap();
    }
    assert_eq!(
        list(&probe),
        "single_file::task_002::planner: test\nzero_change::task_001::planner: test\n"
    );

    fs::remove_dir_all(probe.path().join("fixtures/zero-change")).unwrap();
    assert_eq!(list(&probe), "single_file::task_002::planner: test\n");
}

#[test]
fn nextest_partitions_run_each_fixture_exactly_once() {
    let mut probe = Probe::new("partitions");
    for task in ["a", "b", "c", "d", "e"] {
        probe.planner(&format!("fixtures/topic-{task}/task/planner"));
    }
    probe.suite("golden", "fixtures");
    let mut seen = Vec::new();
    for k in 1..=3 {
        let partition = format!("count:{k}/3");
        let output = probe.cargo(&[
            "nextest",
            "run",
            "--test",
            "golden",
            "--partition",
            &partition,
            "--no-fail-fast",
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "cargo nextest run --partition {partition} (cargo-nextest ships with this \
             machine kind):\n{stderr}"
        );
        // `        PASS [   0.004s] (1/2) probe::golden topic_a::task::planner`
        seen.extend(
            stderr
                .lines()
                .filter(|line| line.trim_start().starts_with("PASS ["))
                .filter_map(|line| line.split_whitespace().last())
                .map(str::to_owned),
        );
    }
    seen.sort();
    let expected: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|t| format!("topic_{t}::task::planner"))
        .collect();
    assert_eq!(seen, expected, "every fixture ran in exactly one partition");
}

#[test]
fn runbook_lanes_become_tests_and_a_bad_runbook_is_a_compile_error() {
    let mut probe = Probe::new("runbooks");
    probe.write(
        "books/good-one.md",
        "# Good\n\n## First lane\n\n```console\n$ true\n```\n\n\
         ## Second: lane\n\n```console\n$ echo hi\nhi\n```\n",
    );
    probe.runbook_suite("books", "books");
    let output = probe.cargo(&[
        "test", "--test", "books", "--", "--list", "--format", "terse",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "runbooks::good_one::first_lane: test\nrunbooks::good_one::second_lane: test\n"
    );

    probe.write(
        "books/bad.md",
        "# Bad\n\n## Lane\n\n```http\nGET http://127.0.0.1:1/\n```\n",
    );
    let output = probe.cargo(&["build", "--tests", "--message-format", "short"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the probe must not build");
    let expected = "tests/books.rs:1:1: error: malformed runbook: books/bad.md:5: an `http` \
                    block needs the expected status line after the request, e.g. `HTTP 200`";
    assert!(
        stderr.lines().any(|line| line == expected),
        "no `{expected}` in:\n{stderr}"
    );
}

#[test]
fn the_run_time_harness_serves_nextest() {
    let mut probe = Probe::new("harness");
    for task in ["a", "b", "c"] {
        probe.planner(&format!("fixtures/topic-{task}/task/planner"));
    }
    // One fixture whose golden breaks its contract.
    probe.write("fixtures/topic-d/task/planner/prompt.md", "Plan.\n");
    probe.write(
        "fixtures/topic-d/task/planner/expected.json",
        "{\"tasks\": 1}\n",
    );
    probe.harness("verify", "fixtures");
    let list = probe.cargo(&["nextest", "list", "--test", "verify"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    for task in ["a", "b", "c", "d"] {
        let name = format!("topic_{task}::task::planner");
        assert!(listed.contains(&name), "{name} not listed:\n{listed}");
    }
    let run = probe.cargo(&["nextest", "run", "--test", "verify", "--no-fail-fast"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "the broken fixture fails:\n{stderr}");
    // nextest repeats failures in its closing summary: one name per test.
    let status = |verdict: &str| -> Vec<String> {
        let names: std::collections::BTreeSet<String> = stderr
            .lines()
            .filter(|line| line.trim_start().starts_with(&format!("{verdict} [")))
            .filter_map(|line| line.split_whitespace().last())
            .map(str::to_owned)
            .collect();
        names.into_iter().collect()
    };
    assert_eq!(
        status("PASS"),
        [
            "topic_a::task::planner",
            "topic_b::task::planner",
            "topic_c::task::planner"
        ],
        "{stderr}"
    );
    assert_eq!(status("FAIL"), ["topic_d::task::planner"], "{stderr}");
    assert!(
        stderr.contains("[contract]"),
        "the failure says why:\n{stderr}"
    );
    // `cargo test FILTER` hands the filter to every test target: a harness
    // holding no such fixture runs nothing and passes, as libtest's do.
    let other = probe.cargo(&["test", "--test", "verify", "--", "no_such::fixture"]);
    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert!(
        String::from_utf8_lossy(&other.stdout).contains("0 passed; 0 failed"),
        "{}",
        String::from_utf8_lossy(&other.stdout)
    );
}

#[test]
fn a_task_with_a_plan_and_a_patch_gets_a_pipeline_test_in_both_harnesses() {
    let mut probe = Probe::new("pipeline");
    probe.planner("fixtures/t/ok/planner");
    probe.planner("fixtures/t/astray/planner");
    let patch = |extra: bool| {
        let mut text = String::from(
            "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n\
             @@ -1 +1 @@\n-pub fn f() {}\n+pub fn f() -> u8 { 1 }\n",
        );
        if extra {
            text.push_str(
                "diff --git a/src/extra.rs b/src/extra.rs\nnew file mode 100644\n\
                 --- /dev/null\n+++ b/src/extra.rs\n@@ -0,0 +1 @@\n+pub fn g() {}\n",
            );
        }
        text
    };
    for (task, extra) in [("ok", false), ("astray", true)] {
        probe.write(&format!("fixtures/t/{task}/coder/prompt.md"), "Do it.\n");
        probe.write(
            &format!("fixtures/t/{task}/coder/expected.patch"),
            &patch(extra),
        );
    }
    probe.suite("golden", "fixtures");
    probe.harness("verify", "fixtures");
    let names = [
        "t::astray::coder",
        "t::astray::pipeline",
        "t::astray::planner",
        "t::ok::coder",
        "t::ok::pipeline",
        "t::ok::planner",
    ];
    for target in ["golden", "verify"] {
        let list = probe.cargo(&[
            "test", "--test", target, "--", "--list", "--format", "terse",
        ]);
        let listed = String::from_utf8_lossy(&list.stdout);
        let expected: String = names.iter().map(|n| format!("{n}: test\n")).collect();
        assert_eq!(
            listed,
            expected,
            "{target}: {}",
            String::from_utf8_lossy(&list.stderr)
        );
        let run = probe.cargo(&["test", "--test", target, "--", "--test-threads", "1"]);
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(!run.status.success(), "{target}: {stdout}");
        assert!(stdout.contains("5 passed; 1 failed"), "{target}: {stdout}");
        assert!(
            stdout.contains("---- t::astray::pipeline")
                && stdout.contains(
                    "[pipeline] fixtures/t/astray/coder/expected.patch:7 vs \
                     fixtures/t/astray/planner/expected.json: tasks[*].file: the patch touches \
                     `src/extra.rs`, which no planner task names"
                ),
            "{target}: {stdout}"
        );
    }
}

#[test]
fn a_fixture_local_verify_rs_runs_and_can_fail() {
    let mut probe = Probe::new("local-verify");
    for task in ["keeps", "breaks"] {
        probe.planner(&format!("fixtures/plans/{task}/planner"));
    }
    let verify = |limit: usize| {
        format!(
            "pub fn verify(\n    plan: &fixture_kit::contract::PlannerOutput,\n    \
             _fixture: &fixture_kit::Fixture,\n) -> Result<(), String> {{\n    \
             if plan.tasks.len() > {limit} {{\n        \
             return Err(format!(\"{{}} tasks, at most {limit}\", plan.tasks.len()));\n    }}\n    \
             Ok(())\n}}\n"
        )
    };
    probe.write("fixtures/plans/keeps/planner/verify.rs", &verify(1));
    probe.write("fixtures/plans/breaks/planner/verify.rs", &verify(0));
    probe.suite("golden", "fixtures");
    let output = probe.cargo(&["test", "--test", "golden", "--", "--test-threads", "1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed; 1 failed"), "{stdout}");
    assert!(
        stdout.contains("---- plans::breaks::planner stdout ----"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("[local-verify] fixtures/plans/breaks/planner/verify.rs: 1 tasks, at most 0"),
        "{stdout}"
    );
}

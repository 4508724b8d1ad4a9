//! The `fixture-kit` command end to end, on temporary fixture trees.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::SPEC;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// An architect fixture at `fixtures/<rel>/architect`.
fn architect(dir: &Path, rel: &str) {
    write(
        dir,
        &format!("fixtures/{rel}/architect/prompt.md"),
        "Design it.\n",
    );
    write(
        dir,
        &format!("fixtures/{rel}/architect/expected.json"),
        SPEC,
    );
}

fn fixture_kit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fixture-kit"))
        .args(args)
        .current_dir(dir)
        .env_remove("UPDATE_GOLDENS")
        .env_remove("FIXTURE_STRICT_REAL_AGENTS")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn both(output: &Output) -> String {
    format!(
        "{}{}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn list_terse_prints_only_name_lines_as_nextest_expects() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "b-topic/task-2");
    architect(dir.path(), "a-topic/task-1");
    let output = fixture_kit(dir.path(), &["verify", "--list", "--format", "terse"]);
    assert!(output.status.success(), "{}", both(&output));
    assert_eq!(
        stdout(&output),
        "a_topic::task_1::architect: test\nb_topic::task_2::architect: test\n"
    );
    let ignored = fixture_kit(
        dir.path(),
        &["verify", "--list", "--format", "terse", "--ignored"],
    );
    assert!(ignored.status.success());
    assert_eq!(stdout(&ignored), "", "no fixture is ignored");
}

#[test]
fn exact_reads_only_the_named_fixture() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "good/task-1");
    // Elsewhere the tree is malformed: a full scan refuses to run.
    write(dir.path(), "fixtures/broken/task/planer/prompt.md", "");
    let scan = fixture_kit(dir.path(), &["verify"]);
    assert_eq!(scan.status.code(), Some(2), "{}", both(&scan));
    assert!(
        both(&scan).contains("unknown agent folder `planer`"),
        "{}",
        both(&scan)
    );

    let exact = fixture_kit(
        dir.path(),
        &[
            "verify",
            "good::task_1::architect",
            "--exact",
            "--nocapture",
        ],
    );
    assert!(exact.status.success(), "{}", both(&exact));
    assert!(stdout(&exact).contains("1 passed"), "{}", stdout(&exact));
}

#[test]
fn verify_fails_with_the_rule_and_the_fixture_path() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/task-1");
    write(
        dir.path(),
        "fixtures/design/task-1/architect/expected.json",
        "{\"highLevelSummary\": 1}",
    );
    let output = fixture_kit(dir.path(), &["verify"]);
    assert_eq!(output.status.code(), Some(101), "{}", both(&output));
    let text = both(&output);
    assert!(
        text.contains("fixture fixtures/design/task-1/architect failed"),
        "{text}"
    );
    assert!(text.contains("[contract]"), "{text}");
    assert!(
        text.contains("fixture-kit verify: FAILED: 1 fixtures"),
        "{text}"
    );
}

#[test]
fn golden_runs_exactly_the_listed_subset() {
    let dir = tempfile::tempdir().unwrap();
    for rel in ["a/one", "a/two", "b/three"] {
        architect(dir.path(), rel);
    }
    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["a/two/architect", "b/three/architect"] }"#,
    );
    let output = fixture_kit(
        dir.path(),
        &["verify", "--golden", "--format", "terse", "--list"],
    );
    assert!(output.status.success(), "{}", both(&output));
    assert_eq!(
        stdout(&output),
        "a::two::architect: test\nb::three::architect: test\n"
    );
    let run = fixture_kit(dir.path(), &["verify", "--golden"]);
    assert!(stdout(&run).contains("2 passed"), "{}", both(&run));

    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["a/two/architect", "a/gone/architect"] }"#,
    );
    let bad = fixture_kit(dir.path(), &["verify", "--golden"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        both(&bad).contains("fixtures[1] `a/gone/architect` does not exist"),
        "{}",
        both(&bad)
    );
}

#[test]
fn update_flag_records_and_second_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/task-1");
    let golden = dir
        .path()
        .join("fixtures/design/task-1/architect/expected.json");
    let compact: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    fs::write(&golden, compact.to_string()).unwrap();
    let update = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_fixture-kit"))
            .args(["verify", "--update"])
            .current_dir(dir)
            .env_remove("CI")
            .env_remove("TF_BUILD")
            .output()
            .unwrap()
    };
    let first = update(dir.path());
    assert!(first.status.success(), "{}", both(&first));
    assert!(stdout(&first).contains("wrote fixtures/design/task-1/architect/expected.json"));
    assert_eq!(fs::read_to_string(&golden).unwrap(), SPEC);
    let second = update(dir.path());
    assert!(second.status.success());
    assert!(!stdout(&second).contains("wrote"), "{}", stdout(&second));

    fs::write(&golden, compact.to_string()).unwrap();
    let in_ci = Command::new(env!("CARGO_BIN_EXE_fixture-kit"))
        .args(["verify", "--update"])
        .current_dir(dir.path())
        .env("CI", "true")
        .env_remove("FIXTURE_KIT_FORCE_UPDATE")
        .output()
        .unwrap();
    assert!(!in_ci.status.success());
    assert!(
        both(&in_ci).contains("refusing to write"),
        "{}",
        both(&in_ci)
    );
}

#[test]
fn doctor_catches_each_problem_it_claims_to() {
    let dir = tempfile::tempdir().unwrap();
    let clean = fixture_kit(dir.path(), &["doctor"]);
    assert!(!clean.status.success(), "an empty tree is no fixture tree");

    architect(dir.path(), "design/task-1");
    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["design/task-1/architect"] }"#,
    );
    let ok = fixture_kit(dir.path(), &["doctor", "--json"]);
    assert!(ok.status.success(), "{}", both(&ok));
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["fail"], 0, "{report:#}");

    // A missing golden, a non-canonical golden, a layout problem, an orphan
    // and a config entry that does not exist.
    write(
        dir.path(),
        "fixtures/design/task-2/architect/prompt.md",
        "p",
    );
    let compact: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    architect(dir.path(), "design/task-3");
    write(
        dir.path(),
        "fixtures/design/task-3/architect/expected.json",
        &compact.to_string(),
    );
    // Not canonical and breaking a rule too: the form is still reported.
    architect(dir.path(), "design/task-5");
    write(
        dir.path(),
        "fixtures/design/task-5/architect/expected.json",
        &compact
            .to_string()
            .replace("src/parity.ts", "dist/parity.js"),
    );
    write(dir.path(), "fixtures/design/task-4/planer/prompt.md", "p");
    write(dir.path(), "fixtures/design/expected.json", "{}");
    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["design/task-1/architect", "design/nope/architect"] }"#,
    );
    let output = fixture_kit(dir.path(), &["doctor", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", both(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let find = |name: &str, status: &str, needle: &str| {
        report["checks"].as_array().unwrap().iter().any(|check| {
            check["name"] == name
                && check["status"] == status
                && check["message"].as_str().unwrap().contains(needle)
        })
    };
    assert!(
        find(
            "golden",
            "fail",
            "task-2/architect/expected.json: missing golden"
        ),
        "{report:#}"
    );
    assert!(
        find(
            "golden",
            "fail",
            "task-3/architect/expected.json: not in canonical form"
        ),
        "{report:#}"
    );
    assert!(
        find(
            "golden",
            "fail",
            "task-5/architect/expected.json: not in canonical form"
        ),
        "{report:#}"
    );
    assert!(
        find("layout", "fail", "unknown agent folder `planer`"),
        "{report:#}"
    );
    assert!(
        find("orphan", "warn", "fixtures/design/expected.json"),
        "{report:#}"
    );
    assert!(
        find(
            "golden-config",
            "fail",
            "`design/nope/architect` does not exist"
        ),
        "{report:#}"
    );
}

#[test]
fn new_scaffolds_prompts_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let output = fixture_kit(
        dir.path(),
        &["new", "docs/task-9", "--agents", "planner,coder"],
    );
    assert!(output.status.success(), "{}", both(&output));
    assert!(dir
        .path()
        .join("fixtures/docs/task-9/planner/prompt.md")
        .is_file());
    assert!(dir
        .path()
        .join("fixtures/docs/task-9/coder/prompt.md")
        .is_file());
    assert!(!dir.path().join("fixtures/docs/task-9/architect").exists());
    let again = fixture_kit(dir.path(), &["new", "docs/task-9", "--agents", "planner"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(both(&again).contains("exists already"), "{}", both(&again));
    let bad = fixture_kit(dir.path(), &["new", "docs/task-9", "--agents", "tester"]);
    assert!(
        both(&bad).contains("unknown agent `tester`"),
        "{}",
        both(&bad)
    );
}

#[test]
fn scrub_reads_a_file_or_stdin() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // Assembled here so the source itself holds no token-shaped string.
    let token = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
    let name = ["GITHUB", "TOKEN"].join("_");
    let text = format!("export {name}={token}\nplain line\n");
    write(dir.path(), "log.txt", &text);
    let output = fixture_kit(dir.path(), &["scrub", "log.txt"]);
    assert!(output.status.success(), "{}", both(&output));
    let scrubbed = stdout(&output);
    assert!(!scrubbed.contains(&token), "{scrubbed}");
    assert!(scrubbed.contains("plain line\n"), "{scrubbed}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-kit"))
        .arg("scrub")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(piped.stdout).unwrap(), scrubbed);
}

#[test]
fn scrub_takes_patterns_allowed_values_and_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let example = ["AK", "IAIOSFODNN7", "EXAMPLE"].concat();
    write(
        dir.path(),
        "log.txt",
        &format!("acme_0123456789abcdef {example}\n"),
    );
    let output = fixture_kit(
        dir.path(),
        &[
            "scrub",
            "log.txt",
            "--pattern",
            r"acme-token=\bacme_[0-9a-f]{16}\b",
            "--allow",
            "AKIA.*EXAMPLE",
        ],
    );
    assert!(output.status.success(), "{}", both(&output));
    assert_eq!(
        stdout(&output),
        format!("<redacted:acme-token> {example}\n")
    );

    write(
        dir.path(),
        "scrub.json",
        r#"{"patterns": [{"kind": "acme-token", "regex": "acme_[0-9a-f]{16}"}]}"#,
    );
    let output = fixture_kit(dir.path(), &["scrub", "log.txt", "--config", "scrub.json"]);
    assert_eq!(
        stdout(&output),
        "<redacted:acme-token> <redacted:aws-access-key>\n"
    );

    let output = fixture_kit(
        dir.path(),
        &["scrub", "log.txt", "--pattern", "Bad Kind=x+"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", both(&output));
    assert!(
        both(&output).contains("patterns[0].kind"),
        "{}",
        both(&output)
    );

    let help = stdout(&fixture_kit(dir.path(), &["scrub", "--help"]));
    assert!(
        help.contains("<redacted:KIND>") && help.contains("--pattern"),
        "{help}"
    );
    assert!(!help.contains("dynamic fields from"), "{help}");
}

#[test]
fn scenario_validate_passes_the_bundled_scenarios_and_names_a_broken_line() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ok = fixture_kit(repo, &["scenario", "validate", "scenarios"]);
    assert!(ok.status.success(), "{}", both(&ok));

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("smoke-happy");
    let source = repo.join("scenarios/smoke-happy");
    for entry in walkdir::WalkDir::new(&source) {
        let entry = entry.unwrap();
        let target = copy.join(entry.path().strip_prefix(&source).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    let stdout_file = walkdir::WalkDir::new(&copy)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|entry| entry.file_name() == "stdout.jsonl")
        .unwrap()
        .into_path();
    let mut lines = fs::read_to_string(&stdout_file).unwrap();
    lines.push_str("{not json\n");
    let line = lines.lines().count();
    fs::write(&stdout_file, lines).unwrap();
    let broken = fixture_kit(dir.path(), &["scenario", "validate", "smoke-happy"]);
    assert_eq!(broken.status.code(), Some(1), "{}", both(&broken));
    let expected = format!("stdout.jsonl:{line}:");
    assert!(
        stdout(&broken).contains(&expected),
        "{expected} in {}",
        both(&broken)
    );
}

#[test]
fn schema_prints_one_contract_or_all() {
    let dir = tempfile::tempdir().unwrap();
    let planner = fixture_kit(dir.path(), &["schema", "planner"]);
    assert!(planner.status.success());
    let committed = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/planner.schema.json"),
    )
    .unwrap();
    assert_eq!(stdout(&planner), committed);
    let all: serde_json::Value =
        serde_json::from_slice(&fixture_kit(dir.path(), &["schema"]).stdout).unwrap();
    assert_eq!(all.as_object().unwrap().len(), 4);
    let bad = fixture_kit(dir.path(), &["schema", "tester"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn runbook_run_reports_each_lane_and_why_one_broke() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "smoke.md",
        "# Smoke\n\n## Greets\n\n```console\n$ echo hello\nhello\n```\n\n\
         ## Counts\n\n```console\n$ echo 3\n4\n```\n\n## After\n\n```console\n$ true\n```\n",
    );
    let output = fixture_kit(dir.path(), &["runbook", "run", "smoke.md"]);
    assert_eq!(output.status.code(), Some(1), "{}", both(&output));
    let report = stdout(&output);
    assert!(report.contains("worked             greets"), "{report}");
    assert!(report.contains("broke              counts"), "{report}");
    assert!(report.contains("reason: wrong output"), "{report}");
    assert!(report.contains("not reached        after"), "{report}");

    let json = fixture_kit(
        dir.path(),
        &["runbook", "run", "smoke.md", "--format", "json"],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["passed"], false, "{value:#}");

    write(
        dir.path(),
        "bad.md",
        "# Bad\n\n## Lane\n\n```daemon name=x\n$ sleep 1\n```\n",
    );
    let bad = fixture_kit(dir.path(), &["runbook", "run", "bad.md"]);
    assert_eq!(bad.status.code(), Some(2), "{}", both(&bad));
    assert!(both(&bad).contains("bad.md:"), "{}", both(&bad));
}

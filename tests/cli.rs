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

/// The JSON events of `verify --format json`, one per line.
fn events(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn legacy_verify_lists_each_unknown_key_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/task-1");
    architect(dir.path(), "design/task-2");
    write(
        dir.path(),
        "fixtures/design/task-1/architect/expected.json",
        &SPEC.replace(
            "\"apis\": [],",
            "\"apis\": [],\n  \"dataModel\": [],\n  \"owner\": \"x\",",
        ),
    );
    let strict = fixture_kit(dir.path(), &["verify"]);
    assert_eq!(strict.status.code(), Some(101), "{}", both(&strict));

    let output = fixture_kit(dir.path(), &["verify", "--legacy"]);
    assert!(output.status.success(), "{}", both(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "warning: design::task_1::architect: [contract] \
             fixtures/design/task-1/architect/expected.json: `dataModel`: unknown field; did \
             you mean `dataModels`?"
        ),
        "{text}"
    );
    assert!(text.contains("`owner`: unknown field"), "{text}");
    // The unknown keys stand between known ones: the form is off too.
    assert!(text.contains("golden is not in canonical form"), "{text}");
    assert!(
        text.contains("fixture-kit verify --legacy --update design::task_1::architect"),
        "the hint repeats --legacy, without which an update would not write: {text}"
    );
    assert!(text.contains("2 match their goldens"), "{text}");
    assert!(text.contains("; 3 warnings"), "{text}");

    let json = fixture_kit(dir.path(), &["verify", "--legacy", "--format", "json"]);
    assert!(json.status.success(), "{}", both(&json));
    let events = events(&json);
    let ok = events
        .iter()
        .find(|e| e["event"] == "ok" && e["name"] == "design::task_1::architect")
        .unwrap();
    let messages: Vec<&str> = ok["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages.contains(&"`owner`: unknown field"), "{messages:?}");
    let suite = events.last().unwrap();
    assert_eq!(suite["type"], "suite");
    assert_eq!(
        (suite["passed"].as_u64(), suite["warnings"].as_u64()),
        (Some(2), Some(3))
    );
}

#[test]
fn json_format_carries_failures_as_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/task-1");
    architect(dir.path(), "design/task-2");
    write(
        dir.path(),
        "fixtures/design/task-1/architect/expected.json",
        "{\"highLevelSummary\": \"a \\\"quoted\\\" word\"}",
    );
    let output = fixture_kit(
        dir.path(),
        &["verify", "--format", "json", "--skip", "task_2"],
    );
    assert_eq!(output.status.code(), Some(101), "{}", both(&output));
    let events = events(&output);
    let failed = events.iter().find(|e| e["event"] == "failed").unwrap();
    let text = failed["stdout"].as_str().unwrap();
    assert!(
        text.starts_with("fixture fixtures/design/task-1/architect failed"),
        "{text}"
    );
    assert!(!text.contains("Error: "), "{text}");
    assert_eq!(failed["violations"][0]["rule"], "contract");
    let hint = failed["violations"][0]["hint"].as_str().unwrap();
    assert!(hint.contains("`fixture-kit schema architect`"), "{hint}");
    assert!(!hint.contains(" schemas/"), "{hint}");
    let suite = events.last().unwrap();
    assert_eq!(
        (suite["failed"].as_u64(), suite["filtered_out"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn hints_from_verify_name_verify() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/task-1");
    let compact: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    write(
        dir.path(),
        "fixtures/design/task-1/architect/expected.json",
        &compact.to_string(),
    );
    let output = fixture_kit(dir.path(), &["verify"]);
    let text = both(&output);
    assert!(
        text.contains("run `fixture-kit verify --update design::task_1::architect`"),
        "{text}"
    );
    assert!(!text.contains("UPDATE_GOLDENS"), "{text}");
    assert!(
        text.contains("(-golden|+canonical)"),
        "the diff to the canonical form: {text}"
    );
    let strict = fixture_kit(dir.path(), &["verify", "--strict-real-agents"]);
    let text = both(&strict);
    assert!(text.contains("leave out `--strict-real-agents`"), "{text}");
    assert!(!text.contains("FIXTURE_STRICT_REAL_AGENTS"), "{text}");

    write(
        dir.path(),
        "fixtures/design/task-2/architect/prompt.md",
        "Design it.\n",
    );
    let missing = fixture_kit(dir.path(), &["verify", "task_2"]);
    let text = both(&missing);
    assert!(
        text.contains(
            "record it from a real agent with `fixture-kit verify --agent-cmd \"<command>\" \
             --update design::task_2::architect`"
        ),
        "{text}"
    );
    assert!(!text.contains("UPDATE_GOLDENS"), "{text}");
    let doctor = both(&fixture_kit(dir.path(), &["doctor"]));
    assert!(
        doctor.contains("fixture-kit verify --agent-cmd"),
        "{doctor}"
    );
    assert!(!doctor.contains("UPDATE_GOLDENS"), "{doctor}");
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
    // Canonical as written: an explicit null, a field with a default left
    // out (architect optional fields have none, so a null and an absent one).
    architect(dir.path(), "design/task-6");
    write(
        dir.path(),
        "fixtures/design/task-6/architect/expected.json",
        &SPEC.replace(
            "\"apis\": [],",
            "\"apis\": [\n    {\n      \"name\": \"a\",\n      \"description\": \"d\",\n      \
             \"method\": null\n    }\n  ],",
        ),
    );
    // Not canonical in a fixture that declares itself legacy: a warning.
    architect(dir.path(), "design/task-7");
    write(
        dir.path(),
        "fixtures/design/task-7/architect/expected.json",
        &compact.to_string(),
    );
    write(
        dir.path(),
        "fixtures/design/task-7/architect/fixture.json",
        r#"{"legacy": true}"#,
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
        !find("golden", "fail", "task-6/architect/expected.json"),
        "{report:#}"
    );
    assert!(
        find(
            "golden",
            "warn",
            "task-7/architect/expected.json: not in canonical form"
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
fn scenario_show_convert_and_upgrade_from_the_command_line() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = repo.join("fixture-runtime/tests/data/autoskillit/smoke-test");
    let dir = tempfile::tempdir().unwrap();
    let show = fixture_kit(dir.path(), &["scenario", "show", source.to_str().unwrap()]);
    assert!(show.status.success(), "{}", both(&show));
    assert!(
        stdout(&show).contains("autoskillit layout, 6 steps (4 sessions, 2 commands)"),
        "{}",
        both(&show)
    );
    assert!(stdout(&show).contains("  test              2 × command (exit 1), command (exit 0)"));

    let src = source.to_str().unwrap();
    let native = fixture_kit(
        dir.path(),
        &[
            "scenario",
            "convert",
            src,
            "--to",
            "fixture-kit",
            "--out",
            "native",
        ],
    );
    assert!(native.status.success(), "{}", both(&native));
    let valid = fixture_kit(dir.path(), &["scenario", "validate", "native"]);
    assert!(valid.status.success(), "{}", both(&valid));
    let same = fixture_kit(
        dir.path(),
        &["scenario", "convert", "native", "--to", "fixture-kit"],
    );
    assert_eq!(
        stdout(&same),
        "native: already in the fixture-kit layout; nothing written\n"
    );
    let again = fixture_kit(
        dir.path(),
        &[
            "scenario",
            "convert",
            src,
            "--to",
            "fixture-kit",
            "--out",
            "native",
        ],
    );
    assert_eq!(again.status.code(), Some(1), "{}", both(&again));
    assert!(
        both(&again).contains("not empty: refusing to write a scenario over it"),
        "{}",
        both(&again)
    );
    let bad = fixture_kit(
        dir.path(),
        &["scenario", "convert", "native", "--to", "yaml"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", both(&bad));

    let upgrade = fixture_kit(dir.path(), &["scenario", "upgrade", "native"]);
    assert!(upgrade.status.success(), "{}", both(&upgrade));
    assert_eq!(
        stdout(&upgrade),
        "rewritten: native/sessions/investigate_1/stdout.jsonl\n\
         rewritten: native/sessions/investigate_1/agent_session_log.jsonl\n\
         rewritten: native/sessions/implement_2/stdout.jsonl\n\
         rewritten: native/sessions/implement_2/agent_session_log.jsonl\n\
         rewritten: native/sessions/resolve_failures_3/stdout.jsonl\n\
         rewritten: native/sessions/resolve_failures_3/agent_session_log.jsonl\n\
         rewritten: native/sessions/open_pr_4/stdout.jsonl\n\
         rewritten: native/sessions/open_pr_4/agent_session_log.jsonl\n\
         native: schema_version 1 to 1: 8 files rewritten\n",
        "autoskillit recordings are not normalised: upgrading the converted copy does"
    );
    let twice = fixture_kit(dir.path(), &["scenario", "upgrade", "native"]);
    assert_eq!(
        stdout(&twice),
        "native: schema_version 1 to 1: already current; nothing rewritten\n"
    );
    let refused = fixture_kit(dir.path(), &["scenario", "upgrade", src]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        both(&refused).contains("in the autoskillit layout"),
        "{}",
        both(&refused)
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

#[test]
fn verify_compare_flag_judges_an_agent_by_meaning() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "design/parity");
    // The agent says the same in other words.
    let answer = dir.path().join("answer.json");
    fs::write(
        &answer,
        SPEC.replace("A parity checker.", "Checks parity of numbers."),
    )
    .unwrap();
    let agent = format!("cat {}", answer.display());
    let exact = fixture_kit(dir.path(), &["verify", "--agent-cmd", &agent]);
    assert!(!exact.status.success(), "{}", both(&exact));
    assert!(
        stdout(&exact).contains("actual output differs from the golden"),
        "{}",
        both(&exact)
    );
    let semantic = fixture_kit(
        dir.path(),
        &["verify", "--agent-cmd", &agent, "--compare", "semantic"],
    );
    assert!(semantic.status.success(), "{}", both(&semantic));
    let bad = fixture_kit(dir.path(), &["verify", "--compare", "fuzzy"]);
    assert_eq!(bad.status.code(), Some(2), "{}", both(&bad));
    assert!(
        both(&bad).contains("invalid value 'fuzzy' for '--compare <MODE>'"),
        "{}",
        both(&bad)
    );
}

#[test]
fn a_closed_stdout_ends_each_command_quietly_as_unix_tools_do() {
    use std::os::fd::FromRawFd;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "a-topic/task-1");
    for args in [
        &["verify", "--list"][..],
        &["verify"],
        &["doctor", "--json"],
        &["doctor"],
        &["schema"],
    ] {
        // A pipe whose reading end is closed before the command starts, so
        // its first write meets a closed pipe however fast it runs.
        let mut fds = [0; 2];
        // SAFETY: two valid descriptors are written into `fds`; close-on-exec
        // keeps other tests' children from holding the reading end.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: `fds` are open descriptors this test owns alone.
        let writer = unsafe {
            libc::close(fds[0]);
            std::os::fd::OwnedFd::from_raw_fd(fds[1])
        };
        let child = Command::new(env!("CARGO_BIN_EXE_fixture-kit"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("UPDATE_GOLDENS")
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            output.status.signal(),
            Some(SIGPIPE),
            "{args:?} ends as Unix tools do on a closed pipe: {:?} {stderr}",
            output.status
        );
    }
}

/// `SIGPIPE` (13 on every Unix fixture-kit runs on).
const SIGPIPE: i32 = 13;

#[test]
fn a_task_s_pipeline_test_is_listed_run_by_name_and_can_be_declared_to_fail() {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "t/plan");
    write(
        dir.path(),
        "fixtures/t/plan/planner/prompt.md",
        "Plan it.\n",
    );
    write(
        dir.path(),
        "fixtures/t/plan/planner/expected.json",
        "{\n  \"tasks\": [\n    {\n      \"id\": \"a\",\n      \"description\": \"Add it.\",\n      \
         \"file\": \"src/other.ts\"\n    }\n  ]\n}\n",
    );
    write(
        dir.path(),
        "fixtures/t/plan/planner/fixture.json",
        "{\"no_repo\": \"the plan only creates files\"}\n",
    );
    let list = fixture_kit(dir.path(), &["verify", "--list", "--format", "terse"]);
    assert_eq!(
        stdout(&list),
        "t::plan::architect: test\nt::plan::pipeline: test\nt::plan::planner: test\n",
        "{}",
        both(&list)
    );
    let exact = ["verify", "t::plan::pipeline", "--exact"];
    let failed = fixture_kit(dir.path(), &exact);
    assert_eq!(failed.status.code(), Some(101), "{}", both(&failed));
    assert!(
        stdout(&failed).contains(
            "[pipeline] fixtures/t/plan/planner/expected.json: tasks[0].file vs \
             fixtures/t/plan/architect/expected.json: recommendedFileStructure: task `a` creates \
             `src/other.ts`, which the design never mentions"
        ) && stdout(&failed).contains("1 failed"),
        "{}",
        both(&failed)
    );
    // Declared, it fails as declared; declared otherwise, it fails.
    for (because, code) in [
        ("which the design never mentions", 0),
        ("no such reason", 101),
    ] {
        write(
            dir.path(),
            "fixtures/t/plan/fixture.json",
            &format!(
                "{{\"pipeline_must_fail\": {{\"rule\": \"pipeline\", \"because\": \"{because}\"}}}}\n"
            ),
        );
        let run = fixture_kit(dir.path(), &exact);
        assert_eq!(run.status.code(), Some(code), "{}", both(&run));
    }
    let json = fixture_kit(dir.path(), &["verify", "--format", "json", "pipeline"]);
    assert!(
        stdout(&json).contains("\"name\": \"t::plan::pipeline\", \"event\": \"failed\""),
        "{}",
        both(&json)
    );
    // Declared on the planner, a must-fail on `pipeline` is an error that
    // says where it belongs.
    write(
        dir.path(),
        "fixtures/t/plan/planner/fixture.json",
        "{\"no_repo\": \"the plan only creates files\", \"must_fail\": {\"rule\": \"pipeline\",          \"because\": \"which the design never mentions\"}}\n",
    );
    let misplaced = fixture_kit(dir.path(), &["verify", "t::plan::planner", "--exact"]);
    assert_eq!(misplaced.status.code(), Some(101), "{}", both(&misplaced));
    assert!(
        stdout(&misplaced).contains(
            "[layout] fixtures/t/plan/planner/fixture.json: `must_fail.rule`: `pipeline` is \
             checked by the task's `pipeline` test"
        ) && stdout(&misplaced)
            .contains("in the task's fixture.json (fixtures/t/plan/fixture.json)"),
        "{}",
        both(&misplaced)
    );
    // A task with no pair of stages has no pipeline test to fail as declared.
    write(
        dir.path(),
        "fixtures/u/alone/planner/prompt.md",
        "Plan it.\n",
    );
    fs::copy(
        dir.path().join("fixtures/t/plan/planner/expected.json"),
        dir.path().join("fixtures/u/alone/planner/expected.json"),
    )
    .unwrap();
    fs::copy(
        dir.path().join("fixtures/t/plan/fixture.json"),
        dir.path().join("fixtures/u/alone/fixture.json"),
    )
    .unwrap();
    let alone = fixture_kit(dir.path(), &["verify"]);
    assert_eq!(alone.status.code(), Some(2), "{}", both(&alone));
    assert!(
        String::from_utf8_lossy(&alone.stderr).contains(
            "fixtures/u/alone/fixture.json: declares `pipeline_must_fail`, but the task has no \
             pair of agent fixtures"
        ),
        "{}",
        both(&alone)
    );
}

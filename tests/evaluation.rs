//! `fixture-kit verify` as an evaluation: the bundled fixtures run several
//! times by a stand-in agent that varies its output form and fails some
//! runs, with the summary, the JUnit and JSON reports, retries, partitions
//! and `report merge`.

mod stand_in;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use stand_in::stand_in_agent;

const FIXTURE_KIT: &str = env!("CARGO_BIN_EXE_fixture-kit");

fn fixture_kit(args: &[&str]) -> Output {
    Command::new(FIXTURE_KIT)
        .args(args)
        .env_remove("UPDATE_GOLDENS")
        .env_remove("FIXTURE_KIT_RECORD")
        .env_remove("FIXTURE_STRICT_REAL_AGENTS")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The bundled fixtures, as `topic/task/agent`.
fn bundled() -> Vec<String> {
    let mut ids = Vec::new();
    for topic in fs::read_dir("fixtures").unwrap() {
        let topic = topic.unwrap().path();
        for task in fs::read_dir(&topic).unwrap() {
            let task = task.unwrap().path();
            for agent in ["architect", "planner", "coder", "reviewer"] {
                if task.join(agent).join("prompt.md").is_file() {
                    let rel = task.join(agent);
                    ids.push(rel.strip_prefix("fixtures").unwrap().display().to_string());
                }
            }
        }
    }
    ids.sort();
    ids
}

/// Validates `xml` with xmllint (libxml2-utils, installed by .ci/run)
/// against the JUnit schema CI systems read (`junit-10.xsd`, Maven
/// Surefire's, as Jenkins and pytest use it) and against the committed
/// schema of exactly what fixture-kit writes (`junit.xsd`).
fn assert_valid_junit(xml: &Path) {
    for schema in ["tests/data/junit-10.xsd", "tests/data/junit.xsd"] {
        let checked = Command::new("xmllint")
            .args(["--noout", "--schema", schema])
            .arg(xml)
            .output()
            .expect("xmllint runs: install it with `apt-get install libxml2-utils`");
        assert!(
            checked.status.success(),
            "{} is not valid JUnit by {schema}: {}",
            xml.display(),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

#[test]
fn repeated_runs_count_passes_mark_flaky_fixtures_and_write_both_reports() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let (junit, report) = (dir.path().join("out.xml"), dir.path().join("out.json"));
    let goldens = fs::canonicalize("fixtures").unwrap();
    let stand_in = stand_in_agent();
    let agent = format!(
        "{stand_in} -p --answer-dir {} --vary {} --fail 2:/planner --overload 1:/reviewer",
        goldens.display(),
        state.display()
    );
    let output = fixture_kit(&[
        "verify",
        "--agent-cmd",
        &agent,
        "--repeat",
        "3",
        "--agent-retries",
        "1",
        "--retry-backoff-ms",
        "1",
        "--junit",
        junit.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let text = stdout(&output);
    let ids = bundled();
    let of = |agent: &str| ids.iter().filter(|id| id.ends_with(agent)).count();
    let (planners, reviewers) = (of("/planner"), of("/reviewer"));
    assert!(planners > 0 && reviewers > 0);
    assert_eq!(
        output.status.code(),
        Some(101),
        "flaky fixtures fail: {text}"
    );

    // Per fixture: how many of the three runs passed, flaky marked.
    let planner = ids.iter().find(|id| id.ends_with("/planner")).unwrap();
    assert!(
        text.contains(&format!(
            "fixture-kit: {planner}: 2 of 3 runs passed (flaky)"
        )),
        "{text}"
    );
    let reviewer = ids.iter().find(|id| id.ends_with("/reviewer")).unwrap();
    assert!(
        text.contains(&format!(
            "fixture-kit: {reviewer}: 3 of 3 runs passed, 1 retried"
        )),
        "{text}"
    );
    assert!(
        text.contains("(run 2 of 3) failed 1 check")
            && text.contains("the agent answered:\nI looked at"),
        "a failed run shows its checks and what the agent answered: {text}"
    );

    // The summary.
    let total = ids.len();
    assert!(
        text.contains(&format!(
            "fixture-kit evaluation: {total} fixtures × 3 runs: {} passed, {planners} flaky, 0 failed",
            total - planners
        )),
        "{text}"
    );
    let planner_row = text
        .lines()
        .find(|line| line.trim_start().starts_with("planner "))
        .unwrap();
    let planner_row: Vec<&str> = planner_row.split_whitespace().collect();
    assert_eq!(
        planner_row[..5],
        [
            "planner",
            &planners.to_string(),
            "0",
            &planners.to_string(),
            "0"
        ]
    );
    assert!(
        text.contains(&format!("  flaky: {planner} (2 of 3 runs passed)")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "retried: {reviewers} runs ({reviewers} retries: {reviewers} overloaded, 0 rate limited)"
        )),
        "{text}"
    );
    // The stand-in reports 100 input tokens per attempt (an overloaded one
    // too) in stream-json and json, none in text, which is the form of
    // every fixture's third attempt.
    let runs = total * 3;
    let reported = runs - total;
    assert!(
        text.contains(&format!(
            "totals ({reported} of {runs} runs reported usage)"
        )),
        "{text}"
    );
    let input = (reported + reviewers) * 100;
    assert!(text.contains(&format!("input tokens {input},")), "{text}");

    // The JSON report: every run of every fixture.
    let json: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["format"], "fixture-kit-report/1");
    assert_eq!(json["repeat"], 3);
    let fixtures = json["fixtures"].as_array().unwrap();
    let names: Vec<&str> = fixtures
        .iter()
        .map(|f| f["fixture"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "sorted, all"
    );
    for fixture in fixtures {
        let runs = fixture["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 3);
        let name = fixture["fixture"].as_str().unwrap();
        if name.ends_with("/planner") {
            assert_eq!(
                (fixture["status"].as_str(), fixture["passed"].as_u64()),
                (Some("flaky"), Some(2))
            );
            assert_eq!(runs[1]["verdict"], "failed");
            let rules: Vec<&Value> = runs[1]["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| &v["rule"])
                .collect();
            assert!(
                rules.contains(&&Value::from("contract")),
                "{name}: {rules:?}"
            );
        } else {
            assert_eq!(fixture["status"], "passed", "{name}");
        }
        if name.ends_with("/reviewer") {
            assert_eq!(runs[0]["retried_on"], serde_json::json!(["overloaded"]));
            assert_eq!(runs[0]["usage"]["input_tokens"], 200, "both attempts count");
        }
        // The stand-in counts attempts: the third is text, which reports
        // no usage; a reviewer's retry was its second.
        let text_run = if name.ends_with("/reviewer") { 1 } else { 2 };
        for (index, run) in runs.iter().enumerate() {
            assert_eq!(
                run["usage"].is_null(),
                index == text_run,
                "{name} run {index}"
            );
        }
    }

    // The JUnit report: valid against the schema, flaky fixtures failed.
    assert_valid_junit(&junit);
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(&format!(
        "<testsuites name=\"fixture-kit\" tests=\"{total}\" failures=\"{planners}\" errors=\"0\""
    )));
    assert_eq!(
        xml.matches("<failure type=\"flaky\" message=\"flaky: 2 of 3 runs passed\">")
            .count(),
        planners
    );
}

#[test]
fn shards_cover_every_fixture_once_and_merge_into_one_report() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["hash", "count"] {
        let shards: Vec<_> = (1..=2)
            .map(|k| {
                let path = dir.path().join(format!("{kind}-{k}.json"));
                let output = fixture_kit(&[
                    "verify",
                    "--partition",
                    &format!("{kind}:{k}/2"),
                    "--report",
                    path.to_str().unwrap(),
                ]);
                assert!(output.status.success(), "{}", stdout(&output));
                path
            })
            .collect();
        let (junit, merged) = (
            dir.path().join("merged.xml"),
            dir.path().join("merged.json"),
        );
        let output = fixture_kit(&[
            "report",
            "merge",
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
            "--report",
            merged.to_str().unwrap(),
        ]);
        let text = stdout(&output);
        assert!(output.status.success(), "{text}");
        let total = bundled().len();
        assert!(
            text.contains(&format!(
                "fixture-kit evaluation: {total} fixtures × 1 run: {total} passed"
            )),
            "{text}"
        );
        let json: Value = serde_json::from_str(&fs::read_to_string(&merged).unwrap()).unwrap();
        let names: Vec<&str> = json["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fixture"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            bundled().iter().map(String::as_str).collect::<Vec<_>>(),
            "{kind}"
        );
        assert_eq!(
            json["partitions"],
            serde_json::json!([format!("{kind}:1/2"), format!("{kind}:2/2")])
        );
        assert_valid_junit(&junit);

        // The same shard twice is refused.
        let twice = fixture_kit(&[
            "report",
            "merge",
            shards[0].to_str().unwrap(),
            shards[0].to_str().unwrap(),
        ]);
        assert_eq!(twice.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&twice.stderr).contains("is in two reports"));
    }
}

#[test]
fn bad_evaluation_flags_are_refused() {
    let output = fixture_kit(&["verify", "--partition", "hash:3/2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("count:K/N or hash:K/N"));
    let output = fixture_kit(&["verify", "--format", "json", "--repeat", "2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format json reports one run"));
    let output = fixture_kit(&["verify", "--update", "--repeat", "2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("drop --repeat"));
    let output = fixture_kit(&["report", "merge", "Cargo.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Cargo.toml"));
}

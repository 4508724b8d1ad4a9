//! The bundled replay scenarios: one `validate` and one `replay` test per
//! scenario under `scenarios/`, plus the reference orchestrator's exact
//! step orders, its fault handling, and the recording itself.

mod stand_in;
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stand_in::stand_in_agent;

use fixture_kit::scenario::{
    CliCall, CliRunner, Fault, OverloadShape, RealCli, ReplayCli, ScenarioPlayer,
};
use fixture_kit::{scenario_suite, ScenarioSuite};
use support::orchestrator::Pipeline;
use support::recording::{record, BUNDLED};

#[scenario_suite(scenarios = "scenarios")]
fn orchestrator() -> ScenarioSuite {
    ScenarioSuite::new().orchestrator(|cli, recipe| Pipeline::from_recipe(recipe)?.run(cli))
}

fn scenario_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn player(name: &str) -> ScenarioPlayer {
    ScenarioPlayer::load(&scenario_dir(name)).unwrap_or_else(|problem| panic!("{problem}"))
}

/// Replays `cli` through the pipeline of `name`'s recipe.
fn replay(name: &str, cli: &ReplayCli) -> String {
    let player = player(name);
    Pipeline::from_recipe(&player.manifest.recipe)
        .and_then(|pipeline| pipeline.run(cli))
        .unwrap_or_else(|err| panic!("{err}"))
}

fn served(cli: &ReplayCli) -> Vec<String> {
    cli.served_steps()
}

#[test]
fn happy_path_runs_each_step_once() {
    let cli = player("smoke-happy").replayer();
    let outcome = replay("smoke-happy", &cli);
    assert_eq!(
        served(&cli),
        ["investigate", "rectify", "implement", "test", "summary"]
    );
    assert_eq!(
        outcome,
        "tests pass after 0 retries; summary: Summary: tests pass after 0 retries."
    );
    cli.finish().unwrap();
}

#[test]
fn failing_test_once_assesses_classifies_and_implements_again() {
    let cli = player("smoke-test-fail-once").replayer();
    let outcome = replay("smoke-test-fail-once", &cli);
    assert_eq!(
        served(&cli),
        [
            "investigate",
            "rectify",
            "implement",
            "test",
            "assess",
            "classify",
            "implement",
            "test",
            "summary"
        ]
    );
    assert_eq!(
        outcome,
        "tests pass after 1 retry; summary: Summary: tests pass after 1 retry."
    );
    cli.finish().unwrap();
}

#[test]
fn exhausted_budget_stops_retrying_and_summarises() {
    let cli = player("smoke-budget-exhausted").replayer();
    let outcome = replay("smoke-budget-exhausted", &cli);
    assert_eq!(
        served(&cli),
        [
            "investigate",
            "rectify",
            "implement",
            "test",
            "assess",
            "classify",
            "implement",
            "test",
            "assess",
            "classify",
            "implement",
            "test",
            "summary"
        ]
    );
    assert!(
        outcome.starts_with("retry budget exhausted: tests still fail after 2 retries; summary:"),
        "{outcome}"
    );
    cli.finish().unwrap();
}

#[test]
fn overload_that_recovers_within_the_retries_changes_nothing() {
    let cli = player("smoke-happy").replayer().inject(
        "implement",
        1,
        Fault::Overloaded {
            times: 2,
            shape: OverloadShape::Text,
        },
    );
    let outcome = replay("smoke-happy", &cli);
    assert_eq!(outcome, player("smoke-happy").manifest.outcome.unwrap());
    let attempts: Vec<(String, bool)> = cli
        .call_log()
        .into_iter()
        .filter(|call| call.step == "implement")
        .map(|call| (call.step, call.served))
        .collect();
    assert_eq!(
        attempts,
        [
            ("implement".to_owned(), false),
            ("implement".to_owned(), false),
            ("implement".to_owned(), true)
        ]
    );
    cli.finish().unwrap();
}

#[test]
fn overload_past_the_retries_aborts_with_the_reason() {
    let cli = player("smoke-happy").replayer().inject(
        "investigate",
        1,
        Fault::Overloaded {
            times: 3,
            shape: OverloadShape::WithStatus,
        },
    );
    let outcome = replay("smoke-happy", &cli);
    assert!(
        outcome.starts_with(
            "aborted at step `investigate`: the API stayed overloaded (529) for 3 attempts; summary:"
        ),
        "{outcome}"
    );
    assert_eq!(served(&cli), ["summary"]);
}

#[test]
fn a_corrupt_line_mid_stream_is_passed_over() {
    let cli = player("smoke-test-fail-once")
        .replayer()
        .inject("implement", 2, Fault::CorruptLine { at: 2 })
        .inject("assess", 1, Fault::CorruptLine { at: 1 });
    let outcome = replay("smoke-test-fail-once", &cli);
    assert_eq!(
        outcome,
        player("smoke-test-fail-once").manifest.outcome.unwrap()
    );
    cli.finish().unwrap();
}

#[test]
fn a_stream_truncated_before_its_result_aborts_the_step() {
    let cli =
        player("smoke-happy")
            .replayer()
            .inject("rectify", 1, Fault::TruncateAfter { lines: 2 });
    let outcome = replay("smoke-happy", &cli);
    assert!(
        outcome.starts_with(
            "aborted at step `rectify`: the agent's output ended without a result line"
        ),
        "{outcome}"
    );
    assert_eq!(served(&cli), ["investigate", "rectify", "summary"]);
}

#[test]
fn a_non_zero_exit_aborts_the_step() {
    let cli = player("smoke-happy")
        .replayer()
        .inject("implement", 1, Fault::Exit { code: 3 });
    let outcome = replay("smoke-happy", &cli);
    assert!(
        outcome.starts_with("aborted at step `implement`: the agent exited with code 3"),
        "{outcome}"
    );
}

#[test]
fn a_hang_after_the_result_keeps_the_result() {
    let cli = player("smoke-happy")
        .replayer()
        .inject("investigate", 1, Fault::HangAfterResult)
        .inject("summary", 1, Fault::HangAfterResult);
    let outcome = replay("smoke-happy", &cli);
    assert_eq!(outcome, player("smoke-happy").manifest.outcome.unwrap());
    cli.finish().unwrap();
}

#[test]
fn delayed_lines_within_the_timeout_change_nothing() {
    let cli = player("smoke-happy").replayer().inject(
        "rectify",
        1,
        Fault::DelayLines {
            per_line: Duration::from_millis(2),
        },
    );
    let outcome = replay("smoke-happy", &cli);
    assert_eq!(outcome, player("smoke-happy").manifest.outcome.unwrap());
}

#[test]
fn an_unrecorded_call_names_the_step_the_call_and_what_is_left() {
    let mut map = player("smoke-happy").build_session_map();
    map.remove("test");
    let cli = ReplayCli::new(map);
    let outcome = replay("smoke-happy", &cli);
    assert!(
        outcome.starts_with(
            "aborted at step `test`: step `test`: no recording for call #4 (the 1st call of \
             step `test`); steps with recordings left: `summary` ×1"
        ),
        "{outcome}"
    );
}

#[test]
fn strict_replay_fails_on_unused_recordings() {
    let cli = player("smoke-happy").replayer();
    cli.run(&CliCall::agent("investigate", "x")).unwrap();
    let err = cli.finish().unwrap_err();
    assert!(
        err.contains("`implement` ×1, `rectify` ×1, `summary` ×1, `test` ×1"),
        "{err}"
    );
}

#[test]
fn suite_replay_reports_a_different_outcome() {
    let suite = ScenarioSuite::new().orchestrator(|cli, recipe| {
        let mut pipeline = Pipeline::from_recipe(recipe)?;
        pipeline.task = "another task".to_owned();
        pipeline
            .run(cli)
            .map(|outcome| outcome.replace("0 retries", "no retries"))
    });
    let err = suite.replay(&scenario_dir("smoke-happy")).unwrap_err();
    assert!(err.contains("outcome differs:"), "{err}");
    assert!(
        err.contains("replayed: tests pass after no retries"),
        "{err}"
    );
}

#[test]
fn the_stand_in_agent_hanging_after_its_result_is_killed_at_the_timeout() {
    let call = CliCall::agent("investigate", stand_in_agent())
        .args(["--output-format", "stream-json", "--hang"])
        .stdin("Look around\n@answer found it")
        .timeout(Duration::from_secs(2));
    let output = RealCli.run(&call).unwrap();
    assert!(output.timed_out);
    assert_eq!(output.exit_code, None);
    let result = fixture_kit::scenario::stream_json::final_result(&output.stdout).unwrap();
    assert_eq!(result["result"], "found it");
    assert!(
        output.duration < Duration::from_secs(5),
        "{:?}",
        output.duration
    );
}

#[test]
fn the_stand_in_agent_answers_from_a_file_in_plain_output() {
    let dir = tempfile::tempdir().unwrap();
    let answer = dir.path().join("answer.txt");
    fs::write(&answer, "{\"tasks\": []}\n").unwrap();
    let output = RealCli
        .run(
            &CliCall::agent("plan", stand_in_agent())
                .args(["-p", "--exit-code", "4"])
                .env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap())
                .stdin("Plan it."),
        )
        .unwrap();
    assert_eq!(output.stdout, "{\"tasks\": []}\n");
    assert_eq!(output.exit_code, Some(4));
}

/// Re-recording gives the committed bytes: the recording is reproducible
/// and normalised.
#[test]
fn re_recording_reproduces_the_bundled_scenarios_byte_for_byte() {
    let out = tempfile::tempdir().unwrap();
    for (name, script) in BUNDLED {
        let dir = out.path().join(name);
        record(name, script, Path::new(stand_in_agent()), Some(&dir))
            .unwrap_or_else(|p| panic!("{p}"));
        let expected = files(&scenario_dir(name));
        let actual = files(&dir);
        assert_eq!(
            expected.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            actual.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            "{name}: the recorded files differ"
        );
        for ((path, want), (_, got)) in expected.iter().zip(&actual) {
            assert!(
                want == got,
                "{name}/{path} differs on re-recording:\n--- committed\n{want}\n--- recorded\n{got}"
            );
        }
    }
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Writes the bundled scenarios. Run with
/// `RECORD_SCENARIO_DIR=scenarios cargo test --test scenarios record_bundled_scenarios -- --ignored`.
#[test]
#[ignore = "records the bundled scenarios into $RECORD_SCENARIO_DIR"]
fn record_bundled_scenarios() {
    for (name, script) in BUNDLED {
        let outcome = record(name, script, Path::new(stand_in_agent()), None)
            .unwrap_or_else(|p| panic!("{p}"));
        println!("{name}: {outcome}");
    }
}

fn stand_in(args: &[&str], timeout: Duration) -> fixture_kit::scenario::CliOutput {
    RealCli
        .run(
            &CliCall::agent("x", stand_in_agent())
                .args(["--output-format", "stream-json"])
                .args(args.iter().copied())
                .stdin("Check\n@answer fine")
                .timeout(timeout),
        )
        .unwrap()
}

#[test]
fn the_stand_in_agent_produces_live_faults() {
    use fixture_kit::scenario::stream_json::final_result;
    let enough = Duration::from_secs(20);

    let overloaded = stand_in(&["--overloaded"], enough);
    let result = final_result(&overloaded.stdout).unwrap();
    assert_eq!(
        result.get("api_error_status"),
        None,
        "as Claude Code 2.1 prints it"
    );
    assert_eq!(
        fixture_kit::scenario::stream_json::api_error_status(&result),
        Some(529)
    );
    assert_eq!(overloaded.exit_code, Some(1));

    let corrupt = stand_in(&["--corrupt-line", "2"], enough);
    let lines: Vec<&str> = corrupt.stdout.lines().collect();
    assert!(serde_json::from_str::<serde_json::Value>(lines[1]).is_err());
    assert_eq!(final_result(&corrupt.stdout).unwrap()["result"], "fine");

    let truncated = stand_in(&["--truncate-after", "1"], enough);
    assert_eq!(truncated.stdout.lines().count(), 1);
    assert!(final_result(&truncated.stdout).is_none());

    let slow = stand_in(&["--delay-ms", "1000"], Duration::from_millis(1500));
    assert!(slow.timed_out);
    assert!(final_result(&slow.stdout).is_none(), "{}", slow.stdout);

    let bad = stand_in(&["--frobnicate"], enough);
    assert_eq!(bad.exit_code, Some(2));
    assert!(
        bad.stderr.contains("unknown argument `--frobnicate`"),
        "{}",
        bad.stderr
    );
}

//! Cassettes, the player, the replaying, recording and real runners, the
//! validation checklist and the suite's cases, on the bundled scenarios and
//! on broken copies of them.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use fixture_runtime::scenario::stream_json::{final_result, Transcript};
use fixture_runtime::scenario::{
    validate, CallKind, Cassette, CliCall, CliError, CliOutput, CliRunner, Limits, RealCli,
    RecordedCall, RecordingCli, ScenarioManifest, ScenarioPlayer, ScenarioSuite,
};
use serde_json::json;

/// A copy of a bundled scenario, kept inside this package.
fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scenarios")
        .join(name)
}

/// A writable copy of a bundled scenario.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join(name);
    for entry in walkdir::WalkDir::new(bundled(name)) {
        let entry = entry.unwrap();
        let target = dir.join(entry.path().strip_prefix(bundled(name)).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    (temp, dir)
}

fn problems(dir: &Path, limits: &Limits) -> Vec<String> {
    validate(dir, limits)
        .iter()
        .map(|problem| {
            let line = problem.to_string();
            assert!(!line.contains('\n'), "one line per problem: {line}");
            line.replace(&dir.display().to_string(), "<dir>")
        })
        .collect()
}

// --- validation -----------------------------------------------------------

#[test]
fn bundled_scenarios_validate_clean() {
    for name in [
        "smoke-happy",
        "smoke-test-fail-once",
        "smoke-budget-exhausted",
    ] {
        assert_eq!(
            problems(&bundled(name), &Limits::default()),
            Vec::<String>::new()
        );
    }
}

#[test]
fn validate_names_a_missing_file() {
    let (_temp, dir) = copy_of("smoke-happy");
    fs::remove_file(dir.join("sessions/002_rectify/metadata.json")).unwrap();
    assert_eq!(
        problems(&dir, &Limits::default()),
        [
            "<dir>/sessions/002_rectify/metadata.json: missing: a session folder holds \
          input.json, stdout.jsonl, session_log.jsonl, metadata.json; re-record the scenario"
        ]
    );
}

#[test]
fn validate_names_a_bad_line() {
    let (_temp, dir) = copy_of("smoke-happy");
    let path = dir.join("sessions/001_investigate/stdout.jsonl");
    let mut text = fs::read_to_string(&path).unwrap();
    let line = text.lines().count() + 1;
    text.push_str("{\"type\":\"assistant\",\n");
    fs::write(&path, text).unwrap();
    let found = problems(&dir, &Limits::default());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(&format!(
            "<dir>/sessions/001_investigate/stdout.jsonl:{line}: not valid JSON ("
        )),
        "{found:?}"
    );
    assert!(found[0]
        .ends_with("every line of a .jsonl file is one JSON object; re-record, or fix the line"));
}

#[test]
fn validate_names_a_leaked_token_without_printing_it() {
    let (_temp, dir) = copy_of("smoke-happy");
    let path = dir.join("sessions/002_rectify/input.json");
    let token = ["gh", "p_", &"FAKEtoken0".repeat(4)[..36]].concat();
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"cwd\": \".\"", &format!("\"cwd\": \"{token}\""));
    fs::write(&path, text).unwrap();
    let found = problems(&dir, &Limits::default());
    assert_eq!(
        found,
        [
            "<dir>/sessions/002_rectify/input.json:8: a secret remains (github-token): re-record \
          (recording scrubs), or run the file through `fixture-kit scrub`"
        ]
    );
    assert!(!found[0].contains(&token));
}

#[test]
fn validate_names_oversized_files_with_the_hint() {
    let dir = bundled("smoke-happy");
    let size = fs::metadata(dir.join("sessions/001_investigate/stdout.jsonl"))
        .unwrap()
        .len();
    let limits = Limits {
        max_stdout_bytes: size - 1,
        max_scenario_bytes: 1000,
    };
    let found = problems(&dir, &limits);
    assert!(
        found.contains(&format!(
            "<dir>/sessions/001_investigate/stdout.jsonl: {size} bytes, over the limit of {} \
             bytes: strip large unused fields while recording with a recording hook \
             (`RecordingCli::strip_field` or `RecordingCli::hook`), then re-record",
            size - 1
        )),
        "{found:#?}"
    );
    let last = found.last().unwrap();
    assert!(
        last.starts_with("<dir>: ") && last.contains("bytes in all, over the limit of 1000 bytes"),
        "{last}"
    );
}

#[test]
fn validate_rejects_another_schema_version() {
    let (_temp, dir) = copy_of("smoke-happy");
    let path = dir.join("scenario.json");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"schema_version\": 1", "\"schema_version\": 2");
    fs::write(&path, text).unwrap();
    assert_eq!(
        problems(&dir, &Limits::default()),
        [
            "<dir>/scenario.json: schema_version 2 is not supported: it is newer than this \
             fixture-kit, which reads schema_version 1; upgrade fixture-kit, or re-record the \
             scenario with this one"
        ]
    );
}

#[test]
fn validate_names_missing_and_stray_session_folders() {
    let (_temp, dir) = copy_of("smoke-happy");
    fs::rename(
        dir.join("sessions/003_implement"),
        dir.join("sessions/009_extra"),
    )
    .unwrap();
    assert_eq!(
        problems(&dir, &Limits::default()),
        [
            "<dir>/sessions/003_implement: missing session folder of step `implement`: \
             re-record the scenario, or remove the step from scenario.json",
            "<dir>/sessions/009_extra: not named by any step of scenario.json: remove it, or \
             re-record the scenario",
        ]
    );
}

// --- cassettes and the manifest -------------------------------------------

#[test]
fn cassette_loads_all_four_files() {
    let cassette = Cassette::load(&bundled("smoke-happy").join("sessions/003_implement")).unwrap();
    assert_eq!(cassette.metadata.step, "implement");
    assert_eq!(cassette.metadata.exit_code, Some(0));
    assert_eq!(cassette.metadata.model.as_deref(), Some("stand-in-1"));
    assert_eq!(cassette.input.cwd, ".");
    assert_eq!(
        final_result(&cassette.stdout).unwrap()["result"],
        "Implemented attempt 1."
    );
}

#[test]
fn cassette_errors_name_file_and_line() {
    let (_temp, dir) = copy_of("smoke-happy");
    let session = dir.join("sessions/001_investigate");
    fs::write(session.join("session_log.jsonl"), "{\"a\":1}\n[1, 2]\n").unwrap();
    let err = Cassette::load(&session).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:2: not a JSON object: every line of a .jsonl file is one JSON object; \
             re-record, or fix the line",
            session.join("session_log.jsonl").display()
        )
    );
    fs::write(session.join("metadata.json"), "{\"step\": \"investigate\"}").unwrap();
    let err = Cassette::load(&session).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "{}:1: not valid here: missing field",
            session.join("metadata.json").display()
        )),
        "{err}"
    );
    fs::remove_file(session.join("input.json")).unwrap();
    let err = Cassette::load(&session).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "{}: cannot read it",
            session.join("input.json").display()
        )),
        "{err}"
    );
}

#[test]
fn unknown_future_fields_are_tolerated() {
    let (_temp, dir) = copy_of("smoke-happy");
    let path = dir.join("scenario.json");
    let text =
        fs::read_to_string(&path)
            .unwrap()
            .replacen('{', "{\n  \"added_later\": {\"x\": 1},", 1);
    fs::write(&path, text).unwrap();
    let meta = dir.join("sessions/001_investigate/metadata.json");
    let text = fs::read_to_string(&meta)
        .unwrap()
        .replacen('{', "{\"cost\": 3,", 1);
    fs::write(&meta, text).unwrap();
    assert!(ScenarioPlayer::load(&dir).is_ok());
    assert_eq!(problems(&dir, &Limits::default()), Vec::<String>::new());
}

#[test]
fn a_missing_schema_version_is_named() {
    let err =
        ScenarioManifest::parse(Path::new("s/scenario.json"), "{\"recipe\": {}}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "s/scenario.json: missing schema_version: add `\"schema_version\": 1`"
    );
}

// --- the player and the replaying runner ----------------------------------

#[test]
fn session_map_keeps_recorded_order_per_step() {
    let player = ScenarioPlayer::load(&bundled("smoke-test-fail-once")).unwrap();
    let map = player.build_session_map();
    let implement: Vec<String> = map["implement"]
        .iter()
        .map(|call| match call {
            RecordedCall::Session(cassette) => cassette
                .dir
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            RecordedCall::Command(_) => panic!("implement is an agent step"),
        })
        .collect();
    assert_eq!(implement, ["003_implement", "006_implement"]);
    let tests: Vec<Option<i32>> = map["test"]
        .iter()
        .map(|call| call.output().exit_code)
        .collect();
    assert_eq!(tests, [Some(1), Some(0)]);
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        [
            "assess",
            "classify",
            "implement",
            "investigate",
            "rectify",
            "summary",
            "test"
        ]
    );
}

#[test]
fn replay_serves_each_step_first_in_first_out() {
    let cli = ScenarioPlayer::load(&bundled("smoke-test-fail-once"))
        .unwrap()
        .replayer();
    let test = CliCall::command("test", "sh");
    assert_eq!(cli.run(&test).unwrap().exit_code, Some(1));
    assert_eq!(cli.run(&test).unwrap().exit_code, Some(0));
    let err = cli.run(&test).unwrap_err().to_string();
    assert_eq!(
        err,
        "step `test`: no recording for call #3 (the 3rd call of step `test`); steps with \
         recordings left: `assess` ×1, `classify` ×1, `implement` ×2, `investigate` ×1, \
         `rectify` ×1, `summary` ×1; re-record the scenario if the orchestrator's behaviour \
         changed on purpose"
    );
    let log: Vec<(usize, String, bool)> = cli
        .call_log()
        .into_iter()
        .map(|c| (c.number, c.step, c.served))
        .collect();
    assert_eq!(
        log,
        [
            (1, "test".into(), true),
            (2, "test".into(), true),
            (3, "test".into(), false)
        ]
    );
}

#[test]
fn replay_refuses_a_call_of_the_wrong_kind() {
    let cli = ScenarioPlayer::load(&bundled("smoke-happy"))
        .unwrap()
        .replayer();
    let err = cli
        .run(&CliCall::agent("test", "agent"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("call #1 (the 1st call of step `test`) is an agent call, but the recording is a plain command"),
        "{err}"
    );
}

// --- the suite's cases ------------------------------------------------------

#[test]
fn replay_case_without_an_orchestrator_says_what_to_do() {
    let err = ScenarioSuite::new()
        .replay(&bundled("smoke-happy"))
        .unwrap_err();
    assert!(
        err.contains("set one with `ScenarioSuite::new().orchestrator(...)`"),
        "{err}"
    );
}

/// An orchestrator that calls every recorded step, in `order`.
fn in_order(reverse: bool) -> ScenarioSuite {
    ScenarioSuite::new().orchestrator(move |cli, _| {
        let player = ScenarioPlayer::load(&bundled("smoke-happy")).unwrap();
        let mut calls = player.calls.clone();
        if reverse {
            calls.reverse();
        }
        for (step, recorded) in calls {
            let call = match recorded.kind() {
                CallKind::Agent => CliCall::agent(&step, "agent"),
                CallKind::Command => CliCall::command(&step, "sh"),
            };
            cli.run(&call).map_err(|err| err.to_string())?;
        }
        Ok(player.manifest.outcome.unwrap())
    })
}

#[test]
fn strict_replay_checks_the_step_order() {
    assert_eq!(in_order(false).replay(&bundled("smoke-happy")), Ok(()));
    let err = in_order(true).replay(&bundled("smoke-happy")).unwrap_err();
    assert!(
        err.contains(
            "steps ran in another order:\n    recorded: investigate → rectify → implement → test → summary\n    replayed: summary → test → implement → rectify → investigate"
        ),
        "{err}"
    );
    assert_eq!(
        in_order(true).strict(false).replay(&bundled("smoke-happy")),
        Ok(())
    );
}

#[test]
fn strict_replay_fails_on_unused_recordings_and_lists_the_calls() {
    let suite = ScenarioSuite::new().orchestrator(|cli, _| {
        cli.run(&CliCall::agent("investigate", "agent"))
            .map_err(|e| e.to_string())?;
        Ok("tests pass after 0 retries; summary: Summary: tests pass after 0 retries.".into())
    });
    let err = suite.replay(&bundled("smoke-happy")).unwrap_err();
    assert!(err.contains("the run ended with recordings unused: `implement` ×1, `rectify` ×1, `summary` ×1, `test` ×1"), "{err}");
    assert!(err.contains("calls: #1 investigate"), "{err}");
    assert_eq!(suite.strict(false).replay(&bundled("smoke-happy")), Ok(()));
}

#[test]
fn validate_case_reports_every_problem() {
    let (_temp, dir) = copy_of("smoke-happy");
    fs::remove_file(dir.join("sessions/001_investigate/stdout.jsonl")).unwrap();
    let err = ScenarioSuite::new()
        .run_case(dir.parent().unwrap(), "validate:smoke-happy")
        .unwrap_err();
    assert!(err.contains("has 1 problem(s):"), "{err}");
    assert!(
        err.contains("001_investigate/stdout.jsonl: missing"),
        "{err}"
    );
}

// --- the recording runner ----------------------------------------------------

/// Answers calls with prepared outputs.
struct Scripted(Mutex<VecDeque<CliOutput>>);

impl Scripted {
    fn new(outputs: Vec<CliOutput>) -> Scripted {
        Scripted(Mutex::new(outputs.into()))
    }
}

impl CliRunner for Scripted {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        self.0.lock().unwrap().pop_front().ok_or_else(|| CliError {
            step: call.step.clone(),
            message: "no output prepared".into(),
        })
    }
}

fn token() -> String {
    ["sk", "-ant-", "api03-", &"FAKEfake00".repeat(3)].concat()
}

#[test]
fn recording_scrubs_normalises_and_replays_back() {
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("project");
    fs::create_dir_all(project.join("sub")).unwrap();
    let project_text = project.display().to_string();
    let mut transcript = Transcript::new("live-session-77", "m1", &project_text);
    let id = transcript.tool_use(
        "Bash",
        json!({"command": format!("cat {project_text}/a.txt")}),
    );
    transcript.tool_result(&id, &format!("key is {}", token()), false);
    transcript.result("done", false);
    let mut agent = transcript.output(0);
    agent.stdout.push_str("not json at all\n");
    agent.stderr =
        format!("{{\"level\":\"info\",\"session_id\":\"abc\"}}\nplain warning in {project_text}\n");
    let test = CliOutput {
        exit_code: Some(1),
        stdout: format!("FAILED in {project_text}\nTOKEN=abc123xyz789\n"),
        stderr: "boom\n".into(),
        ..CliOutput::default()
    };
    let dir = temp.path().join("scenarios/rec");
    let recorder = RecordingCli::new(
        Scripted::new(vec![agent.clone(), test]),
        &dir,
        &project,
        json!({"r": 1}),
    )
    .unwrap()
    .allow_env("HOME_DIR")
    .allow_env("SERVICE_API_KEY");
    let call = CliCall::agent("investigate", "agent")
        .args(["-p"])
        .cwd(project.join("sub"))
        .env("HOME_DIR", &project_text)
        .env("SERVICE_API_KEY", "live-value")
        .env("NOT_ALLOWED", "x")
        .stdin(&format!("look at {project_text} with {}", token()));
    assert_eq!(
        recorder.run(&call).unwrap(),
        agent,
        "recording hands the real output back"
    );
    recorder
        .run(&CliCall::command("test", "sh").cwd(&project))
        .unwrap();
    recorder.finish("failed as expected").unwrap();

    assert_eq!(problems(&dir, &Limits::default()), Vec::<String>::new());
    let session = dir.join("sessions/001_investigate");
    let input: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(session.join("input.json")).unwrap()).unwrap();
    assert_eq!(
        input,
        json!({"args": ["-p"], "cwd": "sub",
               "prompt": "look at <project> with <redacted:anthropic-key>",
               "env": {"HOME_DIR": "<project>", "SERVICE_API_KEY": "<redacted:secret-env>"}})
    );
    let stdout = fs::read_to_string(session.join("stdout.jsonl")).unwrap();
    assert!(!stdout.contains("live-session-77") && !stdout.contains(&project_text));
    assert!(
        stdout.contains("\"id\":\"toolu_0001\"")
            && stdout.contains("\"tool_use_id\":\"toolu_0001\"")
    );
    assert!(stdout.contains("key is <redacted:anthropic-key>"));
    let log = fs::read_to_string(session.join("session_log.jsonl")).unwrap();
    assert_eq!(
        log,
        "{\"level\":\"info\",\"session_id\":\"<session-id>\"}\n{\"stderr\":\"plain warning in <project>\"}\n"
    );

    let player = ScenarioPlayer::load(&dir).unwrap();
    assert!(player.manifest.complete);
    assert_eq!(
        player.manifest.outcome.as_deref(),
        Some("failed as expected")
    );
    let replay = player.replayer();
    let replayed = replay.run(&CliCall::agent("investigate", "agent")).unwrap();
    assert!(
        replayed.stdout.ends_with("\nnot json at all\n"),
        "{}",
        replayed.stdout
    );
    assert_eq!(final_result(&replayed.stdout).unwrap()["result"], "done");
    assert_eq!(
        replayed.stderr,
        "{\"level\":\"info\",\"session_id\":\"<session-id>\"}\nplain warning in <project>\n"
    );
    let test = replay.run(&CliCall::command("test", "sh")).unwrap();
    assert_eq!(
        (test.exit_code, test.stdout.as_str(), test.stderr.as_str()),
        (
            Some(1),
            "FAILED in <project>\nTOKEN=<redacted:secret-assignment>\n",
            "boom\n"
        )
    );
    replay.finish().unwrap();
}

#[test]
fn recording_hooks_strip_fields() {
    let temp = tempfile::tempdir().unwrap();
    let mut big = Transcript::new("s", "m", "/");
    big.text("hi");
    big.result("ok", false);
    let mut output = big.output(0);
    output.stdout = output.stdout.replace(
        "\"permission_denials\":[]",
        "\"permission_denials\":[],\"tool_use_result\":{\"blob\":\"xxxxxxxx\"}",
    );
    let dir = temp.path().join("rec");
    let recorder = RecordingCli::new(Scripted::new(vec![output]), &dir, temp.path(), json!({}))
        .unwrap()
        .strip_field("tool_use_result")
        .unwrap()
        .strip_field("message.usage")
        .unwrap()
        .hook(|step, line| line["step_seen"] = step.into());
    recorder.run(&CliCall::agent("s1", "agent")).unwrap();
    recorder.finish("ok").unwrap();
    let stdout = fs::read_to_string(dir.join("sessions/001_s1/stdout.jsonl")).unwrap();
    assert!(!stdout.contains("tool_use_result"), "{stdout}");
    let assistant: serde_json::Value =
        serde_json::from_str(stdout.lines().nth(1).unwrap()).unwrap();
    assert_eq!(assistant["type"], "assistant");
    assert!(assistant["message"].get("usage").is_none(), "{stdout}");
    assert!(assistant["message"].get("content").is_some(), "{stdout}");
    assert!(stdout.contains("\"step_seen\":\"s1\""), "{stdout}");
}

#[test]
fn a_recording_that_ends_early_still_writes_its_manifest() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("early");
    let outputs = vec![Transcript::new("s", "m", "/").output(0)];
    {
        let recorder =
            RecordingCli::new(Scripted::new(outputs.clone()), &dir, temp.path(), json!({}))
                .unwrap();
        let manifest = ScenarioManifest::load(&dir).unwrap();
        assert!(!manifest.complete);
        assert!(
            manifest.ended_early.unwrap().contains("interrupted"),
            "a Ctrl-C leaves this"
        );
        recorder
            .run(&CliCall::agent("investigate", "agent"))
            .unwrap();
        assert!(recorder.run(&CliCall::agent("implement", "agent")).is_err());
    }
    let manifest = ScenarioManifest::load(&dir).unwrap();
    assert_eq!(
        (manifest.complete, manifest.step_sequence.len()),
        (false, 1)
    );
    assert!(manifest
        .ended_early
        .unwrap()
        .contains("ended before the recorder finished"));
    let err = ScenarioSuite::new()
        .orchestrator(|_, _| Ok(String::new()))
        .replay(&dir)
        .unwrap_err();
    assert!(err.contains("is an incomplete recording"), "{err}");

    let panicked = dir.clone();
    let temp_path = temp.path().to_owned();
    let result = std::thread::spawn(move || {
        let recorder =
            RecordingCli::new(Scripted::new(outputs), &panicked, &temp_path, json!({})).unwrap();
        recorder
            .run(&CliCall::agent("investigate", "agent"))
            .unwrap();
        panic!("the orchestrator crashed");
    })
    .join();
    assert!(result.is_err());
    let manifest = ScenarioManifest::load(&dir).unwrap();
    assert!(manifest.ended_early.unwrap().contains("panicked"));
}

#[test]
fn recording_refuses_a_folder_that_is_no_scenario() {
    let temp = tempfile::tempdir().unwrap();
    fs::write(temp.path().join("precious.txt"), "keep me").unwrap();
    let err = RecordingCli::new(RealCli, temp.path(), temp.path(), json!({}))
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("refusing to record over it"),
        "{err}"
    );
    assert!(temp.path().join("precious.txt").exists());
}

// --- the real runner ----------------------------------------------------------

#[test]
fn real_runner_passes_stdin_env_and_cwd_and_returns_everything() {
    let temp = tempfile::tempdir().unwrap();
    let call = CliCall::command("x", "sh")
        .args(["-c", "cat; echo \"$GREETING\" >&2; pwd; exit 3"])
        .env("GREETING", "hello")
        .cwd(temp.path())
        .stdin("from stdin\n");
    let output = RealCli.run(&call).unwrap();
    let cwd = temp.path().canonicalize().unwrap();
    assert_eq!(output.stdout, format!("from stdin\n{}\n", cwd.display()));
    assert_eq!(
        (output.stderr.as_str(), output.exit_code, output.timed_out),
        ("hello\n", Some(3), false)
    );
}

#[test]
fn real_runner_timeout_kills_the_process_and_its_children() {
    let temp = tempfile::tempdir().unwrap();
    let pid_file = temp.path().join("child.pid");
    let call = CliCall::command("x", "sh")
        .args([
            "-c",
            &format!("sleep 30 & echo $! > {}; wait", pid_file.display()),
        ])
        .timeout(Duration::from_secs(1));
    let output = RealCli.run(&call).unwrap();
    assert!(output.timed_out);
    assert_eq!(output.exit_code, None);
    assert!(
        output.duration < Duration::from_secs(10),
        "{:?}",
        output.duration
    );
    let pid: i32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (0..200).any(|_| {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        if stat.is_empty() || state == Some("Z") {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
        false
    });
    assert!(
        gone,
        "child {pid} of the timed-out process is still running"
    );
}

#[test]
fn real_runner_names_a_program_it_cannot_start() {
    let err = RealCli
        .run(&CliCall::agent("investigate", "/nonexistent/agent-cli"))
        .unwrap_err();
    assert_eq!(err.step, "investigate");
    assert!(
        err.message
            .starts_with("cannot start `/nonexistent/agent-cli` in ."),
        "{err}"
    );
}

#[test]
fn validate_tree_takes_one_scenario_or_a_folder_of_them() {
    let root = bundled("smoke-happy").parent().unwrap().to_owned();
    assert_eq!(
        fixture_runtime::scenario::validate_tree(&root, &Limits::default()),
        Vec::new()
    );
    let (temp, dir) = copy_of("smoke-happy");
    fs::remove_file(dir.join("sessions/002_rectify/input.json")).unwrap();
    let one = fixture_runtime::scenario::validate_tree(&dir, &Limits::default());
    let all = fixture_runtime::scenario::validate_tree(temp.path(), &Limits::default());
    assert_eq!(one.len(), 1);
    assert_eq!(one, all);
    let empty = tempfile::tempdir().unwrap();
    let none = fixture_runtime::scenario::validate_tree(empty.path(), &Limits::default());
    assert!(none[0].message.starts_with("no scenario here"), "{none:?}");

    // A copy that lost its manifest is a problem, in a folder of scenarios
    // and on its own.
    fs::remove_file(dir.join("scenario.json")).unwrap();
    for problems in [
        fixture_runtime::scenario::validate_tree(temp.path(), &Limits::default()),
        fixture_runtime::scenario::validate_tree(&dir, &Limits::default()),
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.path.ends_with("smoke-happy/scenario.json")),
            "{problems:?}"
        );
    }
}

// --- containment ----------------------------------------------------------

/// A copy of `smoke-happy` whose first session is moved out of the
/// scenario (beside it) and named by `session` in scenario.json.
fn session_outside(session: impl FnOnce(&Path) -> String) -> (tempfile::TempDir, PathBuf) {
    let (temp, dir) = copy_of("smoke-happy");
    let outside = temp.path().join("elsewhere");
    fs::create_dir_all(&outside).unwrap();
    fs::rename(
        dir.join("sessions/001_investigate"),
        outside.join("001_investigate"),
    )
    .unwrap();
    let name = session(&outside.join("001_investigate"));
    let manifest = fs::read_to_string(dir.join("scenario.json")).unwrap();
    let manifest = manifest.replacen(
        "\"session\": \"001_investigate\"",
        &format!("\"session\": {}", serde_json::to_string(&name).unwrap()),
        1,
    );
    fs::write(dir.join("scenario.json"), manifest).unwrap();
    (temp, dir)
}

#[test]
fn sessions_outside_the_scenario_are_refused_by_validate_and_replay() {
    let absolute = session_outside(|outside| outside.display().to_string());
    let climbing = session_outside(|_| "../../elsewhere/001_investigate".to_owned());
    let linked = session_outside(|outside| {
        let link = outside
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("smoke-happy/sessions/linked");
        std::os::unix::fs::symlink(outside, link).unwrap();
        "linked".to_owned()
    });
    for ((_temp, dir), entry, why) in [
        (
            absolute,
            String::new(),
            "is an absolute path: it must be relative to its folder",
        ),
        (
            climbing,
            "../../elsewhere/001_investigate".to_owned(),
            "leads out of its folder through `..`",
        ),
        (
            linked,
            "linked".to_owned(),
            "leads out of its folder through a symbolic link",
        ),
    ] {
        let found = problems(&dir, &Limits::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!(
                "<dir>/scenario.json: step_sequence[0] (step `investigate`): session `{entry}"
            )) && found[0].contains(why)
                && found[0].ends_with(
                    "a session is a folder below sessions/; re-record the scenario, or fix \
                     scenario.json"
                ),
            "{found:?}"
        );
        let err = ScenarioPlayer::load(&dir).unwrap_err().to_string();
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn session_files_that_link_out_or_are_fifos_are_named() {
    let (temp, dir) = copy_of("smoke-happy");
    let session = dir.join("sessions/001_investigate");
    let secret = temp.path().join("secret.jsonl");
    fs::write(&secret, "{\"token\": \"not here\"}\n").unwrap();
    fs::remove_file(session.join("stdout.jsonl")).unwrap();
    std::os::unix::fs::symlink(&secret, session.join("stdout.jsonl")).unwrap();
    let found = problems(&dir, &Limits::default());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "<dir>/sessions/001_investigate/stdout.jsonl: `stdout.jsonl` leads out of its \
             folder through a symbolic link"
        ),
        "{found:?}"
    );
    let err = Cassette::load(&session).unwrap_err().to_string();
    assert!(
        err.contains("`stdout.jsonl` leads out of its folder through a symbolic link"),
        "{err}"
    );

    fs::remove_file(session.join("stdout.jsonl")).unwrap();
    let path = std::ffi::CString::new(session.join("stdout.jsonl").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let found = problems(&dir, &Limits::default());
    assert_eq!(
        found,
        [
            "<dir>/sessions/001_investigate/stdout.jsonl: `stdout.jsonl` is a FIFO, not a regular \
          file: a session folder holds input.json, stdout.jsonl, session_log.jsonl, \
          metadata.json; re-record the scenario"
        ]
    );
    let err = ScenarioPlayer::load(&dir).unwrap_err().to_string();
    assert!(
        err.contains("`stdout.jsonl` is a FIFO, not a regular file"),
        "{err}"
    );
}

//! The two scenario layouts (fixture-kit's and autoskillit's): loading,
//! validating, replaying and converting both ways; the step map; schema
//! versions and `upgrade`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use fixture_runtime::scenario::layout::{self, Layout, Scenario, Step};
use fixture_runtime::scenario::stream_json::final_result;
use fixture_runtime::scenario::{
    show, upgrade, validate, CliCall, CliRunner, Limits, RecordedCall, ScenarioPlayer,
    ScenarioSuite, SchemaVersion,
};
use serde_json::{json, Value};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("scenarios")
        .join(name)
}

/// The autoskillit scenario built by hand from that recorder's public code.
fn autoskillit_scenario() -> PathBuf {
    data("autoskillit/smoke-test")
}

/// A writable copy of `from` at `<temp>/<name>`.
fn copy(from: &Path, name: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join(name);
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = dir.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    (temp, dir)
}

/// Every file below `dir`, relative, to its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let rel = entry.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

fn problem_of(dir: &Path) -> String {
    layout::load(dir)
        .unwrap_err()
        .to_string()
        .replace(&dir.display().to_string(), "<dir>")
}

// --- the autoskillit layout -----------------------------------------------

#[test]
fn the_autoskillit_scenario_is_detected_loaded_and_validates_clean() {
    let dir = autoskillit_scenario();
    assert_eq!(layout::detect(&dir).unwrap().0, Layout::Autoskillit);
    let scenario = layout::load(&dir).unwrap();
    assert_eq!(scenario.layout, Layout::Autoskillit);
    assert_eq!(scenario.manifest.recipe, json!("implementation"));
    assert!(scenario.manifest.complete);
    assert_eq!(scenario.manifest.recorder.name, "autoskillit");
    let steps: Vec<(&str, Option<&str>)> = scenario
        .manifest
        .step_sequence
        .iter()
        .map(|record| (record.step.as_str(), record.session.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("investigate", Some("investigate_1")),
            ("implement", Some("implement_2")),
            ("test", None),
            ("resolve_failures", Some("resolve_failures_3")),
            ("test", None),
            ("open_pr", Some("open_pr_4")),
        ]
    );
    let Step::Session(investigate) = &scenario.steps[0] else {
        panic!("the first step is a session");
    };
    let cassette = &investigate.cassette;
    assert_eq!(cassette.input.args[0], "-p", "the program is left out");
    assert!(cassette.input.args[1].starts_with("/autoskillit:investigate"));
    assert_eq!(cassette.input.prompt, "", "the prompt was an argument");
    assert_eq!(
        cassette.metadata.model.as_deref(),
        Some("claude-sonnet-4-6")
    );
    assert_eq!(cassette.metadata.exit_code, Some(0));
    assert_eq!(cassette.metadata.duration_ms, 19111);
    assert_eq!(
        cassette.session_log, "",
        "the agent's own log is not stderr"
    );
    assert!(investigate
        .agent_log
        .as_deref()
        .unwrap()
        .contains("\"sessionId\""));
    let Step::Command(test) = &scenario.steps[2] else {
        panic!("the third step is a command");
    };
    assert_eq!(test.exit_code, Some(1));
    assert!(test.stdout_head.contains("1 failed"));
    assert_eq!(test.stderr, "");
    assert_eq!(validate(&dir, &Limits::default()), []);
}

/// The reference pipeline's shape, as a Rust orchestrator drives it through
/// the `CliRunner` seam: investigate, implement, test, on failure resolve
/// and test again, open a pull request.
fn drive(cli: &dyn CliRunner) -> Result<String, String> {
    let agent = |step: &str, prompt: &str| -> Result<String, String> {
        let call =
            CliCall::agent(step, "claude").args(["-p", prompt, "--output-format", "stream-json"]);
        let output = cli.run(&call).map_err(|err| err.to_string())?;
        let result = final_result(&output.stdout).ok_or(format!("{step}: no result line"))?;
        if result["is_error"] == true || !output.success() {
            return Err(format!("{step} failed: {}", result["result"]));
        }
        Ok(result["result"].as_str().unwrap_or_default().to_owned())
    };
    let test = || cli.run(&CliCall::command("test", "cargo").args(["test"]));
    agent("investigate", "find the bug")?;
    agent("implement", "fix it")?;
    let mut rounds = 0;
    while !test().map_err(|err| err.to_string())?.success() {
        rounds += 1;
        agent("resolve_failures", "the tests fail")?;
    }
    let pr = agent("open_pr", "open a pull request")?;
    Ok(format!("{pr} after {rounds} retry"))
}

#[test]
fn the_autoskillit_scenario_replays_through_the_cli_runner_seam() {
    let player = ScenarioPlayer::load(&autoskillit_scenario()).unwrap();
    let replay = player.replayer();
    let outcome = drive(&replay).unwrap();
    assert_eq!(
        outcome,
        "Opened https://github.com/example/vecsum/pull/7 after 1 retry"
    );
    assert_eq!(replay.served_steps(), player.steps());
    replay.finish().unwrap();
    // run_cmd steps are plain commands: an agent call for one is refused.
    let replay = player.replayer();
    let err = replay.run(&CliCall::agent("test", "claude")).unwrap_err();
    assert!(
        err.message
            .contains("is an agent call, but the recording is a plain command"),
        "{err}"
    );
    assert!(matches!(player.calls[2].1, RecordedCall::Command(_)));
}

#[test]
fn the_generated_suites_cases_pass_on_the_autoskillit_scenario() {
    let suite = ScenarioSuite::new().orchestrator(|cli, recipe| {
        assert_eq!(recipe, &json!("implementation"));
        drive(cli)
    });
    suite.validate(&autoskillit_scenario()).unwrap();
    suite.replay(&autoskillit_scenario()).unwrap();
    // A strict replay fails when the orchestrator skips a recorded step.
    let skipping = ScenarioSuite::new().orchestrator(|cli, _| {
        cli.run(&CliCall::agent("investigate", "claude"))
            .map(|_| "stopped early".to_owned())
            .map_err(|err| err.to_string())
    });
    let err = skipping.replay(&autoskillit_scenario()).unwrap_err();
    assert!(err.contains("recordings unused"), "{err}");
}

#[test]
fn autoskillit_to_fixture_kit_and_back_gives_the_same_bytes() {
    let original = autoskillit_scenario();
    let temp = tempfile::tempdir().unwrap();
    let native = temp.path().join("native");
    let scenario = layout::load(&original).unwrap();
    layout::write(&scenario, Layout::FixtureKit, &native).unwrap();
    assert_eq!(layout::detect(&native).unwrap().0, Layout::FixtureKit);
    assert_eq!(validate(&native, &Limits::default()), []);
    // Nothing of what replay serves changed.
    let replayed = ScenarioPlayer::load(&native).unwrap();
    assert_eq!(
        drive(&replayed.replayer()),
        drive(&ScenarioPlayer::load(&original).unwrap().replayer())
    );
    // The agent's own session log is kept beside the cassette.
    assert!(native
        .join("sessions/investigate_1/agent_session_log.jsonl")
        .is_file());
    let back = temp.path().join("back");
    layout::write(&layout::load(&native).unwrap(), Layout::Autoskillit, &back).unwrap();
    assert_eq!(files(&back), files(&original));
}

/// What converting a fixture-kit scenario to the autoskillit layout loses,
/// stated as the change it makes to the loaded scenario: the prompt on
/// stdin, the working folder and environment, `timed_out`, the CLI's
/// stderr (fixture-kit's `session_log.jsonl`), the recorder version of each
/// session, and of the manifest the recipe's JSON type, the outcome, the
/// recorder, and `scrub`. Everything else comes back as it was.
fn what_autoskillit_keeps(mut scenario: Scenario) -> Scenario {
    let recipe = scenario.manifest.recipe.to_string();
    let manifest = &mut scenario.manifest;
    manifest.recipe = Value::String(recipe);
    manifest.outcome = None;
    manifest.recorder.name = "autoskillit".to_owned();
    manifest.recorder.version = "unknown".to_owned();
    manifest.scrub = Default::default();
    for step in &mut scenario.steps {
        if let Step::Session(session) = step {
            let cassette = &mut session.cassette;
            cassette.input.prompt.clear();
            cassette.input.cwd = ".".to_owned();
            cassette.input.env.clear();
            cassette.metadata.timed_out = false;
            cassette.metadata.recorder_version = env!("CARGO_PKG_VERSION").to_owned();
            cassette.session_log.clear();
        }
    }
    scenario
}

#[test]
fn fixture_kit_to_autoskillit_and_back_keeps_what_replay_serves_and_loses_what_it_says() {
    let (_temp, original) = copy(&bundled("smoke-test-fail-once"), "smoke-test-fail-once");
    let out = original.parent().unwrap();
    let loaded = layout::load(&original).unwrap();
    layout::write(&loaded, Layout::Autoskillit, &out.join("a")).unwrap();
    assert_eq!(validate(&out.join("a"), &Limits::default()), []);
    layout::write(
        &layout::load(&out.join("a")).unwrap(),
        Layout::FixtureKit,
        &out.join("n"),
    )
    .unwrap();
    let mut back = layout::load(&out.join("n")).unwrap();
    // Folders differ by where they were written; compare the content.
    let mut expected = what_autoskillit_keeps(loaded);
    for scenario in [&mut back, &mut expected] {
        scenario.dir = PathBuf::new();
        for step in &mut scenario.steps {
            if let Step::Session(session) = step {
                session.cassette.dir = PathBuf::new();
            }
        }
    }
    assert_eq!(back, expected);
    // Every stdout.jsonl comes back byte for byte.
    let stdout = |dir: &Path| {
        files(dir)
            .into_iter()
            .filter(|(rel, _)| rel.ends_with("stdout.jsonl"))
            .collect::<Vec<_>>()
    };
    assert_eq!(stdout(&out.join("n")), stdout(&original));
    assert_eq!(stdout(&original).len(), 7);
}

#[test]
fn converting_in_place_replaces_the_folder_and_refuses_a_full_one() {
    let (_temp, dir) = copy(&autoskillit_scenario(), "in-place");
    let scenario = layout::load(&dir).unwrap();
    layout::write(&scenario, Layout::FixtureKit, &dir).unwrap();
    assert_eq!(layout::detect(&dir).unwrap().0, Layout::FixtureKit);
    let session = dir.join("sessions/investigate_1");
    assert_eq!(
        fs::read_to_string(session.join("session_log.jsonl")).unwrap(),
        ""
    );
    assert!(session.join("agent_session_log.jsonl").is_file());
    assert_eq!(validate(&dir, &Limits::default()), []);
    let siblings: Vec<_> = fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["in-place"], "no temporary folder is left behind");
    let full = dir.parent().unwrap().join("full");
    fs::create_dir_all(&full).unwrap();
    fs::write(full.join("notes.txt"), "mine").unwrap();
    let err = layout::write(&scenario, Layout::Autoskillit, &full).unwrap_err();
    assert!(
        err.to_string()
            .contains("not empty: refusing to write a scenario over it"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(full.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn lines_that_are_not_json_survive_both_ways() {
    let (_temp, dir) = copy(&autoskillit_scenario(), "raw");
    let stdout = dir.join("sessions/open_pr_4/stdout.jsonl");
    let text = fs::read_to_string(&stdout).unwrap();
    fs::write(&stdout, format!("Warning: terminal is not a TTY\n{text}")).unwrap();
    let native = dir.parent().unwrap().join("native");
    layout::write(&layout::load(&dir).unwrap(), Layout::FixtureKit, &native).unwrap();
    assert_eq!(validate(&native, &Limits::default()), []);
    let player = ScenarioPlayer::load(&native).unwrap();
    let RecordedCall::Session(cassette) = &player.calls[5].1 else {
        panic!("open_pr is a session");
    };
    assert!(cassette
        .replayed_stdout()
        .starts_with("Warning: terminal is not a TTY\n{"));
    let back = dir.parent().unwrap().join("back");
    layout::write(&layout::load(&native).unwrap(), Layout::Autoskillit, &back).unwrap();
    assert_eq!(files(&back), files(&dir));
}

#[test]
fn malformed_autoskillit_scenarios_name_the_file_and_json_path() {
    let (_temp, dir) = copy(&autoskillit_scenario(), "broken");
    let manifest = fs::read_to_string(dir.join("scenario.json")).unwrap();
    let cases = [
        (
            manifest.replacen("\"run_cmd\"", "\"run_shell\"", 1),
            "<dir>/scenario.json: step_sequence[2].tool: `run_shell` is neither `run_skill` (an \
             agent session) nor `run_cmd` (a shell command)",
        ),
        (
            manifest.replacen("\"sessions/implement_2\"", "null", 1),
            "<dir>/scenario.json: step_sequence[1].session_dir: step `implement` is a `run_skill` \
             step, which names its session folder here: re-record, or fix the step",
        ),
        (
            manifest.replacen("\"exit_code\": 1", "\"exit_code\": \"1\"", 1),
            "<dir>/scenario.json: step_sequence[2].result_summary.exit_code: missing or not a \
             whole number (or null, for a killed command) (step `test`)",
        ),
        (
            manifest.replacen(
                "\"recipe\": \"implementation\"",
                "\"recipe\": 7, \"x\": 1",
                1,
            ),
            "<dir>/scenario.json: recipe: not a string: the autoskillit recorder writes the \
             recipe's name",
        ),
        (
            manifest.replacen("\"sessions/implement_2\"", "\"/elsewhere/implement_2\"", 1),
            "<dir>/scenario.json: step_sequence[1].session_dir: `/elsewhere/implement_2` is an \
             absolute path outside the scenario (was it moved since recording?): make it relative \
             to the scenario folder, e.g. `sessions/<name>`",
        ),
        (
            manifest.replacen(
                "\"sessions/implement_2\"",
                "\"sessions/../../implement_2\"",
                1,
            ),
            "<dir>/scenario.json: step_sequence[1].session_dir (step `implement`): \
             `sessions/../../implement_2` leads out of its folder through `..`: a session is a \
             folder inside the scenario; fix scenario.json",
        ),
        (
            "[{\"step_name\": \"x\", \"exit_code\": 0}]".to_owned(),
            "<dir>/scenario.json: a JSON array: that is the manifest of autoskillit's Codex \
             recordings (`codex_stdout.ndjson`), which fixture-kit does not read; record the \
             scenario with fixture-kit, or from autoskillit's Claude recorder",
        ),
    ];
    for (text, expected) in cases {
        fs::write(dir.join("scenario.json"), &text).unwrap();
        assert_eq!(problem_of(&dir), expected, "{text}");
        // validate reports the same problem.
        let problems = validate(&dir, &Limits::default());
        assert_eq!(problems[0], layout::load(&dir).unwrap_err());
    }
    fs::write(dir.join("scenario.json"), &manifest).unwrap();
    let session = dir.join("sessions/implement_2");
    let input = fs::read_to_string(session.join("input.json")).unwrap();
    fs::write(session.join("input.json"), input.replacen("\"-p\"", "7", 1)).unwrap();
    assert_eq!(
        problem_of(&dir),
        "<dir>/sessions/implement_2/input.json: args[1]: not a string"
    );
    fs::write(session.join("input.json"), &input).unwrap();
    let metadata = fs::read_to_string(session.join("metadata.json")).unwrap();
    fs::write(
        session.join("metadata.json"),
        metadata.replacen("\"duration_ms\": 20222", "\"duration_ms\": -5", 1),
    )
    .unwrap();
    assert_eq!(
        problem_of(&dir),
        "<dir>/sessions/implement_2/metadata.json: duration_ms: missing or not a whole number \
         of milliseconds, 0 or more"
    );
    fs::write(session.join("metadata.json"), &metadata).unwrap();
    fs::write(
        session.join("session_log.jsonl"),
        "{\"type\":\"user\"}\nnot json\n",
    )
    .unwrap();
    assert_eq!(
        problem_of(&dir),
        "<dir>/sessions/implement_2/session_log.jsonl:2: not a JSON object: every line of a \
         .jsonl file is one JSON object; re-record, or fix the line"
    );
    fs::remove_dir_all(&session).unwrap();
    assert!(
        problem_of(&dir).starts_with(
            "<dir>/sessions/implement_2: missing session folder of step `implement` \
             (step_sequence[1].session_dir)"
        ),
        "{}",
        problem_of(&dir)
    );
}

#[test]
fn a_session_dir_outside_sessions_gets_a_numbered_folder() {
    let (_temp, dir) = copy(&autoskillit_scenario(), "moved");
    fs::rename(dir.join("sessions/implement_2"), dir.join("implement")).unwrap();
    let manifest = fs::read_to_string(dir.join("scenario.json"))
        .unwrap()
        .replace("\"sessions/implement_2\"", "\"implement/\"");
    fs::write(dir.join("scenario.json"), manifest).unwrap();
    let scenario = layout::load(&dir).unwrap();
    assert_eq!(
        scenario.manifest.step_sequence[1].session.as_deref(),
        Some("002_implement")
    );
    let native = dir.parent().unwrap().join("native");
    layout::write(&scenario, Layout::FixtureKit, &native).unwrap();
    assert!(native.join("sessions/002_implement/stdout.jsonl").is_file());
    let back = dir.parent().unwrap().join("back");
    layout::write(&layout::load(&native).unwrap(), Layout::Autoskillit, &back).unwrap();
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(back.join("scenario.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["step_sequence"][1]["session_dir"], "sessions/002_implement",
        "where the folder was is lost; its content is not"
    );
    assert_eq!(
        fs::read(back.join("sessions/002_implement/stdout.jsonl")).unwrap(),
        fs::read(dir.join("implement/stdout.jsonl")).unwrap()
    );
}

// --- the step map -----------------------------------------------------------

fn golden(name: &str, actual: &str) {
    let path = data(&format!("show/{name}.txt"));
    if std::env::var_os("UPDATE_GOLDENS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    similar_asserts::assert_eq!(
        expected,
        actual,
        "{} (UPDATE_GOLDENS=1 rewrites it)",
        path.display()
    );
}

#[test]
fn show_prints_the_step_map_of_either_layout() {
    for (name, dir) in [
        ("autoskillit-smoke-test", autoskillit_scenario()),
        ("smoke-test-fail-once", bundled("smoke-test-fail-once")),
    ] {
        let scenario = layout::load(&dir).unwrap();
        let text = show::render(&scenario, &Limits::default());
        assert_eq!(
            text,
            show::render(&layout::load(&dir).unwrap(), &Limits::default())
        );
        golden(name, &text.replace(&dir.display().to_string(), "<dir>"));
    }
}

#[test]
fn show_marks_what_is_over_budget() {
    let scenario = layout::load(&autoskillit_scenario()).unwrap();
    let limits = Limits {
        // resolve_failures' stdout.jsonl is 3,690 bytes, investigate's 3,600.
        max_stdout_bytes: 3600,
        max_scenario_bytes: 10_000,
    };
    let text = show::render(&scenario, &limits);
    let over: Vec<&str> = text.lines().filter(|line| line.ends_with("OVER")).collect();
    assert_eq!(over.len(), 2, "{text}");
    assert!(over[0].contains("resolve_failures"), "{text}");
    assert!(over[1].starts_with("total: "), "{text}");
}

// --- schema versions and upgrade --------------------------------------------

#[test]
fn schema_versions_are_known_or_refused_naming_them() {
    let version = |value: Value| SchemaVersion::from_value(Some(&value));
    assert_eq!(version(json!(1)), Ok(SchemaVersion::V1));
    assert_eq!(SchemaVersion::CURRENT.number(), 1);
    assert_eq!(
        version(json!(3)).unwrap_err(),
        "schema_version 3 is not supported: it is newer than this fixture-kit, which reads \
         schema_version 1; upgrade fixture-kit, or re-record the scenario with this one"
    );
    for odd in [json!(0), json!("1"), json!(1.5), json!(-1), json!(null)] {
        let err = version(odd.clone()).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "schema_version {odd} is not supported: fixture-kit has written"
            )),
            "{err}"
        );
    }
    assert_eq!(
        SchemaVersion::from_value(None).unwrap_err(),
        "missing schema_version: add `\"schema_version\": 1`"
    );
}

#[test]
fn upgrade_normalises_old_cassettes_once_and_then_changes_nothing() {
    let (_temp, dir) = copy(&bundled("smoke-happy"), "smoke-happy");
    assert_eq!(
        upgrade(&dir).unwrap().rewritten,
        Vec::<PathBuf>::new(),
        "the bundled scenarios are current"
    );
    let stdout = dir.join("sessions/001_investigate/stdout.jsonl");
    let mut text = fs::read_to_string(&stdout).unwrap();
    let result = text.lines().last().unwrap().to_owned();
    let mut old: Value = serde_json::from_str(&result).unwrap();
    old["modelUsage"] = json!({"stand-in-1": {"inputTokens": 4, "costUSD": 0.0123}});
    old["result"] = json!("API Error: 529 {\"request_id\":\"req_011CX7J5ZXp3npD8nY7VYZvm\"}");
    text = text.replace(&result, &old.to_string());
    text.push_str(
        "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\",\"resetsAt\":1773828000}}\n",
    );
    fs::write(&stdout, &text).unwrap();
    let untouched = files(&dir);
    let upgraded = upgrade(&dir).unwrap();
    assert_eq!(upgraded.from, SchemaVersion::V1);
    assert_eq!(
        upgraded.rewritten,
        [PathBuf::from("sessions/001_investigate/stdout.jsonl")]
    );
    let after = fs::read_to_string(&stdout).unwrap();
    assert!(after.contains("\"costUSD\":0"), "{after}");
    assert!(
        after.contains("\"inputTokens\":4"),
        "token counts only when asked"
    );
    assert!(
        after.contains("\\\"request_id\\\":\\\"req_0001\\\""),
        "{after}"
    );
    assert!(after.contains("\"resetsAt\":0"), "{after}");
    for (rel, bytes) in files(&dir) {
        if !rel.ends_with("001_investigate/stdout.jsonl") {
            assert_eq!(bytes, untouched[&rel], "{rel} was not to change");
        }
    }
    let once = files(&dir);
    assert_eq!(upgrade(&dir).unwrap().rewritten, Vec::<PathBuf>::new());
    assert_eq!(files(&dir), once, "a second upgrade changes nothing");
    assert_eq!(validate(&dir, &Limits::default()), []);
}

#[test]
fn upgrade_refuses_unknown_versions_and_the_autoskillit_layout() {
    let (_temp, dir) = copy(&bundled("smoke-happy"), "future");
    let manifest = dir.join("scenario.json");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("\"schema_version\": 1", "\"schema_version\": 9"),
    )
    .unwrap();
    let before = files(&dir);
    let err = upgrade(&dir).unwrap_err().to_string();
    assert!(err.ends_with(
        "scenario.json: schema_version 9 is not supported: it is newer than this fixture-kit, \
         which reads schema_version 1; upgrade fixture-kit, or re-record the scenario with this one"
    ), "{err}");
    assert_eq!(files(&dir), before, "nothing is written");
    let err = upgrade(&autoskillit_scenario()).unwrap_err().to_string();
    assert!(
        err.contains(
            "in the autoskillit layout, which has no schema_version: run \
                          `fixture-kit scenario convert DIR --to fixture-kit`"
        ),
        "{err}"
    );
}

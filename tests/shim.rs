//! The drop-in agent CLI: the Python reference orchestrator
//! (`tests/support/orchestrator.py`) recorded through `fixture-kit scenario
//! record` over the stand-in agent, and replayed through `scenario replay`
//! with no real agent CLI on `PATH`: outcomes, misses, faults, record modes,
//! concurrent calls and an interrupted recording.

mod stand_in;
// Shared with tests/scenarios.rs, which uses the rest of it.
#[allow(dead_code)]
mod support;

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use stand_in::stand_in_agent;
use support::recording::BUNDLED;
use walkdir::WalkDir;

const FIXTURE_KIT: &str = env!("CARGO_BIN_EXE_fixture-kit");

fn orchestrator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/orchestrator.py")
}

/// A project folder with the variant's `check.sh`.
fn project(root: &Path, variant: &str) -> PathBuf {
    let (_, check) = BUNDLED
        .iter()
        .find(|(name, _)| *name == variant)
        .expect("a bundled variant");
    let dir = root.join(format!("project-{}", fastrand::u32(..)));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("check.sh"), check).unwrap();
    dir
}

/// `PATH` as it is, checked to hold no `claude`: replay must not need one.
fn path_without_claude() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    assert!(
        std::env::split_paths(&path).all(|dir| !dir.join("claude").exists()),
        "a real `claude` is on PATH; these tests prove replay needs none"
    );
    path
}

/// `fixture-kit scenario SUB DIR FLAGS -- python3 orchestrator.py …`.
fn orchestrate(
    sub: &str,
    dir: &Path,
    flags: &[&str],
    work: &Path,
    variant: &str,
    extra: &[&str],
) -> Output {
    let mut command = Command::new(FIXTURE_KIT);
    command
        .args(["scenario", sub])
        .arg(dir)
        .args(flags)
        .arg("--project")
        .arg(work)
        .arg("--")
        .arg("python3")
        .arg(orchestrator())
        .arg("--workdir")
        .arg(work)
        .args(["--task", &format!("{variant}: append a line to work.log")])
        .args(extra)
        .env("PATH", path_without_claude())
        .stdin(Stdio::null());
    command.output().expect("fixture-kit runs")
}

fn record(dir: &Path, root: &Path, variant: &str, flags: &[&str]) -> Output {
    let work = project(root, variant);
    let mut all = vec!["--real", stand_in_agent()];
    all.extend_from_slice(flags);
    orchestrate("record", dir, &all, &work, variant, &[])
}

fn replay(dir: &Path, root: &Path, variant: &str, flags: &[&str], extra: &[&str]) -> Output {
    let work = project(root, variant);
    orchestrate("replay", dir, flags, &work, variant, extra)
}

fn outcome(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("outcome: "))
        .unwrap_or_else(|| panic!("no outcome line: {}", describe(output)))
        .to_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file below `dir`, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            (
                entry.path().strip_prefix(dir).unwrap().to_owned(),
                fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn sessions(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.join("sessions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const EXPECTED: [(&str, &str, usize); 3] = [
    ("smoke-happy", "tests pass after 0 retries", 2),
    ("smoke-test-fail-once", "tests pass after 1 retry", 4),
    (
        "smoke-budget-exhausted",
        "retry budget exhausted: tests still fail after 2 retries",
        6,
    ),
];

#[test]
fn each_bundled_variant_records_and_replays_to_the_same_outcome() {
    let root = tempfile::tempdir().unwrap();
    for (variant, expected, calls) in EXPECTED {
        let dir = root.path().join(variant);
        let recorded = record(&dir, root.path(), variant, &[]);
        assert!(
            recorded.status.success(),
            "{variant}: {}",
            describe(&recorded)
        );
        assert_eq!(outcome(&recorded), expected, "{variant}");
        assert_eq!(
            sessions(&dir).len(),
            calls,
            "{variant}: {:?}",
            sessions(&dir)
        );
        let validated = Command::new(FIXTURE_KIT)
            .args(["scenario", "validate"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            validated.status.success(),
            "{variant}: {}",
            describe(&validated)
        );
        let replayed = replay(&dir, root.path(), variant, &[], &[]);
        assert!(
            replayed.status.success(),
            "{variant}: {}",
            describe(&replayed)
        );
        assert_eq!(outcome(&replayed), expected, "{variant}");
        let log = stderr(&replayed);
        assert_eq!(log.matches(": served ").count(), calls, "{variant}: {log}");
        assert!(log.contains("from $SCENARIO_STEP_NAME"), "{log}");
    }
}

#[test]
fn an_extra_call_is_a_clear_miss() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("happy");
    assert!(record(&dir, root.path(), "smoke-happy", &[])
        .status
        .success());
    let replayed = replay(&dir, root.path(), "smoke-happy", &[], &["--extra-call"]);
    assert_eq!(replayed.status.code(), Some(1), "{}", describe(&replayed));
    assert_eq!(outcome(&replayed), "tests pass after 0 retries");
    let log = stderr(&replayed);
    for part in [
        "MISS: no recording for call #3 (call 2 of step `investigate`)",
        "rule: step `investigate` (from $SCENARIO_STEP_NAME)",
        "recordings left for `investigate`: 0",
        "error: 1 call(s) without a recording",
    ] {
        assert!(log.contains(part), "missing {part:?} in:\n{log}");
    }
}

#[test]
fn recordings_left_unused_fail_the_replay_unless_allowed() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("once");
    assert!(record(&dir, root.path(), "smoke-test-fail-once", &[])
        .status
        .success());
    // The happy project passes at once: assess and the second implement
    // are never asked for.
    let replayed = replay(&dir, root.path(), "smoke-happy", &[], &[]);
    assert_eq!(replayed.status.code(), Some(1), "{}", describe(&replayed));
    let log = stderr(&replayed);
    assert!(
        log.contains("error: 2 recordings left unused: `assess` ×1, `implement` ×1"),
        "{log}"
    );
    let allowed = replay(&dir, root.path(), "smoke-happy", &["--allow-unused"], &[]);
    assert!(allowed.status.success(), "{}", describe(&allowed));
}

#[test]
fn an_injected_overload_takes_the_retry_path() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("happy");
    assert!(record(&dir, root.path(), "smoke-happy", &[])
        .status
        .success());
    for kind in [
        "overload",
        "overload-status",
        "rate-limit",
        "rate-limit-status",
    ] {
        let fault = format!("{kind}@implement#1");
        let replayed = replay(&dir, root.path(), "smoke-happy", &["--fault", &fault], &[]);
        assert!(replayed.status.success(), "{kind}: {}", describe(&replayed));
        assert_eq!(outcome(&replayed), "tests pass after 0 retries", "{kind}");
        let log = stderr(&replayed);
        let status = if kind.starts_with("overload") {
            529
        } else {
            429
        };
        assert!(
            log.contains(&format!(
                "retry: step implement attempt 1 failed with API {status}"
            )),
            "{kind}: {log}"
        );
        assert!(
            log.contains(&format!("#2 implement (call 1): answered by fault {fault}")),
            "{log}"
        );
        assert!(
            log.contains("#3 implement (call 2): served 002_implement"),
            "{log}"
        );
    }
    // More overloads than the orchestrator retries: it gives up, and the
    // recordings it never reached are reported.
    let replayed = replay(
        &dir,
        root.path(),
        "smoke-happy",
        &["--fault", "overload@implement#1:3"],
        &[],
    );
    assert_eq!(replayed.status.code(), Some(1), "{}", describe(&replayed));
    assert_eq!(
        outcome(&replayed),
        "aborted at step implement: the API kept failing (529) for 3 attempts"
    );
    assert!(stderr(&replayed).contains("left unused: `implement` ×1"));
}

#[test]
fn stream_faults_reach_the_orchestrator() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("happy");
    assert!(record(&dir, root.path(), "smoke-happy", &[])
        .status
        .success());
    for (fault, expected) in [
        (
            "truncate@implement:2",
            "aborted at step implement: the output ended without a result line (exit code 0)",
        ),
        (
            "exit@investigate:3",
            "aborted at step investigate: the agent exited with code 3",
        ),
        (
            "corrupt-line@implement:2=not json",
            "tests pass after 0 retries",
        ),
        ("delay@investigate:20", "tests pass after 0 retries"),
    ] {
        let replayed = replay(
            &dir,
            root.path(),
            "smoke-happy",
            &["--fault", fault, "--allow-unused"],
            &[],
        );
        assert!(
            replayed.status.success(),
            "{fault}: {}",
            describe(&replayed)
        );
        assert_eq!(outcome(&replayed), expected, "{fault}");
        assert!(
            stderr(&replayed).contains(&format!(
                "with {}",
                fault
                    .replace("@implement:", "@implement#1:")
                    .replace("@investigate:", "@investigate#1:")
            )),
            "{fault}: {}",
            stderr(&replayed)
        );
    }
    // A hang after the result: the orchestrator's own timeout ends the call,
    // and it keeps the result it read.
    let replayed = replay(
        &dir,
        root.path(),
        "smoke-happy",
        &["--fault", "hang-after-result@investigate"],
        &["--timeout", "2"],
    );
    assert!(replayed.status.success(), "{}", describe(&replayed));
    assert_eq!(outcome(&replayed), "tests pass after 0 retries");
}

#[test]
fn record_modes_behave_as_documented() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("modes");
    // none: nothing to replay is an error, and nothing is written.
    let none = replay(&dir, root.path(), "smoke-happy", &[], &[]);
    assert_eq!(none.status.code(), Some(2), "{}", describe(&none));
    assert!(
        stderr(&none).contains("no scenario to replay"),
        "{}",
        stderr(&none)
    );
    assert!(!dir.exists());
    // once: records when there is no scenario ...
    let once = record(&dir, root.path(), "smoke-happy", &["--record-mode", "once"]);
    assert!(once.status.success(), "{}", describe(&once));
    let first = tree(&dir);
    assert_eq!(sessions(&dir), ["001_investigate", "002_implement"]);
    // ... and replays when there is one: the real CLI is not run.
    let work = project(root.path(), "smoke-happy");
    let again = orchestrate(
        "record",
        &dir,
        &["--record-mode", "once", "--real", "/nonexistent/claude"],
        &work,
        "smoke-happy",
        &[],
    );
    assert!(again.status.success(), "{}", describe(&again));
    assert!(stderr(&again).contains("fixture-kit scenario (none)"));
    assert_eq!(tree(&dir), first);
    // new_episodes: the extra call is recorded after the others, which stay
    // byte for byte; then plain replay serves it.
    let work = project(root.path(), "smoke-happy");
    let grown = orchestrate(
        "replay",
        &dir,
        &["--record-mode", "new_episodes", "--real", stand_in_agent()],
        &work,
        "smoke-happy",
        &["--extra-call"],
    );
    assert!(grown.status.success(), "{}", describe(&grown));
    assert!(stderr(&grown).contains("#3 investigate (call 2): recorded as 003_investigate"));
    let grown_tree = tree(&dir);
    for (path, bytes) in &first {
        if !path.ends_with("scenario.json") {
            assert!(
                grown_tree.contains(&(path.clone(), bytes.clone())),
                "{} changed",
                path.display()
            );
        }
    }
    let replayed = replay(&dir, root.path(), "smoke-happy", &[], &["--extra-call"]);
    assert!(replayed.status.success(), "{}", describe(&replayed));
    // new_episodes --prune: a run without the extra call removes its session.
    let work = project(root.path(), "smoke-happy");
    let pruned = orchestrate(
        "replay",
        &dir,
        &[
            "--record-mode",
            "new_episodes",
            "--real",
            stand_in_agent(),
            "--prune",
        ],
        &work,
        "smoke-happy",
        &[],
    );
    assert!(pruned.status.success(), "{}", describe(&pruned));
    assert!(
        stderr(&pruned).contains("pruned 003_investigate"),
        "{}",
        stderr(&pruned)
    );
    assert_eq!(sessions(&dir), ["001_investigate", "002_implement"]);
    assert_eq!(tree(&dir), first, "pruning restores the first recording");
    // all: re-records everything; the stand-in is deterministic once
    // normalised, so the scenario is the same bytes.
    let all = record(&dir, root.path(), "smoke-happy", &[]);
    assert!(all.status.success(), "{}", describe(&all));
    assert!(stderr(&all).contains("fixture-kit scenario (all)"));
    assert_eq!(tree(&dir), first);
}

#[test]
fn concurrent_calls_are_served_and_recorded_safely() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("parallel");
    let work = root.path().join("work");
    fs::create_dir_all(&work).unwrap();
    // Eight calls at once, of one step, told apart by their prompts.
    let script = "for i in 1 2 3 4 5 6 7 8; do \
                    printf 'task %s\\n@answer answer %s\\n' $i $i | \
                    SCENARIO_STEP_NAME=fan claude -p --output-format stream-json > out.$i & \
                  done; wait";
    let run = |sub: &str, flags: &[&str]| {
        for i in 1..=8 {
            let _ = fs::remove_file(work.join(format!("out.{i}")));
        }
        let output = Command::new(FIXTURE_KIT)
            .args(["scenario", sub])
            .arg(&dir)
            .args(flags)
            .arg("--project")
            .arg(&work)
            .args(["--", "sh", "-c", script])
            .current_dir(&work)
            .env("PATH", path_without_claude())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        for i in 1..=8 {
            let out = fs::read_to_string(work.join(format!("out.{i}"))).unwrap();
            assert!(
                out.contains(&format!("\"result\":\"answer {i}\"")),
                "call {i}: {out}"
            );
        }
        stderr(&output)
    };
    let log = run("record", &["--real", stand_in_agent()]);
    assert_eq!(log.matches(": recorded as ").count(), 8, "{log}");
    assert_eq!(sessions(&dir).len(), 8);
    let log = run("replay", &[]);
    assert_eq!(log.matches("prompt and args matched").count(), 8, "{log}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_recording_keeps_its_manifest() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("stopped");
    let script =
        "echo hi | SCENARIO_STEP_NAME=first claude -p --output-format stream-json > /dev/null; \
                  touch called; sleep 60";
    let mut command = Command::new(FIXTURE_KIT);
    command
        .args(["scenario", "record"])
        .arg(&dir)
        .args(["--real", stand_in_agent(), "--", "sh", "-c", script])
        .current_dir(root.path())
        .stderr(Stdio::piped());
    // A test run started as a background job inherits SIGINT ignored, and
    // fixture-kit keeps an ignored signal ignored: give it the default.
    // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !root.path().join("called").exists() {
        assert!(Instant::now() < deadline, "the first call never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) with a pid this test started.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("scenario.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], false);
    assert_eq!(
        manifest["ended_early"],
        "stopped by SIGINT while the command ran"
    );
    assert_eq!(manifest["step_sequence"][0]["session"], "001_first");
}

#[test]
fn normalisers_in_scenario_json_hide_run_specific_prompt_parts() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ids");
    let work = root.path().join("work");
    fs::create_dir_all(&work).unwrap();
    // Each run asks with a fresh id, as prompts naming temporary folders do.
    let run = |sub: &str, flags: &[&str], id: &str| {
        let script =
            format!("printf 'run {id}\\n@answer ok\\n' | claude -p --output-format stream-json");
        Command::new(FIXTURE_KIT)
            .args(["scenario", sub])
            .arg(&dir)
            .args(flags)
            .arg("--project")
            .arg(&work)
            .args(["--", "sh", "-c", &script])
            .env("PATH", path_without_claude())
            .output()
            .unwrap()
    };
    let recorded = run("record", &["--real", stand_in_agent()], "4711");
    assert!(recorded.status.success(), "{}", describe(&recorded));
    // Matched on the prompt alone, a fresh id is a miss that says why; the
    // shim's miss exit code (2) ends the command, whose code is passed on.
    let strict = run("replay", &["--match", "prompt"], "9000");
    assert_eq!(strict.status.code(), Some(2), "{}", describe(&strict));
    assert!(
        stderr(&strict).contains(
            "rule: any step ($SCENARIO_STEP_NAME not set), prompt compared, no order fallback"
        ),
        "{}",
        stderr(&strict)
    );
    let path = dir.join("scenario.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["match"] = serde_json::json!({
        "on": ["prompt"],
        "normalise": [{"field": "prompt", "regex": "run [0-9]+", "replace": "run <id>"}]
    });
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let matched = run("replay", &[], "9000");
    assert!(matched.status.success(), "{}", describe(&matched));
    assert!(
        stderr(&matched)
            .contains("served 001_claude (any step ($SCENARIO_STEP_NAME not set), prompt matched)"),
        "{}",
        stderr(&matched)
    );
    // Re-recording keeps the hand-written match settings.
    assert!(run("record", &["--real", stand_in_agent()], "1")
        .status
        .success());
    let kept: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(kept["match"], manifest["match"]);
    // A bad regex is an error naming the field.
    manifest["match"]["normalise"][0]["regex"] = "(".into();
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let bad = run("replay", &[], "1");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("match.normalise[0].regex"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn recorded_pacing_is_kept_when_asked_and_followed_on_replay() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("paced");
    // A real CLI that takes 150 ms per line.
    let slow = root.path().join("slow-agent");
    fs::write(
        &slow,
        format!(
            "#!/bin/sh\nexec '{agent}' --delay-ms 150 \"$@\"\n",
            agent = stand_in_agent()
        ),
    )
    .unwrap();
    let mut mode = fs::metadata(&slow).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    fs::set_permissions(&slow, mode).unwrap();
    let script = "echo hi | claude -p --output-format stream-json > out";
    let run = |sub: &str, flags: &[&str]| {
        let start = Instant::now();
        let output = Command::new(FIXTURE_KIT)
            .args(["scenario", sub])
            .arg(&dir)
            .args(flags)
            .args(["--", "sh", "-c", script])
            .current_dir(root.path())
            .env("PATH", path_without_claude())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        start.elapsed()
    };
    run("record", &["--real", slow.to_str().unwrap()]);
    assert!(
        !dir.join("sessions/001_claude/pacing.json").exists(),
        "kept only when asked"
    );
    run(
        "record",
        &["--real", slow.to_str().unwrap(), "--record-pacing"],
    );
    let pacing: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.join("sessions/001_claude/pacing.json")).unwrap(),
    )
    .unwrap();
    let offsets: Vec<u64> = pacing["line_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ms| ms.as_u64().unwrap())
        .collect();
    assert_eq!(offsets.len(), 3, "{pacing}");
    assert!(
        offsets.windows(2).all(|pair| pair[0] <= pair[1]),
        "{pacing}"
    );
    assert!(offsets[2] >= 400, "{pacing}");
    let validated = Command::new(FIXTURE_KIT)
        .args(["scenario", "validate"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(validated.status.success(), "{}", describe(&validated));
    let paced = run("replay", &["--pacing"]);
    assert!(paced >= Duration::from_millis(offsets[2]), "{paced:?}");
    let replayed = fs::read_to_string(root.path().join("out")).unwrap();
    assert!(replayed.contains("\"type\":\"result\""), "{replayed}");
}

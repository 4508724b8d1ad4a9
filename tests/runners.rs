//! The command and replay runners end to end, with real processes: the
//! stand-in agent CLI answers, records and fails on demand.

mod common;
mod stand_in;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};
use std::time::Duration;

use fixture_kit::discover::FixtureId;
use fixture_kit::engine::{run, Options, Outcome};
use fixture_kit::runner::Command;
use fixture_kit::Suite;

use common::SPEC;
use stand_in::stand_in_agent;

/// A tree with one architect fixture, `design/parity/architect`, and a
/// task-level `repo/`.
struct Tree {
    dir: tempfile::TempDir,
    id: FixtureId,
}

impl Tree {
    fn new(prompt: &str) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let id = FixtureId::parse("design/parity/architect").unwrap();
        let fixture = id.dir(&dir.path().join("fixtures"));
        fs::create_dir_all(&fixture).unwrap();
        fs::write(fixture.join("prompt.md"), prompt).unwrap();
        fs::write(fixture.join("expected.json"), SPEC).unwrap();
        let repo = fixture.parent().unwrap().join("repo/src");
        fs::create_dir_all(&repo).unwrap();
        fs::write(repo.join("parity.ts"), "export {};\n").unwrap();
        Tree { dir, id }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("fixtures")
    }

    fn fixture_dir(&self) -> PathBuf {
        self.id.dir(&self.root())
    }

    fn answer(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("answer.txt");
        fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, command: Command) -> Result<Outcome, String> {
        run(
            &Suite::new().runner(command),
            &self.root(),
            &self.id,
            None,
            Options::default(),
        )
        .map_err(|failure| failure.to_string())
    }

    fn cli(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut process = Process::new(env!("CARGO_BIN_EXE_fixture-kit"));
        process
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FIXTURE_KIT_RECORD")
            .env_remove("STAND_IN_ANSWER_FILE")
            .env_remove("UPDATE_GOLDENS");
        for (name, value) in env {
            process.env(name, value);
        }
        process.output().unwrap()
    }
}

fn stand_in(format: &str) -> Command {
    Command::new(stand_in_agent())
        .args(["-p", "--verbose", "--output-format", format])
        .timeout(Duration::from_secs(30))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn command_runner_takes_the_result_of_a_stream_json_transcript() {
    let tree = Tree::new("Design a parity checker.\n");
    let answer = tree.answer(SPEC);
    let command = stand_in("stream-json").env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap());
    let outcome = tree.run(command).unwrap();
    assert!(matches!(outcome, Outcome::Passed { .. }), "{outcome:?}");
}

#[test]
fn command_runner_takes_plain_stdout() {
    let tree = Tree::new("Design a parity checker.\n");
    let answer = tree.answer(SPEC);
    let command = stand_in("text").env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap());
    assert!(tree.run(command).is_ok());
}

#[test]
fn a_different_answer_fails_against_the_golden() {
    let tree = Tree::new("Design a parity checker.\n");
    let answer = tree.answer(&SPEC.replace("A parity checker.", "An odd checker."));
    let command = stand_in("stream-json").env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap());
    let err = tree.run(command).unwrap_err();
    assert!(
        err.contains("actual output differs from the golden"),
        "{err}"
    );
    assert!(err.contains("An odd checker."), "{err}");
}

#[test]
fn a_failing_agent_is_reported_with_its_status_and_stderr() {
    let tree = Tree::new("Design a parity checker.\n");
    let err = tree
        .run(stand_in("stream-json").args(["--exit-code", "3"]))
        .unwrap_err();
    assert!(err.contains("[runner]"), "{err}");
    assert!(err.contains("exited with status 3"), "{err}");
    assert!(
        err.contains("session_end"),
        "the stderr tail is shown: {err}"
    );

    let overloaded = tree
        .run(stand_in("stream-json").args(["--overloaded"]))
        .unwrap_err();
    assert!(overloaded.contains("exited with status 1"), "{overloaded}");
    assert!(
        overloaded.contains(r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error""#),
        "the API error text is kept: {overloaded}"
    );

    let truncated = tree
        .run(stand_in("stream-json").args(["--truncate-after", "2"]))
        .unwrap_err();
    assert!(
        truncated.contains("without a `result` event"),
        "{truncated}"
    );
}

#[test]
fn a_hanging_agent_is_killed_at_its_timeout() {
    let tree = Tree::new("Design a parity checker.\n");
    let answer = tree.answer(SPEC);
    let command = Command::new(stand_in_agent())
        .args(["--output-format", "stream-json", "--delay-ms", "5000"])
        .env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap())
        .timeout(Duration::from_millis(500));
    let err = tree.run(command).unwrap_err();
    assert!(err.contains("timed out after"), "{err}");
}

#[test]
fn the_agent_works_on_a_copy_of_the_repo() {
    let tree = Tree::new("Design it.\n@write src/parity.ts export const touched = 1;\n");
    let answer = tree.answer(SPEC);
    let command = stand_in("stream-json").env("STAND_IN_ANSWER_FILE", answer.to_str().unwrap());
    assert!(tree.run(command).is_ok());
    let original = tree
        .fixture_dir()
        .parent()
        .unwrap()
        .join("repo/src/parity.ts");
    assert_eq!(fs::read_to_string(original).unwrap(), "export {};\n");
}

#[test]
fn replay_records_once_then_serves_without_the_agent() {
    let tree = Tree::new("Design a parity checker.\n");
    let answer = tree.answer(SPEC);
    let stand_in = stand_in_agent();
    let agent = format!("{stand_in} -p --output-format stream-json --verbose");

    let missing = tree.cli(&["verify", "--replay"], &[]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("no recorded session in"),
        "{}",
        text(&missing)
    );
    assert!(text(&missing).contains("FIXTURE_KIT_RECORD=1 cargo test design::parity::architect"));

    let record = tree.cli(
        &["verify", "--replay", "--agent-cmd", &agent],
        &[
            ("FIXTURE_KIT_RECORD", Path::new("1")),
            ("STAND_IN_ANSWER_FILE", &answer),
        ],
    );
    assert!(record.status.success(), "{}", text(&record));
    let cassette = tree.fixture_dir().join("cassette");
    assert!(cassette.join("scenario.json").is_file());
    let stdout = cassette.join("sessions/001_architect/stdout.jsonl");
    let recorded = fs::read_to_string(&stdout).unwrap();
    assert!(
        !recorded.contains(tree.dir.path().to_str().unwrap()),
        "absolute paths are normalised: {recorded}"
    );

    // The agent is gone: replay must not need it.
    let replay = tree.cli(
        &["verify", "--replay", "--agent-cmd", "/nonexistent/agent"],
        &[],
    );
    assert!(replay.status.success(), "{}", text(&replay));
    let strict = tree.cli(&["verify", "--replay", "--strict-real-agents"], &[]);
    assert!(
        strict.status.success(),
        "a replayed real agent counts: {}",
        text(&strict)
    );

    // Once prompt.md changes, the recording answers another prompt.
    let prompt = tree.fixture_dir().join("prompt.md");
    fs::write(&prompt, "Design an even checker.\n").unwrap();
    let drifted = tree.cli(&["verify", "--replay"], &[]);
    assert!(!drifted.status.success());
    assert!(
        text(&drifted).contains("prompt.md changed since"),
        "{}",
        text(&drifted)
    );
    fs::write(&prompt, "Design a parity checker.\n").unwrap();

    fs::remove_file(&stdout).unwrap();
    let broken = tree.cli(&["verify", "--replay"], &[]);
    assert!(!broken.status.success());
    assert!(text(&broken).contains("stdout.jsonl"), "{}", text(&broken));
}

#[test]
fn strict_real_agents_fails_the_bootstrap_runner_from_the_command_line() {
    let tree = Tree::new("Design a parity checker.\n");
    let output = tree.cli(&["verify", "--strict-real-agents"], &[]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("no real agent is wired"),
        "{}",
        text(&output)
    );
    let env = tree.cli(
        &["verify"],
        &[("FIXTURE_STRICT_REAL_AGENTS", Path::new("1"))],
    );
    assert!(!env.status.success(), "{}", text(&env));
}

const PARITY_PATCH: &str = "diff --git a/src/parity.ts b/src/parity.ts\n\
--- a/src/parity.ts\n\
+++ b/src/parity.ts\n\
@@ -1 +1,2 @@\n \
export {};\n\
+export const isEven = (n: number) => n % 2 === 0;\n";

/// A coder fixture whose agent edits `src/parity.ts` in its working copy.
fn coder_tree() -> (tempfile::TempDir, FixtureId) {
    let dir = tempfile::tempdir().unwrap();
    let id = FixtureId::parse("parity/is-even/coder").unwrap();
    let fixture = id.dir(&dir.path().join("fixtures"));
    fs::create_dir_all(&fixture).unwrap();
    fs::write(
        fixture.join("prompt.md"),
        "Add isEven.\n@write src/parity.ts export const isEven = (n: number) => n % 2 === 0;\n",
    )
    .unwrap();
    fs::write(fixture.join("expected.patch"), PARITY_PATCH).unwrap();
    let repo = fixture.parent().unwrap().join("repo/src");
    fs::create_dir_all(&repo).unwrap();
    fs::write(repo.join("parity.ts"), "export {};\n").unwrap();
    (dir, id)
}

#[test]
fn a_coder_that_edits_files_answers_with_the_diff_of_its_working_copy() {
    let (dir, id) = coder_tree();
    let root = dir.path().join("fixtures");
    let run_with = |command: Command| {
        run(
            &Suite::new().runner(command),
            &root,
            &id,
            None,
            Options::default(),
        )
        .map_err(|failure| failure.to_string())
    };
    let outcome = run_with(stand_in("stream-json").patch_from_workdir());
    assert!(matches!(outcome, Ok(Outcome::Passed { .. })), "{outcome:?}");
    // Its final text is no patch: without the switch, that is what is checked.
    let text_answer = run_with(stand_in("stream-json")).unwrap_err();
    assert!(text_answer.contains("[patch-validity]"), "{text_answer}");

    // Recorded once, the working-copy patch replays without the agent.
    let cli = |args: &[&str], record: bool| {
        let mut process = Process::new(env!("CARGO_BIN_EXE_fixture-kit"));
        process
            .args(args)
            .current_dir(dir.path())
            .env_remove("UPDATE_GOLDENS");
        if record {
            process.env("FIXTURE_KIT_RECORD", "1");
        } else {
            process.env_remove("FIXTURE_KIT_RECORD");
        }
        process.output().unwrap()
    };
    let stand_in = stand_in_agent();
    let agent = format!("{stand_in} --output-format stream-json");
    let recorded = cli(
        &[
            "verify",
            "--replay",
            "--patch-from-workdir",
            "--agent-cmd",
            &agent,
        ],
        true,
    );
    assert!(recorded.status.success(), "{}", text(&recorded));
    let cassette = id.dir(&root).join("cassette/workdir.patch");
    assert_eq!(fs::read_to_string(cassette).unwrap(), PARITY_PATCH);
    let replayed = cli(&["verify", "--replay"], false);
    assert!(replayed.status.success(), "{}", text(&replayed));
}

/// A real transcript, copied with its source noted in the README beside it.
fn transcript(name: &str) -> String {
    format!("fixture-runtime/tests/data/agent-transcripts/{name}")
}

#[test]
fn a_real_cli_that_exits_1_on_an_error_result_keeps_the_api_error() {
    let tree = Tree::new("Design a parity checker.\n");
    let file = fs::canonicalize(transcript("05_vecsum_529_array.json")).unwrap();
    let command =
        Command::new("sh").args(["-c".to_owned(), format!("cat '{}'; exit 1", file.display())]);
    let err = tree.run(command).unwrap_err();
    assert!(
        err.contains("`sh` exited with status 1 and reported an error"),
        "{err}"
    );
    assert!(err.contains("API Error: 529"), "{err}");
    assert!(err.contains("overloaded_error"), "{err}");
}

#[test]
fn an_answer_that_fails_the_contract_is_shown() {
    let tree = Tree::new("Design a parity checker.\n");
    let file = fs::canonicalize(transcript("02_obers_big_subagents.jsonl")).unwrap();
    let command = Command::new("cat").args([file.display().to_string()]);
    let err = tree.run(command).unwrap_err();
    assert!(err.contains("[contract]"), "{err}");
    assert!(
        err.contains(
            "the agent answered:\nBased on my comprehensive review of the changed files, here is \
             my assessment:"
        ),
        "{err}"
    );
    assert!(err.contains("… (cut: "), "a long answer is bounded: {err}");
}

#[test]
fn denied_tool_calls_and_a_passed_over_error_are_warnings_of_a_pass() {
    let tree = Tree::new("Design a parity checker.\n");
    let success = serde_json::json!({
        "type": "result", "subtype": "success", "is_error": false, "result": SPEC,
        "permission_denials": [{"tool_name": "Bash", "tool_use_id": "toolu_1"}],
    });
    let teardown = serde_json::json!({
        "type": "result", "subtype": "error_during_execution", "is_error": true,
        "errors": ["only prompt commands are supported in streaming mode"],
    });
    let transcript = tree.answer(&format!("{success}\n{teardown}\n"));
    let command = Command::new("sh").args([
        "-c".to_owned(),
        format!("cat '{}'; exit 1", transcript.display()),
    ]);
    let Outcome::Passed { warnings } = tree.run(command).unwrap() else {
        panic!("a finished run passes");
    };
    let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("denied a tool call: `Bash` (toolu_1)"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("only prompt commands are supported"),
        "{warnings:?}"
    );
}

#[test]
fn links_in_the_repo_stay_links_and_nothing_outside_the_fixture_is_read() {
    let (dir, id) = coder_tree();
    let root = dir.path().join("fixtures");
    let secret = dir.path().join("secret.txt");
    fs::write(&secret, "TOP SECRET\n").unwrap();
    let repo = id.dir(&root).parent().unwrap().join("repo");
    std::os::unix::fs::symlink(&secret, repo.join("src/secret.ts")).unwrap();
    std::os::unix::fs::symlink("parity.ts", repo.join("src/alias.ts")).unwrap();
    let outcome = run(
        &Suite::new().runner(stand_in("stream-json").patch_from_workdir()),
        &root,
        &id,
        None,
        Options::default(),
    );
    // The patch is the agent's edit alone: the links it did not touch are
    // no change, and the secret they point to is never copied or read.
    assert!(matches!(outcome, Ok(Outcome::Passed { .. })), "{outcome:?}");
}

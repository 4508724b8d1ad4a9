//! The replay runner: a recorded agent session per fixture, served in CI.

use std::fs;
use std::path::PathBuf;

use serde_json::json;

use super::command::{workdir, Command};
use super::{workdir_diff, Answer, RunError, Runner};
use crate::env::{flag, RECORD};
use crate::fixture::Fixture;
use crate::golden::write_atomic;
use crate::scenario::cassette::INPUT;
use crate::scenario::manifest::read_inside;
use crate::scenario::{RealCli, RecordedCall, RecordingCli, ScenarioPlayer};
use crate::scrub::Scrubber;
use crate::untrusted::{ReadError, Reason};

/// The folder, inside an agent fixture, that holds its recorded session.
pub const CASSETTE: &str = "cassette";
/// The folder that holds the session recorded when the fixture ran as a
/// stage of a chained run, whose prompt holds the earlier stages' outputs.
pub const CHAIN_CASSETTE: &str = "chain-cassette";
/// The coder's patch taken from its working copy when recorded (see
/// [`Command::patch_from_workdir`]), beside `scenario.json`.
pub const WORKDIR_PATCH: &str = "workdir.patch";

/// Serves each fixture's answer from the session recorded in its
/// `cassette/` folder (the replay-scenario format: `scenario.json` and
/// `sessions/001_<agent>/`), so a real agent recorded once is a
/// deterministic test. With `FIXTURE_KIT_RECORD=1`, runs the recording
/// command instead and writes the cassette, scrubbed of secrets. A stage
/// of a chained run has its own cassette, in `chain-cassette/`.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    recorder: Option<Command>,
}

impl Replay {
    /// Replays only; a fixture without a cassette fails.
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Records with `command` when `FIXTURE_KIT_RECORD=1`.
    pub fn record_with(mut self, command: Command) -> Replay {
        self.recorder = Some(command);
        self
    }

    fn record(&self, fixture: &Fixture, dir: PathBuf) -> Result<Answer, RunError> {
        let command = self.recorder.as_ref().ok_or_else(|| {
            RunError::new(
                "FIXTURE_KIT_RECORD is set but this replay runner has no command to \
                      record with",
            )
            .hint("build it with `Replay::new().record_with(Command::new(...))`")
        })?;
        let workdir = workdir(fixture)?;
        let recipe = json!({ "fixture": fixture.id.to_string(), "program": command.program() });
        let recorder = RecordingCli::new(RealCli, &dir, workdir.path(), recipe)
            .map_err(|problem| RunError::new(problem.to_string()))?;
        let mut answer = command.run_through(&recorder, fixture, workdir.path())?;
        if command.takes_workdir_patch(fixture) {
            answer.text = workdir_diff::diff(fixture.repo.as_deref(), workdir.path())?;
            let scrubbed = Scrubber::global().scrub(&answer.text).into_owned();
            write_atomic(&dir.join(WORKDIR_PATCH), scrubbed.as_bytes()).map_err(|err| {
                RunError::new(format!(
                    "cannot write {}: {err}",
                    dir.join(WORKDIR_PATCH).display()
                ))
            })?;
        }
        recorder
            .finish("answered")
            .map_err(|problem| RunError::new(problem.to_string()))?;
        Ok(answer)
    }
}

/// The fixture's cassette folder: `chain-cassette/` for a chained stage.
fn cassette_dir(fixture: &Fixture) -> PathBuf {
    match fixture.chained {
        Some(_) => fixture.dir.join(CHAIN_CASSETTE),
        None => fixture.dir.join(CASSETTE),
    }
}

/// A cassette answers the prompt it was recorded with: after `prompt.md`
/// changes, replaying the old answer would pass silently on stale data. A
/// chained stage's prompt holds the earlier stages' outputs, so it also
/// changes when an earlier stage answers otherwise (re-recorded, or a
/// live agent ahead of it).
fn check_prompt(player: &ScenarioPlayer, fixture: &Fixture) -> Result<(), RunError> {
    let recorded = player.calls.iter().find_map(|(_, call)| match call {
        RecordedCall::Session(cassette) => Some(cassette),
        RecordedCall::Command(_) => None,
    });
    let Some(cassette) = recorded else {
        return Ok(());
    };
    let prompt = Scrubber::global().scrub(&fixture.prompt);
    if cassette.input.prompt == prompt {
        return Ok(());
    }
    if let Some(chained) = &fixture.chained {
        let line = first_difference(&cassette.input.prompt, &prompt);
        return Err(RunError::new(format!(
            "the prompt this stage received differs from the one {} was recorded with, \
             from line {line}: prompt.md changed, or {} answered otherwise",
            crate::fixture::display(&cassette.dir.join(INPUT)),
            chained.received_text()
        ))
        .hint(format!(
            "re-record the whole chain, earlier stages first: \
             `FIXTURE_KIT_RECORD=1 fixture-kit verify --chain --replay --agent-cmd … {}`",
            crate::chain::test_name(&crate::discover::TaskId {
                topic: fixture.id.topic.clone(),
                task: fixture.id.task.clone(),
            })
        )));
    }
    Err(RunError::new(format!(
        "prompt.md changed since {} was recorded: the recorded answer is for another prompt",
        crate::fixture::display(&cassette.dir.join(INPUT))
    ))
    .hint(format!(
        "re-record it with the real agent: `FIXTURE_KIT_RECORD=1 cargo test {}`",
        fixture.id.test_name()
    )))
}

/// The 1-based line where `a` and `b` first differ.
fn first_difference(a: &str, b: &str) -> usize {
    let same = a.lines().zip(b.lines()).take_while(|(x, y)| x == y).count();
    same + 1
}

impl Runner for Replay {
    fn name(&self) -> &str {
        "replay"
    }

    fn is_real_agent(&self) -> bool {
        true
    }

    fn run(&self, fixture: &Fixture) -> Result<String, RunError> {
        self.answer(fixture).map(|answer| answer.text)
    }

    fn answer(&self, fixture: &Fixture) -> Result<Answer, RunError> {
        let dir = cassette_dir(fixture);
        if flag(RECORD) {
            return self.record(fixture, dir);
        }
        if fs::symlink_metadata(&dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
            let target = fs::read_link(&dir).unwrap_or_default();
            return Err(RunError::new(
                ReadError::new(&dir, Reason::LinkedFolder(target)).to_string(),
            )
            .hint("make cassette/ a real folder in the fixture"));
        }
        if !dir.is_dir() {
            return Err(RunError::new(format!(
                "no recorded session in {}",
                crate::fixture::display(&dir)
            ))
            .hint(match fixture.chained {
                Some(_) => "record the chain with the real agents: `FIXTURE_KIT_RECORD=1 \
                            fixture-kit verify --chain --replay --agent-cmd …`"
                    .to_owned(),
                None => format!(
                    "record one with the real agent: `FIXTURE_KIT_RECORD=1 cargo test {}`",
                    fixture.id.test_name()
                ),
            }));
        }
        let player = ScenarioPlayer::load(&dir).map_err(|problem| {
            RunError::new(problem.to_string()).hint("re-record it with `FIXTURE_KIT_RECORD=1`")
        })?;
        check_prompt(&player, fixture)?;
        let replayer = player.replayer();
        // Nothing runs during replay: the call only names the step.
        let mut answer = Command::new("replay").run_through(&replayer, fixture, &fixture.dir)?;
        replayer.finish().map_err(RunError::new)?;
        // A coder recorded with `patch_from_workdir` answers with the patch
        // taken from its working copy.
        match read_inside(&dir, WORKDIR_PATCH) {
            Ok(patch) => {
                answer.text = patch;
                Ok(answer)
            }
            Err(err) if err.is_missing() => Ok(answer),
            Err(err) => Err(RunError::new(format!(
                "{}: {err}",
                crate::fixture::display(&dir.join(WORKDIR_PATCH))
            ))
            .hint("re-record it with `FIXTURE_KIT_RECORD=1`")),
        }
    }
}

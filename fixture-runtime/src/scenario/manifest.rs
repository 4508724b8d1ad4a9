//! `scenario.json`: what was recorded, in which order, by what.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::player::SESSIONS;
use super::problem::Problem;
use super::shim::MatchConfig;
use crate::scrub::ScrubConfig;
use crate::untrusted::{self, ReadError};

/// The manifest's file name in a scenario folder.
pub const FILE: &str = "scenario.json";
/// The `schema_version` this version writes: [`SchemaVersion::CURRENT`].
pub const SCHEMA_VERSION: u64 = SchemaVersion::CURRENT.number();

/// Every `schema_version` fixture-kit has written. Each has its loader in
/// [`ScenarioManifest::parse`] and its way to the current one in
/// [`mod@super::upgrade`]; a number not listed here is refused, naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaVersion {
    /// The first layout: `scenario.json` with `step_sequence` of `step`
    /// and `session` or `command`, four files per session folder.
    V1,
}

impl SchemaVersion {
    /// The version this fixture-kit writes.
    pub const CURRENT: SchemaVersion = SchemaVersion::V1;

    /// Its number in `scenario.json`.
    pub const fn number(self) -> u64 {
        match self {
            SchemaVersion::V1 => 1,
        }
    }

    /// The version `value` names; `Err` says why it is none, and what to do.
    pub fn from_value(value: Option<&Value>) -> Result<SchemaVersion, String> {
        let current = SchemaVersion::CURRENT.number();
        let known = if current == 1 {
            "1".to_owned()
        } else {
            format!("1 to {current}")
        };
        match value {
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(SchemaVersion::V1),
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n > current) => Err(format!(
                "schema_version {n} is not supported: it is newer than this fixture-kit, which \
                 reads schema_version {known}; upgrade fixture-kit, or re-record the scenario \
                 with this one"
            )),
            Some(other) => Err(format!(
                "schema_version {other} is not supported: fixture-kit has written schema_version \
                 {known} only, as a whole number; fix the number, or re-record the scenario"
            )),
            None => Err(format!(
                "missing schema_version: add `\"schema_version\": {current}`"
            )),
        }
    }
}

/// The contents of `scenario.json`. Unknown fields are ignored on read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioManifest {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u64,
    /// What the orchestrator was asked to do; free-form, handed back to the
    /// orchestrator on replay.
    pub recipe: Value,
    /// Every call, in the order it was made.
    pub step_sequence: Vec<StepRecord>,
    /// What wrote the scenario.
    pub recorder: RecorderInfo,
    /// The orchestrator's final outcome, when the run got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Whether the run finished; `false` when it ended early (error, panic,
    /// interrupt), and then `ended_early` says why when known.
    #[serde(default)]
    pub complete: bool,
    /// Why the recording ended early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_early: Option<String>,
    /// More scrub patterns and allowed values for this scenario, written by
    /// hand; recording and validation use them, and re-recording keeps them.
    #[serde(default, skip_serializing_if = "ScrubConfig::is_empty")]
    pub scrub: ScrubConfig,
    /// How `fixture-kit scenario replay` matches calls to recordings, written
    /// by hand; re-recording keeps it.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matching: Option<MatchConfig>,
}

/// One call of the step sequence: an agent session (with its folder under
/// `sessions/`) or a plain command (with its result summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The orchestrator's step name (`implement`, `test`, ...).
    pub step: String,
    /// The session folder below `sessions/`, for an agent call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The result, for a plain command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandSummary>,
}

/// The recorded result of a plain command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandSummary {
    /// The exit code; `None` when it was killed.
    pub exit_code: Option<i32>,
    /// The first lines of its stdout.
    pub stdout_head: String,
    /// The end of its stderr.
    pub stderr: String,
}

/// Which recorder wrote a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecorderInfo {
    /// The recorder (`fixture-kit`).
    pub name: String,
    /// Its version.
    pub version: String,
}

impl RecorderInfo {
    /// This crate as the recorder.
    pub fn this() -> RecorderInfo {
        RecorderInfo {
            name: "fixture-kit".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

impl ScenarioManifest {
    /// An empty, incomplete manifest for `recipe`.
    pub fn new(recipe: Value) -> ScenarioManifest {
        ScenarioManifest {
            schema_version: SCHEMA_VERSION,
            recipe,
            step_sequence: Vec::new(),
            recorder: RecorderInfo::this(),
            outcome: None,
            complete: false,
            ended_early: None,
            scrub: ScrubConfig::default(),
            matching: None,
        }
    }

    /// Reads and checks `<dir>/scenario.json`.
    pub fn load(dir: &Path) -> Result<ScenarioManifest, Problem> {
        let path = dir.join(FILE);
        let text = read_inside(dir, FILE).map_err(|err| {
            Problem::new(
                &path,
                format!("cannot read it ({err}): every scenario folder holds a scenario.json"),
            )
        })?;
        ScenarioManifest::parse(&path, &text)
    }

    /// The folder of the session that step `index` names, below
    /// `<dir>/sessions/` once every link is resolved. A name that is absolute,
    /// climbs out with `..`, or leads out through a symbolic link is a
    /// problem naming the step; so is a folder that is not there.
    pub fn session_dir(&self, dir: &Path, index: usize) -> Result<Option<PathBuf>, Problem> {
        let step = &self.step_sequence[index];
        let Some(session) = &step.session else {
            return Ok(None);
        };
        let sessions = dir.join(SESSIONS);
        match untrusted::resolve_inside(&sessions, session) {
            Ok(resolved) if resolved.is_dir() => Ok(Some(sessions.join(session))),
            Err(err) if err.is_missing() => Err(Problem::new(
                sessions.join(session),
                format!(
                    "missing session folder of step `{}`: re-record the scenario, or remove \
                     the step from scenario.json",
                    step.step
                ),
            )),
            Ok(_) => Err(Problem::new(
                sessions.join(session),
                format!(
                    "the session of step `{}` is not a folder: re-record the scenario",
                    step.step
                ),
            )),
            Err(err) => Err(Problem::new(
                dir.join(FILE),
                format!(
                    "step_sequence[{index}] (step `{}`): session {err}: a session is a folder \
                     below sessions/; re-record the scenario, or fix scenario.json",
                    step.step
                ),
            )),
        }
    }

    /// Parses manifest text; `path` is for messages.
    pub fn parse(path: &Path, text: &str) -> Result<ScenarioManifest, Problem> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<Value>,
        }
        let version: Version =
            serde_json::from_str(text).map_err(|err| json_problem(path, &err))?;
        // One loader per version; a new version adds its arm here and its
        // step in `upgrade`.
        match SchemaVersion::from_value(version.schema_version.as_ref())
            .map_err(|message| Problem::new(path, message))?
        {
            SchemaVersion::V1 => {}
        }
        let manifest: ScenarioManifest =
            serde_json::from_str(text).map_err(|err| json_problem(path, &err))?;
        for (index, step) in manifest.step_sequence.iter().enumerate() {
            let shape = match (&step.session, &step.command) {
                (Some(_), None) | (None, Some(_)) => continue,
                (Some(_), Some(_)) => "both `session` and `command`",
                (None, None) => "neither `session` nor `command`",
            };
            return Err(Problem::new(
                path,
                format!(
                    "step_sequence[{index}] (step `{}`) has {shape}: give an agent call its \
                     session folder, or a plain command its result summary",
                    step.step
                ),
            ));
        }
        Ok(manifest)
    }

    /// Writes `<dir>/scenario.json`, pretty-printed with a final newline,
    /// atomically: a reader (or a run stopped mid-write) sees the old file
    /// or the new one, never part of one.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(text.as_bytes())?;
        file.persist(dir.join(FILE)).map_err(|err| err.error)?;
        Ok(())
    }
}

/// The text of `name` in `dir`, when it is a regular file that resolves
/// inside `dir` (at most [`untrusted::MAX_BYTES`]).
pub(crate) fn read_inside(dir: &Path, name: &str) -> Result<String, ReadError> {
    let path = untrusted::resolve_inside(dir, name)?;
    untrusted::read_text(&path, untrusted::MAX_BYTES).map_err(|err| err.shown_as(name))
}

/// A JSON error at its line.
pub(crate) fn json_problem(path: &Path, err: &serde_json::Error) -> Problem {
    let message = format!("not valid here: {err}");
    if err.line() > 0 {
        Problem::at_line(path, err.line(), message)
    } else {
        Problem::new(path, message)
    }
}

//! The two on-disk layouts of a scenario, told apart by `scenario.json`,
//! read into one [`Scenario`] and written back from it:
//!
//! - [`Layout::FixtureKit`], fixture-kit's own ([`native`]);
//! - [`Layout::Autoskillit`], what the autoskillit orchestrator's recorder
//!   writes ([`autoskillit`]).
//!
//! `docs/SCENARIOS.md` maps the two field by field and says what each
//! conversion loses.

pub mod autoskillit;
pub mod native;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cassette::Cassette;
use super::manifest::{read_inside, CommandSummary, ScenarioManifest, StepRecord, FILE};
use super::player::{RecordedCall, ScenarioPlayer};
use super::problem::Problem;

/// Which recorder's layout a scenario folder is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Layout {
    /// fixture-kit's own: `schema_version`, `step_sequence` of `step` and
    /// `session` or `command`, `sessions/NNN_<step>/` with four files.
    #[cfg_attr(feature = "cli", value(name = "fixture-kit"))]
    FixtureKit,
    /// The autoskillit recorder's: `step_sequence` of `step_name`,
    /// `session_dir`, `result_summary` and `tool`, a string `recipe`.
    #[cfg_attr(feature = "cli", value(name = "autoskillit"))]
    Autoskillit,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::FixtureKit => "fixture-kit",
            Layout::Autoskillit => "autoskillit",
        })
    }
}

/// A scenario in memory, whichever layout it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The layout it was read from.
    pub layout: Layout,
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Its manifest in fixture-kit's terms; `step_sequence` names, for each
    /// session, the folder below `sessions/` it is written to.
    pub manifest: ScenarioManifest,
    /// Every call, in order, beside `manifest.step_sequence`.
    pub steps: Vec<Step>,
}

/// One call of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// An agent session.
    Session(Box<Session>),
    /// A plain command's result.
    Command(CommandSummary),
}

/// An agent session and what a layout keeps beside its cassette.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The recorded session, as fixture-kit replays it.
    pub cassette: Cassette,
    /// The agent CLI's own session log (autoskillit's `session_log.jsonl`),
    /// which replay does not use; fixture-kit keeps it as
    /// [`native::AGENT_LOG`].
    pub agent_log: Option<String>,
}

impl Scenario {
    /// The replayable form: what [`ScenarioPlayer::load`] returns.
    pub fn into_player(self) -> ScenarioPlayer {
        let calls = self
            .manifest
            .step_sequence
            .iter()
            .zip(self.steps)
            .map(|(record, step)| {
                let call = match step {
                    Step::Session(session) => RecordedCall::Session(Box::new(session.cassette)),
                    Step::Command(summary) => RecordedCall::Command(summary),
                };
                (record.step.clone(), call)
            })
            .collect();
        ScenarioPlayer {
            dir: self.dir,
            manifest: self.manifest,
            calls,
        }
    }

    /// The manifest's step sequence paired with the calls.
    pub fn records(&self) -> impl Iterator<Item = (&StepRecord, &Step)> {
        self.manifest.step_sequence.iter().zip(&self.steps)
    }
}

/// Reads `<dir>/scenario.json` and says which layout it is in: one with
/// `schema_version` is fixture-kit's; one without, whose steps have
/// `step_name` or `tool` or whose `recipe` is a string, is autoskillit's;
/// any other is fixture-kit's (whose loader then names what is missing).
pub fn detect(dir: &Path) -> Result<(Layout, String), Problem> {
    let path = dir.join(FILE);
    let text = read_inside(dir, FILE).map_err(|err| {
        Problem::new(
            &path,
            format!("cannot read it ({err}): every scenario folder holds a scenario.json"),
        )
    })?;
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        // The fixture-kit loader reports the syntax error at its line.
        Err(_) => return Ok((Layout::FixtureKit, text)),
    };
    let layout = match &value {
        Value::Object(object) if object.contains_key("schema_version") => Layout::FixtureKit,
        Value::Object(object) => {
            let autoskillit_step =
                |step: &Value| step.get("step_name").is_some() || step.get("tool").is_some();
            let steps = object.get("step_sequence").and_then(Value::as_array);
            if object.get("recipe").is_some_and(Value::is_string)
                || steps.is_some_and(|steps| steps.iter().any(autoskillit_step))
            {
                Layout::Autoskillit
            } else {
                Layout::FixtureKit
            }
        }
        Value::Array(_) => {
            return Err(Problem::new(
                &path,
                "a JSON array: that is the manifest of autoskillit's Codex recordings \
                 (`codex_stdout.ndjson`), which fixture-kit does not read; record the scenario \
                 with fixture-kit, or from autoskillit's Claude recorder",
            ))
        }
        _ => {
            return Err(Problem::new(
                &path,
                "not a JSON object: a scenario.json is an object with `step_sequence`",
            ))
        }
    };
    Ok((layout, text))
}

/// Loads the scenario folder `dir` in whichever layout it is in, every
/// session included. The error names the file and the line or JSON path.
pub fn load(dir: &Path) -> Result<Scenario, Problem> {
    match detect(dir)? {
        (Layout::FixtureKit, text) => native::load(dir, &text),
        (Layout::Autoskillit, text) => autoskillit::load(dir, &text),
    }
}

/// Checks only `<dir>/scenario.json`, in whichever layout it is in: what
/// the build script needs to generate a scenario's tests.
pub fn check_manifest(dir: &Path) -> Result<Layout, Problem> {
    let (layout, text) = detect(dir)?;
    let path = dir.join(FILE);
    match layout {
        Layout::FixtureKit => ScenarioManifest::parse(&path, &text).map(|_| layout),
        Layout::Autoskillit => autoskillit::parse_manifest(&path, &text).map(|_| layout),
    }
}

/// Writes `scenario` in `layout` to `out`, all at once: into a new folder
/// beside `out`, renamed into place when complete, so `out` holds the old
/// scenario or the new one, never part of one. `out` may be the folder the
/// scenario was read from; any other folder must not exist yet or be empty.
pub fn write(scenario: &Scenario, layout: Layout, out: &Path) -> Result<(), Problem> {
    let same = same_folder(&scenario.dir, out);
    if !same && out.exists() {
        let empty = fs::read_dir(out)
            .map_err(|err| Problem::new(out, format!("cannot read it: {err}")))?
            .next()
            .is_none();
        if !empty {
            return Err(Problem::new(
                out,
                "not empty: refusing to write a scenario over it; give a new folder with --out, \
                 or remove it",
            ));
        }
    }
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(|err| Problem::new(&parent, format!("cannot create it: {err}")))?;
    let temp = tempfile::Builder::new()
        .prefix(".fixture-kit-scenario-")
        .tempdir_in(&parent)
        .map_err(|err| Problem::new(&parent, format!("cannot create a folder in it: {err}")))?;
    match layout {
        Layout::FixtureKit => native::write(scenario, temp.path())?,
        Layout::Autoskillit => autoskillit::write(scenario, temp.path())?,
    }
    let built = temp.keep();
    let moved = if same {
        // Swap: the old folder steps aside, the new one takes its name,
        // then the old one goes.
        let aside = parent.join(format!(
            ".fixture-kit-old-{}",
            built
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        fs::rename(out, &aside)
            .and_then(|()| {
                fs::rename(&built, out).inspect_err(|_| {
                    let _ = fs::rename(&aside, out);
                })
            })
            .map(|()| {
                let _ = fs::remove_dir_all(&aside);
            })
    } else {
        // A missing or empty folder is replaced by the rename.
        fs::rename(&built, out)
    };
    moved.map_err(|err| {
        let _ = fs::remove_dir_all(&built);
        Problem::new(
            out,
            format!("cannot move the written scenario into place: {err}"),
        )
    })
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `text` to `dir/rel`, creating its folder; for building a
/// scenario in a fresh folder.
fn put(dir: &Path, rel: &str, text: &str) -> Result<(), Problem> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|err| Problem::new(parent, format!("cannot create it: {err}")))?;
    }
    fs::write(&path, text).map_err(|err| Problem::new(&path, format!("cannot write it: {err}")))
}

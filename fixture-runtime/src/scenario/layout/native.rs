//! fixture-kit's own layout: `scenario.json` with `schema_version`, and
//! `sessions/<folder>/` holding `input.json`, `stdout.jsonl`,
//! `session_log.jsonl` and `metadata.json` (see [`super::super::cassette`]).

use std::path::Path;

use super::{put, Layout, Scenario, Session, Step};
use crate::scenario::cassette::{self, check_jsonl, Cassette};
use crate::scenario::manifest::{read_inside, ScenarioManifest, FILE};
use crate::scenario::player::SESSIONS;
use crate::scenario::problem::Problem;
use crate::untrusted::ReadError;

/// The agent CLI's own session log, when a conversion from the autoskillit
/// layout brought one: kept so that converting back loses nothing, checked
/// like every `.jsonl` file, never replayed.
pub const AGENT_LOG: &str = "agent_session_log.jsonl";

/// Loads a scenario in fixture-kit's layout; `text` is its `scenario.json`.
pub fn load(dir: &Path, text: &str) -> Result<Scenario, Problem> {
    let manifest = ScenarioManifest::parse(&dir.join(FILE), text)?;
    let mut steps = Vec::with_capacity(manifest.step_sequence.len());
    for (index, record) in manifest.step_sequence.iter().enumerate() {
        let step = match (manifest.session_dir(dir, index)?, &record.command) {
            (Some(session_dir), _) => {
                let cassette = Cassette::load(&session_dir)?;
                if cassette.metadata.step != record.step {
                    return Err(Problem::new(
                        cassette.dir.join(cassette::METADATA),
                        format!(
                            "step `{}` does not match step `{}` of scenario.json: re-record, \
                             or fix one of them",
                            cassette.metadata.step, record.step
                        ),
                    ));
                }
                let agent_log = read_agent_log(&session_dir)?;
                Step::Session(Box::new(Session {
                    cassette,
                    agent_log,
                }))
            }
            (None, Some(summary)) => Step::Command(summary.clone()),
            (None, None) => unreachable!("ScenarioManifest::parse rejects such steps"),
        };
        steps.push(step);
    }
    Ok(Scenario {
        layout: Layout::FixtureKit,
        dir: dir.to_owned(),
        manifest,
        steps,
    })
}

/// The optional [`AGENT_LOG`] of a session folder, checked line by line.
fn read_agent_log(session_dir: &Path) -> Result<Option<String>, Problem> {
    let text = match read_inside(session_dir, AGENT_LOG) {
        Ok(text) => text,
        Err(err) if ReadError::is_missing(&err) => return Ok(None),
        Err(err) => {
            return Err(Problem::new(
                session_dir.join(AGENT_LOG),
                format!("cannot read it ({err}): convert the scenario again, or remove the file"),
            ))
        }
    };
    check_jsonl(&session_dir.join(AGENT_LOG), &text)?;
    Ok(Some(text))
}

/// Writes `scenario` in fixture-kit's layout into the empty folder `out`:
/// the bytes fixture-kit's recorder writes for the same content.
pub fn write(scenario: &Scenario, out: &Path) -> Result<(), Problem> {
    let mut text = serde_json::to_string_pretty(&scenario.manifest)
        .map_err(|err| Problem::new(out, err.to_string()))?;
    text.push('\n');
    put(out, FILE, &text)?;
    for (record, step) in scenario.records() {
        let (Some(folder), Step::Session(session)) = (&record.session, step) else {
            continue;
        };
        let cassette = &session.cassette;
        let file = |name: &str| format!("{SESSIONS}/{folder}/{name}");
        put(out, &file(cassette::INPUT), &pretty(&cassette.input))?;
        put(out, &file(cassette::STDOUT), &cassette.stdout)?;
        put(out, &file(cassette::SESSION_LOG), &cassette.session_log)?;
        put(out, &file(cassette::METADATA), &pretty(&cassette.metadata))?;
        if let Some(log) = &session.agent_log {
            put(out, &file(AGENT_LOG), log)?;
        }
    }
    Ok(())
}

/// Pretty JSON with a final newline, as the recorder writes session files.
pub(crate) fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("session files serialize");
    text.push('\n');
    text
}

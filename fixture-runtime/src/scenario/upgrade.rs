//! Bringing a recorded scenario up to date: the `schema_version` this
//! fixture-kit writes, and today's normalisation of run-dependent values
//! (see [`super::normalise`]). What `fixture-kit scenario upgrade` runs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cassette::{self, RAW_LINE_TYPE};
use super::layout::{self, native, Layout, Step};
use super::manifest::{SchemaVersion, FILE};
use super::normalise::Normaliser;
use super::player::SESSIONS;
use super::problem::Problem;
use crate::golden::write_atomic;

/// What an upgrade did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    /// The version the scenario was in.
    pub from: SchemaVersion,
    /// The files rewritten, relative to the scenario, in order; empty when
    /// the scenario was already current.
    pub rewritten: Vec<PathBuf>,
}

/// Upgrades the scenario folder `dir` in place: read with the loader of its
/// `schema_version`, each step from there to [`SchemaVersion::CURRENT`]
/// applied (none yet: version 1 is the only one), and every session's
/// lines normalised with today's rules. Only files whose bytes change are
/// written, each atomically; upgrading twice changes nothing the second
/// time. A scenario in the autoskillit layout, or of an unknown version, is
/// refused, saying what to do.
pub fn upgrade(dir: &Path) -> Result<Upgraded, Problem> {
    let (found, text) = layout::detect(dir)?;
    if found == Layout::Autoskillit {
        return Err(Problem::new(
            dir.join(FILE),
            "in the autoskillit layout, which has no schema_version: run `fixture-kit scenario \
             convert DIR --to fixture-kit`, which writes the current version",
        ));
    }
    let version: Option<Value> = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|value| value.get("schema_version").cloned());
    let from = SchemaVersion::from_value(version.as_ref())
        .map_err(|message| Problem::new(dir.join(FILE), message))?;
    let scenario = match from {
        SchemaVersion::V1 => native::load(dir, &text)?,
    };
    let mut rewritten = Vec::new();
    for (record, step) in scenario.records() {
        let (Some(folder), Step::Session(session)) = (&record.session, step) else {
            continue;
        };
        let mut normaliser = Normaliser::default();
        let cassette = &session.cassette;
        let files = [
            (cassette::STDOUT, Some(&cassette.stdout)),
            (cassette::SESSION_LOG, Some(&cassette.session_log)),
            (native::AGENT_LOG, session.agent_log.as_ref()),
        ];
        for (name, text) in files {
            let Some(text) = text else {
                continue;
            };
            let normalised = normalise_lines(&mut normaliser, text);
            if normalised == *text {
                continue;
            }
            let path = cassette.dir.join(name);
            write_atomic(&path, normalised.as_bytes())
                .map_err(|err| Problem::new(&path, format!("cannot rewrite it: {err}")))?;
            rewritten.push(Path::new(SESSIONS).join(folder).join(name));
        }
    }
    Ok(Upgraded { from, rewritten })
}

/// Every JSON line of `text` normalised; lines stored as they were printed
/// (not JSON when recorded) stay as they are.
fn normalise_lines(normaliser: &mut Normaliser, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match serde_json::from_str::<Value>(line) {
            Ok(mut value @ Value::Object(_)) if value["type"] != RAW_LINE_TYPE => {
                normaliser.value(&mut value);
                out.push_str(&value.to_string());
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

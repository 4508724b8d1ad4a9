//! The post-recording checklist, as one function: what `fixture-kit
//! scenario validate` and `doctor` report.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::cassette::{check_jsonl, load_input, load_metadata, FILES, METADATA, STDOUT};
use super::layout::{self, Layout};
use super::manifest::{ScenarioManifest, FILE};
use super::player::SESSIONS;
use super::problem::Problem;
use crate::scrub::{ScrubConfig, Scrubber};
use crate::untrusted::{self, check_file, resolve_inside};

/// Size limits of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest `stdout.jsonl`, in bytes (default 200 KB).
    pub max_stdout_bytes: u64,
    /// The largest scenario folder, all files together, in bytes (default
    /// 2 MB).
    pub max_scenario_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_stdout_bytes: 200 * 1024,
            max_scenario_bytes: 2 * 1024 * 1024,
        }
    }
}

/// The hint for oversized recordings.
const STRIP_HINT: &str = "strip large unused fields while recording with a recording hook \
                          (`RecordingCli::strip_field` or `RecordingCli::hook`), then re-record";

/// Checks the scenario folder `dir`: `schema_version` 1; every step's
/// session folder exists with all four files; every `.jsonl` line is a JSON
/// object; `input.json` and `metadata.json` are valid; no secret remains in
/// any file; every `stdout.jsonl` and the whole folder are within `limits`;
/// no session folder is left out of the step sequence. A scenario in the
/// autoskillit layout is checked by loading it (every file and JSON path
/// its loader reads), for secrets and for sizes. An empty list means the
/// scenario is sound; each problem prints as one line.
pub fn validate(dir: &Path, limits: &Limits) -> Vec<Problem> {
    validate_with(dir, limits, &ScrubConfig::default())
}

/// [`validate`], scanning for secrets with the built-in rules, `scrub`
/// (a suite's patterns and allowed values) and the scenario's own `scrub`
/// field.
pub fn validate_with(dir: &Path, limits: &Limits, scrub: &ScrubConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    let detected = layout::detect(dir);
    if let Err(problem) = &detected {
        if dir.join(FILE).is_file() {
            problems.push(problem.clone());
            check_files(dir, limits, Some(Scrubber::global()), true, &mut problems);
            return problems;
        }
    }
    if let Ok((Layout::Autoskillit, _)) = detected {
        // The loader stops at the first problem; the files are checked
        // (secrets, sizes) whatever it finds. Its stdout may hold lines that
        // are not JSON, which replay prints as they are.
        if let Err(problem) = layout::load(dir) {
            problems.push(problem);
        }
        let scrubber = if scrub.is_empty() {
            Some(Cow::Borrowed(Scrubber::global()))
        } else {
            match Scrubber::with_config(scrub) {
                Ok(scrubber) => Some(Cow::Owned(scrubber)),
                Err(err) => {
                    problems.push(Problem::new(
                        dir.join(FILE),
                        format!("scrub.{err} (in the suite's scrub settings)"),
                    ));
                    None
                }
            }
        };
        check_files(dir, limits, scrubber.as_deref(), false, &mut problems);
        return problems;
    }
    let manifest = match ScenarioManifest::load(dir) {
        Ok(manifest) => {
            for index in 0..manifest.step_sequence.len() {
                check_session(dir, &manifest, index, &mut problems);
            }
            let referenced: BTreeSet<&String> = manifest
                .step_sequence
                .iter()
                .filter_map(|step| step.session.as_ref())
                .collect();
            check_unreferenced(dir, &referenced, &mut problems);
            Some(manifest)
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let own = manifest
        .as_ref()
        .map(|m| m.scrub.clone())
        .unwrap_or_default();
    let config = scrub.merged(&own);
    let scrubber = if config.is_empty() {
        Some(Cow::Borrowed(Scrubber::global()))
    } else {
        match Scrubber::with_config(&config) {
            Ok(scrubber) => Some(Cow::Owned(scrubber)),
            Err(err) => {
                problems.push(Problem::new(
                    dir.join(FILE),
                    format!("scrub.{err} (in the suite's or the scenario's scrub settings)"),
                ));
                None
            }
        }
    };
    check_files(dir, limits, scrubber.as_deref(), true, &mut problems);
    problems
}

/// The session folder of step `index`: inside the scenario, all four files
/// regular and inside it, `input.json` and `metadata.json` valid, and the
/// same step name.
fn check_session(
    dir: &Path,
    manifest: &ScenarioManifest,
    index: usize,
    problems: &mut Vec<Problem>,
) {
    let step = &manifest.step_sequence[index];
    let session_dir = match manifest.session_dir(dir, index) {
        Ok(Some(session_dir)) => session_dir,
        Ok(None) => return,
        Err(problem) => return problems.push(problem),
    };
    let missing = FILES
        .into_iter()
        .filter(|name| !session_file(&session_dir, name, problems))
        .count();
    if missing > 0 {
        return;
    }
    let checked = load_input(&session_dir)
        .and_then(|_| load_metadata(&session_dir))
        .and_then(|metadata| {
            if metadata.step == step.step {
                Ok(())
            } else {
                Err(Problem::new(
                    session_dir.join(METADATA),
                    format!(
                        "step `{}` does not match step `{}` of scenario.json: \
                         re-record, or fix one of them",
                        metadata.step, step.step
                    ),
                ))
            }
        });
    if let Err(problem) = checked {
        problems.push(problem);
    }
}

/// Validates `dir` when it is a scenario folder (it holds `scenario.json`
/// or `sessions/`), else every folder directly below it as a scenario, in
/// name order (one without `scenario.json` is a problem, as it is to the
/// build script): what `fixture-kit scenario validate DIR` and `doctor`
/// report.
pub fn validate_tree(dir: &Path, limits: &Limits) -> Vec<Problem> {
    if dir.join(FILE).is_file() || dir.join(SESSIONS).is_dir() {
        return validate(dir, limits);
    }
    let mut scenarios: Vec<_> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect(),
        Err(err) => return vec![Problem::new(dir, format!("cannot read it: {err}"))],
    };
    scenarios.sort();
    if scenarios.is_empty() {
        return vec![Problem::new(
            dir,
            "no scenario here: give a folder holding scenario.json, or the folder of such folders",
        )];
    }
    scenarios
        .iter()
        .flat_map(|scenario| validate(scenario, limits))
        .collect()
}

/// Whether the session file `name` is a regular file inside `session_dir`;
/// what is wrong with it, when it is not, goes to `problems`.
fn session_file(session_dir: &Path, name: &str, problems: &mut Vec<Problem>) -> bool {
    let why = match resolve_inside(session_dir, name).and_then(|path| check_file(&path)) {
        Ok(()) => return true,
        Err(err) if err.is_missing() => "missing".to_owned(),
        Err(err) => err.shown_as(name).to_string(),
    };
    problems.push(Problem::new(
        session_dir.join(name),
        format!(
            "{why}: a session folder holds {}; re-record the scenario",
            FILES.join(", ")
        ),
    ));
    false
}

/// Session folders nobody replays are dead weight, or a sign the manifest
/// lost a step.
fn check_unreferenced(dir: &Path, referenced: &BTreeSet<&String>, problems: &mut Vec<Problem>) {
    let Ok(entries) = fs::read_dir(dir.join(SESSIONS)) else {
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names.into_iter().filter(|name| !referenced.contains(name)) {
        problems.push(Problem::new(
            dir.join(SESSIONS).join(name),
            "not named by any step of scenario.json: remove it, or re-record the scenario",
        ));
    }
}

/// Secrets, line validity already reported, sizes.
fn check_files(
    dir: &Path,
    limits: &Limits,
    scrubber: Option<&Scrubber>,
    stdout_lines: bool,
    problems: &mut Vec<Problem>,
) {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .collect();
    files.sort_by(|a, b| a.path().cmp(b.path()));
    let mut total = 0u64;
    for entry in files {
        let path = entry.path();
        let size = entry.metadata().map_or(0, |m| m.len());
        total += size;
        if entry.file_name() == STDOUT && size > limits.max_stdout_bytes {
            problems.push(Problem::new(
                path,
                format!(
                    "{size} bytes, over the limit of {} bytes: {STRIP_HINT}",
                    limits.max_stdout_bytes
                ),
            ));
        }
        let bytes = match untrusted::read(path, untrusted::MAX_BYTES) {
            Ok(bytes) => bytes,
            Err(err) => {
                problems.push(Problem::new(path, err.to_string()));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        if let Some(finding) = scrubber.and_then(|scrubber| scrubber.find(&text)) {
            let line = text[..finding.offset].matches('\n').count() + 1;
            problems.push(Problem::at_line(
                path,
                line,
                format!(
                    "a secret remains ({}): re-record (recording scrubs), or run the file \
                     through `fixture-kit scrub`",
                    finding.kind
                ),
            ));
        }
        let lines_checked = stdout_lines || entry.file_name() != STDOUT;
        if lines_checked && path.extension().is_some_and(|ext| ext == "jsonl") {
            if let Err(problem) = check_jsonl(path, &text) {
                problems.push(problem);
            }
        }
    }
    if total > limits.max_scenario_bytes {
        problems.push(Problem::new(
            dir,
            format!(
                "{total} bytes in all, over the limit of {} bytes: {STRIP_HINT}",
                limits.max_scenario_bytes
            ),
        ));
    }
}

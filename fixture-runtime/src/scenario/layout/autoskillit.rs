//! The autoskillit recorder's layout, as far as its public code shows it:
//!
//! ```text
//! scenario.json       {"recipe": "<name>", "step_sequence": [
//!                       {"step_name": "...", "session_dir": "sessions/<name>" | null,
//!                        "result_summary": {...} | null, "tool": "run_skill" | "run_cmd"}]}
//! <session_dir>/input.json        {"args": [the whole command, program and prompt included]}
//!               metadata.json     {"exit_code": N, "duration_ms": N, "model": "..."}
//!               stdout.jsonl      the agent CLI's stdout
//!               session_log.jsonl the agent CLI's own session log (optional)
//! ```
//!
//! JSON files are written as that recorder writes them: two-space indents,
//! keys in the order above, no final newline. `run_cmd` steps keep their
//! result in `result_summary` (`exit_code`, `stdout_head`, and `stderr`
//! when there was any) and replay as plain commands.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::{put, Layout, Scenario, Session, Step};
use crate::scenario::cassette::{
    self, check_jsonl, wrap_raw_line, Cassette, SessionInput, SessionMetadata,
};
use crate::scenario::manifest::{
    json_problem, read_inside, CommandSummary, RecorderInfo, ScenarioManifest, StepRecord, FILE,
};
use crate::scenario::player::SESSIONS;
use crate::scenario::problem::Problem;
use crate::scenario::record::folder_name;
use crate::untrusted;

/// The `tool` of an agent session.
pub const RUN_SKILL: &str = "run_skill";
/// The `tool` of a shell command.
pub const RUN_CMD: &str = "run_cmd";
/// The program written first in `input.json`'s `args`: fixture-kit keeps
/// the arguments after it only.
pub const PROGRAM: &str = "claude";
/// The `recorder.name` of a scenario read from this layout.
pub const RECORDER: &str = "autoskillit";

/// One step of an autoskillit `scenario.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `step_name`.
    pub step_name: String,
    /// What `tool` and the other fields say it is.
    pub call: EntryCall,
}

/// An agent session or a shell command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryCall {
    /// `run_skill`, with its `session_dir` as written.
    Skill {
        /// The session folder, relative to the scenario (or absolute
        /// inside it).
        session_dir: String,
    },
    /// `run_cmd`, with its `result_summary`.
    Cmd(CommandSummary),
}

/// Parses an autoskillit `scenario.json`: its `recipe` and steps. The error
/// names the file and the JSON path at fault.
pub fn parse_manifest(path: &Path, text: &str) -> Result<(String, Vec<Entry>), Problem> {
    let value: Value = serde_json::from_str(text).map_err(|err| json_problem(path, &err))?;
    let at = |json_path: &str, message: &str| Problem::new(path, format!("{json_path}: {message}"));
    let recipe = match value.get("recipe") {
        Some(Value::String(recipe)) => recipe.clone(),
        Some(_) => {
            return Err(at(
                "recipe",
                "not a string: the autoskillit recorder writes the recipe's name",
            ))
        }
        None => {
            return Err(at(
                "recipe",
                "missing: add the name of the recipe that was recorded",
            ))
        }
    };
    let Some(steps) = value.get("step_sequence").and_then(Value::as_array) else {
        return Err(at(
            "step_sequence",
            "missing or not an array: it lists every step in the order it ran",
        ));
    };
    let mut entries = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let here = |field: &str| format!("step_sequence[{index}]{field}");
        let Some(step) = step.as_object() else {
            return Err(at(
                &here(""),
                "not an object: a step is {\"step_name\", \"session_dir\", \"result_summary\", \"tool\"}",
            ));
        };
        let step_name = match step.get("step_name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => {
                return Err(at(
                    &here(".step_name"),
                    "missing, empty or not a string: give the orchestrator's step name",
                ))
            }
        };
        let tool = step.get("tool").and_then(Value::as_str);
        let session_dir = step.get("session_dir").unwrap_or(&Value::Null);
        let call =
            match tool {
                Some(RUN_SKILL) => match session_dir {
                    Value::String(dir) if !dir.is_empty() => EntryCall::Skill {
                        session_dir: dir.clone(),
                    },
                    _ => {
                        return Err(at(
                            &here(".session_dir"),
                            &format!(
                            "step `{step_name}` is a `run_skill` step, which names its session \
                             folder here: re-record, or fix the step"
                        ),
                        ))
                    }
                },
                Some(RUN_CMD) => {
                    if !session_dir.is_null() {
                        return Err(at(
                            &here(".session_dir"),
                            &format!(
                                "step `{step_name}` is a `run_cmd` step, which has no session \
                             folder: set it to null, or make the step `run_skill`"
                            ),
                        ));
                    }
                    EntryCall::Cmd(command_summary(step.get("result_summary")).map_err(
                        |(field, message)| {
                            at(
                                &here(&format!(".result_summary{field}")),
                                &format!("{message} (step `{step_name}`)"),
                            )
                        },
                    )?)
                }
                Some(other) => {
                    return Err(at(
                        &here(".tool"),
                        &format!(
                            "`{other}` is neither `run_skill` (an agent session) nor `run_cmd` \
                         (a shell command)"
                        ),
                    ))
                }
                None => return Err(at(
                    &here(".tool"),
                    "missing or not a string: `run_skill` for an agent session, `run_cmd` for a \
                     shell command",
                )),
            };
        entries.push(Entry { step_name, call });
    }
    Ok((recipe, entries))
}

/// A `run_cmd` step's `result_summary`; `Err` holds the JSON path below it
/// and what is wrong.
fn command_summary(value: Option<&Value>) -> Result<CommandSummary, (String, String)> {
    let Some(Value::Object(summary)) = value else {
        return Err((
            String::new(),
            "missing or not an object: a `run_cmd` step keeps its result here as \
             {\"exit_code\", \"stdout_head\"}"
                .to_owned(),
        ));
    };
    let exit_code = match summary.get("exit_code") {
        Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().and_then(|n| i32::try_from(n).ok()).is_some() => {
            n.as_i64().and_then(|n| i32::try_from(n).ok())
        }
        _ => {
            return Err((
                ".exit_code".to_owned(),
                "missing or not a whole number (or null, for a killed command)".to_owned(),
            ))
        }
    };
    let text = |field: &str, required: bool| match summary.get(field) {
        Some(Value::String(text)) => Ok(text.clone()),
        None if !required => Ok(String::new()),
        _ => Err((
            format!(".{field}"),
            format!(
                "{} not a string",
                if required {
                    "missing or"
                } else {
                    "present but"
                }
            ),
        )),
    };
    Ok(CommandSummary {
        exit_code,
        stdout_head: text("stdout_head", true)?,
        stderr: text("stderr", false)?,
    })
}

/// Loads a scenario in the autoskillit layout; `text` is its
/// `scenario.json`.
pub fn load(dir: &Path, text: &str) -> Result<Scenario, Problem> {
    let path = dir.join(FILE);
    let (recipe, entries) = parse_manifest(&path, text)?;
    let mut manifest = ScenarioManifest::new(Value::String(recipe));
    manifest.recorder = RecorderInfo {
        name: RECORDER.to_owned(),
        version: "unknown".to_owned(),
    };
    manifest.complete = true;
    let mut folders: BTreeMap<String, String> = BTreeMap::new();
    let mut sessions = 0usize;
    let mut steps = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let (record, step) = match entry.call {
            EntryCall::Cmd(summary) => (
                StepRecord {
                    step: entry.step_name,
                    session: None,
                    command: Some(summary.clone()),
                },
                Step::Command(summary),
            ),
            EntryCall::Skill { session_dir } => {
                sessions += 1;
                let folder = native_folder(&session_dir)
                    .unwrap_or_else(|| format!("{sessions:03}_{}", folder_name(&entry.step_name)));
                match folders.get(&folder) {
                    Some(other) if *other != session_dir => {
                        return Err(Problem::new(
                            &path,
                            format!(
                                "step_sequence[{index}].session_dir: `{session_dir}` and \
                                 `{other}` would both become sessions/{folder}: rename one folder"
                            ),
                        ))
                    }
                    _ => {
                        folders.insert(folder.clone(), session_dir.clone());
                    }
                }
                let session = load_session(dir, index, &session_dir, &entry.step_name)?;
                (
                    StepRecord {
                        step: entry.step_name,
                        session: Some(folder),
                        command: None,
                    },
                    Step::Session(Box::new(session)),
                )
            }
        };
        manifest.step_sequence.push(record);
        steps.push(step);
    }
    Ok(Scenario {
        layout: Layout::Autoskillit,
        dir: dir.to_owned(),
        manifest,
        steps,
    })
}

/// `<name>` when `session_dir` is `sessions/<name>`: the folder keeps its
/// name in fixture-kit's layout.
fn native_folder(session_dir: &str) -> Option<String> {
    let rest = session_dir
        .trim_end_matches('/')
        .strip_prefix(SESSIONS)?
        .strip_prefix('/')?;
    let plain = !rest.is_empty() && rest != "." && rest != ".." && !rest.contains('/');
    plain.then(|| rest.to_owned())
}

/// Reads the session folder of step `index`.
fn load_session(
    dir: &Path,
    index: usize,
    session_dir: &str,
    step: &str,
) -> Result<Session, Problem> {
    let rel = relative_inside(dir, session_dir).ok_or_else(|| {
        Problem::new(
            dir.join(FILE),
            format!(
                "step_sequence[{index}].session_dir: `{session_dir}` is an absolute path outside \
                 the scenario (was it moved since recording?): make it relative to the scenario \
                 folder, e.g. `sessions/<name>`"
            ),
        )
    })?;
    let session_path = match untrusted::resolve_inside(dir, &rel) {
        Ok(resolved) if resolved.is_dir() => dir.join(&rel),
        Ok(_) => {
            return Err(Problem::new(
                dir.join(&rel),
                format!("the session of step `{step}` is not a folder: re-record the scenario"),
            ))
        }
        Err(err) if err.is_missing() => {
            return Err(Problem::new(
                dir.join(&rel),
                format!(
                    "missing session folder of step `{step}` (step_sequence[{index}].session_dir): \
                     re-record the scenario, or remove the step"
                ),
            ))
        }
        Err(err) => {
            return Err(Problem::new(
                dir.join(FILE),
                format!(
                    "step_sequence[{index}].session_dir (step `{step}`): {err}: a session is a \
                     folder inside the scenario; fix scenario.json"
                ),
            ))
        }
    };
    let read = |name: &str| {
        read_inside(&session_path, name).map_err(|err| {
            Problem::new(
                session_path.join(name),
                format!(
                    "cannot read it ({err}): an autoskillit session folder holds input.json, \
                     metadata.json and stdout.jsonl; re-record the scenario"
                ),
            )
        })
    };
    let args = input_args(&session_path.join(cassette::INPUT), &read(cassette::INPUT)?)?;
    let (exit_code, duration_ms, model) = metadata(
        &session_path.join(cassette::METADATA),
        &read(cassette::METADATA)?,
    )?;
    let stdout = wrap_raw_lines(&read(cassette::STDOUT)?);
    let agent_log = match read_inside(&session_path, cassette::SESSION_LOG) {
        Ok(text) => {
            check_jsonl(&session_path.join(cassette::SESSION_LOG), &text)?;
            Some(text)
        }
        Err(err) if err.is_missing() => None,
        Err(err) => {
            return Err(Problem::new(
                session_path.join(cassette::SESSION_LOG),
                format!("cannot read it ({err}): re-record the scenario, or remove the file"),
            ))
        }
    };
    Ok(Session {
        cassette: Cassette {
            dir: session_path,
            input: SessionInput {
                args: args[1..].to_vec(),
                cwd: ".".to_owned(),
                prompt: String::new(),
                env: BTreeMap::new(),
            },
            metadata: SessionMetadata {
                step: step.to_owned(),
                exit_code,
                timed_out: false,
                duration_ms,
                model,
                recorder_version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            stdout,
            session_log: String::new(),
        },
        agent_log,
    })
}

/// `session_dir` relative to `dir`: as it is, or, when absolute, the part
/// below `dir`; `None` for an absolute path elsewhere.
fn relative_inside(dir: &Path, session_dir: &str) -> Option<String> {
    let path = Path::new(session_dir);
    if !path.is_absolute() {
        return Some(session_dir.to_owned());
    }
    let base = dir.canonicalize().ok()?;
    let rest = path
        .strip_prefix(&base)
        .or_else(|_| path.strip_prefix(dir))
        .ok()?;
    Some(rest.to_string_lossy().into_owned()).filter(|rest| !rest.is_empty())
}

/// `input.json`'s `args`: strings, the program first.
fn input_args(path: &Path, text: &str) -> Result<Vec<String>, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|err| json_problem(path, &err))?;
    let fail =
        |json_path: &str, message: &str| Problem::new(path, format!("{json_path}: {message}"));
    let Some(args) = value.get("args").and_then(Value::as_array) else {
        return Err(fail(
            "args",
            "missing or not an array: the autoskillit recorder writes the whole command here",
        ));
    };
    if args.is_empty() {
        return Err(fail("args", "empty: the command's program comes first"));
    }
    args.iter()
        .enumerate()
        .map(|(index, arg)| {
            arg.as_str()
                .map(str::to_owned)
                .ok_or_else(|| fail(&format!("args[{index}]"), "not a string"))
        })
        .collect()
}

/// `metadata.json`: exit code, duration, model (`""` for none).
fn metadata(path: &Path, text: &str) -> Result<(Option<i32>, u64, Option<String>), Problem> {
    let value: Value = serde_json::from_str(text).map_err(|err| json_problem(path, &err))?;
    let fail = |field: &str, message: &str| Problem::new(path, format!("{field}: {message}"));
    let exit_code = match value.get("exit_code") {
        Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().and_then(|n| i32::try_from(n).ok()).is_some() => {
            n.as_i64().and_then(|n| i32::try_from(n).ok())
        }
        _ => {
            return Err(fail(
                "exit_code",
                "missing or not a whole number (or null, for a killed session)",
            ))
        }
    };
    let Some(duration_ms) = value.get("duration_ms").and_then(Value::as_u64) else {
        return Err(fail(
            "duration_ms",
            "missing or not a whole number of milliseconds, 0 or more",
        ));
    };
    let model = match value.get("model") {
        None | Some(Value::Null) => None,
        Some(Value::String(model)) if model.is_empty() => None,
        Some(Value::String(model)) => Some(model.clone()),
        Some(_) => return Err(fail("model", "not a string")),
    };
    Ok((exit_code, duration_ms, model))
}

/// stdout with every line that is not one JSON object stored as fixture-kit
/// stores such lines, so it replays as it was printed.
fn wrap_raw_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let object = line.trim_start().starts_with('{')
            && serde_json::from_str::<Map<String, Value>>(line).is_ok();
        if object {
            out.push_str(line);
        } else {
            out.push_str(&wrap_raw_line(line).to_string());
        }
        out.push('\n');
    }
    out
}

/// Writes `scenario` in the autoskillit layout into the empty folder `out`.
pub fn write(scenario: &Scenario, out: &Path) -> Result<(), Problem> {
    let recipe = match &scenario.manifest.recipe {
        Value::String(recipe) => recipe.clone(),
        other => other.to_string(),
    };
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (record, step) in scenario.records() {
        let entry = match (step, &record.session) {
            (Step::Session(session), Some(folder)) => {
                let session_dir = format!("{SESSIONS}/{folder}");
                write_session(out, &session_dir, session)?;
                json!({
                    "step_name": record.step,
                    "session_dir": session_dir,
                    "result_summary": null,
                    "tool": RUN_SKILL,
                })
            }
            (Step::Command(summary), _) => {
                let mut result = json!({
                    "exit_code": summary.exit_code,
                    "stdout_head": summary.stdout_head,
                });
                if !summary.stderr.is_empty() {
                    result["stderr"] = summary.stderr.clone().into();
                }
                json!({
                    "step_name": record.step,
                    "session_dir": null,
                    "result_summary": result,
                    "tool": RUN_CMD,
                })
            }
            (Step::Session(_), None) => unreachable!("a session step names its folder"),
        };
        steps.push(entry);
    }
    let manifest = json!({ "recipe": recipe, "step_sequence": steps });
    put(out, FILE, &pretty(&manifest))
}

fn write_session(out: &Path, session_dir: &str, session: &Session) -> Result<(), Problem> {
    let cassette = &session.cassette;
    let file = |name: &str| format!("{session_dir}/{name}");
    let mut args = vec![PROGRAM.to_owned()];
    args.extend(cassette.input.args.iter().cloned());
    put(
        out,
        &file(cassette::INPUT),
        &pretty(&json!({ "args": args })),
    )?;
    let metadata = json!({
        "exit_code": cassette.metadata.exit_code,
        "duration_ms": cassette.metadata.duration_ms,
        "model": cassette.metadata.model.clone().unwrap_or_default(),
    });
    put(out, &file(cassette::METADATA), &pretty(&metadata))?;
    put(out, &file(cassette::STDOUT), &cassette.replayed_stdout())?;
    if let Some(log) = &session.agent_log {
        put(out, &file(cassette::SESSION_LOG), log)?;
    }
    Ok(())
}

/// Two-space indents, no final newline, as the autoskillit recorder writes.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON values serialize")
}

//! One recorded agent session: the four files of `sessions/NNN_<step>/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::manifest::{json_problem, read_inside};
use super::problem::Problem;

/// What was asked.
pub const INPUT: &str = "input.json";
/// The CLI's own stream-json lines.
pub const STDOUT: &str = "stdout.jsonl";
/// The session's log lines.
pub const SESSION_LOG: &str = "session_log.jsonl";
/// Step, exit code, duration, model, recorder version.
pub const METADATA: &str = "metadata.json";
/// The four files every session folder holds.
pub const FILES: [&str; 4] = [INPUT, STDOUT, SESSION_LOG, METADATA];

/// The `type` of a stdout line that was not JSON when recorded; replay
/// prints its `text` back as it was.
pub const RAW_LINE_TYPE: &str = "fixture_kit_raw_line";
/// The key of a session-log line that holds one plain stderr line.
pub const STDERR_KEY: &str = "stderr";

/// `input.json`: what the session was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInput {
    /// The CLI's arguments (the program itself excluded).
    pub args: Vec<String>,
    /// The working directory, relative to the project (`.` for its root).
    pub cwd: String,
    /// The prompt given on stdin.
    pub prompt: String,
    /// The allowlisted environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `metadata.json`: how the session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMetadata {
    /// The orchestrator's step name.
    pub step: String,
    /// The exit code; `None` when the process was killed.
    pub exit_code: Option<i32>,
    /// Whether the timeout killed it.
    #[serde(default)]
    pub timed_out: bool,
    /// The duration, normalised to 0 when recorded so re-recordings diff
    /// only where behaviour changed.
    pub duration_ms: u64,
    /// The model, from the stream's `system/init` line when there is one.
    #[serde(default)]
    pub model: Option<String>,
    /// The fixture-kit version that recorded it.
    pub recorder_version: String,
}

/// A loaded session folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cassette {
    /// The session folder.
    pub dir: PathBuf,
    /// `input.json`.
    pub input: SessionInput,
    /// `metadata.json`.
    pub metadata: SessionMetadata,
    /// `stdout.jsonl`, as stored.
    pub stdout: String,
    /// `session_log.jsonl`, as stored.
    pub session_log: String,
}

impl Cassette {
    /// Loads `dir`: all four files present, every `.jsonl` line a JSON
    /// object, `input.json` and `metadata.json` valid. The error names the
    /// file and, where it applies, the line.
    pub fn load(dir: &Path) -> Result<Cassette, Problem> {
        let input = load_input(dir)?;
        let metadata = load_metadata(dir)?;
        let stdout = read(dir, STDOUT)?;
        check_jsonl(&dir.join(STDOUT), &stdout)?;
        let session_log = read(dir, SESSION_LOG)?;
        check_jsonl(&dir.join(SESSION_LOG), &session_log)?;
        Ok(Cassette {
            dir: dir.to_owned(),
            input,
            metadata,
            stdout,
            session_log,
        })
    }

    /// The stdout as the CLI printed it: stored lines, with lines that were
    /// not JSON when recorded restored to their text.
    pub fn replayed_stdout(&self) -> String {
        let mut out = String::with_capacity(self.stdout.len());
        for line in self.stdout.lines() {
            match raw_line_text(line) {
                Some(text) => out.push_str(&text),
                None => out.push_str(line),
            }
            out.push('\n');
        }
        out
    }

    /// The stderr as the CLI printed it: session-log lines, with plain
    /// stderr lines restored to their text.
    pub fn replayed_stderr(&self) -> String {
        let mut out = String::new();
        for line in self.session_log.lines() {
            let plain = serde_json::from_str::<serde_json::Map<String, Value>>(line)
                .ok()
                .filter(|object| object.len() == 1)
                .and_then(|object| object.get(STDERR_KEY)?.as_str().map(str::to_owned));
            out.push_str(plain.as_deref().unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// Reads and parses `<dir>/input.json`.
pub(crate) fn load_input(dir: &Path) -> Result<SessionInput, Problem> {
    let path = dir.join(INPUT);
    serde_json::from_str(&read(dir, INPUT)?).map_err(|err| json_problem(&path, &err))
}

/// Reads, parses and checks `<dir>/metadata.json`.
pub(crate) fn load_metadata(dir: &Path) -> Result<SessionMetadata, Problem> {
    let path = dir.join(METADATA);
    let metadata: SessionMetadata =
        serde_json::from_str(&read(dir, METADATA)?).map_err(|err| json_problem(&path, &err))?;
    if metadata.step.is_empty() {
        return Err(Problem::new(
            &path,
            "`step` is empty: give the orchestrator's step name",
        ));
    }
    Ok(metadata)
}

/// Reads `name` in the session folder `dir`: a regular file that resolves
/// inside it.
fn read(dir: &Path, name: &str) -> Result<String, Problem> {
    read_inside(dir, name).map_err(|err| {
        Problem::new(
            dir.join(name),
            format!(
                "cannot read it ({err}): a session folder holds {}; re-record the scenario",
                FILES.join(", ")
            ),
        )
    })
}

/// Checks that every line of a `.jsonl` text is a JSON object; the error
/// names the first line that is not.
pub fn check_jsonl(path: &Path, text: &str) -> Result<(), Problem> {
    for (index, line) in text.lines().enumerate() {
        let problem = |what: String| {
            Problem::at_line(
                path,
                index + 1,
                format!("{what}: every line of a .jsonl file is one JSON object; re-record, or fix the line"),
            )
        };
        if !line.trim_start().starts_with('{') {
            let what = if line.trim().is_empty() {
                "empty line".to_owned()
            } else {
                "not a JSON object".to_owned()
            };
            return Err(problem(what));
        }
        serde_json::from_str::<serde::de::IgnoredAny>(line)
            .map_err(|err| problem(format!("not valid JSON ({err})")))?;
    }
    Ok(())
}

/// Wraps a stdout line that is not a JSON object so it can be stored.
pub fn wrap_raw_line(text: &str) -> Value {
    serde_json::json!({ "type": RAW_LINE_TYPE, "text": text })
}

fn raw_line_text(line: &str) -> Option<String> {
    if !line.contains(RAW_LINE_TYPE) {
        return None;
    }
    let value: Value = serde_json::from_str(line).ok()?;
    if value.get("type")?.as_str()? != RAW_LINE_TYPE {
        return None;
    }
    value.get("text")?.as_str().map(str::to_owned)
}

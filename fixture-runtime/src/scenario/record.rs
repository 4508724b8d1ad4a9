//! The recording runner: runs calls through another runner and writes each
//! one, scrubbed and normalised, into a scenario folder.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use super::cassette::{self, SessionInput, SessionMetadata, STDERR_KEY};
use super::layout::native::pretty;
use super::manifest::{CommandSummary, ScenarioManifest, StepRecord, FILE};
use super::normalise::Normaliser;
use super::player::SESSIONS;
use super::problem::Problem;
use super::process::{CallKind, CliCall, CliError, CliOutput, CliRunner, RealCli};
use super::strip::StripPath;
use crate::scrub::{placeholder, ScrubConfig, Scrubber};

/// The folder under which [`RecordingCli::from_env`] writes
/// `<name>/scenario.json` and its sessions.
pub const RECORD_SCENARIO_DIR: &str = "RECORD_SCENARIO_DIR";

/// How many lines, and bytes, of a plain command's stdout are kept.
const HEAD_LINES: usize = 20;
const HEAD_BYTES: usize = 4000;
/// How many bytes of a plain command's stderr are kept (its end).
const TAIL_BYTES: usize = 4000;

type Hook = Box<dyn Fn(&str, &mut Value) + Send + Sync>;

/// Runs calls through `inner` and records each one before returning its
/// output unchanged. `scenario.json` is rewritten after every call, so a
/// run that ends early (error, panic, Ctrl-C) still leaves a readable
/// scenario, marked incomplete; [`RecordingCli::finish`] completes it.
pub struct RecordingCli<R: CliRunner = RealCli> {
    inner: R,
    hooks: Vec<Hook>,
    env_allowlist: BTreeSet<String>,
    zero_tokens: bool,
    /// `None`: the built-in rules alone.
    scrubber: Option<Scrubber>,
    state: Mutex<Recorder>,
}

struct Recorder {
    dir: PathBuf,
    project: PathBuf,
    manifest: ScenarioManifest,
    sessions: usize,
    finished: bool,
}

/// What an unfinished recording says about itself.
const UNFINISHED: &str = "the recorder did not finish: the run was interrupted or is still going";

impl<R: CliRunner> RecordingCli<R> {
    /// Records into `dir` (emptied first if it holds a scenario) a run in
    /// `project`, whose absolute path is normalised to `<project>`.
    pub fn new(inner: R, dir: &Path, project: &Path, recipe: Value) -> Result<Self, Problem> {
        // A re-recording keeps the scenario's own scrub and match settings.
        let (kept, matching) = if dir.join(FILE).is_file() {
            let old = ScenarioManifest::load(dir)?;
            (old.scrub, old.matching)
        } else {
            (ScrubConfig::default(), None)
        };
        prepare_dir(dir)?;
        let mut manifest = ScenarioManifest::new(recipe);
        manifest.scrub = kept;
        manifest.matching = matching;
        RecordingCli::start(inner, dir, project, manifest, 0)
    }

    /// Records into the existing scenario `dir`, keeping its sessions and
    /// step sequence byte for byte: new calls are appended after them, and
    /// the scenario is incomplete again until [`RecordingCli::finish`].
    pub fn append(inner: R, dir: &Path, project: &Path) -> Result<Self, Problem> {
        let manifest = ScenarioManifest::load(dir)?;
        let sessions = manifest
            .step_sequence
            .iter()
            .filter_map(|step| step.session.as_deref())
            .filter_map(|name| name.split('_').next()?.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        RecordingCli::start(inner, dir, project, manifest, sessions)
    }

    fn start(
        inner: R,
        dir: &Path,
        project: &Path,
        mut manifest: ScenarioManifest,
        sessions: usize,
    ) -> Result<Self, Problem> {
        let scrubber = compile_scrub(dir, &manifest.scrub)?;
        manifest.complete = false;
        manifest.ended_early = Some(UNFINISHED.to_owned());
        manifest
            .write(dir)
            .map_err(|err| Problem::new(dir.join(FILE), format!("cannot write it: {err}")))?;
        Ok(RecordingCli {
            inner,
            hooks: Vec::new(),
            env_allowlist: BTreeSet::new(),
            zero_tokens: false,
            scrubber,
            state: Mutex::new(Recorder {
                dir: dir.to_owned(),
                project: project.to_owned(),
                manifest,
                sessions,
                finished: false,
            }),
        })
    }

    /// Records into `$RECORD_SCENARIO_DIR/<name>`.
    pub fn from_env(inner: R, name: &str, project: &Path, recipe: Value) -> Result<Self, Problem> {
        let root = std::env::var_os(RECORD_SCENARIO_DIR).ok_or_else(|| {
            Problem::new(
                RECORD_SCENARIO_DIR,
                "not set: set it to the folder that holds the scenarios, e.g. \
                 `RECORD_SCENARIO_DIR=scenarios`",
            )
        })?;
        RecordingCli::new(inner, &Path::new(&root).join(name), project, recipe)
    }

    /// Adds a hook run on every stdout line (after normalisation, before
    /// scrubbing) with the step name, e.g. to strip large unused fields.
    pub fn hook(mut self, hook: impl Fn(&str, &mut Value) + Send + Sync + 'static) -> Self {
        self.hooks.push(Box::new(hook));
        self
    }

    /// Removes a field from every stdout line: a JSON path from the line's
    /// top level, wildcards included (`tool_use_result`, `message.usage`,
    /// `message.content[*].content`); see [`StripPath`]. A path that does
    /// not parse is an error saying why.
    pub fn strip_field(self, path: &str) -> Result<Self, Problem> {
        let path = StripPath::parse(path).map_err(|err| Problem::new(self.dir(), err))?;
        Ok(self.hook(move |_, line| {
            path.apply(line);
        }))
    }

    /// Also zeroes the token counts under `modelUsage` in every session
    /// (see [`Normaliser::zero_tokens`]).
    pub fn zero_tokens(mut self) -> Self {
        self.zero_tokens = true;
        self
    }

    /// Records the value of environment variable `name` in `input.json`
    /// (only allowlisted variables are recorded; secret-named ones as a
    /// placeholder).
    pub fn allow_env(mut self, name: &str) -> Self {
        self.env_allowlist.insert(name.to_owned());
        self
    }

    /// Scrubs with `config`'s patterns and allowed values too (added to the
    /// scenario's own `scrub` field, which is kept as it is).
    pub fn scrub(mut self, config: &ScrubConfig) -> Result<Self, Problem> {
        let dir = self.dir();
        let merged = config.merged(&self.lock().manifest.scrub);
        self.scrubber = compile_scrub(&dir, &merged)?;
        Ok(self)
    }

    fn scrubber(&self) -> &Scrubber {
        self.scrubber.as_ref().unwrap_or_else(|| Scrubber::global())
    }

    /// The scenario folder.
    pub fn dir(&self) -> PathBuf {
        self.lock().dir.clone()
    }

    /// Marks the scenario complete with the orchestrator's `outcome`.
    pub fn finish(&self, outcome: &str) -> Result<PathBuf, Problem> {
        let mut recorder = self.lock();
        recorder.finished = true;
        recorder.manifest.complete = true;
        recorder.manifest.ended_early = None;
        recorder.manifest.outcome =
            Some(scrub_text(self.scrubber(), &recorder.normaliser(), outcome));
        recorder.write_manifest()?;
        Ok(recorder.dir.clone())
    }

    /// Marks the scenario as ended early, for the reason `why` (such as the
    /// signal that stopped the run); it stays incomplete.
    pub fn end_early(&self, why: &str) -> Result<PathBuf, Problem> {
        let mut recorder = self.lock();
        recorder.finished = true;
        recorder.manifest.complete = false;
        recorder.manifest.ended_early = Some(why.to_owned());
        recorder.write_manifest()?;
        Ok(recorder.dir.clone())
    }

    /// Records a call that was run elsewhere (by a process standing in for
    /// the agent CLI, say), as if this runner had run it; returns the
    /// session folder's name for an agent call.
    pub fn record_output(
        &self,
        call: &CliCall,
        output: &CliOutput,
    ) -> Result<Option<String>, Problem> {
        self.record(call, output)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorder> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, call: &CliCall, output: &CliOutput) -> Result<Option<String>, Problem> {
        let mut recorder = self.lock();
        let normaliser = recorder.normaliser();
        let step = match call.kind {
            CallKind::Agent => {
                recorder.sessions += 1;
                let name = format!("{:03}_{}", recorder.sessions, folder_name(&call.step));
                let dir = recorder.dir.join(SESSIONS).join(&name);
                self.write_session(&dir, &recorder.project, call, output)?;
                StepRecord {
                    step: call.step.clone(),
                    session: Some(name),
                    command: None,
                }
            }
            CallKind::Command => StepRecord {
                step: call.step.clone(),
                session: None,
                command: Some(CommandSummary {
                    exit_code: output.exit_code,
                    stdout_head: head(&scrub_text(self.scrubber(), &normaliser, &output.stdout)),
                    stderr: tail(&scrub_text(self.scrubber(), &normaliser, &output.stderr)),
                }),
            },
        };
        let session = step.session.clone();
        recorder.manifest.step_sequence.push(step);
        recorder.write_manifest()?;
        Ok(session)
    }

    fn write_session(
        &self,
        dir: &Path,
        project: &Path,
        call: &CliCall,
        output: &CliOutput,
    ) -> Result<(), Problem> {
        let mut normaliser = Normaliser::new(project);
        if self.zero_tokens {
            normaliser = normaliser.zero_tokens();
        }
        let scrubber = self.scrubber();
        let mut model = None;
        let mut stdout = String::with_capacity(output.stdout.len());
        for line in output.stdout.lines() {
            let text = normaliser.paths(line);
            let value = match serde_json::from_str::<Value>(&text) {
                Ok(mut value @ Value::Object(_)) => {
                    if value["type"] == "system" && value["subtype"] == "init" {
                        model = value["model"].as_str().map(str::to_owned);
                    }
                    normaliser.value(&mut value);
                    for hook in &self.hooks {
                        hook(&call.step, &mut value);
                    }
                    value
                }
                _ => cassette::wrap_raw_line(&text),
            };
            stdout.push_str(&scrubber.scrub(&value.to_string()));
            stdout.push('\n');
        }
        let mut session_log = String::new();
        for line in output.stderr.lines() {
            let text = normaliser.paths(line);
            let value = match serde_json::from_str::<Value>(&text) {
                Ok(mut value @ Value::Object(_)) => {
                    normaliser.value(&mut value);
                    value
                }
                _ => serde_json::json!({ STDERR_KEY: text }),
            };
            session_log.push_str(&scrubber.scrub(&value.to_string()));
            session_log.push('\n');
        }
        let env = call
            .env
            .iter()
            .filter(|(name, _)| self.env_allowlist.contains(*name))
            .map(|(name, value)| {
                let value = if is_secret_name(name) {
                    placeholder("secret-env")
                } else {
                    scrub_text(scrubber, &normaliser, value)
                };
                (name.clone(), value)
            })
            .collect();
        let input = SessionInput {
            args: call
                .args
                .iter()
                .map(|arg| scrub_text(scrubber, &normaliser, arg))
                .collect(),
            cwd: relative_cwd(&normaliser, project, &call.cwd),
            prompt: scrub_text(scrubber, &normaliser, &call.stdin),
            env,
        };
        let metadata = SessionMetadata {
            step: call.step.clone(),
            exit_code: output.exit_code,
            timed_out: output.timed_out,
            duration_ms: 0,
            model,
            recorder_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            fs::write(&path, text)
                .map_err(|err| Problem::new(&path, format!("cannot write it: {err}")))
        };
        fs::create_dir_all(dir)
            .map_err(|err| Problem::new(dir, format!("cannot create it: {err}")))?;
        write(cassette::INPUT, &pretty(&input))?;
        write(cassette::STDOUT, &stdout)?;
        write(cassette::SESSION_LOG, &session_log)?;
        write(cassette::METADATA, &pretty(&metadata))
    }
}

impl<R: CliRunner> CliRunner for RecordingCli<R> {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        let output = self.inner.run(call)?;
        self.record(call, &output).map_err(|problem| CliError {
            step: call.step.clone(),
            message: format!("recording failed: {problem}"),
        })?;
        Ok(output)
    }
}

impl<R: CliRunner> Drop for RecordingCli<R> {
    fn drop(&mut self) {
        let mut recorder = self.lock();
        if recorder.finished {
            return;
        }
        let why = if std::thread::panicking() {
            "the run panicked before the recorder finished"
        } else {
            "the run ended before the recorder finished (an error, or no call to finish)"
        };
        recorder.manifest.ended_early = Some(why.to_owned());
        let _ = recorder.write_manifest();
    }
}

impl Recorder {
    fn normaliser(&self) -> Normaliser {
        Normaliser::new(&self.project)
    }

    fn write_manifest(&self) -> Result<(), Problem> {
        self.manifest
            .write(&self.dir)
            .map_err(|err| Problem::new(self.dir.join(FILE), format!("cannot write it: {err}")))
    }
}

/// Empties `dir` if it is a scenario folder; refuses any other folder.
fn prepare_dir(dir: &Path) -> Result<(), Problem> {
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .map_err(|err| Problem::new(dir, format!("cannot read it: {err}")))?
            .next()
            .is_none();
        if !empty && !dir.join(FILE).is_file() {
            return Err(Problem::new(
                dir,
                "not empty and not a scenario folder: refusing to record over it; choose \
                 another name or remove it",
            ));
        }
        fs::remove_dir_all(dir)
            .map_err(|err| Problem::new(dir, format!("cannot clear it for re-recording: {err}")))?;
    }
    fs::create_dir_all(dir).map_err(|err| Problem::new(dir, format!("cannot create it: {err}")))
}

fn scrub_text(scrubber: &Scrubber, normaliser: &Normaliser, text: &str) -> String {
    scrubber.scrub(&normaliser.paths(text)).into_owned()
}

/// The scrubber of `config`; `None` (the built-in rules) when it is empty.
fn compile_scrub(dir: &Path, config: &ScrubConfig) -> Result<Option<Scrubber>, Problem> {
    if config.is_empty() {
        return Ok(None);
    }
    Scrubber::with_config(config)
        .map(Some)
        .map_err(|err| Problem::new(dir.join(FILE), format!("scrub.{err}")))
}

fn relative_cwd(normaliser: &Normaliser, project: &Path, cwd: &Path) -> String {
    match cwd.strip_prefix(project) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => normaliser.paths(&cwd.to_string_lossy()),
    }
}

/// Whether an environment variable's name says it holds a secret.
fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD"]
        .iter()
        .any(|word| upper.contains(word))
}

/// `step` as a folder name: other characters than letters, digits, `-` and
/// `_` become `_`.
pub(crate) fn folder_name(step: &str) -> String {
    step.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn head(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().take(HEAD_LINES) {
        if out.len() + line.len() + 1 > HEAD_BYTES {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn tail(text: &str) -> String {
    if text.len() <= TAIL_BYTES {
        return text.to_owned();
    }
    let mut start = text.len() - TAIL_BYTES;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

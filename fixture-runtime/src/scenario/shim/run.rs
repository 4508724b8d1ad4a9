//! `fixture-kit scenario record|replay DIR -- COMMAND…`: runs COMMAND with
//! the shim first on its `PATH`, serves or records its calls, and finalises
//! the scenario when COMMAND ends, also when fixture-kit is told to stop.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::super::manifest::{ScenarioManifest, FILE};
use super::super::normalise::Normaliser;
use super::super::player::{ScenarioPlayer, SESSIONS};
use super::super::problem::Problem;
use super::super::process::RealCli;
use super::super::record::RecordingCli;
use super::fault_spec::ShimFault;
use super::launcher;
use super::matching::{MatchField, Matcher};
use super::mode::RecordMode;
use super::server::{describe, LoggedShimCall, Session, Settings};
use crate::process::{interrupt, Tree};
use crate::scrub::Scrubber;

/// The default step variable.
pub const STEP_ENV: &str = "SCENARIO_STEP_NAME";

/// One record or replay run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario folder.
    pub dir: PathBuf,
    /// The program name the shim stands in for (`claude`).
    pub as_name: String,
    /// The real CLI; else `as_name` on the original `PATH`.
    pub real: Option<PathBuf>,
    /// The record mode.
    pub mode: RecordMode,
    /// The variable that names a call's step.
    pub step_env: String,
    /// The match fields; else the scenario's `match.on`, else all four.
    pub matching: Option<Vec<MatchField>>,
    /// Faults to inject into served calls.
    pub faults: Vec<ShimFault>,
    /// Whether recordings left unused are fine.
    pub allow_unused: bool,
    /// Whether recordings no call used are removed (`new_episodes`).
    pub prune: bool,
    /// The project, whose path recordings normalise to `<project>`.
    pub project: PathBuf,
    /// Environment variables recorded in `input.json`.
    pub allow_env: Vec<String>,
    /// Whether served calls follow their recorded pacing (`pacing.json`).
    pub pacing: bool,
    /// Whether recorded calls keep their pacing in `pacing.json`.
    pub record_pacing: bool,
    /// The orchestrator: program, then arguments.
    pub command: Vec<OsString>,
    /// The fixture-kit executable the shim runs.
    pub exe: PathBuf,
}

impl Options {
    /// Options for `dir` and `command` with the defaults: `--as claude`,
    /// `SCENARIO_STEP_NAME`, the current folder as the project.
    pub fn new(
        dir: impl Into<PathBuf>,
        mode: RecordMode,
        command: Vec<OsString>,
        exe: PathBuf,
    ) -> Options {
        Options {
            dir: dir.into(),
            as_name: "claude".to_owned(),
            real: None,
            mode,
            step_env: STEP_ENV.to_owned(),
            matching: None,
            faults: Vec::new(),
            allow_unused: false,
            prune: false,
            project: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            allow_env: Vec::new(),
            pacing: false,
            record_pacing: false,
            command,
            exe,
        }
    }
}

/// How COMMAND ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code (`128 + N` for signal N).
    Exited(i32),
    /// fixture-kit was told to stop by this signal.
    Stopped(i32),
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The mode it ran in (`once` resolved).
    pub mode: RecordMode,
    /// Every call.
    pub log: Vec<LoggedShimCall>,
    /// Recordings no call used: `(step, session folder)`.
    pub unused: Vec<(String, String)>,
    /// Whether unused recordings are fine.
    pub allow_unused: bool,
    /// Session folders removed by `--prune`.
    pub pruned: Vec<String>,
    /// How COMMAND ended.
    pub ended: Ended,
    /// Problems finalising the scenario.
    pub problems: Vec<String>,
}

impl Report {
    /// Whether every call was answered, every recording used (unless
    /// allowed or pruned) and the scenario finalised.
    pub fn clean(&self) -> bool {
        !self.log.iter().any(LoggedShimCall::failed)
            && (self.allow_unused || self.unused.is_empty())
            && self.problems.is_empty()
    }

    /// The exit code: COMMAND's when it failed, else 1 unless clean.
    pub fn exit_code(&self) -> i32 {
        match self.ended {
            Ended::Stopped(signal) => i32::from(interrupt::exit_code(signal)),
            Ended::Exited(code) if code != 0 => code,
            Ended::Exited(_) if self.clean() => 0,
            Ended::Exited(_) => 1,
        }
    }

    /// The call log and the verdict, as printed after the run.
    pub fn render(&self) -> String {
        let mut out = format!(
            "fixture-kit scenario ({}): {} call{}\n",
            self.mode,
            self.log.len(),
            if self.log.len() == 1 { "" } else { "s" }
        );
        for call in &self.log {
            let _ = writeln!(out, "  {call}");
        }
        if !self.unused.is_empty() {
            let names: Vec<&str> = self.unused.iter().map(|(_, s)| s.as_str()).collect();
            let _ = writeln!(
                out,
                "{} {} recording{} left unused: {} ({}){}",
                if self.allow_unused { "note:" } else { "error:" },
                self.unused.len(),
                if self.unused.len() == 1 { "" } else { "s" },
                describe(&self.unused),
                names.join(", "),
                if self.allow_unused {
                    ""
                } else {
                    "; the orchestrator skipped calls it made when recorded (re-record, \
                     or pass --allow-unused)"
                }
            );
        }
        for name in &self.pruned {
            let _ = writeln!(out, "pruned {name}: no call used it");
        }
        for problem in &self.problems {
            let _ = writeln!(out, "error: {problem}");
        }
        let misses = self.log.iter().filter(|call| call.failed()).count();
        if misses > 0 {
            let _ = writeln!(out, "error: {misses} call(s) without a recording");
        }
        match self.ended {
            Ended::Exited(code) => {
                let _ = writeln!(out, "the command exited with code {code}");
            }
            Ended::Stopped(signal) => {
                let _ = writeln!(
                    out,
                    "stopped by {}: the scenario is marked incomplete",
                    interrupt::name(signal)
                );
            }
        }
        out
    }
}

/// Runs `options.command` under the shim. An error (no scenario to replay,
/// no real CLI to record, a command that cannot start) names what to do.
pub fn run(options: &Options) -> Result<Report, Problem> {
    let dir = &options.dir;
    let problem = |message: String| Problem::new(dir, message);
    launcher::check_name(&options.as_name).map_err(problem)?;
    let (program, args) = options
        .command
        .split_first()
        .ok_or_else(|| problem("no command given: put it after `--`".to_owned()))?;
    let program = program
        .to_str()
        .ok_or_else(|| problem("the command's program name is not UTF-8".to_owned()))?;
    let project = std::path::absolute(&options.project)
        .map_err(|err| problem(format!("cannot resolve the project folder: {err}")))?;
    let exists = dir.join(FILE).is_file();
    let mode = options.mode.resolve(exists);
    let player = if mode.replays() {
        if !exists {
            return Err(Problem::new(
                dir.join(FILE),
                format!(
                    "no scenario to replay (record mode {mode}): record one with `fixture-kit \
                     scenario record`, or pass `--record-mode once`"
                ),
            ));
        }
        Some(ScenarioPlayer::load(dir)?)
    } else {
        None
    };
    let original_path = std::env::var_os("PATH");
    let real = if mode.records() {
        let found = options
            .real
            .clone()
            .or_else(|| launcher::find(&options.as_name, original_path.as_deref()));
        Some(found.ok_or_else(|| {
            problem(format!(
                "record mode {mode} runs the real `{}`, and there is none on PATH: pass \
                 `--real PATH`",
                options.as_name
            ))
        })?)
    } else {
        None
    };
    let manifest = match &player {
        Some(player) => Some(player.manifest.clone()),
        None if exists => ScenarioManifest::load(dir).ok(),
        None => None,
    };
    let mut config = manifest
        .as_ref()
        .and_then(|m| m.matching.clone())
        .unwrap_or_default();
    if let Some(fields) = &options.matching {
        config.on = fields.clone();
    }
    let matcher = Matcher::new(&config, &options.step_env)
        .map_err(|err| Problem::new(dir.join(FILE), err))?;
    let scrubber = match manifest.as_ref().map(|m| &m.scrub) {
        Some(scrub) if !scrub.is_empty() => Some(
            Scrubber::with_config(scrub)
                .map_err(|err| Problem::new(dir.join(FILE), format!("scrub.{err}")))?,
        ),
        _ => None,
    };
    let recorder = match mode {
        RecordMode::All => {
            let normaliser = Normaliser::new(&project);
            let command: Vec<String> = options
                .command
                .iter()
                .map(|arg| normaliser.paths(&arg.to_string_lossy()))
                .collect();
            let recipe = json!({"command": command, "as": options.as_name});
            Some(RecordingCli::new(RealCli, dir, &project, recipe)?)
        }
        RecordMode::NewEpisodes => Some(RecordingCli::append(RealCli, dir, &project)?),
        RecordMode::None | RecordMode::Once => None,
    };
    let recorder = recorder.map(|recorder| {
        options
            .allow_env
            .iter()
            .fold(recorder, |recorder, name| recorder.allow_env(name))
    });
    let settings = Settings {
        as_name: options.as_name.clone(),
        step_env: options.step_env.clone(),
        project,
        matcher,
        scrubber,
        faults: options.faults.clone(),
        real,
        pacing: options.pacing,
        record_pacing: options.record_pacing,
    };
    let session = Arc::new(Session::new(settings, player.as_ref(), recorder)?);
    let temp = tempfile::Builder::new()
        .prefix("fixture-kit-shim-")
        .tempdir()
        .map_err(|err| problem(format!("cannot create a temporary folder: {err}")))?;
    let socket = temp.path().join("shim.sock");
    let listener = UnixListener::bind(&socket)
        .map_err(|err| problem(format!("cannot listen on {}: {err}", socket.display())))?;
    session.serve(listener);
    let bin = temp.path().join("bin");
    launcher::write(&bin, &options.as_name, &options.exe, &socket).map_err(problem)?;
    let path = launcher::path_with(&bin, original_path.as_deref()).map_err(problem)?;
    let mut command = Tree::command(program);
    command.args(args).env("PATH", path);
    let started = Tree::spawn(command);
    let ended = match started {
        Ok(mut tree) => {
            let status = loop {
                if let Some(status) = tree.wait_until(Instant::now() + Duration::from_secs(3600)) {
                    break Some(status);
                }
                if interrupt::received().is_some() {
                    break None;
                }
            };
            // Calls still running (a hang) end with COMMAND.
            let stopped = tree.stop(Duration::from_secs(1));
            match (interrupt::received(), status) {
                (Some(signal), _) => Ended::Stopped(signal),
                (None, status) => Ended::Exited(status.unwrap_or(stopped).code().unwrap_or(1)),
            }
        }
        Err(err) => {
            if let Some(recorder) = session.recorder() {
                let _ = recorder.end_early(&format!("the command could not start: {err}"));
            }
            return Err(problem(format!("cannot run `{program}`: {err}")));
        }
    };
    let mut problems = Vec::new();
    if let Some(recorder) = session.recorder() {
        let done = match ended {
            Ended::Exited(code) => recorder.finish(&format!("the command exited with code {code}")),
            Ended::Stopped(signal) => recorder.end_early(&format!(
                "stopped by {} while the command ran",
                interrupt::name(signal)
            )),
        };
        if let Err(err) = done {
            problems.push(err.to_string());
        }
    }
    let mut unused = session.unused();
    let mut pruned = Vec::new();
    if options.prune && mode == RecordMode::NewEpisodes && matches!(ended, Ended::Exited(_)) {
        match prune(&options.dir, &unused) {
            Ok(names) => {
                pruned = names;
                unused.clear();
            }
            Err(err) => problems.push(err.to_string()),
        }
    }
    Ok(Report {
        mode,
        log: session.log(),
        unused,
        allow_unused: options.allow_unused,
        pruned,
        ended,
        problems,
    })
}

/// Removes the `unused` sessions from the scenario and its step sequence.
fn prune(dir: &std::path::Path, unused: &[(String, String)]) -> Result<Vec<String>, Problem> {
    let names: BTreeSet<&str> = unused.iter().map(|(_, name)| name.as_str()).collect();
    let mut manifest = ScenarioManifest::load(dir)?;
    manifest
        .step_sequence
        .retain(|step| step.session.as_deref().is_none_or(|s| !names.contains(s)));
    manifest
        .write(dir)
        .map_err(|err| Problem::new(dir.join(FILE), format!("cannot write it: {err}")))?;
    for name in &names {
        let session = dir.join(SESSIONS).join(name);
        fs::remove_dir_all(&session)
            .map_err(|err| Problem::new(&session, format!("cannot remove it: {err}")))?;
    }
    Ok(names.into_iter().map(str::to_owned).collect())
}

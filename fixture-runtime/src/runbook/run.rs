//! Running a runbook: an isolated temporary folder, lanes in order with
//! shared variables, every step checked, every process stopped at the end.

use std::collections::BTreeMap;
use std::fs;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;

use super::assert::{Data, Scope};
use super::daemon::{describe, Daemons, Exited, Process, Running, Stop};
use super::expect;
use super::report::{tail, Failure, LaneReport, LaneStatus, Report, StepTime};
use super::revert::{FsChange, Undo};
use super::vars::{Unfilled, Vars};
use super::{http, sse};
use super::{
    Action, Command, Daemon, EnvChange, Expectation, Http, Lane, Ready, Reason, Runbook, Sse,
    SseSource, Step,
};
use crate::process::{interrupt, Capture};
use crate::suggest;

/// The pause between readiness probes.
const PROBE_EVERY: Duration = Duration::from_millis(50);
/// How long a stream kept open by `sse name=` may stay connected at most.
/// The runner stops listening when its lane ends; the connection closes at
/// the next event, when the server closes it, or after this.
const KEEP_STREAM_FOR: Duration = Duration::from_secs(600);

/// How to run a runbook.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only this lane (by slug) and the lanes it needs.
    pub lane: Option<String>,
    /// Extra variables, e.g. `fixture_kit` → the binary's path.
    pub vars: Vec<(String, String)>,
}

/// Runs `runbook` and reports on every lane. Each run gets its own
/// temporary folder with `HOME`, XDG folders and a working folder; every
/// daemon is stopped before this returns, whatever happened.
pub fn run(runbook: &Runbook, options: &Options) -> Report {
    interrupt::install();
    let mut report = Report {
        runbook: runbook.path.clone(),
        title: runbook.title.clone(),
        lanes: Vec::new(),
        problem: None,
    };
    let selected = match select(runbook, options.lane.as_deref()) {
        Ok(selected) => selected,
        Err(problem) => {
            report.problem = Some(problem);
            return report;
        }
    };
    let mut runner = match Runner::new(runbook, options) {
        Ok(runner) => runner,
        Err(problem) => {
            report.problem = Some(problem);
            return report;
        }
    };
    for (index, lane) in runbook.lanes.iter().enumerate() {
        let blocked = lane.needs.iter().find(|need| {
            !matches!(
                report.lanes[**need].status,
                LaneStatus::Worked | LaneStatus::BrokeAsExpected
            )
        });
        let lane_report = if !selected[index] {
            let note = "not needed by the lane asked for".to_owned();
            lane_report(lane, LaneStatus::Skipped, Some(note))
        } else if let Some(signal) = interrupt::received() {
            let note = format!("the run was stopped by {}", interrupt::name(signal));
            lane_report(lane, LaneStatus::NotReached, Some(note))
        } else if let Some(need) = blocked {
            let need = &report.lanes[*need];
            let note = format!("needs `{}`, which {}", need.slug, need.status.as_str());
            lane_report(lane, LaneStatus::NotReached, Some(note))
        } else {
            runner.lane(lane)
        };
        report.lanes.push(lane_report);
    }
    runner.daemons.stop_all();
    if let Some(signal) = interrupt::received() {
        report.problem = Some(format!(
            "stopped by {}: every process the run started was stopped, and the lanes after \
             the one running were not reached",
            interrupt::name(signal)
        ));
    }
    report
}

/// Which lanes run: all, or the one asked for and those it needs.
fn select(runbook: &Runbook, lane: Option<&str>) -> Result<Vec<bool>, String> {
    let Some(slug) = lane else {
        return Ok(vec![true; runbook.lanes.len()]);
    };
    let index = runbook
        .lanes
        .iter()
        .position(|l| l.slug == slug)
        .ok_or_else(|| {
            let slugs: Vec<&str> = runbook.lanes.iter().map(|l| l.slug.as_str()).collect();
            format!(
                "no lane `{slug}` in this runbook: it has {}{}",
                slugs.join(", "),
                suggest::did_you_mean(slug, &slugs)
            )
        })?;
    let mut selected = vec![false; runbook.lanes.len()];
    selected[index] = true;
    for i in (0..=index).rev() {
        if selected[i] {
            for need in &runbook.lanes[i].needs {
                selected[*need] = true;
            }
        }
    }
    Ok(selected)
}

fn lane_report(lane: &Lane, status: LaneStatus, note: Option<String>) -> LaneReport {
    LaneReport {
        name: lane.name.clone(),
        slug: lane.slug.clone(),
        line: lane.line,
        status,
        steps_passed: 0,
        steps: lane.steps.len(),
        failure: None,
        note,
        duration: None,
        timings: Vec::new(),
    }
}

/// What a step produced for its `expect` block, and what a report shows
/// when a check on it fails.
struct Output {
    data: Data,
    exit_status: Option<String>,
    tails: Vec<(String, String)>,
}

impl Output {
    fn text(text: String, label: &str) -> Output {
        Output {
            tails: vec![(label.to_owned(), tail(&text))],
            data: Data::Text(text),
            exit_status: None,
        }
    }
}

/// A step failure before it is placed in its lane.
struct Broken {
    reason: Reason,
    message: String,
    diff: Option<String>,
    exit_status: Option<String>,
    tails: Vec<(String, String)>,
}

impl Broken {
    fn new(reason: Reason, message: impl Into<String>) -> Broken {
        Broken {
            reason,
            message: message.into(),
            diff: None,
            exit_status: None,
            tails: Vec::new(),
        }
    }

    fn diff(mut self, expected: &str, actual: &str) -> Broken {
        self.diff = Some(expect::diff(expected, actual));
        self
    }

    fn tail(mut self, label: &str, text: &str) -> Broken {
        self.tails.push((label.to_owned(), tail(text)));
        self
    }
}

/// One run's state. Fields drop in order: daemons stop before the
/// temporary folder goes.
struct Runner {
    daemons: Daemons,
    work: PathBuf,
    vars: Vars,
    env: Vec<(String, String)>,
    /// Streams kept open by `sse name=`, until the lane ends.
    streams: BTreeMap<String, sse::Kept>,
    /// The lane's `fs` changes, undone when it ends.
    undo: Undo,
    _tmp: tempfile::TempDir,
}

impl Runner {
    fn new(runbook: &Runbook, options: &Options) -> Result<Runner, String> {
        let tmp = tempfile::Builder::new()
            .prefix("fixture-kit-runbook-")
            .tempdir()
            .map_err(|err| format!("cannot create a temporary folder: {err}"))?;
        let root = tmp.path().to_owned();
        let dir = |name: &str| -> Result<PathBuf, String> {
            let path = root.join(name);
            fs::create_dir_all(&path)
                .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
            Ok(path)
        };
        let (home, data, work) = (dir("home")?, dir("data")?, dir("work")?);
        let runbook_dir = std::path::absolute(&runbook.path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_owned))
            .unwrap_or_default();
        let mut vars = Vars::default();
        let show = |p: &Path| p.display().to_string();
        vars.set("tmp", show(&root));
        vars.set("home", show(&home));
        vars.set("data_dir", show(&data));
        vars.set("work", show(&work));
        vars.set("runbook_dir", show(&runbook_dir));
        for (name, value) in &options.vars {
            vars.set(name, value.clone());
        }
        let mut env = vec![
            ("HOME".to_owned(), show(&home)),
            ("XDG_DATA_HOME".to_owned(), show(&data)),
            ("XDG_CONFIG_HOME".to_owned(), show(&dir("config")?)),
            ("XDG_CACHE_HOME".to_owned(), show(&dir("cache")?)),
            ("XDG_STATE_HOME".to_owned(), show(&dir("state")?)),
            ("TMPDIR".to_owned(), show(&dir("tmp")?)),
            ("GIT_CONFIG_NOSYSTEM".to_owned(), "1".to_owned()),
        ];
        for (key, value) in &runbook.env {
            let value = vars
                .substitute(value)
                .map_err(|err| format!("in the runbook's `env` block, {key}: {err}"))?;
            set_env(&mut env, key, value);
        }
        Ok(Runner {
            daemons: Daemons::default(),
            work,
            vars,
            env,
            streams: BTreeMap::new(),
            undo: Undo::default(),
            _tmp: tmp,
        })
    }

    /// Runs a lane's steps until one breaks, then its `finally` steps in
    /// any case; closes its streams and undoes its `fs` changes.
    fn lane(&mut self, lane: &Lane) -> LaneReport {
        let mut report = lane_report(lane, LaneStatus::Worked, None);
        let first_log = self.daemons.count();
        let started = Instant::now();
        let finally = lane.finally.unwrap_or(lane.steps.len());
        let mut failure: Option<Failure> = None;
        for (index, step) in lane.steps.iter().enumerate() {
            if failure.is_some() && index < finally {
                continue;
            }
            let step_started = Instant::now();
            let result = self.daemons_alive().and_then(|()| self.step(step));
            let result = match interrupt::received() {
                Some(signal) => Err(Broken::new(
                    Reason::Interrupted,
                    format!(
                        "fixture-kit was stopped by {} at this step",
                        interrupt::name(signal)
                    ),
                )),
                None if index + 1 == lane.steps.len() => result.and_then(|()| self.daemons_alive()),
                None => result,
            };
            report.timings.push(StepTime {
                step: index + 1,
                line: step.line,
                duration: step_started.elapsed(),
            });
            match (result, &mut failure) {
                (Ok(()), _) => report.steps_passed += 1,
                (Err(broken), None) => {
                    failure = Some(self.failure(index, step, broken, first_log));
                }
                (Err(broken), Some(first)) => first.message.push_str(&format!(
                    "\n(then `finally` step {}, line {}, broke too: {}: {})",
                    index + 1,
                    step.line,
                    broken.reason,
                    broken.message
                )),
            }
        }
        self.streams.clear();
        let problems = self.undo.revert();
        if !problems.is_empty() && failure.is_none() {
            failure = Some(Failure {
                step: None,
                line: lane.line,
                action: None,
                reason: Reason::BadStep,
                message: format!(
                    "the lane's `fs` changes could not all be undone:\n{}",
                    problems.join("\n")
                ),
                diff: None,
                exit_status: None,
                tails: Vec::new(),
            });
        }
        report.duration = Some(started.elapsed());
        if let Some(failure) = failure {
            report.status = match lane.must_fail {
                Some(reason) if reason == failure.reason => LaneStatus::BrokeAsExpected,
                _ => LaneStatus::Broke,
            };
            if let Some(reason) = lane.must_fail.filter(|r| *r != failure.reason) {
                report.note = Some(format!(
                    "must fail with `{reason}`, but broke with `{}`",
                    failure.reason
                ));
            }
            report.failure = Some(failure);
            return report;
        }
        if let Some(reason) = lane.must_fail {
            report.status = LaneStatus::Broke;
            report.failure = Some(Failure {
                step: None,
                line: lane.line,
                action: None,
                reason: Reason::DidNotFail,
                message: format!(
                    "every step passed, but this lane must fail with `{reason}`: \
                     fix the runbook or remove its `must-fail`"
                ),
                diff: None,
                exit_status: None,
                tails: Vec::new(),
            });
        }
        report
    }

    /// A broken step as the report shows it, with the logs of the daemons
    /// still running or started by this lane.
    fn failure(&mut self, index: usize, step: &Step, broken: Broken, first_log: usize) -> Failure {
        let mut failure = Failure {
            step: Some(index + 1),
            line: step.line,
            action: Some(self.describe(&step.action)),
            reason: broken.reason,
            message: bounded(&broken.message),
            diff: broken.diff.as_deref().map(bounded),
            exit_status: broken.exit_status,
            tails: broken.tails,
        };
        for (label, log) in self.daemons.logs(first_log) {
            failure.tails.push((label, tail(&log.text)));
        }
        failure
    }

    /// How a step reads in a report, variables filled in where known.
    fn describe(&mut self, action: &Action) -> String {
        let text = match action {
            Action::Command(command) => format!("$ {}", command.script),
            Action::Daemon(daemon) => format!("daemon {}: $ {}", daemon.name, daemon.script),
            Action::Stop(names) => format!("stop {}", names.join(", ")),
            Action::Http(http) => format!("{} {}", http.method, http.url),
            Action::Sse(sse) => match &sse.source {
                SseSource::Get { url, .. } => format!("GET {url} (event stream)"),
                SseSource::From(name) => format!("events from stream `{name}`"),
            },
            Action::Env(vars) => {
                let keys: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
                format!("env {}", keys.join(", "))
            }
            Action::Check => "expect".to_owned(),
            Action::Fs(changes) => {
                let changes: Vec<String> = changes.iter().map(FsChange::to_string).collect();
                format!("fs {}", changes.join("; "))
            }
        };
        self.vars.substitute(&text).unwrap_or(text)
    }

    /// Runs a step, retrying a `poll=` step until it passes or time is up.
    fn step(&mut self, step: &Step) -> Result<(), Broken> {
        let Some(poll) = step.poll else {
            return self.attempt(step);
        };
        let started = Instant::now();
        let deadline = started + poll.within;
        let mut tries = 0;
        loop {
            tries += 1;
            let broken = match self.attempt(step) {
                Ok(()) => return Ok(()),
                Err(broken) => broken,
            };
            let retry = !matches!(broken.reason, Reason::UnknownVariable | Reason::BadStep);
            if !retry || Instant::now() + poll.every > deadline {
                let mut broken = broken;
                if retry {
                    broken.message = format!(
                        "{}\n(still failing after {tries} tries over {:.1}s, `poll={}s`)",
                        broken.message,
                        started.elapsed().as_secs_f64(),
                        poll.within.as_secs_f64()
                    );
                }
                return Err(broken);
            }
            sleep(poll.every);
        }
    }

    fn attempt(&mut self, step: &Step) -> Result<(), Broken> {
        let output = match &step.action {
            Action::Command(command) => self.command(command, step.timeout)?,
            Action::Daemon(daemon) => return self.daemon(daemon, step.timeout),
            Action::Stop(names) => return self.stop(names),
            Action::Http(http) => self.http(http, step.timeout)?,
            Action::Sse(sse) => self.sse(sse, step.timeout)?,
            Action::Env(vars) => {
                for (key, value) in vars {
                    let value = self.fill(value)?;
                    if value.contains('\0') {
                        return Err(Broken::new(
                            Reason::BadStep,
                            format!(
                                "`{key}` would hold a NUL byte, which no environment \
                                 variable can"
                            ),
                        ));
                    }
                    set_env(&mut self.env, key, value);
                }
                return Ok(());
            }
            Action::Check => Output {
                data: Data::None,
                exit_status: None,
                tails: Vec::new(),
            },
            Action::Fs(changes) => return self.fs(changes),
        };
        let mut scope = Scope {
            output: &output.data,
            vars: &mut self.vars,
            daemons: &self.daemons,
        };
        for expectation in &step.expect {
            let (line, result) = match expectation {
                Expectation::Check { line, check } => (line, scope.check(check)),
                Expectation::Capture { line, name, from } => (line, scope.capture(name, from)),
            };
            result.map_err(|failed| {
                let mut broken =
                    Broken::new(failed.reason, format!("line {line}: {}", failed.message));
                broken.exit_status.clone_from(&output.exit_status);
                broken.tails.extend(output.tails.iter().cloned());
                broken
            })?;
        }
        Ok(())
    }

    /// Makes an `fs` block's changes, each recorded to be undone when the
    /// lane ends.
    fn fs(&mut self, changes: &[FsChange]) -> Result<(), Broken> {
        for change in changes {
            match change {
                FsChange::Chmod { mode, path } => {
                    let path = self.fill(path)?;
                    let path = self.work.join(path);
                    self.undo
                        .chmod(&path, *mode)
                        .map_err(|err| Broken::new(Reason::BadStep, err))?;
                }
            }
        }
        Ok(())
    }

    /// The environment for one block, and the `unset` its script starts
    /// with (an inherited variable can only be removed by the shell).
    fn block_env(
        &mut self,
        changes: &[EnvChange],
    ) -> Result<(Vec<(String, String)>, String), Broken> {
        let mut env = self.env.clone();
        let mut unset = Vec::new();
        for change in changes {
            match change {
                EnvChange::Set(key, value) => {
                    let value = self.fill(value)?;
                    set_env(&mut env, key, value);
                }
                EnvChange::Unset(key) => {
                    env.retain(|(k, _)| k != key);
                    unset.push(key.as_str());
                }
            }
        }
        let prefix = if unset.is_empty() {
            String::new()
        } else {
            format!("unset {}; ", unset.join(" "))
        };
        Ok((env, prefix))
    }

    fn fill(&mut self, text: &str) -> Result<String, Broken> {
        self.vars
            .substitute(text)
            .map_err(|message| Broken::new(Reason::UnknownVariable, message))
    }

    /// Fails the step when a daemon ended that may not, with its status
    /// and log; each exit is reported once.
    fn daemons_alive(&mut self) -> Result<(), Broken> {
        let exited: Vec<Exited> = self
            .daemons
            .notice_exits()
            .into_iter()
            .filter(|d| !d.may_exit)
            .collect();
        let Some(first) = exited.first() else {
            return Ok(());
        };
        let names: Vec<String> = exited
            .iter()
            .map(|d| format!("`{}` ({})", d.name, describe(d.status)))
            .collect();
        let mut broken = Broken::new(
            Reason::DaemonExited,
            format!(
                "daemon {} ended after it was ready: give its block `may-exit=yes` if it may",
                names.join(", ")
            ),
        );
        broken.exit_status = Some(describe(first.status));
        Err(broken)
    }

    fn cwd(&mut self, cwd: Option<&str>) -> Result<PathBuf, Broken> {
        let Some(cwd) = cwd else {
            return Ok(self.work.clone());
        };
        let filled = self.fill(cwd)?;
        let path = self.work.join(filled);
        if path.is_dir() {
            Ok(path)
        } else {
            Err(Broken::new(
                Reason::BadStep,
                format!(
                    "`cwd={cwd}` is {}, which is not a folder: create it in an earlier step",
                    path.display()
                ),
            ))
        }
    }

    fn command(&mut self, command: &Command, timeout: Duration) -> Result<Output, Broken> {
        let (env, unset) = self.block_env(&command.env)?;
        let script = filled(self.vars.shell(&command.script))?;
        let cwd = self.cwd(command.cwd.as_deref())?;
        let expected = command
            .stdout
            .as_deref()
            .map(|text| self.fill(text))
            .transpose()?;
        let mut env = env;
        env.extend(script.env);
        let mut process = Process::spawn(&(unset + &script.text), &cwd, &env, false)
            .map_err(|err| Broken::new(Reason::BadStep, format!("cannot start `sh -c`: {err}")))?;
        let status = process.wait_until(Instant::now() + timeout);
        // Also ends whatever the command left running in the background,
        // in its process group or out of it.
        let final_status = process.stop(Duration::ZERO);
        let (stdout, stderr) = process.output();
        let labels =
            [("stdout", stdout.cut), ("stderr", stderr.cut)].map(|(label, cut)| match cut {
                0 => label.to_owned(),
                cut => format!("{label} ({cut} bytes cut from the middle)"),
            });
        let (stdout, stderr) = (stdout.text, stderr.text);
        let with_tails =
            |broken: Broken| broken.tail(&labels[0], &stdout).tail(&labels[1], &stderr);
        let Some(status) = status else {
            let mut broken = Broken::new(
                Reason::StepTimedOut,
                format!(
                    "no exit within {}: it was killed with every process it started",
                    seconds(timeout)
                ),
            );
            broken.exit_status = Some(describe(final_status));
            return Err(with_tails(broken));
        };
        let status_ok = command.status.matches(status.code());
        let stdout_ok = expected
            .as_deref()
            .is_none_or(|e| expect::text_matches(e, &stdout));
        if !status_ok || !stdout_ok {
            let mut broken = if status_ok {
                Broken::new(
                    Reason::WrongOutput,
                    "stdout does not match the expected lines",
                )
            } else {
                Broken::new(
                    Reason::WrongExitStatus,
                    format!("expected {}, got {}", command.status, describe(status)),
                )
            };
            if let Some(expected) = expected.as_deref().filter(|_| !stdout_ok) {
                broken = broken.diff(expected, &stdout);
            }
            broken.exit_status = Some(describe(status));
            return Err(with_tails(broken));
        }
        Ok(Output {
            exit_status: Some(describe(status)),
            tails: vec![
                (labels[0].clone(), tail(&stdout)),
                (labels[1].clone(), tail(&stderr)),
            ],
            data: Data::Text(stdout),
        })
    }

    fn daemon(&mut self, daemon: &Daemon, timeout: Duration) -> Result<(), Broken> {
        let (env, unset) = self.block_env(&daemon.env)?;
        let script = filled(self.vars.shell(&daemon.script))?;
        let cwd = self.cwd(daemon.cwd.as_deref())?;
        let ready = match &daemon.ready {
            Ready::Tcp(addr) => Ready::Tcp(self.fill(addr)?),
            Ready::Http(url) => Ready::Http(filled(self.vars.url(url))?),
            Ready::Log(re) => Ready::Log(self.fill(re)?),
        };
        let probe = match &ready {
            Ready::Tcp(addr) => Probe::Tcp(addr.clone()),
            Ready::Http(url) => Probe::Http(url.clone()),
            Ready::Log(re) => Probe::Log(Regex::new(re).map_err(|err| {
                Broken::new(Reason::BadStep, format!("bad regex in `ready log`: {err}"))
            })?),
        };
        let mut env = env;
        env.extend(script.env);
        let running = self
            .daemons
            .start(
                &daemon.name,
                daemon.may_exit,
                &(unset + &script.text),
                &cwd,
                &env,
            )
            .map_err(|err| {
                Broken::new(
                    Reason::BadStep,
                    format!("cannot start daemon `{}`: {err}", daemon.name),
                )
            })?;
        let result = wait_ready(running, &probe, &ready, timeout).map_err(|why| {
            Broken::new(
                Reason::DaemonNotReady,
                format!("daemon `{}` {why}", daemon.name),
            )
        });
        if result.is_err() {
            // A daemon that is not ready serves nothing: stop it now.
            self.daemons.give_up(&daemon.name);
        }
        result
    }

    fn stop(&mut self, names: &[String]) -> Result<(), Broken> {
        for name in names {
            match self.daemons.stop(name) {
                Stop::Stopped => {}
                Stop::AlreadyExited(exited) if exited.may_exit => {}
                Stop::AlreadyExited(exited) => {
                    let mut broken = Broken::new(
                        Reason::DaemonExited,
                        format!(
                            "daemon `{name}` had already ended ({}), so there is nothing \
                             to stop: give its block `may-exit=yes` if it may end",
                            describe(exited.status)
                        ),
                    );
                    broken.exit_status = Some(describe(exited.status));
                    return Err(broken);
                }
                Stop::Unknown => {
                    return Err(Broken::new(
                        Reason::BadStep,
                        format!(
                            "daemon `{name}` is not running (running: {})",
                            self.daemons.names().join(", ")
                        ),
                    ))
                }
            }
        }
        Ok(())
    }

    fn http(&mut self, step: &Http, timeout: Duration) -> Result<Output, Broken> {
        let url = filled(self.vars.url(&step.url))?;
        let headers = self.fill_headers(&step.headers)?;
        let json_body = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.contains("json"));
        let body = step
            .body
            .as_deref()
            .map(|b| self.fill_body(b, json_body))
            .transpose()?;
        let started = Instant::now();
        let response = http::send(&step.method, &url, &headers, body.as_deref(), timeout)
            .map_err(|err| request_failed(err, started, timeout))?;
        let body_tail = |broken: Broken| broken.tail("response body", &response.body);
        if !step.status.matches(response.status) {
            let broken = Broken::new(
                Reason::WrongHttpStatus,
                format!("expected {}, got {}", step.status, response.status),
            );
            return Err(body_tail(broken));
        }
        for (name, expected) in self.fill_pairs(&step.expect_headers)? {
            match response.header(&name) {
                Some(actual) if expect::line_matches(&expected, actual) => {}
                Some(actual) => {
                    return Err(body_tail(Broken::new(
                        Reason::WrongHttpHeader,
                        format!("header `{name}`: expected `{expected}`, got `{actual}`"),
                    )))
                }
                None => {
                    let names: Vec<&str> =
                        response.headers.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(body_tail(Broken::new(
                        Reason::WrongHttpHeader,
                        format!(
                            "header `{name}` is missing; the response has {}",
                            names.join(", ")
                        ),
                    )));
                }
            }
        }
        if let Some(expected) = &step.expect_body {
            let expected = self.fill_body(expected, false)?;
            match serde_json::from_str::<Value>(&expected) {
                Ok(value) => {
                    let actual = parse_json(&response.body).map_err(body_tail)?;
                    expect::json_matches(&value, &actual).map_err(|err| {
                        body_tail(Broken::new(Reason::WrongJson, format!("body {err}")))
                    })?;
                }
                Err(_) if !expect::text_matches(&expected, &response.body) => {
                    return Err(Broken::new(
                        Reason::WrongOutput,
                        "the response body does not match the expected lines",
                    )
                    .diff(&expected, &response.body));
                }
                Err(_) => {}
            }
        }
        Ok(Output::text(response.body, "response body"))
    }

    fn sse(&mut self, step: &Sse, timeout: Duration) -> Result<Output, Broken> {
        let mut expected = Vec::new();
        for event in &step.events {
            expected.push(self.fill_pairs(event)?);
        }
        let started = Instant::now();
        let deadline = started + timeout;
        let open_failed = |(status, err): (u16, String)| match status {
            0 => request_failed(err, started, timeout),
            _ => Broken::new(Reason::WrongHttpStatus, err),
        };
        let (events, mismatch) = match &step.source {
            SseSource::Get { url, headers, keep } => {
                let url = filled(self.vars.url(url))?;
                let headers = self.fill_headers(headers)?;
                match keep {
                    None => {
                        let mut reader =
                            sse::open(&url, &headers, timeout, timeout).map_err(open_failed)?;
                        sse::expect_events(&expected, || reader.next_event())
                    }
                    Some(name) => {
                        let reader = sse::open(&url, &headers, timeout, KEEP_STREAM_FOR)
                            .map_err(open_failed)?;
                        self.streams.insert(name.clone(), sse::Kept::new(reader));
                        let kept = self.streams.get_mut(name).expect("just kept");
                        sse::expect_events(&expected, || kept.next_event(deadline))
                    }
                }
            }
            SseSource::From(name) => {
                let kept = self.streams.get_mut(name).ok_or_else(|| {
                    Broken::new(
                        Reason::BadStep,
                        format!("stream `{name}` is not open: its `sse name={name}` step broke"),
                    )
                })?;
                sse::expect_events(&expected, || kept.next_event(deadline))
            }
        };
        let render_expected = || {
            let events: Vec<String> = expected
                .iter()
                .map(|fields| {
                    let lines: Vec<String> = fields
                        .iter()
                        .flat_map(|(f, v)| v.split('\n').map(move |v| format!("{f}: {v}")))
                        .collect();
                    lines.join("\n")
                })
                .collect();
            events.join("\n\n")
        };
        let rendered: Vec<String> = events.iter().map(sse::Event::render).collect();
        let actual_text = rendered.join("\n\n");
        let broken = match mismatch {
            None => None,
            Some(sse::Mismatch::Field {
                index,
                field,
                want,
                got,
            }) => Some(Broken::new(
                Reason::WrongEvents,
                format!(
                    "event {index}: `{field}` expected `{want}`, got {}",
                    got.map_or("nothing".to_owned(), |g| format!("`{g}`"))
                ),
            )),
            Some(sse::Mismatch::Short(why)) => {
                let reason = if started.elapsed() >= timeout {
                    Reason::StepTimedOut
                } else {
                    Reason::WrongEvents
                };
                Some(Broken::new(
                    reason,
                    format!(
                        "expected {} events, got {}: {why}",
                        expected.len(),
                        events.len()
                    ),
                ))
            }
        };
        if let Some(broken) = broken {
            return Err(broken.diff(&render_expected(), &actual_text));
        }
        let events = Value::Array(events.iter().map(sse::Event::to_json).collect());
        Ok(Output {
            tails: vec![("events".to_owned(), tail(&actual_text))],
            data: Data::Json(events),
            exit_status: None,
        })
    }

    fn fill_headers(
        &mut self,
        pairs: &[(String, String)],
    ) -> Result<Vec<(String, String)>, Broken> {
        pairs
            .iter()
            .map(|(name, value)| Ok((name.clone(), filled(self.vars.header(value))?)))
            .collect()
    }

    /// A body: JSON-aware when it is JSON (by its content type, or by its
    /// first character), as is otherwise.
    fn fill_body(&mut self, body: &str, json: bool) -> Result<String, Broken> {
        if json || body.trim_start().starts_with(['{', '[']) {
            filled(self.vars.json(body))
        } else {
            self.fill(body)
        }
    }

    fn fill_pairs(&mut self, pairs: &[(String, String)]) -> Result<Vec<(String, String)>, Broken> {
        pairs
            .iter()
            .map(|(name, value)| Ok((name.clone(), self.fill(value)?)))
            .collect()
    }
}

/// How much of a failure's message or diff a report keeps.
const REPORT_LIMIT: usize = 16 * 1024;

/// A report's text within [`REPORT_LIMIT`]: its head and tail, the cut said.
fn bounded(text: &str) -> String {
    let mut capture = Capture::new(REPORT_LIMIT);
    capture.push(text.as_bytes());
    capture.finish().text
}

/// A filled-in text, or the step failure saying why it cannot be.
fn filled<T>(result: Result<T, Unfilled>) -> Result<T, Broken> {
    result.map_err(|err| match err {
        Unfilled::Unknown(message) => Broken::new(Reason::UnknownVariable, message),
        Unfilled::Unusable(message) => Broken::new(Reason::BadStep, message),
    })
}

fn set_env(env: &mut Vec<(String, String)>, key: &str, value: String) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_owned(), value));
}

fn parse_json(text: &str) -> Result<Value, Broken> {
    serde_json::from_str(text)
        .map_err(|err| Broken::new(Reason::WrongJson, format!("the output is not JSON: {err}")))
}

fn request_failed(err: String, started: Instant, timeout: Duration) -> Broken {
    if started.elapsed() >= timeout {
        Broken::new(
            Reason::StepTimedOut,
            format!("no complete response within {}: {err}", seconds(timeout)),
        )
    } else {
        Broken::new(Reason::RequestFailed, err)
    }
}

/// A readiness probe with its variables filled in.
enum Probe {
    Tcp(String),
    Http(String),
    Log(Regex),
}

/// Probes until the daemon is ready; `Err` says why it is not.
fn wait_ready(
    running: &mut Running,
    probe: &Probe,
    ready: &Ready,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(signal) = interrupt::received() {
            return Err(format!(
                "was not ready when {} came",
                interrupt::name(signal)
            ));
        }
        let exited = !running.process().running();
        if exited {
            // Every process is gone: read the log to its end, then probe a
            // last time (a log line may have made it ready before it went).
            running.process().stop(Duration::ZERO);
            running.process().output();
        }
        let last = match probe {
            Probe::Tcp(addr) => probe_tcp(addr),
            Probe::Http(url) => http::send("GET", url, &[], None, PROBE_EVERY * 10).map(|_| ()),
            Probe::Log(re) => {
                if re.is_match(&running.process().log().text) {
                    Ok(())
                } else {
                    Err("no log line matches yet".to_owned())
                }
            }
        };
        let Err(last) = last else { return Ok(()) };
        if exited {
            let status = running.process().stop(Duration::ZERO);
            return Err(format!(
                "ended ({}) before `{ready}` succeeded",
                describe(status)
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "was not ready within {}: `{ready}` never succeeded (last try: {last})",
                seconds(timeout)
            ));
        }
        sleep(PROBE_EVERY);
    }
}

fn probe_tcp(addr: &str) -> Result<(), String> {
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|err| format!("`{addr}` is not HOST:PORT: {err}"))?
        .collect();
    let mut last = format!("`{addr}` resolves to no address");
    for socket in addrs {
        match TcpStream::connect_timeout(&socket, PROBE_EVERY * 4) {
            Ok(_) => return Ok(()),
            Err(err) => last = format!("{socket}: {err}"),
        }
    }
    Err(last)
}

fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

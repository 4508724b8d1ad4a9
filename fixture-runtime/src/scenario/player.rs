//! Loading a recorded scenario and serving it back through [`CliRunner`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::cassette::Cassette;
use super::fault::Fault;
use super::layout::{self, Scenario};
use super::manifest::{CommandSummary, ScenarioManifest};
use super::problem::Problem;
use super::process::{CallKind, CliCall, CliError, CliOutput, CliRunner};

/// The folder below a scenario that holds its session folders.
pub const SESSIONS: &str = "sessions";

/// One recorded call: an agent session or a plain command's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedCall {
    /// An agent session.
    Session(Box<Cassette>),
    /// A plain command.
    Command(CommandSummary),
}

impl RecordedCall {
    /// The call kind it answers.
    pub fn kind(&self) -> CallKind {
        match self {
            RecordedCall::Session(_) => CallKind::Agent,
            RecordedCall::Command(_) => CallKind::Command,
        }
    }

    /// The output it replays.
    pub fn output(&self) -> CliOutput {
        match self {
            RecordedCall::Session(cassette) => CliOutput {
                exit_code: cassette.metadata.exit_code,
                stdout: cassette.replayed_stdout(),
                stderr: cassette.replayed_stderr(),
                duration: Duration::from_millis(cassette.metadata.duration_ms),
                timed_out: cassette.metadata.timed_out,
            },
            RecordedCall::Command(summary) => CliOutput {
                exit_code: summary.exit_code,
                stdout: summary.stdout_head.clone(),
                stderr: summary.stderr.clone(),
                duration: Duration::ZERO,
                timed_out: summary.exit_code.is_none(),
            },
        }
    }
}

/// Step name to its recorded calls, in recorded order.
pub type SessionMap = BTreeMap<String, VecDeque<RecordedCall>>;

/// A loaded scenario folder.
#[derive(Debug, Clone)]
pub struct ScenarioPlayer {
    /// The scenario folder.
    pub dir: PathBuf,
    /// Its `scenario.json`.
    pub manifest: ScenarioManifest,
    /// Every call of the step sequence, in order, with its step name.
    pub calls: Vec<(String, RecordedCall)>,
}

impl ScenarioPlayer {
    /// Loads `dir`, in fixture-kit's layout or autoskillit's (see
    /// [`layout`]): the manifest and every session it names (see
    /// [`Cassette::load`]). The error names the file and the line or JSON
    /// path at fault.
    pub fn load(dir: &Path) -> Result<ScenarioPlayer, Problem> {
        layout::load(dir).map(Scenario::into_player)
    }

    /// Step name to its calls, in recorded order.
    pub fn build_session_map(&self) -> SessionMap {
        let mut map = SessionMap::new();
        for (step, call) in &self.calls {
            map.entry(step.clone()).or_default().push_back(call.clone());
        }
        map
    }

    /// The recorded step names, in order.
    pub fn steps(&self) -> Vec<String> {
        self.calls.iter().map(|(step, _)| step.clone()).collect()
    }

    /// A replaying runner over this scenario.
    pub fn replayer(&self) -> ReplayCli {
        ReplayCli::new(self.build_session_map())
    }
}

/// One call served (or refused) by a [`ReplayCli`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCall {
    /// The call number, 1-based, over the whole run.
    pub number: usize,
    /// The step.
    pub step: String,
    /// Whether a recording answered it (an overloaded attempt did not use one).
    pub served: bool,
}

/// Serves recorded calls first-in first-out per step, keeps a call log, and
/// injects faults.
#[derive(Debug)]
pub struct ReplayCli {
    state: Mutex<ReplayState>,
}

#[derive(Debug)]
struct ReplayState {
    queues: SessionMap,
    log: Vec<LoggedCall>,
    /// Per step, how many recordings have been served.
    served: BTreeMap<String, usize>,
    /// `(step, nth recording)` to its faults; overload counters count down.
    faults: BTreeMap<(String, usize), Vec<Fault>>,
}

impl ReplayCli {
    /// Serves `map`.
    pub fn new(map: SessionMap) -> ReplayCli {
        ReplayCli {
            state: Mutex::new(ReplayState {
                queues: map,
                log: Vec::new(),
                served: BTreeMap::new(),
                faults: BTreeMap::new(),
            }),
        }
    }

    /// Injects `fault` into the `nth` (1-based) recording of `step`.
    pub fn inject(self, step: &str, nth: usize, fault: Fault) -> ReplayCli {
        self.lock()
            .faults
            .entry((step.to_owned(), nth))
            .or_default()
            .push(fault);
        self
    }

    /// Every call so far, in order.
    pub fn call_log(&self) -> Vec<LoggedCall> {
        self.lock().log.clone()
    }

    /// The steps of the calls a recording answered, in order.
    pub fn served_steps(&self) -> Vec<String> {
        let state = self.lock();
        state
            .log
            .iter()
            .filter(|call| call.served)
            .map(|call| call.step.clone())
            .collect()
    }

    /// The steps with recordings not yet served, and how many.
    pub fn unused(&self) -> Vec<(String, usize)> {
        remaining(&self.lock().queues)
    }

    /// The strict-mode check at the end of a run: fails, naming them, when
    /// recordings were left unused.
    pub fn finish(&self) -> Result<(), String> {
        let unused = self.unused();
        if unused.is_empty() {
            return Ok(());
        }
        Err(format!(
            "the run ended with recordings unused: {}; the orchestrator skipped steps it \
             made when recorded (re-record if that is intended)",
            describe(&unused)
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReplayState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CliRunner for ReplayCli {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        let mut state = self.lock();
        let number = state.log.len() + 1;
        let nth = state.served.get(&call.step).copied().unwrap_or(0) + 1;
        let key = (call.step.clone(), nth);
        let log = |state: &mut ReplayState, served| {
            state.log.push(LoggedCall {
                number,
                step: call.step.clone(),
                served,
            });
        };
        if let Some(Fault::Overloaded { times, shape }) =
            state.faults.get_mut(&key).and_then(|faults| {
                faults
                    .iter_mut()
                    .find(|f| matches!(f, Fault::Overloaded { times, .. } if *times > 0))
            })
        {
            *times -= 1;
            let shape = *shape;
            log(&mut state, false);
            return Ok(Fault::overloaded_output(
                &format!("overloaded-{number}"),
                shape,
            ));
        }
        let recorded = match state.queues.get_mut(&call.step) {
            Some(queue) if queue.front().is_some_and(|r| r.kind() != call.kind) => {
                let (asked, recorded) = match call.kind {
                    CallKind::Agent => ("an agent call", "a plain command"),
                    CallKind::Command => ("a plain command", "an agent session"),
                };
                return Err(CliError {
                    step: call.step.clone(),
                    message: format!(
                        "call #{number} (the {} call of step `{}`) is {asked}, but the recording \
                         is {recorded}: the orchestrator changed how it runs this step; \
                         re-record the scenario",
                        ordinal(nth),
                        call.step
                    ),
                });
            }
            Some(queue) => queue.pop_front(),
            None => None,
        };
        let Some(recorded) = recorded else {
            log(&mut state, false);
            let left = remaining(&state.queues);
            let left = if left.is_empty() {
                "none".to_owned()
            } else {
                describe(&left)
            };
            return Err(CliError {
                step: call.step.clone(),
                message: format!(
                    "no recording for call #{number} (the {} call of step `{}`); steps with \
                     recordings left: {left}; re-record the scenario if the orchestrator's \
                     behaviour changed on purpose",
                    ordinal(nth),
                    call.step
                ),
            });
        };
        state.served.insert(call.step.clone(), nth);
        log(&mut state, true);
        let faults = state.faults.get(&key).cloned().unwrap_or_default();
        drop(state);
        Ok(faults.iter().fold(recorded.output(), |output, fault| {
            fault.apply(output, call.timeout)
        }))
    }
}

fn remaining(queues: &SessionMap) -> Vec<(String, usize)> {
    queues
        .iter()
        .filter(|(_, queue)| !queue.is_empty())
        .map(|(step, queue)| (step.clone(), queue.len()))
        .collect()
}

fn describe(steps: &[(String, usize)]) -> String {
    let mut out = String::new();
    for (index, (step, count)) in steps.iter().enumerate() {
        let sep = if index == 0 { "" } else { ", " };
        let _ = write!(out, "{sep}`{step}` ×{count}");
    }
    out
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

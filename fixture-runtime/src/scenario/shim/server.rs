//! The run's side of the shim: one owner of the scenario that every shim
//! call asks, over a Unix socket, which recording answers it. State (which
//! recordings are used, the call log, the recorder) lives here behind one
//! lock, so concurrent calls are served and recorded safely.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use super::super::cassette::SessionInput;
use super::super::normalise::Normaliser;
use super::super::player::{RecordedCall, ScenarioPlayer, SESSIONS};
use super::super::problem::Problem;
use super::super::process::{CliCall, CliOutput, RealCli};
use super::super::record::RecordingCli;
use super::fault_spec::{ShimFault, Timing};
use super::matching::{Asked, Candidate, Matcher};
use super::pacing::Pacing;
use super::protocol::{Channel, Ran, Recorded, Reply, Request};
use crate::scrub::Scrubber;

/// A recording the run may serve.
#[derive(Debug, Clone)]
struct Slot {
    session: String,
    step: String,
    input: SessionInput,
    output: CliOutput,
    /// Its `pacing.json`, when recorded.
    pacing: Vec<u64>,
}

impl Candidate for Slot {
    fn step(&self) -> &str {
        &self.step
    }
    fn prompt(&self) -> &str {
        &self.input.prompt
    }
    fn args(&self) -> &[String] {
        &self.input.args
    }
}

/// What happened to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A recording answered it.
    Served {
        /// The session folder.
        session: String,
        /// The rule that chose it.
        rule: String,
        /// The faults applied to it.
        faults: Vec<String>,
    },
    /// A fault answered it in place of a recording.
    Faulted {
        /// The fault.
        fault: String,
    },
    /// It ran the real CLI and was recorded.
    Recorded {
        /// The new session folder; `None` until recorded.
        session: Option<String>,
        /// Why it was not recorded, if it was not.
        problem: Option<String>,
    },
    /// Nothing answered it.
    Missed {
        /// The message the call printed.
        message: String,
    },
}

/// One call in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedShimCall {
    /// The call number over the run, 1-based.
    pub number: usize,
    /// Its step (the `--as` name when it named none and none was chosen).
    pub step: String,
    /// Which call of its step it was, 1-based.
    pub call: usize,
    /// What happened.
    pub outcome: Outcome,
}

impl LoggedShimCall {
    /// Whether it is a miss, or a recording that failed.
    pub fn failed(&self) -> bool {
        match &self.outcome {
            Outcome::Missed { .. } => true,
            Outcome::Recorded { session, problem } => session.is_none() || problem.is_some(),
            _ => false,
        }
    }
}

impl fmt::Display for LoggedShimCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} (call {}): ", self.number, self.step, self.call)?;
        match &self.outcome {
            Outcome::Served {
                session,
                rule,
                faults,
            } => {
                write!(f, "served {session} ({rule})")?;
                if !faults.is_empty() {
                    write!(f, " with {}", faults.join(", "))?;
                }
                Ok(())
            }
            Outcome::Faulted { fault } => write!(f, "answered by fault {fault}"),
            Outcome::Recorded {
                session: Some(session),
                problem: None,
            } => write!(f, "recorded as {session}"),
            Outcome::Recorded { problem, .. } => write!(
                f,
                "NOT RECORDED: {}",
                problem
                    .as_deref()
                    .unwrap_or("the call ended before it reported its output")
            ),
            Outcome::Missed { message } => write!(f, "MISS: {message}"),
        }
    }
}

/// How the run answers calls.
pub struct Settings {
    /// The name the shim stands in for.
    pub as_name: String,
    /// The variable that names a call's step.
    pub step_env: String,
    /// The project, whose path recordings normalise to `<project>`.
    pub project: PathBuf,
    /// The match rule.
    pub matcher: Matcher,
    /// The scrubber the recorder used (the scenario's `scrub` settings).
    pub scrubber: Option<Scrubber>,
    /// Faults to inject.
    pub faults: Vec<ShimFault>,
    /// The real CLI, when calls may be forwarded.
    pub real: Option<PathBuf>,
    /// Whether served calls follow their recorded pacing.
    pub pacing: bool,
    /// Whether recorded calls keep their pacing.
    pub record_pacing: bool,
}

/// The served scenario and the recorder, shared by every connection.
pub struct Session {
    settings: Settings,
    /// Whether recordings are served (not when every call is recorded afresh).
    replaying: bool,
    recorder: Option<RecordingCli<RealCli>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `None` once used.
    pool: Vec<Option<Slot>>,
    /// Per step, how many calls it made.
    step_calls: BTreeMap<String, usize>,
    log: Vec<LoggedShimCall>,
}

impl Session {
    /// A session serving `player`'s agent sessions (none when `None`), and
    /// forwarding calls nothing answers to `recorder` when there is one. A
    /// bad `pacing.json` is an error when pacing is asked for.
    pub fn new(
        settings: Settings,
        player: Option<&ScenarioPlayer>,
        recorder: Option<RecordingCli<RealCli>>,
    ) -> Result<Session, Problem> {
        let mut pool = Vec::new();
        for (step, call) in player.map_or(&[][..], |player| &player.calls) {
            let RecordedCall::Session(cassette) = call else {
                continue;
            };
            let pacing = if settings.pacing {
                Pacing::load(&cassette.dir)?.unwrap_or_default().line_ms
            } else {
                Vec::new()
            };
            pool.push(Some(Slot {
                session: cassette
                    .dir
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                step: step.clone(),
                input: cassette.input.clone(),
                output: call.output(),
                pacing,
            }));
        }
        Ok(Session {
            settings,
            replaying: player.is_some(),
            recorder,
            state: Mutex::new(State {
                pool,
                ..State::default()
            }),
        })
    }

    /// Accepts calls on `listener` until the process ends.
    pub fn serve(self: &Arc<Session>, listener: UnixListener) {
        let session = Arc::clone(self);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let session = Arc::clone(&session);
                thread::spawn(move || {
                    let _ = session.handle(stream);
                });
            }
        });
    }

    /// The call log, in call order.
    pub fn log(&self) -> Vec<LoggedShimCall> {
        self.lock().log.clone()
    }

    /// Recordings no call used: `(step, session folder)`, in recorded order.
    pub fn unused(&self) -> Vec<(String, String)> {
        unused(&self.lock().pool)
    }

    /// The recorder, when calls are recorded.
    pub fn recorder(&self) -> Option<&RecordingCli<RealCli>> {
        self.recorder.as_ref()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn handle(&self, stream: UnixStream) -> io::Result<()> {
        let mut channel = Channel::new(stream)?;
        let request: Request = channel.receive()?;
        let (number, step, reply) = self.answer(&request);
        channel.send(&reply)?;
        if !matches!(reply, Reply::Forward { .. }) {
            return Ok(());
        }
        // A call killed while it runs never reports: its entry says so.
        let ran: Ran = channel.receive()?;
        let problem = self.record(number, &step, &request, &ran);
        channel.send(&Recorded { problem })
    }

    /// Chooses the answer to call `request`: its number, step and reply.
    fn answer(&self, request: &Request) -> (usize, String, Reply) {
        let settings = &self.settings;
        let mut state = self.lock();
        let number = state.log.len() + 1;
        let named = request
            .env
            .get(&settings.step_env)
            .filter(|step| !step.is_empty())
            .cloned();
        let choice = if self.replaying {
            let asked = Asked {
                step: named.clone(),
                prompt: self.normalised(&request.stdin),
                args: request
                    .args
                    .iter()
                    .map(|arg| self.normalised(arg))
                    .collect(),
            };
            Some(settings.matcher.choose(&asked, &state.pool))
        } else {
            None
        };
        let step = match &choice {
            Some(Ok(choice)) => state.pool[choice.index]
                .as_ref()
                .map(|slot| slot.step.clone())
                .unwrap_or_default(),
            _ => named.unwrap_or_else(|| settings.as_name.clone()),
        };
        let counter = state.step_calls.entry(step.clone()).or_default();
        *counter += 1;
        let call = *counter;
        let log = |state: &mut State, outcome| {
            state.log.push(LoggedShimCall {
                number,
                step: step.clone(),
                call,
                outcome,
            });
        };
        let hitting: Vec<&ShimFault> = settings
            .faults
            .iter()
            .filter(|fault| fault.hits(&step, call))
            .collect();
        if let Some((fault, output)) = hitting.iter().find_map(|fault| {
            fault
                .replacement(&format!("fault-{number}"))
                .map(|output| (fault, output))
        }) {
            log(
                &mut state,
                Outcome::Faulted {
                    fault: fault.to_string(),
                },
            );
            return (
                number,
                step.clone(),
                serve(output, Timing::default(), Vec::new()),
            );
        }
        let forward = settings.real.clone().filter(|_| self.recorder.is_some());
        match (choice, forward) {
            (Some(Ok(choice)), _) => {
                let slot = state.pool[choice.index]
                    .take()
                    .expect("the matcher chooses an unused recording");
                let mut timing = Timing::default();
                let output = hitting.iter().fold(slot.output, |output, fault| {
                    fault.apply(output, &mut timing)
                });
                log(
                    &mut state,
                    Outcome::Served {
                        session: slot.session,
                        rule: choice.rule,
                        faults: hitting.iter().map(ToString::to_string).collect(),
                    },
                );
                (number, step.clone(), serve(output, timing, slot.pacing))
            }
            (_, Some(real)) => {
                log(
                    &mut state,
                    Outcome::Recorded {
                        session: None,
                        problem: None,
                    },
                );
                (number, step.clone(), Reply::Forward { real })
            }
            (choice, None) => {
                let why = match choice {
                    Some(Err(why)) => why,
                    _ => "nothing is recorded".to_owned(),
                };
                let unused = unused(&state.pool);
                let for_step = unused.iter().filter(|(s, _)| *s == step).count();
                let left = describe(&unused);
                let message = format!(
                    "no recording for call #{number} (call {call} of step `{step}`); {why}; \
                     recordings left for `{step}`: {for_step}, in all: {left}; re-record (`fixture-kit scenario record`, or \
                     `--record-mode new_episodes`) if the orchestrator changed on purpose"
                );
                log(
                    &mut state,
                    Outcome::Missed {
                        message: message.clone(),
                    },
                );
                (number, step.clone(), Reply::Miss { message })
            }
        }
    }

    /// Records forwarded call `number`; the problem, if it failed.
    fn record(&self, number: usize, step: &str, request: &Request, ran: &Ran) -> Option<String> {
        let recorder = self.recorder.as_ref()?;
        let mut call = CliCall::agent(step, &self.settings.as_name)
            .args(request.args.iter().cloned())
            .cwd(&request.cwd)
            .stdin(&request.stdin);
        call.env = request.env.clone();
        let output = CliOutput {
            exit_code: ran.exit_code,
            stdout: ran.stdout.clone(),
            stderr: ran.stderr.clone(),
            duration: Duration::ZERO,
            timed_out: false,
        };
        let result = recorder.record_output(&call, &output).and_then(|session| {
            if let (Some(name), true) = (&session, self.settings.record_pacing) {
                Pacing::rounded(&ran.line_ms).write(&recorder.dir().join(SESSIONS).join(name))?;
            }
            Ok(session)
        });
        let mut state = self.lock();
        let entry = &mut state.log[number - 1];
        let (session, problem) = match result {
            Ok(session) => (session, None),
            Err(problem) => (None, Some(problem.to_string())),
        };
        entry.outcome = Outcome::Recorded {
            session,
            problem: problem.clone(),
        };
        problem
    }

    /// `text` as the recorder stored it: paths normalised, secrets scrubbed.
    fn normalised(&self, text: &str) -> String {
        let scrubber = self
            .settings
            .scrubber
            .as_ref()
            .unwrap_or_else(|| Scrubber::global());
        scrubber
            .scrub(&Normaliser::new(&self.settings.project).paths(text))
            .into_owned()
    }
}

fn serve(output: CliOutput, timing: Timing, pacing_ms: Vec<u64>) -> Reply {
    Reply::Serve {
        stdout: output.stdout,
        stderr: output.stderr,
        exit_code: output.exit_code,
        delay_ms: u64::try_from(timing.per_line.as_millis()).unwrap_or(u64::MAX),
        pacing_ms,
        hang: timing.hang || output.timed_out,
    }
}

fn unused(pool: &[Option<Slot>]) -> Vec<(String, String)> {
    pool.iter()
        .flatten()
        .map(|slot| (slot.step.clone(), slot.session.clone()))
        .collect()
}

/// `` `implement` ×2, `summary` ×1 ``, or `none`.
pub fn describe(unused: &[(String, String)]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (step, _) in unused {
        *counts.entry(step).or_default() += 1;
    }
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(step, count)| format!("`{step}` ×{count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

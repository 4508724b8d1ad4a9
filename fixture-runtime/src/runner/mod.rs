//! Agent runners: what produces the actual output of a fixture.
//!
//! [`Bootstrap`] replays the golden itself; [`Command`] runs an agent CLI in
//! a temporary copy of `repo/`; [`Replay`] serves a recorded session of that
//! CLI from the fixture's `cassette/`, and records it under
//! `FIXTURE_KIT_RECORD=1`.

pub mod answer;
mod bootstrap;
mod command;
mod replay;
mod workdir_diff;

use std::fmt;

use crate::fixture::Fixture;

pub use answer::{Answer, PermissionDenial, Transient, Usage};
pub use bootstrap::Bootstrap;
pub use command::Command;
pub use replay::Replay;

/// Produces an agent's actual output for a fixture.
pub trait Runner: Send + Sync {
    /// A short name for reports (`bootstrap`, `command`, `replay`).
    fn name(&self) -> &str;

    /// Whether a real agent (or its recording) produces the output;
    /// `FIXTURE_STRICT_REAL_AGENTS=1` fails every fixture whose runner is not.
    fn is_real_agent(&self) -> bool;

    /// Runs the agent on `fixture` and returns its output: JSON text for the
    /// architect, planner and reviewer, a unified diff for the coder.
    fn run(&self, fixture: &Fixture) -> Result<String, RunError>;

    /// Runs the agent on `fixture` and returns its answer with what its CLI
    /// reported (usage, denied tool calls); by default, [`Runner::run`]'s
    /// text alone.
    fn answer(&self, fixture: &Fixture) -> Result<Answer, RunError> {
        self.run(fixture).map(Answer::text)
    }
}

/// Why a runner produced no output.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    /// What went wrong, with exit status and stderr tail where there are any.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// An overload or rate limit, worth retrying after a pause.
    pub transient: Option<Transient>,
    /// What the failed run cost, where its CLI reported it (boxed: most
    /// failures report none).
    pub usage: Option<Box<Usage>>,
}

impl RunError {
    /// A failure with `message` only.
    pub fn new(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            hint: None,
            transient: None,
            usage: None,
        }
    }

    /// Adds what to do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> RunError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

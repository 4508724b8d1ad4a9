//! Agent runners: what produces the actual output of a fixture.
//!
//! [`Bootstrap`] replays the golden itself; [`Command`] runs an agent CLI in
//! a temporary copy of `repo/`; [`Replay`] serves a recorded session of that
//! CLI from the fixture's `cassette/`, and records it under
//! `FIXTURE_KIT_RECORD=1`.

mod answer;
mod bootstrap;
mod command;
mod replay;
mod workdir_diff;

use std::fmt;

use crate::fixture::Fixture;

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
}

/// Why a runner produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// What went wrong, with exit status and stderr tail where there are any.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

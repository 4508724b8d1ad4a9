//! Agent runners: what produces the actual output of a fixture.

use std::fmt;

use crate::fixture::Fixture;

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

/// The actual output is the golden itself, as legacy kits do: the suite
/// exercises contracts and rules before any real agent is wired.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bootstrap;

impl Runner for Bootstrap {
    fn name(&self) -> &str {
        "bootstrap"
    }

    fn is_real_agent(&self) -> bool {
        false
    }

    fn run(&self, fixture: &Fixture) -> Result<String, RunError> {
        fixture.golden.clone().ok_or_else(|| RunError {
            message: format!(
                "missing golden {}: the bootstrap runner replays the golden, so there is \
                 nothing to run",
                fixture.display_golden()
            ),
            hint: Some(format!(
                "write the golden by hand, or wire a real agent runner and record it with \
                 `UPDATE_GOLDENS=1 cargo test {}`",
                fixture.id.test_name()
            )),
        })
    }
}

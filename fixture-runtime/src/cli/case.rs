//! What `fixture-kit verify` runs: agent fixtures and tasks' `pipeline`
//! tests, listed, filtered and partitioned alike by their test names. A
//! `pipeline` test reads goldens, not agent outputs: it counts in the
//! closing tally, but not in an evaluation's summary and reports, which
//! describe the agent's runs.

use std::path::Path;

use crate::discover::{FixtureId, TaskId};
use crate::engine::{self, Failure, Options, Outcome};
use crate::suite::Suite;

/// One trial.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Case {
    /// An agent fixture, run through the suite's runner.
    Fixture(FixtureId),
    /// A task's goldens checked together by the `pipeline` rule.
    Pipeline(TaskId),
}

impl Case {
    /// `topic::task::agent` or `topic::task::pipeline`.
    pub(super) fn test_name(&self) -> String {
        match self {
            Case::Fixture(id) => id.test_name(),
            Case::Pipeline(task) => task.test_name(),
        }
    }

    /// Runs the case once.
    pub(super) fn run(
        &self,
        suite: &Suite,
        root: &Path,
        options: &Options,
    ) -> Result<Outcome, Failure> {
        match self {
            Case::Fixture(id) => engine::run(suite, root, id, None, options.clone()),
            Case::Pipeline(task) => crate::task::run(root, task),
        }
    }
}

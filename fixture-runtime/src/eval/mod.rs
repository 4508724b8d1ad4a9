//! Evaluation runs: each fixture's agent run several times, retried on
//! overload and rate limits, recorded for the summary and the JUnit and
//! JSON reports (see docs/REPORTS.md).

mod junit;
mod partition;
mod record;
mod report;
mod summary;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::discover::{FixtureId, TaskId};
use crate::engine::{self, Options};
use crate::suite::Suite;

pub use junit::junit;
pub use partition::Partition;
pub use record::{FixtureRecord, RunRecord, Status, Verdict, ViolationRecord};
pub use report::Report;
pub use summary::Summary;

/// How each fixture is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Runs per fixture; the fixture passes when all pass.
    pub repeat: u32,
    /// Further attempts of a run that failed on an overload or rate limit.
    pub retries: u32,
    /// The pause before the first retry, doubled before each next one.
    pub backoff: Duration,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            repeat: 1,
            retries: 0,
            backoff: Duration::from_secs(2),
        }
    }
}

/// Runs fixture `id` as `plan` says, one run after the other.
pub fn evaluate(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    options: &Options,
    plan: Plan,
) -> FixtureRecord {
    let runs = (1..=plan.repeat.max(1))
        .map(|run| attempt_run(suite, root, id, options, plan, run))
        .collect();
    FixtureRecord::new(id, root, runs)
}

/// Runs `task`'s `pipeline` test once: it reads goldens only, so a repeat
/// would find the same.
pub fn evaluate_task(root: &Path, task: &TaskId) -> FixtureRecord {
    let started = Instant::now();
    let measured = engine::Measured {
        result: crate::task::run(root, task),
        agent: engine::AgentReport::default(),
        output: None,
    };
    let run = RunRecord::new(1, &measured, Vec::new(), None, started.elapsed());
    FixtureRecord::for_task(task, root, run)
}

/// One run, retried on transient failures with exponential backoff.
fn attempt_run(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    options: &Options,
    plan: Plan,
    run: u32,
) -> RunRecord {
    let started = Instant::now();
    let mut retried_on = Vec::new();
    let mut usage = None;
    let mut pause = plan.backoff;
    loop {
        let measured = engine::measure(suite, root, id, None, options.clone());
        if let Some(spent) = &measured.agent.usage {
            usage
                .get_or_insert_with(crate::runner::Usage::default)
                .add(spent);
        }
        match measured.agent.transient {
            Some(transient)
                if measured.result.is_err() && retried_on.len() < plan.retries as usize =>
            {
                retried_on.push(transient);
                thread::sleep(pause);
                pause = pause.saturating_mul(2);
            }
            _ => {
                return RunRecord::new(run, &measured, retried_on, usage, started.elapsed());
            }
        }
    }
}

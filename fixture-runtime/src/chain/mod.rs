//! Chained runs: a task's agents in pipeline order (architect → planner →
//! coder → reviewer), each receiving its `prompt.md` and the earlier
//! stages' actual outputs ([`prompt`]), verified by its own rules and by
//! the `pipeline` checks against those outputs, and compared with its
//! golden. A stage that fails ends the chain: the stages after it are not
//! reached. [`report`] shows each task as a row of four stages.

pub mod prompt;
pub mod report;
mod upstream;

use std::path::Path;
use std::time::Instant;

use crate::agent::Agent;
use crate::discover::{FixtureId, TaskId, PROMPT};
use crate::engine::{self, Failure, Options, Outcome};
use crate::fixture::Fixture;
use crate::naming::sanitize;
use crate::rule::{Rule, Violation};
use crate::suite::Suite;
use upstream::Earlier;

pub use prompt::{compose, Handoff, PromptError};
#[cfg(feature = "cli")]
pub use report::{junit, Report};
pub use upstream::Upstream;

/// Marks a fixture run as a stage of a chained run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained {
    /// The earlier stages whose outputs its prompt holds, in order.
    pub received: Vec<Agent>,
}

impl Chained {
    /// The earlier stages as a phrase: `the architect or planner stage`.
    pub(crate) fn received_text(&self) -> String {
        let names: Vec<&str> = self.received.iter().map(|a| a.as_str()).collect();
        match names.split_last() {
            None => "no earlier stage".to_owned(),
            Some((last, [])) => format!("the {last} stage"),
            Some((last, rest)) => format!("the {} or {last} stage", rest.join(", ")),
        }
    }
}

/// The test name of `task`'s chained run: `topic::task::chain`.
pub fn test_name(task: &TaskId) -> String {
    format!("{}::{}::chain", sanitize(&task.topic), sanitize(&task.task))
}

/// A task and the agents it has fixtures for, in pipeline order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Which task.
    pub id: TaskId,
    /// Its agents, in pipeline order.
    pub agents: Vec<Agent>,
}

/// The tasks of `ids`, sorted, each with its agents in pipeline order.
pub fn tasks(ids: &[FixtureId]) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    let mut sorted: Vec<&FixtureId> = ids.iter().collect();
    sorted.sort();
    for id in sorted {
        let task = TaskId {
            topic: id.topic.clone(),
            task: id.task.clone(),
        };
        match tasks.last_mut() {
            Some(last) if last.id == task => last.agents.push(id.agent),
            _ => tasks.push(Task {
                id: task,
                agents: vec![id.agent],
            }),
        }
    }
    tasks
}

/// How one stage of a chain ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Its output passed every rule and matches its golden.
    Passed {
        /// Findings that do not fail.
        warnings: Vec<Violation>,
    },
    /// An update run wrote its golden from the chained output.
    Updated {
        /// The golden written.
        golden: String,
    },
    /// A must-fail fixture failed for its declared reason; its output is
    /// handed to no later stage.
    FailedAsDeclared(Violation),
    /// It failed.
    Failed(Failure),
    /// Not run: the stage `after` failed or ended the chain.
    NotReached {
        /// The stage that broke.
        after: Agent,
    },
    /// The task has no fixture for this agent.
    Absent,
}

impl Stage {
    /// Whether the stage failed (a stage not reached or absent fails no
    /// chain itself).
    pub fn fails(&self) -> bool {
        matches!(self, Stage::Failed(_))
    }
}

/// One task's chained run: a stage per agent, in pipeline order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainRecord {
    /// The task.
    pub task: TaskId,
    /// The four stages, architect first.
    pub stages: [(Agent, Stage); 4],
    /// Each stage's wall time in milliseconds (0 for one that did not run).
    pub wall_ms: [u64; 4],
}

impl ChainRecord {
    /// Whether every stage reached passed or failed as declared.
    pub fn passed(&self) -> bool {
        !self.stages.iter().any(|(_, stage)| stage.fails())
    }

    /// The stage of `agent`.
    pub fn stage(&self, agent: Agent) -> &Stage {
        &self.stages[agent as usize].1
    }
}

/// Runs `task` under `root` as a chain through `suite`.
pub fn run(suite: &Suite, root: &Path, task: &Task, options: &Options) -> ChainRecord {
    let mut earlier: Vec<Earlier> = Vec::new();
    let mut broke: Option<Agent> = None;
    let mut wall_ms = [0; 4];
    let stages = Agent::ALL.map(|agent| {
        let stage = if !task.agents.contains(&agent) {
            Stage::Absent
        } else if let Some(after) = broke {
            Stage::NotReached { after }
        } else {
            let started = Instant::now();
            let (stage, output) =
                run_stage(suite, root, &task.id.fixture(agent), &earlier, options);
            wall_ms[agent as usize] =
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match output {
                Some(output) => earlier.push(output),
                None => broke = Some(agent),
            }
            stage
        };
        (agent, stage)
    });
    ChainRecord {
        task: task.id.clone(),
        stages,
        wall_ms,
    }
}

/// The chained run of `id`'s task up to `id`'s own stage, as a generated
/// test runs it: the task's earlier agents first, the later ones left out.
pub fn run_to(suite: &Suite, root: &Path, id: &FixtureId, options: &Options) -> ChainRecord {
    let task = TaskId {
        topic: id.topic.clone(),
        task: id.task.clone(),
    };
    let agents = Agent::ALL
        .into_iter()
        .filter(|agent| *agent <= id.agent)
        .filter(|agent| *agent == id.agent || task.fixture(*agent).dir(root).is_dir())
        .collect();
    run(suite, root, &Task { id: task, agents }, options)
}

/// One stage: its fixture with the earlier outputs handed off, run and
/// verified against them; its output when it passed.
fn run_stage(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    earlier: &[Earlier],
    options: &Options,
) -> (Stage, Option<Earlier>) {
    let failed = |fixture: String, violation: Violation| {
        Stage::Failed(Failure {
            fixture,
            violations: vec![violation],
            diff: None,
            answer: None,
        })
    };
    let mut fixture = match Fixture::load(root, id) {
        Ok(fixture) => fixture,
        Err(violation) => {
            return (
                failed(crate::fixture::display(&id.dir(root)), violation),
                None,
            )
        }
    };
    let handoffs: Vec<Handoff<'_>> = earlier
        .iter()
        .map(|stage| Handoff {
            agent: stage.agent,
            output: &stage.text,
        })
        .collect();
    fixture.prompt = match compose(&fixture.prompt, id.agent, &handoffs) {
        Ok(prompt) => prompt,
        Err(err) => {
            let at = format!(
                "{}:{}",
                crate::fixture::display(&fixture.dir.join(PROMPT)),
                err.line
            );
            let violation = Violation::new(Rule::Layout, err.message)
                .at(at)
                .hint(err.hint);
            return (failed(fixture.display_dir(), violation), None);
        }
    };
    fixture.chained = Some(Chained {
        received: earlier.iter().map(|stage| stage.agent).collect(),
    });
    let task = TaskId {
        topic: id.topic.clone(),
        task: id.task.clone(),
    };
    let upstream = Upstream {
        earlier,
        last: !Agent::ALL
            .into_iter()
            .filter(|agent| *agent > id.agent)
            .any(|agent| task.fixture(agent).dir(root).join(PROMPT).is_file()),
        task_dir: &crate::fixture::display(&task.dir(root)),
    };
    let measured = engine::measure_fixture(suite, &fixture, Some(&upstream), None, options.clone());
    let stage = match measured.result {
        Ok(Outcome::Passed { warnings }) => Stage::Passed { warnings },
        Ok(Outcome::Updated { golden }) => Stage::Updated { golden },
        Ok(Outcome::FailedAsDeclared(hit)) => return (Stage::FailedAsDeclared(hit), None),
        Err(failure) => return (Stage::Failed(failure), None),
    };
    let Some(text) = measured.output else {
        return (stage, None);
    };
    let source = if fixture.golden.as_deref() == Some(text.as_str()) {
        fixture.display_golden()
    } else {
        format!("actual {} output for {}", id.agent, fixture.display_dir())
    };
    match Earlier::new(&fixture, text, source) {
        Ok(output) => (stage, Some(output)),
        Err(violation) => (failed(fixture.display_dir(), violation), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_group_fixtures_in_pipeline_order() {
        let ids: Vec<FixtureId> = ["b/t/coder", "a/t/reviewer", "a/t/architect", "b/t/planner"]
            .iter()
            .map(|id| FixtureId::parse(id).unwrap())
            .collect();
        let found: Vec<(String, Vec<Agent>)> = tasks(&ids)
            .into_iter()
            .map(|task| (test_name(&task.id), task.agents))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "a::t::chain".to_owned(),
                    vec![Agent::Architect, Agent::Reviewer]
                ),
                ("b::t::chain".to_owned(), vec![Agent::Planner, Agent::Coder]),
            ]
        );
    }

    #[test]
    fn what_a_stage_received_is_named() {
        let text = |received: Vec<Agent>| Chained { received }.received_text();
        assert_eq!(text(vec![]), "no earlier stage");
        assert_eq!(text(vec![Agent::Architect]), "the architect stage");
        assert_eq!(
            text(vec![Agent::Architect, Agent::Planner, Agent::Coder]),
            "the architect, planner or coder stage"
        );
    }
}

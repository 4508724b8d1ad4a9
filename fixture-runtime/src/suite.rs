//! A suite's settings: which runner (for every agent, or per agent),
//! which schema mode, which comparison mode, whether the agents run as a
//! chain.

use std::collections::BTreeMap;

use crate::agent::Agent;
use crate::compare::Mode;
use crate::runner::{Bootstrap, Runner};
use crate::verify::Schema;

/// What the function under `#[fixture_suite]` returns.
pub struct Suite {
    pub(crate) runner: Box<dyn Runner>,
    pub(crate) agent_runners: BTreeMap<Agent, Box<dyn Runner>>,
    pub(crate) chain: bool,
    pub(crate) schema: Schema,
    pub(crate) compare: Mode,
    pub(crate) repeat: u32,
}

impl Suite {
    /// The bootstrap runner (actual = golden) and strict contracts.
    pub fn new() -> Suite {
        Suite {
            runner: Box::new(Bootstrap),
            agent_runners: BTreeMap::new(),
            chain: false,
            schema: Schema::Strict,
            compare: Mode::Exact,
            repeat: 1,
        }
    }

    /// Produces actual outputs with `runner`.
    pub fn runner(mut self, runner: impl Runner + 'static) -> Suite {
        self.runner = Box::new(runner);
        self
    }

    /// Produces `agent`'s actual outputs with `runner`; the other agents
    /// keep the suite's runner.
    pub fn runner_for_agent(mut self, agent: Agent, runner: impl Runner + 'static) -> Suite {
        self.agent_runners.insert(agent, Box::new(runner));
        self
    }

    /// Runs each task's agents as a chain under `fixture-kit verify` and
    /// the run-time harness: architect → planner → coder → reviewer, each
    /// receiving the earlier stages' actual outputs (docs/CHAINING.md).
    pub fn chain(mut self, on: bool) -> Suite {
        self.chain = on;
        self
    }

    /// Reports unknown JSON fields as warnings instead of errors (a fixture
    /// can still override this in `fixture.json`).
    pub fn legacy(mut self, on: bool) -> Suite {
        self.schema = if on { Schema::Legacy } else { Schema::Strict };
        self
    }

    /// Compares actual outputs with goldens in `mode` (a fixture can still
    /// override this in `fixture.json`).
    pub fn compare(mut self, mode: Mode) -> Suite {
        self.compare = mode;
        self
    }

    /// Runs each fixture's agent `times` times under `fixture-kit verify`,
    /// the run-time harness (`--repeat` overrides it) and the generated
    /// tests (once in an update run); a fixture passes when every run does.
    pub fn repeat(mut self, times: u32) -> Suite {
        self.repeat = times.max(1);
        self
    }

    /// The runner in use for agents without one of their own.
    pub fn agent_runner(&self) -> &dyn Runner {
        self.runner.as_ref()
    }

    /// The runner of `agent`'s fixtures.
    pub fn runner_for(&self, agent: Agent) -> &dyn Runner {
        self.agent_runners
            .get(&agent)
            .unwrap_or(&self.runner)
            .as_ref()
    }

    /// Whether some agent's outputs come from a real agent.
    pub fn has_real_agent(&self) -> bool {
        Agent::ALL
            .into_iter()
            .any(|agent| self.runner_for(agent).is_real_agent())
    }

    /// Whether the suite runs its tasks as chains.
    pub fn chained(&self) -> bool {
        self.chain
    }
}

impl Default for Suite {
    fn default() -> Suite {
        Suite::new()
    }
}

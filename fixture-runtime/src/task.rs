//! A task's `pipeline` test: the goldens on disk, read and parsed, then
//! checked together by [`pipeline::check`] once per task. The
//! generated tests, `fixture-kit verify` and the run-time harness all call
//! [`run`].

use std::path::Path;

use crate::agent::Agent;
use crate::contract::{self, AgentOutput};
use crate::discover::{TaskId, PROMPT};
use crate::engine::{declared_failure, Failure, Outcome};
use crate::fixture::{self, Fixture};
use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::patch::{self, Patch};
use crate::rules::pipeline::{self, Stage, Stages};

/// One stage's golden, loaded and parsed.
struct Golden {
    fixture: Fixture,
    source: String,
    output: AgentOutput,
    patch: Option<Patch>,
    repo: Option<Repo>,
}

impl Golden {
    fn stage<'a, T>(&'a self, output: &'a T) -> Stage<'a, T> {
        Stage {
            output,
            source: &self.source,
            constraints: &self.fixture.constraints,
            repo: self.repo.as_ref(),
        }
    }
}

/// Runs the `pipeline` test of `task` under `root`: passes when the rule
/// finds nothing, or, for a task whose `fixture.json` declares
/// `pipeline_must_fail`, when it fails as declared. A golden that is
/// absent or does not parse is not checked against (its own test fails on
/// it); a fixture that cannot be loaded fails this test too.
pub fn run(root: &Path, task: &TaskId) -> Result<Outcome, Failure> {
    let dir = fixture::display(&task.dir(root));
    let fail = |violations| Failure {
        fixture: dir.clone(),
        violations,
        diff: None,
        answer: None,
    };
    let mut goldens = Vec::new();
    for agent in Agent::ALL {
        if let Some(golden) = load(root, task, agent).map_err(|v| fail(vec![v]))? {
            goldens.push(golden);
        }
    }
    let of = |agent: Agent| goldens.iter().find(|g| g.fixture.id.agent == agent);
    if !pipeline::applies(|agent| of(agent).is_some()) {
        return Err(fail(vec![Violation::new(
            Rule::Layout,
            "the task has no two goldens that the pipeline rule checks together",
        )
        .hint("a pipeline test needs a planner or coder with the design, a coder with the plan, or a reviewer with the patch")]));
    }
    let stages = Stages {
        architect: of(Agent::Architect).and_then(|g| match &g.output {
            AgentOutput::Architect(spec) => Some(g.stage(spec)),
            _ => None,
        }),
        planner: of(Agent::Planner).and_then(|g| match &g.output {
            AgentOutput::Planner(plan) => Some(g.stage(plan)),
            _ => None,
        }),
        coder: of(Agent::Coder).and_then(|g| g.patch.as_ref().map(|p| g.stage(p))),
        reviewer: of(Agent::Reviewer).and_then(|g| match &g.output {
            AgentOutput::Reviewer(review) => Some(g.stage(review)),
            _ => None,
        }),
    };
    let violations = pipeline::check(&stages);
    let must = goldens
        .iter()
        .find_map(|g| g.fixture.constraints.pipeline_must_fail.as_ref());
    match must {
        Some(must) => declared_failure(must, violations, &dir)
            .map(Outcome::FailedAsDeclared)
            .map_err(fail),
        None if violations.is_empty() => Ok(Outcome::Passed {
            warnings: Vec::new(),
        }),
        None => Err(fail(violations)),
    }
}

/// The task's `agent` golden, when the fixture and its golden exist, the
/// golden parses and is no longer a skeleton to fill in (its own fixture
/// fails on that).
fn load(root: &Path, task: &TaskId, agent: Agent) -> Result<Option<Golden>, Violation> {
    let id = task.fixture(agent);
    if !id.dir(root).join(PROMPT).is_file() {
        return Ok(None);
    }
    let fixture = Fixture::load(root, &id)?;
    let Some(text) = &fixture.golden else {
        return Ok(None);
    };
    if !crate::skeleton::unfilled(agent, text).is_empty() {
        return Ok(None);
    }
    let Ok(parsed) = contract::parse(agent, text) else {
        return Ok(None);
    };
    let source = fixture.display_golden();
    let (patch, repo) = stage_parts(&fixture, &parsed.output, &source)?;
    Ok(Some(Golden {
        fixture,
        source,
        output: parsed.output,
        patch,
        repo,
    }))
}

/// What the `pipeline` checks need beside a stage's parsed `output`
/// (named `source`): a coder's patch, parsed as far as it parses, and the
/// stage fixture's `repo/`.
pub(crate) fn stage_parts(
    fixture: &Fixture,
    output: &AgentOutput,
    source: &str,
) -> Result<(Option<Patch>, Option<Repo>), Violation> {
    let patch = match output {
        AgentOutput::Coder(coder) => Some(patch::parse_recovering(&coder.patch, source).0),
        _ => None,
    };
    let repo = match &fixture.repo {
        Some(dir) => Some(Repo::load(dir).map_err(|err| {
            Violation::new(Rule::Layout, format!("cannot read repo/: {err}"))
                .at(fixture::display(dir))
        })?),
        None => None,
    };
    Ok((patch, repo))
}

//! Verifies an agent's output against its contract and the fixture's rules.

use crate::agent::Agent;
use crate::chain::Upstream;
use crate::contract::{self, ArchitectSpec};
use crate::fixture::Fixture;
use crate::messages;
use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::{self, patch, Context, TaskPatch};
use crate::skeleton;

/// How unknown JSON fields are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schema {
    /// Unknown fields are errors.
    #[default]
    Strict,
    /// Unknown fields are warnings, so an old corpus can be adopted.
    Legacy,
}

/// An output that passed its contract and every rule.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The typed output, its unknown fields and its canonical text (as a
    /// golden stores it).
    pub parsed: contract::Parsed,
    /// Findings that do not fail the fixture (legacy mode: unknown fields,
    /// a planner or reviewer without `repo/`).
    pub warnings: Vec<Violation>,
}

impl Schema {
    /// The mode for `fixture`: its `"legacy": true|false` overrides the suite's.
    pub fn for_fixture(self, fixture: &Fixture) -> Schema {
        match fixture.constraints.legacy {
            Some(true) => Schema::Legacy,
            Some(false) => Schema::Strict,
            None => self,
        }
    }
}

/// Parses `actual` as `fixture`'s agent output and runs every rule that
/// applies to it; returns every violation found, sorted by rule.
///
/// A fixture's `"legacy": true|false` overrides `schema`. In legacy mode
/// unknown fields, and a planner or reviewer without `repo/`, are warnings;
/// an output keeps its unknown fields in its canonical text, so an old
/// golden passes until it is cleaned up.
///
/// A reviewer is grounded in its task's coder golden, and a coder's
/// configuration scope follows its task's architect golden; the checks
/// across stages run in the task's `pipeline` test (`crate::task`).
pub fn verify(fixture: &Fixture, actual: &str, schema: Schema) -> Result<Verified, Vec<Violation>> {
    verify_in(fixture, actual, schema, None)
}

/// [`verify`] for a stage of a chained run: the reviewer's patch and the
/// coder's design are the earlier stages' actual outputs in `upstream`, and
/// the `pipeline` checks hold the output to them as well.
pub fn verify_after(
    fixture: &Fixture,
    actual: &str,
    schema: Schema,
    upstream: &Upstream<'_>,
) -> Result<Verified, Vec<Violation>> {
    verify_in(fixture, actual, schema, Some(upstream))
}

fn verify_in(
    fixture: &Fixture,
    actual: &str,
    schema: Schema,
    upstream: Option<&Upstream<'_>>,
) -> Result<Verified, Vec<Violation>> {
    // Locations name the golden when the output is the golden (bootstrap
    // runs, goldens checked before comparison), else the fixture folder.
    let golden = if fixture.golden.as_deref() == Some(actual) {
        fixture.display_golden()
    } else {
        format!(
            "actual {} output for {}",
            fixture.id.agent,
            fixture.display_dir()
        )
    };
    let schema = schema.for_fixture(fixture);
    let parsed = contract::parse(fixture.id.agent, actual).map_err(|err| {
        let at = if err.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", err.path)
        };
        vec![
            Violation::new(Rule::Contract, format!("{at}{}", err.message))
                .at(format!("{golden}:{}:{}", err.line, err.column))
                .hint(messages::contract_hint(fixture.id.agent)),
        ]
    })?;
    let unfilled = unfilled(fixture, actual, &golden);
    if !unfilled.is_empty() {
        return Err(unfilled);
    }
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    for unknown in &parsed.unknown {
        let violation = Violation::new(
            Rule::Contract,
            format!("`{}`: {}", unknown.path, unknown.message()),
        )
        .at(golden.clone());
        match schema {
            Schema::Strict => violations.push(violation.hint(
                "rename or remove it; to adopt an old corpus step by step, declare \
                 `\"legacy\": true` in fixture.json (or `Suite::legacy(true)`) to see unknown \
                 fields as warnings",
            )),
            Schema::Legacy => warnings.push(violation),
        }
    }
    let repo = match &fixture.repo {
        Some(dir) => match Repo::load(dir) {
            Ok(repo) => Some(repo),
            Err(err) => {
                return Err(vec![Violation::new(
                    Rule::Layout,
                    format!("cannot read repo/: {err}"),
                )
                .at(crate::fixture::display(dir))])
            }
        },
        None => None,
    };
    if let (Some(dir), Some(_)) = (&fixture.repo, &fixture.constraints.no_repo) {
        violations.push(
            Violation::new(
                Rule::Layout,
                "fixture.json declares `no_repo`, but the fixture has repo/",
            )
            .at(crate::fixture::display(dir))
            .hint("remove `no_repo` from fixture.json, or remove repo/"),
        );
    }
    let (task_patch, design) = match upstream {
        Some(upstream) => (upstream.task_patch(), upstream.design(fixture).cloned()),
        None => (task_patch(fixture), design(fixture)),
    };
    let ctx = Context {
        golden: &golden,
        constraints: &fixture.constraints,
        repo: repo.as_ref(),
        task_patch: task_patch.as_ref(),
        design: design.as_ref(),
        legacy: schema == Schema::Legacy,
    };
    violations.extend(rules::check(&parsed.output, &ctx));
    if let Some(upstream) = upstream {
        violations.extend(upstream.check(
            &parsed.output,
            &golden,
            &fixture.constraints,
            repo.as_ref(),
        ));
    }
    warnings.extend(rules::warnings(&parsed.output, &ctx));
    if !violations.is_empty() {
        violations.sort_by_key(|v| v.rule);
        return Err(violations);
    }
    Ok(Verified { parsed, warnings })
}

/// One violation per field of `actual` that still holds the placeholder of
/// the skeleton `fixture-kit new` wrote, at `golden` (the file shown).
fn unfilled(fixture: &Fixture, actual: &str, golden: &str) -> Vec<Violation> {
    let todo = skeleton::PLACEHOLDER;
    skeleton::unfilled(fixture.id.agent, actual)
        .into_iter()
        .map(|path| {
            let violation = if fixture.id.agent == Agent::Coder {
                Violation::new(
                    Rule::Layout,
                    format!("still the skeleton `fixture-kit new` wrote (`{todo}`)"),
                )
                .hint("replace it with the coder's patch, a git-style unified diff against repo/")
            } else {
                Violation::new(
                    Rule::Layout,
                    format!("`{path}`: not filled in (still `{todo}`)"),
                )
                .hint("fill it in with what the agent should answer to the prompt")
            };
            violation.at(golden.to_owned())
        })
        .collect()
}

/// The coder golden of the reviewer's task, when it exists.
fn task_patch(fixture: &Fixture) -> Option<TaskPatch> {
    if fixture.id.agent != Agent::Reviewer {
        return None;
    }
    let (golden, text) = sibling_golden(fixture, Agent::Coder)?;
    Some(TaskPatch {
        golden,
        patch: patch::parse(&text, "").ok(),
    })
}

/// The golden of `agent` in `fixture`'s task, as shown in messages, and
/// its text, when it can be read.
fn sibling_golden(fixture: &Fixture, agent: Agent) -> Option<(String, String)> {
    let path = fixture
        .dir
        .parent()?
        .join(agent.as_str())
        .join(agent.golden_kind().file_name());
    let text = crate::untrusted::read_text(&path, crate::untrusted::MAX_BYTES).ok()?;
    Some((crate::fixture::display(&path), text))
}

/// For a coder: the task's architect golden, parsed as the task's
/// `pipeline` test parses it, when it can be read and parses.
fn design(fixture: &Fixture) -> Option<ArchitectSpec> {
    if fixture.id.agent != Agent::Coder {
        return None;
    }
    let (_, text) = sibling_golden(fixture, Agent::Architect)?;
    match contract::parse(Agent::Architect, &text).ok()?.output {
        contract::AgentOutput::Architect(spec) => Some(spec),
        _ => None,
    }
}

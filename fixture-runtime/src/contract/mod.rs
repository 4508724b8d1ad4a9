//! The typed output contracts of the four agents, their canonical text and
//! their JSON Schemas.
//!
//! The types accept every valid output of the existing contract (same field
//! names, enums, optional fields and defaults). Unknown fields are collected
//! with their JSON path rather than silently dropped; [`crate::verify`]
//! reports them as errors, or as warnings in legacy mode.

mod architect;
mod coder;
pub mod json;
mod planner;
mod reviewer;

use schemars::JsonSchema;
use serde::Serialize;

use crate::agent::Agent;

pub use architect::{Api, ArchitectSpec, DataModel, HttpMethod, Relation, RelationKind};
pub use coder::CoderOutput;
pub use json::{JsonError, UnknownField};
pub use planner::{Complexity, PlannerOutput, PlannerTask, TaskType};
pub use reviewer::{Comment, Decision, ReviewerOutput};

/// A parsed agent output.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentOutput {
    /// An architect's spec.
    Architect(ArchitectSpec),
    /// A planner's tasks.
    Planner(PlannerOutput),
    /// A coder's patch.
    Coder(CoderOutput),
    /// A reviewer's verdict.
    Reviewer(ReviewerOutput),
}

/// An output parsed against its agent's contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The typed output.
    pub output: AgentOutput,
    /// Fields the contract does not have (always empty for a patch).
    pub unknown: Vec<UnknownField>,
}

/// Parses `text` as `agent`'s output. A coder's output is the patch text
/// itself; its diff is checked by the patch rules.
pub fn parse(agent: Agent, text: &str) -> Result<Parsed, JsonError> {
    fn typed<T: serde::de::DeserializeOwned + JsonSchema>(
        text: &str,
        wrap: fn(T) -> AgentOutput,
    ) -> Result<Parsed, JsonError> {
        let (value, unknown) = json::parse::<T>(text)?;
        Ok(Parsed {
            output: wrap(value),
            unknown,
        })
    }
    match agent {
        Agent::Architect => typed(text, AgentOutput::Architect),
        Agent::Planner => typed(text, AgentOutput::Planner),
        Agent::Reviewer => typed(text, AgentOutput::Reviewer),
        Agent::Coder => Ok(Parsed {
            output: AgentOutput::Coder(CoderOutput {
                patch: text.to_owned(),
            }),
            unknown: Vec::new(),
        }),
    }
}

impl AgentOutput {
    /// The canonical golden text. JSON: 2-space indentation, the contract's
    /// field order, defaults written out, absent optional fields (and
    /// `null` ones) left out, a trailing newline. A patch: its text as is.
    pub fn canonical(&self) -> String {
        fn pretty(value: &impl Serialize) -> String {
            let text = serde_json::to_string_pretty(value)
                .expect("contract types serialize to JSON without error");
            format!("{text}\n")
        }
        match self {
            AgentOutput::Architect(spec) => pretty(spec),
            AgentOutput::Planner(plan) => pretty(plan),
            AgentOutput::Reviewer(review) => pretty(review),
            AgentOutput::Coder(coder) => coder.patch.clone(),
        }
    }
}

/// The JSON Schema (draft 2020-12) of `agent`'s output, pretty-printed with
/// a trailing newline: what `schemas/<agent>.schema.json` holds. The
/// coder's schema describes the patch wrapped as `{"patch": "..."}`.
pub fn schema_json(agent: Agent) -> String {
    let schema = match agent {
        Agent::Architect => schemars::schema_for!(ArchitectSpec),
        Agent::Planner => schemars::schema_for!(PlannerOutput),
        Agent::Coder => schemars::schema_for!(CoderOutput),
        Agent::Reviewer => schemars::schema_for!(ReviewerOutput),
    };
    let text = serde_json::to_string_pretty(&schema).expect("a schema serializes to JSON");
    format!("{text}\n")
}

/// A contract type that a fixture-local `verify.rs` can receive.
pub trait FromOutput {
    /// The agent whose output this is.
    const AGENT: Agent;

    /// The typed output, when `output` is this agent's.
    fn from_output(output: &AgentOutput) -> Option<&Self>;
}

macro_rules! from_output {
    ($ty:ty, $agent:ident) => {
        impl FromOutput for $ty {
            const AGENT: Agent = Agent::$agent;

            fn from_output(output: &AgentOutput) -> Option<&Self> {
                match output {
                    AgentOutput::$agent(typed) => Some(typed),
                    _ => None,
                }
            }
        }
    };
}

from_output!(ArchitectSpec, Architect);
from_output!(PlannerOutput, Planner);
from_output!(CoderOutput, Coder);
from_output!(ReviewerOutput, Reviewer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_outputs_parse_with_defaults() {
        let text = r#"{"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts"}]}"#;
        let Parsed { output, unknown } = parse(Agent::Planner, text).unwrap();
        assert!(unknown.is_empty());
        let AgentOutput::Planner(plan) = &output else {
            panic!("planner output expected")
        };
        assert_eq!(plan.tasks[0].kind, TaskType::Unknown);
        assert_eq!(plan.tasks[0].complexity, Complexity::Medium);
        assert_eq!(
            output.canonical(),
            "{\n  \"tasks\": [\n    {\n      \"id\": \"t1\",\n      \"description\": \"d\",\n      \
             \"file\": \"src/a.ts\",\n      \"type\": \"unknown\",\n      \"complexity\": \
             \"medium\",\n      \"dependsOn\": []\n    }\n  ],\n  \"ambiguities\": [],\n  \
             \"invalidTaskCount\": 0\n}\n"
        );
    }

    #[test]
    fn nullable_fields_accept_null_and_canonicalise_to_absent() {
        let text = r#"{"highLevelSummary": "s", "pagesOrScreens": [], "apis": [{"name": "a",
            "description": "d", "method": null, "path": "/x", "authRequired": true}],
            "dataModels": [{"name": "User", "fields": ["id"], "primaryKey": "id",
            "indexes": null, "relations": [{"field": "orgId", "target": "Org",
            "type": "many-to-one"}]}], "recommendedFileStructure": ["src/"]}"#;
        let parsed = parse(Agent::Architect, text).unwrap();
        assert!(parsed.unknown.is_empty());
        let canonical = parsed.output.canonical();
        assert!(!canonical.contains("null"), "{canonical}");
        assert!(canonical.contains("\"type\": \"many-to-one\""));
        let again = parse(Agent::Architect, &canonical).unwrap();
        assert_eq!(again.output, parsed.output);
    }

    #[test]
    fn reviewer_line_must_be_positive() {
        let text = r#"{"decision": "revise", "comments": [{"message": "m", "blocking": true, "line": 0}]}"#;
        let err = parse(Agent::Reviewer, text).unwrap_err();
        assert_eq!(err.path, "comments[0].line");
    }

    #[test]
    fn every_agent_has_a_schema_that_forbids_unknown_fields() {
        for agent in Agent::ALL {
            let schema: serde_json::Value = serde_json::from_str(&schema_json(agent)).unwrap();
            assert_eq!(schema["additionalProperties"], false, "{agent}");
        }
    }
}

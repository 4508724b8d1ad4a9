//! The typed output contracts of the four agents, their canonical text and
//! their JSON Schemas.
//!
//! The types accept every valid output of the existing contract (same field
//! names, enums, optional fields and defaults). Unknown fields are collected
//! with their JSON path rather than silently dropped; [`crate::verify`]
//! reports them as errors, or as warnings in legacy mode.

mod architect;
mod canonical;
mod coder;
pub mod json;
mod planner;
mod reviewer;
mod shape;

use std::sync::OnceLock;

use serde_json::Value;

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
    /// The text in canonical form (see [`canonical_form`]).
    pub canonical: String,
}

impl Parsed {
    /// Whether both say the same: equal typed outputs (so a default left
    /// out equals the default spelled out, and an explicit `null` equals an
    /// absent optional field) and equal unknown fields.
    pub fn same_content(&self, other: &Parsed) -> bool {
        self.output == other.output && self.unknown == other.unknown
    }
}

/// Parses `text` as `agent`'s output. A coder's output is the patch text
/// itself; its diff is checked by the patch rules.
pub fn parse(agent: Agent, text: &str) -> Result<Parsed, JsonError> {
    fn typed<T: serde::de::DeserializeOwned>(
        agent: Agent,
        text: &str,
        wrap: fn(T) -> AgentOutput,
    ) -> Result<Parsed, JsonError> {
        let document = json::parse_document::<T>(text, schema(agent))?;
        Ok(Parsed {
            output: wrap(document.typed),
            unknown: document.unknown,
            canonical: canonical::form(document.json, schema(agent)),
        })
    }
    match agent {
        Agent::Architect => typed(agent, text, AgentOutput::Architect),
        Agent::Planner => typed(agent, text, AgentOutput::Planner),
        Agent::Reviewer => typed(agent, text, AgentOutput::Reviewer),
        Agent::Coder => Ok(Parsed {
            output: AgentOutput::Coder(CoderOutput {
                patch: text.to_owned(),
            }),
            unknown: Vec::new(),
            canonical: text.to_owned(),
        }),
    }
}

/// The canonical form of a golden of `agent`, judged on its form alone
/// (whatever its content): for JSON, the document's keys in the contract's
/// order, 2-space indentation and a trailing newline, nothing added and
/// nothing dropped; `None` when the text is not JSON. A patch is its own
/// canonical form.
pub fn canonical_form(agent: Agent, text: &str) -> Option<String> {
    if agent == Agent::Coder {
        return Some(text.to_owned());
    }
    let value: Value = serde_json::from_str(text).ok()?;
    Some(canonical::form(value, schema(agent)))
}

/// `agent`'s JSON Schema as a value, built once.
pub(crate) fn schema(agent: Agent) -> &'static Value {
    static SCHEMAS: OnceLock<[Value; 4]> = OnceLock::new();
    let all = SCHEMAS.get_or_init(|| {
        Agent::ALL.map(|agent| serde_json::from_str(&schema_json(agent)).unwrap_or(Value::Null))
    });
    let index = Agent::ALL
        .iter()
        .position(|a| *a == agent)
        .expect("every agent is in Agent::ALL");
    &all[index]
}

/// The version of `agent`'s contract, which its schema carries as
/// `x-contract-version`: the minor number grows with a backward-compatible
/// change (a new optional field), the major with a breaking one.
pub fn contract_version(agent: Agent) -> &'static str {
    match agent {
        // 1.1.0: the optional `configurationFiles`.
        Agent::Architect => "1.1.0",
        Agent::Planner | Agent::Coder | Agent::Reviewer => "1.0.0",
    }
}

/// The JSON Schema (draft 2020-12) of `agent`'s output, pretty-printed with
/// a trailing newline: what `schemas/<agent>.schema.json` holds. The
/// coder's schema describes the patch wrapped as `{"patch": "..."}`.
pub fn schema_json(agent: Agent) -> String {
    let mut schema = match agent {
        Agent::Architect => schemars::schema_for!(ArchitectSpec),
        Agent::Planner => schemars::schema_for!(PlannerOutput),
        Agent::Coder => schemars::schema_for!(CoderOutput),
        Agent::Reviewer => schemars::schema_for!(ReviewerOutput),
    };
    schema.insert(
        "x-contract-version".to_owned(),
        contract_version(agent).into(),
    );
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
    fn defaults_left_out_stay_out_and_equal_the_spelled_out_ones() {
        let text = r#"{"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts"}]}"#;
        let short = parse(Agent::Planner, text).unwrap();
        assert!(short.unknown.is_empty());
        let AgentOutput::Planner(plan) = &short.output else {
            panic!("planner output expected")
        };
        assert_eq!(plan.tasks[0].kind, TaskType::Unknown);
        assert_eq!(plan.tasks[0].complexity, Complexity::Medium);
        assert_eq!(
            short.canonical,
            "{\n  \"tasks\": [\n    {\n      \"id\": \"t1\",\n      \"description\": \"d\",\n      \
             \"file\": \"src/a.ts\"\n    }\n  ]\n}\n"
        );
        let spelled = r#"{"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts",
            "type": "unknown", "complexity": "medium", "dependsOn": []}],
            "ambiguities": [], "invalidTaskCount": 0}"#;
        let spelled = parse(Agent::Planner, spelled).unwrap();
        assert!(short.same_content(&spelled));
        assert_ne!(short.canonical, spelled.canonical);
    }

    #[test]
    fn explicit_nulls_stay_and_equal_absent_fields() {
        let text = r#"{"highLevelSummary": "s", "pagesOrScreens": [], "apis": [{"name": "a",
            "description": "d", "method": null, "path": "/x", "authRequired": true}],
            "dataModels": [{"name": "User", "fields": ["id"], "primaryKey": "id",
            "indexes": null, "relations": [{"field": "orgId", "target": "Org",
            "type": "many-to-one"}]}], "recommendedFileStructure": ["src/"]}"#;
        let parsed = parse(Agent::Architect, text).unwrap();
        assert!(parsed.unknown.is_empty());
        assert!(
            parsed.canonical.contains("\"method\": null"),
            "{}",
            parsed.canonical
        );
        assert!(parsed.canonical.contains("\"indexes\": null"));
        let absent = text
            .replace("\"method\": null,", "")
            .replace("\"indexes\": null,", "");
        assert!(parse(Agent::Architect, &absent)
            .unwrap()
            .same_content(&parsed));
        let again = parse(Agent::Architect, &parsed.canonical).unwrap();
        assert_eq!(again.canonical, parsed.canonical);
    }

    #[test]
    fn a_struct_written_as_an_array_is_refused() {
        let err = parse(Agent::Planner, r#"[[["t1","d","src/a.ts"]]]"#).unwrap_err();
        assert!(err.message.contains("expected a JSON object"), "{err:?}");
        assert_eq!((err.path.as_str(), err.line, err.column), ("", 1, 1));
        let err = parse(Agent::Planner, r#"{"tasks": [["t1","d","src/a.ts"]]}"#).unwrap_err();
        assert_eq!(err.path, "tasks[0]");
        let err = parse(
            Agent::Reviewer,
            r#"{"decision": "approve", "comments": [["m", true]]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "comments[0]");
    }

    #[test]
    fn out_of_range_integers_are_called_so() {
        let plan = |n: &str| format!(r#"{{"tasks": [], "invalidTaskCount": {n}}}"#);
        for n in ["18446744073709551616", "4294967296", "-1"] {
            let err = parse(Agent::Planner, &plan(n)).unwrap_err();
            assert_eq!(
                err.message,
                format!(
                    "integer `{n}` is out of range: expected a whole number from 0 to 4294967295"
                ),
            );
            assert_eq!(err.path, "invalidTaskCount");
        }
        let err = parse(Agent::Planner, &plan("1.5")).unwrap_err();
        assert!(
            err.message.contains("floating point `1.5`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_byte_order_mark_is_named() {
        let err = parse(
            Agent::Reviewer,
            "\u{feff}{\"decision\": \"approve\", \"comments\": []}",
        )
        .unwrap_err();
        assert!(err.message.contains("byte-order mark"), "{}", err.message);
    }

    #[test]
    fn reviewer_line_must_be_positive() {
        let text = r#"{"decision": "revise", "comments": [{"message": "m", "blocking": true, "line": 0}]}"#;
        let err = parse(Agent::Reviewer, text).unwrap_err();
        assert_eq!(err.path, "comments[0].line");
        assert_eq!(
            err.message,
            "integer `0` is out of range: expected a whole number from 1 to 4294967295"
        );
    }

    #[test]
    fn every_agent_has_a_schema_that_forbids_unknown_fields() {
        for agent in Agent::ALL {
            let schema: serde_json::Value = serde_json::from_str(&schema_json(agent)).unwrap();
            assert_eq!(schema["additionalProperties"], false, "{agent}");
        }
    }
}

//! The typed output contracts of the four agents.

use serde::{Deserialize, Serialize};

/// A parsed agent output.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentOutput {
    /// An architect's spec.
    Architect(serde_json::Value),
    /// A planner's tasks.
    Planner(serde_json::Value),
    /// A coder's patch.
    Coder(CoderOutput),
    /// A reviewer's verdict.
    Reviewer(serde_json::Value),
}

/// A coder's unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoderOutput {
    /// The patch text.
    pub patch: String,
}

/// A contract type that a fixture-local `verify.rs` can receive.
pub trait FromOutput {
    /// The agent whose output this is.
    const AGENT: crate::agent::Agent;

    /// The typed output, when `output` is this agent's.
    fn from_output(output: &AgentOutput) -> Option<&Self>;
}

impl FromOutput for CoderOutput {
    const AGENT: crate::agent::Agent = crate::agent::Agent::Coder;

    fn from_output(output: &AgentOutput) -> Option<&Self> {
        match output {
            AgentOutput::Coder(coder) => Some(coder),
            _ => None,
        }
    }
}

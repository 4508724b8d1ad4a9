//! The four agents of a pipeline and what their goldens look like.

use std::fmt;
use std::str::FromStr;

/// One agent of the pipeline; its folder name in a fixture tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    /// Designs the system: `ArchitectSpec` in `expected.json`.
    Architect,
    /// Breaks work into tasks: `PlannerOutput` in `expected.json`.
    Planner,
    /// Writes a unified diff: `expected.patch`.
    Coder,
    /// Reviews a change: `ReviewerOutput` in `expected.json`.
    Reviewer,
}

impl Agent {
    /// Every agent, in pipeline order.
    pub const ALL: [Agent; 4] = [
        Agent::Architect,
        Agent::Planner,
        Agent::Coder,
        Agent::Reviewer,
    ];

    /// The folder name of this agent (`architect`, `planner`, `coder`, `reviewer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Architect => "architect",
            Agent::Planner => "planner",
            Agent::Coder => "coder",
            Agent::Reviewer => "reviewer",
        }
    }

    /// The kind of golden this agent's fixtures hold.
    pub fn golden_kind(self) -> GoldenKind {
        match self {
            Agent::Coder => GoldenKind::Patch,
            _ => GoldenKind::Json,
        }
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Agent {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Agent::ALL
            .into_iter()
            .find(|agent| agent.as_str() == s)
            .ok_or(())
    }
}

/// The two kinds of golden file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoldenKind {
    /// `expected.json`: a JSON document of the agent's contract.
    Json,
    /// `expected.patch`: a git-style unified diff.
    Patch,
}

impl GoldenKind {
    /// Both kinds.
    pub const ALL: [GoldenKind; 2] = [GoldenKind::Json, GoldenKind::Patch];

    /// The golden's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            GoldenKind::Json => "expected.json",
            GoldenKind::Patch => "expected.patch",
        }
    }
}

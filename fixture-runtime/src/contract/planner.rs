//! `PlannerOutput`: the planner's tasks, in `planner/expected.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The planner's breakdown of the work. An empty `tasks` list means
/// "nothing to do"; the fixture must declare `"zero_change": true` for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct PlannerOutput {
    /// The tasks, in the planner's order.
    pub tasks: Vec<PlannerTask>,
    /// Questions the planner could not settle.
    #[serde(default)]
    pub ambiguities: Vec<String>,
    /// How many proposed tasks the planner dropped as invalid.
    #[serde(default)]
    #[schemars(range(max = 4_294_967_295_u32))]
    pub invalid_task_count: u32,
}

/// One unit of work on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct PlannerTask {
    /// Unique among the plan's tasks.
    pub id: String,
    /// What to do.
    pub description: String,
    /// The file the task works on, relative to the repository root. It must
    /// exist in `repo/` unless the fixture lists it in `new_files`.
    pub file: String,
    /// The kind of change.
    #[serde(rename = "type", default)]
    pub kind: TaskType,
    /// How hard it is.
    #[serde(default)]
    pub complexity: Complexity,
    /// Ids of the tasks that must be done first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Free-form metadata about where the task came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The kind of a planner task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskType {
    /// Restructures code without changing behaviour.
    Refactor,
    /// Repairs a defect.
    Fix,
    /// Adds behaviour.
    Feature,
    /// Not classified (the default).
    #[default]
    Unknown,
}

impl TaskType {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::Refactor => "refactor",
            TaskType::Fix => "fix",
            TaskType::Feature => "feature",
            TaskType::Unknown => "unknown",
        }
    }
}

/// How hard a task is, in increasing order.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Complexity {
    /// Small.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Large.
    High,
}

impl Complexity {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::Low => "low",
            Complexity::Medium => "medium",
            Complexity::High => "high",
        }
    }
}

//! Declared constraints: `fixture.json` at task level (defaults for its
//! agents) and at agent level (overrides).

use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::rule::{Rule, Violation};

/// The file that declares a fixture's constraints.
pub const FILE: &str = "fixture.json";

/// What a fixture declares about itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Verification must fail, for this rule and reason.
    #[serde(default)]
    pub must_fail: Option<MustFail>,
}

/// A must-fail declaration: the test passes only when verification fails
/// with `rule` and a message containing `because`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MustFail {
    /// The rule that must fail.
    pub rule: Rule,
    /// Text the failure message must contain.
    pub because: String,
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Rule, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl Constraints {
    /// Loads `task_dir/fixture.json` then `agent_dir/fixture.json`, the
    /// agent's keys overriding the task's.
    pub fn load(task_dir: &Path, agent_dir: &Path) -> Result<Constraints, Violation> {
        let mut merged = serde_json::Map::new();
        for dir in [task_dir, agent_dir] {
            let path = dir.join(FILE);
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
                Violation::new(Rule::Layout, format!("invalid JSON: {err}"))
                    .at(path.display().to_string())
            })?;
            let serde_json::Value::Object(map) = value else {
                return Err(Violation::new(Rule::Layout, "expected a JSON object")
                    .at(path.display().to_string()));
            };
            merged.extend(map);
        }
        serde_json::from_value(serde_json::Value::Object(merged))
            .map_err(|err| Violation::new(Rule::Layout, format!("{FILE}: {err}")))
    }
}

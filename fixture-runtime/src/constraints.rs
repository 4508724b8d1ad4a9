//! Declared constraints: `fixture.json` at task level (defaults for its
//! agents) and at agent level (overrides, key by key). `docs/RULES.md`
//! lists every key.

use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::compare::{IgnorePath, Mode};
use crate::contract::json;
use crate::contract::Complexity;
use crate::rule::{Rule, Violation};
use crate::untrusted;

/// The file that declares a fixture's constraints.
pub const FILE: &str = "fixture.json";

/// What a fixture declares about itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
pub struct Constraints {
    /// Nothing is to be done: an empty plan or patch is the right answer.
    #[serde(default)]
    pub zero_change: bool,
    /// Why the fixture has no `repo/` (patch application and
    /// non-fabrication cannot run).
    #[serde(default)]
    pub no_repo: Option<String>,
    /// Files the work creates: planner tasks may name them although
    /// `repo/` lacks them.
    #[serde(default)]
    pub new_files: Vec<String>,
    /// Changes to the shared forbidden-path list.
    #[serde(default)]
    pub forbidden_paths: ForbiddenPaths,
    /// Caps and shape of the planner's task graph.
    #[serde(default)]
    pub task_graph: TaskGraph,
    /// Requirements on the reviewer's verdict.
    #[serde(default)]
    pub reviewer: ReviewerRequirements,
    /// A declared scope the change must stay within.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Configuration and other non-source files the patch may change.
    #[serde(default)]
    pub config_whitelist: Vec<String>,
    /// `false` turns off the `pipeline` checks against the task's other
    /// goldens (on by default).
    #[serde(default)]
    pub pipeline: Option<bool>,
    /// Files the patch may touch although no planner task names them.
    #[serde(default)]
    pub pipeline_declared_files: Vec<String>,
    /// Every planner task's file must be touched by the patch.
    #[serde(default)]
    pub every_task_done: bool,
    /// How closely a review must point at the patch it reviews.
    #[serde(default)]
    pub pipeline_review: ReviewAnchoring,
    /// The task's `pipeline` test must fail, for this reason (declared in
    /// the task's `fixture.json`).
    #[serde(default)]
    pub pipeline_must_fail: Option<MustFail>,
    /// JSON paths whose values may hold timestamps or ids
    /// (`tasks[0].provenance.recordedAt`, `tasks[*].provenance.runId`).
    #[serde(default)]
    pub volatile: Vec<String>,
    /// Overrides the suite's schema mode: `true` reports unknown fields as
    /// warnings, `false` as errors.
    #[serde(default)]
    pub legacy: Option<bool>,
    /// Verification must fail, for this rule and reason.
    #[serde(default)]
    pub must_fail: Option<MustFail>,
    /// Overrides the suite's comparison mode: `"exact"` or `"semantic"`.
    #[serde(default)]
    pub compare: Option<Mode>,
    /// JSON paths left out of the comparison with the golden, in either
    /// mode (`tasks[*].description`).
    #[serde(default)]
    pub ignore: Vec<IgnorePath>,
    /// Free-text fields that semantic comparison compares after all
    /// (`tasks[*].description`, `comments[*].message`).
    #[serde(default)]
    pub compare_text: Vec<String>,
}

/// `forbidden_paths`: patterns added to, or removed from, the default list.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ForbiddenPaths {
    /// Extra patterns (`secrets/`, `*.pem`).
    #[serde(default)]
    pub add: Vec<String>,
    /// Default patterns this fixture allows (`build/`).
    #[serde(default)]
    pub allow: Vec<String>,
}

/// `task_graph`: optional caps and shape.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TaskGraph {
    /// At most this many tasks.
    #[serde(default)]
    pub max_tasks: Option<usize>,
    /// No task above this complexity.
    #[serde(default)]
    pub max_complexity: Option<Complexity>,
    /// The shape the dependencies must have.
    #[serde(default)]
    pub topology: Option<Topology>,
}

/// A declared task-graph shape.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// One line: each task depends on the one before.
    Chain,
    /// One root fans out and joins again into one sink.
    Diamond,
    /// No task depends on another.
    Independent,
}

/// `reviewer`: declared requirements on the verdict.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ReviewerRequirements {
    /// At least one blocking comment is required.
    #[serde(default)]
    pub require_blocking: bool,
    /// Every comment names a `path` and a `line`.
    #[serde(default)]
    pub grounded: bool,
}

/// A declared scope.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Behaviour-preserving restructuring only.
    RefactorOnly,
    /// Comments, doc comments and documentation files only.
    DocsOnly,
}

/// `pipeline_review`: what the `pipeline` rule asks of a review of the
/// task's patch.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewAnchoring {
    /// Every comment with a `path` is on a file the patch touches, or on a
    /// line of the patched tree.
    Files,
    /// As `files`, and a `reject` or `revise` has a blocking comment on a
    /// line a hunk of the patch covers.
    #[default]
    Changes,
}

/// A must-fail declaration: the test passes only when verification fails
/// with `rule` and a message containing `because`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct MustFail {
    /// The rule that must fail.
    #[schemars(with = "String")]
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
    /// agent's keys overriding the task's. Unknown keys are errors naming
    /// the file and the nearest key.
    pub fn load(task_dir: &Path, agent_dir: &Path) -> Result<Constraints, Violation> {
        let mut merged = serde_json::Map::new();
        for dir in [task_dir, agent_dir] {
            let path = dir.join(FILE);
            let shown = crate::fixture::display(&path);
            let text = match untrusted::read_text_if_exists(&path, untrusted::MAX_BYTES) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(err) => {
                    return Err(Violation::new(Rule::Layout, err.to_string())
                        .at(shown)
                        .hint("fixture.json must be a regular file of UTF-8 JSON"))
                }
            };
            let (declared, unknown) = json::parse::<Constraints>(&text).map_err(|err| {
                let at = if err.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", err.path)
                };
                let near = crate::suggest::for_unknown_variant(&err.message);
                Violation::new(Rule::Layout, format!("{at}{}{near}", err.message))
                    .at(format!("{shown}:{}:{}", err.line, err.column))
                    .hint(format!(
                        "every fixture.json key and its values: {}",
                        crate::messages::docs_url("RULES.md")
                    ))
            })?;
            if !unknown.is_empty() {
                let all: Vec<String> = unknown
                    .iter()
                    .map(|u| format!("`{}`: {}", u.path, u.message()))
                    .collect();
                return Err(Violation::new(Rule::Layout, all.join("; "))
                    .at(shown)
                    .hint(format!(
                        "every fixture.json key: {}",
                        crate::messages::docs_url("RULES.md")
                    )));
            }
            if declared
                .must_fail
                .as_ref()
                .is_some_and(|must| must.rule == Rule::Pipeline)
            {
                return Err(pipeline_in_must_fail(&shown, task_dir));
            }
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
                merged.extend(map);
            }
        }
        serde_json::from_value(serde_json::Value::Object(merged)).map_err(|err| {
            Violation::new(
                Rule::Layout,
                format!("the task's and the agent's {FILE}, merged: {err}"),
            )
            .at(crate::fixture::display(agent_dir))
        })
    }
}

/// A `must_fail` on the `pipeline` rule could never fail as declared: an
/// agent's verification does not run it, the task's `pipeline` test does.
fn pipeline_in_must_fail(shown: &str, task_dir: &Path) -> Violation {
    Violation::new(
        Rule::Layout,
        "`must_fail.rule`: `pipeline` is checked by the task's `pipeline` test, not by an \
         agent's verification, so this declaration could never be met",
    )
    .at(shown)
    .hint(format!(
        "declare `\"pipeline_must_fail\": {{\"rule\": \"pipeline\", \"because\": \"…\"}}` in \
         the task's fixture.json ({}) and remove this `must_fail`",
        crate::fixture::display(&task_dir.join(FILE))
    ))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn load(task: &str, agent: Option<&str>) -> Result<Constraints, Violation> {
        let dir = tempfile::tempdir().unwrap();
        let agent_dir = dir.path().join("planner");
        fs::create_dir_all(&agent_dir).unwrap();
        fs::write(dir.path().join(FILE), task).unwrap();
        if let Some(agent) = agent {
            fs::write(agent_dir.join(FILE), agent).unwrap();
        }
        Constraints::load(dir.path(), &agent_dir)
    }

    #[test]
    fn an_unreadable_file_is_an_error_not_an_absence() {
        let dir = tempfile::tempdir().unwrap();
        let agent_dir = dir.path().join("planner");
        fs::create_dir_all(&agent_dir).unwrap();
        fs::write(agent_dir.join(FILE), b"{\"zero_change\": \xff}").unwrap();
        let err = Constraints::load(dir.path(), &agent_dir).unwrap_err();
        assert!(
            err.message.contains("`fixture.json` is not UTF-8 text"),
            "{err}"
        );
        assert!(err.location.unwrap().ends_with("planner/fixture.json"));
    }

    #[test]
    fn agent_keys_override_task_keys() {
        let c = load(
            r#"{"zero_change": true, "scope": "docs-only", "task_graph": {"max_tasks": 3}}"#,
            Some(r#"{"scope": "refactor-only"}"#),
        )
        .unwrap();
        assert!(c.zero_change);
        assert_eq!(c.scope, Some(Scope::RefactorOnly));
        assert_eq!(c.task_graph.max_tasks, Some(3));
    }

    #[test]
    fn unknown_keys_name_the_file_and_the_nearest_key() {
        let err = load(r#"{"forbiden_paths": {}}"#, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "fixture.json: `forbiden_paths`: unknown field; did you mean `forbidden_paths`?"
            ),
            "{err}"
        );
        let err = load("{}", Some(r#"{"task_graph": {"max_task": 2}}"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("planner/fixture.json"), "{err}");
        assert!(
            err.contains("`task_graph.max_task`: unknown field; did you mean `max_tasks`?"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let err = load("{\n  \"scope\": \"everything\"\n}", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("fixture.json:2:"), "{err}");
        assert!(err.contains("scope: unknown variant `everything`"), "{err}");
        let err = load(r#"{"compare": "semantc"}"#, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected `exact` or `semantic`; did you mean `semantic`?"),
            "{err}"
        );
        let err = load(
            r#"{"must_fail": {"rule": "task-grph", "because": "x"}}"#,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown rule `task-grph`"), "{err}");
        assert!(err.contains("did you mean `task-graph`?"), "{err}");
    }

    #[test]
    fn a_must_fail_on_the_pipeline_rule_points_to_pipeline_must_fail() {
        let must =
            r#"{"must_fail": {"rule": "pipeline", "because": "which no planner task names"}}"#;
        for (task, agent, file) in [
            ("{}", Some(must), "planner/fixture.json"),
            (must, None, "fixture.json"),
        ] {
            let err = load(task, agent).unwrap_err();
            assert_eq!(err.rule, Rule::Layout);
            let location = err.location.clone().unwrap();
            assert!(location.ends_with(file), "{location}");
            let text = err.to_string();
            assert!(
                text.contains(
                    "`must_fail.rule`: `pipeline` is checked by the task's `pipeline` test"
                ) && text.contains("declare `\"pipeline_must_fail\"")
                    && text.contains("in the task's fixture.json ("),
                "{text}"
            );
        }
        // Any other rule is an agent's to fail.
        let other = r#"{"must_fail": {"rule": "scope", "because": "x"}}"#;
        assert!(load("{}", Some(other)).unwrap().must_fail.is_some());
    }
}

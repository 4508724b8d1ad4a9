//! What one fixture's runs produced, in the JSON report's shape.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::discover::{FixtureId, TaskId, PIPELINE_TEST};
use crate::engine::{Measured, Outcome};
use crate::rule::{Rule, Violation};
use crate::runner::{PermissionDenial, Transient, Usage};

/// One fixture and every run of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixtureRecord {
    /// `topic/task/agent`.
    pub fixture: String,
    /// The test name (`topic::task::agent`), as in `--list` and JUnit.
    pub test: String,
    /// The fixture's folder, as failures name it.
    pub dir: String,
    /// The topic folder.
    pub topic: String,
    /// The agent.
    pub agent: String,
    /// `passed` (every run), `flaky` (some) or `failed` (none).
    pub status: Status,
    /// How many runs passed.
    pub passed: u32,
    /// Every run, in order.
    pub runs: Vec<RunRecord>,
}

impl FixtureRecord {
    /// The record of `runs` of `id` under `root`.
    pub fn new(id: &FixtureId, root: &Path, runs: Vec<RunRecord>) -> FixtureRecord {
        let passed = runs.iter().filter(|run| run.verdict.passes()).count() as u32;
        let status = match passed {
            0 => Status::Failed,
            n if n as usize == runs.len() => Status::Passed,
            _ => Status::Flaky,
        };
        FixtureRecord {
            fixture: id.to_string(),
            test: id.test_name(),
            dir: crate::fixture::display(&id.dir(root)),
            topic: id.topic.clone(),
            agent: id.agent.to_string(),
            status,
            passed,
            runs,
        }
    }
}

impl FixtureRecord {
    /// The record of the one run of `task`'s `pipeline` test under `root`
    /// (its agent is `pipeline`).
    pub fn for_task(task: &TaskId, root: &Path, run: RunRecord) -> FixtureRecord {
        let passed = u32::from(run.verdict.passes());
        FixtureRecord {
            fixture: task.to_string(),
            test: task.test_name(),
            dir: crate::fixture::display(&task.dir(root)),
            topic: task.topic.clone(),
            agent: PIPELINE_TEST.to_owned(),
            status: if passed == 1 {
                Status::Passed
            } else {
                Status::Failed
            },
            passed,
            runs: vec![run],
        }
    }
}

/// A fixture's verdict over its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every run passed.
    Passed,
    /// Some runs passed, some failed.
    Flaky,
    /// No run passed.
    Failed,
}

/// One run of a fixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// 1 for the first run.
    pub run: u32,
    /// How the run ended.
    pub verdict: Verdict,
    /// The failed checks (empty when it passed), or the one that failed as
    /// declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationRecord>,
    /// Findings that did not fail the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ViolationRecord>,
    /// The golden-versus-actual diff, when the outputs differed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// What the agent answered (bounded), when it failed the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Why earlier attempts of this run were retried, one entry each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retried_on: Vec<Transient>,
    /// Tokens, cost, duration and turns of every attempt, summed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Tool calls the agent CLI refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_denials: Vec<PermissionDenial>,
    /// The golden an update run wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrote: Option<String>,
    /// Wall time of the run with its retries, in milliseconds.
    pub wall_ms: u64,
}

impl RunRecord {
    pub(crate) fn new(
        run: u32,
        measured: &Measured,
        retried_on: Vec<Transient>,
        usage: Option<Usage>,
        wall: Duration,
    ) -> RunRecord {
        let records = |v: &[Violation]| v.iter().map(ViolationRecord::from).collect();
        let (verdict, violations, warnings, diff, shown) = match &measured.result {
            Ok(Outcome::Passed { warnings }) => {
                (Verdict::Passed, Vec::new(), records(warnings), None, None)
            }
            Ok(Outcome::Updated { golden }) => (
                Verdict::Updated,
                Vec::new(),
                Vec::new(),
                None,
                Some(golden.clone()),
            ),
            Ok(Outcome::FailedAsDeclared(hit)) => (
                Verdict::FailedAsDeclared,
                records(std::slice::from_ref(hit)),
                Vec::new(),
                None,
                None,
            ),
            Err(failure) => (
                Verdict::Failed,
                records(&failure.violations),
                Vec::new(),
                failure.diff.clone(),
                failure.answer.clone(),
            ),
        };
        RunRecord {
            run,
            verdict,
            violations,
            warnings,
            diff,
            answer: shown.clone().filter(|_| verdict == Verdict::Failed),
            wrote: shown.filter(|_| verdict == Verdict::Updated),
            retried_on,
            usage,
            permission_denials: measured.agent.permission_denials.clone(),
            wall_ms: u64::try_from(wall.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The run as a person reads it: the failed checks, diff and answer.
    pub fn failure_text(&self) -> String {
        let mut text = String::new();
        for violation in &self.violations {
            text.push_str(&format!("  {violation}\n"));
        }
        if let Some(diff) = &self.diff {
            text.push_str(&format!("\n{diff}\n"));
        }
        if let Some(answer) = &self.answer {
            text.push_str(&format!("\nthe agent answered:\n{answer}\n"));
        }
        text
    }
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every rule passed and the output matches the golden.
    Passed,
    /// A must-fail fixture failed for its declared reason.
    FailedAsDeclared,
    /// An update run wrote the golden.
    Updated,
    /// It failed.
    Failed,
}

impl Verdict {
    /// Whether the run counts as passed.
    pub fn passes(self) -> bool {
        self != Verdict::Failed
    }
}

/// A [`Violation`] as the report stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    /// The rule, by name (`contract`); a report naming no known rule is
    /// refused.
    #[serde(with = "rule_name")]
    pub rule: Rule,
    /// Where, as precisely as known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&Violation> for ViolationRecord {
    fn from(violation: &Violation) -> ViolationRecord {
        ViolationRecord {
            rule: violation.rule,
            location: violation.location.clone(),
            message: violation.message.clone(),
            hint: violation.hint.clone(),
        }
    }
}

impl ViolationRecord {
    /// The violation this records.
    pub fn violation(&self) -> Violation {
        let mut violation = Violation::new(self.rule, self.message.clone());
        violation.location.clone_from(&self.location);
        violation.hint.clone_from(&self.hint);
        violation
    }
}

impl std::fmt::Display for ViolationRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.violation().fmt(f)
    }
}

/// A [`Rule`] as its name.
mod rule_name {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use crate::rule::Rule;

    pub(super) fn serialize<S: Serializer>(rule: &Rule, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(rule.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Rule, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(D::Error::custom)
    }
}

//! A chained run's report: each task a row of four stages, as text, as a
//! JSON report (`fixture-kit-chain-report/1`) and as JUnit XML, sorted by
//! task (docs/CHAINING.md).

use std::fmt;

#[cfg(feature = "cli")]
use quick_xml::events::{BytesDecl, BytesText, Event};
#[cfg(feature = "cli")]
use quick_xml::Writer;
#[cfg(feature = "cli")]
use serde::Serialize;

use super::{ChainRecord, Stage};
use crate::agent::Agent;
#[cfg(feature = "cli")]
use crate::eval::ViolationRecord;

/// The `format` a chain report declares.
pub const FORMAT: &str = "fixture-kit-chain-report/1";

/// A stage as the row shows it: `planner ✗ (pipeline: …)`.
struct Cell<'a>(Agent, &'a Stage, &'a ChainRecord);

impl fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Cell(agent, stage, record) = self;
        match stage {
            Stage::Passed { .. } => write!(f, "{agent} ✓"),
            Stage::Updated { .. } => write!(f, "{agent} ✓ (golden written)"),
            Stage::FailedAsDeclared(hit) => {
                write!(f, "{agent} ✓ (failed as declared: {})", hit.rule)
            }
            Stage::Failed(failure) => {
                write!(f, "{agent} ✗")?;
                if let Some(first) = failure.violations.first() {
                    write!(f, " ({}: {}", first.rule, headline(&first.message))?;
                    match failure.violations.len() - 1 {
                        0 => f.write_str(")")?,
                        more => write!(f, "; {more} more)")?,
                    }
                }
                Ok(())
            }
            Stage::NotReached { after } => {
                let how = match record.stage(*after) {
                    Stage::FailedAsDeclared(_) => "failed as declared",
                    _ => "failed",
                };
                write!(f, "{agent} – not reached ({after} {how})")
            }
            Stage::Absent => write!(f, "{agent} ·"),
        }
    }
}

/// How much of a message a row shows.
const HEADLINE_CHARS: usize = 160;

/// The first line of `message`, at most [`HEADLINE_CHARS`] characters,
/// `…` where cut.
fn headline(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let shown: String = first.chars().take(HEADLINE_CHARS).collect();
    if shown.len() < message.trim_end().len() {
        format!("{}…", shown.trim_end())
    } else {
        shown
    }
}

/// The rows of `records`, sorted by task, the task names padded to one
/// width: `topic/task  architect ✓  planner ✗ (…)  coder – not reached …`;
/// an agent the task has no fixture for shows as `·`.
pub fn rows(records: &[ChainRecord]) -> String {
    let mut sorted: Vec<&ChainRecord> = records.iter().collect();
    sorted.sort_by(|a, b| a.task.cmp(&b.task));
    let width = sorted
        .iter()
        .map(|r| r.task.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for record in sorted {
        text.push_str(&row(record, width));
        text.push('\n');
    }
    text
}

/// One task's row, its name padded to `width`.
pub fn row(record: &ChainRecord, width: usize) -> String {
    let cells: Vec<String> = record
        .stages
        .iter()
        .map(|(agent, stage)| Cell(*agent, stage, record).to_string())
        .collect();
    format!("{:<width$}  {}", record.task.to_string(), cells.join("  "))
}

/// The failure text of a chain's failed stage, under its row.
pub fn failure_text(record: &ChainRecord) -> String {
    let mut text = row(record, 0);
    text.push('\n');
    for (agent, stage) in &record.stages {
        if let Stage::Failed(failure) = stage {
            text.push_str(&format!("\nthe {agent} stage broke the chain:\n{failure}"));
        }
    }
    text
}

#[cfg(feature = "cli")]
/// The JSON report of a chained run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always `fixture-kit-chain-report/1`.
    pub format: &'static str,
    /// Every task, sorted.
    pub tasks: Vec<TaskEntry>,
}

#[cfg(feature = "cli")]
/// One task in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct TaskEntry {
    /// `topic/task`.
    pub task: String,
    /// `topic::task::chain`.
    pub test: String,
    /// Whether no stage failed.
    pub passed: bool,
    /// The four stages, architect first.
    pub stages: Vec<StageEntry>,
}

#[cfg(feature = "cli")]
/// One stage in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct StageEntry {
    /// The agent.
    pub agent: Agent,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: StageOutcome,
}

#[cfg(feature = "cli")]
/// How a stage ended, tagged by `status`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StageOutcome {
    /// Passed every rule and matches its golden.
    Passed {
        /// Findings that did not fail.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<ViolationRecord>,
    },
    /// An update run wrote its golden.
    Updated {
        /// The golden written.
        golden: String,
    },
    /// A must-fail fixture failed as declared.
    FailedAsDeclared {
        /// The violation it failed with.
        violation: ViolationRecord,
    },
    /// It failed.
    Failed {
        /// The fixture folder.
        fixture: String,
        /// The failed checks.
        violations: Vec<ViolationRecord>,
        /// The golden-versus-actual diff.
        #[serde(skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
        /// What the agent answered (bounded), when it broke the contract.
        #[serde(skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
    },
    /// Not run: `after` broke the chain.
    NotReached {
        /// The stage that broke.
        after: Agent,
    },
    /// The task has no fixture for the agent.
    Absent,
}

#[cfg(feature = "cli")]
impl Report {
    /// The report of `records`, sorted by task.
    pub fn new(records: &[ChainRecord]) -> Report {
        let mut sorted: Vec<&ChainRecord> = records.iter().collect();
        sorted.sort_by(|a, b| a.task.cmp(&b.task));
        let records = |v: &[crate::rule::Violation]| v.iter().map(ViolationRecord::from).collect();
        let tasks = sorted
            .into_iter()
            .map(|record| TaskEntry {
                task: record.task.to_string(),
                test: super::test_name(&record.task),
                passed: record.passed(),
                stages: record
                    .stages
                    .iter()
                    .map(|(agent, stage)| StageEntry {
                        agent: *agent,
                        outcome: match stage {
                            Stage::Passed { warnings } => StageOutcome::Passed {
                                warnings: records(warnings),
                            },
                            Stage::Updated { golden } => StageOutcome::Updated {
                                golden: golden.clone(),
                            },
                            Stage::FailedAsDeclared(hit) => StageOutcome::FailedAsDeclared {
                                violation: hit.into(),
                            },
                            Stage::Failed(failure) => StageOutcome::Failed {
                                fixture: failure.fixture.clone(),
                                violations: records(&failure.violations),
                                diff: failure.diff.clone(),
                                answer: failure.answer.clone(),
                            },
                            Stage::NotReached { after } => {
                                StageOutcome::NotReached { after: *after }
                            }
                            Stage::Absent => StageOutcome::Absent,
                        },
                    })
                    .collect(),
            })
            .collect();
        Report {
            format: FORMAT,
            tasks,
        }
    }

    /// The report as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("reports serialize");
        text.push('\n');
        text
    }
}

#[cfg(feature = "cli")]
/// The JUnit XML of `records`: a `testsuite` per topic, a `testcase` per
/// stage that has a fixture (`classname` the task's chain test, `name` the
/// agent), a `failure` for a stage that failed, a `skipped` naming the
/// stage that broke for one not reached; each case's `system-out` says how
/// it ended.
pub fn junit(name: &str, records: &[ChainRecord]) -> String {
    let mut sorted: Vec<&ChainRecord> = records.iter().collect();
    sorted.sort_by(|a, b| a.task.cmp(&b.task));
    let cases: Vec<Case<'_>> = sorted
        .iter()
        .flat_map(|record| {
            record
                .stages
                .iter()
                .zip(record.wall_ms)
                .filter(|((_, stage), _)| !matches!(stage, Stage::Absent))
                .map(move |((agent, stage), ms)| Case {
                    record,
                    agent: *agent,
                    stage,
                    ms,
                })
        })
        .collect();
    let mut topics: Vec<&str> = cases.iter().map(|c| c.record.task.topic.as_str()).collect();
    topics.dedup();
    let failures = |of: &[&Case<'_>]| of.iter().filter(|c| c.stage.fails()).count().to_string();
    let skipped = |of: &[&Case<'_>]| {
        of.iter()
            .filter(|c| matches!(c.stage, Stage::NotReached { .. }))
            .count()
            .to_string()
    };
    let seconds = |of: &[&Case<'_>]| seconds(of.iter().map(|c| c.ms).sum());
    let all: Vec<&Case<'_>> = cases.iter().collect();
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("testsuites")
            .with_attributes([
                ("name", name),
                ("tests", &all.len().to_string()),
                ("failures", &failures(&all)),
                ("errors", "0"),
                ("time", &seconds(&all)),
            ])
            .write_inner_content(|w| {
                for topic in &topics {
                    let of: Vec<&Case<'_>> = cases
                        .iter()
                        .filter(|c| c.record.task.topic == *topic)
                        .collect();
                    w.create_element("testsuite")
                        .with_attributes([
                            ("name", *topic),
                            ("tests", &of.len().to_string()),
                            ("failures", &failures(&of)),
                            ("errors", "0"),
                            ("skipped", &skipped(&of)),
                            ("time", &seconds(&of)),
                        ])
                        .write_inner_content(|w| {
                            for case in &of {
                                case.write(w)?;
                            }
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    written.expect("writing XML to memory cannot fail");
    let mut xml = String::from_utf8(writer.into_inner()).expect("the writer wrote UTF-8");
    xml.push('\n');
    xml
}

#[cfg(feature = "cli")]
/// Milliseconds as JUnit's seconds.
fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

#[cfg(feature = "cli")]
/// One stage as a JUnit test case.
struct Case<'a> {
    record: &'a ChainRecord,
    agent: Agent,
    stage: &'a Stage,
    ms: u64,
}

#[cfg(feature = "cli")]
impl Case<'_> {
    fn write(&self, w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
        let test = super::test_name(&self.record.task);
        let element = w.create_element("testcase").with_attributes([
            ("name", self.agent.as_str()),
            ("classname", test.as_str()),
            ("time", &seconds(self.ms)),
        ]);
        let cell = Cell(self.agent, self.stage, self.record).to_string();
        element.write_inner_content(|w| {
            match self.stage {
                Stage::Failed(failure) => {
                    let text: String = failure
                        .violations
                        .iter()
                        .map(|v| format!("{v}\n"))
                        .collect();
                    w.create_element("failure")
                        .with_attributes([
                            ("type", "failed"),
                            ("message", &format!("the {} stage failed", self.agent)),
                        ])
                        .write_text_content(BytesText::new(&text))?;
                }
                Stage::NotReached { after } => {
                    w.create_element("skipped")
                        .with_attribute((
                            "message",
                            format!("not reached: {after} broke the chain").as_str(),
                        ))
                        .write_empty()?;
                }
                _ => {}
            }
            w.create_element("system-out")
                .write_text_content(BytesText::new(&cell))?;
            Ok(())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::TaskId;
    use crate::engine::Failure;
    use crate::rule::{Rule, Violation};

    fn record(task: &str, planner: Stage, later: Stage) -> ChainRecord {
        let (topic, task) = task.split_once('/').unwrap();
        ChainRecord {
            task: TaskId {
                topic: topic.into(),
                task: task.into(),
            },
            stages: [
                (Agent::Architect, Stage::Passed { warnings: vec![] }),
                (Agent::Planner, planner),
                (Agent::Coder, later.clone()),
                (Agent::Reviewer, later),
            ],
            wall_ms: [1, 2, 0, 0],
        }
    }

    fn broken() -> ChainRecord {
        let failure = Failure {
            fixture: "f/t-2/planner".into(),
            violations: vec![
                Violation::new(Rule::Pipeline, "task `t3` creates `x.ts`\nsecond line"),
                Violation::new(Rule::Golden, "differs"),
            ],
            diff: None,
            answer: None,
        };
        record(
            "f/t-2",
            Stage::Failed(failure),
            Stage::NotReached {
                after: Agent::Planner,
            },
        )
    }

    #[test]
    fn rows_are_sorted_padded_and_name_the_stage_that_broke() {
        let declared = Stage::FailedAsDeclared(Violation::new(Rule::Scope, "out of scope"));
        let records = [broken(), record("e/long-task", declared, Stage::Absent)];
        assert_eq!(
            rows(&records),
            "e/long-task  architect ✓  planner ✓ (failed as declared: scope)  coder ·  reviewer ·\n\
             f/t-2        architect ✓  planner ✗ (pipeline: task `t3` creates `x.ts`…; 1 more)  \
             coder – not reached (planner failed)  reviewer – not reached (planner failed)\n"
        );
    }

    #[cfg(feature = "cli")]
    #[test]
    fn the_reports_tag_each_stage_and_skip_those_not_reached() {
        let json = Report::new(&[broken()]).to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["tasks"][0]["test"], "f::t_2::chain");
        assert_eq!(value["tasks"][0]["stages"][1]["status"], "failed");
        assert_eq!(value["tasks"][0]["stages"][3]["status"], "not_reached");
        assert_eq!(value["tasks"][0]["stages"][3]["after"], "planner");
        let xml = junit("fixture-kit", &[broken()]);
        assert!(
            xml.contains(r#"<testcase name="planner" classname="f::t_2::chain" time="0.002">"#)
                && xml.contains(r#"<testsuite name="f" tests="4" failures="1" errors="0" skipped="2" time="0.003">"#)
                && xml.contains(r#"<failure type="failed" message="the planner stage failed">"#)
                && xml
                    .matches(r#"<skipped message="not reached: planner broke the chain"/>"#)
                    .count()
                    == 2,
            "{xml}"
        );
    }
}

//! A chained run's report: each task a row of four stages, as text, as a
//! JSON report (`fixture-kit-chain-report/1`) and as JUnit XML, sorted by
//! task (docs/CHAINING.md).

use std::fmt;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;

use super::{ChainRecord, Stage};
use crate::agent::Agent;
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

/// The JSON report of a chained run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always `fixture-kit-chain-report/1`.
    pub format: &'static str,
    /// Every task, sorted.
    pub tasks: Vec<TaskEntry>,
}

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

/// One stage in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct StageEntry {
    /// The agent.
    pub agent: Agent,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: StageOutcome,
}

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
                test: record.task.test_name(),
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

/// The JUnit XML of `records`: a `testsuite` per topic, a `testcase` per
/// stage that has a fixture (`classname` the task's chain test), a stage
/// not reached `skipped` naming the stage that broke.
pub fn junit(name: &str, records: &[ChainRecord]) -> String {
    let report = Report::new(records);
    let mut topics: Vec<&str> = records.iter().map(|r| r.task.topic.as_str()).collect();
    topics.sort_unstable();
    topics.dedup();
    let cases = |topic: Option<&str>| -> Vec<(&TaskEntry, &StageEntry)> {
        report
            .tasks
            .iter()
            .filter(|task| topic.is_none_or(|t| task.task.split('/').next() == Some(t)))
            .flat_map(|task| task.stages.iter().map(move |stage| (task, stage)))
            .filter(|(_, stage)| !matches!(stage.outcome, StageOutcome::Absent))
            .collect()
    };
    let count = |of: &[(&TaskEntry, &StageEntry)], failed: bool| {
        of.iter()
            .filter(|(_, s)| match s.outcome {
                StageOutcome::Failed { .. } => failed,
                StageOutcome::NotReached { .. } => !failed,
                _ => false,
            })
            .count()
            .to_string()
    };
    let all = cases(None);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("testsuites")
            .with_attributes([
                ("name", name),
                ("tests", &all.len().to_string()),
                ("failures", &count(&all, true)),
                ("errors", "0"),
                ("skipped", &count(&all, false)),
            ])
            .write_inner_content(|w| {
                for topic in &topics {
                    let of = cases(Some(topic));
                    w.create_element("testsuite")
                        .with_attributes([
                            ("name", *topic),
                            ("tests", &of.len().to_string()),
                            ("failures", &count(&of, true)),
                            ("errors", "0"),
                            ("skipped", &count(&of, false)),
                        ])
                        .write_inner_content(|w| {
                            for (task, stage) in &of {
                                testcase(w, task, stage)?;
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

fn testcase(w: &mut Writer<Vec<u8>>, task: &TaskEntry, stage: &StageEntry) -> std::io::Result<()> {
    let element = w.create_element("testcase").with_attributes([
        ("name", stage.agent.as_str()),
        ("classname", task.test.as_str()),
    ]);
    match &stage.outcome {
        StageOutcome::Failed { violations, .. } => {
            element.write_inner_content(|w| {
                let text: String = violations.iter().map(|v| format!("{v}\n")).collect();
                w.create_element("failure")
                    .with_attributes([
                        ("type", "failed"),
                        ("message", &format!("the {} stage failed", stage.agent)),
                    ])
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
        }
        StageOutcome::NotReached { after } => {
            element.write_inner_content(|w| {
                w.create_element("skipped")
                    .with_attribute((
                        "message",
                        format!("not reached: {after} broke the chain").as_str(),
                    ))
                    .write_empty()?;
                Ok(())
            })?;
        }
        _ => {
            element.write_empty()?;
        }
    }
    Ok(())
}

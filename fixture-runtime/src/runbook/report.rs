//! What a run found: per lane worked, broke or not reached, and for a
//! broken step everything needed to see why without running it again.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use super::Reason;

/// How many lines of an output a report keeps.
pub const TAIL_LINES: usize = 20;
/// How many bytes of those lines a report keeps at most.
pub const TAIL_BYTES: usize = 4096;

/// The result of [`run`](super::run).
#[derive(Debug, Clone)]
pub struct Report {
    /// The runbook file.
    pub runbook: PathBuf,
    /// Its `#` title.
    pub title: Option<String>,
    /// Every lane, in file order.
    pub lanes: Vec<LaneReport>,
    /// A problem that stopped the run before any lane (no temporary
    /// folder, an unknown lane asked for, a bad top-level `env`).
    pub problem: Option<String>,
}

/// One lane's outcome.
#[derive(Debug, Clone)]
pub struct LaneReport {
    /// The heading text.
    pub name: String,
    /// Its slug (the test name's last part, before sanitizing).
    pub slug: String,
    /// The heading's line.
    pub line: usize,
    /// What happened.
    pub status: LaneStatus,
    /// How many steps passed.
    pub steps_passed: usize,
    /// How many steps the lane has.
    pub steps: usize,
    /// Why it broke, or how it broke as it must.
    pub failure: Option<Failure>,
    /// Why it was not reached or skipped, or what its `must-fail` asked.
    pub note: Option<String>,
    /// How long the lane ran (`None` when it did not run).
    pub duration: Option<Duration>,
    /// How long each step that ran took, in the order they ran.
    pub timings: Vec<StepTime>,
}

/// How long one step took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTime {
    /// 1-based step within the lane.
    pub step: usize,
    /// The runbook line of the step.
    pub line: usize,
    /// From its start to its end, retries of `poll=` included.
    pub duration: Duration,
}

/// A lane's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneStatus {
    /// Every step passed.
    Worked,
    /// A `must-fail` lane broke for the reason it names.
    BrokeAsExpected,
    /// A step failed (or a `must-fail` lane did not fail as it must).
    Broke,
    /// A lane it needs broke or was not reached.
    NotReached,
    /// Not asked for, and not needed by the lane asked for.
    Skipped,
}

impl LaneStatus {
    /// The words reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            LaneStatus::Worked => "worked",
            LaneStatus::BrokeAsExpected => "broke as expected",
            LaneStatus::Broke => "broke",
            LaneStatus::NotReached => "not reached",
            LaneStatus::Skipped => "skipped",
        }
    }
}

/// A step that failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// 1-based step within the lane (`None` for the lane as a whole).
    pub step: Option<usize>,
    /// The runbook line of the step (or of the lane).
    pub line: usize,
    /// What ran: `$ command`, `GET url`, `daemon web: $ command`.
    pub action: Option<String>,
    /// Why, in the words `must-fail` uses.
    pub reason: Reason,
    /// What was expected and what happened.
    pub message: String,
    /// Expected versus actual, as a unified diff.
    pub diff: Option<String>,
    /// How the command ended, if it ran.
    pub exit_status: Option<String>,
    /// Tails of stdout, stderr, a response body, daemon logs: (label, text).
    pub tails: Vec<(String, String)>,
}

impl Report {
    /// Whether every lane run worked (or broke as it must).
    pub fn passed(&self) -> bool {
        self.problem.is_none()
            && self.lanes.iter().all(|lane| {
                matches!(
                    lane.status,
                    LaneStatus::Worked | LaneStatus::BrokeAsExpected | LaneStatus::Skipped
                )
            })
    }

    /// The report as JSON, for `--format json`.
    pub fn to_json(&self) -> Value {
        let lanes: Vec<Value> = self
            .lanes
            .iter()
            .map(|lane| {
                json!({
                    "name": lane.name,
                    "slug": lane.slug,
                    "line": lane.line,
                    "status": lane.status.as_str(),
                    "steps_passed": lane.steps_passed,
                    "steps": lane.steps,
                    "note": lane.note,
                    "failure": lane.failure.as_ref().map(Failure::to_json),
                    "duration_ms": lane.duration.map(millis),
                    "step_durations": lane.timings.iter().map(|t| json!({
                        "step": t.step,
                        "line": t.line,
                        "duration_ms": millis(t.duration),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "runbook": self.runbook.display().to_string(),
            "title": self.title,
            "passed": self.passed(),
            "problem": self.problem,
            "lanes": lanes,
        })
    }

    fn count(&self, status: LaneStatus) -> usize {
        self.lanes.iter().filter(|l| l.status == status).count()
    }
}

impl Failure {
    fn to_json(&self) -> Value {
        let tails: Vec<Value> = self
            .tails
            .iter()
            .map(|(label, text)| json!({"label": label, "text": text}))
            .collect();
        json!({
            "step": self.step,
            "line": self.line,
            "action": self.action,
            "reason": self.reason.as_str(),
            "message": self.message,
            "diff": self.diff,
            "exit_status": self.exit_status,
            "tails": tails,
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runbook {}", self.runbook.display())?;
        if let Some(title) = &self.title {
            write!(f, " ({title})")?;
        }
        writeln!(f)?;
        if let Some(problem) = &self.problem {
            writeln!(f, "  problem: {problem}")?;
        }
        for lane in &self.lanes {
            write!(f, "  {:<18} {}", lane.status.as_str(), lane.slug)?;
            let took = lane
                .duration
                .map_or(String::new(), |d| format!(", {}", seconds(d)));
            match lane.status {
                LaneStatus::Worked if lane.steps == 1 => write!(f, " (1 step{took})")?,
                LaneStatus::Worked => write!(f, " ({} steps{took})", lane.steps)?,
                LaneStatus::Broke | LaneStatus::BrokeAsExpected => {
                    match lane.failure.as_ref().and_then(|x| x.step) {
                        Some(step) => write!(f, " (at step {step} of {}{took})", lane.steps)?,
                        None if !took.is_empty() => write!(f, " ({})", &took[2..])?,
                        None => {}
                    }
                }
                _ => {}
            }
            writeln!(f)?;
            if !lane.timings.is_empty() {
                let steps: Vec<String> = lane
                    .timings
                    .iter()
                    .map(|t| format!("{} {}", t.step, seconds(t.duration)))
                    .collect();
                writeln!(f, "      steps took: {}", steps.join(", "))?;
            }
            if let Some(note) = &lane.note {
                writeln!(f, "      {note}")?;
            }
            if let Some(failure) = &lane.failure {
                write!(f, "{failure}")?;
            }
        }
        writeln!(
            f,
            "{}: {} worked, {} broke as expected, {} broke, {} not reached",
            if self.passed() { "passed" } else { "FAILED" },
            self.count(LaneStatus::Worked),
            self.count(LaneStatus::BrokeAsExpected),
            self.count(LaneStatus::Broke),
            self.count(LaneStatus::NotReached),
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pad = "      ";
        match self.step {
            Some(step) => writeln!(f, "{pad}step {step}, line {}", self.line)?,
            None => writeln!(f, "{pad}lane, line {}", self.line)?,
        }
        if let Some(action) = &self.action {
            writeln!(f, "{pad}{}", indent(action, pad).trim_start())?;
        }
        writeln!(f, "{pad}reason: {}", self.reason)?;
        writeln!(f, "{}", indent(&self.message, pad))?;
        if let Some(status) = &self.exit_status {
            writeln!(f, "{pad}exit: {status}")?;
        }
        if let Some(diff) = &self.diff {
            writeln!(f, "{pad}diff:")?;
            write!(f, "{}", indent(diff.trim_end(), &format!("{pad}  ")))?;
            writeln!(f)?;
        }
        for (label, text) in &self.tails {
            writeln!(f, "{pad}{label}:")?;
            writeln!(f, "{}", indent(text, &format!("{pad}  | ")))?;
        }
        Ok(())
    }
}

/// A duration as reports print it: `0.42s`.
fn seconds(duration: Duration) -> String {
    format!("{:.2}s", duration.as_secs_f64())
}

/// A duration in whole milliseconds, for JSON.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The last [`TAIL_LINES`] lines of an output, at most [`TAIL_BYTES`] of
/// them, saying how much was left out; `(empty)` for none.
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return "(empty)".to_owned();
    }
    let skip = lines.len().saturating_sub(TAIL_LINES);
    let mut kept = lines[skip..].join("\n");
    let mut out = Vec::new();
    if skip > 0 {
        out.push(format!("({skip} earlier lines left out)"));
    }
    if kept.len() > TAIL_BYTES {
        let mut cut = kept.len() - TAIL_BYTES;
        while !kept.is_char_boundary(cut) {
            cut += 1;
        }
        out.push(format!("({cut} earlier bytes of these lines left out)"));
        kept.drain(..cut);
    }
    out.push(kept);
    out.join("\n")
}

fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .map(|line| format!("{pad}{line}").trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines_and_says_so() {
        let text: Vec<String> = (1..=25).map(|i| i.to_string()).collect();
        let tail = tail(&text.join("\n"));
        assert!(
            tail.starts_with("(5 earlier lines left out)\n6\n"),
            "{tail}"
        );
        assert!(tail.ends_with("\n25"));
        assert_eq!(super::tail(""), "(empty)");
        let long = super::tail(&"x".repeat(TAIL_BYTES + 10));
        assert!(long.starts_with("(10 earlier bytes of these lines left out)\nxxx"));
        assert_eq!(long.lines().nth(1).unwrap().len(), TAIL_BYTES);
    }
}

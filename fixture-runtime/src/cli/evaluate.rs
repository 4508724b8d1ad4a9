//! The evaluation flags of `fixture-kit verify` (`--repeat`,
//! `--agent-retries`, `--partition`, `--junit`, `--report`) and
//! `fixture-kit report merge`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::Failed;

use super::case::Case;
use crate::eval::{junit, FixtureRecord, Partition, Plan, Report, Status, Summary, Verdict};
use crate::golden::write_atomic;

/// Flags for runs against real agents.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EvalArgs {
    /// Run each fixture's agent N times; a fixture passes when all runs
    /// pass, and is flaky when some do [default: the suite's, else 1].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    repeat: Option<u32>,
    /// Retry a run that failed on an API overload or rate limit up to N
    /// times, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 0)]
    agent_retries: u32,
    /// The pause before the first retry, in milliseconds; doubled each time.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    retry_backoff_ms: u64,
    /// Run only one shard of the fixtures: `count:K/N` or `hash:K/N`, as
    /// `cargo nextest run --partition`.
    #[arg(long, value_name = "SPEC")]
    partition: Option<Partition>,
    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a JSON report of every run of every fixture to PATH.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
}

/// One evaluation: its plan, and the records the trials hand in.
pub(crate) struct Evaluation {
    args: EvalArgs,
    plan: Plan,
    records: Mutex<Vec<FixtureRecord>>,
}

impl Evaluation {
    /// The evaluation `args` describe, over a suite that repeats
    /// `suite_repeat` times.
    pub(crate) fn new(args: EvalArgs, suite_repeat: u32) -> Arc<Evaluation> {
        let plan = Plan {
            repeat: args.repeat.unwrap_or(suite_repeat).max(1),
            retries: args.agent_retries,
            backoff: Duration::from_millis(args.retry_backoff_ms),
        };
        Arc::new(Evaluation {
            args,
            plan,
            records: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn plan(&self) -> Plan {
        self.plan
    }

    /// The cases of this shard.
    pub(crate) fn partition(&self, cases: Vec<Case>) -> Vec<Case> {
        self.partition_by(cases, Case::test_name)
    }

    /// The items of this shard, each named by `name`.
    pub(crate) fn partition_by<T>(&self, items: Vec<T>, name: impl Fn(&T) -> String) -> Vec<T> {
        match self.args.partition {
            Some(partition) => partition.select(items, name),
            None => items,
        }
    }

    /// Where the JUnit and the JSON report go, when asked for.
    pub(crate) fn report_paths(&self) -> (Option<&Path>, Option<&Path>) {
        (self.args.junit.as_deref(), self.args.report.as_deref())
    }

    /// Refuses repeats and retries, which a chained run does not do: each
    /// stage runs once.
    pub(crate) fn once(&self) -> Result<(), String> {
        if self.plan.repeat > 1 || self.args.agent_retries > 0 {
            return Err("--chain runs each stage once: drop --repeat and --agent-retries".into());
        }
        Ok(())
    }

    /// Keeps `record` and turns it into the trial's result.
    pub(crate) fn trial(&self, record: FixtureRecord) -> Result<(), Failed> {
        let runs = record.runs.len();
        for run in &record.runs {
            if let Some(golden) = &run.wrote {
                println!("fixture-kit: {}: wrote {golden}", record.fixture);
            }
        }
        if runs > 1 || record.runs.iter().any(|r| !r.retried_on.is_empty()) {
            let retried = record
                .runs
                .iter()
                .filter(|r| !r.retried_on.is_empty())
                .count();
            println!(
                "fixture-kit: {}: {} of {runs} runs passed{}{}",
                record.fixture,
                record.passed,
                if record.status == Status::Flaky {
                    " (flaky)"
                } else {
                    ""
                },
                if retried > 0 {
                    format!(", {retried} retried")
                } else {
                    String::new()
                }
            );
        }
        let result = outcome(&record);
        self.records
            .lock()
            .expect("no trial panics holding it")
            .push(record);
        result
    }

    /// Refuses the flags that `--format json` (one event stream, one run
    /// each) cannot honour.
    pub(crate) fn single_run(&self) -> Result<(), String> {
        let args = &self.args;
        if self.plan.repeat > 1
            || args.agent_retries > 0
            || args.junit.is_some()
            || args.report.is_some()
        {
            return Err(
                "--format json reports one run of each fixture: drop --repeat, \
                        --agent-retries, --junit and --report, or use the pretty format"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether a summary is worth printing: several runs, or a real agent.
    pub(crate) fn summarises(&self, real_agent: bool) -> bool {
        self.plan.repeat > 1 || real_agent
    }

    /// Prints the summary (when `print`) and writes the reports asked for.
    pub(crate) fn finish(&self, print: bool) -> Result<(), String> {
        let records = std::mem::take(&mut *self.records.lock().expect("trials are done"));
        let partition = self.args.partition.map(|p| p.to_string());
        let report = Report::new(self.plan.repeat, partition, records);
        if print {
            println!("{}", Summary::new(&report.fixtures, report.repeat));
        }
        write_reports(
            &report,
            self.args.junit.as_deref(),
            self.args.report.as_deref(),
        )
    }
}

fn write_reports(
    report: &Report,
    junit_path: Option<&Path>,
    json: Option<&Path>,
) -> Result<(), String> {
    if let Some(path) = json {
        report.write(path)?;
    }
    if let Some(path) = junit_path {
        write_atomic(path, junit("fixture-kit", &report.fixtures).as_bytes())
            .map_err(|err| format!("cannot write the JUnit report {}: {err}", path.display()))?;
    }
    Ok(())
}

/// `fixture-kit report …`.
#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Join the JSON reports of shards (`verify --partition … --report`)
    /// into one summary, and one JUnit and JSON file.
    Merge {
        /// The shards' JSON reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged JUnit XML to PATH.
        #[arg(long, value_name = "PATH")]
        junit: Option<PathBuf>,
        /// Write the merged JSON report to PATH.
        #[arg(long, value_name = "PATH")]
        report: Option<PathBuf>,
    },
}

/// Runs `report merge`: exit 0 when every fixture passed every run, 1
/// when not, 2 on bad input.
pub fn report(command: &ReportCommand) -> ExitCode {
    let ReportCommand::Merge {
        reports,
        junit,
        report,
    } = command;
    let merged = reports
        .iter()
        .map(|path| Report::read(path).map(|r| (path.display().to_string(), r)))
        .collect::<Result<Vec<_>, String>>()
        .and_then(Report::merge);
    let merged = match merged {
        Ok(merged) => merged,
        Err(message) => {
            eprintln!("fixture-kit report merge: {message}");
            return ExitCode::from(2);
        }
    };
    let summary = Summary::new(&merged.fixtures, merged.repeat);
    println!("{summary}");
    if let Err(message) = write_reports(&merged, junit.as_deref(), report.as_deref()) {
        eprintln!("fixture-kit report merge: {message}");
        return ExitCode::from(2);
    }
    if summary.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A record as a trial's result: every failed run's checks.
pub(crate) fn outcome(record: &FixtureRecord) -> Result<(), Failed> {
    let runs = record.runs.len();
    if record.status == Status::Passed {
        return Ok(());
    }

    let failed: Vec<String> = record
        .runs
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .map(|r| {
            let of = if runs > 1 {
                format!(" (run {} of {runs})", r.run)
            } else {
                String::new()
            };
            let n = r.violations.len();
            format!(
                "fixture {}{of} failed {n} check{}:\n{}",
                record.dir,
                if n == 1 { "" } else { "s" },
                r.failure_text()
            )
        })
        .collect();
    Err(Failed::from(failed.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_repeats_unless_the_flag_says_otherwise() {
        assert_eq!(Evaluation::new(EvalArgs::default(), 3).plan().repeat, 3);
        let flag = EvalArgs {
            repeat: Some(2),
            ..EvalArgs::default()
        };
        assert_eq!(Evaluation::new(flag, 3).plan().repeat, 2);
    }
}

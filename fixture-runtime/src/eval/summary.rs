//! The summary a person reads at the end of an evaluation run.

use std::collections::BTreeMap;
use std::fmt;

use super::{FixtureRecord, Status};
use crate::runner::{Transient, Usage};

/// Pass rates per agent and per topic, flaky and failed fixtures, retries
/// and the usage totals of a set of fixture records.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary<'a> {
    fixtures: &'a [FixtureRecord],
    repeat: u32,
}

/// Counts of one group (an agent or a topic).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    fixtures: usize,
    passed: usize,
    flaky: usize,
    failed: usize,
    runs: usize,
    runs_passed: usize,
}

impl Tally {
    fn count(&mut self, fixture: &FixtureRecord) {
        self.fixtures += 1;
        match fixture.status {
            Status::Passed => self.passed += 1,
            Status::Flaky => self.flaky += 1,
            Status::Failed => self.failed += 1,
        }
        self.runs += fixture.runs.len();
        self.runs_passed += fixture.passed as usize;
    }
}

impl<'a> Summary<'a> {
    /// The summary of `fixtures`, each run `repeat` times.
    pub fn new(fixtures: &'a [FixtureRecord], repeat: u32) -> Summary<'a> {
        Summary { fixtures, repeat }
    }

    /// Whether every fixture passed every run.
    pub fn all_passed(&self) -> bool {
        self.fixtures.iter().all(|f| f.status == Status::Passed)
    }

    /// The usage of every run that reported one, summed, and how many did.
    pub fn usage(&self) -> (Usage, usize) {
        let mut total = Usage::default();
        let mut reported = 0;
        for run in self.fixtures.iter().flat_map(|f| &f.runs) {
            if let Some(usage) = &run.usage {
                total.add(usage);
                reported += 1;
            }
        }
        (total, reported)
    }

    fn groups(&self, key: impl Fn(&FixtureRecord) -> &str) -> BTreeMap<String, Tally> {
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        for fixture in self.fixtures {
            groups
                .entry(key(fixture).to_owned())
                .or_default()
                .count(fixture);
        }
        groups
    }
}

fn rate(passed: usize, of: usize) -> String {
    if of == 0 {
        return "-".to_owned();
    }
    format!("{passed}/{of} ({:.1}%)", 100.0 * passed as f64 / of as f64)
}

fn table(f: &mut fmt::Formatter<'_>, title: &str, groups: &BTreeMap<String, Tally>) -> fmt::Result {
    writeln!(
        f,
        "  {title:<24} {:>8} {:>7} {:>6} {:>7}  runs passed",
        "fixtures", "passed", "flaky", "failed"
    )?;
    for (name, t) in groups {
        writeln!(
            f,
            "  {name:<24} {:>8} {:>7} {:>6} {:>7}  {}",
            t.fixtures,
            t.passed,
            t.flaky,
            t.failed,
            rate(t.runs_passed, t.runs)
        )?;
    }
    Ok(())
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut all = Tally::default();
        self.fixtures.iter().for_each(|fixture| all.count(fixture));
        writeln!(
            f,
            "fixture-kit evaluation: {} fixtures × {} run{}: {} passed, {} flaky, {} failed; runs \
             passed {}",
            all.fixtures,
            self.repeat,
            if self.repeat == 1 { "" } else { "s" },
            all.passed,
            all.flaky,
            all.failed,
            rate(all.runs_passed, all.runs)
        )?;
        table(f, "agent", &self.groups(|r| &r.agent))?;
        table(f, "topic", &self.groups(|r| &r.topic))?;
        for (label, status) in [("flaky", Status::Flaky), ("failed", Status::Failed)] {
            for fixture in self.fixtures.iter().filter(|r| r.status == status) {
                writeln!(
                    f,
                    "  {label}: {} ({} of {} runs passed)",
                    fixture.fixture,
                    fixture.passed,
                    fixture.runs.len()
                )?;
            }
        }
        let retried: Vec<Transient> = self
            .fixtures
            .iter()
            .flat_map(|r| &r.runs)
            .flat_map(|run| run.retried_on.iter().copied())
            .collect();
        let runs_retried = self
            .fixtures
            .iter()
            .flat_map(|r| &r.runs)
            .filter(|run| !run.retried_on.is_empty())
            .count();
        if runs_retried > 0 {
            let of = |kind| retried.iter().filter(|t| **t == kind).count();
            writeln!(
                f,
                "  retried: {runs_retried} run{} ({} retries: {} overloaded, {} rate limited)",
                if runs_retried == 1 { "" } else { "s" },
                retried.len(),
                of(Transient::Overloaded),
                of(Transient::RateLimited)
            )?;
        }
        let (usage, reported) = self.usage();
        let number = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
        write!(
            f,
            "  totals ({reported} of {} runs reported usage): cost ${}, input tokens {}, output \
             tokens {}, cache-read tokens {}, agent time {}, turns {}",
            all.runs,
            usage
                .cost_usd
                .map_or_else(|| "-".to_owned(), |c| format!("{c:.4}")),
            number(usage.input_tokens),
            number(usage.output_tokens),
            number(usage.cache_read_input_tokens),
            usage.duration_ms.map_or_else(
                || "-".to_owned(),
                |ms| format!("{:.1}s", ms as f64 / 1000.0)
            ),
            number(usage.num_turns)
        )
    }
}

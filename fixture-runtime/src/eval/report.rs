//! The JSON report: every run of every fixture; shards merge into one.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::FixtureRecord;
use crate::golden::write_atomic;

/// The `format` a report declares.
pub const FORMAT: &str = "fixture-kit-report/1";

/// A JSON report (docs/REPORTS.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always `fixture-kit-report/1`.
    pub format: String,
    /// Runs per fixture.
    pub repeat: u32,
    /// The partitions (`hash:1/2`) this report covers; empty for a whole run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<String>,
    /// Every fixture run, sorted by fixture.
    pub fixtures: Vec<FixtureRecord>,
}

impl Report {
    /// A report of `fixtures`, sorted.
    pub fn new(repeat: u32, partition: Option<String>, mut fixtures: Vec<FixtureRecord>) -> Report {
        fixtures.sort_by(|a, b| a.fixture.cmp(&b.fixture));
        Report {
            format: FORMAT.to_owned(),
            repeat,
            partitions: partition.into_iter().collect(),
            fixtures,
        }
    }

    /// Writes the report as pretty JSON.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).expect("reports serialize");
        text.push('\n');
        write_atomic(path, text.as_bytes())
            .map(drop)
            .map_err(|err| format!("cannot write the report {}: {err}", path.display()))
    }

    /// Reads a report written by [`Report::write`].
    pub fn read(path: &Path) -> Result<Report, String> {
        let text = fs::read_to_string(path)
            .map_err(|err| format!("cannot read the report {}: {err}", path.display()))?;
        let mut de = serde_json::Deserializer::from_str(&text);
        let report: Report = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            format!(
                "{}: not a fixture-kit report at `{}`: {}",
                path.display(),
                err.path(),
                err.inner()
            )
        })?;
        if report.format != FORMAT {
            return Err(format!(
                "{}: report format `{}`, expected `{FORMAT}`",
                path.display(),
                report.format
            ));
        }
        Ok(report)
    }

    /// Joins the reports of shards of one run: the same `repeat`, no fixture
    /// twice.
    pub fn merge(reports: Vec<(String, Report)>) -> Result<Report, String> {
        let mut repeat = None;
        let mut seen = BTreeSet::new();
        let mut partitions = Vec::new();
        let mut fixtures = Vec::new();
        for (name, report) in reports {
            if *repeat.get_or_insert(report.repeat) != report.repeat {
                return Err(format!(
                    "{name}: ran each fixture {} times, the reports before it {} times: \
                     merge shards of one run",
                    report.repeat,
                    repeat.unwrap_or_default()
                ));
            }
            for fixture in report.fixtures {
                if !seen.insert(fixture.fixture.clone()) {
                    return Err(format!(
                        "{name}: fixture {} is in two reports: were the shards partitioned \
                         the same way?",
                        fixture.fixture
                    ));
                }
                fixtures.push(fixture);
            }
            partitions.extend(report.partitions);
        }
        partitions.sort();
        let mut merged = Report::new(repeat.unwrap_or(1), None, fixtures);
        merged.partitions = partitions;
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_of_different_runs_are_not_merged() {
        let shard = |repeat| {
            (
                format!("r{repeat}.json"),
                Report::new(repeat, None, Vec::new()),
            )
        };
        let err = Report::merge(vec![shard(3), shard(1)]).unwrap_err();
        assert!(err.contains("r1.json: ran each fixture 1 times"), "{err}");
        assert_eq!(Report::merge(vec![shard(2), shard(2)]).unwrap().repeat, 2);
    }
}

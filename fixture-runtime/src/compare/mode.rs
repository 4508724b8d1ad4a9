//! The comparison mode: a suite's default, overridden by a fixture's
//! `"compare"` in `fixture.json`.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::fixture::Fixture;

/// How an actual output is compared with its golden.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The same typed content, field by field (the default).
    #[default]
    Exact,
    /// The same meaning, per agent: a patch's effect on `repo/`, a plan up
    /// to task ids, a review's decision and blocking comments, an
    /// architecture's APIs, models and files as sets.
    Semantic,
}

impl Mode {
    /// The mode for `fixture`: its `"compare"` overrides `self` (the suite's).
    pub fn for_fixture(self, fixture: &Fixture) -> Mode {
        fixture.constraints.compare.unwrap_or(self)
    }

    /// The name used in `fixture.json` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Exact => "exact",
            Mode::Semantic => "semantic",
        }
    }
}

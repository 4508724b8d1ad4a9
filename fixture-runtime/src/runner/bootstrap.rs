//! The bootstrap runner: actual output = golden.

use super::{RunError, Runner};
use crate::fixture::Fixture;

/// The actual output is the golden itself, as legacy kits do: the suite
/// exercises contracts and rules before any real agent is wired.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bootstrap;

impl Runner for Bootstrap {
    fn name(&self) -> &str {
        "bootstrap"
    }

    fn is_real_agent(&self) -> bool {
        false
    }

    fn run(&self, fixture: &Fixture) -> Result<String, RunError> {
        fixture.golden.clone().ok_or_else(|| {
            RunError::new(format!(
                "missing golden {}: the bootstrap runner replays the golden, so there is \
                 nothing to run",
                fixture.display_golden()
            ))
            .hint("write the golden by hand: `fixture-kit new` adds a skeleton to fill in")
        })
    }
}

//! A suite's settings: which runner, which schema mode, which comparison
//! mode.

use crate::compare::Mode;
use crate::runner::{Bootstrap, Runner};
use crate::verify::Schema;

/// What the function under `#[fixture_suite]` returns.
pub struct Suite {
    pub(crate) runner: Box<dyn Runner>,
    pub(crate) schema: Schema,
    pub(crate) compare: Mode,
    pub(crate) repeat: u32,
}

impl Suite {
    /// The bootstrap runner (actual = golden) and strict contracts.
    pub fn new() -> Suite {
        Suite {
            runner: Box::new(Bootstrap),
            schema: Schema::Strict,
            compare: Mode::Exact,
            repeat: 1,
        }
    }

    /// Produces actual outputs with `runner`.
    pub fn runner(mut self, runner: impl Runner + 'static) -> Suite {
        self.runner = Box::new(runner);
        self
    }

    /// Reports unknown JSON fields as warnings instead of errors (a fixture
    /// can still override this in `fixture.json`).
    pub fn legacy(mut self, on: bool) -> Suite {
        self.schema = if on { Schema::Legacy } else { Schema::Strict };
        self
    }

    /// Compares actual outputs with goldens in `mode` (a fixture can still
    /// override this in `fixture.json`).
    pub fn compare(mut self, mode: Mode) -> Suite {
        self.compare = mode;
        self
    }

    /// Runs each fixture's agent `times` times under `fixture-kit verify`,
    /// the run-time harness (`--repeat` overrides it) and the generated
    /// tests (once in an update run); a fixture passes when every run does.
    pub fn repeat(mut self, times: u32) -> Suite {
        self.repeat = times.max(1);
        self
    }

    /// The runner in use.
    pub fn agent_runner(&self) -> &dyn Runner {
        self.runner.as_ref()
    }
}

impl Default for Suite {
    fn default() -> Suite {
        Suite::new()
    }
}

//! fixture-kit: golden fixtures, replay scenarios and runbooks for AI
//! coding-agent pipelines, as ordinary Rust tests.
//!
//! ```ignore
//! use fixture_kit::{fixture_suite, Suite};
//!
//! #[fixture_suite(fixtures = "fixtures")]
//! fn suite() -> Suite {
//!     Suite::new()
//! }
//! ```
//!
//! See the README for the fixture layout and the build-script line.

pub use fixture_macros::{fixture_suite, runbook_suite, scenario_suite};
pub use fixture_runtime::*;

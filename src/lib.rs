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
//!
//! Cargo features, both on by default: `cli` (the `fixture-kit` command and
//! `cli::harness`) and `runbooks` (`#[runbook_suite]`, [`runbook`]). A
//! crate with golden fixtures or replay scenarios only can leave them off
//! (`default-features = false`, here and on its `fixture-runtime`
//! build-dependency) and builds no CLI stack, Markdown parser or HTTP
//! client.

#[cfg(feature = "runbooks")]
pub use fixture_macros::runbook_suite;
pub use fixture_macros::{fixture_suite, scenario_suite};
pub use fixture_runtime::*;

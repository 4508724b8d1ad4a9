//! The runtime of fixture-kit: discovery, loading, agent runners, contracts,
//! verification, golden updates and reporting; replay scenarios
//! ([`scenario`]) and secret scrubbing ([`scrub`]).
//!
//! Data flows discover → generate (the `#[fixture_suite]` macro) → load →
//! run agent → verify → report or update; see `docs/ARCHITECTURE.md`.
//!
//! Cargo features (both on by default): `cli`, the `fixture-kit` command,
//! the run-time harness and evaluation reports ([`cli`], [`eval`]; clap,
//! libtest-mimic, quick-xml); `runbooks`, Markdown runbooks with HTTP and
//! SSE steps ([`runbook`]; pulldown-cmark, ureq, serde_json_path). Golden
//! fixtures, runners and replay scenarios need neither:
//! `default-features = false` builds only them.

pub mod agent;
pub mod build;
pub mod chain;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compare;
pub mod constraints;
pub mod contract;
pub mod discover;
pub mod engine;
pub mod env;
#[cfg(feature = "cli")]
pub mod eval;
pub mod fixture;
pub mod golden;
pub mod golden_path;
pub mod json_path;
pub mod manifest;
pub mod messages;
pub mod naming;
pub mod pending;
pub mod process;
pub mod repo;
pub mod rule;
pub mod rules;
#[cfg(feature = "runbooks")]
pub mod runbook;
pub mod runner;
pub mod scenario;
pub mod scrub;
pub mod skeleton;
pub mod suggest;
pub mod suite;
pub mod task;
pub mod untrusted;
pub mod verify;

#[doc(hidden)]
pub mod __private;

pub use agent::Agent;
pub use fixture::Fixture;
pub use rule::{Rule, Violation};
#[cfg(feature = "runbooks")]
pub use runbook::RunbookSuite;
pub use runner::Runner;
pub use scenario::ScenarioSuite;
pub use suite::Suite;

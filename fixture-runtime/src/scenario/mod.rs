//! Replay scenarios: recorded agent-CLI sessions (cassettes) replayed
//! deterministically into an orchestrator under test, with fault injection.
//!
//! ```text
//! <scenarios>/<name>/scenario.json                   manifest
//! <scenarios>/<name>/sessions/NNN_<step>/input.json   what was asked
//!                                        stdout.jsonl the CLI's stream-json
//!                                        session_log.jsonl
//!                                        metadata.json
//! ```
//!
//! An orchestrator calls agent CLIs through [`CliRunner`]: [`RealCli`] runs
//! them, [`RecordingCli`] runs and records them, [`ReplayCli`] serves the
//! recordings back. `docs/SCENARIOS.md` describes the format and the API.

pub mod cassette;
pub mod discover;
pub mod fault;
pub mod manifest;
pub mod normalise;
pub mod player;
pub mod problem;
pub mod process;
pub mod record;
pub mod shim;
pub mod stream_json;
pub mod suite;
pub mod validate;

pub use cassette::{Cassette, SessionInput, SessionMetadata};
pub use fault::{Fault, OverloadShape};
pub use manifest::{CommandSummary, RecorderInfo, ScenarioManifest, StepRecord};
pub use player::{LoggedCall, RecordedCall, ReplayCli, ScenarioPlayer, SessionMap};
pub use problem::Problem;
pub use process::{CallKind, CliCall, CliError, CliOutput, CliRunner, RealCli};
pub use record::{RecordingCli, RECORD_SCENARIO_DIR};
pub use suite::ScenarioSuite;
pub use validate::{validate, validate_tree, validate_with, Limits};

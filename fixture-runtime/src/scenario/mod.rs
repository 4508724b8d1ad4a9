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
//! recordings back. A scenario may also be in the autoskillit recorder's
//! layout; [`layout`] reads and writes both. `docs/SCENARIOS.md` describes
//! the formats and the API.

pub mod cassette;
pub mod discover;
pub mod fault;
pub mod layout;
pub mod manifest;
pub mod normalise;
pub mod player;
pub mod problem;
pub mod process;
pub mod record;
pub mod shim;
pub mod show;
pub mod stream_json;
pub mod strip;
pub mod suite;
pub mod upgrade;
pub mod validate;

pub use cassette::{Cassette, SessionInput, SessionMetadata};
pub use fault::{Fault, OverloadShape};
pub use layout::{Layout, Scenario};
pub use manifest::{CommandSummary, RecorderInfo, ScenarioManifest, SchemaVersion, StepRecord};
pub use player::{LoggedCall, RecordedCall, ReplayCli, ScenarioPlayer, SessionMap};
pub use problem::Problem;
pub use process::{CallKind, CliCall, CliError, CliOutput, CliRunner, RealCli};
pub use record::{RecordingCli, RECORD_SCENARIO_DIR};
pub use strip::StripPath;
pub use suite::ScenarioSuite;
pub use upgrade::{upgrade, Upgraded};
pub use validate::{validate, validate_tree, validate_with, Limits};

//! A drop-in agent CLI: `fixture-kit scenario record|replay DIR -- COMMAND`
//! puts a shim named for the CLI (`claude`) first on COMMAND's `PATH`, so an
//! orchestrator in any language is recorded and replayed without changes.
//!
//! Each call the orchestrator makes starts one shim process ([`call`]) that
//! asks the run ([`server`]) over a Unix socket which recording answers it
//! ([`matching`], [`fault_spec`]), or runs the real CLI with everything
//! passed through and hands its output to the recorder. Unix only.

pub mod call;
pub mod fault_spec;
mod launcher;
pub mod matching;
pub mod mode;
pub mod pacing;
pub mod protocol;
pub mod run;
pub mod server;

pub use fault_spec::{FaultKind, ShimFault};
pub use matching::{FieldNormaliser, MatchConfig, MatchField, NormalisedField};
pub use mode::RecordMode;
pub use run::{run, Ended, Options, Report, STEP_ENV};
pub use server::{LoggedShimCall, Outcome};

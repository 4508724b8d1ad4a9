//! Supervising the processes fixture-kit starts: runbook steps and daemons,
//! agent CLIs. Each runs as a [`Tree`] that holds every process it starts,
//! also those that leave its process group or session; its output is kept
//! within bounds by [`Capture`]; a `SIGTERM`, `SIGINT` or `SIGHUP` to
//! fixture-kit stops every tree (see [`interrupt`]).

mod capture;
pub mod interrupt;
mod tree;

pub use capture::{join_reader, Capture, Captured, CUT_MARK};
#[cfg(all(test, target_os = "linux"))]
pub(crate) use tree::alive;
pub use tree::{describe, pipe, Tree};

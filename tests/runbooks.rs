//! The bundled runbooks: one test per lane under `runbooks/`, named
//! `runbooks::<file>::<lane>`; `cargo test runbooks::` runs them all.

use fixture_kit::{runbook_suite, RunbookSuite};

#[runbook_suite(runbooks = "runbooks")]
fn runbooks() -> RunbookSuite {
    RunbookSuite::new()
        .var("fixture_kit", env!("CARGO_BIN_EXE_fixture-kit"))
        .var("project_dir", env!("CARGO_MANIFEST_DIR"))
}

//! The bundled corpus: one test per agent fixture under `fixtures/`.

use fixture_kit::{fixture_suite, Suite};

#[fixture_suite(fixtures = "fixtures")]
fn suite() -> Suite {
    Suite::new()
}

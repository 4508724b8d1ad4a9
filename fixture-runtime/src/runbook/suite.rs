//! The settings of a `#[runbook_suite]`: variables its runbooks may use
//! beyond the built-ins.

/// What the function under `#[runbook_suite]` returns.
///
/// ```ignore
/// #[fixture_kit::runbook_suite(runbooks = "runbooks")]
/// fn runbooks() -> fixture_kit::RunbookSuite {
///     fixture_kit::RunbookSuite::new()
///         .var("fixture_kit", env!("CARGO_BIN_EXE_fixture-kit"))
///         .var("project_dir", env!("CARGO_MANIFEST_DIR"))
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunbookSuite {
    vars: Vec<(String, String)>,
}

impl RunbookSuite {
    /// No extra variables.
    pub fn new() -> RunbookSuite {
        RunbookSuite::default()
    }

    /// Adds `{{name}}` for every runbook of the suite.
    pub fn var(mut self, name: &str, value: impl Into<String>) -> RunbookSuite {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    /// The extra variables, in the order added.
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }
}

//! The `#[fixture_suite]` attribute of fixture-kit.
//!
//! A thin crate: `args` parses the attribute, `manifest` reads the tree
//! the build script discovered, `expand` writes one `#[test]` per agent
//! fixture that calls into `fixture_kit::__private`. All logic lives in
//! `fixture-runtime`.

mod args;
mod expand;
mod manifest;

use proc_macro::TokenStream;

/// Generates one `#[test]` per agent fixture, nested as `topic::task::agent`,
/// beside the function it annotates.
///
/// ```ignore
/// use fixture_kit::{fixture_suite, Suite};
///
/// #[fixture_suite(fixtures = "fixtures")]
/// fn suite() -> Suite {
///     Suite::new()
/// }
/// ```
///
/// The annotated function builds the suite's settings (runner, legacy
/// mode); every generated test calls it. `fixtures` (default `"fixtures"`)
/// is the folder, relative to the package, that `build.rs` discovers with
/// `fixture_runtime::build::fixtures("fixtures")`. A malformed tree is a
/// `compile_error!` here, naming each path at fault.
#[proc_macro_attribute]
pub fn fixture_suite(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let expanded = match args::Args::parse(attr.into(), "fixtures") {
        Ok(args) => expand::suite(&args, item),
        Err(err) => {
            let err = err.to_compile_error();
            quote::quote!(#err #item)
        }
    };
    expanded.into()
}

/// Generates the tests of a replay-scenario suite, `scenarios::<name>::<case>`,
/// beside the function it annotates (which returns the suite's settings).
/// `scenarios` (default `"scenarios"`) is discovered by
/// `fixture_runtime::build::scenarios` in `build.rs`.
#[proc_macro_attribute]
pub fn scenario_suite(attr: TokenStream, item: TokenStream) -> TokenStream {
    cases(
        attr,
        item,
        "scenarios",
        "run_scenario",
        "malformed scenario",
    )
}

/// Generates the tests of a runbook suite, `runbooks::<file>::<lane>`,
/// beside the function it annotates (which returns the suite's settings).
/// `runbooks` (default `"runbooks"`) is discovered by
/// `fixture_runtime::build::runbooks` in `build.rs`.
#[proc_macro_attribute]
pub fn runbook_suite(attr: TokenStream, item: TokenStream) -> TokenStream {
    cases(attr, item, "runbooks", "run_runbook", "malformed runbook")
}

fn cases(
    attr: TokenStream,
    item: TokenStream,
    key: &str,
    runner: &str,
    malformed: &str,
) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let expanded = match args::Args::parse(attr.into(), key) {
        Ok(args) => expand::cases(&args, item, runner, malformed),
        Err(err) => {
            let err = err.to_compile_error();
            quote::quote!(#err #item)
        }
    };
    expanded.into()
}

//! `fixture-kit scenario show`, `convert` and `upgrade`: reading a
//! recorded scenario in either layout, and rewriting it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::scenario::LimitArgs;
use crate::scenario::layout::{self, Layout};
use crate::scenario::{show, SchemaVersion};

/// Flags of `fixture-kit scenario show`.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// A scenario folder, in fixture-kit's layout or autoskillit's.
    dir: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Flags of `fixture-kit scenario convert`.
#[derive(clap::Args)]
pub struct ConvertArgs {
    /// The scenario folder to convert.
    dir: PathBuf,
    /// The layout to write.
    #[arg(long, value_enum)]
    to: Layout,
    /// Where to write it: a new or empty folder; the scenario's own folder
    /// when absent (replaced all at once).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Flags of `fixture-kit scenario upgrade`.
#[derive(clap::Args)]
pub struct UpgradeArgs {
    /// The scenario folder to upgrade in place.
    dir: PathBuf,
}

/// Runs `scenario show`: the step map on stdout.
pub fn show(args: &ShowArgs) -> ExitCode {
    let limits = args.limits.limits();
    match layout::load(&args.dir) {
        Ok(scenario) => {
            print!("{}", show::render(&scenario, &limits));
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("fixture-kit scenario show: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `scenario convert`.
pub fn convert(args: &ConvertArgs) -> ExitCode {
    let scenario = match layout::load(&args.dir) {
        Ok(scenario) => scenario,
        Err(problem) => {
            eprintln!("fixture-kit scenario convert: {problem}");
            return ExitCode::FAILURE;
        }
    };
    let out = args.out.as_ref().unwrap_or(&args.dir);
    if args.out.is_none() && scenario.layout == args.to {
        println!(
            "{}: already in the {} layout; nothing written",
            args.dir.display(),
            args.to
        );
        return ExitCode::SUCCESS;
    }
    match layout::write(&scenario, args.to, out) {
        Ok(()) => {
            println!(
                "{}: {} layout written to {} (from the {} layout; docs/SCENARIOS.md says what \
                 each direction keeps)",
                args.dir.display(),
                args.to,
                out.display(),
                scenario.layout
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("fixture-kit scenario convert: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `scenario upgrade`: one line per rewritten file.
pub fn upgrade(args: &UpgradeArgs) -> ExitCode {
    match crate::scenario::upgrade(&args.dir) {
        Ok(upgraded) => {
            for path in &upgraded.rewritten {
                println!("rewritten: {}", args.dir.join(path).display());
            }
            let what = if upgraded.rewritten.is_empty() {
                "already current; nothing rewritten".to_owned()
            } else {
                format!("{} files rewritten", upgraded.rewritten.len())
            };
            println!(
                "{}: schema_version {} to {}: {what}",
                args.dir.display(),
                upgraded.from.number(),
                SchemaVersion::CURRENT.number()
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("fixture-kit scenario upgrade: {problem}");
            ExitCode::FAILURE
        }
    }
}

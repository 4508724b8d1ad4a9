//! `fixture-kit runbook run FILE`: runs a runbook and reports every lane.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::runbook::{run, Options, Runbook};

/// `fixture-kit runbook ...`.
#[derive(clap::Subcommand)]
pub enum RunbookCommand {
    /// Run a runbook: per lane worked / broke / not reached, and why.
    Run(RunArgs),
}

/// Output formats of `runbook run`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Pretty,
    Json,
}

/// Flags of `fixture-kit runbook run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The runbook (Markdown).
    file: PathBuf,
    /// Run only this lane (by slug) and the lanes it needs.
    #[arg(long)]
    lane: Option<String>,
    /// A variable for `{{NAME}}`, as NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// pretty (default) or json.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

/// Runs `runbook ...`: exit 0 when every lane worked (or broke as
/// declared), 1 when one broke, 2 when the runbook does not parse.
pub fn run_command(command: &RunbookCommand) -> ExitCode {
    let RunbookCommand::Run(args) = command;
    let runbook = match Runbook::load(&args.file) {
        Ok(runbook) => runbook,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    // Built-ins a runbook can use to drive this very command.
    let mut vars = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        vars.push(("fixture_kit".to_owned(), exe.display().to_string()));
    }
    if let Ok(cwd) = std::env::current_dir() {
        vars.push(("project_dir".to_owned(), cwd.display().to_string()));
    }
    vars.extend(args.vars.iter().cloned());
    let options = Options {
        lane: args.lane.clone(),
        vars,
    };
    let report = run(&runbook, &options);
    match args.format {
        Format::Pretty => print!("{report}"),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).expect("a report serializes")
        ),
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

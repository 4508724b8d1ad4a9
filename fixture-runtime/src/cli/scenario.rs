//! `fixture-kit scrub` and `fixture-kit scenario validate`.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::scenario::{validate_tree, Limits};
use crate::scrub::Scrubber;

/// Flags of `fixture-kit scrub`.
#[derive(clap::Args)]
pub struct ScrubArgs {
    /// The file to scrub; stdin when absent.
    file: Option<PathBuf>,
}

/// Runs `scrub`: the scrubbed text on stdout.
pub fn scrub(args: &ScrubArgs) -> ExitCode {
    let text = match &args.file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| format!("{}: cannot read: {err}", path.display())),
        None => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map(|_| text)
                .map_err(|err| format!("stdin: cannot read: {err}"))
        }
    };
    match text {
        Ok(text) => {
            let scrubbed = Scrubber::global().scrub(&text);
            match io::stdout().write_all(scrubbed.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(message) => {
            eprintln!("fixture-kit scrub: {message}");
            ExitCode::from(2)
        }
    }
}

/// `fixture-kit scenario ...`.
#[derive(clap::Subcommand)]
pub enum ScenarioCommand {
    /// Check recorded scenarios: one line per problem, non-zero exit when any.
    Validate(ValidateArgs),
}

/// Flags of `fixture-kit scenario validate`.
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// A scenario folder, or a folder of scenarios.
    dir: PathBuf,
    /// Largest `stdout.jsonl`, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_stdout_bytes: Option<u64>,
    /// Largest scenario, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_scenario_bytes: Option<u64>,
}

/// Runs `scenario ...`.
pub fn run(command: &ScenarioCommand) -> ExitCode {
    let ScenarioCommand::Validate(args) = command;
    let defaults = Limits::default();
    let limits = Limits {
        max_stdout_bytes: args.max_stdout_bytes.unwrap_or(defaults.max_stdout_bytes),
        max_scenario_bytes: args
            .max_scenario_bytes
            .unwrap_or(defaults.max_scenario_bytes),
    };
    let problems = validate_tree(&args.dir, &limits);
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!("{}: valid", args.dir.display());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

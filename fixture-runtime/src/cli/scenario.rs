//! `fixture-kit scrub` and `fixture-kit scenario validate`, and the
//! `scenario` subcommands.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::scenario_files;
use crate::scenario::shim::RecordMode;
use crate::scenario::{validate_tree, Limits};
use crate::scrub::{ScrubConfig, Scrubber};

/// Flags of `fixture-kit scrub`.
#[derive(clap::Args)]
pub struct ScrubArgs {
    /// The file to scrub; stdin when absent.
    file: Option<PathBuf>,
    /// One more kind of secret, as KIND=REGEX (repeatable); a group named
    /// `secret` is the part replaced, else the whole match.
    #[arg(long = "pattern", value_name = "KIND=REGEX")]
    patterns: Vec<String>,
    /// Keep found secrets this regular expression matches as a whole
    /// (repeatable).
    #[arg(long = "allow", value_name = "REGEX")]
    allow: Vec<String>,
    /// A JSON file of patterns and allowed values, the shape of
    /// scenario.json's `scrub` field:
    /// {"patterns": [{"kind": "...", "regex": "..."}], "allow": ["..."]}.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The scrubber `args` ask for: the built-in rules, the config file's and
/// the flags' patterns and allowed values.
fn scrubber(args: &ScrubArgs) -> Result<Option<Scrubber>, String> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|err| format!("{}: cannot read: {err}", path.display()))?;
            serde_json::from_str::<ScrubConfig>(&text)
                .map_err(|err| format!("{}: not a scrub configuration: {err}", path.display()))?
        }
        None => ScrubConfig::default(),
    };
    for pattern in &args.patterns {
        config
            .patterns
            .push(ScrubConfig::parse_pattern(pattern).map_err(|err| format!("--pattern {err}"))?);
    }
    config.allow.extend(args.allow.iter().cloned());
    if config.is_empty() {
        return Ok(None);
    }
    Scrubber::with_config(&config).map(Some).map_err(|err| {
        let source = args
            .config
            .as_ref()
            .map_or("--pattern/--allow".to_owned(), |path| {
                path.display().to_string()
            });
        format!("{source}: {err}")
    })
}

/// Runs `scrub`: the scrubbed text on stdout.
pub fn scrub(args: &ScrubArgs) -> ExitCode {
    let scrubber = match scrubber(args) {
        Ok(scrubber) => scrubber,
        Err(message) => {
            eprintln!("fixture-kit scrub: {message}");
            return ExitCode::from(2);
        }
    };
    let scrubber = scrubber.as_ref().unwrap_or_else(|| Scrubber::global());
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
            let scrubbed = scrubber.scrub(&text);
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
    /// Print a scenario's step map: steps in order, the calls of each
    /// step, sizes against the budgets.
    Show(scenario_files::ShowArgs),
    /// Rewrite a scenario in another layout (fixture-kit's or autoskillit's).
    Convert(scenario_files::ConvertArgs),
    /// Rewrite an old scenario to the current schema_version and
    /// normalisation, in place.
    Upgrade(scenario_files::UpgradeArgs),
    /// Run COMMAND with a shim for the agent CLI first on PATH, recording
    /// each call: `record DIR [--as claude] -- COMMAND ARGS…`.
    Record(super::shim::ShimArgs),
    /// Run COMMAND with a shim that serves the recorded calls:
    /// `replay DIR [--fault SPEC]… -- COMMAND ARGS…`.
    Replay(super::shim::ShimArgs),
}

/// Flags of `fixture-kit scenario validate`.
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// A scenario folder, or a folder of scenarios.
    dir: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The size budgets of `scenario validate` and `scenario show`.
#[derive(clap::Args)]
pub(super) struct LimitArgs {
    /// The budget of one session's `stdout.jsonl`, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_stdout_bytes: Option<u64>,
    /// The budget of the whole scenario, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_scenario_bytes: Option<u64>,
}

impl LimitArgs {
    /// The budgets given, the defaults for the rest.
    pub(super) fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_stdout_bytes: self.max_stdout_bytes.unwrap_or(defaults.max_stdout_bytes),
            max_scenario_bytes: self
                .max_scenario_bytes
                .unwrap_or(defaults.max_scenario_bytes),
        }
    }
}

/// Runs `scenario ...`.
pub fn run(command: &ScenarioCommand) -> ExitCode {
    match command {
        ScenarioCommand::Validate(args) => validate(args),
        ScenarioCommand::Show(args) => scenario_files::show(args),
        ScenarioCommand::Convert(args) => scenario_files::convert(args),
        ScenarioCommand::Upgrade(args) => scenario_files::upgrade(args),
        ScenarioCommand::Record(args) => super::shim::run(args, RecordMode::All),
        ScenarioCommand::Replay(args) => super::shim::run(args, RecordMode::None),
    }
}

/// Runs `scenario validate`.
fn validate(args: &ValidateArgs) -> ExitCode {
    let problems = validate_tree(&args.dir, &args.limits.limits());
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

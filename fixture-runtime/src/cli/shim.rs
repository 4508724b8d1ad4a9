//! `fixture-kit scenario record` and `fixture-kit scenario replay`: any
//! orchestrator, with a shim standing in for its agent CLI.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::scenario::shim::{self, MatchConfig, Options, RecordMode, ShimFault};

/// Flags of `scenario record` and `scenario replay`.
#[derive(clap::Args)]
pub struct ShimArgs {
    /// The scenario folder.
    dir: PathBuf,
    /// The agent CLI's program name the shim stands in for.
    #[arg(long = "as", value_name = "NAME", default_value = "claude")]
    as_name: String,
    /// The real CLI, for the calls that are recorded; else the `--as` name
    /// on PATH.
    #[arg(long, value_name = "PATH")]
    real: Option<PathBuf>,
    /// none, once, new_episodes or all (`record`: all; `replay`: none).
    #[arg(long, value_enum, value_name = "MODE")]
    record_mode: Option<RecordMode>,
    /// The environment variable that names a call's step.
    #[arg(long, value_name = "NAME", default_value = shim::STEP_ENV)]
    step_env: String,
    /// The fields a call is matched on, of step,order,prompt,args
    /// (default: the scenario's `match.on`, else all four).
    #[arg(long = "match", value_name = "FIELDS")]
    matching: Option<String>,
    /// A fault, KIND@STEP[#CALL][:ARG], such as `overload@implement#1`
    /// (repeatable; see docs/SCENARIOS.md).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<ShimFault>,
    /// Do not fail when recordings are left unused.
    #[arg(long)]
    allow_unused: bool,
    /// With `new_episodes`: remove the sessions no call used.
    #[arg(long)]
    prune: bool,
    /// The project folder, whose path recordings normalise to `<project>`
    /// (default: the current folder).
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,
    /// An environment variable recorded in input.json (repeatable).
    #[arg(long = "allow-env", value_name = "NAME")]
    allow_env: Vec<String>,
    /// Serve stdout lines at their recorded pace (sessions' pacing.json).
    #[arg(long)]
    pacing: bool,
    /// Keep when each stdout line came, in each session's pacing.json.
    #[arg(long)]
    record_pacing: bool,
    /// The orchestrator to run, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// Runs `record` (`default_mode` all) or `replay` (none); the call log goes
/// to stderr, COMMAND's own output passes through.
pub fn run(args: &ShimArgs, default_mode: RecordMode) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            eprintln!("fixture-kit scenario: cannot find its own executable: {err}");
            return ExitCode::from(2);
        }
    };
    let mut options = Options::new(
        &args.dir,
        args.record_mode.unwrap_or(default_mode),
        args.command.clone(),
        exe,
    );
    options.as_name = args.as_name.clone();
    options.real = args.real.clone();
    options.step_env = args.step_env.clone();
    match args.matching.as_deref().map(MatchConfig::parse_fields) {
        Some(Ok(fields)) => options.matching = Some(fields),
        Some(Err(err)) => {
            eprintln!("fixture-kit scenario: --match: {err}");
            return ExitCode::from(2);
        }
        None => {}
    }
    options.faults = args.faults.clone();
    options.allow_unused = args.allow_unused;
    options.prune = args.prune;
    options.allow_env = args.allow_env.clone();
    options.pacing = args.pacing;
    options.record_pacing = args.record_pacing;
    if let Some(project) = &args.project {
        options.project = project.clone();
    }
    match shim::run(&options) {
        Ok(report) => {
            eprint!("{}", report.render());
            ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1))
        }
        Err(problem) => {
            eprintln!("fixture-kit scenario: {problem}");
            ExitCode::from(2)
        }
    }
}

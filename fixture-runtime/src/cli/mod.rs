//! The `fixture-kit` command: `verify`, `doctor`, `new`, `review` and friends, over
//! the same engine as the generated tests.

mod agent_cmd;
mod case;
mod chain;
mod doctor;
mod evaluate;
mod filter;
mod in_order;
mod json_report;
mod new;
mod pipe;
mod program;
mod progress;
mod review;
#[cfg(feature = "runbooks")]
mod runbook;
mod scenario;
mod scenario_files;
mod shim;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::agent::Agent;
use crate::contract::schema_json;

pub use verify::harness;

/// Golden fixtures, replay scenarios and runbooks for AI coding-agent
/// pipelines.
#[derive(Parser)]
#[command(name = "fixture-kit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Discover fixtures at run time and verify them (libtest-compatible).
    Verify(Box<verify::VerifyArgs>),
    /// Check a fixture tree and the environment: PASS / WARN / FAIL per check.
    Doctor(doctor::DoctorArgs),
    /// Scaffold a fixture: `new <topic>/<task> [--agents planner,coder]`.
    New(new::NewArgs),
    /// Review pending goldens (`expected.json.new`, from `UPDATE_GOLDENS=new`):
    /// accept, reject or skip each, or `--accept` / `--reject` them all.
    Review(review::ReviewArgs),
    /// Print the JSON Schema of one agent's output contract (or all four).
    Schema(SchemaArgs),
    /// Replace secrets in FILE (or stdin) with `<redacted:KIND>` placeholders, to stdout.
    #[command(
        long_about = "Replace secrets in FILE (or stdin) with `<redacted:KIND>` \
        placeholders and print the text to stdout, as recording does before it writes a \
        scenario or cassette: API keys and tokens of nearly 50 providers, PEM private keys, \
        JWTs, passwords in connection URLs, Authorization and bearer values, and \
        high-entropy literals assigned to secret-named keys (`API_KEY=...`). References \
        (`$VAR`, `${{ secrets.X }}`, `os.environ[...]`), hashes, UUIDs and short or \
        low-entropy values stay. Only the secret changes; the output is the same for the \
        same input, and scrubbing it again changes nothing. Paths, ids and timings are not \
        normalised (recording does that). Exit 2 when the input or a pattern cannot be \
        read. The rules are listed in docs/SCENARIOS.md."
    )]
    Scrub(scenario::ScrubArgs),
    /// Replay scenarios: `scenario validate DIR`.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Runbooks: `runbook run FILE [--format json]`.
    #[cfg(feature = "runbooks")]
    #[command(subcommand)]
    Runbook(runbook::RunbookCommand),
    /// Evaluation reports: `report merge A.json B.json … [--junit PATH]`.
    #[command(subcommand)]
    Report(evaluate::ReportCommand),
}

/// Flags of `fixture-kit schema`.
#[derive(clap::Args)]
struct SchemaArgs {
    /// architect, planner, coder or reviewer; all four (a JSON object keyed by
    /// agent) when absent.
    agent: Option<String>,
}

fn schema(args: &SchemaArgs) -> ExitCode {
    match args.agent.as_deref().map(str::parse::<Agent>) {
        Some(Ok(agent)) => print!("{}", schema_json(agent)),
        Some(Err(())) => {
            let agent = args.agent.as_deref().unwrap_or_default();
            eprintln!(
                "fixture-kit schema: unknown agent `{agent}`: expected architect, planner, coder \
                 or reviewer{}",
                crate::suggest::did_you_mean(agent, &Agent::ALL.map(Agent::as_str))
            );
            return ExitCode::from(2);
        }
        None => {
            let all: serde_json::Map<String, serde_json::Value> = Agent::ALL
                .iter()
                .map(|agent| {
                    let schema = serde_json::from_str(&schema_json(*agent))
                        .expect("a generated schema is JSON");
                    (agent.to_string(), schema)
                })
                .collect();
            let text = serde_json::to_string_pretty(&all).expect("schemas serialize");
            println!("{text}");
        }
    }
    ExitCode::SUCCESS
}

/// Runs the command line of this process; stopped by a signal, it exits
/// with `128 + N` once every process it started is stopped.
pub fn main() -> ExitCode {
    // One call of the agent-CLI shim (see `scenario record|replay`): its
    // arguments are the CLI's, not ours.
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref()
        == Some(std::ffi::OsStr::new(
            crate::scenario::shim::call::SUBCOMMAND,
        ))
    {
        let code = crate::scenario::shim::call::main(args.collect());
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    pipe::exit_quietly_on_broken_pipe();
    let code = match Cli::parse().command {
        Command::Verify(args) => verify::run(*args),
        Command::Doctor(args) => doctor::run(&args),
        Command::New(args) => new::run(&args),
        Command::Review(args) => review::run(&args),
        Command::Schema(args) => schema(&args),
        Command::Scrub(args) => scenario::scrub(&args),
        Command::Scenario(command) => scenario::run(&command),
        #[cfg(feature = "runbooks")]
        Command::Runbook(command) => runbook::run_command(&command),
        Command::Report(command) => evaluate::report(&command),
    };
    match crate::process::interrupt::received() {
        Some(signal) => ExitCode::from(crate::process::interrupt::exit_code(signal)),
        None => code,
    }
}

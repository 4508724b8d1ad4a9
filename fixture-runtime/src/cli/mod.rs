//! The `fixture-kit` command: `verify`, `doctor`, `new` and friends, over
//! the same engine as the generated tests.

mod doctor;
mod new;
mod scenario;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Scrub secrets and dynamic fields from FILE (or stdin) to stdout.
    Scrub(scenario::ScrubArgs),
    /// Replay scenarios: `scenario validate DIR`.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Verify(args) => verify::run(*args),
        Command::Doctor(args) => doctor::run(&args),
        Command::New(args) => new::run(&args),
        Command::Scrub(args) => scenario::scrub(&args),
        Command::Scenario(command) => scenario::run(&command),
    }
}

//! `fixture-kit verify`: run-time discovery, one libtest-mimic trial per
//! fixture, the same engine as the generated tests.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, FormatSetting, Trial};

use super::agent_cmd::AgentCommands;
use super::case::Case;
use super::evaluate::{EvalArgs, Evaluation};
use crate::compare::Mode;
use crate::discover::{discover, find, find_task, FixtureId};
use crate::engine::Options;
use crate::env::{flag, is_ci, FORCE_UPDATE};
use crate::eval::{self, FixtureRecord, Status, Verdict};
use crate::golden::UpdatePolicy;
use crate::golden_path;
use crate::messages::{Entry, Source};
use crate::rule::Violation;
use crate::runner::{Command, Replay};
use crate::suite::Suite;

use super::filter::Filter;
use super::in_order::InOrder;
use super::json_report;
use super::program;
use super::progress::Progress;

/// Flags of `fixture-kit verify`; libtest's own flags (`--list`, `--exact`,
/// `--format`, `--skip`, `--test-threads`, a filter) are accepted as well,
/// so the command also serves as a custom test harness for nextest.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The fixture root.
    #[arg(long, default_value = "fixtures")]
    root: PathBuf,
    /// Run only the fixtures listed in the golden-path config.
    #[arg(long)]
    golden: bool,
    /// The golden-path config [default: golden-fixtures.config.json beside the root].
    #[arg(long, value_name = "FILE")]
    golden_config: Option<PathBuf>,
    /// Rewrite goldens from actual outputs (as `UPDATE_GOLDENS=1`).
    #[arg(long)]
    update: bool,
    /// Fail every fixture whose runner is no real agent.
    #[arg(long)]
    strict_real_agents: bool,
    /// Fixtures verified at once (as `--test-threads`).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Report unknown JSON fields as warnings.
    #[arg(long)]
    legacy: bool,
    /// Compare outputs with goldens by content (`exact`) or by meaning
    /// (`semantic`); a fixture's `"compare"` in fixture.json overrides it.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = Mode::Exact)]
    compare: Mode,
    /// Run this agent CLI on each fixture (prompt on stdin, in a copy of
    /// `repo/`) instead of replaying the golden, e.g.
    /// "claude -p --output-format stream-json --verbose"; `AGENT=COMMAND`
    /// (repeatable) gives one agent its own.
    #[arg(long, value_name = "[AGENT=]COMMAND")]
    agent_cmd: Vec<String>,
    /// Run each task's agents as a chain, architect → planner → coder →
    /// reviewer, each receiving the earlier stages' actual outputs.
    #[arg(long)]
    chain: bool,
    /// Serve each fixture's recorded session from its `cassette/`; with
    /// `FIXTURE_KIT_RECORD=1`, record it from `--agent-cmd`.
    #[arg(long)]
    replay: bool,
    /// Coder fixtures: take the patch from what the agent changed in its
    /// working copy, not from its final answer.
    #[arg(long)]
    patch_from_workdir: bool,
    /// Seconds before the agent CLI is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_AGENT_TIMEOUT)]
    agent_timeout: u64,
    #[command(flatten)]
    eval: EvalArgs,
    #[command(flatten)]
    libtest: Arguments,
}

/// `--agent-timeout` unless given.
const DEFAULT_AGENT_TIMEOUT: u64 = 600;

/// The `main` of a `harness = false` test target that verifies `root`
/// through `suite` with run-time discovery (no build script, no rebuild
/// when fixtures change), reading libtest's flags from the command line, as
/// `cargo test` and nextest pass them.
pub fn harness(root: impl Into<PathBuf>, suite: Suite) -> ExitCode {
    let args = VerifyArgs {
        root: root.into(),
        golden: false,
        golden_config: None,
        update: false,
        strict_real_agents: false,
        concurrency: None,
        legacy: false,
        compare: suite.compare,
        agent_cmd: Vec::new(),
        chain: false,
        replay: false,
        agent_timeout: DEFAULT_AGENT_TIMEOUT,
        patch_from_workdir: false,
        eval: EvalArgs::default(),
        libtest: Arguments::from_args(),
    };
    run_suite(args, suite, Entry::CargoTest)
}

/// Runs `verify`.
pub fn run(args: VerifyArgs) -> ExitCode {
    let entry = Entry::Verify {
        flags: repeated_flags(&args),
    };
    match suite(&args) {
        Ok(suite) => run_suite(args, suite, entry),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn run_suite(mut args: VerifyArgs, suite: Suite, entry: Entry) -> ExitCode {
    // A filter matching nothing is an error under the command; a test
    // harness gets every filter of `cargo test`, most meant for others.
    let from_command = matches!(entry, Entry::Verify { .. });
    let from_env = Options::from_env();
    let options = Options {
        update: if args.update {
            UpdatePolicy::decide(true, is_ci(), flag(FORCE_UPDATE))
        } else {
            from_env.update
        },
        strict_real_agents: if args.strict_real_agents {
            Some(Source::Flag)
        } else {
            from_env.strict_real_agents
        },
        entry,
    };
    // The fixtures run on `threads`; the report is printed from one
    // thread, in fixture order.
    let threads = args
        .concurrency
        .or(args.libtest.test_threads)
        .or_else(|| std::thread::available_parallelism().ok().map(Into::into))
        .unwrap_or(1);
    args.libtest.test_threads = Some(1);
    let filter = args.libtest.filter.take().map(|typed| {
        let filter = Filter::parse(&typed, &args.root, args.libtest.exact);
        args.libtest.filter = Some(filter.test_name().to_owned());
        filter
    });
    let evaluation = Evaluation::new(args.eval.clone(), suite.repeat);
    if suite.chained() {
        return match select(&args) {
            Ok(cases) => {
                // The chain checks each stage against the actual earlier
                // outputs, in place of the goldens' `pipeline` tests.
                let ids = cases
                    .into_iter()
                    .filter_map(|case| match case {
                        Case::Fixture(id) => Some(id),
                        Case::Pipeline(_) => None,
                    })
                    .collect();
                super::chain::run(&args.libtest, &args.root, ids, suite, options, &evaluation)
            }
            Err(message) => {
                eprintln!("{message}");
                ExitCode::from(2)
            }
        };
    }
    if args.update && evaluation.plan().repeat > 1 {
        eprintln!("--update writes goldens from one run: drop --repeat");
        return ExitCode::from(2);
    }
    let ids = match select(&args) {
        Ok(ids) => ids,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some(filter) = filter.filter(|_| from_command && !args.libtest.list) {
        let names: Vec<String> = ids.iter().map(Case::test_name).collect();
        if !Filter::matches_any(&args.libtest, &names) {
            let fixtures: Vec<FixtureId> = ids
                .iter()
                .filter_map(|case| match case {
                    Case::Fixture(id) => Some(id.clone()),
                    Case::Pipeline(_) => None,
                })
                .collect();
            eprintln!(
                "{}",
                filter.no_match(&args.root, args.golden.then_some(&fixtures))
            );
            return ExitCode::from(NO_TESTS_RUN);
        }
    }
    let ids = evaluation.partition(ids);
    let real_agent = suite.has_real_agent();
    if args.libtest.format == Some(FormatSetting::Json) && !args.libtest.list {
        if let Err(message) = evaluation.single_run() {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
        let root = args.root.clone();
        let verify = move |case: &Case| case.run(&suite, &root, &options);
        return json_report::run(&args.libtest, ids, threads, verify);
    }
    let wanted: Vec<bool> = ids
        .iter()
        .map(|case| {
            let trial = Trial::test(case.test_name(), || Ok(()));
            !args.libtest.list
                && !args.libtest.is_filtered_out(&trial)
                && !args.libtest.is_ignored(&trial)
        })
        .collect();
    let progress = Progress::new(wanted.iter().filter(|w| **w).count());
    let started = Instant::now();
    let ids = Arc::new(ids);
    let results = {
        let (suite, root, ids) = (Arc::new(suite), Arc::new(args.root.clone()), ids.clone());
        let (evaluation, progress) = (evaluation.clone(), progress.clone());
        InOrder::start(&wanted, threads, move |i| {
            let record = match &ids[i] {
                Case::Fixture(id) => eval::evaluate(&suite, &root, id, &options, evaluation.plan()),
                Case::Pipeline(task) => eval::evaluate_task(&root, task),
            };
            progress.done(record.status != Status::Passed);
            record
        })
    };
    // On a terminal the bar stands alone: the report follows it.
    if progress.is_shown() {
        results.wait_all();
        progress.finish();
    }
    let tally = Arc::new(Tally::default());
    let trials = ids
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let (results, tally, evaluation) = (results.clone(), tally.clone(), evaluation.clone());
            let pipeline = matches!(case, Case::Pipeline(_));
            Trial::test(case.test_name(), move || {
                let record = results.take(i);
                tally.count(&record);
                if pipeline {
                    super::evaluate::outcome(&record)
                } else {
                    evaluation.trial(record)
                }
            })
        })
        .collect();
    let pretty = args
        .libtest
        .format
        .is_none_or(|f| f == FormatSetting::Pretty);
    let listing = args.libtest.list;
    let conclusion = libtest_mimic::run(&args.libtest, trials);
    if pretty && !listing {
        tally.print(started.elapsed().as_secs_f64());
    }
    let summary = pretty && !listing && evaluation.summarises(real_agent);
    if let Err(message) = evaluation.finish(summary) {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    conclusion.exit_code()
}

/// The exit status of a run whose filter matches no fixture, as nextest's.
const NO_TESTS_RUN: u8 = 4;

/// The flags a command in a hint must repeat to verify the same way: the
/// root, the schema mode and the runner.
fn repeated_flags(args: &VerifyArgs) -> Vec<String> {
    let mut flags = match Entry::verify_root(&args.root) {
        Entry::Verify { flags } => flags,
        Entry::CargoTest => Vec::new(),
    };
    let switches = [
        (args.legacy, "--legacy"),
        (args.replay, "--replay"),
        (args.patch_from_workdir, "--patch-from-workdir"),
        (args.chain, "--chain"),
    ];
    flags.extend(
        switches
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, flag)| flag.to_string()),
    );
    for command in &args.agent_cmd {
        flags.extend(["--agent-cmd".to_owned(), command.clone()]);
    }
    if args.agent_timeout != DEFAULT_AGENT_TIMEOUT {
        flags.extend(["--agent-timeout".to_owned(), args.agent_timeout.to_string()]);
    }
    flags
}

/// The suite the flags describe: bootstrap, command or replay, for every
/// agent or per agent, chained or not.
fn suite(args: &VerifyArgs) -> Result<Suite, String> {
    let commands = AgentCommands::parse(&args.agent_cmd)?;
    let command = |line: &str| {
        Command::parse(line)
            .map(|command| {
                let command = command.timeout(Duration::from_secs(args.agent_timeout));
                if args.patch_from_workdir {
                    command.patch_from_workdir()
                } else {
                    command
                }
            })
            .and_then(|command| {
                // A replay starts the agent only to record; a path is the
                // runner's to resolve, from the agent's working copy.
                let program = command.program();
                if !args.replay && !program.contains('/') {
                    program::locate(program)?;
                }
                Ok(command)
            })
            .map_err(|err| format!("--agent-cmd: {err}"))
    };
    let replay = |command: Option<Command>| match command {
        Some(command) => Replay::new().record_with(command),
        None => Replay::new(),
    };
    let mut suite = Suite::new()
        .legacy(args.legacy)
        .compare(args.compare)
        .chain(args.chain);
    let all = commands.all.as_deref().map(command).transpose()?;
    suite = match (args.replay, all) {
        (true, all) => suite.runner(replay(all)),
        (false, Some(all)) => suite.runner(all),
        (false, None) => suite,
    };
    for (agent, line) in &commands.by_agent {
        let own = command(line)?;
        suite = if args.replay {
            suite.runner_for_agent(*agent, replay(Some(own)))
        } else {
            suite.runner_for_agent(*agent, own)
        };
    }
    Ok(suite)
}

/// The fixtures and `pipeline` tests to run, sorted by test name. With
/// `--exact NAME` (as nextest calls a harness) only that case's folders are
/// read, not the whole tree. `--golden` keeps the listed agent fixtures.
fn select(args: &VerifyArgs) -> Result<Vec<Case>, String> {
    let root = &args.root;
    let lib = &args.libtest;
    let mut cases: Vec<Case> = match (&lib.filter, lib.exact && !lib.list) {
        (Some(name), true) => find(root, name)
            .map(Case::Fixture)
            .or_else(|| find_task(root, name).map(Case::Pipeline))
            .into_iter()
            .collect(),
        _ => {
            let tree = discover(root);
            if !tree.problems.is_empty() {
                let lines: Vec<String> = tree.problems.iter().map(ToString::to_string).collect();
                let plural = if lines.len() == 1 { "" } else { "s" };
                return Err(format!(
                    "malformed fixture tree ({} problem{plural}):\n{}",
                    lines.len(),
                    lines.join("\n")
                ));
            }
            let tasks = tree.pipeline_tasks().into_iter().map(Case::Pipeline);
            let mut cases: Vec<Case> = tree
                .fixtures
                .into_iter()
                .map(|found| Case::Fixture(found.id))
                .chain(tasks)
                .collect();
            cases.sort_by_cached_key(Case::test_name);
            cases
        }
    };
    if args.golden {
        let config = args
            .golden_config
            .clone()
            .unwrap_or_else(|| default_config(root));
        let subset = golden_path::load(&config, root)?;
        cases.retain(|case| matches!(case, Case::Fixture(id) if subset.contains(id)));
    }
    Ok(cases)
}

fn default_config(root: &Path) -> PathBuf {
    root.parent()
        .unwrap_or(Path::new("."))
        .join(golden_path::FILE)
}

/// Outcomes counted across trials for the closing summary, and the
/// warnings of passing fixtures, printed with it.
#[derive(Default)]
struct Tally {
    matched: AtomicUsize,
    failed_as_declared: AtomicUsize,
    updated: AtomicUsize,
    failed: AtomicUsize,
    warnings: Mutex<Vec<(String, Violation)>>,
}

impl Tally {
    fn count(&self, record: &FixtureRecord) {
        let counter = match (record.status, record.runs.first().map(|run| run.verdict)) {
            (Status::Passed, Some(Verdict::FailedAsDeclared)) => &self.failed_as_declared,
            (Status::Passed, Some(Verdict::Updated)) => &self.updated,
            (Status::Passed, _) => {
                let mut all = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
                let mut seen: Vec<String> = Vec::new();
                for warning in record.runs.iter().flat_map(|run| &run.warnings) {
                    let text = warning.to_string();
                    if !seen.contains(&text) {
                        seen.push(text);
                        all.push((record.test.clone(), warning.violation()));
                    }
                }
                &self.matched
            }
            _ => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn print(&self, seconds: f64) {
        let mut warnings =
            std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        warnings.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, warning) in &warnings {
            println!("warning: {name}: {warning}");
        }
        let [matched, declared, updated, failed] = [
            &self.matched,
            &self.failed_as_declared,
            &self.updated,
            &self.failed,
        ]
        .map(|n| n.load(Ordering::Relaxed));
        let total = matched + declared + updated + failed;
        let verdict = if failed == 0 { "OK" } else { "FAILED" };
        let n = warnings.len();
        let plural = if n == 1 { "" } else { "s" };
        println!(
            "fixture-kit verify: {verdict}: {total} fixtures in {seconds:.2}s: {matched} match \
             their goldens, {declared} fail as declared, {updated} updated, {failed} failed; \
             {n} warning{plural}"
        );
    }
}

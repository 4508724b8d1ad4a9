//! `fixture-kit doctor`: checks a fixture tree and the environment.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};

use serde::Serialize;
use walkdir::WalkDir;

use crate::agent::GoldenKind;
use crate::contract;
use crate::discover::{discover, FixtureId, FixtureTree, PROMPT, REPO};
use crate::fixture::Fixture;
use crate::golden::{TEMP_PREFIX, TEMP_SUFFIX};
use crate::golden_path;
use crate::messages::{self, Entry};
use crate::pending;
use crate::runner::Command;
use crate::scenario::{validate_tree, Limits};
use crate::skeleton;

/// Flags of `fixture-kit doctor`.
#[derive(clap::Args)]
pub struct DoctorArgs {
    /// The fixture root.
    #[arg(long, default_value = "fixtures")]
    root: PathBuf,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
    /// Also check that the agent CLI the command runner would start is there.
    #[arg(long, value_name = "COMMAND")]
    agent_cmd: Option<String>,
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Warn,
    Fail,
}

#[derive(Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    message: String,
}

impl Check {
    fn new(name: &'static str, status: Status, message: impl Into<String>) -> Check {
        Check {
            name,
            status,
            message: message.into(),
        }
    }
}

#[derive(Serialize)]
struct Report {
    checks: Vec<Check>,
    pass: usize,
    warn: usize,
    fail: usize,
}

/// Runs `doctor`; exits 1 when any check fails.
pub fn run(args: &DoctorArgs) -> ExitCode {
    let mut checks = checks(&args.root);
    if let Some(command) = &args.agent_cmd {
        checks.push(agent(command));
    }
    let count = |status| checks.iter().filter(|c| c.status == status).count();
    let report = Report {
        pass: count(Status::Pass),
        warn: count(Status::Warn),
        fail: count(Status::Fail),
        checks,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a report serializes")
        );
    } else {
        for check in &report.checks {
            let status = match check.status {
                Status::Pass => "PASS",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            println!("{status}  {:<13} {}", check.name, check.message);
        }
        println!(
            "doctor: {} passed, {} warnings, {} failed",
            report.pass, report.warn, report.fail
        );
    }
    if report.fail == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn checks(root: &Path) -> Vec<Check> {
    let tree = discover(root);
    let mut checks = layout(&tree);
    checks.extend(goldens(root, &tree));
    checks.push(golden_config(root));
    checks.extend(orphans(root, &tree));
    checks.extend(leftovers(root));
    checks.extend(pending_goldens(root));
    checks.extend(scenarios(
        &root.parent().unwrap_or(Path::new(".")).join("scenarios"),
    ));
    checks.push(tool(
        "git",
        &["--version"],
        "the differential patch checks and runbooks use git",
    ));
    checks
}

/// The post-recording checklist over `scenarios/`, when there is one.
fn scenarios(dir: &Path) -> Vec<Check> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let problems = validate_tree(dir, &Limits::default());
    if problems.is_empty() {
        return vec![Check::new(
            "scenarios",
            Status::Pass,
            format!("{}: every scenario valid", dir.display()),
        )];
    }
    problems
        .iter()
        .map(|problem| Check::new("scenarios", Status::Fail, problem.to_string()))
        .collect()
}

fn layout(tree: &FixtureTree) -> Vec<Check> {
    if tree.problems.is_empty() {
        return vec![Check::new(
            "layout",
            Status::Pass,
            format!("{} agent fixtures, no layout problems", tree.fixtures.len()),
        )];
    }
    tree.problems
        .iter()
        .map(|problem| Check::new("layout", Status::Fail, problem.to_string()))
        .collect()
}

fn goldens(root: &Path, tree: &FixtureTree) -> Vec<Check> {
    let entry = Entry::verify_root(root);
    let mut checks = Vec::new();
    for found in &tree.fixtures {
        let fixture = match Fixture::load(root, &found.id) {
            Ok(fixture) => fixture,
            Err(violation) => {
                checks.push(Check::new("golden", Status::Fail, violation.to_string()));
                continue;
            }
        };
        let Some(golden) = &fixture.golden else {
            checks.push(Check::new(
                "golden",
                Status::Fail,
                format!(
                    "{}: missing golden: {}",
                    fixture.display_golden(),
                    entry.missing_golden_hint(root, &found.id)
                ),
            ));
            continue;
        };
        let unfilled = skeleton::unfilled(found.id.agent, golden);
        if !unfilled.is_empty() {
            checks.push(Check::new(
                "golden",
                Status::Fail,
                format!(
                    "{}: a skeleton still to fill in ({}): replace each `{}`",
                    fixture.display_golden(),
                    unfilled.join(", "),
                    skeleton::PLACEHOLDER
                ),
            ));
            continue;
        }
        if found.id.agent.golden_kind() == GoldenKind::Json
            && fixture.constraints.must_fail.is_none()
        {
            // The form alone: a golden that also breaks a rule is still
            // reported here (`verify` says which rule).
            if contract::canonical_form(found.id.agent, golden).is_some_and(|c| c != *golden) {
                // A fixture that declares itself legacy verifies with a warning.
                let status = if fixture.constraints.legacy == Some(true) {
                    Status::Warn
                } else {
                    Status::Fail
                };
                checks.push(Check::new(
                    "golden",
                    status,
                    format!(
                        "{}: not in canonical form: run `{}`",
                        fixture.display_golden(),
                        entry.update_command(&found.id.test_name())
                    ),
                ));
            }
        }
    }
    if checks.is_empty() {
        checks.push(Check::new(
            "golden",
            Status::Pass,
            format!("{} goldens present and canonical", tree.fixtures.len()),
        ));
    }
    checks
}

fn golden_config(root: &Path) -> Check {
    let config = root
        .parent()
        .unwrap_or(Path::new("."))
        .join(golden_path::FILE);
    if !config.is_file() {
        return Check::new(
            "golden-config",
            Status::Warn,
            format!(
                "no {}: `verify --golden` has no subset to run",
                config.display()
            ),
        );
    }
    match golden_path::load(&config, root) {
        Ok(ids) => Check::new(
            "golden-config",
            Status::Pass,
            format!("{}: {} fixtures, all present", config.display(), ids.len()),
        ),
        Err(message) => Check::new("golden-config", Status::Fail, message),
    }
}

/// Goldens and prompts that sit where no agent fixture is (outside `repo/`
/// trees), so they are never verified.
fn orphans(root: &Path, tree: &FixtureTree) -> Vec<Check> {
    let fixture_dirs: Vec<PathBuf> = tree.fixtures.iter().map(|f| f.id.dir(root)).collect();
    let names = [
        PROMPT,
        GoldenKind::Json.file_name(),
        GoldenKind::Patch.file_name(),
    ];
    let mut checks: Vec<Check> = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.file_name() != REPO)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter(|entry| names.iter().any(|name| entry.file_name() == *name))
        .filter(|entry| {
            let parent = entry.path().parent().unwrap_or(root);
            !fixture_dirs.iter().any(|dir| dir == parent) && !is_malformed_agent_dir(root, parent)
        })
        .map(|entry| {
            Check::new(
                "orphan",
                Status::Warn,
                format!(
                    "{}: not inside an agent fixture folder (`<topic>/<task>/<agent>/`), so it \
                     is never verified: move or delete it",
                    entry.path().display()
                ),
            )
        })
        .collect();
    if checks.is_empty() {
        checks.push(Check::new(
            "orphan",
            Status::Pass,
            "no orphaned goldens or prompts",
        ));
    }
    checks
}

/// Temporary files an interrupted golden update left behind.
fn leftovers(root: &Path) -> Vec<Check> {
    WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.file_name() != REPO)
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_file()
                && entry.file_name().to_str().is_some_and(|name| {
                    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
                })
        })
        .map(|entry| {
            Check::new(
                "leftover",
                Status::Warn,
                format!(
                    "{}: left by an interrupted golden update (the golden itself is intact): \
                     delete it",
                    entry.path().display()
                ),
            )
        })
        .collect()
}

/// Pending goldens an `UPDATE_GOLDENS=new` run wrote, still to review.
fn pending_goldens(root: &Path) -> Vec<Check> {
    let review = messages::review_command(root);
    pending::find(root, None)
        .iter()
        .map(|found| {
            Check::new(
                "pending",
                Status::Warn,
                format!(
                    "{}: a pending golden to review: run `{review}` to accept or reject it",
                    found.path.display()
                ),
            )
        })
        .collect()
}

/// Whether the agent CLI of `--agent-cmd` can be started.
fn agent(command: &str) -> Check {
    let program = match Command::parse(command) {
        Ok(parsed) => parsed.program().to_owned(),
        Err(message) => return Check::new("agent", Status::Fail, message),
    };
    match super::program::locate(&program) {
        Ok(path) => Check::new(
            "agent",
            Status::Pass,
            format!("`{program}` is {}", path.display()),
        ),
        Err(message) => Check::new(
            "agent",
            Status::Fail,
            format!("the command and recording runners cannot start the agent: {message}"),
        ),
    }
}

/// An agent folder that discovery already reported as malformed.
fn is_malformed_agent_dir(root: &Path, dir: &Path) -> bool {
    dir.strip_prefix(root)
        .ok()
        .and_then(|rel| rel.to_str())
        .and_then(FixtureId::parse)
        .is_some()
}

fn tool(program: &str, args: &[&str], why: &str) -> Check {
    match Process::new(program).args(args).output() {
        Ok(output) if output.status.success() => Check::new(
            "tool",
            Status::Pass,
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        ),
        _ => Check::new(
            "tool",
            Status::Warn,
            format!("`{program}` not found on PATH: {why}"),
        ),
    }
}

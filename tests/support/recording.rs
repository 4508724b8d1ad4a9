//! How the bundled scenarios are recorded: the reference pipeline over the
//! stand-in agent CLI, in a fresh git repository per scenario, through the
//! recording runner.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fixture_kit::scenario::{Problem, RealCli, RecordingCli};

use super::orchestrator::Pipeline;

/// The bundled scenarios: name and the repository's `check.sh`.
pub const BUNDLED: [(&str, &str); 3] = [
    (
        "smoke-happy",
        "if grep -q '^attempt' work.log 2>/dev/null; then\n  echo 'ok: check_work passed'\nelse\n  echo 'FAILED: check_work: work.log has no attempt'\n  exit 1\nfi\n",
    ),
    (
        "smoke-test-fail-once",
        "if [ -f .check-state ]; then\n  echo 'ok: check_work passed'\nelse\n  touch .check-state\n  echo 'FAILED: check_work: work.log not reviewed yet (first run)'\n  exit 1\nfi\n",
    ),
    (
        "smoke-budget-exhausted",
        "if grep -q '^done' work.log 2>/dev/null; then\n  echo 'ok: check_work passed'\nelse\n  echo 'FAILED: check_work: expected a line \"done\" in work.log'\n  exit 1\nfi\n",
    ),
];

/// Fixed git identity and dates, so commits (and their ids) are the same
/// on every recording, and no user or system git configuration applies.
fn git_env() -> BTreeMap<String, String> {
    [
        ("GIT_AUTHOR_NAME", "Stand-in Agent"),
        ("GIT_AUTHOR_EMAIL", "stand-in@example.invalid"),
        ("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z"),
        ("GIT_COMMITTER_NAME", "Stand-in Agent"),
        ("GIT_COMMITTER_EMAIL", "stand-in@example.invalid"),
        ("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

/// Records scenario `name` with `check_script` into `dir`, or into
/// `$RECORD_SCENARIO_DIR/<name>` when `dir` is `None`, running the stand-in
/// agent at `agent`.
pub fn record(
    name: &str,
    check_script: &str,
    agent: &Path,
    dir: Option<&Path>,
) -> Result<String, Problem> {
    let repo = tempfile::tempdir().expect("a temporary folder");
    let workdir = repo.path().join("project");
    fs::create_dir_all(&workdir).expect("the project folder");
    fs::write(workdir.join("check.sh"), check_script).expect("check.sh");
    fs::write(workdir.join(".gitignore"), ".check-state\n").expect(".gitignore");
    let env = git_env();
    for args in [
        &["-c", "init.defaultBranch=main", "init", "-q"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "initial: check.sh"],
    ] {
        let status = Command::new("git")
            .args(args)
            .envs(&env)
            .current_dir(&workdir)
            .status()
            .expect("git runs");
        assert!(
            status.success(),
            "git {args:?} failed in {}",
            workdir.display()
        );
    }
    let pipeline = Pipeline {
        agent: vec![agent.display().to_string()],
        test_command: vec!["sh".to_owned(), "check.sh".to_owned()],
        workdir: workdir.clone(),
        task: format!("{name}: record one line of work in work.log so check.sh passes"),
        retry_budget: 2,
        overload_retries: 2,
        timeout: Duration::from_secs(60),
        env: env.clone(),
    };
    let recorder = match dir {
        Some(dir) => RecordingCli::new(RealCli, dir, &workdir, pipeline.recipe())?,
        None => RecordingCli::from_env(RealCli, name, &workdir, pipeline.recipe())?,
    };
    let recorder = env
        .keys()
        .fold(recorder, |recorder, name| recorder.allow_env(name));
    let outcome = pipeline
        .run(&recorder)
        .map_err(|err| Problem::new(recorder.dir(), err))?;
    recorder.finish(&outcome)?;
    Ok(outcome)
}

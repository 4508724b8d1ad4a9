//! The command runner: any agent CLI, prompt on stdin, in a temporary copy
//! of the fixture's `repo/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use super::{answer, workdir_diff, Answer, RunError, Runner};
use crate::agent::Agent;
use crate::fixture::Fixture;
use crate::repo::{walk, Git, Node};
use crate::scenario::{CliCall, CliRunner, RealCli};

/// Runs an agent CLI such as `claude -p --output-format stream-json` on each
/// fixture: the prompt on stdin, a temporary copy of `repo/` as working
/// directory (an empty folder without one), `FIXTURE_KIT_FIXTURE` and
/// `FIXTURE_KIT_AGENT` in its environment. The answer is the final
/// `result` text of a stream-json transcript, or plain stdout.
#[derive(Debug, Clone)]
pub struct Command {
    program: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    timeout: Duration,
    patch_from_workdir: bool,
}

impl Command {
    /// Runs `program` with a ten-minute timeout.
    pub fn new(program: impl Into<String>) -> Command {
        Command {
            program: program.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout: Duration::from_secs(600),
            patch_from_workdir: false,
        }
    }

    /// Parses a command line with shell quoting (`claude -p "a b"`).
    pub fn parse(command_line: &str) -> Result<Command, String> {
        let words = shlex::split(command_line)
            .ok_or_else(|| format!("cannot split `{command_line}`: unbalanced quotes"))?;
        let (program, args) = words
            .split_first()
            .ok_or_else(|| "the agent command is empty".to_owned())?;
        Ok(Command::new(program.as_str()).args(args))
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the agent.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Command {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Kills the agent (and its children) after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Command {
        self.timeout = timeout;
        self
    }

    /// For coder fixtures, takes the patch from what the agent changed in
    /// its working copy (a git-style diff against `repo/`) instead of its
    /// final answer: for agent CLIs that edit files rather than print a diff.
    pub fn patch_from_workdir(mut self) -> Command {
        self.patch_from_workdir = true;
        self
    }

    /// Whether this takes a coder's patch from its working copy.
    pub(crate) fn takes_workdir_patch(&self, fixture: &Fixture) -> bool {
        self.patch_from_workdir && fixture.id.agent == Agent::Coder
    }

    /// The program this runs.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// Runs the agent on `fixture` through `cli` (real, recording or
    /// replaying), in `workdir`.
    pub(crate) fn run_through(
        &self,
        cli: &dyn CliRunner,
        fixture: &Fixture,
        workdir: &Path,
    ) -> Result<Answer, RunError> {
        let mut call = CliCall::agent(fixture.id.agent.as_str(), &self.program)
            .args(self.args.iter().cloned())
            .cwd(workdir)
            .stdin(&fixture.prompt)
            .timeout(self.timeout)
            .env("FIXTURE_KIT_FIXTURE", &fixture.id.to_string())
            .env("FIXTURE_KIT_AGENT", fixture.id.agent.as_str());
        for (name, value) in &self.env {
            call = call.env(name, value);
        }
        let output = cli
            .run(&call)
            .map_err(|err| RunError::new(err.to_string()))?;
        answer::extract(&self.program, &output)
    }
}

impl Runner for Command {
    fn name(&self) -> &str {
        "command"
    }

    fn is_real_agent(&self) -> bool {
        true
    }

    fn run(&self, fixture: &Fixture) -> Result<String, RunError> {
        self.answer(fixture).map(|answer| answer.text)
    }

    fn answer(&self, fixture: &Fixture) -> Result<Answer, RunError> {
        let workdir = workdir(fixture)?;
        let mut answer = self.run_through(&RealCli, fixture, workdir.path())?;
        if self.takes_workdir_patch(fixture) {
            answer.text = workdir_diff::diff(fixture.repo.as_deref(), workdir.path())?;
        }
        Ok(answer)
    }
}

/// A temporary copy of the fixture's `repo/` (empty without one), so an
/// agent that edits files never touches the fixture. Links are recreated as
/// links with the same target, never followed (see [`crate::repo`]).
pub(crate) fn workdir(fixture: &Fixture) -> Result<tempfile::TempDir, RunError> {
    let fail =
        |what: String| RunError::new(format!("cannot prepare the agent's working copy: {what}"));
    let dir = tempfile::tempdir().map_err(|err| fail(err.to_string()))?;
    if let Some(repo) = &fixture.repo {
        for entry in walk(repo, Git::Keep).map_err(|err| fail(err.to_string()))? {
            let target = dir.path().join(&entry.rel);
            let copied = match &entry.node {
                Node::Dir => fs::create_dir_all(&target),
                Node::File => fs::copy(&entry.path, &target).map(drop),
                Node::Link(to) => std::os::unix::fs::symlink(to, &target),
            };
            copied.map_err(|err| fail(format!("{}: {err}", entry.path.display())))?;
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FixtureId;

    #[test]
    fn the_working_copy_recreates_links_without_following_them() {
        let (temp, repo) = crate::repo::tests::linked_repo();
        let fixture = Fixture {
            id: FixtureId::parse("t/t/coder").unwrap(),
            dir: temp.path().to_owned(),
            prompt: String::new(),
            golden_path: temp.path().join("expected.patch"),
            golden: None,
            repo: Some(repo.clone()),
            constraints: Default::default(),
            chained: None,
        };
        let copy = workdir(&fixture).unwrap();
        let link = |rel: &str| fs::read_link(copy.path().join(rel)).unwrap();
        assert_eq!(link("index.ts"), Path::new("src/lib.ts"));
        assert_eq!(
            link("src/secret.ts"),
            temp.path().join("outside/secret.txt")
        );
        assert_eq!(link("vendor"), Path::new("../outside/dir"));
        assert_eq!(link("zero"), Path::new("/dev/zero"));
        assert_eq!(
            fs::read_to_string(copy.path().join("src/lib.ts")).unwrap(),
            "export {};\n"
        );
        // An agent that changes nothing changes nothing.
        assert_eq!(workdir_diff::diff(Some(&repo), copy.path()).unwrap(), "");
    }
}

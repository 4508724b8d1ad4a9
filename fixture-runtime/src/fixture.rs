//! One agent fixture loaded from disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::constraints::Constraints;
use crate::discover::{FixtureId, PROMPT, REPO};
use crate::rule::{Rule, Violation};

/// Everything a runner and the verifier need to know about a fixture.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Where it sits in the tree.
    pub id: FixtureId,
    /// The fixture folder.
    pub dir: PathBuf,
    /// The prompt from `prompt.md`.
    pub prompt: String,
    /// The golden file (which may not exist yet).
    pub golden_path: PathBuf,
    /// The golden's text, `None` when it does not exist.
    pub golden: Option<String>,
    /// The source the agent sees: agent-level `repo/`, else task-level.
    pub repo: Option<PathBuf>,
    /// Declared constraints.
    pub constraints: Constraints,
}

impl Fixture {
    /// Loads the fixture `id` under `root`.
    pub fn load(root: &Path, id: &FixtureId) -> Result<Fixture, Violation> {
        let dir = id.dir(root);
        let task_dir = dir.parent().unwrap_or(&dir).to_owned();
        let prompt = read(&dir.join(PROMPT))?.ok_or_else(|| {
            Violation::new(Rule::Layout, "missing prompt.md")
                .at(display(&dir.join(PROMPT)))
                .hint("every agent fixture needs a prompt.md")
        })?;
        let golden_path = dir.join(id.agent.golden_kind().file_name());
        let golden = read(&golden_path)?;
        let repo = [dir.join(REPO), task_dir.join(REPO)]
            .into_iter()
            .find(|path| path.is_dir());
        let constraints = Constraints::load(&task_dir, &dir)?;
        Ok(Fixture {
            id: id.clone(),
            dir,
            prompt,
            golden_path,
            golden,
            repo,
            constraints,
        })
    }

    /// The fixture folder as a user should see it: relative to the current
    /// directory (the package root under `cargo test`) where possible.
    pub fn display_dir(&self) -> String {
        display(&self.dir)
    }

    /// The golden's path as a user should see it.
    pub fn display_golden(&self) -> String {
        display(&self.golden_path)
    }
}

/// A path relative to the current directory where it lies below it.
pub fn display(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned())
        .display()
        .to_string()
}

fn read(path: &Path) -> Result<Option<String>, Violation> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => {
            Err(Violation::new(Rule::Layout, format!("cannot read: {err}")).at(display(path)))
        }
    }
}

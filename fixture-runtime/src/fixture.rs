//! One agent fixture loaded from disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::chain::Chained;
use crate::constraints::Constraints;
use crate::discover::{FixtureId, PROMPT, REPO};
use crate::rule::{Rule, Violation};
use crate::untrusted::{self, Kind, ReadError, Reason, MAX_BYTES};

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
    /// Set when the fixture runs as a stage of a chained run: its `prompt`
    /// then holds the earlier stages' outputs.
    pub chained: Option<Chained>,
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
        let repo = find_repo(&[dir.join(REPO), task_dir.join(REPO)])?;
        let constraints = Constraints::load(&task_dir, &dir)?;
        Ok(Fixture {
            id: id.clone(),
            dir,
            prompt,
            golden_path,
            golden,
            repo,
            constraints,
            chained: None,
        })
    }

    /// The fixture root it was loaded from (its folder is
    /// `root/topic/task/agent`).
    pub fn root(&self) -> &Path {
        self.dir.ancestors().nth(3).unwrap_or(Path::new(""))
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

/// The first of `candidates` that exists, which must be a real folder: a
/// linked `repo/` would be read from wherever it points.
fn find_repo(candidates: &[PathBuf]) -> Result<Option<PathBuf>, Violation> {
    for path in candidates {
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                return Err(
                    Violation::new(Rule::Layout, format!("cannot read: {err}")).at(display(path))
                )
            }
        };
        if meta.is_dir() {
            return Ok(Some(path.clone()));
        }
        let message = if meta.file_type().is_symlink() {
            let target = fs::read_link(path).unwrap_or_default();
            ReadError::new(path, Reason::LinkedFolder(target)).to_string()
        } else {
            format!("`{REPO}` is {}, not a folder", Kind::of(meta.file_type()))
        };
        return Err(Violation::new(Rule::Layout, message)
            .at(display(path))
            .hint("make repo/ a real folder holding the source the agents see"));
    }
    Ok(None)
}

/// The text of a fixture file, `None` when it does not exist; a FIFO, a
/// device or an oversized file is an error saying what it is.
fn read(path: &Path) -> Result<Option<String>, Violation> {
    untrusted::read_text_if_exists(path, MAX_BYTES).map_err(|err| {
        Violation::new(Rule::Layout, err.to_string())
            .at(display(path))
            .hint("fixture files must be regular UTF-8 text files")
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;
    use crate::untrusted::mkfifo;

    /// A planner fixture `t/task/planner` under a temporary root.
    fn tree() -> (tempfile::TempDir, FixtureId, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let id = FixtureId::parse("t/task/planner").unwrap();
        let dir = id.dir(temp.path());
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(PROMPT), "Plan it.\n").unwrap();
        (temp, id, dir)
    }

    fn error(root: &Path, id: &FixtureId) -> String {
        let err = Fixture::load(root, id).unwrap_err();
        format!("{}: {}", err.location.unwrap_or_default(), err.message)
    }

    #[test]
    fn special_files_are_named_not_called_missing() {
        let (temp, id, dir) = tree();
        mkfifo(&dir.join("expected.json"));
        assert!(
            error(temp.path(), &id)
                .ends_with("planner/expected.json: `expected.json` is a FIFO, not a regular file"),
            "{}",
            error(temp.path(), &id)
        );
        fs::remove_file(dir.join("expected.json")).unwrap();
        fs::remove_file(dir.join(PROMPT)).unwrap();
        symlink("/dev/zero", dir.join(PROMPT)).unwrap();
        assert!(
            error(temp.path(), &id).ends_with(
                "`prompt.md` is a symbolic link to `/dev/zero`, a character device, not a \
                 regular file"
            ),
            "{}",
            error(temp.path(), &id)
        );
        fs::remove_file(dir.join(PROMPT)).unwrap();
        fs::write(dir.join(PROMPT), "Plan it.\n").unwrap();
        mkfifo(&dir.join(crate::constraints::FILE));
        assert!(
            error(temp.path(), &id).ends_with("`fixture.json` is a FIFO, not a regular file"),
            "{}",
            error(temp.path(), &id)
        );
    }

    #[test]
    fn a_linked_repo_is_refused_naming_the_link() {
        let (temp, id, dir) = tree();
        let elsewhere = temp.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        symlink(&elsewhere, dir.parent().unwrap().join(REPO)).unwrap();
        let message = error(temp.path(), &id);
        assert!(
            message.contains("task/repo: `repo` is a symbolic link to `")
                && message.contains("never follows a link out of a fixture"),
            "{message}"
        );
        fs::write(dir.join(REPO), "not a folder").unwrap();
        assert!(
            error(temp.path(), &id)
                .ends_with("planner/repo: `repo` is a regular file, not a folder"),
            "{}",
            error(temp.path(), &id)
        );
        fs::remove_file(dir.join(REPO)).unwrap();
        fs::remove_file(dir.parent().unwrap().join(REPO)).unwrap();
        fs::create_dir(dir.parent().unwrap().join(REPO)).unwrap();
        let fixture = Fixture::load(temp.path(), &id).unwrap();
        assert_eq!(fixture.repo, Some(dir.parent().unwrap().join(REPO)));
        assert_eq!(
            fixture.golden, None,
            "a golden that is not there is missing"
        );
    }
}

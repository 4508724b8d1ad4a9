//! Pending goldens: what `UPDATE_GOLDENS=new` writes beside a golden
//! (`expected.json.new`, `expected.patch.new`) instead of replacing it,
//! until `fixture-kit review` accepts it (renames it over the golden) or
//! rejects it (deletes it).
//!
//! Discovery and the generated tests never read a pending file: only the
//! golden's own name counts.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::discover::{FixtureId, REPO};
use crate::golden::write_atomic;
use crate::untrusted::{self, MAX_BYTES};

/// What a pending golden's name adds to its golden's.
pub const SUFFIX: &str = ".new";

/// Where the pending form of `golden` is written: beside it, `.new` added.
pub fn path_for(golden: &Path) -> PathBuf {
    let mut name = golden.as_os_str().to_owned();
    name.push(SUFFIX);
    PathBuf::from(name)
}

/// One pending golden in a fixture tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The fixture it belongs to.
    pub id: FixtureId,
    /// The golden it would replace (which may not exist yet).
    pub golden: PathBuf,
    /// The pending file.
    pub path: PathBuf,
}

/// Every pending golden under `root`, sorted by fixture; `filter` keeps
/// those whose test name (`topic::task::agent`) or folder
/// (`topic/task/agent`) contains it. A `.new` file that is not the pending
/// form of its agent's golden kind is no pending golden and is left alone.
pub fn find(root: &Path, filter: Option<&str>) -> Vec<Pending> {
    let mut found: Vec<Pending> = WalkDir::new(root)
        .min_depth(4)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.file_name() != REPO)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let rel = entry.path().parent()?.strip_prefix(root).ok()?;
            let id = FixtureId::parse(rel.to_str()?)?;
            let golden = entry
                .path()
                .with_file_name(id.agent.golden_kind().file_name());
            (path_for(&golden) == entry.path()).then(|| Pending {
                id,
                golden,
                path: entry.into_path(),
            })
        })
        .filter(|pending| {
            filter.is_none_or(|filter| {
                pending.id.test_name().contains(filter) || pending.id.to_string().contains(filter)
            })
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

impl Pending {
    /// The golden's text (`None` when there is none yet) and the pending
    /// text, for a diff.
    pub fn texts(&self) -> io::Result<(Option<String>, String)> {
        let read = |path: &Path| {
            untrusted::read_text_if_exists(path, MAX_BYTES)
                .map_err(|err| io::Error::other(err.to_string()))
        };
        let pending = read(&self.path)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is gone", self.path.display()),
            )
        })?;
        Ok((read(&self.golden)?, pending))
    }

    /// Makes the pending file the golden: one rename, so a reader sees the
    /// old golden or the new one. A golden that is a symbolic link is
    /// written through to its target, as updates do, and the link stays.
    pub fn accept(&self) -> io::Result<()> {
        let linked = fs::symlink_metadata(&self.golden).is_ok_and(|m| m.file_type().is_symlink());
        if linked {
            let (_, text) = self.texts()?;
            write_atomic(&self.golden, text.as_bytes())?;
            return fs::remove_file(&self.path);
        }
        fs::rename(&self.path, &self.golden)
    }

    /// Deletes the pending file, leaving the golden as it is.
    pub fn reject(&self) -> io::Result<()> {
        fs::remove_file(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn finds_only_pending_goldens_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "b/t/planner/expected.json.new", "{}\n");
        write(root, "a/t/coder/expected.patch.new", "");
        write(root, "a/t/coder/expected.json.new", "not the coder's kind");
        write(root, "a/t/repo/expected.json.new", "source, not a fixture");
        write(root, "a/t/planner/notes.new", "not a golden");
        write(root, "a/expected.json.new", "not in an agent folder");
        let all: Vec<String> = find(root, None).iter().map(|p| p.id.to_string()).collect();
        assert_eq!(all, ["a/t/coder", "b/t/planner"]);
        let some: Vec<String> = find(root, Some("b::t"))
            .iter()
            .map(|p| p.id.to_string())
            .collect();
        assert_eq!(some, ["b/t/planner"]);
        assert_eq!(find(root, Some("a/t/coder")).len(), 1);
        let pending = &find(root, None)[1];
        assert_eq!(pending.golden, root.join("b/t/planner/expected.json"));
        assert_eq!(pending.texts().unwrap(), (None, "{}\n".to_owned()));
    }

    #[test]
    fn discovery_sees_no_pending_golden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a/t/planner/prompt.md", "p");
        write(root, "a/t/planner/expected.json.new", "{}\n");
        write(root, "a/t/coder/prompt.md", "p");
        write(root, "a/t/coder/expected.patch", "");
        write(root, "a/t/coder/expected.patch.new", "");
        let tree = crate::discover::discover(root);
        assert!(tree.problems.is_empty(), "{:?}", tree.problems);
        let goldens: Vec<(String, bool)> = tree
            .fixtures
            .iter()
            .map(|found| (found.id.to_string(), found.has_golden))
            .collect();
        assert_eq!(
            goldens,
            [
                ("a/t/planner".to_owned(), false),
                ("a/t/coder".to_owned(), true)
            ]
        );
    }

    #[test]
    fn accept_renames_over_the_golden_and_reject_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a/t/planner/expected.json", "old\n");
        write(root, "a/t/planner/expected.json.new", "new\n");
        write(root, "a/t/architect/expected.json", "kept\n");
        write(root, "a/t/architect/expected.json.new", "dropped\n");
        let [architect, planner] = &find(root, None)[..] else {
            panic!("two pending goldens")
        };
        planner.accept().unwrap();
        architect.reject().unwrap();
        assert_eq!(
            fs::read_to_string(root.join("a/t/planner/expected.json")).unwrap(),
            "new\n"
        );
        assert_eq!(
            fs::read_to_string(root.join("a/t/architect/expected.json")).unwrap(),
            "kept\n"
        );
        assert!(find(root, None).is_empty());
    }

    #[test]
    fn accepting_over_a_linked_golden_writes_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "shared/expected.json", "old\n");
        write(root, "a/t/planner/expected.json.new", "new\n");
        std::os::unix::fs::symlink(
            root.join("shared/expected.json"),
            root.join("a/t/planner/expected.json"),
        )
        .unwrap();
        find(root, None)[0].accept().unwrap();
        assert!(fs::symlink_metadata(root.join("a/t/planner/expected.json"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_to_string(root.join("shared/expected.json")).unwrap(),
            "new\n"
        );
        assert!(!root.join("a/t/planner/expected.json.new").exists());
    }
}

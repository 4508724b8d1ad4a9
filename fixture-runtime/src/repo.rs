//! An in-memory view of a fixture's `repo/`, read once per verification,
//! and the one walk over `repo/` that every reader and copier shares.
//!
//! Symbolic links in `repo/` are kept as links, the way git stores them:
//! never followed, their content is their target path. `repo/` itself must
//! be a real folder, and a FIFO, socket or device inside it is an error
//! naming the entry.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::untrusted::{self, Kind, ReadError, Reason, MAX_BYTES};

/// The files of a repository by `/`-separated relative path; `None` for a
/// file that is not UTF-8 text. A symbolic link is a file whose text is its
/// target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    /// Files by relative path.
    pub files: BTreeMap<String, Option<String>>,
}

impl Repo {
    /// Reads every file and link under `dir` (skipping `.git/`).
    pub fn load(dir: &Path) -> Result<Repo, ReadError> {
        let mut files = BTreeMap::new();
        for entry in walk(dir, Git::Skip)? {
            let text = match &entry.node {
                Node::Dir => continue,
                Node::File => String::from_utf8(
                    untrusted::read(&entry.path, MAX_BYTES)
                        .map_err(|err| err.shown_as(entry.rel.clone()))?,
                )
                .ok(),
                Node::Link(target) => target.to_str().map(str::to_owned),
            };
            files.insert(entry.rel, text);
        }
        Ok(Repo { files })
    }

    /// A repository from `(path, text)` pairs.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Repo {
        Repo {
            files: files
                .into_iter()
                .map(|(path, text)| (path.to_owned(), Some(text.to_owned())))
                .collect(),
        }
    }

    /// Whether `path` is a file here.
    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The text of `path`, when it is a UTF-8 file here.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files.get(path).and_then(|text| text.as_deref())
    }
}

/// The lines of `text`, each with its `\n` (the last may lack it).
pub fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Whether a walk descends into `.git/` folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Git {
    /// Leave them out (what a patch is about).
    Skip,
    /// Keep them (a working copy an agent may run git in).
    Keep,
}

/// What one walked entry is; nothing else is walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A real folder (walked into).
    Dir,
    /// A regular file.
    File,
    /// A symbolic link with its target, not followed.
    Link(PathBuf),
}

/// One entry below a walked folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its `/`-separated path relative to the walked folder.
    pub rel: String,
    /// Its path on disk.
    pub path: PathBuf,
    /// What it is.
    pub node: Node,
}

/// Every entry below `dir` in path order, parents before children, without
/// following any link. `dir` itself must be a real folder; a FIFO, socket or
/// device below it is an error naming it.
pub(crate) fn walk(dir: &Path, git: Git) -> Result<Vec<Entry>, ReadError> {
    let meta = fs::symlink_metadata(dir).map_err(|err| ReadError::new(dir, Reason::Io(err)))?;
    if meta.file_type().is_symlink() {
        let target = fs::read_link(dir).unwrap_or_default();
        return Err(ReadError::new(dir, Reason::LinkedFolder(target)));
    }
    if !meta.is_dir() {
        return Err(ReadError::new(
            dir,
            Reason::NotRegular {
                kind: Kind::of(meta.file_type()),
                link: None,
            },
        ));
    }
    let walker = WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| git == Git::Keep || entry.file_name() != ".git");
    let mut entries = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|err| {
            let path = err.path().unwrap_or(dir).to_owned();
            ReadError::new(&path, Reason::Io(err.into()))
        })?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths below its root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let file_type = entry.file_type();
        let node = match Kind::of(file_type) {
            Kind::Dir => Node::Dir,
            Kind::File => Node::File,
            Kind::Symlink => Node::Link(
                fs::read_link(entry.path())
                    .map_err(|err| ReadError::new(entry.path(), Reason::Io(err)).shown_as(&rel))?,
            ),
            kind => {
                return Err(
                    ReadError::new(entry.path(), Reason::NotRegular { kind, link: None })
                        .shown_as(rel),
                )
            }
        };
        entries.push(Entry {
            rel,
            path: entry.path().to_owned(),
            node,
        });
    }
    Ok(entries)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A `repo/` with a file, a link inside it, and links out of the
    /// fixture to a secret file, a folder and `/dev/zero`; the temp dir
    /// holds both.
    pub(crate) fn linked_repo() -> (tempfile::TempDir, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let outside = temp.path().join("outside");
        fs::create_dir_all(outside.join("dir")).unwrap();
        fs::write(outside.join("secret.txt"), "TOP SECRET\n").unwrap();
        fs::write(outside.join("dir/inner.txt"), "ALSO SECRET\n").unwrap();
        let repo = temp.path().join("repo");
        fs::create_dir_all(repo.join("src")).unwrap();
        fs::write(repo.join("src/lib.ts"), "export {};\n").unwrap();
        symlink("src/lib.ts", repo.join("index.ts")).unwrap();
        symlink(outside.join("secret.txt"), repo.join("src/secret.ts")).unwrap();
        symlink("../outside/dir", repo.join("vendor")).unwrap();
        symlink("/dev/zero", repo.join("zero")).unwrap();
        (temp, repo)
    }

    #[test]
    fn links_are_kept_as_links_and_never_followed() {
        let (temp, repo) = linked_repo();
        let loaded = Repo::load(&repo).unwrap();
        let secret = temp.path().join("outside/secret.txt");
        assert_eq!(
            loaded.files,
            BTreeMap::from([
                ("index.ts".to_owned(), Some("src/lib.ts".to_owned())),
                ("src/lib.ts".to_owned(), Some("export {};\n".to_owned())),
                (
                    "src/secret.ts".to_owned(),
                    Some(secret.display().to_string())
                ),
                ("vendor".to_owned(), Some("../outside/dir".to_owned())),
                ("zero".to_owned(), Some("/dev/zero".to_owned())),
            ])
        );
    }

    #[test]
    fn a_linked_repo_and_special_files_are_errors_naming_them() {
        let (temp, repo) = linked_repo();
        let linked = temp.path().join("linked-repo");
        symlink(&repo, &linked).unwrap();
        let err = Repo::load(&linked).unwrap_err().to_string();
        assert!(
            err.starts_with("`linked-repo` is a symbolic link to `")
                && err.contains("never follows a link out of a fixture"),
            "{err}"
        );
        crate::untrusted::mkfifo(&repo.join("src/pipe"));
        assert_eq!(
            Repo::load(&repo).unwrap_err().to_string(),
            "`src/pipe` is a FIFO, not a regular file"
        );
    }
}

//! An in-memory view of a fixture's `repo/`, read once per verification.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use walkdir::WalkDir;

/// The files of a repository by `/`-separated relative path; `None` for a
/// file that is not UTF-8 text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    /// Files by relative path.
    pub files: BTreeMap<String, Option<String>>,
}

impl Repo {
    /// Reads every file under `dir` (skipping `.git/`).
    pub fn load(dir: &Path) -> std::io::Result<Repo> {
        let mut files = BTreeMap::new();
        let walker = WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.file_name() != ".git");
        for entry in walker {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("walkdir yields paths below its root");
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = String::from_utf8(fs::read(entry.path())?).ok();
            files.insert(key, text);
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

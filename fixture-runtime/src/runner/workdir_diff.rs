//! The coder's patch as what the agent changed in its working copy: for
//! agent CLIs that edit files instead of printing a diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use diffy::DiffOptions;
use walkdir::WalkDir;

use super::RunError;

/// A git-style unified diff from `before` (the fixture's `repo/`, or
/// nothing) to `after` (the agent's working copy), files in path order;
/// `.git/` folders are left out. Empty when nothing changed.
pub fn diff(before: Option<&Path>, after: &Path) -> Result<String, RunError> {
    let old = match before {
        Some(dir) => files(dir)?,
        None => BTreeMap::new(),
    };
    let new = files(after)?;
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut patch = String::new();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let text = |bytes: Option<&Vec<u8>>| -> Result<String, RunError> {
            String::from_utf8(bytes.cloned().unwrap_or_default()).map_err(|_| RunError::new(format!("the agent changed `{path}`, which is not text: binary patches are not supported")))
        };
        let (a_text, b_text) = (text(a)?, text(b)?);
        let mut options = DiffOptions::new();
        options
            .set_original_filename(if a.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".into()
            })
            .set_modified_filename(if b.is_some() {
                format!("b/{path}")
            } else {
                "/dev/null".into()
            });
        let _ = writeln!(patch, "diff --git a/{path} b/{path}");
        match (a, b) {
            (None, _) => patch.push_str("new file mode 100644\n"),
            (_, None) => patch.push_str("deleted file mode 100644\n"),
            _ => {}
        }
        let _ = write!(patch, "{}", options.create_patch(&a_text, &b_text));
    }
    Ok(patch)
}

/// Every file below `dir` by its `/`-separated relative path.
fn files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, RunError> {
    let fail = |what: String| RunError::new(format!("cannot read the agent's files: {what}"));
    let mut files = BTreeMap::new();
    for entry in WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
    {
        let entry = entry.map_err(|err| fail(err.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walk stays below its root");
        let rel: Vec<String> = rel
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        let bytes = fs::read(entry.path())
            .map_err(|err| fail(format!("{}: {err}", entry.path().display())))?;
        files.insert(rel.join("/"), bytes);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn modifications_creations_and_deletions_in_path_order() {
        let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(before.path(), "src/a.ts", "one\ntwo\n");
        write(before.path(), "src/gone.ts", "bye\n");
        write(before.path(), "same.md", "x\n");
        write(after.path(), "src/a.ts", "one\n2\n");
        write(after.path(), "src/new.ts", "hi\n");
        write(after.path(), "same.md", "x\n");
        write(after.path(), ".git/HEAD", "ref: refs/heads/main\n");
        let patch = diff(Some(before.path()), after.path()).unwrap();
        assert_eq!(
            patch,
            "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n\
             @@ -1,2 +1,2 @@\n one\n-two\n+2\n\
             diff --git a/src/gone.ts b/src/gone.ts\ndeleted file mode 100644\n\
             --- a/src/gone.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n\
             diff --git a/src/new.ts b/src/new.ts\nnew file mode 100644\n\
             --- /dev/null\n+++ b/src/new.ts\n@@ -0,0 +1 @@\n+hi\n"
        );
        assert_eq!(diff(Some(before.path()), before.path()).unwrap(), "");
    }

    #[test]
    fn binary_changes_are_named() {
        let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        fs::write(after.path().join("logo.png"), [0x89, 0x50, 0xff, 0x00]).unwrap();
        let err = diff(Some(before.path()), after.path()).unwrap_err();
        assert!(
            err.message.contains("`logo.png`, which is not text"),
            "{err}"
        );
    }
}

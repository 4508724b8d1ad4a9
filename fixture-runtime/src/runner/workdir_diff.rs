//! The coder's patch as what the agent changed in its working copy: for
//! agent CLIs that edit files instead of printing a diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use diffy::DiffOptions;

use super::RunError;
use crate::repo::{walk, Git, Node};
use crate::untrusted::{self, MAX_BYTES};

/// A git-style unified diff from `before` (the fixture's `repo/`, or
/// nothing) to `after` (the agent's working copy), files in path order;
/// `.git/` folders are left out. Symbolic links are compared by their
/// target, never followed, as git does (mode `120000`). Empty when nothing
/// changed.
pub fn diff(before: Option<&Path>, after: &Path) -> Result<String, RunError> {
    let old = match before {
        Some(dir) => blobs(dir)?,
        None => BTreeMap::new(),
    };
    let new = blobs(after)?;
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut patch = String::new();
    for path in paths {
        match (old.get(path), new.get(path)) {
            (a, b) if a == b => {}
            (Some(a), Some(b)) if a.mode() != b.mode() => {
                file_diff(&mut patch, path, Some(a), None)?;
                file_diff(&mut patch, path, None, Some(b))?;
            }
            (a, b) => file_diff(&mut patch, path, a, b)?,
        }
    }
    Ok(patch)
}

/// What git stores for a path: a file's bytes, or a link's target.
#[derive(Debug, PartialEq, Eq)]
enum Blob {
    File(Vec<u8>),
    Link(Vec<u8>),
}

impl Blob {
    fn mode(&self) -> &'static str {
        match self {
            Blob::File(_) => "100644",
            Blob::Link(_) => "120000",
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Blob::File(bytes) | Blob::Link(bytes) => bytes,
        }
    }
}

/// Appends the diff of one path, from `a` to `b` (`None`: absent).
fn file_diff(
    patch: &mut String,
    path: &str,
    a: Option<&Blob>,
    b: Option<&Blob>,
) -> Result<(), RunError> {
    let text = |blob: Option<&Blob>| -> Result<String, RunError> {
        String::from_utf8(blob.map(|b| b.bytes().to_vec()).unwrap_or_default()).map_err(|_| {
            RunError::new(format!(
                "the agent changed `{path}`, which is not text: binary patches are not supported"
            ))
        })
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
        (None, Some(b)) => {
            let _ = writeln!(patch, "new file mode {}", b.mode());
        }
        (Some(a), None) => {
            let _ = writeln!(patch, "deleted file mode {}", a.mode());
        }
        _ => {}
    }
    let _ = write!(patch, "{}", options.create_patch(&a_text, &b_text));
    Ok(())
}

/// Every file and link below `dir` by its `/`-separated relative path.
fn blobs(dir: &Path) -> Result<BTreeMap<String, Blob>, RunError> {
    let fail = |what: String| RunError::new(format!("cannot read the agent's files: {what}"));
    let mut blobs = BTreeMap::new();
    for entry in walk(dir, Git::Skip).map_err(|err| fail(err.to_string()))? {
        let blob = match entry.node {
            Node::Dir => continue,
            Node::File => Blob::File(
                untrusted::read(&entry.path, MAX_BYTES)
                    .map_err(|err| fail(err.shown_as(entry.rel.clone()).to_string()))?,
            ),
            Node::Link(target) => Blob::Link(target.into_os_string().into_encoded_bytes()),
        };
        blobs.insert(entry.rel, blob);
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use std::fs;

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

    #[test]
    fn links_are_compared_by_target_and_never_followed() {
        use std::os::unix::fs::symlink;

        let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "TOP SECRET\n").unwrap();
        write(before.path(), "a.ts", "a\n");
        symlink(
            outside.path().join("secret"),
            before.path().join("secret.ts"),
        )
        .unwrap();
        symlink("a.ts", before.path().join("link.ts")).unwrap();
        assert_eq!(diff(Some(before.path()), before.path()).unwrap(), "");

        write(after.path(), "a.ts", "a\n");
        symlink(
            outside.path().join("secret"),
            after.path().join("secret.ts"),
        )
        .unwrap();
        symlink("b.ts", after.path().join("link.ts")).unwrap();
        symlink("/etc/hostname", after.path().join("new.ts")).unwrap();
        let patch = diff(Some(before.path()), after.path()).unwrap();
        assert_eq!(
            patch,
            "diff --git a/link.ts b/link.ts\n--- a/link.ts\n+++ b/link.ts\n\
             @@ -1 +1 @@\n-a.ts\n\\ No newline at end of file\n+b.ts\n\\ No newline at end of file\n\
             diff --git a/new.ts b/new.ts\nnew file mode 120000\n--- /dev/null\n+++ b/new.ts\n\
             @@ -0,0 +1 @@\n+/etc/hostname\n\\ No newline at end of file\n"
        );
        assert!(!patch.contains("TOP SECRET"));
    }

    #[test]
    fn a_file_replaced_by_a_link_is_a_deletion_and_a_creation() {
        use std::os::unix::fs::symlink;

        let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(before.path(), "a.ts", "a.ts\n");
        symlink("b.ts", after.path().join("a.ts")).unwrap();
        let patch = diff(Some(before.path()), after.path()).unwrap();
        assert_eq!(
            patch,
            "diff --git a/a.ts b/a.ts\ndeleted file mode 100644\n--- a/a.ts\n+++ /dev/null\n\
             @@ -1 +0,0 @@\n-a.ts\n\
             diff --git a/a.ts b/a.ts\nnew file mode 120000\n--- /dev/null\n+++ b/a.ts\n\
             @@ -0,0 +1 @@\n+b.ts\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn a_fifo_left_in_the_working_copy_is_named() {
        let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        fs::create_dir(after.path().join("src")).unwrap();
        crate::untrusted::mkfifo(&after.path().join("src/pipe"));
        let err = diff(Some(before.path()), after.path()).unwrap_err();
        assert_eq!(
            err.message,
            "cannot read the agent's files: `src/pipe` is a FIFO, not a regular file"
        );
    }
}

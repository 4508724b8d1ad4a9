//! Rule `patch-apply`: the patch applies cleanly to `repo/`, in memory, all
//! hunks or nothing. Hunks are placed as `git apply` places them: exact
//! lines, no fuzz, searched outwards from the line the header names; a
//! hunk starting at line 0 or 1 must match at the start of the file, and
//! one without trailing context at its end.

use crate::repo::{lines, Repo};
use crate::rule::{Rule, Violation};
use crate::rules::patch::{Change, FilePatch, Hunk, Patch};

/// Applies `patch` to `repo` and returns the patched repository, or every
/// file and hunk that fails (reported against the golden `file`).
pub fn apply(patch: &Patch, repo: &Repo, file: &str) -> Result<Repo, Vec<Violation>> {
    let mut work = repo.clone();
    let mut violations = Vec::new();
    for file_patch in &patch.files {
        if let Err(found) = apply_file(file_patch, &mut work, file) {
            violations.extend(found);
        }
    }
    if violations.is_empty() {
        Ok(work)
    } else {
        Err(violations)
    }
}

fn apply_file(fp: &FilePatch, work: &mut Repo, file: &str) -> Result<(), Vec<Violation>> {
    let fail = |message: String| {
        vec![Violation::new(Rule::PatchApply, message)
            .at(format!("{file}:{}", fp.line))
            .hint("regenerate the patch against the fixture's repo/ with `git diff`")]
    };
    let missing = |path: &str| fail(format!("`{path}` does not exist in repo/"));
    let present = |path: &str| fail(format!("`{path}` already exists in repo/"));
    let base = match fp.old_path() {
        None => String::new(),
        Some(path) => match work.files.get(path) {
            None => return Err(missing(path)),
            Some(None) => return Err(fail(format!("`{path}` is not a text file"))),
            Some(Some(text)) => text.clone(),
        },
    };
    if let Change::Create(to) | Change::Rename { to, .. } | Change::Copy { to, .. } = &fp.change {
        if work.has(to) {
            return Err(present(to));
        }
    }
    let path = fp.display_path();
    let result = apply_hunks(&base, &fp.hunks, path, file)?;
    match &fp.change {
        Change::Delete(path) => {
            if !result.is_empty() {
                return Err(fail(format!(
                    "deleting `{path}` leaves content: its hunks do not remove every line"
                )));
            }
            work.files.remove(path);
        }
        Change::Rename { from, to } => {
            work.files.remove(from);
            work.files.insert(to.clone(), Some(result));
        }
        Change::Create(to) | Change::Modify(to) | Change::Copy { to, .. } => {
            work.files.insert(to.clone(), Some(result));
        }
    }
    Ok(())
}

/// Applies `hunks` to `text` in order, as `git apply` does.
fn apply_hunks(
    text: &str,
    hunks: &[Hunk],
    path: &str,
    file: &str,
) -> Result<String, Vec<Violation>> {
    let mut image: Vec<String> = lines(text).into_iter().map(str::to_owned).collect();
    let mut violations = Vec::new();
    for (k, hunk) in hunks.iter().enumerate() {
        let before: Vec<&str> = hunk.before().collect();
        let trailing = hunk
            .lines
            .iter()
            .rev()
            .take_while(|l| is_context(l))
            .count();
        let at_start = hunk.old_start <= 1;
        let at_end = trailing == 0;
        let want = hunk.new_start.saturating_sub(1).min(image.len());
        match find(&image, &before, want, at_start, at_end) {
            Some(pos) => {
                let after: Vec<String> = hunk.after().map(str::to_owned).collect();
                image.splice(pos..pos + before.len(), after);
            }
            None => violations.push(
                Violation::new(
                    Rule::PatchApply,
                    format!(
                        "`{path}`: hunk {} `{}` does not apply: {}",
                        k + 1,
                        hunk.header(),
                        mismatch(&image, &before, want, at_start)
                    ),
                )
                .at(format!("{file}:{}", hunk.line))
                .hint("make the hunk's context and removed lines match repo/, or regenerate the patch with `git diff`"),
            ),
        }
    }
    if violations.is_empty() {
        Ok(image.concat())
    } else {
        Err(violations)
    }
}

fn is_context(line: &crate::rules::patch::HunkLine) -> bool {
    matches!(line, crate::rules::patch::HunkLine::Context(_))
}

/// Where `before` matches `image`, searching outwards from `want`.
fn find(
    image: &[String],
    before: &[&str],
    want: usize,
    at_start: bool,
    at_end: bool,
) -> Option<usize> {
    if before.len() > image.len() {
        return None;
    }
    let fits = |pos: usize| {
        pos + before.len() <= image.len()
            && (!at_start || pos == 0)
            && (!at_end || pos + before.len() == image.len())
            && image[pos..pos + before.len()]
                .iter()
                .zip(before)
                .all(|(a, b)| a == b)
    };
    let start = if at_start {
        0
    } else if at_end {
        image.len() - before.len()
    } else {
        want
    };
    (0..=image.len())
        .flat_map(|d| [start.checked_add(d), start.checked_sub(d).filter(|_| d > 0)])
        .flatten()
        .filter(|&pos| pos <= image.len())
        .find(|&pos| fits(pos))
}

/// What differs at the hunk's own position: the first expected line
/// against the line found there.
fn mismatch(image: &[String], before: &[&str], want: usize, at_start: bool) -> String {
    let pos = if at_start { 0 } else { want };
    for (i, expected) in before.iter().enumerate() {
        let found = image.get(pos + i);
        if found.map(String::as_str) != Some(*expected) {
            return format!(
                "at line {}, expected {} but found {}",
                pos + i + 1,
                show(Some(expected)),
                show(found.map(String::as_str)),
            );
        }
    }
    // The lines are there, so the only constraint left unmet is the end.
    format!(
        "its lines match at line {} but a hunk without trailing context must end at the end \
         of the file ({} lines)",
        pos + 1,
        image.len()
    )
}

fn show(line: Option<&str>) -> String {
    match line {
        None => "the end of the file".into(),
        Some(text) => match text.strip_suffix('\n') {
            Some(text) => format!("`{text}`"),
            None => format!("`{text}` (no newline at end of file)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::patch::parse;

    fn run(patch: &str, files: &[(&str, &str)]) -> Result<Repo, String> {
        let patch = parse(patch, "p").unwrap();
        apply(&patch, &Repo::from_files(files.iter().copied()), "p").map_err(|all| {
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    const FILE: &str = "a\nb\nc\nd\ne\nf\ng\n";

    #[test]
    fn applies_with_offset_like_git() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n c\n-d\n+D\n e\n";
        let repo = run(patch, &[("f", FILE)]).unwrap();
        assert_eq!(repo.text("f"), Some("a\nb\nc\nD\ne\nf\ng\n"));
    }

    #[test]
    fn reports_expected_versus_found() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -3,3 +3,3 @@\n c\n-x\n+D\n e\n";
        let err = run(patch, &[("f", FILE)]).unwrap_err();
        assert!(
            err.contains("p:4: `f`: hunk 1 `@@ -3,3 +3,3 @@` does not apply: at line 4, expected `x` but found `d`"),
            "{err}"
        );
    }

    #[test]
    fn is_atomic_across_files() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+A\n b\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-nope\n+x\n";
        let err = run(patch, &[("f", FILE), ("g", "g\n")]).unwrap_err();
        assert!(err.contains("`g`: hunk 1"), "{err}");
        assert!(!err.contains("`f`"), "{err}");
    }

    #[test]
    fn hunk_without_trailing_context_must_end_at_end_of_file() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -3,2 +3,2 @@\n c\n-d\n+D\n";
        let err = run(patch, &[("f", FILE)]).unwrap_err();
        assert!(err.contains("must end at the end of the file"), "{err}");
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -6,2 +6,2 @@\n f\n-g\n+G\n";
        assert!(run(patch, &[("f", FILE)]).is_ok());
    }

    #[test]
    fn hunk_at_the_start_without_trailing_context_must_cover_the_whole_file() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+A\n";
        let err = run(patch, &[("f", "a\nb\n")]).unwrap_err();
        assert!(
            err.contains("at line 1 but a hunk without trailing context must end"),
            "{err}"
        );
        assert!(run(patch, &[("f", "a\n")]).is_ok());
    }

    #[test]
    fn creation_deletion_and_rename_check_existence() {
        let create =
            "diff --git a/f b/f\nnew file mode 100644\n--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n";
        assert!(run(create, &[("f", FILE)])
            .unwrap_err()
            .contains("`f` already exists"));
        assert_eq!(run(create, &[]).unwrap().text("f"), Some("x\n"));
        let delete = "diff --git a/g b/g\ndeleted file mode 100644\n--- a/g\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n";
        assert!(run(delete, &[]).unwrap_err().contains("`g` does not exist"));
        assert!(!run(delete, &[("g", "g\n")]).unwrap().has("g"));
        assert!(run(delete, &[("g", "g\nh\n")]).is_err());
        let rename = "diff --git a/f b/h\nsimilarity index 100%\nrename from f\nrename to h\n";
        let repo = run(rename, &[("f", FILE)]).unwrap();
        assert!(!repo.has("f") && repo.text("h") == Some(FILE));
        assert!(run(rename, &[("f", FILE), ("h", "")])
            .unwrap_err()
            .contains("`h` already exists"));
    }

    #[test]
    fn missing_newline_at_end_of_file_must_match() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n";
        assert!(run(patch, &[("f", "a")]).is_ok());
        let err = run(patch, &[("f", "a\n")]).unwrap_err();
        assert!(err.contains("(no newline at end of file)"), "{err}");
    }
}

//! Rule `patch-apply`: the patch applies cleanly to `repo/`, in memory, as
//! `git apply --check` applies it. Sections apply in order: a section on a
//! file an earlier section changed reads that section's result (a rename
//! or copy reads the original, as git's do). Hunks are placed as git
//! places them: exact lines, no fuzz, searched outwards from the line the
//! header names, never over lines an earlier hunk wrote; a hunk starting
//! at line 0 or 1 must match at the start of the file, one without
//! trailing context at its end.

mod image;
mod visible;

use std::collections::BTreeMap;

use image::Image;

use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::patch::{Change, FilePatch, Hunk, HunkLine, Patch};

/// What earlier sections did to a path (git's table of patched names).
#[derive(Debug, Clone)]
enum Slot {
    /// Written by the section at this line.
    Written(String),
    /// Deleted or renamed away by the section at this line.
    Deleted(usize),
    /// A later section deletes it or renames it away.
    ToBeDeleted,
}

/// Applies `patch` to `repo` and returns the patched repository, or every
/// file and hunk that fails (reported against the golden `file`).
pub fn apply(patch: &Patch, repo: &Repo, file: &str) -> Result<Repo, Vec<Violation>> {
    let mut table: BTreeMap<&str, Slot> = BTreeMap::new();
    for fp in &patch.files {
        if let (Some(old), Change::Delete(_) | Change::Rename { .. }) = (fp.old_path(), &fp.change)
        {
            table.insert(old, Slot::ToBeDeleted);
        }
    }
    let mut violations = Vec::new();
    for fp in &patch.files {
        match apply_file(fp, repo, &table, file) {
            Ok(result) => {
                if let Some(new) = fp.new_path() {
                    table.insert(new, Slot::Written(result));
                }
                if let (Some(old), Change::Delete(_) | Change::Rename { .. }) =
                    (fp.old_path(), &fp.change)
                {
                    table.insert(old, Slot::Deleted(fp.line));
                }
            }
            Err(found) => violations.extend(found),
        }
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    let mut work = repo.clone();
    for (path, slot) in table {
        match slot {
            Slot::Written(text) => {
                work.files.insert(path.to_owned(), Some(text));
            }
            Slot::Deleted(_) => {
                work.files.remove(path);
            }
            Slot::ToBeDeleted => {}
        }
    }
    Ok(work)
}

/// Applies one section; returns the text it writes (empty for a deletion).
fn apply_file(
    fp: &FilePatch,
    repo: &Repo,
    table: &BTreeMap<&str, Slot>,
    file: &str,
) -> Result<String, Vec<Violation>> {
    let fail = |message: String| {
        vec![Violation::new(Rule::PatchApply, message)
            .at(format!("{file}:{}", fp.line))
            .hint("regenerate the patch against the fixture's repo/ with `git diff`")]
    };
    let reads_original = matches!(fp.change, Change::Rename { .. } | Change::Copy { .. });
    // A traditional diff adding to nothing creates a file that is missing.
    let creates = match (&fp.change, fp.old_path()) {
        (Change::Create(_), _) => true,
        (Change::Modify(path), _) if fp.may_create => {
            !repo.has(path) && !matches!(table.get(path.as_str()), Some(Slot::Written(_)))
        }
        _ => false,
    };
    let base: String = match fp.old_path().filter(|_| !creates) {
        None => String::new(),
        Some(path) => match table.get(path).filter(|_| !reads_original) {
            Some(Slot::Written(text)) => text.clone(),
            Some(Slot::Deleted(line)) => {
                return Err(fail(format!(
                    "`{path}` was already deleted or renamed away by the section at line {line}"
                )))
            }
            Some(Slot::ToBeDeleted) | None => match repo.files.get(path) {
                None => return Err(fail(format!("`{path}` does not exist in repo/"))),
                Some(None) => return Err(fail(format!("`{path}` is not a text file"))),
                Some(Some(text)) => text.clone(),
            },
        },
    };
    if let Change::Create(to) | Change::Rename { to, .. } | Change::Copy { to, .. } = &fp.change {
        let replaced = matches!(
            table.get(to.as_str()),
            Some(Slot::Deleted(_) | Slot::ToBeDeleted)
        );
        if repo.has(to) && !replaced {
            return Err(fail(format!("`{to}` already exists in repo/")));
        }
    }
    let result = apply_hunks(&base, &fp.hunks, fp.display_path(), file)?;
    if let Change::Delete(path) = &fp.change {
        if !result.is_empty() && !fp.damaged {
            return Err(fail(format!(
                "deleting `{path}` leaves content: its hunks do not remove every line"
            )));
        }
    }
    Ok(result)
}

/// How many failed hunks of one file are searched for and reported.
const SEARCHED_FAILURES: usize = 100;

/// Applies `hunks` to `text` in order, as `git apply` does.
fn apply_hunks(
    text: &str,
    hunks: &[Hunk],
    path: &str,
    file: &str,
) -> Result<String, Vec<Violation>> {
    let mut image = Image::new(text);
    let mut violations = Vec::new();
    for (k, hunk) in hunks.iter().enumerate() {
        if violations.len() == SEARCHED_FAILURES {
            // Each failed search reads the whole file: past this many the
            // verdict is plain, and the rest would cost hunks × lines.
            violations.push(
                Violation::new(
                    Rule::PatchApply,
                    format!(
                        "`{path}`: {} more hunks not placed after {SEARCHED_FAILURES} failed",
                        hunks.len() - k
                    ),
                )
                .at(format!("{file}:{}", hunk.line))
                .hint("regenerate the patch against the fixture's repo/ with `git diff`"),
            );
            break;
        }
        let before: Vec<&str> = hunk.before().collect();
        let trailing = hunk
            .lines
            .iter()
            .rev()
            .take_while(|l| matches!(l, HunkLine::Context(_)))
            .count();
        let at_start = hunk.old_start <= 1;
        let at_end = trailing == 0;
        let want = hunk.new_start.saturating_sub(1);
        match find(&image, &before, want, at_start, at_end) {
            Some(pos) => image.replace(pos, before.len(), hunk.after()),
            None => violations.push(
                Violation::new(
                    Rule::PatchApply,
                    format!(
                        "`{path}`: hunk {} `{}` does not apply: {}",
                        hunk.number,
                        hunk.header(),
                        mismatch(&image, &before, want.min(image.len()), at_start)
                    ),
                )
                .at(format!("{file}:{}", hunk.line))
                .hint(
                    "make the hunk's context and removed lines match repo/, or regenerate the \
                     patch with `git diff`",
                ),
            ),
        }
    }
    if violations.is_empty() {
        Ok(image.into_text())
    } else {
        Err(violations)
    }
}

/// Where `before` matches `image`: at the start or the end where the hunk
/// must be there, else the nearest place to `want` (after before before).
fn find(
    image: &Image<'_>,
    before: &[&str],
    want: usize,
    at_start: bool,
    at_end: bool,
) -> Option<usize> {
    let len = image.len();
    if before.len() > len {
        return None;
    }
    let last = len - before.len();
    if at_start || at_end {
        let pos = if at_start { 0 } else { last };
        let fits = (!at_end || pos == last) && image.matches(pos, before, !at_end);
        return fits.then_some(pos);
    }
    let want = want.min(len);
    (0..=len)
        .flat_map(|d| [want.checked_add(d), want.checked_sub(d).filter(|_| d > 0)])
        .flatten()
        .filter(|&pos| pos <= last)
        .find(|&pos| image.matches(pos, before, true))
}

/// What differs at the hunk's own position: the first expected line
/// against the line found there.
fn mismatch(image: &Image<'_>, before: &[&str], want: usize, at_start: bool) -> String {
    let pos = if at_start { 0 } else { want };
    for (i, expected) in before.iter().enumerate() {
        let found = image.text(pos + i);
        if found != Some(*expected) {
            return format!(
                "at line {}, {}",
                pos + i + 1,
                visible::expected_found(Some(expected), found)
            );
        }
        if image.patched(pos + i) {
            return format!(
                "its lines at line {} overlap lines an earlier hunk already changed",
                pos + 1
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

    #[test]
    fn sections_on_one_file_apply_in_order() {
        let first = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n";
        let second = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n A\n-b\n+B\n c\n";
        let repo = run(&format!("{first}{second}"), &[("f", FILE)]).unwrap();
        assert_eq!(repo.text("f"), Some("A\nB\nc\nd\ne\nf\ng\n"));
        let delete = "diff --git a/f b/f\ndeleted file mode 100644\n--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-A\n-b\n";
        let first = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,7 +1,2 @@\n-a\n+A\n b\n-c\n-d\n-e\n-f\n-g\n";
        assert!(!run(&format!("{first}{delete}"), &[("f", FILE)])
            .unwrap()
            .has("f"));
        let err = run(&format!("{delete}{first}"), &[("f", "A\nb\n")]).unwrap_err();
        assert!(
            err.contains("`f` was already deleted or renamed away by the section at line 1"),
            "{err}"
        );
    }

    #[test]
    fn copies_read_the_original() {
        let modify = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n";
        let copy = "diff --git a/f b/h\ncopy from f\ncopy to h\n--- a/f\n+++ b/h\n@@ -1,3 +1,3 @@\n-a\n+X\n b\n c\n";
        let repo = run(&format!("{modify}{copy}"), &[("f", FILE)]).unwrap();
        assert_eq!(repo.text("f"), Some("A\nb\nc\nd\ne\nf\ng\n"));
        assert_eq!(repo.text("h"), Some("X\nb\nc\nd\ne\nf\ng\n"));
    }

    #[test]
    fn out_of_order_hunks_apply_and_overlapping_ones_do_not() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n e\n-f\n+F\n g\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n";
        let repo = run(patch, &[("f", FILE)]).unwrap();
        assert_eq!(repo.text("f"), Some("a\nb\nC\nd\ne\nF\ng\n"));
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -3,3 +3,3 @@\n C\n-d\n+D\n e\n";
        let err = run(patch, &[("f", FILE)]).unwrap_err();
        assert!(
            err.contains("hunk 2 `@@ -3,3 +3,3 @@` does not apply: its lines at line 3 overlap"),
            "{err}"
        );
    }

    #[test]
    fn crlf_context_against_an_lf_file_is_shown_visibly() {
        let patch = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\r\n+A\r\n b\r\n";
        let err = run(patch, &[("f", "a\nb\n")]).unwrap_err();
        assert!(
            err.contains("expected `a\\r` but found `a` (they differ in line endings"),
            "{err}"
        );
    }

    #[test]
    fn a_traditional_diff_adding_to_nothing_creates_a_missing_file() {
        let patch = "--- a/n\n+++ b/n\n@@ -0,0 +1 @@\n+x\n";
        assert_eq!(run(patch, &[]).unwrap().text("n"), Some("x\n"));
        assert_eq!(run(patch, &[("n", "")]).unwrap().text("n"), Some("x\n"));
    }

    #[test]
    fn failed_hunks_past_a_hundred_are_counted_not_searched() {
        let file: String = (0..100_000).map(|i| format!("{i}\n")).collect();
        let mut patch = String::from("diff --git a/f b/f\n--- a/f\n+++ b/f\n");
        for i in 0..20_000 {
            patch.push_str(&format!("@@ -{0},2 +{0},2 @@\n x\n-y\n+z\n", i * 5 + 2));
        }
        let err = run(&patch, &[("f", &file)]).unwrap_err();
        assert_eq!(err.matches("does not apply").count(), 100);
        assert!(
            err.contains("`f`: 19900 more hunks not placed after 100 failed"),
            "{err:.300}"
        );
    }
}

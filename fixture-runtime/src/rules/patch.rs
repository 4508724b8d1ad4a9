//! Rule `patch-validity`: the coder's golden parses as a git-style unified
//! diff. diffy's patch-set parser reads each file section; this module adds
//! the checks git applies and diffy leaves out (a hunk body longer than its
//! header says, hunks that change nothing, binary patches) and records line
//! numbers for every file and hunk.

use diffy::patch_set::{FileOperation, ParseOptions, PatchKind, PatchSet};

use crate::rule::{Rule, Violation};

/// A parsed multi-file patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// One entry per `diff --git` section, in patch order.
    pub files: Vec<FilePatch>,
}

/// One file's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePatch {
    /// The 1-based line of its `diff --git` header.
    pub line: usize,
    /// What happens to the file.
    pub change: Change,
    /// Its hunks, in order.
    pub hunks: Vec<Hunk>,
}

/// What a file patch does; paths are relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Creates `path`.
    Create(String),
    /// Deletes `path`.
    Delete(String),
    /// Changes `path` in place.
    Modify(String),
    /// Moves `from` to `to` (and may change it).
    Rename {
        /// The old path.
        from: String,
        /// The new path.
        to: String,
    },
    /// Copies `from` to `to` (and may change the copy).
    Copy {
        /// The source path.
        from: String,
        /// The new path.
        to: String,
    },
}

impl FilePatch {
    /// The path the patch reads from, if any (none for a creation).
    pub fn old_path(&self) -> Option<&str> {
        match &self.change {
            Change::Create(_) => None,
            Change::Delete(p) | Change::Modify(p) => Some(p),
            Change::Rename { from, .. } | Change::Copy { from, .. } => Some(from),
        }
    }

    /// The path the patch writes, if any (none for a deletion).
    pub fn new_path(&self) -> Option<&str> {
        match &self.change {
            Change::Delete(_) => None,
            Change::Create(p) | Change::Modify(p) => Some(p),
            Change::Rename { to, .. } | Change::Copy { to, .. } => Some(to),
        }
    }

    /// Every path the patch touches, old then new, without repeats.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.old_path().into_iter().collect();
        if let Some(new) = self.new_path() {
            if !paths.contains(&new) {
                paths.push(new);
            }
        }
        paths
    }

    /// The path to name in messages (the new one where there is one).
    pub fn display_path(&self) -> &str {
        self.new_path().or(self.old_path()).unwrap_or_default()
    }
}

/// One `@@` hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The 1-based line of its `@@` header.
    pub line: usize,
    /// First line in the old file (0 for an empty old side).
    pub old_start: usize,
    /// Lines of the old file it covers.
    pub old_len: usize,
    /// First line in the new file.
    pub new_start: usize,
    /// Lines of the new file it covers.
    pub new_len: usize,
    /// Its body. Texts keep their `\n`, except before a
    /// `\ No newline at end of file` marker.
    pub lines: Vec<HunkLine>,
}

/// One line of a hunk body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HunkLine {
    /// In both old and new file.
    Context(String),
    /// Only in the old file.
    Remove(String),
    /// Only in the new file.
    Add(String),
}

impl Hunk {
    /// `@@ -a,b +c,d @@`.
    pub fn header(&self) -> String {
        format!(
            "@@ -{},{} +{},{} @@",
            self.old_start, self.old_len, self.new_start, self.new_len
        )
    }

    /// The lines the old file must have here (context and removed).
    pub fn before(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match l {
            HunkLine::Context(t) | HunkLine::Remove(t) => Some(t.as_str()),
            HunkLine::Add(_) => None,
        })
    }

    /// The lines the new file has here (context and added).
    pub fn after(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match l {
            HunkLine::Context(t) | HunkLine::Add(t) => Some(t.as_str()),
            HunkLine::Remove(_) => None,
        })
    }
}

/// Parses `text` (shown as `file` in violations). An empty or
/// whitespace-only text is an empty patch; whether that is allowed is the
/// `zero-change` rule's call.
pub fn parse(text: &str, file: &str) -> Result<Patch, Vec<Violation>> {
    let mut patch = Patch::default();
    if text.trim().is_empty() {
        return Ok(patch);
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("diff --git "))
        .collect();
    let at = |line: usize| format!("{file}:{line}");
    let mut violations = Vec::new();
    let Some(&first) = starts.first() else {
        return Err(vec![Violation::new(
            Rule::PatchValidity,
            "not a git-style unified diff: no `diff --git a/<path> b/<path>` header",
        )
        .at(at(1))
        .hint("write the patch as `git diff` prints it")]);
    };
    if let Some(i) = (0..first).find(|&i| is_diff_line(lines[i])) {
        violations.push(
            Violation::new(
                Rule::PatchValidity,
                "diff lines before the first `diff --git` header",
            )
            .at(at(i + 1))
            .hint("start every file's section with its `diff --git a/<path> b/<path>` line"),
        );
    }
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        match section(&lines[start..end], start + 1, file) {
            Ok(file_patch) => patch.files.push(file_patch),
            Err(found) => violations.extend(found),
        }
    }
    if violations.is_empty() {
        Ok(patch)
    } else {
        Err(violations)
    }
}

fn is_diff_line(line: &str) -> bool {
    ["--- ", "+++ ", "@@ "].iter().any(|p| line.starts_with(p))
}

/// Parses one `diff --git` section whose first line is line `first`.
fn section(lines: &[&str], first: usize, file: &str) -> Result<FilePatch, Vec<Violation>> {
    let text: String = lines.concat();
    let fail = |line: usize, message: String| {
        vec![Violation::new(Rule::PatchValidity, message).at(format!("{file}:{line}"))]
    };
    let file_patch = match PatchSet::parse(&text, ParseOptions::gitdiff()).next() {
        Some(Ok(file_patch)) => file_patch,
        Some(Err(err)) => {
            let index = error_line(&text, &err.to_string(), header_len(lines));
            let name = lines[0]
                .trim_end()
                .rsplit_once(" b/")
                .map_or("", |(_, path)| path);
            let hunk = lines
                .get(index)
                .filter(|l| l.starts_with("@@ "))
                .map(|l| format!(" `{}`", l.trim_end()))
                .unwrap_or_default();
            let message = format!("`{name}`:{hunk} {}", describe(&err.to_string()));
            return Err(fail(first + index, message)
                .into_iter()
                .map(|v| v.hint("regenerate the patch with `git diff`, or fix the hunk header's line counts to match its body"))
                .collect());
        }
        None => return Err(fail(first, "empty file section".into())),
    };
    let change = change(file_patch.operation()).map_err(|message| fail(first, message))?;
    let name = match &change {
        Change::Rename { to, .. } | Change::Copy { to, .. } => to.clone(),
        Change::Create(p) | Change::Delete(p) | Change::Modify(p) => p.clone(),
    };
    let PatchKind::Text(diff) = file_patch.patch() else {
        return Err(
            fail(first, format!("`{name}`: binary patches are not supported"))
                .into_iter()
                .map(|v| {
                    v.hint("keep binary files out of coder goldens; fixture-kit checks text diffs")
                })
                .collect(),
        );
    };
    let header_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("@@ "))
        .collect();
    let mut hunks = Vec::new();
    let mut violations = Vec::new();
    for (k, hunk) in diff.hunks().iter().enumerate() {
        let index = header_lines[k];
        let body: Vec<HunkLine> = hunk
            .lines()
            .iter()
            .map(|line| match line {
                diffy::Line::Context(t) => HunkLine::Context((*t).to_owned()),
                diffy::Line::Delete(t) => HunkLine::Remove((*t).to_owned()),
                diffy::Line::Insert(t) => HunkLine::Add((*t).to_owned()),
            })
            .collect();
        let parsed = Hunk {
            line: first + index,
            old_start: hunk.old_range().start(),
            old_len: hunk.old_range().len(),
            new_start: hunk.new_range().start(),
            new_len: hunk.new_range().len(),
            lines: body,
        };
        // Where the body ends: its lines plus any `\ No newline` markers.
        let mut end = index + 1;
        let mut seen = 0;
        while end < lines.len() && (seen < parsed.lines.len() || lines[end].starts_with('\\')) {
            if !lines[end].starts_with('\\') {
                seen += 1;
            }
            end += 1;
        }
        let next = header_lines.get(k + 1).copied().unwrap_or(lines.len());
        if let Some(extra) = (end..next).find(|&i| is_body_line(lines[i])) {
            violations.push(
                Violation::new(
                    Rule::PatchValidity,
                    format!(
                        "`{name}`: hunk {} header `{}` counts fewer lines than its body has \
                         (line {} is outside every hunk)",
                        k + 1,
                        parsed.header(),
                        first + extra
                    ),
                )
                .at(format!("{file}:{}", parsed.line))
                .hint("make the header's line counts match the body, or regenerate the patch with `git diff`"),
            );
        }
        if !parsed
            .lines
            .iter()
            .any(|l| !matches!(l, HunkLine::Context(_)))
        {
            violations.push(
                Violation::new(
                    Rule::PatchValidity,
                    format!(
                        "`{name}`: hunk {} `{}` changes nothing",
                        k + 1,
                        parsed.header()
                    ),
                )
                .at(format!("{file}:{}", parsed.line))
                .hint("remove the hunk; if nothing is to be done, use an empty patch and declare `\"zero_change\": true` in fixture.json"),
            );
        }
        hunks.push(parsed);
    }
    if let Some(i) =
        (header_lines.len() > diff.hunks().len()).then(|| header_lines[diff.hunks().len()])
    {
        violations.push(
            Violation::new(
                Rule::PatchValidity,
                format!("`{name}`: hunk header after the end of the previous hunk's body"),
            )
            .at(format!("{file}:{}", first + i)),
        );
    }
    if hunks.is_empty()
        && matches!(change, Change::Modify(_))
        && file_patch.old_mode() == file_patch.new_mode()
    {
        violations.push(
            Violation::new(
                Rule::PatchValidity,
                format!("`{name}`: file section without hunks changes nothing"),
            )
            .at(format!("{file}:{first}")),
        );
    }
    if violations.is_empty() {
        Ok(FilePatch {
            line: first,
            change,
            hunks,
        })
    } else {
        Err(violations)
    }
}

fn is_body_line(line: &str) -> bool {
    line.starts_with([' ', '+', '-']) && !line.starts_with("--- ") && !line.starts_with("+++ ")
}

/// The repository-relative paths of a diffy operation: `a/`/`b/` prefixes
/// stripped from header paths (rename and copy headers carry none).
fn change(op: &FileOperation<'_, str>) -> Result<Change, String> {
    let strip = |path: &str, prefix: &str| -> Result<String, String> {
        path.strip_prefix(prefix)
            .map(str::to_owned)
            .ok_or_else(|| format!("path `{path}` lacks the `{prefix}` prefix of a git diff"))
    };
    Ok(match op {
        FileOperation::Create(p) => Change::Create(strip(p, "b/")?),
        FileOperation::Delete(p) => Change::Delete(strip(p, "a/")?),
        FileOperation::Modify { original, modified } => {
            let (old, new) = (strip(original, "a/")?, strip(modified, "b/")?);
            if old != new {
                return Err(format!(
                    "`---` names `{old}` but `+++` names `{new}`: a rename needs \
                     `rename from`/`rename to` lines"
                ));
            }
            Change::Modify(new)
        }
        FileOperation::Rename { from, to } => Change::Rename {
            from: from.to_string(),
            to: to.to_string(),
        },
        FileOperation::Copy { from, to } => Change::Copy {
            from: from.to_string(),
            to: to.to_string(),
        },
    })
}

/// The 0-based line within `text` of diffy's "at byte N" error position.
/// A whole-section error counts from the section start; an error inside
/// the file's diff counts from the end of the git extended header
/// (`header` bytes).
fn error_line(text: &str, message: &str, header: usize) -> usize {
    let (base, rest) = match message.split_once("error parsing patch at byte ") {
        Some((_, rest)) => (header, rest),
        None => match message.split_once(" at byte ") {
            Some((_, rest)) => (0, rest),
            None => return 0,
        },
    };
    rest.split(':')
        .next()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map(|byte| {
            let end = (base + byte).min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        })
        .unwrap_or(0)
}

/// The bytes of a section's git header: its `diff --git` line and the
/// extended header lines after it, which diffy reads before the diff.
fn header_len(lines: &[&str]) -> usize {
    const EXTENDED: [&str; 13] = [
        "rename from ",
        "rename to ",
        "copy from ",
        "copy to ",
        "old mode ",
        "new mode ",
        "new file mode ",
        "deleted file mode ",
        "index ",
        "similarity index ",
        "dissimilarity index ",
        "Binary files ",
        "GIT binary patch",
    ];
    let extended = lines
        .iter()
        .skip(1)
        .take_while(|line| EXTENDED.iter().any(|p| line.starts_with(p)))
        .count();
    lines.iter().take(1 + extended).map(|l| l.len()).sum()
}

/// diffy's message without its byte position, in the kit's words.
fn describe(message: &str) -> String {
    let detail = message.rsplit_once(": ").map_or(message, |(_, d)| d);
    match detail {
        "hunk header does not match hunk" => {
            "hunk header counts more lines than its body has".into()
        }
        other => format!("invalid diff: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        parse(text, "p")
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    const MULTI: &str = "\
diff --git a/src/a.ts b/src/a.ts
index 1..2 100644
--- a/src/a.ts
+++ b/src/a.ts
@@ -1,2 +1,2 @@
 one
-two
+TWO
diff --git a/src/new.ts b/src/new.ts
new file mode 100644
--- /dev/null
+++ b/src/new.ts
@@ -0,0 +1 @@
+fresh
diff --git a/old.md b/old.md
deleted file mode 100644
--- a/old.md
+++ /dev/null
@@ -1 +0,0 @@
-gone
diff --git a/x.ts b/y.ts
similarity index 100%
rename from x.ts
rename to y.ts
";

    #[test]
    fn parses_multi_file_patches_with_creations_deletions_and_renames() {
        let patch = parse(MULTI, "p").unwrap();
        let changes: Vec<_> = patch.files.iter().map(|f| f.change.clone()).collect();
        assert_eq!(
            changes,
            [
                Change::Modify("src/a.ts".into()),
                Change::Create("src/new.ts".into()),
                Change::Delete("old.md".into()),
                Change::Rename {
                    from: "x.ts".into(),
                    to: "y.ts".into()
                },
            ]
        );
        assert_eq!(patch.files[1].line, 9);
        assert_eq!(patch.files[0].hunks[0].line, 5);
        assert_eq!(
            patch.files[0].hunks[0].before().collect::<Vec<_>>(),
            ["one\n", "two\n"]
        );
    }

    #[test]
    fn empty_patch_is_empty() {
        assert!(parse(" \n", "p").unwrap().files.is_empty());
    }

    #[test]
    fn header_counting_more_lines_than_the_body_is_an_error() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n";
        let all = errors(text);
        assert!(
            all.contains(
                "p:4: `a`: `@@ -1,3 +1,3 @@` hunk header counts more lines than its body has"
            ),
            "{all}"
        );
    }

    #[test]
    fn error_lines_count_past_extended_headers_and_non_ascii_text() {
        let text = "diff --git a/a b/a\nindex 1..2 100644\n--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-é\n+ü\n@@ -5,3 +5,3 @@\n x\n";
        let all = errors(text);
        assert!(
            all.contains("p:8: `a`: `@@ -5,3 +5,3 @@` hunk header counts more"),
            "{all}"
        );
    }

    #[test]
    fn header_counting_fewer_lines_than_the_body_is_an_error() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-two\n+TWO\n+more\n";
        let all = errors(text);
        assert!(
            all.contains("p:4: `a`: hunk 1 header `@@ -1,1 +1,1 @@` counts fewer lines than its body has (line 7 is outside every hunk)"),
            "{all}"
        );
    }

    #[test]
    fn fake_empty_hunk_is_an_error() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1,0 @@\n";
        let all = errors(text);
        assert!(
            all.contains("p:4: `a`: hunk 1 `@@ -0,0 +1,0 @@` changes nothing"),
            "{all}"
        );
    }

    #[test]
    fn binary_patches_are_not_supported() {
        let text = "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000..7c4530c\nBinary files /dev/null and b/logo.png differ\n";
        assert!(errors(text).contains("`logo.png`: binary patches are not supported"));
    }

    #[test]
    fn plain_text_and_headerless_diffs_are_errors() {
        assert!(errors("just some prose\n").contains("no `diff --git"));
        let text = "--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(errors(text).contains("p:1: diff lines before the first"));
    }

    #[test]
    fn mismatched_header_paths_need_rename_lines() {
        let text = "diff --git a/a b/b\n--- a/a\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(errors(text).contains("a rename needs"));
    }

    #[test]
    fn no_newline_markers_are_kept_out_of_the_body() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n";
        let patch = parse(text, "p").unwrap();
        assert_eq!(
            patch.files[0].hunks[0].lines,
            [HunkLine::Remove("a".into()), HunkLine::Add("b".into())]
        );
    }
}

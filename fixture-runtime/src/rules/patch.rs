//! Rule `patch-validity`: the coder's golden is a unified diff that
//! `git apply` reads, read the way `git apply` reads it: `diff --git`
//! sections with their extended headers (creations, deletions, renames,
//! copies, mode changes), traditional `---`/`+++` diffs as `diff -u`
//! prints them, text before, between and after sections ignored, hunk
//! bodies measured by their header's counts. Names follow git's rules
//! (`names`). Parsing recovers: a broken hunk or section is reported and
//! skipped, and every other section and hunk is parsed and returned, so
//! the other rules still run on what did parse.

mod names;

use names::End;

use crate::rule::{Rule, Violation};
use crate::rules::paths;
/// A parsed multi-file patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// One entry per file section that parsed, in patch order.
    pub files: Vec<FilePatch>,
}

/// One file's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePatch {
    /// The 1-based line of its `diff --git` (or `---`) header.
    pub line: usize,
    /// What happens to the file.
    pub change: Change,
    /// Its hunks that parsed, in order.
    pub hunks: Vec<Hunk>,
    /// Whether some of its hunks did not parse (and are reported by
    /// `patch-validity`): checks that need the whole change skip it.
    pub damaged: bool,
    /// A traditional diff that adds to a file from nothing, without
    /// saying `/dev/null`: like git, it creates the file when the file
    /// does not exist.
    pub may_create: bool,
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
    /// Its 1-based position among its section's hunks (counting those
    /// that did not parse).
    pub number: usize,
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

/// Parses `text` (shown as `file` in violations): the patch, or every
/// problem found. An empty or whitespace-only text is an empty patch;
/// whether that is allowed is the `zero-change` rule's call.
pub fn parse(text: &str, file: &str) -> Result<Patch, Vec<Violation>> {
    let (patch, violations) = parse_recovering(text, file);
    if violations.is_empty() {
        Ok(patch)
    } else {
        Err(violations)
    }
}

/// Parses `text`, recovering from every problem: the sections and hunks
/// that parsed, and the `patch-validity` violations of those that did not.
pub fn parse_recovering(text: &str, file: &str) -> (Patch, Vec<Violation>) {
    let mut parser = Parser {
        lines: text.split_inclusive('\n').collect(),
        file,
        strip: 1,
        strip_known: false,
        patch: Patch::default(),
        violations: Vec::new(),
    };
    if !text.trim().is_empty() {
        parser.run();
        if parser.patch.files.is_empty() && parser.violations.is_empty() {
            parser.violations.push(
                Violation::new(
                    Rule::PatchValidity,
                    "not a git-style unified diff: no `diff --git a/<path> b/<path>` header, \
                     and no `--- <path>`/`+++ <path>` header followed by a hunk",
                )
                .at(format!("{file}:1"))
                .hint("write the patch as `git diff` prints it"),
            );
        }
    }
    (parser.patch, parser.violations)
}

/// What a section's header says about its file.
#[derive(Debug, Default)]
struct Header {
    /// 0-based index of its first line.
    at: usize,
    old: Option<String>,
    new: Option<String>,
    /// `None` in a traditional diff until its hunks decide.
    is_new: Option<bool>,
    is_delete: Option<bool>,
    is_rename: bool,
    is_copy: bool,
    old_mode: Option<u32>,
    new_mode: Option<u32>,
    /// The `--- /dev/null` or `+++ /dev/null` line git read as a file
    /// named `dev/null` (no `new file mode`/`deleted file mode` line).
    dev_null: Option<&'static str>,
}

impl Header {
    fn name(&self) -> &str {
        self.new
            .as_deref()
            .or(self.old.as_deref())
            .unwrap_or_default()
    }
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    file: &'a str,
    /// Leading components stripped from names (`-p1`), as git guesses it.
    strip: usize,
    strip_known: bool,
    patch: Patch,
    violations: Vec<Violation>,
}

/// `@@ -a[,b] +c[,d] @@…`: the four numbers (a missing count is 1).
fn hunk_header(line: &str) -> Option<(usize, usize, usize, usize)> {
    fn range(text: &str) -> Option<(usize, usize, &str)> {
        let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let start = text[..digits].parse().ok()?;
        let rest = &text[digits..];
        match rest.strip_prefix(',') {
            Some(rest) => {
                let n = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                Some((start, rest[..n].parse().ok()?, &rest[n..]))
            }
            None => Some((start, 1, rest)),
        }
    }
    if !line.ends_with('\n') {
        return None;
    }
    let (a, b, rest) = range(line.strip_prefix("@@ -")?)?;
    let (c, d, rest) = range(rest.strip_prefix(" +")?)?;
    rest.starts_with(" @@").then_some((a, b, c, d))
}

fn is_body(line: &str) -> bool {
    line.starts_with([' ', '-', '+', '\n', '\\'])
}

impl<'a> Parser<'a> {
    fn at(&self, index: usize) -> String {
        format!("{}:{}", self.file, index + 1)
    }

    fn report(&mut self, index: usize, message: String, hint: &str) {
        let violation = Violation::new(Rule::PatchValidity, message).at(self.at(index));
        self.violations.push(if hint.is_empty() {
            violation
        } else {
            violation.hint(hint)
        });
    }

    fn line(&self, index: usize) -> &'a str {
        self.lines.get(index).copied().unwrap_or_default()
    }

    /// Whether a traditional header (`---`, `+++`, `@@ -`) starts here.
    fn traditional_at(&self, i: usize) -> bool {
        self.line(i).starts_with("--- ")
            && self.line(i + 1).starts_with("+++ ")
            && self.line(i + 2).starts_with("@@ -")
    }

    /// The next line at or after `from` that starts a file section.
    fn next_section(&self, from: usize) -> usize {
        (from..self.lines.len())
            .find(|&i| self.line(i).starts_with("diff --git ") || self.traditional_at(i))
            .unwrap_or(self.lines.len())
    }

    /// Where a run of body-like lines from `from` ends: before the next
    /// hunk or section header or the first line no hunk body has.
    fn body_end(&self, from: usize) -> usize {
        (from..self.lines.len())
            .find(|&i| {
                let line = self.line(i);
                !is_body(line)
                    || line.starts_with("diff --git ")
                    || (line.starts_with("--- ") && self.line(i + 1).starts_with("+++ "))
            })
            .unwrap_or(self.lines.len())
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.line(i);
            if line.starts_with("@@ -") && hunk_header(line).is_some() {
                self.report(
                    i,
                    format!(
                        "hunk header `{}` outside any file section: no `diff --git` or \
                         `---`/`+++` header before it",
                        line.trim_end()
                    ),
                    "start every file's section with its `diff --git a/<path> b/<path>` line, \
                     and make each hunk's header count its body's lines",
                );
                i = self.body_end(i + 1);
            } else if line.starts_with("diff --git ") {
                i = match self.git_header(i) {
                    Ok(Some((header, next))) => self.section(header, next),
                    Ok(None) => i + 1,
                    Err(()) => self.next_section(i + 1),
                };
            } else if self.traditional_at(i) {
                i = match self.traditional_header(i) {
                    Ok(header) => self.section(header, i + 2),
                    Err(()) => self.next_section(i + 1),
                };
            } else {
                i += 1;
            }
        }
    }

    /// Reads a `diff --git` header and its extended header lines: the
    /// header and the index of its first hunk, `None` for a lone
    /// `diff --git` line git skips, or the error (reported).
    fn git_header(&mut self, at: usize) -> Result<Option<(Header, usize)>, ()> {
        let first = self.line(at);
        let def = names::git_header_name(&first["diff --git ".len()..], self.strip);
        let mut h = Header {
            at,
            is_new: Some(false),
            is_delete: Some(false),
            ..Header::default()
        };
        let mut kinds_at = None;
        let mut i = at + 1;
        while i < self.lines.len() {
            let line = self.line(i);
            if !line.ends_with('\n') {
                break;
            }
            let (keyword, rest) = match EXTENDED.iter().find(|k| line.starts_with(**k)) {
                Some(k) => (*k, &line[k.len()..]),
                None => break,
            };
            let fail = |parser: &mut Self, message: String| {
                parser.report(i, message, "regenerate the patch with `git diff`");
                Err(())
            };
            match keyword {
                "@@ -" => break,
                "--- " | "+++ " => {
                    let old_side = keyword == "--- ";
                    let null = if old_side { h.is_new } else { h.is_delete } == Some(true);
                    let name = if old_side { &mut h.old } else { &mut h.new };
                    match (name.as_deref(), null) {
                        (None, false) => {
                            if names::is_dev_null(rest) {
                                h.dev_null = Some(if old_side {
                                    "--- /dev/null"
                                } else {
                                    "+++ /dev/null"
                                });
                            }
                            *name = names::find(rest, None, self.strip, End::Tab);
                        }
                        (Some(name), true) => {
                            let message = format!("expected `/dev/null` here, got `{name}`");
                            return fail(self, message);
                        }
                        (Some(expected), false) => {
                            let another = names::find(rest, None, self.strip, End::Tab);
                            if another.as_deref() != Some(expected) {
                                let side = if old_side { "old" } else { "new" };
                                let message = format!(
                                    "inconsistent {side} file name: `{}` here, `{expected}` in the \
                                     header above",
                                    another.unwrap_or_default()
                                );
                                return fail(self, message);
                            }
                        }
                        (None, true) => {
                            if !names::is_dev_null(rest) {
                                return fail(self, format!("expected `{}/dev/null`", keyword));
                            }
                        }
                    }
                }
                "old mode " | "new mode " | "deleted file mode " | "new file mode " => {
                    let Some(mode) = mode(rest) else {
                        return fail(self, format!("invalid mode `{}`", rest.trim_end()));
                    };
                    match keyword {
                        "old mode " => h.old_mode = Some(mode),
                        "new mode " => h.new_mode = Some(mode),
                        "deleted file mode " => {
                            h.is_delete = Some(true);
                            h.old = def.clone();
                            h.old_mode = Some(mode);
                        }
                        _ => {
                            h.is_new = Some(true);
                            h.new = def.clone();
                            h.new_mode = Some(mode);
                        }
                    }
                }
                "copy from " | "copy to " | "rename old " | "rename new " | "rename from "
                | "rename to " => {
                    let name = names::find(rest, None, self.strip.saturating_sub(1), End::Line);
                    if keyword.starts_with("copy") {
                        h.is_copy = true;
                    } else {
                        h.is_rename = true;
                    }
                    if keyword.ends_with("from ") || keyword.ends_with("old ") {
                        h.old = name;
                    } else {
                        h.new = name;
                    }
                }
                "index " => {
                    if let Some(m) = rest.split_once(' ').and_then(|(_, m)| mode(m)) {
                        h.old_mode = Some(m);
                    }
                }
                _ => {}
            }
            let kinds = [
                h.is_delete == Some(true),
                h.is_new == Some(true),
                h.is_rename,
                h.is_copy,
            ]
            .iter()
            .filter(|k| **k)
            .count();
            if kinds > 1 {
                let first = kinds_at.unwrap_or(i);
                return fail(
                    self,
                    format!(
                        "inconsistent header lines {} and {}: a section is one of a creation, \
                         deletion, rename or copy",
                        first + 1,
                        i + 1
                    ),
                );
            }
            if kinds == 1 && kinds_at.is_none() {
                kinds_at = Some(i);
            }
            i += 1;
        }
        if h.old.is_none() && h.new.is_none() {
            match &def {
                Some(def) => {
                    h.old = Some(def.clone());
                    h.new = Some(def.clone());
                }
                None => {
                    self.report(
                        at,
                        format!("`{}`: no file name git can read", first.trim_end()),
                        "name the file as `diff --git a/<path> b/<path>`, with `---`/`+++` lines",
                    );
                    return Err(());
                }
            }
        }
        if (h.new.is_none() && h.is_delete != Some(true))
            || (h.old.is_none() && h.is_new != Some(true))
        {
            self.report(
                at,
                format!("`{}`: the header lacks a file name", first.trim_end()),
                "name the file as `diff --git a/<path> b/<path>`, with `---`/`+++` lines",
            );
            return Err(());
        }
        Ok((i > at + 1).then_some((h, i)))
    }

    /// Reads the `---`/`+++` lines of a traditional diff at `at`.
    fn traditional_header(&mut self, at: usize) -> Result<Header, ()> {
        let first = &self.line(at)[4..];
        let second = &self.line(at + 1)[4..];
        if !self.strip_known {
            let (p, q) = (names::guess_strip(first), names::guess_strip(second));
            let p = p.or(q);
            if p.is_some() && p == q {
                self.strip = p.unwrap_or_default();
                self.strip_known = true;
            }
        }
        let mut h = Header {
            at,
            ..Header::default()
        };
        let name;
        if names::is_dev_null(first) {
            (h.is_new, h.is_delete) = (Some(true), Some(false));
            name = names::find_traditional(second, None, self.strip);
            h.new.clone_from(&name);
        } else if names::is_dev_null(second) {
            (h.is_new, h.is_delete) = (Some(false), Some(true));
            name = names::find_traditional(first, None, self.strip);
            h.old.clone_from(&name);
        } else {
            let first_name = names::find_traditional(first, None, self.strip);
            name = names::find_traditional(second, first_name.as_deref(), self.strip);
            if names::has_epoch_timestamp(first) {
                (h.is_new, h.is_delete) = (Some(true), Some(false));
                h.new.clone_from(&name);
            } else if names::has_epoch_timestamp(second) {
                (h.is_new, h.is_delete) = (Some(false), Some(true));
                h.old.clone_from(&name);
            } else {
                h.old.clone_from(&name);
                h.new.clone_from(&name);
            }
        }
        if name.is_none() {
            self.report(
                at,
                "no file name in the `---`/`+++` lines".into(),
                "name the file as `--- a/<path>` and `+++ b/<path>`",
            );
            return Err(());
        }
        Ok(h)
    }

    /// Reads the hunks of a section whose header ends before line `i`;
    /// returns where the next section may start.
    fn section(&mut self, mut h: Header, mut i: usize) -> usize {
        let name = h.name().to_owned();
        let mut hunks = Vec::new();
        let mut damaged = false;
        while self.line(i).starts_with("@@ -") {
            let (hunk, next) = self.hunk(i, &name, hunks.len() + damaged as usize + 1);
            match hunk {
                Some(hunk) => hunks.push(hunk),
                None => damaged = true,
            }
            i = next;
        }
        let first = h.at;
        if hunks.is_empty() && !damaged {
            let line = self.line(i);
            let binary = line == "GIT binary patch\n"
                || ((line.starts_with("Binary files ") || line.starts_with("Files "))
                    && line.ends_with(" differ\n"));
            if binary {
                self.report(
                    first,
                    format!("`{name}`: binary patches are not supported"),
                    "keep binary files out of coder goldens; fixture-kit checks text diffs",
                );
                return i + 1;
            }
            let metadata = h.is_rename
                || h.is_copy
                || h.is_new == Some(true)
                || h.is_delete == Some(true)
                || matches!((h.old_mode, h.new_mode), (Some(a), Some(b)) if a != b);
            if !metadata {
                self.report(
                    first,
                    format!("`{name}`: file section without hunks changes nothing"),
                    "remove the section, or regenerate the patch with `git diff`",
                );
                return i;
            }
        }
        let old_lines: usize = hunks.iter().map(|h| h.old_len).sum();
        let new_lines: usize = hunks.iter().map(|h| h.new_len).sum();
        let several = hunks.len() + damaged as usize > 1;
        if h.is_new.is_none() && (old_lines > 0 || several) {
            h.is_new = Some(false);
        }
        if h.is_delete.is_none() && (new_lines > 0 || several) {
            h.is_delete = Some(false);
        }
        if h.is_new == Some(true) && old_lines > 0 {
            self.report(
                first,
                format!("`{name}`: a new file's hunks remove or keep lines (new file depends on old contents)"),
                "a created file's hunk is `@@ -0,0 +1,<n> @@` with only added lines",
            );
            return i;
        }
        if h.is_delete == Some(true) && new_lines > 0 {
            self.report(
                first,
                format!("`{name}`: a deleted file's hunks add or keep lines (deleted file still has contents)"),
                "a deleted file's hunk is `@@ -1,<n> +0,0 @@` with only removed lines",
            );
            return i;
        }
        if let Some(change) = self.change(&h) {
            self.patch.files.push(FilePatch {
                line: first + 1,
                change,
                hunks,
                damaged,
                may_create: h.is_new.is_none(),
            });
        }
        i
    }

    /// What the section does, once its names are checked as git checks
    /// them (`None`: reported).
    fn change(&mut self, h: &Header) -> Option<Change> {
        let (old, new) = (
            h.old.clone().unwrap_or_default(),
            h.new.clone().unwrap_or_default(),
        );
        let change = if h.is_new == Some(true) {
            Change::Create(new)
        } else if h.is_delete == Some(true) {
            Change::Delete(old)
        } else if h.is_rename {
            Change::Rename { from: old, to: new }
        } else if h.is_copy {
            Change::Copy { from: old, to: new }
        } else if old == new {
            Change::Modify(old)
        } else {
            let message = match h.dev_null {
                Some(line) if line.starts_with("---") => format!(
                    "`{line}` without a `new file mode` line: git reads it as a file named \
                     `dev/null` (which does not exist)"
                ),
                Some(line) => format!(
                    "`{line}` without a `deleted file mode` line: git reads it as a file named \
                     `dev/null` (git would write the change to `dev/null` and leave `{old}` as \
                     it is)"
                ),
                None => format!(
                    "`---` names `{old}` but `+++` names `{new}`: a rename needs \
                     `rename from`/`rename to` lines (git would write the change to `{new}` \
                     and leave `{old}` as it is)"
                ),
            };
            self.report(h.at, message, "regenerate the patch with `git diff`");
            return None;
        };
        // The paths git checks: what it reads for a deletion, modification
        // or rename, and what it writes.
        let checked: Vec<&str> = match &change {
            Change::Create(p) | Change::Delete(p) | Change::Modify(p) => vec![p],
            Change::Rename { from, to } => vec![from, to],
            Change::Copy { to, .. } => vec![to],
        };
        let mut ok = true;
        for path in checked {
            if let Some(why) = paths::spelling(path) {
                self.report(
                    h.at,
                    format!("`{path}`: git refuses this path (`invalid path`): {why}"),
                    "spell paths relative to the repository root, as `git diff` prints them",
                );
                ok = false;
            }
        }
        ok.then_some(change)
    }

    /// Reads the hunk whose header is line `at`: the hunk (or `None`,
    /// reported) and the index after it.
    fn hunk(&mut self, at: usize, name: &str, number: usize) -> (Option<Hunk>, usize) {
        let header = self.line(at);
        let shown = header.trim_end();
        let Some((old_start, old_len, new_start, new_len)) = hunk_header(header) else {
            self.report(
                at,
                format!("`{name}`: malformed hunk header `{shown}`"),
                "write hunk headers as `@@ -<start>,<count> +<start>,<count> @@`",
            );
            return (None, self.body_end(at + 1));
        };
        let (mut old, mut new) = (old_len, new_len);
        let mut lines: Vec<HunkLine> = Vec::new();
        let mut i = at + 1;
        let mut broken = false;
        while i < self.lines.len() && (old > 0 || new > 0) {
            let line = self.line(i);
            if !line.ends_with('\n') {
                broken = true;
                break;
            }
            let text = line.get(1..).unwrap_or_default();
            match line.as_bytes()[0] {
                b' ' | b'\n' if old > 0 && new > 0 => {
                    old -= 1;
                    new -= 1;
                    lines.push(HunkLine::Context(
                        if line == "\n" { "\n" } else { text }.to_owned(),
                    ));
                }
                b'-' if old > 0 => {
                    old -= 1;
                    lines.push(HunkLine::Remove(text.to_owned()));
                }
                b'+' if new > 0 => {
                    new -= 1;
                    lines.push(HunkLine::Add(text.to_owned()));
                }
                b'\\' if line.len() >= 12 && line.starts_with("\\ ") => no_newline(&mut lines),
                _ => {
                    broken = true;
                    break;
                }
            }
            i += 1;
        }
        if old > 0 || new > 0 || broken {
            let end = self.body_end(at + 1);
            let (body_old, body_new) = count(&self.lines[at + 1..end]);
            let direction = if body_old >= old_len && body_new >= new_len {
                ": the hunk header counts fewer lines than its body has"
            } else if body_old <= old_len && body_new <= new_len {
                ": the hunk header counts more lines than its body has"
            } else {
                ""
            };
            let foreign = match self.lines.get(end) {
                Some(line) if !line.ends_with('\n') && is_body(line) => format!(
                    " (line {} is the patch's last line and lacks its newline)",
                    end + 1
                ),
                _ => String::new(),
            };
            self.report(
                at,
                format!(
                    "`{name}`: hunk {number} `{shown}`: header says {old_len} old / {new_len} new \
                     lines, body has {body_old} / {body_new}{direction}{foreign}"
                ),
                "regenerate the patch with `git diff`, or fix the hunk header's line counts to \
                 match its body",
            );
            return (None, end.max(i));
        }
        if self.line(i).starts_with("\\ ") && self.line(i).len() > 12 {
            no_newline(&mut lines);
            i += 1;
        }
        let hunk = Hunk {
            line: at + 1,
            number,
            old_start,
            old_len,
            new_start,
            new_len,
            lines,
        };
        let extra_end = self.body_end(i);
        if extra_end > i {
            let (body_old, body_new) = count(&self.lines[at + 1..extra_end]);
            let git = if self.line(extra_end).starts_with("@@ -") {
                String::new()
            } else {
                " `git apply --check` accepts this, but `git apply` applies only the counted \
                 lines and silently drops the rest of the body"
                    .to_owned()
            };
            self.report(
                at,
                format!(
                    "`{name}`: hunk {number} `{}`: header says {old_len} old / {new_len} new \
                     lines, body has {body_old} / {body_new}: the hunk header counts fewer lines \
                     than its body has (lines {}–{} are outside every hunk).{git}",
                    hunk.header(),
                    i + 1,
                    extra_end,
                ),
                "make the header's line counts match the body, or regenerate the patch with \
                 `git diff`",
            );
            return (None, extra_end);
        }
        if !hunk
            .lines
            .iter()
            .any(|l| !matches!(l, HunkLine::Context(_)))
        {
            self.report(
                at,
                format!(
                    "`{name}`: hunk {number} `{}` changes nothing",
                    hunk.header()
                ),
                "remove the hunk; if nothing is to be done, use an empty patch and declare \
                 `\"zero_change\": true` in fixture.json",
            );
            return (None, i);
        }
        (Some(hunk), i)
    }
}

/// The extended header lines git reads after `diff --git`, in its order.
const EXTENDED: [&str; 16] = [
    "@@ -",
    "--- ",
    "+++ ",
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "copy from ",
    "copy to ",
    "rename old ",
    "rename new ",
    "rename from ",
    "rename to ",
    "similarity index ",
    "dissimilarity index ",
    "index ",
];

/// An octal mode followed by whitespace.
fn mode(text: &str) -> Option<u32> {
    let digits = text.len()
        - text
            .trim_start_matches(|c: char| ('0'..='7').contains(&c))
            .len();
    if digits == 0 || !text[digits..].starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    u32::from_str_radix(&text[..digits.min(11)], 8).ok()
}

/// `\ No newline at end of file`: the line before it lacks its newline.
fn no_newline(lines: &mut [HunkLine]) {
    if let Some(HunkLine::Context(t) | HunkLine::Remove(t) | HunkLine::Add(t)) = lines.last_mut() {
        if t.ends_with('\n') {
            t.pop();
        }
    }
}

/// Old and new lines in a hunk body.
fn count(body: &[&str]) -> (usize, usize) {
    body.iter()
        .fold((0, 0), |(old, new), line| match line.as_bytes()[0] {
            b' ' | b'\n' => (old + 1, new + 1),
            b'-' => (old + 1, new),
            b'+' => (old, new + 1),
            _ => (old, new),
        })
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
                "p:4: `a`: hunk 1 `@@ -1,3 +1,3 @@`: header says 3 old / 3 new lines, body has \
                 2 / 2: the hunk header counts more lines than its body has"
            ),
            "{all}"
        );
    }

    #[test]
    fn error_lines_count_past_extended_headers_and_non_ascii_text() {
        let text = "diff --git a/a b/a\nindex 1..2 100644\n--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-é\n+ü\n@@ -5,3 +5,3 @@\n x\n";
        let all = errors(text);
        assert!(
            all.contains("p:8: `a`: hunk 2 `@@ -5,3 +5,3 @@`: header says 3 old / 3 new lines, body has 1 / 1"),
            "{all}"
        );
    }

    #[test]
    fn header_counting_fewer_lines_than_the_body_is_an_error() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-two\n+TWO\n+more\n";
        let all = errors(text);
        assert!(
            all.contains("p:4: `a`: hunk 1 `@@ -1,1 +1,1 @@`: header says 1 old / 1 new lines, body has 1 / 2: the hunk header counts fewer lines than its body has (lines 7–7 are outside every hunk). `git apply --check` accepts this, but `git apply` applies only the counted lines"),
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
    fn plain_text_is_an_error_and_text_around_sections_is_ignored() {
        assert!(errors("just some prose\n").contains("p:1: not a git-style unified diff"));
        let text = "Here is the change:\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\nThanks!\n";
        assert_eq!(parse(text, "p").unwrap().files.len(), 1);
    }

    #[test]
    fn traditional_diffs_parse_as_git_reads_them() {
        let text = "--- a/src/a.ts\t2024-05-01 12:00:00.000000000 +0200\n+++ b/src/a.ts\t2024-05-01 12:00:01.000000000 +0200\n@@ -1 +1 @@\n-a\n+b\n--- /dev/null\n+++ b/new.ts\n@@ -0,0 +1 @@\n+x\n--- a/old.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let changes: Vec<Change> = parse(text, "p")
            .unwrap()
            .files
            .into_iter()
            .map(|f| f.change)
            .collect();
        assert_eq!(
            changes,
            [
                Change::Modify("src/a.ts".into()),
                Change::Create("new.ts".into()),
                Change::Delete("old.ts".into())
            ]
        );
        // A bare name means no prefix to strip, as git guesses.
        let text = "--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            parse(text, "p").unwrap().files[0].change,
            Change::Modify("a.txt".into())
        );
    }

    #[test]
    fn hunk_outside_any_section_is_an_error() {
        let text = "diff --git a/a b/a\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(errors(text).contains("p:2: hunk header `@@ -1 +1 @@` outside any file section"));
    }

    #[test]
    fn dev_null_needs_the_new_file_mode_line_under_diff_git() {
        let text = "diff --git a/n b/n\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n";
        assert!(errors(text).contains(
            "p:1: `--- /dev/null` without a `new file mode` line: git reads it as a file named `dev/null`"
        ));
        let text = "diff --git a/n b/n\n--- a/n\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        assert!(errors(text).contains("`+++ /dev/null` without a `deleted file mode` line"));
    }

    #[test]
    fn empty_names_are_errors() {
        let text = "diff --git a/ b/\n--- a/\n+++ b/\n@@ -1 +1 @@\n-x\n+y\n";
        assert!(
            errors(text).contains("git refuses this path (`invalid path`): it is empty"),
            "{}",
            errors(text)
        );
        let text = "diff --git a/x b/x\n--- a/x\n+++ b/\n@@ -1 +1 @@\n-x\n+y\n";
        assert!(
            errors(text).contains("the header lacks a file name"),
            "{}",
            errors(text)
        );
    }

    #[test]
    fn path_spelling_follows_git_per_header() {
        // Modified, renamed and copied paths are read from `---`/`+++` and
        // `rename`/`copy` lines, which git squashes.
        let text = "diff --git a/src//a.txt b/src//a.txt\n--- a/src//a.txt\n+++ b/src//a.txt\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            parse(text, "p").unwrap().files[0].change,
            Change::Modify("src/a.txt".into())
        );
        let text = "diff --git a/a b/s//b\nsimilarity index 100%\nrename from a\nrename to s//b\n";
        assert_eq!(
            parse(text, "p").unwrap().files[0].change,
            Change::Rename {
                from: "a".into(),
                to: "s/b".into()
            }
        );
        // A created path comes from the `diff --git` line, which git does
        // not squash.
        let text = "diff --git a/src//n.txt b/src//n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/src//n.txt\n@@ -0,0 +1 @@\n+x\n";
        assert!(
            errors(text).contains("inconsistent new file name"),
            "{}",
            errors(text)
        );
        let text = "diff --git a/src//n.txt b/src//n.txt\nnew file mode 100644\n";
        assert!(
            errors(text).contains("`src//n.txt`: git refuses this path"),
            "{}",
            errors(text)
        );
        let text = "diff --git a/./n.txt b/./n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/./n.txt\n@@ -0,0 +1 @@\n+x\n";
        assert!(
            errors(text).contains(
                "`./n.txt`: git refuses this path (`invalid path`): it has a `.` component"
            ),
            "{}",
            errors(text)
        );
    }

    #[test]
    fn a_body_line_starting_with_a_multibyte_character_ends_the_hunk() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,2 +1,2 @@\n-a\né\n";
        assert!(
            errors(text).contains("header says 2 old / 2 new lines, body has 1 / 0"),
            "{}",
            errors(text)
        );
    }

    #[test]
    fn crlf_patches_that_create_files_parse() {
        let text = "diff --git a/n.txt b/n.txt\r\nnew file mode 100644\r\nindex 0000000..1111111\r\n--- /dev/null\r\n+++ b/n.txt\r\n@@ -0,0 +1,2 @@\r\n+one\r\n+two\r\n";
        let patch = parse(text, "p").unwrap();
        assert_eq!(patch.files[0].change, Change::Create("n.txt".into()));
        assert_eq!(
            patch.files[0].hunks[0].after().collect::<String>(),
            "one\r\ntwo\r\n"
        );
    }

    #[test]
    fn every_problem_is_reported_and_the_rest_still_parses() {
        let text = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n-a\n+b\n@@ -9 +9 @@\n-x\n+y\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/c b/c\n";
        let (patch, violations) = parse_recovering(text, "p");
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(patch.files.len(), 2);
        assert!(patch.files[0].damaged && patch.files[0].hunks.len() == 1);
        assert_eq!(patch.files[0].hunks[0].line, 7);
        assert!(!patch.files[1].damaged);
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

//! Differential test: fixture-kit's in-memory patch verdict (parse, then
//! apply to `repo/`) agrees with `git apply --check` on every coder golden
//! of the bundled corpus that has a `repo/`, and on mutations of each.
//!
//! git runs on a copy of `repo/` in a temporary folder outside any git
//! repository (inside one, `git apply` silently skips paths outside the
//! current folder, and the test would agree vacuously), with no user or
//! system git configuration.
//!
//! Deliberately left out: a hunk header that counts *fewer* lines than its
//! body. git reads the extra lines as trailing garbage and may apply the
//! truncated hunk; fixture-kit rejects such a golden (see
//! `rules::patch` and docs/RULES.md).

use std::fs;
use std::path::Path;
use std::process::Command;

use fixture_kit::discover::discover;
use fixture_kit::repo::Repo;
use fixture_kit::rules::{apply, patch};
use fixture_kit::{Agent, Fixture};

struct Case {
    name: String,
    patch: String,
    repo: std::path::PathBuf,
}

fn ours(text: &str, repo: &Repo) -> Result<(), String> {
    let parsed = patch::parse(text, "patch").map_err(|v| v[0].to_string())?;
    apply::apply(&parsed, repo, "patch")
        .map(|_| ())
        .map_err(|v| v[0].to_string())
}

fn git(text: &str, repo: &Path) -> Result<(), String> {
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("repo");
    copy_dir(repo, &copy);
    let patch_file = work.path().join("change.patch");
    fs::write(&patch_file, text).unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&copy)
            .env("GIT_CEILING_DIRECTORIES", work.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .expect("git is installed")
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"]);
    assert!(
        !inside.status.success(),
        "the copy must be outside any git repository"
    );
    let out = git(&["apply", "--check", patch_file.to_str().unwrap()]);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Coder goldens with a `repo/`, from the bundled corpus.
fn corpus() -> Vec<Case> {
    let root = Path::new("fixtures");
    let tree = discover(root);
    tree.fixtures
        .iter()
        .filter(|f| f.id.agent == Agent::Coder)
        .filter_map(|f| {
            let fixture = Fixture::load(root, &f.id).ok()?;
            let patch = fixture.golden.filter(|g| !g.trim().is_empty())?;
            Some(Case {
                name: f.id.to_string(),
                patch,
                repo: fixture.repo?,
            })
        })
        .collect()
}

/// Mutations of a patch that applies: each breaks it the way broken
/// goldens are broken.
fn mutations(case: &Case, repo: &Repo) -> Vec<Case> {
    let lines: Vec<&str> = case.patch.split_inclusive('\n').collect();
    let mut out = Vec::new();
    let mut push = |what: &str, patch: String| {
        if patch != case.patch {
            out.push(Case {
                name: format!("{} ({what})", case.name),
                patch,
                repo: case.repo.clone(),
            });
        }
    };
    let edit = |at: usize, new: String| {
        let mut copy: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        copy[at] = new;
        copy.concat()
    };
    let header = lines.iter().position(|l| l.starts_with("@@ "));
    if let Some(h) = header {
        push("hunk count off by one", edit(h, bump_counts(lines[h])));
        push("hunk start off by two", edit(h, move_start(lines[h], 2)));
        let body = || (h + 1..lines.len()).take_while(|&i| !lines[i].starts_with("diff --git "));
        if let Some(c) = body().find(|&i| lines[i].starts_with(' ')) {
            push(
                "changed context line",
                edit(c, lines[c].replacen(' ', " ~", 1)),
            );
        }
        if let Some(r) = body().find(|&i| lines[i].starts_with('-')) {
            push(
                "wrong removed line",
                edit(r, lines[r].replacen('-', "-~", 1)),
            );
        }
        let end = body()
            .take_while(|&i| !lines[i].starts_with("@@ "))
            .last()
            .unwrap_or(h);
        let trailing = (h + 1..=end)
            .rev()
            .take_while(|&i| lines[i].starts_with(' '))
            .count();
        if trailing > 0 {
            let mut copy: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            copy[h] = shift_counts(lines[h], -(trailing as isize));
            copy.drain(end + 1 - trailing..=end);
            push("hunk without trailing context", copy.concat());
        }
    }
    if let Some(path) = lines
        .iter()
        .find_map(|l| l.strip_prefix("--- a/"))
        .map(str::trim_end)
    {
        push(
            "missing file",
            case.patch
                .replace(&format!("a/{path}"), &format!("a/missing/{path}"))
                .replace(&format!("b/{path}"), &format!("b/missing/{path}")),
        );
    }
    if let Some((path, Some(text))) = repo.files.iter().next() {
        let first = text.lines().next().unwrap_or_default();
        push(
            "creation of an existing file",
            format!(
                "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{first}\n"
            ),
        );
    }
    push(
        "deletion of a missing file",
        "diff --git a/no/such.ts b/no/such.ts\ndeleted file mode 100644\n--- a/no/such.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n".into(),
    );
    out
}

/// `@@ -a,b +c,d @@` → `@@ -a,b+1 +c,d+1 @@`.
fn bump_counts(header: &str) -> String {
    shift_counts(header, 1)
}

/// `@@ -a,b +c,d @@` → `@@ -a+by,b +c+by,d @@` (a start of 0 stays 0).
fn move_start(header: &str, by: usize) -> String {
    let (ranges, rest) = header[3..].split_once(" @@").unwrap();
    let moved: Vec<String> = ranges
        .split(' ')
        .map(|range| {
            let (sign, range) = range.split_at(1);
            let (start, len) = range.split_once(',').unwrap_or((range, "1"));
            let start: usize = start.parse().unwrap();
            let start = if start == 0 { 0 } else { start + by };
            format!("{sign}{start},{len}")
        })
        .collect();
    format!("@@ {} @@{rest}", moved.join(" "))
}

/// `@@ -a,b +c,d @@` → `@@ -a,b+by +c,d+by @@`.
fn shift_counts(header: &str, by: isize) -> String {
    let (ranges, rest) = header[3..].split_once(" @@").unwrap();
    let bumped: Vec<String> = ranges
        .split(' ')
        .map(|range| {
            let (sign, range) = range.split_at(1);
            let (start, len) = range.split_once(',').unwrap_or((range, "1"));
            format!("{sign}{start},{}", len.parse::<isize>().unwrap() + by)
        })
        .collect();
    format!("@@ {} @@{rest}", bumped.join(" "))
}

#[test]
fn in_memory_apply_agrees_with_git_apply_check() {
    let mut cases = corpus();
    assert!(cases.len() >= 10, "only {} corpus patches", cases.len());
    let mut mutated = Vec::new();
    for case in &cases {
        let repo = Repo::load(&case.repo).unwrap();
        if ours(&case.patch, &repo).is_ok() {
            mutated.extend(mutations(case, &repo));
        }
    }
    cases.extend(mutated);
    let mut disagreements = Vec::new();
    let (mut applied, mut rejected) = (0, 0);
    for case in &cases {
        let repo = Repo::load(&case.repo).unwrap();
        let (ours, git) = (ours(&case.patch, &repo), git(&case.patch, &case.repo));
        match (&ours, &git) {
            (Ok(()), Ok(())) => applied += 1,
            (Err(_), Err(_)) => rejected += 1,
            _ => disagreements.push(format!(
                "{}:\n  fixture-kit: {ours:?}\n  git apply --check: {git:?}",
                case.name
            )),
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    eprintln!("{applied} cases applied and {rejected} rejected, by both");
    assert!(
        applied >= 10 && rejected >= 30,
        "{applied} applied, {rejected} rejected"
    );
}

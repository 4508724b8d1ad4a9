//! Differential test: fixture-kit's in-memory patch verdict (parse, then
//! non-fabrication and apply against `repo/`) agrees with `git apply --check` on every coder golden
//! of the bundled corpus that has a `repo/`, on mutations of each, and on
//! thousands of generated cases: seeded random trees, a random edit of
//! each turned into a patch by `git diff` itself, then random corruptions
//! of that patch.
//!
//! git runs on a copy of `repo/` in a temporary folder outside any git
//! repository (inside one, `git apply` silently skips paths outside the
//! current folder, and the test would agree vacuously), with no user or
//! system git configuration.
//!
//! Where fixture-kit is stricter than git on purpose (docs/RULES.md, "Where
//! fixture-kit is stricter than git"), a disagreement is classified as such
//! by the message fixture-kit gives, counted and printed; any other
//! disagreement fails the test.

use std::fs;
use std::path::Path;
use std::process::Command;

use std::collections::BTreeMap;

use fixture_kit::discover::discover;
use fixture_kit::repo::Repo;
use fixture_kit::rules::{apply, fabrication, patch};
use fixture_kit::{Agent, Fixture};

struct Case {
    name: String,
    patch: String,
    repo: std::path::PathBuf,
}

fn ours(text: &str, repo: &Repo) -> Result<(), String> {
    let join = |v: Vec<fixture_kit::Violation>| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let parsed = patch::parse(text, "patch").map_err(join)?;
    let invented = fabrication::patch(&parsed, repo, "patch");
    let applied = apply::apply(&parsed, repo, "patch")
        .err()
        .unwrap_or_default();
    match [invented, applied].concat() {
        found if found.is_empty() => Ok(()),
        found => Err(join(found)),
    }
}

fn git(text: &str, repo: &Path) -> Result<(), String> {
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("repo");
    copy_dir(repo, &copy);
    git_check(text, &copy, work.path())
}

/// `git` run in `dir` with no user or system configuration, seeing no
/// repository above `ceiling`.
fn git_command(dir: &Path, ceiling: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    command
}

/// `git apply --check` of `text` in `dir`, which must be outside any
/// repository (`ceiling` is its parent).
fn git_check(text: &str, dir: &Path, ceiling: &Path) -> Result<(), String> {
    let patch_file = ceiling.join(format!("change-{}.patch", std::process::id()));
    fs::write(&patch_file, text).unwrap();
    let git = |args: &[&str]| {
        git_command(dir, ceiling)
            .args(args)
            .output()
            .expect("git is installed")
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"]);
    assert!(
        !inside.status.success(),
        "the copy must be outside any git repository"
    );
    let out = git(&["apply", "--check", patch_file.to_str().unwrap()]);
    fs::remove_file(&patch_file).unwrap();
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

// ---------------------------------------------------------------------
// Generated cases.

/// Trees generated per run; each yields its `git diff` and corruptions.
const TREES: u64 = 240;
/// The first tree's seed; tree `i` uses `SEED + i`.
const SEED: u64 = 20_261_201;

/// Where fixture-kit rejects on purpose what `git apply --check` accepts,
/// recognised by fixture-kit's message.
const STRICTER: [(&str, &str); 2] = [
    (
        "header counts fewer lines than its body",
        "`git apply --check` accepts this",
    ),
    (
        "`---` and `+++` name different files without rename lines",
        "and leave `",
    ),
];

const NAMES: [&str; 7] = [
    "a.txt",
    "src/b.rs",
    "src/lib/c.ts",
    "docs/d.md",
    "e",
    "src/f.py",
    "g h.txt",
];
const WORDS: [&str; 12] = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "{",
    "}",
    "",
    "return x;",
    "  indented",
    "\tтаб",
    "x  ",
    "alpha",
];

type Tree = BTreeMap<String, String>;

fn random_text(rng: &mut fastrand::Rng) -> String {
    let crlf = rng.u8(..10) == 0;
    let n = rng.usize(..30);
    let mut text = String::new();
    for _ in 0..n {
        text.push_str(WORDS[rng.usize(..WORDS.len())]);
        text.push_str(if crlf { "\r\n" } else { "\n" });
    }
    if rng.u8(..7) == 0 {
        text.pop();
    }
    text
}

fn random_tree(rng: &mut fastrand::Rng) -> Tree {
    let mut names = NAMES.to_vec();
    rng.shuffle(&mut names);
    names[..1 + rng.usize(..4)]
        .iter()
        .map(|n| ((*n).to_owned(), random_text(rng)))
        .collect()
}

/// A few line edits of `text`: replacements, insertions, deletions, and
/// now and then the final newline toggled.
fn edit_text(rng: &mut fastrand::Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    for _ in 0..1 + rng.usize(..4) {
        let word = format!("{}\n", WORDS[rng.usize(..WORDS.len())]);
        match (rng.u8(..3), lines.is_empty()) {
            (0, false) => {
                let i = rng.usize(..lines.len());
                lines[i] = word;
            }
            (1, false) => {
                lines.remove(rng.usize(..lines.len()));
            }
            _ => lines.insert(rng.usize(..=lines.len()), word),
        }
    }
    let mut out = lines.concat();
    if rng.u8(..8) == 0 {
        if out.ends_with('\n') {
            out.pop();
        } else {
            out.push('\n');
        }
    }
    out
}

/// The edited tree and the files made executable.
fn random_edit(rng: &mut fastrand::Rng, old: &Tree) -> (Tree, Vec<String>) {
    let mut new = old.clone();
    let mut executable = Vec::new();
    let free = |tree: &Tree| {
        NAMES
            .iter()
            .find(|n| !tree.contains_key(**n))
            .map(|n| (*n).to_owned())
    };
    for (name, text) in old {
        match rng.u8(..10) {
            0 => {
                new.remove(name);
            }
            1 | 2 => {
                if let Some(to) = free(&new) {
                    new.remove(name);
                    let edited = if rng.bool() {
                        edit_text(rng, text)
                    } else {
                        text.clone()
                    };
                    new.insert(to, edited);
                }
            }
            3 => {
                if let Some(to) = free(&new) {
                    new.insert(to, edit_text(rng, text));
                    new.insert(name.clone(), edit_text(rng, text));
                }
            }
            4 => {
                executable.push(name.clone());
                if rng.bool() {
                    new.insert(name.clone(), edit_text(rng, text));
                }
            }
            _ => {
                new.insert(name.clone(), edit_text(rng, text));
            }
        }
    }
    if rng.u8(..3) == 0 {
        if let Some(name) = free(&new) {
            new.insert(name, random_text(rng));
        }
    }
    (new, executable)
}

fn write_tree(dir: &Path, tree: &Tree) {
    for (name, text) in tree {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// `git diff` of `old` → `new` (with random context and rename/copy
/// detection), from a throw-away repository under `work`.
fn git_diff(
    rng: &mut fastrand::Rng,
    work: &Path,
    old: &Tree,
    new: &Tree,
    exec: &[String],
) -> String {
    let dir = work.join("git");
    fs::create_dir_all(&dir).unwrap();
    write_tree(&dir, old);
    let run = |args: &[&str]| {
        let out = git_command(&dir, work)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t.invalid",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args)
            .output()
            .expect("git is installed");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["init", "-q"]);
    run(&["add", "-A"]);
    run(&["commit", "-qm", "old"]);
    for name in old.keys() {
        fs::remove_file(dir.join(name)).unwrap();
    }
    write_tree(&dir, new);
    for name in exec.iter().filter(|n| new.contains_key(*n)) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o755)).unwrap();
    }
    run(&["add", "-A"]);
    let context = format!("-U{}", [0, 1, 2, 3, 3, 3][rng.usize(..6)]);
    let mut args = vec![
        "diff",
        "--cached",
        "--no-color",
        "--no-ext-diff",
        context.as_str(),
    ];
    match rng.u8(..3) {
        0 => args.push("-M"),
        1 => args.extend(["-M", "-C", "--find-copies-harder"]),
        _ => args.push("--no-renames"),
    }
    let diff = run(&args);
    fs::remove_dir_all(&dir).unwrap();
    diff
}

/// Line indices of a patch's hunk headers, and of each hunk's body lines.
fn hunks(lines: &[String]) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("@@ ") {
            let body = (i + 1..lines.len())
                .take_while(|&j| {
                    lines[j].starts_with([' ', '-', '+', '\\'])
                        && !lines[j].starts_with("--- ")
                        && !lines[j].starts_with("+++ ")
                })
                .collect();
            out.push((i, body));
        }
    }
    out
}

/// A hunk header's four numbers.
type Counts = [isize; 4];
/// A change of a hunk header's numbers.
type HeaderChange = fn(Counts) -> Counts;

/// `@@ -a,b +c,d @@` with the four numbers changed by `f`.
fn rewrite_header(header: &str, f: impl Fn(Counts) -> Counts) -> Option<String> {
    let rest = header.strip_prefix("@@ -")?;
    let (ranges, tail) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let num = |r: &str| -> Option<(isize, isize)> {
        let (a, b) = r.split_once(',').unwrap_or((r, "1"));
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let ((a, b), (c, d)) = (num(old)?, num(new)?);
    let [a, b, c, d] = f([a, b, c, d]);
    (a >= 0 && b >= 0 && c >= 0 && d >= 0).then(|| format!("@@ -{a},{b} +{c},{d} @@{tail}"))
}

/// Random corruptions of a real patch, named for what they do.
fn corruptions(rng: &mut fastrand::Rng, patch: &str) -> Vec<(&'static str, String)> {
    let lines: Vec<String> = patch.split_inclusive('\n').map(str::to_owned).collect();
    let hunks = hunks(&lines);
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut push = |what: &'static str, copy: Vec<String>| out.push((what, copy.concat()));
    let pick = |rng: &mut fastrand::Rng, v: &[usize]| v.get(rng.usize(..v.len().max(1))).copied();
    let body: Vec<usize> = hunks.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let of_kind = |c: char| -> Vec<usize> {
        body.iter()
            .copied()
            .filter(|&i| lines[i].starts_with(c))
            .collect()
    };
    for _ in 0..2 {
        if let Some(i) = pick(rng, &of_kind(' ')) {
            let mut copy = lines.clone();
            copy[i] = copy[i].replacen(' ', " ~", 1);
            push("changed context line", copy);
        }
        if let Some(i) = pick(rng, &of_kind('-')) {
            let mut copy = lines.clone();
            copy[i] = copy[i].replacen('-', "-~", 1);
            push("changed removed line", copy);
        }
        if let Some(i) = pick(rng, &body) {
            let mut copy = lines.clone();
            copy.remove(i);
            push("dropped body line", copy);
            let mut copy = lines.clone();
            copy.insert(i, lines[i].clone());
            push("duplicated body line", copy);
        }
    }
    if let Some(&(h, _)) = hunks.get(rng.usize(..hunks.len().max(1))) {
        let changes: [(&'static str, HeaderChange); 8] = [
            ("start one line later", |[a, b, c, d]| [a + 1, b, c + 1, d]),
            ("start one line earlier", |[a, b, c, d]| {
                [a - 1, b, c - 1, d]
            }),
            ("old count one more", |[a, b, c, d]| [a, b + 1, c, d]),
            ("old count one less", |[a, b, c, d]| [a, b - 1, c, d]),
            ("new count one more", |[a, b, c, d]| [a, b, c, d + 1]),
            ("new count one less", |[a, b, c, d]| [a, b, c, d - 1]),
            ("both counts one more", |[a, b, c, d]| [a, b + 1, c, d + 1]),
            ("both counts one less", |[a, b, c, d]| [a, b - 1, c, d - 1]),
        ];
        for (what, f) in changes {
            if let Some(header) = rewrite_header(&lines[h], f) {
                let mut copy = lines.clone();
                copy[h] = header;
                push(what, copy);
            }
        }
    }
    // Two hunks of one section swapped, or one given twice.
    for pair in hunks.windows(2) {
        let ((h1, b1), (h2, b2)) = (&pair[0], &pair[1]);
        let end1 = b1.last().map_or(*h1, |l| l + 1);
        if end1 != *h2 || !rng.bool() {
            continue;
        }
        let end2 = b2.last().map_or(*h2, |l| l + 1);
        let mut copy = lines[..*h1].to_vec();
        copy.extend_from_slice(&lines[*h2..end2]);
        copy.extend_from_slice(&lines[*h1..end1]);
        copy.extend_from_slice(&lines[end2..]);
        push("swapped hunks", copy);
        let mut copy = lines[..end1].to_vec();
        copy.extend_from_slice(&lines[*h1..end1]);
        copy.extend_from_slice(&lines[end1..]);
        push("hunk given twice", copy);
        break;
    }
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| !body.contains(&i) && !lines[i].starts_with("@@ "))
        .collect();
    if let Some(i) = pick(rng, &headers) {
        let mut copy = lines.clone();
        copy.remove(i);
        push("missing header line", copy);
    }
    let git_lines: Vec<usize> = headers
        .iter()
        .copied()
        .filter(|&i| !lines[i].starts_with("--- ") && !lines[i].starts_with("+++ "))
        .collect();
    push(
        "traditional diff (no git headers)",
        (0..lines.len())
            .filter(|i| !git_lines.contains(i))
            .map(|i| lines[i].clone())
            .collect(),
    );
    push(
        "whole patch with CRLF",
        lines.iter().map(|l| l.replace('\n', "\r\n")).collect(),
    );
    if let Some(&(h, ref b)) = hunks.get(rng.usize(..hunks.len().max(1))) {
        let mut copy = lines.clone();
        for &i in b.iter().chain([&h]) {
            copy[i] = lines[i].replace('\n', "\r\n");
        }
        push("one hunk with CRLF", copy);
    }
    let mut copy = lines.clone();
    if let Some(last) = copy.last_mut() {
        last.pop();
    }
    push("patch without its final newline", copy);
    let markers: Vec<usize> = body
        .iter()
        .copied()
        .filter(|&i| lines[i].starts_with('\\'))
        .collect();
    if let Some(i) = pick(rng, &markers) {
        let mut copy = lines.clone();
        copy.remove(i);
        push("no-newline marker dropped", copy);
    } else if let Some(&last) = body.last() {
        let mut copy = lines.clone();
        copy.insert(last + 1, "\\ No newline at end of file\n".into());
        push("no-newline marker added", copy);
    }
    push("patch given twice", [lines.clone(), lines.clone()].concat());
    out
}

/// How fixture-kit and git judged one case.
enum Verdict {
    /// Both apply it (`true`) or both reject it.
    Agree(bool),
    Stricter(&'static str),
    Disagree(String),
}

fn judge(name: &str, text: &str, repo: &Repo, dir: &Path, ceiling: &Path) -> Verdict {
    let (ours, git) = (ours(text, repo), git_check(text, dir, ceiling));
    match (&ours, &git) {
        (Ok(()), Ok(())) => Verdict::Agree(true),
        (Err(_), Err(_)) => Verdict::Agree(false),
        (Err(message), Ok(())) => match STRICTER.iter().find(|(_, m)| message.contains(m)) {
            Some((class, _)) => Verdict::Stricter(class),
            None => Verdict::Disagree(format!(
                "{name}:\n  fixture-kit: {message}\n  git apply --check: applies\n--- patch ---\n{text}"
            )),
        },
        _ => Verdict::Disagree(format!(
            "{name}:\n  fixture-kit: {ours:?}\n  git apply --check: {git:?}\n--- patch ---\n{text}"
        )),
    }
}

/// One generated tree and every case made from it.
fn tree_cases(seed: u64, work: &Path) -> Vec<Verdict> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let old = random_tree(&mut rng);
    let (new, exec) = random_edit(&mut rng, &old);
    let diff = git_diff(&mut rng, work, &old, &new, &exec);
    if diff.is_empty() {
        return Vec::new();
    }
    let dir = work.join("repo");
    fs::create_dir_all(&dir).unwrap();
    write_tree(&dir, &old);
    let repo = Repo::from_files(old.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut verdicts = vec![judge(
        &format!("seed {seed}: git diff"),
        &diff,
        &repo,
        &dir,
        work,
    )];
    for (what, text) in corruptions(&mut rng, &diff) {
        if text != diff && !text.trim().is_empty() {
            verdicts.push(judge(
                &format!("seed {seed}: {what}"),
                &text,
                &repo,
                &dir,
                work,
            ));
        }
    }
    fs::remove_dir_all(&dir).unwrap();
    verdicts
}

#[test]
fn generated_patches_agree_with_git_apply_check() {
    let seeds: Vec<u64> = (0..TREES).map(|i| SEED + i).collect();
    let verdicts: Vec<Verdict> = std::thread::scope(|scope| {
        let workers: Vec<_> = seeds
            .chunks(seeds.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    let work = tempfile::tempdir().unwrap();
                    chunk
                        .iter()
                        .flat_map(|&seed| tree_cases(seed, work.path()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut stricter: BTreeMap<&str, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let (mut applied, mut rejected) = (0, 0);
    for verdict in &verdicts {
        match verdict {
            Verdict::Agree(true) => applied += 1,
            Verdict::Agree(false) => rejected += 1,
            Verdict::Stricter(class) => *stricter.entry(class).or_default() += 1,
            Verdict::Disagree(text) => disagreements.push(text.as_str()),
        }
    }
    eprintln!(
        "{} generated cases from {TREES} trees: {applied} applied and {rejected} rejected by \
         both; stricter than git on purpose: {stricter:?}",
        verdicts.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} generated cases disagree with git:\n{}",
        disagreements.len(),
        verdicts.len(),
        disagreements.join("\n")
    );
    assert!(
        verdicts.len() >= 3000,
        "only {} generated cases",
        verdicts.len()
    );
}

//! Rule `non-fabrication`: outputs name only files and lines that exist.
//! A patch's modified, deleted, renamed and copied files and its context
//! and removed lines must be in `repo/`; a planner task's `file` must be in
//! `repo/` (as a file or a folder) or listed in `new_files`; a reviewer
//! comment's `path` must be in `repo/` or written by the task's coder
//! patch, and its `line` within that file.

use std::collections::{BTreeMap, BTreeSet};

use crate::contract::{PlannerOutput, ReviewerOutput};
use crate::repo::{lines, Repo};
use crate::rule::{Rule, Violation};
use crate::rules::patch::{HunkLine, Patch};

/// Files and lines the patch assumes in `repo`. A section on a file an
/// earlier section wrote may also name the lines that section added.
pub fn patch(patch: &Patch, repo: &Repo, file: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut written: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for fp in &patch.files {
        let earlier = fp.old_path().and_then(|old| written.get(old)).cloned();
        if let Some(new) = fp.new_path() {
            let added = fp.hunks.iter().flat_map(|h| h.after()).map(trim_newline);
            let mut lines = earlier.clone().unwrap_or_default();
            lines.extend(added);
            written.insert(new, lines);
        }
        let Some(old) = fp.old_path() else { continue };
        let at = format!("{file}:{}", fp.line);
        let created = fp.may_create && !repo.has(old);
        let entry = match (repo.files.get(old), &earlier) {
            (_, _) if created => continue,
            (Some(entry), _) => entry.as_deref(),
            (None, Some(_)) => Some(""),
            (None, None) => {
                violations.push(
                    Violation::new(
                        Rule::NonFabrication,
                        format!("the patch changes `{old}`, which does not exist in repo/"),
                    )
                    .at(at)
                    .hint("patch only files that exist, or create the file with `--- /dev/null`"),
                );
                continue;
            }
        };
        let Some(text) = entry else { continue };
        let mut existing: BTreeSet<&str> = lines(text).into_iter().map(trim_newline).collect();
        existing.extend(earlier.into_iter().flatten());
        for hunk in &fp.hunks {
            let invented: Vec<(&str, &str)> = hunk
                .lines
                .iter()
                .filter_map(|line| match line {
                    HunkLine::Context(t) => Some(("context", t.as_str())),
                    HunkLine::Remove(t) => Some(("removed", t.as_str())),
                    HunkLine::Add(_) => None,
                })
                .filter(|(_, t)| !existing.contains(trim_newline(t)))
                .collect();
            if let Some((kind, text)) = invented.first() {
                let more = match invented.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more)"),
                };
                violations.push(
                    Violation::new(
                        Rule::NonFabrication,
                        format!(
                            "`{old}`: hunk {} has {kind} line `{}`, which is nowhere in \
                             repo/{old}{more}",
                            hunk.number,
                            trim_newline(text)
                        ),
                    )
                    .at(format!("{file}:{}", hunk.line))
                    .hint("context and removed lines must be copied from repo/, not invented"),
                );
            }
        }
    }
    violations
}

/// Each task's `file` exists in `repo` or is declared in `new_files`.
pub fn plan(plan: &PlannerOutput, repo: &Repo, new_files: &[String], file: &str) -> Vec<Violation> {
    plan.tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| !task.file.trim().is_empty())
        .filter(|(_, task)| !exists(repo, &task.file) && !new_files.contains(&task.file))
        .map(|(i, task)| {
            Violation::new(
                Rule::NonFabrication,
                format!("task `{}` names `{}`, which does not exist in repo/", task.id, task.file),
            )
            .at(format!("{file}: tasks[{i}].file"))
            .hint("name an existing file, or list the file the task creates in `new_files` in fixture.json")
        })
        .collect()
}

/// Each comment's `path` exists in `reviewed` (the repository as the
/// reviewer sees it, with the task's patch applied where there is one) or
/// in `repo` (a file the patch deletes), and its `line` lies within that
/// file (the reviewed version where there is one). `depends_on` names the
/// coder golden `reviewed` comes from: a finding that turns on it says so.
pub fn review(
    review: &ReviewerOutput,
    repo: &Repo,
    reviewed: &Repo,
    depends_on: Option<&str>,
    file: &str,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (i, comment) in review.comments.iter().enumerate() {
        let Some(path) = &comment.path else { continue };
        let after = reviewed.files.get(path.as_str());
        let Some(entry) = after.or(repo.files.get(path.as_str())) else {
            let mut violation = Violation::new(
                Rule::NonFabrication,
                format!("comment on `{path}`, which is neither in repo/ nor in the task's patch"),
            )
            .at(format!("{file}: comments[{i}].path"))
            .hint("comment on files the change touches or the repository has");
            if let Some(golden) = depends_on {
                violation
                    .message
                    .push_str(&format!(" (this depends on {golden})"));
            }
            violations.push(violation);
            continue;
        };
        let (Some(line), Some(text)) = (comment.line, entry) else {
            continue;
        };
        let count = lines(text).len();
        if line.get() as usize > count {
            let patched =
                depends_on.filter(|_| after.is_some() && after != repo.files.get(path.as_str()));
            let message = match patched {
                Some(golden) => format!(
                    "comment on `{path}` line {line}, but the file has {count} lines once \
                     {golden} applies"
                ),
                None => format!("comment on `{path}` line {line}, but the file has {count} lines"),
            };
            let mut violation = Violation::new(Rule::NonFabrication, message)
                .at(format!("{file}: comments[{i}].line"));
            if patched.is_some() {
                violation = violation.hint(
                    "the line is counted in the file as the coder's patch leaves it: fix the \
                     comment, or the coder golden if it changed",
                );
            }
            violations.push(violation);
        }
    }
    violations
}

pub(crate) fn exists(repo: &Repo, path: &str) -> bool {
    let dir = format!("{}/", path.trim_end_matches('/'));
    repo.has(path) || repo.files.keys().any(|k| k.starts_with(&dir))
}

fn trim_newline(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Comment, Decision, PlannerTask};
    use crate::rules::patch::parse;
    use std::num::NonZeroU32;

    fn repo() -> Repo {
        Repo::from_files([("src/a.ts", "one\ntwo\nthree\n"), ("src/lib/b.ts", "b\n")])
    }

    #[test]
    fn patch_must_not_invent_files_or_lines() {
        let text = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,2 +1,2 @@\n one\n-TWO\n+2\ndiff --git a/src/z.ts b/src/z.ts\n--- a/src/z.ts\n+++ b/src/z.ts\n@@ -1 +1 @@\n-z\n+y\n";
        let all: Vec<_> = patch(&parse(text, "p").unwrap(), &repo(), "p")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            all[0].contains(
                "p:4: `src/a.ts`: hunk 1 has removed line `TWO`, which is nowhere in repo/src/a.ts"
            ),
            "{all:?}"
        );
        assert!(
            all[1].contains("p:8: the patch changes `src/z.ts`, which does not exist"),
            "{all:?}"
        );
        let fine = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n";
        assert!(patch(&parse(fine, "p").unwrap(), &repo(), "p").is_empty());
    }

    #[test]
    fn later_sections_may_name_what_earlier_ones_wrote() {
        let first = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n";
        let second = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,2 +1,2 @@\n one\n-2\n+II\n";
        let create = "diff --git a/n.ts b/n.ts\nnew file mode 100644\n--- /dev/null\n+++ b/n.ts\n@@ -0,0 +1 @@\n+x\n";
        let modify = "diff --git a/n.ts b/n.ts\n--- a/n.ts\n+++ b/n.ts\n@@ -1 +1 @@\n-x\n+y\n";
        let text = format!("{first}{second}{create}{modify}");
        assert_eq!(patch(&parse(&text, "p").unwrap(), &repo(), "p"), []);
        let traditional = "--- a/new.ts\n+++ b/new.ts\n@@ -0,0 +1 @@\n+x\n";
        assert_eq!(patch(&parse(traditional, "p").unwrap(), &repo(), "p"), []);
    }

    #[test]
    fn plan_files_exist_or_are_declared_new() {
        let task = |file: &str| PlannerTask {
            id: file.into(),
            description: "d".into(),
            file: file.into(),
            kind: Default::default(),
            complexity: Default::default(),
            depends_on: vec![],
            provenance: None,
        };
        let p = PlannerOutput {
            tasks: vec![
                task("src/a.ts"),
                task("src/lib"),
                task("src/new.ts"),
                task("src/ghost.ts"),
            ],
            ambiguities: vec![],
            invalid_task_count: 0,
        };
        let all = plan(&p, &repo(), &["src/new.ts".into()], "e");
        assert_eq!(all.len(), 1);
        assert!(all[0]
            .to_string()
            .contains("e: tasks[3].file: task `src/ghost.ts` names `src/ghost.ts`"));
    }

    fn comment(path: &str, line: u32) -> Comment {
        Comment {
            message: "m".into(),
            blocking: true,
            path: Some(path.into()),
            line: NonZeroU32::new(line),
        }
    }

    #[test]
    fn review_paths_and_lines_are_grounded() {
        let r = ReviewerOutput {
            decision: Decision::Revise,
            comments: vec![
                comment("src/a.ts", 3),
                comment("src/a.ts", 4),
                comment("nope.ts", 1),
                comment("src/new.ts", 2),
                comment("src/lib/b.ts", 1),
            ],
        };
        // The patch created src/new.ts and deleted src/lib/b.ts.
        let reviewed =
            Repo::from_files([("src/a.ts", "one\ntwo\nthree\n"), ("src/new.ts", "1\n2\n")]);
        let all: Vec<_> = review(&r, &repo(), &reviewed, None, "e")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0]
            .contains("comments[1].line: comment on `src/a.ts` line 4, but the file has 3 lines"));
        assert!(all[1].contains("comments[2].path"));
    }

    #[test]
    fn a_finding_that_turns_on_the_coder_golden_names_it() {
        let r = ReviewerOutput {
            decision: Decision::Revise,
            comments: vec![
                comment("src/new.ts", 3),
                comment("src/a.ts", 4),
                comment("ghost.ts", 1),
            ],
        };
        let reviewed =
            Repo::from_files([("src/a.ts", "one\ntwo\nthree\n"), ("src/new.ts", "1\n2\n")]);
        let golden = Some("the coder golden `t/x/coder/expected.patch`");
        let all: Vec<_> = review(&r, &repo(), &reviewed, golden, "e")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(
            all[0].contains(
                "comment on `src/new.ts` line 3, but the file has 2 lines once the coder \
                 golden `t/x/coder/expected.patch` applies"
            ),
            "{all:?}"
        );
        // src/a.ts is the same before and after the patch: no dependency.
        assert!(!all[1].contains("coder golden"), "{all:?}");
        assert!(
            all[2].contains("(this depends on the coder golden"),
            "{all:?}"
        );
    }
}

//! Walks a fixture tree `<root>/<topic>/<task>/<agent>/` and checks its layout.
//!
//! The build script and the `fixture-kit` command both discover through
//! here, so a tree means the same thing at compile time and at run time.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::agent::{Agent, GoldenKind};
use crate::naming::sanitize;
use crate::suggest;
use crate::untrusted;

/// The fixture-local checks compiled into a fixture's test.
pub const LOCAL_VERIFY: &str = "verify.rs";
/// The prompt every agent fixture holds.
pub const PROMPT: &str = "prompt.md";
/// Source the agent sees; at agent or task level.
pub const REPO: &str = "repo";

/// Where a fixture sits: `topic/task/agent`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixtureId {
    /// The topic folder name.
    pub topic: String,
    /// The task folder name.
    pub task: String,
    /// The agent folder.
    pub agent: Agent,
}

impl FixtureId {
    /// Parses `topic/task/agent`.
    pub fn parse(s: &str) -> Option<FixtureId> {
        let mut parts = s.trim_matches('/').split('/');
        let (topic, task, agent) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || topic.is_empty() || task.is_empty() {
            return None;
        }
        Some(FixtureId {
            topic: topic.to_owned(),
            task: task.to_owned(),
            agent: agent.parse().ok()?,
        })
    }

    /// The test name, `topic::task::agent` after [`sanitize`].
    pub fn test_name(&self) -> String {
        format!(
            "{}::{}::{}",
            sanitize(&self.topic),
            sanitize(&self.task),
            self.agent
        )
    }

    /// The fixture folder below `root`.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(&self.topic)
            .join(&self.task)
            .join(self.agent.as_str())
    }
}

impl fmt::Display for FixtureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.topic, self.task, self.agent)
    }
}

/// A task folder, `topic/task`, whose goldens the `pipeline` rule checks
/// together in the test `topic::task::pipeline`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId {
    /// The topic folder name.
    pub topic: String,
    /// The task folder name.
    pub task: String,
}

/// The last part of a task's `pipeline` test name.
pub const PIPELINE_TEST: &str = "pipeline";

impl TaskId {
    /// Parses `topic/task`.
    pub fn parse(s: &str) -> Option<TaskId> {
        let (topic, task) = s.trim_matches('/').split_once('/')?;
        (!topic.is_empty() && !task.is_empty() && !task.contains('/')).then(|| TaskId {
            topic: topic.to_owned(),
            task: task.to_owned(),
        })
    }

    /// The test name, `topic::task::pipeline` after [`sanitize`].
    pub fn test_name(&self) -> String {
        format!(
            "{}::{}::{PIPELINE_TEST}",
            sanitize(&self.topic),
            sanitize(&self.task)
        )
    }

    /// The task folder below `root`.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(&self.topic).join(&self.task)
    }

    /// The task's fixture of `agent`.
    pub fn fixture(&self, agent: Agent) -> FixtureId {
        FixtureId {
            topic: self.topic.clone(),
            task: self.task.clone(),
            agent,
        }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.topic, self.task)
    }
}

/// One well-formed agent fixture found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Where it sits.
    pub id: FixtureId,
    /// Whether its golden exists yet (a missing golden fails its test, or is
    /// written by an update run).
    pub has_golden: bool,
    /// Whether it holds a fixture-local `verify.rs`.
    pub has_local_verify: bool,
}

/// A layout problem, with the path it concerns (as given: root-relative
/// paths stay relative) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Everything found under a fixture root, sorted by test name.
#[derive(Debug, Clone, Default)]
pub struct FixtureTree {
    /// Well-formed fixtures, sorted by id.
    pub fixtures: Vec<Discovered>,
    /// Layout problems, sorted by path.
    pub problems: Vec<Problem>,
}

impl FixtureTree {
    /// The tasks with a `pipeline` test: those whose agent fixtures with a
    /// golden include a pair the rule checks (`rules::pipeline::applies`),
    /// sorted.
    pub fn pipeline_tasks(&self) -> Vec<TaskId> {
        let mut tasks: BTreeMap<TaskId, Vec<Agent>> = BTreeMap::new();
        for found in self.fixtures.iter().filter(|found| found.has_golden) {
            let task = TaskId {
                topic: found.id.topic.clone(),
                task: found.id.task.clone(),
            };
            tasks.entry(task).or_default().push(found.id.agent);
        }
        tasks
            .into_iter()
            .filter(|(_, agents)| crate::rules::pipeline::applies(|agent| agents.contains(&agent)))
            .map(|(task, _)| task)
            .collect()
    }
}

/// Walks `root` (which may be relative: problem paths keep its prefix).
pub fn discover(root: &Path) -> FixtureTree {
    let mut tree = FixtureTree::default();
    let topics = match sorted_dirs(root, &mut tree.problems) {
        Some(topics) => topics,
        None => return tree,
    };
    if topics.is_empty() {
        tree.problems.push(Problem {
            path: root.to_owned(),
            message: "no fixtures here: add `<topic>/<task>/<agent>/prompt.md` with its golden"
                .into(),
        });
    }
    let mut topic_names = Names::default();
    for (topic, topic_dir) in topics {
        topic_names.claim(&topic, &topic_dir, &mut tree.problems);
        let Some(tasks) = sorted_dirs(&topic_dir, &mut tree.problems) else {
            continue;
        };
        if tasks.is_empty() {
            tree.problems.push(no_agents(&topic_dir, "topic"));
        }
        let mut task_names = Names::default();
        for (task, task_dir) in tasks {
            task_names.claim(&task, &task_dir, &mut tree.problems);
            discover_task(&topic, &task, &task_dir, &mut tree);
        }
    }
    tree.fixtures.sort_by(|a, b| a.id.cmp(&b.id));
    tree.problems.sort_by(|a, b| a.path.cmp(&b.path));
    tree
}

/// Looks up one fixture by its test name, reading only the folders on its
/// way (so `--exact` does not rescan a large tree).
pub fn find(root: &Path, test_name: &str) -> Option<FixtureId> {
    let mut parts = test_name.split("::");
    let (topic, task, agent) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let agent: Agent = agent.parse().ok()?;
    let topic = find_named(root, topic)?;
    let task = find_named(&root.join(&topic), task)?;
    let id = FixtureId { topic, task, agent };
    id.dir(root).join(PROMPT).is_file().then_some(id)
}

/// Looks up one task's `pipeline` test by its name
/// (`topic::task::pipeline`), reading only the folders on its way.
pub fn find_task(root: &Path, test_name: &str) -> Option<TaskId> {
    let mut parts = test_name.split("::");
    let (topic, task) = (parts.next()?, parts.next()?);
    if parts.next()? != PIPELINE_TEST || parts.next().is_some() {
        return None;
    }
    let topic = find_named(root, topic)?;
    let task = find_named(&root.join(&topic), task)?;
    let id = TaskId { topic, task };
    let has_golden = |agent: Agent| {
        let dir = id.fixture(agent).dir(root);
        dir.join(PROMPT).is_file() && dir.join(agent.golden_kind().file_name()).is_file()
    };
    crate::rules::pipeline::applies(has_golden).then_some(id)
}

fn find_named(dir: &Path, ident: &str) -> Option<String> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.') && sanitize(name) == ident)
        .min()
}

fn discover_task(topic: &str, task: &str, task_dir: &Path, tree: &mut FixtureTree) {
    let Some(children) = sorted_dirs(task_dir, &mut tree.problems) else {
        return;
    };
    let mut agents = 0;
    let mut declarations = vec![task_dir.join(crate::constraints::FILE)];
    let mut present = Vec::new();
    for (name, dir) in children {
        if name == REPO {
            continue;
        }
        let Ok(agent) = name.parse::<Agent>() else {
            tree.problems.push(Problem {
                path: dir,
                message: format!(
                    "unknown agent folder `{name}`: expected one of architect, planner, coder, \
                     reviewer (source the agents see belongs in `repo/`){}",
                    suggest::did_you_mean(&name, &Agent::ALL.map(Agent::as_str))
                ),
            });
            continue;
        };
        agents += 1;
        declarations.push(dir.join(crate::constraints::FILE));
        if let Some(found) = check_agent(topic, task, agent, &dir, &mut tree.problems) {
            present.push(agent);
            tree.fixtures.push(found);
        }
    }
    if agents == 0 {
        tree.problems.push(no_agents(task_dir, "task"));
    }
    if !crate::rules::pipeline::applies(|agent| present.contains(&agent)) {
        for path in declarations
            .into_iter()
            .filter(|path| declares_pipeline_must_fail(path))
        {
            tree.problems.push(Problem {
                path,
                message: "declares `pipeline_must_fail`, but the task has no pair of agent \
                          fixtures the `pipeline` rule checks together, so it has no `pipeline` \
                          test to fail: add the stages it checks (a planner or a coder with an \
                          architect, a coder with a planner, a reviewer with a coder) or remove \
                          `pipeline_must_fail`"
                    .into(),
            });
        }
    }
}

/// Whether the `fixture.json` at `path` declares `pipeline_must_fail`. A
/// file that cannot be read or parsed is left to the fixture's own test,
/// which fails on it.
fn declares_pipeline_must_fail(path: &Path) -> bool {
    let Ok(Some(text)) = untrusted::read_text_if_exists(path, untrusted::MAX_BYTES) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|value| value.get("pipeline_must_fail").is_some())
}

fn check_agent(
    topic: &str,
    task: &str,
    agent: Agent,
    dir: &Path,
    problems: &mut Vec<Problem>,
) -> Option<Discovered> {
    let before = problems.len();
    let missing_prompt = regular_file(&dir.join(PROMPT), problems) == Some(false);
    let expected = agent.golden_kind();
    let present: Vec<GoldenKind> = GoldenKind::ALL
        .into_iter()
        .filter(|kind| regular_file(&dir.join(kind.file_name()), problems) == Some(true))
        .collect();
    if missing_prompt {
        problems.push(match misspelt(dir, PROMPT) {
            Some(problem) => problem,
            None => Problem {
                path: dir.join(PROMPT),
                message: format!("missing: every agent fixture needs a `{PROMPT}` with the prompt"),
            },
        });
    }
    if present.is_empty() {
        problems.extend(misspelt(dir, expected.file_name()));
    }
    let has_local_verify = regular_file(&dir.join(LOCAL_VERIFY), problems) == Some(true);
    if present.len() > 1 {
        problems.push(Problem {
            path: dir.to_owned(),
            message: format!(
                "holds both `expected.json` and `expected.patch`: a {agent} fixture keeps only `{}`",
                expected.file_name()
            ),
        });
    } else if present.first().is_some_and(|kind| *kind != expected) {
        problems.push(Problem {
            path: dir.join(present[0].file_name()),
            message: format!(
                "wrong golden kind: a {agent} golden is `{}`; rename or convert it",
                expected.file_name()
            ),
        });
    }
    (problems.len() == before).then(|| Discovered {
        id: FixtureId {
            topic: topic.to_owned(),
            task: task.to_owned(),
            agent,
        },
        has_golden: !present.is_empty(),
        has_local_verify,
    })
}

/// A file in `dir` that looks like a misspelling of the missing `wanted`
/// (`expected.jsn`, `expected.diff`), as a problem naming both.
fn misspelt(dir: &Path, wanted: &str) -> Option<Problem> {
    let names: Vec<String> = fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    let near = suggest::misspelt_file(wanted, names.iter().map(String::as_str))?;
    Some(Problem {
        path: dir.join(near),
        message: format!("`{wanted}` is missing; did you mean `{near}`? rename it to `{wanted}`"),
    })
}

/// Whether `path` is a regular file (`Some(false)`: nothing is there);
/// `None`, with a problem saying what it is, for a FIFO, a device, a folder
/// or a dangling link, which are never opened.
fn regular_file(path: &Path, problems: &mut Vec<Problem>) -> Option<bool> {
    match untrusted::check_file(path) {
        Ok(()) => Some(true),
        Err(err) if err.is_missing() => Some(false),
        Err(err) => {
            problems.push(Problem {
                path: path.to_owned(),
                message: format!("{err}: replace it with a regular file"),
            });
            None
        }
    }
}

fn no_agents(dir: &Path, level: &str) -> Problem {
    Problem {
        path: dir.to_owned(),
        message: format!(
            "{level} folder with no agent fixtures: add `<agent>/prompt.md` and a golden, or remove it"
        ),
    }
}

/// Sub-folders of `dir` by name, sorted; dot-folders are skipped, plain
/// files left alone. `None` (with a problem) when `dir` cannot be read.
fn sorted_dirs(dir: &Path, problems: &mut Vec<Problem>) -> Option<Vec<(String, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem {
                path: dir.to_owned(),
                message: format!("cannot read this folder: {err}"),
            });
            return None;
        }
    };
    let mut dirs = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        match entry.file_name().into_string() {
            Ok(name) if name.starts_with('.') => {}
            Ok(name) if name.chars().any(char::is_control) => problems.push(Problem {
                path: PathBuf::from(format!("{}", path.display()).escape_debug().to_string()),
                message: "folder name holds a control character: rename it".into(),
            }),
            Ok(name) => dirs.push((name, path)),
            Err(_) => problems.push(Problem {
                path,
                message: "folder name is not valid UTF-8: rename it".into(),
            }),
        }
    }
    dirs.sort();
    Some(dirs)
}

/// Sanitized names already taken at one level, to report collisions.
#[derive(Default)]
struct Names(BTreeMap<String, PathBuf>);

impl Names {
    fn claim(&mut self, name: &str, path: &Path, problems: &mut Vec<Problem>) {
        let ident = sanitize(name);
        if let Some(first) = self.0.get(&ident) {
            problems.push(Problem {
                path: path.to_owned(),
                message: format!(
                    "test name `{ident}` is taken by `{}` too: folder names must stay distinct \
                     after `-`, `.` and other characters become `_`; rename one",
                    first.display()
                ),
            });
        } else {
            self.0.insert(ident, path.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn messages(tree: &FixtureTree) -> Vec<String> {
        tree.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn finds_well_formed_fixtures_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "b-topic/t1/planner/prompt.md", "p");
        write(root, "b-topic/t1/planner/expected.json", "{}");
        write(root, "a/t/coder/prompt.md", "p");
        write(root, "a/t/coder/expected.patch", "");
        write(root, "a/t/coder/verify.rs", "");
        write(root, "a/t/coder/notes.txt", "left alone");
        write(root, "a/t/repo/src/lib.rs", "");
        let tree = discover(root);
        assert_eq!(messages(&tree), Vec::<String>::new());
        let names: Vec<_> = tree.fixtures.iter().map(|f| f.id.test_name()).collect();
        assert_eq!(names, ["a::t::coder", "b_topic::t1::planner"]);
        assert!(tree.fixtures[0].has_local_verify);
        assert_eq!(
            find(root, "b_topic::t1::planner"),
            Some(tree.fixtures[1].id.clone())
        );
        assert_eq!(find(root, "b_topic::t1::coder"), None);
    }

    #[test]
    fn reports_each_malformed_case() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "t/x/planer/prompt.md", "");
        write(root, "t/y/coder/expected.patch", "");
        write(root, "t/z/planner/prompt.md", "");
        write(root, "t/z/planner/expected.json", "");
        write(root, "t/z/planner/expected.patch", "");
        write(root, "t/w/reviewer/prompt.md", "");
        write(root, "t/w/reviewer/expected.patch", "");
        fs::create_dir_all(root.join("empty-topic")).unwrap();
        write(root, "u/a-b/architect/prompt.md", "");
        write(root, "u/a_b/architect/prompt.md", "");
        let tree = discover(root);
        let all = messages(&tree).join("\n");
        for needle in [
            "t/x/planer: unknown agent folder `planer`",
            "t/x: task folder with no agent fixtures",
            "t/y/coder/prompt.md: missing",
            "t/z/planner: holds both",
            "t/w/reviewer/expected.patch: wrong golden kind",
            "empty-topic: topic folder with no agent fixtures",
            "u/a_b: test name `a_b` is taken by",
        ] {
            assert!(all.contains(needle), "{needle} not in:\n{all}");
        }
        let missing: Vec<_> = tree.fixtures.iter().filter(|f| !f.has_golden).collect();
        assert_eq!(missing.len(), 2, "{missing:?}");
    }

    #[test]
    fn misspelt_names_get_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "t/a/reveiwer/prompt.md", "p");
        write(root, "t/a/planner/prompt.md", "p");
        write(root, "t/a/planner/expected.jsn", "{}");
        write(root, "t/a/coder/prompt.md", "p");
        write(root, "t/a/coder/expected.diff", "");
        write(root, "t/a/architect/promt.md", "p");
        write(root, "t/a/architect/expected.json", "{}");
        write(root, "t/b/planner/prompt.md", "p");
        write(root, "t/b/planner/expected.json.new", "{}");
        let tree = discover(root);
        assert_eq!(
            messages(&tree),
            [
                "t/a/architect/promt.md: `prompt.md` is missing; did you mean `promt.md`? \
                 rename it to `prompt.md`",
                "t/a/coder/expected.diff: `expected.patch` is missing; did you mean \
                 `expected.diff`? rename it to `expected.patch`",
                "t/a/planner/expected.jsn: `expected.json` is missing; did you mean \
                 `expected.jsn`? rename it to `expected.json`",
                "t/a/reveiwer: unknown agent folder `reveiwer`: expected one of architect, \
                 planner, coder, reviewer (source the agents see belongs in `repo/`); did you \
                 mean `reviewer`?",
            ]
            .map(|m| format!("{}/{m}", root.display()))
        );
        // A pending golden is no misspelling: the fixture just lacks its golden.
        assert_eq!(tree.fixtures.len(), 1);
        assert!(!tree.fixtures[0].has_golden);
    }

    #[test]
    fn tasks_with_a_pair_of_goldens_have_a_pipeline_test() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, text) in [
            ("a/pair/planner/prompt.md", "p"),
            ("a/pair/planner/expected.json", "{}"),
            ("a/pair/coder/prompt.md", "p"),
            ("a/pair/coder/expected.patch", ""),
            ("a/no-pair/architect/prompt.md", "p"),
            ("a/no-pair/architect/expected.json", "{}"),
            ("a/no-pair/reviewer/prompt.md", "p"),
            ("a/no-pair/reviewer/expected.json", "{}"),
            ("a/no-golden/planner/prompt.md", "p"),
            ("a/no-golden/coder/prompt.md", "p"),
            ("a/no-golden/coder/expected.patch", ""),
        ] {
            write(root, rel, text);
        }
        let tasks = discover(root).pipeline_tasks();
        let names: Vec<String> = tasks.iter().map(TaskId::test_name).collect();
        assert_eq!(names, ["a::pair::pipeline"]);
        assert_eq!(find_task(root, "a::pair::pipeline").as_ref(), tasks.first());
        assert_eq!(find_task(root, "a::no_pair::pipeline"), None);
        assert_eq!(find_task(root, "a::no_golden::pipeline"), None);
        assert_eq!(find_task(root, "a::pair::coder"), None);
        assert_eq!(TaskId::parse("a/pair"), tasks.first().cloned());
        assert_eq!(tasks[0].to_string(), "a/pair");
        assert!(TaskId::parse("a/b/c").is_none() && TaskId::parse("a").is_none());
    }

    #[test]
    fn a_pipeline_must_fail_without_a_pipeline_test_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let must = r#"{"pipeline_must_fail": {"rule": "pipeline", "because": "x"}}"#;
        for (rel, text) in [
            ("a/alone/fixture.json", must),
            ("a/alone/planner/prompt.md", "p"),
            ("a/alone/planner/expected.json", "{}"),
            ("a/apart/architect/prompt.md", "p"),
            ("a/apart/architect/expected.json", "{}"),
            ("a/apart/reviewer/prompt.md", "p"),
            ("a/apart/reviewer/expected.json", "{}"),
            ("a/apart/reviewer/fixture.json", must),
            ("a/pair/fixture.json", must),
            ("a/pair/planner/prompt.md", "p"),
            ("a/pair/planner/expected.json", "{}"),
            ("a/pair/coder/prompt.md", "p"),
            ("a/pair/coder/expected.patch", ""),
            ("a/plain/fixture.json", r#"{"pipeline": false}"#),
            ("a/plain/planner/prompt.md", "p"),
            ("a/plain/planner/expected.json", "{}"),
        ] {
            write(root, rel, text);
        }
        let tree = discover(root);
        let paths: Vec<PathBuf> = tree.problems.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            paths,
            [
                root.join("a/alone/fixture.json"),
                root.join("a/apart/reviewer/fixture.json"),
            ]
        );
        assert!(
            tree.problems[0].message.starts_with(
                "declares `pipeline_must_fail`, but the task has no pair of agent fixtures the \
                 `pipeline` rule checks together"
            ) && tree.problems[0]
                .message
                .ends_with("or remove `pipeline_must_fail`"),
            "{}",
            tree.problems[0]
        );
        let names: Vec<String> = tree
            .pipeline_tasks()
            .iter()
            .map(TaskId::test_name)
            .collect();
        assert_eq!(names, ["a::pair::pipeline"]);
    }

    #[test]
    fn id_round_trips() {
        let id = FixtureId::parse("zero-change/task-1/coder").unwrap();
        assert_eq!(id.to_string(), "zero-change/task-1/coder");
        assert_eq!(id.test_name(), "zero_change::task_1::coder");
        assert!(FixtureId::parse("a/b").is_none());
        assert!(FixtureId::parse("a/b/c").is_none());
    }

    #[test]
    fn special_files_are_named_not_called_missing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "t/a/planner/prompt.md", "p");
        crate::untrusted::mkfifo(&root.join("t/a/planner/expected.json"));
        write(root, "t/b/coder/expected.patch", "");
        std::os::unix::fs::symlink("/dev/zero", root.join("t/b/coder/prompt.md")).unwrap();
        let tree = discover(root);
        assert_eq!(
            messages(&tree),
            [
                format!(
                    "{}: `expected.json` is a FIFO, not a regular file: replace it with a \
                     regular file",
                    root.join("t/a/planner/expected.json").display()
                ),
                format!(
                    "{}: `prompt.md` is a symbolic link to `/dev/zero`, a character device, \
                     not a regular file: replace it with a regular file",
                    root.join("t/b/coder/prompt.md").display()
                ),
            ]
        );
        assert!(tree.fixtures.is_empty(), "{:?}", tree.fixtures);
    }
}

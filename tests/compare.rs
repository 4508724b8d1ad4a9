//! Comparison modes end to end: a test-only runner returns a chosen
//! "actual" output, and the engine compares it with the golden exactly or
//! by meaning, after every contract and rule has run on it.

use std::fs;

use fixture_kit::compare::Mode;
use fixture_kit::contract::parse;
use fixture_kit::discover::FixtureId;
use fixture_kit::engine::{run, Failure, Options, Outcome};
use fixture_kit::runner::RunError;
use fixture_kit::{Agent, Fixture, Runner, Suite};

/// A runner that answers every fixture with the same text.
struct Answer(String);

impl Runner for Answer {
    fn name(&self) -> &str {
        "answer"
    }

    fn is_real_agent(&self) -> bool {
        false
    }

    fn run(&self, _: &Fixture) -> Result<String, RunError> {
        Ok(self.0.clone())
    }
}

/// One fixture `topic/task/<agent>` in a temporary tree.
struct Tree {
    dir: tempfile::TempDir,
    id: FixtureId,
}

impl Tree {
    fn new(agent: &str, golden: &str, repo: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let id = FixtureId::parse(&format!("topic/task/{agent}")).unwrap();
        let fixture = id.dir(dir.path());
        fs::create_dir_all(&fixture).unwrap();
        fs::write(fixture.join("prompt.md"), "Do it.\n").unwrap();
        // JSON goldens are stored in canonical form, as an update writes them.
        let (file, golden) = match id.agent {
            Agent::Coder => ("expected.patch", golden.to_owned()),
            agent => ("expected.json", parse(agent, golden).unwrap().canonical),
        };
        fs::write(fixture.join(file), golden).unwrap();
        for (path, text) in repo {
            let path = fixture.parent().unwrap().join("repo").join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Tree { dir, id }
    }

    /// Writes the agent's `fixture.json`.
    fn declare(self, json: &str) -> Tree {
        fs::write(self.id.dir(self.dir.path()).join("fixture.json"), json).unwrap();
        self
    }

    fn run(&self, mode: Mode, actual: &str) -> Result<Outcome, Failure> {
        let suite = Suite::new().runner(Answer(actual.to_owned())).compare(mode);
        run(&suite, self.dir.path(), &self.id, None, Options::default())
    }

    fn passes(&self, mode: Mode, actual: &str) {
        if let Err(failure) = self.run(mode, actual) {
            panic!("expected a pass under {mode:?}:\n{failure}");
        }
    }

    fn fails(&self, mode: Mode, actual: &str) -> String {
        match self.run(mode, actual) {
            Ok(outcome) => panic!("expected a failure under {mode:?}, got {outcome:?}"),
            Err(failure) => failure.to_string(),
        }
    }
}

fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

// ---- coder ---------------------------------------------------------------

const CODER_GOLDEN: &str = "\
diff --git a/src/lines.txt b/src/lines.txt
index 1111111..2222222 100644
--- a/src/lines.txt
+++ b/src/lines.txt
@@ -1,5 +1,5 @@
 line 1
 line 2
-line 3
+line three
 line 4
 line 5
@@ -14,7 +14,7 @@
 line 14
 line 15
 line 16
-line 17
+line seventeen
 line 18
 line 19
 line 20
";

/// The same change as one hunk with one line of context, without an
/// `index` line.
const CODER_SAME_EFFECT: &str = "\
diff --git a/src/lines.txt b/src/lines.txt
--- a/src/lines.txt
+++ b/src/lines.txt
@@ -2,3 +2,3 @@
 line 2
-line 3
+line three
 line 4
@@ -16,3 +16,3 @@
 line 16
-line 17
+line seventeen
 line 18
";

/// One hunk that covers both changes.
const CODER_ONE_HUNK: &str = "\
diff --git a/src/lines.txt b/src/lines.txt
--- a/src/lines.txt
+++ b/src/lines.txt
@@ -2,17 +2,17 @@
 line 2
-line 3
+line three
 line 4
 line 5
 line 6
 line 7
 line 8
 line 9
 line 10
 line 11
 line 12
 line 13
 line 14
 line 15
 line 16
-line 17
+line seventeen
 line 18
";

const CODER_OTHER_EFFECT: &str = "\
diff --git a/src/lines.txt b/src/lines.txt
--- a/src/lines.txt
+++ b/src/lines.txt
@@ -2,3 +2,3 @@
 line 2
-line 3
+line 3!
 line 4
@@ -16,3 +16,3 @@
 line 16
-line 17
+line seventeen
 line 18
";

fn coder() -> Tree {
    Tree::new("coder", CODER_GOLDEN, &[("src/lines.txt", &numbered(20))])
}

#[test]
fn coder_patch_of_another_form_but_the_same_effect_passes_only_by_meaning() {
    let tree = coder();
    for actual in [CODER_SAME_EFFECT, CODER_ONE_HUNK] {
        tree.passes(Mode::Semantic, actual);
        let err = tree.fails(Mode::Exact, actual);
        assert!(
            err.contains("actual output differs from the golden"),
            "{err}"
        );
    }
}

#[test]
fn coder_patch_with_another_effect_fails_in_both_modes_naming_the_file() {
    let tree = coder();
    tree.fails(Mode::Exact, CODER_OTHER_EFFECT);
    let err = tree.fails(Mode::Semantic, CODER_OTHER_EFFECT);
    assert!(err.contains("differs in meaning"), "{err}");
    assert!(
        err.contains("file `src/lines.txt`: the resulting contents differ"),
        "{err}"
    );
    assert!(err.contains("-line three"), "{err}");
    assert!(err.contains("+line 3!"), "{err}");
}

#[test]
fn a_fixture_declares_its_mode_over_the_suites() {
    let tree = coder().declare(r#"{"compare": "semantic"}"#);
    tree.passes(Mode::Exact, CODER_SAME_EFFECT);
    let tree = coder().declare(r#"{"compare": "exact"}"#);
    tree.fails(Mode::Semantic, CODER_SAME_EFFECT);
}

#[test]
fn an_unknown_mode_names_the_file_and_the_key() {
    let tree = coder().declare("{\n  \"compare\": \"fuzzy\"\n}");
    let err = tree.fails(Mode::Exact, CODER_GOLDEN);
    assert!(err.contains("topic/task/coder/fixture.json:2:"), "{err}");
    assert!(err.contains("compare: unknown variant `fuzzy`"), "{err}");
    assert!(err.contains("expected `exact` or `semantic`"), "{err}");
}

// ---- planner -------------------------------------------------------------

const PLANNER_REPO: &[(&str, &str)] = &[
    ("src/parse.ts", "export {};\n"),
    ("src/render.ts", "export {};\n"),
    ("src/cli.ts", "export {};\n"),
];

const PLANNER_GOLDEN: &str = r#"{
  "tasks": [
    {
      "id": "parse",
      "description": "Parse the input.",
      "file": "src/parse.ts",
      "type": "feature",
      "complexity": "medium",
      "dependsOn": []
    },
    {
      "id": "render",
      "description": "Render the parsed input.",
      "file": "src/render.ts",
      "type": "feature",
      "complexity": "medium",
      "dependsOn": ["parse"]
    },
    {
      "id": "wire",
      "description": "Wire both into the CLI.",
      "file": "src/cli.ts",
      "type": "refactor",
      "complexity": "low",
      "dependsOn": ["parse", "render"]
    }
  ],
  "ambiguities": [],
  "invalidTaskCount": 0
}
"#;

/// Renamed ids, another order, other wording.
const PLANNER_RENAMED: &str = r#"{"tasks": [
  {"id": "t3", "description": "Hook it all up in cli.ts.", "file": "src/cli.ts",
   "type": "refactor", "complexity": "low", "dependsOn": ["t2", "t1"]},
  {"id": "t1", "description": "Write the parser.", "file": "src/parse.ts",
   "type": "feature", "dependsOn": []},
  {"id": "t2", "description": "Write the renderer.", "file": "src/render.ts",
   "type": "feature", "dependsOn": ["t1"]}
]}"#;

fn planner() -> Tree {
    Tree::new("planner", PLANNER_GOLDEN, PLANNER_REPO)
}

#[test]
fn planner_with_renamed_ids_passes_only_by_meaning() {
    let tree = planner();
    tree.passes(Mode::Semantic, PLANNER_RENAMED);
    tree.fails(Mode::Exact, PLANNER_RENAMED);
}

#[test]
fn planner_with_a_changed_dependency_fails_in_both_modes_naming_the_task() {
    let tree = planner();
    let actual = PLANNER_RENAMED.replace(r#"["t2", "t1"]"#, r#"["t2"]"#);
    tree.fails(Mode::Exact, &actual);
    let err = tree.fails(Mode::Semantic, &actual);
    assert!(
        err.contains(
            "task `wire` (src/cli.ts, refactor) (`t3` in the actual output): depends on \
             `parse`, `render` in the golden, on `render` in the actual output"
        ),
        "{err}"
    );
}

#[test]
fn planner_with_a_missing_or_extra_task_fails_by_meaning() {
    let tree = planner();
    let missing = r#"{"tasks": [
      {"id": "a", "description": "d", "file": "src/parse.ts", "type": "feature"},
      {"id": "b", "description": "d", "file": "src/render.ts", "type": "feature", "dependsOn": ["a"]}
    ]}"#;
    let err = tree.fails(Mode::Semantic, missing);
    assert!(
        err.contains("task `wire` (src/cli.ts, refactor): missing from the actual output"),
        "{err}"
    );
    let extra = PLANNER_RENAMED.replace(
        "\n]}",
        r#",
  {"id": "t4", "description": "More.", "file": "src/cli.ts", "type": "fix", "dependsOn": []}
]}"#,
    );
    let err = tree.fails(Mode::Semantic, &extra);
    assert!(
        err.contains("task `t4` (src/cli.ts, fix) in the actual output: not in the golden"),
        "{err}"
    );
}

#[test]
fn planner_structured_fields_still_count_unless_ignored() {
    let tree = planner();
    let harder = PLANNER_RENAMED.replace(r#""complexity": "low""#, r#""complexity": "high""#);
    let err = tree.fails(Mode::Semantic, &harder);
    assert!(
        err.contains("`complexity` is \"low\" in the golden, \"high\" in the actual output"),
        "{err}"
    );
    let tree = planner().declare(r#"{"ignore": ["tasks[*].complexity"]}"#);
    tree.passes(Mode::Semantic, &harder);
}

#[test]
fn declared_free_text_is_compared_by_meaning_too() {
    let tree = planner().declare(r#"{"compare_text": ["tasks[*].description"]}"#);
    let err = tree.fails(Mode::Semantic, PLANNER_RENAMED);
    assert!(
        err.contains("`description` is \"Parse the input.\""),
        "{err}"
    );
    let tree = planner().declare(r#"{"compare_text": ["tasks[*].summary"]}"#);
    let err = tree.fails(Mode::Semantic, PLANNER_RENAMED);
    assert!(
        err.contains("`compare_text[0]`: `tasks[*].summary` is no free-text field of the planner"),
        "{err}"
    );
}

#[test]
fn planner_rules_still_run_on_a_plan_that_matches_by_meaning() {
    // A description is free text, so the plans match; the timestamp in it
    // still breaks `determinism`.
    let tree = planner();
    let actual = PLANNER_RENAMED.replace("Write the parser.", "Written 2024-05-01T10:00:00Z.");
    let err = tree.fails(Mode::Semantic, &actual);
    assert!(err.contains("determinism"), "{err}");
    assert!(err.contains("a timestamp"), "{err}");
}

#[test]
fn planner_alike_tasks_are_matched_whatever_their_order() {
    // Two tasks with the same file and type, told apart only by what
    // depends on them.
    let golden = r#"{"tasks": [
      {"id": "a", "description": "d", "file": "src/parse.ts", "type": "feature"},
      {"id": "b", "description": "d", "file": "src/parse.ts", "type": "feature"},
      {"id": "c", "description": "d", "file": "src/cli.ts", "type": "feature", "dependsOn": ["b"]}
    ]}"#;
    let tree = Tree::new("planner", golden, PLANNER_REPO);
    let swapped = r#"{"tasks": [
      {"id": "y", "description": "d", "file": "src/parse.ts", "type": "feature"},
      {"id": "z", "description": "d", "file": "src/cli.ts", "type": "feature", "dependsOn": ["x"]},
      {"id": "x", "description": "d", "file": "src/parse.ts", "type": "feature"}
    ]}"#;
    tree.passes(Mode::Semantic, swapped);
    let moved = swapped.replace(r#"["x"]"#, r#"["x", "y"]"#);
    tree.fails(Mode::Semantic, &moved);
}

#[test]
fn planner_ties_that_refinement_leaves_are_broken_by_trying_each_candidate() {
    // Two chains of alike tasks: every root looks like every other root,
    // so pairing by document order alone would cross the chains.
    let task = |id: &str, deps: &str| {
        format!(
            r#"{{"id": "{id}", "description": "d", "file": "src/parse.ts", "type": "fix", "dependsOn": [{deps}]}}"#
        )
    };
    let golden = format!(
        r#"{{"tasks": [{}, {}, {}, {}]}}"#,
        task("a", ""),
        task("b", r#""a""#),
        task("c", ""),
        task("d", r#""c""#)
    );
    let tree = Tree::new("planner", &golden, PLANNER_REPO);
    let crossed = format!(
        r#"{{"tasks": [{}, {}, {}, {}]}}"#,
        task("x", ""),
        task("y", ""),
        task("z", r#""y""#),
        task("w", r#""x""#)
    );
    tree.passes(Mode::Semantic, &crossed);
    let joined = crossed.replace(r#"["y"]"#, r#"["y", "x"]"#);
    let err = tree.fails(Mode::Semantic, &joined);
    assert!(err.contains("depends on"), "{err}");
}

// ---- reviewer ------------------------------------------------------------

const REVIEWER_GOLDEN: &str = r#"{
  "decision": "revise",
  "comments": [
    {
      "message": "recordAudit is not awaited.",
      "blocking": true,
      "path": "src/accounts.ts",
      "line": 11
    },
    {
      "message": "Nit: rename x.",
      "blocking": false,
      "path": "src/accounts.ts",
      "line": 3
    }
  ]
}
"#;

const REVIEWER_REWORDED: &str = r#"{"decision": "revise", "comments": [
  {"message": "The call to recordAudit needs an await.", "blocking": true,
   "path": "src/accounts.ts", "line": 11}
]}"#;

fn reviewer() -> Tree {
    Tree::new(
        "reviewer",
        REVIEWER_GOLDEN,
        &[("src/accounts.ts", &numbered(12))],
    )
}

#[test]
fn reviewer_rewording_passes_only_by_meaning() {
    let tree = reviewer();
    tree.passes(Mode::Semantic, REVIEWER_REWORDED);
    tree.fails(Mode::Exact, REVIEWER_REWORDED);
}

#[test]
fn reviewer_with_another_decision_or_blocking_line_fails_in_both_modes() {
    let tree = reviewer();
    let moved = REVIEWER_REWORDED.replace("\"line\": 11", "\"line\": 12");
    tree.fails(Mode::Exact, &moved);
    let err = tree.fails(Mode::Semantic, &moved);
    assert!(
        err.contains("blocking comment at src/accounts.ts:11: missing from the actual output (golden: \"recordAudit is not awaited.\")"),
        "{err}"
    );
    assert!(
        err.contains("blocking comment at src/accounts.ts:12: not in the golden"),
        "{err}"
    );
    let rejected = REVIEWER_REWORDED.replace("revise", "reject");
    let err = tree.fails(Mode::Semantic, &rejected);
    assert!(
        err.contains("`decision` is \"revise\" in the golden, \"reject\" in the actual output"),
        "{err}"
    );
}

#[test]
fn reviewer_rules_still_run_on_a_review_that_matches_by_meaning() {
    // Comments that do not block are not compared, but `grounded` still
    // demands a file and a line on each.
    let tree = reviewer().declare(r#"{"reviewer": {"grounded": true}}"#);
    let ungrounded = REVIEWER_REWORDED.replace(
        "\n]}",
        r#", {"message": "Nit.", "blocking": false}
]}"#,
    );
    let err = tree.fails(Mode::Semantic, &ungrounded);
    assert!(err.contains("reviewer-consistency"), "{err}");
    assert!(!err.contains("differs"), "{err}");
    tree.passes(Mode::Semantic, REVIEWER_REWORDED);
}

#[test]
fn ignored_paths_leave_exact_comparison_too() {
    let tree = reviewer().declare(r#"{"ignore": ["comments[*].message", "comments[1]"]}"#);
    tree.passes(Mode::Exact, REVIEWER_REWORDED);
}

#[test]
fn an_ignore_path_that_matches_nothing_is_an_error() {
    let tree = reviewer().declare(r#"{"ignore": ["comments[*].body"]}"#);
    let err = tree.fails(Mode::Exact, REVIEWER_GOLDEN);
    assert!(
        err.contains(
            "`ignore[0]`: `comments[*].body` matches nothing in the golden or the actual output"
        ),
        "{err}"
    );
    let tree = reviewer().declare(r#"{"ignore": ["comments[*]..message"]}"#);
    let err = tree.fails(Mode::Exact, REVIEWER_GOLDEN);
    assert!(
        err.contains("bad JSON path `comments[*]..message`"),
        "{err}"
    );
}

// ---- architect -----------------------------------------------------------

const ARCHITECT_GOLDEN: &str = r#"{
  "highLevelSummary": "A small user service.",
  "pagesOrScreens": ["Login"],
  "apis": [
    {
      "name": "listUsers",
      "description": "Lists users.",
      "method": "GET",
      "path": "/users",
      "authRequired": true
    },
    {
      "name": "createUser",
      "description": "Creates a user.",
      "method": "POST",
      "path": "/users",
      "authRequired": true
    }
  ],
  "dataModels": [
    {
      "name": "User",
      "fields": ["id", "email", "name"],
      "primaryKey": "id"
    }
  ],
  "recommendedFileStructure": ["src/", "src/users.ts"]
}
"#;

/// Everything reordered and reworded.
const ARCHITECT_REORDERED: &str = r#"{
  "highLevelSummary": "Users, served over HTTP.",
  "pagesOrScreens": ["Sign-in screen"],
  "apis": [
    {"name": "addUser", "description": "Adds one.", "method": "POST", "path": "/users", "authRequired": true},
    {"name": "getUsers", "description": "All of them.", "method": "GET", "path": "/users", "authRequired": true}
  ],
  "dataModels": [{"name": "User", "fields": ["name", "id", "email"], "primaryKey": "id"}],
  "recommendedFileStructure": ["src/users.ts", "src/"]
}"#;

fn architect() -> Tree {
    Tree::new(
        "architect",
        ARCHITECT_GOLDEN,
        &[("src/users.ts", "export {};\n")],
    )
}

#[test]
fn architect_reordering_passes_only_by_meaning() {
    let tree = architect();
    tree.passes(Mode::Semantic, ARCHITECT_REORDERED);
    tree.fails(Mode::Exact, ARCHITECT_REORDERED);
}

#[test]
fn architect_with_another_api_or_field_fails_in_both_modes() {
    let tree = architect();
    let changed = ARCHITECT_REORDERED
        .replace("\"POST\"", "\"PUT\"")
        .replace("\"email\"", "\"mail\"");
    tree.fails(Mode::Exact, &changed);
    let err = tree.fails(Mode::Semantic, &changed);
    for expected in [
        "API `POST /users`: missing from the actual output",
        "API `PUT /users`: not in the golden",
        "data model `User`: fields entry `email`: missing from the actual output",
        "data model `User`: fields entry `mail`: not in the golden",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

#[test]
fn configuration_files_compare_as_a_set_and_their_absence_differs() {
    let listed = |files: &str| format!(",\n  \"configurationFiles\": [{files}]\n}}");
    let golden = ARCHITECT_GOLDEN
        .trim_end()
        .strip_suffix("\n}")
        .unwrap()
        .to_owned()
        + &listed("\"package.json\", \".github/workflows/ci.yml\"");
    let tree = Tree::new("architect", &golden, &[("src/users.ts", "export {};\n")]);
    let actual =
        |files: &str| ARCHITECT_REORDERED.strip_suffix('}').unwrap().to_owned() + &listed(files);
    let reordered = actual("\".github/workflows/ci.yml\", \"package.json\"");
    tree.passes(Mode::Semantic, &reordered);
    tree.fails(Mode::Exact, &reordered);
    let err = tree.fails(
        Mode::Semantic,
        &actual("\"package.json\", \"tsconfig.json\""),
    );
    for expected in [
        "configuration file `.github/workflows/ci.yml`: missing from the actual output",
        "configuration file `tsconfig.json`: not in the golden",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let err = tree.fails(Mode::Semantic, ARCHITECT_REORDERED);
    assert!(
        err.contains(
            "the spec: `configurationFiles` is [\"package.json\",\".github/workflows/ci.yml\"] \
             in the golden, absent in the actual output"
        ),
        "{err}"
    );
}

#[test]
fn an_update_run_keeps_a_golden_that_matches_by_meaning() {
    // Matching by meaning is a pass: nothing to write, nothing churns.
    let tree = architect();
    let suite = Suite::new()
        .runner(Answer(ARCHITECT_REORDERED.to_owned()))
        .compare(Mode::Semantic);
    let options = Options {
        update: fixture_kit::golden::UpdatePolicy::Write,
        ..Options::default()
    };
    let golden = tree.id.dir(tree.dir.path()).join("expected.json");
    let before = fs::read_to_string(&golden).unwrap();
    let outcome = run(&suite, tree.dir.path(), &tree.id, None, options).unwrap();
    assert!(matches!(outcome, Outcome::Passed { .. }), "{outcome:?}");
    assert_eq!(fs::read_to_string(golden).unwrap(), before);
}

#[test]
fn ignore_on_a_coder_is_an_error() {
    let tree = coder().declare(r#"{"ignore": ["patch"]}"#);
    let err = tree.fails(Mode::Semantic, CODER_GOLDEN);
    assert!(err.contains("a coder's patch is no JSON document"), "{err}");
}

#[test]
fn coder_without_repo_compares_effects_on_an_empty_tree() {
    let golden = "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/NOTES.md\n@@ -0,0 +1,2 @@\n+one\n+two\n";
    let tree = Tree::new("coder", golden, &[]).declare(r#"{"no_repo": "a new file only"}"#);
    let same = "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644\n--- /dev/null\n+++ b/NOTES.md\n@@ -0,0 +1,2 @@\n+one\n+two\n";
    tree.passes(Mode::Semantic, same);
    tree.fails(Mode::Exact, same);
    let err = tree.fails(Mode::Semantic, &same.replace("+two", "+2"));
    assert!(
        err.contains("file `NOTES.md`: the resulting contents differ"),
        "{err}"
    );
}

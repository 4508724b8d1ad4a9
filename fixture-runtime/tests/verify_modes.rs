//! Verification through the engine: canonical goldens, schema modes and
//! their per-fixture override, on a temporary fixture tree.

use std::fs;
use std::path::Path;

use fixture_runtime::discover::FixtureId;
use fixture_runtime::engine::{run, Options, Outcome};
use fixture_runtime::{Rule, Suite};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn planner(root: &Path, golden: &str, fixture_json: Option<&str>) -> FixtureId {
    write(root, "t/x/planner/prompt.md", "Plan it.\n");
    write(root, "t/x/planner/expected.json", golden);
    write(root, "t/x/repo/src/a.ts", "export const a = 1;\n");
    if let Some(json) = fixture_json {
        write(root, "t/x/planner/fixture.json", json);
    }
    FixtureId::parse("t/x/planner").unwrap()
}

const CANONICAL: &str = "{\n  \"tasks\": [\n    {\n      \"id\": \"t1\",\n      \"description\": \"d\",\n      \"file\": \"src/a.ts\",\n      \"type\": \"fix\",\n      \"complexity\": \"low\",\n      \"dependsOn\": []\n    }\n  ],\n  \"ambiguities\": [],\n  \"invalidTaskCount\": 0\n}\n";

#[test]
fn canonical_golden_passes() {
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), CANONICAL, None);
    assert_eq!(
        run(&Suite::new(), dir.path(), &id, None, Options::default()),
        Ok(Outcome::Passed { warnings: vec![] })
    );
}

#[test]
fn non_canonical_golden_names_the_fixing_command() {
    let dir = tempfile::tempdir().unwrap();
    let compact = r#"{"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts", "type": "fix", "complexity": "low"}]}"#;
    let id = planner(dir.path(), compact, None);
    let failure = run(&Suite::new(), dir.path(), &id, None, Options::default()).unwrap_err();
    assert_eq!(failure.violations[0].rule, Rule::Determinism);
    let text = failure.to_string();
    assert!(text.contains("not in canonical form"), "{text}");
    assert!(
        text.contains("UPDATE_GOLDENS=1 cargo test t::x::planner"),
        "{text}"
    );
}

#[test]
fn unknown_fields_fail_strict_suites_and_warn_in_legacy_mode() {
    let legacy_golden = CANONICAL.replace(
        "\"dependsOn\": []",
        "\"dependsOn\": [],\n      \"title\": \"T\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), &legacy_golden, None);
    let failure = run(&Suite::new(), dir.path(), &id, None, Options::default()).unwrap_err();
    assert!(failure
        .to_string()
        .contains("`tasks[0].title`: unknown field"));
    match run(
        &Suite::new().legacy(true),
        dir.path(),
        &id,
        None,
        Options::default(),
    ) {
        Ok(Outcome::Passed { warnings }) => {
            assert_eq!(warnings.len(), 1);
            assert!(warnings[0].message.contains("`tasks[0].title`"));
        }
        other => panic!("legacy suite should pass with a warning: {other:?}"),
    }
}

#[test]
fn fixture_json_overrides_the_suite_mode() {
    let legacy_golden = CANONICAL.replace(
        "\"dependsOn\": []",
        "\"dependsOn\": [],\n      \"title\": \"T\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), &legacy_golden, Some(r#"{"legacy": false}"#));
    assert!(run(
        &Suite::new().legacy(true),
        dir.path(),
        &id,
        None,
        Options::default()
    )
    .is_err());
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), &legacy_golden, Some(r#"{"legacy": true}"#));
    assert!(run(&Suite::new(), dir.path(), &id, None, Options::default()).is_ok());
}

#[test]
fn all_violations_are_reported_sorted_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let golden = CANONICAL
        .replace("\"file\": \"src/a.ts\"", "\"file\": \"dist/ghost.ts\"")
        .replace(
            "\"dependsOn\": []",
            "\"dependsOn\": [\n        \"t1\"\n      ]",
        );
    let id = planner(dir.path(), &golden, None);
    let failure = run(&Suite::new(), dir.path(), &id, None, Options::default()).unwrap_err();
    let rules: Vec<Rule> = failure.violations.iter().map(|v| v.rule).collect();
    assert_eq!(
        rules,
        [Rule::PathSafety, Rule::NonFabrication, Rule::TaskGraph]
    );
}

#[test]
fn the_form_of_the_golden_is_checked_with_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    // A self-dependency (task-graph) on one line (not canonical).
    let golden = CANONICAL.replace("\"dependsOn\": []", "\"dependsOn\": [\"t1\"]");
    let id = planner(dir.path(), &golden, None);
    let failure = run(&Suite::new(), dir.path(), &id, None, Options::default()).unwrap_err();
    let rules: Vec<Rule> = failure.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::TaskGraph, Rule::Determinism], "{failure}");
    let diff = failure.diff.clone().unwrap_or_default();
    assert!(diff.contains("canonical"), "{failure}");
    assert!(
        diff.contains("\"t1\"\n"),
        "the diff shows the canonical form: {failure}"
    );
}

/// A hand-written golden in canonical form but without the fields that
/// have defaults.
const SHORT: &str = "{\n  \"tasks\": [\n    {\n      \"id\": \"t1\",\n      \"description\": \"d\",\n      \"file\": \"src/a.ts\"\n    }\n  ]\n}\n";

#[test]
fn a_hand_written_golden_without_defaults_passes() {
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), SHORT, None);
    assert_eq!(
        run(&Suite::new(), dir.path(), &id, None, Options::default()),
        Ok(Outcome::Passed { warnings: vec![] })
    );
    // An agent that spells the defaults out says the same thing.
    let spelled = CANONICAL
        .replace("\"fix\"", "\"unknown\"")
        .replace("\"low\"", "\"medium\"");
    let suite = Suite::new().runner(Fixed(Box::leak(spelled.into_boxed_str())));
    let outcome = run(&suite, dir.path(), &id, None, Options::default());
    assert!(matches!(outcome, Ok(Outcome::Passed { .. })), "{outcome:?}");
}

#[test]
fn a_golden_with_an_explicit_null_passes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "d/x/architect/prompt.md", "Design it.\n");
    write(
        root,
        "d/x/architect/expected.json",
        "{\n  \"highLevelSummary\": \"s\",\n  \"pagesOrScreens\": [],\n  \"apis\": [\n    {\n      \
         \"name\": \"a\",\n      \"description\": \"d\",\n      \"method\": null,\n      \
         \"path\": null\n    }\n  ],\n  \"dataModels\": [],\n  \"recommendedFileStructure\": []\n}\n",
    );
    let id = FixtureId::parse("d/x/architect").unwrap();
    assert_eq!(
        run(&Suite::new(), root, &id, None, Options::default()),
        Ok(Outcome::Passed { warnings: vec![] })
    );
}

#[test]
fn legacy_planners_and_reviewers_without_repo_warn_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let two_tasks = SHORT.replace(
        "\n    }\n  ]",
        "\n    },\n    {\n      \"id\": \"t2\",\n      \"description\": \"d\",\n      \"file\": \"src/b.ts\"\n    }\n  ]",
    );
    write(root, "t/x/planner/prompt.md", "Plan it.\n");
    write(root, "t/x/planner/expected.json", &two_tasks);
    write(root, "t/x/reviewer/prompt.md", "Review it.\n");
    write(
        root,
        "t/x/reviewer/expected.json",
        "{\n  \"decision\": \"approve\",\n  \"comments\": [\n    {\n      \"message\": \"m\",\n      \
         \"blocking\": false,\n      \"path\": \"src/a.ts\"\n    },\n    {\n      \"message\": \"n\",\n      \
         \"blocking\": false,\n      \"path\": \"src/b.ts\"\n    }\n  ]\n}\n",
    );
    for agent in ["planner", "reviewer"] {
        let id = FixtureId::parse(&format!("t/x/{agent}")).unwrap();
        let strict = run(&Suite::new(), root, &id, None, Options::default()).unwrap_err();
        assert_eq!(strict.violations.len(), 1, "{strict}");
        assert_eq!(strict.violations[0].rule, Rule::NonFabrication);
        let legacy = run(
            &Suite::new().legacy(true),
            root,
            &id,
            None,
            Options::default(),
        );
        let Ok(Outcome::Passed { warnings }) = legacy else {
            panic!("{agent}: {legacy:?}");
        };
        assert_eq!(warnings.len(), 1, "{agent}: {warnings:?}");
        assert!(warnings[0].message.starts_with("no repo/"), "{warnings:?}");
    }
}

#[test]
fn a_reviewer_finding_that_turns_on_the_coder_golden_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "t/x/repo/src/a.ts", "one\n");
    write(root, "t/x/coder/prompt.md", "Code it.\n");
    write(
        root,
        "t/x/coder/expected.patch",
        "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1,2 @@\n one\n+two\n",
    );
    write(root, "t/x/reviewer/prompt.md", "Review it.\n");
    let review = |line: u32| {
        format!(
            "{{\n  \"decision\": \"approve\",\n  \"comments\": [\n    {{\n      \"message\": \"m\",\n      \
             \"blocking\": false,\n      \"path\": \"src/a.ts\",\n      \"line\": {line}\n    }}\n  ]\n}}\n"
        )
    };
    let id = FixtureId::parse("t/x/reviewer").unwrap();
    // Line 2 exists only once the coder's patch applies.
    write(root, "t/x/reviewer/expected.json", &review(2));
    let outcome = run(&Suite::new(), root, &id, None, Options::default());
    assert!(matches!(outcome, Ok(Outcome::Passed { .. })), "{outcome:?}");
    write(root, "t/x/reviewer/expected.json", &review(3));
    let failure = run(&Suite::new(), root, &id, None, Options::default()).unwrap_err();
    let text = failure.to_string();
    assert!(
        text.contains("but the file has 2 lines once the coder golden `")
            && text.contains("t/x/coder/expected.patch` applies"),
        "{text}"
    );
}

/// Returns a fixed output, as a real agent would.
struct Fixed(&'static str);

impl fixture_runtime::Runner for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }

    fn is_real_agent(&self) -> bool {
        true
    }

    fn run(
        &self,
        _: &fixture_runtime::Fixture,
    ) -> Result<String, fixture_runtime::runner::RunError> {
        Ok(self.0.to_owned())
    }
}

#[test]
fn violations_in_an_agent_output_do_not_point_at_the_golden() {
    let dir = tempfile::tempdir().unwrap();
    let id = planner(dir.path(), CANONICAL, None);
    let suite = Suite::new().runner(Fixed("{\"tasks\": 3}"));
    let failure = run(&suite, dir.path(), &id, None, Options::default()).unwrap_err();
    let location = failure.violations[0].location.clone().unwrap();
    assert!(
        location.starts_with("actual planner output for "),
        "{location}"
    );
    assert!(location.ends_with("t/x/planner:1:11"), "{location}");
}

#[test]
fn legacy_mode_accepts_a_non_canonical_golden_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = r#"{"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts"}]}"#;
    let id = planner(dir.path(), legacy, None);
    let strict = run(&Suite::new(), dir.path(), &id, None, Options::default());
    assert!(strict.is_err(), "{strict:?}");
    let outcome = run(
        &Suite::new().legacy(true),
        dir.path(),
        &id,
        None,
        Options::default(),
    );
    let Ok(Outcome::Passed { warnings }) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].rule, Rule::Determinism);
    assert!(warnings[0].message.contains("not in canonical form"));
}

#[test]
fn a_must_fail_reason_is_not_matched_against_the_fixture_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The folder's name says "cycle"; the plan only has an unknown dependency.
    let golden = CANONICAL.replace("\"dependsOn\": []", "\"dependsOn\": [\"zzz\"]");
    write(
        root,
        "plans/task-graph-cycle/planner/prompt.md",
        "Plan it.\n",
    );
    write(
        root,
        "plans/task-graph-cycle/planner/expected.json",
        &golden,
    );
    write(
        root,
        "plans/task-graph-cycle/repo/src/a.ts",
        "export const a = 1;\n",
    );
    let declare = |because: &str| {
        write(
            root,
            "plans/task-graph-cycle/planner/fixture.json",
            &format!(r#"{{"must_fail": {{"rule": "task-graph", "because": "{because}"}}}}"#),
        );
    };
    let id = FixtureId::parse("plans/task-graph-cycle/planner").unwrap();
    declare("cycle");
    let failure = run(&Suite::new(), root, &id, None, Options::default()).unwrap_err();
    assert!(
        failure.to_string().contains("but it failed otherwise"),
        "{failure}"
    );
    declare("zzz");
    let outcome = run(&Suite::new(), root, &id, None, Options::default());
    assert!(
        matches!(outcome, Ok(Outcome::FailedAsDeclared(_))),
        "{outcome:?}"
    );
}

/// Set in a child process: the fixture root a generated test runs on.
const GENERATED_ROOT: &str = "FIXTURE_KIT_TEST_GENERATED_ROOT";

#[test]
fn generated_child() {
    let Some(root) = std::env::var_os(GENERATED_ROOT) else {
        return;
    };
    fn legacy() -> Suite {
        Suite::new().legacy(true)
    }
    fixture_runtime::__private::run(legacy, root.to_str().unwrap(), "t/x/planner");
}

#[test]
fn a_generated_test_in_a_legacy_suite_shows_its_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let golden = CANONICAL.replace(
        "\"dependsOn\": []",
        "\"dependsOn\": [],\n      \"title\": \"T\"",
    );
    planner(dir.path(), &golden, None);
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["generated_child", "--exact", "--test-threads", "1"])
        .env(GENERATED_ROOT, dir.path())
        .output()
        .unwrap();
    assert!(child.status.success(), "{child:?}");
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        stderr.contains("fixture-kit: warning: t/x/planner: [contract]")
            && stderr.contains("`tasks[0].title`: unknown field"),
        "{stderr}"
    );
}

//! `fixture-kit verify --chain` end to end: stand-in agents that echo what
//! they received, so each handoff shows in the next stage's prompt; a
//! planner that breaks the design; a recorded and replayed chain; the
//! bundled goldens composed by the bootstrap runner; a task's declared
//! `pipeline` failure met at its stage, or failing the last one.

mod stand_in;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use serde_json::Value;
use stand_in::stand_in_agent;

const TASK: &str = "single-file/task-001-slugify-accents";
const STAGES: [&str; 4] = ["architect", "planner", "coder", "reviewer"];

/// A copy of one bundled four-agent task under a temporary `fixtures/`.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(TASK);
        copy(&from, &dir.path().join("fixtures").join(TASK));
        Tree { dir }
    }

    fn stage(&self, agent: &str) -> PathBuf {
        self.dir.path().join("fixtures").join(TASK).join(agent)
    }

    /// A stand-in for every agent, answering with its golden and echoing
    /// its prompt into the answer.
    fn echoing(&self) -> String {
        format!(
            "{} -p --verbose --output-format stream-json --echo --answer-dir {}",
            stand_in_agent(),
            self.dir.path().join("fixtures").display()
        )
    }

    fn verify(&self, args: &[&str], record: bool) -> Output {
        let mut process = Process::new(env!("CARGO_BIN_EXE_fixture-kit"));
        process
            .arg("verify")
            .arg("--chain")
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("STAND_IN_ANSWER_FILE")
            .env_remove("UPDATE_GOLDENS")
            .env_remove("FIXTURE_KIT_RECORD");
        if record {
            process.env("FIXTURE_KIT_RECORD", "1");
        }
        process.output().unwrap()
    }

    /// The prompt the `agent` stage's chained cassette was recorded with.
    fn recorded_prompt(&self, agent: &str) -> String {
        let input = self
            .stage(agent)
            .join("chain-cassette/sessions")
            .join(format!("001_{agent}/input.json"));
        let input: Value = serde_json::from_str(&fs::read_to_string(input).unwrap()).unwrap();
        input["prompt"].as_str().unwrap().to_owned()
    }
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Validates `xml` with xmllint (libxml2-utils, installed by .ci/run)
/// against the JUnit schema CI systems read and fixture-kit's own.
fn assert_valid_junit(xml: &Path) {
    for schema in ["tests/data/junit-10.xsd", "tests/data/junit.xsd"] {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema);
        let checked = Process::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(xml)
            .output()
            .expect("xmllint runs: install it with `apt-get install libxml2-utils`");
        assert!(
            checked.status.success(),
            "not valid JUnit by {}: {}",
            schema.display(),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

/// `text` as it appears inside a JSON string.
fn in_json(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

#[test]
fn echoing_agents_pass_and_each_stage_receives_the_outputs_before_it() {
    let tree = Tree::new();
    // The coder names the plan by placeholder; the others get sections.
    let coder_prompt = tree.stage("coder").join("prompt.md");
    let mut prompt = fs::read_to_string(&coder_prompt).unwrap();
    prompt.push_str("\nThe plan, as the planner gave it:\n\n{{planner}}\n");
    fs::write(&coder_prompt, prompt).unwrap();

    let agent = tree.echoing();
    let args = ["--replay", "--compare", "semantic", "--agent-cmd", &agent];
    let recorded = tree.verify(&args, true);
    assert!(recorded.status.success(), "{}", text(&recorded));
    let row = format!("{TASK}  architect ✓  planner ✓  coder ✓  reviewer ✓");
    assert!(text(&recorded).contains(&row), "{}", text(&recorded));

    // What each stage was handed is what the stage before it answered: the
    // stand-ins echo their own prompt into their answers.
    let prompts = STAGES.map(|agent| tree.recorded_prompt(agent));
    let [architect, planner, coder, reviewer] = &prompts;
    let own = |agent: &str| fs::read_to_string(tree.stage(agent).join("prompt.md")).unwrap();
    assert_eq!(
        architect,
        &own("architect"),
        "the first stage receives its prompt.md"
    );
    assert!(planner.starts_with(&own("planner")));
    assert!(
        planner
            .contains("\n## Output of the architect stage\n\n```json\n{\n  \"highLevelSummary\"")
            && planner.contains(&in_json(&format!("received:\n{architect}"))),
        "the planner receives the architect's actual answer:\n{planner}"
    );
    assert!(
        coder.contains(&in_json(&format!("received:\n{planner}")))
            && !coder.contains("\n## Output of the"),
        "the coder receives the planner's answer in place of `{{{{planner}}}}` only:\n{coder}"
    );
    let quoted: String = format!("received:\n{coder}")
        .lines()
        .map(|line| format!("# {line}\n"))
        .collect();
    assert!(
        reviewer.contains("## Output of the architect stage")
            && reviewer.contains("## Output of the planner stage")
            && reviewer.contains("## Output of the coder stage\n\n````diff\n")
            && reviewer.contains(&format!("diff\n{quoted}diff --git")),
        "the reviewer receives every earlier answer, the coder's patch last:\n{reviewer}"
    );

    // Recorded once, the chain replays without the agents.
    let replayed = tree.verify(
        &[
            "--replay",
            "--compare",
            "semantic",
            "--agent-cmd",
            "/nonexistent/agent",
        ],
        false,
    );
    assert!(replayed.status.success(), "{}", text(&replayed));
    assert!(text(&replayed).contains(&row), "{}", text(&replayed));

    // A changed prompt breaks its stage's cassette, and the chain there.
    let planner_prompt = tree.stage("planner").join("prompt.md");
    fs::write(&planner_prompt, own("planner") + "Keep it small.\n").unwrap();
    let drifted = tree.verify(&["--replay", "--compare", "semantic"], false);
    assert!(!drifted.status.success());
    let shown = text(&drifted);
    assert!(
        shown.contains("the prompt this stage received differs from the one")
            && shown.contains("prompt.md changed, or the architect stage answered otherwise")
            && shown
                .contains("planner ✗ (runner: the prompt this stage received differs from the one")
            && shown.contains(
                "coder – not reached (planner failed)  reviewer – not reached (planner failed)"
            ),
        "{shown}"
    );
}

#[test]
fn a_planner_that_breaks_the_design_fails_at_the_planner() {
    let tree = Tree::new();
    let planner = tree.stage("planner");
    let golden: Value =
        serde_json::from_str(&fs::read_to_string(planner.join("expected.json")).unwrap()).unwrap();
    let mut plan = golden.clone();
    plan["tasks"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "t3", "description": "Add a helper module.", "file": "src/invented.ts",
            "type": "feature", "complexity": "low", "dependsOn": []
        }));
    // The file may be new (non-fabrication allows it), but the design never
    // names it: only the pipeline check can catch this.
    fs::write(
        planner.join("fixture.json"),
        r#"{ "new_files": ["src/invented.ts"] }"#,
    )
    .unwrap();
    let prompt = fs::read_to_string(planner.join("prompt.md")).unwrap();
    fs::write(
        planner.join("prompt.md"),
        format!(
            "{prompt}\n@answer {}\n",
            serde_json::to_string(&plan).unwrap()
        ),
    )
    .unwrap();

    let (junit, report) = (
        tree.dir.path().join("junit.xml"),
        tree.dir.path().join("chain.json"),
    );
    let agent = tree.echoing();
    let planner_cmd = format!(
        "planner={} --output-format stream-json --verbose",
        stand_in_agent()
    );
    let output = tree.verify(
        &[
            "--compare",
            "semantic",
            "--agent-cmd",
            &agent,
            "--agent-cmd",
            &planner_cmd,
            "--junit",
            junit.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        false,
    );
    assert!(!output.status.success());
    let shown = text(&output);
    let row = format!(
        "{TASK}  architect ✓  planner ✗ (pipeline: task `t3` creates `src/invented.ts`, which \
         the design never mentions)  coder – not reached (planner failed)  reviewer – not \
         reached (planner failed)"
    );
    assert!(shown.contains(&row), "{shown}");
    assert!(
        shown.contains(&format!(
            "[pipeline] actual planner output for fixtures/{TASK}/planner: tasks[2].file vs \
             actual architect output for fixtures/{TASK}/architect: recommendedFileStructure"
        )),
        "the violation names both stages' actual outputs: {shown}"
    );

    let report: Value = serde_json::from_str(&fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["format"], "fixture-kit-chain-report/1");
    let task = &report["tasks"][0];
    assert_eq!(task["passed"], false);
    let statuses: Vec<&str> = task["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "failed", "not_reached", "not_reached"]);
    assert_eq!(task["stages"][2]["after"], "planner");
    assert_eq!(task["stages"][1]["violations"][0]["rule"], "pipeline");

    assert_valid_junit(&junit);
    let junit = fs::read_to_string(junit).unwrap();
    assert!(
        junit
            .contains(r#"<testsuites name="fixture-kit" tests="4" failures="1" errors="0" time=""#)
            && junit.contains(r#"tests="4" failures="1" errors="0" skipped="2" time=""#)
            && junit.contains(r#"<skipped message="not reached: planner broke the chain"/>"#),
        "{junit}"
    );
}

#[test]
fn the_bootstrap_chain_composes_the_bundled_goldens() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("chain.json");
    let output = Process::new(env!("CARGO_BIN_EXE_fixture-kit"))
        .args(["verify", "--chain", "--report", report.to_str().unwrap()])
        .args(["--junit", dir.path().join("chain.xml").to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("UPDATE_GOLDENS")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert_valid_junit(&dir.path().join("chain.xml"));
    let report: Value = serde_json::from_str(&fs::read_to_string(report).unwrap()).unwrap();
    let tasks = report["tasks"].as_array().unwrap();
    let on_disk: usize = fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|topic| fs::read_dir(topic.path()).unwrap().count())
        .sum();
    assert_eq!(tasks.len(), on_disk, "one row per task");
    let names: Vec<&str> = tasks.iter().map(|t| t["task"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "rows in fixture order");
    // Every realistic task is a full pipeline whose goldens feed each other.
    let full = tasks
        .iter()
        .filter(|t| {
            t["stages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["status"] == "passed")
        })
        .count();
    assert!(full >= 21, "{full} full pipelines pass");
    assert!(tasks.iter().all(|t| t["passed"] == true));
    // A task's declared pipeline failure is met at the stage whose checks
    // find it, which ends the chain.
    let statuses = |name: &str| -> Vec<String> {
        let task = tasks.iter().find(|t| t["task"] == name).unwrap();
        task["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        statuses("rule-must-fail/pipeline-plan-outside-design"),
        ["passed", "failed_as_declared", "absent", "absent"]
    );
    assert_eq!(
        statuses("rule-must-fail/pipeline-review-verdict-off-hunks"),
        ["absent", "absent", "passed", "failed_as_declared"]
    );
}

#[test]
fn a_declared_pipeline_failure_that_never_comes_fails_the_last_stage() {
    let tree = Tree::new();
    let task = tree.stage("architect").parent().unwrap().to_owned();
    fs::write(
        task.join("fixture.json"),
        r#"{ "pipeline_must_fail": { "rule": "pipeline", "because": "which no planner task names" } }"#,
    )
    .unwrap();
    let output = tree.verify(&[], false);
    assert!(!output.status.success());
    let shown = text(&output);
    assert!(
        shown.contains("architect ✓  planner ✓  coder ✓  reviewer ✗")
            && shown.contains(
                "declared to fail rule `pipeline` because \"which no planner task names\", but \
                 verification passed"
            ),
        "{shown}"
    );
}

/// A chained suite whose planner is a stand-in answering what its prompt
/// says (`@answer`), the other agents replaying their goldens.
fn chained_planner() -> fixture_kit::Suite {
    fixture_kit::Suite::new()
        .chain(true)
        .compare(fixture_kit::compare::Mode::Semantic)
        .runner_for_agent(
            fixture_kit::Agent::Planner,
            fixture_kit::runner::Command::new(stand_in_agent()),
        )
}

#[test]
fn a_generated_test_of_a_chained_suite_runs_the_stages_before_its_own() {
    let tree = Tree::new();
    let root = tree.dir.path().join("fixtures");
    let root = root.to_str().unwrap();
    let coder = format!("{TASK}/coder");
    let planner = tree.stage("planner");
    let golden = fs::read_to_string(planner.join("expected.json")).unwrap();
    let prompt = fs::read_to_string(planner.join("prompt.md")).unwrap();
    let answer = |plan: &str| {
        let plan: Value = serde_json::from_str(plan).unwrap();
        let line = format!(
            "{prompt}\n@answer {}\n",
            serde_json::to_string(&plan).unwrap()
        );
        fs::write(planner.join("prompt.md"), line).unwrap();
    };
    answer(&golden);
    fixture_kit::__private::run(chained_planner, root, &coder);

    answer(&golden.replace("test/slug.test.ts", "test/other.test.ts"));
    let broke =
        std::panic::catch_unwind(|| fixture_kit::__private::run(chained_planner, root, &coder))
            .expect_err("the coder is not reached");
    let message = broke.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("coder – not reached (planner failed)")
            && message.contains("the planner stage broke the chain"),
        "{message}"
    );
}

#[test]
fn a_misnamed_placeholder_or_flag_is_refused_naming_it() {
    let tree = Tree::new();
    let planner = tree.stage("planner").join("prompt.md");
    let prompt = fs::read_to_string(&planner).unwrap();
    fs::write(
        &planner,
        format!("{prompt}\nThe design:\n{{{{archtect}}}}\n"),
    )
    .unwrap();
    let output = tree.verify(&[], false);
    assert!(!output.status.success());
    let line = prompt.lines().count() + 3;
    let shown = text(&output);
    assert!(
        shown.contains(&format!(
            "[layout] fixtures/{TASK}/planner/prompt.md:{line}: unknown placeholder `{{{{archtect}}}}`"
        )) && shown.contains("hint: did you mean `{{architect}}`?")
            && shown.contains("planner ✗ (layout: unknown placeholder `{{archtect}}`)"),
        "{shown}"
    );

    for (args, says) in [
        (
            &["--agent-cmd", "plannr=claude"][..],
            "did you mean `planner`?",
        ),
        (&["--repeat", "2"][..], "--chain runs each stage once"),
        (&["--format", "json"][..], "drop --format json"),
    ] {
        let refused = tree.verify(args, false);
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
        assert!(text(&refused).contains(says), "{}", text(&refused));
    }
}

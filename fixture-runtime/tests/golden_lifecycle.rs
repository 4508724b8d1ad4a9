//! The golden lifecycle through the engine: missing versus changed,
//! updates that are canonical, idempotent, refused in CI, never written
//! from an invalid output, and atomic under killed and concurrent writers.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fixture_runtime::discover::FixtureId;
use fixture_runtime::engine::{run, Options, Outcome};
use fixture_runtime::golden::{write_atomic, UpdatePolicy};
use fixture_runtime::messages::{Entry, Source};
use fixture_runtime::runner::{RunError, Runner};
use fixture_runtime::{Fixture, Rule, Suite};

const SPEC: &str = r#"{
  "highLevelSummary": "A parity checker.",
  "pagesOrScreens": [],
  "apis": [],
  "dataModels": [],
  "recommendedFileStructure": [
    "src/parity.ts"
  ]
}
"#;

/// A runner that answers with fixed text.
struct Answer(&'static str);

impl Runner for Answer {
    fn name(&self) -> &str {
        "answer"
    }

    fn is_real_agent(&self) -> bool {
        true
    }

    fn run(&self, _: &Fixture) -> Result<String, RunError> {
        Ok(self.0.to_owned())
    }
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    id: FixtureId,
}

impl Tree {
    fn new(golden: Option<&str>) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("fixtures");
        let id = FixtureId::parse("design/parity/architect").unwrap();
        fs::create_dir_all(id.dir(&root)).unwrap();
        fs::write(
            id.dir(&root).join("prompt.md"),
            "Design a parity checker.\n",
        )
        .unwrap();
        if let Some(golden) = golden {
            fs::write(id.dir(&root).join("expected.json"), golden).unwrap();
        }
        Tree {
            _dir: dir,
            root,
            id,
        }
    }

    fn golden_path(&self) -> PathBuf {
        self.id.dir(&self.root).join("expected.json")
    }

    fn run(&self, answer: &'static str, update: UpdatePolicy) -> Result<Outcome, String> {
        let options = Options {
            update,
            ..Options::default()
        };
        run(
            &Suite::new().runner(Answer(answer)),
            &self.root,
            &self.id,
            None,
            options,
        )
        .map_err(|failure| failure.to_string())
    }
}

fn compact(json: &str) -> &'static str {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    Box::leak(serde_json::to_string(&value).unwrap().into_boxed_str())
}

#[test]
fn missing_and_changed_goldens_say_different_things() {
    let missing = Tree::new(None)
        .run(SPEC, UpdatePolicy::Compare)
        .unwrap_err();
    assert!(missing.contains("[golden]"), "{missing}");
    assert!(missing.contains("missing golden"), "{missing}");
    assert!(
        missing.contains("UPDATE_GOLDENS=1 cargo test design::parity::architect"),
        "{missing}"
    );

    let changed = SPEC.replace("A parity checker.", "An even-odd checker.");
    let tree = Tree::new(Some(&changed));
    let err = tree.run(SPEC, UpdatePolicy::Compare).unwrap_err();
    assert!(
        err.contains("actual output differs from the golden"),
        "{err}"
    );
    assert!(!err.contains("missing golden"), "{err}");
    assert!(
        err.contains("An even-odd checker."),
        "the diff shows the golden: {err}"
    );
    assert!(
        err.contains("A parity checker."),
        "the diff shows the output: {err}"
    );
}

#[test]
fn update_writes_canonical_golden_once() {
    let tree = Tree::new(Some(&SPEC.replace("parity", "PARITY")));
    let outcome = tree.run(compact(SPEC), UpdatePolicy::Write).unwrap();
    assert!(matches!(outcome, Outcome::Updated { .. }), "{outcome:?}");
    assert_eq!(fs::read_to_string(tree.golden_path()).unwrap(), SPEC);

    let mtime = fs::metadata(tree.golden_path())
        .unwrap()
        .modified()
        .unwrap();
    let again = tree.run(compact(SPEC), UpdatePolicy::Write).unwrap();
    assert!(
        matches!(again, Outcome::Passed { .. }),
        "second run writes nothing: {again:?}"
    );
    assert_eq!(
        fs::metadata(tree.golden_path())
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );
}

#[test]
fn an_update_keeps_what_the_author_wrote_and_fixes_only_the_form() {
    // Same content as the output, with an explicit null and a field order
    // of the author's own, on one line.
    let hand = r#"{"pagesOrScreens": [], "highLevelSummary": "A parity checker.", "apis": [{"name": "isEven", "description": "d", "method": null}], "dataModels": [], "recommendedFileStructure": ["src/parity.ts"]}"#;
    let tree = Tree::new(Some(hand));
    let answer = compact(&SPEC.replace(
        "\"apis\": []",
        "\"apis\": [{\"name\": \"isEven\", \"description\": \"d\"}]",
    ));
    let outcome = tree.run(answer, UpdatePolicy::Write).unwrap();
    assert!(matches!(outcome, Outcome::Updated { .. }), "{outcome:?}");
    let written = fs::read_to_string(tree.golden_path()).unwrap();
    assert!(written.contains("\"method\": null"), "{written}");
    assert!(
        written
            .starts_with("{\n  \"highLevelSummary\": \"A parity checker.\",\n  \"pagesOrScreens\""),
        "{written}"
    );
    let again = tree.run(answer, UpdatePolicy::Write).unwrap();
    assert!(matches!(again, Outcome::Passed { .. }), "{again:?}");
    assert_eq!(fs::read_to_string(tree.golden_path()).unwrap(), written);
}

#[test]
fn a_golden_that_does_not_parse_says_so() {
    let tree = Tree::new(Some(&format!("\u{feff}{SPEC}")));
    let err = tree.run(SPEC, UpdatePolicy::Compare).unwrap_err();
    assert!(
        err.contains("the golden does not fit the contract"),
        "{err}"
    );
    assert!(err.contains("byte-order mark"), "{err}");
}

#[test]
fn update_records_a_missing_golden() {
    let tree = Tree::new(None);
    let outcome = tree.run(SPEC, UpdatePolicy::Write).unwrap();
    assert!(matches!(outcome, Outcome::Updated { .. }), "{outcome:?}");
    assert_eq!(fs::read_to_string(tree.golden_path()).unwrap(), SPEC);
}

#[test]
fn update_refuses_in_ci_and_says_so() {
    let tree = Tree::new(None);
    let err = tree.run(SPEC, UpdatePolicy::RefusedInCi).unwrap_err();
    assert!(err.contains("refusing to write"), "{err}");
    assert!(err.contains("FIXTURE_KIT_FORCE_UPDATE=1"), "{err}");
    assert!(!tree.golden_path().exists());
}

#[test]
fn an_output_that_fails_its_contract_is_never_written() {
    let tree = Tree::new(Some(SPEC));
    let err = tree
        .run("{\"highLevelSummary\": ", UpdatePolicy::Write)
        .unwrap_err();
    assert!(err.contains(&format!("[{}]", Rule::Contract)), "{err}");
    assert_eq!(fs::read_to_string(tree.golden_path()).unwrap(), SPEC);
}

#[test]
fn strict_real_agents_fails_the_bootstrap_runner() {
    let tree = Tree::new(Some(SPEC));
    let options = Options {
        strict_real_agents: Some(Source::Env),
        ..Options::default()
    };
    let err = run(&Suite::new(), &tree.root, &tree.id, None, options.clone()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("[strict-real-agents]"), "{text}");
    assert!(text.contains("no real agent is wired"), "{text}");
    assert!(text.contains("unset FIXTURE_STRICT_REAL_AGENTS"), "{text}");
    let flag = Options {
        strict_real_agents: Some(Source::Flag),
        entry: Entry::Verify { flags: vec![] },
        ..Options::default()
    };
    let text = run(&Suite::new(), &tree.root, &tree.id, None, flag)
        .unwrap_err()
        .to_string();
    assert!(text.contains("leave out `--strict-real-agents`"), "{text}");
    assert!(!text.contains("FIXTURE_STRICT_REAL_AGENTS"), "{text}");
    let real = run(
        &Suite::new().runner(Answer(SPEC)),
        &tree.root,
        &tree.id,
        None,
        options,
    );
    assert!(real.is_ok(), "{real:?}");
}

/// Set in a child process: write goldens in a loop until killed.
const WRITER: &str = "FIXTURE_KIT_TEST_WRITER";

/// Two goldens large enough that a torn write would show.
fn versions() -> [Vec<u8>; 2] {
    [b'a', b'b'].map(|byte| {
        let mut bytes = vec![byte; 256 * 1024];
        bytes.push(b'\n');
        bytes
    })
}

#[test]
fn writer_child() {
    let Some(path) = std::env::var_os(WRITER) else {
        return;
    };
    let versions = versions();
    for i in 0.. {
        write_atomic(Path::new(&path), &versions[i % 2]).unwrap();
    }
}

#[test]
fn writes_are_atomic_under_killed_and_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expected.json");
    let versions = versions();
    write_atomic(&path, &versions[0]).unwrap();
    let spawn = || {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "writer_child",
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(WRITER, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    for round in 0..6 {
        let mut writers: Vec<_> = (0..3).map(|_| spawn()).collect();
        let until = Instant::now() + Duration::from_millis(150 + 40 * round);
        let mut reads = 0;
        while Instant::now() < until {
            let bytes = fs::read(&path).unwrap();
            assert!(
                versions.contains(&bytes),
                "a reader saw a torn golden of {} bytes",
                bytes.len()
            );
            reads += 1;
        }
        for writer in &mut writers {
            writer.kill().unwrap();
            writer.wait().unwrap();
        }
        assert!(reads > 0);
        let bytes = fs::read(&path).unwrap();
        assert!(
            versions.contains(&bytes),
            "after the kill the golden is old or new"
        );
    }
}

/// How often [`Flaky`] has run.
static FLAKY_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Answers the golden on every run but the second, which breaks the contract.
struct Flaky;

impl Runner for Flaky {
    fn name(&self) -> &str {
        "flaky"
    }

    fn is_real_agent(&self) -> bool {
        true
    }

    fn run(&self, _: &Fixture) -> Result<String, RunError> {
        let run = FLAKY_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(if run == 2 { "not json" } else { SPEC }.to_owned())
    }
}

#[test]
fn a_generated_test_runs_the_suites_repeats_and_fails_when_one_run_does() {
    let tree = Tree::new(Some(SPEC));
    let root = tree.root.to_str().unwrap().to_owned();
    let failed = std::panic::catch_unwind(|| {
        fixture_runtime::__private::run(
            || Suite::new().runner(Flaky).repeat(3),
            &root,
            "design/parity/architect",
        )
    })
    .expect_err("one run of three failed");
    let message = failed.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("2 of 3 runs passed; run 2 of 3: fixture "),
        "{message}"
    );
    assert!(message.contains("[contract]"), "{message}");
    assert_eq!(FLAKY_RUNS.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn a_missing_golden_under_the_bootstrap_runner_says_to_write_it_not_record_it() {
    let tree = Tree::new(None);
    for update in [UpdatePolicy::Compare, UpdatePolicy::Write] {
        let options = Options {
            update,
            ..Options::default()
        };
        let err = run(&Suite::new(), &tree.root, &tree.id, None, options)
            .unwrap_err()
            .to_string();
        let root = tree.root.display();
        assert!(
            err.contains(&format!(
                "write it: `fixture-kit new design/parity --agents architect --root {root}` adds \
                 a skeleton to fill in (this suite's runner runs no agent, so nothing can \
                 record it)"
            )),
            "{err}"
        );
        assert!(!err.contains("UPDATE_GOLDENS"), "{err}");
    }
    assert!(!tree.golden_path().exists());
}

#[test]
fn a_pending_update_writes_beside_the_golden_and_a_settled_one_clears_it() {
    let changed = SPEC.replace("A parity checker.", "An even-odd checker.");
    let tree = Tree::new(Some(&changed));
    let pending = tree.id.dir(&tree.root).join("expected.json.new");
    let err = tree.run(SPEC, UpdatePolicy::WritePending).unwrap_err();
    assert!(
        err.contains("actual output differs from the golden"),
        "{err}"
    );
    assert!(
        err.contains("expected.json.new: wrote the output for review beside the golden"),
        "{err}"
    );
    assert!(err.contains("fixture-kit review --root"), "{err}");
    assert_eq!(fs::read_to_string(tree.golden_path()).unwrap(), changed);
    assert_eq!(fs::read_to_string(&pending).unwrap(), SPEC);
    // A non-canonical answer is written in canonical form.
    tree.run(compact(SPEC), UpdatePolicy::WritePending)
        .unwrap_err();
    assert_eq!(fs::read_to_string(&pending).unwrap(), SPEC);
    // An output that fails its contract writes nothing, and leaves the
    // pending golden of an earlier run.
    tree.run("{\"highLevelSummary\": 1}", UpdatePolicy::WritePending)
        .unwrap_err();
    assert_eq!(fs::read_to_string(&pending).unwrap(), SPEC);
    // Once the output matches, the pending golden is stale and goes.
    let outcome = tree
        .run(
            Box::leak(changed.into_boxed_str()),
            UpdatePolicy::WritePending,
        )
        .unwrap();
    assert!(matches!(outcome, Outcome::Passed { .. }), "{outcome:?}");
    assert!(!pending.exists());
}

#[test]
fn update_goldens_new_asks_for_pending_goldens_and_ci_still_refuses() {
    assert_eq!(
        UpdatePolicy::Write.pending_if(true),
        UpdatePolicy::WritePending
    );
    assert_eq!(UpdatePolicy::Write.pending_if(false), UpdatePolicy::Write);
    assert_eq!(
        UpdatePolicy::RefusedInCi.pending_if(true),
        UpdatePolicy::RefusedInCi
    );
    assert_eq!(
        UpdatePolicy::Compare.pending_if(true),
        UpdatePolicy::Compare
    );
    let tree = Tree::new(None);
    let err = tree.run(SPEC, UpdatePolicy::RefusedInCi).unwrap_err();
    assert!(err.contains("refusing to write"), "{err}");
    assert!(!tree.id.dir(&tree.root).join("expected.json.new").exists());
}

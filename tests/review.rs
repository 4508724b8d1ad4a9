//! Goldens from creation to review, through the `fixture-kit` command:
//! `new` writes skeletons that fail until filled in, `UPDATE_GOLDENS=new`
//! writes pending goldens, and `review` accepts or rejects them, in a real
//! terminal (tmux) and all at once.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::SPEC;

const BIN: &str = env!("CARGO_BIN_EXE_fixture-kit");

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn read(root: &Path, rel: &str) -> Option<String> {
    fs::read_to_string(root.join(rel)).ok()
}

fn fixture_kit(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("UPDATE_GOLDENS")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("FIXTURE_KIT_FORCE_UPDATE")
        .env_remove("FIXTURE_STRICT_REAL_AGENTS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn both(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const ARCHITECT: &str = "fixtures/design/task-1/architect/expected.json";
const FRESH: &str = "fixtures/design/task-2/architect/expected.json";

/// Two architect fixtures, `design/task-1` with a golden and `design/task-2`
/// without, and an agent (`cat`) whose answer changes the first and
/// creates the second; returns the agent command.
fn two_fixtures(dir: &Path) -> String {
    write(
        dir,
        "fixtures/design/task-1/architect/prompt.md",
        "Design it.\n",
    );
    write(dir, ARCHITECT, SPEC);
    write(
        dir,
        "fixtures/design/task-2/architect/prompt.md",
        "Design it.\n",
    );
    let answer = dir.join("answer.json");
    let changed: serde_json::Value =
        serde_json::from_str(&SPEC.replace("A parity checker.", "An odd-even checker.")).unwrap();
    fs::write(&answer, changed.to_string()).unwrap();
    format!("cat {}", answer.display())
}

fn pending(path: &str) -> String {
    format!("{path}.new")
}

/// The canonical text of the agent's answer, as a pending golden holds it.
fn answered() -> String {
    SPEC.replace("A parity checker.", "An odd-even checker.")
}

fn write_pending(dir: &Path, agent: &str) -> Output {
    fixture_kit(
        dir,
        &["verify", "--agent-cmd", agent],
        &[("UPDATE_GOLDENS", "new")],
    )
}

#[test]
fn update_goldens_new_writes_pending_goldens_and_leaves_the_goldens() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    let run = write_pending(root, &agent);
    let text = both(&run);
    assert!(
        !run.status.success(),
        "a pending golden fails its test: {text}"
    );
    assert_eq!(
        read(root, ARCHITECT).as_deref(),
        Some(SPEC),
        "golden untouched"
    );
    assert_eq!(read(root, FRESH), None, "no golden created");
    assert_eq!(read(root, &pending(ARCHITECT)), Some(answered()));
    assert_eq!(read(root, &pending(FRESH)), Some(answered()));
    assert!(
        text.contains(&format!(
            "{}: wrote the output for review beside the golden",
            pending(ARCHITECT)
        )),
        "{text}"
    );
    assert!(
        text.contains("`fixture-kit review` shows the diff"),
        "{text}"
    );
    assert!(
        text.contains("-  \"highLevelSummary\": \"A parity checker.\","),
        "the diff is shown as for any mismatch: {text}"
    );
    // Discovery ignores pending files: the same two fixtures are listed.
    let list = fixture_kit(root, &["verify", "--list", "--format", "terse"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "design::task_1::architect: test\ndesign::task_2::architect: test\n"
    );
    // doctor lists each pending golden.
    let doctor = both(&fixture_kit(root, &["doctor"], &[]));
    for path in [pending(ARCHITECT), pending(FRESH)] {
        assert!(
            doctor.contains(&format!(
                "WARN  pending       {path}: a pending golden to review: run `fixture-kit review`"
            )),
            "{doctor}"
        );
    }
    // Once the output matches the golden again, its stale pending file goes.
    fs::write(root.join("answer.json"), SPEC).unwrap();
    write_pending(root, &agent);
    assert_eq!(read(root, &pending(ARCHITECT)), None);
    assert_eq!(read(root, &pending(FRESH)), Some(SPEC.to_owned()));
}

#[test]
fn pending_goldens_are_never_written_from_a_failing_output_nor_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    let in_ci = fixture_kit(
        root,
        &["verify", "--agent-cmd", &agent],
        &[("UPDATE_GOLDENS", "new"), ("CI", "true")],
    );
    assert!(
        both(&in_ci).contains("refusing to write the golden"),
        "{}",
        both(&in_ci)
    );
    assert_eq!(read(root, &pending(ARCHITECT)), None);
    fs::write(root.join("answer.json"), r#"{"highLevelSummary": 1}"#).unwrap();
    let bad = write_pending(root, &agent);
    assert!(both(&bad).contains("[contract]"), "{}", both(&bad));
    assert_eq!(read(root, &pending(ARCHITECT)), None);
    assert_eq!(read(root, &pending(FRESH)), None);
}

#[test]
fn review_accept_and_reject_take_every_pending_golden_or_the_filtered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    write_pending(root, &agent);
    let reject = fixture_kit(root, &["review", "--reject", "task_2"], &[]);
    assert!(reject.status.success(), "{}", both(&reject));
    assert!(
        both(&reject).contains("review: 0 accepted, 1 rejected, 0 skipped; 1 pending left"),
        "{}",
        both(&reject)
    );
    assert_eq!(read(root, &pending(FRESH)), None);
    assert_eq!(read(root, FRESH), None);
    let accept = fixture_kit(root, &["review", "--accept"], &[]);
    assert!(accept.status.success(), "{}", both(&accept));
    assert_eq!(read(root, ARCHITECT), Some(answered()));
    assert_eq!(read(root, &pending(ARCHITECT)), None);
    let none = fixture_kit(root, &["review"], &[]);
    assert!(
        both(&none).contains("review: no pending goldens under fixtures"),
        "{}",
        both(&none)
    );
    // The accepted golden now passes.
    let verify = fixture_kit(root, &["verify", "--agent-cmd", &agent, "task_1"], &[]);
    assert!(verify.status.success(), "{}", both(&verify));
}

#[test]
fn review_without_a_terminal_asks_for_a_flag_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    write_pending(root, &agent);
    let review = fixture_kit(root, &["review"], &[]);
    assert_eq!(review.status.code(), Some(2), "{}", both(&review));
    assert!(
        both(&review).contains("no terminal to ask in: run it in a terminal, or pass `--accept`"),
        "{}",
        both(&review)
    );
    assert!(root.join(pending(ARCHITECT)).is_file());
    let both_flags = fixture_kit(root, &["review", "--accept", "--reject"], &[]);
    assert_eq!(both_flags.status.code(), Some(2));
}

/// A tmux server of its own (its socket in the test's folder), killed on
/// drop, running one command in a detached session.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn start(dir: &Path, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        // The pane stays after the command ends so its last screen can be read.
        let script = format!("{command}; echo \"exit=$?\"; sleep 600");
        let status = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-s",
                "review",
                "-x",
                "100",
                "-y",
                "50",
                "-c",
            ])
            .arg(dir)
            .arg(script)
            .status()
            .expect("tmux runs the interactive review: install it (`apt-get install tmux`)");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"]);
        command
    }

    /// The pane's text; with `escapes`, its colour codes too.
    fn screen(&self, escapes: bool) -> String {
        let mut command = self.command();
        command.args(["capture-pane", "-p", "-J", "-t", "review", "-S", "-"]);
        if escapes {
            command.arg("-e");
        }
        String::from_utf8_lossy(&command.output().unwrap().stdout).into_owned()
    }

    /// Waits until the screen shows `needle`, for at most 20 s.
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(false);
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "`{needle}` never showed; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn key(&self, key: &str) {
        let status = self
            .command()
            .args(["send-keys", "-t", "review", key])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// `fixture-kit review ARGS` as a shell command.
fn review_command(args: &str) -> String {
    format!("env -u UPDATE_GOLDENS {BIN} review {args}")
}

#[test]
fn review_in_a_terminal_accepts_one_and_rejects_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    write_pending(root, &agent);
    let tmux = Tmux::start(root, &review_command(""));
    let first = tmux.wait_for("a accept   r reject   s skip   q quit");
    assert!(
        first.contains("Pending golden 1/2: design/task-1/architect"),
        "{first}"
    );
    assert!(
        first.contains(&format!("{ARCHITECT} → {}", pending(ARCHITECT))),
        "{first}"
    );
    assert!(
        first.contains("-   \"highLevelSummary\": \"A parity checker.\",")
            && first.contains("+   \"highLevelSummary\": \"An odd-even checker.\","),
        "the diff: {first}"
    );
    assert!(
        tmux.screen(true).contains("\u{1b}["),
        "a terminal gets colour"
    );
    tmux.key("x");
    tmux.key("a");
    let second = tmux.wait_for("Pending golden 2/2: design/task-2/architect");
    assert!(
        second.contains(&format!("accepted {}", pending(ARCHITECT))),
        "{second}"
    );
    assert!(
        second.contains(&format!("{FRESH}: new (no golden yet)")),
        "{second}"
    );
    tmux.key("r");
    let end = tmux.wait_for("exit=");
    assert!(
        end.contains("review: 1 accepted, 1 rejected, 0 skipped; 0 pending left\nexit=0"),
        "{end}"
    );
    assert_eq!(read(root, ARCHITECT), Some(answered()));
    assert_eq!(read(root, &pending(ARCHITECT)), None);
    assert_eq!(read(root, FRESH), None);
    assert_eq!(read(root, &pending(FRESH)), None);
}

#[test]
fn review_in_a_terminal_skips_and_quits_leaving_both_pending() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let agent = two_fixtures(root);
    write_pending(root, &agent);
    let tmux = Tmux::start(root, &review_command("design"));
    tmux.wait_for("Pending golden 1/2");
    tmux.key("s");
    tmux.wait_for("Pending golden 2/2");
    tmux.key("q");
    let end = tmux.wait_for("exit=");
    assert!(
        end.contains("review: 0 accepted, 0 rejected, 1 skipped; 2 pending left\nexit=0"),
        "{end}"
    );
    assert_eq!(read(root, ARCHITECT).as_deref(), Some(SPEC));
    assert!(root.join(pending(ARCHITECT)).is_file());
    assert!(root.join(pending(FRESH)).is_file());
}

/// The files `fixture-kit new` says it created.
fn created(output: &Output) -> Vec<PathBuf> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("created "))
        .map(PathBuf::from)
        .collect()
}

#[test]
fn new_writes_skeletons_that_fail_naming_each_unfilled_field_until_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let new = fixture_kit(root, &["new", "parity/task-1"], &[]);
    assert!(new.status.success(), "{}", both(&new));
    assert_eq!(created(&new).len(), 8, "a prompt and a golden per agent");
    let verify = fixture_kit(root, &["verify"], &[]);
    assert!(!verify.status.success());
    let text = both(&verify);
    let task = "fixtures/parity/task-1";
    for (golden, field) in [
        ("architect/expected.json", "`highLevelSummary`"),
        ("architect/expected.json", "`apis[0].name`"),
        ("architect/expected.json", "`apis[0].description`"),
        ("architect/expected.json", "`recommendedFileStructure[0]`"),
        ("planner/expected.json", "`tasks[0].description`"),
        ("planner/expected.json", "`tasks[0].file`"),
        ("reviewer/expected.json", "`comments[0].message`"),
    ] {
        let needle =
            format!("[layout] {task}/{golden}: {field}: not filled in (still `TODO(fixture-kit)`)");
        assert!(text.contains(&needle), "{needle} in:\n{text}");
    }
    assert!(
        text.contains(&format!(
            "[layout] {task}/coder/expected.patch: still the skeleton `fixture-kit new` wrote"
        )),
        "{text}"
    );
    assert!(
        !text.contains("[non-fabrication]") && !text.contains("[pipeline]"),
        "only the unfilled fields are reported: {text}"
    );

    let doctor = both(&fixture_kit(root, &["doctor"], &[]));
    for line in [
        "FAIL  golden        fixtures/parity/task-1/planner/expected.json: a skeleton still to \
         fill in (tasks[0].description, tasks[0].file): replace each `TODO(fixture-kit)`",
        "FAIL  golden        fixtures/parity/task-1/coder/expected.patch: a skeleton still to \
         fill in (patch): replace each `TODO(fixture-kit)`",
    ] {
        assert!(doctor.contains(line), "{line} in:\n{doctor}");
    }

    // Filled in by hand, the same fixtures pass.
    write(root, &format!("{task}/repo/src/parity.ts"), PARITY);
    write(root, &format!("{task}/architect/expected.json"), SPEC);
    write(root, &format!("{task}/planner/expected.json"), PLAN);
    write(root, &format!("{task}/coder/expected.patch"), PATCH);
    write(root, &format!("{task}/reviewer/expected.json"), REVIEW);
    let verify = fixture_kit(root, &["verify"], &[]);
    assert!(verify.status.success(), "{}", both(&verify));
    let doctor = both(&fixture_kit(root, &["doctor"], &[]));
    assert!(!doctor.contains("skeleton"), "{doctor}");
    let again = fixture_kit(root, &["new", "parity/task-1"], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(both(&again).contains("exists already"), "{}", both(&again));
}

#[test]
fn new_adds_only_what_a_fixture_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "fixtures/t/x/planner/prompt.md", "Plan it.\n");
    write(root, "fixtures/t/x/coder/expected.patch", "");
    let new = fixture_kit(root, &["new", "t/x", "--agents", "planner,coder"], &[]);
    assert!(new.status.success(), "{}", both(&new));
    assert_eq!(
        created(&new),
        [
            PathBuf::from("fixtures/t/x/planner/expected.json"),
            PathBuf::from("fixtures/t/x/coder/prompt.md"),
        ]
    );
    assert_eq!(
        read(root, "fixtures/t/x/planner/prompt.md").as_deref(),
        Some("Plan it.\n")
    );
    assert_eq!(
        read(root, "fixtures/t/x/coder/expected.patch").as_deref(),
        Some("")
    );
}

#[test]
fn a_missing_golden_under_the_bootstrap_runner_says_to_write_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "fixtures/t/x/planner/prompt.md", "Plan it.\n");
    let verify = fixture_kit(root, &["verify"], &[("UPDATE_GOLDENS", "1")]);
    let text = both(&verify);
    assert!(!verify.status.success());
    assert!(
        text.contains(
            "write it: `fixture-kit new t/x --agents planner` adds a skeleton to fill in, or \
             record it from a real agent with `fixture-kit verify --agent-cmd \"<command>\" \
             --update t::x::planner`"
        ),
        "{text}"
    );
    // The command it names works: the skeleton is added, and then named.
    let new = fixture_kit(root, &["new", "t/x", "--agents", "planner"], &[]);
    assert!(new.status.success(), "{}", both(&new));
    let verify = both(&fixture_kit(root, &["verify"], &[]));
    assert!(
        verify.contains("`tasks[0].file`: not filled in"),
        "{verify}"
    );
}

const PARITY: &str = "export function isEven(n: number): boolean {\n  return n % 2 === 1;\n}\n";

const PLAN: &str = r#"{
  "tasks": [
    {
      "id": "t1",
      "description": "Fix isEven: it returns true for odd numbers.",
      "file": "src/parity.ts",
      "type": "fix",
      "complexity": "low",
      "dependsOn": []
    }
  ],
  "ambiguities": [],
  "invalidTaskCount": 0
}
"#;

const PATCH: &str = "diff --git a/src/parity.ts b/src/parity.ts
--- a/src/parity.ts
+++ b/src/parity.ts
@@ -1,3 +1,3 @@
 export function isEven(n: number): boolean {
-  return n % 2 === 1;
+  return n % 2 === 0;
 }
";

const REVIEW: &str = r#"{
  "decision": "approve",
  "comments": [
    {
      "message": "Correct: even numbers leave no remainder.",
      "blocking": false,
      "path": "src/parity.ts",
      "line": 2
    }
  ]
}
"#;

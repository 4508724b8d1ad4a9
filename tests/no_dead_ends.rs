//! What a user meets after a slip: mistyped names get a suggestion, a
//! filter in either form finds its fixtures (or says that none match), the
//! report keeps fixture order whatever the threads do, progress shows only
//! on a terminal, and the README's examples run as written.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::SPEC;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn architect(dir: &Path, rel: &str) {
    write(
        dir,
        &format!("fixtures/{rel}/architect/prompt.md"),
        "Design it.\n",
    );
    write(
        dir,
        &format!("fixtures/{rel}/architect/expected.json"),
        SPEC,
    );
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixture-kit"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("UPDATE_GOLDENS")
        .env_remove("FIXTURE_STRICT_REAL_AGENTS")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .stdin(Stdio::null());
    command
}

fn fixture_kit(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Two topics of architect fixtures, the golden path naming one of them.
fn small_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    architect(dir.path(), "zero-change/task-001-is-even");
    architect(dir.path(), "zero-change/task-002-health");
    architect(dir.path(), "single-file/task-001-slug");
    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["zero-change/task-001-is-even/architect"] }"#,
    );
    dir
}

/// The names of the `test NAME ... ok` lines, in printed order.
fn ran(output: &Output) -> Vec<String> {
    text(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|rest| rest.split_once(" ... "))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

#[test]
fn filter_takes_the_folder_form_and_the_test_name_form() {
    let dir = small_tree();
    let one = ["zero_change::task_001_is_even::architect"];
    for filter in [
        "zero_change::task_001_is_even::architect",
        "zero-change/task-001-is-even/architect",
        "zero-change/task-001-is-even/architect/",
        "fixtures/zero-change/task-001-is-even/architect",
    ] {
        for exact in [false, true] {
            let mut args = vec!["verify", filter];
            if exact {
                args.push("--exact");
            }
            let output = fixture_kit(dir.path(), &args);
            assert!(
                output.status.success(),
                "{args:?}: {}",
                text(&output.stderr)
            );
            assert_eq!(ran(&output), one, "{args:?}");
        }
    }
    let topic = fixture_kit(dir.path(), &["verify", "zero-change/"]);
    assert_eq!(
        ran(&topic),
        [
            "zero_change::task_001_is_even::architect",
            "zero_change::task_002_health::architect"
        ]
    );
    let list = fixture_kit(dir.path(), &["verify", "--list", "single-file/"]);
    assert_eq!(
        text(&list.stdout),
        "single_file::task_001_slug::architect: test\n"
    );
}

#[test]
fn a_filter_matching_nothing_fails_and_names_the_nearest_fixture() {
    let dir = small_tree();
    let folder = fixture_kit(
        dir.path(),
        &["verify", "zero-change/task-001-is-evn/architect"],
    );
    assert_eq!(folder.status.code(), Some(4), "{}", text(&folder.stdout));
    assert_eq!(
        text(&folder.stderr),
        "fixture-kit verify: no tests to run: no fixture under fixtures matches \
         `zero-change/task-001-is-evn/architect`; did you mean \
         `zero-change/task-001-is-even/architect`?\n  hint: `fixture-kit verify --list` lists \
         them; FILTER is part of a test name (`topic::task::agent`) or a fixture folder \
         (`topic/task/agent`)\n"
    );
    assert!(
        !text(&folder.stdout).contains("OK"),
        "{}",
        text(&folder.stdout)
    );

    let exact = fixture_kit(
        dir.path(),
        &[
            "verify",
            "--exact",
            "zero_change::task_002_helth::architect",
        ],
    );
    assert_eq!(exact.status.code(), Some(4));
    assert!(
        text(&exact.stderr).contains("did you mean `zero_change::task_002_health::architect`?"),
        "{}",
        text(&exact.stderr)
    );

    let golden = fixture_kit(dir.path(), &["verify", "--golden", "single-file/"]);
    assert_eq!(golden.status.code(), Some(4));
    assert!(
        text(&golden.stderr).contains("no fixture of the golden path under fixtures matches"),
        "{}",
        text(&golden.stderr)
    );

    // Listing nothing is no failure, as with libtest.
    let list = fixture_kit(dir.path(), &["verify", "--list", "nothing_here"]);
    assert!(list.status.success());
    assert_eq!(text(&list.stdout), "");
}

#[test]
fn mistyped_names_get_a_suggestion() {
    let dir = small_tree();
    let schema = fixture_kit(dir.path(), &["schema", "plannr"]);
    assert_eq!(schema.status.code(), Some(2));
    assert!(
        text(&schema.stderr).contains("unknown agent `plannr`")
            && text(&schema.stderr).contains("did you mean `planner`?"),
        "{}",
        text(&schema.stderr)
    );

    let compare = fixture_kit(dir.path(), &["verify", "--compare", "semantc"]);
    assert_eq!(compare.status.code(), Some(2));
    assert!(
        text(&compare.stderr).contains("a similar value exists: 'semantic'"),
        "{}",
        text(&compare.stderr)
    );
    let subcommand = fixture_kit(dir.path(), &["verfy"]);
    assert!(
        text(&subcommand.stderr).contains("a similar subcommand exists: 'verify'"),
        "{}",
        text(&subcommand.stderr)
    );

    // One error before any fixture runs, not one failure per fixture.
    let agent = fixture_kit(dir.path(), &["verify", "--agent-cmd", "cluade -p"]);
    assert_eq!(agent.status.code(), Some(2));
    assert_eq!(
        text(&agent.stderr),
        "--agent-cmd: `cluade` is not on PATH: install it or give its full path; did you \
         mean `claude`?\n"
    );
    assert_eq!(text(&agent.stdout), "");

    write(
        dir.path(),
        "golden-fixtures.config.json",
        r#"{ "fixtures": ["zero-change/task-001-is-evn/architect"] }"#,
    );
    let golden = fixture_kit(dir.path(), &["verify", "--golden"]);
    assert_eq!(golden.status.code(), Some(2));
    assert!(
        text(&golden.stderr).contains("did you mean `zero-change/task-001-is-even/architect`?"),
        "{}",
        text(&golden.stderr)
    );

    write(
        dir.path(),
        "fixtures/single-file/task-001-slug/reveiwer/prompt.md",
        "p",
    );
    write(
        dir.path(),
        "fixtures/single-file/task-002/coder/prompt.md",
        "p",
    );
    write(
        dir.path(),
        "fixtures/single-file/task-002/coder/expected.diff",
        "",
    );
    let tree = fixture_kit(dir.path(), &["verify"]);
    assert_eq!(tree.status.code(), Some(2));
    let stderr = text(&tree.stderr);
    for needle in [
        "fixtures/single-file/task-001-slug/reveiwer: unknown agent folder `reveiwer`",
        "did you mean `reviewer`?",
        "fixtures/single-file/task-002/coder/expected.diff: `expected.patch` is missing; did \
         you mean `expected.diff`? rename it to `expected.patch`",
    ] {
        assert!(stderr.contains(needle), "{needle} not in:\n{stderr}");
    }
}

/// `count` architect fixtures and an agent that answers each after a
/// pause that shrinks with its index, `step_ms` a place (so the last
/// finish first), wrongly for every fourth: with several threads, the
/// order of completion is far from fixture order.
fn slow_tree(count: usize, step_ms: usize) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers");
    for i in 0..count {
        let task = format!("t/task-{i:02}");
        architect(dir.path(), &task);
        let answer = if i % 4 == 1 {
            SPEC.replace("A parity checker.", "A different checker.")
        } else {
            SPEC.to_owned()
        };
        let at = answers.join(&task).join("architect");
        fs::create_dir_all(&at).unwrap();
        fs::write(at.join("answer"), answer).unwrap();
        fs::write(
            at.join("delay"),
            format!("{:.3}", ((count - i) * step_ms) as f64 / 1000.0),
        )
        .unwrap();
    }
    let agent = dir.path().join("agent.sh");
    fs::write(
        &agent,
        format!(
            "#!/bin/sh\nd={}/$FIXTURE_KIT_FIXTURE\nsleep \"$(cat \"$d/delay\")\"\ncat \"$d/answer\"\n",
            answers.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&agent, fs::Permissions::from_mode(0o755)).unwrap();
    let agent = agent.display().to_string();
    (dir, agent)
}

/// Durations are the one part of a report that may change between runs.
fn without_durations(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = c.to_string();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit() || **d == '.') {
                number.push(d);
                chars.next();
            }
            if number.contains('.') && chars.peek() == Some(&'s') {
                out.push_str("<secs>");
                continue;
            }
            out.push_str(&number);
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_report_keeps_fixture_order_whatever_finishes_first() {
    let count = 24;
    let (dir, agent) = slow_tree(count, 12);
    let names: Vec<String> = (0..count)
        .map(|i| format!("t::task_{i:02}::architect"))
        .collect();
    let failing: Vec<&String> = names.iter().skip(1).step_by(4).collect();
    let args = ["verify", "--agent-cmd", &agent, "--concurrency", "6"];
    let first = fixture_kit(dir.path(), &args);
    let second = fixture_kit(dir.path(), &args);
    assert_eq!(first.status.code(), Some(101), "{}", text(&first.stderr));
    assert_eq!(ran(&first), names);
    let report = text(&first.stdout);
    let failures: Vec<&str> = report
        .lines()
        .filter_map(|line| line.strip_prefix("---- ")?.strip_suffix(" ----"))
        .collect();
    assert_eq!(failures, failing, "{report}");
    assert_eq!(
        without_durations(&report),
        without_durations(&text(&second.stdout))
    );
    assert_eq!(
        text(&first.stderr),
        "",
        "no progress bar without a terminal"
    );

    let json = fixture_kit(dir.path(), &[&args[..], &["--format", "json"]].concat());
    let events: Vec<serde_json::Value> = text(&json.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let finished: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["type"] == "test" && e["event"] != "started")
        .map(|e| (e["name"].as_str().unwrap(), e["event"].as_str().unwrap()))
        .collect();
    let expected: Vec<(&str, &str)> = names
        .iter()
        .map(|n| {
            let event = if failing.contains(&n) { "failed" } else { "ok" };
            (n.as_str(), event)
        })
        .collect();
    assert_eq!(finished, expected);
    assert_eq!(events.last().unwrap()["failed"], failing.len());
}

/// Runs `fixture-kit ARGS` in `dir` under a pseudo-terminal (`script`),
/// returning what the terminal showed.
fn on_a_terminal(dir: &Path, args: &str, ci: bool) -> Output {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_fixture-kit"));
    let mut script = Command::new("script");
    script
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .stdin(Stdio::null());
    if ci {
        script.env("CI", "true");
    }
    script
        .output()
        .expect("`script` (util-linux) runs a command under a pseudo-terminal")
}

#[test]
fn progress_shows_on_a_terminal_only() {
    // Slow enough for the bar to be drawn after the first failure.
    let (dir, agent) = slow_tree(8, 100);
    let args = format!("verify --agent-cmd {agent} --concurrency 4");
    let shown = on_a_terminal(dir.path(), &args, false);
    let screen = text(&shown.stdout);
    assert!(
        screen.contains("verifying [00:00:0") && screen.contains("/8 fixtures, "),
        "{screen}"
    );
    assert!(screen.contains("failed"), "{screen}");

    let in_ci = text(&on_a_terminal(dir.path(), &args, true).stdout);
    assert!(!in_ci.contains("verifying ["), "{in_ci}");
    let json = text(&on_a_terminal(dir.path(), &format!("{args} --format json"), false).stdout);
    assert!(!json.contains("verifying ["), "{json}");

    // Off a terminal: not one byte more than the report.
    let piped = fixture_kit(dir.path(), &["verify", "--agent-cmd", &agent]);
    assert_eq!(text(&piped.stderr), "");
    assert!(!text(&piped.stdout).contains("verifying"));
}

/// The README's runbook example, between its ```` ```markdown ```` fences.
fn readme_runbook() -> String {
    let readme = include_str!("../README.md");
    let start = readme
        .find("````markdown\n")
        .expect("the README shows a runbook")
        + 13;
    let end = start + readme[start..].find("````\n").expect("the example ends");
    readme[start..end].to_owned()
}

#[test]
fn the_readme_runbook_example_is_a_bundled_runbook_and_runs_as_written() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = fs::read_to_string(project.join("runbooks/smoke.md")).unwrap();
    assert_eq!(
        readme_runbook(),
        file,
        "README.md and runbooks/smoke.md differ"
    );
    let output = fixture_kit(project, &["runbook", "run", "runbooks/smoke.md"]);
    let report = text(&output.stdout);
    assert!(output.status.success(), "{report}{}", text(&output.stderr));
    assert!(
        report.contains("worked             serve-the-site")
            && report.contains("worked             check-the-version")
            && report.contains("passed: 2 worked, 0 broke as expected, 0 broke, 0 not reached"),
        "{report}"
    );
}

#[test]
fn scrub_help_says_what_scrub_does() {
    let dir = tempfile::tempdir().unwrap();
    let help = text(&fixture_kit(dir.path(), &["scrub", "--help"]).stdout);
    assert!(
        help.contains("Paths, ids and timings are not normalised"),
        "{help}"
    );
    assert!(
        help.contains("scrubbing it again changes nothing"),
        "{help}"
    );
    assert!(
        help.contains("Exit 2 when the input or a pattern cannot be read"),
        "{help}"
    );
    // Each of those claims, held to.
    // Built here, so that this file holds no key for the scrubber's own
    // scan of the project to find.
    let key = format!("sk-{}-api03-abcdefghijklmnopqrstuvwxyz0123456789", "ant");
    let input = format!("key {key} at 2026-01-01T00:00:00Z in /home/user/app by msg_01ABCDEF\n");
    let once = command(dir.path(), &["scrub"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let scrubbed = text(&once.stdout);
    assert_eq!(
        scrubbed,
        "key <redacted:anthropic-key> at 2026-01-01T00:00:00Z in /home/user/app by \
         msg_01ABCDEF\n"
    );
    write(dir.path(), "once.txt", &scrubbed);
    let twice = fixture_kit(dir.path(), &["scrub", "once.txt"]);
    assert_eq!(text(&twice.stdout), scrubbed);
    let missing = fixture_kit(dir.path(), &["scrub", "missing.txt"]);
    assert_eq!(missing.status.code(), Some(2));
    let bad = fixture_kit(dir.path(), &["scrub", "once.txt", "--pattern", "x=("]);
    assert_eq!(bad.status.code(), Some(2));
}

//! `fixture-kit runbook run` against hostile values and unruly processes:
//! values never become shell syntax, nothing started outlives the run
//! (detached, timed out, or stopped by a signal), output stays bounded.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

fn fixture_kit(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixture-kit"));
    command.args(args).current_dir(dir);
    command
}

fn run_json(dir: &Path, runbook: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["runbook", "run", runbook, "--format", "json"];
    args.extend_from_slice(extra);
    let output = fixture_kit(dir, &args).output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn lane<'a>(report: &'a Value, slug: &str) -> &'a Value {
    report["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lane| lane["slug"] == slug)
        .unwrap_or_else(|| panic!("no lane {slug}: {report:#}"))
}

/// Running, as opposed to gone or a zombie.
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(") ")
            .is_some_and(|(_, s)| s.starts_with('Z'))
    })
}

/// Waits for a file holding a pid (written by a step) and reads it.
fn pid_in(path: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(pid) = fs::read_to_string(path).unwrap_or_default().trim().parse() {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        sleep(Duration::from_millis(20));
    }
}

/// Gone now, or within a moment (init reaps orphans on its own time).
fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        sleep(Duration::from_millis(20));
    }
    true
}

const HOSTILE: &str = r#"{"version": "1.2\"; touch OUT/x; echo \"", "sub": "$(touch OUT/y)", "tick": "`touch OUT/z`", "quote": "'; touch OUT/q; '", "lines": "a\nEOF\ntouch OUT/w\n"}"#;

#[test]
fn captured_and_given_values_never_become_shell_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::create_dir(dir.path().join("site")).unwrap();
    let body = HOSTILE.replace("OUT", &out.display().to_string());
    fs::write(dir.path().join("site/body.json"), &body).unwrap();
    let runbook = r#"# Injection

## Serve

```daemon name=web
$ python3 -u -m http.server {{port:web}} --bind 127.0.0.1 --directory {{site}}
ready http http://127.0.0.1:{{port:web}}/
```

```http
GET http://127.0.0.1:{{port:web}}/body.json

HTTP 200
```

```expect
capture version = $.version
capture sub = $.sub
capture tick = $.tick
capture quote = $.quote
capture lines = $.lines
```

## Every quoting

```console
$ echo {{version}} "{{sub}}" '{{tick}}' {{quote}} "$(echo {{version}})" `echo {{sub}}`
$ cat <<EOF
> {{lines}} {{version}} "{{quote}}"
> EOF
$ printf '%s|' {{version}} "at {{sub}}" 'in {{tick}}' {{quote}} {{given}}
1.2"; touch [..]/x; echo "|at $(touch [..]/y)|in `touch [..]/z`|'; touch [..]/q; '|$(touch [..]/v) "; touch [..]/v2|
```
"#;
    fs::write(dir.path().join("inject.md"), runbook).unwrap();
    let given = format!("given=$(touch {0}/v) \"; touch {0}/v2", out.display());
    let site = format!("site={}", dir.path().join("site").display());
    let (output, report) = run_json(dir.path(), "inject.md", &["--var", &given, "--var", &site]);
    assert!(output.status.success(), "{report:#}");
    let made: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(made.is_empty(), "a value ran as a command: {made:?}");
}

#[test]
fn a_variable_the_shell_would_not_expand_is_a_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("quoted.md"),
        "# Q\n\n## Lane\n\n```console\n$ cat <<'EOF'\n> {{work}}\n> EOF\n```\n",
    )
    .unwrap();
    let output = fixture_kit(dir.path(), &["runbook", "run", "quoted.md"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("quoted.md:7:"), "{stderr}");
    assert!(stderr.contains("quoted delimiter"), "{stderr}");
}

#[test]
fn a_nul_byte_in_a_value_fails_the_step_clearly() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nul.md"),
        "# N\n\n## Lane\n<!-- must-fail: bad step -->\n\n```console\n$ printf '{\"v\": \"a\\\\u0000b\"}'\n```\n\n```expect\ncapture v = $.v\n```\n\n```console\n$ echo {{v}}\n```\n",
    )
    .unwrap();
    let (output, report) = run_json(dir.path(), "nul.md", &[]);
    assert!(output.status.success(), "{report:#}");
    let message = lane(&report, "lane")["failure"]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("NUL byte"), "{message}");
}

#[test]
fn what_a_step_detaches_ends_with_the_step_also_on_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let runbook = r#"# Leaks

## Detaches and returns

```console
$ (setsid sh -c 'echo $$ > {{out}}/after-exit; exec sleep 300' > /dev/null 2>&1 &); while ! test -s {{out}}/after-exit; do sleep 0.01; done
```

## Detaches and hangs
<!-- needs: -->
<!-- must-fail: step timed out -->

```console timeout=1s
$ (setsid sh -c 'echo $$ > {{out}}/after-timeout; exec sleep 300' > /dev/null 2>&1 &); sleep 300
```
"#;
    fs::write(dir.path().join("leak.md"), runbook).unwrap();
    let var = format!("out={}", out.display());
    let (output, report) = run_json(dir.path(), "leak.md", &["--var", &var]);
    assert!(output.status.success(), "{report:#}");
    for name in ["after-exit", "after-timeout"] {
        let pid = pid_in(&out.join(name));
        assert!(
            gone(pid),
            "the process of `{name}` (pid {pid}) outlived the run"
        );
    }
}

#[test]
fn a_daemon_that_detaches_itself_is_tracked_and_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let runbook = r#"# Daemonizing

## Start

```daemon name=web
$ (setsid sh -c 'echo $$ > {{out}}/first; exec python3 -m http.server {{port:web}} --bind 127.0.0.1' > /dev/null 2>&1 &); exit 0
ready http http://127.0.0.1:{{port:web}}/
```

```http
GET http://127.0.0.1:{{port:web}}/

HTTP 200
```

```stop
web
```

## Left running at the end

```daemon name=api
$ (setsid sh -c 'echo $$ > {{out}}/second; exec python3 -m http.server {{port:api}} --bind 127.0.0.1' > /dev/null 2>&1 &); exit 0
ready tcp 127.0.0.1:{{port:api}}
```
"#;
    fs::write(dir.path().join("forks.md"), runbook).unwrap();
    let var = format!("out={}", out.display());
    let (output, report) = run_json(dir.path(), "forks.md", &["--var", &var]);
    assert!(output.status.success(), "{report:#}");
    for name in ["first", "second"] {
        let pid = pid_in(&out.join(name));
        assert!(
            gone(pid),
            "the detached daemon `{name}` (pid {pid}) was left running"
        );
    }
}

#[test]
fn a_daemon_that_exits_fails_the_lane_unless_it_may() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = r#"# Exits

## Dies
<!-- needs: -->

```daemon name=web
$ echo ready; sleep 0.3; echo "going away" >&2; exit 3
ready log ready
```

```console
$ sleep 1
```

## Stopped after it died
<!-- needs: -->
<!-- must-fail: daemon exited -->

```stop
web
```

## Later
<!-- needs: -->
<!-- must-fail: wrong exit status -->

```console
$ false
```

## Allowed
<!-- needs: -->

```daemon name=once may-exit=yes
$ echo ready; exit 0
ready log ready
```

```console
$ sleep 0.3
```

```stop
once
```
"#;
    fs::write(dir.path().join("exits.md"), runbook).unwrap();
    let (output, report) = run_json(dir.path(), "exits.md", &[]);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let dies = lane(&report, "dies");
    assert_eq!(dies["status"], "broke", "{report:#}");
    let failure = &dies["failure"];
    assert_eq!(failure["reason"], "daemon exited", "{report:#}");
    assert_eq!(failure["exit_status"], "exit status 3", "{report:#}");
    let tails = failure["tails"].to_string();
    assert!(
        tails.contains("daemon web log (exited: exit status 3)"),
        "{tails}"
    );
    assert!(tails.contains("going away"), "{tails}");
    // The `stop` of `api` does not call it worked, and `web`'s old log is
    // not shown as live in later lanes.
    let stopped = lane(&report, "stopped-after-it-died");
    assert_eq!(stopped["status"], "broke as expected", "{report:#}");
    let later = lane(&report, "later");
    assert_eq!(later["status"], "broke as expected", "{report:#}");
    let tails = later["failure"]["tails"].to_string();
    assert!(!tails.contains("daemon web"), "{tails}");
    assert_eq!(lane(&report, "allowed")["status"], "worked", "{report:#}");
}

#[test]
fn output_is_bounded_and_says_what_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = "# Big\n\n## Prints 200 MB\n<!-- must-fail: wrong exit status -->\n\n\
                   ```console timeout=120s\n$ yes 0123456789 | head -c 200000000; exit 1\n```\n\n\
                   ## Differs in 200 MB\n<!-- must-fail: wrong output -->\n\n\
                   ```console timeout=120s\n$ yes 0123456789 | head -c 200000000\nother\n```\n";
    fs::write(dir.path().join("big.md"), runbook).unwrap();
    let child = fixture_kit(
        dir.path(),
        &["runbook", "run", "big.md", "--format", "json"],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        output.stdout.len() < 64 * 1024,
        "a report of {} bytes",
        output.stdout.len()
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let tails = report["lanes"][0]["failure"]["tails"].to_string();
    assert!(tails.contains("bytes cut from the middle"), "{tails}");
    let diff = report["lanes"][1]["failure"]["diff"].as_str().unwrap();
    assert!(diff.contains("[fixture-kit: "), "{diff}");
    // The largest process waited for (fixture-kit, or anything before it in
    // this test binary) stayed far below the 200 MB printed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we pass.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    let max_rss_kib = usage.ru_maxrss;
    assert!(max_rss_kib < 100 * 1024, "peak memory {max_rss_kib} KiB");
}

/// Gives the child the signal dispositions of a shell's foreground job,
/// whatever this test process inherited (a CI script's background job
/// ignores `SIGINT`).
fn with_default_signals(command: &mut Command) {
    // SAFETY: signal(2) is async-signal-safe; it runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            Ok(())
        });
    }
}

/// Starts a run that starts a daemon and a long step, waits for both,
/// sends `signal`, and checks that everything is gone and a report came.
fn stopped_by(signal: libc::c_int, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let runbook = r#"# Long

## Start

```daemon name=web
$ echo $$ > {{out}}/daemon; exec python3 -m http.server {{port:web}} --bind 127.0.0.1
ready tcp 127.0.0.1:{{port:web}}
```

## Wait

```console timeout=600s
$ echo {{tmp}} > {{out}}/tmp; (setsid sh -c 'echo $$ > {{out}}/detached; exec sleep 300' > /dev/null 2>&1 &); echo $$ > {{out}}/step; sleep 300
```

## Never

```console
$ true
```
"#;
    fs::write(dir.path().join("long.md"), runbook).unwrap();
    let var = format!("out={}", out.display());
    let mut command = fixture_kit(
        dir.path(),
        &[
            "runbook", "run", "long.md", "--format", "json", "--var", &var,
        ],
    );
    command.stdout(Stdio::piped());
    with_default_signals(&mut command);
    let child: Child = command.spawn().unwrap();
    let pids: Vec<u32> = ["daemon", "step", "detached"]
        .iter()
        .map(|name| pid_in(&out.join(name)))
        .collect();
    let tmp = fs::read_to_string(out.join("tmp")).unwrap();
    let tmp = Path::new(tmp.trim());
    assert!(tmp.is_dir());
    // SAFETY: kill(2) sends a signal to the child we started.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(128 + signal), "{name}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["problem"].as_str().unwrap().contains(name),
        "{report:#}"
    );
    assert_eq!(lane(&report, "start")["status"], "worked", "{report:#}");
    let wait = lane(&report, "wait");
    assert_eq!(wait["failure"]["reason"], "interrupted", "{report:#}");
    assert_eq!(
        lane(&report, "never")["status"],
        "not reached",
        "{report:#}"
    );
    for pid in pids {
        assert!(gone(pid), "pid {pid} outlived the run stopped by {name}");
    }
    assert!(!tmp.exists(), "{} was left behind", tmp.display());
}

#[test]
fn sigterm_stops_everything_and_writes_the_report() {
    stopped_by(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_stops_everything_and_writes_the_report() {
    stopped_by(libc::SIGINT, "SIGINT");
}

#[test]
fn sigterm_to_verify_stops_the_agent_cli_and_removes_its_working_copy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let fixture = dir.path().join("fixtures/topic/task/architect");
    fs::create_dir_all(&fixture).unwrap();
    fs::write(fixture.join("prompt.md"), "Design it.\n").unwrap();
    fs::write(fixture.join("expected.json"), common::SPEC).unwrap();
    let agent = dir.path().join("agent.sh");
    fs::write(
        &agent,
        format!(
            "pwd > {0}/cwd\n\
             (setsid sh -c 'echo $$ > {0}/detached; exec sleep 300' > /dev/null 2>&1 &)\n\
             echo $$ > {0}/agent\n\
             sleep 300\n",
            out.display()
        ),
    )
    .unwrap();
    let agent_cmd = format!("sh {}", agent.display());
    let mut command = fixture_kit(dir.path(), &["verify", "--agent-cmd", &agent_cmd]);
    command
        .env_remove("UPDATE_GOLDENS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    with_default_signals(&mut command);
    let child = command.spawn().unwrap();
    let pids: Vec<u32> = ["agent", "detached"]
        .iter()
        .map(|name| pid_in(&out.join(name)))
        .collect();
    let workdir = fs::read_to_string(out.join("cwd")).unwrap();
    let workdir = Path::new(workdir.trim());
    assert!(workdir.is_dir());
    // SAFETY: kill(2) sends a signal to the child we started.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(143), "{text}");
    assert!(text.contains("stopped by SIGTERM"), "{text}");
    for pid in pids {
        assert!(gone(pid), "pid {pid} outlived the stopped verify");
    }
    assert!(!workdir.exists(), "{} was left behind", workdir.display());
}

//! Runbooks end to end: real processes and real sockets on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use fixture_runtime::runbook::{run, LaneStatus, Options, Reason, Report, Runbook};

fn run_text(text: &str, lane: Option<&str>, vars: &[(&str, &str)]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.md");
    std::fs::write(&path, text).unwrap();
    let runbook = Runbook::load(&path).unwrap_or_else(|err| panic!("{err}"));
    let options = Options {
        lane: lane.map(str::to_owned),
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    run(&runbook, &options)
}

fn statuses(report: &Report) -> Vec<LaneStatus> {
    report.lanes.iter().map(|l| l.status).collect()
}

fn reason(report: &Report, lane: usize) -> Reason {
    let failure = report.lanes[lane].failure.as_ref();
    failure
        .unwrap_or_else(|| panic!("no failure:\n{report}"))
        .reason
}

/// Running, as opposed to gone or a zombie waiting to be reaped.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(") ")
            .is_some_and(|(_, s)| s.starts_with('Z'))
    })
}

fn gone_soon(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

fn read_pid(path: &Path) -> u32 {
    let text = std::fs::read_to_string(path).unwrap();
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is no pid"))
}

const LEAVES_PROCESSES: &str = r#"
## Start
```daemon name=sleeper
$ echo started; echo $$ > {{pids}}/daemon; exec sleep 300
ready log started
```

```console
$ sleep 300 & echo $! > {{pids}}/background
```

```console
$ test -s {{pids}}/daemon
```
"#;

#[test]
fn no_process_outlives_a_broken_lane() {
    let pids = tempfile::tempdir().unwrap();
    let dir = pids.path().to_str().unwrap();
    let text = format!("{LEAVES_PROCESSES}\n```console\n$ false\n```\n");
    let report = run_text(&text, None, &[("pids", dir)]);
    assert_eq!(statuses(&report), [LaneStatus::Broke], "{report}");
    assert_eq!(reason(&report, 0), Reason::WrongExitStatus);
    for name in ["daemon", "background"] {
        let pid = read_pid(&pids.path().join(name));
        assert!(gone_soon(pid), "the {name} process {pid} outlived the run");
    }
}

#[test]
fn no_process_outlives_a_lane_that_works() {
    let pids = tempfile::tempdir().unwrap();
    let report = run_text(
        LEAVES_PROCESSES,
        None,
        &[("pids", pids.path().to_str().unwrap())],
    );
    assert!(report.passed(), "{report}");
    for name in ["daemon", "background"] {
        let pid = read_pid(&pids.path().join(name));
        assert!(gone_soon(pid), "the {name} process {pid} outlived the run");
    }
}

#[test]
fn a_daemon_that_is_not_ready_is_stopped_at_once_and_its_log_shown() {
    let pids = tempfile::tempdir().unwrap();
    let text = r#"
## Start
```daemon name=mute timeout=300ms
$ echo "booting"; echo $$ > {{pids}}/daemon; exec sleep 300
ready tcp 127.0.0.1:{{port:mute}}
```
"#;
    let started = Instant::now();
    let report = run_text(text, None, &[("pids", pids.path().to_str().unwrap())]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(reason(&report, 0), Reason::DaemonNotReady);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert!(
        failure.message.contains("was not ready within 0.3s"),
        "{report}"
    );
    assert_eq!(
        failure.tails,
        [("daemon mute log".to_owned(), "booting".to_owned())]
    );
    assert!(gone_soon(read_pid(&pids.path().join("daemon"))));
}

#[test]
fn a_daemon_that_exits_early_says_how_it_ended() {
    let text = "## a\n```daemon name=crash\n$ echo oops >&2; exit 4\nready log never\n```\n";
    let report = run_text(text, None, &[]);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::DaemonNotReady);
    assert!(
        failure
            .message
            .contains("daemon `crash` ended (exit status 4) before `ready log never` succeeded"),
        "{report}"
    );
    assert_eq!(failure.tails[0].1, "oops");
}

const THREE_LANES: &str = r#"
## Make an id
```console
$ echo '{"session": {"id": "s-42"}}'
```
```expect
capture session_id = $.session.id
```

## Unrelated
<!-- needs: -->
```console
$ exit 1
```

## Use the id
<!-- needs: make-an-id -->
```console
$ echo "session {{session_id}}"
session s-42
```
"#;

#[test]
fn one_lane_runs_after_the_lanes_it_needs_and_uses_their_captures() {
    let report = run_text(THREE_LANES, Some("use-the-id"), &[]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Worked, LaneStatus::Skipped, LaneStatus::Worked],
        "{report}"
    );
    assert!(report.passed());
}

#[test]
fn lanes_after_a_broken_lane_they_need_are_not_reached() {
    let text = THREE_LANES.replace("$ echo '{\"session\"", "$ false && echo '{\"session\"");
    let report = run_text(&text, None, &[]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Broke, LaneStatus::Broke, LaneStatus::NotReached],
        "{report}"
    );
    assert_eq!(
        report.lanes[2].note.as_deref(),
        Some("needs `make-an-id`, which broke")
    );
    let text = report.to_string();
    assert!(text.contains("  not reached        use-the-id\n"), "{text}");
    assert!(text.ends_with("FAILED: 0 worked, 0 broke as expected, 2 broke, 1 not reached\n"));
}

#[test]
fn an_unknown_lane_is_a_problem_naming_the_lanes() {
    let report = run_text(THREE_LANES, Some("nope"), &[]);
    assert!(!report.passed());
    assert_eq!(
        report.problem.as_deref(),
        Some("no lane `nope` in this runbook: it has make-an-id, unrelated, use-the-id")
    );
    let report = run_text(THREE_LANES, Some("use-teh-id"), &[]);
    assert_eq!(
        report.problem.as_deref(),
        Some(
            "no lane `use-teh-id` in this runbook: it has make-an-id, unrelated, use-the-id; \
             did you mean `use-the-id`?"
        )
    );
}

#[test]
fn must_fail_lanes_pass_only_by_breaking_for_their_reason() {
    let text = r#"
## Breaks as it must
<!-- must-fail: wrong exit status -->
```console
$ exit 2
```

## Breaks for another reason
<!-- needs: -->
<!-- must-fail: step timed out -->
```console
$ exit 2
```

## Does not break
<!-- needs: -->
<!-- must-fail: wrong output -->
```console
$ echo fine
fine
```
"#;
    let report = run_text(text, None, &[]);
    assert_eq!(
        statuses(&report),
        [
            LaneStatus::BrokeAsExpected,
            LaneStatus::Broke,
            LaneStatus::Broke
        ]
    );
    assert_eq!(
        report.lanes[1].note.as_deref(),
        Some("must fail with `step timed out`, but broke with `wrong exit status`")
    );
    assert_eq!(reason(&report, 2), Reason::DidNotFail);
    assert!(!report.passed());
    assert!(run_text(text, Some("breaks-as-it-must"), &[]).passed());
}

#[test]
fn output_mismatch_shows_a_diff_and_the_tails() {
    let text =
        "## a\n```console\n$ printf 'one\\ntwo\\nthree\\n'; echo warn >&2\none\n[..]o\nfour\n```\n";
    let report = run_text(text, None, &[]);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::WrongOutput);
    let diff = failure.diff.as_deref().unwrap();
    assert!(diff.contains("-four") && diff.contains("+three"), "{diff}");
    assert_eq!(failure.exit_status.as_deref(), Some("exit status 0"));
    assert_eq!(
        failure.tails,
        [
            ("stdout".to_owned(), "one\ntwo\nthree".to_owned()),
            ("stderr".to_owned(), "warn".to_owned())
        ]
    );
}

#[test]
fn poll_retries_until_the_condition_holds_or_time_is_up() {
    let text = r#"
## Wait for a flag
```daemon name=flagger
$ echo started; sleep 0.3; touch flag; exec sleep 300
ready log started
```
```console poll=5s every=50ms
$ test -f flag
```

## Wait in vain
```console poll=300ms every=50ms
$ test -f never
```
"#;
    let report = run_text(text, None, &[]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Worked, LaneStatus::Broke],
        "{report}"
    );
    let failure = report.lanes[1].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::WrongExitStatus);
    assert!(
        failure.message.contains("still failing after"),
        "{}",
        failure.message
    );
}

/// Reads a request's head, up to its blank line, waiting at most `within`
/// for each read.
fn read_head(stream: &TcpStream, within: Duration) -> String {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    head
}

/// Serves each canned response to one connection, in order, on 127.0.0.1;
/// returns the port and the request heads it received.
fn serve(responses: Vec<String>, hold: Duration) -> (u16, thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let mut heads = Vec::new();
        for response in responses {
            let (mut stream, _) = listener.accept().unwrap();
            heads.push(read_head(&stream, Duration::from_secs(5)));
            let _ = stream.write_all(response.as_bytes());
            let _ = stream.flush();
            thread::sleep(hold);
        }
        heads
    });
    (port, handle)
}

fn http_response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn http_steps_check_status_headers_and_json_envelopes() {
    let envelope = r#"{"error": {"code": "METHOD_NOT_ALLOWED", "message": "DELETE not allowed"}}"#;
    let (port, server) = serve(
        vec![
            http_response("405 Method Not Allowed", "application/json", envelope),
            http_response("404 Not Found", "text/plain", "no route"),
        ],
        Duration::ZERO,
    );
    let text = r#"
## Envelope
```http
DELETE http://127.0.0.1:{{port}}/health
X-Session: s-1

HTTP 405
Content-Type: application/json

{"error": {"code": "METHOD_NOT_ALLOWED"}}
```

## Header
```http
GET http://127.0.0.1:{{port}}/nowhere

HTTP 404
Content-Type: application/json
```
"#;
    let report = run_text(text, None, &[("port", &port.to_string())]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Worked, LaneStatus::Broke],
        "{report}"
    );
    let failure = report.lanes[1].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::WrongHttpHeader);
    assert_eq!(
        failure.message,
        "header `Content-Type`: expected `application/json`, got `text/plain`"
    );
    assert_eq!(
        failure.tails,
        [("response body".to_owned(), "no route".to_owned())]
    );
    let heads = server.join().unwrap();
    assert!(
        heads[0].starts_with("DELETE /health HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(heads[0].to_ascii_lowercase().contains("x-session: s-1"));
}

fn event_stream(events: &str) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n{events}")
}

#[test]
fn sse_reads_the_first_events_and_captures_a_cursor() {
    let events = "id: 7\nevent: session\ndata: {\"seq\": 7}\n\nid: 8\ndata: {\"seq\": 8}\n\nid: 9\ndata: {\"seq\": 9}\n\n";
    let (port, server) = serve(vec![event_stream(events)], Duration::from_secs(2));
    let text = r#"
## Replay
```sse
GET http://127.0.0.1:{{port}}/events
Last-Event-ID: 6

id: 7
event: session
data: {"seq": 7}

data: {"seq": 8}
```
```expect
$[1].data = {"seq": 8}
capture cursor = $[1].id
```
```console
$ echo "cursor {{cursor}}"
cursor 8
```
"#;
    let started = Instant::now();
    let report = run_text(text, None, &[("port", &port.to_string())]);
    assert!(report.passed(), "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the step waited for the stream to end"
    );
    let heads = server.join().unwrap();
    assert!(heads[0].to_ascii_lowercase().contains("last-event-id: 6"));
    assert!(heads[0]
        .to_ascii_lowercase()
        .contains("accept: text/event-stream"));
}

#[test]
fn sse_says_when_the_stream_stalls_or_sends_other_events() {
    let one = event_stream("id: 1\ndata: {\"seq\": 1}\n\n");
    let (stalls, _a) = serve(vec![one.clone()], Duration::from_secs(3));
    let (closes, _b) = serve(vec![one], Duration::ZERO);
    let text = r#"
## Stalls
```sse timeout=500ms
GET http://127.0.0.1:{{stalls}}/events

data: {"seq": 1}

data: {"seq": 2}
```

## Other events
<!-- needs: -->
```sse
GET http://127.0.0.1:{{closes}}/events

data: {"seq": 2}
```
"#;
    let (stalls, closes) = (stalls.to_string(), closes.to_string());
    let report = run_text(text, None, &[("stalls", &stalls), ("closes", &closes)]);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::StepTimedOut, "{report}");
    assert!(
        failure.message.starts_with("expected 2 events, got 1"),
        "{}",
        failure.message
    );
    let failure = report.lanes[1].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::WrongEvents, "{report}");
    assert_eq!(
        failure.message,
        "event 1: `data` expected `{\"seq\": 2}`, got `{\"seq\": 1}`"
    );
}

#[test]
fn each_run_is_isolated_with_its_own_home_and_folders() {
    let text = r#"
## Where
```console
$ echo "$HOME|$XDG_DATA_HOME|$PWD|$GIT_CONFIG_NOSYSTEM"
{{home}}|{{data_dir}}|{{work}}|1
$ case "{{home}}" in "{{tmp}}"/*) echo inside;; esac
inside
```
"#;
    let report = run_text(text, None, &[]);
    assert!(report.passed(), "{report}");
}

#[test]
fn json_report_names_lanes_status_and_failure() {
    let report = run_text(THREE_LANES, None, &[]);
    let json = report.to_json();
    assert_eq!(json["passed"], false);
    assert_eq!(json["lanes"][0]["status"], "worked");
    assert_eq!(json["lanes"][1]["status"], "broke");
    assert_eq!(json["lanes"][1]["failure"]["reason"], "wrong exit status");
    assert_eq!(json["lanes"][1]["failure"]["action"], "$ exit 1");
    assert_eq!(json["lanes"][1]["failure"]["exit_status"], "exit status 1");
    assert_eq!(json["lanes"][2]["status"], "worked");
}

/// Serves one event stream that sends `events` and then never closes: it
/// waits until the client hangs up (or 30 s pass), and returns how long the
/// connection stayed open.
fn serve_open_stream(events: &'static str) -> (u16, thread::JoinHandle<Duration>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let opened = Instant::now();
        read_head(&stream, Duration::from_secs(30));
        stream.write_all(event_stream(events).as_bytes()).unwrap();
        stream.flush().unwrap();
        // Never closes: reads until the client hangs up.
        let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
        opened.elapsed()
    });
    (port, handle)
}

#[test]
fn an_sse_step_ends_when_its_events_arrived_though_the_stream_stays_open() {
    let (port, server) =
        serve_open_stream("id: 1\ndata: {\"seq\": 1}\n\nid: 2\ndata: {\"seq\": 2}\n\n");
    let text = r#"
## Two events
```sse timeout=20s
GET http://127.0.0.1:{{port}}/events

id: 1

data: {"seq": 2}
```
"#;
    let started = Instant::now();
    let report = run_text(text, None, &[("port", &port.to_string())]);
    assert!(report.passed(), "{report}");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "the step waited {took:?}, most of its 20 s timeout"
    );
    let open = server.join().unwrap();
    assert!(
        open < Duration::from_secs(10),
        "the stream stayed open {open:?}"
    );
}

#[test]
fn an_sse_step_stops_at_the_first_event_that_differs() {
    let (port, server) = serve_open_stream("id: 1\ndata: {\"seq\": 9}\n\n");
    let text = r#"
## Other event
```sse timeout=20s
GET http://127.0.0.1:{{port}}/events

data: {"seq": 1}

data: {"seq": 2}
```
"#;
    let started = Instant::now();
    let report = run_text(text, None, &[("port", &port.to_string())]);
    assert_eq!(reason(&report, 0), Reason::WrongEvents, "{report}");
    assert!(started.elapsed() < Duration::from_secs(10), "{report}");
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(
        failure.message,
        "event 1: `data` expected `{\"seq\": 1}`, got `{\"seq\": 9}`"
    );
    server.join().unwrap();
}

/// An event stream on one connection, and on the next ones a `POST` that
/// makes the stream send an event: the server of an orchestrator whose
/// actions show up as events.
fn serve_stream_and_actions(posts: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (send, created) = std::sync::mpsc::channel::<usize>();
        let head = |stream: &TcpStream| read_head(stream, Duration::from_secs(10));
        let (mut events, _) = listener.accept().unwrap();
        assert!(head(&events).starts_with("GET /events"));
        let stream = thread::spawn(move || {
            let _ = events.write_all(event_stream("data: {\"seq\": 1}\n\n").as_bytes());
            while let Ok(n) = created.recv_timeout(Duration::from_secs(10)) {
                let event = format!("data: {{\"seq\": {}, \"kind\": \"created\"}}\n\n", n + 1);
                let _ = events.write_all(event.as_bytes());
                let _ = events.flush();
            }
            // The stream stays open until the client hangs up.
            let _ = std::io::Read::read_to_end(&mut events, &mut Vec::new());
        });
        for n in 1..=posts {
            let (mut post, _) = listener.accept().unwrap();
            assert!(head(&post).starts_with("POST /sessions"));
            let _ =
                post.write_all(http_response("201 Created", "application/json", "{}").as_bytes());
            send.send(n).unwrap();
        }
        drop(send);
        stream.join().unwrap();
    });
    port
}

#[test]
fn a_kept_stream_receives_the_event_an_action_causes() {
    let text = r#"
## Act while the stream is open
```sse name=changes
GET http://127.0.0.1:{{port}}/events

data: {"seq": 1}
```
```http
POST http://127.0.0.1:{{port}}/sessions

HTTP 201
```
```sse from=changes timeout=5s
data: {"seq": 2, "kind": "created"}
```
```expect
$[0].data.seq = 2
```

## Expect an event nothing causes
<!-- needs: -->
```sse name=quiet
GET http://127.0.0.1:{{other}}/events

data: {"seq": 1}
```
```sse from=quiet timeout=300ms
data: {"seq": 2}
```
"#;
    let port = serve_stream_and_actions(1).to_string();
    let other = serve_stream_and_actions(0).to_string();
    let report = run_text(text, None, &[("port", &port), ("other", &other)]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Worked, LaneStatus::Broke],
        "{report}"
    );
    assert_eq!(reason(&report, 1), Reason::StepTimedOut);
    let failure = report.lanes[1].failure.as_ref().unwrap();
    assert_eq!(
        failure.message,
        "expected 1 events, got 0: no event came in time"
    );
}

#[test]
fn reports_say_how_long_each_step_and_lane_took() {
    let text = "## Slow\n```console\n$ sleep 0.3\n$ true\n```\n## Never\n```console\n$ false\n```\n## After\n```console\n$ true\n```\n";
    let report = run_text(text, None, &[]);
    let slow = &report.lanes[0];
    assert_eq!(slow.timings.len(), 2);
    assert!(slow.timings[0].duration >= Duration::from_millis(300));
    assert!(slow.duration.unwrap() >= slow.timings[0].duration);
    assert_eq!(report.lanes[2].duration, None, "not reached: no time");
    let json = report.to_json();
    assert!(json["lanes"][0]["duration_ms"].as_u64().unwrap() >= 300);
    assert_eq!(json["lanes"][0]["step_durations"][1]["step"], 2);
    assert_eq!(json["lanes"][0]["step_durations"][1]["line"], 4);
    assert!(
        json["lanes"][0]["step_durations"][0]["duration_ms"]
            .as_u64()
            .unwrap()
            >= 300
    );
    assert_eq!(json["lanes"][2]["duration_ms"], serde_json::Value::Null);
    let text = report.to_string();
    for pattern in [
        r"(?m)^  worked             slow \(2 steps, \d+\.\d\ds\)$",
        r"(?m)^      steps took: 1 \d+\.\d\ds, 2 \d+\.\d\ds$",
        r"(?m)^  broke              never \(at step 1 of 1, \d+\.\d\ds\)$",
        r"(?m)^  not reached        after$",
    ] {
        assert!(
            regex::Regex::new(pattern).unwrap().is_match(&text),
            "{pattern}\n{text}"
        );
    }
}

#[test]
fn a_diff_past_wildcards_marks_only_the_line_that_differs() {
    let text = "## a\n```console\n$ printf 'start\\nx\\ny\\nid 7\\nstate stopped\\nend\\n'\nstart\n...\nid [..]\nstate running\nend\n```\n";
    let report = run_text(text, None, &[]);
    let diff = report.lanes[0]
        .failure
        .as_ref()
        .unwrap()
        .diff
        .clone()
        .unwrap();
    let marked: Vec<&str> = diff
        .lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
        .filter(|l| l.starts_with('-') || l.starts_with('+'))
        .collect();
    assert_eq!(marked, ["-state running", "+state stopped"], "{diff}");
}

#[test]
fn finally_steps_run_and_fs_changes_are_undone_when_a_lane_breaks() {
    let text = r#"
## Breaks
```console
$ mkdir locked && chmod 750 locked
```
```fs
chmod 500 locked
```
```console
$ false
```
```console
$ echo never > skipped
```
<!-- finally -->
```console
$ stat -c %a locked > seen-in-finally
```
```console
$ echo second > finally-2
```

## Afterwards
<!-- needs: -->
```console
$ cat seen-in-finally finally-2; stat -c %a locked; test -e skipped
500
second
750
? 1
```
"#;
    let report = run_text(text, None, &[]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Broke, LaneStatus::Worked],
        "{report}"
    );
    let breaks = &report.lanes[0];
    assert_eq!(breaks.failure.as_ref().unwrap().step, Some(3));
    let ran: Vec<usize> = breaks.timings.iter().map(|t| t.step).collect();
    assert_eq!(ran, [1, 2, 3, 5, 6], "the step after the break is skipped");
}

#[test]
fn a_finally_step_that_breaks_fails_a_lane_that_worked() {
    let text = "## a\n```console\n$ true\n```\n<!-- finally -->\n```console\n$ exit 4\n```\n";
    let report = run_text(text, None, &[]);
    assert_eq!(reason(&report, 0), Reason::WrongExitStatus, "{report}");
    assert_eq!(report.lanes[0].failure.as_ref().unwrap().step, Some(2));
}

#[test]
fn block_environment_changes_last_for_that_block() {
    let text = r#"
## Env
```console
env PATH=/usr/bin:/bin
env GREETING=hi {{who}}
unset HOME
$ echo "$PATH|$GREETING|${HOME-unset}"
/usr/bin:/bin|hi you|unset
```
```console
$ echo "${GREETING-none}|$HOME"
none|{{home}}
```
"#;
    let report = run_text(text, None, &[("who", "you")]);
    assert!(report.passed(), "{report}");
}

#[test]
fn http_status_classes_and_exclusions() {
    let (port, _server) = serve(
        vec![
            http_response("404 Not Found", "text/plain", "no"),
            http_response("404 Not Found", "text/plain", "no"),
            http_response("405 Method Not Allowed", "text/plain", "no"),
        ],
        Duration::ZERO,
    );
    let text = r#"
## Class
```http
GET http://127.0.0.1:{{port}}/a

HTTP 4xx
```
## Not 405
```http
GET http://127.0.0.1:{{port}}/b

HTTP not 405
```
## Not 405 again
```http
GET http://127.0.0.1:{{port}}/c

HTTP not 405
```
"#;
    let report = run_text(text, None, &[("port", &port.to_string())]);
    assert_eq!(
        statuses(&report),
        [LaneStatus::Worked, LaneStatus::Worked, LaneStatus::Broke],
        "{report}"
    );
    let failure = report.lanes[2].failure.as_ref().unwrap();
    assert_eq!(failure.reason, Reason::WrongHttpStatus);
    assert_eq!(failure.message, "expected HTTP not 405, got 405");
}

#[test]
fn exit_status_sets_and_any() {
    let text = "## a\n```console\n$ exit 1\n? 0|1\n$ exit 7\n? any\n$ exit 2\n? 0|1\n```\n";
    let report = run_text(text, None, &[]);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(
        (failure.step, failure.reason),
        (Some(3), Reason::WrongExitStatus)
    );
    assert_eq!(
        failure.message,
        "expected exit status 0 or 1, got exit status 2"
    );
}

#[test]
fn waiting_for_a_daemon_log_line() {
    let text = r#"
## Wait
```daemon name=slow
$ echo booting; sleep 0.3; echo "listening on 4242"; exec sleep 30
ready log booting
```
```expect
log slow /listening on \d+/ within 5s
```
"#;
    let report = run_text(text, None, &[]);
    assert!(report.passed(), "{report}");
    let missed = text.replace("/listening on \\d+/ within 5s", "/ready/ within 200ms");
    let report = run_text(&missed, None, &[]);
    assert_eq!(reason(&report, 0), Reason::MissedLogLine, "{report}");
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert!(
        failure
            .message
            .contains("no line of daemon `slow`'s log matched `ready` within 0.2s"),
        "{report}"
    );
    assert!(failure
        .tails
        .iter()
        .any(|(label, _)| label == "daemon slow log"));
}

#[test]
fn an_fs_change_that_cannot_be_undone_breaks_the_lane() {
    let text =
        "## a\n```console\n$ touch f\n```\n```fs\nchmod 600 f\n```\n```console\n$ rm f\n```\n";
    let report = run_text(text, None, &[]);
    let failure = report.lanes[0].failure.as_ref().unwrap();
    assert_eq!(
        (failure.step, failure.reason),
        (None, Reason::BadStep),
        "{report}"
    );
    assert!(
        failure.message.starts_with(
            "the lane's `fs` changes could not all be undone:\ncannot restore the mode of "
        ),
        "{report}"
    );
}

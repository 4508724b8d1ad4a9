//! Replay-scenario benchmarks: load and validate a 2 MB scenario, and the
//! scrubber's throughput, each beside a baseline over the same bytes; and
//! the scrubber on adversarial shapes at 1 and 4 MB, where equal MB/s
//! means linear time.
//!
//! `cargo bench -p fixture-runtime --bench scenarios` prints medians over
//! `RUNS` runs; the figures go into `BENCHMARKS.md`.

use std::collections::VecDeque;
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::sync::Mutex;

use fixture_runtime::scenario::stream_json::Transcript;
use fixture_runtime::scenario::{
    validate, CliCall, CliError, CliOutput, CliRunner, Limits, RecordingCli, ScenarioPlayer,
};
use fixture_runtime::scrub::Scrubber;

#[path = "support/timing.rs"]
mod timing;
use timing::time;

const RUNS: usize = 30;

/// Answers calls with prepared outputs.
struct Scripted(Mutex<VecDeque<CliOutput>>);

impl CliRunner for Scripted {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        self.0.lock().unwrap().pop_front().ok_or_else(|| CliError {
            step: call.step.clone(),
            message: "no output prepared".into(),
        })
    }
}

/// Ordinary text: this crate's own source, repeated to `len` bytes.
fn corpus(len: usize) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut text = String::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            text.push_str(&fs::read_to_string(entry.path()).unwrap());
        }
    }
    let mut out = String::with_capacity(len + text.len());
    while out.len() < len {
        out.push_str(&text);
    }
    out.truncate(char_boundary(&out, len));
    out
}

/// Records a scenario of about `total` bytes: sessions whose tool results
/// carry ordinary text, each `stdout.jsonl` under the 200 KB limit.
fn record_scenario(dir: &Path, total: usize) {
    let per_session = 140 * 1024;
    let text = corpus(per_session);
    let mut outputs = VecDeque::new();
    // JSON escaping and the line envelopes add about 15 %.
    let sessions = total / (per_session * 115 / 100) + 1;
    for n in 0..sessions {
        let mut t = Transcript::new(&format!("session-{n}"), "model", "/project");
        t.text("Reading the sources.");
        for chunk in text.as_bytes().chunks(8 * 1024) {
            let id = t.tool_use("Read", serde_json::json!({"file_path": "src/lib.rs"}));
            t.tool_result(&id, std::str::from_utf8(chunk).unwrap_or("binary"), false);
        }
        t.result("done", false);
        outputs.push_back(t.output(0));
    }
    let recorder = RecordingCli::new(
        Scripted(Mutex::new(outputs)),
        dir,
        Path::new("/project"),
        serde_json::json!({"bench": true}),
    )
    .unwrap();
    for n in 0..sessions {
        recorder
            .run(&CliCall::agent(&format!("step{n}"), "agent"))
            .unwrap();
    }
    recorder.finish("done").unwrap();
}

/// The largest char boundary at or below `index`.
fn char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

fn main() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("big");
    record_scenario(&dir, 2 * 1024 * 1024);
    let bytes = dir_size(&dir);
    let limits = Limits::default();
    assert_eq!(
        validate(&dir, &limits),
        Vec::new(),
        "the bench scenario is sound"
    );

    let load_validate = time(RUNS, || {
        black_box(ScenarioPlayer::load(&dir).unwrap());
        black_box(validate(&dir, &limits));
    });
    let read_only = time(RUNS, || {
        for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            if entry.file_type().is_file() {
                black_box(fs::read(entry.path()).unwrap());
            }
        }
    });
    println!(
        "load+validate {:.2} MB scenario: median {:.2} ms over {RUNS} runs (baseline, reading its files: {:.2} ms)",
        bytes as f64 / 1e6,
        load_validate.as_secs_f64() * 1e3,
        read_only.as_secs_f64() * 1e3,
    );

    let mut text = corpus(4 * 1024 * 1024);
    let secret = ["gh", "p_", &"FAKEtoken0".repeat(4)[..36]].concat();
    for n in 0..64 {
        let at = char_boundary(&text, n * 64 * 1024);
        text.insert_str(at, &format!(" {secret} "));
    }
    let scrubber = Scrubber::global();
    let scrubbed = scrubber.scrub(&text);
    assert!(!scrubbed.contains(&secret) && scrubbed.len() < text.len());
    let scrub = time(RUNS, || {
        black_box(scrubber.scrub(black_box(&text)).into_owned());
    });
    let copy = time(RUNS, || {
        black_box(black_box(&text).to_owned());
    });
    let mb = text.len() as f64 / 1e6;
    println!(
        "scrub {mb:.2} MB of source text with 64 tokens: median {:.2} ms = {:.0} MB/s over {RUNS} runs (baseline, str::to_owned: {:.0} MB/s)",
        scrub.as_secs_f64() * 1e3,
        mb / scrub.as_secs_f64(),
        mb / copy.as_secs_f64(),
    );

    adversarial(scrubber);
}

/// Shapes that would make a naive scanner rescan or backtrack, each at 1
/// and 4 MB: the same MB/s at both sizes means the time is linear.
fn adversarial(scrubber: &Scrubber) {
    let begin = ["-----BEGIN ", "PRIVATE KEY-----"].concat();
    let shapes = [
        ("`token:` repeated", "token:".to_owned()),
        ("`API_KEY=A_KEY=` repeated", "API_KEY=A_KEY=".to_owned()),
        (
            "`Authorization=abcdefgh ` repeated",
            "Authorization=abcdefgh ".to_owned(),
        ),
        ("unterminated PEM blocks", format!("{begin}\nAAAA")),
        ("`https://u:p` repeated", "https://u:p".to_owned()),
        (
            "`key ` repeated (every line a candidate)",
            "key ".to_owned(),
        ),
        ("one long line of `sk-` fragments", "sk-".to_owned()),
    ];
    for (name, unit) in shapes {
        let rates: Vec<String> = [1_000_000usize, 4_000_000]
            .iter()
            .map(|&size| {
                let text = unit.repeat(size / unit.len());
                let took = time(RUNS, || {
                    black_box(scrubber.scrub(black_box(&text)));
                });
                format!(
                    "{:.0} MB/s at {} MB",
                    size as f64 / 1e6 / took.as_secs_f64(),
                    size / 1_000_000
                )
            })
            .collect();
        println!("scrub {name}: {}", rates.join(", "));
    }
}

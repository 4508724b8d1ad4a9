//! Property tests of the readers of recorded and hand-written input: the
//! scenario loader and the runbook parser. Whatever the bytes, they answer
//! or fail with a message naming the file; they never panic, overflow the
//! stack or hang. Inputs are the bundled scenarios and runbooks, cut up and
//! mutated, and any text at all. `PROPTEST_CASES` runs more cases (see the
//! README).

use std::fs;
use std::path::{Path, PathBuf};

use fixture_runtime::runbook::Runbook;
use fixture_runtime::scenario::cassette::check_jsonl;
use fixture_runtime::scenario::{validate, Limits, ScenarioManifest, ScenarioPlayer};
use proptest::prelude::*;
use proptest::sample::select;

/// Copies of the bundled scenarios and runbooks, kept inside this package.
fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every line of the files below `dir` with this extension (sorted).
fn corpus_lines(dir: &str, ext: &str) -> Vec<String> {
    let mut lines: Vec<String> = walkdir::WalkDir::new(data().join(dir))
        .into_iter()
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|e| e == ext))
        .flat_map(|entry| {
            fs::read_to_string(entry.path())
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// A line of the corpus, sometimes cut short or with text spliced in.
fn mutated_line(corpus: Vec<String>) -> impl Strategy<Value = String> {
    (
        select(corpus),
        any::<prop::sample::Index>(),
        ".{0,12}",
        0..4u8,
    )
        .prop_map(|(line, at, noise, how)| {
            let cut = line
                .char_indices()
                .map(|(i, _)| i)
                .nth(at.index(line.chars().count().max(1)))
                .unwrap_or(line.len());
            match how {
                0 => line[..cut].to_owned(),
                1 => format!("{}{noise}{}", &line[..cut], &line[cut..]),
                _ => line,
            }
        })
}

// --- runbooks -------------------------------------------------------------

fn runbook_text() -> impl Strategy<Value = String> {
    let corpus = corpus_lines("runbooks", "md");
    prop::collection::vec(
        prop_oneof![
            8 => mutated_line(corpus),
            1 => ".{0,30}",
            1 => Just("```".to_owned()),
            1 => Just("## lane".to_owned()),
        ],
        0..60,
    )
    .prop_map(|lines| lines.join("\n"))
}

fn check_runbook(text: &str) -> Result<(), TestCaseError> {
    if let Err(err) = Runbook::parse("fuzz.md", text) {
        let lines = text.lines().count().max(1);
        prop_assert!(
            err.line <= lines + 1,
            "the error names line {} of {lines}: {}",
            err.line,
            err.message
        );
        prop_assert!(!err.message.is_empty());
    }
    Ok(())
}

proptest! {
    #[test]
    fn runbooks_made_of_real_lines_parse_or_name_a_line(text in runbook_text()) {
        check_runbook(&text)?;
    }

    #[test]
    fn any_text_is_a_runbook_or_an_error(text in "\\PC{0,400}") {
        check_runbook(&text)?;
    }
}

#[test]
fn deep_and_long_runbooks_finish() {
    let n = 100_000;
    let shapes = [
        ">".repeat(n) + " ```console\n$ true\n```",
        "- ".repeat(n) + "x",
        format!(
            "## a\n```expect\n$.a = {}{}\n```\n",
            "[".repeat(n),
            "]".repeat(n)
        ),
        format!("## a\n```expect\ncapture v = ${}\n```\n", "[0]".repeat(n)),
        format!("## a\n```console\n$ echo {}\n```\n", "{{v}}".repeat(n)),
        "## a\n".repeat(n),
        "## a\n<!-- needs: a -->\n".repeat(1_000),
        "```console\n".repeat(n),
        "<!--".repeat(n),
    ];
    for text in shapes {
        let _ = Runbook::parse("deep.md", &text);
    }
}

// --- scenarios ------------------------------------------------------------

/// The bundled `smoke-happy` scenario as `(relative path, text)` pairs.
fn scenario_files() -> Vec<(String, String)> {
    let root = data().join("scenarios/smoke-happy");
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(&root)
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let rel = entry.path().strip_prefix(&root).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                fs::read_to_string(entry.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// One change to a scenario's files: a line of one file replaced, removed
/// or cut, or a session name in `scenario.json` swapped for a hostile one.
#[derive(Debug, Clone)]
enum Mutation {
    Line {
        file: prop::sample::Index,
        line: prop::sample::Index,
        text: String,
    },
    Remove {
        file: prop::sample::Index,
        line: prop::sample::Index,
    },
    Session(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let corpus = corpus_lines("scenarios", "jsonl");
    prop_oneof![
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            prop_oneof![mutated_line(corpus), "\\PC{0,40}",]
        )
            .prop_map(|(file, line, text)| Mutation::Line { file, line, text }),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(file, line)| Mutation::Remove { file, line }),
        prop_oneof![
            Just("/etc".to_owned()),
            Just("..".to_owned()),
            Just("../../x".to_owned()),
            Just("".to_owned()),
            Just(".".to_owned()),
            Just("001_investigate/../002_rectify".to_owned()),
            Just("001_investigate/input.json".to_owned()),
            "[./a-z_0-9]{0,20}",
        ]
        .prop_map(Mutation::Session),
    ]
}

fn apply(files: &mut [(String, String)], mutation: &Mutation) {
    match mutation {
        Mutation::Line { file, line, text } => {
            let (_, content) = &mut files[file.index(files.len())];
            let mut lines: Vec<&str> = content.lines().collect();
            if lines.is_empty() {
                lines.push(text);
            } else {
                let at = line.index(lines.len());
                lines[at] = text;
            }
            *content = lines.join("\n") + "\n";
        }
        Mutation::Remove { file, line } => {
            let (_, content) = &mut files[file.index(files.len())];
            let mut lines: Vec<&str> = content.lines().collect();
            if !lines.is_empty() {
                lines.remove(line.index(lines.len()));
            }
            *content = lines.join("\n");
        }
        Mutation::Session(name) => {
            let (_, manifest) = files
                .iter_mut()
                .find(|(rel, _)| rel == "scenario.json")
                .unwrap();
            *manifest = manifest.replacen(
                "\"001_investigate\"",
                &serde_json::to_string(name).unwrap(),
                1,
            );
        }
    }
}

/// Cases of the property that writes a scenario to disk each time:
/// `PROPTEST_CASES` when set, else 32 (the others run proptest's 256).
fn disk_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(disk_cases()))]

    #[test]
    fn mutated_scenarios_load_or_name_the_file(
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut files = scenario_files();
        for mutation in &mutations {
            apply(&mut files, mutation);
        }
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("scenario");
        for (rel, text) in &files {
            let path = dir.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let problems = validate(&dir, &Limits::default());
        for problem in &problems {
            prop_assert!(
                problem.path.starts_with(&dir),
                "a problem names a path inside the scenario: {problem}"
            );
        }
        let loaded = ScenarioPlayer::load(&dir);
        if problems.is_empty() {
            prop_assert!(loaded.is_ok(), "valid but not loadable: {:?}", loaded.err());
        }
        if let Ok(player) = loaded {
            let replayer = player.replayer();
            let _ = replayer.finish();
            for (_, call) in &player.calls {
                let _ = call.output();
            }
        }
    }
}

proptest! {

    #[test]
    fn any_text_is_a_manifest_or_an_error(text in "\\PC{0,300}") {
        let _ = ScenarioManifest::parse(Path::new("scenario.json"), &text);
    }

    #[test]
    fn any_text_is_jsonl_or_names_a_line(text in "\\PC{0,300}") {
        if let Err(problem) = check_jsonl(Path::new("stdout.jsonl"), &text) {
            let line = problem.line.expect("a .jsonl problem names its line");
            prop_assert!(line >= 1 && line <= text.lines().count());
        }
    }
}

#[test]
fn deep_and_long_recordings_finish() {
    let n = 100_000;
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    for text in [&deep, &deep_object, &"{}\n".repeat(n)] {
        let _ = ScenarioManifest::parse(Path::new("scenario.json"), text);
        let _ = check_jsonl(Path::new("stdout.jsonl"), text);
    }
}

#[test]
fn many_lanes_daemons_or_streams_are_refused_before_the_work_grows_with_their_square() {
    let lanes = |n: usize| {
        (0..n)
            .map(|i| format!("## lane {i}\n```console\n$ true\n```\n"))
            .collect::<String>()
    };
    assert!(Runbook::parse("lanes.md", &lanes(1_000)).is_ok());
    let err = Runbook::parse("lanes.md", &lanes(100_000)).unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (4_001, "a runbook holds at most 1000 lanes: split it")
    );
    let daemons = format!(
        "## a\n{}",
        (0..100_000)
            .map(|i| format!(
                "```daemon name=d{i}\n$ true\nready tcp 127.0.0.1:{{{{port:d{i}}}}}\n```\n"
            ))
            .collect::<String>()
    );
    let err = Runbook::parse("daemons.md", &daemons).unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (4_002, "a runbook starts at most 1000 daemons: split it")
    );
    let streams = format!(
        "## a\n{}",
        (0..100_000)
            .map(|i| format!("```sse name=s{i}\nGET http://127.0.0.1:1/\n\nevent: x\n```\n"))
            .collect::<String>()
    );
    let err = Runbook::parse("streams.md", &streams).unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (5_002, "a lane keeps at most 1000 streams open: split it")
    );
}

//! The step map a person checks after recording: steps in order, the calls
//! of each step, and sizes against the budgets; what `fixture-kit scenario
//! show` prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::cassette::STDOUT;
use super::layout::{Scenario, Step};
use super::validate::Limits;

/// The step map of `scenario`, sizes read from its folder; the same
/// scenario gives the same text. Steps whose `stdout.jsonl` is over
/// `limits.max_stdout_bytes`, and a scenario over
/// `limits.max_scenario_bytes`, are marked `OVER`.
pub fn render(scenario: &Scenario, limits: &Limits) -> String {
    let mut out = String::new();
    let sessions = scenario
        .steps
        .iter()
        .filter(|step| matches!(step, Step::Session(_)))
        .count();
    let recipe = match &scenario.manifest.recipe {
        serde_json::Value::String(recipe) => recipe.clone(),
        other => other.to_string(),
    };
    let _ = writeln!(
        out,
        "{}: {} layout, {} steps ({sessions} sessions, {} commands)",
        scenario.dir.display(),
        scenario.layout,
        scenario.steps.len(),
        scenario.steps.len() - sessions
    );
    let _ = writeln!(out, "recipe: {recipe}");
    let _ = writeln!(
        out,
        "budgets: {} per session's stdout.jsonl, {} per scenario",
        size(limits.max_stdout_bytes),
        size(limits.max_scenario_bytes)
    );
    out.push('\n');

    let rows: Vec<[String; 4]> = scenario
        .records()
        .enumerate()
        .map(|(index, (record, step))| {
            let (call, sizes) = describe(scenario, step, limits);
            [(index + 1).to_string(), record.step.clone(), call, sizes]
        })
        .collect();
    let header = [
        "#".to_owned(),
        "step".to_owned(),
        "call".to_owned(),
        "size".to_owned(),
    ];
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:>w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }

    out.push_str("\nsession map (what replay serves each step, in order):\n");
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (record, step) in scenario.records() {
        let entry = match step {
            Step::Session(session) => {
                format!("session {}", relative(scenario, &session.cassette.dir))
            }
            Step::Command(summary) => format!("command (exit {})", exit(summary.exit_code)),
        };
        map.entry(record.step.as_str()).or_default().push(entry);
    }
    let width = map
        .keys()
        .map(|step| step.chars().count())
        .max()
        .unwrap_or(0);
    for (step, calls) in &map {
        let _ = writeln!(
            out,
            "  {step:<width$}  {} × {}",
            calls.len(),
            calls.join(", ")
        );
    }

    let total = folder_bytes(&scenario.dir);
    let over = if total > limits.max_scenario_bytes {
        "  OVER"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "\ntotal: {} of {}{over}",
        size(total),
        size(limits.max_scenario_bytes)
    );
    out
}

/// The call column and the size column of one step.
fn describe(scenario: &Scenario, step: &Step, limits: &Limits) -> (String, String) {
    match step {
        Step::Session(session) => {
            let cassette = &session.cassette;
            let mut call = format!(
                "session {}, exit {}",
                relative(scenario, &cassette.dir),
                exit(cassette.metadata.exit_code)
            );
            if let Some(model) = &cassette.metadata.model {
                let _ = write!(call, ", model {model}");
            }
            let stdout = file_bytes(&cassette.dir.join(STDOUT));
            let over = if stdout > limits.max_stdout_bytes {
                "  OVER"
            } else {
                ""
            };
            let sizes = format!(
                "stdout {}, folder {}{over}",
                size(stdout),
                size(folder_bytes(&cassette.dir))
            );
            (call, sizes)
        }
        Step::Command(summary) => {
            let first = summary.stdout_head.lines().next().unwrap_or("");
            let mut call = format!("command, exit {}", exit(summary.exit_code));
            if !first.is_empty() {
                let shown: String = first.chars().take(60).collect();
                let cut = if shown.len() < first.len() { "…" } else { "" };
                let _ = write!(call, ": {shown}{cut}");
            }
            let lines = summary.stdout_head.lines().count();
            (call, format!("stdout_head {lines} line{}", plural(lines)))
        }
    }
}

fn relative(scenario: &Scenario, path: &Path) -> String {
    path.strip_prefix(&scenario.dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn exit(code: Option<i32>) -> String {
    code.map_or_else(|| "none (killed)".to_owned(), |code| code.to_string())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `bytes` as people read it: `812 B`, `3.4 KB`, `1.2 MB` (1 KB = 1,024 bytes).
fn size(bytes: u64) -> String {
    const KB: u64 = 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < KB * KB {
        format!("{:.1} KB", bytes as f64 / KB as f64)
    } else {
        format!("{:.1} MB", bytes as f64 / (KB * KB) as f64)
    }
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::symlink_metadata(path).map_or(0, |meta| meta.len())
}

/// The bytes of every regular file below `dir`, links not followed.
fn folder_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.metadata().ok())
        .map(|meta| meta.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(812), "812 B");
        assert_eq!(size(200 * 1024), "200.0 KB");
        assert_eq!(size(3482), "3.4 KB");
        assert_eq!(size(2 * 1024 * 1024), "2.0 MB");
    }
}

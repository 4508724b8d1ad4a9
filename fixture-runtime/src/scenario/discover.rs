//! Finds the scenarios under a root for the build script: one folder per
//! scenario holding `scenario.json`, two generated tests each.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::layout;
use super::manifest::FILE;
use crate::manifest::HEADER;
use crate::naming::sanitize;

/// The generated cases of every scenario: the post-recording checklist,
/// and a replay through the suite's orchestrator.
pub const CASES: [&str; 2] = ["validate", "replay"];

/// The manifest text for the scenarios under `root`, which is shown as
/// `shown` in problems: a `case→scenarios::<name>::<case>→<case>:<name>`
/// line per case, and a `problem` line per malformed scenario.
pub fn render(root: &Path, shown: &str) -> String {
    let mut out = format!("{HEADER}\n");
    let mut problem = |path: String, message: String| {
        let message = message.replace(['\t', '\n'], " ");
        let _ = writeln!(out, "problem\t{path}\t{message}");
    };
    let mut names = match fs::read_dir(root) {
        Ok(entries) => entries
            .flatten()
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        Err(err) => {
            problem(
                shown.to_owned(),
                format!("cannot read the scenario folder ({err}): create it, or record a scenario into it"),
            );
            return out;
        }
    };
    names.sort();
    if names.is_empty() {
        problem(
            shown.to_owned(),
            "no scenarios here: record one (see docs/SCENARIOS.md)".to_owned(),
        );
    }
    let mut cases = Vec::new();
    let mut idents: BTreeMap<String, String> = BTreeMap::new();
    for name in names {
        let ident = sanitize(&name);
        if let Some(other) = idents.get(&ident) {
            problem(
                format!("{shown}/{name}"),
                format!("`{name}` and `{other}` both become the test module `{ident}`: rename one"),
            );
            continue;
        }
        idents.insert(ident.clone(), name.clone());
        let dir = root.join(&name);
        if !dir.join(FILE).is_file() {
            problem(
                format!("{shown}/{name}"),
                format!("no {FILE}: record the scenario, or remove the folder"),
            );
            continue;
        }
        if let Err(err) = layout::check_manifest(&dir) {
            let line = err.line.map(|line| format!(":{line}")).unwrap_or_default();
            problem(format!("{shown}/{name}/{FILE}{line}"), err.message);
            continue;
        }
        for case in CASES {
            cases.push(format!("case\tscenarios::{ident}::{case}\t{case}:{name}"));
        }
    }
    for case in cases {
        out.push_str(&case);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;
    use std::fs;

    #[test]
    fn cases_and_problems() {
        let root = tempfile::tempdir().unwrap();
        let good = root.path().join("smoke-ok");
        fs::create_dir_all(&good).unwrap();
        fs::write(
            good.join("scenario.json"),
            r#"{"schema_version":1,"recipe":{},"step_sequence":[],"recorder":{"name":"x","version":"1"}}"#,
        )
        .unwrap();
        let future = root.path().join("future");
        fs::create_dir_all(&future).unwrap();
        fs::write(future.join("scenario.json"), r#"{"schema_version":2}"#).unwrap();
        fs::create_dir_all(root.path().join("empty")).unwrap();
        let text = render(root.path(), "scenarios");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "fixture-kit manifest 1");
        assert!(lines.contains(&"case\tscenarios::smoke_ok::validate\tvalidate:smoke-ok"));
        assert!(lines.contains(&"case\tscenarios::smoke_ok::replay\treplay:smoke-ok"));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("problem\tscenarios/empty\tno scenario.json")));
        assert!(lines.iter().any(|l| l.starts_with(
            "problem\tscenarios/future/scenario.json\tschema_version 2 is not supported"
        )));
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn a_missing_root_is_a_problem() {
        let text = render(std::path::Path::new("/nonexistent/scenarios"), "scenarios");
        assert!(text.contains("problem\tscenarios\tcannot read the scenario folder"));
    }
}

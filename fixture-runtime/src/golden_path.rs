//! `golden-fixtures.config.json`: a curated fast subset of the fixtures.
//!
//! ```json
//! { "fixtures": ["zero-change/task-001-is-even/planner"] }
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::discover::{discover, FixtureId, PROMPT};
use crate::suggest;

/// The config file's name, beside the fixture root.
pub const FILE: &str = "golden-fixtures.config.json";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    fixtures: Vec<String>,
}

/// Reads the golden-path subset from `config`, checking every entry names
/// an existing agent fixture under `root`. The error lists every bad entry.
pub fn load(config: &Path, root: &Path) -> Result<BTreeSet<FixtureId>, String> {
    let text = fs::read_to_string(config)
        .map_err(|err| format!("{}: cannot read: {err}", config.display()))?;
    let parsed: Config = serde_json::from_str(&text).map_err(|err| {
        format!(
            "{}:{}:{}: {err} (expected {{ \"fixtures\": [\"topic/task/agent\", ...] }})",
            config.display(),
            err.line(),
            err.column()
        )
    })?;
    let mut ids = BTreeSet::new();
    let mut errors = Vec::new();
    // Every fixture's folder, read once and only when an entry names none.
    let mut known: Option<Vec<String>> = None;
    let mut did_you_mean = |entry: &str| {
        let known = known.get_or_insert_with(|| {
            discover(root)
                .fixtures
                .iter()
                .map(|found| found.id.to_string())
                .collect()
        });
        suggest::did_you_mean(entry.trim_matches('/'), known)
    };
    for (index, entry) in parsed.fixtures.iter().enumerate() {
        match FixtureId::parse(entry) {
            Some(id) if id.dir(root).join(PROMPT).is_file() => {
                ids.insert(id);
            }
            Some(_) => errors.push(format!(
                "{}: fixtures[{index}] `{entry}` does not exist under {}{}",
                config.display(),
                root.display(),
                did_you_mean(entry)
            )),
            None => errors.push(format!(
                "{}: fixtures[{index}] `{entry}` is not `topic/task/agent` with agent one of \
                 architect, planner, coder, reviewer{}",
                config.display(),
                did_you_mean(entry)
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_entries_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("fixtures");
        fs::create_dir_all(root.join("t/a/planner")).unwrap();
        fs::write(root.join("t/a/planner/prompt.md"), "p").unwrap();
        let config = dir.path().join(FILE);
        fs::write(&config, r#"{"fixtures": ["t/a/planner"]}"#).unwrap();
        assert_eq!(load(&config, &root).unwrap().len(), 1);
        fs::write(
            &config,
            r#"{"fixtures": ["t/a/planner", "t/b/coder", "t/x", "t/aa/planner", "t/a/planer"]}"#,
        )
        .unwrap();
        let err = load(&config, &root).unwrap_err();
        assert!(
            err.contains("fixtures[1] `t/b/coder` does not exist"),
            "{err}"
        );
        assert!(
            err.contains("fixtures[3] `t/aa/planner` does not exist under")
                && err.contains("; did you mean `t/a/planner`?"),
            "{err}"
        );
        assert!(
            err.contains(
                "fixtures[4] `t/a/planer` is not `topic/task/agent` with agent one of \
                 architect, planner, coder, reviewer; did you mean `t/a/planner`?"
            ),
            "{err}"
        );
        assert!(
            err.contains("fixtures[2] `t/x` is not `topic/task/agent`"),
            "{err}"
        );
        fs::write(&config, r#"{"fixture": []}"#).unwrap();
        assert!(load(&config, &root).unwrap_err().contains("unknown field"));
    }
}

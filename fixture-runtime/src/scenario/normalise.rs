//! Normalisation of the fields that change on every run, so a re-recording
//! diffs only where behaviour changed.
//!
//! - absolute paths of the project, the temporary folder and the home
//!   folder become `<project>`, `<tmp>` and `<home>`;
//! - `session_id` becomes `<session-id>`, `uuid` and `parent_uuid` `<uuid>`;
//! - `msg_*`, `toolu_*` and `req_*` ids become `msg_0001`, `toolu_0001`, ...
//!   numbered by first appearance, so links between lines survive;
//! - `duration_ms`, `duration_api_ms`, `total_cost_usd` and `cost_usd`
//!   become 0, and so does every number under `usage`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// Normalises the lines of one session (ids are numbered per session).
#[derive(Debug, Clone, Default)]
pub struct Normaliser {
    /// `(absolute path, placeholder)`, longest path first.
    paths: Vec<(String, &'static str)>,
    ids: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

const ID_PREFIXES: [&str; 3] = ["msg_", "toolu_", "req_"];

impl Normaliser {
    /// A normaliser for a run in `project`.
    pub fn new(project: &Path) -> Normaliser {
        let mut paths = Vec::new();
        let mut add = |path: &Path, placeholder: &'static str| {
            for path in [Some(path.to_owned()), path.canonicalize().ok()]
                .into_iter()
                .flatten()
            {
                let text = path.to_string_lossy().trim_end_matches('/').to_owned();
                if text.len() > 1 && !paths.iter().any(|(p, _)| *p == text) {
                    paths.push((text, placeholder));
                }
            }
        };
        add(project, "<project>");
        add(&std::env::temp_dir(), "<tmp>");
        if let Some(home) = std::env::var_os("HOME") {
            add(Path::new(&home), "<home>");
        }
        paths.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Normaliser {
            paths,
            ..Normaliser::default()
        }
    }

    /// Replaces the absolute paths in `text`, where they stand as whole
    /// paths (`/tmp/x` and `"/tmp"`, not `/tmpfile` or `/a/tmp`).
    pub fn paths(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (path, placeholder) in &self.paths {
            if text.contains(path.as_str()) {
                text = replace_whole(&text, path, placeholder);
            }
        }
        text
    }

    /// Normalises the dynamic fields of one JSON value in place.
    pub fn value(&mut self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, field) in object.iter_mut() {
                    match key.as_str() {
                        "session_id" if field.is_string() => *field = "<session-id>".into(),
                        "uuid" | "parent_uuid" if field.is_string() => *field = "<uuid>".into(),
                        "duration_ms" | "duration_api_ms" | "total_cost_usd" | "cost_usd"
                            if field.is_number() =>
                        {
                            *field = 0.into();
                        }
                        "usage" => zero_numbers(field),
                        _ => self.value(field),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::String(text) => {
                if let Some(id) = self.id(text) {
                    *text = id;
                }
            }
            _ => {}
        }
    }

    fn id(&mut self, text: &str) -> Option<String> {
        let prefix = ID_PREFIXES
            .into_iter()
            .find(|prefix| text.starts_with(prefix))?;
        let rest = &text[prefix.len()..];
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        if let Some(id) = self.ids.get(text) {
            return Some(id.clone());
        }
        let count = self.counts.entry(prefix).or_default();
        *count += 1;
        let id = format!("{prefix}{count:04}");
        self.ids.insert(text.to_owned(), id.clone());
        Some(id)
    }
}

fn replace_whole(text: &str, path: &str, placeholder: &str) -> String {
    let part_of_name = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        let before = rest[..at]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back());
        let after = rest[at + path.len()..].chars().next();
        let whole = !before.is_some_and(|c| part_of_name(c) || c == '/')
            && !after.is_some_and(|c| part_of_name(c) && c != '.');
        out.push_str(&rest[..at]);
        out.push_str(if whole { placeholder } else { path });
        rest = &rest[at + path.len()..];
    }
    out.push_str(rest);
    out
}

fn zero_numbers(value: &mut Value) {
    match value {
        Value::Number(_) => *value = 0.into(),
        Value::Array(items) => items.iter_mut().for_each(zero_numbers),
        Value::Object(object) => object.values_mut().for_each(zero_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::Normaliser;
    use serde_json::json;
    use std::path::Path;

    #[test]
    fn ids_are_numbered_by_first_appearance_and_links_survive() {
        let mut n = Normaliser::default();
        let mut a = json!({"message": {"id": "msg_01XyZ", "content": [{"type": "tool_use", "id": "toolu_9a"}]}});
        let mut b =
            json!({"message": {"content": [{"tool_use_id": "toolu_9a"}]}, "other": "toolu_8b"});
        n.value(&mut a);
        n.value(&mut b);
        assert_eq!(a["message"]["id"], "msg_0001");
        assert_eq!(a["message"]["content"][0]["id"], "toolu_0001");
        assert_eq!(b["message"]["content"][0]["tool_use_id"], "toolu_0001");
        assert_eq!(b["other"], "toolu_0002");
    }

    #[test]
    fn dynamic_fields_become_placeholders() {
        let mut n = Normaliser::default();
        let mut v = json!({"session_id": "3f2a", "uuid": "u-1", "duration_ms": 1998,
            "duration_api_ms": 1976, "total_cost_usd": 0.0079,
            "usage": {"input_tokens": 12, "cache": {"read": 3}}, "num_turns": 2,
            "note": "msg_ with space"});
        n.value(&mut v);
        assert_eq!(
            v,
            json!({"session_id": "<session-id>", "uuid": "<uuid>", "duration_ms": 0,
                "duration_api_ms": 0, "total_cost_usd": 0,
                "usage": {"input_tokens": 0, "cache": {"read": 0}}, "num_turns": 2,
                "note": "msg_ with space"})
        );
    }

    #[test]
    fn only_whole_paths_are_replaced() {
        let n = Normaliser::new(Path::new("/work/proj"));
        assert_eq!(
            n.paths("/work/proj /work/projx /a/work/proj x/work/proj \"/work/proj\" /work/proj. /work/proj/a.rs"),
            "<project> /work/projx /a/work/proj x/work/proj \"<project>\" <project>. <project>/a.rs"
        );
    }

    #[test]
    fn project_paths_become_placeholders_longest_first() {
        let n = Normaliser::new(Path::new("/work/some-project/repo"));
        assert_eq!(
            n.paths(r#"{"cwd":"/work/some-project/repo/src","x":"/work/some-project"}"#),
            r#"{"cwd":"<project>/src","x":"/work/some-project"}"#
        );
    }
}

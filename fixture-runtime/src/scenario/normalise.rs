//! Normalisation of the fields that change on every run, so a re-recording
//! diffs only where behaviour changed.
//!
//! - absolute paths of the project, the temporary folder and the home
//!   folder become `<project>`, `<tmp>` and `<home>`;
//! - `session_id` becomes `<session-id>`, `uuid` and `parent_uuid` `<uuid>`;
//! - `msg_*`, `toolu_*` and `req_*` ids become `msg_0001`, `toolu_0001`, ...
//!   numbered by first appearance, so links between lines survive; request
//!   ids inside text (`"request_id":"req_011CX…"` in an error message) too;
//! - subagent ids (`task_id`, `agentId`, and `agentId: …` in text) become
//!   `agent_0001`, ...;
//! - `duration_ms`, `duration_api_ms`, `total_cost_usd` and `cost_usd`
//!   become 0, and so does every number under `usage`, `costUSD` under
//!   `modelUsage`, and `resetsAt` under `rate_limit_info`;
//! - a thinking block's `signature` becomes `<signature>`;
//! - when asked ([`Normaliser::zero_tokens`]), the token counts under
//!   `modelUsage` become 0 too.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// Normalises the lines of one session (ids are numbered per session).
#[derive(Debug, Clone, Default)]
pub struct Normaliser {
    /// `(absolute path, placeholder)`, longest path first.
    paths: Vec<(String, &'static str)>,
    ids: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
    /// Subagent ids seen, to their placeholders, and in order of appearance.
    agents: Vec<(String, String)>,
    zero_tokens: bool,
}

const ID_PREFIXES: [&str; 3] = ["msg_", "toolu_", "req_"];
/// The placeholder prefix of subagent ids.
const AGENT_PREFIX: &str = "agent_";
/// The token counts of a `modelUsage` entry.
const TOKEN_COUNTS: [&str; 5] = [
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokens",
    "cacheCreationInputTokens",
    "webSearchRequests",
];

/// A request id inside text: `req_` and at least 20 letters and digits.
static REQUEST_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\breq_[A-Za-z0-9]{20,}\b").expect("valid regex"));
/// A subagent id named in text, as Claude Code's Agent tool reports it.
static AGENT_ID_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bagentId: ([0-9A-Za-z]{8,})\b").expect("valid regex"));

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

    /// Also zeroes the token counts under `modelUsage` (`usage` is always
    /// zeroed).
    pub fn zero_tokens(mut self) -> Normaliser {
        self.zero_tokens = true;
        self
    }

    /// Normalises the dynamic fields of one JSON value in place.
    pub fn value(&mut self, value: &mut Value) {
        // Ids named by a field first, so text earlier in the line that
        // mentions them gets the same placeholder.
        self.collect_agents(value);
        self.walk(value);
    }

    fn walk(&mut self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, field) in object.iter_mut() {
                    match key.as_str() {
                        "session_id" if field.is_string() => *field = "<session-id>".into(),
                        "uuid" | "parent_uuid" if field.is_string() => *field = "<uuid>".into(),
                        "signature" if field.is_string() => *field = "<signature>".into(),
                        "duration_ms" | "duration_api_ms" | "total_cost_usd" | "cost_usd"
                            if field.is_number() =>
                        {
                            *field = 0.into();
                        }
                        "usage" => zero_numbers(field),
                        "modelUsage" => self.model_usage(field),
                        "rate_limit_info" => {
                            if let Some(reset) = field.get_mut("resetsAt") {
                                *reset = 0.into();
                            }
                            self.walk(field);
                        }
                        _ => self.walk(field),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.walk(item)),
            Value::String(text) => {
                if let Some(id) = self.id(text).or_else(|| self.agent_placeholder(text)) {
                    *text = id;
                } else if let Some(changed) = self.text(text) {
                    *text = changed;
                }
            }
            _ => {}
        }
    }

    /// `costUSD` (and, when asked, the token counts) of every model.
    fn model_usage(&mut self, usage: &mut Value) {
        let Value::Object(models) = usage else {
            return self.walk(usage);
        };
        for entry in models.values_mut() {
            let Value::Object(entry) = entry else {
                continue;
            };
            for (key, field) in entry.iter_mut() {
                let zeroed =
                    key == "costUSD" || (self.zero_tokens && TOKEN_COUNTS.contains(&key.as_str()));
                if zeroed && field.is_number() {
                    *field = 0.into();
                }
            }
        }
    }

    /// Registers the subagent ids named by `task_id` and `agentId` fields.
    fn collect_agents(&mut self, value: &Value) {
        match value {
            Value::Object(object) => {
                for (key, field) in object {
                    match (key.as_str(), field) {
                        ("task_id" | "agentId", Value::String(id)) => {
                            self.agent(id);
                        }
                        _ => self.collect_agents(field),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.collect_agents(item)),
            _ => {}
        }
    }

    /// The placeholder of subagent id `id`, numbered by first appearance.
    fn agent(&mut self, id: &str) -> String {
        if id.starts_with(AGENT_PREFIX)
            && id[AGENT_PREFIX.len()..].bytes().all(|b| b.is_ascii_digit())
        {
            return id.to_owned();
        }
        if let Some((_, placeholder)) = self.agents.iter().find(|(known, _)| known == id) {
            return placeholder.clone();
        }
        let placeholder = format!("{AGENT_PREFIX}{:04}", self.agents.len() + 1);
        self.agents.push((id.to_owned(), placeholder.clone()));
        placeholder
    }

    fn agent_placeholder(&self, text: &str) -> Option<String> {
        self.agents
            .iter()
            .find(|(known, _)| known == text)
            .map(|(_, placeholder)| placeholder.clone())
    }

    /// `text` with the request and subagent ids inside it replaced, when
    /// it holds any.
    fn text(&mut self, text: &str) -> Option<String> {
        let mut out = Cow::Borrowed(text);
        if REQUEST_ID.is_match(text) {
            let mut replaced = String::with_capacity(text.len());
            let mut last = 0;
            for found in REQUEST_ID.find_iter(text) {
                replaced.push_str(&text[last..found.start()]);
                let id = self.id(found.as_str());
                replaced.push_str(id.as_deref().unwrap_or(found.as_str()));
                last = found.end();
            }
            replaced.push_str(&text[last..]);
            out = Cow::Owned(replaced);
        }
        let named: Vec<String> = AGENT_ID_TEXT
            .captures_iter(&out)
            .map(|captures| captures[1].to_owned())
            .collect();
        for id in named {
            self.agent(&id);
        }
        for (known, placeholder) in &self.agents {
            if out.contains(known.as_str()) {
                out = Cow::Owned(out.replace(known.as_str(), placeholder));
            }
        }
        match out {
            Cow::Owned(out) if out != text => Some(out),
            _ => None,
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
    fn a_subagent_id_named_in_text_before_its_field_gets_the_fields_placeholder() {
        let mut n = Normaliser::default();
        let mut line = json!({"message": {"content": [{"type": "text",
            "text": "done\nagentId: a540c97ff84e853ce (for resuming)"}]},
            "tool_use_result": {"agentId": "a540c97ff84e853ce"}});
        n.value(&mut line);
        assert_eq!(line["tool_use_result"]["agentId"], "agent_0001");
        assert_eq!(
            line["message"]["content"][0]["text"],
            "done\nagentId: agent_0001 (for resuming)"
        );
        let mut later = json!({"type": "system", "task_id": "a7dd92831564a7461",
            "signature": "EpgBCkYIBhgCKkA", "rate_limit_info": {"resetsAt": 1773828000, "status": "allowed"}});
        n.value(&mut later);
        assert_eq!(
            later,
            json!({"type": "system", "task_id": "agent_0002", "signature": "<signature>",
                "rate_limit_info": {"resetsAt": 0, "status": "allowed"}})
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

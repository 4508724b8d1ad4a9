//! JSON paths (RFC 9535, by `serde_json_path`) and the locations they
//! select: the runbooks' `expect` checks and captures address JSON with
//! them, and the scenario recorder strips fields by them.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// One step of a [`Location`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Where a value sits in a document, printed `$.checks[0].status` (keys
/// that are not plain words as `["odd key"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location(pub Vec<Segment>);

impl Location {
    /// This location, one step further in.
    pub fn push(&self, segment: Segment) -> Location {
        let mut segments = self.0.clone();
        segments.push(segment);
        Location(segments)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                Segment::Key(key)
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
                {
                    write!(f, ".{key}")?
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A JSONPath query (RFC 9535, by `serde_json_path`): `$`,
/// `$.checks[0].status`, `$["odd key"]`,
/// `$.checks[?(@.name=='git')].status`. The leading `$` may be left out
/// (`checks[0]`), and `.key` may hold `-` (`$.content-type`). A path with
/// `{{name}}` in it is checked when parsed and completed by
/// [`JsonPath::fill`] at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    query: serde_json_path::JsonPath,
    /// Whether `text` holds `{{name}}` to fill in before querying.
    template: bool,
}

/// `{{...}}` in a path.
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{[^{}]*\}\}").expect("valid regex"));

impl JsonPath {
    /// Parses a path; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let text = text.trim();
        let template = PLACEHOLDER.is_match(text);
        // A template is checked with every `{{name}}` standing for `0`.
        let checked = fill_placeholders(text, |_| Ok("0".to_owned()))?;
        let query = serde_json_path::JsonPath::parse(&normalize(&checked)).map_err(|err| {
            format!(
                "bad JSON path `{text}`: {err}; write it like `$.checks[0].status`, \
                 `$.checks[?(@.name=='git')].status` or `$`"
            )
        })?;
        Ok(JsonPath {
            text: text.to_owned(),
            query,
            template,
        })
    }

    /// The path with its `{{name}}` filled in by `value` (inside quotes,
    /// with quotes and backslashes escaped, so a value stays one string).
    pub fn fill(
        &self,
        value: impl FnMut(&str) -> Result<String, String>,
    ) -> Result<JsonPath, String> {
        if !self.template {
            return Ok(self.clone());
        }
        let text = fill_placeholders(&self.text, value)?;
        let query = serde_json_path::JsonPath::parse(&normalize(&text)).map_err(|err| {
            format!(
                "JSON path `{}` is `{text}` once filled in: {err}",
                self.text
            )
        })?;
        Ok(JsonPath {
            text,
            query,
            template: false,
        })
    }

    /// The whole document, `$`.
    pub fn root() -> JsonPath {
        JsonPath::parse("$").expect("`$` is a path")
    }

    /// Every value the path selects, with where it sits.
    pub fn select<'a>(&self, root: &'a Value) -> Vec<(Location, &'a Value)> {
        self.query
            .query_located(root)
            .into_iter()
            .map(|node| {
                let location = node
                    .location()
                    .iter()
                    .map(|element| match element {
                        serde_json_path::PathElement::Name(name) => {
                            Segment::Key((*name).to_owned())
                        }
                        serde_json_path::PathElement::Index(index) => Segment::Index(*index),
                    })
                    .collect();
                (Location(location), node.node())
            })
            .collect()
    }

    /// The one value the path selects; `Err` says how many it selects
    /// instead (none, or several).
    pub fn one<'a>(&self, root: &'a Value) -> Result<(Location, &'a Value), String> {
        let mut found = self.select(root);
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(format!("no value at {self}")),
            n => Err(format!(
                "{self} selects {n} values, not one: narrow it, e.g. with `[0]` or a filter"
            )),
        }
    }

    /// The value at this path, if it selects exactly one.
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.one(root).ok().map(|(_, value)| value)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.starts_with('$') {
            f.write_str(&self.text)
        } else if self.text.starts_with('[') {
            write!(f, "${}", self.text)
        } else {
            write!(f, "$.{}", self.text)
        }
    }
}

/// Replaces each `{{...}}` with `value(placeholder)`, escaped for the
/// quotes it stands in, if any.
fn fill_placeholders(
    text: &str,
    mut value: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for found in PLACEHOLDER.find_iter(text) {
        let before = &text[last..found.start()];
        out.push_str(before);
        let quote = open_quote(&out);
        let filled = value(found.as_str())?;
        match quote {
            Some(q) => {
                for c in filled.chars() {
                    if c == q || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            None => out.push_str(&filled),
        }
        last = found.end();
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// The quote `text` ends inside of, if any.
fn open_quote(text: &str) -> Option<char> {
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
    }
    quote
}

/// The runbook path as RFC 9535 text: a leading `$` added, and `.key`
/// shorthands that RFC 9535 does not allow (`.content-type`, `.2nd`)
/// quoted as `['key']`.
fn normalize(text: &str) -> String {
    let text = if text.starts_with('$') {
        text.to_owned()
    } else if text.starts_with('[') {
        format!("${text}")
    } else {
        format!("$.{text}")
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut quote, mut i) = (0usize, None::<char>, 0);
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), _) => {
                if c == '\\' && i + 1 < chars.len() {
                    out.push(c);
                    i += 1;
                    out.push(chars[i]);
                } else {
                    if c == q {
                        quote = None;
                    }
                    out.push(c);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '[' | '(') => {
                depth += 1;
                out.push(c);
            }
            (None, ']' | ')') => {
                depth = depth.saturating_sub(1);
                out.push(c);
            }
            (None, '.') if depth == 0 && chars.get(i + 1).is_some_and(|n| *n != '.') => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| matches!(c, '.' | '['))
                    .map_or(chars.len(), |p| i + 1 + p);
                let name: String = chars[i + 1..end].iter().collect();
                let shorthand = name == "*"
                    || name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if shorthand || name.is_empty() || name.contains(['\'', '"', ' ', ']']) {
                    out.push('.');
                    out.push_str(&name);
                } else {
                    out.push_str(&format!("['{name}']"));
                }
                i = end;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

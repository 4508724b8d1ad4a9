//! Comparing an actual output with its golden, in the fixture's [`Mode`]:
//! `exact` (the same typed content) or `semantic` (the same meaning, per
//! agent), with the fixture's `"ignore"` paths left out in either mode.
//! Contracts and rules have already run on the actual output; comparison
//! only decides whether it matches the golden.

mod architect;
mod coder;
mod ignore;
mod mode;
mod planner;
mod reviewer;

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::agent::Agent;
use crate::contract::AgentOutput;
use crate::fixture::Fixture;
use crate::rule::{Rule, Violation};

pub use ignore::IgnorePath;
pub use mode::Mode;

/// Why an actual output does not match its golden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The fixture's comparison settings are wrong: an `"ignore"` path that
    /// matches nothing, an undeclarable `"compare_text"` field.
    Settings(Violation),
    /// `exact`: the documents differ; the diff from golden to actual.
    Exact(String),
    /// `semantic`: every difference in meaning, in document order.
    Semantic(Vec<Difference>),
}

/// One difference in meaning: which task, comment, API, model or file,
/// and how it differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs (`task \`parse\` (src/parse.ts, feature)`).
    pub what: String,
    /// How (`missing from the actual output`, a diff of a file).
    pub how: String,
}

impl Difference {
    fn new(what: impl Into<String>, how: impl Into<String>) -> Difference {
        Difference {
            what: what.into(),
            how: how.into(),
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.how)
    }
}

impl Mismatch {
    /// The finding to report against the golden `golden`, with `rerun` (the
    /// command that rewrites it) in the hint.
    pub fn violation(&self, golden: &str, rerun: &str) -> Violation {
        let message = match self {
            Mismatch::Settings(violation) => return violation.clone(),
            Mismatch::Exact(_) => "actual output differs from the golden".to_owned(),
            Mismatch::Semantic(found) => {
                let n = found.len();
                let plural = if n == 1 { "" } else { "s" };
                format!("actual output differs in meaning from the golden ({n} difference{plural}, compared semantically)")
            }
        };
        Violation::new(Rule::Golden, message)
            .at(golden)
            .hint(format!("if the change is intended, run `{rerun}`"))
    }

    /// What a person reads under the finding: the diff, or each difference
    /// in meaning; `None` for a settings problem.
    pub fn explanation(&self) -> Option<String> {
        match self {
            Mismatch::Settings(_) => None,
            Mismatch::Exact(diff) => Some(diff.clone()),
            Mismatch::Semantic(found) => {
                let mut text = String::from("compared by meaning (semantic), golden → actual:\n");
                for difference in found {
                    let indented = difference.to_string().replace('\n', "\n    ");
                    text.push_str(&format!("  - {indented}\n"));
                }
                Some(text)
            }
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.explanation() {
            Some(text) => f.write_str(&text),
            None => write!(f, "{}", self.violation("", "")),
        }
    }
}

/// The free-text fields of `agent` that semantic comparison leaves out
/// unless `"compare_text"` names them.
pub fn free_text(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::Architect => &[
            "highLevelSummary",
            "pagesOrScreens",
            "apis[*].name",
            "apis[*].description",
        ],
        Agent::Planner => &["tasks[*].description", "ambiguities"],
        Agent::Reviewer => &["comments[*].message"],
        Agent::Coder => &[],
    }
}

/// The free-text fields a fixture declares compared.
struct Text(BTreeSet<&'static str>);

impl Text {
    fn has(&self, field: &str) -> bool {
        self.0.contains(field)
    }
}

/// Compares `actual` with `golden` for `fixture` in `mode` (the suite's,
/// which the fixture's `"compare"` overrides): `Ok` when they match.
pub fn compare(
    mode: Mode,
    fixture: &Fixture,
    golden: &AgentOutput,
    actual: &AgentOutput,
) -> Result<(), Mismatch> {
    let mode = mode.for_fixture(fixture);
    let agent = fixture.id.agent;
    let settings = |message: String, hint: String| {
        Mismatch::Settings(
            Violation::new(Rule::Layout, message)
                .at(format!("{}/fixture.json", fixture.display_dir()))
                .hint(hint),
        )
    };
    let allowed = free_text(agent);
    let mut text = BTreeSet::new();
    for (i, field) in fixture.constraints.compare_text.iter().enumerate() {
        match allowed.iter().find(|known| *known == field) {
            Some(known) => {
                text.insert(*known);
            }
            None => {
                return Err(settings(
                    format!("`compare_text[{i}]`: `{field}` is no free-text field of the {agent}"),
                    format!("the {agent}'s free-text fields are: {}", list(allowed)),
                ))
            }
        }
    }
    let text = Text(text);
    let ignore = &fixture.constraints.ignore;
    if let (AgentOutput::Coder(golden), AgentOutput::Coder(actual)) = (golden, actual) {
        if !ignore.is_empty() {
            return Err(settings(
                "`ignore`: a coder's patch is no JSON document; `ignore` applies to the \
                 architect, planner and reviewer"
                    .into(),
                "remove `ignore`, or compare the patch's effect with `\"compare\": \"semantic\"`"
                    .into(),
            ));
        }
        return match mode {
            _ if golden.patch == actual.patch => Ok(()),
            Mode::Exact => Err(Mismatch::Exact(diff(
                &golden.patch,
                &actual.patch,
                "golden",
                "actual",
            ))),
            Mode::Semantic => coder::compare(fixture, &golden.patch, &actual.patch),
        };
    }
    let mut golden = document(golden);
    let mut actual = document(actual);
    for (i, path) in ignore.iter().enumerate() {
        if path.redact(&mut golden) + path.redact(&mut actual) == 0 {
            return Err(settings(
                format!(
                    "`ignore[{i}]`: `{path}` matches nothing in the golden or the actual output"
                ),
                format!("check its spelling against `fixture-kit schema {agent}`, or remove it"),
            ));
        }
    }
    if golden == actual {
        return Ok(());
    }
    let found = match mode {
        Mode::Exact => {
            return Err(Mismatch::Exact(diff(
                &pretty(&golden),
                &pretty(&actual),
                "golden",
                "actual",
            )))
        }
        Mode::Semantic => match agent {
            Agent::Planner => planner::compare(&golden, &actual, &text),
            Agent::Reviewer => reviewer::compare(&golden, &actual, &text),
            Agent::Architect => architect::compare(&golden, &actual, &text),
            Agent::Coder => unreachable!("a coder output is a patch"),
        },
    };
    if found.is_empty() {
        Ok(())
    } else {
        Err(Mismatch::Semantic(found))
    }
}

/// The typed output as a JSON document.
fn document(output: &AgentOutput) -> Value {
    let value = match output {
        AgentOutput::Architect(spec) => serde_json::to_value(spec),
        AgentOutput::Planner(plan) => serde_json::to_value(plan),
        AgentOutput::Reviewer(review) => serde_json::to_value(review),
        AgentOutput::Coder(coder) => serde_json::to_value(coder),
    };
    value.expect("contract types serialize to JSON without error")
}

fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("a JSON value serializes");
    format!("{text}\n")
}

fn diff(golden: &str, actual: &str, left: &str, right: &str) -> String {
    similar_asserts::SimpleDiff::from_str(golden, actual, left, right).to_string()
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as a person reads it: strings quoted, others as JSON, absent
/// (ignored) as such.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "absent".into(),
        Some(value) => value.to_string(),
    }
}

/// A string field, when present.
fn str_at<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// The objects of an array (other elements are skipped; no array, none).
fn objects(array: Option<&Value>) -> Vec<&Map<String, Value>> {
    array
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

/// The entries of the array at `key`, as a set of texts.
fn set_at(map: &Map<String, Value>, key: &str) -> BTreeSet<String> {
    map.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().map(text_of).collect())
        .unwrap_or_default()
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Compares two sets and reports each entry missing or extra, as `what`.
fn sets(
    golden: &BTreeSet<String>,
    actual: &BTreeSet<String>,
    what: &str,
    found: &mut Vec<Difference>,
) {
    for missing in golden.difference(actual) {
        found.push(Difference::new(
            format!("{what} `{missing}`"),
            "missing from the actual output",
        ));
    }
    for extra in actual.difference(golden) {
        found.push(Difference::new(
            format!("{what} `{extra}`"),
            "not in the golden",
        ));
    }
}

/// Compares the fields of `golden` and `actual` not in `skip`, reporting
/// each that differs under `what`.
fn fields(
    golden: &Map<String, Value>,
    actual: &Map<String, Value>,
    skip: &[&str],
    what: &str,
    found: &mut Vec<Difference>,
) {
    let keys: BTreeSet<&String> = golden.keys().chain(actual.keys()).collect();
    for key in keys {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let (g, a) = (golden.get(key), actual.get(key));
        if g != a {
            found.push(Difference::new(
                what.to_owned(),
                format!(
                    "`{key}` is {} in the golden, {} in the actual output",
                    show(g),
                    show(a)
                ),
            ));
        }
    }
}

/// `text`, cut to a line a person reads in a report.
fn brief(text: &str) -> String {
    const MAX: usize = 60;
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > MAX || line.len() < text.trim_end().len() {
        let cut: String = line.chars().take(MAX).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{line}\"")
    }
}

//! The lines of an `expect` block: what they say (parsed from text) and
//! whether they hold for a step's output, the run's variables and its
//! daemons' logs.
//!
//! ```text
//! $.state = "running"                  subset match
//! $.pid is integer                     type, presence, emptiness
//! $.error is absent
//! $.items has 3 items
//! {{after}} == {{before}} + 1          comparisons, without the shell
//! $.count >= 2
//! not regex panicked                   text that must not appear
//! log web /listening on/ within 5s     waiting for a daemon's log
//! $.s is absent or $.s.state = "stopped"
//! ```

use std::fmt;
use std::thread::sleep;
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;

use super::daemon::Daemons;
use super::expect::{self, JsonPath};
use super::vars::{Unfilled, Vars};
use super::{CaptureFrom, Reason};

/// How long `log` waits unless `within` says otherwise.
const DEFAULT_WITHIN: Duration = Duration::from_secs(10);
/// The pause between looks at a daemon's log.
const LOG_EVERY: Duration = Duration::from_millis(50);

/// What one `expect` line (other than a capture) says must hold.
#[derive(Debug, Clone)]
pub enum Check {
    /// `PATH = JSON`: the value there matches as a subset.
    Subset {
        /// Where in the output.
        path: JsonPath,
        /// The expected value (substituted, then parsed as JSON).
        value: String,
    },
    /// `PATH is TYPE`, `PATH is absent`, `PATH has N items`.
    Shape {
        /// Where in the output.
        path: JsonPath,
        /// What the value there must be.
        shape: Shape,
    },
    /// `LEFT OP RIGHT` with `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Compare(Compare),
    /// `regex PATTERN` (must match the text output) or `not regex
    /// PATTERN` (must not).
    Text {
        /// The regex, variables filled in at run time.
        pattern: String,
        /// Whether it must match (`regex`) or must not (`not regex`).
        present: bool,
    },
    /// `log NAME /REGEX/ within 5s`: the daemon's log matches in time.
    Log {
        /// The daemon.
        daemon: String,
        /// The regex.
        pattern: String,
        /// How long to wait.
        within: Duration,
    },
    /// `CHECK or CHECK`: at least one holds.
    AnyOf(Vec<Check>),
}

/// What `is` and `has` require of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `is integer`.
    Integer,
    /// `is number`.
    Number,
    /// `is string`.
    String,
    /// `is boolean`.
    Boolean,
    /// `is array`.
    Array,
    /// `is object`.
    Object,
    /// `is null`.
    Null,
    /// `is non-empty`: a string, array or object with something in it.
    NonEmpty,
    /// `is absent`: the path selects nothing.
    Absent,
    /// `is present`: the path selects something.
    Present,
    /// `has N items`: an array of this length.
    Items(usize),
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Integer => f.write_str("an integer"),
            Shape::Number => f.write_str("a number"),
            Shape::String => f.write_str("a string"),
            Shape::Boolean => f.write_str("a boolean"),
            Shape::Array => f.write_str("an array"),
            Shape::Object => f.write_str("an object"),
            Shape::Null => f.write_str("null"),
            Shape::NonEmpty => f.write_str("non-empty"),
            Shape::Absent => f.write_str("absent"),
            Shape::Present => f.write_str("present"),
            Shape::Items(1) => f.write_str("an array of 1 item"),
            Shape::Items(n) => write!(f, "an array of {n} items"),
        }
    }
}

/// `LEFT OP RIGHT`.
#[derive(Debug, Clone)]
pub struct Compare {
    /// The left side.
    pub left: Term,
    /// The comparison, as written (`==`, `!=`, `<`, `<=`, `>`, `>=`).
    pub op: &'static str,
    /// The right side.
    pub right: Term,
}

/// One side of a comparison: operands joined by ` + ` or ` - `.
#[derive(Debug, Clone)]
pub struct Term {
    /// The first operand.
    pub first: Operand,
    /// Then `(true, x)` for `+ x`, `(false, x)` for `- x`.
    pub rest: Vec<(bool, Operand)>,
}

/// A value in a comparison.
#[derive(Debug, Clone)]
pub enum Operand {
    /// `{{name}}`: a variable, read as a number when it is one.
    Var(String),
    /// A JSON value written in the runbook: `0`, `"stopped"`, `true`.
    Value(Value),
    /// `$.path`: the one value there in the step's output.
    Path(JsonPath),
}

const OPS: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];

/// Parses an `expect` line that is not a capture.
pub fn parse(text: &str) -> Result<Check, String> {
    let alternatives = alternatives(text)?;
    if alternatives.len() > 1 {
        return Ok(Check::AnyOf(alternatives));
    }
    Ok(alternatives.into_iter().next().expect("one alternative"))
}

/// At most this many ` or ` pieces to a line (the split is searched).
const MAX_PIECES: usize = 8;

/// Splits at top-level ` or `, joining pieces that only parse together
/// (an ` or ` inside a regex).
fn alternatives(text: &str) -> Result<Vec<Check>, String> {
    let pieces = split_top(text, " or ");
    if pieces.len() > MAX_PIECES {
        return Err(format!(
            "more than {MAX_PIECES} alternatives on one line: split the check"
        ));
    }
    partition(&pieces)
}

fn partition(pieces: &[&str]) -> Result<Vec<Check>, String> {
    let mut first_err = None;
    for k in 1..=pieces.len() {
        match single(pieces[..k].join(" or ").trim()) {
            Ok(check) if k == pieces.len() => return Ok(vec![check]),
            Ok(check) => match partition(&pieces[k..]) {
                Ok(mut rest) => {
                    rest.insert(0, check);
                    return Ok(rest);
                }
                Err(err) => {
                    first_err.get_or_insert(err);
                }
            },
            Err(err) if k == 1 => {
                first_err.get_or_insert(err);
            }
            Err(_) => {}
        }
    }
    Err(first_err.unwrap_or_else(|| "an empty check".to_owned()))
}

fn single(text: &str) -> Result<Check, String> {
    if let Some(rest) = text.strip_prefix("log ") {
        return log(rest.trim());
    }
    if let Some(pattern) = text.strip_prefix("not regex ") {
        return text_check(pattern, false);
    }
    if let Some(pattern) = text.strip_prefix("regex ") {
        return text_check(pattern, true);
    }
    if text.starts_with('$') {
        let end = path_end(text);
        let path = JsonPath::parse(&text[..end])?;
        let rest = text[end..].trim();
        if let Some(what) = rest.strip_prefix("is ") {
            return Ok(Check::Shape {
                path,
                shape: shape(what.trim())?,
            });
        }
        if let Some(what) = rest.strip_prefix("has ") {
            let count = what
                .trim()
                .strip_suffix(" items")
                .or_else(|| what.trim().strip_suffix(" item"))
                .and_then(|n| n.trim().parse().ok())
                .ok_or_else(|| format!("bad count `has {what}`: write `has 3 items`"))?;
            return Ok(Check::Shape {
                path,
                shape: Shape::Items(count),
            });
        }
        if let Some(value) = rest.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            let value = value.trim();
            if !value.contains("{{") {
                serde_json::from_str::<Value>(value).map_err(|err| {
                    format!("`{value}` is not JSON ({err}): quote strings, e.g. `\"pass\"`")
                })?;
            }
            return Ok(Check::Subset {
                path,
                value: value.to_owned(),
            });
        }
    }
    compare(text)
}

fn text_check(pattern: &str, present: bool) -> Result<Check, String> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err("`regex` needs a pattern: write `not regex panicked`".to_owned());
    }
    if !pattern.contains("{{") {
        Regex::new(pattern).map_err(|err| format!("bad regex `{pattern}`: {err}"))?;
    }
    Ok(Check::Text {
        pattern: pattern.to_owned(),
        present,
    })
}

fn log(rest: &str) -> Result<Check, String> {
    let usage = "write `log NAME /REGEX/` or `log NAME /REGEX/ within 5s`";
    let (daemon, rest) = rest
        .split_once(' ')
        .ok_or_else(|| format!("bad `log` line: {usage}"))?;
    let rest = rest.trim();
    let (pattern, after) = rest
        .strip_prefix('/')
        .and_then(|rest| rest.rsplit_once('/'))
        .ok_or_else(|| format!("the regex of a `log` line goes between `/`: {usage}"))?;
    let within = match after.trim() {
        "" => DEFAULT_WITHIN,
        after => after
            .strip_prefix("within ")
            .and_then(|d| super::parse::duration(d.trim()))
            .ok_or_else(|| format!("bad `{after}` after the regex: {usage}"))?,
    };
    if pattern.is_empty() {
        return Err(format!("an empty regex in a `log` line: {usage}"));
    }
    if !pattern.contains("{{") {
        Regex::new(pattern).map_err(|err| format!("bad regex in `log`: {err}"))?;
    }
    Ok(Check::Log {
        daemon: daemon.to_owned(),
        pattern: pattern.to_owned(),
        within,
    })
}

fn shape(what: &str) -> Result<Shape, String> {
    Ok(match what {
        "integer" => Shape::Integer,
        "number" => Shape::Number,
        "string" => Shape::String,
        "boolean" => Shape::Boolean,
        "array" => Shape::Array,
        "object" => Shape::Object,
        "null" => Shape::Null,
        "non-empty" => Shape::NonEmpty,
        "absent" => Shape::Absent,
        "present" => Shape::Present,
        _ => {
            return Err(format!(
                "unknown `is {what}`: use `is` with `integer`, `number`, `string`, `boolean`, \
                 `array`, `object`, `null`, `non-empty`, `absent` or `present`"
            ))
        }
    })
}

fn compare(text: &str) -> Result<Check, String> {
    let usage = "an `expect` line is `$.path = JSON`, `$.path is TYPE`, `$.path has N items`, \
                 `LEFT == RIGHT` (or `!=`, `<`, `<=`, `>`, `>=`), `regex P`, `not regex P`, \
                 `log NAME /REGEX/ within 5s`, alternatives joined by ` or `, or `capture NAME = ...`";
    let found = OPS.iter().find_map(|op| {
        let pieces = split_top(text, op);
        (pieces.len() == 2).then(|| (*op, pieces[0], pieces[1]))
    });
    let Some((op, left, right)) = found else {
        return Err(format!("bad `expect` line `{text}`: {usage}"));
    };
    Ok(Check::Compare(Compare {
        left: term(left)?,
        op,
        right: term(right)?,
    }))
}

fn term(text: &str) -> Result<Term, String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    let mut sign = true;
    loop {
        let plus = split_top(rest, " + ");
        let minus = split_top(rest, " - ");
        let (cut, next_sign) = match (plus.len() > 1, minus.len() > 1) {
            (true, true) if plus[0].len() < minus[0].len() => (plus[0].len(), true),
            (_, true) => (minus[0].len(), false),
            (true, false) => (plus[0].len(), true),
            (false, false) => {
                parts.push((sign, operand(rest)?));
                break;
            }
        };
        parts.push((sign, operand(&rest[..cut])?));
        sign = next_sign;
        rest = rest[cut + 3..].trim();
    }
    let (_, first) = parts.remove(0);
    Ok(Term { first, rest: parts })
}

fn operand(text: &str) -> Result<Operand, String> {
    let text = text.trim();
    if text.starts_with("{{") && text.ends_with("}}") && text.matches("{{").count() == 1 {
        return Ok(Operand::Var(text.to_owned()));
    }
    if text.starts_with('$') {
        return Ok(Operand::Path(JsonPath::parse(text)?));
    }
    serde_json::from_str(text).map(Operand::Value).map_err(|_| {
        format!(
            "`{text}` is not a value: compare `{{{{name}}}}`, `$.path` or JSON \
             (`0`, `\"stopped\"`, `true`)"
        )
    })
}

/// Where a path at the start of `text` ends: at the first space or
/// comparison character outside brackets and quotes.
fn path_end(text: &str) -> usize {
    let mut scan = Scan::default();
    for (i, c) in text.char_indices() {
        if scan.top(c) && (c.is_whitespace() || matches!(c, '=' | '!' | '<' | '>')) {
            return i;
        }
    }
    text.len()
}

/// Splits `text` at every occurrence of `pat` outside brackets, braces and
/// quotes.
fn split_top<'t>(text: &'t str, pat: &str) -> Vec<&'t str> {
    let mut pieces = Vec::new();
    let mut scan = Scan::default();
    let mut start = 0;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        let top = scan.top(c);
        if i < skip_to {
            continue;
        }
        if top && text[i..].starts_with(pat) {
            pieces.push(&text[start..i]);
            start = i + pat.len();
            skip_to = start;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// Tracks nesting and quotes character by character.
#[derive(Default)]
struct Scan {
    depth: usize,
    quote: Option<char>,
    escaped: bool,
}

impl Scan {
    /// Takes the next character; whether it stands at the top level.
    fn top(&mut self, c: char) -> bool {
        if let Some(q) = self.quote {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == q {
                self.quote = None;
            }
            return false;
        }
        match c {
            '"' | '\'' => {
                self.quote = Some(c);
                false
            }
            '[' | '(' | '{' => {
                self.depth += 1;
                false
            }
            ']' | ')' | '}' => {
                self.depth = self.depth.saturating_sub(1);
                false
            }
            _ => self.depth == 0,
        }
    }
}

impl Check {
    /// Whether it reads the output of the step before (so an `expect`
    /// block of checks that do not may stand on its own).
    pub fn needs_output(&self) -> bool {
        match self {
            Check::Subset { .. } | Check::Shape { .. } | Check::Text { .. } => true,
            Check::Compare(compare) => [&compare.left, &compare.right].iter().any(|term| {
                std::iter::once(&term.first)
                    .chain(term.rest.iter().map(|(_, o)| o))
                    .any(|o| matches!(o, Operand::Path(_)))
            }),
            Check::Log { .. } => false,
            Check::AnyOf(checks) => checks.iter().any(Check::needs_output),
        }
    }
}

/// A step's output as checks see it.
#[derive(Debug, Clone)]
pub enum Data {
    /// Text: stdout, a response body.
    Text(String),
    /// JSON: the events of a stream.
    Json(Value),
    /// A step without output (a stand-alone `expect` block).
    None,
}

/// What a check may look at.
pub struct Scope<'a> {
    /// The output of the step checked.
    pub output: &'a Data,
    /// The run's variables.
    pub vars: &'a mut Vars,
    /// The run's daemons, with their logs.
    pub daemons: &'a Daemons,
}

/// Why a check did not hold.
#[derive(Debug, Clone)]
pub struct Failed {
    /// In the words `must-fail` uses.
    pub reason: Reason,
    /// What was expected and what was found.
    pub message: String,
}

fn failed(reason: Reason, message: impl Into<String>) -> Failed {
    Failed {
        reason,
        message: message.into(),
    }
}

impl Scope<'_> {
    fn fill(&mut self, text: &str) -> Result<String, Failed> {
        self.vars
            .substitute(text)
            .map_err(|message| failed(Reason::UnknownVariable, message))
    }

    /// The path with its variables filled in.
    fn path(&mut self, path: &JsonPath) -> Result<JsonPath, Failed> {
        let mut unknown = None;
        let filled = path.fill(|text| {
            self.vars.substitute(text).inspect_err(|message| {
                unknown = Some(message.clone());
            })
        });
        match (filled, unknown) {
            (_, Some(message)) => Err(failed(Reason::UnknownVariable, message)),
            (Ok(path), None) => Ok(path),
            (Err(message), None) => Err(failed(Reason::BadStep, message)),
        }
    }

    fn json(&self) -> Result<Value, Failed> {
        match self.output {
            Data::Json(value) => Ok(value.clone()),
            Data::Text(text) => serde_json::from_str(text)
                .map_err(|err| failed(Reason::WrongJson, format!("the output is not JSON: {err}"))),
            Data::None => Err(failed(
                Reason::BadStep,
                "this check reads a step's output, and there is none: put it after a \
                 `console`, `http` or `sse` step",
            )),
        }
    }

    fn text(&self) -> String {
        match self.output {
            Data::Text(text) => text.clone(),
            Data::Json(value) => serde_json::to_string_pretty(value).unwrap_or_default(),
            Data::None => String::new(),
        }
    }

    /// Checks one line.
    pub fn check(&mut self, check: &Check) -> Result<(), Failed> {
        match check {
            Check::Subset { path, value } => {
                // JSON-aware: a value lands escaped inside a string.
                let text = self.vars.json(value).map_err(|err| match err {
                    Unfilled::Unknown(message) => failed(Reason::UnknownVariable, message),
                    Unfilled::Unusable(message) => failed(Reason::BadStep, message),
                })?;
                let expected: Value = serde_json::from_str(&text).map_err(|err| {
                    failed(
                        Reason::BadStep,
                        format!("`{text}` is not JSON once filled in: {err}"),
                    )
                })?;
                let path = self.path(path)?;
                expect::json_at(&path, &expected, &self.json()?)
                    .map_err(|err| failed(Reason::WrongJson, err.to_string()))
            }
            Check::Shape { path, shape } => shaped(&self.path(path)?, *shape, &self.json()?),
            Check::Compare(compare) => {
                let left = self.term(&compare.left)?;
                let right = self.term(&compare.right)?;
                compared(&left, compare.op, &right)
            }
            Check::Text { pattern, present } => {
                let pattern = self.fill(pattern)?;
                let re = Regex::new(&pattern)
                    .map_err(|err| failed(Reason::BadStep, format!("bad regex: {err}")))?;
                let text = self.text();
                match (re.find(&text), present) {
                    (Some(_), true) | (None, false) => Ok(()),
                    (None, true) => Err(failed(
                        Reason::WrongOutput,
                        format!("regex `{pattern}` matches nothing in the output"),
                    )),
                    (Some(found), false) => {
                        let line = text[..found.start()].matches('\n').count() + 1;
                        let shown = text.lines().nth(line - 1).unwrap_or_default();
                        Err(failed(
                            Reason::WrongOutput,
                            format!(
                                "the output must not match `{pattern}`, but line {line} \
                                 does: `{shown}`"
                            ),
                        ))
                    }
                }
            }
            Check::Log {
                daemon,
                pattern,
                within,
            } => {
                let pattern = self.fill(pattern)?;
                let re = Regex::new(&pattern)
                    .map_err(|err| failed(Reason::BadStep, format!("bad regex: {err}")))?;
                wait_for_log(self.daemons, daemon, &re, *within)
            }
            Check::AnyOf(checks) => {
                let mut misses = Vec::new();
                for check in checks {
                    match self.check(check) {
                        Ok(()) => return Ok(()),
                        Err(miss) => misses.push(miss),
                    }
                }
                let reason = misses.first().map_or(Reason::WrongJson, |m| m.reason);
                let lines: Vec<String> = misses
                    .iter()
                    .enumerate()
                    .map(|(i, m)| format!("  {}. {}", i + 1, m.message))
                    .collect();
                Err(failed(
                    reason,
                    format!("none of the alternatives holds:\n{}", lines.join("\n")),
                ))
            }
        }
    }

    /// Runs a `capture` line: sets `name` for later steps.
    pub fn capture(&mut self, name: &str, from: &CaptureFrom) -> Result<(), Failed> {
        let value = match from {
            CaptureFrom::Json(path) => {
                let actual = self.json().map_err(|miss| {
                    failed(
                        Reason::MissedCapture,
                        format!("capture `{name}` from {path}: {}", miss.message),
                    )
                })?;
                match self.path(path)?.one(&actual) {
                    Ok((_, Value::String(s))) => s.clone(),
                    Ok((_, value)) => value.to_string(),
                    Err(why) => {
                        return Err(failed(
                            Reason::MissedCapture,
                            format!("capture `{name}`: {why}"),
                        ))
                    }
                }
            }
            CaptureFrom::Regex(pattern) => {
                let pattern = self.fill(pattern)?;
                let re = Regex::new(&pattern)
                    .map_err(|err| failed(Reason::BadStep, format!("bad regex: {err}")))?;
                let text = self.text();
                let found = re.captures(&text).map(|caps| {
                    caps.get(1)
                        .or_else(|| caps.get(0))
                        .map_or(String::new(), |m| m.as_str().to_owned())
                });
                found.ok_or_else(|| {
                    failed(
                        Reason::MissedCapture,
                        format!(
                            "capture `{name}`: regex `{pattern}` matches nothing in the output"
                        ),
                    )
                })?
            }
        };
        self.vars.set(name, value);
        Ok(())
    }

    fn term(&mut self, term: &Term) -> Result<Value, Failed> {
        let first = self.operand(&term.first)?;
        if term.rest.is_empty() {
            return Ok(first);
        }
        let mut sum = number(&first)?;
        for (plus, operand) in &term.rest {
            let value = number(&self.operand(operand)?)?;
            sum = if *plus { sum + value } else { sum - value };
        }
        Ok(serde_json::Number::from_f64(sum).map_or(Value::Null, Value::Number))
    }

    fn operand(&mut self, operand: &Operand) -> Result<Value, Failed> {
        match operand {
            Operand::Var(text) => {
                let value = self.fill(text)?;
                Ok(match serde_json::from_str::<Value>(&value) {
                    Ok(number @ Value::Number(_)) => number,
                    _ => Value::String(value),
                })
            }
            Operand::Value(value) => Ok(value.clone()),
            Operand::Path(path) => {
                let json = self.json()?;
                self.path(path)?
                    .one(&json)
                    .map(|(_, value)| value.clone())
                    .map_err(|why| failed(Reason::WrongJson, why))
            }
        }
    }
}

fn number(value: &Value) -> Result<f64, Failed> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        failed(
            Reason::WrongValue,
            format!("{} is not a number", expect::compact(value)),
        )
    })
}

/// The text a value compares by: a string as is, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn compared(left: &Value, op: &str, right: &Value) -> Result<(), Failed> {
    let numbers = number(left).ok().zip(number(right).ok());
    let holds = match op {
        "==" | "!=" => {
            let equal = match numbers {
                Some((l, r)) if !left.is_string() || !right.is_string() => l == r,
                _ => text_of(left) == text_of(right),
            };
            equal == (op == "==")
        }
        _ => {
            let (l, r) = numbers.ok_or_else(|| {
                failed(
                    Reason::WrongValue,
                    format!(
                        "`{op}` compares numbers, got {} and {}",
                        expect::compact(left),
                        expect::compact(right)
                    ),
                )
            })?;
            match op {
                "<" => l < r,
                "<=" => l <= r,
                ">" => l > r,
                _ => l >= r,
            }
        }
    };
    if holds {
        Ok(())
    } else {
        Err(failed(
            Reason::WrongValue,
            format!(
                "expected {} {op} {}, which does not hold",
                expect::compact(left),
                expect::compact(right)
            ),
        ))
    }
}

fn shaped(path: &JsonPath, shape: Shape, actual: &Value) -> Result<(), Failed> {
    let found = path.select(actual);
    let wrong = |message: String| Err(failed(Reason::WrongJson, format!("at {path}: {message}")));
    match shape {
        Shape::Absent if found.is_empty() => return Ok(()),
        Shape::Absent => {
            let values: Vec<String> = found.iter().map(|(_, v)| expect::compact(v)).collect();
            return wrong(format!("expected nothing, found {}", values.join(", ")));
        }
        Shape::Present if found.is_empty() => {
            return wrong("expected a value, found none".to_owned())
        }
        Shape::Present => return Ok(()),
        _ => {}
    }
    let (_, value) = path
        .one(actual)
        .map_err(|why| failed(Reason::WrongJson, why))?;
    let holds = match shape {
        Shape::Integer => value.is_i64() || value.is_u64(),
        Shape::Number => value.is_number(),
        Shape::String => value.is_string(),
        Shape::Boolean => value.is_boolean(),
        Shape::Array => value.is_array(),
        Shape::Object => value.is_object(),
        Shape::Null => value.is_null(),
        Shape::NonEmpty => match value {
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => false,
        },
        Shape::Items(n) => value.as_array().is_some_and(|a| a.len() == n),
        Shape::Absent | Shape::Present => unreachable!("handled above"),
    };
    if holds {
        Ok(())
    } else {
        wrong(format!("expected {shape}, got {}", expect::compact(value)))
    }
}

fn wait_for_log(
    daemons: &Daemons,
    daemon: &str,
    re: &Regex,
    within: Duration,
) -> Result<(), Failed> {
    if daemons.log_of(daemon).is_none() {
        let names = daemons.started();
        return Err(failed(
            Reason::BadStep,
            format!(
                "no daemon `{daemon}` was started (started: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        ));
    }
    let deadline = Instant::now() + within;
    loop {
        let text = daemons.log_of(daemon).unwrap_or_default().text;
        if re.is_match(&text) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(failed(
                Reason::MissedLogLine,
                format!(
                    "no line of daemon `{daemon}`'s log matched `{re}` within {}s",
                    within.as_secs_f64()
                ),
            ));
        }
        sleep(LOG_EVERY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(line: &str, output: Value) -> Result<(), Failed> {
        let mut vars = Vars::default();
        vars.set("pid", "4242");
        vars.set("before", "3");
        vars.set("after", "4");
        vars.set("id", "s-1");
        vars.set("tool", "git");
        let check = parse(line).unwrap_or_else(|err| panic!("{line}: {err}"));
        let data = Data::Json(output);
        Scope {
            output: &data,
            vars: &mut vars,
            daemons: &Daemons::default(),
        }
        .check(&check)
    }

    #[test]
    fn types_presence_and_counts() {
        let doc = json!({"pid": 12, "name": "git", "tags": [], "items": [1, 2, 3],
                         "checks": [{"name": "git", "status": "pass"}, {"name": "go", "status": "warn"}]});
        for line in [
            "$.pid is integer",
            "$.name is string",
            "$.name is non-empty",
            "$.error is absent",
            "$.items has 3 items",
            "$.checks[?(@.name=='git')].status = \"pass\"",
            "$.checks[?@.name == 'go'].status is present",
            "$.checks[?(@.name=='svn')] is absent",
            "$.checks[?(@.name=='{{tool}}')].status = \"pass\"",
        ] {
            assert!(holds(line, doc.clone()).is_ok(), "{line}");
        }
        for (line, message) in [
            (
                "$.name is integer",
                "at $.name: expected an integer, got \"git\"",
            ),
            (
                "$.tags is non-empty",
                "at $.tags: expected non-empty, got []",
            ),
            ("$.pid is absent", "at $.pid: expected nothing, found 12"),
            (
                "$.items has 2 items",
                "at $.items: expected an array of 2 items, got [1,2,3]",
            ),
            (
                "$.checks[*].status is string",
                "$.checks[*].status selects 2 values",
            ),
        ] {
            let miss = holds(line, doc.clone()).unwrap_err();
            assert_eq!(miss.reason, Reason::WrongJson);
            assert!(
                miss.message.starts_with(message),
                "{line}: {}",
                miss.message
            );
        }
    }

    #[test]
    fn comparisons_read_variables_as_numbers_when_they_are() {
        let doc = json!({"count": 2, "id": "s-1"});
        for line in [
            "{{pid}} > 0",
            "{{after}} == {{before}} + 1",
            "{{before}} != {{after}}",
            "{{id}} == $.id",
            "$.count >= 2",
            "{{id}} == \"s-1\"",
        ] {
            assert!(holds(line, doc.clone()).is_ok(), "{line}");
        }
        let miss = holds("{{after}} == {{before}}", doc.clone()).unwrap_err();
        assert_eq!(miss.reason, Reason::WrongValue);
        assert_eq!(miss.message, "expected 4 == 3, which does not hold");
        let miss = holds("{{id}} > 0", doc).unwrap_err();
        assert!(
            miss.message.contains("compares numbers"),
            "{}",
            miss.message
        );
    }

    #[test]
    fn alternatives_hold_when_one_does() {
        let stopped = json!({"session": {"state": "stopped"}});
        let line = "$.session is absent or $.session.state = \"stopped\"";
        assert!(holds(line, stopped).is_ok());
        assert!(holds(line, json!({})).is_ok());
        let miss = holds(line, json!({"session": {"state": "running"}})).unwrap_err();
        assert!(
            miss.message
                .starts_with("none of the alternatives holds:\n  1. at $.session"),
            "{}",
            miss.message
        );
        assert!(matches!(
            parse("regex a or regex b").unwrap(),
            Check::AnyOf(checks) if checks.len() == 2
        ));
        assert!(matches!(
            parse("regex a or b").unwrap(),
            Check::Text { pattern, .. } if pattern == "a or b"
        ));
    }

    #[test]
    fn text_that_must_not_appear_is_shown_with_its_line() {
        let data = Data::Text("ok\npanicked at x\n".to_owned());
        let mut vars = Vars::default();
        let mut scope = Scope {
            output: &data,
            vars: &mut vars,
            daemons: &Daemons::default(),
        };
        let miss = scope
            .check(&parse("not regex panick").unwrap())
            .unwrap_err();
        assert_eq!(
            miss.message,
            "the output must not match `panick`, but line 2 does: `panicked at x`"
        );
        assert!(scope.check(&parse("regex (?m)^ok$").unwrap()).is_ok());
    }

    #[test]
    fn malformed_lines_say_what_to_write() {
        for (line, says) in [
            ("$.a is big", "unknown `is big`"),
            ("$.a has many items", "write `has 3 items`"),
            ("$.a = pass", "is not JSON"),
            ("log web listening", "goes between `/`"),
            ("log web /x/ soon", "bad `soon` after the regex"),
            ("not regex (", "bad regex"),
            ("{{a}} == nope", "`nope` is not a value"),
            ("hello", "bad `expect` line `hello`"),
            ("$[?(@.a==", "bad JSON path"),
        ] {
            let err = parse(line).unwrap_err();
            assert!(err.contains(says), "{line}: {err}");
        }
    }
}

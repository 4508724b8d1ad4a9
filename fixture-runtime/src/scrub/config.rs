//! A user's additions to the built-in rules: patterns of their own
//! credential kinds, and an allow-list of values that are no secrets. The
//! same shape is a suite setting, the `scrub` field of `scenario.json`, and
//! the file `fixture-kit scrub --config` reads.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Extra patterns and allowed values, added to the built-in rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrubConfig {
    /// More kinds of secret, checked before the built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<Pattern>,
    /// Regular expressions for found values to keep: one that matches a
    /// found secret as a whole (e.g. a documented example key) stays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
}

/// One user-defined kind of secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Its name in the placeholder, `<redacted:KIND>`: lower-case letters,
    /// digits and `-`.
    pub kind: String,
    /// A regular expression (Rust `regex` syntax; `\b` is an ASCII word
    /// boundary). A group named `secret` is the part replaced; without
    /// one, the whole match is.
    pub regex: String,
}

/// A configuration that does not compile, with the JSON path of the entry
/// at fault (`patterns[1].regex`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: `patterns[1].regex`, `allow[0]`.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ScrubConfig {
    /// No additions: the built-in rules alone.
    pub fn new() -> ScrubConfig {
        ScrubConfig::default()
    }

    /// Adds a kind of secret.
    pub fn pattern(mut self, kind: &str, regex: &str) -> ScrubConfig {
        self.patterns.push(Pattern {
            kind: kind.to_owned(),
            regex: regex.to_owned(),
        });
        self
    }

    /// Keeps found values that `regex` matches as a whole.
    pub fn allow(mut self, regex: &str) -> ScrubConfig {
        self.allow.push(regex.to_owned());
        self
    }

    /// Whether it adds nothing.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.allow.is_empty()
    }

    /// This configuration followed by `other`'s patterns and allowed values
    /// (a suite's, then a scenario's).
    pub fn merged(&self, other: &ScrubConfig) -> ScrubConfig {
        let mut merged = self.clone();
        merged.patterns.extend(other.patterns.iter().cloned());
        merged.allow.extend(other.allow.iter().cloned());
        merged
    }

    /// Parses `KIND=REGEX`, the form of `fixture-kit scrub --pattern`.
    pub fn parse_pattern(text: &str) -> Result<Pattern, String> {
        let (kind, regex) = text.split_once('=').ok_or_else(|| {
            format!("`{text}`: expected KIND=REGEX, e.g. `acme-token=acme_[0-9a-f]{{32}}`")
        })?;
        Ok(Pattern {
            kind: kind.to_owned(),
            regex: regex.to_owned(),
        })
    }
}

/// Whether `kind` is usable in a placeholder.
pub(crate) fn valid_kind(kind: &str) -> bool {
    kind.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

//! Secret scrubbing: API keys, tokens, credentials and the values of
//! secret-named environment variables become stable placeholders.
//!
//! Every rule lives in one combined regular expression, so a text is scanned
//! once whatever the number of rules. Word boundaries are ASCII ones
//! (`(?-u:\b)`): a Unicode `\b` would stop the fast engine at the first
//! non-ASCII byte. The output is a pure function of the input, and scrubbing
//! twice changes nothing more than scrubbing once. `docs/SCENARIOS.md` lists
//! the rules and their placeholders.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// Upper-case names with a `TOKEN`, `KEY`, `SECRET` or `PASSWORD` word:
/// the word stands alone between `_`s (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`)
/// or after a well-known prefix (`APIKEY`, `PGPASSWORD`), so `HOTKEY` and
/// `MONKEY` are no secrets.
const SECRET_NAME: &str = r"(?:[A-Z0-9]+_)*(?:API|AUTH|ACCESS|PG|DB)?(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD)S?(?:_[A-Z0-9]+)*";

/// A value worth hiding: not empty, not a placeholder (`<...>`) and not a
/// shell reference (`$NAME`).
const SECRET_VALUE: &str = r#"[^\s"'\\<$][^\s"'\\]*"#;

/// The rules as `(kind, pattern)`, most specific first: where two match at
/// the same place, the earlier one wins. A group named `keep` is text kept
/// before the placeholder, such as `Authorization: `.
fn rules() -> Vec<(&'static str, String)> {
    let fixed = [
        (
            "private-key",
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
        ),
        ("anthropic-key", r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{20,}"),
        (
            "openai-key",
            r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
        ),
        (
            "github-token",
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
        ),
        (
            "aws-access-key",
            r"(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?-u:\b)",
        ),
        ("slack-token", r"(?-u:\b)xox[abposr]-[A-Za-z0-9-]{10,}"),
        ("google-api-key", r"(?-u:\b)AIza[0-9A-Za-z_-]{35}"),
        (
            "stripe-key",
            r"(?-u:\b)(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}",
        ),
        (
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        ),
        (
            "authorization",
            r#"(?i)(?P<keep>(?-u:\b)authorization(?-u:\b)["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)[A-Za-z0-9._~+/-]{8,}=*"#,
        ),
        (
            "bearer-token",
            r"(?i)(?P<keep>(?-u:\b)bearer\s+)[A-Za-z0-9._~+/-]{16,}=*",
        ),
    ];
    let mut rules: Vec<(&'static str, String)> = fixed
        .into_iter()
        .map(|(kind, pattern)| (kind, pattern.to_owned()))
        .collect();
    // `NAME=value`, `NAME="value"` and JSON `"NAME": "value"`, with the
    // quotes escaped too when inside a JSON string.
    rules.push((
        "secret-env",
        format!(
            r#"(?P<keep>(?-u:\b){SECRET_NAME}=(?:\\?["'])?|\\?"{SECRET_NAME}\\?"\s*:\s*\\?"){SECRET_VALUE}"#
        ),
    ));
    rules
}

/// The compiled rules.
pub struct Scrubber {
    regex: Regex,
    /// Per rule: its kind, placeholder, and the indices of its whole group
    /// and of its `keep` group.
    rules: Vec<CompiledRule>,
}

struct CompiledRule {
    kind: &'static str,
    placeholder: String,
    group: usize,
    keep: Option<usize>,
}

/// A secret found in a text, without the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// What kind of secret (`github-token`, `secret-env`, ...).
    pub kind: &'static str,
    /// Its byte offset in the text.
    pub offset: usize,
}

impl Scrubber {
    /// Compiles the rules.
    pub fn new() -> Scrubber {
        let rules = rules();
        let alternatives: Vec<String> = rules
            .iter()
            .enumerate()
            .map(|(index, (_, pattern))| {
                let pattern = pattern.replace("?P<keep>", &format!("?P<keep{index}>"));
                format!("(?P<rule{index}>{pattern})")
            })
            .collect();
        let regex = Regex::new(&alternatives.join("|")).expect("the scrub rules compile");
        let group = |name: String| regex.capture_names().position(|n| n == Some(&name));
        let rules = rules
            .iter()
            .enumerate()
            .map(|(index, (kind, _))| CompiledRule {
                kind,
                placeholder: placeholder(kind),
                group: group(format!("rule{index}")).expect("every rule has its group"),
                keep: group(format!("keep{index}")),
            })
            .collect();
        Scrubber { regex, rules }
    }

    /// The shared instance.
    pub fn global() -> &'static Scrubber {
        static SCRUBBER: OnceLock<Scrubber> = OnceLock::new();
        SCRUBBER.get_or_init(Scrubber::new)
    }

    /// Replaces every secret in `text` by its placeholder; borrows when
    /// there is none.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.regex.replace_all(text, |caps: &Captures<'_>| {
            let rule = self.rule_of(caps);
            let keep = rule
                .keep
                .and_then(|keep| caps.get(keep))
                .map_or("", |keep| keep.as_str());
            format!("{keep}{}", rule.placeholder)
        })
    }

    /// The first secret in `text`, if any.
    pub fn find(&self, text: &str) -> Option<Finding> {
        let caps = self.regex.captures(text)?;
        Some(Finding {
            kind: self.rule_of(&caps).kind,
            offset: caps.get(0).map_or(0, |m| m.start()),
        })
    }

    fn rule_of(&self, caps: &Captures<'_>) -> &CompiledRule {
        self.rules
            .iter()
            .find(|rule| caps.get(rule.group).is_some())
            .expect("one rule matched")
    }
}

impl Default for Scrubber {
    fn default() -> Scrubber {
        Scrubber::new()
    }
}

/// The placeholder of one kind of secret, e.g. `<redacted:github-token>`.
pub fn placeholder(kind: &str) -> String {
    format!("<redacted:{kind}>")
}

/// Scrubs `text` with the shared [`Scrubber`].
pub fn scrub(text: &str) -> String {
    Scrubber::global().scrub(text).into_owned()
}

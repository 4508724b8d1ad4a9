//! The rules a fixture can fail, and one failed check of a rule.

use std::fmt;
use std::str::FromStr;

/// Every rule fixture-kit checks; its kebab-case name is what must-fail
/// declarations and reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The fixture folder itself: prompt, golden, declared constraints.
    Layout,
    /// The agent's typed output contract (schema, unknown fields).
    Contract,
    /// An empty plan or patch only where `zero_change` is declared; no
    /// dummy tasks or hunks standing in for "nothing to do".
    ZeroChange,
    /// The coder's patch parses as a git-style unified diff.
    PatchValidity,
    /// The patch applies cleanly to `repo/`.
    PatchApply,
    /// No absolute, escaping or forbidden paths.
    PathSafety,
    /// No invented files, lines or paths.
    NonFabrication,
    /// The planner's tasks form a valid graph.
    TaskGraph,
    /// The reviewer's decision matches its comments.
    ReviewerConsistency,
    /// Declared refactor-only, docs-only and config-whitelist scopes.
    Scope,
    /// No timestamps or random ids; goldens in canonical form.
    Determinism,
    /// A task's goldens agree with each other: the plan with the design,
    /// the patch with the plan.
    Pipeline,
    /// The actual output matches the golden.
    Golden,
    /// The agent runner produced an output.
    Runner,
    /// The fixture-local `verify.rs`.
    LocalVerify,
    /// `FIXTURE_STRICT_REAL_AGENTS`: a real agent must be wired.
    StrictRealAgents,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 16] = [
        Rule::Layout,
        Rule::Contract,
        Rule::ZeroChange,
        Rule::PatchValidity,
        Rule::PatchApply,
        Rule::PathSafety,
        Rule::NonFabrication,
        Rule::TaskGraph,
        Rule::ReviewerConsistency,
        Rule::Scope,
        Rule::Determinism,
        Rule::Pipeline,
        Rule::Golden,
        Rule::Runner,
        Rule::LocalVerify,
        Rule::StrictRealAgents,
    ];

    /// The rule's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Layout => "layout",
            Rule::Contract => "contract",
            Rule::ZeroChange => "zero-change",
            Rule::PatchValidity => "patch-validity",
            Rule::PatchApply => "patch-apply",
            Rule::PathSafety => "path-safety",
            Rule::NonFabrication => "non-fabrication",
            Rule::TaskGraph => "task-graph",
            Rule::ReviewerConsistency => "reviewer-consistency",
            Rule::Scope => "scope",
            Rule::Determinism => "determinism",
            Rule::Pipeline => "pipeline",
            Rule::Golden => "golden",
            Rule::Runner => "runner",
            Rule::LocalVerify => "local-verify",
            Rule::StrictRealAgents => "strict-real-agents",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Rule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Rule::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "unknown rule `{s}`: expected one of {}{}",
                    names.join(", "),
                    crate::suggest::did_you_mean(s, &names)
                )
            })
    }
}

/// One failed check: the rule, where (a file, `file:line:col`, or a JSON
/// path such as `tasks[2].dependsOn`), what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule that failed.
    pub rule: Rule,
    /// Where, as precisely as known.
    pub location: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Violation {
    /// A violation of `rule` with a message.
    pub fn new(rule: Rule, message: impl Into<String>) -> Violation {
        Violation {
            rule,
            location: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Sets where it happened.
    pub fn at(mut self, location: impl Into<String>) -> Violation {
        self.location = Some(location.into());
        self
    }

    /// Sets what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Violation {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.rule)?;
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

//! Which recording answers a call: the step rule and the match fields, in
//! the spirit of VCR's `match_on`.
//!
//! A call is answered by an unused recording, looked for in recorded order:
//!
//! 1. `step`: a call that names its step (the step variable, by default
//!    `SCENARIO_STEP_NAME`) is answered only by recordings of that step; a
//!    call that names none may be answered by any step's.
//! 2. `prompt`, `args`: the first recording whose prompt (stdin) and
//!    argument vector equal the call's, each after normalisation, answers.
//! 3. `order`: when 2 finds none (or neither field is on), the first
//!    recording left answers, whatever its prompt and arguments.
//!
//! With none of them on, the first recording left answers. A call nothing
//! answers is a miss; its message names the rule that applied.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// One field calls are matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchField {
    /// The step the call names.
    Step,
    /// Recorded order, as the fallback.
    Order,
    /// The prompt given on stdin.
    Prompt,
    /// The argument vector.
    Args,
}

impl MatchField {
    /// Every field, the default.
    pub const ALL: [MatchField; 4] = [
        MatchField::Step,
        MatchField::Order,
        MatchField::Prompt,
        MatchField::Args,
    ];

    fn name(self) -> &'static str {
        match self {
            MatchField::Step => "step",
            MatchField::Order => "order",
            MatchField::Prompt => "prompt",
            MatchField::Args => "args",
        }
    }
}

impl fmt::Display for MatchField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MatchField {
    type Err = String;

    fn from_str(text: &str) -> Result<MatchField, String> {
        MatchField::ALL
            .into_iter()
            .find(|field| field.name() == text)
            .ok_or_else(|| format!("unknown match field `{text}`: use step, order, prompt or args"))
    }
}

/// The field a normaliser rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NormalisedField {
    /// The prompt.
    Prompt,
    /// Each argument.
    Args,
}

/// A rewrite applied to both sides before they are compared: every match
/// of `regex` becomes `replace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldNormaliser {
    /// `prompt` or `args`.
    pub field: NormalisedField,
    /// A regular expression (Rust `regex` syntax).
    pub regex: String,
    /// What a match becomes; `$1` and `${name}` name groups.
    #[serde(default = "FieldNormaliser::default_replace")]
    pub replace: String,
}

impl FieldNormaliser {
    fn default_replace() -> String {
        "<normalised>".to_owned()
    }
}

/// `scenario.json`'s `match` field: the fields compared and their
/// normalisers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    /// The fields compared; all four when absent.
    #[serde(default = "MatchConfig::default_on")]
    pub on: Vec<MatchField>,
    /// Rewrites of run-specific parts (temporary paths, ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalise: Vec<FieldNormaliser>,
}

impl Default for MatchConfig {
    fn default() -> MatchConfig {
        MatchConfig {
            on: MatchConfig::default_on(),
            normalise: Vec::new(),
        }
    }
}

impl MatchConfig {
    fn default_on() -> Vec<MatchField> {
        MatchField::ALL.to_vec()
    }

    /// Parses `--match step,order,prompt,args`.
    pub fn parse_fields(text: &str) -> Result<Vec<MatchField>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::parse)
            .collect()
    }
}

/// What a call asked, after the recorder's normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The step it names, if it names one.
    pub step: Option<String>,
    /// The prompt.
    pub prompt: String,
    /// The arguments.
    pub args: Vec<String>,
}

/// A recording the matcher may choose.
pub trait Candidate {
    /// Its step.
    fn step(&self) -> &str;
    /// Its recorded prompt.
    fn prompt(&self) -> &str;
    /// Its recorded arguments.
    fn args(&self) -> &[String];
}

/// How a recording was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Its index among the candidates.
    pub index: usize,
    /// The rule that chose it, for the call log.
    pub rule: String,
}

/// A compiled [`MatchConfig`].
#[derive(Debug, Clone)]
pub struct Matcher {
    on: BTreeSet<MatchField>,
    step_env: String,
    prompt: Vec<(Regex, String)>,
    args: Vec<(Regex, String)>,
}

impl Matcher {
    /// Compiles `config`; `step_env` names the step variable in messages.
    /// A bad regex is an error naming `match.normalise[i]`.
    pub fn new(config: &MatchConfig, step_env: &str) -> Result<Matcher, String> {
        let mut prompt = Vec::new();
        let mut args = Vec::new();
        for (index, normaliser) in config.normalise.iter().enumerate() {
            let regex = Regex::new(&normaliser.regex).map_err(|err| {
                format!("match.normalise[{index}].regex is not a valid regular expression: {err}")
            })?;
            let rewrite = (regex, normaliser.replace.clone());
            match normaliser.field {
                NormalisedField::Prompt => prompt.push(rewrite),
                NormalisedField::Args => args.push(rewrite),
            }
        }
        Ok(Matcher {
            on: config.on.iter().copied().collect(),
            step_env: step_env.to_owned(),
            prompt,
            args,
        })
    }

    /// Whether `field` is compared.
    pub fn uses(&self, field: MatchField) -> bool {
        self.on.contains(&field)
    }

    /// Chooses the recording that answers `asked` among `candidates`
    /// (`None` for one already used); the error is the miss message.
    pub fn choose<C: Candidate>(
        &self,
        asked: &Asked,
        candidates: &[Option<C>],
    ) -> Result<Choice, String> {
        let by_step = asked
            .step
            .as_deref()
            .filter(|_| self.uses(MatchField::Step));
        let left = || {
            candidates
                .iter()
                .enumerate()
                .filter_map(|(index, c)| c.as_ref().map(|c| (index, c)))
                .filter(|(_, c)| by_step.is_none_or(|step| c.step() == step))
        };
        let scope = match by_step {
            Some(step) => format!("step `{step}` (from ${})", self.step_env),
            None if asked.step.is_some() => "any step (step not matched on)".to_owned(),
            None => format!("any step (${} not set)", self.step_env),
        };
        let compared: Vec<&str> = [MatchField::Prompt, MatchField::Args]
            .into_iter()
            .filter(|field| self.uses(*field))
            .map(MatchField::name)
            .collect();
        if !compared.is_empty() {
            let prompt = self.normalise_prompt(&asked.prompt);
            let args = self.normalise_args(&asked.args);
            let same = |c: &C| {
                (!self.uses(MatchField::Prompt) || self.normalise_prompt(c.prompt()) == prompt)
                    && (!self.uses(MatchField::Args) || self.normalise_args(c.args()) == args)
            };
            if let Some((index, _)) = left().find(|(_, c)| same(c)) {
                return Ok(Choice {
                    index,
                    rule: format!("{scope}, {} matched", compared.join(" and ")),
                });
            }
            if !self.uses(MatchField::Order) {
                return Err(format!(
                    "rule: {scope}, {} compared, no order fallback: no unused recording has \
                     the same {}",
                    compared.join(" and "),
                    compared.join(" and ")
                ));
            }
        }
        match left().next() {
            Some((index, candidate)) => {
                let differed: Vec<&str> = [
                    (
                        MatchField::Prompt,
                        self.normalise_prompt(candidate.prompt())
                            != self.normalise_prompt(&asked.prompt),
                    ),
                    (
                        MatchField::Args,
                        self.normalise_args(candidate.args()) != self.normalise_args(&asked.args),
                    ),
                ]
                .into_iter()
                .filter(|(field, differs)| self.uses(*field) && *differs)
                .map(|(field, _)| field.name())
                .collect();
                let rule = if differed.is_empty() {
                    format!("{scope}, next in recorded order")
                } else {
                    format!(
                        "{scope}, next in recorded order ({} differed)",
                        differed.join(" and ")
                    )
                };
                Ok(Choice { index, rule })
            }
            None => Err(format!("rule: {scope}: no unused recording is left for it")),
        }
    }

    fn normalise_prompt(&self, text: &str) -> String {
        rewrite(&self.prompt, text)
    }

    fn normalise_args(&self, args: &[String]) -> Vec<String> {
        args.iter().map(|arg| rewrite(&self.args, arg)).collect()
    }
}

fn rewrite(rules: &[(Regex, String)], text: &str) -> String {
    rules
        .iter()
        .fold(text.to_owned(), |text, (regex, replace)| {
            regex.replace_all(&text, replace.as_str()).into_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rec(&'static str, &'static str, Vec<String>);

    impl Candidate for Rec {
        fn step(&self) -> &str {
            self.0
        }
        fn prompt(&self) -> &str {
            self.1
        }
        fn args(&self) -> &[String] {
            &self.2
        }
    }

    fn asked(step: Option<&str>, prompt: &str) -> Asked {
        Asked {
            step: step.map(str::to_owned),
            prompt: prompt.to_owned(),
            args: vec!["-p".to_owned()],
        }
    }

    fn pool() -> Vec<Option<Rec>> {
        vec![
            Some(Rec("investigate", "look", vec!["-p".into()])),
            Some(Rec("implement", "attempt 1 in /tmp/a1", vec!["-p".into()])),
            Some(Rec("implement", "attempt 2 in /tmp/b2", vec!["-p".into()])),
        ]
    }

    fn matcher(on: &str, normalise: Vec<FieldNormaliser>) -> Matcher {
        let config = MatchConfig {
            on: MatchConfig::parse_fields(on).unwrap(),
            normalise,
        };
        Matcher::new(&config, "SCENARIO_STEP_NAME").unwrap()
    }

    #[test]
    fn the_step_variable_limits_the_choice_to_its_step() {
        let m = matcher("step,order", vec![]);
        let choice = m.choose(&asked(Some("implement"), "x"), &pool()).unwrap();
        assert_eq!(choice.index, 1);
        assert!(
            choice.rule.contains("from $SCENARIO_STEP_NAME"),
            "{}",
            choice.rule
        );
        let err = m.choose(&asked(Some("summary"), "x"), &pool()).unwrap_err();
        assert!(err.contains("step `summary`"), "{err}");
    }

    #[test]
    fn a_prompt_match_wins_over_order_and_normalisers_hide_run_specific_parts() {
        let tmp = FieldNormaliser {
            field: NormalisedField::Prompt,
            regex: "/tmp/[a-z0-9]+".to_owned(),
            replace: "<dir>".to_owned(),
        };
        let m = matcher("step,order,prompt,args", vec![tmp]);
        let choice = m
            .choose(&asked(Some("implement"), "attempt 2 in /tmp/zz9"), &pool())
            .unwrap();
        assert_eq!(choice.index, 2);
        assert!(
            choice.rule.ends_with("prompt and args matched"),
            "{}",
            choice.rule
        );
        // Without the step variable, the prompt alone finds the step.
        let choice = m
            .choose(&asked(None, "attempt 1 in /tmp/q"), &pool())
            .unwrap();
        assert_eq!(choice.index, 1);
    }

    #[test]
    fn without_order_a_changed_prompt_is_a_miss_and_with_it_the_next_recording() {
        let strict = matcher("step,prompt", vec![]);
        let err = strict
            .choose(&asked(Some("implement"), "changed"), &pool())
            .unwrap_err();
        assert!(err.contains("no order fallback"), "{err}");
        let lenient = matcher("step,prompt,order", vec![]);
        let choice = lenient
            .choose(&asked(Some("implement"), "changed"), &pool())
            .unwrap();
        assert_eq!(choice.index, 1);
        assert!(choice.rule.contains("prompt differed"), "{}", choice.rule);
    }

    #[test]
    fn used_recordings_are_passed_over() {
        let m = matcher("order", vec![]);
        let mut pool = pool();
        pool[0] = None;
        assert_eq!(m.choose(&asked(None, ""), &pool).unwrap().index, 1);
    }

    #[test]
    fn bad_fields_and_regexes_are_named() {
        assert!(MatchConfig::parse_fields("step,sequence")
            .unwrap_err()
            .contains("`sequence`"));
        let config = MatchConfig {
            on: vec![MatchField::Prompt],
            normalise: vec![FieldNormaliser {
                field: NormalisedField::Prompt,
                regex: "(".to_owned(),
                replace: String::new(),
            }],
        };
        assert!(Matcher::new(&config, "S")
            .unwrap_err()
            .contains("match.normalise[0].regex"));
    }
}

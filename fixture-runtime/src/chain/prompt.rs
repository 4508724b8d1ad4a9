//! What a chained stage receives: its `prompt.md` with the earlier
//! stages' actual outputs handed off, where it names them by placeholder
//! (`{{architect}}`, `{{planner}}`, `{{coder}}`), else in a section
//! appended for each (docs/CHAINING.md).
//!
//! A placeholder is `{{name}}` (spaces inside the braces allowed) where
//! `name` is one word; `${{ … }}` (GitHub Actions) and braces around
//! anything else (`{{ matrix.node }}`) are text. `\{{` keeps the braces
//! literal. Outputs are inserted verbatim, in one pass: a `{{planner}}` in
//! the architect's output stays as it is.

use crate::agent::Agent;

/// An earlier stage's actual output, handed to a later stage.
#[derive(Debug, Clone, Copy)]
pub struct Handoff<'a> {
    /// The stage that produced it.
    pub agent: Agent,
    /// Its answer, exactly as the stage produced it.
    pub output: &'a str,
}

/// A placeholder that stands for nothing the stage receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptError {
    /// The 1-based line of `prompt.md` it is on.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// The stages whose outputs a placeholder can name, in pipeline order.
const NAMED: [Agent; 3] = [Agent::Architect, Agent::Planner, Agent::Coder];

/// `prompt` for the `stage` agent, given the `earlier` stages' outputs (in
/// pipeline order): placeholders replaced by the outputs they name, or,
/// when the prompt holds none, each output appended in its own section.
pub fn compose(prompt: &str, stage: Agent, earlier: &[Handoff<'_>]) -> Result<String, PromptError> {
    let mut out = String::with_capacity(prompt.len());
    let mut used = false;
    let mut rest = prompt;
    let mut line = 1;
    while let Some(at) = rest.find("{{") {
        let (before, from) = rest.split_at(at);
        line += before.matches('\n').count();
        if let Some(kept) = before.strip_suffix('\\') {
            out.push_str(kept);
            out.push_str("{{");
            rest = &from[2..];
            continue;
        }
        out.push_str(before);
        match placeholder(from) {
            Some((name, len)) if !before.ends_with('$') => {
                out.push_str(output(name, stage, earlier, line)?);
                used = true;
                rest = &from[len..];
            }
            _ => {
                out.push_str("{{");
                rest = &from[2..];
            }
        }
    }
    out.push_str(rest);
    if !used {
        for handoff in earlier {
            append_section(&mut out, handoff);
        }
    }
    Ok(out)
}

/// `{{ name }}` at the start of `text`: the name and the placeholder's
/// length, when the braces hold one word.
fn placeholder(text: &str) -> Option<(&str, usize)> {
    let inner_end = text[2..].find("}}")? + 2;
    let name = text[2..inner_end].trim_matches(' ');
    let word = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    word.then_some((name, inner_end + 2))
}

/// The output `{{name}}` stands for in a prompt of `stage`.
fn output<'a>(
    name: &str,
    stage: Agent,
    earlier: &[Handoff<'a>],
    line: usize,
) -> Result<&'a str, PromptError> {
    let error = |message: String, hint: String| PromptError {
        line,
        message,
        hint,
    };
    let Some(agent) = NAMED.into_iter().find(|agent| agent.as_str() == name) else {
        let known: Vec<String> = NAMED.iter().map(|a| format!("`{{{{{a}}}}}`")).collect();
        let near = NAMED
            .into_iter()
            .map(|agent| {
                (
                    strsim::jaro_winkler(&name.to_lowercase(), agent.as_str()),
                    agent,
                )
            })
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, agent)| format!("did you mean `{{{{{agent}}}}}`? "))
            .unwrap_or_default();
        return Err(error(
            format!("unknown placeholder `{{{{{name}}}}}`"),
            format!(
                "{near}a chained prompt names an earlier stage's output as {}; write \
                 `\\{{{{` for literal braces",
                known.join(", ")
            ),
        ));
    };
    if agent >= stage {
        return Err(error(
            format!("`{{{{{name}}}}}` in a {stage} prompt: the {agent} runs after the {stage}"),
            format!("a {stage} prompt can name only the outputs of the stages before it"),
        ));
    }
    earlier
        .iter()
        .find(|handoff| handoff.agent == agent)
        .map(|handoff| handoff.output)
        .ok_or_else(|| {
            error(
                format!(
                    "`{{{{{name}}}}}`: the task has no {agent} fixture, so nothing is handed off"
                ),
                format!("add the task's {agent} fixture, or remove the placeholder"),
            )
        })
}

/// Appends `handoff` as a section: a heading naming the stage and its
/// output in a fence longer than any run of backticks in it.
fn append_section(out: &mut String, handoff: &Handoff<'_>) {
    let longest = handoff
        .output
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let language = match handoff.agent {
        Agent::Coder => "diff",
        _ => "json",
    };
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!(
        "\n## Output of the {} stage\n\n{fence}{language}\n{}",
        handoff.agent, handoff.output
    ));
    if !handoff.output.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN: &str = "{\"design\": \"{{planner}} stays\"}";

    fn earlier() -> Vec<Handoff<'static>> {
        vec![
            Handoff {
                agent: Agent::Architect,
                output: DESIGN,
            },
            Handoff {
                agent: Agent::Planner,
                output: "{\"tasks\": []}\n",
            },
        ]
    }

    #[test]
    fn placeholders_take_the_outputs_verbatim_in_one_pass() {
        let prompt = "Design:\n{{architect}}\nPlan: {{ planner }}.\n";
        let composed = compose(prompt, Agent::Coder, &earlier()).unwrap();
        assert_eq!(
            composed,
            "Design:\n{\"design\": \"{{planner}} stays\"}\nPlan: {\"tasks\": []}\n.\n"
        );
    }

    #[test]
    fn without_placeholders_each_output_is_appended_in_a_fence() {
        let with_ticks = [Handoff {
            agent: Agent::Coder,
            output: "+ ```rust\n+ ````\n",
        }];
        let composed = compose("Review it.", Agent::Reviewer, &with_ticks).unwrap();
        assert_eq!(
            composed,
            "Review it.\n\n## Output of the coder stage\n\n`````diff\n+ ```rust\n+ ````\n`````\n"
        );
        let composed = compose("Plan it.\n", Agent::Coder, &earlier()).unwrap();
        assert!(
            composed.starts_with("Plan it.\n\n## Output of the architect stage\n\n```json\n")
                && composed
                    .ends_with("## Output of the planner stage\n\n```json\n{\"tasks\": []}\n```\n"),
            "{composed}"
        );
        // The first stage receives nothing.
        assert_eq!(
            compose("Design it.\n", Agent::Architect, &[]).unwrap(),
            "Design it.\n"
        );
    }

    #[test]
    fn other_braces_are_text_and_a_backslash_keeps_them() {
        let prompt = "node ${{ matrix.node }} {{ a.b }} {{}} \\{{architect}} {{architect";
        assert_eq!(
            compose(prompt, Agent::Planner, &earlier()[..1]).unwrap(),
            "node ${{ matrix.node }} {{ a.b }} {{}} {{architect}} {{architect\n\n\
             ## Output of the architect stage\n\n```json\n{\"design\": \"{{planner}} stays\"}\n```\n"
        );
    }

    #[test]
    fn a_placeholder_for_nothing_received_is_an_error_naming_the_line() {
        let err = compose("a\nb {{archtect}}", Agent::Planner, &earlier()).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.message, "unknown placeholder `{{archtect}}`");
        assert!(
            err.hint
                .starts_with("did you mean `{{architect}}`? a chained prompt names"),
            "{}",
            err.hint
        );
        let err = compose("{{title}}", Agent::Planner, &earlier()).unwrap_err();
        assert!(
            err.hint.starts_with("a chained prompt names"),
            "{}",
            err.hint
        );
        let err = compose("{{coder}}", Agent::Planner, &earlier()).unwrap_err();
        assert_eq!(
            err.message,
            "`{{coder}}` in a planner prompt: the coder runs after the planner"
        );
        let err = compose("{{reviewer}}", Agent::Coder, &earlier()).unwrap_err();
        assert_eq!(err.message, "unknown placeholder `{{reviewer}}`");
        let err = compose("{{planner}}", Agent::Coder, &earlier()[..1]).unwrap_err();
        assert_eq!(
            err.message,
            "`{{planner}}`: the task has no planner fixture, so nothing is handed off"
        );
    }
}

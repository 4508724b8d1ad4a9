//! `--agent-cmd`: one agent CLI for every agent (`--agent-cmd "claude -p"`),
//! or one for one agent (`--agent-cmd planner="claude -p"`); an agent named
//! by none uses the command given for all, else replays its golden.

use std::collections::BTreeMap;

use crate::agent::Agent;

/// The agent commands of a `verify` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AgentCommands {
    /// The command for every agent not named.
    pub(crate) all: Option<String>,
    /// The command of each agent named.
    pub(crate) by_agent: BTreeMap<Agent, String>,
}

impl AgentCommands {
    /// Reads the `--agent-cmd` values: `AGENT=COMMAND` or `COMMAND`.
    pub(crate) fn parse(values: &[String]) -> Result<AgentCommands, String> {
        let mut commands = AgentCommands::default();
        for value in values {
            match named(value)? {
                Some((agent, command)) => {
                    if commands
                        .by_agent
                        .insert(agent, command.to_owned())
                        .is_some()
                    {
                        return Err(format!(
                            "--agent-cmd: two commands for the {agent}: give one each"
                        ));
                    }
                }
                None if commands.all.is_some() => {
                    return Err("--agent-cmd: two commands for every agent: give one, or \
                                name the agent of each (`--agent-cmd planner=\"…\"`)"
                        .to_owned())
                }
                None => commands.all = Some(value.clone()),
            }
        }
        Ok(commands)
    }
}

/// `AGENT=COMMAND`: the agent and the command; `None` for a command alone.
/// A bare word before `=` that names no agent is a mistake, not a command.
fn named(value: &str) -> Result<Option<(Agent, &str)>, String> {
    let Some((name, command)) = value.split_once('=') else {
        return Ok(None);
    };
    let word = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !word {
        return Ok(None);
    }
    match name.parse::<Agent>() {
        Ok(agent) if command.trim().is_empty() => {
            Err(format!("--agent-cmd {agent}=: the command is empty"))
        }
        Ok(agent) => Ok(Some((agent, command))),
        Err(()) => {
            let near = Agent::ALL
                .into_iter()
                .map(|a| (strsim::jaro_winkler(&name.to_lowercase(), a.as_str()), a))
                .filter(|(score, _)| *score >= 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, a)| format!("did you mean `{a}`? "))
                .unwrap_or_default();
            Err(format!(
                "--agent-cmd {name}=…: `{name}` is no agent: {near}name one of architect, \
                 planner, coder, reviewer, or give the command alone for every agent"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<AgentCommands, String> {
        AgentCommands::parse(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn commands_are_for_all_agents_or_named_ones() {
        let commands = parse(&["planner=claude -p", "agent --x=1", "coder=a b=c"]).unwrap();
        assert_eq!(commands.all.as_deref(), Some("agent --x=1"));
        assert_eq!(
            commands.by_agent.into_iter().collect::<Vec<_>>(),
            [
                (Agent::Planner, "claude -p".to_owned()),
                (Agent::Coder, "a b=c".to_owned())
            ]
        );
        assert_eq!(
            parse(&["/bin/x=y"]).unwrap().all.as_deref(),
            Some("/bin/x=y")
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = parse(&["plannr=claude"]).unwrap_err();
        assert!(
            err.contains("`plannr` is no agent: did you mean `planner`?"),
            "{err}"
        );
        let err = parse(&["coder=a", "coder=b"]).unwrap_err();
        assert!(err.contains("two commands for the coder"), "{err}");
        let err = parse(&["a", "b"]).unwrap_err();
        assert!(err.contains("two commands for every agent"), "{err}");
        assert!(parse(&["reviewer= "])
            .unwrap_err()
            .contains("the command is empty"));
    }
}

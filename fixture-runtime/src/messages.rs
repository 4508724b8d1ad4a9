//! Hints that fit where the user is: the command they ran decides which
//! command a hint names, and a hint never points at a file that exists only
//! in fixture-kit's own repository.

use std::path::Path;

use crate::agent::Agent;
use crate::discover::FixtureId;

/// How the run was started, so a hint names a command the user can type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Entry {
    /// `cargo test`: the generated tests or a run-time harness target.
    #[default]
    CargoTest,
    /// The `fixture-kit verify` command.
    Verify {
        /// The flags of the run that decide what runs and how (`--root`,
        /// `--legacy`, the runner's), word by word, to repeat in a command.
        flags: Vec<String>,
    },
}

/// Where a switch was turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env,
    /// A command-line flag.
    Flag,
}

/// The documentation page `page` (e.g. `RULES.md`), as a URL from the
/// package's repository metadata.
pub fn docs_url(page: &str) -> String {
    format!("{}/blob/main/docs/{page}", env!("CARGO_PKG_REPOSITORY"))
}

impl Entry {
    /// `fixture-kit verify` with `--root root`, when not the default
    /// `fixtures`, and no other flag.
    pub fn verify_root(root: &Path) -> Entry {
        let flags = if root == Path::new("fixtures") {
            Vec::new()
        } else {
            vec!["--root".into(), root.display().to_string()]
        };
        Entry::Verify { flags }
    }

    /// The command that rewrites the golden of the fixture named `test`.
    pub fn update_command(&self, test: &str) -> String {
        match self {
            Entry::CargoTest => format!("UPDATE_GOLDENS=1 cargo test {test}"),
            Entry::Verify { flags } => {
                format!("fixture-kit verify{} --update {test}", words(flags))
            }
        }
    }

    /// The command that verifies the fixtures matching `test`.
    pub fn verify_command(&self, test: &str) -> String {
        match self {
            Entry::CargoTest => format!("cargo test {test}"),
            Entry::Verify { flags } => format!("fixture-kit verify{} {test}", words(flags)),
        }
    }

    /// The command that records the goldens of the fixtures matching
    /// `test` from a real agent.
    pub fn record_command(&self, test: &str) -> String {
        match self {
            Entry::CargoTest => format!("UPDATE_GOLDENS=1 cargo test {test}"),
            Entry::Verify { flags } => format!(
                "fixture-kit verify{} --agent-cmd \"<command>\" --update {test}",
                words(flags)
            ),
        }
    }

    /// What to do about a golden that is missing while no agent runs (the
    /// bootstrap runner replays goldens, so it cannot record one): write
    /// it from the skeleton `fixture-kit new` adds; `fixture-kit verify`
    /// can also record it from a real agent.
    pub fn missing_golden_hint(&self, root: &Path, id: &FixtureId) -> String {
        let write = format!(
            "write it: `{}` adds a skeleton to fill in",
            new_command(root, id)
        );
        match self {
            Entry::CargoTest => {
                format!("{write} (this suite's runner runs no agent, so nothing can record it)")
            }
            Entry::Verify { .. } => format!(
                "{write}, or record it from a real agent with `{}`",
                self.record_command(&id.test_name())
            ),
        }
    }
}

/// The `fixture-kit review` command for the fixture tree at `root`.
pub fn review_command(root: &Path) -> String {
    let flags = if root == Path::new("fixtures") {
        Vec::new()
    } else {
        vec!["--root".to_owned(), root.display().to_string()]
    };
    format!("fixture-kit review{}", words(&flags))
}

/// The `fixture-kit new` command that adds what `id`'s fixture under `root`
/// lacks (its prompt, its golden skeleton), touching nothing that exists.
pub fn new_command(root: &Path, id: &FixtureId) -> String {
    let mut flags = vec!["--agents".to_owned(), id.agent.to_string()];
    if root != Path::new("fixtures") {
        flags.extend(["--root".to_owned(), root.display().to_string()]);
    }
    let task = format!("{}/{}", id.topic, id.task);
    format!("fixture-kit new{}{}", words(&[task]), words(&flags))
}

/// `flags` as shell words, each after a space.
fn words(flags: &[String]) -> String {
    flags
        .iter()
        .map(|flag| {
            let quoted = shlex::try_quote(flag).map_or_else(|_| flag.into(), |q| q.into_owned());
            format!(" {quoted}")
        })
        .collect()
}

/// What to do when strict real-agent mode, turned on from `source`, meets
/// a runner that runs no agent.
pub fn strict_real_agents_hint(source: Source) -> &'static str {
    match source {
        Source::Env => {
            "give the suite a command or replay runner, or unset FIXTURE_STRICT_REAL_AGENTS"
        }
        Source::Flag => {
            "run a real agent (`--agent-cmd \"<command>\"` or `--replay`), or leave out \
             `--strict-real-agents`"
        }
    }
}

/// Where `agent`'s contract is described, for a hint under a contract error.
pub fn contract_hint(agent: Agent) -> String {
    format!(
        "`fixture-kit schema {agent}` prints the {agent} contract as JSON Schema (fields are \
         described in {})",
        docs_url("RULES.md")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_command_follows_the_entry() {
        assert_eq!(
            Entry::CargoTest.update_command("a::b::planner"),
            "UPDATE_GOLDENS=1 cargo test a::b::planner"
        );
        assert_eq!(
            Entry::verify_root(Path::new("fixtures")).update_command("a::b::planner"),
            "fixture-kit verify --update a::b::planner"
        );
        assert_eq!(
            Entry::verify_root(Path::new("my fixtures")).update_command("a::b::planner"),
            "fixture-kit verify --root 'my fixtures' --update a::b::planner"
        );
        let agent = Entry::Verify {
            flags: vec!["--legacy".into(), "--agent-cmd".into(), "claude -p".into()],
        };
        assert_eq!(
            agent.update_command("a::b::planner"),
            "fixture-kit verify --legacy --agent-cmd 'claude -p' --update a::b::planner"
        );
        let id = FixtureId::parse("a/b/planner").unwrap();
        let verify = Entry::verify_root(Path::new("fixtures"))
            .missing_golden_hint(Path::new("fixtures"), &id);
        assert_eq!(
            verify,
            "write it: `fixture-kit new a/b --agents planner` adds a skeleton to fill in, or \
             record it from a real agent with `fixture-kit verify --agent-cmd \"<command>\" \
             --update a::b::planner`"
        );
        let cargo = Entry::CargoTest.missing_golden_hint(Path::new("my fixtures"), &id);
        assert_eq!(
            cargo,
            "write it: `fixture-kit new a/b --agents planner --root 'my fixtures'` adds a \
             skeleton to fill in (this suite's runner runs no agent, so nothing can record it)"
        );
        assert!(!cargo.contains("UPDATE_GOLDENS"), "{cargo}");
        assert_eq!(review_command(Path::new("fixtures")), "fixture-kit review");
        assert_eq!(
            review_command(Path::new("my fixtures")),
            "fixture-kit review --root 'my fixtures'"
        );
    }

    #[test]
    fn hints_name_no_repository_path() {
        for hint in [
            contract_hint(Agent::Planner),
            strict_real_agents_hint(Source::Flag).to_owned(),
        ] {
            assert!(!hint.contains(" schemas/"), "{hint}");
            assert!(!hint.contains(" docs/"), "{hint}");
        }
        assert!(!strict_real_agents_hint(Source::Flag).contains("FIXTURE_STRICT_REAL_AGENTS"));
        assert!(contract_hint(Agent::Planner).contains("`fixture-kit schema planner`"));
    }
}

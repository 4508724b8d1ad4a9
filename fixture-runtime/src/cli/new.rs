//! `fixture-kit new <topic>/<task>`: scaffolds agent fixture folders.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::agent::Agent;
use crate::discover::PROMPT;
use crate::messages::Entry;
use crate::naming::sanitize;

/// Flags of `fixture-kit new`.
#[derive(clap::Args)]
pub struct NewArgs {
    /// `topic/task`, e.g. `zero-change/task-004-already-sorted`.
    task: String,
    /// The agents to scaffold.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "architect,planner,coder,reviewer"
    )]
    agents: Vec<String>,
    /// The fixture root.
    #[arg(long, default_value = "fixtures")]
    root: PathBuf,
}

/// Runs `new`: writes a `prompt.md` per agent, never overwriting anything.
/// Goldens are left to write (or to record with a real agent runner), so
/// the new fixtures fail loudly until they exist.
pub fn run(args: &NewArgs) -> ExitCode {
    match scaffold(args) {
        Ok(created) => {
            for path in &created {
                println!("created {}", path.display());
            }
            let filter: Vec<String> = args.task.split('/').map(sanitize).collect();
            println!(
                "next: write each prompt.md, then the goldens (expected.json; expected.patch for \
                 the coder) by hand, or record them from a real agent with `{}`",
                Entry::verify_root(&args.root).record_command(&filter.join("::"))
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("fixture-kit new: {message}");
            ExitCode::from(2)
        }
    }
}

fn scaffold(args: &NewArgs) -> Result<Vec<PathBuf>, String> {
    let parts: Vec<&str> = args.task.trim_matches('/').split('/').collect();
    let [topic, task] = parts.as_slice() else {
        return Err(format!("`{}` is not `<topic>/<task>`", args.task));
    };
    if [topic, task]
        .iter()
        .any(|p| p.is_empty() || p.starts_with('.'))
    {
        return Err(format!("`{}` is not `<topic>/<task>`", args.task));
    }
    let agents = args
        .agents
        .iter()
        .map(|name| {
            name.parse::<Agent>().map_err(|()| {
                format!("unknown agent `{name}`: expected architect, planner, coder, reviewer")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let task_dir = args.root.join(topic).join(task);
    let mut created = Vec::new();
    for agent in agents {
        let dir = task_dir.join(agent.as_str());
        if dir.exists() {
            return Err(format!("{} exists already; nothing written", dir.display()));
        }
        fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let prompt = dir.join(PROMPT);
        fs::write(
            &prompt,
            format!("<!-- The prompt the {agent} receives for {topic}/{task}. -->\n"),
        )
        .map_err(|err| format!("{}: {err}", prompt.display()))?;
        created.push(prompt);
    }
    Ok(created)
}

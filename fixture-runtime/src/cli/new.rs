//! `fixture-kit new <topic>/<task>`: scaffolds agent fixture folders, a
//! prompt and a golden skeleton each.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::agent::{Agent, GoldenKind};
use crate::discover::PROMPT;
use crate::golden::{TEMP_PREFIX, TEMP_SUFFIX};
use crate::messages::Entry;
use crate::naming::sanitize;
use crate::skeleton::{self, PLACEHOLDER};

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

/// Runs `new`: writes, per agent, a `prompt.md` and a golden skeleton that
/// fails verification until it is filled in, each only where it is
/// missing, never overwriting anything.
pub fn run(args: &NewArgs) -> ExitCode {
    match scaffold(args) {
        Ok(created) => {
            for path in &created {
                println!("created {}", path.display());
            }
            let filter: Vec<String> = args.task.split('/').map(sanitize).collect();
            let entry = Entry::verify_root(&args.root);
            println!(
                "next: write each prompt.md and fill in each golden skeleton (every field \
                 holding `{PLACEHOLDER}`; `{}` names those left), or record the goldens from \
                 a real agent with `{}`",
                entry.verify_command(&filter.join("::")),
                entry.record_command(&filter.join("::"))
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
        fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let prompt = format!("<!-- The prompt the {agent} receives for {topic}/{task}. -->\n");
        created.extend(create(&dir.join(PROMPT), &prompt)?);
        // A golden of either kind is the user's: a wrong kind is for
        // discovery to report, not for a skeleton to hide.
        let has_golden = GoldenKind::ALL
            .iter()
            .any(|kind| fs::symlink_metadata(dir.join(kind.file_name())).is_ok());
        if !has_golden {
            let golden = dir.join(agent.golden_kind().file_name());
            created.extend(create(&golden, &skeleton::golden(agent))?);
        }
    }
    if created.is_empty() {
        return Err(format!(
            "every prompt and golden exists already in {}: nothing written",
            task_dir.display()
        ));
    }
    Ok(created)
}

/// Writes `text` to `path` through a temporary file and a rename that
/// never replaces a file: `None` when `path` exists already.
fn create(path: &Path, text: &str) -> Result<Option<PathBuf>, String> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(None);
    }
    let fail = |err: std::io::Error| format!("{}: {err}", path.display());
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(fail)?;
    temp.write_all(text.as_bytes()).map_err(fail)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(Some(path.to_owned())),
        Err(err) if err.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(err) => Err(fail(err.error)),
    }
}

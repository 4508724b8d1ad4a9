//! Finding the program of `--agent-cmd` before any fixture runs, so a
//! mistyped agent CLI is one error with a suggestion, not one failure per
//! fixture.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::suggest;

/// Agent CLIs suggested even when they are not installed.
const KNOWN_AGENTS: [&str; 3] = ["claude", "codex", "gemini"];

/// How many entries of `PATH` folders are read for a suggestion, at most.
const MAX_NAMES: usize = 20_000;

/// Where `program` is: a path as given (with a `/`), else the first
/// executable of that name on `PATH`. The error says so, with the nearest
/// program on `PATH` or known agent CLI.
pub(super) fn locate(program: &str) -> Result<PathBuf, String> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "`{program}` does not exist: give the agent CLI's path"
            ))
        };
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(found) = dirs
        .iter()
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
    {
        return Ok(found);
    }
    let mut names: Vec<String> = KNOWN_AGENTS.map(str::to_owned).to_vec();
    names.extend(
        dirs.iter()
            .filter_map(|dir| fs::read_dir(dir).ok())
            .flatten()
            .take(MAX_NAMES)
            .filter_map(Result::ok)
            .filter(|entry| is_executable(&entry.path()))
            .filter_map(|entry| entry.file_name().into_string().ok()),
    );
    names.sort();
    names.dedup();
    Err(format!(
        "`{program}` is not on PATH: install it or give its full path{}",
        suggest::did_you_mean(program, &names)
    ))
}

fn is_executable(path: &std::path::Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_agent_cli_gets_the_nearest_name() {
        let err = locate("cluade").unwrap_err();
        assert!(err.starts_with("`cluade` is not on PATH"), "{err}");
        assert!(err.ends_with("; did you mean `claude`?"), "{err}");
        assert!(locate("sh").is_ok());
        assert!(locate("/no/such/agent")
            .unwrap_err()
            .contains("does not exist"));
    }
}

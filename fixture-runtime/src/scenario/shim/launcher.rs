//! The shim on `PATH`: a folder holding one executable named for the agent
//! CLI, a two-line `sh` script that runs `fixture-kit __shim SOCKET "$@"`.
//! The socket is written into the script, so an orchestrator that clears
//! the environment of its calls still reaches the run.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::call::SUBCOMMAND;

/// Writes `<bin>/<name>`, which runs `exe __shim socket ARGS…`.
pub fn write(bin: &Path, name: &str, exe: &Path, socket: &Path) -> Result<PathBuf, String> {
    let quote = |path: &Path| {
        let text = path
            .to_str()
            .ok_or_else(|| format!("{}: the path is not UTF-8", path.display()))?;
        shlex::try_quote(text)
            .map(|quoted| quoted.into_owned())
            .map_err(|err| format!("{}: cannot quote it for sh: {err}", path.display()))
    };
    let script = format!(
        "#!/bin/sh\nexec {} {SUBCOMMAND} {} \"$@\"\n",
        quote(exe)?,
        quote(socket)?
    );
    let path = bin.join(name);
    fs::create_dir_all(bin)
        .and_then(|()| fs::write(&path, script))
        .and_then(|()| fs::set_permissions(&path, fs::Permissions::from_mode(0o755)))
        .map_err(|err| format!("{}: cannot write the shim: {err}", path.display()))?;
    Ok(path)
}

/// Whether `name` can be the shim's file name: one plain path component.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(format!(
            "--as `{name}`: give the agent CLI's program name, such as `claude`, with no `/`"
        ));
    }
    Ok(())
}

/// `bin` put before `path`.
pub fn path_with(bin: &Path, path: Option<&OsStr>) -> Result<OsString, String> {
    let mut dirs = vec![bin.to_owned()];
    if let Some(path) = path {
        dirs.extend(std::env::split_paths(path));
    }
    std::env::join_paths(dirs).map_err(|err| format!("cannot build PATH: {err}"))
}

/// The first executable `name` on `path`.
pub fn find(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

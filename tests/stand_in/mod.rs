//! The stand-in agent CLI (`examples/stand-in-agent.rs`) for the tests that
//! drive an agent process. It is an example, so that `cargo install` never
//! installs it; Cargo builds it on first use, with this package's features
//! (a no-op when `cargo test --workspace` has built the examples already).

use std::process::Command;
use std::sync::OnceLock;

/// The path of the built stand-in agent.
pub fn stand_in_agent() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(build)
}

fn build() -> String {
    // With every feature on, the defaults and the whole workspace resolve
    // dependencies as `cargo test --workspace` does, so nothing rebuilds.
    let mut features = vec!["--workspace"];
    if !(cfg!(feature = "cli") && cfg!(feature = "runbooks")) {
        features.push("--no-default-features");
        for (name, on) in [
            ("cli", cfg!(feature = "cli")),
            ("runbooks", cfg!(feature = "runbooks")),
        ] {
            if on {
                features.extend(["--features", name]);
            }
        }
    }
    let output = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", "stand-in-agent"])
        .args(["--message-format", "json"])
        .args(&features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo build --example stand-in-agent failed:\n{}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "stand-in-agent")
        .find_map(|message| message["executable"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("cargo named no stand-in-agent executable in:\n{stdout}"))
}

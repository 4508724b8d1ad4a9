//! Patch benchmarks: parsing a coder patch and applying it to `repo/` in
//! memory, for the largest shapes a golden reaches, beside `git apply
//! --check` of the same patch on the same file.
//!
//! `cargo bench -p fixture-runtime --bench patches` prints medians over
//! `RUNS` runs; the figures go into `BENCHMARKS.md`.

use std::fs;
use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use fixture_runtime::repo::Repo;
use fixture_runtime::rules::{apply, patch};

#[path = "support/timing.rs"]
mod timing;
use timing::time;

const RUNS: usize = 9;

/// A `lines`-line file and a patch changing every `lines / hunks`-th line
/// in its own hunk with three lines of context, as `git diff` prints it.
fn shape(lines: usize, hunks: usize) -> (String, String) {
    let file: String = (0..lines).map(|i| format!("line {i}\n")).collect();
    let step = lines / hunks;
    let mut patch = String::from("diff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n");
    for h in 0..hunks {
        let at = h * step + step / 2;
        let (first, last) = (at.saturating_sub(3), (at + 4).min(lines));
        let len = last - first;
        patch.push_str(&format!(
            "@@ -{},{len} +{},{len} @@\n",
            first + 1,
            first + 1
        ));
        for i in first..last {
            if i == at {
                patch.push_str(&format!("-line {i}\n+LINE {i}\n"));
            } else {
                patch.push_str(&format!(" line {i}\n"));
            }
        }
    }
    (file, patch)
}

fn git_apply_check(file: &str, patch: &str) -> Duration {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("repo");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("big.txt"), file).unwrap();
    let patch_file = work.path().join("change.patch");
    fs::write(&patch_file, patch).unwrap();
    time(RUNS, || {
        let status = Command::new("git")
            .args(["apply", "--check"])
            .arg(&patch_file)
            .current_dir(&dir)
            .env("GIT_CEILING_DIRECTORIES", work.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .expect("git is installed");
        assert!(status.success());
    })
}

fn main() {
    for (lines, hunks) in [(100_000, 10_000), (100_000, 100), (10_000, 1_000)] {
        let (file, text) = shape(lines, hunks);
        let repo = Repo::from_files([("big.txt", file.as_str())]);
        let parse = time(RUNS, || {
            black_box(patch::parse(black_box(&text), "p").unwrap());
        });
        let parsed = patch::parse(&text, "p").unwrap();
        let applied = time(RUNS, || {
            black_box(apply::apply(black_box(&parsed), &repo, "p").unwrap());
        });
        let git = git_apply_check(&file, &text);
        println!(
            "{hunks} hunks on a {lines}-line file: parse {parse:.2?}, apply {applied:.2?}, \
             together {:.2?}; git apply --check {git:.2?} (ratio {:.2})",
            parse + applied,
            (parse + applied).as_secs_f64() / git.as_secs_f64()
        );
    }
}

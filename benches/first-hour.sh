#!/usr/bin/env bash
# A new user's first hour, measured: the README's first two commands from a
# fresh clone, and cold builds of a minimal user crate beside a crate using
# insta. Prints a summary; BENCHMARKS.md has the figures and how to read them.
#
#   benches/first-hour.sh [REPO]
#
# REPO (default: the repository holding this script) is cloned with
# `git clone`, so only committed work is measured. Settings:
#   CLONE_RUNS  fresh clones, each timing both README commands (default 1)
#   CRATE_RUNS  rounds of the three user-crate cold builds (default 3)
#   PARTS       "clone crates" (default both), or either one
#   KEEP        set to keep the work folder
#
# Crates already downloaded into Cargo's cache stay there (a fresh clone
# does not empty it); insta is fetched once before anything is timed.
# Everything else is built from nothing: each timing gets a fresh target/.
set -euo pipefail
script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${1:-$script_dir/..}" && pwd)
clone_runs=${CLONE_RUNS:-1}
crate_runs=${CRATE_RUNS:-3}
parts=${PARTS:-clone crates}
work=$(mktemp -d "${TMPDIR:-/tmp}/first-hour.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

# Measure Cargo's own defaults and the repository's own profile, not a
# tuned shell: drop the settings a developer's shell may carry.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_INCREMENTAL RUSTFLAGS \
  CARGO_PROFILE_DEV_DEBUG CARGO_PROFILE_TEST_DEBUG UPDATE_GOLDENS CI
export CARGO_TERM_COLOR=never
# Some tests commit with git, as in .ci/run.
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-fixture-kit bench}"
export GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-bench@fixture-kit.invalid}"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}"
export GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}"

summary="$work/summary.txt"
note() { echo "$*" | tee -a "$summary"; }
load() { uptime | sed 's/.*load average/load average/'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.1f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# timed LOG CMD... -> "WALL CPU STATUS" (seconds; CPU is user + system of
# every process CMD started), the output in LOG
timed() {
  local log=$1 status=0
  shift
  /usr/bin/time -o "$log.time" -f '%e %U %S' "$@" >"$log" 2>&1 || status=$?
  tail -n 1 "$log.time" | awk -v s="$status" '{printf "%.1f %.1f %s\n", $1, $2 + $3, s}'
}

# The README's first ```sh block: its first two commands, comments cut.
readme_commands() {
  awk '/^```sh$/ {on = 1; next} on && /^```/ {exit} on' "$1" |
    sed 's/[[:space:]]*#.*$//' | sed '/^[[:space:]]*$/d' | head -n 2
}

note "first-hour benchmark of $repo at $(git -C "$repo" rev-parse --short HEAD), $(date -u +%FT%TZ)"
note "machine: $(nproc) cores, $(uname -sr); $(cargo --version)"
note "at start: $(load)"

if [[ " $parts " == *" clone "* ]]; then
  mapfile -t commands < <(readme_commands "$repo/README.md")
  [ "${#commands[@]}" -eq 2 ] || { echo "the README's first sh block has no two commands" >&2; exit 2; }
  note ""
  note "== fresh clone: the README's two commands (wall s, CPU s, exit status)"
  first_wall=() first_cpu=() test_wall=() test_cpu=()
  for run in $(seq "$clone_runs"); do
    clone="$work/clone-$run"
    git clone --quiet "$repo" "$clone"
    for i in 0 1; do
      before=$(load)
      read -r wall cpu status < <(cd "$clone" && timed "$work/clone-$run-cmd$i.log" bash -c "${commands[$i]}")
      note "run $run: \`${commands[$i]}\`: ${wall} s wall, ${cpu} s CPU, exit $status ($before)"
      if [ "$status" != 0 ]; then tail -n 30 "$work/clone-$run-cmd$i.log" | sed 's/^/    /'; fi
      if [ "$i" = 0 ]; then first_wall+=("$wall"); first_cpu+=("$cpu")
      else test_wall+=("$wall"); test_cpu+=("$cpu"); fi
    done
    slow=$(grep -c 'running for over 60 seconds' "$work/clone-$run-cmd1.log" || true)
    note "run $run: target/ after both: $(du -sh "$clone/target" | cut -f1); \"running for over 60 seconds\" warnings: $slow"
    rm -rf "$clone"
  done
  note "median: first command $(median "${first_wall[@]}") s wall ($(median "${first_cpu[@]}") s CPU); test command $(median "${test_wall[@]}") s wall ($(median "${test_cpu[@]}") s CPU)"
fi

if [[ " $parts " == *" crates "* ]]; then
  users="$work/users"
  mkdir -p "$users"
  # The README's "Use it in your crate" setup with one planner fixture;
  # FEATURES is empty (defaults) or `, default-features = false`.
  fixture_crate() {
    local dir="$users/$1" features=$2
    mkdir -p "$dir/src" "$dir/tests" "$dir/fixtures/plans/task-001/planner" "$dir/fixtures/plans/task-001/repo/src"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"

[dev-dependencies]
fixture-kit = { path = "$repo"$features }

[build-dependencies]
fixture-runtime = { path = "$repo/fixture-runtime"$features }

[workspace]
EOF
    echo 'fn main() { fixture_runtime::build::fixtures("fixtures"); }' >"$dir/build.rs"
    : >"$dir/src/lib.rs"
    cat >"$dir/tests/fixtures.rs" <<'EOF'
use fixture_kit::{fixture_suite, Suite};

#[fixture_suite(fixtures = "fixtures")]
fn suite() -> Suite {
    Suite::new()
}
EOF
    echo 'Plan the change.' >"$dir/fixtures/plans/task-001/planner/prompt.md"
    echo 'pub fn f() {}' >"$dir/fixtures/plans/task-001/repo/src/lib.rs"
    cat >"$dir/fixtures/plans/task-001/planner/expected.json" <<'EOF'
{
  "tasks": [
    {
      "id": "t1",
      "description": "Do it.",
      "file": "src/lib.rs",
      "type": "feature",
      "complexity": "low",
      "dependsOn": []
    }
  ],
  "ambiguities": [],
  "invalidTaskCount": 0
}
EOF
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
  }
  fixture_crate kit-default ""
  fixture_crate kit-lean ", default-features = false"
  # insta's README setup: one inline snapshot test, default features.
  mkdir -p "$users/insta-default/src" "$users/insta-default/tests"
  cat >"$users/insta-default/Cargo.toml" <<'EOF'
[package]
name = "insta-default"
version = "0.0.0"
edition = "2021"

[dev-dependencies]
insta = "1"

[workspace]
EOF
  : >"$users/insta-default/src/lib.rs"
  cat >"$users/insta-default/tests/snapshot.rs" <<'EOF'
#[test]
fn plan() {
    insta::assert_snapshot!("Plan the change.", @"Plan the change.");
}
EOF
  (cd "$users/insta-default" && cargo fetch --quiet)
  for crate in kit-default kit-lean; do (cd "$users/$crate" && cargo fetch --quiet); done

  note ""
  note "== cold build and run of a minimal user crate: cargo test (wall s, CPU s, exit status)"
  declare -A walls cpus
  crates=(kit-default kit-lean insta-default)
  for run in $(seq "$crate_runs"); do
    for crate in "${crates[@]}"; do
      rm -rf "$users/$crate/target"
      before=$(load)
      read -r wall cpu status < <(cd "$users/$crate" && timed "$work/$crate-$run.log" cargo test --quiet)
      note "run $run: $crate: ${wall} s wall, ${cpu} s CPU, exit $status ($before)"
      if [ "$status" != 0 ]; then tail -n 30 "$work/$crate-$run.log" | sed 's/^/    /'; fi
      walls[$crate]+="$wall "
      cpus[$crate]+="$cpu "
    done
  done
  for crate in kit-default kit-lean; do
    (cd "$users/$crate" && cargo tree --quiet -e normal,build,dev --prefix none --offline | sort -u | wc -l) >"$work/$crate.deps"
  done
  echo 0 >"$work/insta-default.deps"
  (cd "$users/insta-default" && cargo tree --quiet -e normal,build,dev --prefix none | sort -u | wc -l) >"$work/insta-default.deps" || true
  insta_cpu=$(median ${cpus[insta-default]})
  for crate in "${crates[@]}"; do
    # shellcheck disable=SC2086
    w=$(median ${walls[$crate]}) c=$(median ${cpus[$crate]})
    note "median: $crate: $w s wall, $c s CPU ($(awk "BEGIN {printf \"%.2f\", $c / $insta_cpu}")x insta's CPU), $(cat "$work/$crate.deps") packages"
  done
fi

note ""
note "at end: $(load)"
echo
echo "---- summary ----"
cat "$summary"

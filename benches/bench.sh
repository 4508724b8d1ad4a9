#!/usr/bin/env bash
# Benchmarks of the generated suite and the `fixture-kit verify` command on
# synthetic fixture trees. Prints medians of RUNS runs (default 5) with a
# baseline measured side by side. Usage: benches/bench.sh [SIZES...]
# (default sizes: 1000 5000 10000). Reproduces the figures in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runs=${RUNS:-5}
sizes=("${@:-1000 5000 10000}")
sizes=(${sizes[*]})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$repo/target/bench-probe"
unset UPDATE_GOLDENS CI

now() { date +%s.%N; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
# median SECONDS... -> the median, 3 decimals
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_runs CMD... -> median wall time of CMD over $runs runs
time_runs() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    "$@" >/dev/null 2>&1
    times+=("$(awk "BEGIN { print $(now) - $t0 }")")
  done
  median "${times[@]}"
}

cargo build --release -q --bin fixture-kit
fk="$CARGO_TARGET_DIR/release/fixture-kit"

# A crate whose tests are generated from fixtures/, and a baseline crate
# with as many hand-written empty #[test] functions.
make_crate() { # DIR N KIND
  local dir=$1 n=$2 kind=$3
  mkdir -p "$dir/src" "$dir/tests"
  : > "$dir/src/lib.rs"
  cp "$repo/Cargo.lock" "$dir/Cargo.lock"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "bench-$kind"
version = "0.0.0"
edition = "2021"
[dev-dependencies]
fixture-kit = { path = "$repo" }
[build-dependencies]
fixture-runtime = { path = "$repo/fixture-runtime" }
[workspace]
TOML
  if [ "$kind" = generated ]; then
    python3 "$repo/benches/synth.py" "$dir/fixtures" "$n"
    (cd "$dir" && "$fk" verify --update --format terse -q >/dev/null 2>&1 || true)
    echo 'fn main() { fixture_runtime::build::fixtures("fixtures"); }' > "$dir/build.rs"
    printf '#[fixture_kit::fixture_suite(fixtures = "fixtures")]\nfn suite() -> fixture_kit::Suite {\n    fixture_kit::Suite::new()\n}\n' > "$dir/tests/suite.rs"
  else
    echo 'fn main() {}' > "$dir/build.rs"
    python3 -c "
import sys
n = int(sys.argv[1])
print(''.join(f'#[test]\nfn t{i}() {{}}\n' for i in range(n)))" "$n" > "$dir/tests/suite.rs"
  fi
}

build_once() { (cd "$1" && touch build.rs && cargo test --offline -q --no-run); }
test_binary() { ls -t "$CARGO_TARGET_DIR"/debug/deps/suite-* | grep -v '\.d$' | head -1; }

echo "# fixture-kit benchmarks ($(nproc) cores, $runs runs, medians in seconds)"
echo
echo "| measure | fixtures | fixture-kit | baseline | ratio | baseline is |"
echo "|---|---:|---:|---:|---:|---|"
for n in "${sizes[@]}"; do
  if [ "$n" -le 5000 ]; then
    gen="$work/gen-$n"; base="$work/base-$n"
    make_crate "$gen" "$n" generated
    make_crate "$base" "$n" baseline
    build_once "$gen" >/dev/null 2>&1; build_once "$base" >/dev/null 2>&1
    b_gen=$(time_runs build_once "$gen")
    b_base=$(time_runs build_once "$base")
    echo "| build test crate (build script reran) | $n | $b_gen | $b_base | $(ratio $b_gen $b_base) | $n empty \`#[test]\` fns |"
    build_once "$gen" >/dev/null 2>&1; bin_gen=$(test_binary)
    build_once "$base" >/dev/null 2>&1; bin_base=$(test_binary)
    r_gen=$(cd "$gen" && time_runs "$bin_gen" -q)
    r_base=$(cd "$base" && time_runs "$bin_base" -q)
    echo "| run generated tests (cargo test binary) | $n | $r_gen | $r_base | $(ratio $r_gen $r_base) | $n empty \`#[test]\` fns |"
    if [ "$n" -le 1000 ] && command -v cargo-nextest >/dev/null; then
      nx=$(cd "$gen" && time_runs cargo nextest run --offline --test suite --no-fail-fast)
      nx_base=$(cd "$base" && time_runs cargo nextest run --offline --test suite --no-fail-fast)
      echo "| cargo nextest run (one process per test) | $n | $nx | $nx_base | $(ratio $nx $nx_base) | $n empty \`#[test]\` fns |"
    fi
  fi
  tree="$work/tree-$n"
  python3 "$repo/benches/synth.py" "$tree/fixtures" "$n"
  (cd "$tree" && "$fk" verify --update --format terse -q >/dev/null 2>&1 || true)
  v=$(cd "$tree" && time_runs "$fk" verify -q)
  io=$(cd "$tree" && time_runs sh -c 'find fixtures -type f -exec cat {} + > /dev/null')
  echo "| \`fixture-kit verify\` | $n | $v | $io | $(ratio $v $io) | \`find\` + \`cat\` of every fixture file |"
done

#!/usr/bin/env bash
# Runs one libFuzzer target over a scratch corpus seeded from its seed
# folders, so the seeds in the repository stay untouched.
# Usage: run.sh TARGET SEED_DIR...
#
# RL_FUZZ_SEED set (make test): the run is a replay. The mutation sequence
# is fixed by the seed, the seeds are read in one order (sorted names, not
# the file system's), addresses are not randomised, and the run stops after
# RL_FUZZ_RUNS inputs (set per target in meson.build, about 15 s here), so
# another machine, faster or slower, runs the same inputs from the same
# binary and a failure on CI is one here too; RL_FUZZ_SECONDS x 3 only
# bounds a slow machine. Unset (make fuzz):
# libFuzzer draws a seed and runs for RL_FUZZ_SECONDS.
set -euo pipefail
target=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/seeds"
for d in "$@"; do
  [ -d "$d" ] && find "$d" -type f -size -64k -exec cp -t "$work/seeds" {} + 2>/dev/null || true
done
secs=${RL_FUZZ_SECONDS:-15}
run=()
args=(-error_exitcode=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)
if [ -n "${RL_FUZZ_SEED:-}" ]; then
  find "$work/seeds" -type f | LC_ALL=C sort | paste -sd, - | tr -d '\n' > "$work/list"
  args+=(-seed="$RL_FUZZ_SEED" -seed_inputs="@$work/list" -reload=0 -max_total_time=$((secs * 3)))
  [ "${RL_FUZZ_RUNS:-0}" != 0 ] && args+=(-runs="$RL_FUZZ_RUNS")
  # without address randomisation: libFuzzer files the values compared at
  # each instruction (what it mutates towards) under the instruction's address
  run=(setarch "$(uname -m)" -R)
else
  cp -t "$work/corpus" "$work/seeds"/* 2>/dev/null || true
  args+=(-max_total_time="$secs")
fi
"${run[@]}" "$target" "${args[@]}" "$work/corpus" 2>&1 | tail -n 20

#!/usr/bin/env bash
# Runs one libFuzzer target for RL_FUZZ_SECONDS (default 15) over a scratch
# copy of its seed folders, so the seeds in the repository stay untouched.
# Usage: run.sh TARGET SEED_DIR...
set -euo pipefail
target=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
for d in "$@"; do
  [ -d "$d" ] && find "$d" -type f -size -64k -exec cp -t "$work/corpus" {} + 2>/dev/null || true
done
secs=${RL_FUZZ_SECONDS:-15}
# RL_FUZZ_SEED fixes the mutation sequence (make test: a failure is then
# reproducible, and a longer run with the same seed covers a shorter one);
# unset, libFuzzer draws one (make fuzz).
seed=()
[ -n "${RL_FUZZ_SEED:-}" ] && seed=(-seed="$RL_FUZZ_SEED")
"$target" "${seed[@]}" -max_total_time="$secs" -error_exitcode=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -n 20

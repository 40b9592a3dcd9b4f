#!/usr/bin/env bash
# The appliance runtime (issue 12), measured side by side in one run
# (bench/runtime.py: smtp msgs/s and CPU per message before/after and glibc
# vs jemalloc, loop turns under a mixed load with documents, snapshot swaps
# under load). Names the report bench/results/runtime-<UTC date>-<commit>.json.
#
# usage: bench/runtime.sh [--build DIR] [--before DIR] [--before-smtp DIR]
#                         [--before-swap DIR] [runtime.py options...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${REDLINE_COMMIT:-}" ]; then
  REDLINE_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" diff --quiet HEAD -- 2>/dev/null || REDLINE_COMMIT=$REDLINE_COMMIT-dirty
fi
export REDLINE_COMMIT
mkdir -p "$root/bench/results"
out=$root/bench/results/runtime-$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT.json
exec python3 "$root/bench/runtime.py" --build "$root/build" "$@" --out "$out"

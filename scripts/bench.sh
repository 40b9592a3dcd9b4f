#!/usr/bin/env bash
# Runs a benchmark of an existing build (scan unless named) and keeps its JSON report:
#   scripts/bench.sh BUILD_DIR [scan|tls] [options, e.g. --mb 16 --runs 3]
# Prints the table (stderr of redline-bench); the JSON goes to
# bench/results/<benchmark>-<UTC date>-<commit>.json. See bench/README.md.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: scripts/bench.sh BUILD_DIR [scan|tls] [options]" >&2
  exit 2
fi
build=$1
shift
name=scan
if [ $# -gt 0 ] && { [ "$1" = scan ] || [ "$1" = tls ]; }; then
  name=$1
  shift
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$build/bench/redline-bench
if [ ! -x "$bin" ]; then
  echo "redline: $bin not found; build first (make build)" >&2
  exit 1
fi

# A result is only worth keeping if it names the code it measured.
if [ -z "${REDLINE_COMMIT:-}" ]; then
  REDLINE_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$REDLINE_COMMIT" != unknown ] &&
     [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    REDLINE_COMMIT=$REDLINE_COMMIT-dirty
  fi
fi
export REDLINE_COMMIT

mkdir -p "$root/bench/results"
out=$root/bench/results/$name-$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT.json
status=0
"$bin" "$name" --json "$out" "$@" >/dev/null || status=$?
if [ -s "$out" ]; then
  echo "redline: results saved to ${out#"$root"/}" >&2
fi
exit "$status"

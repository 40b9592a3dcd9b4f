#!/usr/bin/env bash
# Runs the scan, HTML and docs benchmarks of an existing build and keeps their JSON:
#   scripts/bench.sh BUILD_DIR [redline-bench scan options, e.g. --mb 16 --runs 3]
# Prints the tables (stderr of redline-bench); the JSON goes to
# bench/results/{scan,html,docs}-<UTC date>-<commit>.json. See bench/README.md.
# BENCH_DOCS_ARGS passes options to `docs` (default: its own).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: scripts/bench.sh BUILD_DIR [scan options]" >&2
  exit 2
fi
build=$1
shift
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
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT
status=0
out=$root/bench/results/scan-$stamp.json
"$bin" scan --json "$out" "$@" >/dev/null || status=$?
if [ -s "$out" ]; then
  echo "redline: results saved to ${out#"$root"/}" >&2
fi
# The HTML sanitiser against a plain libxml2 parse (16 MiB per workload).
out=$root/bench/results/html-$stamp.json
"$bin" html --json "$out" >/dev/null || status=$?
if [ -s "$out" ]; then
  echo "redline: results saved to ${out#"$root"/}" >&2
fi
# docx and xlsx through the document rewriter against unzip + an XML parse.
out=$root/bench/results/docs-$stamp.json
# shellcheck disable=SC2086
"$bin" docs --json "$out" ${BENCH_DOCS_ARGS:-} >/dev/null || status=$?
if [ -s "$out" ]; then
  echo "redline: results saved to ${out#"$root"/}" >&2
fi
exit "$status"

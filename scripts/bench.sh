#!/usr/bin/env bash
# Runs benchmarks of an existing build and keeps their JSON reports:
#   scripts/bench.sh BUILD_DIR [scan|tls|calibrate] [options, e.g. --mb 16 --runs 3]
# scan (the default) also runs html and docs. Prints the tables (stderr of
# redline-bench); the JSON goes to bench/results/<benchmark>-<UTC date>-<commit>.json.
# calibrate runs `redline-hw calibrate --json` (docs/SIZING.md).
# BENCH_DOCS_ARGS passes options to `docs` (default: its own). See bench/README.md.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: scripts/bench.sh BUILD_DIR [scan|tls|calibrate] [options]" >&2
  exit 2
fi
build=$1
shift
name=scan
if [ $# -gt 0 ] && { [ "$1" = scan ] || [ "$1" = tls ] || [ "$1" = calibrate ]; }; then
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
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT
status=0
out=$root/bench/results/$name-$stamp.json
if [ "$name" = calibrate ]; then
  # redlined and redline-bench on loopback, measured by redline-hw
  "$build/hw/redline-hw" calibrate --json "$@" >"$out" || status=$?
  [ -s "$out" ] && echo "redline: results saved to ${out#"$root"/}" >&2 || rm -f "$out"
  exit "$status"
fi
"$bin" "$name" --json "$out" "$@" >/dev/null || status=$?
if [ -s "$out" ]; then
  echo "redline: results saved to ${out#"$root"/}" >&2
fi
if [ "$name" != scan ]; then
  exit "$status"
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

#!/usr/bin/env bash
# The crash harness of issue 13 at full length: 200 cycles (default) of
# kill -9 at random points of SMTP transactions and quarantine releases, with
# deliver, redact and quarantine verdicts and restarts within the same second
# (tests/integration/crash_harness.py). Prints and keeps the counts
# (acknowledged, delivered, stored, logged, duplicated, lost) as
# bench/results/crash-<UTC date>-<commit>.json. Exit 1 if anything
# acknowledged was lost or unlogged.
# usage: bench/crash.sh [CYCLES (200)] [SEED (time)] [WORKERS (1)]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-200} seed=${2:-$(date +%s)} workers=${3:-1}
build=${BUILD:-build}
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
date=$(date -u +%Y%m%dT%H%M%SZ)
out="bench/results/crash-$date-$commit.json"
RL_BUILD=$(realpath "$build") RL_SOURCE_ROOT=$(pwd) /usr/bin/python3 \
  tests/integration/crash_harness.py --cycles "$cycles" --seed "$seed" --workers "$workers" \
  --json "$out.tmp"
python3 - "$out.tmp" "$out" "$commit" "$date" <<'PY'
import json, os, platform, sys
res = json.load(open(sys.argv[1]))
full = {"benchmark": "crash", "commit": sys.argv[3], "date": sys.argv[4],
        "machine": {"host": platform.node(), "nproc": os.cpu_count()}, **res}
json.dump(full, open(sys.argv[2], "w"), indent=2)
os.unlink(sys.argv[1])
print(f"crash: {res['cycles']} cycles in {res['seconds']} s: acknowledged {res['acknowledged']}, "
      f"delivered {res['delivered']}, stored {res['stored']}, logged {res['logged']}, "
      f"duplicated {res['duplicated']}, lost {res['lost']} -> {sys.argv[2]}")
sys.exit(0 if res["ok"] else 1)
PY

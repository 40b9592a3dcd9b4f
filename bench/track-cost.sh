#!/usr/bin/env bash
# What the tracking line's write(2) on the worker costs (issue 13: the line
# is written before the client's 250, by the worker itself): redlined (1
# worker, core 0) relaying redline-bench smtp load (20 pipelined sessions,
# core 1) to redline-bench sink, with the log on a file (the default: one
# write(2) and the sync thread's group fdatasync) and on /dev/null (the same
# path, no page cache or disk), interleaved pairs, medians and the ratio.
# As root the measured processes run SCHED_FIFO (chrt -f 20), as bench/latency.sh
# does: dataplane cores are isolated in production, this machine is shared.
# Writes bench/results/track-cost-<UTC date>-<commit>.json.
# usage: bench/track-cost.sh [PAIRS (5)] [MESSAGES (40000)] [SIZE (4096)]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5} msgs=${2:-40000} size=${3:-4096}
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/redline-trackcost.XXXXXX)
chmod 777 "$tmp"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sp=$(free_port)
taskset -c 1 "${prio[@]}" "$build/bench/redline-bench" sink --listen "127.0.0.1:$sp" >"$tmp/sink.out" 2>&1 &
pids+=($!)
user=() prio=()
[ "$(id -u)" = 0 ] && user=(--user redline) && prio=(chrt -f 20)
run() { # run KIND N: one measured run with the log on KIND (file|null)
  local gp log
  gp=$(free_port)
  if [ "$1" = file ]; then log="$tmp/track-$2.log"; else log=/dev/null; fi
  rm -rf "$tmp/q"
  "${prio[@]}" "$build/dataplane/redlined" --foreground --listen "127.0.0.1:$gp" --route "*=127.0.0.1:$sp" \
    --relay-net 127.0.0.0/8 --cores 0 --quarantine "$tmp/q" --log "$log" "${user[@]}" \
    2>"$tmp/redlined.err" &
  local gw=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$gp") 2>/dev/null && break; sleep 0.05; done
  taskset -c 1 "${prio[@]}" "$build/bench/redline-bench" smtp --connect "127.0.0.1:$gp" --connections 20 \
    --pipelining --messages "$msgs" --size "$size" --json "$tmp/$1-$2.json" >/dev/null 2>&1
  kill "$gw"; wait "$gw" 2>/dev/null || true
}
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then run file "$i"; run null "$i"; else run null "$i"; run file "$i"; fi
done
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
date=$(date -u +%Y%m%dT%H%M%SZ)
out="bench/results/track-cost-$date-$commit.json"
python3 - "$tmp" "$pairs" "$out" "$commit" "$date" "$msgs" "$size" <<'PY'
import json, os, platform, statistics, sys
tmp, pairs = sys.argv[1], int(sys.argv[2])
def load(kind, i):
    return json.load(open(f"{tmp}/{kind}-{i}.json"))["results"]
runs = {k: [load(k, i) for i in range(1, pairs + 1)] for k in ("file", "null")}
rate = {k: [r["msgs_per_s"] for r in v] for k, v in runs.items()}
ratios = [f / n for f, n in zip(rate["file"], rate["null"])]
res = {"benchmark": "track-cost", "commit": sys.argv[4], "date": sys.argv[5],
       "machine": {"host": platform.node(), "nproc": os.cpu_count()},
       "config": {"sched_fifo": os.geteuid() == 0, "pairs": pairs, "messages": int(sys.argv[6]), "size": int(sys.argv[7]),
                  "connections": 20, "pipelining": True, "workers": 1},
       "msgs_per_s": {k: {"runs": v, "median": statistics.median(v)} for k, v in rate.items()},
       "latency_us_p99": {k: [r.get("latency_us", {}).get("p99") for r in v]
                          for k, v in runs.items()},
       "ratio_file_to_null": {"runs": [round(r, 3) for r in ratios],
                              "median": round(statistics.median(ratios), 3)}}
json.dump(res, open(sys.argv[3], "w"), indent=2)
print(f"track-cost: log on a file {res['msgs_per_s']['file']['median']:.0f} msg/s, on /dev/null "
      f"{res['msgs_per_s']['null']['median']:.0f} msg/s, ratio {res['ratio_file_to_null']['median']}"
      f" -> {sys.argv[3]}")
PY

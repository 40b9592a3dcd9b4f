#!/usr/bin/env bash
# Memory over a long run: redlined (1 worker, core 0) relaying a steady
# open-loop load from redline-bench smtp to redline-bench sink, its resident
# set sampled every 10 s. Writes bench/results/soak-<UTC date>-<commit>.json.
# usage: bench/soak.sh [SECONDS (600)] [RATE msgs/s (2000)] [SIZE bytes (16384)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600} rate=${2:-2000} size=${3:-16384}
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/redline-soak.XXXXXX)
chmod 755 "$tmp"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sp=$(free_port) gp=$(free_port)
"$build/bench/redline-bench" sink --listen "127.0.0.1:$sp" >"$tmp/sink.out" 2>&1 &
pids+=($!)
"$build/dataplane/redlined" --foreground --listen "127.0.0.1:$gp" --route "*=127.0.0.1:$sp" \
  --relay-net 127.0.0.0/8 --cores 0 --quarantine "$tmp/q" --log "$tmp/track.log" \
  --control-socket "$tmp/control.sock" 2>"$tmp/redlined.err" &
gw=$!
pids+=($gw)
sleep 1
"$build/bench/redline-bench" smtp --connect "127.0.0.1:$gp" --connections 20 --pipelining \
  --duration "$secs" --rate "$rate" --size "$size" --density 0.05 --json "$tmp/gen.json" \
  >/dev/null 2>&1 &
gen=$!
pids+=($gen)
: >"$tmp/rss"
t=0
while kill -0 "$gen" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$gw/status")
  echo "$t $rss" >>"$tmp/rss"
  sleep 10
  t=$((t + 10))
done
wait "$gen" || true
commit=$(git rev-parse --short HEAD)
date=$(date -u +%Y%m%dT%H%M%SZ)
out="bench/results/soak-$date-$commit.json"
python3 - "$tmp/rss" "$tmp/gen.json" "$out" "$commit" "$secs" "$rate" "$size" <<'PY'
import json, os, sys, platform
rss = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
gen = json.load(open(sys.argv[2]))["results"]
kib = [r for _, r in rss]
# Flat means: after the first minute (warm-up), the last sample is within
# 5 % of the post-warm-up maximum and the second half grew by under 5 %.
warm = [r for t, r in rss if t >= 60] or kib
half = warm[len(warm) // 2:]
res = {"benchmark": "soak", "commit": sys.argv[4], "date": os.path.basename(sys.argv[3])[5:21],
       "machine": {"host": platform.node(), "nproc": os.cpu_count()},
       "config": {"seconds": int(sys.argv[5]), "rate": float(sys.argv[6]), "size": int(sys.argv[7])},
       "messages_ok": gen.get("ok"), "msgs_per_s": gen.get("msgs_per_s"),
       "latency_us": gen.get("latency_us"),
       "rss_kib": {"samples": rss, "first": kib[0], "after_warmup_max": max(warm),
                   "last": kib[-1], "second_half_growth_pct":
                   round(100.0 * (half[-1] - half[0]) / half[0], 2)}}
res["flat"] = res["rss_kib"]["second_half_growth_pct"] < 5.0
json.dump(res, open(sys.argv[3], "w"), indent=2)
r = res["rss_kib"]
print(f"soak: {gen.get('ok')} messages at {gen.get('msgs_per_s'):.0f}/s; RSS KiB first {r['first']}, "
      f"max after warm-up {r['after_warmup_max']}, last {r['last']}, second-half growth "
      f"{r['second_half_growth_pct']}% -> {'flat' if res['flat'] else 'GROWING'}; {sys.argv[3]}")
PY

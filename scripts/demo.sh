#!/usr/bin/env bash
# `make demo`: starts redlined on 127.0.0.1:2525 with the built-in default
# policy, relaying to a local sink on 127.0.0.1:2526; sends the sample
# messages in tests/data/demo with swaks; shows what the sink received next
# to the original, and the tracking-log lines. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=$(mktemp -d /tmp/redline-demo.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "demo: nothing listens on port $1" >&2
  exit 1
}

mkdir -p "$work/sink" && chmod 777 "$work/sink"
/usr/bin/python3 scripts/demo_sink.py 2526 "$work/sink" &
pids+=($!)
wait_port 2526
"$build/dataplane/redlined" --foreground --listen 127.0.0.1:2525 --route '*=127.0.0.1:2526' \
  --relay-net 127.0.0.0/8 --quarantine "$work/quarantine" --log "$work/track.log" \
  2> "$work/redlined.err" &
pids+=($!)
wait_port 2525
echo "redlined is listening on 127.0.0.1:2525 and relays to the sink on 127.0.0.1:2526"

n=0
for msg in tests/data/demo/*.eml; do
  n=$((n + 1))
  echo
  echo "=== $msg"
  swaks --server 127.0.0.1:2525 --helo demo.test --from sender@demo.test \
        --to recipient@example.com --data "$msg" --hide-all 2>&1 || true
  out="$work/sink/$(printf '%03d' "$n").eml"
  for _ in $(seq 50); do [ -f "$out" ] && break; sleep 0.1; done
  if [ ! -f "$out" ]; then
    echo "--- nothing reached the sink (see the tracking log below)"
    continue
  fi
  echo "--- what the sink received, next to the original (< original, > received):"
  diff --strip-trailing-cr "$msg" "$out" | grep -E '^[<>]' | sed 's/^/  /' || true
done

sleep 0.3
echo
echo "=== tracking log (one JSON line per message)"
python3 - "$work/track.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("  {id}  from={frm}  to={to}  findings={f}  action={a}  reply=\"{rep}\"  latency={l}ms".format(
        id=r["id"], frm=r["from"], to=",".join(r["rcpts"]), f=r["findings"], a=r["action"],
        rep=r["reply"], l=r["latency_ms"]))
PY

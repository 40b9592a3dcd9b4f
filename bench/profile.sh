#!/usr/bin/env bash
# Deterministic cost of the scan benchmark's workloads: instructions executed
# (callgrind) per message and per decoded byte, by the engine and by the raw
# Hyperscan set, on the same messages. Unlike GB/s these counts do not depend
# on what else runs on the machine, so they compare builds on a shared one.
#   bench/profile.sh BUILD_DIR [--mb N] [--only LIST] [--corpus DIR] [--keep DIR]
# --mb (default 2) and --only are passed to `redline-bench scan`; --keep
# leaves the callgrind files in DIR (callgrind_annotate reads them). Build
# with debug info (e.g. meson setup B --buildtype=release -Ddebug=true) for
# annotated sources; the counts are the same. See bench/README.md.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: bench/profile.sh BUILD_DIR [--mb N] [--only LIST] [--corpus DIR] [--keep DIR]" >&2
  exit 2
fi
build=$1
shift
mb=2
keep=
args=()
while [ $# -gt 0 ]; do
  case $1 in
  --mb) mb=$2 ;;
  --keep) keep=$2 ;;
  --only | --corpus) args+=("$1" "$2") ;;
  *)
    echo "bench/profile.sh: unknown option $1" >&2
    exit 2
    ;;
  esac
  shift 2
done
bin=$build/bench/redline-bench
if [ ! -x "$bin" ]; then
  echo "redline: $bin not found; build first (make build)" >&2
  exit 1
fi
if ! command -v valgrind >/dev/null; then
  echo "redline: valgrind not found (scripts/deps.sh installs it)" >&2
  exit 1
fi
dir=${keep:-$(mktemp -d)}
mkdir -p "$dir"
[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT

# One timed run per workload: the engine passes over it twice (the untimed
# first pass, then the run), each Hyperscan set once. Only the engine's and
# the plain set's passes are counted (the compiler may rename them, e.g.
# hs_plain_pass.isra.0: hence the patterns); callgrind_annotate splits them.
only=plain-7bit,dense-prose,base64-attach,corpus-mix
rest=()
for ((i = 0; i < ${#args[@]}; i += 2)); do
  if [ "${args[i]}" = --only ]; then
    only=${args[i + 1]}
  else
    rest+=("${args[i]}" "${args[i + 1]}")
  fi
done
for w in ${only//,/ }; do
  valgrind --tool=callgrind --callgrind-out-file="$dir/$w.callgrind" \
    --toggle-collect='engine_pass*' --toggle-collect='hs_plain_pass*' \
    "$bin" scan --mb "$mb" --runs 1 --only "$w" --json "$dir/$w.json" "${rest[@]}" \
    >/dev/null 2>"$dir/$w.log" || {
    tail -20 "$dir/$w.log" >&2
    exit 1
  }
  callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$dir/$w.callgrind" >"$dir/$w.txt"
done

python3 - "$dir" "$only" <<'EOF'
import json, os, re, sys

d, only = sys.argv[1], sys.argv[2].split(",")
out = {"benchmark": "scan-profile", "workloads": []}
print("%-14s %8s %14s %14s %12s %12s %8s" % ("workload", "messages", "engine Ir/msg",
      "hs Ir/msg", "engine Ir/B", "hs Ir/B", "hs/eng"))
for name in only:
    rep = json.load(open(os.path.join(d, name + ".json")))
    w = rep["workloads"][0]
    out["commit"] = rep.get("commit")
    out["mb"] = rep["config"]["mb"]
    cost = {}
    for line in open(os.path.join(d, name + ".txt")):
        m = re.match(r"\s*([0-9,]+) \([ 0-9.]+%\)\s+\S*:(engine_pass|hs_plain_pass)\b", line)
        if m:
            cost[m.group(2)] = int(m.group(1).replace(",", ""))
    e = cost.get("engine_pass", 0) / 2  # the first pass and the run
    h = cost.get("hs_plain_pass", 0)
    if e == 0 or h == 0:
        sys.exit("bench/profile.sh: no counts for %s (see %s)" % (name, d))
    msgs, dec = w["messages"], w["decoded_bytes"]
    out["workloads"].append({"name": name, "messages": msgs, "decoded_bytes": dec,
                             "engine_ir_per_pass": e, "hs_ir_per_pass": h,
                             "engine_ir_per_message": e / msgs, "hs_ir_per_message": h / msgs,
                             "ratio_hs_engine": h / e, "findings": w["findings"]})
    print("%-14s %8d %14.0f %14.0f %12.2f %12.2f %8.3f" % (name, msgs, e / msgs, h / msgs,
          e / dec, h / dec, h / e))
json.dump(out, open(os.path.join(d, "profile.json"), "w"), indent=2)
EOF

#!/usr/bin/env bash
# End-to-end SMTP relay benchmark, side by side in one run (SPEC "Quality
# bars"): Postfix and redlined relaying to a sink on loopback, at 4 KiB,
# 32 KiB and 256 KiB messages, plus the load tools' own ceiling.
#   (a) smtp-source -> private Postfix instance -> smtp-sink
#   (b) smtp-source -> redlined (1 worker, core 0) -> smtp-sink
#   (c) redline-bench smtp (persistent, pipelining) -> redlined -> redline-bench sink
#   (d) smtp-source -> smtp-sink and redline-bench smtp -> redline-bench sink
# Rates are measured at the sink; relay CPU per message from /proc/PID/stat of
# the relay's whole process tree. Prints a table; writes
# bench/results/smtp-<UTC date>-<commit>.json. Loopback only; every process and
# temporary directory it starts is removed on exit. See bench/README.md.
#
# usage: bench/compare-postfix.sh [--quick] [--build DIR] [--redlined PATH]
#                                 [--sizes "4096 32768 262144"] [--sessions N]
#                                 [--verify] [--no-install]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
redlined=
sizes="4096 32768 262144"
sessions=20
quick=0
verify=0
install=1

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

  --quick          about 1 minute instead of about 5 (fewer messages per run)
  --build DIR      the build to use (default: build); redline-bench must exist
  --redlined PATH  the dataplane binary (default: DIR/dataplane/redlined)
  --sizes "..."    message sizes in bytes (default "4096 32768 262144")
  --sessions N     concurrent sessions of every load generator (default 20)
  --verify         (c): the sink also counts values left unredacted
  --no-install     never install Postfix, even as root
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --verify) verify=1 ;;
    --no-install) install=0 ;;
    --build) build=$2; shift ;;
    --redlined) redlined=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --sessions) sessions=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare-postfix: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
bench=$build/bench/redline-bench
redlined=${redlined:-$build/dataplane/redlined}
if [ ! -x "$bench" ]; then
  echo "compare-postfix: $bench not found; build first (make build)" >&2
  exit 1
fi
for s in $sizes; do
  if ! [[ $s =~ ^[0-9]+$ ]] || [ "$s" -lt 1024 ]; then
    echo "compare-postfix: bad size '$s'" >&2
    exit 2
  fi
done
if ! [[ $sessions =~ ^[0-9]+$ ]] || [ "$sessions" -lt 1 ]; then
  echo "compare-postfix: bad --sessions" >&2
  exit 2
fi

log() { printf 'compare-postfix: %s\n' "$*" >&2; }

# --- messages per run: enough for ~10-20 s of Postfix per size by default ---
# count KIND SIZE: KIND relay (through Postfix or redlined) or ceiling
count() {
  local kind=$1 size=$2 n
  if [ "$kind" = relay ]; then
    if [ "$size" -le 8192 ]; then n=12000; elif [ "$size" -le 65536 ]; then n=8000; else n=3000; fi
  else
    if [ "$size" -le 8192 ]; then n=30000; elif [ "$size" -le 65536 ]; then n=15000; else n=3000; fi
  fi
  [ "$quick" = 1 ] && n=$((n / 6))
  echo "$n"
}

# --- Postfix: installed, or installed here (root only) ---
postfix_ok=1
postfix_why=
if ! command -v postfix >/dev/null || [ ! -x /usr/sbin/smtp-source ] || [ ! -x /usr/sbin/smtp-sink ]; then
  if [ "$(id -u)" = 0 ] && [ "$install" = 1 ]; then
    log "installing Postfix (Debian package postfix, no configuration)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >&2
  else
    postfix_ok=0
    postfix_why="Postfix (smtp-source, smtp-sink) is not installed; as root run: echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y postfix"
  fi
fi
if [ "$postfix_ok" = 1 ] && [ "$(id -u)" != 0 ]; then
  postfix_ok=0
  postfix_why="a private Postfix instance has to be started as root (its master drops privileges itself); run as root for parts (a) and (b), smtp-source and smtp-sink"
fi
redlined_ok=1
redlined_why=
if [ ! -x "$redlined" ]; then
  redlined_ok=0
  redlined_why="redlined is not built ($redlined missing): parts (b) and (c) skipped"
fi
[ -n "$postfix_why" ] && log "$postfix_why"
[ -n "$redlined_why" ] && log "$redlined_why"

# --- temporary directory, processes, cleanup ---
tmp=$(mktemp -d /tmp/redline-compare.XXXXXX)
chmod 755 "$tmp" # Postfix daemons run as user postfix below it
pids=()
postfix_dirs=()
cleanup() {
  local d p
  for d in "${postfix_dirs[@]}"; do
    postfix -c "$d/etc" stop >/dev/null 2>&1 || true
  done
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# forget PID $1 once it has been waited for
forget() {
  local p keep=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: until something accepts on PORT (10 s), or PID died
wait_port() {
  local _
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

now() { echo "$EPOCHREALTIME"; }
clk_tck=$(getconf CLK_TCK)

# busy_ticks: CPU time the whole machine spent not idle, in clock ticks
busy_ticks() {
  local _cpu user nice system _idle _iowait irq softirq steal
  read -r _cpu user nice system _idle _iowait irq softirq steal _ </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# ticks PID: utime+stime+cutime+cstime of PID and of every live descendant.
# Reaped children are in their parent's cutime/cstime, so the sum covers
# every process the tree ever ran, including Postfix daemons that exited.
ticks() {
  local pid=$1 t=0 c stat
  if stat=$(cat "/proc/$pid/stat" 2>/dev/null); then
    stat=${stat##*) } # fields after "(comm) "; field 3 of stat(5) is the first
    # shellcheck disable=SC2086
    set -- $stat
    t=$((${12} + ${13} + ${14} + ${15}))
  fi
  for c in $(pgrep -P "$pid" 2>/dev/null); do
    t=$((t + $(ticks "$c")))
  done
  echo "$t"
}

# --- sinks ---
# start_smtp_sink PORT DIR: Postfix's smtp-sink, counting in DIR/counter
start_smtp_sink() {
  local user=()
  [ "$(id -u)" = 0 ] && user=(-u nobody)
  smtp-sink "${user[@]}" -c "127.0.0.1:$1" 1000 >"$2/counter" 2>&1 &
  sink_pid=$!
  pids+=("$sink_pid")
  wait_port "$1" "$sink_pid"
}

# start_rl_sink PORT DIR [args]: redline-bench sink, counting in DIR/count
start_rl_sink() {
  local port=$1 dir=$2
  shift 2
  "$bench" sink --listen "127.0.0.1:$port" --count-file "$dir/count" --json "$dir/sink.json" \
    --quiet "$@" >/dev/null 2>"$dir/sink.err" &
  sink_pid=$!
  pids+=("$sink_pid")
  wait_port "$port" "$sink_pid"
}

# wait_count KIND DIR N GENPID: poll the sink every 0.1 s until N messages
# arrived, or nothing arrived for 30 s (5 s once the generator has exited).
# One Python process does the polling, so that watching costs the machine
# next to nothing. Sets got, t_first (first poll that saw a message), c_first
# (the count then) and t_last (first poll that saw N); returns 1 on a stall.
wait_count() {
  # in the background: bash runs a trap (Ctrl-C) only once a foreground
  # command ends, but interrupts `wait` at once
  python3 - "$@" >"$2/wait.out" <<'EOF' &
import os, re, sys, time
kind, d, n, gen = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
path = os.path.join(d, "counter" if kind == "smtp-sink" else "count")
pat = re.compile(rb"mesg=(\d+)" if kind == "smtp-sink" else rb"messages=(\d+)")

def count():
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 256))
            m = pat.findall(f.read())
            return int(m[-1]) if m else 0
    except OSError:
        return 0

def alive():
    try:
        os.kill(gen, 0)
        return True
    except OSError:
        return False

t_first, c_first, last, moved = 0.0, 0, -1, time.time()
while True:
    c, t = count(), time.time()
    if c > 0 and not t_first:
        t_first, c_first = t, c
    if c != last:
        last, moved = c, t
    if c >= n:
        print(c, t_first, c_first, t, 0)
        break
    if t - moved > (30 if alive() else 5):
        print(c, t_first, c_first, t, 1)
        break
    time.sleep(0.1)
EOF
  local poller=$! stalled
  pids+=("$poller")
  wait "$poller" || true
  forget "$poller"
  read -r got t_first c_first t_last stalled <"$2/wait.out"
  if [ "$stalled" = 1 ]; then
    log "no progress: $got of $3 messages arrived"
    return 1
  fi
}

# --- relays ---
# start_postfix DIR PORT SINKPORT: a private instance, own config and queue
start_postfix() {
  local d=$1
  mkdir -p "$d/etc" "$d/queue" "$d/data"
  chown postfix "$d/data"
  cat >"$d/etc/main.cf" <<EOF
# private benchmark instance written by bench/compare-postfix.sh
compatibility_level = 3.6
config_directory = $d/etc
queue_directory = $d/queue
data_directory = $d/data
meta_directory = /etc/postfix
myhostname = postfix-bench.localdomain
mydomain = localdomain
myorigin = \$myhostname
# relay everything to the sink; no local delivery, no DNS
mydestination =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
relayhost = [127.0.0.1]:$3
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtp_host_lookup = native
biff = no
# start-fg: postlogd writes the log to the master's stdout
maillog_file = /dev/stdout
EOF
  cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$2 inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  postfix -c "$d/etc" check >"$d/check.log" 2>&1 || { cat "$d/check.log" >&2; return 1; }
  postfix_dirs+=("$d")
  postfix -c "$d/etc" start-fg >"$d/maillog" 2>&1 &
  relay_wrapper=$!
  pids+=("$relay_wrapper")
  wait_port "$2" "$relay_wrapper" || { cat "$d/maillog" >&2; return 1; }
  relay_pid=$(pgrep -P "$relay_wrapper" -x master | head -1)
  [ -n "$relay_pid" ] || relay_pid=$relay_wrapper
}

stop_postfix() {
  postfix -c "$1/etc" stop >/dev/null 2>&1 || true
  wait "$relay_wrapper" 2>/dev/null || true
  forget "$relay_wrapper"
  local keep=() x
  for x in "${postfix_dirs[@]}"; do [ "$x" = "$1" ] || keep+=("$x"); done
  postfix_dirs=("${keep[@]}")
}

start_redlined() {
  "$redlined" --listen "127.0.0.1:$1" --route "*=127.0.0.1:$2" --relay-net 127.0.0.0/8 \
    --workers 1 --cores 0 --quarantine "$3/quarantine" --log "$3/track.log" --foreground \
    >"$3/redlined.log" 2>&1 &
  relay_pid=$!
  relay_wrapper=$relay_pid
  pids+=("$relay_pid")
  wait_port "$1" "$relay_pid" || { tail -20 "$3/redlined.log" >&2; return 1; }
}

# --- one measured run ---
# run NAME GEN RELAY SINK SIZE N: GEN smtp-source|rl-bench, RELAY none|postfix|
# redlined, SINK smtp-sink|rl-sink. Appends one JSON line to $tmp/runs.jsonl.
run() {
  local name=$1 gen=$2 relay=$3 sink=$4 size=$5 n=$6
  local dir=$tmp/$name-$size
  mkdir -p "$dir"
  local sport rport target
  sport=$(free_port)
  log "$name, $size bytes: $n messages ($gen -> $relay -> $sink)"
  if [ "$sink" = smtp-sink ]; then
    start_smtp_sink "$sport" "$dir" || { log "smtp-sink did not start"; return 1; }
  else
    local extra=()
    [ "$verify" = 1 ] && [ "$relay" = redlined ] && extra=(--verify)
    start_rl_sink "$sport" "$dir" "${extra[@]}" || { log "redline-bench sink did not start"; return 1; }
  fi
  local sink_pid_run=$sink_pid
  target=$sport
  relay_pid=
  if [ "$relay" = postfix ]; then
    rport=$(free_port)
    start_postfix "$dir/postfix" "$rport" "$sport" || { log "Postfix did not start"; return 1; }
    target=$rport
  elif [ "$relay" = redlined ]; then
    rport=$(free_port)
    start_redlined "$rport" "$sport" "$dir" || { log "redlined did not start"; return 1; }
    target=$rport
  fi
  local cpu0=0 sink_cpu0 busy0
  [ -n "$relay_pid" ] && cpu0=$(ticks "$relay_pid")
  sink_cpu0=$(ticks "$sink_pid_run")
  busy0=$(busy_ticks)
  local busy_t0=$EPOCHREALTIME

  local gen_pid t0
  t0=$(now)
  if [ "$gen" = smtp-source ]; then
    /usr/bin/time -f '%U %S %e' -o "$dir/gen.time" \
      smtp-source -s "$sessions" -m "$n" -l "$size" -f bench@source.example \
      -t sink@sink.example "127.0.0.1:$target" >"$dir/gen.log" 2>&1 &
  else
    "$bench" smtp --connect "127.0.0.1:$target" --messages "$n" --connections "$sessions" \
      --size "$size" --pipelining --json "$dir/gen.json" >/dev/null 2>"$dir/gen.log" &
  fi
  gen_pid=$!
  pids+=("$gen_pid")
  local complete=true
  wait_count "$sink" "$dir" "$n" "$gen_pid" || complete=false
  local cpu1=0 sink_cpu1 busy1
  [ -n "$relay_pid" ] && cpu1=$(ticks "$relay_pid")
  sink_cpu1=$(ticks "$sink_pid_run")
  busy1=$(busy_ticks)
  local busy_t1=$EPOCHREALTIME
  local gen_status=0
  wait "$gen_pid" || gen_status=$?
  forget "$gen_pid"
  if [ "$relay" = postfix ]; then stop_postfix "$dir/postfix"; fi
  if [ "$relay" = redlined ]; then stop_pid "$relay_pid"; fi
  # redline-bench sink writes its final figures when told to stop
  kill -TERM "$sink_pid_run" 2>/dev/null || true
  wait "$sink_pid_run" 2>/dev/null || true
  forget "$sink_pid_run"

  python3 - "$dir" "$name" "$gen" "$relay" "$sink" "$size" "$n" "$got" "${t_first:-0}" \
    "$c_first" "${t_last:-0}" "$t0" "$cpu0" "$cpu1" "$sink_cpu0" "$sink_cpu1" "$clk_tck" \
    "$complete" "$gen_status" "$busy0" "$busy1" "$busy_t0" "$busy_t1" >>"$tmp/runs.jsonl" <<'EOF'
import json, os, sys
(d, name, gen, relay, sink, size, n, got, t_first, c_first, t_last, t0, cpu0, cpu1, scpu0,
 scpu1, tck, complete, gen_status, busy0, busy1, busy_t0, busy_t1) = sys.argv[1:]
n, got, c_first, size, tck = int(n), int(got), int(c_first), int(size), int(tck)
t_first, t_last, t0 = float(t_first), float(t_last), float(t0)
r = {"name": name, "generator": gen, "relay": relay, "sink": sink, "size": size,
     "messages": n, "arrived": got, "complete": complete == "true",
     "generator_status": int(gen_status)}
# rate at the sink: between the first poll that saw a message and the one
# that saw the last; redline-bench sink knows its first and last exactly
rate = (got - c_first) / (t_last - t_first) if t_last > t_first and got > c_first else 0
sj = os.path.join(d, "sink.json")
if os.path.exists(sj):
    s = json.load(open(sj))["results"]
    if s["messages"] > 1 and s["first_to_last_s"] > 0:
        rate = s["msgs_per_s"]
    verified = json.load(open(sj))["config"]["verify"]
    r["sink_violations"] = s["violations"] if verified else None
    r["sink_cpu_s"] = s["cpu_s"]
r["msgs_per_s"] = rate
r["end_to_end_s"] = t_last - t0 if t_last > 0 else None
if relay != "none":
    r["relay_cpu_s"] = (int(cpu1) - int(cpu0)) / tck
    r["relay_cpu_us_per_msg"] = r["relay_cpu_s"] / got * 1e6 if got else None
r["sink_cpu_us_per_msg"] = (int(scpu1) - int(scpu0)) / tck / got * 1e6 if got else None
gj = os.path.join(d, "gen.json")
gt = os.path.join(d, "gen.time")
if os.path.exists(gj):
    g = json.load(open(gj))["results"]
    r["generator_cpu_us_per_msg"] = g["cpu"]["us_per_msg"]
    r["generator_msgs_per_s"] = g["msgs_per_s"]
    r["latency_us"] = {k: g["latency_us"][k] for k in ("p50", "p99", "p999", "max")}
    r["generator_outcomes"] = {k: g[k] for k in ("ok", "tempfail", "permfail", "errors")}
elif os.path.exists(gt):
    u, s_, e = open(gt).read().split()[-3:]
    r["generator_cpu_us_per_msg"] = (float(u) + float(s_)) / n * 1e6
# what else ran: the machine's busy CPU time during the run minus what the
# generator, the relay and the sink used (the generator's is for its whole run)
busy = (int(busy1) - int(busy0)) / tck
ours = r.get("relay_cpu_s", 0) + (int(scpu1) - int(scpu0)) / tck
if r.get("generator_cpu_us_per_msg") is not None:
    ours += r["generator_cpu_us_per_msg"] * n / 1e6
wall = float(busy_t1) - float(busy_t0)
r["machine_busy_share"] = busy / (wall * os.cpu_count()) if wall > 0 else None
r["others_cpu_s"] = max(0.0, busy - ours)
print(json.dumps(r))
EOF
  [ "$complete" = true ] || log "$name, $size bytes: only $got of $n messages arrived"
}

# --- the runs ---
log "results in $tmp while running; Postfix $(postconf -d -h mail_version 2>/dev/null || echo '?')"
for size in $sizes; do
  nr=$(count relay "$size")
  nc=$(count ceiling "$size")
  if [ "$postfix_ok" = 1 ] || [ -x /usr/sbin/smtp-source ]; then
    run ceiling-smtp-source smtp-source none smtp-sink "$size" "$nc" || true
  fi
  run ceiling-rl-bench rl-bench none rl-sink "$size" "$((nc * 2))" || true
  if [ "$postfix_ok" = 1 ]; then
    run postfix smtp-source postfix smtp-sink "$size" "$nr" || true
  fi
  if [ "$redlined_ok" = 1 ]; then
    if [ -x /usr/sbin/smtp-source ]; then
      run redlined-smtp-source smtp-source redlined smtp-sink "$size" "$nr" || true
    fi
    run redlined-rl-bench rl-bench redlined rl-sink "$size" "$nr" || true
  fi
done

# --- report ---
commit=${REDLINE_COMMIT:-}
if [ -z "$commit" ]; then
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit=$commit-dirty
  fi
fi
mkdir -p "$root/bench/results"
out=$root/bench/results/smtp-$(date -u +%Y%m%dT%H%M%SZ)-$commit.json
python3 - "$tmp/runs.jsonl" "$out" "$commit" "$quick" "$sessions" "$postfix_why" "$redlined_why" \
  "$(postconf -d -h mail_version 2>/dev/null || echo unknown)" "$(df -PT "$tmp" | awk 'NR==2 {print $2}')" <<'EOF'
import json, os, socket, sys, time
runs_path, out, commit, quick, sessions, postfix_why, redlined_why, pf_version, fs = sys.argv[1:]
runs = [json.loads(l) for l in open(runs_path)] if os.path.exists(runs_path) else []
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
sizes = sorted({r["size"] for r in runs})
by = {(r["name"], r["size"]): r for r in runs}

def ratio(a, b):
    return a / b if a and b else None

table = []
for s in sizes:
    pf = by.get(("postfix", s))
    rs = by.get(("redlined-smtp-source", s))
    rb = by.get(("redlined-rl-bench", s))
    table.append({
        "size": s,
        "ceiling_smtp_source": by.get(("ceiling-smtp-source", s)),
        "ceiling_redline_bench": by.get(("ceiling-rl-bench", s)),
        "postfix": pf,
        "redlined_smtp_source": rs,
        "redlined_redline_bench": rb,
        # redlined / Postfix, same load (smtp-source, a connection per message)
        "ratio_msgs_per_s": ratio(rs and rs["msgs_per_s"], pf and pf["msgs_per_s"]),
        # Postfix CPU per message / redlined CPU per message: how many times less
        "ratio_cpu_per_msg": ratio(pf and pf.get("relay_cpu_us_per_msg"),
                                   rs and rs.get("relay_cpu_us_per_msg")),
    })
notes = [n for n in (postfix_why, redlined_why) if n]
report = {
    "benchmark": "smtp-compare",
    "commit": commit,
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"host": socket.gethostname(), "cpu": cpu, "nproc": os.cpu_count()},
    "config": {"quick": quick == "1", "sessions": int(sessions), "postfix_version": pf_version,
               "queue_filesystem": fs,
               "smtp_source": "-s SESSIONS -m N -l SIZE (new connection per message; SIZE "
                              "is the payload, headers come on top)",
               "redline_bench": "smtp --connections SESSIONS --pipelining --size SIZE "
                                "(persistent sessions; SIZE includes the headers)"},
    "notes": notes,
    "sizes": table,
}
with open(out, "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")

def fmt(v, w, p=0):
    return f"{v:{w}.{p}f}" if isinstance(v, (int, float)) else f"{'-':>{w}}"

def g(r, k):
    return r.get(k) if r else None

print()
print(f"{'':8} | {'tools ceiling, msg/s':^21} | {'(a) Postfix':^17} | {'(b) redlined':^17} |"
      f" {'(c) redlined, rl-bench':^28} | {'ratio b/a':^15}")
print(f"{'size':>8} | {'smtp-src':>10} {'rl-bench':>10} | {'msg/s':>7} {'CPU us':>9} |"
      f" {'msg/s':>7} {'CPU us':>9} | {'msg/s':>7} {'CPU us':>9} {'p99 us':>10} |"
      f" {'msg/s':>7} {'CPU':>7}")
for t in table:
    s = t["size"]
    label = f"{s // 1024} KiB" if s % 1024 == 0 else f"{s} B"
    c = t["redlined_redline_bench"]
    print(f"{label:>8} | {fmt(g(t['ceiling_smtp_source'], 'msgs_per_s'), 10)}"
          f" {fmt(g(t['ceiling_redline_bench'], 'msgs_per_s'), 10)} |"
          f" {fmt(g(t['postfix'], 'msgs_per_s'), 7)} {fmt(g(t['postfix'], 'relay_cpu_us_per_msg'), 9)} |"
          f" {fmt(g(t['redlined_smtp_source'], 'msgs_per_s'), 7)}"
          f" {fmt(g(t['redlined_smtp_source'], 'relay_cpu_us_per_msg'), 9)} |"
          f" {fmt(g(c, 'msgs_per_s'), 7)} {fmt(g(c, 'relay_cpu_us_per_msg'), 9)}"
          f" {fmt(c['latency_us']['p99'] if c and 'latency_us' in c else None, 10)} |"
          f" {fmt(t['ratio_msgs_per_s'], 7, 2)} {fmt(t['ratio_cpu_per_msg'], 7, 2)}")
print("msg/s at the sink; CPU us = relay CPU (all its processes) per message; ratio CPU = "
      "Postfix CPU/msg over redlined CPU/msg (above 1: redlined uses less)")
for t in table:
    for k in ("ceiling_smtp_source", "ceiling_redline_bench", "postfix", "redlined_smtp_source",
              "redlined_redline_bench"):
        r = t[k]
        if r and not r["complete"]:
            print(f"warning: {k} at {t['size']} bytes: only {r['arrived']} of {r['messages']} "
                  "messages arrived")
        if r and r.get("sink_violations"):
            print(f"warning: {k} at {t['size']} bytes: {r['sink_violations']} sensitive values "
                  "reached the sink unredacted")
    gens = [(k, t[k]) for k in ("ceiling_smtp_source", "ceiling_redline_bench") if t[k]]
    if gens:
        print(f"{t['size']:>8} B: generator CPU per message: " + ", ".join(
            f"{k.replace('ceiling_', '')} {fmt(r.get('generator_cpu_us_per_msg'), 0, 1)} us"
            for k, r in gens))
for n in notes:
    print("note: " + n)
print(f"results saved to {out}")
EOF

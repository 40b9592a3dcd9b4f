#!/usr/bin/env bash
# The DPDK backend against the kernel backend, side by side in one run
# (issue 15). Root (the EAL, a network namespace). Three parts:
#
# 1. Kernel-free SMTP path: redlined --backend dpdk (one worker pinned to
#    core 0) on a memif port; redline-bench-dpdk smtp on core 1 runs the
#    generator and the sink on one user-space stack at the memif's other end:
#    generator -> memif -> redlined -> memif -> sink, no kernel anywhere.
#    Against it the kernel path: redlined --backend kernel (one worker on
#    core 0) on loopback, redline-bench smtp and sink on core 1. Both with
#    the default policy (full scanning), --size octets, --sessions
#    persistent pipelined sessions, idle sleep. Interleaved pairs (the order
#    alternates), medians: msgs/s, redlined's CPU per message (its ticks over
#    the messages it relayed in the same interval), msgs per CPU-second of
#    redlined ("per core"), the ratio dpdk/kernel per pair, and the CPU the
#    rest of the machine used meanwhile (other work: the noise). Then the
#    same with a new connection for every message, and with sessions
#    without a message (greeting, EHLO, QUIT: connections per CPU-second).
#    The DPDK generator naps 20 us once idle for 50 us (--generator-nap-us):
#    on a shared core a thread that always polls is the one the scheduler
#    preempts for milliseconds; measured by hand here it carried 1.3-2.4x
#    the msgs/s of a spinning one with less CPU.
# 2. The stack alone (redline-bench-dpdk stack, two stacks on ring ports,
#    no kernel): TCP connections opened and closed per CPU-second, cycles per
#    packet for 64-octet segments; with one thread per stack (cores 0 and 1)
#    and with both stacks on one thread (both ends on one core, which a busy
#    machine disturbs least).
# 3. Functional runs, reported apart: redlined --backend dpdk on net_tap and
#    on net_af_packet over a veth pair, in a namespace this script makes,
#    with the kernel's redline-bench smtp and sink on its other side.
#
# Targets (issue 15): at --size 4096 over reused connections the kernel-free
# path carries at least 2x the kernel backend's msgs per core; at least
# 100,000 connections opened and closed per second per core.
# Writes bench/results/dpdk-<UTC date>-<commit>.json. Run it alone
# (flock /work/bench.lock): it keeps both cores busy (about 2 minutes with
# the defaults).
#
# usage: bench/dpdk.sh [--build DIR] [--pairs N (3)] [--seconds S (3)]
#                      [--size BYTES (4096)] [--sessions N (32)]
#                      [--nap-us US (redlined's dpdk.idle_sleep_max_us: its default)]
#                      [--generator-nap-us US (20; 0: the DPDK generator spins)]
#                      [--no-functional]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build pairs=3 secs=3 size=4096 sessions=32 nap=0 gen_nap=20 functional=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --pairs) pairs=$2; shift ;;
    --seconds) secs=$2; shift ;;
    --size) size=$2; shift ;;
    --sessions) sessions=$2; shift ;;
    --nap-us) nap=$2; shift ;;
    --generator-nap-us) gen_nap=$2; shift ;;
    --no-functional) functional=0 ;;
    -h|--help) sed -n '2,43p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dpdk.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
for v in "$pairs" "$secs" "$size" "$sessions" "$nap" "$gen_nap"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "dpdk.sh: '$v' is not a number" >&2; exit 2; }
done
for b in bench/redline-bench bench/redline-bench-dpdk dataplane/redlined control/redlinectl; do
  [ -x "$build/$b" ] || { echo "dpdk.sh: $build/$b not found; build first (make build)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "dpdk.sh: needs root (the EAL, a network namespace)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "dpdk.sh: needs 2 cores" >&2; exit 1; }
if [ -z "${REDLINE_COMMIT:-}" ]; then
  REDLINE_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" diff --quiet HEAD -- 2>/dev/null || REDLINE_COMMIT=$REDLINE_COMMIT-dirty
fi
export REDLINE_COMMIT
mkdir -p "$root/bench/results"
out=$root/bench/results/dpdk-$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT.json

exec python3 - "$build" "$out" "$pairs" "$secs" "$size" "$sessions" "$nap" "$functional" "$gen_nap" <<'PY'
import json, os, resource, signal, socket, statistics, subprocess, sys, tempfile, time

build, out = sys.argv[1], sys.argv[2]
pairs, secs, size, sessions, nap_us, functional, gen_nap = map(int, sys.argv[3:10])
bench = os.path.join(build, "bench", "redline-bench")
bdpdk = os.path.join(build, "bench", "redline-bench-dpdk")
redlined = os.path.join(build, "dataplane", "redlined")
redlinectl = os.path.join(build, "control", "redlinectl")
CLK_TCK = os.sysconf("SC_CLK_TCK")
EAL = ["--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry",
       "--log-level=lib.eal:error", "--log-level=pmd.net.memif:error"]
procs = []
notes = []


def log(msg):
    print(f"dpdk.sh: {msg}", file=sys.stderr, flush=True)


def stop_all(*signum):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    procs.clear()
    if signum:
        sys.exit(130)


signal.signal(signal.SIGINT, stop_all)
signal.signal(signal.SIGTERM, stop_all)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def counters(ctl):
    """redlined's messages relayed and connections accepted."""
    r = subprocess.run([redlinectl, "--socket", ctl, "--json", "stats"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return (0, 0)
    t = json.loads(r.stdout)["total"]
    return (t["messages_relayed"], t["connections_accepted"])


def settled(ctl, last=None):
    """counters() once they stop moving (they lag by a timer pass)."""
    for _ in range(40):
        v = counters(ctl)
        if v == last:
            return v
        last = v
        time.sleep(0.15)
    return last


def redlined_conf(tmp, name, listen, hop, extra):
    conf = {"listen": [listen], "workers": 1, "cores": [0], "idle": "sleep",
            "relay_networks": ["127.0.0.0/8", "10.0.0.0/8"], "hostname": "gw.bench.example",
            "mta_groups": {"sink": [hop]}, "routes": [{"domain": "*", "group": "sink"}],
            "limits": {"max_connections_per_ip": 0, "max_connections_per_net": 0},
            "quarantine_dir": os.path.join(tmp, name + "-q"), "log": "/dev/null",
            "control_socket": os.path.join(tmp, name + ".sock")}
    conf.update(extra)
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(conf, f, indent=1)
    return path, conf["control_socket"]


def start(args, err, ready, timeout=60, netns=None):
    """Starts a process; `ready()` must hold within `timeout` seconds."""
    pre = ["ip", "netns", "exec", netns] if netns else []
    with open(err, "w") as f:
        p = subprocess.Popen(pre + args, stdout=subprocess.DEVNULL, stderr=f)
    procs.append(p)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if p.poll() is not None:
            raise SystemExit(f"dpdk.sh: {args[0]} exited: {open(err).read()[-800:]}")
        if ready():
            return p
        time.sleep(0.1)
    raise SystemExit(f"dpdk.sh: {' '.join(args[:3])} not ready: {open(err).read()[-800:]}")


def listening(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def machine_busy():
    """Busy ticks of the whole machine so far (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]


def children_ticks():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * CLK_TCK


class Interval:
    """CPU and messages around one generator run: redlined's ticks and
    relayed messages, the other processes of ours (`pids`: the kernel path's
    sink; the generator itself is a waited-for child), and what the rest of
    the machine used meanwhile, in cores (the noise of that run)."""

    def __init__(self, ctl, gw, pids):
        self.ctl, self.gw, self.pids = ctl, gw, pids
        self.n0 = settled(ctl)
        self.t0, self.own0 = ticks(gw.pid), sum(ticks(p) for p in pids)
        self.ch0, self.busy0, self.w0 = children_ticks(), machine_busy(), time.monotonic()

    def end(self):
        self.n1 = settled(self.ctl, self.n0)
        t1, own1 = ticks(self.gw.pid), sum(ticks(p) for p in self.pids)
        ch1, busy1, w1 = children_ticks(), machine_busy(), time.monotonic()
        self.relayed = self.n1[0] - self.n0[0]
        self.accepted = self.n1[1] - self.n0[1]
        self.cpu_s = (t1 - self.t0) / CLK_TCK
        ours = (t1 - self.t0) + (own1 - self.own0) + (ch1 - self.ch0)
        self.other_cores = max(0.0, (busy1 - self.busy0 - ours) / CLK_TCK / (w1 - self.w0))
        return self


def kernel_run(port, ctl, gw, sink, extra, name, tmp):
    jpath = os.path.join(tmp, name + ".json")
    iv = Interval(ctl, gw, [sink.pid])
    cmd = ["taskset", "-c", "1", bench, "smtp", "--connect", f"127.0.0.1:{port}",
           "--connections", str(sessions), "--pipelining", "--duration", str(secs),
           "--size", str(size), "--json", jpath] + extra
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    iv.end()
    r = json.load(open(jpath))["results"]
    nomsg = "--no-message" in extra
    return summarize("kernel", name, r["msgs_per_s"],
                     r["sessions_without_message"] if nomsg else r["ok"],
                     r["tempfail"] + r["permfail"] + r["errors"], r["latency_us"]["p99"],
                     r["sessions_without_message_per_s"] if nomsg else
                     r["connections_opened"] / r["wall_s"] if r["wall_s"] else 0, iv,
                     p.returncode, r.get("last_failure") or p.stderr.decode()[-300:])


def dpdk_run(ctl, gw, sock, extra, name, tmp):
    jpath = os.path.join(tmp, name + ".json")
    iv = Interval(ctl, gw, [])
    cmd = ["taskset", "-c", "1", bdpdk, "smtp", "--ip", "10.93.0.1/24", "--mac",
           "02:00:0a:5d:00:01", "--connect", "10.93.0.2:2525", "--sink-port", "2526",
           "--connections", str(sessions), "--pipelining", "--warmup", "1", "--duration",
           str(secs), "--size", str(size), "--nap-us", str(gen_nap), "--json", jpath] + extra + \
          ["--"] + EAL + [f"--vdev=net_memif0,role=client,socket={sock},socket-abstract=no"]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=secs + 90)
    iv.end()
    if p.returncode != 0 and not os.path.exists(jpath):
        raise SystemExit(f"dpdk.sh: redline-bench-dpdk smtp: {p.stderr.decode()[-800:]}")
    r = json.load(open(jpath))
    nomsg = "--no-message" in extra
    run = summarize("dpdk", name, r["msgs_per_s"],
                    r["sessions_without_message"] if nomsg else r["messages_ok"],
                    r["messages_failed"], r["latency_p99_us"],
                    r["sessions_without_message_per_s"] if nomsg else r["sessions_per_s"], iv,
                    p.returncode, r["last_error"] or p.stderr.decode()[-300:])
    run["generator_core_share"] = round(r["generator_cpu_s"] / r["seconds"], 3)
    return run


def summarize(path, name, msgs_s, ok, not_ok, p99, sess_s, iv, rc, err):
    per_msg = iv.cpu_s / iv.relayed * 1e6 if iv.relayed else None
    per_conn = iv.cpu_s / iv.accepted * 1e6 if iv.accepted else None
    run = {"path": path, "run": name, "msgs_per_s": msgs_s, "ok": ok, "not_ok": not_ok,
           "p99_us": p99, "sessions_per_s": sess_s, "redlined_relayed": iv.relayed,
           "redlined_accepted": iv.accepted, "redlined_cpu_s": iv.cpu_s,
           "redlined_cpu_us_per_msg": per_msg,
           "redlined_msgs_per_cpu_s": iv.relayed / iv.cpu_s if iv.cpu_s and iv.relayed else None,
           "redlined_cpu_us_per_conn": per_conn,
           "redlined_conns_per_cpu_s": iv.accepted / iv.cpu_s if iv.cpu_s else None,
           # the share of its core redlined used while the generator ran
           "redlined_core_share": (per_msg * msgs_s if per_msg else
                                   per_conn * sess_s if per_conn else 0) / 1e6,
           "other_work_cores": round(iv.other_cores, 3), "exit_status": rc}
    if rc != 0 or not_ok or ok == 0:
        run["problem"] = err
    if per_msg:
        what = (f"{msgs_s:7.0f} msg/s  ok {ok}  not ok {not_ok}  redlined {per_msg:4.0f} us/msg"
                f" = {run['redlined_msgs_per_cpu_s']:6.0f} msgs per CPU-s")
    else:
        what = (f"{sess_s:7.0f} sessions/s  ok {ok}  redlined {per_conn or 0:4.0f} us/connection"
                f" = {run['redlined_conns_per_cpu_s'] or 0:6.0f} per CPU-s")
    log(f"{name:9} {path:6} {what}, {run['redlined_core_share']:.2f} of its core; other work "
        f"{iv.other_cores:.2f} cores")
    return run


def med(runs, key):
    v = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(v) if v else None


def spread(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v)} if v else None


def side_by_side(runs, n, per_cpu):
    """Medians per path and the ratios dpdk/kernel of each interleaved pair."""
    out = {}
    for path in ("kernel", "dpdk"):
        rs = [r for r in runs if r["path"] == path]
        out[path] = {k: med(rs, k) for k in (
            "msgs_per_s", "p99_us", "sessions_per_s", "redlined_cpu_us_per_msg",
            "redlined_msgs_per_cpu_s", "redlined_cpu_us_per_conn", "redlined_conns_per_cpu_s",
            "redlined_core_share", "other_work_cores")}
        out[path]["messages_ok"] = sum(r["ok"] for r in rs)
        out[path]["not_ok"] = sum(r["not_ok"] for r in rs)
    rate = "sessions_per_s" if per_cpu == "redlined_conns_per_cpu_s" else "msgs_per_s"
    r_rate, r_core = [], []
    for i in range(n):
        k = next(r for r in runs if r["path"] == "kernel" and r["run"].endswith(f"-{i}"))
        d = next(r for r in runs if r["path"] == "dpdk" and r["run"].endswith(f"-{i}"))
        if k[rate]:
            r_rate.append(d[rate] / k[rate])
        if k[per_cpu] and d[per_cpu]:
            r_core.append(d[per_cpu] / k[per_cpu])
    out["ratio_" + rate] = spread(r_rate)
    out["ratio_" + per_cpu.replace("redlined_", "")] = spread(r_core)
    out["other_work_cores"] = spread([r["other_work_cores"] for r in runs])
    out["runs"] = runs
    return out


def smtp_part(tmp, result):
    sock = os.path.join(tmp, "memif.sock")
    # the kernel path: sink on core 1, redlined on core 0
    ksink_port = free_port()
    ksink = start(["taskset", "-c", "1", bench, "sink", "--listen", f"127.0.0.1:{ksink_port}",
                   "--count-file", os.path.join(tmp, "ksink.count"), "--quiet"],
                  os.path.join(tmp, "ksink.err"), lambda: listening(ksink_port))
    kport = free_port()
    kconf, kctl = redlined_conf(tmp, "kernel", f"127.0.0.1:{kport}", f"127.0.0.1:{ksink_port}",
                                {})
    kgw = start([redlined, "--config", kconf, "--foreground"], os.path.join(tmp, "kgw.err"),
                lambda: listening(kport))
    dpdk_conf = {"eal": ["--no-huge", "-m", "1024", "--log-level=lib.eal:error",
                         "--log-level=pmd.net.memif:error"],
                 "ports": [{"device": f"net_memif0,role=server,socket={sock},"
                                      "socket-abstract=no",
                            "address": "10.93.0.2/24", "mac": "02:00:0a:5d:00:02"}]}
    if nap_us:
        dpdk_conf["idle_sleep_max_us"] = nap_us
    dconf, dctl = redlined_conf(tmp, "dpdk", "0.0.0.0:2525", "10.93.0.1:2526",
                                {"backend": "dpdk", "dpdk": dpdk_conf})
    dgw = start([redlined, "--config", dconf, "--foreground"], os.path.join(tmp, "dgw.err"),
                lambda: os.path.exists(dctl) and os.path.exists(sock))
    for label, extra, key, per_cpu in (
            ("reuse", [], "smtp_reuse", "redlined_msgs_per_cpu_s"),
            ("newconn", ["--new-conn"], "smtp_new_connection", "redlined_msgs_per_cpu_s"),
            ("nomsg", ["--no-message"], "smtp_sessions_without_message",
             "redlined_conns_per_cpu_s")):
        runs = []
        for i in range(pairs):
            order = ["kernel", "dpdk"] if i % 2 == 0 else ["dpdk", "kernel"]
            for path in order:
                if path == "kernel":
                    runs.append(kernel_run(kport, kctl, kgw, ksink, extra, f"{label}-{i}", tmp))
                else:
                    runs.append(dpdk_run(dctl, dgw, sock, extra, f"{label}-{i}", tmp))
        result[key] = dict({"size": size, "sessions": sessions, "seconds": secs,
                            "pairs": pairs, "generator_options": extra},
                           **side_by_side(runs, pairs, per_cpu))
        rk = "ratio_" + per_cpu.replace("redlined_", "")
        rc = result[key][rk]
        log(f"{label}: {per_cpu} dpdk/kernel, median of {pairs} pairs: "
            f"{rc['median'] if rc else 0:.2f}")
    stop_all()


def stack_part(tmp, result):
    result["stack"] = {}
    for threads in (1, 2):
        jpath = os.path.join(tmp, f"stack{threads}.json")
        ch0, busy0, w0 = children_ticks(), machine_busy(), time.monotonic()
        p = subprocess.run([bdpdk, "stack", "--threads", str(threads), "--runs", str(pairs),
                            "--seconds", "1", "--json", jpath, "--"] + EAL +
                           ["--lcores=0@(0,1)"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=pairs * 10 + 60)
        if p.returncode != 0:
            raise SystemExit(f"dpdk.sh: stack: {p.stderr.decode()[-500:]}")
        other = (machine_busy() - busy0 - (children_ticks() - ch0)) / CLK_TCK / \
            (time.monotonic() - w0)
        r = json.load(open(jpath))
        r["other_work_cores"] = round(max(0.0, other), 3)
        result["stack"][f"threads_{threads}"] = r
        m = r["median"]
        if threads == 1:
            log(f"stack, both ends on one core: {m['conns_per_cpu_s_both_ends']:.0f} connections"
                f" opened and closed per CPU-s, {m['small_cycles_per_packet_both']:.0f} cycles "
                f"per small packet; other work {other:.2f} cores")
        else:
            log(f"stack, one core per end: {m['conns_per_cpu_s_server']:.0f} connections opened"
                f" and closed per CPU-s (server), {m['small_cycles_per_packet_server']:.0f} "
                f"cycles per small packet (server); other work {other:.2f} cores")


def functional_part(tmp, result):
    """redlined --backend dpdk on net_tap and on net_af_packet (veth), in a
    namespace of this script, the kernel's tools on the other side."""
    ns = f"rlbench{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    nsx = ["ip", "netns", "exec", ns]
    try:
        subprocess.run(nsx + ["ip", "link", "set", "lo", "up"], check=True)
        result["functional"] = {}
        for kind in ("tap", "af_packet"):
            if kind == "tap":
                dev, iface = "net_tap0,iface=rlb0", "rlb0"
            else:
                iface = "rlbk0"
                subprocess.run(nsx + ["ip", "link", "add", iface, "type", "veth", "peer", "name",
                                      "rlbd0"], check=True)
                subprocess.run(nsx + ["ip", "link", "set", "rlbd0", "up"], check=True)
                # frames with partial checksums or GSO would reach the stack otherwise
                subprocess.run(nsx + ["ethtool", "-K", iface, "tx", "off"], check=True,
                               stdout=subprocess.DEVNULL)
                dev = "net_af_packet0,iface=rlbd0"
            sink_port = 2600
            conf, ctl = redlined_conf(tmp, kind, "0.0.0.0:2525", f"10.94.0.1:{sink_port}", {
                "backend": "dpdk", "idle": "sleep",
                "dpdk": {"eal": ["--no-huge", "-m", "512", "--log-level=lib.eal:error",
                                 "--log-level=pmd.net.tap:error"],
                         "ports": [{"device": dev, "address": "10.94.0.2/24",
                                    "mac": "02:00:0a:5e:00:02"}]}})
            up = {"done": False}

            def ready():
                if not up["done"] and subprocess.run(nsx + ["ip", "link", "show", iface],
                                                     capture_output=True).returncode == 0:
                    subprocess.run(nsx + ["ip", "addr", "add", "10.94.0.1/24", "dev", iface],
                                   check=True)
                    subprocess.run(nsx + ["ip", "link", "set", iface, "up"], check=True)
                    up["done"] = True
                return up["done"] and subprocess.run(
                    nsx + [sys.executable, "-c", "import socket;socket.create_connection("
                           "('10.94.0.2',2525),timeout=1).close()"],
                    capture_output=True).returncode == 0
            count = os.path.join(tmp, kind + ".count")
            sink = start(["taskset", "-c", "1", bench, "sink", "--listen",
                          f"0.0.0.0:{sink_port}", "--count-file", count, "--quiet"],
                         os.path.join(tmp, kind + "-sink.err"), lambda: True, netns=ns)
            gw = start([redlined, "--config", conf, "--foreground"],
                       os.path.join(tmp, kind + "-gw.err"), ready, netns=ns)
            jpath = os.path.join(tmp, kind + "-gen.json")
            p = subprocess.run(nsx + ["taskset", "-c", "1", bench, "smtp", "--connect",
                                      "10.94.0.2:2525", "--connections", str(sessions),
                                      "--pipelining", "--duration", str(secs), "--size",
                                      str(size), "--json", jpath],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            r = json.load(open(jpath))["results"]
            st = json.loads(subprocess.run([redlinectl, "--socket", ctl, "--json", "stats"],
                                           capture_output=True, text=True).stdout)["total"]
            port = next(iter(st["net_rx_frames"]))
            result["functional"][kind] = {
                "device": dev, "msgs_per_s": r["msgs_per_s"], "ok": r["ok"],
                "not_ok": r["tempfail"] + r["permfail"] + r["errors"],
                "p99_us": r["latency_us"]["p99"], "exit_status": p.returncode,
                "retransmits": st["net_tcp_retransmits"][port],
                "rx_frames": st["net_rx_frames"][port], "tcp_bad": st["net_tcp_bad"][port]}
            log(f"functional {kind}: {r['msgs_per_s']:.0f} msg/s, ok {r['ok']}, "
                f"retransmits {st['net_tcp_retransmits'][port]}")
            stop_all()
            del sink, gw
    finally:
        stop_all()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    load0 = os.getloadavg()
    t0 = time.time()
    result = {"benchmark": "dpdk", "commit": os.environ.get("REDLINE_COMMIT", "unknown"),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": {"host": socket.gethostname(), "nproc": os.cpu_count(),
                          "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                       if l.startswith("model name")), "?")},
              "options": {"pairs": pairs, "seconds": secs, "size": size, "sessions": sessions,
                          "idle_sleep_max_us": nap_us or "default",
                          "generator_nap_us": gen_nap},
              "notes": notes}
    with tempfile.TemporaryDirectory(prefix="redline-dpdk-bench-") as tmp:
        os.chmod(tmp, 0o777)
        try:
            smtp_part(tmp, result)
            stack_part(tmp, result)
            if functional:
                functional_part(tmp, result)
        finally:
            stop_all()
    core = result["smtp_reuse"]["ratio_msgs_per_cpu_s"] or {"median": 0, "min": 0, "max": 0}
    one = result["stack"]["threads_1"]["median"]["conns_per_cpu_s_both_ends"]
    two = result["stack"]["threads_2"]["median"]
    result["targets"] = {
        "msgs_per_core_2x_kernel": {
            "target": 2.0, "measured": core["median"], "min": core["min"], "max": core["max"],
            "met": core["median"] >= 2.0,
            "how": "median over interleaved pairs of (redlined msgs per CPU-s on dpdk) / (the "
                   "same on kernel), --size octets over reused pipelined sessions"},
        "conns_per_s_per_core_100k": {
            "target": 100000, "measured": one, "met": one >= 100000,
            "one_core_per_end": {"client": two["conns_per_cpu_s_client"],
                                 "server": two["conns_per_cpu_s_server"]},
            "through_redlined": {
                p: result["smtp_sessions_without_message"][p]["redlined_conns_per_cpu_s"]
                for p in ("kernel", "dpdk")},
            "how": "the stack alone on ring ports: connections opened and closed per CPU-s "
                   "with both ends on one core (each end alone costs less); through_redlined: "
                   "SMTP sessions without a message (greeting, EHLO, QUIT) per CPU-s of "
                   "redlined"}}
    result["noise"] = {
        "load_average_before": load0, "load_average_after": os.getloadavg(),
        "other_work_cores_smtp": result["smtp_reuse"]["other_work_cores"],
        "how": "other_work_cores: CPU the rest of the machine used during each run, in cores "
               "of the 2 (from /proc/stat, minus this benchmark's processes)"}
    result["wall_s"] = round(time.time() - t0, 1)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    for k, v in result["targets"].items():
        log(f"target {k}: {v['target']}, measured {v['measured']:.2f}: "
            f"{'met' if v['met'] else 'NOT met'}")
    log(f"wrote {out}")


main()
PY

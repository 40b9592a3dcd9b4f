#!/usr/bin/env bash
# The DPDK backend against the kernel backend, side by side in one run
# (issue 15). Root (the EAL, a network namespace). Three parts:
#
# 1. Kernel-free SMTP path: redlined --backend dpdk (one worker pinned to
#    core 0) on a memif port; redline-bench-dpdk smtp on core 1 runs the
#    generator and the sink on the same user-space stack at the memif's other
#    end: generator -> memif -> redlined -> memif -> sink, no kernel. Against
#    it the kernel path: redlined --backend kernel (one worker on core 0) on
#    loopback, redline-bench smtp and sink on core 1. Both with the default
#    policy (full scanning), --size octets, --sessions persistent pipelined
#    sessions, idle sleep. Interleaved pairs (the order alternates), medians:
#    msgs/s, redlined's CPU per message (its ticks over the messages it
#    relayed in the same interval), msgs per CPU-second of redlined
#    ("per core"), and the ratio dpdk/kernel per pair. Then SMTP sessions
#    per second with a new connection per message, both paths, one pair.
# 2. The stack alone (redline-bench-dpdk stack, two stacks on ring ports,
#    one thread each on cores 0 and 1): TCP connections opened and closed per
#    CPU-second of a core, cycles per packet for 64-octet segments.
# 3. Functional runs, reported apart: redlined --backend dpdk on net_tap and
#    on net_af_packet over a veth pair, in a namespace this script makes,
#    with the kernel's redline-bench smtp and sink on its other side.
#
# Targets (issue 15): at --size 4096 over reused connections the kernel-free
# path carries at least 2x the kernel backend's msgs per core; at least
# 100,000 connections opened and closed per second per core.
# Writes bench/results/dpdk-<UTC date>-<commit>.json. Run it alone
# (flock /work/bench.lock): it keeps both cores busy.
#
# usage: bench/dpdk.sh [--build DIR] [--pairs N (5)] [--seconds S (4)]
#                      [--size BYTES (4096)] [--sessions N (16)]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build pairs=5 secs=4 size=4096 sessions=16
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --pairs) pairs=$2; shift ;;
    --seconds) secs=$2; shift ;;
    --size) size=$2; shift ;;
    --sessions) sessions=$2; shift ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dpdk.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
for v in "$pairs" "$secs" "$size" "$sessions"; do
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

exec python3 - "$build" "$out" "$pairs" "$secs" "$size" "$sessions" <<'PY'
import json, os, signal, socket, statistics, subprocess, sys, tempfile, time

build, out = sys.argv[1], sys.argv[2]
pairs, secs, size, sessions = map(int, sys.argv[3:7])
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


def relayed(ctl):
    r = subprocess.run([redlinectl, "--socket", ctl, "--json", "stats"], capture_output=True,
                       text=True)
    return json.loads(r.stdout)["total"]["messages_relayed"] if r.returncode == 0 else 0


def settled_relayed(ctl, last=-1):
    """messages_relayed once it stops moving (counters lag by a timer pass)."""
    for _ in range(40):
        v = relayed(ctl)
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


def kernel_run(port, ctl, gw, sink_count, extra, name, tmp):
    jpath = os.path.join(tmp, name + ".json")
    n0, t0 = settled_relayed(ctl), ticks(gw.pid)
    cmd = ["taskset", "-c", "1", bench, "smtp", "--connect", f"127.0.0.1:{port}",
           "--connections", str(sessions), "--pipelining", "--duration", str(secs),
           "--size", str(size), "--json", jpath] + extra
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    r = json.load(open(jpath))["results"]
    n1 = settled_relayed(ctl, n0)
    t1 = ticks(gw.pid)
    return summarize("kernel", name, r["msgs_per_s"], r["ok"],
                     r["tempfail"] + r["permfail"] + r["errors"], r["latency_us"]["p99"],
                     r["connections_opened"] / r["wall_s"] if r["wall_s"] else 0,
                     n1 - n0, (t1 - t0) / CLK_TCK, r["wall_s"], p.returncode,
                     r.get("last_failure"))


def dpdk_run(ctl, gw, sock, extra, name, tmp):
    jpath = os.path.join(tmp, name + ".json")
    n0, t0 = settled_relayed(ctl), ticks(gw.pid)
    cmd = ["taskset", "-c", "1", bdpdk, "smtp", "--ip", "10.93.0.1/24", "--mac",
           "02:00:0a:5d:00:01", "--connect", "10.93.0.2:2525", "--sink-port", "2526",
           "--connections", str(sessions), "--pipelining", "--warmup", "1", "--duration",
           str(secs), "--size", str(size), "--json", jpath] + extra + \
          ["--"] + EAL + [f"--vdev=net_memif0,role=client,socket={sock},socket-abstract=no"]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=secs + 90)
    r = json.load(open(jpath))
    n1 = settled_relayed(ctl, n0)
    t1 = ticks(gw.pid)
    wall = secs + 1  # warm-up and window: redlined's ticks cover both
    return summarize("dpdk", name, r["msgs_per_s"], r["messages_ok"], r["messages_failed"],
                     r["latency_p99_us"], r["sessions_per_s"], n1 - n0, (t1 - t0) / CLK_TCK,
                     wall, p.returncode, r["last_error"] or p.stderr.decode()[-300:])


def summarize(path, name, msgs_s, ok, not_ok, p99, sess_s, relayed_n, cpu_s, wall, rc, err):
    run = {"path": path, "run": name, "msgs_per_s": msgs_s, "ok": ok, "not_ok": not_ok,
           "p99_us": p99, "sessions_per_s": sess_s, "redlined_relayed": relayed_n,
           "redlined_cpu_s": cpu_s,
           "redlined_cpu_us_per_msg": cpu_s / relayed_n * 1e6 if relayed_n else None,
           "redlined_msgs_per_cpu_s": relayed_n / cpu_s if cpu_s else None,
           "redlined_core_share": cpu_s / wall if wall else None, "exit_status": rc}
    if rc != 0 or not_ok or ok == 0:
        run["problem"] = err
    log(f"{name:14} {path:6} {msgs_s:9.0f} msg/s  ok {ok}  not ok {not_ok}  redlined "
        f"{run['redlined_cpu_us_per_msg'] or 0:.0f} us/msg, {run['redlined_msgs_per_cpu_s'] or 0:.0f}"
        f" msgs per CPU-s")
    return run


def med(runs, key):
    v = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(v) if v else None


def smtp_part(tmp, result):
    sock = os.path.join(tmp, "memif.sock")
    # the kernel path: sink on core 1, redlined on core 0
    ksink_port = free_port()
    kcount = os.path.join(tmp, "ksink.count")
    start(["taskset", "-c", "1", bench, "sink", "--listen", f"127.0.0.1:{ksink_port}",
           "--count-file", kcount, "--quiet"], os.path.join(tmp, "ksink.err"),
          lambda: listening(ksink_port))
    kport = free_port()
    kconf, kctl = redlined_conf(tmp, "kernel", f"127.0.0.1:{kport}", f"127.0.0.1:{ksink_port}",
                                {})
    kgw = start([redlined, "--config", kconf, "--foreground"], os.path.join(tmp, "kgw.err"),
                lambda: listening(kport))
    dconf, dctl = redlined_conf(tmp, "dpdk", "0.0.0.0:2525", "10.93.0.1:2526", {
        "backend": "dpdk",
        "dpdk": {"eal": ["--no-huge", "-m", "1024", "--log-level=lib.eal:error",
                         "--log-level=pmd.net.memif:error"],
                 "ports": [{"device": f"net_memif0,role=server,socket={sock},"
                                      "socket-abstract=no",
                            "address": "10.93.0.2/24", "mac": "02:00:0a:5d:00:02"}]}})
    dgw = start([redlined, "--config", dconf, "--foreground"], os.path.join(tmp, "dgw.err"),
                lambda: os.path.exists(dctl) and os.path.exists(sock))
    runs = []
    for i in range(pairs):
        order = ["kernel", "dpdk"] if i % 2 == 0 else ["dpdk", "kernel"]
        for path in order:
            if path == "kernel":
                runs.append(kernel_run(kport, kctl, kgw, kcount, [], f"reuse-{i}", tmp))
            else:
                runs.append(dpdk_run(dctl, dgw, sock, [], f"reuse-{i}", tmp))
    ratios = []
    for i in range(pairs):
        k = next(r for r in runs if r["path"] == "kernel" and r["run"] == f"reuse-{i}")
        d = next(r for r in runs if r["path"] == "dpdk" and r["run"] == f"reuse-{i}")
        if k["redlined_msgs_per_cpu_s"] and d["redlined_msgs_per_cpu_s"]:
            ratios.append({"msgs_per_s": d["msgs_per_s"] / k["msgs_per_s"],
                           "msgs_per_cpu_s": d["redlined_msgs_per_cpu_s"]
                           / k["redlined_msgs_per_cpu_s"]})
    side = {}
    for path in ("kernel", "dpdk"):
        rs = [r for r in runs if r["path"] == path]
        side[path] = {k: med(rs, k) for k in ("msgs_per_s", "p99_us", "redlined_cpu_us_per_msg",
                                              "redlined_msgs_per_cpu_s", "redlined_core_share")}
        side[path]["messages_ok"] = sum(r["ok"] for r in rs)
        side[path]["not_ok"] = sum(r["not_ok"] for r in rs)
    result["smtp_reuse"] = {
        "size": size, "sessions": sessions, "seconds": secs, "pairs": pairs,
        "kernel": side["kernel"], "dpdk": side["dpdk"],
        "ratio_msgs_per_s_median": statistics.median(x["msgs_per_s"] for x in ratios)
        if ratios else None,
        "ratio_msgs_per_cpu_s_median": statistics.median(x["msgs_per_cpu_s"] for x in ratios)
        if ratios else None,
        "runs": runs}
    # a new connection for every message: SMTP sessions per second
    newc = [kernel_run(kport, kctl, kgw, kcount, ["--new-conn"], "newconn", tmp),
            dpdk_run(dctl, dgw, sock, ["--new-conn"], "newconn", tmp)]
    result["smtp_new_connection"] = {"kernel": newc[0], "dpdk": newc[1]}
    stop_all()


def stack_part(tmp, result):
    jpath = os.path.join(tmp, "stack.json")
    p = subprocess.run([bdpdk, "stack", "--runs", str(pairs), "--seconds", "2", "--json", jpath,
                        "--"] + EAL + ["--lcores=0@(0,1)"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=pairs * 10 + 60)
    if p.returncode != 0:
        raise SystemExit(f"dpdk.sh: stack: {p.stderr.decode()[-500:]}")
    result["stack"] = json.load(open(jpath))
    m = result["stack"]["median"]
    log(f"stack: {m['conns_per_cpu_s_server']:.0f} connections opened and closed per CPU-s "
        f"(server core), {m['small_cycles_per_packet_server']:.0f} cycles per small packet")


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
              "notes": notes}
    with tempfile.TemporaryDirectory(prefix="redline-dpdk-bench-") as tmp:
        os.chmod(tmp, 0o777)
        try:
            smtp_part(tmp, result)
            stack_part(tmp, result)
            functional_part(tmp, result)
        finally:
            stop_all()
    s = result["smtp_reuse"]
    result["targets"] = {
        "msgs_per_core_2x_kernel": {"target": 2.0,
                                    "measured": s["ratio_msgs_per_cpu_s_median"],
                                    "met": (s["ratio_msgs_per_cpu_s_median"] or 0) >= 2.0},
        "conns_per_s_per_core_100k": {
            "target": 100000, "measured": result["stack"]["median"]["conns_per_cpu_s_server"],
            "met": result["stack"]["median"]["conns_per_cpu_s_server"] >= 100000}}
    result["load_average"] = {"before": load0, "after": os.getloadavg()}
    result["wall_s"] = round(time.time() - t0, 1)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    log(f"msgs/s dpdk/kernel {s['ratio_msgs_per_s_median']}, msgs per CPU-s of redlined "
        f"dpdk/kernel {s['ratio_msgs_per_cpu_s_median']}; wrote {out}")


main()
PY

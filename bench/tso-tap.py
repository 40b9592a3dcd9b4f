#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TSO on vs off (issue 15), a functional figure on net_tap, root: two
user-space stacks (rlnet_tool serve) on two net_tap ports in a network
namespace this bench makes, one with TSO (the port offers it: net_tap cuts
super-segments in software with rte_gso), one with `--tso off`, and the
Linux kernel's TCP as the peer. In interleaved pairs, a kernel client
fetches MB megabytes from each stack's source service (stack -> kernel,
the direction TSO serves) and sends MB to its discard service (kernel ->
stack, unchanged by TSO, as a control); each transfer is checked byte for
byte. Per transfer: throughput and the stack process's CPU time per MB
(its poll thread's time on CPU from /proc schedstat, user and system; the
loop naps 50 us when idle, so waiting costs little but is included). Reports medians and on/off ratios, and the
stacks' counters (TSO super-segments and the segments they carried).

net_tap is no NIC: it writes every cut segment to the kernel with one
writev, as it writes every frame without TSO, so what TSO saves here is the
stack's per-segment work, not the per-packet cost of the port; a NIC's TSO
would save that too. Writes bench/results/tso-tap-<date>-<commit>.json.

usage: bench/tso-tap.py [--mb N (16)] [--pairs N (5)] [--build DIR (build)]"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EAL = ["-l", "0", "--no-pci", "--no-huge", "--no-shconf", "--no-telemetry", "-m", "512",
       "--log-level=lib.eal:error", "--log-level=pmd.net.tap:error"]
MODES = {"on": ("rlt0", "10.77.0", "02:00:0a:4d:00:02"),
         "off": ("rlt1", "10.78.0", "02:00:0a:4e:00:02")}


def pattern(n):
    # the source service's stream: octet i is (i * 31 + 7) % 251
    return bytes((i * 31 + 7) % 251 for i in range(n))


def cpu_s(pid):
    """CPU time of the stack's thread (the EAL main lcore runs the poll
    loop), user and system, in seconds: schedstat counts nanoseconds where
    /proc/PID/stat counts 10 ms ticks."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


def inner(mb, pairs, pids):
    """In the namespace: the kernel's side of every transfer."""
    import socket
    n = mb << 20
    want = pattern(n)
    out = {m: {"source": [], "discard": []} for m in MODES}
    blob = bytes(n)
    for i in range(pairs + 1):  # pair 0 warms up (ARP, caches) and is not kept
        for mode in (["on", "off"] if i % 2 else ["off", "on"]):
            ip = MODES[mode][1] + ".2"
            pid = pids[mode]
            c0, t0 = cpu_s(pid), time.monotonic()
            s = socket.create_connection((ip, 19), timeout=60)
            s.sendall(b"%d\n" % n)
            got = bytearray()
            while True:
                b = s.recv(1 << 20)
                if not b:
                    break
                got.extend(b)
            s.close()
            t1, c1 = time.monotonic(), cpu_s(pid)
            if bytes(got) != want:
                raise SystemExit(f"tso {mode}: source stream not byte-exact ({len(got)} of {n})")
            c2, t2 = cpu_s(pid), time.monotonic()
            s = socket.create_connection((ip, 9), timeout=60)
            s.sendall(blob)
            s.shutdown(socket.SHUT_WR)
            s.recv(1)  # the stack's FIN: everything was taken
            s.close()
            t3, c3 = time.monotonic(), cpu_s(pid)
            if i == 0:
                continue
            out[mode]["source"].append({"s": t1 - t0, "cpu_s": c1 - c0})
            out[mode]["discard"].append({"s": t3 - t2, "cpu_s": c3 - c2})
    print(json.dumps(out))
    return 0


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=16)
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--inner", nargs=2, metavar=("PID_ON", "PID_OFF"))
    a = ap.parse_args()
    if a.inner:
        return inner(a.mb, a.pairs, {"on": int(a.inner[0]), "off": int(a.inner[1])})
    if os.geteuid() != 0:
        print("tso-tap: needs root (DPDK EAL, a network namespace)", file=sys.stderr)
        return 1
    tool = os.path.join(os.path.abspath(a.build), "tests", "net", "rlnet_tool")
    ns = f"rltso{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="rltso-")
    nsx = ["ip", "netns", "exec", ns]
    run(["ip", "netns", "add", ns])
    srv = {}
    try:
        run(nsx + ["ip", "link", "set", "lo", "up"])
        run(nsx + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
        for k, (mode, (tap, net, mac)) in enumerate(MODES.items()):
            ready = os.path.join(tmp, "ready-" + mode)
            srv[mode] = subprocess.Popen(
                nsx + [tool] + EAL + [f"--file-prefix=rltso{os.getpid()}{mode}",
                                      f"--vdev=net_tap{k},iface={tap}", "--", "serve",
                                      "--ip", net + ".2/24", "--mac", mac, "--ready", ready,
                                      "--tso", mode, "--sndbuf", str(256 << 10)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            end = time.monotonic() + 20
            while not os.path.exists(ready) and time.monotonic() < end:
                if srv[mode].poll() is not None:
                    raise RuntimeError("rlnet_tool: " + srv[mode].stderr.read()[-500:])
                time.sleep(0.05)
            run(nsx + ["ip", "addr", "add", net + ".1/24", "dev", tap])
            run(nsx + ["ip", "link", "set", tap, "up"])
        r = subprocess.run(nsx + [sys.executable, os.path.abspath(__file__), "--mb", str(a.mb),
                                  "--pairs", str(a.pairs), "--inner", str(srv["on"].pid),
                                  str(srv["off"].pid)],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError("transfers failed: " + (r.stdout + r.stderr)[-800:])
        runs = json.loads(r.stdout.strip().splitlines()[-1])
        counters = {}
        for mode, p in srv.items():
            p.send_signal(15)
            out, _ = p.communicate(timeout=30)
            st = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            s = st[0] if st else {}
            counters[mode] = {k: s.get(k) for k in ("offload_tso", "tx_frames", "tx_tso_frames",
                                                    "tx_tso_segs", "tcp_retransmits",
                                                    "tx_dropped", "tx_failed")}
        srv = {}
    finally:
        for p in srv.values():
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    def summary(xs):
        mbps = [a.mb / x["s"] for x in xs]
        cpu = [x["cpu_s"] * 1e3 / a.mb for x in xs]
        return {"mb_per_s_median": round(statistics.median(mbps), 1),
                "mb_per_s": [round(v, 1) for v in mbps],
                "cpu_ms_per_mb_median": round(statistics.median(cpu), 2),
                "cpu_ms_per_mb": [round(v, 2) for v in cpu]}

    results = {}
    for d in ("source", "discard"):
        on, off = summary(runs["on"][d]), summary(runs["off"][d])
        results[d] = {"tso_on": on, "tso_off": off,
                      "throughput_on_over_off": round(on["mb_per_s_median"]
                                                      / off["mb_per_s_median"], 3),
                      "cpu_per_mb_on_over_off": round(on["cpu_ms_per_mb_median"]
                                                      / max(off["cpu_ms_per_mb_median"], 1e-9), 3)}
    results["source"]["direction"] = "stack -> kernel (TSO applies)"
    results["discard"]["direction"] = "kernel -> stack (control: TSO does not apply)"
    results["counters"] = counters
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "dataplane", "tests/net", "bench"],
                      cwd=ROOT).returncode != 0:
        commit += "-dirty"
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    res = {"benchmark": "tso-tap", "commit": commit, "date": date,
           "machine": {"host": platform.node(), "nproc": os.cpu_count(),
                       "load_avg": os.getloadavg()},
           "config": {"mb_per_transfer": a.mb, "pairs": a.pairs, "port": "net_tap",
                      "sndbuf": 256 << 10, "rcvbuf": 65536,
                      "note": "functional/tap figure: net_tap segments in software and "
                              "writes each segment to the kernel"},
           "results": results}
    out = os.path.join(ROOT, "bench", "results", f"tso-tap-{date}-{commit}.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    print(json.dumps(results, indent=2))
    print(f"tso-tap: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

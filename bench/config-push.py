#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Configuration changes while mail flows (issue 14's measure): redlined
(2 workers) relays a steady load from redline-bench smtp to redline-bench
sink; redline-controld pushes to it. CHANGES times, `redlinectl route set`
moves the '*' route between two MTA groups (both to the sink, different
ports, so every change is a real one); after redlinectl returns, redlined's
control socket is polled until every worker reports the new version.
Reports the time from redlinectl's return to every worker running it
(median, p99, max; target p99 <= 50 ms) and the load's failed transactions
(target 0), and, side by side in the same run, the time redlinectl itself
took (validate, commit, fsync). Writes bench/results/config-push-<date>-<commit>.json.

usage: bench/config-push.py [--changes N (1000)] [--rate MSGS_PER_S (500)]
                            [--build DIR (build)]"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def unix(path, data):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def versions(ctl_sock):
    stats = json.loads(unix(ctl_sock, b"stats\n"))
    return [w.get("config_version", 0) for w in stats["workers"]]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=500)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    b = a.build
    bench = os.path.join(b, "bench", "redline-bench")
    redlined = os.path.join(b, "dataplane", "redlined")
    # The build's test key: a very-high licence lifts evaluation mode's rate
    # (tier low) so that the load is not refused by it.
    controld = os.path.join(b, "control", "redline-controld-testkey")
    license_tool = os.path.join(b, "control", "redline-license")
    ctl = os.path.join(b, "control", "redlinectl")
    tmp = tempfile.mkdtemp(prefix="redline-push-")
    os.chmod(tmp, 0o777)
    procs = []
    try:
        sink1, sink2, gwp = free_port(), free_port(), free_port()
        for p in (sink1, sink2):
            procs.append(subprocess.Popen([bench, "sink", "--listen", f"127.0.0.1:{p}", "--quiet"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_port(p)
        ctl_sock = os.path.join(tmp, "redlined.sock")
        cfg_sock = os.path.join(tmp, "config.sock")
        procs.append(subprocess.Popen(
            [redlined, "--foreground", "--listen", f"127.0.0.1:{gwp}", "--route",
             f"*=127.0.0.1:{sink1}", "--relay-net", "127.0.0.0/8", "--workers", "2",
             "--quarantine", os.path.join(tmp, "q"), "--log", "/dev/null",
             "--control-socket", ctl_sock, "--config-socket", cfg_sock, "--state-dir", tmp],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "redlined.err"), "w")))
        wait_port(gwp)
        seed = os.path.join(tmp, "seed.json")
        with open(seed, "w") as f:
            json.dump({"mta_groups": {"a": [f"127.0.0.1:{sink1}"], "b": [f"127.0.0.1:{sink2}"]},
                       "routes": [{"domain": "*", "group": "a"}],
                       "relay_networks": ["127.0.0.0/8"]}, f)
        csock = os.path.join(tmp, "controld.sock")
        procs.append(subprocess.Popen(
            [controld, "--foreground", "--socket", csock, "--state-dir", os.path.join(tmp, "st"),
             "--metrics", "off", "--dataplane-socket", ctl_sock, "--push-socket", cfg_sock,
             "--seed", seed], stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "controld.err"), "w")))
        end = time.monotonic() + 15
        while not os.path.exists(csock) or versions(ctl_sock) != [1, 1]:
            if time.monotonic() > end:
                raise RuntimeError("version 1 never reached the workers")
            time.sleep(0.01)
        lic = os.path.join(tmp, "bench.lic")
        subprocess.run([license_tool, "issue", "--key", os.path.join(b, "control", "test-license.key"),
                        "--company", "Benchmark", "--serial", "BENCH-1", "--tier", "very-high",
                        "--not-before", "2020-01-01", "--expires", "2099-01-01", "-o", lic],
                       check=True)
        subprocess.run([ctl, "--socket", csock, "license", "install", lic], check=True,
                       stdout=subprocess.DEVNULL)
        while versions(ctl_sock) != [2, 2]:
            if time.monotonic() > end:
                raise RuntimeError("version 2 never reached the workers")
            time.sleep(0.01)
        duration = max(10, a.changes // 20 + 5)
        load_json = os.path.join(tmp, "load.json")
        load = subprocess.Popen([bench, "smtp", "--connect", f"127.0.0.1:{gwp}", "--connections",
                                 "20", "--size", "4096", "--rate", str(a.rate), "--duration",
                                 str(duration), "--json", load_json],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # the load settles
        apply_ms, cli_ms = [], []
        for i in range(a.changes):
            group = "b" if i % 2 == 0 else "a"
            t0 = time.monotonic()
            p = subprocess.run([ctl, "--socket", csock, "--json", "route", "set", "*", "--group",
                                group], capture_output=True, text=True)
            t1 = time.monotonic()
            ans = json.loads(p.stdout)
            if p.returncode != 0 or not ans["ok"]:
                raise RuntimeError(f"change {i}: {p.stdout} {p.stderr}")
            v = ans["version"]
            while versions(ctl_sock) != [v, v]:
                if time.monotonic() - t1 > 10:
                    raise RuntimeError(f"version {v} did not reach every worker")
            t2 = time.monotonic()
            cli_ms.append((t1 - t0) * 1e3)
            apply_ms.append((t2 - t1) * 1e3)
        load.wait(timeout=duration + 60)
        with open(load_json) as f:
            lr = json.load(f)["results"]
        failed = lr["messages"] - lr["ok"]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "dataplane", "control", "bench"],
                      cwd=ROOT).returncode != 0:
        commit += "-dirty"
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())

    def summary(xs):
        return {"median": round(statistics.median(xs), 3), "p99": round(pct(xs, 0.99), 3),
                "max": round(max(xs), 3)}

    res = {"benchmark": "config-push", "commit": commit, "date": date,
           "machine": {"host": platform.node(), "nproc": os.cpu_count(),
                       "load_avg": os.getloadavg()},
           "config": {"changes": a.changes, "workers": 2, "load_msgs_per_s": a.rate,
                      "load_connections": 20, "size": 4096},
           "results": {
               "return_to_all_workers_ms": summary(apply_ms),
               "redlinectl_ms": summary(cli_ms),
               "load": {"messages": lr["messages"], "ok": lr["ok"], "failed": failed,
                        "msgs_per_s": lr["msgs_per_s"]},
               "target_p99_ms": 50, "met_p99": pct(apply_ms, 0.99) <= 50,
               "target_failed": 0, "met_failed": failed == 0}}
    out = os.path.join(ROOT, "bench", "results", f"config-push-{date}-{commit}.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    print(json.dumps(res["results"], indent=2))
    print(f"config-push: {out}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

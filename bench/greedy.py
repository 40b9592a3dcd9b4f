#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Greedy clients against redlined (issue 13 defect 3): one address opens
5,000 idle connections and 500 that trickle one octet every 5 s, while a
client at another address sends 1,000 messages. Three phases in one run,
side by side: the good client alone (baseline), with the greedy address under
the default configuration, and the same with the per-address and per-network
limits switched off (what the defect looked like). Reports, per phase, how
many messages were served and their latency (connect to 250) percentiles, and
what the greedy address got; writes bench/results/greedy-<date>-<commit>.json.
Loopback only: 127.0.0.2 is greedy, 127.1.0.3 (another /24) is the client.

usage: bench/greedy.py [--build DIR] [--idle N] [--trickle N] [--messages N]
                       [--sessions N] [--gap S] [--json FILE]"""
import argparse
import json
import os
import platform
import resource
import selectors
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

GREEDY = "127.0.0.2"
GOOD = "127.1.0.3"


class Greedy:
    """`idle` connections that say nothing and `trickle` that send one octet
    of an endless EHLO every `gap` seconds, all from GREEDY, on a thread."""

    def __init__(self, port, idle, trickle, gap):
        self.port, self.idle, self.trickle, self.gap = port, idle, trickle, gap
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.stop = threading.Event()
        self.stats = {"idle_attempted": idle, "trickle_attempted": trickle, "greeted": 0,
                      "refused_421": 0, "closed_without_reply": 0, "connect_failed": 0,
                      "timed_out_421": 0, "open_at_end": 0, "octets_trickled": 0}
        self.settled = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open_all(self):
        for i in range(self.idle + self.trickle):
            s = socket.socket()
            s.setblocking(False)
            s.bind((GREEDY, 0))
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            except OSError:
                self.stats["connect_failed"] += 1
                s.close()
                continue
            st = {"trickle": i >= self.idle, "state": "connecting", "buf": b"", "next": 0.0}
            self.sel.register(s, selectors.EVENT_READ, st)
            self.socks.append(s)

    def run(self):
        self.open_all()
        deadline = time.monotonic() + 60
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.2):
                s, st = key.fileobj, key.data
                try:
                    data = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    if st["state"] == "connecting":
                        self.stats["closed_without_reply"] += 1
                    st["state"] = "closed"
                    self.sel.unregister(s)
                    s.close()
                    continue
                st["buf"] += data
                if st["buf"].startswith(b"220") and st["state"] == "connecting":
                    self.stats["greeted"] += 1
                    st["state"] = "open"
                elif b"421 4.4.2" in st["buf"]:
                    self.stats["timed_out_421"] += 1
                    st["state"] = "timed-out"
                elif st["buf"].startswith(b"421") and st["state"] == "connecting":
                    self.stats["refused_421"] += 1
                    st["state"] = "refused"
            now = time.monotonic()
            waiting = 0
            for key in list(self.sel.get_map().values()):
                st = key.data
                waiting += st["state"] == "connecting"
                if st["trickle"] and st["state"] == "open" and now >= st["next"]:
                    try:
                        key.fileobj.send(b"E")
                        self.stats["octets_trickled"] += 1
                    except OSError:
                        pass
                    st["next"] = now + self.gap
            if waiting == 0 or now > deadline:
                self.settled.set()
        self.stats["open_at_end"] = sum(1 for k in self.sel.get_map().values()
                                        if k.data["state"] == "open")
        for s in self.socks:
            s.close()

    def __enter__(self):
        self.thread.start()
        self.settled.wait(90)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)


def good_client(port, messages, sessions):
    """`messages` messages from GOOD over `sessions` threads, a connection
    each; returns (served, failures, latencies in ms, seconds)."""
    lat, fails = [], []
    lock = threading.Lock()
    body = (b"From: c@good.test\r\nTo: r@example.com\r\nSubject: greedy bench\r\n\r\n"
            + b"a line of text for the greedy benchmark\r\n" * 40)
    per = [messages // sessions + (i < messages % sessions) for i in range(sessions)]

    def run(n):
        for _ in range(n):
            t0 = time.monotonic()
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=30,
                                  source_address=(GOOD, 0)) as c:
                    c.sendmail("c@good.test", ["r@example.com"], body)
                with lock:
                    lat.append((time.monotonic() - t0) * 1000.0)
            except (smtplib.SMTPException, OSError) as e:
                with lock:
                    fails.append(str(e)[:120])

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(n,)) for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat), fails, sorted(lat), time.monotonic() - t0


def pct(v, p):
    if not v:
        return None
    return round(v[min(len(v) - 1, int(len(v) * p / 100.0))], 2)


def phase(name, build, sink_port, args, config, greedy):
    from gwlib import free_port, wait_port
    tmp = tempfile.mkdtemp(prefix="redline-greedy-")
    os.chmod(tmp, 0o777)
    port = free_port()
    cfg_path = os.path.join(tmp, "redlined.json")
    with open(cfg_path, "w") as f:
        json.dump(config, f)
    cmd = [os.path.join(build, "dataplane", "redlined"), "--foreground", "--config", cfg_path,
           "--listen", f"127.0.0.1:{port}", "--route", f"*=127.0.0.1:{sink_port}",
           "--relay-net", "127.0.0.0/8", "--quarantine", os.path.join(tmp, "q"),
           "--log", os.path.join(tmp, "track.log")]
    if os.geteuid() == 0:
        cmd += ["--user", "redline"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    res = {"name": name, "config": config}
    try:
        wait_port(port, p)
        if greedy:
            with Greedy(port, args.idle, args.trickle, args.gap) as g:
                served, fails, lat, secs = good_client(port, args.messages, args.sessions)
                res["greedy"] = g.stats
        else:
            served, fails, lat, secs = good_client(port, args.messages, args.sessions)
    finally:
        p.terminate()
        try:
            p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        subprocess.run(["rm", "-rf", tmp])
    res["good"] = {"messages": args.messages, "served": served, "failed": len(fails),
                   "first_failures": fails[:3], "seconds": round(secs, 2),
                   "msgs_per_s": round(served / secs, 1) if secs > 0 else None,
                   "latency_ms": {"p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99),
                                  "max": round(lat[-1], 2) if lat else None}}
    print(f"greedy: {name}: served {served}/{args.messages}, p50 {res['good']['latency_ms']['p50']}"
          f" ms, p99 {res['good']['latency_ms']['p99']} ms"
          + (f"; greedy greeted {res['greedy']['greeted']}, refused "
             f"{res['greedy']['refused_421']}" if greedy else ""), file=sys.stderr)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--trickle", type=int, default=500)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--gap", type=float, default=5.0)
    ap.add_argument("--json")
    args = ap.parse_args()
    os.environ["RL_BUILD"] = os.path.abspath(args.build)
    os.environ.setdefault("RL_SOURCE_ROOT", SRC)
    from gwlib import Sink, ensure_account
    if os.geteuid() == 0:
        ensure_account()
    want = args.idle + args.trickle + 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(want, soft), hard), hard))
    phases = []
    with Sink() as sink:
        phases.append(phase("baseline: the client alone, defaults", args.build, sink.port, args,
                            {}, False))
        phases.append(phase("greedy address, defaults", args.build, sink.port, args, {}, True))
        phases.append(phase("greedy address, per-address limits off", args.build, sink.port, args,
                            {"limits": {"max_connections_per_ip": 0,
                                        "max_connections_per_net": 0}}, True))
    commit = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    if subprocess.run(["git", "-C", SRC, "diff", "--quiet", "HEAD", "--"]).returncode != 0:
        commit += "-dirty"
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base, greedy = phases[0]["good"], phases[1]["good"]
    out = {"benchmark": "greedy", "commit": commit, "date": date,
           "machine": {"host": platform.node(), "nproc": os.cpu_count()},
           "config": {"idle": args.idle, "trickle": args.trickle, "messages": args.messages,
                      "sessions": args.sessions, "trickle_gap_s": args.gap},
           "phases": phases,
           "all_served_under_greed": greedy["served"] == args.messages,
           "p99_ratio_greedy_to_baseline": (round(greedy["latency_ms"]["p99"]
                                                  / base["latency_ms"]["p99"], 2)
                                            if greedy["latency_ms"]["p99"]
                                            and base["latency_ms"]["p99"] else None)}
    path = args.json or os.path.join(HERE, "results", f"greedy-{date}-{commit}.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps({k: out[k] for k in ("all_served_under_greed",
                                          "p99_ratio_greedy_to_baseline")}))
    print(f"greedy: -> {path}", file=sys.stderr)
    return 0 if out["all_served_under_greed"] else 1


if __name__ == "__main__":
    sys.exit(main())

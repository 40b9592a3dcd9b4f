#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of `redline-bench smtp` against `redline-bench sink`.

Both run as real processes on loopback:

1. 200 messages over 4 pipelined sessions (2 recipients each). The generator
   writes every message it sends (--dump), the sink every message it accepts
   (--save). Every message must arrive exactly once (by its unique
   Message-ID) and byte-identical; the sink's --verify must count exactly the
   values the generator planted (nothing redacts in between), and both sides'
   counters must agree.
2. The same with a new connection per message and no pipelining.
3. Negative: the sink refuses every message with 451 at the end of data. The
   generator must report all of them as tempfail (exit status 0: refusals
   are outcomes, not tool failures) and the sink must have saved nothing.
4. Negative: nothing listens. The generator must give up (exit status 1)
   within seconds and report the failed session openings.

Usage: bench_smtp.py REDLINE_BENCH
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self, bench, tmp, name, extra):
        self.dir = os.path.join(tmp, name)
        os.mkdir(self.dir)
        self.save = os.path.join(self.dir, "saved")
        self.json = os.path.join(self.dir, "sink.json")
        self.count = os.path.join(self.dir, "count")
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [bench, "sink", "--listen", f"127.0.0.1:{self.port}", "--save", self.save,
                 "--json", self.json, "--count-file", self.count, "--quiet"] + extra,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # the count file appears once the sink listens
            deadline = time.time() + 10
            while time.time() < deadline and self.proc.poll() is None \
                    and not os.path.exists(self.count):
                time.sleep(0.02)
            if self.proc.poll() is None and os.path.exists(self.count):
                return
            self.proc.wait()  # the port was taken meanwhile: try another
        raise RuntimeError("the sink did not start: " + self.proc.stderr.read().decode())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        if self.proc.returncode != 0:
            raise AssertionError(f"sink exit status {self.proc.returncode}: {err.decode()}")
        with open(self.json) as f:
            return json.load(f)


def run_generator(bench, port, tmp, name, args, want_status=0):
    out = os.path.join(tmp, name + ".json")
    cmd = [bench, "smtp", "--connect", f"127.0.0.1:{port}", "--json", out] + args
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    if p.returncode != want_status:
        raise AssertionError(f"{' '.join(cmd)}: exit status {p.returncode}, "
                             f"want {want_status}\n{p.stderr.decode()}")
    with open(out) as f:
        return json.load(f)


def message_id(data):
    m = re.search(rb"\r\nMessage-ID: <([0-9a-f]{16}\.[0-9a-f]{8})@", data)
    if m is None:
        raise AssertionError("a saved message has no stamped Message-ID")
    return m.group(1).decode()


def check_exact(sink, dump_dir, n):
    sent = {}
    for f in os.listdir(dump_dir):
        with open(os.path.join(dump_dir, f), "rb") as fh:
            sent[f[:-len(".eml")]] = fh.read()
    if len(sent) != n:
        raise AssertionError(f"the generator dumped {len(sent)} messages, want {n}")
    seen = set()
    for f in sorted(os.listdir(sink.save)):
        with open(os.path.join(sink.save, f), "rb") as fh:
            data = fh.read()
        mid = message_id(data)
        if mid in seen:
            raise AssertionError(f"message {mid} arrived twice")
        seen.add(mid)
        if mid not in sent:
            raise AssertionError(f"message {mid} arrived but was never sent")
        if sent[mid] != data:
            raise AssertionError(f"message {mid} differs from what was sent")
    if seen != set(sent):
        raise AssertionError(f"{len(set(sent) - seen)} messages never arrived")


def case_exact(bench, tmp, name, gen_args, n):
    sink = Sink(bench, tmp, name, ["--verify"])
    dump = os.path.join(tmp, name, "dump")
    try:
        g = run_generator(bench, sink.port, tmp, name,
                          ["--messages", str(n), "--dump", dump] + gen_args)
    finally:
        s = sink.stop()
    r, sr = g["results"], s["results"]
    if (r["ok"], r["tempfail"], r["permfail"], r["errors"]) != (n, 0, 0, 0):
        raise AssertionError(f"{name}: generator results {r}")
    if sr["messages"] != n or sr["rejected"] != 0 or sr["aborted"] != 0:
        raise AssertionError(f"{name}: sink results {sr}")
    if sr["bytes"] != r["bytes_ok"]:
        raise AssertionError(f"{name}: sink got {sr['bytes']} bytes, generator sent "
                             f"{r['bytes_ok']}")
    if r["planted_values_ok"] == 0 or sr["violations"] != r["planted_values_ok"]:
        raise AssertionError(f"{name}: sink found {sr['violations']} values, generator "
                             f"planted {r['planted_values_ok']}")
    check_exact(sink, dump, n)
    if r["latency_us"]["count"] != n or not 0 < r["latency_us"]["p50"] <= \
            r["latency_us"]["p99"] <= r["latency_us"]["max"]:
        raise AssertionError(f"{name}: latency {r['latency_us']}")
    return g, s


def case_refused(bench, tmp):
    sink = Sink(bench, tmp, "refused", ["--fail-rate", "1", "--fail-code", "451"])
    try:
        g = run_generator(bench, sink.port, tmp, "refused",
                          ["--messages", "200", "--connections", "4"])
    finally:
        s = sink.stop()
    r, sr = g["results"], s["results"]
    if (r["ok"], r["tempfail"], r["permfail"], r["errors"]) != (0, 200, 0, 0):
        raise AssertionError(f"refused: generator results {r}")
    if sr["messages"] != 0 or sr["rejected"] != 200:
        raise AssertionError(f"refused: sink results {sr}")
    if os.listdir(sink.save):
        raise AssertionError("refused: the sink saved messages it refused")


def case_nobody(bench, tmp):
    port = free_port()
    t0 = time.time()
    g = run_generator(bench, port, tmp, "nobody", ["--messages", "10"], want_status=1)
    r = g["results"]
    if r["aborted"] is None or r["session_openings_failed"] == 0 or r["ok"] != 0:
        raise AssertionError(f"nobody: generator results {r}")
    if time.time() - t0 > 30:
        raise AssertionError("nobody: the generator took too long to give up")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bench = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="redline-bench-smtp-") as tmp:
        case_exact(bench, tmp, "pipelined",
                   ["--connections", "4", "--pipelining", "--rcpt", "2", "--size", "8192"], 200)
        print("ok: 200 pipelined messages arrived exactly once, byte-identical")
        case_exact(bench, tmp, "new-conn",
                   ["--connections", "3", "--new-conn", "--size", "3000", "--density", "0.5"],
                   40)
        print("ok: 40 messages, a connection each")
        case_refused(bench, tmp)
        print("ok: 200 refused messages reported as tempfail, none saved")
        case_nobody(bench, tmp)
        print("ok: no server: the generator gives up")
    return 0


if __name__ == "__main__":
    sys.exit(main())

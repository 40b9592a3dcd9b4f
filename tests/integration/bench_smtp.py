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
5. STARTTLS (RFC 3207): the generator with --starttls against a sink with
   --tls-selfsigned, 150 pipelined messages over 3 persistent sessions, then
   20 messages with a connection each against a sink with --tls-cert/--tls-key
   (made with the openssl command): every message arrives exactly once and
   byte-identical, and both sides count one handshake per connection.
6. Negative: --starttls against a sink without TLS must exit 1 at once and
   send no message in clear; a sink with a missing certificate file must not
   start; clear text pipelined after STARTTLS must never be run as commands
   once TLS is on (RFC 3207 5).
7. --no-message for 1 s over 3 sessions: sessions without a message, a
   connection each; the sink must count at least as many connections as the
   generator's completed sessions and no message; --no-message without
   --duration is a usage error.

Usage: bench_smtp.py REDLINE_BENCH
"""
import json
import os
import re
import signal
import socket
import ssl
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


def case_exact(bench, tmp, name, gen_args, n, sink_args=()):
    sink = Sink(bench, tmp, name, ["--verify"] + list(sink_args))
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


def make_cert(tmp):
    cert, key = os.path.join(tmp, "sink.pem"), os.path.join(tmp, "sink.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=sink.test"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def check_handshakes(name, g, s, want, slack=0):
    """One handshake per connection on both sides, `want` connections; up to
    `slack` more when a session still opened one as the last message ended."""
    gt, st = g["results"]["tls"], s["results"]["tls"]
    opened = g["results"]["connections_opened"]
    if not g["config"]["starttls"] or not s["config"]["starttls"]:
        raise AssertionError(f"{name}: STARTTLS not on: {g['config']} {s['config']}")
    if not want <= opened <= want + slack:
        raise AssertionError(f"{name}: {opened} connections, want {want} (+{slack})")
    if (gt["handshakes"], st["handshakes"], gt["failures"], st["failures"]) != (opened, opened, 0, 0):
        raise AssertionError(f"{name}: handshakes: generator {gt}, sink {st}, want {opened}")
    if not gt["protocol"].startswith("TLSv1.") or gt["cipher"] != st["cipher"]:
        raise AssertionError(f"{name}: protocol {gt}, sink {st}")


def case_starttls(bench, tmp):
    g, s = case_exact(bench, tmp, "tls-pipelined",
                      ["--starttls", "--connections", "3", "--pipelining", "--size", "32768"],
                      150, ["--tls-selfsigned"])
    check_handshakes("tls-pipelined", g, s, 3)
    cert, key = make_cert(tmp)
    g, s = case_exact(bench, tmp, "tls-new-conn",
                      ["--starttls", "--connections", "2", "--new-conn", "--size", "5000"], 20,
                      ["--tls-cert", cert, "--tls-key", key])
    check_handshakes("tls-new-conn", g, s, 20, slack=1)


def case_no_starttls(bench, tmp):
    sink = Sink(bench, tmp, "no-tls", [])
    t0 = time.time()
    try:
        g = run_generator(bench, sink.port, tmp, "no-tls",
                          ["--starttls", "--messages", "50", "--connections", "2"],
                          want_status=1)
    finally:
        s = sink.stop()
    r = g["results"]
    if r["aborted"] is None or "STARTTLS" not in r["aborted"] or r["ok"] != 0:
        raise AssertionError(f"no-tls: generator results {r}")
    if time.time() - t0 > 10:
        raise AssertionError("no-tls: the generator took too long to give up")
    if s["results"]["messages"] != 0 or os.listdir(sink.save):
        raise AssertionError(f"no-tls: messages went in clear: {s['results']}")
    missing = os.path.join(tmp, "missing.pem")
    p = subprocess.run([bench, "sink", "--listen", "127.0.0.1:1", "--tls-cert", missing,
                        "--tls-key", missing], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 1 or b"cert" not in p.stderr:
        raise AssertionError(f"sink with a missing certificate: status {p.returncode}, "
                             f"{p.stderr.decode()}")


def read_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise AssertionError(f"connection closed after {lines}")
        lines.append(line.decode())
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def case_injection(bench, tmp):
    """Clear text pipelined after STARTTLS is dropped (RFC 3207 5)."""
    sink = Sink(bench, tmp, "inject", ["--tls-selfsigned"])
    try:
        with socket.create_connection(("127.0.0.1", sink.port), timeout=10) as raw:
            f = raw.makefile("rb")
            read_reply(f)
            raw.sendall(b"EHLO c.test\r\n")
            if "250-STARTTLS\r\n" not in read_reply(f):
                raise AssertionError("inject: STARTTLS not offered")
            raw.sendall(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")
            if not read_reply(f)[0].startswith("220 "):
                raise AssertionError("inject: no 220 to STARTTLS")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(raw) as tls:
                t = tls.makefile("rb")
                tls.sendall(b"EHLO c.test\r\n")
                ehlo = read_reply(t)
                # had the MAIL been kept, its 503 (no EHLO yet) would come first
                if not ehlo[0].startswith("250-") or "250-STARTTLS\r\n" in ehlo:
                    raise AssertionError(f"inject: EHLO over TLS answered {ehlo}")
                tls.sendall(b"QUIT\r\n")
                read_reply(t)
    finally:
        s = sink.stop()
    if s["results"]["tls"]["handshakes"] != 1:
        raise AssertionError(f"inject: sink results {s['results']}")


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


def case_no_message(bench, tmp):
    sink = Sink(bench, tmp, "no-message", [])
    try:
        g = run_generator(bench, sink.port, tmp, "no-message",
                          ["--no-message", "--duration", "1", "--connections", "3"])
    finally:
        s = sink.stop()
    r, sr = g["results"], s["results"]
    n = r["sessions_without_message"]
    if n < 10 or r["messages"] != 0 or r["ok"] != 0 or r["errors"] != 0:
        raise AssertionError(f"no-message: generator results {r}")
    if not 0 < r["sessions_without_message_per_s"] or r["connections_opened"] < n:
        raise AssertionError(f"no-message: generator results {r}")
    if sr["messages"] != 0 or sr["connections"] < n:
        raise AssertionError(f"no-message: sink results {sr} for {n} sessions")
    p = subprocess.run([bench, "smtp", "--connect", f"127.0.0.1:{sink.port}", "--no-message"],
                       capture_output=True, timeout=TIMEOUT)
    if p.returncode != 2 or b"--duration" not in p.stderr:
        raise AssertionError(f"no-message without --duration: exit status {p.returncode}, "
                             f"{p.stderr.decode()}")
    return n


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
        case_starttls(bench, tmp)
        print("ok: STARTTLS: 150 pipelined and 20 new-connection messages over TLS, "
              "handshakes counted")
        case_no_starttls(bench, tmp)
        print("ok: --starttls without STARTTLS at the server: exit 1, nothing in clear")
        case_injection(bench, tmp)
        print("ok: clear text after STARTTLS is dropped")
        n = case_no_message(bench, tmp)
        print(f"ok: --no-message: {n} sessions without a message, one connection each")
    return 0


if __name__ == "__main__":
    sys.exit(main())

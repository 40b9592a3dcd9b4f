# SPDX-License-Identifier: Apache-2.0
"""redlined with other real peers: swaks and Postfix's smtp-source as
clients, Postfix's smtp-sink as next hop (also refusing on command), and a
1,000-message exactness run: every message arrives exactly once, redacted
byte for byte as redline-scan redacts it."""
import glob
import json
import os
import random
import shutil
import smtplib
import subprocess
import tempfile
import threading
import time
import unittest

from gwlib import (CI, SRC, Gateway, PrivatePostfix, Sink, business_lines, free_port,
                   scan_offline, strip_trace, wait_port)

SWAKS = shutil.which("swaks")
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
SMTP_SOURCE = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
HAVE_POSTFIX_TOOLS = os.path.exists(SMTP_SINK) and os.path.exists(SMTP_SOURCE)
if CI:
    assert SWAKS and HAVE_POSTFIX_TOOLS, "CI must have swaks and Postfix (scripts/deps.sh)"


def swaks(port, *args):
    p = subprocess.run([SWAKS, "--server", f"127.0.0.1:{port}", "--helo", "c.test",
                        "--from", "a@x.test", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace")


class PostfixSink:
    """smtp-sink on a free port, dumping each transaction to a directory;
    `args` are extra smtp-sink flags (e.g. -r DATA to refuse with 4xx)."""

    def __init__(self, *args):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redline-sink-")
        os.chmod(self.dir, 0o777)
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([SMTP_SINK, *user, "-d", os.path.join(self.dir, "%H%M%S."),
                                      *args, f"127.0.0.1:{self.port}", "256"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)

    def dumps(self):
        return sorted(glob.glob(os.path.join(self.dir, "*")))

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(SWAKS, "swaks is not installed (scripts/deps.sh installs it)")
class Swaks(unittest.TestCase):
    def test_plain_and_pipelined(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            rc, out = swaks(gw.port, "--to", "b@example.com",
                            "--body", "SSN 536-22-8726 and card 5555 5555 5555 4444")
            self.assertEqual(rc, 0, out)
            self.assertIn("<-  250 2.0.0 Message accepted", out)
            rc, out = swaks(gw.port, "--pipeline", "--to", "c@example.com,d@example.com",
                            "--body", "IBAN GB82 WEST 1234 5698 7654 32")
            self.assertEqual(rc, 0, out)
            msgs = sink.wait(2)
            self.assertNotIn(b"536-22-8726", msgs[0][2])
            self.assertNotIn(b"5555 5555 5555 4444", msgs[0][2])
            self.assertNotIn(b"GB82 WEST 1234 5698 7654 32", msgs[1][2])
            self.assertEqual(msgs[1][1], ["c@example.com", "d@example.com"])

    def test_relay_denied_and_8bitmime(self):
        with Sink() as sink, Gateway([f"example.com=127.0.0.1:{sink.port}",
                                      f"*=127.0.0.1:{sink.port}"], relay_net="10.0.0.0/8") as gw:
            rc, out = swaks(gw.port, "--to", "b@elsewhere.org")
            self.assertNotEqual(rc, 0)
            self.assertIn("<** 554 5.7.1 Relay access denied", out)
            rc, out = swaks(gw.port, "--to", "b@example.com",
                            "--body", "naïve café")
            self.assertEqual(rc, 0, out)
            self.assertIn("naïve café".encode(), sink.wait(1)[0][2])


@unittest.skipUnless(HAVE_POSTFIX_TOOLS, "Postfix is not installed (scripts/deps.sh installs it)")
class PostfixTools(unittest.TestCase):
    def test_smtp_source_through_gateway_to_smtp_sink(self):
        sink = PostfixSink()
        try:
            with Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
                p = subprocess.run([SMTP_SOURCE, "-s", "5", "-m", "200", "-l", "4096",
                                    "-f", "a@x.test", "-t", "b@example.com",
                                    f"127.0.0.1:{gw.port}"], stderr=subprocess.PIPE, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
                c = gw.counters()["total"]
                self.assertEqual(c["messages_relayed"], 200)
                self.assertEqual(c["replies_2xx"], 200)
                self.assertLessEqual(c["relay_connects"], 5 + 1)
            end = time.monotonic() + 10
            while len(sink.dumps()) < 200 and time.monotonic() < end:
                time.sleep(0.1)
            self.assertEqual(len(sink.dumps()), 200)
        finally:
            sink.close()

    def test_next_hop_refusals_reach_the_client_and_nothing_is_acknowledged(self):
        cases = (("-r", "RCPT", "RCPT", 450), ("-f", "RCPT", "RCPT", 550),
                 ("-r", "DATA", "DATA", 450), ("-f", "DATA", "DATA", 550),
                 ("-r", ".", "DOT", 450), ("-f", ".", "DOT", 550))
        for flag, cmd, stage, cls in cases:
            with self.subTest(refuse=f"{flag} {cmd}"):
                sink = PostfixSink(flag, cmd)
                try:
                    with Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
                        with smtplib.SMTP("127.0.0.1", gw.port) as c:
                            c.ehlo("c.test")
                            c.mail("a@x.test")
                            code, _ = c.rcpt("b@example.com")
                            if stage == "RCPT":
                                self.assertEqual(code // 100, cls // 100)
                                continue
                            self.assertEqual(code, 250)
                            code, _ = c.data(b"Subject: t\r\n\r\ncard 4111111111111111\r\n")
                            self.assertEqual(code // 100, cls // 100)
                        c = gw.counters()["total"]
                        self.assertEqual(c["messages_relayed"], 0)
                        self.assertEqual(c["replies_2xx"], 0)
                finally:
                    sink.close()


@unittest.skipUnless(HAVE_POSTFIX_TOOLS and shutil.which("postfix") and os.geteuid() == 0,
                     "a private Postfix instance needs Postfix and root (CI runs as root)")
class PostfixNextHop(unittest.TestCase):
    def test_through_postfix_redacted_and_refusals_passed_on(self):
        with Sink() as sink:
            pf = PrivatePostfix(sink.port, reject=["bad@example.com"])
            try:
                with Gateway([f"*=127.0.0.1:{pf.port}"]) as gw:
                    with smtplib.SMTP("127.0.0.1", gw.port) as c:
                        c.ehlo("c.test")
                        c.mail("a@x.test")
                        code, msg = c.rcpt("bad@example.com")
                        self.assertEqual(code, 554)
                        self.assertTrue(msg.startswith(b"5.7.1 Next hop: <bad@example.com>"),
                                        msg)
                        self.assertEqual(c.rcpt("good@example.com")[0], 250)
                        code, _ = c.data(b"Subject: t\r\n\r\ncard 4111 1111 1111 1111\r\n")
                        self.assertEqual(code, 250)
                    (frm, rcpts, data), = sink.wait(1, timeout=60)
                    self.assertEqual(rcpts, ["good@example.com"])
                    self.assertIn(b"card **** **** **** 1111", data)
                    self.assertNotIn(b"4111 1111 1111 1111", data)
            finally:
                pf.close()


RL_BENCH = os.path.join(os.environ.get("RL_BUILD", ""), "bench", "redline-bench")


@unittest.skipUnless(os.path.exists(RL_BENCH), "redline-bench is not built")
class ChunkingNextHop(unittest.TestCase):
    def test_bdat_last_to_a_chunking_next_hop_is_exact(self):
        out = tempfile.mkdtemp(prefix="redline-bdat-")
        os.chmod(out, 0o777)
        port = free_port()
        sink = subprocess.Popen([RL_BENCH, "sink", "--listen", f"127.0.0.1:{port}", "--save", out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port, sink)
            msgs = [(f"From: a@x.test\r\nSubject: b{i}\r\n\r\ncard 4111 1111 1111 1111\r\n"
                     f".dot line {i}\r\n..two dots\r\n").encode() for i in range(20)]
            with Gateway([f"*=127.0.0.1:{port}"]) as gw:
                with smtplib.SMTP("127.0.0.1", gw.port) as c:
                    for m in msgs:
                        self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], m), {})
                # A pipelining next hop gets each RCPT once.
                lines = gw.track(len(msgs))
                self.assertEqual([l["rcpts"] for l in lines], [["b@example.com"]] * len(msgs))
            files = sorted(glob.glob(os.path.join(out, "*")))
            self.assertEqual(len(files), len(msgs))
            for f, m in zip(files, msgs):
                with open(f, "rb") as fh:
                    self.assertEqual(strip_trace(fh.read()), scan_offline(m))
        finally:
            sink.kill()
            sink.wait()
            shutil.rmtree(out, ignore_errors=True)


def corpus_values():
    """Sensitive values from the shared corpus (test card numbers etc.)."""
    cards = []
    path = os.path.join(SRC, "..", "shared", "corpus", "payment-test-cards")
    for f in glob.glob(os.path.join(path, "**", "*"), recursive=True):
        if os.path.isfile(f) and f.endswith((".txt", ".csv", ".json")):
            with open(f, errors="replace") as fh:
                for tok in fh.read().replace('"', " ").replace(",", " ").split():
                    if tok.isdigit() and 13 <= len(tok) <= 19:
                        cards.append(tok)
    return sorted(set(cards)) or ["4111111111111111"]


class Exactness(unittest.TestCase):
    N = 1000

    def test_thousand_messages_exactly_once_and_redacted_as_offline(self):
        rng = random.Random(20261123)
        cards = corpus_values()
        msgs = {}
        for i in range(self.N):
            lines = business_lines(rng, i, cards, 40)
            mid = f"<exact-{i}@x.test>"
            msgs[mid] = (f"From: a@x.test\r\nTo: b@example.com\r\nSubject: exact {i}\r\n"
                         f"Message-ID: {mid}\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()
        ids = list(msgs)
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            errors = []

            def client(part):
                try:
                    with smtplib.SMTP("127.0.0.1", gw.port, timeout=60) as c:
                        for mid in part:
                            c.sendmail("a@x.test", ["b@example.com"], msgs[mid])
                except Exception as e:  # reported below
                    errors.append(repr(e))

            threads = [threading.Thread(target=client, args=(ids[k::4],)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            got = sink.wait(self.N, timeout=60)
            self.assertEqual(len(got), self.N)
            self.assertEqual(len(gw.track(self.N)), self.N)
        seen = {}
        for _, _, data in got:
            body = strip_trace(data)
            mid = body.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0].decode()
            self.assertNotIn(mid, seen, "delivered twice")
            seen[mid] = body
        self.assertEqual(set(seen), set(msgs))
        # redline-scan is the reference; run it on a sample in sanitizer builds.
        sample = ids if os.environ.get("RL_SLOW") != "1" else ids[::10]
        redacted = 0
        for mid in sample:
            want = scan_offline(msgs[mid])
            self.assertEqual(seen[mid], want, mid)
            redacted += want != msgs[mid]
        self.assertGreater(redacted, len(sample) // 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)

# SPDX-License-Identifier: Apache-2.0
"""Issue 13, defects 1, 2, 4 and 7 against redlined on loopback: message ids
and store files across quick restarts (SIGTERM and kill -9), one instance per
listener and per quarantine directory, tracking lines that survive kill -9
right after the 250, the free-space reserve, and a control socket that serves
every client at once. Real peers: smtplib, aiosmtpd, redlinectl."""
import json
import os
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from gwlib import REDLINECTL, REDLINED, Gateway, Sink, wait_port

QUARANTINE_POLICY = {"version": "rel-1", "detectors": {"IBAN": {"action": "quarantine"}}}
IBAN_MSG = b"Subject: pay\r\n\r\nIBAN GB82 WEST 1234 5698 7654 32 please\r\n"
PLAIN = b"Subject: hi\r\n\r\nnothing to see\r\n"


def send(port, body, to="b@example.com"):
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
        return c.sendmail("a@x.test", [to], body)


def log_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


class Restarts(unittest.TestCase):
    """The same quarantine directory and log across runs, started again at once."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="redline-rel-")
        os.chmod(self.tmp.name, 0o777)
        self.policy = os.path.join(self.tmp.name, "policy.json")
        with open(self.policy, "w") as f:
            json.dump(QUARANTINE_POLICY, f)
        os.chmod(self.policy, 0o644)
        self.quarantine = os.path.join(self.tmp.name, "q")
        self.log = os.path.join(self.tmp.name, "track.log")

    def tearDown(self):
        self.tmp.cleanup()

    def start(self, sink, port):
        args = [REDLINED, "--foreground", "--listen", f"127.0.0.1:{port}",
                "--route", f"*=127.0.0.1:{sink.port}", "--relay-net", "127.0.0.0/8",
                "--policy", self.policy, "--quarantine", self.quarantine, "--log", self.log,
                "--hostname", "gw.test"]
        if os.geteuid() == 0:
            args += ["--user", "redline"]
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(port, p)
        return p

    def stored(self):
        return sorted(os.listdir(os.path.join(self.quarantine, "new")))

    def test_quick_restarts_keep_every_quarantined_message(self):
        # Defect 1: ids were start second + worker + counter, so runs started
        # in the same second reused them and rename() replaced the older file.
        from gwlib import free_port
        port = free_port()
        acked = 0
        with Sink() as sink:
            for i in range(6):
                p = self.start(sink, port)
                self.assertEqual(send(port, IBAN_MSG), {})
                acked += 1
                if i % 2:
                    p.kill()  # kill -9: no drain at all
                else:
                    p.send_signal(signal.SIGTERM)
                p.communicate(timeout=30)
        ids = [l["id"] for l in log_lines(self.log) if l.get("action") == "quarantined"]
        self.assertEqual(len(ids), acked)
        self.assertEqual(len(set(ids)), acked)
        self.assertEqual(self.stored(), sorted(i + ".msg" for i in ids))
        # 128-bit, time-ordered ids: 26 characters of Crockford base32.
        for i in ids:
            self.assertRegex(i, r"^[0-9A-HJKMNP-TV-Z]{26}$")
        self.assertEqual(ids, sorted(ids))

    def test_tracking_line_survives_kill_after_250(self):
        # Defect 4: kill -9 just after the 250 left delivered messages without
        # their lines. The line is written before the 250 leaves.
        from gwlib import free_port
        port = free_port()
        with Sink() as sink:
            for _ in range(5):
                p = self.start(sink, port)
                with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
                    c.ehlo("c.test")
                    c.mail("a@x.test")
                    c.rcpt("b@example.com")
                    code, _ = c.data(PLAIN)
                    p.kill()  # at once, before anything else can run
                self.assertEqual(code, 250)
                p.communicate(timeout=30)
            self.assertEqual(len(sink.wait(5)), 5)
        relayed = [l for l in log_lines(self.log) if l.get("action") == "relayed"]
        self.assertEqual(len(relayed), 5)


class OneInstance(unittest.TestCase):
    """Defect 2: a second redlined on the same address started and took 9
    of 10 messages (SO_REUSEPORT across processes)."""

    def test_second_instance_refused(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            other = tempfile.mkdtemp(prefix="redline-other-")
            # The same address, another state directory: refused by the listener check.
            p = subprocess.run([REDLINED, "--foreground", "--listen", f"127.0.0.1:{gw.port}",
                                "--route", f"*=127.0.0.1:{sink.port}", "--quarantine",
                                os.path.join(other, "q"), "--log", "-"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"listen: 127.0.0.1:{gw.port} is already served by another process",
                          p.stderr)
            # Another address, the same quarantine directory: refused by the lock.
            from gwlib import free_port
            p = subprocess.run([REDLINED, "--foreground", "--listen", f"127.0.0.1:{free_port()}",
                                "--route", f"*=127.0.0.1:{sink.port}", "--quarantine",
                                gw.quarantine, "--log", "-"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"quarantine_dir: {gw.quarantine} is in use by another redlined "
                          f"(pid {gw.proc.pid})", p.stderr)
            # Nor may two share a state directory (the pushed snapshot kept there).
            state = os.path.join(other, "state")
            os.mkdir(state)
            first_port = free_port()
            p = subprocess.Popen([REDLINED, "--foreground", "--listen", f"127.0.0.1:{first_port}",
                                  "--route", f"*=127.0.0.1:{sink.port}", "--quarantine",
                                  os.path.join(other, "q1"), "--state-dir", state, "--log", "-"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                wait_port(first_port, p)  # it holds its locks by now
                q = subprocess.run([REDLINED, "--foreground", "--listen",
                                    f"127.0.0.1:{free_port()}", "--route",
                                    f"*=127.0.0.1:{sink.port}", "--quarantine",
                                    os.path.join(other, "q2"), "--state-dir", state, "--log", "-"],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(q.returncode, 2)
                self.assertIn(f"state_dir: {state} is in use by another redlined (pid {p.pid})",
                              q.stderr)
            finally:
                p.terminate()
                p.communicate(timeout=30)
            # The first instance serves every message.
            for _ in range(10):
                self.assertEqual(send(gw.port, PLAIN), {})
            self.assertEqual(len(gw.track(10)), 10)
            self.assertEqual(len(sink.wait(10)), 10)


class Space(unittest.TestCase):
    def test_reserve_answers_452_4_3_1(self):
        # Defect 7: no free-space reserve. A reserve larger than any disk: the
        # watcher reports low space and MAIL is refused before anything is stored.
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     config={"min_free_mb": 1 << 24}) as gw:
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as c:
                c.ehlo("c.test")
                code, text = c.mail("a@x.test")
            self.assertEqual((code, text), (452, b"4.3.1 Insufficient system storage"))
            self.assertEqual(gw.counters()["total"]["mail_refused_low_space"], 1)


class SilentServer:
    """A TCP server on loopback that accepts and never says a word: a next
    hop that accepts and never greets."""

    def __init__(self):
        from gwlib import free_port
        self.port = free_port()
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", self.port))
        self.s.listen(64)
        self.conns = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        self.s.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.s.accept()
                self.conns.append(c)
            except OSError:
                pass

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.t.join()
        for c in self.conns:
            c.close()
        self.s.close()


def rcpt_reply(port):
    """The reply to RCPT and how long it took."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
        c.ehlo("c.test")
        c.mail("a@x.test")
        t0 = time.monotonic()
        code, text = c.rcpt("b@example.com")
        return code, text.decode(), time.monotonic() - t0


class NextHops(unittest.TestCase):
    """Defect 7: no memory of a next hop that accepts and never greets (every
    transaction waited 30 s again); a hop silent at end of data was reported
    as "no reachable next hop"."""

    def test_dead_hop_remembered_with_back_off(self):
        cfg = {"relay": {"connect_timeout_s": 1, "hop_down_s": 2, "hop_down_max_s": 8}}
        with SilentServer() as dead, Gateway([f"*=127.0.0.1:{dead.port}"], config=cfg) as gw:
            code, text, took = rcpt_reply(gw.port)
            self.assertEqual((code, text), (451, "4.4.1 No reachable next hop"))
            self.assertGreater(took, 0.9)  # waited for the greeting once
            # Remembered: at once, without a new connection to it.
            n = len(dead.conns)
            code, _, took = rcpt_reply(gw.port)
            self.assertEqual(code, 451)
            self.assertLess(took, 0.5)
            self.assertEqual(len(dead.conns), n)
            # After its back-off one connection tries it again (and fails).
            time.sleep(2.1)
            code, _, took = rcpt_reply(gw.port)
            self.assertEqual(code, 451)
            self.assertGreater(took, 0.9)
            self.assertEqual(len(dead.conns), n + 1)
            self.assertEqual(gw.counters()["total"]["relay_hops_marked_down"], 2)

    def test_dead_hop_skipped_for_the_next_in_group(self):
        cfg = {"relay": {"connect_timeout_s": 1}}
        with SilentServer() as dead, Sink() as sink, Gateway(
                [f"*=127.0.0.1:{dead.port},127.0.0.1:{sink.port}"], config=cfg) as gw:
            t0 = time.monotonic()
            self.assertEqual(send(gw.port, PLAIN), {})
            self.assertGreater(time.monotonic() - t0, 0.9)  # the first hop once...
            t0 = time.monotonic()
            self.assertEqual(send(gw.port, PLAIN), {})
            self.assertLess(time.monotonic() - t0, 0.5)  # ...then straight to the second
            self.assertEqual(len(sink.wait(2)), 2)

    def test_silent_at_end_of_data(self):
        import asyncio
        from aiosmtpd.controller import Controller
        from gwlib import free_port

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                await asyncio.sleep(30)  # never in time
                return "250 2.0.0 too late"

        port = free_port()
        ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
        ctl.start()
        try:
            cfg = {"relay": {"end_of_data_timeout_s": 1}}
            with Gateway([f"*=127.0.0.1:{port}"], config=cfg) as gw:
                with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as c:
                    with self.assertRaises(smtplib.SMTPDataError) as e:
                        c.sendmail("a@x.test", ["b@example.com"], PLAIN)
                self.assertEqual(e.exception.smtp_code, 451)
                self.assertEqual(e.exception.smtp_error.decode(),
                                 "4.4.2 Next hop did not answer the end of data in time; "
                                 "delivery not confirmed")
                line, = gw.track(1)
                self.assertEqual(line["action"], "unconfirmed")
        finally:
            ctl.stop()

    def test_hop_closing_after_end_of_data(self):
        # A next hop that reads the whole message and closes without a reply.
        from gwlib import free_port
        port = free_port()
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(4)

        def serve():
            c, _ = srv.accept()
            f = c.makefile("rb")
            c.sendall(b"220 hop ESMTP\r\n")
            while True:
                line = f.readline()
                if not line:
                    break
                if line.upper().startswith(b"EHLO"):
                    c.sendall(b"250 hop\r\n")
                elif line.upper().startswith(b"DATA"):
                    c.sendall(b"354 go\r\n")
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    break  # and no reply: close
                else:
                    c.sendall(b"250 ok\r\n")
            c.close()

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        try:
            with Gateway([f"*=127.0.0.1:{port}"]) as gw:
                with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as c:
                    with self.assertRaises(smtplib.SMTPDataError) as e:
                        c.sendmail("a@x.test", ["b@example.com"], PLAIN)
                self.assertEqual(e.exception.smtp_code, 451)
                self.assertEqual(e.exception.smtp_error.decode(),
                                 "4.4.2 Next hop closed the connection")
                line, = gw.track(1)
                self.assertEqual(line["action"], "tempfailed")
        finally:
            t.join(5)
            srv.close()


class Control(unittest.TestCase):
    """Defect 7: the control thread served one connection at a time, so an idle
    client blocked every command for 5 s."""

    def test_idle_client_blocks_nobody(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            idle = [socket.socket(socket.AF_UNIX) for _ in range(3)]
            for s in idle:
                s.connect(gw.control_path)  # and say nothing
            t0 = time.monotonic()
            for _ in range(5):
                self.assertIn("total", gw.counters())
            self.assertLess(time.monotonic() - t0, 2.0)
            # The idle ones are cut off after 5 s with a reason.
            idle[0].settimeout(10)
            self.assertIn(b"no command line within 5 seconds", idle[0].recv(4096))
            for s in idle:
                s.close()

    def test_concurrent_release_delivers_once(self):
        pol = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(QUARANTINE_POLICY, pol)
        pol.close()
        os.chmod(pol.name, 0o644)
        self.addCleanup(os.unlink, pol.name)
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     extra=["--policy", pol.name]) as gw:
            self.assertEqual(send(gw.port, IBAN_MSG), {})
            qid = gw.track(1)[0]["id"]
            results = []

            def release():
                p = subprocess.run([REDLINECTL, "--socket", gw.control_path, "--json",
                                    "quarantine", "release", qid],
                                   capture_output=True, text=True, timeout=60)
                results.append(json.loads(p.stdout or p.stderr or "{}"))

            threads = [threading.Thread(target=release) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sum(1 for r in results if r.get("ok")), 1, results)
            time.sleep(0.3)
            self.assertEqual(len(sink.messages), 1)
            released = [l for l in gw.track(2) if l.get("action") == "released"]
            self.assertEqual(len(released), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)

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

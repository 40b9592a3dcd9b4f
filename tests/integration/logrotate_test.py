# SPDX-License-Identifier: Apache-2.0
"""The tracking log across rotations under load: the file is renamed while
messages flow and redlined is told to reopen it (SIGUSR1, `redlinectl log
reopen`, and the packaged logrotate rule run by logrotate itself). Every
message relayed must have exactly one whole line in one of the files.
Real peers: smtplib clients, aiosmtpd as the next hop, logrotate."""
import glob
import gzip
import json
import os
import shutil
import signal
import smtplib
import subprocess
import tempfile
import threading
import time
import unittest

from gwlib import CI, REDLINECTL, SRC, Gateway, Sink

SENDERS = 4
RULE = os.path.join(SRC, "debian", "redline.logrotate")


def send_load(port, sender, stop, sent, errors):
    """One client session sending messages until `stop`, each with its own
    sender address, appended to `sent` once accepted."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            i = 0
            while not stop.is_set():
                addr = f"s{sender}.{i}@x.test"
                body = f"Subject: m {sender}.{i}\r\n\r\nline {i}\r\n".encode()
                refused = c.sendmail(addr, ["r@example.com"], body)
                if refused:
                    errors.append(refused)
                sent.append(addr)
                i += 1
    except Exception as e:  # noqa: BLE001 - reported by the test
        errors.append(repr(e))


def read_lines(paths):
    """Every line of every file (gzip-compressed ones too), in file order."""
    lines = []
    for p in paths:
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rt") as f:
            lines += f.read().splitlines()
    return lines


class Rotation(unittest.TestCase):
    def load(self, gw, rotate_once, rotations, every):
        """Sends messages from SENDERS sessions while calling rotate_once(i)
        `rotations` times, every `every` seconds; returns what was sent."""
        stop = threading.Event()
        sent, errors = [], []
        threads = [threading.Thread(target=send_load, args=(gw.port, s, stop, sent, errors))
                   for s in range(SENDERS)]
        for t in threads:
            t.start()
        try:
            for i in range(rotations):
                time.sleep(every)
                rotate_once(i)
                self.assertEqual(errors, [])
            time.sleep(every)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])
        self.assertGreater(len(sent), rotations * 10)  # under load, not between messages
        return sent

    def check_every_line(self, gw, sink, pattern, sent):
        """Each relayed message has one whole tracking line in the files."""
        n = len(sent)
        self.assertEqual(len(sink.wait(n, timeout=60)), n)
        end = time.monotonic() + 10
        while True:
            files = sorted(glob.glob(pattern))
            lines = read_lines(files)
            if len(lines) >= n or time.monotonic() > end:
                break
            time.sleep(0.1)
        parsed = [json.loads(line) for line in lines]  # a torn line fails here
        froms = [p["from"] for p in parsed]
        self.assertEqual(len(froms), n, f"{n - len(froms)} lines missing")
        self.assertEqual(set(froms), set(sent))
        self.assertTrue(all(p["action"] == "relayed" for p in parsed))
        self.assertEqual(gw.counters()["total"]["tracking_lines_failed"], 0)
        return files

    def test_rename_then_signal_or_command(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     extra=["--workers", "2"]) as gw:
            def rotate(i):
                os.rename(gw.log, f"{gw.log}.{i:04d}")
                if i % 2 == 0:
                    os.kill(gw.proc.pid, signal.SIGUSR1)
                    return
                p = subprocess.run([REDLINECTL, "--socket", gw.control_path, "log", "reopen"],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual((p.returncode, p.stderr), (0, ""))
                self.assertEqual(p.stdout, f"reopened the tracking log {gw.log}\n")
                # Synchronous: the new file exists when the command returns.
                self.assertTrue(os.path.exists(gw.log))

            sent = self.load(gw, rotate, rotations=20, every=0.05)
            files = self.check_every_line(gw, sink, gw.log + "*", sent)
            # The lines really were spread over the rotated files.
            self.assertGreater(sum(1 for f in files if os.path.getsize(f) > 0), 5)

    def test_reopen_failure_keeps_the_old_file(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            moved = os.path.join(gw.dir.name, "moved")
            os.mkdir(moved, 0o777)
            os.chmod(moved, 0o777)
            os.rename(gw.log, os.path.join(moved, "track.log"))
            # The dataplane's user (redline as root) cannot create the new file.
            os.chmod(gw.dir.name, 0o555)
            try:
                p = subprocess.run([REDLINECTL, "--socket", gw.control_path, "log", "reopen"],
                                   capture_output=True, text=True, timeout=30)
            finally:
                os.chmod(gw.dir.name, 0o777 if os.geteuid() == 0 else 0o700)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, f"redlinectl: log reopen: {gw.log}: Permission denied; "
                             "still writing the old file\n")
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as c:
                c.sendmail("after@x.test", ["r@example.com"], b"Subject: a\r\n\r\nx\r\n")
            self.assertEqual(len(sink.wait(1)), 1)
            end = time.monotonic() + 5
            lines = []
            while not lines and time.monotonic() < end:
                time.sleep(0.05)
                lines = read_lines([os.path.join(moved, "track.log")])
            self.assertEqual([json.loads(l)["from"] for l in lines], ["after@x.test"])
            self.assertFalse(os.path.exists(gw.log))

    @unittest.skipUnless(shutil.which("logrotate") or CI,
                         "logrotate is not installed (scripts/deps.sh installs it)")
    def test_packaged_logrotate_rule(self):
        """debian/redline.logrotate itself, with logrotate, under load: only
        the directory, the owner of new files and redlinectl's place are the
        test's."""
        with open(RULE) as f:
            rule = f.read()
        self.assertIn("/var/log/redline/*.log", rule)
        self.assertIn("delaycompress", rule)
        self.assertNotRegex(rule, r"(?m)^\s*copytruncate")  # it would lose lines
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     extra=["--workers", "2"]) as gw:
            d = gw.dir.name
            # The dataplane runs as redline when the test is root, else as us.
            if os.geteuid() == 0:
                owner = "redline redline"
            else:
                owner = f"{os.getuid()} {os.getgid()}"
                os.chmod(d, 0o755)
            self.assertIn("su redline adm", rule)
            self.assertIn("create 0640 redline adm", rule)
            conf = os.path.join(d, "logrotate.conf")
            with open(conf, "w") as f:
                f.write(rule.replace("/var/log/redline/", d + "/").replace("redline adm", owner)
                        .replace("/usr/sbin/redlinectl", REDLINECTL))
            state = os.path.join(d, "logrotate.state")
            env = dict(os.environ, REDLINE_SOCKET=gw.control_path)

            def rotate(i):
                p = subprocess.run(["logrotate", "--force", "--state", state, conf], env=env,
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((p.returncode, p.stderr), (0, ""))

            # Fewer rotations than the rule keeps files ("rotate 14").
            sent = self.load(gw, rotate, rotations=10, every=0.1)
            files = self.check_every_line(gw, sink, os.path.join(d, "track.log*"), sent)
            self.assertTrue(any(f.endswith(".gz") for f in files))


if __name__ == "__main__":
    unittest.main(verbosity=2)

# SPDX-License-Identifier: Apache-2.0
"""redlined and the service manager, without one: the test is the manager.
It binds the NOTIFY_SOCKET datagram socket systemd would give a Type=notify
service, sets WATCHDOG_USEC, and reads what redlined says: READY only once
its listeners and worker loops are up, WATCHDOG=1 while every worker's loop
turns (under load too), none while one is stalled (stopped from outside with
ptrace, as a hung worker would be), RELOADING then READY on SIGHUP, STOPPING
at the drain. Also the diagnostics' journal form (priority prefixes) when
standard error is the journal's stream. Real peers: smtplib, aiosmtpd."""
import ctypes
import os
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from gwlib import BUILD, CI, Gateway, Sink

WATCHDOG_S = 1.0  # WATCHDOG_USEC: pings every 0.25 s, withheld after 0.5 s still
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH = 0x4206, 0x4207, 17
WALL = 0x40000000  # waitpid's __WALL: a thread of another process we trace


class Manager:
    """The service manager's end of NOTIFY_SOCKET: every datagram with its
    arrival time and the sender's pid (SCM_CREDENTIALS, as systemd checks)."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="redline-notify-")
        self.path = os.path.join(self.dir.name, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.dir.name, 0o755)
        os.chmod(self.path, 0o777)  # the dataplane may have dropped to redline
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.msgs = []  # (monotonic time, pid, {key: value})
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except OSError:
                return
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = int.from_bytes(payload[0:4], "little")
            fields = dict(l.split("=", 1) for l in data.decode().splitlines() if "=" in l)
            with self.cond:
                self.msgs.append((time.monotonic(), pid, fields))
                self.cond.notify_all()

    def env(self, watchdog=True):
        e = dict(os.environ, NOTIFY_SOCKET=self.path)
        if watchdog:
            e["WATCHDOG_USEC"] = str(int(WATCHDOG_S * 1e6))
        return e

    def wait_for(self, key, after=0.0, timeout=20.0):
        """The first message after `after` carrying `key`; fails on timeout."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, pid, f in self.msgs:
                    if t > after and key in f:
                        return t, pid, f
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {key} within {timeout} s: {self.msgs}")
                self.cond.wait(left)

    def pings(self, since, until=None):
        with self.cond:
            return [t for t, _, f in self.msgs
                    if "WATCHDOG" in f and t > since and (until is None or t <= until)]

    def close(self):
        self.sock.close()
        self.dir.cleanup()


def worker_threads(pid):
    """{name: tid} of redlined's worker threads."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except FileNotFoundError:
            continue  # a short-lived thread (a control connection's) ended meanwhile
        if name.startswith("rl-worker-"):
            out[name] = int(tid)
    return out


class Tracer:
    """Stops one thread of another process (PTRACE_SEIZE + PTRACE_INTERRUPT:
    that thread only, the others run on) until release()."""

    def __init__(self, tid):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                                     ctypes.c_void_p]
        self.libc.ptrace.restype = ctypes.c_long
        self.tid = tid
        if self.libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0:
            raise OSError(ctypes.get_errno(), "PTRACE_SEIZE " + os.strerror(ctypes.get_errno()))
        if self.libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
            raise OSError(ctypes.get_errno(), "PTRACE_INTERRUPT")
        os.waitpid(tid, WALL)  # stopped now

    def release(self):
        self.libc.ptrace(PTRACE_DETACH, self.tid, None, None)


def can_ptrace():
    """Whether this process may stop a child's thread (root, or Yama
    allowing its own children); the reason when not."""
    p = subprocess.Popen(["sleep", "5"])
    try:
        Tracer(p.pid).release()
        return True, ""
    except OSError as e:
        return False, str(e)
    finally:
        p.kill()
        p.wait()


def send_until(port, stop, errors):
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            while not stop.is_set():
                c.sendmail("a@x.test", ["b@example.com"], b"Subject: w\r\n\r\nload\r\n")
    except Exception as e:  # noqa: BLE001 - reported by the test
        errors.append(repr(e))


class Notify(unittest.TestCase):
    def setUp(self):
        self.mgr = Manager()
        self.addCleanup(self.mgr.close)

    def test_ready_only_when_workers_loop(self):
        with Sink() as sink:
            gw = Gateway([f"*=127.0.0.1:{sink.port}"], extra=["--workers", "2"],
                         env=self.mgr.env(watchdog=False))
            proc = subprocess.Popen(gw.args, env=gw.env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            try:
                t, pid, f = self.mgr.wait_for("READY")
                # At READY both workers run (named by redlined) and serve.
                threads = worker_threads(proc.pid)
                self.assertEqual(sorted(threads), ["rl-worker-0", "rl-worker-1"])
                self.assertEqual(pid, proc.pid)
                self.assertTrue(f["STATUS"].startswith(f"listening on 127.0.0.1:{gw.port} with 2 "
                                                       "workers, policy "), f)
                with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as c:
                    self.assertTrue(c.recv(512).startswith(b"220 "))
                self.assertNotIn("WATCHDOG", str(self.mgr.msgs))  # none asked for
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 0, err)
            self.mgr.wait_for("STOPPING", after=t)
            gw.dir.cleanup()

    def test_no_ready_when_a_worker_cannot_start(self):
        # Worker 1 is pinned to a CPU that does not exist: its loop never
        # turns, so no READY, and the process says why and exits.
        with Sink() as sink:
            gw = Gateway([f"*=127.0.0.1:{sink.port}"],
                         extra=["--workers", "2", "--cores", "0,1000"], env=self.mgr.env())
            p = subprocess.run(gw.args, env=gw.env, capture_output=True, text=True, timeout=60)
            gw.dir.cleanup()
        self.assertEqual(p.returncode, 2)
        self.assertIn("redlined: workers: worker 1 stopped before its loop turned", p.stderr)
        time.sleep(0.2)
        self.assertEqual([f for _, _, f in self.mgr.msgs if "READY" in f], [])

    def test_watchdog_busy_stalled_and_back(self):
        ok, why = can_ptrace()
        if not ok:
            if CI:
                self.fail(f"cannot stop a thread with ptrace: {why}")
            self.skipTest(f"cannot stop a thread with ptrace here: {why}")
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], extra=["--workers", "2"],
                                     env=self.mgr.env()) as gw:
            t_ready, _, _ = self.mgr.wait_for("READY")
            # Busy: both workers relay messages for 3 s; pings keep coming.
            stop, errors = threading.Event(), []
            load = [threading.Thread(target=send_until, args=(gw.port, stop, errors))
                    for _ in range(4)]
            start = time.monotonic()
            for t in load:
                t.start()
            time.sleep(3.0)
            stop.set()
            for t in load:
                t.join()
            busy_end = time.monotonic()
            self.assertEqual(errors, [])
            relayed = gw.counters()["total"]["messages_relayed"]
            self.assertGreater(relayed, 100)
            pings = self.mgr.pings(start, busy_end)
            self.assertGreaterEqual(len(pings), 8, pings)  # one per 0.25 s is 12
            gaps = [b - a for a, b in zip([start] + pings, pings + [busy_end])]
            self.assertLess(max(gaps), WATCHDOG_S * 0.75, gaps)

            # Stalled: worker 1 stopped from outside. Pings cease within half
            # a period plus a tick, so the manager's period ends without one.
            tid = worker_threads(gw.proc.pid)["rl-worker-1"]
            tracer = Tracer(tid)
            stalled_at = time.monotonic()
            try:
                time.sleep(WATCHDOG_S * 2.5)
            finally:
                tracer.release()
            released_at = time.monotonic()
            late = self.mgr.pings(stalled_at + WATCHDOG_S * 0.85, released_at)
            self.assertEqual(late, [], "pinged while a worker was stalled")
            self.assertEqual(len(self.mgr.pings(stalled_at - WATCHDOG_S, stalled_at)) > 0, True)

            # Back: pings resume.
            time.sleep(WATCHDOG_S)
            self.assertGreater(len(self.mgr.pings(released_at)), 0)
        err = gw.stderr.decode()
        self.assertRegex(err, r"redlined: worker 1: loop still for \d+ ms: watchdog pings "
                              r"withheld")
        self.assertIn("redlined: worker 1: loop turns again", err)

    def test_reload_and_stop(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], env=self.mgr.env()) as gw:
            t0, _, _ = self.mgr.wait_for("READY")
            gw.proc.send_signal(signal.SIGHUP)
            t1, _, f = self.mgr.wait_for("RELOADING", after=t0)
            self.assertGreater(int(f["MONOTONIC_USEC"]), 0)
            t2, _, f = self.mgr.wait_for("READY", after=t1)
            self.assertIn("listening on", f["STATUS"])
            gw.proc.send_signal(signal.SIGTERM)
            t3, _, f = self.mgr.wait_for("STOPPING", after=t2)
            self.assertEqual(f["STATUS"], "draining")
            self.assertEqual(gw.proc.wait(timeout=30), 0)
            # No ping once stopping: the manager's stop timeout rules.
            self.assertEqual(self.mgr.pings(t3 + 0.01), [])

    def test_controld_ready_and_stopping(self):
        """redline-controld (Type=notify too): READY once it serves its
        socket, STOPPING at the stop."""
        controld = os.path.join(BUILD, "control", "redline-controld")
        with tempfile.TemporaryDirectory(prefix="redline-ctld-") as d:
            sock = os.path.join(d, "controld.sock")
            proc = subprocess.Popen([controld, "--foreground", "--socket", sock, "--state-dir", d,
                                     "--metrics", "off", "--dataplane-socket", ""],
                                    env=self.mgr.env(watchdog=False),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                t, pid, f = self.mgr.wait_for("READY")
                self.assertEqual(pid, proc.pid)
                self.assertEqual(f["STATUS"], f"serving {sock}, configuration version 0")
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(sock)  # serving at READY
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 0, err)
            self.mgr.wait_for("STOPPING", after=t)

    def test_journal_priorities(self):
        """With standard error as the journal's stream (JOURNAL_STREAM names
        it, as systemd does), each line carries its syslog priority."""
        r, w = os.pipe()
        st = os.fstat(w)
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        with Sink() as sink:
            gw = Gateway([f"*=127.0.0.1:{sink.port}"], env=env)
            proc = subprocess.Popen(gw.args, env=env, stdout=subprocess.DEVNULL, stderr=w)
            os.close(w)
            try:
                with os.fdopen(r) as f:
                    first = f.readline()
                    self.assertRegex(first, r"^<6>listening on 127\.0\.0\.1:\d+ with 1 worker, ")
                    proc.send_signal(signal.SIGTERM)
                    rest = f.read()
            finally:
                proc.wait(timeout=30)
            gw.dir.cleanup()
        self.assertEqual(rest, "<6>signal 15: draining\n<6>stopped\n")
        # A start-up error is priority 3 (LOG_ERR), without the program name
        # (the journal has it)...
        bad = [gw.args[0], "--listen", "127.0.0.1:1", "--workers", "0", "--route", "*=127.0.0.1:2"]
        r, w = os.pipe()
        st = os.fstat(w)
        proc = subprocess.Popen(bad, env=dict(env, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}"),
                                stderr=w)
        os.close(w)
        with os.fdopen(r) as f:
            err = f.read()
        self.assertEqual(proc.wait(timeout=30), 2)
        self.assertRegex(err, r"^<3>--workers: ")
        # ...and a variable inherited without the stream is not believed.
        p = subprocess.run(bad, env=env, capture_output=True, text=True, timeout=30)
        self.assertRegex(p.stderr, r"^redlined: --workers: ")


if __name__ == "__main__":
    unittest.main(verbosity=2)

# SPDX-License-Identifier: Apache-2.0
"""The crash harness of issue 13: redlined is killed with SIGKILL at random
points of SMTP transactions and of quarantine releases, with deliver, redact
and quarantine verdicts, and started again at once (within the same second)
on the same address, quarantine directory and tracking log, many times over.
Afterwards, for every 250 a client got, there must be exactly one copy at the
next hop or exactly one file in the store, and its tracking line; duplicates
after a lost reply are allowed and counted, losses are not.

Real peers only: raw-socket SMTP clients, aiosmtpd as the next hop (answering
after a random delay, so kills land while redlined waits on it), redlined's
control socket for releases. Loopback only. Used by crash_test.py (a few
cycles in `make test`) and bench/crash.sh (200 cycles, JSON kept under
bench/results/)."""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwlib import REDLINED, ensure_account, free_port, wait_port  # noqa: E402

POLICY = {"version": "crash-1",
          "detectors": {"IBAN": {"action": "quarantine"},
                        "CREDIT_CARD": {"action": "redact", "keep_last": 4}}}
BODIES = {
    "deliver": b"Subject: plain\r\n\r\nnothing sensitive here\r\n" + b"padding line\r\n" * 40,
    "redact": b"Subject: card\r\n\r\ncard 4111 1111 1111 1111 today\r\n" + b"more text\r\n" * 40,
    "quarantine": b"Subject: iban\r\n\r\nIBAN GB82 WEST 1234 5698 7654 32 please\r\n"
                  + b"filler\r\n" * 40,
}
# Where a transaction may be cut: after each client step.
STEPS = ["connect", "ehlo", "mail", "rcpt", "data", "half-body", "dot-sent", "reply"]


class NextHop:
    """aiosmtpd on loopback that keeps every message it accepts (with its
    envelope sender, the harness's token) and answers DATA after a random
    delay of up to `max_delay` seconds."""

    def __init__(self, max_delay):
        self.port = free_port()
        self.max_delay = max_delay
        self.lock = threading.Lock()
        self.messages = []  # (token, data)
        hop = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                await asyncio.sleep(random.uniform(0, hop.max_delay))
                with hop.lock:
                    hop.messages.append((envelope.mail_from, bytes(envelope.original_content
                                                                   or envelope.content)))
                return "250 2.0.0 queued"

        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                              decode_data=False, data_size_limit=16 * 1024 * 1024)

    def __enter__(self):
        self.ctl.start()
        return self

    def __exit__(self, *exc):
        self.ctl.stop()


class Client:
    """A raw SMTP client that stops at a given step and kills redlined there."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def reply(self):
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return ""
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        return self.reply()

    def close(self):
        self.s.close()


class Harness:
    def __init__(self, cycles, seed, workers=1, max_delay=0.05, log=print):
        self.cycles = cycles
        self.rng = random.Random(seed)
        self.seed = seed
        self.workers = workers
        self.max_delay = max_delay
        self.log = log
        self.tmp = tempfile.TemporaryDirectory(prefix="redline-crash-")
        d = self.tmp.name
        os.chmod(d, 0o777)
        self.quarantine = os.path.join(d, "q")
        self.track = os.path.join(d, "track.log")
        self.control = os.path.join(d, "control.sock")
        self.policy = os.path.join(d, "policy.json")
        with open(self.policy, "w") as f:
            json.dump(POLICY, f)
        os.chmod(self.policy, 0o644)
        self.port = free_port()
        self.acked = {}  # token -> kind, for every 250 to end of data
        self.sent = 0
        self.kills = {s: 0 for s in STEPS}
        self.kills["release"] = 0
        self.releases_ok = 0
        self.restart_ms = []
        self.same_second = 0
        self.proc = None
        self.n_tx = 0

    # -- redlined --

    def start(self, hop):
        args = [REDLINED, "--foreground", "--listen", f"127.0.0.1:{self.port}",
                "--route", f"*=127.0.0.1:{hop.port}", "--relay-net", "127.0.0.0/8",
                "--policy", self.policy, "--quarantine", self.quarantine, "--log", self.track,
                "--control-socket", self.control, "--hostname", "gw.crash",
                "--workers", str(self.workers)]
        if os.geteuid() == 0:
            ensure_account()
            args += ["--user", "redline"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(self.port, self.proc, timeout=30)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)
        self.proc = None
        return time.time()

    # -- work --

    def token(self, kind):
        self.n_tx += 1
        return f"{kind}-{self.seed}-{self.n_tx}@crash.test"

    def transaction(self, kill_at):
        """One transaction; kills redlined at step `kill_at` (None: never).
        Returns True if redlined was killed."""
        kind = self.rng.choice(list(BODIES))
        tok = self.token(kind)
        body = BODIES[kind]
        c = Client(self.port)
        killed = False

        def step(name):
            nonlocal killed
            if name == kill_at and not killed:
                time.sleep(self.rng.uniform(0, 0.004))
                self.kill()
                killed = True
                self.kills[name] += 1

        try:
            if not c.reply().startswith("220"):
                return killed
            step("connect")
            c.cmd("EHLO client.crash")
            step("ehlo")
            c.cmd(f"MAIL FROM:<{tok}>")
            step("mail")
            if not c.cmd("RCPT TO:<r@example.com>").startswith("250"):
                return killed
            step("rcpt")
            if not c.cmd("DATA").startswith("354"):
                return killed
            step("data")
            half = len(body) // 2
            c.s.sendall(body[:half])
            step("half-body")
            c.s.sendall(body[half:] + b".\r\n")
            self.sent += 1
            step("dot-sent")
            r = c.reply()
            if r.startswith("250"):
                self.acked[tok] = kind
            step("reply")
            c.cmd("QUIT")
        except OSError:
            pass  # redlined died under the client: nothing was acknowledged
        finally:
            c.close()
        return killed

    def stored_ids(self):
        new = os.path.join(self.quarantine, "new")
        if not os.path.isdir(new):
            return []
        return [f[:-4] for f in os.listdir(new) if f.endswith(".msg")]

    def control_cmd(self, line, timeout=30):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(self.control)
            s.sendall(line.encode() + b"\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def release_and_kill(self):
        """Releases a stored message and kills redlined at a random moment
        of it (the next hop answers late, so the kill often lands while the
        release waits on it). True if a release was tried."""
        ids = self.stored_ids()
        if not ids:
            return False
        qid = self.rng.choice(ids)
        answer = {}

        def run():
            try:
                answer.update(self.control_cmd(f"quarantine release {qid}"))
            except (OSError, ValueError):
                pass

        t = threading.Thread(target=run)
        t.start()
        time.sleep(self.rng.uniform(0, 0.08))
        self.kill()
        t.join(30)
        self.kills["release"] += 1
        if answer.get("ok"):
            self.releases_ok += 1
        return True

    def run(self):
        with NextHop(self.max_delay) as hop:
            t_kill = None
            for cycle in range(self.cycles):
                self.start(hop)
                if t_kill is not None:
                    now = time.time()
                    self.restart_ms.append((now - t_kill) * 1000.0)
                    self.same_second += int(now) == int(t_kill)
                if cycle % 4 == 3 and self.release_and_kill():
                    t_kill = time.time()
                    continue
                # A few transactions, then a kill at a random step of one.
                killed = False
                for _ in range(self.rng.randint(0, 3)):
                    self.transaction(None)
                while not killed:
                    killed = self.transaction(self.rng.choice(STEPS))
                t_kill = time.time()
                if (cycle + 1) % 20 == 0:
                    self.log(f"crash: {cycle + 1}/{self.cycles} cycles, "
                             f"{len(self.acked)} acknowledged")
            # A last, clean run: release what is left a few at a time so that
            # releases are counted whole too, then drain.
            self.start(hop)
            for qid in self.stored_ids()[:5]:
                if self.control_cmd(f"quarantine release {qid}").get("ok"):
                    self.releases_ok += 1
            self.proc.send_signal(signal.SIGTERM)
            self.proc.communicate(timeout=60)
            time.sleep(self.max_delay + 0.2)
            with hop.lock:
                delivered = list(hop.messages)
        return self.verdict(delivered)

    # -- the check --

    def verdict(self, delivered):
        lines = []
        with open(self.track) as f:
            for raw in f:
                lines.append(json.loads(raw))  # a torn line fails here
        copies = {}
        for tok, _ in delivered:
            copies[tok] = copies.get(tok, 0) + 1
        stored = {}
        for qid in self.stored_ids():
            with open(os.path.join(self.quarantine, "new", qid + ".msg"), "rb") as f:
                meta = json.loads(f.readline())
            stored[meta["from"]] = stored.get(meta["from"], 0) + 1
            if meta["id"] != qid:
                raise AssertionError(f"store file {qid} holds message {meta['id']}")
        msg_actions = ("relayed", "quarantined", "relayed-held", "relayed-hold-failed")
        logged = {}
        ids = {}
        for line in lines:
            if line.get("action") in msg_actions:
                logged[line["from"]] = logged.get(line["from"], 0) + 1
                ids.setdefault(line["id"], set()).add(line["from"])
        leftovers = os.listdir(os.path.join(self.quarantine, "tmp"))
        res = {"acknowledged": len(self.acked), "delivered": 0, "stored": 0, "logged": 0,
               "duplicated": 0, "lost": 0, "unlogged": 0, "lost_tokens": []}
        for tok, kind in self.acked.items():
            n_copies, n_files, n_lines = copies.get(tok, 0), stored.get(tok, 0), logged.get(tok, 0)
            res["delivered"] += n_copies > 0
            res["stored"] += n_files > 0
            res["logged"] += n_lines > 0
            if n_copies == 0 and n_files == 0:
                res["lost"] += 1
                res["lost_tokens"].append(tok)
            elif n_copies > 1 or n_files > 1 or (n_copies and n_files):
                res["duplicated"] += 1
            if n_lines != 1:
                res["unlogged"] += n_lines == 0
                res["duplicated"] += n_lines > 1
            if kind == "redact" and n_copies and any(
                    b"4111 1111 1111 1111" in d for t, d in delivered if t == tok):
                raise AssertionError(f"{tok}: relayed unredacted")
        res["ids_unique"] = all(len(froms) == 1 for froms in ids.values())
        res["tmp_leftovers"] = len(leftovers)
        res["messages_sent"] = self.sent
        res["releases_ok"] = self.releases_ok
        res["kills"] = self.kills
        res["cycles"] = self.cycles
        rs = sorted(self.restart_ms)
        res["restart_ms"] = {"median": round(rs[len(rs) // 2], 1) if rs else None,
                             "max": round(rs[-1], 1) if rs else None}
        res["restarts_within_same_second"] = self.same_second
        res["ok"] = (res["lost"] == 0 and res["unlogged"] == 0 and res["ids_unique"]
                     and res["tmp_leftovers"] == 0)
        return res

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.communicate()
        self.tmp.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", help="write the result here")
    a = ap.parse_args()
    h = Harness(a.cycles, a.seed, a.workers, log=lambda s: print(s, file=sys.stderr))
    t0 = time.monotonic()
    try:
        res = h.run()
    finally:
        h.close()
    res["seconds"] = round(time.monotonic() - t0, 1)
    res["seed"] = a.seed
    res["workers"] = a.workers
    out = json.dumps(res, indent=2)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the gateway integration tests: a real SMTP next hop
(aiosmtpd) that records or refuses, and a redlined process on loopback with
its own temporary log, quarantine and control socket. Loopback only."""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from aiosmtpd.controller import Controller

SRC = os.environ.get("RL_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("RL_BUILD", os.path.join(SRC, "build"))
REDLINED = os.path.join(BUILD, "dataplane", "redlined")
REDLINECTL = os.path.join(BUILD, "control", "redlinectl")
REDLINE_SCAN = os.path.join(BUILD, "scan", "redline-scan")
CI = os.environ.get("CI") == "true"


def ensure_account(name="redline"):
    """The dataplane's system account (scripts/deps.sh creates it too)."""
    import pwd
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                       check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unix_roundtrip(path, data, shut=False):
    """Connects to the UNIX socket `path`, sends `data` (then, with `shut`,
    ends the writing side) and returns everything read until the server
    closes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def wait_port(port, proc=None, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.recv(512)  # the greeting
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.data_reply:
            return self.sink.data_reply
        with self.sink.lock:
            self.sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                       bytes(envelope.original_content or envelope.content)))
            # The cipher of the session (name, protocol, bits), or None in clear.
            self.sink.tls.append(session.ssl.get("cipher") if session.ssl else None)
            self.sink.cond.notify_all()
        return "250 2.0.0 queued"


class Sink:
    """An aiosmtpd server on 127.0.0.1 (or `host`) that keeps what it accepts.
    rcpt_replies maps a recipient to the reply refusing it; data_reply, when
    set, refuses every message at its end. With `tls_context` it offers
    STARTTLS (clear stays allowed); `tls` lists each message's cipher."""

    def __init__(self, port=None, smtputf8=True, tls_context=None, host="127.0.0.1"):
        self.port = port or free_port()
        self.host = host
        self.messages = []
        self.tls = []
        self.rcpt_replies = {}
        self.data_reply = None
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.ctl = Controller(_Handler(self), hostname=host, port=self.port,
                              enable_SMTPUTF8=smtputf8, decode_data=False,
                              data_size_limit=64 * 1024 * 1024, tls_context=tls_context,
                              require_starttls=False)

    def __enter__(self):
        self.ctl.start()
        return self

    def __exit__(self, *exc):
        self.ctl.stop()

    def wait(self, n, timeout=20.0):
        end = time.monotonic() + timeout
        with self.lock:
            while len(self.messages) < n:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.messages)


class Gateway:
    """redlined --foreground on a free loopback port."""

    def __init__(self, routes, extra=(), relay_net="127.0.0.0/8", config=None, env=None,
                 user="redline"):
        self.port = free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="redline-gw-")
        d = self.dir.name
        self.log = os.path.join(d, "track.log")
        self.quarantine = os.path.join(d, "quarantine")
        self.control_path = os.path.join(d, "control.sock")
        args = [REDLINED, "--foreground", "--listen", f"127.0.0.1:{self.port}",
                "--log", self.log, "--quarantine", self.quarantine,
                "--control-socket", self.control_path, "--hostname", "gw.test"]
        if os.geteuid() == 0:
            # The test directory must stay writable after the drop to the
            # dataplane's own account (created if this machine lacks it).
            os.chmod(d, 0o777)
            ensure_account()
            args += ["--user", user] if user else []  # None: redlined's default
        if config is not None:
            path = os.path.join(d, "redlined.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        for r in routes:
            args += ["--route", r]
        if relay_net:
            args += ["--relay-net", relay_net]
        self.args = args + list(extra)
        self.env = env  # the process's environment; None: ours
        self.proc = None
        self.stderr = b""

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=self.env)
        try:
            wait_port(self.port, self.proc)
        except RuntimeError:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise RuntimeError("redlined did not start: " + err.decode(errors="replace"))
        return self

    def stop(self, timeout=40):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, self.stderr = self.proc.communicate()
            raise
        return self.proc.returncode

    def __exit__(self, *exc):
        rc = self.stop()
        self.dir.cleanup()
        # Every test also checks a clean drain: exit 0 and, in sanitizer
        # builds, no report from ASan, UBSan or LeakSanitizer.
        err = self.stderr.decode(errors="replace")
        if exc[0] is None and (rc != 0 or "Sanitizer" in err or "runtime error" in err):
            raise AssertionError(f"redlined exited with {rc}:\n{err}")

    def track(self, n=None, timeout=5.0):
        """The tracking-log lines, parsed; waits for at least n of them."""
        end = time.monotonic() + timeout
        while True:
            lines = []
            if os.path.exists(self.log):
                with open(self.log) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
            if n is None or len(lines) >= n or time.monotonic() > end:
                return lines
            time.sleep(0.05)

    def control(self, command):
        """One command on the control socket; its JSON answer. Bytes go out
        as they are (no newline added), for malformed commands."""
        data = unix_roundtrip(self.control_path,
                              command if isinstance(command, bytes) else command.encode() + b"\n")
        return json.loads(data)

    def counters(self):
        return self.control("stats")


class PrivatePostfix:
    """A private Postfix instance (own config and queue, loopback only) that
    relays everything to `relay_port`, refusing the recipients in `reject`;
    `main_extra` is appended to its main.cf (TLS settings)."""

    def __init__(self, relay_port, reject=(), main_extra=""):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redline-postfix-")
        d = self.dir
        os.chmod(d, 0o755)  # the postfix account must reach data/ and queue/
        for sub in ("etc", "queue", "data"):
            os.makedirs(os.path.join(d, sub))
        shutil.chown(os.path.join(d, "data"), "postfix")
        access = ", ".join(f"{r}=REJECT" for r in reject)
        restrictions = "permit_mynetworks, reject"
        if reject:
            restrictions = f"check_recipient_access inline:{{ {access} }}, " + restrictions
        with open(os.path.join(d, "etc", "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
config_directory = {d}/etc
queue_directory = {d}/queue
data_directory = {d}/data
meta_directory = /etc/postfix
myhostname = postfix-test.localdomain
mydestination =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
relayhost = [127.0.0.1]:{relay_port}
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = {restrictions}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtp_host_lookup = native
maillog_file = /dev/stdout
""" + main_extra)
        services = ["cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
                    "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce",
                    "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce",
                    "verify unix - - n - 1 verify", "proxymap unix - - n - - proxymap",
                    "smtp unix - - n - - smtp", "relay unix - - n - - smtp",
                    "error unix - - n - - error", "retry unix - - n - - error",
                    "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache",
                    "postlog unix-dgram n - n - 1 postlogd", "tlsmgr unix - - n 1000? 1 tlsmgr"]
        with open(os.path.join(d, "etc", "master.cf"), "w") as f:
            f.write(f"127.0.0.1:{self.port} inet n - n - - smtpd\n" + "\n".join(services) + "\n")
        subprocess.run(["postfix", "-c", f"{d}/etc", "check"], check=True)
        self.log = open(os.path.join(d, "maillog"), "wb")
        self.proc = subprocess.Popen(["postfix", "-c", f"{d}/etc", "start-fg"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_port(self.port, self.proc, timeout=30)
        except RuntimeError:
            with open(os.path.join(d, "maillog"), errors="replace") as f:
                raise RuntimeError("private Postfix did not start:\n" + f.read())

    def close(self):
        subprocess.run(["postfix", "-c", f"{self.dir}/etc", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Raw:
    """A raw SMTP client: send exact bytes, read whole replies."""

    def __init__(self, port, timeout=10.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One whole reply (all its lines) as text, '' at end of stream."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return "\r\n".join(lines)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode(errors="replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\r\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def close(self):
        self.s.close()

    def __del__(self):
        self.s.close()


def strip_trace(msg):
    """The message without the Received: header redlined adds in front."""
    assert msg.startswith(b"Received: from "), msg[:80]
    end = msg.index(b"\r\n", 0)
    while msg[end + 2:end + 3] in (b"\t", b" "):
        end = msg.index(b"\r\n", end + 2)
    return msg[end + 2:]


def scan_offline(raw, policy=None):
    """What redline-scan makes of `raw` (the reference for exactness)."""
    args = [REDLINE_SCAN]
    if policy:
        args += ["--policy", policy]
    return subprocess.run(args + ["-"], input=raw, stdout=subprocess.PIPE, check=True).stdout


BUSINESS_WORDS = ("invoice meeting quarterly report please review attached numbers "
                  "customer account payment refund shipping").split()


def business_lines(rng, tag, cards, max_lines, card=0.15, ssn=0.22, mail=0.27):
    """3..max_lines lines of business words; a line ends in a card from `cards`
    with probability `card`, an SSN up to `ssn`, an address someone{tag}@ up to
    `mail` (cumulative thresholds on one draw)."""
    lines = []
    for _ in range(rng.randint(3, max_lines)):
        line = " ".join(rng.choice(BUSINESS_WORDS) for _ in range(rng.randint(3, 12)))
        r = rng.random()
        if r < card:
            line += f" card {rng.choice(cards)}"
        elif r < ssn:
            line += f" ssn {rng.randint(100, 665):03d}-{rng.randint(1, 99):02d}-" \
                    f"{rng.randint(1, 9999):04d}"
        elif r < mail:
            line += f" mail someone{tag}@example.net"
        lines.append(line)
    return lines

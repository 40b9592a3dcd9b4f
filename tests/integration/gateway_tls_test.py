# SPDX-License-Identifier: Apache-2.0
"""Inbound STARTTLS (RFC 3207) with real peers: openssl s_client, Python's
smtplib and ssl, swaks. The certificate is made here with the openssl CLI
(self-signed for gw.test); aiosmtpd is the next hop."""
import os
import shutil
import smtplib
import ssl
import subprocess
import tempfile
import time
import unittest

from gwlib import Gateway, Raw, Sink, scan_offline, strip_trace

CARD = "4111 1111 1111 1111"
MSG = ("From: a@x.test\r\nTo: b@example.com\r\nSubject: card\r\n"
       "Message-ID: <tls1@x.test>\r\n\r\n"
       f"Please charge {CARD} today.\r\n").encode()
SWAKS = shutil.which("swaks")


def make_cert(d):
    cert, key = os.path.join(d, "gw.pem"), os.path.join(d, "gw.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=gw.test", "-addext",
                    "subjectAltName=DNS:gw.test"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return cert, key


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def s_client(port, stdin, *args):
    p = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect",
                        f"127.0.0.1:{port}", "-ign_eof", *args], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace")


class StartTLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="redline-tls-")
        cls.cert, cls.key = make_cert(cls.tmp.name)
        cls.sink = Sink().__enter__()
        cls.gw = Gateway([f"*=127.0.0.1:{cls.sink.port}"],
                         extra=["--tls-cert", cls.cert, "--tls-key", cls.key]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        cls.sink.__exit__(None, None, None)
        cls.tmp.cleanup()

    def test_s_client_handshake_then_session(self):
        before = self.gw.counters()["total"]["tls_handshakes"]
        rc, out = s_client(self.gw.port, b"EHLO c.test\r\nNOOP\r\nQUIT\r\n")
        self.assertEqual(rc, 0, out)
        self.assertIn("Protocol  : TLSv1.3", out)
        self.assertIn("Cipher is TLS_AES_", out)
        # The EHLO inside TLS: our name first, and STARTTLS no longer offered.
        inside = out[out.index("250-gw.test"):]
        self.assertIn("250 CHUNKING", inside)
        self.assertNotIn("STARTTLS", inside)
        self.assertIn("250 2.0.0 OK", inside)
        self.assertIn("221 2.0.0", inside)
        self.assertEqual(self.gw.counters()["total"]["tls_handshakes"], before + 1)

    def test_smtplib_starttls_message_redacted_and_logged(self):
        n = len(self.sink.messages)
        with smtplib.SMTP("127.0.0.1", self.gw.port, timeout=20) as c:
            c.ehlo("c.test")
            self.assertTrue(c.has_extn("starttls"))
            code, _ = c.starttls(context=client_ctx())
            self.assertEqual(code, 220)
            self.assertEqual(c.sock.version(), "TLSv1.3")
            c.ehlo("c.test")
            self.assertFalse(c.has_extn("starttls"))
            self.assertEqual(c.sendmail("a@x.test", ["tls@example.com"], MSG), {})
        (frm, rcpts, data) = self.sink.wait(n + 1)[n]
        self.assertEqual(rcpts, ["tls@example.com"])
        self.assertNotIn(CARD.encode(), data)
        self.assertEqual(strip_trace(data), scan_offline(MSG))
        line = [l for l in self.gw.track(n + 1) if l["rcpts"] == ["tls@example.com"]][0]
        self.assertEqual(line["tls"]["protocol"], "TLSv1.3")
        self.assertTrue(line["tls"]["cipher"].startswith("TLS_AES_"), line["tls"])
        self.assertEqual(line["action"], "relayed")

    def test_plain_session_logs_tls_null(self):
        n = len(self.sink.messages)
        with smtplib.SMTP("127.0.0.1", self.gw.port, timeout=20) as c:
            self.assertEqual(c.sendmail("a@x.test", ["clear@example.com"], MSG), {})
        self.sink.wait(n + 1)
        line = [l for l in self.gw.track(n + 1) if l["rcpts"] == ["clear@example.com"]][0]
        self.assertIsNone(line["tls"])

    @unittest.skipUnless(SWAKS, "swaks is not installed (scripts/deps.sh installs it)")
    def test_swaks_tls(self):
        n = len(self.sink.messages)
        p = subprocess.run([SWAKS, "--server", f"127.0.0.1:{self.gw.port}", "--tls",
                            "--helo", "c.test", "--from", "a@x.test", "--to",
                            "swaks@example.com", "--body", f"card {CARD}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("~> MAIL FROM:<a@x.test>", out)  # "~>": sent inside TLS
        (_, rcpts, data) = self.sink.wait(n + 1)[n]
        self.assertEqual(rcpts, ["swaks@example.com"])
        self.assertNotIn(CARD.encode(), data)

    def test_pipelined_command_after_starttls_is_dropped(self):
        # CVE-2011-0411: what follows STARTTLS in clear must never be taken
        # as a command once TLS is up.
        r = Raw(self.gw.port)
        self.assertEqual(r.cmd("EHLO c.test").split("\r\n")[-1], "250 STARTTLS")
        r.send(b"STARTTLS\r\nRSET\r\n")
        self.assertEqual(r.reply(), "220 2.0.0 Ready to start TLS")
        self.assertEqual(r.buf, b"")
        t = client_ctx().wrap_socket(r.s, server_hostname="gw.test")
        t.sendall(b"EHLO c.test\r\n")
        data = b""
        while b"250 " not in data:
            chunk = t.recv(4096)
            self.assertTrue(chunk, data)
            data += chunk
        # The first reply inside TLS is EHLO's, not an answer to the RSET.
        self.assertTrue(data.startswith(b"250-gw.test\r\n"), data)
        t.sendall(b"QUIT\r\n")
        self.assertTrue(t.recv(4096).startswith(b"221 "))
        t.close()

    def test_tls_1_1_refused_and_counted(self):
        before = self.gw.counters()["total"]
        # SECLEVEL=0 lets this client really offer TLS 1.1: the refusal is ours.
        rc, out = s_client(self.gw.port, b"QUIT\r\n", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("alert protocol version", out)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            after = self.gw.counters()["total"]
            if after["tls_failures"] > before["tls_failures"]:
                break
            time.sleep(0.05)
        self.assertEqual(after["tls_failures"], before["tls_failures"] + 1)
        self.assertEqual(after["tls_failures_by_reason"].get("protocol_version", 0),
                         before["tls_failures_by_reason"].get("protocol_version", 0) + 1)
        self.assertEqual(after["tls_handshakes"], before["tls_handshakes"])

    def test_clear_text_instead_of_client_hello_closes(self):
        before = self.gw.counters()["total"]
        r = Raw(self.gw.port)
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS")
        r.send(b"EHLO c.test\r\n")  # clear text where TLS must be
        data = b""
        while True:
            chunk = r.s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertNotIn(b"250", data)  # closed without an SMTP answer
        after = self.gw.counters()["total"]
        self.assertEqual(after["tls_failures_by_reason"].get("protocol", 0),
                         before["tls_failures_by_reason"].get("protocol", 0) + 1)


class Resumption(unittest.TestCase):
    def starttls(self, port, ctx, session=None):
        r = Raw(port)
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS")
        t = ctx.wrap_socket(r.s, server_hostname="gw.test", session=session)
        t.sendall(b"EHLO c.test\r\n")
        data = b""
        while b"250 " not in data:
            chunk = t.recv(4096)  # also takes the TLS 1.3 ticket
            self.assertTrue(chunk, data)
            data += chunk
        t.sendall(b"QUIT\r\n")
        t.recv(4096)
        reused, session = t.session_reused, t.session
        t.close()
        return reused, session

    def test_ticket_from_one_worker_resumes_on_the_others(self):
        # The kernel spreads connections over the workers (SO_REUSEPORT):
        # every one of them must accept a ticket another issued.
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            cert, key = make_cert(d)
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                         extra=["--workers", "4", "--tls-cert", cert,
                                                "--tls-key", key]) as gw:
                ctx = client_ctx()
                reused, session = self.starttls(gw.port, ctx)
                self.assertFalse(reused)
                for _ in range(12):
                    reused, session = self.starttls(gw.port, ctx, session)
                    self.assertTrue(reused)
                per = [w["tls_handshakes"] for w in gw.counters()["workers"]]
                self.assertEqual(sum(per), 13)
                self.assertGreater(sum(1 for n in per if n > 0), 1, per)


class StartTLSTimeout(unittest.TestCase):
    def test_silent_client_after_starttls_is_closed(self):
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            cert, key = make_cert(d)
            cfg = {"limits": {"command_timeout_s": 1}}
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg,
                                         extra=["--tls-cert", cert, "--tls-key", key]) as gw:
                r = Raw(gw.port)
                r.cmd("EHLO c.test")
                self.assertEqual(r.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS")
                t0 = time.monotonic()
                self.assertEqual(r.s.recv(4096), b"")  # closed, nothing sent
                self.assertLess(time.monotonic() - t0, 5)
                c = gw.counters()["total"]
                self.assertEqual(c["tls_handshake_timeouts"], 1)
                self.assertEqual(c["tls_failures"], 1)


class NoCertificate(unittest.TestCase):
    def test_starttls_not_offered_nor_accepted(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            r = Raw(gw.port)
            self.assertNotIn("STARTTLS", r.cmd("EHLO c.test"))
            self.assertEqual(r.cmd("STARTTLS"), "502 5.5.1 Command not implemented")
            self.assertEqual(r.cmd("NOOP"), "250 2.0.0 OK")

    def test_unreadable_certificate_or_key_names_the_field(self):
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            cert, key = make_cert(d)
            missing = os.path.join(d, "missing.pem")
            for extra, field in ((["--tls-cert", missing, "--tls-key", key], "tls.cert"),
                                 (["--tls-cert", cert, "--tls-key", missing], "tls.key")):
                gw = Gateway(["*=127.0.0.1:25"], extra=extra)
                with self.assertRaises(RuntimeError) as e:
                    gw.__enter__()
                self.assertIn(f"redlined: {field}:", str(e.exception))
                gw.dir.cleanup()


if __name__ == "__main__":
    unittest.main()

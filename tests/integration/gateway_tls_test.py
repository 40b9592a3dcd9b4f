# SPDX-License-Identifier: Apache-2.0
"""Inbound STARTTLS (RFC 3207) with real peers: openssl s_client, Python's
smtplib and ssl, swaks, testssl.sh. Certificates are made here with the
openssl CLI (self-signed, or from a test CA); aiosmtpd is the next hop.
Covers the listener's profile (versions, ciphers, groups, a second
certificate), the encrypt policy, client certificates, reload on SIGHUP and
on the control socket, and a testssl.sh scan of the default profile."""
import json
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile
import time
import unittest

from gwlib import CI, REDLINECTL, Gateway, Raw, Sink, scan_offline, strip_trace

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


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


class CA:
    """A test certificate authority in directory `d`, and what it signs:
    certificates as a real deployment has them (SAN, key usage, CRL and OCSP
    addresses, 90 days), each with its own serial."""

    def __init__(self, d):
        self.d = d
        self.cert, self.key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
        self.serial = 100
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.key, "-out", self.cert, "-days", "30", "-subj",
                "/CN=Redline Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, subject, san=None, usage="serverAuth", rsa=False):
        """Writes NAME.pem and NAME.key; returns their paths."""
        cert, key = os.path.join(self.d, name + ".pem"), os.path.join(self.d, name + ".key")
        csr, ext = os.path.join(self.d, name + ".csr"), os.path.join(self.d, name + ".ext")
        newkey = ["rsa:2048"] if rsa else ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        openssl("req", "-new", "-newkey", *newkey, "-nodes", "-keyout", key, "-out", csr,
                "-subj", subject)
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    f"keyUsage=critical,digitalSignature{',keyEncipherment' if rsa else ''}\n"
                    f"extendedKeyUsage={usage}\n"
                    "crlDistributionPoints=URI:http://ca.gw.test/crl.pem\n"
                    "authorityInfoAccess=OCSP;URI:http://ca.gw.test/ocsp\n")
            if san:
                f.write(f"subjectAltName=DNS:{san}\n")
        self.serial += 1
        openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-set_serial",
                str(self.serial), "-days", "90", "-extfile", ext, "-out", cert)
        return cert, key


def readable(d):
    """After the privilege drop (root runs redlined as redline) a reload reads
    the files as that user: let it into the directory (install: the files)."""
    os.chmod(d, 0o755)


def install(src, dst):
    """Puts a copy of `src` at `dst` by rename, readable by all (see readable)."""
    shutil.copy(src, dst + ".tmp")
    os.chmod(dst + ".tmp", 0o644)
    os.replace(dst + ".tmp", dst)


def served_cert(out):
    """The PEM certificate s_client printed."""
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    return m.group(0) if m else None


def pem(path):
    with open(path) as f:
        return served_cert(f.read())


def wait_counter(gw, name, value, timeout=5.0):
    end = time.monotonic() + timeout
    while True:
        total = gw.counters()["total"]
        if total.get(name) == value or time.monotonic() > end:
            return total
        time.sleep(0.05)


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


def message_through_s_client(port, rcpt, *args):
    """One whole message inside TLS with openssl s_client (pipelined, as a
    client that trusts PIPELINING may send it)."""
    stdin = (b"EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<" + rcpt.encode() +
             b">\r\nDATA\r\n" + MSG + b".\r\nQUIT\r\n")
    return s_client(port, stdin, *args)


class Profile(unittest.TestCase):
    """The listener's settings from a server profile of tls_profiles: TLS 1.2
    only, two ciphers, one group, an ECDSA and an RSA certificate."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="redline-tls-")
        ca = CA(cls.tmp.name)
        cls.ec = ca.issue("ec", "/CN=gw.test", san="gw.test")
        cls.rsa = ca.issue("rsa", "/CN=rsa.gw.test", san="rsa.gw.test", rsa=True)
        cfg = {"tls_profiles": {"in": {
            "role": "server", "cert": cls.ec[0], "key": cls.ec[1],
            "cert2": cls.rsa[0], "key2": cls.rsa[1],
            "min_version": "TLSv1.2", "max_version": "TLSv1.2",
            "ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
            "groups": "P-384:P-256"}},
            "tls": {"profile": "in"}}
        cls.sink = Sink().__enter__()
        cls.gw = Gateway([f"*=127.0.0.1:{cls.sink.port}"], config=cfg).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        cls.sink.__exit__(None, None, None)
        cls.tmp.cleanup()

    def refused(self, reason, *args):
        before = self.gw.counters()["total"]
        rc, out = s_client(self.gw.port, b"EHLO c.test\r\nQUIT\r\n", *args)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("250 CHUNKING", out)
        after = wait_counter(self.gw, "tls_failures", before["tls_failures"] + 1)
        self.assertEqual(after["tls_failures_by_reason"].get(reason, 0),
                         before["tls_failures_by_reason"].get(reason, 0) + 1, out)
        return out

    def test_configured_cipher_and_group_accepted(self):
        rc, out = s_client(self.gw.port, b"EHLO c.test\r\nQUIT\r\n", "-tls1_2", "-cipher",
                           "ECDHE-ECDSA-AES256-GCM-SHA384", "-groups", "X25519:P-256:P-384")
        self.assertEqual(rc, 0, out)
        self.assertIn("Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", out)
        # Our order wins: P-384, where the defaults would take X25519.
        self.assertIn("Server Temp Key: ECDH, secp384r1", out)
        self.assertEqual(served_cert(out), pem(self.ec[0]))
        self.assertIn("250 CHUNKING", out)

    def test_cipher_outside_the_list_refused(self):
        out = self.refused("no_shared_cipher", "-tls1_2", "-cipher",
                           "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305")
        self.assertIn("alert handshake failure", out)

    def test_group_outside_the_list_refused(self):
        # TLS 1.2 ECDHE needs a group of ours; X25519 is not one.
        self.refused("no_shared_cipher", "-tls1_2", "-groups", "X25519")

    def test_above_max_version_refused(self):
        out = self.refused("protocol_version", "-tls1_3")
        self.assertIn("alert protocol version", out)

    def test_second_certificate_for_rsa_clients(self):
        rc, out = s_client(self.gw.port, b"EHLO c.test\r\nQUIT\r\n", "-tls1_2", "-cipher",
                           "ECDHE-RSA-AES256-GCM-SHA384")
        self.assertEqual(rc, 0, out)
        self.assertIn("Cipher is ECDHE-RSA-AES256-GCM-SHA384", out)
        self.assertEqual(served_cert(out), pem(self.rsa[0]))


class EncryptPolicy(unittest.TestCase):
    """tls.policy encrypt (--tls-policy): no mail before STARTTLS (RFC 3207 4)."""

    def test_mail_waits_for_starttls(self):
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            cert, key = make_cert(d)
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                         extra=["--tls-cert", cert, "--tls-key", key,
                                                "--tls-policy", "encrypt"]) as gw:
                r = Raw(gw.port)
                self.assertIn("250 STARTTLS", r.cmd("EHLO c.test"))
                first = "530 5.7.0 Must issue a STARTTLS command first"
                self.assertEqual(r.cmd("MAIL FROM:<a@x.test>"), first)
                self.assertEqual(r.cmd("RCPT TO:<b@example.com>"), first)
                self.assertEqual(r.cmd("DATA"), first)
                self.assertEqual(r.cmd("NOOP"), "250 2.0.0 OK")
                self.assertEqual(r.cmd("RSET"), "250 2.0.0 OK")
                self.assertTrue(r.cmd("HELP").startswith("214 "))
                self.assertEqual(r.cmd("QUIT").split(" ")[0], "221")
                r.close()
                with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as c:
                    c.ehlo("c.test")
                    self.assertEqual(c.mail("a@x.test")[0], 530)
                    c.starttls(context=client_ctx())
                    c.ehlo("c.test")
                    self.assertEqual(c.sendmail("a@x.test", ["enc@example.com"], MSG), {})
                (_, rcpts, data) = sink.wait(1)[0]
                self.assertEqual(rcpts, ["enc@example.com"])
                self.assertNotIn(CARD.encode(), data)
                line = gw.track(1)[0]
                self.assertEqual(line["tls"]["protocol"], "TLSv1.3")

    def test_encrypt_without_certificate_refused_at_start(self):
        gw = Gateway(["*=127.0.0.1:25"], extra=["--tls-policy", "encrypt"])
        with self.assertRaises(RuntimeError) as e:
            gw.__enter__()
        self.assertIn("redlined: tls.policy: encrypt needs a certificate", str(e.exception))
        gw.dir.cleanup()


class ClientCertificates(unittest.TestCase):
    """client_cert request and require with ca_file: the tracking line says
    whose certificate came and whether it chained to the CA."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="redline-tls-")
        d = cls.tmp.name
        cls.ca = CA(d)
        cls.server = cls.ca.issue("server", "/CN=gw.test", san="gw.test")
        # A quote and a comma: RFC 2253 escapes them, the JSON line again.
        cls.client = cls.ca.issue("client", '/O=Redline, "Tests"/CN=client.test',
                                  usage="clientAuth")
        stranger = os.path.join(d, "stranger")  # make_cert names its files gw.*
        os.mkdir(stranger)
        cls.stranger = make_cert(stranger)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def gateway(self, sink, mode):
        cfg = {"tls_profiles": {"in": {"role": "server", "cert": self.server[0],
                                       "key": self.server[1], "client_cert": mode,
                                       "ca_file": self.ca.cert}},
               "tls": {"profile": "in"}}
        return Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg)

    def line_for(self, gw, rcpt, n):
        return [l for l in gw.track(n) if l.get("rcpts") == [rcpt]][0]

    def test_request_records_subject_and_verification(self):
        with Sink() as sink, self.gateway(sink, "request") as gw:
            rc, out = message_through_s_client(gw.port, "cc@example.com", "-cert",
                                               self.client[0], "-key", self.client[1])
            self.assertEqual(rc, 0, out)
            self.assertIn("250 2.0.0", out)
            rc, out = message_through_s_client(gw.port, "none@example.com")
            self.assertEqual(rc, 0, out)
            rc, out = message_through_s_client(gw.port, "self@example.com", "-cert",
                                               self.stranger[0], "-key", self.stranger[1])
            self.assertEqual(rc, 0, out)
            sink.wait(3)
            cc = self.line_for(gw, "cc@example.com", 3)["tls"]["client_cert"]
            self.assertEqual(cc["subject"], 'CN=client.test,O=Redline\\, \\"Tests\\"')
            self.assertIs(cc["verified"], True)
            self.assertNotIn("verify_error", cc)
            self.assertIsNone(self.line_for(gw, "none@example.com", 3)["tls"]["client_cert"])
            self_signed = self.line_for(gw, "self@example.com", 3)["tls"]["client_cert"]
            self.assertEqual(self_signed["subject"], "CN=gw.test")
            self.assertIs(self_signed["verified"], False)
            self.assertTrue(self_signed["verify_error"].startswith("certificate verify failed"))

    def test_require_without_certificate_fails_the_handshake(self):
        with Sink() as sink, self.gateway(sink, "require") as gw:
            rc, out = s_client(gw.port, b"EHLO c.test\r\nQUIT\r\n")
            self.assertNotIn("250 CHUNKING", out)
            self.assertIn("alert certificate required", out)
            total = wait_counter(gw, "tls_failures", 1)
            self.assertEqual(total["tls_failures_by_reason"].get("no_peer_cert"), 1, total)
            self.assertEqual(total["tls_handshakes"], 0)
            rc, out = message_through_s_client(gw.port, "req@example.com", "-cert",
                                               self.client[0], "-key", self.client[1])
            self.assertEqual(rc, 0, out)
            sink.wait(1)
            cc = self.line_for(gw, "req@example.com", 1)["tls"]["client_cert"]
            self.assertIs(cc["verified"], True)


class Reload(unittest.TestCase):
    """New certificate and key without a restart: SIGHUP or `reload`. New
    connections get the new certificate, open ones keep theirs; a refused
    reload changes nothing."""

    def starttls(self, port):
        r = Raw(port)
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS")
        t = client_ctx().wrap_socket(r.s, server_hostname="gw.test")
        self.assertTrue(self.cmd(t, "EHLO c.test").startswith(b"250-gw.test"))
        return t

    def cmd(self, t, line):
        t.sendall(line.encode() + b"\r\n")
        data = b""
        while not re.search(rb"(^|\r\n)\d{3} [^\r\n]*\r\n$", data):
            chunk = t.recv(4096)
            self.assertTrue(chunk, data)
            data += chunk
        return data

    def served(self, port):
        rc, out = s_client(port, b"QUIT\r\n")
        self.assertEqual(rc, 0, out)
        return served_cert(out)

    def test_sighup_and_control_reload(self):
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            ca = CA(d)
            old = ca.issue("old", "/CN=gw.test", san="gw.test")
            new = ca.issue("new", "/CN=gw2.test", san="gw2.test")
            other = ca.issue("other", "/CN=other.test", san="other.test")
            cert, key = os.path.join(d, "gw.pem"), os.path.join(d, "gw.key")
            install(old[0], cert)
            install(old[1], key)
            readable(d)
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                         extra=["--workers", "2", "--tls-cert", cert,
                                                "--tls-key", key]) as gw:
                self.assertEqual(self.served(gw.port), pem(old[0]))
                before = self.starttls(gw.port)  # opened on the old certificate

                # Replace both files (renames, as a certificate tool does), SIGHUP.
                install(new[0], cert)
                install(new[1], key)
                gw.proc.send_signal(signal.SIGHUP)
                self.assertEqual(wait_counter(gw, "tls_reloads", 1)["tls_reloads"], 1)
                for _ in range(4):  # whichever worker takes the connection
                    self.assertEqual(self.served(gw.port), pem(new[0]))
                # The connection opened before goes on, on the old certificate.
                self.assertEqual(ssl.DER_cert_to_PEM_cert(before.getpeercert(True)).strip(),
                                 pem(old[0]))
                self.assertTrue(self.cmd(before, "NOOP").startswith(b"250 "))
                self.assertTrue(self.cmd(before, "MAIL FROM:<a@x.test>").startswith(b"250 "))
                self.assertTrue(self.cmd(before, "QUIT").startswith(b"221 "))
                before.close()

                # A key that does not match: refused, the new certificate stays.
                install(other[1], key)
                ans = gw.control("reload")
                self.assertFalse(ans["ok"])
                self.assertIn("tls.key: does not match the certificate", ans["error"])
                gw.proc.send_signal(signal.SIGHUP)
                total = wait_counter(gw, "tls_reload_failures", 2)
                self.assertEqual(total["tls_reload_failures"], 2)
                self.assertEqual(total["tls_reloads"], 1)
                self.assertEqual(self.served(gw.port), pem(new[0]))

                # redlinectl reload with a matching pair again.
                install(other[0], cert)
                p = subprocess.run([REDLINECTL, "--socket", gw.control_path, "reload"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
                self.assertEqual(p.returncode, 0, p.stdout)
                self.assertIn(b"reloaded the STARTTLS certificates on 2 workers", p.stdout)
                self.assertEqual(self.served(gw.port), pem(other[0]))
                self.assertEqual(gw.counters()["total"]["tls_reloads"], 2)

                lines = [l for l in gw.track(4) if l.get("action") == "tls-reload"]
                self.assertEqual([(l["ok"], l["trigger"]) for l in lines],
                                 [(True, "SIGHUP"), (False, "control"), (False, "SIGHUP"),
                                  (True, "control")])
                self.assertEqual(lines[1]["field"], "tls.key")
                self.assertEqual(lines[3]["by_uid"], os.geteuid())

    def test_reload_without_starttls_refused(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            ans = gw.control("reload")
            self.assertFalse(ans["ok"])
            self.assertIn("STARTTLS is not configured", ans["error"])


TESTSSL = shutil.which("testssl") or shutil.which("testssl.sh")


class TestSSL(unittest.TestCase):
    """testssl.sh against the listener with the default profile: no finding
    of severity HIGH or CRITICAL. The certificate is a test CA's, as a real
    one would be (name, chain, CRL and OCSP addresses, 90 days), so that what
    remains is about our TLS settings."""

    @unittest.skipUnless(TESTSSL or CI, "testssl.sh is not installed (scripts/deps.sh installs it)")
    def test_default_profile_has_no_high_findings(self):
        self.assertIsNotNone(TESTSSL, "testssl.sh must run in CI (scripts/deps.sh)")
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            ca = CA(d)
            cert, key = ca.issue("gw", "/CN=gw.test", san="gw.test")
            report = os.path.join(d, "testssl.json")
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                         extra=["--tls-cert", cert, "--tls-key", key]) as gw:
                # --ip: gw.test is the certificate's name, 127.0.0.1 where it
                # listens; --nodns none: no lookups (no CAA, no rDNS).
                p = subprocess.run([TESTSSL, "--starttls", "smtp", "--quiet", "--warnings",
                                    "batch", "--color", "0", "--nodns", "none", "--add-ca",
                                    ca.cert, "--ip", "127.0.0.1", "--jsonfile", report,
                                    f"gw.test:{gw.port}"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=400)
                out = p.stdout.decode(errors="replace")
            with open(report) as f:
                findings = json.load(f)
        ids = {x["id"] for x in findings}
        # The scan really ran: protocols and ciphers were tested.
        self.assertTrue({"TLS1", "TLS1_2", "TLS1_3", "cipherlist_NULL"} <= ids, out[-2000:])
        by = {}
        for x in findings:
            by.setdefault(x["severity"], []).append(f'{x["id"]}: {x["finding"]}')
        counts = {k: len(v) for k, v in sorted(by.items())}
        print(f"\ntestssl.sh {counts}", flush=True)
        for sev in ("MEDIUM", "LOW", "WARN"):
            for f in by.get(sev, []):
                print(f"  {sev} {f}", flush=True)
        bad = by.get("HIGH", []) + by.get("CRITICAL", []) + by.get("FATAL", [])
        self.assertEqual(bad, [], out[-3000:])
        # 1-49 counts what testssl.sh could not decide (often its own OpenSSL
        # lacking SSLv2 or RC4); from 242 on, it failed.
        self.assertLess(p.returncode, 50, out[-3000:])


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

    def test_profile_refusals_name_the_field(self):
        with tempfile.TemporaryDirectory(prefix="redline-tls-") as d:
            cert, key = make_cert(d)
            missing = os.path.join(d, "missing.key")
            server = {"role": "server", "cert": cert, "key": key}
            cases = (
                ({"tls_profiles": {"in": dict(server, key=missing)}, "tls": {"profile": "in"}},
                 "redlined: tls_profiles.in.key: cannot be read"),
                ({"tls_profiles": {"in": dict(server, ciphers="NOTHING")},
                  "tls": {"profile": "in"}}, "redlined: tls_profiles.in.ciphers:"),
                ({"tls_profiles": {"out": {"role": "client"}}, "tls": {"profile": "out"}},
                 "redlined: tls.profile: 'out' is a client profile, not a server one"),
                ({"tls_profiles": {"in": server},
                  "tls": {"profile": "in", "cert": cert, "key": key}},
                 "redlined: tls.profile: excludes tls.cert and tls.key"),
            )
            for cfg, want in cases:
                gw = Gateway(["*=127.0.0.1:25"], config=cfg)
                with self.assertRaises(RuntimeError) as e:
                    gw.__enter__()
                self.assertIn(want, str(e.exception))
                gw.dir.cleanup()


if __name__ == "__main__":
    unittest.main()

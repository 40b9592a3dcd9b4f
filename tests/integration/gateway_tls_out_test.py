# SPDX-License-Identifier: Apache-2.0
"""Outbound STARTTLS (RFC 3207) per the route's TLS profile, with real next
hops: aiosmtpd servers presenting a good, a wrong-name, an expired and a
self-signed certificate, one without STARTTLS and one that only speaks TLS
1.3, each behind routes of every profile mode (none, opportunistic,
mandatory, pinned key); and a private Postfix with TLS. The certificates are
made here (python3-cryptography), under a CA of the test's own."""
import datetime
import hashlib
import json
import os
import shutil
import smtplib
import ssl
import subprocess
import tempfile
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gwlib import REDLINECTL, Gateway, PrivatePostfix, Sink

MSG = (b"From: a@x.test\r\nTo: b@example.com\r\nSubject: out\r\n\r\n"
       b"card 4111 1111 1111 1111\r\n")
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_cn, san, key, issuer_cn, issuer_key, start, end, ca=False):
    b = (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(_name(issuer_cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(d, name, cert, key=None):
    path = os.path.join(d, name)
    with open(path + ".pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        with open(path + ".key", "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return path + ".pem", path + ".key"


def make_pki(d):
    """A CA and the next hops' certificates: name -> (cert, key) paths; also
    the CA file and the SHA-256 pin of the good key."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Redline Test CA", None, ca_key, "Redline Test CA", ca_key, NOW - DAY, NOW + 30 * DAY,
               ca=True)
    ca_file, _ = _write(d, "ca", ca)
    out = {}
    good_key = ec.generate_private_key(ec.SECP256R1())
    out["good"] = _write(d, "good", _cert("mx.test", "mx.test", good_key, "Redline Test CA",
                                          ca_key, NOW - DAY, NOW + 30 * DAY), good_key)
    k = ec.generate_private_key(ec.SECP256R1())
    out["wrongname"] = _write(d, "wrongname", _cert("other.test", "other.test", k,
                                                    "Redline Test CA", ca_key, NOW - DAY,
                                                    NOW + 30 * DAY), k)
    k = ec.generate_private_key(ec.SECP256R1())
    out["expired"] = _write(d, "expired", _cert("mx.test", "mx.test", k, "Redline Test CA", ca_key,
                                                NOW - 30 * DAY, NOW - DAY), k)
    k = ec.generate_private_key(ec.SECP256R1())
    out["selfsigned"] = _write(d, "selfsigned", _cert("mx.test", "mx.test", k, "mx.test", k,
                                                      NOW - DAY, NOW + 30 * DAY), k)
    spki = good_key.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    pin = ":".join(f"{b:02x}" for b in hashlib.sha256(spki).digest())
    return ca_file, out, pin


def server_ctx(cert, key, tls13_only=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if tls13_only:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


CERTS = ("good", "wrongname", "expired", "selfsigned")
MODES = ("none", "opp", "mand", "pin")


class Profiles(unittest.TestCase):
    """One gateway, a route per (profile, next hop): `MODE.CERT.test`."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="redline-tlsout-")
        os.chmod(cls.tmp.name, 0o755)
        ca_file, certs, pin = make_pki(cls.tmp.name)
        cls.sinks = {c: Sink(tls_context=server_ctx(*certs[c])).__enter__() for c in CERTS}
        cls.sinks["plain"] = Sink().__enter__()
        cls.sinks["tls13"] = Sink(tls_context=server_ctx(*certs["good"], tls13_only=True)).__enter__()
        groups = {c: [f"localhost:{s.port}"] for c, s in cls.sinks.items()}
        verify = {"verify": "ca", "ca_file": ca_file, "names": ["mx.test"]}
        profiles = {
            "none": {"role": "client", "mode": "none"},
            "opp": {"role": "client", "mode": "opportunistic", **verify},
            "mand": {"role": "client", "mode": "mandatory", **verify},
            "pin": {"role": "client", "mode": "mandatory", "verify": "fingerprint",
                    "fingerprints": [pin]},
            "opp12": {"role": "client", "mode": "opportunistic", "max_version": "TLSv1.2"},
            "mand12": {"role": "client", "mode": "mandatory", "max_version": "TLSv1.2"},
        }
        routes = [{"domain": f"{m}.{c}.test", "group": c, "tls": m}
                  for m in MODES for c in list(CERTS) + ["plain"]]
        routes += [{"domain": "opp12.tls13.test", "group": "tls13", "tls": "opp12"},
                   {"domain": "mand12.tls13.test", "group": "tls13", "tls": "mand12"},
                   {"domain": "default.good.test", "group": "good"},
                   {"domain": "default.plain.test", "group": "plain"}]
        config = {"mta_groups": groups, "routes": routes, "tls_profiles": profiles}
        cls.gw = Gateway([], config=config).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        for s in cls.sinks.values():
            s.__exit__(None, None, None)
        cls.tmp.cleanup()

    def send(self, domain):
        """One message to b@DOMAIN: (RCPT reply code, text, tracking line)."""
        n = len(self.gw.track())
        with smtplib.SMTP("127.0.0.1", self.gw.port, timeout=30) as c:
            c.ehlo("c.test")
            c.mail("a@x.test")
            code, text = c.rcpt(f"b@{domain}")
            if code == 250:
                self.assertEqual(c.data(MSG)[0], 250)
                return code, text.decode(), self.gw.track(n + 1)[n]
            c.rset()
        return code, text.decode(), None

    def delivered(self, sink, domain):
        before = len(self.sinks[sink].messages)
        code, text, line = self.send(domain)
        self.assertEqual(code, 250, text)
        self.assertEqual(len(self.sinks[sink].wait(before + 1)), before + 1)
        self.assertIn(b"card **** **** **** 1111", self.sinks[sink].messages[-1][2])
        return self.sinks[sink].tls[-1], line["tls_out"]

    def refused(self, sink, domain, enh, reason):
        before = len(self.sinks[sink].messages)
        code, text, _ = self.send(domain)
        self.assertEqual(code, 451, text)
        self.assertTrue(text.startswith(enh), text)
        self.assertIn(reason, text)
        self.assertEqual(len(self.sinks[sink].messages), before)  # never sent in clear

    def test_none_is_always_clear(self):
        for c in list(CERTS) + ["plain"]:
            with self.subTest(cert=c):
                cipher, leg = self.delivered(c, f"none.{c}.test")
                self.assertIsNone(cipher)
                self.assertIsNone(leg)

    def test_opportunistic_encrypts_and_records_the_check(self):
        for c in CERTS:
            with self.subTest(cert=c):
                cipher, leg = self.delivered(c, f"opp.{c}.test")
                self.assertIsNotNone(cipher)
                self.assertEqual(leg["protocol"], "TLSv1.3")
                self.assertEqual(leg["cipher"], cipher[0])
                self.assertEqual(leg["verified"], c == "good")

    def test_opportunistic_without_starttls_goes_clear_and_says_why(self):
        cipher, leg = self.delivered("plain", "opp.plain.test")
        self.assertIsNone(cipher)
        self.assertIn("does not offer STARTTLS", leg["clear"])

    def test_opportunistic_handshake_failure_falls_back_to_clear(self):
        before = self.gw.counters()["total"]
        cipher, leg = self.delivered("tls13", "opp12.tls13.test")
        self.assertIsNone(cipher)
        self.assertIn("failed: ", leg["clear"])
        after = self.gw.counters()["total"]
        self.assertEqual(after["tls_out_clear_fallbacks"], before["tls_out_clear_fallbacks"] + 1)
        # The hop stays in clear for a while without trying again.
        cipher, leg = self.delivered("tls13", "opp12.tls13.test")
        self.assertIsNone(cipher)
        self.assertIn("failed: ", leg["clear"])

    def test_mandatory_good_certificate(self):
        for m in ("mand", "pin"):
            with self.subTest(mode=m):
                cipher, leg = self.delivered("good", f"{m}.good.test")
                self.assertIsNotNone(cipher)
                self.assertTrue(leg["verified"])

    def test_mandatory_bad_certificates_get_451_and_nothing_is_sent(self):
        before = self.gw.counters()["total"]
        for m in ("mand", "pin"):
            for c in ("wrongname", "expired", "selfsigned"):
                with self.subTest(mode=m, cert=c):
                    self.refused(c, f"{m}.{c}.test", "4.7.5", "certificate verify failed")
        after = self.gw.counters()["total"]
        self.assertEqual(after["tls_out_failures_by_reason"].get("cert_verify", 0),
                         before["tls_out_failures_by_reason"].get("cert_verify", 0) + 6)

    def test_mandatory_reasons_name_the_failure(self):
        code, text, _ = self.send("mand.wrongname.test")
        self.assertIn("hostname mismatch", text)
        code, text, _ = self.send("mand.expired.test")
        self.assertIn("expired", text)
        code, text, _ = self.send("pin.selfsigned.test")
        self.assertIn("pinned", text)

    def test_mandatory_without_starttls_gets_451_4_7_4(self):
        for m in ("mand", "pin"):
            with self.subTest(mode=m):
                self.refused("plain", f"{m}.plain.test", "4.7.4", "does not offer STARTTLS")

    def test_mandatory_handshake_failure_is_not_retried_in_clear(self):
        # The Python server drops the connection without an alert.
        self.refused("tls13", "mand12.tls13.test", "4.7.5", "failed: ")

    def test_default_profile_is_opportunistic(self):
        cipher, leg = self.delivered("good", "default.good.test")
        self.assertIsNotNone(cipher)
        self.assertFalse(leg["verified"])  # the default checks nothing
        cipher, leg = self.delivered("plain", "default.plain.test")
        self.assertIsNone(cipher)

    def test_connection_reused_inside_tls(self):
        before = self.gw.counters()["total"]
        for _ in range(3):
            cipher, leg = self.delivered("good", "mand.good.test")
            self.assertTrue(leg["verified"])
        after = self.gw.counters()["total"]
        self.assertLessEqual(after["tls_out_handshakes"] - before["tls_out_handshakes"], 1)
        self.assertGreaterEqual(after["relay_reused"] - before["relay_reused"], 2)

    def test_one_transaction_one_profile(self):
        # Same group, another profile: a new transaction (452 4.5.3), as for
        # another route.
        with smtplib.SMTP("127.0.0.1", self.gw.port, timeout=30) as c:
            c.ehlo("c.test")
            c.mail("a@x.test")
            self.assertEqual(c.rcpt("b@mand.good.test")[0], 250)
            code, text = c.rcpt("b@none.good.test")
            self.assertEqual(code, 452, text)
            c.rset()


class Release(unittest.TestCase):
    """A quarantined message released by redlinectl takes its route's TLS
    profile too: mandatory TLS never releases in clear."""

    def test_release_honours_the_profile(self):
        with tempfile.TemporaryDirectory(prefix="redline-reltls-") as d:
            os.chmod(d, 0o755)
            ca_file, certs, _ = make_pki(d)
            policy = os.path.join(d, "policy.json")
            with open(policy, "w") as f:
                json.dump({"version": "q-tls", "detectors": {"IBAN": {"action": "quarantine"}}},
                          f)
            os.chmod(policy, 0o644)
            body = b"Subject: q\r\n\r\nIBAN GB82 WEST 1234 5698 7654 32\r\n"
            good = Sink(tls_context=server_ctx(*certs["good"])).__enter__()
            mand = {"role": "client", "mode": "mandatory", "verify": "ca", "ca_file": ca_file,
                    "names": ["mx.test"]}
            config = {"mta_groups": {"mx": [f"localhost:{good.port}"]},
                      "routes": [{"domain": "*", "group": "mx", "tls": "mand"}],
                      "tls_profiles": {"mand": mand}}
            with Gateway([], config=config, extra=["--policy", policy]) as gw:
                with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as c:
                    self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], body), {})
                qid = gw.track(1)[0]["id"]
                good.__exit__(None, None, None)

                def release():
                    return subprocess.run([REDLINECTL, "--socket", gw.control_path,
                                           "quarantine", "release", qid],
                                          capture_output=True, text=True, timeout=120)

                # The same host, now without STARTTLS: kept, never sent in clear.
                with Sink(port=good.port) as plain:
                    p = release()
                    self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                    self.assertIn("does not offer STARTTLS", p.stderr)
                    self.assertEqual(plain.messages, [])
                with Sink(port=good.port, tls_context=server_ctx(*certs["good"])) as tls:
                    p = release()
                    self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                    self.assertEqual(len(tls.wait(1)), 1)
                    self.assertIsNotNone(tls.tls[0])
                    self.assertIn(b"GB82 WEST", tls.messages[0][2])  # as stored


@unittest.skipUnless(shutil.which("postfix") and os.geteuid() == 0,
                     "a private Postfix instance needs Postfix and root (CI runs as root)")
class PostfixWithTLS(unittest.TestCase):
    def test_mandatory_tls_to_postfix(self):
        with tempfile.TemporaryDirectory(prefix="redline-pftls-") as d:
            os.chmod(d, 0o755)
            ca_file, certs, _ = make_pki(d)
            cert, key = certs["good"]
            os.chmod(key, 0o644)
            tls = (f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\n"
                   "smtpd_tls_security_level = may\nsmtpd_tls_received_header = yes\n"
                   "smtpd_tls_loglevel = 1\n")
            with Sink() as sink:
                pf = PrivatePostfix(sink.port, main_extra=tls)
                try:
                    config = {
                        "mta_groups": {"pf": [f"localhost:{pf.port}"]},
                        "routes": [{"domain": "*", "group": "pf", "tls": "partner"}],
                        "tls_profiles": {"partner": {"role": "client", "mode": "mandatory",
                                                     "verify": "ca", "ca_file": ca_file,
                                                     "names": ["mx.test"]}},
                    }
                    with Gateway([], config=config) as gw:
                        with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as c:
                            self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], MSG), {})
                        line, = gw.track(1)
                        self.assertTrue(line["tls_out"]["verified"], line)
                        (_, _, data), = sink.wait(1, timeout=60)
                    # Postfix records the TLS of the session it received.
                    self.assertIn(b"(using TLSv1.3 with cipher", data)
                    self.assertIn(b"card **** **** **** 1111", data)
                finally:
                    pf.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

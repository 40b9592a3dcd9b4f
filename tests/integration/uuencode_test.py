#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Files uuencoded into a text body ("begin 644 name" ... "end"), as old
mailers, cron jobs and some gateways still send them, through redline-scan:
written by Python's binascii and read back by it (an independent codec). A
card in a uuencoded text file or in a text file inside a uuencoded zip is
masked and the file encoded again in its place, in plain, quoted-printable
and base64 parts; clean and binary files and prose that only looks like a
begin line leave the message byte-identical.

Usage: uuencode_test.py REDLINE_SCAN
"""
import binascii
import email
import email.message
import email.policy
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest
import zipfile

SCAN = None
CARD = "4111 1111 1111 1111"
MASKED = "**** **** **** 1111"


def scan(raw):
    """(report, output bytes) of redline-scan on message `raw`."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.eml")
        p = subprocess.run([SCAN, "--report", "-", "-o", out, "-"], input=raw,
                           capture_output=True, check=False)
        if p.returncode != 0:
            raise AssertionError("redline-scan failed: %r" % p.stderr)
        with open(out, "rb") as f:
            return json.loads(p.stdout), f.read()


def uuencode(name, data, eol="\n"):
    lines = [binascii.b2a_uu(data[i:i + 45], backtick=True).decode().rstrip("\n")
             for i in range(0, len(data), 45)]
    return eol.join(["begin 644 " + name] + lines + ["`", "end"]) + eol


def uudecode(text):
    """name -> bytes of every uuencoded file in text."""
    files = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("begin "):
            name = lines[i].split(" ", 2)[2]
            data = b""
            i += 1
            while lines[i] not in ("`", " ", "", "end"):
                data += binascii.a2b_uu(lines[i])
                i += 1
            files[name] = data
        i += 1
    return files


def build(body, cte=None):
    m = email.message.EmailMessage()
    m["From"] = "a@example.com"
    m["To"] = "b@example.com"
    m["Subject"] = "report"
    kw = {"cte": cte} if cte else {}
    m.set_content(body, **kw)
    return m.as_bytes(policy=email.policy.SMTP)


def body_of(out):
    m = email.message_from_bytes(out, policy=email.policy.default)
    return m.get_body().get_content().replace("\r\n", "\n")


class Uuencode(unittest.TestCase):
    def test_text_file(self):
        text = "Customer: Jo Smith\nCard: %s\nThanks.\n" % CARD
        for cte in (None, "quoted-printable", "base64"):
            body = "Report attached.\n\n" + uuencode("card.txt", text.encode()) + "\nRegards\n"
            rep, out = scan(build(body, cte))
            self.assertEqual(rep["verdict"], "deliver", (cte, rep))
            self.assertTrue(rep["modified"], cte)
            locs = [f.get("location") for f in rep["findings"]]
            self.assertEqual(locs, ["uuencoded/card.txt"], (cte, rep["findings"]))
            got = body_of(out)
            self.assertTrue(got.startswith("Report attached.\n\nbegin 644 card.txt\n"), got)
            self.assertTrue(got.endswith("`\nend\n\nRegards\n"), got)
            self.assertEqual(uudecode(got)["card.txt"].decode(), text.replace(CARD, MASKED))
            self.assertNotIn(CARD.encode(), out)

    def test_crlf_and_two_files(self):
        clean = bytes(random.Random(7).randrange(256) for _ in range(300))
        text = ("IBAN GB82 WEST 1234 5698 7654 32, card %s\r\n" % CARD).encode()
        raw = ("From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\nfiles:\r\n" +
               uuencode("noise.bin", clean, "\r\n") + uuencode("pay.txt", text, "\r\n")).encode()
        rep, out = scan(raw)
        self.assertTrue(rep["modified"])
        self.assertEqual(sorted(f["type"] for f in rep["findings"]), ["CREDIT_CARD", "IBAN"])
        body = out.split(b"\r\n\r\n", 1)[1].decode()
        self.assertNotIn("\n", body.replace("\r\n", ""))  # line ends kept
        files = uudecode(body)
        self.assertEqual(files["noise.bin"], clean)
        self.assertNotIn(CARD, files["pay.txt"].decode())
        self.assertIn("1111", files["pay.txt"].decode())

    def test_zip_file(self):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("cards.csv", "name,card\nJo,%s\n" % CARD)
        rep, out = scan(build("see below\n\n" + uuencode("cards.zip", b.getvalue())))
        self.assertTrue(rep["modified"], rep)
        data = uudecode(body_of(out))["cards.zip"]
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.assertEqual(z.read("cards.csv").decode(), "name,card\nJo,%s\n" % MASKED)

    def test_unchanged(self):
        png = b"\x89PNG\r\n\x1a\n" + bytes(random.Random(3).randrange(256) for _ in range(500))
        for body in ("logo:\n" + uuencode("logo.png", png),
                     "notes:\n" + uuencode("notes.txt", b"meeting at 10:30, room 4\n"),
                     # prose: the lines after it are no data lines
                     "begin 644 tomorrow\nWe start with %s\nend\n" % CARD):
            raw = build(body)
            rep, out = scan(raw)
            if CARD in body and "tomorrow" in body:
                self.assertTrue(rep["modified"])  # the card in the text itself
                self.assertEqual([f.get("location", "") for f in rep["findings"]], [""])
                continue
            self.assertFalse(rep["modified"], rep)
            self.assertEqual(out, raw)


if __name__ == "__main__":
    SCAN = sys.argv.pop(1)
    unittest.main()

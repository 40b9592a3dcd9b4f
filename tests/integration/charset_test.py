#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Text in charsets other than UTF-8, ASCII, Latin-1 and Windows-1252 through
redline-scan, written by Python's email package and read back by it in the
same charset: a card or IBAN in full-width digits (ISO-2022-JP, Shift_JIS,
EUC-JP, GB2312, GBK, GB18030, Big5, EUC-KR), with soft hyphens or no-break
spaces (ISO-8859-2, KOI8-R, Windows-1250/1251), in plain, quoted-printable
and base64 parts, HTML parts and RFC 2047 subjects, is masked and the rest of
the text kept; text with octets that are not valid in its charset and
charsets iconv does not know are not passed silently.

Usage: charset_test.py REDLINE_SCAN
"""
import base64
import email
import email.header
import email.message
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCAN = None
FW = str.maketrans("0123456789-", "０１２３４５６７８９－")
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"


def fullwidth(s):
    return s.translate(FW).replace(" ", "\u3000")


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


def build(charset, body, cte=None, subtype="plain"):
    m = email.message.EmailMessage()
    m["From"] = "a@example.com"
    m["To"] = "b@example.com"
    m["Subject"] = "statement"
    kw = {"charset": charset, "subtype": subtype}
    if cte:
        kw["cte"] = cte
    m.set_content(body, **kw)
    return m.as_bytes()


def body_of(out):
    m = email.message_from_bytes(out, policy=email.policy.default)
    part = m.get_body()
    return part.get_content_charset(), part.get_content()


class Charsets(unittest.TestCase):
    CJK = [("iso-2022-jp", "カード番号 %s です。よろしくお願いします。", None),
           ("shift_jis", "カード番号 %s です。", "base64"),
           ("euc-jp", "カード番号 %s です。", "quoted-printable"),
           ("gb2312", "我的卡号是 %s 谢谢。", "base64"),
           ("gbk", "我的卡號是 %s 謝謝。", None),
           ("gb18030", "我的卡号是 %s 谢谢 €。", None),
           ("big5", "我的卡號是 %s 謝謝。", "base64"),
           ("euc-kr", "카드 번호는 %s 입니다. 감사합니다.", None)]

    def round_trip(self, charset, template, value, cte=None, subtype="plain", kind="CREDIT_CARD"):
        raw = build(charset, template % value, cte, subtype)
        rep, out = scan(raw)
        self.assertEqual(rep["verdict"], "deliver", (charset, rep))
        self.assertTrue(rep["modified"], (charset, rep))
        self.assertIn(kind, [f["type"] for f in rep["findings"]], charset)
        cs, text = body_of(out)
        self.assertEqual(cs, charset)
        self.assertNotIn(value, text)
        self.assertNotIn(value.translate(str.maketrans("", "", " \u3000\u00ad\u00a0")),
                         text.translate(str.maketrans("", "", " \u3000\u00ad\u00a0")))
        head, _, tail = template.partition("%s")
        self.assertTrue(text.startswith(head), (charset, text))
        self.assertTrue(text.rstrip("\n").endswith(tail.rstrip("\n")), (charset, text))
        self.assertIn("*", text)
        return text

    def test_fullwidth_card_in_cjk_charsets(self):
        for cs, tpl, cte in self.CJK:
            with self.subTest(charset=cs):
                self.round_trip(cs, tpl, fullwidth(CARD), cte)

    def test_ascii_card_in_cjk_charsets(self):
        for cs, tpl, cte in self.CJK:
            with self.subTest(charset=cs):
                text = self.round_trip(cs, tpl, CARD, cte)
                self.assertIn("1111", text)  # the last four digits are kept

    def test_fullwidth_iban(self):
        for cs, tpl, cte in self.CJK[:4]:
            with self.subTest(charset=cs):
                self.round_trip(cs, tpl, fullwidth(IBAN), cte, kind="IBAN")

    def test_single_byte_charsets(self):
        cases = [("iso-8859-2", "Numer karty: %s, dziękuję.", "4111\u00ad1111\u00ad1111\u00ad1111"),
                 ("iso-8859-2", "Číslo karty %s děkuji.", "4111\u00a01111\u00a01111\u00a01111"),
                 ("koi8-r", "Номер карты %s спасибо.", "4111\u00a01111\u00a01111\u00a01111"),
                 ("windows-1251", "Номер карты %s спасибо.", "4111\u00ad1111\u00ad1111\u00ad1111"),
                 ("windows-1250", "Číslo karty %s děkuji.", "4111\u00a01111\u00a01111\u00a01111"),
                 ("iso-8859-7", "Αριθμός κάρτας %s ευχαριστώ.", "4111\u00ad1111\u00ad1111\u00ad1111"),
                 ("iso-8859-15", "Carte n° %s merci €.", "4111\u00a01111\u00a01111\u00a01111")]
        for cs, tpl, value in cases:
            for cte in (None, "quoted-printable", "base64"):
                with self.subTest(charset=cs, cte=cte):
                    self.round_trip(cs, tpl, value, cte)

    def test_html_parts(self):
        for cs in ("iso-2022-jp", "shift_jis", "big5", "iso-8859-2"):
            with self.subTest(charset=cs):
                tpl = "<html><body><p>カード %s</p></body></html>\n" if cs in (
                    "iso-2022-jp", "shift_jis") else "<html><body><p>%s</p></body></html>\n"
                self.round_trip(cs, tpl, fullwidth(CARD) if cs != "iso-8859-2" else
                                "4111\u00ad1111\u00ad1111\u00ad1111", "base64", "html")

    def test_encoded_word_subjects(self):
        for cs, text in (("iso-2022-jp", "カード " + fullwidth(CARD)),
                         ("gb2312", "卡号 " + fullwidth(CARD)),
                         ("iso-8859-2", "Karta 4111\u00ad1111\u00ad1111\u00ad1111 ąę"),
                         ("koi8-r", "Карта " + CARD)):
            with self.subTest(charset=cs):
                word = email.header.Header(text, cs).encode(maxlinelen=2000)
                raw = ("From: a@example.com\r\nTo: b@example.com\r\nSubject: %s\r\n"
                       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                       "hi\r\n" % word).encode()
                rep, out = scan(raw)
                self.assertEqual(rep["verdict"], "deliver")
                self.assertIn("CREDIT_CARD", [f["type"] for f in rep["findings"]])
                subj = str(email.message_from_bytes(out, policy=email.policy.default)["Subject"])
                self.assertNotIn("1111 1111", subj.translate(FW).replace("\u3000", " "))
                self.assertIn("*", subj)
                self.assertEqual(subj.split(" ")[0], text.split(" ")[0])

    def test_encoded_word_display_name(self):
        # An address field is read word by word; a redacted word is written
        # again in UTF-8, the address kept.
        word = email.header.Header("カード " + fullwidth(CARD), "iso-2022-jp").encode(maxlinelen=2000)
        raw = ("From: %s <a@example.com>\r\nTo: b@example.com\r\nSubject: hi\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n"
               % word).encode()
        rep, out = scan(raw)
        self.assertIn("CREDIT_CARD", [f["type"] for f in rep["findings"]])
        frm = email.message_from_bytes(out, policy=email.policy.default)["From"]
        self.assertEqual(frm.addresses[0].addr_spec, "a@example.com")
        self.assertTrue(frm.addresses[0].display_name.startswith("カード *"), str(frm))
        self.assertNotIn(fullwidth("1111 1111"), str(frm))

    def test_encoded_word_not_valid_in_its_charset(self):
        # A full-width card in a Shift_JIS word with a stray octet: read
        # around the octet, and since the word cannot be written again
        # faithfully, a modification failure (default: tempfail).
        text = "カード ".encode("cp932") + b"\xff" + fullwidth(CARD).encode("cp932")
        word = "=?shift_jis?B?%s?=" % base64.b64encode(text).decode()
        raw = ("From: a@example.com\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n" % word).encode()
        rep, _ = scan(raw)
        self.assertEqual(rep["verdict"], "tempfail", rep)
        self.assertTrue(any("not valid in its charset" in d["reason"] for d in rep["defects"]))

    def test_clean_text_is_untouched(self):
        for cs, tpl, cte in self.CJK:
            with self.subTest(charset=cs):
                raw = build(cs, tpl % "（未定）", cte)
                rep, out = scan(raw)
                self.assertEqual(rep["verdict"], "deliver")
                self.assertFalse(rep["modified"])
                self.assertEqual(rep["defects"], [])
                self.assertEqual(out, raw)

    def test_invalid_octets_are_kept_and_reported(self):
        body = "カード ".encode("cp932") + b"\xff " + fullwidth(CARD).encode("cp932") + b" OK\r\n"
        raw = (b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=shift_jis\r\n\r\n" + body)
        rep, out = scan(raw)
        self.assertTrue(rep["modified"])
        self.assertIn("CREDIT_CARD", [f["type"] for f in rep["findings"]])
        self.assertTrue(any("not valid in charset" in d["reason"] for d in rep["defects"]))
        new = out.split(b"\r\n\r\n", 1)[1]
        self.assertTrue(new.startswith("カード ".encode("cp932") + b"\xff "), new)
        self.assertNotIn(fullwidth("1111 1111").encode("cp932"), new)

    def test_unknown_charset_is_a_defect_and_still_scanned(self):
        raw = (b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
               b"card 4111\xad1111\xad1111\xad1111 thanks\r\n")
        rep, out = scan(raw)
        self.assertIn("CREDIT_CARD", [f["type"] for f in rep["findings"]])
        self.assertTrue(any("unknown" in d["reason"] for d in rep["defects"]))
        self.assertIn(b"X-Redline-Tag: defects", out)
        self.assertNotIn(b"1111\xad1111", out)

    def test_octets_that_hold_a_finding_cannot_pass(self):
        # An ideographic space and eight kanji (官臼臼...) whose ISO-2022-JP
        # octets are the digits of a card: a reader that ignores the charset
        # shows "!!4111111111111111".
        octets = b"\x1b$B!!4111111111111111\x1b(B"
        raw = (b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\nabc " + octets + b"\r\n")
        rep, _ = scan(raw)
        self.assertNotEqual(rep["verdict"], "deliver", rep)
        self.assertTrue(any("octets" in d["reason"] for d in rep["defects"]), rep)


if __name__ == "__main__":
    SCAN = sys.argv.pop(1)
    unittest.main()

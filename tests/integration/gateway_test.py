# SPDX-License-Identifier: Apache-2.0
"""redlined end to end with real peers: Python's smtplib and raw sockets as
clients, aiosmtpd as the next hop. Every reply is checked exactly; no 250 may
reach the client for a message the next hop did not accept."""
import os
import smtplib
import socket
import time
import unittest

from gwlib import Gateway, Raw, Sink, free_port, scan_offline, strip_trace

CARD = "4111 1111 1111 1111"
MSG = ("From: a@x.test\r\nTo: b@example.com\r\nSubject: card\r\n"
       "Message-ID: <m1@x.test>\r\n\r\n"
       f"Please charge {CARD} today.\r\n").encode()


def sendmail(port, msg=MSG, frm="a@x.test", to=("b@example.com",), **kw):
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
        return c.sendmail(frm, list(to), msg, **kw)


class Relay(unittest.TestCase):
    def test_redacted_exactly_as_offline_and_logged(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            self.assertEqual(sendmail(gw.port), {})
            (frm, rcpts, data), = sink.wait(1)
            self.assertEqual((frm, rcpts), ("a@x.test", ["b@example.com"]))
            self.assertNotIn(CARD.encode(), data)
            self.assertEqual(strip_trace(data), scan_offline(MSG))
            self.assertIn(b"by gw.test (Redline) with ESMTP id ", data)
            line, = gw.track(1)
            self.assertEqual(line["action"], "relayed")
            self.assertEqual(line["findings"], {"CREDIT_CARD": 1})
            self.assertEqual(line["rcpts"], ["b@example.com"])
            self.assertEqual(line["next_hop"], f"127.0.0.1:{sink.port}")
            self.assertTrue(line["reply"].startswith("250 2.0.0"))
            self.assertTrue(line["redacted"])
            c = gw.counters()["total"]
            self.assertEqual(c["messages_relayed"], 1)
            self.assertEqual(c["findings"], {"CREDIT_CARD": 1})
            self.assertEqual(gw.stop(), 0)

    def test_html_sanitised_and_every_step_logged(self):
        html = ("From: a@x.test\r\nTo: b@example.com\r\nSubject: html\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                "<p>card " + CARD + "</p><script>steal()</script><script>x()</script>"
                "<img src=a.png onerror=steal()>\r\n").encode()
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            self.assertEqual(sendmail(gw.port, html), {})
            (_, _, data), = sink.wait(1)
            self.assertNotIn(b"<script", data)
            self.assertNotIn(b"onerror", data)
            self.assertEqual(strip_trace(data), scan_offline(html))
            line, = gw.track(1)
            self.assertEqual(line["findings"], {"CREDIT_CARD": 1})
            self.assertEqual(line["actions"], {"html.script_removed": 2,
                                               "html.handler_removed": 1})
            self.assertEqual(gw.stop(), 0)

    def test_document_sanitised_and_logged(self):
        # A docm with a VBA project and a card number: relayed as a docx with
        # the number masked; the tracking line counts the document actions.
        import base64, io, zipfile
        b = io.BytesIO()
        ct = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Default Extension="xml" ContentType="application/xml"/>'
              '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.'
              'document.macroEnabled.main+xml"/></Types>')
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{rel}officeDocument" '
                'Target="word/document.xml"/></Relationships>')
        drels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 f'relationships"><Relationship Id="rId1" Type="{rel}vbaProject" '
                 'Target="vbaProject.bin"/></Relationships>')
        doc = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
               f'main"><w:body><w:p><w:r><w:t>card {CARD}</w:t></w:r></w:p></w:body>'
               '</w:document>')
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in (("[Content_Types].xml", ct), ("_rels/.rels", rels),
                               ("word/document.xml", doc),
                               ("word/_rels/document.xml.rels", drels),
                               ("word/vbaProject.bin", "VBA")):
                z.writestr(name, data)
        msg = ("From: a@x.test\r\nTo: b@example.com\r\nSubject: doc\r\nMIME-Version: 1.0\r\n"
               "Content-Type: application/vnd.ms-word.document.macroEnabled.12; name=\"p.docm\"\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n"
               + base64.encodebytes(b.getvalue()).decode().replace("\n", "\r\n")).encode()
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            self.assertEqual(sendmail(gw.port, msg), {})
            (_, _, data), = sink.wait(1)
            self.assertIn(b'name="p.docx"', data)
            body = data.split(b"\r\n\r\n", 1)[1]
            z = zipfile.ZipFile(io.BytesIO(base64.b64decode(body)))
            self.assertNotIn("word/vbaProject.bin", z.namelist())
            self.assertIn(b"card **** **** **** 1111", z.read("word/document.xml"))
            line, = gw.track(1)
            self.assertEqual(line["findings"], {"CREDIT_CARD": 1})
            self.assertEqual(line["documents"], {"macros_removed": 1, "renamed": 1})
            self.assertEqual(line["action"], "relayed")

    def test_tnef_winmail_dat(self):
        # Outlook's winmail.dat (tests/data/tnef): a card in the compressed RTF
        # body, or in a file attached inside it, holds the message (TNEF is
        # not rewritten: unredactable, quarantined by default), whether it is
        # declared application/ms-tnef or found by its signature; a clean one
        # and Apache POI's sample are relayed byte for byte.
        import base64
        import email
        import email.policy
        src = os.environ.get("RL_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
        data = os.path.join(src, "tests", "data", "tnef")
        poi = os.path.join(os.environ.get("RL_CORPUS", os.path.join(src, "..", "shared", "corpus")),
                           "office-poi", "hmef", "quick-winmail.dat")

        def outlook(raw, declared):
            b64 = base64.encodebytes(raw).decode().replace("\n", "\r\n")
            return ("From: a@x.test\r\nTo: b@example.com\r\nSubject: tnef\r\n"
                    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                    "--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                    f"--B\r\nContent-Type: {declared}; name=\"winmail.dat\"\r\n"
                    "Content-Disposition: attachment; filename=\"winmail.dat\"\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "--B--\r\n").encode()

        def read(path):
            with open(path, "rb") as f:
                return f.read()

        held = [("card-rtf.tnef", "application/ms-tnef"),
                ("card-attach.tnef", "application/octet-stream")]
        clean = [read(os.path.join(data, "clean.tnef")), read(poi)]
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            for name, declared in held:
                raw = read(os.path.join(data, name))
                self.assertEqual(sendmail(gw.port, outlook(raw, declared)), {})
            for raw in clean:
                self.assertEqual(sendmail(gw.port, outlook(raw, "application/vnd.ms-tnef")), {})
            lines = gw.track(4)
            self.assertEqual([l["action"] for l in lines],
                             ["quarantined", "quarantined", "relayed", "relayed"])
            for l in lines[:2]:
                self.assertEqual(l["documents"], {"unredactable": 1})
                self.assertEqual(l["findings"]["CREDIT_CARD"], 1)
            self.assertEqual(len(os.listdir(os.path.join(gw.quarantine, "new"))), 2)
            got = sink.wait(2)
            self.assertEqual(len(got), 2)
            for (_, _, msg), raw in zip(got, clean):
                m = email.message_from_bytes(msg, policy=email.policy.default)
                att = [p for p in m.walk() if p.get_filename() == "winmail.dat"]
                self.assertEqual(att[0].get_payload(decode=True), raw)

    def test_many_recipients_one_transaction_connection_reused(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            rcpts = [f"u{i}@example.com" for i in range(5)]
            with smtplib.SMTP("127.0.0.1", gw.port) as c:
                for i in range(3):
                    self.assertEqual(c.sendmail("a@x.test", rcpts, MSG), {})
            msgs = sink.wait(3)
            self.assertEqual(len(msgs), 3)
            self.assertTrue(all(m[1] == rcpts for m in msgs))
            c = gw.counters()["total"]
            self.assertEqual(c["relay_connects"], 1)
            self.assertEqual(c["relay_reused"], 2)

    def test_recipient_refused_by_next_hop_keeps_its_code(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            sink.rcpt_replies["nobody@example.com"] = "550 5.1.1 no such user"
            r = Raw(gw.port)
            self.assertTrue(r.cmd("EHLO c.test").startswith("250-gw.test"))
            self.assertEqual(r.cmd("MAIL FROM:<a@x.test>"), "250 2.1.0 Sender OK")
            self.assertEqual(r.cmd("RCPT TO:<nobody@example.com>"),
                             "550 5.1.1 Next hop: no such user")
            self.assertEqual(r.cmd("RCPT TO:<b@example.com>"), "250 2.1.5 Recipient OK")
            self.assertEqual(r.cmd("DATA")[:3], "354")
            r.send(MSG + b".\r\n")
            self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
            self.assertEqual(r.cmd("QUIT")[:3], "221")
            (_, rcpts, _), = sink.wait(1)
            self.assertEqual(rcpts, ["b@example.com"])

    def test_next_hop_refuses_message(self):
        for code, want in (("451 4.3.0 try later", "451 4.3.0 Next hop: try later"),
                           ("554 5.6.0 content refused", "554 5.6.0 Next hop: content refused")):
            with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
                sink.data_reply = code
                with self.assertRaises(smtplib.SMTPDataError) as e:
                    sendmail(gw.port)
                self.assertEqual(f"{e.exception.smtp_code} {e.exception.smtp_error.decode()}",
                                 want)
                self.assertEqual(sink.messages, [])
                line, = gw.track(1)
                self.assertEqual(line["action"], "refused")

    def test_next_hop_down_gives_451_441(self):
        dead = free_port()
        with Gateway([f"*=127.0.0.1:{dead}"]) as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<b@example.com>"), "451 4.4.1 No reachable next hop")
            self.assertEqual(r.cmd("DATA"), "554 5.5.1 No valid recipients")
            self.assertEqual(gw.counters()["total"]["relay_unreachable"], 1)

    def test_failover_to_second_host(self):
        dead = free_port()
        with Sink() as sink, Gateway([f"*=127.0.0.1:{dead},127.0.0.1:{sink.port}"]) as gw:
            self.assertEqual(sendmail(gw.port), {})
            self.assertEqual(len(sink.wait(1)), 1)
            line, = gw.track(1)
            self.assertEqual(line["next_hop"], f"127.0.0.1:{sink.port}")
            self.assertGreaterEqual(gw.counters()["total"]["relay_failovers"], 1)

    def test_next_hop_dies_mid_transaction_no_250(self):
        # A next hop that accepts the envelope, then closes at DATA.
        port = free_port()
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(1)
        import threading

        def serve():
            c, _ = srv.accept()
            f = c.makefile("rb")
            c.sendall(b"220 hop ESMTP\r\n")
            for line in f:
                cmd = line[:4].upper()
                if cmd == b"EHLO":
                    c.sendall(b"250-hop\r\n250 8BITMIME\r\n")
                elif cmd in (b"MAIL", b"RCPT"):
                    c.sendall(b"250 ok\r\n")
                elif cmd == b"DATA":
                    c.sendall(b"354 go\r\n")
                    for body in f:
                        if body == b".\r\n":
                            break
                    c.close()
                    return

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        with Gateway([f"*=127.0.0.1:{port}"]) as gw:
            with self.assertRaises(smtplib.SMTPDataError) as e:
                sendmail(gw.port)
            self.assertEqual(e.exception.smtp_code, 451)
            self.assertEqual(gw.counters()["total"]["messages_relayed"], 0)
        srv.close()


class RelayControl(unittest.TestCase):
    def test_open_relay_refused(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}",
                                      f"example.com=127.0.0.1:{sink.port}"],
                                     relay_net="10.0.0.0/8") as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<b@elsewhere.org>"), "554 5.7.1 Relay access denied")
            self.assertEqual(r.cmd("RCPT TO:<b@example.com>"), "250 2.1.5 Recipient OK")

    def test_one_route_per_transaction(self):
        with Sink() as s1, Sink() as s2, Gateway([f"*=127.0.0.1:{s1.port}",
                                                  f"example.org=127.0.0.1:{s2.port}"]) as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<b@example.com>"), "250 2.1.5 Recipient OK")
            self.assertEqual(r.cmd("RCPT TO:<c@example.org>"), "452 4.5.3 Too many recipients")
            self.assertEqual(r.cmd("DATA")[:3], "354")
            r.send(MSG + b".\r\n")
            self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
            # The refused recipient goes in a new transaction, to its own route.
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<c@example.org>"), "250 2.1.5 Recipient OK")
            r.cmd("DATA")
            r.send(MSG + b".\r\n")
            self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
            self.assertEqual(s1.wait(1)[0][1], ["b@example.com"])
            self.assertEqual(s2.wait(1)[0][1], ["c@example.org"])

    def test_no_route_for_relay_client(self):
        with Sink() as sink, Gateway([f"example.com=127.0.0.1:{sink.port}"]) as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<b@other.test>"),
                             "550 5.4.4 No route to the recipient's domain")


class Protocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().__enter__()
        cls.gw = Gateway([f"*=127.0.0.1:{cls.sink.port}"],
                         extra=["--max-message-size", "100000"]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        cls.sink.__exit__(None, None, None)

    def session(self):
        r = Raw(self.gw.port)
        self.assertTrue(r.greeting.startswith("220 gw.test"))
        return r

    def test_ehlo_advertises(self):
        r = self.session()
        ehlo = r.cmd("EHLO c.test").split("\r\n")
        self.assertEqual(ehlo, ["250-gw.test", "250-PIPELINING", "250-SIZE 100000",
                                "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-SMTPUTF8",
                                "250 CHUNKING"])
        self.assertEqual(r.cmd("VRFY b"), "252 2.5.0 Cannot VRFY user, but will accept message "
                                          "and attempt delivery")
        self.assertEqual(r.cmd("EXPN list"), "502 5.5.1 EXPN command disabled")

    def test_pipelined_transaction(self):
        n = len(self.sink.messages)
        r = self.session()
        r.send(b"EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<p1@example.com>\r\n"
               b"RCPT TO:<p2@example.com>\r\nDATA\r\n")
        self.assertEqual(r.reply()[:3], "250")
        self.assertEqual(r.reply(), "250 2.1.0 Sender OK")
        self.assertEqual(r.reply(), "250 2.1.5 Recipient OK")
        self.assertEqual(r.reply(), "250 2.1.5 Recipient OK")
        self.assertEqual(r.reply()[:3], "354")
        r.send(MSG + b".\r\nQUIT\r\n")
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
        self.assertEqual(r.reply()[:9], "221 2.0.0")
        self.assertEqual(self.sink.wait(n + 1)[n][1], ["p1@example.com", "p2@example.com"])

    def test_bdat(self):
        n = len(self.sink.messages)
        r = self.session()
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<bdat@example.com>")
        half = len(MSG) // 2
        r.send(b"BDAT %d\r\n" % half + MSG[:half])
        self.assertEqual(r.reply(), "250 2.0.0 Chunk accepted")
        r.send(b"BDAT %d LAST\r\n" % (len(MSG) - half) + MSG[half:])
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
        data = self.sink.wait(n + 1)[n][2]
        self.assertEqual(strip_trace(data), scan_offline(MSG))

    def test_8bitmime_and_smtputf8(self):
        n = len(self.sink.messages)
        body = ("From: ü@x.test\r\nSubject: café\r\n\r\nCarte 4111-1111-1111-1111 payée\r\n"
                ).encode()
        with smtplib.SMTP("127.0.0.1", self.gw.port) as c:
            c.ehlo("c.test")
            self.assertEqual(c.sendmail("ü@x.test", ["jörg@example.com"], body,
                                        mail_options=["SMTPUTF8", "BODY=8BITMIME"]), {})
        frm, rcpts, data = self.sink.wait(n + 1)[n]
        self.assertEqual((frm, rcpts), ("ü@x.test", ["jörg@example.com"]))
        self.assertIn("payée".encode(), data)
        self.assertNotIn(b"4111-1111-1111-1111", data)

    def test_bare_lf_in_data_normalized(self):
        # smtp.bare_newline normalize (the default): a bare LF is read as CRLF
        # and relayed as CRLF; the dot line after it is text (dot removed).
        n = len(self.sink.messages)
        r = self.session()
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<b@example.com>")
        r.cmd("DATA")
        r.send(b"Subject: x\r\n\r\nline\n.\nmore\r\n.\r\n")
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
        data = self.sink.wait(n + 1)[n][2]
        self.assertTrue(strip_trace(data).endswith(b"Subject: x\r\n\r\nline\r\n\r\nmore\r\n"))
        self.assertNotIn(b"\n", data.replace(b"\r\n", b""))

    def test_smuggling_lf_dot_crlf_does_not_end_data(self):
        n = len(self.sink.messages)
        r = self.session()
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<b@example.com>")
        r.cmd("DATA")
        r.send(b"Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@x.test>\r\n"
               b"RCPT TO:<v@example.com>\r\nDATA\r\nevil\r\n.\r\nNOOP\r\n")
        # One message whose text holds the would-be commands; no second one.
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
        self.assertEqual(r.reply(), "250 2.0.0 OK")
        frm, rcpts, data = self.sink.wait(n + 1)[n]
        self.assertEqual((frm, rcpts), ("a@x.test", ["b@example.com"]))
        # (the scanner masks the addresses in the text)
        self.assertIn(b"hello\r\n\r\nMAIL FROM:<", data)
        self.assertTrue(data.endswith(b">\r\nDATA\r\nevil\r\n"))
        time.sleep(0.2)
        self.assertEqual(len(self.sink.messages), n + 1)

    def test_size_limits(self):
        r = self.session()
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("MAIL FROM:<a@x.test> SIZE=100001"),
                         "552 5.3.4 Message size exceeds fixed maximum message size")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<b@example.com>")
        r.cmd("DATA")
        r.send(b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 101 + b".\r\n")
        self.assertEqual(r.reply(), "552 5.3.4 Message size exceeds fixed maximum message size")

    def test_overlong_lines(self):
        r = self.session()
        self.assertEqual(r.cmd("NOOP " + "x" * 600),
                         "500 5.5.2 Line too long (RFC 5321 4.5.3.1.4: 512 octets)")
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<b@example.com>")
        r.cmd("DATA")
        r.send(b"Subject: x\r\n\r\n" + b"y" * 1200 + b"\r\n.\r\n")
        self.assertEqual(r.reply(), "554 5.6.0 Message line longer than 1000 octets "
                                    "(RFC 5321 4.5.3.1.6)")

    def test_out_of_order_and_malformed(self):
        r = self.session()
        self.assertEqual(r.cmd("MAIL FROM:<a@x.test>"),
                         "503 5.5.1 Bad sequence of commands: send EHLO first")
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("RCPT TO:<b@example.com>"),
                         "503 5.5.1 Bad sequence of commands: need MAIL first")
        self.assertEqual(r.cmd("DATA"), "503 5.5.1 Bad sequence of commands: need MAIL first")
        self.assertEqual(r.cmd("MAIL FROM:a@x.test"),
                         "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]")
        self.assertEqual(r.cmd("FOO"), "500 5.5.2 Command unrecognized")
        r.cmd("MAIL FROM:<a@x.test>")
        self.assertEqual(r.cmd("DATA"), "554 5.5.1 No valid recipients")

    def test_abrupt_disconnect_mid_data_loses_nothing_acknowledged(self):
        n = len(self.sink.messages)
        r = self.session()
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        r.cmd("RCPT TO:<b@example.com>")
        r.cmd("DATA")
        r.send(MSG[:40])
        r.close()
        time.sleep(0.3)
        self.assertEqual(len(self.sink.messages), n)
        self.assertEqual(sendmail(self.gw.port), {})  # the gateway is still fine
        self.assertEqual(len(self.sink.wait(n + 1)), n + 1)


class Timeouts(unittest.TestCase):
    def test_slowloris_gets_421(self):
        cfg = {"limits": {"command_timeout_s": 1, "data_timeout_s": 1}}
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg) as gw:
            r = Raw(gw.port)
            r.send(b"EHLO c.te")  # and never the end of the line
            t0 = time.monotonic()
            self.assertEqual(r.reply(), "421 4.4.2 gw.test Timeout exceeded, closing connection")
            self.assertLess(time.monotonic() - t0, 5)
            self.assertEqual(r.reply(), "")  # closed


class Lifecycle(unittest.TestCase):
    def test_sigterm_drains_idle_sessions_with_421(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            gw.proc.send_signal(15)
            self.assertEqual(r.reply(), "421 4.3.2 gw.test Service shutting down")
            self.assertEqual(gw.proc.wait(20), 0)

    @unittest.skipUnless(os.geteuid() == 0 or os.environ.get("CI") == "true",
                         "privilege drop needs root (runs in CI, as root)")
    def test_drops_root(self):
        import pwd
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], user=None) as gw:
            with open(f"/proc/{gw.proc.pid}/status") as f:
                uid = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            # Its own account, never one shared with other daemons (issue 13 defect 5).
            own = pwd.getpwnam("redline")
            self.assertEqual(uid, [str(own.pw_uid)] * 4)
            with open(f"/proc/{gw.proc.pid}/status") as f:
                gid = [l.split()[1:] for l in f if l.startswith("Gid:")][0]
                self.assertEqual(gid, [str(own.pw_gid)] * 4)


class PolicyActions(unittest.TestCase):
    POLICY = {"version": "gw-actions-1",
              "detectors": {"IBAN": {"action": "quarantine"}, "US_SSN": {"action": "block"},
                            "CREDIT_CARD": {"action": "redact", "keep_last": 4}}}

    def gateway(self, sink):
        import json
        import tempfile
        self.tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(self.POLICY, self.tmp)
        self.tmp.close()
        os.chmod(self.tmp.name, 0o644)
        self.addCleanup(os.unlink, self.tmp.name)
        return Gateway([f"*=127.0.0.1:{sink.port}"], extra=["--policy", self.tmp.name])

    def test_block_is_550_and_nothing_relayed(self):
        with Sink() as sink, self.gateway(sink) as gw:
            body = b"Subject: x\r\n\r\nSSN 536-22-8726\r\n"
            with self.assertRaises(smtplib.SMTPDataError) as e:
                sendmail(gw.port, body)
            self.assertEqual((e.exception.smtp_code, e.exception.smtp_error),
                             (550, b"5.7.1 Message blocked by policy"))
            line, = gw.track(1)
            self.assertEqual((line["action"], line["verdict"]), ("blocked", "block"))
            self.assertEqual(sink.messages, [])

    def test_quarantine_is_durable_before_250(self):
        with Sink() as sink, self.gateway(sink) as gw:
            body = b"Subject: q\r\nMessage-ID: <q1@x.test>\r\n\r\nIBAN GB82 WEST 1234 5698 7654 32\r\n"
            self.assertEqual(sendmail(gw.port, body), {})
            line, = gw.track(1)
            self.assertEqual(line["action"], "quarantined")
            files = os.listdir(os.path.join(gw.quarantine, "new"))
            self.assertEqual(files, [line["id"] + ".msg"])
            with open(os.path.join(gw.quarantine, "new", files[0]), "rb") as f:
                meta, original = f.read().split(b"\n", 1)
            import json
            self.assertEqual(json.loads(meta)["id"], line["id"])
            self.assertEqual(original, body)  # the original, as received
            self.assertEqual(os.listdir(os.path.join(gw.quarantine, "tmp")), [])
            self.assertEqual(sink.messages, [])
            self.assertEqual(gw.counters()["total"]["messages_quarantined"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)

# SPDX-License-Identifier: Apache-2.0
"""Hostile and broken clients against redlined over TCP, with aiosmtpd as the
next hop (issue 13, and the bare LF item of issue 12): sender-specified
routing, address literals, NUL, bare LF in both modes, junk commands,
tarpitting and the command and DATA deadlines. Loopback only; each class runs
one gateway with the settings it needs, so the whole file takes seconds."""
import smtplib
import socket
import time
import unittest

from gwlib import Gateway, Raw, Sink

MSG = b"From: a@x.test\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n"


def transaction(r, rcpt="b@example.com"):
    r.cmd("EHLO c.test")
    assert r.cmd("MAIL FROM:<a@x.test>") == "250 2.1.0 Sender OK"
    assert r.cmd(f"RCPT TO:<{rcpt}>") == "250 2.1.5 Recipient OK"
    assert r.cmd("DATA")[:3] == "354"


class Routing(unittest.TestCase):
    """Issue 13 defect 6: sender-specified routing from non-relay clients."""

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().__enter__()
        # 127.0.0.1 is outside the relay networks; example.com is routed.
        cls.gw = Gateway([f"example.com=127.0.0.1:{cls.sink.port}"],
                         relay_net="10.0.0.0/8").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        cls.sink.__exit__(None, None, None)

    def test_refused_with_550_5_7_1(self):
        r = Raw(self.gw.port)
        r.cmd("EHLO c.test")
        r.cmd("MAIL FROM:<a@x.test>")
        for rcpt in ("bob%other.org@example.com", "bob!other.org@example.com",
                     "other.org!bob@example.com", '"bob@other.org"@example.com',
                     "@relay.example.com:bob@example.com"):
            self.assertEqual(r.cmd(f"RCPT TO:<{rcpt}>"),
                             "550 5.7.1 Sender-specified routing is not allowed", rcpt)
        self.assertEqual(r.cmd("RCPT TO:<bob@example.com>"), "250 2.1.5 Recipient OK")
        self.assertEqual(r.cmd("DATA")[:3], "354")
        r.send(MSG + b".\r\n")
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
        self.assertEqual(self.sink.wait(1)[-1][1], ["bob@example.com"])

    def test_address_literal_refused(self):
        r = Raw(self.gw.port)
        r.cmd("EHLO c.test")
        self.assertEqual(r.cmd("MAIL FROM:<a@[192.0.2.1]>"), "250 2.1.0 Sender OK")
        self.assertEqual(r.cmd("RCPT TO:<b@[127.0.0.1]>"),
                         "550 5.7.1 Address literals are not accepted as recipients")


class RoutingTrusted(unittest.TestCase):
    def test_relay_client_may_route(self):
        # Inside the relay networks: '%' is passed on verbatim, a source route
        # is dropped (RFC 5321 3.3), literals follow smtp.address_literals.
        cfg = {"smtp": {"address_literals": True}}
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg) as gw:
            r = Raw(gw.port)
            r.cmd("EHLO c.test")
            r.cmd("MAIL FROM:<a@x.test>")
            self.assertEqual(r.cmd("RCPT TO:<bob%other.org@example.com>"),
                             "250 2.1.5 Recipient OK")
            self.assertEqual(r.cmd("RCPT TO:<@hop.test:carl@example.com>"),
                             "250 2.1.5 Recipient OK")
            self.assertEqual(r.cmd("RCPT TO:<dan@[127.0.0.1]>"), "250 2.1.5 Recipient OK")
            r.cmd("DATA")
            r.send(MSG + b".\r\n")
            self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
            self.assertEqual(sink.wait(1)[0][1], ["bob%other.org@example.com",
                                                  "carl@example.com", "dan@[127.0.0.1]"])


class Content(unittest.TestCase):
    """NUL (issue 13 defect 7) and bare LF (issue 12) with non-default settings."""

    def test_nul_refused_by_default(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            r = Raw(gw.port)
            transaction(r)
            r.send(b"Subject: x\r\n\r\nnul\x00here\r\n.\r\n")
            self.assertEqual(r.reply(),
                             "554 5.6.0 NUL octet in message data (RFC 5321 2.3.8)")
            self.assertEqual(r.cmd("NOOP"), "250 2.0.0 OK")
            time.sleep(0.2)
            self.assertEqual(sink.messages, [])
            line, = gw.track(1)
            self.assertEqual(line["action"], "refused")
            self.assertTrue(line["reply"].startswith("554 5.6.0 NUL"))

    def test_nul_stripped_and_bare_lf_refused(self):
        cfg = {"smtp": {"nul": "strip", "bare_newline": "reject"}}
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg) as gw:
            r = Raw(gw.port)
            transaction(r)
            r.send(b"Subject: x\r\n\r\nnul\x00here\r\n.\r\n")
            self.assertEqual(r.reply(), "250 2.0.0 Message accepted")
            self.assertTrue(sink.wait(1)[0][2].endswith(b"\r\n\r\nnulhere\r\n"))
            self.assertEqual(r.cmd("MAIL FROM:<a@x.test>"), "250 2.1.0 Sender OK")
            r.cmd("RCPT TO:<b@example.com>")
            r.cmd("DATA")
            r.send(b"Subject: x\r\n\r\nline\n.\nmore\r\n.\r\n")
            self.assertEqual(r.reply(),
                             "554 5.6.0 Bare CR or LF in message data (RFC 5321 2.3.8)")
            self.assertEqual(r.cmd("NOOP"), "250 2.0.0 OK")
            r.send(b"NOOP\n")
            self.assertEqual(r.reply(),
                             "500 5.5.2 Bare CR or LF in command line (RFC 5321 2.3.8)")
            self.assertEqual(len(sink.messages), 1)


class Junk(unittest.TestCase):
    """Issue 13 defect 7: 10,000 RSETs were accepted; tarpitting after errors."""

    def test_rset_flood_closed(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     config={"limits": {"tarpit_after_errors": 0}}) as gw:
            # 100 junk commands are free, then each is an error; the 20th closes.
            r = Raw(gw.port)
            r.send(b"RSET\r\n" * 120)
            replies = [r.reply() for _ in range(121)]
            self.assertEqual(replies[:120], ["250 2.0.0 OK"] * 120)
            self.assertEqual(replies[120], "421 4.7.0 gw.test Too many errors, closing connection")
            self.assertEqual(r.reply(), "")
            # 10,000 at once: closed, not served (the unread rest resets it).
            r = Raw(gw.port)
            t0 = time.monotonic()
            r.send(b"RSET\r\n" * 10000)
            n = 0
            try:
                while r.reply() != "":
                    n += 1
            except ConnectionResetError:
                pass
            self.assertLessEqual(n, 121)
            self.assertLess(time.monotonic() - t0, 5)

    def test_tarpit_holds_error_replies(self):
        cfg = {"limits": {"tarpit_after_errors": 2, "tarpit_delay_ms": 400, "max_errors": 5}}
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg) as gw:
            r = Raw(gw.port)
            t0 = time.monotonic()
            self.assertEqual(r.cmd("FOO"), "500 5.5.2 Command unrecognized")
            self.assertLess(time.monotonic() - t0, 0.3)
            t0 = time.monotonic()
            self.assertEqual(r.cmd("BAR"), "500 5.5.2 Command unrecognized")
            self.assertGreaterEqual(time.monotonic() - t0, 0.35)
            # Pipelined errors are held one by one; the fifth error closes.
            t0 = time.monotonic()
            r.send(b"A\r\nB\r\nC\r\n")
            self.assertEqual([r.reply() for _ in range(4)],
                             ["500 5.5.2 Command unrecognized"] * 3 +
                             ["421 4.7.0 gw.test Too many errors, closing connection"])
            self.assertGreaterEqual(time.monotonic() - t0, 0.75)


def connect_from(src, port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(512)
        if not chunk:
            break
        data += chunk
    return s, data.decode(errors="replace").strip()


class ConnectionLimits(unittest.TestCase):
    """Issue 13 defect 3: 4,096 idle connections from one address and every
    other client got 421 4.7.0 for five minutes, with the default settings."""

    def test_one_address_cannot_lock_others_out(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"]) as gw:
            held, refused = [], 0
            for _ in range(120):
                s, greeting = connect_from("127.0.0.2", gw.port)
                if greeting.startswith("220"):
                    held.append(s)
                else:
                    self.assertEqual(greeting, "421 4.7.0 gw.test Too many connections from "
                                               "your address or network, try again later")
                    refused += 1
                    s.close()
            # The default: 50 per address (counted over every worker).
            self.assertEqual((len(held), refused), (50, 70))
            # Another address (another /24) is served meanwhile.
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=10,
                              source_address=("127.1.0.3", 0)) as c:
                self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], MSG), {})
            self.assertEqual(len(sink.wait(1)), 1)
            c = gw.counters()["total"]
            self.assertEqual(c["connections_refused_client_limit"], 70)
            # Closed connections give their places back.
            for s in held:
                s.close()
            time.sleep(0.3)
            s, greeting = connect_from("127.0.0.2", gw.port)
            self.assertTrue(greeting.startswith("220"), greeting)
            s.close()

    def test_network_limit(self):
        cfg = {"limits": {"max_connections_per_ip": 3, "max_connections_per_net": 5},
               "workers": 2}
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"], config=cfg) as gw:
            got, held = [], []
            for src in ("127.3.0.1", "127.3.0.2", "127.3.0.3"):
                for _ in range(3):
                    s, greeting = connect_from(src, gw.port)
                    got.append((src, greeting[:3]))
                    held.append(s)
            # 3 from the first address, 2 more from the /24, then none.
            self.assertEqual([g for _, g in got], ["220"] * 5 + ["421"] * 4)
            s, greeting = connect_from("127.3.1.1", gw.port)  # another /24
            self.assertTrue(greeting.startswith("220"), greeting)


class Deadlines(unittest.TestCase):
    """Issue 13 defect 3: a client sending one byte every few seconds was
    never closed; the timeouts measured inactivity, not a deadline."""

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().__enter__()
        cfg = {"limits": {"command_timeout_s": 2, "data_timeout_s": 2, "min_data_rate": 500}}
        cls.gw = Gateway([f"*=127.0.0.1:{cls.sink.port}"], config=cfg).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.gw.__exit__(None, None, None)
        cls.sink.__exit__(None, None, None)

    def trickle(self, r, data, gap):
        """Sends `data` an octet every `gap` s; the seconds until the 421."""
        t0 = time.monotonic()
        r.s.settimeout(gap)
        for i in range(len(data)):
            try:
                r.s.sendall(data[i:i + 1])
            except OSError:
                break
            try:
                got = r.s.recv(4096)
            except socket.timeout:
                continue
            r.buf += got
            break
        r.s.settimeout(10)
        self.assertEqual(r.reply(), "421 4.4.2 gw.test Timeout exceeded, closing connection")
        return time.monotonic() - t0

    def test_command_trickle_closed_at_deadline(self):
        r = Raw(self.gw.port)
        took = self.trickle(r, b"EHLO " + b"x" * 100 + b"\r\n", 0.25)
        self.assertGreater(took, 1.8)
        self.assertLess(took, 3.5)

    def test_data_trickle_closed_below_min_rate(self):
        r = Raw(self.gw.port)
        transaction(r)
        took = self.trickle(r, b"x" * 200, 0.25)
        self.assertGreater(took, 1.8)
        self.assertLess(took, 3.5)

    def test_steady_sender_not_closed(self):
        # 4 KB/s, above the 500 octets/s minimum, for longer than the budget.
        r = Raw(self.gw.port)
        transaction(r)
        body = MSG + (b"y" * 78 + b"\r\n") * 50
        for i in range(0, len(body), 400):
            r.send(body[i:i + 400])
            time.sleep(0.1)
        r.send(b".\r\n")
        self.assertEqual(r.reply(), "250 2.0.0 Message accepted")


if __name__ == "__main__":
    unittest.main()

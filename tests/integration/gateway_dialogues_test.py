# SPDX-License-Identifier: Apache-2.0
"""The aiosmtpd SMTP dialogues (../shared/corpus/aiosmtpd-dialogues) replayed
over TCP against redlined relaying to a real next hop (aiosmtpd): every reply
code as that suite expects, or a documented difference RFC 5321 allows."""
import json
import os
import socket
import time
import unittest

from gwlib import SRC, Gateway, Sink

CORPUS = os.environ.get("RL_CORPUS", os.path.join(SRC, "..", "shared", "corpus"))
DIALOGUES = os.path.join(CORPUS, "aiosmtpd-dialogues", "smtp_dialogues.jsonl")

# (session id, step index) -> the code redlined gives instead, and why.
ALLOWED = {
    # Bare CR and LF inside DATA: aiosmtpd delivers them (250); redlined
    # reads the bare LF as CRLF (smtp.bare_newline normalize) but refuses the
    # bare CR after the real end of data (RFC 5321 2.3.8: CR and LF only as
    # CRLF), so no next hop can see an end of data that the gateway did not
    # (SMTP smuggling).
    ("aiosmtpd-smtp-0042", 4): "554",
}


def step_bytes(step):
    if "send" in step:
        return step["send"].encode() + b"\r\n"
    if "send_raw" in step:
        return step["send_raw"].encode()
    if "send_raw_hex" in step:
        return bytes.fromhex(step["send_raw_hex"])
    r = step["send_raw_repeat"]
    return r["text"].encode() * r["count"]


def matches(want, code):
    for alt in str(want).split("|"):
        if len(alt) == 3 and all(a in ("x", c) for a, c in zip(alt, code)):
            return True
    return False


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.reply()

    def reply(self, timeout=10.0):
        """Code of one whole reply, '' if none arrives within `timeout`."""
        self.s.settimeout(timeout)
        code = ""
        try:
            while True:
                while b"\r\n" not in self.buf:
                    chunk = self.s.recv(65536)
                    if not chunk:
                        return code
                    self.buf += chunk
                line, self.buf = self.buf.split(b"\r\n", 1)
                code = line[:3].decode(errors="replace")
                if line[3:4] != b"-":
                    return code
        except socket.timeout:
            return ""

    def close(self):
        self.s.close()


class Dialogues(unittest.TestCase):
    def test_replay(self):
        with open(DIALOGUES) as f:
            sessions = [json.loads(l) for l in f if l.strip()]
        by_setup = {}
        for d in sessions:
            size = d.get("setup", {}).get("max_message_size")
            by_setup.setdefault(size, []).append(d)
        agree = steps = 0
        diffs = []
        with Sink() as sink:
            routes = [f"example.com=127.0.0.1:{sink.port}", f"example.org=127.0.0.1:{sink.port}"]
            for size, group in by_setup.items():
                extra = ["--max-message-size", str(size)] if size else []
                with Gateway(routes, extra=extra) as gw:
                    for d in group:
                        c = Conn(gw.port)
                        for i, step in enumerate(d["steps"]):
                            if step.get("action") == "reconnect":
                                c.close()
                                c = Conn(gw.port)
                                continue
                            before = len(sink.messages)
                            c.s.sendall(step_bytes(step))
                            steps += 1
                            want = step.get("expect")
                            if want is None:
                                ok = c.reply(timeout=0.3) == ""
                                got = "none"
                            else:
                                got = c.reply()
                                ok = matches(want, got)
                            body = step.get("delivered_body")
                            if ok and body is not None:
                                msgs = sink.wait(before + 1, timeout=5)
                                ok = len(msgs) > before and msgs[-1][2].endswith(body.encode())
                            if ok:
                                agree += 1
                            elif ALLOWED.get((d["id"], i)) == got:
                                diffs.append((d["id"], i, got))
                            else:
                                self.fail(f"{d['id']} step {i} ({d['title']}): want {want}, "
                                          f"got {got}")
                        c.close()
        print(f"aiosmtpd dialogues over TCP: {len(sessions)} sessions, {steps} steps, "
              f"{agree} agree, {len(diffs)} documented differences")
        self.assertEqual(agree + len(diffs), steps)


if __name__ == "__main__":
    unittest.main(verbosity=2)

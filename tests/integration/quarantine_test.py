# SPDX-License-Identifier: Apache-2.0
"""The quarantine through redlinectl and redlined's control socket: list,
release (relayed as stored, removed only after the next hop's 250), delete,
refused commands and peers. Real peers: aiosmtpd as the next hop, smtplib as
the client."""
import json
import os
import smtplib
import subprocess
import tempfile
import unittest

from gwlib import REDLINECTL, Gateway, Sink

POLICY = {"version": "q-1", "detectors": {"IBAN": {"action": "quarantine"}}}
BODY = (b"Subject: q\r\nMessage-ID: <q1@x.test>\r\n\r\n"
        b"IBAN GB82 WEST 1234 5698 7654 32\r\n.leading dot stays\r\n")


def ctl(gw, *args, user=None, groups=()):
    cmd = [REDLINECTL, "--socket", gw.control_path, *args]
    if user is not None:
        grp = [f"--groups={','.join(map(str, groups))}"] if groups else ["--clear-groups"]
        cmd = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", *grp] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Quarantine(unittest.TestCase):
    def gateway(self, sink, policy=POLICY):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(policy, f)
        f.close()
        os.chmod(f.name, 0o644)
        self.addCleanup(os.unlink, f.name)
        return Gateway([f"*=127.0.0.1:{sink.port}"], extra=["--policy", f.name])

    def quarantine(self, gw, rcpts=("b@example.com",)):
        with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as c:
            self.assertEqual(c.sendmail("a@x.test", list(rcpts), BODY), {})
        return gw.track(1)[-1]["id"]

    def stored(self, gw):
        return sorted(os.listdir(os.path.join(gw.quarantine, "new")))

    def test_list_release_delete(self):
        with Sink() as sink, self.gateway(sink) as gw:
            rc, out, err = ctl(gw, "quarantine", "list")
            self.assertEqual((rc, out, err), (0, "quarantine is empty\n", ""))
            first = self.quarantine(gw)
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as c:
                c.sendmail("z@x.test", ["c@example.com", "d@example.com"], BODY)
            second = [l["id"] for l in gw.track(2) if l["id"] != first][0]
            self.assertEqual(sink.messages, [])

            rc, out, _ = ctl(gw, "--json", "quarantine", "list")
            self.assertEqual(rc, 0)
            listed = {m["id"]: m for m in json.loads(out)["messages"]}
            self.assertEqual(set(listed), {first, second})
            self.assertEqual(listed[second]["rcpts"], ["c@example.com", "d@example.com"])
            self.assertEqual(listed[first]["findings"], {"IBAN": 1})
            self.assertEqual(listed[first]["stored_size"], len(BODY))
            rc, out, _ = ctl(gw, "quarantine", "list")
            self.assertIn(first, out)
            self.assertIn("IBAN=1", out)

            # Release: the original, as stored, reaches the next hop once.
            rc, out, err = ctl(gw, "quarantine", "release", first)
            self.assertEqual(rc, 0, err)
            self.assertRegex(out, rf"^released {first} to 127.0.0.1:{sink.port}: 250 ")
            (frm, rcpts, data), = sink.wait(1)
            self.assertEqual((frm, rcpts), ("a@x.test", ["b@example.com"]))
            self.assertEqual(data, BODY)
            self.assertEqual(self.stored(gw), [second + ".msg"])
            rc, _, err = ctl(gw, "quarantine", "release", first)
            self.assertEqual((rc, err), (1, f"redlinectl: no quarantined message {first}\n"))

            rc, out, _ = ctl(gw, "quarantine", "delete", second)
            self.assertEqual((rc, out), (0, f"deleted {second}\n"))
            self.assertEqual(self.stored(gw), [])
            self.assertEqual(len(sink.messages), 1)

            lines = {l["action"]: l for l in gw.track(4)}
            self.assertEqual(lines["released"]["id"], first)
            self.assertEqual(lines["released"]["next_hop"], f"127.0.0.1:{sink.port}")
            self.assertEqual(lines["released"]["by_uid"], os.geteuid())
            self.assertEqual(lines["deleted"]["id"], second)
            rc, out, _ = ctl(gw, "stats")
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"(?m)^messages_quarantined +2$")

    def test_refused_release_keeps_the_message(self):
        with Sink() as sink, self.gateway(sink) as gw:
            qid = self.quarantine(gw)
            sink.data_reply = "554 5.6.0 content refused"
            rc, out, err = ctl(gw, "--json", "quarantine", "release", qid)
            self.assertEqual(rc, 1)
            ans = json.loads(out)
            self.assertEqual((ans["ok"], ans["action"]), (False, "kept"))
            self.assertEqual(ans["reply"], "554 5.6.0 content refused")
            self.assertEqual(self.stored(gw), [qid + ".msg"])
            sink.data_reply = None
            sink.rcpt_replies["b@example.com"] = "550 5.1.1 no such user"
            rc, _, err = ctl(gw, "quarantine", "release", qid)
            self.assertEqual(rc, 1)
            self.assertIn("550 5.1.1 no such user", err)
            self.assertEqual(self.stored(gw), [qid + ".msg"])
            self.assertEqual(sink.messages, [])
            self.assertEqual([l["action"] for l in gw.track(3)][1:],
                             ["release-failed", "release-failed"])

    def test_next_hop_down_keeps_the_message(self):
        sink = Sink().__enter__()
        with self.gateway(sink) as gw:
            qid = self.quarantine(gw)
            sink.__exit__(None, None, None)
            rc, _, err = ctl(gw, "quarantine", "release", qid)
            self.assertEqual(rc, 1)
            self.assertIn("no next hop of group", err)
            self.assertEqual(self.stored(gw), [qid + ".msg"])

    def test_many_long_recipients_never_a_partial_release(self):
        # More recipients than the tracking line holds: the line stays whole
        # and valid, says it was cut, and a release refuses rather than send
        # to only some of them.
        rcpts = [f"recipient-with-a-rather-long-local-part-{i:03d}@example.com"
                 for i in range(100)]
        with Sink() as sink, self.gateway(sink) as gw:
            qid = self.quarantine(gw, rcpts)
            line = gw.track(1)[0]
            self.assertTrue(line["rcpts_truncated"])
            self.assertLess(len(line["rcpts"]), 100)
            rc, _, err = ctl(gw, "quarantine", "release", qid)
            self.assertEqual(rc, 1)
            self.assertIn("no usable from and rcpts", err)
            self.assertEqual(self.stored(gw), [qid + ".msg"])
            self.assertEqual(sink.messages, [])

    def test_bad_commands_and_ids(self):
        with Sink() as sink, self.gateway(sink) as gw:
            cases = {
                b"quarantine frobnicate\n": "unknown quarantine command",
                b"quarantine release ../../etc/passwd\n": "needs one message id",
                b"quarantine delete\n": "needs one message id",
                b"quarantine release a b\n": "needs one message id",
                b"reboot\n": "unknown command",
                b"stats" + b" " * 600 + b"\n": "command longer than",
                b"quarantine\x00 list\n": "NUL octet",
            }
            for line, why in cases.items():
                ans = gw.control(line)
                self.assertFalse(ans["ok"], line)
                self.assertIn(why, ans["error"], line)
            rc, _, err = ctl(gw, "quarantine", "delete", "no-such-id")
            self.assertEqual((rc, err), (1, "redlinectl: no quarantined message no-such-id\n"))
            rc, _, err = ctl(gw, "quarantine", "explode")
            self.assertEqual(rc, 2)
            self.assertIn("unknown command", err)

    def test_keep_original_holds_what_was_redacted(self):
        policy = {"version": "hold-1", "keep_original": True}
        card = b"Subject: c\r\n\r\ncard 4111 1111 1111 1111\r\n"
        clean = b"Subject: c\r\n\r\nnothing to see\r\n"
        with Sink() as sink, self.gateway(sink, policy) as gw:
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as c:
                self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], card), {})
                self.assertEqual(c.sendmail("a@x.test", ["b@example.com"], clean), {})
            msgs = sink.wait(2)
            self.assertNotIn(b"4111 1111 1111 1111", msgs[0][2])
            first, second = gw.track(2)
            self.assertEqual((first["action"], second["action"]), ("relayed-held", "relayed"))
            # Only the redacted message's original is held, durably, as received.
            self.assertEqual(self.stored(gw), [first["id"] + ".msg"])
            with open(os.path.join(gw.quarantine, "new", first["id"] + ".msg"), "rb") as f:
                meta, original = f.read().split(b"\n", 1)
            self.assertEqual(original, card)
            self.assertEqual(json.loads(meta)["action"], "held")
            rc, out, _ = ctl(gw, "--json", "quarantine", "list")
            self.assertEqual([m["action"] for m in json.loads(out)["messages"]], ["held"])
            c = gw.counters()["total"]
            self.assertEqual((c["messages_held"], c["hold_failures"]), (1, 0))

    @unittest.skipUnless(os.geteuid() == 0 or os.environ.get("CI") == "true",
                         "needs root to run a client as another user "
                         "(CI runs as root)")
    def test_other_users_refused(self):
        # Issue 13 defect 5: the dataplane's own account and group, never
        # nobody's; the socket is for that group only.
        import grp
        import pwd
        own = pwd.getpwnam("redline")
        with Sink() as sink, self.gateway(sink) as gw:
            st = os.stat(gw.control_path)
            self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777),
                             (own.pw_uid, own.pw_gid, 0o660))
            st = os.stat(gw.quarantine)
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (own.pw_uid, 0o700))
            # A stranger cannot open the socket at all (mode 0660)...
            rc, _, err = ctl(gw, "stats", user=(12345, 12345))
            self.assertEqual(rc, 2)
            self.assertIn("Permission denied", err)
            # ...nor can nobody, whom other daemons share.
            nobody = pwd.getpwnam("nobody")
            rc, _, err = ctl(gw, "stats", user=(nobody.pw_uid, nobody.pw_gid))
            self.assertEqual(rc, 2)
            # A member of the group may, by its primary or a supplementary group.
            rc, out, _ = ctl(gw, "--json", "quarantine", "list", user=(12345, own.pw_gid))
            self.assertEqual(rc, 0, out)
            rc, out, _ = ctl(gw, "--json", "quarantine", "list", user=(12345, 12345),
                             groups=(grp.getgrnam("redline").gr_gid,))
            self.assertEqual(rc, 0, out)
            # With the file mode opened up by mistake, the credentials still
            # keep a stranger out (SO_PEERCRED, SO_PEERGROUPS).
            os.chmod(gw.control_path, 0o666)
            rc, _, err = ctl(gw, "quarantine", "list", user=(12345, 12345))
            self.assertEqual(rc, 1)
            self.assertIn("permission denied", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

# SPDX-License-Identifier: Apache-2.0
"""Committed versions pushed from redline-controld to a running redlined:
applied as one snapshot while mail flows (50 transactions open across a
route change finish on the old route, new ones take the new route, none
fails), acknowledged, kept on disk and used when redlined restarts with
controld down; the licence tier's rate enforced across workers (451 4.7.0).
Real processes, loopback only."""
import json
import os
import smtplib
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from controld_test import Controld, issue
from gwlib import Gateway, Sink, free_port


def running(gw):
    """Each worker's configuration version, from redlined's own socket."""
    return [w.get("config_version", 0) for w in gw.counters()["workers"]]


def wait_running(gw, version, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = running(gw)
        if all(v == version for v in got):
            return got
        time.sleep(0.01)
    raise AssertionError(f"workers run {running(gw)}, not {version}")


class Stack:
    """redlined (2 workers, config socket, state directory) and controld
    pushing to it; routes '*' to the sink on `port_a`, group 'b' to `port_b`."""

    def __init__(self, port_a, port_b, state=None):
        self.state = state or tempfile.mkdtemp(prefix="redline-state-")
        os.chmod(self.state, 0o777)
        self.cfg_sock = os.path.join(self.state, "config.sock")
        self.gw = Gateway([f"*=127.0.0.1:{port_a}"], extra=[
            "--workers", "2", "--config-socket", self.cfg_sock, "--state-dir", self.state])
        self.seed = {"mta_groups": {"a": [f"127.0.0.1:{port_a}"], "b": [f"127.0.0.1:{port_b}"]},
                     "routes": [{"domain": "*", "group": "a"}],
                     "relay_networks": ["127.0.0.0/8"]}

    def controld(self):
        c = Controld(dataplane_socket=self.gw.control_path, seed=self.seed)
        c.args[c.args.index("--push-socket") + 1] = self.cfg_sock
        return c


def send(port, rcpt="r@example.com", n=1):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        for i in range(n):
            s.sendmail("a@x.test", [rcpt], f"Subject: {i}\r\n\r\nhello\r\n".encode())


class Push(unittest.TestCase):
    def test_apply_then_restart_from_saved_snapshot(self):
        with Sink() as a, Sink() as b:
            st = Stack(a.port, b.port)
            with st.gw as gw, st.controld() as c:
                self.assertEqual(wait_running(gw, 1), [1, 1])
                send(gw.port)
                self.assertEqual(len(a.wait(1)), 1)
                rc, out, err = c.ctl("--comment", "to b", "route", "set", "*", "--group", "b")
                self.assertEqual(rc, 0, err)
                wait_running(gw, 2)
                send(gw.port)
                self.assertEqual(len(b.wait(1)), 1)
                self.assertEqual(len(a.messages), 1)
                # redlined acknowledges once the version is also kept on disk
                # (after the workers took it): the pusher learns a moment later.
                end = time.monotonic() + 10
                while c.request("status")["pushed"]["running"] != 2:
                    self.assertLess(time.monotonic(), end, c.request("status"))
                    time.sleep(0.02)
                rc, out, _ = c.ctl("status")
                self.assertIn("redlined runs version 2 (the committed one)", out)
                self.assertRegex(out, r"(?m)^0 +2 ")
                self.assertRegex(out, r"(?m)^1 +2 ")
                applies = [l for l in gw.track() if l.get("action") == "config-apply"]
                self.assertEqual([(l["version"], l["ok"]) for l in applies], [(1, True), (2, True)])
                # A version redlined refuses (a TLS file it cannot read as its
                # user) is reported, and the old one keeps running.
            self.assertTrue(os.path.exists(os.path.join(st.state, "snapshot")))
            # controld down; redlined restarts from the snapshot it kept.
            gw2 = Gateway([f"*=127.0.0.1:{a.port}"], extra=[
                "--workers", "2", "--config-socket", st.cfg_sock, "--state-dir", st.state])
            with gw2:
                self.assertEqual(running(gw2), [2, 2])
                send(gw2.port)
                self.assertEqual(len(b.wait(2)), 2)
                self.assertEqual(len(a.messages), 1)

    def test_route_change_with_50_transactions_open(self):
        with Sink() as a, Sink() as b:
            st = Stack(a.port, b.port)
            with st.gw as gw, st.controld() as c:
                wait_running(gw, 1)
                clients = []
                for i in range(50):
                    # From 127.0.0.2: the 50 an address may hold by default
                    # (limits.max_connections_per_ip), the new one below
                    # from 127.0.0.1.
                    s = smtplib.SMTP("127.0.0.1", gw.port, timeout=60,
                                     source_address=("127.0.0.2", 0))
                    s.ehlo("c.test")
                    self.assertEqual(s.mail(f"s{i}@x.test")[0], 250)
                    self.assertEqual(s.rcpt(f"r{i}@example.com")[0], 250)
                    clients.append(s)
                rc, _, err = c.ctl("route", "set", "*", "--group", "b")
                self.assertEqual(rc, 0, err)
                wait_running(gw, 2)
                # New transactions take the new route...
                send(gw.port, "new@example.com")
                self.assertEqual(b.wait(1)[0][1], ["new@example.com"])
                # ...the open ones finish on the old one; none fails.
                for i, s in enumerate(clients):
                    code, _ = s.data(f"Subject: {i}\r\n\r\nbody\r\n".encode())
                    self.assertEqual(code, 250, i)
                    s.quit()
                self.assertEqual(len(a.wait(50)), 50)
                self.assertEqual(len(b.messages), 1)


class NextHops(unittest.TestCase):
    def test_dead_hop_named_once_across_workers(self):
        """Group a is [a closed port, the sink]: every worker that relays
        finds the first hop dead and fails over. The dead hop is reported by
        name, down, once (not once per worker) in redlined's totals,
        controld's status and the metrics; the live one up."""
        with Sink() as a, Sink() as b:
            st = Stack(a.port, b.port)
            dead = f"127.0.0.1:{free_port()}"  # nothing listens there
            live = f"127.0.0.1:{a.port}"
            st.seed["mta_groups"]["a"] = [dead, live]
            st.seed["relay"] = {"hop_down_s": 1, "hop_down_max_s": 2}  # a quick revival below
            with st.gw as gw, st.controld() as c:
                wait_running(gw, 1)
                # Until both workers have tried the dead hop (the kernel
                # spreads connections over their listeners).
                end = time.monotonic() + 30
                sent = 0
                while True:
                    workers = gw.counters()["workers"]
                    if all(w["next_hops_down"] == 1 for w in workers):
                        break
                    self.assertLess(time.monotonic(), end, workers)
                    send(gw.port)
                    sent += 1
                    a.wait(sent)
                    time.sleep(0.15)  # the hops are published at each 100 ms timer pass
                total = gw.counters()["total"]
                hops = {h["hop"]: h for h in total["next_hops"]}
                self.assertEqual(set(hops), {dead, live})
                self.assertEqual((hops[dead]["down"], hops[dead]["workers_down"],
                                  hops[dead]["workers"]), (True, 2, 2))
                self.assertGreaterEqual(hops[dead]["fails"], 1)
                self.assertFalse(hops[live]["down"])
                self.assertEqual(hops[live]["workers_down"], 0)
                self.assertEqual(total["next_hops_down"], 1)  # not 2: one hop

                status = c.request("status")
                self.assertEqual(status["dataplane"]["total"]["next_hops"], total["next_hops"])
                rc, out, _ = c.ctl("status")
                self.assertEqual(rc, 0)
                self.assertIn("next hops      2 tried, 1 down,", out)
                self.assertRegex(out, rf"(?m)^  {dead} +down \(\d+ failures in a row; 2 of 2 "
                                      r"workers found it down\)$")
                self.assertRegex(out, rf"(?m)^  {live} +up$")
                url = f"http://127.0.0.1:{c.metrics_port}/metrics"
                with urllib.request.urlopen(url, timeout=10) as r:
                    text = r.read().decode()
                fams = {f.name: f for f in text_string_to_metric_families(text)}
                down = {smp.labels["hop"]: smp.value for smp in fams["redline_next_hop_down"].samples}
                self.assertEqual(down, {dead: 1.0, live: 0.0})

                # The hop comes back: once a worker's back-off is over it is
                # tried again, greets, and is up for every worker's view.
                port = int(dead.rsplit(":", 1)[1])
                with Sink(port=port) as revived:
                    end = time.monotonic() + 30
                    while gw.counters()["total"]["next_hops_down"] != 0:
                        self.assertLess(time.monotonic(), end, gw.counters()["total"])
                        send(gw.port)
                        time.sleep(0.2)
                    self.assertTrue(revived.messages)


class UnderLoad(unittest.TestCase):
    def test_commits_and_kill9_while_mail_flows(self):
        """Commits while mail flows and controld is killed with SIGKILL twice
        mid-stream: no transaction fails, the history stays contiguous, and
        the version committed last reaches every worker after the restart."""
        with Sink() as a, Sink() as b:
            st = Stack(a.port, b.port)
            with st.gw as gw, st.controld() as c:
                lic = os.path.join(c.tmp.name, "vh.lic")  # no tier's rate in the way
                self.assertEqual(issue(lic, tier="very-high")[0], 0)
                self.assertEqual(c.ctl("license", "install", lic)[0], 0)
                wait_running(gw, 2)
                stop = threading.Event()
                failures, sent = [], [0]

                def mail():
                    while not stop.is_set():
                        try:
                            send(gw.port, n=5)
                            sent[0] += 5
                        except (smtplib.SMTPException, OSError) as e:
                            failures.append(repr(e))

                t = threading.Thread(target=mail)
                t.start()
                try:
                    for i in range(150):
                        if i in (50, 100):
                            c.kill9()
                            c.start()
                        ans = c.request("route.set", {"domain": "*",
                                                      "group": "b" if i % 2 == 0 else "a"})
                        self.assertTrue(ans["ok"], ans)
                finally:
                    stop.set()
                    t.join()
                self.assertEqual(failures, [])
                self.assertGreater(sent[0], 0)
                versions = [v["version"] for v in c.request("config.history")["versions"]]
                self.assertEqual(versions, list(range(152, 0, -1)))
                wait_running(gw, 152)
                self.assertEqual(len(a.messages) + len(b.messages), sent[0])


class Rate(unittest.TestCase):
    def test_evaluation_mode_rate_then_licence(self):
        """No licence: evaluation mode, tier low (20,000 msgs/h, a minute's
        burst of 333), enforced across both workers with 451 4.7.0; a very-high
        licence lifts it."""
        with Sink() as a, Sink() as b:
            st = Stack(a.port, b.port)
            with st.gw as gw, st.controld() as c:
                wait_running(gw, 1)
                ok = refused = 0
                reply = ""
                t0 = time.monotonic()

                def client(n):
                    nonlocal ok, refused, reply
                    with smtplib.SMTP("127.0.0.1", gw.port, timeout=30) as s:
                        for i in range(n):
                            try:
                                s.sendmail("a@x.test", ["r@example.com"], b"Subject: r\r\n\r\nx\r\n")
                                ok += 1
                            except smtplib.SMTPSenderRefused as e:
                                refused += 1
                                reply = f"{e.smtp_code} {e.smtp_error.decode()}"

                threads = [threading.Thread(target=client, args=(100,)) for _ in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.monotonic() - t0
                self.assertGreater(refused, 0)
                self.assertGreaterEqual(ok, 333)
                self.assertLessEqual(ok, 333 + int(elapsed * 20000 / 3600) + 1)
                self.assertRegex(reply, r"^451 4\.7\.0 .*licen[cs]ed .*rate")
                total = gw.counters()["total"]
                self.assertEqual(total["messages_rate_limited"], refused)
                lic = os.path.join(c.tmp.name, "vh.lic")
                self.assertEqual(issue(lic, tier="very-high")[0], 0)
                self.assertEqual(c.ctl("license", "install", lic)[0], 0)
                wait_running(gw, 2)
                send(gw.port, n=400)
                self.assertEqual(gw.counters()["total"]["messages_rate_limited"], refused)


if __name__ == "__main__":
    unittest.main(verbosity=2)

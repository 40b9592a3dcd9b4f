# SPDX-License-Identifier: Apache-2.0
"""redline-controld and redlinectl as real processes on a real UNIX socket:
validated edits, history, diff, rollback, export and import; licences
issued with redline-license under the build's own test key; peers outside
the admin group; garbage and oversized requests; kill -9 during commits;
metrics read with prometheus_client's parser; redlined's own commands
forwarded. Loopback and temporary directories only."""
import json
import os
import pwd
import random
import signal
import smtplib
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from gwlib import BUILD, REDLINECTL, Gateway, Sink, free_port, unix_roundtrip

CONTROLD = os.path.join(BUILD, "control", "redline-controld-testkey")
CONTROLD_PROD = os.path.join(BUILD, "control", "redline-controld")
LICENSE_TOOL = os.path.join(BUILD, "control", "redline-license")
TEST_KEY = os.path.join(BUILD, "control", "test-license.key")
ADMIN_GID = 4242

SEED = {"mta_groups": {"default": ["127.0.0.1:2526"], "partners": ["127.0.0.1:2527"]},
        "routes": [{"domain": "*", "group": "default"}],
        "relay_networks": ["127.0.0.0/8"]}


class Controld:
    """redline-controld --foreground trusting the build's test key."""

    def __init__(self, dataplane_socket="", seed=SEED, binary=CONTROLD):
        self.tmp = tempfile.TemporaryDirectory(prefix="redline-ctl-")
        d = self.tmp.name
        os.chmod(d, 0o755)  # other users reach the socket; its mode decides
        self.sock = os.path.join(d, "controld.sock")
        self.state = os.path.join(d, "state")
        self.metrics_port = free_port()
        self.errlog = os.path.join(d, "controld.log")
        args = [binary, "--foreground", "--socket", self.sock, "--state-dir", self.state,
                "--metrics", f"127.0.0.1:{self.metrics_port}", "--admin-group", str(ADMIN_GID),
                "--dataplane-socket", dataplane_socket, "--push-socket", ""]
        if seed is not None:
            path = os.path.join(d, "seed.json")
            with open(path, "w") as f:
                json.dump(seed, f)
            args += ["--seed", path]
        self.args = args
        self.proc = None

    def start(self):
        self.err = open(self.errlog, "ab")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=self.err)
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("controld exited: " + self.log())
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.sock)
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("controld did not start")

    def __enter__(self):
        return self.start()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.err.close()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
            self.err.close()
        return self.proc.returncode

    def __exit__(self, *exc):
        rc = self.stop()
        log = self.log()
        self.tmp.cleanup()
        if exc[0] is None and (rc not in (0, -9) or "Sanitizer" in log or "runtime error" in log):
            raise AssertionError(f"controld exited with {rc}:\n{log}")

    def log(self):
        with open(self.errlog, "rb") as f:
            return f.read().decode(errors="replace")

    def events(self):
        out = []
        for line in self.log().splitlines():
            if line.startswith("redline-controld: {"):
                out.append(json.loads(line[len("redline-controld: "):]))
        return out

    def ctl(self, *args, user=None, groups=None):
        cmd = [REDLINECTL, "--socket", self.sock, *args]
        if user is not None:
            g = ["--groups=" + ",".join(map(str, groups))] if groups else ["--clear-groups"]
            cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", *g] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def raw(self, data, shut=True):
        """Bytes out as they are; the answer parsed (or b'' if none)."""
        buf = unix_roundtrip(self.sock, data, shut)
        return json.loads(buf) if buf else b""

    def request(self, cmd, args=None, comment=None, dry_run=False):
        req = {"cmd": cmd, "args": args or {}}
        if comment is not None:
            req["comment"] = comment
        if dry_run:
            req["dry_run"] = True
        return self.raw(json.dumps(req).encode() + b"\n")

    def versions(self):
        return self.request("config.history")["versions"]


def read(path):
    with open(path) as f:
        return f.read()


def issue(out, key=TEST_KEY, tier="medium", not_before=None, expires=None, serial="RL-T-1"):
    now = time.time()
    nb = not_before or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 86400))
    ex = expires or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 365 * 86400))
    p = subprocess.run([LICENSE_TOOL, "issue", "--key", key, "--company", "Test Bank plc",
                        "--serial", serial, "--tier", tier, "--features", "documents",
                        "--not-before", nb, "--expires", ex, "-o", out],
                       capture_output=True, text=True)
    return p.returncode, p.stderr


class Edits(unittest.TestCase):
    def test_validated_edits_history_rollback(self):
        with Controld() as c:
            rc, out, _ = c.ctl("route", "list")
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"(?m)^DOMAIN +GROUP +TLS$")
            self.assertRegex(out, r"(?m)^\* +default +\(built-in\)$")

            # Refused changes name the field and change nothing.
            refusals = [
                (("route", "add", "example.com", "nosuch"), "routes[1].group: no MTA group"),
                (("client-network", "add", "10.0.0.1/8"), "relay_networks[1]"),
                (("mta-group", "add", "partners", "127.0.0.1:1"), "mta-group 'partners' exists"),
                (("mta-group", "add", "bad", "127.0.0.1:0"), "mta_groups.bad[0]"),
                (("route", "del", "nosuch.example"), "no route for 'nosuch.example'"),
                (("tls-profile", "add", "p",
                  '{"role":"client","verify":"ca","ca_file":"/nonexistent/ca.pem"}'),
                 "tls_profiles.p"),
            ]
            for args, why in refusals:
                rc, out, err = c.ctl(*args)
                self.assertEqual(rc, 1, (args, out, err))
                self.assertIn(why, err)
            lex = os.path.join(c.tmp.name, "lex.json")
            with open(lex, "w") as f:
                json.dump({"name": "codes", "action": "block", "threshold": 1,
                           "entries": [{"regex": "prj-([0-9]{4}", "weight": 1}]}, f)
            rc, _, err = c.ctl("lexicon", "add", lex)
            self.assertEqual(rc, 1)
            self.assertIn("policy.lexicons[0]", err)
            self.assertEqual(len(c.versions()), 1)

            rc, out, _ = c.ctl("--comment", "partners get their mail", "route", "add",
                               "example.com", "partners")
            self.assertEqual((rc, out.splitlines()[0]), (0, "committed version 2"))
            self.assertIn('+ routes[1]: {"domain":"example.com","group":"partners"}', out)
            rc, out, _ = c.ctl("route", "set", "example.com", "--group", "default", "--dry-run")
            self.assertEqual(rc, 0)
            self.assertIn('~ routes[1].group: "partners" -> "default"', out)
            self.assertEqual(len(c.versions()), 2)
            with open(lex, "w") as f:
                json.dump({"name": "codes", "action": "block", "threshold": 1,
                           "entries": [{"word": "falcon", "weight": 1}]}, f)
            self.assertEqual(c.ctl("lexicon", "add", lex)[0], 0)
            rc, out, _ = c.ctl("lexicon", "list")
            self.assertRegex(out, r"(?m)^codes +block +1 +1$")
            self.assertEqual(c.ctl("client-network", "add", "10.20.0.0/16")[0], 0)

            rc, out, _ = c.ctl("config", "history")
            lines = out.splitlines()
            self.assertRegex(lines[0], r"^VERSION +WHEN \(UTC\) +UID +COMMENT$")
            self.assertRegex(lines[3], r"^2 +\d{4}-\d\d-\d\dT[\d:]+Z +0 +partners get their mail$")
            self.assertEqual(len(lines), 5)
            rc, out, _ = c.ctl("--json", "config", "diff", "1", "4")
            changes = {ch["path"]: ch for ch in json.loads(out)["changes"]}
            self.assertEqual(set(changes), {"routes[1]", "policy", "relay_networks[1]"})

            rc, out, _ = c.ctl("config", "rollback", "1")
            self.assertEqual((rc, out.splitlines()[0]), (0, "committed version 5"))
            v1 = c.request("config.show", {"n": 1})["doc"]
            v5 = c.request("config.show", {"n": 5})["doc"]
            self.assertEqual(v1, v5)
            self.assertIn("rollback", c.ctl("config", "rollback", "99")[2] + "rollback")
            self.assertEqual(c.ctl("config", "rollback", "99")[0], 1)

            # Export, then import: unchanged is no new version; a change is.
            rc, out, _ = c.ctl("config", "export")
            exported = os.path.join(c.tmp.name, "export.json")
            with open(exported, "w") as f:
                f.write(out)
            rc, out, _ = c.ctl("config", "import", exported)
            self.assertEqual((rc, out), (0, "no change: version 5 already is so\n"))
            with open(exported) as f:
                doc = json.load(f)
            doc["routes"].append({"domain": "x.example", "group": "partners"})
            with open(exported, "w") as f:
                json.dump(doc, f)
            rc, out, _ = c.ctl("config", "import", exported, "--dry-run")
            self.assertEqual(rc, 0)
            self.assertIn("valid; would change", out)
            self.assertEqual(len(c.versions()), 5)
            self.assertEqual(c.ctl("config", "import", exported)[0], 0)
            self.assertEqual(len(c.versions()), 6)
            doc["routes"][1]["group"] = "ghost"
            with open(exported, "w") as f:
                json.dump(doc, f)
            rc, _, err = c.ctl("config", "import", exported, "--dry-run")
            self.assertEqual(rc, 1)
            self.assertIn("routes[1].group", err)

            # Usage errors exit 2; --json answers everywhere.
            self.assertEqual(c.ctl("route", "frobnicate")[0], 2)
            self.assertEqual(c.ctl("config", "diff", "x")[0], 2)
            for args in (("route", "list"), ("mta-group", "list"), ("tls-profile", "list"),
                         ("client-network", "list"), ("policy", "show"), ("lexicon", "list"),
                         ("license", "show"), ("config", "history"), ("status",)):
                rc, out, _ = c.ctl("--json", *args)
                self.assertEqual(rc, 0, args)
                self.assertTrue(json.loads(out)["ok"], args)
            edits = [e for e in c.events() if e.get("event") == "edit"]
            self.assertTrue(any(not e["ok"] and "routes[1].group" in e["error"] for e in edits))

    def test_unreachable(self):
        p = subprocess.run([REDLINECTL, "--socket", "/nonexistent/controld.sock", "route", "list"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        with Controld(dataplane_socket="/nonexistent/redlined.sock") as c:
            rc, _, err = c.ctl("stats")
            self.assertEqual(rc, 2)
            self.assertIn("cannot be reached", err)
            rc, out, _ = c.ctl("status")
            self.assertEqual(rc, 0)
            self.assertIn("dataplane      unreachable", out)


class Licences(unittest.TestCase):
    def test_install_and_refusals(self):
        with Controld() as c:
            d = c.tmp.name
            rc, out, _ = c.ctl("--json", "license", "show")
            lic = json.loads(out)["license"]
            self.assertEqual((lic["state"], lic["tier"], lic["evaluation"]),
                             ("missing", "low", True))

            good = os.path.join(d, "good.lic")
            self.assertEqual(issue(good, tier="high")[0], 0)
            with open(good) as f:
                text = f.read()

            def refused(name, content, why):
                path = os.path.join(d, name)
                with open(path, "w") as f:
                    f.write(content)
                rc, _, err = c.ctl("license", "install", path)
                self.assertEqual(rc, 1, (name, err))
                self.assertIn(why, err)

            # A flipped byte, a tampered tier, another vendor's key, the dates.
            flipped = text.replace("Test Bank plc", "Test Bank plx")
            refused("flipped.lic", flipped, "does not match the licence's text")
            refused("tier.lic", text.replace("tier: high", "tier: very-high"),
                    "does not match the licence's text")
            refused("ultra.lic", text.replace("tier: high", "tier: ultra"), "tier")
            other_key = os.path.join(d, "other.key")
            subprocess.run([LICENSE_TOOL, "keygen", "--private", other_key, "--public",
                            os.path.join(d, "other.pub")], check=True, capture_output=True)
            wrong = os.path.join(d, "wrong.lic")
            self.assertEqual(issue(wrong, key=other_key)[0], 0)
            refused("wrong.lic", read(wrong), "is not a key this build trusts")
            expired = os.path.join(d, "expired.lic")
            self.assertEqual(issue(expired, not_before="2020-01-01", expires="2021-01-01")[0], 0)
            refused("expired.lic", read(expired), "expired at 2021-01-01T00:00:00Z")
            future = os.path.join(d, "future.lic")
            self.assertEqual(issue(future, not_before="2099-01-01", expires="2100-01-01")[0], 0)
            refused("future.lic", read(future), "is not valid before 2099-01-01")
            self.assertEqual(issue(os.path.join(d, "x.lic"), tier="ultra")[0], 2)
            self.assertEqual(len(c.versions()), 1)  # nothing changed

            rc, out, err = c.ctl("license", "install", good)
            self.assertEqual(rc, 0, err)
            rc, out, _ = c.ctl("--json", "license", "show")
            lic = json.loads(out)["license"]
            self.assertEqual((lic["state"], lic["tier"], lic["evaluation"], lic["serial"],
                              lic["rate_per_hour"]), ("valid", "high", False, "RL-T-1", 60000))
            self.assertGreaterEqual(lic["days_left"], 364)
            rc, out, _ = c.ctl("license", "show")
            self.assertRegex(out, r"(?m)^state +valid$")

            # Ten days left: installed, with the warning.
            soon = os.path.join(d, "soon.lic")
            exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 10 * 86400 + 60))
            self.assertEqual(issue(soon, tier="very-high", expires=exp, serial="RL-T-2")[0], 0)
            self.assertEqual(c.ctl("license", "install", soon)[0], 0)
            lic = c.request("license.show")["license"]
            self.assertEqual((lic["state"], lic["days_left"], lic["rate_per_hour"]),
                             ("expiring", 10, 0))
            self.assertIn("renew", lic["message"])
            status = c.request("status")
            self.assertEqual(status["license"]["state"], "expiring")

            # A rollback changes the configuration, never the licence.
            self.assertEqual(c.ctl("config", "rollback", "1")[0], 0)
            self.assertEqual(c.request("license.show")["license"]["serial"], "RL-T-2")

    def test_production_build_trusts_no_test_key(self):
        with Controld(binary=CONTROLD_PROD) as c:
            good = os.path.join(c.tmp.name, "good.lic")
            self.assertEqual(issue(good)[0], 0)
            rc, _, err = c.ctl("license", "install", good)
            self.assertEqual(rc, 1)
            self.assertIn("(0 trusted)", err)


class Privileges(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0 or os.environ.get("CI") == "true",
                         "controld drops root only when started as root (CI runs as root)")
    def test_started_as_root_runs_as_redline(self):
        pw = pwd.getpwnam("redline")  # scripts/deps.sh makes the account
        with Controld() as c:
            # The socket serves from its own thread before the drop; the
            # "started" line is logged after it.
            end = time.monotonic() + 10
            while '"event":"started"' not in c.log() and time.monotonic() < end:
                time.sleep(0.02)
            with open(f"/proc/{c.proc.pid}/status") as f:
                status = dict(l.split(":", 1) for l in f.read().splitlines())
            self.assertEqual(status["Uid"].split(), [str(pw.pw_uid)] * 4)
            self.assertEqual(status["Gid"].split(), [str(pw.pw_gid)] * 4)
            self.assertEqual(status["Groups"].split(), [])
            self.assertEqual(status["CapEff"].strip(), "0" * 16)
            # Edits after the drop commit: the store is the account's.
            rc, out, err = c.ctl("route", "add", "after.example", "partners")
            self.assertEqual((rc, out.splitlines()[0]), (0, "committed version 2"), err)
            db = os.path.join(c.state, "config.db")
            for path in (c.state, db, db + "-wal", db + "-shm"):
                st = os.stat(path)
                self.assertEqual((st.st_uid, st.st_gid), (pw.pw_uid, pw.pw_gid), path)
            st = os.stat(c.sock)
            self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777),
                             (pw.pw_uid, ADMIN_GID, 0o660))
            # Started again on the same store (now the account's), it opens it.
            self.assertEqual(c.stop(), 0)
            c.start()
            self.assertEqual([v["version"] for v in c.versions()], [2, 1])
        # An account that does not exist stops it before it serves.
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([CONTROLD, "--foreground", "--socket", os.path.join(d, "s"),
                                "--state-dir", os.path.join(d, "st"), "--metrics", "off",
                                "--push-socket", "", "--dataplane-socket", "",
                                "--user", "no-such-redline-user"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn("user: no such account 'no-such-redline-user'", p.stderr)


class Peers(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0 or os.environ.get("CI") == "true",
                         "needs root to run redlinectl as other users (setpriv)")
    def test_outside_admin_group_refused(self):
        with Controld() as c:
            st = os.stat(c.sock)
            self.assertEqual((st.st_mode & 0o777, st.st_gid), (0o660, ADMIN_GID))
            # The file mode stops a stranger first...
            rc, _, err = c.ctl("route", "list", user=65534)
            self.assertEqual(rc, 2)
            self.assertIn("Permission denied", err)
            # ...and the peer credentials if the mode were opened up.
            os.chmod(c.sock, 0o666)
            rc, _, err = c.ctl("route", "add", "evil.example", "default", user=65534)
            self.assertEqual(rc, 1)
            self.assertIn("permission denied: only root and members of the admin group", err)
            refused = [e for e in c.events() if e.get("event") == "refused"]
            self.assertEqual(refused[-1]["uid"], 65534)
            # A member of the admin group (a supplementary group) is served.
            rc, out, err = c.ctl("--comment", "by a member", "route", "add", "ok.example",
                                 "default", user=65534, groups=[ADMIN_GID])
            self.assertEqual(rc, 0, err)
            v = c.versions()[0]
            self.assertEqual((v["version"], v["uid"], v["comment"]), (2, 65534, "by a member"))

    def test_garbage_and_oversized(self):
        with Controld() as c:
            for data, why in [
                (b"garbage\n", "expected a JSON request"),
                (b"{\"cmd\": \"route.list\"\n", "column"),
                (b"{\"cmd\": \"rm -rf\"}\n", "unknown command"),
                (b"{\"cmd\": \"route.list\", \"cmd\": \"x\"}\n", "duplicate"),
                (b"{\"cmd\":\0\"x\"}\n", "NUL"),
                (b"\xff\xfe\n", "expected a JSON request"),
                (b"{\"cmd\": \"route.add\", \"args\": {\"domain\": 5}}\n", "domain"),
            ]:
                ans = c.raw(data)
                self.assertFalse(ans["ok"], data)
                self.assertIn(why, ans["error"], data)
            big = b"{\"cmd\":\"route.list\",\"comment\":\"" + b"x" * (2 << 20) + b"\"}\n"
            ans = c.raw(big)
            self.assertFalse(ans["ok"])
            self.assertIn("longer than 1048576 octets", ans["error"])
            self.assertEqual(c.raw(b"", shut=True), {"ok": False, "error": "empty request"})
            # Still serving, nothing changed.
            self.assertEqual(c.ctl("route", "list")[0], 0)
            self.assertEqual(len(c.versions()), 1)


class Durability(unittest.TestCase):
    def test_kill9_during_commits(self):
        """1,000 commits while controld is killed with SIGKILL at random moments
        and restarted: every acknowledged version survives with its content,
        versions stay contiguous, the database passes SQLite's integrity
        check."""
        rnd = random.Random(14)
        acked = {}  # version -> group it set
        with Controld() as c:
            done = 0
            kills = 0
            while done < 1000:
                stop = threading.Event()

                def killer():
                    if not stop.wait(rnd.uniform(0.05, 0.4)):
                        c.kill9()

                t = threading.Thread(target=killer)
                t.start()
                while done < 1000:
                    group = "partners" if done % 2 else "default"
                    try:
                        ans = c.request("route.set", {"domain": "*", "group": group},
                                        comment=f"change {done}")
                    except (OSError, json.JSONDecodeError):
                        ans = b""
                    if ans == b"":
                        break  # killed mid-request: the version may or may not exist
                    self.assertTrue(ans["ok"], ans)
                    if ans["changed"]:
                        acked[ans["version"]] = group
                    done += 1
                stop.set()
                t.join()
                if c.proc.poll() is not None:
                    kills += 1
                    conn = sqlite3.connect(os.path.join(c.state, "config.db"))
                    self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                    conn.close()
                    c.start()
            self.assertGreaterEqual(kills, 1)
            versions = [v["version"] for v in c.request("config.history")["versions"]]
            self.assertEqual(versions, list(range(len(versions), 0, -1)))
            self.assertGreaterEqual(len(versions), max(acked))
            for n, group in rnd.sample(sorted(acked.items()), 50):
                doc = c.request("config.show", {"n": n})["doc"]
                self.assertEqual(doc["routes"][0]["group"], group, n)


class WithDataplane(unittest.TestCase):
    def test_metrics_and_forwarded_commands(self):
        with Sink() as sink, Gateway([f"*=127.0.0.1:{sink.port}"],
                                     extra=["--workers", "2"]) as gw, \
                Controld(dataplane_socket=gw.control_path) as c:
            with smtplib.SMTP("127.0.0.1", gw.port, timeout=20) as s:
                s.sendmail("a@x.test", ["b@example.com"],
                           b"Subject: m\r\n\r\ncard 4111 1111 1111 1111\r\n")
            sink.wait(1)
            # redlined's own commands, through controld.
            rc, out, err = c.ctl("stats")
            self.assertEqual(rc, 0, err)
            self.assertRegex(out, r"(?m)^messages_relayed +1$")
            self.assertEqual(c.ctl("quarantine", "list"), (0, "quarantine is empty\n", ""))
            rc, _, err = c.ctl("quarantine", "delete", "nosuch.1")
            self.assertEqual(rc, 1)
            self.assertIn("no quarantined message nosuch.1", err)
            rc, out, _ = c.ctl("status")
            self.assertIn("dataplane      2 workers", out)
            rc, out, err = c.ctl("log", "reopen")
            self.assertEqual((rc, out), (0, f"reopened the tracking log {gw.log}\n"), err)

            url = f"http://127.0.0.1:{c.metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as r:
                self.assertEqual(r.headers["Content-Type"],
                                 "text/plain; version=0.0.4; charset=utf-8")
                text = r.read().decode()
            fams = {f.name: f for f in text_string_to_metric_families(text)}
            # The parser drops the _total suffix from counter families.
            for name, kind in [("redline_messages_received", "counter"),
                               ("redline_bytes_received", "counter"),
                               ("redline_findings", "counter"),
                               ("redline_replies", "counter"),
                               ("redline_connections_active", "gauge"),
                               ("redline_config_version_committed", "gauge"),
                               ("redline_license_days_left", "gauge"),
                               ("redline_license_evaluation", "gauge"),
                               ("redline_dataplane_up", "gauge")]:
                self.assertIn(name, fams, name)
                self.assertEqual(fams[name].type, kind, name)
            for f in fams.values():
                if f.type == "counter":
                    for s in f.samples:
                        self.assertTrue(s.name.endswith("_total"), s.name)

            def value(fam, **labels):
                return sum(s.value for s in fams[fam].samples
                           if all(s.labels.get(k) == v for k, v in labels.items()))

            self.assertEqual(value("redline_messages_received"), 1)
            self.assertEqual({s.labels["worker"] for s in fams["redline_messages_received"].samples},
                             {"0", "1"})
            self.assertEqual(value("redline_findings", type="CREDIT_CARD"), 1)
            self.assertEqual(value("redline_replies", **{"class": "2xx"}), 1)
            self.assertEqual(value("redline_dataplane_up"), 1)
            self.assertEqual(value("redline_license_evaluation"), 1)
            self.assertEqual(value("redline_config_version_committed"), 1)
            # The same names once each: HELP and TYPE per family.
            types = [l.split()[2] for l in text.splitlines() if l.startswith("# TYPE")]
            self.assertEqual(len(types), len(set(types)))

            for path, method, code in [("/other", "GET", 404), ("/metrics", "POST", 405)]:
                req = urllib.request.Request(f"http://127.0.0.1:{c.metrics_port}{path}",
                                             method=method, data=b"" if method == "POST" else None)
                with self.assertRaises(urllib.error.HTTPError) as e:
                    urllib.request.urlopen(req, timeout=10)
                self.assertEqual(e.exception.code, code)

    def test_metrics_refuse_non_loopback(self):
        c = Controld()
        c.args[c.args.index("--metrics") + 1] = "0.0.0.0:9465"
        p = subprocess.run(c.args, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("must be a loopback address", p.stderr)
        c.tmp.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)

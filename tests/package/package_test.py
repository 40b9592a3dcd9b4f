# SPDX-License-Identifier: Apache-2.0
"""The Debian packages on this machine, as an operator meets them. Built by
scripts/deb.sh (`make deb`, lintian included) into the directory given as
the first argument; run by `make test-deb` (part of `make test`), as root.

In order: what the packages hold (binaries, man pages, completions,
conffiles, unit, debug symbols); `apt-get install ./*.deb`; the account and
directories postinst makes; the unit checked by `systemd-analyze verify` and
scored by `systemd-analyze security`; the installed gateway run as its unit
runs it (user redline, the packaged configuration) with real peers; the
packaged logrotate rule on the installed files; redline-controld and
redlined together as installed, a change made with redlinectl reaching
redlined (pushed to its packaged config_socket); an upgrade keeping a
modified /etc/redline file (same conffile, and one the new version changes);
remove keeping the configuration; purge taking everything, the account too.

The test runs in a mount namespace of its own whose /etc is a copy: the
accounts it makes and removes (and /etc/redline) are the copy's, so a
`redline` account that scripts/deps.sh made for the other tests is neither
used nor removed here, and both of postinst's cases are tested: no account
(made, then removed on purge) and the administrator's (used, kept).

systemd is not PID 1 on these machines, so the unit is not started here:
notify_test.py plays the manager against the same binary."""
import fcntl
import glob
import grp
import json
import os
import pwd
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from gwlib import Sink, free_port, wait_port  # noqa: E402

OUT = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build-deb")
CI = os.environ.get("CI") == "true"
LOCK = "/run/lock/redline-package-test.lock"
PACKAGES = ["redline", "redline-bench", "redline-dbgsym", "redline-bench-dbgsym"]
UNIT = "/lib/systemd/system/redlined.service"
CONTROLD_UNIT = "/lib/systemd/system/redline-controld.service"
EXPOSURE_MAX = 2.0  # systemd-analyze security: "OK" and below
QPOLICY = {"version": "pkg-q-1", "detectors": {"IBAN": {"action": "quarantine"}}}
IBAN_BODY = b"Subject: q\r\n\r\nIBAN GB82 WEST 1234 5698 7654 32\r\n"


def run(*cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def apt(*args):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return run("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", *args, env=env)


def installed(pkg):
    p = run("dpkg-query", "-W", "-f=${Status}", pkg, check=False)
    return p.returncode == 0 and p.stdout.endswith(" installed")


def status(pkg):
    p = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg, check=False)
    return p.stdout.strip() if p.returncode == 0 else ""


def deb(name):
    found = glob.glob(os.path.join(OUT, f"{name}_*_amd64.deb"))
    if len(found) != 1:
        raise AssertionError(f"{name}: expected one .deb in {OUT}, found {found}")
    return found[0]


def contents(path):
    """The paths a .deb holds, without the leading '.'."""
    tar = subprocess.run(f"dpkg-deb --fsys-tarfile '{path}' | tar -t", shell=True,
                         capture_output=True, text=True, check=True).stdout
    return {l[1:].rstrip("/") for l in tar.splitlines() if l not in ("./", "")}


def repack(path, version, edit=None):
    """A copy of `path` as version `version`, its files changed by edit(root)
    and md5sums made again: the "next build" for the upgrade steps."""
    d = tempfile.mkdtemp(prefix="redline-repack-")
    try:
        run("dpkg-deb", "-R", path, d)
        ctl = os.path.join(d, "DEBIAN", "control")
        with open(ctl) as f:
            text = re.sub(r"(?m)^Version: .*$", f"Version: {version}", f.read())
        with open(ctl, "w") as f:
            f.write(text)
        if edit is not None:
            edit(d)
        sums = subprocess.run("find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | "
                              "xargs -0 md5sum | sed 's# \\./# #'", shell=True, cwd=d,
                              capture_output=True, text=True, check=True).stdout
        with open(os.path.join(d, "DEBIAN", "md5sums"), "w") as f:
            f.write(sums)
        out = os.path.join(OUT, "upgrade", f"redline_{version}_amd64.deb")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", d, out)  # fast
        return out
    finally:
        shutil.rmtree(d)


def isolate():
    """Runs this file again inside `unshare --mount` with a private copy of
    /etc bound over /etc; returns only inside it."""
    if os.environ.get("RL_PKG_PRIVATE_ETC") == "1":
        return
    tmp = tempfile.mkdtemp(prefix="redline-pkg-etc-")
    # An empty /var/lib/man-db too: without its auto-update flag, man-db's
    # trigger skips rebuilding the index at every install and removal (the
    # slowest step here; `man -w` reads the directories, not the index).
    script = (f"cp -a /etc {tmp}/etc && mount --bind {tmp}/etc /etc && "
              "{ [ ! -d /var/lib/man-db ] || mount -t tmpfs tmpfs /var/lib/man-db; } && exec \"$@\"")
    try:
        rc = subprocess.call(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                              script, "sh", sys.executable, os.path.abspath(__file__), OUT,
                              *sys.argv[1:]],
                             env=dict(os.environ, RL_PKG_PRIVATE_ETC="1"))
    finally:
        shutil.rmtree(tmp)
    sys.exit(rc)


def purge_all():
    present = [p for p in PACKAGES if status(p)]
    if present:
        apt("purge", *present)


class Package(unittest.TestCase):
    """One installation's life; the steps run in their numbered order."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            if CI:
                raise AssertionError("the package test needs root (CI runs as root)")
            raise unittest.SkipTest("installing packages needs root (CI runs as root)")
        # One package test on this machine at a time.
        cls.lock = open(LOCK, "w")
        fcntl.flock(cls.lock, fcntl.LOCK_EX)
        purge_all()
        # This /etc is the namespace's copy: no account redline to start
        # with (one deps.sh made stays in the real /etc).
        if run("getent", "passwd", "redline", check=False).returncode == 0:
            # --force: other tests' gateways run as it (in the real /etc).
            run("userdel", "--force", "redline")
        if run("getent", "group", "redline", check=False).returncode == 0:
            run("groupdel", "redline")

    @classmethod
    def tearDownClass(cls):
        try:
            purge_all()
        finally:
            cls.lock.close()

    def test_0_contents(self):
        files = contents(deb("redline"))
        for f in ["/usr/sbin/redlined", "/usr/sbin/redlinectl", "/usr/bin/redline-scan",
                  "/usr/sbin/redline-controld", "/usr/bin/redline-hw", CONTROLD_UNIT,
                  "/etc/redline/redlined.json", "/etc/redline/policy.json",
                  "/etc/logrotate.d/redline", UNIT, "/usr/lib/tmpfiles.d/redline.conf",
                  "/usr/share/man/man5/redlined.json.5.gz",
                  "/usr/share/bash-completion/completions/redlinectl",
                  "/usr/share/bash-completion/completions/redline-scan",
                  "/usr/share/doc/redline/copyright", "/usr/share/doc/redline/CONFIG.md.gz"]:
            self.assertIn(f, files)
        bench = contents(deb("redline-bench"))
        self.assertIn("/usr/bin/redline-bench", bench)
        self.assertFalse(any("bench" in f for f in files), "redline holds bench files")
        self.assertNotIn("/usr/bin/redline-license", files)  # the vendor's tool
        # Every program has its man page, in the package that holds it.
        for pkg_files in (files, bench):
            progs = [f for f in pkg_files if re.match(r"^/usr/s?bin/[^/]+$", f)]
            self.assertTrue(progs)
            for p in progs:
                name = os.path.basename(p)
                sec = "8" if "/sbin/" in p else "1"
                self.assertIn(f"/usr/share/man/man{sec}/{name}.{sec}.gz", pkg_files, p)
        # Configuration files are conffiles.
        ctl = subprocess.run(f"dpkg-deb --ctrl-tarfile '{deb('redline')}' | tar -xO "
                             "./conffiles", shell=True, capture_output=True, text=True,
                             check=True).stdout.split()
        self.assertEqual(sorted(ctl), ["/etc/logrotate.d/redline", "/etc/redline/policy.json",
                                       "/etc/redline/redlined.json"])
        # The packaged policy is the built-in one.
        with tempfile.TemporaryDirectory() as d:
            run("dpkg-deb", "-x", deb("redline"), d)
            with open(os.path.join(d, "etc/redline/policy.json")) as f:
                shipped = json.load(f)
            builtin = json.loads(run(os.path.join(d, "usr/bin/redline-scan"),
                                     "--print-default-policy").stdout)
            self.assertEqual(shipped, builtin)

    def test_1_install(self):
        debs = [deb(p) for p in PACKAGES]
        apt("install", *debs)
        for p in PACKAGES:
            self.assertTrue(installed(p), p)
        self.assertEqual(run("/usr/sbin/redlined", "--help").returncode, 0)
        # The account: a system one, no login, home in the state directory.
        pw = pwd.getpwnam("redline")
        self.assertLess(pw.pw_uid, 1000)
        self.assertEqual(pw.pw_shell, "/usr/sbin/nologin")
        self.assertEqual(pw.pw_dir, "/var/lib/redline")
        self.assertEqual(grp.getgrgid(pw.pw_gid).gr_name, "redline")
        grp.getgrnam("redline-admin")  # controld's socket group
        self.assertIn("(package redline)", pw.pw_gecos)
        for path, owner, group, mode in [("/var/lib/redline", "redline", "redline", 0o750),
                                         ("/var/log/redline", "redline", "adm", 0o2750),
                                         ("/run/redline", "redline", "redline", 0o750)]:
            st = os.stat(path)
            self.assertEqual((pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name,
                              st.st_mode & 0o7777), (owner, group, mode), path)
        # Man pages and debug symbols where the tools look for them.
        for page in ["redlined", "redlinectl", "redline-controld", "redline-scan", "redline-hw",
                     "redline-bench", "redlined.json"]:
            self.assertTrue(run("man", "-w", page).stdout.strip(), page)
        for prog in ["/usr/sbin/redlined", "/usr/sbin/redlinectl", "/usr/sbin/redline-controld",
                     "/usr/bin/redline-scan", "/usr/bin/redline-hw", "/usr/bin/redline-bench"]:
            note = run("readelf", "-n", prog).stdout
            build_id = re.search(r"Build ID: ([0-9a-f]+)", note).group(1)
            debug = f"/usr/lib/debug/.build-id/{build_id[:2]}/{build_id[2:]}.debug"
            self.assertTrue(os.path.exists(debug), f"{prog}: no {debug}")
            self.assertNotIn(".debug_info", run("readelf", "-S", prog).stdout)  # stripped
            self.assertIn(".debug_info", run("readelf", "-S", debug).stdout)
        # The packaged configuration checks out as root (the account exists).
        p = run("/usr/sbin/redlined", "--config", "/etc/redline/redlined.json", "--check-config")
        self.assertIn("listen          127.0.0.1:10025\n", p.stdout)
        self.assertIn("user            redline (uid", p.stdout)

    def test_2_units(self):
        for unit in (UNIT, CONTROLD_UNIT):
            name = os.path.basename(unit)
            p = run("systemd-analyze", "verify", unit, check=False)
            self.assertEqual((p.returncode, p.stderr.strip()), (0, ""), p.stdout)
            p = run("systemd-analyze", "security", "--offline=yes", unit, check=False)
            m = re.search(rf"Overall exposure level for {name}: ([0-9.]+) (\w+)", p.stdout)
            self.assertIsNotNone(m, p.stdout + p.stderr)
            print(f"\nsystemd-analyze security {name}: {m.group(1)} {m.group(2)}",
                  file=sys.stderr)
            self.assertLessEqual(float(m.group(1)), EXPOSURE_MAX, p.stdout)
        with open(UNIT) as f:
            unit = f.read()
        for line in ["Type=notify", "WatchdogSec=30", "ExecReload=/bin/kill -HUP $MAINPID",
                     "User=redline", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ProtectHome=yes", "PrivateTmp=yes",
                     "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"]:
            self.assertIn(line + "\n", unit)

    def gateway(self, sink, tmp, port):
        """The installed redlined as its unit runs it: user redline, the
        packaged configuration; a free port and the test's sink instead of
        10025 and 10026, and a policy that quarantines IBANs."""
        policy = os.path.join(tmp, "policy.json")
        with open(policy, "w") as f:
            json.dump(QPOLICY, f)
        os.chmod(tmp, 0o755)
        os.chmod(policy, 0o644)
        cmd = ["setpriv", "--reuid=redline", "--regid=redline", "--init-groups",
               "--inh-caps=-all", "--bounding-set=-all",
               "/usr/sbin/redlined", "--config", "/etc/redline/redlined.json", "--foreground",
               "--listen", f"127.0.0.1:{port}", "--route", f"*=127.0.0.1:{sink.port}",
               "--policy", policy]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(port, proc)
        return proc

    def test_3_runs_and_rotates_as_installed(self):
        with Sink() as sink, tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            proc = self.gateway(sink, tmp, port)
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
                    c.sendmail("a@x.test", ["b@example.com"], b"Subject: 1\r\n\r\nhello\r\n")
                    c.sendmail("q@x.test", ["b@example.com"], IBAN_BODY)
                self.assertEqual(len(sink.wait(1)), 1)
                log = "/var/log/redline/track.log"
                st = os.stat(log)
                self.assertEqual((pwd.getpwuid(st.st_uid).pw_name,
                                  grp.getgrgid(st.st_gid).gr_name, st.st_mode & 0o777),
                                 ("redline", "adm", 0o640))
                # redlined's own socket: redline-controld does not run here.
                ctl = ["/usr/sbin/redlinectl", "--socket", "/run/redline/redlined.sock", "--json"]
                stats = json.loads(run(*ctl, "stats").stdout)
                self.assertEqual(stats["total"]["messages_relayed"], 1)
                listed = json.loads(run(*ctl, "quarantine", "list").stdout)["messages"]
                self.assertEqual([m["from"] for m in listed], ["q@x.test"])
                self.assertTrue(os.listdir("/var/lib/redline/quarantine/new"))
                # Bash completion offers the quarantined id to release.
                script = ("source /usr/share/bash-completion/bash_completion; "
                          "_completion_loader redlinectl; "
                          "COMP_WORDS=(redlinectl --socket /run/redline/redlined.sock "
                          "quarantine release ''); COMP_CWORD=5; "
                          "COMP_LINE='redlinectl --socket /run/redline/redlined.sock quarantine "
                          "release '; COMP_POINT=${#COMP_LINE}; "
                          "_redlinectl; printf '%s\\n' \"${COMPREPLY[@]}\"")
                self.assertEqual(run("bash", "-c", script).stdout.split(), [listed[0]["id"]])
                script = ("source /usr/share/bash-completion/bash_completion; "
                          "_completion_loader redline-scan; "
                          "COMP_WORDS=(redline-scan --pr); COMP_CWORD=1; "
                          "COMP_LINE='redline-scan --pr'; COMP_POINT=${#COMP_LINE}; "
                          "_redline_scan; printf '%s\\n' \"${COMPREPLY[@]}\"")
                self.assertEqual(run("bash", "-c", script).stdout.split(),
                                 ["--print-default-policy"])

                # The packaged rule, on the installed files (state of its own).
                state = os.path.join(tmp, "logrotate.state")
                p = run("logrotate", "--force", "--state", state, "/etc/logrotate.d/redline",
                        check=False)
                self.assertEqual((p.returncode, p.stderr), (0, ""))
                self.assertTrue(os.path.exists(log + ".1"))
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
                    c.sendmail("c@x.test", ["b@example.com"], b"Subject: 2\r\n\r\nagain\r\n")
                self.assertEqual(len(sink.wait(2)), 2)
                end = time.monotonic() + 5
                while time.monotonic() < end and os.path.getsize(log) == 0:
                    time.sleep(0.05)
                with open(log + ".1") as f:
                    before = [json.loads(l)["from"] for l in f]
                with open(log) as f:
                    after = [json.loads(l)["from"] for l in f]
                self.assertEqual(sorted(before), ["a@x.test", "q@x.test"])
                self.assertEqual(after, ["c@x.test"])
            finally:
                proc.terminate()
                _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)

    def test_3b_controld_pushes_to_the_installed_redlined(self):
        """Both daemons as their units run them (user redline; controld with
        the admin group and the unit's own command line): controld's first
        version is the packaged configuration, and a change made with
        redlinectl reaches redlined through the packaged config_socket."""
        with open("/etc/redline/redlined.json") as f:
            packaged = json.load(f)
        self.assertEqual(packaged["config_socket"], "/run/redline/redlined-config.sock")
        self.assertEqual(packaged["state_dir"], "/var/lib/redline/dataplane")
        with open(CONTROLD_UNIT) as f:
            exec_start = re.search(r"(?m)^ExecStart=(.*)$", f.read()).group(1).split()
        as_unit = ["setpriv", "--reuid=redline", "--regid=redline", "--inh-caps=-all",
                   "--bounding-set=-all"]
        ctl = ["/usr/sbin/redlinectl", "--json"]  # its default socket: controld's
        with Sink() as sink:
            port = free_port()
            gw = subprocess.Popen(as_unit + ["--init-groups", "/usr/sbin/redlined", "--config",
                                             "/etc/redline/redlined.json", "--foreground",
                                             "--listen", f"127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            controld = None
            try:
                wait_port(port, gw)
                controld = subprocess.Popen(
                    as_unit + ["--groups=redline-admin"] + exec_start +
                    ["--metrics", f"127.0.0.1:{free_port()}"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

                def workers_run(version):
                    end = time.monotonic() + 20
                    got = None
                    while time.monotonic() < end:
                        self.assertIsNone(controld.poll(), "controld exited")
                        p = run(*ctl, "stats", check=False)
                        if p.returncode == 0:
                            got = [w.get("config_version") for w in
                                   json.loads(p.stdout)["workers"]]
                            if got and all(v == version for v in got):
                                return
                        time.sleep(0.05)
                    self.fail(f"redlined's workers run {got}, not version {version}")

                # Version 1: the packaged route (everything to 127.0.0.1:10026).
                workers_run(1)
                doc = json.loads(run(*ctl, "config", "show").stdout)["doc"]
                self.assertEqual(doc["mta_groups"], packaged["mta_groups"])
                self.assertEqual(doc["routes"], packaged["routes"])
                self.assertEqual(doc["relay_networks"], packaged["relay_networks"])
                self.assertEqual(json.loads(run(*ctl, "config", "history").stdout)
                                 ["versions"][0]["comment"],
                                 "seeded from /etc/redline/redlined.json")
                # The administrator points the group at the test's sink.
                p = run("/usr/sbin/redlinectl", "--comment", "to the sink", "mta-group", "set",
                        "loopback", f"127.0.0.1:{sink.port}")
                self.assertTrue(p.stdout.startswith("committed version 2\n"), p.stdout)
                workers_run(2)
                end = time.monotonic() + 10
                while json.loads(run(*ctl, "status").stdout)["pushed"]["running"] != 2:
                    self.assertLess(time.monotonic(), end, "redlined did not acknowledge 2")
                    time.sleep(0.05)
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
                    c.sendmail("a@x.test", ["b@example.com"], b"Subject: v2\r\n\r\nhello\r\n")
                self.assertEqual(len(sink.wait(1)), 1)
                # What each daemon keeps, owned by the account, in the packaged places.
                for path, mode in [("/var/lib/redline/dataplane", 0o700),
                                   ("/var/lib/redline/config.db", None)]:
                    st = os.stat(path)
                    self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, "redline", path)
                    if mode is not None:
                        self.assertEqual(st.st_mode & 0o7777, mode, path)
                self.assertTrue(os.path.exists("/var/lib/redline/dataplane/snapshot"))
            finally:
                procs = [x for x in (controld, gw) if x is not None]
                for x in procs:
                    x.terminate()
                errs = [x.communicate(timeout=60)[1].decode(errors="replace") for x in procs]
            for x, err in zip(procs, errs):
                self.assertEqual(x.returncode, 0, err)

    def test_4_upgrade_keeps_a_modified_conffile(self):
        conf = "/etc/redline/redlined.json"
        with open(conf) as f:
            cfg = json.load(f)
        cfg["hostname"] = "gw.upgrade.test"
        mine = json.dumps(cfg, indent=2) + "\n"
        with open(conf, "w") as f:
            f.write(mine)
        marker = "/var/lib/redline/quarantine/new/kept-across-upgrade"
        with open(marker, "w") as f:
            f.write("x")
        uid = pwd.getpwnam("redline").pw_uid
        apt("remove", "redline-dbgsym")  # it depends on this exact version

        # The next build, same shipped conffile: the modified file stays, silently.
        apt("install", repack(deb("redline"), "0.1.0+up1"))
        self.assertEqual(run("dpkg-query", "-W", "-f=${Version}", "redline").stdout, "0.1.0+up1")
        with open(conf) as f:
            self.assertEqual(f.read(), mine)
        self.assertFalse(glob.glob(conf + ".dpkg-*"))

        # One whose shipped file changed too: the administrator's is kept,
        # the new one left beside it (the non-interactive answer).
        def change(root):
            path = os.path.join(root, "etc/redline/redlined.json")
            with open(path) as f:
                shipped = json.load(f)
            shipped["workers"] = 2
            with open(path, "w") as f:
                json.dump(shipped, f, indent=2)
        apt("-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
            "install", repack(deb("redline"), "0.1.0+up2", change))
        with open(conf) as f:
            self.assertEqual(f.read(), mine)
        with open(conf + ".dpkg-dist") as f:
            self.assertEqual(json.load(f)["workers"], 2)
        os.unlink(conf + ".dpkg-dist")
        # State and account survive the upgrades.
        self.assertTrue(os.path.exists(marker))
        self.assertEqual(pwd.getpwnam("redline").pw_uid, uid)

    def test_5_remove_keeps_the_configuration(self):
        apt("remove", "redline")
        self.assertEqual(status("redline"), "rc")
        self.assertFalse(os.path.exists("/usr/sbin/redlined"))
        self.assertTrue(os.path.exists("/etc/redline/redlined.json"))
        self.assertTrue(os.path.exists("/var/lib/redline/quarantine/new"))
        pwd.getpwnam("redline")  # still there

    def test_6_purge_takes_everything(self):
        apt("purge", "redline")
        self.assertEqual(status("redline"), "")
        for path in ["/etc/redline", "/var/lib/redline", "/var/log/redline", "/run/redline",
                     "/etc/logrotate.d/redline", UNIT]:
            self.assertFalse(os.path.exists(path), path)
        self.assertRaises(KeyError, pwd.getpwnam, "redline")
        self.assertRaises(KeyError, grp.getgrnam, "redline")

    def test_7_an_administrators_account_is_used_and_kept(self):
        run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
            "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment", "ours", "redline")
        try:
            uid = pwd.getpwnam("redline").pw_uid
            apt("install", deb("redline"))
            self.assertEqual(os.stat("/var/lib/redline").st_uid, uid)
            apt("purge", "redline")
            self.assertEqual(status("redline"), "")
            self.assertEqual(pwd.getpwnam("redline").pw_uid, uid)
            self.assertEqual(pwd.getpwnam("redline").pw_gecos, "ours")
        finally:
            run("userdel", "redline", check=False)


if __name__ == "__main__":
    isolate()
    unittest.main(verbosity=2)

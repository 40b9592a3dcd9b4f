# SPDX-License-Identifier: Apache-2.0
"""redlined --check-config: reads and checks everything start-up would
(configuration, policy, TLS files, account, CPUs, directories), prints what
would run, binds and creates nothing; a refusal names the field and why
(exit 2). The packaged default configuration passes it."""
import json
import os
import socket
import subprocess
import tempfile
import unittest

from gwlib import REDLINE_SCAN, REDLINED, SRC, free_port


def check(*args):
    p = subprocess.run([REDLINED, "--check-config", *args], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="redline-check-")
        self.addCleanup(self.dir.cleanup)
        self.d = self.dir.name

    def config(self, **over):
        port = free_port()
        cfg = {
            "listen": [f"127.0.0.1:{port}"],
            "mta_groups": {"next": ["127.0.0.1:2526", "[::1]:2527"]},
            "routes": [{"domain": "*", "group": "next"}],
            "relay_networks": ["127.0.0.0/8"],
            "quarantine_dir": os.path.join(self.d, "q"),
            "log": os.path.join(self.d, "track.log"),
            "control_socket": os.path.join(self.d, "ctl.sock"),
            "user": "nobody",
        }
        cfg.update(over)
        path = os.path.join(self.d, "redlined.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path, port

    def test_valid_describes_and_touches_nothing(self):
        path, port = self.config(workers=2)
        rc, out, err = check("--config", path)
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.endswith("redlined: configuration valid\n"), out)
        self.assertIn(f"listen          127.0.0.1:{port}\n", out)
        self.assertIn("route           * -> next: 127.0.0.1:2526 (127.0.0.1:2526) [::1]:2527 "
                      "([::1]:2527), tls default (opportunistic)\n", out)
        self.assertIn("relay_network   127.0.0.0/8\n", out)
        self.assertIn("workers         2, backend kernel, idle sleep, cores any, any\n", out)
        self.assertIn("policy          built-in, version ", out)
        self.assertIn("tls             no STARTTLS on the listener\n", out)
        self.assertIn(f"log             {self.d}/track.log\n", out)
        # Nothing bound, nothing created.
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
        self.assertEqual(sorted(os.listdir(self.d)), ["redlined.json"])

    def test_refusals_name_the_field(self):
        cases = [
            ({"workers": 0}, "redlined: workers: "),
            ({"tls": {"cert": os.path.join(self.d, "none.pem"),
                      "key": os.path.join(self.d, "none.key")}}, "redlined: tls.cert: "),
            ({"user": "no-such-user-here"}, "redlined: user: no-such-user-here: no such account"),
            ({"log": os.path.join(self.d, "missing", "track.log")},
             f"redlined: log: {self.d}/missing: No such file or directory"),
            ({"control_socket": os.path.join(self.d, "missing", "ctl.sock")},
             f"redlined: control_socket: {self.d}/missing: No such file or directory"),
            ({"workers": 2, "cores": [0, 1000]},
             "redlined: cores: CPU 1000 of worker 1 is not one this process may run on"),
            ({"policy": os.path.join(self.d, "none.json")}, "redlined: policy "),
            ({"listen": ["127.0.0.1:0"]}, "redlined: listen"),
        ]
        for over, want in cases:
            with self.subTest(over=over):
                path, _ = self.config(**over)
                rc, out, err = check("--config", path)
                if "user" in over and os.geteuid() != 0:
                    self.assertEqual(rc, 0)  # not root: nothing to drop to, not checked
                    continue
                self.assertEqual(rc, 2, out)
                self.assertEqual(out, "")
                # One refusal, last; before it only warnings (the topology
                # check's, hw/README.md).
                lines = err.splitlines()
                self.assertTrue(lines[-1].startswith(want), err)
                self.assertTrue(all(l.startswith("redlined: warning: ") for l in lines[:-1]), err)
        # A file in the quarantine's place.
        with open(os.path.join(self.d, "q"), "w"):
            pass
        path, _ = self.config()
        rc, _, err = check("--config", path)
        self.assertEqual((rc, err), (2, f"redlined: quarantine_dir: {self.d}/q is not a "
                                        "directory\n"))

    def test_packaged_default_configuration(self):
        """debian/redlined.json with the package's policy: valid, listening
        on loopback only, relaying for loopback only."""
        path = os.path.join(SRC, "debian", "redlined.json")
        with open(path) as f:
            cfg = json.load(f)
        for a in cfg["listen"]:
            self.assertTrue(a.startswith("127.0.0.1:") or a.startswith("[::1]:"), a)
        for net in cfg["relay_networks"]:
            self.assertIn(net, ("127.0.0.0/8", "::1/128"))
        # The package builds /etc/redline/policy.json from the built-in
        # policy (debian/rules); its paths (/var/lib, /var/log, /run) are
        # pointed at this test's directory.
        policy = os.path.join(self.d, "policy.json")
        with open(policy, "w") as f:
            subprocess.run([REDLINE_SCAN, "--print-default-policy"], stdout=f, check=True)
        rc, out, err = check("--config", path, "--policy", policy,
                             "--log", os.path.join(self.d, "track.log"),
                             "--control-socket", os.path.join(self.d, "ctl.sock"),
                             "--quarantine", os.path.join(self.d, "q"), "--user", "nobody")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("listen          127.0.0.1:10025\n", out)
        self.assertIn("route           * -> loopback: 127.0.0.1:10026", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)

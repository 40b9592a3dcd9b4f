# SPDX-License-Identifier: Apache-2.0
"""The crash harness (crash_harness.py) in `make test`: 40 cycles of kill -9
at random points of SMTP transactions and quarantine releases, deliver,
redact and quarantine verdicts, restarts within the same second; no
acknowledged message may be lost or go without its tracking line. The full
200 cycles run from bench/crash.sh (issue 13)."""
import os
import sys
import unittest

from crash_harness import Harness


class Crash(unittest.TestCase):
    def test_kill_anywhere_loses_nothing(self):
        seed = int(os.environ.get("RL_CRASH_SEED", "13"))
        h = Harness(cycles=40, seed=seed, log=lambda s: print(s, file=sys.stderr))
        try:
            res = h.run()
        finally:
            h.close()
        print(res, file=sys.stderr)
        self.assertGreater(res["acknowledged"], 20)
        self.assertGreater(res["kills"]["release"], 0)
        self.assertEqual(res["lost_tokens"], [])
        self.assertEqual(res["unlogged"], 0)
        self.assertTrue(res["ids_unique"])
        self.assertEqual(res["tmp_leftovers"], 0)
        self.assertGreater(res["restarts_within_same_second"], 0)
        self.assertTrue(res["ok"])


if __name__ == "__main__":
    unittest.main(verbosity=2)

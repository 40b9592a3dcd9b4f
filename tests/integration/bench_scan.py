#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of `redline-bench scan`'s per-message figures.

1. The corpus mix (1 MiB, 3 runs): the JSON holds the fixed cost per message
   (a minimal message scanned by the engine and by raw Hyperscan, every run
   timed, medians and their ratio consistent with the runs) and the
   heaviest distinct messages of the corpus mix (at most 5, heaviest first,
   each a real message of the workload with a share of the engine time of
   the distinct set); the table on stderr prints both.
2. A workload that is not repeated (dense prose) has no heaviest messages.
3. Negative: an unknown workload name is refused with exit status 1.

Usage: bench_scan.py REDLINE_BENCH
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run_bench(bench, out, *args):
    return subprocess.run(
        [bench, "scan", "--mb", "1", "--runs", "3", "--json", out, *args],
        capture_output=True, text=True, timeout=240)


def check_fixed(doc):
    f = doc["fixed_cost"]
    assert f["message_bytes"] > 100, f
    assert f["messages_per_run"] > 0, f
    for side in ("engine", "hs"):
        runs = f[side + "_us_runs"]
        assert len(runs) == 3 and all(r > 0 for r in runs), f
        assert abs(f[side + "_us_per_message"] - statistics.median(runs)) < 1e-6, f
    ratios = [h / e for e, h in zip(f["engine_us_runs"], f["hs_us_runs"])]
    assert abs(f["ratio_engine_hs"] - statistics.median(ratios)) < 1e-3 * max(ratios), f


def main():
    bench = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "scan.json")
        p = run_bench(bench, out, "--only", "corpus-mix")
        assert p.returncode == 0, p.stderr
        doc = json.load(open(out))
        check_fixed(doc)
        (w,) = doc["workloads"]
        assert w["name"] == "corpus-mix"
        top = w["heaviest_messages"]
        assert 1 <= len(top) <= 5, top
        assert len(top) == min(5, w["distinct_messages"]), top
        assert len({m["index"] for m in top}) == len(top), top
        us = [m["engine_us"] for m in top]
        assert us == sorted(us, reverse=True) and us[-1] > 0, top
        for m in top:
            assert 0 <= m["index"] < w["distinct_messages"], m
            assert 0 < m["bytes"] <= w["max_message_bytes"], m
            assert 0 < m["share"] <= 1, m
        assert sum(m["share"] for m in top) <= 1 + 1e-9, top
        assert "heaviest of" in p.stderr and "fixed cost per message" in p.stderr, p.stderr
        print("corpus-mix: fixed cost engine %.2f us, raw HS %.2f us; heaviest #%d %.0f us"
              % (doc["fixed_cost"]["engine_us_per_message"],
                 doc["fixed_cost"]["hs_us_per_message"], top[0]["index"], top[0]["engine_us"]))

        p = run_bench(bench, out, "--only", "dense-prose")
        assert p.returncode == 0, p.stderr
        doc = json.load(open(out))
        check_fixed(doc)
        (w,) = doc["workloads"]
        assert "heaviest_messages" not in w, w
        assert "heaviest of" not in p.stderr, p.stderr

        p = run_bench(bench, out, "--only", "no-such-workload")
        assert p.returncode == 1 and "no workload named" in p.stderr, (p.returncode, p.stderr)
    print("bench_scan: ok")


if __name__ == "__main__":
    main()

/* SPDX-License-Identifier: Apache-2.0 */
/* The `scan` subcommand of redline-bench: per-core throughput of the scan
 * engine against raw Hyperscan and memcpy on the same workloads. Main thread. */
#ifndef BENCH_SCAN_H
#define BENCH_SCAN_H

/* bench_scan_main runs `redline-bench scan [options]`; argv[0] is "scan".
 * Prints the table to stderr and JSON to stdout. Returns the process exit
 * status: 0, 1 on failure or unstable findings, 2 on a usage error. */
int bench_scan_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The `tls` subcommand of redline-bench: TLS handshakes and record
 * throughput of tls/ in memory on one core, side by side with `openssl
 * speed` for the same algorithms. Main thread. */
#ifndef BENCH_TLS_H
#define BENCH_TLS_H

/* bench_tls_main runs `redline-bench tls [options]`; argv[0] is "tls".
 * Prints a table to stderr and JSON to stdout. Returns the process exit
 * status: 0, 1 on failure, 2 on a usage error. */
int bench_tls_main(int argc, char **argv);

#endif

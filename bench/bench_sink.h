/* SPDX-License-Identifier: Apache-2.0 */
/* The `sink` subcommand of redline-bench: an SMTP server that accepts and
 * counts messages (one thread, epoll), optionally checks them for unredacted
 * values, saves them, or injects failures. Main thread. */
#ifndef BENCH_SINK_H
#define BENCH_SINK_H

/* bench_sink_main runs `redline-bench sink [options]`; argv[0] is "sink".
 * Serves until SIGINT or SIGTERM (or --exit-after), then prints a stats line
 * to stderr and JSON to stdout (and --json FILE). Returns the process exit
 * status: 0, 1 on a failure (cannot listen, cannot save), 2 on a usage
 * error. */
int bench_sink_main(int argc, char **argv);

#endif

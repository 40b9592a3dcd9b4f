/* SPDX-License-Identifier: Apache-2.0 */
/* The `smtp` subcommand of redline-bench: an SMTP load generator (one
 * thread, epoll, non-blocking sockets, prebuilt messages) that measures
 * messages/s, latency and its own CPU per message. Main thread. */
#ifndef BENCH_SMTP_H
#define BENCH_SMTP_H

/* bench_smtp_main runs `redline-bench smtp [options]`; argv[0] is "smtp".
 * Prints a summary to stderr and JSON to stdout (and --json FILE). Returns
 * the process exit status: 0, 1 when the run was aborted or a message ended
 * in a transport or protocol error, 2 on a usage error. */
int bench_smtp_main(int argc, char **argv);

#endif

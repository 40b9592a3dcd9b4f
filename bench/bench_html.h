/* SPDX-License-Identifier: Apache-2.0 */
/* The `html` subcommand of redline-bench: the HTML sanitiser's throughput
 * against a plain libxml2 parse of the same documents. Main thread. */
#ifndef BENCH_HTML_H
#define BENCH_HTML_H

/* bench_html_main runs `redline-bench html [options]`; argv[0] is "html".
 * Prints a table to stderr and JSON to stdout (and --json FILE). Returns the
 * process exit status: 0, 1 on failure, 2 on a usage error. */
int bench_html_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench docs`: Office documents through the document rewriter and
 * the message path vs unzip plus an XML parse of the same files. Main thread. */
#ifndef BENCH_DOCS_H
#define BENCH_DOCS_H

/* bench_docs_main runs the benchmark with `argv` (argv[0] is "docs"); the
 * table goes to stderr, the JSON to stdout (and --json FILE). Returns the
 * exit status: 0, 1 on a failure, 2 on a usage error. */
int bench_docs_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* redline-bench: runs one benchmark named by its first argument. Touches only
 * what the benchmark names (the corpus directory, stdout, stderr, an optional
 * --json file; `smtp` and `sink` also the network addresses and directories
 * given to them); needs no privileges, drops none. `scan` pins itself to one
 * CPU. Main thread only. */
#include <stdio.h>
#include <string.h>

#include "bench_docs.h"
#include "bench_html.h"
#include "bench_scan.h"
#include "bench_sink.h"
#include "bench_smtp.h"
#include "bench_tls.h"

struct subcommand {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *what;
};

static const struct subcommand subcommands[] = {
    {"scan", bench_scan_main, "scan engine throughput vs raw Hyperscan and memcpy, one core"},
    {"html", bench_html_main, "HTML sanitiser throughput vs a plain libxml2 parse, one core"},
    {"docs", bench_docs_main, "docx/xlsx through the document rewriter vs unzip + XML parse"},
    {"smtp", bench_smtp_main, "SMTP load generator: messages/s, latency, its own CPU/message"},
    {"sink", bench_sink_main, "SMTP sink: counts, verifies, saves messages; injects failures"},
    {"tls", bench_tls_main, "TLS handshakes/s and record throughput vs openssl speed, one core"},
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: redline-bench <benchmark> [options]   (<benchmark> --help for its options)\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        fprintf(f, "  %-6s %s\n", subcommands[i].name, subcommands[i].what);
    }
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            return subcommands[i].main(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "redline-bench: unknown benchmark '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

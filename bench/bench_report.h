/* SPDX-License-Identifier: Apache-2.0 */
/* The measurements of `redline-bench scan` and their two renderings: a table
 * for people (stderr) and JSON for bench/results/. Main thread only. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "bench_stream.h"
#include "internal.h"
#include "scan_message.h"

#define BENCH_RUNS_MAX 50

enum bench_mode {
    BENCH_M_ENGINE = 0, /* scan_message: parse, decode, detect, redact, re-encode, verify */
    BENCH_M_HS,         /* raw hs_scan of the decoded bytes, no start of match */
    BENCH_M_HS_SOM,     /* the same with HS_FLAG_SOM_LEFTMOST */
    BENCH_M_MEMCPY,     /* memcpy of the decoded bytes */
    BENCH_M__COUNT,
};

/* Everything measured on one workload. */
struct bench_figures {
    const struct bench_workload *w;                /* lent */
    double secs[BENCH_M__COUNT][BENCH_RUNS_MAX];   /* wall time of each run, seconds */
    uint64_t hits[BENCH_M__COUNT][BENCH_RUNS_MAX]; /* engine: findings; HS: matches */
    unsigned by_type[SCAN_T__COUNT];               /* engine findings per type, one pass */
    unsigned verdicts[SCAN_V_BLOCK + 1];           /* messages per verdict, one pass */
    unsigned errors;                               /* feed/finish failures, one pass */
    unsigned modified;                             /* messages rewritten, one pass */
    size_t scanned_bytes;                          /* decoded_len of parts the engine scanned */
    size_t out_bytes;                              /* engine output bytes, one pass */
    size_t max_msg_in;                             /* largest message as received, bytes */
    long peak_rss_kb;   /* high-water mark during the first engine pass, KiB */
    size_t state_bytes; /* scan_message_footprint: own state, largest seen */
    size_t part_bytes;  /* scan_message_footprint: part buffers, largest seen */
    /* Repeated workloads (n_distinct < n_msgs): engine seconds per distinct
     * message, the least of its copies in one untimed pass; owned, NULL
     * otherwise. */
    double *distinct_secs;
};

/* The per-message fixed cost: one minimal message (a few header fields and
 * one short line) scanned BENCH_FIXED_MSGS times per run by the engine and
 * by the raw Hyperscan set, interleaved. */
#define BENCH_FIXED_MSGS 2000
struct bench_fixed {
    size_t bytes;                       /* the message's size */
    double engine_secs[BENCH_RUNS_MAX]; /* per run, BENCH_FIXED_MSGS messages */
    double hs_secs[BENCH_RUNS_MAX];
};

/* The context of a whole `scan` invocation. */
struct bench_scan_info {
    unsigned n_runs;
    size_t mb;                        /* requested size per workload, MiB */
    size_t text_per_msg;              /* synthetic text per message, bytes */
    size_t chunk;                     /* feed size, bytes */
    int cpu;                          /* the CPU the thread is pinned to, -1 if not pinned */
    unsigned hs_patterns;             /* expressions in the raw baseline */
    double compile_s[BENCH_M__COUNT]; /* engine, HS, HS_SOM compile time, seconds */
    long rss_data_kb;                 /* RSS after generating the data, KiB */
    long rss_engine_kb;               /* high-water mark after compiling the engine, KiB */
    bool peak_reset;                  /* high-water marks were restarted before each measurement */
    char policy_version[64];
    const char *corpus_dir; /* lent */
    struct bench_fixed fixed;
};

/* bench_report_table prints the human table of `n` workloads to `f`. */
void bench_report_table(FILE *f, const struct bench_scan_info *info,
                        const struct bench_figures *figs, size_t n);

/* bench_report_json writes the JSON report to `f` and, when `path` is not
 * NULL, to the file `path`. Returns 0, RL_ENOMEM or RL_EIO. */
int bench_report_json(FILE *f, const char *path, const struct bench_scan_info *info,
                      const struct bench_figures *figs, size_t n);

/* bench_report_root returns a new JSON object (owned by the caller) with the
 * fields every report starts with: "benchmark" (`name`), "commit"
 * ($REDLINE_COMMIT or "unknown"), "date" (UTC, ISO 8601) and "machine"
 * {host, cpu, nproc}; NULL when out of memory. */
json_t *bench_report_root(const char *name);

/* bench_report_tls returns a new JSON object {handshakes, failures,
 * protocol, cipher} of `t`; NULL when out of memory. */
json_t *bench_report_tls(const struct bench_tls_stats *t);

/* bench_report_write writes `root` as indented JSON to `f` (may be NULL) and,
 * when `path` is not NULL, to the file `path`. Returns 0 or RL_EIO. */
int bench_report_write(const json_t *root, FILE *f, const char *path);

/* bench_figures_stable returns true when the engine found the same number in
 * every run and in the untimed first pass, and each raw baseline matched the
 * same number in every run. */
bool bench_figures_stable(const struct bench_figures *fig, unsigned n_runs);

/* bench_median returns the median of the `n` (<= BENCH_RUNS_MAX) values at
 * `v`, 0 when n is 0; `v` is left as it is. */
double bench_median(const double *v, unsigned n);

#endif

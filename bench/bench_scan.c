/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench scan`: builds three workloads, then times, interleaved in
 * every run, the full scan engine, raw Hyperscan (with and without start of
 * match) and memcpy over the same bytes, pinned to one core. Main thread. */
#include "bench_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_corpus.h"
#include "bench_data.h"
#include "bench_decode.h"
#include "bench_hs.h"
#include "bench_report.h"
#include "internal.h"
#include "mime_charset.h"
#include "scan_message.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "../shared/corpus"
#endif

#define MIB ((size_t)1024 * 1024)
#define CHUNK ((size_t)64 * 1024) /* bytes per scan_message_feed call */
#define TEXT_PER_MSG MIB          /* synthetic text per message unless the policy forbids */
#define TEXT_PER_MSG_MIN ((size_t)16 * 1024)
#define N_WORKLOADS 4

struct options {
    size_t mb;
    unsigned runs;
    const char *json_path;
    const char *corpus;
    const char *only; /* comma-separated workload names, or NULL for all */
};

/* What one engine pass over a workload produced. */
struct tally {
    uint64_t findings;
    unsigned by_type[SCAN_T__COUNT];
    unsigned verdicts[SCAN_V_BLOCK + 1];
    unsigned errors;
    unsigned modified;
    size_t scanned_bytes;
    size_t out_bytes;
};

struct bench_ctx {
    struct scan_message *msg;
    struct bench_hs *hs[2]; /* [0] no SOM, [1] SOM_LEFTMOST */
    uint8_t *copy;          /* memcpy destination, max decoded message bytes */
    struct bench_workload work[N_WORKLOADS];
    struct bench_figures figs[N_WORKLOADS];
    size_t n_work; /* workloads kept (--only), first in work[] */
    struct bench_scan_info info;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: redline-bench scan [--mb N] [--runs R] [--json FILE] [--corpus DIR]\n"
            "  --mb N       MiB of text per workload (default 64)\n"
            "  --runs R     timed runs, interleaved across modes (default 5, at most %d)\n"
            "  --json FILE  also write the JSON report to FILE\n"
            "  --corpus DIR message files for the corpus-mix workload (default %s)\n"
            "  --only LIST  only these workloads (comma-separated: plain-7bit, dense-prose,\n"
            "               base64-attach, corpus-mix), e.g. to profile one\n",
            BENCH_RUNS_MAX, BENCH_CORPUS_DIR);
}

static bool
parse_count(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9') {
        return false;
    }
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* parse_options returns 0, 1 after printing the help, or -1 on a usage error. */
static int
parse_options(struct options *o, int argc, char **argv)
{
    *o = (struct options){.mb = 64, .runs = 5, .corpus = BENCH_CORPUS_DIR};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--mb") == 0 && parse_count(v, 1, 4096, &n)) {
            o->mb = n;
        } else if (strcmp(a, "--runs") == 0 && parse_count(v, 1, BENCH_RUNS_MAX, &n)) {
            o->runs = (unsigned)n;
        } else if (strcmp(a, "--json") == 0 && v != NULL) {
            o->json_path = v;
        } else if (strcmp(a, "--corpus") == 0 && v != NULL) {
            o->corpus = v;
        } else if (strcmp(a, "--only") == 0 && v != NULL) {
            o->only = v;
        } else {
            fprintf(stderr, "redline-bench scan: bad argument '%s'%s\n", a,
                    v != NULL ? " or its value" : "");
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static long
peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* reset_peak_rss restarts the kernel's high-water mark from the current RSS
 * (Linux >= 4.0), so that a later peak shows what the engine adds rather than
 * buffers already freed during data generation. Returns false if refused. */
static bool
reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL) {
        return false;
    }
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

static int
sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

static void
engine_message(struct scan_message *m, struct tally *t, const uint8_t *p, size_t len)
{
    const struct scan_result *res = NULL;
    int rc = 0;

    scan_message_begin(m, sink, &t->out_bytes, false);
    for (size_t off = 0; off < len && rc == 0; off += CHUNK) {
        rc = scan_message_feed(m, p + off, len - off < CHUNK ? len - off : CHUNK);
    }
    if (scan_message_finish(m, &res) != 0 || rc != 0) {
        t->errors++;
    }
    if (res == NULL) {
        return;
    }
    for (unsigned k = 0; k < SCAN_T__COUNT; k++) {
        t->by_type[k] += res->counts[k];
        t->findings += res->counts[k];
    }
    if ((unsigned)res->verdict <= SCAN_V_BLOCK) {
        t->verdicts[res->verdict]++;
    }
    t->modified += res->modified;
    for (size_t k = 0; k < res->n_parts; k++) {
        t->scanned_bytes += res->parts[k].scanned ? res->parts[k].decoded_len : 0;
    }
}

/* The passes are not inlined so that bench/profile.sh can count the
 * instructions of each with callgrind (--toggle-collect by function name). */
__attribute__((noinline)) static void
engine_pass(struct bench_ctx *c, const struct bench_workload *w, struct tally *t)
{
    *t = (struct tally){0};
    for (size_t i = 0; i < w->n_msgs; i++) {
        engine_message(c->msg, t, w->in.data + w->msgs[i].in_off, w->msgs[i].in_len);
    }
}

static int
hs_pass(struct bench_hs *h, const struct bench_workload *w, uint64_t *out_matches)
{
    *out_matches = 0;
    for (size_t i = 0; i < w->n_msgs; i++) {
        int rc =
            bench_hs_scan(h, out_matches, w->dec.data + w->msgs[i].dec_off, w->msgs[i].dec_len);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

__attribute__((noinline)) static int
hs_plain_pass(struct bench_ctx *c, const struct bench_workload *w, uint64_t *out_matches)
{
    return hs_pass(c->hs[0], w, out_matches);
}

__attribute__((noinline)) static int
hs_som_pass(struct bench_ctx *c, const struct bench_workload *w, uint64_t *out_matches)
{
    return hs_pass(c->hs[1], w, out_matches);
}

static void
memcpy_pass(uint8_t *dst, const struct bench_workload *w)
{
    for (size_t i = 0; i < w->n_msgs; i++) {
        memcpy(dst, w->dec.data + w->msgs[i].dec_off, w->msgs[i].dec_len);
        /* keep the copy: the compiler must not drop a store nobody reads */
        __asm__ volatile("" : : "r"(dst) : "memory");
    }
}

/* time_mode runs one mode over workload `i` and records run `r`. */
static int
time_mode(struct bench_ctx *c, size_t i, unsigned r, enum bench_mode mode)
{
    const struct bench_workload *w = &c->work[i];
    struct bench_figures *g = &c->figs[i];
    struct tally t;
    int rc = 0;

    double t0 = bench_cpu_now_s();
    switch (mode) {
    case BENCH_M_ENGINE:
        engine_pass(c, w, &t);
        g->hits[mode][r] = t.findings;
        break;
    case BENCH_M_HS:
        rc = hs_plain_pass(c, w, &g->hits[mode][r]);
        break;
    case BENCH_M_HS_SOM:
        rc = hs_som_pass(c, w, &g->hits[mode][r]);
        break;
    default:
        memcpy_pass(c->copy, w);
        break;
    }
    g->secs[mode][r] = bench_cpu_now_s() - t0;
    return rc;
}

/* selected returns whether workload `name` is in the comma-separated `only`
 * (NULL: every workload). */
static bool
selected(const char *only, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = only; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0')) {
            return true;
        }
    }
    return only == NULL;
}

static int
setup_data(struct bench_ctx *c, struct rl_diag *diag, const struct options *o,
           const struct scan_policy *pol)
{
    const struct scan_limits *lim = &pol->limits;
    size_t per_msg = TEXT_PER_MSG;
    /* keep messages well inside the policy's limits, or the benchmark would
     * time the over-limit path */
    if (lim->max_message_bytes > 0 && per_msg > lim->max_message_bytes / 2) {
        per_msg = lim->max_message_bytes / 2;
    }
    if (lim->max_findings > 0 && per_msg > (size_t)lim->max_findings / 2 * 4096) {
        per_msg = (size_t)lim->max_findings / 2 * 4096;
    }
    if (per_msg < TEXT_PER_MSG_MIN) {
        per_msg = TEXT_PER_MSG_MIN;
    }
    c->info.text_per_msg = per_msg;

    struct bench_text text;
    int rc = bench_text_generate(&text, o->mb * MIB, per_msg, false);
    if (rc != 0) {
        return rl_diag_set(diag, "text", "cannot generate: %s", rl_strerror(rc));
    }
    rc = bench_data_plain(&c->work[0], &text, "plain-7bit");
    if (rc == 0) {
        rc = bench_data_base64(&c->work[2], &text);
    }
    bench_text_fini(&text);
    if (rc == 0) {
        rc = bench_text_generate(&text, o->mb * MIB, per_msg, true);
        if (rc == 0) {
            rc = bench_data_plain(&c->work[1], &text, "dense-prose");
            bench_text_fini(&text);
        }
    }
    if (rc != 0) {
        return rl_diag_set(diag, "messages", "cannot build: %s", rl_strerror(rc));
    }
    size_t max_msg = lim->max_message_bytes > 0 ? lim->max_message_bytes : 64 * MIB;
    rc = bench_corpus_load(&c->work[3], diag, o->corpus, o->mb * MIB, max_msg);
    if (rc != 0) {
        return rc;
    }
    struct mime_limits ml = {.max_header_bytes = lim->max_header_bytes,
                             .max_depth = lim->max_depth,
                             .max_parts = lim->max_parts};
    for (size_t i = 0; i < N_WORKLOADS && rc == 0; i++) {
        rc = bench_decode_workload(&c->work[i], diag, &ml);
    }
    c->n_work = 0;
    for (size_t i = 0; i < N_WORKLOADS && rc == 0; i++) {
        if (selected(o->only, c->work[i].name)) {
            struct bench_workload keep = c->work[i];
            c->work[i] = (struct bench_workload){0};
            c->work[c->n_work++] = keep;
        } else {
            bench_workload_fini(&c->work[i]);
        }
    }
    if (rc == 0 && c->n_work == 0) {
        rc = rl_diag_set(diag, "--only", "no workload named in '%s'", o->only);
    }
    return rc;
}

static int
setup_hs(struct bench_ctx *c, struct rl_diag *diag, const struct scan_policy *pol)
{
    for (int som = 0; som < 2; som++) {
        double t0 = bench_cpu_now_s();
        int rc = bench_hs_compile(&c->hs[som], diag, pol, som);
        if (rc != 0) {
            return rc;
        }
        c->info.compile_s[som ? BENCH_M_HS_SOM : BENCH_M_HS] = bench_cpu_now_s() - t0;
    }
    c->info.hs_patterns = bench_hs_n_patterns(c->hs[0]);

    size_t max_dec = 1;
    for (size_t i = 0; i < c->n_work; i++) {
        for (size_t k = 0; k < c->work[i].n_msgs; k++) {
            size_t d = c->work[i].msgs[k].dec_len;
            max_dec = d > max_dec ? d : max_dec;
        }
    }
    c->copy = malloc(max_dec);
    if (c->copy == NULL) {
        return rl_diag_set(diag, "memcpy", "cannot allocate %zu bytes", max_dec);
    }
    memset(c->copy, 0, max_dec);
    return 0;
}

/* first_pass runs the engine once over each workload, untimed: it warms the
 * engine's buffers, records verdicts and findings per type, and the memory
 * high-water mark reached during that workload. */
static void
first_pass(struct bench_ctx *c)
{
    for (size_t i = 0; i < c->n_work; i++) {
        struct bench_figures *g = &c->figs[i];
        struct tally t;
        g->w = &c->work[i];
        c->info.peak_reset = reset_peak_rss() && c->info.peak_reset;
        for (size_t k = 0; k < c->work[i].n_msgs; k++) {
            struct tally one = {0};
            const struct bench_workload *w = &c->work[i];
            engine_message(c->msg, &one, w->in.data + w->msgs[k].in_off, w->msgs[k].in_len);
            size_t part = 0;
            size_t state = scan_message_footprint(c->msg, &part);
            g->state_bytes = state > g->state_bytes ? state : g->state_bytes;
            g->part_bytes = part > g->part_bytes ? part : g->part_bytes;
        }
        engine_pass(c, &c->work[i], &t);
        memcpy(g->by_type, t.by_type, sizeof(g->by_type));
        memcpy(g->verdicts, t.verdicts, sizeof(g->verdicts));
        g->errors = t.errors;
        g->modified = t.modified;
        g->scanned_bytes = t.scanned_bytes;
        g->out_bytes = t.out_bytes;
        g->peak_rss_kb = peak_rss_kb();
        for (size_t k = 0; k < c->work[i].n_msgs; k++) {
            size_t n = c->work[i].msgs[k].in_len;
            g->max_msg_in = n > g->max_msg_in ? n : g->max_msg_in;
        }
    }
}

/* distinct_pass times every message of each repeated workload once more,
 * untimed as a whole, and keeps for each distinct message the least time of
 * its copies (they follow the distinct set in order; the least is the one
 * least disturbed by the rest of the machine): which messages the engine's
 * time goes to. Returns 0 or RL_ENOMEM. */
static int
distinct_pass(struct bench_ctx *c)
{
    for (size_t i = 0; i < c->n_work; i++) {
        const struct bench_workload *w = &c->work[i];
        struct bench_figures *g = &c->figs[i];
        if (w->n_distinct == 0 || w->n_distinct >= w->n_msgs) {
            continue;
        }
        g->distinct_secs = calloc(w->n_distinct, sizeof(*g->distinct_secs));
        if (g->distinct_secs == NULL) {
            return RL_ENOMEM;
        }
        struct tally t = {0};
        for (size_t k = 0; k < w->n_msgs; k++) {
            double t0 = bench_cpu_now_s();
            engine_message(c->msg, &t, w->in.data + w->msgs[k].in_off, w->msgs[k].in_len);
            double secs = bench_cpu_now_s() - t0;
            double *least = &g->distinct_secs[k % w->n_distinct];
            *least = k < w->n_distinct || secs < *least ? secs : *least;
        }
    }
    return 0;
}

/* The minimal message of the fixed-cost measurement: what every message
 * has (a header block the engine parses and scans, one text part). */
static const char fixed_msg[] = "From: Ann Example <ann@example.com>\r\n"
                                "To: bob@example.org\r\n"
                                "Subject: lunch\r\n"
                                "Date: Mon, 7 Dec 2026 07:00:00 +0000\r\n"
                                "Message-ID: <20261207070000.1@example.com>\r\n"
                                "\r\n"
                                "See you at noon.\r\n";

__attribute__((noinline)) static void
fixed_engine(struct bench_ctx *c)
{
    struct tally t = {0};
    for (unsigned k = 0; k < BENCH_FIXED_MSGS; k++) {
        engine_message(c->msg, &t, (const uint8_t *)fixed_msg, sizeof(fixed_msg) - 1);
    }
}

__attribute__((noinline)) static int
fixed_hs(struct bench_ctx *c)
{
    uint64_t matches = 0;
    int rc = 0;
    for (unsigned k = 0; k < BENCH_FIXED_MSGS && rc == 0; k++) {
        rc = bench_hs_scan(c->hs[0], &matches, (const uint8_t *)fixed_msg, sizeof(fixed_msg) - 1);
    }
    return rc;
}

/* time_fixed records run `r` of the fixed cost, the two in rotating order. */
static int
time_fixed(struct bench_ctx *c, unsigned r)
{
    struct bench_fixed *f = &c->info.fixed;
    int rc = 0;
    f->bytes = sizeof(fixed_msg) - 1;
    for (unsigned k = 0; k < 2; k++) {
        double t0 = bench_cpu_now_s();
        if ((r + k) % 2 == 0) {
            fixed_engine(c);
            f->engine_secs[r] = bench_cpu_now_s() - t0;
        } else {
            rc = rc != 0 ? rc : fixed_hs(c);
            f->hs_secs[r] = bench_cpu_now_s() - t0;
        }
    }
    return rc;
}

static int
run(struct bench_ctx *c, struct rl_diag *diag, const struct options *o)
{
    struct scan_policy *pol = NULL;
    struct scan_engine *eng = NULL;
    struct scan_worker *wk = NULL;
    const char *json = scan_policy_default_json();

    int rc = mime_charset_init();
    if (rc != 0) {
        rl_diag_set(diag, "mime_charset_init", "%s", rl_strerror(rc));
        goto fail;
    }
    rc = scan_policy_parse(&pol, diag, json, strlen(json));
    if (rc != 0) {
        goto fail;
    }
    snprintf(c->info.policy_version, sizeof(c->info.policy_version), "%s",
             pol->version ? pol->version : "");
    fprintf(stderr, "redline-bench scan: generating %zu MiB workloads...\n", o->mb);
    rc = setup_data(c, diag, o, pol);
    if (rc != 0) {
        goto fail;
    }
    c->info.peak_reset = reset_peak_rss();
    c->info.rss_data_kb = peak_rss_kb();

    double t0 = bench_cpu_now_s();
    rc = scan_engine_compile(&eng, diag, pol);
    if (rc != 0) {
        goto fail;
    }
    c->info.compile_s[BENCH_M_ENGINE] = bench_cpu_now_s() - t0;
    wk = scan_worker_new(eng);
    c->msg = wk != NULL ? scan_message_new(wk, eng) : NULL;
    if (c->msg == NULL) {
        rc = rl_diag_set(diag, "engine", "cannot allocate a worker or a message");
        goto fail;
    }
    c->info.rss_engine_kb = peak_rss_kb();
    first_pass(c);

    rc = setup_hs(c, diag, pol);
    if (rc != 0) {
        goto fail;
    }
    for (unsigned r = 0; r < o->runs; r++) {
        fprintf(stderr, "redline-bench scan: run %u/%u\n", r + 1, o->runs);
        for (size_t i = 0; i < c->n_work && rc == 0; i++) {
            /* rotate the order of modes so that none always runs first */
            for (unsigned k = 0; k < BENCH_M__COUNT && rc == 0; k++) {
                rc = time_mode(c, i, r, (enum bench_mode)((r + k) % BENCH_M__COUNT));
            }
        }
        rc = rc != 0 ? rc : time_fixed(c, r);
        if (rc != 0) {
            rl_diag_set(diag, "hs_scan", "raw Hyperscan failed: %s", rl_strerror(rc));
            goto fail;
        }
    }
    if (distinct_pass(c) != 0) {
        rc = rl_diag_set(diag, "distinct", "out of memory");
    }
fail:
    scan_message_free(c->msg);
    c->msg = NULL;
    scan_worker_free(wk);
    scan_engine_free(eng);
    scan_policy_free(pol);
    return rc;
}

int
bench_scan_main(int argc, char **argv)
{
    struct options o;
    struct rl_diag diag = {0};
    int parsed = parse_options(&o, argc, argv);
    if (parsed != 0) {
        return parsed > 0 ? 0 : 2;
    }
    struct bench_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        fprintf(stderr, "redline-bench scan: out of memory\n");
        return 1;
    }
    c->info.n_runs = o.runs;
    c->info.mb = o.mb;
    c->info.chunk = CHUNK;
    c->info.corpus_dir = o.corpus;
    c->info.cpu = bench_cpu_pin();

    int status = 0;
    int rc = run(c, &diag, &o);
    if (rc != 0) {
        fprintf(stderr, "redline-bench scan: %s: %s (%s)\n", diag.field, diag.reason,
                rl_strerror(rc));
        status = 1;
    } else {
        bench_report_table(stderr, &c->info, c->figs, c->n_work);
        if (bench_report_json(stdout, o.json_path, &c->info, c->figs, c->n_work) != 0) {
            fprintf(stderr, "redline-bench scan: cannot write the JSON report%s%s\n",
                    o.json_path ? " to " : "", o.json_path ? o.json_path : "");
            status = 1;
        }
        for (size_t i = 0; i < c->n_work; i++) {
            if (!bench_figures_stable(&c->figs[i], o.runs)) {
                fprintf(stderr, "redline-bench scan: %s: findings differ between runs\n",
                        c->work[i].name);
                status = 1;
            }
        }
    }
    bench_hs_free(c->hs[0]);
    bench_hs_free(c->hs[1]);
    free(c->copy);
    for (size_t i = 0; i < N_WORKLOADS; i++) {
        bench_workload_fini(&c->work[i]);
        free(c->figs[i].distinct_secs);
    }
    free(c);
    return status;
}

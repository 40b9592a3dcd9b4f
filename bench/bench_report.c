/* SPDX-License-Identifier: Apache-2.0 */
/* Turns the raw timings of `redline-bench scan` into medians and ratios and
 * prints them: a table on stderr, JSON (with commit, date and machine) on
 * stdout and in a file. Main thread only. */
#include "bench_report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>
#include <jansson.h>

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif

static const char *const mode_names[BENCH_M__COUNT] = {"engine", "hs", "hs_som", "memcpy"};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

double
bench_median(const double *v, unsigned n)
{
    double s[BENCH_RUNS_MAX];
    if (n == 0) {
        return 0;
    }
    memcpy(s, v, n * sizeof(*s));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double
rate(size_t bytes, double secs)
{
    return secs > 0 ? (double)bytes / secs / 1e9 : 0;
}

/* gbps_runs fills out[r] with GB/s of `mode` over `bytes` in each run. */
static void
gbps_runs(double *out, const struct bench_figures *fig, unsigned n_runs, enum bench_mode mode,
          size_t bytes)
{
    for (unsigned r = 0; r < n_runs; r++) {
        out[r] = rate(bytes, fig->secs[mode][r]);
    }
}

/* ratio_median is the median over runs of time(mode) / time(engine): how many
 * times the engine's throughput on the same decoded bytes is that of `mode`. */
static double
ratio_median(const struct bench_figures *fig, unsigned n_runs, enum bench_mode mode)
{
    double v[BENCH_RUNS_MAX];
    for (unsigned r = 0; r < n_runs; r++) {
        double e = fig->secs[BENCH_M_ENGINE][r];
        v[r] = e > 0 ? fig->secs[mode][r] / e : 0;
    }
    return bench_median(v, n_runs);
}

static double
median_gbps(const struct bench_figures *fig, unsigned n_runs, enum bench_mode mode, size_t bytes)
{
    double v[BENCH_RUNS_MAX];
    gbps_runs(v, fig, n_runs, mode, bytes);
    return bench_median(v, n_runs);
}

static size_t
planted_total(const struct bench_workload *w)
{
    size_t n = 0;
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        n += w->planted[t];
    }
    return n;
}

static uint64_t
findings_total(const struct bench_figures *fig)
{
    uint64_t n = 0;
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        n += fig->by_type[t];
    }
    return n;
}

bool
bench_figures_stable(const struct bench_figures *fig, unsigned n_runs)
{
    if (findings_total(fig) != fig->hits[BENCH_M_ENGINE][0]) {
        return false;
    }
    for (unsigned m = 0; m < BENCH_M_MEMCPY; m++) {
        for (unsigned r = 1; r < n_runs; r++) {
            if (fig->hits[m][r] != fig->hits[m][0]) {
                return false;
            }
        }
    }
    return true;
}

/* median_us_per_msg returns the median over runs of `mode`'s time per
 * message of the workload, microseconds. */
static double
median_us_per_msg(const struct bench_figures *g, unsigned n_runs, enum bench_mode mode)
{
    double v[BENCH_RUNS_MAX];
    for (unsigned r = 0; r < n_runs; r++) {
        v[r] = g->w->n_msgs > 0 ? g->secs[mode][r] * 1e6 / (double)g->w->n_msgs : 0;
    }
    return bench_median(v, n_runs);
}

/* fixed_us fills out[r] with microseconds per message of one side of the
 * fixed-cost measurement in each run. */
static void
fixed_us(double *out, const double *secs, unsigned n_runs)
{
    for (unsigned r = 0; r < n_runs; r++) {
        out[r] = secs[r] * 1e6 / BENCH_FIXED_MSGS;
    }
}

/* fixed_ratio is the median over runs of time(raw HS) / time(engine) of
 * the fixed-cost measurement. */
static double
fixed_ratio(const struct bench_fixed *f, unsigned n_runs)
{
    double v[BENCH_RUNS_MAX];
    for (unsigned r = 0; r < n_runs; r++) {
        v[r] = f->engine_secs[r] > 0 ? f->hs_secs[r] / f->engine_secs[r] : 0;
    }
    return bench_median(v, n_runs);
}

#define BENCH_HEAVIEST 5

/* heaviest writes the indexes of the (at most) BENCH_HEAVIEST distinct
 * messages with the most engine time into top[], heaviest first, and
 * returns how many; *out_total is the time of the whole distinct set. */
static size_t
heaviest(size_t *top, double *out_total, const struct bench_figures *g)
{
    size_t nd = g->w->n_distinct;
    size_t n = 0;
    *out_total = 0;
    for (size_t k = 0; k < nd; k++) {
        *out_total += g->distinct_secs[k];
        size_t at = n;
        if (n < BENCH_HEAVIEST) {
            n++;
        } else if (g->distinct_secs[k] > g->distinct_secs[top[n - 1]]) {
            at = n - 1;
        } else {
            continue;
        }
        for (; at > 0 && g->distinct_secs[top[at - 1]] < g->distinct_secs[k]; at--) {
            top[at] = top[at - 1];
        }
        top[at] = k;
    }
    return n;
}

void
bench_report_table(FILE *f, const struct bench_scan_info *info, const struct bench_figures *figs,
                   size_t n)
{
    const double mib = 1024.0 * 1024.0;

    fprintf(f,
            "redline-bench scan: %zu MiB per workload, %u runs, CPU %d, %s build, "
            "%u raw HS patterns\n",
            info->mb, info->n_runs, info->cpu, BENCH_BUILDTYPE, info->hs_patterns);
    if (strcmp(BENCH_BUILDTYPE, "release") != 0) {
        fprintf(f, "warning: not a release build; figures are not comparable\n");
    }
    fprintf(f, "%-14s %5s %7s %7s | %7s %7s %7s %7s | %6s %7s %7s | %9s %8s %6s %7s\n", "workload",
            "msgs", "in MiB", "dec MiB", "engine", "raw HS", "HS SOM", "memcpy", "eng/HS",
            "eng/SOM", "eng/cpy", "findings", "planted", "stable", "RSS MiB");
    fprintf(f, "%-14s %5s %7s %7s | %31s | %22s |\n", "", "", "", "", "median GB/s",
            "median per-run ratio");
    for (size_t i = 0; i < n; i++) {
        const struct bench_figures *g = &figs[i];
        const struct bench_workload *w = g->w;
        char planted[24];
        if (planted_total(w) > 0) {
            snprintf(planted, sizeof(planted), "%zu", planted_total(w));
        } else {
            snprintf(planted, sizeof(planted), "-");
        }
        fprintf(f,
                "%-14s %5zu %7.1f %7.1f | %7.3f %7.3f %7.3f %7.2f | %6.2f %7.2f %7.4f | %9llu "
                "%8s %6s %7.1f\n",
                w->name, w->n_msgs, (double)w->in.len / mib, (double)w->dec.len / mib,
                median_gbps(g, info->n_runs, BENCH_M_ENGINE, w->in.len),
                median_gbps(g, info->n_runs, BENCH_M_HS, w->dec.len),
                median_gbps(g, info->n_runs, BENCH_M_HS_SOM, w->dec.len),
                median_gbps(g, info->n_runs, BENCH_M_MEMCPY, w->dec.len),
                ratio_median(g, info->n_runs, BENCH_M_HS),
                ratio_median(g, info->n_runs, BENCH_M_HS_SOM),
                ratio_median(g, info->n_runs, BENCH_M_MEMCPY),
                (unsigned long long)g->hits[BENCH_M_ENGINE][0], planted,
                bench_figures_stable(g, info->n_runs) ? "yes" : "NO",
                (double)g->peak_rss_kb / 1024);
    }
    fprintf(f,
            "engine GB/s counts message bytes as received; the other rates and every ratio "
            "use the decoded bytes.\n"
            "memory: RSS %.1f MiB after data generation, %.1f MiB after engine compile%s; "
            "compile s: engine %.3f, HS %.3f, HS SOM %.3f\n",
            (double)info->rss_data_kb / 1024, (double)info->rss_engine_kb / 1024,
            info->peak_reset ? "" : " (peaks could not be reset: upper bounds only)",
            info->compile_s[BENCH_M_ENGINE], info->compile_s[BENCH_M_HS],
            info->compile_s[BENCH_M_HS_SOM]);
    for (size_t i = 0; i < n; i++) {
        const struct bench_figures *g = &figs[i];
        fprintf(f,
                "%-14s verdicts: deliver %u tempfail %u quarantine %u block %u; errors %u; "
                "modified %u; engine working set %+.1f MiB (largest message %.2f MiB); "
                "per-message state %.1f KiB + part buffers %.1f KiB\n",
                g->w->name, g->verdicts[SCAN_V_DELIVER], g->verdicts[SCAN_V_TEMPFAIL],
                g->verdicts[SCAN_V_QUARANTINE], g->verdicts[SCAN_V_BLOCK], g->errors, g->modified,
                (double)(g->peak_rss_kb - info->rss_engine_kb) / 1024,
                (double)g->max_msg_in / (1024.0 * 1024.0), (double)g->state_bytes / 1024,
                (double)g->part_bytes / 1024);
        fprintf(f, "%-14s per message: engine %.2f us, raw HS %.2f us", "",
                median_us_per_msg(g, info->n_runs, BENCH_M_ENGINE),
                median_us_per_msg(g, info->n_runs, BENCH_M_HS));
        if (g->w->runs4_per_4k > 0) {
            fprintf(f, "; %.1f digit runs of 4+ per 4 KiB", g->w->runs4_per_4k);
        }
        fputc('\n', f);
        if (g->distinct_secs != NULL) {
            size_t top[BENCH_HEAVIEST];
            double total = 0;
            size_t nt = heaviest(top, &total, g);
            fprintf(f, "%-14s heaviest of %zu distinct messages (index, bytes, us, share):", "",
                    g->w->n_distinct);
            for (size_t k = 0; k < nt; k++) {
                const struct bench_workload *w = g->w;
                fprintf(f, " #%zu %zu B %.0f us %.1f %%;", top[k], w->msgs[top[k]].in_len,
                        g->distinct_secs[top[k]] * 1e6,
                        total > 0 ? 100 * g->distinct_secs[top[k]] / total : 0);
            }
            fputc('\n', f);
        }
        fprintf(f, "%-14s found%s:", "", planted_total(g->w) > 0 ? "/planted" : "");
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            if (planted_total(g->w) > 0) {
                fprintf(f, " %s %u/%zu", scan_type_name(t), g->by_type[t], g->w->planted[t]);
            } else {
                fprintf(f, " %s %u", scan_type_name(t), g->by_type[t]);
            }
        }
        fputc('\n', f);
    }
    double e[BENCH_RUNS_MAX];
    double h[BENCH_RUNS_MAX];
    fixed_us(e, info->fixed.engine_secs, info->n_runs);
    fixed_us(h, info->fixed.hs_secs, info->n_runs);
    fprintf(f,
            "fixed cost per message (a %zu-byte message, %d per run): engine %.2f us, raw HS "
            "%.2f us, eng/HS %.2f\n",
            info->fixed.bytes, BENCH_FIXED_MSGS, bench_median(e, info->n_runs),
            bench_median(h, info->n_runs), fixed_ratio(&info->fixed, info->n_runs));
}

/* cpu_model returns the first "model name" of /proc/cpuinfo in `out`. */
static void
cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (v != NULL) {
                v += strspn(v + 1, " \t") + 1;
                snprintf(out, cap, "%.*s", (int)strcspn(v, "\n"), v);
            }
            break;
        }
    }
    fclose(f);
}

static json_t *
json_runs(const double *v, unsigned n)
{
    json_t *a = json_array();
    for (unsigned r = 0; r < n && a != NULL; r++) {
        json_array_append_new(a, json_real(v[r]));
    }
    return a;
}

static json_t *
json_mode(const struct bench_figures *g, unsigned n_runs, enum bench_mode mode, size_t bytes)
{
    double v[BENCH_RUNS_MAX];
    gbps_runs(v, g, n_runs, mode, bytes);
    json_t *o = json_object();
    json_object_set_new(o, "median_gbps", json_real(bench_median(v, n_runs)));
    json_object_set_new(o, "gbps_runs", json_runs(v, n_runs));
    json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
    if (mode != BENCH_M_MEMCPY) {
        json_t *h = json_array();
        for (unsigned r = 0; r < n_runs; r++) {
            json_array_append_new(h, json_integer((json_int_t)g->hits[mode][r]));
        }
        json_object_set_new(o, mode == BENCH_M_ENGINE ? "findings_runs" : "matches_runs", h);
    }
    return o;
}

static json_t *
json_workload(const struct bench_figures *g, const struct bench_scan_info *info)
{
    const struct bench_workload *w = g->w;
    unsigned n = info->n_runs;
    json_t *o = json_object();

    json_object_set_new(o, "name", json_string(w->name));
    json_object_set_new(o, "messages", json_integer((json_int_t)w->n_msgs));
    json_object_set_new(o, "distinct_messages", json_integer((json_int_t)w->n_distinct));
    json_object_set_new(o, "input_bytes", json_integer((json_int_t)w->in.len));
    json_object_set_new(o, "decoded_bytes", json_integer((json_int_t)w->dec.len));
    json_object_set_new(o, "engine_scanned_bytes", json_integer((json_int_t)g->scanned_bytes));
    json_object_set_new(o, "engine_output_bytes", json_integer((json_int_t)g->out_bytes));
    json_object_set_new(o, "max_message_bytes", json_integer((json_int_t)g->max_msg_in));
    for (unsigned m = 0; m < BENCH_M__COUNT; m++) {
        json_object_set_new(o, mode_names[m],
                            json_mode(g, n, m, m == BENCH_M_ENGINE ? w->in.len : w->dec.len));
    }
    json_object_set_new(o, "engine_decoded_median_gbps",
                        json_real(median_gbps(g, n, BENCH_M_ENGINE, w->dec.len)));
    json_object_set_new(o, "engine_us_per_message",
                        json_real(median_us_per_msg(g, n, BENCH_M_ENGINE)));
    json_object_set_new(o, "hs_us_per_message", json_real(median_us_per_msg(g, n, BENCH_M_HS)));
    if (w->runs4_per_4k > 0) {
        json_object_set_new(o, "digit_runs_4plus_per_4k", json_real(w->runs4_per_4k));
    }
    json_object_set_new(o, "ratio_engine_hs", json_real(ratio_median(g, n, BENCH_M_HS)));
    json_object_set_new(o, "ratio_engine_hs_som", json_real(ratio_median(g, n, BENCH_M_HS_SOM)));
    json_object_set_new(o, "ratio_engine_memcpy", json_real(ratio_median(g, n, BENCH_M_MEMCPY)));
    json_object_set_new(o, "findings", json_integer((json_int_t)g->hits[BENCH_M_ENGINE][0]));
    json_object_set_new(o, "findings_stable", json_boolean(bench_figures_stable(g, n)));
    json_t *types = json_object();
    json_t *planted = json_object();
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        json_object_set_new(types, scan_type_name(t), json_integer(g->by_type[t]));
        json_object_set_new(planted, scan_type_name(t), json_integer((json_int_t)w->planted[t]));
    }
    json_object_set_new(o, "findings_by_type", types);
    if (planted_total(w) > 0) {
        json_object_set_new(o, "planted", json_integer((json_int_t)planted_total(w)));
        json_object_set_new(o, "planted_by_type", planted);
    } else {
        json_object_set_new(o, "planted", json_null());
        json_object_set_new(o, "planted_by_type", json_null());
        json_decref(planted);
    }
    json_t *verdicts = json_object();
    for (unsigned v = 0; v <= SCAN_V_BLOCK; v++) {
        json_object_set_new(verdicts, scan_verdict_name(v), json_integer(g->verdicts[v]));
    }
    json_object_set_new(o, "verdicts", verdicts);
    json_object_set_new(o, "modified_messages", json_integer(g->modified));
    json_object_set_new(o, "errors", json_integer(g->errors));
    json_object_set_new(o, "peak_rss_kb", json_integer(g->peak_rss_kb));
    json_object_set_new(o, "message_state_bytes", json_integer((json_int_t)g->state_bytes));
    json_object_set_new(o, "message_part_buffer_bytes", json_integer((json_int_t)g->part_bytes));
    json_object_set_new(o, "engine_working_set_kb",
                        json_integer(g->peak_rss_kb - info->rss_engine_kb));
    if (g->distinct_secs != NULL) {
        size_t top[BENCH_HEAVIEST];
        double total = 0;
        size_t nt = heaviest(top, &total, g);
        json_t *a = json_array();
        for (size_t k = 0; k < nt; k++) {
            json_t *m = json_object();
            json_object_set_new(m, "index", json_integer((json_int_t)top[k]));
            json_object_set_new(m, "bytes", json_integer((json_int_t)w->msgs[top[k]].in_len));
            json_object_set_new(m, "engine_us", json_real(g->distinct_secs[top[k]] * 1e6));
            json_object_set_new(m, "share",
                                json_real(total > 0 ? g->distinct_secs[top[k]] / total : 0));
            json_array_append_new(a, m);
        }
        json_object_set_new(o, "heaviest_messages", a);
    }
    return o;
}

json_t *
bench_report_root(const char *name)
{
    json_t *root = json_object();
    const char *commit = getenv("REDLINE_COMMIT");
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));

    struct utsname u;
    char cpu[256];
    cpu_model(cpu, sizeof(cpu));
    json_t *machine = json_object();
    json_object_set_new(machine, "host", json_string(uname(&u) == 0 ? u.nodename : "unknown"));
    json_object_set_new(machine, "cpu", json_string(cpu));
    json_object_set_new(machine, "nproc", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(root, "benchmark", json_string(name));
    json_object_set_new(root, "commit", json_string(commit && *commit ? commit : "unknown"));
    json_object_set_new(root, "date", json_string(date));
    if (json_object_set_new(root, "machine", machine) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}

json_t *
bench_report_tls(const struct bench_tls_stats *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "handshakes", json_integer((json_int_t)t->handshakes));
    json_object_set_new(o, "failures", json_integer((json_int_t)t->failures));
    json_object_set_new(o, "protocol", json_string(t->protocol));
    json_object_set_new(o, "cipher", json_string(t->cipher));
    return o;
}

int
bench_report_write(const json_t *root, FILE *f, const char *path)
{
    const size_t flags = JSON_INDENT(2) | JSON_REAL_PRECISION(6);
    int rc = 0;
    if (f != NULL && (json_dumpf(root, f, flags) != 0 || fputc('\n', f) == EOF)) {
        rc = RL_EIO;
    }
    if (rc == 0 && path != NULL) {
        FILE *out = fopen(path, "w");
        if (out == NULL || json_dumpf(root, out, flags) != 0 || fputc('\n', out) == EOF) {
            rc = RL_EIO;
        }
        if (out != NULL && fclose(out) != 0) {
            rc = RL_EIO;
        }
    }
    return rc;
}

static json_t *
json_build(const struct bench_scan_info *info, const struct bench_figures *figs, size_t n)
{
    json_t *root = bench_report_root("scan");
    if (root == NULL) {
        return NULL;
    }
    json_object_set_new(json_object_get(root, "machine"), "pinned_cpu", json_integer(info->cpu));

    json_t *config = json_object();
    json_object_set_new(config, "mb", json_integer((json_int_t)info->mb));
    json_object_set_new(config, "runs", json_integer(info->n_runs));
    json_object_set_new(config, "chunk_bytes", json_integer((json_int_t)info->chunk));
    json_object_set_new(config, "text_per_message_bytes",
                        json_integer((json_int_t)info->text_per_msg));
    json_object_set_new(config, "buildtype", json_string(BENCH_BUILDTYPE));
    json_object_set_new(config, "policy_version", json_string(info->policy_version));
    json_object_set_new(config, "corpus", json_string(info->corpus_dir));
    json_object_set_new(config, "hyperscan", json_string(hs_version()));
    json_object_set_new(config, "hs_patterns", json_integer(info->hs_patterns));

    json_t *compile = json_object();
    json_object_set_new(compile, "engine", json_real(info->compile_s[BENCH_M_ENGINE]));
    json_object_set_new(compile, "hs", json_real(info->compile_s[BENCH_M_HS]));
    json_object_set_new(compile, "hs_som", json_real(info->compile_s[BENCH_M_HS_SOM]));

    json_t *mem = json_object();
    json_object_set_new(mem, "rss_after_data_kb", json_integer(info->rss_data_kb));
    json_object_set_new(mem, "rss_after_engine_kb", json_integer(info->rss_engine_kb));
    json_object_set_new(mem, "peak_reset", json_boolean(info->peak_reset));

    json_t *ws = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(ws, json_workload(&figs[i], info));
    }

    json_object_set_new(root, "config", config);
    json_object_set_new(root, "compile_seconds", compile);
    json_object_set_new(root, "memory", mem);
    json_object_set_new(root, "workloads", ws);

    double e[BENCH_RUNS_MAX];
    double h[BENCH_RUNS_MAX];
    fixed_us(e, info->fixed.engine_secs, info->n_runs);
    fixed_us(h, info->fixed.hs_secs, info->n_runs);
    json_t *fixed = json_object();
    json_object_set_new(fixed, "message_bytes", json_integer((json_int_t)info->fixed.bytes));
    json_object_set_new(fixed, "messages_per_run", json_integer(BENCH_FIXED_MSGS));
    json_object_set_new(fixed, "engine_us_per_message", json_real(bench_median(e, info->n_runs)));
    json_object_set_new(fixed, "hs_us_per_message", json_real(bench_median(h, info->n_runs)));
    json_object_set_new(fixed, "engine_us_runs", json_runs(e, info->n_runs));
    json_object_set_new(fixed, "hs_us_runs", json_runs(h, info->n_runs));
    json_object_set_new(fixed, "ratio_engine_hs",
                        json_real(fixed_ratio(&info->fixed, info->n_runs)));
    json_object_set_new(root, "fixed_cost", fixed);
    return root;
}

int
bench_report_json(FILE *f, const char *path, const struct bench_scan_info *info,
                  const struct bench_figures *figs, size_t n)
{
    json_t *root = json_build(info, figs, n);
    if (root == NULL) {
        return RL_ENOMEM;
    }
    int rc = bench_report_write(root, f, path);
    json_decref(root);
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The Prometheus text exposition of redlined's counters, the configuration
 * version and the licence. Each family is written once, with its HELP and
 * TYPE, its samples together (one per worker and label). */
#include "ctl_metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAM_MAX 96

/* Gauges among the per-worker integers; every other integer counts. */
static const char *const gauges[] = {"connections_active", "config_version", "snapshot_version",
                                     "load_permille",      "next_hops_down", "loop_turn_p99_us",
                                     "messages_per_s",     "snapshot_lag_us"};

enum kind {
    K_COUNTER = 0,
    K_GAUGE,
    K_HISTOGRAM,
};

/* A family and the label a key's samples carry in it. */
struct fam {
    char name[FAM_MAX];
    enum kind kind;
    const char *label; /* label of the sub-keys of an object ("type", "reason") */
    const char *fixed; /* a fixed label pair for this key (`direction="in"`), or "" */
};

static bool
is_gauge(const char *k)
{
    for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
        if (strcmp(k, gauges[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* family maps a key of a worker's counters to its family; false to skip. */
static bool
family(struct fam *f, const char *k, json_t *v)
{
    memset(f, 0, sizeof(*f));
    f->fixed = "";
    if (json_is_integer(v)) {
        if (strncmp(k, "replies_", 8) == 0 && strlen(k) == 11) {
            snprintf(f->name, sizeof(f->name), "redline_replies_total");
            f->fixed = k + 8; /* the class, "2xx" */
            return true;
        }
        f->kind = is_gauge(k) ? K_GAUGE : K_COUNTER;
        snprintf(f->name, sizeof(f->name), "redline_%s%s", k, f->kind == K_GAUGE ? "" : "_total");
        return true;
    }
    if (!json_is_object(v)) {
        return false;
    }
    if (json_object_get(v, "le") != NULL) {
        f->kind = K_HISTOGRAM;
        snprintf(f->name, sizeof(f->name), "redline_%s", k);
        return true;
    }
    if (strcmp(k, "findings") == 0) {
        snprintf(f->name, sizeof(f->name), "redline_findings_total");
        f->label = "type";
        return true;
    }
    if (strcmp(k, "tls_failures_by_reason") == 0 || strcmp(k, "tls_out_failures_by_reason") == 0) {
        snprintf(f->name, sizeof(f->name), "redline_tls_failures_by_reason_total");
        f->label = "reason";
        f->fixed = k[4] == 'o' ? "out" : "in";
        return true;
    }
    snprintf(f->name, sizeof(f->name), "redline_%s_total", k);
    /* the DPDK stack's counters are by port: {"net_tcp_rto": {"net_tap0": 3}} */
    f->label = strncmp(k, "net_", 4) == 0 ? "port" : "kind";
    return true;
}

/* label_value writes `s` escaped for a label value. */
static void
label_value(FILE *o, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"') {
            fprintf(o, "\\%c", *s);
        } else if (*s == '\n') {
            fputs("\\n", o);
        } else {
            fputc(*s, o);
        }
    }
}

static const char *
fixed_label(const struct fam *f)
{
    if (strcmp(f->name, "redline_replies_total") == 0) {
        return "class";
    }
    return "direction";
}

static void
histogram(FILE *o, const struct fam *f, const char *worker, json_t *h)
{
    json_t *le = json_object_get(h, "le");
    json_t *counts = json_object_get(h, "counts");
    size_t i;
    json_t *b;
    json_array_foreach(le, i, b)
    {
        fprintf(o, "%s_bucket{%s%s%sle=\"%.9g\"} %lld\n", f->name, worker[0] ? "worker=\"" : "",
                worker, worker[0] ? "\"," : "", json_number_value(b),
                (long long)json_integer_value(json_array_get(counts, i)));
    }
    long long count = (long long)json_integer_value(json_object_get(h, "count"));
    const char *wl = worker[0] ? "{worker=\"" : "";
    const char *wr = worker[0] ? "\"}" : "";
    fprintf(o, "%s_bucket{%s%s%sle=\"+Inf\"} %lld\n", f->name, worker[0] ? "worker=\"" : "", worker,
            worker[0] ? "\"," : "", count);
    fprintf(o, "%s_sum%s%s%s %.9g\n", f->name, wl, worker, wr,
            json_number_value(json_object_get(h, "sum")));
    fprintf(o, "%s_count%s%s%s %lld\n", f->name, wl, worker, wr, count);
}

/* samples writes the samples of family `want` found in one worker's object. */
static void
samples(FILE *o, const struct fam *want, const char *worker, json_t *w)
{
    const char *k;
    json_t *v;
    json_object_foreach(w, k, v)
    {
        struct fam f;
        if (!family(&f, k, v) || strcmp(f.name, want->name) != 0) {
            continue;
        }
        if (f.kind == K_HISTOGRAM) {
            histogram(o, &f, worker, v);
            continue;
        }
        char pre[160] = "";
        int n = 0;
        if (worker[0]) {
            n = snprintf(pre, sizeof(pre), "worker=\"%s\"", worker);
        }
        if (f.fixed[0] && n >= 0 && (size_t)n < sizeof(pre)) {
            snprintf(pre + n, sizeof(pre) - (size_t)n, "%s%s=\"%s\"", n ? "," : "", fixed_label(&f),
                     f.fixed);
        }
        if (f.label == NULL) {
            fprintf(o, "%s%s%s%s %lld\n", f.name, pre[0] ? "{" : "", pre, pre[0] ? "}" : "",
                    (long long)json_integer_value(v));
            continue;
        }
        const char *sub;
        json_t *n2;
        json_object_foreach(v, sub, n2)
        {
            fprintf(o, "%s{%s%s%s=\"", f.name, pre, pre[0] ? "," : "", f.label);
            label_value(o, sub);
            fprintf(o, "\"} %lld\n", (long long)json_integer_value(n2));
        }
    }
}

static void
header(FILE *o, const struct fam *f)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    fprintf(o, "# HELP %s redlined's %s\n# TYPE %s %s\n", f->name, f->name + 8, f->name,
            types[f->kind]);
}

/* seen tells whether family `name` is among the first `n` of `list`. */
static bool
seen(const struct fam *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void
dataplane(FILE *o, json_t *stats)
{
    json_t *workers = json_object_get(stats, "workers");
    json_t *total = json_object_get(stats, "total");
    struct fam fams[256];
    memset(fams, 0, sizeof(fams));
    size_t n = 0;
    size_t wi;
    json_t *w;
    json_array_foreach(workers, wi, w)
    {
        const char *k;
        json_t *v;
        json_object_foreach(w, k, v)
        {
            struct fam f;
            if (n < 256 && family(&f, k, v) && !seen(fams, n, f.name)) {
                fams[n++] = f;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        header(o, &fams[i]);
        json_array_foreach(workers, wi, w)
        {
            char id[24];
            snprintf(id, sizeof(id), "%zu", wi);
            samples(o, &fams[i], id, w);
        }
    }
    /* The process's own counters appear in the totals only. */
    const char *k;
    json_t *v;
    json_object_foreach(total, k, v)
    {
        struct fam f;
        if (!family(&f, k, v) || seen(fams, n, f.name)) {
            continue;
        }
        header(o, &f);
        json_t *one = json_pack("{s:O}", k, v);
        samples(o, &f, "", one);
        json_decref(one);
    }
}

/* next_hops writes one gauge per next hop from the totals' merged list
 * (each hop once, whichever workers tried it). */
static void
next_hops(FILE *o, json_t *total)
{
    json_t *hops = json_object_get(total, "next_hops");
    if (!json_is_array(hops)) {
        return;
    }
    fputs("# HELP redline_next_hop_down 1 when the latest attempt of any worker on the next hop "
          "failed before its greeting, 0 when it greeted\n"
          "# TYPE redline_next_hop_down gauge\n",
          o);
    size_t i;
    json_t *h;
    json_array_foreach(hops, i, h)
    {
        const char *name = json_string_value(json_object_get(h, "hop"));
        if (name == NULL) {
            continue;
        }
        fputs("redline_next_hop_down{hop=\"", o);
        label_value(o, name);
        fprintf(o, "\"} %d\n", json_is_true(json_object_get(h, "down")) ? 1 : 0);
    }
}

char *
ctl_metrics_render(size_t *out_len, const struct ctl_metrics_input *in)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    if (o == NULL) {
        return NULL;
    }
    fprintf(o,
            "# HELP redline_dataplane_up whether redlined answered controld's last question\n"
            "# TYPE redline_dataplane_up gauge\nredline_dataplane_up %d\n",
            in->stats != NULL ? 1 : 0);
    fprintf(o,
            "# HELP redline_config_version_committed the newest committed configuration version\n"
            "# TYPE redline_config_version_committed gauge\n"
            "redline_config_version_committed %llu\n",
            (unsigned long long)in->committed);
    const struct ctl_license_status *lic = in->license;
    if (lic != NULL) {
        fprintf(o,
                "# HELP redline_license_days_left whole days until the licence expires (0 in "
                "evaluation mode)\n# TYPE redline_license_days_left gauge\n"
                "redline_license_days_left %lld\n",
                (long long)lic->days_left);
        fprintf(o,
                "# HELP redline_license_evaluation 1 when no valid licence is installed "
                "(evaluation mode, tier low)\n# TYPE redline_license_evaluation gauge\n"
                "redline_license_evaluation %d\n",
                lic->evaluation ? 1 : 0);
        fprintf(o,
                "# HELP redline_license_info the licence's state and the tier in force\n"
                "# TYPE redline_license_info gauge\n"
                "redline_license_info{state=\"%s\",tier=\"%s\"} 1\n",
                ctl_license_state_name(lic->state), ctl_tier_name(lic->tier));
        fprintf(o,
                "# HELP redline_license_rate_limit_per_hour messages per hour the tier allows (0: "
                "unlimited)\n# TYPE redline_license_rate_limit_per_hour gauge\n"
                "redline_license_rate_limit_per_hour %llu\n",
                (unsigned long long)ctl_tier_rate(lic->tier));
    }
    if (in->stats != NULL) {
        dataplane(o, in->stats);
        next_hops(o, json_object_get(in->stats, "total"));
    }
    if (fclose(o) != 0) {
        free(buf);
        return NULL;
    }
    *out_len = len;
    return buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench html`: throughput of the HTML sanitiser (scan_html, with the
 * real detection engine) against a plain libxml2 htmlReadMemory parse of the
 * same documents, and memcpy, interleaved in every run on one core. Two
 * workloads: mail-like HTML with planted findings, and the DOMPurify XSS
 * payloads. Main thread only. */
#include "bench_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>

#include "bench_report.h"
#include "internal.h"
#include "scan_html.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "../shared/corpus"
#endif
#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif

#define MIB ((size_t)1024 * 1024)
#define DOC_BYTES ((size_t)256 * 1024) /* one document, about */
#define SEGMENT ((size_t)16 * 1024)    /* detection calls, as scan_message cuts them */
#define N_WORK 2

enum mode {
    M_SANITISE = 0, /* scan_html_rewrite: read, detect, redact, remove, splice */
    M_VERIFY,       /* the same plus scan_html_verify of every changed document */
    M_LIBXML2,      /* htmlReadMemory + xmlFreeDoc */
    M_MEMCPY,
    M__COUNT,
};

static const char *const mode_names[M__COUNT] = {"sanitise", "sanitise_verify", "libxml2_parse",
                                                 "memcpy"};

struct docs {
    const char *name;
    struct bench_buf all; /* documents back to back */
    size_t *off;          /* n + 1 offsets */
    size_t n, cap;
    double secs[M__COUNT][BENCH_RUNS_MAX];
    size_t actions, findings, changed; /* one sanitise pass */
};

struct ctx {
    struct scan_policy *policy;
    struct scan_engine *engine;
    struct scan_worker *worker;
    struct scan_html *html;
    struct scan_finding *f;
    size_t f_cap;
    uint8_t *copy;
    size_t copy_cap;
    struct docs work[N_WORK];
};

/* Detection as scan_message does it: the whole text, in segments. */
static int
detect(void *arg, const struct scan_finding **out_f, size_t *out_n, const uint8_t *text, size_t len,
       bool utf8)
{
    struct ctx *c = arg;
    (void)utf8;
    size_t n = 0;
    for (size_t pos = 0; pos < len || pos == 0; pos += SEGMENT) {
        size_t end = len - pos < SEGMENT ? len : pos + SEGMENT;
        size_t got = 0;
        if (n + 1024 > c->f_cap) {
            size_t cap = (n + 1024) * 2;
            struct scan_finding *f = realloc(c->f, cap * sizeof(*f));
            if (f == NULL) {
                return RL_ENOMEM;
            }
            c->f = f;
            c->f_cap = cap;
        }
        int rc = scan_detect(c->worker, c->f + n, 1024, &got, text, len, pos, end, ~0u);
        if (rc != 0 && rc != RL_ELIMIT) {
            return rc;
        }
        n += got;
        if (end == len) {
            break;
        }
    }
    *out_f = c->f;
    *out_n = n;
    return 0;
}

static int
docs_add(struct docs *d, const struct bench_buf *doc)
{
    if (d->n + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        size_t *off = realloc(d->off, cap * sizeof(*off));
        if (off == NULL) {
            return RL_ENOMEM;
        }
        d->off = off;
        d->cap = cap;
    }
    if (d->n == 0) {
        d->off[0] = 0;
    }
    if (bench_buf_append(&d->all, doc->data, doc->len) != 0) {
        return RL_ENOMEM;
    }
    d->off[++d->n] = d->all.len;
    return 0;
}

/* Mail-like HTML: Outlook-style head (styles, conditional comment), tables,
 * links, entities; about one card number or address per 4 KiB of text. */
static int
build_mail(struct docs *d, size_t total, struct bench_rng *rng)
{
    static const char *const words[] = {
        "the",     "meeting", "report",   "quarter", "please", "review",  "attached", "budget",
        "team",    "project", "customer", "update",  "thanks", "regards", "schedule", "office",
        "account", "payment", "shipping", "summary", "draft",  "policy",  "travel",   "results",
    };
    static const char *const values[] = {"card 4111 1111 1111 1111", "card 5500-0000-0000-0004",
                                         "write to anna.berg@example.org",
                                         "card &#52;012&#32;8888 8888 1881"};
    struct bench_buf doc = {0};
    int rc = 0;
    while (rc == 0 && d->all.len < total) {
        doc.len = 0;
        rc = bench_buf_puts(
            &doc, "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
                  "<meta http-equiv=Content-Type content=\"text/html; charset=utf-8\">"
                  "<style><!-- p.MsoNormal {margin:0cm; font-size:11.0pt; "
                  "font-family:\"Calibri\",sans-serif;} --></style>"
                  "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />"
                  "</xml><![endif]--></head><body lang=EN-GB link=\"#0563C1\">\n");
        size_t since = 0;
        while (rc == 0 && doc.len < DOC_BYTES) {
            rc = bench_buf_puts(&doc, bench_rng_below(rng, 4) == 0
                                          ? "<table><tr><td class=x style=\"padding:0\">"
                                          : "<p class=MsoNormal>");
            for (unsigned w = 0; rc == 0 && w < 40; w++) {
                const char *word = words[bench_rng_below(rng, sizeof(words) / sizeof(words[0]))];
                rc = w % 13 == 12
                         ? bench_buf_printf(&doc,
                                            "<a href=\"https://example.com/%s?id="
                                            "%u&amp;x=1\">%s</a> ",
                                            word, bench_rng_below(rng, 1000), word)
                         : bench_buf_printf(&doc, "%s%s", word, w % 9 == 8 ? ",&nbsp;" : " ");
            }
            if (rc == 0 && doc.len - since > 4096) {
                rc = bench_buf_puts(&doc, values[bench_rng_below(rng, 4)]);
                since = doc.len;
            }
            rc = rc ? rc : bench_buf_puts(&doc, "</p>\n");
        }
        rc = rc ? rc : bench_buf_puts(&doc, "</body></html>\n");
        rc = rc ? rc : docs_add(d, &doc);
    }
    bench_buf_fini(&doc);
    return rc;
}

/* The DOMPurify payloads, each in a <div>, into documents of DOC_BYTES. */
static int
build_xss(struct docs *d, size_t total, const char *corpus)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/dompurify-html/html_sanitize_cases.jsonl", corpus);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "redline-bench html: cannot open %s\n", path);
        return RL_EIO;
    }
    struct bench_buf payloads = {0};
    char line[1 << 16];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        json_t *c = json_loads(line, 0, NULL);
        const char *p = json_string_value(json_object_get(c, "payload"));
        rc = p == NULL ? RL_EINVAL : bench_buf_printf(&payloads, "<div>%.1000s</div>\n", p);
        json_decref(c);
    }
    fclose(f);
    struct bench_buf doc = {0};
    while (rc == 0 && d->all.len < total && payloads.len > 0) {
        doc.len = 0;
        while (rc == 0 && doc.len < DOC_BYTES) {
            rc = bench_buf_append(&doc, payloads.data, payloads.len);
        }
        rc = rc ? rc : docs_add(d, &doc);
    }
    bench_buf_fini(&doc);
    bench_buf_fini(&payloads);
    return rc;
}

static int
run_mode(struct ctx *c, struct docs *d, enum mode m, unsigned run, bool count)
{
    const struct scan_html_opts o = {
        .policy = c->policy, .utf8 = true, .detect = detect, .detect_ctx = c};
    double t0 = bench_cpu_now_s();
    for (size_t i = 0; i < d->n; i++) {
        const uint8_t *p = d->all.data + d->off[i];
        size_t len = d->off[i + 1] - d->off[i];
        struct scan_html_result r;
        size_t left = 0;
        if (m == M_SANITISE || m == M_VERIFY) {
            int rc = scan_html_rewrite(c->html, &r, &o, p, len);
            if (rc != 0) {
                return rc;
            }
            if (count) {
                d->actions += r.n_actions;
                d->findings += r.n_findings;
                d->changed += r.changed;
            }
            if (m == M_VERIFY && r.changed) {
                memcpy(c->copy, r.out, r.out_len);
                rc = scan_html_verify(c->html, &left, &o, c->copy, r.out_len);
                if (rc != 0) {
                    return rc;
                }
            }
        } else if (m == M_LIBXML2) {
            htmlDocPtr doc = htmlReadMemory((const char *)p, (int)len, NULL, "UTF-8",
                                            HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                                HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
            xmlFreeDoc(doc);
        } else {
            memcpy(c->copy, p, len);
        }
    }
    d->secs[m][run] = bench_cpu_now_s() - t0;
    return 0;
}

static json_t *
report(const struct ctx *c, unsigned runs, size_t mb, int cpu)
{
    json_t *root = bench_report_root("html");
    if (root == NULL) {
        return NULL;
    }
    json_t *config = json_object();
    json_object_set_new(config, "mb", json_integer((json_int_t)mb));
    json_object_set_new(config, "runs", json_integer(runs));
    json_object_set_new(config, "document_bytes", json_integer((json_int_t)DOC_BYTES));
    json_object_set_new(config, "buildtype", json_string(BENCH_BUILDTYPE));
    json_object_set_new(config, "policy_version", json_string(c->policy->version));
    json_object_set_new(config, "libxml2", json_string(xmlParserVersion));
    json_object_set_new(config, "pinned_cpu", json_integer(cpu));
    json_object_set_new(root, "config", config);
    json_t *works = json_array();
    fprintf(stderr, "%-14s %8s %10s %10s %10s %10s %9s %9s\n", "workload (MB/s)", "docs",
            "sanitise", "+verify", "libxml2", "memcpy", "san/xml2", "ver/xml2");
    for (size_t w = 0; w < N_WORK; w++) {
        const struct docs *d = &c->work[w];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(d->name));
        json_object_set_new(o, "documents", json_integer((json_int_t)d->n));
        json_object_set_new(o, "bytes", json_integer((json_int_t)d->all.len));
        json_object_set_new(o, "actions", json_integer((json_int_t)d->actions));
        json_object_set_new(o, "findings", json_integer((json_int_t)d->findings));
        json_object_set_new(o, "changed_documents", json_integer((json_int_t)d->changed));
        double mbps[M__COUNT];
        for (unsigned m = 0; m < M__COUNT; m++) {
            json_t *mo = json_object();
            json_t *arr = json_array();
            double rate[BENCH_RUNS_MAX] = {0};
            for (unsigned r = 0; r < runs; r++) {
                rate[r] = (double)d->all.len / 1e6 / d->secs[m][r];
                json_array_append_new(arr, json_real(rate[r]));
            }
            mbps[m] = bench_median(rate, runs);
            json_object_set_new(mo, "median_mbps", json_real(mbps[m]));
            json_object_set_new(mo, "mbps_runs", arr);
            json_object_set_new(o, mode_names[m], mo);
        }
        /* Per run, time(libxml2) / time(ours): both in the same run. */
        double ratio[2][BENCH_RUNS_MAX] = {{0}};
        for (unsigned r = 0; r < runs; r++) {
            ratio[0][r] = d->secs[M_LIBXML2][r] / d->secs[M_SANITISE][r];
            ratio[1][r] = d->secs[M_LIBXML2][r] / d->secs[M_VERIFY][r];
        }
        double rs = bench_median(ratio[0], runs);
        double rv = bench_median(ratio[1], runs);
        json_object_set_new(o, "ratio_sanitise_libxml2", json_real(rs));
        json_object_set_new(o, "ratio_sanitise_verify_libxml2", json_real(rv));
        json_array_append_new(works, o);
        fprintf(stderr, "%-14s %8zu %10.1f %10.1f %10.1f %10.0f %8.2fx %8.2fx\n", d->name, d->n,
                mbps[M_SANITISE], mbps[M_VERIFY], mbps[M_LIBXML2], mbps[M_MEMCPY], rs, rv);
    }
    json_object_set_new(root, "workloads", works);
    if (strcmp(BENCH_BUILDTYPE, "release") != 0) {
        fprintf(stderr, "warning: a %s build; compare release builds only\n", BENCH_BUILDTYPE);
    }
    return root;
}

static void
ctx_fini(struct ctx *c)
{
    for (size_t w = 0; w < N_WORK; w++) {
        bench_buf_fini(&c->work[w].all);
        free(c->work[w].off);
    }
    scan_html_free(c->html);
    scan_worker_free(c->worker);
    scan_engine_free(c->engine);
    scan_policy_free(c->policy);
    free(c->f);
    free(c->copy);
}

int
bench_html_main(int argc, char **argv)
{
    uint64_t mb = 16;
    uint64_t runs = 5;
    const char *json_path = NULL;
    const char *corpus = BENCH_CORPUS_DIR;
    for (int i = 1; i < argc; i++) {
        bool more = i + 1 < argc;
        bool number =
            (strcmp(argv[i], "--mb") == 0 && more && bench_arg_u64(argv[i + 1], 1, 4096, &mb)) ||
            (strcmp(argv[i], "--runs") == 0 && more &&
             bench_arg_u64(argv[i + 1], 1, BENCH_RUNS_MAX, &runs));
        if (number) {
            i++;
        } else if (strcmp(argv[i], "--json") == 0 && more) {
            json_path = argv[++i];
        } else if (strcmp(argv[i], "--corpus") == 0 && more) {
            corpus = argv[++i];
        } else {
            fprintf(i + 1 < argc || strcmp(argv[i], "--help") != 0 ? stderr : stdout,
                    "usage: redline-bench html [--mb N (16)] [--runs R (5)] [--json FILE] "
                    "[--corpus DIR]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    struct ctx c = {0};
    struct rl_diag d;
    const char *j = scan_policy_default_json();
    struct bench_rng rng = {.s = 20261123};
    int status = 1;
    c.work[0].name = "mail-html";
    c.work[1].name = "xss-dompurify";
    if (scan_policy_parse(&c.policy, &d, j, strlen(j)) != 0 ||
        scan_engine_compile(&c.engine, &d, c.policy) != 0 ||
        (c.worker = scan_worker_new(c.engine)) == NULL || (c.html = scan_html_new()) == NULL ||
        build_mail(&c.work[0], mb * MIB, &rng) != 0 ||
        build_xss(&c.work[1], mb * MIB, corpus) != 0 ||
        (c.copy = malloc(2 * DOC_BYTES + 2 * MIB)) == NULL) {
        fprintf(stderr, "redline-bench html: set-up failed\n");
        goto done;
    }
    int cpu = bench_cpu_pin();
    for (size_t w = 0; w < N_WORK; w++) {
        /* An untimed pass warms the buffers and counts what was done. */
        int rc = run_mode(&c, &c.work[w], M_SANITISE, 0, true);
        if (rc != 0) {
            fprintf(stderr, "redline-bench html: sanitiser failed on %s: %s\n", c.work[w].name,
                    rl_strerror(rc));
            goto done;
        }
        for (unsigned r = 0; r < runs; r++) {
            for (unsigned k = 0; k < M__COUNT; k++) {
                enum mode m = (enum mode)((k + r) % M__COUNT); /* no mode always first */
                if (run_mode(&c, &c.work[w], m, r, false) != 0) {
                    fprintf(stderr, "redline-bench html: %s failed\n", mode_names[m]);
                    goto done;
                }
            }
        }
    }
    json_t *root = report(&c, (unsigned)runs, (size_t)mb, cpu);
    status = root != NULL && bench_report_write(root, stdout, json_path) == 0 ? 0 : 1;
    json_decref(root);
done:
    ctx_fini(&c);
    return status;
}

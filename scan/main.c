/* SPDX-License-Identifier: Apache-2.0 */
/* redline-scan: the scan engine offline. Reads one message (or plain text)
 * from a file or stdin, writes the redacted result and a JSON report.
 * Touches only the files named on its command line; needs no privileges. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "scan_message.h"

#define EXIT_USAGE 2

struct out_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

static int
collect(void *ctx, const uint8_t *data, size_t len)
{
    struct out_buf *o = ctx;
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 65536;
        while (cap < o->len + len) {
            cap *= 2;
        }
        uint8_t *p = realloc(o->p, cap);
        if (p == NULL) {
            return RL_ENOMEM;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, data, len);
    o->len += len;
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: redline-scan [--policy FILE] [--report FILE|-] [-o OUT] [IN|-]\n"
               "       redline-scan --text [--policy FILE] [--report FILE|-] [-o OUT] [IN|-]\n"
               "       redline-scan --print-default-policy\n");
}

static int
fail(const char *what, const char *why)
{
    fprintf(stderr, "redline-scan: %s: %s\n", what, why);
    return EXIT_USAGE;
}

static int
write_all(FILE *f, const uint8_t *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"report", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"text", no_argument, NULL, 't'},
        {"print-default-policy", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *policy_path = NULL;
    const char *report_path = NULL;
    const char *out_path = NULL;
    bool text = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            policy_path = optarg;
            break;
        case 'r':
            report_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 't':
            text = true;
            break;
        case 'P':
            fputs(scan_policy_default_json(), stdout);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *in_path = optind < argc ? argv[optind] : "-";
    bool out_stdout = out_path == NULL || strcmp(out_path, "-") == 0;
    if (report_path != NULL && strcmp(report_path, "-") == 0 && out_stdout) {
        return fail("--report -", "the output already goes to stdout; give -o OUT");
    }

    struct rl_diag diag = {{0}, {0}};
    struct scan_policy *policy = NULL;
    int rc = policy_path != NULL ? scan_policy_load(&policy, &diag, policy_path)
                                 : scan_policy_parse(&policy, &diag, scan_policy_default_json(),
                                                     strlen(scan_policy_default_json()));
    if (rc != 0) {
        fprintf(stderr, "redline-scan: %s: %s%s%s\n", policy_path ? policy_path : "default policy",
                diag.field, diag.field[0] ? ": " : "", diag.reason);
        return EXIT_USAGE;
    }
    if (mime_charset_init() != 0) {
        scan_policy_free(policy);
        return fail("iconv", "cannot build the charset tables");
    }
    struct scan_engine *engine = NULL;
    if (scan_engine_compile(&engine, &diag, policy) != 0) {
        fprintf(stderr, "redline-scan: policy: %s: %s\n", diag.field, diag.reason);
        scan_policy_free(policy);
        return EXIT_USAGE;
    }
    struct scan_worker *w = scan_worker_new(engine);
    struct scan_message *m = w ? scan_message_new(w, engine) : NULL;
    FILE *in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
    int status = EXIT_USAGE;
    struct out_buf out = {0};
    if (m == NULL) {
        fail("start-up", "out of memory");
        goto done;
    }
    if (in == NULL) {
        fail(in_path, strerror(errno));
        goto done;
    }
    scan_message_begin(m, collect, &out, text);
    static uint8_t chunk[65536];
    size_t got;
    rc = 0;
    while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        rc = scan_message_feed(m, chunk, got);
    }
    if (rc == 0 && ferror(in)) {
        fail(in_path, "read error");
        goto done;
    }
    const struct scan_result *res = NULL;
    if (rc == 0) {
        rc = scan_message_finish(m, &res);
    }
    if (rc == RL_ELIMIT) {
        fail(in_path, "message larger than limits.max_message_bytes of the policy");
        goto done;
    }
    if (rc != 0) {
        fail(in_path, rl_strerror(rc));
        goto done;
    }
    FILE *o = out_stdout ? stdout : fopen(out_path, "wb");
    if (o == NULL) {
        fail(out_path, strerror(errno));
        goto done;
    }
    bool ok = (!res->tagged ||
               write_all(o, (const uint8_t *)res->tag_header, strlen(res->tag_header)) == 0) &&
              write_all(o, out.p, out.len) == 0;
    ok = (o == stdout ? fflush(o) == 0 : fclose(o) == 0) && ok;
    if (!ok) {
        fail(out_stdout ? "stdout" : out_path, "write failed");
        goto done;
    }
    if (report_path != NULL) {
        FILE *r = strcmp(report_path, "-") == 0 ? stdout : fopen(report_path, "w");
        if (r == NULL || scan_report_write(r, res, policy) != 0 ||
            (r == stdout ? fflush(r) : fclose(r)) != 0) {
            fail(report_path, "cannot write the report");
            goto done;
        }
    }
    status = 0;
done:
    if (in != NULL && in != stdin) {
        fclose(in);
    }
    free(out.p);
    scan_message_free(m);
    scan_worker_free(w);
    scan_engine_free(engine);
    scan_policy_free(policy);
    return status;
}

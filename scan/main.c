/* SPDX-License-Identifier: Apache-2.0 */
/* redline-scan: the scan engine offline. Reads one message (or plain text)
 * from a file or stdin, writes the redacted result and a JSON report; or,
 * with --jsonl, many texts, one JSON object a line. Touches only the files
 * named on its command line; needs no privileges. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
               "       redline-scan --jsonl [--text] [--policy FILE] [-o OUT] [IN|-]\n"
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

/* scan_one runs `m` over data[0, len) into `out`; returns 0 and sets *out_res,
 * or a negative code. */
static int
scan_one(struct scan_message *m, struct out_buf *out, const struct scan_result **out_res,
         const uint8_t *data, size_t len, bool text)
{
    out->len = 0;
    scan_message_begin(m, collect, out, text);
    int rc = scan_message_feed(m, data, len);
    return rc != 0 ? rc : scan_message_finish(m, out_res);
}

/* jsonl runs one scan per input line, each a JSON object {"text": "...",
 * "id": any}, and writes one line per input: {"id": ..., "output": the
 * redacted text, "report": the report} or {"id": ..., "error": "..."}. The
 * engine is compiled once, so a set of thousands of short texts costs what
 * the texts cost (accuracy measurements). Returns the exit status. */
static int
jsonl(struct scan_message *m, const struct scan_policy *policy, FILE *in, FILE *o, bool text)
{
    struct out_buf out = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long n = 0;
    int status = 0;
    while (status == 0 && (got = getline(&line, &cap, in)) > 0) {
        n++;
        json_error_t err;
        json_t *req = json_loadb(line, (size_t)got, 0, &err);
        const char *t = json_string_value(json_object_get(req, "text"));
        json_t *id = json_object_get(req, "id");
        fputs("{\"id\":", o);
        if (id != NULL) {
            json_dumpf(id, o, JSON_ENCODE_ANY | JSON_COMPACT);
        } else {
            fprintf(o, "%lu", n);
        }
        const struct scan_result *res = NULL;
        int rc = t == NULL ? RL_ESYNTAX
                           : scan_one(m, &out, &res, (const uint8_t *)t,
                                      json_string_length(json_object_get(req, "text")), text);
        if (rc != 0) {
            fprintf(o, ",\"error\":\"%s\"}\n",
                    t == NULL ? "line is not a JSON object with a string \"text\""
                              : rl_strerror(rc));
        } else {
            json_t *redacted = json_stringn((const char *)out.p, out.len);
            fputs(",\"output\":", o);
            if (redacted != NULL) {
                json_dumpf(redacted, o, JSON_ENCODE_ANY | JSON_COMPACT);
            } else {
                fputs("null", o); /* not UTF-8: the report still says where */
            }
            json_decref(redacted);
            fputs(",\"report\":", o);
            status = scan_report_write_flags(o, res, policy, true) == 0 ? 0 : 1;
            fputs("}\n", o);
        }
        json_decref(req);
    }
    free(line);
    free(out.p);
    if (ferror(in)) {
        fprintf(stderr, "redline-scan: read error\n");
        status = EXIT_USAGE;
    }
    if ((o == stdout ? fflush(o) : fclose(o)) != 0) {
        fprintf(stderr, "redline-scan: write failed\n");
        status = 1;
    }
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'}, {"report", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'}, {"text", no_argument, NULL, 't'},
        {"jsonl", no_argument, NULL, 'j'},        {"print-default-policy", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *policy_path = NULL;
    const char *report_path = NULL;
    const char *out_path = NULL;
    bool text = false;
    bool lines = false;
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
        case 'j':
            lines = true;
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
    if (lines && report_path != NULL) {
        return fail("--jsonl", "the reports are in the output lines; --report does not apply");
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
    if (lines) {
        FILE *o = out_stdout ? stdout : fopen(out_path, "wb");
        if (o == NULL) {
            fail(out_path, strerror(errno));
            goto done;
        }
        status = jsonl(m, policy, in, o, text);
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

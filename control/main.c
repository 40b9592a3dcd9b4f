/* SPDX-License-Identifier: Apache-2.0 */
/* redlinectl: the administrator's CLI. Speaks to redline-controld's socket
 * (configuration, licence, history, status; the dataplane's own commands
 * are forwarded by controld), or straight to redlined's control socket for
 * stats, reload and quarantine. Reads the files named on its command line
 * as the invoking user; touches nothing else. Prints aligned tables, or the
 * server's JSON with --json. Exit 0 done, 1 refused (the reason printed),
 * 2 usage, or a socket that cannot be reached. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl_client.h"

#define DEFAULT_SOCKET "/run/redline/controld.sock"
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: redlinectl [--socket PATH] [--json] [--comment TEXT] [--dry-run] NOUN VERB ...\n"
    "  route list | show DOMAIN | add DOMAIN GROUP [--tls PROFILE]\n"
    "        | set DOMAIN [--group GROUP] [--tls PROFILE|\"\"] | del DOMAIN\n"
    "  mta-group list | show NAME | add NAME HOST:PORT... | set NAME HOST:PORT... | del NAME\n"
    "  tls-profile list | show NAME | add NAME JSON|@FILE | set NAME JSON|@FILE | del NAME\n"
    "  client-network list | add CIDR | del CIDR\n"
    "  policy show | set FILE\n"
    "  lexicon list | show NAME | add FILE | set FILE | del NAME\n"
    "  license show | install FILE\n"
    "  config history [--limit N] | show [N] | diff A [B] | rollback N | export\n"
    "         | import FILE\n"
    "  status                         versions running vs committed, load, licence\n"
    "  stats                          redlined's counters, totals and per worker\n"
    "  quarantine list | release ID... | delete ID...\n"
    "  reload                         redlined rereads its STARTTLS certificates and keys\n"
    "  log reopen                     redlined reopens its tracking log (after logrotate)\n"
    "  --socket PATH   controld's socket (default $REDLINE_SOCKET or " DEFAULT_SOCKET "),\n"
    "                  or redlined's own control socket for stats, reload and quarantine\n"
    "  --json          print the server's JSON answers, one per line\n"
    "  --comment TEXT  why, recorded with the version a change makes\n"
    "  --dry-run       validate a change and show what it would do; commit nothing\n"
    "Exit status: 0 done, 1 refused (the reason is printed), 2 usage or unreachable.\n";

struct opts {
    const char *sock;
    bool json;
    const char *comment;
    bool dry_run;
};

static int
usage(const char *why)
{
    if (why != NULL) {
        fprintf(stderr, "redlinectl: %s\n", why);
    }
    fputs(usage_text, why != NULL ? stderr : stdout);
    return EXIT_USAGE;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* Tables: rows of cells, printed with each column as wide as its widest
 * cell (the last one unpadded). */
#define COLS_MAX 12
struct table {
    size_t n_cols;
    size_t width[COLS_MAX];
    char **cells; /* rows * n_cols */
    size_t n_rows, cap_rows;
};

static void
table_row(struct table *t, const char *const *cells)
{
    if (t->n_cols > COLS_MAX) {
        return; /* a table wider than the widths kept: a bug of this file */
    }
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        char **nc = realloc(t->cells, cap * t->n_cols * sizeof(char *));
        if (nc == NULL) {
            return;
        }
        t->cells = nc;
        t->cap_rows = cap;
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        char *s = strdup(cells[c] != NULL ? cells[c] : "");
        size_t w = s != NULL ? strlen(s) : 0;
        t->width[c] = w > t->width[c] ? w : t->width[c];
        t->cells[t->n_rows * t->n_cols + c] = s;
    }
    t->n_rows++;
}

static void
table_print(struct table *t)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *s = t->cells[r * t->n_cols + c];
            if (c + 1 < t->n_cols) {
                printf("%-*s  ", (int)t->width[c], s != NULL ? s : "");
            } else {
                printf("%s\n", s != NULL ? s : "");
            }
            free(t->cells[r * t->n_cols + c]);
        }
    }
    free(t->cells);
    t->cells = NULL;
    t->n_rows = t->cap_rows = 0;
}

/* call sends one request line; on 0 *out is the answer (an object). */
static int
call(json_t **out, const struct opts *o, const char *line)
{
    char *answer = NULL;
    int err = 0;
    /* A release waits on next hops: a minute per reply at most, server side. */
    int rc = ctl_client_call(&answer, &err, o->sock, line, 600);
    if (rc != 0) {
        fprintf(stderr, "redlinectl: %s: %s\n", o->sock,
                rc == RL_EINVAL ? "socket path too long" : strerror(err));
        return EXIT_USAGE;
    }
    json_error_t jerr;
    *out = json_loads(answer, 0, &jerr);
    free(answer);
    if (!json_is_object(*out)) {
        fprintf(stderr, "redlinectl: %s: unreadable answer (%s)\n", o->sock, jerr.text);
        json_decref(*out);
        return EXIT_USAGE;
    }
    return 0;
}

/* request sends {"cmd", "args", "comment", "dry_run"}; takes `args`. */
static int
request(json_t **out, const struct opts *o, const char *cmd, json_t *args)
{
    json_t *req = json_pack("{s:s, s:o}", "cmd", cmd, "args", args != NULL ? args : json_object());
    if (o->comment != NULL) {
        json_object_set_new(req, "comment", json_string(o->comment));
    }
    if (o->dry_run) {
        json_object_set_new(req, "dry_run", json_true());
    }
    char *line = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (line == NULL) {
        fprintf(stderr, "redlinectl: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = call(out, o, line);
    free(line);
    return rc;
}

/* read_json reads a JSON file, or "@FILE", or JSON text given inline. */
static json_t *
read_json(const char *arg, bool inline_ok)
{
    json_error_t jerr;
    json_t *v;
    const char *what = arg;
    if (inline_ok && arg[0] != '@') {
        v = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);
    } else {
        what = arg[0] == '@' ? arg + 1 : arg;
        v = json_load_file(what, JSON_REJECT_DUPLICATES, &jerr);
    }
    if (v == NULL) {
        fprintf(stderr, "redlinectl: %s: line %d column %d: %s\n", what, jerr.line, jerr.column,
                jerr.text);
    }
    return v;
}

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "redlinectl: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = calloc(1, 65537);
    size_t n = buf != NULL ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    if (buf != NULL && n == 65536) {
        fprintf(stderr, "redlinectl: %s: longer than 64 KiB\n", path);
        free(buf);
        return NULL;
    }
    return buf;
}

static void
print_changes(json_t *changes)
{
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        char *old = json_dumps(json_object_get(c, "old"), JSON_COMPACT | JSON_ENCODE_ANY);
        char *new = json_dumps(json_object_get(c, "new"), JSON_COMPACT | JSON_ENCODE_ANY);
        const char *op = str(c, "op");
        if (strcmp(op, "added") == 0) {
            printf("  + %s: %s\n", str(c, "path"), new != NULL ? new : "");
        } else if (strcmp(op, "removed") == 0) {
            printf("  - %s: %s\n", str(c, "path"), old != NULL ? old : "");
        } else {
            printf("  ~ %s: %s -> %s\n", str(c, "path"), old != NULL ? old : "",
                   new != NULL ? new : "");
        }
        free(old);
        free(new);
    }
}

static void
print_edit(json_t *ans)
{
    json_int_t v = json_integer_value(json_object_get(ans, "version"));
    json_t *changes = json_object_get(ans, "changes");
    if (json_is_true(json_object_get(ans, "dry_run"))) {
        printf("valid; would change (on version %lld):\n", (long long)v);
    } else if (!json_is_true(json_object_get(ans, "changed"))) {
        printf("no change: version %lld already is so\n", (long long)v);
        return;
    } else {
        printf("committed version %lld\n", (long long)v);
    }
    print_changes(changes);
}

static void
print_routes(json_t *ans)
{
    struct table t = {.n_cols = 3};
    table_row(&t, (const char *const[]){"DOMAIN", "GROUP", "TLS"});
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(ans, "routes"), i, r)
    {
        const char *tls = str(r, "tls");
        table_row(&t, (const char *const[]){str(r, "domain"), str(r, "group"),
                                            tls[0] ? tls : "(built-in)"});
    }
    table_print(&t);
}

static void
join(char *out, size_t cap, json_t *arr)
{
    size_t used = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(arr, i, v)
    {
        int w = snprintf(out + used, cap - used, "%s%s", i ? "," : "",
                         json_is_string(v) ? json_string_value(v) : "?");
        used = w > 0 && used + (size_t)w < cap ? used + (size_t)w : used;
    }
}

static void
print_groups(json_t *ans)
{
    struct table t = {.n_cols = 2};
    table_row(&t, (const char *const[]){"GROUP", "NEXT HOPS (in failover order)"});
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(ans, "mta_groups"), k, v)
    {
        char hops[1024];
        join(hops, sizeof(hops), v);
        table_row(&t, (const char *const[]){k, hops});
    }
    table_print(&t);
}

static void
print_profiles(json_t *ans)
{
    struct table t = {.n_cols = 4};
    table_row(&t, (const char *const[]){"PROFILE", "ROLE", "MODE", "VERIFY"});
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(ans, "tls_profiles"), k, v)
    {
        table_row(&t, (const char *const[]){k, str(v, "role"), str(v, "mode"), str(v, "verify")});
    }
    table_print(&t);
}

static void
print_lexicons(json_t *ans)
{
    struct table t = {.n_cols = 4};
    table_row(&t, (const char *const[]){"LEXICON", "ACTION", "THRESHOLD", "ENTRIES"});
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(ans, "lexicons"), i, l)
    {
        char thr[24], n[24];
        snprintf(thr, sizeof(thr), "%lld",
                 (long long)json_integer_value(json_object_get(l, "threshold")));
        snprintf(n, sizeof(n), "%zu", json_array_size(json_object_get(l, "entries")));
        table_row(&t, (const char *const[]){str(l, "name"), str(l, "action"), thr, n});
    }
    table_print(&t);
}

static void
print_history(json_t *ans)
{
    struct table t = {.n_cols = 4};
    table_row(&t, (const char *const[]){"VERSION", "WHEN (UTC)", "UID", "COMMENT"});
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ans, "versions"), i, v)
    {
        char n[24], uid[24];
        snprintf(n, sizeof(n), "%lld",
                 (long long)json_integer_value(json_object_get(v, "version")));
        snprintf(uid, sizeof(uid), "%lld",
                 (long long)json_integer_value(json_object_get(v, "uid")));
        table_row(&t, (const char *const[]){n, str(v, "at"), uid, str(v, "comment")});
    }
    table_print(&t);
}

static void
print_license(json_t *lic)
{
    struct table t = {.n_cols = 2};
    static const char *const keys[] = {"state",    "tier",       "rate_per_hour", "company",
                                       "serial",   "not_before", "expires",       "days_left",
                                       "features", "key_id",     "message"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(lic, keys[i]);
        if (v == NULL) {
            continue;
        }
        char buf[64];
        const char *s = json_string_value(v);
        if (json_is_integer(v)) {
            snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
            s = strcmp(keys[i], "rate_per_hour") == 0 && json_integer_value(v) == 0 ? "unlimited"
                                                                                    : buf;
        }
        table_row(&t, (const char *const[]){keys[i], s != NULL ? s : ""});
    }
    table_print(&t);
}

/* turn_quantile returns the upper bound (seconds) of the histogram bucket
 * holding quantile `q` of loop_turn_seconds `h`, or -1 past the last bound. */
static double
turn_quantile(json_t *h, double q)
{
    json_int_t count = json_integer_value(json_object_get(h, "count"));
    json_t *le = json_object_get(h, "le");
    json_t *counts = json_object_get(h, "counts");
    for (size_t i = 0; i < json_array_size(le); i++) {
        if ((double)json_integer_value(json_array_get(counts, i)) >= q * (double)count) {
            return json_number_value(json_array_get(le, i));
        }
    }
    return -1;
}

/* print_turns prints each worker's loop-turn durations: quantiles as the
 * bounds of the histogram's buckets, and the longest turn. */
static void
print_turns(json_t *ans)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(ans, "workers"), i, w)
    {
        json_t *h = json_object_get(w, "loop_turn_seconds");
        if (!json_is_object(h)) {
            continue;
        }
        const double q[3] = {0.5, 0.99, 0.999};
        char buf[3][24];
        for (int k = 0; k < 3; k++) {
            double v = turn_quantile(h, q[k]);
            if (v < 0) {
                snprintf(buf[k], sizeof(buf[k]), "longer");
            } else {
                snprintf(buf[k], sizeof(buf[k]), "<=%gus", v * 1e6);
            }
        }
        printf("worker %zu loop turns: %lld, p50 %s, p99 %s, p99.9 %s, max %.0fus\n", i,
               (long long)json_integer_value(json_object_get(h, "count")), buf[0], buf[1], buf[2],
               json_number_value(json_object_get(h, "max")) * 1e6);
    }
}

static void
print_stats(json_t *ans)
{
    json_t *total = json_object_get(ans, "total");
    const char *key;
    json_t *v;
    json_object_foreach(total, key, v)
    {
        if (json_is_integer(v)) {
            printf("%-40s %lld\n", key, (long long)json_integer_value(v));
        }
    }
    /* Then the counts by kind: findings, TLS failures by reason. */
    json_object_foreach(total, key, v)
    {
        const char *kind;
        json_t *n;
        json_object_foreach(v, kind, n)
        {
            char name[128];
            snprintf(name, sizeof(name), "%s.%s", key, kind);
            printf("%-40s %lld\n", name, (long long)json_integer_value(n));
        }
    }
    print_turns(ans);
}

static long long
total(json_t *dp, const char *key)
{
    return (long long)json_integer_value(json_object_get(json_object_get(dp, "total"), key));
}

/* wnum formats worker counter `key` of `w` into `buf`. */
static const char *
wnum(char *buf, size_t cap, json_t *w, const char *key)
{
    snprintf(buf, cap, "%lld", (long long)json_integer_value(json_object_get(w, key)));
    return buf;
}

static void
print_status(json_t *ans)
{
    json_t *c = json_object_get(ans, "committed");
    json_t *lic = json_object_get(ans, "license");
    json_t *dp = json_object_get(ans, "dataplane");
    json_t *pushed = json_object_get(ans, "pushed");
    long long committed = (long long)json_integer_value(json_object_get(c, "version"));
    printf("configuration  version %lld, committed %s by uid %lld (%s)\n", committed, str(c, "at"),
           (long long)json_integer_value(json_object_get(c, "uid")), str(c, "comment"));
    if (pushed != NULL) {
        long long running = (long long)json_integer_value(json_object_get(pushed, "running"));
        const char *err = str(pushed, "error");
        printf("pushed         redlined runs version %lld%s%s%s\n", running,
               running == committed ? " (the committed one)" : " (not the committed one)",
               err[0] ? ": " : "", err);
    }
    printf("licence        %s: %s\n", str(lic, "state"), str(lic, "message"));
    if (!json_is_true(json_object_get(dp, "reachable"))) {
        printf("dataplane      unreachable: %s\n", str(dp, "error"));
        return;
    }
    printf("dataplane      %zu workers, %lld connections, %lld messages received, %lld relayed, "
           "%lld over the licensed rate\n",
           json_array_size(json_object_get(dp, "workers")), total(dp, "connections_active"),
           total(dp, "messages_received"), total(dp, "messages_relayed"),
           total(dp, "messages_rate_limited"));
    long long per_hour = (long long)json_integer_value(json_object_get(lic, "rate_per_hour"));
    long long now_h = total(dp, "messages_per_s") * 3600;
    if (per_hour == 0) {
        printf("tier           %s: no rate limit; %lld msgs/h now\n", str(lic, "tier"), now_h);
    } else {
        printf("tier           %s: %lld msgs/h allowed, %lld now, headroom %lld msgs/h (%lld%%)\n",
               str(lic, "tier"), per_hour, now_h, per_hour - now_h,
               (per_hour - now_h) * 100 / per_hour);
    }
    json_t *hops = json_object_get(json_object_get(dp, "total"), "next_hops");
    printf("next hops      %zu tried, %lld down, %lld failovers, %lld times none reachable\n",
           json_array_size(hops), total(dp, "next_hops_down"), total(dp, "relay_failovers"),
           total(dp, "relay_unreachable"));
    size_t hi;
    json_t *h;
    json_array_foreach(hops, hi, h)
    {
        bool down = json_is_true(json_object_get(h, "down"));
        printf("  %-40s %s", str(h, "hop"), down ? "down" : "up");
        if (down) {
            printf(" (%lld failures in a row; %lld of %lld workers found it down)",
                   (long long)json_integer_value(json_object_get(h, "fails")),
                   (long long)json_integer_value(json_object_get(h, "workers_down")),
                   (long long)json_integer_value(json_object_get(h, "workers")));
        }
        putchar('\n');
    }
    struct table t = {.n_cols = 9};
    table_row(&t, (const char *const[]){"WORKER", "VERSION", "LOAD %", "CONNECTIONS", "RECEIVED",
                                        "RELAYED", "4XX", "5XX", "LOOP P99 (us)"});
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(dp, "workers"), i, w)
    {
        char id[24], ver[24], load[24], conns[24], rx[24], tx[24], f4[24], f5[24], p99[24] = "-";
        snprintf(load, sizeof(load), "%.1f",
                 (double)json_integer_value(json_object_get(w, "load_permille")) / 10.0);
        snprintf(id, sizeof(id), "%zu", i);
        if (json_object_get(w, "config_version") == NULL) {
            snprintf(ver, sizeof(ver), "-");
        } else {
            wnum(ver, sizeof(ver), w, "config_version");
        }
        if (json_integer_value(json_object_get(w, "loop_turn_p99_us")) < 0) {
            snprintf(p99, sizeof(p99), "> 100000");
        } else if (json_object_get(w, "loop_turn_p99_us") != NULL) {
            wnum(p99, sizeof(p99), w, "loop_turn_p99_us");
        }
        table_row(&t, (const char *const[]){id, ver, load,
                                            wnum(conns, sizeof(conns), w, "connections_active"),
                                            wnum(rx, sizeof(rx), w, "messages_received"),
                                            wnum(tx, sizeof(tx), w, "messages_relayed"),
                                            wnum(f4, sizeof(f4), w, "replies_4xx"),
                                            wnum(f5, sizeof(f5), w, "replies_5xx"), p99});
    }
    table_print(&t);
}

static void
print_list(json_t *ans)
{
    json_t *msgs = json_object_get(ans, "messages");
    if (json_array_size(msgs) == 0) {
        printf("quarantine is empty\n");
        return;
    }
    printf("%-28s %-24s %-30s %-30s %9s  %s\n", "ID", "RECEIVED", "FROM", "RECIPIENTS", "SIZE",
           "FINDINGS");
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        char rcpts[256];
        join(rcpts, sizeof(rcpts), json_object_get(m, "rcpts"));
        char findings[256] = "";
        size_t used = 0;
        const char *type;
        json_t *n;
        json_object_foreach(json_object_get(m, "findings"), type, n)
        {
            int w = snprintf(findings + used, sizeof(findings) - used, "%s%s=%lld", used ? "," : "",
                             type, (long long)json_integer_value(n));
            used = w > 0 && used + (size_t)w < sizeof(findings) ? used + (size_t)w : used;
        }
        printf("%-28s %-24s %-30s %-30s %9lld  %s\n", str(m, "id"), str(m, "ts"),
               str(m, "from")[0] ? str(m, "from") : "<>", rcpts,
               (long long)json_integer_value(json_object_get(m, "stored_size")), findings);
    }
}

/* finish prints `ans` as --json or for people with `show`, and returns the
 * exit status; takes `ans`. */
static int
finish(const struct opts *o, json_t *ans, void (*show)(json_t *))
{
    /* The counters carry no "ok"; every other answer does. */
    json_t *okv = json_object_get(ans, "ok");
    bool ok = okv == NULL ? json_object_get(ans, "total") != NULL : json_is_true(okv);
    if (o->json) {
        char *s = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s != NULL ? s : "{}");
        free(s);
    } else if (!ok) {
        fprintf(stderr, "redlinectl: %s\n", str(ans, "error"));
    } else if (show != NULL) {
        show(ans);
    }
    /* controld could not reach redlined: unreachable, not refused. */
    int status = ok                                                  ? 0
                 : json_is_true(json_object_get(ans, "unreachable")) ? EXIT_USAGE
                                                                     : EXIT_REFUSED;
    json_decref(ans);
    return status;
}

static int
run(const struct opts *o, const char *cmd, json_t *args, void (*show)(json_t *))
{
    json_t *ans = NULL;
    int rc = request(&ans, o, cmd, args);
    return rc != 0 ? rc : finish(o, ans, show);
}

/* Printers for single objects. */
static void
print_pretty_key(json_t *ans, const char *key)
{
    char *s = json_dumps(json_object_get(ans, key), JSON_INDENT(2) | JSON_ENCODE_ANY);
    printf("%s\n", s != NULL ? s : "null");
    free(s);
}
static void
print_route(json_t *ans)
{
    print_pretty_key(ans, "route");
}
static void
print_value(json_t *ans)
{
    print_pretty_key(ans, "value");
}
static void
print_policy(json_t *ans)
{
    print_pretty_key(ans, "policy");
}
static void
print_lexicon(json_t *ans)
{
    print_pretty_key(ans, "lexicon");
}
static void
print_doc(json_t *ans)
{
    print_pretty_key(ans, "doc");
}
static void
print_license_answer(json_t *ans)
{
    print_license(json_object_get(ans, "license"));
}
static void
print_nets(json_t *ans)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ans, "client_networks"), i, v)
    {
        printf("%s\n", json_string_value(v) != NULL ? json_string_value(v) : "?");
    }
}
static void
print_diff(json_t *ans)
{
    json_t *c = json_object_get(ans, "changes");
    printf("version %lld -> %lld: %zu change%s\n",
           (long long)json_integer_value(json_object_get(ans, "a")),
           (long long)json_integer_value(json_object_get(ans, "b")), json_array_size(c),
           json_array_size(c) == 1 ? "" : "s");
    print_changes(c);
}

/* version_arg parses a positive version number. */
static bool
version_arg(json_int_t *out, const char *s)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1) {
        return false;
    }
    *out = (json_int_t)v;
    return true;
}

/* flag_value finds "--name VALUE" among a[from..n) and removes both. */
static const char *
flag_value(int *n, char **a, int from, const char *name)
{
    for (int i = from; i + 1 < *n; i++) {
        if (strcmp(a[i], name) == 0) {
            const char *v = a[i + 1];
            memmove(a + i, a + i + 2, (size_t)(*n - i - 2) * sizeof(char *));
            *n -= 2;
            return v;
        }
    }
    return NULL;
}

static int
route(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    const char *group = flag_value(&n, a, 2, "--group");
    const char *tls = flag_value(&n, a, 2, "--tls");
    if (strcmp(verb, "list") == 0 && n == 2) {
        return run(o, "route.list", NULL, print_routes);
    }
    if (strcmp(verb, "show") == 0 && n == 3) {
        return run(o, "route.show", json_pack("{s:s}", "domain", a[2]), print_route);
    }
    if (strcmp(verb, "add") == 0 && n == 4 && group == NULL) {
        json_t *args = json_pack("{s:s, s:s}", "domain", a[2], "group", a[3]);
        if (tls != NULL) {
            json_object_set_new(args, "tls", json_string(tls));
        }
        return run(o, "route.add", args, print_edit);
    }
    if (strcmp(verb, "set") == 0 && n == 3 && (group != NULL || tls != NULL)) {
        json_t *args = json_pack("{s:s}", "domain", a[2]);
        if (group != NULL) {
            json_object_set_new(args, "group", json_string(group));
        }
        if (tls != NULL) {
            json_object_set_new(args, "tls", json_string(tls));
        }
        return run(o, "route.set", args, print_edit);
    }
    if (strcmp(verb, "del") == 0 && n == 3) {
        return run(o, "route.del", json_pack("{s:s}", "domain", a[2]), print_edit);
    }
    return usage("route: list | show DOMAIN | add DOMAIN GROUP [--tls P] | set DOMAIN "
                 "[--group G] [--tls P] | del DOMAIN");
}

static int
mta_group(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "list") == 0 && n == 2) {
        return run(o, "mta-group.list", NULL, print_groups);
    }
    if (strcmp(verb, "show") == 0 && n == 3) {
        return run(o, "mta-group.show", json_pack("{s:s}", "name", a[2]), print_value);
    }
    if ((strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) && n >= 4) {
        json_t *hops = json_array();
        for (int i = 3; i < n; i++) {
            json_array_append_new(hops, json_string(a[i]));
        }
        return run(o, verb[0] == 'a' ? "mta-group.add" : "mta-group.set",
                   json_pack("{s:s, s:o}", "name", a[2], "hops", hops), print_edit);
    }
    if (strcmp(verb, "del") == 0 && n == 3) {
        return run(o, "mta-group.del", json_pack("{s:s}", "name", a[2]), print_edit);
    }
    return usage("mta-group: list | show NAME | add NAME HOST:PORT... | set NAME HOST:PORT... | "
                 "del NAME");
}

static int
tls_profile(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "list") == 0 && n == 2) {
        return run(o, "tls-profile.list", NULL, print_profiles);
    }
    if (strcmp(verb, "show") == 0 && n == 3) {
        return run(o, "tls-profile.show", json_pack("{s:s}", "name", a[2]), print_value);
    }
    if ((strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) && n == 4) {
        json_t *p = read_json(a[3], true);
        if (p == NULL) {
            return EXIT_USAGE;
        }
        return run(o, verb[0] == 'a' ? "tls-profile.add" : "tls-profile.set",
                   json_pack("{s:s, s:o}", "name", a[2], "profile", p), print_edit);
    }
    if (strcmp(verb, "del") == 0 && n == 3) {
        return run(o, "tls-profile.del", json_pack("{s:s}", "name", a[2]), print_edit);
    }
    return usage("tls-profile: list | show NAME | add NAME JSON|@FILE | set NAME JSON|@FILE | "
                 "del NAME");
}

static int
client_network(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "list") == 0 && n == 2) {
        return run(o, "client-network.list", NULL, print_nets);
    }
    if ((strcmp(verb, "add") == 0 || strcmp(verb, "del") == 0) && n == 3) {
        return run(o, verb[0] == 'a' ? "client-network.add" : "client-network.del",
                   json_pack("{s:s}", "cidr", a[2]), print_edit);
    }
    return usage("client-network: list | add CIDR | del CIDR");
}

static int
policy(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "show") == 0 && n == 2) {
        return run(o, "policy.show", NULL, print_policy);
    }
    if (strcmp(verb, "set") == 0 && n == 3) {
        json_t *p = read_json(a[2], false);
        return p == NULL ? EXIT_USAGE
                         : run(o, "policy.set", json_pack("{s:o}", "policy", p), print_edit);
    }
    return usage("policy: show | set FILE");
}

static int
lexicon(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "list") == 0 && n == 2) {
        return run(o, "lexicon.list", NULL, print_lexicons);
    }
    if (strcmp(verb, "show") == 0 && n == 3) {
        return run(o, "lexicon.show", json_pack("{s:s}", "name", a[2]), print_lexicon);
    }
    if ((strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) && n == 3) {
        json_t *l = read_json(a[2], false);
        if (l == NULL) {
            return EXIT_USAGE;
        }
        return run(o, verb[0] == 'a' ? "lexicon.add" : "lexicon.set",
                   json_pack("{s:o}", "lexicon", l), print_edit);
    }
    if (strcmp(verb, "del") == 0 && n == 3) {
        return run(o, "lexicon.del", json_pack("{s:s}", "name", a[2]), print_edit);
    }
    return usage("lexicon: list | show NAME | add FILE | set FILE | del NAME");
}

static int
license(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    if (strcmp(verb, "show") == 0 && n == 2) {
        return run(o, "license.show", NULL, print_license_answer);
    }
    if (strcmp(verb, "install") == 0 && n == 3) {
        char *text = read_text(a[2]);
        if (text == NULL) {
            return EXIT_USAGE;
        }
        json_t *args = json_pack("{s:s}", "text", text);
        free(text);
        if (args == NULL) {
            fprintf(stderr, "redlinectl: %s: not UTF-8 text: not a licence\n", a[2]);
            return EXIT_USAGE;
        }
        return run(o, "license.install", args, print_edit);
    }
    return usage("license: show | install FILE");
}

static int
config(const struct opts *o, int n, char **a)
{
    const char *verb = n > 1 ? a[1] : "";
    const char *limit = flag_value(&n, a, 2, "--limit");
    json_int_t x = 0, y = 0;
    if (strcmp(verb, "history") == 0 && n == 2) {
        json_t *args = json_object();
        if (limit != NULL) {
            if (!version_arg(&x, limit)) {
                json_decref(args);
                return usage("config history: --limit takes a number from 1");
            }
            json_object_set_new(args, "limit", json_integer(x));
        }
        return run(o, "config.history", args, print_history);
    }
    if (strcmp(verb, "show") == 0 && (n == 2 || (n == 3 && version_arg(&x, a[2])))) {
        return run(o, "config.show", n == 3 ? json_pack("{s:I}", "n", x) : NULL, print_doc);
    }
    if (strcmp(verb, "diff") == 0 && (n == 3 || n == 4) && version_arg(&x, a[2]) &&
        (n == 3 || version_arg(&y, a[3]))) {
        json_t *args = json_pack("{s:I}", "a", x);
        if (n == 4) {
            json_object_set_new(args, "b", json_integer(y));
        }
        return run(o, "config.diff", args, print_diff);
    }
    if (strcmp(verb, "rollback") == 0 && n == 3 && version_arg(&x, a[2])) {
        return run(o, "config.rollback", json_pack("{s:I}", "n", x), print_edit);
    }
    if (strcmp(verb, "export") == 0 && n == 2) {
        /* The document itself, always JSON: what import reads back. */
        json_t *ans = NULL;
        int rc = request(&ans, o, "config.export", NULL);
        if (rc != 0) {
            return rc;
        }
        if (!json_is_true(json_object_get(ans, "ok"))) {
            return finish(o, ans, NULL);
        }
        print_doc(ans);
        json_decref(ans);
        return 0;
    }
    if (strcmp(verb, "import") == 0 && n == 3) {
        json_t *doc = read_json(a[2], false);
        return doc == NULL ? EXIT_USAGE
                           : run(o, "config.import", json_pack("{s:o}", "doc", doc), print_edit);
    }
    return usage("config: history [--limit N] | show [N] | diff A [B] | rollback N | export | "
                 "import FILE [--dry-run]");
}

/* dataplane sends redlined's own commands as they are (through controld,
 * which forwards them, or to redlined's socket directly). */
static int
dataplane(const struct opts *o, int n, char **a)
{
    bool stats = n == 1 && strcmp(a[0], "stats") == 0;
    bool reload = n == 1 && strcmp(a[0], "reload") == 0;
    bool reopen = n == 2 && strcmp(a[0], "log") == 0 && strcmp(a[1], "reopen") == 0;
    bool list = n == 2 && strcmp(a[0], "quarantine") == 0 && strcmp(a[1], "list") == 0;
    bool per_id = n >= 3 && strcmp(a[0], "quarantine") == 0 &&
                  (strcmp(a[1], "release") == 0 || strcmp(a[1], "delete") == 0);
    if (!stats && !list && !per_id && !reload && !reopen) {
        return usage("unknown command: quarantine list | release ID... | delete ID...; log reopen");
    }
    int status = 0;
    for (int i = per_id ? 2 : 0; i < (per_id ? n : 1); i++) {
        char line[600];
        if (per_id) {
            if (snprintf(line, sizeof(line), "quarantine %s %s", a[1], a[i]) >= (int)sizeof(line)) {
                fprintf(stderr, "redlinectl: message id too long: %.40s...\n", a[i]);
                status = EXIT_USAGE;
                continue;
            }
        } else {
            snprintf(line, sizeof(line), "%s",
                     list ? "quarantine list" : (reopen ? "log reopen" : a[0]));
        }
        json_t *ans = NULL;
        int rc = call(&ans, o, line);
        if (rc != 0) {
            return rc;
        }
        bool ok =
            json_object_get(ans, "ok") == NULL ? stats : json_is_true(json_object_get(ans, "ok"));
        if (ok && !o->json && !stats && !list) {
            if (reload) {
                printf("reloaded the STARTTLS certificates on %lld workers\n",
                       (long long)json_integer_value(json_object_get(ans, "workers")));
            } else if (reopen) {
                printf("reopened the tracking log %s\n", str(ans, "log"));
            } else if (strcmp(a[1], "release") == 0) {
                printf("released %s to %s: %s\n", a[i], str(ans, "next_hop"), str(ans, "reply"));
            } else {
                printf("deleted %s\n", a[i]);
            }
        }
        rc = finish(o, ans, stats ? print_stats : list ? print_list : NULL);
        status = rc == 0 || status == EXIT_USAGE ? status : rc;
    }
    return status;
}

int
main(int argc, char **argv)
{
    struct opts o = {.sock = getenv("REDLINE_SOCKET")};
    static const struct option lopts[] = {
        {"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
        {"comment", required_argument, NULL, 'c'}, {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+s:jh", lopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.sock = optarg;
            break;
        case 'j':
            o.json = true;
            break;
        case 'c':
            o.comment = optarg;
            break;
        case 'n':
            o.dry_run = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return usage(NULL);
        }
    }
    if (o.sock == NULL || o.sock[0] == '\0') {
        o.sock = DEFAULT_SOCKET;
    }
    int n = argc - optind;
    char **a = argv + optind;
    /* --dry-run and --comment may also follow the noun and verb. */
    for (int i = 0; i < n; i++) {
        if (strcmp(a[i], "--dry-run") == 0 || strcmp(a[i], "--json") == 0) {
            *(a[i][2] == 'd' ? &o.dry_run : &o.json) = true;
            memmove(a + i, a + i + 1, (size_t)(n - i - 1) * sizeof(char *));
            n--;
            i--;
        }
    }
    const char *comment = flag_value(&n, a, 0, "--comment");
    o.comment = comment != NULL ? comment : o.comment;
    if (n == 0) {
        return usage("no command given");
    }
    static const struct {
        const char *noun;
        int (*fn)(const struct opts *, int, char **);
    } nouns[] = {
        {"route", route},
        {"mta-group", mta_group},
        {"tls-profile", tls_profile},
        {"client-network", client_network},
        {"policy", policy},
        {"lexicon", lexicon},
        {"license", license},
        {"config", config},
        {"stats", dataplane},
        {"reload", dataplane},
        {"quarantine", dataplane},
        {"log", dataplane},
    };
    for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++) {
        if (strcmp(a[0], nouns[i].noun) == 0) {
            return nouns[i].fn(&o, n, a);
        }
    }
    if (strcmp(a[0], "status") == 0 && n == 1) {
        return run(&o, "status", NULL, print_status);
    }
    return usage("unknown command");
}

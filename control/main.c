/* SPDX-License-Identifier: Apache-2.0 */
/* redlinectl: the administrator's CLI. Today it speaks to redlined's control
 * socket directly (counters, the quarantine, reload); redline-controld, when it
 * exists, will serve the same nouns. Prints tables, or the server's JSON with
 * --json. Exit 0 on success, 1 when the dataplane refused, 2 for usage or a
 * socket that cannot be reached. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"

#define DEFAULT_SOCKET "/run/redline/redlined.sock"

static const char usage_text[] =
    "usage: redlinectl [--socket PATH] [--json] COMMAND\n"
    "  stats                          counters, totals and per worker\n"
    "  quarantine list                quarantined messages and why\n"
    "  quarantine release ID...       relay each message, as stored, to its route's\n"
    "                                 next hop; removed once the next hop said 250\n"
    "  quarantine delete ID...        remove each message for good\n"
    "  reload                         reread the STARTTLS certificates and keys\n"
    "  log reopen                     reopen the tracking log (after logrotate renamed it)\n"
    "  --socket PATH   redlined's control socket (default $REDLINE_SOCKET or " DEFAULT_SOCKET ")\n"
    "  --json          print the server's JSON answers, one per line\n";

static int
usage(const char *why)
{
    if (why != NULL) {
        fprintf(stderr, "redlinectl: %s\n", why);
    }
    fputs(usage_text, why != NULL ? stderr : stdout);
    return 2;
}

/* call runs one command; on 0 *out is the parsed answer (an object). */
static int
call(json_t **out, const char *sock, const char *command)
{
    char *answer = NULL;
    int err = 0;
    /* A release waits on next hops: a minute per reply at most, server side. */
    int rc = ctl_client_call(&answer, &err, sock, command, 600);
    if (rc != 0) {
        fprintf(stderr, "redlinectl: %s: %s\n", sock,
                rc == RL_EINVAL ? "socket path too long" : strerror(err));
        return 2;
    }
    json_error_t jerr;
    *out = json_loads(answer, 0, &jerr);
    free(answer);
    if (!json_is_object(*out)) {
        fprintf(stderr, "redlinectl: %s: unreadable answer (%s)\n", sock, jerr.text);
        json_decref(*out);
        return 2;
    }
    return 0;
}

static const char *
str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
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
        char rcpts[256] = "";
        size_t k, used = 0;
        json_t *r;
        json_array_foreach(json_object_get(m, "rcpts"), k, r)
        {
            int w = snprintf(rcpts + used, sizeof(rcpts) - used, "%s%s", k ? "," : "",
                             json_string_value(r) ? json_string_value(r) : "?");
            used = w > 0 && used + (size_t)w < sizeof(rcpts) ? used + (size_t)w : used;
        }
        char findings[256] = "";
        used = 0;
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

int
main(int argc, char **argv)
{
    const char *sock = getenv("REDLINE_SOCKET");
    bool as_json = false;
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            sock = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return usage(NULL);
        }
    }
    if (sock == NULL || sock[0] == '\0') {
        sock = DEFAULT_SOCKET;
    }
    int n = argc - optind;
    char **a = argv + optind;
    bool stats = n == 1 && strcmp(a[0], "stats") == 0;
    bool reload = n == 1 && strcmp(a[0], "reload") == 0;
    bool reopen = n == 2 && strcmp(a[0], "log") == 0 && strcmp(a[1], "reopen") == 0;
    bool list = n == 2 && strcmp(a[0], "quarantine") == 0 && strcmp(a[1], "list") == 0;
    bool per_id = n >= 3 && strcmp(a[0], "quarantine") == 0 &&
                  (strcmp(a[1], "release") == 0 || strcmp(a[1], "delete") == 0);
    if (!stats && !list && !per_id && !reload && !reopen) {
        return usage(n == 0 ? "no command given" : "unknown command");
    }
    int status = 0;
    for (int i = per_id ? 2 : 0; i < (per_id ? n : 1); i++) {
        char command[600];
        if (per_id) {
            if (snprintf(command, sizeof(command), "quarantine %s %s", a[1], a[i]) >=
                (int)sizeof(command)) {
                fprintf(stderr, "redlinectl: message id too long: %.40s...\n", a[i]);
                status = 2;
                continue;
            }
        } else {
            snprintf(command, sizeof(command), "%s",
                     list ? "quarantine list" : (reopen ? "log reopen" : a[0]));
        }
        json_t *ans = NULL;
        int rc = call(&ans, sock, command);
        if (rc != 0) {
            return rc;
        }
        /* The counters carry no "ok"; a refusal always does. */
        const json_t *okv = json_object_get(ans, "ok");
        bool ok = okv == NULL ? stats : json_is_true(okv);
        if (as_json) {
            char *s = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", s != NULL ? s : "{}");
            free(s);
        } else if (!ok) {
            fprintf(stderr, "redlinectl: %s\n", str(ans, "error"));
        } else if (stats) {
            print_stats(ans);
        } else if (list) {
            print_list(ans);
        } else if (reload) {
            printf("reloaded the STARTTLS certificates on %lld workers\n",
                   (long long)json_integer_value(json_object_get(ans, "workers")));
        } else if (reopen) {
            printf("reopened the tracking log %s\n", str(ans, "log"));
        } else if (strcmp(a[1], "release") == 0) {
            printf("released %s to %s: %s\n", a[i], str(ans, "next_hop"), str(ans, "reply"));
        } else {
            printf("deleted %s\n", a[i]);
        }
        status = ok || status == 2 ? status : 1;
        json_decref(ans);
    }
    return status;
}

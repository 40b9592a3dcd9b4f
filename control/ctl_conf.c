/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld's settings from JSON and the command line. */
#include "ctl_conf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char usage_text[] =
    "usage: redline-controld [--config FILE] [--foreground] [--socket PATH]\n"
    "                        [--state-dir DIR] [--admin-group NAME|GID]\n"
    "                        [--dataplane-socket PATH] [--push-socket PATH] [--metrics ADDR|off]\n"
    "                        [--seed FILE] [--user NAME]\n"
    "  --config FILE            settings as JSON (keys as the flags, with _ for -)\n"
    "  --socket PATH            redlinectl's socket (default /run/redline/controld.sock)\n"
    "  --state-dir DIR          where the configuration store lives (default /var/lib/redline)\n"
    "  --admin-group NAME|GID   who besides root may use the socket (default redline-admin)\n"
    "  --dataplane-socket PATH  redlined's control socket (default /run/redline/redlined.sock)\n"
    "  --push-socket PATH       redlined's config socket, where versions are pushed\n"
    "                           (default /run/redline/redlined-config.sock; \"\" = none)\n"
    "  --metrics ADDR|off       GET /metrics on this loopback address (default 127.0.0.1:9465)\n"
    "  --seed FILE              configuration to commit as version 1 when the store is empty\n"
    "                           (or redlined's own file: its runtime part and policy)\n"
    "  --user NAME              account to run as once the socket and store are open, when\n"
    "                           started as root (default redline)\n";

const char *
ctl_conf_usage(void)
{
    return usage_text;
}

void
ctl_conf_defaults(struct ctl_conf *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->socket, sizeof(out->socket), "/run/redline/controld.sock");
    snprintf(out->state_dir, sizeof(out->state_dir), "/var/lib/redline");
    snprintf(out->admin_group, sizeof(out->admin_group), "redline-admin");
    snprintf(out->dataplane_socket, sizeof(out->dataplane_socket), "/run/redline/redlined.sock");
    snprintf(out->push_socket, sizeof(out->push_socket), "/run/redline/redlined-config.sock");
    snprintf(out->user, sizeof(out->user), "redline");
    out->metrics_on = true;
    (void)io_addr_parse(&out->metrics, "127.0.0.1:9465", 14);
}

static bool
clean(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return false;
        }
    }
    return true;
}

/* set_text stores `v` in `dst` (capacity `cap`), refusing control
 * characters and what does not fit; `empty_ok` allows "". */
static int
set_text(char *dst, size_t cap, struct rl_diag *diag, const char *key, const char *v, bool empty_ok)
{
    if (!clean(v)) {
        return rl_diag_set(diag, key, "control characters are not allowed");
    }
    if (strlen(v) >= cap) {
        return rl_diag_set(diag, key, "longer than %zu octets", cap - 1);
    }
    if (!empty_ok && v[0] == '\0') {
        return rl_diag_set(diag, key, "must not be empty");
    }
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int
set_metrics(struct ctl_conf *c, struct rl_diag *diag, const char *key, const char *v)
{
    if (strcmp(v, "off") == 0 || v[0] == '\0') {
        c->metrics_on = false;
        return 0;
    }
    if (io_addr_parse(&c->metrics, v, strlen(v)) != 0) {
        return rl_diag_set(diag, key, "'%.60s' is not IP:PORT or [IPv6]:PORT (or off)", v);
    }
    c->metrics_on = true;
    return 0;
}

/* set_key applies one setting by its JSON name. */
static int
set_key(struct ctl_conf *c, struct rl_diag *diag, const char *key, const char *v)
{
    if (strcmp(key, "socket") == 0) {
        return set_text(c->socket, sizeof(c->socket), diag, key, v, false);
    }
    if (strcmp(key, "state_dir") == 0) {
        return set_text(c->state_dir, sizeof(c->state_dir), diag, key, v, false);
    }
    if (strcmp(key, "admin_group") == 0) {
        return set_text(c->admin_group, sizeof(c->admin_group), diag, key, v, true);
    }
    if (strcmp(key, "dataplane_socket") == 0) {
        return set_text(c->dataplane_socket, sizeof(c->dataplane_socket), diag, key, v, true);
    }
    if (strcmp(key, "push_socket") == 0) {
        return set_text(c->push_socket, sizeof(c->push_socket), diag, key, v, true);
    }
    if (strcmp(key, "metrics") == 0) {
        return set_metrics(c, diag, key, v);
    }
    if (strcmp(key, "seed") == 0) {
        return set_text(c->seed, sizeof(c->seed), diag, key, v, true);
    }
    if (strcmp(key, "user") == 0) {
        return set_text(c->user, sizeof(c->user), diag, key, v, false);
    }
    return rl_diag_set(diag, key,
                       "unknown key (expected socket, state_dir, admin_group, dataplane_socket, "
                       "push_socket, metrics, seed, user)");
}

int
ctl_conf_load_json(struct ctl_conf *c, struct rl_diag *diag, const char *json, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rl_diag_set(diag, "", "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return RL_ESYNTAX;
    }
    int rc = 0;
    struct ctl_conf next = *c;
    if (!json_is_object(root)) {
        rc = rl_diag_set(diag, "", "must be a JSON object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (rc != 0) {
            break;
        }
        if (!json_is_string(v)) {
            rc = rl_diag_set(diag, k, "must be a string");
        } else if (strlen(json_string_value(v)) != json_string_length(v)) {
            rc = rl_diag_set(diag, k, "NUL in the value");
        } else {
            rc = set_key(&next, diag, k, json_string_value(v));
        }
    }
    json_decref(root);
    if (rc == 0) {
        *c = next;
    }
    return rc;
}

static int
load_file(struct ctl_conf *c, struct rl_diag *diag, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        rl_diag_set(diag, "--config", "%s: %s", path, strerror(errno));
        return RL_EIO;
    }
    char *buf = malloc(65536);
    size_t len = buf != NULL ? fread(buf, 1, 65536, f) : 0;
    bool too_long = len == 65536;
    fclose(f);
    if (buf == NULL) {
        return RL_ENOMEM;
    }
    int rc = too_long ? rl_diag_set(diag, "--config", "%s: longer than 64 KiB", path)
                      : ctl_conf_load_json(c, diag, buf, len);
    free(buf);
    return rc;
}

int
ctl_conf_parse_args(struct ctl_conf *out, struct rl_diag *diag, int argc, char *const argv[])
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 's'},
        {"state-dir", required_argument, NULL, 'd'},
        {"admin-group", required_argument, NULL, 'g'},
        {"dataplane-socket", required_argument, NULL, 'p'},
        {"push-socket", required_argument, NULL, 'u'},
        {"metrics", required_argument, NULL, 'm'},
        {"seed", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ctl_conf_defaults(out);
    /* The file first, wherever it stands; then the flags over it. */
    const char *config = NULL;
    int c;
    opterr = 0; /* errors are ours to report, through diag */
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == '?') {
            return rl_diag_set(diag, argv[optind - 1], "unknown option or missing value");
        }
        if (c == 'h') {
            return RL_EAGAIN;
        }
        if (c == 'c') {
            if (config != NULL) {
                return rl_diag_set(diag, "--config", "given twice");
            }
            config = optarg;
        }
    }
    if (optind != argc) {
        return rl_diag_set(diag, argv[optind], "unexpected argument");
    }
    if (config != NULL) {
        int rc = load_file(out, diag, config);
        if (rc != 0) {
            return rc;
        }
    }
    static const char *const keys[] = {
        ['s'] = "socket",  ['d'] = "state_dir", ['g'] = "admin_group", ['p'] = "dataplane_socket",
        ['m'] = "metrics", ['e'] = "seed",      ['u'] = "push_socket", ['U'] = "user",
    };
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f') {
            out->foreground = true;
        } else if (c != 'c' && c > 0 && (size_t)c < sizeof(keys) / sizeof(keys[0]) &&
                   keys[c] != NULL) {
            int rc = set_key(out, diag, keys[c], optarg);
            if (rc != 0) {
                char flag[64];
                snprintf(flag, sizeof(flag), "--%s", opts[0].name);
                for (const struct option *o = opts; o->name != NULL; o++) {
                    if (o->val == c) {
                        snprintf(flag, sizeof(flag), "--%s", o->name);
                    }
                }
                snprintf(diag->field, sizeof(diag->field), "%s", flag);
                return rc;
            }
        }
    }
    return 0;
}

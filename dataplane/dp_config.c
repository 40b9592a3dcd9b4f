/* SPDX-License-Identifier: Apache-2.0 */
/* The dataplane configuration: defaults, the whole-configuration check,
 * route lookup and relay networks. The fields themselves are parsed in
 * dp_config_fields.c, the sources in dp_config_json.c and dp_config_args.c.
 * Defaults and check run at start-up; dp_route_find and dp_relay_allowed
 * only read, from any thread. */
#include "dp_config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "rl_ascii.h"

void
dp_config_defaults(struct dp_config *out_cfg)
{
    memset(out_cfg, 0, sizeof(*out_cfg));
    char host[DP_DOMAIN_MAX + 1];
    memset(host, 0, sizeof(host));
    if (gethostname(host, sizeof(host) - 1) != 0 || !dp_domain_valid(host, strlen(host))) {
        snprintf(host, sizeof(host), "localhost");
    }
    snprintf(out_cfg->rt.hostname, sizeof(out_cfg->rt.hostname), "%s", host);
    out_cfg->boot.workers = 1;
    out_cfg->boot.scan_threads = 1;
    for (size_t i = 0; i < DP_MAX_WORKERS; i++) {
        out_cfg->boot.cores[i] = -1;
    }
    out_cfg->boot.backend = DP_BACKEND_KERNEL;
    out_cfg->boot.idle = DP_IDLE_SLEEP;
    out_cfg->boot.dpdk.mbufs = 16383; /* 2^n - 1: the pool's ring size */
    out_cfg->boot.dpdk.max_conns = 8192;
    out_cfg->boot.dpdk.syn_backlog = 1024;
    out_cfg->boot.dpdk.buffer_kb = 64;
    out_cfg->boot.dpdk.idle_sleep_max_us = 1000;
    snprintf(out_cfg->boot.quarantine_dir, sizeof(out_cfg->boot.quarantine_dir),
             "/var/spool/redline/quarantine");
    snprintf(out_cfg->boot.log_path, sizeof(out_cfg->boot.log_path), "-");
    out_cfg->boot.min_free_mb = 100;
    out_cfg->rt.max_message_size = (uint64_t)10 * 1024 * 1024;
    out_cfg->rt.max_recipients = 100;
    out_cfg->rt.max_conn_per_worker = 4096;
    out_cfg->rt.max_conn_per_ip = 50;
    out_cfg->rt.max_conn_per_net = 200;
    out_cfg->rt.net_prefix_v4 = 24;
    out_cfg->rt.net_prefix_v6 = 64;
    struct smtp_limits lim;
    smtp_limits_default(&lim);
    out_cfg->rt.command_timeout_ms = lim.cmd_timeout_ms;
    out_cfg->rt.data_timeout_ms = lim.data_timeout_ms;
    out_cfg->rt.min_data_rate = lim.min_data_rate;
    out_cfg->rt.max_errors = lim.max_errors;
    out_cfg->rt.max_junk = lim.max_junk;
    out_cfg->rt.tarpit_after = lim.tarpit_after;
    out_cfg->rt.tarpit_ms = lim.tarpit_ms;
    out_cfg->rt.bare_newline = SMTP_BARE_LF_NORMALIZE;
    out_cfg->rt.nul = SMTP_NUL_REJECT;
    out_cfg->rt.address_literals = false;
    out_cfg->rt.connect_timeout_ms = (uint64_t)30 * 1000;
    out_cfg->rt.pool_per_hop = 64;
    out_cfg->rt.pool_idle_ms = (uint64_t)60 * 1000;
    out_cfg->rt.hop_down_ms = (uint64_t)5 * 1000;
    out_cfg->rt.hop_down_max_ms = (uint64_t)300 * 1000;
    /* Below the 10 minutes of RFC 5321 4.5.3.2.6 on purpose: in-line, our
     * client waits for our reply with that same timer, and must hear the
     * 451 before it gives up (then it would retry blind). */
    out_cfg->rt.dot_timeout_ms = (uint64_t)300 * 1000;
}

static int
check_cores(const struct dp_config *cfg, struct rl_diag *diag)
{
    char field[32];
    uint32_t n = 0;
    while (n < DP_MAX_WORKERS && cfg->boot.cores[n] >= 0) {
        n++;
    }
    for (uint32_t i = 0; i < DP_MAX_WORKERS; i++) {
        snprintf(field, sizeof(field), "cores[%u]", i);
        if (i >= n && cfg->boot.cores[i] != -1) {
            return rl_diag_set(diag, field, "must be a CPU number from 0 to %d, one per worker",
                               DP_MAX_CPU);
        }
        if (i < n && cfg->boot.cores[i] > DP_MAX_CPU) {
            return rl_diag_set(diag, field, "must be a CPU number from 0 to %d", DP_MAX_CPU);
        }
        for (uint32_t j = 0; j < i && i < n; j++) {
            /* Two poll-mode workers on one CPU would take turns, each at half speed. */
            if (cfg->boot.cores[j] == cfg->boot.cores[i]) {
                return rl_diag_set(diag, field, "CPU %d is listed twice", cfg->boot.cores[i]);
            }
        }
    }
    if (n > 0 && n != cfg->boot.workers) {
        return rl_diag_set(diag, "cores", "lists %u CPUs for %u workers", n, cfg->boot.workers);
    }
    return 0;
}

static int
check_groups(const struct dp_runtime *rt, struct rl_diag *diag)
{
    char field[96];
    if (rt->n_groups > DP_MAX_GROUPS) {
        return rl_diag_set(diag, "mta_groups", "at most %d MTA groups", DP_MAX_GROUPS);
    }
    for (uint32_t i = 0; i < rt->n_groups; i++) {
        const struct dp_mta_group *g = &rt->groups[i];
        snprintf(field, sizeof(field), "mta_groups.%.*s", (int)sizeof(g->name), g->name);
        if (g->n_hops == 0 || g->n_hops > DP_MAX_HOPS) {
            return rl_diag_set(diag, field, "must have 1 to %d next hops", DP_MAX_HOPS);
        }
        for (uint32_t h = 0; h < g->n_hops; h++) {
            if (g->hops[h].family == IO_AF_NONE || g->hops[h].port == 0) {
                snprintf(field, sizeof(field), "mta_groups.%.*s[%u]", (int)sizeof(g->name), g->name,
                         h);
                return rl_diag_set(diag, field, "'%.*s' has no resolved address and port",
                                   DP_QUOTE_MAX, g->hop_names[h]);
            }
        }
    }
    return 0;
}

static int
check_routes(const struct dp_runtime *rt, struct rl_diag *diag)
{
    char field[48];
    if (rt->n_routes == 0 || rt->n_routes > DP_MAX_ROUTES) {
        return rl_diag_set(diag, "routes", "must hold 1 to %d routes", DP_MAX_ROUTES);
    }
    for (uint32_t i = 0; i < rt->n_routes; i++) {
        const struct dp_route *r = &rt->routes[i];
        snprintf(field, sizeof(field), "routes[%u].group", i);
        if (r->group >= rt->n_groups) {
            return rl_diag_set(diag, field, "refers to no MTA group");
        }
        snprintf(field, sizeof(field), "routes[%u].domain", i);
        size_t len = strnlen(r->domain, sizeof(r->domain));
        if (r->kind > DP_ROUTE_ANY ||
            (r->kind != DP_ROUTE_ANY && !dp_domain_valid(r->domain, len))) {
            return rl_diag_set(diag, field, "is not a domain pattern");
        }
        for (uint32_t j = 0; j < i; j++) {
            if (dp_route_same(&rt->routes[j], r)) {
                char pat[DP_DOMAIN_MAX + 3];
                dp_route_pattern(pat, sizeof(pat), r);
                return rl_diag_set(diag, field, "'%.*s' is routed twice", DP_QUOTE_MAX, pat);
            }
        }
    }
    return 0;
}

static int
check_listen(const struct dp_boot *boot, struct rl_diag *diag)
{
    char field[32];
    if (boot->n_listen == 0 || boot->n_listen > DP_MAX_LISTEN) {
        return rl_diag_set(diag, "listen", "must hold 1 to %d listeners", DP_MAX_LISTEN);
    }
    for (uint32_t i = 0; i < boot->n_listen; i++) {
        if (boot->listen[i].family == IO_AF_NONE || boot->listen[i].port == 0) {
            snprintf(field, sizeof(field), "listen[%u]", i);
            return rl_diag_set(diag, field, "is not an address with a port");
        }
    }
    return 0;
}

static int
check_relay_nets(const struct dp_runtime *rt, struct rl_diag *diag)
{
    char field[32];
    if (rt->n_relay_nets > DP_MAX_RELAYNETS) {
        return rl_diag_set(diag, "relay_networks", "at most %d relay networks", DP_MAX_RELAYNETS);
    }
    for (uint32_t i = 0; i < rt->n_relay_nets; i++) {
        const struct io_prefix *p = &rt->relay_nets[i];
        unsigned max = p->net.family == IO_AF_INET4 ? 32 : 128;
        if (p->net.family == IO_AF_NONE || p->prefix_len > max) {
            snprintf(field, sizeof(field), "relay_networks[%u]", i);
            return rl_diag_set(diag, field, "is not a network");
        }
    }
    return 0;
}

int
dp_tls_profile_check(const struct dp_runtime *rt, struct rl_diag *diag)
{
    if (rt->tls_profile[0] == '\0') {
        return 0;
    }
    const struct tls_profile *p = tls_profiles_find(&rt->tls_profiles, rt->tls_profile);
    if (p == NULL) {
        return rl_diag_set(diag, "tls.profile", "no TLS profile named '%.64s'", rt->tls_profile);
    }
    if (p->role != TLS_ROLE_SERVER) {
        return rl_diag_set(diag, "tls.profile", "'%.64s' is a client profile, not a server one",
                           rt->tls_profile);
    }
    return 0;
}

/* check_tls: a certificate and its key, or a server profile, never both;
 * encrypt needs one of them (else no client could ever send mail). */
static int
check_tls(const struct dp_runtime *rt, struct rl_diag *diag)
{
    if (rt->tls_cert[0] != '\0' && rt->tls_key[0] == '\0') {
        return rl_diag_set(diag, "tls.key", "is needed with tls.cert");
    }
    if (rt->tls_key[0] != '\0' && rt->tls_cert[0] == '\0') {
        return rl_diag_set(diag, "tls.cert", "is needed with tls.key");
    }
    if (rt->tls_profile[0] != '\0' && rt->tls_cert[0] != '\0') {
        return rl_diag_set(diag, "tls.profile",
                           "excludes tls.cert and tls.key: give one or the other");
    }
    int rc = dp_tls_profile_check(rt, diag);
    if (rc != 0) {
        return rc;
    }
    if (rt->tls_policy != DP_TLS_MAY && rt->tls_policy != DP_TLS_ENCRYPT) {
        return rl_diag_set(diag, "tls.policy", "must be may or encrypt");
    }
    if (rt->tls_policy == DP_TLS_ENCRYPT && rt->tls_cert[0] == '\0' && rt->tls_profile[0] == '\0') {
        return rl_diag_set(diag, "tls.policy",
                           "encrypt needs a certificate (tls.cert and tls.key, or tls.profile)");
    }
    return 0;
}

/* in_runtime tells whether a field of the shared tables (at `offset` into
 * struct dp_config) is a runtime setting, and points `*out` at it in `rt`. */
static bool
in_runtime(const struct dp_runtime *rt, size_t offset, const char **out)
{
    size_t base = offsetof(struct dp_config, rt);
    if (offset < base || offset >= base + sizeof(struct dp_runtime)) {
        return false;
    }
    *out = (const char *)rt + (offset - base);
    return true;
}

/* check_tables checks the numbers and strings of the shared tables: all of
 * them (`cfg`), or only the runtime ones (`cfg` NULL, `rt` given). */
static int
check_tables(const struct dp_config *cfg, const struct dp_runtime *rt, struct rl_diag *diag)
{
    const struct dp_num *n;
    for (size_t i = 0; (n = dp_num_at(i)) != NULL; i++) {
        const char *at = NULL;
        if (cfg == NULL && !in_runtime(rt, n->offset, &at)) {
            continue;
        }
        uint64_t v = cfg != NULL ? dp_num_get(cfg, n) : dp_num_get_at(at, n);
        if (v < n->lo * n->scale || v > n->hi * n->scale) {
            return dp_num_refuse(diag, n->path, n);
        }
    }
    const struct dp_str *st;
    for (size_t i = 0; (st = dp_str_at(i)) != NULL; i++) {
        const char *v = NULL;
        if (cfg != NULL) {
            v = (const char *)cfg + st->offset;
        } else if (!in_runtime(rt, st->offset, &v)) {
            continue;
        }
        if (memchr(v, '\0', st->cap) == NULL) {
            return rl_diag_set(diag, st->path, "is longer than %zu bytes", st->cap - 1);
        }
        if (v[0] == '\0' && !st->allow_empty) {
            return rl_diag_set(diag, st->path, "must not be empty");
        }
    }
    return 0;
}

/* check_runtime_parts: the relay networks, groups, routes and host name. */
static int
check_runtime_parts(const struct dp_runtime *rt, struct rl_diag *diag)
{
    int rc = check_relay_nets(rt, diag);
    if (rc == 0) {
        rc = check_groups(rt, diag);
    }
    if (rc == 0) {
        rc = check_routes(rt, diag);
    }
    if (rc != 0) {
        return rc;
    }
    if (!dp_domain_valid(rt->hostname, strnlen(rt->hostname, sizeof(rt->hostname)))) {
        return rl_diag_set(diag, "hostname", "is not a domain");
    }
    return 0;
}

int
dp_runtime_check(const struct dp_runtime *rt, struct rl_diag *diag)
{
    int rc = check_runtime_parts(rt, diag);
    if (rc == 0) {
        rc = check_tables(NULL, rt, diag);
    }
    return rc != 0 ? rc : check_tls(rt, diag);
}

int
dp_config_check(const struct dp_config *cfg, struct rl_diag *diag)
{
    int rc = check_listen(&cfg->boot, diag);
    if (rc == 0) {
        rc = check_runtime_parts(&cfg->rt, diag);
    }
    if (rc == 0) {
        rc = check_tables(cfg, NULL, diag);
    }
    if (rc == 0) {
        rc = check_cores(cfg, diag);
    }
    if (rc != 0) {
        return rc;
    }
    if (cfg->boot.backend == DP_BACKEND_DPDK && (rc = dp_dpdk_check(cfg, diag)) != 0) {
        return rc;
    }
    if (cfg->boot.backend != DP_BACKEND_KERNEL && cfg->boot.backend != DP_BACKEND_DPDK) {
        return rl_diag_set(diag, "backend", "must be kernel or dpdk");
    }
    if (cfg->boot.idle != DP_IDLE_SLEEP && cfg->boot.idle != DP_IDLE_SPIN) {
        return rl_diag_set(diag, "idle", "must be spin or sleep");
    }
    return check_tls(&cfg->rt, diag);
}

bool
dp_config_tls_inbound(const struct dp_runtime *rt, struct tls_profile *out_p)
{
    const struct tls_profile *named = tls_profiles_find(&rt->tls_profiles, rt->tls_profile);
    if (rt->tls_profile[0] != '\0' && named != NULL) {
        *out_p = *named;
        return true;
    }
    if (rt->tls_cert[0] == '\0') {
        return false;
    }
    tls_profile_defaults(out_p, TLS_ROLE_SERVER);
    snprintf(out_p->name, sizeof(out_p->name), "inbound");
    snprintf(out_p->cert_file, sizeof(out_p->cert_file), "%s", rt->tls_cert);
    snprintf(out_p->key_file, sizeof(out_p->key_file), "%s", rt->tls_key);
    return true;
}

const struct dp_route *
dp_route_find(const struct dp_runtime *rt, const char *domain, size_t len)
{
    const struct dp_route *best = NULL;
    const struct dp_route *any = NULL;
    size_t best_len = 0;
    for (uint32_t i = 0; i < rt->n_routes; i++) {
        const struct dp_route *r = &rt->routes[i];
        size_t rlen = strnlen(r->domain, sizeof(r->domain));
        switch (r->kind) {
        case DP_ROUTE_EXACT:
            if (rlen == len && rl_ascii_ieq(domain, r->domain, len)) {
                return r;
            }
            break;
        case DP_ROUTE_SUBDOMAINS:
            /* Only at a label boundary: "*.example.com" is not "badexample.com". */
            if (len > rlen + 1 && domain[len - rlen - 1] == '.' && rlen > best_len &&
                rl_ascii_ieq(domain + len - rlen, r->domain, rlen)) {
                best = r;
                best_len = rlen;
            }
            break;
        case DP_ROUTE_ANY:
            any = r;
            break;
        }
    }
    return best != NULL ? best : any;
}

bool
dp_relay_allowed(const struct dp_runtime *rt, const struct io_addr *peer)
{
    for (uint32_t i = 0; i < rt->n_relay_nets; i++) {
        if (io_prefix_match(&rt->relay_nets[i], peer)) {
            return true;
        }
    }
    return false;
}

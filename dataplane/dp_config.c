/* SPDX-License-Identifier: Apache-2.0 */
/* The dataplane configuration: defaults, the whole-configuration check,
 * route lookup and relay networks, and the helpers the JSON file and the
 * command line share (internal.h). Building runs once at start-up on one
 * thread; dp_route_find and dp_relay_allowed are read-only, any thread. */
#include "dp_config.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "rl_utf8.h"

/* Reasons quote input at most this long, so a diagnostic stays one line. */
#define QUOTE_MAX 80

#define NUM(path, member, scale, lo, hi, why)                                                      \
    {                                                                                              \
        path, offsetof(struct dp_config, member), sizeof(((struct dp_config *)NULL)->member),      \
            scale, lo, hi, why                                                                     \
    }

static const struct dp_num nums[] = {
    NUM("workers", workers, 1, 1, DP_MAX_WORKERS, NULL),
    NUM("limits.max_message_size", max_message_size, 1, 1, (uint64_t)1 << 40, NULL),
    /* RFC 5321 4.5.3.1.8: a server MUST accept at least 100 recipients. */
    NUM("limits.max_recipients", max_recipients, 1, 100, 1000000, "RFC 5321 4.5.3.1.8"),
    NUM("limits.max_connections_per_worker", max_conn_per_worker, 1, 1, 1000000, NULL),
    NUM("limits.max_connections_per_ip", max_conn_per_ip, 1, 0, 1000000, NULL),
    NUM("limits.command_timeout_s", command_timeout_ms, 1000, 1, 86400, NULL),
    NUM("limits.data_timeout_s", data_timeout_ms, 1000, 1, 86400, NULL),
    NUM("relay.connect_timeout_s", connect_timeout_ms, 1000, 1, 3600, NULL),
    NUM("relay.pool_per_hop", pool_per_hop, 1, 0, 1024, NULL),
    NUM("relay.pool_idle_s", pool_idle_ms, 1000, 1, 86400, NULL),
};

#define STR(path, member, allow_empty)                                                             \
    {                                                                                              \
        path, offsetof(struct dp_config, member), sizeof(((struct dp_config *)NULL)->member),      \
            allow_empty                                                                            \
    }

static const struct dp_str strs[] = {
    STR("policy", policy_path, true), STR("quarantine_dir", quarantine_dir, false),
    STR("log", log_path, false),      STR("stats_socket", stats_socket, true),
    STR("user", user, true),          STR("tls.cert", tls_cert, true),
    STR("tls.key", tls_key, true),
};

const struct dp_num *
dp_num_at(size_t i)
{
    return i < sizeof(nums) / sizeof(nums[0]) ? &nums[i] : NULL;
}

const struct dp_num *
dp_num_find(const char *path)
{
    for (const struct dp_num *n = nums; n < nums + sizeof(nums) / sizeof(nums[0]); n++) {
        if (strcmp(n->path, path) == 0) {
            return n;
        }
    }
    return NULL;
}

/* num_get reads a number in stored units. */
static uint64_t
num_get(const struct dp_config *cfg, const struct dp_num *n)
{
    const char *at = (const char *)cfg + n->offset;
    if (n->width == 4) {
        uint32_t v;
        memcpy(&v, at, sizeof(v));
        return v;
    }
    uint64_t v;
    memcpy(&v, at, sizeof(v));
    return v;
}

int
dp_num_refuse(struct rl_diag *diag, const char *field, const struct dp_num *n)
{
    return rl_diag_set(diag, field, "must be an integer from %llu to %llu%s%s%s",
                       (unsigned long long)n->lo, (unsigned long long)n->hi,
                       n->why != NULL ? " (" : "", n->why != NULL ? n->why : "",
                       n->why != NULL ? ")" : "");
}

int
dp_num_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, const struct dp_num *n,
           uint64_t v)
{
    if (v < n->lo || v > n->hi) {
        return dp_num_refuse(diag, field, n);
    }
    char *at = (char *)cfg + n->offset;
    v *= n->scale;
    if (n->width == 4) {
        uint32_t v32 = (uint32_t)v;
        memcpy(at, &v32, sizeof(v32));
    } else {
        memcpy(at, &v, sizeof(v));
    }
    return 0;
}

const struct dp_str *
dp_str_find(const char *path)
{
    for (const struct dp_str *s = strs; s < strs + sizeof(strs) / sizeof(strs[0]); s++) {
        if (strcmp(s->path, path) == 0) {
            return s;
        }
    }
    return NULL;
}

int
dp_str_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, const struct dp_str *st,
           const char *s, size_t len)
{
    if (len == 0 && !st->allow_empty) {
        return rl_diag_set(diag, field, "must not be empty");
    }
    if (len >= st->cap) {
        return rl_diag_set(diag, field, "is longer than %zu bytes", st->cap - 1);
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return rl_diag_set(diag, field, "must not contain control characters");
        }
    }
    char *at = (char *)cfg + st->offset;
    memcpy(at, s, len);
    at[len] = '\0';
    return 0;
}

bool
dp_parse_u64(uint64_t *out, const char *s, size_t len)
{
    if (len == 0 || (len > 1 && s[0] == '0')) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool
is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool
dp_domain_valid(const char *s, size_t len)
{
    /* RFC 5321 4.5.3.1.2: at most 255 octets. */
    if (len == 0 || len > DP_DOMAIN_MAX || !rl_utf8_valid((const uint8_t *)s, len)) {
        return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (!is_ldh((unsigned char)s[i]) && (unsigned char)s[i] < 0x80) {
                return false;
            }
            continue;
        }
        /* RFC 5321 4.1.2 sub-domain (RFC 1035 2.3.1): 1..63 octets, no edge hyphen. */
        size_t label = i - start;
        if (label == 0 || label > 63 || s[start] == '-' || s[i - 1] == '-') {
            return false;
        }
        start = i + 1;
    }
    return true;
}

int
dp_hostname_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                size_t len)
{
    if (!dp_domain_valid(s, len)) {
        return rl_diag_set(diag, field, "'%.*s' is not a domain",
                           (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s);
    }
    memcpy(cfg->hostname, s, len);
    cfg->hostname[len] = '\0';
    return 0;
}

static bool
all_digits_and_dots(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((s[i] < '0' || s[i] > '9') && s[i] != '.') {
            return false;
        }
    }
    return true;
}

/* resolve looks `host` up once; the first address the resolver gives wins
 * (its order follows RFC 6724 and /etc/gai.conf). */
static int
resolve(struct io_addr *out, struct rl_diag *diag, const char *field, const char *host)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        return rl_diag_set(diag, field, "'%s' does not resolve: %s", host, gai_strerror(rc));
    }
    memset(out, 0, sizeof(*out));
    for (const struct addrinfo *ai = res; ai != NULL && out->family == IO_AF_NONE;
         ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
            out->family = IO_AF_INET4;
            memcpy(out->ip, &sin->sin_addr, 4);
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;
            out->family = IO_AF_INET6;
            memcpy(out->ip, &sin6->sin6_addr, 16);
        }
    }
    freeaddrinfo(res);
    if (out->family == IO_AF_NONE) {
        return rl_diag_set(diag, field, "'%s' has no IPv4 or IPv6 address", host);
    }
    return 0;
}

/* parse_host_port reads "a.b.c.d:port", "[v6]:port" or, when `how` allows,
 * "name:port", with a reason for each way it can be wrong. */
static int
parse_host_port(struct io_addr *out, struct rl_diag *diag, const char *field, const char *s,
                size_t len, bool names, enum dp_resolve how)
{
    int q = (int)(len > QUOTE_MAX ? QUOTE_MAX : len);
    size_t colon = len;
    while (colon > 0 && s[colon - 1] != ':') {
        colon--;
    }
    if (colon == 0) {
        return rl_diag_set(diag, field, "'%.*s' has no port (HOST:PORT)", q, s);
    }
    uint64_t port = 0;
    bool port_ok = dp_parse_u64(&port, s + colon, len - colon);
    if (port_ok && port == 0) {
        return rl_diag_set(diag, field, "port 0 is not allowed");
    }
    if (!port_ok || port > 65535) {
        int pq = (int)(len - colon > 16 ? 16 : len - colon);
        return rl_diag_set(diag, field, "port '%.*s' is not a number from 1 to 65535", pq,
                           s + colon);
    }
    if (io_addr_parse(out, s, len) == 0) {
        return 0;
    }
    size_t host_len = colon - 1;
    int hq = (int)(host_len > QUOTE_MAX ? QUOTE_MAX : host_len);
    if (host_len == 0) {
        return rl_diag_set(diag, field, "'%.*s' has no host", q, s);
    }
    if (s[0] == '[') {
        return rl_diag_set(diag, field, "'%.*s' is not an IPv6 address in brackets", hq, s);
    }
    if (memchr(s, ':', host_len) != NULL) {
        return rl_diag_set(diag, field, "an IPv6 address needs brackets: [%.*s]:%llu", hq, s,
                           (unsigned long long)port);
    }
    if (all_digits_and_dots(s, host_len)) {
        return rl_diag_set(diag, field, "'%.*s' is not an IPv4 address", hq, s);
    }
    if (!names) {
        return rl_diag_set(diag, field, "'%.*s' is not an IP address", hq, s);
    }
    if (!dp_domain_valid(s, host_len)) {
        return rl_diag_set(diag, field, "'%.*s' is not a domain", hq, s);
    }
    if (how == DP_RESOLVE_SKIP) {
        memset(out, 0, sizeof(*out));
        out->port = (uint16_t)port;
        return 0;
    }
    char host[DP_DOMAIN_MAX + 1];
    memcpy(host, s, host_len);
    host[host_len] = '\0';
    int rc = resolve(out, diag, field, host);
    out->port = (uint16_t)port;
    return rc;
}

int
dp_listen_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
              size_t len)
{
    struct io_addr a;
    if (cfg->n_listen >= DP_MAX_LISTEN) {
        return rl_diag_set(diag, field, "at most %d listeners", DP_MAX_LISTEN);
    }
    int rc = parse_host_port(&a, diag, field, s, len, false, DP_RESOLVE_SKIP);
    if (rc != 0) {
        return rc;
    }
    for (uint32_t i = 0; i < cfg->n_listen; i++) {
        if (io_addr_equal(&cfg->listen[i], &a)) {
            return rl_diag_set(diag, field, "'%.*s' is listed twice",
                               (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s);
        }
    }
    cfg->listen[cfg->n_listen++] = a;
    return 0;
}

int
dp_relay_net_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                 size_t len)
{
    int q = (int)(len > QUOTE_MAX ? QUOTE_MAX : len);
    if (cfg->n_relay_nets >= DP_MAX_RELAYNETS) {
        return rl_diag_set(diag, field, "at most %d relay networks", DP_MAX_RELAYNETS);
    }
    if (io_prefix_parse(&cfg->relay_nets[cfg->n_relay_nets], s, len) == 0) {
        cfg->n_relay_nets++;
        return 0;
    }
    /* Say which part is wrong: the address, the length or the host bits. */
    const char *slash = memchr(s, '/', len);
    size_t ip_len = slash != NULL ? (size_t)(slash - s) : len;
    struct io_prefix host;
    if (io_prefix_parse(&host, s, ip_len) != 0) {
        return rl_diag_set(diag, field, "'%.*s' is not an IP address",
                           (int)(ip_len > QUOTE_MAX ? QUOTE_MAX : ip_len), s);
    }
    uint64_t bits = 0;
    if (!dp_parse_u64(&bits, slash + 1, len - ip_len - 1) || bits > host.prefix_len) {
        return rl_diag_set(diag, field, "'%.*s': the prefix length must be 0 to %u", q, s,
                           host.prefix_len);
    }
    return rl_diag_set(diag, field, "'%.*s' has host bits set below /%llu", q, s,
                       (unsigned long long)bits);
}

int
dp_core_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, uint32_t i,
            uint64_t cpu)
{
    if (i >= DP_MAX_WORKERS) {
        return rl_diag_set(diag, field, "at most %d CPUs (one per worker)", DP_MAX_WORKERS);
    }
    if (cpu > DP_MAX_CPU) {
        return rl_diag_set(diag, field, "must be a CPU number from 0 to %d", DP_MAX_CPU);
    }
    cfg->cores[i] = (int)cpu;
    return 0;
}

int
dp_hop_add(struct dp_mta_group *g, struct rl_diag *diag, const char *field, const char *s,
           size_t len, enum dp_resolve how)
{
    if (g->n_hops >= DP_MAX_HOPS) {
        return rl_diag_set(diag, field, "at most %d next hops in one MTA group", DP_MAX_HOPS);
    }
    int rc = parse_host_port(&g->hops[g->n_hops], diag, field, s, len, true, how);
    if (rc != 0) {
        return rc;
    }
    /* A valid host (255 octets at most), ':' and a port of 5 digits fit. */
    memcpy(g->hop_names[g->n_hops], s, len);
    g->hop_names[g->n_hops][len] = '\0';
    g->n_hops++;
    return 0;
}

int
dp_group_add(struct dp_config *cfg, uint32_t *out_index, struct rl_diag *diag, const char *field,
             const struct dp_mta_group *g)
{
    if (cfg->n_groups >= DP_MAX_GROUPS) {
        return rl_diag_set(diag, field, "at most %d MTA groups", DP_MAX_GROUPS);
    }
    *out_index = cfg->n_groups;
    cfg->groups[cfg->n_groups++] = *g;
    return 0;
}

int
dp_group_find(const struct dp_config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->n_groups; i++) {
        if (strcmp(cfg->groups[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int
dp_route_parse(struct dp_route *out, struct rl_diag *diag, const char *field, const char *s,
               size_t len)
{
    memset(out, 0, sizeof(*out));
    const char *dom = s;
    size_t dom_len = len;
    if (len == 1 && s[0] == '*') {
        out->kind = DP_ROUTE_ANY;
        return 0;
    }
    if (len > 2 && s[0] == '*' && s[1] == '.') {
        out->kind = DP_ROUTE_SUBDOMAINS;
        dom += 2;
        dom_len -= 2;
    }
    if (!dp_domain_valid(dom, dom_len)) {
        return rl_diag_set(diag, field, "'%.*s' is not a domain",
                           (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s);
    }
    /* RFC 5321 2.4: domain names are case-insensitive; store one case. */
    for (size_t i = 0; i < dom_len; i++) {
        char c = dom[i];
        out->domain[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out->domain[dom_len] = '\0';
    return 0;
}

void
dp_route_pattern(char *out, size_t out_cap, const struct dp_route *r)
{
    switch (r->kind) {
    case DP_ROUTE_ANY:
        snprintf(out, out_cap, "*");
        break;
    case DP_ROUTE_SUBDOMAINS:
        snprintf(out, out_cap, "*.%s", r->domain);
        break;
    default:
        snprintf(out, out_cap, "%s", r->domain);
        break;
    }
}

static bool
route_same(const struct dp_route *a, const struct dp_route *b)
{
    return a->kind == b->kind && strcmp(a->domain, b->domain) == 0;
}

int
dp_route_add(struct dp_config *cfg, struct rl_diag *diag, const char *field,
             const struct dp_route *r)
{
    if (cfg->n_routes >= DP_MAX_ROUTES) {
        return rl_diag_set(diag, field, "at most %d routes", DP_MAX_ROUTES);
    }
    for (uint32_t i = 0; i < cfg->n_routes; i++) {
        if (route_same(&cfg->routes[i], r)) {
            char pat[DP_DOMAIN_MAX + 3];
            dp_route_pattern(pat, sizeof(pat), r);
            return rl_diag_set(diag, field, "'%.*s' is routed twice", QUOTE_MAX, pat);
        }
    }
    cfg->routes[cfg->n_routes++] = *r;
    return 0;
}

void
dp_config_defaults(struct dp_config *out_cfg)
{
    memset(out_cfg, 0, sizeof(*out_cfg));
    char host[DP_DOMAIN_MAX + 1];
    memset(host, 0, sizeof(host));
    if (gethostname(host, sizeof(host) - 1) != 0 || !dp_domain_valid(host, strlen(host))) {
        snprintf(host, sizeof(host), "localhost");
    }
    snprintf(out_cfg->hostname, sizeof(out_cfg->hostname), "%s", host);
    out_cfg->workers = 1;
    for (size_t i = 0; i < DP_MAX_WORKERS; i++) {
        out_cfg->cores[i] = -1;
    }
    out_cfg->backend = DP_BACKEND_KERNEL;
    out_cfg->idle = DP_IDLE_SLEEP;
    snprintf(out_cfg->quarantine_dir, sizeof(out_cfg->quarantine_dir),
             "/var/spool/redline/quarantine");
    snprintf(out_cfg->log_path, sizeof(out_cfg->log_path), "-");
    out_cfg->max_message_size = (uint64_t)10 * 1024 * 1024;
    out_cfg->max_recipients = 100;
    out_cfg->max_conn_per_worker = 4096;
    out_cfg->max_conn_per_ip = 0;
    out_cfg->command_timeout_ms = (uint64_t)300 * 1000;
    out_cfg->data_timeout_ms = (uint64_t)300 * 1000;
    out_cfg->connect_timeout_ms = (uint64_t)30 * 1000;
    out_cfg->pool_per_hop = 16;
    out_cfg->pool_idle_ms = (uint64_t)60 * 1000;
}

static int
check_cores(const struct dp_config *cfg, struct rl_diag *diag)
{
    char field[32];
    uint32_t n = 0;
    while (n < DP_MAX_WORKERS && cfg->cores[n] >= 0) {
        n++;
    }
    for (uint32_t i = 0; i < DP_MAX_WORKERS; i++) {
        snprintf(field, sizeof(field), "cores[%u]", i);
        if (i >= n && cfg->cores[i] != -1) {
            return rl_diag_set(diag, field, "must be a CPU number from 0 to %d, one per worker",
                               DP_MAX_CPU);
        }
        if (i < n && cfg->cores[i] > DP_MAX_CPU) {
            return rl_diag_set(diag, field, "must be a CPU number from 0 to %d", DP_MAX_CPU);
        }
        for (uint32_t j = 0; j < i && i < n; j++) {
            /* Two poll-mode workers on one CPU would take turns, each at half speed. */
            if (cfg->cores[j] == cfg->cores[i]) {
                return rl_diag_set(diag, field, "CPU %d is listed twice", cfg->cores[i]);
            }
        }
    }
    if (n > 0 && n != cfg->workers) {
        return rl_diag_set(diag, "cores", "lists %u CPUs for %u workers", n, cfg->workers);
    }
    return 0;
}

static int
check_groups(const struct dp_config *cfg, struct rl_diag *diag)
{
    char field[96];
    if (cfg->n_groups > DP_MAX_GROUPS) {
        return rl_diag_set(diag, "mta_groups", "at most %d MTA groups", DP_MAX_GROUPS);
    }
    for (uint32_t i = 0; i < cfg->n_groups; i++) {
        const struct dp_mta_group *g = &cfg->groups[i];
        snprintf(field, sizeof(field), "mta_groups.%.*s", (int)sizeof(g->name), g->name);
        if (g->n_hops == 0 || g->n_hops > DP_MAX_HOPS) {
            return rl_diag_set(diag, field, "must have 1 to %d next hops", DP_MAX_HOPS);
        }
        for (uint32_t h = 0; h < g->n_hops; h++) {
            if (g->hops[h].family == IO_AF_NONE || g->hops[h].port == 0) {
                snprintf(field, sizeof(field), "mta_groups.%.*s[%u]", (int)sizeof(g->name), g->name,
                         h);
                return rl_diag_set(diag, field, "'%.*s' has no resolved address and port",
                                   QUOTE_MAX, g->hop_names[h]);
            }
        }
    }
    return 0;
}

static int
check_routes(const struct dp_config *cfg, struct rl_diag *diag)
{
    char field[48];
    if (cfg->n_routes == 0 || cfg->n_routes > DP_MAX_ROUTES) {
        return rl_diag_set(diag, "routes", "must hold 1 to %d routes", DP_MAX_ROUTES);
    }
    for (uint32_t i = 0; i < cfg->n_routes; i++) {
        const struct dp_route *r = &cfg->routes[i];
        snprintf(field, sizeof(field), "routes[%u].group", i);
        if (r->group >= cfg->n_groups) {
            return rl_diag_set(diag, field, "refers to no MTA group");
        }
        snprintf(field, sizeof(field), "routes[%u].domain", i);
        size_t len = strnlen(r->domain, sizeof(r->domain));
        if (r->kind > DP_ROUTE_ANY ||
            (r->kind != DP_ROUTE_ANY && !dp_domain_valid(r->domain, len))) {
            return rl_diag_set(diag, field, "is not a domain pattern");
        }
        for (uint32_t j = 0; j < i; j++) {
            if (route_same(&cfg->routes[j], r)) {
                char pat[DP_DOMAIN_MAX + 3];
                dp_route_pattern(pat, sizeof(pat), r);
                return rl_diag_set(diag, field, "'%.*s' is routed twice", QUOTE_MAX, pat);
            }
        }
    }
    return 0;
}

static int
check_addresses(const struct dp_config *cfg, struct rl_diag *diag)
{
    char field[32];
    if (cfg->n_listen == 0 || cfg->n_listen > DP_MAX_LISTEN) {
        return rl_diag_set(diag, "listen", "must hold 1 to %d listeners", DP_MAX_LISTEN);
    }
    for (uint32_t i = 0; i < cfg->n_listen; i++) {
        if (cfg->listen[i].family == IO_AF_NONE || cfg->listen[i].port == 0) {
            snprintf(field, sizeof(field), "listen[%u]", i);
            return rl_diag_set(diag, field, "is not an address with a port");
        }
    }
    if (cfg->n_relay_nets > DP_MAX_RELAYNETS) {
        return rl_diag_set(diag, "relay_networks", "at most %d relay networks", DP_MAX_RELAYNETS);
    }
    for (uint32_t i = 0; i < cfg->n_relay_nets; i++) {
        const struct io_prefix *p = &cfg->relay_nets[i];
        unsigned max = p->net.family == IO_AF_INET4 ? 32 : 128;
        if (p->net.family == IO_AF_NONE || p->prefix_len > max) {
            snprintf(field, sizeof(field), "relay_networks[%u]", i);
            return rl_diag_set(diag, field, "is not a network");
        }
    }
    return 0;
}

int
dp_config_check(const struct dp_config *cfg, struct rl_diag *diag)
{
    int rc = check_addresses(cfg, diag);
    if (rc == 0) {
        rc = check_groups(cfg, diag);
    }
    if (rc == 0) {
        rc = check_routes(cfg, diag);
    }
    if (rc != 0) {
        return rc;
    }
    if (!dp_domain_valid(cfg->hostname, strnlen(cfg->hostname, sizeof(cfg->hostname)))) {
        return rl_diag_set(diag, "hostname", "is not a domain");
    }
    for (const struct dp_num *n = nums; n < nums + sizeof(nums) / sizeof(nums[0]); n++) {
        uint64_t v = num_get(cfg, n);
        if (v < n->lo * n->scale || v > n->hi * n->scale) {
            return dp_num_refuse(diag, n->path, n);
        }
    }
    if ((rc = check_cores(cfg, diag)) != 0) {
        return rc;
    }
    if (cfg->backend == DP_BACKEND_DPDK) {
        return rl_diag_set(diag, "backend", "the DPDK backend is not built yet");
    }
    if (cfg->backend != DP_BACKEND_KERNEL) {
        return rl_diag_set(diag, "backend", "must be kernel or dpdk");
    }
    if (cfg->idle != DP_IDLE_SLEEP && cfg->idle != DP_IDLE_SPIN) {
        return rl_diag_set(diag, "idle", "must be spin or sleep");
    }
    for (const struct dp_str *s = strs; s < strs + sizeof(strs) / sizeof(strs[0]); s++) {
        const char *v = (const char *)cfg + s->offset;
        if (memchr(v, '\0', s->cap) == NULL) {
            return rl_diag_set(diag, s->path, "is longer than %zu bytes", s->cap - 1);
        }
        if (v[0] == '\0' && !s->allow_empty) {
            return rl_diag_set(diag, s->path, "must not be empty");
        }
    }
    /* A certificate without its key (or the reverse) cannot offer STARTTLS. */
    if (cfg->tls_cert[0] != '\0' && cfg->tls_key[0] == '\0') {
        return rl_diag_set(diag, "tls.key", "is needed with tls.cert");
    }
    if (cfg->tls_key[0] != '\0' && cfg->tls_cert[0] == '\0') {
        return rl_diag_set(diag, "tls.cert", "is needed with tls.key");
    }
    return 0;
}

/* equal_nocase compares `n` octets of `d`, in any case, with lower-case `s`. */
static bool
equal_nocase(const char *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != s[i]) {
            return false;
        }
    }
    return true;
}

const struct dp_route *
dp_route_find(const struct dp_config *cfg, const char *domain, size_t len)
{
    const struct dp_route *best = NULL;
    const struct dp_route *any = NULL;
    size_t best_len = 0;
    for (uint32_t i = 0; i < cfg->n_routes; i++) {
        const struct dp_route *r = &cfg->routes[i];
        size_t rlen = strnlen(r->domain, sizeof(r->domain));
        switch (r->kind) {
        case DP_ROUTE_EXACT:
            if (rlen == len && equal_nocase(domain, r->domain, len)) {
                return r;
            }
            break;
        case DP_ROUTE_SUBDOMAINS:
            /* Only at a label boundary: "*.example.com" is not "badexample.com". */
            if (len > rlen + 1 && domain[len - rlen - 1] == '.' && rlen > best_len &&
                equal_nocase(domain + len - rlen, r->domain, rlen)) {
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
dp_relay_allowed(const struct dp_config *cfg, const struct io_addr *peer)
{
    for (uint32_t i = 0; i < cfg->n_relay_nets; i++) {
        if (io_prefix_match(&cfg->relay_nets[i], peer)) {
            return true;
        }
    }
    return false;
}

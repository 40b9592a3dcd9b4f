/* SPDX-License-Identifier: Apache-2.0 */
/* The fields the JSON file and the command line both set, each parsed and
 * bounded in one place (internal.h): numbers and paths by table, domains,
 * listeners, relay networks, next hops (resolved here), routes. Start-up
 * code, one thread. */
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_config.h"
#include "internal.h"
#include "rl_utf8.h"

#define NUM(path, member, scale, lo, hi, why)                                                      \
    {                                                                                              \
        path, offsetof(struct dp_config, member), sizeof(((struct dp_config *)NULL)->member),      \
            scale, lo, hi, why                                                                     \
    }

static const struct dp_num nums[] = {
    NUM("workers", boot.workers, 1, 1, DP_MAX_WORKERS, NULL),
    NUM("scan_threads", boot.scan_threads, 1, 0, 16, NULL),
    NUM("min_free_mb", boot.min_free_mb, 1, 0, (uint64_t)1 << 24, NULL),
    NUM("limits.max_message_size", rt.max_message_size, 1, 1, (uint64_t)1 << 40, NULL),
    /* RFC 5321 4.5.3.1.8: a server MUST accept at least 100 recipients. */
    NUM("limits.max_recipients", rt.max_recipients, 1, 100, 1000000, "RFC 5321 4.5.3.1.8"),
    NUM("limits.max_connections_per_worker", rt.max_conn_per_worker, 1, 1, 1000000, NULL),
    NUM("limits.max_connections_per_ip", rt.max_conn_per_ip, 1, 0, 65535, NULL),
    NUM("limits.max_connections_per_net", rt.max_conn_per_net, 1, 0, 65535, NULL),
    NUM("limits.net_prefix_v4", rt.net_prefix_v4, 1, 8, 32, NULL),
    NUM("limits.net_prefix_v6", rt.net_prefix_v6, 1, 16, 128, NULL),
    NUM("limits.command_timeout_s", rt.command_timeout_ms, 1000, 1, 86400, NULL),
    NUM("limits.data_timeout_s", rt.data_timeout_ms, 1000, 1, 86400, NULL),
    NUM("limits.min_data_rate", rt.min_data_rate, 1, 0, 1000000000, NULL),
    NUM("limits.max_errors", rt.max_errors, 1, 0, 1000000, NULL),
    NUM("limits.max_junk_commands", rt.max_junk, 1, 0, 1000000, NULL),
    NUM("limits.tarpit_after_errors", rt.tarpit_after, 1, 0, 1000000, NULL),
    NUM("limits.tarpit_delay_ms", rt.tarpit_ms, 1, 0, 60000, NULL),
    NUM("relay.connect_timeout_s", rt.connect_timeout_ms, 1000, 1, 3600, NULL),
    NUM("relay.pool_per_hop", rt.pool_per_hop, 1, 0, 1024, NULL),
    NUM("relay.pool_idle_s", rt.pool_idle_ms, 1000, 1, 86400, NULL),
    NUM("relay.hop_down_s", rt.hop_down_ms, 1000, 1, 3600, NULL),
    NUM("relay.hop_down_max_s", rt.hop_down_max_ms, 1000, 1, 86400, NULL),
    NUM("relay.end_of_data_timeout_s", rt.dot_timeout_ms, 1000, 1, 3600, NULL),
    NUM("dpdk.mbufs", boot.dpdk.mbufs, 1, 1023, (uint64_t)1 << 24, NULL),
    NUM("dpdk.max_connections", boot.dpdk.max_conns, 1, 64, (uint64_t)1 << 22, NULL),
    NUM("dpdk.syn_backlog", boot.dpdk.syn_backlog, 1, 1, 1000000, NULL),
    NUM("dpdk.buffer_kb", boot.dpdk.buffer_kb, 1, 4, 65536, NULL),
    NUM("dpdk.idle_sleep_max_us", boot.dpdk.idle_sleep_max_us, 1, 1, 1000000, NULL),
};

#define STR(path, member, allow_empty)                                                             \
    {                                                                                              \
        path, offsetof(struct dp_config, member), sizeof(((struct dp_config *)NULL)->member),      \
            allow_empty                                                                            \
    }

static const struct dp_str strs[] = {
    STR("policy", rt.policy_path, true),
    STR("quarantine_dir", boot.quarantine_dir, false),
    STR("log", boot.log_path, false),
    STR("control_socket", boot.control_socket, true),
    STR("config_socket", boot.config_socket, true),
    STR("state_dir", boot.state_dir, true),
    STR("user", boot.user, true),
    STR("tls.cert", rt.tls_cert, true),
    STR("tls.key", rt.tls_key, true),
    STR("tls.profile", rt.tls_profile, true),
};

const struct dp_num *
dp_num_at(size_t i)
{
    return i < sizeof(nums) / sizeof(nums[0]) ? &nums[i] : NULL;
}

const struct dp_str *
dp_str_at(size_t i)
{
    return i < sizeof(strs) / sizeof(strs[0]) ? &strs[i] : NULL;
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

uint64_t
dp_num_get(const struct dp_config *cfg, const struct dp_num *n)
{
    return dp_num_get_at((const char *)cfg + n->offset, n);
}

uint64_t
dp_num_get_at(const char *at, const struct dp_num *n)
{
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
                           (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len), s);
    }
    memcpy(cfg->rt.hostname, s, len);
    cfg->rt.hostname[len] = '\0';
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
    int q = (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len);
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
    int hq = (int)(host_len > DP_QUOTE_MAX ? DP_QUOTE_MAX : host_len);
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
    if (cfg->boot.n_listen >= DP_MAX_LISTEN) {
        return rl_diag_set(diag, field, "at most %d listeners", DP_MAX_LISTEN);
    }
    int rc = parse_host_port(&a, diag, field, s, len, false, DP_RESOLVE_SKIP);
    if (rc != 0) {
        return rc;
    }
    for (uint32_t i = 0; i < cfg->boot.n_listen; i++) {
        if (io_addr_equal(&cfg->boot.listen[i], &a)) {
            return rl_diag_set(diag, field, "'%.*s' is listed twice",
                               (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len), s);
        }
    }
    cfg->boot.listen[cfg->boot.n_listen++] = a;
    return 0;
}

int
dp_relay_net_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                 size_t len)
{
    int q = (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len);
    if (cfg->rt.n_relay_nets >= DP_MAX_RELAYNETS) {
        return rl_diag_set(diag, field, "at most %d relay networks", DP_MAX_RELAYNETS);
    }
    if (io_prefix_parse(&cfg->rt.relay_nets[cfg->rt.n_relay_nets], s, len) == 0) {
        cfg->rt.n_relay_nets++;
        return 0;
    }
    /* Say which part is wrong: the address, the length or the host bits. */
    const char *slash = memchr(s, '/', len);
    size_t ip_len = slash != NULL ? (size_t)(slash - s) : len;
    struct io_prefix host;
    if (io_prefix_parse(&host, s, ip_len) != 0) {
        return rl_diag_set(diag, field, "'%.*s' is not an IP address",
                           (int)(ip_len > DP_QUOTE_MAX ? DP_QUOTE_MAX : ip_len), s);
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
    cfg->boot.cores[i] = (int)cpu;
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
    if (cfg->rt.n_groups >= DP_MAX_GROUPS) {
        return rl_diag_set(diag, field, "at most %d MTA groups", DP_MAX_GROUPS);
    }
    *out_index = cfg->rt.n_groups;
    cfg->rt.groups[cfg->rt.n_groups++] = *g;
    return 0;
}

int
dp_group_find(const struct dp_config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->rt.n_groups; i++) {
        if (strcmp(cfg->rt.groups[i].name, name) == 0) {
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
    out->tls = DP_TLS_DEFAULT;
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
                           (int)(len > DP_QUOTE_MAX ? DP_QUOTE_MAX : len), s);
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

bool
dp_route_same(const struct dp_route *a, const struct dp_route *b)
{
    return a->kind == b->kind && strcmp(a->domain, b->domain) == 0;
}

int
dp_route_add(struct dp_config *cfg, struct rl_diag *diag, const char *field,
             const struct dp_route *r)
{
    if (cfg->rt.n_routes >= DP_MAX_ROUTES) {
        return rl_diag_set(diag, field, "at most %d routes", DP_MAX_ROUTES);
    }
    for (uint32_t i = 0; i < cfg->rt.n_routes; i++) {
        if (dp_route_same(&cfg->rt.routes[i], r)) {
            char pat[DP_DOMAIN_MAX + 3];
            dp_route_pattern(pat, sizeof(pat), r);
            return rl_diag_set(diag, field, "'%.*s' is routed twice", DP_QUOTE_MAX, pat);
        }
    }
    cfg->rt.routes[cfg->rt.n_routes++] = *r;
    return 0;
}

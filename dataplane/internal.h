/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers private to dataplane/: the pieces the JSON file and the command
 * line share when they build a dp_config (domains, next hops, routes, the
 * table of bounded numbers and of paths). Start-up code, one thread. */
#ifndef DP_INTERNAL_H
#define DP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "io_addr.h"
#include "rl_error.h"

/* How next-hop host names are treated while loading. */
enum dp_resolve {
    DP_RESOLVE_NAMES = 0, /* getaddrinfo at load time, the first address wins */
    DP_RESOLVE_SKIP,      /* keep a valid name unresolved (IO_AF_NONE, which
                             dp_config_check refuses): fuzzing, no network */
};

/* Reasons quote input at most this long, so a diagnostic stays one line. */
#define DP_QUOTE_MAX 80

/* DP_MAX_CPU bounds a CPU number in cores (CPU_SETSIZE). */
#define DP_MAX_CPU 1023

/* A number a file or a flag may set: its path in the JSON file (also the
 * diagnostic field dp_config_check uses), where it lives and its bounds. */
struct dp_num {
    const char *path; /* "limits.max_recipients" */
    size_t offset;    /* into struct dp_config */
    uint8_t width;    /* 4: uint32_t, 8: uint64_t */
    uint16_t scale;   /* stored = configured * scale (seconds to ms) */
    uint64_t lo, hi;  /* bounds in configured units */
    const char *why;  /* RFC behind the lower bound, or NULL */
};

/* A path or name a file or a flag may set. */
struct dp_str {
    const char *path; /* "tls.cert" */
    size_t offset;    /* into struct dp_config */
    size_t cap;       /* size of the char array, NUL included */
    bool allow_empty; /* "" has a meaning (none, built-in, stay) */
};

/* dp_num_find returns the number at JSON `path`, or NULL. */
const struct dp_num *dp_num_find(const char *path);

/* dp_num_at returns the i-th number of the table, NULL past the end. */
const struct dp_num *dp_num_at(size_t i);

/* dp_num_get reads the number `n` of `cfg` in stored units. */
uint64_t dp_num_get(const struct dp_config *cfg, const struct dp_num *n);

/* dp_num_get_at reads the number `n` stored at `at` (its place in some
 * configuration) in stored units. */
uint64_t dp_num_get_at(const char *at, const struct dp_num *n);

/* dp_num_refuse fills `diag` for `field` with the bounds of `n`; returns
 * RL_EINVAL. */
int dp_num_refuse(struct rl_diag *diag, const char *field, const struct dp_num *n);

/* dp_num_set stores `v` (configured units) into `cfg`. Returns 0, or
 * RL_EINVAL with `diag` naming `field` when v is out of bounds. */
int dp_num_set(struct dp_config *cfg, struct rl_diag *diag, const char *field,
               const struct dp_num *n, uint64_t v);

/* dp_str_at returns the i-th path of the table, NULL past the end. */
const struct dp_str *dp_str_at(size_t i);

/* dp_str_find returns the string at JSON `path`, or NULL. */
const struct dp_str *dp_str_find(const char *path);

/* dp_str_set copies `len` octets at `s` into `cfg`. Returns 0, or RL_EINVAL
 * with `diag` naming `field` when too long, empty where that is not allowed,
 * or holding a control character. */
int dp_str_set(struct dp_config *cfg, struct rl_diag *diag, const char *field,
               const struct dp_str *st, const char *s, size_t len);

/* dp_parse_u64 reads a plain decimal number (digits only, no leading zero)
 * from s[0..len). Returns false when it is not one or exceeds UINT64_MAX. */
bool dp_parse_u64(uint64_t *out, const char *s, size_t len);

/* dp_domain_valid tells whether s[0..len) is a domain as RFC 5321 4.1.2
 * writes it (labels of letters, digits and hyphens, or UTF-8 U-labels per
 * RFC 6531; 1..63 octets a label, 255 in all; no trailing dot). */
bool dp_domain_valid(const char *s, size_t len);

/* dp_hostname_set validates and stores our own host name. */
int dp_hostname_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                    size_t len);

/* dp_listen_add appends the listener "a.b.c.d:port" or "[v6]:port". */
int dp_listen_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                  size_t len);

/* dp_relay_net_add appends the relay network "a.b.c.d/n", "v6/n" or a bare
 * address. */
int dp_relay_net_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                     size_t len);

/* dp_dpdk_eal_add appends one EAL argument (dpdk.eal[i]). */
int dp_dpdk_eal_add(struct dp_config *cfg, struct rl_diag *diag, const char *field, const char *s,
                    size_t len);

/* dp_dpdk_port_ip sets the address "a.b.c.d/n" (`what` "address") or the
 * gateway "a.b.c.d" of `port`; dp_dpdk_port_mac its MAC "xx:xx:xx:xx:xx:xx";
 * dp_dpdk_port_device its device. Each returns 0 or RL_EINVAL naming
 * `field`. */
int dp_dpdk_port_ip(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field,
                    const char *s, size_t len, bool with_prefix);
int dp_dpdk_port_mac(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field,
                     const char *s, size_t len);
int dp_dpdk_port_device(struct dp_dpdk_port *port, struct rl_diag *diag, const char *field,
                        const char *s, size_t len);

/* dp_dpdk_check checks the DPDK settings against the listeners and the
 * workers (backend "dpdk"): at least one port, distinct addresses, IPv4
 * listeners on the wildcard or a port's address. Returns 0 or RL_EINVAL. */
int dp_dpdk_check(const struct dp_config *cfg, struct rl_diag *diag);

/* dp_core_set sets cfg->cores[i] from a CPU number. */
int dp_core_set(struct dp_config *cfg, struct rl_diag *diag, const char *field, uint32_t i,
                uint64_t cpu);

/* dp_hop_add appends the next hop "host:port" (IP literal, "[v6]:port" or a
 * host name resolved per `how`) to `g`. */
int dp_hop_add(struct dp_mta_group *g, struct rl_diag *diag, const char *field, const char *s,
               size_t len, enum dp_resolve how);

/* dp_group_add appends a copy of `g` to cfg->groups and sets *out_index. */
int dp_group_add(struct dp_config *cfg, uint32_t *out_index, struct rl_diag *diag,
                 const char *field, const struct dp_mta_group *g);

/* dp_group_find returns the index of the group called `name`, or -1. */
int dp_group_find(const struct dp_config *cfg, const char *name);

/* dp_route_parse reads the route pattern "*", "*.suffix" or "domain" into
 * `out` (lower case; group left 0). */
int dp_route_parse(struct dp_route *out, struct rl_diag *diag, const char *field, const char *s,
                   size_t len);

/* dp_route_same tells whether two routes have the same pattern. */
bool dp_route_same(const struct dp_route *a, const struct dp_route *b);

/* dp_route_add appends `r`, refusing a second route for the same pattern. */
int dp_route_add(struct dp_config *cfg, struct rl_diag *diag, const char *field,
                 const struct dp_route *r);

/* dp_route_pattern writes the pattern of `r` as configured ("*.x.org"). */
void dp_route_pattern(char *out, size_t out_cap, const struct dp_route *r);

/* dp_tls_profile_check refuses a tls.profile that names no profile, or a
 * client one, naming "tls.profile". Returns 0 or RL_EINVAL. */
int dp_tls_profile_check(const struct dp_runtime *rt, struct rl_diag *diag);

/* dp_config_load_json_how is dp_config_load_json with the treatment of
 * host names chosen by the caller (the fuzz target skips resolving). */
int dp_config_load_json_how(struct dp_config *cfg, struct rl_diag *diag, const char *json,
                            size_t len, enum dp_resolve how);

#endif

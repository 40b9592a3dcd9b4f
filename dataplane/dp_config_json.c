/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON configuration file (docs/CONFIG.md) applied onto a dp_config:
 * strict (unknown keys refused, types checked), every refusal naming the
 * field path. Works on a copy so a refused file changes nothing. Start-up
 * code on one thread; next-hop names are resolved here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_config.h"
#include "internal.h"

/* A field path fits the diagnostic's 64 octets; longer ones are cut there. */
#define FIELD_MAX 96

static const char *const root_keys[] = {
    "listen",        "hostname",  "workers",        "cores",      "backend",
    "idle",          "policy",    "relay_networks", "mta_groups", "routes",
    "limits",        "relay",     "quarantine_dir", "log",        "control_socket",
    "user",          "tls",       "tls_profiles",   "smtp",       "min_free_mb",
    "config_socket", "state_dir", "scan_threads",   "dpdk",       "loop_turn_cpu",
};

/* The inputs of one load: the configuration before it and the copy built. */
struct load {
    const struct dp_config *before;
    struct dp_config *c;
    struct rl_diag *diag;
    enum dp_resolve how;
};

static int
set_num(struct load *l, const char *field, const struct dp_num *n, json_t *v)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return dp_num_refuse(l->diag, field, n);
    }
    return dp_num_set(l->c, l->diag, field, n, (uint64_t)json_integer_value(v));
}

static int
set_str(struct load *l, const char *field, const struct dp_str *st, json_t *v)
{
    if (!json_is_string(v)) {
        return rl_diag_set(l->diag, field, "must be a string");
    }
    return dp_str_set(l->c, l->diag, field, st, json_string_value(v), json_string_length(v));
}

/* apply_field applies `v` to the number or string of the shared tables at
 * `field` ("limits.max_recipients"). */
static int
apply_field(struct load *l, const char *field, json_t *v)
{
    const struct dp_num *n = dp_num_find(field);
    const struct dp_str *st = dp_str_find(field);
    return n != NULL    ? set_num(l, field, n, v)
           : st != NULL ? set_str(l, field, st, v)
                        : rl_diag_set(l->diag, field, "unknown key");
}

/* apply_section applies an object whose keys are all numbers or strings of
 * the shared tables ("limits", "relay"). */
static int
apply_section(struct load *l, const char *where, json_t *obj)
{
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(l->diag, where, "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        snprintf(field, sizeof(field), "%s.%s", where, key);
        int rc = apply_field(l, field, v);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* apply_choice maps the string `v` to the index of its name in `names`. */
static int
apply_choice(struct load *l, const char *field, json_t *v, const char *const names[2], int *out)
{
    const char *s = json_string_value(v);
    for (int i = 0; s != NULL && i < 2; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return rl_diag_set(l->diag, field, "must be %s or %s", names[0], names[1]);
}

/* apply_smtp applies "smtp": how the engine reads what clients send. */
static int
apply_smtp(struct load *l, json_t *obj)
{
    static const char *const bare[2] = {"normalize", "reject"};
    static const char *const nul[2] = {"reject", "strip"};
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(l->diag, "smtp", "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        snprintf(field, sizeof(field), "smtp.%s", key);
        int choice = 0;
        int rc;
        if (strcmp(key, "bare_newline") == 0) {
            rc = apply_choice(l, field, v, bare, &choice);
            l->c->rt.bare_newline = choice == 0 ? SMTP_BARE_LF_NORMALIZE : SMTP_BARE_LF_REJECT;
        } else if (strcmp(key, "nul") == 0) {
            rc = apply_choice(l, field, v, nul, &choice);
            l->c->rt.nul = choice == 0 ? SMTP_NUL_REJECT : SMTP_NUL_STRIP;
        } else if (strcmp(key, "address_literals") == 0) {
            rc = json_is_boolean(v) ? 0 : rl_diag_set(l->diag, field, "must be true or false");
            l->c->rt.address_literals = json_is_true(v);
        } else {
            rc = rl_diag_set(l->diag, field, "unknown key");
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* apply_tls applies "tls": a certificate and its key, or the name of a
 * server profile (checked once the profiles are read), and the policy. */
static int
apply_tls(struct load *l, json_t *obj)
{
    static const char *const policies[2] = {"may", "encrypt"};
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(l->diag, "tls", "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        snprintf(field, sizeof(field), "tls.%s", key);
        int choice = 0;
        int rc = strcmp(key, "policy") == 0 ? apply_choice(l, field, v, policies, &choice)
                                            : apply_field(l, field, v);
        if (rc != 0) {
            return rc;
        }
        if (strcmp(key, "policy") == 0) {
            l->c->rt.tls_policy = choice == 0 ? DP_TLS_MAY : DP_TLS_ENCRYPT;
        }
    }
    bool cert = json_object_get(obj, "cert") != NULL;
    bool key_given = json_object_get(obj, "key") != NULL;
    if (json_object_get(obj, "profile") != NULL) {
        if (cert || key_given) {
            return rl_diag_set(l->diag, "tls.profile",
                               "excludes tls.cert and tls.key: give one or the other");
        }
        l->c->rt.tls_cert[0] = l->c->rt.tls_key[0] = '\0';
        return 0;
    }
    if (!cert && !key_given) {
        return 0; /* the policy alone */
    }
    /* Both or neither: a certificate without its key cannot offer STARTTLS. */
    if (!cert) {
        return rl_diag_set(l->diag, "tls.cert", "is required in tls");
    }
    if (!key_given) {
        return rl_diag_set(l->diag, "tls.key", "is required in tls");
    }
    l->c->rt.tls_profile[0] = '\0';
    if (l->c->rt.tls_cert[0] != '\0' && l->c->rt.tls_key[0] == '\0') {
        return rl_diag_set(l->diag, "tls.key", "is needed with tls.cert");
    }
    if (l->c->rt.tls_cert[0] == '\0' && l->c->rt.tls_key[0] != '\0') {
        return rl_diag_set(l->diag, "tls.cert", "is needed with tls.key");
    }
    return 0;
}

/* array_of checks that `v` is an array of at most `max` elements. */
static int
array_of(struct load *l, const char *where, json_t *v, size_t max, const char *what)
{
    if (!json_is_array(v)) {
        return rl_diag_set(l->diag, where, "must be an array of %s", what);
    }
    if (json_array_size(v) > max) {
        return rl_diag_set(l->diag, where, "holds more than %zu entries", max);
    }
    return 0;
}

typedef int (*dp_add_fn)(struct dp_config *cfg, struct rl_diag *diag, const char *field,
                         const char *s, size_t len);

/* apply_strings replaces a list of addresses ("listen", "relay_networks"). */
static int
apply_strings(struct load *l, const char *where, json_t *arr, size_t max, dp_add_fn add)
{
    char field[FIELD_MAX];
    size_t i;
    json_t *v;
    int rc = array_of(l, where, arr, max, "strings");
    json_array_foreach(arr, i, v)
    {
        if (rc != 0) {
            break;
        }
        snprintf(field, sizeof(field), "%s[%zu]", where, i);
        rc = json_is_string(v)
                 ? add(l->c, l->diag, field, json_string_value(v), json_string_length(v))
                 : rl_diag_set(l->diag, field, "must be a string");
    }
    return rc;
}

static int
apply_cores(struct load *l, json_t *arr)
{
    char field[FIELD_MAX];
    size_t i;
    json_t *v;
    int rc = array_of(l, "cores", arr, DP_MAX_WORKERS, "CPU numbers");
    for (size_t k = 0; k < DP_MAX_WORKERS; k++) {
        l->c->boot.cores[k] = -1;
    }
    json_array_foreach(arr, i, v)
    {
        if (rc != 0) {
            break;
        }
        snprintf(field, sizeof(field), "cores[%zu]", i);
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            rc = rl_diag_set(l->diag, field, "must be a CPU number from 0 to %d", DP_MAX_CPU);
        } else {
            rc = dp_core_set(l->c, l->diag, field, (uint32_t)i, (uint64_t)json_integer_value(v));
        }
    }
    return rc;
}

static bool
group_name_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return false;
        }
    }
    return n > 0 && n < sizeof(((struct dp_mta_group *)NULL)->name);
}

static int
apply_group(struct load *l, const char *name, json_t *arr)
{
    char where[FIELD_MAX];
    char field[FIELD_MAX + 24];
    struct dp_mta_group g;
    size_t i;
    json_t *v;
    snprintf(where, sizeof(where), "mta_groups.%s", name);
    if (!group_name_valid(name)) {
        return rl_diag_set(l->diag, where,
                           "a group name is 1 to 63 printable characters without spaces");
    }
    int rc = array_of(l, where, arr, DP_MAX_HOPS, "next hops (HOST:PORT)");
    if (rc == 0 && json_array_size(arr) == 0) {
        rc = rl_diag_set(l->diag, where, "must list at least one next hop");
    }
    memset(&g, 0, sizeof(g));
    snprintf(g.name, sizeof(g.name), "%s", name);
    json_array_foreach(arr, i, v)
    {
        if (rc != 0) {
            break;
        }
        snprintf(field, sizeof(field), "%s[%zu]", where, i);
        rc = json_is_string(v) ? dp_hop_add(&g, l->diag, field, json_string_value(v),
                                            json_string_length(v), l->how)
                               : rl_diag_set(l->diag, field, "must be a string");
    }
    uint32_t index = 0;
    return rc != 0 ? rc : dp_group_add(l->c, &index, l->diag, where, &g);
}

/* apply_groups replaces the MTA groups. Routes kept from before (when the
 * file has no "routes") follow their group by name. */
static int
apply_groups(struct load *l, json_t *obj, bool routes_follow)
{
    const char *name;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(l->diag, "mta_groups", "must be an object of next-hop lists");
    }
    if (json_object_size(obj) > DP_MAX_GROUPS) {
        return rl_diag_set(l->diag, "mta_groups", "holds more than %d groups", DP_MAX_GROUPS);
    }
    l->c->rt.n_groups = 0;
    json_object_foreach(obj, name, v)
    {
        int rc = apply_group(l, name, v);
        if (rc != 0) {
            return rc;
        }
    }
    for (uint32_t i = 0; routes_follow && i < l->c->rt.n_routes; i++) {
        uint32_t was = l->c->rt.routes[i].group;
        const char *old = was < l->before->rt.n_groups ? l->before->rt.groups[was].name : "";
        int g = dp_group_find(l->c, old);
        if (g < 0) {
            return rl_diag_set(l->diag, "mta_groups", "lacks group '%s', which routes use", old);
        }
        l->c->rt.routes[i].group = (uint32_t)g;
    }
    return 0;
}

/* route_tls points route `r` at the client profile called `name`. */
static int
route_tls(struct load *l, struct dp_route *r, const char *field, const char *name)
{
    const struct tls_profile *p = tls_profiles_find(&l->c->rt.tls_profiles, name);
    if (p == NULL) {
        return rl_diag_set(l->diag, field, "no TLS profile named '%.64s'", name);
    }
    if (p->role != TLS_ROLE_CLIENT) {
        return rl_diag_set(l->diag, field, "'%.64s' is a server profile, not a client one", name);
    }
    r->tls = (int)(p - l->c->rt.tls_profiles.p);
    return 0;
}

/* apply_profiles replaces the TLS profiles. Routes kept from before (when the
 * file has no "routes") follow their profile by name. */
static int
apply_profiles(struct load *l, json_t *obj, bool routes_follow)
{
    int rc = tls_profiles_from_json(&l->c->rt.tls_profiles, l->diag, obj);
    for (uint32_t i = 0; rc == 0 && routes_follow && i < l->c->rt.n_routes; i++) {
        struct dp_route *r = &l->c->rt.routes[i];
        if (r->tls != DP_TLS_DEFAULT) {
            rc = route_tls(l, r, "tls_profiles", l->before->rt.tls_profiles.p[r->tls].name);
        }
    }
    return rc;
}

static int
apply_route(struct load *l, size_t i, json_t *o)
{
    char where[32];
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    snprintf(where, sizeof(where), "routes[%zu]", i);
    if (!json_is_object(o)) {
        return rl_diag_set(l->diag, where, "must be an object with domain and group");
    }
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "domain") != 0 && strcmp(key, "group") != 0 && strcmp(key, "tls") != 0) {
            snprintf(field, sizeof(field), "%s.%.48s", where, key);
            return rl_diag_set(l->diag, field, "unknown key");
        }
    }
    json_t *dom = json_object_get(o, "domain");
    json_t *grp = json_object_get(o, "group");
    snprintf(field, sizeof(field), "%s.domain", where);
    if (!json_is_string(dom)) {
        return rl_diag_set(l->diag, field, dom == NULL ? "is required" : "must be a string");
    }
    struct dp_route r;
    int rc = dp_route_parse(&r, l->diag, field, json_string_value(dom), json_string_length(dom));
    if (rc != 0) {
        return rc;
    }
    snprintf(field, sizeof(field), "%s.group", where);
    if (!json_is_string(grp)) {
        return rl_diag_set(l->diag, field, grp == NULL ? "is required" : "must be a string");
    }
    int g = dp_group_find(l->c, json_string_value(grp));
    if (g < 0) {
        return rl_diag_set(l->diag, field, "no MTA group named '%.64s'", json_string_value(grp));
    }
    r.group = (uint32_t)g;
    json_t *tls = json_object_get(o, "tls");
    if (tls != NULL) {
        snprintf(field, sizeof(field), "%s.tls", where);
        rc = json_is_string(tls) ? route_tls(l, &r, field, json_string_value(tls))
                                 : rl_diag_set(l->diag, field, "must be a string");
        if (rc != 0) {
            return rc;
        }
    }
    snprintf(field, sizeof(field), "%s.domain", where);
    return dp_route_add(l->c, l->diag, field, &r);
}

static int
apply_routes(struct load *l, json_t *arr)
{
    size_t i;
    json_t *v;
    int rc = array_of(l, "routes", arr, DP_MAX_ROUTES, "objects");
    l->c->rt.n_routes = 0;
    json_array_foreach(arr, i, v)
    {
        if (rc != 0) {
            break;
        }
        rc = apply_route(l, i, v);
    }
    return rc;
}

/* apply_port applies dpdk.ports[i]: device, address, gateway, mac. */
static int
apply_port(struct load *l, size_t i, json_t *o)
{
    char where[40];
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    snprintf(where, sizeof(where), "dpdk.ports[%zu]", i);
    if (!json_is_object(o)) {
        return rl_diag_set(l->diag, where, "must be an object with device and address");
    }
    struct dp_dpdk_port *p = &l->c->boot.dpdk.ports[i];
    memset(p, 0, sizeof(*p));
    json_object_foreach(o, key, v)
    {
        snprintf(field, sizeof(field), "%s.%.32s", where, key);
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        int rc;
        if (!json_is_string(v)) {
            rc = rl_diag_set(l->diag, field, "must be a string");
        } else if (strcmp(key, "device") == 0) {
            rc = dp_dpdk_port_device(p, l->diag, field, s, n);
        } else if (strcmp(key, "address") == 0) {
            rc = dp_dpdk_port_ip(p, l->diag, field, s, n, true);
        } else if (strcmp(key, "gateway") == 0) {
            rc = dp_dpdk_port_ip(p, l->diag, field, s, n, false);
        } else if (strcmp(key, "mac") == 0) {
            rc = dp_dpdk_port_mac(p, l->diag, field, s, n);
        } else {
            rc = rl_diag_set(l->diag, field, "unknown key");
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (p->device[0] == '\0') {
        snprintf(field, sizeof(field), "%s.device", where);
        return rl_diag_set(l->diag, field, "is required");
    }
    if (p->prefix_len == 0) {
        snprintf(field, sizeof(field), "%s.address", where);
        return rl_diag_set(l->diag, field, "is required");
    }
    return 0;
}

/* apply_dpdk applies "dpdk": EAL arguments, ports, the numbers. */
static int
apply_dpdk(struct load *l, json_t *obj)
{
    char field[FIELD_MAX];
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(l->diag, "dpdk", "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        snprintf(field, sizeof(field), "dpdk.%s", key);
        int rc;
        if (strcmp(key, "eal") == 0) {
            l->c->boot.dpdk.n_eal = 0;
            rc = apply_strings(l, field, v, DP_DPDK_MAX_EAL, dp_dpdk_eal_add);
        } else if (strcmp(key, "ports") == 0) {
            size_t i;
            json_t *o;
            rc = array_of(l, field, v, DP_DPDK_MAX_PORTS, "port objects");
            l->c->boot.dpdk.n_ports = 0;
            json_array_foreach(v, i, o)
            {
                if (rc != 0) {
                    break;
                }
                rc = apply_port(l, i, o);
                l->c->boot.dpdk.n_ports = rc == 0 ? (uint32_t)i + 1 : l->c->boot.dpdk.n_ports;
            }
        } else {
            rc = apply_field(l, field, v);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
apply_key(struct load *l, const char *key, json_t *v)
{
    static const char *const backends[2] = {"kernel", "dpdk"};
    static const char *const idles[2] = {"sleep", "spin"};
    const struct dp_num *n = dp_num_find(key);
    const struct dp_str *st = dp_str_find(key);
    int choice = 0;
    int rc = 0;
    if (n != NULL) {
        return set_num(l, key, n, v);
    }
    if (st != NULL) {
        return set_str(l, key, st, v);
    }
    if (strcmp(key, "listen") == 0) {
        l->c->boot.n_listen = 0;
        return apply_strings(l, key, v, DP_MAX_LISTEN, dp_listen_add);
    }
    if (strcmp(key, "relay_networks") == 0) {
        l->c->rt.n_relay_nets = 0;
        return apply_strings(l, key, v, DP_MAX_RELAYNETS, dp_relay_net_add);
    }
    if (strcmp(key, "hostname") == 0) {
        return json_is_string(v) ? dp_hostname_set(l->c, l->diag, key, json_string_value(v),
                                                   json_string_length(v))
                                 : rl_diag_set(l->diag, key, "must be a string");
    }
    if (strcmp(key, "cores") == 0) {
        return apply_cores(l, v);
    }
    if (strcmp(key, "backend") == 0) {
        rc = apply_choice(l, key, v, backends, &choice);
        l->c->boot.backend = choice == 0 ? DP_BACKEND_KERNEL : DP_BACKEND_DPDK;
        return rc;
    }
    if (strcmp(key, "idle") == 0) {
        rc = apply_choice(l, key, v, idles, &choice);
        l->c->boot.idle = choice == 0 ? DP_IDLE_SLEEP : DP_IDLE_SPIN;
        return rc;
    }
    if (strcmp(key, "loop_turn_cpu") == 0) {
        l->c->boot.loop_turn_cpu = json_is_true(v);
        return json_is_boolean(v) ? 0 : rl_diag_set(l->diag, key, "must be true or false");
    }
    if (strcmp(key, "tls") == 0) {
        return apply_tls(l, v);
    }
    if (strcmp(key, "smtp") == 0) {
        return apply_smtp(l, v);
    }
    if (strcmp(key, "limits") == 0 || strcmp(key, "relay") == 0) {
        return apply_section(l, key, v);
    }
    if (strcmp(key, "dpdk") == 0) {
        return apply_dpdk(l, v);
    }
    return 0; /* mta_groups, routes and tls_profiles: apply_root, in their order */
}

static int
apply_root(struct load *l, json_t *root)
{
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        return rl_diag_set(l->diag, "", "the configuration must be a JSON object");
    }
    json_object_foreach(root, key, v)
    {
        bool known = false;
        for (size_t k = 0; k < sizeof(root_keys) / sizeof(root_keys[0]) && !known; k++) {
            known = strcmp(root_keys[k], key) == 0;
        }
        int rc = known ? apply_key(l, key, v) : rl_diag_set(l->diag, key, "unknown key");
        if (rc != 0) {
            return rc;
        }
    }
    /* Routes name groups, so the groups come first whatever the key order. */
    json_t *groups = json_object_get(root, "mta_groups");
    json_t *routes = json_object_get(root, "routes");
    json_t *profiles = json_object_get(root, "tls_profiles");
    int rc = profiles != NULL ? apply_profiles(l, profiles, routes == NULL) : 0;
    rc = rc == 0 && groups != NULL ? apply_groups(l, groups, routes == NULL) : rc;
    rc = rc == 0 && routes != NULL ? apply_routes(l, routes) : rc;
    /* tls.profile, from this file or before, must name a server profile. */
    return rc == 0 ? dp_tls_profile_check(&l->c->rt, l->diag) : rc;
}

/* apply parses nothing: it applies `root` to a copy of `cfg` and keeps the
 * copy only when all of it was accepted. */
static int
apply(struct dp_config *cfg, struct rl_diag *diag, json_t *root, enum dp_resolve how)
{
    struct dp_config *c = malloc(sizeof(*c));
    if (c == NULL) {
        return RL_ENOMEM;
    }
    *c = *cfg;
    struct load l = {.before = cfg, .c = c, .diag = diag, .how = how};
    int rc = apply_root(&l, root);
    if (rc == 0) {
        *cfg = *c;
    }
    free(c);
    return rc;
}

static int
syntax_error(struct rl_diag *diag, const json_error_t *jerr)
{
    char field[FIELD_MAX];
    snprintf(field, sizeof(field), "line %d column %d", jerr->line, jerr->column);
    rl_diag_set(diag, field, "%s", jerr->text);
    return RL_ESYNTAX;
}

int
dp_config_load_json_how(struct dp_config *cfg, struct rl_diag *diag, const char *json, size_t len,
                        enum dp_resolve how)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return syntax_error(diag, &jerr);
    }
    int rc = apply(cfg, diag, root, how);
    json_decref(root);
    return rc;
}

int
dp_config_load_json(struct dp_config *cfg, struct rl_diag *diag, const char *json, size_t len)
{
    return dp_config_load_json_how(cfg, diag, json, len, DP_RESOLVE_NAMES);
}

int
dp_config_load_file(struct dp_config *cfg, struct rl_diag *diag, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rl_diag_set(diag, path, "cannot open: %s", strerror(errno));
        return RL_EIO;
    }
    json_error_t jerr;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        json_decref(root);
        rl_diag_set(diag, path, "read failed");
        return RL_EIO;
    }
    if (root == NULL) {
        return syntax_error(diag, &jerr);
    }
    int rc = apply(cfg, diag, root, DP_RESOLVE_NAMES);
    json_decref(root);
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Edits and reads of the configuration document, and the difference of two
 * documents. Works on jansson values only. */
#include "ctl_model.h"

#include <stdio.h>
#include <string.h>

#include "rl_ascii.h"

static const char *const doc_keys[] = {
    CTL_DOC_GROUPS, CTL_DOC_ROUTES, CTL_DOC_PROFILES, CTL_DOC_NETWORKS,
    CTL_DOC_LIMITS, CTL_DOC_RELAY,  CTL_DOC_POLICY,   CTL_DOC_LICENSE,
};

bool
ctl_model_is_doc_key(const char *k)
{
    for (size_t i = 0; i < sizeof(doc_keys) / sizeof(doc_keys[0]); i++) {
        if (strcmp(k, doc_keys[i]) == 0) {
            return true;
        }
    }
    return false;
}

json_t *
ctl_model_from_dataplane(json_t *cfg, const char **out_policy_path)
{
    *out_policy_path = json_string_value(json_object_get(cfg, CTL_DOC_POLICY));
    json_t *doc = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v)
    {
        /* The licence is controld's alone; the policy comes by path. */
        if (doc != NULL && ctl_model_is_doc_key(k) && strcmp(k, CTL_DOC_LICENSE) != 0 &&
            strcmp(k, CTL_DOC_POLICY) != 0 && json_object_set(doc, k, v) != 0) {
            json_decref(doc);
            doc = NULL;
        }
    }
    return doc;
}

struct edit {
    const char *cmd;
    int (*fn)(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev);
};

/* arg_str returns args[key] when it is a non-empty string, else NULL with
 * `diag` set. */
static const char *
arg_str(struct rl_diag *diag, json_t *args, const char *key)
{
    const char *s = json_string_value(json_object_get(args, key));
    if (s == NULL || s[0] == '\0') {
        rl_diag_set(diag, key, "is required (a non-empty string)");
        return NULL;
    }
    return s;
}

static json_t *
arg_of(struct rl_diag *diag, json_t *args, const char *key, json_type type)
{
    json_t *v = json_object_get(args, key);
    if (v == NULL || json_typeof(v) != type) {
        rl_diag_set(diag, key, "is required (%s)",
                    type == JSON_OBJECT  ? "an object"
                    : type == JSON_ARRAY ? "an array"
                                         : "a value of another type");
        return NULL;
    }
    return v;
}

/* section returns doc[key], created as an object or array if absent;
 * NULL with `diag` when it has the wrong type. */
static json_t *
section(json_t *doc, struct rl_diag *diag, const char *key, json_type type)
{
    json_t *v = json_object_get(doc, key);
    if (v == NULL) {
        v = type == JSON_OBJECT ? json_object() : json_array();
        json_object_set_new(doc, key, v);
    }
    if (json_typeof(v) != type) {
        rl_diag_set(diag, key, "must be %s", type == JSON_OBJECT ? "an object" : "an array");
        return NULL;
    }
    return v;
}

static bool
same_name(const char *a, const char *b)
{
    size_t la = strlen(a);
    return la == strlen(b) && rl_ascii_ieq(a, b, la);
}

/* find_route returns the index of the route for `domain` or -1. */
static long
find_route(json_t *routes, const char *domain)
{
    size_t i;
    json_t *r;
    json_array_foreach(routes, i, r)
    {
        const char *d = json_string_value(json_object_get(r, "domain"));
        if (d != NULL && same_name(d, domain)) {
            return (long)i;
        }
    }
    return -1;
}

/* route_fields copies group and tls from args into route `r`. */
static int
route_fields(json_t *r, struct rl_diag *diag, json_t *args, bool need_group)
{
    json_t *g = json_object_get(args, "group");
    json_t *t = json_object_get(args, "tls");
    if (g == NULL && need_group) {
        return rl_diag_set(diag, "group", "is required (the MTA group's name)");
    }
    if (g != NULL) {
        if (!json_is_string(g) || json_string_length(g) == 0) {
            return rl_diag_set(diag, "group", "must be a non-empty string");
        }
        json_object_set(r, "group", g);
    }
    if (t != NULL) {
        if (!json_is_string(t)) {
            return rl_diag_set(diag, "tls", "must be a string (\"\" for the built-in profile)");
        }
        if (json_string_length(t) == 0) {
            json_object_del(r, "tls");
        } else {
            json_object_set(r, "tls", t);
        }
    }
    return 0;
}

static int
route_add(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *domain = arg_str(diag, args, "domain");
    json_t *routes = domain != NULL ? section(doc, diag, CTL_DOC_ROUTES, JSON_ARRAY) : NULL;
    if (routes == NULL) {
        return RL_EINVAL;
    }
    long at = find_route(routes, domain);
    if (at >= 0) {
        return rl_diag_set(diag, "domain",
                           "a route for '%.100s' exists (routes[%ld]): use route set", domain, at);
    }
    json_t *r = json_pack("{s:s}", "domain", domain);
    if (route_fields(r, diag, args, true) != 0) {
        json_decref(r);
        return RL_EINVAL;
    }
    json_array_append_new(routes, r);
    return 0;
}

static int
route_set(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *domain = arg_str(diag, args, "domain");
    json_t *routes = domain != NULL ? section(doc, diag, CTL_DOC_ROUTES, JSON_ARRAY) : NULL;
    if (routes == NULL) {
        return RL_EINVAL;
    }
    long at = find_route(routes, domain);
    if (at < 0) {
        return rl_diag_set(diag, "domain", "no route for '%.100s': use route add", domain);
    }
    if (json_object_get(args, "group") == NULL && json_object_get(args, "tls") == NULL) {
        return rl_diag_set(diag, "group", "nothing to set: give group, tls or both");
    }
    return route_fields(json_array_get(routes, (size_t)at), diag, args, false);
}

static int
route_del(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *domain = arg_str(diag, args, "domain");
    json_t *routes = domain != NULL ? section(doc, diag, CTL_DOC_ROUTES, JSON_ARRAY) : NULL;
    if (routes == NULL) {
        return RL_EINVAL;
    }
    long at = find_route(routes, domain);
    if (at < 0) {
        return rl_diag_set(diag, "domain", "no route for '%.100s'", domain);
    }
    json_array_remove(routes, (size_t)at);
    return 0;
}

/* named_put stores doc[key][name] = value for add (must be new) or set
 * (must exist). */
static int
named_put(json_t *doc, struct rl_diag *diag, const char *key, const char *noun, const char *name,
          json_t *value, bool add)
{
    json_t *obj = section(doc, diag, key, JSON_OBJECT);
    if (obj == NULL) {
        return RL_EINVAL;
    }
    bool have = json_object_get(obj, name) != NULL;
    if (add && have) {
        return rl_diag_set(diag, "name", "%s '%.100s' exists: use %s set", noun, name, noun);
    }
    if (!add && !have) {
        return rl_diag_set(diag, "name", "no %s named '%.100s': use %s add", noun, name, noun);
    }
    json_object_set(obj, name, value);
    return 0;
}

static int
named_del(json_t *doc, struct rl_diag *diag, const char *key, const char *noun, json_t *args)
{
    const char *name = arg_str(diag, args, "name");
    json_t *obj = name != NULL ? section(doc, diag, key, JSON_OBJECT) : NULL;
    if (obj == NULL) {
        return RL_EINVAL;
    }
    if (json_object_del(obj, name) != 0) {
        return rl_diag_set(diag, "name", "no %s named '%.100s'", noun, name);
    }
    return 0;
}

static int
group_put(json_t *doc, struct rl_diag *diag, json_t *args, bool add)
{
    const char *name = arg_str(diag, args, "name");
    json_t *hops = name != NULL ? arg_of(diag, args, "hops", JSON_ARRAY) : NULL;
    if (hops == NULL) {
        return RL_EINVAL;
    }
    return named_put(doc, diag, CTL_DOC_GROUPS, "mta-group", name, hops, add);
}

static int
group_add(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return group_put(doc, diag, args, true);
}

static int
group_set(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return group_put(doc, diag, args, false);
}

static int
group_del(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return named_del(doc, diag, CTL_DOC_GROUPS, "mta-group", args);
}

static int
profile_put(json_t *doc, struct rl_diag *diag, json_t *args, bool add)
{
    const char *name = arg_str(diag, args, "name");
    json_t *p = name != NULL ? arg_of(diag, args, "profile", JSON_OBJECT) : NULL;
    if (p == NULL) {
        return RL_EINVAL;
    }
    return named_put(doc, diag, CTL_DOC_PROFILES, "tls-profile", name, p, add);
}

static int
profile_add(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return profile_put(doc, diag, args, true);
}

static int
profile_set(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return profile_put(doc, diag, args, false);
}

static int
profile_del(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return named_del(doc, diag, CTL_DOC_PROFILES, "tls-profile", args);
}

/* find_str returns the index of string `s` in array `a`, or -1. */
static long
find_str(json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int
net_add(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *cidr = arg_str(diag, args, "cidr");
    json_t *nets = cidr != NULL ? section(doc, diag, CTL_DOC_NETWORKS, JSON_ARRAY) : NULL;
    if (nets == NULL) {
        return RL_EINVAL;
    }
    if (find_str(nets, cidr) >= 0) {
        return rl_diag_set(diag, "cidr", "client network %.100s is already listed", cidr);
    }
    json_array_append_new(nets, json_string(cidr));
    return 0;
}

static int
net_del(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *cidr = arg_str(diag, args, "cidr");
    json_t *nets = cidr != NULL ? section(doc, diag, CTL_DOC_NETWORKS, JSON_ARRAY) : NULL;
    if (nets == NULL) {
        return RL_EINVAL;
    }
    long at = find_str(nets, cidr);
    if (at < 0) {
        return rl_diag_set(diag, "cidr", "client network %.100s is not listed", cidr);
    }
    json_array_remove(nets, (size_t)at);
    return 0;
}

static int
policy_set(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    json_t *p = arg_of(diag, args, "policy", JSON_OBJECT);
    if (p == NULL) {
        return RL_EINVAL;
    }
    json_object_set(doc, CTL_DOC_POLICY, p);
    return 0;
}

/* lexicons returns the policy's lexicon array, creating a minimal policy
 * (every key but version is optional, docs/POLICY.md) and the array. */
static json_t *
lexicons(json_t *doc, struct rl_diag *diag)
{
    json_t *p = json_object_get(doc, CTL_DOC_POLICY);
    if (p == NULL) {
        p = json_pack("{s:s}", "version", "controld");
        json_object_set_new(doc, CTL_DOC_POLICY, p);
    }
    if (!json_is_object(p)) {
        rl_diag_set(diag, CTL_DOC_POLICY, "must be an object");
        return NULL;
    }
    json_t *l = json_object_get(p, "lexicons");
    if (l == NULL) {
        l = json_array();
        json_object_set_new(p, "lexicons", l);
    }
    if (!json_is_array(l)) {
        rl_diag_set(diag, "policy.lexicons", "must be an array");
        return NULL;
    }
    return l;
}

static long
find_named(json_t *a, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int
lexicon_put(json_t *doc, struct rl_diag *diag, json_t *args, bool add)
{
    json_t *lex = arg_of(diag, args, "lexicon", JSON_OBJECT);
    const char *name = lex != NULL ? json_string_value(json_object_get(lex, "name")) : NULL;
    if (lex != NULL && (name == NULL || name[0] == '\0')) {
        return rl_diag_set(diag, "lexicon.name", "is required (a non-empty string)");
    }
    json_t *l = name != NULL ? lexicons(doc, diag) : NULL;
    if (l == NULL) {
        return RL_EINVAL;
    }
    long at = find_named(l, name);
    if (add && at >= 0) {
        return rl_diag_set(diag, "lexicon.name", "lexicon '%.100s' exists: use lexicon set", name);
    }
    if (!add && at < 0) {
        return rl_diag_set(diag, "lexicon.name", "no lexicon named '%.100s': use lexicon add",
                           name);
    }
    if (add) {
        json_array_append(l, lex);
    } else {
        json_array_set(l, (size_t)at, lex);
    }
    return 0;
}

static int
lexicon_add(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return lexicon_put(doc, diag, args, true);
}

static int
lexicon_set(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    return lexicon_put(doc, diag, args, false);
}

static int
lexicon_del(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *name = arg_str(diag, args, "name");
    json_t *l = name != NULL ? lexicons(doc, diag) : NULL;
    if (l == NULL) {
        return RL_EINVAL;
    }
    long at = find_named(l, name);
    if (at < 0) {
        return rl_diag_set(diag, "name", "no lexicon named '%.100s'", name);
    }
    json_array_remove(l, (size_t)at);
    return 0;
}

static int
license_install(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    const char *text = arg_str(diag, args, "text");
    if (text == NULL) {
        return RL_EINVAL;
    }
    json_object_set_new(doc, CTL_DOC_LICENSE, json_string(text));
    return 0;
}

/* replace_all makes `doc` a copy of `with`, keeping doc's licence: a
 * rollback or an import changes the configuration, not the licence. */
static void
replace_all(json_t *doc, json_t *with)
{
    json_t *lic = json_incref(json_object_get(doc, CTL_DOC_LICENSE));
    json_object_clear(doc);
    json_object_update(doc, with);
    if (lic != NULL) {
        json_object_set_new(doc, CTL_DOC_LICENSE, lic);
    } else {
        json_object_del(doc, CTL_DOC_LICENSE);
    }
}

static int
config_import(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    (void)prev;
    json_t *with = arg_of(diag, args, "doc", JSON_OBJECT);
    if (with == NULL) {
        return RL_EINVAL;
    }
    json_t *lic = json_object_get(with, CTL_DOC_LICENSE);
    replace_all(doc, with);
    if (lic != NULL) { /* an export carries the licence: keep the one imported */
        json_object_set(doc, CTL_DOC_LICENSE, lic);
    }
    return 0;
}

static int
config_rollback(json_t *doc, struct rl_diag *diag, json_t *args, json_t *prev)
{
    if (!json_is_integer(json_object_get(args, "n"))) {
        return rl_diag_set(diag, "n", "is required (a version number)");
    }
    if (!json_is_object(prev)) {
        return rl_diag_set(diag, "n", "no such version");
    }
    replace_all(doc, prev);
    return 0;
}

static const struct edit edits[] = {
    {"route.add", route_add},         {"route.set", route_set},
    {"route.del", route_del},         {"mta-group.add", group_add},
    {"mta-group.set", group_set},     {"mta-group.del", group_del},
    {"tls-profile.add", profile_add}, {"tls-profile.set", profile_set},
    {"tls-profile.del", profile_del}, {"client-network.add", net_add},
    {"client-network.del", net_del},  {"policy.set", policy_set},
    {"lexicon.add", lexicon_add},     {"lexicon.set", lexicon_set},
    {"lexicon.del", lexicon_del},     {"license.install", license_install},
    {"config.import", config_import}, {"config.rollback", config_rollback},
};

bool
ctl_model_is_edit(const char *cmd)
{
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        if (strcmp(cmd, edits[i].cmd) == 0) {
            return true;
        }
    }
    return false;
}

int
ctl_model_apply(json_t *doc, struct rl_diag *diag, const char *cmd, json_t *args, json_t *prev)
{
    if (!json_is_object(args)) {
        return rl_diag_set(diag, "args", "must be an object");
    }
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        if (strcmp(cmd, edits[i].cmd) == 0) {
            return edits[i].fn(doc, diag, args, prev);
        }
    }
    rl_diag_set(diag, "cmd", "unknown command '%.60s'", cmd);
    return RL_ENOENT;
}

/* Reads. */

static json_t *
copy_or(json_t *v, json_t *empty)
{
    if (v == NULL) {
        return empty;
    }
    json_decref(empty);
    return json_deep_copy(v);
}

static json_t *
show_named(json_t *obj, struct rl_diag *diag, const char *noun, json_t *args)
{
    const char *name = arg_str(diag, args, "name");
    json_t *v = name != NULL ? json_object_get(obj, name) : NULL;
    if (name != NULL && v == NULL) {
        rl_diag_set(diag, "name", "no %s named '%.100s'", noun, name);
    }
    return v != NULL ? json_pack("{s:s, s:O}", "name", name, "value", v) : NULL;
}

json_t *
ctl_model_read(json_t *doc, struct rl_diag *diag, const char *cmd, json_t *args)
{
    json_t *routes = json_object_get(doc, CTL_DOC_ROUTES);
    json_t *groups = json_object_get(doc, CTL_DOC_GROUPS);
    json_t *profiles = json_object_get(doc, CTL_DOC_PROFILES);
    json_t *policy = json_object_get(doc, CTL_DOC_POLICY);
    if (strcmp(cmd, "route.list") == 0) {
        return json_pack("{s:o}", "routes", copy_or(routes, json_array()));
    }
    if (strcmp(cmd, "route.show") == 0) {
        const char *domain = arg_str(diag, args, "domain");
        long at = domain != NULL && routes != NULL ? find_route(routes, domain) : -1;
        if (domain != NULL && at < 0) {
            rl_diag_set(diag, "domain", "no route for '%.100s'", domain);
        }
        return at >= 0 ? json_pack("{s:O}", "route", json_array_get(routes, (size_t)at)) : NULL;
    }
    if (strcmp(cmd, "mta-group.list") == 0) {
        return json_pack("{s:o}", "mta_groups", copy_or(groups, json_object()));
    }
    if (strcmp(cmd, "mta-group.show") == 0) {
        return show_named(groups, diag, "mta-group", args);
    }
    if (strcmp(cmd, "tls-profile.list") == 0) {
        return json_pack("{s:o}", "tls_profiles", copy_or(profiles, json_object()));
    }
    if (strcmp(cmd, "tls-profile.show") == 0) {
        return show_named(profiles, diag, "tls-profile", args);
    }
    if (strcmp(cmd, "client-network.list") == 0) {
        return json_pack("{s:o}", "client_networks",
                         copy_or(json_object_get(doc, CTL_DOC_NETWORKS), json_array()));
    }
    if (strcmp(cmd, "policy.show") == 0) {
        return json_pack("{s:o}", "policy", copy_or(policy, json_null()));
    }
    json_t *lex = json_object_get(policy, "lexicons");
    if (strcmp(cmd, "lexicon.list") == 0) {
        return json_pack("{s:o}", "lexicons", copy_or(lex, json_array()));
    }
    if (strcmp(cmd, "lexicon.show") == 0) {
        const char *name = arg_str(diag, args, "name");
        long at = name != NULL && lex != NULL ? find_named(lex, name) : -1;
        if (name != NULL && at < 0) {
            rl_diag_set(diag, "name", "no lexicon named '%.100s'", name);
        }
        return at >= 0 ? json_pack("{s:O}", "lexicon", json_array_get(lex, (size_t)at)) : NULL;
    }
    rl_diag_set(diag, "cmd", "unknown command '%.60s'", cmd);
    return NULL;
}

/* Differences. */

static void diff_into(json_t *out, char *path, size_t plen, size_t cap, json_t *a, json_t *b);

static void
diff_entry(json_t *out, const char *path, const char *op, json_t *a, json_t *b)
{
    json_t *e = json_pack("{s:s, s:s}", "path", path[0] ? path : "(document)", "op", op);
    if (a != NULL) {
        json_object_set(e, "old", a);
    }
    if (b != NULL) {
        json_object_set(e, "new", b);
    }
    json_array_append_new(out, e);
}

/* child appends ".key" or "[i]" to `path` (length plen) and recurses. */
static void
child(json_t *out, char *path, size_t plen, size_t cap, const char *key, long index, json_t *a,
      json_t *b)
{
    int n = key != NULL ? snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", key)
                        : snprintf(path + plen, cap - plen, "[%ld]", index);
    size_t np = n > 0 && plen + (size_t)n < cap ? plen + (size_t)n : cap - 1;
    if (a == NULL) {
        diff_entry(out, path, "added", NULL, b);
    } else if (b == NULL) {
        diff_entry(out, path, "removed", a, NULL);
    } else {
        diff_into(out, path, np, cap, a, b);
    }
    path[plen] = '\0';
}

static void
diff_into(json_t *out, char *path, size_t plen, size_t cap, json_t *a, json_t *b)
{
    if (json_equal(a, b)) {
        return;
    }
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v)
        {
            child(out, path, plen, cap, k, 0, v, json_object_get(b, k));
        }
        json_object_foreach(b, k, v)
        {
            if (json_object_get(a, k) == NULL) {
                child(out, path, plen, cap, k, 0, NULL, v);
            }
        }
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < (na > nb ? na : nb); i++) {
            child(out, path, plen, cap, NULL, (long)i, json_array_get(a, i), json_array_get(b, i));
        }
        return;
    }
    diff_entry(out, path, "changed", a, b);
}

json_t *
ctl_model_diff(json_t *a, json_t *b)
{
    json_t *out = json_array();
    char path[512] = "";
    if (out != NULL) {
        diff_into(out, path, 0, sizeof(path), a, b);
    }
    return out;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* TLS profiles from JSON: strict (unknown keys, keys of the other role and
 * duplicates refused), every refusal naming its field path under
 * "tls_profiles". Syntax only; contexts check files and cipher lists. Pure
 * functions on caller memory: any thread. */
#include "tls_profile.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal.h"

#define FIELD_MAX 160

/* Defaults chosen in tls/README.md "Defaults": forward secrecy and AEAD only
 * below TLS 1.3 (Mozilla "intermediate"), AES-128-GCM first because it is
 * the cheapest AEAD with AES-NI. */
#define DEFAULT_CIPHERS                                                                            \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                                   \
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
#define DEFAULT_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define DEFAULT_GROUPS "X25519:P-256:P-384"

void
tls_profile_defaults(struct tls_profile *out_p, enum tls_role role)
{
    memset(out_p, 0, sizeof(*out_p));
    out_p->role = role;
    out_p->min_version = TLS1_2_VERSION;
    snprintf(out_p->ciphers, sizeof(out_p->ciphers), "%s", DEFAULT_CIPHERS);
    snprintf(out_p->ciphersuites, sizeof(out_p->ciphersuites), "%s", DEFAULT_SUITES);
    snprintf(out_p->groups, sizeof(out_p->groups), "%s", DEFAULT_GROUPS);
    out_p->ticket_rotate_s = 3600;
    out_p->ticket_keys = 3;
    out_p->mode = TLS_MODE_OPPORTUNISTIC;
    out_p->verify = TLS_VERIFY_NONE;
}

static const struct {
    const char *name;
    int version;
} versions[] = {
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
};

const char *
tls_version_name(int version)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (versions[i].version == version) {
            return versions[i].name;
        }
    }
    return "";
}

/* One profile being read: where its diagnostics point. */
struct load {
    struct tls_profile *p;
    struct rl_diag *diag;
    char where[FIELD_MAX]; /* "tls_profiles.NAME" */
};

static int
refuse(struct load *l, const char *key, const char *why)
{
    char field[FIELD_MAX + 32];
    snprintf(field, sizeof(field), "%s.%s", l->where, key);
    return rl_diag_set(l->diag, field, "%s", why);
}

/* printable_copy copies the JSON string `v` into `dst` when it is printable
 * ASCII without spaces and fits. */
static int
printable_copy(struct load *l, const char *key, json_t *v, char *dst, size_t cap, bool allow_empty)
{
    if (!json_is_string(v)) {
        return refuse(l, key, "must be a string");
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap) {
        char why[64];
        snprintf(why, sizeof(why), "is longer than %zu octets", cap - 1);
        return refuse(l, key, why);
    }
    if (n == 0 && !allow_empty) {
        return refuse(l, key, "must not be empty");
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return refuse(l, key, "must be printable ASCII without spaces");
        }
    }
    memcpy(dst, s, n + 1);
    return 0;
}

static int
set_path(struct load *l, const char *key, json_t *v, char *dst)
{
    if (!json_is_string(v)) {
        return refuse(l, key, "must be a string");
    }
    size_t n = json_string_length(v);
    if (n == 0 || n >= TLS_PATH_MAX || memchr(json_string_value(v), '\0', n) != NULL) {
        return refuse(l, key, "must be a file path of 1 to 4095 octets");
    }
    memcpy(dst, json_string_value(v), n + 1);
    return 0;
}

static int
set_version(struct load *l, const char *key, json_t *v, int *dst)
{
    const char *s = json_string_value(v);
    for (size_t i = 0; s != NULL && i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (strcmp(s, versions[i].name) == 0) {
            *dst = versions[i].version;
            return 0;
        }
    }
    return refuse(l, key, "must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
}

/* set_choice maps the string `v` to the index of its name in the
 * NULL-terminated `names`; `why` lists them for the diagnostic. */
static int
set_choice(struct load *l, const char *key, json_t *v, const char *const *names, const char *why,
           int *out)
{
    const char *s = json_string_value(v);
    for (int i = 0; s != NULL && names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return refuse(l, key, why);
}

static int
set_u32(struct load *l, const char *key, json_t *v, uint32_t lo, uint32_t hi, uint32_t *dst)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char why[64];
        snprintf(why, sizeof(why), "must be an integer from %u to %u", lo, hi);
        return refuse(l, key, why);
    }
    *dst = (uint32_t)json_integer_value(v);
    return 0;
}

/* RFC 6125 6.2.1: a reference identifier is a DNS name (A-labels as they
 * are), compared without case; it never holds a wildcard. */
static bool
ref_name_valid(const char *s, size_t n)
{
    size_t label = 0;
    if (n == 0 || n > TLS_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ldh = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        if (ch == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
        } else if (!ldh || ++label > 63) {
            return false;
        }
    }
    return label > 0;
}

/* add_name stores the reference name `s` as entry `i`, in lower case. */
static bool
add_name(struct tls_profile *p, uint32_t i, const char *s, size_t n)
{
    if (!ref_name_valid(s, n)) {
        return false;
    }
    for (size_t j = 0; j <= n; j++) {
        p->names[i][j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] - 'A' + 'a' : s[j]);
    }
    return true;
}

/* parse_pin reads 64 hex digits, optionally as colon-separated pairs. */
static bool
parse_pin(uint8_t out[TLS_PIN_LEN], const char *s, size_t n)
{
    size_t len = 0;
    char sep = n == TLS_PIN_LEN * 3 - 1 ? ':' : '\0';
    if (n != TLS_PIN_LEN * 2 && sep == '\0') {
        return false;
    }
    bool ok = OPENSSL_hexstr2buf_ex(out, TLS_PIN_LEN, &len, s, sep) == 1 && len == TLS_PIN_LEN;
    ERR_clear_error();
    return ok;
}

static bool
add_pin(struct tls_profile *p, uint32_t i, const char *s, size_t n)
{
    return parse_pin(p->pins[i], s, n);
}

typedef bool (*item_fn)(struct tls_profile *p, uint32_t i, const char *s, size_t n);

/* set_list replaces a list of at most `max` strings, each stored by `item`
 * (false: refused with `why`), and counts them in *count. */
static int
set_list(struct load *l, const char *key, json_t *v, uint32_t max, uint32_t *count, item_fn item,
         const char *what, const char *why)
{
    size_t i;
    json_t *e;
    if (!json_is_array(v) || json_array_size(v) > max) {
        char w[96];
        snprintf(w, sizeof(w), "must be an array of at most %u %s", max, what);
        return refuse(l, key, w);
    }
    *count = 0;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        if (s == NULL || !item(l->p, *count, s, json_string_length(e))) {
            char k[32];
            snprintf(k, sizeof(k), "%s[%zu]", key, i);
            return refuse(l, k, why);
        }
        (*count)++;
    }
    return 0;
}

enum {
    R_SERVER = 1 << TLS_ROLE_SERVER,
    R_CLIENT = 1 << TLS_ROLE_CLIENT,
};

static int
apply_key(struct load *l, const char *key, json_t *v)
{
    static const char *const modes[] = {"none", "opportunistic", "mandatory", NULL};
    static const char *const verifies[] = {"none", "ca", "fingerprint", NULL};
    static const char *const client_certs[] = {"none", "request", "require", NULL};
    struct tls_profile *p = l->p;
    int choice = 0;
    int rc;
    if (strcmp(key, "min_version") == 0) {
        return set_version(l, key, v, &p->min_version);
    }
    if (strcmp(key, "max_version") == 0) {
        return set_version(l, key, v, &p->max_version);
    }
    if (strcmp(key, "ciphers") == 0) {
        return printable_copy(l, key, v, p->ciphers, sizeof(p->ciphers), false);
    }
    if (strcmp(key, "ciphersuites") == 0) {
        return printable_copy(l, key, v, p->ciphersuites, sizeof(p->ciphersuites), false);
    }
    if (strcmp(key, "groups") == 0) {
        return printable_copy(l, key, v, p->groups, sizeof(p->groups), false);
    }
    if (strcmp(key, "ca_file") == 0) {
        return set_path(l, key, v, p->ca_file);
    }
    if (strcmp(key, "cert") == 0) {
        return set_path(l, key, v, p->cert_file);
    }
    if (strcmp(key, "key") == 0) {
        return set_path(l, key, v, p->key_file);
    }
    if (strcmp(key, "cert2") == 0) {
        return set_path(l, key, v, p->cert2_file);
    }
    if (strcmp(key, "key2") == 0) {
        return set_path(l, key, v, p->key2_file);
    }
    if (strcmp(key, "ticket_rotate_seconds") == 0) {
        return set_u32(l, key, v, 0, 7 * 86400, &p->ticket_rotate_s);
    }
    if (strcmp(key, "ticket_keys") == 0) {
        return set_u32(l, key, v, 1, TLS_TICKET_KEYS_MAX, &p->ticket_keys);
    }
    if (strcmp(key, "client_cert") == 0) {
        rc = set_choice(l, key, v, client_certs, "must be none, request or require", &choice);
        p->client_cert = (enum tls_client_cert)choice;
        return rc;
    }
    if (strcmp(key, "mode") == 0) {
        rc = set_choice(l, key, v, modes, "must be none, opportunistic or mandatory", &choice);
        p->mode = (enum tls_mode)choice;
        return rc;
    }
    if (strcmp(key, "verify") == 0) {
        rc = set_choice(l, key, v, verifies, "must be none, ca or fingerprint", &choice);
        p->verify = (enum tls_verify)choice;
        return rc;
    }
    if (strcmp(key, "names") == 0) {
        return set_list(l, key, v, TLS_MAX_NAMES, &p->n_names, add_name, "DNS names",
                        "must be a DNS name (letters, digits, '-', dots; A-labels for IDNs; "
                        "no wildcard, no spaces)");
    }
    /* "fingerprints": the only key left in `keys` */
    return set_list(l, key, v, TLS_MAX_PINS, &p->n_pins, add_pin, "SHA-256 digests",
                    "must be a SHA-256 digest: 64 hex digits, colons allowed");
}

static const struct {
    const char *key;
    unsigned roles;
} keys[] = {
    {"role", R_SERVER | R_CLIENT},
    {"min_version", R_SERVER | R_CLIENT},
    {"max_version", R_SERVER | R_CLIENT},
    {"ciphers", R_SERVER | R_CLIENT},
    {"ciphersuites", R_SERVER | R_CLIENT},
    {"groups", R_SERVER | R_CLIENT},
    {"ca_file", R_SERVER | R_CLIENT},
    {"cert", R_SERVER},
    {"key", R_SERVER},
    {"cert2", R_SERVER},
    {"key2", R_SERVER},
    {"client_cert", R_SERVER},
    {"ticket_rotate_seconds", R_SERVER},
    {"ticket_keys", R_SERVER},
    {"mode", R_CLIENT},
    {"verify", R_CLIENT},
    {"names", R_CLIENT},
    {"fingerprints", R_CLIENT},
};

static int
check_key(struct load *l, const char *key)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].key, key) == 0) {
            return (keys[i].roles & (1u << l->p->role)) != 0
                       ? 0
                       : refuse(l, key,
                                l->p->role == TLS_ROLE_SERVER ? "is a client profile key"
                                                              : "is a server profile key");
        }
    }
    return refuse(l, key, "unknown key");
}

/* check_whole refuses combinations that each key alone cannot see. */
static int
check_whole(struct load *l, json_t *obj)
{
    const struct tls_profile *p = l->p;
    if (p->max_version != 0 && p->max_version < p->min_version) {
        return refuse(l, "max_version", "is below min_version");
    }
    if (p->role == TLS_ROLE_SERVER) {
        if (p->cert_file[0] == '\0') {
            return refuse(l, "cert", "is required in a server profile");
        }
        if (p->key_file[0] == '\0') {
            return refuse(l, "key", "is required in a server profile");
        }
        if ((p->cert2_file[0] == '\0') != (p->key2_file[0] == '\0')) {
            return refuse(l, p->cert2_file[0] == '\0' ? "cert2" : "key2",
                          "cert2 and key2 go together");
        }
        if (p->client_cert == TLS_CLIENT_CERT_REQUIRE && p->ca_file[0] == '\0') {
            return refuse(l, "ca_file", "is required with client_cert require");
        }
        return 0;
    }
    if (p->verify == TLS_VERIFY_PIN && p->n_pins == 0) {
        return refuse(l, "fingerprints", "must list at least one digest with verify fingerprint");
    }
    if (p->verify != TLS_VERIFY_PIN && json_object_get(obj, "fingerprints") != NULL) {
        return refuse(l, "fingerprints", "are only used with verify fingerprint");
    }
    if (p->verify != TLS_VERIFY_CA && json_object_get(obj, "names") != NULL) {
        return refuse(l, "names", "are only checked with verify ca");
    }
    if (p->verify != TLS_VERIFY_CA && json_object_get(obj, "ca_file") != NULL) {
        return refuse(l, "ca_file", "is only used with verify ca");
    }
    return 0;
}

static bool
profile_name_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '.') {
            return false;
        }
    }
    return n > 0 && n < sizeof(((struct tls_profile *)NULL)->name);
}

static int
load_profile(struct tls_profile *p, struct rl_diag *diag, const char *name, json_t *obj)
{
    static const char *const roles[] = {"server", "client", NULL};
    struct load l = {.p = p, .diag = diag};
    const char *key;
    json_t *v;
    snprintf(l.where, sizeof(l.where), "tls_profiles.%.64s", name);
    if (!profile_name_valid(name)) {
        return rl_diag_set(diag, l.where,
                           "a profile name is 1 to 63 printable characters without spaces or dots");
    }
    if (!json_is_object(obj)) {
        return rl_diag_set(diag, l.where, "must be an object");
    }
    json_t *role = json_object_get(obj, "role");
    if (role == NULL) {
        return refuse(&l, "role", "is required (server or client)");
    }
    int r = 0;
    int rc = set_choice(&l, "role", role, roles, "must be server or client", &r);
    if (rc != 0) {
        return rc;
    }
    tls_profile_defaults(p, (enum tls_role)r);
    snprintf(p->name, sizeof(p->name), "%s", name);
    json_object_foreach(obj, key, v)
    {
        rc = check_key(&l, key);
        if (rc == 0 && strcmp(key, "role") != 0) {
            rc = apply_key(&l, key, v);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return check_whole(&l, obj);
}

int
tls_profiles_from_json(struct tls_profiles *out_set, struct rl_diag *diag, json_t *obj)
{
    const char *name;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(diag, "tls_profiles", "must be an object of named profiles");
    }
    if (json_object_size(obj) > TLS_MAX_PROFILES) {
        return rl_diag_set(diag, "tls_profiles", "holds more than %d profiles", TLS_MAX_PROFILES);
    }
    out_set->n = 0;
    json_object_foreach(obj, name, v)
    {
        int rc = load_profile(&out_set->p[out_set->n], diag, name, v);
        if (rc != 0) {
            return rc;
        }
        out_set->n++;
    }
    return 0;
}

int
tls_profiles_load_json(struct tls_profiles *out_set, struct rl_diag *diag, const char *json,
                       size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char field[FIELD_MAX];
        snprintf(field, sizeof(field), "line %d column %d", jerr.line, jerr.column);
        rl_diag_set(diag, field, "%s", jerr.text);
        return RL_ESYNTAX;
    }
    int rc = tls_profiles_from_json(out_set, diag, root);
    json_decref(root);
    return rc;
}

const struct tls_profile *
tls_profiles_find(const struct tls_profiles *set, const char *name)
{
    for (uint32_t i = 0; i < set->n; i++) {
        if (strcmp(set->p[i].name, name) == 0) {
            return &set->p[i];
        }
    }
    return NULL;
}

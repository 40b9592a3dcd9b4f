/* SPDX-License-Identifier: Apache-2.0 */
/* Building and freeing runtime snapshots: the runtime settings checked and
 * copied, the policy read and compiled, its engine serialised, the TLS
 * contexts of every worker built. Part of the configuration library that
 * redlined and redline-controld link; reads files and compiles, so it runs
 * on the main or control thread, never on a worker core. */
#include "dp_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan_engine.h"
#include "scan_message.h"

static void
part_ref(uint32_t *refs)
{
    __atomic_add_fetch(refs, 1, __ATOMIC_RELAXED);
}

/* part_unref drops one reference; true when it was the last. */
static bool
part_unref(uint32_t *refs)
{
    return __atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL) == 0;
}

static void
tls_part_free(struct dp_snap_tls *t)
{
    if (t == NULL || !part_unref(&t->refs)) {
        return;
    }
    for (unsigned i = 0; i < DP_MAX_WORKERS; i++) {
        tls_server_free(t->server[i]);
        for (unsigned k = 0; k <= TLS_MAX_PROFILES; k++) {
            tls_client_free(t->client[i][k]);
        }
    }
    explicit_bzero(t->secret, sizeof(t->secret));
    free(t);
}

static void
scanner_free(struct dp_scanner *sc)
{
    if (sc == NULL) {
        return;
    }
    scan_message_free(sc->sm_whole);
    scan_message_free(sc->sm);
    scan_worker_free(sc->sw);
    scan_engine_free(sc->engine);
    free(sc);
}

static void
scan_part_free(struct dp_snap_scan *p)
{
    if (p == NULL || !part_unref(&p->refs)) {
        return;
    }
    for (unsigned i = 0; i < p->n_scanners; i++) {
        scanner_free(p->scanner[i]);
    }
    scan_policy_free(p->policy);
    free(p->engine_blob);
    free(p);
}

/* tls_same tells whether the TLS settings of two runtimes are equal. */
static bool
tls_same(const struct dp_runtime *a, const struct dp_runtime *b)
{
    return strcmp(a->tls_cert, b->tls_cert) == 0 && strcmp(a->tls_key, b->tls_key) == 0 &&
           strcmp(a->tls_profile, b->tls_profile) == 0 &&
           memcmp(&a->tls_profiles, &b->tls_profiles, sizeof(a->tls_profiles)) == 0;
}

/* config_field names the configuration's field for a refusal of the library,
 * which names the profile's: the pair of tls.cert/tls.key is the built-in
 * profile "inbound", whose fields the file calls tls.cert and tls.key. */
static void
config_field(const struct dp_runtime *rt, struct rl_diag *diag)
{
    if (rt->tls_profile[0] != '\0' || strncmp(diag->field, "tls_profiles.inbound.", 21) != 0) {
        return;
    }
    const char *dot = strrchr(diag->field, '.');
    const char *field = strcmp(dot, ".key") == 0    ? "tls.key"
                        : strcmp(dot, ".cert") == 0 ? "tls.cert"
                                                    : "tls";
    memmove(diag->field, field, strlen(field) + 1);
}

/* server_new builds a listener's STARTTLS context (dp_config_tls_inbound).
 * Returns 0, RL_ENOENT when STARTTLS is off, or the library's refusal. */
static int
server_new(struct tls_server **out, struct rl_diag *diag, const struct dp_runtime *rt,
           const uint8_t *secret)
{
    struct tls_profile p;
    if (!dp_config_tls_inbound(rt, &p)) {
        return RL_ENOENT;
    }
    int rc = tls_server_new(out, diag, &p, secret, (uint64_t)time(NULL));
    if (rc != 0) {
        config_field(rt, diag);
    }
    return rc;
}

static int
build_tls(struct dp_snap_tls **out, struct rl_diag *diag, const struct dp_runtime *rt,
          unsigned n_workers, const uint8_t *secret)
{
    struct dp_snap_tls *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return RL_ENOMEM;
    }
    t->refs = 1;
    t->n_workers = n_workers;
    memcpy(t->secret, secret, sizeof(t->secret));
    struct tls_profile def;
    tls_profile_defaults(&def, TLS_ROLE_CLIENT);
    snprintf(def.name, sizeof(def.name), "default");
    int rc = 0;
    for (unsigned i = 0; i < n_workers && rc == 0; i++) {
        rc = server_new(&t->server[i], diag, rt, t->secret);
        if (rc == RL_ENOENT) {
            rc = 0; /* no STARTTLS on the listener */
        }
        for (uint32_t k = 0; k < rt->tls_profiles.n && rc == 0; k++) {
            if (rt->tls_profiles.p[k].role == TLS_ROLE_CLIENT) {
                rc = tls_client_new(&t->client[i][k], diag, &rt->tls_profiles.p[k]);
            }
        }
        if (rc == 0) {
            rc = tls_client_new(&t->client[i][TLS_MAX_PROFILES], diag, &def);
        }
    }
    if (rc != 0) {
        tls_part_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int
build_scan(struct dp_snap_scan **out, struct rl_diag *diag, const struct dp_runtime *rt)
{
    struct dp_snap_scan *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return RL_ENOMEM;
    }
    p->refs = 1;
    struct rl_diag pd = {{0}, {0}};
    int rc;
    if (rt->policy_path[0] != '\0') {
        rc = scan_policy_load(&p->policy, &pd, rt->policy_path);
    } else {
        const char *def = scan_policy_default_json();
        rc = scan_policy_parse(&p->policy, &pd, def, strlen(def));
    }
    struct scan_engine *engine = NULL;
    if (rc == 0) {
        rc = scan_engine_compile(&engine, &pd, p->policy);
    }
    if (rc == 0) {
        rc = scan_engine_serialize(engine, &p->engine_blob, &p->engine_len);
        if (rc != 0) {
            rl_diag_set(&pd, "", "cannot serialise the compiled policy: %s", rl_strerror(rc));
        }
    }
    scan_engine_free(engine);
    if (rc != 0) {
        /* The policy's own field, inside the configuration's "policy". */
        snprintf(diag->field, sizeof(diag->field), "policy%s%.50s", pd.field[0] ? " " : "",
                 pd.field);
        snprintf(diag->reason, sizeof(diag->reason), "%s", pd.reason);
        scan_part_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* build_scanners gives each of `n_workers` workers its scanner of `p`. */
static int
build_scanners(struct dp_snap_scan *p, struct rl_diag *diag, unsigned n_workers)
{
    for (unsigned i = p->n_scanners; i < n_workers; i++) {
        struct dp_scanner *sc = calloc(1, sizeof(*sc));
        if (sc == NULL) {
            return RL_ENOMEM;
        }
        p->scanner[p->n_scanners++] = sc;
        if (scan_engine_deserialize(&sc->engine, p->policy, p->engine_blob, p->engine_len) != 0) {
            return rl_diag_set(diag, "policy", "the compiled engine does not load");
        }
        if ((sc->sw = scan_worker_new(sc->engine)) == NULL ||
            (sc->sm = scan_message_new(sc->sw, sc->engine)) == NULL ||
            (sc->sm_whole = scan_message_new(sc->sw, sc->engine)) == NULL) {
            rl_diag_set(diag, "policy", "cannot set a worker's scanner up (memory, libmagic)");
            return RL_ENOMEM;
        }
    }
    return 0;
}

static const struct dp_snap_scan *
prev_scan(const struct dp_snapshot *prev)
{
    return prev != NULL ? prev->scan : NULL;
}

/* build is dp_snapshot_build with, when `given` is not NULL, that policy
 * part (taken, even on failure) instead of one read and compiled. */
static int
build(struct dp_snapshot **out_snap, struct rl_diag *diag, const struct dp_runtime *rt,
      unsigned n_workers, const uint8_t *secret, const struct dp_snapshot *prev, unsigned keep,
      struct dp_snap_scan *given)
{
    *out_snap = NULL;
    if (n_workers == 0 || n_workers > DP_MAX_WORKERS || (secret == NULL && prev == NULL)) {
        scan_part_free(given);
        return rl_diag_set(diag, "workers", "must be 1 to %d, with a ticket secret",
                           DP_MAX_WORKERS);
    }
    int rc = dp_runtime_check(rt, diag);
    struct dp_snapshot *s = rc == 0 ? calloc(1, sizeof(*s)) : NULL;
    if (s == NULL) {
        scan_part_free(given);
        return rc != 0 ? rc : RL_ENOMEM;
    }
    s->n_workers = n_workers;
    s->rt = *rt;
    if (given != NULL) {
        s->scan = given;
    } else if (prev != NULL && (keep & DP_SNAP_KEEP_POLICY) &&
               strcmp(prev->rt.policy_path, rt->policy_path) == 0 &&
               prev->scan->n_scanners >= n_workers) {
        part_ref(&prev->scan->refs);
        s->scan = prev->scan; /* its workers' scanners too: nothing to take over */
    } else {
        rc = build_scan(&s->scan, diag, rt);
    }
    if (rc == 0 && s->scan != prev_scan(prev)) {
        rc = build_scanners(s->scan, diag, n_workers);
    }
    if (rc == 0 && prev != NULL && (keep & DP_SNAP_KEEP_TLS) && tls_same(&prev->rt, rt) &&
        prev->n_workers == n_workers) {
        part_ref(&prev->tls->refs);
        s->tls = prev->tls;
    } else if (rc == 0) {
        rc = build_tls(&s->tls, diag, rt, n_workers, secret != NULL ? secret : prev->tls->secret);
    }
    if (rc != 0) {
        dp_snapshot_free(s);
        return rc;
    }
    *out_snap = s;
    return 0;
}

int
dp_snapshot_build(struct dp_snapshot **out_snap, struct rl_diag *diag, const struct dp_runtime *rt,
                  unsigned n_workers, const uint8_t *secret, const struct dp_snapshot *prev,
                  unsigned keep)
{
    return build(out_snap, diag, rt, n_workers, secret, prev, keep, NULL);
}

int
dp_snapshot_build_engine(struct dp_snapshot **out_snap, struct rl_diag *diag,
                         const struct dp_runtime *rt, unsigned n_workers, const uint8_t *secret,
                         const struct dp_snapshot *prev, unsigned keep, struct scan_policy *policy,
                         uint8_t *engine_blob, size_t engine_len)
{
    struct dp_snap_scan *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        *out_snap = NULL;
        scan_policy_free(policy);
        free(engine_blob);
        return RL_ENOMEM;
    }
    p->refs = 1;
    p->policy = policy;
    p->engine_blob = engine_blob;
    p->engine_len = engine_len;
    return build(out_snap, diag, rt, n_workers, secret, prev, keep, p);
}

void
dp_snapshot_free(struct dp_snapshot *s)
{
    if (s == NULL) {
        return;
    }
    tls_part_free(s->tls);
    scan_part_free(s->scan);
    free(s);
}

void
dp_snap_scan_ref(struct dp_snap_scan *p)
{
    part_ref(&p->refs);
}

void
dp_snap_scan_unref(struct dp_snap_scan *p)
{
    scan_part_free(p);
}

const char *
dp_snapshot_profile_name(const struct dp_snapshot *s, int tls)
{
    return tls == DP_TLS_DEFAULT ? DP_SNAP_DEFAULT_PROFILE : s->rt.tls_profiles.p[tls].name;
}

struct tls_client *
dp_snapshot_client(const struct dp_snapshot *s, unsigned worker, int tls)
{
    return s->tls->client[worker][tls == DP_TLS_DEFAULT ? TLS_MAX_PROFILES : tls];
}

uint64_t
dp_snapshot_profile_hash(const struct dp_snapshot *s, int tls)
{
    if (tls == DP_TLS_DEFAULT) {
        return 1;
    }
    /* FNV-1a over the profile as configured (it has no padding holes that
     * differ: profiles are built from zeroed memory). */
    const uint8_t *p = (const uint8_t *)&s->rt.tls_profiles.p[tls];
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < sizeof(s->rt.tls_profiles.p[tls]); i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h | 2; /* never the built-in's 1 */
}

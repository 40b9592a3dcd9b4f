/* SPDX-License-Identifier: Apache-2.0 */
/* STARTTLS contexts from the configuration and their reload: built on the
 * main thread (start-up, SIGHUP) or the control thread (`reload`), offered
 * to the workers, which swap them in themselves. Owns the reloader's own
 * context and its tracking ring's writes. */
#include "dp_tls.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dp_worker.h"

struct dp_tls_reload {
    pthread_mutex_t lock; /* SIGHUP and `reload` may come at once */
    const struct dp_config *cfg;
    struct tls_server *base; /* profile and ticket secret; never serves; NULL: STARTTLS off */
    struct dp_worker *const *workers;
    unsigned n_workers;
    struct dp_stats_proc *stats;
};

/* config_field names the configuration's field for a refusal of the library,
 * which names the profile's: the pair of tls.cert/tls.key is the built-in
 * profile "inbound", whose fields the file calls tls.cert and tls.key. */
static void
config_field(const struct dp_config *cfg, struct rl_diag *diag)
{
    if (diag == NULL || cfg->tls_profile[0] != '\0') {
        return;
    }
    const char *dot = strrchr(diag->field, '.');
    const char *field = dot != NULL && strcmp(dot, ".key") == 0    ? "tls.key"
                        : dot != NULL && strcmp(dot, ".cert") == 0 ? "tls.cert"
                                                                   : "tls";
    memmove(diag->field, field, strlen(field) + 1);
}

int
dp_tls_server_new(struct tls_server **out_srv, struct rl_diag *diag, const struct dp_config *cfg,
                  const uint8_t *secret)
{
    struct tls_profile p;
    if (!dp_config_tls_inbound(cfg, &p)) {
        return RL_ENOENT;
    }
    int rc = tls_server_new(out_srv, diag, &p, secret, (uint64_t)time(NULL));
    if (rc != 0) {
        config_field(cfg, diag);
    }
    return rc;
}

int
dp_tls_reload_new(struct dp_tls_reload **out_r, struct rl_diag *diag, const struct dp_config *cfg,
                  const uint8_t *secret, struct dp_worker *const *workers, unsigned n_workers,
                  struct dp_stats_proc *stats)
{
    struct dp_tls_reload *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return RL_ENOMEM;
    }
    int rc = dp_tls_server_new(&r->base, diag, cfg, secret);
    if (rc != 0 && rc != RL_ENOENT) {
        free(r);
        return rc;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->cfg = cfg;
    r->workers = workers;
    r->n_workers = n_workers;
    r->stats = stats;
    *out_r = r;
    return 0;
}

/* track writes the reload's tracking line: one per reload, ok or not. */
static void
track(struct dp_tls_reload *r, const char *trigger, long uid, const struct rl_diag *failed)
{
    json_t *line = json_pack("{s:s, s:b, s:s}", "action", "tls-reload", "ok", failed == NULL,
                             "trigger", trigger);
    if (line == NULL) {
        (void)dp_track_write_json(NULL); /* counted as lost */
        return;
    }
    if (uid >= 0) {
        json_object_set_new(line, "by_uid", json_integer(uid));
    }
    if (failed != NULL) {
        json_object_set_new(line, "field", json_string(failed->field));
        json_object_set_new(line, "error", json_string(failed->reason));
    } else {
        json_object_set_new(line, "workers", json_integer(r->n_workers));
    }
    (void)dp_track_write_json(line);
}

/* build makes one new context per worker from the reloader's own; all or
 * none. */
static int
build(struct dp_tls_reload *r, struct rl_diag *diag, struct tls_server **next)
{
    uint64_t now = (uint64_t)time(NULL);
    for (unsigned i = 0; i < r->n_workers; i++) {
        int rc = tls_server_reload(&next[i], diag, r->base, now);
        if (rc != 0) {
            config_field(r->cfg, diag);
            while (i > 0) {
                tls_server_free(next[--i]);
                next[i] = NULL;
            }
            return rc;
        }
    }
    return 0;
}

int
dp_tls_reload_run(struct dp_tls_reload *r, struct rl_diag *diag, const char *trigger, long uid)
{
    struct tls_server *next[DP_MAX_WORKERS] = {NULL};
    struct rl_diag local = {{0}, {0}};
    int rc = RL_ENOENT;
    pthread_mutex_lock(&r->lock);
    if (r->base == NULL) {
        rl_diag_set(&local, "tls", "STARTTLS is not configured: nothing to reload");
    } else {
        rc = build(r, &local, next);
    }
    if (rc == 0) {
        for (unsigned i = 0; i < r->n_workers; i++) {
            dp_worker_tls_offer(r->workers[i], next[i]);
        }
    }
    track(r, trigger, uid, rc == 0 ? NULL : &local);
    uint64_t *count = rc == 0 ? &r->stats->tls_reloads : &r->stats->tls_reload_failures;
    dp_stats_bump(count, 1);
    pthread_mutex_unlock(&r->lock);
    if (rc != 0 && diag != NULL) {
        *diag = local;
    }
    return rc;
}

void
dp_tls_reload_free(struct dp_tls_reload *r)
{
    if (r == NULL) {
        return;
    }
    tls_server_free(r->base);
    r->base = NULL;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

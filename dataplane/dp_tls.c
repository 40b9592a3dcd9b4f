/* SPDX-License-Identifier: Apache-2.0 */
/* Reloading the TLS contexts: a snapshot like the current one with its TLS
 * part built again from the files, published to the workers, which take it
 * on their next turn. Runs on the main thread (SIGHUP) or the control
 * thread (`reload`); owns the reloads' tracking ring's writes. */
#include "dp_tls.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct dp_tls_reload {
    pthread_mutex_t lock; /* SIGHUP and `reload` may come at once */
    struct dp_live *live;
    unsigned slot; /* pin slot holding the current snapshot while building */
    struct dp_stats_proc *stats;
};

int
dp_tls_reload_new(struct dp_tls_reload **out_r, struct dp_live *live, unsigned slot,
                  struct dp_stats_proc *stats)
{
    struct dp_tls_reload *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return RL_ENOMEM;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->live = live;
    r->slot = slot;
    r->stats = stats;
    *out_r = r;
    return 0;
}

/* track writes the reload's tracking line: one per reload, ok or not. */
static void
track(const char *trigger, long uid, const struct rl_diag *failed, unsigned workers)
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
        json_object_set_new(line, "workers", json_integer(workers));
    }
    (void)dp_track_write_json(line);
}

int
dp_tls_reload_run(struct dp_tls_reload *r, struct rl_diag *diag, const char *trigger, long uid)
{
    struct rl_diag local = {{0}, {0}};
    struct dp_snapshot *next = NULL;
    int rc = RL_ENOENT;
    pthread_mutex_lock(&r->lock);
    const struct dp_snapshot *cur = dp_live_hold(r->live, r->slot);
    unsigned workers = cur->n_workers;
    if (cur->tls->server[0] == NULL) {
        rl_diag_set(&local, "tls", "STARTTLS is not configured: nothing to reload");
    } else {
        /* The same settings, the files read again; the policy is kept. */
        rc = dp_snapshot_build(&next, &local, &cur->rt, cur->n_workers, NULL, cur,
                               DP_SNAP_KEEP_POLICY);
    }
    dp_live_unhold(r->live, r->slot);
    if (rc == 0) {
        dp_live_publish(r->live, next, NULL);
    }
    track(trigger, uid, rc == 0 ? NULL : &local, workers);
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
    pthread_mutex_destroy(&r->lock);
    free(r);
}

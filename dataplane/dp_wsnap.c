/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime snapshots one worker holds: the newest it has taken, and the
 * older ones transactions still run on. Taking a snapshot is a pointer swap:
 * its scanner for this worker (dp_scanner) and its TLS contexts were built
 * with it, off the workers. The oldest version held is the worker's pin
 * (dp_live.h). Called only on the worker's thread. */
#include <stdlib.h>
#include <time.h>

#include "dp_conn.h"

/* repin publishes the oldest version this worker still holds. */
static void
repin(struct dp_worker *w)
{
    uint64_t min = DP_LIVE_NO_PIN;
    for (unsigned i = 0; i < DP_HELD_MAX; i++) {
        const struct dp_snapshot *s = w->held[i].s;
        if (s != NULL && s->version < min) {
            min = s->version;
        }
    }
    dp_live_pin(w->live, w->id, min);
}

static void
held_release(struct dp_held *h)
{
    h->scan = NULL;
    h->s = NULL;
    h->users = 0;
}

bool
dp_wsnap_adopt(struct dp_worker *w)
{
    const struct dp_snapshot *s = dp_live_current(w->live);
    if (w->cur != NULL && w->cur->s == s) {
        return false;
    }
    struct dp_held *h = NULL;
    for (unsigned i = 0; i < DP_HELD_MAX && h == NULL; i++) {
        h = w->held[i].s == NULL ? &w->held[i] : NULL;
    }
    if (h == NULL || w->id >= s->scan->n_scanners) {
        /* Every slot pins a transaction: stay on the snapshot held and try
         * again next turn. */
        dp_stats_add(w->stats, DP_C_SNAP_DEFERRED, 1);
        return false;
    }
    h->s = s;
    h->scan = s->scan->scanner[w->id];
    h->users = 0;
    struct dp_held *old = w->cur;
    w->cur = h;
    if (old != NULL && old->users == 0) {
        held_release(old);
    }
    repin(w);
    dp_stats_add(w->stats, DP_C_SNAP_TAKEN, 1);
    dp_stats_set(w->stats, DP_C_SNAP_VERSION, s->version);
    dp_stats_set(w->stats, DP_C_CONFIG_VERSION, s->rt.config_version);
    if (s->published_ns != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        dp_stats_set(w->stats, DP_C_SNAP_LAG_US,
                     now > s->published_ns ? (now - s->published_ns) / 1000u : 0);
    }
    return true;
}

struct dp_held *
dp_wsnap_take(struct dp_worker *w)
{
    w->cur->users++;
    return w->cur;
}

void
dp_wsnap_put(struct dp_worker *w, struct dp_held *h)
{
    if (h == NULL || --h->users > 0 || h == w->cur) {
        return;
    }
    held_release(h);
    repin(w);
}

void
dp_wsnap_fini(struct dp_worker *w)
{
    for (unsigned i = 0; i < DP_HELD_MAX; i++) {
        if (w->held[i].s != NULL) {
            held_release(&w->held[i]);
        }
    }
    w->cur = NULL;
    if (w->live != NULL) {
        dp_live_pin(w->live, w->id, DP_LIVE_NO_PIN);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Publication and reclamation of runtime snapshots over urcu-qsbr. The
 * pointer itself is stored and loaded with C11 atomics (release / acquire:
 * rcu_assign_pointer and rcu_dereference compile to the same on x86-64, and
 * ThreadSanitizer understands these); liburcu provides the grace period.
 * Publishers and the reclaimer take one mutex; workers never do. */
#include "dp_live.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <urcu-qsbr.h>

struct dp_pin {
    _Alignas(64) uint64_t version; /* oldest version the slot's thread uses; atomic */
    void (*wake)(void *arg);       /* makes the slot's worker leave its poll; under `lock` */
    void *wake_arg;
};

struct dp_live {
    struct dp_snapshot *cur; /* atomic: release store, acquire load */
    pthread_mutex_t lock;    /* publishers, holds and the reclaimer */
    uint64_t last_version;
    struct dp_snapshot *retired; /* replaced, waiting for their pins to go */
    unsigned n_slots;
    struct dp_pin *pins;
};

int
dp_live_new(struct dp_live **out_live, struct dp_snapshot *first, unsigned n_slots)
{
    if (first == NULL || n_slots == 0) {
        dp_snapshot_free(first);
        return RL_EINVAL;
    }
    struct dp_live *live = calloc(1, sizeof(*live));
    struct dp_pin *pins = aligned_alloc(64, sizeof(*pins) * n_slots);
    if (live == NULL || pins == NULL) {
        free(live);
        free(pins);
        dp_snapshot_free(first);
        return RL_ENOMEM;
    }
    for (unsigned i = 0; i < n_slots; i++) {
        pins[i].version = DP_LIVE_NO_PIN;
        pins[i].wake = NULL;
        pins[i].wake_arg = NULL;
    }
    pthread_mutex_init(&live->lock, NULL);
    live->pins = pins;
    live->n_slots = n_slots;
    live->last_version = 1;
    first->version = 1;
    __atomic_store_n(&live->cur, first, __ATOMIC_RELEASE);
    *out_live = live;
    return 0;
}

/* oldest_pin returns the smallest version any slot pins. */
static uint64_t
oldest_pin(const struct dp_live *live)
{
    uint64_t min = DP_LIVE_NO_PIN;
    for (unsigned i = 0; i < live->n_slots; i++) {
        uint64_t v = __atomic_load_n(&live->pins[i].version, __ATOMIC_ACQUIRE);
        min = v < min ? v : min;
    }
    return min;
}

/* reclaim_locked frees what no pin holds; the caller has the lock. */
static unsigned
reclaim_locked(struct dp_live *live)
{
    uint64_t min = oldest_pin(live);
    unsigned left = 0;
    struct dp_snapshot **pp = &live->retired;
    while (*pp != NULL) {
        struct dp_snapshot *s = *pp;
        /* A pin at version v means "v or newer is in use"; a retired
         * snapshot older than every pin is used by no one. */
        if (s->version < min) {
            *pp = s->retired_next;
            dp_snapshot_free(s);
        } else {
            pp = &s->retired_next;
            left++;
        }
    }
    return left;
}

void
dp_live_publish(struct dp_live *live, struct dp_snapshot *s, uint64_t *out_version)
{
    pthread_mutex_lock(&live->lock);
    s->version = ++live->last_version;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->published_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    struct dp_snapshot *old = __atomic_exchange_n(&live->cur, s, __ATOMIC_ACQ_REL);
    /* A worker blocked in its poll is offline, so the grace period would not
     * wait for it, and it would take `s` only at its next timer pass: wake
     * every worker now, before waiting, so each takes `s` at once. */
    for (unsigned i = 0; i < live->n_slots; i++) {
        if (live->pins[i].wake != NULL) {
            live->pins[i].wake(live->pins[i].wake_arg);
        }
    }
    /* After the grace period every worker has passed a quiescent state since
     * the exchange: each either never saw `old` or pinned it before that
     * state, so the pins read in reclaim_locked are complete. */
    synchronize_rcu();
    old->retired_next = live->retired;
    live->retired = old;
    (void)reclaim_locked(live);
    pthread_mutex_unlock(&live->lock);
    if (out_version != NULL) {
        *out_version = s->version;
    }
}

unsigned
dp_live_reclaim(struct dp_live *live)
{
    pthread_mutex_lock(&live->lock);
    unsigned left = reclaim_locked(live);
    pthread_mutex_unlock(&live->lock);
    return left;
}

const struct dp_snapshot *
dp_live_current(const struct dp_live *live)
{
    return __atomic_load_n(&live->cur, __ATOMIC_ACQUIRE);
}

void
dp_live_pin(struct dp_live *live, unsigned slot, uint64_t version)
{
    __atomic_store_n(&live->pins[slot].version, version, __ATOMIC_RELEASE);
}

void
dp_live_set_waker(struct dp_live *live, unsigned slot, void (*wake)(void *arg), void *arg)
{
    pthread_mutex_lock(&live->lock);
    live->pins[slot].wake = wake;
    live->pins[slot].wake_arg = arg;
    pthread_mutex_unlock(&live->lock);
}

const struct dp_snapshot *
dp_live_hold(struct dp_live *live, unsigned slot)
{
    /* Under the lock no publisher can retire and no reclaimer free the
     * current snapshot before the pin is in place. */
    pthread_mutex_lock(&live->lock);
    const struct dp_snapshot *s = live->cur;
    dp_live_pin(live, slot, s->version);
    pthread_mutex_unlock(&live->lock);
    return s;
}

void
dp_live_unhold(struct dp_live *live, unsigned slot)
{
    dp_live_pin(live, slot, DP_LIVE_NO_PIN);
}

uint64_t
dp_live_version(const struct dp_live *live)
{
    return dp_live_current(live)->version;
}

void
dp_live_free(struct dp_live *live)
{
    if (live == NULL) {
        return;
    }
    while (live->retired != NULL) {
        struct dp_snapshot *s = live->retired;
        live->retired = s->retired_next;
        dp_snapshot_free(s);
    }
    dp_snapshot_free(live->cur);
    pthread_mutex_destroy(&live->lock);
    free(live->pins);
    free(live);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Work a worker must not do in its own turns, done by helper threads: the
 * quarantine store's writes with their fsync and the wipe of buffers of
 * megabytes (one store thread), and the scan of messages carrying documents
 * or larger than a turn's budget (scan threads). Jobs go out and come back over single-producer
 * single-consumer rings, one pair per worker and helper kind; no lock on the worker. */
#ifndef DP_OFFLOAD_H
#define DP_OFFLOAD_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_buf.h"
#include "dp_scan.h"
#include "dp_snapshot.h"
#include "dp_track.h"
#include "rl_error.h"

#define DP_RING_SLOTS 256 /* a power of two */

/* A single-producer single-consumer ring of pointers. */
struct dp_ring {
    _Alignas(64) uint64_t head; /* written by the producer */
    _Alignas(64) uint64_t tail; /* written by the consumer */
    _Alignas(64) void *slot[DP_RING_SLOTS];
};

/* dp_ring_push appends `p` (producer only). False when full. */
bool dp_ring_push(struct dp_ring *r, void *p);

/* dp_ring_pop takes the oldest pointer (consumer only); NULL when empty. */
void *dp_ring_pop(struct dp_ring *r);

enum dp_job_kind {
    DP_JOB_STORE = 0, /* dp_store_put */
    DP_JOB_SCAN,      /* dp_scan_* over the whole message */
};

/* One job; owned by the worker that submits it, lent to a helper until it
 * comes back. */
struct dp_job {
    enum dp_job_kind kind;
    unsigned worker; /* whose ring takes it back */
    void *owner;     /* the worker's object waiting for it */
    /* STORE: in */
    const char *dir;
    char id[64];
    char meta[DP_TRACK_LINE];
    size_t meta_len;
    const uint8_t *msg;
    size_t msg_len;
    uint64_t reserve; /* octets kept free (min_free_mb) */
    /* STORE: out */
    int rc;
    int err;
    /* SCAN: in (msg, msg_len too) */
    const struct dp_snap_scan *scan; /* pinned by the owner's transaction */
    bool chunking;
    /* SCAN: out */
    struct dp_buf body; /* DP_HEADROOM then the rewritten message; the worker takes it */
    struct dp_scan_sum sum;
    /* The original (msg) is wiped already: the verdict needs no copy of it
     * kept (no quarantine, no hold). Wiped by the scan thread, which read
     * it last: a wipe on the worker, whose cache lines the scan thread
     * shares then, cost 30-100 us per 256 KB on this machine. */
    bool msg_wiped;
};

struct dp_helpers;

/* dp_helpers_new starts the store thread and `n_scan` scan threads (1 to 16)
 * serving `n_workers` workers. Returns 0 with *out_h, RL_EINVAL, RL_ENOMEM or
 * RL_EIO (a thread could not start). Main thread. */
int dp_helpers_new(struct dp_helpers **out_h, unsigned n_workers, unsigned n_scan);

/* dp_helpers_affinity keeps the helper threads on the CPUs of `set` (the
 * ones no worker is pinned to), so a scan never preempts a worker. Returns 0
 * or RL_EIO. Main thread. */
int dp_helpers_affinity(struct dp_helpers *h, const cpu_set_t *set);

/* dp_helpers_submit hands `j` to its kind's helper. Returns 0, or
 * RL_EAGAIN when the ring is full (do it inline). Worker j->worker only. */
int dp_helpers_submit(struct dp_helpers *h, struct dp_job *j);

/* dp_helpers_pool_hook makes the store thread wipe and unmap the mapped
 * buffers (messages of megabytes, dp_buf.h) worker `worker` releases from
 * `pool`, its cache. Before the worker runs; undo by clearing
 * pool->discard before dp_helpers_free. */
void dp_helpers_pool_hook(struct dp_helpers *h, unsigned worker, struct dp_bufpool *pool);

/* dp_helpers_set_waker gives the helpers `wake(arg)`, which makes worker
 * `worker` leave its poll (dp_worker_wake): a helper calls it after handing
 * back a job of a worker that is parked (dp_helpers_park). Before the worker
 * runs. */
void dp_helpers_set_waker(struct dp_helpers *h, unsigned worker, void (*wake)(void *arg),
                          void *arg);

/* dp_helpers_park tells the helpers that worker `worker` is about to block
 * in its poll, so a job that comes back wakes it. Returns false (not
 * parked) when a job is back already: do not block, take it. After true,
 * dp_helpers_unpark once the poll returns. Worker `worker` only. */
bool dp_helpers_park(struct dp_helpers *h, unsigned worker);
void dp_helpers_unpark(struct dp_helpers *h, unsigned worker);

/* dp_helpers_done returns a job of worker `worker` that came back, or
 * NULL. Worker `worker` only. */
struct dp_job *dp_helpers_done(struct dp_helpers *h, unsigned worker);

/* dp_helpers_free finishes the jobs submitted, stops the threads and frees
 * `h`; NULL is a no-op. After the workers stopped. */
void dp_helpers_free(struct dp_helpers *h);

#endif

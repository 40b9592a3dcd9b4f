/* SPDX-License-Identifier: Apache-2.0 */
/* A poll-mode worker: owns its listeners, its connections (inbound SMTP
 * sessions and outbound relay connections), its scanners and its buffers,
 * and advances them one bounded turn at a time (dp_worker_step) on the one
 * thread that drives it (dp_loop.h). Nothing is shared with other workers
 * but the published runtime snapshots (dp_live.h). */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_config.h"
#include "dp_live.h"
#include "dp_stats.h"
#include "dp_track.h"
#include "rl_error.h"

struct dp_worker;

struct dp_connlimit;

/* Flags the main thread sets for every worker (atomic ints), and what every
 * worker shares with the others. */
struct dp_control {
    int drain;          /* stop accepting, finish transactions, 421 idle sessions, then return */
    int stop;           /* return now, closing everything */
    uint64_t *rate_tat; /* the licence rate's bucket, shared by every worker (dp_rate.h) */
    /* Connections per client address and network, counted across all
     * workers (dp_connlimit.h); NULL: not counted, no such limits. */
    struct dp_connlimit *limits;
};

/* dp_worker_new builds worker `id`: its I/O backend (io_backend_new of kind
 * `backend` with `backend_arg`) and its listeners on boot->listen (bound now, so that privileges
 * can be dropped afterwards), its pools, and takes the current snapshot of `live` (deserialising
 * its engine). `boot`, `live`, `stats` and `ctl` are the caller's and outlive the worker.
 * Returns 0 with *out_w, or RL_EIO / RL_ENOMEM with `diag` naming what failed ("listen",
 * "backend"). Call from the main thread before any worker runs. */
int dp_worker_new(struct dp_worker **out_w, struct rl_diag *diag, const struct dp_boot *boot,
                  const char *backend, const void *backend_arg, struct dp_live *live, unsigned id,
                  struct dp_stats_core *stats, const struct dp_control *ctl);

/* dp_worker_step runs one turn: polls the backend for a burst (blocking up
 * to the next timer pass only when `may_sleep` and nothing is queued, and
 * offline for urcu-qsbr meanwhile), takes a newer snapshot if one was
 * published, runs the connections that were ready at the start of the turn,
 * fires the 100 ms timers, then announces one quiescent state. The calling
 * thread must be registered with urcu-qsbr (dp_loop_run does it). Returns
 * false once the worker is done: ctl->stop, or ctl->drain and every
 * transaction has finished. Only on the worker's own thread. */
bool dp_worker_step(struct dp_worker *w, bool may_sleep);

struct dp_helpers;

/* dp_worker_set_helpers gives `w` the store and scan threads (dp_offload.h;
 * borrowed; NULL: everything inline). Before the worker runs. */
void dp_worker_set_helpers(struct dp_worker *w, struct dp_helpers *h);

/* dp_worker_busy tells whether `w` has work queued or jobs out (tests drive
 * turns until it has none). Its own thread. */
bool dp_worker_busy(const struct dp_worker *w);

/* dp_worker_id returns the worker's number (its snapshot pin slot). */
unsigned dp_worker_id(const struct dp_worker *w);

/* dp_worker_beat lends the counter of `w`'s loop passes, which the worker
 * alone writes (dp_notify_beat) and the watchdog reads; valid until
 * dp_worker_free. */
const uint64_t *dp_worker_beat(const struct dp_worker *w);

/* dp_worker_gone marks `w`'s loop as ended for the watchdog (dp_notify.h):
 * its driver stopped calling dp_worker_step, or never could start. */
void dp_worker_gone(struct dp_worker *w);

/* dp_worker_wake makes worker `w` leave its poll at once (a new snapshot
 * was published: take it now rather than at the next timer). Any thread. */
void dp_worker_wake(struct dp_worker *w);

/* dp_worker_free closes whatever is left and releases `w`; NULL is a no-op.
 * After dp_helpers_free, when it had helpers. */
void dp_worker_free(struct dp_worker *w);

#endif

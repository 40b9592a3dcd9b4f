/* SPDX-License-Identifier: Apache-2.0 */
/* A poll-mode worker: one thread pinned to one core, owning its listeners,
 * its connections (inbound SMTP sessions and outbound relay connections), its
 * scanner and its buffers. Nothing is shared with other workers except the
 * read-only configuration and scan engine. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>

#include "dp_config.h"
#include "dp_stats.h"
#include "dp_track.h"
#include "rl_error.h"
#include "scan_engine.h"
#include "tls_server.h"

struct dp_worker;

/* Flags the main thread sets for every worker (atomic ints). */
struct dp_control {
    int drain; /* stop accepting, finish transactions, 421 idle sessions, then return */
    int stop;  /* return now, closing everything */
};

/* dp_worker_new builds worker `id` of `cfg`: its I/O backend and listeners
 * (bound now, so that privileges can be dropped afterwards), its scanner over
 * `engine` (borrowed), its pools and, when STARTTLS is configured, its
 * context (dp_tls_server_new: the files are read now) with session tickets under `tls_secret`
 * (TLS_TICKET_SECRET_LEN octets, copied; the same for every worker).
 * `stats` and `ctl` are the caller's and outlive the worker.
 * Returns 0 with *out_w, or RL_EIO / RL_ENOMEM with `diag` naming what failed
 * ("tls.cert", "tls_profiles.NAME.key"). Call from the main thread. */
int dp_worker_new(struct dp_worker **out_w, struct rl_diag *diag, const struct dp_config *cfg,
                  const struct scan_engine *engine, unsigned id, struct dp_stats_core *stats,
                  const struct dp_control *ctl, const uint8_t *tls_secret);

/* dp_worker_run is the worker thread's body: pins itself to its core (if
 * configured) and runs the poll loop until ctl->stop, or until ctl->drain
 * and every transaction has finished. Returns 0, or RL_EIO if pinning
 * failed. */
int dp_worker_run(struct dp_worker *w);

/* dp_worker_tls_offer hands the STARTTLS context `srv` (taken) to `w`: the
 * worker swaps it in at the top of its next loop pass and frees the one it
 * had (connections keep theirs until they end); one offered before and not
 * taken yet is freed here. Any thread; one offerer at a time. */
void dp_worker_tls_offer(struct dp_worker *w, struct tls_server *srv);

/* dp_worker_beat lends the counter of `w`'s loop passes, which the worker
 * alone writes (dp_notify_beat) and the watchdog reads; valid until
 * dp_worker_free. */
const uint64_t *dp_worker_beat(const struct dp_worker *w);

/* dp_worker_free closes whatever is left and releases `w`; NULL is a no-op. */
void dp_worker_free(struct dp_worker *w);

#endif

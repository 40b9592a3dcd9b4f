/* SPDX-License-Identifier: Apache-2.0 */
/* Reloading the TLS contexts (SIGHUP, the control socket's `reload`): a new
 * runtime snapshot with contexts built again from the files, published to
 * the workers (dp_live.h). Building reads files: the main thread and the
 * control thread only, never a worker. */
#ifndef DP_TLS_H
#define DP_TLS_H

#include <stdint.h>

#include "dp_live.h"
#include "dp_stats.h"
#include "dp_track.h"
#include "rl_error.h"

struct dp_tls_reload;

/* dp_tls_reload_new prepares reloads of the snapshots `live` publishes
 * (borrowed, as is `stats`, until dp_tls_reload_free), holding the current
 * snapshot in pin slot `slot` while it builds; `stats` gets the reload
 * counters. Returns 0 or RL_ENOMEM. */
int dp_tls_reload_new(struct dp_tls_reload **out_r, struct dp_live *live, unsigned slot,
                      struct dp_stats_proc *stats);

/* dp_tls_reload_run rereads the certificates, keys and CA files (with the
 * privileges the process has now) into a new snapshot that differs from the
 * current one only in its TLS contexts (same ticket secret, so tickets stay
 * valid) and publishes it; workers take it on their next turn, connections
 * keep the context they started with. All or nothing: when one context
 * cannot be built, nothing is published. Writes one tracking line saying
 * what happened (`trigger` "SIGHUP" or "control", `uid` the
 * administrator's, or -1) and counts it. Returns 0, RL_ENOENT (STARTTLS is
 * off: nothing to reload), or RL_EINVAL / RL_ENOMEM with `diag` naming the
 * field. Main or control thread; calls are serialised. */
int dp_tls_reload_run(struct dp_tls_reload *r, struct rl_diag *diag, const char *trigger, long uid);

/* dp_tls_reload_free releases `r` (NULL is a no-op) once no thread can call
 * dp_tls_reload_run any more. */
void dp_tls_reload_free(struct dp_tls_reload *r);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The listener's STARTTLS contexts: one per worker, built from the
 * configuration at start-up, rebuilt on SIGHUP or the control socket's
 * `reload` and handed to the workers (dp_worker_tls_offer). Building reads
 * files: the main thread and the control thread only, never a worker. */
#ifndef DP_TLS_H
#define DP_TLS_H

#include <stdint.h>

#include "dp_config.h"
#include "dp_stats.h"
#include "dp_track.h"
#include "rl_error.h"
#include "tls_server.h"

struct dp_worker;
struct dp_tls_reload;

/* dp_tls_server_new builds a STARTTLS context from the listener's profile
 * (dp_config_tls_inbound) with session tickets under `secret`
 * (TLS_TICKET_SECRET_LEN octets, copied). Returns 0 with *out_srv, RL_ENOENT
 * when STARTTLS is off, RL_ENOMEM, or RL_EINVAL with `diag` naming the
 * configuration's field: "tls.cert" / "tls.key" for the pair,
 * "tls_profiles.NAME.cert" and the like for a profile. Reads files. */
int dp_tls_server_new(struct tls_server **out_srv, struct rl_diag *diag,
                      const struct dp_config *cfg, const uint8_t *secret);

/* dp_tls_reload_new prepares reloads for the `n_workers` workers (borrowed,
 * as are `cfg`, `stats` and `ring`, until dp_tls_reload_free): it keeps a
 * context of its own, never used for connections, whose profile and ticket
 * secret each reload copies, so tickets stay valid across reloads. `ring` is
 * a tracking ring no one else writes; `stats` gets the reload counters.
 * Returns 0, RL_ENOMEM, or RL_EINVAL with `diag` (the files are read once
 * more). Main thread, before the privilege drop. */
int dp_tls_reload_new(struct dp_tls_reload **out_r, struct rl_diag *diag,
                      const struct dp_config *cfg, const uint8_t *secret,
                      struct dp_worker *const *workers, unsigned n_workers,
                      struct dp_stats_proc *stats);

/* dp_tls_reload_run rereads the certificates and keys (with the privileges
 * the process has now) into a new context for every worker and offers them;
 * workers swap at the top of their next loop pass, connections keep the
 * context they started with. All or nothing: when one context cannot be
 * built, none is offered. Writes one tracking line saying what happened
 * (`trigger` "SIGHUP" or "control", `uid` the administrator's, or -1) and
 * counts it. Returns 0, RL_ENOENT (STARTTLS is off: nothing to reload), or
 * RL_EINVAL / RL_ENOMEM with `diag` naming the field. Main or control
 * thread; calls are serialised. */
int dp_tls_reload_run(struct dp_tls_reload *r, struct rl_diag *diag, const char *trigger, long uid);

/* dp_tls_reload_free releases `r` (NULL is a no-op) once no thread can call
 * dp_tls_reload_run any more. */
void dp_tls_reload_free(struct dp_tls_reload *r);

#endif

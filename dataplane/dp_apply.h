/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration pushed by redline-controld: the config socket's thread
 * receives a snapshot frame (dp_push.h), builds the runtime snapshot from
 * it without compiling anything (the policy's engine comes serialised),
 * publishes it (dp_live.h), keeps the frame on disk and answers with the
 * version every worker now runs. At start-up the frame kept on disk is the
 * configuration to run when controld is not there. Blocking calls; never on
 * a worker core. Only root and the dataplane's own user may use the socket
 * (SO_PEERCRED). */
#ifndef DP_APPLY_H
#define DP_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "dp_live.h"
#include "dp_snapshot.h"
#include "dp_track.h"
#include "dp_worker.h"
#include "rl_error.h"

#define DP_APPLY_SAVED "snapshot" /* the file under the state directory */

/* dp_apply_build makes a snapshot for `n_workers` workers from a pushed
 * frame's JSON and engine: the runtime settings controld owns (groups,
 * routes, relay networks, TLS profiles, limits, relay) replace the file's,
 * the rest of `file_rt` (host name, the listener's TLS) stays; the policy is
 * parsed and its engine checked by deserialising it once. With `prev` the
 * TLS contexts are shared when their settings are unchanged, and so are the
 * policy and engine when the SHA-256 of the pushed policy text and engine
 * equals `prev_policy` (the digest this function gave for `prev`; NULL:
 * unknown). Sets `out_policy` to that digest of this frame. Returns 0 with
 * *out_snap, or RL_ESYNTAX / RL_EINVAL / RL_ESCAN with `diag` naming the
 * field, or RL_ENOMEM. Reads files (TLS): not on a worker core. */
int dp_apply_build(struct dp_snapshot **out_snap, struct rl_diag *diag,
                   const struct dp_runtime *file_rt, unsigned n_workers, const uint8_t *secret,
                   const struct dp_snapshot *prev, const uint8_t *prev_policy,
                   uint8_t out_policy[32], const uint8_t *json, size_t json_len,
                   const uint8_t *blob, size_t blob_len);

/* dp_apply_load_saved reads the frame kept under `state_dir` and builds its
 * snapshot as dp_apply_build. Returns 0 with *out_snap; RL_ENOENT when there
 * is none; RL_ESYNTAX / RL_EVERIFY / RL_EINVAL ... with `diag` when it
 * cannot be used (then the caller runs its file's configuration). */
int dp_apply_load_saved(struct dp_snapshot **out_snap, struct rl_diag *diag, const char *state_dir,
                        const struct dp_runtime *file_rt, unsigned n_workers,
                        const uint8_t *secret);

/* What the config socket's thread serves, borrowed until dp_apply_stop. */
struct dp_apply_deps {
    const struct dp_runtime *file_rt; /* the runtime settings of redlined's own file */
    struct dp_live *live;             /* where snapshots are published */
    unsigned live_slot;               /* this thread's pin slot */
    unsigned n_workers;
    const char *state_dir; /* the last applied frame is kept here; "" = not kept */
};

/* dp_apply_start creates the UNIX socket at `path` (0660, replacing a stale
 * one) and its thread. Returns 0, or RL_EIO with errno in *out_errno. */
int dp_apply_start(const char *path, const struct dp_apply_deps *deps, int *out_errno);

/* dp_apply_stop stops the thread (after the apply in progress) and removes
 * the socket. */
void dp_apply_stop(void);

#endif

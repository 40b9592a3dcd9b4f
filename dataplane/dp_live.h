/* SPDX-License-Identifier: Apache-2.0 */
/* The live snapshot: publication of dp_snapshot objects to the workers with
 * liburcu's QSBR flavour, and their reclamation. Workers read the current
 * pointer without a lock or a reference count, announce a quiescent state
 * once per loop turn, and pin the oldest snapshot version they still use
 * (a transaction keeps the snapshot it started with across many turns).
 * A retired snapshot is freed once a grace period has passed since it was
 * replaced and no pin reaches back to it. */
#ifndef DP_LIVE_H
#define DP_LIVE_H

#include <stdint.h>

#include "dp_snapshot.h"
#include "rl_error.h"

#define DP_LIVE_NO_PIN UINT64_MAX /* a slot that holds no snapshot */

struct dp_live;

/* dp_live_new publishes `first` (taken) as version 1 with `n_slots` pin
 * slots: one per worker, then any for other threads (dp_live_hold). Returns
 * 0 with *out_live, RL_EINVAL, or RL_ENOMEM (then `first` is freed). */
int dp_live_new(struct dp_live **out_live, struct dp_snapshot *first, unsigned n_slots);

/* dp_live_free frees the current snapshot, every retired one and `live`;
 * NULL is a no-op. Only once no thread reads or publishes any more. */
void dp_live_free(struct dp_live *live);

/* dp_live_publish makes `s` (taken) the current snapshot with the next
 * version, wakes every worker with a waker (dp_live_set_waker), waits for
 * a grace period (every online worker has passed a
 * quiescent state, so none can still pick up the old pointer), retires the
 * old one and frees the retired snapshots no pin holds any more. Sets
 * *out_version (may be NULL). Blocks for the grace period: never call it
 * from a worker (a registered reader would wait for itself). Any other
 * thread; publishers are serialised. */
void dp_live_publish(struct dp_live *live, struct dp_snapshot *s, uint64_t *out_version);

/* dp_live_reclaim frees the retired snapshots no pin holds any more.
 * Returns how many are still waiting. Any thread but a worker's. */
unsigned dp_live_reclaim(struct dp_live *live);

/* dp_live_current returns the current snapshot to a worker, a thread
 * registered with urcu-qsbr and online: valid until the caller's next
 * quiescent state unless pinned (dp_live_pin) before it. */
const struct dp_snapshot *dp_live_current(const struct dp_live *live);

/* dp_live_pin stores the oldest version worker slot `slot` still uses
 * (DP_LIVE_NO_PIN: none). A worker calls it after taking a snapshot and
 * before its next quiescent state, and whenever it lets an old one go. */
void dp_live_pin(struct dp_live *live, unsigned slot, uint64_t version);

/* dp_live_set_waker registers `wake(arg)` for worker slot `slot` (NULL:
 * none): dp_live_publish calls it right after the swap, before its grace
 * period, so that a worker blocked in its poll takes the new snapshot at once
 * instead of at its next timer pass. `wake` must not block and may be called
 * from any publishing thread. Any thread but the slot's worker; takes the
 * publishers' lock. */
void dp_live_set_waker(struct dp_live *live, unsigned slot, void (*wake)(void *arg), void *arg);

/* dp_live_hold pins the current snapshot in slot `slot` for a thread that
 * is not a worker (control, reload) and returns it; it stays valid until
 * dp_live_unhold(slot). One hold per slot at a time. Takes the publishers'
 * lock briefly; not for workers. */
const struct dp_snapshot *dp_live_hold(struct dp_live *live, unsigned slot);

/* dp_live_unhold releases the hold of slot `slot`. */
void dp_live_unhold(struct dp_live *live, unsigned slot);

/* dp_live_version returns the version of the current snapshot (any thread;
 * for counters and tests). */
uint64_t dp_live_version(const struct dp_live *live);

#endif

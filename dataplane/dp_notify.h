/* SPDX-License-Identifier: Apache-2.0 */
/* The service manager's notification protocol (sd_notify(3), libsystemd):
 * READY once every worker turns its loop, RELOADING and READY around a
 * reload, STOPPING at the drain, and the watchdog: a thread of its own sends
 * WATCHDOG=1 only while every worker's loop keeps turning, so a stalled
 * worker gets the service restarted. Without NOTIFY_SOCKET all of it is a
 * no-op. Main thread only, except dp_notify_beat (a worker, on its slot). */
#ifndef DP_NOTIFY_H
#define DP_NOTIFY_H

#include <stdint.h>

#include "rl_error.h"

/* dp_notify_beat counts one pass of a worker's loop in `slot`, the worker's
 * own (single writer); the watchdog thread reads it. */
static inline void
dp_notify_beat(uint64_t *slot)
{
    __atomic_store_n(slot, __atomic_load_n(slot, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

#define DP_NOTIFY_GONE UINT64_MAX /* a beat slot's value once its loop has ended */

/* dp_notify_gone marks `slot` as its worker's loop ended (a failed start, or
 * the end of the drain). */
static inline void
dp_notify_gone(uint64_t *slot)
{
    __atomic_store_n(slot, DP_NOTIFY_GONE, __ATOMIC_RELEASE);
}

/* Called from the watchdog thread when worker `worker` has not turned its
 * loop for `ms` milliseconds (pings withheld from then on), and with `ms` 0
 * when it turns again. */
typedef void (*dp_notify_stall_fn)(unsigned worker, uint64_t ms);

/* dp_notify_ready waits (up to `timeout_ms`) until each of the `n` workers
 * has turned its loop once (`beats[i]`, borrowed until dp_notify_stop), then
 * sends READY=1 with `status` and, when the manager asked for a watchdog
 * (WATCHDOG_USEC), starts the thread that pings it at a quarter of that
 * period while no worker has been still for half of it. Without
 * NOTIFY_SOCKET it only waits. Returns 0; RL_EAGAIN with `diag` naming the
 * worker whose loop did not turn in time or ended first (nothing sent); or
 * RL_EIO when the thread cannot start. */
int dp_notify_ready(struct rl_diag *diag, const uint64_t *const *beats, unsigned n, int timeout_ms,
                    const char *status, dp_notify_stall_fn on_stall);

/* dp_notify_reloading sends RELOADING=1 (with MONOTONIC_USEC) before a
 * reload; dp_notify_reloaded sends READY=1 and `status` after it. */
void dp_notify_reloading(void);
void dp_notify_reloaded(const char *status);

/* dp_notify_stopping sends STOPPING=1 and `status` when the drain starts,
 * and stops the watchdog pings (the manager's stop timeout rules now). */
void dp_notify_stopping(const char *status);

/* dp_notify_stop ends the watchdog thread if it still runs. */
void dp_notify_stop(void);

#endif

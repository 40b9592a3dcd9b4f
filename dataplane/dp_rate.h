/* SPDX-License-Identifier: Apache-2.0 */
/* The licence tier's message rate, enforced across every worker: one
 * token bucket in the GCRA form (a single 64-bit "theoretical arrival
 * time" advanced with compare-and-swap), so workers share it without a lock.
 * The state outlives snapshots; the rate and burst come from the snapshot in
 * force. Any thread; never blocks. */
#ifndef DP_RATE_H
#define DP_RATE_H

#include <stdbool.h>
#include <stdint.h>

/* The bucket's parameters, derived from a rate once (dp_rate_params). */
struct dp_rate_params {
    uint64_t interval_ns; /* one message's share of time; 0 = no limit */
    uint64_t burst_ns;    /* how far ahead of now the bucket may run */
};

/* dp_rate_params fills `out` for `per_hour` messages an hour (0: no limit)
 * with a burst of `burst` messages at once (at least 1). */
void dp_rate_params(struct dp_rate_params *out, uint64_t per_hour, uint64_t burst);

/* dp_rate_take spends one message of the shared bucket whose state is
 * `*tat` (initially 0) at `now_ns` (a monotonic clock). Returns true when
 * the message is within the rate, false (and nothing spent) when it is
 * over. Lock-free; any number of threads. */
bool dp_rate_take(uint64_t *tat, const struct dp_rate_params *p, uint64_t now_ns);

#endif

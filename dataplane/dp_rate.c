/* SPDX-License-Identifier: Apache-2.0 */
/* The shared message-rate bucket (GCRA). */
#include "dp_rate.h"

#define NS_PER_HOUR 3600000000000ULL

void
dp_rate_params(struct dp_rate_params *out, uint64_t per_hour, uint64_t burst)
{
    if (per_hour == 0) {
        out->interval_ns = 0;
        out->burst_ns = 0;
        return;
    }
    out->interval_ns = NS_PER_HOUR / per_hour;
    out->interval_ns = out->interval_ns > 0 ? out->interval_ns : 1;
    burst = burst > 0 ? burst : 1;
    /* `burst` messages at once from an idle bucket: the first is at `now`,
     * each further one a step of interval_ns ahead. */
    out->burst_ns = (burst - 1) * out->interval_ns;
}

bool
dp_rate_take(uint64_t *tat, const struct dp_rate_params *p, uint64_t now_ns)
{
    if (p->interval_ns == 0) {
        return true;
    }
    uint64_t old = __atomic_load_n(tat, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t base = old > now_ns ? old : now_ns;
        if (base - now_ns > p->burst_ns) {
            return false;
        }
        if (__atomic_compare_exchange_n(tat, &old, base + p->interval_ns, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            return true;
        }
        /* Another worker spent first: `old` now holds its value; again. */
    }
}

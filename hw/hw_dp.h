/* SPDX-License-Identifier: Apache-2.0 */
/* redlined's view of the topology at start-up: this machine's topology read
 * once, the configured worker layout checked against it (warnings naming
 * the cores), and each worker's start-up allocations placed on its NUMA
 * node. Main thread, start-up only. */
#ifndef HW_DP_H
#define HW_DP_H

#include <stddef.h>

#include "dp_config.h"

struct hw_dp;

/* hw_dp_new reads this machine's topology and checks the layout of `cfg`:
 * its workers' cores, and the NICs that carry its listen addresses (a
 * wildcard listener: every NIC that is up). A topology hwloc cannot read
 * becomes one warning, not a failure. Returns NULL only when out of
 * memory. */
struct hw_dp *hw_dp_new(const struct dp_config *cfg);

/* hw_dp_n_warnings returns how many warnings hw_dp_new found (0 for NULL). */
size_t hw_dp_n_warnings(const struct hw_dp *hw);

/* hw_dp_warning returns warning `i` (< hw_dp_n_warnings), one line without
 * a newline, owned by `hw`. */
const char *hw_dp_warning(const struct hw_dp *hw, size_t i);

/* hw_dp_bind_worker makes the calling thread's allocations from now on
 * prefer the NUMA node of worker `i`'s core (before dp_worker_new for that
 * worker); a negative `i`, an unpinned worker, or a NULL `hw` restores the
 * default policy. Best effort: nothing to do on a topology other than this
 * machine's. */
void hw_dp_bind_worker(struct hw_dp *hw, const struct dp_config *cfg, int i);

/* hw_dp_free releases `hw` (NULL is a no-op). Memory bindings stay. */
void hw_dp_free(struct hw_dp *hw);

#endif

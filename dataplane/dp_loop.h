/* SPDX-License-Identifier: Apache-2.0 */
/* The worker thread's loop on kernel threads: pin to a core, register with
 * urcu-qsbr, repeat dp_worker_step until it says stop. A DPDK lcore (or a
 * test) drives dp_worker_step its own way instead. */
#ifndef DP_LOOP_H
#define DP_LOOP_H

#include <stdbool.h>

#include "dp_worker.h"
#include "rl_error.h"

/* dp_loop_run pins the calling thread to CPU `core` (-1: not pinned),
 * registers it as a urcu-qsbr reader and runs `w` until dp_worker_step
 * returns false; `spin` never blocks in the poll (idle = spin). Returns 0,
 * or RL_EIO if pinning failed. The worker thread's body. */
int dp_loop_run(struct dp_worker *w, int core, bool spin);

#endif

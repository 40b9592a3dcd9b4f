/* SPDX-License-Identifier: Apache-2.0 */
/* The worker loop on a kernel thread: pinning and the repetition of
 * dp_worker_step. Nothing else lives here, so another driver (a DPDK
 * lcore, a test) can run the same turns. */
#include "dp_loop.h"

#include <pthread.h>
#include <sched.h>

#include <urcu-qsbr.h>

int
dp_loop_run(struct dp_worker *w, int core, bool spin)
{
    if (core >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(core, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
            dp_worker_gone(w);
            return RL_EIO;
        }
    }
    rcu_register_thread();
    while (dp_worker_step(w, !spin)) {
    }
    dp_worker_gone(w);
    rcu_unregister_thread();
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* One core and its clocks for the per-core benchmarks (scan, html, docs,
 * tls): pinning to the current CPU, monotonic time and the thread's CPU
 * time. Main thread. */
#include <sched.h>
#include <time.h>

#include "internal.h"

int
bench_cpu_pin(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;
    if (cpu < 0) {
        return -1;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0 ? cpu : -1;
}

double
bench_cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double
bench_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
bench_cpu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

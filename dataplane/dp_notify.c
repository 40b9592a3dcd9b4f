/* SPDX-License-Identifier: Apache-2.0 */
/* sd_notify messages and the watchdog thread (dp_notify.h). The thread only
 * reads the workers' beat counters; it never touches a worker's state. */
#include "dp_notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#define DP_NOTIFY_MAX 64 /* workers watched (DP_MAX_WORKERS) */
#include <time.h>

static struct {
    const uint64_t *const *beats;
    unsigned n;
    uint64_t period_us; /* WATCHDOG_USEC */
    dp_notify_stall_fn on_stall;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit; /* under `mu` */
} wd = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static uint64_t
mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* watch samples every worker's beat each quarter period and pings while
 * none has been still for half a period: the manager, which kills after a
 * whole period without a ping, then restarts a service with a stalled
 * worker within one to one and a half periods. */
static void *
watch(void *arg)
{
    (void)arg;
    uint64_t last[DP_NOTIFY_MAX];
    uint64_t changed_us[DP_NOTIFY_MAX];
    bool stalled[DP_NOTIFY_MAX] = {false};
    uint64_t start = mono_us();
    for (unsigned i = 0; i < wd.n; i++) {
        last[i] = __atomic_load_n(wd.beats[i], __ATOMIC_ACQUIRE);
        changed_us[i] = start;
    }
    uint64_t tick_us = wd.period_us / 4;
    pthread_mutex_lock(&wd.mu);
    while (!wd.quit) {
        uint64_t now = mono_us();
        bool all_alive = true;
        for (unsigned i = 0; i < wd.n; i++) {
            uint64_t b = __atomic_load_n(wd.beats[i], __ATOMIC_ACQUIRE);
            if (b != last[i]) {
                last[i] = b;
                changed_us[i] = now;
            }
            bool still = now - changed_us[i] > wd.period_us / 2;
            if (still != stalled[i] && wd.on_stall != NULL) {
                wd.on_stall(i, still ? (now - changed_us[i]) / 1000 : 0);
            }
            stalled[i] = still;
            all_alive = all_alive && !still;
        }
        if (all_alive) {
            (void)sd_notify(0, "WATCHDOG=1");
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + tick_us * 1000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        while (!wd.quit && pthread_cond_timedwait(&wd.cv, &wd.mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&wd.mu);
    return NULL;
}

int
dp_notify_ready(struct rl_diag *diag, const uint64_t *const *beats, unsigned n, int timeout_ms,
                const char *status, dp_notify_stall_fn on_stall)
{
    if (n > DP_NOTIFY_MAX) {
        return rl_diag_set(diag, "workers", "more than %d workers to watch", DP_NOTIFY_MAX);
    }
    /* READY only once every worker turns its loop: its listeners are open
     * and it takes connections. */
    uint64_t end = mono_us() + (uint64_t)timeout_ms * 1000u;
    for (unsigned i = 0; i < n; i++) {
        uint64_t b;
        while ((b = __atomic_load_n(beats[i], __ATOMIC_ACQUIRE)) == 0 && mono_us() < end) {
            struct timespec ts = {0, 1000000L};
            nanosleep(&ts, NULL);
        }
        if (b == 0 || b == DP_NOTIFY_GONE) {
            rl_diag_set(diag, "workers",
                        b == 0 ? "worker %u did not start its loop within %d ms"
                               : "worker %u stopped before its loop turned (core pinning failed?)",
                        i, timeout_ms);
            return RL_EAGAIN;
        }
    }
    if (getenv("NOTIFY_SOCKET") == NULL) {
        return 0;
    }
    (void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return 0;
    }
    wd.beats = beats;
    wd.n = n;
    wd.period_us = usec;
    wd.on_stall = on_stall;
    wd.quit = false;
    if (pthread_create(&wd.thread, NULL, watch, NULL) != 0) {
        rl_diag_set(diag, "watchdog", "cannot start the watchdog thread");
        return RL_EIO;
    }
    wd.running = true;
    return 0;
}

void
dp_notify_reloading(void)
{
    (void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)mono_us());
}

void
dp_notify_reloaded(const char *status)
{
    (void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
dp_notify_stop(void)
{
    if (!wd.running) {
        return;
    }
    pthread_mutex_lock(&wd.mu);
    wd.quit = true;
    pthread_cond_signal(&wd.cv);
    pthread_mutex_unlock(&wd.mu);
    pthread_join(wd.thread, NULL);
    wd.running = false;
}

void
dp_notify_stopping(const char *status)
{
    dp_notify_stop();
    (void)sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

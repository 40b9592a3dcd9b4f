/* SPDX-License-Identifier: Apache-2.0 */
/* Tracking-log rings (one producer each) and the logger thread that drains
 * them to a file with plain blocking writes, away from the worker cores; it
 * also reopens the file after a rotation, between two lines. */
#include "dp_track.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rl_error.h"
#include "rl_io.h"

void
dp_track_ts(char *out, size_t cap)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char date[24];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%s.%03ldZ", date, now.tv_nsec / 1000000);
}

bool
dp_track_push(struct dp_track_ring *r, const char *line, size_t len)
{
    uint64_t head = r->head;
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= DP_TRACK_SLOTS) {
        return false;
    }
    size_t slot = head % DP_TRACK_SLOTS;
    if (len > DP_TRACK_LINE - 1) {
        len = DP_TRACK_LINE - 1;
    }
    memcpy(r->line[slot], line, len);
    r->line[slot][len] = '\n';
    r->len[slot] = (uint16_t)(len + 1);
    __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
    return true;
}

static struct {
    int fd;
    bool own_fd;
    pthread_t thread;
    bool running;
    int stop; /* set by dp_track_stop, read by the thread */
    struct dp_track_ring *const *rings;
    unsigned n;
    char path[4096]; /* what a reopen opens; "" with standard error */
    /* Reopen requests (dp_track_reopen) and the logger's answers, under `mu`. */
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    uint64_t reopen_asked; /* also read without `mu` by the logger, atomically */
    uint64_t reopen_done;
    int reopen_errno; /* of the last reopen; 0 when it worked */
} lg = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .done_cv = PTHREAD_COND_INITIALIZER};

static int
open_log(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

/* reopen_if_asked swaps in a new file at the log's path when a reopen was
 * asked: every line before it went to the old file, every line after to the
 * new one, so a rotation (rename, then reopen) loses none. A failed open
 * keeps the old file. Logger thread only. */
static void
reopen_if_asked(void)
{
    uint64_t asked = __atomic_load_n(&lg.reopen_asked, __ATOMIC_ACQUIRE);
    if (asked == lg.reopen_done) {
        return;
    }
    int err = 0;
    if (lg.own_fd) {
        int fd = open_log(lg.path);
        if (fd >= 0) {
            close(lg.fd);
            lg.fd = fd;
        } else {
            err = errno;
        }
    }
    pthread_mutex_lock(&lg.mu);
    lg.reopen_errno = err;
    lg.reopen_done = asked;
    pthread_cond_broadcast(&lg.done_cv);
    pthread_mutex_unlock(&lg.mu);
}

/* drain writes every complete line of every ring; true if any was written. */
static bool
drain(void)
{
    bool any = false;
    for (unsigned i = 0; i < lg.n; i++) {
        struct dp_track_ring *r = lg.rings[i];
        uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        for (uint64_t t = r->tail; t < head; t++) {
            size_t slot = t % DP_TRACK_SLOTS;
            /* Best effort: messages never wait on the log. */
            (void)rl_write_all(lg.fd, r->line[slot], r->len[slot]);
            any = true;
        }
        __atomic_store_n(&r->tail, head, __ATOMIC_RELEASE);
    }
    return any;
}

static void *
run(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&lg.stop, __ATOMIC_ACQUIRE)) {
        reopen_if_asked();
        if (!drain()) {
            struct timespec ts = {0, 20000000L};
            nanosleep(&ts, NULL);
        }
    }
    drain();
    return NULL;
}

int
dp_track_start(const char *path, struct dp_track_ring *const *rings, unsigned n, int *out_errno)
{
    if (strcmp(path, "-") == 0) {
        lg.fd = STDERR_FILENO;
        lg.own_fd = false;
        lg.path[0] = '\0';
    } else {
        if (strlen(path) >= sizeof(lg.path)) {
            *out_errno = ENAMETOOLONG;
            return RL_EIO;
        }
        lg.fd = open_log(path);
        if (lg.fd < 0) {
            *out_errno = errno;
            return RL_EIO;
        }
        lg.own_fd = true;
        snprintf(lg.path, sizeof(lg.path), "%s", path);
    }
    lg.rings = rings;
    lg.n = n;
    lg.stop = 0;
    if (pthread_create(&lg.thread, NULL, run, NULL) != 0) {
        *out_errno = errno;
        if (lg.own_fd) {
            close(lg.fd);
        }
        return RL_EIO;
    }
    pthread_mutex_lock(&lg.mu);
    lg.running = true;
    pthread_mutex_unlock(&lg.mu);
    return 0;
}

int
dp_track_reopen(int timeout_ms, int *out_errno)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lg.mu);
    if (!lg.running) {
        pthread_mutex_unlock(&lg.mu);
        *out_errno = EBADF;
        return RL_EIO;
    }
    uint64_t mine = __atomic_add_fetch(&lg.reopen_asked, 1, __ATOMIC_ACQ_REL);
    int rc = 0;
    while (lg.reopen_done < mine && rc == 0) {
        rc = pthread_cond_timedwait(&lg.done_cv, &lg.mu, &until);
    }
    int err = lg.reopen_errno;
    bool answered = lg.reopen_done >= mine;
    pthread_mutex_unlock(&lg.mu);
    if (!answered) {
        return RL_EAGAIN;
    }
    if (err != 0) {
        *out_errno = err;
        return RL_EIO;
    }
    return 0;
}

void
dp_track_stop(void)
{
    if (!lg.running) {
        return;
    }
    __atomic_store_n(&lg.stop, 1, __ATOMIC_RELEASE);
    pthread_join(lg.thread, NULL);
    if (lg.own_fd) {
        close(lg.fd);
    }
    pthread_mutex_lock(&lg.mu);
    lg.running = false;
    pthread_mutex_unlock(&lg.mu);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Tracking-log rings (one producer each) and the logger thread that drains
 * them to a file with plain blocking writes, away from the worker cores. */
#include "dp_track.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rl_error.h"
#include "rl_io.h"

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
} lg = {.fd = -1};

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
    } else {
        lg.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (lg.fd < 0) {
            *out_errno = errno;
            return RL_EIO;
        }
        lg.own_fd = true;
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
    lg.running = true;
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
    lg.running = false;
}

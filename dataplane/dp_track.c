/* SPDX-License-Identifier: Apache-2.0 */
/* The tracking log: appends with one writev(2) each on a shared O_APPEND
 * descriptor, from whichever thread has the line, and a sync thread that
 * fdatasyncs the lines written since its last pass. The descriptor number
 * never changes (a reopen dup2s over it), so writers need no lock. */
#include "dp_track.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

static struct {
    int fd;
    bool own_fd;
    bool sync; /* a regular file: fdatasync it (a pipe or terminal cannot be) */
    char path[4096];
    pthread_t thread;
    bool running;
    int stop;          /* set by dp_track_close, read by the thread */
    uint64_t written;  /* lines written (atomic) */
    uint64_t failures; /* lines not written (atomic) */
} lg = {.fd = -1};

static int
open_log(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

int
dp_track_write(const char *line, size_t len)
{
    struct iovec iov[2] = {{(void *)(uintptr_t)line, len}, {(void *)(uintptr_t) "\n", 1}};
    ssize_t n;
    do {
        n = writev(lg.fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    /* A short append happens only when the disk is full: finish the line, so
     * that the next one starts on a line of its own. */
    if (n >= 0 && (size_t)n < len + 1) {
        size_t done = (size_t)n;
        int rc = done < len ? rl_write_all(lg.fd, line + done, len - done) : 0;
        n = rc == 0 && rl_write_all(lg.fd, "\n", 1) == 0 ? (ssize_t)(len + 1) : -1;
    }
    if (n < 0) {
        __atomic_add_fetch(&lg.failures, 1, __ATOMIC_RELAXED);
        return RL_EIO;
    }
    __atomic_add_fetch(&lg.written, 1, __ATOMIC_RELEASE);
    return 0;
}

int
dp_track_write_json(json_t *line)
{
    char ts[DP_TRACK_TS_LEN];
    char *s = NULL;
    if (line != NULL) {
        dp_track_ts(ts, sizeof(ts));
        json_object_set_new(line, "ts", json_string(ts));
        s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(line);
    }
    if (s == NULL) {
        __atomic_add_fetch(&lg.failures, 1, __ATOMIC_RELAXED);
        return RL_ENOMEM;
    }
    int rc = dp_track_write(s, strlen(s));
    free(s);
    return rc;
}

uint64_t
dp_track_failures(void)
{
    return __atomic_load_n(&lg.failures, __ATOMIC_RELAXED);
}

/* run is the sync thread: a group fdatasync for whatever was written since
 * the last pass, every DP_TRACK_SYNC_MS at most. */
static void *
run(void *arg)
{
    (void)arg;
    uint64_t synced = 0;
    for (;;) {
        bool stop = __atomic_load_n(&lg.stop, __ATOMIC_ACQUIRE);
        uint64_t w = __atomic_load_n(&lg.written, __ATOMIC_ACQUIRE);
        if (w != synced && lg.sync) {
            (void)fdatasync(lg.fd);
            synced = w;
        }
        if (stop) {
            return NULL;
        }
        struct timespec ts = {0, DP_TRACK_SYNC_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int
dp_track_open(const char *path, int *out_errno)
{
    if (strcmp(path, "-") == 0) {
        lg.fd = STDERR_FILENO;
        lg.own_fd = false;
    } else {
        lg.fd = open_log(path);
        if (lg.fd < 0) {
            *out_errno = errno;
            return RL_EIO;
        }
        lg.own_fd = true;
    }
    struct stat st;
    lg.sync = fstat(lg.fd, &st) == 0 && S_ISREG(st.st_mode);
    snprintf(lg.path, sizeof(lg.path), "%s", path);
    lg.stop = 0;
    if (pthread_create(&lg.thread, NULL, run, NULL) != 0) {
        *out_errno = errno;
        if (lg.own_fd) {
            close(lg.fd);
        }
        lg.fd = -1;
        return RL_EIO;
    }
    lg.running = true;
    return 0;
}

int
dp_track_reopen(int *out_errno)
{
    if (!lg.own_fd) {
        return 0;
    }
    int fd = open_log(lg.path);
    if (fd < 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    /* Atomic for every writer: a write in progress finishes on the old file. */
    int rc = dup3(fd, lg.fd, O_CLOEXEC);
    *out_errno = errno;
    close(fd);
    return rc < 0 ? RL_EIO : 0;
}

void
dp_track_close(void)
{
    if (!lg.running) {
        return;
    }
    __atomic_store_n(&lg.stop, 1, __ATOMIC_RELEASE);
    pthread_join(lg.thread, NULL);
    if (lg.own_fd) {
        close(lg.fd);
    }
    lg.fd = -1;
    lg.running = false;
}

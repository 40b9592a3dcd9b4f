/* SPDX-License-Identifier: Apache-2.0 */
/* Counter names, their JSON form, and the stats socket thread (blocking
 * accept loop; never on a worker core). */
#include "dp_stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const counter_names[DP_C__COUNT] = {
    [DP_C_CONN_ACCEPTED] = "connections_accepted",
    [DP_C_CONN_REFUSED] = "connections_refused",
    [DP_C_CONN_ACTIVE] = "connections_active",
    [DP_C_MSG_RECEIVED] = "messages_received",
    [DP_C_MSG_RELAYED] = "messages_relayed",
    [DP_C_MSG_BLOCKED] = "messages_blocked",
    [DP_C_MSG_QUARANTINED] = "messages_quarantined",
    [DP_C_MSG_TEMPFAIL] = "messages_tempfailed",
    [DP_C_MSG_PERMFAIL] = "messages_permfailed",
    [DP_C_MSG_REDACTED] = "messages_redacted",
    [DP_C_BYTES_IN] = "bytes_received",
    [DP_C_BYTES_OUT] = "bytes_relayed",
    [DP_C_REPLY_2XX] = "replies_2xx",
    [DP_C_REPLY_4XX] = "replies_4xx",
    [DP_C_REPLY_5XX] = "replies_5xx",
    [DP_C_RELAY_CONNECTS] = "relay_connects",
    [DP_C_RELAY_REUSED] = "relay_reused",
    [DP_C_RELAY_FAILOVERS] = "relay_failovers",
    [DP_C_RELAY_UNREACHABLE] = "relay_unreachable",
    [DP_C_TRACK_DROPPED] = "tracking_lines_dropped",
    [DP_C_BUF_ALLOCS] = "buffer_allocations",
};

const char *
dp_counter_name(enum dp_counter c)
{
    return (unsigned)c < DP_C__COUNT ? counter_names[c] : "?";
}

/* put appends formatted text; false once it no longer fits. */
static bool put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        return false;
    }
    *len += (size_t)n;
    return true;
}

static bool
put_core(char *out, size_t cap, size_t *len, const uint64_t *c, const uint64_t *f)
{
    bool ok = put(out, cap, len, "{");
    for (unsigned i = 0; ok && i < DP_C__COUNT; i++) {
        ok = put(out, cap, len, "\"%s\":%llu,", counter_names[i], (unsigned long long)c[i]);
    }
    ok = ok && put(out, cap, len, "\"findings\":{");
    bool first = true;
    for (unsigned t = 0; ok && t < SCAN_T__COUNT; t++) {
        if (f[t] == 0) {
            continue;
        }
        ok = put(out, cap, len, "%s\"%s\":%llu", first ? "" : ",", scan_type_name(t),
                 (unsigned long long)f[t]);
        first = false;
    }
    return ok && put(out, cap, len, "}}");
}

size_t
dp_stats_json(char *out, size_t out_cap, const struct dp_stats_core *cores, unsigned n_cores)
{
    uint64_t tot[DP_C__COUNT] = {0}, ftot[SCAN_T__COUNT] = {0};
    for (unsigned w = 0; w < n_cores; w++) {
        for (unsigned i = 0; i < DP_C__COUNT; i++) {
            tot[i] += __atomic_load_n(&cores[w].c[i], __ATOMIC_RELAXED);
        }
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            ftot[t] += __atomic_load_n(&cores[w].findings[t], __ATOMIC_RELAXED);
        }
    }
    size_t len = 0;
    bool ok = put(out, out_cap, &len, "{\"total\":") && put_core(out, out_cap, &len, tot, ftot) &&
              put(out, out_cap, &len, ",\"workers\":[");
    for (unsigned w = 0; ok && w < n_cores; w++) {
        uint64_t c[DP_C__COUNT], f[SCAN_T__COUNT];
        for (unsigned i = 0; i < DP_C__COUNT; i++) {
            c[i] = __atomic_load_n(&cores[w].c[i], __ATOMIC_RELAXED);
        }
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            f[t] = __atomic_load_n(&cores[w].findings[t], __ATOMIC_RELAXED);
        }
        ok = (w == 0 || put(out, out_cap, &len, ",")) && put_core(out, out_cap, &len, c, f);
    }
    ok = ok && put(out, out_cap, &len, "]}\n");
    return ok ? len : 0;
}

static struct {
    int fd;
    pthread_t thread;
    bool running;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const struct dp_stats_core *cores;
    unsigned n_cores;
} srv = {.fd = -1};

static void *
serve(void *arg)
{
    (void)arg;
    static char buf[256 * 1024];
    for (;;) {
        int c = accept4(srv.fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return NULL; /* the socket was shut down: stop */
        }
        struct ucred cred;
        socklen_t cl = sizeof(cred);
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 &&
            (cred.uid == 0 || cred.uid == geteuid())) {
            size_t n = dp_stats_json(buf, sizeof(buf), srv.cores, srv.n_cores);
            size_t off = 0;
            while (off < n) {
                ssize_t k = send(c, buf + off, n - off, MSG_NOSIGNAL);
                if (k <= 0) {
                    break;
                }
                off += (size_t)k;
            }
        }
        close(c);
    }
}

int
dp_stats_serve_start(const char *path, const struct dp_stats_core *cores, unsigned n_cores,
                     int *out_errno)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t pl = strlen(path);
    if (pl == 0 || pl >= sizeof(sa.sun_path)) {
        *out_errno = ENAMETOOLONG;
        return RL_EIO;
    }
    memcpy(sa.sun_path, path, pl + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    (void)unlink(path);
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || listen(fd, 16) != 0) {
        *out_errno = errno;
        close(fd);
        return RL_EIO;
    }
    srv.fd = fd;
    srv.cores = cores;
    srv.n_cores = n_cores;
    memcpy(srv.path, path, pl + 1);
    if (pthread_create(&srv.thread, NULL, serve, NULL) != 0) {
        *out_errno = errno;
        close(fd);
        srv.fd = -1;
        return RL_EIO;
    }
    srv.running = true;
    return 0;
}

void
dp_stats_serve_stop(void)
{
    if (!srv.running) {
        return;
    }
    shutdown(srv.fd, SHUT_RDWR);
    pthread_join(srv.thread, NULL);
    close(srv.fd);
    (void)unlink(srv.path);
    srv.fd = -1;
    srv.running = false;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket's threads: accept, check the peer, read one request,
 * answer it through the service, log refusals and changes. */
#include "ctl_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_model.h"
#include "rl_io.h"

#define DISCARD_MAX (64u << 20) /* octets of an over-long request read and dropped */

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif

struct ctl_server {
    struct ctl_server_config cfg;
    struct rl_unix_server u;
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when `active` drops */
    unsigned active;     /* connection threads running */
};

struct conn {
    struct ctl_server *srv;
    int fd;
};

bool
ctl_peer_allowed(const struct ctl_server_config *cfg, uid_t uid, gid_t gid, const gid_t *groups,
                 size_t n_groups)
{
    if (uid == 0) {
        return true;
    }
    if (!cfg->admin_gid_set) {
        return false;
    }
    if (gid == cfg->admin_gid) {
        return true;
    }
    for (size_t i = 0; i < n_groups; i++) {
        if (groups[i] == cfg->admin_gid) {
            return true;
        }
    }
    return false;
}

static void
log_json(struct ctl_server *srv, json_t *line)
{
    if (srv->cfg.log != NULL && line != NULL) {
        char ts[32];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(line, "ts", json_string(ts));
        char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s != NULL) {
            srv->cfg.log(srv->cfg.log_ctx, s);
            free(s);
        }
    }
    json_decref(line);
}

/* discard_line reads and drops input up to a newline (at most
 * DISCARD_MAX octets, within the read timeout), so that a peer that writes
 * an over-long request whole before reading still gets the refusal instead
 * of a reset connection. */
static void
discard_line(int fd)
{
    char sink[65536];
    size_t total = 0;
    while (total < DISCARD_MAX) {
        ssize_t k = recv(fd, sink, sizeof(sink), 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0 || memchr(sink, '\n', (size_t)k) != NULL) {
            return;
        }
        total += (size_t)k;
    }
}

/* read_request reads up to one newline, at most CTL_REQ_MAX + 1 octets, so
 * that an over-long request is seen as one. Returns the malloc'd line and
 * its length, or NULL when the peer sent nothing usable in time. */
static char *
read_request(int fd, size_t *out_len, bool *out_timeout)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    *out_timeout = false;
    while (buf != NULL) {
        if (len == cap) {
            if (cap > CTL_REQ_MAX) {
                discard_line(fd);
                break; /* over the limit: the parser refuses it */
            }
            char *nb = realloc(buf, cap * 4 > CTL_REQ_MAX + 1 ? CTL_REQ_MAX + 1 : cap * 4);
            if (nb == NULL) {
                break;
            }
            buf = nb;
            cap = cap * 4 > CTL_REQ_MAX + 1 ? CTL_REQ_MAX + 1 : cap * 4;
        }
        ssize_t k = recv(fd, buf + len, cap - len, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            *out_timeout = k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
            if (len == 0 || *out_timeout) {
                free(buf);
                return NULL;
            }
            break; /* the peer closed after a line without its newline */
        }
        char *nl = memchr(buf + len, '\n', (size_t)k);
        len += (size_t)k;
        if (nl != NULL) {
            len = (size_t)(nl - buf) + 1;
            break;
        }
    }
    *out_len = len;
    return buf;
}

static void
send_json(int fd, json_t *answer)
{
    char *s = answer != NULL ? json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s == NULL) {
        static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}\n";
        (void)rl_write_all(fd, oom, sizeof(oom) - 1);
        return;
    }
    (void)rl_write_all(fd, s, strlen(s));
    (void)rl_write_all(fd, "\n", 1);
    free(s);
}

static json_t *
refusal(const char *why)
{
    return json_pack("{s:b, s:s}", "ok", 0, "error", why);
}

static void
serve(struct ctl_server *srv, int fd)
{
    struct ucred cred = {0};
    socklen_t cl = sizeof(cred);
    gid_t groups[256];
    socklen_t gl = sizeof(groups);
    struct timeval tv = {.tv_sec = CTL_SERVER_READ_S};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    bool have_cred = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0;
    if (!have_cred || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &gl) != 0) {
        gl = 0;
    }
    /* The request is read first even from a stranger, so that the refusal
     * reaches a peer still writing instead of a broken pipe. */
    size_t len = 0;
    bool timeout = false;
    char *line = read_request(fd, &len, &timeout);
    if (!have_cred ||
        !ctl_peer_allowed(&srv->cfg, cred.uid, cred.gid, groups, gl / sizeof(gid_t))) {
        log_json(srv,
                 json_pack("{s:s, s:I, s:I, s:I}", "event", "refused", "uid", (json_int_t)cred.uid,
                           "gid", (json_int_t)cred.gid, "pid", (json_int_t)cred.pid));
        json_t *r = refusal("permission denied: only root and members of the admin group may "
                            "use this socket");
        send_json(fd, r);
        json_decref(r);
        free(line);
        return;
    }
    if (line == NULL) {
        json_t *r = refusal(timeout ? "no request within 10 seconds" : "empty request");
        send_json(fd, r);
        json_decref(r);
        return;
    }
    struct ctl_request req;
    struct rl_diag diag = {{0}, {0}};
    json_t *answer = NULL;
    if (ctl_request_parse(&req, &diag, line, len) != 0) {
        char why[300];
        snprintf(why, sizeof(why), "%s%s%s", diag.field, diag.field[0] ? ": " : "", diag.reason);
        answer = refusal(why);
        log_json(srv, json_pack("{s:s, s:I, s:s}", "event", "bad-request", "uid",
                                (json_int_t)cred.uid, "error", why));
    } else if (req.forward) {
        char *text = ctl_service_forward(srv->cfg.svc, &req);
        if (text != NULL) {
            (void)rl_write_all(fd, text, strlen(text));
            free(text);
        }
        if (strcmp(req.line, "stats") != 0 && strcmp(req.line, "quarantine list") != 0) {
            log_json(srv, json_pack("{s:s, s:I, s:s}", "event", "dataplane", "uid",
                                    (json_int_t)cred.uid, "command", req.line));
        }
    } else {
        answer = ctl_service_handle(srv->cfg.svc, &req, cred.uid);
        if (ctl_model_is_edit(req.cmd)) {
            json_t *ok = json_object_get(answer, "ok");
            json_t *e =
                json_pack("{s:s, s:I, s:s, s:b, s:b}", "event", "edit", "uid", (json_int_t)cred.uid,
                          "cmd", req.cmd, "ok", json_is_true(ok), "dry_run", req.dry_run);
            json_t *v = json_object_get(answer, json_is_true(ok) ? "version" : "error");
            if (e != NULL && v != NULL) {
                json_object_set(e, json_is_true(ok) ? "version" : "error", v);
            }
            log_json(srv, e);
        }
    }
    if (!req.forward || answer != NULL) {
        send_json(fd, answer);
    }
    json_decref(answer);
    ctl_request_fini(&req);
    free(line);
}

static void *
conn_main(void *arg)
{
    struct conn *c = arg;
    struct ctl_server *srv = c->srv;
    serve(srv, c->fd);
    /* Unread input would make close() reset the connection and the peer
     * lose the answer: stop writing, then drain what is left. */
    shutdown(c->fd, SHUT_WR);
    char sink[4096];
    while (recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
    }
    close(c->fd);
    free(c);
    pthread_mutex_lock(&srv->lock);
    srv->active--;
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static void *
accept_main(void *arg)
{
    struct ctl_server *srv = arg;
    for (;;) {
        int fd = accept4(srv->u.fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
                continue;
            }
            return NULL; /* shut down */
        }
        pthread_mutex_lock(&srv->lock);
        bool room = srv->active < CTL_SERVER_CONNS_MAX;
        srv->active += room ? 1 : 0;
        pthread_mutex_unlock(&srv->lock);
        struct conn *c = room ? malloc(sizeof(*c)) : NULL;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (c != NULL) {
            c->srv = srv;
            c->fd = fd;
        }
        if (c == NULL || pthread_create(&t, &attr, conn_main, c) != 0) {
            json_t *r = refusal("busy: too many requests at once; try again");
            send_json(fd, r);
            json_decref(r);
            close(fd);
            free(c);
            if (room) {
                pthread_mutex_lock(&srv->lock);
                srv->active--;
                pthread_mutex_unlock(&srv->lock);
            }
        }
        pthread_attr_destroy(&attr);
    }
}

int
ctl_server_start(struct ctl_server **out_srv, int *out_errno, const struct ctl_server_config *cfg)
{
    struct ctl_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        *out_errno = ENOMEM;
        return RL_EIO;
    }
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->idle, NULL);
    if (rl_unix_server_start(&srv->u, cfg->path, 64,
                             cfg->admin_gid_set ? cfg->admin_gid : (gid_t)-1, accept_main,
                             srv) != 0) {
        *out_errno = errno;
        pthread_mutex_destroy(&srv->lock);
        pthread_cond_destroy(&srv->idle);
        free(srv);
        return RL_EIO;
    }
    *out_srv = srv;
    return 0;
}

void
ctl_server_stop(struct ctl_server *srv)
{
    if (srv == NULL) {
        return;
    }
    rl_unix_server_quiesce(&srv->u);
    pthread_mutex_lock(&srv->lock);
    while (srv->active > 0) {
        pthread_cond_wait(&srv->idle, &srv->lock);
    }
    pthread_mutex_unlock(&srv->lock);
    rl_unix_server_close(&srv->u);
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->idle);
    free(srv);
}

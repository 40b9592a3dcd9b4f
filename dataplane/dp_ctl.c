/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket: an accepting thread and one thread per connection (at
 * most DP_CTL_MAX_CLIENTS at once), so an idle client or a slow release holds
 * up nobody else. Each parses a command, runs it against the counters or the
 * quarantine store, answers in JSON, and writes a tracking line for every
 * release and delete. A message being released or deleted is claimed, so two
 * commands never act on it at once. */
#include "dp_ctl.h"

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

#include <jansson.h>

#include "dp_release.h"
#include "dp_store.h"
#include "rl_io.h"

#define META_MAX 8192 /* a metadata line is at most DP_TRACK_LINE octets */

int
dp_ctl_parse(struct dp_ctl_cmd *out_cmd, char *why, size_t why_cap, const char *line, size_t len)
{
    memset(out_cmd, 0, sizeof(*out_cmd));
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    char buf[DP_CTL_LINE_MAX];
    if (len >= sizeof(buf)) {
        snprintf(why, why_cap, "command longer than %d octets", DP_CTL_LINE_MAX - 1);
        return RL_EINVAL;
    }
    memcpy(buf, line, len);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        snprintf(why, why_cap, "NUL octet in the command");
        return RL_EINVAL;
    }
    char *words[4];
    size_t n = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        if (n == 4) {
            snprintf(why, why_cap, "too many words");
            return RL_EINVAL;
        }
        words[n++] = w;
    }
    if (n == 1 && strcmp(words[0], "stats") == 0) {
        out_cmd->verb = DP_CTL_STATS;
        return 0;
    }
    if (n == 1 && strcmp(words[0], "reload") == 0) {
        out_cmd->verb = DP_CTL_RELOAD;
        return 0;
    }
    if (n == 2 && strcmp(words[0], "log") == 0 && strcmp(words[1], "reopen") == 0) {
        out_cmd->verb = DP_CTL_LOG_REOPEN;
        return 0;
    }
    if (n == 0 || strcmp(words[0], "quarantine") != 0) {
        snprintf(why, why_cap, "unknown command; expected stats, reload, log reopen or quarantine");
        return RL_EINVAL;
    }
    if (n == 2 && strcmp(words[1], "list") == 0) {
        out_cmd->verb = DP_CTL_Q_LIST;
        return 0;
    }
    bool release = n >= 2 && strcmp(words[1], "release") == 0;
    if (!release && (n < 2 || strcmp(words[1], "delete") != 0)) {
        snprintf(why, why_cap,
                 "unknown quarantine command; expected list, release ID or delete ID");
        return RL_EINVAL;
    }
    if (n != 3 || !dp_store_id_ok(words[2])) {
        snprintf(why, why_cap, "quarantine %s needs one message id ([A-Za-z0-9._-], 1-128)",
                 words[1]);
        return RL_EINVAL;
    }
    out_cmd->verb = release ? DP_CTL_Q_RELEASE : DP_CTL_Q_DELETE;
    snprintf(out_cmd->id, sizeof(out_cmd->id), "%s", words[2]);
    return 0;
}

static struct {
    struct rl_unix_server u;
    struct dp_ctl_deps d;
    pthread_mutex_t lock;                 /* guards what follows */
    pthread_cond_t done;                  /* a client thread ended */
    unsigned n_clients;                   /* client threads running */
    int clients[DP_CTL_MAX_CLIENTS];      /* their sockets, -1 when free */
    char claims[DP_CTL_MAX_CLIENTS][129]; /* ids being released or deleted, "" when free */
    unsigned next_worker;                 /* the worker the next release goes to (atomic) */
} srv = {.u.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

/* claim marks `id` as being acted on; false when another command has it. */
static bool
claim(const char *id)
{
    pthread_mutex_lock(&srv.lock);
    int free_slot = -1;
    bool taken = false;
    for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
        taken = taken || strcmp(srv.claims[i], id) == 0;
        free_slot = free_slot < 0 && srv.claims[i][0] == '\0' ? i : free_slot;
    }
    if (!taken && free_slot >= 0) {
        snprintf(srv.claims[free_slot], sizeof(srv.claims[0]), "%s", id);
    }
    pthread_mutex_unlock(&srv.lock);
    return !taken && free_slot >= 0;
}

static void
unclaim(const char *id)
{
    pthread_mutex_lock(&srv.lock);
    for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
        if (strcmp(srv.claims[i], id) == 0) {
            srv.claims[i][0] = '\0';
        }
    }
    pthread_mutex_unlock(&srv.lock);
}

static json_t *error_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
error_reply(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
store_error(const char *id, int rc, int err)
{
    if (rc == RL_ENOENT) {
        return error_reply("no quarantined message %s", id);
    }
    if (rc == RL_ESYNTAX) {
        return error_reply("quarantined message %s has no metadata line", id);
    }
    return error_reply("quarantine store: %s", rc == RL_EIO ? strerror(err) : rl_strerror(rc));
}

/* track writes one tracking line for an administrator's action; takes
 * `line`'s reference. */
static void
track(json_t *line, uid_t uid)
{
    if (line != NULL) {
        json_object_set_new(line, "by_uid", json_integer(uid));
    }
    (void)dp_track_write_json(line);
}

static int
list_one(void *ctx, const char *id)
{
    json_t *list = ctx;
    uint8_t *file = NULL;
    size_t file_len = 0, meta_len = 0, msg_len = 0;
    int err = 0;
    if (dp_store_get(srv.d.boot->quarantine_dir, id, META_MAX, &file, &file_len, &meta_len,
                     &msg_len, &err) != 0) {
        return 0; /* released or deleted meanwhile, or not ours: not listed */
    }
    json_t *meta = json_loadb((const char *)file, meta_len, JSON_REJECT_DUPLICATES, NULL);
    free(file);
    if (!json_is_object(meta)) {
        json_decref(meta);
        meta = json_object();
        json_object_set_new(meta, "error", json_string("unreadable metadata"));
    }
    json_object_set_new(meta, "id", json_string(id));
    json_object_set_new(meta, "stored_size", json_integer((json_int_t)msg_len));
    json_array_append_new(list, meta);
    return 0;
}

static json_t *
q_list(void)
{
    json_t *list = json_array();
    int err = 0;
    if (dp_store_list(srv.d.boot->quarantine_dir, list_one, list, &err) != 0) {
        json_decref(list);
        return error_reply("quarantine store: %s", strerror(err));
    }
    return json_pack("{s:b, s:o}", "ok", 1, "messages", list);
}

static json_t *
busy(const char *id)
{
    return error_reply("message %s is being released or deleted by another command; "
                       "try again when it is done",
                       id);
}

static json_t *
q_delete(const char *id, uid_t uid)
{
    int err = 0;
    if (!claim(id)) {
        return busy(id);
    }
    int rc = dp_store_remove(srv.d.boot->quarantine_dir, id, &err);
    unclaim(id);
    if (rc != 0) {
        return store_error(id, rc, err);
    }
    track(json_pack("{s:s, s:s}", "id", id, "action", "deleted"), uid);
    return json_pack("{s:b, s:s, s:s}", "ok", 1, "id", id, "action", "deleted");
}

/* envelope reads the sender and recipients the worker stored; false when
 * they are missing or not all there. */
static bool
envelope(json_t *meta, const char **out_from, const char **rcpts, size_t cap, size_t *out_n)
{
    if (json_is_true(json_object_get(meta, "rcpts_truncated"))) {
        return false; /* the line could not hold them all: never a partial release */
    }
    json_t *from = json_object_get(meta, "from");
    json_t *list = json_object_get(meta, "rcpts");
    if (!json_is_string(from) || !json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > cap) {
        return false;
    }
    *out_from = json_string_value(from);
    for (size_t i = 0; i < json_array_size(list); i++) {
        rcpts[i] = json_string_value(json_array_get(list, i));
        if (rcpts[i] == NULL) {
            return false;
        }
    }
    *out_n = json_array_size(list);
    return true;
}

static json_t *q_release_claimed(const char *id, uid_t uid);

static json_t *
q_release(const char *id, uid_t uid)
{
    if (!claim(id)) {
        return busy(id);
    }
    json_t *reply = q_release_claimed(id, uid);
    unclaim(id);
    return reply;
}

/* q_release_claimed releases `id`, which this thread has claimed: no other
 * command can release or delete it meanwhile, so it is delivered once. */
static json_t *
q_release_claimed(const char *id, uid_t uid)
{
    uint8_t *file = NULL;
    size_t file_len = 0, meta_len = 0, msg_len = 0;
    int err = 0;
    int rc = dp_store_get(srv.d.boot->quarantine_dir, id, SIZE_MAX, &file, &file_len, &meta_len,
                          &msg_len, &err);
    if (rc != 0) {
        return store_error(id, rc, err);
    }
    json_t *meta = json_loadb((const char *)file, meta_len, JSON_REJECT_DUPLICATES, NULL);
    const char *from = NULL;
    const char *rcpts[1024];
    size_t n_rcpts = 0;
    json_t *reply;
    if (!json_is_object(meta) || !envelope(meta, &from, rcpts, 1024, &n_rcpts)) {
        reply = error_reply("quarantined message %s: metadata has no usable from and rcpts", id);
        goto out;
    }
    struct dp_release_result res;
    /* A worker relays it over its own backend and relay (dp_release.h);
     * releases of several connections go to the workers in turn. */
    unsigned k = __atomic_fetch_add(&srv.next_worker, 1, __ATOMIC_RELAXED);
    rc = dp_release_run(&res, srv.d.workers[k % srv.d.n_cores], from, rcpts, n_rcpts,
                        file + meta_len + 1, msg_len);
    if (rc == RL_ENOENT) {
        reply = error_reply("no route for the recipients of %s; kept in quarantine", id);
        goto out;
    }
    if (rc == RL_ENOMEM || rc == RL_EINVAL || rc == RL_EAGAIN) {
        reply = error_reply("release of %s: %s; kept in quarantine", id, rl_strerror(rc));
        goto out;
    }
    bool removed = false;
    if (res.delivered) {
        removed = dp_store_remove(srv.d.boot->quarantine_dir, id, &err) == 0;
    }
    char said[300];
    if (res.code != 0) {
        snprintf(said, sizeof(said), "%d%s%s %s", res.code, res.enhanced[0] ? " " : "",
                 res.enhanced, res.text);
    } else {
        snprintf(said, sizeof(said), "%s", res.text);
    }
    reply = json_pack("{s:b, s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "ok", res.delivered, "id", id,
                      "action", res.delivered ? "released" : "kept", "next_hop", res.hop, "reply",
                      said, "rcpts_accepted", (int)res.rcpt_ok, "rcpts_refused",
                      (int)res.rcpt_refused, "removed", removed);
    if (!res.delivered) {
        json_object_set_new(reply, "error", json_sprintf("release of %s refused: %s", id, said));
    }
    track(json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "id", id, "action",
                    res.delivered ? "released" : "release-failed", "next_hop", res.hop, "reply",
                    said, "rcpts_accepted", (int)res.rcpt_ok, "rcpts_refused",
                    (int)res.rcpt_refused),
          uid);
out:
    json_decref(meta);
    free(file);
    return reply;
}

static json_t *
reload(uid_t uid)
{
    struct rl_diag diag = {{0}, {0}};
    if (srv.d.reload == NULL) {
        return error_reply("reload: STARTTLS is not configured: nothing to reload");
    }
    if (dp_tls_reload_run(srv.d.reload, &diag, "control", (long)uid) != 0) {
        return error_reply("reload: %s: %s; nothing changed", diag.field, diag.reason);
    }
    return json_pack("{s:b, s:s, s:i}", "ok", 1, "action", "tls-reload", "workers",
                     (int)srv.d.n_cores);
}

/* log_reopen answers once every writer writes to the new file (dp_track
 * swaps it at once), so that logrotate may compress the old one right after. */
static json_t *
log_reopen(void)
{
    int err = 0;
    if (dp_track_reopen(&err) != 0) {
        return error_reply("log reopen: %s: %s; still writing the old file", srv.d.boot->log_path,
                           strerror(err));
    }
    return json_pack("{s:b, s:s, s:s}", "ok", 1, "action", "log-reopen", "log",
                     srv.d.boot->log_path);
}

static json_t *
run(const struct dp_ctl_cmd *cmd, uid_t uid)
{
    switch (cmd->verb) {
    case DP_CTL_STATS:
        break;
    case DP_CTL_RELOAD:
        return reload(uid);
    case DP_CTL_LOG_REOPEN:
        return log_reopen();
    case DP_CTL_Q_LIST:
        return q_list();
    case DP_CTL_Q_RELEASE:
        return q_release(cmd->id, uid);
    case DP_CTL_Q_DELETE:
        return q_delete(cmd->id, uid);
    }
    return NULL; /* stats: answered as text by the caller */
}

/* read_line reads one command line; false if none came within the socket's
 * timeout or it is too long. */
static bool
read_line(int c, char *line, size_t cap, size_t *out_len)
{
    size_t len = 0;
    while (len < cap) {
        ssize_t k = recv(c, line + len, cap - len, 0);
        if (k <= 0) {
            return false;
        }
        len += (size_t)k;
        if (memchr(line, '\n', len) != NULL) {
            *out_len = (size_t)((char *)memchr(line, '\n', len) - line) + 1;
            return true;
        }
    }
    *out_len = len;
    return true; /* too long: the parser says so */
}

/* peer_allowed tells whether the peer of `c` may use the socket: root, the
 * dataplane's own user, or a member of its group (primary or supplementary,
 * as the kernel recorded them at connect: SO_PEERGROUPS). Sets *out_uid. */
static bool
peer_allowed(int c, uid_t *out_uid)
{
    struct ucred cred;
    socklen_t cl = sizeof(cred);
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
        return false;
    }
    *out_uid = cred.uid;
    gid_t ours = getegid();
    if (cred.uid == 0 || cred.uid == geteuid() || (ours != 0 && cred.gid == ours)) {
        return true;
    }
    gid_t groups[256];
    socklen_t gl = sizeof(groups);
    if (ours == 0 || getsockopt(c, SOL_SOCKET, SO_PEERGROUPS, groups, &gl) != 0) {
        return false;
    }
    for (size_t i = 0; i < gl / sizeof(gid_t); i++) {
        if (groups[i] == ours) {
            return true;
        }
    }
    return false;
}

static void
serve_one(int c)
{
    json_t *reply = NULL;
    char line[DP_CTL_LINE_MAX + 1];
    size_t len = 0;
    struct dp_ctl_cmd cmd;
    char why[160];
    uid_t uid = 0;
    struct timeval tv = {.tv_sec = 5};
    (void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    /* The line is read first even from a stranger, so that the refusal
     * reaches a client still writing instead of a broken pipe. */
    bool got = read_line(c, line, sizeof(line), &len);
    if (!peer_allowed(c, &uid)) {
        reply = error_reply("permission denied: only root and the dataplane's user and group "
                            "may use this socket");
    } else if (!got) {
        reply = error_reply("no command line within 5 seconds");
    } else if (dp_ctl_parse(&cmd, why, sizeof(why), line, len) != 0) {
        reply = error_reply("%s", why);
    } else if ((reply = run(&cmd, uid)) == NULL) {
        static const size_t cap = (size_t)256 * 1024;
        char *buf = malloc(cap);
        size_t n =
            buf != NULL ? dp_stats_json(buf, cap, srv.d.proc, srv.d.cores, srv.d.n_cores) : 0;
        if (n == 0) {
            reply = error_reply("stats: %s", buf == NULL ? "out of memory" : "too large");
        } else {
            (void)rl_write_all(c, buf, n);
        }
        free(buf);
        if (n != 0) {
            return;
        }
    }
    char *s = reply != NULL ? json_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(reply);
    if (s != NULL) {
        (void)rl_write_all(c, s, strlen(s));
        (void)rl_write_all(c, "\n", 1);
        free(s);
    }
}

/* finish closes a client connection without losing the answer: unread input
 * (an over-long line) would make close() reset it, so what came is drained. */
static void
finish(int c)
{
    char buf[4096];
    shutdown(c, SHUT_WR);
    while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
    }
    close(c);
}

static void *
client(void *arg)
{
    int slot = (int)(intptr_t)arg;
    int c = srv.clients[slot];
    serve_one(c);
    pthread_mutex_lock(&srv.lock);
    srv.clients[slot] = -1;
    srv.n_clients--;
    pthread_cond_broadcast(&srv.done);
    pthread_mutex_unlock(&srv.lock);
    finish(c);
    return NULL;
}

/* start_client hands `c` to a thread of its own; false when all
 * DP_CTL_MAX_CLIENTS are busy or no thread could start. */
static bool
start_client(int c)
{
    pthread_mutex_lock(&srv.lock);
    int slot = -1;
    for (int i = 0; i < DP_CTL_MAX_CLIENTS && slot < 0; i++) {
        slot = srv.clients[i] < 0 ? i : -1;
    }
    bool ok = slot >= 0;
    if (ok) {
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        srv.clients[slot] = c;
        ok = pthread_create(&t, &attr, client, (void *)(intptr_t)slot) == 0;
        pthread_attr_destroy(&attr);
        if (ok) {
            srv.n_clients++;
        } else {
            srv.clients[slot] = -1;
        }
    }
    pthread_mutex_unlock(&srv.lock);
    return ok;
}

static void *
serve(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept4(srv.u.fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return NULL; /* the socket was shut down: stop */
        }
        if (!start_client(c)) {
            static const char msg[] = "{\"ok\":false,\"error\":\"busy: too many control "
                                      "connections at once; try again\"}\n";
            (void)rl_write_all(c, msg, sizeof(msg) - 1);
            finish(c);
        }
    }
}

int
dp_ctl_serve_start(const char *path, const struct dp_ctl_deps *deps, int *out_errno)
{
    for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
        srv.clients[i] = -1;
        srv.claims[i][0] = '\0';
    }
    srv.d = *deps;
    if (rl_unix_server_start(&srv.u, path, 64, (gid_t)-1, serve, NULL) != 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    return 0;
}

void
dp_ctl_serve_stop(void)
{
    if (!srv.u.running) {
        return;
    }
    rl_unix_server_quiesce(&srv.u);
    /* Idle clients are cut off; a release in progress finishes (its next
     * hop's replies are bounded by timeouts) and writes its tracking line. */
    pthread_mutex_lock(&srv.lock);
    for (int i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
        if (srv.clients[i] >= 0) {
            shutdown(srv.clients[i], SHUT_RD);
        }
    }
    while (srv.n_clients > 0) {
        pthread_cond_wait(&srv.done, &srv.lock);
    }
    pthread_mutex_unlock(&srv.lock);
    rl_unix_server_close(&srv.u);
}

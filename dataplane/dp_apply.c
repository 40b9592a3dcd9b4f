/* SPDX-License-Identifier: Apache-2.0 */
/* The config socket: snapshot frames from redline-controld built into
 * runtime snapshots, published, kept on disk, acknowledged; and the frame
 * kept on disk read back at start-up. */
#include "dp_apply.h"

#include <errno.h>
#include <fcntl.h>
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

#include "dp_push.h"
#include "rl_io.h"
#include "scan_engine.h"

/* The policy digest (dp_apply_build) of the last snapshot applied, for the
 * next apply to share its policy part; written by the apply thread, and by
 * the main thread before that thread starts. */
static struct {
    const struct dp_snap_scan *scan;
    uint8_t digest[32];
} last;

static void
remember(const struct dp_snapshot *s, const uint8_t *digest)
{
    last.scan = s->scan;
    memcpy(last.digest, digest, sizeof(last.digest));
}

/* The runtime settings redline-controld owns; the rest stays the file's. */
static const char *const managed[] = {"mta_groups",     "routes", "tls_profiles",
                                      "relay_networks", "limits", "relay"};

static bool
is_managed(const char *k)
{
    for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
        if (strcmp(k, managed[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* runtime builds the runtime settings of a pushed configuration. */
static int
runtime(struct dp_runtime *out, struct rl_diag *diag, const struct dp_runtime *file_rt,
        json_t *config, uint64_t version, uint64_t rate)
{
    const char *k;
    json_t *v;
    json_object_foreach(config, k, v)
    {
        if (!is_managed(k)) {
            return rl_diag_set(diag, k, "not a setting redline-controld may change here");
        }
    }
    char *text = json_dumps(config, JSON_COMPACT);
    struct dp_config *c = malloc(sizeof(*c));
    if (text == NULL || c == NULL) {
        free(text);
        free(c);
        return RL_ENOMEM;
    }
    /* Defaults for what controld owns, so a key it leaves out is not the
     * file's; the host name and the listener's TLS are the file's. */
    dp_config_defaults(c);
    snprintf(c->rt.hostname, sizeof(c->rt.hostname), "%s", file_rt->hostname);
    memcpy(c->rt.tls_cert, file_rt->tls_cert, sizeof(c->rt.tls_cert));
    memcpy(c->rt.tls_key, file_rt->tls_key, sizeof(c->rt.tls_key));
    memcpy(c->rt.tls_profile, file_rt->tls_profile, sizeof(c->rt.tls_profile));
    c->rt.tls_policy = file_rt->tls_policy;
    int rc = dp_config_load_json(c, diag, text, strlen(text));
    free(text);
    if (rc == 0) {
        c->rt.config_version = version;
        c->rt.rate_per_hour = rate;
        *out = c->rt;
    }
    free(c);
    return rc;
}

int
dp_apply_build(struct dp_snapshot **out_snap, struct rl_diag *diag,
               const struct dp_runtime *file_rt, unsigned n_workers, const uint8_t *secret,
               const struct dp_snapshot *prev, const uint8_t *prev_policy, uint8_t out_policy[32],
               const uint8_t *json, size_t json_len, const uint8_t *blob, size_t blob_len)
{
    json_error_t jerr;
    json_t *payload = json_loadb((const char *)json, json_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(payload)) {
        json_decref(payload);
        rl_diag_set(diag, "snapshot", "configuration is not a JSON object: %s", jerr.text);
        return RL_ESYNTAX;
    }
    json_int_t version = json_integer_value(json_object_get(payload, "version"));
    json_t *config = json_object_get(payload, "config");
    const char *policy_text = json_string_value(json_object_get(payload, "policy"));
    json_t *rate = json_object_get(json_object_get(payload, "license"), "rate_per_hour");
    struct dp_runtime *rt = malloc(sizeof(*rt));
    struct scan_policy *policy = NULL;
    uint8_t *engine = NULL;
    int rc = RL_EINVAL;
    if (rt == NULL) {
        rc = RL_ENOMEM;
    } else if (version < 1 || !json_is_object(config) || policy_text == NULL ||
               !json_is_integer(rate) || json_integer_value(rate) < 0) {
        rl_diag_set(diag, "snapshot", "needs version, config, policy and license.rate_per_hour");
    } else {
        rc = runtime(rt, diag, file_rt, config, (uint64_t)version,
                     (uint64_t)json_integer_value(rate));
    }
    if (rc == 0) {
        /* The same policy and engine as the snapshot in force: share them,
         * so workers keep their scanners (nothing to deserialise). */
        struct dp_push_header d = {0};
        dp_push_seal(&d, (const uint8_t *)policy_text, strlen(policy_text), blob, blob_len);
        memcpy(out_policy, d.sha256, 32);
        if (prev != NULL && prev_policy != NULL && memcmp(prev_policy, d.sha256, 32) == 0) {
            rc = dp_snapshot_build(out_snap, diag, rt, n_workers, secret, prev,
                                   DP_SNAP_KEEP_TLS | DP_SNAP_KEEP_POLICY);
            free(rt);
            json_decref(payload);
            return rc;
        }
    }
    if (rc == 0) {
        struct rl_diag pd = {{0}, {0}};
        rc = scan_policy_parse(&policy, &pd, policy_text, strlen(policy_text));
        if (rc != 0) {
            rl_diag_set(diag, "policy", "%s: %s", pd.field, pd.reason);
        }
    }
    if (rc == 0) {
        /* The engine must be one this process can load: a worker that could
         * not would stay on the old snapshot. Never compiled here. */
        struct scan_engine *e = NULL;
        rc = scan_engine_deserialize(&e, policy, blob, blob_len);
        scan_engine_free(e);
        if (rc != 0) {
            rl_diag_set(diag, "engine",
                        "the serialised engine does not load here (another Hyperscan build?)");
        }
    }
    if (rc == 0) {
        engine = malloc(blob_len > 0 ? blob_len : 1);
        rc = engine != NULL ? 0 : RL_ENOMEM;
    }
    if (rc == 0) {
        memcpy(engine, blob, blob_len);
        rc = dp_snapshot_build_engine(out_snap, diag, rt, n_workers, secret, prev, DP_SNAP_KEEP_TLS,
                                      policy, engine, blob_len);
        policy = NULL; /* taken, as is the engine */
        engine = NULL;
    }
    scan_policy_free(policy);
    free(engine);
    free(rt);
    json_decref(payload);
    return rc;
}

/* read_file reads all of `path` (at most `max` octets). */
static int
read_file(uint8_t **out, size_t *out_len, const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? RL_ENOENT : RL_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size > max) {
        close(fd);
        return RL_ELIMIT;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf != NULL && got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        got += (size_t)k;
    }
    close(fd);
    if (buf == NULL || got != (size_t)st.st_size) {
        free(buf);
        return buf == NULL ? RL_ENOMEM : RL_EIO;
    }
    *out = buf;
    *out_len = got;
    return 0;
}

/* frame_split finds the header, JSON and engine of a frame in memory. */
static int
frame_split(struct dp_push_header *h, struct rl_diag *diag, const uint8_t *f, size_t len,
            size_t *out_body)
{
    const uint8_t *nl = memchr(f, '\n', len < DP_PUSH_HEADER_MAX ? len : DP_PUSH_HEADER_MAX);
    if (nl == NULL) {
        rl_diag_set(diag, "snapshot", "no header line");
        return RL_ESYNTAX;
    }
    size_t hl = (size_t)(nl - f) + 1;
    int rc = dp_push_header_parse(h, diag, (const char *)f, hl);
    if (rc != 0) {
        return rc;
    }
    rc = dp_push_check(h, diag, f + hl, len - hl < h->json_len ? len - hl : h->json_len,
                       f + hl + h->json_len,
                       len - hl - h->json_len > h->blob_len ? h->blob_len : len - hl - h->json_len);
    if (rc == 0 && len != hl + h->json_len + h->blob_len) {
        rl_diag_set(diag, "snapshot", "octets after the engine");
        rc = RL_EVERIFY;
    }
    *out_body = hl;
    return rc;
}

int
dp_apply_load_saved(struct dp_snapshot **out_snap, struct rl_diag *diag, const char *state_dir,
                    const struct dp_runtime *file_rt, unsigned n_workers, const uint8_t *secret)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", state_dir, DP_APPLY_SAVED);
    uint8_t *f = NULL;
    size_t len = 0;
    int rc = read_file(&f, &len, path, DP_PUSH_HEADER_MAX + DP_PUSH_JSON_MAX + DP_PUSH_BLOB_MAX);
    if (rc != 0) {
        if (rc != RL_ENOENT) {
            rl_diag_set(diag, "state_dir", "%s: %s", path, rl_strerror(rc));
        }
        return rc;
    }
    struct dp_push_header h;
    size_t body = 0;
    rc = frame_split(&h, diag, f, len, &body);
    uint8_t digest[32];
    if (rc == 0) {
        rc = dp_apply_build(out_snap, diag, file_rt, n_workers, secret, NULL, NULL, digest,
                            f + body, h.json_len, f + body + h.json_len, h.blob_len);
    }
    if (rc == 0) {
        remember(*out_snap, digest);
    }
    free(f);
    return rc;
}

/* keep writes the frame under the state directory: a temporary file,
 * fsync, rename, fsync of the directory, so a crash leaves the old frame or
 * the new one, whole. */
static int
keep(const char *dir, const uint8_t *f, size_t len)
{
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, DP_APPLY_SAVED);
    snprintf(path, sizeof(path), "%s/%s", dir, DP_APPLY_SAVED);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return RL_EIO;
    }
    if (rl_write_all(fd, f, len) != 0 || fsync(fd) != 0) {
        close(fd);
        (void)unlink(tmp);
        return RL_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return RL_EIO;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = dfd >= 0 && fsync(dfd) == 0 ? 0 : RL_EIO;
    if (dfd >= 0) {
        close(dfd);
    }
    return rc;
}

static struct {
    struct rl_unix_server u;
    struct dp_apply_deps d;
} srv = {.u.fd = -1};

static void
answer(int c, json_t *a)
{
    char *s = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    if (s != NULL) {
        (void)rl_write_all(c, s, strlen(s));
        (void)rl_write_all(c, "\n", 1);
        free(s);
    }
}

static json_t *
refusal(const struct rl_diag *d)
{
    char msg[300];
    snprintf(msg, sizeof(msg), "%s%s%s", d->field, d->field[0] ? ": " : "", d->reason);
    return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg, "field", d->field);
}

/* track writes one tracking line for an apply. */
static void
track(uint64_t version, const struct rl_diag *d, long uid, double ms)
{
    json_t *line = json_pack("{s:s, s:b, s:I, s:i, s:f}", "action", "config-apply", "ok", d == NULL,
                             "version", (json_int_t)version, "by_uid", (int)uid, "ms", ms);
    if (line != NULL && d != NULL) {
        json_object_set_new(line, "field", json_string(d->field));
        json_object_set_new(line, "error", json_string(d->reason));
    }
    (void)dp_track_write_json(line);
}

/* read_exact reads `len` octets; false on a peer gone or silent. */
static bool
read_exact(int c, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t k = recv(c, buf + got, len - got, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return false;
        }
        got += (size_t)k;
    }
    return true;
}

static json_t *
apply(int c, const char *line, size_t hl, long uid)
{
    struct rl_diag d = {{0}, {0}};
    struct dp_push_header h;
    if (dp_push_header_parse(&h, &d, line, hl) != 0) {
        return refusal(&d);
    }
    uint8_t *f = malloc(hl + h.json_len + h.blob_len);
    if (f == NULL) {
        rl_diag_set(&d, "snapshot", "out of memory for %zu octets", h.json_len + h.blob_len);
        return refusal(&d);
    }
    memcpy(f, line, hl);
    if (!read_exact(c, f + hl, h.json_len + h.blob_len)) {
        free(f);
        rl_diag_set(&d, "snapshot", "cut short (the peer went away or was silent)");
        return refusal(&d);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const uint8_t *json = f + hl, *blob = f + hl + h.json_len;
    struct dp_snapshot *s = NULL;
    const struct dp_snapshot *cur = dp_live_hold(srv.d.live, srv.d.live_slot);
    int rc = dp_push_check(&h, &d, json, h.json_len, blob, h.blob_len);
    uint8_t digest[32];
    if (rc == 0) {
        rc = dp_apply_build(&s, &d, srv.d.file_rt, srv.d.n_workers, NULL, cur,
                            last.scan == cur->scan ? last.digest : NULL, digest, json, h.json_len,
                            blob, h.blob_len);
    }
    if (rc == 0) {
        remember(s, digest);
    }
    dp_live_unhold(srv.d.live, srv.d.live_slot);
    if (rc == 0 && s->rt.config_version != h.version) {
        rl_diag_set(&d, "snapshot", "header version %llu, configuration version %llu",
                    (unsigned long long)h.version, (unsigned long long)s->rt.config_version);
        dp_snapshot_free(s);
        rc = RL_EINVAL;
    }
    json_t *a;
    if (rc != 0) {
        a = refusal(&d);
        track(h.version, &d, uid, 0);
    } else {
        uint64_t live_version = 0;
        /* Every worker woken and past the swap (dp_live_set_waker). */
        dp_live_publish(srv.d.live, s, &live_version);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        bool kept = srv.d.state_dir[0] == '\0' ||
                    keep(srv.d.state_dir, f, hl + h.json_len + h.blob_len) == 0;
        a = json_pack("{s:b, s:I, s:I, s:b, s:f}", "ok", 1, "version", (json_int_t)h.version,
                      "snapshot", (json_int_t)live_version, "kept", kept, "ms", ms);
        track(h.version, NULL, uid, ms);
    }
    free(f);
    return a;
}

static void
serve_one(int c)
{
    struct ucred cred;
    socklen_t cl = sizeof(cred);
    struct timeval tv = {.tv_sec = 30};
    (void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char line[DP_PUSH_HEADER_MAX + 1];
    size_t hl = 0;
    /* The header line, octet by octet: what follows it is the body. */
    while (hl < DP_PUSH_HEADER_MAX) {
        ssize_t k = recv(c, line + hl, 1, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0 || line[hl++] == '\n') {
            break;
        }
    }
    line[hl] = '\0';
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
        (cred.uid != 0 && cred.uid != geteuid())) {
        answer(c, json_pack("{s:b, s:s}", "ok", 0, "error",
                            "permission denied: only root and the dataplane's user may use "
                            "this socket"));
        return;
    }
    if (strcmp(line, "version\n") == 0) {
        const struct dp_snapshot *cur = dp_live_hold(srv.d.live, srv.d.live_slot);
        json_int_t v = (json_int_t)cur->rt.config_version;
        dp_live_unhold(srv.d.live, srv.d.live_slot);
        answer(c, json_pack("{s:b, s:I}", "ok", 1, "version", v));
        return;
    }
    answer(c, apply(c, line, hl, (long)cred.uid));
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
            return NULL;
        }
        serve_one(c);
        shutdown(c, SHUT_WR);
        char sink[4096];
        while (recv(c, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
        }
        close(c);
    }
}

int
dp_apply_start(const char *path, const struct dp_apply_deps *deps, int *out_errno)
{
    srv.d = *deps;
    if (rl_unix_server_start(&srv.u, path, 16, (gid_t)-1, serve, NULL) != 0) {
        *out_errno = errno;
        return RL_EIO;
    }
    return 0;
}

void
dp_apply_stop(void)
{
    if (!srv.u.running) {
        return;
    }
    rl_unix_server_quiesce(&srv.u);
    rl_unix_server_close(&srv.u);
}

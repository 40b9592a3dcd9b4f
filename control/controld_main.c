/* SPDX-License-Identifier: Apache-2.0 */
/* redline-controld: the control plane. Owns the configuration and the
 * licence in an SQLite store under --state-dir (read and written only
 * here), serves redlinectl on a UNIX socket (0660, the admin group; peers
 * checked with SO_PEERCRED), forwards the dataplane's own commands to
 * redlined's control socket, and serves GET /metrics on a loopback address.
 * Started as root, it drops to its own account (--user, default redline)
 * once its sockets are bound and its store open, handing the store and the
 * socket to it; that account must read the TLS files it validates. It
 * opens no network socket other than the loopback metrics one.
 * SIGTERM/SIGINT stop it after the requests in progress. Under systemd
 * (Type=notify) it says READY=1 once it serves and STOPPING=1 at the stop. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_conf.h"
#include "ctl_http.h"
#include "ctl_keys.h"
#include "ctl_metrics.h"
#include "ctl_model.h"
#include "ctl_push.h"
#include "ctl_server.h"
#include "ctl_service.h"
#include "ctl_store.h"
#include "ctl_validate.h"
#include "rl_priv.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* log_line writes one line to standard error (the journal under systemd). */
static void
log_line(void *ctx, const char *line)
{
    (void)ctx;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "redline-controld: %s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

static int
fail(const char *what, const char *why)
{
    fprintf(stderr, "redline-controld: %s%s%s\n", what, what[0] ? ": " : "", why);
    return 1;
}

/* admin_group resolves a group name or number; false when there is none. */
static bool
admin_group(gid_t *out, const char *name)
{
    if (name[0] == '\0') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(name, &end, 10);
    if (errno == 0 && end != name && *end == '\0' && n < 0xffffffffUL) {
        *out = (gid_t)n;
        return true;
    }
    struct group *g = getgrnam(name);
    if (g == NULL) {
        return false;
    }
    *out = g->gr_gid;
    return true;
}

/* seed commits the --seed file as the first version of an empty store. */
static int
seed(struct ctl_store *store, const char *path)
{
    struct ctl_version v;
    if (path[0] == '\0' || store->ops->current(store, &v, NULL) != 0 || v.n != 0) {
        return 0;
    }
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char why[256];
        snprintf(why, sizeof(why), "line %d: %s", jerr.line, jerr.text);
        return fail(path, why);
    }
    /* redlined's own file (it has listeners): its runtime part, and the
     * policy file it names, inline. */
    if (json_object_get(doc, "listen") != NULL) {
        const char *policy_path = NULL;
        json_t *part = ctl_model_from_dataplane(doc, &policy_path);
        json_t *policy = NULL;
        if (part != NULL && policy_path != NULL) {
            policy = json_load_file(policy_path, JSON_REJECT_DUPLICATES, &jerr);
            if (policy == NULL) {
                char why[300];
                snprintf(why, sizeof(why), "policy %.100s: line %d: %s", policy_path, jerr.line,
                         jerr.text);
                json_decref(part);
                json_decref(doc);
                return fail(path, why);
            }
            json_object_set_new(part, CTL_DOC_POLICY, policy);
        }
        json_decref(doc);
        if (part == NULL) {
            return fail(path, "out of memory");
        }
        doc = part;
    }
    struct rl_diag diag = {{0}, {0}};
    int rc = ctl_validate(&diag, doc);
    if (rc != 0) {
        char why[300];
        snprintf(why, sizeof(why), "%s: %s", diag.field, diag.reason);
        json_decref(doc);
        return fail(path, why);
    }
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    uint64_t n = 0;
    char comment[CTL_COMMENT_MAX];
    snprintf(comment, sizeof(comment), "seeded from %.200s", path);
    rc = text != NULL ? store->ops->commit_if(store, &n, 0, text, (int64_t)getuid(), comment)
                      : RL_ENOMEM;
    free(text);
    if (rc != 0 && rc != RL_EAGAIN) {
        return fail(path, rl_strerror(rc));
    }
    return 0;
}

/* drop hands the store (the database and SQLite's files beside it) and
 * the socket (keeping its group, the admin group) to conf->user, then
 * becomes that account (rl_priv.h). */
static int
drop(const struct ctl_conf *conf, const char *db)
{
    char wal[CTL_PATH_MAX + 32], shm[CTL_PATH_MAX + 32];
    snprintf(wal, sizeof(wal), "%s-wal", db);
    snprintf(shm, sizeof(shm), "%s-shm", db);
    const struct rl_priv_own own[] = {
        {.field = "state_dir", .path = conf->state_dir},
        {.field = "state_dir", .path = db},
        {.field = "state_dir", .path = wal, .if_exists = true},
        {.field = "state_dir", .path = shm, .if_exists = true},
        {.field = "socket", .path = conf->socket, .keep_group = true},
    };
    struct rl_diag diag = {{0}, {0}};
    int rc = rl_priv_drop(&diag, conf->user, own, sizeof(own) / sizeof(own[0]));
    if (rc == RL_ENOENT) {
        char why[300];
        snprintf(why, sizeof(why),
                 "no such account '%.60s': make it (the package's postinst does) or name "
                 "another with --user",
                 conf->user);
        return fail("user", why);
    }
    return rc != 0 ? fail(diag.field, diag.reason) : 0;
}

struct metrics_ctx {
    struct ctl_store *store;
    struct ctl_service *svc;
};

static char *
render(void *arg, size_t *out_len)
{
    struct metrics_ctx *m = arg;
    struct ctl_version v;
    if (m->store->ops->current(m->store, &v, NULL) != 0) {
        return NULL;
    }
    struct ctl_license_status lic;
    (void)ctl_service_license(m->svc, &lic);
    char why[256];
    json_t *stats = ctl_service_stats(m->svc, why, sizeof(why));
    struct ctl_metrics_input in = {.stats = stats, .committed = v.n, .license = &lic};
    char *text = ctl_metrics_render(out_len, &in);
    json_decref(stats);
    return text;
}

int
main(int argc, char **argv)
{
    struct ctl_conf conf;
    struct rl_diag diag = {{0}, {0}};
    int rc = ctl_conf_parse_args(&conf, &diag, argc, argv);
    if (rc == RL_EAGAIN) {
        fputs(ctl_conf_usage(), stdout);
        return 0;
    }
    if (rc != 0) {
        fprintf(stderr, "redline-controld: %s: %s\n", diag.field, diag.reason);
        fputs(ctl_conf_usage(), stderr);
        return 2;
    }
    if (mkdir(conf.state_dir, 0750) != 0 && errno != EEXIST) {
        return fail(conf.state_dir, strerror(errno));
    }
    char db[CTL_PATH_MAX + 16];
    snprintf(db, sizeof(db), "%s/config.db", conf.state_dir);
    /* Threads do not survive fork: become a daemon before any starts. */
    if (!conf.foreground && daemon(1, 0) != 0) {
        return fail("daemon", strerror(errno));
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct ctl_store *store = NULL;
    struct ctl_service *svc = NULL;
    struct ctl_server *srv = NULL;
    struct ctl_http *http = NULL;
    struct ctl_push *push = NULL;
    int status = 1;
    if (ctl_store_sqlite_open(&store, &diag, db) != 0) {
        fail(diag.field, diag.reason);
        goto out;
    }
    if (seed(store, conf.seed) != 0) {
        goto out;
    }
    struct ctl_service_config sc = {
        .store = store,
        .keys = ctl_keys,
        .n_keys = ctl_n_keys,
        .dataplane_socket = conf.dataplane_socket,
    };
    if (ctl_service_new(&svc, &sc) != 0) {
        fail("start", "out of memory");
        goto out;
    }
    struct ctl_server_config srvc = {
        .path = conf.socket, .svc = svc, .log = log_line, .log_ctx = NULL};
    srvc.admin_gid_set = admin_group(&srvc.admin_gid, conf.admin_group);
    if (!srvc.admin_gid_set && conf.admin_group[0] != '\0') {
        char why[160];
        snprintf(why, sizeof(why),
                 "{\"event\":\"warning\",\"message\":\"no group %.60s: only root "
                 "may use the socket\"}",
                 conf.admin_group);
        log_line(NULL, why);
    }
    /* The pusher before the socket: status reports it from the first request. */
    struct ctl_push_config pc = {
        .store = store, .svc = svc, .socket = conf.push_socket, .log = log_line, .log_ctx = NULL};
    if (conf.push_socket[0] != '\0') {
        if (ctl_push_start(&push, &pc) != 0) {
            fail("push", "cannot start the pusher thread");
            goto out;
        }
        ctl_service_set_push(svc, push);
    }
    int err = 0;
    if (ctl_server_start(&srv, &err, &srvc) != 0) {
        fail(conf.socket, strerror(err));
        goto out;
    }
    struct metrics_ctx mctx = {.store = store, .svc = svc};
    if (conf.metrics_on && ctl_http_start(&http, &diag, &conf.metrics, render, &mctx) != 0) {
        char where[IO_ADDR_STRLEN];
        io_addr_format(where, sizeof(where), &conf.metrics);
        char why[300];
        snprintf(why, sizeof(why), "%s: %s", where, diag.reason);
        fail("--metrics", why);
        goto out;
    }
    /* Everything that may need root is bound and open: run as `user` from
     * here on (every thread), owning the store and the socket. */
    if (geteuid() == 0 && drop(&conf, db) != 0) {
        goto out;
    }
    struct ctl_license_status lic;
    (void)ctl_service_license(svc, &lic);
    struct ctl_version v = {0};
    (void)store->ops->current(store, &v, NULL);
    json_t *hello =
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:b}", "event", "started", "socket", conf.socket,
                  "version", (json_int_t)v.n, "license", ctl_license_state_name(lic.state),
                  "license_message", lic.why, "evaluation", lic.evaluation);
    char *s = json_dumps(hello, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        log_line(NULL, s);
    }
    free(s);
    json_decref(hello);
    (void)sd_notifyf(0, "READY=1\nSTATUS=serving %s, configuration version %lld", conf.socket,
                     (long long)v.n);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
    }
    (void)sd_notify(0, "STOPPING=1");
    status = 0;
out:
    ctl_http_stop(http);
    ctl_server_stop(srv);
    ctl_push_stop(push);
    ctl_service_free(svc);
    if (store != NULL) {
        store->ops->free(store);
    }
    return status;
}

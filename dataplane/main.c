/* SPDX-License-Identifier: Apache-2.0 */
/* redlined: the dataplane. Reads its configuration and policy, binds its
 * listeners (possibly port 25: root), creates the quarantine directory, the
 * control socket and the tracking log, then drops to the configured user
 * (default "nobody" when started as root) before any client byte is read.
 * Workers touch only their sockets and, on quarantine, the quarantine
 * directory. SIGTERM/SIGINT drain; a second one stops at once. SIGHUP rereads
 * the STARTTLS certificates and keys, with the privileges of `user`. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dp_config.h"
#include "dp_ctl.h"
#include "dp_live.h"
#include "dp_loop.h"
#include "dp_snapshot.h"
#include "dp_stats.h"
#include "dp_store.h"
#include "dp_tls.h"
#include "dp_track.h"
#include "dp_worker.h"
#include "tls_server.h"

#define EXIT_USAGE 2

struct thread_arg {
    struct dp_worker *w;
    int core;
    bool spin;
    int rc;
};

static void *
worker_main(void *arg)
{
    struct thread_arg *t = arg;
    t->rc = dp_loop_run(t->w, t->core, t->spin);
    return NULL;
}

static int
fail(const char *what, const char *why)
{
    fprintf(stderr, "redlined: %s: %s\n", what, why);
    return EXIT_USAGE;
}

/* drop_privileges switches to `user` (setgroups, setgid, setuid, in that
 * order) and checks that root cannot be regained. */
static int
drop_privileges(const char *user, const struct dp_config *cfg)
{
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        return fail("user", "no such account");
    }
    /* What the unprivileged workers must still write is handed over first. */
    if (chown(cfg->boot.quarantine_dir, pw->pw_uid, pw->pw_gid) != 0) {
        return fail("quarantine_dir", strerror(errno));
    }
    char sub[4200];
    snprintf(sub, sizeof(sub), "%s/tmp", cfg->boot.quarantine_dir);
    int a = chown(sub, pw->pw_uid, pw->pw_gid);
    snprintf(sub, sizeof(sub), "%s/new", cfg->boot.quarantine_dir);
    int b = chown(sub, pw->pw_uid, pw->pw_gid);
    if (a != 0 || b != 0) {
        return fail("quarantine_dir", strerror(errno));
    }
    if (cfg->boot.control_socket[0] != '\0' &&
        chown(cfg->boot.control_socket, pw->pw_uid, pw->pw_gid) != 0) {
        return fail("control_socket", strerror(errno));
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        return fail("user", strerror(errno));
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        return fail("user", "root could be regained after the drop");
    }
    return 0;
}

/* backend_name is the io_backend kind of the configured backend. */
static const char *
backend_name(enum dp_backend b)
{
    return b == DP_BACKEND_DPDK ? "dpdk" : "kernel";
}

int
main(int argc, char **argv)
{
    static struct dp_config cfg;
    struct rl_diag diag = {{0}, {0}};
    int rc = dp_config_parse_args(&cfg, &diag, argc, argv);
    if (rc == RL_EAGAIN) {
        fputs(dp_config_usage(), stdout);
        return 0;
    }
    if (rc != 0 || dp_config_check(&cfg, &diag) != 0) {
        return fail(diag.field[0] ? diag.field : "config", diag.reason);
    }

    int err = 0;
    if (dp_store_prepare(cfg.boot.quarantine_dir, &err) != 0) {
        return fail("quarantine_dir", strerror(err));
    }

    /* One session-ticket secret for every worker, so that a client resumes
     * on any core; new at each start (tickets do not survive a restart). */
    uint8_t secret[TLS_TICKET_SECRET_LEN];
    if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
        return fail("tls", "cannot get random octets for the ticket secret");
    }
    unsigned n = cfg.boot.workers;
    /* The runtime snapshot: policy compiled and serialised here, TLS
     * contexts built (files read as root, before the drop). */
    struct dp_snapshot *first = NULL;
    if (dp_snapshot_build(&first, &diag, &cfg.rt, n, secret, NULL, DP_SNAP_KEEP_NONE) != 0) {
        return fail(diag.field[0] ? diag.field : "config", diag.reason);
    }
    explicit_bzero(secret, sizeof(secret)); /* the snapshot's TLS part keeps its copy */
    char policy_version[128];
    snprintf(policy_version, sizeof(policy_version), "%s", first->scan->policy->version);
    /* Pin slots: one per worker, the control thread's, the reloader's. */
    struct dp_live *live = NULL;
    if (dp_live_new(&live, first, n + 2) != 0) {
        return fail("memory", "out of memory at start-up");
    }

    struct dp_stats_core *stats = aligned_alloc(64, sizeof(*stats) * n);
    /* One tracking ring per worker, one for the control thread, one for reloads. */
    struct dp_track_ring **rings = calloc(n + 2, sizeof(struct dp_track_ring *));
    struct dp_worker **workers = calloc(n, sizeof(struct dp_worker *));
    struct thread_arg *args = calloc(n, sizeof(*args));
    pthread_t *threads = calloc(n, sizeof(*threads));
    static struct dp_control ctl;
    if (stats == NULL || rings == NULL || workers == NULL || args == NULL || threads == NULL) {
        return fail("memory", "out of memory at start-up");
    }
    memset(stats, 0, sizeof(*stats) * n);
    for (unsigned i = 0; i < n + 2; i++) {
        rings[i] = aligned_alloc(64, sizeof(*rings[i]));
        if (rings[i] == NULL) {
            return fail("memory", "out of memory at start-up");
        }
        memset(rings[i], 0, sizeof(*rings[i]));
        if (i < n && dp_worker_new(&workers[i], &diag, &cfg.boot, backend_name(cfg.boot.backend),
                                   NULL, live, i, &stats[i], rings[i], &ctl) != 0) {
            return fail(diag.field, diag.reason);
        }
    }
    /* SIGHUP and `reload` publish a snapshot with the TLS files read again. */
    static struct dp_stats_proc proc;
    struct dp_tls_reload *reload = NULL;
    if (dp_tls_reload_new(&reload, live, n + 1, &proc, rings[n + 1]) != 0) {
        return fail("memory", "out of memory at start-up");
    }
    /* Threads do not survive fork: become a daemon before starting any. The
     * log and the control socket are opened as root, then root is dropped
     * (glibc changes the ids of every thread). */
    if (!cfg.boot.foreground && daemon(1, 0) != 0) {
        return fail("daemon", strerror(errno));
    }
    if (dp_track_start(cfg.boot.log_path, rings, n + 2, &err) != 0) {
        return fail("log", strerror(err));
    }
    const struct dp_ctl_deps deps = {.boot = &cfg.boot,
                                     .live = live,
                                     .live_slot = n,
                                     .cores = stats,
                                     .n_cores = n,
                                     .proc = &proc,
                                     .ring = rings[n],
                                     .reload = reload};
    if (cfg.boot.control_socket[0] != '\0' &&
        dp_ctl_serve_start(cfg.boot.control_socket, &deps, &err) != 0) {
        return fail("control_socket", strerror(err));
    }
    if (geteuid() == 0) {
        rc = drop_privileges(cfg.boot.user[0] != '\0' ? cfg.boot.user : "nobody", &cfg);
        if (rc != 0) {
            return rc;
        }
    }

    /* Signals go to this thread only, taken synchronously with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (unsigned i = 0; i < n; i++) {
        args[i].w = workers[i];
        args[i].core = cfg.boot.cores[i];
        args[i].spin = cfg.boot.idle == DP_IDLE_SPIN;
        if (pthread_create(&threads[i], NULL, worker_main, &args[i]) != 0) {
            return fail("workers", "cannot start a worker thread");
        }
    }
    char addr[IO_ADDR_STRLEN];
    io_addr_format(addr, sizeof(addr), &cfg.boot.listen[0]);
    fprintf(stderr, "redlined: listening on %s with %u worker%s, policy %s\n", addr, n,
            n == 1 ? "" : "s", policy_version);

    /* Wait for the signal; a worker that returns early (pinning failed)
     * ends the process too. */
    int sig = 0;
    for (;;) {
        /* Once a second: free the snapshots no worker holds any more. */
        struct timespec second = {1, 0};
        sig = sigtimedwait(&set, NULL, &second);
        if (sig < 0) {
            (void)dp_live_reclaim(live);
            continue;
        }
        if (sig != SIGHUP) {
            break;
        }
        /* The outcome goes to the tracking log, one line (dp_tls.h). */
        (void)dp_tls_reload_run(reload, NULL, "SIGHUP", -1);
    }
    fprintf(stderr, "redlined: signal %d: draining\n", sig);
    __atomic_store_n(&ctl.drain, 1, __ATOMIC_RELEASE);
    sigset_t again = set;
    for (unsigned i = 0; i < n; i++) {
        /* A second signal during the drain stops at once. */
        while (pthread_tryjoin_np(threads[i], NULL) == EBUSY) {
            struct timespec ts = {0, 50000000L};
            if (sigtimedwait(&again, NULL, &ts) > 0) {
                __atomic_store_n(&ctl.stop, 1, __ATOMIC_RELEASE);
            }
        }
        if (args[i].rc != 0) {
            fprintf(stderr, "redlined: worker %u: %s\n", i, rl_strerror(args[i].rc));
        }
    }
    dp_ctl_serve_stop(); /* before the logger: its last lines are drained too */
    dp_track_stop();
    dp_tls_reload_free(reload);
    for (unsigned i = 0; i < n; i++) {
        dp_worker_free(workers[i]);
        free(rings[i]);
    }
    free(rings[n]);
    free(rings[n + 1]);
    free(stats);
    free(rings);
    free(workers);
    free(args);
    free(threads);
    dp_live_free(live);
    fprintf(stderr, "redlined: stopped\n");
    return 0;
}

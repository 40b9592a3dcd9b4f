/* SPDX-License-Identifier: Apache-2.0 */
/* redlined: the dataplane. Reads its configuration and policy, binds its
 * listeners (possibly port 25: root), creates the quarantine directory, the
 * control socket and the tracking log, then drops to the configured user
 * (default "nobody" when started as root) before any client byte is read.
 * Workers touch only their sockets and, on quarantine, the quarantine
 * directory. SIGTERM/SIGINT drain; a second one stops at once. SIGHUP rereads
 * the STARTTLS certificates and keys, with the privileges of `user`; SIGUSR1
 * reopens the tracking log (after a rotation). Diagnostics go to the journal
 * under systemd, to syslog once daemonised, else to standard error (rl_log.h);
 * the service manager hears READY, RELOADING, STOPPING and the watchdog
 * (dp_notify.h). --check-config reads and checks everything, then exits. */
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

#include "dp_check.h"
#include "dp_config.h"
#include "dp_ctl.h"
#include "dp_notify.h"
#include "dp_stats.h"
#include "dp_store.h"
#include "dp_tls.h"
#include "dp_track.h"
#include "dp_worker.h"
#include "hw_dp.h"
#include "rl_log.h"
#include "scan_engine.h"
#include "scan_policy.h"
#include "tls_server.h"

#define EXIT_USAGE 2

struct thread_arg {
    struct dp_worker *w;
    int rc;
};

static void *
worker_main(void *arg)
{
    struct thread_arg *t = arg;
    t->rc = dp_worker_run(t->w);
    return NULL;
}

static int
fail(const char *what, const char *why)
{
    rl_log(LOG_ERR, "%s: %s", what, why);
    return EXIT_USAGE;
}

/* on_stall hears from the watchdog thread (dp_notify.h). */
static void
on_stall(unsigned worker, uint64_t ms)
{
    if (ms != 0) {
        rl_log(LOG_CRIT, "worker %u: loop still for %llu ms: watchdog pings withheld", worker,
               (unsigned long long)ms);
    } else {
        rl_log(LOG_NOTICE, "worker %u: loop turns again", worker);
    }
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
    if (chown(cfg->quarantine_dir, pw->pw_uid, pw->pw_gid) != 0) {
        return fail("quarantine_dir", strerror(errno));
    }
    char sub[4200];
    snprintf(sub, sizeof(sub), "%s/tmp", cfg->quarantine_dir);
    int a = chown(sub, pw->pw_uid, pw->pw_gid);
    snprintf(sub, sizeof(sub), "%s/new", cfg->quarantine_dir);
    int b = chown(sub, pw->pw_uid, pw->pw_gid);
    if (a != 0 || b != 0) {
        return fail("quarantine_dir", strerror(errno));
    }
    if (cfg->control_socket[0] != '\0' && chown(cfg->control_socket, pw->pw_uid, pw->pw_gid) != 0) {
        return fail("control_socket", strerror(errno));
    }
    /* logrotate (su redline) compresses the file once it is rotated. */
    if (strcmp(cfg->log_path, "-") != 0 && chown(cfg->log_path, pw->pw_uid, pw->pw_gid) != 0) {
        return fail("log", strerror(errno));
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        return fail("user", strerror(errno));
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        return fail("user", "root could be regained after the drop");
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static struct dp_config cfg;
    struct rl_diag diag = {{0}, {0}};
    rl_log_open("redlined", false);
    int rc = dp_config_parse_args(&cfg, &diag, argc, argv);
    if (rc == RL_EAGAIN) {
        fputs(dp_config_usage(), stdout);
        return 0;
    }
    if (rc != 0 || dp_config_check(&cfg, &diag) != 0) {
        return fail(diag.field[0] ? diag.field : "config", diag.reason);
    }

    struct scan_policy *policy = NULL;
    if (cfg.policy_path[0] != '\0') {
        rc = scan_policy_load(&policy, &diag, cfg.policy_path);
    } else {
        const char *def = scan_policy_default_json();
        rc = scan_policy_parse(&policy, &diag, def, strlen(def));
    }
    if (rc != 0) {
        char what[128];
        snprintf(what, sizeof(what), "policy %s", diag.field);
        return fail(what, diag.reason);
    }
    struct scan_engine *engine = NULL;
    if (scan_engine_compile(&engine, &diag, policy) != 0) {
        return fail("policy", diag.reason);
    }
    /* The topology: a warning naming the cores for a layout that contradicts
     * it, and each worker's start-up memory on its core's NUMA node (static:
     * still reachable when a refusal below returns). */
    static struct hw_dp *hw;
    hw = hw_dp_new(&cfg);
    for (size_t k = 0; k < hw_dp_n_warnings(hw); k++) {
        rl_log(LOG_WARNING, "warning: %s", hw_dp_warning(hw, k));
    }
    if (cfg.check_only) {
        hw_dp_free(hw);
        static char text[64 * 1024];
        rc = dp_check_config(text, sizeof(text), &diag, &cfg, policy->version);
        if (rc == 0) {
            printf("%sredlined: configuration valid\n", text);
        }
        scan_engine_free(engine);
        scan_policy_free(policy);
        return rc == 0 ? 0 : fail(diag.field, diag.reason);
    }
    int err = 0;
    if (dp_store_prepare(cfg.quarantine_dir, &err) != 0) {
        return fail("quarantine_dir", strerror(err));
    }

    /* One session-ticket secret for every worker, so that a client resumes
     * on any core; new at each start (tickets do not survive a restart). */
    uint8_t secret[TLS_TICKET_SECRET_LEN];
    if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
        return fail("tls", "cannot get random octets for the ticket secret");
    }

    unsigned n = cfg.workers;
    struct dp_stats_core *stats = aligned_alloc(64, sizeof(*stats) * n);
    /* One tracking ring per worker, one for the control thread, one for reloads. */
    struct dp_track_ring **rings = calloc(n + 2, sizeof(struct dp_track_ring *));
    struct dp_worker **workers = calloc(n, sizeof(struct dp_worker *));
    struct thread_arg *args = calloc(n, sizeof(*args));
    pthread_t *threads = calloc(n, sizeof(*threads));
    const uint64_t **beats = calloc(n, sizeof(*beats));
    static struct dp_control ctl;
    if (stats == NULL || rings == NULL || workers == NULL || args == NULL || threads == NULL ||
        beats == NULL) {
        return fail("memory", "out of memory at start-up");
    }
    memset(stats, 0, sizeof(*stats) * n);
    for (unsigned i = 0; i < n + 2; i++) {
        hw_dp_bind_worker(hw, &cfg, (int)i); /* beyond the workers: the default again */
        rings[i] = aligned_alloc(64, sizeof(*rings[i]));
        if (rings[i] == NULL) {
            return fail("memory", "out of memory at start-up");
        }
        memset(rings[i], 0, sizeof(*rings[i]));
        if (i < n && dp_worker_new(&workers[i], &diag, &cfg, engine, i, &stats[i], rings[i], &ctl,
                                   secret) != 0) {
            return fail(diag.field, diag.reason);
        }
    }
    hw_dp_free(hw);
    /* SIGHUP and `reload` rebuild the workers' STARTTLS contexts. */
    static struct dp_stats_proc proc;
    struct dp_tls_reload *reload = NULL;
    if (dp_tls_reload_new(&reload, &diag, &cfg, secret, workers, n, &proc, rings[n + 1]) != 0) {
        return fail(diag.field, diag.reason);
    }
    explicit_bzero(secret, sizeof(secret)); /* each context holds its copy */
    /* Signals go to this thread only, taken synchronously with sigwait:
     * blocked before any thread starts (the logger and the control thread
     * too), so that none of them takes one meant for sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Threads do not survive fork: become a daemon before starting any. The
     * log and the control socket are opened as root, then root is dropped
     * (glibc changes the ids of every thread). */
    if (!cfg.foreground) {
        if (daemon(1, 0) != 0) {
            return fail("daemon", strerror(errno));
        }
        rl_log_open("redlined", true); /* standard error is /dev/null now */
    }
    if (dp_track_start(cfg.log_path, rings, n + 2, &err) != 0) {
        return fail("log", strerror(err));
    }
    const struct dp_ctl_deps deps = {.cfg = &cfg,
                                     .cores = stats,
                                     .n_cores = n,
                                     .proc = &proc,
                                     .ring = rings[n],
                                     .reload = reload};
    if (cfg.control_socket[0] != '\0' && dp_ctl_serve_start(cfg.control_socket, &deps, &err) != 0) {
        return fail("control_socket", strerror(err));
    }
    if (geteuid() == 0) {
        rc = drop_privileges(cfg.user[0] != '\0' ? cfg.user : "nobody", &cfg);
        if (rc != 0) {
            return rc;
        }
    }

    for (unsigned i = 0; i < n; i++) {
        args[i].w = workers[i];
        if (pthread_create(&threads[i], NULL, worker_main, &args[i]) != 0) {
            return fail("workers", "cannot start a worker thread");
        }
        char name[16];
        snprintf(name, sizeof(name), "rl-worker-%u", i % 100u); /* fits the 15 of a thread name */
        (void)pthread_setname_np(threads[i], name);
        beats[i] = dp_worker_beat(workers[i]);
    }
    char addr[IO_ADDR_STRLEN];
    io_addr_format(addr, sizeof(addr), &cfg.listen[0]);
    char status[160];
    snprintf(status, sizeof(status), "listening on %s with %u worker%s, policy %s", addr, n,
             n == 1 ? "" : "s", policy->version);
    /* READY once every worker turns its loop; then the watchdog (dp_notify.h).
     * A worker that ended first (pinning failed) stops the others. */
    int exit_code = 0;
    if (dp_notify_ready(&diag, beats, n, 30000, status, on_stall) != 0) {
        rl_log(LOG_ERR, "%s: %s", diag.field, diag.reason);
        __atomic_store_n(&ctl.stop, 1, __ATOMIC_RELEASE);
        exit_code = EXIT_USAGE;
    } else {
        rl_log(LOG_INFO, "%s", status);
        int sig = 0;
        while (sigwait(&set, &sig) == 0 && (sig == SIGHUP || sig == SIGUSR1)) {
            if (sig == SIGUSR1) {
                rc = dp_track_reopen(5000, &err);
                if (rc != 0) {
                    rl_log(LOG_ERR, "log %s: cannot reopen: %s", cfg.log_path,
                           rc == RL_EAGAIN ? "the logger did not answer" : strerror(err));
                }
                continue;
            }
            /* The outcome also goes to the tracking log, one line (dp_tls.h). */
            dp_notify_reloading();
            rc = dp_tls_reload_run(reload, &diag, "SIGHUP", -1);
            if (rc != 0 && rc != RL_ENOENT) {
                rl_log(LOG_ERR, "reload: %s: %s; nothing changed", diag.field, diag.reason);
            }
            dp_notify_reloaded(status);
        }
        rl_log(LOG_INFO, "signal %d: draining", sig);
        dp_notify_stopping("draining");
        __atomic_store_n(&ctl.drain, 1, __ATOMIC_RELEASE);
    }
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
            rl_log(LOG_ERR, "worker %u: %s", i, rl_strerror(args[i].rc));
        }
    }
    dp_ctl_serve_stop(); /* before the logger: its last lines are drained too */
    dp_track_stop();
    dp_notify_stop();
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
    free(beats);
    scan_engine_free(engine);
    scan_policy_free(policy);
    rl_log(LOG_INFO, "stopped");
    return exit_code;
}

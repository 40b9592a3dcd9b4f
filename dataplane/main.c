/* SPDX-License-Identifier: Apache-2.0 */
/* redlined: the dataplane. Reads its configuration and policy, takes the
 * instance lock in the quarantine directory and checks that no other process
 * serves its addresses, binds its listeners (possibly port 25: root),
 * creates the quarantine directory (0700), the control socket (0660, the
 * dataplane's group) and the tracking log, then drops to the configured user
 * (default "redline", a system account of its own, when started as root)
 * before any client byte is read. Workers touch only their sockets, the
 * tracking log and, on quarantine, the quarantine directory. SIGTERM/SIGINT
 * drain; a second one stops at once. SIGHUP rereads
 * the STARTTLS certificates and keys, with the privileges of `user`; SIGUSR1
 * reopens the tracking log (after a rotation). Diagnostics go to the journal
 * under systemd, to syslog once daemonised, else to standard error (rl_log.h);
 * the service manager hears READY, RELOADING, STOPPING and the watchdog
 * (dp_notify.h). --check-config reads and checks everything, then exits. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_apply.h"
#include "dp_check.h"
#include "dp_config.h"
#include "dp_connlimit.h"
#include "dp_ctl.h"
#include "dp_instance.h"
#include "dp_live.h"
#include "dp_loop.h"
#include "dp_notify.h"
#include "dp_offload.h"
#include "dp_snapshot.h"
#include "dp_stats.h"
#include "dp_store.h"
#include "dp_tls.h"
#include "dp_track.h"
#include "dp_worker.h"
#include "hw_dp.h"
#ifdef RL_HAVE_DPDK
#include "io_dpdk.h"
#endif
#include "rl_log.h"
#include "rl_priv.h"
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

/* backend_name is the io_backend kind of the configured backend. */
static const char *
backend_name(enum dp_backend b)
{
    return b == DP_BACKEND_DPDK ? "dpdk" : "kernel";
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

/* drop_privileges switches to `user` (rl_priv.h), handing over first what
 * the unprivileged workers must still write. */
static int
drop_privileges(const char *user, const struct dp_config *cfg)
{
    char tmp[4200], fresh[4200];
    snprintf(tmp, sizeof(tmp), "%s/tmp", cfg->boot.quarantine_dir);
    snprintf(fresh, sizeof(fresh), "%s/new", cfg->boot.quarantine_dir);
    /* logrotate (su redline) compresses the file once it is rotated. */
    const char *log = strcmp(cfg->boot.log_path, "-") != 0 ? cfg->boot.log_path : NULL;
    const struct rl_priv_own own[] = {
        {.field = "quarantine_dir", .path = cfg->boot.quarantine_dir},
        {.field = "quarantine_dir", .path = tmp},
        {.field = "quarantine_dir", .path = fresh},
        {.field = "control_socket", .path = cfg->boot.control_socket},
        {.field = "config_socket", .path = cfg->boot.config_socket},
        {.field = "state_dir", .path = cfg->boot.state_dir},
        {.field = "log", .path = log},
    };
    struct rl_diag diag = {{0}, {0}};
    int rc = rl_priv_drop(&diag, user, own, sizeof(own) / sizeof(own[0]));
    if (rc == RL_ENOENT) {
        rl_log(LOG_ERR,
               "user: no such account '%s'; create the dataplane's own system account "
               "(useradd --system --user-group --no-create-home --shell /usr/sbin/nologin %s, "
               "as scripts/deps.sh does) or name another with user",
               user, user);
        return EXIT_USAGE;
    }
    return rc != 0 ? fail(diag.field, diag.reason) : 0;
}

/* log_topology writes the topology check's warnings (hw/hw_dp.h). */
static void
log_topology(const struct hw_dp *hw)
{
    for (size_t k = 0; k < hw_dp_n_warnings(hw); k++) {
        rl_log(LOG_WARNING, "warning: %s", hw_dp_warning(hw, k));
    }
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

    /* One session-ticket secret for every worker, so that a client resumes
     * on any core; new at each start (tickets do not survive a restart). */
    uint8_t secret[TLS_TICKET_SECRET_LEN];
    if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
        return fail("tls", "cannot get random octets for the ticket secret");
    }
    unsigned n = cfg.boot.workers;
    /* Connections per client address and network, across all workers (issue
     * 13), sized for what the workers may hold at once. */
    static struct dp_control ctl;
    if (dp_connlimit_new(&ctl.limits, (uint64_t)cfg.rt.max_conn_per_worker * n) != 0) {
        return fail("limits", "cannot make the connection-limit table");
    }
    /* The runtime snapshot: the policy compiled and serialised here, the TLS
     * contexts built (files read as root, before the drop). */
    struct dp_snapshot *first = NULL;
    /* The version redline-controld pushed last, when one is kept: redlined
     * runs it whether controld is up or not (dp_apply.h). */
    if (cfg.boot.state_dir[0] != '\0' && !cfg.boot.check_only) {
        if (mkdir(cfg.boot.state_dir, 0700) != 0 && errno != EEXIST) {
            return fail("state_dir", strerror(errno));
        }
        rc = dp_apply_load_saved(&first, &diag, cfg.boot.state_dir, &cfg.rt, n, secret);
        if (rc == 0) {
            rl_log(LOG_INFO, "running configuration version %llu kept in %s",
                   (unsigned long long)first->rt.config_version, cfg.boot.state_dir);
        } else if (rc != RL_ENOENT) {
            rl_log(LOG_WARNING, "%s/%s cannot be used (%s: %s): running the configuration file",
                   cfg.boot.state_dir, DP_APPLY_SAVED, diag.field, diag.reason);
        }
    }
    if (first == NULL &&
        dp_snapshot_build(&first, &diag, &cfg.rt, n, secret, NULL, DP_SNAP_KEEP_NONE) != 0) {
        return fail(diag.field[0] ? diag.field : "config", diag.reason);
    }
    explicit_bzero(secret, sizeof(secret)); /* the snapshot's TLS part keeps its copy */
    char policy_version[65];                /* scan_policy.version: 1 to 64 bytes */
    snprintf(policy_version, sizeof(policy_version), "%s", first->scan->policy->version);
    /* The topology: a warning naming the cores for a layout that contradicts
     * it, and each worker's start-up memory on its core's NUMA node (static:
     * still reachable when a refusal below returns). */
    static struct hw_dp *hw;
    hw = hw_dp_new(&cfg);
    if (cfg.boot.check_only) {
        static char text[64 * 1024];
        rc = dp_check_config(text, sizeof(text), &diag, &cfg, policy_version);
        if (rc == 0) {
            log_topology(hw); /* a valid configuration may still contradict the machine */
            printf("%sredlined: configuration valid\n", text);
        }
        hw_dp_free(hw);
        dp_snapshot_free(first);
        return rc == 0 ? 0 : fail(diag.field, diag.reason);
    }
    log_topology(hw);
    int err = 0;
    if (dp_store_prepare(cfg.boot.quarantine_dir, &err) != 0) {
        return fail("quarantine_dir", strerror(err));
    }
    /* One instance per state directory and per address (issue 13): a
     * second redlined refuses to start instead of sharing the port through
     * SO_REUSEPORT or the store. */
    int lock_fd = -1, state_lock_fd = -1;
    unsigned recovered = 0;
    if (dp_instance_lock(&lock_fd, &diag, "quarantine_dir", cfg.boot.quarantine_dir) != 0 ||
        (cfg.boot.state_dir[0] != '\0' &&
         strcmp(cfg.boot.state_dir, cfg.boot.quarantine_dir) != 0 &&
         dp_instance_lock(&state_lock_fd, &diag, "state_dir", cfg.boot.state_dir) != 0) ||
        (cfg.boot.backend == DP_BACKEND_KERNEL && dp_instance_check_listeners(&cfg, &diag) != 0)) {
        dp_snapshot_free(first);
        return fail(diag.field, diag.reason);
    }
    if (dp_store_recover(cfg.boot.quarantine_dir, &recovered, &err) != 0) {
        return fail("quarantine_dir", strerror(err));
    }
    /* Signals go to this thread only, taken synchronously with sigwait:
     * blocked before any thread starts (the EAL's, the logger and the
     * control thread too), so that none of them takes one meant for
     * sigwait. SIGIO too: net_tap raises it when frames wait, and it must
     * interrupt only a DPDK worker, which unblocks it (io_dpdk.c). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigset_t blocked = set;
    sigaddset(&blocked, SIGIO);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    signal(SIGPIPE, SIG_IGN);
    bool daemonized = false;
    const void *backend_args[DP_MAX_WORKERS] = {NULL};
#ifdef RL_HAVE_DPDK
    struct io_dpdk *dpdk = NULL;
    if (cfg.boot.backend == DP_BACKEND_DPDK) {
        /* The EAL's threads and memory do not survive fork: become a
         * daemon first (errors from here on go to syslog). */
        if (!cfg.boot.foreground) {
            if (daemon(1, 0) != 0) {
                return fail("daemon", strerror(errno));
            }
            rl_log_open("redlined", true);
            daemonized = true;
        }
        if (io_dpdk_start(&dpdk, &diag, &cfg.boot) != 0) {
            return fail(diag.field, diag.reason);
        }
        static char ports[2048];
        io_dpdk_describe(dpdk, ports, sizeof(ports));
        char *save = NULL;
        for (char *line = strtok_r(ports, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            rl_log(LOG_INFO, "%s", line);
        }
        for (unsigned i = 0; i < n; i++) {
            backend_args[i] = io_dpdk_worker_arg(dpdk, i);
        }
    }
#else
    if (cfg.boot.backend == DP_BACKEND_DPDK) {
        return fail("backend", "this redlined was built without DPDK (libdpdk-dev)");
    }
#endif
    /* Pin slots: one per worker, the reloader's. */
    struct dp_live *live = NULL;
    if (dp_live_new(&live, first, n + 2) != 0) {
        return fail("memory", "out of memory at start-up");
    }
    struct dp_stats_core *stats = aligned_alloc(64, sizeof(*stats) * n);
    struct dp_worker **workers = calloc(n, sizeof(struct dp_worker *));
    struct thread_arg *args = calloc(n, sizeof(*args));
    pthread_t *threads = calloc(n, sizeof(*threads));
    const uint64_t **beats = calloc(n, sizeof(*beats));
    static uint64_t rate_tat; /* the licence rate's bucket, shared by the workers */
    ctl.rate_tat = &rate_tat;
    if (stats == NULL || workers == NULL || args == NULL || threads == NULL || beats == NULL) {
        return fail("memory", "out of memory at start-up");
    }
    memset(stats, 0, sizeof(*stats) * n);
    for (unsigned i = 0; i < n; i++) {
        hw_dp_bind_worker(hw, &cfg, (int)i);
        if (dp_worker_new(&workers[i], &diag, &cfg.boot, backend_name(cfg.boot.backend),
                          backend_args[i], live, i, &stats[i], &ctl) != 0) {
            return fail(diag.field, diag.reason);
        }
    }
    hw_dp_bind_worker(hw, &cfg, -1); /* the default policy again */
    hw_dp_free(hw);
    /* SIGHUP and `reload` publish a snapshot with the TLS files read again. */
    static struct dp_stats_proc proc;
    struct dp_tls_reload *reload = NULL;
    if (dp_tls_reload_new(&reload, live, n, &proc) != 0) {
        return fail("memory", "out of memory at start-up");
    }
    /* Threads do not survive fork: become a daemon before starting any. The
     * log and the control socket are opened as root, then root is dropped
     * (glibc changes the ids of every thread). */
    if (!cfg.boot.foreground && !daemonized) {
        if (daemon(1, 0) != 0) {
            return fail("daemon", strerror(errno));
        }
        rl_log_open("redlined", true); /* standard error is /dev/null now */
    }
    dp_instance_note_pid(lock_fd);
    if (state_lock_fd >= 0) {
        dp_instance_note_pid(state_lock_fd);
    }
    if (dp_track_open(cfg.boot.log_path, &err) != 0) {
        return fail("log", strerror(err));
    }
    if (recovered > 0) {
        char line[160];
        int len = snprintf(line, sizeof(line),
                           "{\"action\":\"store-recovered\",\"tmp_files_removed\":%u}", recovered);
        (void)dp_track_write(line, (size_t)len);
    }
    /* Postfix's queue_minfree: new mail gets 452 4.3.1 while the store's or
     * the log's file system is below the reserve. */
    char log_dir[4096];
    snprintf(log_dir, sizeof(log_dir), "%s", cfg.boot.log_path);
    char *slash = strrchr(log_dir, '/');
    if (slash != NULL) {
        slash[slash == log_dir] = '\0';
    } else {
        snprintf(log_dir, sizeof(log_dir), ".");
    }
    const char *watched[2] = {cfg.boot.quarantine_dir, log_dir};
    if (dp_store_watch_start(watched, strcmp(cfg.boot.log_path, "-") == 0 ? 1 : 2,
                             cfg.boot.min_free_mb << 20, &err) != 0) {
        return fail("min_free_mb", strerror(err));
    }
    const struct dp_ctl_deps deps = {.boot = &cfg.boot,
                                     .workers = workers,
                                     .cores = stats,
                                     .n_cores = n,
                                     .proc = &proc,
                                     .reload = reload};
    if (cfg.boot.control_socket[0] != '\0' &&
        dp_ctl_serve_start(cfg.boot.control_socket, &deps, &err) != 0) {
        return fail("control_socket", strerror(err));
    }
    /* Versions pushed by redline-controld: pin slot n + 1. */
    const struct dp_apply_deps apply = {.file_rt = &cfg.rt,
                                        .live = live,
                                        .live_slot = n + 1,
                                        .n_workers = n,
                                        .state_dir = cfg.boot.state_dir};
    if (cfg.boot.config_socket[0] != '\0' &&
        dp_apply_start(cfg.boot.config_socket, &apply, &err) != 0) {
        return fail("config_socket", strerror(err));
    }
    if (geteuid() == 0) {
        rc = drop_privileges(cfg.boot.user[0] != '\0' ? cfg.boot.user : "redline", &cfg);
        if (rc != 0) {
            return rc;
        }
    }

    /* The store thread and the scan threads (after the fork of daemon(),
     * with the signals blocked, as every thread): what a worker must not do
     * in its own turns (fsync, documents). */
    struct dp_helpers *helpers = NULL;
    if (cfg.boot.scan_threads > 0 && dp_helpers_new(&helpers, n, cfg.boot.scan_threads) != 0) {
        return fail("scan_threads", "cannot start the store and scan threads");
    }
    for (unsigned i = 0; i < n; i++) {
        dp_worker_set_helpers(workers[i], helpers);
    }
    /* Helpers run beside the workers' cores, never on them, when there are
     * other CPUs (a scan must not preempt a poll-mode worker). */
    cpu_set_t spare;
    if (helpers != NULL && sched_getaffinity(0, sizeof(spare), &spare) == 0) {
        for (unsigned i = 0; i < n; i++) {
            if (cfg.boot.cores[i] >= 0) {
                CPU_CLR(cfg.boot.cores[i], &spare);
            }
        }
        if (CPU_COUNT(&spare) > 0 && dp_helpers_affinity(helpers, &spare) != 0) {
            rl_log(LOG_WARNING, "warning: scan_threads: cannot keep the helpers off the "
                                "workers' cores");
        }
    }
    for (unsigned i = 0; i < n; i++) {
        args[i].w = workers[i];
        args[i].core = cfg.boot.cores[i];
        args[i].spin = cfg.boot.idle == DP_IDLE_SPIN;
        if (pthread_create(&threads[i], NULL, worker_main, &args[i]) != 0) {
            return fail("workers", "cannot start a worker thread");
        }
        char name[16];
        snprintf(name, sizeof(name), "rl-worker-%u", i % 100u); /* fits the 15 of a thread name */
        (void)pthread_setname_np(threads[i], name);
        beats[i] = dp_worker_beat(workers[i]);
    }
    char addr[IO_ADDR_STRLEN];
    io_addr_format(addr, sizeof(addr), &cfg.boot.listen[0]);
    char status[160];
    snprintf(status, sizeof(status), "listening on %s with %u worker%s, policy %s", addr, n,
             n == 1 ? "" : "s", policy_version);
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
        for (;;) {
            /* Once a second: free the snapshots no worker holds any more. */
            struct timespec second = {1, 0};
            sig = sigtimedwait(&set, NULL, &second);
            if (sig < 0) {
                (void)dp_live_reclaim(live);
                continue;
            }
            if (sig != SIGHUP && sig != SIGUSR1) {
                break;
            }
            if (sig == SIGUSR1) {
                if (dp_track_reopen(&err) != 0) {
                    rl_log(LOG_ERR, "log %s: cannot reopen: %s", cfg.boot.log_path, strerror(err));
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
    dp_ctl_serve_stop(); /* before the log: a release in progress still writes its line */
    dp_apply_stop();
    dp_store_watch_stop();
    dp_track_close();
    dp_notify_stop();
    dp_tls_reload_free(reload);
    dp_helpers_free(helpers); /* before the workers: a job still out is theirs */
    for (unsigned i = 0; i < n; i++) {
        dp_worker_free(workers[i]);
    }
#ifdef RL_HAVE_DPDK
    io_dpdk_stop(dpdk); /* after the workers' stacks */
#endif
    dp_connlimit_free(ctl.limits); /* after the workers: their connections give back */
    free(stats);
    free(workers);
    free(args);
    free(threads);
    free(beats);
    dp_live_free(live); /* after the workers: their scanners borrow its policies */
    rl_log(LOG_INFO, "stopped");
    return exit_code;
}

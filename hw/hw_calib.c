/* SPDX-License-Identifier: Apache-2.0 */
/* Calibration on loopback: a temporary directory, free ports, the sink and
 * redlined started and waited for, the generator run for a fixed time, CPU
 * time of redlined from /proc, both JSON reports read back, everything
 * stopped and removed. Main thread. */
#include "hw_calib.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hw_parse.h"

#define MAX_ARGS 40

/* A command line built in storage of its own: execv wants char *const[]. */
struct args {
    char *v[MAX_ARGS + 1];
    size_t n;
    char buf[8192];
    size_t used;
    bool overflow;
};

static void
arg(struct args *a, const char *s)
{
    size_t len = strlen(s) + 1;
    if (a->n == MAX_ARGS || len > sizeof(a->buf) - a->used) {
        a->overflow = true;
        return;
    }
    memcpy(a->buf + a->used, s, len);
    a->v[a->n++] = a->buf + a->used;
    a->v[a->n] = NULL;
    a->used += len;
}

/* args_of fills `a` with the NULL-terminated list of strings that follows. */
static void
args_of(struct args *a, ...)
{
    va_list ap;
    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        arg(a, s);
    }
    va_end(ap);
}

struct child {
    pid_t pid;
    const char *name;
    char err_path[4200]; /* its standard error, for the diagnostic */
};

struct run {
    const struct hw_calib_opts *o;
    struct hw_calib_result *r;
    struct rl_diag *diag;
    char dir[256];
    struct child sink, redlined, gen;
    uint32_t control[HW_CALIB_MAX_CPUS]; /* CPUs of the control-plane core */
    uint32_t n_control;
};

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
stopped(const struct run *run)
{
    return run->o->stop != NULL && *run->o->stop != 0;
}

/* free_port asks the kernel for a loopback port nobody uses now. */
static int
free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static bool
port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* spawn starts argv[0] with `cpus` as its affinity (none when n_cpus is 0),
 * standard output to /dev/null and standard error to c->err_path. */
static int
spawn(struct run *run, struct child *c, const struct args *a, const uint32_t *cpus, uint32_t n_cpus)
{
    if (a->overflow) {
        return rl_diag_set(run->diag, c->name, "command line too long");
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    for (uint32_t i = 0; i < n_cpus; i++) {
        if (cpus[i] < CPU_SETSIZE) {
            CPU_SET(cpus[i], &set);
        }
    }
    snprintf(c->err_path, sizeof(c->err_path), "%s/%s.err", run->dir, c->name);
    pid_t pid = fork();
    if (pid < 0) {
        rl_diag_set(run->diag, c->name, "cannot fork: %s", strerror(errno));
        return RL_EIO;
    }
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec */
        int out = open("/dev/null", O_WRONLY);
        int err = open(c->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
            _exit(126);
        }
        if (n_cpus > 0 && sched_setaffinity(0, sizeof(set), &set) != 0) {
            _exit(126);
        }
        /* SCHED_FIFO 20, as bench/latency.sh: ahead of other work on a
         * shared machine, as isolated dataplane cores would be */
        struct sched_param sp = {.sched_priority = 20};
        if (run->o->realtime && sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
            _exit(125);
        }
        execv(a->v[0], a->v);
        _exit(127);
    }
    c->pid = pid;
    return 0;
}

/* died fills the diagnostic with the last line c wrote to standard error. */
static int
died(struct run *run, struct child *c, const char *what)
{
    char buf[2048];
    char *line = buf;
    buf[0] = '\0';
    FILE *f = fopen(c->err_path, "r");
    if (f != NULL) {
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        while (n > 0 && buf[n - 1] == '\n') {
            buf[--n] = '\0';
        }
        char *nl = strrchr(buf, '\n');
        line = nl != NULL ? nl + 1 : buf;
    }
    rl_diag_set(run->diag, c->name, "%s%s%.120s", what, line[0] != '\0' ? ": " : "", line);
    return RL_EIO;
}

/* wait_port waits up to 10 s for c to accept on `port`. */
static int
wait_port(struct run *run, struct child *c, int port)
{
    for (int i = 0; i < 400; i++) {
        int status;
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            c->pid = 0;
            return died(run, c, "exited at start");
        }
        if (port_open(port)) {
            return 0;
        }
        if (stopped(run)) {
            return RL_EAGAIN;
        }
        sleep_ms(25);
    }
    return died(run, c, "does not listen after 10 s");
}

/* stop ends c (SIGTERM, then SIGKILL after 10 s) and reaps it. */
static void
stop(struct child *c)
{
    if (c->pid <= 0) {
        return;
    }
    kill(c->pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
            c->pid = 0;
            return;
        }
        sleep_ms(50);
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    c->pid = 0;
}

/* stat_ticks reads utime + stime from the stat file at `path`. */
static bool
stat_ticks(const char *path, uint64_t *out)
{
    char buf[1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n > 0 && hw_parse_proc_stat(out, buf, (size_t)n);
}

/* cpu_ticks reads the CPU time of process `pid` (all threads) and of its
 * worker threads: those pinned to exactly one CPU of the plan's workers. */
static bool
cpu_ticks(pid_t pid, const struct hw_plan *p, uint64_t *out_all, uint64_t *out_workers)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (!stat_ticks(path, out_all)) {
        return false;
    }
    *out_workers = 0;
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    const struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        int64_t tid;
        cpu_set_t set;
        if (!hw_parse_int(&tid, e->d_name, strlen(e->d_name)) || tid <= 0 ||
            sched_getaffinity((pid_t)tid, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1) {
            continue;
        }
        bool worker = false;
        for (uint32_t i = 0; i < p->n_workers && !worker; i++) {
            worker = p->workers[i] < CPU_SETSIZE && CPU_ISSET(p->workers[i], &set);
        }
        uint64_t ticks = 0;
        snprintf(path, sizeof(path), "/proc/%d/task/%lld/stat", (int)pid, (long long)tid);
        if (worker && stat_ticks(path, &ticks)) {
            *out_workers += ticks;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return true;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static double
num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static uint64_t
count(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* read_load_memif takes one report of redline-bench-dpdk smtp into `l`
 * (flat: the generator and the sink in one object). */
static int
read_load_memif(struct run *run, const char *path, struct hw_calib_load *l)
{
    json_error_t jerr;
    json_t *gen = json_load_file(path, 0, &jerr);
    int rc = 0;
    if (!json_is_object(gen)) {
        rc = died(run, &run->gen, "left no report");
        goto done;
    }
    l->ok = count(gen, "messages_ok");
    l->tempfail = count(gen, "messages_tempfail");
    l->permfail = count(gen, "messages_permfail");
    uint64_t failed = count(gen, "messages_failed");
    l->errors = failed > l->tempfail + l->permfail ? failed - l->tempfail - l->permfail : 0;
    l->sent = l->ok + failed;
    l->wall_s = num(gen, "seconds");
    l->msgs_per_s = num(gen, "msgs_per_s");
    l->latency_p50_us = num(gen, "latency_p50_us");
    l->latency_p99_us = num(gen, "latency_p99_us");
    l->generator_cpu_s = num(gen, "generator_cpu_s");
    run->r->sink_messages += count(gen, "sink_messages");
    if (run->r->distinct == 0) {
        run->r->distinct = count(gen, "messages_distinct");
        run->r->left_out = count(gen, "messages_left_out");
        run->r->bytes_per_msg = num(gen, "wire_bytes_per_message");
    }
    if (l->ok == 0 || l->wall_s <= 0) {
        const char *last = json_string_value(json_object_get(gen, "last_error"));
        rc =
            rl_diag_set(run->diag, "redline-bench-dpdk smtp",
                        "no message went through (%llu failed%s%.100s)", (unsigned long long)failed,
                        last != NULL && last[0] ? ": " : "", last != NULL ? last : "");
    }
done:
    json_decref(gen);
    return rc;
}

/* read_load takes one generator report (`path`) into `l`; the first one
 * also gives the mix. */
static int
read_load(struct run *run, const char *path, struct hw_calib_load *l)
{
    json_error_t jerr;
    json_t *gen = json_load_file(path, 0, &jerr);
    json_t *res = json_object_get(gen, "results");
    json_t *work = json_object_get(gen, "workload");
    int rc = 0;
    if (!json_is_object(res) || !json_is_object(work)) {
        rc = died(run, &run->gen, "left no report");
        goto done;
    }
    json_t *aborted = json_object_get(res, "aborted");
    if (json_is_string(aborted)) {
        rc = rl_diag_set(run->diag, "redline-bench smtp", "aborted: %.150s",
                         json_string_value(aborted));
        goto done;
    }
    l->sent = count(res, "messages");
    l->ok = count(res, "ok");
    l->tempfail = count(res, "tempfail");
    l->permfail = count(res, "permfail");
    l->errors = count(res, "errors");
    l->wall_s = num(res, "wall_s");
    l->msgs_per_s = num(res, "msgs_per_s");
    json_t *lat = json_object_get(res, "latency_us");
    l->latency_p50_us = num(lat, "p50");
    l->latency_p99_us = num(lat, "p99");
    if (run->r->distinct == 0) {
        run->r->distinct = count(work, "messages_distinct");
        run->r->left_out = count(work, "messages_left_out");
        run->r->bytes_per_msg = num(work, "wire_bytes_per_message");
    }
    if (l->ok == 0 || l->wall_s <= 0) {
        rc = rl_diag_set(run->diag, "redline-bench smtp", "no message went through (%llu sent)",
                         (unsigned long long)l->sent);
    }
done:
    json_decref(gen);
    return rc;
}

/* read_sink takes the sink's count from its report, written as it stopped. */
static void
read_sink(struct run *run)
{
    if (run->r->memif) {
        return; /* counted from each generator report */
    }
    char path[300];
    json_error_t jerr;
    snprintf(path, sizeof(path), "%s/sink.json", run->dir);
    json_t *sink = json_load_file(path, 0, &jerr);
    run->r->sink_messages = count(json_object_get(sink, "results"), "messages");
    json_decref(sink);
}

/* read_actions counts the "action" of each line of redlined's tracking log. */
static void
read_actions(struct run *run)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/track.log", run->dir);
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    struct hw_calib_result *r = run->r;
    while (f != NULL && getline(&line, &cap, f) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *a = json_string_value(json_object_get(o, "action"));
        uint32_t k = 0;
        while (a != NULL && k < r->n_actions && strcmp(r->actions[k].name, a) != 0) {
            k++;
        }
        if (a != NULL && k == r->n_actions && k < HW_CALIB_MAX_ACTIONS) {
            snprintf(r->actions[k].name, sizeof(r->actions[k].name), "%s", a);
            r->n_actions++;
        }
        if (a != NULL && k < r->n_actions) {
            r->actions[k].n++;
        }
        json_decref(o);
    }
    free(line);
    if (f != NULL) {
        fclose(f);
    }
}

/* read_warnings keeps redlined's "warning:" lines. */
static void
read_warnings(struct run *run)
{
    FILE *f = fopen(run->redlined.err_path, "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL &&
           run->r->n_warnings < HW_CALIB_MAX_WARNINGS) {
        const char *w = strstr(line, "warning: ");
        if (w != NULL) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(run->r->warnings[run->r->n_warnings++], HW_FINDING_MAX, "%s", w + 9);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
}

/* tool_cpus pins the load tools to every CPU no worker uses (all of them
 * when the workers use every CPU). */
static void
tool_cpus(struct hw_calib_result *r, const struct hw_topo *t, const struct hw_plan *p)
{
    for (uint32_t i = 0; i < t->n_pus && r->n_tool_cpus < HW_CALIB_MAX_CPUS; i++) {
        bool worker = false;
        for (uint32_t k = 0; k < p->n_workers && !worker; k++) {
            worker = t->pus[i].core == p->worker_core[k];
        }
        if (!worker) {
            r->tool_cpus[r->n_tool_cpus++] = t->pus[i].os;
        }
    }
    if (r->n_tool_cpus == 0) {
        for (uint32_t i = 0; i < t->n_pus && i < HW_CALIB_MAX_CPUS; i++) {
            r->tool_cpus[r->n_tool_cpus++] = t->pus[i].os;
        }
    }
}

/* The memif harness of bench/dpdk.sh: redlined's stack at MEMIF_GW on the
 * memif server, redline-bench-dpdk's at MEMIF_GEN on the client, its sink
 * on MEMIF_SINK_PORT as redlined's next hop. */
#define MEMIF_GW "10.93.0.2"
#define MEMIF_GEN "10.93.0.1"
#define MEMIF_PORT "2525"
#define MEMIF_SINK_PORT "2526"

static bool
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* wait_files waits up to 60 s (the EAL starts) for both paths to exist. */
static int
wait_files(struct run *run, struct child *c, const char *a, const char *b)
{
    for (int i = 0; i < 2400; i++) {
        int status;
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            c->pid = 0;
            return died(run, c, "exited at start");
        }
        if (exists(a) && exists(b)) {
            return 0;
        }
        if (stopped(run)) {
            return RL_EAGAIN;
        }
        sleep_ms(25);
    }
    return died(run, c, "has no memif port after 60 s");
}

/* write_config writes the plan's fragment `frag` to `path` with no
 * per-address connection limit (all the load comes from one address) and,
 * when `sock` is not NULL, the DPDK backend on one memif server port at
 * `sock` (nothing of the fragment's NICs). */
static int
write_config(struct run *run, const char *path, const char *frag, const char *sock)
{
    json_error_t jerr;
    json_t *cfg = json_loads(frag, 0, &jerr);
    json_t *limits =
        json_pack("{s:i, s:i}", "max_connections_per_ip", 0, "max_connections_per_net", 0);
    bool ok = json_is_object(cfg) && json_object_set_new(cfg, "limits", limits) == 0;
    if (ok && sock != NULL) {
        char device[400];
        snprintf(device, sizeof(device), "net_memif0,role=server,socket=%s,socket-abstract=no",
                 sock);
        json_t *port = json_pack("{s:s, s:s, s:s}", "device", device, "address", MEMIF_GW "/24",
                                 "mac", "02:00:0a:5d:00:02");
        json_t *eal = json_pack("[s, s, s, s, s]", "--no-huge", "-m", "1024",
                                "--log-level=lib.eal:error", "--log-level=pmd.net.memif:error");
        json_t *dpdk = json_pack("{s:o, s:[o]}", "eal", eal, "ports", port);
        ok = dpdk != NULL && json_object_set_new(cfg, "backend", json_string("dpdk")) == 0 &&
             json_object_set_new(cfg, "dpdk", dpdk) == 0;
    }
    ok = ok && json_dump_file(cfg, path, 0) == 0;
    json_decref(cfg);
    return ok ? 0 : rl_diag_set(run->diag, "calibrate", "cannot write %s", path);
}

/* start_memif starts redlined --backend dpdk with the plan's layout on a
 * memif port and waits for the port and the control socket. */
static int
start_memif(struct run *run, const char *frag)
{
    const struct hw_calib_opts *o = run->o;
    char cfg[300], sock[300], ctl[300], quarantine[300], log[300];
    snprintf(cfg, sizeof(cfg), "%s/memif.json", run->dir);
    snprintf(sock, sizeof(sock), "%s/memif.sock", run->dir);
    snprintf(ctl, sizeof(ctl), "%s/ctl.sock", run->dir);
    snprintf(quarantine, sizeof(quarantine), "%s/quarantine", run->dir);
    snprintf(log, sizeof(log), "%s/track.log", run->dir);
    int rc = write_config(run, cfg, frag, sock);
    if (rc != 0) {
        return rc;
    }
    static struct args rl_args;
    memset(&rl_args, 0, sizeof(rl_args));
    args_of(&rl_args, o->redlined, "--config", cfg, "--listen", "0.0.0.0:" MEMIF_PORT, "--route",
            "*=" MEMIF_GEN ":" MEMIF_SINK_PORT, "--relay-net", "10.0.0.0/8", "--idle", "sleep",
            "--quarantine", quarantine, "--log", log, "--control-socket", ctl, "--foreground",
            (const char *)NULL);
    rc = spawn(run, &run->redlined, &rl_args, run->control, run->n_control);
    return rc == 0 ? wait_files(run, &run->redlined, sock, ctl) : rc;
}

/* start_servers writes the plan's fragment, then starts the sink and
 * redlined (its own threads on the control-plane core, workers where the
 * fragment pins them). */
static int
start_servers(struct run *run, int sink_port, int port)
{
    const struct hw_calib_opts *o = run->o;
    char frag[2048], frag_path[300], quarantine[300], log[300];
    char listen[32], route[48], sink_listen[32];
    snprintf(frag_path, sizeof(frag_path), "%s/plan.json", run->dir);
    size_t len = hw_plan_fragment(frag, sizeof(frag), o->plan);
    const struct hw_core *cc = &o->topo->cores[o->plan->control_core];
    for (uint32_t k = 0; k < cc->n_pus && run->n_control < HW_CALIB_MAX_CPUS; k++) {
        run->control[run->n_control++] = o->topo->pus[cc->first_pu + k].os;
    }
    if (len == 0) {
        return rl_diag_set(run->diag, "calibrate", "the plan has no fragment");
    }
    if (run->r->memif) {
        return start_memif(run, frag);
    }
    int rc = write_config(run, frag_path, frag, NULL);
    if (rc != 0) {
        return rc;
    }
    snprintf(sink_listen, sizeof(sink_listen), "127.0.0.1:%d", sink_port);
    char sink_json[300];
    snprintf(sink_json, sizeof(sink_json), "%s/sink.json", run->dir);
    static struct args sink_args, rl_args;
    memset(&sink_args, 0, sizeof(sink_args));
    args_of(&sink_args, o->bench, "sink", "--listen", sink_listen, "--quiet", "--json", sink_json,
            (const char *)NULL);
    rc = spawn(run, &run->sink, &sink_args, run->r->tool_cpus, run->r->n_tool_cpus);
    rc = rc == 0 ? wait_port(run, &run->sink, sink_port) : rc;
    if (rc != 0) {
        return rc;
    }
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    snprintf(route, sizeof(route), "*=127.0.0.1:%d", sink_port);
    snprintf(quarantine, sizeof(quarantine), "%s/quarantine", run->dir);
    snprintf(log, sizeof(log), "%s/track.log", run->dir);
    /* sleep when idle, whatever the fragment says: CPU time per message
     * then measures work, not spinning (at full load both poll alike) */
    memset(&rl_args, 0, sizeof(rl_args));
    args_of(&rl_args, o->redlined, "--config", frag_path, "--listen", listen, "--route", route,
            "--relay-net", "127.0.0.0/8", "--idle", "sleep", "--quarantine", quarantine, "--log",
            log, "--foreground", (const char *)NULL);
    rc = spawn(run, &run->redlined, &rl_args, run->control, run->n_control);
    return rc == 0 ? wait_port(run, &run->redlined, port) : rc;
}

/* run_load runs the generator against `port` to its end into `l`,
 * measuring redlined's CPU time meanwhile when `through` it. */
static int
run_load(struct run *run, int port, bool through, uint32_t round, struct hw_calib_load *l)
{
    const struct hw_calib_opts *o = run->o;
    char connect[32], conns[16], secs[32], gen_json[300];
    snprintf(connect, sizeof(connect), "127.0.0.1:%d", port);
    snprintf(conns, sizeof(conns), "%u", o->connections);
    snprintf(secs, sizeof(secs), "%.3f", o->seconds);
    snprintf(gen_json, sizeof(gen_json), "%s/gen-%u-%s.json", run->dir, round,
             through ? "through" : "ceiling");
    static struct args gen_args;
    memset(&gen_args, 0, sizeof(gen_args));
    if (run->r->memif) {
        /* no warm-up: the window is the whole run, as redlined's CPU time;
         * naps once idle as in bench/dpdk.sh (a spinning generator on a
         * shared core is what the scheduler preempts) */
        char vdev[400];
        snprintf(vdev, sizeof(vdev),
                 "--vdev=net_memif0,role=client,socket=%s/memif.sock,socket-abstract=no", run->dir);
        args_of(&gen_args, o->bench_dpdk, "smtp", "--ip", MEMIF_GEN "/24", "--mac",
                "02:00:0a:5d:00:01", "--connect", MEMIF_GW ":" MEMIF_PORT, "--sink-port",
                MEMIF_SINK_PORT, "--connections", conns, "--pipelining", "--warmup", "0",
                "--duration", secs, "--nap-us", "20", "--corpus-mix", "--json", gen_json,
                (const char *)NULL);
        if (o->corpus != NULL) {
            args_of(&gen_args, "--corpus", o->corpus, (const char *)NULL);
        }
        args_of(&gen_args, "--", "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
                "--no-telemetry", "--log-level=lib.eal:error", "--log-level=pmd.net.memif:error",
                vdev, (const char *)NULL);
    } else {
        args_of(&gen_args, o->bench, "smtp", "--connect", connect, "--connections", conns,
                "--pipelining", "--duration", secs, "--corpus-mix", "--timeout", "30", "--json",
                gen_json, (const char *)NULL);
        if (o->corpus != NULL) {
            args_of(&gen_args, "--corpus", o->corpus, (const char *)NULL);
        }
    }
    uint64_t t0 = 0, t1 = 0, w0 = 0, w1 = 0;
    if (!cpu_ticks(run->redlined.pid, o->plan, &t0, &w0)) {
        return died(run, &run->redlined, "is gone");
    }
    int rc = spawn(run, &run->gen, &gen_args, run->r->tool_cpus, run->r->n_tool_cpus);
    if (rc != 0) {
        return rc;
    }
    double deadline = now_s() + o->seconds + 90;
    int status = 0;
    while (waitpid(run->gen.pid, &status, WNOHANG) == 0) {
        if (stopped(run)) {
            return RL_EAGAIN;
        }
        if (now_s() > deadline) {
            return died(run, &run->gen, "did not finish in time");
        }
        sleep_ms(50);
    }
    run->gen.pid = 0;
    if (!cpu_ticks(run->redlined.pid, o->plan, &t1, &w1)) {
        return died(run, &run->redlined, "died during the load");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        return died(run, &run->gen, "failed");
    }
    rc = run->r->memif ? read_load_memif(run, gen_json, l) : read_load(run, gen_json, l);
    if (rc == 0 && through) {
        long hz = sysconf(_SC_CLK_TCK);
        l->redlined_cpu_s = (double)(t1 - t0) / (double)(hz > 0 ? hz : 100);
        l->worker_cpu_s = (double)(w1 - w0) / (double)(hz > 0 ? hz : 100);
    }
    return rc;
}

/* run_rounds alternates the order of the two loads from round to round, so
 * that neither always runs first. */
static int
run_rounds(struct run *run, int sink_port, int port)
{
    int rc = 0;
    for (uint32_t i = 0; i < run->o->rounds && rc == 0; i++) {
        bool through_first = i % 2 == 0;
        /* memif: no straight run, the generator and the sink are one process */
        for (int k = 0; k < (run->r->memif ? 1 : 2) && rc == 0; k++) {
            bool through = run->r->memif || (k == 0) == through_first;
            rc = run_load(run, through ? port : sink_port, through, i,
                          through ? &run->r->through[i] : &run->r->ceiling[i]);
        }
        run->r->n_rounds = rc == 0 ? i + 1 : run->r->n_rounds;
    }
    return rc;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median returns the median of the `n` (>= 1) values of `v`, reordering them. */
static double
median(double *v, uint32_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
finish(struct hw_calib_result *r, const struct hw_plan *p)
{
    double v[8][HW_CALIB_MAX_ROUNDS];
    uint32_t n = r->n_rounds;
    for (uint32_t i = 0; i < n; i++) {
        const struct hw_calib_load *t = &r->through[i];
        double ok = t->ok > 0 ? (double)t->ok : 1;
        v[0][i] = t->msgs_per_s;
        v[1][i] = r->ceiling[i].msgs_per_s;
        v[2][i] = r->ceiling[i].msgs_per_s > 0 ? t->msgs_per_s / r->ceiling[i].msgs_per_s : 0;
        v[3][i] = t->redlined_cpu_s * 1e6 / ok;
        v[4][i] = t->worker_cpu_s * 1e6 / ok;
        v[5][i] = t->wall_s > 0 ? t->worker_cpu_s / (t->wall_s * p->n_workers) : 0;
        v[6][i] = t->latency_p50_us;
        r->sent += t->sent;
        r->ok += t->ok;
        r->tempfail += t->tempfail;
        r->permfail += t->permfail;
        r->errors += t->errors;
        r->ceiling_ok += r->ceiling[i].ok;
        v[7][i] = t->wall_s > 0 ? t->generator_cpu_s / t->wall_s : 0;
    }
    r->generator_core_share = r->memif ? median(v[7], n) : 0;
    r->msgs_per_s = median(v[0], n);
    r->ceiling_msgs_per_s = median(v[1], n);
    r->ratio_to_ceiling = median(v[2], n);
    r->cpu_us_per_msg = median(v[3], n);
    r->worker_cpu_us_per_msg = median(v[4], n);
    r->worker_busy = median(v[5], n);
    r->latency_p50_us = median(v[6], n);
    for (uint32_t i = 0; i < n; i++) {
        v[6][i] = r->through[i].latency_p99_us;
    }
    r->latency_p99_us = median(v[6], n);
    r->msgs_per_hour = r->msgs_per_s * 3600;
    r->projected_msgs_per_hour =
        r->worker_cpu_us_per_msg > 0 ? p->n_workers * 3600.0 * 1e6 / r->worker_cpu_us_per_msg : 0;
    r->fit = hw_tier_fit_for(r->msgs_per_hour);
}

int
hw_calib_run(struct hw_calib_result *out, struct rl_diag *diag, const struct hw_calib_opts *o)
{
    memset(out, 0, sizeof(*out));
    if (!(o->seconds > 0 && o->seconds <= 3600) || o->connections == 0 || o->connections > 4096 ||
        o->rounds == 0 || o->rounds > HW_CALIB_MAX_ROUNDS) {
        return rl_diag_set(diag, "calibrate",
                           "seconds must lie in (0, 3600], connections in 1..4096, rounds in "
                           "1..%d",
                           HW_CALIB_MAX_ROUNDS);
    }
    if (o->realtime && geteuid() != 0) {
        return rl_diag_set(diag, "calibrate", "--rt needs root (SCHED_FIFO)");
    }
    bool memif = o->plan->backend == HW_BACKEND_DPDK;
    const char *gen = memif ? o->bench_dpdk : o->bench;
    if (memif && o->realtime) {
        /* measured on the 2-core VM: under SCHED_FIFO redlined --backend dpdk
         * had not opened its memif port after 60 s (hw/README.md) */
        return rl_diag_set(diag, "calibrate",
                           "--rt does not go with --backend dpdk: under SCHED_FIFO redlined's "
                           "DPDK start-up did not finish (hw/README.md)");
    }
    if (memif && geteuid() != 0) {
        return rl_diag_set(diag, "calibrate", "--backend dpdk needs root (the EAL's memif ports)");
    }
    if (gen == NULL || access(o->redlined, X_OK) != 0 || access(gen, X_OK) != 0) {
        return rl_diag_set(diag, "calibrate", "%.100s or %.100s is not an executable", o->redlined,
                           gen != NULL ? gen : "redline-bench-dpdk");
    }
    struct run run = {.o = o, .r = out, .diag = diag};
    out->memif = memif;
    run.sink.name = "redline-bench sink";
    run.redlined.name = "redlined";
    run.gen.name = memif ? "redline-bench-dpdk smtp" : "redline-bench smtp";
    const char *tmp = getenv("TMPDIR");
    snprintf(run.dir, sizeof(run.dir), "%s/redline-hw-calibrate.XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(run.dir) == NULL) {
        return rl_diag_set(diag, "calibrate", "cannot create %s: %s", run.dir, strerror(errno));
    }
    /* started as root, redlined drops to nobody and must still reach its store */
    (void)chmod(run.dir, 0711);
    tool_cpus(out, o->topo, o->plan);
    int sink_port = memif ? 0 : free_port(); /* memif: the ports of the harness */
    int port = memif ? 0 : free_port();
    int rc = memif || (sink_port > 0 && port > 0 && sink_port != port)
                 ? start_servers(&run, sink_port, port)
                 : rl_diag_set(diag, "calibrate", "no free loopback port");
    rc = rc == 0 ? run_rounds(&run, sink_port, port) : rc;
    stop(&run.gen);
    stop(&run.redlined);
    stop(&run.sink); /* it writes its report when it stops */
    read_sink(&run);
    read_actions(&run);
    read_warnings(&run);
    nftw(run.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc == 0) {
        finish(out, o->plan);
    }
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* redline-hw: the machine's topology (show), the core layout it proposes
 * for redlined (plan) and the volume tier it measures (calibrate). Reads
 * hwloc and sysfs; `plan --write` writes one file; `calibrate` starts
 * redlined and redline-bench on loopback in a temporary directory and
 * stops them. Needs no privileges (as root, redlined drops to nobody as
 * usual). Exit status 0, 1 when a calibration fails, 2 on a usage error or
 * unusable input, with one line on standard error. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hw_calib.h"
#include "hw_plan.h"
#include "hw_report.h"
#include "hw_topo.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char usage[] =
    "usage: redline-hw show [--json] [TOPOLOGY]\n"
    "       redline-hw plan [--json] [--write FILE] [PLAN OPTIONS] [TOPOLOGY]\n"
    "       redline-hw calibrate [--json] [--seconds S] [--rounds R] [--connections N]\n"
    "                  [PLAN OPTIONS]\n"
    "                  [--redlined PATH] [--bench PATH] [--bench-dpdk PATH] [--corpus DIR]\n"
    "\n"
    "TOPOLOGY (default: this machine, as hwloc sees it):\n"
    "  --topology FILE      an XML export (lstopo --of xml)\n"
    "  --synthetic DESC     a synthetic description, e.g. 'pack:2 numa:2 core:8 pu:2'\n"
    "PLAN OPTIONS:\n"
    "  --nic NAME           a NIC to serve (interface or PCI address; repeatable;\n"
    "                       default: every NIC)\n"
    "  --node N             the NUMA node to treat as NIC-local (a NIC without one)\n"
    "  --workers N          at most N workers (default: one per free physical core)\n"
    "  --scan-cores N       physical cores for scan threads (default: a quarter)\n"
    "  --backend kernel|dpdk  the backend the fragment names (default kernel)\n"
    "  --address A.B.C.D/N  dpdk: the stack's address on a NIC served (repeatable, one\n"
    "                       per NIC in the order of --nic): the fragment's dpdk.ports\n"
    "  --mbufs N            mbufs per worker for hugepage sizing (default 16384)\n"
    "  --hugepage-size 2M|1G  hugepage size to count in (default 2M)\n"
    "plan:\n"
    "  --write FILE         write the redlined configuration fragment to FILE\n"
    "calibrate (this machine only; redlined on loopback, redline-bench as client and sink;\n"
    "  with --backend dpdk redlined on a memif port, redline-bench-dpdk as client and sink\n"
    "  on one user-space stack: no kernel in the path, root, a build tree):\n"
    "  --seconds S          how long each load runs (default 4)\n"
    "  --rounds R           rounds of a load through redlined and one straight to the\n"
    "                       sink, the tools' ceiling (default 3; medians reported)\n"
    "  --connections N      concurrent SMTP sessions (default 100)\n"
    "  --rt                 run redlined and the load tools SCHED_FIFO (root): on a machine\n"
    "                       shared with other work, the cores as if they were isolated\n"
    "  --redlined PATH, --bench PATH, --bench-dpdk PATH   the binaries (default: next to\n"
    "                       this one, or installed; redline-bench-dpdk is never installed)\n"
    "  --corpus DIR         the corpus the mix comes from (default: redline-bench's)\n"
    "--json prints JSON instead of text.\n";

struct cli {
    const char *cmd;
    bool json;
    enum hw_source source;
    const char *topology;
    const char *write;
    struct hw_plan_opts plan;
    double seconds;
    uint32_t rounds;
    uint32_t connections;
    bool realtime;
    const char *redlined;
    const char *bench;
    const char *bench_dpdk;
    const char *corpus;
};

static volatile int stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int
usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "redline-hw: %s '%s'\n%s", what, arg, usage);
    return EXIT_USAGE;
}

/* parse_u32 reads a decimal number from `s` into *out when it lies in [lo, hi]. */
static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = s != NULL && s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || v < lo || v > hi) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* plan_option applies one plan option with its value; false when `a` is none. */
static bool
plan_option(struct cli *c, const char *a, const char *v, bool *bad)
{
    uint32_t n = 0;
    struct hw_plan_opts *o = &c->plan;
    if (strcmp(a, "--nic") == 0) {
        *bad = v == NULL || o->n_nics == HW_PLAN_MAX_NICS;
        if (!*bad) {
            o->nics[o->n_nics++] = v;
        }
    } else if (strcmp(a, "--node") == 0) {
        *bad = !parse_u32(v, 0, HW_MAX_NODES * 64, &n);
        o->node = (int32_t)n;
    } else if (strcmp(a, "--workers") == 0) {
        *bad = !parse_u32(v, 1, HW_PLAN_MAX_WORKERS, &o->workers);
    } else if (strcmp(a, "--scan-cores") == 0) {
        *bad = !parse_u32(v, 0, HW_MAX_PUS, &n);
        o->scan_cores = (int32_t)n;
    } else if (strcmp(a, "--backend") == 0) {
        *bad = v == NULL || (strcmp(v, "kernel") != 0 && strcmp(v, "dpdk") != 0);
        o->backend = v != NULL && strcmp(v, "dpdk") == 0 ? HW_BACKEND_DPDK : HW_BACKEND_KERNEL;
    } else if (strcmp(a, "--address") == 0) {
        *bad = v == NULL || o->n_addresses == HW_PLAN_MAX_NICS;
        if (!*bad) {
            o->addresses[o->n_addresses++] = v;
        }
    } else if (strcmp(a, "--mbufs") == 0) {
        *bad = !parse_u32(v, 1024, 1u << 24, &o->mbufs_per_worker);
    } else if (strcmp(a, "--hugepage-size") == 0) {
        *bad = v == NULL || (strcmp(v, "2M") != 0 && strcmp(v, "1G") != 0);
        o->hugepage_size =
            v != NULL && strcmp(v, "1G") == 0 ? (uint64_t)1 << 30 : (uint64_t)2 << 20;
    } else {
        return false;
    }
    return true;
}

/* other_option applies one option that is not a plan option. */
static bool
other_option(struct cli *c, const char *a, const char *v, bool *bad)
{
    uint32_t n = 0;
    if (strcmp(a, "--topology") == 0 || strcmp(a, "--synthetic") == 0) {
        *bad = v == NULL || c->topology != NULL;
        c->source = a[2] == 't' ? HW_SRC_XML : HW_SRC_SYNTHETIC;
        c->topology = v;
    } else if (strcmp(a, "--write") == 0) {
        *bad = v == NULL;
        c->write = v;
    } else if (strcmp(a, "--seconds") == 0) {
        *bad = !parse_u32(v, 1, 3600, &n);
        c->seconds = n;
    } else if (strcmp(a, "--rounds") == 0) {
        *bad = !parse_u32(v, 1, HW_CALIB_MAX_ROUNDS, &c->rounds);
    } else if (strcmp(a, "--connections") == 0) {
        *bad = !parse_u32(v, 1, 4096, &c->connections);
    } else if (strcmp(a, "--redlined") == 0 || strcmp(a, "--bench") == 0 ||
               strcmp(a, "--bench-dpdk") == 0 || strcmp(a, "--corpus") == 0) {
        *bad = v == NULL;
        *(a[2] == 'r'     ? &c->redlined
          : strlen(a) > 7 ? &c->bench_dpdk
          : a[2] == 'b'   ? &c->bench
                          : &c->corpus) = v;
    } else {
        return false;
    }
    return true;
}

static int
parse(struct cli *c, int argc, char **argv)
{
    hw_plan_opts_init(&c->plan);
    c->seconds = 4;
    c->rounds = 3;
    /* enough sessions in flight that the workers, not the round trips, set
     * the pace (with 20 the worker of this 2-core VM idled 60%) */
    c->connections = 100;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : -1;
    }
    c->cmd = argv[1];
    if (strcmp(c->cmd, "show") != 0 && strcmp(c->cmd, "plan") != 0 &&
        strcmp(c->cmd, "calibrate") != 0) {
        return usage_error("unknown command", c->cmd);
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool bad = false;
        if (strcmp(a, "--json") == 0 || strcmp(a, "--rt") == 0) {
            *(a[2] == 'j' ? &c->json : &c->realtime) = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (!plan_option(c, a, v, &bad) && !other_option(c, a, v, &bad)) {
            return usage_error("unknown option", a);
        }
        if (bad) {
            return usage_error("bad value for", a);
        }
        i++;
    }
    bool planning = strcmp(c->cmd, "show") != 0;
    bool calibrating = strcmp(c->cmd, "calibrate") == 0;
    if (!planning && (c->plan.n_nics > 0 || c->plan.node >= 0 || c->plan.workers > 0)) {
        return usage_error("plan options go with plan or calibrate, not", c->cmd);
    }
    if (c->realtime && !calibrating) {
        return usage_error("--rt goes with calibrate, not", c->cmd);
    }
    if (c->write != NULL && strcmp(c->cmd, "plan") != 0) {
        return usage_error("--write goes with plan, not", c->cmd);
    }
    if (calibrating && c->topology != NULL) {
        return usage_error("calibrate measures this machine: no --topology or --synthetic with",
                           c->cmd);
    }
    return 0;
}

/* find_binary returns `name` beside this program in a build tree
 * (../`subdir`/`name`), beside it when installed, or at `installed`. */
static const char *
find_binary(char *buf, size_t cap, const char *subdir, const char *name, const char *installed)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../%s/%s", self, subdir, name);
            if (access(buf, X_OK) == 0) {
                return buf;
            }
            snprintf(buf, cap, "%s/%s", self, name);
            if (access(buf, X_OK) == 0) {
                return buf;
            }
        }
    }
    return installed;
}

static int
emit_json(json_t *root)
{
    if (root == NULL ||
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) !=
            0) {
        json_decref(root);
        fprintf(stderr, "redline-hw: cannot write the JSON report\n");
        return EXIT_FAILED;
    }
    fputc('\n', stdout);
    json_decref(root);
    return 0;
}

static int
write_fragment(const char *path, const struct hw_plan *p)
{
    char frag[4096];
    size_t len = hw_plan_fragment(frag, sizeof(frag), p);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "redline-hw: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    bool ok = len > 0 && fwrite(frag, 1, len, f) == len && fputc('\n', f) != EOF;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "redline-hw: %s: cannot write the fragment\n", path);
        return EXIT_USAGE;
    }
    return 0;
}

static int
calibrate(const struct cli *c, const struct hw_topo *t, const struct hw_plan *p)
{
    char rl_buf[PATH_MAX + 32], bench_buf[PATH_MAX + 32], bdpdk_buf[PATH_MAX + 32];
    struct hw_calib_opts o = {
        .redlined = c->redlined != NULL ? c->redlined
                                        : find_binary(rl_buf, sizeof(rl_buf), "dataplane",
                                                      "redlined", "/usr/sbin/redlined"),
        .bench = c->bench != NULL ? c->bench
                                  : find_binary(bench_buf, sizeof(bench_buf), "bench",
                                                "redline-bench", "/usr/bin/redline-bench"),
        .bench_dpdk = c->bench_dpdk != NULL ? c->bench_dpdk
                                            : find_binary(bdpdk_buf, sizeof(bdpdk_buf), "bench",
                                                          "redline-bench-dpdk", NULL),
        .corpus = c->corpus,
        .seconds = c->seconds,
        .rounds = c->rounds,
        .connections = c->connections,
        .realtime = c->realtime,
        .topo = t,
        .plan = p,
        .stop = &stop_requested,
    };
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct hw_calib_result *r = calloc(1, sizeof(*r));
    struct rl_diag diag = {{0}, {0}};
    if (r == NULL) {
        fprintf(stderr, "redline-hw: out of memory\n");
        return EXIT_FAILED;
    }
    if (!c->json) {
        bool memif = p->backend == HW_BACKEND_DPDK;
        fprintf(stderr, "redline-hw: calibrating over %s: %u x %s of %.0f s (redlined on CPU",
                memif ? "memif" : "loopback", c->rounds, memif ? "1 load" : "2 loads", c->seconds);
        for (uint32_t i = 0; i < p->n_workers; i++) {
            fprintf(stderr, "%s%u", i > 0 ? "," : " ", p->workers[i]);
        }
        fprintf(stderr, ")\n");
    }
    int rc = hw_calib_run(r, &diag, &o);
    int status = 0;
    if (rc == RL_EAGAIN) {
        fprintf(stderr, "redline-hw: calibration interrupted\n");
        status = EXIT_FAILED;
    } else if (rc != 0) {
        fprintf(stderr, "redline-hw: calibrate: %s: %s\n", diag.field, diag.reason);
        status = EXIT_FAILED;
    } else if (c->json) {
        status = emit_json(hw_report_calib_json(t, p, &o, r));
    } else {
        hw_report_calib_text(stdout, p, r);
    }
    if (rc == 0 && r->errors > 0) {
        fprintf(stderr, "redline-hw: %llu messages ended in errors\n",
                (unsigned long long)r->errors);
        status = EXIT_FAILED;
    }
    free(r);
    return status;
}

int
main(int argc, char **argv)
{
    static struct cli c;
    static struct hw_plan plan;
    int rc = parse(&c, argc, argv);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    struct hw_topo *t = NULL;
    struct rl_diag diag = {{0}, {0}};
    if (hw_topo_load(&t, &diag, c.source, c.topology, NULL) != 0) {
        fprintf(stderr, "redline-hw: %s: %s\n", diag.field, diag.reason);
        return EXIT_USAGE;
    }
    int status = 0;
    if (strcmp(c.cmd, "show") == 0) {
        if (c.json) {
            status = emit_json(hw_report_show_json(t));
        } else {
            hw_report_show_text(stdout, t);
        }
    } else if (hw_plan_make(&plan, &diag, t, &c.plan) != 0) {
        fprintf(stderr, "redline-hw: %s: %s\n", diag.field, diag.reason);
        status = EXIT_USAGE;
    } else if (strcmp(c.cmd, "plan") == 0) {
        status = c.write != NULL ? write_fragment(c.write, &plan) : 0;
        if (status == 0 && c.json) {
            status = emit_json(hw_report_plan_json(t, &plan));
        } else if (status == 0) {
            hw_report_plan_text(stdout, t, &plan);
        }
    } else {
        status = calibrate(&c, t, &plan);
    }
    hw_topo_free(t);
    return status;
}

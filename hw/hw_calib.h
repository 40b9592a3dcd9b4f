/* SPDX-License-Identifier: Apache-2.0 */
/* The calibration: redlined started on loopback with a plan's layout,
 * `redline-bench sink` as its next hop and `redline-bench smtp` sending the
 * corpus mix for a fixed time, in rounds beside the same load straight to
 * the sink; what redlined carried, its CPU time, the tier it fits and the
 * headroom. Starts and stops processes, writes only in a temporary
 * directory it removes; main thread. */
#ifndef HW_CALIB_H
#define HW_CALIB_H

#include <stdbool.h>
#include <stdint.h>

#include "hw_check.h"
#include "hw_plan.h"
#include "hw_tier.h"
#include "hw_topo.h"
#include "rl_error.h"

#define HW_CALIB_MAX_WARNINGS 8
#define HW_CALIB_MAX_CPUS 256
#define HW_CALIB_MAX_ROUNDS 16
#define HW_CALIB_MAX_ACTIONS 8

struct hw_calib_opts {
    const char *redlined; /* path of the redlined binary */
    const char *bench;    /* path of the redline-bench binary */
    /* path of redline-bench-dpdk: the generator and sink of a plan with the
     * DPDK backend, on one user-space stack at a memif port's other end */
    const char *bench_dpdk;
    const char *corpus;   /* corpus directory; NULL = redline-bench's default */
    double seconds;       /* how long each load runs, > 0 */
    uint32_t rounds;      /* rounds of (through redlined, straight to the sink), 1.. */
    uint32_t connections; /* concurrent SMTP sessions of the load */
    bool realtime;        /* run the processes SCHED_FIFO (root): the cores as if isolated */
    const struct hw_topo *topo;
    const struct hw_plan *plan; /* the layout redlined runs (plan of `topo`) */
    volatile const int *stop;   /* set non-zero (a signal) to abandon the run; may be NULL */
};

/* One run of redline-bench smtp, through redlined or straight to the sink. */
struct hw_calib_load {
    uint64_t sent, ok, tempfail, permfail, errors;
    double wall_s;     /* first session ready to last reply */
    double msgs_per_s; /* ok / wall_s */
    double latency_p50_us, latency_p99_us;
    double redlined_cpu_s;  /* through redlined: user + system time of the process */
    double worker_cpu_s;    /* the same of its worker threads alone */
    double generator_cpu_s; /* memif: the generator and sink's own CPU time */
};

struct hw_calib_result {
    /* the path measured: false, loopback (kernel backend, redline-bench);
     * true, memif (DPDK backend, redline-bench-dpdk; no kernel, no ceiling
     * runs: the generator and sink share one process) */
    bool memif;
    struct hw_calib_load through[HW_CALIB_MAX_ROUNDS]; /* client -> redlined -> sink */
    struct hw_calib_load ceiling[HW_CALIB_MAX_ROUNDS]; /* client -> sink: the tools' own limit */
    uint32_t n_rounds;
    /* medians over the rounds */
    double msgs_per_s; /* what redlined carried */
    double msgs_per_hour;
    double ceiling_msgs_per_s;
    double ratio_to_ceiling; /* per round through / ceiling, then the median */
    double latency_p50_us, latency_p99_us;
    double cpu_us_per_msg;        /* redlined's CPU time per message carried */
    double worker_cpu_us_per_msg; /* its worker threads' alone */
    double worker_busy;           /* worker CPU time / (wall time * workers) */
    double generator_core_share;  /* memif: generator and sink CPU time / wall time */
    /* workers * 3600 s / worker_cpu_us_per_msg: what the worker cores would
     * carry with nothing else in the way */
    double projected_msgs_per_hour;
    struct hw_tier_fit fit; /* from msgs_per_hour (measured, not projected) */
    /* over all rounds through redlined */
    uint64_t sent, ok, tempfail, permfail, errors;
    uint64_t ceiling_ok;    /* over all ceiling rounds */
    uint64_t sink_messages; /* what the sink accepted, both kinds of run */
    /* the mix */
    uint64_t distinct;    /* corpus messages in it */
    uint64_t left_out;    /* corpus messages no SMTP client may send (lines > 998 octets) */
    double bytes_per_msg; /* mean wire bytes */
    struct {
        char name[24]; /* "relayed", "quarantined", ... from the tracking log */
        uint64_t n;
    } actions[HW_CALIB_MAX_ACTIONS]; /* what redlined did with the messages, all rounds */
    uint32_t n_actions;
    char warnings[HW_CALIB_MAX_WARNINGS][HW_FINDING_MAX]; /* redlined's start-up warnings */
    uint32_t n_warnings;
    uint32_t tool_cpus[HW_CALIB_MAX_CPUS]; /* CPUs the load tools were pinned to */
    uint32_t n_tool_cpus;
};

/* hw_calib_run runs o->rounds rounds, each a load through redlined and one
 * straight to the sink (order alternating), and fills `out`. Returns 0;
 * RL_EINVAL (bad options), RL_EIO (a process did not start, died, or its
 * report is missing; `diag` names which and why), RL_EAGAIN when o->stop
 * was set. Every process it started is stopped before it returns. */
int hw_calib_run(struct hw_calib_result *out, struct rl_diag *diag, const struct hw_calib_opts *o);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Checks a configured worker layout against a topology and names the cores
 * where they contradict it: a worker on the control-plane core, two workers
 * on SMT siblings or on one CPU, a worker remote from its NIC, a CPU the
 * machine does not have. Pure; any thread. */
#ifndef HW_CHECK_H
#define HW_CHECK_H

#include <stdint.h>

#include "hw_topo.h"

#define HW_CHECK_MAX_WORKERS 64
#define HW_CHECK_MAX_NICS 16
#define HW_MAX_FINDINGS 32
#define HW_FINDING_MAX 240

/* A layout to check: where each worker runs and which NICs it serves. */
struct hw_layout {
    int32_t cpus[HW_CHECK_MAX_WORKERS]; /* OS CPU number of worker i; -1 = not pinned */
    uint32_t n_workers;
    const char *nics[HW_CHECK_MAX_NICS]; /* interface names or PCI addresses (borrowed) */
    uint32_t n_nics;
};

enum hw_finding_kind {
    HW_F_CONTROL_CORE = 0, /* a worker on the control-plane core */
    HW_F_SMT_SIBLINGS,     /* two workers on SMT siblings of one core */
    HW_F_SAME_CPU,         /* two workers on one CPU */
    HW_F_NIC_REMOTE,       /* a worker on a NUMA node its NIC is not local to */
    HW_F_NIC_NO_NODE,      /* a NIC without NUMA node on a machine with several */
    HW_F_NO_CPU,           /* a CPU the topology does not have */
    HW_F_UNKNOWN_NIC,      /* a NIC the topology does not have */
};

struct hw_finding {
    enum hw_finding_kind kind;
    int32_t worker;            /* the worker concerned, -1 for a NIC */
    int32_t other;             /* the second worker of a pair, else -1 */
    char text[HW_FINDING_MAX]; /* one line naming the CPUs, cores and nodes */
};

struct hw_findings {
    struct hw_finding f[HW_MAX_FINDINGS];
    uint32_t n;
    uint32_t dropped; /* findings beyond HW_MAX_FINDINGS */
};

/* hw_layout_check fills `out` with every contradiction between `l` and
 * `t`, workers in order. Unpinned workers (-1) are not checked. A layout
 * without NICs is not checked for locality. Cannot fail. */
void hw_layout_check(struct hw_findings *out, const struct hw_topo *t, const struct hw_layout *l);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The core layout redline-hw proposes for a topology: the control-plane
 * core, one poll-mode worker per physical core on the NICs' NUMA nodes
 * first (never two on SMT siblings), scan and store threads, hugepages per
 * node, and the redlined configuration fragment that says it. No I/O;
 * any thread. */
#ifndef HW_PLAN_H
#define HW_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_topo.h"
#include "rl_error.h"

#define HW_PLAN_MAX_WORKERS 64 /* redlined's limit (DP_MAX_WORKERS) */
#define HW_PLAN_MAX_NICS 16
#define HW_PLAN_MAX_SCAN 64
#define HW_PLAN_MAX_SCAN_THREADS 16 /* redlined's scan_threads limit */
#define HW_PLAN_MAX_PORTS 4         /* redlined's dpdk.ports limit (DP_DPDK_MAX_PORTS) */
#define HW_PLAN_ADDR_MAX 20         /* "255.255.255.255/32" and its NUL */
#define HW_PLAN_MAX_NOTES 16
#define HW_PLAN_NOTE_MAX 200

/* Hugepage sizing for the DPDK backend (docs/SIZING.md): per worker, one
 * mbuf pool of `mbufs_per_worker` buffers of HW_MBUF_BYTES (2 KiB of data,
 * 128 B headroom, the rte_mbuf and the mempool header), plus
 * HW_NODE_FIXED_BYTES per node that has workers (EAL memzones, rings,
 * queue descriptors). */
#define HW_MBUF_BYTES 2432u
#define HW_NODE_FIXED_BYTES ((uint64_t)64 << 20)
#define HW_DEFAULT_MBUFS 16384u

enum hw_backend {
    HW_BACKEND_KERNEL = 0,
    HW_BACKEND_DPDK,
};

struct hw_plan_opts {
    const char *nics[HW_PLAN_MAX_NICS]; /* interface names or PCI addresses; none = every NIC */
    uint32_t n_nics;
    int32_t node;       /* OS number of the node to treat as NIC-local; -1 = from the NICs */
    uint32_t workers;   /* at most this many workers; 0 = one per free physical core */
    int32_t scan_cores; /* cores for scan threads; -1 = a quarter of the free cores */
    enum hw_backend backend;
    uint32_t mbufs_per_worker; /* 0 = HW_DEFAULT_MBUFS */
    uint64_t hugepage_size;    /* bytes; 0 = 2 MiB */
    /* DPDK backend: the stack's address "a.b.c.d/n" on each NIC served, in
     * the order of `nics` (or of the topology's NICs when none are named);
     * none = the fragment leaves dpdk.ports to the operator */
    const char *addresses[HW_PLAN_MAX_NICS];
    uint32_t n_addresses;
};

/* hw_plan_opts_init fills `o` with the defaults. */
void hw_plan_opts_init(struct hw_plan_opts *o);

struct hw_plan_node {
    uint32_t workers;        /* workers on this node */
    uint32_t nics;           /* selected NICs local to it */
    uint64_t hugepage_bytes; /* needed with the DPDK backend */
    uint64_t hugepages;      /* that many pages of hw_plan.hugepage_size */
    uint64_t hugepages_have; /* reserved now, of that size */
};

/* A DPDK port of the fragment: a NIC served and the stack's address on it. */
struct hw_plan_port {
    char device[16]; /* the NIC's PCI address */
    char address[HW_PLAN_ADDR_MAX];
};

struct hw_plan {
    uint32_t control_core;                     /* index into topo->cores */
    uint32_t workers[HW_PLAN_MAX_WORKERS];     /* the OS CPU number of each worker */
    uint32_t worker_core[HW_PLAN_MAX_WORKERS]; /* its index into topo->cores */
    uint32_t n_workers;
    bool worker_on_control;          /* too few cores: worker 0 shares the control core */
    uint32_t scan[HW_PLAN_MAX_SCAN]; /* CPUs of the scan threads (one per CPU) */
    uint32_t n_scan;
    bool scan_on_control;           /* no core to spare: scan threads on the control core */
    uint32_t scan_threads;          /* the fragment's scan_threads: n_scan, at most 16 */
    uint32_t store;                 /* CPU of the store thread */
    int32_t nics[HW_PLAN_MAX_NICS]; /* indexes into topo->nics served */
    uint32_t n_nics;
    struct hw_nodeset local;                 /* nodes treated as NIC-local (by index) */
    struct hw_plan_node nodes[HW_MAX_NODES]; /* by node index, topo->n_nodes used */
    enum hw_backend backend;
    struct hw_plan_port ports[HW_PLAN_MAX_PORTS]; /* the fragment's dpdk.ports, DPDK only */
    uint32_t n_ports;                             /* 0: the fragment leaves them out */
    uint64_t hugepage_size;
    uint32_t mbufs_per_worker;
    char notes[HW_PLAN_MAX_NOTES][HW_PLAN_NOTE_MAX];
    uint32_t n_notes;
};

/* hw_plan_make fills `out` with the layout for `t` under `o`. Returns 0;
 * RL_EINVAL with `diag` when a NIC is unknown, when a NIC serving the plan
 * has no NUMA node on a machine with several (the firmware did not say
 * where it is: name the node with o->node), when o->node is no node of
 * `t`, when addresses are given with the kernel backend, are not
 * "a.b.c.d/n" unicast, repeat one another or do not match the NICs served
 * one to one, or when the DPDK backend would serve more than 4 NICs with
 * them (field "nic" or "address"); RL_ENOMEM. */
int hw_plan_make(struct hw_plan *out, struct rl_diag *diag, const struct hw_topo *t,
                 const struct hw_plan_opts *o);

/* hw_plan_fragment writes the configuration fragment for `p` to `out`
 * (capacity `cap`, NUL terminated): a JSON object with "workers", "cores",
 * "idle" and "scan_threads" (and "backend", with the DPDK backend, and
 * "dpdk": {"ports": [{"device": PCI address, "address": a.b.c.d/n}, ...]}
 * when the plan has the ports' addresses) that redlined's --config loader
 * accepts as it is. Returns the length, or 0 when it does not fit. */
size_t hw_plan_fragment(char *out, size_t cap, const struct hw_plan *p);

/* hw_plan_fragment_lacks says what a configuration needs beside the
 * fragment and redlined's usual keys (listen, routes) before its check
 * passes: NULL when nothing, else a sentence naming the keys (the DPDK
 * backend's ports when the plan has no address for them, or no NIC). */
const char *hw_plan_fragment_lacks(const struct hw_plan *p);

#endif

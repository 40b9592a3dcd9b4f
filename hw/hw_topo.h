/* SPDX-License-Identifier: Apache-2.0 */
/* The machine as redline-hw and redlined see it: packages, NUMA nodes with
 * their memory and hugepages, physical cores and their SMT siblings, caches
 * and network controllers, read through hwloc (this machine, a synthetic
 * description or an XML export) plus sysfs for what hwloc does not know about
 * a NIC. Loading allocates and forks for an XML file (start-up only, before
 * threads are started); reading is pure. One thread. */
#ifndef HW_TOPO_H
#define HW_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define HW_MAX_NODES 256 /* NUMA nodes a topology may have */
#define HW_MAX_PUS 8192  /* logical CPUs a topology may have */
#define HW_PAGE_TYPES 4  /* hugepage sizes kept per node (the normal page excluded) */
#define HW_NAME_MAX 64   /* interface, driver, model names, NUL included */
#define HW_NODE_WORDS (HW_MAX_NODES / 64)

/* A set of NUMA nodes by index into hw_topo.nodes. */
struct hw_nodeset {
    uint64_t w[HW_NODE_WORDS];
};

/* One logical CPU (hwloc PU): what `cores` in the configuration names. */
struct hw_pu {
    uint32_t os;   /* the OS's CPU number */
    uint32_t core; /* index into hw_topo.cores */
};

/* One physical core; its PUs are SMT siblings. */
struct hw_core {
    uint32_t os;       /* hwloc's core number (unique within a package at least) */
    int32_t package;   /* index into hw_topo.packages, -1 = none */
    int32_t node;      /* index into hw_topo.nodes whose CPUs hold this core, -1 = none */
    uint32_t first_pu; /* its PUs are pus[first_pu .. first_pu + n_pus), by OS number */
    uint32_t n_pus;
};

struct hw_pages {
    uint64_t size;  /* bytes of one page */
    uint64_t count; /* pages reserved on the node */
};

struct hw_node {
    uint32_t os;      /* the OS's node number */
    int32_t package;  /* index into hw_topo.packages holding all its CPUs, -1 = none or several */
    uint64_t memory;  /* bytes local to the node */
    uint32_t n_cores; /* physical cores whose CPUs belong to it */
    uint32_t n_pus;
    struct hw_pages pages[HW_PAGE_TYPES]; /* hugepage sizes, ascending */
    uint32_t n_pages;
};

struct hw_package {
    uint32_t os;
    uint32_t n_nodes;
    uint32_t n_cores;
    uint32_t n_pus;
    char model[HW_NAME_MAX]; /* "AMD EPYC ..." when known, else "" */
};

/* Caches summed by level and kind: "3 x L2 unified 1 MiB". */
struct hw_cache {
    uint8_t level; /* 1..5 */
    char kind;     /* 'd' data, 'i' instruction, 'u' unified */
    uint64_t size; /* bytes of one instance */
    uint32_t count;
};

#define HW_MAX_CACHES 16
#define HW_MAX_NICS 64

/* A network controller (PCI class 02xx). */
struct hw_nic {
    char pci[16]; /* "0000:3b:00.0" */
    uint16_t vendor, device;
    uint16_t class_id;       /* 0x0200 Ethernet, ... */
    char name[HW_NAME_MAX];  /* network interface, "" when none (bound to vfio-pci, say) */
    char mac[24];            /* "" when unknown */
    float pcie_gbps;         /* PCIe link bandwidth hwloc reports, GB/s; 0 = unknown */
    struct hw_nodeset local; /* NUMA nodes local to it (by index); empty = unknown */
    int32_t node;            /* the one local node, -1 when none or several */
    int32_t package;         /* package local to it, -1 when unknown */
    /* From sysfs, this machine only (-1 / "" when unknown). */
    char driver[HW_NAME_MAX]; /* the PCI device's driver: "ixgbe", "vfio-pci", ... */
    bool vfio;                /* bound to vfio-pci (DPDK can take it) */
    int32_t rx_queues, tx_queues;
    int32_t speed_mbps; /* link speed, -1 when down or unknown */
    int32_t up;         /* operstate up: 1, down: 0, unknown: -1 */
};

/* CPU features that matter to Hyperscan and OpenSSL (this machine only). */
struct hw_cpu_features {
    bool known; /* false for synthetic and XML topologies */
    bool sse42, avx2, avx512f, avx512bw, avx512vbmi, aesni, vaes, sha, pclmul;
    char hyperscan[32]; /* what Hyperscan picks here: "avx512vbmi", "avx512", "avx2", "base" */
};

enum hw_source {
    HW_SRC_THIS = 0,  /* this machine (hwloc's own discovery, or HWLOC_XMLFILE/HWLOC_SYNTHETIC) */
    HW_SRC_SYNTHETIC, /* a description such as "pack:2 numa:2 core:8 pu:2" */
    HW_SRC_XML,       /* an XML export (lstopo --of xml) */
};

struct hw_topo {
    enum hw_source source;
    char source_text[256]; /* the description or file, for reports */
    bool this_system;      /* the topology is the machine we run on */
    struct hw_package *packages;
    uint32_t n_packages;
    struct hw_node *nodes; /* by OS number */
    uint32_t n_nodes;
    struct hw_core *cores; /* by package, then hwloc's order */
    uint32_t n_cores;
    struct hw_pu *pus; /* grouped by core; each core's PUs by OS number */
    uint32_t n_pus;
    struct hw_cache caches[HW_MAX_CACHES];
    uint32_t n_caches;
    struct hw_nic nics[HW_MAX_NICS];
    uint32_t n_nics;
    struct hw_cpu_features cpu;
    uint64_t memory; /* bytes, all nodes */
    void *hwloc;     /* owned hwloc_topology_t, kept for memory binding */
};

/* hw_topo_load fills `*out` with a new topology: `source` HW_SRC_THIS reads
 * this machine (`text` NULL; hwloc honours HWLOC_XMLFILE and HWLOC_SYNTHETIC
 * as every hwloc tool does), HW_SRC_SYNTHETIC the description `text`,
 * HW_SRC_XML the file at `text`. NIC details come from sysfs under
 * `sysfs_root` ("/sys" when NULL) for this machine only. An XML topology
 * (the file, or HWLOC_XMLFILE's) is first loaded by a child process, so that
 * a file hwloc crashes on is refused. Returns 0; RL_ESYNTAX (the
 * description or XML does not parse), RL_EIO (the file
 * cannot be read), RL_ELIMIT (more than HW_MAX_PUS CPUs or HW_MAX_NODES
 * nodes) or RL_EINVAL (no CPU in it), with `diag` saying which; RL_ENOMEM. */
int hw_topo_load(struct hw_topo **out, struct rl_diag *diag, enum hw_source source,
                 const char *text, const char *sysfs_root);

/* hw_topo_load_xml_buffer is hw_topo_load of an XML export held in memory
 * (`len` bytes at `xml`): for tests and fuzzing. */
int hw_topo_load_xml_buffer(struct hw_topo **out, struct rl_diag *diag, const char *xml,
                            size_t len);

/* hw_topo_free releases `t`; NULL is a no-op. */
void hw_topo_free(struct hw_topo *t);

/* hw_topo_pu_find returns the index into t->pus of the CPU the OS numbers
 * `cpu`, or -1 when the topology has no such CPU. */
int32_t hw_topo_pu_find(const struct hw_topo *t, uint32_t cpu);

/* hw_topo_control_core returns the index of the control-plane core: the
 * physical core holding the lowest-numbered CPU (the kernel's boot CPU,
 * where housekeeping and unpinned interrupts land). redline-hw plans around
 * it and redlined warns about a worker on it. */
uint32_t hw_topo_control_core(const struct hw_topo *t);

/* hw_topo_core_cpus writes the OS numbers of core `c`'s CPUs to `out`
 * (capacity `cap` > 0), comma-separated and NUL terminated (cut short when
 * it does not fit). */
void hw_topo_core_cpus(char *out, size_t cap, const struct hw_topo *t, uint32_t c);

/* hw_topo_nic_find returns the NIC named `name` (interface name or PCI
 * address), or NULL. */
const struct hw_nic *hw_topo_nic_find(const struct hw_topo *t, const char *name);

/* hw_nodeset helpers: add node index `i`, test it, count, first member (-1 when empty). */
void hw_nodeset_add(struct hw_nodeset *s, uint32_t i);
bool hw_nodeset_has(const struct hw_nodeset *s, uint32_t i);
uint32_t hw_nodeset_count(const struct hw_nodeset *s);
int32_t hw_nodeset_first(const struct hw_nodeset *s);

/* hw_topo_bind_memory makes the calling thread's future allocations prefer
 * the NUMA node of CPU `cpu` (this machine only), or restores the default
 * policy when `cpu` is negative. Returns 0; RL_ENOENT when the topology is
 * not this machine's or has no such CPU; RL_EIO when the kernel refuses. */
int hw_topo_bind_memory(const struct hw_topo *t, int cpu);

#endif

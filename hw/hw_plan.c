/* SPDX-License-Identifier: Apache-2.0 */
/* The layout planner: orders physical cores by distance from the NICs
 * (their NUMA nodes, then the rest of their packages, then the others),
 * keeps the control-plane core out, gives the far end to scan threads and
 * the near end to workers, one per physical core, and sizes hugepages per
 * node. No I/O; any thread. */
#include "hw_plan.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((uint64_t)1 << 20)

void
hw_plan_opts_init(struct hw_plan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->node = -1;
    o->scan_cores = -1;
    o->backend = HW_BACKEND_KERNEL;
}

static void __attribute__((format(printf, 2, 3))) note(struct hw_plan *p, const char *fmt, ...)
{
    if (p->n_notes == HW_PLAN_MAX_NOTES) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->notes[p->n_notes++], HW_PLAN_NOTE_MAX, fmt, ap);
    va_end(ap);
}

/* select_nics resolves the NICs the plan serves and the NIC-local nodes. */
static int
select_nics(struct hw_plan *p, struct rl_diag *diag, const struct hw_topo *t,
            const struct hw_plan_opts *o)
{
    if (o->n_nics > HW_PLAN_MAX_NICS) {
        return rl_diag_set(diag, "nic", "at most %d NICs", HW_PLAN_MAX_NICS);
    }
    for (uint32_t i = 0; i < o->n_nics; i++) {
        const struct hw_nic *n = hw_topo_nic_find(t, o->nics[i]);
        if (n == NULL) {
            return rl_diag_set(diag, "nic",
                               "'%.64s' is no network controller of this topology "
                               "(redline-hw show lists them)",
                               o->nics[i]);
        }
        for (uint32_t k = 0; k < p->n_nics; k++) {
            if (p->nics[k] == (int32_t)(n - t->nics)) {
                return rl_diag_set(diag, "nic", "'%.64s' names %s again", o->nics[i], n->pci);
            }
        }
        p->nics[p->n_nics++] = (int32_t)(n - t->nics);
    }
    for (uint32_t i = 0; o->n_nics == 0 && i < t->n_nics && i < HW_PLAN_MAX_NICS; i++) {
        p->nics[p->n_nics++] = (int32_t)i;
    }
    if (o->node >= 0) {
        for (uint32_t i = 0; i < t->n_nodes; i++) {
            if (t->nodes[i].os == (uint32_t)o->node) {
                hw_nodeset_add(&p->local, i);
                return 0;
            }
        }
        return rl_diag_set(diag, "node", "%d is no NUMA node of this topology (%u nodes)", o->node,
                           t->n_nodes);
    }
    for (uint32_t i = 0; i < p->n_nics; i++) {
        const struct hw_nic *n = &t->nics[p->nics[i]];
        if (hw_nodeset_count(&n->local) == 0) {
            if (t->n_nodes > 1) {
                const char *name = n->name[0] != '\0' ? n->name : "no interface";
                return rl_diag_set(diag, "nic",
                                   "%s (%s) has no NUMA node: the firmware does not say "
                                   "which of the %u nodes it is attached to; give --node N",
                                   n->pci, name, t->n_nodes);
            }
            if (t->n_nodes == 1) {
                hw_nodeset_add(&p->local, 0);
                p->nodes[0].nics++;
            }
            continue;
        }
        for (uint32_t k = 0; k < t->n_nodes; k++) {
            if (hw_nodeset_has(&n->local, k)) {
                hw_nodeset_add(&p->local, k);
                p->nodes[k].nics++;
            }
        }
    }
    return 0;
}

/* address_ok holds for "a.b.c.d/n" with n 1-32 and a unicast a.b.c.d, what
 * redlined's loader takes as a port's address; `ip` gets the address. */
static bool
address_ok(const char *s, uint8_t ip[4])
{
    char text[HW_PLAN_ADDR_MAX];
    const char *slash = strchr(s, '/');
    size_t len = slash != NULL ? (size_t)(slash - s) : 0;
    if (len == 0 || len >= sizeof(text) || strlen(slash + 1) == 0 || strlen(slash + 1) > 2 ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1)) {
        return false;
    }
    memcpy(text, s, len);
    text[len] = '\0';
    int bits = atoi(slash + 1);
    return bits >= 1 && bits <= 32 && inet_pton(AF_INET, text, ip) == 1 && ip[0] != 0 &&
           ip[0] < 224;
}

/* select_ports gives the DPDK backend's ports their addresses: one per NIC
 * served, in order. */
static int
select_ports(struct hw_plan *p, struct rl_diag *diag, const struct hw_topo *t,
             const struct hw_plan_opts *o)
{
    if (o->n_addresses == 0) {
        return 0;
    }
    if (o->backend != HW_BACKEND_DPDK) {
        return rl_diag_set(diag, "address", "a port address goes with the dpdk backend");
    }
    if (p->n_nics > HW_PLAN_MAX_PORTS) {
        return rl_diag_set(diag, "nic",
                           "the dpdk backend serves at most %d ports and this plan serves %u "
                           "NICs: name them with --nic",
                           HW_PLAN_MAX_PORTS, p->n_nics);
    }
    if (o->n_addresses != p->n_nics) {
        return rl_diag_set(diag, "address",
                           "%u address%s for the %u NIC%s served: one per NIC, in the order of "
                           "--nic",
                           o->n_addresses, o->n_addresses == 1 ? "" : "es", p->n_nics,
                           p->n_nics == 1 ? "" : "s");
    }
    uint8_t ips[HW_PLAN_MAX_PORTS][4];
    for (uint32_t i = 0; i < o->n_addresses; i++) {
        if (!address_ok(o->addresses[i], ips[i])) {
            return rl_diag_set(diag, "address",
                               "'%.32s' is not a unicast IPv4 address with its prefix length "
                               "(a.b.c.d/n, n from 1 to 32)",
                               o->addresses[i]);
        }
        for (uint32_t k = 0; k < i; k++) {
            if (memcmp(ips[i], ips[k], 4) == 0) {
                return rl_diag_set(diag, "address", "'%.32s' is given to two ports",
                                   o->addresses[i]);
            }
        }
        const struct hw_nic *n = &t->nics[p->nics[i]];
        snprintf(p->ports[i].device, sizeof(p->ports[i].device), "%s", n->pci);
        snprintf(p->ports[i].address, sizeof(p->ports[i].address), "%s", o->addresses[i]);
        if (n->driver[0] != '\0' && !n->vfio) {
            note(p, "NIC %s (%s) is bound to %s, not vfio-pci: bind it before redlined starts",
                 n->name[0] != '\0' ? n->name : n->pci, n->pci, n->driver);
        }
    }
    p->n_ports = o->n_addresses;
    return 0;
}

/* Ordering context for the cores (qsort has no argument). */
struct order {
    const struct hw_topo *t;
    const struct hw_plan *p;
    struct hw_nodeset near_pkg; /* packages holding a NIC-local node, by index */
};

/* tier: 0 on a NIC-local node, 1 in a package holding one, 2 elsewhere. */
static int
tier(const struct order *ord, uint32_t c)
{
    const struct hw_core *core = &ord->t->cores[c];
    if (core->node >= 0 && hw_nodeset_has(&ord->p->local, (uint32_t)core->node)) {
        return 0;
    }
    if (core->package >= 0 && hw_nodeset_has(&ord->near_pkg, (uint32_t)core->package)) {
        return 1;
    }
    return 2;
}

static int
cmp_core(const struct order *ord, uint32_t a, uint32_t b)
{
    int ta = tier(ord, a);
    int tb = tier(ord, b);
    if (ta != tb) {
        return ta - tb;
    }
    int32_t na = ord->t->cores[a].node;
    int32_t nb = ord->t->cores[b].node;
    uint32_t nics_a = na >= 0 ? ord->p->nodes[na].nics : 0;
    uint32_t nics_b = nb >= 0 ? ord->p->nodes[nb].nics : 0;
    if (nics_a != nics_b) {
        return nics_a > nics_b ? -1 : 1; /* the node with more NICs first */
    }
    if (na != nb) {
        return na < nb ? -1 : 1;
    }
    return a < b ? -1 : a > b;
}

/* sort_cores orders `idx` (n core indexes) nearest first: insertion sort,
 * stable and without a global for the comparison context. */
static void
sort_cores(const struct order *ord, uint32_t *idx, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = idx[i];
        uint32_t j = i;
        while (j > 0 && cmp_core(ord, idx[j - 1], v) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static void
size_hugepages(struct hw_plan *p, const struct hw_topo *t)
{
    for (uint32_t i = 0; i < t->n_nodes && i < HW_MAX_NODES; i++) {
        struct hw_plan_node *n = &p->nodes[i];
        for (uint32_t k = 0; k < t->nodes[i].n_pages; k++) {
            if (t->nodes[i].pages[k].size == p->hugepage_size) {
                n->hugepages_have = t->nodes[i].pages[k].count;
            }
        }
        if (n->workers == 0) {
            continue;
        }
        n->hugepage_bytes =
            (uint64_t)n->workers * p->mbufs_per_worker * HW_MBUF_BYTES + HW_NODE_FIXED_BYTES;
        n->hugepages = (n->hugepage_bytes + p->hugepage_size - 1) / p->hugepage_size;
    }
}

/* place_threads takes the nearest cores for workers and the farthest for
 * scan threads from the `n` free cores in `order`. */
static void
place_threads(struct hw_plan *p, const struct hw_topo *t, const struct hw_plan_opts *o,
              const uint32_t *order, uint32_t n)
{
    uint32_t scan_cores = 0;
    if (o->scan_cores >= 0) {
        scan_cores = (uint32_t)o->scan_cores;
    } else if (n >= 3) {
        scan_cores = n / 4 > 0 ? n / 4 : 1;
    }
    /* at least one core stays for a worker; with none free, none for scan */
    uint32_t scan_max = n > 0 ? n - 1 : 0;
    if (scan_cores > scan_max) {
        scan_cores = scan_max;
        note(p, "scan threads get %u core%s: one at least stays for a worker", scan_cores,
             scan_cores == 1 ? "" : "s");
    }
    uint32_t room = n - scan_cores;
    uint32_t want = room;
    if (o->workers > 0 && o->workers < want) {
        want = o->workers;
    } else if (o->workers > room) {
        note(p, "%u workers asked for, %u physical cores free for them", o->workers, room);
    }
    if (want > HW_PLAN_MAX_WORKERS) {
        note(p, "%u cores could take workers; redlined runs at most %d", want, HW_PLAN_MAX_WORKERS);
        want = HW_PLAN_MAX_WORKERS;
    }
    for (uint32_t i = 0; i < want; i++) {
        const struct hw_core *c = &t->cores[order[i]];
        p->worker_core[p->n_workers] = order[i];
        p->workers[p->n_workers++] = t->pus[c->first_pu].os;
    }
    if (p->n_workers == 0) {
        /* a single core: the worker has to share it with the control plane */
        const struct hw_core *c = &t->cores[p->control_core];
        p->worker_core[0] = p->control_core;
        p->workers[0] = t->pus[c->first_pu].os;
        p->n_workers = 1;
        p->worker_on_control = true;
        note(p, "one physical core only: the worker shares it with the control plane");
    }
    if (room > want) {
        note(p, "%u physical core%s left free", room - want, room - want == 1 ? "" : "s");
    }
    for (uint32_t i = 0; i < scan_cores; i++) {
        const struct hw_core *c = &t->cores[order[n - 1 - i]];
        for (uint32_t k = 0; k < c->n_pus && p->n_scan < HW_PLAN_MAX_SCAN; k++) {
            p->scan[p->n_scan++] = t->pus[c->first_pu + k].os;
        }
    }
    if (p->n_scan == 0) {
        const struct hw_core *c = &t->cores[p->control_core];
        for (uint32_t k = 0; k < c->n_pus && p->n_scan < HW_PLAN_MAX_SCAN; k++) {
            p->scan[p->n_scan++] = t->pus[c->first_pu + k].os;
        }
        p->scan_on_control = true;
    }
    const struct hw_core *cc = &t->cores[p->control_core];
    p->store = t->pus[cc->first_pu + cc->n_pus - 1].os;
    p->scan_threads = p->n_scan;
    if (p->scan_threads > HW_PLAN_MAX_SCAN_THREADS) {
        p->scan_threads = HW_PLAN_MAX_SCAN_THREADS;
        note(p, "%u CPUs for scan threads; redlined runs at most %d", p->n_scan,
             HW_PLAN_MAX_SCAN_THREADS);
    }
    for (uint32_t i = 0; i < p->n_workers; i++) {
        int32_t node = t->cores[p->worker_core[i]].node;
        if (node >= 0 && node < HW_MAX_NODES) {
            p->nodes[node].workers++;
        }
    }
}

static void
note_layout(struct hw_plan *p, const struct hw_topo *t)
{
    char cpus[128];
    hw_topo_core_cpus(cpus, sizeof(cpus), t, p->control_core);
    note(p, "control plane, redlined's own threads and the store thread: core %u (CPU %s)",
         t->cores[p->control_core].os, cpus);
    uint32_t siblings = 0;
    for (uint32_t i = 0; i < p->n_workers; i++) {
        siblings += t->cores[p->worker_core[i]].n_pus - 1;
    }
    if (siblings > 0 && !p->worker_on_control) {
        note(p,
             "the %u SMT sibling%s of the worker cores stay idle: a poll-mode worker needs "
             "its whole core",
             siblings, siblings == 1 ? "" : "s");
    }
    if (p->scan_on_control) {
        note(p, "no core to spare for scan threads: they share the control-plane core");
    }
    uint32_t remote = 0;
    for (uint32_t i = 0; i < p->n_workers; i++) {
        int32_t node = t->cores[p->worker_core[i]].node;
        remote += hw_nodeset_count(&p->local) > 0 &&
                          (node < 0 || !hw_nodeset_has(&p->local, (uint32_t)node))
                      ? 1
                      : 0;
    }
    if (remote > 0) {
        note(p,
             "%u worker%s beyond the NIC-local node%s: the NICs' nodes have no free core "
             "left",
             remote, remote == 1 ? " lies" : "s lie", hw_nodeset_count(&p->local) == 1 ? "" : "s");
    }
    if (p->n_nics == 0) {
        note(p, "no network controller in this topology: cores are ordered from node 0");
    }
    if (p->backend == HW_BACKEND_DPDK && p->n_ports == 0) {
        char pcis[HW_PLAN_NOTE_MAX / 2] = "";
        size_t o = 0;
        for (uint32_t i = 0; i < p->n_nics && o < sizeof(pcis); i++) {
            int k = snprintf(pcis + o, sizeof(pcis) - o, "%s%s", i > 0 ? ", " : "",
                             t->nics[p->nics[i]].pci);
            o += k > 0 ? (size_t)k : 0;
        }
        if (p->n_nics > 0) {
            note(p,
                 "dpdk.ports: give --address a.b.c.d/n for each NIC served (%s) to have them "
                 "in the fragment, or add them to the configuration",
                 pcis);
        } else {
            note(p, "dpdk.ports: no NIC in this topology; add the ports to the configuration");
        }
    }
}

int
hw_plan_make(struct hw_plan *out, struct rl_diag *diag, const struct hw_topo *t,
             const struct hw_plan_opts *o)
{
    memset(out, 0, sizeof(*out));
    out->backend = o->backend;
    out->hugepage_size = o->hugepage_size != 0 ? o->hugepage_size : 2 * MIB;
    out->mbufs_per_worker = o->mbufs_per_worker != 0 ? o->mbufs_per_worker : HW_DEFAULT_MBUFS;
    if (t->n_cores == 0) {
        return rl_diag_set(diag, "topology", "holds no core");
    }
    int rc = select_nics(out, diag, t, o);
    if (rc == 0) {
        rc = select_ports(out, diag, t, o);
    }
    if (rc != 0) {
        return rc;
    }
    out->control_core = hw_topo_control_core(t);
    struct order ord = {.t = t, .p = out};
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        if (hw_nodeset_has(&out->local, i) && t->nodes[i].package >= 0) {
            hw_nodeset_add(&ord.near_pkg, (uint32_t)t->nodes[i].package);
        }
    }
    uint32_t *order = malloc(sizeof(*order) * t->n_cores);
    if (order == NULL) {
        return RL_ENOMEM;
    }
    uint32_t n = 0;
    for (uint32_t c = 0; c < t->n_cores; c++) {
        if (c != out->control_core) {
            order[n++] = c;
        }
    }
    sort_cores(&ord, order, n);
    place_threads(out, t, o, order, n);
    free(order);
    size_hugepages(out, t);
    note_layout(out, t);
    return 0;
}

size_t
hw_plan_fragment(char *out, size_t cap, const struct hw_plan *p)
{
    size_t o = 0;
    int n = snprintf(out, cap, "{\"workers\": %u, \"cores\": [", p->n_workers);
    for (uint32_t i = 0; n >= 0 && (size_t)n < cap - o && i < p->n_workers; i++) {
        o += (size_t)n;
        n = snprintf(out + o, cap - o, "%s%u", i > 0 ? ", " : "", p->workers[i]);
    }
    if (n < 0 || (size_t)n >= cap - o) {
        return 0;
    }
    o += (size_t)n;
    /* a worker with a core of its own polls; one sharing the control core sleeps */
    n = snprintf(out + o, cap - o, "], \"idle\": \"%s\", \"scan_threads\": %u%s",
                 p->worker_on_control ? "sleep" : "spin", p->scan_threads,
                 p->backend == HW_BACKEND_DPDK ? ", \"backend\": \"dpdk\"" : "");
    for (uint32_t i = 0; i < p->n_ports && n >= 0 && (size_t)n < cap - o; i++) {
        o += (size_t)n;
        n = snprintf(out + o, cap - o, "%s{\"device\": \"%s\", \"address\": \"%s\"}",
                     i == 0 ? ", \"dpdk\": {\"ports\": [" : ", ", p->ports[i].device,
                     p->ports[i].address);
    }
    if (n >= 0 && (size_t)n < cap - o) {
        o += (size_t)n;
        n = snprintf(out + o, cap - o, "%s}", p->n_ports > 0 ? "]}" : "");
    }
    if (n < 0 || (size_t)n >= cap - o) {
        return 0;
    }
    return o + (size_t)n;
}

const char *
hw_plan_fragment_lacks(const struct hw_plan *p)
{
    if (p->backend == HW_BACKEND_DPDK && p->n_ports == 0) {
        return "dpdk.ports: the DPDK backend's ports, each with its device and address "
               "(docs/CONFIG.md \"dpdk\")";
    }
    return NULL;
}

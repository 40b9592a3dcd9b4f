/* SPDX-License-Identifier: Apache-2.0 */
/* Layout checks: every worker against the control-plane core, every pair of
 * workers against each other (same CPU, SMT siblings), every worker against
 * the NICs it serves. Pure; any thread. */
#include "hw_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void __attribute__((format(printf, 5, 6)))
add(struct hw_findings *out, enum hw_finding_kind kind, int32_t worker, int32_t other,
    const char *fmt, ...)
{
    if (out->n == HW_MAX_FINDINGS) {
        out->dropped++;
        return;
    }
    struct hw_finding *f = &out->f[out->n++];
    f->kind = kind;
    f->worker = worker;
    f->other = other;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof(f->text), fmt, ap);
    va_end(ap);
}

/* node_os returns the OS number of node index `i`, or -1. */
static int64_t
node_os(const struct hw_topo *t, int32_t i)
{
    return i >= 0 && (uint32_t)i < t->n_nodes ? (int64_t)t->nodes[i].os : -1;
}

/* nic_label writes "eth2 (0000:3b:00.0, NUMA node 0)" or the like. */
static void
nic_label(char *out, size_t cap, const struct hw_topo *t, const struct hw_nic *n)
{
    char where[48];
    if (n->node >= 0) {
        snprintf(where, sizeof(where), "NUMA node %lld", (long long)node_os(t, n->node));
    } else if (hw_nodeset_count(&n->local) > 0) {
        snprintf(where, sizeof(where), "NUMA nodes of package %d", n->package);
    } else {
        snprintf(where, sizeof(where), "no NUMA node");
    }
    if (n->name[0] != '\0') {
        snprintf(out, cap, "%.63s (%.15s, %.47s)", n->name, n->pci, where);
    } else {
        snprintf(out, cap, "%.15s (%.47s)", n->pci, where);
    }
}

static void
check_nics(struct hw_findings *out, const struct hw_topo *t, const struct hw_layout *l,
           const int32_t *pu)
{
    char label[160];
    for (uint32_t k = 0; k < l->n_nics && k < HW_CHECK_MAX_NICS; k++) {
        const struct hw_nic *n = hw_topo_nic_find(t, l->nics[k]);
        if (n == NULL) {
            add(out, HW_F_UNKNOWN_NIC, -1, -1, "NIC %.64s is not in this machine's topology",
                l->nics[k]);
            continue;
        }
        nic_label(label, sizeof(label), t, n);
        if (hw_nodeset_count(&n->local) == 0) {
            if (t->n_nodes > 1) {
                add(out, HW_F_NIC_NO_NODE, -1, -1,
                    "NIC %s: the firmware gives no NUMA node, so worker locality is unknown",
                    label);
            }
            continue;
        }
        for (uint32_t i = 0; i < l->n_workers; i++) {
            if (pu[i] < 0) {
                continue;
            }
            int32_t node = t->cores[t->pus[pu[i]].core].node;
            if (node < 0 || !hw_nodeset_has(&n->local, (uint32_t)node)) {
                add(out, HW_F_NIC_REMOTE, (int32_t)i, -1,
                    "worker %u on CPU %d (NUMA node %lld) is remote from NIC %s", i, l->cpus[i],
                    (long long)node_os(t, node), label);
            }
        }
    }
}

void
hw_layout_check(struct hw_findings *out, const struct hw_topo *t, const struct hw_layout *l)
{
    int32_t pu[HW_CHECK_MAX_WORKERS];
    char cpus[96];
    memset(out, 0, sizeof(*out));
    uint32_t control = hw_topo_control_core(t);
    uint32_t n = l->n_workers < HW_CHECK_MAX_WORKERS ? l->n_workers : HW_CHECK_MAX_WORKERS;
    for (uint32_t i = 0; i < n; i++) {
        pu[i] = l->cpus[i] >= 0 ? hw_topo_pu_find(t, (uint32_t)l->cpus[i]) : -1;
        if (l->cpus[i] >= 0 && pu[i] < 0) {
            add(out, HW_F_NO_CPU, (int32_t)i, -1,
                "worker %u on CPU %d: this machine's topology has no such CPU", i, l->cpus[i]);
        }
        if (pu[i] >= 0 && t->pus[pu[i]].core == control) {
            hw_topo_core_cpus(cpus, sizeof(cpus), t, control);
            add(out, HW_F_CONTROL_CORE, (int32_t)i, -1,
                "worker %u on CPU %d shares the control-plane core (core %u: CPU %s)", i,
                l->cpus[i], t->cores[control].os, cpus);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = i + 1; j < n && pu[i] >= 0; j++) {
            if (pu[j] < 0) {
                continue;
            }
            uint32_t core = t->pus[pu[i]].core;
            if (pu[i] == pu[j]) {
                add(out, HW_F_SAME_CPU, (int32_t)i, (int32_t)j,
                    "workers %u and %u both run on CPU %d", i, j, l->cpus[i]);
            } else if (core == t->pus[pu[j]].core) {
                hw_topo_core_cpus(cpus, sizeof(cpus), t, core);
                add(out, HW_F_SMT_SIBLINGS, (int32_t)i, (int32_t)j,
                    "workers %u and %u on CPUs %d and %d are SMT siblings of one core (core %u: "
                    "CPU %s)",
                    i, j, l->cpus[i], l->cpus[j], t->cores[core].os, cpus);
            }
        }
    }
    struct hw_layout copy = *l;
    copy.n_workers = n;
    check_nics(out, t, &copy, pu);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the topology readers on top of hwloc: an input that
 * starts with '<' is an XML export, anything else a synthetic description.
 * Whatever hwloc accepts goes through everything redline-hw and redlined do
 * with a topology: the plan (options drawn from the input, DPDK ports with
 * addresses among them), its fragment, the JSON reports and the layout check
 * of the plan and of CPUs drawn from the input. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hw_check.h"
#include "hw_plan.h"
#include "hw_report.h"
#include "hw_topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* arity_ok keeps synthetic descriptions small: the product of the numbers
 * after a ':' or starting a word (the arities) at most 2048, so a run is not
 * spent building thousands of objects (redline-hw takes up to HW_MAX_PUS,
 * seconds of hwloc's time). */
static bool
arity_ok(const char *s)
{
    uint64_t product = 1;
    for (const char *p = s; *p != '\0'; p++) {
        bool starts =
            *p == ':' || ((p == s || isspace((unsigned char)p[-1])) && *p >= '0' && *p <= '9');
        if (!starts) {
            continue;
        }
        uint64_t n = 0;
        for (const char *q = *p == ':' ? p + 1 : p; *q >= '0' && *q <= '9'; q++) {
            n = n * 10 + (uint64_t)(*q - '0');
            if (n > 2048) {
                return false;
            }
        }
        product *= n > 0 ? n : 1;
        if (product > 2048) {
            return false;
        }
    }
    return true;
}

static void
exercise(const struct hw_topo *t, uint32_t seed)
{
    static struct hw_plan plan;
    struct hw_plan_opts o;
    struct rl_diag d;
    hw_plan_opts_init(&o);
    if ((seed & 1) != 0 && t->n_nics > 0) {
        o.nics[o.n_nics++] = t->nics[seed % t->n_nics].pci;
    }
    if ((seed & 2) != 0 && t->n_nodes > 0) {
        o.node = (int32_t)t->nodes[(seed >> 8) % t->n_nodes].os;
    }
    o.workers = (seed >> 4) & 7;
    o.scan_cores = (seed & 4) != 0 ? (int32_t)((seed >> 12) & 3) : -1;
    o.backend = (seed & 8) != 0 ? HW_BACKEND_DPDK : HW_BACKEND_KERNEL;
    /* the DPDK ports: an address for each NIC served (refused beyond 4) */
    static const char *const addrs[HW_PLAN_MAX_NICS] = {
        "10.0.0.2/24",  "10.0.1.2/24",  "10.0.2.2/24",  "10.0.3.2/24",
        "10.0.4.2/24",  "10.0.5.2/24",  "10.0.6.2/24",  "10.0.7.2/24",
        "10.0.8.2/24",  "10.0.9.2/24",  "10.0.10.2/24", "10.0.11.2/24",
        "10.0.12.2/24", "10.0.13.2/24", "10.0.14.2/24", "10.0.15.2/24"};
    uint32_t served = o.n_nics > 0 ? o.n_nics : t->n_nics;
    for (uint32_t i = 0; (seed & 16) != 0 && i < served && i < HW_PLAN_MAX_NICS; i++) {
        o.addresses[o.n_addresses++] = addrs[i];
    }
    json_t *j = hw_report_show_json(t);
    json_decref(j);
    if (hw_plan_make(&plan, &d, t, &o) != 0) {
        return;
    }
    char frag[4096];
    if (hw_plan_fragment(frag, sizeof(frag), &plan) == 0) {
        abort(); /* a plan of at most 64 workers always fits */
    }
    j = hw_report_plan_json(t, &plan);
    if (json_object_get(j, "fragment") == NULL || json_is_null(json_object_get(j, "fragment"))) {
        abort(); /* the fragment must be JSON */
    }
    json_decref(j);
    struct hw_layout l = {.n_workers = plan.n_workers};
    for (uint32_t i = 0; i < plan.n_workers; i++) {
        l.cpus[i] = (int32_t)plan.workers[i];
    }
    struct hw_findings f;
    hw_layout_check(&f, t, &l);
    for (uint32_t i = 0; i < f.n; i++) {
        /* the planner never contradicts itself */
        if (f.f[i].kind == HW_F_SMT_SIBLINGS || f.f[i].kind == HW_F_SAME_CPU ||
            f.f[i].kind == HW_F_NO_CPU ||
            (f.f[i].kind == HW_F_CONTROL_CORE && !plan.worker_on_control)) {
            abort();
        }
    }
    /* and a layout from the input's own numbers */
    l.n_workers = 4;
    for (uint32_t i = 0; i < 4; i++) {
        l.cpus[i] = (int32_t)((seed >> (i * 8)) & 0xff) - 8;
    }
    l.nics[0] = "eth0";
    l.n_nics = 1;
    hw_layout_check(&f, t, &l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hw_topo *t = NULL;
    struct rl_diag d;
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size; i++) {
        seed = (seed ^ data[i]) * 16777619u;
    }
    if (size > 0 && data[0] == '<') {
        (void)hw_topo_load_xml_buffer(&t, &d, (const char *)data, size);
    } else {
        char desc[256];
        size_t n = size < sizeof(desc) - 1 ? size : sizeof(desc) - 1;
        memcpy(desc, data, n);
        desc[n] = '\0';
        if (strlen(desc) == n && arity_ok(desc)) {
            (void)hw_topo_load(&t, &d, HW_SRC_SYNTHETIC, desc, NULL);
        }
    }
    if (t != NULL) {
        exercise(t, seed);
        hw_topo_free(t);
    }
    return 0;
}

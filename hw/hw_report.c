/* SPDX-License-Identifier: Apache-2.0 */
/* Text and JSON renderings of a topology, a plan and a calibration. Node and
 * package numbers shown are the OS's; CPUs are OS CPU numbers, as
 * redlined's "cores" takes them. Main thread. */
#include "hw_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw_tier.h"

#define KIB 1024.0

/* human writes `bytes` as "23.5 GiB", "32 KiB". */
static const char *
human(char *out, size_t cap, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= KIB && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= KIB;
        u++;
    }
    if (v == (double)(uint64_t)v) {
        snprintf(out, cap, "%llu %s", (unsigned long long)v, units[u]);
    } else {
        snprintf(out, cap, "%.1f %s", v, units[u]);
    }
    return out;
}

static json_int_t
package_os(const struct hw_topo *t, int32_t i)
{
    return i >= 0 && (uint32_t)i < t->n_packages ? (json_int_t)t->packages[i].os : -1;
}

static json_t *
node_json(const struct hw_topo *t, int32_t i)
{
    return i >= 0 && (uint32_t)i < t->n_nodes ? json_integer(t->nodes[i].os) : json_null();
}

static json_t *
package_json(const struct hw_topo *t, int32_t i)
{
    return i >= 0 ? json_integer(package_os(t, i)) : json_null();
}

static json_t *
core_cpus_json(const struct hw_topo *t, uint32_t c)
{
    json_t *a = json_array();
    for (uint32_t k = 0; k < t->cores[c].n_pus; k++) {
        json_array_append_new(a, json_integer(t->pus[t->cores[c].first_pu + k].os));
    }
    return a;
}

static json_t *
cpus_json(const uint32_t *cpus, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++) {
        json_array_append_new(a, json_integer(cpus[i]));
    }
    return a;
}

static json_t *
nodeset_json(const struct hw_topo *t, const struct hw_nodeset *s)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        if (hw_nodeset_has(s, i)) {
            json_array_append_new(a, json_integer(t->nodes[i].os));
        }
    }
    return a;
}

static json_t *
int_or_null(int64_t v)
{
    return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *
nic_json(const struct hw_topo *t, const struct hw_nic *n)
{
    char id[8];
    json_t *o = json_object();
    json_object_set_new(o, "pci", json_string(n->pci));
    json_object_set_new(o, "interface", n->name[0] ? json_string(n->name) : json_null());
    snprintf(id, sizeof(id), "%04x", n->vendor);
    json_object_set_new(o, "vendor", json_string(id));
    snprintf(id, sizeof(id), "%04x", n->device);
    json_object_set_new(o, "device", json_string(id));
    snprintf(id, sizeof(id), "%04x", n->class_id);
    json_object_set_new(o, "class", json_string(id));
    json_object_set_new(o, "mac", n->mac[0] ? json_string(n->mac) : json_null());
    json_object_set_new(o, "numa_node", node_json(t, n->node));
    json_object_set_new(o, "local_numa_nodes", nodeset_json(t, &n->local));
    json_object_set_new(o, "package", package_json(t, n->package));
    json_object_set_new(o, "pcie_gbps", n->pcie_gbps > 0 ? json_real(n->pcie_gbps) : json_null());
    json_object_set_new(o, "driver", n->driver[0] ? json_string(n->driver) : json_null());
    json_object_set_new(o, "vfio", json_boolean(n->vfio));
    json_object_set_new(o, "rx_queues", int_or_null(n->rx_queues));
    json_object_set_new(o, "tx_queues", int_or_null(n->tx_queues));
    json_object_set_new(o, "speed_mbps", int_or_null(n->speed_mbps));
    json_object_set_new(o, "up", n->up < 0 ? json_null() : json_boolean(n->up == 1));
    return o;
}

static json_t *
features_json(const struct hw_cpu_features *c)
{
    if (!c->known) {
        return json_null();
    }
    json_t *o = json_object();
    json_object_set_new(o, "sse4_2", json_boolean(c->sse42));
    json_object_set_new(o, "avx2", json_boolean(c->avx2));
    json_object_set_new(o, "avx512f", json_boolean(c->avx512f));
    json_object_set_new(o, "avx512bw", json_boolean(c->avx512bw));
    json_object_set_new(o, "avx512vbmi", json_boolean(c->avx512vbmi));
    json_object_set_new(o, "aes_ni", json_boolean(c->aesni));
    json_object_set_new(o, "vaes", json_boolean(c->vaes));
    json_object_set_new(o, "pclmul", json_boolean(c->pclmul));
    json_object_set_new(o, "sha", json_boolean(c->sha));
    json_object_set_new(o, "hyperscan", json_string(c->hyperscan));
    return o;
}

static uint32_t
max_smt(const struct hw_topo *t)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->n_cores; i++) {
        m = t->cores[i].n_pus > m ? t->cores[i].n_pus : m;
    }
    return m;
}

static const char *
cache_kind(char k)
{
    return k == 'd' ? "data" : k == 'i' ? "instruction" : "unified";
}

json_t *
hw_report_show_json(const struct hw_topo *t)
{
    json_t *root = json_object();
    json_object_set_new(root, "source", json_string(t->source_text));
    json_object_set_new(root, "this_system", json_boolean(t->this_system));
    json_t *m = json_object();
    json_object_set_new(m, "packages", json_integer(t->n_packages));
    json_object_set_new(m, "numa_nodes", json_integer(t->n_nodes));
    json_object_set_new(m, "cores", json_integer(t->n_cores));
    json_object_set_new(m, "cpus", json_integer(t->n_pus));
    json_object_set_new(m, "smt_per_core", json_integer(max_smt(t)));
    json_object_set_new(m, "memory_bytes", json_integer((json_int_t)t->memory));
    json_object_set_new(root, "machine", m);

    json_t *pkgs = json_array();
    for (uint32_t i = 0; i < t->n_packages; i++) {
        const struct hw_package *p = &t->packages[i];
        json_t *o = json_object();
        json_object_set_new(o, "package", json_integer(p->os));
        json_object_set_new(o, "model", p->model[0] ? json_string(p->model) : json_null());
        json_object_set_new(o, "numa_nodes", json_integer(p->n_nodes));
        json_object_set_new(o, "cores", json_integer(p->n_cores));
        json_object_set_new(o, "cpus", json_integer(p->n_pus));
        json_array_append_new(pkgs, o);
    }
    json_object_set_new(root, "packages", pkgs);

    json_t *nodes = json_array();
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        const struct hw_node *n = &t->nodes[i];
        json_t *o = json_object();
        json_object_set_new(o, "numa_node", json_integer(n->os));
        json_object_set_new(o, "package", package_json(t, n->package));
        json_object_set_new(o, "memory_bytes", json_integer((json_int_t)n->memory));
        json_object_set_new(o, "cores", json_integer(n->n_cores));
        json_t *cpus = json_array();
        for (uint32_t c = 0; c < t->n_cores; c++) {
            for (uint32_t k = 0; t->cores[c].node == (int32_t)i && k < t->cores[c].n_pus; k++) {
                json_array_append_new(cpus, json_integer(t->pus[t->cores[c].first_pu + k].os));
            }
        }
        json_object_set_new(o, "cpus", cpus);
        json_t *hp = json_array();
        for (uint32_t k = 0; k < n->n_pages; k++) {
            json_t *pg = json_object();
            json_object_set_new(pg, "size_bytes", json_integer((json_int_t)n->pages[k].size));
            json_object_set_new(pg, "count", json_integer((json_int_t)n->pages[k].count));
            json_array_append_new(hp, pg);
        }
        json_object_set_new(o, "hugepages", hp);
        json_array_append_new(nodes, o);
    }
    json_object_set_new(root, "numa_nodes", nodes);

    json_t *cores = json_array();
    for (uint32_t i = 0; i < t->n_cores; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "core", json_integer(t->cores[i].os));
        json_object_set_new(o, "package", package_json(t, t->cores[i].package));
        json_object_set_new(o, "numa_node", node_json(t, t->cores[i].node));
        json_object_set_new(o, "cpus", core_cpus_json(t, i));
        json_array_append_new(cores, o);
    }
    json_object_set_new(root, "cores", cores);

    json_t *caches = json_array();
    for (uint32_t i = 0; i < t->n_caches; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "level", json_integer(t->caches[i].level));
        json_object_set_new(o, "kind", json_string(cache_kind(t->caches[i].kind)));
        json_object_set_new(o, "size_bytes", json_integer((json_int_t)t->caches[i].size));
        json_object_set_new(o, "count", json_integer(t->caches[i].count));
        json_array_append_new(caches, o);
    }
    json_object_set_new(root, "caches", caches);

    json_t *nics = json_array();
    for (uint32_t i = 0; i < t->n_nics; i++) {
        json_array_append_new(nics, nic_json(t, &t->nics[i]));
    }
    json_object_set_new(root, "nics", nics);
    json_object_set_new(root, "cpu_features", features_json(&t->cpu));
    return root;
}

json_t *
hw_report_plan_json(const struct hw_topo *t, const struct hw_plan *p)
{
    char frag[4096];
    json_t *root = json_object();
    json_object_set_new(root, "source", json_string(t->source_text));
    json_t *cp = json_object();
    json_object_set_new(cp, "core", json_integer(t->cores[p->control_core].os));
    json_object_set_new(cp, "cpus", core_cpus_json(t, p->control_core));
    json_object_set_new(cp, "numa_node", node_json(t, t->cores[p->control_core].node));
    json_object_set_new(root, "control_plane", cp);

    json_t *workers = json_array();
    for (uint32_t i = 0; i < p->n_workers; i++) {
        const struct hw_core *c = &t->cores[p->worker_core[i]];
        json_t *o = json_object();
        json_object_set_new(o, "worker", json_integer(i));
        json_object_set_new(o, "cpu", json_integer(p->workers[i]));
        json_object_set_new(o, "core", json_integer(c->os));
        json_object_set_new(o, "package", package_json(t, c->package));
        json_object_set_new(o, "numa_node", node_json(t, c->node));
        json_object_set_new(
            o, "nic_local",
            json_boolean(c->node >= 0 && hw_nodeset_has(&p->local, (uint32_t)c->node)));
        json_array_append_new(workers, o);
    }
    json_object_set_new(root, "workers", workers);
    json_object_set_new(root, "worker_on_control_core", json_boolean(p->worker_on_control));

    json_t *scan = json_object();
    json_object_set_new(scan, "cpus", cpus_json(p->scan, p->n_scan));
    json_object_set_new(scan, "on_control_core", json_boolean(p->scan_on_control));
    json_object_set_new(scan, "threads", json_integer(p->scan_threads));
    json_object_set_new(root, "scan_threads", scan);
    json_object_set_new(root, "store_thread_cpu", json_integer(p->store));

    json_t *nics = json_array();
    for (uint32_t i = 0; i < p->n_nics; i++) {
        json_array_append_new(nics, nic_json(t, &t->nics[p->nics[i]]));
    }
    json_object_set_new(root, "nics", nics);
    json_object_set_new(root, "nic_local_numa_nodes", nodeset_json(t, &p->local));

    json_t *hp = json_object();
    json_object_set_new(hp, "backend",
                        json_string(p->backend == HW_BACKEND_DPDK ? "dpdk" : "kernel"));
    json_object_set_new(hp, "needed", json_boolean(p->backend == HW_BACKEND_DPDK));
    json_object_set_new(hp, "page_size_bytes", json_integer((json_int_t)p->hugepage_size));
    json_object_set_new(hp, "mbufs_per_worker", json_integer(p->mbufs_per_worker));
    json_t *pn = json_array();
    for (uint32_t i = 0; i < t->n_nodes && i < HW_MAX_NODES; i++) {
        const struct hw_plan_node *n = &p->nodes[i];
        if (n->workers == 0) {
            continue;
        }
        json_t *o = json_object();
        json_object_set_new(o, "numa_node", json_integer(t->nodes[i].os));
        json_object_set_new(o, "workers", json_integer(n->workers));
        json_object_set_new(o, "bytes", json_integer((json_int_t)n->hugepage_bytes));
        json_object_set_new(o, "pages", json_integer((json_int_t)n->hugepages));
        json_object_set_new(o, "reserved", json_integer((json_int_t)n->hugepages_have));
        json_object_set_new(o, "missing",
                            json_integer(n->hugepages > n->hugepages_have
                                             ? (json_int_t)(n->hugepages - n->hugepages_have)
                                             : 0));
        json_array_append_new(pn, o);
    }
    json_object_set_new(hp, "nodes", pn);
    json_object_set_new(root, "hugepages", hp);

    json_t *notes = json_array();
    for (uint32_t i = 0; i < p->n_notes; i++) {
        json_array_append_new(notes, json_string(p->notes[i]));
    }
    json_object_set_new(root, "notes", notes);
    size_t len = hw_plan_fragment(frag, sizeof(frag), p);
    json_object_set_new(root, "fragment", len > 0 ? json_loadb(frag, len, 0, NULL) : json_null());
    const char *lacks = hw_plan_fragment_lacks(p);
    json_object_set_new(root, "fragment_lacks", lacks != NULL ? json_string(lacks) : json_null());
    return root;
}

/* header fills the fields every bench/results report starts with. */
static void
header(json_t *root, const struct hw_topo *t)
{
    char host[256] = "";
    char date[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) != NULL) {
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    (void)gethostname(host, sizeof(host) - 1);
    const char *commit = getenv("REDLINE_COMMIT");
    json_object_set_new(root, "benchmark", json_string("calibrate"));
    json_object_set_new(root, "commit", json_string(commit != NULL ? commit : "unknown"));
    json_object_set_new(root, "date", json_string(date));
    json_t *m = json_object();
    json_object_set_new(m, "host", json_string(host));
    json_object_set_new(m, "cpu", json_string(t->n_packages > 0 ? t->packages[0].model : ""));
    json_object_set_new(m, "nproc", json_integer(t->n_pus));
    json_object_set_new(m, "packages", json_integer(t->n_packages));
    json_object_set_new(m, "numa_nodes", json_integer(t->n_nodes));
    json_object_set_new(m, "cores", json_integer(t->n_cores));
    /* how busy the machine was with other work as the report was written */
    double load[3];
    json_object_set_new(m, "loadavg_1m",
                        getloadavg(load, 3) == 3 ? json_real(load[0]) : json_null());
    json_object_set_new(root, "machine", m);
}

static json_t *
load_json(const struct hw_calib_load *l, bool through)
{
    json_t *o = json_object();
    json_object_set_new(o, "sent", json_integer((json_int_t)l->sent));
    json_object_set_new(o, "ok", json_integer((json_int_t)l->ok));
    json_object_set_new(o, "tempfail", json_integer((json_int_t)l->tempfail));
    json_object_set_new(o, "permfail", json_integer((json_int_t)l->permfail));
    json_object_set_new(o, "errors", json_integer((json_int_t)l->errors));
    json_object_set_new(o, "wall_s", json_real(l->wall_s));
    json_object_set_new(o, "msgs_per_s", json_real(l->msgs_per_s));
    json_object_set_new(o, "latency_p50_us", json_real(l->latency_p50_us));
    json_object_set_new(o, "latency_p99_us", json_real(l->latency_p99_us));
    if (through) {
        json_object_set_new(o, "redlined_cpu_s", json_real(l->redlined_cpu_s));
        json_object_set_new(o, "worker_cpu_s", json_real(l->worker_cpu_s));
    }
    return o;
}

json_t *
hw_report_calib_json(const struct hw_topo *t, const struct hw_plan *p,
                     const struct hw_calib_opts *o, const struct hw_calib_result *r)
{
    json_t *root = json_object();
    header(root, t);
    json_t *c = json_object();
    json_object_set_new(c, "seconds_per_load", json_real(o->seconds));
    json_object_set_new(c, "rounds", json_integer(o->rounds));
    json_object_set_new(c, "connections", json_integer(o->connections));
    json_object_set_new(c, "pipelining", json_true());
    json_object_set_new(c, "scheduling", json_string(o->realtime ? "SCHED_FIFO 20" : "default"));
    json_object_set_new(c, "path", json_string(r->memif ? "memif" : "loopback"));
    json_object_set_new(c, "backend", json_string(r->memif ? "dpdk" : "kernel"));
    json_object_set_new(c, "workload", json_string("corpus-mix"));
    json_object_set_new(c, "corpus", o->corpus != NULL ? json_string(o->corpus) : json_null());
    json_object_set_new(c, "messages_distinct", json_integer((json_int_t)r->distinct));
    json_object_set_new(c, "messages_left_out", json_integer((json_int_t)r->left_out));
    json_object_set_new(c, "wire_bytes_per_message", json_real(r->bytes_per_msg));
    json_object_set_new(c, "policy", json_string("built-in default"));
    json_object_set_new(c, "worker_cpus", cpus_json(p->workers, p->n_workers));
    json_object_set_new(c, "control_cpus", core_cpus_json(t, p->control_core));
    json_object_set_new(c, "load_tool_cpus", cpus_json(r->tool_cpus, r->n_tool_cpus));
    json_object_set_new(root, "config", c);

    json_t *res = json_object();
    json_object_set_new(res, "msgs_per_s", json_real(r->msgs_per_s));
    json_object_set_new(res, "msgs_per_hour", json_real(r->msgs_per_hour));
    /* memif: no ceiling runs (the generator and the sink are one process);
     * its own share of a core says whether it set the pace instead */
    json_object_set_new(res, "ceiling_msgs_per_s",
                        r->memif ? json_null() : json_real(r->ceiling_msgs_per_s));
    json_object_set_new(res, "ratio_to_ceiling",
                        r->memif ? json_null() : json_real(r->ratio_to_ceiling));
    json_object_set_new(res, "generator_core_share",
                        r->memif ? json_real(r->generator_core_share) : json_null());
    json_object_set_new(res, "latency_p50_us", json_real(r->latency_p50_us));
    json_object_set_new(res, "latency_p99_us", json_real(r->latency_p99_us));
    json_object_set_new(res, "redlined_cpu_us_per_msg", json_real(r->cpu_us_per_msg));
    json_object_set_new(res, "worker_cpu_us_per_msg", json_real(r->worker_cpu_us_per_msg));
    json_object_set_new(res, "worker_busy_share", json_real(r->worker_busy));
    json_object_set_new(res, "projected_msgs_per_hour", json_real(r->projected_msgs_per_hour));
    json_object_set_new(res, "sent", json_integer((json_int_t)r->sent));
    json_object_set_new(res, "ok", json_integer((json_int_t)r->ok));
    json_object_set_new(res, "tempfail", json_integer((json_int_t)r->tempfail));
    json_object_set_new(res, "permfail", json_integer((json_int_t)r->permfail));
    json_object_set_new(res, "errors", json_integer((json_int_t)r->errors));
    json_object_set_new(res, "ceiling_ok", json_integer((json_int_t)r->ceiling_ok));
    json_object_set_new(res, "sink_messages", json_integer((json_int_t)r->sink_messages));
    json_t *acts = json_object();
    for (uint32_t i = 0; i < r->n_actions; i++) {
        json_object_set_new(acts, r->actions[i].name, json_integer((json_int_t)r->actions[i].n));
    }
    json_object_set_new(res, "redlined_actions", acts);
    json_t *rounds = json_array();
    for (uint32_t i = 0; i < r->n_rounds; i++) {
        json_t *round = json_object();
        json_object_set_new(round, "through_redlined", load_json(&r->through[i], true));
        json_object_set_new(round, "ceiling",
                            r->memif ? json_null() : load_json(&r->ceiling[i], false));
        json_array_append_new(rounds, round);
    }
    json_object_set_new(res, "rounds", rounds);
    json_object_set_new(root, "results", res);

    json_t *tier = json_object();
    json_object_set_new(tier, "name", json_string(hw_tier_name(r->fit.tier)));
    json_object_set_new(tier, "bound_msgs_per_hour", json_real(r->fit.bound));
    json_object_set_new(tier, "headroom_ratio", json_real(r->fit.headroom));
    json_object_set_new(tier, "headroom_msgs_per_hour", json_real(r->fit.headroom_msgs));
    json_object_set_new(root, "tier", tier);
    json_t *w = json_array();
    for (uint32_t i = 0; i < r->n_warnings; i++) {
        json_array_append_new(w, json_string(r->warnings[i]));
    }
    json_object_set_new(root, "redlined_warnings", w);
    return root;
}

void
hw_report_show_text(FILE *f, const struct hw_topo *t)
{
    char a[32], b[32];
    uint32_t smt = max_smt(t);
    fprintf(f, "Machine (%s): %u package%s, %u NUMA node%s, %u cores, %u CPUs (%s), %s\n",
            t->source_text, t->n_packages, t->n_packages == 1 ? "" : "s", t->n_nodes,
            t->n_nodes == 1 ? "" : "s", t->n_cores, t->n_pus, smt > 1 ? "SMT on" : "no SMT",
            human(a, sizeof(a), t->memory));
    for (uint32_t i = 0; i < t->n_packages; i++) {
        const struct hw_package *p = &t->packages[i];
        fprintf(f, "Package %u%s%s: %u NUMA node%s, %u cores, %u CPUs\n", p->os,
                p->model[0] ? " " : "", p->model, p->n_nodes, p->n_nodes == 1 ? "" : "s",
                p->n_cores, p->n_pus);
    }
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        const struct hw_node *n = &t->nodes[i];
        fprintf(f, "NUMA node %u (package %lld): %s, %u cores, hugepages:", n->os,
                (long long)package_os(t, n->package), human(a, sizeof(a), n->memory), n->n_cores);
        for (uint32_t k = 0; k < n->n_pages; k++) {
            fprintf(f, "%s %s x %llu", k > 0 ? "," : "", human(b, sizeof(b), n->pages[k].size),
                    (unsigned long long)n->pages[k].count);
        }
        fprintf(f, "%s\n", n->n_pages == 0 ? " none" : "");
    }
    fprintf(f, "Cores (core: CPUs, SMT siblings together):");
    for (uint32_t i = 0; i < t->n_cores; i++) {
        char cpus[96];
        hw_topo_core_cpus(cpus, sizeof(cpus), t, i);
        fprintf(f, "%s %u:[%s]", i % 8 == 0 ? "\n " : "", t->cores[i].os, cpus);
    }
    fprintf(f, "\nCaches:");
    for (uint32_t i = 0; i < t->n_caches; i++) {
        const struct hw_cache *c = &t->caches[i];
        fprintf(f, "%s L%u%s %s x %u", i > 0 ? "," : "", c->level,
                c->kind == 'u'   ? ""
                : c->kind == 'd' ? "d"
                                 : "i",
                human(a, sizeof(a), c->size), c->count);
    }
    fprintf(f, "%s\nNICs:%s\n", t->n_caches == 0 ? " none known" : "", t->n_nics ? "" : " none");
    for (uint32_t i = 0; i < t->n_nics; i++) {
        const struct hw_nic *n = &t->nics[i];
        fprintf(f, "  %s %-10s %04x:%04x driver %s%s, NUMA node ", n->pci,
                n->name[0] ? n->name : "-", n->vendor, n->device, n->driver[0] ? n->driver : "?",
                n->vfio ? " (vfio: DPDK can take it)" : "");
        if (n->node >= 0) {
            fprintf(f, "%u", t->nodes[n->node].os);
        } else {
            fprintf(f, "%s", hw_nodeset_count(&n->local) > 0 ? "several" : "none");
        }
        if (n->rx_queues >= 0) {
            fprintf(f, ", queues rx %d tx %d", n->rx_queues, n->tx_queues);
        }
        fprintf(f, ", speed ");
        if (n->speed_mbps > 0) {
            fprintf(f, "%d Mb/s", n->speed_mbps);
        } else {
            fprintf(f, "unknown");
        }
        fprintf(f, ", link %s\n", n->up == 1 ? "up" : n->up == 0 ? "down" : "unknown");
    }
    const struct hw_cpu_features *c = &t->cpu;
    if (!c->known) {
        fprintf(f, "CPU features: unknown (not this machine)\n");
        return;
    }
    fprintf(f,
            "CPU features: SSE4.2 %s, AVX2 %s, AVX-512F %s, AVX-512BW %s, AVX-512VBMI %s, "
            "AES-NI %s, VAES %s, PCLMUL %s, SHA %s; Hyperscan uses %s\n",
            c->sse42 ? "yes" : "no", c->avx2 ? "yes" : "no", c->avx512f ? "yes" : "no",
            c->avx512bw ? "yes" : "no", c->avx512vbmi ? "yes" : "no", c->aesni ? "yes" : "no",
            c->vaes ? "yes" : "no", c->pclmul ? "yes" : "no", c->sha ? "yes" : "no", c->hyperscan);
}

void
hw_report_plan_text(FILE *f, const struct hw_topo *t, const struct hw_plan *p)
{
    char cpus[128], a[32];
    hw_topo_core_cpus(cpus, sizeof(cpus), t, p->control_core);
    fprintf(f, "Plan for %s\n", t->source_text);
    fprintf(f, "  control plane   core %u (CPU %s)\n", t->cores[p->control_core].os, cpus);
    fprintf(f, "  workers         %u:", p->n_workers);
    for (uint32_t i = 0; i < p->n_workers; i++) {
        const struct hw_core *c = &t->cores[p->worker_core[i]];
        fprintf(f, " %u", p->workers[i]);
        if (c->node >= 0 && (i == 0 || t->cores[p->worker_core[i - 1]].node != c->node)) {
            fprintf(f, "(node %u)", t->nodes[c->node].os);
        }
    }
    fprintf(f, "\n  scan threads    CPU");
    for (uint32_t i = 0; i < p->n_scan; i++) {
        fprintf(f, "%s%u", i > 0 ? "," : " ", p->scan[i]);
    }
    fprintf(f, "%s, %u thread%s\n  store thread    CPU %u\n",
            p->scan_on_control ? " (control core)" : "", p->scan_threads,
            p->scan_threads == 1 ? "" : "s", p->store);
    fprintf(f, "  NICs served    ");
    for (uint32_t i = 0; i < p->n_nics; i++) {
        const struct hw_nic *n = &t->nics[p->nics[i]];
        fprintf(f, " %s", n->name[0] ? n->name : n->pci);
    }
    fprintf(f, "%s\n  hugepages       %s:", p->n_nics == 0 ? " none" : "",
            p->backend == HW_BACKEND_DPDK ? "needed (dpdk backend)"
                                          : "none with the kernel backend; with dpdk");
    const char *sep = "";
    for (uint32_t i = 0; i < t->n_nodes && i < HW_MAX_NODES; i++) {
        const struct hw_plan_node *n = &p->nodes[i];
        if (n->workers > 0) {
            fprintf(f, "%s node %u %llu x %s (%llu reserved)", sep, t->nodes[i].os,
                    (unsigned long long)n->hugepages, human(a, sizeof(a), p->hugepage_size),
                    (unsigned long long)n->hugepages_have);
            sep = ";";
        }
    }
    fprintf(f, "\n");
    for (uint32_t i = 0; i < p->n_notes; i++) {
        fprintf(f, "  note: %s\n", p->notes[i]);
    }
    char frag[4096];
    if (hw_plan_fragment(frag, sizeof(frag), p) > 0) {
        fprintf(f, "redlined configuration fragment (--write FILE saves it):\n%s\n", frag);
    }
    const char *lacks = hw_plan_fragment_lacks(p);
    if (lacks != NULL) {
        fprintf(f, "a fragment to merge: the configuration needs besides it %s\n", lacks);
    }
}

void
hw_report_calib_text(FILE *f, const struct hw_plan *p, const struct hw_calib_result *r)
{
    fprintf(f,
            "Calibration: redlined (%s backend, over %s) with %u worker%s, corpus mix (%llu "
            "messages, %.0f bytes mean), %u round%s (medians)\n",
            r->memif ? "dpdk" : "kernel", r->memif ? "memif, no kernel in the path" : "loopback",
            p->n_workers, p->n_workers == 1 ? "" : "s", (unsigned long long)r->distinct,
            r->bytes_per_msg, r->n_rounds, r->n_rounds == 1 ? "" : "s");
    fprintf(f,
            "  carried         %.0f msgs/s = %.0f msgs/hour (%llu ok, %llu tempfail, %llu "
            "permfail, %llu errors)\n",
            r->msgs_per_s, r->msgs_per_hour, (unsigned long long)r->ok,
            (unsigned long long)r->tempfail, (unsigned long long)r->permfail,
            (unsigned long long)r->errors);
    fprintf(f, "  actions        ");
    for (uint32_t i = 0; i < r->n_actions; i++) {
        fprintf(f, " %s %llu", r->actions[i].name, (unsigned long long)r->actions[i].n);
    }
    fprintf(f, "\n");
    if (r->memif) {
        fprintf(f,
                "  load tool       redline-bench-dpdk (generator and sink) used %.2f of a core\n",
                r->generator_core_share);
    } else {
        fprintf(f,
                "  tools' ceiling  %.0f msgs/s straight to the sink; redlined reached %.2f of it\n",
                r->ceiling_msgs_per_s, r->ratio_to_ceiling);
    }
    fprintf(f, "  latency         p50 %.2f ms, p99 %.2f ms\n", r->latency_p50_us / 1000,
            r->latency_p99_us / 1000);
    fprintf(f,
            "  redlined CPU    %.0f us/message, %.0f of them on the workers, %.0f%% busy\n"
            "  worker ceiling  %.0f msgs/hour (the worker cores' CPU time alone)\n",
            r->cpu_us_per_msg, r->worker_cpu_us_per_msg, r->worker_busy * 100,
            r->projected_msgs_per_hour);
    fprintf(f, "  tier            %s (bound %.0f msgs/hour), headroom %.1fx (%+.0f msgs/hour)\n",
            hw_tier_name(r->fit.tier), r->fit.bound, r->fit.headroom, r->fit.headroom_msgs);
    for (uint32_t i = 0; i < r->n_warnings; i++) {
        fprintf(f, "  redlined warned: %s\n", r->warnings[i]);
    }
}

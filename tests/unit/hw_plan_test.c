/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hw_plan.c: layouts planned on this machine and on 2-socket,
 * 4-NUMA, SMT-off and one-core topologies (NIC-local node first, never two
 * workers on one core, the control-plane core kept free, hugepages per
 * node), every plan checked by hw_layout_check, every fragment loaded by
 * redlined's own configuration loader and checked (workers, cores,
 * scan_threads, DPDK ports with their addresses; a DPDK fragment without
 * them says what it lacks); unknown NICs, NICs without a node or named
 * twice, bad port addresses and bad options refused. Single-threaded
 * cmocka runner; run from the source root (tests/data/hw). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_config.h"
#include "hw_check.h"
#include "hw_plan.h"
#include "hw_topo.h"

#define DATA "tests/data/hw/"
#define MIB ((uint64_t)1 << 20)

static struct hw_topo *
load(enum hw_source src, const char *text)
{
    struct hw_topo *t = NULL;
    struct rl_diag d = {{0}, {0}};
    if (hw_topo_load(&t, &d, src, text, NULL) != 0) {
        fail_msg("%s: %s", d.field, d.reason);
    }
    return t;
}

static struct hw_plan plan;

static void
make(const struct hw_topo *t, const struct hw_plan_opts *o)
{
    struct rl_diag d = {{0}, {0}};
    if (hw_plan_make(&plan, &d, t, o) != 0) {
        fail_msg("%s: %s", d.field, d.reason);
    }
}

static int32_t
node_of(const struct hw_topo *t, uint32_t cpu)
{
    int32_t pu = hw_topo_pu_find(t, cpu);
    assert_true(pu >= 0);
    int32_t n = t->cores[t->pus[pu].core].node;
    return n >= 0 ? (int32_t)t->nodes[n].os : -1;
}

/* check_consistent holds for every plan: workers on distinct physical cores,
 * none on the control-plane core unless it says so, and hw_layout_check
 * finds nothing but workers remote from a NIC, which the notes announce. */
static void
check_consistent(const struct hw_topo *t)
{
    assert_true(plan.n_workers >= 1);
    for (uint32_t i = 0; i < plan.n_workers; i++) {
        int32_t pu = hw_topo_pu_find(t, plan.workers[i]);
        assert_true(pu >= 0);
        assert_int_equal(t->pus[pu].core, plan.worker_core[i]);
        assert_true(plan.worker_on_control || plan.worker_core[i] != plan.control_core);
        for (uint32_t j = 0; j < i; j++) {
            assert_int_not_equal(plan.worker_core[i], plan.worker_core[j]);
        }
        for (uint32_t k = 0; k < plan.n_scan && !plan.scan_on_control; k++) {
            int32_t spu = hw_topo_pu_find(t, plan.scan[k]);
            assert_int_not_equal(t->pus[spu].core, plan.worker_core[i]);
        }
    }
    struct hw_layout l = {.n_workers = plan.n_workers};
    for (uint32_t i = 0; i < plan.n_workers; i++) {
        l.cpus[i] = (int32_t)plan.workers[i];
    }
    for (uint32_t k = 0; k < plan.n_nics; k++) {
        l.nics[l.n_nics++] = t->nics[plan.nics[k]].pci;
    }
    struct hw_findings f;
    hw_layout_check(&f, t, &l);
    for (uint32_t i = 0; i < f.n; i++) {
        if (f.f[i].kind != HW_F_NIC_REMOTE &&
            !(plan.worker_on_control && f.f[i].kind == HW_F_CONTROL_CORE)) {
            fail_msg("the plan contradicts the topology: %s", f.f[i].text);
        }
    }
}

/* load_fragment applies the plan's fragment with redlined's own loader to
 * a configuration that has a listener (on 0.0.0.0 with the DPDK backend,
 * which listens on its ports' addresses) and a route, checks it when
 * `check`, and returns it. The fragment carries the workers, their cores,
 * scan_threads and, with addresses, the DPDK ports. */
static struct dp_config *
load_fragment(bool check)
{
    char base[256];
    snprintf(base, sizeof(base),
             "{\"listen\": [\"%s:2525\"], \"mta_groups\": {\"d\": [\"127.0.0.1:2526\"]},"
             " \"routes\": [{\"domain\": \"*\", \"group\": \"d\"}]}",
             plan.backend == HW_BACKEND_DPDK ? "0.0.0.0" : "127.0.0.1");
    char frag[4096];
    size_t len = hw_plan_fragment(frag, sizeof(frag), &plan);
    assert_true(len > 0);
    assert_int_equal(strlen(frag), len);
    struct dp_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    dp_config_defaults(c);
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(dp_config_load_json(c, &d, base, strlen(base)), 0);
    if (dp_config_load_json(c, &d, frag, len) != 0) {
        fail_msg("redlined refuses the fragment %s: %s: %s", frag, d.field, d.reason);
    }
    /* complete unless it says what it lacks, and then the check says so too */
    assert_true(check == (hw_plan_fragment_lacks(&plan) == NULL));
    int rc = dp_config_check(c, &d);
    if (check && rc != 0) {
        fail_msg("the fragment %s fails the check: %s: %s", frag, d.field, d.reason);
    }
    if (!check) {
        assert_int_not_equal(rc, 0);
        assert_non_null(strstr(hw_plan_fragment_lacks(&plan), d.field));
    }
    assert_int_equal(c->boot.workers, plan.n_workers);
    for (uint32_t i = 0; i < plan.n_workers; i++) {
        assert_int_equal(c->boot.cores[i], (int)plan.workers[i]);
    }
    /* one scan thread per planned scan CPU, within redlined's 1-16 */
    assert_true(plan.scan_threads >= 1 && plan.scan_threads <= 16);
    assert_int_equal(plan.scan_threads, plan.n_scan < 16 ? plan.n_scan : 16);
    assert_int_equal(c->boot.scan_threads, plan.scan_threads);
    assert_int_equal(c->boot.backend,
                     plan.backend == HW_BACKEND_DPDK ? DP_BACKEND_DPDK : DP_BACKEND_KERNEL);
    assert_int_equal(c->boot.dpdk.n_ports, plan.n_ports);
    for (uint32_t i = 0; i < plan.n_ports; i++) {
        assert_string_equal(c->boot.dpdk.ports[i].device, plan.ports[i].device);
        char ip[32];
        const uint8_t *a = c->boot.dpdk.ports[i].ip;
        snprintf(ip, sizeof(ip), "%u.%u.%u.%u/%u", a[0], a[1], a[2], a[3],
                 c->boot.dpdk.ports[i].prefix_len);
        assert_string_equal(ip, plan.ports[i].address);
    }
    return c;
}

/* scan_cores counts the physical cores the scan threads have to themselves. */
static uint32_t
scan_cores(const struct hw_topo *t)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < plan.n_scan && !plan.scan_on_control; i++) {
        uint32_t core = t->pus[hw_topo_pu_find(t, plan.scan[i])].core;
        bool seen = false;
        for (uint32_t k = 0; k < i; k++) {
            seen = seen || t->pus[hw_topo_pu_find(t, plan.scan[k])].core == core;
        }
        n += seen ? 0 : 1;
    }
    return n;
}

static void
test_this_machine(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    make(t, &o);
    check_consistent(t);
    if (t->n_cores >= 2) {
        assert_false(plan.worker_on_control);
        /* by default every core but the control one takes a worker or scan threads */
        assert_int_equal(plan.n_workers + scan_cores(t), t->n_cores - 1);
    }
    struct dp_config *c = load_fragment(true);
    assert_int_equal(c->boot.idle, plan.worker_on_control ? DP_IDLE_SLEEP : DP_IDLE_SPIN);
    assert_int_equal(c->boot.backend, DP_BACKEND_KERNEL);
    free(c);
    hw_topo_free(t);
}

/* Two sockets, the data NIC on socket 1: its workers first, then socket 0;
 * scan threads at the far end; hugepages sized per node. */
static void
test_two_socket_nic_first(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "eth2";
    o.backend = HW_BACKEND_DPDK;
    make(t, &o);
    check_consistent(t);
    /* 8 cores: 1 control, 7 free, a quarter (1) for scan threads, 6 workers */
    assert_int_equal(plan.n_workers, 6);
    assert_int_equal(plan.n_scan, 2); /* both CPUs of the scan core */
    uint32_t want[] = {4, 5, 6, 7, 1, 2};
    for (uint32_t i = 0; i < 6; i++) {
        assert_int_equal(plan.workers[i], want[i]);
    }
    assert_int_equal(node_of(t, plan.scan[0]), 0); /* far from the NIC */
    assert_int_equal(plan.store, 8);               /* the control core's second CPU */
    assert_int_equal(plan.nodes[1].workers, 4);
    assert_int_equal(plan.nodes[0].workers, 2);
    uint64_t need1 = 4ull * HW_DEFAULT_MBUFS * HW_MBUF_BYTES + HW_NODE_FIXED_BYTES;
    assert_int_equal(plan.nodes[1].hugepage_bytes, need1);
    assert_int_equal(plan.nodes[1].hugepages, (need1 + 2 * MIB - 1) / (2 * MIB));
    assert_int_equal(plan.nodes[1].hugepages_have, 512);
    assert_int_equal(plan.nodes[0].hugepages_have, 0);
    assert_true(hw_nodeset_has(&plan.local, 1));
    assert_false(hw_nodeset_has(&plan.local, 0));
    /* the two beyond node 1 are announced */
    bool noted = false;
    for (uint32_t i = 0; i < plan.n_notes; i++) {
        noted = noted || strstr(plan.notes[i], "2 workers lie beyond the NIC-local node") != NULL;
    }
    assert_true(noted);
    /* without the ports' addresses: a fragment to merge, saying so */
    assert_int_equal(plan.n_ports, 0);
    free(load_fragment(false));
    noted = false;
    for (uint32_t i = 0; i < plan.n_notes; i++) {
        noted = noted || strstr(plan.notes[i], "--address a.b.c.d/n for each NIC served "
                                               "(0000:3b:00.0)") != NULL;
    }
    assert_true(noted);
    /* with them: eth2's PCI address and the stack's address, complete */
    o.addresses[o.n_addresses++] = "10.1.0.2/24";
    make(t, &o);
    assert_int_equal(plan.n_ports, 1);
    assert_null(hw_plan_fragment_lacks(&plan));
    struct dp_config *c = load_fragment(true);
    assert_string_equal(c->boot.dpdk.ports[0].device, "0000:3b:00.0");
    free(c);
    /* both NICs, in the order named */
    o.nics[o.n_nics++] = "eno1";
    o.addresses[o.n_addresses++] = "192.168.7.1/16";
    make(t, &o);
    assert_int_equal(plan.n_ports, 2);
    c = load_fragment(true);
    assert_string_equal(c->boot.dpdk.ports[0].device, "0000:3b:00.0");
    assert_string_equal(c->boot.dpdk.ports[1].device, "0000:01:00.0");
    free(c);
    hw_topo_free(t);
}

static void
test_two_socket_limits(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "0000:3b:00.0"; /* by PCI address */
    o.workers = 3;
    o.scan_cores = 0;
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_workers, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(node_of(t, plan.workers[i]), 1);
    }
    assert_true(plan.scan_on_control);
    free(load_fragment(true));
    /* more workers than cores: as many as there are, said so */
    o.workers = 60;
    make(t, &o);
    assert_int_equal(plan.n_workers, 7);
    bool noted = false;
    for (uint32_t i = 0; i < plan.n_notes; i++) {
        noted = noted || strstr(plan.notes[i], "60 workers asked for") != NULL;
    }
    assert_true(noted);
    /* scan threads cannot take every core */
    o.workers = 0;
    o.scan_cores = 50;
    make(t, &o);
    assert_int_equal(plan.n_workers, 1);
    assert_int_equal(plan.n_scan, 12);
    /* --node picks the node a NIC without one would have */
    hw_plan_opts_init(&o);
    o.node = 0;
    o.workers = 2;
    make(t, &o);
    assert_int_equal(node_of(t, plan.workers[0]), 0);
    assert_int_equal(node_of(t, plan.workers[1]), 0);
    hw_topo_free(t);
}

/* Four nodes on two sockets, the NIC on node 3: node 3, then node 2 (same
 * socket), then the other socket. */
static void
test_four_numa(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "four-numa.xml");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_workers, 12);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(node_of(t, plan.workers[i]), 3);
        assert_int_equal(node_of(t, plan.workers[4 + i]), 2);
    }
    for (uint32_t i = 8; i < 12; i++) {
        assert_true(node_of(t, plan.workers[i]) <= 1);
    }
    free(load_fragment(true));
    hw_topo_free(t);

    /* the same shape from a synthetic description, without NICs: node 0 first */
    t = load(HW_SRC_SYNTHETIC, "pack:2 numa:2 core:8 pu:2");
    make(t, &o);
    check_consistent(t);
    assert_int_equal(node_of(t, plan.workers[0]), 0);
    assert_int_equal(plan.n_nics, 0);
    free(load_fragment(true));
    hw_topo_free(t);
}

static void
test_smt_off(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "smt-off.xml");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    make(t, &o);
    check_consistent(t);
    /* 12 cores: 1 control, 11 free, 2 scan, 9 workers, eth1's node first */
    assert_int_equal(plan.n_workers, 9);
    for (uint32_t i = 0; i < 6; i++) {
        assert_int_equal(node_of(t, plan.workers[i]), 1);
    }
    assert_int_equal(plan.store, 0); /* no sibling: the control CPU itself */
    for (uint32_t i = 0; i < plan.n_notes; i++) {
        assert_null(strstr(plan.notes[i], "SMT sibling"));
    }
    free(load_fragment(true));
    hw_topo_free(t);
}

/* One core: the worker has to share it, and sleeps when idle. */
static void
test_one_core(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "core:1 pu:2");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_workers, 1);
    assert_true(plan.worker_on_control);
    assert_int_equal(plan.workers[0], 0);
    struct dp_config *c = load_fragment(true);
    assert_int_equal(c->boot.idle, DP_IDLE_SLEEP);
    free(c);
    /* no core left to give scan threads, however many are asked for */
    o.scan_cores = 2;
    o.workers = 3;
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_workers, 1);
    assert_true(plan.scan_on_control);
    hw_topo_free(t);
}

/* More free cores than redlined has workers: capped, said so, still loads. */
static void
test_many_cores(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "pack:4 numa:2 core:16 pu:2");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    o.scan_cores = 1;
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_workers, HW_PLAN_MAX_WORKERS);
    assert_int_equal(plan.scan_threads, 2); /* both CPUs of the scan core */
    free(load_fragment(true));
    /* a quarter of 127 free cores, 31 with 2 CPUs each, for scan: redlined
     * runs 16 scan threads at most, said so */
    o.scan_cores = -1;
    make(t, &o);
    assert_int_equal(plan.n_scan, 62);
    assert_int_equal(plan.scan_threads, 16);
    bool noted = false;
    for (uint32_t i = 0; i < plan.n_notes; i++) {
        noted = noted || strstr(plan.notes[i], "62 CPUs for scan threads; redlined runs at most "
                                               "16") != NULL;
    }
    assert_true(noted);
    free(load_fragment(true));
    hw_topo_free(t);
}

static void
test_refusals(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    struct hw_plan_opts o;
    struct rl_diag d = {{0}, {0}};
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "eth7";
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.field, "nic");
    assert_non_null(strstr(d.reason, "'eth7'"));
    hw_plan_opts_init(&o);
    o.node = 5;
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.field, "node");
    assert_non_null(strstr(d.reason, "5 is no NUMA node"));
    hw_plan_opts_init(&o);
    o.n_nics = HW_PLAN_MAX_NICS + 1;
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    hw_topo_free(t);

    /* a NIC the firmware placed nowhere on a 2-node machine: a clear error,
     * and --node settles it */
    t = load(HW_SRC_XML, DATA "nic-no-node.xml");
    hw_plan_opts_init(&o);
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.field, "nic");
    assert_non_null(strstr(d.reason, "0000:05:00.0 (eth5) has no NUMA node"));
    assert_non_null(strstr(d.reason, "--node"));
    o.node = 1;
    make(t, &o);
    assert_int_equal(node_of(t, plan.workers[0]), 1);
    hw_topo_free(t);

    /* a NIC named twice; port addresses that redlined would refuse, or that
     * do not match the NICs one to one */
    t = load(HW_SRC_XML, DATA "two-socket.xml");
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "eth2";
    o.nics[o.n_nics++] = "0000:3b:00.0";
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.field, "nic");
    assert_string_equal(d.reason, "'0000:3b:00.0' names 0000:3b:00.0 again");
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "eth2";
    o.addresses[o.n_addresses++] = "10.0.0.2/24";
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL); /* kernel backend */
    assert_string_equal(d.field, "address");
    assert_string_equal(d.reason, "a port address goes with the dpdk backend");
    o.backend = HW_BACKEND_DPDK;
    o.addresses[o.n_addresses++] = "10.0.0.3/24";
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.reason, "2 addresses for the 1 NIC served: one per NIC, in the order "
                                  "of --nic");
    static const char *const bad[] = {"10.0.0.2",    "10.0.0.2/",   "10.0.0.2/33", "10.0.0.2/0",
                                      "10.0.0/24",   "300.0.0.1/8", "0.1.2.3/8",   "224.0.0.1/4",
                                      "10.0.0.2/2x", "/24",         "10.0.0.2/024"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.addresses[0] = bad[i];
        o.n_addresses = 1;
        assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
        assert_string_equal(d.field, "address");
        assert_non_null(strstr(d.reason, "is not a unicast IPv4 address with its prefix"));
        assert_non_null(strstr(d.reason, bad[i]));
    }
    o.nics[o.n_nics++] = "eno1";
    o.addresses[0] = "10.0.0.2/24";
    o.addresses[1] = "10.0.0.2/16";
    o.n_addresses = 2;
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.reason, "'10.0.0.2/16' is given to two ports");
    hw_topo_free(t);
    /* six NICs: the DPDK backend serves four ports at most */
    t = load(HW_SRC_XML, DATA "six-nic.xml");
    assert_int_equal(t->n_nics, 6);
    hw_plan_opts_init(&o);
    o.backend = HW_BACKEND_DPDK;
    o.addresses[o.n_addresses++] = "10.0.0.2/24";
    assert_int_equal(hw_plan_make(&plan, &d, t, &o), RL_EINVAL);
    assert_string_equal(d.field, "nic");
    assert_non_null(strstr(d.reason, "at most 4 ports and this plan serves 6 NICs"));
    /* four of them named, four addresses: a complete fragment */
    const char *names[] = {"ens1f0", "ens1f1", "ens1f2", "ens0f0"};
    const char *addrs[] = {"10.0.1.2/24", "10.0.2.2/24", "10.0.3.2/24", "10.0.4.2/24"};
    o.n_addresses = 0;
    for (uint32_t i = 0; i < 4; i++) {
        o.nics[o.n_nics++] = names[i];
        o.addresses[o.n_addresses++] = addrs[i];
    }
    make(t, &o);
    check_consistent(t);
    assert_int_equal(plan.n_ports, 4);
    assert_int_equal(node_of(t, plan.workers[0]), 1); /* three of the four on socket 1 */
    free(load_fragment(true));
    hw_topo_free(t);

    /* a fragment that does not fit its buffer */
    t = load(HW_SRC_SYNTHETIC, "pack:2 core:8 pu:1");
    hw_plan_opts_init(&o);
    make(t, &o);
    char small[24];
    assert_int_equal(hw_plan_fragment(small, sizeof(small), &plan), 0);
    assert_int_equal(hw_plan_fragment(small, 1, &plan), 0);
    hw_topo_free(t);
}

/* A NIC bound to vfio-pci (no interface) is served by its PCI address. */
static void
test_vfio_nic(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "vfio.xml");
    struct hw_plan_opts o;
    hw_plan_opts_init(&o);
    o.nics[o.n_nics++] = "0000:3b:00.1";
    o.backend = HW_BACKEND_DPDK;
    o.hugepage_size = (uint64_t)1 << 30;
    make(t, &o);
    check_consistent(t);
    assert_int_equal(node_of(t, plan.workers[0]), 1);
    assert_int_equal(plan.hugepage_size, (uint64_t)1 << 30);
    assert_int_equal(plan.nodes[1].hugepages_have, 0); /* 2 MiB pages reserved, not 1 GiB */
    assert_true(plan.nodes[1].hugepages >= 1);
    /* bound to vfio-pci, no interface: served by its PCI address */
    o.addresses[o.n_addresses++] = "172.16.0.9/12";
    make(t, &o);
    struct dp_config *c = load_fragment(true);
    assert_string_equal(c->boot.dpdk.ports[0].device, "0000:3b:00.1");
    free(c);
    hw_topo_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_this_machine),      cmocka_unit_test(test_two_socket_nic_first),
        cmocka_unit_test(test_two_socket_limits), cmocka_unit_test(test_four_numa),
        cmocka_unit_test(test_smt_off),           cmocka_unit_test(test_one_core),
        cmocka_unit_test(test_many_cores),        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_vfio_nic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hw_check.c and hw_dp.c: layouts that contradict 2-socket,
 * 4-NUMA and SMT-off topologies (a worker on the control-plane core, on an
 * SMT sibling of another, on another's CPU, remote from its NIC, on a CPU
 * that does not exist) each named exactly; layouts that fit find nothing;
 * redlined's check from a dp_config, with its listeners traced through
 * getifaddrs to NICs (HWLOC_XMLFILE gives it a topology). Single-threaded
 * cmocka runner; run from the source root (tests/data/hw). */
#include <ifaddrs.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_config.h"
#include "hw_check.h"
#include "hw_dp.h"
#include "hw_topo.h"

#define DATA "tests/data/hw/"

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

static struct hw_findings f;

static void
check(const struct hw_topo *t, const int32_t *cpus, uint32_t n, const char *nic)
{
    struct hw_layout l = {.n_workers = n};
    memcpy(l.cpus, cpus, sizeof(*cpus) * n);
    if (nic != NULL) {
        l.nics[l.n_nics++] = nic;
    }
    hw_layout_check(&f, t, &l);
}

/* expect asserts finding `i` is of `kind` and its text holds `needle`. */
static void
expect(uint32_t i, enum hw_finding_kind kind, const char *needle)
{
    assert_true(i < f.n);
    assert_int_equal(f.f[i].kind, kind);
    if (strstr(f.f[i].text, needle) == NULL) {
        fail_msg("finding '%s' lacks '%s'", f.f[i].text, needle);
    }
}

static void
test_fitting_layouts_find_nothing(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    const int32_t on_nic_node[] = {4, 5, 6, 7};
    check(t, on_nic_node, 4, "eth2");
    assert_int_equal(f.n, 0);
    const int32_t unpinned[] = {-1, -1, -1};
    check(t, unpinned, 3, "eth2");
    assert_int_equal(f.n, 0);
    check(t, on_nic_node, 0, NULL);
    assert_int_equal(f.n, 0);
    hw_topo_free(t);
}

static void
test_control_core(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    /* CPU 8 is CPU 0's sibling: the control-plane core too */
    const int32_t cpus[] = {1, 8};
    check(t, cpus, 2, NULL);
    assert_int_equal(f.n, 1);
    expect(0, HW_F_CONTROL_CORE,
           "worker 1 on CPU 8 shares the control-plane core (core 0: CPU 0,8)");
    assert_int_equal(f.f[0].worker, 1);
    assert_int_equal(f.f[0].other, -1);
    hw_topo_free(t);
}

static void
test_smt_siblings_and_same_cpu(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    const int32_t cpus[] = {2, 3, 10, 3};
    check(t, cpus, 4, NULL);
    assert_int_equal(f.n, 2); /* each pair once */
    expect(0, HW_F_SMT_SIBLINGS, "workers 0 and 2 on CPUs 2 and 10 are SMT siblings");
    expect(0, HW_F_SMT_SIBLINGS, "core 2: CPU 2,10");
    expect(1, HW_F_SAME_CPU, "workers 1 and 3 both run on CPU 3");
    assert_int_equal(f.f[1].worker, 1);
    assert_int_equal(f.f[1].other, 3);
    hw_topo_free(t);
}

static void
test_nic_remote(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    const int32_t cpus[] = {4, 1, 5, 2};
    check(t, cpus, 4, "eth2");
    assert_int_equal(f.n, 2);
    expect(0, HW_F_NIC_REMOTE,
           "worker 1 on CPU 1 (NUMA node 0) is remote from NIC eth2 (0000:3b:00.0, NUMA node 1)");
    expect(1, HW_F_NIC_REMOTE, "worker 3 on CPU 2");
    /* the management NIC on node 0: the other two are remote from it */
    check(t, cpus, 4, "eno1");
    assert_int_equal(f.n, 2);
    expect(0, HW_F_NIC_REMOTE, "worker 0 on CPU 4 (NUMA node 1)");
    hw_topo_free(t);

    /* four nodes: a worker on the NIC's socket but the other node is remote */
    t = load(HW_SRC_XML, DATA "four-numa.xml");
    const int32_t near[] = {24, 16};
    check(t, near, 2, "ens5f0");
    assert_int_equal(f.n, 1);
    expect(0, HW_F_NIC_REMOTE, "worker 1 on CPU 16 (NUMA node 2) is remote from NIC ens5f0");
    hw_topo_free(t);

    /* SMT off: only locality and the control core can go wrong */
    t = load(HW_SRC_XML, DATA "smt-off.xml");
    const int32_t off[] = {0, 1, 7};
    check(t, off, 3, "eth1");
    assert_int_equal(f.n, 3);
    expect(0, HW_F_CONTROL_CORE, "worker 0 on CPU 0");
    expect(1, HW_F_NIC_REMOTE, "worker 0 on CPU 0 (NUMA node 0)");
    expect(2, HW_F_NIC_REMOTE, "worker 1 on CPU 1 (NUMA node 0)");
    hw_topo_free(t);
}

static void
test_unknowns(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "nic-no-node.xml");
    const int32_t cpus[] = {99, 2};
    check(t, cpus, 2, "eth5");
    assert_int_equal(f.n, 2);
    expect(0, HW_F_NO_CPU, "worker 0 on CPU 99: this machine's topology has no such CPU");
    expect(1, HW_F_NIC_NO_NODE, "NIC eth5 (0000:05:00.0, no NUMA node)");
    check(t, cpus + 1, 1, "eth0");
    assert_int_equal(f.n, 1);
    expect(0, HW_F_UNKNOWN_NIC, "NIC eth0 is not in this machine's topology");
    hw_topo_free(t);
}

/* More contradictions than the list holds: the rest are counted. */
static void
test_many_findings(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "pack:1 core:1 pu:64");
    int32_t cpus[HW_CHECK_MAX_WORKERS];
    for (int32_t i = 0; i < HW_CHECK_MAX_WORKERS; i++) {
        cpus[i] = i;
    }
    struct hw_layout l = {.n_workers = HW_CHECK_MAX_WORKERS + 10};
    memcpy(l.cpus, cpus, sizeof(cpus));
    hw_layout_check(&f, t, &l); /* n_workers beyond the array is cut to it */
    assert_int_equal(f.n, HW_MAX_FINDINGS);
    /* 64 on the control core, 64 * 63 / 2 sibling pairs */
    assert_int_equal(f.n + f.dropped, 64 + 64 * 63 / 2);
    hw_topo_free(t);
}

/* ---- redlined's check (hw_dp) ------------------------------------------- */

static struct dp_config *
config(const char *json)
{
    struct dp_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    dp_config_defaults(c);
    struct rl_diag d = {{0}, {0}};
    if (dp_config_load_json(c, &d, json, strlen(json)) != 0) {
        fail_msg("%s: %s", d.field, d.reason);
    }
    return c;
}

/* warnings returns hw_dp's warnings for `c`, joined by '|'. */
static const char *
warnings(const struct dp_config *c)
{
    static char all[4096];
    struct hw_dp *hw = hw_dp_new(c);
    assert_non_null(hw);
    all[0] = '\0';
    for (size_t k = 0; k < hw_dp_n_warnings(hw); k++) {
        size_t used = strlen(all);
        snprintf(all + used, sizeof(all) - used, "%s|", hw_dp_warning(hw, k));
    }
    hw_dp_bind_worker(hw, c, 0);
    hw_dp_bind_worker(hw, c, -1);
    hw_dp_free(hw);
    return all;
}

static void
test_dp_this_machine(void **state)
{
    (void)state;
    unsetenv("HWLOC_XMLFILE");
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
    char json[256];
    /* the control-plane core's first CPU */
    uint32_t cpu0 = t->pus[t->cores[hw_topo_control_core(t)].first_pu].os;
    snprintf(json, sizeof(json), "{\"listen\": [\"127.0.0.1:2525\"], \"cores\": [%u]}", cpu0);
    struct dp_config *c = config(json);
    char want[160];
    snprintf(want, sizeof(want), "worker 0 on CPU %u shares the control-plane core", cpu0);
    assert_non_null(strstr(warnings(c), want));
    free(c);
    /* unpinned workers, loopback: nothing to say */
    c = config("{\"listen\": [\"127.0.0.1:2525\"], \"workers\": 2}");
    assert_string_equal(warnings(c), "");
    free(c);
    /* a worker on the last CPU, listening everywhere: every NIC that is up
     * here is local (one node) or the machine has several nodes */
    if (t->n_cores > 1 && t->n_nodes == 1) {
        snprintf(json, sizeof(json),
                 "{\"listen\": [\"0.0.0.0:2525\", \"[::]:2525\"], \"cores\": [%u]}",
                 t->pus[t->n_pus - 1].os);
        c = config(json);
        assert_string_equal(warnings(c), "");
        free(c);
    }
    hw_topo_free(t);
}

/* write_lo_topology writes two-socket.xml with its data NIC renamed "lo",
 * so that a listener on 127.0.0.1 is served by a NIC on node 1. */
static void
write_lo_topology(char *path, size_t cap)
{
    FILE *in = fopen(DATA "two-socket.xml", "r");
    assert_non_null(in);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, in);
    fclose(in);
    buf[n] = '\0';
    char *at = strstr(buf, "name=\"eth2\"");
    assert_non_null(at);
    memcpy(at, "name=\"lo\"  ", 11);
    snprintf(path, cap, "/tmp/hw_check_test.%d.xml", (int)getpid());
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(out);
}

static void
test_dp_listener_to_nic(void **state)
{
    (void)state;
    char path[128];
    write_lo_topology(path, sizeof(path));
    assert_int_equal(setenv("HWLOC_XMLFILE", path, 1), 0);
    /* workers on both sockets, listening on 127.0.0.1 (lo: "node 1") */
    struct dp_config *c =
        config("{\"listen\": [\"127.0.0.1:2525\"], \"workers\": 3, \"cores\": [5, 1, 9]}");
    const char *w = warnings(c);
    assert_non_null(strstr(w, "worker 1 on CPU 1 (NUMA node 0) is remote from NIC lo "
                              "(0000:3b:00.0, NUMA node 1)|"));
    assert_non_null(strstr(w, "workers 1 and 2 on CPUs 1 and 9 are SMT siblings"));
    assert_null(strstr(w, "worker 0 "));
    free(c);
    /* listening on ::1 only: lo carries it too */
    c = config("{\"listen\": [\"[::1]:2525\"], \"cores\": [2]}");
    struct ifaddrs *all = NULL;
    bool v6 = false;
    assert_int_equal(getifaddrs(&all), 0);
    for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
        v6 = v6 || (a->ifa_addr != NULL && a->ifa_addr->sa_family == AF_INET6 &&
                    strcmp(a->ifa_name, "lo") == 0);
    }
    freeifaddrs(all);
    if (v6) {
        assert_non_null(
            strstr(warnings(c), "worker 0 on CPU 2 (NUMA node 0) is remote from NIC lo"));
    }
    free(c);
    /* an address no interface holds: no NIC, no locality warning */
    c = config("{\"listen\": [\"192.0.2.77:2525\"], \"cores\": [2]}");
    assert_string_equal(warnings(c), "");
    free(c);
    /* a topology hwloc cannot read is one warning, not a failure */
    assert_int_equal(setenv("HWLOC_XMLFILE", DATA "make-topologies.py", 1), 0);
    c = config("{\"listen\": [\"127.0.0.1:2525\"], \"cores\": [2]}");
    w = warnings(c);
    assert_non_null(strstr(w, "topology: "));
    assert_non_null(strstr(w, "the core layout is not checked|"));
    free(c);
    unsetenv("HWLOC_XMLFILE");
    unlink(path);
    assert_int_equal(hw_dp_n_warnings(NULL), 0);
    hw_dp_bind_worker(NULL, NULL, 0);
    hw_dp_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fitting_layouts_find_nothing),
        cmocka_unit_test(test_control_core),
        cmocka_unit_test(test_smt_siblings_and_same_cpu),
        cmocka_unit_test(test_nic_remote),
        cmocka_unit_test(test_unknowns),
        cmocka_unit_test(test_many_findings),
        cmocka_unit_test(test_dp_this_machine),
        cmocka_unit_test(test_dp_listener_to_nic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

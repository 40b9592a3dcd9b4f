/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hw_topo.c, hw_sysfs.c and hw_cpu.c: this machine read by
 * hwloc against the kernel's own sysfs view (cores, SMT siblings, NICs and
 * their drivers), synthetic descriptions and XML exports of 2-socket,
 * 4-NUMA and SMT-off servers, NIC sysfs fields from a tree made here, memory
 * binding, and every kind of unusable input. Single-threaded cmocka runner;
 * run from the source root (tests/data/hw). */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
#include <hwloc.h>

#include "hw_sysfs.h"
#include "hw_topo.h"

#define DATA "tests/data/hw/"

static struct hw_topo *
load(enum hw_source src, const char *text)
{
    struct hw_topo *t = NULL;
    struct rl_diag d = {{0}, {0}};
    int rc = hw_topo_load(&t, &d, src, text, NULL);
    if (rc != 0) {
        fail_msg("%s: %s: %s", text != NULL ? text : "this machine", d.field, d.reason);
    }
    return t;
}

static uint32_t
pages_of(const struct hw_node *n, uint64_t size)
{
    for (uint32_t k = 0; k < n->n_pages; k++) {
        if (n->pages[k].size == size) {
            return (uint32_t)n->pages[k].count;
        }
    }
    return UINT32_MAX;
}

/* read_line reads the first line of `path` into buf; false when unreadable. */
static bool
read_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

/* ---- this machine, against sysfs ---------------------------------------- */

/* Every CPU we may run on is in the topology, and the CPUs hwloc puts in one
 * core are exactly the kernel's thread_siblings_list (among allowed CPUs). */
static void
test_this_machine_cpus_match_sysfs(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
    assert_true(t->this_system);
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    assert_int_equal(t->n_pus, (uint32_t)CPU_COUNT(&set));
    for (uint32_t i = 0; i < t->n_pus; i++) {
        uint32_t cpu = t->pus[i].os;
        assert_true(CPU_ISSET(cpu, &set));
        char path[128], sib[256], pkg[32];
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
                 cpu);
        assert_true(read_line(path, sib, sizeof(sib)));
        /* the kernel's list, with CPUs outside our affinity left out */
        hwloc_bitmap_t b = hwloc_bitmap_alloc();
        assert_int_equal(hwloc_bitmap_list_sscanf(b, sib), 0);
        char want[256] = "";
        size_t o = 0;
        int k;
        hwloc_bitmap_foreach_begin(k, b)
        {
            if (CPU_ISSET(k, &set)) {
                o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%d", o > 0 ? "," : "", k);
            }
        }
        hwloc_bitmap_foreach_end();
        hwloc_bitmap_free(b);
        char got[256];
        hw_topo_core_cpus(got, sizeof(got), t, t->pus[i].core);
        assert_string_equal(got, want);
        /* the package hwloc names is the kernel's physical package */
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/physical_package_id",
                 cpu);
        assert_true(read_line(path, pkg, sizeof(pkg)));
        int32_t p = t->cores[t->pus[i].core].package;
        assert_true(p >= 0);
        assert_int_equal(t->packages[p].os, (uint32_t)atoi(pkg));
        assert_int_equal(hw_topo_pu_find(t, cpu), (int32_t)i);
    }
    assert_true(t->n_nodes >= 1);
    assert_true(t->memory > 0);
    hw_topo_free(t);
}

/* pci_of finds the PCI device above sysfs path `dev` (a network interface's
 * device link) and returns its address in `out`, or false. */
static bool
pci_of(const char *dev, char *out, size_t cap, unsigned *out_class)
{
    char real[PATH_MAX];
    if (realpath(dev, real) == NULL) {
        return false;
    }
    for (;;) {
        char *slash = strrchr(real, '/');
        if (slash == NULL || slash == real) {
            return false;
        }
        unsigned dom, bus, d, fn;
        char tail;
        if (sscanf(slash + 1, "%4x:%2x:%2x.%1x%c", &dom, &bus, &d, &fn, &tail) == 4) {
            char path[PATH_MAX + 16], cls[32];
            snprintf(path, sizeof(path), "%s/class", real);
            if (!read_line(path, cls, sizeof(cls))) {
                return false;
            }
            *out_class = (unsigned)strtoul(cls, NULL, 16);
            snprintf(out, cap, "%s", slash + 1);
            return true;
        }
        *slash = '\0';
    }
}

/* Each interface whose device is a PCI network controller is a NIC with its
 * PCI address, driver and queue count as sysfs has them. */
static void
test_this_machine_nics_match_sysfs(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
    DIR *d = opendir("/sys/class/net");
    assert_non_null(d);
    uint32_t seen = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char dev[300], pci[32];
        unsigned cls = 0;
        snprintf(dev, sizeof(dev), "/sys/class/net/%s/device", e->d_name);
        if (e->d_name[0] == '.' || !pci_of(dev, pci, sizeof(pci), &cls) || cls >> 16 != 0x02) {
            continue;
        }
        const struct hw_nic *n = hw_topo_nic_find(t, e->d_name);
        assert_non_null(n);
        assert_string_equal(n->pci, pci);
        assert_ptr_equal(hw_topo_nic_find(t, pci), n);
        char link[300], target[300];
        snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", pci);
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        if (len > 0) {
            target[len] = '\0';
            assert_string_equal(n->driver, strrchr(target, '/') + 1);
        }
        char queues[300];
        snprintf(queues, sizeof(queues), "/sys/class/net/%s/queues", e->d_name);
        DIR *q = opendir(queues);
        int32_t rx = 0;
        const struct dirent *qe;
        while (q != NULL && (qe = readdir(q)) != NULL) {
            rx += strncmp(qe->d_name, "rx-", 3) == 0;
        }
        if (q != NULL) {
            closedir(q);
            assert_int_equal(n->rx_queues, rx);
        }
        /* one node here, or the node the device reports */
        assert_true(n->node >= 0 || t->n_nodes > 1);
        seen++;
    }
    closedir(d);
    uint32_t pci_nics = 0;
    for (uint32_t i = 0; i < t->n_nics; i++) {
        pci_nics += t->nics[i].name[0] != '\0';
    }
    assert_int_equal(seen, pci_nics);
    hw_topo_free(t);
}

static void
test_this_machine_cpu_features(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
#if defined(__x86_64__)
    assert_true(t->cpu.known);
    /* Hyperscan cannot run without SSE4.2's predecessors; the tests run it */
    assert_string_not_equal(t->cpu.hyperscan, "unsupported");
    /* AVX-512 implies AVX2, AVX2 implies SSE4.2 */
    assert_true(!t->cpu.avx512f || t->cpu.avx2);
    assert_true(!t->cpu.avx2 || t->cpu.sse42);
    if (strcmp(t->cpu.hyperscan, "avx2") == 0) {
        assert_true(t->cpu.avx2);
    }
#endif
    hw_topo_free(t);
}

/* get_mempolicy(2) straight from the kernel */
static long
policy(unsigned long *mask)
{
    int mode = -1;
    *mask = 0;
    long rc = syscall(SYS_get_mempolicy, &mode, mask, sizeof(*mask) * 8, NULL, 0);
    return rc == 0 ? mode : -1;
}

static void
test_bind_memory(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_THIS, NULL);
    unsigned long mask;
    assert_int_equal(hw_topo_bind_memory(t, (int)t->pus[0].os), 0);
    long mode = policy(&mask);
    /* preferred (a full node falls back), never strict */
    assert_true(mode == 1 /* MPOL_PREFERRED */ || mode == 5 /* MPOL_PREFERRED_MANY */);
    int32_t node = t->cores[t->pus[0].core].node;
    assert_true(node >= 0);
    assert_int_equal(mask, 1ul << t->nodes[node].os);
    assert_int_equal(hw_topo_bind_memory(t, -1), 0);
    assert_int_equal(policy(&mask), 0 /* MPOL_DEFAULT */);
    /* no such CPU */
    assert_int_equal(hw_topo_bind_memory(t, 100000), RL_ENOENT);
    assert_int_equal(policy(&mask), 0);
    hw_topo_free(t);
    /* not this machine: nothing to bind */
    t = load(HW_SRC_SYNTHETIC, "pack:2 numa:2 core:2 pu:1");
    assert_int_equal(hw_topo_bind_memory(t, 0), RL_ENOENT);
    assert_int_equal(policy(&mask), 0);
    hw_topo_free(t);
}

/* ---- synthetic descriptions and XML exports ----------------------------- */

static void
test_synthetic_two_socket_four_numa_smt(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "pack:2 numa:2 core:8 pu:2");
    assert_false(t->this_system);
    assert_false(t->cpu.known);
    assert_int_equal(t->n_packages, 2);
    assert_int_equal(t->n_nodes, 4);
    assert_int_equal(t->n_cores, 32);
    assert_int_equal(t->n_pus, 64);
    assert_int_equal(t->n_nics, 0);
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        assert_int_equal(t->nodes[i].n_cores, 8);
        assert_int_equal(t->nodes[i].package, (int32_t)(i / 2));
    }
    for (uint32_t c = 0; c < t->n_cores; c++) {
        assert_int_equal(t->cores[c].n_pus, 2);
        assert_int_equal(t->cores[c].node, (int32_t)(c / 8));
        assert_int_equal(t->cores[c].package, (int32_t)(c / 16));
    }
    assert_int_equal(t->packages[1].n_nodes, 2);
    assert_int_equal(t->packages[1].n_cores, 16);
    /* synthetic numbering keeps siblings adjacent: CPUs 0 and 1 share core 0 */
    assert_int_equal(t->pus[hw_topo_pu_find(t, 0)].core, t->pus[hw_topo_pu_find(t, 1)].core);
    assert_int_equal(hw_topo_control_core(t), t->pus[hw_topo_pu_find(t, 0)].core);
    char cpus[32];
    hw_topo_core_cpus(cpus, sizeof(cpus), t, 31);
    assert_string_equal(cpus, "62,63");
    hw_topo_free(t);
}

static void
test_synthetic_smt_off(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "pack:2 core:12 pu:1");
    assert_int_equal(t->n_cores, 24);
    assert_int_equal(t->n_pus, 24);
    for (uint32_t c = 0; c < t->n_cores; c++) {
        assert_int_equal(t->cores[c].n_pus, 1);
    }
    /* hwloc adds one NUMA node for the machine when the description has none */
    assert_int_equal(t->n_nodes, 1);
    assert_int_equal(t->cores[23].node, 0);
    hw_topo_free(t);
}

/* PUs outside any core (no core level) count as their own cores. */
static void
test_synthetic_without_cores(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_SYNTHETIC, "pack:2 pu:3");
    assert_int_equal(t->n_pus, 6);
    assert_int_equal(t->n_cores, 6);
    for (uint32_t c = 0; c < t->n_cores; c++) {
        assert_int_equal(t->cores[c].n_pus, 1);
        assert_int_equal(t->cores[c].package, (int32_t)(c / 3));
    }
    hw_topo_free(t);
}

static void
test_xml_two_socket(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    assert_int_equal(t->n_packages, 2);
    assert_int_equal(t->n_nodes, 2);
    assert_int_equal(t->n_cores, 8);
    assert_int_equal(t->n_pus, 16);
    /* Linux numbering: CPU n and n + 8 are siblings */
    for (uint32_t cpu = 0; cpu < 8; cpu++) {
        assert_int_equal(t->pus[hw_topo_pu_find(t, cpu)].core,
                         t->pus[hw_topo_pu_find(t, cpu + 8)].core);
    }
    assert_int_equal(t->nodes[1].memory, (uint64_t)64 << 30);
    assert_int_equal(pages_of(&t->nodes[1], 2 << 20), 512);
    assert_int_equal(pages_of(&t->nodes[0], 2 << 20), UINT32_MAX);
    assert_int_equal(t->n_nics, 2);
    const struct hw_nic *eth2 = hw_topo_nic_find(t, "eth2");
    assert_non_null(eth2);
    assert_string_equal(eth2->pci, "0000:3b:00.0");
    assert_int_equal(eth2->vendor, 0x8086);
    assert_int_equal(eth2->device, 0x1592);
    assert_int_equal(eth2->class_id, 0x0200);
    assert_int_equal(eth2->node, 1);
    assert_int_equal(eth2->package, 1);
    assert_true(eth2->pcie_gbps > 15.7f && eth2->pcie_gbps < 15.8f);
    /* not this machine: no sysfs fields */
    assert_string_equal(eth2->driver, "");
    assert_int_equal(eth2->rx_queues, -1);
    assert_int_equal(eth2->speed_mbps, -1);
    assert_int_equal(hw_topo_nic_find(t, "eno1")->node, 0);
    assert_ptr_equal(hw_topo_nic_find(t, "0000:3b:00.0"), eth2);
    hw_topo_free(t);
}

static void
test_xml_four_numa_and_smt_off(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "four-numa.xml");
    assert_int_equal(t->n_nodes, 4);
    assert_int_equal(t->packages[0].n_nodes, 2);
    const struct hw_nic *n = hw_topo_nic_find(t, "ens5f0");
    assert_non_null(n);
    assert_int_equal(n->node, 3);
    assert_int_equal(hw_nodeset_count(&n->local), 1);
    assert_int_equal(n->package, 1);
    assert_int_equal(pages_of(&t->nodes[3], 2 << 20), 256);
    hw_topo_free(t);

    t = load(HW_SRC_XML, DATA "smt-off.xml");
    assert_int_equal(t->n_cores, 12);
    assert_int_equal(t->n_pus, 12);
    assert_int_equal(hw_topo_nic_find(t, "eth1")->node, 1);
    hw_topo_free(t);
}

static void
test_xml_nic_without_node_or_interface(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "nic-no-node.xml");
    const struct hw_nic *n = hw_topo_nic_find(t, "eth5");
    assert_non_null(n);
    assert_int_equal(n->node, -1);
    assert_int_equal(hw_nodeset_count(&n->local), 0);
    assert_int_equal(n->package, -1);
    hw_topo_free(t);

    t = load(HW_SRC_XML, DATA "vfio.xml");
    assert_int_equal(t->n_nics, 1);
    assert_string_equal(t->nics[0].name, "");
    assert_int_equal(t->nics[0].node, 1);
    assert_non_null(hw_topo_nic_find(t, "0000:3b:00.1"));
    assert_null(hw_topo_nic_find(t, ""));
    hw_topo_free(t);
}

/* ---- unusable input ------------------------------------------------------ */

static void
test_bad_synthetic(void **state)
{
    (void)state;
    const char *bad[] = {"pack:x", "", "pack:2 core:", "flower:3", "pack:2 core:2 pu:0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hw_topo *t = (struct hw_topo *)1;
        struct rl_diag d = {{0}, {0}};
        int rc = hw_topo_load(&t, &d, HW_SRC_SYNTHETIC, bad[i], NULL);
        if (rc == 0) {
            fail_msg("'%s' was accepted", bad[i]);
        }
        assert_int_equal(rc, RL_ESYNTAX);
        assert_null(t);
        assert_string_equal(d.field, "topology");
        assert_non_null(strstr(d.reason, "synthetic description"));
    }
    /* more CPUs than any machine: refused before hwloc spends minutes on it */
    const char *huge[] = {"10 121010", "pack:16 core:4096 pu:2",
                          "pack:2 [numa(memory=1)] core:99999999999"};
    for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        struct hw_topo *t = (struct hw_topo *)1;
        struct rl_diag d = {{0}, {0}};
        assert_int_equal(hw_topo_load(&t, &d, HW_SRC_SYNTHETIC, huge[i], NULL), RL_EINVAL);
        assert_null(t);
        assert_non_null(strstr(d.reason, "more than 8192 CPUs"));
    }
    /* an index hwloc would size every CPU set by (fuzz_hw_topo: gigabytes) */
    struct hw_topo *t = (struct hw_topo *)1;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(hw_topo_load(&t, &d, HW_SRC_SYNTHETIC,
                                  "pack:1 core:2 pu:2(indexes=0,2,1,77777777777777777777)", NULL),
                     RL_EINVAL);
    assert_null(t);
    assert_non_null(strstr(d.reason, "an index over 65535"));
}

static void
test_bad_xml(void **state)
{
    (void)state;
    struct hw_topo *t = NULL;
    struct rl_diag d = {{0}, {0}};
    /* a file that is not there */
    assert_int_equal(hw_topo_load(&t, &d, HW_SRC_XML, DATA "absent.xml", NULL), RL_EIO);
    assert_non_null(strstr(d.reason, "absent.xml"));
    assert_non_null(strstr(d.reason, "No such file"));
    /* a file that is not XML */
    assert_int_equal(hw_topo_load(&t, &d, HW_SRC_XML, DATA "make-topologies.py", NULL), RL_ESYNTAX);
    assert_null(t);
    assert_non_null(strstr(d.reason, "make-topologies.py"));
    /* the same cut short, in memory */
    FILE *f = fopen(DATA "two-socket.xml", "r");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_true(n > 1000);
    for (size_t cut = 100; cut < n; cut += n / 7) {
        int rc = hw_topo_load_xml_buffer(&t, &d, buf, cut);
        assert_int_equal(rc, RL_ESYNTAX);
        assert_null(t);
    }
    /* whole, it loads */
    assert_int_equal(hw_topo_load_xml_buffer(&t, &d, buf, n), 0);
    assert_int_equal(t->n_nics, 2);
    hw_topo_free(t);
    /* well-formed XML that is no topology */
    const char *other = "<?xml version=\"1.0\"?>\n<topology version=\"2.0\"></topology>\n";
    assert_int_not_equal(hw_topo_load_xml_buffer(&t, &d, other, strlen(other)), 0);
    assert_int_equal(hw_topo_load_xml_buffer(&t, &d, buf, 0), RL_EINVAL);
    /* hwloc 2.9 crashes on this one (open-mpi/hwloc#783): refused all the same */
    assert_int_equal(
        hw_topo_load(&t, &d, HW_SRC_XML, DATA "hwloc-783-no-complete-cpuset.xml", NULL),
        RL_ESYNTAX);
    assert_null(t);
    assert_non_null(strstr(d.reason, "a malformed XML topology (hwloc fails on it)"));
    char *at = strstr(buf, "type=\"PU\" os_index=\"9\"");
    assert_non_null(at);
    /* two CPUs numbered 1 */
    memcpy(strstr(at, "\"9\""), "\"1\"", 3);
    assert_int_equal(hw_topo_load_xml_buffer(&t, &d, buf, n), RL_EINVAL);
    assert_null(t);
    assert_string_equal(d.reason, "CPU 1 appears twice");
    /* a CPU numbered past any machine's: hwloc would size its sets by it */
    char far[65536 + 16];
    snprintf(far, sizeof(far), "%.*sos_index=\"4294967295\"%s",
             (int)(strstr(at, "os_index=") - buf), buf,
             strstr(at, "os_index=") + strlen("os_index=\"1\""));
    assert_int_equal(hw_topo_load_xml_buffer(&t, &d, far, strlen(far)), RL_EINVAL);
    assert_null(t);
    assert_non_null(strstr(d.reason, "a PU object at line 19 has an os_index out of range"));
    /* a NUMA node without a number: hwloc would number it 2^32-1 */
    const char *nameless =
        "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n"
        "<object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" "
        "nodeset=\"0x1\" complete_nodeset=\"0x1\">\n"
        "<object type=\"NUMANode\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" "
        "complete_nodeset=\"0x1\"/>\n</object>\n</topology>\n";
    assert_int_equal(hw_topo_load_xml_buffer(&t, &d, nameless, strlen(nameless)), RL_EINVAL);
    assert_string_equal(
        d.reason, "(XML in memory): a NUMANode object at line 4 has no os_index (at most 65535)");
    /* no file named at all */
    assert_int_equal(hw_topo_load(&t, &d, HW_SRC_XML, NULL, NULL), RL_EINVAL);
    assert_int_equal(hw_topo_load(&t, &d, HW_SRC_SYNTHETIC, NULL, NULL), RL_EINVAL);
    hw_topo_free(NULL);
}

static void
test_lookups_refuse_unknowns(void **state)
{
    (void)state;
    struct hw_topo *t = load(HW_SRC_XML, DATA "two-socket.xml");
    assert_int_equal(hw_topo_pu_find(t, 16), -1);
    assert_int_equal(hw_topo_pu_find(t, UINT32_MAX), -1);
    assert_null(hw_topo_nic_find(t, "eth9"));
    assert_null(hw_topo_nic_find(t, "0000:3b:00"));
    char cpus[4];
    hw_topo_core_cpus(cpus, sizeof(cpus), t, 0); /* "0,8" fits exactly */
    assert_string_equal(cpus, "0,8");
    hw_topo_core_cpus(cpus, 2, t, 0);
    assert_string_equal(cpus, "0");
    struct hw_nodeset s = {{0}};
    assert_int_equal(hw_nodeset_first(&s), -1);
    hw_nodeset_add(&s, HW_MAX_NODES); /* out of range: ignored */
    assert_int_equal(hw_nodeset_count(&s), 0);
    hw_nodeset_add(&s, 70);
    assert_true(hw_nodeset_has(&s, 70));
    assert_false(hw_nodeset_has(&s, HW_MAX_NODES + 5));
    assert_int_equal(hw_nodeset_first(&s), 70);
    hw_topo_free(t);
}

/* ---- sysfs fields from a tree made here ---------------------------------- */

static char tree[64];

static void
put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
mkdirs(const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    for (char *p = path + strlen(tree) + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
}

static void
test_sysfs_fields(void **state)
{
    (void)state;
    snprintf(tree, sizeof(tree), "/tmp/hw_sysfs_test.XXXXXX");
    assert_non_null(mkdtemp(tree));
    mkdirs("bus/pci/devices/0000:3b:00.0");
    mkdirs("bus/pci/drivers/ice");
    mkdirs("class/net/eth9/queues/rx-0");
    mkdirs("class/net/eth9/queues/rx-1");
    mkdirs("class/net/eth9/queues/tx-0");
    char link[256];
    snprintf(link, sizeof(link), "%s/bus/pci/devices/0000:3b:00.0/driver", tree);
    assert_int_equal(symlink("../../../bus/pci/drivers/ice", link), 0);
    put("class/net/eth9/speed", "25000\n");
    put("class/net/eth9/operstate", "up\n");

    struct hw_nic n = {.pci = "0000:3b:00.0", .name = "eth9"};
    hw_sysfs_nic(&n, tree);
    assert_string_equal(n.driver, "ice");
    assert_false(n.vfio);
    assert_int_equal(n.rx_queues, 2);
    assert_int_equal(n.tx_queues, 1);
    assert_int_equal(n.speed_mbps, 25000);
    assert_int_equal(n.up, 1);

    /* a link that is down: the kernel gives -1 (or refuses the read) */
    put("class/net/eth9/speed", "-1\n");
    put("class/net/eth9/operstate", "down\n");
    hw_sysfs_nic(&n, tree);
    assert_int_equal(n.speed_mbps, -1);
    assert_int_equal(n.up, 0);
    /* garbage and odd states are unknown, never misread */
    put("class/net/eth9/speed", "fast\n");
    put("class/net/eth9/operstate", "dormant\n");
    hw_sysfs_nic(&n, tree);
    assert_int_equal(n.speed_mbps, -1);
    assert_int_equal(n.up, -1);
    put("class/net/eth9/speed", "99999999999\n");
    hw_sysfs_nic(&n, tree);
    assert_int_equal(n.speed_mbps, -1);

    /* bound to vfio-pci */
    mkdirs("bus/pci/drivers/vfio-pci");
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("../../../bus/pci/drivers/vfio-pci", link), 0);
    struct hw_nic v = {.pci = "0000:3b:00.0"};
    hw_sysfs_nic(&v, tree);
    assert_string_equal(v.driver, "vfio-pci");
    assert_true(v.vfio);
    assert_int_equal(v.rx_queues, -1); /* no interface, nothing to count */
    assert_int_equal(v.up, -1);

    /* nothing at all there */
    struct hw_nic none = {.pci = "0000:99:00.0", .name = "nope0"};
    hw_sysfs_nic(&none, tree);
    assert_string_equal(none.driver, "");
    assert_int_equal(none.rx_queues, -1);
    assert_int_equal(none.speed_mbps, -1);
    assert_int_equal(none.up, -1);

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_this_machine_cpus_match_sysfs),
        cmocka_unit_test(test_this_machine_nics_match_sysfs),
        cmocka_unit_test(test_this_machine_cpu_features),
        cmocka_unit_test(test_bind_memory),
        cmocka_unit_test(test_synthetic_two_socket_four_numa_smt),
        cmocka_unit_test(test_synthetic_smt_off),
        cmocka_unit_test(test_synthetic_without_cores),
        cmocka_unit_test(test_xml_two_socket),
        cmocka_unit_test(test_xml_four_numa_and_smt_off),
        cmocka_unit_test(test_xml_nic_without_node_or_interface),
        cmocka_unit_test(test_bad_synthetic),
        cmocka_unit_test(test_bad_xml),
        cmocka_unit_test(test_lookups_refuse_unknowns),
        cmocka_unit_test(test_sysfs_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Loads a topology with hwloc and copies what the planner and the checks
 * need into plain arrays (struct hw_topo); keeps the hwloc handle for
 * memory binding. An XML topology is tried in a child process first.
 * Start-up code, before any thread is started. */
#include "hw_topo.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hwloc.h>

#include "hw_cpu.h"
#include "hw_sysfs.h"
#include "hw_xml_bounds.h"

void
hw_nodeset_add(struct hw_nodeset *s, uint32_t i)
{
    if (i < HW_MAX_NODES) {
        s->w[i / 64] |= 1ull << (i % 64);
    }
}

bool
hw_nodeset_has(const struct hw_nodeset *s, uint32_t i)
{
    return i < HW_MAX_NODES && (s->w[i / 64] >> (i % 64) & 1) != 0;
}

uint32_t
hw_nodeset_count(const struct hw_nodeset *s)
{
    uint32_t n = 0;
    for (size_t k = 0; k < HW_NODE_WORDS; k++) {
        n += (uint32_t)__builtin_popcountll(s->w[k]);
    }
    return n;
}

int32_t
hw_nodeset_first(const struct hw_nodeset *s)
{
    for (size_t k = 0; k < HW_NODE_WORDS; k++) {
        if (s->w[k] != 0) {
            return (int32_t)(k * 64 + (size_t)__builtin_ctzll(s->w[k]));
        }
    }
    return -1;
}

/* index_of returns the logical index of `o` among objects of its type, or
 * -1 for NULL. */
static int32_t
index_of(const struct hwloc_obj *o)
{
    return o != NULL ? (int32_t)o->logical_index : -1;
}

static void
read_packages(struct hw_topo *t, hwloc_topology_t h)
{
    for (uint32_t i = 0; i < t->n_packages; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_PACKAGE, i);
        struct hw_package *p = &t->packages[i];
        p->os = o->os_index != HWLOC_UNKNOWN_INDEX ? o->os_index : i;
        const char *model = hwloc_obj_get_info_by_name(o, "CPUModel");
        snprintf(p->model, sizeof(p->model), "%s", model != NULL ? model : "");
    }
}

/* read_nodes copies memory and hugepages; the smallest page size a node
 * lists is its base page, every larger one a hugepage size. */
static void
read_nodes(struct hw_topo *t, hwloc_topology_t h)
{
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, i);
        struct hw_node *n = &t->nodes[i];
        n->os = o->os_index != HWLOC_UNKNOWN_INDEX ? o->os_index : i;
        n->memory = o->attr->numanode.local_memory;
        t->memory += n->memory;
        hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_PACKAGE, o);
        n->package = index_of(pkg);
        const struct hwloc_memory_page_type_s *pt = o->attr->numanode.page_types;
        for (unsigned k = 1;
             pt != NULL && k < o->attr->numanode.page_types_len && n->n_pages < HW_PAGE_TYPES;
             k++) {
            if (pt[k].size > pt[0].size) {
                n->pages[n->n_pages++] = (struct hw_pages){pt[k].size, pt[k].count};
            }
        }
    }
}

static int
cmp_pu(const void *a, const void *b)
{
    const struct hw_pu *x = a;
    const struct hw_pu *y = b;
    if (x->core != y->core) {
        return x->core < y->core ? -1 : 1;
    }
    return x->os < y->os ? -1 : x->os > y->os;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* unique_cpus refuses a topology that numbers two CPUs alike (an XML file
 * can): every plan and check names CPUs by number. */
static int
unique_cpus(const struct hw_pu *pus, size_t n, struct rl_diag *diag)
{
    uint32_t *os = malloc(n * sizeof(*os));
    if (os == NULL) {
        return RL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        os[i] = pus[i].os;
    }
    qsort(os, n, sizeof(*os), cmp_u32);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (os[i] == os[i - 1]) {
            rc = rl_diag_set(diag, "topology", "CPU %u appears twice", os[i]);
        }
    }
    free(os);
    return rc;
}

/* core_node finds the NUMA node whose CPUs hold all of `cpuset`. */
static int32_t
core_node(hwloc_topology_t h, uint32_t n_nodes, hwloc_const_cpuset_t cpuset)
{
    for (uint32_t i = 0; i < n_nodes; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, i);
        if (o->cpuset != NULL && !hwloc_bitmap_iszero(o->cpuset) &&
            hwloc_bitmap_isincluded(cpuset, o->cpuset)) {
            return (int32_t)i;
        }
    }
    return -1;
}

/* read_cores makes one hw_core per hwloc Core, plus one per PU outside any
 * Core (a description without cores): such a PU is its own core. */
static int
read_cores(struct hw_topo *t, struct rl_diag *diag, hwloc_topology_t h)
{
    int n_pus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
    if (n_pus <= 0) {
        return rl_diag_set(diag, "topology", "holds no CPU");
    }
    if (n_pus > HW_MAX_PUS) {
        rl_diag_set(diag, "topology", "holds %d CPUs; at most %d are supported", n_pus, HW_MAX_PUS);
        return RL_ELIMIT;
    }
    t->pus = calloc((size_t)n_pus, sizeof(*t->pus));
    t->cores = calloc((size_t)n_pus, sizeof(*t->cores));
    if (t->pus == NULL || t->cores == NULL) {
        return RL_ENOMEM;
    }
    int n_core_objs = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE);
    for (int i = 0; i < n_pus; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(h, HWLOC_OBJ_PU, (unsigned)i);
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_CORE, pu);
        struct hw_pu *p = &t->pus[i];
        p->os = pu->os_index != HWLOC_UNKNOWN_INDEX ? pu->os_index : (uint32_t)i;
        /* cores first by hwloc's order; PUs without one after them */
        p->core = core != NULL ? core->logical_index : (uint32_t)n_core_objs + (uint32_t)i;
    }
    int rc = unique_cpus(t->pus, (size_t)n_pus, diag);
    if (rc != 0) {
        return rc;
    }
    qsort(t->pus, (size_t)n_pus, sizeof(*t->pus), cmp_pu);
    t->n_pus = (uint32_t)n_pus;
    /* renumber cores densely in PU order and fill them */
    uint32_t prev = UINT32_MAX;
    for (uint32_t i = 0; i < t->n_pus; i++) {
        if (t->pus[i].core != prev) {
            prev = t->pus[i].core;
            hwloc_obj_t obj = prev < (uint32_t)n_core_objs
                                  ? hwloc_get_obj_by_type(h, HWLOC_OBJ_CORE, prev)
                                  : hwloc_get_pu_obj_by_os_index(h, t->pus[i].os);
            struct hw_core *c = &t->cores[t->n_cores++];
            c->os = obj != NULL && obj->os_index != HWLOC_UNKNOWN_INDEX ? obj->os_index : i;
            c->first_pu = i;
            c->package = index_of(
                obj != NULL ? hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_PACKAGE, obj) : NULL);
            c->node =
                obj != NULL && obj->cpuset != NULL ? core_node(h, t->n_nodes, obj->cpuset) : -1;
        }
        t->cores[t->n_cores - 1].n_pus++;
        t->pus[i].core = t->n_cores - 1;
    }
    for (uint32_t i = 0; i < t->n_cores; i++) {
        const struct hw_core *c = &t->cores[i];
        if (c->node >= 0) {
            t->nodes[c->node].n_cores++;
            t->nodes[c->node].n_pus += c->n_pus;
        }
        if (c->package >= 0) {
            t->packages[c->package].n_cores++;
            t->packages[c->package].n_pus += c->n_pus;
        }
    }
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].package >= 0) {
            t->packages[t->nodes[i].package].n_nodes++;
        }
    }
    return 0;
}

static void
read_caches(struct hw_topo *t, hwloc_topology_t h)
{
    for (hwloc_obj_type_t type = HWLOC_OBJ_L1CACHE; type <= HWLOC_OBJ_L3ICACHE; type++) {
        if (!hwloc_obj_type_is_cache(type)) {
            continue;
        }
        int n = hwloc_get_nbobjs_by_type(h, type);
        for (int i = 0; i < n; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(h, type, (unsigned)i);
            const struct hwloc_cache_attr_s *a = &o->attr->cache;
            char kind = a->type == HWLOC_OBJ_CACHE_DATA          ? 'd'
                        : a->type == HWLOC_OBJ_CACHE_INSTRUCTION ? 'i'
                                                                 : 'u';
            uint32_t k = 0;
            while (k < t->n_caches &&
                   !(t->caches[k].level == a->depth && t->caches[k].kind == kind &&
                     t->caches[k].size == a->size)) {
                k++;
            }
            if (k == t->n_caches) {
                if (k == HW_MAX_CACHES) {
                    continue;
                }
                t->caches[t->n_caches++] =
                    (struct hw_cache){.level = (uint8_t)a->depth, .kind = kind, .size = a->size};
            }
            t->caches[k].count++;
        }
    }
    /* by level, then data before instruction before unified */
    for (uint32_t i = 1; i < t->n_caches; i++) {
        struct hw_cache c = t->caches[i];
        uint32_t j = i;
        while (j > 0 && (t->caches[j - 1].level > c.level ||
                         (t->caches[j - 1].level == c.level && t->caches[j - 1].kind > c.kind))) {
            t->caches[j] = t->caches[j - 1];
            j--;
        }
        t->caches[j] = c;
    }
}

/* nic_locality fills the NUMA nodes local to the PCI device `pci`: those of
 * its first CPU-side ancestor. An ancestor covering the whole machine says
 * nothing when there are several nodes (the firmware gave no locality). */
static void
nic_locality(struct hw_topo *t, struct hw_nic *nic, hwloc_topology_t h, hwloc_obj_t pci)
{
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(h, pci);
    nic->node = -1;
    nic->package = -1;
    if (anc == NULL || anc->nodeset == NULL) {
        return;
    }
    if (anc->parent == NULL && t->n_nodes > 1) {
        return; /* attached to the machine itself: no locality known */
    }
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, i);
        if (hwloc_bitmap_isset(anc->nodeset, o->os_index)) {
            hw_nodeset_add(&nic->local, i);
        }
    }
    if (hw_nodeset_count(&nic->local) == 1) {
        nic->node = hw_nodeset_first(&nic->local);
    }
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_PACKAGE, anc);
    if (anc->type == HWLOC_OBJ_PACKAGE) {
        pkg = anc;
    }
    if (pkg == NULL && t->n_packages == 1) {
        pkg = hwloc_get_obj_by_type(h, HWLOC_OBJ_PACKAGE, 0);
    }
    nic->package = index_of(pkg);
}

static void
read_nics(struct hw_topo *t, hwloc_topology_t h, const char *sysfs_root)
{
    hwloc_obj_t pci = NULL;
    while ((pci = hwloc_get_next_pcidev(h, pci)) != NULL && t->n_nics < HW_MAX_NICS) {
        const struct hwloc_pcidev_attr_s *a = &pci->attr->pcidev;
        if (a->class_id >> 8 != 0x02) {
            continue; /* not a network controller */
        }
        struct hw_nic *nic = &t->nics[t->n_nics++];
        memset(nic, 0, sizeof(*nic));
        snprintf(nic->pci, sizeof(nic->pci), "%04x:%02x:%02x.%01x", a->domain, a->bus, a->dev,
                 a->func);
        nic->vendor = a->vendor_id;
        nic->device = a->device_id;
        nic->class_id = a->class_id;
        nic->pcie_gbps = a->linkspeed;
        for (hwloc_obj_t c = pci->io_first_child; c != NULL; c = c->next_sibling) {
            if (c->type == HWLOC_OBJ_OS_DEVICE && nic->name[0] == '\0' && c->name != NULL &&
                (c->attr->osdev.type == HWLOC_OBJ_OSDEV_NETWORK ||
                 c->attr->osdev.type == HWLOC_OBJ_OSDEV_OPENFABRICS)) {
                snprintf(nic->name, sizeof(nic->name), "%s", c->name);
                const char *mac = hwloc_obj_get_info_by_name(c, "Address");
                snprintf(nic->mac, sizeof(nic->mac), "%s", mac != NULL ? mac : "");
            }
        }
        nic_locality(t, nic, h, pci);
        nic->rx_queues = nic->tx_queues = nic->speed_mbps = nic->up = -1;
        if (t->this_system) {
            hw_sysfs_nic(nic, sysfs_root != NULL ? sysfs_root : "/sys");
        }
    }
}

/* extract copies the loaded topology `h` into `t`. */
static int
extract(struct hw_topo *t, struct rl_diag *diag, hwloc_topology_t h, const char *sysfs_root)
{
    int n_nodes = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
    int n_packages = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PACKAGE);
    if (n_nodes > HW_MAX_NODES) {
        rl_diag_set(diag, "topology", "holds %d NUMA nodes; at most %d are supported", n_nodes,
                    HW_MAX_NODES);
        return RL_ELIMIT;
    }
    if (n_packages > HW_MAX_PUS) {
        rl_diag_set(diag, "topology", "holds %d packages", n_packages);
        return RL_ELIMIT;
    }
    t->this_system = hwloc_topology_is_thissystem(h) != 0;
    t->n_nodes = n_nodes > 0 ? (uint32_t)n_nodes : 0;
    t->n_packages = n_packages > 0 ? (uint32_t)n_packages : 0;
    t->nodes = calloc(t->n_nodes + 1, sizeof(*t->nodes));
    t->packages = calloc(t->n_packages + 1, sizeof(*t->packages));
    if (t->nodes == NULL || t->packages == NULL) {
        return RL_ENOMEM;
    }
    read_packages(t, h);
    read_nodes(t, h);
    int rc = read_cores(t, diag, h);
    if (rc != 0) {
        return rc;
    }
    read_caches(t, h);
    read_nics(t, h, sysfs_root);
    if (t->this_system) {
        hw_cpu_features_read(&t->cpu);
    }
    return 0;
}

/* configure sets what hwloc discovers: I/O devices that matter (network,
 * storage, their bridges) and instruction caches too. */
static void
configure(hwloc_topology_t h)
{
    hwloc_topology_set_io_types_filter(h, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    hwloc_topology_set_icache_types_filter(h, HWLOC_TYPE_FILTER_KEEP_ALL);
}

/* Descriptions and XML files are read by a child process first: hwloc 2.9
 * crashes on some malformed XML files (objects without complete_cpuset,
 * open-mpi/hwloc#783; memory tiers without a nodeset, #816) and leaks on
 * some refused descriptions, and a bad input must be an error message, not
 * a crash. The child exits VET_OK when hwloc loaded it, VET_REFUSED when
 * hwloc said no; anything else (a signal, a sanitizer's report) means hwloc
 * could not survive it. */
#define VET_OK 0
#define VET_REFUSED 3

/* vet_child tries the input in the child; never returns. */
static void __attribute__((noreturn))
vet_child(enum hw_source source, const char *text, const char *xml, size_t len)
{
    /* die of the signal itself, without the handlers the parent may have
     * (a sanitizer's, a fuzzer's) reporting a crash of ours */
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (size_t k = 0; k < sizeof(deadly) / sizeof(deadly[0]); k++) {
        sigaction(deadly[k], &dfl, NULL);
    }
    hwloc_topology_t h;
    int st = VET_REFUSED;
    if (hwloc_topology_init(&h) == 0) {
        configure(h);
        int rc = source == HW_SRC_SYNTHETIC ? hwloc_topology_set_synthetic(h, text)
                 : text != NULL             ? hwloc_topology_set_xml(h, text)
                                            : hwloc_topology_set_xmlbuffer(h, xml, (int)len);
        st = rc == 0 && hwloc_topology_load(h) == 0 ? VET_OK : VET_REFUSED;
    }
    _exit(st); /* no atexit handlers, nothing flushed twice */
}

/* vet tries a description (`source` HW_SRC_SYNTHETIC, `text`) or an XML
 * topology (`text` its path, or `len` bytes at `xml`) in a child. */
static int
vet(struct rl_diag *diag, enum hw_source source, const char *text, const char *xml, size_t len,
    const char *what)
{
    pid_t pid = fork();
    if (pid < 0) {
        rl_diag_set(diag, "topology", "%.200s: cannot fork to check it: %s", what, strerror(errno));
        return RL_EIO;
    }
    if (pid == 0) {
        vet_child(source, text, xml, len);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return rl_diag_set(diag, "topology", "%.200s: lost the process checking it", what);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == VET_OK) {
        return 0;
    }
    bool refused = WIFEXITED(status) && WEXITSTATUS(status) == VET_REFUSED;
    rl_diag_set(diag, "topology", "%.200s: %s", what,
                source == HW_SRC_SYNTHETIC ? "not a synthetic description hwloc reads"
                : refused                  ? "not an XML topology hwloc reads"
                                           : "a malformed XML topology (hwloc fails on it)");
    return RL_ESYNTAX;
}

/* synthetic_size_ok bounds a synthetic description before hwloc builds it:
 * the product of its arities (the number after a level's "type:", or a bare
 * number) is its count of CPUs, at most HW_MAX_PUS as for any topology;
 * "10 121010" would otherwise have hwloc build 1.2 million objects for
 * minutes. Tokens it cannot read are hwloc's
 * to refuse. */
static int
synthetic_size_ok(struct rl_diag *diag, const char *text)
{
    uint64_t cpus = 1;
    for (const char *p = text; *p != '\0';) {
        p += strspn(p, " \t\n\v\f\r");
        size_t n = strcspn(p, " \t\n\v\f\r");
        const char *colon = memchr(p, ':', n);
        const char *q = colon != NULL ? colon + 1 : p;
        uint64_t arity = 0;
        bool digits = false;
        for (; q < p + n && *q >= '0' && *q <= '9' && arity <= HW_XML_MAX_INDEX; q++) {
            arity = arity * 10 + (uint64_t)(*q - '0');
            digits = true;
        }
        if (digits && p[0] != '[' && arity > 0) {
            cpus *= arity;
            if (cpus > HW_MAX_PUS) {
                return rl_diag_set(diag, "topology", "%.200s: more than %u CPUs", text, HW_MAX_PUS);
            }
        }
        /* "pu:2(indexes=0,8,...)": hwloc sizes its CPU sets by the largest
         * index, so one huge index costs memory without bound */
        const char *ix = memmem(p, n, "indexes=", 8);
        for (const char *r = ix != NULL ? ix + 8 : p + n; r < p + n; r++) {
            uint64_t v = 0;
            bool big = false;
            for (; r < p + n && *r >= '0' && *r <= '9'; r++) {
                v = v * 10 + (uint64_t)(*r - '0');
                big |= v > HW_XML_MAX_INDEX;
            }
            if (big) {
                return rl_diag_set(diag, "topology", "%.200s: an index over %u", text,
                                   HW_XML_MAX_INDEX);
            }
        }
        p += n;
    }
    return 0;
}

/* finish loads `h` (configured with its source) into a new hw_topo. */
static int
finish(struct hw_topo **out, struct rl_diag *diag, hwloc_topology_t h, enum hw_source source,
       const char *what, const char *sysfs_root)
{
    struct hw_topo *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        hwloc_topology_destroy(h);
        return RL_ENOMEM;
    }
    t->source = source;
    snprintf(t->source_text, sizeof(t->source_text), "%s", what);
    t->hwloc = h;
    if (hwloc_topology_load(h) != 0) {
        int e = errno;
        hw_topo_free(t);
        rl_diag_set(diag, "topology", "%s: hwloc cannot load it: %s", what,
                    e == EINVAL ? "not a valid topology" : strerror(e));
        return RL_ESYNTAX;
    }
    int rc = extract(t, diag, h, sysfs_root);
    if (rc != 0) {
        hw_topo_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int
hw_topo_load(struct hw_topo **out, struct rl_diag *diag, enum hw_source source, const char *text,
             const char *sysfs_root)
{
    hwloc_topology_t h;
    *out = NULL;
    if (source != HW_SRC_THIS && text == NULL) {
        return rl_diag_set(diag, "topology", "no description or file given");
    }
    if (source == HW_SRC_XML && access(text, R_OK) != 0) {
        rl_diag_set(diag, "topology", "%.200s: %s", text, strerror(errno));
        return RL_EIO;
    }
    /* hwloc reads "this machine" from HWLOC_XMLFILE or HWLOC_SYNTHETIC when set */
    const char *env_xml = source == HW_SRC_THIS ? getenv("HWLOC_XMLFILE") : NULL;
    const char *env_syn = source == HW_SRC_THIS ? getenv("HWLOC_SYNTHETIC") : NULL;
    int vrc = 0;
    if (source == HW_SRC_XML) {
        vrc = hw_xml_bounds_file(diag, text);
    } else if (source == HW_SRC_SYNTHETIC) {
        vrc = synthetic_size_ok(diag, text);
    } else if (env_xml != NULL && env_xml[0] != '\0') {
        vrc = hw_xml_bounds_file(diag, env_xml);
    } else if (env_syn != NULL && env_syn[0] != '\0') {
        vrc = synthetic_size_ok(diag, env_syn);
    }
    if (vrc != 0) {
        return vrc;
    }
    if (source != HW_SRC_THIS) {
        vrc = vet(diag, source, text, NULL, 0, text);
    } else if (env_xml != NULL && env_xml[0] != '\0') {
        vrc = vet(diag, HW_SRC_XML, env_xml, NULL, 0, env_xml);
    } else if (env_syn != NULL && env_syn[0] != '\0') {
        vrc = vet(diag, HW_SRC_SYNTHETIC, env_syn, NULL, 0, env_syn);
    }
    if (vrc != 0) {
        return vrc;
    }
    if (hwloc_topology_init(&h) != 0) {
        return RL_ENOMEM;
    }
    configure(h);
    int rc = 0;
    if (source == HW_SRC_SYNTHETIC) {
        rc = hwloc_topology_set_synthetic(h, text);
    } else if (source == HW_SRC_XML) {
        rc = hwloc_topology_set_xml(h, text);
    }
    if (rc != 0) {
        hwloc_topology_destroy(h);
        rl_diag_set(diag, "topology", "%.200s: %s", text,
                    source == HW_SRC_SYNTHETIC ? "not a synthetic description hwloc reads"
                                               : "not an XML topology hwloc reads");
        return RL_ESYNTAX;
    }
    const char *what = source == HW_SRC_THIS ? "this machine" : text;
    return finish(out, diag, h, source, what, sysfs_root);
}

int
hw_topo_load_xml_buffer(struct hw_topo **out, struct rl_diag *diag, const char *xml, size_t len)
{
    hwloc_topology_t h;
    *out = NULL;
    if (len == 0 || len > INT32_MAX) {
        return rl_diag_set(diag, "topology", "an XML topology of %zu bytes", len);
    }
    int vrc = hw_xml_bounds_buffer(diag, xml, len);
    if (vrc == 0) {
        vrc = vet(diag, HW_SRC_XML, NULL, xml, len, "(XML in memory)");
    }
    if (vrc != 0) {
        return vrc;
    }
    if (hwloc_topology_init(&h) != 0) {
        return RL_ENOMEM;
    }
    configure(h);
    if (hwloc_topology_set_xmlbuffer(h, xml, (int)len) != 0) {
        hwloc_topology_destroy(h);
        rl_diag_set(diag, "topology", "not an XML topology hwloc reads");
        return RL_ESYNTAX;
    }
    return finish(out, diag, h, HW_SRC_XML, "(XML in memory)", NULL);
}

void
hw_topo_free(struct hw_topo *t)
{
    if (t == NULL) {
        return;
    }
    if (t->hwloc != NULL) {
        hwloc_topology_destroy((hwloc_topology_t)t->hwloc);
    }
    free(t->packages);
    free(t->nodes);
    free(t->cores);
    free(t->pus);
    free(t);
}

int32_t
hw_topo_pu_find(const struct hw_topo *t, uint32_t cpu)
{
    for (uint32_t i = 0; i < t->n_pus; i++) {
        if (t->pus[i].os == cpu) {
            return (int32_t)i;
        }
    }
    return -1;
}

uint32_t
hw_topo_control_core(const struct hw_topo *t)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < t->n_pus; i++) {
        if (t->pus[i].os < t->pus[best].os) {
            best = i;
        }
    }
    return t->pus[best].core;
}

void
hw_topo_core_cpus(char *out, size_t cap, const struct hw_topo *t, uint32_t c)
{
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t k = 0; k < t->cores[c].n_pus && o < cap; k++) {
        int n = snprintf(out + o, cap - o, "%s%u", k > 0 ? "," : "",
                         t->pus[t->cores[c].first_pu + k].os);
        o += n > 0 ? (size_t)n : 0;
    }
}

const struct hw_nic *
hw_topo_nic_find(const struct hw_topo *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_nics; i++) {
        if ((t->nics[i].name[0] != '\0' && strcmp(t->nics[i].name, name) == 0) ||
            strcmp(t->nics[i].pci, name) == 0) {
            return &t->nics[i];
        }
    }
    return NULL;
}

int
hw_topo_bind_memory(const struct hw_topo *t, int cpu)
{
    hwloc_topology_t h = t->hwloc;
    int flags = HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET;
    if (!t->this_system) {
        return RL_ENOENT;
    }
    if (cpu < 0) {
        return hwloc_set_membind(h, hwloc_topology_get_topology_nodeset(h), HWLOC_MEMBIND_DEFAULT,
                                 flags) == 0
                   ? 0
                   : RL_EIO;
    }
    int32_t pu = hw_topo_pu_find(t, (uint32_t)cpu);
    int32_t node = pu >= 0 ? t->cores[t->pus[pu].core].node : -1;
    if (node < 0) {
        return RL_ENOENT;
    }
    hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, (unsigned)node);
    /* not HWLOC_MEMBIND_STRICT: the node is preferred, and a full node falls
     * back to others instead of failing an allocation */
    return o != NULL && hwloc_set_membind(h, o->nodeset, HWLOC_MEMBIND_BIND, flags) == 0 ? 0
                                                                                         : RL_EIO;
}

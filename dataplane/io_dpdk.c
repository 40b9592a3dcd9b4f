/* SPDX-License-Identifier: Apache-2.0 */
/* The DPDK io_backend: per worker, one tcp_stack per port on that worker's
 * queue pair (tcp_dpdk.h), handles and readiness as io_backend.h defines
 * them, and the idle policy: a poll that may wait spins a little after the
 * last frame, then naps, woken by the port's RX interrupt where it has one
 * (net_tap), by a frame another core handed over, or by dp_worker_wake; on
 * ports without an interrupt the nap grows from 20 us to
 * dpdk.idle_sleep_max_us. Handles: a connection is (port << 24) | its
 * stack handle, a listener IO_LISTENER | slot (one stack listener per
 * port). */
#include "io_dpdk.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "tcp_dpdk.h"
#include "tcp_stack.h"

#define IO_LISTENER 0x80000000u
#define PORT_SHIFT 24
#define CONN_MASK 0x00ffffffu
#define MAX_LISTENERS DP_MAX_LISTEN
#define SPIN_NS 50000u   /* keep polling this long after the last frame before a nap */
#define NAP_MIN_NS 20000 /* the first nap on a port without RX interrupts */
#define EAL_ARGS (DP_DPDK_MAX_EAL + 3 * DP_DPDK_MAX_PORTS + 8)

struct io_dpdk_port {
    struct tcp_dpdk_group *g;
    struct tcp_stack_config cfg; /* every worker's stack on this port */
};

struct io_dpdk_arg {
    struct io_dpdk *d;
    unsigned index;
};

struct io_dpdk {
    unsigned n_workers, n_ports;
    struct io_dpdk_port port[DP_DPDK_MAX_PORTS];
    struct io_dpdk_arg args[DP_MAX_WORKERS];
    uint64_t nap_max_ns;
    bool eal_up;
};

struct dpdk_listener {
    bool used;
    bool on[DP_DPDK_MAX_PORTS];
    uint32_t h[DP_DPDK_MAX_PORTS];
};

struct dpdk_be {
    struct io_backend be; /* first: io_backend pointers convert to dpdk_be */
    struct io_dpdk *d;
    unsigned index;
    struct tcp_dpdk_core *core[DP_DPDK_MAX_PORTS];
    struct tcp_stack *st[DP_DPDK_MAX_PORTS];
    struct dpdk_listener lis[MAX_LISTENERS];
    int evfd;              /* written to wake a nap (dp_worker_wake, a hand-off) */
    int sleeping;          /* atomic: in a nap, so wakers must write evfd */
    int woken;             /* atomic: dp_worker_wake was called */
    bool thread_ready;     /* the worker's thread is set up (first poll) */
    bool can_block;        /* every queue it reads can wake it: nap until the deadline */
    uint64_t last_busy_ns; /* the last poll that moved frames */
    uint64_t nap_ns;       /* the next nap on ports without an interrupt */
};

static struct dpdk_be *
dbe(struct io_backend *be)
{
    return (struct dpdk_be *)(void *)be;
}

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the EAL and the ports ---- */

static bool
is_pci(const char *dev)
{
    /* 0000:81:00.0 or 81:00.0 */
    unsigned dom, bus, slot, fn;
    char end;
    return sscanf(dev, "%4x:%2x:%2x.%1u%c", &dom, &bus, &slot, &fn, &end) == 4 ||
           sscanf(dev, "%2x:%2x.%1u%c", &bus, &slot, &fn, &end) == 3;
}

static bool
has_arg(const struct dp_dpdk *c, const char *const *names)
{
    for (uint32_t i = 0; i < c->n_eal; i++) {
        for (const char *const *n = names; *n != NULL; n++) {
            size_t len = strlen(*n);
            if (strncmp(c->eal[i], *n, len) == 0 &&
                (c->eal[i][len] == '\0' || c->eal[i][len] == '=')) {
                return true;
            }
        }
    }
    return false;
}

/* cpu_list writes the CPUs this thread may run on as "0,1,3". */
static void
cpu_list(char *out, size_t cap, const cpu_set_t *set)
{
    size_t len = 0;
    out[0] = '\0';
    for (int cpu = 0; cpu < CPU_SETSIZE && len + 8 < cap; cpu++) {
        if (CPU_ISSET(cpu, set)) {
            len += (size_t)snprintf(out + len, cap - len, "%s%d", len ? "," : "", cpu);
        }
    }
}

/* An EAL argument vector, in writable storage as rte_eal_init wants it. */
struct eal_argv {
    int argc;
    char *argv[EAL_ARGS + 1];
    char buf[EAL_ARGS][4200];
};

static void add_arg(struct eal_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_arg(struct eal_argv *a, const char *fmt, ...)
{
    if (a->argc >= EAL_ARGS) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(a->buf[a->argc], sizeof(a->buf[0]), fmt, ap);
    va_end(ap);
    a->argv[a->argc] = a->buf[a->argc];
    a->argc++;
    a->argv[a->argc] = NULL;
}

/* eal_init builds the EAL's argument vector and starts it. The main thread
 * keeps the CPUs it had (the EAL pins its main lcore). */
static int
eal_init(struct rl_diag *diag, const struct dp_dpdk *c)
{
    static struct eal_argv a; /* the EAL may keep pointers into it */
    a.argc = 0;
    add_arg(&a, "redlined");
    cpu_set_t mine;
    CPU_ZERO(&mine);
    (void)pthread_getaffinity_np(pthread_self(), sizeof(mine), &mine);
    static const char *const lcore_opts[] = {"-l", "-c", "--lcores", NULL};
    if (!has_arg(c, lcore_opts)) {
        char cpus[4096];
        cpu_list(cpus, sizeof(cpus), &mine);
        /* One lcore, the main one, on every CPU we have: the workers are
         * threads of their own, registered at their first poll. */
        add_arg(&a, "--lcores=0@(%s)", cpus);
    }
    static const char *const nohuge[] = {"--no-huge", NULL};
    static const char *const shared[] = {"--in-memory", "--no-shconf", "--file-prefix", NULL};
    if (!has_arg(c, shared)) {
        /* no files under /var/run/dpdk that a second process would meet */
        add_arg(&a, "%s", has_arg(c, nohuge) ? "--no-shconf" : "--in-memory");
    }
    static const char *const tele[] = {"--no-telemetry", "--telemetry", NULL};
    if (!has_arg(c, tele)) {
        add_arg(&a, "--no-telemetry");
    }
    bool any_pci = false;
    for (uint32_t i = 0; i < c->n_ports; i++) {
        if (is_pci(c->ports[i].device)) {
            add_arg(&a, "-a%s", c->ports[i].device);
            any_pci = true;
        } else {
            add_arg(&a, "--vdev=%s", c->ports[i].device);
        }
    }
    static const char *const pci_opts[] = {"-a", "-b", "--allow", "--block", "--no-pci", NULL};
    if (!any_pci && !has_arg(c, pci_opts)) {
        add_arg(&a, "--no-pci"); /* never probe the machine's own NICs */
    }
    for (uint32_t i = 0; i < c->n_eal; i++) {
        add_arg(&a, "%s", c->eal[i]);
    }
    int rc = rte_eal_init(a.argc, a.argv);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(mine), &mine);
    if (rc < 0) {
        return rl_diag_set(diag, "dpdk.eal", "the EAL did not start: %s", rte_strerror(rte_errno));
    }
    return 0;
}

/* find_port returns the DPDK port of `dev` (a PCI address, or devargs whose
 * name comes before the first comma), or -1. */
static int
find_port(const char *dev)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    size_t n = strcspn(dev, ",");
    if (n >= sizeof(name)) {
        return -1;
    }
    memcpy(name, dev, n);
    name[n] = '\0';
    uint16_t id;
    if (rte_eth_dev_get_port_by_name(name, &id) == 0) {
        return id;
    }
    /* a PCI device may be known by its long form only */
    if (is_pci(name) && strlen(name) < 10) {
        char full[RTE_ETH_NAME_MAX_LEN];
        snprintf(full, sizeof(full), "0000:%.9s", name);
        if (rte_eth_dev_get_port_by_name(full, &id) == 0) {
            return id;
        }
    }
    return -1;
}

static uint32_t
ip_host(const uint8_t ip[4])
{
    return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

int
io_dpdk_start(struct io_dpdk **out, struct rl_diag *diag, const struct dp_boot *boot)
{
    const struct dp_dpdk *c = &boot->dpdk;
    struct io_dpdk *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return RL_ENOMEM;
    }
    d->n_workers = boot->workers;
    d->nap_max_ns = (uint64_t)c->idle_sleep_max_us * 1000u;
    uint8_t secret[16];
    if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
        free(d);
        return rl_diag_set(diag, "dpdk", "cannot get random octets for the TCP secret");
    }
    int rc = eal_init(diag, c);
    if (rc != 0) {
        free(d);
        return RL_EIO;
    }
    d->eal_up = true;
    for (uint32_t i = 0; i < c->n_ports; i++) {
        const struct dp_dpdk_port *p = &c->ports[i];
        char field[32];
        snprintf(field, sizeof(field), "dpdk.ports[%u]", i);
        int id = find_port(p->device);
        if (id < 0) {
            rl_diag_set(diag, field,
                        "no DPDK port for device %s (not probed: a PCI device not bound "
                        "to vfio-pci, or a vdev the EAL refused)",
                        p->device);
            io_dpdk_stop(d);
            return RL_EIO;
        }
        struct rl_diag gd = {{0}, {0}};
        rc = tcp_dpdk_group_new(&d->port[i].g, &gd, (uint16_t)id, (uint16_t)d->n_workers, c->mbufs,
                                boot->idle == DP_IDLE_SLEEP);
        if (rc != 0) {
            rl_diag_set(diag, field, "%s: %s", gd.field, gd.reason);
            io_dpdk_stop(d);
            return rc == RL_ENOMEM ? RL_ENOMEM : RL_EIO;
        }
        d->n_ports = i + 1;
        struct tcp_stack_config *sc = &d->port[i].cfg;
        memset(sc, 0, sizeof(*sc));
        memcpy(sc->mac, p->mac, 6);
        static const uint8_t zero[6] = {0};
        if (memcmp(sc->mac, zero, 6) == 0 &&
            strcmp(tcp_dpdk_group_driver(d->port[i].g), "net_tap") == 0) {
            /* the kernel's side of a tap has the port's MAC: the stack needs
             * its own, locally administered, from its address */
            const uint8_t tap_mac[6] = {0x02, 0x00, p->ip[0], p->ip[1], p->ip[2], p->ip[3]};
            memcpy(sc->mac, tap_mac, 6);
        }
        sc->ip = ip_host(p->ip);
        sc->prefix_len = p->prefix_len;
        sc->gateway = ip_host(p->gateway);
        sc->max_conns = c->max_conns;
        sc->rcvbuf = sc->sndbuf = c->buffer_kb * 1024u;
        sc->syn_backlog = c->syn_backlog;
        memcpy(sc->secret, secret, sizeof(sc->secret));
    }
    explicit_bzero(secret, sizeof(secret));
    for (unsigned i = 0; i < d->n_workers; i++) {
        d->args[i].d = d;
        d->args[i].index = i;
    }
    rc = io_backend_register(&io_dpdk_kind);
    if (rc != 0 && rc != RL_EINVAL) { /* EINVAL: registered by an earlier start (tests) */
        io_dpdk_stop(d);
        return rl_diag_set(diag, "backend", "cannot register the dpdk backend");
    }
    *out = d;
    return 0;
}

const void *
io_dpdk_worker_arg(struct io_dpdk *d, unsigned i)
{
    return i < d->n_workers ? &d->args[i] : NULL;
}

void
io_dpdk_describe(const struct io_dpdk *d, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < d->n_ports && len < cap; i++) {
        const struct io_dpdk_port *p = &d->port[i];
        uint32_t ip = p->cfg.ip;
        uint8_t m[6];
        static const uint8_t zero[6] = {0};
        memcpy(m, p->cfg.mac, 6);
        if (memcmp(m, zero, 6) == 0) {
            tcp_dpdk_group_mac(p->g, m);
        }
        int n = snprintf(out + len, cap - len,
                         "dpdk port %s (%s): %u.%u.%u.%u/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, "
                         "%u queue pair%s, %s, %s, TX checksums %s, TSO %s\n",
                         tcp_dpdk_group_name(p->g), tcp_dpdk_group_driver(p->g), ip >> 24,
                         (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, p->cfg.prefix_len, m[0],
                         m[1], m[2], m[3], m[4], m[5], d->n_workers, d->n_workers == 1 ? "" : "s",
                         tcp_dpdk_group_rss(p->g) ? "RSS" : "software steering",
                         tcp_dpdk_group_rx_intr(p->g) ? "RX interrupts" : "polled",
                         tcp_dpdk_group_tx_csum(p->g) ? "by the port" : "by the stack",
                         tcp_dpdk_group_tso(p->g) ? "on" : "off");
        if (n < 0) {
            break;
        }
        len += (size_t)n;
    }
}

void
io_dpdk_stop(struct io_dpdk *d)
{
    if (d == NULL) {
        return;
    }
    for (unsigned i = 0; i < d->n_ports; i++) {
        tcp_dpdk_group_free(d->port[i].g);
    }
    if (d->eal_up) {
        (void)rte_eal_cleanup();
    }
    free(d);
}

/* ---- the backend ---- */

/* waker is called by another core's poll that handed this one a frame. */
static void
waker(void *ctx)
{
    struct dpdk_be *b = ctx;
    /* a full barrier between the hand-off's ring store and this load, as on
     * the sleeper's side between its flag store and its ring check */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&b->sleeping, __ATOMIC_SEQ_CST)) {
        uint64_t one = 1;
        if (write(b->evfd, &one, sizeof(one)) < 0) {
            /* EAGAIN: a wake is pending anyway */
        }
    }
}

static uint32_t
conn_h(unsigned port, uint32_t h)
{
    return (uint32_t)port << PORT_SHIFT | h;
}

/* split decodes a connection handle; false for a listener or a bad port. */
static bool
split(const struct dpdk_be *b, uint32_t h, unsigned *out_port, uint32_t *out_h)
{
    unsigned p = h >> PORT_SHIFT;
    if ((h & IO_LISTENER) != 0 || p >= b->d->n_ports) {
        return false;
    }
    *out_port = p;
    *out_h = h & CONN_MASK;
    return true;
}

static uint64_t
now_us(void)
{
    return tcp_dpdk_now_us();
}

static int
d_listen(struct io_backend *be, uint32_t *out_h, int *out_detail, const struct io_addr *addr,
         uint64_t cookie)
{
    struct dpdk_be *b = dbe(be);
    if (addr->family != IO_AF_INET4) {
        *out_detail = EAFNOSUPPORT;
        return RL_EIO;
    }
    unsigned slot = 0;
    while (slot < MAX_LISTENERS && b->lis[slot].used) {
        slot++;
    }
    if (slot == MAX_LISTENERS) {
        *out_detail = EMFILE;
        return RL_EIO;
    }
    struct dpdk_listener *l = &b->lis[slot];
    memset(l, 0, sizeof(*l));
    uint32_t ip = ip_host(addr->ip);
    bool any = false;
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        if (ip != 0 && ip != b->d->port[p].cfg.ip) {
            continue;
        }
        int rc = tcp_stack_listen(b->st[p], &l->h[p], addr->port, cookie);
        if (rc != 0) {
            for (unsigned k = 0; k < p; k++) {
                if (l->on[k]) {
                    tcp_stack_close(b->st[k], l->h[k], false, now_us());
                }
            }
            *out_detail = rc == RL_EINVAL ? EADDRINUSE : EMFILE;
            return RL_EIO;
        }
        l->on[p] = true;
        any = true;
    }
    if (!any) {
        *out_detail = EADDRNOTAVAIL;
        return RL_EIO;
    }
    l->used = true;
    *out_h = IO_LISTENER | slot;
    return 0;
}

static struct dpdk_listener *
listener_of(struct dpdk_be *b, uint32_t h)
{
    uint32_t slot = h & ~IO_LISTENER;
    if ((h & IO_LISTENER) == 0 || slot >= MAX_LISTENERS || !b->lis[slot].used) {
        return NULL;
    }
    return &b->lis[slot];
}

static int
d_accept(struct io_backend *be, uint32_t *out_h, struct io_addr *out_peer, uint32_t lh,
         uint64_t cookie)
{
    struct dpdk_be *b = dbe(be);
    struct dpdk_listener *l = listener_of(b, lh);
    if (l == NULL) {
        return RL_EIO;
    }
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        uint32_t h, ip;
        uint16_t port;
        if (!l->on[p] || tcp_stack_accept(b->st[p], &h, &ip, &port, l->h[p], cookie) != 0) {
            continue;
        }
        memset(out_peer, 0, sizeof(*out_peer));
        out_peer->family = IO_AF_INET4;
        out_peer->ip[0] = (uint8_t)(ip >> 24);
        out_peer->ip[1] = (uint8_t)(ip >> 16);
        out_peer->ip[2] = (uint8_t)(ip >> 8);
        out_peer->ip[3] = (uint8_t)ip;
        out_peer->port = port;
        *out_h = conn_h(p, h);
        return 0;
    }
    return RL_EAGAIN;
}

/* route picks the port a destination is reached through: the first whose
 * network holds it, else the first with a gateway, else the first. */
static unsigned
route(const struct io_dpdk *d, uint32_t ip)
{
    for (unsigned p = 0; p < d->n_ports; p++) {
        const struct tcp_stack_config *c = &d->port[p].cfg;
        uint32_t mask = c->prefix_len >= 32 ? UINT32_MAX : ~(UINT32_MAX >> c->prefix_len);
        if ((ip & mask) == (c->ip & mask)) {
            return p;
        }
    }
    for (unsigned p = 0; p < d->n_ports; p++) {
        if (d->port[p].cfg.gateway != 0) {
            return p;
        }
    }
    return 0;
}

static int
d_connect(struct io_backend *be, uint32_t *out_h, const struct io_addr *addr, uint64_t cookie)
{
    struct dpdk_be *b = dbe(be);
    if (addr->family != IO_AF_INET4) {
        return RL_EIO;
    }
    uint32_t ip = ip_host(addr->ip);
    unsigned p = route(b->d, ip);
    uint32_t h;
    if (tcp_stack_connect(b->st[p], &h, ip, addr->port, cookie, now_us()) != 0) {
        return RL_EIO;
    }
    *out_h = conn_h(p, h);
    return 0;
}

static int
d_read(struct io_backend *be, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap)
{
    struct dpdk_be *b = dbe(be);
    unsigned p;
    uint32_t ch;
    *out_n = 0;
    if (!split(b, h, &p, &ch)) {
        return RL_EIO;
    }
    int rc = tcp_stack_read(b->st[p], out_n, ch, buf, cap);
    return rc == 0 || rc == RL_EAGAIN ? rc : RL_EIO;
}

static int
d_write(struct io_backend *be, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len)
{
    struct dpdk_be *b = dbe(be);
    unsigned p;
    uint32_t ch;
    *out_n = 0;
    if (!split(b, h, &p, &ch)) {
        return RL_EIO;
    }
    int rc = tcp_stack_write(b->st[p], out_n, ch, buf, len, now_us());
    return rc == 0 || rc == RL_EAGAIN ? rc : RL_EIO;
}

static void
d_close(struct io_backend *be, uint32_t h)
{
    struct dpdk_be *b = dbe(be);
    struct dpdk_listener *l = listener_of(b, h);
    if (l != NULL) {
        for (unsigned p = 0; p < b->d->n_ports; p++) {
            if (l->on[p]) {
                tcp_stack_close(b->st[p], l->h[p], false, now_us());
            }
        }
        memset(l, 0, sizeof(*l));
        return;
    }
    unsigned p;
    uint32_t ch;
    if (split(b, h, &p, &ch)) {
        tcp_stack_close(b->st[p], ch, false, now_us());
    }
}

/* thread_setup runs on the worker's thread at its first poll: an lcore id
 * for the mempool caches, and SIGIO, by which net_tap learns that frames
 * wait, taken on this thread rather than on one that must not be
 * interrupted (main.c blocks it everywhere else). */
static void
thread_setup(struct dpdk_be *b)
{
    b->thread_ready = true;
    if (rte_lcore_id() == LCORE_ID_ANY) {
        (void)rte_thread_register(); /* without one, the pools work uncached */
    }
    sigset_t io;
    sigemptyset(&io);
    sigaddset(&io, SIGIO);
    (void)pthread_sigmask(SIG_UNBLOCK, &io, NULL);
    if (b->index == 0) {
        for (unsigned p = 0; p < b->d->n_ports; p++) {
            tcp_stack_gratuitous_arp(b->st[p]); /* RFC 5227 3: we are here */
        }
    }
}

/* gather moves the stacks' readiness events to `out`. */
static size_t
gather(struct dpdk_be *b, struct io_event *out, size_t cap)
{
    size_t n = 0;
    _Static_assert(sizeof(struct tcp_event) == sizeof(struct io_event), "one event layout");
    for (unsigned p = 0; p < b->d->n_ports && n < cap; p++) {
        n += tcp_stack_poll(b->st[p], (struct tcp_event *)(void *)(out + n), cap - n);
    }
    return n;
}

/* nap sleeps up to `ns`, woken early by an RX interrupt, a hand-off or a
 * wake; skipped when a hand-off is already waiting. */
static void
nap(struct dpdk_be *b, uint64_t ns)
{
    struct pollfd fds[DP_DPDK_MAX_PORTS + 1];
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = b->evfd, .events = POLLIN};
    __atomic_store_n(&b->sleeping, 1, __ATOMIC_SEQ_CST);
    bool pending = __atomic_load_n(&b->woken, __ATOMIC_SEQ_CST) != 0;
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        pending = pending || tcp_dpdk_core_pending(b->core[p]);
        int fd = tcp_dpdk_core_rx_fd(b->core[p]);
        if (fd >= 0) {
            tcp_dpdk_core_rx_intr(b->core[p], true);
            fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
        }
    }
    if (!pending) {
        struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                              .tv_nsec = (long)(ns % 1000000000u)};
        (void)ppoll(fds, n, &ts, NULL); /* EINTR (SIGIO): as good as a wake */
    }
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        tcp_dpdk_core_rx_intr(b->core[p], false);
    }
    __atomic_store_n(&b->sleeping, 0, __ATOMIC_SEQ_CST);
    if (fds[0].revents & POLLIN) {
        uint64_t v;
        if (read(b->evfd, &v, sizeof(v)) < 0) {
            /* EAGAIN: nothing to reset */
        }
    }
}

static size_t
d_poll(struct io_backend *be, struct io_event *out, size_t cap, int timeout_ms)
{
    struct dpdk_be *b = dbe(be);
    if (!b->thread_ready) {
        thread_setup(b);
    }
    uint64_t start = mono_ns();
    uint64_t deadline = start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
    for (;;) {
        size_t frames = 0;
        uint64_t t_us = now_us();
        for (unsigned p = 0; p < b->d->n_ports; p++) {
            frames += tcp_dpdk_core_poll(b->core[p], t_us);
        }
        size_t n = gather(b, out, cap);
        uint64_t now = mono_ns();
        if (frames > 0) {
            b->last_busy_ns = now;
            b->nap_ns = NAP_MIN_NS;
        }
        if (n > 0 || __atomic_exchange_n(&b->woken, 0, __ATOMIC_SEQ_CST) || now >= deadline) {
            return n;
        }
        if (now - b->last_busy_ns < SPIN_NS) {
            rte_pause();
            continue;
        }
        /* idle: nap until the deadline or the stacks' next timer */
        uint64_t until = deadline;
        for (unsigned p = 0; p < b->d->n_ports; p++) {
            uint64_t next = tcp_stack_next_timer_us(b->st[p]);
            if (next != UINT64_MAX) {
                uint64_t at = now + (next > t_us ? next - t_us : 0) * 1000u;
                until = at < until ? at : until;
            }
        }
        uint64_t ns = until > now ? until - now : 0;
        if (!b->can_block) {
            ns = ns < b->nap_ns ? ns : b->nap_ns;
            b->nap_ns = b->nap_ns * 2 > b->d->nap_max_ns ? b->d->nap_max_ns : b->nap_ns * 2;
        }
        if (ns > 0) {
            nap(b, ns);
        }
    }
}

static void
d_wake(struct io_backend *be)
{
    struct dpdk_be *b = dbe(be);
    __atomic_store_n(&b->woken, 1, __ATOMIC_SEQ_CST);
    uint64_t one = 1;
    if (write(b->evfd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is full, a wake is pending anyway */
    }
}

static void
d_counters(struct io_backend *be, struct io_counters *out)
{
    struct dpdk_be *b = dbe(be);
    out->n_ports = b->d->n_ports;
    unsigned k = 0;
    for (size_t i = 0; i < TCP_STATS_COUNT && k < IO_COUNTERS; i++) {
        out->name[k++] = tcp_stats_name(i);
    }
    for (size_t i = 0; i < TCP_DPDK_STATS_COUNT && k < IO_COUNTERS; i++) {
        out->name[k++] = tcp_dpdk_stats_name(i);
    }
    for (size_t i = 0; i < TCP_DPDK_PORT_STATS_COUNT && k < IO_COUNTERS; i++) {
        out->name[k++] = tcp_dpdk_port_stats_name(i);
    }
    out->n_names = k;
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        out->port[p] = tcp_dpdk_group_name(b->d->port[p].g);
        const struct tcp_stats *s = tcp_stack_stats(b->st[p]);
        const struct tcp_dpdk_stats *g = tcp_dpdk_core_stats(b->core[p]);
        struct tcp_dpdk_port_stats ps;
        tcp_dpdk_core_port_stats(b->core[p], &ps);
        k = 0;
        for (size_t i = 0; i < TCP_STATS_COUNT && k < IO_COUNTERS; i++) {
            out->v[p][k++] = tcp_stats_value(s, i);
        }
        for (size_t i = 0; i < TCP_DPDK_STATS_COUNT && k < IO_COUNTERS; i++) {
            out->v[p][k++] = tcp_dpdk_stats_value(g, i);
        }
        for (size_t i = 0; i < TCP_DPDK_PORT_STATS_COUNT && k < IO_COUNTERS; i++) {
            out->v[p][k++] = tcp_counter_at(&ps, TCP_DPDK_PORT_STATS_COUNT, i);
        }
    }
}

static void
d_free(struct io_backend *be)
{
    if (be == NULL) {
        return;
    }
    struct dpdk_be *b = dbe(be);
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        if (b->core[p] != NULL) {
            tcp_dpdk_group_set_waker(b->d->port[p].g, (uint16_t)b->index, NULL, NULL);
            tcp_dpdk_core_free(b->core[p]); /* its stack, connections and mbufs */
        }
    }
    if (b->evfd >= 0) {
        close(b->evfd);
    }
    free(b);
}

static const struct io_backend_ops dpdk_ops = {
    .name = "dpdk",
    .listen = d_listen,
    .accept = d_accept,
    .connect = d_connect,
    .read = d_read,
    .write = d_write,
    .close = d_close,
    .poll = d_poll,
    .free = d_free,
    .wake = d_wake,
    .counters = d_counters,
};

static int
dpdk_create(struct io_backend **out_be, const void *arg)
{
    const struct io_dpdk_arg *a = arg;
    if (a == NULL || a->d == NULL || a->index >= a->d->n_workers) {
        return RL_EINVAL;
    }
    struct dpdk_be *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return RL_ENOMEM;
    }
    b->be.ops = &dpdk_ops;
    b->d = a->d;
    b->index = a->index;
    b->nap_ns = NAP_MIN_NS;
    b->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->evfd < 0) {
        free(b);
        return RL_EIO;
    }
    b->can_block = true;
    for (unsigned p = 0; p < b->d->n_ports; p++) {
        struct rl_diag diag = {{0}, {0}};
        struct tcp_dpdk_group *g = b->d->port[p].g;
        int rc = tcp_dpdk_core_new(&b->core[p], &diag, g, (uint16_t)b->index, &b->d->port[p].cfg);
        if (rc != 0) {
            d_free(&b->be);
            return rc == RL_ENOMEM ? RL_ENOMEM : RL_EIO;
        }
        b->st[p] = tcp_dpdk_core_stack(b->core[p]);
        tcp_dpdk_group_set_waker(g, (uint16_t)b->index, waker, b);
        /* a core that reads a queue without an interrupt must nap short */
        if (tcp_dpdk_core_reads_queue(b->core[p]) && tcp_dpdk_core_rx_fd(b->core[p]) < 0) {
            b->can_block = false;
        }
    }
    *out_be = &b->be;
    return 0;
}

const struct io_backend_kind io_dpdk_kind = {.name = "dpdk", .create = dpdk_create};

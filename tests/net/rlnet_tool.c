/* SPDX-License-Identifier: Apache-2.0 */
/* rlnet_tool: the user-space stack on real DPDK ports, for tests. EAL
 * arguments first, then `--` and a command:
 *   serve --ip A.B.C.D/N [--gw G] [--cores N] [--seconds S] [--ready FILE]
 *         [--tso on|off] [--sndbuf N]
 *         echo (7), discard (9) and source (19) services until SIGTERM or S
 *         seconds; prints the counters as JSON at the end. TSO is on where
 *         the port offers it (net_tap) unless --tso off
 *   connect --ip A.B.C.D/N --to IP:PORT --bytes N [--conns K] [--wait-file F]
 *         [--tso on|off]
 *         K sequential active opens, each sending N pattern octets to an
 *         echo server, half-closing, and checking the echo byte for byte;
 *         with --wait-file, only once F exists (the peer is configured)
 *   ring-selftest
 *         two stacks in this process over rte_eth_from_rings() (no kernel,
 *         no NIC): 1 MB each way, 1,000 sequential and 200 concurrent
 *         connections, the far side as two software-steered cores
 * Touches only the ports its EAL arguments name; runs as root (EAL). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "tcp_dpdk.h"
#include "tcp_svc.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* parse_onoff sets *out from "on" or "off"; -1 for anything else. */
static int
parse_onoff(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "off")) {
        *out = !strcmp(s, "on");
        return 0;
    }
    return -1;
}

static int
parse_ip(const char *s, uint32_t *ip, uint8_t *plen)
{
    unsigned a, b, c, d, n = 32;
    int k = sscanf(s, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &n);
    if (k < 4 || a > 255 || b > 255 || c > 255 || d > 255 || n > 32) {
        return -1;
    }
    *ip = a << 24 | b << 16 | c << 8 | d;
    if (plen) {
        *plen = (uint8_t)n;
    }
    return 0;
}

/* ---- a client driver: send N octets, half-close, check the echo ---- */

struct client {
    uint32_t h;
    int phase; /* 0 unused, 1 connecting/running, 2 done ok, 3 failed */
    uint64_t total, sent, got;
    bool shut, source; /* source: send the count line, expect `total` back */
};

static void
client_step(struct tcp_stack *st, struct client *c, uint64_t now)
{
    uint8_t buf[8192];
    if (c->phase != 1) {
        return;
    }
    if (c->source && c->sent == 0) {
        char line[32];
        int n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)c->total);
        size_t w = 0;
        if (tcp_stack_write(st, &w, c->h, (const uint8_t *)line, (size_t)n, now) == 0) {
            c->sent = c->total; /* nothing else to send */
        }
    }
    while (!c->source && c->sent < c->total) {
        size_t n = c->total - c->sent < sizeof(buf) ? (size_t)(c->total - c->sent) : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = tcp_svc_pattern(c->sent + i);
        }
        size_t w = 0;
        int rc = tcp_stack_write(st, &w, c->h, buf, n, now);
        if (rc == RL_EAGAIN) {
            break;
        }
        if (rc) {
            c->phase = 3;
            return;
        }
        c->sent += w;
    }
    if (c->sent == c->total && !c->shut && c->sent > 0) {
        tcp_stack_shutdown(st, c->h, now);
        c->shut = true;
    }
    for (;;) {
        size_t r = 0;
        int rc = tcp_stack_read(st, &r, c->h, buf, sizeof(buf));
        if (rc == RL_EAGAIN) {
            return;
        }
        if (rc) {
            c->phase = 3;
            return;
        }
        if (r == 0) {
            c->phase = c->got == c->total ? 2 : 3;
            tcp_stack_close(st, c->h, false, now);
            return;
        }
        for (size_t i = 0; i < r; i++) {
            if (buf[i] != tcp_svc_pattern(c->got + i)) {
                c->phase = 3;
            }
        }
        c->got += r;
    }
}

typedef void (*pump_fn)(void *ctx, uint64_t now);

/* Runs `n` clients, at most `conc` at once, against ip:port from `core`.
 * Returns the number that completed byte-exact. */
static size_t
run_clients(struct tcp_dpdk_core *core, struct client *cl, size_t n, size_t conc, uint32_t ip,
            uint16_t port, pump_fn pump, void *pump_ctx, double max_s)
{
    struct tcp_stack *st = tcp_dpdk_core_stack(core);
    size_t next = 0, active = 0, ok = 0, done = 0;
    uint64_t t0 = tcp_dpdk_now_us();
    while (done < n && !stop) {
        uint64_t now = tcp_dpdk_now_us();
        if ((double)(now - t0) / 1e6 > max_s) {
            break;
        }
        while (active < conc && next < n) {
            struct client *c = &cl[next];
            if (tcp_stack_connect(st, &c->h, ip, port, next, now) != 0) {
                break;
            }
            c->phase = 1;
            next++;
            active++;
        }
        tcp_dpdk_core_poll(core, now);
        if (pump) {
            pump(pump_ctx, now);
        }
        struct tcp_event ev[64];
        size_t k;
        while ((k = tcp_stack_poll(st, ev, 64)) > 0) {
            for (size_t i = 0; i < k; i++) {
                client_step(st, &cl[ev[i].cookie], now);
                if (cl[ev[i].cookie].phase >= 2) {
                    ok += cl[ev[i].cookie].phase == 2;
                    done++;
                    active--;
                    cl[ev[i].cookie].phase += 10; /* counted */
                }
            }
        }
        tcp_dpdk_core_flush(core, now);
    }
    return ok;
}

/* print_stats writes every counter of the core's stack and glue as one
 * JSON line. */
static void
print_stats(const char *who, struct tcp_dpdk_core *core)
{
    const struct tcp_stats *s = tcp_stack_stats(tcp_dpdk_core_stack(core));
    const struct tcp_dpdk_stats *d = tcp_dpdk_core_stats(core);
    printf("{\"who\":\"%s\"", who);
    for (size_t i = 0; i < TCP_STATS_COUNT; i++) {
        printf(",\"%s\":%llu", tcp_stats_name(i), (unsigned long long)tcp_stats_value(s, i));
    }
    for (size_t i = 0; i < TCP_DPDK_STATS_COUNT; i++) {
        printf(",\"%s\":%llu", tcp_dpdk_stats_name(i),
               (unsigned long long)tcp_dpdk_stats_value(d, i));
    }
    printf(",\"conns\":%u}\n", tcp_stack_conn_count(tcp_dpdk_core_stack(core)));
    fflush(stdout);
}

static void
base_config(struct tcp_stack_config *c, uint32_t ip, uint8_t plen)
{
    memset(c, 0, sizeof(*c));
    c->ip = ip;
    c->prefix_len = plen;
    c->max_conns = 8192;
    c->rcvbuf = 65536;
    c->sndbuf = 65536;
    c->time_wait_ms = 2000;
    c->syn_backlog = 1024;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(c->secret, 1, sizeof(c->secret), f) != sizeof(c->secret)) {
            c->secret[0] = 1;
        }
        fclose(f);
    }
}

/* ---- serve ---- */

static int
cmd_serve(int argc, char **argv)
{
    uint32_t ip = 0, gw = 0;
    uint8_t plen = 24;
    unsigned cores = 1, seconds = 0;
    const char *ready = NULL;
    uint8_t mac[6] = {0};
    uint32_t syn_backlog = 1024, sndbuf = 65536;
    bool tso = true;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--ip") && parse_ip(argv[i + 1], &ip, &plen) == 0) {
        } else if (!strcmp(argv[i], "--gw") && parse_ip(argv[i + 1], &gw, NULL) == 0) {
        } else if (!strcmp(argv[i], "--tso") && parse_onoff(argv[i + 1], &tso) == 0) {
        } else if (!strcmp(argv[i], "--sndbuf")) {
            sndbuf = (uint32_t)atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--cores")) {
            cores = (unsigned)atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--mac")) {
            unsigned m[6];
            if (sscanf(argv[i + 1], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
                       &m[5]) != 6) {
                return 2;
            }
            for (int k = 0; k < 6; k++) {
                mac[k] = (uint8_t)m[k];
            }
        } else if (!strcmp(argv[i], "--seconds")) {
            seconds = (unsigned)atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--syn-backlog")) {
            syn_backlog = (uint32_t)atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--ready")) {
            ready = argv[i + 1];
        } else {
            fprintf(stderr, "rlnet_tool serve: bad argument %s\n", argv[i]);
            return 2;
        }
    }
    struct rl_diag d = {{0}, {0}};
    struct tcp_dpdk_group *g;
    if (tcp_dpdk_group_new(&g, &d, 0, (uint16_t)cores, 16383, false) != 0) {
        fprintf(stderr, "rlnet_tool: %s: %s\n", d.field, d.reason);
        return 1;
    }
    tcp_dpdk_group_set_tso(g, tso);
    struct tcp_stack_config cfg;
    base_config(&cfg, ip, plen);
    cfg.sndbuf = sndbuf;
    cfg.gateway = gw;
    memcpy(cfg.mac, mac, 6); /* all zero: the port's own */
    cfg.syn_backlog = syn_backlog;
    struct tcp_dpdk_core *core[8] = {0};
    struct tcp_svc *svc[8] = {0};
    for (unsigned i = 0; i < cores && i < 8; i++) {
        if (tcp_dpdk_core_new(&core[i], &d, g, (uint16_t)i, &cfg) != 0 ||
            tcp_svc_new(&svc[i], tcp_dpdk_core_stack(core[i]), 7, 9, 19) != 0) {
            fprintf(stderr, "rlnet_tool: core %u: %s %s\n", i, d.field, d.reason);
            return 1;
        }
    }
    tcp_stack_gratuitous_arp(tcp_dpdk_core_stack(core[0]));
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f) {
            fputs("ready\n", f);
            fclose(f);
        }
    }
    uint64_t t0 = tcp_dpdk_now_us();
    while (!stop && (!seconds || tcp_dpdk_now_us() - t0 < seconds * 1000000ull)) {
        size_t busy = 0;
        for (unsigned i = 0; i < cores; i++) {
            uint64_t now = tcp_dpdk_now_us();
            busy += tcp_dpdk_core_poll(core[i], now);
            busy += tcp_svc_run(svc[i], now);
            tcp_dpdk_core_flush(core[i], now);
        }
        if (!busy) {
            usleep(50); /* idle: leave the CPU to the kernel peer on small machines */
        }
    }
    for (unsigned i = 0; i < cores; i++) {
        char who[16];
        snprintf(who, sizeof(who), "core%u", i);
        print_stats(who, core[i]);
        tcp_svc_free(svc[i], tcp_dpdk_now_us());
        tcp_dpdk_core_free(core[i]);
    }
    tcp_dpdk_group_free(g);
    return 0;
}

/* ---- connect ---- */

static int
cmd_connect(int argc, char **argv)
{
    uint32_t ip = 0, to = 0;
    uint8_t plen = 24;
    unsigned port = 0, conns = 1;
    unsigned long long bytes = 0;
    uint8_t cmac[6] = {0};
    const char *wait_file = NULL;
    bool tso = true;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--ip") && parse_ip(argv[i + 1], &ip, &plen) == 0) {
        } else if (!strcmp(argv[i], "--tso") && parse_onoff(argv[i + 1], &tso) == 0) {
        } else if (!strcmp(argv[i], "--to")) {
            char host[32];
            if (sscanf(argv[i + 1], "%31[0-9.]:%u", host, &port) != 2 ||
                parse_ip(host, &to, NULL) != 0) {
                return 2;
            }
        } else if (!strcmp(argv[i], "--bytes")) {
            bytes = strtoull(argv[i + 1], NULL, 10);
        } else if (!strcmp(argv[i], "--conns")) {
            conns = (unsigned)atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--wait-file")) {
            wait_file = argv[i + 1];
        } else if (!strcmp(argv[i], "--mac")) {
            unsigned m[6];
            if (sscanf(argv[i + 1], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
                       &m[5]) != 6) {
                return 2;
            }
            for (int k = 0; k < 6; k++) {
                cmac[k] = (uint8_t)m[k];
            }
        } else {
            fprintf(stderr, "rlnet_tool connect: bad argument %s\n", argv[i]);
            return 2;
        }
    }
    struct rl_diag d = {{0}, {0}};
    struct tcp_dpdk_group *g;
    struct tcp_dpdk_core *core;
    struct tcp_stack_config cfg;
    base_config(&cfg, ip, plen);
    memcpy(cfg.mac, cmac, 6);
    if (tcp_dpdk_group_new(&g, &d, 0, 1, 16383, false) != 0) {
        fprintf(stderr, "rlnet_tool: %s: %s\n", d.field, d.reason);
        return 1;
    }
    tcp_dpdk_group_set_tso(g, tso);
    if (tcp_dpdk_core_new(&core, &d, g, 0, &cfg) != 0) {
        fprintf(stderr, "rlnet_tool: %s: %s\n", d.field, d.reason);
        return 1;
    }
    /* Until the peer has its address, its ARP answer and our SYN would be
     * lost (an unanswered neighbour fails an active open after 3 s). */
    uint64_t t0 = tcp_dpdk_now_us();
    while (wait_file && access(wait_file, F_OK) != 0 && !stop) {
        if (tcp_dpdk_now_us() - t0 > 60000000u) {
            fprintf(stderr, "rlnet_tool: %s did not appear\n", wait_file);
            return 1;
        }
        tcp_dpdk_core_poll(core, tcp_dpdk_now_us());
        usleep(1000);
    }
    struct client *cl = calloc(conns, sizeof(*cl));
    for (unsigned i = 0; i < conns; i++) {
        cl[i].total = bytes;
    }
    size_t ok = run_clients(core, cl, conns, 1, to, (uint16_t)port, NULL, NULL, 120);
    printf("{\"connect_ok\":%zu,\"of\":%u}\n", ok, conns);
    print_stats("client", core);
    free(cl);
    tcp_dpdk_core_free(core);
    tcp_dpdk_group_free(g);
    return ok == conns ? 0 : 1;
}

/* ---- ring-selftest ---- */

struct far_side {
    struct tcp_dpdk_core *core[2];
    struct tcp_svc *svc[2];
};

static void
far_pump(void *ctx, uint64_t now)
{
    struct far_side *f = ctx;
    for (int i = 0; i < 2; i++) {
        tcp_dpdk_core_poll(f->core[i], now);
        tcp_svc_run(f->svc[i], now);
        tcp_dpdk_core_flush(f->core[i], now);
    }
}

static int
cmd_ring_selftest(void)
{
    struct rte_ring *ab = rte_ring_create("rl_ab", 4096, 0, 0);
    struct rte_ring *ba = rte_ring_create("rl_ba", 4096, 0, 0);
    if (!ab || !ba) {
        fprintf(stderr, "rlnet_tool: rte_ring_create failed\n");
        return 1;
    }
    struct rte_ring *b_tx[2] = {ba, ba};
    int pa = rte_eth_from_rings("rl_a", &ba, 1, &ab, 1, 0);
    int pb = rte_eth_from_rings("rl_b", &ab, 1, b_tx, 2, 0);
    if (pa < 0 || pb < 0) {
        fprintf(stderr, "rlnet_tool: rte_eth_from_rings failed\n");
        return 1;
    }
    struct rl_diag d = {{0}, {0}};
    struct tcp_dpdk_group *ga, *gb;
    if (tcp_dpdk_group_new(&ga, &d, (uint16_t)pa, 1, 32767, false) != 0 ||
        tcp_dpdk_group_new(&gb, &d, (uint16_t)pb, 2, 32767, false) != 0) {
        fprintf(stderr, "rlnet_tool: %s: %s\n", d.field, d.reason);
        return 1;
    }
    struct tcp_stack_config ca, cb;
    base_config(&ca, 0x0a000001u, 24);
    base_config(&cb, 0x0a000002u, 24);
    uint8_t mac_a[6] = {2, 0, 0, 0, 0xa, 1}, mac_b[6] = {2, 0, 0, 0, 0xb, 2};
    memcpy(ca.mac, mac_a, 6);
    memcpy(cb.mac, mac_b, 6);
    memcpy(cb.secret, ca.secret, sizeof(ca.secret));
    struct tcp_dpdk_core *a;
    struct far_side far = {{0}, {0}};
    if (tcp_dpdk_core_new(&a, &d, ga, 0, &ca) != 0) {
        fprintf(stderr, "rlnet_tool: %s: %s\n", d.field, d.reason);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        if (tcp_dpdk_core_new(&far.core[i], &d, gb, (uint16_t)i, &cb) != 0 ||
            tcp_svc_new(&far.svc[i], tcp_dpdk_core_stack(far.core[i]), 7, 9, 19) != 0) {
            fprintf(stderr, "rlnet_tool: far core %d: %s\n", i, d.reason);
            return 1;
        }
    }
    int fails = 0;
    struct {
        const char *name;
        size_t n, conc;
        uint64_t bytes;
        bool source;
    } steps[] = {
        {"1MB a->b (echo, so back too)", 1, 1, 1u << 20, false},
        {"1MB b->a (source)", 1, 1, 1u << 20, true},
        {"1000 sequential", 1000, 1, 100, false},
        {"200 concurrent", 200, 200, 10000, false},
    };
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        struct client *cl = calloc(steps[s].n, sizeof(*cl));
        for (size_t i = 0; i < steps[s].n; i++) {
            cl[i].total = steps[s].bytes;
            cl[i].source = steps[s].source;
        }
        uint16_t port = steps[s].source ? 19 : 7;
        uint64_t t0 = tcp_dpdk_now_us();
        size_t ok =
            run_clients(a, cl, steps[s].n, steps[s].conc, 0x0a000002u, port, far_pump, &far, 60);
        double secs = (double)(tcp_dpdk_now_us() - t0) / 1e6;
        printf("ring-selftest: %s: %zu/%zu byte-exact in %.2f s\n", steps[s].name, ok, steps[s].n,
               secs);
        fails += ok != steps[s].n;
        free(cl);
    }
    print_stats("a", a);
    print_stats("b0", far.core[0]);
    print_stats("b1", far.core[1]);
    const struct tcp_dpdk_stats *b0 = tcp_dpdk_core_stats(far.core[0]);
    if (b0->handoff_out == 0) {
        printf("ring-selftest: no frame was handed to core 1\n");
        fails++;
    }
    for (int i = 0; i < 2; i++) {
        tcp_svc_free(far.svc[i], tcp_dpdk_now_us());
        tcp_dpdk_core_free(far.core[i]);
    }
    tcp_dpdk_core_free(a);
    tcp_dpdk_group_free(ga);
    tcp_dpdk_group_free(gb);
    printf("%d passed, %d failed\n", 4 - (fails > 4 ? 4 : fails), fails);
    return fails ? 1 : 0;
}

int
main(int argc, char **argv)
{
    struct rl_diag d = {{0}, {0}};
    int sep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            sep = i;
            break;
        }
    }
    if (!sep || sep + 1 >= argc) {
        fprintf(stderr, "usage: rlnet_tool EAL-ARGS -- serve|connect|ring-selftest ...\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (tcp_dpdk_eal_init(&d, sep, argv) != 0) {
        fprintf(stderr, "rlnet_tool: %s\n", d.reason);
        return 1;
    }
    const char *cmd = argv[sep + 1];
    int rc;
    if (!strcmp(cmd, "serve")) {
        rc = cmd_serve(argc - sep - 2, argv + sep + 2);
    } else if (!strcmp(cmd, "connect")) {
        rc = cmd_connect(argc - sep - 2, argv + sep + 2);
    } else if (!strcmp(cmd, "ring-selftest")) {
        rc = cmd_ring_selftest();
    } else {
        fprintf(stderr, "rlnet_tool: unknown command %s\n", cmd);
        rc = 2;
    }
    rte_eal_cleanup();
    return rc;
}

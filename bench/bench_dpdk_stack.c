/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench-dpdk stack`: the user-space TCP stack's own figures, two
 * stacks on a pair of ring ports (rte_eth_from_rings: no kernel, no NIC),
 * each on a thread of its own pinned to its own CPU: the client (this
 * thread) and the server. Two workloads, each timed for --seconds, repeated
 * --runs times:
 *   conns: the client keeps --conns connections opening; each is closed as
 *          soon as it is established (the client closes first, so TIME_WAIT
 *          is its); the server accepts and closes on the client's FIN.
 *   small: --conns connections stream 64-octet writes, one per connection
 *          and loop turn, so each makes one segment; the server reads and
 *          drops them (its ACKs are the stack's delayed ones).
 * Rates are per CPU-second of each thread (CLOCK_THREAD_CPUTIME_ID), so a
 * machine shared with other work inflates the wall time more than the
 * figures; cycles per packet are that CPU time in TSC cycles over the frames
 * the thread's stack received and sent. With two threads a side whose peer
 * was descheduled burns CPU polling an empty ring, so on a busy machine the
 * figures drop; --threads 1 polls both stacks from this one thread (both
 * ends of every connection on one core: each figure is the cost of the two
 * ends together, and nothing spins while the peer is away). Prints one
 * JSON object. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "bench_dpdk.h"
#include "internal.h"
#include "tcp_dpdk.h"
#include "tcp_stack.h"

#define MAX_CONNS 4096
#define PORT 9
#define SMALL 64

enum phase { PH_IDLE = 0, PH_RUN, PH_DONE };

struct side {
    struct tcp_dpdk_group *g;
    struct tcp_dpdk_core *core;
    struct tcp_stack *st;
    int cpu;
    double cpu_s;                 /* thread CPU seconds of the last run */
    uint64_t frames;              /* frames its stack received and sent in the last run */
    uint64_t rx_frames, rx_bytes; /* of them received, and their octets */
    uint64_t done;                /* connections completed (client) or closed (server) */
    uint64_t errors;
};

struct bench {
    struct side cli, srv;
    bool one_thread; /* both stacks polled by the client's thread */
    unsigned conns;
    double seconds;
    unsigned runs;
    int workload; /* 0 conns, 1 small */
    int phase;    /* atomic: enum phase */
    uint32_t listener;
    uint32_t h[MAX_CONNS];
    bool up[MAX_CONNS], open[MAX_CONNS];
};

static double
thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
frames_of(const struct tcp_stack *st)
{
    const struct tcp_stats *s = tcp_stack_stats(st);
    return s->rx_frames + s->tx_frames;
}

static int
pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- the server thread ---- */

static void
server_turn(struct bench *b, uint8_t *buf, size_t cap)
{
    struct tcp_stack *st = b->srv.st;
    uint64_t now = tcp_dpdk_now_us();
    tcp_dpdk_core_poll(b->srv.core, now);
    struct tcp_event ev[256];
    size_t n;
    while ((n = tcp_stack_poll(st, ev, 256)) > 0) {
        for (size_t k = 0; k < n; k++) {
            if (ev[k].cookie == UINT64_MAX) {
                uint32_t h, ip;
                uint16_t port;
                while (tcp_stack_accept(st, &h, &ip, &port, b->listener, 0) == 0) {
                    (void)tcp_stack_set_cookie(st, h, h); /* its events carry its handle */
                }
                continue;
            }
            uint32_t h = (uint32_t)ev[k].cookie;
            for (;;) {
                size_t r = 0;
                int rc = tcp_stack_read(st, &r, h, buf, cap);
                if (rc == RL_EAGAIN) {
                    break;
                }
                if (rc != 0 || r == 0) {
                    tcp_stack_close(st, h, rc != 0, now);
                    b->srv.done++;
                    break;
                }
            }
        }
    }
    tcp_dpdk_core_flush(b->srv.core, now);
}

static uint8_t srv_buf[65536];

static void *
server_main(void *arg)
{
    struct bench *b = arg;
    (void)pin(b->srv.cpu);
    (void)rte_thread_register();
    uint8_t *buf = srv_buf;
    int seen = PH_IDLE;
    double c0 = 0;
    uint64_t f0 = 0, rx0 = 0, rb0 = 0;
    for (;;) {
        int ph = __atomic_load_n(&b->phase, __ATOMIC_ACQUIRE);
        if (ph != seen) {
            if (ph == PH_RUN) {
                c0 = thread_cpu();
                f0 = frames_of(b->srv.st);
                rx0 = tcp_stack_stats(b->srv.st)->rx_frames;
                rb0 = tcp_stack_stats(b->srv.st)->rx_bytes;
                b->srv.done = 0;
            } else if (ph == PH_DONE) {
                b->srv.cpu_s = thread_cpu() - c0;
                b->srv.frames = frames_of(b->srv.st) - f0;
                b->srv.rx_frames = tcp_stack_stats(b->srv.st)->rx_frames - rx0;
                b->srv.rx_bytes = tcp_stack_stats(b->srv.st)->rx_bytes - rb0;
                __atomic_store_n(&b->phase, PH_IDLE, __ATOMIC_RELEASE);
                ph = PH_IDLE;
            } else if (ph < 0) {
                return NULL;
            }
            seen = ph;
        }
        server_turn(b, buf, sizeof(srv_buf));
    }
}

/* ---- the client (this thread) ---- */

static void
client_open(struct bench *b, unsigned i, uint64_t now)
{
    b->up[i] = false;
    b->open[i] = tcp_stack_connect(b->cli.st, &b->h[i], 0x0a000002u, PORT, i, now) == 0;
}

static void
client_turn(struct bench *b, bool counting)
{
    static const uint8_t small[SMALL] = {0};
    struct tcp_stack *st = b->cli.st;
    uint64_t now = tcp_dpdk_now_us();
    tcp_dpdk_core_poll(b->cli.core, now);
    struct tcp_event ev[256];
    size_t n;
    while ((n = tcp_stack_poll(st, ev, 256)) > 0) {
        for (size_t k = 0; k < n; k++) {
            unsigned i = (unsigned)ev[k].cookie;
            if (i >= b->conns || !b->open[i]) {
                continue;
            }
            if (ev[k].flags & TCP_EV_HANGUP) {
                uint8_t x;
                size_t r;
                if (tcp_stack_read(st, &r, b->h[i], &x, 1) == RL_EIO) {
                    b->cli.errors += counting;
                    tcp_stack_close(st, b->h[i], true, now);
                    b->open[i] = false;
                    continue;
                }
            }
            if ((ev[k].flags & TCP_EV_WRITABLE) && !b->up[i]) {
                b->up[i] = true;
                if (b->workload == 0) {
                    tcp_stack_close(st, b->h[i], false, now); /* FIN: opened and closed */
                    b->open[i] = false;
                    b->cli.done += counting;
                }
            }
        }
    }
    for (unsigned i = 0; i < b->conns; i++) {
        if (!b->open[i]) {
            client_open(b, i, now);
        } else if (b->workload == 1 && b->up[i]) {
            size_t w = 0;
            if (tcp_stack_write(st, &w, b->h[i], small, SMALL, now) == 0) {
                b->cli.done += counting; /* a 64-octet segment at this turn's flush */
            }
        }
    }
    tcp_dpdk_core_flush(b->cli.core, now);
}

/* turn runs one loop turn of the client and, with one thread, the server. */
static void
turn(struct bench *b, bool counting)
{
    client_turn(b, counting);
    if (b->one_thread) {
        server_turn(b, srv_buf, sizeof(srv_buf));
    }
}

/* one_run runs the workload for the given seconds and fills both sides'
 * figures (with one thread both get this thread's CPU time). */
static void
one_run(struct bench *b)
{
    /* warm up: connections open, pools filled */
    uint64_t t = rte_get_tsc_cycles() + rte_get_tsc_hz() / 5;
    while (rte_get_tsc_cycles() < t) {
        turn(b, false);
    }
    b->cli.done = b->cli.errors = 0;
    double c0 = thread_cpu();
    uint64_t f0 = frames_of(b->cli.st);
    const struct tcp_stats *ss = tcp_stack_stats(b->srv.st);
    uint64_t sf0 = frames_of(b->srv.st), srx0 = ss->rx_frames, srb0 = ss->rx_bytes;
    if (b->one_thread) {
        b->srv.done = 0;
    } else {
        __atomic_store_n(&b->phase, PH_RUN, __ATOMIC_RELEASE);
    }
    t = rte_get_tsc_cycles() + (uint64_t)(b->seconds * (double)rte_get_tsc_hz());
    while (rte_get_tsc_cycles() < t) {
        turn(b, true);
    }
    b->cli.cpu_s = thread_cpu() - c0;
    b->cli.frames = frames_of(b->cli.st) - f0;
    if (b->one_thread) {
        b->srv.cpu_s = b->cli.cpu_s;
        b->srv.frames = frames_of(b->srv.st) - sf0;
        b->srv.rx_frames = ss->rx_frames - srx0;
        b->srv.rx_bytes = ss->rx_bytes - srb0;
        return;
    }
    __atomic_store_n(&b->phase, PH_DONE, __ATOMIC_RELEASE);
    while (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) != PH_IDLE) {
        client_turn(b, false);
    }
}

static int
make_side(struct side *s, struct rl_diag *d, int port, uint32_t ip, uint8_t last, bool client)
{
    int rc = tcp_dpdk_group_new(&s->g, d, (uint16_t)port, 1, 65535, false);
    if (rc != 0) {
        return rc;
    }
    struct tcp_stack_config c;
    memset(&c, 0, sizeof(c));
    c.ip = ip;
    c.prefix_len = 24;
    uint8_t mac[6] = {2, 0, 0, 0, 0, last};
    memcpy(c.mac, mac, 6);
    /* fewer objects than ephemeral ports: the oldest TIME_WAIT is recycled
     * before the ports run out (the client closes first) */
    c.max_conns = client ? 16384 : 8192;
    c.rcvbuf = 65536;
    c.sndbuf = 16384;
    c.syn_backlog = 8192;
    c.accept_backlog = 8192;
    for (int i = 0; i < 16; i++) {
        c.secret[i] = (uint8_t)(i * 13 + 5);
    }
    return tcp_dpdk_core_new(&s->core, d, s->g, 0, &c);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_runs(FILE *f, const char *name, const double *v, unsigned n)
{
    fprintf(f, "\"%s\":[", name);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s%.1f", i ? "," : "", v[i]);
    }
    fprintf(f, "]");
}

int
bench_dpdk_stack_main(int argc, char **argv)
{
    static struct bench b;
    b.conns = 64;
    b.seconds = 2;
    b.runs = 5;
    b.srv.cpu = 1;
    b.cli.cpu = 0;
    const char *json = NULL;
    int sep = argc;
    for (int i = 1; i < argc; i += 2) { /* each option takes a value */
        uint64_t n;
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
        bool ok = v != NULL;
        if (ok && strcmp(argv[i], "--conns") == 0) {
            ok = bench_arg_u64(v, 1, MAX_CONNS, &n);
            b.conns = (unsigned)n;
        } else if (ok && strcmp(argv[i], "--seconds") == 0) {
            ok = bench_arg_double(v, 0.1, 600, &b.seconds);
        } else if (ok && strcmp(argv[i], "--runs") == 0) {
            ok = bench_arg_u64(v, 1, 50, &n);
            b.runs = (unsigned)n;
        } else if (ok && strcmp(argv[i], "--threads") == 0) {
            ok = bench_arg_u64(v, 1, 2, &n);
            b.one_thread = n == 1;
        } else if (ok && strcmp(argv[i], "--cpus") == 0) {
            ok = sscanf(v, "%d,%d", &b.cli.cpu, &b.srv.cpu) == 2;
        } else if (ok && strcmp(argv[i], "--json") == 0) {
            json = v;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "usage: redline-bench-dpdk stack [--conns N (64)] [--seconds S (2)] "
                            "[--runs R (5)] [--threads 1|2 (2)] [--cpus CLIENT,SERVER (0,1)] "
                            "[--json FILE] -- "
                            "EAL-ARGUMENTS\n");
            return 2;
        }
    }
    char *eal[64];
    int n_eal = 0;
    eal[n_eal++] = argv[0];
    for (int i = sep + 1; i < argc && n_eal < 63; i++) {
        eal[n_eal++] = argv[i];
    }
    eal[n_eal] = NULL;
    struct rl_diag d = {{0}, {0}};
    if (tcp_dpdk_eal_init(&d, n_eal, eal) != 0) {
        fprintf(stderr, "redline-bench-dpdk stack: %s\n", d.reason);
        return 1;
    }
    struct rte_ring *ab = rte_ring_create("rlb_ab", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    struct rte_ring *ba = rte_ring_create("rlb_ba", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    int pa = ab && ba ? rte_eth_from_rings("rlb_a", &ba, 1, &ab, 1, 0) : -1;
    int pb = ab && ba ? rte_eth_from_rings("rlb_b", &ab, 1, &ba, 1, 0) : -1;
    if (pa < 0 || pb < 0 || make_side(&b.cli, &d, pa, 0x0a000001u, 1, true) != 0 ||
        make_side(&b.srv, &d, pb, 0x0a000002u, 2, false) != 0) {
        fprintf(stderr, "redline-bench-dpdk stack: ring ports: %s %s\n", d.field, d.reason);
        return 1;
    }
    b.cli.st = tcp_dpdk_core_stack(b.cli.core);
    b.srv.st = tcp_dpdk_core_stack(b.srv.core);
    uint8_t srv_mac[6] = {2, 0, 0, 0, 0, 2}, cli_mac[6] = {2, 0, 0, 0, 0, 1};
    tcp_stack_arp_add(b.cli.st, 0x0a000002u, srv_mac);
    tcp_stack_arp_add(b.srv.st, 0x0a000001u, cli_mac);
    if (tcp_stack_listen(b.srv.st, &b.listener, PORT, UINT64_MAX) != 0 || pin(b.cli.cpu) != 0) {
        fprintf(stderr, "redline-bench-dpdk stack: listen or pin failed\n");
        return 1;
    }
    pthread_t th;
    if (!b.one_thread && pthread_create(&th, NULL, server_main, &b) != 0) {
        return 1;
    }
    /* the series, one value per run; with one thread the two ends share
     * the CPU time, so the client's and the server's figures are one */
    enum { S_WALL, S_CONN_CLI, S_CONN_SRV, S_CYC_CLI, S_CYC_SRV, S_SEG, S_OCTETS, S_N };
    static const char *const names[2][S_N] = {
        {"conns_per_s_wall", "conns_per_cpu_s_client", "conns_per_cpu_s_server",
         "small_cycles_per_packet_client", "small_cycles_per_packet_server",
         "small_segments_per_cpu_s_client", "small_server_rx_octets_per_frame"},
        {"conns_per_s_wall", "conns_per_cpu_s_both_ends", NULL, "small_cycles_per_packet_both",
         NULL, "small_segments_per_cpu_s_both_ends", "small_server_rx_octets_per_frame"}};
    static double v[S_N][50];
    uint64_t tw0 = tcp_stack_stats(b.cli.st)->tw_recycled, errors = 0;
    double hz = (double)rte_get_tsc_hz();
    for (unsigned r = 0; r < b.runs; r++) {
        b.workload = 0;
        one_run(&b);
        /* a connection is opened and closed on both cores: each core's rate */
        v[S_WALL][r] = (double)b.cli.done / b.seconds;
        v[S_CONN_CLI][r] = (double)b.cli.done / b.cli.cpu_s;
        v[S_CONN_SRV][r] = (double)b.srv.done / b.srv.cpu_s;
        errors += b.cli.errors;
        b.workload = 1;
        one_run(&b);
        v[S_SEG][r] = (double)b.cli.done / b.cli.cpu_s;
        uint64_t cf = b.cli.frames, sf = b.srv.frames;
        if (b.one_thread) {
            cf += sf; /* one CPU time over the frames of both stacks */
        }
        v[S_CYC_CLI][r] = b.cli.cpu_s * hz / (double)(cf ? cf : 1);
        v[S_CYC_SRV][r] = b.srv.cpu_s * hz / (double)(sf ? sf : 1);
        v[S_OCTETS][r] = (double)b.srv.rx_bytes / (double)(b.srv.rx_frames ? b.srv.rx_frames : 1);
        /* back to opening and closing: drop the streams */
        for (unsigned i = 0; i < b.conns; i++) {
            if (b.open[i]) {
                tcp_stack_close(b.cli.st, b.h[i], true, tcp_dpdk_now_us());
                b.open[i] = false;
            }
        }
    }
    if (!b.one_thread) {
        __atomic_store_n(&b.phase, -1, __ATOMIC_RELEASE);
        pthread_join(th, NULL);
    }
    const char *const *nm = names[b.one_thread];
    double med[S_N];
    for (int k = 0; k < S_N; k++) {
        double sorted[50];
        memcpy(sorted, v[k], b.runs * sizeof(double));
        med[k] = median(sorted, b.runs);
    }
    FILE *outs[2] = {stdout, json != NULL ? fopen(json, "w") : NULL};
    for (int o = 0; o < 2; o++) {
        FILE *f = outs[o];
        if (f == NULL) {
            continue;
        }
        fprintf(f,
                "{\"benchmark\":\"dpdk-stack\",\"threads\":%d,\"conns\":%u,\"seconds\":%.2f,"
                "\"runs\":%u",
                b.one_thread ? 1 : 2, b.conns, b.seconds, b.runs);
        for (int k = 0; k < S_N; k++) {
            if (nm[k] != NULL) {
                fprintf(f, ",");
                print_runs(f, nm[k], v[k], b.runs);
            }
        }
        fprintf(f, ",\"median\":{");
        for (int k = 0, first = 1; k < S_N; k++) {
            if (nm[k] != NULL) {
                fprintf(f, "%s\"%s\":%.0f", first ? "" : ",", nm[k], med[k]);
                first = 0;
            }
        }
        fprintf(f, "},\"connection_errors\":%llu,\"time_wait_recycled\":%llu,\"tsc_hz\":%.0f}\n",
                (unsigned long long)errors,
                (unsigned long long)(tcp_stack_stats(b.cli.st)->tw_recycled - tw0), hz);
        if (o == 1) {
            fclose(f);
        }
    }
    rte_eal_cleanup();
    return 0;
}

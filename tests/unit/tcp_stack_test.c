/* SPDX-License-Identifier: Apache-2.0 */
/* dataplane/net without EAL: two stack instances on a simulated link
 * (net_link.h) with a virtual clock. Handshakes, byte-exact transfers with
 * and without loss/reordering/duplication/delay, half-close, resets, SYN
 * cookies, zero windows, keep-alive, TIME_WAIT reuse and old SYNs, ARP, ICMP, and frames
 * that must be counted and dropped. Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net_link.h"
#include "tcp_hash.h"
#include "tcp_timer.h"
#include "tcp_wire.h"

#define PORT 7

static uint8_t
pattern(size_t i)
{
    return (uint8_t)((i * 31u + 7u) % 251u);
}

static void
drain_events(struct net_link *l)
{
    struct tcp_event ev[64];
    for (int i = 0; i < 2; i++) {
        while (tcp_stack_poll(l->st[i], ev, 64) > 0) {
        }
    }
}

/* Runs until `cond` holds or `max_ms` of virtual time passed. */
#define RUN_UNTIL(l, cond, max_ms)                                                                 \
    do {                                                                                           \
        for (uint64_t t_ = 0; t_ < (max_ms) && !(cond); t_++) {                                    \
            link_step((l), 1000);                                                                  \
        }                                                                                          \
    } while (0)

static int
try_accept(struct net_link *l, uint32_t lh, uint32_t *out_h)
{
    uint32_t ip;
    uint16_t port;
    return tcp_stack_accept(l->st[1], out_h, &ip, &port, lh, 99);
}

/* Reorders hb[] so that hb[i] is the far end of ha[i]. */
static void
pair_up(struct net_link *l, const uint32_t *ha, uint32_t *hb, int n)
{
    uint32_t *sorted = calloc((size_t)n, sizeof(*sorted));
    for (int i = 0; i < n; i++) {
        uint32_t lip, rip;
        uint16_t lport, rport;
        assert_int_equal(tcp_stack_conn_addr(l->st[0], ha[i], &lip, &lport, &rip, &rport), 0);
        for (int j = 0; j < n; j++) {
            uint32_t lip2, rip2;
            uint16_t lport2, rport2;
            assert_int_equal(tcp_stack_conn_addr(l->st[1], hb[j], &lip2, &lport2, &rip2, &rport2),
                             0);
            if (rport2 == lport) {
                sorted[i] = hb[j];
            }
        }
    }
    memcpy(hb, sorted, (size_t)n * sizeof(*hb));
    free(sorted);
}

/* Opens a connection a -> b:PORT; returns 0 with both handles. */
static int
open_pair(struct net_link *l, uint32_t lh, uint32_t *ha, uint32_t *hb)
{
    if (tcp_stack_connect(l->st[0], ha, 0x0a000002u, PORT, 1, l->now_us) != 0) {
        return -1;
    }
    int rc = RL_EAGAIN;
    for (int t = 0; t < 20000 && rc == RL_EAGAIN; t++) {
        link_step(l, 1000);
        rc = try_accept(l, lh, hb);
    }
    return rc;
}

struct xfer {
    size_t total, wrote, got;
    bool bad;
};

static void
pump(struct net_link *l, int from, uint32_t hf, uint32_t ht, struct xfer *x)
{
    uint8_t buf[8192];
    while (x->wrote < x->total) {
        size_t n = x->total - x->wrote < sizeof(buf) ? x->total - x->wrote : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = pattern(x->wrote + i);
        }
        size_t w = 0;
        if (tcp_stack_write(l->st[from], &w, hf, buf, n, l->now_us) != 0) {
            break;
        }
        x->wrote += w;
    }
    for (;;) {
        size_t r = 0;
        if (tcp_stack_read(l->st[!from], &r, ht, buf, sizeof(buf)) != 0 || r == 0) {
            break;
        }
        for (size_t i = 0; i < r; i++) {
            if (buf[i] != pattern(x->got + i)) {
                x->bad = true;
            }
        }
        x->got += r;
    }
}

/* Sends `total` octets from side `from` and checks them byte for byte. */
static void
transfer(struct net_link *l, int from, uint32_t hf, uint32_t ht, size_t total, uint64_t max_ms)
{
    struct xfer x = {.total = total};
    for (uint64_t t = 0; t < max_ms && x.got < total; t++) {
        pump(l, from, hf, ht, &x);
        link_step(l, 1000);
        drain_events(l);
    }
    pump(l, from, hf, ht, &x);
    assert_false(x.bad);
    assert_int_equal(x.got, total);
}

static void
setup_link(struct net_link *l, uint32_t *lh)
{
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    assert_int_equal(link_init(l, cfg, 1), 0);
    assert_int_equal(tcp_stack_listen(l->st[1], lh, PORT, 42), 0);
}

static struct net_link *
new_link(void)
{
    struct net_link *l = calloc(1, sizeof(*l));
    assert_non_null(l);
    return l;
}

static void
test_handshake_and_echo(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh, ha, hb;
    setup_link(l, &lh);
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    /* the listener reported the connection, the client its completion */
    size_t w;
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, (const uint8_t *)"hello", 5, l->now_us), 0);
    assert_int_equal(w, 5);
    uint8_t buf[16];
    size_t r = 0;
    RUN_UNTIL(l, tcp_stack_read(l->st[1], &r, hb, buf, sizeof(buf)) == 0, 1000);
    assert_int_equal(r, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(tcp_stack_write(l->st[1], &w, hb, buf, r, l->now_us), 0);
    r = 0;
    RUN_UNTIL(l, tcp_stack_read(l->st[0], &r, ha, buf, sizeof(buf)) == 0, 1000);
    assert_int_equal(r, 5);
    const struct tcp_stats *s0 = tcp_stack_stats(l->st[0]);
    assert_int_equal(s0->opened_active, 1);
    assert_int_equal(tcp_stack_stats(l->st[1])->opened_passive, 1);
    /* ARP resolved the peer before the SYN */
    assert_int_equal(s0->arp_requests_tx, 1);
    assert_int_equal(tcp_stack_stats(l->st[1])->arp_replies_tx, 1);
    link_fini(l);
    free(l);
}

static void
test_megabyte_both_ways(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh, ha, hb;
    setup_link(l, &lh);
    l->imp[0].delay_us = l->imp[1].delay_us = 500;
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    transfer(l, 0, ha, hb, 1 << 20, 20000);
    transfer(l, 1, hb, ha, 1 << 20, 20000);
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_retransmits, 0);
    assert_int_equal(l->oversize, 0);
    link_fini(l);
    free(l);
}

static void
test_impaired_link(void **state)
{
    (void)state;
    /* netem loss 5%, reorder 10%, duplicate 1%, delay 20 ms, each way */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct net_link *l = new_link();
        struct tcp_stack_config cfg[2];
        link_config(&cfg[0], 0);
        link_config(&cfg[1], 1);
        assert_int_equal(link_init(l, cfg, seed * 7919), 0);
        uint32_t lh, ha, hb;
        assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
        for (int i = 0; i < 2; i++) {
            l->imp[i] = (struct link_impair){.loss_ppm = 50000,
                                             .reorder_ppm = 100000,
                                             .dup_ppm = 10000,
                                             .delay_us = 20000,
                                             .reorder_extra_us = 3000};
        }
        assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
        transfer(l, 0, ha, hb, 256 << 10, 600000);
        transfer(l, 1, hb, ha, 256 << 10, 600000);
        const struct tcp_stats *s = tcp_stack_stats(l->st[0]);
        assert_true(s->tcp_retransmits > 0);
        assert_true(tcp_stack_stats(l->st[1])->tcp_ooo > 0);
        link_fini(l);
        free(l);
    }
}

/* TSO: both stacks hand the link super-segments of up to 64 KB, which it
 * cuts as a NIC would (net_link.h link_tx_tso). */
static struct net_link *
tso_link(uint32_t *lh, uint32_t tso_max, uint16_t segs_max, uint64_t seed)
{
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    for (int i = 0; i < 2; i++) {
        link_config(&cfg[i], i);
        cfg[i].tso_max = tso_max;
        cfg[i].tso_segs_max = segs_max;
        cfg[i].sndbuf = 256 << 10;
        cfg[i].rcvbuf = 256 << 10;
    }
    assert_int_equal(link_init(l, cfg, seed), 0);
    assert_int_equal(tcp_stack_listen(l->st[1], lh, PORT, 42), 0);
    return l;
}

/* every super-segment the stacks counted reached the port whole and was
 * cut into the segments they counted; none was off the contract */
static void
assert_tso_used(const struct net_link *l)
{
    const struct tcp_stats *s0 = tcp_stack_stats(l->st[0]), *s1 = tcp_stack_stats(l->st[1]);
    assert_true(s0->tx_tso_frames > 0);
    assert_true(s1->tx_tso_frames > 0);
    assert_true(s0->tx_tso_segs > s0->tx_tso_frames);
    assert_int_equal(l->tso_bad, 0);
    assert_int_equal(l->tso_frames, s0->tx_tso_frames + s1->tx_tso_frames);
    assert_int_equal(l->tso_segs, s0->tx_tso_segs + s1->tx_tso_segs);
    assert_int_equal(l->oversize, 0);
}

static void
test_tso_megabyte_both_ways(void **state)
{
    (void)state;
    uint32_t lh, ha, hb;
    struct net_link *l = tso_link(&lh, 65536, 0, 0);
    l->imp[0].delay_us = l->imp[1].delay_us = 500;
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    transfer(l, 0, ha, hb, 1 << 20, 20000);
    transfer(l, 1, hb, ha, 1 << 20, 20000);
    assert_tso_used(l);
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_retransmits, 0);
    /* super-segments of many segments, not pairs */
    const struct tcp_stats *s0 = tcp_stack_stats(l->st[0]);
    assert_true(s0->tx_tso_segs >= 8 * s0->tx_tso_frames);
    link_fini(l);
    free(l);
}

/* tso_segs_max (net_tap cuts at most 64 segments from a frame): a small
 * MSS fills no super-segment past the cap, and the cap holds whole ones. */
static void
test_tso_segs_max(void **state)
{
    (void)state;
    uint32_t lh, ha, hb;
    struct net_link *l = tso_link(&lh, 65536, 6, 0);
    l->imp[0].delay_us = l->imp[1].delay_us = 500;
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    transfer(l, 0, ha, hb, 256 << 10, 20000);
    transfer(l, 1, hb, ha, 256 << 10, 20000);
    assert_tso_used(l);
    for (int i = 0; i < 2; i++) {
        const struct tcp_stats *s = tcp_stack_stats(l->st[i]);
        assert_true(s->tx_tso_segs <= 6 * s->tx_tso_frames);
        assert_true(s->tx_tso_segs > 4 * s->tx_tso_frames); /* mostly full ones */
    }
    link_fini(l);
    free(l);
}

/* Loss, reordering, duplication and delay with TSO: retransmissions (RTO,
 * fast retransmit, NewReno partial ACKs) go at MSS granularity while new
 * data leaves in super-segments; every transfer still byte-exact. */
static void
test_tso_impaired_link(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        uint32_t lh, ha, hb;
        struct net_link *l = tso_link(&lh, 65536, 0, seed * 104729);
        for (int i = 0; i < 2; i++) {
            l->imp[i] = (struct link_impair){.loss_ppm = 20000,
                                             .reorder_ppm = 50000,
                                             .dup_ppm = 10000,
                                             .delay_us = 5000,
                                             .reorder_extra_us = 2000};
        }
        assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
        transfer(l, 0, ha, hb, 512 << 10, 600000);
        transfer(l, 1, hb, ha, 512 << 10, 600000);
        assert_tso_used(l);
        const struct tcp_stats *s0 = tcp_stack_stats(l->st[0]);
        assert_true(s0->tcp_retransmits > 0);
        assert_true(s0->tcp_fast_retransmits + s0->tcp_rto > 0);
        assert_true(tcp_stack_stats(l->st[1])->tcp_ooo > 0);
        link_fini(l);
        free(l);
    }
}

struct wire_log {
    uint64_t *h;
    size_t n, cap;
};

static void
wire_record(void *ctx, int from, const uint8_t *f, size_t len)
{
    struct wire_log *w = ctx;
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)from;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ f[i]) * 1099511628211ULL;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1024;
        w->h = realloc(w->h, w->cap * sizeof(*w->h));
        assert_non_null(w->h);
    }
    w->h[w->n++] = h;
}

/* The segments a port cuts from the super-segments are, octet for octet
 * (sequence numbers, flags, IPv4 IDs, timestamps, checksums), the frames
 * the stack sends without TSO: the sequence-space bookkeeping is the same. */
static void
test_tso_same_segments(void **state)
{
    (void)state;
    struct wire_log w[2] = {{0}, {0}};
    for (int run = 0; run < 2; run++) {
        uint32_t lh, ha, hb;
        struct net_link *l = tso_link(&lh, run ? 65536 : 0, 0, 0);
        l->imp[0].delay_us = l->imp[1].delay_us = 2000;
        l->tap = wire_record;
        l->tap_ctx = &w[run];
        assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
        transfer(l, 0, ha, hb, 300000, 20000);
        tcp_stack_close(l->st[0], ha, false, l->now_us);
        tcp_stack_close(l->st[1], hb, false, l->now_us);
        link_step(l, 100000);
        assert_int_equal(tcp_stack_stats(l->st[0])->tx_tso_frames > 0, run == 1);
        link_fini(l);
        free(l);
    }
    assert_true(w[0].n > 200);
    assert_int_equal(w[0].n, w[1].n);
    assert_memory_equal(w[0].h, w[1].h, w[0].n * sizeof(uint64_t));
    free(w[0].h);
    free(w[1].h);
}

static void
test_half_close(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh, ha, hb;
    setup_link(l, &lh);
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    size_t w, r = 99;
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, (const uint8_t *)"QUIT\r\n", 6, l->now_us),
                     0);
    assert_int_equal(tcp_stack_shutdown(l->st[0], ha, l->now_us), 0);
    /* writes after shutdown fail */
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, (const uint8_t *)"x", 1, l->now_us), RL_EIO);
    uint8_t buf[64];
    size_t got = 0;
    for (int t = 0; t < 1000; t++) {
        link_step(l, 1000);
        int rc = tcp_stack_read(l->st[1], &r, hb, buf + got, sizeof(buf) - got);
        if (rc == 0 && r == 0) {
            break; /* end of stream after the data */
        }
        if (rc == 0) {
            got += r;
        }
    }
    assert_int_equal(got, 6);
    assert_int_equal(r, 0);
    /* the other direction still works */
    assert_int_equal(
        tcp_stack_write(l->st[1], &w, hb, (const uint8_t *)"221 bye\r\n", 9, l->now_us), 0);
    tcp_stack_close(l->st[1], hb, false, l->now_us);
    r = 0;
    got = 0;
    for (int t = 0; t < 1000; t++) {
        link_step(l, 1000);
        int rc = tcp_stack_read(l->st[0], &r, ha, buf + got, sizeof(buf) - got);
        if (rc == 0 && r == 0) {
            break;
        }
        if (rc == 0) {
            got += r;
        }
    }
    assert_int_equal(got, 9);
    assert_memory_equal(buf, "221 bye\r\n", 9);
    tcp_stack_close(l->st[0], ha, false, l->now_us);
    link_step(l, 10000);
    /* a closed first: it holds TIME_WAIT, b is gone */
    assert_int_equal(tcp_stack_conn_count(l->st[1]), 0);
    assert_int_equal(tcp_stack_conn_count(l->st[0]), 1);
    link_step(l, 3000 * 1000);
    assert_int_equal(tcp_stack_conn_count(l->st[0]), 0);
    assert_int_equal(l->end[0].bufs_out, 0);
    assert_int_equal(l->end[1].bufs_out, 0);
    link_fini(l);
    free(l);
}

static void
test_connect_refused_and_abort(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh, ha, hb;
    setup_link(l, &lh);
    assert_int_equal(tcp_stack_connect(l->st[0], &ha, 0x0a000002u, 9, 5, l->now_us), 0);
    struct tcp_event ev[4];
    size_t n = 0;
    for (int t = 0; t < 100 && n == 0; t++) {
        link_step(l, 1000);
        n = tcp_stack_poll(l->st[0], ev, 4);
    }
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].cookie, 5);
    assert_true(ev[0].flags & TCP_EV_HANGUP);
    uint8_t buf[4];
    size_t r;
    assert_int_equal(tcp_stack_read(l->st[0], &r, ha, buf, 4), RL_EIO);
    tcp_stack_close(l->st[0], ha, false, l->now_us);
    assert_int_equal(tcp_stack_stats(l->st[1])->tcp_rst_tx, 1);

    /* an abort resets the peer, who reads RL_EIO */
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    tcp_stack_close(l->st[0], ha, true, l->now_us);
    int rc = RL_EAGAIN;
    for (int t = 0; t < 100 && rc == RL_EAGAIN; t++) {
        link_step(l, 1000);
        rc = tcp_stack_read(l->st[1], &r, hb, buf, 4);
    }
    assert_int_equal(rc, RL_EIO);
    tcp_stack_close(l->st[1], hb, false, l->now_us);
    link_step(l, 1000);
    assert_int_equal(tcp_stack_conn_count(l->st[0]), 0);
    assert_int_equal(tcp_stack_conn_count(l->st[1]), 0);
    /* bad handles */
    assert_int_equal(tcp_stack_read(l->st[1], &r, hb, buf, 4), RL_EINVAL);
    assert_int_equal(tcp_stack_read(l->st[1], &r, 1u << 30, buf, 4), RL_EINVAL);
    assert_int_equal(tcp_stack_accept(l->st[1], &hb, &lh, &(uint16_t){0}, 3, 0), RL_EINVAL);
    assert_int_equal(tcp_stack_listen(l->st[1], &hb, PORT, 0), RL_EINVAL);
    assert_int_equal(tcp_stack_listen(l->st[1], &hb, 0, 0), RL_EINVAL);
    link_fini(l);
    free(l);
}

static void
test_many_sequential(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].time_wait_ms = 60000;
    assert_int_equal(link_init(l, cfg, 11), 0);
    uint32_t lh, ha, hb;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    /* 1,000 connections through a pool of 512: TIME_WAIT is recycled */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
        size_t w;
        assert_int_equal(
            tcp_stack_write(l->st[1], &w, hb, (const uint8_t *)"220\r\n", 5, l->now_us), 0);
        tcp_stack_close(l->st[1], hb, false, l->now_us);
        uint8_t buf[8];
        size_t r = 1, got = 0;
        for (int t = 0; t < 2000; t++) {
            link_step(l, 1000);
            int rc = tcp_stack_read(l->st[0], &r, ha, buf + got, sizeof(buf) - got);
            if (rc == 0 && r == 0) {
                break;
            }
            if (rc == 0) {
                got += r;
            }
        }
        assert_int_equal(got, 5);
        tcp_stack_close(l->st[0], ha, false, l->now_us);
        link_step(l, 1000);
        drain_events(l);
    }
    assert_true(tcp_stack_stats(l->st[1])->tw_recycled > 0);
    assert_int_equal(tcp_stack_stats(l->st[1])->opened_passive, 1000);
    link_fini(l);
    free(l);
}

static void
test_concurrent(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh;
    setup_link(l, &lh);
    enum { N = 200 };
    static uint32_t ha[N], hb[N];
    static struct xfer x[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(
            tcp_stack_connect(l->st[0], &ha[i], 0x0a000002u, PORT, (uint64_t)i, l->now_us), 0);
    }
    int accepted = 0;
    for (int t = 0; t < 2000 && accepted < N; t++) {
        link_step(l, 1000);
        while (accepted < N && try_accept(l, lh, &hb[accepted]) == 0) {
            accepted++;
        }
    }
    assert_int_equal(accepted, N);
    pair_up(l, ha, hb, N);
    for (int i = 0; i < N; i++) {
        x[i] = (struct xfer){.total = 20000};
    }
    for (int t = 0; t < 20000; t++) {
        bool done = true;
        for (int i = 0; i < N; i++) {
            pump(l, 0, ha[i], hb[i], &x[i]);
            done = done && x[i].got == x[i].total;
        }
        if (done) {
            break;
        }
        link_step(l, 1000);
        drain_events(l);
    }
    for (int i = 0; i < N; i++) {
        assert_false(x[i].bad);
        assert_int_equal(x[i].got, x[i].total);
    }
    link_fini(l);
    free(l);
}

static void
test_syn_cookies(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].syn_backlog = 1; /* every second SYN in flight gets a cookie */
    assert_int_equal(link_init(l, cfg, 3), 0);
    uint32_t lh;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    uint32_t ha[8], hb[8];
    for (int i = 0; i < 8; i++) {
        assert_int_equal(
            tcp_stack_connect(l->st[0], &ha[i], 0x0a000002u, PORT, (uint64_t)i, l->now_us), 0);
    }
    int accepted = 0;
    for (int t = 0; t < 3000 && accepted < 8; t++) {
        link_step(l, 1000);
        while (accepted < 8 && try_accept(l, lh, &hb[accepted]) == 0) {
            accepted++;
        }
    }
    assert_int_equal(accepted, 8);
    const struct tcp_stats *s = tcp_stack_stats(l->st[1]);
    assert_true(s->syn_cookies_sent > 0);
    assert_int_equal(s->syn_cookies_ok, s->syn_cookies_sent);
    /* connections made from cookies carry data both ways, window scaled */
    pair_up(l, ha, hb, 8);
    for (int i = 0; i < 8; i++) {
        transfer(l, 0, ha[i], hb[i], 200000, 10000);
    }
    link_fini(l);
    free(l);
}

/* A forged ACK with a wrong cookie makes no connection, and no RST while
 * cookies are in use (it may be a later segment of a cookie connection). */
static void
test_syn_cookie_forged(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].syn_backlog = 1;
    assert_int_equal(link_init(l, cfg, 3), 0);
    uint32_t lh, h0, h1;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    /* a half-open entry plus a SYN that gets a cookie turn cookies on */
    assert_int_equal(tcp_stack_connect(l->st[0], &h0, 0x0a000002u, PORT, 0, l->now_us), 0);
    assert_int_equal(tcp_stack_connect(l->st[0], &h1, 0x0a000002u, PORT, 1, l->now_us), 0);
    for (int t = 0; t < 50; t++) {
        link_step(l, 1000);
    }
    uint8_t f[54] = {0};
    uint8_t a_mac[6] = {2, 0, 0, 0, 0, 1}, b_mac[6] = {2, 0, 0, 0, 0, 2};
    tcp_wire_eth_hdr(f, b_mac, a_mac, TCP_ETHERTYPE_IPV4);
    tcp_wire_ip_hdr(f + 14, 0x0a000001u, 0x0a000002u, 6, 40, 1, 64);
    uint8_t *t = f + 34;
    tcp_wr16(t, 40000);
    tcp_wr16(t + 2, PORT);
    tcp_wr32(t + 4, 1000);
    tcp_wr32(t + 8, 0x12345678);
    t[12] = 5 << 4;
    t[13] = TCP_ACK;
    tcp_wr16(t + 14, 1000);
    tcp_wr16(t + 16,
             tcp_wire_fold(tcp_wire_sum(tcp_wire_pseudo(0x0a000001u, 0x0a000002u, 20), t, 20)));
    uint32_t before = tcp_stack_conn_count(l->st[1]);
    uint64_t rst = tcp_stack_stats(l->st[1])->tcp_rst_tx;
    tcp_stack_input(l->st[1], f, sizeof(f), false, l->now_us);
    assert_int_equal(tcp_stack_conn_count(l->st[1]), before);
    assert_int_equal(tcp_stack_stats(l->st[1])->syn_cookies_bad, 1);
    assert_int_equal(tcp_stack_stats(l->st[1])->tcp_rst_tx, rst);
    link_fini(l);
    free(l);
}

/* What a cookie test drops or delays: frames of the connection from local
 * port `port` of side 0. */
struct cookie_filter {
    uint16_t first;   /* the port of the first SYN: its half-open entry fills the backlog */
    uint16_t port;    /* the port of the second: answered with a cookie */
    int c2s_dropped;  /* client segments without SYN dropped so far */
    int c2s_drop;     /* how many to drop: the ACK and the first data */
    int synacks;      /* SYN-ACKs seen toward the client */
    bool delay_first; /* delay the first SYN-ACK 1.5 s, drop the others */
};

static bool
cookie_filter(void *ctx, int from, const uint8_t *f, size_t len, uint64_t *delay_us)
{
    struct cookie_filter *cf = ctx;
    if (len < 54 || tcp_rd16(f + 12) != TCP_ETHERTYPE_IPV4 || f[23] != 6) {
        return false;
    }
    const uint8_t *t = f + 14 + (size_t)(f[14] & 0xf) * 4;
    uint8_t flags = t[13];
    if (from == 0 && flags == TCP_SYN) {
        if (cf->first == 0) {
            cf->first = tcp_rd16(t);
        } else if (cf->port == 0 && tcp_rd16(t) != cf->first) {
            cf->port = tcp_rd16(t);
        }
        return false;
    }
    if (cf->port == 0) {
        return false;
    }
    if (from == 0 && tcp_rd16(t) == cf->port && !(flags & TCP_SYN)) {
        return cf->c2s_dropped < cf->c2s_drop && ++cf->c2s_dropped > 0;
    }
    if (from == 1 && tcp_rd16(t + 2) == cf->port && (flags & TCP_SYN) && cf->delay_first) {
        if (cf->synacks++ == 0) {
            *delay_us = 1500000;
            return false;
        }
        return true;
    }
    return false;
}

/* Opens two connections against a backlog of 1: the one whose SYN comes
 * second (its handle in *h1, its port in cf->port) gets a cookie. */
static void
cookie_setup(struct net_link *l, struct cookie_filter *cf, uint32_t *lh, uint32_t *h1)
{
    uint32_t h[2];
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].syn_backlog = 1;
    assert_int_equal(link_init(l, cfg, 3), 0);
    assert_int_equal(tcp_stack_listen(l->st[1], lh, PORT, 42), 0);
    l->filter = cookie_filter;
    l->filter_ctx = cf;
    assert_int_equal(tcp_stack_connect(l->st[0], &h[0], 0x0a000002u, PORT, 0, l->now_us), 0);
    assert_int_equal(tcp_stack_connect(l->st[0], &h[1], 0x0a000002u, PORT, 1, l->now_us), 0);
    RUN_UNTIL(l, cf->port != 0, 200); /* ARP, then both SYNs */
    assert_int_not_equal(cf->port, 0);
    for (int i = 0; i < 2; i++) {
        uint32_t lip, rip;
        uint16_t lport, rport;
        assert_int_equal(tcp_stack_conn_addr(l->st[0], h[i], &lip, &lport, &rip, &rport), 0);
        if (lport == cf->port) {
            *h1 = h[i];
        }
    }
}

/* Accepts connections until the one from `port` arrives; reads it to its
 * end into `got`. Returns the octets read. */
static size_t
cookie_read_all(struct net_link *l, uint32_t lh, uint16_t port, uint8_t *got, size_t cap)
{
    uint32_t hb = UINT32_MAX;
    size_t n = 0;
    for (int t = 0; t < 10000; t++) {
        link_step(l, 1000);
        drain_events(l);
        uint32_t h, ip;
        uint16_t p;
        while (hb == UINT32_MAX && tcp_stack_accept(l->st[1], &h, &ip, &p, lh, 7) == 0) {
            hb = p == port ? h : hb;
        }
        size_t r = 0;
        int rc = hb == UINT32_MAX ? RL_EAGAIN : tcp_stack_read(l->st[1], &r, hb, got + n, cap - n);
        if (rc == 0 && r == 0) {
            return n;
        }
        n += rc == 0 ? r : 0;
        assert_true(rc == 0 || rc == RL_EAGAIN);
    }
    fail_msg("no end of stream from port %u", port);
    return n;
}

/* The ACK completing a cookie handshake and the first data are lost; the
 * FIN comes first. No RST: the client's retransmission from ISN + 1 makes
 * the connection, and every octet arrives. */
static void
test_syn_cookie_first_segments_lost(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct cookie_filter cf = {.c2s_drop = 2};
    uint32_t lh, h1;
    cookie_setup(l, &cf, &lh, &h1);
    RUN_UNTIL(l, cf.c2s_dropped == 1, 100); /* the handshake's ACK */
    assert_int_equal(tcp_stack_stats(l->st[1])->syn_cookies_sent, 1);
    assert_int_equal(cf.c2s_dropped, 1);
    uint8_t data[1000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = pattern(i);
    }
    size_t w = 0;
    assert_int_equal(tcp_stack_write(l->st[0], &w, h1, data, sizeof(data), l->now_us), 0);
    link_step(l, 1000); /* the data segment, dropped */
    assert_int_equal(cf.c2s_dropped, 2);
    assert_int_equal(tcp_stack_shutdown(l->st[0], h1, l->now_us), 0);
    uint8_t got[2000];
    assert_int_equal(cookie_read_all(l, lh, cf.port, got, sizeof(got)), sizeof(data));
    assert_memory_equal(got, data, sizeof(data));
    const struct tcp_stats *s = tcp_stack_stats(l->st[1]);
    assert_true(s->syn_cookies_bad >= 1); /* the FIN, before the retransmission */
    assert_int_equal(s->syn_cookies_ok, 1);
    assert_int_equal(s->tcp_rst_tx, 0);
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_rst_rx, 0);
    link_fini(l);
    free(l);
}

/* The cookie SYN-ACK is late; the client's retransmitted SYN meets a free
 * backlog and makes a half-open entry with another ISN (its SYN-ACK is
 * lost). The client answers the cookie: the cookie's connection replaces
 * the half-open one instead of a RST. */
static void
test_syn_cookie_half_open_race(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct cookie_filter cf = {.delay_first = true};
    uint32_t lh, h1;
    cookie_setup(l, &cf, &lh, &h1);
    uint8_t data[3000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = pattern(i);
    }
    /* the client writes once connected */
    bool wrote = false;
    for (int t = 0; t < 5000 && !wrote; t++) {
        link_step(l, 1000);
        size_t w = 0;
        wrote = tcp_stack_write(l->st[0], &w, h1, data, sizeof(data), l->now_us) == 0;
        assert_true(!wrote || w == sizeof(data));
    }
    assert_true(wrote);
    assert_int_equal(tcp_stack_shutdown(l->st[0], h1, l->now_us), 0);
    uint8_t got[4000];
    assert_int_equal(cookie_read_all(l, lh, cf.port, got, sizeof(got)), sizeof(data));
    assert_memory_equal(got, data, sizeof(data));
    const struct tcp_stats *s = tcp_stack_stats(l->st[1]);
    assert_true(cf.synacks >= 2); /* the cookie, then the half-open entry's */
    assert_int_equal(s->syn_cookies_ok, 1);
    assert_int_equal(s->tcp_rst_tx, 0);
    link_fini(l);
    free(l);
}

static void
test_zero_window(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].rcvbuf = 8192;
    cfg[0].sndbuf = 65536;
    assert_int_equal(link_init(l, cfg, 5), 0);
    uint32_t lh, ha, hb;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    static uint8_t buf[65536];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = pattern(i);
    }
    size_t w = 0;
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, buf, sizeof(buf), l->now_us), 0);
    assert_int_equal(w, sizeof(buf));
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, buf, 1, l->now_us), RL_EAGAIN);
    /* nobody reads for 20 s: the window closes and a probes */
    for (int t = 0; t < 20000; t++) {
        link_step(l, 1000);
    }
    drain_events(l);
    assert_true(tcp_stack_stats(l->st[0])->tcp_zero_window_probes >= 3);
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_timeouts, 0);
    /* reading reopens the window; everything arrives in order */
    struct xfer x = {.total = sizeof(buf), .wrote = sizeof(buf)};
    for (int t = 0; t < 5000 && x.got < x.total; t++) {
        pump(l, 0, ha, hb, &x);
        link_step(l, 1000);
    }
    assert_false(x.bad);
    assert_int_equal(x.got, sizeof(buf));
    link_fini(l);
    free(l);
}

/* A zero window, then the peer vanishes: the unanswered probes end the
 * connection (found by fuzz_tcp_stack: a released connection held its send
 * queue forever behind a window that never opened). */
static void
test_zero_window_peer_gone(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].rcvbuf = 8192;
    cfg[0].max_retries = 4;
    cfg[0].max_rto_ms = 2000;
    assert_int_equal(link_init(l, cfg, 6), 0);
    uint32_t lh, ha, hb;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    static uint8_t buf[32768];
    size_t w = 0;
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, buf, sizeof(buf), l->now_us), 0);
    /* nobody reads: the window closes; answered probes keep it open */
    for (int t = 0; t < 10000; t++) {
        link_step(l, 1000);
    }
    const struct tcp_stats *s0 = tcp_stack_stats(l->st[0]);
    assert_true(s0->tcp_zero_window_probes >= 3);
    assert_int_equal(s0->tcp_timeouts, 0);
    tcp_stack_close(l->st[0], ha, false, l->now_us);
    l->cut = true;
    for (int t = 0; t < 30000 && tcp_stack_conn_count(l->st[0]) > 0; t++) {
        link_step(l, 1000);
    }
    assert_int_equal(s0->tcp_timeouts, 1);
    assert_int_equal(tcp_stack_conn_count(l->st[0]), 0);
    assert_int_equal(l->end[0].bufs_out, 0);
    link_fini(l);
    free(l);
}

static void
test_keepalive_and_rto_timeout(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    struct tcp_stack_config cfg[2];
    link_config(&cfg[0], 0);
    link_config(&cfg[1], 1);
    cfg[1].keepalive_ms = 2000;
    cfg[1].keepalive_intvl_ms = 500;
    cfg[1].keepalive_probes = 3;
    cfg[0].max_retries = 4;
    cfg[0].max_rto_ms = 2000;
    assert_int_equal(link_init(l, cfg, 9), 0);
    uint32_t lh, ha, hb;
    assert_int_equal(tcp_stack_listen(l->st[1], &lh, PORT, 42), 0);
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    /* idle but alive: probes are answered */
    for (int t = 0; t < 5000; t++) {
        link_step(l, 1000);
    }
    assert_true(tcp_stack_stats(l->st[1])->tcp_keepalives >= 1);
    uint8_t b[4];
    size_t r;
    assert_int_equal(tcp_stack_read(l->st[1], &r, hb, b, 4), RL_EAGAIN);
    /* the link dies: keep-alive gives up on b, retransmission on a */
    l->cut = true;
    size_t w;
    assert_int_equal(tcp_stack_write(l->st[0], &w, ha, (const uint8_t *)"data", 4, l->now_us), 0);
    for (int t = 0; t < 30000; t++) {
        link_step(l, 1000);
    }
    assert_int_equal(tcp_stack_read(l->st[1], &r, hb, b, 4), RL_EIO);
    assert_int_equal(tcp_stack_read(l->st[0], &r, ha, b, 4), RL_EIO);
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_rto, 4);
    assert_true(tcp_stack_stats(l->st[0])->tcp_timeouts >= 1);
    link_fini(l);
    free(l);
}

/* ---- single frames ---- */

/* The ISN of the first SYN side 0 sends. */
struct syn_seen {
    uint32_t isn;
    bool seen;
};

static void
syn_tap(void *ctx, int from, const uint8_t *f, size_t len)
{
    struct syn_seen *y = ctx;
    if (from == 0 && !y->seen && len >= 54 && tcp_rd16(f + 12) == TCP_ETHERTYPE_IPV4 &&
        f[23] == 6 && f[14 + (size_t)(f[14] & 0xf) * 4 + 13] == TCP_SYN) {
        y->isn = tcp_rd32(f + 14 + (size_t)(f[14] & 0xf) * 4 + 4);
        y->seen = true;
    }
}

/* A SYN that may not reopen a TIME_WAIT pair (an older sequence number, no
 * timestamp: a client that restarted and reuses its port) is answered with
 * an ACK, which the client, having no such connection, resets; TIME_WAIT
 * ignores the RST (RFC 1337) and is not prolonged by the SYNs, so the pair
 * frees at its 2MSL while they keep coming. Before, every such SYN restarted
 * the timer: a client retrying every few hundred ms was locked out. */
static void
test_time_wait_old_syn(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh, ha, hb;
    setup_link(l, &lh); /* time_wait_ms 2000 */
    struct syn_seen y = {0};
    l->tap = syn_tap;
    l->tap_ctx = &y;
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    assert_true(y.seen);
    uint32_t lip, rip;
    uint16_t lport, rport;
    assert_int_equal(tcp_stack_conn_addr(l->st[0], ha, &lip, &lport, &rip, &rport), 0);
    /* b closes first and so holds TIME_WAIT */
    tcp_stack_close(l->st[1], hb, false, l->now_us);
    uint8_t buf[16];
    size_t r = 1;
    int rc = RL_EAGAIN;
    for (int t = 0; t < 1000 && !(rc == 0 && r == 0); t++) {
        link_step(l, 1000);
        rc = tcp_stack_read(l->st[0], &r, ha, buf, sizeof(buf));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(r, 0);
    tcp_stack_close(l->st[0], ha, false, l->now_us);
    RUN_UNTIL(l, tcp_stack_conn_count(l->st[0]) == 0, 100);
    assert_int_equal(tcp_stack_conn_count(l->st[0]), 0);
    assert_int_equal(tcp_stack_conn_count(l->st[1]), 1);
    uint64_t tw_start_us = l->now_us;
    uint64_t oow = tcp_stack_stats(l->st[1])->tcp_out_of_window;
    uint64_t rst = tcp_stack_stats(l->st[0])->tcp_rst_tx;
    uint8_t f[54] = {0};
    uint8_t a_mac[6] = {2, 0, 0, 0, 0, 1}, b_mac[6] = {2, 0, 0, 0, 0, 2};
    tcp_wire_eth_hdr(f, b_mac, a_mac, TCP_ETHERTYPE_IPV4);
    tcp_wire_ip_hdr(f + 14, 0x0a000001u, 0x0a000002u, 6, 40, 1, 64);
    uint8_t *t = f + 34;
    tcp_wr16(t, lport);
    tcp_wr16(t + 2, PORT);
    tcp_wr32(t + 4, y.isn - 100000u); /* before the old connection's ISN */
    t[12] = 5 << 4;
    t[13] = TCP_SYN;
    tcp_wr16(t + 14, 65535);
    tcp_wr16(t + 16,
             tcp_wire_fold(tcp_wire_sum(tcp_wire_pseudo(0x0a000001u, 0x0a000002u, 20), t, 20)));
    for (int k = 0; k < 4; k++) { /* at 0.4, 0.8, 1.2 and 1.6 s of the 2 s */
        for (int ms = 0; ms < 400; ms++) {
            link_step(l, 1000);
        }
        tcp_stack_input(l->st[1], f, sizeof(f), false, l->now_us);
        link_step(l, 1000);
        assert_int_equal(tcp_stack_conn_count(l->st[1]), 1); /* not reopened */
    }
    assert_int_equal(tcp_stack_stats(l->st[1])->tcp_out_of_window - oow, 4);
    while (l->now_us < tw_start_us + 2100000) {
        link_step(l, 1000);
    }
    assert_int_equal(tcp_stack_stats(l->st[0])->tcp_rst_tx - rst, 4); /* b's ACKs, reset */
    assert_int_equal(tcp_stack_conn_count(l->st[1]), 0);
    /* the pair is free: the client's next SYN (a new connection) is taken */
    assert_int_equal(open_pair(l, lh, &ha, &hb), 0);
    link_fini(l);
    free(l);
}

struct capture {
    uint8_t f[2048];
    size_t len;
    int n;
};

static void
cap_tap(void *ctx, int from, const uint8_t *f, size_t len)
{
    struct capture *c = ctx;
    if (from == 1 && len <= sizeof(c->f)) {
        memcpy(c->f, f, len);
        c->len = len;
        c->n++;
    }
}

static void
test_arp_and_icmp(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh;
    setup_link(l, &lh);
    struct capture cap = {0};
    l->tap = cap_tap;
    l->tap_ctx = &cap;
    uint8_t peer[6] = {2, 0, 0, 0, 0, 9}, bmac[6] = {2, 0, 0, 0, 0, 2};
    uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t f[98] = {0};
    /* ARP who-has 10.0.0.2 tell 10.0.0.9 */
    tcp_wire_eth_hdr(f, bc, peer, TCP_ETHERTYPE_ARP);
    uint8_t *a = f + 14;
    tcp_wr16(a, 1);
    tcp_wr16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    tcp_wr16(a + 6, 1);
    memcpy(a + 8, peer, 6);
    tcp_wr32(a + 14, 0x0a000009u);
    tcp_wr32(a + 24, 0x0a000002u);
    tcp_stack_input(l->st[1], f, 60, false, l->now_us);
    assert_int_equal(cap.n, 1);
    assert_int_equal(tcp_rd16(cap.f + 12), TCP_ETHERTYPE_ARP);
    assert_int_equal(tcp_rd16(cap.f + 14 + 6), 2);
    assert_memory_equal(cap.f + 14 + 8, bmac, 6);
    assert_memory_equal(cap.f, peer, 6);
    /* ARP for someone else: no answer, learned nothing */
    tcp_wr32(a + 24, 0x0a000077u);
    tcp_stack_input(l->st[1], f, 60, false, l->now_us);
    assert_int_equal(cap.n, 1);
    /* a malformed ARP (hlen 5) is counted */
    a[4] = 5;
    tcp_stack_input(l->st[1], f, 60, false, l->now_us);
    assert_int_equal(tcp_stack_stats(l->st[1])->arp_bad, 1);

    /* ICMP echo with 56 octets of data */
    memset(f, 0, sizeof(f));
    tcp_wire_eth_hdr(f, bmac, peer, TCP_ETHERTYPE_IPV4);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 1, 84, 7, 64);
    uint8_t *ic = f + 34;
    ic[0] = 8;
    tcp_wr16(ic + 4, 0x1234);
    tcp_wr16(ic + 6, 1);
    for (int i = 0; i < 56; i++) {
        ic[8 + i] = (uint8_t)i;
    }
    tcp_wr16(ic + 2, tcp_wire_fold(tcp_wire_sum(0, ic, 64)));
    tcp_stack_input(l->st[1], f, 98, false, l->now_us);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.len, 98);
    assert_int_equal(cap.f[34], 0); /* echo reply */
    assert_int_equal(tcp_wire_fold(tcp_wire_sum(0, cap.f + 34, 64)), 0);
    assert_int_equal(tcp_wire_fold(tcp_wire_sum(0, cap.f + 14, 20)), 0);
    assert_memory_equal(cap.f + 42, ic + 8, 56);
    assert_int_equal(tcp_rd32(cap.f + 14 + 16), 0x0a000009u);
    /* a corrupted echo is counted, not answered */
    ic[10] ^= 1;
    tcp_stack_input(l->st[1], f, 98, false, l->now_us);
    assert_int_equal(cap.n, 2);
    assert_int_equal(tcp_stack_stats(l->st[1])->icmp_bad, 1);
    link_fini(l);
    free(l);
}

static void
test_bad_frames_counted(void **state)
{
    (void)state;
    struct net_link *l = new_link();
    uint32_t lh;
    setup_link(l, &lh);
    struct tcp_stack *st = l->st[1];
    const struct tcp_stats *s = tcp_stack_stats(st);
    uint8_t bmac[6] = {2, 0, 0, 0, 0, 2}, peer[6] = {2, 0, 0, 0, 0, 9};
    uint8_t f[64] = {0};
    tcp_stack_input(st, f, 10, false, l->now_us);
    assert_int_equal(s->rx_short, 1);
    tcp_wire_eth_hdr(f, peer, peer, TCP_ETHERTYPE_IPV4); /* not our MAC */
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->rx_not_ours, 1);
    tcp_wire_eth_hdr(f, bmac, peer, 0x86dd); /* IPv6 */
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->rx_ethertype, 1);
    /* IPv4: bad version, short, bad checksum, fragment, not ours, UDP */
    tcp_wire_eth_hdr(f, bmac, peer, TCP_ETHERTYPE_IPV4);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 6, 40, 1, 64);
    f[14] = 0x65;
    tcp_stack_input(st, f, 60, false, l->now_us);
    tcp_stack_input(st, f, 20, false, l->now_us);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 6, 40, 1, 64);
    f[14 + 10] ^= 0xff;
    tcp_stack_input(st, f, 60, false, l->now_us);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 6, 200, 1, 64); /* longer than frame */
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->ip_bad, 4);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 6, 40, 1, 64);
    tcp_wr16(f + 14 + 6, 0x2000); /* more fragments */
    tcp_wr16(f + 14 + 10, 0);
    tcp_wr16(f + 14 + 10, tcp_wire_fold(tcp_wire_sum(0, f + 14, 20)));
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->ip_fragments, 1);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000003u, 6, 40, 1, 64);
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->ip_not_ours, 1);
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 17, 40, 1, 64);
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->ip_proto, 1);
    tcp_wire_ip_hdr(f + 14, 0xe0000001u, 0x0a000002u, 6, 40, 1, 64); /* multicast source */
    tcp_stack_input(st, f, 60, false, l->now_us);
    assert_int_equal(s->ip_bad, 5);
    /* TCP: bad checksum, then a bad data offset */
    tcp_wire_ip_hdr(f + 14, 0x0a000009u, 0x0a000002u, 6, 40, 1, 64);
    uint8_t *t = f + 34;
    tcp_wr16(t, 1234);
    tcp_wr16(t + 2, PORT);
    t[12] = 5 << 4;
    t[13] = TCP_SYN;
    tcp_wr16(t + 16, 0xbeef);
    tcp_stack_input(st, f, 60, false, l->now_us);
    t[12] = 15 << 4;
    tcp_stack_input(st, f, 60, true, l->now_us);
    assert_int_equal(s->tcp_bad, 2);
    assert_int_equal(tcp_stack_conn_count(st), 0);
    assert_int_equal(s->tx_frames, 0);
    link_fini(l);
    free(l);
}

static void
test_wire(void **state)
{
    (void)state;
    /* RFC 1071's example: 0001 f203 f4f5 f6f7 sums to ddf2 */
    const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(tcp_wire_sum(0, v, sizeof(v)), 0xddf2);
    assert_int_equal(tcp_wire_fold(0xddf2), 0x220d);
    /* options: MSS, NOP, WS 20 (read as 14), SACK-permitted, TS; then a
     * truncated option that ends parsing without failing */
    uint8_t seg[48] = {0};
    tcp_wr16(seg, 1);
    tcp_wr16(seg + 2, 2);
    seg[12] = 11 << 4;
    seg[13] = TCP_SYN;
    uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 20, 4, 2, 8, 10,
                      0, 0, 0,    5,    0, 0, 0, 0,  5, 9, 0, 0};
    memcpy(seg + 20, opts, sizeof(opts));
    struct tcp_seg s;
    assert_int_equal(tcp_wire_parse_tcp(&s, seg, 44, 1, 2, false), 0);
    assert_int_equal(s.mss, 1460);
    assert_int_equal(s.wscale, 14);
    assert_true(s.sack_ok);
    assert_true(s.has_ts);
    assert_int_equal(s.tsval, 5);
    assert_int_equal(s.len, 0);
    assert_int_equal(tcp_wire_parse_tcp(&s, seg, 19, 1, 2, false), RL_EINVAL);
    seg[12] = 4 << 4;
    assert_int_equal(tcp_wire_parse_tcp(&s, seg, 44, 1, 2, false), RL_EINVAL);
    seg[12] = 12 << 4;
    assert_int_equal(tcp_wire_parse_tcp(&s, seg, 44, 1, 2, false), RL_EINVAL);
    /* sequence arithmetic wraps */
    assert_true(tcp_seq_lt(0xfffffff0u, 0x10u));
    assert_false(tcp_seq_lt(0x10u, 0xfffffff0u));
    /* SipHash-2-4 reference vector: key 00..0f, empty input */
    uint8_t key[16];
    for (int i = 0; i < 16; i++) {
        key[i] = (uint8_t)i;
    }
    assert_true(tcp_siphash(key, NULL, 0) == 0x726fdb47dd0e0e31ULL);
}

struct fired {
    int n;
    uint64_t last;
};

static void
on_fire(void *ctx, struct tcp_tnode *n)
{
    struct fired *f = ctx;
    f->n++;
    f->last = n->expire_ms;
}

static void
test_timer_wheel(void **state)
{
    (void)state;
    struct tcp_wheel *w = malloc(sizeof(*w));
    tcp_wheel_init(w, 100);
    struct tcp_tnode a = {0}, b = {0}, c = {0};
    struct fired f = {0};
    tcp_wheel_arm(w, &a, 105);
    tcp_wheel_arm(w, &b, 100 + TCP_WHEEL_SLOTS + 5); /* same slot, a round later */
    tcp_wheel_arm(w, &c, 50);                        /* past: next tick */
    assert_int_equal(tcp_wheel_advance(w, 101, on_fire, &f), 1);
    assert_int_equal(tcp_wheel_advance(w, 105, on_fire, &f), 1);
    assert_int_equal(f.last, 105);
    assert_true(tcp_tnode_armed(&b));
    tcp_wheel_cancel(w, &b);
    tcp_wheel_cancel(w, &b);
    assert_int_equal(tcp_wheel_advance(w, 5000, on_fire, &f), 0);
    tcp_wheel_arm(w, &b, 9000);
    assert_int_equal(tcp_wheel_advance(w, 8999, on_fire, &f), 0);
    assert_int_equal(tcp_wheel_advance(w, 100000, on_fire, &f), 1);
    assert_int_equal(w->n_armed, 0);
    free(w);
}

static void
test_config_refused(void **state)
{
    (void)state;
    struct tcp_stack_config c;
    link_config(&c, 0);
    struct link_end e = {0};
    struct tcp_stack_ops ops = {
        .ctx = &e, .tx = link_tx, .buf_alloc = link_buf_alloc, .buf_free = link_buf_free};
    struct tcp_stack *st = NULL;
    struct rl_diag d;
    c.ip = 0;
    assert_int_equal(tcp_stack_new(&st, &d, &c, &ops, 0), RL_EINVAL);
    assert_string_equal(d.field, "ip");
    link_config(&c, 0);
    c.mtu = 100;
    assert_int_equal(tcp_stack_new(&st, &d, &c, &ops, 0), RL_EINVAL);
    assert_string_equal(d.field, "mtu");
    link_config(&c, 0);
    c.port_lo = 5000;
    c.port_hi = 4000;
    assert_int_equal(tcp_stack_new(&st, &d, &c, &ops, 0), RL_EINVAL);
    link_config(&c, 0);
    c.tso_max = 65536; /* TSO without ops.tx_tso */
    assert_int_equal(tcp_stack_new(&st, &d, &c, &ops, 0), RL_EINVAL);
    assert_string_equal(d.field, "tso_max");
    link_config(&c, 0);
    ops.tx = NULL;
    assert_int_equal(tcp_stack_new(&st, &d, &c, &ops, 0), RL_EINVAL);
    tcp_stack_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_timer_wheel),
        cmocka_unit_test(test_config_refused),
        cmocka_unit_test(test_handshake_and_echo),
        cmocka_unit_test(test_megabyte_both_ways),
        cmocka_unit_test(test_impaired_link),
        cmocka_unit_test(test_tso_megabyte_both_ways),
        cmocka_unit_test(test_tso_segs_max),
        cmocka_unit_test(test_tso_impaired_link),
        cmocka_unit_test(test_tso_same_segments),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_connect_refused_and_abort),
        cmocka_unit_test(test_many_sequential),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_syn_cookies),
        cmocka_unit_test(test_syn_cookie_forged),
        cmocka_unit_test(test_syn_cookie_first_segments_lost),
        cmocka_unit_test(test_syn_cookie_half_open_race),
        cmocka_unit_test(test_zero_window),
        cmocka_unit_test(test_zero_window_peer_gone),
        cmocka_unit_test(test_keepalive_and_rto_timeout),
        cmocka_unit_test(test_time_wait_old_syn),
        cmocka_unit_test(test_arp_and_icmp),
        cmocka_unit_test(test_bad_frames_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

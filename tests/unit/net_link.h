/* SPDX-License-Identifier: Apache-2.0 */
/* Test harness for dataplane/net: two stack instances on a simulated
 * Ethernet link with a virtual clock, and loss, reordering, duplication and
 * delay drawn from a seeded generator (netem in memory). Payload buffers are
 * malloc'd; frames are copied whole onto the link. The link takes TSO
 * super-segments (ops.tx_tso) and cuts them in software as a NIC would, for
 * stacks configured with tso_max. Header-only, one thread. */
#ifndef NET_LINK_H
#define NET_LINK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_stack.h"
#include "tcp_wire.h"

#define LINK_MAX_FRAMES 65536
#define LINK_BUF_CAP 2048

struct link_frame {
    uint8_t *data;
    size_t len;
    uint64_t at_us; /* delivery time */
    int to;         /* 0: stack a, 1: stack b */
};

struct link_impair {
    uint32_t loss_ppm, reorder_ppm, dup_ppm; /* parts per million */
    uint32_t delay_us, reorder_extra_us;
};

struct net_link;

struct link_end {
    struct net_link *link;
    int side;
    long bufs_out; /* payload buffers allocated and not yet freed */
};

struct net_link {
    struct tcp_stack *st[2];
    struct link_end end[2];
    struct link_frame q[LINK_MAX_FRAMES];
    size_t n;
    uint64_t now_us;
    uint64_t rng;
    struct link_impair imp[2]; /* by sending side */
    bool cut;                  /* drop everything */
    uint64_t sent[2], dropped;
    uint64_t oversize;             /* frames above a 1500-octet MTU: a stack bug */
    uint64_t tso_frames, tso_segs; /* super-segments taken and the segments cut from them */
    uint64_t tso_bad;              /* super-segments off the ops.tx_tso contract: a stack bug */
    /* tap: every frame sent by side 0 is offered here too (may be NULL) */
    void (*tap)(void *ctx, int from, const uint8_t *f, size_t len);
    void *tap_ctx;
    /* filter (may be NULL): sees every frame before the impairments; true
     * drops it, or it may add to *delay_us */
    bool (*filter)(void *ctx, int from, const uint8_t *f, size_t len, uint64_t *delay_us);
    void *filter_ctx;
};

static inline uint32_t
link_rand(struct net_link *l)
{
    l->rng ^= l->rng << 13;
    l->rng ^= l->rng >> 7;
    l->rng ^= l->rng << 17;
    return (uint32_t)(l->rng >> 16);
}

static inline bool
link_chance(struct net_link *l, uint32_t ppm)
{
    return ppm && link_rand(l) % 1000000u < ppm;
}

static inline void
link_enqueue(struct net_link *l, int to, const uint8_t *f, size_t len, uint64_t at)
{
    if (l->n == LINK_MAX_FRAMES) {
        l->dropped++;
        return;
    }
    struct link_frame *x = &l->q[l->n++];
    x->data = malloc(len);
    memcpy(x->data, f, len);
    x->len = len;
    x->at_us = at;
    x->to = to;
}

static inline int
link_tx(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl)
{
    struct link_end *e = ctx;
    struct net_link *l = e->link;
    uint8_t f[16384];
    size_t len = hdr_len;
    memcpy(f, hdr, hdr_len);
    for (size_t i = 0; i < n_pl; i++) {
        memcpy(f + len, pl[i].data, pl[i].len);
        len += pl[i].len;
    }
    l->sent[e->side]++;
    if (len > 14 + 1500) {
        l->oversize++;
        return RL_EIO;
    }
    if (l->tap) {
        l->tap(l->tap_ctx, e->side, f, len);
    }
    const struct link_impair *im = &l->imp[e->side];
    uint64_t extra = 0;
    if (l->cut || (l->filter && l->filter(l->filter_ctx, e->side, f, len, &extra)) ||
        link_chance(l, im->loss_ppm)) {
        l->dropped++;
        return 0;
    }
    uint64_t at = l->now_us + im->delay_us + extra;
    if (link_chance(l, im->reorder_ppm)) {
        at += im->reorder_extra_us;
    }
    link_enqueue(l, !e->side, f, len, at);
    if (link_chance(l, im->dup_ppm)) {
        link_enqueue(l, !e->side, f, len, at + 1);
    }
    return 0;
}

/* link_tx_tso cuts a super-segment into `seg`-octet segments as a NIC's
 * TSO does: headers repeated with the IPv4 length, ID and checksum, the TCP
 * sequence number and checksum made anew, FIN and PSH on the last segment
 * only; each segment then meets the link alone (link_tx). Checks the
 * contract of ops.tx_tso (tso_bad). */
static inline int
link_tx_tso(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl,
            uint32_t seg)
{
    struct link_end *e = ctx;
    struct net_link *l = e->link;
    uint8_t pay[65536];
    size_t total = 0;
    for (size_t i = 0; i < n_pl; i++) {
        if (total + pl[i].len > sizeof(pay)) {
            l->tso_bad++;
            return RL_EIO;
        }
        memcpy(pay + total, pl[i].data, pl[i].len);
        total += pl[i].len;
    }
    uint8_t f[14 + 20 + 60];
    const uint8_t *ip = hdr + 14, *tcp = hdr + 34;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    uint32_t sip = tcp_rd32(ip + 12), dip = tcp_rd32(ip + 16);
    uint32_t phdr = 0xffffu & ~(uint32_t)tcp_wire_fold(tcp_wire_pseudo(sip, dip, 0));
    if (hdr_len != 34 + thl || hdr_len > sizeof(f) || seg == 0 || total <= seg ||
        tcp_rd16(ip + 10) != 0 || tcp_rd16(ip + 2) != 20 + thl + total ||
        tcp_rd16(tcp + 16) != phdr) {
        l->tso_bad++;
        return RL_EIO;
    }
    l->tso_frames++;
    uint32_t seq = tcp_rd32(tcp + 4);
    uint16_t id = tcp_rd16(ip + 4);
    for (size_t off = 0; off < total; off += seg) {
        uint32_t n = (uint32_t)(total - off < seg ? total - off : seg);
        memcpy(f, hdr, hdr_len);
        uint8_t *fip = f + 14, *ft = f + 34;
        tcp_wr16(fip + 2, (uint16_t)(20 + thl + n));
        tcp_wr16(fip + 4, id++);
        tcp_wr16(fip + 10, 0);
        tcp_wr16(fip + 10, tcp_wire_fold(tcp_wire_sum(0, fip, 20)));
        tcp_wr32(ft + 4, seq + (uint32_t)off);
        if (off + n < total) {
            ft[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
        }
        tcp_wr16(ft + 16, 0);
        uint32_t sum = tcp_wire_pseudo(sip, dip, (uint32_t)(thl + n));
        sum = tcp_wire_sum(sum, ft, thl);
        sum = tcp_wire_sum(sum, pay + off, n);
        tcp_wr16(ft + 16, tcp_wire_fold(sum));
        struct tcp_iov iov = {.buf = NULL, .data = pay + off, .len = n};
        l->tso_segs++;
        link_tx(ctx, f, hdr_len, &iov, 1);
    }
    return 0;
}

static inline void *
link_buf_alloc(void *ctx, uint8_t **out_data, uint32_t *out_cap)
{
    struct link_end *e = ctx;
    uint8_t *b = malloc(LINK_BUF_CAP);
    if (!b) {
        return NULL;
    }
    e->bufs_out++;
    *out_data = b;
    *out_cap = LINK_BUF_CAP;
    return b;
}

static inline void
link_buf_free(void *ctx, void *buf)
{
    struct link_end *e = ctx;
    e->bufs_out--;
    free(buf);
}

static inline void
link_config(struct tcp_stack_config *c, int side)
{
    memset(c, 0, sizeof(*c));
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(side + 1)};
    memcpy(c->mac, mac, 6);
    c->ip = 0x0a000001u + (uint32_t)side; /* 10.0.0.1 and 10.0.0.2 */
    c->prefix_len = 24;
    c->max_conns = 512;
    c->time_wait_ms = 2000;
    c->fin_timeout_ms = 5000;
    for (int i = 0; i < 16; i++) {
        c->secret[i] = (uint8_t)(i * 7 + 1);
    }
}

/* link_init makes both stacks from cfg[0], cfg[1]; 0 or an rl_err. */
static inline int
link_init(struct net_link *l, const struct tcp_stack_config cfg[2], uint64_t seed)
{
    memset(l, 0, sizeof(*l));
    l->rng = seed ? seed : 88172645463325252ULL;
    l->now_us = 1000000;
    for (int i = 0; i < 2; i++) {
        l->end[i].link = l;
        l->end[i].side = i;
        struct tcp_stack_ops ops = {.ctx = &l->end[i],
                                    .tx = link_tx,
                                    .tx_tso = link_tx_tso,
                                    .buf_alloc = link_buf_alloc,
                                    .buf_free = link_buf_free};
        int rc = tcp_stack_new(&l->st[i], NULL, &cfg[i], &ops, l->now_us);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static inline void
link_fini(struct net_link *l)
{
    tcp_stack_free(l->st[0]);
    tcp_stack_free(l->st[1]);
    for (size_t i = 0; i < l->n; i++) {
        free(l->q[i].data);
    }
    l->n = 0;
}

/* link_step advances the clock by `us`, delivering due frames in time order,
 * then flushes and runs timers on both stacks. */
static inline void
link_step(struct net_link *l, uint64_t us)
{
    l->now_us += us;
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < l->n; i++) {
            if (l->q[i].at_us <= l->now_us &&
                (best == SIZE_MAX || l->q[i].at_us < l->q[best].at_us)) {
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        struct link_frame f = l->q[best];
        l->q[best] = l->q[--l->n];
        tcp_stack_input(l->st[f.to], f.data, f.len, false, l->now_us);
        free(f.data);
        tcp_stack_flush(l->st[f.to], l->now_us);
    }
    for (int i = 0; i < 2; i++) {
        tcp_stack_flush(l->st[i], l->now_us);
        tcp_stack_timers(l->st[i], l->now_us);
        tcp_stack_flush(l->st[i], l->now_us);
    }
}

#endif

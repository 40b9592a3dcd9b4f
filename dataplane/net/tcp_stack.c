/* SPDX-License-Identifier: Apache-2.0 */
/* One stack instance: frames in (Ethernet, ARP, IPv4, ICMP echo), the flow
 * table, listeners with SYN cookies, connection objects and their pools,
 * readiness events, and the socket-like API. Sans-I/O; one core only. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tcp_hash.h"

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* SYN cookies carry the peer's MSS as an index into this table. */
static const uint16_t cookie_mss[8] = {536, 1200, 1360, 1400, 1440, 1460, 4312, 8960};
#define COOKIE_PERIOD_SHIFT 16 /* a cookie's time counter ticks every 65.5 s */
#define COOKIE_WINDOW_MS 131072u

/* ---- configuration ---- */

static void
set_default(uint32_t *v, uint32_t def)
{
    if (*v == 0) {
        *v = def;
    }
}

static int
config_check(struct tcp_stack_config *c, struct rl_diag *diag)
{
    if (c->prefix_len == 0) {
        c->prefix_len = 24;
    }
    if (c->mtu == 0) {
        c->mtu = 1500;
    }
    set_default(&c->max_conns, 4096);
    set_default(&c->max_listeners, 16);
    set_default(&c->rcvbuf, 65536);
    set_default(&c->sndbuf, 65536);
    set_default(&c->min_rto_ms, 200);
    set_default(&c->max_rto_ms, 60000);
    set_default(&c->init_rto_ms, 1000);
    set_default(&c->max_retries, 12);
    set_default(&c->syn_retries, 5);
    set_default(&c->delack_ms, 40);
    set_default(&c->time_wait_ms, 60000);
    set_default(&c->fin_timeout_ms, 60000);
    set_default(&c->keepalive_intvl_ms, 75000);
    set_default(&c->keepalive_probes, 9);
    set_default(&c->syn_backlog, 256);
    set_default(&c->accept_backlog, 1024);
    if (c->port_lo == 0 && c->port_hi == 0) {
        c->port_lo = 32768;
        c->port_hi = 60999;
    }
    if (c->ip == 0) {
        return rl_diag_set(diag, "ip", "the stack needs an IPv4 address");
    }
    if (c->prefix_len > 32) {
        return rl_diag_set(diag, "prefix_len", "%u is not a prefix length", c->prefix_len);
    }
    if (c->mtu < 576 || c->mtu > 9000) {
        return rl_diag_set(diag, "mtu", "%u is outside 576..9000", c->mtu);
    }
    if (c->max_conns > (1u << 22) || c->max_listeners > 1024) {
        return rl_diag_set(diag, "max_conns", "at most 4194304 connections, 1024 listeners");
    }
    if (c->rcvbuf < 2048 || c->rcvbuf > (1u << 30) || c->sndbuf < 1024 || c->sndbuf > (1u << 30)) {
        return rl_diag_set(diag, "rcvbuf", "buffers must be 2 KiB (send: 1 KiB) .. 1 GiB");
    }
    if (c->min_rto_ms > c->max_rto_ms || c->init_rto_ms > c->max_rto_ms) {
        return rl_diag_set(diag, "min_rto_ms",
                           "min_rto_ms and init_rto_ms must not exceed max_rto_ms");
    }
    if (c->port_lo == 0 || c->port_lo > c->port_hi) {
        return rl_diag_set(diag, "port_lo", "ephemeral range %u..%u is empty", c->port_lo,
                           c->port_hi);
    }
    return 0;
}

/* ---- creation ---- */

int
tcp_stack_new(struct tcp_stack **out_st, struct rl_diag *diag, const struct tcp_stack_config *cfg,
              const struct tcp_stack_ops *ops, uint64_t now_us)
{
    if (!ops || !ops->tx || !ops->buf_alloc || !ops->buf_free || !cfg) {
        return rl_diag_set(diag, "ops", "tx, buf_alloc and buf_free are required");
    }
    if (cfg->tso_max && !ops->tx_tso) {
        return rl_diag_set(diag, "tso_max", "TSO needs ops.tx_tso");
    }
    struct tcp_stack_config c = *cfg;
    int rc = config_check(&c, diag);
    if (rc) {
        return rc;
    }
    struct tcp_stack *st = calloc(1, sizeof(*st));
    if (!st) {
        return RL_ENOMEM;
    }
    st->cfg = c;
    st->ops = *ops;
    st->now_us = now_us;
    st->now_ms = now_us / 1000;
    tcp_wheel_init(&st->wheel, st->now_ms);
    uint32_t nb = 1;
    while (nb < 2 * c.max_conns) {
        nb <<= 1;
    }
    uint32_t slots = c.sndbuf / 1024 + 4;
    st->conns = calloc(c.max_conns, sizeof(*st->conns));
    st->buckets = malloc((size_t)nb * sizeof(*st->buckets));
    st->listeners = calloc(c.max_listeners, sizeof(*st->listeners));
    st->ready_cap = 2 * (c.max_conns + c.max_listeners);
    st->readyq = malloc((size_t)st->ready_cap * sizeof(*st->readyq));
    st->flushq = malloc((size_t)c.max_conns * sizeof(*st->flushq));
    st->rbuf_cache = calloc(c.max_conns, sizeof(*st->rbuf_cache));
    st->chunk_mem = calloc((size_t)c.max_conns * slots, sizeof(*st->chunk_mem));
    if (!st->conns || !st->buckets || !st->listeners || !st->readyq || !st->flushq ||
        !st->rbuf_cache || !st->chunk_mem) {
        tcp_stack_free(st);
        return RL_ENOMEM;
    }
    memset(st->buckets, 0xff, (size_t)nb * sizeof(*st->buckets));
    st->bucket_mask = nb - 1;
    /* the flow-table key differs from the ISN key, derived from it */
    uint64_t k0 = tcp_siphash(c.secret, (const uint8_t *)"flow-table-key-0", 16);
    uint64_t k1 = tcp_siphash(c.secret, (const uint8_t *)"flow-table-key-1", 16);
    memcpy(st->flow_key, &k0, 8);
    memcpy(st->flow_key + 8, &k1, 8);
    st->free_head = TCP_NONE;
    for (uint32_t i = c.max_conns; i-- > 0;) {
        struct tcp_conn *x = &st->conns[i];
        x->idx = i;
        x->chunks = st->chunk_mem + (size_t)i * slots;
        x->n_chunk_slots = slots;
        x->qnext = st->free_head;
        st->free_head = i;
    }
    st->tw_head = st->tw_tail = TCP_NONE;
    st->port_cursor = (uint32_t)k0;
    *out_st = st;
    return 0;
}

void
tcp_stack_free(struct tcp_stack *st)
{
    if (!st) {
        return;
    }
    if (st->conns) {
        for (uint32_t i = 0; i < st->cfg.max_conns; i++) {
            struct tcp_conn *c = &st->conns[i];
            if (c->in_use) {
                tcp_conn_release_buffers(st, c);
                free(c->rbuf);
            }
        }
    }
    for (uint32_t i = 0; i < st->n_rbuf_cache; i++) {
        free(st->rbuf_cache[i]);
    }
    free(st->conns);
    free(st->buckets);
    free(st->listeners);
    free(st->readyq);
    free(st->flushq);
    free(st->rbuf_cache);
    free(st->chunk_mem);
    free(st);
}

/* ---- connection objects ---- */

static void
tw_unlink(struct tcp_stack *st, struct tcp_conn *c)
{
    if (!c->in_tw_list) {
        return;
    }
    if (c->qprev != TCP_NONE) {
        st->conns[c->qprev].qnext = c->qnext;
    } else {
        st->tw_head = c->qnext;
    }
    if (c->qnext != TCP_NONE) {
        st->conns[c->qnext].qprev = c->qprev;
    } else {
        st->tw_tail = c->qprev;
    }
    c->in_tw_list = false;
    c->qnext = c->qprev = TCP_NONE;
}

void
tcp_st_tw_add(struct tcp_stack *st, struct tcp_conn *c)
{
    if (c->in_tw_list || c->in_aq) {
        return;
    }
    c->in_tw_list = true;
    c->qnext = TCP_NONE;
    c->qprev = st->tw_tail;
    if (st->tw_tail != TCP_NONE) {
        st->conns[st->tw_tail].qnext = c->idx;
    } else {
        st->tw_head = c->idx;
    }
    st->tw_tail = c->idx;
}

struct tcp_conn *
tcp_st_conn_alloc(struct tcp_stack *st)
{
    if (st->free_head == TCP_NONE && st->tw_head != TCP_NONE) {
        /* pool full: recycle the oldest TIME_WAIT nobody holds */
        struct tcp_conn *old = &st->conns[st->tw_head];
        if (old->app_closed || !old->app_owned) {
            st->stats.tw_recycled++;
            st->stats.closed++;
            tcp_conn_drop(st, old, 0);
        }
    }
    if (st->free_head == TCP_NONE) {
        st->stats.conn_exhausted++;
        return NULL;
    }
    struct tcp_conn *c = &st->conns[st->free_head];
    st->free_head = c->qnext;
    struct tcp_chunk *chunks = c->chunks;
    uint32_t slots = c->n_chunk_slots, idx = c->idx;
    memset(c, 0, sizeof(*c));
    c->chunks = chunks;
    c->n_chunk_slots = slots;
    c->idx = idx;
    c->in_use = true;
    c->hnext = c->qnext = c->qprev = TCP_NONE;
    c->listener = TCP_NONE;
    st->n_used++;
    return c;
}

void
tcp_st_conn_free(struct tcp_stack *st, struct tcp_conn *c)
{
    if (!c->in_use) {
        return;
    }
    if (c->in_hash) {
        tcp_st_hash_remove(st, c);
    }
    tw_unlink(st, c);
    tcp_wheel_cancel(&st->wheel, &c->tn);
    tcp_conn_release_buffers(st, c);
    if (c->half_open && c->listener != TCP_NONE) {
        st->listeners[c->listener].n_half_open--;
        c->half_open = false;
    }
    if (c->rbuf) {
        st->rbuf_cache[st->n_rbuf_cache++] = c->rbuf;
        c->rbuf = NULL;
    }
    c->in_use = false;
    c->ev = 0;
    c->qnext = st->free_head;
    st->free_head = c->idx;
    st->n_used--;
}

bool
tcp_st_rbuf_get(struct tcp_stack *st, struct tcp_conn *c)
{
    if (st->n_rbuf_cache) {
        c->rbuf = st->rbuf_cache[--st->n_rbuf_cache];
    } else {
        c->rbuf = malloc(st->cfg.rcvbuf); /* high-water growth, then reused */
    }
    c->rpos = 0;
    return c->rbuf != NULL;
}

/* ---- the flow table ---- */

static uint32_t
flow_hash(const struct tcp_stack *st, uint32_t lport_rport, uint32_t rip)
{
    uint64_t k;
    memcpy(&k, st->flow_key, 8);
    uint64_t h = ((uint64_t)rip << 32 | lport_rport) ^ k;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (uint32_t)h & st->bucket_mask;
}

static uint32_t
conn_bucket(const struct tcp_stack *st, const struct tcp_conn *c)
{
    return flow_hash(st, (uint32_t)c->lport << 16 | c->rport, c->rip);
}

void
tcp_st_hash_insert(struct tcp_stack *st, struct tcp_conn *c)
{
    uint32_t b = conn_bucket(st, c);
    c->hnext = st->buckets[b];
    st->buckets[b] = c->idx;
    c->in_hash = true;
}

void
tcp_st_hash_remove(struct tcp_stack *st, struct tcp_conn *c)
{
    uint32_t *p = &st->buckets[conn_bucket(st, c)];
    while (*p != TCP_NONE) {
        if (*p == c->idx) {
            *p = c->hnext;
            break;
        }
        p = &st->conns[*p].hnext;
    }
    c->hnext = TCP_NONE;
    c->in_hash = false;
}

static struct tcp_conn *
flow_lookup(struct tcp_stack *st, uint16_t lport, uint32_t rip, uint16_t rport)
{
    uint32_t i = st->buckets[flow_hash(st, (uint32_t)lport << 16 | rport, rip)];
    while (i != TCP_NONE) {
        struct tcp_conn *c = &st->conns[i];
        if (c->rip == rip && c->lport == lport && c->rport == rport) {
            return c;
        }
        i = c->hnext;
    }
    return NULL;
}

/* ---- events and output batching ---- */

static void
ready_push(struct tcp_stack *st, uint32_t h)
{
    if (st->ready_n == st->ready_cap) {
        return; /* cannot happen: at most two entries per handle */
    }
    st->readyq[(st->ready_head + st->ready_n) % st->ready_cap] = h;
    st->ready_n++;
}

void
tcp_st_event(struct tcp_stack *st, struct tcp_conn *c, uint32_t ev)
{
    if (!c->app_owned || c->app_closed) {
        return;
    }
    if (c->ev == 0) {
        ready_push(st, c->idx);
    }
    c->ev |= ev;
}

void
tcp_st_listener_event(struct tcp_stack *st, uint32_t li)
{
    struct tcp_listener *l = &st->listeners[li];
    if (l->ev == 0) {
        ready_push(st, li | TCP_LISTENER_BIT);
    }
    l->ev |= TCP_EV_READABLE;
}

void
tcp_st_flush_mark(struct tcp_stack *st, struct tcp_conn *c)
{
    if (!c->on_flush) {
        c->on_flush = true;
        st->flushq[st->flush_n++] = c->idx;
    }
}

void
tcp_stack_flush(struct tcp_stack *st, uint64_t now_us)
{
    if (now_us > st->now_us) {
        st->now_us = now_us;
        st->now_ms = now_us / 1000;
    }
    /* output may mark others (never the same one twice): walk by index */
    for (uint32_t i = 0; i < st->flush_n; i++) {
        struct tcp_conn *c = &st->conns[st->flushq[i]];
        c->on_flush = false;
        if (c->in_use) {
            tcp_conn_output(st, c);
        }
    }
    st->flush_n = 0;
}

size_t
tcp_stack_poll(struct tcp_stack *st, struct tcp_event *out, size_t cap)
{
    size_t n = 0;
    while (n < cap && st->ready_n) {
        uint32_t h = st->readyq[st->ready_head];
        st->ready_head = (st->ready_head + 1) % st->ready_cap;
        st->ready_n--;
        if (h & TCP_LISTENER_BIT) {
            struct tcp_listener *l = &st->listeners[h & ~TCP_LISTENER_BIT];
            if (l->in_use && l->ev) {
                out[n].cookie = l->cookie;
                out[n].flags = l->ev;
                l->ev = 0;
                n++;
            }
            continue;
        }
        struct tcp_conn *c = &st->conns[h];
        if (c->in_use && c->ev && c->app_owned && !c->app_closed) {
            out[n].cookie = c->cookie;
            out[n].flags = c->ev;
            c->ev = 0;
            n++;
        }
    }
    return n;
}

/* ---- frames out ---- */

void
tcp_st_send_frame(struct tcp_stack *st, const uint8_t *hdr, size_t hdr_len,
                  const struct tcp_iov *pl, size_t n_pl)
{
    size_t bytes = hdr_len;
    for (size_t i = 0; pl && i < n_pl; i++) {
        bytes += pl[i].len;
    }
    if (st->ops.tx(st->ops.ctx, hdr, hdr_len, pl, n_pl) != 0) {
        st->stats.tx_failed++;
        return;
    }
    st->stats.tx_frames++;
    st->stats.tx_bytes += bytes;
}

void
tcp_st_send_tso(struct tcp_stack *st, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl,
                size_t n_pl, uint32_t seg)
{
    size_t payload = 0;
    for (size_t i = 0; i < n_pl; i++) {
        payload += pl[i].len;
    }
    if (st->ops.tx_tso(st->ops.ctx, hdr, hdr_len, pl, n_pl, seg) != 0) {
        st->stats.tx_failed++;
        return;
    }
    st->stats.tx_frames++;
    st->stats.tx_bytes += hdr_len + payload;
    st->stats.tx_tso_frames++;
    st->stats.tx_tso_segs += (payload + seg - 1) / seg;
}

/* ---- ARP (RFC 826) ---- */

uint32_t
tcp_st_next_hop(const struct tcp_stack *st, uint32_t ip)
{
    uint32_t mask = st->cfg.prefix_len ? ~0u << (32 - st->cfg.prefix_len) : 0;
    if ((ip & mask) == (st->cfg.ip & mask) || st->cfg.gateway == 0) {
        return ip;
    }
    return st->cfg.gateway;
}

static struct tcp_arp_entry *
arp_find(struct tcp_stack *st, uint32_t ip)
{
    for (size_t i = 0; i < TCP_ARP_SLOTS; i++) {
        if (st->arp[i].state && st->arp[i].ip == ip) {
            return &st->arp[i];
        }
    }
    return NULL;
}

static struct tcp_arp_entry *
arp_slot(struct tcp_stack *st, uint32_t ip)
{
    struct tcp_arp_entry *e = arp_find(st, ip);
    if (e) {
        return e;
    }
    struct tcp_arp_entry *victim = NULL;
    for (size_t i = 0; i < TCP_ARP_SLOTS; i++) {
        struct tcp_arp_entry *x = &st->arp[i];
        if (x->state == 0) {
            victim = x;
            break;
        }
        if (x->state != 3 && (!victim || x->expire_ms < victim->expire_ms)) {
            victim = x;
        }
    }
    if (!victim) {
        return NULL;
    }
    memset(victim, 0, sizeof(*victim));
    victim->ip = ip;
    victim->state = 1;
    return victim;
}

static void
arp_send(struct tcp_stack *st, uint16_t op, const uint8_t *dmac, const uint8_t *tha, uint32_t tpa)
{
    uint8_t f[TCP_ETH_HLEN + TCP_ARP_LEN];
    tcp_wire_eth_hdr(f, dmac, st->cfg.mac, TCP_ETHERTYPE_ARP);
    uint8_t *a = f + TCP_ETH_HLEN;
    tcp_wr16(a, 1);
    tcp_wr16(a + 2, TCP_ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    tcp_wr16(a + 6, op);
    memcpy(a + 8, st->cfg.mac, 6);
    tcp_wr32(a + 14, st->cfg.ip);
    memcpy(a + 18, tha, 6);
    tcp_wr32(a + 24, tpa);
    tcp_st_send_frame(st, f, sizeof(f), NULL, 0);
}

bool
tcp_st_arp_lookup(struct tcp_stack *st, uint32_t ip, uint8_t out_mac[6])
{
    struct tcp_arp_entry *e = arp_find(st, ip);
    if (e && (e->state == 3 || (e->state == 2 && e->expire_ms > st->now_ms))) {
        memcpy(out_mac, e->mac, 6);
        return true;
    }
    e = arp_slot(st, ip);
    if (e && (e->last_req_ms == 0 || st->now_ms - e->last_req_ms >= TCP_ARP_RETRY_MS)) {
        static const uint8_t zero[6] = {0};
        e->last_req_ms = st->now_ms ? st->now_ms : 1;
        e->expire_ms = st->now_ms + TCP_ARP_TTL_MS;
        st->stats.arp_requests_tx++;
        arp_send(st, 1, bcast_mac, zero, ip);
    }
    return false;
}

void
tcp_stack_arp_add(struct tcp_stack *st, uint32_t ip, const uint8_t mac[6])
{
    struct tcp_arp_entry *e = arp_slot(st, ip);
    if (e) {
        memcpy(e->mac, mac, 6);
        e->state = 3;
    }
}

void
tcp_stack_gratuitous_arp(struct tcp_stack *st)
{
    static const uint8_t zero[6] = {0};
    st->stats.arp_requests_tx++;
    arp_send(st, 1, bcast_mac, zero, st->cfg.ip);
}

static void
arp_input(struct tcp_stack *st, const uint8_t *a, size_t len)
{
    st->stats.arp_rx++;
    if (len < TCP_ARP_LEN || tcp_rd16(a) != 1 || tcp_rd16(a + 2) != TCP_ETHERTYPE_IPV4 ||
        a[4] != 6 || a[5] != 4) {
        st->stats.arp_bad++;
        return;
    }
    uint16_t op = tcp_rd16(a + 6);
    const uint8_t *sha = a + 8;
    uint32_t spa = tcp_rd32(a + 14);
    uint32_t tpa = tcp_rd32(a + 24);
    if ((op != 1 && op != 2) || (sha[0] & 1) || spa == st->cfg.ip) {
        st->stats.arp_bad++; /* multicast sender or a conflict with us */
        return;
    }
    /* RFC 826 "merge": update a known sender; learn it if it asks for us */
    struct tcp_arp_entry *e = spa ? arp_find(st, spa) : NULL;
    if (!e && spa && tpa == st->cfg.ip) {
        e = arp_slot(st, spa);
    }
    if (e && e->state != 3) {
        memcpy(e->mac, sha, 6);
        e->state = 2;
        e->expire_ms = st->now_ms + TCP_ARP_TTL_MS;
    }
    if (op == 1 && tpa == st->cfg.ip) {
        st->stats.arp_replies_tx++;
        arp_send(st, 2, sha, sha, spa);
    }
}

/* ---- ICMP echo (RFC 792) ---- */

static void
icmp_input(struct tcp_stack *st, const uint8_t *eth, const uint8_t *ip, const uint8_t *p,
           size_t len)
{
    if (len < TCP_ICMP_HLEN || tcp_wire_fold(tcp_wire_sum(0, p, len)) != 0) {
        st->stats.icmp_bad++;
        return;
    }
    if (p[0] != 8 || p[1] != 0) {
        st->stats.icmp_other++;
        return;
    }
    st->stats.icmp_echo++;
    uint8_t hdr[TCP_ETH_HLEN + TCP_IP_HLEN + TCP_ICMP_HLEN];
    uint8_t *ic = hdr + TCP_ETH_HLEN + TCP_IP_HLEN;
    size_t plen = len - TCP_ICMP_HLEN;
    struct tcp_iov iov = {0};
    uint8_t *data = NULL;
    uint32_t cap = 0;
    if (plen) {
        iov.buf = st->ops.buf_alloc(st->ops.ctx, &data, &cap);
        if (!iov.buf || cap < plen) {
            if (iov.buf) {
                st->ops.buf_free(st->ops.ctx, iov.buf);
            }
            st->stats.buf_exhausted++;
            return;
        }
        memcpy(data, p + TCP_ICMP_HLEN, plen);
        iov.data = data;
        iov.len = (uint32_t)plen;
    }
    ic[0] = 0;
    ic[1] = 0;
    tcp_wr16(ic + 2, 0);
    memcpy(ic + 4, p + 4, 4); /* identifier and sequence number */
    uint32_t sum = tcp_wire_sum(0, ic, TCP_ICMP_HLEN) + (plen ? tcp_wire_sum(0, data, plen) : 0);
    tcp_wr16(ic + 2, tcp_wire_fold(sum));
    tcp_wire_ip_hdr(hdr + TCP_ETH_HLEN, st->cfg.ip, tcp_rd32(ip + 12), TCP_IP_PROTO_ICMP,
                    (uint16_t)(TCP_IP_HLEN + len), st->ip_id++, 64);
    tcp_wire_eth_hdr(hdr, eth + 6, st->cfg.mac, TCP_ETHERTYPE_IPV4);
    tcp_st_send_frame(st, hdr, sizeof(hdr), plen ? &iov : NULL, plen ? 1 : 0);
    if (iov.buf) {
        st->ops.buf_free(st->ops.ctx, iov.buf);
    }
}

/* ---- TCP without a connection ---- */

void
tcp_st_reset_for(struct tcp_stack *st, const uint8_t *dmac, const struct tcp_seg *s)
{
    /* RFC 9293 3.10.7.1: never answer a RST; take seq from the ACK field, or
     * acknowledge what the segment occupied */
    if (s->flags & TCP_RST) {
        return;
    }
    struct tcp_conn tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.lip = s->dip;
    tmp.rip = s->sip;
    tmp.lport = s->dport;
    tmp.rport = s->sport;
    memcpy(tmp.dmac, dmac, 6);
    if (s->flags & TCP_ACK) {
        tcp_conn_send_seg(st, &tmp, s->ack, 0, TCP_RST);
    } else {
        tmp.rcv_nxt =
            s->seq + s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
        tcp_conn_send_seg(st, &tmp, 0, 0, TCP_RST | TCP_ACK);
    }
    st->stats.tcp_rst_tx++;
}

static uint32_t
cookie_hash(const struct tcp_stack *st, const struct tcp_seg *s, uint32_t count)
{
    return (uint32_t)tcp_hash_tuple(st->cfg.secret, s->dip, s->dport, s->sip, s->sport,
                                    count ^ 0x636b6965u);
}

/* SYN cookie: 5 bits of time counter, then a keyed hash of the tuple, the
 * counter and the peer's ISN, plus the MSS index (3 bits of room). */
static uint32_t
cookie_make(const struct tcp_stack *st, const struct tcp_seg *s, uint32_t mss_idx)
{
    uint32_t count = (uint32_t)(st->now_ms >> COOKIE_PERIOD_SHIFT);
    uint32_t h = cookie_hash(st, s, count) + s->seq;
    return ((count & 31u) << 27) | ((h + mss_idx) & 0x07ffffffu);
}

/* Returns the MSS index (0..7) of a valid cookie in `ack - 1`, or -1. */
static int
cookie_check(const struct tcp_stack *st, const struct tcp_seg *s)
{
    uint32_t cookie = s->ack - 1;
    uint32_t now = (uint32_t)(st->now_ms >> COOKIE_PERIOD_SHIFT);
    for (uint32_t age = 0; age < 2; age++) {
        uint32_t count = now - age;
        if ((count & 31u) != cookie >> 27) {
            continue;
        }
        uint32_t h = cookie_hash(st, s, count) + (s->seq - 1);
        uint32_t idx = ((cookie & 0x07ffffffu) - h) & 0x07ffffffu;
        if (idx < 8) {
            return (int)idx;
        }
    }
    return -1;
}

static void
fill_tuple(struct tcp_conn *c, const struct tcp_seg *s, const uint8_t *smac)
{
    c->lip = s->dip;
    c->rip = s->sip;
    c->lport = s->dport;
    c->rport = s->sport;
    memcpy(c->dmac, smac, 6);
}

static void
send_cookie(struct tcp_stack *st, const struct tcp_seg *s, const uint8_t *smac)
{
    uint32_t idx = 0;
    uint32_t peer_mss = s->mss ? s->mss : 536;
    for (uint32_t i = 0; i < 8; i++) {
        if (cookie_mss[i] <= peer_mss) {
            idx = i;
        }
    }
    struct tcp_conn tmp;
    memset(&tmp, 0, sizeof(tmp));
    fill_tuple(&tmp, s, smac);
    tcp_conn_init(st, &tmp);
    tcp_conn_syn_options(st, &tmp, s);
    tmp.state = TCPS_SYN_RCVD;
    tmp.iss = cookie_make(st, s, idx);
    tmp.rcv_nxt = s->seq + 1;
    uint32_t tsval = 0;
    if (!tmp.ts_ok) {
        /* without timestamps the cookie cannot carry window scale or SACK */
        tmp.ws_ok = false;
        tmp.sack_ok = false;
    } else {
        /* the low 6 bits of our TSval carry them (echoed in TSecr), rounded
         * down so our clock never appears to run backwards later */
        uint32_t enc = (tmp.ws_ok ? tmp.snd_ws : 0xfu) | (tmp.sack_ok ? 0x10u : 0);
        tsval = (((uint32_t)st->now_ms + tmp.ts_off - 64u) & ~0x3fu) | enc;
    }
    tcp_conn_send_synack(st, &tmp, tsval);
    st->stats.syn_cookies_sent++;
}

static struct tcp_listener *
listener_find(struct tcp_stack *st, uint16_t port, uint32_t *out_i)
{
    for (uint32_t i = 0; i < st->cfg.max_listeners; i++) {
        if (st->listeners[i].in_use && st->listeners[i].port == port) {
            *out_i = i;
            return &st->listeners[i];
        }
    }
    return NULL;
}

void
tcp_st_accept_enqueue(struct tcp_stack *st, struct tcp_conn *c)
{
    struct tcp_listener *l = &st->listeners[c->listener];
    if (c->half_open) {
        l->n_half_open--;
        c->half_open = false;
    }
    c->in_aq = true;
    c->qnext = TCP_NONE;
    if (l->aq_tail != TCP_NONE) {
        st->conns[l->aq_tail].qnext = c->idx;
    } else {
        l->aq_head = c->idx;
    }
    l->aq_tail = c->idx;
    l->n_queued++;
    tcp_st_listener_event(st, c->listener);
}

/* A segment for a listening port with no connection yet. */
static void
listener_input(struct tcp_stack *st, uint32_t li, const struct tcp_seg *s, const uint8_t *smac)
{
    struct tcp_listener *l = &st->listeners[li];
    if (s->flags & TCP_RST) {
        return;
    }
    if ((s->flags & (TCP_SYN | TCP_ACK)) == TCP_ACK) {
        /* perhaps the ACK completing a SYN-cookie handshake */
        int idx = st->cookie_until_ms > st->now_ms ? cookie_check(st, s) : -1;
        if (idx < 0) {
            st->stats.tcp_no_conn++;
            if (st->cookie_until_ms > st->now_ms) {
                /* Perhaps a later segment of a cookie connection whose
                 * first ACK and data were lost (the cookie holds the peer's
                 * ISN, so only a segment at ISN + 1 proves it): no RST,
                 * which would kill it; the peer retransmits from ISN + 1. */
                st->stats.syn_cookies_bad++;
                return;
            }
            tcp_st_reset_for(st, smac, s);
            return;
        }
        if (l->n_queued >= st->cfg.accept_backlog) {
            st->stats.accept_overflow++;
            return;
        }
        struct tcp_conn *c = tcp_st_conn_alloc(st);
        if (!c) {
            return;
        }
        fill_tuple(c, s, smac);
        tcp_conn_init(st, c);
        c->listener = li;
        c->iss = s->ack - 1;
        c->irs = s->seq - 1;
        c->rcv_nxt = s->seq;
        c->snd_una = c->iss + 1;
        c->snd_nxt = c->snd_max = c->iss + 1;
        c->mss =
            (uint16_t)(cookie_mss[idx] < st->cfg.mtu - 40 ? cookie_mss[idx] : st->cfg.mtu - 40);
        if (s->has_ts) {
            uint32_t enc = s->tsecr & 0x3fu;
            c->ts_ok = true;
            c->ts_recent = s->tsval;
            c->sack_ok = (enc & 0x10u) != 0;
            if ((enc & 0xfu) != 0xfu) {
                c->ws_ok = true;
                c->snd_ws = (uint8_t)(enc & 0xfu) > 14 ? 14 : (uint8_t)(enc & 0xfu);
                c->rcv_ws = tcp_conn_wscale_for(st->cfg.rcvbuf);
            }
        }
        c->snd_wnd = (uint32_t)s->wnd << c->snd_ws;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        tcp_conn_established(st, c);
        st->stats.syn_cookies_ok++;
        st->stats.opened_passive++;
        tcp_st_hash_insert(st, c);
        tcp_st_accept_enqueue(st, c);
        tcp_conn_input(st, c, s); /* data or FIN riding on the ACK */
        return;
    }
    if (!(s->flags & TCP_SYN) || (s->flags & TCP_ACK)) {
        st->stats.tcp_no_conn++;
        tcp_st_reset_for(st, smac, s);
        return;
    }
    st->stats.syn_rx++;
    if (l->n_half_open >= st->cfg.syn_backlog || st->free_head == TCP_NONE) {
        if (st->cfg.no_syn_cookies) {
            st->stats.syn_dropped++;
            return;
        }
        st->cookie_until_ms = st->now_ms + COOKIE_WINDOW_MS;
        send_cookie(st, s, smac);
        return;
    }
    struct tcp_conn *c = tcp_st_conn_alloc(st);
    if (!c) {
        st->stats.syn_dropped++;
        return;
    }
    fill_tuple(c, s, smac);
    tcp_conn_init(st, c);
    c->listener = li;
    c->half_open = true;
    l->n_half_open++;
    c->state = TCPS_SYN_RCVD;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    tcp_conn_syn_options(st, c, s);
    c->iss = tcp_conn_isn(st, c);
    c->snd_una = c->iss;
    c->snd_wnd = s->wnd; /* RFC 7323 2.2: the SYN's window is never scaled */
    c->snd_wl1 = s->seq;
    tcp_st_hash_insert(st, c);
    tcp_conn_send_syn(st, c);
}

static void
tcp_input(struct tcp_stack *st, const uint8_t *smac, const uint8_t *p, size_t len, uint32_t sip,
          uint32_t dip, bool csum_ok)
{
    struct tcp_seg s;
    if (tcp_wire_parse_tcp(&s, p, len, sip, dip, !csum_ok) != 0 || s.sport == 0 || s.dport == 0) {
        st->stats.tcp_bad++;
        return;
    }
    struct tcp_conn *c = flow_lookup(st, s.dport, s.sip, s.sport);
    if (c && c->state == TCPS_SYN_RCVD && c->half_open &&
        (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_ACK && s.ack != c->iss + 1 &&
        st->cookie_until_ms > st->now_ms && cookie_check(st, &s) >= 0) {
        /* The peer answered a cookie SYN-ACK sent to an earlier copy of its
         * SYN (the backlog was full then, not when the copy came): the
         * cookie's connection replaces the half-open one. */
        tcp_conn_drop(st, c, 0);
        c = NULL;
    }
    if (c && c->state == TCPS_TIME_WAIT && (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
        (tcp_seq_lt(c->rcv_nxt, s.seq) ||
         (c->ts_ok && s.has_ts && tcp_seq_lt(c->ts_recent, s.tsval)))) {
        /* RFC 6191 / RFC 9293 3.6.1: a new SYN may reopen a TIME_WAIT pair */
        st->stats.closed++;
        tcp_conn_drop(st, c, 0);
        c = NULL;
    }
    if (c) {
        tcp_conn_input(st, c, &s);
        return;
    }
    uint32_t li;
    if (listener_find(st, s.dport, &li)) {
        listener_input(st, li, &s, smac);
        return;
    }
    if (!(s.flags & TCP_RST)) {
        st->stats.tcp_no_conn++;
        tcp_st_reset_for(st, smac, &s);
    }
}

static void
ip_input(struct tcp_stack *st, const uint8_t *eth, const uint8_t *ip, size_t len, bool csum_ok)
{
    if (len < TCP_IP_HLEN || (ip[0] >> 4) != 4) {
        st->stats.ip_bad++;
        return;
    }
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = tcp_rd16(ip + 2);
    if (ihl < TCP_IP_HLEN || total < ihl || total > len) {
        st->stats.ip_bad++;
        return;
    }
    if (!csum_ok && tcp_wire_fold(tcp_wire_sum(0, ip, ihl)) != 0) {
        st->stats.ip_bad++;
        return;
    }
    uint32_t sip = tcp_rd32(ip + 12), dip = tcp_rd32(ip + 16);
    if (dip != st->cfg.ip) {
        st->stats.ip_not_ours++;
        return;
    }
    if (sip == 0 || sip == st->cfg.ip || (sip >> 28) >= 14 || sip == 0xffffffffu) {
        st->stats.ip_bad++; /* multicast, broadcast, unspecified or our own source */
        return;
    }
    if (tcp_rd16(ip + 6) & 0x3fff) { /* MF or a fragment offset */
        st->stats.ip_fragments++;
        return;
    }
    const uint8_t *p = ip + ihl;
    size_t plen = total - ihl; /* Ethernet padding past total is ignored */
    if (ip[9] == TCP_IP_PROTO_TCP) {
        tcp_input(st, eth + 6, p, plen, sip, dip, csum_ok);
    } else if (ip[9] == TCP_IP_PROTO_ICMP) {
        icmp_input(st, eth, ip, p, plen);
    } else {
        st->stats.ip_proto++;
    }
}

static void
set_clock(struct tcp_stack *st, uint64_t now_us)
{
    if (now_us > st->now_us) {
        st->now_us = now_us;
        st->now_ms = now_us / 1000;
    }
}

void
tcp_stack_input(struct tcp_stack *st, const uint8_t *frame, size_t len, bool csum_ok,
                uint64_t now_us)
{
    set_clock(st, now_us);
    st->stats.rx_frames++;
    st->stats.rx_bytes += len;
    if (len < TCP_ETH_HLEN) {
        st->stats.rx_short++;
        return;
    }
    const uint8_t *dst = frame;
    if (memcmp(dst, st->cfg.mac, 6) != 0 && memcmp(dst, bcast_mac, 6) != 0) {
        st->stats.rx_not_ours++;
        return;
    }
    if (frame[6] & 1) { /* a multicast source address is never valid */
        st->stats.rx_not_ours++;
        return;
    }
    uint16_t type = tcp_rd16(frame + 12);
    if (type == TCP_ETHERTYPE_ARP) {
        arp_input(st, frame + TCP_ETH_HLEN, len - TCP_ETH_HLEN);
    } else if (type == TCP_ETHERTYPE_IPV4 && memcmp(dst, st->cfg.mac, 6) == 0) {
        ip_input(st, frame, frame + TCP_ETH_HLEN, len - TCP_ETH_HLEN, csum_ok);
    } else {
        st->stats.rx_ethertype++;
    }
}

/* ---- timers ---- */

static void
fire(void *ctx, struct tcp_tnode *n)
{
    struct tcp_stack *st = ctx;
    struct tcp_conn *c = (struct tcp_conn *)(void *)n;
    if (c->in_use) {
        tcp_conn_on_timer(st, c);
    }
}

size_t
tcp_stack_timers(struct tcp_stack *st, uint64_t now_us)
{
    set_clock(st, now_us);
    return tcp_wheel_advance(&st->wheel, st->now_ms, fire, st);
}

uint64_t
tcp_stack_next_timer_us(const struct tcp_stack *st)
{
    if (st->wheel.n_armed == 0) {
        return UINT64_MAX;
    }
    return (st->wheel.now_ms + 1) * 1000u; /* the wheel keeps no minimum: one tick */
}

/* ---- the socket-like API ---- */

static struct tcp_conn *
conn_of(struct tcp_stack *st, uint32_t h)
{
    if (h & TCP_LISTENER_BIT || h >= st->cfg.max_conns) {
        return NULL;
    }
    struct tcp_conn *c = &st->conns[h];
    return c->in_use && c->app_owned && !c->app_closed ? c : NULL;
}

int
tcp_stack_listen(struct tcp_stack *st, uint32_t *out_h, uint16_t port, uint64_t cookie)
{
    uint32_t li;
    if (port == 0 || listener_find(st, port, &li)) {
        return RL_EINVAL;
    }
    for (uint32_t i = 0; i < st->cfg.max_listeners; i++) {
        struct tcp_listener *l = &st->listeners[i];
        if (!l->in_use) {
            memset(l, 0, sizeof(*l));
            l->in_use = true;
            l->port = port;
            l->cookie = cookie;
            l->aq_head = l->aq_tail = TCP_NONE;
            *out_h = i | TCP_LISTENER_BIT;
            return 0;
        }
    }
    return RL_ELIMIT;
}

int
tcp_stack_accept(struct tcp_stack *st, uint32_t *out_h, uint32_t *out_ip, uint16_t *out_port,
                 uint32_t lh, uint64_t cookie)
{
    uint32_t li = lh & ~TCP_LISTENER_BIT;
    if (!(lh & TCP_LISTENER_BIT) || li >= st->cfg.max_listeners || !st->listeners[li].in_use) {
        return RL_EINVAL;
    }
    struct tcp_listener *l = &st->listeners[li];
    while (l->aq_head != TCP_NONE) {
        struct tcp_conn *c = &st->conns[l->aq_head];
        l->aq_head = c->qnext;
        if (l->aq_head == TCP_NONE) {
            l->aq_tail = TCP_NONE;
        }
        l->n_queued--;
        c->in_aq = false;
        c->qnext = TCP_NONE;
        if (c->state == TCPS_CLOSED) {
            tcp_st_conn_free(st, c); /* reset before anyone took it */
            continue;
        }
        if (c->state == TCPS_TIME_WAIT) {
            tcp_st_tw_add(st, c);
        }
        c->app_owned = true;
        c->cookie = cookie;
        *out_h = c->idx;
        *out_ip = c->rip;
        *out_port = c->rport;
        if (c->rlen || c->fin_rcvd) {
            tcp_st_event(st, c, TCP_EV_READABLE);
        }
        tcp_st_event(st, c, TCP_EV_WRITABLE);
        return 0;
    }
    return RL_EAGAIN;
}

int
tcp_stack_set_cookie(struct tcp_stack *st, uint32_t h, uint64_t cookie)
{
    struct tcp_conn *c = conn_of(st, h);
    if (!c) {
        return RL_EINVAL;
    }
    c->cookie = cookie;
    return 0;
}

int
tcp_stack_connect(struct tcp_stack *st, uint32_t *out_h, uint32_t ip, uint16_t port,
                  uint64_t cookie, uint64_t now_us)
{
    set_clock(st, now_us);
    if (ip == 0 || port == 0 || ip == st->cfg.ip) {
        return RL_EINVAL;
    }
    uint32_t range = (uint32_t)st->cfg.port_hi - st->cfg.port_lo + 1;
    uint16_t lport = 0;
    for (uint32_t tries = 0; tries < range; tries++) {
        uint16_t p = (uint16_t)(st->cfg.port_lo + (st->port_cursor++ % range));
        if (flow_lookup(st, p, ip, port)) {
            continue;
        }
        if (st->ops.flow_local && !st->ops.flow_local(st->ops.ctx, st->cfg.ip, p, ip, port)) {
            continue;
        }
        lport = p;
        break;
    }
    if (lport == 0) {
        return RL_ELIMIT;
    }
    struct tcp_conn *c = tcp_st_conn_alloc(st);
    if (!c) {
        return RL_ELIMIT;
    }
    c->lip = st->cfg.ip;
    c->rip = ip;
    c->lport = lport;
    c->rport = port;
    tcp_conn_init(st, c);
    c->state = TCPS_SYN_SENT;
    c->app_owned = true;
    c->cookie = cookie;
    c->iss = tcp_conn_isn(st, c);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss;
    c->ws_ok = true; /* offered; confirmed by the SYN-ACK */
    c->rcv_ws = 0;
    tcp_st_hash_insert(st, c);
    *out_h = c->idx;
    if (tcp_st_arp_lookup(st, tcp_st_next_hop(st, ip), c->dmac)) {
        tcp_conn_send_syn(st, c);
    } else {
        c->arp_wait = true; /* the SYN goes when the neighbour answers */
        c->t_rto = st->now_ms + 20;
        tcp_conn_timer_update(st, c);
    }
    return 0;
}

int
tcp_stack_read(struct tcp_stack *st, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap)
{
    *out_n = 0;
    struct tcp_conn *c = conn_of(st, h);
    if (!c) {
        return RL_EINVAL;
    }
    if (c->err) {
        return RL_EIO;
    }
    if (c->rlen == 0) {
        if (c->fin_rcvd) {
            return 0;
        }
        if (c->state == TCPS_CLOSED) {
            return RL_EIO;
        }
        return RL_EAGAIN;
    }
    uint32_t n = c->rlen < cap ? c->rlen : (uint32_t)cap;
    uint32_t first = n < st->cfg.rcvbuf - c->rpos ? n : st->cfg.rcvbuf - c->rpos;
    memcpy(buf, c->rbuf + c->rpos, first);
    memcpy(buf + first, c->rbuf, n - first);
    c->rpos = (c->rpos + n) % st->cfg.rcvbuf;
    c->rlen -= n;
    *out_n = n;
    tcp_conn_read_done(st, c);
    return 0;
}

int
tcp_stack_write(struct tcp_stack *st, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len,
                uint64_t now_us)
{
    set_clock(st, now_us);
    *out_n = 0;
    struct tcp_conn *c = conn_of(st, h);
    if (!c) {
        return RL_EINVAL;
    }
    if (c->err || c->fin_queued) {
        return RL_EIO;
    }
    if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD) {
        c->want_write = true;
        return RL_EAGAIN;
    }
    if (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT) {
        return RL_EIO;
    }
    if (len == 0) {
        return 0;
    }
    return tcp_conn_write(st, c, out_n, buf, len);
}

static void
queue_fin(struct tcp_stack *st, struct tcp_conn *c)
{
    if (c->fin_queued) {
        return;
    }
    if (c->state == TCPS_ESTABLISHED || c->state == TCPS_SYN_RCVD) {
        c->state = TCPS_FIN_WAIT_1;
    } else if (c->state == TCPS_CLOSE_WAIT) {
        c->state = TCPS_LAST_ACK;
    } else {
        return;
    }
    c->fin_queued = true;
    c->fin_seq = c->sq_seq + c->sq_bytes;
    c->t_keep = 0;
    tcp_st_flush_mark(st, c);
}

int
tcp_stack_shutdown(struct tcp_stack *st, uint32_t h, uint64_t now_us)
{
    set_clock(st, now_us);
    struct tcp_conn *c = conn_of(st, h);
    if (!c) {
        return RL_EINVAL;
    }
    queue_fin(st, c);
    return 0;
}

static void
listener_close(struct tcp_stack *st, uint32_t li)
{
    struct tcp_listener *l = &st->listeners[li];
    for (uint32_t i = 0; i < st->cfg.max_conns; i++) {
        struct tcp_conn *c = &st->conns[i];
        if (c->in_use && c->listener == li && !c->app_owned) {
            tcp_conn_send_rst(st, c);
            c->in_aq = false;
            c->app_closed = true;
            tcp_conn_drop(st, c, RL_EIO);
        }
    }
    memset(l, 0, sizeof(*l));
}

void
tcp_stack_close(struct tcp_stack *st, uint32_t h, bool abort, uint64_t now_us)
{
    set_clock(st, now_us);
    if (h & TCP_LISTENER_BIT) {
        uint32_t li = h & ~TCP_LISTENER_BIT;
        if (li < st->cfg.max_listeners && st->listeners[li].in_use) {
            listener_close(st, li);
        }
        return;
    }
    struct tcp_conn *c = conn_of(st, h);
    if (!c) {
        return;
    }
    c->app_closed = true;
    c->ev = 0;
    switch (c->state) {
    case TCPS_CLOSED:
    case TCPS_SYN_SENT:
        tcp_conn_drop(st, c, 0);
        return;
    case TCPS_TIME_WAIT:
        return; /* the timer frees it */
    default:
        break;
    }
    if (abort || c->rlen > 0) {
        /* RFC 2525 2.17: closing with unread data resets */
        tcp_conn_send_rst(st, c);
        st->stats.closed++;
        tcp_conn_drop(st, c, 0);
        return;
    }
    queue_fin(st, c);
    if (c->state == TCPS_FIN_WAIT_2) {
        c->t_fin = st->now_ms + st->cfg.fin_timeout_ms;
        tcp_conn_timer_update(st, c);
    }
}

int
tcp_stack_conn_addr(const struct tcp_stack *st, uint32_t h, uint32_t *out_lip, uint16_t *out_lport,
                    uint32_t *out_rip, uint16_t *out_rport)
{
    if (h & TCP_LISTENER_BIT || h >= st->cfg.max_conns || !st->conns[h].in_use) {
        return RL_EINVAL;
    }
    const struct tcp_conn *c = &st->conns[h];
    *out_lip = c->lip;
    *out_lport = c->lport;
    *out_rip = c->rip;
    *out_rport = c->rport;
    return 0;
}

const struct tcp_stats *
tcp_stack_stats(const struct tcp_stack *st)
{
    return &st->stats;
}

uint32_t
tcp_stack_conn_count(const struct tcp_stack *st)
{
    return st->n_used;
}

static const char *const stats_names[] = {
#define TCP_STATS_NAME(name) #name,
    TCP_STATS_FIELDS(TCP_STATS_NAME)
#undef TCP_STATS_NAME
};
_Static_assert(sizeof(stats_names) / sizeof(stats_names[0]) == TCP_STATS_COUNT,
               "struct tcp_stats holds only uint64_t counters");

const char *
tcp_stats_name(size_t i)
{
    return i < TCP_STATS_COUNT ? stats_names[i] : "?";
}

uint64_t
tcp_stats_value(const struct tcp_stats *s, size_t i)
{
    return tcp_counter_at(s, TCP_STATS_COUNT, i);
}

uint64_t
tcp_counter_at(const void *block, size_t n, size_t i)
{
    uint64_t v = 0;
    if (i < n) {
        memcpy(&v, (const uint8_t *)block + i * sizeof(uint64_t), sizeof(v));
    }
    return v;
}

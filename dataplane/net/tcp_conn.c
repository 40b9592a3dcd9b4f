/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP state machine of one connection (RFC 9293): segment arrival,
 * output, retransmission (RFC 6298), congestion control (RFC 5681, NewReno
 * RFC 6582), delayed ACKs, zero-window probes, keep-alive, timestamps and
 * PAWS (RFC 7323), SACK blocks (RFC 2018), out-of-order reassembly. Sans-I/O;
 * the owning core only. */
#include <string.h>

#include "internal.h"
#include "tcp_hash.h"

#define MAX_RTT_SAMPLE_US 60000000u

static uint32_t
umin(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t
umax(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

uint32_t
tcp_conn_isn(const struct tcp_stack *st, const struct tcp_conn *c)
{
    /* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
     * secretkey), M a 4 microsecond timer. */
    uint32_t f = (uint32_t)tcp_hash_tuple(st->cfg.secret, c->lip, c->lport, c->rip, c->rport, 0);
    return (uint32_t)(st->now_us / 4) + f;
}

static uint32_t
ts_now(const struct tcp_stack *st, const struct tcp_conn *c)
{
    return (uint32_t)st->now_ms + c->ts_off;
}

uint32_t
tcp_conn_rwnd(const struct tcp_stack *st, const struct tcp_conn *c)
{
    return c->rbuf ? st->cfg.rcvbuf - c->rlen : st->cfg.rcvbuf;
}

static uint32_t
our_mss(const struct tcp_stack *st)
{
    return (uint32_t)st->cfg.mtu - TCP_IP_HLEN - TCP_TCP_HLEN;
}

void
tcp_conn_init(struct tcp_stack *st, struct tcp_conn *c)
{
    c->mss = 536; /* RFC 9293 3.7.1: the default without an MSS option */
    c->rto_us = st->cfg.init_rto_ms * 1000u;
    c->ssthresh = UINT32_MAX;
    c->snd_ws = 0;
    c->rcv_ws = 0;
    c->ts_off = (uint32_t)tcp_hash_tuple(st->cfg.secret, c->lip, c->lport, c->rip, c->rport, 1);
    c->last_rx_ms = st->now_ms;
}

uint8_t
tcp_conn_wscale_for(uint32_t rcvbuf)
{
    uint8_t ws = 0;
    while (ws < 14 && (rcvbuf >> ws) > 65535u) {
        ws++;
    }
    return ws;
}

void
tcp_conn_syn_options(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s)
{
    uint32_t peer_mss = s->mss ? s->mss : 536;
    c->mss = (uint16_t)umax(64, umin(peer_mss, our_mss(st)));
    /* RFC 7323 2.2: scaling only when both sides send the option. */
    if (s->wscale != TCP_WS_NONE) {
        c->ws_ok = true;
        c->snd_ws = s->wscale;
        c->rcv_ws = tcp_conn_wscale_for(st->cfg.rcvbuf);
    } else {
        c->ws_ok = false;
        c->snd_ws = 0;
        c->rcv_ws = 0;
    }
    c->sack_ok = s->sack_ok;
    c->ts_ok = s->has_ts;
    if (s->has_ts) {
        c->ts_recent = s->tsval;
    }
}

void
tcp_conn_timer_update(struct tcp_stack *st, struct tcp_conn *c)
{
    uint64_t t[] = {c->t_rto, c->t_delack, c->t_persist, c->t_keep, c->t_tw, c->t_fin};
    uint64_t best = 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i] && (!best || t[i] < best)) {
            best = t[i];
        }
    }
    if (!best) {
        tcp_wheel_cancel(&st->wheel, &c->tn);
    } else if (!tcp_tnode_armed(&c->tn) || c->tn.expire_ms != best) {
        tcp_wheel_arm(&st->wheel, &c->tn, best);
    }
}

static void
arm_rto(struct tcp_stack *st, struct tcp_conn *c)
{
    uint64_t rto_ms = (c->rto_us + 999u) / 1000u;
    c->t_rto = st->now_ms + rto_ms;
}

static void
keepalive_reset(struct tcp_stack *st, struct tcp_conn *c)
{
    c->last_rx_ms = st->now_ms;
    c->probes = 0;
    if (st->cfg.keepalive_ms && (c->state == TCPS_ESTABLISHED || c->state == TCPS_CLOSE_WAIT)) {
        c->t_keep = st->now_ms + st->cfg.keepalive_ms;
    }
}

/* ---- the send queue ---- */

/* Fills up to `max` pieces covering [seq, seq+len) of the queue. */
static size_t
payload_iov(const struct tcp_conn *c, struct tcp_iov *iov, uint32_t seq, uint32_t len, size_t max)
{
    uint32_t off = (seq - c->sq_seq) + c->sq_head_off;
    size_t n = 0;
    for (uint32_t i = 0; i < c->n_chunks && len && n < max; i++) {
        const struct tcp_chunk *k = &c->chunks[(c->chunk_head + i) % c->n_chunk_slots];
        if (off >= k->len) {
            off -= k->len;
            continue;
        }
        uint32_t take = umin(k->len - off, len);
        iov[n].buf = k->buf;
        iov[n].data = k->data + off;
        iov[n].len = take;
        n++;
        len -= take;
        off = 0;
    }
    return n;
}

static void
sndq_drop(struct tcp_stack *st, struct tcp_conn *c, uint32_t n)
{
    c->sq_seq += n;
    c->sq_bytes -= n;
    n += c->sq_head_off;
    c->sq_head_off = 0;
    while (c->n_chunks) {
        struct tcp_chunk *k = &c->chunks[c->chunk_head];
        if (n < k->len || (n == k->len && c->n_chunks == 1 && k->len < k->cap)) {
            /* keep a partly acked chunk, or the last one while it has room */
            c->sq_head_off = n;
            return;
        }
        n -= k->len;
        st->ops.buf_free(st->ops.ctx, k->buf);
        k->buf = NULL;
        c->chunk_head = (c->chunk_head + 1) % c->n_chunk_slots;
        c->n_chunks--;
    }
}

int
tcp_conn_write(struct tcp_stack *st, struct tcp_conn *c, size_t *out_n, const uint8_t *buf,
               size_t len)
{
    size_t done = 0;
    while (done < len && c->sq_bytes < st->cfg.sndbuf) {
        struct tcp_chunk *k = NULL;
        if (c->n_chunks) {
            k = &c->chunks[(c->chunk_head + c->n_chunks - 1) % c->n_chunk_slots];
            if (k->len == k->cap) {
                k = NULL;
            }
        }
        if (!k) {
            if (c->n_chunks == c->n_chunk_slots) {
                break;
            }
            uint8_t *data = NULL;
            uint32_t cap = 0;
            void *b = st->ops.buf_alloc(st->ops.ctx, &data, &cap);
            if (!b || cap == 0) {
                if (b) {
                    st->ops.buf_free(st->ops.ctx, b);
                }
                st->stats.buf_exhausted++;
                break;
            }
            k = &c->chunks[(c->chunk_head + c->n_chunks) % c->n_chunk_slots];
            k->buf = b;
            k->data = data;
            k->len = 0;
            k->cap = cap;
            c->n_chunks++;
        }
        uint32_t room = umin(k->cap - k->len, st->cfg.sndbuf - c->sq_bytes);
        uint32_t take = (uint32_t)umin(room, (uint32_t)umin((uint32_t)(len - done), UINT32_MAX));
        memcpy(k->data + k->len, buf + done, take);
        k->len += take;
        c->sq_bytes += take;
        done += take;
    }
    *out_n = done;
    if (done == 0) {
        c->want_write = true;
        return RL_EAGAIN;
    }
    if (done < len) {
        c->want_write = true;
    }
    tcp_st_flush_mark(st, c);
    return 0;
}

void
tcp_conn_release_buffers(struct tcp_stack *st, struct tcp_conn *c)
{
    while (c->n_chunks) {
        struct tcp_chunk *k = &c->chunks[c->chunk_head];
        st->ops.buf_free(st->ops.ctx, k->buf);
        k->buf = NULL;
        c->chunk_head = (c->chunk_head + 1) % c->n_chunk_slots;
        c->n_chunks--;
    }
    c->sq_bytes = 0;
    c->sq_head_off = 0;
}

/* ---- segments out ---- */

static size_t
put_ts(const struct tcp_stack *st, const struct tcp_conn *c, uint8_t *o, uint32_t tsval)
{
    (void)st;
    o[0] = 1;
    o[1] = 1;
    o[2] = 8;
    o[3] = 10;
    tcp_wr32(o + 4, tsval);
    tcp_wr32(o + 8, c->ts_recent);
    return 12;
}

/* Writes the SYN options: MSS, window scale, SACK-permitted, timestamps. */
static size_t
put_syn_options(const struct tcp_stack *st, const struct tcp_conn *c, uint8_t *o, uint32_t tsval,
                bool offer_all)
{
    size_t n = 0;
    o[n++] = 2;
    o[n++] = 4;
    tcp_wr16(o + n, (uint16_t)our_mss(st));
    n += 2;
    if (offer_all || c->ws_ok) {
        o[n++] = 1;
        o[n++] = 3;
        o[n++] = 3;
        o[n++] = offer_all ? tcp_conn_wscale_for(st->cfg.rcvbuf) : c->rcv_ws;
    }
    if (offer_all || c->sack_ok) {
        o[n++] = 1;
        o[n++] = 1;
        o[n++] = 4;
        o[n++] = 2;
    }
    if (offer_all || c->ts_ok) {
        n += put_ts(st, c, o + n, tsval);
    }
    return n;
}

static size_t
put_sack(const struct tcp_conn *c, uint8_t *o, size_t room)
{
    size_t nb = c->n_ooo;
    size_t fit = room >= 4 ? (room - 4) / 8 : 0;
    if (nb > fit) {
        nb = fit;
    }
    if (nb == 0) {
        return 0;
    }
    o[0] = 1;
    o[1] = 1;
    o[2] = 5;
    o[3] = (uint8_t)(2 + 8 * nb);
    for (size_t i = 0; i < nb; i++) {
        tcp_wr32(o + 4 + 8 * i, c->ooo[i].start);
        tcp_wr32(o + 8 + 8 * i, c->ooo[i].end);
    }
    return 4 + 8 * nb;
}

static uint16_t
window_field(const struct tcp_stack *st, struct tcp_conn *c, bool syn)
{
    uint32_t w = tcp_conn_rwnd(st, c);
    if (syn) {
        return (uint16_t)umin(w, 65535u); /* RFC 7323 2.2: never scaled in a SYN */
    }
    return (uint16_t)umin(w >> c->rcv_ws, 65535u);
}

static uint32_t
sum_iov(const struct tcp_iov *iov, size_t n)
{
    uint32_t sum = 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = tcp_wire_sum(0, iov[i].data, iov[i].len);
        if (total & 1) {
            s = ((s & 0xff) << 8) | (s >> 8);
        }
        sum += s;
        total += iov[i].len;
    }
    return sum;
}

/* Builds and sends one segment with `flags`; `seq`/`len` select payload from
 * the send queue. A SYN carries options; an ACK acknowledges rcv_nxt. Uses
 * only the fields a SYN-cookie reply has too. With `seg` (not 0) the frame
 * is a TSO super-segment that the port cuts into segments of `seg` octets:
 * the checksums are left to it as ops.tx_tso describes. */
static void
emit(struct tcp_stack *st, struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags,
     uint32_t tsval, bool offer_all, uint32_t seg)
{
    uint8_t hdr[TCP_FRAME_HDR_MAX];
    uint8_t *tcp = hdr + TCP_ETH_HLEN + TCP_IP_HLEN;
    uint8_t *opt = tcp + TCP_TCP_HLEN;
    size_t olen = 0;
    if (flags & TCP_SYN) {
        olen = put_syn_options(st, c, opt, tsval, offer_all);
    } else {
        if (c->ts_ok) {
            olen = put_ts(st, c, opt, tsval);
        }
        if (c->sack_ok && (flags & TCP_ACK) && len == 0) {
            olen += put_sack(c, opt + olen, TCP_TCP_HLEN_MAX - TCP_TCP_HLEN - olen);
        }
    }
    while (olen % 4) {
        opt[olen++] = 0;
    }
    size_t thl = TCP_TCP_HLEN + olen;
    struct tcp_iov iov[TCP_TSO_IOV_MAX];
    size_t n_iov = len ? payload_iov(c, iov, seq, len, seg ? TCP_TSO_IOV_MAX : TCP_IOV_MAX) : 0;
    uint32_t ack = (flags & TCP_ACK) ? c->rcv_nxt : 0;
    tcp_wr16(tcp, c->lport);
    tcp_wr16(tcp + 2, c->rport);
    tcp_wr32(tcp + 4, seq);
    tcp_wr32(tcp + 8, ack);
    tcp[12] = (uint8_t)((thl / 4) << 4);
    tcp[13] = flags;
    tcp_wr16(tcp + 14, window_field(st, c, flags & TCP_SYN));
    tcp_wr16(tcp + 16, 0);
    tcp_wr16(tcp + 18, 0);
    uint32_t tcp_len = (uint32_t)thl + len;
    uint32_t sum = tcp_wire_pseudo(c->lip, c->rip, seg ? 0 : tcp_len);
    if (seg || st->cfg.tx_csum_offload) {
        while (sum >> 16) {
            sum = (sum & 0xffffu) + (sum >> 16);
        }
        tcp_wr16(tcp + 16, (uint16_t)sum); /* the port completes it */
    } else {
        sum += tcp_wire_sum(0, tcp, thl) + sum_iov(iov, n_iov);
        tcp_wr16(tcp + 16, tcp_wire_fold(sum));
    }
    tcp_wire_ip_hdr(hdr + TCP_ETH_HLEN, c->lip, c->rip, TCP_IP_PROTO_TCP,
                    (uint16_t)(TCP_IP_HLEN + tcp_len), st->ip_id++, 64);
    tcp_wire_eth_hdr(hdr, c->dmac, st->cfg.mac, TCP_ETHERTYPE_IPV4);
    if (seg) {
        tcp_wr16(hdr + TCP_ETH_HLEN + 10, 0); /* the port sums every segment's header */
        st->ip_id = (uint16_t)(st->ip_id + (len - 1) / seg); /* one ID per segment */
        tcp_st_send_tso(st, hdr, TCP_ETH_HLEN + TCP_IP_HLEN + thl, iov, n_iov, seg);
    } else {
        tcp_st_send_frame(st, hdr, TCP_ETH_HLEN + TCP_IP_HLEN + thl, iov, n_iov);
    }
    if (flags & TCP_ACK) {
        c->rcv_adv = c->rcv_nxt + tcp_conn_rwnd(st, c);
        c->last_ack_sent = c->rcv_nxt;
        c->ack_pending = 0;
        c->ack_now = false;
        c->t_delack = 0;
    }
}

void
tcp_conn_send_seg(struct tcp_stack *st, struct tcp_conn *c, uint32_t seq, uint32_t len,
                  uint8_t flags)
{
    emit(st, c, seq, len, flags, ts_now(st, c), false, 0);
}

void
tcp_conn_send_syn(struct tcp_stack *st, struct tcp_conn *c)
{
    if (c->retries == 0) {
        c->rtt_start_us = st->now_us;
    }
    if (c->state == TCPS_SYN_SENT) {
        emit(st, c, c->iss, 0, TCP_SYN, ts_now(st, c), true, 0);
    } else {
        emit(st, c, c->iss, 0, TCP_SYN | TCP_ACK, ts_now(st, c), false, 0);
    }
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->iss + 1;
    arm_rto(st, c);
    tcp_conn_timer_update(st, c);
}

void
tcp_conn_send_synack(struct tcp_stack *st, struct tcp_conn *c, uint32_t tsval)
{
    emit(st, c, c->iss, 0, TCP_SYN | TCP_ACK, tsval, false, 0);
}

void
tcp_conn_send_rst(struct tcp_stack *st, struct tcp_conn *c)
{
    if (c->state == TCPS_SYN_SENT || c->state == TCPS_CLOSED) {
        return;
    }
    emit(st, c, c->snd_nxt, 0, TCP_RST | TCP_ACK, ts_now(st, c), false, 0);
    st->stats.tcp_rst_tx++;
}

/* A probe: sequence number one below snd_una, no data, so the peer answers
 * with an ACK carrying its window (zero-window probe and keep-alive). */
static void
send_probe(struct tcp_stack *st, struct tcp_conn *c)
{
    emit(st, c, c->snd_una - 1, 0, TCP_ACK, ts_now(st, c), false, 0);
}

/* RFC 9293 3.7.1: the MSS counts data only; options come out of it. */
static uint32_t
seg_max(const struct tcp_conn *c)
{
    return c->ts_ok ? c->mss - 12u : c->mss;
}

/* TSO: the octets at snd_nxt that one super-segment carries, at most
 * `room`: whole segments of `smax`, a shorter last one only at the end of
 * the queued data (`avail`), that is the segments the loop would send one
 * by one; 0 when that is not more than one segment. */
static uint32_t
tso_len(const struct tcp_conn *c, uint32_t room, uint32_t avail, uint32_t smax)
{
    struct tcp_iov iov[TCP_TSO_IOV_MAX];
    size_t n = payload_iov(c, iov, c->snd_nxt, room, TCP_TSO_IOV_MAX);
    uint32_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += iov[i].len;
    }
    if (len < avail) {
        len -= len % smax;
    }
    return len > smax ? len : 0;
}

static bool
can_send_data(const struct tcp_conn *c)
{
    return c->state == TCPS_ESTABLISHED || c->state == TCPS_CLOSE_WAIT ||
           c->state == TCPS_FIN_WAIT_1 || c->state == TCPS_LAST_ACK || c->state == TCPS_CLOSING;
}

void
tcp_conn_output(struct tcp_stack *st, struct tcp_conn *c)
{
    if (!can_send_data(c)) {
        if (c->ack_now && c->state != TCPS_CLOSED && c->state != TCPS_SYN_SENT) {
            tcp_conn_send_seg(st, c, c->snd_nxt, 0, TCP_ACK);
        }
        return;
    }
    uint32_t data_end = c->sq_seq + c->sq_bytes;
    uint32_t smax = seg_max(c);
    uint32_t tso = umin(st->cfg.tso_max, TCP_TSO_PAYLOAD_MAX);
    if (st->cfg.tso_segs_max) {
        tso = umin(tso, st->cfg.tso_segs_max * smax);
    }
    bool sent = false;
    for (;;) {
        uint32_t wnd = umin(c->snd_wnd, c->cwnd);
        uint32_t inflight = c->snd_nxt - c->snd_una;
        uint32_t avail = tcp_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
        if (avail == 0 || inflight >= wnd) {
            break;
        }
        uint32_t len = umin(umin(avail, smax), wnd - inflight);
        uint32_t seg = 0;
        if (tso > smax && avail > smax && wnd - inflight > smax) {
            uint32_t big = tso_len(c, umin(umin(avail, tso), wnd - inflight), avail, smax);
            if (big) {
                len = big;
                seg = smax;
            }
        }
        /* sender-side silly window avoidance (RFC 9293 3.8.6.2.1): a runt
         * only when it is all there is and nothing else is in flight */
        if (len < smax && len < avail && inflight > 0) {
            break;
        }
        uint8_t flags = TCP_ACK;
        if (c->snd_nxt + len == data_end) {
            flags |= TCP_PSH;
        }
        if (tcp_seq_lt(c->snd_nxt, c->snd_max)) {
            uint32_t again = umin(len, c->snd_max - c->snd_nxt);
            st->stats.tcp_retransmits += (again + smax - 1) / smax; /* segments sent again */
        } else if (!c->rtt_timing && !c->ts_ok) {
            c->rtt_timing = true;
            c->rtt_seq = c->snd_nxt;
            c->rtt_start_us = st->now_us;
        }
        bool fin = c->fin_queued && c->snd_nxt + len == c->fin_seq;
        if (fin) {
            flags |= TCP_FIN;
        }
        emit(st, c, c->snd_nxt, len, flags, ts_now(st, c), false, seg);
        c->snd_nxt += len + (fin ? 1 : 0);
        if (tcp_seq_lt(c->snd_max, c->snd_nxt)) {
            c->snd_max = c->snd_nxt;
        }
        sent = true;
    }
    /* FIN alone, once every octet before it went out */
    if (c->fin_queued && c->snd_nxt == c->fin_seq) {
        tcp_conn_send_seg(st, c, c->snd_nxt, 0, TCP_FIN | TCP_ACK);
        c->snd_nxt = c->fin_seq + 1;
        if (tcp_seq_lt(c->snd_max, c->snd_nxt)) {
            c->snd_max = c->snd_nxt;
        }
        sent = true;
    }
    if (!sent && c->ack_now) {
        tcp_conn_send_seg(st, c, c->snd_nxt, 0, TCP_ACK);
    }
    if (c->snd_max != c->snd_una) {
        if (!c->t_rto) {
            arm_rto(st, c);
        }
        c->t_persist = 0;
    } else {
        c->t_rto = 0;
        bool pending =
            tcp_seq_lt(c->snd_nxt, data_end) || (c->fin_queued && c->snd_nxt == c->fin_seq);
        if (pending && c->snd_wnd == 0 && !c->t_persist) {
            /* RFC 9293 3.8.6.1: probe a zero window, backing off like RTO */
            c->t_persist = st->now_ms + umax(st->cfg.min_rto_ms, c->rto_us / 1000u);
        }
    }
    tcp_conn_timer_update(st, c);
}

/* ---- state changes ---- */

void
tcp_conn_drop(struct tcp_stack *st, struct tcp_conn *c, int err)
{
    c->err = err;
    c->state = TCPS_CLOSED;
    c->t_rto = c->t_delack = c->t_persist = c->t_keep = c->t_tw = c->t_fin = 0;
    tcp_conn_timer_update(st, c);
    tcp_conn_release_buffers(st, c);
    if (c->in_hash) {
        tcp_st_hash_remove(st, c);
    }
    /* nobody will read the error: a released connection, or a child not
     * yet in its listener's accept queue (accept frees dead queued ones) */
    if (c->app_closed || (!c->app_owned && !c->in_aq)) {
        tcp_st_conn_free(st, c);
        return;
    }
    tcp_st_event(st, c, TCP_EV_READABLE | TCP_EV_WRITABLE | TCP_EV_HANGUP);
}

static void
enter_time_wait(struct tcp_stack *st, struct tcp_conn *c)
{
    c->state = TCPS_TIME_WAIT;
    c->t_rto = c->t_persist = c->t_keep = c->t_fin = c->t_delack = 0;
    c->t_tw = st->now_ms + st->cfg.time_wait_ms;
    tcp_conn_release_buffers(st, c);
    tcp_st_tw_add(st, c);
    tcp_conn_timer_update(st, c);
}

void
tcp_conn_established(struct tcp_stack *st, struct tcp_conn *c)
{
    c->state = TCPS_ESTABLISHED;
    /* RFC 6928: initial window min(10*MSS, max(2*MSS, 14600)) */
    c->cwnd = umin(10u * c->mss, umax(2u * c->mss, 14600u));
    c->sq_seq = c->iss + 1;
    c->retries = 0;
    keepalive_reset(st, c);
}

/* ---- round trip and congestion ---- */

static void
rtt_sample(struct tcp_stack *st, struct tcp_conn *c, uint32_t r_us)
{
    if (r_us == 0) {
        r_us = 1;
    }
    if (r_us > MAX_RTT_SAMPLE_US) {
        return;
    }
    if (c->srtt_us == 0) { /* RFC 6298 2.2 */
        c->srtt_us = r_us;
        c->rttvar_us = r_us / 2;
    } else { /* RFC 6298 2.3, alpha 1/8, beta 1/4 */
        uint32_t d = c->srtt_us > r_us ? c->srtt_us - r_us : r_us - c->srtt_us;
        c->rttvar_us = (3 * c->rttvar_us + d) / 4;
        c->srtt_us = (7 * c->srtt_us + r_us) / 8;
    }
    uint64_t rto = (uint64_t)c->srtt_us + umax(1000u, 4 * c->rttvar_us);
    uint64_t lo = (uint64_t)st->cfg.min_rto_ms * 1000u, hi = (uint64_t)st->cfg.max_rto_ms * 1000u;
    c->rto_us = (uint32_t)(rto < lo ? lo : rto > hi ? hi : rto);
}

/* Sends one segment (or the FIN) at `seq` again. */
static void
retransmit_one(struct tcp_stack *st, struct tcp_conn *c, uint32_t seq)
{
    uint32_t data_end = c->sq_seq + c->sq_bytes;
    uint32_t len = umin(seg_max(c), tcp_seq_lt(seq, data_end) ? data_end - seq : 0);
    if (len) {
        bool fin = c->fin_queued && seq + len == c->fin_seq;
        tcp_conn_send_seg(st, c, seq, len, (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0)));
    } else if (c->fin_queued && seq == c->fin_seq) {
        tcp_conn_send_seg(st, c, seq, 0, TCP_ACK | TCP_FIN);
    } else {
        return;
    }
    st->stats.tcp_retransmits++;
}

/* Returns true for a partial acknowledgment during fast recovery. */
static bool
on_new_ack(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s, uint32_t acked)
{
    /* RTT: timestamps (RFC 7323 4.1) or one timed segment (Karn) */
    if (c->ts_ok && s->has_ts && s->tsecr) {
        uint32_t r_ms = ts_now(st, c) - s->tsecr;
        rtt_sample(st, c, r_ms * 1000u);
    } else if (c->rtt_timing && tcp_seq_lt(c->rtt_seq, s->ack)) {
        rtt_sample(st, c, (uint32_t)(st->now_us - c->rtt_start_us));
        c->rtt_timing = false;
    }
    c->retries = 0;
    uint32_t flight = c->snd_max - c->snd_una;
    if (c->in_recovery) {
        if (!tcp_seq_lt(s->ack, c->recover)) {
            /* RFC 6582 3.2 step 3, full acknowledgment */
            c->cwnd = umin(c->ssthresh, umax(flight > acked ? flight - acked : 0, c->mss) + c->mss);
            c->in_recovery = false;
        } else {
            /* partial acknowledgment (step 4): the next hole goes again
             * once snd_una moved; deflate by what was acked */
            c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
            if (acked >= c->mss) {
                c->cwnd += c->mss;
            }
            c->dupacks = 0;
            return true;
        }
    } else if (c->cwnd < c->ssthresh) {
        c->cwnd += umin(acked, c->mss); /* slow start (RFC 5681 3.1) */
    } else {
        c->cwnd += umax(1u, (uint32_t)((uint64_t)c->mss * c->mss / c->cwnd));
    }
    c->dupacks = 0;
    return false;
}

static void
on_dup_ack(struct tcp_stack *st, struct tcp_conn *c)
{
    st->stats.tcp_dup_acks++;
    c->dupacks++;
    if (c->in_recovery) {
        c->cwnd += c->mss; /* RFC 6582 3.2 step 4: inflate */
        return;
    }
    if (c->dupacks == 3 && tcp_seq_lt(c->recover, c->snd_una + 1)) {
        /* RFC 6582 3.2 steps 1-2: fast retransmit, enter fast recovery */
        uint32_t flight = c->snd_max - c->snd_una;
        c->ssthresh = umax(flight / 2, 2u * c->mss);
        c->recover = c->snd_max;
        c->in_recovery = true;
        c->cwnd = c->ssthresh + 3u * c->mss;
        c->rtt_timing = false;
        st->stats.tcp_fast_retransmits++;
        retransmit_one(st, c, c->snd_una);
        arm_rto(st, c);
    }
}

/* ---- receiving data ---- */

static void
ring_put(struct tcp_stack *st, struct tcp_conn *c, uint32_t off, const uint8_t *p, uint32_t n)
{
    uint32_t cap = st->cfg.rcvbuf;
    uint32_t at = (c->rpos + c->rlen + off) % cap;
    uint32_t first = umin(n, cap - at);
    memcpy(c->rbuf + at, p, first);
    memcpy(c->rbuf, p + first, n - first);
}

/* Records [start, end) as held out of order; false when the table is full. */
static bool
ooo_add(struct tcp_conn *c, uint32_t start, uint32_t end)
{
    size_t i = 0;
    while (i < c->n_ooo && tcp_seq_lt(c->ooo[i].end, start)) {
        i++;
    }
    /* merge every range that touches [start, end) */
    size_t j = i;
    while (j < c->n_ooo && tcp_seq_leq(c->ooo[j].start, end)) {
        if (tcp_seq_lt(c->ooo[j].start, start)) {
            start = c->ooo[j].start;
        }
        if (tcp_seq_lt(end, c->ooo[j].end)) {
            end = c->ooo[j].end;
        }
        j++;
    }
    size_t merged = j - i;
    if (merged == 0) {
        if (c->n_ooo == TCP_OOO_MAX) {
            return false;
        }
        memmove(&c->ooo[i + 1], &c->ooo[i], (c->n_ooo - i) * sizeof(c->ooo[0]));
        c->n_ooo++;
    } else if (merged > 1) {
        memmove(&c->ooo[i + 1], &c->ooo[j], (c->n_ooo - j) * sizeof(c->ooo[0]));
        c->n_ooo -= (uint32_t)(merged - 1);
    }
    c->ooo[i].start = start;
    c->ooo[i].end = end;
    return true;
}

/* Moves rcv_nxt over ranges that became contiguous. */
static void
ooo_advance(struct tcp_conn *c)
{
    while (c->n_ooo && tcp_seq_leq(c->ooo[0].start, c->rcv_nxt)) {
        if (tcp_seq_lt(c->rcv_nxt, c->ooo[0].end)) {
            uint32_t n = c->ooo[0].end - c->rcv_nxt;
            c->rlen += n;
            c->rcv_nxt = c->ooo[0].end;
        }
        memmove(&c->ooo[0], &c->ooo[1], (c->n_ooo - 1) * sizeof(c->ooo[0]));
        c->n_ooo--;
    }
}

/* Takes the in-window part of a segment's payload. Returns whether an
 * immediate ACK is due (out of order, a hole filled, a duplicate). */
static bool
take_data(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s)
{
    uint32_t seq = s->seq;
    const uint8_t *p = s->data;
    uint32_t len = s->len;
    if (tcp_seq_lt(seq, c->rcv_nxt)) {
        uint32_t skip = c->rcv_nxt - seq;
        if (skip >= len) {
            st->stats.tcp_dup_data++;
            return true;
        }
        seq += skip;
        p += skip;
        len -= skip;
    }
    uint32_t wnd = tcp_conn_rwnd(st, c);
    uint32_t off = seq - c->rcv_nxt;
    if (off >= wnd) {
        st->stats.tcp_out_of_window++;
        return true;
    }
    if (len > wnd - off) {
        len = wnd - off; /* trim what lies beyond the window */
    }
    if (!c->rbuf && !tcp_st_rbuf_get(st, c)) {
        st->stats.buf_exhausted++;
        return true;
    }
    if (off == 0) {
        ring_put(st, c, 0, p, len);
        c->rlen += len;
        c->rcv_nxt += len;
        bool had_ooo = c->n_ooo > 0;
        ooo_advance(c);
        tcp_st_event(st, c, TCP_EV_READABLE);
        return had_ooo;
    }
    if (!ooo_add(c, seq, seq + len)) {
        st->stats.tcp_ooo_dropped++;
        return true;
    }
    ring_put(st, c, off, p, len);
    st->stats.tcp_ooo++;
    return true;
}

static void
fin_arrived(struct tcp_stack *st, struct tcp_conn *c)
{
    c->rcv_nxt++;
    c->fin_rcvd = true;
    c->ack_now = true;
    tcp_st_event(st, c, TCP_EV_READABLE);
    switch (c->state) {
    case TCPS_SYN_RCVD:
    case TCPS_ESTABLISHED:
        c->state = TCPS_CLOSE_WAIT;
        break;
    case TCPS_FIN_WAIT_1:
        c->state = TCPS_CLOSING;
        break;
    case TCPS_FIN_WAIT_2:
        c->t_fin = 0;
        tcp_conn_send_seg(st, c, c->snd_nxt, 0, TCP_ACK);
        enter_time_wait(st, c);
        break;
    default:
        break;
    }
}

/* RFC 9293 3.10.7.4 first check: is the segment acceptable? */
static bool
acceptable(const struct tcp_stack *st, const struct tcp_conn *c, const struct tcp_seg *s)
{
    uint32_t wnd = tcp_conn_rwnd(st, c);
    uint32_t slen = s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
    bool start_in = tcp_seq_leq(c->rcv_nxt, s->seq) && tcp_seq_lt(s->seq, c->rcv_nxt + wnd);
    if (slen == 0) {
        return wnd == 0 ? s->seq == c->rcv_nxt : start_in;
    }
    if (wnd == 0) {
        return false;
    }
    uint32_t last = s->seq + slen - 1;
    return start_in || (tcp_seq_leq(c->rcv_nxt, last) && tcp_seq_lt(last, c->rcv_nxt + wnd));
}

static void
input_syn_sent(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s)
{
    bool ack_ok = false;
    if (s->flags & TCP_ACK) {
        if (tcp_seq_leq(s->ack, c->iss) || tcp_seq_lt(c->snd_max, s->ack)) {
            if (!(s->flags & TCP_RST)) {
                tcp_st_reset_for(st, c->dmac, s);
            }
            return;
        }
        ack_ok = true;
    }
    if (s->flags & TCP_RST) {
        if (ack_ok) {
            st->stats.tcp_rst_rx++;
            tcp_conn_drop(st, c, RL_EIO);
        }
        return;
    }
    if (!(s->flags & TCP_SYN)) {
        return;
    }
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    tcp_conn_syn_options(st, c, s);
    if (!ack_ok) {
        /* simultaneous open (RFC 9293 3.5) */
        c->state = TCPS_SYN_RCVD;
        tcp_conn_send_syn(st, c);
        return;
    }
    c->snd_una = s->ack;
    c->snd_wnd = (uint32_t)s->wnd << c->snd_ws;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    if (c->retries == 0 && !c->ts_ok) {
        rtt_sample(st, c, (uint32_t)(st->now_us - c->rtt_start_us));
    } else if (c->ts_ok && s->tsecr) {
        rtt_sample(st, c, (ts_now(st, c) - s->tsecr) * 1000u);
    }
    c->t_rto = 0;
    tcp_conn_established(st, c);
    st->stats.opened_active++;
    c->ack_now = true;
    tcp_st_flush_mark(st, c);
    tcp_st_event(st, c, TCP_EV_WRITABLE);
    tcp_conn_timer_update(st, c);
}

/* Processes the ACK field; returns false when the segment is to be dropped. */
static bool
input_ack(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s)
{
    if (c->state == TCPS_SYN_RCVD) {
        if (!tcp_seq_lt(c->snd_una, s->ack) || tcp_seq_lt(c->snd_max, s->ack)) {
            tcp_st_reset_for(st, c->dmac, s);
            return false;
        }
        c->snd_wnd = (uint32_t)s->wnd << c->snd_ws;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        c->snd_una = s->ack;
        c->t_rto = 0;
        tcp_conn_established(st, c);
        st->stats.opened_passive++;
        if (c->listener != TCP_NONE) {
            tcp_st_accept_enqueue(st, c);
        }
        return true;
    }
    if (tcp_seq_lt(c->snd_max, s->ack)) {
        c->ack_now = true; /* acknowledges what was never sent */
        return false;
    }
    uint32_t old_wnd = c->snd_wnd;
    if (tcp_seq_lt(c->snd_una, s->ack)) {
        uint32_t acked = s->ack - c->snd_una;
        uint32_t data_end = c->sq_seq + c->sq_bytes;
        uint32_t upto = tcp_seq_lt(data_end, s->ack) ? data_end : s->ack;
        if (tcp_seq_lt(c->sq_seq, upto)) {
            sndq_drop(st, c, upto - c->sq_seq);
        }
        bool partial = on_new_ack(st, c, s, acked);
        c->snd_una = s->ack;
        if (tcp_seq_lt(c->snd_nxt, c->snd_una)) {
            c->snd_nxt = c->snd_una;
        }
        if (partial) {
            retransmit_one(st, c, c->snd_una);
        }
        c->t_rto = 0;
        if (c->snd_una != c->snd_max) {
            arm_rto(st, c);
        }
        c->probes = 0;
        c->t_persist = 0;
        if (c->want_write && c->sq_bytes < st->cfg.sndbuf) {
            c->want_write = false;
            tcp_st_event(st, c, TCP_EV_WRITABLE);
        }
        tcp_st_flush_mark(st, c);
    } else if (s->ack == c->snd_una && s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
               c->snd_max != c->snd_una && ((uint32_t)s->wnd << c->snd_ws) == old_wnd) {
        on_dup_ack(st, c);
        tcp_st_flush_mark(st, c);
    }
    /* RFC 9293 3.10.7.4: window update from the newest segment only */
    if (tcp_seq_lt(c->snd_wl1, s->seq) ||
        (c->snd_wl1 == s->seq && tcp_seq_leq(c->snd_wl2, s->ack))) {
        c->snd_wnd = (uint32_t)s->wnd << c->snd_ws;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        if (c->snd_wnd > old_wnd) {
            tcp_st_flush_mark(st, c);
        }
    }
    bool fin_acked = c->fin_queued && tcp_seq_lt(c->fin_seq, c->snd_una);
    switch (c->state) {
    case TCPS_FIN_WAIT_1:
        if (fin_acked) {
            c->state = TCPS_FIN_WAIT_2;
            if (c->app_closed) {
                c->t_fin = st->now_ms + st->cfg.fin_timeout_ms;
            }
        }
        break;
    case TCPS_CLOSING:
        if (fin_acked) {
            enter_time_wait(st, c);
        }
        break;
    case TCPS_LAST_ACK:
        if (fin_acked) {
            st->stats.closed++;
            tcp_conn_drop(st, c, 0);
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

void
tcp_conn_input(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s)
{
    if (c->state == TCPS_SYN_SENT) {
        input_syn_sent(st, c, s);
        return;
    }
    if (c->state == TCPS_CLOSED) {
        return;
    }
    keepalive_reset(st, c);
    /* RFC 7323 5.3: PAWS */
    if (c->ts_ok && s->has_ts && !(s->flags & TCP_RST) && tcp_seq_lt(s->tsval, c->ts_recent)) {
        st->stats.tcp_paws++;
        c->ack_now = true;
        tcp_st_flush_mark(st, c);
        return;
    }
    if (!acceptable(st, c, s)) {
        st->stats.tcp_out_of_window++;
        if (!(s->flags & TCP_RST)) {
            c->ack_now = true;
            tcp_st_flush_mark(st, c);
            /* RFC 9293 3.10.7.4: only a retransmitted FIN (it lies before
             * rcv_nxt) restarts 2MSL; anything else, such as the SYN of a
             * restarted client reusing the pair with an older ISN, gets the
             * ACK only: restarting for it too would lock that client out
             * for as long as it retries */
            if (c->state == TCPS_TIME_WAIT && (s->flags & TCP_FIN)) {
                c->t_tw = st->now_ms + st->cfg.time_wait_ms;
                tcp_conn_timer_update(st, c);
            }
        }
        return;
    }
    if (s->flags & TCP_RST) {
        /* RFC 5961 3.2: only an exact match resets; in-window gets a challenge */
        if (c->state == TCPS_TIME_WAIT) {
            return; /* RFC 1337: no TIME-WAIT assassination */
        }
        if (s->seq == c->rcv_nxt) {
            st->stats.tcp_rst_rx++;
            tcp_conn_drop(st, c, RL_EIO);
        } else {
            st->stats.tcp_challenge_acks++;
            c->ack_now = true;
            tcp_st_flush_mark(st, c);
        }
        return;
    }
    if (s->flags & TCP_SYN) {
        /* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK */
        if (c->state == TCPS_SYN_RCVD && s->seq == c->irs) {
            c->ack_now = false;
            tcp_conn_send_syn(st, c); /* our SYN-ACK was lost */
            return;
        }
        st->stats.tcp_challenge_acks++;
        c->ack_now = true;
        tcp_st_flush_mark(st, c);
        return;
    }
    if (!(s->flags & TCP_ACK)) {
        return;
    }
    /* RFC 7323 4.3: remember the timestamp of the segment that covers the
     * last ACK we sent */
    if (c->ts_ok && s->has_ts && tcp_seq_leq(s->seq, c->last_ack_sent)) {
        c->ts_recent = s->tsval;
    }
    if (!input_ack(st, c, s)) {
        if (c->ack_now) {
            tcp_st_flush_mark(st, c);
        }
        return;
    }
    if (c->state == TCPS_TIME_WAIT) {
        if (s->flags & TCP_FIN) { /* a retransmitted FIN: ACK it, restart 2MSL */
            c->ack_now = true;
            c->t_tw = st->now_ms + st->cfg.time_wait_ms;
            tcp_conn_timer_update(st, c);
            tcp_st_flush_mark(st, c);
        }
        return;
    }
    bool takes_data =
        c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT_1 || c->state == TCPS_FIN_WAIT_2;
    if (s->len && takes_data && !c->fin_rcvd) {
        if (take_data(st, c, s)) {
            c->ack_now = true;
        } else {
            c->ack_pending++;
            /* RFC 5681 4.2: an ACK at least every second full-sized segment */
            if (c->ack_pending >= 2) {
                c->ack_now = true;
            } else if (!c->t_delack) {
                c->t_delack = st->now_ms + st->cfg.delack_ms;
                tcp_conn_timer_update(st, c);
            }
        }
        tcp_st_flush_mark(st, c);
    }
    if ((s->flags & TCP_FIN) && takes_data && !c->fin_rcvd) {
        uint32_t fseq = s->seq + s->len;
        c->peer_fin_seen = true;
        c->peer_fin_seq = fseq;
        c->ack_now = true;
        tcp_st_flush_mark(st, c);
    }
    if (c->peer_fin_seen && !c->fin_rcvd && c->rcv_nxt == c->peer_fin_seq) {
        fin_arrived(st, c);
    }
}

/* ---- timers ---- */

static void
on_rto(struct tcp_stack *st, struct tcp_conn *c)
{
    c->t_rto = 0;
    uint32_t limit = (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD) ? st->cfg.syn_retries
                                                                              : st->cfg.max_retries;
    if (c->retries >= limit) {
        st->stats.tcp_timeouts++;
        tcp_conn_send_rst(st, c);
        tcp_conn_drop(st, c, RL_EIO);
        return;
    }
    c->retries++;
    st->stats.tcp_rto++;
    /* RFC 6298 5.5: back off the timer */
    c->rto_us = (uint32_t)umin((uint64_t)c->rto_us * 2 > UINT32_MAX ? UINT32_MAX : c->rto_us * 2,
                               st->cfg.max_rto_ms * 1000u);
    c->rtt_timing = false;
    if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD) {
        st->stats.tcp_retransmits++;
        tcp_conn_send_syn(st, c);
        return;
    }
    /* RFC 5681 3.1 eq. 4 and the loss window; NewReno after a timeout
     * (RFC 6582 3.2 step 5) */
    uint32_t flight = c->snd_max - c->snd_una;
    c->ssthresh = umax(flight / 2, 2u * c->mss);
    c->cwnd = c->mss;
    c->recover = c->snd_max;
    c->in_recovery = false;
    c->dupacks = 0;
    c->snd_nxt = c->snd_una;
    tcp_conn_output(st, c);
    if (!c->t_rto && c->snd_max != c->snd_una) {
        arm_rto(st, c);
    }
}

void
tcp_conn_on_timer(struct tcp_stack *st, struct tcp_conn *c)
{
    uint64_t now = st->now_ms;
    if (c->t_tw && c->t_tw <= now) {
        c->t_tw = 0;
        st->stats.closed++;
        tcp_conn_drop(st, c, 0);
        return;
    }
    if (c->t_fin && c->t_fin <= now) {
        c->t_fin = 0;
        st->stats.tcp_timeouts++;
        tcp_conn_send_rst(st, c);
        tcp_conn_drop(st, c, RL_EIO);
        return;
    }
    if (c->arp_wait && c->state == TCPS_SYN_SENT && c->t_rto && c->t_rto <= now) {
        uint8_t mac[6];
        if (tcp_st_arp_lookup(st, tcp_st_next_hop(st, c->rip), mac)) {
            memcpy(c->dmac, mac, 6);
            c->arp_wait = false;
            tcp_conn_send_syn(st, c);
        } else if (now - c->last_rx_ms > 3000) {
            st->stats.arp_unresolved++;
            tcp_conn_drop(st, c, RL_EIO);
            return;
        } else {
            c->t_rto = now + 20;
        }
    } else if (c->t_rto && c->t_rto <= now) {
        on_rto(st, c);
        if (c->state == TCPS_CLOSED) {
            return;
        }
    }
    if (c->t_delack && c->t_delack <= now) {
        c->t_delack = 0;
        c->ack_now = true;
        tcp_st_flush_mark(st, c);
    }
    if (c->t_persist && c->t_persist <= now) {
        /* max_retries probes unanswered (any segment from the peer resets
         * the count): the peer is gone, as after as many RTOs; a zero
         * window alone never times out while the peer answers */
        if (c->probes >= st->cfg.max_retries) {
            st->stats.tcp_timeouts++;
            tcp_conn_send_rst(st, c);
            tcp_conn_drop(st, c, RL_EIO);
            return;
        }
        st->stats.tcp_zero_window_probes++;
        send_probe(st, c);
        c->probes++;
        uint64_t back = (uint64_t)umax(st->cfg.min_rto_ms, c->rto_us / 1000u)
                        << umin(c->probes, 16);
        c->t_persist = now + (back > st->cfg.max_rto_ms ? st->cfg.max_rto_ms : back);
    }
    if (c->t_keep && c->t_keep <= now) {
        if (c->probes >= st->cfg.keepalive_probes) {
            st->stats.tcp_timeouts++;
            tcp_conn_send_rst(st, c);
            tcp_conn_drop(st, c, RL_EIO);
            return;
        }
        if (c->snd_max == c->snd_una) {
            st->stats.tcp_keepalives++;
            send_probe(st, c);
            c->probes++;
        }
        c->t_keep = now + st->cfg.keepalive_intvl_ms;
    }
    tcp_conn_timer_update(st, c);
}

void
tcp_conn_read_done(struct tcp_stack *st, struct tcp_conn *c)
{
    /* RFC 9293 3.8.6.2.2: announce a reopened window once it grew by a
     * segment or half the buffer */
    uint32_t adv = tcp_seq_lt(c->rcv_nxt, c->rcv_adv) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t now = tcp_conn_rwnd(st, c);
    if (now > adv && (now - adv >= 2u * c->mss || now - adv >= st->cfg.rcvbuf / 2)) {
        if (c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT_1 ||
            c->state == TCPS_FIN_WAIT_2) {
            c->ack_now = true;
            tcp_st_flush_mark(st, c);
        }
    }
}

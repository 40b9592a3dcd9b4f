/* SPDX-License-Identifier: Apache-2.0 */
/* Private to dataplane/net: the per-core stack instance and its connection
 * objects, shared by tcp_stack.c (frames, ARP, ICMP, flows, the API) and
 * tcp_conn.c (the TCP state machine). One core only. */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_stack.h"
#include "tcp_timer.h"
#include "tcp_wire.h"

#define TCP_NONE UINT32_MAX
#define TCP_OOO_MAX 8 /* out-of-order ranges kept per connection */
#define TCP_IOV_MAX 8 /* payload pieces per segment */
#define TCP_TSO_PAYLOAD_MAX (65535u - TCP_IP_HLEN - TCP_TCP_HLEN_MAX) /* IPv4 total length */
#define TCP_ARP_SLOTS 64
#define TCP_ARP_TTL_MS 60000
#define TCP_ARP_RETRY_MS 200

enum tcp_state {
    TCPS_CLOSED = 0,
    TCPS_SYN_SENT,
    TCPS_SYN_RCVD,
    TCPS_ESTABLISHED,
    TCPS_FIN_WAIT_1,
    TCPS_FIN_WAIT_2,
    TCPS_CLOSING,
    TCPS_TIME_WAIT,
    TCPS_CLOSE_WAIT,
    TCPS_LAST_ACK,
};

/* One payload buffer of the send queue. */
struct tcp_chunk {
    void *buf;     /* the caller's buffer (an mbuf under DPDK) */
    uint8_t *data; /* start of its payload */
    uint32_t len;  /* octets queued */
    uint32_t cap;  /* octets it can hold */
};

struct tcp_range {
    uint32_t start, end; /* sequence numbers, end exclusive */
};

struct tcp_conn {
    struct tcp_tnode tn;   /* first: the wheel hands back this pointer */
    uint32_t idx;          /* slot; the handle */
    uint32_t hnext;        /* flow-table chain */
    uint32_t qnext, qprev; /* free list, accept queue or TIME_WAIT list */
    uint32_t listener;     /* parent listener slot, TCP_NONE for active opens */
    uint64_t cookie;       /* the application's value */
    uint32_t lip, rip;
    uint16_t lport, rport;
    uint8_t dmac[6]; /* next hop's MAC, learned at open */
    uint8_t state;   /* enum tcp_state */
    bool in_use, app_owned, app_closed, in_hash, half_open, in_tw_list, on_flush, arp_wait;
    bool in_aq, fin_queued, fin_rcvd, ack_now, want_write, ws_ok, sack_ok, ts_ok, in_recovery;
    bool rtt_timing;
    int err;     /* RL_EIO after a reset or a timeout */
    uint32_t ev; /* enum tcp_ev bits not yet polled */

    /* send side (RFC 9293 3.3.1) */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
    uint32_t fin_seq; /* sequence number of our FIN, once queued */
    uint16_t mss;     /* send MSS: peer's, bounded by ours */
    uint8_t snd_ws, rcv_ws;
    uint32_t cwnd, ssthresh, recover; /* octets; NewReno (RFC 6582) */
    uint32_t dupacks;
    struct tcp_chunk *chunks; /* ring of n_chunk_slots */
    uint32_t n_chunk_slots, chunk_head, n_chunks;
    uint32_t sq_seq;      /* sequence number of the first queued octet */
    uint32_t sq_bytes;    /* queued octets (sent and unsent) */
    uint32_t sq_head_off; /* acked octets still at the front of the first chunk */

    /* round trip (RFC 6298), microseconds */
    uint32_t srtt_us, rttvar_us, rto_us;
    uint32_t rtt_seq;
    uint64_t rtt_start_us;
    uint32_t retries; /* consecutive retransmission timeouts */
    uint32_t probes;  /* unanswered persist or keep-alive probes */

    /* timestamps (RFC 7323) */
    uint32_t ts_off, ts_recent, last_ack_sent;

    /* receive side */
    uint32_t irs, rcv_nxt, rcv_adv;
    uint8_t *rbuf;       /* ring of rcvbuf octets, from the stack's cache */
    uint32_t rpos, rlen; /* read position and in-order octets available */
    struct tcp_range ooo[TCP_OOO_MAX];
    uint32_t n_ooo;
    uint32_t peer_fin_seq; /* valid with peer_fin_seen */
    bool peer_fin_seen;
    uint32_t ack_pending; /* segments received since our last ACK */

    /* timers: absolute milliseconds, 0 = off */
    uint64_t t_rto, t_delack, t_persist, t_keep, t_tw, t_fin;
    uint64_t last_rx_ms;
};

struct tcp_listener {
    bool in_use;
    uint16_t port;
    uint64_t cookie;
    uint32_t ev;
    uint32_t n_half_open;
    uint32_t aq_head, aq_tail, n_queued; /* accept queue of connection slots */
};

struct tcp_arp_entry {
    uint32_t ip;
    uint8_t mac[6];
    uint8_t state; /* 0 free, 1 incomplete, 2 resolved, 3 static */
    uint64_t expire_ms, last_req_ms;
};

struct tcp_stack {
    struct tcp_stack_config cfg;
    struct tcp_stack_ops ops;
    struct tcp_stats stats;
    uint64_t now_us, now_ms;
    struct tcp_wheel wheel;
    struct tcp_conn *conns;
    uint32_t free_head, n_used;
    uint32_t tw_head, tw_tail; /* oldest TIME_WAIT first, recycled when full */
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint8_t flow_key[16];
    struct tcp_listener *listeners;
    uint32_t *readyq; /* handles with events; capacity ready_cap */
    uint32_t ready_cap, ready_head, ready_n;
    uint32_t *flushq; /* connections with output pending */
    uint32_t flush_n;
    uint8_t **rbuf_cache; /* receive rings kept for reuse */
    uint32_t n_rbuf_cache;
    struct tcp_chunk *chunk_mem;
    struct tcp_arp_entry arp[TCP_ARP_SLOTS];
    uint16_t ip_id;
    uint32_t port_cursor;
    uint64_t cookie_until_ms; /* SYN cookies were sent recently: accept them until then */
};

/* tcp_stack.c */
struct tcp_conn *tcp_st_conn_alloc(struct tcp_stack *st);
void tcp_st_conn_free(struct tcp_stack *st, struct tcp_conn *c);
void tcp_st_hash_insert(struct tcp_stack *st, struct tcp_conn *c);
void tcp_st_hash_remove(struct tcp_stack *st, struct tcp_conn *c);
void tcp_st_event(struct tcp_stack *st, struct tcp_conn *c, uint32_t ev);
void tcp_st_listener_event(struct tcp_stack *st, uint32_t li);
void tcp_st_flush_mark(struct tcp_stack *st, struct tcp_conn *c);
void tcp_st_tw_add(struct tcp_stack *st, struct tcp_conn *c);
bool tcp_st_rbuf_get(struct tcp_stack *st, struct tcp_conn *c);
void tcp_st_send_frame(struct tcp_stack *st, const uint8_t *hdr, size_t hdr_len,
                       const struct tcp_iov *pl, size_t n_pl);
/* Sends a TSO super-segment (ops.tx_tso) cut into `seg`-octet segments. */
void tcp_st_send_tso(struct tcp_stack *st, const uint8_t *hdr, size_t hdr_len,
                     const struct tcp_iov *pl, size_t n_pl, uint32_t seg);
bool tcp_st_arp_lookup(struct tcp_stack *st, uint32_t ip, uint8_t out_mac[6]);
uint32_t tcp_st_next_hop(const struct tcp_stack *st, uint32_t ip);
void tcp_st_accept_enqueue(struct tcp_stack *st, struct tcp_conn *c);

/* tcp_conn.c */
void tcp_conn_init(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_input(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s);
void tcp_conn_output(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_on_timer(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_timer_update(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_send_syn(struct tcp_stack *st, struct tcp_conn *c);
/* Sends a SYN-ACK carrying `tsval` (a SYN cookie's, for a connection that
 * exists only on the stack of the caller). */
void tcp_conn_send_synack(struct tcp_stack *st, struct tcp_conn *c, uint32_t tsval);
uint8_t tcp_conn_wscale_for(uint32_t rcvbuf);
void tcp_conn_send_rst(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_release_buffers(struct tcp_stack *st, struct tcp_conn *c);
void tcp_conn_drop(struct tcp_stack *st, struct tcp_conn *c, int err);
uint32_t tcp_conn_rwnd(const struct tcp_stack *st, const struct tcp_conn *c);
void tcp_conn_syn_options(struct tcp_stack *st, struct tcp_conn *c, const struct tcp_seg *s);
void tcp_conn_established(struct tcp_stack *st, struct tcp_conn *c);
uint32_t tcp_conn_isn(const struct tcp_stack *st, const struct tcp_conn *c);
void tcp_conn_send_seg(struct tcp_stack *st, struct tcp_conn *c, uint32_t seq, uint32_t len,
                       uint8_t flags);
int tcp_conn_write(struct tcp_stack *st, struct tcp_conn *c, size_t *out_n, const uint8_t *buf,
                   size_t len);
void tcp_conn_read_done(struct tcp_stack *st, struct tcp_conn *c);

/* A TCP reply to a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_st_reset_for(struct tcp_stack *st, const uint8_t *dmac, const struct tcp_seg *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Redline's user-space TCP/IPv4 stack, one instance per core, share-nothing:
 * Ethernet, ARP, ICMP echo, IPv4 and TCP, sans-I/O. Frames and the time come
 * in; frames leave through the caller's tx function, payload by reference to
 * the caller's buffers (mbufs under DPDK), so the stack includes no DPDK
 * header and runs in unit tests and fuzzers as it runs on a worker core.
 * An instance and its handles are used by the one thread that created it. */
#ifndef TCP_STACK_H
#define TCP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* A piece of payload: `len` octets at `data`, inside the caller's buffer
 * `buf` (from tcp_stack_ops.buf_alloc). */
struct tcp_iov {
    void *buf;
    const uint8_t *data;
    uint32_t len;
};

#define TCP_TSO_IOV_MAX 64 /* payload pieces per TSO super-segment (ops.tx_tso) */

/* What the stack needs from its environment. Called only from the stack's
 * own calls, on its core. */
struct tcp_stack_ops {
    void *ctx;
    /* tx sends one frame: the `hdr_len` octets at `hdr` (Ethernet header to
     * the last TCP option) then the payload pieces in order. It must copy
     * the payload or take its own references before returning. Returns 0,
     * or a negative code when the frame was not sent (it is counted and TCP
     * recovers as from a loss). */
    int (*tx)(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl, size_t n_pl);
    /* buf_alloc returns a payload buffer and sets its writable area, or
     * NULL when the pool is empty. */
    void *(*buf_alloc)(void *ctx, uint8_t **out_data, uint32_t *out_cap);
    /* buf_free drops the stack's reference to `buf`. */
    void (*buf_free)(void *ctx, void *buf);
    /* flow_local (optional) tells whether frames of this connection would be
     * steered to this instance's core (RSS); active opens pick source ports
     * for which it answers true. Addresses and ports in host order. */
    bool (*flow_local)(void *ctx, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
    /* tx_tso (required with tcp_stack_config.tso_max) sends one TCP
     * super-segment, as tx does a frame, whose payload the port cuts into
     * segments of `seg` octets (the last may be shorter), repeating the
     * headers with the sequence number, IPv4 length and ID advanced, and FIN
     * and PSH on the last segment only: a NIC's TSO. The IPv4 header checksum
     * is 0 and the TCP checksum field holds the pseudo-header sum without
     * the length (DPDK's rte_ipv4_phdr_cksum with RTE_MBUF_F_TX_TCP_SEG);
     * the port completes both in every segment. At most TCP_TSO_IOV_MAX
     * payload pieces, and tcp_stack_config.tso_segs_max segments where set.
     * Same returns as tx. */
    int (*tx_tso)(void *ctx, const uint8_t *hdr, size_t hdr_len, const struct tcp_iov *pl,
                  size_t n_pl, uint32_t seg);
};

/* Configuration of one instance. Addresses in host byte order; times in
 * milliseconds; 0 takes the default named in brackets. */
struct tcp_stack_config {
    uint8_t mac[6];
    uint32_t ip;
    uint8_t prefix_len;          /* on-link network [24] */
    uint32_t gateway;            /* 0: none (on-link peers only) */
    uint16_t mtu;                /* [1500] */
    uint32_t max_conns;          /* connection objects, TIME_WAIT included [4096] */
    uint32_t max_listeners;      /* [16] */
    uint32_t rcvbuf;             /* receive buffer per connection, octets [65536] */
    uint32_t sndbuf;             /* send queue limit per connection, octets [65536] */
    uint32_t min_rto_ms;         /* [200]; RFC 6298 2.4 suggests 1000 */
    uint32_t max_rto_ms;         /* [60000] */
    uint32_t init_rto_ms;        /* [1000], RFC 6298 2.1 */
    uint32_t max_retries;        /* retransmissions before the connection fails [12] */
    uint32_t syn_retries;        /* SYN / SYN-ACK retransmissions [5] */
    uint32_t delack_ms;          /* delayed ACK timeout [40] */
    uint32_t time_wait_ms;       /* TIME_WAIT (2 MSL) [60000] */
    uint32_t fin_timeout_ms;     /* FIN_WAIT_2 of a released connection [60000] */
    uint32_t keepalive_ms;       /* idle time before keep-alive probes; 0 = off */
    uint32_t keepalive_intvl_ms; /* [75000] */
    uint32_t keepalive_probes;   /* [9] */
    uint32_t syn_backlog;        /* half-open connections per listener before SYN cookies [256] */
    uint32_t accept_backlog;     /* established, not yet accepted, per listener [1024] */
    uint16_t port_lo, port_hi;   /* ephemeral ports for active opens [32768, 60999] */
    bool tx_csum_offload; /* leave L3/L4 checksums to the port (the pseudo-header sum is written) */
    uint32_t tso_max;     /* TSO: payload octets per super-segment (ops.tx_tso), 0 = off */
    uint16_t tso_segs_max; /* TSO: segments per super-segment at most, 0 = what tso_max holds */
    bool no_syn_cookies;   /* drop SYNs over the backlog instead */
    uint8_t secret[16];    /* ISN and SYN-cookie key: random, the same on every core */
};

/* Counters: everything dropped, retransmitted or refused. Plain integers
 * written by the owning core only. One list, so that names and fields
 * cannot drift apart (tcp_stats_name). */
/* clang-format off */
#define TCP_STATS_FIELDS(X) \
    X(rx_frames) X(rx_bytes) X(tx_frames) X(tx_bytes) X(tx_failed) X(tx_tso_frames) X(tx_tso_segs) \
    X(rx_short) X(rx_not_ours) \
    X(rx_ethertype) X(arp_rx) X(arp_bad) X(arp_requests_tx) X(arp_replies_tx) X(arp_unresolved) \
    X(ip_bad) X(ip_fragments) X(ip_not_ours) X(ip_proto) X(icmp_echo) X(icmp_bad) X(icmp_other) \
    X(tcp_bad) X(tcp_no_conn) X(tcp_rst_tx) X(tcp_rst_rx) X(tcp_out_of_window) X(tcp_paws) \
    X(tcp_ooo) X(tcp_ooo_dropped) X(tcp_dup_data) X(tcp_dup_acks) X(tcp_challenge_acks) \
    X(tcp_retransmits) X(tcp_rto) X(tcp_fast_retransmits) X(tcp_zero_window_probes) \
    X(tcp_keepalives) X(tcp_timeouts) X(syn_rx) X(syn_dropped) X(syn_cookies_sent) \
    X(syn_cookies_ok) X(syn_cookies_bad) X(accept_overflow) X(conn_exhausted) X(buf_exhausted) \
    X(tw_recycled) X(opened_passive) X(opened_active) X(closed)
/* clang-format on */

struct tcp_stats {
#define TCP_STATS_FIELD(name) uint64_t name;
    TCP_STATS_FIELDS(TCP_STATS_FIELD)
#undef TCP_STATS_FIELD
};

/* The number of counters in struct tcp_stats. */
#define TCP_STATS_COUNT (sizeof(struct tcp_stats) / sizeof(uint64_t))

/* tcp_stats_name returns the name of counter `i` (< TCP_STATS_COUNT) of
 * struct tcp_stats, in field order ("rx_frames", ...); tcp_stats_value its
 * value in `s`. */
const char *tcp_stats_name(size_t i);
uint64_t tcp_stats_value(const struct tcp_stats *s, size_t i);

/* tcp_counter_at reads counter `i` of a struct made only of `n` uint64_t
 * counters (0 past the end). */
uint64_t tcp_counter_at(const void *block, size_t n, size_t i);

/* Readiness, edge-triggered: the same bits as io_backend.h's enum io_flag. */
enum tcp_ev {
    TCP_EV_READABLE = 1,
    TCP_EV_WRITABLE = 2,
    TCP_EV_HANGUP = 4,
};

struct tcp_event {
    uint64_t cookie;
    uint32_t flags; /* enum tcp_ev */
};

/* Handles of listeners have this bit set. */
#define TCP_LISTENER_BIT 0x80000000u

struct tcp_stack;

/* tcp_stack_new creates an instance from `cfg` (copied) and `ops` (copied)
 * with its clock at `now_us` (any monotonic microseconds). Allocates every
 * connection object now. Returns 0 with *out_st, RL_EINVAL naming the field
 * in `diag`, or RL_ENOMEM. */
int tcp_stack_new(struct tcp_stack **out_st, struct rl_diag *diag,
                  const struct tcp_stack_config *cfg, const struct tcp_stack_ops *ops,
                  uint64_t now_us);

/* tcp_stack_free releases the instance, its connections and every payload
 * buffer it holds (through buf_free). NULL is a no-op. */
void tcp_stack_free(struct tcp_stack *st);

/* tcp_stack_input processes one received frame (`len` octets at `frame`,
 * borrowed). `csum_ok` says the port verified the IPv4 and TCP checksums.
 * Replies and ACKs may be sent at once or held until tcp_stack_flush. Any
 * frame, however malformed, is counted and dropped. Cannot fail. */
void tcp_stack_input(struct tcp_stack *st, const uint8_t *frame, size_t len, bool csum_ok,
                     uint64_t now_us);

/* tcp_stack_flush sends what a burst of input left pending (one ACK per
 * connection, window updates, data the ACKs allowed). Call after each burst. */
void tcp_stack_flush(struct tcp_stack *st, uint64_t now_us);

/* tcp_stack_timers runs the timers due at `now_us` (retransmission, delayed
 * ACK, persist, keep-alive, TIME_WAIT). Returns the number fired. */
size_t tcp_stack_timers(struct tcp_stack *st, uint64_t now_us);

/* tcp_stack_next_timer_us returns when the next timer may fire (absolute
 * microseconds), or UINT64_MAX when none is armed: how long a core may sleep. */
uint64_t tcp_stack_next_timer_us(const struct tcp_stack *st);

/* tcp_stack_listen listens on `port` of the instance's address. Returns 0
 * with *out_h, RL_EINVAL (port 0 or in use) or RL_ELIMIT. */
int tcp_stack_listen(struct tcp_stack *st, uint32_t *out_h, uint16_t port, uint64_t cookie);

/* tcp_stack_accept takes one established connection of listener `lh`, sets
 * *out_h and the peer's address and port. Returns 0, RL_EAGAIN when none is
 * waiting, RL_EINVAL for a bad handle. */
int tcp_stack_accept(struct tcp_stack *st, uint32_t *out_h, uint32_t *out_ip, uint16_t *out_port,
                     uint32_t lh, uint64_t cookie);

/* tcp_stack_set_cookie changes the value events of connection `h` carry.
 * Returns 0 or RL_EINVAL. */
int tcp_stack_set_cookie(struct tcp_stack *st, uint32_t h, uint64_t cookie);

/* tcp_stack_connect opens a connection to `ip`:`port` from a source port
 * that flow_local accepts. Completion shows as TCP_EV_WRITABLE (failure with
 * TCP_EV_HANGUP, and reads or writes return RL_EIO). Returns 0 with *out_h,
 * RL_ELIMIT when no connection object or port is free, RL_EINVAL. */
int tcp_stack_connect(struct tcp_stack *st, uint32_t *out_h, uint32_t ip, uint16_t port,
                      uint64_t cookie, uint64_t now_us);

/* tcp_stack_read copies up to `cap` received octets: 0 with *out_n > 0; 0
 * with *out_n == 0 at end of stream; RL_EAGAIN; RL_EIO after a reset or a
 * timeout. */
int tcp_stack_read(struct tcp_stack *st, size_t *out_n, uint32_t h, uint8_t *buf, size_t cap);

/* tcp_stack_write queues up to `len` octets (copied once into payload
 * buffers, then sent and retransmitted by reference): 0 with *out_n > 0,
 * RL_EAGAIN when the send queue is full, RL_EIO on a failed or closed
 * connection. */
int tcp_stack_write(struct tcp_stack *st, size_t *out_n, uint32_t h, const uint8_t *buf, size_t len,
                    uint64_t now_us);

/* tcp_stack_shutdown sends FIN after the queued data (half-close); reads
 * continue. Returns 0 or RL_EINVAL. */
int tcp_stack_shutdown(struct tcp_stack *st, uint32_t h, uint64_t now_us);

/* tcp_stack_close releases handle `h`. A connection closes gracefully (FIN
 * after queued data), or with RST when received data was left unread
 * (RFC 2525 2.17) or `abort` is set. A listener stops accepting and resets
 * what waits in its queue. The handle is invalid afterwards. */
void tcp_stack_close(struct tcp_stack *st, uint32_t h, bool abort, uint64_t now_us);

/* tcp_stack_poll fills up to `cap` readiness events. Burst call. */
size_t tcp_stack_poll(struct tcp_stack *st, struct tcp_event *out, size_t cap);

/* tcp_stack_conn_addr sets the local and remote address and port of
 * connection `h` (host order). Returns 0 or RL_EINVAL. */
int tcp_stack_conn_addr(const struct tcp_stack *st, uint32_t h, uint32_t *out_lip,
                        uint16_t *out_lport, uint32_t *out_rip, uint16_t *out_rport);

/* tcp_stack_stats lends the instance's counters. */
const struct tcp_stats *tcp_stack_stats(const struct tcp_stack *st);

/* tcp_stack_conn_count returns connection objects in use (TIME_WAIT too). */
uint32_t tcp_stack_conn_count(const struct tcp_stack *st);

/* tcp_stack_gratuitous_arp announces the instance's address (RFC 5227 3). */
void tcp_stack_gratuitous_arp(struct tcp_stack *st);

/* tcp_stack_arp_add sets a static neighbour entry (ip in host order). */
void tcp_stack_arp_add(struct tcp_stack *st, uint32_t ip, const uint8_t mac[6]);

#endif

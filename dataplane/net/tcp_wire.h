/* SPDX-License-Identifier: Apache-2.0 */
/* Wire formats of the user-space stack: Ethernet, ARP, IPv4, ICMP and TCP
 * headers read and written at byte offsets (no packed structs), the Internet
 * checksum, and TCP option parsing. Pure functions; any thread. */
#ifndef TCP_WIRE_H
#define TCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_ETH_HLEN 14
#define TCP_ETH_ALEN 6
#define TCP_ETHERTYPE_IPV4 0x0800
#define TCP_ETHERTYPE_ARP 0x0806
#define TCP_ARP_LEN 28
#define TCP_IP_HLEN 20
#define TCP_IP_PROTO_ICMP 1
#define TCP_IP_PROTO_TCP 6
#define TCP_ICMP_HLEN 8
#define TCP_TCP_HLEN 20
#define TCP_TCP_HLEN_MAX 60
/* Largest Ethernet + IPv4 + TCP header block the stack writes. */
#define TCP_FRAME_HDR_MAX (TCP_ETH_HLEN + TCP_IP_HLEN + TCP_TCP_HLEN_MAX)

enum tcp_flag {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
    TCP_URG = 0x20,
};

#define TCP_MAX_SACK 4

/* A TCP segment as read from the wire (host byte order). */
struct tcp_seg {
    uint32_t sip, dip;     /* IPv4 source and destination */
    uint16_t sport, dport; /* ports */
    uint32_t seq, ack;
    uint16_t wnd;        /* the window field, not yet scaled */
    uint8_t flags;       /* enum tcp_flag bits */
    const uint8_t *data; /* payload, borrowed from the frame */
    uint32_t len;        /* payload octets */
    /* options (RFC 9293 3.2, RFC 7323, RFC 2018) */
    uint16_t mss;   /* 0 when absent */
    uint8_t wscale; /* TCP_WS_NONE when absent */
    bool sack_ok;   /* SACK-permitted seen */
    bool has_ts;    /* timestamps seen */
    uint32_t tsval, tsecr;
    uint8_t n_sack; /* SACK blocks seen (informational) */
};
#define TCP_WS_NONE 0xff

static inline uint16_t
tcp_rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
tcp_rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
tcp_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
tcp_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Sequence-space comparisons (RFC 9293 3.4), modulo 2^32. */
static inline bool
tcp_seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline bool
tcp_seq_leq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

/* tcp_wire_sum adds the `len` octets at `p` to the one's complement partial
 * sum `sum` (below 2^31), as if they started at an even offset. Returns the
 * new sum folded to 16 bits, so a few sums may be added together. */
uint32_t tcp_wire_sum(uint32_t sum, const uint8_t *p, size_t len);

/* tcp_wire_fold folds a partial sum to the 16-bit one's complement checksum
 * (already inverted: the value to store in a header). */
uint16_t tcp_wire_fold(uint32_t sum);

/* tcp_wire_pseudo returns the partial sum of the IPv4 pseudo-header for a
 * TCP segment of `tcp_len` octets (RFC 9293 3.1). */
uint32_t tcp_wire_pseudo(uint32_t sip, uint32_t dip, uint32_t tcp_len);

/* tcp_wire_parse_tcp reads the TCP header and options of the `len` octets at
 * `p` (the IPv4 payload) into *out_seg, with `sip`/`dip` from the IPv4
 * header. With `verify_csum` the checksum is checked. Returns 0, or RL_EINVAL
 * for a short segment, a bad data offset or a bad checksum. Malformed
 * options end option parsing without failing the segment. Borrows `p`. */
int tcp_wire_parse_tcp(struct tcp_seg *out_seg, const uint8_t *p, size_t len, uint32_t sip,
                       uint32_t dip, bool verify_csum);

/* tcp_wire_ip_hdr writes a 20-octet IPv4 header (DF set, no options) with its
 * checksum to `p`. `total_len` counts header and payload. */
void tcp_wire_ip_hdr(uint8_t *p, uint32_t sip, uint32_t dip, uint8_t proto, uint16_t total_len,
                     uint16_t id, uint8_t ttl);

/* tcp_wire_eth_hdr writes an Ethernet II header to `p`. */
void tcp_wire_eth_hdr(uint8_t *p, const uint8_t *dst, const uint8_t *src, uint16_t ethertype);

#endif

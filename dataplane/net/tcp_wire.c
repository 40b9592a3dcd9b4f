/* SPDX-License-Identifier: Apache-2.0 */
/* Header layouts, the Internet checksum (RFC 1071) and TCP option parsing.
 * Pure functions; any thread. */
#include "tcp_wire.h"

#include <emmintrin.h>
#include <string.h>

#include "rl_error.h"

/* The sum is taken over 16-bit words in the machine's order (little
 * endian) and swapped once at the end: RFC 1071 2(B), a one's complement
 * sum of byte-swapped words is the byte-swapped sum. 64 octets a loop turn
 * into four 32-bit lanes (SSE2, the x86-64 baseline), each lane taking 8
 * words of at most 0xffff a turn: 2^13 turns stay below 2^32. */
#define SUM_TURNS 8192u

uint32_t
tcp_wire_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    uint64_t s = 0;
    const __m128i zero = _mm_setzero_si128();
    while (len >= 64) {
        size_t turns = len / 64 < SUM_TURNS ? len / 64 : SUM_TURNS;
        __m128i acc = zero;
        for (size_t t = 0; t < turns; t++, p += 64) {
            for (int k = 0; k < 64; k += 16) {
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
                acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(x, zero));
                acc = _mm_add_epi32(acc, _mm_unpackhi_epi16(x, zero));
            }
        }
        len -= turns * 64;
        uint32_t lane[4];
        _mm_storeu_si128((__m128i *)(void *)lane, acc);
        s += (uint64_t)lane[0] + lane[1] + lane[2] + lane[3];
    }
    while (len >= 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        s += w;
        p += 2;
        len -= 2;
    }
    while (s >> 16) {
        s = (s & 0xffffu) + (s >> 16);
    }
    uint64_t t = (uint64_t)sum + __builtin_bswap16((uint16_t)s);
    if (len) {
        t += (uint32_t)p[0] << 8;
    }
    while (t >> 16) {
        t = (t & 0xffffu) + (t >> 16);
    }
    return (uint32_t)t;
}

uint16_t
tcp_wire_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint32_t
tcp_wire_pseudo(uint32_t sip, uint32_t dip, uint32_t tcp_len)
{
    uint32_t s = (sip >> 16) + (sip & 0xffffu) + (dip >> 16) + (dip & 0xffffu);
    return s + TCP_IP_PROTO_TCP + tcp_len;
}

static void
parse_options(struct tcp_seg *s, const uint8_t *o, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == 0) { /* end of option list */
            return;
        }
        if (kind == 1) { /* no-operation */
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
            return; /* malformed: stop reading options, keep the segment */
        }
        uint8_t olen = o[i + 1];
        const uint8_t *v = o + i + 2;
        if (kind == 2 && olen == 4 && (s->flags & TCP_SYN)) {
            s->mss = tcp_rd16(v);
        } else if (kind == 3 && olen == 3 && (s->flags & TCP_SYN)) {
            /* RFC 7323 2.3: a shift above 14 is used as 14 */
            s->wscale = v[0] > 14 ? 14 : v[0];
        } else if (kind == 4 && olen == 2 && (s->flags & TCP_SYN)) {
            s->sack_ok = true;
        } else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
            s->n_sack = (uint8_t)((olen - 2) / 8);
        } else if (kind == 8 && olen == 10) {
            s->has_ts = true;
            s->tsval = tcp_rd32(v);
            s->tsecr = tcp_rd32(v + 4);
        }
        i += olen;
    }
}

int
tcp_wire_parse_tcp(struct tcp_seg *out_seg, const uint8_t *p, size_t len, uint32_t sip,
                   uint32_t dip, bool verify_csum)
{
    if (len < TCP_TCP_HLEN) {
        return RL_EINVAL;
    }
    size_t off = (size_t)(p[12] >> 4) * 4;
    if (off < TCP_TCP_HLEN || off > len) {
        return RL_EINVAL;
    }
    if (verify_csum) {
        uint32_t s = tcp_wire_sum(tcp_wire_pseudo(sip, dip, (uint32_t)len), p, len);
        if (tcp_wire_fold(s) != 0) {
            return RL_EINVAL;
        }
    }
    struct tcp_seg *s = out_seg;
    memset(s, 0, sizeof(*s));
    s->sip = sip;
    s->dip = dip;
    s->sport = tcp_rd16(p);
    s->dport = tcp_rd16(p + 2);
    s->seq = tcp_rd32(p + 4);
    s->ack = tcp_rd32(p + 8);
    s->flags = p[13] & 0x3f;
    s->wnd = tcp_rd16(p + 14);
    s->wscale = TCP_WS_NONE;
    s->data = p + off;
    s->len = (uint32_t)(len - off);
    parse_options(s, p + TCP_TCP_HLEN, off - TCP_TCP_HLEN);
    return 0;
}

void
tcp_wire_ip_hdr(uint8_t *p, uint32_t sip, uint32_t dip, uint8_t proto, uint16_t total_len,
                uint16_t id, uint8_t ttl)
{
    p[0] = 0x45;
    p[1] = 0;
    tcp_wr16(p + 2, total_len);
    tcp_wr16(p + 4, id);
    tcp_wr16(p + 6, 0x4000); /* DF: the stack never fragments */
    p[8] = ttl;
    p[9] = proto;
    tcp_wr16(p + 10, 0);
    tcp_wr32(p + 12, sip);
    tcp_wr32(p + 16, dip);
    tcp_wr16(p + 10, tcp_wire_fold(tcp_wire_sum(0, p, TCP_IP_HLEN)));
}

void
tcp_wire_eth_hdr(uint8_t *p, const uint8_t *dst, const uint8_t *src, uint16_t ethertype)
{
    memcpy(p, dst, TCP_ETH_ALEN);
    memcpy(p + TCP_ETH_ALEN, src, TCP_ETH_ALEN);
    tcp_wr16(p + 12, ethertype);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Text forms of io_addr and io_prefix (inet_pton/inet_ntop underneath) and
 * prefix matching. Owns no state; pure functions, callable from any thread,
 * including the workers (io_prefix_match, io_addr_equal). */
#include "io_addr.h"

#include <arpa/inet.h>
#include <string.h>

#include "rl_error.h"

/* The longest text either parser accepts: "[" v6 with embedded IPv4 "]:65535". */
#define TEXT_MAX 64

static const uint8_t v4_mapped_head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* parse_decimal reads 1..max_digits ASCII digits, nothing else, as a number
 * no greater than `hi`. Leading zeros are refused ("025" is a typo, not 25). */
static bool
parse_decimal(unsigned *out, const char *s, size_t len, size_t max_digits, unsigned hi)
{
    if (len == 0 || len > max_digits || (len > 1 && s[0] == '0')) {
        return false;
    }
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/* parse_ip reads a bare IPv4 or IPv6 address (no brackets) from s[0..len). */
static bool
parse_ip(struct io_addr *out, const char *s, size_t len)
{
    char buf[TEXT_MAX];
    if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL) {
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (memchr(s, ':', len) != NULL) {
        out->family = IO_AF_INET6;
        return inet_pton(AF_INET6, buf, out->ip) == 1;
    }
    out->family = IO_AF_INET4;
    return inet_pton(AF_INET, buf, out->ip) == 1;
}

int
io_addr_parse(struct io_addr *out_addr, const char *text, size_t len)
{
    struct io_addr a;
    size_t colon = len;
    while (colon > 0 && text[colon - 1] != ':') {
        colon--;
    }
    if (colon == 0) {
        return RL_EINVAL; /* no port */
    }
    const char *host = text;
    size_t host_len = colon - 1;
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
        if (memchr(host, ':', host_len) == NULL) {
            return RL_EINVAL; /* brackets are for IPv6 only */
        }
    } else if (memchr(host, ':', host_len) != NULL) {
        return RL_EINVAL; /* IPv6 without brackets is ambiguous with the port */
    }
    unsigned port = 0;
    if (!parse_ip(&a, host, host_len) ||
        !parse_decimal(&port, text + colon, len - colon, 5, 65535) || port == 0) {
        return RL_EINVAL;
    }
    a.port = (uint16_t)port;
    *out_addr = a;
    return 0;
}

size_t
io_addr_format_ip(char *out, size_t out_cap, const struct io_addr *a)
{
    char buf[INET6_ADDRSTRLEN];
    const char *r = NULL;
    if (a->family == IO_AF_INET4) {
        r = inet_ntop(AF_INET, a->ip, buf, sizeof(buf));
    } else if (a->family == IO_AF_INET6) {
        r = inet_ntop(AF_INET6, a->ip, buf, sizeof(buf));
    }
    size_t n = r != NULL ? strlen(buf) : 0;
    if (n == 0 || n >= out_cap) {
        return 0;
    }
    memcpy(out, buf, n + 1);
    return n;
}

size_t
io_addr_format(char *out, size_t out_cap, const struct io_addr *a)
{
    char ip[INET6_ADDRSTRLEN];
    char port[8];
    size_t ip_len = io_addr_format_ip(ip, sizeof(ip), a);
    if (ip_len == 0) {
        return 0;
    }
    size_t port_len = 0;
    for (unsigned p = a->port;; p /= 10) {
        port[port_len++] = (char)('0' + p % 10);
        if (p < 10) {
            break;
        }
    }
    bool v6 = a->family == IO_AF_INET6;
    size_t n = ip_len + (v6 ? 2 : 0) + 1 + port_len;
    if (n >= out_cap) {
        return 0;
    }
    size_t at = 0;
    if (v6) {
        out[at++] = '[';
    }
    memcpy(out + at, ip, ip_len);
    at += ip_len;
    if (v6) {
        out[at++] = ']';
    }
    out[at++] = ':';
    while (port_len > 0) {
        out[at++] = port[--port_len];
    }
    out[at] = '\0';
    return n;
}

/* bits_equal compares the first `bits` bits of a and b. */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8;
    if (memcmp(a, b, bytes) != 0) {
        return false;
    }
    unsigned rest = bits % 8;
    if (rest == 0) {
        return true;
    }
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

int
io_prefix_parse(struct io_prefix *out_prefix, const char *text, size_t len)
{
    struct io_prefix p;
    const char *slash = memchr(text, '/', len);
    size_t ip_len = slash != NULL ? (size_t)(slash - text) : len;
    if (!parse_ip(&p.net, text, ip_len)) {
        return RL_EINVAL;
    }
    unsigned max = p.net.family == IO_AF_INET4 ? 32 : 128;
    unsigned bits = max;
    if (slash != NULL && !parse_decimal(&bits, slash + 1, len - ip_len - 1, 3, max)) {
        return RL_EINVAL;
    }
    /* Host bits below the prefix are a typo ("10.0.0.1/8"), not a network. */
    for (unsigned i = bits / 8; i < max / 8; i++) {
        unsigned keep = i == bits / 8 ? bits % 8 : 0;
        if ((p.net.ip[i] & (0xff >> keep)) != 0) {
            return RL_EINVAL;
        }
    }
    p.prefix_len = (uint8_t)bits;
    *out_prefix = p;
    return 0;
}

bool
io_prefix_match(const struct io_prefix *p, const struct io_addr *a)
{
    uint8_t ip[16];
    if (p->net.family == IO_AF_INET4) {
        if (a->family == IO_AF_INET4) {
            memcpy(ip, a->ip, 4);
        } else if (a->family == IO_AF_INET6 &&
                   memcmp(a->ip, v4_mapped_head, sizeof(v4_mapped_head)) == 0) {
            /* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d. */
            memcpy(ip, a->ip + 12, 4);
        } else {
            return false;
        }
    } else if (p->net.family == IO_AF_INET6) {
        if (a->family == IO_AF_INET6) {
            memcpy(ip, a->ip, 16);
        } else if (a->family == IO_AF_INET4) {
            /* The same peer seen through an IPv4 socket: compare its mapped
             * form, so "::ffff:10.0.0.0/104" means what it says either way. */
            memcpy(ip, v4_mapped_head, sizeof(v4_mapped_head));
            memcpy(ip + 12, a->ip, 4);
        } else {
            return false;
        }
    } else {
        return false;
    }
    return bits_equal(ip, p->net.ip, p->prefix_len);
}

bool
io_addr_equal(const struct io_addr *a, const struct io_addr *b)
{
    size_t n = a->family == IO_AF_INET4 ? 4 : 16;
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, n) == 0;
}

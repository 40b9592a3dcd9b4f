/* SPDX-License-Identifier: Apache-2.0 */
/* Network addresses as the dataplane sees them, independent of any socket
 * API: IPv4 or IPv6 bytes and a port, plus CIDR prefixes. Pure functions;
 * callable from any thread. */
#ifndef IO_ADDR_H
#define IO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IO_ADDR_STRLEN fits "[ffff:...:ffff]:65535" and a NUL. */
#define IO_ADDR_STRLEN 56

enum io_family {
    IO_AF_NONE = 0,
    IO_AF_INET4,
    IO_AF_INET6,
};

struct io_addr {
    enum io_family family;
    uint8_t ip[16]; /* network byte order; IPv4 uses ip[0..3] */
    uint16_t port;  /* host byte order */
};

/* A network prefix: the first `prefix_len` bits of `net`. */
struct io_prefix {
    struct io_addr net; /* port unused */
    uint8_t prefix_len; /* 0..32 for IPv4, 0..128 for IPv6 */
};

/* io_addr_parse reads "a.b.c.d:port" or "[v6]:port" (port 1..65535) from the
 * `len` octets at `text` into *out_addr. Returns 0 or RL_EINVAL. Host names
 * are not resolved here. */
int io_addr_parse(struct io_addr *out_addr, const char *text, size_t len);

/* io_addr_format writes `a` as io_addr_parse reads it ("[v6]:port"), NUL
 * terminated, to `out` (capacity `out_cap` >= IO_ADDR_STRLEN). Returns the
 * length written, 0 if it does not fit. */
size_t io_addr_format(char *out, size_t out_cap, const struct io_addr *a);

/* io_addr_format_ip is io_addr_format without the port and brackets. */
size_t io_addr_format_ip(char *out, size_t out_cap, const struct io_addr *a);

/* io_prefix_parse reads "a.b.c.d/n", "v6/n" or a bare address (a host
 * prefix) into *out_prefix. Host bits set below the prefix are refused, so
 * a typo cannot widen a relay network silently. Returns 0 or RL_EINVAL. */
int io_prefix_parse(struct io_prefix *out_prefix, const char *text, size_t len);

/* io_prefix_match tells whether `a` lies inside `p`. An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) matches IPv4 prefixes as its IPv4 address. */
bool io_prefix_match(const struct io_prefix *p, const struct io_addr *a);

/* io_addr_equal compares family, address and port. */
bool io_addr_equal(const struct io_addr *a, const struct io_addr *b);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Keyed hashes of the stack: SipHash-2-4 for initial sequence numbers
 * (RFC 6528) and SYN cookies, and the flow-table hash. Pure functions. */
#ifndef TCP_HASH_H
#define TCP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* tcp_siphash returns SipHash-2-4 of the `len` octets at `in` under the
 * 16-octet `key`. */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *in, size_t len);

/* tcp_hash_tuple returns SipHash of a connection's 4-tuple and `extra`
 * under `key`: the pseudo-random function of RFC 6528 and of SYN cookies. */
uint64_t tcp_hash_tuple(const uint8_t key[16], uint32_t lip, uint16_t lport, uint32_t rip,
                        uint16_t rport, uint32_t extra);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Connection limits per client address and per network (issue 13: one
 * address held 4,096 idle connections and locked everyone else out). One
 * table for the whole process, shared by every worker without a lock: each
 * slot is one 64-bit word, a key's fingerprint and its count, changed by
 * compare-and-swap; a connection keeps a ticket naming its slots, so taking
 * and giving back are O(1) (a bounded probe window, never a scan of the
 * connections). */
#ifndef DP_CONNLIMIT_H
#define DP_CONNLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "io_addr.h"
#include "rl_error.h"

#define DP_CONNLIMIT_WINDOW 16 /* slots probed per key: 128 octets, two cache lines */

/* The limits one take applies; 0 = no limit of that kind. */
struct dp_connlimit_rules {
    uint32_t max_per_ip;  /* connections from one address (IPv4, or IPv6 /128) */
    uint32_t max_per_net; /* connections from one network of the lengths below */
    uint8_t v4_prefix;    /* 8..32: the IPv4 network's length (24) */
    uint8_t v6_prefix;    /* 16..128: the IPv6 network's length (64) */
};

/* What a connection holds: the slots it counts in. */
struct dp_connlimit_ticket {
    uint32_t slot[2]; /* address, network */
    uint64_t fp[2];   /* their keys' fingerprints; 0: not counted */
};

struct dp_connlimit;

/* dp_connlimit_new makes a table for at least `max_connections` connections
 * at once (the process's maximum; each counts under two keys) and a key
 * secret from the kernel, so that clients cannot aim their addresses at one
 * probe window. Returns 0 with *out_t, RL_ENOMEM or RL_EIO. Start-up. */
int dp_connlimit_new(struct dp_connlimit **out_t, uint64_t max_connections);

/* dp_connlimit_free releases `t` (NULL is a no-op). */
void dp_connlimit_free(struct dp_connlimit *t);

/* dp_connlimit_take counts one connection from `peer` (an IPv4-mapped IPv6
 * address counts as its IPv4 address) if neither its address nor its
 * network is at its limit in `rules`, and fills *out_ticket for
 * dp_connlimit_give. Returns 0, or RL_ELIMIT with nothing counted (also in
 * the unlikely case that a probe window is full of other live keys). Two
 * workers taking for one key at the same instant may each pass at limit - 1:
 * a limit may be exceeded by at most the number of workers minus one. Any
 * thread, lock-free. */
int dp_connlimit_take(struct dp_connlimit *t, struct dp_connlimit_ticket *out_ticket,
                      const struct io_addr *peer, const struct dp_connlimit_rules *rules);

/* dp_connlimit_give gives back what `ticket` counts (a ticket that counted
 * nothing is a no-op) and clears it. Any thread, lock-free. */
void dp_connlimit_give(struct dp_connlimit *t, struct dp_connlimit_ticket *ticket);

/* dp_connlimit_count returns how many connections `peer`'s address
 * (`net` false) or network (`net` true) has now, under `rules`' prefix
 * lengths. For tests and the control socket. */
uint32_t dp_connlimit_count(const struct dp_connlimit *t, const struct io_addr *peer, bool net,
                            const struct dp_connlimit_rules *rules);

#endif

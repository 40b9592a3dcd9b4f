/* SPDX-License-Identifier: Apache-2.0 */
/* The connection-limit table: open addressing over 64-bit words (a 48-bit
 * key fingerprint and a 16-bit count), compare-and-swap only. A key may end
 * up in two slots of its window when two workers add it at once; its count
 * is the sum over the window, so that costs nothing but a slot. A slot whose
 * count fell to 0 keeps its fingerprint (the same key finds it again first)
 * and may be taken by any other key. */
#include "dp_connlimit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define COUNT_MASK 0xffffu
#define ATTEMPTS 64 /* compare-and-swap rounds lost in a row before giving up */

struct dp_connlimit {
    uint64_t *slots; /* atomic words; index by hash & mask */
    uint32_t mask;
    uint64_t k0, k1; /* key secret */
};

/* mix is a 64-bit finaliser (splitmix64's): every input bit moves every
 * output bit, so with a secret in the input the slot cannot be aimed at. */
static uint64_t
mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* A key: the address or network, as it is counted. */
struct key {
    uint64_t hash; /* slot = hash & mask */
    uint64_t fp;   /* 48 bits, never 0 */
};

/* make_key keys `peer`'s address (`net` false) or network under `rules`. */
static struct key
make_key(const struct dp_connlimit *t, const struct io_addr *peer, bool net,
         const struct dp_connlimit_rules *rules)
{
    uint8_t ip[16] = {0};
    bool v4 = peer->family == IO_AF_INET4;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (peer->family == IO_AF_INET6 && memcmp(peer->ip, mapped, 12) == 0) {
        v4 = true;
        memcpy(ip, peer->ip + 12, 4);
    } else {
        memcpy(ip, peer->ip, v4 ? 4 : 16);
    }
    unsigned bits = net ? (v4 ? rules->v4_prefix : rules->v6_prefix) : (v4 ? 32u : 128u);
    for (unsigned i = 0; i < 16; i++) {
        unsigned have = bits > i * 8 ? bits - i * 8 : 0;
        ip[i] &= have >= 8 ? 0xff : (uint8_t)(0xff00u >> have);
    }
    uint64_t a, b;
    memcpy(&a, ip, 8);
    memcpy(&b, ip + 8, 8);
    uint64_t tag = (uint64_t)bits << 8 | (uint64_t)v4 << 1 | (uint64_t)net;
    uint64_t h = mix(mix(a ^ t->k0) ^ b ^ t->k1) ^ mix(tag + t->k0);
    struct key k = {.hash = h, .fp = (h >> 16) != 0 ? h >> 16 : 1};
    return k;
}

int
dp_connlimit_new(struct dp_connlimit **out_t, uint64_t max_connections)
{
    /* Two keys per connection, kept under a quarter full: a window of 16
     * is then all but never full of live keys. */
    uint64_t want = max_connections * 8 < 4096 ? 4096 : max_connections * 8;
    uint64_t n = 1;
    while (n < want && n < ((uint64_t)1 << 30)) {
        n <<= 1;
    }
    struct dp_connlimit *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return RL_ENOMEM;
    }
    t->slots = aligned_alloc(64, n * sizeof(uint64_t));
    if (t->slots == NULL) {
        free(t);
        return RL_ENOMEM;
    }
    memset(t->slots, 0, n * sizeof(uint64_t));
    t->mask = (uint32_t)(n - 1);
    uint64_t k[2];
    if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
        dp_connlimit_free(t);
        return RL_EIO;
    }
    t->k0 = k[0];
    t->k1 = k[1];
    *out_t = t;
    return 0;
}

void
dp_connlimit_free(struct dp_connlimit *t)
{
    if (t == NULL) {
        return;
    }
    free(t->slots);
    free(t);
}

/* sum_window returns the count of `k` over its window and finds the slot to
 * add to: its own (first match) or else the first with no live key. */
static uint32_t
sum_window(const struct dp_connlimit *t, struct key k, int64_t *out_match, uint64_t *out_mw,
           int64_t *out_free, uint64_t *out_fw)
{
    uint32_t sum = 0;
    *out_match = *out_free = -1;
    for (uint32_t j = 0; j < DP_CONNLIMIT_WINDOW; j++) {
        uint32_t s = (uint32_t)(k.hash + j) & t->mask;
        uint64_t w = __atomic_load_n(&t->slots[s], __ATOMIC_ACQUIRE);
        if (w >> 16 == k.fp) {
            sum += (uint32_t)(w & COUNT_MASK);
            if (*out_match < 0) {
                *out_match = s;
                *out_mw = w;
            }
        } else if ((w & COUNT_MASK) == 0 && *out_free < 0) {
            *out_free = s;
            *out_fw = w;
        }
    }
    return sum;
}

/* take_key adds one to `k` unless it is at `limit` (0: none). Sets *out_slot. */
static int
take_key(struct dp_connlimit *t, struct key k, uint32_t limit, uint32_t *out_slot)
{
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int64_t match, free_slot;
        uint64_t mw = 0, fw = 0;
        uint32_t sum = sum_window(t, k, &match, &mw, &free_slot, &fw);
        if (limit != 0 && sum >= limit) {
            return RL_ELIMIT;
        }
        if (match >= 0 && (mw & COUNT_MASK) < COUNT_MASK) {
            if (__atomic_compare_exchange_n(&t->slots[match], &mw, mw + 1, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                *out_slot = (uint32_t)match;
                return 0;
            }
            continue;
        }
        if (free_slot < 0) {
            return RL_ELIMIT; /* the window holds 16 live keys: refuse, never overwrite */
        }
        if (__atomic_compare_exchange_n(&t->slots[free_slot], &fw, k.fp << 16 | 1u, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            *out_slot = (uint32_t)free_slot;
            return 0;
        }
    }
    return RL_ELIMIT;
}

static void
give_slot(struct dp_connlimit *t, uint32_t slot, uint64_t fp)
{
    uint64_t w = __atomic_load_n(&t->slots[slot], __ATOMIC_ACQUIRE);
    /* Our count keeps the slot ours: no other key can take it while > 0. */
    while (w >> 16 == fp && (w & COUNT_MASK) > 0) {
        if (__atomic_compare_exchange_n(&t->slots[slot], &w, w - 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            return;
        }
    }
}

int
dp_connlimit_take(struct dp_connlimit *t, struct dp_connlimit_ticket *out_ticket,
                  const struct io_addr *peer, const struct dp_connlimit_rules *rules)
{
    memset(out_ticket, 0, sizeof(*out_ticket));
    struct key ka = make_key(t, peer, false, rules);
    struct key kn = make_key(t, peer, true, rules);
    if (take_key(t, ka, rules->max_per_ip, &out_ticket->slot[0]) != 0) {
        return RL_ELIMIT;
    }
    if (take_key(t, kn, rules->max_per_net, &out_ticket->slot[1]) != 0) {
        give_slot(t, out_ticket->slot[0], ka.fp);
        return RL_ELIMIT;
    }
    out_ticket->fp[0] = ka.fp;
    out_ticket->fp[1] = kn.fp;
    return 0;
}

void
dp_connlimit_give(struct dp_connlimit *t, struct dp_connlimit_ticket *ticket)
{
    for (int i = 0; i < 2; i++) {
        if (ticket->fp[i] != 0) {
            give_slot(t, ticket->slot[i], ticket->fp[i]);
        }
    }
    memset(ticket, 0, sizeof(*ticket));
}

uint32_t
dp_connlimit_count(const struct dp_connlimit *t, const struct io_addr *peer, bool net,
                   const struct dp_connlimit_rules *rules)
{
    int64_t m, f;
    uint64_t mw, fw;
    return sum_window(t, make_key(t, peer, net, rules), &m, &mw, &f, &fw);
}

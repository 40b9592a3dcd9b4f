/* SPDX-License-Identifier: Apache-2.0 */
/* A hashed timer wheel with 1 ms ticks, one per core: intrusive nodes, O(1)
 * arm and cancel, expiry in batches. Owned and called by one core only. */
#ifndef TCP_TIMER_H
#define TCP_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_WHEEL_SLOTS 1024 /* one revolution: 1.024 s; later timers wait rounds */

/* A timer node lives inside the object it times; zeroed means unarmed. */
struct tcp_tnode {
    struct tcp_tnode *next, *prev; /* slot list; NULL when unarmed */
    uint64_t expire_ms;            /* absolute, in the wheel's milliseconds */
};

struct tcp_wheel {
    struct tcp_tnode slot[TCP_WHEEL_SLOTS]; /* list heads */
    uint64_t now_ms;                        /* last tick processed */
    size_t n_armed;
};

typedef void (*tcp_wheel_fire_fn)(void *ctx, struct tcp_tnode *n);

/* tcp_wheel_init empties `w` with its clock at `now_ms`. */
void tcp_wheel_init(struct tcp_wheel *w, uint64_t now_ms);

/* tcp_wheel_arm (re)schedules `n` to fire at `expire_ms` (a time already
 * past fires on the next advance). */
void tcp_wheel_arm(struct tcp_wheel *w, struct tcp_tnode *n, uint64_t expire_ms);

/* tcp_wheel_cancel unschedules `n`; a no-op when it is not armed. */
void tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_tnode *n);

/* tcp_tnode_armed tells whether `n` is scheduled. */
static inline bool
tcp_tnode_armed(const struct tcp_tnode *n)
{
    return n->next != NULL;
}

/* tcp_wheel_advance moves the clock to `now_ms` and calls `fire` for every
 * node that expired, each unscheduled before its call (the callback may arm
 * it again, or arm or cancel others). Returns the number fired (burst). */
size_t tcp_wheel_advance(struct tcp_wheel *w, uint64_t now_ms, tcp_wheel_fire_fn fire, void *ctx);

#endif

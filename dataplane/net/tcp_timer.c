/* SPDX-License-Identifier: Apache-2.0 */
/* The per-core timer wheel: slot = expiry modulo the wheel size; a node whose
 * expiry is rounds away stays in its slot until its time. One core only. */
#include "tcp_timer.h"

static void
unlink_node(struct tcp_tnode *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = NULL;
    n->prev = NULL;
}

static void
push(struct tcp_tnode *head, struct tcp_tnode *n)
{
    n->next = head->next;
    n->prev = head;
    head->next->prev = n;
    head->next = n;
}

void
tcp_wheel_init(struct tcp_wheel *w, uint64_t now_ms)
{
    for (size_t i = 0; i < TCP_WHEEL_SLOTS; i++) {
        w->slot[i].next = &w->slot[i];
        w->slot[i].prev = &w->slot[i];
    }
    w->now_ms = now_ms;
    w->n_armed = 0;
}

void
tcp_wheel_arm(struct tcp_wheel *w, struct tcp_tnode *n, uint64_t expire_ms)
{
    if (tcp_tnode_armed(n)) {
        unlink_node(n);
        w->n_armed--;
    }
    if (expire_ms <= w->now_ms) {
        expire_ms = w->now_ms + 1;
    }
    n->expire_ms = expire_ms;
    push(&w->slot[expire_ms % TCP_WHEEL_SLOTS], n);
    w->n_armed++;
}

void
tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_tnode *n)
{
    if (tcp_tnode_armed(n)) {
        unlink_node(n);
        w->n_armed--;
    }
}

size_t
tcp_wheel_advance(struct tcp_wheel *w, uint64_t now_ms, tcp_wheel_fire_fn fire, void *ctx)
{
    if (now_ms <= w->now_ms) {
        return 0;
    }
    uint64_t from = w->now_ms + 1;
    uint64_t ticks = now_ms - w->now_ms;
    if (ticks > TCP_WHEEL_SLOTS) {
        ticks = TCP_WHEEL_SLOTS; /* every slot once covers every expiry */
    }
    w->now_ms = now_ms;
    /* Expired nodes move to a private list first, so callbacks that arm
     * timers never touch the slot being walked. */
    struct tcp_tnode due = {.next = &due, .prev = &due};
    for (uint64_t t = 0; t < ticks; t++) {
        struct tcp_tnode *head = &w->slot[(from + t) % TCP_WHEEL_SLOTS];
        for (struct tcp_tnode *n = head->next, *nx; n != head; n = nx) {
            nx = n->next;
            if (n->expire_ms <= now_ms) {
                unlink_node(n);
                push(&due, n);
            }
        }
    }
    size_t fired = 0;
    while (due.next != &due) {
        struct tcp_tnode *n = due.prev; /* oldest first */
        unlink_node(n);
        w->n_armed--;
        fire(ctx, n);
        fired++;
    }
    return fired;
}

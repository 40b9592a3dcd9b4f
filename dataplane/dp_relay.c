/* SPDX-License-Identifier: Apache-2.0 */
/* Next-hop connections of one worker: sequential failover through an MTA
 * group's hosts, a pool of greeted connections per host reused across
 * messages, and the byte pumping for the relay SMTP client. */
#include <string.h>

#include "dp_conn.h"

static void
pool_remove(struct dp_worker *w, struct dp_out *o)
{
    struct dp_out **pp = &w->pool[o->group][o->hop];
    while (*pp != NULL && *pp != o) {
        pp = &(*pp)->pool_next;
    }
    if (*pp == o) {
        *pp = o->pool_next;
        w->n_pool[o->group][o->hop]--;
    }
    o->in_pool = false;
    o->pool_next = NULL;
}

void
dp_out_close(struct dp_worker *w, struct dp_out *o)
{
    if (!o->live) {
        return;
    }
    if (o->in_pool) {
        pool_remove(w, o);
    }
    if (o->owner != NULL && o->owner->out == o) {
        o->owner->out = NULL;
    }
    o->owner = NULL;
    o->body = NULL;
    w->io->ops->close(w->io, o->b.h);
    dp_unlink(&o->b);
    o->live = false;
    dp_worker_put_out(w, o);
}

static void
pool_put(struct dp_worker *w, struct dp_out *o)
{
    if (w->draining || w->n_pool[o->group][o->hop] >= w->cfg->pool_per_hop ||
        smtp_client_state(&o->cli) != SMTP_C_READY) {
        dp_out_close(w, o);
        return;
    }
    o->owner = NULL;
    o->in_pool = true;
    o->idle_since_ms = w->now_ms;
    o->pool_next = w->pool[o->group][o->hop];
    w->pool[o->group][o->hop] = o;
    w->n_pool[o->group][o->hop]++;
}

/* pick_hop returns the first hop of the group not tried yet in this attempt,
 * preferring hops not marked down; -1 when every hop was tried. */
static int
pick_hop(struct dp_worker *w, const struct dp_in *in)
{
    const struct dp_mta_group *g = &w->cfg->groups[in->group];
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t h = 0; h < g->n_hops; h++) {
            bool tried = (in->hops_tried >> h) & 1u;
            bool down = w->hop_down_until[in->group][h] > w->now_ms;
            if (!tried && (pass == 1 || !down)) {
                return (int)h;
            }
        }
    }
    return -1;
}

int
dp_relay_acquire(struct dp_worker *w, struct dp_in *in)
{
    for (;;) {
        int hop = pick_hop(w, in);
        if (hop < 0) {
            return RL_EIO;
        }
        in->hops_tried |= 1u << hop;
        uint32_t g = (uint32_t)in->group;
        struct dp_out *o = w->pool[g][hop];
        if (o != NULL) {
            pool_remove(w, o);
            o->owner = in;
            o->fresh = true;
            in->out = o;
            dp_stats_add(w->stats, DP_C_RELAY_REUSED, 1);
            dp_in_relay_ready(w, in);
            return 0;
        }
        o = dp_worker_get_out(w);
        if (o == NULL) {
            return RL_ENOMEM;
        }
        memset(&o->b, 0, sizeof(o->b));
        o->b.kind = DP_K_OUT;
        int rc = w->io->ops->connect(w->io, &o->b.h, &w->cfg->groups[g].hops[hop],
                                     (uint64_t)(uintptr_t)&o->b);
        dp_stats_add(w->stats, DP_C_RELAY_CONNECTS, 1);
        if (rc != 0) {
            dp_worker_put_out(w, o);
            w->hop_down_until[g][hop] = w->now_ms + DP_HOP_DOWN_MS;
            dp_stats_add(w->stats, DP_C_RELAY_FAILOVERS, 1);
            continue;
        }
        smtp_client_reset(&o->cli);
        o->group = g;
        o->hop = (uint32_t)hop;
        o->owner = in;
        o->ready = false;
        o->fresh = false;
        o->in_pool = false;
        o->live = true;
        o->rx_off = o->rx_len = 0;
        o->body = NULL;
        o->deadline_ms = w->now_ms + w->cfg->connect_timeout_ms;
        dp_link(w, &o->b);
        in->out = o;
        in->wait = DP_W_CONNECT;
        return 0;
    }
}

void
dp_relay_command(struct dp_worker *w, struct dp_out *o)
{
    dp_run_later(w, &o->b);
}

void
dp_relay_send_body(struct dp_worker *w, struct dp_out *o, const uint8_t *body, size_t len)
{
    o->body = body;
    o->body_len = len;
    o->body_off = 0;
    dp_run_later(w, &o->b);
}

void
dp_relay_release(struct dp_worker *w, struct dp_out *o)
{
    o->owner = NULL;
    o->body = NULL;
    pool_put(w, o);
}

void
dp_relay_detach(struct dp_worker *w, struct dp_out *o)
{
    o->owner = NULL;
    switch (smtp_client_state(&o->cli)) {
    case SMTP_C_INIT:
    case SMTP_C_EHLO:
    case SMTP_C_HELO:
    case SMTP_C_DOT:
        /* Greeting still under way, or the message is complete: the
         * connection goes to the pool once its reply arrives. */
        o->body = NULL;
        return;
    case SMTP_C_READY:
        pool_put(w, o);
        return;
    case SMTP_C_TXN:
        /* Abandon the transaction. The client refuses RSET while replies
         * are awaited from a server without PIPELINING: then close. */
        if (smtp_client_rset(&o->cli) == 0) {
            dp_run_later(w, &o->b);
            return;
        }
        dp_out_close(w, o);
        return;
    default:
        /* Part of a body is on the wire: only closing withdraws it. */
        dp_out_close(w, o);
        return;
    }
}

/* fail closes `o` and tells its owner, which may try the next hop. */
static void
fail(struct dp_worker *w, struct dp_out *o)
{
    struct dp_in *in = o->owner;
    bool stale = o->fresh; /* a pooled connection the server had closed */
    if (!o->ready) {
        w->hop_down_until[o->group][o->hop] = w->now_ms + DP_HOP_DOWN_MS;
    }
    if (stale && in != NULL) {
        in->hops_tried &= ~(1u << o->hop); /* try the same host on a new connection */
    }
    dp_out_close(w, o);
    if (in != NULL) {
        dp_in_relay_failed(w, in, stale);
    }
}

static void
on_event(struct dp_worker *w, struct dp_out *o, const struct smtp_client_event *ev)
{
    struct dp_in *in = o->owner;
    switch (ev->type) {
    case SMTP_CEV_READY:
        o->ready = true;
        o->deadline_ms = 0;
        if (in != NULL) {
            dp_in_relay_ready(w, in);
        } else {
            pool_put(w, o);
        }
        return;
    case SMTP_CEV_REPLY:
        o->fresh = false;
        if (in != NULL) {
            dp_in_relay_reply(w, in, ev);
            return;
        }
        /* Ownerless: the rest of an abandoned transaction. */
        if (smtp_client_state(&o->cli) == SMTP_C_READY) {
            pool_put(w, o);
        } else if (smtp_client_state(&o->cli) == SMTP_C_BODY) {
            dp_out_close(w, o);
        } else if (smtp_client_state(&o->cli) == SMTP_C_TXN && o->cli.n_pending == 0) {
            dp_relay_detach(w, o);
        }
        return;
    case SMTP_CEV_FAIL:
    case SMTP_CEV_CLOSED:
        fail(w, o);
        return;
    case SMTP_CEV_NONE:
        return;
    }
}

/* pump writes commands, then body octets; false if `o` was closed. */
static bool
pump(struct dp_worker *w, struct dp_out *o, bool *progress)
{
    size_t len;
    const uint8_t *p = smtp_client_output(&o->cli, &len);
    while (len > 0 && o->b.wr) {
        size_t n;
        int rc = w->io->ops->write(w->io, &n, o->b.h, p, len);
        if (rc == RL_EAGAIN) {
            o->b.wr = false;
            return true;
        }
        if (rc != 0) {
            fail(w, o);
            return false;
        }
        smtp_client_consume(&o->cli, n);
        *progress = true;
        p = smtp_client_output(&o->cli, &len);
    }
    while (len == 0 && o->body != NULL && o->b.wr) {
        size_t n;
        int rc =
            w->io->ops->write(w->io, &n, o->b.h, o->body + o->body_off, o->body_len - o->body_off);
        if (rc == RL_EAGAIN) {
            o->b.wr = false;
            return true;
        }
        if (rc != 0) {
            fail(w, o);
            return false;
        }
        o->body_off += n;
        *progress = true;
        smtp_client_body_progress(&o->cli);
        if (o->body_off == o->body_len) {
            o->body = NULL;
            (void)smtp_client_body_sent(&o->cli);
        }
    }
    return true;
}

void
dp_out_run(struct dp_worker *w, struct dp_out *o)
{
    for (int round = 0; round < 64; round++) {
        bool progress = false;
        if (!pump(w, o, &progress)) {
            return;
        }
        if (o->rx_off < o->rx_len) {
            struct smtp_client_event ev;
            size_t used = 0;
            int rc =
                smtp_client_feed(&o->cli, &ev, &used, o->rx + o->rx_off, o->rx_len - o->rx_off);
            o->rx_off += used;
            progress = progress || used > 0;
            if (rc == 0) {
                on_event(w, o, &ev);
                if (!o->live) {
                    return;
                }
                continue;
            }
        }
        if (o->rx_off == o->rx_len) {
            o->rx_off = o->rx_len = 0;
        }
        if (o->b.rd && o->rx_len < DP_OUT_RX_CAP) {
            if (o->rx_off > 0) {
                memmove(o->rx, o->rx + o->rx_off, o->rx_len - o->rx_off);
                o->rx_len -= o->rx_off;
                o->rx_off = 0;
            }
            size_t n;
            int rc =
                w->io->ops->read(w->io, &n, o->b.h, o->rx + o->rx_len, DP_OUT_RX_CAP - o->rx_len);
            if (rc == RL_EAGAIN) {
                o->b.rd = false;
            } else if (rc != 0 || n == 0) {
                fail(w, o);
                return;
            } else {
                o->rx_len += n;
                progress = true;
            }
        }
        if (!progress) {
            return;
        }
    }
    dp_run_later(w, &o->b);
}

void
dp_out_tick(struct dp_worker *w, struct dp_out *o)
{
    if (!o->ready && o->deadline_ms != 0 && w->now_ms >= o->deadline_ms) {
        fail(w, o);
        return;
    }
    if (o->in_pool && w->now_ms - o->idle_since_ms >= w->cfg->pool_idle_ms) {
        dp_out_close(w, o);
        return;
    }
    struct smtp_client_event ev;
    if (smtp_client_tick(&o->cli, &ev, w->now_ms) == 0) {
        on_event(w, o, &ev);
    }
}

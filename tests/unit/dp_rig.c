/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime test rig (dp_rig.h): a worker on the in-memory backend, and
 * the test's peers on the same net, all stepped on one thread. The next
 * hops are the project's own SMTP server engine, so the relay talks to a
 * real SMTP implementation, not a script. */
#include "dp_rig.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_offload.h"
#include "dp_snapshot.h"

enum { K_SINK_L = 1, K_SINK_C, K_CLIENT };

static uint64_t
cookie(int kind, int i)
{
    return ((uint64_t)kind << 32) | (uint32_t)i;
}

int
rig_runtime_json(struct dp_runtime *rt, const char *json)
{
    static struct dp_config cfg; /* large: not on the stack */
    struct rl_diag d = {{0}, {0}};
    dp_config_defaults(&cfg);
    int rc = dp_config_load_json(&cfg, &d, json, strlen(json));
    if (rc != 0) {
        fprintf(stderr, "rig config: %s: %s\n", d.field, d.reason);
        return rc;
    }
    *rt = cfg.rt;
    return 0;
}

struct dp_snapshot *
rig_snapshot(const struct dp_runtime *rt, unsigned n_workers)
{
    static const uint8_t secret[TLS_TICKET_SECRET_LEN] = {1, 2, 3};
    struct dp_snapshot *s = NULL;
    struct rl_diag d = {{0}, {0}};
    if (dp_snapshot_build(&s, &d, rt, n_workers, secret, NULL, DP_SNAP_KEEP_NONE) != 0) {
        fprintf(stderr, "rig snapshot: %s: %s\n", d.field, d.reason);
        return NULL;
    }
    return s;
}

int
rig_init(struct rig *r, struct dp_live *live, unsigned worker_id, const char *listen,
         const char *store_dir)
{
    memset(r, 0, sizeof(*r));
    r->live = live;
    r->worker_id = worker_id;
    if (io_mem_net_new(&r->net) != 0 || io_backend_new(&r->peer, "mem", r->net) != 0) {
        return -1;
    }
    r->boot.n_listen = 1;
    if (io_addr_parse(&r->boot.listen[0], listen, strlen(listen)) != 0) {
        return -1;
    }
    r->boot.workers = 1;
    snprintf(r->boot.quarantine_dir, sizeof(r->boot.quarantine_dir), "%s", store_dir);
    r->stats = aligned_alloc(64, sizeof(*r->stats));
    if (r->stats == NULL) {
        return -1;
    }
    memset(r->stats, 0, sizeof(*r->stats));
    struct rl_diag d = {{0}, {0}};
    if (dp_worker_new(&r->w, &d, &r->boot, "mem", r->net, live, worker_id, r->stats, &r->ctl) !=
        0) {
        fprintf(stderr, "rig worker: %s: %s\n", d.field, d.reason);
        return -1;
    }
    return 0;
}

static void
sink_conn_close(struct rig *r, int i)
{
    struct rig_sink_conn *c = &r->conns[i];
    r->peer->ops->close(r->peer, c->h);
    free(c->msg);
    memset(c, 0, sizeof(*c));
}

void
rig_client_free(struct rig *r, int c)
{
    struct rig_client *cl = &r->clients[c];
    if (cl->used && !cl->gone) {
        r->peer->ops->close(r->peer, cl->h);
    }
    memset(cl, 0, sizeof(*cl));
}

int
rig_helpers(struct rig *r)
{
    if (dp_helpers_new(&r->helpers, r->worker_id + 1, 1) != 0) {
        return -1;
    }
    dp_worker_set_helpers(r->w, r->helpers);
    return 0;
}

void
rig_fini(struct rig *r)
{
    r->ctl.stop = 1;
    dp_helpers_free(r->helpers);
    dp_worker_free(r->w);
    for (int i = 0; i < RIG_SINK_CONNS; i++) {
        if (r->conns[i].used) {
            sink_conn_close(r, i);
        }
    }
    for (int i = 0; i < RIG_CLIENTS; i++) {
        rig_client_free(r, i);
    }
    for (int i = 0; i < RIG_SINKS; i++) {
        free(r->sinks[i].last);
        free(r->sinks[i].prev);
    }
    if (r->peer != NULL) {
        r->peer->ops->free(r->peer);
    }
    io_mem_net_free(r->net);
    free(r->stats);
    memset(r, 0, sizeof(*r));
}

int
rig_sink_add(struct rig *r, const char *addr, const char *domain)
{
    for (int i = 0; i < RIG_SINKS; i++) {
        struct rig_sink *s = &r->sinks[i];
        if (s->used) {
            continue;
        }
        memset(s, 0, sizeof(*s));
        s->used = true;
        snprintf(s->domain, sizeof(s->domain), "%s", domain);
        int err = 0;
        if (io_addr_parse(&s->addr, addr, strlen(addr)) != 0 ||
            r->peer->ops->listen(r->peer, &s->lh, &err, &s->addr, cookie(K_SINK_L, i)) != 0) {
            return -1;
        }
        return i;
    }
    return -1;
}

int
rig_client_start(struct rig *r, const uint8_t *script, size_t len, size_t hold)
{
    for (int i = 0; i < RIG_CLIENTS; i++) {
        struct rig_client *c = &r->clients[i];
        if (c->used) {
            continue;
        }
        memset(c, 0, sizeof(*c));
        c->used = true;
        c->script = script;
        c->len = len;
        c->hold = hold < len ? hold : len;
        if (r->peer->ops->connect(r->peer, &c->h, &r->boot.listen[0], cookie(K_CLIENT, i)) != 0) {
            c->gone = true;
        }
        return i;
    }
    return -1;
}

void
rig_client_release(struct rig *r, int c)
{
    r->clients[c].hold = r->clients[c].len;
}

/* client_run sends what the client may send and reads the replies. */
static bool
client_run(struct rig *r, struct rig_client *c)
{
    bool moved = false;
    while (!c->gone && c->sent < c->hold) {
        size_t n = 0;
        int rc = r->peer->ops->write(r->peer, &n, c->h, c->script + c->sent, c->hold - c->sent);
        if (rc == RL_EAGAIN) {
            break;
        }
        if (rc != 0) {
            c->gone = true;
            break;
        }
        c->sent += n;
        moved = true;
    }
    while (!c->gone) {
        uint8_t buf[4096];
        size_t n = 0;
        int rc = r->peer->ops->read(r->peer, &n, c->h, buf, sizeof(buf));
        if (rc == RL_EAGAIN) {
            break;
        }
        moved = true;
        if (rc != 0 || n == 0) {
            c->gone = true;
            r->peer->ops->close(r->peer, c->h);
            break;
        }
        size_t k = n < sizeof(c->rx) - c->rx_len ? n : sizeof(c->rx) - c->rx_len;
        memcpy(c->rx + c->rx_len, buf, k);
        c->rx_len += k;
    }
    return moved;
}

/* domain_ok tells whether the recipient `arg` belongs to the sink. */
static bool
domain_ok(const struct rig_sink *s, const uint8_t *arg, size_t len)
{
    size_t dl = strlen(s->domain);
    if (dl == 0) {
        return true;
    }
    return len > dl && arg[len - dl - 1] == '@' && memcmp(arg + len - dl, s->domain, dl) == 0;
}

static void
sink_event(struct rig *r, struct rig_sink_conn *c, const struct smtp_event *ev)
{
    struct rig_sink *s = &r->sinks[c->sink];
    switch (ev->type) {
    case SMTP_EV_MAIL:
        (void)smtp_session_reply(&c->s, SMTP_R_MAIL_OK);
        return;
    case SMTP_EV_RCPT:
        if (!domain_ok(s, ev->arg, ev->arg_len)) {
            s->misrouted++;
        }
        if (s->rcpt_code != 0) {
            (void)smtp_session_reply_relayed(&c->s, s->rcpt_code, "5.1.1",
                                             (const uint8_t *)"refused", 7);
        } else {
            (void)smtp_session_reply(&c->s, SMTP_R_RCPT_OK);
        }
        return;
    case SMTP_EV_DATA_BEGIN:
        c->msg_len = 0;
        return;
    case SMTP_EV_DATA_CHUNK:
        if (c->msg == NULL) {
            c->msg = malloc(RIG_MSG_MAX);
        }
        if (c->msg != NULL && c->msg_len + ev->arg_len <= RIG_MSG_MAX) {
            memcpy(c->msg + c->msg_len, ev->arg, ev->arg_len);
            c->msg_len += ev->arg_len;
        }
        return;
    case SMTP_EV_BDAT_CHUNK:
        (void)smtp_session_reply(&c->s, SMTP_R_BDAT_OK);
        return;
    case SMTP_EV_DATA_END:
        if (s->dot_code != 0) {
            (void)smtp_session_reply_relayed(&c->s, s->dot_code, "4.3.0",
                                             (const uint8_t *)"try later", 9);
            return;
        }
        free(s->prev);
        s->prev = s->last;
        s->prev_len = s->last_len;
        s->last = malloc(c->msg_len + 1);
        if (s->last != NULL) {
            memcpy(s->last, c->msg != NULL ? c->msg : (const uint8_t *)"", c->msg_len);
            s->last_len = c->msg_len;
        }
        s->messages++;
        (void)smtp_session_reply(&c->s, SMTP_R_DATA_OK);
        return;
    case SMTP_EV_QUIT:
    case SMTP_EV_CLOSE:
        c->closing = true;
        return;
    default:
        return;
    }
}

static bool
sink_conn_run(struct rig *r, int i)
{
    struct rig_sink_conn *c = &r->conns[i];
    bool moved = false;
    for (;;) {
        uint8_t buf[4096];
        size_t n = 0;
        int rc = c->closing ? RL_EAGAIN : r->peer->ops->read(r->peer, &n, c->h, buf, sizeof(buf));
        if (rc == RL_EAGAIN) {
            break;
        }
        moved = true;
        if (rc != 0 || n == 0) {
            sink_conn_close(r, i);
            return true;
        }
        size_t off = 0;
        for (;;) {
            struct smtp_event ev;
            size_t used = 0;
            rc = smtp_session_feed(&c->s, &ev, &used, buf + off, n - off);
            off += used;
            if (rc != 0) {
                break;
            }
            sink_event(r, c, &ev);
        }
        if (rc != RL_EAGAIN) {
            c->closing = true;
        }
    }
    size_t len;
    const uint8_t *o = smtp_session_output(&c->s, &len);
    while (len > 0) {
        size_t n = 0;
        int rc = r->peer->ops->write(r->peer, &n, c->h, o, len);
        if (rc == RL_EAGAIN) {
            break;
        }
        if (rc != 0) {
            sink_conn_close(r, i);
            return true;
        }
        smtp_session_consume(&c->s, n);
        moved = true;
        o = smtp_session_output(&c->s, &len);
    }
    if (c->closing && len == 0) {
        sink_conn_close(r, i);
        moved = true;
    }
    return moved;
}

static bool
sink_accept(struct rig *r, int si)
{
    bool moved = false;
    for (;;) {
        int i = 0;
        while (i < RIG_SINK_CONNS && r->conns[i].used) {
            i++;
        }
        if (i == RIG_SINK_CONNS) {
            return moved;
        }
        struct rig_sink_conn *c = &r->conns[i];
        struct io_addr peer;
        if (r->peer->ops->accept(r->peer, &c->h, &peer, r->sinks[si].lh, cookie(K_SINK_C, i)) !=
            0) {
            return moved;
        }
        moved = true;
        c->used = true;
        c->sink = si;
        struct smtp_limits lim;
        smtp_limits_default(&lim);
        struct smtp_config cfg = {.hostname = "sink.test"};
        (void)smtp_session_init(&c->s, &lim, &cfg, c->mem, sizeof(c->mem));
        (void)smtp_session_start(&c->s, SMTP_R_GREETING);
        (void)sink_conn_run(r, i);
    }
}

bool
rig_turn(struct rig *r)
{
    (void)dp_worker_step(r->w, false);
    bool moved = false;
    struct io_event ev[64];
    size_t n;
    while ((n = r->peer->ops->poll(r->peer, ev, 64, 0)) > 0) {
        for (size_t k = 0; k < n; k++) {
            int kind = (int)(ev[k].cookie >> 32);
            int i = (int)(uint32_t)ev[k].cookie;
            if (kind == K_SINK_L) {
                moved |= sink_accept(r, i);
            } else if (kind == K_SINK_C && r->conns[i].used) {
                moved |= sink_conn_run(r, i);
            } else if (kind == K_CLIENT && r->clients[i].used) {
                moved |= client_run(r, &r->clients[i]);
            }
        }
    }
    /* Clients whose script was released write without a fresh event. */
    for (int i = 0; i < RIG_CLIENTS; i++) {
        struct rig_client *c = &r->clients[i];
        if (c->used && !c->gone && c->sent < c->hold) {
            moved |= client_run(r, c);
        }
    }
    return moved;
}

unsigned
rig_settle(struct rig *r, unsigned max)
{
    unsigned quiet = 0, turns = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (quiet < 4) {
        bool busy = rig_turn(r) || dp_worker_busy(r->w);
        quiet = busy ? 0 : quiet + 1;
        turns++;
        if (turns >= max) {
            /* Past `max` only while helper threads still have jobs (a
             * scan, an fsync), 10 s at most. */
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((quiet > 0 && !dp_worker_busy(r->w) && turns >= 2 * max) ||
                t.tv_sec - t0.tv_sec > 10) {
                break;
            }
            sched_yield();
        }
    }
    return turns;
}

size_t
rig_codes(const struct rig *r, int c, int *out, size_t cap)
{
    const struct rig_client *cl = &r->clients[c];
    size_t n = 0, at = 0;
    while (at + 4 <= cl->rx_len && n < cap) {
        const uint8_t *nl = memchr(cl->rx + at, '\n', cl->rx_len - at);
        if (nl == NULL) {
            break;
        }
        if (cl->rx[at + 3] == ' ') { /* the last line of a reply */
            out[n++] =
                (cl->rx[at] - '0') * 100 + (cl->rx[at + 1] - '0') * 10 + (cl->rx[at + 2] - '0');
        }
        at = (size_t)(nl - cl->rx) + 1;
    }
    return n;
}

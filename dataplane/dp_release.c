/* SPDX-License-Identifier: Apache-2.0 */
/* Relays a released quarantined message with the sans-I/O client over the
 * caller's own backend: one connection at a time, failover as the workers do
 * it (unreachable or 4xx greeting: next host). Runs on the control thread. */
#include "dp_release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_conn.h"
#include "smtp_client.h"

/* An administrator waits for the answer: a minute per reply, not RFC 5321's
 * ten (the message stays quarantined if a next hop is that slow). */
#define REL_REPLY_MS 60000

enum hop_outcome {
    HOP_NEXT = 0, /* not reached or not greeted: try the next host */
    HOP_DONE,     /* the result is set */
};

struct rel {
    struct io_backend *be;
    struct dp_base b; /* the connection to the host being tried */
    struct smtp_client cli;
    /* STARTTLS per the route's profile, as the workers do it (dp_relay.c). */
    struct tls_client *tls_cli;
    enum tls_mode mode;
    const char *hop; /* "host:port" being tried */
    struct tls_conn *tls;
    struct dp_tls_rx *crx;
    bool clear_only;    /* opportunistic TLS failed with this host: again in clear */
    bool tls_fell_back; /* ... so try it once more */
    bool hop_failed;    /* TLS could not be had as the profile wants: leave this host */
    uint64_t tls_deadline_ms;
    struct dp_release_result *res;
    const char *from;
    const char *const *rcpts;
    size_t n_rcpts;
    size_t next_rcpt;    /* next recipient to queue */
    size_t rcpt_done;    /* recipients answered */
    uint8_t *stuffed;    /* the dot-stuffed body; owned */
    struct dp_body body; /* it, once the 354 came */
    bool greeted;
    bool done;
    char why[160]; /* why this host was left, for the result if it was the last */
};

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
has_8bit(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= 0x80) {
            return true;
        }
    }
    return false;
}

/* utf8_envelope tells whether the envelope needs SMTPUTF8 (RFC 6531). */
static bool
utf8_envelope(const struct rel *r)
{
    bool any = has_8bit((const uint8_t *)r->from, strlen(r->from));
    for (size_t i = 0; i < r->n_rcpts && !any; i++) {
        any = has_8bit((const uint8_t *)r->rcpts[i], strlen(r->rcpts[i]));
    }
    return any;
}

/* keep_reply records `ev` as the reply that decides the release so far. */
static void
keep_reply(struct rel *r, const struct smtp_client_event *ev)
{
    r->res->code = ev->code;
    snprintf(r->res->enhanced, sizeof(r->res->enhanced), "%s", ev->enhanced);
    snprintf(r->res->text, sizeof(r->res->text), "%.*s", (int)ev->text_len, ev->text);
}

static void
set_reply(struct rel *r, const struct smtp_client_event *ev)
{
    keep_reply(r, ev);
    r->done = true;
}

/* queue_rcpts queues recipients while the client takes them (all at once
 * with PIPELINING, else one per reply). */
static void
queue_rcpts(struct rel *r)
{
    while (r->next_rcpt < r->n_rcpts) {
        const char *to = r->rcpts[r->next_rcpt];
        int rc = smtp_client_rcpt(&r->cli, (const uint8_t *)to, strlen(to));
        if (rc == RL_EAGAIN) {
            return;
        }
        r->next_rcpt++;
        if (rc != 0) { /* a stored recipient the client will not send: refused here */
            r->res->rcpt_refused++;
            r->rcpt_done++;
        }
    }
}

static void
on_rcpt_reply(struct rel *r, const struct smtp_client_event *ev)
{
    r->rcpt_done++;
    if (ev->code / 100 == 2) {
        r->res->rcpt_ok++;
    } else {
        r->res->rcpt_refused++;
        keep_reply(r, ev); /* the answer if every recipient is refused */
    }
    queue_rcpts(r);
    if (r->rcpt_done < r->n_rcpts) {
        return;
    }
    if (r->res->rcpt_ok == 0) {
        r->done = true;
    } else if (smtp_client_data(&r->cli) != 0) {
        snprintf(r->res->text, sizeof(r->res->text), "could not queue DATA");
        r->done = true;
    }
}

/* tls_gone ends the try of this host when its TLS failed: mandatory, the
 * next host; opportunistic, this host again in clear (RFC 7435). */
static void
tls_gone(struct rel *r, const char *why)
{
    snprintf(r->why, sizeof(r->why), "TLS with %s failed: %s", r->hop, why);
    r->tls_fell_back = r->mode == TLS_MODE_OPPORTUNISTIC;
    r->hop_failed = true;
}

/* want_tls sends STARTTLS when the profile asks for TLS; true when no
 * transaction may start yet. */
static bool
want_tls(struct rel *r)
{
    if (r->tls != NULL || r->clear_only || r->mode == TLS_MODE_NONE) {
        return false;
    }
    if (smtp_client_caps_get(&r->cli)->starttls && smtp_client_starttls(&r->cli) == 0) {
        return true;
    }
    if (r->mode == TLS_MODE_MANDATORY) {
        snprintf(r->why, sizeof(r->why), "TLS is required, but %s does not offer STARTTLS", r->hop);
        r->hop_failed = true;
        return true;
    }
    return false;
}

static void on_event(struct rel *r, const struct smtp_client_event *ev, const uint8_t *msg,
                     size_t msg_len);

static void
starttls_reply(struct rel *r, const struct smtp_client_event *ev, const uint8_t *msg,
               size_t msg_len)
{
    if (ev->code / 100 == 2) {
        char host[DP_DOMAIN_MAX + 8];
        dp_hop_host(host, sizeof(host), r->hop);
        if (tls_conn_connect(&r->tls, r->tls_cli, r->hop, host) != 0) {
            tls_gone(r, "cannot start a TLS connection");
        }
        r->tls_deadline_ms = now_ms() + REL_REPLY_MS;
        return;
    }
    if (r->mode == TLS_MODE_MANDATORY) {
        snprintf(r->why, sizeof(r->why), "TLS is required, but %s refused STARTTLS: %d %.*s",
                 r->hop, ev->code, (int)ev->text_len, ev->text);
        r->hop_failed = true;
        return;
    }
    r->clear_only = true;
    struct smtp_client_event ready = {.type = SMTP_CEV_READY, .cmd = SMTP_CMD_EHLO};
    on_event(r, &ready, msg, msg_len);
}

static void
on_event(struct rel *r, const struct smtp_client_event *ev, const uint8_t *msg, size_t msg_len)
{
    switch (ev->type) {
    case SMTP_CEV_READY:
        if (want_tls(r)) {
            return;
        }
        r->greeted = true;
        if (smtp_client_mail(&r->cli, (const uint8_t *)r->from, strlen(r->from), msg_len,
                             has_8bit(msg, msg_len), utf8_envelope(r)) != 0) {
            snprintf(r->res->text, sizeof(r->res->text), "the sender cannot be sent");
            r->done = true;
            return;
        }
        queue_rcpts(r);
        return;
    case SMTP_CEV_REPLY:
        if (ev->cmd == SMTP_CMD_STARTTLS) {
            starttls_reply(r, ev, msg, msg_len);
        } else if (ev->cmd == SMTP_CMD_RCPT) {
            on_rcpt_reply(r, ev);
        } else if (ev->cmd == SMTP_CMD_DATA && ev->code == 354) {
            struct smtp_dotstuff d;
            smtp_dotstuff_init(&d);
            size_t n = smtp_dotstuff_run(&d, r->stuffed, 2 * msg_len + 8, msg, msg_len);
            n += smtp_dotstuff_end(&d, r->stuffed + n, 8);
            r->body = (struct dp_body){.p = r->stuffed, .len = n};
        } else if (ev->cmd == SMTP_CMD_MAIL && ev->code / 100 == 2) {
            queue_rcpts(r); /* the ones held back for lack of PIPELINING */
        } else {
            set_reply(r, ev);
            r->res->delivered = ev->cmd == SMTP_CMD_DOT && ev->code / 100 == 2;
        }
        return;
    case SMTP_CEV_FAIL:
        if (!r->greeted) {
            snprintf(r->why, sizeof(r->why), "%d %.*s", ev->code, (int)ev->text_len, ev->text);
            return;
        }
        set_reply(r, ev);
        return;
    case SMTP_CEV_CLOSED:
    case SMTP_CEV_NONE:
        return;
    }
}

/* flush writes queued commands, then body octets; false on a broken
 * connection. The loop polls again, so the socket counts as writable. */
static bool
flush(struct rel *r)
{
    bool progress = false;
    r->b.wr = true;
    return dp_pump(r->be, &r->b, r->tls, &r->cli, &r->body, &progress) == 0;
}

/* receive reads what the host sent, through TLS when it is on: 0 with
 * *out_n octets (0: nothing yet), RL_EIO when the connection is gone. */
static int
receive(struct rel *r, uint8_t *rx, size_t cap, size_t *out_n)
{
    *out_n = 0;
    r->b.rd = true;
    if (r->tls == NULL) {
        int rc = r->be->ops->read(r->be, out_n, r->b.h, rx, cap);
        return rc == RL_EAGAIN ? 0 : rc != 0 || *out_n == 0 ? RL_EIO : 0;
    }
    bool moved = false;
    int rc = dp_tls_recv(r->be, &r->b, r->tls, r->crx, &moved);
    if (rc != 0) {
        return rc;
    }
    if (!tls_conn_done(r->tls)) {
        rc = tls_conn_handshake(r->tls);
        if (rc == 0) {
            (void)smtp_client_tls_started(&r->cli);
        }
        return rc == RL_EAGAIN || rc == 0 ? 0 : RL_ETLS;
    }
    rc = tls_conn_read(r->tls, out_n, rx, cap);
    return rc == RL_EAGAIN ? 0 : rc != 0 || *out_n == 0 ? RL_EIO : 0;
}

/* try_hop runs the whole transaction against one host. */
static enum hop_outcome
try_hop(struct rel *r, const struct io_addr *addr, const uint8_t *msg, size_t msg_len)
{
    memset(&r->b, 0, sizeof(r->b));
    if (r->be->ops->connect(r->be, &r->b.h, addr, 1) != 0) {
        snprintf(r->why, sizeof(r->why), "connect failed");
        return HOP_NEXT;
    }
    smtp_client_reset(&r->cli);
    r->hop_failed = false;
    r->body.p = NULL;
    uint8_t rx[4096];
    while (!r->done && !r->hop_failed) {
        if (!flush(r)) {
            snprintf(r->why, sizeof(r->why), "connection failed");
            break;
        }
        struct io_event ev[4];
        (void)r->be->ops->poll(r->be, ev, 4, 100);
        /* Edge-triggered: read until the backend has nothing more. */
        bool lost = false;
        while (!r->done && !lost && !r->hop_failed) {
            size_t n = 0;
            int rc = receive(r, rx, sizeof(rx), &n);
            if (rc == RL_ETLS) {
                tls_gone(r, tls_conn_reason(r->tls));
                break;
            }
            if (rc != 0) {
                snprintf(r->why, sizeof(r->why), "connection lost");
                lost = true;
                break;
            }
            if (n == 0) {
                break;
            }
            size_t off = 0;
            while (off < n && !r->done && !r->hop_failed) {
                struct smtp_client_event e;
                size_t used = 0;
                if (smtp_client_feed(&r->cli, &e, &used, rx + off, n - off) != 0) {
                    break;
                }
                off += used;
                on_event(r, &e, msg, msg_len);
            }
        }
        explicit_bzero(rx, sizeof(rx));
        if (lost) {
            break;
        }
        struct smtp_client_event e;
        if (!r->done && smtp_client_tick(&r->cli, &e, now_ms()) == 0) {
            on_event(r, &e, msg, msg_len);
        }
        if (r->tls != NULL && !tls_conn_done(r->tls) && now_ms() >= r->tls_deadline_ms) {
            tls_gone(r, "handshake timed out");
        }
        if (smtp_client_state(&r->cli) == SMTP_C_CLOSED && !r->done) {
            break;
        }
    }
    if (r->done && smtp_client_quit(&r->cli) == 0) {
        (void)flush(r);
    }
    r->be->ops->close(r->be, r->b.h);
    tls_conn_free(r->tls);
    r->tls = NULL;
    dp_tls_rx_clear(r->crx);
    if (!r->done && r->greeted) { /* lost after the greeting: report, do not retry */
        snprintf(r->res->text, sizeof(r->res->text), "%s", r->why);
        r->done = true;
    }
    return r->done ? HOP_DONE : HOP_NEXT;
}

/* route_tls builds the client context of the route's TLS profile. */
static int
route_tls(struct rel *r, const struct dp_runtime *rt, const struct dp_route *route)
{
    struct tls_profile def;
    const struct tls_profile *p = &def;
    if (route->tls == DP_TLS_DEFAULT) {
        tls_profile_defaults(&def, TLS_ROLE_CLIENT);
    } else {
        p = &rt->tls_profiles.p[route->tls];
    }
    r->mode = p->mode;
    struct rl_diag diag;
    return tls_client_new(&r->tls_cli, &diag, p);
}

int
dp_release_send(struct dp_release_result *out_result, struct io_backend *be,
                const struct dp_runtime *rt, const char *from, const char *const *rcpts,
                size_t n_rcpts, const uint8_t *msg, size_t msg_len)
{
    memset(out_result, 0, sizeof(*out_result));
    if (n_rcpts == 0 || msg_len == 0) {
        return RL_EINVAL;
    }
    const char *at = strrchr(rcpts[0], '@');
    const char *domain = at != NULL ? at + 1 : "";
    const struct dp_route *route = dp_route_find(rt, domain, strlen(domain));
    if (route == NULL) {
        return RL_ENOENT;
    }
    const struct dp_mta_group *g = &rt->groups[route->group];

    struct smtp_client_limits lim;
    smtp_client_limits_default(&lim);
    lim.greeting_ms = rt->connect_timeout_ms + REL_REPLY_MS;
    lim.command_ms = lim.data_init_ms = lim.data_block_ms = lim.data_term_ms = REL_REPLY_MS;
    size_t mem_len = smtp_client_mem_size(&lim);
    struct rel r = {.be = be, .res = out_result, .from = from, .rcpts = rcpts, .n_rcpts = n_rcpts};
    void *mem = malloc(mem_len);
    r.stuffed = malloc(2 * msg_len + 8);
    r.crx = calloc(1, sizeof(*r.crx));
    int rc = RL_ENOMEM;
    if (mem == NULL || r.stuffed == NULL || r.crx == NULL ||
        smtp_client_init(&r.cli, &lim, rt->hostname, mem, mem_len) != 0 ||
        route_tls(&r, rt, route) != 0) {
        goto out;
    }
    rc = RL_EIO;
    for (uint32_t i = 0; i < g->n_hops; i++) {
        r.greeted = false;
        r.why[0] = '\0';
        r.hop = g->hop_names[i];
        r.clear_only = false;
        snprintf(out_result->hop, sizeof(out_result->hop), "%s", g->hop_names[i]);
        enum hop_outcome o = try_hop(&r, &g->hops[i], msg, msg_len);
        if (o == HOP_NEXT && r.tls_fell_back) {
            r.tls_fell_back = false;
            r.clear_only = true;
            o = try_hop(&r, &g->hops[i], msg, msg_len);
        }
        if (o == HOP_DONE) {
            rc = 0;
            break;
        }
    }
    if (rc != 0) {
        out_result->hop[0] = '\0';
        snprintf(out_result->text, sizeof(out_result->text), "no next hop of group %s: %s", g->name,
                 r.why);
    }
out:
    tls_client_free(r.tls_cli);
    free(r.crx);
    free(r.stuffed);
    free(mem);
    return rc;
}

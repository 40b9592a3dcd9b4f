/* SPDX-License-Identifier: Apache-2.0 */
/* Next-hop connections of one worker: sequential failover through an MTA
 * group's hosts, a pool of greeted connections per hop identity (dp_hop.c)
 * reused across messages and snapshots, and the byte pumping for the relay
 * SMTP client. A connection opened for a transaction pins that
 * transaction's snapshot until it is greeted. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dp_conn.h"

static void on_event(struct dp_worker *w, struct dp_out *o, const struct smtp_client_event *ev);

void
dp_txn_init(struct dp_txn *t, struct dp_base *b)
{
    memset(t, 0, sizeof(*t));
    t->owner = b;
    t->group = -1;
}

void
dp_txn_clear(struct dp_txn *t)
{
    t->ev_head = t->ev_n = 0;
    t->ev_lost = false;
}

bool
dp_txn_pop(struct dp_txn *t, struct dp_rev *out)
{
    if (t->ev_n == 0) {
        return false;
    }
    *out = t->ev[t->ev_head];
    t->ev_head = (t->ev_head + 1) % DP_TXN_EVQ;
    t->ev_n--;
    return true;
}

/* post queues `ev` for the transaction `t` and schedules its owner: the
 * relay side never calls into the owner. */
static void
post(struct dp_worker *w, struct dp_txn *t, const struct dp_rev *ev)
{
    if (t->ev_n == DP_TXN_EVQ) {
        t->ev_lost = true; /* more than one transaction's replies: refused below */
    } else {
        t->ev[(t->ev_head + t->ev_n) % DP_TXN_EVQ] = *ev;
        t->ev_n++;
    }
    dp_run_later(w, t->owner);
}

/* post_failed tells `t` its connection is gone and `why` (`code` 451 with
 * `enh` and `text` when TLS could not be had as the profile requires). */
static void
post_failed(struct dp_worker *w, struct dp_txn *t, bool retry, enum dp_out_fail why, int code,
            const char *enh, const char *text)
{
    struct dp_rev ev = {.type = DP_REV_FAILED, .retry = retry, .why = why, .code = code};
    snprintf(ev.enh, sizeof(ev.enh), "%s", enh);
    ev.text_len = (size_t)snprintf(ev.text, sizeof(ev.text), "%s", text);
    ev.text_len = ev.text_len < sizeof(ev.text) ? ev.text_len : sizeof(ev.text) - 1;
    post(w, t, &ev);
}

static void
post_ready(struct dp_worker *w, struct dp_txn *t)
{
    struct dp_rev ev = {.type = DP_REV_READY};
    post(w, t, &ev);
}

static void
post_reply(struct dp_worker *w, struct dp_txn *t, const struct smtp_client_event *e)
{
    struct dp_rev ev = {.type = DP_REV_REPLY, .cmd = e->cmd, .code = e->code};
    snprintf(ev.enh, sizeof(ev.enh), "%s", e->enhanced);
    ev.text_len = e->text_len < sizeof(ev.text) ? e->text_len : sizeof(ev.text);
    memcpy(ev.text, e->text, ev.text_len);
    post(w, t, &ev);
}

static void
pool_remove(struct dp_worker *w, struct dp_out *o)
{
    (void)w;
    struct dp_out **pp = &o->hop->pool;
    while (*pp != NULL && *pp != o) {
        pp = &(*pp)->pool_next;
    }
    if (*pp == o) {
        *pp = o->pool_next;
        o->hop->n_pool--;
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
    o->body.p = NULL;
    if (!o->ready) {
        o->hop->probing = false; /* a probe that ended without a verdict: another may try */
    }
    o->hop->refs--;
    o->hop = NULL;
    dp_wsnap_put(w, o->held);
    o->held = NULL;
    dp_stream_fini(&o->st);
    explicit_bzero(o->rx, o->rx_len);
    o->rx_off = o->rx_len = 0;
    w->io->ops->close(w->io, o->b.h);
    dp_unlink(&o->b);
    o->live = false;
    dp_worker_put_out(w, o);
}

static void
pool_put(struct dp_worker *w, struct dp_out *o)
{
    if (w->draining || o->hop->n_pool >= w->cur->s->rt.pool_per_hop ||
        smtp_client_state(&o->cli) != SMTP_C_READY) {
        dp_out_close(w, o);
        return;
    }
    o->owner = NULL;
    o->in_pool = true;
    o->idle_since_ms = w->now_ms;
    o->pool_next = o->hop->pool;
    o->hop->pool = o;
    o->hop->n_pool++;
}

/* pool_take returns an idle connection of `hop` made under TLS settings
 * `hash`, or NULL: a connection carries the TLS its route asked for. One
 * made under settings since changed under the same profile name is closed. */
static struct dp_out *
pool_take(struct dp_worker *w, struct dp_hop *hop, uint64_t hash)
{
    struct dp_out *o = hop->pool;
    while (o != NULL) {
        struct dp_out *next = o->pool_next;
        if (o->profile_hash == hash) {
            pool_remove(w, o);
            return o;
        }
        dp_out_close(w, o);
        o = next;
    }
    return NULL;
}

/* The dead-hop cache (issue 13: a next hop that accepted and never greeted
 * made every transaction wait the connect timeout again). A hop that fails
 * before its greeting is skipped for rt.hop_down_ms, doubled at each further
 * failure up to rt.hop_down_max_ms (Postfix's minimal/maximal_backoff_time
 * for destinations); then one connection tries it again while the others
 * still skip it. A greeting clears the record. Per worker. */
static void
hop_down(struct dp_worker *w, struct dp_hop *e, const struct dp_runtime *rt)
{
    uint64_t wait = rt->hop_down_ms;
    for (uint32_t i = 0; i < e->fails && wait < rt->hop_down_max_ms; i++) {
        wait *= 2;
    }
    e->down_until_ms = w->now_ms + (wait < rt->hop_down_max_ms ? wait : rt->hop_down_max_ms);
    e->fails++;
    e->last_ms = w->now_ms;
    e->probing = false;
    dp_stats_add(w->stats, DP_C_RELAY_HOP_DOWN, 1);
}

static void
hop_up(struct dp_hop *e, uint64_t now_ms)
{
    e->last_ms = now_ms;
    e->fails = 0;
    e->down_until_ms = 0;
    e->probing = false;
}

/* pick_hop returns the first hop of the transaction's group not tried yet
 * in this attempt and not down (dead-hop cache above), and its entry in
 * *out_hop; -1 when none is left: the client hears 451 4.4.1 at once
 * instead of waiting on a hop known dead. */
static int
pick_hop(struct dp_worker *w, const struct dp_txn *in, struct dp_hop **out_hop)
{
    const struct dp_snapshot *s = in->held->s;
    const struct dp_mta_group *g = &s->rt.groups[in->group];
    const char *prof = dp_snapshot_profile_name(s, in->tls_profile);
    for (uint32_t h = 0; h < g->n_hops; h++) {
        if ((in->hops_tried >> h) & 1u) {
            continue;
        }
        struct dp_hop *e = dp_hop_get(&w->hops, g->hop_names[h], prof);
        if (e != NULL && e->down_until_ms <= w->now_ms && !e->probing) {
            *out_hop = e;
            return (int)h;
        }
    }
    return -1;
}

int
dp_relay_acquire(struct dp_worker *w, struct dp_txn *in)
{
    const struct dp_snapshot *s = in->held->s;
    uint64_t hash = dp_snapshot_profile_hash(s, in->tls_profile);
    for (;;) {
        struct dp_hop *e = NULL;
        int hop = pick_hop(w, in, &e);
        if (hop < 0) {
            return RL_EIO;
        }
        in->hops_tried |= 1u << hop;
        uint32_t g = (uint32_t)in->group;
        struct dp_out *o = pool_take(w, e, hash);
        if (o != NULL) {
            o->owner = in;
            o->fresh = true;
            o->hop_index = (uint32_t)hop;
            in->out = o;
            dp_stats_add(w->stats, DP_C_RELAY_REUSED, 1);
            post_ready(w, in);
            return 0;
        }
        o = dp_worker_get_out(w);
        if (o == NULL) {
            return RL_ENOMEM;
        }
        memset(&o->b, 0, sizeof(o->b));
        o->b.kind = DP_K_OUT;
        dp_stream_init(&o->st, w->io, &o->b);
        struct smtp_client_limits lim = w->clim;
        lim.data_term_ms = s->rt.dot_timeout_ms;
        int rc = smtp_client_init(&o->cli, &lim, s->rt.hostname, o->cli_mem, w->cli_mem_len);
        if (rc == 0) {
            rc = w->io->ops->connect(w->io, &o->b.h, &s->rt.groups[g].hops[hop],
                                     (uint64_t)(uintptr_t)&o->b);
            dp_stats_add(w->stats, DP_C_RELAY_CONNECTS, 1);
        }
        if (rc != 0) {
            dp_worker_put_out(w, o);
            hop_down(w, e, &s->rt);
            dp_stats_add(w->stats, DP_C_RELAY_FAILOVERS, 1);
            continue;
        }
        /* A hop back from its back-off: this connection is the one probe. */
        e->probing = e->fails > 0;
        o->hop = e;
        e->refs++;
        o->hop_index = (uint32_t)hop;
        o->held = in->held;
        o->held->users++;
        o->owner = in;
        o->ready = false;
        o->fresh = false;
        o->in_pool = false;
        o->live = true;
        o->rx_off = o->rx_len = 0;
        o->body.p = NULL;
        o->tls_profile = in->tls_profile;
        o->profile_hash = hash;
        o->mode = tls_client_profile(dp_snapshot_client(s, w->id, in->tls_profile))->mode;
        o->st.tls = NULL;
        memset(&o->leg, 0, sizeof(o->leg));
        /* Opportunistic TLS that failed with this hop lately: clear, and say
         * why on every message (RFC 7435). Mandatory never comes here. */
        o->clear_only = e->clear_until_ms > w->now_ms;
        if (o->clear_only) {
            snprintf(o->leg.why_clear, sizeof(o->leg.why_clear), "%s", e->clear_why);
        }
        /* The connect timeout covers the greeting and any TLS handshake. */
        o->deadline_ms = w->now_ms + s->rt.connect_timeout_ms;
        dp_link(w, &o->b);
        in->out = o;
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
    o->body = (struct dp_body){.p = body, .len = len};
    dp_run_later(w, &o->b);
}

void
dp_relay_release(struct dp_worker *w, struct dp_out *o)
{
    o->owner = NULL;
    o->body.p = NULL;
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
        o->body.p = NULL;
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

/* fail_with closes `o` and tells its transaction `why`, which may try the
 * next hop (the same one first when `retry`; a hop that never greeted is
 * marked down, hop_down, when `down`); `code` 451 says TLS could not be
 * had as the profile requires, with `enh` and `text`. */
static void
fail_with(struct dp_worker *w, struct dp_out *o, bool down, bool retry, enum dp_out_fail why,
          int code, const char *enh, const char *text)
{
    struct dp_txn *t = o->owner;
    if (down && !o->ready && o->held != NULL) {
        hop_down(w, o->hop, &o->held->s->rt);
    }
    if (retry && t != NULL) {
        t->hops_tried &= ~(1u << o->hop_index); /* the same host on a new connection */
    }
    dp_out_close(w, o); /* clears t->out */
    if (t != NULL) {
        post_failed(w, t, retry, why, code, enh, text);
    }
}

/* fail: `o` was closed, reset or could not be written (or `why` else). */
static void
fail_why(struct dp_worker *w, struct dp_out *o, enum dp_out_fail why)
{
    /* fresh: a pooled connection the server had closed */
    fail_with(w, o, true, o->fresh, why, 0, "", "");
}

static void
fail(struct dp_worker *w, struct dp_out *o)
{
    fail_why(w, o, DP_OF_LOST);
}

/* ---- Outbound STARTTLS (RFC 3207) per the route's TLS profile ---- */

/* out_cli returns the client context of the profile `o` was opened for,
 * from the snapshot it pins until it is greeted. */
static struct tls_client *
out_cli(const struct dp_worker *w, const struct dp_out *o)
{
    return dp_snapshot_client(o->held->s, w->id, o->tls_profile);
}

static enum tls_mode
out_mode(const struct dp_worker *w, const struct dp_out *o)
{
    (void)w;
    return o->mode;
}

static const char *
hop_name(const struct dp_worker *w, const struct dp_out *o)
{
    (void)w;
    return o->hop->name;
}

/* tls_required fails `o` when the TLS its profile requires cannot be had:
 * never in clear. Unless another hop of the group works, the client gets 451
 * `enh` with the reason (RFC 3463 X.7.4 security features not supported,
 * X.7.5 cryptographic failure). */
static void tls_required(struct dp_worker *w, struct dp_out *o, const char *enh, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

static void
tls_required(struct dp_worker *w, struct dp_out *o, const char *enh, const char *fmt, ...)
{
    char why[SMTP_CLIENT_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    /* A hop whose certificate the profile refuses is alive: not marked down,
     * and each client is told why. */
    fail_with(w, o, false, false, DP_OF_TLS, 451, enh, why);
}

/* tls_fallback: opportunistic TLS failed with this hop, so it is used in
 * clear for a while (RFC 7435), each message saying why; the same host is
 * tried again at once on a new connection. */
static void
tls_fallback(struct dp_worker *w, struct dp_out *o, const char *why)
{
    o->hop->clear_until_ms = w->now_ms + DP_CLEAR_MS;
    snprintf(o->hop->clear_why, sizeof(o->hop->clear_why), "%s", why);
    dp_stats_add(w->stats, DP_C_TLS_OUT_CLEAR, 1);
    fail_with(w, o, false, true, DP_OF_ERROR, 0, "", ""); /* not a dead hop: no "down" mark */
}

/* tls_failed counts a failed handshake (`f` TLS_FAIL__COUNT: a timeout) and
 * acts on the profile's mode. */
static void
tls_failed(struct dp_worker *w, struct dp_out *o, enum tls_fail f, const char *reason)
{
    char why[160];
    snprintf(why, sizeof(why), "TLS with %.100s failed: %s", hop_name(w, o), reason);
    dp_stats_add(w->stats, DP_C_TLS_OUT_FAILURES, 1);
    if (f < TLS_FAIL__COUNT) {
        dp_stats_bump(&w->stats->tls_out_fail[f], 1);
    }
    if (o->st.tls != NULL) {
        bool sent = false;
        (void)dp_stream_flush(&o->st, &sent); /* our alert, if the socket takes it */
    }
    if (out_mode(w, o) == TLS_MODE_MANDATORY) {
        tls_required(w, o, "4.7.5", "%s", why);
    } else {
        tls_fallback(w, o, why);
    }
}

/* want_tls starts STARTTLS when the profile asks for TLS and `o` is still in
 * clear. Returns true when `o` must not carry a transaction yet (STARTTLS
 * sent, or `o` failed). */
static bool
want_tls(struct dp_worker *w, struct dp_out *o)
{
    enum tls_mode mode = out_mode(w, o);
    if (o->st.tls != NULL || o->clear_only || mode == TLS_MODE_NONE) {
        return false;
    }
    if (smtp_client_caps_get(&o->cli)->starttls && smtp_client_starttls(&o->cli) == 0) {
        dp_run_later(w, &o->b);
        return true;
    }
    dp_stats_add(w->stats, DP_C_TLS_OUT_NOT_OFFERED, 1);
    if (mode == TLS_MODE_MANDATORY) {
        tls_required(w, o, "4.7.4", "TLS is required, but %s does not offer STARTTLS",
                     hop_name(w, o));
        return true;
    }
    snprintf(o->leg.why_clear, sizeof(o->leg.why_clear), "%.100s does not offer STARTTLS",
             hop_name(w, o));
    return false;
}

/* starttls_reply acts on the answer to STARTTLS: 220 starts the handshake on
 * what follows; a refusal is a failure for mandatory TLS and clear text for
 * opportunistic TLS. */
static void
starttls_reply(struct dp_worker *w, struct dp_out *o, const struct smtp_client_event *ev)
{
    if (ev->code / 100 == 2) {
        char host[DP_DOMAIN_MAX + 8];
        dp_hop_host(host, sizeof(host), hop_name(w, o));
        int rc = tls_conn_connect(&o->st.tls, out_cli(w, o), hop_name(w, o), host);
        if (rc != 0) {
            tls_failed(w, o, TLS_FAIL_INTERNAL,
                       rc == RL_EINVAL ? "the profile checks names and lists none for this address"
                                       : "out of memory");
            return;
        }
        dp_run_later(w, &o->b);
        return;
    }
    dp_stats_add(w->stats, DP_C_TLS_OUT_NOT_OFFERED, 1);
    if (out_mode(w, o) == TLS_MODE_MANDATORY) {
        tls_required(w, o, "4.7.4", "TLS is required, but %s refused STARTTLS: %d %.*s",
                     hop_name(w, o), ev->code, (int)ev->text_len, ev->text);
        return;
    }
    snprintf(o->leg.why_clear, sizeof(o->leg.why_clear), "%.100s refused STARTTLS: %d %.*s",
             hop_name(w, o), ev->code, (int)ev->text_len, ev->text);
    o->clear_only = true;
    struct smtp_client_event ready = {.type = SMTP_CEV_READY, .cmd = SMTP_CMD_EHLO};
    on_event(w, o, &ready);
}

/* handshake advances the TLS handshake; once it is complete the session
 * starts again with EHLO (RFC 3207 4.2). False if `o` was closed. */
static bool
handshake(struct dp_worker *w, struct dp_out *o, bool *progress)
{
    int rc = tls_conn_handshake(o->st.tls);
    if (rc == RL_EAGAIN) {
        size_t pending; /* a flight of ours to send */
        tls_conn_output(o->st.tls, &pending);
        *progress = *progress || (pending > 0 && o->b.wr);
        return true;
    }
    if (rc != 0) {
        tls_failed(w, o, tls_conn_failure(o->st.tls), tls_conn_reason(o->st.tls));
        return false;
    }
    *progress = true;
    dp_stats_add(w->stats, DP_C_TLS_OUT_HANDSHAKES, 1);
    if (tls_conn_resumed(o->st.tls)) {
        dp_stats_add(w->stats, DP_C_TLS_OUT_RESUMED, 1);
    }
    o->leg.protocol = tls_conn_protocol(o->st.tls);
    o->leg.cipher = tls_conn_cipher(o->st.tls);
    o->leg.resumed = tls_conn_resumed(o->st.tls);
    o->leg.verified = tls_conn_verified(o->st.tls);
    (void)smtp_client_tls_started(&o->cli);
    return true;
}

/* tls_broken: the TLS of `o` failed; during the handshake that is a TLS
 * failure, after it the next hop is gone. */
static void
tls_broken(struct dp_worker *w, struct dp_out *o)
{
    if (!tls_conn_done(o->st.tls)) {
        tls_failed(w, o, tls_conn_failure(o->st.tls), tls_conn_reason(o->st.tls));
    } else {
        fail(w, o);
    }
}

static void
on_event(struct dp_worker *w, struct dp_out *o, const struct smtp_client_event *ev)
{
    struct dp_txn *in = o->owner;
    switch (ev->type) {
    case SMTP_CEV_READY:
        if (want_tls(w, o)) {
            return;
        }
        o->ready = true;
        o->deadline_ms = 0;
        hop_up(o->hop, w->now_ms);
        dp_wsnap_put(w, o->held); /* greeted: its TLS is settled */
        o->held = NULL;
        if (in != NULL) {
            post_ready(w, in);
        } else {
            pool_put(w, o);
        }
        return;
    case SMTP_CEV_REPLY:
        if (ev->cmd == SMTP_CMD_STARTTLS) {
            starttls_reply(w, o, ev);
            return;
        }
        o->fresh = false;
        if (in != NULL) {
            post_reply(w, in, ev);
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
        fail_why(w, o, ev->err == RL_ELIMIT ? DP_OF_TIMEOUT : DP_OF_ERROR);
        return;
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
    int rc = dp_stream_pump(&o->st, &o->cli, &o->body, progress);
    if (rc == RL_ETLS) {
        tls_broken(w, o);
        return false;
    }
    if (rc != 0) {
        fail(w, o);
        return false;
    }
    return true;
}

/* receive reads the next hop's replies into `rx`: in clear, or through TLS.
 * False if `o` was closed. */
static bool
receive(struct dp_worker *w, struct dp_out *o, bool *progress)
{
    if (o->rx_off > 0) {
        memmove(o->rx, o->rx + o->rx_off, o->rx_len - o->rx_off);
        o->rx_len -= o->rx_off;
        o->rx_off = 0;
    }
    if (o->rx_len == DP_OUT_RX_CAP) {
        return true;
    }
    size_t n;
    int rc = dp_stream_read(&o->st, &n, o->rx + o->rx_len, DP_OUT_RX_CAP - o->rx_len, progress);
    if (rc == RL_EAGAIN) {
        return true;
    }
    if (rc != 0 || n == 0) { /* a failure, the end of the stream or the next hop's close_notify */
        rc == RL_ETLS ? tls_broken(w, o) : fail(w, o);
        return false;
    }
    o->rx_len += n;
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
        if (o->st.tls != NULL && !tls_conn_done(o->st.tls) && !handshake(w, o, &progress)) {
            return;
        }
        if (!receive(w, o, &progress)) {
            return;
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
        if (o->st.tls != NULL) {
            tls_failed(w, o, TLS_FAIL__COUNT, "handshake or greeting inside TLS timed out");
        } else {
            fail_why(w, o, DP_OF_TIMEOUT);
        }
        return;
    }
    if (o->in_pool && w->now_ms - o->idle_since_ms >= w->cur->s->rt.pool_idle_ms) {
        dp_out_close(w, o);
        return;
    }
    struct smtp_client_event ev;
    if (smtp_client_tick(&o->cli, &ev, w->now_ms) == 0) {
        on_event(w, o, &ev);
    }
}

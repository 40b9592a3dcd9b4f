/* SPDX-License-Identifier: Apache-2.0 */
/* A release from the quarantine as a worker job: the control thread offers
 * it (an atomic slot per worker), the worker starts it on its next turn and
 * runs it like an inbound session runs its transaction: it owns a dp_txn,
 * asks the relay for a connection and reads the relay's events; the result
 * goes back through `done` (release store, acquire load). */
#include "dp_release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_conn.h"
#include "dp_futex.h"
#include "smtp_client.h"

enum rel_state {
    REL_CONNECT = 0, /* waiting for a greeted connection */
    REL_RCPT,        /* MAIL and RCPTs sent, replies awaited */
    REL_DATA,        /* DATA sent, 354 awaited */
    REL_DOT,         /* body sent, final reply awaited */
};

struct dp_release {
    struct dp_base b; /* first: the run list hands this pointer back */
    /* Inputs, borrowed until dp_release_free. */
    const char *from;
    const char *const *rcpts;
    size_t n_rcpts;
    const uint8_t *msg;
    size_t msg_len;
    /* The outcome: written by the worker before `done`. */
    struct dp_release_result res;
    int rc;
    int done; /* atomic: 1 once res and rc are final (then the worker never touches it again) */
    /* The worker's. */
    struct dp_txn txn;
    enum rel_state state;
    uint8_t *stuffed; /* the dot-stuffed message; owned */
    size_t stuffed_len;
    size_t next_rcpt; /* next recipient to queue */
    size_t rcpt_done; /* recipients answered */
    char why[200];    /* why the last hop was left, for the result if it was the last */
};

int
dp_release_new(struct dp_release **out_r, const char *from, const char *const *rcpts,
               size_t n_rcpts, const uint8_t *msg, size_t msg_len)
{
    if (n_rcpts == 0 || msg_len == 0) {
        return RL_EINVAL;
    }
    struct dp_release *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return RL_ENOMEM;
    }
    r->b.kind = DP_K_JOB;
    r->from = from;
    r->rcpts = rcpts;
    r->n_rcpts = n_rcpts;
    r->msg = msg;
    r->msg_len = msg_len;
    /* The dot-stuffed copy is made here, on the caller's thread: a stored
     * message may be megabytes, more than one worker turn should copy. */
    r->stuffed = malloc(2 * msg_len + 8);
    if (r->stuffed == NULL) {
        free(r);
        return RL_ENOMEM;
    }
    struct smtp_dotstuff d;
    smtp_dotstuff_init(&d);
    r->stuffed_len = smtp_dotstuff_run(&d, r->stuffed, 2 * msg_len + 8, msg, msg_len);
    r->stuffed_len += smtp_dotstuff_end(&d, r->stuffed + r->stuffed_len, 8);
    *out_r = r;
    return 0;
}

void
dp_release_free(struct dp_release *r)
{
    if (r == NULL) {
        return;
    }
    if (r->stuffed != NULL) {
        explicit_bzero(r->stuffed, r->stuffed_len);
        free(r->stuffed);
    }
    free(r);
}

int
dp_release_offer(struct dp_worker *w, struct dp_release *r)
{
    struct dp_release *none = NULL;
    return __atomic_compare_exchange_n(&w->release_inbox, &none, r, false, __ATOMIC_RELEASE,
                                       __ATOMIC_RELAXED)
               ? 0
               : RL_EAGAIN;
}

bool
dp_release_withdraw(struct dp_worker *w, struct dp_release *r)
{
    struct dp_release *expect = r;
    return __atomic_compare_exchange_n(&w->release_inbox, &expect, NULL, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_RELAXED);
}

bool
dp_release_done(const struct dp_release *r, struct dp_release_result *out_result, int *out_rc)
{
    if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) == 0) {
        return false;
    }
    *out_result = r->res;
    *out_rc = r->rc;
    return true;
}

int
dp_release_run(struct dp_release_result *out_result, struct dp_worker *w, const char *from,
               const char *const *rcpts, size_t n_rcpts, const uint8_t *msg, size_t msg_len)
{
    memset(out_result, 0, sizeof(*out_result));
    struct dp_release *r = NULL;
    int rc = dp_release_new(&r, from, rcpts, n_rcpts, msg, msg_len);
    if (rc != 0) {
        return rc;
    }
    while (dp_release_offer(w, r) != 0) { /* another caller's job is being taken */
        struct timespec ms1 = {0, 1000000L};
        nanosleep(&ms1, NULL);
    }
    dp_worker_wake(w); /* taken at its next turn, not its next timer pass */
    for (;;) {
        /* The worker bumps its count after `done`, never touching `r` again
         * (it may be freed here at once): read the count first. */
        uint32_t seen = __atomic_load_n(&w->releases_done, __ATOMIC_ACQUIRE);
        if (dp_release_done(r, out_result, &rc)) {
            break;
        }
        if (__atomic_load_n(dp_worker_beat(w), __ATOMIC_ACQUIRE) == UINT64_MAX &&
            dp_release_withdraw(w, r)) {
            rc = RL_EAGAIN; /* the worker stopped before taking it */
            snprintf(out_result->text, sizeof(out_result->text), "the gateway is stopping");
            break;
        }
        /* Woken by the worker; the timeout only looks at the beat again (a
         * worker that stopped before taking the job). */
        dp_futex_wait(&w->releases_done, seen, 100000000L);
    }
    dp_release_free(r);
    return rc;
}

/* signal_done makes the outcome of `r` final and wakes the thread waiting in
 * dp_release_run; `r` may be freed from then on. */
static void
signal_done(struct dp_worker *w, struct dp_release *r, int rc)
{
    r->rc = rc;
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&w->releases_done, 1, __ATOMIC_RELEASE);
    dp_futex_wake(&w->releases_done, 1 << 30);
}

/* finish ends the job with `rc`, lets the connection and the snapshot go and
 * tells the waiting thread. */
static void
finish(struct dp_worker *w, struct dp_release *r, int rc)
{
    struct dp_out *o = r->txn.out;
    r->txn.out = NULL;
    if (o != NULL && r->res.delivered) {
        dp_relay_release(w, o);
    } else if (o != NULL) {
        dp_relay_detach(w, o);
    }
    dp_txn_clear(&r->txn);
    dp_wsnap_put(w, r->txn.held);
    r->txn.held = NULL;
    if (w->release == r) {
        w->release = NULL;
    }
    signal_done(w, r, rc);
}

static void
keep_reply(struct dp_release *r, const struct dp_rev *ev)
{
    r->res.code = ev->code;
    snprintf(r->res.enhanced, sizeof(r->res.enhanced), "%s", ev->enh);
    snprintf(r->res.text, sizeof(r->res.text), "%.*s", (int)ev->text_len, ev->text);
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
utf8_envelope(const struct dp_release *r)
{
    bool any = has_8bit((const uint8_t *)r->from, strlen(r->from));
    for (size_t i = 0; i < r->n_rcpts && !any; i++) {
        any = has_8bit((const uint8_t *)r->rcpts[i], strlen(r->rcpts[i]));
    }
    return any;
}

/* queue_rcpts queues recipients while the client takes them (all at once
 * with PIPELINING, else one per reply). */
static void
queue_rcpts(struct dp_release *r, struct smtp_client *cli)
{
    while (r->next_rcpt < r->n_rcpts) {
        const char *to = r->rcpts[r->next_rcpt];
        int rc = smtp_client_rcpt(cli, (const uint8_t *)to, strlen(to));
        if (rc == RL_EAGAIN) {
            return;
        }
        r->next_rcpt++;
        if (rc != 0) { /* a stored recipient the client will not send: refused here */
            r->res.rcpt_refused++;
            r->rcpt_done++;
        }
    }
}

/* next_hop tries the group's next host, or ends the job: no host left. */
static void
next_hop(struct dp_worker *w, struct dp_release *r)
{
    r->state = REL_CONNECT;
    if (dp_relay_acquire(w, &r->txn) == 0) {
        return;
    }
    const struct dp_snapshot *s = r->txn.held->s;
    r->res.hop[0] = '\0';
    snprintf(r->res.text, sizeof(r->res.text), "no next hop of group %.64s: %.150s",
             s->rt.groups[r->txn.group].name, r->why[0] != '\0' ? r->why : "none could be reached");
    finish(w, r, RL_EIO);
}

static void
on_ready(struct dp_worker *w, struct dp_release *r)
{
    struct dp_out *o = r->txn.out;
    snprintf(r->res.hop, sizeof(r->res.hop), "%s", o->hop->name);
    if (smtp_client_mail(&o->cli, (const uint8_t *)r->from, strlen(r->from), r->msg_len,
                         has_8bit(r->msg, r->msg_len), utf8_envelope(r)) != 0) {
        snprintf(r->res.text, sizeof(r->res.text), "the sender cannot be sent");
        finish(w, r, 0);
        return;
    }
    r->next_rcpt = r->rcpt_done = 0;
    r->res.rcpt_ok = r->res.rcpt_refused = 0;
    queue_rcpts(r, &o->cli);
    r->state = REL_RCPT;
    dp_relay_command(w, o);
}

static void
on_failed(struct dp_worker *w, struct dp_release *r, const struct dp_rev *ev)
{
    if (ev->code != 0) { /* TLS could not be had as the profile requires */
        snprintf(r->why, sizeof(r->why), "%.*s", (int)ev->text_len, ev->text);
    } else if (r->state == REL_CONNECT) {
        snprintf(r->why, sizeof(r->why), "%.100s could not be reached or did not greet",
                 r->res.hop[0] != '\0' ? r->res.hop : "the next hop");
    }
    if (r->state == REL_CONNECT || (r->state == REL_RCPT && ev->retry && r->rcpt_done == 0)) {
        next_hop(w, r);
        return;
    }
    /* Lost after the greeting: reported, not retried. */
    snprintf(r->res.text, sizeof(r->res.text), "connection lost");
    finish(w, r, 0);
}

static void
on_reply(struct dp_worker *w, struct dp_release *r, const struct dp_rev *ev)
{
    struct dp_out *o = r->txn.out;
    bool ok = ev->code / 100 == 2;
    switch (ev->cmd) {
    case SMTP_CMD_MAIL:
        if (!ok) {
            keep_reply(r, ev);
            finish(w, r, 0);
            return;
        }
        queue_rcpts(r, &o->cli); /* the ones held back for lack of PIPELINING */
        dp_relay_command(w, o);
        return;
    case SMTP_CMD_RCPT:
        r->rcpt_done++;
        if (ok) {
            r->res.rcpt_ok++;
        } else {
            r->res.rcpt_refused++;
            keep_reply(r, ev); /* the answer if every recipient is refused */
        }
        queue_rcpts(r, &o->cli);
        if (r->rcpt_done < r->n_rcpts) {
            dp_relay_command(w, o);
            return;
        }
        if (r->res.rcpt_ok == 0) {
            finish(w, r, 0);
        } else if (smtp_client_data(&o->cli) != 0) {
            snprintf(r->res.text, sizeof(r->res.text), "could not queue DATA");
            finish(w, r, 0);
        } else {
            r->state = REL_DATA;
            dp_relay_command(w, o);
        }
        return;
    case SMTP_CMD_DATA:
        if (ev->code == 354) {
            r->state = REL_DOT;
            dp_relay_send_body(w, o, r->stuffed, r->stuffed_len);
            return;
        }
        keep_reply(r, ev);
        finish(w, r, 0);
        return;
    case SMTP_CMD_DOT:
        keep_reply(r, ev);
        r->res.delivered = ok;
        finish(w, r, 0);
        return;
    default:
        return;
    }
}

/* start begins a job the worker has just taken: the route, a snapshot pin,
 * the first hop. */
static void
start(struct dp_worker *w, struct dp_release *r)
{
    dp_txn_init(&r->txn, &r->b);
    const char *at = strrchr(r->rcpts[0], '@');
    const char *domain = at != NULL ? at + 1 : "";
    const struct dp_route *route = dp_route_find(&w->cur->s->rt, domain, strlen(domain));
    if (route == NULL) {
        finish(w, r, RL_ENOENT);
        return;
    }
    r->txn.held = dp_wsnap_take(w);
    r->txn.group = (int)route->group;
    r->txn.tls_profile = route->tls;
    w->release = r;
    next_hop(w, r);
}

void
dp_release_take(struct dp_worker *w)
{
    if (w->release != NULL || __atomic_load_n(&w->release_inbox, __ATOMIC_RELAXED) == NULL) {
        return;
    }
    struct dp_release *r = __atomic_exchange_n(&w->release_inbox, NULL, __ATOMIC_ACQUIRE);
    if (r != NULL) {
        start(w, r);
    }
}

void
dp_release_step(struct dp_worker *w, struct dp_release *r)
{
    struct dp_rev ev;
    while (w->release == r && dp_txn_pop(&r->txn, &ev)) {
        switch (ev.type) {
        case DP_REV_READY:
            on_ready(w, r);
            break;
        case DP_REV_REPLY:
            on_reply(w, r, &ev);
            break;
        case DP_REV_FAILED:
            on_failed(w, r, &ev);
            break;
        }
    }
}

void
dp_release_abort(struct dp_worker *w)
{
    struct dp_release *r = __atomic_exchange_n(&w->release_inbox, NULL, __ATOMIC_ACQUIRE);
    if (r != NULL) {
        snprintf(r->res.text, sizeof(r->res.text), "the gateway is stopping");
        signal_done(w, r, RL_EAGAIN);
    }
    if (w->release != NULL) {
        snprintf(w->release->res.text, sizeof(w->release->res.text), "the gateway is stopping");
        w->release->res.delivered = false;
        finish(w, w->release, RL_EAGAIN);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SMTP server session: arbitrary client bytes in
 * arbitrary chunks, under every setting of bare LF, NUL, address literals,
 * trust and tarpit, and a caller that accepts or refuses at random. Checks
 * that every reply is a whole CRLF line, that no 250 ends a message the
 * caller did not accept, that an accepted message holds CR and LF only as
 * CRLF and no NUL, and that the same input cut differently gives the same
 * replies, events and messages (a split at any byte changes nothing). Aborts
 * on any broken invariant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

struct rng {
    uint32_t x;
};

static uint32_t
next(struct rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 17;
    r->x ^= r->x << 5;
    return r->x;
}

/* What one run saw: its replies, events and the text of accepted messages. */
struct trace {
    uint8_t out[1 << 16];
    size_t out_len;
    uint8_t log[1 << 15];
    size_t log_len;
    uint8_t body[1 << 14];
    size_t body_len;
    bool overflow; /* a buffer was too small: no comparison */
    bool tls;      /* STARTTLS: what follows it in one read is dropped, so the cut matters */
};

struct caller {
    struct rng decide; /* the answers: the same sequence in every run */
    struct rng cut;    /* chunk sizes, drains and clock */
    size_t n_data_ok;  /* 250s we gave to end of data */
    size_t n_accepted; /* "250 2.0.0 Message accepted" lines seen */
    bool closed;
    struct trace *t;
};

static void
note(struct trace *t, uint8_t *buf, size_t cap, size_t *len, const void *p, size_t n)
{
    if (*len + n > cap) {
        t->overflow = true;
        return;
    }
    memcpy(buf + *len, p, n);
    *len += n;
}

/* drain checks and drops the queued output: whole reply lines only. */
static void
drain(struct smtp_session *s, struct caller *c)
{
    static const char accepted[] = "250 2.0.0 Message accepted\r\n";
    size_t n;
    const uint8_t *p = smtp_session_output(s, &n);
    size_t i = 0;
    bool in_multiline = false;
    while (i < n) {
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        check(lf != NULL);
        size_t len = (size_t)(lf - (p + i)) + 1;
        /* RFC 5321 4.5.3.1.5: at most 512 octets with CRLF. */
        check(len >= 5 && len <= 512 && p[i + len - 2] == '\r');
        check(memchr(p + i, '\r', len - 2) == NULL);
        for (size_t k = 0; k < 3; k++) {
            check(p[i + k] >= '0' && p[i + k] <= '9');
        }
        check(p[i + 3] == ' ' || p[i + 3] == '-');
        in_multiline = p[i + 3] == '-';
        if (len == sizeof(accepted) - 1 && memcmp(p + i, accepted, len) == 0) {
            c->n_accepted++;
        }
        i += len;
    }
    check(!in_multiline);
    note(c->t, c->t->out, sizeof(c->t->out), &c->t->out_len, p, n);
    smtp_session_consume(s, n);
    check(c->n_accepted == c->n_data_ok);
}

/* body_ok checks an accepted message: CR and LF only as CRLF, no NUL. */
static void
body_ok(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check(b[i] != '\0');
        if (b[i] == '\r') {
            check(i + 1 < n && b[i + 1] == '\n');
        }
        if (b[i] == '\n') {
            check(i > 0 && b[i - 1] == '\r');
        }
    }
}

static void
answer(struct smtp_session *s, struct caller *c, const struct smtp_event *ev, const uint8_t *in,
       size_t in_len)
{
    static const enum smtp_reply_id refusals[] = {SMTP_R_RCPT_UNKNOWN, SMTP_R_RELAY_DENIED,
                                                  SMTP_R_NEXTHOP_UNREACHABLE,
                                                  SMTP_R_NEXTHOP_TEMPFAIL, SMTP_R_POLICY_BLOCK};
    static const uint8_t crlf[2] = {'\r', '\n'};
    struct trace *t = c->t;
    enum smtp_reply_id ok = SMTP_R_NONE;
    uint8_t tag = (uint8_t)ev->type;
    if (ev->type != SMTP_EV_DATA_CHUNK) { /* how many chunks depends on the cut */
        note(t, t->log, sizeof(t->log), &t->log_len, &tag, 1);
    }
    switch (ev->type) {
    case SMTP_EV_HELO:
    case SMTP_EV_MAIL:
    case SMTP_EV_RCPT:
        check(ev->arg != NULL && ev->arg_len < 1024);
        note(t, t->log, sizeof(t->log), &t->log_len, ev->arg, ev->arg_len);
        ok = ev->type == SMTP_EV_MAIL   ? SMTP_R_MAIL_OK
             : ev->type == SMTP_EV_RCPT ? SMTP_R_RCPT_OK
                                        : SMTP_R_NONE;
        break;
    case SMTP_EV_DATA_BEGIN:
        t->body_len = 0;
        break;
    case SMTP_EV_DATA_CHUNK:
        /* Chunks borrow the caller's input, or are the CRLF of a bare LF. */
        check(ev->arg_len > 0);
        check((ev->arg >= in && ev->arg + ev->arg_len <= in + in_len) ||
              (ev->arg_len == 2 && memcmp(ev->arg, crlf, 2) == 0));
        note(t, t->body, sizeof(t->body), &t->body_len, ev->arg, ev->arg_len);
        break;
    case SMTP_EV_DATA_END:
        if (!t->overflow) {
            body_ok(t->body, t->body_len);
            note(t, t->log, sizeof(t->log), &t->log_len, t->body, t->body_len);
        }
        ok = SMTP_R_DATA_OK;
        break;
    case SMTP_EV_BDAT_CHUNK:
        ok = SMTP_R_BDAT_OK;
        break;
    case SMTP_EV_DATA_ABORT:
        check(smtp_reply_code(ev->reason) >= 500);
        check(smtp_session_reply(s, SMTP_R_DATA_OK) == RL_EINVAL);
        break;
    case SMTP_EV_STARTTLS:
        t->tls = true;
        drain(s, c);
        if (next(&c->decide) % 2 == 0) {
            check(smtp_session_tls_started(s) == 0);
        }
        break;
    case SMTP_EV_QUIT:
    case SMTP_EV_CLOSE:
        c->closed = true;
        break;
    case SMTP_EV_RSET:
        break;
    default:
        abort();
    }
    if (ok == SMTP_R_NONE) {
        /* No reply owed: any reply is refused. */
        check(smtp_session_reply(s, SMTP_R_DATA_OK) == RL_EINVAL);
        return;
    }
    uint32_t pick = next(&c->decide) % 8;
    if (pick < 5) {
        check(smtp_session_reply(s, ok) == 0);
        if (ok == SMTP_R_DATA_OK) {
            c->n_data_ok++;
        }
    } else {
        check(smtp_session_reply(s, refusals[pick % 5]) == 0);
    }
}

/* run feeds `data` to a new session in chunks of 1..97 octets (`whole`: all
 * at once), ticking a clock between chunks when `tick`. */
static void
run(struct trace *t, uint32_t seed, uint8_t flags, const uint8_t *data, size_t size, bool whole,
    bool tick)
{
    static uint8_t mem[8192];
    struct smtp_session s;
    struct smtp_limits lim;
    struct caller c = {.decide = {seed}, .cut = {seed ^ 0x9e3779b9u}, .t = t};
    memset(t, 0, sizeof(*t));
    struct rng setup = {seed};
    smtp_limits_default(&lim);
    lim.max_msg_size = 1 + next(&setup) % 4096;
    lim.max_rcpt = 1 + next(&setup) % 4;
    lim.max_errors = next(&setup) % 30;
    lim.max_junk = next(&setup) % 8;
    lim.tarpit_after = (flags & 0x20) ? next(&setup) % 4 : 0;
    lim.cmd_timeout_ms = 1000;
    lim.data_timeout_ms = 2000;
    lim.min_data_rate = (flags & 0x40) ? 100 : 0;
    uint32_t tls = next(&setup) % 3; /* none, offered, required */
    struct smtp_config cfg = {
        .hostname = "mx.fuzz",
        .tls_available = tls != 0,
        .tls_required = tls == 2,
        .bare_newline = (flags & 1) ? SMTP_BARE_LF_REJECT : SMTP_BARE_LF_NORMALIZE,
        .nul = (flags & 2) ? SMTP_NUL_STRIP : SMTP_NUL_REJECT,
        .address_literals = (flags & 4) != 0,
    };
    check(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)) == 0);
    smtp_session_trust(&s, (flags & 8) != 0);
    check(smtp_session_start(&s, SMTP_R_GREETING) == 0);
    drain(&s, &c);
    uint64_t now = 0;
    size_t off = 0;
    while (off < size && !c.closed) {
        size_t want = whole ? size : 1 + next(&c.cut) % 97;
        size_t len = size - off < want ? size - off : want;
        size_t pos = 0;
        for (;;) {
            struct smtp_event ev;
            size_t used;
            int rc = smtp_session_feed(&s, &ev, &used, data + off + pos, len - pos);
            check(used <= len - pos);
            pos += used;
            if (rc == 0) {
                answer(&s, &c, &ev, data + off, len);
                if (next(&c.cut) % 4 == 0) {
                    drain(&s, &c);
                }
                continue;
            }
            drain(&s, &c);
            if (rc == RL_EINVAL) {
                check(c.closed || smtp_session_state(&s) == SMTP_S_CLOSED);
                c.closed = true;
                break;
            }
            check(rc == RL_EAGAIN);
            if (smtp_session_tarpit_take(&s) != 0) {
                check(lim.tarpit_after != 0);
                continue;
            }
            if (pos == len) {
                break;
            }
            /* Only a full output buffer may stop the engine early here. */
            check(smtp_session_state(&s) != SMTP_S_TLS_PENDING);
        }
        off += len;
        now += next(&c.cut) % 700;
        struct smtp_event tev;
        if (tick && smtp_session_tick(&s, &tev, now) == 0) {
            check(tev.type == SMTP_EV_CLOSE && tev.reason == SMTP_R_TIMEOUT);
            c.closed = true;
        }
        drain(&s, &c);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace a, b;
    if (size < 5) {
        return 0;
    }
    uint32_t seed =
        ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]) | 1;
    uint8_t flags = data[4];
    data += 5;
    size -= 5;
    run(&a, seed, flags, data, size, false, true);
    /* Without a clock, how the input is cut must not matter. */
    run(&a, seed, flags, data, size, false, false);
    run(&b, seed, flags, data, size, true, false);
    if (!a.overflow && !b.overflow && !a.tls && !b.tls) {
        check(a.out_len == b.out_len && memcmp(a.out, b.out, a.out_len) == 0);
        check(a.log_len == b.log_len && memcmp(a.log, b.log, a.log_len) == 0);
    }
    return 0;
}

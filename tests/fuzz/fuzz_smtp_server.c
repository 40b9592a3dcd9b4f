/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SMTP server session: arbitrary client bytes in
 * arbitrary chunks, a caller that accepts or refuses at random, and checks
 * that every reply is a whole CRLF line and that no 250 ends a message the
 * caller did not accept. Aborts on any broken invariant. */
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

struct caller {
    size_t n_data_ok;  /* 250s we gave to end of data */
    size_t n_accepted; /* "250 2.0.0 Message accepted" lines seen */
    bool closed;
};

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
    smtp_session_consume(s, n);
    check(c->n_accepted == c->n_data_ok);
}

static void
answer(struct smtp_session *s, struct rng *r, struct caller *c, const struct smtp_event *ev,
       const uint8_t *in, size_t in_len)
{
    static const enum smtp_reply_id refusals[] = {SMTP_R_RCPT_UNKNOWN, SMTP_R_RELAY_DENIED,
                                                  SMTP_R_NEXTHOP_UNREACHABLE,
                                                  SMTP_R_NEXTHOP_TEMPFAIL, SMTP_R_POLICY_BLOCK};
    enum smtp_reply_id ok = SMTP_R_NONE;
    uint8_t copy[1024];
    switch (ev->type) {
    case SMTP_EV_HELO:
    case SMTP_EV_MAIL:
    case SMTP_EV_RCPT:
        check(ev->arg != NULL && ev->arg_len < sizeof(copy));
        memcpy(copy, ev->arg, ev->arg_len);
        ok = ev->type == SMTP_EV_MAIL   ? SMTP_R_MAIL_OK
             : ev->type == SMTP_EV_RCPT ? SMTP_R_RCPT_OK
                                        : SMTP_R_NONE;
        break;
    case SMTP_EV_DATA_CHUNK:
        /* Chunks borrow the caller's input. */
        check(ev->arg_len > 0 && ev->arg >= in && ev->arg + ev->arg_len <= in + in_len);
        break;
    case SMTP_EV_DATA_END:
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
        drain(s, c);
        if (next(r) % 2 == 0) {
            check(smtp_session_tls_started(s) == 0);
        }
        break;
    case SMTP_EV_QUIT:
    case SMTP_EV_CLOSE:
        c->closed = true;
        break;
    case SMTP_EV_DATA_BEGIN:
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
    uint32_t pick = next(r) % 8;
    if (pick < 5) {
        check(smtp_session_reply(s, ok) == 0);
        if (ok == SMTP_R_DATA_OK) {
            c->n_data_ok++;
        }
    } else {
        check(smtp_session_reply(s, refusals[pick % 5]) == 0);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t mem[8192];
    struct smtp_session s;
    struct smtp_limits lim;
    struct caller c = {0};
    if (size < 4) {
        return 0;
    }
    struct rng r = {
        ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]) | 1};
    data += 4;
    size -= 4;
    smtp_limits_default(&lim);
    lim.max_msg_size = 1 + next(&r) % 4096;
    lim.max_rcpt = 1 + next(&r) % 4;
    lim.max_errors = next(&r) % 30;
    lim.cmd_timeout_ms = 1000;
    lim.data_timeout_ms = 2000;
    uint32_t tls = next(&r) % 3; /* none, offered, required */
    struct smtp_config cfg = {
        .hostname = "mx.fuzz", .tls_available = tls != 0, .tls_required = tls == 2};
    check(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)) == 0);
    check(smtp_session_start(&s, SMTP_R_GREETING) == 0);
    drain(&s, &c);
    uint64_t now = 0;
    size_t off = 0;
    while (off < size && !c.closed) {
        size_t want = 1 + next(&r) % 97;
        size_t len = size - off < want ? size - off : want;
        size_t pos = 0;
        for (;;) {
            struct smtp_event ev;
            size_t used;
            int rc = smtp_session_feed(&s, &ev, &used, data + off + pos, len - pos);
            check(used <= len - pos);
            pos += used;
            if (rc == 0) {
                answer(&s, &r, &c, &ev, data + off, len);
                if (next(&r) % 4 == 0) {
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
            if (pos == len) {
                break;
            }
            /* Only a full output buffer may stop the engine early here. */
            check(smtp_session_state(&s) != SMTP_S_TLS_PENDING);
        }
        off += len;
        now += next(&r) % 700;
        struct smtp_event tev;
        if (smtp_session_tick(&s, &tev, now) == 0) {
            check(tev.type == SMTP_EV_CLOSE && tev.reason == SMTP_R_TIMEOUT);
            c.closed = true;
        }
        drain(&s, &c);
    }
    return 0;
}

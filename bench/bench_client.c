/* SPDX-License-Identifier: Apache-2.0 */
/* The load generator's SMTP client session: reads replies (multi-line, split
 * anywhere), walks greeting, EHLO, STARTTLS, transactions and QUIT, and
 * queues output as iovecs over the shared script and the prebuilt messages.
 * No I/O, no allocation; the thread owning the connection calls it. */
#include "bench_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char end_of_data[] = ".\r\n";

static bool
name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr(".-_+@", c) != NULL;
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool script_put(struct bench_client_script *s, size_t *len, size_t *out_off, size_t *out_len,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* script_put appends formatted text to s->buf at *len and records where it
 * went (out_off may be NULL). Returns false when it does not fit. */
static bool
script_put(struct bench_client_script *s, size_t *len, size_t *out_off, size_t *out_len,
           const char *fmt, ...)
{
    size_t cap = sizeof(s->buf) - *len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + *len, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    if (out_off != NULL) {
        *out_off = *len;
        *out_len = (size_t)n;
    }
    *len += (size_t)n;
    return true;
}

int
bench_client_script_init(struct bench_client_script *s, const char *helo, const char *from,
                         const char *rcpt_domain, unsigned n_rcpt, bool pipelining, bool starttls)
{
    memset(s, 0, sizeof(*s));
    if (n_rcpt < 1 || n_rcpt > BENCH_CLIENT_RCPT_MAX || !name_ok(helo, 255) ||
        !name_ok(from, 254) || !name_ok(rcpt_domain, 200)) {
        return RL_EINVAL;
    }
    size_t len = 0;
    bool ok = script_put(s, &len, &s->ehlo_off, &s->ehlo_len, "EHLO %s\r\n", helo) &&
              script_put(s, &len, &s->helo_off, &s->helo_len, "HELO %s\r\n", helo) &&
              script_put(s, &len, &s->quit_off, &s->quit_len, "QUIT\r\n") &&
              script_put(s, &len, &s->starttls_off, &s->starttls_len, "STARTTLS\r\n") &&
              script_put(s, &len, &s->rset_off, &s->rset_len, "RSET\r\n") &&
              script_put(s, &len, &s->mail_off, &s->mail_len, "MAIL FROM:<%s>\r\n", from);
    s->rcpt_off = len;
    for (unsigned i = 0; i < n_rcpt && ok; i++) {
        /* %03u: every RCPT line has the same length, so line i sits at
         * rcpt_off + i * rcpt_len */
        ok = script_put(s, &len, NULL, NULL, "RCPT TO:<rcpt%03u@%s>\r\n", i, rcpt_domain);
        s->rcpt_len = (len - s->rcpt_off) / (i + 1);
    }
    ok = ok && script_put(s, &len, &s->data_off, &s->data_len, "DATA\r\n");
    if (!ok) {
        return RL_EINVAL;
    }
    s->n_rcpt = n_rcpt;
    s->pipelining = pipelining;
    s->starttls = starttls;
    return 0;
}

void
bench_client_init(struct bench_client *c, const struct bench_client_script *script)
{
    memset(c, 0, sizeof(*c));
    c->script = script;
    c->state = BENCH_CS_GREETING;
}

static enum bench_outcome
outcome_of(int code)
{
    switch (code / 100) {
    case 2:
        return BENCH_OUT_OK;
    case 4:
        return BENCH_OUT_TEMPFAIL;
    case 5:
        return BENCH_OUT_PERMFAIL;
    default:
        return BENCH_OUT_ERROR;
    }
}

static int
out_push(struct bench_client *c, const void *p, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if (c->iov_first > 0) {
        memmove(c->iov, c->iov + c->iov_first, c->iov_n * sizeof(c->iov[0]));
        c->iov_first = 0;
    }
    if (c->iov_n == BENCH_CLIENT_IOV) {
        return RL_ELIMIT;
    }
    /* iov_base is not const, but writev only reads it */
    c->iov[c->iov_n++] = (struct iovec){.iov_base = (void *)(uintptr_t)p, .iov_len = len};
    return 0;
}

static int
out_script(struct bench_client *c, size_t off, size_t len)
{
    return out_push(c, c->script->buf + off, len);
}

static void
out_drop(struct bench_client *c)
{
    c->iov_first = 0;
    c->iov_n = 0;
}

/* push_step queues the command whose reply is number `k` of the
 * transaction: RSET (if any), MAIL, RCPT 0..n-1, DATA. */
static int
push_step(struct bench_client *c, unsigned k)
{
    const struct bench_client_script *s = c->script;
    if (c->has_rset) {
        if (k == 0) {
            return out_script(c, s->rset_off, s->rset_len);
        }
        k--;
    }
    if (k == 0) {
        return out_script(c, s->mail_off, s->mail_len);
    }
    if (k <= s->n_rcpt) {
        return out_script(c, s->rcpt_off + (k - 1) * s->rcpt_len, s->rcpt_len);
    }
    return out_script(c, s->data_off, s->data_len);
}

static void
note_failure(struct bench_client *c, int code)
{
    /* several refusals: a temporary one decides, since retrying may help */
    if (c->fail_code == 0 || (code / 100 == 4 && c->fail_code / 100 != 4)) {
        c->fail_code = code;
    }
}

static void
txn_done(struct bench_client *c, struct bench_client_ev *ev, enum bench_outcome o, int code)
{
    ev->type = BENCH_CE_DONE;
    ev->outcome = o;
    ev->code = code;
    c->hdr = NULL;
    c->body = NULL;
    if (c->state != BENCH_CS_CLOSED) {
        c->state = BENCH_CS_IDLE;
    }
}

/* on_envelope_reply handles reply number c->step of the transaction. */
static int
on_envelope_reply(struct bench_client *c, struct bench_client_ev *ev, int code)
{
    unsigned k = c->step++;
    unsigned first_rcpt = (c->has_rset ? 1u : 0u) + 1;
    bool is_data = c->step == c->n_steps;

    if (code / 100 == 3 && !is_data) {
        return RL_EINVAL;
    }
    if (c->has_rset && k == 0) {
        if (code / 100 != 2) {
            note_failure(c, code);
        }
    } else if (k + 1 == first_rcpt) {
        c->mail_ok = code / 100 == 2;
        if (!c->mail_ok) {
            note_failure(c, code);
        }
    } else if (!is_data) {
        if (code / 100 == 2) {
            c->rcpt_ok++;
        } else {
            note_failure(c, code);
        }
    }

    if (is_data) {
        if (code == 354) {
            c->state = BENCH_CS_DATA;
            if (c->mail_ok && c->rcpt_ok > 0) {
                int rc = out_push(c, c->hdr, c->hdr_len);
                return rc == 0 ? out_push(c, c->body, c->body_len) : rc;
            }
            /* RFC 2920 3.1: DATA went out before the refusals came back and
             * the server still said 354: end an empty message at once */
            c->doomed = true;
            return out_push(c, end_of_data, sizeof(end_of_data) - 1);
        }
        c->need_rset = true;
        txn_done(c, ev, outcome_of(c->fail_code != 0 ? c->fail_code : code),
                 c->fail_code != 0 ? c->fail_code : code);
        return 0;
    }
    if (c->pipelining) {
        return 0; /* every command is already on its way */
    }
    /* one command at a time: stop as soon as the transaction cannot succeed */
    bool mail_step = k + 1 == first_rcpt;
    bool last_rcpt = k + 1 == first_rcpt + c->script->n_rcpt;
    if ((mail_step && !c->mail_ok) || (last_rcpt && c->rcpt_ok == 0)) {
        c->need_rset = true;
        txn_done(c, ev, outcome_of(c->fail_code), c->fail_code);
        return 0;
    }
    return push_step(c, c->step);
}

/* no_tls ends a session that wanted STARTTLS and cannot have it: nothing
 * more goes out, least of all a message in clear. */
static int
no_tls(struct bench_client *c, struct bench_client_ev *ev, int code)
{
    c->state = BENCH_CS_CLOSED;
    out_drop(c);
    *ev = (struct bench_client_ev){BENCH_CE_NO_TLS, BENCH_OUT_ERROR, code};
    return 0;
}

/* greeted acts on the 2xx to EHLO or HELO: STARTTLS first when the script
 * wants it and TLS is not on yet, otherwise the session is ready. */
static int
greeted(struct bench_client *c, struct bench_client_ev *ev, int code)
{
    if (c->script->starttls && !c->tls) {
        if (!c->ext_starttls) {
            return no_tls(c, ev, code);
        }
        /* RFC 2920 3.1 and RFC 3207 4.2: STARTTLS goes alone, nothing after it */
        c->state = BENCH_CS_STARTTLS;
        return out_script(c, c->script->starttls_off, c->script->starttls_len);
    }
    c->state = BENCH_CS_IDLE;
    *ev = (struct bench_client_ev){BENCH_CE_READY, BENCH_OUT_OK, code};
    return 0;
}

/* on_reply acts on one complete reply. */
static int
on_reply(struct bench_client *c, struct bench_client_ev *ev, int code)
{
    const struct bench_client_script *s = c->script;

    /* RFC 5321 3.8: 421 means the server is closing the channel now */
    if (code == 421 && c->state != BENCH_CS_QUIT) {
        enum bench_client_state was = c->state;
        c->state = BENCH_CS_CLOSED;
        out_drop(c);
        if (was == BENCH_CS_TXN || was == BENCH_CS_DATA) {
            txn_done(c, ev, BENCH_OUT_TEMPFAIL, code);
        } else {
            *ev = (struct bench_client_ev){BENCH_CE_CLOSED, BENCH_OUT_TEMPFAIL, code};
        }
        return 0;
    }
    switch (c->state) {
    case BENCH_CS_GREETING:
        if (code / 100 == 2) {
            c->state = BENCH_CS_EHLO;
            return out_script(c, s->ehlo_off, s->ehlo_len);
        }
        break;
    case BENCH_CS_EHLO:
        if (code / 100 == 2) {
            c->pipelining = s->pipelining && c->ext_pipelining;
            return greeted(c, ev, code);
        }
        if (code / 100 == 5) {
            /* RFC 5321 4.1.4: a server without EHLO still takes HELO */
            c->state = BENCH_CS_HELO;
            c->ext_pipelining = false;
            c->ext_starttls = false;
            return out_script(c, s->helo_off, s->helo_len);
        }
        break;
    case BENCH_CS_HELO:
        if (code / 100 == 2) {
            c->pipelining = false;
            return greeted(c, ev, code);
        }
        break;
    case BENCH_CS_STARTTLS:
        if (code == 220) {
            c->state = BENCH_CS_TLS;
            *ev = (struct bench_client_ev){BENCH_CE_STARTTLS, BENCH_OUT_OK, code};
            return 0;
        }
        if (code / 100 == 3) {
            return RL_EINVAL;
        }
        return no_tls(c, ev, code);
    case BENCH_CS_TXN:
        return on_envelope_reply(c, ev, code);
    case BENCH_CS_DATA:
        if (code / 100 == 3) {
            return RL_EINVAL;
        }
        if (c->iov_n > 0) {
            /* the server answered before the message was complete (a size
             * limit, an abort): what is still queued would be read as
             * commands, so the connection cannot go on */
            c->state = BENCH_CS_CLOSED;
            out_drop(c);
        }
        if (c->doomed) {
            c->need_rset = true;
            txn_done(c, ev, outcome_of(c->fail_code), c->fail_code);
        } else {
            txn_done(c, ev, outcome_of(code), code);
        }
        return 0;
    case BENCH_CS_QUIT:
        c->state = BENCH_CS_CLOSED;
        *ev = (struct bench_client_ev){BENCH_CE_CLOSED, BENCH_OUT_OK, code};
        return 0;
    default:
        return RL_EINVAL; /* nothing was asked */
    }
    if (code / 100 == 3) {
        return RL_EINVAL;
    }
    /* greeting, EHLO or HELO refused: the session cannot be used */
    c->state = BENCH_CS_CLOSED;
    out_drop(c);
    *ev = (struct bench_client_ev){BENCH_CE_CLOSED, outcome_of(code), code};
    return 0;
}

/* ehlo_keyword notes the extensions the generator uses from one line of the
 * EHLO reply (RFC 5321 4.1.1.1: keyword first, case-insensitive). */
static void
ehlo_keyword(struct bench_client *c, const char *text)
{
    size_t n = strcspn(text, " ");
    if (n == 10 && strncasecmp(text, "PIPELINING", 10) == 0) {
        c->ext_pipelining = true;
    } else if (n == 8 && strncasecmp(text, "STARTTLS", 8) == 0) {
        c->ext_starttls = true;
    }
}

/* on_line parses one reply line (CRLF cut): RFC 5321 4.2, "ddd" then SP,
 * "-" (more lines follow) or the end of the line. */
static int
on_line(struct bench_client *c, struct bench_client_ev *ev)
{
    const char *l = c->line;
    if (c->line_len < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
        l[2] > '9' || (c->line_len > 3 && l[3] != ' ' && l[3] != '-')) {
        return RL_EINVAL;
    }
    int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
    if (c->ml_code != 0 && code != c->ml_code) {
        return RL_EINVAL;
    }
    if (c->state == BENCH_CS_EHLO && c->ml_code != 0 && c->line_len > 4) {
        ehlo_keyword(c, l + 4); /* the first line is the server's name */
    }
    if (c->line_len > 3 && l[3] == '-') {
        c->ml_code = code;
        return 0;
    }
    c->ml_code = 0;
    return on_reply(c, ev, code);
}

int
bench_client_feed(struct bench_client *c, struct bench_client_ev *out_ev, size_t *out_used,
                  const uint8_t *in, size_t len)
{
    *out_ev = (struct bench_client_ev){0};
    *out_used = 0;
    if (c->err != 0) {
        return c->err;
    }
    size_t i = 0;
    bool queued = false;
    while (i < len && out_ev->type == BENCH_CE_NONE && !queued) {
        const uint8_t *nl = memchr(in + i, '\n', len - i);
        size_t take = nl != NULL ? (size_t)(nl - (in + i)) + 1 : len - i;
        /* keep what fits; the rest of an overlong line is skipped */
        size_t room = sizeof(c->line) - 1 - c->line_len;
        size_t keep = take < room ? take : room;
        memcpy(c->line + c->line_len, in + i, keep);
        c->line_len += keep;
        i += take;
        if (nl == NULL) {
            break;
        }
        while (c->line_len > 0 &&
               (c->line[c->line_len - 1] == '\n' || c->line[c->line_len - 1] == '\r')) {
            c->line_len--;
        }
        c->line[c->line_len] = '\0';
        unsigned had = c->iov_n;
        int rc = on_line(c, out_ev);
        /* output first: a reply read before it is written could look early */
        queued = c->iov_n > had;
        c->line_len = 0;
        if (rc != 0) {
            c->err = rc;
            c->state = BENCH_CS_CLOSED;
            out_drop(c);
            *out_ev = (struct bench_client_ev){0};
            *out_used = i;
            return rc;
        }
    }
    *out_used = i;
    return 0;
}

int
bench_client_tls_started(struct bench_client *c)
{
    if (c->state != BENCH_CS_TLS || c->err != 0) {
        return RL_EINVAL;
    }
    /* RFC 3207 4.2: forget what the server said in clear, EHLO again */
    c->tls = true;
    c->ext_pipelining = false;
    c->ext_starttls = false;
    c->state = BENCH_CS_EHLO;
    return out_script(c, c->script->ehlo_off, c->script->ehlo_len);
}

int
bench_client_send(struct bench_client *c, const uint8_t *hdr, size_t hdr_len, const uint8_t *body,
                  size_t body_len)
{
    const struct bench_client_script *s = c->script;
    if (c->state != BENCH_CS_IDLE || c->err != 0) {
        return RL_EINVAL;
    }
    c->state = BENCH_CS_TXN;
    c->has_rset = c->need_rset;
    c->need_rset = false;
    c->step = 0;
    c->n_steps = (c->has_rset ? 1u : 0u) + 1 + s->n_rcpt + 1;
    c->mail_ok = false;
    c->rcpt_ok = 0;
    c->fail_code = 0;
    c->doomed = false;
    c->hdr = hdr;
    c->hdr_len = hdr_len;
    c->body = body;
    c->body_len = body_len;
    if (c->pipelining) {
        /* RFC 2920 3.1: DATA may only end a group; it does */
        size_t from = c->has_rset ? s->rset_off : s->mail_off;
        return out_script(c, from, s->data_off + s->data_len - from);
    }
    return push_step(c, 0);
}

int
bench_client_quit(struct bench_client *c)
{
    if (c->state != BENCH_CS_IDLE || c->err != 0) {
        return RL_EINVAL;
    }
    c->state = BENCH_CS_QUIT;
    return out_script(c, c->script->quit_off, c->script->quit_len);
}

unsigned
bench_client_out(const struct bench_client *c, const struct iovec **out_iov)
{
    *out_iov = c->iov + c->iov_first;
    return c->iov_n;
}

void
bench_client_sent(struct bench_client *c, size_t n)
{
    while (n > 0 && c->iov_n > 0) {
        struct iovec *v = &c->iov[c->iov_first];
        if (n < v->iov_len) {
            v->iov_base = (uint8_t *)v->iov_base + n;
            v->iov_len -= n;
            return;
        }
        n -= v->iov_len;
        c->iov_first++;
        c->iov_n--;
    }
    if (c->iov_n == 0) {
        c->iov_first = 0;
    }
}

const char *
bench_client_last_reply(const struct bench_client *c)
{
    return c->line;
}

const char *
bench_outcome_name(enum bench_outcome o)
{
    static const char *const names[BENCH_OUT__COUNT] = {"ok", "tempfail", "permfail", "error"};
    return (unsigned)o < BENCH_OUT__COUNT ? names[o] : "unknown";
}

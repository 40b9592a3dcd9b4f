/* SPDX-License-Identifier: Apache-2.0 */
/* The benchmark sink's SMTP server session: commands, pipelined or not,
 * DATA with dot-unstuffing, BDAT chunks, and injected failures drawn from a
 * per-session generator. Replies come from the table of strings below. No
 * I/O, no allocation; the thread owning the connection calls it. */
#include "bench_server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPLY_ROOM 512 /* the longest reply the session queues, EHLO included */

/* Positions inside DATA text relative to line starts. */
enum {
    D_BOL = 0, /* at the start of a line (after CRLF, or right after 354) */
    D_LINE,    /* inside a line, the last byte was not CR */
    D_CR,      /* inside a line, the last byte was CR */
    D_DOT,     /* a '.' started the line and is held back */
    D_DOTCR,   /* ".\r" started the line, both held back */
};

static const char cr[] = "\r";

struct fail_reply {
    int code;
    const char *text;
};

static const struct fail_reply fail_replies[] = {
    {421, "421 4.3.2 Service shutting down, closing transmission channel (injected)"},
    {450, "450 4.2.0 Mailbox temporarily unavailable (injected)"},
    {451, "451 4.3.0 Local error in processing (injected)"},
    {452, "452 4.3.1 Insufficient system storage (injected)"},
    {550, "550 5.1.1 Mailbox unavailable (injected)"},
    {552, "552 5.3.4 Message size exceeds fixed limit (injected)"},
    {554, "554 5.3.0 Transaction failed (injected)"},
};

static const char *
fail_text(int code)
{
    for (size_t i = 0; i < sizeof(fail_replies) / sizeof(fail_replies[0]); i++) {
        if (fail_replies[i].code == code) {
            return fail_replies[i].text;
        }
    }
    return NULL;
}

bool
bench_server_fail_code_ok(int code)
{
    return fail_text(code) != NULL;
}

static void reply(struct bench_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* reply queues one reply line and its CRLF. The caller made sure that
 * REPLY_ROOM bytes are free, so a reply is never cut. */
static void
reply(struct bench_server *s, const char *fmt, ...)
{
    size_t room = sizeof(s->out) - s->out_len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)s->out + s->out_len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= room) {
        return;
    }
    s->out_len += (size_t)n;
    s->out[s->out_len++] = '\r';
    s->out[s->out_len++] = '\n';
}

static const char *
host(const struct bench_server *s)
{
    return s->cfg->hostname != NULL ? s->cfg->hostname : "redline-sink";
}

/* draw_fails draws whether the injected failure strikes this time. */
static bool
draw_fails(struct bench_server *s, enum bench_fail_at at)
{
    if (s->cfg->fail_at != at) {
        return false;
    }
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (z >> 32) < s->cfg->fail_threshold;
}

/* reply_fail queues the injected failure; a 421 closes the session. */
static void
reply_fail(struct bench_server *s)
{
    reply(s, "%s", fail_text(s->cfg->fail_code));
    if (s->cfg->fail_code == 421) {
        s->state = BENCH_SS_CLOSING;
    }
}

static void
txn_reset(struct bench_server *s)
{
    s->mail = false;
    s->n_rcpt = 0;
    s->bdat_seen = false;
    s->msg_bytes = 0;
}

void
bench_server_init(struct bench_server *s, const struct bench_server_cfg *cfg, uint64_t seed)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->rng = seed;
    if (draw_fails(s, BENCH_FAIL_CONNECT)) {
        if (cfg->fail_code / 100 == 4) {
            reply(s, "421 4.3.2 %s Service not available (injected)", host(s));
            s->state = BENCH_SS_CLOSING;
        } else {
            /* RFC 5321 3.1: after 554 the server waits for QUIT */
            reply(s, "554 5.3.2 %s No SMTP service here (injected)", host(s));
            s->state = BENCH_SS_REFUSED;
        }
        return;
    }
    reply(s, "220 %s ESMTP redline-bench sink", host(s));
}

/* finish_message ends the message in progress and decides its reply. */
static void
finish_message(struct bench_server *s, struct bench_server_ev *ev)
{
    int code = 250;
    if (draw_fails(s, BENCH_FAIL_DOT)) {
        code = s->cfg->fail_code;
        reply_fail(s);
    } else if (s->cfg->max_size > 0 && s->msg_bytes > s->cfg->max_size) {
        code = 552;
        reply(s, "552 5.3.4 Error: message file too big");
    } else {
        reply(s, "250 2.0.0 Ok: queued");
    }
    ev->type = BENCH_SE_END;
    ev->len = (size_t)s->msg_bytes;
    ev->accepted = code == 250;
    ev->code = code;
    txn_reset(s);
    if (s->state != BENCH_SS_CLOSING) {
        s->state = BENCH_SS_CMD;
    }
}

/* data_feed reads DATA text: RFC 5321 4.5.2, a line starting with '.' loses
 * that '.', and the line "." alone (CRLF "." CRLF) ends the message. Returns
 * the bytes consumed; sets at most one event. */
static size_t
data_feed(struct bench_server *s, struct bench_server_ev *ev, const uint8_t *in, size_t len)
{
    size_t from = 0; /* start of body bytes not yet handed out */
    size_t j = 0;
    while (j < len) {
        switch (s->dstate) {
        case D_BOL:
            if (in[j] != '.') {
                s->dstate = D_LINE;
                break;
            }
            s->dstate = D_DOT;
            if (j > from) {
                *ev = (struct bench_server_ev){
                    .type = BENCH_SE_BODY, .data = in + from, .len = j - from};
                return j + 1;
            }
            from = ++j;
            break;
        case D_DOT:
            if (in[j] == '\r') {
                s->dstate = D_DOTCR;
                from = ++j;
            } else {
                s->dstate = D_LINE; /* a stuffed dot: dropped */
            }
            break;
        case D_DOTCR:
            if (in[j] == '\n') {
                finish_message(s, ev);
                return j + 1;
            }
            /* ".\r" then something else: only the dot was stuffing */
            s->dstate = D_CR;
            *ev = (struct bench_server_ev){
                .type = BENCH_SE_BODY, .data = (const uint8_t *)cr, .len = 1};
            return j;
        case D_CR:
            if (in[j] == '\n') {
                s->dstate = D_BOL;
                j++;
            } else {
                s->dstate = D_LINE;
            }
            break;
        default: {
            const uint8_t *nl = memchr(in + j, '\n', len - j);
            if (nl == NULL) {
                s->dstate = in[len - 1] == '\r' ? D_CR : D_LINE;
                j = len;
                break;
            }
            size_t k = (size_t)(nl - in);
            /* a CR right before the LF, in this input or the previous one */
            bool crlf = k > j ? in[k - 1] == '\r' : false;
            s->dstate = crlf ? D_BOL : D_LINE;
            j = k + 1;
            break;
        }
        }
    }
    if (len > from) {
        *ev = (struct bench_server_ev){.type = BENCH_SE_BODY, .data = in + from, .len = len - from};
    }
    return len;
}

/* bdat_feed reads the octets of one BDAT chunk (RFC 3030 2: exactly the
 * announced count, no dot-stuffing). */
static size_t
bdat_feed(struct bench_server *s, struct bench_server_ev *ev, const uint8_t *in, size_t len)
{
    size_t take = len < s->bdat_left ? len : (size_t)s->bdat_left;
    s->bdat_left -= take;
    if (take > 0 && !s->bdat_skip) {
        *ev = (struct bench_server_ev){.type = BENCH_SE_BODY, .data = in, .len = take};
    }
    return take;
}

/* bdat_chunk_end answers a BDAT chunk whose octets are all read. */
static void
bdat_chunk_end(struct bench_server *s, struct bench_server_ev *ev)
{
    if (s->bdat_skip) {
        s->state = s->state == BENCH_SS_CLOSING ? BENCH_SS_CLOSING : BENCH_SS_CMD;
        return; /* refused when the command came; that reply is queued */
    }
    if (s->bdat_last) {
        finish_message(s, ev);
        return;
    }
    reply(s, "250 2.0.0 Ok: %" PRIu64 " octets", s->msg_bytes);
    s->state = BENCH_SS_CMD;
}

static bool
verb_is(const char *line, size_t len, const char *verb)
{
    size_t n = strlen(verb);
    return len >= n && strncasecmp(line, verb, n) == 0 && (len == n || line[n] == ' ');
}

static bool
prefix_is(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && strncasecmp(line, prefix, n) == 0;
}

static void
cmd_ehlo(struct bench_server *s, struct bench_server_ev *ev, bool extended)
{
    if (s->bdat_seen) {
        ev->type = BENCH_SE_ABORT; /* RFC 5321 4.1.4: EHLO resets the transaction */
    }
    txn_reset(s);
    s->helo = true;
    if (!extended) {
        reply(s, "250 %s", host(s));
        return;
    }
    reply(s, "250-%s", host(s));
    reply(s, "250-PIPELINING");
    reply(s, "250-SIZE %" PRIu64, s->cfg->max_size);
    reply(s, "250-8BITMIME");
    if (s->cfg->chunking) {
        reply(s, "250-CHUNKING");
    }
    if (s->cfg->starttls && !s->tls) {
        /* RFC 3207 4.2: not offered again once TLS is on */
        reply(s, "250-STARTTLS");
    }
    reply(s, "250 ENHANCEDSTATUSCODES");
}

/* cmd_bdat parses "BDAT <size> [LAST]" and starts reading the chunk. */
static void
cmd_bdat(struct bench_server *s, struct bench_server_ev *ev, const char *arg)
{
    char *end = NULL;
    if (!s->cfg->chunking) {
        reply(s, "502 5.5.2 Error: command not recognized");
        return;
    }
    if (*arg < '0' || *arg > '9') {
        reply(s, "501 5.5.4 Syntax: BDAT size [LAST]");
        return;
    }
    unsigned long long size = strtoull(arg, &end, 10);
    bool last = strcasecmp(end, " LAST") == 0;
    if (*end != '\0' && !last) {
        reply(s, "501 5.5.4 Syntax: BDAT size [LAST]");
        return;
    }
    s->state = BENCH_SS_BDAT;
    s->bdat_left = size;
    s->bdat_last = last;
    s->bdat_skip = true;
    /* RFC 3030 2: a refused chunk is still read, then thrown away */
    if (!s->mail) {
        reply(s, "503 5.5.1 Error: need MAIL command");
    } else if (s->n_rcpt == 0) {
        reply(s, "503 5.5.1 Error: need RCPT command");
    } else if (!s->bdat_seen && draw_fails(s, BENCH_FAIL_DATA)) {
        reply_fail(s);
        if (s->state == BENCH_SS_CLOSING) {
            return;
        }
        s->state = BENCH_SS_BDAT;
        txn_reset(s);
    } else {
        s->bdat_skip = false;
        if (!s->bdat_seen) {
            s->bdat_seen = true;
            ev->type = BENCH_SE_BEGIN;
        }
    }
}

/* cmd_starttls answers STARTTLS (RFC 3207 4): 220, after which the caller
 * switches the connection to TLS. */
static void
cmd_starttls(struct bench_server *s, struct bench_server_ev *ev, size_t len)
{
    if (!s->cfg->starttls) {
        reply(s, "502 5.5.2 Error: command not recognized");
    } else if (s->tls) {
        reply(s, "503 5.5.1 Error: TLS already active");
    } else if (len != 8) {
        reply(s, "501 5.5.4 Syntax: STARTTLS"); /* RFC 3207 4: no parameters */
    } else if (s->mail) {
        reply(s, "503 5.5.1 Error: MAIL transaction in progress");
    } else {
        reply(s, "220 2.0.0 Ready to start TLS");
        s->state = BENCH_SS_TLS;
        ev->type = BENCH_SE_STARTTLS;
    }
}

static void
cmd_line(struct bench_server *s, struct bench_server_ev *ev)
{
    const char *l = s->line;
    size_t n = s->line_len;

    if (s->line_long) {
        reply(s, "500 5.5.2 Error: line too long");
    } else if (verb_is(l, n, "QUIT")) {
        reply(s, "221 2.0.0 Bye");
        s->state = BENCH_SS_CLOSING;
    } else if (s->state == BENCH_SS_REFUSED) {
        reply(s, "503 5.5.1 Error: no SMTP service here");
    } else if (verb_is(l, n, "EHLO") || verb_is(l, n, "HELO")) {
        cmd_ehlo(s, ev, l[0] == 'E' || l[0] == 'e');
    } else if (verb_is(l, n, "MAIL")) {
        if (!s->helo) {
            reply(s, "503 5.5.1 Error: send HELO/EHLO first");
        } else if (s->mail) {
            reply(s, "503 5.5.1 Error: nested MAIL command");
        } else if (!prefix_is(l, n, "MAIL FROM:")) {
            reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
        } else if (draw_fails(s, BENCH_FAIL_MAIL)) {
            reply_fail(s);
        } else {
            s->mail = true;
            reply(s, "250 2.1.0 Ok");
        }
    } else if (verb_is(l, n, "RCPT")) {
        if (!s->mail) {
            reply(s, "503 5.5.1 Error: need MAIL command");
        } else if (!prefix_is(l, n, "RCPT TO:")) {
            reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
        } else if (s->n_rcpt >= BENCH_SERVER_RCPT_MAX) {
            reply(s, "452 4.5.3 Error: too many recipients");
        } else if (draw_fails(s, BENCH_FAIL_RCPT)) {
            reply_fail(s);
        } else {
            s->n_rcpt++;
            reply(s, "250 2.1.5 Ok");
        }
    } else if (verb_is(l, n, "DATA")) {
        if (!s->mail) {
            reply(s, "503 5.5.1 Error: need MAIL command");
        } else if (s->n_rcpt == 0) {
            reply(s, "554 5.5.1 Error: no valid recipients");
        } else if (s->bdat_seen) {
            reply(s, "503 5.5.1 Error: DATA after BDAT");
        } else if (n != 4) {
            reply(s, "501 5.5.4 Syntax: DATA");
        } else if (draw_fails(s, BENCH_FAIL_DATA)) {
            reply_fail(s);
        } else {
            reply(s, "354 End data with <CR><LF>.<CR><LF>");
            s->state = BENCH_SS_DATA;
            s->dstate = D_BOL;
            s->msg_bytes = 0;
            ev->type = BENCH_SE_BEGIN;
        }
    } else if (verb_is(l, n, "STARTTLS")) {
        cmd_starttls(s, ev, n);
    } else if (verb_is(l, n, "BDAT")) {
        cmd_bdat(s, ev, n > 5 ? l + 5 : "");
    } else if (verb_is(l, n, "RSET")) {
        if (s->bdat_seen) {
            ev->type = BENCH_SE_ABORT;
        }
        txn_reset(s);
        reply(s, "250 2.0.0 Ok");
    } else if (verb_is(l, n, "NOOP")) {
        reply(s, "250 2.0.0 Ok");
    } else if (verb_is(l, n, "VRFY")) {
        reply(s, "252 2.0.0 Cannot VRFY user");
    } else {
        reply(s, "502 5.5.2 Error: command not recognized");
    }
}

/* cmd_feed collects one command line and runs it. Returns bytes consumed. */
static size_t
cmd_feed(struct bench_server *s, struct bench_server_ev *ev, const uint8_t *in, size_t len)
{
    const uint8_t *nl = memchr(in, '\n', len);
    size_t take = nl != NULL ? (size_t)(nl - in) + 1 : len;
    size_t room = sizeof(s->line) - 1 - s->line_len;
    if (take > room) {
        s->line_long = true;
    }
    size_t keep = take < room ? take : room;
    memcpy(s->line + s->line_len, in, keep);
    s->line_len += keep;
    if (nl == NULL) {
        return take;
    }
    while (s->line_len > 0 &&
           (s->line[s->line_len - 1] == '\n' || s->line[s->line_len - 1] == '\r')) {
        s->line_len--;
    }
    s->line[s->line_len] = '\0';
    cmd_line(s, ev);
    s->line_len = 0;
    s->line_long = false;
    return take;
}

int
bench_server_feed(struct bench_server *s, struct bench_server_ev *out_ev, size_t *out_used,
                  const uint8_t *in, size_t len)
{
    *out_ev = (struct bench_server_ev){0};
    *out_used = 0;
    if (s->state == BENCH_SS_CLOSING || s->state == BENCH_SS_TLS) {
        return RL_EINVAL;
    }
    size_t i = 0;
    while (out_ev->type == BENCH_SE_NONE && s->state != BENCH_SS_CLOSING &&
           s->state != BENCH_SS_TLS) {
        bool chunk_end = s->state == BENCH_SS_BDAT && s->bdat_left == 0;
        if (i == len && !chunk_end) {
            break;
        }
        if (s->out_len + REPLY_ROOM > sizeof(s->out)) {
            if (s->out_off == 0) {
                break; /* the caller has to write first */
            }
            memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
            s->out_len -= s->out_off;
            s->out_off = 0;
            continue;
        }
        if (chunk_end) {
            bdat_chunk_end(s, out_ev);
        } else if (s->state == BENCH_SS_DATA) {
            i += data_feed(s, out_ev, in + i, len - i);
        } else if (s->state == BENCH_SS_BDAT) {
            i += bdat_feed(s, out_ev, in + i, len - i);
        } else {
            i += cmd_feed(s, out_ev, in + i, len - i);
        }
    }
    if (out_ev->type == BENCH_SE_BODY) {
        s->msg_bytes += out_ev->len;
    }
    *out_used = i;
    return 0;
}

int
bench_server_tls_started(struct bench_server *s)
{
    if (s->state != BENCH_SS_TLS) {
        return RL_EINVAL;
    }
    /* RFC 3207 4.2: discard what the client said before, EHLO included */
    txn_reset(s);
    s->helo = false;
    s->tls = true;
    s->state = BENCH_SS_CMD;
    return 0;
}

const uint8_t *
bench_server_out(const struct bench_server *s, size_t *out_len)
{
    *out_len = s->out_len - s->out_off;
    return s->out + s->out_off;
}

void
bench_server_sent(struct bench_server *s, size_t n)
{
    s->out_off += n;
    if (s->out_off >= s->out_len) {
        s->out_off = 0;
        s->out_len = 0;
    }
}

bool
bench_server_closing(const struct bench_server *s)
{
    return s->state == BENCH_SS_CLOSING;
}

bool
bench_server_in_message(const struct bench_server *s)
{
    return s->state == BENCH_SS_DATA || s->bdat_seen;
}

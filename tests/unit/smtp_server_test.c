/* SPDX-License-Identifier: Apache-2.0 */
/* Transcript tests for smtp_server.c: client bytes in, exact reply bytes and
 * events out, each replayed whole, split at every byte offset and byte by
 * byte; plus the aiosmtpd dialogues from $RL_CORPUS (default
 * ../shared/corpus). Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "smtp_server.h"

#define HOST "mx.test"

/* Replies as they must appear on the wire. */
#define R_EHLO                                                                                     \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"                         \
    "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"
#define R_EHLO_TLS                                                                                 \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"                         \
    "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n250 STARTTLS\r\n"
#define R_HELO "250 " HOST "\r\n"
#define R_OK "250 2.0.0 OK\r\n"
#define R_MAIL "250 2.1.0 Sender OK\r\n"
#define R_RCPT "250 2.1.5 Recipient OK\r\n"
#define R_354 "354 End data with <CR><LF>.<CR><LF>\r\n"
#define R_ACCEPT "250 2.0.0 Message accepted\r\n"
#define R_CHUNK "250 2.0.0 Chunk accepted\r\n"
#define R_QUIT "221 2.0.0 " HOST " closing connection\r\n"
#define R_SEQ "503 5.5.1 Bad sequence of commands\r\n"
#define R_NEED_HELO "503 5.5.1 Bad sequence of commands: send EHLO first\r\n"
#define R_NEED_MAIL "503 5.5.1 Bad sequence of commands: need MAIL first\r\n"
#define R_NESTED "503 5.5.1 Bad sequence of commands: sender already given\r\n"
#define R_NO_RCPT "554 5.5.1 No valid recipients\r\n"
#define R_UNREC "500 5.5.2 Command unrecognized\r\n"
#define R_TOO_LONG "500 5.5.2 Line too long (RFC 5321 4.5.3.1.4: 512 octets)\r\n"
#define R_BARE_CMD "500 5.5.2 Bare CR or LF in command line (RFC 5321 2.3.8)\r\n"
#define R_BARE_DATA "554 5.6.0 Bare CR or LF in message data (RFC 5321 2.3.8)\r\n"
#define R_LONG_DATA "554 5.6.0 Message line longer than 1000 octets (RFC 5321 4.5.3.1.6)\r\n"
#define R_SYNTAX "501 5.5.4 Syntax error in parameters or arguments\r\n"
#define R_SYN_MAIL "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]\r\n"
#define R_SYN_RCPT "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
#define R_SYN_BDAT "501 5.5.4 Syntax: BDAT size [LAST]\r\n"
#define R_SYN_HELO "501 5.5.4 Syntax: EHLO domain\r\n"
#define R_BAD_SENDER "553 5.1.7 Bad sender address syntax\r\n"
#define R_BAD_RCPT "553 5.1.3 Bad recipient address syntax\r\n"
#define R_UTF8 "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"
#define R_PARAM "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n"
#define R_PATH_LONG "501 5.5.4 Path too long (RFC 5321 4.5.3.1)\r\n"
#define R_MANY_RCPT "452 4.5.3 Too many recipients\r\n"
#define R_SIZE "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
#define R_TLS_GO "220 2.0.0 Ready to start TLS\r\n"
#define R_NOT_IMPL "502 5.5.1 Command not implemented\r\n"
#define R_VRFY "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
#define R_EXPN "502 5.5.1 EXPN command disabled\r\n"
#define R_HELP "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP STARTTLS\r\n"
#define R_ERRORS "421 4.7.0 " HOST " Too many errors, closing connection\r\n"
#define R_RCPT_UNKNOWN "550 5.1.1 Mailbox unavailable\r\n"
#define R_NO_NEXTHOP "451 4.4.1 No reachable next hop\r\n"
#define R_TLS_FIRST "530 5.7.0 Must issue a STARTTLS command first\r\n"
#define R_NUL_DATA "554 5.6.0 NUL octet in message data (RFC 5321 2.3.8)\r\n"
#define R_ROUTING "550 5.7.1 Sender-specified routing is not allowed\r\n"
#define R_LITERAL "550 5.7.1 Address literals are not accepted as recipients\r\n"
#define R_TIMEOUT "421 4.4.2 " HOST " Timeout exceeded, closing connection\r\n"

#define TX_START "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
#define TX_REPLIES R_EHLO R_MAIL R_RCPT
#define TX_LOG "HELO<c.test> MAIL<a@x.test> RCPT<b@y.test> "

/* A transcript: what the client sends, what must come back (after the 220
 * greeting), and the events the caller must see. */
struct tcase {
    const char *name;
    const char *in;        /* client bytes before any TLS switch */
    size_t in_len;         /* 0 = strlen(in) */
    const char *after_tls; /* bytes sent once TLS is up, or NULL */
    const char *want;      /* exact reply bytes */
    const char *want_log;  /* exact event log, or NULL to skip */
    /* Limits and caller policy. */
    uint32_t max_rcpt;             /* 0 = 3 */
    uint32_t max_errors;           /* 0 = 20 */
    bool tls;                      /* STARTTLS available */
    bool tls_required;             /* mail commands only after STARTTLS (policy encrypt) */
    bool bare_reject;              /* smtp.bare_newline = reject (default normalize) */
    bool nul_strip;                /* smtp.nul = strip (default reject) */
    bool literals;                 /* address literals accepted in RCPT */
    bool trusted;                  /* a relay-network client (sender-specified routing) */
    uint32_t max_junk;             /* 0 = 100 */
    uint32_t tarpit_after;         /* 0 = no tarpit */
    const char *reject_rcpt;       /* RCPT containing this gets 550 */
    enum smtp_reply_id data_reply; /* NONE = SMTP_R_DATA_OK */
};

struct run {
    char out[1 << 16];
    size_t out_len;
    char log[1 << 16];
    size_t log_len;
    char body[1 << 15];
    size_t body_len;
    bool tls_pending;
    bool closed;
    size_t n_data_ok; /* 250s given by the caller to end of data */
};

static void logf_(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->log + r->log_len, sizeof(r->log) - r->log_len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(r->log) - r->log_len);
    r->log_len += (size_t)n;
}

static void
drain(struct smtp_session *s, struct run *r)
{
    size_t n;
    const uint8_t *p = smtp_session_output(s, &n);
    assert_true(n < sizeof(r->out) - r->out_len);
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
    r->out[r->out_len] = '\0';
    smtp_session_consume(s, n);
}

static void
mem_contains(const uint8_t *p, size_t n, const char *needle, bool *out)
{
    size_t k = strlen(needle);
    *out = false;
    for (size_t i = 0; k <= n && i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0) {
            *out = true;
        }
    }
}

/* handle answers one event as the caller described by `tc` would. */
static void
handle(struct smtp_session *s, struct run *r, const struct tcase *tc, const struct smtp_event *ev)
{
    bool hit = false;
    switch (ev->type) {
    case SMTP_EV_HELO:
        logf_(r, "HELO<%.*s> ", (int)ev->arg_len, (const char *)ev->arg);
        break;
    case SMTP_EV_MAIL:
        logf_(r, "MAIL<%.*s>%s%s ", (int)ev->arg_len, (const char *)ev->arg,
              ev->smtputf8 ? "+UTF8" : "",
              ev->body == SMTP_BODY_8BITMIME ? "+8BIT"
              : ev->body == SMTP_BODY_7BIT   ? "+7BIT"
                                             : "");
        assert_int_equal(smtp_session_reply(s, SMTP_R_MAIL_OK), 0);
        break;
    case SMTP_EV_RCPT:
        logf_(r, "RCPT<%.*s> ", (int)ev->arg_len, (const char *)ev->arg);
        if (tc != NULL && tc->reject_rcpt != NULL) {
            mem_contains(ev->arg, ev->arg_len, tc->reject_rcpt, &hit);
        }
        /* A success reply that does not fit the event is refused. */
        assert_int_equal(smtp_session_reply(s, SMTP_R_DATA_OK), RL_EINVAL);
        assert_int_equal(smtp_session_reply(s, hit ? SMTP_R_RCPT_UNKNOWN : SMTP_R_RCPT_OK), 0);
        break;
    case SMTP_EV_DATA_BEGIN:
        logf_(r, "DATA ");
        r->body_len = 0;
        break;
    case SMTP_EV_DATA_CHUNK:
        assert_true(ev->arg_len > 0);
        assert_true(r->body_len + ev->arg_len < sizeof(r->body));
        memcpy(r->body + r->body_len, ev->arg, ev->arg_len);
        r->body_len += ev->arg_len;
        break;
    case SMTP_EV_DATA_END: {
        logf_(r, "END[%.*s] ", (int)r->body_len, r->body);
        enum smtp_reply_id id =
            tc != NULL && tc->data_reply != SMTP_R_NONE ? tc->data_reply : SMTP_R_DATA_OK;
        assert_int_equal(smtp_session_reply(s, id), 0);
        if (id == SMTP_R_DATA_OK) {
            r->n_data_ok++;
        }
        break;
    }
    case SMTP_EV_BDAT_CHUNK:
        logf_(r, "CHUNK ");
        assert_int_equal(smtp_session_reply(s, SMTP_R_BDAT_OK), 0);
        break;
    case SMTP_EV_DATA_ABORT:
        logf_(r, "ABORT(%d) ", smtp_reply_code(ev->reason));
        assert_int_equal(smtp_session_reply(s, SMTP_R_DATA_OK), RL_EINVAL);
        break;
    case SMTP_EV_RSET:
        logf_(r, "RSET ");
        break;
    case SMTP_EV_STARTTLS:
        logf_(r, "STARTTLS ");
        r->tls_pending = true;
        break;
    case SMTP_EV_QUIT:
        logf_(r, "QUIT ");
        r->closed = true;
        break;
    case SMTP_EV_CLOSE:
        logf_(r, "CLOSE(%d) ", smtp_reply_code(ev->reason));
        r->closed = true;
        break;
    default:
        fail_msg("unexpected event %d", (int)ev->type);
    }
}

/* feed_all gives `in` to the session the way a worker does: until RL_EAGAIN,
 * handling each event. */
static void
feed_all(struct smtp_session *s, struct run *r, const struct tcase *tc, const uint8_t *in,
         size_t len)
{
    size_t off = 0;
    for (;;) {
        struct smtp_event ev;
        size_t used = 99;
        int rc = smtp_session_feed(s, &ev, &used, in + off, len - off);
        assert_true(used <= len - off);
        off += used;
        drain(s, r);
        if (rc == RL_EINVAL) {
            assert_true(r->closed);
            return;
        }
        if (rc == RL_EAGAIN) {
            /* A held-back error reply: the worker would wait, then go on. */
            uint64_t hold = smtp_session_tarpit_take(s);
            if (hold != 0) {
                assert_int_equal(hold, 1000);
                logf_(r, "TARPIT ");
                continue;
            }
            assert_int_equal(off, len);
            return;
        }
        assert_int_equal(rc, 0);
        handle(s, r, tc, &ev);
    }
}

static void
session_new(struct smtp_session *s, void *mem, size_t mem_len, const struct tcase *tc)
{
    struct smtp_limits lim;
    smtp_limits_default(&lim);
    lim.max_msg_size = 10000;
    lim.max_rcpt = tc->max_rcpt != 0 ? tc->max_rcpt : 3;
    lim.max_errors = tc->max_errors != 0 ? tc->max_errors : 20;
    lim.max_junk = tc->max_junk != 0 ? tc->max_junk : 100;
    lim.tarpit_after = tc->tarpit_after;
    struct smtp_config cfg = {
        .hostname = HOST,
        .tls_available = tc->tls,
        .tls_required = tc->tls_required,
        .bare_newline = tc->bare_reject ? SMTP_BARE_LF_REJECT : SMTP_BARE_LF_NORMALIZE,
        .nul = tc->nul_strip ? SMTP_NUL_STRIP : SMTP_NUL_REJECT,
        .address_literals = tc->literals,
    };
    assert_true(smtp_session_mem_size(&lim) <= mem_len);
    assert_int_equal(smtp_session_init(s, &lim, &cfg, mem, mem_len), 0);
    smtp_session_trust(s, tc->trusted);
    assert_int_equal(smtp_session_start(s, SMTP_R_GREETING), 0);
    size_t n;
    const uint8_t *p = smtp_session_output(s, &n);
    assert_int_equal(n, strlen("220 " HOST " ESMTP Redline\r\n"));
    assert_memory_equal(p, "220 " HOST " ESMTP Redline\r\n", n);
    smtp_session_consume(s, n);
}

/* run_split replays `tc` with its input cut at `cut` (cut == len: whole), or
 * byte by byte when `bytewise`. */
static void
run_split(const struct tcase *tc, size_t cut, bool bytewise)
{
    static uint8_t mem[8192];
    static struct run r;
    struct smtp_session s;
    memset(&r, 0, sizeof(r));
    session_new(&s, mem, sizeof(mem), tc);
    const uint8_t *in = (const uint8_t *)tc->in;
    size_t len = tc->in_len != 0 ? tc->in_len : strlen(tc->in);
    if (bytewise) {
        for (size_t i = 0; i < len; i++) {
            feed_all(&s, &r, tc, in + i, 1);
        }
    } else {
        feed_all(&s, &r, tc, in, cut);
        feed_all(&s, &r, tc, in + cut, len - cut);
    }
    if (tc->after_tls != NULL) {
        assert_true(r.tls_pending);
        assert_int_equal(smtp_session_tls_started(&s), 0);
        feed_all(&s, &r, tc, (const uint8_t *)tc->after_tls, strlen(tc->after_tls));
    }
    if (strcmp(r.out, tc->want) != 0 ||
        (tc->want_log != NULL && strcmp(r.log, tc->want_log) != 0)) {
        fprintf(stderr, "case %s, cut %zu%s\n got: %s\nwant: %s\n got log: %s\nwant log: %s\n",
                tc->name, cut, bytewise ? " (bytewise)" : "", r.out, tc->want, r.log,
                tc->want_log != NULL ? tc->want_log : "(any)");
        fail();
    }
    /* Invariant: a 250 to end of data only when the caller gave one. */
    size_t n_250 = 0;
    for (const char *p = r.out; (p = strstr(p, R_ACCEPT)) != NULL; p++) {
        n_250++;
    }
    assert_int_equal(n_250, r.n_data_ok);
}

static void
run_cases(const struct tcase *cases, size_t n_cases)
{
    for (size_t i = 0; i < n_cases; i++) {
        const struct tcase *tc = &cases[i];
        size_t len = tc->in_len != 0 ? tc->in_len : strlen(tc->in);
        for (size_t cut = 0; cut <= len; cut++) {
            run_split(tc, cut, false);
        }
        run_split(tc, len, true);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Positive transcripts ---- */

static const struct tcase good_cases[] = {
    {.name = "full transaction",
     .in = TX_START "DATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT R_QUIT,
     .want_log = TX_LOG "DATA END[Subject: hi\r\n\r\nbody\r\n] QUIT "},
    {.name = "HELO, pipelined, dot-unstuffing, lower case verbs",
     .in = "helo c.test\r\nmail from:<>\r\nrcpt to:<b@y.test>\r\ndata\r\n"
           "..\r\n.x\r\n...\r\na.\r\n.\r\nnoop\r\n",
     .want = R_HELO R_MAIL R_RCPT R_354 R_ACCEPT R_OK,
     .want_log = "HELO<c.test> MAIL<> RCPT<b@y.test> DATA END[.\r\nx\r\n..\r\na.\r\n] "},
    {.name = "empty message",
     .in = TX_START "DATA\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[] "},
    {.name = "two messages on one connection",
     .in = TX_START "DATA\r\nA\r\n.\r\nMAIL FROM:<c@x.test>\r\nRCPT TO:<d@y.test>\r\nDATA\r\n"
                    "B\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT R_MAIL R_RCPT R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[A\r\n] MAIL<c@x.test> RCPT<d@y.test> DATA END[B\r\n] "},
    {.name = "BDAT chunks, CRLF split across chunks",
     .in = TX_START "BDAT 3\r\nab\rBDAT 4 LAST\r\n\nc\r\nNOOP\r\n",
     .want = TX_REPLIES R_CHUNK R_ACCEPT R_OK,
     .want_log = TX_LOG "DATA CHUNK END[ab\r\nc\r\n] "},
    {.name = "BDAT chunks",
     .in = TX_START "BDAT 4\r\nab\r\nBDAT 6 LAST\r\n.c\r\n\r\nNOOP\r\n",
     .want = TX_REPLIES R_CHUNK R_ACCEPT R_OK,
     .want_log = TX_LOG "DATA CHUNK END[ab\r\n.c\r\n\r\n] "},
    {.name = "BDAT 0 LAST",
     .in = TX_START "BDAT 0 LAST\r\n",
     .want = TX_REPLIES R_ACCEPT,
     .want_log = TX_LOG "DATA END[] "},
    {.name = "RSET, NOOP with text, HELP",
     .in = TX_START "RSET\r\nNOOP hello\r\nHELP\r\nHELP MAIL\r\nRCPT TO:<b@y.test>\r\n",
     .want = TX_REPLIES R_OK R_OK R_HELP R_HELP R_NEED_MAIL,
     .want_log = TX_LOG "RSET "},
    {.name = "EHLO resets the transaction",
     .in = TX_START "EHLO c2.test\r\nDATA\r\n",
     .want = TX_REPLIES R_EHLO R_NEED_MAIL,
     .want_log = TX_LOG "HELO<c2.test> "},
    {.name = "addresses: Postmaster, source route, quoted, literal, params",
     .in = "EHLO c.test\r\nMAIL FROM:<@r1.test,@r2.test:a@x.test> SIZE=100 BODY=8BITMIME  \r\n"
           "RCPT TO:<Postmaster>\r\nRCPT TO:<\"a b\\\"c\"@[127.0.0.1]>\r\n"
           "RCPT TO: <customer/department=shipping@example.com>\r\n",
     .literals = true,
     .want = R_EHLO R_MAIL R_RCPT R_RCPT R_RCPT,
     .want_log = "HELO<c.test> MAIL<a@x.test>+8BIT RCPT<Postmaster> "
                 "RCPT<\"a b\\\"c\"@[127.0.0.1]> RCPT<customer/department=shipping@example.com> "},
    {.name = "SMTPUTF8 address",
     .in = "EHLO c.test\r\nMAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
           "cher.test> SMTPUTF8\r\n"
           "RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.test>\r\n",
     .want = R_EHLO R_MAIL R_RCPT,
     .want_log = "HELO<c.test> MAIL<j\xc3\xb6rg@b\xc3\xbc"
                 "cher.test>+UTF8 "
                 "RCPT<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.test> "},
    {.name = "STARTTLS, then EHLO again without STARTTLS",
     .in = "EHLO c.test\r\nSTARTTLS\r\n",
     .after_tls = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\n",
     .tls = true,
     .want = R_EHLO_TLS R_TLS_GO R_EHLO R_MAIL,
     .want_log = "HELO<c.test> STARTTLS HELO<c.test> MAIL<a@x.test> "},
    {.name = "VRFY answered 252, never 250 (RFC 5321 3.5.3)",
     .in = "VRFY anne\r\nVRFY <anne@example.com>\r\n",
     .want = R_VRFY R_VRFY},
    {.name = "caller refuses a recipient, then DATA with only refused ones",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<bad@y.test>\r\nDATA\r\n"
           "RCPT TO:<good@y.test>\r\nRCPT TO:<bad2@y.test>\r\nDATA\r\nok\r\n.\r\n",
     .reject_rcpt = "bad",
     .want = R_EHLO R_MAIL R_RCPT_UNKNOWN R_NO_RCPT R_RCPT R_RCPT_UNKNOWN R_354 R_ACCEPT,
     .want_log = "HELO<c.test> MAIL<a@x.test> RCPT<bad@y.test> RCPT<good@y.test> "
                 "RCPT<bad2@y.test> DATA END[ok\r\n] "},
    {.name = "TLS required: mail commands get 530 until STARTTLS, the others work",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"
           "VRFY b\r\nEXPN staff\r\nNOOP\r\nRSET\r\nHELP\r\nHELO c.test\r\nEHLO c.test\r\n"
           "STARTTLS\r\n",
     .after_tls = TX_START "DATA\r\nx\r\n.\r\nQUIT\r\n",
     .tls = true,
     .tls_required = true,
     .want = R_EHLO_TLS R_TLS_FIRST R_TLS_FIRST R_TLS_FIRST R_TLS_FIRST R_TLS_FIRST R_OK R_OK R_HELP
         R_HELO R_EHLO_TLS R_TLS_GO TX_REPLIES R_354 R_ACCEPT R_QUIT,
     .want_log =
         "HELO<c.test> RSET HELO<c.test> HELO<c.test> STARTTLS " TX_LOG "DATA END[x\r\n] QUIT "},
    {.name = "in-line relay: next hop unreachable gives 451 4.4.1",
     .in = TX_START "DATA\r\nx\r\n.\r\nNOOP\r\n",
     .data_reply = SMTP_R_NEXTHOP_UNREACHABLE,
     .want = TX_REPLIES R_354 R_NO_NEXTHOP R_OK,
     .want_log = TX_LOG "DATA END[x\r\n] "},
};

static void
test_good(void **state)
{
    (void)state;
    run_cases(good_cases, N(good_cases));
}

/* A 512-octet command line and a 1000-octet text line are accepted
 * (RFC 5321 4.5.3.1.4, 4.5.3.1.6); one more octet is refused. */
static void
test_line_limits(void **state)
{
    (void)state;
    static char in[8192];
    static char want[4096];
    /* "NOOP " + pad + CRLF = 512 */
    size_t n = (size_t)snprintf(in, sizeof(in), "NOOP %0505d\r\nNOOP %0506d\r\nNOOP\r\n", 0, 0);
    assert_int_equal(n, 512 + 513 + 6);
    snprintf(want, sizeof(want), "%s%s%s", R_OK, R_TOO_LONG, R_OK);
    struct tcase tc = {.name = "command line 512/513", .in = in, .want = want};
    run_cases(&tc, 1);

    char line998[999];
    memset(line998, 'x', 998);
    line998[998] = '\0';
    snprintf(in, sizeof(in),
             TX_START "DATA\r\n%s\r\n.\r\nMAIL FROM:<a@x.test>\r\n"
                      "RCPT TO:<b@y.test>\r\nDATA\r\n%sy\r\n.\r\nNOOP\r\n",
             line998, line998);
    snprintf(want, sizeof(want), TX_REPLIES R_354 R_ACCEPT R_MAIL R_RCPT R_354 R_LONG_DATA R_OK);
    struct tcase tc2 = {.name = "text line 1000/1001", .in = in, .want = want};
    run_cases(&tc2, 1);

    /* A bare LF read as CRLF counts as the two octets it becomes. */
    snprintf(in, sizeof(in),
             TX_START "DATA\r\n%s\n.\r\n.\r\nMAIL FROM:<a@x.test>\r\n"
                      "RCPT TO:<b@y.test>\r\nDATA\r\n%sy\n.\r\n.\r\nNOOP\r\n",
             line998, line998);
    struct tcase tc3 = {.name = "normalized text line 1000/1001", .in = in, .want = want};
    run_cases(&tc3, 1);
}

/* ---- Negative transcripts ---- */

#define UNKNOWN_IN                                                                                 \
    "FOO\r\n\r\nNO\0OP\r\n\x80"                                                                    \
    "FAIL\r\nMAILFROM:<a@b>\r\nTURN\r\n"

static const struct tcase bad_cases[] = {
    {.name = "bad sequence",
     .in = "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nEHLO c.test\r\n"
           "RCPT TO:<b@y.test>\r\nDATA\r\nMAIL FROM:<a@x.test>\r\nDATA\r\n"
           "MAIL FROM:<a@x.test>\r\n",
     .want = R_NEED_HELO R_NEED_HELO R_NEED_HELO R_EHLO R_NEED_MAIL R_NEED_MAIL R_MAIL R_NO_RCPT
         R_NESTED,
     .want_log = "HELO<c.test> MAIL<a@x.test> "},
    {.name = "reject: bare LF and bare CR in command lines",
     .in = "EHLO c.test\nNOOP\r\nNO\rOP\r\n\nMAIL FROM:<a@x.test>\r\r\n",
     .bare_reject = true,
     .want = R_BARE_CMD R_OK R_BARE_CMD R_BARE_CMD R_BARE_CMD,
     .want_log = ""},
    {.name = "normalize: bare CR in command lines still refused",
     .in = "NO\rOP\r\nNOOP\r\r\nNOOP\r\rx\n\rNOOP\n",
     .want = R_BARE_CMD R_BARE_CMD R_BARE_CMD R_BARE_CMD,
     .want_log = ""},
    {.name = "reject, smuggling: <LF>.<LF> does not end DATA",
     .in = TX_START "DATA\r\nhi\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n"
                    "DATA\r\nevil\r\n.\r\nNOOP\r\n",
     .bare_reject = true,
     .want = TX_REPLIES R_354 R_BARE_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "reject, smuggling: <LF>.<CR><LF> does not end DATA",
     .in = TX_START "DATA\r\nhi\n.\r\nMAIL FROM:<evil@x.test>\r\n.\r\n",
     .bare_reject = true,
     .want = TX_REPLIES R_354 R_BARE_DATA,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "reject, smuggling: <CR><LF>.<LF> does not end DATA",
     .in = TX_START "DATA\r\nhi\r\n.\nMAIL FROM:<evil@x.test>\r\n.\r\n",
     .bare_reject = true,
     .want = TX_REPLIES R_354 R_BARE_DATA,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "smuggling: <CR>.<CR> and <CR><LF>.<CR>x do not end DATA",
     .in = TX_START "DATA\r\nhi\r.\rMAIL FROM:<e@x.test>\r\n.\rx\r\nRSET\r\n.\r\nNOOP\r\n",
     .want = TX_REPLIES R_354 R_BARE_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "reject, smuggling in BDAT: the chunk is data, never commands",
     .in = TX_START "BDAT 29 LAST\r\nx\n.\nMAIL FROM:<e@x.test>\r\n.\r\nNOOP\r\n",
     .bare_reject = true,
     .want = TX_REPLIES R_BARE_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "BDAT: a bare CR refuses the message",
     .in = TX_START "BDAT 5 LAST\r\nx\ry\r\nNOOP\r\n",
     .want = TX_REPLIES R_BARE_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "too many recipients",
     .in = TX_START "RCPT TO:<c@y.test>\r\nRCPT TO:<d@y.test>\r\nRCPT TO:<e@y.test>\r\n"
                    "DATA\r\nx\r\n.\r\n",
     .max_rcpt = 2,
     .want = TX_REPLIES R_RCPT R_MANY_RCPT R_MANY_RCPT R_354 R_ACCEPT,
     .want_log = TX_LOG "RCPT<c@y.test> DATA END[x\r\n] "},
    {.name = "SIZE declared over the limit",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test> SIZE=10001\r\nMAIL FROM:<a@x.test> SIZE=10000\r\n",
     .want = R_EHLO R_SIZE R_MAIL},
    {.name = "BDAT over the size limit: consumed, refused, in sync",
     .in = TX_START "BDAT 10001 LAST\r\n",
     .want = TX_REPLIES},
    {.name = "BDAT without a transaction: chunk consumed, not run",
     .in = "EHLO c.test\r\nBDAT 6\r\nQUIT\r\nBDAT 6 LAST\r\nRSET\r\nNOOP\r\n",
     .want = R_EHLO R_NEED_MAIL R_NEED_MAIL R_OK,
     .want_log = "HELO<c.test> "},
    {.name = "BDAT syntax",
     .in = TX_START "BDAT\r\nBDAT x\r\nBDAT 1 FIRST\r\nBDAT -1\r\nBDAT 12345678901234567890\r\n",
     .want = TX_REPLIES R_SYN_BDAT R_SYN_BDAT R_SYN_BDAT R_SYN_BDAT R_SYN_BDAT},
    {.name = "DATA not mixed with BDAT; RCPT after BDAT",
     .in = TX_START "BDAT 3\r\nab\nDATA\r\nRCPT TO:<c@y.test>\r\nBDAT 2 LAST\r\n\r\n",
     .bare_reject = true,
     .want = TX_REPLIES R_BARE_DATA R_NEED_MAIL R_NEED_MAIL R_NEED_MAIL,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "DATA inside CHUNKING",
     .in = TX_START "BDAT 4\r\nab\r\nDATA\r\nRCPT TO:<c@y.test>\r\nBDAT 2 LAST\r\nz\n",
     .bare_reject = true,
     .want = TX_REPLIES R_CHUNK R_SEQ R_SEQ R_BARE_DATA,
     .want_log = TX_LOG "DATA CHUNK ABORT(554) "},
    {.name = "STARTTLS injection: pipelined commands are discarded",
     .in = "EHLO c.test\r\nSTARTTLS\r\nMAIL FROM:<inject@x.test>\r\nRCPT TO:<v@y.test>\r\n",
     .after_tls = "MAIL FROM:<a@x.test>\r\nEHLO c.test\r\n",
     .tls = true,
     .want = R_EHLO_TLS R_TLS_GO R_NEED_HELO R_EHLO,
     .want_log = "HELO<c.test> STARTTLS HELO<c.test> "},
    {.name = "STARTTLS with a partial line buffered before it",
     .in = "EHLO c.test\r\nSTARTTLS\r\nMAIL FR",
     .after_tls = "OM:<a@x.test>\r\n",
     .tls = true,
     .want = R_EHLO_TLS R_TLS_GO R_UNREC,
     .want_log = "HELO<c.test> STARTTLS "},
    {.name = "STARTTLS refused: not offered",
     .in = "EHLO c.test\r\nSTARTTLS\r\nNOOP\r\n",
     .want = R_EHLO R_NOT_IMPL R_OK},
    {.name = "STARTTLS refused: before EHLO, with args, in a transaction, twice",
     .in = "STARTTLS\r\nEHLO c.test\r\nSTARTTLS now\r\nMAIL FROM:<a@x.test>\r\nSTARTTLS\r\n"
           "RSET\r\nSTARTTLS\r\n",
     .after_tls = "EHLO c.test\r\nSTARTTLS\r\n",
     .tls = true,
     .want = R_NEED_HELO R_EHLO_TLS R_SYNTAX R_MAIL R_SEQ R_OK R_TLS_GO R_EHLO R_SEQ},
    {.name = "TLS required: 530 before the sequence checks, and even with bad syntax",
     .in = "MAIL FROM:<a@x.test>\r\nDATA now\r\nMAIL nonsense\r\nSTARTTLS\r\nQUIT\r\n",
     .tls = true,
     .tls_required = true,
     .want = R_TLS_FIRST R_TLS_FIRST R_TLS_FIRST R_NEED_HELO R_QUIT,
     .want_log = "QUIT "},
    {.name = "TLS required: a BDAT chunk before STARTTLS is read whole, then refused",
     .in = "EHLO c.test\r\nBDAT 6 LAST\r\nMAIL\r\nBDAT 2\r\n\r\nNOOP\r\n",
     .tls = true,
     .tls_required = true,
     .want = R_EHLO_TLS R_TLS_FIRST R_TLS_FIRST R_OK,
     .want_log = "HELO<c.test> "},
    {.name = "TLS required: the 530s count as errors",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nNOOP\r\n",
     .tls = true,
     .tls_required = true,
     .max_errors = 2,
     .want = R_EHLO_TLS R_TLS_FIRST R_TLS_FIRST R_ERRORS,
     .want_log = "HELO<c.test> CLOSE(421) "},
    {.name = "VRFY without argument, EXPN",
     .in = "VRFY\r\nEXPN staff\r\nEXPN\r\n",
     .want = R_SYNTAX R_EXPN R_EXPN},
    {.name = "unknown verbs, empty line, NUL, 8-bit garbage",
     .in = UNKNOWN_IN,
     .in_len = sizeof(UNKNOWN_IN) - 1,
     .want = R_UNREC R_UNREC R_UNREC R_UNREC R_UNREC R_UNREC},
    {.name = "arguments where none are allowed",
     .in = TX_START "DATA now\r\nRSET all\r\nQUIT now\r\nEHLO\r\nHELO \r\n",
     .want = TX_REPLIES R_SYNTAX R_SYNTAX R_SYNTAX R_SYN_HELO R_SYN_HELO},
    {.name = "MAIL syntax",
     .in = "EHLO c.test\r\nMAIL <a@x.test>\r\nMAIL FROM: Anne <a@x.test>\r\n"
           "MAIL FROM:a@x.test\r\nMAIL FROM:<a@x.test\r\nMAIL FROM:<a@x.test>x\r\n"
           "MAIL FROM:<@x.test>\r\nMAIL FROM:<a@>\r\nMAIL FROM:<a..b@x.test>\r\n"
           "MAIL FROM:<a@-x.test>\r\nMAIL FROM:<a@x..test>\r\nMAIL FROM:<a b@x.test>\r\n",
     .want = R_EHLO R_SYN_MAIL R_SYN_MAIL R_SYN_MAIL R_SYN_MAIL R_SYN_MAIL R_BAD_SENDER R_BAD_SENDER
         R_BAD_SENDER R_BAD_SENDER R_BAD_SENDER R_BAD_SENDER,
     .want_log = "HELO<c.test> "},
    {.name = "MAIL parameters",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test> SIZE 10\r\nMAIL FROM:<a@x.test> #$%=!@#\r\n"
           "MAIL FROM:<a@x.test> FOO=BAR\r\nMAIL FROM:<a@x.test> SMTPUTF8=YES\r\n"
           "MAIL FROM:<a@x.test> BODY=BINARYMIME\r\nMAIL FROM:<a@x.test> BODY=9BIT\r\n"
           "MAIL FROM:<a@x.test> SIZE=1x\r\nMAIL FROM:<a@x.test> SIZE=1 SIZE=2\r\n"
           "MAIL FROM:<a@x.test> SIZE=\r\nMAIL FROM:<a@x.test> SIZE=99999999999999999999999\r\n",
     .want = R_EHLO R_SYNTAX R_SYNTAX R_PARAM R_SYNTAX R_PARAM R_PARAM R_SYNTAX R_SYNTAX R_SYNTAX
         R_SYNTAX,
     .want_log = "HELO<c.test> "},
    {.name = "ESMTP parameters after HELO are not recognised",
     .in = "HELO c.test\r\nMAIL FROM:<a@x.test> SIZE=10\r\n",
     .want = R_HELO R_PARAM},
    {.name = "non-ASCII addresses without SMTPUTF8; invalid UTF-8",
     .in = "EHLO c.test\r\nMAIL FROM:<j\xc3\xb6rg@x.test>\r\nMAIL FROM:<a@x.test>\r\n"
           "RCPT TO:<j\xc3\xb6rg@y.test>\r\nRSET\r\nMAIL FROM:<\xc3\x28@x.test> SMTPUTF8\r\n"
           "MAIL FROM:<\xed\xa0\x80@x.test> SMTPUTF8\r\n",
     .want = R_EHLO R_UTF8 R_MAIL R_UTF8 R_OK R_BAD_SENDER R_BAD_SENDER},
    {.name = "RCPT syntax and parameters",
     .in = TX_START "RCPT <b@y.test>\r\nRCPT TO: bart <b@y.test>\r\nRCPT TO:<>\r\n"
                    "RCPT TO:<@y.test>\r\nRCPT TO:<b@y.test> NOTIFY=NEVER\r\n"
                    "RCPT TO:<b@y.test> #$%=!@#\r\n",
     .want = TX_REPLIES R_SYN_RCPT R_SYN_RCPT R_BAD_RCPT R_BAD_RCPT R_PARAM R_SYNTAX},
    {.name = "path too long",
     .in = "EHLO c.test\r\nMAIL "
           "FROM:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "@x.test>\r\n",
     .want = R_EHLO R_PATH_LONG},
    {.name = "too many errors: 421 and close, rest ignored",
     .in = "A\r\nB\r\nC\r\nNOOP\r\n",
     .max_errors = 3,
     .want = R_UNREC R_UNREC R_UNREC R_ERRORS,
     .want_log = "CLOSE(421) "},
    {.name = "QUIT: later input ignored",
     .in = "QUIT\r\nNOOP\r\n",
     .want = R_QUIT,
     .want_log = "QUIT "},
};

static void
test_bad(void **state)
{
    (void)state;
    run_cases(bad_cases, N(bad_cases));
}

/* ---- smtp.bare_newline = normalize (the default, as Postfix 3.9) ---- */

#define NUL_IN(x) .in = (x), .in_len = sizeof(x) - 1

static const struct tcase lf_cases[] = {
    {.name = "normalize: a bare LF ends a command line",
     .in = "EHLO c.test\nMAIL FROM:<a@x.test>\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\nQUIT\n",
     .want = TX_REPLIES R_354 R_ACCEPT R_QUIT,
     .want_log = TX_LOG "DATA END[x\r\n] QUIT "},
    {.name = "normalize: bare LFs in the text become CRLF",
     .in = TX_START "DATA\r\nSubject: a\n\nline1\nline2\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[Subject: a\r\n\r\nline1\r\nline2\r\n] "},
    {.name = "normalize: an empty line of a bare LF before the dot keeps DATA open",
     .in = TX_START "DATA\r\na\r\n\n.\r\nb\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[a\r\n\r\n\r\nb\r\n] "},
    {.name = "normalize, smuggling: <LF>.<LF> is text, the transaction is not split",
     .in = TX_START "DATA\r\nhi\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n"
                    "DATA\r\nevil\r\n.\r\nNOOP\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT R_OK,
     .want_log = TX_LOG "DATA END[hi\r\n\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n"
                        "DATA\r\nevil\r\n] "},
    {.name = "normalize, smuggling: <LF>.<CR><LF> is text",
     .in = TX_START "DATA\r\nhi\n.\r\nMAIL FROM:<evil@x.test>\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[hi\r\n\r\nMAIL FROM:<evil@x.test>\r\n] "},
    {.name = "normalize, smuggling: <CR><LF>.<LF> is text",
     .in = TX_START "DATA\r\nhi\r\n.\nMAIL FROM:<evil@x.test>\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[hi\r\n\r\nMAIL FROM:<evil@x.test>\r\n] "},
    {.name = "normalize: a DATA line ended by a bare LF is no CRLF before a dot",
     .in = TX_START "DATA\n.\r\nx\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[\r\nx\r\n] "},
    {.name = "normalize: dot-unstuffing after a bare LF",
     .in = TX_START "DATA\r\na\n..b\n.\r\n.\r\n",
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[a\r\n.b\r\n\r\n] "},
    {.name = "normalize: BDAT chunks",
     .in = TX_START "BDAT 4\r\na\nb\nBDAT 2 LAST\r\nc\n",
     .want = TX_REPLIES R_CHUNK R_ACCEPT,
     .want_log = TX_LOG "DATA CHUNK END[a\r\nb\r\nc\r\n] "},
    {.name = "normalize: BDAT, CR ending a chunk and LF starting the next is one CRLF",
     .in = TX_START "BDAT 2\r\na\rBDAT 1 LAST\r\n\n",
     .want = TX_REPLIES R_CHUNK R_ACCEPT,
     .want_log = TX_LOG "DATA CHUNK END[a\r\n] "},
    {.name = "normalize: a bare CR still refuses the message",
     .in = TX_START "DATA\r\nhi\rthere\n.\r\n.\r\nNOOP\r\n",
     .want = TX_REPLIES R_354 R_BARE_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    /* ---- NUL in message text ---- */
    {.name = "NUL in DATA refused with 554 5.6.0 by default",
     NUL_IN(TX_START "DATA\r\na\0b\r\n.\r\nNOOP\r\n"),
     .want = TX_REPLIES R_354 R_NUL_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "NUL in BDAT refused",
     NUL_IN(TX_START "BDAT 4 LAST\r\na\0\r\nNOOP\r\n"),
     .want = TX_REPLIES R_NUL_DATA R_OK,
     .want_log = TX_LOG "DATA ABORT(554) "},
    {.name = "NUL stripped by policy",
     NUL_IN(TX_START "DATA\r\n\0a\0\0b\0\r\n.\r\n"),
     .nul_strip = true,
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[ab\r\n] "},
    {.name = "NUL stripped at a line start: the dot after it is text, not the end",
     NUL_IN(TX_START "DATA\r\nx\r\n\0.\r\n.\r\n"),
     .nul_strip = true,
     .want = TX_REPLIES R_354 R_ACCEPT,
     .want_log = TX_LOG "DATA END[x\r\n.\r\n] "},
    {.name = "NUL stripped in BDAT",
     NUL_IN(TX_START "BDAT 5 LAST\r\na\0b\r\n"),
     .nul_strip = true,
     .want = TX_REPLIES R_ACCEPT,
     .want_log = TX_LOG "DATA END[ab\r\n] "},
    {.name = "NUL after a CR is a bare CR, stripped or not",
     NUL_IN(TX_START "DATA\r\na\r\0\n.\r\n.\r\n"),
     .nul_strip = true,
     .want = TX_REPLIES R_354 R_BARE_DATA,
     .want_log = TX_LOG "DATA ABORT(554) "},
};

static void
test_bare_newline_and_nul(void **state)
{
    (void)state;
    run_cases(lf_cases, N(lf_cases));
}

/* ---- Sender-specified routing and address literals ---- */

#define ROUTED_RCPTS                                                                               \
    "RCPT TO:<bob%other.org@example.com>\r\nRCPT TO:<bob!other.org@example.com>\r\n"               \
    "RCPT TO:<other.org!bob@example.com>\r\nRCPT TO:<\"bob@other.org\"@example.com>\r\n"           \
    "RCPT TO:<\"bob%other\"@example.com>\r\nRCPT TO:<@hop.test:bob@example.com>\r\n"               \
    "RCPT TO:<@a.test,@b.test:bob@example.com>\r\nRCPT TO:<bob@example.com>\r\n"

static const struct tcase routing_cases[] = {
    {.name = "untrusted client: sender-specified routing refused with 550 5.7.1",
     .in = "EHLO c.test\r\nMAIL FROM:<@r.test:a@x.test>\r\n" ROUTED_RCPTS,
     .want =
         R_EHLO R_MAIL R_ROUTING R_ROUTING R_ROUTING R_ROUTING R_ROUTING R_ROUTING R_ROUTING R_RCPT,
     .want_log = "HELO<c.test> MAIL<a@x.test> RCPT<bob@example.com> "},
    {.name = "trusted client: passed on, source routes dropped",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\n" ROUTED_RCPTS,
     .trusted = true,
     .max_rcpt = 10,
     .want = R_EHLO R_MAIL R_RCPT R_RCPT R_RCPT R_RCPT R_RCPT R_RCPT R_RCPT R_RCPT,
     .want_log = "HELO<c.test> MAIL<a@x.test> RCPT<bob%other.org@example.com> "
                 "RCPT<bob!other.org@example.com> RCPT<other.org!bob@example.com> "
                 "RCPT<\"bob@other.org\"@example.com> RCPT<\"bob%other\"@example.com> "
                 "RCPT<bob@example.com> RCPT<bob@example.com> RCPT<bob@example.com> "},
    {.name = "address literals refused as recipients unless configured, even trusted",
     .in = "EHLO c.test\r\nMAIL FROM:<a@[192.0.2.1]>\r\nRCPT TO:<b@[192.0.2.1]>\r\n"
           "RCPT TO:<b@[IPv6:2001:db8::1]>\r\nRCPT TO:<b@y.test>\r\n",
     .trusted = true,
     .want = R_EHLO R_MAIL R_LITERAL R_LITERAL R_RCPT,
     .want_log = "HELO<c.test> MAIL<a@[192.0.2.1]> RCPT<b@y.test> "},
    {.name = "address literals where configured",
     .in = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@[192.0.2.1]>\r\n"
           "RCPT TO:<\"b@c\"@[192.0.2.1]>\r\n",
     .literals = true,
     .want = R_EHLO R_MAIL R_RCPT R_ROUTING,
     .want_log = "HELO<c.test> MAIL<a@x.test> RCPT<b@[192.0.2.1]> "},
};

static void
test_routing(void **state)
{
    (void)state;
    run_cases(routing_cases, N(routing_cases));
}

/* ---- Junk commands and tarpitting ---- */

static const struct tcase junk_cases[] = {
    {.name = "past the junk limit each junk command is an error",
     .in = "NOOP\r\nRSET\r\nHELP\r\nVRFY x\r\nNOOP\r\nNOOP\r\n",
     .max_junk = 3,
     .max_errors = 2,
     .want = R_OK R_OK R_HELP R_VRFY R_OK R_ERRORS,
     .want_log = "RSET CLOSE(421) "},
    {.name = "an accepted message resets the junk count",
     .in = "EHLO c.test\r\nNOOP\r\nNOOP\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
           "DATA\r\nx\r\n.\r\nNOOP\r\nNOOP\r\nNOOP\r\n",
     .max_junk = 2,
     .max_errors = 1,
     .want = R_EHLO R_OK R_OK R_MAIL R_RCPT R_354 R_ACCEPT R_OK R_OK R_OK R_ERRORS,
     .want_log = "HELO<c.test> MAIL<a@x.test> RCPT<b@y.test> DATA END[x\r\n] CLOSE(421) "},
    {.name = "tarpit: after 2 errors each error reply is held back",
     .in = "A\r\nB\r\nC\r\nNOOP\r\nRCPT TO:<x@y>\r\n",
     .tarpit_after = 2,
     .max_errors = 5,
     .want = R_UNREC R_UNREC R_UNREC R_OK R_NEED_HELO,
     .want_log = "TARPIT TARPIT TARPIT "},
};

static void
test_junk_and_tarpit(void **state)
{
    (void)state;
    run_cases(junk_cases, N(junk_cases));
}

/* Issue 13: 10,000 RSETs were all accepted. With the defaults (100 junk
 * commands, 20 errors, tarpit after 10) the 120th closes the session, and
 * the last ten replies before it are each held back. */
static void
test_rset_flood(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    static char in[10000 * 6 + 1];
    static struct run r;
    struct smtp_session s;
    struct smtp_limits lim;
    struct smtp_config cfg = {.hostname = HOST};
    for (size_t i = 0; i < 10000; i++) {
        memcpy(in + i * 6, "RSET\r\n", 6);
    }
    smtp_limits_default(&lim);
    assert_int_equal(lim.max_junk, 100);
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    smtp_session_consume(&s, 1000);
    memset(&r, 0, sizeof(r));
    size_t off = 0, n_tarpit = 0, n_rset = 0;
    for (;;) {
        struct smtp_event ev;
        size_t used = 0;
        int rc = smtp_session_feed(&s, &ev, &used, (const uint8_t *)in + off, 60000 - off);
        off += used;
        drain(&s, &r);
        if (rc == 0) {
            n_rset += ev.type == SMTP_EV_RSET;
            if (ev.type == SMTP_EV_CLOSE) {
                break;
            }
            continue;
        }
        assert_int_equal(rc, RL_EAGAIN);
        /* Held back: nothing more is consumed until the delay is taken. */
        size_t again = 99;
        assert_int_equal(smtp_session_feed(&s, &ev, &again, (const uint8_t *)in + off, 6),
                         RL_EAGAIN);
        assert_int_equal(again, 0);
        assert_int_equal(smtp_session_tarpit_take(&s), 1000);
        assert_int_equal(smtp_session_tarpit_take(&s), 0);
        n_tarpit++;
    }
    assert_int_equal(n_rset, 119);
    assert_int_equal(off, 120 * 6);
    assert_int_equal(n_tarpit, 10);
    assert_int_equal(smtp_session_state(&s), SMTP_S_CLOSED);
    assert_non_null(strstr(r.out, R_OK R_ERRORS));
}

/* Actual size over the limit: refused after the end of data, in sync. */
static void
test_data_size(void **state)
{
    (void)state;
    static char in[32768];
    size_t n = (size_t)snprintf(in, sizeof(in), "%s", TX_START "DATA\r\n");
    for (int i = 0; i < 101; i++) {
        n += (size_t)snprintf(in + n, sizeof(in) - n, "%098d\r\n", i);
    }
    snprintf(in + n, sizeof(in) - n, ".\r\nNOOP\r\n");
    struct tcase tc = {.name = "DATA over size",
                       .in = in,
                       .want = TX_REPLIES R_354 R_SIZE R_OK,
                       .want_log = TX_LOG "DATA ABORT(552) "};
    run_cases(&tc, 1);
}

/* Over-long command: 100,000 octets without LF, then the LF, then NOOP. */
static void
test_huge_line(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    static char big[100000];
    static struct run r;
    struct smtp_session s;
    struct tcase tc = {.name = "huge"};
    memset(&r, 0, sizeof(r));
    session_new(&s, mem, sizeof(mem), &tc);
    memset(big, 'a', sizeof(big));
    for (size_t off = 0; off < sizeof(big); off += 777) {
        size_t k = sizeof(big) - off < 777 ? sizeof(big) - off : 777;
        feed_all(&s, &r, &tc, (const uint8_t *)big + off, k);
        assert_int_equal(r.out_len, 0);
    }
    feed_all(&s, &r, &tc, (const uint8_t *)"\r\nNOOP\r\n", 8);
    assert_string_equal(r.out, R_TOO_LONG R_OK);
}

/* ---- API misuse and other paths ---- */

static void
test_api(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    struct smtp_session s;
    struct smtp_limits lim;
    struct smtp_config cfg = {.hostname = HOST};
    struct smtp_event ev;
    size_t used;

    smtp_limits_default(&lim);
    lim.max_cmd_line = 511;
    assert_int_equal(smtp_session_mem_size(&lim), 0);
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), RL_EINVAL);
    smtp_limits_default(&lim);
    lim.max_text_line = 999;
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), RL_EINVAL);
    smtp_limits_default(&lim);
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, 100), RL_EINVAL);
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, NULL, sizeof(mem)), RL_EINVAL);
    char longhost[300];
    memset(longhost, 'h', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    struct smtp_config bad = {.hostname = longhost};
    assert_int_equal(smtp_session_init(&s, &lim, &bad, mem, sizeof(mem)), RL_EINVAL);
    /* TLS required but not offered: no client could ever send mail. */
    struct smtp_config no_tls = {.hostname = HOST, .tls_required = true};
    assert_int_equal(smtp_session_init(&s, &lim, &no_tls, mem, sizeof(mem)), RL_EINVAL);

    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    /* Not started yet. */
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)"NOOP\r\n", 6), RL_EINVAL);
    assert_int_equal(smtp_session_start(&s, SMTP_R_OK), RL_EINVAL);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), RL_EINVAL);
    /* No reply owed, no STARTTLS pending. */
    assert_int_equal(smtp_session_reply(&s, SMTP_R_MAIL_OK), RL_EINVAL);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_POLICY_BLOCK), RL_EINVAL);
    assert_int_equal(smtp_session_tls_started(&s), RL_EINVAL);
    assert_int_equal(smtp_reply_code(SMTP_R_NONE), 0);
    assert_int_equal(smtp_reply_code(SMTP_R_COUNT), 0);
    char tiny[8];
    assert_int_equal(smtp_reply_format(tiny, sizeof(tiny), SMTP_R_BAD_SEQUENCE, HOST), 0);
    assert_int_equal(smtp_reply_ehlo(tiny, sizeof(tiny), HOST, 1, true), 0);

    /* While a reply is owed, input is not consumed (pipelined replies stay in order). */
    const char *in = "EHLO c\r\nMAIL FROM:<a@x.test>\r\nNOOP\r\n";
    size_t len = strlen(in), off = 0;
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)in, len), 0);
    assert_int_equal(ev.type, SMTP_EV_HELO);
    off += used;
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)in + off, len - off), 0);
    assert_int_equal(ev.type, SMTP_EV_MAIL);
    off += used;
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)in + off, len - off),
                     RL_EAGAIN);
    assert_int_equal(used, 0);
    assert_int_equal(smtp_session_state(&s), SMTP_S_MAIL_WAIT);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_RCPT_OK), RL_EINVAL);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_DATA_GO), RL_EINVAL);
    /* A 421 from the caller closes the session. */
    assert_int_equal(smtp_session_reply(&s, SMTP_R_SHUTDOWN), 0);
    assert_int_equal(smtp_session_state(&s), SMTP_S_CLOSED);
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)in + off, len - off),
                     RL_EINVAL);
    assert_string_equal(smtp_state_name(SMTP_S_CLOSED), "CLOSED");

    /* Reset clears the sticky error; a refusal at connect closes at once. */
    smtp_session_reset(&s);
    assert_int_equal(smtp_session_start(&s, SMTP_R_TOO_MANY_CONN), 0);
    size_t n;
    const uint8_t *p = smtp_session_output(&s, &n);
    assert_int_equal(n, strlen("421 4.7.0 " HOST " Too many connections, try again later\r\n"));
    assert_memory_equal(p, "421 4.7.0 " HOST " Too many connections, try again later\r\n", n);
    smtp_session_consume(&s, 1000);
    p = smtp_session_output(&s, &n);
    assert_int_equal(n, 0);
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)"NOOP\r\n", 6), RL_EINVAL);

    /* The output not drained: the engine stops consuming instead of losing replies. */
    smtp_session_reset(&s);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    smtp_session_consume(&s, 1000);
    static char noops[8192];
    for (size_t i = 0; i + 6 <= sizeof(noops); i += 6) {
        memcpy(noops + i, "NOOP\r\n", 6);
    }
    assert_int_equal(
        smtp_session_feed(&s, &ev, &used, (const uint8_t *)noops, sizeof(noops) / 6 * 6),
        RL_EAGAIN);
    assert_true(used < sizeof(noops) / 6 * 6);
    p = smtp_session_output(&s, &n);
    assert_true(n <= lim.out_cap);
    assert_int_equal(n % 14, 0); /* whole "250 2.0.0 OK\r\n" lines only */
}

/* next_step feeds `in` until the first event and returns its type. */
static enum smtp_event_type
next_step(struct smtp_session *s, const char *in)
{
    struct smtp_event ev;
    size_t used;
    int rc = smtp_session_feed(s, &ev, &used, (const uint8_t *)in, strlen(in));
    return rc == 0 ? ev.type : SMTP_EV_NONE;
}

static void
test_relayed_and_shutdown(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    struct smtp_session s;
    struct smtp_limits lim;
    struct smtp_config cfg = {.hostname = HOST};
    size_t n;
    smtp_limits_default(&lim);
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    smtp_session_consume(&s, 1000);
    /* Nothing owed: refused. */
    assert_int_equal(smtp_session_reply_relayed(&s, 550, "5.1.1", NULL, 0), RL_EINVAL);
    assert_int_equal(next_step(&s, "EHLO c\r\n"), SMTP_EV_HELO);
    assert_int_equal(next_step(&s, "MAIL FROM:<a@x.test>\r\n"), SMTP_EV_MAIL);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_MAIL_OK), 0);
    smtp_session_consume(&s, 4096);
    assert_int_equal(next_step(&s, "RCPT TO:<b@y.test>\r\n"), SMTP_EV_RCPT);
    /* A success code or a code out of range is not a relayed refusal. */
    assert_int_equal(smtp_session_reply_relayed(&s, 250, "2.0.0", NULL, 0), RL_EINVAL);
    assert_int_equal(smtp_session_reply_relayed(&s, 600, NULL, NULL, 0), RL_EINVAL);
    /* The peer's enhanced code is kept; control octets in its text are not. */
    const char *text = "<b@y.test>: no\r\nsuch user\x01";
    assert_int_equal(
        smtp_session_reply_relayed(&s, 550, "5.1.1", (const uint8_t *)text, strlen(text)), 0);
    const uint8_t *p = smtp_session_output(&s, &n);
    const char *want = "550 5.1.1 Next hop: <b@y.test>: no??such user?\r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    smtp_session_consume(&s, n);
    assert_int_equal(smtp_session_state(&s), SMTP_S_MAIL);
    /* 421 becomes 451 and a mismatched enhanced class becomes x.0.0. */
    assert_int_equal(next_step(&s, "RCPT TO:<c@y.test>\r\n"), SMTP_EV_RCPT);
    assert_int_equal(smtp_session_reply_relayed(&s, 421, "5.7.1", (const uint8_t *)"bye", 3), 0);
    p = smtp_session_output(&s, &n);
    want = "451 4.0.0 Next hop: bye\r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    smtp_session_consume(&s, n);
    assert_int_equal(next_step(&s, "RCPT TO:<c@y.test>\r\n"), SMTP_EV_RCPT);
    assert_int_equal(smtp_session_reply_relayed(&s, 452, "4.2.22", NULL, 0), 0);
    p = smtp_session_output(&s, &n);
    want = "452 4.2.22 Next hop: \r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    smtp_session_consume(&s, n);
    assert_int_equal(next_step(&s, "RCPT TO:<c@y.test>\r\n"), SMTP_EV_RCPT);
    assert_int_equal(smtp_session_reply_relayed(&s, 550, "5.1.1234", NULL, 0), 0);
    p = smtp_session_output(&s, &n);
    want = "550 5.0.0 Next hop: \r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    smtp_session_consume(&s, n);

    /* Shutdown: refused while a reply is owed or inside DATA; else 421 and closed. */
    assert_int_equal(next_step(&s, "RCPT TO:<c@y.test>\r\n"), SMTP_EV_RCPT);
    assert_int_equal(smtp_session_shutdown(&s), RL_EINVAL);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_RCPT_OK), 0);
    smtp_session_consume(&s, 4096);
    assert_int_equal(next_step(&s, "DATA\r\n"), SMTP_EV_DATA_BEGIN);
    assert_int_equal(smtp_session_shutdown(&s), RL_EINVAL);
    assert_int_equal(next_step(&s, ".\r\n"), SMTP_EV_DATA_END);
    assert_int_equal(smtp_session_reply(&s, SMTP_R_DATA_OK), 0);
    smtp_session_consume(&s, 4096);
    assert_int_equal(smtp_session_shutdown(&s), 0);
    p = smtp_session_output(&s, &n);
    want = "421 4.3.2 " HOST " Service shutting down\r\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    assert_int_equal(smtp_session_state(&s), SMTP_S_CLOSED);
    assert_int_equal(smtp_session_shutdown(&s), RL_EINVAL);
}

static void
tracer(void *arg, enum smtp_state from, enum smtp_state to, const char *why)
{
    char *buf = arg;
    size_t l = strlen(buf);
    snprintf(buf + l, 512 - l, "%s>%s(%s) ", smtp_state_name(from), smtp_state_name(to), why);
}

static void
test_trace_and_timeout(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    static char trace[512];
    struct smtp_session s;
    struct smtp_limits lim;
    struct smtp_event ev;
    size_t used;
    smtp_limits_default(&lim);
    lim.cmd_timeout_ms = 1000;
    lim.data_timeout_ms = 5000;
    struct smtp_config cfg = {.hostname = HOST, .trace = tracer, .trace_arg = trace};
    trace[0] = '\0';
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    assert_int_equal(smtp_session_tick(&s, &ev, 0), RL_EAGAIN);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    smtp_session_consume(&s, 1000);
    assert_int_equal(smtp_session_tick(&s, &ev, 100), RL_EAGAIN);
    assert_int_equal(smtp_session_tick(&s, &ev, 1000), RL_EAGAIN);
    /* A complete command restarts the deadline; part of one does not. */
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)"NOOP\r\nNO", 8),
                     RL_EAGAIN);
    smtp_session_consume(&s, 1000);
    assert_int_equal(smtp_session_tick(&s, &ev, 1050), RL_EAGAIN);
    assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)"O", 1), RL_EAGAIN);
    assert_int_equal(smtp_session_tick(&s, &ev, 2000), RL_EAGAIN);
    assert_int_equal(smtp_session_tick(&s, &ev, 2050), 0);
    assert_int_equal(ev.type, SMTP_EV_CLOSE);
    assert_int_equal(ev.reason, SMTP_R_TIMEOUT);
    size_t n;
    const uint8_t *p = smtp_session_output(&s, &n);
    assert_int_equal(n, strlen(R_TIMEOUT));
    assert_memory_equal(p, R_TIMEOUT, n);
    assert_string_equal(trace,
                        "START>START(reset) START>GREETED(greeting) GREETED>CLOSED(timeout) ");
    assert_int_equal(smtp_session_tick(&s, &ev, 9999), RL_EAGAIN);
}

/* trickle feeds `in` one octet every `gap_ms` from *now, ticking after each,
 * and returns how many octets went in before the session timed out (all of
 * them if it did not). */
static size_t
trickle(struct smtp_session *s, uint64_t *now, uint64_t gap_ms, const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        struct smtp_event ev;
        size_t used;
        int rc = smtp_session_feed(s, &ev, &used, (const uint8_t *)in + i, 1);
        assert_true(rc == RL_EAGAIN || (rc == 0 && ev.type == SMTP_EV_DATA_CHUNK));
        smtp_session_consume(s, 4096);
        *now += gap_ms;
        if (smtp_session_tick(s, &ev, *now) == 0) {
            assert_int_equal(ev.reason, SMTP_R_TIMEOUT);
            return i + 1;
        }
    }
    return len;
}

/* to_data runs EHLO, MAIL, RCPT and DATA on `s`, accepting each. */
static void
to_data(struct smtp_session *s)
{
    const char *tx = TX_START "DATA\r\n";
    size_t off = 0, len = strlen(tx);
    while (off < len) {
        struct smtp_event ev;
        size_t used;
        int rc = smtp_session_feed(s, &ev, &used, (const uint8_t *)tx + off, len - off);
        off += used;
        if (rc == 0 && ev.type == SMTP_EV_MAIL) {
            assert_int_equal(smtp_session_reply(s, SMTP_R_MAIL_OK), 0);
        } else if (rc == 0 && ev.type == SMTP_EV_RCPT) {
            assert_int_equal(smtp_session_reply(s, SMTP_R_RCPT_OK), 0);
        }
    }
    smtp_session_consume(s, 4096);
    assert_int_equal(smtp_session_state(s), SMTP_S_DATA);
}

/* Issue 13: a client sending one octet every 5 s was never closed, because
 * the timeouts measured inactivity. Now a command has a deadline and DATA a
 * budget it earns back only at lim.min_data_rate. */
static void
test_deadlines(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    static char text[4096];
    struct smtp_session s;
    struct smtp_limits lim;
    struct smtp_config cfg = {.hostname = HOST};
    struct smtp_event ev;
    size_t used;
    smtp_limits_default(&lim);
    assert_int_equal(lim.cmd_timeout_ms, 300000);
    assert_int_equal(lim.min_data_rate, 500);
    /* One octet every 5 s of a command line: closed at the 5-minute deadline. */
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    uint64_t now = 0;
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    memset(text, 'x', sizeof(text));
    memcpy(text, "NOOP ", 5);
    assert_int_equal(trickle(&s, &now, 5000, text, sizeof(text)), 60);
    assert_int_equal(now, 300000);

    /* DATA: the same trickle runs out of its 5-minute budget at about the
     * same time (each octet earns 2 ms back). */
    smtp_session_reset(&s);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    now = 0;
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    to_data(&s);
    assert_int_equal(smtp_session_state(&s), SMTP_S_DATA);
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    for (size_t i = 0; i < sizeof(text); i += 80) {
        text[i] = '\r';
        text[i + 1] = '\n';
    }
    size_t sent = trickle(&s, &now, 5000, text, sizeof(text));
    assert_int_equal(sent, 61);
    assert_int_equal(now, 305000);

    /* 600 octets/s for 20 minutes (above the 500 minimum) never runs out. */
    smtp_session_reset(&s);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    now = 0;
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    to_data(&s);
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    for (int sec = 0; sec < 1200; sec++) {
        for (size_t k = 0; k < 600; k += 80) {
            size_t part = 600 - k < 80 ? 600 - k : 80;
            assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)text + 80, part),
                             0);
            assert_int_equal(ev.type, SMTP_EV_DATA_CHUNK);
        }
        now += 1000;
        assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    }
    /* ... and 400 octets/s falls behind: the budget drains by 200 ms a second. */
    size_t secs = 0;
    for (; secs < 3000; secs++) {
        assert_int_equal(smtp_session_feed(&s, &ev, &used, (const uint8_t *)text + 80, 400), 0);
        now += 1000;
        if (smtp_session_tick(&s, &ev, now) == 0) {
            break;
        }
    }
    assert_int_equal(ev.type, SMTP_EV_CLOSE);
    assert_int_equal(secs + 1, 1500);

    /* min_data_rate 0: only inactivity counts, as before. */
    lim.min_data_rate = 0;
    lim.data_timeout_ms = 10000;
    assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    now = 0;
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    to_data(&s);
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    assert_int_equal(trickle(&s, &now, 5000, text + 80, 100), 100);
    now += 9999;
    assert_int_equal(smtp_session_tick(&s, &ev, now), RL_EAGAIN);
    now += 1;
    assert_int_equal(smtp_session_tick(&s, &ev, now), 0);
}

/* ---- The aiosmtpd dialogues (../shared/corpus/aiosmtpd-dialogues) ---- */

/* Differences from what the aiosmtpd suite expects, each allowed by RFC 5321:
 * - aiosmtpd-smtp-0042 step 4: bare CR and bare LF inside DATA. aiosmtpd
 *   delivers them unchanged (250); Redline reads the bare LF as CRLF
 *   (smtp.bare_newline normalize) but refuses the bare CR with 554 5.6.0 after
 *   the real end of data. RFC 5321 2.3.8: CR and LF MUST only occur together
 *   as CRLF, and the corpus note allows a gateway to reject them; a relay that
 *   forwarded them could let the next hop see an end of data that Redline did
 *   not (SMTP smuggling). */
struct allowed_diff {
    const char *id;
    size_t step;
    const char *got;
};
static const struct allowed_diff allowed_diffs[] = {
    {"aiosmtpd-smtp-0042", 4, "554"},
};

static bool
code_matches(const char *want, const char *got)
{
    /* want: "250", "5xx" or "501|555". */
    const char *p = want;
    while (*p != '\0') {
        const char *bar = strchr(p, '|');
        size_t k = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (k == 3) {
            bool ok = true;
            for (size_t i = 0; i < 3; i++) {
                ok = ok && (p[i] == 'x' || p[i] == got[i]);
            }
            if (ok) {
                return true;
            }
        }
        p += k + (bar != NULL ? 1 : 0);
    }
    return false;
}

/* reply_code checks that `out` holds exactly one complete reply and copies
 * its code; returns false otherwise. */
static bool
one_reply(const char *out, size_t len, char code[4])
{
    size_t i = 0;
    while (i < len) {
        const char *eol = memchr(out + i, '\n', len - i);
        if (eol == NULL || eol == out + i || eol[-1] != '\r' || (size_t)(eol - out - i) < 4) {
            return false;
        }
        memcpy(code, out + i, 3);
        code[3] = '\0';
        char sep = out[i + 3];
        i = (size_t)(eol - out) + 1;
        if (sep == ' ') {
            return i == len;
        }
        if (sep != '-') {
            return false;
        }
    }
    return false;
}

static size_t
step_bytes(json_t *step, char *buf, size_t cap)
{
    json_t *v;
    size_t n = 0;
    if ((v = json_object_get(step, "send")) != NULL) {
        n = (size_t)snprintf(buf, cap, "%s\r\n", json_string_value(v));
    } else if ((v = json_object_get(step, "send_raw")) != NULL) {
        n = (size_t)snprintf(buf, cap, "%s", json_string_value(v));
    } else if ((v = json_object_get(step, "send_raw_hex")) != NULL) {
        const char *h = json_string_value(v);
        for (; h[0] != '\0' && h[1] != '\0' && n < cap; h += 2) {
            unsigned x;
            assert_int_equal(sscanf(h, "%2x", &x), 1);
            buf[n++] = (char)x;
        }
    } else if ((v = json_object_get(step, "send_raw_repeat")) != NULL) {
        const char *t = json_string_value(json_object_get(v, "text"));
        json_int_t count = json_integer_value(json_object_get(v, "count"));
        size_t tl = strlen(t);
        for (json_int_t i = 0; i < count && n + tl <= cap; i++) {
            memcpy(buf + n, t, tl);
            n += tl;
        }
    }
    assert_true(n < cap);
    return n;
}

static void
test_aiosmtpd_dialogues(void **state)
{
    (void)state;
    const char *root = getenv("RL_CORPUS");
    char path[1024];
    snprintf(path, sizeof(path), "%s/aiosmtpd-dialogues/smtp_dialogues.jsonl",
             root != NULL ? root : "../shared/corpus");
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot open corpus file %s (set RL_CORPUS)", path);
    }
    static uint8_t mem[8192];
    static char line[1 << 16];
    static char buf[1100000];
    static struct run r;
    size_t n_steps = 0, n_agree = 0, n_diff = 0, n_sessions = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        json_error_t jerr;
        json_t *d = json_loads(line, 0, &jerr);
        assert_non_null(d);
        const char *id = json_string_value(json_object_get(d, "id"));
        json_t *setup = json_object_get(d, "setup");
        struct smtp_session s;
        struct smtp_limits lim;
        smtp_limits_default(&lim);
        if (setup != NULL && json_object_get(setup, "max_message_size") != NULL) {
            lim.max_msg_size =
                (uint64_t)json_integer_value(json_object_get(setup, "max_message_size"));
        }
        struct smtp_config cfg = {.hostname = HOST};
        n_sessions++;
        bool fresh = true;
        json_t *steps = json_object_get(d, "steps");
        for (size_t si = 0; si < json_array_size(steps); si++) {
            json_t *step = json_array_get(steps, si);
            if (fresh || json_object_get(step, "action") != NULL) {
                assert_int_equal(smtp_session_init(&s, &lim, &cfg, mem, sizeof(mem)), 0);
                assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
                smtp_session_consume(&s, 10000);
                memset(&r, 0, sizeof(r));
                fresh = false;
                if (json_object_get(step, "action") != NULL) {
                    continue;
                }
            }
            size_t n = step_bytes(step, buf, sizeof(buf));
            r.out_len = 0;
            r.out[0] = '\0';
            feed_all(&s, &r, NULL, (const uint8_t *)buf, n);
            n_steps++;
            json_t *expect = json_object_get(step, "expect");
            char code[4] = "";
            bool ok;
            if (json_is_null(expect)) {
                ok = r.out_len == 0;
            } else {
                char want[32];
                if (json_is_integer(expect)) {
                    snprintf(want, sizeof(want), "%d", (int)json_integer_value(expect));
                } else {
                    snprintf(want, sizeof(want), "%s", json_string_value(expect));
                }
                ok = one_reply(r.out, r.out_len, code) && code_matches(want, code);
            }
            json_t *body = json_object_get(step, "delivered_body");
            if (ok && body != NULL) {
                const char *b = json_string_value(body);
                ok = r.log_len > 0 && strstr(r.log, "END[") != NULL &&
                     strncmp(strstr(r.log, "END[") + 4, b, strlen(b)) == 0;
            }
            if (ok) {
                n_agree++;
                continue;
            }
            bool allowed = false;
            for (size_t k = 0; k < N(allowed_diffs); k++) {
                allowed = allowed ||
                          (strcmp(allowed_diffs[k].id, id) == 0 && allowed_diffs[k].step == si &&
                           strcmp(allowed_diffs[k].got, code) == 0);
            }
            if (!allowed) {
                fail_msg("%s step %zu: got \"%.*s\"", id, si, (int)r.out_len, r.out);
            }
            n_diff++;
        }
        json_decref(d);
    }
    fclose(f);
    printf("aiosmtpd dialogues: %zu sessions, %zu steps, %zu agree, %zu documented differences\n",
           n_sessions, n_steps, n_agree, n_diff);
    assert_int_equal(n_diff, N(allowed_diffs));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_line_limits),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_bare_newline_and_nul),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_junk_and_tarpit),
        cmocka_unit_test(test_rset_flood),
        cmocka_unit_test(test_data_size),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_relayed_and_shutdown),
        cmocka_unit_test(test_trace_and_timeout),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_aiosmtpd_dialogues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

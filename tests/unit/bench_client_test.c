/* SPDX-License-Identifier: Apache-2.0 */
/* Transcript tests for bench/bench_client.c, the load generator's SMTP
 * session: server replies in, exact client bytes and events out; each
 * replayed whole, split at every byte offset and byte by byte (after a 220
 * to STARTTLS the replies stand for what comes over TLS). Then partial
 * writes, early replies and the API edges. Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_client.h"

#define EHLO "EHLO h.test\r\n"
#define HELO "HELO h.test\r\n"
#define MAIL "MAIL FROM:<a@x.test>\r\n"
#define RCPT0 "RCPT TO:<rcpt000@y.test>\r\n"
#define RCPT1 "RCPT TO:<rcpt001@y.test>\r\n"
#define DATA "DATA\r\n"
#define RSET "RSET\r\n"
#define QUIT "QUIT\r\n"
#define STLS "STARTTLS\r\n"
#define MSG "H: v\r\n\r\nbody\r\n.\r\n"

#define GREET "220 sink ESMTP\r\n"
#define EHLO_R "250-sink\r\n250-SIZE 100\r\n250 8BITMIME\r\n"
#define EHLO_PIPE "250-sink\r\n250-pipelining\r\n250 8BITMIME\r\n"
#define OK "250 ok\r\n"
#define GO "354 go on\r\n"
#define BYE "221 bye\r\n"
#define EHLO_TLS "250-sink\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
#define TLS_GO "220 2.0.0 Ready to start TLS\r\n"

struct tcase {
    const char *name;
    unsigned n_rcpt;
    bool pipelining;
    unsigned n_msgs;  /* messages to send, one per READY/DONE, then QUIT */
    const char *in;   /* server bytes */
    const char *want; /* exact client bytes; NULL: not compared (an error drops output) */
    const char *want_log;
    int want_rc; /* 0, or the sticky error the input must end with */
};

struct run {
    char out[8192];
    size_t out_len;
    char log[512];
    size_t log_len;
    unsigned sent_msgs;
    int rc;
};

static const char hdr[] = "H: v\r\n\r\n";
static const char body[] = "body\r\n.\r\n";

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

/* drain "writes" all queued output. */
static void
drain(struct bench_client *c, struct run *r)
{
    const struct iovec *iov;
    unsigned n = bench_client_out(c, &iov);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(r->out_len + iov[i].iov_len < sizeof(r->out));
        memcpy(r->out + r->out_len, iov[i].iov_base, iov[i].iov_len);
        r->out_len += iov[i].iov_len;
        total += iov[i].iov_len;
    }
    r->out[r->out_len] = '\0';
    bench_client_sent(c, total);
}

static void
next(struct bench_client *c, struct run *r, const struct tcase *tc)
{
    if (r->sent_msgs < tc->n_msgs) {
        r->sent_msgs++;
        assert_int_equal(bench_client_send(c, (const uint8_t *)hdr, sizeof(hdr) - 1,
                                           (const uint8_t *)body, sizeof(body) - 1),
                         0);
    } else {
        assert_int_equal(bench_client_quit(c), 0);
    }
}

static void
handle(struct bench_client *c, struct run *r, const struct tcase *tc,
       const struct bench_client_ev *ev)
{
    switch (ev->type) {
    case BENCH_CE_READY:
        logf_(r, "READY ");
        next(c, r, tc);
        break;
    case BENCH_CE_DONE:
        logf_(r, "DONE(%s,%d) ", bench_outcome_name(ev->outcome), ev->code);
        if (c->state == BENCH_CS_CLOSED) {
            logf_(r, "CLOSED ");
        } else {
            next(c, r, tc);
        }
        break;
    case BENCH_CE_CLOSED:
        logf_(r, "CLOSED(%s,%d) ", bench_outcome_name(ev->outcome), ev->code);
        break;
    case BENCH_CE_STARTTLS:
        /* the handshake "succeeds" at once: what follows came over TLS */
        logf_(r, "TLS ");
        assert_int_equal(c->state, BENCH_CS_TLS);
        assert_int_equal(bench_client_tls_started(c), 0);
        break;
    case BENCH_CE_NO_TLS:
        logf_(r, "NO_TLS(%d) ", ev->code);
        assert_int_equal(c->state, BENCH_CS_CLOSED);
        break;
    default:
        fail_msg("unexpected event %d", (int)ev->type);
    }
}

static void
feed_all(struct bench_client *c, struct run *r, const struct tcase *tc, const uint8_t *in,
         size_t len)
{
    size_t off = 0;
    while (r->rc == 0) {
        struct bench_client_ev ev;
        size_t used = 99;
        r->rc = bench_client_feed(c, &ev, &used, in + off, len - off);
        assert_true(used <= len - off);
        off += used;
        if (r->rc != 0) {
            assert_int_equal(ev.type, BENCH_CE_NONE);
            return;
        }
        if (ev.type != BENCH_CE_NONE) {
            handle(c, r, tc, &ev);
        }
        drain(c, r);
        if (ev.type == BENCH_CE_NONE && off == len) {
            return;
        }
    }
}

static void
run_split(const struct tcase *tc, size_t cut, bool bytewise, bool starttls)
{
    struct bench_client_script script;
    static struct bench_client c;
    static struct run r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(bench_client_script_init(&script, "h.test", "a@x.test", "y.test",
                                              tc->n_rcpt != 0 ? tc->n_rcpt : 1, tc->pipelining,
                                              starttls),
                     0);
    bench_client_init(&c, &script);
    const uint8_t *in = (const uint8_t *)tc->in;
    size_t len = strlen(tc->in);
    if (bytewise) {
        for (size_t i = 0; i < len; i++) {
            feed_all(&c, &r, tc, in + i, 1);
        }
    } else {
        feed_all(&c, &r, tc, in, cut);
        feed_all(&c, &r, tc, in + cut, len - cut);
    }
    if ((tc->want != NULL && strcmp(r.out, tc->want) != 0) || strcmp(r.log, tc->want_log) != 0 ||
        r.rc != tc->want_rc) {
        fprintf(stderr,
                "case %s, cut %zu%s\n got: %s\nwant: %s\n got log: %s\nwant log: %s\n"
                " got rc %d want %d\n",
                tc->name, cut, bytewise ? " (bytewise)" : "", r.out, tc->want ? tc->want : "(any)",
                r.log, tc->want_log, r.rc, tc->want_rc);
        fail();
    }
    if (tc->want_rc != 0) {
        /* the error is sticky */
        struct bench_client_ev ev;
        size_t used;
        assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)OK, 8), tc->want_rc);
        assert_int_equal(used, 0);
        assert_int_equal(c.state, BENCH_CS_CLOSED);
    }
}

/* run_cases replays each case whole, split at every offset and byte by
 * byte, with a script that asks for STARTTLS or not. */
static void
run_cases(const struct tcase *cases, size_t n, bool starttls)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(cases[i].in);
        for (size_t cut = 0; cut <= len; cut++) {
            run_split(&cases[i], cut, false, starttls);
        }
        run_split(&cases[i], len, true, starttls);
    }
}

static void
test_good(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"one message, one command at a time", 1, false, 1,
         GREET EHLO_R OK OK GO "250 2.0.0 queued\r\n" BYE, EHLO MAIL RCPT0 DATA MSG QUIT,
         "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"pipelining wanted but not advertised", 1, true, 1, GREET EHLO_R OK OK GO OK BYE,
         EHLO MAIL RCPT0 DATA MSG QUIT, "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"pipelined (RFC 2920), two recipients, two messages", 2, true, 2,
         GREET EHLO_PIPE OK OK OK GO OK OK OK OK GO OK BYE,
         EHLO MAIL RCPT0 RCPT1 DATA MSG MAIL RCPT0 RCPT1 DATA MSG QUIT,
         "READY DONE(ok,250) DONE(ok,250) CLOSED(ok,221) ", 0},
        {"advertised but not wanted", 1, false, 1, GREET EHLO_PIPE OK OK GO OK BYE,
         EHLO MAIL RCPT0 DATA MSG QUIT, "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"multi-line replies everywhere", 1, false, 1,
         "220-sink\r\n220 ESMTP\r\n250 sink\r\n250-a\r\n250 b\r\n250-c\r\n250 d\r\n"
         "354-x\r\n354 y\r\n250-e\r\n250 f\r\n221-g\r\n221 h\r\n",
         EHLO MAIL RCPT0 DATA MSG QUIT, "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"EHLO refused: HELO (RFC 5321 4.1.4)", 1, true, 0,
         GREET "502 5.5.2 no ESMTP\r\n250 sink\r\n" BYE, EHLO HELO QUIT, "READY CLOSED(ok,221) ",
         0},
        {"bare LF line ends, bare code line", 1, false, 1,
         "220\n250\n250 a\n250 b\n354\n250\n221\n", EHLO MAIL RCPT0 DATA MSG QUIT,
         "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"one of two recipients refused: the message still goes", 2, false, 1,
         GREET EHLO_R OK "550 5.1.1 no\r\n" OK GO OK BYE, EHLO MAIL RCPT0 RCPT1 DATA MSG QUIT,
         "READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"offered but not wanted: the session stays in clear", 1, false, 1,
         GREET EHLO_TLS OK OK GO OK BYE, EHLO MAIL RCPT0 DATA MSG QUIT,
         "READY DONE(ok,250) CLOSED(ok,221) ", 0},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

static void
test_refusals(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"MAIL 451: tempfail, RSET before the next", 1, false, 2,
         GREET EHLO_R "451 4.3.0 later\r\n" OK OK OK GO OK BYE,
         EHLO MAIL RSET MAIL RCPT0 DATA MSG QUIT,
         "READY DONE(tempfail,451) DONE(ok,250) CLOSED(ok,221) ", 0},
        {"RCPT 550, the only one: permfail, no DATA", 1, false, 1,
         GREET EHLO_R OK "550 5.1.1 unknown\r\n" BYE, EHLO MAIL RCPT0 QUIT,
         "READY DONE(permfail,550) CLOSED(ok,221) ", 0},
        {"pipelined RCPT 550 then DATA 554: the RCPT decides", 1, true, 1,
         GREET EHLO_PIPE OK "550 5.1.1 unknown\r\n554 5.5.1 no rcpt\r\n" BYE,
         EHLO MAIL RCPT0 DATA QUIT, "READY DONE(permfail,550) CLOSED(ok,221) ", 0},
        {"pipelined 550 and 450: the temporary one decides", 2, true, 1,
         GREET EHLO_PIPE OK "550 5.1.1 a\r\n450 4.2.0 b\r\n554 5.5.1 c\r\n" BYE,
         EHLO MAIL RCPT0 RCPT1 DATA QUIT, "READY DONE(tempfail,450) CLOSED(ok,221) ", 0},
        {"pipelined refusals then a 354 anyway: an empty message", 1, true, 2,
         GREET EHLO_PIPE OK "550 5.1.1 no\r\n" GO OK OK OK OK GO OK BYE,
         EHLO MAIL RCPT0 DATA ".\r\n" RSET MAIL RCPT0 DATA MSG QUIT,
         "READY DONE(permfail,550) DONE(ok,250) CLOSED(ok,221) ", 0},
        {"final 554", 1, false, 1, GREET EHLO_R OK OK GO "554 5.7.1 policy\r\n" BYE,
         EHLO MAIL RCPT0 DATA MSG QUIT, "READY DONE(permfail,554) CLOSED(ok,221) ", 0},
        {"final 452", 1, false, 1, GREET EHLO_R OK OK GO "452 4.3.1 full\r\n" BYE,
         EHLO MAIL RCPT0 DATA MSG QUIT, "READY DONE(tempfail,452) CLOSED(ok,221) ", 0},
        {"421 in the transaction (RFC 5321 3.8)", 1, true, 1,
         GREET EHLO_PIPE OK "421 4.3.2 bye\r\n", EHLO MAIL RCPT0 DATA,
         "READY DONE(tempfail,421) CLOSED ", 0},
        {"421 instead of the greeting", 1, false, 1, "421 4.3.2 busy\r\n", "",
         "CLOSED(tempfail,421) ", 0},
        {"554 greeting", 1, false, 1, "554 5.3.2 no service\r\n", "", "CLOSED(permfail,554) ", 0},
        {"EHLO and HELO refused", 1, false, 1, GREET "500 no\r\n501 no\r\n", EHLO HELO,
         "CLOSED(permfail,501) ", 0},
        {"EHLO 4xx", 1, false, 1, GREET "450 wait\r\n", EHLO, "CLOSED(tempfail,450) ", 0},
        {"final reply to a doomed empty message", 1, true, 1,
         GREET EHLO_PIPE "451 4.3.0 no\r\n503 5.5.1 need MAIL\r\n" GO OK BYE,
         EHLO MAIL RCPT0 DATA ".\r\n" QUIT, "READY DONE(tempfail,451) CLOSED(ok,221) ", 0},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

static void
test_protocol_errors(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"code not three digits", 1, false, 1, "22 hi\r\n", "", "", RL_EINVAL},
        {"letters in the code", 1, false, 1, "2x0 hi\r\n", "", "", RL_EINVAL},
        {"code out of range", 1, false, 1, "199 hi\r\n", "", "", RL_EINVAL},
        {"no separator after the code", 1, false, 1, "220hi\r\n", "", "", RL_EINVAL},
        {"mixed codes in one multi-line reply (RFC 5321 4.2.1)", 1, false, 1,
         GREET "250-sink\r\n251 x\r\n", NULL, "", RL_EINVAL},
        {"a reply nobody asked for", 1, false, 0, GREET EHLO_R BYE OK, EHLO QUIT,
         "READY CLOSED(ok,221) ", RL_EINVAL},
        {"3xx to MAIL", 1, false, 1, GREET EHLO_R GO, EHLO MAIL, "READY ", RL_EINVAL},
        {"3xx as the greeting", 1, false, 1, "354 what\r\n", "", "", RL_EINVAL},
        {"3xx after the message", 1, false, 1, GREET EHLO_R OK OK GO GO, EHLO MAIL RCPT0 DATA MSG,
         "READY ", RL_EINVAL},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

/* test_starttls runs scripts that ask for STARTTLS (RFC 3207). */
static void
test_starttls(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"STARTTLS, EHLO again, a pipelined message over TLS (RFC 3207 4.2)", 1, true, 1,
         GREET EHLO_TLS TLS_GO EHLO_PIPE OK OK GO OK BYE, EHLO STLS EHLO MAIL RCPT0 DATA MSG QUIT,
         "TLS READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"PIPELINING from before TLS is forgotten: one command at a time", 1, true, 1,
         GREET EHLO_TLS TLS_GO EHLO_R "550 5.7.1 no\r\n" BYE, EHLO STLS EHLO MAIL QUIT,
         "TLS READY DONE(permfail,550) CLOSED(ok,221) ", 0},
        {"STARTTLS offered again over TLS: not sent twice", 1, false, 1,
         GREET EHLO_TLS TLS_GO EHLO_TLS OK OK GO OK BYE, EHLO STLS EHLO MAIL RCPT0 DATA MSG QUIT,
         "TLS READY DONE(ok,250) CLOSED(ok,221) ", 0},
        {"keyword in lower case", 1, false, 0,
         GREET "250-sink\r\n250 starttls\r\n" TLS_GO EHLO_R BYE, EHLO STLS EHLO QUIT,
         "TLS READY CLOSED(ok,221) ", 0},
        {"not offered: nothing goes in clear", 1, true, 1, GREET EHLO_R, EHLO, "NO_TLS(250) ", 0},
        {"a keyword that only starts with STARTTLS", 1, true, 1,
         GREET "250-sink\r\n250 STARTTLSX\r\n", EHLO, "NO_TLS(250) ", 0},
        {"refused with 454 (RFC 3207 4)", 1, true, 1,
         GREET EHLO_TLS "454 4.7.0 TLS not available\r\n", EHLO STLS, "NO_TLS(454) ", 0},
        {"refused with 502", 1, true, 1, GREET EHLO_TLS "502 5.5.2 what\r\n", EHLO STLS,
         "NO_TLS(502) ", 0},
        {"EHLO refused, HELO: no extensions, no TLS", 1, true, 1, GREET "502 no\r\n250 sink\r\n",
         EHLO HELO, "NO_TLS(250) ", 0},
        {"a refused EHLO naming STARTTLS does not count", 1, true, 1,
         GREET "550-no\r\n550 STARTTLS\r\n250 sink\r\n", EHLO HELO, "NO_TLS(250) ", 0},
        {"421 to STARTTLS", 1, true, 1, GREET EHLO_TLS "421 4.3.2 bye\r\n", EHLO STLS,
         "CLOSED(tempfail,421) ", 0},
        {"3xx to STARTTLS", 1, true, 1, GREET EHLO_TLS "354 what\r\n", NULL, "", RL_EINVAL},
        {"a reply after NO_TLS", 1, true, 1, GREET EHLO_R OK, NULL, "NO_TLS(250) ", RL_EINVAL},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), true);
}

/* test_partial_writes hands the output out a few bytes at a time. */
static void
test_partial_writes(void **state)
{
    (void)state;
    struct bench_client_script script;
    struct bench_client c;
    assert_int_equal(
        bench_client_script_init(&script, "h.test", "a@x.test", "y.test", 2, true, false), 0);
    bench_client_init(&c, &script);
    struct bench_client_ev ev;
    size_t used;
    static const char in[] = GREET EHLO_PIPE;
    assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)in, sizeof(in) - 1), 0);
    assert_int_equal(ev.type, BENCH_CE_NONE); /* greeting: EHLO queued, no event */
    assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)in + used,
                                       sizeof(in) - 1 - strlen(GREET)),
                     0);
    assert_int_equal(ev.type, BENCH_CE_READY);
    assert_true(c.pipelining);
    assert_int_equal(bench_client_send(&c, (const uint8_t *)hdr, sizeof(hdr) - 1,
                                       (const uint8_t *)body, sizeof(body) - 1),
                     0);
    char out[512];
    size_t n = 0;
    for (;;) {
        const struct iovec *iov;
        unsigned k = bench_client_out(&c, &iov);
        if (k == 0) {
            break;
        }
        /* three bytes a time: writev took only that much */
        size_t take = iov[0].iov_len < 3 ? iov[0].iov_len : 3;
        memcpy(out + n, iov[0].iov_base, take);
        n += take;
        bench_client_sent(&c, take);
    }
    out[n] = '\0';
    assert_string_equal(out, EHLO MAIL RCPT0 RCPT1 DATA);
    /* a 354 queues two pieces: the header and the body */
    static const char replies[] = OK OK OK GO;
    size_t off = 0;
    do {
        assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)replies + off,
                                           sizeof(replies) - 1 - off),
                         0);
        off += used;
    } while (off < sizeof(replies) - 1);
    const struct iovec *iov;
    assert_int_equal(bench_client_out(&c, &iov), 2);
    /* writev took the header and part of the body at once */
    bench_client_sent(&c, sizeof(hdr) - 1 + 2);
    assert_int_equal(bench_client_out(&c, &iov), 1);
    assert_int_equal(iov[0].iov_len, sizeof(body) - 1 - 2);
    assert_memory_equal(iov[0].iov_base, body + 2, iov[0].iov_len);
    /* the final reply comes before the rest was written: the server
     * stopped reading the message, so the connection cannot go on */
    assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)"552 too big\r\n", 13), 0);
    assert_int_equal(ev.type, BENCH_CE_DONE);
    assert_int_equal(ev.outcome, BENCH_OUT_PERMFAIL);
    assert_int_equal(c.state, BENCH_CS_CLOSED);
    assert_int_equal(bench_client_out(&c, &iov), 0);
}

static void
test_api(void **state)
{
    (void)state;
    struct bench_client_script script;
    struct bench_client c;
    struct bench_client_ev ev;
    size_t used;
    /* script arguments */
    assert_int_equal(bench_client_script_init(&script, "h", "a@x", "y", 0, false, false),
                     RL_EINVAL);
    assert_int_equal(
        bench_client_script_init(&script, "h", "a@x", "y", BENCH_CLIENT_RCPT_MAX + 1, false, false),
        RL_EINVAL);
    assert_int_equal(bench_client_script_init(&script, "h\r\nRSET", "a@x", "y", 1, false, false),
                     RL_EINVAL);
    assert_int_equal(bench_client_script_init(&script, "h", "a@x>", "y", 1, false, false),
                     RL_EINVAL);
    assert_int_equal(bench_client_script_init(&script, "", "a@x", "y", 1, false, false), RL_EINVAL);
    assert_int_equal(
        bench_client_script_init(&script, "h", "a@x", "y", BENCH_CLIENT_RCPT_MAX, false, false), 0);
    assert_int_equal(script.rcpt_len, strlen("RCPT TO:<rcpt000@y>\r\n"));
    assert_memory_equal(script.buf + script.rcpt_off + 99 * script.rcpt_len,
                        "RCPT TO:<rcpt099@y>\r\n", script.rcpt_len);
    /* calls out of place */
    bench_client_init(&c, &script);
    assert_int_equal(bench_client_send(&c, (const uint8_t *)hdr, 1, (const uint8_t *)body, 1),
                     RL_EINVAL);
    assert_int_equal(bench_client_quit(&c), RL_EINVAL);
    const struct iovec *iov;
    assert_int_equal(bench_client_out(&c, &iov), 0);
    bench_client_sent(&c, 0);
    assert_int_equal(bench_client_feed(&c, &ev, &used, NULL, 0), 0);
    assert_int_equal(ev.type, BENCH_CE_NONE);
    /* an overlong reply line is cut, still parsed */
    static char longline[2000];
    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "220 ", 4);
    memcpy(longline + sizeof(longline) - 3, "\r\n", 3);
    assert_int_equal(
        bench_client_feed(&c, &ev, &used, (const uint8_t *)longline, sizeof(longline) - 1), 0);
    assert_int_equal(used, sizeof(longline) - 1);
    assert_int_equal(c.state, BENCH_CS_EHLO);
    assert_int_equal(strlen(bench_client_last_reply(&c)), BENCH_CLIENT_LINE_MAX - 1);
    /* TLS started out of place, and replies while the handshake runs */
    assert_int_equal(bench_client_tls_started(&c), RL_EINVAL);
    assert_int_equal(bench_client_script_init(&script, "h", "a@x", "y", 1, false, true), 0);
    assert_memory_equal(script.buf + script.starttls_off, STLS, script.starttls_len);
    bench_client_init(&c, &script);
    static const char tls_in[] = GREET EHLO_TLS TLS_GO OK;
    size_t off = 0;
    do {
        assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)tls_in + off,
                                           sizeof(tls_in) - 1 - off),
                         0);
        off += used;
        bench_client_sent(&c, 100);
    } while (ev.type == BENCH_CE_NONE);
    assert_int_equal(ev.type, BENCH_CE_STARTTLS);
    assert_int_equal(off, sizeof(tls_in) - 1 - strlen(OK)); /* the rest is not read */
    assert_int_equal(bench_client_out(&c, &iov), 0);
    assert_int_equal(bench_client_feed(&c, &ev, &used, (const uint8_t *)OK, strlen(OK)), RL_EINVAL);
    assert_int_equal(bench_client_tls_started(&c), RL_EINVAL); /* the error is sticky */
    assert_string_equal(bench_outcome_name(BENCH_OUT_OK), "ok");
    assert_string_equal(bench_outcome_name(BENCH_OUT_ERROR), "error");
    assert_string_equal(bench_outcome_name(BENCH_OUT__COUNT), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_partial_writes),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

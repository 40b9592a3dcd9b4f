/* SPDX-License-Identifier: Apache-2.0 */
/* Transcript tests for bench/bench_server.c, the benchmark sink's SMTP
 * session: client bytes in, exact reply bytes, events and message bytes out;
 * each replayed whole, split at every byte offset and byte by byte (after a
 * 220 to STARTTLS the input stands for what comes over TLS). Then the output
 * back-pressure, injected failures and the API edges.
 * Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_server.h"

#define HOST "sink.test"
#define R_220 "220 " HOST " ESMTP redline-bench sink\r\n"
#define R_EHLO                                                                                     \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-CHUNKING\r\n"          \
    "250 ENHANCEDSTATUSCODES\r\n"
#define R_EHLO_NOCHUNK                                                                             \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"                          \
    "250 ENHANCEDSTATUSCODES\r\n"
#define R_HELO "250 " HOST "\r\n"
#define R_MAIL "250 2.1.0 Ok\r\n"
#define R_RCPT "250 2.1.5 Ok\r\n"
#define R_354 "354 End data with <CR><LF>.<CR><LF>\r\n"
#define R_QUEUED "250 2.0.0 Ok: queued\r\n"
#define R_OK "250 2.0.0 Ok\r\n"
#define R_BYE "221 2.0.0 Bye\r\n"
#define R_NEED_HELO "503 5.5.1 Error: send HELO/EHLO first\r\n"
#define R_NEED_MAIL "503 5.5.1 Error: need MAIL command\r\n"
#define R_NEED_RCPT "503 5.5.1 Error: need RCPT command\r\n"
#define R_NO_RCPT "554 5.5.1 Error: no valid recipients\r\n"
#define R_NESTED "503 5.5.1 Error: nested MAIL command\r\n"
#define R_SYN_MAIL "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
#define R_SYN_RCPT "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
#define R_SYN_BDAT "501 5.5.4 Syntax: BDAT size [LAST]\r\n"
#define R_SYN_DATA "501 5.5.4 Syntax: DATA\r\n"
#define R_UNKNOWN "502 5.5.2 Error: command not recognized\r\n"
#define R_LONG "500 5.5.2 Error: line too long\r\n"
#define R_BIG "552 5.3.4 Error: message file too big\r\n"
#define R_DATA_BDAT "503 5.5.1 Error: DATA after BDAT\r\n"
#define R_VRFY "252 2.0.0 Cannot VRFY user\r\n"
#define R_EHLO_TLS                                                                                 \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-CHUNKING\r\n"          \
    "250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n"
#define R_TLS_GO "220 2.0.0 Ready to start TLS\r\n"

#define ENV "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
#define ENV_R R_EHLO R_MAIL R_RCPT

struct tcase {
    const char *name;
    const char *in;
    const char *want;      /* exact reply bytes after the greeting */
    const char *want_log;  /* events: B = begin, E<code,len> = end, A = abort */
    const char *want_body; /* message bytes handed out, all messages back to back */
    bool no_chunking;
    uint64_t max_size; /* 0 = 1000 */
};

struct run {
    char out[1 << 15];
    size_t out_len;
    char log[1024];
    size_t log_len;
    char body[1 << 14];
    size_t body_len;
    uint64_t msg_len; /* bytes of BODY events since BEGIN */
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
drain(struct bench_server *s, struct run *r)
{
    size_t n;
    const uint8_t *p = bench_server_out(s, &n);
    assert_true(n < sizeof(r->out) - r->out_len);
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
    r->out[r->out_len] = '\0';
    bench_server_sent(s, n);
}

static void
handle(struct run *r, const struct bench_server_ev *ev)
{
    switch (ev->type) {
    case BENCH_SE_BEGIN:
        logf_(r, "B ");
        r->msg_len = 0;
        break;
    case BENCH_SE_BODY:
        assert_true(ev->len > 0);
        assert_true(r->body_len + ev->len < sizeof(r->body));
        memcpy(r->body + r->body_len, ev->data, ev->len);
        r->body_len += ev->len;
        r->body[r->body_len] = '\0';
        r->msg_len += ev->len;
        break;
    case BENCH_SE_END:
        logf_(r, "E<%d,%zu> ", ev->code, ev->len);
        assert_int_equal(ev->accepted, ev->code == 250);
        assert_int_equal(ev->len, r->msg_len);
        break;
    case BENCH_SE_ABORT:
        logf_(r, "A ");
        break;
    default:
        fail_msg("unexpected event %d", (int)ev->type);
    }
}

/* feed_all gives `in` to the session as the sink does: until no event. */
static void
feed_all(struct bench_server *s, struct run *r, const uint8_t *in, size_t len)
{
    size_t off = 0;
    while (!bench_server_closing(s)) {
        struct bench_server_ev ev;
        size_t used = 99;
        assert_int_equal(bench_server_feed(s, &ev, &used, in + off, len - off), 0);
        assert_true(used <= len - off);
        off += used;
        size_t out_before = r->out_len;
        drain(s, r);
        if (ev.type == BENCH_SE_STARTTLS) {
            /* the handshake "succeeds" at once: the rest came over TLS */
            logf_(r, "T ");
            assert_int_equal(bench_server_feed(s, &ev, &used, in + off, len - off), RL_EINVAL);
            assert_int_equal(used, 0);
            assert_int_equal(bench_server_tls_started(s), 0);
            continue;
        }
        if (ev.type == BENCH_SE_NONE) {
            if (off == len) {
                return;
            }
            /* stopped for room: writing the output must let it go on */
            assert_true(r->out_len > out_before);
            continue;
        }
        handle(r, &ev);
    }
}

static void
run_split(const struct tcase *tc, size_t cut, bool bytewise, bool starttls)
{
    static struct run r;
    struct bench_server_cfg cfg = {.hostname = HOST,
                                   .max_size = tc->max_size != 0 ? tc->max_size : 1000,
                                   .chunking = !tc->no_chunking,
                                   .starttls = starttls};
    struct bench_server s;
    memset(&r, 0, sizeof(r));
    bench_server_init(&s, &cfg, 1);
    drain(&s, &r);
    assert_string_equal(r.out, R_220);
    r.out_len = 0;
    r.out[0] = '\0';
    const uint8_t *in = (const uint8_t *)tc->in;
    size_t len = strlen(tc->in);
    if (bytewise) {
        for (size_t i = 0; i < len; i++) {
            feed_all(&s, &r, in + i, 1);
        }
    } else {
        feed_all(&s, &r, in, cut);
        feed_all(&s, &r, in + cut, len - cut);
    }
    const char *want_body = tc->want_body != NULL ? tc->want_body : "";
    if (strcmp(r.out, tc->want) != 0 || strcmp(r.log, tc->want_log) != 0 ||
        strcmp(r.body, want_body) != 0) {
        fprintf(stderr,
                "case %s, cut %zu%s\n got: %s\nwant: %s\n got log: %s\nwant log: %s\n"
                " got body: [%s]\nwant body: [%s]\n",
                tc->name, cut, bytewise ? " (bytewise)" : "", r.out, tc->want, r.log, tc->want_log,
                r.body, want_body);
        fail();
    }
}

/* run_cases replays each case whole, split at every offset and byte by
 * byte, on a listener that offers STARTTLS or not. */
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
        {"one message", ENV "DATA\r\nSubject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n",
         ENV_R R_354 R_QUEUED R_BYE, "B E<250,21> ", "Subject: x\r\n\r\nhello\r\n", false, 0},
        {"dot-stuffing undone (RFC 5321 4.5.2)", ENV "DATA\r\n..\r\n...x\r\n.y\r\na.b\r\n.\r\n",
         ENV_R R_354 R_QUEUED, "B E<250,16> ", ".\r\n..x\r\ny\r\na.b\r\n", false, 0},
        {"empty message", ENV "DATA\r\n.\r\n", ENV_R R_354 R_QUEUED, "B E<250,0> ", "", false, 0},
        {"bare LF and lone CR are data, not line ends", ENV "DATA\r\na\n.\nb\r\n.x\rc\r\n.\r\n",
         ENV_R R_354 R_QUEUED, "B E<250,12> ", "a\n.\nb\r\nx\rc\r\n", false, 0},
        {"dot then CR then not LF: only the dot goes", ENV "DATA\r\n.\rz\r\n.\r\n",
         ENV_R R_354 R_QUEUED, "B E<250,4> ", "\rz\r\n", false, 0},
        {"two messages, pipelined, then RSET NOOP VRFY",
         ENV "DATA\r\n1\r\n.\r\nMAIL FROM:<c@x.test>\r\nRCPT TO:<d@y.test>\r\n"
             "RCPT TO:<e@y.test>\r\nDATA\r\n22\r\n.\r\nRSET\r\nNOOP\r\nVRFY x\r\n",
         ENV_R R_354 R_QUEUED R_MAIL R_RCPT R_RCPT R_354 R_QUEUED R_OK R_OK R_VRFY,
         "B E<250,3> B E<250,4> ", "1\r\n22\r\n", false, 0},
        {"HELO, lower-case verbs",
         "helo c.test\r\nmail from:<a@x.test>\r\nrcpt to:<b@y.test>\r\n"
         "data\r\nx\r\n.\r\nquit\r\n",
         R_HELO R_MAIL R_RCPT R_354 R_QUEUED R_BYE, "B E<250,3> ", "x\r\n", false, 0},
        {"BDAT chunks (RFC 3030)", ENV "BDAT 5\r\nhelloBDAT 3 LAST\r\n.\r\nQUIT\r\n",
         ENV_R "250 2.0.0 Ok: 5 octets\r\n" R_QUEUED R_BYE, "B E<250,8> ", "hello.\r\n", false, 0},
        {"BDAT 0 LAST", ENV "BDAT 4\r\nabcdBDAT 0 LAST\r\n",
         ENV_R "250 2.0.0 Ok: 4 octets\r\n" R_QUEUED, "B E<250,4> ", "abcd", false, 0},
        {"BDAT alone", ENV "BDAT 2 last\r\n\r\n", ENV_R R_QUEUED, "B E<250,2> ", "\r\n", false, 0},
        {"RSET between BDAT chunks drops the message", ENV "BDAT 2\r\nabRSET\r\n",
         ENV_R "250 2.0.0 Ok: 2 octets\r\n" R_OK, "B A ", "ab", false, 0},
        {"no CHUNKING advertised", "EHLO c.test\r\n", R_EHLO_NOCHUNK, "", NULL, true, 0},
        {"QUIT ends reading", "QUIT\r\nNOOP\r\n", R_BYE, "", NULL, false, 0},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

static void
test_bad(void **state)
{
    (void)state;
    char long_line[3000];
    memset(long_line, 'x', sizeof(long_line));
    memcpy(long_line, "NOOP ", 5);
    memcpy(long_line + sizeof(long_line) - 9, "\r\nNOOP\r\n", 9);
    const struct tcase cases[] = {
        {"MAIL before EHLO", "MAIL FROM:<a@x.test>\r\n", R_NEED_HELO, "", NULL, false, 0},
        {"RCPT before MAIL", "EHLO c\r\nRCPT TO:<b@y.test>\r\n", R_EHLO R_NEED_MAIL, "", NULL,
         false, 0},
        {"DATA before MAIL", "EHLO c\r\nDATA\r\n", R_EHLO R_NEED_MAIL, "", NULL, false, 0},
        {"DATA without recipients", "EHLO c\r\nMAIL FROM:<a@x>\r\nDATA\r\nx\r\n",
         R_EHLO R_MAIL R_NO_RCPT R_UNKNOWN, "", NULL, false, 0},
        {"nested MAIL", "EHLO c\r\nMAIL FROM:<a@x>\r\nMAIL FROM:<b@x>\r\n", R_EHLO R_MAIL R_NESTED,
         "", NULL, false, 0},
        {"MAIL syntax", "EHLO c\r\nMAIL TO:<a@x>\r\nMAIL\r\n", R_EHLO R_SYN_MAIL R_SYN_MAIL, "",
         NULL, false, 0},
        {"RCPT syntax", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT FROM:<b@y>\r\n",
         R_EHLO R_MAIL R_SYN_RCPT, "", NULL, false, 0},
        {"DATA with an argument", ENV "DATA x\r\n", ENV_R R_SYN_DATA, "", NULL, false, 0},
        {"unknown commands", "HELLO\r\nEHLOX c\r\n\r\nX\r\n",
         R_UNKNOWN R_UNKNOWN R_UNKNOWN R_UNKNOWN, "", NULL, false, 0},
        {"line too long, then the session goes on", long_line, R_LONG R_OK, "", NULL, false, 0},
        {"BDAT without CHUNKING", ENV "BDAT 3 LAST\r\n", R_EHLO_NOCHUNK R_MAIL R_RCPT R_UNKNOWN, "",
         NULL, true, 0},
        {"BDAT syntax", ENV "BDAT\r\nBDAT x\r\nBDAT 3 FIRST\r\nBDAT -1\r\n",
         ENV_R R_SYN_BDAT R_SYN_BDAT R_SYN_BDAT R_SYN_BDAT, "", NULL, false, 0},
        {"refused BDAT: its octets are read and dropped, not run as commands",
         "EHLO c\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\n", R_EHLO R_NEED_MAIL R_OK, "", NULL, false, 0},
        {"BDAT before RCPT", "EHLO c\r\nMAIL FROM:<a@x>\r\nBDAT 2\r\nxyNOOP\r\n",
         R_EHLO R_MAIL R_NEED_RCPT R_OK, "", NULL, false, 0},
        {"DATA after BDAT", ENV "BDAT 1\r\nxDATA\r\n",
         ENV_R "250 2.0.0 Ok: 1 octets\r\n" R_DATA_BDAT, "B ", "x", false, 0},
        {"message over the size limit", ENV "DATA\r\n0123456789\r\n.\r\n",
         "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 10\r\n250-8BITMIME\r\n250-CHUNKING\r\n"
         "250 ENHANCEDSTATUSCODES\r\n" R_MAIL R_RCPT R_354 R_BIG,
         "B E<552,12> ", "0123456789\r\n", false, 10},
        {"EHLO between BDAT chunks drops the message", ENV "BDAT 1\r\nxEHLO c\r\n",
         ENV_R "250 2.0.0 Ok: 1 octets\r\n" R_EHLO, "B A ", "x", false, 0},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

/* test_starttls runs a listener that offers STARTTLS (RFC 3207). */
static void
test_starttls(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        {"STARTTLS, then EHLO again without it and a message (RFC 3207 4.2)",
         "EHLO c.test\r\nSTARTTLS\r\n" ENV "DATA\r\nx\r\n.\r\nQUIT\r\n",
         R_EHLO_TLS R_TLS_GO ENV_R R_354 R_QUEUED R_BYE, "T B E<250,3> ", "x\r\n", false, 0},
        {"lower case", "ehlo c\r\nstarttls\r\nehlo c\r\n", R_EHLO_TLS R_TLS_GO R_EHLO, "T ", NULL,
         false, 0},
        {"the EHLO from before TLS is forgotten", "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@x>\r\n",
         R_EHLO_TLS R_TLS_GO R_NEED_HELO, "T ", NULL, false, 0},
        {"STARTTLS with a parameter (RFC 3207 4)", "EHLO c\r\nSTARTTLS now\r\n",
         R_EHLO_TLS "501 5.5.4 Syntax: STARTTLS\r\n", "", NULL, false, 0},
        {"STARTTLS in a transaction", "EHLO c\r\nMAIL FROM:<a@x>\r\nSTARTTLS\r\n",
         R_EHLO_TLS R_MAIL "503 5.5.1 Error: MAIL transaction in progress\r\n", "", NULL, false, 0},
        {"STARTTLS over TLS", "EHLO c\r\nSTARTTLS\r\nSTARTTLS\r\n",
         R_EHLO_TLS R_TLS_GO "503 5.5.1 Error: TLS already active\r\n", "T ", NULL, false, 0},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]), true);
    static const struct tcase off[] = {
        {"STARTTLS on a listener without TLS", "EHLO c\r\nSTARTTLS\r\n", R_EHLO R_UNKNOWN, "", NULL,
         false, 0},
    };
    run_cases(off, 1, false);
}

/* test_backpressure pipelines more replies than the output holds: the
 * session must stop reading, then resume once the output is written. */
static void
test_backpressure(void **state)
{
    (void)state;
    struct bench_server_cfg cfg = {.hostname = HOST, .max_size = 1000};
    struct bench_server s;
    static char in[400 * 6 + 1];
    static struct run r;
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < 400; i++) {
        memcpy(in + 6 * i, "NOOP\r\n", 6);
    }
    bench_server_init(&s, &cfg, 1);
    size_t off = 0;
    unsigned stops = 0;
    while (off < 400 * 6) {
        struct bench_server_ev ev;
        size_t used;
        assert_int_equal(
            bench_server_feed(&s, &ev, &used, (const uint8_t *)in + off, 400 * 6 - off), 0);
        assert_int_equal(ev.type, BENCH_SE_NONE);
        off += used;
        size_t n;
        (void)bench_server_out(&s, &n);
        assert_true(n <= BENCH_SERVER_OUT_CAP);
        if (off < 400 * 6) {
            stops++;
        }
        drain(&s, &r);
    }
    assert_true(stops > 0);
    assert_int_equal(r.out_len, strlen(R_220) + 400 * strlen(R_OK));
}

struct fcase {
    const char *name;
    enum bench_fail_at at;
    int code;
    const char *in;
    const char *want; /* including the greeting */
    const char *want_log;
    bool closing;
};

static void
test_injected(void **state)
{
    (void)state;
    static const struct fcase cases[] = {
        {"at the end of data", BENCH_FAIL_DOT, 451, ENV "DATA\r\nx\r\n.\r\nQUIT\r\n",
         R_220 ENV_R R_354 "451 4.3.0 Local error in processing (injected)\r\n" R_BYE,
         "B E<451,3> ", true},
        {"421 at the end of data closes", BENCH_FAIL_DOT, 421, ENV "DATA\r\nx\r\n.\r\nNOOP\r\n",
         R_220 ENV_R R_354
         "421 4.3.2 Service shutting down, closing transmission channel (injected)\r\n",
         "B E<421,3> ", true},
        {"at MAIL", BENCH_FAIL_MAIL, 554, "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n",
         R_220 R_EHLO "554 5.3.0 Transaction failed (injected)\r\n" R_NEED_MAIL, "", false},
        {"at RCPT", BENCH_FAIL_RCPT, 550, ENV "DATA\r\n",
         R_220 R_EHLO R_MAIL "550 5.1.1 Mailbox unavailable (injected)\r\n" R_NO_RCPT, "", false},
        {"at DATA", BENCH_FAIL_DATA, 452, ENV "DATA\r\nNOOP\r\n",
         R_220 ENV_R "452 4.3.1 Insufficient system storage (injected)\r\n" R_OK, "", false},
        {"at the first BDAT: the chunk is still read", BENCH_FAIL_DATA, 450,
         ENV "BDAT 6 LAST\r\nNOOP\r\nNOOP\r\n",
         R_220 ENV_R "450 4.2.0 Mailbox temporarily unavailable (injected)\r\n" R_OK, "", false},
        {"connect, 4xx: 421 and close", BENCH_FAIL_CONNECT, 451, "EHLO c\r\n",
         "421 4.3.2 " HOST " Service not available (injected)\r\n", "", true},
        {"connect, 5xx: 554, then only QUIT (RFC 5321 3.1)", BENCH_FAIL_CONNECT, 554,
         "EHLO c\r\nMAIL FROM:<a@x>\r\nQUIT\r\n",
         "554 5.3.2 " HOST " No SMTP service here (injected)\r\n"
         "503 5.5.1 Error: no SMTP service here\r\n503 5.5.1 Error: no SMTP service here\r\n" R_BYE,
         "", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fcase *fc = &cases[i];
        struct bench_server_cfg cfg = {.hostname = HOST,
                                       .max_size = 1000,
                                       .chunking = true,
                                       .fail_at = fc->at,
                                       .fail_threshold = BENCH_FAIL_ALWAYS,
                                       .fail_code = fc->code};
        size_t len = strlen(fc->in);
        for (size_t cut = 0; cut <= len; cut++) {
            static struct run r;
            struct bench_server s;
            memset(&r, 0, sizeof(r));
            bench_server_init(&s, &cfg, 7);
            drain(&s, &r);
            if (!bench_server_closing(&s)) {
                feed_all(&s, &r, (const uint8_t *)fc->in, cut);
                feed_all(&s, &r, (const uint8_t *)fc->in + cut, len - cut);
            }
            if (strcmp(r.out, fc->want) != 0 || strcmp(r.log, fc->want_log) != 0) {
                fprintf(stderr, "case %s cut %zu\n got: %s\nwant: %s\n got log: %s\n", fc->name,
                        cut, r.out, fc->want, r.log);
                fail();
            }
            assert_int_equal(bench_server_closing(&s), fc->closing);
        }
    }
}

/* test_fail_rate checks that a rate of 0.25 fails about a quarter of the
 * messages, and the same seed the same ones. */
static void
test_fail_rate(void **state)
{
    (void)state;
    struct bench_server_cfg cfg = {.hostname = HOST,
                                   .max_size = 1000,
                                   .fail_at = BENCH_FAIL_DOT,
                                   .fail_threshold = (uint64_t)(0.25 * 4294967296.0),
                                   .fail_code = 451};
    static const char msg[] = "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n";
    unsigned failed[2] = {0, 0};
    static bool pattern[2000];
    unsigned same = 0;
    for (int round = 0; round < 2; round++) {
        struct bench_server s;
        static struct run r;
        memset(&r, 0, sizeof(r));
        bench_server_init(&s, &cfg, 42);
        feed_all(&s, &r, (const uint8_t *)"EHLO c\r\n", 8);
        for (int i = 0; i < 2000; i++) {
            r.log_len = 0;
            r.out_len = 0;
            r.body_len = 0;
            feed_all(&s, &r, (const uint8_t *)msg, sizeof(msg) - 1);
            bool f = strstr(r.log, "E<451") != NULL;
            failed[round] += f ? 1 : 0;
            if (round == 0) {
                pattern[i] = f;
            } else {
                same += f == pattern[i] ? 1 : 0;
            }
        }
    }
    assert_true(failed[0] > 400 && failed[0] < 600);
    assert_int_equal(failed[0], failed[1]);
    assert_int_equal(same, 2000);
}

static void
test_api(void **state)
{
    (void)state;
    struct bench_server_cfg cfg = {.max_size = 5};
    struct bench_server s;
    struct bench_server_ev ev;
    size_t used = 9;
    bench_server_init(&s, &cfg, 0);
    size_t n;
    const uint8_t *p = bench_server_out(&s, &n);
    /* NULL hostname: a default name */
    assert_int_equal(n, strlen("220 redline-sink ESMTP redline-bench sink\r\n"));
    assert_memory_equal(p, "220 redline-sink ESMTP redline-bench sink\r\n", n);
    bench_server_sent(&s, 4);
    p = bench_server_out(&s, &n);
    assert_memory_equal(p, "redline-sink", 12);
    bench_server_sent(&s, n);
    (void)bench_server_out(&s, &n);
    assert_int_equal(n, 0);
    /* nothing in, nothing out */
    assert_int_equal(bench_server_feed(&s, &ev, &used, NULL, 0), 0);
    assert_int_equal(ev.type, BENCH_SE_NONE);
    assert_int_equal(used, 0);
    /* a message in progress is lost if the connection drops */
    static const char in[] = "EHLO c\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\npart";
    size_t off = 0;
    do {
        assert_int_equal(
            bench_server_feed(&s, &ev, &used, (const uint8_t *)in + off, sizeof(in) - 1 - off), 0);
        off += used;
        bench_server_sent(&s, BENCH_SERVER_OUT_CAP);
    } while (ev.type != BENCH_SE_NONE);
    assert_true(bench_server_in_message(&s));
    /* after QUIT the session reads nothing more */
    bench_server_init(&s, &cfg, 0);
    assert_int_equal(bench_server_feed(&s, &ev, &used, (const uint8_t *)"QUIT\r\n", 6), 0);
    assert_true(bench_server_closing(&s));
    assert_false(bench_server_in_message(&s));
    assert_int_equal(bench_server_feed(&s, &ev, &used, (const uint8_t *)"NOOP\r\n", 6), RL_EINVAL);
    assert_int_equal(used, 0);
    /* after the 220 to STARTTLS nothing more is read in clear (RFC 3207 5) */
    cfg.starttls = true;
    bench_server_init(&s, &cfg, 0);
    assert_int_equal(bench_server_tls_started(&s), RL_EINVAL);
    static const char tls_in[] = "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil>\r\n";
    off = 0;
    do {
        assert_int_equal(bench_server_feed(&s, &ev, &used, (const uint8_t *)tls_in + off,
                                           sizeof(tls_in) - 1 - off),
                         0);
        off += used;
        bench_server_sent(&s, BENCH_SERVER_OUT_CAP);
    } while (ev.type == BENCH_SE_NONE);
    assert_int_equal(ev.type, BENCH_SE_STARTTLS);
    assert_int_equal(off, strlen("EHLO c\r\nSTARTTLS\r\n"));
    assert_int_equal(bench_server_feed(&s, &ev, &used, (const uint8_t *)tls_in + off, 4),
                     RL_EINVAL);
    assert_int_equal(used, 0);
    assert_false(bench_server_closing(&s));
    assert_int_equal(bench_server_tls_started(&s), 0);
    assert_int_equal(bench_server_tls_started(&s), RL_EINVAL);
    /* the codes that can be injected */
    assert_true(bench_server_fail_code_ok(451));
    assert_true(bench_server_fail_code_ok(554));
    assert_false(bench_server_fail_code_ok(250));
    assert_false(bench_server_fail_code_ok(453));
    assert_false(bench_server_fail_code_ok(0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),         cmocka_unit_test(test_bad),
        cmocka_unit_test(test_backpressure), cmocka_unit_test(test_injected),
        cmocka_unit_test(test_fail_rate),    cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

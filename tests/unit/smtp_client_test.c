/* SPDX-License-Identifier: Apache-2.0 */
/* Transcript tests for smtp_client.c: server replies in, the exact command
 * octets and events out, each server flight replayed whole, split at every
 * byte offset and byte by byte; dot-stuffing against a slow reference; a
 * whole conversation with smtp_server.c as the peer. Single-threaded cmocka
 * runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp_client.h"
#include "smtp_server.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Test timeouts: distinct, so a transcript shows which one ran. */
#define T_GREETING 100
#define T_COMMAND 200
#define T_DATA_INIT 300
#define T_DATA_BLOCK 400
#define T_DATA_TERM 500

/* What a Postfix next hop says. */
#define GREET "220 mx.test ESMTP Postfix\r\n"
#define EHLO_FULL                                                                                  \
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"               \
    "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"       \
    "250 CHUNKING\r\n"
#define EHLO_PLAIN "250-mx.test\r\n250-8BITMIME\r\n250 SIZE 1000\r\n"
#define R_354 "354 End data with <CR><LF>.<CR><LF>\r\n"
#define R_QUEUED "250 2.0.0 Ok: queued as 4XyZ1\r\n"
#define R_BYE "221 2.0.0 Bye\r\n"

/* What the client must write. */
#define C_EHLO "EHLO client.test\r\n"
#define C_HELO "HELO client.test\r\n"
#define C_MAIL "MAIL FROM:<a@x.test>\r\n"
#define C_RCPT "RCPT TO:<b@y.test>\r\n"

/* Events as logged: type, command, code, enhanced code, [text]. */
#define EV_READY_FULL "READY EHLO 250 - [CHUNKING] "
#define EV_READY_PLAIN "READY EHLO 250 - [SIZE 1000] "
#define EV_MAIL_OK "REPLY MAIL 250 2.1.0 [Ok] "
#define EV_RCPT_OK "REPLY RCPT 250 2.1.5 [Ok] "
#define EV_354 "REPLY DATA 354 - [End data with <CR><LF>.<CR><LF>] "
#define EV_QUEUED "REPLY DOT 250 2.0.0 [Ok: queued as 4XyZ1] "
#define EV_BYE "CLOSED QUIT 221 2.0.0 [Bye] "
#define EV_UNSOLICITED "FAIL/EIO NONE 0 - [reply while no command awaits one] "
#define EV_MALFORMED(cmd) "FAIL/EIO " cmd " 0 - [malformed reply line] "
#define EV_CLASS(cmd) "FAIL/EIO " cmd " 0 - [reply code does not fit the command] "

#define CAPS_FULL "PIPELINING 8BITMIME SMTPUTF8 CHUNKING STARTTLS ENHANCEDSTATUSCODES SIZE=10240000"

enum op {
    END = 0,
    SRV,      /* the server sends `s` */
    MAIL,     /* smtp_client_mail(s, SIZE n, flags) returns rc */
    RCPT,     /* smtp_client_rcpt(s) returns rc */
    DATA,     /* smtp_client_data returns rc */
    BODY,     /* the caller writes dot-stuffed `s` and the terminator, then body_sent (rc) */
    SENT,     /* smtp_client_body_sent alone returns rc */
    RSET,     /* smtp_client_rset returns rc */
    QUIT,     /* smtp_client_quit returns rc */
    TICK,     /* smtp_client_tick at time n */
    PROGRESS, /* smtp_client_body_progress */
    STATE,    /* the state is n */
    CAPS,     /* the caps read as `s` */
    WRITE,    /* the caller writes (consumes) only n octets of the output */
    STARTTLS, /* smtp_client_starttls returns rc */
    TLSUP,    /* smtp_client_tls_started returns rc (the caller's handshake completed) */
};

#define F_8BIT 1u
#define F_UTF8 2u
#define F_HOLD 4u /* do not write the output after this step */

/* One step; `out` is exactly what goes on the wire in it (commands and body
 * octets), `ev` exactly the events it raises; NULL means none. */
struct step {
    enum op op;
    const char *s;
    uint64_t n;
    unsigned flags;
    int rc;
    const char *out;
    const char *ev;
};

struct tcase {
    const char *name;
    const struct step *steps;
};

#define OPEN_FULL                                                                                  \
    {.op = SRV, .s = GREET, .out = C_EHLO},                                                        \
    {                                                                                              \
        .op = SRV, .s = EHLO_FULL, .ev = EV_READY_FULL                                             \
    }
#define OPEN_PLAIN                                                                                 \
    {.op = SRV, .s = GREET, .out = C_EHLO},                                                        \
    {                                                                                              \
        .op = SRV, .s = EHLO_PLAIN, .ev = EV_READY_PLAIN                                           \
    }
/* A pipelined MAIL, RCPT, DATA accepted up to the 354. */
#define TX_FULL                                                                                    \
    {.op = MAIL, .s = "a@x.test", .out = C_MAIL}, {.op = RCPT, .s = "b@y.test", .out = C_RCPT},    \
        {.op = DATA, .out = "DATA\r\n"},                                                           \
        {.op = SRV,                                                                                \
         .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" R_354,                                            \
         .ev = EV_MAIL_OK EV_RCPT_OK EV_354},                                                      \
    {                                                                                              \
        .op = STATE, .n = SMTP_C_BODY                                                              \
    }

struct run {
    char out[1 << 14];
    size_t out_len;
    char ev[1 << 13];
    size_t ev_len;
};

static void logf_(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->ev + r->ev_len, sizeof(r->ev) - r->ev_len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(r->ev) - r->ev_len);
    r->ev_len += (size_t)n;
}

static void
put_out(struct run *r, const void *p, size_t n)
{
    assert_true(n < sizeof(r->out) - r->out_len);
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
    r->out[r->out_len] = '\0';
}

static const char *
type_name(const struct smtp_client_event *ev)
{
    switch (ev->type) {
    case SMTP_CEV_READY:
        return "READY";
    case SMTP_CEV_REPLY:
        return "REPLY";
    case SMTP_CEV_CLOSED:
        return "CLOSED";
    case SMTP_CEV_FAIL:
        return ev->err == RL_OK       ? "FAIL/OK"
               : ev->err == RL_EIO    ? "FAIL/EIO"
               : ev->err == RL_ELIMIT ? "FAIL/ELIMIT"
                                      : "FAIL/?";
    default:
        return "?";
    }
}

/* log_event records `ev` and checks what holds for every event. */
static void
log_event(const struct smtp_client *c, struct run *r, const struct smtp_client_event *ev)
{
    assert_true(ev->text_len <= SMTP_CLIENT_TEXT_MAX);
    assert_true(ev->text != NULL || ev->text_len == 0);
    assert_non_null(memchr(ev->enhanced, '\0', sizeof(ev->enhanced)));
    if (ev->type == SMTP_CEV_FAIL || ev->type == SMTP_CEV_CLOSED) {
        assert_int_equal(smtp_client_state(c), SMTP_C_CLOSED);
    }
    if (ev->type == SMTP_CEV_READY) {
        assert_int_equal(smtp_client_state(c), SMTP_C_READY);
    }
    if (ev->type == SMTP_CEV_FAIL && ev->err != RL_OK) {
        assert_int_equal(ev->code, 0);
    } else {
        assert_true(ev->code >= 200 && ev->code <= 559);
    }
    logf_(r, "%s %s %d %s [%.*s] ", type_name(ev), smtp_cmd_name(ev->cmd), ev->code,
          ev->enhanced[0] != '\0' ? ev->enhanced : "-", (int)ev->text_len,
          ev->text != NULL ? ev->text : "");
}

/* feed_all gives `in` to the client the way a worker does: until RL_EAGAIN,
 * logging each event; once the client is closed the rest is dropped. */
static void
feed_all(struct smtp_client *c, struct run *r, const uint8_t *in, size_t len)
{
    size_t off = 0;
    for (;;) {
        struct smtp_client_event ev;
        size_t used = 99999;
        int rc = smtp_client_feed(c, &ev, &used, in + off, len - off);
        assert_true(used <= len - off);
        off += used;
        if (rc == RL_EINVAL) {
            assert_int_equal(smtp_client_state(c), SMTP_C_CLOSED);
            assert_int_equal(used, 0);
            return;
        }
        if (rc == RL_EAGAIN) {
            assert_int_equal(off, len);
            return;
        }
        assert_int_equal(rc, 0);
        log_event(c, r, &ev);
    }
}

static void
write_out(struct smtp_client *c, struct run *r, size_t max)
{
    size_t n;
    const uint8_t *p = smtp_client_output(c, &n);
    if (n > max) {
        n = max;
    }
    put_out(r, p, n);
    smtp_client_consume(c, n);
}

static void
caps_string(const struct smtp_client_caps *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s%s%s%s", k->pipelining ? "PIPELINING " : "",
             k->eightbitmime ? "8BITMIME " : "", k->smtputf8 ? "SMTPUTF8 " : "",
             k->chunking ? "CHUNKING " : "", k->starttls ? "STARTTLS " : "",
             k->enhanced ? "ENHANCEDSTATUSCODES " : "");
    size_t l = strlen(buf);
    if (k->has_size) {
        snprintf(buf + l, cap - l, "SIZE=%llu", (unsigned long long)k->size);
    } else if (l > 0) {
        buf[l - 1] = '\0';
    }
}

static void
test_limits(struct smtp_client_limits *lim)
{
    smtp_client_limits_default(lim);
    lim->greeting_ms = T_GREETING;
    lim->command_ms = T_COMMAND;
    lim->data_init_ms = T_DATA_INIT;
    lim->data_block_ms = T_DATA_BLOCK;
    lim->data_term_ms = T_DATA_TERM;
    lim->max_reply_line = 512;
    lim->out_cap = 2048;
}

static void
client_new(struct smtp_client *c)
{
    static uint8_t mem[512 + 2048];
    struct smtp_client_limits lim;
    test_limits(&lim);
    assert_int_equal(smtp_client_mem_size(&lim), sizeof(mem));
    assert_int_equal(smtp_client_init(c, &lim, "client.test", mem, sizeof(mem)), 0);
    assert_int_equal(smtp_client_state(c), SMTP_C_INIT);
}

/* do_step runs one step; `split` cuts a SRV step's octets at `cut`,
 * `bytewise` feeds them one by one. Returns the call's rc. */
static int
do_step(struct smtp_client *c, struct run *r, const struct step *st, bool split, size_t cut,
        bool bytewise)
{
    const uint8_t *s = (const uint8_t *)st->s;
    size_t len = st->s != NULL ? strlen(st->s) : 0;
    struct smtp_client_event ev;
    static uint8_t body[1 << 13];
    char caps[256];
    int rc = 0;
    switch (st->op) {
    case SRV:
        if (bytewise) {
            for (size_t i = 0; i < len; i++) {
                feed_all(c, r, s + i, 1);
            }
        } else if (split) {
            /* No write between the two parts: a segment boundary is not a
             * moment the client chose to send. */
            feed_all(c, r, s, cut);
            feed_all(c, r, s + cut, len - cut);
        } else {
            feed_all(c, r, s, len);
        }
        break;
    case MAIL:
        rc = smtp_client_mail(c, s, len, st->n, (st->flags & F_8BIT) != 0,
                              (st->flags & F_UTF8) != 0);
        break;
    case RCPT:
        rc = smtp_client_rcpt(c, s, len);
        break;
    case DATA:
        rc = smtp_client_data(c);
        break;
    case BODY: {
        struct smtp_dotstuff d;
        smtp_dotstuff_init(&d);
        assert_true(2 * len + 5 <= sizeof(body));
        size_t n = smtp_dotstuff_run(&d, body, sizeof(body), s, len);
        n += smtp_dotstuff_end(&d, body + n, sizeof(body) - n);
        put_out(r, body, n);
        smtp_client_body_progress(c);
        rc = smtp_client_body_sent(c);
        break;
    }
    case SENT:
        rc = smtp_client_body_sent(c);
        break;
    case RSET:
        rc = smtp_client_rset(c);
        break;
    case QUIT:
        rc = smtp_client_quit(c);
        break;
    case TICK:
        if (smtp_client_tick(c, &ev, st->n) == 0) {
            log_event(c, r, &ev);
        } else {
            assert_int_equal(ev.type, SMTP_CEV_NONE);
        }
        break;
    case PROGRESS:
        smtp_client_body_progress(c);
        break;
    case STATE:
        assert_int_equal(smtp_client_state(c), st->n);
        break;
    case CAPS:
        caps_string(smtp_client_caps_get(c), caps, sizeof(caps));
        assert_string_equal(caps, st->s);
        break;
    case WRITE:
        write_out(c, r, st->n);
        break;
    case STARTTLS:
        rc = smtp_client_starttls(c);
        break;
    case TLSUP:
        rc = smtp_client_tls_started(c);
        break;
    default:
        fail_msg("bad op %d", (int)st->op);
    }
    if (st->op != WRITE && (st->flags & F_HOLD) == 0) {
        write_out(c, r, SIZE_MAX);
    }
    return rc;
}

/* run_case replays `tc`, cutting step `split_at` at `cut` (or none when
 * split_at is SIZE_MAX), or byte by byte. */
static void
run_case(const struct tcase *tc, size_t split_at, size_t cut, bool bytewise)
{
    static struct run r;
    struct smtp_client c;
    client_new(&c);
    for (size_t k = 0; tc->steps[k].op != END; k++) {
        const struct step *st = &tc->steps[k];
        memset(&r, 0, sizeof(r));
        int rc = do_step(&c, &r, st, k == split_at, cut, bytewise);
        const char *want_out = st->out != NULL ? st->out : "";
        const char *want_ev = st->ev != NULL ? st->ev : "";
        if (rc != st->rc || strcmp(r.out, want_out) != 0 || strcmp(r.ev, want_ev) != 0) {
            fprintf(stderr,
                    "case \"%s\" step %zu (cut %zu%s): rc %d want %d\n got out: %s\nwant out: "
                    "%s\n got ev: %s\nwant ev: %s\n",
                    tc->name, k, k == split_at ? cut : SIZE_MAX, bytewise ? ", bytewise" : "", rc,
                    st->rc, r.out, want_out, r.ev, want_ev);
            fail();
        }
    }
}

static void
run_cases(const struct tcase *cases, size_t n_cases)
{
    for (size_t i = 0; i < n_cases; i++) {
        const struct tcase *tc = &cases[i];
        run_case(tc, SIZE_MAX, 0, false);
        run_case(tc, SIZE_MAX, 0, true);
        for (size_t k = 0; tc->steps[k].op != END; k++) {
            if (tc->steps[k].op != SRV) {
                continue;
            }
            size_t len = strlen(tc->steps[k].s);
            for (size_t cut = 0; cut <= len; cut++) {
                run_case(tc, k, cut, false);
            }
        }
    }
}

/* ---- Positive transcripts ---- */

static const struct tcase good_cases[] = {
    {"pipelined transaction, dot-stuffed body, QUIT",
     (const struct step[]){
         OPEN_FULL,
         {.op = CAPS, .s = CAPS_FULL},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = MAIL,
          .s = "a@x.test",
          .n = 1234,
          .flags = F_8BIT,
          .out = "MAIL FROM:<a@x.test> SIZE=1234 BODY=8BITMIME\r\n"},
         {.op = STATE, .n = SMTP_C_TXN},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = RCPT, .s = "c@y.test", .out = "RCPT TO:<c@y.test>\r\n"},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = SRV,
          .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
               "550 5.1.1 <c@y.test>: Recipient address rejected: User unknown\r\n" R_354,
          .ev = EV_MAIL_OK EV_RCPT_OK
          "REPLY RCPT 550 5.1.1 [<c@y.test>: Recipient address rejected: User unknown] " EV_354},
         {.op = STATE, .n = SMTP_C_BODY},
         {.op = BODY,
          .s = "Subject: x\r\n\r\n.hidden\r\n..two\r\nend",
          .out = "Subject: x\r\n\r\n..hidden\r\n...two\r\nend\r\n.\r\n"},
         {.op = STATE, .n = SMTP_C_DOT},
         {.op = SRV, .s = R_QUEUED, .ev = EV_QUEUED},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = QUIT, .out = "QUIT\r\n"},
         {.op = STATE, .n = SMTP_C_QUIT},
         {.op = SRV, .s = R_BYE, .ev = EV_BYE},
         {.op = STATE, .n = SMTP_C_CLOSED},
         {.op = END}}},
    {"no PIPELINING: one command at a time, two messages, RSET",
     (const struct step[]){
         OPEN_PLAIN,
         {.op = CAPS, .s = "8BITMIME SIZE=1000"},
         {.op = MAIL,
          .s = "a@x.test",
          .n = 100,
          .flags = F_8BIT | F_UTF8,
          .out = "MAIL FROM:<a@x.test> SIZE=100 BODY=8BITMIME\r\n"},
         {.op = RCPT, .s = "b@y.test", .rc = RL_EAGAIN},
         {.op = DATA, .rc = RL_EAGAIN},
         {.op = RSET, .rc = RL_EAGAIN},
         {.op = QUIT, .rc = RL_EAGAIN},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n", .ev = EV_MAIL_OK},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = RCPT, .s = "c@y.test", .rc = RL_EAGAIN},
         {.op = SRV, .s = "250 2.1.5 Ok\r\n", .ev = EV_RCPT_OK},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = SRV, .s = "354 go ahead\r\n", .ev = "REPLY DATA 354 - [go ahead] "},
         {.op = BODY, .s = "", .out = ".\r\n"},
         {.op = SRV, .s = R_QUEUED, .ev = EV_QUEUED},
         {.op = MAIL, .s = "", .out = "MAIL FROM:<>\r\n"},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n", .ev = EV_MAIL_OK},
         {.op = RSET, .out = "RSET\r\n"},
         {.op = STATE, .n = SMTP_C_TXN},
         {.op = SRV, .s = "250 2.0.0 Ok\r\n", .ev = "REPLY RSET 250 2.0.0 [Ok] "},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = QUIT, .out = "QUIT\r\n"},
         {.op = SRV, .s = R_BYE, .ev = EV_BYE},
         {.op = END}}},
    {"HELO after a 5xx to EHLO: no extensions, no parameters",
     (const struct step[]){
         {.op = SRV, .s = "220 old.test SMTP\r\n", .out = C_EHLO},
         {.op = SRV, .s = "500 5.5.1 Command unrecognized: \"EHLO\"\r\n", .out = C_HELO},
         {.op = STATE, .n = SMTP_C_HELO},
         {.op = SRV, .s = "250 old.test\r\n", .ev = "READY HELO 250 - [old.test] "},
         {.op = CAPS, .s = ""},
         {.op = MAIL, .s = "a@x.test", .n = 5000, .flags = F_8BIT | F_UTF8, .out = C_MAIL},
         {.op = RCPT, .s = "b@y.test", .rc = RL_EAGAIN},
         {.op = END}}},
    {"multi-line greeting and replies, keywords in any case, SIZE without a number",
     (const struct step[]){
         {.op = SRV, .s = "220-mx.test ESMTP\r\n220-no UCE\r\n220 welcome\r\n", .out = C_EHLO},
         {.op = SRV,
          .s = "250-mx.test Hello client.test [192.0.2.1]\r\n250-pipelining\r\n250-Size\r\n"
               "250-8bitmime\r\n250-SmtpUtf8\r\n250-AUTH PLAIN LOGIN\r\n250-X-FOO\r\n250-\r\n"
               "250 DSN\r\n",
          .ev = "READY EHLO 250 - [DSN] "},
         {.op = CAPS, .s = "PIPELINING 8BITMIME SMTPUTF8 SIZE=0"},
         {.op = MAIL,
          .s = "j\xc3\xb6rg@b\xc3\xbc"
               "cher.test",
          .n = 5,
          .flags = F_UTF8,
          .out = "MAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
                 "cher.test> SIZE=5 SMTPUTF8\r\n"},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = SRV,
          .s = "250-2.1.0 first line\r\n250 2.1.0 Sender ok\r\n"
               "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
               "550 5.1.1 Please try again.\r\n",
          .ev = "REPLY MAIL 250 2.1.0 [Sender ok] REPLY RCPT 550 5.1.1 [Please try again.] "},
         {.op = RSET, .out = "RSET\r\n"},
         {.op = SRV, .s = "250\r\n", .ev = "REPLY RSET 250 - [] "},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = END}}},
    {"enhanced codes: only RFC 3463 syntax of the reply's class",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = RCPT, .s = "b1", .out = "RCPT TO:<b1>\r\n"},
         {.op = RCPT, .s = "b2", .out = "RCPT TO:<b2>\r\n"},
         {.op = RCPT, .s = "b3", .out = "RCPT TO:<b3>\r\n"},
         {.op = RCPT, .s = "b4", .out = "RCPT TO:<b4>\r\n"},
         {.op = RCPT, .s = "b5", .out = "RCPT TO:<b5>\r\n"},
         {.op = RCPT, .s = "b6", .out = "RCPT TO:<b6>\r\n"},
         {.op = SRV,
          .s = "250 Ok\r\n250 4.1.5 wrong class\r\n550 5.1.1234 long detail\r\n451 4.3.0\r\n"
               "553 5.1.3\tx\r\n452 4.5.3   Too many recipients \r\n"
               "250 2.999.999 max\r\n",
          .ev = "REPLY MAIL 250 - [Ok] REPLY RCPT 250 - [4.1.5 wrong class] "
                "REPLY RCPT 550 - [5.1.1234 long detail] REPLY RCPT 451 4.3.0 [] "
                "REPLY RCPT 553 - [5.1.3\tx] REPLY RCPT 452 4.5.3 [Too many recipients ] "
                "REPLY RCPT 250 2.999.999 [max] "},
         {.op = END}}},
    {"refused DATA leaves the transaction open for RSET",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = SRV,
          .s = "250 2.1.0 Ok\r\n554 5.7.1 <b@y.test>: Relay access denied\r\n"
               "554 5.5.1 Error: no valid recipients\r\n",
          .ev = EV_MAIL_OK "REPLY RCPT 554 5.7.1 [<b@y.test>: Relay access denied] "
                           "REPLY DATA 554 5.5.1 [Error: no valid recipients] "},
         {.op = STATE, .n = SMTP_C_TXN},
         {.op = RSET, .out = "RSET\r\n"},
         {.op = QUIT, .out = "QUIT\r\n"},
         {.op = SRV, .s = "250 2.0.0 Ok\r\n" R_BYE, .ev = "REPLY RSET 250 2.0.0 [Ok] " EV_BYE},
         {.op = END}}},
    {"message refused at the dot; the connection is reused",
     (const struct step[]){OPEN_FULL,
                           TX_FULL,
                           {.op = BODY, .s = "x\r\n", .out = "x\r\n.\r\n"},
                           {.op = SRV,
                            .s = "554 5.7.1 Message rejected\r\n",
                            .ev = "REPLY DOT 554 5.7.1 [Message rejected] "},
                           {.op = STATE, .n = SMTP_C_READY},
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = END}}},
    {"partial writes: a reply counts once its command is out",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .flags = F_HOLD},
                           {.op = RCPT, .s = "b@y.test", .flags = F_HOLD},
                           {.op = WRITE, .n = 5, .out = "MAIL "},
                           {.op = WRITE, .n = 17, .out = "FROM:<a@x.test>\r\n"},
                           {.op = SRV, .s = "250 2.1.0 Ok\r\n", .flags = F_HOLD, .ev = EV_MAIL_OK},
                           {.op = WRITE, .n = 100, .out = C_RCPT},
                           {.op = SRV, .s = "250 2.1.5 Ok\r\n", .ev = EV_RCPT_OK},
                           {.op = END}}},
    {"QUIT pipelined after RSET; replies to earlier commands still come",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = RSET, .out = "RSET\r\n"},
                           {.op = RCPT, .s = "b@y.test", .rc = RL_EINVAL},
                           {.op = DATA, .rc = RL_EINVAL},
                           {.op = RSET, .rc = RL_EINVAL},
                           {.op = QUIT, .out = "QUIT\r\n"},
                           {.op = SRV,
                            .s = "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n",
                            .ev = EV_MAIL_OK "REPLY RSET 250 2.0.0 [Ok] " EV_BYE},
                           {.op = END}}},
    {"timeouts are per command, armed at the first tick after it is awaited",
     (const struct step[]){
         {.op = TICK, .n = 1000},
         {.op = TICK, .n = 1000 + T_GREETING - 1},
         {.op = SRV, .s = GREET, .out = C_EHLO},
         {.op = TICK, .n = 5000},
         {.op = TICK, .n = 5000 + T_COMMAND - 1},
         {.op = SRV, .s = EHLO_FULL, .ev = EV_READY_FULL},
         {.op = TICK, .n = 100000}, /* nothing awaited: no timeout */
         {.op = TICK, .n = 900000},
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = TICK, .n = 1000000},
         {.op = TICK, .n = 1000000 + T_COMMAND - 1},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", .ev = EV_MAIL_OK EV_RCPT_OK},
         {.op = TICK, .n = 1000500},
         {.op = TICK, .n = 1000500 + T_DATA_INIT - 1},
         {.op = SRV, .s = R_354, .ev = EV_354},
         {.op = TICK, .n = 2000000},
         {.op = TICK, .n = 2000000 + T_DATA_BLOCK - 1},
         {.op = PROGRESS},
         {.op = TICK, .n = 2000000 + T_DATA_BLOCK},
         {.op = TICK, .n = 2000000 + 2 * T_DATA_BLOCK - 1},
         {.op = BODY, .s = "x\r\n", .out = "x\r\n.\r\n"},
         {.op = TICK, .n = 3000000},
         {.op = TICK, .n = 3000000 + T_DATA_TERM - 1},
         {.op = SRV, .s = R_QUEUED, .ev = EV_QUEUED},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = END}}},
    {"STARTTLS, then EHLO again inside: what was offered in clear is forgotten (RFC 3207 4.2)",
     (const struct step[]){OPEN_FULL,
                           {.op = STARTTLS, .out = "STARTTLS\r\n"},
                           {.op = STATE, .n = SMTP_C_STARTTLS},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = SRV,
                            .s = "220 2.0.0 Ready to start TLS\r\n",
                            .ev = "REPLY STARTTLS 220 2.0.0 [Ready to start TLS] "},
                           {.op = STATE, .n = SMTP_C_TLS},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = TLSUP, .out = C_EHLO},
                           {.op = CAPS, .s = ""},
                           {.op = SRV, .s = EHLO_PLAIN, .ev = EV_READY_PLAIN},
                           {.op = CAPS, .s = "8BITMIME SIZE=1000"},
                           {.op = STARTTLS, .rc = RL_EINVAL},
                           {.op = TLSUP, .rc = RL_EINVAL},
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = END}}},
    {"STARTTLS refused with 454: READY again, the caller may go on in clear",
     (const struct step[]){OPEN_FULL,
                           {.op = STARTTLS, .out = "STARTTLS\r\n"},
                           {.op = SRV,
                            .s = "454 4.7.0 TLS not available due to temporary reason\r\n",
                            .ev = "REPLY STARTTLS 454 4.7.0 [TLS not available due to temporary "
                                  "reason] "},
                           {.op = STATE, .n = SMTP_C_READY},
                           {.op = TLSUP, .rc = RL_EINVAL},
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = END}}},
};

static void
test_good(void **state)
{
    (void)state;
    run_cases(good_cases, N(good_cases));
}

/* ---- Negative transcripts ---- */

static const struct tcase bad_cases[] = {
    {"a reply in clear right after the 220 to STARTTLS fails the session (response injection)",
     (const struct step[]){OPEN_FULL,
                           {.op = STARTTLS, .out = "STARTTLS\r\n"},
                           {.op = SRV,
                            .s = "220 Go ahead\r\n250 2.1.0 Ok\r\n",
                            .ev =
                                "REPLY STARTTLS 220 - [Go ahead] FAIL/EIO STARTTLS 0 - [octets in "
                                "clear after the 220 to STARTTLS] "},
                           {.op = TLSUP, .rc = RL_EINVAL},
                           {.op = END}}},
    {"STARTTLS not offered: refused before anything is sent",
     (const struct step[]){OPEN_PLAIN, {.op = STARTTLS, .rc = RL_EINVAL}, {.op = END}}},
    {"STARTTLS answered with 354: out of step",
     (const struct step[]){OPEN_FULL,
                           {.op = STARTTLS, .out = "STARTTLS\r\n"},
                           {.op = SRV, .s = "354 go\r\n", .ev = EV_CLASS("STARTTLS")},
                           {.op = END}}},
    {"greeting 554: FAIL with the reply, QUIT queued (RFC 5321 3.1)",
     (const struct step[]){{.op = SRV,
                            .s = "554 5.7.1 No SMTP service here\r\n",
                            .out = "QUIT\r\n",
                            .ev = "FAIL/OK GREETING 554 5.7.1 [No SMTP service here] "},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SRV, .s = "221 Bye\r\n"},
                           {.op = END}}},
    {"greeting 450: FAIL, QUIT queued",
     (const struct step[]){{.op = SRV,
                            .s = "450-4.7.1 busy\r\n450 4.7.1 come back later\r\n",
                            .out = "QUIT\r\n",
                            .ev = "FAIL/OK GREETING 450 4.7.1 [come back later] "},
                           {.op = END}}},
    {"greeting 421: FAIL, no QUIT",
     (const struct step[]){{.op = SRV,
                            .s = "421 4.3.2 mx.test Service shutting down\r\n",
                            .ev = "FAIL/OK GREETING 421 4.3.2 [mx.test Service shutting down] "},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = END}}},
    {"greeting 354 is out of step",
     (const struct step[]){{.op = SRV, .s = "354 go\r\n", .ev = EV_CLASS("GREETING")},
                           {.op = END}}},
    {"EHLO 4xx: FAIL, QUIT queued",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "451 4.3.0 Try again later\r\n",
                            .out = "QUIT\r\n",
                            .ev = "FAIL/OK EHLO 451 4.3.0 [Try again later] "},
                           {.op = END}}},
    {"EHLO 5xx then HELO 5xx: FAIL, QUIT queued",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV, .s = "502 5.5.2 no\r\n", .out = C_HELO},
                           {.op = SRV,
                            .s = "550 5.7.1 go away\r\n",
                            .out = "QUIT\r\n",
                            .ev = "FAIL/OK HELO 550 5.7.1 [go away] "},
                           {.op = END}}},
    {"EHLO 421: FAIL, no QUIT, no HELO",
     (const struct step[]){
         {.op = SRV, .s = GREET, .out = C_EHLO},
         {.op = SRV, .s = "421 4.7.0 bye\r\n", .ev = "FAIL/OK EHLO 421 4.7.0 [bye] "},
         {.op = END}}},
    {"mixed codes in a multi-line reply",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "250-mx.test\r\n251 PIPELINING\r\n",
                            .ev = "FAIL/EIO EHLO 0 - [reply codes differ between the lines of "
                                  "one reply] "},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = END}}},
    {"a 421 mid-transaction: no QUIT, queued commands dropped",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = RCPT, .s = "c@y.test", .flags = F_HOLD},
         {.op = SRV,
          .s = "250 2.1.0 Ok\r\n421 4.3.2 Service shutting down\r\n250 2.1.5 Ok\r\n",
          .ev = EV_MAIL_OK "FAIL/OK RCPT 421 4.3.2 [Service shutting down] "},
         {.op = STATE, .n = SMTP_C_CLOSED},
         {.op = RCPT, .s = "b@y.test", .rc = RL_EINVAL},
         {.op = END}}},
    {"a 421 while the body is written",
     (const struct step[]){OPEN_FULL,
                           TX_FULL,
                           {.op = SRV,
                            .s = "421 4.4.2 mx.test Error: timeout exceeded\r\n",
                            .ev = "FAIL/OK NONE 421 4.4.2 [mx.test Error: timeout exceeded] "},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = END}}},
    {"an unasked multi-line 421 on an idle connection",
     (const struct step[]){OPEN_FULL,
                           {.op = SRV,
                            .s = "421-4.4.2 idle\r\n421 4.4.2 closing\r\n",
                            .ev = "FAIL/OK NONE 421 4.4.2 [closing] "},
                           {.op = END}}},
    {"unsolicited: octets after the greeting in the same flight (pregreet)",
     (const struct step[]){{.op = SRV, .s = GREET "250 mx.test\r\n", .ev = EV_UNSOLICITED},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = END}}},
    {"unsolicited: a reply on an idle connection",
     (const struct step[]){
         OPEN_FULL, {.op = SRV, .s = "250 ok\r\n", .ev = EV_UNSOLICITED}, {.op = END}}},
    {"unsolicited: the first line of a multi-line reply fails at once",
     (const struct step[]){
         OPEN_FULL, {.op = SRV, .s = "250-mx.test\r\n", .ev = EV_UNSOLICITED}, {.op = END}}},
    {"unsolicited: a reply while the body is written",
     (const struct step[]){
         OPEN_FULL, TX_FULL, {.op = SRV, .s = "250 ok\r\n", .ev = EV_UNSOLICITED}, {.op = END}}},
    {"unsolicited: a reply to a command not written yet",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .flags = F_HOLD},
                           {.op = SRV, .s = "250 2.1.0 Ok\r\n", .ev = EV_UNSOLICITED},
                           {.op = END}}},
    {"unsolicited: a reply to a command written only in part",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .flags = F_HOLD},
                           {.op = WRITE, .n = 21, .out = "MAIL FROM:<a@x.test>\r"},
                           {.op = SRV, .s = "250 2.1.0 Ok\r\n", .ev = EV_UNSOLICITED},
                           {.op = END}}},
    {"unsolicited: more replies than commands",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", .ev = EV_MAIL_OK EV_UNSOLICITED},
         {.op = END}}},
    {"bare LF, bare CR and control characters in replies",
     (const struct step[]){{.op = SRV, .s = "220 mx.test\n", .ev = EV_MALFORMED("GREETING")},
                           {.op = END}}},
    {"bare CR inside a reply line",
     (const struct step[]){{.op = SRV, .s = "220 mx\r.test\r\n", .ev = EV_MALFORMED("GREETING")},
                           {.op = END}}},
    {"control character in reply text",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "250-mx.test\r\n250 PIPE\x01LINING\r\n",
                            .ev = "FAIL/EIO EHLO 0 - [control character in reply text] "},
                           {.op = END}}},
    {"DEL in reply text",
     (const struct step[]){{.op = SRV,
                            .s = "220 mx\x7f\r\n",
                            .ev = "FAIL/EIO GREETING 0 - [control character in reply text] "},
                           {.op = END}}},
    {"3xx to MAIL is out of step",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = SRV, .s = "354 go\r\n", .ev = EV_CLASS("MAIL")},
                           {.op = END}}},
    {"2xx to DATA is out of step",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n", .ev = EV_MAIL_OK EV_CLASS("DATA")},
         {.op = END}}},
    {"3xx to the final dot is out of step",
     (const struct step[]){OPEN_FULL,
                           TX_FULL,
                           {.op = BODY, .s = "x\r\n", .out = "x\r\n.\r\n"},
                           {.op = SRV, .s = "354 again\r\n", .ev = EV_CLASS("DOT")},
                           {.op = END}}},
    {"refused RSET: FAIL, QUIT queued",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = RSET, .out = "RSET\r\n"},
                           {.op = SRV,
                            .s = "250 2.1.0 Ok\r\n500 5.5.1 what\r\n",
                            .out = "QUIT\r\n",
                            .ev = EV_MAIL_OK "FAIL/OK RSET 500 5.5.1 [what] "},
                           {.op = END}}},
    {"timeout awaiting the greeting",
     (const struct step[]){{.op = TICK, .n = 7},
                           {.op = TICK, .n = 7 + T_GREETING - 1},
                           {.op = TICK,
                            .n = 7 + T_GREETING,
                            .ev = "FAIL/ELIMIT GREETING 0 - [timeout awaiting the reply] "},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = TICK, .n = 99999},
                           {.op = SRV, .s = GREET},
                           {.op = END}}},
    {"timeout awaiting EHLO's reply, in the middle of a multi-line reply",
     (const struct step[]){
         {.op = SRV, .s = GREET, .out = C_EHLO},
         {.op = TICK, .n = 0},
         {.op = SRV, .s = "250-mx.test\r\n250-PIPELINING\r\n"},
         {.op = TICK, .n = T_COMMAND - 1},
         {.op = SRV, .s = "250-SIZE 1\r\n"},
         {.op = TICK, .n = T_COMMAND, .ev = "FAIL/ELIMIT EHLO 0 - [timeout awaiting the reply] "},
         {.op = END}}},
    {"timeout awaiting the second of two pipelined replies",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
                           {.op = TICK, .n = 10},
                           {.op = SRV, .s = "250 2.1.0 Ok\r\n", .ev = EV_MAIL_OK},
                           {.op = TICK, .n = 10 + T_COMMAND},
                           {.op = TICK, .n = 10 + 2 * T_COMMAND - 1},
                           {.op = TICK,
                            .n = 10 + 2 * T_COMMAND,
                            .ev = "FAIL/ELIMIT RCPT 0 - [timeout awaiting the reply] "},
                           {.op = STATE, .n = SMTP_C_CLOSED},
                           {.op = END}}},
    {"timeout awaiting DATA's reply",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = DATA, .out = "DATA\r\n"},
         {.op = SRV, .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", .ev = EV_MAIL_OK EV_RCPT_OK},
         {.op = TICK, .n = 0},
         {.op = TICK, .n = T_DATA_INIT - 1},
         {.op = TICK, .n = T_DATA_INIT, .ev = "FAIL/ELIMIT DATA 0 - [timeout awaiting the reply] "},
         {.op = END}}},
    {"timeout writing the body",
     (const struct step[]){OPEN_FULL,
                           TX_FULL,
                           {.op = TICK, .n = 0},
                           {.op = TICK, .n = T_DATA_BLOCK - 1},
                           {.op = TICK,
                            .n = T_DATA_BLOCK,
                            .ev = "FAIL/ELIMIT DATA 0 - [timeout writing the message body] "},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = END}}},
    {"timeout awaiting the reply to the final dot",
     (const struct step[]){
         OPEN_FULL,
         TX_FULL,
         {.op = BODY, .s = "x", .out = "x\r\n.\r\n"},
         {.op = TICK, .n = 0},
         {.op = TICK, .n = T_DATA_TERM - 1},
         {.op = TICK, .n = T_DATA_TERM, .ev = "FAIL/ELIMIT DOT 0 - [timeout awaiting the reply] "},
         {.op = END}}},
    {"timeout awaiting the reply to QUIT",
     (const struct step[]){
         OPEN_FULL,
         {.op = QUIT, .out = "QUIT\r\n"},
         {.op = TICK, .n = 0},
         {.op = TICK, .n = T_COMMAND, .ev = "FAIL/ELIMIT QUIT 0 - [timeout awaiting the reply] "},
         {.op = END}}},
    {"commands in the wrong state: before the greeting and during EHLO",
     (const struct step[]){{.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = RCPT, .s = "b@y.test", .rc = RL_EINVAL},
                           {.op = DATA, .rc = RL_EINVAL},
                           {.op = RSET, .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SRV, .s = EHLO_FULL, .ev = EV_READY_FULL},
                           {.op = RCPT, .s = "b@y.test", .rc = RL_EINVAL},
                           {.op = DATA, .rc = RL_EINVAL},
                           {.op = RSET, .rc = RL_EINVAL},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = END}}},
    {"commands in the wrong state: after DATA, in BODY and DOT, after QUIT",
     (const struct step[]){OPEN_FULL,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
                           {.op = DATA, .out = "DATA\r\n"},
                           /* RFC 2920 3.1: nothing after DATA until its reply. */
                           {.op = RCPT, .s = "c@y.test", .rc = RL_EAGAIN},
                           {.op = DATA, .rc = RL_EAGAIN},
                           {.op = RSET, .rc = RL_EAGAIN},
                           {.op = QUIT, .rc = RL_EAGAIN},
                           {.op = SRV,
                            .s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" R_354,
                            .ev = EV_MAIL_OK EV_RCPT_OK EV_354},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = RCPT, .s = "c@y.test", .rc = RL_EINVAL},
                           {.op = DATA, .rc = RL_EINVAL},
                           {.op = RSET, .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SENT},
                           {.op = SENT, .rc = RL_EINVAL},
                           {.op = RSET, .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SRV, .s = R_QUEUED, .ev = EV_QUEUED},
                           {.op = QUIT, .out = "QUIT\r\n"},
                           {.op = MAIL, .s = "a@x.test", .rc = RL_EINVAL},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = SRV, .s = R_BYE "250 late\r\n", .ev = EV_BYE},
                           {.op = QUIT, .rc = RL_EINVAL},
                           {.op = END}}},
    {"CR, LF, NUL-free control characters and angle brackets in addresses",
     (const struct step[]){
         OPEN_FULL,
         {.op = MAIL, .s = "a@x.test>\r\nRCPT TO:<evil@y.test", .rc = RL_EINVAL},
         {.op = MAIL, .s = "a@x.test\nRSET", .rc = RL_EINVAL},
         {.op = MAIL, .s = "a@x.test\r", .rc = RL_EINVAL},
         {.op = MAIL, .s = "<a@x.test>", .rc = RL_EINVAL},
         {.op = MAIL, .s = "a\t@x.test", .rc = RL_EINVAL},
         {.op = MAIL, .s = "a\x7f@x.test", .rc = RL_EINVAL},
         {.op = STATE, .n = SMTP_C_READY},
         {.op = MAIL, .s = "\"a b\"@x.test", .out = "MAIL FROM:<\"a b\"@x.test>\r\n"},
         {.op = RCPT, .s = "", .rc = RL_EINVAL},
         {.op = RCPT, .s = "b@y.test>", .rc = RL_EINVAL},
         {.op = RCPT, .s = "<b@y.test", .rc = RL_EINVAL},
         {.op = RCPT, .s = "b@y.test\r\nDATA", .rc = RL_EINVAL},
         {.op = RCPT, .s = "b@y.test\x1b", .rc = RL_EINVAL},
         {.op = RCPT, .s = "b@y.test", .out = C_RCPT},
         {.op = END}}},
    {"no PIPELINING: RL_EAGAIN while a reply is awaited, also for RSET and QUIT",
     (const struct step[]){OPEN_PLAIN,
                           {.op = MAIL, .s = "a@x.test", .out = C_MAIL},
                           {.op = RCPT, .s = "b@y.test", .rc = RL_EAGAIN},
                           {.op = DATA, .rc = RL_EAGAIN},
                           {.op = RSET, .rc = RL_EAGAIN},
                           {.op = QUIT, .rc = RL_EAGAIN},
                           {.op = SRV,
                            .s = "550 5.7.1 sender rejected\r\n",
                            .ev = "REPLY MAIL 550 5.7.1 [sender rejected] "},
                           {.op = STATE, .n = SMTP_C_TXN},
                           {.op = RSET, .out = "RSET\r\n"},
                           {.op = QUIT, .rc = RL_EAGAIN},
                           {.op = END}}},
    {"SIZE advertised with a value that does not parse",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "250-mx.test\r\n250 SIZE 99999999999999999999999\r\n",
                            .ev = "READY EHLO 250 - [SIZE 99999999999999999999999] "},
                           {.op = CAPS, .s = "SIZE=0"},
                           {.op = END}}},
    {"SIZE advertised with garbage after the number",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "250-mx.test\r\n250-SIZE 12x\r\n250 8BITMIME\r\n",
                            .ev = "READY EHLO 250 - [8BITMIME] "},
                           {.op = CAPS, .s = "8BITMIME SIZE=0"},
                           {.op = END}}},
    {"the first EHLO line is the server's name, never a keyword",
     (const struct step[]){{.op = SRV, .s = GREET, .out = C_EHLO},
                           {.op = SRV,
                            .s = "250-PIPELINING\r\n250 8BITMIME\r\n",
                            .ev = "READY EHLO 250 - [8BITMIME] "},
                           {.op = CAPS, .s = "8BITMIME"},
                           {.op = END}}},
    {"keywords only count after the first EHLO line and on a 2xx",
     (const struct step[]){
         {.op = SRV, .s = GREET, .out = C_EHLO},
         {.op = SRV, .s = "550-PIPELINING\r\n550 8BITMIME\r\n", .out = C_HELO},
         {.op = CAPS, .s = ""},
         {.op = SRV, .s = "250 PIPELINING\r\n", .ev = "READY HELO 250 - [PIPELINING] "},
         {.op = CAPS, .s = ""},
         {.op = END}}},
};

static void
test_bad(void **state)
{
    (void)state;
    run_cases(bad_cases, N(bad_cases));
}

/* Reply lines that are not RFC 5321 4.2 syntax, each as the answer to EHLO. */
static void
test_bad_codes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "099 x\r\n",  "199 x\r\n", "600 x\r\n",  "260 x\r\n", "25 x\r\n",   "2500 x\r\n",
        "250x\r\n",   "abc\r\n",   "\r\n",       "25\r\n",    "250_ok\r\n", " 250 ok\r\n",
        "2a0 ok\r\n", "250\n",     "250 ok\n\n", "250\r\r\n", "250-\n",
    };
    for (size_t i = 0; i < N(bad); i++) {
        const struct step steps[] = {
            {.op = SRV, .s = GREET, .out = C_EHLO},
            {.op = SRV, .s = bad[i], .ev = EV_MALFORMED("EHLO")},
            {.op = STATE, .n = SMTP_C_CLOSED},
            {.op = END},
        };
        struct tcase tc = {bad[i], steps};
        run_cases(&tc, 1);
    }
}

/* RFC 5321 4.5.3.1.5: with a 512-octet limit, a 512-octet line is taken and
 * a 513-octet one fails, also when no LF ever comes. */
static void
test_line_limit(void **state)
{
    (void)state;
    static char ok[1024];
    static char bad[1024];
    char pad[600];
    memset(pad, 'x', sizeof(pad));
    snprintf(ok, sizeof(ok), "250-mx.test\r\n250-%.506s\r\n250 PIPELINING\r\n", pad);
    assert_int_equal(strlen(ok), 13 + 512 + 16);
    snprintf(bad, sizeof(bad), "250-mx.test\r\n250-%.507s\r\n250 PIPELINING\r\n", pad);
    const struct step good_steps[] = {
        {.op = SRV, .s = GREET, .out = C_EHLO},
        {.op = SRV, .s = ok, .ev = "READY EHLO 250 - [PIPELINING] "},
        {.op = CAPS, .s = "PIPELINING"},
        {.op = END},
    };
    const struct step bad_steps[] = {
        {.op = SRV, .s = GREET, .out = C_EHLO},
        {.op = SRV, .s = bad, .ev = "FAIL/EIO EHLO 0 - [reply line too long] "},
        {.op = END},
    };
    struct tcase cases[] = {{"512-octet reply line", good_steps},
                            {"513-octet reply line", bad_steps}};
    run_cases(cases, N(cases));

    /* 100,000 octets without LF: fails after 512, the rest is refused. */
    static struct run r;
    static char big[100000];
    struct smtp_client c;
    struct smtp_client_event ev;
    size_t used;
    memset(&r, 0, sizeof(r));
    memset(big, 'a', sizeof(big));
    client_new(&c);
    size_t off = 0;
    int rc = RL_EAGAIN;
    while (off < sizeof(big) && rc == RL_EAGAIN) {
        size_t k = sizeof(big) - off < 100 ? sizeof(big) - off : 100;
        rc = smtp_client_feed(&c, &ev, &used, (const uint8_t *)big + off, k);
        off += used;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(ev.type, SMTP_CEV_FAIL);
    assert_int_equal(ev.err, RL_EIO);
    assert_true(off > 512 && off <= 600);
    assert_int_equal(smtp_client_feed(&c, &ev, &used, (const uint8_t *)big, 10), RL_EINVAL);
    assert_int_equal(used, 0);
}

/* ---- API ---- */

static void
test_api(void **state)
{
    (void)state;
    static uint8_t mem[8192];
    struct smtp_client c;
    struct smtp_client_limits lim;
    struct smtp_client_event ev;
    size_t used;

    smtp_client_limits_default(&lim);
    assert_int_equal(lim.greeting_ms, 300000);
    assert_int_equal(lim.command_ms, 300000);
    assert_int_equal(lim.data_init_ms, 120000);
    assert_int_equal(lim.data_block_ms, 180000);
    assert_int_equal(lim.data_term_ms, 600000);
    assert_int_equal(smtp_client_mem_size(&lim), 2048 + 4096);
    assert_int_equal(smtp_client_init(&c, &lim, "client.test", mem, sizeof(mem)), 0);
    assert_int_equal(smtp_client_init(&c, &lim, "client.test", mem, 2048 + 4095), RL_EINVAL);
    assert_int_equal(smtp_client_init(&c, &lim, "client.test", NULL, sizeof(mem)), RL_EINVAL);
    assert_int_equal(smtp_client_init(&c, &lim, "", mem, sizeof(mem)), RL_EINVAL);
    assert_int_equal(smtp_client_init(&c, &lim, "client test", mem, sizeof(mem)), RL_EINVAL);
    assert_int_equal(smtp_client_init(&c, &lim, "client\r\n", mem, sizeof(mem)), RL_EINVAL);
    assert_int_equal(smtp_client_init(&c, &lim, NULL, mem, sizeof(mem)), RL_EINVAL);
    char longname[300];
    memset(longname, 'h', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(smtp_client_init(&c, &lim, longname, mem, sizeof(mem)), RL_EINVAL);
    longname[255] = '\0';
    assert_int_equal(smtp_client_init(&c, &lim, longname, mem, sizeof(mem)), 0);
    lim.max_reply_line = 511;
    assert_int_equal(smtp_client_mem_size(&lim), 0);
    assert_int_equal(smtp_client_init(&c, &lim, "client.test", mem, sizeof(mem)), RL_EINVAL);
    smtp_client_limits_default(&lim);
    lim.out_cap = 2047;
    assert_int_equal(smtp_client_mem_size(&lim), 0);
    smtp_client_limits_default(&lim);
    lim.data_term_ms = 0;
    assert_int_equal(smtp_client_mem_size(&lim), 0);
    assert_int_equal(smtp_client_mem_size(NULL), 0);

    assert_string_equal(smtp_cmd_name(SMTP_CMD_MAIL), "MAIL");
    assert_string_equal(smtp_cmd_name(SMTP_CMD_DOT), "DOT");
    assert_string_equal(smtp_cmd_name((enum smtp_cmd)99), "?");

    /* Reply text is cut at SMTP_CLIENT_TEXT_MAX; output consumed past its end
     * is clamped. */
    client_new(&c);
    static char line[600];
    int n = snprintf(line, sizeof(line), "220 %0400d\r\n", 7);
    assert_int_equal(smtp_client_feed(&c, &ev, &used, (const uint8_t *)line, (size_t)n), RL_EAGAIN);
    size_t out_len;
    const uint8_t *out = smtp_client_output(&c, &out_len);
    assert_int_equal(out_len, strlen(C_EHLO));
    assert_memory_equal(out, C_EHLO, out_len);
    smtp_client_consume(&c, 3);
    out = smtp_client_output(&c, &out_len);
    assert_memory_equal(out, "O client.test\r\n", out_len);
    smtp_client_consume(&c, 1000);
    smtp_client_output(&c, &out_len);
    assert_int_equal(out_len, 0);
    n = snprintf(line, sizeof(line), "250 %0300d\r\n", 8);
    assert_int_equal(smtp_client_feed(&c, &ev, &used, (const uint8_t *)line, (size_t)n), 0);
    assert_int_equal(ev.type, SMTP_CEV_READY);
    assert_int_equal(ev.text_len, SMTP_CLIENT_TEXT_MAX);
    assert_int_equal(ev.text[0], '0');

    /* The output buffer full: RL_ENOMEM, nothing half-queued. */
    static uint8_t addr[3000];
    memset(addr, 'a', sizeof(addr));
    assert_int_equal(smtp_client_mail(&c, addr, sizeof(addr), 0, false, false), RL_ENOMEM);
    assert_int_equal(smtp_client_state(&c), SMTP_C_READY);
    smtp_client_output(&c, &out_len);
    assert_int_equal(out_len, 0);
    /* A NUL in an address is refused like any control character. */
    assert_int_equal(smtp_client_mail(&c, (const uint8_t *)"a\0b", 3, 0, false, false), RL_EINVAL);
    assert_int_equal(smtp_client_mail(&c, NULL, 0, 0, false, false), 0);
    out = smtp_client_output(&c, &out_len);
    assert_memory_equal(out, "MAIL FROM:<>\r\n", out_len);

    /* Reset starts a new connection: INIT, nothing queued, caps cleared. */
    smtp_client_reset(&c);
    assert_int_equal(smtp_client_state(&c), SMTP_C_INIT);
    smtp_client_output(&c, &out_len);
    assert_int_equal(out_len, 0);
    assert_false(smtp_client_caps_get(&c)->has_size);
    assert_int_equal(smtp_client_feed(&c, &ev, &used, (const uint8_t *)GREET, strlen(GREET)),
                     RL_EAGAIN);
    assert_int_equal(smtp_client_state(&c), SMTP_C_EHLO);
}

/* RFC 2920: at most 16 replies awaited; the 17th command waits. */
static void
test_pipeline_depth(void **state)
{
    (void)state;
    static struct run r;
    struct smtp_client c;
    memset(&r, 0, sizeof(r));
    client_new(&c);
    feed_all(&c, &r, (const uint8_t *)GREET, strlen(GREET));
    write_out(&c, &r, SIZE_MAX);
    feed_all(&c, &r, (const uint8_t *)EHLO_FULL, strlen(EHLO_FULL));
    assert_string_equal(r.ev, EV_READY_FULL);
    assert_int_equal(smtp_client_mail(&c, (const uint8_t *)"a", 1, 0, false, false), 0);
    for (int i = 0; i < 15; i++) {
        assert_int_equal(smtp_client_rcpt(&c, (const uint8_t *)"b", 1), 0);
    }
    assert_int_equal(smtp_client_rcpt(&c, (const uint8_t *)"b", 1), RL_EAGAIN);
    assert_int_equal(smtp_client_data(&c), RL_EAGAIN);
    write_out(&c, &r, SIZE_MAX);
    r.ev_len = 0;
    feed_all(&c, &r, (const uint8_t *)"250 ok\r\n", 8);
    assert_string_equal(r.ev, "REPLY MAIL 250 - [ok] ");
    assert_int_equal(smtp_client_data(&c), 0);
    assert_int_equal(smtp_client_rcpt(&c, (const uint8_t *)"b", 1), RL_EAGAIN);
}

/* ---- Dot-stuffing ---- */

/* ref_stuff is the slow, obvious version over a whole body. */
static size_t
ref_stuff(uint8_t *out, const uint8_t *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '.' && (i == 0 || in[i - 1] == '\r' || in[i - 1] == '\n')) {
            out[o++] = '.';
        }
        out[o++] = in[i];
    }
    if (n > 0 && !(n >= 2 && in[n - 2] == '\r' && in[n - 1] == '\n')) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    memcpy(out + o, ".\r\n", 3);
    return o + 3;
}

/* stuff_pieces runs the streaming stuffer over `in` cut at the offsets in
 * cuts[] (ascending). */
static size_t
stuff_pieces(uint8_t *out, size_t out_cap, const uint8_t *in, size_t n, const size_t *cuts,
             size_t n_cuts)
{
    struct smtp_dotstuff d;
    smtp_dotstuff_init(&d);
    size_t o = 0;
    size_t prev = 0;
    for (size_t k = 0; k <= n_cuts; k++) {
        size_t end = k < n_cuts ? cuts[k] : n;
        assert_true(out_cap - o >= 2 * (end - prev));
        o += smtp_dotstuff_run(&d, out + o, out_cap - o, in + prev, end - prev);
        prev = end;
    }
    assert_true(out_cap - o >= 5);
    o += smtp_dotstuff_end(&d, out + o, out_cap - o);
    return o;
}

static void
check_stuff(const uint8_t *in, size_t n)
{
    static uint8_t want[4096];
    static uint8_t got[4096];
    assert_true(2 * n + 5 <= sizeof(want));
    size_t wn = ref_stuff(want, in, n);
    for (size_t cut = 0; cut <= n; cut++) {
        size_t gn = stuff_pieces(got, sizeof(got), in, n, &cut, 1);
        if (gn != wn || memcmp(got, want, wn) != 0) {
            fail_msg("dot-stuffing differs at cut %zu: \"%.*s\" vs \"%.*s\"", cut, (int)gn,
                     (const char *)got, (int)wn, (const char *)want);
        }
    }
    /* Every octet its own chunk. */
    static size_t cuts[2048];
    for (size_t i = 0; i < n; i++) {
        cuts[i] = i;
    }
    size_t gn = stuff_pieces(got, sizeof(got), in, n, cuts, n);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, wn);
}

static void
test_dotstuff(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } fixed[] = {
        {"", ".\r\n"},
        {".", "..\r\n.\r\n"},
        {"a\r\n", "a\r\n.\r\n"},
        {"a", "a\r\n.\r\n"},
        {".\r\n", "..\r\n.\r\n"},
        {"a\r\n.\r\n", "a\r\n..\r\n.\r\n"},
        {"a.\r\n..b\r\n", "a.\r\n...b\r\n.\r\n"},
        {"a\r\n.", "a\r\n..\r\n.\r\n"},
        /* After a bare LF or CR the dot is doubled too; the end adds CRLF. */
        {"a\n.\n", "a\n..\n\r\n.\r\n"},
        {"a\r.\r", "a\r..\r\r\n.\r\n"},
        {"\r\n\r\n", "\r\n\r\n.\r\n"},
    };
    for (size_t i = 0; i < N(fixed); i++) {
        uint8_t out[64];
        size_t n = strlen(fixed[i].in);
        size_t cut = n / 2;
        size_t o = stuff_pieces(out, sizeof(out), (const uint8_t *)fixed[i].in, n, &cut, 1);
        if (o != strlen(fixed[i].want) || memcmp(out, fixed[i].want, o) != 0) {
            fail_msg("fixed case %zu: got \"%.*s\"", i, (int)o, (const char *)out);
        }
        check_stuff((const uint8_t *)fixed[i].in, n);
    }

    /* A '.' at the start of a chunk that continues a line stays single. */
    struct smtp_dotstuff d;
    uint8_t out[16];
    smtp_dotstuff_init(&d);
    assert_int_equal(smtp_dotstuff_run(&d, out, sizeof(out), (const uint8_t *)"ab", 2), 2);
    assert_int_equal(smtp_dotstuff_run(&d, out, sizeof(out), (const uint8_t *)".c", 2), 2);
    assert_memory_equal(out, ".c", 2);
    assert_int_equal(smtp_dotstuff_run(&d, out, sizeof(out), (const uint8_t *)"\r\n", 2), 2);
    assert_int_equal(smtp_dotstuff_run(&d, out, sizeof(out), (const uint8_t *)".d", 2), 3);
    assert_memory_equal(out, "..d", 3);
    /* Too small an output: the end writes nothing rather than overflow. */
    assert_int_equal(smtp_dotstuff_end(&d, out, 4), 0);
    assert_int_equal(smtp_dotstuff_end(&d, out, 5), 5);
    assert_memory_equal(out, "\r\n.\r\n", 5);
    /* The end leaves a fresh state. */
    assert_int_equal(smtp_dotstuff_run(&d, out, sizeof(out), (const uint8_t *)".", 1), 2);
    /* An undersized output never overflows. */
    smtp_dotstuff_init(&d);
    assert_int_equal(smtp_dotstuff_run(&d, out, 1, (const uint8_t *)"..", 2), 0);

    /* Random bodies over a small alphabet full of dots and line ends. */
    static const char alphabet[] = "..\r\n\r\nab.";
    uint32_t x = 2463534242u;
    static uint8_t body[600];
    for (int round = 0; round < 300; round++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t n = x % sizeof(body);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            body[i] = (uint8_t)alphabet[x % (sizeof(alphabet) - 1)];
        }
        check_stuff(body, n);
    }

    /* Long bodies with sparse dots and line ends, as mail text is: runs
     * copied whole, dots found across the 16-octet steps. */
    static const char letters[] = "abcdefghij klmnopqrstu.vwxyz ABC"; /* 32 */
    static const char ends[] = "\r\n.\n\r..\r";                       /* 8 */
    static uint8_t text[1500];
    for (int round = 0; round < 20; round++) {
        size_t n = sizeof(text) - (size_t)round * 37;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* mostly letters; a line end or dot one octet in 12 */
            unsigned r = x % 120;
            text[i] = (uint8_t)(r < 110 ? letters[r % 32] : ends[r % 8]);
        }
        check_stuff(text, n);
        /* An output too small for the whole run: a prefix of the right
         * output, never past out_cap. */
        static uint8_t want[2 * sizeof(text) + 5];
        static uint8_t got[2 * sizeof(text) + 5];
        size_t wn = ref_stuff(want, text, n);
        for (size_t cap = 0; cap < 200; cap += 7) {
            memset(got, 0xee, sizeof(got));
            smtp_dotstuff_init(&d);
            size_t gn = smtp_dotstuff_run(&d, got, cap, text, n);
            assert_true(gn <= cap && gn <= wn && got[cap] == 0xee);
            assert_memory_equal(got, want, gn);
        }
    }
}

/* ---- Against the server engine ---- */

struct peer_run {
    char c2s[1 << 15]; /* octets the client wrote, not yet read by the server */
    size_t c2s_len;
    char bodies[1 << 14]; /* bodies the server delivered, '|' after each */
    size_t bodies_len;
    char log[1 << 13]; /* client events */
    size_t log_len;
    int n_sent; /* messages the client has finished */
    bool done;
};

static void
peer_log(struct peer_run *p, const char *s, size_t n)
{
    assert_true(n < sizeof(p->log) - p->log_len);
    memcpy(p->log + p->log_len, s, n);
    p->log_len += n;
    p->log[p->log_len] = '\0';
}

static const char *const peer_bodies[] = {
    "Subject: one\r\n\r\nhello\r\n",
    "Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\nend",
    "",
};

/* client_side answers the client's events as the relay caller would. */
static void
client_side(struct smtp_client *c, struct peer_run *p, const struct smtp_client_event *ev)
{
    char line[128];
    int n = snprintf(line, sizeof(line), "%s:%s:%d ", ev->type == SMTP_CEV_READY ? "READY" : "EV",
                     smtp_cmd_name(ev->cmd), ev->code);
    peer_log(p, line, (size_t)n);
    if (ev->type == SMTP_CEV_READY || (ev->type == SMTP_CEV_REPLY && ev->cmd == SMTP_CMD_DOT)) {
        if (p->n_sent == (int)N(peer_bodies)) {
            assert_int_equal(smtp_client_quit(c), 0);
            return;
        }
        assert_int_equal(smtp_client_mail(c, (const uint8_t *)"a@x.test", 8, 100, true, false), 0);
        assert_int_equal(smtp_client_rcpt(c, (const uint8_t *)"b@y.test", 8), 0);
        assert_int_equal(smtp_client_rcpt(c, (const uint8_t *)"bad@y.test", 10), 0);
        assert_int_equal(smtp_client_data(c), 0);
    } else if (ev->type == SMTP_CEV_REPLY && ev->cmd == SMTP_CMD_DATA && ev->code == 354) {
        const char *b = peer_bodies[p->n_sent];
        struct smtp_dotstuff d;
        smtp_dotstuff_init(&d);
        size_t len = strlen(b);
        assert_true(2 * len + 5 < sizeof(p->c2s) - p->c2s_len);
        /* Written in two pieces, as a caller streaming the body would. */
        char *w = p->c2s + p->c2s_len;
        size_t o = smtp_dotstuff_run(&d, (uint8_t *)w, 2 * len, (const uint8_t *)b, len / 2);
        o += smtp_dotstuff_run(&d, (uint8_t *)w + o, 2 * len, (const uint8_t *)b + len / 2,
                               len - len / 2);
        o += smtp_dotstuff_end(&d, (uint8_t *)w + o, 5);
        p->c2s_len += o;
        smtp_client_body_progress(c);
        assert_int_equal(smtp_client_body_sent(c), 0);
        p->n_sent++;
    } else if (ev->type == SMTP_CEV_CLOSED) {
        p->done = true;
    } else if (ev->type == SMTP_CEV_FAIL) {
        fail_msg("client failed: %.*s", (int)ev->text_len, ev->text);
    }
}

/* server_side answers the server's events: "bad" recipients are refused. */
static void
server_side(struct smtp_session *s, struct peer_run *p, const struct smtp_event *ev)
{
    switch (ev->type) {
    case SMTP_EV_MAIL:
        assert_int_equal(ev->size, 100);
        assert_int_equal(ev->body, SMTP_BODY_8BITMIME);
        assert_int_equal(smtp_session_reply(s, SMTP_R_MAIL_OK), 0);
        break;
    case SMTP_EV_RCPT:
        assert_int_equal(
            smtp_session_reply(s, ev->arg_len > 0 && ev->arg[0] == 'b' && ev->arg_len == 10
                                      ? SMTP_R_RCPT_UNKNOWN
                                      : SMTP_R_RCPT_OK),
            0);
        break;
    case SMTP_EV_DATA_CHUNK:
        assert_true(ev->arg_len < sizeof(p->bodies) - p->bodies_len);
        memcpy(p->bodies + p->bodies_len, ev->arg, ev->arg_len);
        p->bodies_len += ev->arg_len;
        break;
    case SMTP_EV_DATA_END:
        p->bodies[p->bodies_len++] = '|';
        assert_int_equal(smtp_session_reply(s, SMTP_R_DATA_OK), 0);
        break;
    case SMTP_EV_HELO:
    case SMTP_EV_DATA_BEGIN:
    case SMTP_EV_QUIT:
        break;
    default:
        fail_msg("server event %d", (int)ev->type);
    }
}

static void
test_against_server(void **state)
{
    (void)state;
    static uint8_t smem[8192];
    static uint8_t cmem[8192];
    static struct peer_run p;
    struct smtp_session s;
    struct smtp_limits slim;
    struct smtp_client c;
    struct smtp_client_limits clim;
    memset(&p, 0, sizeof(p));
    smtp_limits_default(&slim);
    struct smtp_config cfg = {.hostname = "mx.test"};
    assert_int_equal(smtp_session_init(&s, &slim, &cfg, smem, sizeof(smem)), 0);
    assert_int_equal(smtp_session_start(&s, SMTP_R_GREETING), 0);
    smtp_client_limits_default(&clim);
    assert_int_equal(smtp_client_init(&c, &clim, "client.test", cmem, sizeof(cmem)), 0);

    for (int round = 0; round < 50 && !p.done; round++) {
        /* Server to client, in 7-octet segments. */
        size_t n;
        const uint8_t *out = smtp_session_output(&s, &n);
        for (size_t off = 0; off < n && !p.done;) {
            size_t seg = n - off < 7 ? n - off : 7;
            size_t pos = 0;
            for (;;) {
                struct smtp_client_event ev;
                size_t used;
                int rc = smtp_client_feed(&c, &ev, &used, out + off + pos, seg - pos);
                pos += used;
                if (rc != 0) {
                    /* RL_EINVAL once closed, after the reply to QUIT. */
                    assert_int_equal(rc, p.done ? RL_EINVAL : RL_EAGAIN);
                    break;
                }
                client_side(&c, &p, &ev);
            }
            off += seg;
        }
        smtp_session_consume(&s, n);
        /* Client to server: commands first, then any body the caller wrote
         * after draining them; in this loop the body was appended while
         * the output was empty. */
        const uint8_t *cout = smtp_client_output(&c, &n);
        assert_true(n < sizeof(p.c2s) - p.c2s_len);
        memcpy(p.c2s + p.c2s_len, cout, n);
        p.c2s_len += n;
        smtp_client_consume(&c, n);
        size_t used_total = 0;
        for (;;) {
            struct smtp_event sev;
            size_t used;
            int rc = smtp_session_feed(&s, &sev, &used, (const uint8_t *)p.c2s + used_total,
                                       p.c2s_len - used_total);
            used_total += used;
            if (rc != 0) {
                break;
            }
            server_side(&s, &p, &sev);
        }
        memmove(p.c2s, p.c2s + used_total, p.c2s_len - used_total);
        p.c2s_len -= used_total;
    }
    if (!p.done) {
        fail_msg("no QUIT reply; log: %s", p.log);
    }
    assert_int_equal(smtp_client_state(&c), SMTP_C_CLOSED);
    assert_int_equal(smtp_session_state(&s), SMTP_S_CLOSED);
    const char *once = "EV:MAIL:250 EV:RCPT:250 EV:RCPT:550 EV:DATA:354 EV:DOT:250 ";
    char want[1024];
    snprintf(want, sizeof(want), "READY:EHLO:250 %s%s%sEV:QUIT:221 ", once, once, once);
    assert_string_equal(p.log, want);
    p.bodies[p.bodies_len] = '\0';
    assert_string_equal(p.bodies, "Subject: one\r\n\r\nhello\r\n|"
                                  "Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\nend\r\n||");
    const struct smtp_client_caps *k = smtp_client_caps_get(&c);
    assert_true(k->has_size && k->size == slim.max_msg_size);
}

/* feed_one feeds `in` whole and returns the first event's type (NONE if none). */
static enum smtp_client_event_type
feed_one(struct smtp_client *c, struct smtp_client_event *ev, const char *in)
{
    size_t used;
    int rc = smtp_client_feed(c, ev, &used, (const uint8_t *)in, strlen(in));
    return rc == 0 ? ev->type : SMTP_CEV_NONE;
}

/* take checks that the queued output is exactly `want` and consumes it. */
static void
take(struct smtp_client *c, const char *want)
{
    size_t n;
    const uint8_t *o = smtp_client_output(c, &n);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(o, want, n);
    smtp_client_consume(c, n);
}

static void
test_bdat_last(void **state)
{
    (void)state;
    static uint8_t mem[16384];
    struct smtp_client c;
    struct smtp_client_limits lim;
    struct smtp_client_event ev;
    smtp_client_limits_default(&lim);
    for (int chunking = 0; chunking < 2; chunking++) {
        assert_int_equal(smtp_client_init(&c, &lim, "client.test", mem, sizeof(mem)), 0);
        assert_int_equal(feed_one(&c, &ev, GREET), SMTP_CEV_NONE);
        take(&c, C_EHLO);
        assert_int_equal(smtp_client_bdat_last(&c, 5), RL_EINVAL); /* not greeted */
        assert_int_equal(feed_one(&c, &ev, chunking ? EHLO_FULL : EHLO_PLAIN), SMTP_CEV_READY);
        assert_int_equal(smtp_client_bdat_last(&c, 5), RL_EINVAL); /* no transaction */
        assert_int_equal(smtp_client_mail(&c, (const uint8_t *)"a@x.test", 8, 0, false, false), 0);
        take(&c, C_MAIL);
        assert_int_equal(feed_one(&c, &ev, "250 2.1.0 Ok\r\n"), SMTP_CEV_REPLY);
        assert_int_equal(smtp_client_rcpt(&c, (const uint8_t *)"b@y.test", 8), 0);
        take(&c, C_RCPT);
        assert_int_equal(feed_one(&c, &ev, "250 2.1.5 Ok\r\n"), SMTP_CEV_REPLY);
        if (!chunking) {
            /* RFC 3030: BDAT only to a server that offered CHUNKING. */
            assert_int_equal(smtp_client_bdat_last(&c, 5), RL_EINVAL);
            continue;
        }
        assert_int_equal(smtp_client_bdat_last(&c, 5), 0);
        assert_int_equal(smtp_client_state(&c), SMTP_C_BODY);
        assert_int_equal(smtp_client_bdat_last(&c, 5), RL_EINVAL); /* once */
        take(&c, "BDAT 5 LAST\r\n");
        /* No reply is awaited before the chunk is written. */
        assert_int_equal(feed_one(&c, &ev, "250 2.0.0 early\r\n"), SMTP_CEV_FAIL);
    }
    /* The whole exchange, with the reply after the chunk. */
    assert_int_equal(smtp_client_init(&c, &lim, "client.test", mem, sizeof(mem)), 0);
    feed_one(&c, &ev, GREET);
    take(&c, C_EHLO);
    assert_int_equal(feed_one(&c, &ev, EHLO_FULL), SMTP_CEV_READY);
    assert_int_equal(smtp_client_mail(&c, (const uint8_t *)"a@x.test", 8, 0, false, false), 0);
    assert_int_equal(smtp_client_rcpt(&c, (const uint8_t *)"b@y.test", 8), 0);
    take(&c, C_MAIL C_RCPT);
    assert_int_equal(feed_one(&c, &ev, "250 2.1.0 Ok\r\n"), SMTP_CEV_REPLY);
    assert_int_equal(feed_one(&c, &ev, "250 2.1.5 Ok\r\n"), SMTP_CEV_REPLY);
    assert_int_equal(smtp_client_bdat_last(&c, 123456), 0);
    take(&c, "BDAT 123456 LAST\r\n");
    assert_int_equal(smtp_client_body_sent(&c), 0);
    assert_int_equal(feed_one(&c, &ev, R_QUEUED), SMTP_CEV_REPLY);
    assert_int_equal(ev.cmd, SMTP_CMD_DOT);
    assert_int_equal(ev.code, 250);
    assert_int_equal(smtp_client_state(&c), SMTP_C_READY);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),      cmocka_unit_test(test_bad),
        cmocka_unit_test(test_bad_codes), cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_api),       cmocka_unit_test(test_pipeline_depth),
        cmocka_unit_test(test_dotstuff),  cmocka_unit_test(test_against_server),
        cmocka_unit_test(test_bdat_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

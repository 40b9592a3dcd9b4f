/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O SMTP server session of the benchmark sink (RFC 5321, RFC 2920
 * pipelining, RFC 3030 CHUNKING, RFC 3207 STARTTLS): client bytes in, replies
 * and message events out, with optional injected failures; the TLS
 * handshake itself is the caller's. A second, deliberately
 * simple implementation, independent of the product's smtp_server. Never
 * allocates; one session per connection, used by the thread that owns it. */
#ifndef BENCH_SERVER_H
#define BENCH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define BENCH_SERVER_LINE_MAX 2048 /* command line kept, CRLF included */
#define BENCH_SERVER_OUT_CAP 4096  /* replies queued before the caller must write */
#define BENCH_SERVER_RCPT_MAX 1000
#define BENCH_FAIL_ALWAYS (UINT64_C(1) << 32) /* fail_threshold that always fails */

/* Where an injected failure strikes. */
enum bench_fail_at {
    BENCH_FAIL_NONE = 0,
    BENCH_FAIL_CONNECT, /* the greeting: 4xx codes send 421 and close, 5xx 554 */
    BENCH_FAIL_MAIL,    /* the reply to MAIL */
    BENCH_FAIL_RCPT,    /* the reply to each RCPT */
    BENCH_FAIL_DATA,    /* the reply to DATA (or the first BDAT) */
    BENCH_FAIL_DOT,     /* the final reply after the message */
};

/* Fixed facts of a listener, shared (read only) by its sessions. */
struct bench_server_cfg {
    const char *hostname;       /* greeting and EHLO, < 256 bytes; NULL = "redline-sink" */
    uint64_t max_size;          /* advertised SIZE; bigger messages get 552 at the end */
    bool chunking;              /* advertise CHUNKING and take BDAT */
    bool starttls;              /* advertise STARTTLS (until TLS is on) and take it */
    enum bench_fail_at fail_at; /* BENCH_FAIL_NONE = never fail */
    uint64_t fail_threshold;    /* a draw in [0, 2^32) below this fails; BENCH_FAIL_ALWAYS */
    int fail_code;              /* 421, 450, 451, 452, 550, 552 or 554 */
};

/* bench_server_fail_code_ok tells whether `code` can be injected. */
bool bench_server_fail_code_ok(int code);

enum bench_server_ev_type {
    BENCH_SE_NONE = 0,
    BENCH_SE_BEGIN,    /* a message starts (354 queued, or the first BDAT chunk) */
    BENCH_SE_BODY,     /* data/len: message bytes, dot-unstuffed, CRLF kept */
    BENCH_SE_END,      /* the message (len octets) is complete: accepted (250 queued) or
                          refused (code) */
    BENCH_SE_ABORT,    /* the message in progress is dropped (RSET between BDAT chunks) */
    BENCH_SE_STARTTLS, /* 220 to STARTTLS queued: write it, drop every client byte read
                          after the command, run the TLS handshake, then call
                          bench_server_tls_started */
};

/* One event; `data` borrows the caller's input (or static storage) until the
 * next call on the session. */
struct bench_server_ev {
    enum bench_server_ev_type type;
    const uint8_t *data;
    size_t len;
    bool accepted; /* END: 250 sent */
    int code;      /* END: the final reply code */
};

enum bench_server_state {
    BENCH_SS_CMD = 0, /* reading commands */
    BENCH_SS_DATA,    /* reading DATA text up to CRLF.CRLF */
    BENCH_SS_BDAT,    /* reading the octets of a BDAT chunk */
    BENCH_SS_REFUSED, /* 554 greeting: only QUIT is served (RFC 5321 3.1) */
    BENCH_SS_CLOSING, /* 221 or 421 queued: write the output, then close */
    BENCH_SS_TLS,     /* 220 to STARTTLS queued: nothing more is read in clear */
};

struct bench_server {
    const struct bench_server_cfg *cfg; /* lent */
    enum bench_server_state state;
    uint64_t rng;       /* draws of the injected failures */
    bool helo;          /* EHLO/HELO seen */
    bool tls;           /* TLS is on (after STARTTLS and the handshake) */
    bool mail;          /* a transaction is open */
    unsigned n_rcpt;    /* recipients accepted */
    bool bdat_seen;     /* this transaction uses BDAT: DATA is refused */
    bool bdat_last;     /* the chunk being read ends the message */
    bool bdat_skip;     /* the chunk being read was refused: discard its octets */
    uint64_t bdat_left; /* octets of the chunk still to read */
    unsigned dstate;    /* position relative to line starts inside DATA */
    uint64_t msg_bytes; /* message octets so far */
    char line[BENCH_SERVER_LINE_MAX];
    size_t line_len;
    bool line_long; /* the command line overflowed `line` */
    uint8_t out[BENCH_SERVER_OUT_CAP];
    size_t out_off; /* first byte not yet written */
    size_t out_len; /* bytes queued */
};

/* bench_server_init readies `s` (caller storage) for a new connection and
 * queues the greeting (or the injected refusal). `seed` feeds the failure
 * draws of this session. */
void bench_server_init(struct bench_server *s, const struct bench_server_cfg *cfg, uint64_t seed);

/* bench_server_feed reads client bytes from `in` until the first event or
 * the end of `in`, sets *out_ev and *out_used. Call it again with the rest
 * of `in` (even none: the end of a BDAT chunk may still be due) until it
 * sets no event. It also stops with no event, input left over, when the
 * output has no room for another reply: write the output (bench_server_out,
 * bench_server_sent) first. Returns 0; RL_EINVAL in states CLOSING and TLS
 * (nothing more is read). */
int bench_server_feed(struct bench_server *s, struct bench_server_ev *out_ev, size_t *out_used,
                      const uint8_t *in, size_t len);

/* bench_server_tls_started tells the session, in state TLS, that the
 * handshake completed: it forgets the client's EHLO (RFC 3207 4.2) and reads
 * commands again, without STARTTLS in the next EHLO reply. Returns 0, or
 * RL_EINVAL in any other state. */
int bench_server_tls_started(struct bench_server *s);

/* bench_server_out returns the queued output and sets *out_len (0: none). */
const uint8_t *bench_server_out(const struct bench_server *s, size_t *out_len);

/* bench_server_sent drops the first `n` bytes of the output. */
void bench_server_sent(struct bench_server *s, size_t n);

/* bench_server_closing tells whether the session ends once its output is
 * written (after QUIT, a 421, or an injected 421). */
bool bench_server_closing(const struct bench_server *s);

/* bench_server_in_message tells whether a message has begun and not ended:
 * a connection lost now loses that message. */
bool bench_server_in_message(const struct bench_server *s);

#endif

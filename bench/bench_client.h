/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O SMTP client session of the load generator (RFC 5321, RFC
 * 2920 pipelining, RFC 3207 STARTTLS): server replies in, commands and
 * message bytes out as iovecs that borrow prebuilt buffers. The TLS
 * handshake itself is the caller's. Never allocates; one session per
 * connection, used by the thread that owns the connection. */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "rl_error.h"

#define BENCH_CLIENT_RCPT_MAX 100 /* RFC 5321 4.5.3.1.8: servers take at least 100 */
#define BENCH_CLIENT_LINE_MAX 512 /* RFC 5321 4.5.3.1.5: a reply line, CRLF included */
#define BENCH_CLIENT_IOV 4

/* The commands of every session, built once and shared (read only) by all
 * sessions. RSET, MAIL, the RCPTs and DATA lie back to back in `buf`, so a
 * pipelined transaction is one slice. */
struct bench_client_script {
    char buf[8192];
    size_t ehlo_off, ehlo_len;
    size_t helo_off, helo_len;
    size_t quit_off, quit_len;
    size_t starttls_off, starttls_len;
    size_t rset_off, rset_len; /* "RSET\r\n", directly before MAIL */
    size_t mail_off, mail_len;
    size_t rcpt_off, rcpt_len; /* every RCPT line has the same length */
    size_t data_off, data_len;
    unsigned n_rcpt;
    bool pipelining; /* pipeline when the server advertises PIPELINING */
    bool starttls;   /* STARTTLS after the first EHLO; a server without it ends the session */
};

/* bench_client_script_init builds the commands: "EHLO <helo>", MAIL FROM
 * <from>, `n_rcpt` (1..BENCH_CLIENT_RCPT_MAX) recipients rcptNNN@<rcpt_domain>
 * and DATA; with `starttls` every session asks for TLS first. Returns 0 or
 * RL_EINVAL (count out of range, names too long or holding characters other
 * than letters, digits, ".-_+@"). */
int bench_client_script_init(struct bench_client_script *s, const char *helo, const char *from,
                             const char *rcpt_domain, unsigned n_rcpt, bool pipelining,
                             bool starttls);

enum bench_client_state {
    BENCH_CS_GREETING = 0, /* waiting for the 220 greeting */
    BENCH_CS_EHLO,         /* EHLO sent */
    BENCH_CS_HELO,         /* HELO sent: the server refused EHLO */
    BENCH_CS_STARTTLS,     /* STARTTLS sent */
    BENCH_CS_TLS,          /* 220 to STARTTLS: the caller runs the handshake */
    BENCH_CS_IDLE,         /* ready: bench_client_send or bench_client_quit */
    BENCH_CS_TXN,          /* envelope commands sent, their replies pending */
    BENCH_CS_DATA,         /* message sent (or being sent), final reply pending */
    BENCH_CS_QUIT,         /* QUIT sent */
    BENCH_CS_CLOSED,       /* finished: drop the output and close the connection */
};

/* What became of one message. */
enum bench_outcome {
    BENCH_OUT_OK = 0,   /* final 2xx after the end of data */
    BENCH_OUT_TEMPFAIL, /* a 4xx ended the transaction */
    BENCH_OUT_PERMFAIL, /* a 5xx ended the transaction */
    BENCH_OUT_ERROR,    /* transport or protocol failure (set by the caller) */
    BENCH_OUT__COUNT,
};

enum bench_client_ev_type {
    BENCH_CE_NONE = 0,
    BENCH_CE_READY,    /* greeting and EHLO/HELO done: the session takes messages */
    BENCH_CE_DONE,     /* the transaction ended: `outcome`, `code` of the deciding reply */
    BENCH_CE_CLOSED,   /* the session ended: after QUIT (outcome OK), or the server refused
                          or closed it (421, a failed greeting or EHLO): outcome by `code` */
    BENCH_CE_STARTTLS, /* 220 to STARTTLS: drop what else was read, run the TLS handshake,
                          then call bench_client_tls_started */
    BENCH_CE_NO_TLS,   /* the script wants STARTTLS and the server did not offer it (`code`
                          of its EHLO or HELO reply) or refused it (`code` of the refusal):
                          the session is closed, nothing was sent in clear */
};

struct bench_client_ev {
    enum bench_client_ev_type type;
    enum bench_outcome outcome;
    int code; /* three-digit reply code */
};

struct bench_client {
    const struct bench_client_script *script; /* lent; outlives the session */
    enum bench_client_state state;
    int err;         /* sticky protocol error (RL_EINVAL) */
    bool pipelining; /* both sides want it */
    bool ext_pipelining;
    bool ext_starttls; /* the last EHLO reply listed STARTTLS */
    bool tls;          /* the handshake after STARTTLS completed */
    bool need_rset;    /* a failed transaction may have left state on the server */
    /* the transaction in progress */
    unsigned step;      /* replies received: RSET?, MAIL, RCPT..., DATA */
    unsigned n_steps;   /* replies expected before the message */
    unsigned queued;    /* commands queued so far */
    bool has_rset;      /* the transaction starts with RSET */
    bool mail_ok;       /* MAIL was accepted */
    unsigned rcpt_ok;   /* recipients accepted */
    int fail_code;      /* the deciding code of a refused envelope, 0 = none */
    bool doomed;        /* 354 came for an envelope without recipients: empty message sent */
    const uint8_t *hdr; /* lent until the transaction ends */
    size_t hdr_len;
    const uint8_t *body; /* lent: dot-stuffed, ends with ".\r\n" */
    size_t body_len;
    /* the reply being read */
    char line[BENCH_CLIENT_LINE_MAX]; /* current or last line, NUL terminated, CRLF cut */
    size_t line_len;
    int ml_code; /* code of a multi-line reply in progress, 0 = none */
    /* output not yet written */
    struct iovec iov[BENCH_CLIENT_IOV];
    unsigned iov_first;
    unsigned iov_n;
};

/* bench_client_init readies `c` for a new connection (caller storage; any
 * previous content is dropped): it waits for the greeting. */
void bench_client_init(struct bench_client *c, const struct bench_client_script *script);

/* bench_client_feed reads server bytes from `in` up to and including the
 * first reply that makes an event or queues output, sets *out_ev (type NONE
 * when `in` ended first or only output was queued) and *out_used (bytes
 * consumed). Write the output, then call again with the rest. Returns
 * 0, or RL_EINVAL on a reply that breaks RFC 5321 4.2 (bad code, mixed codes
 * in one multi-line reply, a reply nobody asked for, 3xx out of place),
 * repeated until bench_client_init. Multi-line replies may be split anywhere. */
int bench_client_feed(struct bench_client *c, struct bench_client_ev *out_ev, size_t *out_used,
                      const uint8_t *in, size_t len);

/* bench_client_tls_started tells the session, in state TLS, that the
 * handshake completed: it forgets the server's extensions and queues EHLO
 * again (RFC 3207 4.2). Returns 0, or RL_EINVAL in any other state. */
int bench_client_tls_started(struct bench_client *c);

/* bench_client_send starts one transaction in state IDLE: `hdr` then the
 * dot-stuffed `body` ending with ".\r\n"; both are lent until the DONE event.
 * With pipelining RSET (if needed), MAIL, RCPT and DATA are queued at once
 * (RFC 2920 3.1: DATA last), otherwise one by one. Returns 0 or RL_EINVAL in
 * any other state. */
int bench_client_send(struct bench_client *c, const uint8_t *hdr, size_t hdr_len,
                      const uint8_t *body, size_t body_len);

/* bench_client_quit queues QUIT in state IDLE. Returns 0 or RL_EINVAL. */
int bench_client_quit(struct bench_client *c);

/* bench_client_out sets *out_iov to the output not yet written and returns
 * its number of iovecs (0: nothing to write). The iovecs stay valid until the
 * next call on `c`. */
unsigned bench_client_out(const struct bench_client *c, const struct iovec **out_iov);

/* bench_client_sent drops the first `n` bytes of the output (what writev
 * took); `n` must not exceed the output. */
void bench_client_sent(struct bench_client *c, size_t n);

/* bench_client_last_reply returns the last reply line read (for messages). */
const char *bench_client_last_reply(const struct bench_client *c);

/* bench_outcome_name returns "ok", "tempfail", "permfail" or "error". */
const char *bench_outcome_name(enum bench_outcome o);

#endif

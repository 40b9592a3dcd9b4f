/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O ESMTP server session (RFC 5321): client bytes in, replies and
 * events out; the caller decides every MAIL, RCPT and end of data. Owns no
 * memory (buffers are lent at init); one session is used by the one worker
 * core that owns its connection. */
#ifndef SMTP_SERVER_H
#define SMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"
#include "smtp_reply.h"

/* Limits of one session; smtp_limits_default fills the RFC minimums. */
struct smtp_limits {
    size_t max_cmd_line;      /* octets incl CRLF, >= 512 (RFC 5321 4.5.3.1.4) */
    size_t max_text_line;     /* octets incl CRLF in DATA/BDAT, >= 1000 (4.5.3.1.6) */
    uint64_t max_msg_size;    /* octets after dot-unstuffing; advertised as SIZE */
    uint32_t max_rcpt;        /* accepted recipients per transaction (4.5.3.1.8: 100) */
    uint32_t max_errors;      /* rejected commands before 421 and close; 0 = no limit */
    uint32_t max_junk;        /* NOOP, RSET, VRFY and HELP per accepted message before each
                                 one also counts as an error; 0 = no limit */
    uint32_t tarpit_after;    /* errors after which every error reply is held back
                                 (smtp_session_tarpit_take); 0 = never */
    uint64_t tarpit_ms;       /* how long each such reply is held back */
    uint64_t cmd_timeout_ms;  /* deadline for one whole command line, from the moment the
                                 session waits for it (4.5.3.2.7: at least 5 min) */
    uint64_t data_timeout_ms; /* DATA/BDAT time budget (4.5.3.2.7: 5 min): spent by the
                                 clock, earned back by octets at min_data_rate, never more
                                 than this */
    uint32_t min_data_rate;   /* octets/s that keep a DATA or BDAT transfer alive; 0 = only
                                 inactivity counts */
    size_t out_cap;           /* output buffer octets, >= 2 * SMTP_REPLY_MAX */
};

/* What a line ending in a bare LF means (RFC 5321 2.3.8 allows only CRLF). */
enum smtp_bare_newline {
    SMTP_BARE_LF_NORMALIZE = 0, /* read as CRLF (Postfix 3.9 "normalize"); a line
                                   after one never ends DATA: only CRLF . CRLF does */
    SMTP_BARE_LF_REJECT,        /* 500 to a command line, 554 5.6.0 to the message */
};

/* The fate of a NUL octet in message text (RFC 5321 2.3.8, RFC 6152: no NUL). */
enum smtp_nul {
    SMTP_NUL_REJECT = 0, /* the message is refused with 554 5.6.0 */
    SMTP_NUL_STRIP,      /* the octet is dropped */
};

/* State of a session; every change goes through one transition function. */
enum smtp_state {
    SMTP_S_START = 0,   /* before smtp_session_start: no greeting sent */
    SMTP_S_GREETED,     /* 220 sent; waiting for EHLO/HELO */
    SMTP_S_HELO,        /* identified; no transaction */
    SMTP_S_MAIL_WAIT,   /* SMTP_EV_MAIL issued; the caller owes the reply */
    SMTP_S_MAIL,        /* sender accepted; no recipient yet */
    SMTP_S_RCPT_WAIT,   /* SMTP_EV_RCPT issued; the caller owes the reply */
    SMTP_S_RCPT,        /* at least one recipient accepted */
    SMTP_S_DATA,        /* reading DATA text up to CRLF.CRLF */
    SMTP_S_BDAT,        /* reading the octets of one BDAT chunk */
    SMTP_S_CHUNKING,    /* between BDAT chunks of one transaction */
    SMTP_S_DATA_WAIT,   /* end of data (or BDAT LAST) issued; the caller owes the reply */
    SMTP_S_BDAT_WAIT,   /* end of a non-last BDAT chunk issued; the caller owes the reply */
    SMTP_S_TLS_PENDING, /* 220 to STARTTLS sent; input discarded until TLS is up */
    SMTP_S_CLOSED,      /* 221 or 421 queued; flush the output and close */
};

/* Callback called on every state change, on the session's core. */
typedef void (*smtp_trace_fn)(void *arg, enum smtp_state from, enum smtp_state to, const char *why);

/* Fixed facts of a listener; copied into the session at init. */
struct smtp_config {
    const char *hostname; /* our domain in greeting/EHLO, < 256 octets; NULL = "localhost" */
    bool tls_available;   /* advertise and accept STARTTLS */
    bool tls_required;    /* with tls_available: no mail transaction before TLS (RFC 3207 4) */
    enum smtp_bare_newline bare_newline;
    enum smtp_nul nul;
    bool address_literals; /* RCPT TO:<user@[literal]> allowed; false: 550 5.7.1 */
    smtp_trace_fn trace;   /* NULL = no tracing */
    void *trace_arg;
};

enum smtp_event_type {
    SMTP_EV_NONE = 0,
    SMTP_EV_HELO,       /* EHLO/HELO: arg = the client's domain; any transaction is reset */
    SMTP_EV_MAIL,       /* arg = reverse-path mailbox ("" for <>); reply owed */
    SMTP_EV_RCPT,       /* arg = forward-path mailbox; reply owed */
    SMTP_EV_DATA_BEGIN, /* message text follows (354 sent, or first BDAT chunk) */
    SMTP_EV_DATA_CHUNK, /* arg = message octets, dot-unstuffed, CRLF kept */
    SMTP_EV_DATA_END,   /* end of data or BDAT LAST; reply owed (250 only if relayed) */
    SMTP_EV_BDAT_CHUNK, /* a non-last BDAT chunk is complete; reply owed */
    SMTP_EV_DATA_ABORT, /* message refused by the engine (`reason` queued); drop it */
    SMTP_EV_RSET,       /* RSET: drop the transaction (250 sent) */
    SMTP_EV_STARTTLS,   /* 220 sent: flush output, start TLS, then smtp_session_tls_started */
    SMTP_EV_QUIT,       /* 221 queued: flush output and close */
    SMTP_EV_CLOSE,      /* 421 queued (errors, timeout): flush output and close */
};

enum smtp_body {
    SMTP_BODY_NONE = 0, /* no BODY parameter */
    SMTP_BODY_7BIT,
    SMTP_BODY_8BITMIME,
};

/* One event. Slices borrow the session's line buffer, the caller's input or
 * static memory (the CRLF that replaces a bare LF) and stay valid until the
 * next smtp_session_feed/reset on that session. */
struct smtp_event {
    enum smtp_event_type type;
    const uint8_t *arg;        /* see the event type; not NUL-terminated */
    size_t arg_len;            /* octets at arg */
    uint64_t size;             /* MAIL: SIZE= value, 0 if absent */
    enum smtp_body body;       /* MAIL: BODY= value */
    bool smtputf8;             /* MAIL: SMTPUTF8 given */
    bool last;                 /* DATA_END: true; BDAT_CHUNK: false */
    enum smtp_reply_id reason; /* DATA_ABORT / CLOSE: the reply the engine queued */
};

/* One session. Fields are private to smtp_server.c; the struct is public only
 * so callers can place it in their per-core pools. */
struct smtp_session {
    struct smtp_limits lim;
    char host[256];
    bool tls_available;
    bool tls_required; /* MAIL, RCPT, DATA, BDAT, VRFY, EXPN get 530 until TLS is active */
    bool tls_active;
    enum smtp_bare_newline bare_newline;
    enum smtp_nul nul;
    bool address_literals;
    bool trusted; /* the client may use sender-specified routing (smtp_session_trust) */
    smtp_trace_fn trace;
    void *trace_arg;

    uint8_t *line; /* command line buffer, lim.max_cmd_line octets, lent at init */
    size_t line_len;
    bool line_skip; /* discarding an over-long command up to its LF */
    bool line_lf;   /* the last command line ended in a bare LF (normalized) */
    uint8_t *out;   /* pending reply octets, lim.out_cap, lent at init */
    size_t out_len;

    enum smtp_state state;
    int err;         /* sticky error; 0 while usable */
    bool esmtp;      /* EHLO (not HELO) was given */
    uint32_t n_rcpt; /* accepted recipients in this transaction */
    uint32_t n_errors;
    uint32_t n_junk;    /* junk commands since the last accepted message */
    uint64_t tarpit_ms; /* hold the output this long before going on; 0 = none */

    bool smtputf8;                /* MAIL ... SMTPUTF8 */
    uint64_t msg_size;            /* message octets so far */
    uint8_t dstate;               /* DATA/BDAT text scanner state */
    size_t text_line;             /* octets of the current text line */
    enum smtp_reply_id data_fail; /* first reason to refuse the message, or NONE */
    uint64_t bdat_left;           /* octets of the current chunk still to read */
    bool bdat_last;
    enum smtp_reply_id bdat_refuse; /* answer after a chunk that is only consumed */
    enum smtp_state bdat_back;      /* state after such a chunk */

    uint64_t n_fed;     /* octets consumed since init, for timeouts */
    uint64_t n_steps;   /* state changes and complete command lines since init */
    uint64_t seen_fed;  /* n_fed at the last tick */
    uint64_t seen_step; /* n_steps at the last tick */
    uint64_t last_ms;   /* time of the last tick */
    uint64_t since_ms;  /* when the session began waiting for the current command */
    int64_t budget_ms;  /* DATA/BDAT: time left (data_timeout_ms, min_data_rate) */
    bool timer_armed;   /* last_ms and since_ms are meaningful */
};

/* smtp_limits_default fills `out_lim` with RFC 5321 minimums (512, 1000,
 * 100 recipients, 5-minute command deadline and DATA budget), a 10 MiB
 * message size, 20 errors, 100 junk commands, replies held back 1 s after 10
 * errors, a 500 octets/s minimum DATA rate (Postfix's smtpd_hard_error_limit,
 * smtpd_junk_command_limit, smtpd_soft_error_limit, smtpd_error_sleep_time,
 * smtpd_min_data_rate) and a 4 KiB output buffer. Cannot fail. */
void smtp_limits_default(struct smtp_limits *out_lim);

/* smtp_session_mem_size returns the octets of memory smtp_session_init needs
 * for `lim`, or 0 if `lim` is below the RFC minimums. */
size_t smtp_session_mem_size(const struct smtp_limits *lim);

/* smtp_session_init prepares `s` with a copy of `lim` and `cfg`, using `mem`
 * (`mem_len` >= smtp_session_mem_size(lim)) for its buffers; `mem` stays the
 * caller's and must outlive `s`. No greeting is queued yet. Returns 0 or
 * RL_EINVAL (limits below minimums, memory too small, hostname too long,
 * tls_required without tls_available). Never allocates. */
int smtp_session_init(struct smtp_session *s, const struct smtp_limits *lim,
                      const struct smtp_config *cfg, void *mem, size_t mem_len);

/* smtp_session_reset returns `s` to the state after smtp_session_init for a
 * new connection: clears the sticky error, buffers and TLS. Cannot fail. */
void smtp_session_reset(struct smtp_session *s);

/* smtp_session_trust tells `s` whether its client is trusted (inside the
 * relay networks): only then may a recipient use sender-specified routing
 * (a source route "<@hop:user@dom>", or '%', '!' or '@' in the local part:
 * "<bob%other.org@dom>"), which is otherwise refused with 550 5.7.1; a
 * trusted client's source route is dropped (RFC 5321 3.3). Call after
 * smtp_session_reset (which makes the client untrusted). Cannot fail. */
void smtp_session_trust(struct smtp_session *s, bool trusted);

/* smtp_session_start queues the opening reply: SMTP_R_GREETING, or a refusal
 * (SMTP_R_TOO_MANY_CONN, SMTP_R_CLIENT_LIMIT, SMTP_R_SHUTDOWN) after which the
 * session is closed.
 * Returns 0, or RL_EINVAL if the session was already started or `id` is not
 * one of these. */
int smtp_session_start(struct smtp_session *s, enum smtp_reply_id id);

/* smtp_session_feed consumes client bytes from `in`, queues replies on `s`,
 * sets *out_used and stops at the first event. Returns 0 with *out_ev filled,
 * RL_EAGAIN when all usable input is consumed or buffered (also when the
 * caller still owes a reply, has not drained the output or has a tarpit delay
 * to take: *out_used may then be less than in_len, and nothing is lost), or RL_EINVAL before
 * smtp_session_start and once the session is closed (after QUIT, a 421 or an
 * internal output overflow, then RL_ELIMIT; sticky until smtp_session_reset).
 * After SMTP_EV_STARTTLS all of `in` counts as used: it was sent in clear after
 * STARTTLS and is discarded, as is anything fed until smtp_session_tls_started. After an event,
 * call again with the unused bytes (even none) until RL_EAGAIN. Borrows `in`; never allocates; call
 * only on the worker core that owns `s`. */
int smtp_session_feed(struct smtp_session *s, struct smtp_event *out_ev, size_t *out_used,
                      const uint8_t *in, size_t in_len);

/* smtp_session_tarpit_take returns how many milliseconds the caller must
 * hold the queued output back (and feed nothing) before going on, and clears
 * it; 0 when there is no delay. A delay is set when an error reply is queued
 * after lim.tarpit_after errors; until it is taken smtp_session_feed consumes
 * nothing. Cannot fail. */
uint64_t smtp_session_tarpit_take(struct smtp_session *s);

/* smtp_session_reply answers the event that owes a reply (MAIL, RCPT,
 * DATA_END, BDAT_CHUNK) with `id`: its success reply (SMTP_R_MAIL_OK,
 * SMTP_R_RCPT_OK, SMTP_R_DATA_OK, SMTP_R_BDAT_OK) or any 4xx/5xx reply; a 421
 * also closes the session. Returns 0, or RL_EINVAL if no reply is owed or `id`
 * does not fit the event. */
int smtp_session_reply(struct smtp_session *s, enum smtp_reply_id id);

/* smtp_session_reply_relayed answers the event that owes a reply with the
 * next hop's refusal: `code` (4xx or 5xx; a 421 becomes 451 so that the
 * client's session stays open), `enhanced` ("x.y.z" of the same class, else
 * "x.0.0" is used; may be NULL) and the peer's `text` (`text_len` octets,
 * non-printable octets replaced, truncated to fit one reply line). Returns
 * 0, RL_EINVAL if no reply is owed or `code` is not 4xx/5xx, RL_ELIMIT if the
 * output is full. */
int smtp_session_reply_relayed(struct smtp_session *s, int code, const char *enhanced,
                               const uint8_t *text, size_t text_len);

/* smtp_session_shutdown queues 421 4.3.2 and closes a session that sits
 * between commands (no reply owed, not inside DATA/BDAT): the drain on
 * SIGTERM. Returns 0, RL_EINVAL in any other state (try again later), or
 * RL_ELIMIT if the output is full. */
int smtp_session_shutdown(struct smtp_session *s);

/* smtp_session_tls_started tells `s` that the TLS handshake after
 * SMTP_EV_STARTTLS completed: the session returns to the state after the
 * greeting (RFC 3207 4.2) with TLS active. Returns 0, or RL_EINVAL if no
 * STARTTLS is pending or the 220 was not drained yet. */
int smtp_session_tls_started(struct smtp_session *s);

/* smtp_session_tick checks the deadlines at time `now_ms` (any monotonic
 * millisecond clock; call it at least every few seconds): a command line not
 * complete lim.cmd_timeout_ms after the session began waiting for it, however
 * slowly its octets trickle in, and a DATA/BDAT transfer whose budget ran out
 * (lim.data_timeout_ms, earned back at lim.min_data_rate). Returns 0 with a
 * SMTP_EV_CLOSE event in *out_ev when the session timed out (421 queued),
 * else RL_EAGAIN. No deadline runs while the caller owes a reply. */
int smtp_session_tick(struct smtp_session *s, struct smtp_event *out_ev, uint64_t now_ms);

/* smtp_session_output lends the queued reply octets (always whole CRLF lines)
 * and sets *out_len. Valid until the next call on `s`. */
const uint8_t *smtp_session_output(const struct smtp_session *s, size_t *out_len);

/* smtp_session_consume drops the first `n` octets of the output (n is clamped
 * to what is queued). Cannot fail. */
void smtp_session_consume(struct smtp_session *s, size_t n);

/* smtp_session_state returns the current state of `s`. */
enum smtp_state smtp_session_state(const struct smtp_session *s);

/* smtp_state_name returns a static name for `st` (never NULL). */
const char *smtp_state_name(enum smtp_state st);

#endif

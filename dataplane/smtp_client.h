/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O SMTP client that relays to a next hop (RFC 5321): server
 * replies in, commands out, events for the caller. No sockets, no clock, no
 * allocation after set-up; one client per outbound connection, used only by
 * the worker core that owns that connection. */
#ifndef SMTP_CLIENT_H
#define SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* SMTP_CLIENT_TEXT_MAX bounds the reply text kept for the caller (the last
 * line of a reply, without code and enhanced code). */
#define SMTP_CLIENT_TEXT_MAX 256

/* RFC 5321 4.5.3.2 timeouts, in milliseconds, that apply while a reply is
 * awaited; smtp_client_limits_default fills the RFC values. */
struct smtp_client_limits {
    uint64_t greeting_ms;   /* 4.5.3.2.1 initial 220: 5 min */
    uint64_t command_ms;    /* EHLO/HELO, MAIL (4.5.3.2.2), RCPT (4.5.3.2.3), RSET, QUIT: 5 min */
    uint64_t data_init_ms;  /* 4.5.3.2.4 reply to DATA: 2 min */
    uint64_t data_block_ms; /* 4.5.3.2.5 between body writes the caller reports: 3 min */
    uint64_t data_term_ms;  /* 4.5.3.2.6 reply to the final dot: 10 min */
    size_t max_reply_line;  /* longest reply line accepted, >= 512 (4.5.3.1.5) */
    size_t out_cap;         /* command output buffer, >= 2048 */
};

enum smtp_client_state {
    SMTP_C_INIT = 0, /* after init/reset: waiting for the connection's 220 */
    SMTP_C_EHLO,     /* EHLO sent, reply awaited */
    SMTP_C_HELO,     /* EHLO refused with 5xx, HELO sent, reply awaited */
    SMTP_C_READY,    /* greeted; no transaction open; may be pooled */
    SMTP_C_STARTTLS, /* STARTTLS sent, reply awaited (RFC 3207) */
    SMTP_C_TLS,      /* 220 to STARTTLS read: the caller's TLS handshake runs; feed nothing
                      * until smtp_client_tls_started */
    SMTP_C_TXN,      /* a transaction is open (MAIL sent) */
    SMTP_C_BODY,     /* 354 received: the caller writes the body */
    SMTP_C_DOT,      /* body written; reply to the final dot awaited */
    SMTP_C_QUIT,     /* QUIT sent */
    SMTP_C_CLOSED,   /* finished or failed: close the connection; sticky until reset */
};

/* The command a reply answers. */
enum smtp_cmd {
    SMTP_CMD_NONE = 0,
    SMTP_CMD_GREETING,
    SMTP_CMD_EHLO,
    SMTP_CMD_HELO,
    SMTP_CMD_MAIL,
    SMTP_CMD_RCPT,
    SMTP_CMD_DATA,
    SMTP_CMD_DOT, /* end of the message body */
    SMTP_CMD_RSET,
    SMTP_CMD_QUIT,
    SMTP_CMD_STARTTLS,
};

/* What the next hop offered in its EHLO reply. */
struct smtp_client_caps {
    bool pipelining;   /* RFC 2920 */
    bool eightbitmime; /* RFC 6152 */
    bool smtputf8;     /* RFC 6531 */
    bool chunking;     /* RFC 3030 */
    bool starttls;     /* RFC 3207 */
    bool enhanced;     /* RFC 2034 ENHANCEDSTATUSCODES */
    uint64_t size;     /* RFC 1870 SIZE value; 0 = no limit given or no SIZE */
    bool has_size;     /* SIZE was advertised */
};

enum smtp_client_event_type {
    SMTP_CEV_NONE = 0,
    SMTP_CEV_READY,  /* greeting and EHLO/HELO accepted: caps are valid; state READY */
    SMTP_CEV_REPLY,  /* the reply to a MAIL, RCPT, DATA, DOT, RSET or STARTTLS, in order */
    SMTP_CEV_FAIL,   /* greeting or EHLO/HELO refused, 421, a timeout or a reply that
                      * breaks the protocol: the reply (if any) is in the event; the
                      * client is CLOSED (QUIT queued when the server can still take it) */
    SMTP_CEV_CLOSED, /* the reply to QUIT arrived */
};

/* One reply event. `text` borrows the client and stays valid until the next
 * call on it. */
struct smtp_client_event {
    enum smtp_client_event_type type;
    enum smtp_cmd cmd; /* the command answered (GREETING for the 220) */
    int code;          /* three-digit reply code, 0 for a timeout or protocol error */
    char enhanced[16]; /* "x.y.z" from the reply (RFC 3463), "" if absent */
    const char *text;  /* last reply line's text after code and enhanced code; for a
                        * timeout or protocol error a short static reason */
    size_t text_len;
    enum rl_err err; /* FAIL: RL_EIO for a protocol error, RL_ELIMIT for a timeout,
                      * RL_OK when the server refused with a reply */
};

/* Client session. Fields are private to smtp_client.c; public only so
 * callers can place it in their per-core pools. */
struct smtp_client {
    struct smtp_client_limits lim;
    char helo[256];
    enum smtp_client_state state;
    struct smtp_client_caps caps;

    uint8_t *line; /* reply line buffer, lim.max_reply_line octets, lent at init */
    size_t line_len;
    uint8_t *out; /* pending command octets, lim.out_cap, lent at init */
    size_t out_len;

    /* Commands sent whose replies are awaited, oldest first (RFC 2920 keeps
     * them in order). */
    enum smtp_cmd pending[16];
    uint8_t n_pending;
    uint8_t pending_head;

    int reply_code; /* code of the multi-line reply being read */
    char reply_enh[16];
    char reply_text[SMTP_CLIENT_TEXT_MAX];
    size_t reply_text_len;
    bool ehlo_seen_first; /* the first EHLO reply line (the domain) was read */

    uint64_t deadline_ms; /* when the awaited reply times out; 0 = not armed */
    bool deadline_unset;  /* a reply is awaited but tick has not run since */
};

/* smtp_client_limits_default fills `out_lim` with the RFC 5321 4.5.3.2
 * timeouts, 2048-octet reply lines and a 4 KiB output buffer. Cannot fail. */
void smtp_client_limits_default(struct smtp_client_limits *out_lim);

/* smtp_client_mem_size returns the octets smtp_client_init needs for `lim`,
 * or 0 if `lim` is below the minimums or a timeout is 0. */
size_t smtp_client_mem_size(const struct smtp_client_limits *lim);

/* smtp_client_init prepares `c` with a copy of `lim`, `helo_name` (our
 * domain for EHLO, < 256 octets, no spaces or control characters) and `mem`
 * (`mem_len` >= smtp_client_mem_size(lim), the caller's, outliving `c`).
 * State INIT: the 220 is awaited. Returns 0 or RL_EINVAL. Never allocates. */
int smtp_client_init(struct smtp_client *c, const struct smtp_client_limits *lim,
                     const char *helo_name, void *mem, size_t mem_len);

/* smtp_client_reset returns `c` to INIT for a new connection. Cannot fail. */
void smtp_client_reset(struct smtp_client *c);

/* smtp_client_feed consumes server octets from `in`, sets *out_used and stops
 * at the first event. Returns 0 with *out_ev filled, RL_EAGAIN when all
 * input is consumed or buffered, or RL_EINVAL once the client is CLOSED
 * (sticky until reset). The EHLO command is queued by the client itself
 * after a 2xx greeting; HELO after a 5xx to EHLO. A reply is awaited only
 * for a command the caller has written and consumed (smtp_client_consume);
 * octets that arrive while none is awaited are a protocol error (FAIL),
 * except a 421 (FAIL with that reply). Borrows `in`. */
int smtp_client_feed(struct smtp_client *c, struct smtp_client_event *out_ev, size_t *out_used,
                     const uint8_t *in, size_t in_len);

/* smtp_client_mail queues "MAIL FROM:<from>" with SIZE= when `size` > 0 and
 * the server offered SIZE, BODY=8BITMIME when `body8` and offered, SMTPUTF8
 * when `smtputf8` and offered. `from` (`from_len` octets, may be 0) is the
 * bare mailbox. Returns 0; RL_EINVAL unless READY or if `from` holds CR, LF
 * or another control character, '<' or '>'; RL_ENOMEM if the output buffer
 * is full. State becomes TXN and stays so whatever the reply (RSET or QUIT
 * after a refusal). */
int smtp_client_mail(struct smtp_client *c, const uint8_t *from, size_t from_len, uint64_t size,
                     bool body8, bool smtputf8);

/* smtp_client_rcpt queues "RCPT TO:<to>". Returns 0; RL_EINVAL unless in TXN
 * with no RSET queued (or `to` is empty or holds a control character, '<',
 * '>'); RL_EAGAIN when the server did not offer PIPELINING and a reply is
 * still awaited, when the reply to DATA is awaited (RFC 2920 3.1), or when
 * 16 replies are awaited (send it later); RL_ENOMEM if the output buffer is
 * full. */
int smtp_client_rcpt(struct smtp_client *c, const uint8_t *to, size_t to_len);

/* smtp_client_data queues "DATA". Returns as smtp_client_rcpt. A 354 reply
 * event moves the client to BODY. */
int smtp_client_data(struct smtp_client *c);

/* smtp_client_bdat_last queues "BDAT <size> LAST" (RFC 3030) when the server
 * offered CHUNKING: the caller then writes exactly `size` octets of the
 * message as they are (no dot-stuffing, no terminator) after draining the
 * output, and calls smtp_client_body_sent; the reply is the DOT reply.
 * Returns 0; RL_EINVAL unless in TXN with CHUNKING offered and no RSET
 * queued; RL_EAGAIN as smtp_client_data; RL_ENOMEM if the output is full.
 * State becomes BODY at once (no 354 comes). */
int smtp_client_bdat_last(struct smtp_client *c, uint64_t size);

/* smtp_client_body_sent tells `c` that the caller has written the whole body,
 * already dot-stuffed and ending in CRLF "." CRLF (see smtp_dotstuff), to the
 * connection after draining the client's output: state DOT, and the data
 * termination timeout runs from the next tick. Returns 0 or RL_EINVAL unless
 * in BODY. */
int smtp_client_body_sent(struct smtp_client *c);

/* smtp_client_body_progress tells `c` that body octets were written, which
 * re-arms the data block timeout (4.5.3.2.5). Cannot fail. */
void smtp_client_body_progress(struct smtp_client *c);

/* smtp_client_rset queues "RSET" to abandon an open transaction (TXN or after
 * a refused DATA). Returns 0; RL_EINVAL in any other state or if RSET is
 * already queued; RL_EAGAIN as smtp_client_rcpt. The reply event (cmd RSET)
 * brings the client back to READY; a refused RSET is a FAIL (QUIT queued). */
int smtp_client_rset(struct smtp_client *c);

/* smtp_client_starttls queues "STARTTLS" (RFC 3207) from READY when the
 * server offered it and no reply is awaited. Returns 0; RL_EINVAL otherwise;
 * RL_ENOMEM if the output is full. State STARTTLS; the reply event (cmd
 * STARTTLS) leaves the client in TLS on a 2xx (write out the output, then
 * start the handshake on the octets that follow), or back in READY on a
 * refusal (the caller decides: go on in clear, or QUIT). Octets fed in state
 * TLS came in clear after the 220, where only the handshake may be: they
 * fail the session (FAIL, err RL_EIO) rather than be read as replies. */
int smtp_client_starttls(struct smtp_client *c);

/* smtp_client_tls_started tells `c` that the TLS handshake completed: every
 * capability learnt in clear is forgotten and EHLO is queued again (RFC 3207
 * 4.2); READY comes again with the capabilities offered inside TLS. Returns
 * 0, or RL_EINVAL unless in state TLS. */
int smtp_client_tls_started(struct smtp_client *c);

/* smtp_client_quit queues "QUIT" from READY or TXN. Returns 0, RL_EINVAL in
 * other states, or RL_EAGAIN as smtp_client_rcpt. */
int smtp_client_quit(struct smtp_client *c);

/* smtp_client_tick checks the timeout of the awaited reply at `now_ms` (any
 * monotonic millisecond clock). Returns 0 with a FAIL event (err RL_ELIMIT)
 * when it expired, else RL_EAGAIN. */
int smtp_client_tick(struct smtp_client *c, struct smtp_client_event *out_ev, uint64_t now_ms);

/* smtp_client_output lends the queued command octets and sets *out_len.
 * smtp_client_consume drops the first `n` of them once written. */
const uint8_t *smtp_client_output(const struct smtp_client *c, size_t *out_len);
void smtp_client_consume(struct smtp_client *c, size_t n);

/* smtp_client_state returns the state; smtp_client_caps_get lends the caps. */
enum smtp_client_state smtp_client_state(const struct smtp_client *c);
const struct smtp_client_caps *smtp_client_caps_get(const struct smtp_client *c);

/* smtp_cmd_name returns "MAIL", "RCPT", ... (static, never NULL). */
const char *smtp_cmd_name(enum smtp_cmd cmd);

/* Dot-stuffing of a message body for DATA (RFC 5321 4.5.2), streaming. */
struct smtp_dotstuff {
    bool bol;     /* the body so far is empty or ends in CRLF */
    uint8_t last; /* the last octet seen */
};

/* smtp_dotstuff_init starts a body at the beginning of a line. */
void smtp_dotstuff_init(struct smtp_dotstuff *d);

/* smtp_dotstuff_run copies `in` to `out` doubling every '.' that starts a
 * line, a line starting after any CR or LF (so also after a bare one, which
 * keeps a next hop that ends lines there from seeing a "." line). `out_cap`
 * must be at least 2 * in_len (worst case). Returns the octets written.
 * Cannot fail. */
size_t smtp_dotstuff_run(struct smtp_dotstuff *d, uint8_t *out, size_t out_cap, const uint8_t *in,
                         size_t in_len);

/* smtp_dotstuff_end writes the terminator to `out` (capacity >= 5): CRLF if
 * the body did not end with one, then ".\r\n". Returns the octets written. */
size_t smtp_dotstuff_end(struct smtp_dotstuff *d, uint8_t *out, size_t out_cap);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The relay SMTP client state machine: reply framing and parsing (multi-line,
 * enhanced codes, EHLO keywords), commands and the FIFO of awaited replies,
 * timeouts, and streaming dot-stuffing. Works only on the buffers lent at
 * init; called by the one core owning the outbound connection. */
#include "smtp_client.h"

#include <string.h>

#include "rl_ascii.h"
#include "rl_span.h"

#define PENDING_CAP (sizeof(((struct smtp_client *)NULL)->pending) / sizeof(enum smtp_cmd))

/* Reasons given in FAIL events that carry no server reply. */
static const char why_line[] = "malformed reply line";
static const char why_long[] = "reply line too long";
static const char why_ctrl[] = "control character in reply text";
static const char why_mixed[] = "reply codes differ between the lines of one reply";
static const char why_unsolicited[] = "reply while no command awaits one";
static const char why_class[] = "reply code does not fit the command";
static const char why_timeout[] = "timeout awaiting the reply";
static const char why_body_timeout[] = "timeout writing the message body";
static const char why_overflow[] = "command output buffer full";
static const char why_injected[] = "octets in clear after the 220 to STARTTLS";

static const char *const cmd_names[] = {
    [SMTP_CMD_NONE] = "NONE", [SMTP_CMD_GREETING] = "GREETING", [SMTP_CMD_EHLO] = "EHLO",
    [SMTP_CMD_HELO] = "HELO", [SMTP_CMD_MAIL] = "MAIL",         [SMTP_CMD_RCPT] = "RCPT",
    [SMTP_CMD_DATA] = "DATA", [SMTP_CMD_DOT] = "DOT",           [SMTP_CMD_RSET] = "RSET",
    [SMTP_CMD_QUIT] = "QUIT", [SMTP_CMD_STARTTLS] = "STARTTLS",
};

const char *
smtp_cmd_name(enum smtp_cmd cmd)
{
    if ((unsigned)cmd >= sizeof(cmd_names) / sizeof(cmd_names[0])) {
        return "?";
    }
    return cmd_names[cmd];
}

void
smtp_client_limits_default(struct smtp_client_limits *out_lim)
{
    /* RFC 5321 4.5.3.2.1-6. */
    out_lim->greeting_ms = (uint64_t)5 * 60 * 1000;
    out_lim->command_ms = (uint64_t)5 * 60 * 1000;
    out_lim->data_init_ms = (uint64_t)2 * 60 * 1000;
    out_lim->data_block_ms = (uint64_t)3 * 60 * 1000;
    out_lim->data_term_ms = (uint64_t)10 * 60 * 1000;
    out_lim->max_reply_line = 2048;
    out_lim->out_cap = 4096;
}

size_t
smtp_client_mem_size(const struct smtp_client_limits *lim)
{
    /* RFC 5321 4.5.3.1.5: a client MUST take reply lines of 512 octets. */
    if (lim == NULL || lim->max_reply_line < 512 || lim->out_cap < 2048 ||
        lim->max_reply_line > SIZE_MAX / 2 || lim->out_cap > SIZE_MAX / 2 ||
        lim->greeting_ms == 0 || lim->command_ms == 0 || lim->data_init_ms == 0 ||
        lim->data_block_ms == 0 || lim->data_term_ms == 0) {
        return 0;
    }
    return lim->max_reply_line + lim->out_cap;
}

/* enter is the one place the state changes. */
static void
enter(struct smtp_client *c, enum smtp_client_state to)
{
    c->state = to;
}

/* timer_restart makes the next tick arm the timeout of whatever is awaited
 * then: each command has its own RFC 5321 4.5.3.2 limit, counted from the
 * moment it becomes the oldest one awaiting a reply. */
static void
timer_restart(struct smtp_client *c)
{
    c->deadline_ms = 0;
    c->deadline_unset = true;
}

static enum smtp_cmd
pending_head(const struct smtp_client *c)
{
    return c->n_pending > 0 ? c->pending[c->pending_head] : SMTP_CMD_NONE;
}

static bool
pending_has(const struct smtp_client *c, enum smtp_cmd cmd)
{
    for (size_t k = 0; k < c->n_pending; k++) {
        if (c->pending[(c->pending_head + k) % PENDING_CAP] == cmd) {
            return true;
        }
    }
    return false;
}

static void
pending_push(struct smtp_client *c, enum smtp_cmd cmd)
{
    c->pending[(c->pending_head + c->n_pending) % PENDING_CAP] = cmd;
    c->n_pending++;
    if (c->n_pending == 1) {
        timer_restart(c);
    }
}

static void
pending_pop(struct smtp_client *c)
{
    c->pending_head = (uint8_t)((c->pending_head + 1) % PENDING_CAP);
    c->n_pending--;
    timer_restart(c);
}

/* awaited returns the command the next reply answers, or NONE when no
 * command awaiting a reply has been written yet. Every command is one line
 * in `out` until the caller consumes its last octet, and the queue and the
 * FIFO are in the same order, so the unsent commands are the FIFO's tail. A
 * reply to a command the server cannot have read is not a reply. */
static enum smtp_cmd
awaited(const struct smtp_client *c)
{
    size_t unsent = 0;
    const uint8_t *p = c->out;
    const uint8_t *end = c->out + c->out_len;
    while (p < end) {
        const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
        if (lf == NULL) {
            break;
        }
        unsent++;
        p = lf + 1;
    }
    return c->n_pending > unsent ? pending_head(c) : SMTP_CMD_NONE;
}

void
smtp_client_reset(struct smtp_client *c)
{
    memset(&c->caps, 0, sizeof(c->caps));
    c->line_len = 0;
    c->out_len = 0;
    c->n_pending = 0;
    c->pending_head = 0;
    c->reply_code = 0;
    c->reply_enh[0] = '\0';
    c->reply_text_len = 0;
    c->ehlo_seen_first = false;
    enter(c, SMTP_C_INIT);
    /* RFC 5321 3.1: the connection opens with the server's greeting. */
    pending_push(c, SMTP_CMD_GREETING);
}

int
smtp_client_init(struct smtp_client *c, const struct smtp_client_limits *lim, const char *helo_name,
                 void *mem, size_t mem_len)
{
    if (c == NULL || helo_name == NULL || mem == NULL) {
        return RL_EINVAL;
    }
    size_t need = smtp_client_mem_size(lim);
    size_t helo_len = strnlen(helo_name, sizeof(c->helo));
    if (need == 0 || mem_len < need || helo_len == 0 || helo_len >= sizeof(c->helo)) {
        return RL_EINVAL;
    }
    for (size_t i = 0; i < helo_len; i++) {
        uint8_t b = (uint8_t)helo_name[i];
        if (b <= ' ' || b == 0x7f) {
            return RL_EINVAL;
        }
    }
    memset(c, 0, sizeof(*c));
    c->lim = *lim;
    memcpy(c->helo, helo_name, helo_len + 1);
    c->line = mem;
    c->out = (uint8_t *)mem + lim->max_reply_line;
    smtp_client_reset(c);
    return 0;
}

/* ---- Command output ---- */

/* A command being written into the free end of the output buffer; nothing
 * counts until cmd_commit, so a command that does not fit leaves no trace. */
struct cmd_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    bool ok;
};

static void
cmd_open(struct smtp_client *c, struct cmd_buf *b)
{
    b->p = c->out + c->out_len;
    b->len = 0;
    b->cap = c->lim.out_cap - c->out_len;
    b->ok = true;
}

static void
cmd_put(struct cmd_buf *b, const void *s, size_t n)
{
    if (!b->ok || n > b->cap - b->len) {
        b->ok = false;
        return;
    }
    if (n > 0) {
        memcpy(b->p + b->len, s, n);
    }
    b->len += n;
}

static void
cmd_str(struct cmd_buf *b, const char *s)
{
    cmd_put(b, s, strlen(s));
}

static void
cmd_u64(struct cmd_buf *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n] = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v != 0);
    cmd_put(b, tmp + sizeof(tmp) - n, n);
}

/* cmd_commit queues the finished command and the reply it awaits. */
static int
cmd_commit(struct smtp_client *c, struct cmd_buf *b, enum smtp_cmd cmd)
{
    cmd_put(b, "\r\n", 2);
    if (!b->ok) {
        return RL_ENOMEM;
    }
    c->out_len += b->len;
    pending_push(c, cmd);
    return 0;
}

/* queue_simple queues a command that is a verb and an optional argument. */
static int
queue_simple(struct smtp_client *c, enum smtp_cmd cmd, const char *verb, const char *arg)
{
    struct cmd_buf b;
    cmd_open(c, &b);
    cmd_str(&b, verb);
    if (arg != NULL) {
        cmd_put(&b, " ", 1);
        cmd_str(&b, arg);
    }
    return cmd_commit(c, &b, cmd);
}

/* may_send says whether one more command may go out now. RFC 2920 3.1: only
 * with PIPELINING may a command be sent before the previous reply, and
 * nothing may follow DATA until its reply says whether the server now reads
 * message text. */
static int
may_send(const struct smtp_client *c)
{
    if (pending_has(c, SMTP_CMD_DATA)) {
        return RL_EAGAIN;
    }
    if (c->n_pending > 0 && !c->caps.pipelining) {
        return RL_EAGAIN;
    }
    if (c->n_pending >= PENDING_CAP) {
        return RL_EAGAIN;
    }
    return 0;
}

/* path_ok accepts a mailbox to place between '<' and '>'. A CR or LF would
 * let the caller's data end the command and start another (command
 * injection); an angle bracket would end the path early. */
static bool
path_ok(const uint8_t *p, size_t n)
{
    if (n > 0 && p == NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < ' ' || p[i] == 0x7f || p[i] == '<' || p[i] == '>') {
            return false;
        }
    }
    return true;
}

/* open_path starts "VERB<path>" in `b` (`verb` ends in '<') when one more
 * command may go out now (may_send). */
static int
open_path(struct smtp_client *c, struct cmd_buf *b, const char *verb, const uint8_t *path,
          size_t len)
{
    int rc = may_send(c);
    if (rc != 0) {
        return rc;
    }
    cmd_open(c, b);
    cmd_str(b, verb);
    cmd_put(b, path, len);
    cmd_str(b, ">");
    return 0;
}

int
smtp_client_mail(struct smtp_client *c, const uint8_t *from, size_t from_len, uint64_t size,
                 bool body8, bool smtputf8)
{
    if (c->state != SMTP_C_READY || !path_ok(from, from_len)) {
        return RL_EINVAL;
    }
    struct cmd_buf b;
    int rc = open_path(c, &b, "MAIL FROM:<", from, from_len);
    if (rc != 0) {
        return rc;
    }
    /* RFC 1870 5, RFC 6152 2, RFC 6531 3.4: parameters only when offered. */
    if (size > 0 && c->caps.has_size) {
        cmd_str(&b, " SIZE=");
        cmd_u64(&b, size);
    }
    if (body8 && c->caps.eightbitmime) {
        cmd_str(&b, " BODY=8BITMIME");
    }
    if (smtputf8 && c->caps.smtputf8) {
        cmd_str(&b, " SMTPUTF8");
    }
    rc = cmd_commit(c, &b, SMTP_CMD_MAIL);
    if (rc == 0) {
        enter(c, SMTP_C_TXN);
    }
    return rc;
}

int
smtp_client_rcpt(struct smtp_client *c, const uint8_t *to, size_t to_len)
{
    if (c->state != SMTP_C_TXN || to_len == 0 || !path_ok(to, to_len) ||
        pending_has(c, SMTP_CMD_RSET)) {
        return RL_EINVAL;
    }
    struct cmd_buf b;
    int rc = open_path(c, &b, "RCPT TO:<", to, to_len);
    return rc != 0 ? rc : cmd_commit(c, &b, SMTP_CMD_RCPT);
}

/* queue_in_txn queues a bare verb that belongs to an open transaction not
 * being abandoned (DATA, RSET). */
static int
queue_in_txn(struct smtp_client *c, enum smtp_cmd cmd, const char *verb)
{
    if (c->state != SMTP_C_TXN || pending_has(c, SMTP_CMD_RSET)) {
        return RL_EINVAL;
    }
    int rc = may_send(c);
    return rc != 0 ? rc : queue_simple(c, cmd, verb, NULL);
}

int
smtp_client_data(struct smtp_client *c)
{
    return queue_in_txn(c, SMTP_CMD_DATA, "DATA");
}

int
smtp_client_bdat_last(struct smtp_client *c, uint64_t size)
{
    if (c->state != SMTP_C_TXN || !c->caps.chunking || pending_has(c, SMTP_CMD_RSET)) {
        return RL_EINVAL;
    }
    int rc = may_send(c);
    if (rc != 0) {
        return rc;
    }
    /* RFC 3030 2: the chunk follows its command at once, with no reply in
     * between; the one reply answers the whole message, as after the dot. */
    struct cmd_buf b;
    cmd_open(c, &b);
    cmd_str(&b, "BDAT ");
    cmd_u64(&b, size);
    cmd_str(&b, " LAST\r\n");
    if (!b.ok) {
        return RL_ENOMEM;
    }
    c->out_len += b.len;
    enter(c, SMTP_C_BODY);
    timer_restart(c);
    return 0;
}

int
smtp_client_body_sent(struct smtp_client *c)
{
    if (c->state != SMTP_C_BODY) {
        return RL_EINVAL;
    }
    /* The caller wrote the terminating "." line itself: the reply it awaits
     * has no command line in `out`. */
    pending_push(c, SMTP_CMD_DOT);
    enter(c, SMTP_C_DOT);
    return 0;
}

void
smtp_client_body_progress(struct smtp_client *c)
{
    if (c->state == SMTP_C_BODY) {
        timer_restart(c);
    }
}

int
smtp_client_rset(struct smtp_client *c)
{
    return queue_in_txn(c, SMTP_CMD_RSET, "RSET");
}

int
smtp_client_starttls(struct smtp_client *c)
{
    if (c->state != SMTP_C_READY || !c->caps.starttls || c->n_pending > 0) {
        return RL_EINVAL;
    }
    int rc = queue_simple(c, SMTP_CMD_STARTTLS, "STARTTLS", NULL);
    if (rc == 0) {
        enter(c, SMTP_C_STARTTLS);
    }
    return rc;
}

int
smtp_client_quit(struct smtp_client *c)
{
    if (c->state != SMTP_C_READY && c->state != SMTP_C_TXN) {
        return RL_EINVAL;
    }
    int rc = may_send(c);
    if (rc != 0) {
        return rc;
    }
    rc = queue_simple(c, SMTP_CMD_QUIT, "QUIT", NULL);
    if (rc == 0) {
        enter(c, SMTP_C_QUIT);
    }
    return rc;
}

/* ---- Failure ---- */

/* close_session ends the conversation. `quit` queues QUIT when the server is
 * in step and can still take it (it refused us with a proper reply; RFC 5321
 * 3.1 asks for QUIT after a refused greeting). After a 421, a timeout or a
 * protocol error the server is gone or out of step: commands not yet written
 * are dropped and nothing is added. */
static void
close_session(struct smtp_client *c, bool quit)
{
    c->n_pending = 0;
    c->pending_head = 0;
    c->reply_code = 0;
    c->ehlo_seen_first = false;
    c->line_len = 0;
    c->deadline_ms = 0;
    c->deadline_unset = false;
    if (!quit) {
        c->out_len = 0;
    } else if (c->lim.out_cap - c->out_len >= 6) {
        memcpy(c->out + c->out_len, "QUIT\r\n", 6);
        c->out_len += 6;
    }
    enter(c, SMTP_C_CLOSED);
}

/* fail_local fills a FAIL event for a failure that is not a server reply. */
static bool
fail_local(struct smtp_client *c, struct smtp_client_event *ev, enum smtp_cmd cmd, enum rl_err err,
           const char *why)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = SMTP_CEV_FAIL;
    ev->cmd = cmd;
    ev->err = err;
    ev->text = why;
    ev->text_len = strlen(why);
    close_session(c, false);
    return true;
}

static bool
protocol_error(struct smtp_client *c, struct smtp_client_event *ev, enum smtp_cmd cmd,
               const char *why)
{
    return fail_local(c, ev, cmd, RL_EIO, why);
}

/* refused turns the reply already in `ev` into a FAIL event. */
static bool
refused(struct smtp_client *c, struct smtp_client_event *ev, bool quit)
{
    ev->type = SMTP_CEV_FAIL;
    ev->err = RL_OK;
    close_session(c, quit);
    return true;
}

/* ---- Replies ---- */

static size_t
count_digits(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        i++;
    }
    return i;
}

/* parse_enhanced reads an RFC 3463 status code "class.subject.detail" at the
 * start of `t` into out_enh and returns the octets to skip past it and the
 * spaces after it, or 0 if there is none. RFC 3463 2: class is 2, 4 or 5,
 * subject and detail 1*3digit; RFC 2034 3: the class is the reply code's
 * first digit, so a mismatch is ordinary text. */
static size_t
parse_enhanced(const uint8_t *t, size_t n, int code, char out_enh[16])
{
    int cls = code / 100;
    if (cls != 2 && cls != 4 && cls != 5) {
        return 0;
    }
    if (n < 5 || t[0] != (uint8_t)('0' + cls) || t[1] != '.') {
        return 0;
    }
    size_t i = 2;
    size_t d = count_digits(t + i, n - i);
    if (d == 0 || d > 3) {
        return 0;
    }
    i += d;
    if (i >= n || t[i] != '.') {
        return 0;
    }
    i++;
    d = count_digits(t + i, n - i);
    if (d == 0 || d > 3) {
        return 0;
    }
    i += d;
    if (i < n && t[i] != ' ') {
        return 0;
    }
    memcpy(out_enh, t, i);
    out_enh[i] = '\0';
    while (i < n && t[i] == ' ') {
        i++;
    }
    return i;
}

/* parse_ehlo_keyword records one "ehlo-line" (RFC 5321 4.1.1.1): a keyword,
 * case-insensitive, and its parameters. Unknown keywords are ignored. */
static void
parse_ehlo_keyword(struct smtp_client_caps *caps, const uint8_t *t, size_t n)
{
    size_t k = 0;
    while (k < n && t[k] != ' ') {
        k++;
    }
    size_t i = k;
    while (i < n && t[i] == ' ') {
        i++;
    }
    if (rl_ascii_word(t, k, "PIPELINING")) {
        caps->pipelining = true;
    } else if (rl_ascii_word(t, k, "8BITMIME")) {
        caps->eightbitmime = true;
    } else if (rl_ascii_word(t, k, "SMTPUTF8")) {
        caps->smtputf8 = true;
    } else if (rl_ascii_word(t, k, "CHUNKING")) {
        caps->chunking = true;
    } else if (rl_ascii_word(t, k, "STARTTLS")) {
        caps->starttls = true;
    } else if (rl_ascii_word(t, k, "ENHANCEDSTATUSCODES")) {
        caps->enhanced = true;
    } else if (rl_ascii_word(t, k, "SIZE")) {
        /* RFC 1870 4: "SIZE" [SP number]; 0 or no number = no fixed limit. A
         * number we cannot read is treated as no limit given: the server
         * still refuses a message it finds too large. */
        caps->has_size = true;
        caps->size = 0;
        size_t d = count_digits(t + i, n - i);
        if (d == 0 || d > 19 || (i + d < n && t[i + d] != ' ')) {
            return;
        }
        uint64_t v = 0;
        for (size_t j = 0; j < d; j++) {
            v = v * 10 + (uint64_t)(t[i + j] - '0');
        }
        caps->size = v;
    }
}

/* start_helo queues EHLO or HELO with our name. The output holds nothing
 * else at these points (the caller cannot queue before READY), so it fits. */
static bool
start_helo(struct smtp_client *c, struct smtp_client_event *ev, bool ehlo)
{
    memset(&c->caps, 0, sizeof(c->caps));
    if (queue_simple(c, ehlo ? SMTP_CMD_EHLO : SMTP_CMD_HELO, ehlo ? "EHLO" : "HELO", c->helo) !=
        0) {
        return protocol_error(c, ev, ehlo ? SMTP_CMD_EHLO : SMTP_CMD_HELO, why_overflow);
    }
    enter(c, ehlo ? SMTP_C_EHLO : SMTP_C_HELO);
    return false;
}

/* reply_done acts on a complete reply with code `code` to command `cmd`,
 * already taken off the FIFO. `ev` holds the reply. Returns true if `ev` is
 * an event for the caller. */
static bool
reply_done(struct smtp_client *c, struct smtp_client_event *ev, enum smtp_cmd cmd, int code)
{
    int cls = code / 100;
    ev->type = SMTP_CEV_REPLY;
    switch (cmd) {
    case SMTP_CMD_GREETING:
        if (cls == 2) {
            return start_helo(c, ev, true);
        }
        /* RFC 5321 3.1: after a refused greeting the client SHOULD send QUIT. */
        return cls == 3 ? protocol_error(c, ev, cmd, why_class) : refused(c, ev, true);
    case SMTP_CMD_EHLO:
        if (cls == 2) {
            enter(c, SMTP_C_READY);
            ev->type = SMTP_CEV_READY;
            return true;
        }
        /* RFC 5321 3.2: a server without EHLO answers it with a 5xx; fall
         * back to HELO (4.1.4 allows it only then). */
        if (cls == 5) {
            return start_helo(c, ev, false);
        }
        return cls == 3 ? protocol_error(c, ev, cmd, why_class) : refused(c, ev, true);
    case SMTP_CMD_HELO:
        if (cls == 2) {
            enter(c, SMTP_C_READY);
            ev->type = SMTP_CEV_READY;
            return true;
        }
        return cls == 3 ? protocol_error(c, ev, cmd, why_class) : refused(c, ev, true);
    case SMTP_CMD_MAIL:
    case SMTP_CMD_RCPT:
        return cls == 3 ? protocol_error(c, ev, cmd, why_class) : true;
    case SMTP_CMD_DATA:
        /* RFC 5321 4.3.2: DATA's positive answer is intermediate (354). A
         * 2xx would mean the server took DATA without reading text: out of
         * step. */
        if (cls == 3) {
            enter(c, SMTP_C_BODY);
            timer_restart(c);
            return true;
        }
        return cls == 2 ? protocol_error(c, ev, cmd, why_class) : true;
    case SMTP_CMD_DOT:
        if (cls == 3) {
            return protocol_error(c, ev, cmd, why_class);
        }
        enter(c, SMTP_C_READY);
        return true;
    case SMTP_CMD_RSET:
        if (cls == 3) {
            return protocol_error(c, ev, cmd, why_class);
        }
        if (c->state != SMTP_C_TXN) {
            return true; /* QUIT follows anyway */
        }
        /* RFC 5321 4.1.1.5: RSET MUST be answered with 250. A server that
         * cannot clear its transaction cannot take another one. */
        if (cls != 2) {
            return refused(c, ev, true);
        }
        enter(c, SMTP_C_READY);
        return true;
    case SMTP_CMD_STARTTLS:
        if (cls == 3) {
            return protocol_error(c, ev, cmd, why_class);
        }
        enter(c, cls == 2 ? SMTP_C_TLS : SMTP_C_READY);
        return true;
    case SMTP_CMD_QUIT:
        if (cls == 3) {
            return protocol_error(c, ev, cmd, why_class);
        }
        close_session(c, false);
        ev->type = SMTP_CEV_CLOSED;
        return true;
    default:
        return protocol_error(c, ev, cmd, why_unsolicited);
    }
}

/* reply_line handles one reply line of `n` octets (CRLF included). Returns
 * true if it filled `ev`. */
static bool
reply_line(struct smtp_client *c, struct smtp_client_event *ev, const uint8_t *line, size_t n)
{
    enum smtp_cmd head = pending_head(c);
    /* RFC 5321 2.3.8 and 4.2: a reply line ends in CRLF, and CR or LF appear
     * nowhere else. Reply-code = %x32-35 %x30-35 %x30-39, then "-" on all
     * lines but the last, then the text. */
    if (n < 5 || line[n - 2] != '\r' || memchr(line, '\r', n - 2) != NULL) {
        return protocol_error(c, ev, head, why_line);
    }
    n -= 2;
    if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' || line[2] < '0' ||
        line[2] > '9' || (n > 3 && line[3] != ' ' && line[3] != '-')) {
        return protocol_error(c, ev, head, why_line);
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    bool last = n == 3 || line[3] == ' ';
    const uint8_t *text = n > 3 ? line + 4 : line + 3;
    size_t text_len = n > 3 ? n - 4 : 0;
    for (size_t i = 0; i < text_len; i++) {
        /* textstring (4.2): HT and printable ASCII; octets above 127 are
         * let through for RFC 6531 servers. */
        if ((text[i] < ' ' && text[i] != '\t') || text[i] == 0x7f) {
            return protocol_error(c, ev, head, why_ctrl);
        }
    }
    if (c->reply_code == 0) {
        /* A reply starts. Only a 421 may come unasked: RFC 5321 3.8 lets a
         * server that shuts down say so at any time. */
        if (awaited(c) == SMTP_CMD_NONE && code != 421) {
            return protocol_error(c, ev, SMTP_CMD_NONE, why_unsolicited);
        }
        c->reply_code = code;
        c->reply_enh[0] = '\0';
        c->ehlo_seen_first = false;
    } else if (code != c->reply_code) {
        /* RFC 5321 4.2.1: every line of a multi-line reply has the same code. */
        return protocol_error(c, ev, head, why_mixed);
    }
    char enh[16];
    size_t skip = parse_enhanced(text, text_len, code, enh);
    if (skip > 0) {
        memcpy(c->reply_enh, enh, sizeof(enh));
    }
    if (head == SMTP_CMD_EHLO && code / 100 == 2) {
        /* RFC 5321 4.1.1.1: the first line names the server, each further
         * line is one extension. */
        if (c->ehlo_seen_first) {
            parse_ehlo_keyword(&c->caps, text, text_len);
        }
        c->ehlo_seen_first = true;
    }
    if (!last) {
        return false;
    }
    size_t keep = text_len - skip;
    if (keep > sizeof(c->reply_text)) {
        keep = sizeof(c->reply_text);
    }
    memcpy(c->reply_text, text + skip, keep);
    c->reply_text_len = keep;
    c->reply_code = 0;
    c->ehlo_seen_first = false;

    enum smtp_cmd cmd = awaited(c);
    memset(ev, 0, sizeof(*ev));
    ev->cmd = cmd;
    ev->code = code;
    memcpy(ev->enhanced, c->reply_enh, sizeof(ev->enhanced));
    ev->text = c->reply_text;
    ev->text_len = c->reply_text_len;
    ev->err = RL_OK;
    if (code == 421) {
        /* RFC 5321 3.8: 421 means the server is closing the connection. */
        return refused(c, ev, false);
    }
    if (cmd == SMTP_CMD_NONE) {
        return protocol_error(c, ev, cmd, why_unsolicited);
    }
    pending_pop(c);
    return reply_done(c, ev, cmd, code);
}

int
smtp_client_feed(struct smtp_client *c, struct smtp_client_event *out_ev, size_t *out_used,
                 const uint8_t *in, size_t in_len)
{
    memset(out_ev, 0, sizeof(*out_ev));
    *out_used = 0;
    if (c->state == SMTP_C_CLOSED) {
        return RL_EINVAL;
    }
    if (c->state == SMTP_C_TLS && in_len > 0) {
        /* RFC 3207 4.2 and the CVE-2011-0411 class turned round: a reply
         * slipped in before the handshake must not be read as one after it. */
        *out_used = in_len;
        protocol_error(c, out_ev, SMTP_CMD_STARTTLS, why_injected);
        return 0;
    }
    size_t i = 0;
    while (i < in_len) {
        const uint8_t *start = in + i;
        const uint8_t *lf = memchr(start, '\n', in_len - i);
        size_t take = lf != NULL ? (size_t)(lf - start) + 1 : in_len - i;
        if (take > c->lim.max_reply_line - c->line_len) {
            /* RFC 5321 4.5.3.1.5 bounds reply lines; a longer one is not
             * waited for to its end: the conversation fails here. */
            *out_used = i + take;
            protocol_error(c, out_ev, pending_head(c), why_long);
            return 0;
        }
        memcpy(c->line + c->line_len, start, take);
        c->line_len += take;
        i += take;
        if (lf == NULL) {
            break;
        }
        size_t n = c->line_len;
        c->line_len = 0;
        if (reply_line(c, out_ev, c->line, n)) {
            *out_used = i;
            return 0;
        }
    }
    *out_used = i;
    return RL_EAGAIN;
}

static uint64_t
timeout_of(const struct smtp_client_limits *lim, enum smtp_cmd cmd)
{
    switch (cmd) {
    case SMTP_CMD_GREETING:
        return lim->greeting_ms;
    case SMTP_CMD_DATA:
        return lim->data_init_ms;
    case SMTP_CMD_DOT:
        return lim->data_term_ms;
    default:
        return lim->command_ms;
    }
}

int
smtp_client_tick(struct smtp_client *c, struct smtp_client_event *out_ev, uint64_t now_ms)
{
    memset(out_ev, 0, sizeof(*out_ev));
    if (c->state == SMTP_C_CLOSED) {
        return RL_EAGAIN;
    }
    enum smtp_cmd head = pending_head(c);
    uint64_t limit;
    if (head != SMTP_CMD_NONE) {
        limit = timeout_of(&c->lim, head);
    } else if (c->state == SMTP_C_BODY) {
        limit = c->lim.data_block_ms;
    } else {
        c->deadline_ms = 0;
        c->deadline_unset = false;
        return RL_EAGAIN;
    }
    if (c->deadline_unset) {
        /* The engine has no clock: the wait is counted from the first tick
         * after the command went out. */
        c->deadline_ms = now_ms > UINT64_MAX - limit ? UINT64_MAX : now_ms + limit;
        c->deadline_unset = false;
        return RL_EAGAIN;
    }
    if (now_ms < c->deadline_ms) {
        return RL_EAGAIN;
    }
    /* RFC 5321 4.5.3.2: a client SHOULD time out a silent server. */
    if (head == SMTP_CMD_NONE) {
        fail_local(c, out_ev, SMTP_CMD_DATA, RL_ELIMIT, why_body_timeout);
    } else {
        fail_local(c, out_ev, head, RL_ELIMIT, why_timeout);
    }
    return 0;
}

int
smtp_client_tls_started(struct smtp_client *c)
{
    if (c->state != SMTP_C_TLS) {
        return RL_EINVAL;
    }
    struct smtp_client_event ev;
    start_helo(c, &ev, true); /* the output is empty here: it fits */
    return 0;
}

const uint8_t *
smtp_client_output(const struct smtp_client *c, size_t *out_len)
{
    *out_len = c->out_len;
    return c->out;
}

void
smtp_client_consume(struct smtp_client *c, size_t n)
{
    if (n >= c->out_len) {
        c->out_len = 0;
        return;
    }
    memmove(c->out, c->out + n, c->out_len - n);
    c->out_len -= n;
}

enum smtp_client_state
smtp_client_state(const struct smtp_client *c)
{
    return c->state;
}

const struct smtp_client_caps *
smtp_client_caps_get(const struct smtp_client *c)
{
    return &c->caps;
}

/* ---- Dot-stuffing (RFC 5321 4.5.2) ---- */

void
smtp_dotstuff_init(struct smtp_dotstuff *d)
{
    d->bol = true;
    d->last = '\n';
}

/* stuff_octets is the stuffer one octet at a time, stopping where `out`
 * is full: the tail smtp_dotstuff_run leaves it when `out_cap` is below
 * the documented 2 * in_len. */
static size_t
stuff_octets(struct smtp_dotstuff *d, uint8_t *out, size_t out_cap, const uint8_t *in,
             size_t in_len)
{
    size_t o = 0;
    uint8_t last = d->last;
    bool bol = d->bol;
    for (size_t i = 0; i < in_len; i++) {
        uint8_t b = in[i];
        bool stuff = b == '.' && (last == '\r' || last == '\n');
        if (out_cap - o < (stuff ? 2U : 1U)) {
            break;
        }
        if (stuff) {
            out[o++] = '.';
        }
        out[o++] = b;
        bol = b == '\n' && last == '\r';
        last = b;
    }
    d->last = last;
    d->bol = bol;
    return o;
}

size_t
smtp_dotstuff_run(struct smtp_dotstuff *d, uint8_t *out, size_t out_cap, const uint8_t *in,
                  size_t in_len)
{
    /* RFC 5321 4.5.2: a line starting with '.' gets one more. A line is
     * taken to start after any CR or LF, not only after CRLF: on a CRLF body
     * that is the same, and after a bare CR or LF it keeps a next hop that
     * ends lines there from seeing a lone '.' line (SMTP smuggling). Runs
     * between such dots are copied whole (rl_dot_line finds them 16 octets
     * at a time). */
    size_t o = 0;
    size_t i = 0;
    uint8_t last0 = d->last;
    while (i < in_len) {
        uint8_t prev = i == 0 ? last0 : in[i - 1];
        size_t k =
            in[i] == '.' && (prev == '\r' || prev == '\n') ? 0 : rl_dot_line(in + i, in_len - i);
        bool stuff = i + k < in_len;
        if (out_cap - o < k + (stuff ? 2U : 0U)) {
            if (i > 0) { /* the state at octet i */
                uint8_t prev2 = i == 1 ? last0 : in[i - 2];
                d->last = prev;
                d->bol = prev == '\n' && prev2 == '\r';
            }
            return o + stuff_octets(d, out + o, out_cap - o, in + i, in_len - i);
        }
        memcpy(out + o, in + i, k);
        o += k;
        i += k;
        if (stuff) {
            out[o++] = '.';
            out[o++] = '.';
            i++;
        }
    }
    if (in_len > 0) {
        uint8_t prev = in_len == 1 ? last0 : in[in_len - 2];
        d->last = in[in_len - 1];
        d->bol = d->last == '\n' && prev == '\r';
    }
    return o;
}

size_t
smtp_dotstuff_end(struct smtp_dotstuff *d, uint8_t *out, size_t out_cap)
{
    size_t o = 0;
    if (out_cap < (d->bol ? 3U : 5U)) {
        return 0;
    }
    /* RFC 5321 4.1.1.4: the text ends with CRLF "." CRLF, the first CRLF
     * being the end of the last line. */
    if (!d->bol) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    out[o++] = '.';
    out[o++] = '\r';
    out[o++] = '\n';
    smtp_dotstuff_init(d);
    return o;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The ESMTP server session state machine: command parsing, DATA/BDAT framing
 * with dot-unstuffing, bare LF normalised or refused, bare CR and NUL
 * refused, sender-specified routing refused for untrusted clients, limits,
 * junk commands, tarpitting and deadlines. Works only on the buffers lent at
 * init; called by the one core owning the session. */
#include "smtp_server.h"

#include <stdio.h>
#include <string.h>

#include "rl_ascii.h"
#include "rl_span.h"
#include "rl_utf8.h"

/* Text scanner states inside DATA and BDAT. */
enum {
    D_BOL = 0, /* at the start of a line, after CRLF */
    D_BOL_LF,  /* DATA, normalize: at the start of a line after a bare LF */
    D_TEXT,    /* inside a line */
    D_CR,      /* after a CR inside a line */
    D_DOT,     /* DATA only: after a '.' at the start of a line */
    D_DOT_CR,  /* DATA only: after ".\r" at the start of a line */
};

static const char *const state_names[] = {
    [SMTP_S_START] = "START",
    [SMTP_S_GREETED] = "GREETED",
    [SMTP_S_HELO] = "HELO",
    [SMTP_S_MAIL_WAIT] = "MAIL_WAIT",
    [SMTP_S_MAIL] = "MAIL",
    [SMTP_S_RCPT_WAIT] = "RCPT_WAIT",
    [SMTP_S_RCPT] = "RCPT",
    [SMTP_S_DATA] = "DATA",
    [SMTP_S_BDAT] = "BDAT",
    [SMTP_S_CHUNKING] = "CHUNKING",
    [SMTP_S_DATA_WAIT] = "DATA_WAIT",
    [SMTP_S_BDAT_WAIT] = "BDAT_WAIT",
    [SMTP_S_TLS_PENDING] = "TLS_PENDING",
    [SMTP_S_CLOSED] = "CLOSED",
};

const char *
smtp_state_name(enum smtp_state st)
{
    if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0])) {
        return "?";
    }
    return state_names[st];
}

/* enter is the one place the state changes, so a trace shows every step. */
static void
enter(struct smtp_session *s, enum smtp_state to, const char *why)
{
    if (s->trace != NULL) {
        s->trace(s->trace_arg, s->state, to, why);
    }
    s->state = to;
    s->n_steps++;
    if (to == SMTP_S_CLOSED) {
        s->err = RL_EINVAL;
    }
}

void
smtp_limits_default(struct smtp_limits *out_lim)
{
    out_lim->max_cmd_line = 512;
    out_lim->max_text_line = 1000;
    out_lim->max_msg_size = (uint64_t)10 * 1024 * 1024;
    out_lim->max_rcpt = 100;
    out_lim->max_errors = 20;
    out_lim->max_junk = 100;
    out_lim->tarpit_after = 10;
    out_lim->tarpit_ms = 1000;
    out_lim->cmd_timeout_ms = (uint64_t)5 * 60 * 1000;
    out_lim->data_timeout_ms = (uint64_t)5 * 60 * 1000;
    out_lim->min_data_rate = 500;
    out_lim->out_cap = 4096;
}

size_t
smtp_session_mem_size(const struct smtp_limits *lim)
{
    /* RFC 5321 4.5.3.1.4 and 4.5.3.1.6: servers MUST accept lines this long. */
    if (lim->max_cmd_line < 512 || lim->max_text_line < 1000 || lim->max_msg_size == 0 ||
        lim->max_rcpt == 0 || lim->out_cap < 2 * SMTP_REPLY_MAX) {
        return 0;
    }
    return lim->max_cmd_line + lim->out_cap;
}

static void
tx_reset(struct smtp_session *s)
{
    s->n_rcpt = 0;
    s->smtputf8 = false;
    s->msg_size = 0;
    s->dstate = D_BOL;
    s->text_line = 0;
    s->data_fail = SMTP_R_NONE;
    s->bdat_left = 0;
    s->bdat_last = false;
    s->bdat_refuse = SMTP_R_NONE;
}

int
smtp_session_init(struct smtp_session *s, const struct smtp_limits *lim,
                  const struct smtp_config *cfg, void *mem, size_t mem_len)
{
    size_t need = smtp_session_mem_size(lim);
    const char *host = cfg->hostname != NULL ? cfg->hostname : "localhost";
    size_t host_len = strlen(host);
    if (need == 0 || mem == NULL || mem_len < need || host_len == 0 ||
        host_len >= sizeof(s->host) || (cfg->tls_required && !cfg->tls_available)) {
        return RL_EINVAL;
    }
    memset(s, 0, sizeof(*s));
    s->lim = *lim;
    memcpy(s->host, host, host_len + 1);
    s->tls_available = cfg->tls_available;
    s->tls_required = cfg->tls_required;
    s->bare_newline = cfg->bare_newline;
    s->nul = cfg->nul;
    s->address_literals = cfg->address_literals;
    s->trace = cfg->trace;
    s->trace_arg = cfg->trace_arg;
    s->line = mem;
    s->out = (uint8_t *)mem + lim->max_cmd_line;
    smtp_session_reset(s);
    return 0;
}

void
smtp_session_reset(struct smtp_session *s)
{
    s->line_len = 0;
    s->line_skip = false;
    s->line_lf = false;
    s->out_len = 0;
    s->err = 0;
    s->esmtp = false;
    s->tls_active = false;
    s->trusted = false;
    s->n_errors = 0;
    s->n_junk = 0;
    s->tarpit_ms = 0;
    s->n_fed = 0;
    s->n_steps = 0;
    s->seen_fed = 0;
    s->seen_step = 0;
    s->last_ms = 0;
    s->since_ms = 0;
    s->budget_ms = 0;
    s->timer_armed = false;
    tx_reset(s);
    enter(s, SMTP_S_START, "reset");
}

void
smtp_session_trust(struct smtp_session *s, bool trusted)
{
    s->trusted = trusted;
}

/* queue appends reply `id` to the output. The feed loop keeps SMTP_REPLY_MAX
 * octets free before each step, so a failure here is our own bug: the session
 * is then closed rather than left out of step with the client. */
static void
queue(struct smtp_session *s, enum smtp_reply_id id)
{
    size_t n =
        smtp_reply_format((char *)s->out + s->out_len, s->lim.out_cap - s->out_len, id, s->host);
    if (n == 0) {
        enter(s, SMTP_S_CLOSED, "output overflow");
        s->err = RL_ELIMIT;
        return;
    }
    s->out_len += n;
}

int
smtp_session_start(struct smtp_session *s, enum smtp_reply_id id)
{
    if (s->state != SMTP_S_START) {
        return RL_EINVAL;
    }
    if (id == SMTP_R_GREETING) {
        queue(s, id);
        enter(s, SMTP_S_GREETED, "greeting");
        return 0;
    }
    if (id == SMTP_R_TOO_MANY_CONN || id == SMTP_R_CLIENT_LIMIT || id == SMTP_R_SHUTDOWN) {
        queue(s, id);
        enter(s, SMTP_S_CLOSED, "refused at connect");
        return 0;
    }
    return RL_EINVAL;
}

static void
event(struct smtp_event *ev, enum smtp_event_type type, const uint8_t *arg, size_t arg_len)
{
    ev->type = type;
    ev->arg = arg;
    ev->arg_len = arg_len;
}

/* count_error counts one error of the client after its reply was queued.
 * After lim.max_errors the session closes with 421 (returns true and fills a
 * SMTP_EV_CLOSE event); after lim.tarpit_after the reply is held back
 * lim.tarpit_ms (Postfix's smtpd_error_sleep_time), which slows a client
 * probing addresses or sending junk without costing a worker anything. */
static bool
count_error(struct smtp_session *s, struct smtp_event *ev)
{
    s->n_errors++;
    if (s->lim.max_errors != 0 && s->n_errors >= s->lim.max_errors) {
        queue(s, SMTP_R_TOO_MANY_ERRORS);
        enter(s, SMTP_S_CLOSED, "too many errors");
        event(ev, SMTP_EV_CLOSE, NULL, 0);
        ev->reason = SMTP_R_TOO_MANY_ERRORS;
        return true;
    }
    if (s->lim.tarpit_after != 0 && s->n_errors >= s->lim.tarpit_after) {
        s->tarpit_ms = s->lim.tarpit_ms;
    }
    return false;
}

/* reject queues an error reply to a command and counts a permanent one (see
 * count_error). */
static bool
reject(struct smtp_session *s, struct smtp_event *ev, enum smtp_reply_id id)
{
    queue(s, id);
    if (smtp_reply_code(id) < 500) {
        return false;
    }
    return count_error(s, ev);
}

/* junk answers a command that moves no mail (NOOP, RSET, VRFY, HELP) with
 * `id`; past lim.max_junk of them since the last accepted message each one
 * also counts as an error (Postfix's smtpd_junk_command_limit), so a client
 * cannot hold a session open with them forever. */
static bool
junk(struct smtp_session *s, struct smtp_event *ev, enum smtp_reply_id id)
{
    queue(s, id);
    s->n_junk++;
    if (s->lim.max_junk == 0 || s->n_junk <= s->lim.max_junk) {
        return false;
    }
    return count_error(s, ev);
}

/* tls_first tells whether mail commands must wait for STARTTLS (RFC 3207 4). */
static bool
tls_first(const struct smtp_session *s)
{
    return s->tls_required && !s->tls_active;
}

/* ---- Address and parameter syntax (RFC 5321 4.1.2, RFC 6531 3.3) ---- */

enum path_res {
    PATH_OK = 0,
    PATH_SYNTAX, /* not a <...> path at all */
    PATH_BAD,    /* a path whose mailbox is malformed */
    PATH_LONG,   /* RFC 5321 4.5.3.1.1-3 length limits */
};

static bool
is_alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_atext(uint8_t c)
{
    return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL) || c >= 0x80;
}

/* parse_domain returns the octets of a Domain (RFC 5321 4.1.2; U-labels per
 * RFC 6531) at the start of p, or 0 if there is none. */
static size_t
parse_domain(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < n && (is_alnum(p[i]) || p[i] == '-' || p[i] >= 0x80)) {
            i++;
        }
        size_t label = i - start;
        if (label == 0 || label > 63 || p[start] == '-' || p[i - 1] == '-') {
            return 0;
        }
        if (i + 1 < n && p[i] == '.') {
            i++;
            continue;
        }
        return i;
    }
}

/* parse_literal returns the octets of an address-literal "[...]" (RFC 5321
 * 4.1.3, dcontent of the General-address-literal), or 0. */
static size_t
parse_literal(const uint8_t *p, size_t n)
{
    size_t i = 1;
    while (i < n && ((p[i] >= 33 && p[i] <= 90) || (p[i] >= 94 && p[i] <= 126))) {
        i++;
    }
    if (i == 1 || i >= n || p[i] != ']') {
        return 0;
    }
    return i + 1;
}

/* parse_local returns the octets of a Local-part (Dot-string or
 * Quoted-string), or 0. */
static size_t
parse_local(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n > 0 && p[0] == '"') {
        i = 1;
        while (i < n && p[i] != '"') {
            if (p[i] == '\\') {
                if (i + 1 >= n || p[i + 1] < 32 || p[i + 1] > 126) {
                    return 0;
                }
                i += 2;
            } else if (p[i] >= 32 && p[i] != 127) {
                i++;
            } else {
                return 0;
            }
        }
        return i < n ? i + 1 : 0;
    }
    for (;;) {
        size_t start = i;
        while (i < n && is_atext(p[i])) {
            i++;
        }
        if (i == start) {
            return 0;
        }
        if (i + 1 < n && p[i] == '.') {
            i++;
            continue;
        }
        return i;
    }
}

/* What parse_path found besides the mailbox. */
struct path_info {
    bool route;         /* a source route "@hop,@hop:" came before the mailbox */
    bool routing;       /* '%', '!' or '@' in the local part (quoted or not) */
    bool literal;       /* the domain is an address literal "[...]" */
    size_t used;        /* octets of the whole path */
    const uint8_t *box; /* the mailbox, borrowed */
    size_t box_len;
};

/* parse_path parses "<" [A-d-l ":"] Mailbox ">" (RFC 5321 4.1.2) at the start
 * of p into *out: the mailbox (source route dropped: RFC 5321 3.3 and
 * Appendix C, MUST accept, SHOULD ignore) and what sender-specified routing
 * it carries, for the caller to refuse (RFC 5321 7.6). */
static enum path_res
parse_path(const uint8_t *p, size_t n, bool null_ok, bool postmaster_ok, struct path_info *out)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || p[0] != '<') {
        return PATH_SYNTAX;
    }
    size_t i = 1;
    if (null_ok && i < n && p[i] == '>') {
        out->used = 2;
        out->box = p + 1;
        return PATH_OK;
    }
    if (i < n && p[i] == '@') {
        out->route = true;
        for (;;) {
            i++;
            size_t d = parse_domain(p + i, n - i);
            if (d == 0) {
                return PATH_BAD;
            }
            i += d;
            if (i + 1 < n && p[i] == ',' && p[i + 1] == '@') {
                i++;
                continue;
            }
            if (i < n && p[i] == ':') {
                i++;
                break;
            }
            return PATH_BAD;
        }
    }
    size_t box = i;
    /* RFC 5321 4.1.1.3: <Postmaster> without a domain MUST be accepted. */
    if (postmaster_ok && n - i >= 11 && rl_ascii_word(p + i, 10, "postmaster") &&
        p[i + 10] == '>') {
        out->used = i + 11;
        out->box = p + box;
        out->box_len = 10;
        return PATH_OK;
    }
    size_t local = parse_local(p + i, n - i);
    if (local == 0) {
        return i < n && memchr(p + i, '>', n - i) == NULL ? PATH_SYNTAX : PATH_BAD;
    }
    /* "bob%other.org@dom", "other.org!bob@dom", "\"bob@other.org\"@dom": a
     * mail system behind us may route on these (RFC 5321 3.6.1, 7.6). */
    for (size_t k = i; k < i + local; k++) {
        out->routing = out->routing || p[k] == '%' || p[k] == '!' || p[k] == '@';
    }
    i += local;
    if (i >= n || p[i] != '@') {
        return i >= n ? PATH_SYNTAX : PATH_BAD;
    }
    i++;
    out->literal = i < n && p[i] == '[';
    size_t dom = out->literal ? parse_literal(p + i, n - i) : parse_domain(p + i, n - i);
    if (dom == 0) {
        return PATH_BAD;
    }
    i += dom;
    if (i >= n) {
        return PATH_SYNTAX;
    }
    if (p[i] != '>') {
        return PATH_BAD;
    }
    /* RFC 5321 4.5.3.1.1-3: local-part 64, domain 255, path 256 octets. */
    if (local > 64 || dom > 255 || i + 1 > 256) {
        return PATH_LONG;
    }
    out->used = i + 1;
    out->box = p + box;
    out->box_len = i - box;
    return PATH_OK;
}

struct mail_params {
    uint64_t size;
    enum smtp_body body;
    bool smtputf8;
    bool has_size;
};

/* parse_params checks esmtp-params (RFC 5321 4.1.2) and applies the ones we
 * offer (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8) when `known`.
 * Returns SMTP_R_NONE or the refusal. */
static enum smtp_reply_id
parse_params(const struct smtp_session *s, struct mail_params *mp, const uint8_t *p, size_t n,
             bool known)
{
    size_t i = 0;
    enum smtp_reply_id unknown = SMTP_R_NONE;
    while (i < n) {
        if (p[i] == ' ') {
            i++;
            continue;
        }
        size_t k = i;
        while (i < n && p[i] != ' ' && p[i] != '=') {
            i++;
        }
        const uint8_t *key = p + k;
        size_t key_len = i - k;
        const uint8_t *val = NULL;
        size_t val_len = 0;
        if (i < n && p[i] == '=') {
            i++;
            val = p + i;
            while (i < n && p[i] != ' ') {
                i++;
            }
            val_len = (size_t)(p + i - val);
            if (val_len == 0) {
                return SMTP_R_SYNTAX_PARAM;
            }
            for (size_t j = 0; j < val_len; j++) {
                /* esmtp-value = 1*(%d33-60 / %d62-126), RFC 6531 adds UTF-8. */
                if (val[j] < 33 || val[j] == '=' || val[j] == 127) {
                    return SMTP_R_SYNTAX_PARAM;
                }
            }
        }
        if (key_len == 0 || !is_alnum(key[0])) {
            return SMTP_R_SYNTAX_PARAM;
        }
        for (size_t j = 1; j < key_len; j++) {
            if (!is_alnum(key[j]) && key[j] != '-') {
                return SMTP_R_SYNTAX_PARAM;
            }
        }
        if (known && rl_ascii_word(key, key_len, "SIZE")) {
            if (val == NULL || val_len > 20 || mp->has_size) {
                return SMTP_R_SYNTAX_PARAM;
            }
            uint64_t v = 0;
            for (size_t j = 0; j < val_len; j++) {
                if (val[j] < '0' || val[j] > '9' || v > (UINT64_MAX - 9) / 10) {
                    return SMTP_R_SYNTAX_PARAM;
                }
                v = v * 10 + (uint64_t)(val[j] - '0');
            }
            mp->size = v;
            mp->has_size = true;
        } else if (known && rl_ascii_word(key, key_len, "BODY")) {
            if (val == NULL || mp->body != SMTP_BODY_NONE) {
                return SMTP_R_SYNTAX_PARAM;
            }
            if (rl_ascii_word(val, val_len, "7BIT")) {
                mp->body = SMTP_BODY_7BIT;
            } else if (rl_ascii_word(val, val_len, "8BITMIME")) {
                mp->body = SMTP_BODY_8BITMIME;
            } else {
                /* BINARYMIME (RFC 3030) is not offered; other values unknown. */
                unknown = SMTP_R_PARAM_UNKNOWN;
            }
        } else if (known && rl_ascii_word(key, key_len, "SMTPUTF8")) {
            /* RFC 6531 3.4: the parameter takes no value. */
            if (val != NULL || mp->smtputf8) {
                return SMTP_R_SYNTAX_PARAM;
            }
            mp->smtputf8 = true;
        } else {
            unknown = SMTP_R_PARAM_UNKNOWN;
        }
    }
    if (unknown != SMTP_R_NONE) {
        return unknown;
    }
    /* RFC 1870 6.1: a declared size above the fixed maximum gets 552. */
    if (mp->has_size && mp->size > s->lim.max_msg_size) {
        return SMTP_R_SIZE_EXCEEDED;
    }
    return SMTP_R_NONE;
}

/* after_prefix checks that arg starts with `word` (e.g. "FROM:") and returns
 * the offset after it and any spaces, or 0. */
static size_t
after_prefix(const uint8_t *arg, size_t n, const char *word)
{
    size_t wl = strlen(word);
    if (n < wl || !rl_ascii_word(arg, wl, word)) {
        return 0;
    }
    /* Lenient: RFC 5321 4.1.2 has no space after the colon, but many clients
     * send "MAIL FROM: <a@b>" and aiosmtpd, Postfix accept it. */
    while (wl < n && arg[wl] == ' ') {
        wl++;
    }
    return wl;
}

/* ---- Commands ---- */

static bool
cmd_helo(struct smtp_session *s, struct smtp_event *ev, const uint8_t *arg, size_t n, bool ehlo)
{
    if (n == 0) {
        return reject(s, ev, SMTP_R_SYNTAX_HELO);
    }
    /* RFC 5321 4.1.4: EHLO/HELO also resets any transaction, like RSET. */
    tx_reset(s);
    s->esmtp = ehlo;
    if (ehlo) {
        size_t w =
            smtp_reply_ehlo((char *)s->out + s->out_len, s->lim.out_cap - s->out_len, s->host,
                            s->lim.max_msg_size, s->tls_available && !s->tls_active);
        s->out_len += w;
    } else {
        queue(s, SMTP_R_HELO);
    }
    enter(s, SMTP_S_HELO, ehlo ? "EHLO" : "HELO");
    event(ev, SMTP_EV_HELO, arg, n);
    return true;
}

/* What MAIL and RCPT differ in when their argument is parsed. */
struct path_cmd {
    const char *prefix;          /* "FROM:" or "TO:" */
    bool null_ok;                /* "<>" allowed (MAIL) */
    bool postmaster_ok;          /* "<Postmaster>" allowed (RCPT) */
    bool esmtp_params;           /* parameters offered for this command */
    enum smtp_reply_id syntax;   /* reply to a syntax error */
    enum smtp_reply_id bad_path; /* reply to an unusable mailbox */
};

/* parse_path_cmd parses "FROM:<path> params" or "TO:<path> params" into the
 * mailbox (borrowed from arg) with what else the path says, its parameters
 * and whether it has 8-bit bytes. Returns SMTP_R_NONE or the reply to refuse
 * the command with. */
static enum smtp_reply_id
parse_path_cmd(struct smtp_session *s, struct mail_params *mp, struct path_info *pi, bool *eight,
               const struct path_cmd *c, const uint8_t *arg, size_t n)
{
    size_t off = after_prefix(arg, n, c->prefix);
    if (off == 0) {
        return c->syntax;
    }
    enum path_res pr = parse_path(arg + off, n - off, c->null_ok, c->postmaster_ok, pi);
    if (pr == PATH_SYNTAX) {
        return c->syntax;
    }
    if (pr == PATH_BAD) {
        return c->bad_path;
    }
    if (pr == PATH_LONG) {
        return SMTP_R_PATH_TOO_LONG;
    }
    off += pi->used;
    if (off < n && arg[off] != ' ') {
        return c->syntax;
    }
    enum smtp_reply_id r = parse_params(s, mp, arg + off, n - off, c->esmtp_params);
    if (r != SMTP_R_NONE) {
        return r;
    }
    *eight = false;
    for (size_t i = 0; i < pi->box_len; i++) {
        *eight = *eight || pi->box[i] >= 0x80;
    }
    return *eight && !rl_utf8_valid(pi->box, pi->box_len) ? c->bad_path : SMTP_R_NONE;
}

static bool
cmd_mail(struct smtp_session *s, struct smtp_event *ev, const uint8_t *arg, size_t n)
{
    if (s->state == SMTP_S_GREETED) {
        return reject(s, ev, SMTP_R_NEED_HELO);
    }
    if (s->state != SMTP_S_HELO) {
        return reject(s, ev, SMTP_R_NESTED_MAIL);
    }
    const struct path_cmd c = {"FROM:",          true, false, s->esmtp, SMTP_R_SYNTAX_MAIL,
                               SMTP_R_BAD_SENDER};
    struct mail_params mp = {0};
    struct path_info pi;
    bool eight = false;
    enum smtp_reply_id r = parse_path_cmd(s, &mp, &pi, &eight, &c, arg, n);
    if (r != SMTP_R_NONE) {
        return reject(s, ev, r);
    }
    /* RFC 6531 3.4: non-ASCII addresses only in SMTPUTF8 transactions. */
    if (eight && !mp.smtputf8) {
        return reject(s, ev, SMTP_R_UTF8_ADDR);
    }
    tx_reset(s);
    s->smtputf8 = mp.smtputf8;
    enter(s, SMTP_S_MAIL_WAIT, "MAIL");
    event(ev, SMTP_EV_MAIL, pi.box, pi.box_len);
    ev->size = mp.size;
    ev->body = mp.body;
    ev->smtputf8 = mp.smtputf8;
    return true;
}

static bool
cmd_rcpt(struct smtp_session *s, struct smtp_event *ev, const uint8_t *arg, size_t n)
{
    if (s->state == SMTP_S_GREETED) {
        return reject(s, ev, SMTP_R_NEED_HELO);
    }
    if (s->state == SMTP_S_HELO) {
        return reject(s, ev, SMTP_R_NEED_MAIL);
    }
    if (s->state != SMTP_S_MAIL && s->state != SMTP_S_RCPT) {
        return reject(s, ev, SMTP_R_BAD_SEQUENCE);
    }
    /* No RCPT parameters are offered (no DSN): all are unknown. */
    const struct path_cmd c = {"TO:", false, true, false, SMTP_R_SYNTAX_RCPT, SMTP_R_BAD_RCPT};
    struct mail_params mp = {0};
    struct path_info pi;
    bool eight = false;
    enum smtp_reply_id r = parse_path_cmd(s, &mp, &pi, &eight, &c, arg, n);
    if (r != SMTP_R_NONE) {
        return reject(s, ev, r);
    }
    if (eight && !s->smtputf8) {
        return reject(s, ev, SMTP_R_UTF8_ADDR);
    }
    /* Never an open relay through a mail system behind us: Postfix's
     * allow_untrusted_routing = no. */
    if (!s->trusted && (pi.route || pi.routing)) {
        return reject(s, ev, SMTP_R_ROUTING_DENIED);
    }
    if (pi.literal && !s->address_literals) {
        return reject(s, ev, SMTP_R_LITERAL_DENIED);
    }
    /* RFC 5321 4.5.3.1.10: 452 for recipients over the limit. */
    if (s->n_rcpt >= s->lim.max_rcpt) {
        return reject(s, ev, SMTP_R_TOO_MANY_RCPT);
    }
    enter(s, SMTP_S_RCPT_WAIT, "RCPT");
    event(ev, SMTP_EV_RCPT, pi.box, pi.box_len);
    return true;
}

static bool
cmd_data(struct smtp_session *s, struct smtp_event *ev, size_t n)
{
    if (n != 0) {
        return reject(s, ev, SMTP_R_SYNTAX_PARAM);
    }
    switch (s->state) {
    case SMTP_S_GREETED:
        return reject(s, ev, SMTP_R_NEED_HELO);
    case SMTP_S_HELO:
        return reject(s, ev, SMTP_R_NEED_MAIL);
    case SMTP_S_MAIL:
        return reject(s, ev, SMTP_R_NO_RCPT);
    case SMTP_S_RCPT:
        break;
    default:
        /* RFC 3030 2: DATA and BDAT are not mixed in one transaction. */
        return reject(s, ev, SMTP_R_BAD_SEQUENCE);
    }
    queue(s, SMTP_R_DATA_GO);
    /* Only CRLF . CRLF ends DATA: a DATA line ended by a bare LF cannot be
     * the CRLF before it. */
    s->dstate = s->line_lf ? D_BOL_LF : D_BOL;
    s->text_line = 0;
    enter(s, SMTP_S_DATA, "DATA");
    event(ev, SMTP_EV_DATA_BEGIN, NULL, 0);
    return true;
}

static bool
cmd_bdat(struct smtp_session *s, struct smtp_event *ev, const uint8_t *arg, size_t n)
{
    size_t i = 0;
    uint64_t size = 0;
    while (i < n && arg[i] >= '0' && arg[i] <= '9') {
        if (i >= 19) {
            return reject(s, ev, SMTP_R_SYNTAX_BDAT);
        }
        size = size * 10 + (uint64_t)(arg[i] - '0');
        i++;
    }
    if (i == 0) {
        return reject(s, ev, SMTP_R_SYNTAX_BDAT);
    }
    bool last = false;
    if (i < n) {
        size_t j = i;
        while (j < n && arg[j] == ' ') {
            j++;
        }
        if (j == i || !rl_ascii_word(arg + j, n - j, "LAST")) {
            return reject(s, ev, SMTP_R_SYNTAX_BDAT);
        }
        last = true;
    }
    /* From here the chunk's octets are always consumed, even when the command
     * is refused (RFC 3030 2 and 4.2: the receiver must read the chunk), so
     * that they are never taken for commands. */
    enum smtp_state from = s->state;
    s->bdat_left = size;
    s->bdat_last = last;
    s->bdat_back = from;
    s->bdat_refuse = SMTP_R_NONE;
    if (tls_first(s)) {
        s->bdat_refuse = SMTP_R_TLS_REQUIRED;
    } else if (from == SMTP_S_GREETED) {
        s->bdat_refuse = SMTP_R_NEED_HELO;
    } else if (from == SMTP_S_HELO) {
        s->bdat_refuse = SMTP_R_NEED_MAIL;
    } else if (from == SMTP_S_MAIL) {
        s->bdat_refuse = SMTP_R_NO_RCPT;
    } else if (size > s->lim.max_msg_size - s->msg_size) {
        s->bdat_refuse = SMTP_R_SIZE_EXCEEDED;
    }
    enter(s, SMTP_S_BDAT, "BDAT");
    if (from == SMTP_S_RCPT && s->bdat_refuse == SMTP_R_NONE) {
        s->dstate = D_BOL;
        s->text_line = 0;
        event(ev, SMTP_EV_DATA_BEGIN, NULL, 0);
        return true;
    }
    return false;
}

static bool
cmd_starttls(struct smtp_session *s, struct smtp_event *ev, size_t n)
{
    if (!s->tls_available) {
        return reject(s, ev, SMTP_R_NOT_IMPLEMENTED);
    }
    if (n != 0) {
        return reject(s, ev, SMTP_R_SYNTAX_PARAM);
    }
    if (s->state == SMTP_S_GREETED || !s->esmtp) {
        return reject(s, ev, SMTP_R_NEED_HELO);
    }
    if (s->tls_active || s->state != SMTP_S_HELO) {
        return reject(s, ev, SMTP_R_BAD_SEQUENCE);
    }
    queue(s, SMTP_R_STARTTLS_GO);
    /* RFC 3207 4.2 and CVE-2011-0411: nothing the client sent in clear after
     * STARTTLS may be taken as a command once TLS is up: drop it all. */
    s->line_len = 0;
    s->line_skip = false;
    tx_reset(s);
    enter(s, SMTP_S_TLS_PENDING, "STARTTLS");
    event(ev, SMTP_EV_STARTTLS, NULL, 0);
    return true;
}

static bool
verb_is(const uint8_t *v, size_t n, const char *word)
{
    return rl_ascii_word(v, n, word);
}

/* RFC 3207 4: a server that requires TLS SHOULD answer 530 to every command
 * other than NOOP, EHLO, STARTTLS and QUIT until TLS is up; HELO, RSET and
 * HELP touch no mail either and stay allowed. BDAT is refused after its
 * chunk is read (cmd_bdat), so that the chunk is never taken for commands. */
static bool
needs_tls(const uint8_t *v, size_t n)
{
    return verb_is(v, n, "MAIL") || verb_is(v, n, "RCPT") || verb_is(v, n, "DATA") ||
           verb_is(v, n, "VRFY") || verb_is(v, n, "EXPN");
}

/* do_command runs one command line (CRLF removed). Returns true if an event
 * was filled. */
static bool
do_command(struct smtp_session *s, struct smtp_event *ev, const uint8_t *line, size_t n)
{
    size_t vlen = 0;
    while (vlen < n && line[vlen] != ' ') {
        vlen++;
    }
    const uint8_t *arg = line + vlen;
    size_t alen = n - vlen;
    while (alen > 0 && arg[0] == ' ') {
        arg++;
        alen--;
    }
    while (alen > 0 && arg[alen - 1] == ' ') {
        alen--;
    }
    if (tls_first(s) && needs_tls(line, vlen)) {
        return reject(s, ev, SMTP_R_TLS_REQUIRED);
    }
    if (verb_is(line, vlen, "EHLO")) {
        return cmd_helo(s, ev, arg, alen, true);
    }
    if (verb_is(line, vlen, "HELO")) {
        return cmd_helo(s, ev, arg, alen, false);
    }
    if (verb_is(line, vlen, "MAIL")) {
        return cmd_mail(s, ev, arg, alen);
    }
    if (verb_is(line, vlen, "RCPT")) {
        return cmd_rcpt(s, ev, arg, alen);
    }
    if (verb_is(line, vlen, "DATA")) {
        return cmd_data(s, ev, alen);
    }
    if (verb_is(line, vlen, "BDAT")) {
        return cmd_bdat(s, ev, arg, alen);
    }
    if (verb_is(line, vlen, "RSET")) {
        if (alen != 0) {
            return reject(s, ev, SMTP_R_SYNTAX_PARAM);
        }
        tx_reset(s);
        enter(s, s->state == SMTP_S_GREETED ? SMTP_S_GREETED : SMTP_S_HELO, "RSET");
        if (!junk(s, ev, SMTP_R_OK)) {
            event(ev, SMTP_EV_RSET, NULL, 0);
        }
        return true;
    }
    if (verb_is(line, vlen, "NOOP")) {
        /* RFC 5321 4.1.1.9: NOOP may carry a string, which is ignored. */
        return junk(s, ev, SMTP_R_OK);
    }
    if (verb_is(line, vlen, "QUIT")) {
        if (alen != 0) {
            return reject(s, ev, SMTP_R_SYNTAX_PARAM);
        }
        queue(s, SMTP_R_QUIT);
        enter(s, SMTP_S_CLOSED, "QUIT");
        event(ev, SMTP_EV_QUIT, NULL, 0);
        return true;
    }
    if (verb_is(line, vlen, "HELP")) {
        return junk(s, ev, SMTP_R_HELP);
    }
    if (verb_is(line, vlen, "VRFY")) {
        if (alen == 0) {
            return reject(s, ev, SMTP_R_SYNTAX_PARAM);
        }
        return junk(s, ev, SMTP_R_VRFY);
    }
    if (verb_is(line, vlen, "EXPN")) {
        return reject(s, ev, SMTP_R_EXPN_DISABLED);
    }
    if (verb_is(line, vlen, "STARTTLS")) {
        return cmd_starttls(s, ev, alen);
    }
    return reject(s, ev, SMTP_R_CMD_UNRECOGNIZED);
}

/* step_command collects one command line from in[*pos..] into s->line and
 * runs it when its LF arrives. Returns true if an event was filled. */
static bool
step_command(struct smtp_session *s, struct smtp_event *ev, const uint8_t *in, size_t in_len,
             size_t *pos)
{
    const uint8_t *start = in + *pos;
    const uint8_t *lf = memchr(start, '\n', in_len - *pos);
    size_t take = lf != NULL ? (size_t)(lf - start) + 1 : in_len - *pos;
    /* RFC 5321 4.5.3.1.4: a command line is at most max_cmd_line octets with
     * its CRLF; the rest of a longer one is skipped, then refused once. */
    if (!s->line_skip) {
        if (take > s->lim.max_cmd_line - s->line_len) {
            s->line_skip = true;
        } else {
            memcpy(s->line + s->line_len, start, take);
            s->line_len += take;
        }
    }
    *pos += take;
    if (lf == NULL) {
        return false;
    }
    size_t n = s->line_len;
    bool skipped = s->line_skip;
    s->line_len = 0;
    s->line_skip = false;
    s->n_steps++; /* a whole command: the next one gets its own deadline */
    if (skipped) {
        return reject(s, ev, SMTP_R_CMD_TOO_LONG);
    }
    /* RFC 5321 2.3.8: lines end with CRLF only. A bare CR is always refused;
     * a bare LF ending the line is read as CRLF when normalizing. */
    bool crlf = n >= 2 && s->line[n - 2] == '\r';
    s->line_lf = !crlf;
    if (memchr(s->line, '\r', n - (crlf ? 2 : 1)) != NULL ||
        (!crlf && s->bare_newline == SMTP_BARE_LF_REJECT)) {
        return reject(s, ev, SMTP_R_CMD_BARE_NEWLINE);
    }
    n -= crlf ? 2 : 1;
    if (n == 0 || memchr(s->line, '\0', n) != NULL) {
        return reject(s, ev, SMTP_R_CMD_UNRECOGNIZED);
    }
    return do_command(s, ev, s->line, n);
}

/* ---- Message text ---- */

static void
data_fail(struct smtp_session *s, enum smtp_reply_id why)
{
    if (s->data_fail == SMTP_R_NONE) {
        s->data_fail = why;
    }
}

/* text_octet accounts one octet of message text: line length on the wire
 * (RFC 5321 4.5.3.1.6: 1000 with CRLF) and message size (RFC 1870). */
static void
text_octet(struct smtp_session *s)
{
    s->text_line++;
    if (s->text_line > s->lim.max_text_line) {
        data_fail(s, SMTP_R_DATA_LINE_TOO_LONG);
    }
    s->msg_size++;
    if (s->msg_size > s->lim.max_msg_size) {
        data_fail(s, SMTP_R_SIZE_EXCEEDED);
    }
}

/* text_span returns how many octets at the start of p[0..n) are neither CR,
 * LF nor NUL: text inside a line, which needs no state (one vector pass). */
static size_t
text_span(const uint8_t *p, size_t n)
{
    return rl_span3(p, n, '\r', '\n', '\0');
}

/* text_octets accounts `k` octets of text inside a line at once, as `k`
 * calls of text_octet would: the limit crossed first (the line's on a tie)
 * is the reason. */
static void
text_octets(struct smtp_session *s, size_t k)
{
    uint64_t line_at =
        s->text_line < s->lim.max_text_line ? s->lim.max_text_line - s->text_line + 1 : 1;
    uint64_t size_at =
        s->msg_size < s->lim.max_msg_size ? s->lim.max_msg_size - s->msg_size + 1 : 1;
    s->text_line += k;
    s->msg_size += k;
    bool line = line_at <= k;
    bool size = size_at <= k;
    if (line && (!size || line_at <= size_at)) {
        data_fail(s, SMTP_R_DATA_LINE_TOO_LONG);
    }
    if (size) {
        data_fail(s, SMTP_R_SIZE_EXCEEDED);
    }
    if (line) {
        data_fail(s, SMTP_R_DATA_LINE_TOO_LONG);
    }
}

/* text_scan advances the line scanner shared by DATA and BDAT over one octet
 * that stays in the message (outside the dot states). RFC 5321 2.3.8: CR and
 * LF only as CRLF; a bare CR (and, when refusing them, a bare LF) taints the
 * message and is never a line end, so "\r.\r\n", "\n.\n" and "\n.\r\n" cannot
 * end DATA (SMTP smuggling). A NUL taints it too (RFC 6152 2). */
static void
text_scan(struct smtp_session *s, uint8_t c)
{
    text_octet(s);
    if (s->dstate == D_CR) {
        if (c == '\n') {
            s->dstate = D_BOL;
            s->text_line = 0;
            return;
        }
        data_fail(s, SMTP_R_DATA_BARE_NEWLINE);
        s->dstate = c == '\r' ? D_CR : D_TEXT;
        return;
    }
    if (c == '\r') {
        s->dstate = D_CR;
        return;
    }
    if (c == '\n') {
        data_fail(s, SMTP_R_DATA_BARE_NEWLINE);
    } else if (c == '\0') {
        data_fail(s, SMTP_R_DATA_NUL);
    }
    s->dstate = D_TEXT;
}

/* What happens to one octet of message text that is not plain text. */
enum text_fate {
    T_KEEP = 0, /* it stays (text_scan has accounted it) */
    T_CRLF,     /* a bare LF read as CRLF: the caller sends CRLF instead */
    T_DROP,     /* a NUL stripped */
};

/* text_fate decides for octet `c` outside the dot states, changing no state:
 * only a LF or NUL that does not follow a CR can be rewritten. */
static enum text_fate
text_fate(const struct smtp_session *s, uint8_t c)
{
    if (s->dstate == D_CR) {
        return T_KEEP;
    }
    if (c == '\n' && s->bare_newline == SMTP_BARE_LF_NORMALIZE) {
        return T_CRLF;
    }
    if (c == '\0' && s->nul == SMTP_NUL_STRIP) {
        return T_DROP;
    }
    return T_KEEP;
}

/* text_rewrite applies a T_CRLF or T_DROP fate to the scanner: the CRLF that
 * replaces a bare LF is accounted as two octets and starts a line (`bol`
 * for DATA, where a dot line after it still cannot end the message); a
 * stripped NUL leaves the line started, so "\r\n\0.\r\n" is text, not an end
 * (what the sender's MTA saw). */
static void
text_rewrite(struct smtp_session *s, enum text_fate f, uint8_t bol)
{
    if (f == T_CRLF) {
        text_octet(s);
        text_octet(s);
        s->dstate = bol;
        s->text_line = 0;
        return;
    }
    s->dstate = D_TEXT;
}

static const uint8_t crlf[2] = {'\r', '\n'};

static void
chunk(struct smtp_event *ev, const uint8_t *p, size_t n)
{
    event(ev, SMTP_EV_DATA_CHUNK, p, n);
}

/* end_message finishes DATA or BDAT LAST: an engine refusal (queued here) or
 * a SMTP_EV_DATA_END the caller must answer. */
static void
end_message(struct smtp_session *s, struct smtp_event *ev)
{
    if (s->data_fail != SMTP_R_NONE) {
        enum smtp_reply_id why = s->data_fail;
        queue(s, why);
        tx_reset(s);
        enter(s, SMTP_S_HELO, "message refused");
        event(ev, SMTP_EV_DATA_ABORT, NULL, 0);
        ev->reason = why;
        return;
    }
    enter(s, SMTP_S_DATA_WAIT, "end of data");
    event(ev, SMTP_EV_DATA_END, NULL, 0);
    ev->last = true;
}

/* A cursor over the text of one feed: `in[start..i)` is text not yet given
 * to the caller. */
struct text_cur {
    const uint8_t *in;
    size_t start, i;
};

/* flush_text gives the pending text as a chunk (unless the message already
 * failed: then nothing more is delivered) and returns true if it did. */
static bool
flush_text(const struct smtp_session *s, struct smtp_event *ev, struct text_cur *c)
{
    if (c->i > c->start && s->data_fail == SMTP_R_NONE) {
        chunk(ev, c->in + c->start, c->i - c->start);
        c->start = c->i;
        return true;
    }
    c->start = c->i;
    return false;
}

/* rewrite_octet handles the octet at c->i whose fate `f` is not T_KEEP: the
 * text before it goes out first (then returns true without consuming it);
 * else it is consumed, and a CRLF replacing it goes out (true) unless the
 * message failed. */
static bool
rewrite_octet(struct smtp_session *s, struct smtp_event *ev, struct text_cur *c, enum text_fate f,
              uint8_t bol)
{
    if (flush_text(s, ev, c)) {
        return true;
    }
    text_rewrite(s, f, bol);
    c->i++;
    c->start = c->i;
    if (f == T_CRLF && s->data_fail == SMTP_R_NONE) {
        chunk(ev, crlf, sizeof(crlf));
        return true;
    }
    return false;
}

/* step_data scans DATA text (RFC 5321 4.1.1.4, 4.5.2) and fills one event: a
 * chunk of unstuffed text borrowed from `in` (or the CRLF for a bare LF), or
 * the end. Returns false when `in` is used up without an event. */
static bool
step_data(struct smtp_session *s, struct smtp_event *ev, const uint8_t *in, size_t in_len,
          size_t *pos)
{
    struct text_cur c = {in, *pos, *pos};
    bool got = false;
    while (!got && c.i < in_len) {
        uint8_t o = in[c.i];
        switch (s->dstate) {
        case D_BOL:
        case D_BOL_LF:
            if (o == '.') {
                /* RFC 5321 4.5.2: a leading dot is removed; the text before
                 * it goes out as its own chunk. Only after CRLF can the dot
                 * line end the message. */
                if (flush_text(s, ev, &c)) {
                    got = true;
                    break;
                }
                s->dstate = s->dstate == D_BOL ? D_DOT : D_TEXT;
                s->text_line = 1;
                c.i++;
                c.start = c.i;
                break;
            }
            s->dstate = D_TEXT;
            break;
        case D_DOT:
            if (o == '\r') {
                /* Held back: it ends the message if LF follows. */
                if (flush_text(s, ev, &c)) {
                    got = true;
                    break;
                }
                s->dstate = D_DOT_CR;
                s->text_line++;
                c.i++;
                c.start = c.i;
                break;
            }
            s->dstate = D_TEXT;
            break;
        case D_DOT_CR:
            if (o == '\n') {
                c.i++;
                end_message(s, ev);
                got = true;
                break;
            }
            /* ".\r" then not LF: a bare CR. */
            data_fail(s, SMTP_R_DATA_BARE_NEWLINE);
            s->dstate = D_TEXT;
            break;
        default: {
            size_t k = s->dstate == D_TEXT ? text_span(in + c.i, in_len - c.i) : 0;
            if (k > 0) {
                text_octets(s, k);
                c.i += k;
                break;
            }
            enum text_fate f = text_fate(s, o);
            if (f != T_KEEP) {
                got = rewrite_octet(s, ev, &c, f, D_BOL_LF);
                break;
            }
            text_scan(s, o);
            c.i++;
            break;
        }
        }
    }
    if (!got) {
        got = flush_text(s, ev, &c);
    }
    *pos = c.i;
    return got;
}

/* bdat_text scans the octets of the current BDAT chunk available in
 * in[*pos..in_len) and fills one event (a chunk of text, or the CRLF for a
 * bare LF); consumes what it scanned. Returns false when nothing was given. */
static bool
bdat_text(struct smtp_session *s, struct smtp_event *ev, const uint8_t *in, size_t in_len,
          size_t *pos)
{
    size_t avail = in_len - *pos;
    size_t end = *pos + (s->bdat_left < avail ? (size_t)s->bdat_left : avail);
    struct text_cur c = {in, *pos, *pos};
    bool got = false;
    if (s->bdat_refuse != SMTP_R_NONE) {
        /* A refused BDAT: its octets are read and dropped. */
        c.i = end;
    }
    while (!got && c.i < end) {
        size_t k = s->dstate != D_CR ? text_span(in + c.i, end - c.i) : 0;
        if (k > 0) {
            text_octets(s, k);
            s->dstate = D_TEXT;
            c.i += k;
            continue;
        }
        enum text_fate f = text_fate(s, in[c.i]);
        if (f != T_KEEP) {
            got = rewrite_octet(s, ev, &c, f, D_BOL);
            continue;
        }
        text_scan(s, in[c.i]);
        c.i++;
    }
    if (!got && s->bdat_refuse == SMTP_R_NONE) {
        got = flush_text(s, ev, &c);
    }
    s->bdat_left -= c.i - *pos;
    *pos = c.i;
    return got;
}

/* step_bdat reads the octets of one BDAT chunk (RFC 3030 2) and, when the
 * count is reached, answers or reports the chunk. */
static bool
step_bdat(struct smtp_session *s, struct smtp_event *ev, const uint8_t *in, size_t in_len,
          size_t *pos)
{
    if (s->bdat_left > 0) {
        if (bdat_text(s, ev, in, in_len, pos)) {
            return true;
        }
        if (s->bdat_left > 0) {
            return false;
        }
    }
    if (s->bdat_refuse != SMTP_R_NONE) {
        enum smtp_reply_id why = s->bdat_refuse;
        s->bdat_refuse = SMTP_R_NONE;
        if (why == SMTP_R_SIZE_EXCEEDED) {
            /* RFC 1870 6.3 / RFC 3030 2: the transaction fails. */
            queue(s, why);
            tx_reset(s);
            enter(s, SMTP_S_HELO, "BDAT over size");
            event(ev, SMTP_EV_DATA_ABORT, NULL, 0);
            ev->reason = why;
            return true;
        }
        enter(s, s->bdat_back, "BDAT refused");
        return reject(s, ev, why);
    }
    if (s->bdat_last) {
        if (s->dstate == D_CR) {
            data_fail(s, SMTP_R_DATA_BARE_NEWLINE);
        }
        end_message(s, ev);
        return true;
    }
    if (s->data_fail != SMTP_R_NONE) {
        /* RFC 3030 2: a failed chunk fails the transaction; later chunks
         * already pipelined are consumed and refused as out of sequence. */
        end_message(s, ev);
        return true;
    }
    enter(s, SMTP_S_BDAT_WAIT, "BDAT chunk");
    event(ev, SMTP_EV_BDAT_CHUNK, NULL, 0);
    return true;
}

int
smtp_session_feed(struct smtp_session *s, struct smtp_event *out_ev, size_t *out_used,
                  const uint8_t *in, size_t in_len)
{
    memset(out_ev, 0, sizeof(*out_ev));
    *out_used = 0;
    if (s->err != 0) {
        return s->err;
    }
    if (s->state == SMTP_S_START) {
        return RL_EINVAL;
    }
    size_t i = 0;
    int rc = RL_EAGAIN;
    for (;;) {
        enum smtp_state st = s->state;
        if (st == SMTP_S_MAIL_WAIT || st == SMTP_S_RCPT_WAIT || st == SMTP_S_DATA_WAIT ||
            st == SMTP_S_BDAT_WAIT || st == SMTP_S_CLOSED) {
            break;
        }
        if (st == SMTP_S_TLS_PENDING) {
            i = in_len;
            break;
        }
        if (s->lim.out_cap - s->out_len < SMTP_REPLY_MAX || s->tarpit_ms != 0) {
            break;
        }
        bool got;
        if (st == SMTP_S_DATA) {
            if (i == in_len) {
                break;
            }
            got = step_data(s, out_ev, in, in_len, &i);
        } else if (st == SMTP_S_BDAT) {
            if (i == in_len && s->bdat_left > 0) {
                break;
            }
            got = step_bdat(s, out_ev, in, in_len, &i);
        } else {
            if (i == in_len) {
                break;
            }
            got = step_command(s, out_ev, in, in_len, &i);
        }
        if (got) {
            if (out_ev->type == SMTP_EV_STARTTLS) {
                i = in_len;
            }
            rc = 0;
            break;
        }
    }
    s->n_fed += i;
    *out_used = i;
    return rc;
}

/* owed_ok returns the success reply of the event that owes a reply, or
 * SMTP_R_NONE when none is owed. */
static enum smtp_reply_id
owed_ok(const struct smtp_session *s)
{
    switch (s->state) {
    case SMTP_S_MAIL_WAIT:
        return SMTP_R_MAIL_OK;
    case SMTP_S_RCPT_WAIT:
        return SMTP_R_RCPT_OK;
    case SMTP_S_DATA_WAIT:
        return SMTP_R_DATA_OK;
    case SMTP_S_BDAT_WAIT:
        return SMTP_R_BDAT_OK;
    default:
        return SMTP_R_NONE;
    }
}

/* settle moves on once the owed reply (success if `good`) has been queued. */
static void
settle(struct smtp_session *s, bool good)
{
    switch (s->state) {
    case SMTP_S_MAIL_WAIT:
        enter(s, good ? SMTP_S_MAIL : SMTP_S_HELO, good ? "MAIL accepted" : "MAIL refused");
        break;
    case SMTP_S_RCPT_WAIT:
        if (good) {
            s->n_rcpt++;
        }
        enter(s, s->n_rcpt > 0 ? SMTP_S_RCPT : SMTP_S_MAIL,
              good ? "RCPT accepted" : "RCPT refused");
        break;
    case SMTP_S_BDAT_WAIT:
        if (good) {
            enter(s, SMTP_S_CHUNKING, "BDAT chunk accepted");
            break;
        }
        tx_reset(s);
        enter(s, SMTP_S_HELO, "BDAT chunk refused");
        break;
    default:
        tx_reset(s);
        if (good) {
            s->n_junk = 0;
        }
        enter(s, SMTP_S_HELO, good ? "message accepted" : "message refused");
        break;
    }
}

uint64_t
smtp_session_tarpit_take(struct smtp_session *s)
{
    uint64_t ms = s->tarpit_ms;
    s->tarpit_ms = 0;
    return ms;
}

int
smtp_session_reply(struct smtp_session *s, enum smtp_reply_id id)
{
    int code = smtp_reply_code(id);
    enum smtp_reply_id ok = owed_ok(s);
    if (ok == SMTP_R_NONE || (id != ok && code < 400)) {
        return RL_EINVAL;
    }
    if (s->lim.out_cap - s->out_len < SMTP_REPLY_MAX / 2) {
        return RL_ELIMIT;
    }
    queue(s, id);
    if (code == 421) {
        enter(s, SMTP_S_CLOSED, "caller 421");
        return 0;
    }
    settle(s, id == ok);
    return 0;
}

/* enhanced_ok tells whether `e` is "class.subject.detail" (RFC 3463: 1-3
 * digits each, no leading zeros beyond one digit) of the given class. */
static bool
enhanced_ok(const char *e, int cls)
{
    if (e[0] != (char)('0' + cls) || e[1] != '.') {
        return false;
    }
    const char *p = e + 2;
    for (int field = 0; field < 2; field++) {
        int n = 0;
        while (*p >= '0' && *p <= '9' && n < 3) {
            p++;
            n++;
        }
        if (n == 0 || (field == 0 && *p != '.') || (field == 1 && *p != '\0')) {
            return false;
        }
        p += field == 0;
    }
    return true;
}

int
smtp_session_reply_relayed(struct smtp_session *s, int code, const char *enhanced,
                           const uint8_t *text, size_t text_len)
{
    if (owed_ok(s) == SMTP_R_NONE || code < 400 || code > 599) {
        return RL_EINVAL;
    }
    if (s->lim.out_cap - s->out_len < SMTP_REPLY_MAX / 2) {
        return RL_ELIMIT;
    }
    /* A next hop closing its own session (421) must not close the client's:
     * the client retries this message (RFC 5321 4.2.5). */
    if (code == 421) {
        code = 451;
    }
    int cls = code / 100;
    char enh[16];
    if (enhanced != NULL && strlen(enhanced) < sizeof(enh) && enhanced_ok(enhanced, cls)) {
        memcpy(enh, enhanced, strlen(enhanced) + 1);
    } else {
        enh[0] = (char)('0' + cls);
        memcpy(enh + 1, ".0.0", 5);
    }
    char *o = (char *)s->out + s->out_len;
    size_t room = SMTP_REPLY_MAX / 2 - 3;
    int n = snprintf(o, room, "%d %s Next hop: ", code, enh);
    if (n < 0 || (size_t)n >= room) {
        return RL_EINVAL;
    }
    size_t len = (size_t)n;
    /* Only printable ASCII of the peer's text reaches our client (no reply
     * splitting, RFC 5321 4.2: text is printable US-ASCII). */
    for (size_t i = 0; i < text_len && len < room; i++) {
        uint8_t c = text[i];
        o[len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    o[len++] = '\r';
    o[len++] = '\n';
    s->out_len += len;
    settle(s, false);
    return 0;
}

int
smtp_session_shutdown(struct smtp_session *s)
{
    enum smtp_state st = s->state;
    if (st != SMTP_S_GREETED && st != SMTP_S_HELO && st != SMTP_S_MAIL && st != SMTP_S_RCPT) {
        return RL_EINVAL;
    }
    if (s->lim.out_cap - s->out_len < SMTP_REPLY_MAX / 2) {
        return RL_ELIMIT;
    }
    queue(s, SMTP_R_SHUTDOWN);
    enter(s, SMTP_S_CLOSED, "shutdown");
    return 0;
}

int
smtp_session_tls_started(struct smtp_session *s)
{
    if (s->state != SMTP_S_TLS_PENDING || s->out_len != 0) {
        return RL_EINVAL;
    }
    /* RFC 3207 4.2: back to the state after the greeting; forget EHLO. */
    s->tls_active = true;
    s->esmtp = false;
    s->line_len = 0;
    s->line_skip = false;
    tx_reset(s);
    enter(s, SMTP_S_GREETED, "TLS started");
    return 0;
}

/* in_data tells whether `st` is inside message text, where the DATA budget
 * applies instead of the command deadline. */
static bool
in_data(enum smtp_state st)
{
    return st == SMTP_S_DATA || st == SMTP_S_BDAT;
}

int
smtp_session_tick(struct smtp_session *s, struct smtp_event *out_ev, uint64_t now_ms)
{
    memset(out_ev, 0, sizeof(*out_ev));
    enum smtp_state st = s->state;
    if (st == SMTP_S_START || st == SMTP_S_CLOSED || st == SMTP_S_TLS_PENDING ||
        st == SMTP_S_MAIL_WAIT || st == SMTP_S_RCPT_WAIT || st == SMTP_S_DATA_WAIT ||
        st == SMTP_S_BDAT_WAIT) {
        s->timer_armed = false;
        return RL_EAGAIN;
    }
    uint64_t fed = s->n_fed - s->seen_fed;
    bool stepped = s->n_steps != s->seen_step;
    if (!s->timer_armed || now_ms < s->last_ms) {
        stepped = true;
        fed = 0;
        s->last_ms = now_ms;
    }
    uint64_t elapsed = now_ms - s->last_ms;
    s->timer_armed = true;
    s->seen_fed = s->n_fed;
    s->seen_step = s->n_steps;
    s->last_ms = now_ms;
    bool expired;
    if (in_data(st)) {
        /* RFC 5321 4.5.3.2.6-7 and Postfix's smtpd_min_data_rate: the
         * transfer spends its budget by the clock and earns it back by the
         * octets it delivers, up to the full budget. A client trickling one
         * octet a second runs out; one sending at the minimum rate never does. */
        int64_t full = (int64_t)s->lim.data_timeout_ms;
        if (stepped) {
            s->budget_ms = full;
        } else if (s->lim.min_data_rate == 0) {
            s->budget_ms = fed > 0 ? full : s->budget_ms - (int64_t)elapsed;
        } else {
            uint64_t earned = fed * 1000 / s->lim.min_data_rate;
            int64_t b = s->budget_ms - (int64_t)elapsed +
                        (earned > (uint64_t)full ? full : (int64_t)earned);
            s->budget_ms = b > full ? full : b;
        }
        expired = s->budget_ms <= 0;
    } else {
        /* A deadline per command (Postfix's smtpd_per_request_deadline):
         * octets trickling in do not extend it, a complete line does. */
        if (stepped) {
            s->since_ms = now_ms;
        }
        expired = now_ms - s->since_ms >= s->lim.cmd_timeout_ms;
    }
    if (!expired || s->lim.out_cap - s->out_len < SMTP_REPLY_MAX) {
        return RL_EAGAIN;
    }
    queue(s, SMTP_R_TIMEOUT);
    enter(s, SMTP_S_CLOSED, "timeout");
    out_ev->type = SMTP_EV_CLOSE;
    out_ev->reason = SMTP_R_TIMEOUT;
    return 0;
}

const uint8_t *
smtp_session_output(const struct smtp_session *s, size_t *out_len)
{
    *out_len = s->out_len;
    return s->out;
}

void
smtp_session_consume(struct smtp_session *s, size_t n)
{
    if (n >= s->out_len) {
        s->out_len = 0;
        return;
    }
    memmove(s->out, s->out + n, s->out_len - n);
    s->out_len -= n;
}

enum smtp_state
smtp_session_state(const struct smtp_session *s)
{
    return s->state;
}

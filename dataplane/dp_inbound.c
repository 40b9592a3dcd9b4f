/* SPDX-License-Identifier: Apache-2.0 */
/* Client sessions of one worker: feeds client bytes to the SMTP server
 * engine, decides every MAIL and RCPT (relay control, routes, the next hop's
 * own answer), scans each message at its end and answers it only once the
 * next hop has accepted it (in-line mode) or it is durably quarantined. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dp_conn.h"
#include "dp_connlimit.h"
#include "dp_msgid.h"
#include "dp_rate.h"
#include "dp_store.h"
#include "rl_ascii.h"
#include "rl_span.h"

/* snap returns the snapshot `in` answers by: its transaction's, or between
 * transactions the worker's newest. */
static const struct dp_snapshot *
snap(const struct dp_worker *w, const struct dp_in *in)
{
    return in->txn.held != NULL ? in->txn.held->s : w->cur->s;
}

/* session_init sets the SMTP engine of a new connection up by the current
 * snapshot: limits, our name, STARTTLS offered or required. */
static int
session_init(struct dp_worker *w, struct dp_in *in)
{
    const struct dp_snapshot *s = w->cur->s;
    struct smtp_limits lim;
    smtp_limits_default(&lim);
    lim.max_msg_size = s->rt.max_message_size;
    lim.max_rcpt = s->rt.max_recipients;
    lim.cmd_timeout_ms = s->rt.command_timeout_ms;
    lim.data_timeout_ms = s->rt.data_timeout_ms;
    lim.min_data_rate = s->rt.min_data_rate;
    lim.max_errors = s->rt.max_errors;
    lim.max_junk = s->rt.max_junk;
    lim.tarpit_after = s->rt.tarpit_after;
    lim.tarpit_ms = s->rt.tarpit_ms;
    bool tls = s->tls->server[w->id] != NULL;
    struct smtp_config scfg = {
        .hostname = s->rt.hostname,
        .tls_available = tls,
        /* RFC 3207 4: no mail before STARTTLS (dp_runtime_check: only with a certificate). */
        .tls_required = tls && s->rt.tls_policy == DP_TLS_ENCRYPT,
        .bare_newline = s->rt.bare_newline,
        .nul = s->rt.nul,
        .address_literals = s->rt.address_literals,
    };
    return smtp_session_init(&in->smtp, &lim, &scfg, in->smtp_mem, w->smtp_mem_len);
}

static void
txn_reset(struct dp_worker *w, struct dp_in *in)
{
    if (in->streaming && in->txn.held != NULL && in->txn.held->scan->streamer == in) {
        in->txn.held->scan->streamer = NULL; /* the worker's scanner is free again */
    }
    in->streaming = false;
    if (in->txn.out != NULL) {
        struct dp_out *o = in->txn.out;
        in->txn.out = NULL;
        dp_relay_detach(w, o);
    }
    in->wait = DP_W_NONE;
    in->txn.group = -1;
    in->txn.hops_tried = 0;
    dp_txn_clear(&in->txn); /* replies of an abandoned transaction are not ours */
    in->n_rcpt = 0;
    in->from_len = 0;
    in->mail_code = 0;
    in->broken = false;
    in->msg_oom = false;
    in->tls_fail_code = 0;
    memset(&in->out_tls, 0, sizeof(in->out_tls));
    if (in->msg_wiped) {
        in->msg.len = 0; /* nothing to wipe again */
        in->msg_wiped = false;
    }
    dp_buf_release(&w->bufs, &in->msg);
    dp_buf_release(&w->bufs, &in->body);
    dp_buf_release(&w->bufs, &in->rcpts);
    in->verdict = NULL;
    in->redacted = false;
    in->reply[0] = '\0';
    in->hop_name[0] = '\0';
    memset(in->counts, 0, sizeof(in->counts));
    in->actions[0] = '\0';
    memset(in->doc_counts, 0, sizeof(in->doc_counts));
    dp_wsnap_put(w, in->txn.held);
    in->txn.held = NULL;
}

void
dp_in_accept(struct dp_worker *w, struct dp_in *in)
{
    const struct dp_runtime *rt = &w->cur->s->rt;
    in->b.kind = DP_K_IN;
    in->b.rd = in->b.wr = true; /* optimistic: the first call says EAGAIN if not */
    in->w = w;
    in->live = true;
    in->closing = in->eof = false;
    in->rx_off = in->rx_len = 0;
    in->helo[0] = '\0';
    dp_txn_init(&in->txn, &in->b);
    dp_stream_init(&in->st, w->io, &in->b);
    in->tls_pending = in->tls_shut = false;
    txn_reset(w, in);
    io_addr_format_ip(in->peer_ip, sizeof(in->peer_ip), &in->peer);
    in->client_cert_asked = false;
    /* Again by the transaction's snapshot at MAIL; the engine's trust (source
     * routes) is the connection's. */
    in->relay_ok = dp_relay_allowed(rt, &in->peer);
    in->hold_until_ms = 0;
    memset(&in->limit, 0, sizeof(in->limit));
    bool ready = session_init(w, in) == 0;
    smtp_session_trust(&in->smtp, in->relay_ok);

    enum smtp_reply_id open = SMTP_R_GREETING;
    if (w->draining) {
        open = SMTP_R_SHUTDOWN;
    } else if (w->n_in >= rt->max_conn_per_worker || !ready) {
        open = SMTP_R_TOO_MANY_CONN;
    } else if (w->ctl->limits != NULL) {
        /* Issue 13: counted across every worker, O(1) (dp_connlimit.h). */
        const struct dp_connlimit_rules rules = {.max_per_ip = rt->max_conn_per_ip,
                                                 .max_per_net = rt->max_conn_per_net,
                                                 .v4_prefix = (uint8_t)rt->net_prefix_v4,
                                                 .v6_prefix = (uint8_t)rt->net_prefix_v6};
        if (dp_connlimit_take(w->ctl->limits, &in->limit, &in->peer, &rules) != 0) {
            dp_stats_add(w->stats, DP_C_CONN_CLIENT_LIMIT, 1);
            open = SMTP_R_CLIENT_LIMIT;
        }
    }
    if (open != SMTP_R_GREETING) {
        dp_stats_add(w->stats, DP_C_CONN_REFUSED, 1);
        in->closing = true;
    }
    (void)smtp_session_start(&in->smtp, open);
    w->n_in++;
    dp_stats_add(w->stats, DP_C_CONN_ACTIVE, 1);
    dp_link(w, &in->b);
    dp_run_later(w, &in->b);
}

void
dp_in_close(struct dp_worker *w, struct dp_in *in)
{
    if (in->job_out) {
        /* A helper still reads the message: the connection goes now, the
         * object once the job is back (dp_in_job_done). */
        if (w->helpers == NULL) {
            /* The helpers are gone (the worker stops): nobody reads it. */
            in->job_out = false;
            in->close_after_job = false;
            dp_buf_release(&w->bufs, &in->job.body);
            dp_in_close(w, in);
            return;
        }
        if (!in->close_after_job && in->live) {
            in->close_after_job = true;
            w->io->ops->close(w->io, in->b.h);
            in->b.h = UINT32_MAX;
            in->closing = true;
        }
        return;
    }
    if (!in->live) {
        return;
    }
    txn_reset(w, in);
    if (w->ctl->limits != NULL) {
        dp_connlimit_give(w->ctl->limits, &in->limit);
    }
    if (in->b.h != UINT32_MAX) {
        w->io->ops->close(w->io, in->b.h);
    }
    dp_unlink(&in->b);
    in->live = false;
    w->n_in--;
    dp_stats_sub(w->stats, DP_C_CONN_ACTIVE, 1);
    explicit_bzero(in->rx, in->rx_len);
    dp_stream_fini(&in->st);
    dp_worker_put_in(w, in);
}

/* json_str appends `s` (`len` octets) as a JSON string. */
static size_t
json_str(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    if (cap < 3) {
        return 0;
    }
    out[n++] = '"';
    for (size_t i = 0; i < len && n + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    return n;
}

/* clock_now refreshes the worker's formatted dates once per second (the
 * trace header and every tracking line need them) and returns the time. */
static struct timespec
clock_now(struct dp_worker *w)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != w->date_sec) {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(w->date_iso, sizeof(w->date_iso), "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(w->date_rfc5322, sizeof(w->date_rfc5322), "%a, %d %b %Y %H:%M:%S +0000", &tm);
        w->date_sec = now.tv_sec;
    }
    return now;
}

/* put appends a formatted piece to the line `out` (capacity `cap`) at *n,
 * cut at the capacity: *n never passes cap - 1, so a line that does not fit
 * ends short instead of running past its buffer. */
static void put(char *out, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
    if (*n + 1 >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    *n = w < 0 ? *n : *n + (size_t)w < cap ? *n + (size_t)w : cap - 1;
}

/* put_lit appends the text `s` as it is, cut as put cuts: the constant
 * pieces of a line, without a format pass each. */
static void
put_lit(char *out, size_t cap, size_t *n, const char *s)
{
    if (*n + 1 >= cap) {
        return;
    }
    size_t len = strlen(s);
    size_t k = len < cap - 1 - *n ? len : cap - 1 - *n;
    memcpy(out + *n, s, k);
    *n += k;
    out[*n] = '\0';
}

/* put_num appends `v` in decimal, as put would with %llu. */
static void
put_num(char *out, size_t cap, size_t *n, uint64_t v)
{
    char d[24];
    size_t i = sizeof(d) - 1;
    d[i] = '\0';
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_lit(out, cap, n, d + i);
}

/* put_str appends `s` (`len` octets) as a JSON string, as put. */
static void
put_str(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    *n += json_str(out + *n, cap - *n, s, len);
}

/* put_client_cert adds, when the listener asks for client certificates, the
 * one the client sent: its subject (RFC 2253, cut at 255 octets), whether it
 * chained to ca_file and if not why; null when none came. */
static void
put_client_cert(const struct dp_worker *w, const struct dp_in *in, char *out, size_t cap, size_t *n)
{
    (void)w;
    if (!in->client_cert_asked) {
        return;
    }
    char subject[256];
    if (tls_conn_peer_subject(in->st.tls, subject, sizeof(subject)) != 0) {
        put(out, cap, n, ",\"client_cert\":null");
        return;
    }
    put(out, cap, n, ",\"client_cert\":{\"subject\":");
    put_str(out, cap, n, subject, strlen(subject));
    put(out, cap, n, ",\"verified\":%s", tls_conn_verified(in->st.tls) ? "true" : "false");
    const char *why = tls_conn_verify_reason(in->st.tls);
    if (why[0] != '\0') {
        put(out, cap, n, ",\"verify_error\":");
        put_str(out, cap, n, why, strlen(why));
    }
    put(out, cap, n, "}");
}

/* track_line builds the tracking line of the current message (also the
 * quarantine file's metadata). Returns its length. */
static size_t
track_line(struct dp_worker *w, struct dp_in *in, const char *action, char *out, size_t cap)
{
    struct timespec now = clock_now(w);
    size_t n = 0;
    long ms = now.tv_nsec / 1000000;
    const char frac[] = {
        '.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10), 'Z', '\0'};
    put_lit(out, cap, &n, "{\"ts\":\"");
    put_lit(out, cap, &n, w->date_iso);
    put_lit(out, cap, &n, frac);
    put_lit(out, cap, &n, "\",\"id\":\"");
    put_lit(out, cap, &n, in->id);
    put_lit(out, cap, &n, "\",\"worker\":");
    put_num(out, cap, &n, w->id);
    put_lit(out, cap, &n, ",\"client\":\"");
    put_lit(out, cap, &n, in->peer_ip);
    put_lit(out, cap, &n, "\",\"helo\":");
    put_str(out, cap, &n, in->helo, strlen(in->helo));
    if (in->st.tls != NULL && tls_conn_done(in->st.tls)) {
        put(out, cap, &n, ",\"tls\":{\"protocol\":\"%s\",\"cipher\":\"%s\"",
            tls_conn_protocol(in->st.tls), tls_conn_cipher(in->st.tls));
        put_client_cert(w, in, out, cap, &n);
        put(out, cap, &n, "}");
    } else {
        put_lit(out, cap, &n, ",\"tls\":null");
    }
    const struct dp_leg_tls *leg = &in->out_tls;
    if (leg->protocol != NULL) {
        put(out, cap, &n,
            ",\"tls_out\":{\"protocol\":\"%s\",\"cipher\":\"%s\",\"resumed\":%s,\"verified\":%s}",
            leg->protocol, leg->cipher, leg->resumed ? "true" : "false",
            leg->verified ? "true" : "false");
    } else if (leg->why_clear[0] != '\0') {
        put(out, cap, &n, ",\"tls_out\":{\"clear\":");
        put_str(out, cap, &n, leg->why_clear, strlen(leg->why_clear));
        put(out, cap, &n, "}");
    } else {
        put_lit(out, cap, &n, ",\"tls_out\":null");
    }
    put_lit(out, cap, &n, ",\"from\":");
    put_str(out, cap, &n, in->from, in->from_len);
    put_lit(out, cap, &n, ",\"rcpts\":[");
    const char *r = (const char *)in->rcpts.data;
    size_t left = in->rcpts.len;
    bool first = true;
    while (left > 0 && n + 700 < cap) { /* room for the rest of the line */
        const char *nl = memchr(r, '\n', left);
        size_t k = nl != NULL ? (size_t)(nl - r) : left;
        put_lit(out, cap, &n, first ? "" : ",");
        put_str(out, cap, &n, r, k);
        first = false;
        r += k + (nl != NULL);
        left -= k + (nl != NULL);
    }
    put_lit(out, cap, &n, left > 0 ? "],\"rcpts_truncated\":true" : "]");
    put_lit(out, cap, &n, ",\"size\":");
    put_num(out, cap, &n, in->msg.len);
    put_lit(out, cap, &n, ",\"size_out\":");
    put_num(out, cap, &n, in->body.len > in->body_start ? in->body.len - in->body_start : 0);
    put_lit(out, cap, &n, ",\"findings\":{");
    first = true;
    for (unsigned t = 0; t < SCAN_T__COUNT && n + 64 < cap; t++) {
        if (in->counts[t] != 0) {
            put_lit(out, cap, &n, first ? "\"" : ",\"");
            put_lit(out, cap, &n, scan_type_name(t));
            put_lit(out, cap, &n, "\":");
            put_num(out, cap, &n, in->counts[t]);
            first = false;
        }
    }
    put_lit(out, cap, &n, "},\"actions\":{");
    put_lit(out, cap, &n, in->actions);
    /* Document and archive actions by kind; what each was is in the report. */
    put_lit(out, cap, &n, "},\"documents\":{");
    first = true;
    for (unsigned a = 0; a < SCAN_DOC_ACT__COUNT && n + 64 < cap; a++) {
        if (in->doc_counts[a] != 0) {
            put(out, cap, &n, "%s\"%s\":%u", first ? "" : ",", scan_doc_action_name(a),
                in->doc_counts[a]);
            first = false;
        }
    }
    uint64_t now_ms = w->now_ms;
    put_lit(out, cap, &n, "},\"verdict\":\"");
    put_lit(out, cap, &n, in->verdict != NULL ? in->verdict : "none");
    put_lit(out, cap, &n,
            in->redacted ? "\",\"redacted\":true,\"action\":\""
                         : "\",\"redacted\":false,\"action\":\"");
    put_lit(out, cap, &n, action);
    put_lit(out, cap, &n, "\",\"next_hop\":");
    put_str(out, cap, &n, in->hop_name, strlen(in->hop_name));
    put_lit(out, cap, &n, ",\"reply\":");
    size_t rl = strlen(in->reply);
    while (rl > 0 && (in->reply[rl - 1] == '\n' || in->reply[rl - 1] == '\r')) {
        rl--;
    }
    put_str(out, cap, &n, in->reply, rl);
    put_lit(out, cap, &n, ",\"latency_ms\":");
    put_num(out, cap, &n, now_ms - in->t_end_ms);
    put_lit(out, cap, &n, ",\"session_ms\":");
    put_num(out, cap, &n, now_ms - in->t_start_ms);
    put_lit(out, cap, &n, "}");
    return n;
}

/* track writes the message's tracking line before its reply can leave (the
 * caller flushes replies later): a crash after the client's 250 cannot lose
 * the line (issue 13). One write(2) to the page cache on the worker; no
 * waiting for the disk (dp_track.h). */
static void
track(struct dp_worker *w, struct dp_in *in, const char *action)
{
    char line[DP_TRACK_LINE];
    size_t n = track_line(w, in, action, line, sizeof(line));
    if (dp_track_write(line, n) != 0) {
        dp_stats_add(w->stats, DP_C_TRACK_FAILED, 1);
    }
}

/* count_reply updates the reply-class counters for an end-of-data reply. */
static void
count_reply(struct dp_worker *w, int code)
{
    dp_stats_add(w->stats,
                 code < 400   ? DP_C_REPLY_2XX
                 : code < 500 ? DP_C_REPLY_4XX
                              : DP_C_REPLY_5XX,
                 1);
    if (code >= 400) {
        dp_stats_add(w->stats, code < 500 ? DP_C_MSG_TEMPFAIL : DP_C_MSG_PERMFAIL, 1);
    }
}

/* answer gives the owed reply `id`; the reply to a message is kept for its
 * tracking line (the others are not logged, so not formatted twice). */
static void
answer(struct dp_worker *w, struct dp_in *in, enum smtp_reply_id id)
{
    if (smtp_session_state(&in->smtp) == SMTP_S_DATA_WAIT) {
        smtp_reply_format(in->reply, sizeof(in->reply), id, snap(w, in)->rt.hostname);
    }
    (void)smtp_session_reply(&in->smtp, id);
    dp_run_later(w, &in->b);
}

static void
answer_relayed(struct dp_worker *w, struct dp_in *in, int code, const char *enh, const char *text,
               size_t text_len)
{
    size_t before;
    smtp_session_output(&in->smtp, &before);
    if (smtp_session_reply_relayed(&in->smtp, code, enh, (const uint8_t *)text, text_len) != 0) {
        answer(w, in, code < 500 ? SMTP_R_NEXTHOP_TEMPFAIL : SMTP_R_NEXTHOP_PERMFAIL);
        return;
    }
    size_t after;
    const uint8_t *o = smtp_session_output(&in->smtp, &after);
    size_t k = after - before < sizeof(in->reply) - 1 ? after - before : sizeof(in->reply) - 1;
    memcpy(in->reply, o + before, k);
    in->reply[k] = '\0';
    dp_run_later(w, &in->b);
}

/* end_message answers the message with `id` (or the relayed reply already
 * given), logs it and closes the transaction. */
static void
end_message(struct dp_worker *w, struct dp_in *in, const char *action)
{
    int code = (in->reply[0] - '0') * 100;
    count_reply(w, code);
    track(w, in, action);
    txn_reset(w, in);
}

static void
on_rcpt(struct dp_worker *w, struct dp_in *in, const struct smtp_event *ev)
{
    size_t len = ev->arg_len < DP_ADDR_MAX ? ev->arg_len : DP_ADDR_MAX;
    memcpy(in->rcpt, ev->arg, len);
    in->rcpt[len] = '\0';
    in->rcpt_len = len;
    const char *at = memrchr(in->rcpt, '@', len);
    const char *dom = at != NULL ? at + 1 : "";
    size_t dlen = at != NULL ? len - (size_t)(at + 1 - in->rcpt) : 0;
    const struct dp_runtime *rt = &in->txn.held->s->rt;
    const struct dp_route *r = dp_route_find(rt, dom, dlen);
    bool local = false;
    if (at == NULL && len == 10 && strncasecmp(in->rcpt, "postmaster", 10) == 0) {
        /* RFC 5321 4.1.1.3: <Postmaster> without a domain MUST be accepted;
         * it is not relaying. It goes the default way, or the first route. */
        local = true;
        r = r != NULL ? r : &rt->routes[0];
    }
    /* Never an open relay: "*" serves only clients of the relay networks. */
    if (r == NULL || (r->kind == DP_ROUTE_ANY && !in->relay_ok && !local)) {
        answer(w, in, in->relay_ok ? SMTP_R_NO_ROUTE : SMTP_R_RELAY_DENIED);
        return;
    }
    if (in->txn.group >= 0 &&
        ((uint32_t)in->txn.group != r->group || in->txn.tls_profile != r->tls)) {
        /* One route per transaction in in-line mode (SPEC.md). */
        answer(w, in, SMTP_R_TOO_MANY_RCPT);
        return;
    }
    if (in->broken) {
        answer(w, in, SMTP_R_NEXTHOP_UNREACHABLE);
        return;
    }
    in->txn.group = (int)r->group;
    in->txn.tls_profile = r->tls;
    if (in->txn.out == NULL) {
        in->txn.hops_tried = 0;
        if (dp_relay_acquire(w, &in->txn) != 0) {
            dp_stats_add(w->stats, DP_C_RELAY_UNREACHABLE, 1);
            answer(w, in, SMTP_R_NEXTHOP_UNREACHABLE);
            return;
        }
        in->wait = DP_W_CONNECT; /* DP_REV_READY or DP_REV_FAILED follows */
        return;
    }
    if (smtp_client_rcpt(&in->txn.out->cli, (const uint8_t *)in->rcpt, in->rcpt_len) != 0) {
        answer(w, in, SMTP_R_LOCAL_ERROR);
        return;
    }
    in->wait = DP_W_RCPT;
    dp_relay_command(w, in->txn.out);
}

/* relay_ready: the transaction's next-hop connection is greeted. */
static void
relay_ready(struct dp_worker *w, struct dp_in *in)
{
    struct dp_out *o = in->txn.out;
    const struct smtp_client_caps *caps = smtp_client_caps_get(&o->cli);
    snprintf(in->hop_name, sizeof(in->hop_name), "%s", o->hop->name);
    in->out_tls = o->leg;
    if (in->smtputf8 && !caps->smtputf8) {
        in->txn.out = NULL;
        dp_relay_detach(w, o);
        in->wait = DP_W_NONE;
        answer(w, in, SMTP_R_NEXTHOP_NO_UTF8);
        return;
    }
    if (smtp_client_mail(&o->cli, (const uint8_t *)in->from, in->from_len, in->size_param,
                         in->body8, in->smtputf8) != 0) {
        in->txn.out = NULL;
        dp_relay_detach(w, o);
        in->wait = DP_W_NONE;
        answer(w, in, SMTP_R_LOCAL_ERROR);
        return;
    }
    in->mail_code = 0;
    in->wait = DP_W_RCPT;
    /* Without PIPELINING the RCPT follows the reply to MAIL. */
    in->rcpt_queued = smtp_client_rcpt(&o->cli, (const uint8_t *)in->rcpt, in->rcpt_len) == 0;
    dp_relay_command(w, o);
}

/* relay_failed: the relay side closed the transaction's connection
 * (in->txn.out is NULL already); before the transaction is under way the
 * next hop is tried. */
static void
relay_failed(struct dp_worker *w, struct dp_in *in, const struct dp_rev *ev)
{
    if (ev->code != 0) {
        /* TLS could not be had as the profile requires: said if no hop is left. */
        in->tls_fail_code = ev->code;
        snprintf(in->tls_fail_enh, sizeof(in->tls_fail_enh), "%s", ev->enh);
        snprintf(in->tls_fail_text, sizeof(in->tls_fail_text), "%.*s", (int)ev->text_len, ev->text);
    }
    if (in->wait == DP_W_CONNECT || (in->wait == DP_W_RCPT && ev->retry)) {
        dp_stats_add(w->stats, DP_C_RELAY_FAILOVERS, 1);
        in->wait = DP_W_NONE;
        if (dp_relay_acquire(w, &in->txn) == 0) {
            in->wait = DP_W_CONNECT;
            return;
        }
        dp_stats_add(w->stats, DP_C_RELAY_UNREACHABLE, 1);
        if (in->tls_fail_code != 0) {
            /* The profile's TLS could not be had: say why, never send in clear. */
            answer_relayed(w, in, in->tls_fail_code, in->tls_fail_enh, in->tls_fail_text,
                           strlen(in->tls_fail_text));
        } else {
            answer(w, in, SMTP_R_NEXTHOP_UNREACHABLE);
        }
        in->tls_fail_code = 0;
        in->txn.group = in->n_rcpt > 0 ? in->txn.group : -1;
        in->broken = in->n_rcpt > 0;
        return;
    }
    enum dp_wait was = in->wait;
    in->wait = DP_W_NONE;
    in->broken = true;
    /* The hop was reached: say what it did (issue 13). After the end of data
     * a silent hop may hold the message anyway: "unconfirmed". */
    enum smtp_reply_id why = ev->why == DP_OF_TIMEOUT ? SMTP_R_NEXTHOP_SILENT
                             : ev->why == DP_OF_LOST  ? SMTP_R_NEXTHOP_LOST
                                                      : SMTP_R_NEXTHOP_UNREACHABLE;
    bool unconfirmed = was == DP_W_DOT && ev->why == DP_OF_TIMEOUT;
    if (was == DP_W_RCPT) {
        answer(w, in, why);
    } else if (was == DP_W_DATA || was == DP_W_DOT) {
        /* No 250 without the next hop's 250: the client retries. */
        answer(w, in, unconfirmed ? SMTP_R_NEXTHOP_SILENT_DOT : why);
        end_message(w, in, unconfirmed ? "unconfirmed" : "tempfailed");
    }
}

/* store_original writes the message as received to the quarantine store,
 * with its tracking line as metadata; false if it is not durably there. */
static bool
store_original(struct dp_worker *w, struct dp_in *in, const char *action)
{
    char meta[DP_TRACK_LINE];
    smtp_reply_format(in->reply, sizeof(in->reply), SMTP_R_DATA_OK, snap(w, in)->rt.hostname);
    size_t n = track_line(w, in, action, meta, sizeof(meta));
    int err = 0;
    return dp_store_put(w->boot->quarantine_dir, in->id, meta, n, in->msg.data, in->msg.len,
                        w->boot->min_free_mb << 20, &err) == 0;
}

static bool store_job(struct dp_worker *w, struct dp_in *in, const char *action, enum dp_wait wait);

/* relayed_held answers a relayed message whose original the store kept
 * (or failed to keep). */
static void
relayed_held(struct dp_worker *w, struct dp_in *in, bool held)
{
    dp_stats_add(w->stats, held ? DP_C_MSG_HELD : DP_C_HOLD_FAILED, 1);
    answer(w, in, SMTP_R_DATA_OK);
    end_message(w, in, held ? "relayed-held" : "relayed-hold-failed");
}

/* relay_reply acts on the next hop's answer to a command. */
static void
relay_reply(struct dp_worker *w, struct dp_in *in, const struct dp_rev *ev)
{
    struct dp_out *o = in->txn.out;
    bool ok = ev->code >= 200 && ev->code < 300;
    switch (ev->cmd) {
    case SMTP_CMD_MAIL:
        in->mail_code = ev->code;
        snprintf(in->mail_enh, sizeof(in->mail_enh), "%s", ev->enh);
        in->mail_text_len =
            ev->text_len < sizeof(in->mail_text) ? ev->text_len : sizeof(in->mail_text);
        memcpy(in->mail_text, ev->text, in->mail_text_len);
        if (!ok && !smtp_client_caps_get(&o->cli)->pipelining) {
            /* No RCPT went out: answer the client's RCPT with the refusal. */
            in->txn.out = NULL;
            dp_relay_detach(w, o);
            in->wait = DP_W_NONE;
            answer_relayed(w, in, ev->code, ev->enh, ev->text, ev->text_len);
        } else if (ok && !in->rcpt_queued) {
            /* A RCPT held back for lack of PIPELINING goes now. */
            (void)smtp_client_rcpt(&o->cli, (const uint8_t *)in->rcpt, in->rcpt_len);
            dp_relay_command(w, o);
        }
        return;
    case SMTP_CMD_RCPT:
        in->wait = DP_W_NONE;
        if (in->mail_code != 0 && (in->mail_code < 200 || in->mail_code >= 300)) {
            int code = in->mail_code;
            in->txn.out = NULL;
            dp_relay_detach(w, o);
            in->mail_code = 0;
            answer_relayed(w, in, code, in->mail_enh, in->mail_text, in->mail_text_len);
            return;
        }
        if (!ok) {
            answer_relayed(w, in, ev->code, ev->enh, ev->text, ev->text_len);
            return;
        }
        if ((in->rcpts.len == 0 || dp_buf_append(&w->bufs, &in->rcpts, "\n", 1) == 0) &&
            dp_buf_append(&w->bufs, &in->rcpts, in->rcpt, in->rcpt_len) == 0) {
            in->n_rcpt++;
        }
        answer(w, in, SMTP_R_RCPT_OK);
        return;
    case SMTP_CMD_DATA:
        if (ev->code == 354) {
            in->wait = DP_W_DOT;
            dp_relay_send_body(w, o, in->body.data + in->body_start, in->body.len - in->body_start);
            return;
        }
        in->wait = DP_W_NONE;
        answer_relayed(w, in, ev->code, ev->enh, ev->text, ev->text_len);
        end_message(w, in, "refused");
        return;
    case SMTP_CMD_DOT:
        in->wait = DP_W_NONE;
        in->txn.out = NULL;
        dp_relay_release(w, o);
        if (ok) {
            dp_stats_add(w->stats, DP_C_MSG_RELAYED, 1);
            dp_stats_add(w->stats, DP_C_BYTES_OUT, in->body.len - in->body_start);
            if (in->redacted) {
                dp_stats_add(w->stats, DP_C_MSG_REDACTED, 1);
                /* The policy keeps the original (hold). The message is
                 * delivered already: a failed store still gets 250, or the
                 * client would send it again; the line and a counter say so. */
                if (in->txn.held->s->scan->policy->keep_original) {
                    if (!store_job(w, in, "held", DP_W_HOLD)) {
                        relayed_held(w, in, store_original(w, in, "held"));
                    }
                    return;
                }
            }
            answer(w, in, SMTP_R_DATA_OK);
            end_message(w, in, "relayed");
            return;
        }
        answer_relayed(w, in, ev->code, ev->enh, ev->text, ev->text_len);
        end_message(w, in, "refused");
        return;
    default:
        return;
    }
}

/* prefix writes the trace header (RFC 5321 4.4: a relay MUST add Received:)
 * and the tag header, if any, just before the body. */
static void
prefix(struct dp_worker *w, struct dp_in *in, const struct dp_scan_sum *res)
{
    char hdr[DP_HEADROOM];
    (void)clock_now(w);
    int n =
        snprintf(hdr, sizeof(hdr),
                 "Received: from %.255s (%s)\r\n\tby %.255s (Redline) with %s id %s;\r\n\t%s\r\n"
                 "%s",
                 in->helo, in->peer_ip, snap(w, in)->rt.hostname, in->smtp.esmtp ? "ESMTP" : "SMTP",
                 in->id, w->date_rfc5322, res->tagged ? res->tag_header : "");
    size_t len = n > 0 && (size_t)n < sizeof(hdr) ? (size_t)n : 0;
    in->body_start = DP_HEADROOM - len;
    memcpy(in->body.data + in->body_start, hdr, len);
}

/* store_job hands the original to the store thread (the file and its
 * directory fsynced there); the reply waits for it (`wait`). False when it
 * must be done here: no store thread, or its ring is full. */
static bool
store_job(struct dp_worker *w, struct dp_in *in, const char *action, enum dp_wait wait)
{
    if (w->helpers == NULL) {
        return false;
    }
    struct dp_job *j = &in->job;
    j->kind = DP_JOB_STORE;
    j->worker = w->id;
    j->owner = in;
    j->dir = w->boot->quarantine_dir;
    snprintf(j->id, sizeof(j->id), "%s", in->id);
    smtp_reply_format(in->reply, sizeof(in->reply), SMTP_R_DATA_OK, snap(w, in)->rt.hostname);
    j->meta_len = track_line(w, in, action, j->meta, sizeof(j->meta));
    j->msg = in->msg.data;
    j->msg_len = in->msg.len;
    j->reserve = w->boot->min_free_mb << 20;
    if (dp_helpers_submit(w->helpers, j) != 0) {
        return false;
    }
    in->job_out = true;
    w->jobs_out++;
    in->wait = wait;
    dp_stats_add(w->stats, DP_C_STORE_JOBS, 1);
    return true;
}

/* quarantined answers a message the store has (or failed to keep). */
static void
quarantined(struct dp_worker *w, struct dp_in *in, bool stored)
{
    if (!stored) {
        answer(w, in, SMTP_R_STORAGE);
        end_message(w, in, "store-failed");
        return;
    }
    dp_stats_add(w->stats, DP_C_MSG_QUARANTINED, 1);
    answer(w, in, SMTP_R_DATA_OK);
    end_message(w, in, "quarantined");
}

static void
quarantine(struct dp_worker *w, struct dp_in *in)
{
    if (store_job(w, in, "quarantined", DP_W_STORE)) {
        return; /* dp_in_job_done answers */
    }
    quarantined(w, in, store_original(w, in, "quarantined"));
}

/* scanned acts on the scan of the message: trace header, verdict. */
static void
scanned(struct dp_worker *w, struct dp_in *in, const struct dp_scan_sum *res)
{
    if (res->rc != 0) {
        answer(w, in, res->rc == RL_ELIMIT ? SMTP_R_SIZE_EXCEEDED : SMTP_R_LOCAL_ERROR);
        end_message(w, in, "refused");
        return;
    }
    if (in->broken || in->txn.out == NULL) {
        answer(w, in, SMTP_R_NEXTHOP_UNREACHABLE); /* the next hop went while it was scanned */
        end_message(w, in, "tempfailed");
        return;
    }
    prefix(w, in, res);
    in->verdict = scan_verdict_name(res->verdict);
    in->redacted = res->modified;
    memcpy(in->actions, res->actions, sizeof(in->actions));
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        in->counts[t] = res->counts[t];
        dp_stats_bump(&w->stats->findings[t], res->counts[t]);
    }
    memcpy(in->doc_counts, res->doc_counts, sizeof(in->doc_counts));
    switch (res->verdict) {
    case SCAN_V_DELIVER:
        if (in->chunking) {
            if (smtp_client_bdat_last(&in->txn.out->cli, in->body.len - in->body_start) != 0) {
                answer(w, in, SMTP_R_LOCAL_ERROR);
                end_message(w, in, "refused");
                return;
            }
            in->wait = DP_W_DOT;
            dp_relay_send_body(w, in->txn.out, in->body.data + in->body_start,
                               in->body.len - in->body_start);
            return;
        }
        if (smtp_client_data(&in->txn.out->cli) != 0) {
            answer(w, in, SMTP_R_LOCAL_ERROR);
            end_message(w, in, "refused");
            return;
        }
        in->wait = DP_W_DATA;
        dp_relay_command(w, in->txn.out);
        return;
    case SCAN_V_BLOCK:
        dp_stats_add(w->stats, DP_C_MSG_BLOCKED, 1);
        answer(w, in, SMTP_R_POLICY_BLOCK);
        end_message(w, in, "blocked");
        return;
    case SCAN_V_TEMPFAIL:
        answer(w, in, SMTP_R_SCAN_TEMPFAIL);
        end_message(w, in, "tempfailed");
        return;
    case SCAN_V_QUARANTINE:
        quarantine(w, in);
        return;
    }
}

/* scan_job hands the whole message to a scan thread. False when it must be
 * scanned here: no scan threads, or the ring is full. */
static bool
scan_job(struct dp_worker *w, struct dp_in *in)
{
    if (w->helpers == NULL) {
        return false;
    }
    struct dp_job *j = &in->job;
    j->kind = DP_JOB_SCAN;
    j->worker = w->id;
    j->owner = in;
    j->msg = in->msg.data;
    j->msg_len = in->msg.len;
    j->scan = in->txn.held->s->scan;
    j->chunking = in->chunking;
    /* The output buffer comes from this worker's cache, sized as the scan
     * will need it, so the scan thread allocates nothing in steady state. */
    j->body = (struct dp_buf){0};
    if (dp_buf_reserve(&w->bufs, &j->body, DP_HEADROOM + in->msg.len + in->msg.len / 8 + 64) != 0 ||
        dp_helpers_submit(w->helpers, j) != 0) {
        dp_buf_release(&w->bufs, &j->body);
        return false;
    }
    in->job_out = true;
    w->jobs_out++;
    in->wait = DP_W_SCAN;
    dp_stats_add(w->stats, DP_C_SCAN_JOBS, 1);
    return true;
}

/* Lines of a message that send it to a scan thread: attachments, HTML,
 * base64 (how documents travel). Matched at a line's start, any case. */
static const char *const heavy_lines[] = {
    "content-transfer-encoding: base64",
    "content-type: application/",
    "content-type: image/",
    "content-type: audio/",
    "content-type: video/",
    "content-type: text/html",
    "content-disposition: attachment",
    "content-type: message/",
    NULL,
};

/* heavy_line tells whether the line starting at p[0..len) (cut there)
 * makes the message a scan thread's. */
static bool
heavy_line(const uint8_t *p, size_t len)
{
    if (len == 0 || (p[0] | 0x20) != 'c') {
        return false;
    }
    for (const char *const *h = heavy_lines; *h != NULL; h++) {
        size_t n = strlen(*h);
        if (len >= n && rl_ascii_ieq((const char *)p, *h, n)) {
            return true;
        }
    }
    return false;
}

/* Octets of a line's start that tell whether it is heavy (the longest of
 * heavy_lines has 33). */
#define SNIFF_LINE 40

/* sniff_cut goes on with the line whose start the last chunk cut (sniff_on,
 * sniff_len octets of it kept) with the octets of chunk p[0..len) up to that
 * line's end or SNIFF_LINE in all; tells whether that line is heavy. */
static bool
sniff_cut(struct dp_in *in, const uint8_t *p, size_t len)
{
    if (in->sniff_len == 0 && len > 0 && (p[0] | 0x20) != 'c') {
        in->sniff_on = false; /* no heavy line starts so */
        return false;
    }
    size_t room = SNIFF_LINE - in->sniff_len;
    size_t k = len < room ? len : room;
    const uint8_t *nl = memchr(p, '\n', k);
    k = nl != NULL ? (size_t)(nl - p) + 1 : k;
    memcpy(in->sniff + in->sniff_len, p, k);
    in->sniff_len += k;
    if (nl == NULL && in->sniff_len < SNIFF_LINE) {
        return false; /* still cut: the next chunk goes on with it */
    }
    size_t line = in->sniff_len;
    in->sniff_on = false;
    in->sniff_len = 0;
    return heavy_line(in->sniff, line);
}

/* sniff looks at the starts of the lines of the next chunk, the line the
 * last one cut first. Only lines starting with C can be heavy: one vector
 * pass finds them (rl_line_start). */
static bool
sniff(struct dp_in *in, const uint8_t *p, size_t len)
{
    if (in->sniff_on && sniff_cut(in, p, len)) {
        return true;
    }
    if (in->sniff_on || len == 0) {
        return false;
    }
    for (size_t at = 0;;) {
        size_t i = at + rl_line_start(p + at, len - at, 'c');
        if (i >= len) {
            break;
        }
        size_t rest = len - i;
        if (rest < SNIFF_LINE && memchr(p + i, '\n', rest) == NULL) {
            memcpy(in->sniff, p + i, rest); /* cut: looked at with the next chunk */
            in->sniff_len = rest;
            in->sniff_on = true;
            return false;
        }
        if (heavy_line(p + i, rest)) {
            return true;
        }
        at = i;
    }
    in->sniff_on = p[len - 1] == '\n'; /* the next chunk starts a line */
    in->sniff_len = 0;
    return false;
}

/* stream_stop ends a scan as the text arrives: the worker's scanner is free
 * for another session's message. */
static void
stream_stop(struct dp_in *in)
{
    if (in->streaming && in->txn.held->scan->streamer == in) {
        in->txn.held->scan->streamer = NULL;
    }
    in->streaming = false;
}

/* data_begin starts scanning the text as it arrives, on this worker. */
static void
data_begin(struct dp_worker *w, struct dp_in *in)
{
    in->msg.len = 0;
    in->msg_wiped = false;
    in->sniff_len = 0;
    in->sniff_on = true; /* the message's first line starts here */
    in->heavy = in->size_param > DP_SCAN_INLINE_MAX;
    /* The size the client declared (SIZE=, checked against the limit at
     * MAIL), up to 16 MB, at once: the buffer is not grown (copied) while
     * the message arrives. A larger one is a mapping (dp_buf.h), grown
     * without copies. */
    if (in->size_param > 0 && !in->msg_oom &&
        dp_buf_reserve(&w->bufs, &in->msg,
                       in->size_param < DP_MSG_RESERVE_MAX ? in->size_param : DP_MSG_RESERVE_MAX) !=
            0) {
        in->msg_oom = true;
    }
    in->streaming = false;
    /* One message at a time streams through the worker's scanner (another
     * session's text then goes whole to a scan thread); without scan
     * threads every message is scanned whole at its end, as it always was. */
    struct dp_scanner *sc = in->txn.held->scan;
    if (in->broken || in->txn.out == NULL || in->heavy || w->helpers == NULL ||
        sc->streamer != NULL) {
        return;
    }
    /* With CHUNKING the next hop takes the message as it is in one BDAT
     * LAST: no dot-stuffing, and one round trip less than DATA's 354. */
    in->chunking = smtp_client_caps_get(&in->txn.out->cli)->chunking;
    in->streaming =
        dp_scan_begin(&in->so, sc->sm, &in->body, &w->bufs, in->chunking, in->size_param) == 0;
    sc->streamer = in->streaming ? in : NULL;
}

/* data_chunk keeps the octets (the original goes to the store or a scan
 * thread) and scans them now while the message is small text. Whether it
 * streams or not (another session's message had the scanner at its DATA),
 * a message becomes a scan thread's (`heavy`) as soon as it is over
 * DP_SCAN_INLINE_MAX or shows a document's line: at its end only small
 * text is ever scanned on the worker. */
static void
data_chunk(struct dp_worker *w, struct dp_in *in, const uint8_t *p, size_t len)
{
    if (!in->msg_oom && dp_buf_append(&w->bufs, &in->msg, p, len) != 0) {
        in->msg_oom = true;
    }
    if (!in->heavy && (in->msg.len > DP_SCAN_INLINE_MAX || sniff(in, p, len))) {
        stream_stop(in); /* a scan thread's: it starts again from the original */
        in->heavy = true;
    }
    if (in->streaming) {
        (void)dp_scan_feed(&in->so, in->txn.held->scan->sm, p, len);
    }
}

static void
on_data_end(struct dp_worker *w, struct dp_in *in)
{
    in->t_end_ms = w->now_ms;
    dp_stats_add(w->stats, DP_C_MSG_RECEIVED, 1);
    dp_stats_add(w->stats, DP_C_BYTES_IN, in->msg.len);
    bool streamed = in->streaming;
    if (in->msg_oom) {
        answer(w, in, SMTP_R_STORAGE);
        end_message(w, in, "refused");
        return;
    }
    if (in->broken || in->txn.out == NULL) {
        answer(w, in, SMTP_R_NEXTHOP_UNREACHABLE);
        end_message(w, in, "tempfailed");
        return;
    }
    in->chunking = smtp_client_caps_get(&in->txn.out->cli)->chunking;
    struct dp_scan_sum res;
    struct dp_scanner *sc = in->txn.held->scan;
    if (streamed) {
        dp_scan_end(&in->so, sc->sm, &res); /* small text, scanned as it came */
        stream_stop(in);
        scanned(w, in, &res);
        return;
    }
    /* Documents and large messages: a scan thread's. */
    if (in->heavy && scan_job(w, in)) {
        return; /* dp_in_job_done goes on */
    }
    /* Small text that arrived while another session streamed through the
     * scanner (or anything, without scan threads or with their ring full):
     * scanned whole here, by the second rewriter if the first streams. */
    struct scan_message *sm = sc->streamer != NULL ? sc->sm_whole : sc->sm;
    if (dp_scan_begin(&in->so, sm, &in->body, &w->bufs, in->chunking, in->msg.len) == 0) {
        (void)dp_scan_feed(&in->so, sm, in->msg.data, in->msg.len);
    }
    dp_scan_end(&in->so, sm, &res);
    scanned(w, in, &res);
}

void
dp_in_job_done(struct dp_worker *w, struct dp_job *j)
{
    struct dp_in *in = j->owner;
    in->job_out = false;
    w->jobs_out--;
    if (j->kind == DP_JOB_SCAN) {
        in->msg_wiped = j->msg_wiped;
    }
    if (in->close_after_job) {
        in->close_after_job = false;
        if (j->kind == DP_JOB_SCAN) {
            dp_buf_release(&w->bufs, &j->body);
        }
        dp_in_close(w, in);
        return;
    }
    enum dp_wait was = in->wait;
    in->wait = DP_W_NONE;
    dp_run_later(w, &in->b);
    if (j->kind == DP_JOB_SCAN) {
        dp_buf_release(&w->bufs, &in->body);
        in->body = j->body; /* the scan thread's buffer, now this worker's */
        j->body = (struct dp_buf){0};
        scanned(w, in, &j->sum);
        return;
    }
    bool stored = j->rc == 0;
    if (was == DP_W_HOLD) {
        relayed_held(w, in, stored);
    } else {
        quarantined(w, in, stored);
    }
}

static void
on_event(struct dp_worker *w, struct dp_in *in, const struct smtp_event *ev)
{
    switch (ev->type) {
    case SMTP_EV_HELO: {
        size_t n = ev->arg_len < sizeof(in->helo) - 1 ? ev->arg_len : sizeof(in->helo) - 1;
        memcpy(in->helo, ev->arg, n);
        in->helo[n] = '\0';
        txn_reset(w, in);
        return;
    }
    case SMTP_EV_MAIL: {
        txn_reset(w, in);
        /* The licence tier's rate, across every worker: over it, the client
         * tries again later (docs/LICENSING.md). */
        uint64_t per_hour = w->cur->s->rt.rate_per_hour;
        if (per_hour != 0 && w->ctl->rate_tat != NULL) {
            struct dp_rate_params rp;
            dp_rate_params(&rp, per_hour, per_hour / 60);
            if (!dp_rate_take(w->ctl->rate_tat, &rp, w->now_ms * 1000000ULL)) {
                dp_stats_add(w->stats, DP_C_RATE_LIMITED, 1);
                answer(w, in, SMTP_R_LICENSE_RATE);
                return;
            }
        }
        size_t n = ev->arg_len < DP_ADDR_MAX ? ev->arg_len : DP_ADDR_MAX;
        memcpy(in->from, ev->arg, n);
        in->from[n] = '\0';
        in->from_len = n;
        in->size_param = ev->size;
        in->body8 = ev->body == SMTP_BODY_8BITMIME;
        in->smtputf8 = ev->smtputf8;
        in->t_start_ms = w->now_ms;
        if (dp_store_low()) {
            /* Postfix's queue_minfree: refuse before the disk is full, while
             * the tracking log and the store still have room (min_free_mb). */
            dp_stats_add(w->stats, DP_C_MAIL_NO_SPACE, 1);
            answer(w, in, SMTP_R_STORAGE);
            return;
        }
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        dp_msgid_next(&w->ids, (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u,
                      in->id);
        /* The transaction keeps this snapshot until it ends (dp_live.h). */
        in->txn.held = dp_wsnap_take(w);
        in->relay_ok = dp_relay_allowed(&in->txn.held->s->rt, &in->peer);
        answer(w, in, SMTP_R_MAIL_OK);
        return;
    }
    case SMTP_EV_RCPT:
        on_rcpt(w, in, ev);
        return;
    case SMTP_EV_DATA_BEGIN:
        data_begin(w, in);
        return;
    case SMTP_EV_DATA_CHUNK:
        data_chunk(w, in, ev->arg, ev->arg_len);
        return;
    case SMTP_EV_BDAT_CHUNK:
        answer(w, in, SMTP_R_BDAT_OK);
        return;
    case SMTP_EV_DATA_END:
        on_data_end(w, in);
        return;
    case SMTP_EV_DATA_ABORT:
        /* Refused by the engine (size, line length, bare CR, NUL): every
         * message gets its tracking line, refused ones too. */
        in->t_end_ms = w->now_ms;
        dp_stats_add(w->stats, DP_C_MSG_RECEIVED, 1);
        smtp_reply_format(in->reply, sizeof(in->reply), ev->reason, snap(w, in)->rt.hostname);
        end_message(w, in, "refused");
        return;
    case SMTP_EV_RSET:
        txn_reset(w, in);
        return;
    case SMTP_EV_STARTTLS:
        /* The engine has dropped what followed STARTTLS in clear; TLS starts
         * once its 220 is sent (start_tls). */
        txn_reset(w, in);
        if (w->cur->s->tls->server[w->id] != NULL) {
            in->tls_pending = true;
            return;
        }
        in->closing = true;
        return;
    case SMTP_EV_QUIT:
    case SMTP_EV_CLOSE:
        txn_reset(w, in);
        in->closing = true;
        return;
    case SMTP_EV_NONE:
        return;
    }
}

/* tls_failed counts a connection whose TLS failed for good and closes it
 * once the alert in its output is sent. */
static void
tls_failed(struct dp_worker *w, struct dp_in *in)
{
    enum tls_fail f = tls_conn_failure(in->st.tls);
    dp_stats_add(w->stats, DP_C_TLS_FAILURES, 1);
    dp_stats_bump(&w->stats->tls_fail[f], 1);
    txn_reset(w, in);
    in->closing = true;
}

/* flush writes queued replies, in clear or through TLS; on close, our
 * close_notify goes first (RFC 3207 does not make us wait for the peer's).
 * False if the connection was closed. */
static bool
flush(struct dp_worker *w, struct dp_in *in, bool *progress)
{
    size_t len;
    for (;;) {
        bool moved = false;
        size_t n = 0;
        const uint8_t *o = smtp_session_output(&in->smtp, &len);
        if (dp_stream_write(&in->st, &n, o, len, &moved) != 0) {
            dp_in_close(w, in);
            return false;
        }
        smtp_session_consume(&in->smtp, n);
        *progress = *progress || moved;
        if (!moved) {
            break;
        }
    }
    (void)smtp_session_output(&in->smtp, &len);
    if (!in->closing || len != 0) {
        return true;
    }
    struct tls_conn *t = in->st.tls;
    if (t != NULL && !in->tls_shut && tls_conn_done(t) && tls_conn_failure(t) == TLS_FAIL_NONE) {
        in->tls_shut = true;
        (void)tls_conn_shutdown(t);
        if (dp_stream_flush(&in->st, progress) != 0) {
            dp_in_close(w, in);
            return false;
        }
    }
    /* After a failure the alert gets what the socket takes at once. */
    if (dp_stream_pending(&in->st) == 0 ||
        (t != NULL && tls_conn_failure(t) != TLS_FAIL_NONE && !in->b.wr)) {
        dp_in_close(w, in);
        return false;
    }
    return true;
}

/* start_tls begins the server side of TLS once the 220 to STARTTLS is sent
 * in clear. Nothing is read between STARTTLS and this point, and anything
 * read before it is dropped: only what the client sends after our 220 is
 * TLS (RFC 3207 4.2, CVE-2011-0411). False if the connection was closed. */
static bool
start_tls(struct dp_worker *w, struct dp_in *in, bool *progress)
{
    size_t len;
    smtp_session_output(&in->smtp, &len);
    if (len != 0) {
        return true;
    }
    explicit_bzero(in->rx, in->rx_len);
    in->rx_off = in->rx_len = 0;
    in->tls_pending = false;
    struct tls_server *srv = w->cur->s->tls->server[w->id];
    in->client_cert_asked =
        srv != NULL && tls_server_profile(srv)->client_cert != TLS_CLIENT_CERT_NONE;
    if (srv == NULL || tls_conn_accept(&in->st.tls, srv) != 0) {
        dp_stats_add(w->stats, DP_C_TLS_FAILURES, 1);
        dp_stats_bump(&w->stats->tls_fail[TLS_FAIL_INTERNAL], 1);
        dp_in_close(w, in);
        return false;
    }
    in->tls_start_ms = w->now_ms;
    *progress = true;
    return true;
}

/* handshake advances the TLS handshake; when it completes, the session
 * starts again after the greeting (RFC 3207 4.2). */
static void
handshake(struct dp_worker *w, struct dp_in *in, bool *progress)
{
    int rc = tls_conn_handshake(in->st.tls);
    if (rc == RL_ETLS) {
        tls_failed(w, in);
        *progress = true;
        return;
    }
    if (rc == 0) {
        (void)smtp_session_tls_started(&in->smtp);
        dp_stats_add(w->stats, DP_C_TLS_HANDSHAKES, 1);
        *progress = true;
    }
}

/* read_plain reads the client's bytes, in clear or through TLS, into the
 * engine's buffer `rx`. False if the connection was closed. */
static bool
read_plain(struct dp_worker *w, struct dp_in *in, bool *progress)
{
    if (in->tls_pending || in->eof || in->rx_len >= DP_RX_CAP) {
        return true;
    }
    size_t n;
    int rc = dp_stream_read(&in->st, &n, in->rx + in->rx_len, DP_RX_CAP - in->rx_len, progress);
    if (rc == RL_EAGAIN) {
        return true;
    }
    if (rc == RL_ETLS) {
        if (tls_conn_failure(in->st.tls) == TLS_FAIL_EOF) {
            in->eof = true; /* closed without close_notify: finish what was read */
        } else {
            tls_failed(w, in);
        }
        *progress = true;
        return true;
    }
    if (rc != 0) {
        dp_in_close(w, in);
        return false;
    }
    in->rx_len += n;
    in->eof = n == 0; /* the client closed, or sent its close_notify */
    *progress = true;
    return true;
}

/* relay_events acts on what the relay side queued for the transaction.
 * False if the connection was closed. */
static bool
relay_events(struct dp_worker *w, struct dp_in *in, bool *progress)
{
    struct dp_rev ev;
    while (in->live && dp_txn_pop(&in->txn, &ev)) {
        *progress = true;
        switch (ev.type) {
        case DP_REV_READY:
            relay_ready(w, in);
            break;
        case DP_REV_REPLY:
            relay_reply(w, in, &ev);
            break;
        case DP_REV_FAILED:
            relay_failed(w, in, &ev);
            break;
        }
    }
    return in->live;
}

void
dp_in_run(struct dp_worker *w, struct dp_in *in)
{
    /* A bounded number of rounds keeps one busy client from starving the
     * others; the rest runs on the next pass. */
    /* After an event the engine is called again even with no new input:
     * it may hold a further event (the end of a BDAT chunk). */
    bool again = true;
    if (in->close_after_job) {
        return; /* gone; the object waits for its job */
    }
    if (in->hold_until_ms > w->now_ms) {
        return; /* tarpit: dp_in_tick runs it again */
    }
    for (int round = 0; round < 64; round++) {
        bool progress = false;
        if (!relay_events(w, in, &progress) || !flush(w, in, &progress)) {
            return;
        }
        if (in->closing) {
            return; /* waiting to drain the output */
        }
        if (in->tls_pending && !start_tls(w, in, &progress)) {
            return;
        }
        if (in->st.tls != NULL && !tls_conn_done(in->st.tls)) {
            handshake(w, in, &progress);
            if (in->closing) {
                continue; /* send the alert, then close */
            }
        } else if (in->wait == DP_W_NONE && !in->tls_pending &&
                   (again || in->rx_off < in->rx_len)) {
            again = false;
            struct smtp_event ev;
            size_t used = 0;
            int rc = smtp_session_feed(&in->smtp, &ev, &used, in->rx + in->rx_off,
                                       in->rx_len - in->rx_off);
            in->rx_off += used;
            progress = progress || used > 0;
            if (rc == 0) {
                on_event(w, in, &ev);
                if (!in->live) {
                    return;
                }
                again = true;
                continue;
            }
            if (rc != RL_EAGAIN) {
                in->closing = true;
                continue;
            }
            uint64_t hold = smtp_session_tarpit_take(&in->smtp);
            if (hold != 0) {
                /* An error reply held back (smtp_limits.tarpit_after). */
                in->hold_until_ms = w->now_ms + hold;
                return;
            }
        }
        if (in->rx_off == in->rx_len) {
            in->rx_off = in->rx_len = 0;
        }
        if (in->rx_off > 0 && in->rx_len == DP_RX_CAP) {
            memmove(in->rx, in->rx + in->rx_off, in->rx_len - in->rx_off);
            in->rx_len -= in->rx_off;
            in->rx_off = 0;
        }
        if (!read_plain(w, in, &progress)) {
            return;
        }
        if (in->closing) {
            continue;
        }
        if (in->b.wr && dp_stream_pending(&in->st) > 0) {
            progress = true; /* a step above queued records (a handshake flight) */
        }
        if (in->eof && in->wait == DP_W_NONE && !progress) {
            /* The client is gone and everything it sent has been answered. */
            dp_in_close(w, in);
            return;
        }
        if (!progress) {
            return;
        }
    }
    dp_run_later(w, &in->b);
}

void
dp_in_tick(struct dp_worker *w, struct dp_in *in)
{
    if (in->close_after_job) {
        return;
    }
    if (in->hold_until_ms != 0 && w->now_ms >= in->hold_until_ms) {
        in->hold_until_ms = 0;
        dp_run_later(w, &in->b);
    }
    if (in->st.tls != NULL && !tls_conn_done(in->st.tls) && !in->closing &&
        w->now_ms - in->tls_start_ms >= snap(w, in)->rt.command_timeout_ms) {
        /* The engine has no clock: "handshake timeout" is ours. */
        dp_stats_add(w->stats, DP_C_TLS_FAILURES, 1);
        dp_stats_add(w->stats, DP_C_TLS_TIMEOUTS, 1);
        dp_in_close(w, in);
        return;
    }
    struct smtp_event ev;
    if (smtp_session_tick(&in->smtp, &ev, w->now_ms) == 0) {
        on_event(w, in, &ev);
        dp_run_later(w, &in->b);
    }
}

void
dp_in_drain(struct dp_worker *w, struct dp_in *in)
{
    if (in->close_after_job) {
        return;
    }
    if (in->st.tls != NULL && !tls_conn_done(in->st.tls) && !in->closing) {
        dp_in_close(w, in); /* no SMTP session to say 421 in yet */
        return;
    }
    if (in->closing || in->wait != DP_W_NONE) {
        return;
    }
    if (smtp_session_shutdown(&in->smtp) == 0) {
        txn_reset(w, in);
        in->closing = true;
        dp_run_later(w, &in->b);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of SMTP replies the server can send (STYLE rule 13): an enum
 * names each reply, smtp_reply.c holds its code, enhanced code and text.
 * Pure functions over constant data; callable from any thread. */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SMTP_REPLY_MAX is the longest reply smtp_reply_format or smtp_reply_ehlo can
 * write, CRLFs included (RFC 5321 4.5.3.1.5: a reply line is at most 512
 * octets; EHLO is several lines). */
#define SMTP_REPLY_MAX ((size_t)1024)

/* smtp_reply_id names every reply; SMTP_R_NONE is never sent. */
enum smtp_reply_id {
    SMTP_R_NONE = 0,
    /* Sent by the engine on its own. */
    SMTP_R_GREETING,
    SMTP_R_HELO,
    SMTP_R_QUIT,
    SMTP_R_OK,
    SMTP_R_DATA_GO,
    SMTP_R_HELP,
    SMTP_R_VRFY,
    SMTP_R_EXPN_DISABLED,
    SMTP_R_NOT_IMPLEMENTED,
    SMTP_R_STARTTLS_GO,
    SMTP_R_CMD_UNRECOGNIZED,
    SMTP_R_CMD_TOO_LONG,
    SMTP_R_CMD_BARE_NEWLINE,
    SMTP_R_SYNTAX_PARAM,
    SMTP_R_SYNTAX_HELO,
    SMTP_R_SYNTAX_MAIL,
    SMTP_R_SYNTAX_RCPT,
    SMTP_R_SYNTAX_BDAT,
    SMTP_R_PATH_TOO_LONG,
    SMTP_R_BAD_SENDER,
    SMTP_R_BAD_RCPT,
    SMTP_R_UTF8_ADDR,
    SMTP_R_PARAM_UNKNOWN,
    SMTP_R_BAD_SEQUENCE,
    SMTP_R_NEED_HELO,
    SMTP_R_NEED_MAIL,
    SMTP_R_NESTED_MAIL,
    SMTP_R_NO_RCPT,
    SMTP_R_TOO_MANY_RCPT,
    SMTP_R_SIZE_EXCEEDED,
    SMTP_R_DATA_BARE_NEWLINE,
    SMTP_R_DATA_LINE_TOO_LONG,
    SMTP_R_DATA_NUL,
    SMTP_R_ROUTING_DENIED,
    SMTP_R_LITERAL_DENIED,
    SMTP_R_TOO_MANY_ERRORS,
    SMTP_R_TIMEOUT,
    SMTP_R_TLS_REQUIRED,
    SMTP_R_LICENSE_RATE, /* MAIL over the licence tier's message rate (docs/LICENSING.md) */
    /* Answers the caller gives to events (smtp_session_reply). */
    SMTP_R_MAIL_OK,
    SMTP_R_RCPT_OK,
    SMTP_R_DATA_OK,
    SMTP_R_BDAT_OK,
    SMTP_R_RELAY_DENIED,
    SMTP_R_RCPT_UNKNOWN,
    SMTP_R_POLICY_BLOCK,
    SMTP_R_NEXTHOP_UNREACHABLE,
    SMTP_R_NEXTHOP_SILENT,
    SMTP_R_NEXTHOP_SILENT_DOT,
    SMTP_R_NEXTHOP_LOST,
    SMTP_R_NEXTHOP_TEMPFAIL,
    SMTP_R_NEXTHOP_PERMFAIL,
    SMTP_R_LOCAL_ERROR,
    SMTP_R_STORAGE,
    SMTP_R_RATE_LIMIT,
    SMTP_R_NO_ROUTE,
    SMTP_R_SCAN_TEMPFAIL,
    SMTP_R_NEXTHOP_NO_UTF8,
    /* Refusals the caller may give instead of the greeting, or at drain. */
    SMTP_R_TOO_MANY_CONN,
    SMTP_R_CLIENT_LIMIT,
    SMTP_R_SHUTDOWN,
    SMTP_R_COUNT /* number of ids; not a reply */
};

/* smtp_reply_code returns the three-digit code of `id` (e.g. 503), or 0 for
 * SMTP_R_NONE and ids out of range. */
int smtp_reply_code(enum smtp_reply_id id);

/* smtp_reply_format writes reply `id` as one line ending in CRLF to `out`
 * (capacity `out_cap`); `host` (may be NULL) is inserted where the table says
 * the server's domain goes. Returns the bytes written, or 0 if `id` is not a
 * reply or the line does not fit. */
size_t smtp_reply_format(char *out, size_t out_cap, enum smtp_reply_id id, const char *host);

/* smtp_reply_ehlo writes the multi-line 250 answer to EHLO to `out` (capacity
 * `out_cap`): the server's `host`, then one extension keyword per line, SIZE
 * carrying `max_size` and STARTTLS only if `starttls`. Returns the bytes
 * written, or 0 if it does not fit. */
size_t smtp_reply_ehlo(char *out, size_t out_cap, const char *host, uint64_t max_size,
                       bool starttls);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The SMTP reply table: every reply text the server sends, with its RFC 5321
 * reply code and RFC 3463 enhanced status code. Constant data and pure
 * functions; callable from any thread. */
#include "smtp_reply.h"

#include <stdio.h>
#include <string.h>

/* A reply is `pre`, then the server's domain if `host`, then `post`.
 * RFC 2034 3: the enhanced code is not used in the greeting and in answers to
 * HELO/EHLO; every other 2xx/4xx/5xx reply carries one. 354 has none either:
 * RFC 3463 defines only classes 2, 4 and 5. */
struct smtp_reply {
    const char *pre;
    const char *post;
    bool host;
};

static const struct smtp_reply smtp_replies[SMTP_R_COUNT] = {
    [SMTP_R_GREETING] = {"220 ", " ESMTP Redline", true},
    [SMTP_R_HELO] = {"250 ", "", true},
    [SMTP_R_QUIT] = {"221 2.0.0 ", " closing connection", true},
    /* RFC 3463 X.0.0: success without further detail (NOOP, RSET). */
    [SMTP_R_OK] = {"250 2.0.0 OK", "", false},
    /* RFC 5321 4.3.2: the intermediate reply to DATA. */
    [SMTP_R_DATA_GO] = {"354 End data with <CR><LF>.<CR><LF>", "", false},
    [SMTP_R_HELP] =
        {"214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP STARTTLS", "",
         false},
    /* RFC 5321 3.5.3: 252 answers VRFY without verifying anything; RFC 5321
     * 4.5.1 lists VRFY among the commands a server MUST implement, so it is
     * answered, never with a 250 (3.5.3: only for verified addresses). */
    [SMTP_R_VRFY] = {"252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery", "",
                     false},
    /* RFC 5321 7.3: EXPN may be disabled; 502 = not implemented, X.5.1. */
    [SMTP_R_EXPN_DISABLED] = {"502 5.5.1 EXPN command disabled", "", false},
    [SMTP_R_NOT_IMPLEMENTED] = {"502 5.5.1 Command not implemented", "", false},
    /* RFC 3207 4. */
    [SMTP_R_STARTTLS_GO] = {"220 2.0.0 Ready to start TLS", "", false},
    /* RFC 5321 4.2.4: 500 for an unrecognised command; RFC 3463 X.5.2. */
    [SMTP_R_CMD_UNRECOGNIZED] = {"500 5.5.2 Command unrecognized", "", false},
    /* RFC 5321 4.5.3.1.4 and 4.5.3.1.10: "500 Line too long". */
    [SMTP_R_CMD_TOO_LONG] = {"500 5.5.2 Line too long (RFC 5321 4.5.3.1.4: 512 octets)", "", false},
    /* RFC 5321 2.3.8: CR and LF only as CRLF. */
    [SMTP_R_CMD_BARE_NEWLINE] = {"500 5.5.2 Bare CR or LF in command line (RFC 5321 2.3.8)", "",
                                 false},
    /* RFC 5321 4.2.2: 501 = syntax error in parameters; RFC 3463 X.5.4. */
    [SMTP_R_SYNTAX_PARAM] = {"501 5.5.4 Syntax error in parameters or arguments", "", false},
    [SMTP_R_SYNTAX_HELO] = {"501 5.5.4 Syntax: EHLO domain", "", false},
    [SMTP_R_SYNTAX_MAIL] = {"501 5.5.4 Syntax: MAIL FROM:<address> [parameters]", "", false},
    [SMTP_R_SYNTAX_RCPT] = {"501 5.5.4 Syntax: RCPT TO:<address>", "", false},
    [SMTP_R_SYNTAX_BDAT] = {"501 5.5.4 Syntax: BDAT size [LAST]", "", false},
    /* RFC 5321 4.5.3.1.10: "501 Path too long". */
    [SMTP_R_PATH_TOO_LONG] = {"501 5.5.4 Path too long (RFC 5321 4.5.3.1)", "", false},
    /* RFC 5321 4.2.2: 553 = mailbox name not allowed (syntax incorrect);
     * RFC 3463 X.1.7 bad sender, X.1.3 bad destination address syntax. */
    [SMTP_R_BAD_SENDER] = {"553 5.1.7 Bad sender address syntax", "", false},
    [SMTP_R_BAD_RCPT] = {"553 5.1.3 Bad recipient address syntax", "", false},
    /* RFC 6531 3.4/3.7.4: non-ASCII addresses only with SMTPUTF8; X.6.7. */
    [SMTP_R_UTF8_ADDR] = {"553 5.6.7 Non-ASCII address requires SMTPUTF8", "", false},
    /* RFC 5321 4.1.1.11 and 4.2.2: 555. */
    [SMTP_R_PARAM_UNKNOWN] =
        {"555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented", "", false},
    /* RFC 5321 4.2.2: 503 = bad sequence; RFC 3463 X.5.1. */
    [SMTP_R_BAD_SEQUENCE] = {"503 5.5.1 Bad sequence of commands", "", false},
    [SMTP_R_NEED_HELO] = {"503 5.5.1 Bad sequence of commands: send EHLO first", "", false},
    [SMTP_R_NEED_MAIL] = {"503 5.5.1 Bad sequence of commands: need MAIL first", "", false},
    [SMTP_R_NESTED_MAIL] = {"503 5.5.1 Bad sequence of commands: sender already given", "", false},
    /* RFC 5321 3.3: DATA without accepted recipients MAY get 554. */
    [SMTP_R_NO_RCPT] = {"554 5.5.1 No valid recipients", "", false},
    /* RFC 5321 4.5.3.1.10: "452 Too many recipients"; RFC 3463 X.5.3. */
    [SMTP_R_TOO_MANY_RCPT] = {"452 4.5.3 Too many recipients", "", false},
    /* RFC 1870 6.1 and 6.3: 552, RFC 3463 X.3.4. */
    [SMTP_R_SIZE_EXCEEDED] = {"552 5.3.4 Message size exceeds fixed maximum message size", "",
                              false},
    /* RFC 5321 4.3.2: 554 is an allowed answer to end of data; X.6.0. */
    [SMTP_R_DATA_BARE_NEWLINE] = {"554 5.6.0 Bare CR or LF in message data (RFC 5321 2.3.8)", "",
                                  false},
    [SMTP_R_DATA_LINE_TOO_LONG] =
        {"554 5.6.0 Message line longer than 1000 octets (RFC 5321 4.5.3.1.6)", "", false},
    /* RFC 5321 2.3.8 and RFC 6152 2: no NUL in message text, even 8BITMIME. */
    [SMTP_R_DATA_NUL] = {"554 5.6.0 NUL octet in message data (RFC 5321 2.3.8)", "", false},
    /* RFC 5321 3.6.1 and 7.6: sender-specified routing ('%', '!', a quoted
     * '@', source routes) is not relayed for untrusted clients; X.7.1
     * delivery not authorized. */
    [SMTP_R_ROUTING_DENIED] = {"550 5.7.1 Sender-specified routing is not allowed", "", false},
    [SMTP_R_LITERAL_DENIED] = {"550 5.7.1 Address literals are not accepted as recipients", "",
                               false},
    /* RFC 5321 3.8: 421 before closing; RFC 3463 X.7.0, X.4.2. */
    [SMTP_R_TOO_MANY_ERRORS] = {"421 4.7.0 ", " Too many errors, closing connection", true},
    [SMTP_R_TIMEOUT] = {"421 4.4.2 ", " Timeout exceeded, closing connection", true},
    /* RFC 3207 4: a server that requires TLS answers 530 until it is up;
     * RFC 3463 X.7.0: security or policy status. */
    [SMTP_R_TLS_REQUIRED] = {"530 5.7.0 Must issue a STARTTLS command first", "", false},
    /* RFC 3463 X.1.0 sender ok, X.1.5 destination ok, X.0.0. */
    [SMTP_R_MAIL_OK] = {"250 2.1.0 Sender OK", "", false},
    [SMTP_R_RCPT_OK] = {"250 2.1.5 Recipient OK", "", false},
    [SMTP_R_DATA_OK] = {"250 2.0.0 Message accepted", "", false},
    /* RFC 3030 2: each BDAT chunk gets its own reply. */
    [SMTP_R_BDAT_OK] = {"250 2.0.0 Chunk accepted", "", false},
    /* SPEC.md "The path of a message": never an open relay. */
    [SMTP_R_RELAY_DENIED] = {"554 5.7.1 Relay access denied", "", false},
    [SMTP_R_RCPT_UNKNOWN] = {"550 5.1.1 Mailbox unavailable", "", false},
    [SMTP_R_POLICY_BLOCK] = {"550 5.7.1 Message blocked by policy", "", false},
    /* Issue 3: no reachable next hop gives 451 4.4.1. */
    [SMTP_R_NEXTHOP_UNREACHABLE] = {"451 4.4.1 No reachable next hop", "", false},
    /* Issue 13: what the next hop did, not "no reachable next hop", once it
     * was reached. RFC 3463 X.4.2: bad connection. */
    [SMTP_R_NEXTHOP_SILENT] = {"451 4.4.2 Next hop stopped answering", "", false},
    [SMTP_R_NEXTHOP_SILENT_DOT] = {"451 4.4.2 Next hop did not answer the end of data in time; "
                                   "delivery not confirmed",
                                   "", false},
    [SMTP_R_NEXTHOP_LOST] = {"451 4.4.2 Next hop closed the connection", "", false},
    [SMTP_R_NEXTHOP_TEMPFAIL] = {"451 4.4.0 Next hop deferred the message", "", false},
    [SMTP_R_NEXTHOP_PERMFAIL] = {"554 5.4.0 Next hop refused the message", "", false},
    [SMTP_R_LOCAL_ERROR] = {"451 4.3.0 Local error in processing", "", false},
    [SMTP_R_STORAGE] = {"452 4.3.1 Insufficient system storage", "", false},
    [SMTP_R_RATE_LIMIT] = {"451 4.7.1 Message rate limit exceeded, try again later", "", false},
    /* docs/LICENSING.md: above the tier's rate, mail is deferred, never lost. */
    [SMTP_R_LICENSE_RATE] = {"451 4.7.0 Over the licensed message rate of this gateway, try again "
                             "later",
                             "", false},
    [SMTP_R_NO_ROUTE] = {"550 5.4.4 No route to the recipient's domain", "", false},
    [SMTP_R_SCAN_TEMPFAIL] = {"451 4.7.0 Message could not be redacted safely, try again later", "",
                              false},
    /* RFC 6531 3.4: an SMTPUTF8 message is not relayed to a server without it. */
    [SMTP_R_NEXTHOP_NO_UTF8] = {"553 5.6.7 Next hop does not support SMTPUTF8", "", false},
    [SMTP_R_TOO_MANY_CONN] = {"421 4.7.0 ", " Too many connections, try again later", true},
    /* Issue 13: one address or network may not take every connection. */
    [SMTP_R_CLIENT_LIMIT] = {"421 4.7.0 ",
                             " Too many connections from your address or network, try again later",
                             true},
    [SMTP_R_SHUTDOWN] = {"421 4.3.2 ", " Service shutting down", true},
};

int
smtp_reply_code(enum smtp_reply_id id)
{
    if ((int)id <= (int)SMTP_R_NONE || id >= SMTP_R_COUNT || smtp_replies[id].pre == NULL) {
        return 0;
    }
    const char *p = smtp_replies[id].pre;
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* append copies `len` bytes to out[*pos] if they fit; returns false if not. */
static bool
append(char *out, size_t out_cap, size_t *pos, const char *s, size_t len)
{
    if (out_cap - *pos < len) {
        return false;
    }
    memcpy(out + *pos, s, len);
    *pos += len;
    return true;
}

size_t
smtp_reply_format(char *out, size_t out_cap, enum smtp_reply_id id, const char *host)
{
    if (smtp_reply_code(id) == 0) {
        return 0;
    }
    const struct smtp_reply *r = &smtp_replies[id];
    size_t pos = 0;
    bool ok = append(out, out_cap, &pos, r->pre, strlen(r->pre));
    if (r->host) {
        const char *h = host != NULL && host[0] != '\0' ? host : "localhost";
        ok = ok && append(out, out_cap, &pos, h, strlen(h));
    }
    ok = ok && append(out, out_cap, &pos, r->post, strlen(r->post));
    ok = ok && append(out, out_cap, &pos, "\r\n", 2);
    return ok ? pos : 0;
}

size_t
smtp_reply_ehlo(char *out, size_t out_cap, const char *host, uint64_t max_size, bool starttls)
{
    /* RFC 2920 PIPELINING, RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 2034
     * ENHANCEDSTATUSCODES, RFC 6531 SMTPUTF8, RFC 3030 CHUNKING, RFC 3207
     * STARTTLS. BINARYMIME is not offered: the relay re-emits text. */
    char size_kw[32];
    int n = snprintf(size_kw, sizeof(size_kw), "SIZE %llu", (unsigned long long)max_size);
    if (n < 0 || (size_t)n >= sizeof(size_kw)) {
        return 0;
    }
    const char *kw[] = {"PIPELINING", size_kw,    "8BITMIME", "ENHANCEDSTATUSCODES",
                        "SMTPUTF8",   "CHUNKING", "STARTTLS"};
    size_t n_kw = starttls ? 7 : 6;
    const char *h = host != NULL && host[0] != '\0' ? host : "localhost";
    size_t pos = 0;
    bool ok = append(out, out_cap, &pos, "250-", 4) && append(out, out_cap, &pos, h, strlen(h)) &&
              append(out, out_cap, &pos, "\r\n", 2);
    for (size_t i = 0; ok && i < n_kw; i++) {
        ok = append(out, out_cap, &pos, i + 1 == n_kw ? "250 " : "250-", 4) &&
             append(out, out_cap, &pos, kw[i], strlen(kw[i])) &&
             append(out, out_cap, &pos, "\r\n", 2);
    }
    return ok ? pos : 0;
}

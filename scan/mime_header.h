/* SPDX-License-Identifier: Apache-2.0 */
/* Structured header field values: Content-Type / Content-Disposition
 * parameters (RFC 2045 5.1, RFC 2231 continuations and charsets). Pure
 * functions over borrowed bytes; any thread; never allocate. */
#ifndef MIME_HEADER_H
#define MIME_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mime_header_value_token copies the leading token of a structured value
 * (e.g. "multipart/mixed" of a Content-Type, "base64" of a
 * Content-Transfer-Encoding), lower-cased, skipping folding whitespace and
 * RFC 5322 comments, into `out` (capacity `cap`, NUL-terminated). Returns
 * false if there is none or it does not fit. Whitespace and comments around
 * the '/' are dropped; "text/" (no subtype) returns false. On false `out` is
 * "" (when cap > 0). */
bool mime_header_value_token(char *out, size_t cap, const uint8_t *v, size_t len);

/* mime_header_param copies the value of parameter `name` (case-insensitive)
 * of a structured header value `v` into `out` (capacity `cap`,
 * NUL-terminated), unquoting quoted-strings and joining RFC 2231 continuations
 * (name*0, name*1*, ...) and percent-decoding extended values (the charset and
 * language prefix of name*= are dropped). Returns false if the parameter is
 * absent or its value does not fit. Tolerates folded values (CRLF + WSP).
 * Details: name*= wins over name*0..., which wins over plain name= (old
 * readers' fallback); among duplicates of one form the first wins. Sections
 * are joined in numeric order whatever their order in `v`, stopping at the
 * first gap; no section 0 means no joined value; a section number >= 256
 * makes the call return false rather than truncate. Section numbers with a
 * leading zero are ignored. An unterminated quoted-string or comment runs to
 * the end of `v`; parameters after a missing ';' or a part without '=' are
 * still found. NUL bytes are dropped and "%00" is kept literally, so the
 * result is always a whole C string. Encoded words (RFC 2047) inside a value
 * are not decoded. On false `out` is "" (when cap > 0). */
bool mime_header_param(char *out, size_t cap, const uint8_t *v, size_t len, const char *name);

/* One "attribute = value" as written; offsets index the header value. */
struct mime_param_span {
    size_t name_off; /* attribute, including any "*N" / "*" suffix */
    size_t name_len;
    size_t val_off; /* raw value: a quoted-string with its quotes, or a token */
    size_t val_len;
};

/* mime_header_param_next reads the next parameter of structured value `v`
 * at or after *pos into *out and moves *pos past it; false at the end.
 * What is not "attribute = value" (the leading type token, stray bytes) is
 * skipped, as mime_header_param does. */
bool mime_header_param_next(struct mime_param_span *out, const uint8_t *v, size_t len, size_t *pos);

#define MIME_PARAM_WANT_MAX 4

/* One parameter asked of mime_header_params. */
struct mime_param_want {
    const char *name; /* parameter name, case-insensitive */
    char *out;        /* caller's buffer of `cap` bytes, NUL-terminated on return */
    size_t cap;
    bool found; /* set: what mime_header_param would return for it */
};

/* mime_header_params reads `v` once and answers each of want[0, n) exactly
 * as mime_header_param(want[i].out, want[i].cap, v, len, want[i].name)
 * would, setting want[i].found. At most MIME_PARAM_WANT_MAX are answered;
 * later ones are left not found. Pure; any thread; never allocates. */
void mime_header_params(struct mime_param_want *want, size_t n, const uint8_t *v, size_t len);

#endif

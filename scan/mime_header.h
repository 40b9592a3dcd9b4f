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
 * false if there is none or it does not fit. */
bool mime_header_value_token(char *out, size_t cap, const uint8_t *v, size_t len);

/* mime_header_param copies the value of parameter `name` (case-insensitive)
 * of a structured header value `v` into `out` (capacity `cap`,
 * NUL-terminated), unquoting quoted-strings and joining RFC 2231 continuations
 * (name*0, name*1*, ...) and percent-decoding extended values (the charset and
 * language prefix of name*= are dropped). Returns false if the parameter is
 * absent or its value does not fit. Tolerates folded values (CRLF + WSP). */
bool mime_header_param(char *out, size_t cap, const uint8_t *v, size_t len, const char *name);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Content-transfer codecs (base64, quoted-printable; RFC 2045) and RFC 2047
 * encoded words. Pure functions over borrowed input into caller-owned output;
 * any thread; never allocate. */
#ifndef MIME_CODEC_H
#define MIME_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mime_b64_decode decodes base64 `in` into `out` (capacity >= in_len / 4 * 3 + 3)
 * and sets *out_len. CR, LF, space and tab are skipped; any other byte outside
 * the alphabet, data after '=' padding, or a dangling final group is counted in
 * *out_bad (decoding goes on past it: lenient, like mail readers). */
void mime_b64_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in,
                     size_t in_len);

/* mime_b64_encode_cap returns the output capacity mime_b64_encode needs. */
size_t mime_b64_encode_cap(size_t in_len, size_t line_len, size_t eol_len);

/* mime_b64_encode encodes `in` as base64 lines of `line_len` (a multiple of 4,
 * at most 76) characters each ended by `eol` (e.g. "\r\n"); the last line is
 * ended by `eol` too. Sets *out_len. */
void mime_b64_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len,
                     size_t line_len, const char *eol);

/* mime_qp_decode decodes quoted-printable `in` into `out` (capacity >= in_len)
 * and sets *out_len. Soft line breaks ("=\r\n", "=\n", with trailing
 * whitespace before the break) are removed; a '=' not followed by two hex
 * digits is kept literally and counted in *out_bad. Line ends are kept as they
 * are in the input. */
void mime_qp_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in,
                    size_t in_len);

/* mime_qp_encode_cap returns the output capacity mime_qp_encode needs. */
size_t mime_qp_encode_cap(size_t in_len, size_t eol_len);

/* mime_qp_encode encodes `in` as quoted-printable (RFC 2045 6.7): line breaks
 * in the input (CRLF or LF) become `eol` hard breaks, lines are soft-broken to
 * at most 76 characters, '=' and bytes outside 33..126 are escaped, trailing
 * space or tab before a line end is escaped. Sets *out_len. */
void mime_qp_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len,
                    const char *eol);

/* One RFC 2047 encoded word "=?charset?E?text?=" inside a header value; all
 * offsets index the value it was found in. */
struct mime_eword {
    size_t start;      /* offset of "=?" */
    size_t end;        /* offset one past "?=" */
    size_t charset_off; /* charset name (without any RFC 2231 "*lang" suffix) */
    size_t charset_len;
    char encoding;     /* 'B' or 'Q' (upper case) */
    size_t text_off;   /* encoded text between the third '?' and "?=" */
    size_t text_len;
};

/* mime_eword_next finds the first well-formed encoded word in v[from..len) and
 * returns true with *out filled, or false when there is none. */
bool mime_eword_next(struct mime_eword *out, const uint8_t *v, size_t len, size_t from);

/* mime_eword_decode decodes the text of `w` (found in `v`) into `out`
 * (capacity >= w->text_len) in the word's own charset and sets *out_len. In Q
 * encoding '_' decodes to a space. Returns false when the text is not valid
 * for its encoding. */
bool mime_eword_decode(uint8_t *out, size_t *out_len, const struct mime_eword *w,
                       const uint8_t *v);

/* mime_eword_encode writes "=?charset?E?text?=" for `text` into `out`
 * (capacity `cap`), with encoding 'B' or 'Q', and sets *out_len. Returns false
 * when `cap` is too small. */
bool mime_eword_encode(uint8_t *out, size_t *out_len, size_t cap, const uint8_t *charset,
                       size_t charset_len, char encoding, const uint8_t *text, size_t text_len);

#endif

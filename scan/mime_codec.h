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
 * *out_bad (decoding goes on past it: lenient, like mail readers).
 * Counting, one each: a stray byte (skipped); a '=' where no group is open; the
 * first alphabet byte after a padded group (decoded as a new group, as in
 * concatenated blobs); a final group cut short ("QUI" is decoded to 2 bytes,
 * "Q" to none) or whose padding is cut short ("QQ="). Unused low bits of a
 * final group are ignored. 32 characters per step with AVX2 where the CPU has
 * it, else table-driven, four characters per step. */
void mime_b64_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in,
                     size_t in_len);

/* How a base64 body is laid out in lines, as mime_b64_decode_lines found it. */
struct mime_b64_lines {
    size_t chars;    /* characters per line (a multiple of 4, 4..76), 0: no such layout */
    size_t eol_len;  /* 2 for "\r\n", 1 for "\n" */
    size_t full;     /* lines at the start that are exactly `chars` alphabet characters
                      * and the line end: line k is in[k * (chars + eol_len), + chars)
                      * and decodes on its own to out[k * chars / 4 * 3, + chars / 4 * 3) */
    size_t tail_off; /* == full * (chars + eol_len): where the rest starts, which decodes
                      * to the rest of the output */
};

/* mime_b64_decode_lines is mime_b64_decode (same output, same count of bad
 * sequences) that also describes the line layout in *lines: the length of
 * the first line and its line end, and how many lines from the start have
 * exactly that shape. Lets a caller map decoded bytes back to the lines
 * that carry them (re-encoding only the lines that changed). */
void mime_b64_decode_lines(uint8_t *out, size_t *out_len, size_t *out_bad,
                           struct mime_b64_lines *lines, const uint8_t *in, size_t in_len);

/* mime_b64_encode_cap returns the output capacity mime_b64_encode needs. */
size_t mime_b64_encode_cap(size_t in_len, size_t line_len, size_t eol_len);

/* mime_b64_encode encodes `in` as base64 lines of `line_len` (a multiple of 4,
 * at most 76) characters each ended by `eol` (e.g. "\r\n"); the last line is
 * ended by `eol` too. Sets *out_len, which always equals
 * mime_b64_encode_cap(in_len, line_len, strlen(eol)). Empty input gives no
 * output. line_len 0 means one unwrapped line; other values are clamped to 76
 * and rounded down to a multiple of 4 (at least 4). A NULL `eol` is "". */
void mime_b64_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len,
                     size_t line_len, const char *eol);

/* mime_qp_decode decodes quoted-printable `in` into `out` (capacity >= in_len)
 * and sets *out_len. Soft line breaks ("=\r\n", "=\n", with trailing
 * whitespace before the break) are removed; a '=' not followed by two hex
 * digits is kept literally and counted in *out_bad. Line ends are kept as they
 * are in the input. Also: a '=' at the very end of `in` (optionally followed
 * by spaces/tabs, or by a lone CR) is a soft break, not an error; lower-case
 * hex digits are accepted; unencoded spaces and tabs at the end of a line or
 * of `in` are deleted (RFC 2045 6.7 (3)). */
void mime_qp_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in,
                    size_t in_len);

/* mime_qp_encode_cap returns the output capacity mime_qp_encode needs. */
size_t mime_qp_encode_cap(size_t in_len, size_t eol_len);

/* mime_qp_encode encodes `in` as quoted-printable (RFC 2045 6.7): line breaks
 * in the input (CRLF or LF) become `eol` hard breaks, lines are soft-broken to
 * at most 76 characters, '=' and bytes outside 33..126 are escaped, trailing
 * space or tab before a line end is escaped. Sets *out_len.
 * A bare CR is escaped, as is a space or tab ending the input; an escape is
 * never split by a soft break. mime_qp_decode of the output gives back `in`
 * with each CRLF or LF replaced by `eol`; `eol` should be "\r\n" or "\n"
 * (NULL is ""). The output never exceeds mime_qp_encode_cap(). */
void mime_qp_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len,
                    const char *eol);

/* One RFC 2047 encoded word "=?charset?E?text?=" inside a header value; all
 * offsets index the value it was found in. */
struct mime_eword {
    size_t start;       /* offset of "=?" */
    size_t end;         /* offset one past "?=" */
    size_t charset_off; /* charset name (without any RFC 2231 "*lang" suffix) */
    size_t charset_len;
    char encoding;   /* 'B' or 'Q' (upper case) */
    size_t text_off; /* encoded text between the third '?' and "?=" */
    size_t text_len;
};

/* mime_eword_next finds the first well-formed encoded word in v[from..len) and
 * returns true with *out filled, or false when there is none. The encoding
 * letter may be either case; the charset (printable ASCII without '?') and
 * the text (printable ASCII without '?' or space) are scanned leniently: no
 * 75-character limit, '.' allowed in the charset, empty text allowed. */
bool mime_eword_next(struct mime_eword *out, const uint8_t *v, size_t len, size_t from);

/* mime_eword_decode decodes the text of `w` (found in `v`) into `out`
 * (capacity >= w->text_len) in the word's own charset and sets *out_len. In Q
 * encoding '_' decodes to a space. Returns false when the text is not valid
 * for its encoding: B text with anything mime_b64_decode counts as bad,
 * except missing padding (a final group of 2 or 3 characters is accepted),
 * Q text with a '=' not followed by two hex
 * digits (either case). *out_len is then what was decoded before the fault. */
bool mime_eword_decode(uint8_t *out, size_t *out_len, const struct mime_eword *w, const uint8_t *v);

/* mime_eword_encode writes "=?charset?E?text?=" for `text` into `out`
 * (capacity `cap`), with encoding 'B' or 'Q', and sets *out_len. Returns false
 * when `cap` is too small. Also false for any other encoding letter (either
 * case is accepted). Q keeps only letters, digits and "!*+-/" literal (safe in
 * a phrase, RFC 2047 5 (3)) and writes space as '_'. One word, however long:
 * splitting into 75-character words and folding are the caller's job; the
 * charset is copied unchecked. */
bool mime_eword_encode(uint8_t *out, size_t *out_len, size_t cap, const uint8_t *charset,
                       size_t charset_len, char encoding, const uint8_t *text, size_t text_len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* uuencoded files inside a text body ("begin 644 name" ... "end"), as old
 * mailers, scripts and some gateways still attach them. Pure functions over
 * borrowed input into caller-owned output; any thread; never allocate. */
#ifndef MIME_UU_H
#define MIME_UU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes one uuencoded line carries at most (its length character 'M'). */
#define MIME_UU_LINE_BYTES 45

/* Where a uuencoded file sits in a text, as offsets into it. */
struct mime_uu_block {
    size_t begin;       /* start of the "begin <mode> <name>" line */
    size_t name;        /* the file name on that line ... */
    size_t name_len;    /* ... without its line end */
    size_t data;        /* first data line */
    size_t data_end;    /* end of the last data line with its line end: the
                         * zero-length line and "end" follow */
    size_t end;         /* past the "end" line and its line end */
    size_t decoded_len; /* bytes the data lines carry */
};

/* mime_uu_next finds the first whole uuencoded file in text[from, len): a
 * line "begin" then an octal mode of 3-4 digits and a name, data lines each
 * as long as its length character says (trailing spaces may be cut, as some
 * mailers do; a check character or two after is allowed), a zero-length line
 * and "end". Anything else is text, not a file. Returns false when there is
 * none. */
bool mime_uu_next(struct mime_uu_block *out, const uint8_t *text, size_t len, size_t from);

/* mime_uu_decode writes the b->decoded_len bytes the data lines of `b` in
 * `text` carry to `out`. */
void mime_uu_decode(uint8_t *out, const uint8_t *text, const struct mime_uu_block *b);

/* mime_uu_encoded_len is how many bytes mime_uu_encode writes for n bytes
 * with line ends of eol_len. */
size_t mime_uu_encoded_len(size_t n, size_t eol_len);

/* mime_uu_encode writes `in` as uuencoded data lines of 45 bytes (the last
 * one shorter), each ended by eol[0, eol_len), to `out` (capacity
 * mime_uu_encoded_len) and returns the length. Zero values are written '`',
 * as GNU uuencode does, so no line ends in a space a mailer could cut. */
size_t mime_uu_encode(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *eol,
                      size_t eol_len);

#endif

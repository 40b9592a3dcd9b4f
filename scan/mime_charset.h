/* SPDX-License-Identifier: Apache-2.0 */
/* Character sets the scan engine decodes for detection. Tables are built once
 * by mime_charset_init() (iconv) at start-up; afterwards every function is a
 * pure table lookup, callable from any thread. */
#ifndef MIME_CHARSET_H
#define MIME_CHARSET_H

#include <stddef.h>
#include <stdint.h>

enum mime_charset {
    MIME_CS_UTF8 = 0, /* UTF-8 and US-ASCII (and anything unlabelled) */
    MIME_CS_LATIN1,   /* ISO-8859-1 and its aliases */
    MIME_CS_CP1252,   /* Windows-1252 */
    MIME_CS_OTHER,    /* known to us only by name: scanned as bytes */
    MIME_CS_TABLE,    /* single-byte, by a caller's table (mime_charset_table_build);
                         never returned by mime_charset_from_name */
};

/* A single-byte charset whose octets 0x00-0x7F are ASCII: the UTF-8 of
 * octets 0x80..0xFF (bytes [0..2], length in [3]). Caller storage. */
struct mime_charset_table {
    uint8_t utf8[128][4];
};

/* mime_charset_table_build fills `t` for the iconv charset `iconv_name` when
 * it is single-byte, stateless and reads 0x00-0x7F as ASCII (ISO-8859-x,
 * KOI8, Windows-125x, ...); octets it leaves undefined read as U+FFFD.
 * Returns 0, or RL_EINVAL (unknown to iconv, or not such a charset: `t` is
 * then not to be used). Any thread. */
int mime_charset_table_build(struct mime_charset_table *t, const char *iconv_name);

/* mime_charset_table_of lends the table of MIME_CS_LATIN1 or
 * MIME_CS_CP1252, NULL for any other charset. */
const struct mime_charset_table *mime_charset_table_of(enum mime_charset cs);

/* mime_charset_init builds the single-byte tables with iconv. Call once from
 * main() before any worker starts. Returns 0 or RL_EINVAL if iconv lacks a
 * charset. */
int mime_charset_init(void);

/* mime_charset_from_name maps a MIME charset name (case-insensitive, may be
 * quoted by the caller's parser already removed) to the enum. Known names:
 * utf-8 utf8 us-ascii ascii (MIME_CS_UTF8); iso-8859-1 latin1 l1 iso_8859-1
 * cp819 (MIME_CS_LATIN1); windows-1252 cp1252 x-cp1252 (MIME_CS_CP1252).
 * Surrounding spaces and tabs are ignored; an empty (or NULL) name is
 * MIME_CS_UTF8; anything else is MIME_CS_OTHER. */
enum mime_charset mime_charset_from_name(const uint8_t *name, size_t len);

/* mime_charset_utf8_cap returns the capacity mime_charset_to_utf8 needs. */
size_t mime_charset_utf8_cap(size_t in_len);

/* mime_charset_to_utf8 transcodes single-byte `cs` text into UTF-8 `out` and
 * sets *out_len. For MIME_CS_UTF8 and MIME_CS_OTHER it copies bytes unchanged.
 * `out` must hold mime_charset_utf8_cap(in_len) bytes (it may be written up to
 * there). Windows-1252's undefined bytes 0x81 0x8D 0x8F 0x90 0x9D become
 * U+FFFD (EF BF BD), as does every byte >= 0x80 before mime_charset_init(). */
void mime_charset_to_utf8(uint8_t *out, size_t *out_len, enum mime_charset cs, const uint8_t *in,
                          size_t in_len);

/* mime_charset_src_offset maps an offset into the UTF-8 produced by
 * mime_charset_to_utf8 from `src` back to the offset of the source byte that
 * produced it (offsets inside a multi-byte sequence map to its source byte). */
size_t mime_charset_src_offset(enum mime_charset cs, const uint8_t *src, size_t src_len,
                               size_t utf8_off);

/* Where mime_charset_src_offset_next has got to in a source text: its next
 * byte, and the UTF-8 length of the bytes before it. Zero it to start. */
struct mime_charset_walk {
    size_t src;
    size_t utf8;
};

/* mime_charset_src_offset_next is mime_charset_src_offset for a sequence of
 * offsets that never decreases (the starts and ends of sorted findings),
 * walking `src` once for all of them with `w` (a smaller offset than the
 * last walks again from the start). */
size_t mime_charset_src_offset_next(struct mime_charset_walk *w, enum mime_charset cs,
                                    const uint8_t *src, size_t src_len, size_t utf8_off);

/* mime_charset_table_to_utf8 and mime_charset_table_src_offset_next are the
 * two functions above for the single-byte table `t` (NULL: bytes as they
 * are). */
void mime_charset_table_to_utf8(uint8_t *out, size_t *out_len, const struct mime_charset_table *t,
                                const uint8_t *in, size_t in_len);
size_t mime_charset_table_src_offset_next(struct mime_charset_walk *w,
                                          const struct mime_charset_table *t, const uint8_t *src,
                                          size_t src_len, size_t utf8_off);

#endif

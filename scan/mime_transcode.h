/* SPDX-License-Identifier: Apache-2.0 */
/* Text in the charsets the scan engine has no table for (mime_charset's
 * MIME_CS_OTHER: ISO-2022-JP, Shift_JIS, EUC-JP, GB2312/GBK/GB18030, Big5,
 * EUC-KR, ISO-8859-2..16, KOI8, Windows-1250..1258, ...) read as UTF-8 by
 * glibc iconv for detection, and written back. A struct mime_xcode holds one
 * charset's two iconv descriptors: one per caller (a scan_message), never
 * shared between threads. */
#ifndef MIME_TRANSCODE_H
#define MIME_TRANSCODE_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime_charset.h"

#define MIME_XCODE_NAME_MAX 48
#define MIME_XCODE_TABLES 8

/* One charset opened for reading and writing: a single-byte one by a table
 * (`table`; the last MIME_XCODE_TABLES built are kept), any other by two
 * iconv descriptors. Closed when name[0] is 0. Owned by its caller's
 * struct, not thread-safe. */
struct mime_xcode {
    char name[MIME_XCODE_NAME_MAX];         /* the iconv name read with; "" closed */
    const struct mime_charset_table *table; /* single-byte: the charset's, in sb[] */
    iconv_t in;                             /* charset -> UTF-8 ((iconv_t)-1: none) */
    iconv_t out;                            /* UTF-8 -> charset ((iconv_t)-1: none) */
    bool ascii_same;                        /* reads printable ASCII as itself */
    struct {
        char name[MIME_XCODE_NAME_MAX];
        struct mime_charset_table t;
    } sb[MIME_XCODE_TABLES];
    unsigned sb_next; /* the slot the next table is built in */
};

/* mime_xcode_init marks `x` closed, with no tables (call before any other
 * function). */
void mime_xcode_init(struct mime_xcode *x);

/* mime_xcode_open opens the charset of MIME label `label` (len octets, no
 * quotes) for reading and writing, closing what `x` had open unless it is
 * that charset (then kept, its shift state reset by each conversion). A
 * single-byte charset that reads 0x00-0x7F as ASCII (ISO-8859-x, KOI8,
 * Windows-125x) is read by a table (x->table, built with iconv on its first
 * use and kept), which its caller may also use with mime_charset_table_*. A legacy label
 * is read as the superset mail readers use for it (WHATWG Encoding): gb2312,
 * gbk, euc-cn as GB18030; shift_jis as CP932; euc-kr, ks_c_5601-1987 as
 * CP949; big5 as BIG5-HKSCS; tis-620 as CP874. Returns 0, RL_ENOENT for a
 * label this module leaves to others (empty, UTF-8, US-ASCII, UTF-16/32,
 * UCS-2/4: scanned as they are), RL_EINVAL when iconv does not know the
 * charset or the label is not a plain name of at most 47 octets of letters,
 * digits and "-_.:" ('/' and ',' carry iconv options). `x` is closed after
 * an error. */
int mime_xcode_open(struct mime_xcode *x, const uint8_t *label, size_t len);

/* mime_xcode_close closes `x` (a no-op when closed); its tables stay. */
void mime_xcode_close(struct mime_xcode *x);

/* mime_xcode_ascii_same tells whether `in` reads as itself in the open
 * charset: all octets ASCII without ESC, SO and SI (the ISO 2022 shifts),
 * and the charset maps printable ASCII and controls to themselves (false for
 * EBCDIC, UTF-7 and HZ; probed once when opened). Such text needs no
 * conversion. */
bool mime_xcode_ascii_same(struct mime_xcode *x, const uint8_t *in, size_t len);

/* mime_xcode_to_utf8 converts `in` from the open charset into UTF-8 at `out`
 * (cap octets) and sets *out_len and *out_bad. An octet that is not valid
 * text in the charset is read as the private-use character U+F700 + octet,
 * counted in *out_bad, and written back as that octet by
 * mime_xcode_from_utf8. Returns 0, or RL_ELIMIT when `cap` is too small
 * (call again with more; mime_xcode_utf8_cap is enough for most text). On
 * an error `out` holds nothing. */
int mime_xcode_to_utf8(struct mime_xcode *x, uint8_t *out, size_t cap, size_t *out_len,
                       size_t *out_bad, const uint8_t *in, size_t len);

/* mime_xcode_from_utf8 converts UTF-8 `in` back into the open charset at
 * `out` (cap octets), ending in the charset's initial shift state, and sets
 * *out_len. Returns 0, RL_ELIMIT when `cap` is too small, or RL_EINVAL when
 * `in` is not valid UTF-8 or holds a character the charset cannot write. On
 * an error `out` holds nothing. */
int mime_xcode_from_utf8(struct mime_xcode *x, uint8_t *out, size_t cap, size_t *out_len,
                         const uint8_t *in, size_t len);

/* First capacities to try for `len` octets in: UTF-8 from a legacy charset
 * (3 octets for a 1-octet character or an escaped octet), and the charset
 * from UTF-8 (shift sequences around every character at worst). */
size_t mime_xcode_utf8_cap(size_t len);
size_t mime_xcode_from_utf8_cap(size_t len);

#endif

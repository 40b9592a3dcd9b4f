/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-16 text parts and attachments (Windows "Unicode text" files, Excel's
 * Unicode export): which byte order a part uses, and the round trip through
 * UTF-8 that lets the detectors and the masker work on it as on any text.
 * Conversions are iconv's; any thread (each call opens its own descriptor). */
#ifndef MIME_UTF16_H
#define MIME_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mime_utf16 {
    MIME_U16_NONE = 0,
    MIME_U16_LE,
    MIME_U16_BE,
};

/* mime_utf16_sniff returns the UTF-16 byte order of the decoded part text
 * `p`: from its byte-order mark (FF FE, FE FF; *out_bom = 2), else from a
 * UTF-16 `charset` label (utf-16le, utf-16be; for utf-16, ucs-2 and unicode
 * the byte order whose high bytes are zero more often in the first 4 KB,
 * big-endian when even, as RFC 2781 says), else MIME_U16_NONE. A labelled
 * part without a mark and without a single zero octet is taken for
 * mislabelled 8-bit text (MIME_U16_NONE). Whether the text is valid UTF-16
 * (an even length, no unpaired surrogate) is for mime_utf16_to_utf8 to find.
 * `charset` may be NULL or empty. */
enum mime_utf16 mime_utf16_sniff(const char *charset, const uint8_t *p, size_t n, size_t *out_bom);

/* Capacities of the output of the two conversions for `len` octets in. */
size_t mime_utf16_utf8_cap(size_t len);
size_t mime_utf16_from_utf8_cap(size_t len);

/* mime_utf16_to_utf8 converts UTF-16 `in` (no BOM) of byte order `order`
 * into UTF-8 at `out`, which holds mime_utf16_utf8_cap(len) octets, and sets
 * *out_len. Returns false (out holds nothing of use) when `in` is not valid
 * UTF-16: an unpaired surrogate or an odd length. */
bool mime_utf16_to_utf8(uint8_t *out, size_t *out_len, enum mime_utf16 order, const uint8_t *in,
                        size_t len);

/* mime_utf16_from_utf8 is the inverse into mime_utf16_from_utf8_cap(len)
 * octets; false when `in` is not valid UTF-8. */
bool mime_utf16_from_utf8(uint8_t *out, size_t *out_len, enum mime_utf16 order, const uint8_t *in,
                          size_t len);

#endif

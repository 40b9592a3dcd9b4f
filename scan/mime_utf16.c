/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-16 byte-order sniffing, and conversions to and from UTF-8 by iconv.
 * Borrowed input; the output buffers are the caller's. */
#include "mime_utf16.h"

#include <iconv.h>
#include <string.h>
#include <strings.h>

enum mime_utf16
mime_utf16_sniff(const char *charset, const uint8_t *p, size_t n, size_t *out_bom)
{
    *out_bom = 0;
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        *out_bom = 2;
        return p[0] == 0xFF ? MIME_U16_LE : MIME_U16_BE;
    }
    enum mime_utf16 o = MIME_U16_NONE;
    if (charset == NULL) {
        charset = "";
    }
    if (strcasecmp(charset, "utf-16le") == 0) {
        o = MIME_U16_LE;
    } else if (strcasecmp(charset, "utf-16be") == 0) {
        o = MIME_U16_BE;
    } else if (strcasecmp(charset, "utf-16") != 0 && strcasecmp(charset, "ucs-2") != 0 &&
               strcasecmp(charset, "unicode") != 0) {
        return MIME_U16_NONE;
    }
    if (memchr(p, 0, n) == NULL) {
        /* Without a mark, a part with no zero octet has no character of
         * the Latin-1 range: more likely 8-bit text under a wrong label
         * than UTF-16, and scanned as the octets it is (read as UTF-16 it
         * would hide its digits). */
        return MIME_U16_NONE;
    }
    if (o != MIME_U16_NONE) {
        return o;
    }
    size_t look = n < 4096 ? n : 4096;
    size_t zero_odd = 0;
    size_t zero_even = 0;
    for (size_t i = 0; i + 1 < look; i += 2) {
        zero_even += p[i] == 0;
        zero_odd += p[i + 1] == 0;
    }
    return zero_odd > zero_even ? MIME_U16_LE : MIME_U16_BE;
}

/* Converts with iconv from `from` to `to`; `out` holds `cap` octets. */
static bool
convert(uint8_t *out, size_t cap, size_t *out_len, const char *to, const char *from,
        const uint8_t *in, size_t len)
{
    *out_len = 0;
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) {
        return false;
    }
    char *ip = (char *)(uintptr_t)in;
    size_t il = len;
    char *op = (char *)out;
    size_t ol = cap;
    size_t rc = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (rc == (size_t)-1 || il != 0) {
        return false;
    }
    *out_len = (size_t)(op - (char *)out);
    return true;
}

static const char *
order_name(enum mime_utf16 order)
{
    return order == MIME_U16_LE ? "UTF-16LE" : "UTF-16BE";
}

size_t
mime_utf16_utf8_cap(size_t len)
{
    /* A code unit is at most 3 octets of UTF-8; a surrogate pair, 4 for 4. */
    return len / 2 * 3 + 4;
}

size_t
mime_utf16_from_utf8_cap(size_t len)
{
    /* Each octet of UTF-8 is at most one code unit (4 octets, 2 units). */
    return len * 2 + 4;
}

bool
mime_utf16_to_utf8(uint8_t *out, size_t *out_len, enum mime_utf16 order, const uint8_t *in,
                   size_t len)
{
    if (len % 2 != 0) {
        *out_len = 0;
        return false;
    }
    return convert(out, mime_utf16_utf8_cap(len), out_len, "UTF-8", order_name(order), in, len);
}

bool
mime_utf16_from_utf8(uint8_t *out, size_t *out_len, enum mime_utf16 order, const uint8_t *in,
                     size_t len)
{
    return convert(out, mime_utf16_from_utf8_cap(len), out_len, order_name(order), "UTF-8", in,
                   len);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The e-mail address detector: the engine finds each '@' with Hyperscan and
 * this extends it to a whole address in C (anchoring on '@' keeps Hyperscan
 * off an unbounded leading class repeat, notes/platform.md). Borrowed input;
 * any thread; never allocates. */
#include "scan_email.h"

#include <string.h>

#include "rl_ascii.h"
#include "scan_chars.h"
#include "scan_validate.h"

static bool
is_local_char(uint8_t c)
{
    if (scan_is_alnum(c) || c == '.') {
        return true;
    }
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
        return true;
    default:
        return false;
    }
}

/* Length (2..4) of the well-formed UTF-8 sequence (RFC 3629: shortest form,
 * no surrogates, <= U+10FFFF) at buf[i] that ends by `limit`, with its code
 * point in *out_cp; 0 when there is none. */
static size_t
utf8_decode(uint32_t *out_cp, const uint8_t *buf, size_t i, size_t limit)
{
    uint8_t b0 = buf[i];
    size_t n;
    uint32_t cp;
    uint32_t min;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
        cp = b0 & 0x1Fu;
        min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        cp = b0 & 0x0Fu;
        min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        cp = b0 & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (limit - i < n) {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((buf[i + k] & 0xC0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (buf[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    *out_cp = cp;
    return n;
}

/* Non-ASCII code points that end a word in running text: C1 controls and
 * Latin-1 punctuation (with the no-break space), spaces, dashes, quotes and
 * symbols, full stops and commas of other scripts, CJK and full-width
 * punctuation, private use, BOM and emoji. */
static const uint32_t non_word_ranges[][2] = {
    {0x0080, 0x00BF},    {0x00D7, 0x00D7}, {0x00F7, 0x00F7}, {0x037E, 0x037E},   {0x0387, 0x0387},
    {0x055C, 0x055F},    {0x0589, 0x058A}, {0x060C, 0x060D}, {0x061B, 0x061F},   {0x06D4, 0x06D4},
    {0x0964, 0x0965},    {0x1680, 0x1680}, {0x2000, 0x2BFF}, {0x2E00, 0x2E7F},   {0x3000, 0x303F},
    {0xE000, 0xF8FF},    {0xFE10, 0xFE6F}, {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},
    {0xFF3B, 0xFF40},    {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF}, {0xE0000, 0xE007F},
    {0xF0000, 0x10FFFF},
};

/* Whether a non-ASCII code point may be part of an address. RFC 6531 3.3
 * allows any UTF-8 in the local part and IDNA2008 (RFC 5892) letters, marks
 * and digits in U-label domains; we accept all but the word-ending code
 * points above, so quotes, spaces and full stops around an address stay out. */
static bool
is_word_cp(uint32_t cp)
{
    for (size_t k = 0; k < sizeof(non_word_ranges) / sizeof(non_word_ranges[0]); k++) {
        if (cp >= non_word_ranges[k][0] && cp <= non_word_ranges[k][1]) {
            return false;
        }
    }
    return true;
}

/* Length of the UTF-8 word character at buf[i] (ending by `limit`), or 0. */
static size_t
utf8_word_at(const uint8_t *buf, size_t i, size_t limit)
{
    uint32_t cp = 0;
    size_t n = utf8_decode(&cp, buf, i, limit);
    return n != 0 && is_word_cp(cp) ? n : 0;
}

/* Whether a code point belongs to a script written without spaces between
 * words: Han, kana, Hangul syllables. */
static bool
unspaced_cp(uint32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Length of the UTF-8 word character that ends right before buf[e], or 0;
 * its code point in *out_cp. */
static size_t
utf8_word_before(uint32_t *out_cp, const uint8_t *buf, size_t e)
{
    for (size_t n = 2; n <= 4 && n <= e; n++) {
        if ((buf[e - n] & 0xC0u) != 0x80u) {
            size_t m = utf8_decode(out_cp, buf, e - n, e);
            return m == n && is_word_cp(*out_cp) ? n : 0;
        }
    }
    return 0;
}

/* Which scripts a local part read so far holds. */
enum {
    LOCAL_SPACED = 1,   /* ASCII or a script with spaces between words */
    LOCAL_UNSPACED = 2, /* Han, kana, Hangul */
};

/* Length of the local-part character (atext, dot or UTF-8 word character)
 * that ends right before buf[e], or 0. Chinese and Japanese prose runs into
 * an address without a space ("请发邮件至na.li@example.cn"): a local part is
 * all in such a script or holds none of it, so `*scripts` (LOCAL_* seen so
 * far) decides where it begins. */
static size_t
local_char_before(const uint8_t *buf, size_t e, unsigned *scripts)
{
    if (e == 0) {
        return 0;
    }
    unsigned kind = LOCAL_SPACED;
    size_t n = 1;
    if (buf[e - 1] < 0x80) {
        if (!is_local_char(buf[e - 1])) {
            return 0;
        }
        /* ASCII punctuation joins either script ("王.伟@"), letters and
         * digits are of the spaced kind */
        kind = scan_is_alnum(buf[e - 1]) ? LOCAL_SPACED : 0;
    } else {
        uint32_t cp = 0;
        n = utf8_word_before(&cp, buf, e);
        if (n == 0) {
            return 0;
        }
        kind = unspaced_cp(cp) ? LOCAL_UNSPACED : LOCAL_SPACED;
    }
    if ((*scripts | kind) == (LOCAL_SPACED | LOCAL_UNSPACED)) {
        return 0;
    }
    *scripts |= kind;
    return n;
}

/* Length of the domain character (letter, digit, '-', '.' or UTF-8 word
 * character) at buf[i] that ends by `limit`, or 0. */
static size_t
domain_char_at(const uint8_t *buf, size_t i, size_t limit)
{
    if (i >= limit) {
        return 0;
    }
    if (buf[i] < 0x80) {
        return (scan_is_alnum(buf[i]) || buf[i] == '-' || buf[i] == '.') ? 1 : 0;
    }
    return utf8_word_at(buf, i, limit);
}

/* A sentence may end right after the address: drop trailing dots and
 * hyphens from the domain [at + 1, e). */
static size_t
trim_domain_end(const uint8_t *buf, size_t at, size_t e)
{
    while (e > at + 1 && (buf[e - 1] == '.' || buf[e - 1] == '-')) {
        e--;
    }
    return e;
}

/* Whether the last label of a domain is a file name suffix that is no
 * top-level domain: "logo@2x.png" names a high-resolution image. */
static bool
file_suffix(const uint8_t *label, size_t n)
{
    static const char *const suffixes[] = {"png", "jpg", "jpeg", "gif",  "svg",  "webp",
                                           "bmp", "ico", "tif",  "tiff", "heic", "avif"};
    for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
        size_t m = strlen(suffixes[k]);
        if (n == m && rl_ascii_ieq((const char *)label, suffixes[k], m)) {
            return true;
        }
    }
    return false;
}

bool
scan_email_span(uint32_t *out_start, uint32_t *out_end, const uint8_t *buf, size_t len, size_t at)
{
    if (buf == NULL || at >= len || buf[at] != '@' || len > UINT32_MAX) {
        return false;
    }
    /* RFC 5321 4.5.3.1.1: at most 64 octets; with UTF-8 (RFC 6531) that is
     * octets, not characters. */
    size_t floor = at > 64 ? at - 64 : 0;
    size_t s = at;
    size_t k;
    unsigned scripts = 0;
    while ((k = local_char_before(buf, s, &scripts)) != 0 && s - k >= floor) {
        s -= k;
    }
    if (local_char_before(buf, s, &scripts) != 0) {
        return false; /* local part longer than 64 octets */
    }
    /* Quotes, slashes and other specials before an address are prose
     * punctuation far more often than part of the local part. */
    while (s < at && buf[s] < 0x80 && !scan_is_alnum(buf[s]) && buf[s] != '_') {
        s++;
    }
    size_t limit = scan_min(len, at + 1 + 255);
    size_t e = at + 1;
    while ((k = domain_char_at(buf, e, limit)) != 0) {
        e += k;
    }
    if (domain_char_at(buf, e, len) != 0) {
        return false; /* domain longer than 255 octets */
    }
    e = trim_domain_end(buf, at, e);
    /* Text without spaces (Chinese, Japanese) runs on after an ASCII TLD
     * ("bob@example.com获取"); top-level domains are ASCII or all U-label. */
    size_t tld = e;
    while (tld > at + 1 && buf[tld - 1] != '.') {
        tld--;
    }
    if (tld < e && buf[tld] < 0x80) {
        size_t i = tld;
        while (i < e && buf[i] < 0x80) {
            i++;
        }
        e = trim_domain_end(buf, at, i);
    }
    if (s >= at || e - s > 254 || file_suffix(buf + tld, e - tld)) {
        return false;
    }
    /* scan_validate_email checks ASCII syntax. Every non-ASCII byte left in
     * [s, e) belongs to a UTF-8 word character checked above, so it is
     * validated as a letter: the octet limits and the dot and hyphen rules
     * still apply, and a U-label TLD counts as letters. */
    uint8_t ascii[254];
    for (size_t i = s; i < e; i++) {
        ascii[i - s] = buf[i] < 0x80 ? buf[i] : (uint8_t)'u';
    }
    if (!scan_validate_email(ascii, e - s)) {
        return false;
    }
    *out_start = (uint32_t)s;
    *out_end = (uint32_t)e;
    return true;
}

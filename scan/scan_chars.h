/* SPDX-License-Identifier: Apache-2.0 */
/* Byte classes and digit-group separators shared by the digit-led detectors
 * (scan_digits.c, scan_phone.c). Private to scan/; pure functions over
 * borrowed bytes; any thread. */
#ifndef SCAN_CHARS_H
#define SCAN_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool
scan_is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static inline bool
scan_is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static inline bool
scan_is_alpha(uint8_t c)
{
    return (uint8_t)((c | 0x20) - 'a') < 26;
}

static inline bool
scan_is_alnum(uint8_t c)
{
    return scan_is_digit(c) || scan_is_alpha(c);
}

static inline size_t
scan_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Number of digits at buf[i, limit). */
static inline size_t
scan_digit_run(const uint8_t *buf, size_t i, size_t limit)
{
    size_t s = i;
    while (i < limit && scan_is_digit(buf[i])) {
        i++;
    }
    return i - s;
}

/* A candidate may not start right after a letter or digit ... */
static inline bool
scan_starts_clean(const uint8_t *buf, size_t s)
{
    return s == 0 || !scan_is_alnum(buf[s - 1]);
}

/* ... nor end right before one. */
static inline bool
scan_ends_clean(const uint8_t *buf, size_t len, size_t e)
{
    return e >= len || !scan_is_alnum(buf[e]);
}

/* 3 when buf[i] starts a dash word processors and PDFs put between digit
 * groups (U+2010 hyphen, U+2011 no-break hyphen, U+2012 figure dash, U+2013
 * en dash, U+2014 em dash, U+2212 minus), else 0. */
static inline size_t
scan_udash_len(const uint8_t *buf, size_t i, size_t limit)
{
    if (i + 2 >= limit || buf[i] != 0xE2) {
        return 0;
    }
    bool dash = (buf[i + 1] == 0x80 && buf[i + 2] >= 0x90 && buf[i + 2] <= 0x94) ||
                (buf[i + 1] == 0x88 && buf[i + 2] == 0x92);
    return dash ? 3 : 0;
}

static inline bool
scan_is_joiner(uint8_t c)
{
    return c == '-' || c == '.' || c == '/' || c == ':';
}

/* "12-<start>" or "<end>.5" (or a Unicode dash): the digits belong to a
 * longer dotted, dashed or slashed number (dates, times, versions,
 * references), not to a finding. */
static inline bool
scan_preceded_by_number(const uint8_t *buf, size_t s)
{
    return (s >= 2 && scan_is_joiner(buf[s - 1]) && scan_is_digit(buf[s - 2])) ||
           (s >= 4 && scan_udash_len(buf, s - 3, s) != 0 && scan_is_digit(buf[s - 4]));
}

static inline bool
scan_continues_number(const uint8_t *buf, size_t len, size_t e)
{
    return (e + 1 < len && scan_is_joiner(buf[e]) && scan_is_digit(buf[e + 1])) ||
           (e + 3 < len && scan_udash_len(buf, e, len) != 0 && scan_is_digit(buf[e + 3]));
}

/* Separator kinds between digit groups. SCAN_SEP_SPACE covers the space, the
 * no-break and thin spaces word processors put between groups, and (with
 * SCAN_SEP_BREAK allowed) a line break where mail wrapped the text. */
enum {
    SCAN_SEP_SPACE = 1,
    SCAN_SEP_DASH = 2,
    SCAN_SEP_DOT = 4,
    SCAN_SEP_SLASH = 8,
    SCAN_SEP_BREAK = 16,  /* only in `allow`: accept line breaks as spaces */
    SCAN_SEP_TAB = 32,    /* a tab: groups pasted from a spreadsheet's cells */
    SCAN_SEP_PAD = 64,    /* padded: "4111 - 1111", "4111 – 1111", "4111  1111" */
    SCAN_SEP_URL = 128,   /* a space encoded in a URL: "4111+1111+...", "4111%201111%20..." */
    SCAN_SEP_UNDER = 256, /* an underscore: "4111_1111_...", a file or field name */
};

/* Length of a padded separator at buf[i]: a dash (ASCII or Unicode) with one
 * space either side, or two or three spaces, as people type groups to make
 * them readable; 0 when there is none. */
static inline size_t
scan_pad_at(const uint8_t *buf, size_t i, size_t limit)
{
    if (i + 2 >= limit || buf[i] != ' ') {
        return 0;
    }
    size_t d = buf[i + 1] == '-' ? 1 : scan_udash_len(buf, i + 1, limit);
    if (d != 0) {
        return i + 1 + d < limit && buf[i + 1 + d] == ' ' ? d + 2 : 0;
    }
    size_t n = 1;
    while (n < 4 && i + n < limit && buf[i + n] == ' ') {
        n++;
    }
    return n >= 2 && n <= 3 ? n : 0;
}

/* Length of the line break at buf[i] as mail clients make them when they wrap
 * a line at a space and quote a reply: an optional space (format=flowed keeps
 * it), CR LF or LF, then the next line's quote marks ('>' and spaces). 0 when
 * there is none, or when the next line is blank. */
static inline size_t
scan_break_at(const uint8_t *buf, size_t i, size_t limit)
{
    size_t k = i;
    if (k < limit && buf[k] == ' ') {
        k++;
    }
    if (k < limit && buf[k] == '\r') {
        k++;
    }
    if (k >= limit || buf[k] != '\n') {
        return 0;
    }
    k++;
    while (k < limit && k - i < 16 && (buf[k] == '>' || buf[k] == ' ')) {
        k++;
    }
    if (k >= limit || buf[k] == '\r' || buf[k] == '\n') {
        return 0;
    }
    return k - i;
}

/* Whether E2 80 `b` is a space word processors and typesetting put between
 * digit groups: U+2002-200A (en, em, three-, four- and six-per-em, figure,
 * punctuation, thin and hair spaces) and U+202F narrow no-break space. */
static inline bool
scan_is_uspace3(uint8_t b)
{
    return (b >= 0x82 && b <= 0x8A) || b == 0xAF;
}

/* Length of a no-break space or one of scan_is_uspace3's at buf[i] (before
 * `limit`), or 0. */
static inline size_t
scan_space_at(const uint8_t *buf, size_t i, size_t limit)
{
    if (i + 1 < limit && buf[i] == 0xC2 && buf[i + 1] == 0xA0) {
        return 2;
    }
    if (i + 2 < limit && buf[i] == 0xE2 && buf[i + 1] == 0x80 && scan_is_uspace3(buf[i + 2])) {
        return 3;
    }
    return 0;
}

/* Length of the separator at buf[i] (within `limit`) of a kind in `allow`,
 * with its kind in *out_kind; 0 when there is none. A dash may be followed by
 * a line break ("4111-1111-\n1111-1111"). */
static inline size_t
scan_sep_at(const uint8_t *buf, size_t i, size_t limit, unsigned allow, unsigned *out_kind)
{
    if (i >= limit) {
        return 0;
    }
    uint8_t c = buf[i];
    size_t br = (allow & SCAN_SEP_BREAK) ? scan_break_at(buf, i, limit) : 0;
    if (br != 0 && (allow & SCAN_SEP_SPACE)) {
        *out_kind = SCAN_SEP_SPACE;
        return br;
    }
    if (allow & SCAN_SEP_SLASH) {
        /* "0157 / 18073166", with plain or no-break spaces */
        size_t a = c == ' ' ? 1 : scan_space_at(buf, i, limit);
        size_t j = i + a + 1;
        if (a != 0 && j < limit && buf[j - 1] == '/') {
            size_t b = buf[j] == ' ' ? 1 : scan_space_at(buf, j, limit);
            if (b != 0) {
                *out_kind = SCAN_SEP_SLASH;
                return a + 1 + b;
            }
        }
    }
    if (c <= ' ') { /* one test for all: most octets here are none */
        size_t pad = (allow & SCAN_SEP_PAD) ? scan_pad_at(buf, i, limit) : 0;
        if (pad != 0) {
            *out_kind = SCAN_SEP_PAD;
            return pad;
        }
        if (c == ' ' && (allow & SCAN_SEP_SPACE)) {
            *out_kind = SCAN_SEP_SPACE;
            return 1;
        }
        if (c == '\t' && (allow & SCAN_SEP_TAB)) {
            *out_kind = SCAN_SEP_TAB;
            return 1;
        }
    }
    if ((allow & SCAN_SEP_URL) &&
        (c == '+' || (c == '%' && i + 2 < limit && buf[i + 1] == '2' && buf[i + 2] == '0'))) {
        *out_kind = SCAN_SEP_URL;
        return c == '+' ? 1 : 3;
    }
    if (c == '-' && (allow & SCAN_SEP_DASH)) {
        *out_kind = SCAN_SEP_DASH;
        return 1 + ((allow & SCAN_SEP_BREAK) ? scan_break_at(buf, i + 1, limit) : 0);
    }
    if (c == '.' && (allow & SCAN_SEP_DOT)) {
        *out_kind = SCAN_SEP_DOT;
        return 1;
    }
    if (c == '/' && (allow & SCAN_SEP_SLASH)) {
        *out_kind = SCAN_SEP_SLASH;
        return 1;
    }
    if (c == '_' && (allow & SCAN_SEP_UNDER)) {
        *out_kind = SCAN_SEP_UNDER;
        return 1;
    }
    if ((allow & SCAN_SEP_DASH) && scan_udash_len(buf, i, limit) != 0) {
        *out_kind = SCAN_SEP_DASH;
        return 3 + ((allow & SCAN_SEP_BREAK) ? scan_break_at(buf, i + 3, limit) : 0);
    }
    if ((allow & SCAN_SEP_SPACE) == 0 || i + 1 >= limit) {
        return 0;
    }
    /* U+00A0 no-break space; U+2002-200A and U+202F (scan_is_uspace3). */
    if (c == 0xC2 && buf[i + 1] == 0xA0) {
        *out_kind = SCAN_SEP_SPACE;
        return 2;
    }
    if (c == 0xE2 && i + 2 < limit && buf[i + 1] == 0x80 && scan_is_uspace3(buf[i + 2])) {
        *out_kind = SCAN_SEP_SPACE;
        return 3;
    }
    return 0;
}

/* Whether a separator scan_sep_at reads may start with octet `c`: white
 * space, '%', '+', '-', '.', '/', '_', or the lead octet of a no-break
 * space (C2) or of a Unicode space or dash (E2). */
static inline bool
scan_sep_may_start(uint8_t c)
{
    static const uint64_t low = (1ull << ' ') | (1ull << '\t') | (1ull << '\r') | (1ull << '\n') |
                                (1ull << '%') | (1ull << '+') | (1ull << '-') | (1ull << '.') |
                                (1ull << '/');
    if (c < 64) {
        return (low >> c) & 1u;
    }
    return c == '_' || c == 0xC2 || c == 0xE2;
}

/* The separator at buf[i] as scan_sep_at, but only when a digit follows it. */
static inline size_t
scan_sep_digit(const uint8_t *buf, size_t i, size_t limit, unsigned allow, unsigned *out_kind)
{
    /* Most numbers end at a letter, a ';' or a space before a word; no
     * separator starts so. */
    if (i + 1 < limit &&
        (!scan_sep_may_start(buf[i]) || (buf[i] == ' ' && scan_is_alpha(buf[i + 1])))) {
        return 0;
    }
    size_t n = scan_sep_at(buf, i, limit, allow, out_kind);
    return (n != 0 && i + n < limit && scan_is_digit(buf[i + n])) ? n : 0;
}

/* Length of a space, dash, no-break or thin space, or Unicode dash ending
 * right before buf[d]; 0 when there is none. */
static inline size_t
scan_sep_before(const uint8_t *buf, size_t d)
{
    if (d >= 1 && (buf[d - 1] == ' ' || buf[d - 1] == '-')) {
        return 1;
    }
    if (d >= 2 && buf[d - 2] == 0xC2 && buf[d - 1] == 0xA0) {
        return 2;
    }
    if (d >= 3 && buf[d - 3] == 0xE2 && buf[d - 2] == 0x80 && scan_is_uspace3(buf[d - 1])) {
        return 3;
    }
    return d >= 3 ? scan_udash_len(buf, d - 3, d) : 0;
}

/* Start of the group of exactly four capitals and digits ending at `end`,
 * with at least one digit unless `letters_ok`; `end` itself when none. */
static inline size_t
scan_code_group(const uint8_t *buf, size_t end, bool letters_ok)
{
    size_t k = end;
    bool digit = false;
    while (k > 0 && end - k < 5 && (scan_is_upper(buf[k - 1]) || scan_is_digit(buf[k - 1]))) {
        digit |= scan_is_digit(buf[k - 1]);
        k--;
    }
    if (end - k != 4 || (k > 0 && scan_is_alnum(buf[k - 1])) || !(digit || letters_ok)) {
        return end;
    }
    return k;
}

/* Whether the digit run at buf[d] ends a UPS tracking number as printed,
 * "1Z 9F1 22E 03 4472 1198": "1Z", two groups of three capitals or digits,
 * each after one space, then a space and the run. */
static inline bool
scan_after_ups(const uint8_t *buf, size_t d)
{
    if (d < 11 || (d > 11 && scan_is_alnum(buf[d - 12]))) {
        return false;
    }
    const uint8_t *p = buf + d - 11;
    if (p[0] != '1' || (p[1] | 0x20) != 'z' || p[2] != ' ' || p[6] != ' ' || p[10] != ' ') {
        return false;
    }
    for (size_t k = 3; k < 10; k++) {
        if (k != 6 && !scan_is_upper(p[k]) && !scan_is_digit(p[k])) {
            return false;
        }
    }
    return true;
}

/* Whether the digit run at buf[d] continues a grouped code: after a
 * separator comes a group of exactly four digits ("9475 2663 2526 ...", a
 * tracking number), or of four capitals and digits ("AE03 5095 ...", or
 * "NL61 NWJE 0068 ...": an IBAN), or the head of a UPS tracking number
 * (scan_after_ups). A card or a phone number is not read out
 * of the middle of one; "VISA 4111 ...", "room 204 4111 ..." and
 * "12345 4111 ..." are not codes. */
static inline bool
scan_continues_code(const uint8_t *buf, size_t d)
{
    size_t s = scan_sep_before(buf, d);
    if (s == 0 || d < s + 1) {
        return false;
    }
    if (scan_after_ups(buf, d)) {
        return true;
    }
    size_t end = d - s;
    size_t k = scan_code_group(buf, end, false);
    if (k != end) {
        return true;
    }
    k = scan_code_group(buf, end, true);
    if (k == end) {
        return false;
    }
    size_t s2 = scan_sep_before(buf, k);
    return s2 != 0 && k >= s2 + 4 && scan_code_group(buf, k - s2, false) != k - s2;
}

#endif

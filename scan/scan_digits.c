/* SPDX-License-Identifier: Apache-2.0 */
/* Digit-led detectors: an SSE2 prefilter skips text without ASCII digits, then
 * at each digit-run start the IBAN, NINO, card, SSN and phone parsers try a
 * bounded window and scan_validate decides. Also the e-mail span extender.
 * Borrowed input, caller-owned output; any thread; never allocates. */
#include "scan_digits.h"

#include <emmintrin.h>

#include "scan_validate.h"

/* Confidence (0..100, before context) by form; the policy layer adds context.
 *   IBAN that passes mod-97 for its country length ........ 95
 *   payment card: issuer, length and Luhn valid ........... 90
 *   UK NINO passing the HMRC prefix rules .................. 85
 *   US SSN AAA-GG-SSSS / AAA GG SSSS ....................... 80 / 75
 *   US SSN with one separator missing (078-051121) ......... 55
 *     (only the second after a state code, "IL 62704-1234": ZIP+4, SCAN_CAND_WEAK)
 *   ... the same with a space (078 051121) ................. 35, SCAN_CAND_WEAK
 *   US SSN as 9 bare digits ................................ 40, SCAN_CAND_WEAK
 *   phone +CC ... (E.164 written with groups) .............. 70
 *   phone (area) exchange-line ............................. 65
 *   phone NANP NXX-NXX-XXXX ................................ 60
 *   phone national groups (090-1234-5678) .................. 50
 *     (space-separated and not starting with 0: SCAN_CAND_WEAK)
 *   phone as 10 or 11 bare digits .......................... 30, SCAN_CAND_WEAK */
enum {
    CONF_IBAN = 95,
    CONF_CARD = 90,
    CONF_NINO = 85,
    CONF_SSN_DASH = 80,
    CONF_SSN_SPACE = 75,
    CONF_SSN_PARTIAL = 55,
    CONF_SSN_PARTIAL_SPACE = 35,
    CONF_SSN_BARE = 40,
    CONF_PHONE_E164 = 70,
    CONF_PHONE_PAREN = 65,
    CONF_PHONE_NANP = 60,
    CONF_PHONE_GROUPS = 50,
    CONF_PHONE_BARE = 30,
};

/* Longest window a detector reads forward from its start: an IBAN of 34
 * characters in groups of four with 8 separators, typed with a space after
 * the country code, is 43 bytes. */
#define WINDOW 48

#define IBAN_MAX 34

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool
is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
is_alpha(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_alnum(uint8_t c)
{
    return is_digit(c) || is_alpha(c);
}

static size_t
min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Number of digits at buf[i..limit). */
static size_t
digit_run(const uint8_t *buf, size_t i, size_t limit)
{
    size_t s = i;
    while (i < limit && is_digit(buf[i])) {
        i++;
    }
    return i - s;
}

/* A candidate may not start right after a letter or digit ... */
static bool
starts_clean(const uint8_t *buf, size_t s)
{
    return s == 0 || !is_alnum(buf[s - 1]);
}

/* ... nor end right before one. */
static bool
ends_clean(const uint8_t *buf, size_t len, size_t e)
{
    return e >= len || !is_alnum(buf[e]);
}

static bool
is_joiner(uint8_t c)
{
    return c == '-' || c == '.' || c == '/' || c == ':';
}

/* "12-<start>" or "<end>.5": the digits belong to a longer dotted, dashed or
 * slashed number (dates, times, versions, references), not to a finding. */
static bool
preceded_by_number(const uint8_t *buf, size_t s)
{
    return s >= 2 && is_joiner(buf[s - 1]) && is_digit(buf[s - 2]);
}

static bool
continues_number(const uint8_t *buf, size_t len, size_t e)
{
    return e + 1 < len && is_joiner(buf[e]) && is_digit(buf[e + 1]);
}

static void
cand_set(struct scan_cand *c, size_t start, size_t end, enum scan_type t, uint8_t conf,
         uint8_t flags)
{
    c->start = (uint32_t)start;
    c->end = (uint32_t)end;
    c->type = (uint16_t)t;
    c->confidence = conf;
    c->flags = flags;
}

/* ---- IBAN: CC + 2 check digits + BBAN, compact or grouped ---- */

static bool
is_iban_char(uint8_t c)
{
    return is_upper(c) || is_digit(c);
}

/* Start of the country code of an IBAN whose check digits begin at `d`:
 * "CC12..." or, as people type it, "CC 12..."; `d` itself when neither. */
static size_t
iban_anchor(const uint8_t *buf, size_t d)
{
    if (d >= 2 && is_upper(buf[d - 2]) && is_upper(buf[d - 1]) && starts_clean(buf, d - 2)) {
        return d - 2;
    }
    if (d >= 3 && buf[d - 1] == ' ' && is_upper(buf[d - 3]) && is_upper(buf[d - 2]) &&
        starts_clean(buf, d - 3)) {
        return d - 3;
    }
    return d;
}

static bool
find_iban(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = iban_anchor(buf, d);
    if (p == d) {
        return false;
    }
    size_t limit = min_size(len, p + WINDOW);
    if (d + 2 > limit || !is_digit(buf[d]) || !is_digit(buf[d + 1])) {
        return false;
    }
    /* Token ends whose mod-97 already passes, shortest first. The remainder
     * of the rearranged IBAN (BBAN, then country letters as 10..35, then the
     * check digits) is kept over the BBAN as it is read, so each end costs
     * O(1) and adversarial input ("DE12 DE12 ...") stays cheap. Lower-case
     * letters end the IBAN: in running text they belong to words. */
    unsigned tail =
        ((unsigned)(buf[p] - 'A' + 10) * 10000u + (unsigned)(buf[p + 1] - 'A' + 10) * 100u +
         (unsigned)(buf[d] - '0') * 10u + (unsigned)(buf[d + 1] - '0')) %
        97u;
    size_t ends[IBAN_MAX];
    size_t n_ends = 0;
    size_t i = d + 2;
    size_t n = 4;
    /* Reduced lazily: < 97 * 10^12 + 10^14 fits 64 bits and keeps the
     * per-character dependency chain to a multiply-add. */
    uint64_t rb = 0;
    unsigned pending = 0;
    for (;;) {
        size_t g = 0;
        while (i < limit && n < IBAN_MAX && is_iban_char(buf[i])) {
            if (is_digit(buf[i])) {
                rb = rb * 10u + (uint64_t)(buf[i] - '0');
                pending += 1;
            } else {
                rb = rb * 100u + (uint64_t)(buf[i] - 'A' + 10);
                pending += 2;
            }
            if (pending >= 12) {
                rb %= 97u;
                pending = 0;
            }
            i++;
            g++;
            n++;
        }
        /* 10^6 mod 97 == 27: append the six digits of country and check. */
        if (g > 0 && n >= 15 && ((rb % 97u) * 27u + tail) % 97u == 1u) {
            ends[n_ends++] = i;
        }
        /* Groups of any size, each split by one space or dash: the ISO 13616
         * paper form, but also national layouts pasted from statements
         * ("BE59 65283724 9926", "ES77 1234-1234-16 1234567890"). */
        if (n < IBAN_MAX && i + 1 < limit && (buf[i] == ' ' || buf[i] == '-') &&
            is_iban_char(buf[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    /* The country fixes the length: at most one of these ends validates. */
    for (size_t k = n_ends; k-- > 0;) {
        size_t e = ends[k];
        if (ends_clean(buf, len, e) && scan_validate_iban(buf + p, e - p)) {
            cand_set(c, p, e, SCAN_T_IBAN, CONF_IBAN, 0);
            return true;
        }
    }
    return false;
}

/* ---- UK NINO: AB 12 34 56 C, AB123456C; case-insensitive ---- */

static bool
find_nino(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p;
    if (d >= 2 && is_alpha(buf[d - 1]) && is_alpha(buf[d - 2])) {
        p = d - 2;
    } else if (d >= 3 && buf[d - 1] == ' ' && is_alpha(buf[d - 2]) && is_alpha(buf[d - 3])) {
        p = d - 3;
    } else {
        return false;
    }
    if (!starts_clean(buf, p)) {
        return false;
    }
    size_t limit = min_size(len, d + 12);
    size_t i = d;
    size_t r = digit_run(buf, i, limit);
    if (r == 6) {
        i += 6;
    } else if (r == 2) {
        i += 2;
        for (int pair = 0; pair < 2; pair++) {
            if (i + 3 > limit || buf[i] != ' ' || digit_run(buf, i + 1, limit) != 2) {
                return false;
            }
            i += 3;
        }
    } else {
        return false;
    }
    if (i < limit && buf[i] == ' ') {
        i++;
    }
    if (i >= len || !is_alpha(buf[i])) {
        return false;
    }
    size_t e = i + 1;
    if (!ends_clean(buf, len, e) || !scan_validate_nino(buf + p, e - p)) {
        return false;
    }
    cand_set(c, p, e, SCAN_T_UK_NINO, CONF_NINO, 0);
    return true;
}

/* ---- payment card: 12-19 digits, one kind of separator ---- */

static bool
find_card(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    if (!starts_clean(buf, d) || preceded_by_number(buf, d)) {
        return false;
    }
    size_t limit = min_size(len, d + WINDOW);
    size_t ends[20];
    size_t counts[20];
    size_t n_ends = 0;
    size_t i = d;
    size_t n = 0;
    uint8_t sep = 0;
    for (;;) {
        size_t r = digit_run(buf, i, limit);
        if (n + r > 19) {
            break;
        }
        i += r;
        n += r;
        bool first = i - r == d;
        /* Same grouping rule as scan_validate_card: groups after the first
         * keep 3-6 digits, the last one too ("6011 4539 5492 5515 0" can only
         * end after "5515" or "5492"); stop at a group that cannot be
         * followed by another, so "1 1 1 1 ..." costs nothing. */
        if (first || (r >= 3 && r <= 6)) {
            ends[n_ends] = i;
            counts[n_ends] = n;
            n_ends++;
        }
        bool group_ok = first ? (r >= 4 && r <= 6) : (r >= 3 && r <= 6);
        if (group_ok && i + 1 < limit && (buf[i] == ' ' || buf[i] == '-') &&
            (sep == 0 || sep == buf[i]) && is_digit(buf[i + 1])) {
            sep = buf[i];
            i++;
            continue;
        }
        break;
    }
    /* Choose the longest grouping that validates: a card followed by another
     * number ("4111 1111 1111 1111 2024") still ends at its last group. */
    for (size_t k = n_ends; k-- > 0;) {
        size_t e = ends[k];
        if (counts[k] < 12) {
            break;
        }
        if (ends_clean(buf, len, e) && !continues_number(buf, len, e) &&
            scan_validate_card(buf + d, e - d)) {
            cand_set(c, d, e, SCAN_T_CREDIT_CARD, CONF_CARD, 0);
            return true;
        }
    }
    return false;
}

/* ---- US SSN: AAA-GG-SSSS, AAA GG SSSS, one separator missing, bare ---- */

/* "IL 62704": two capitals and a space before the digits at d, the way a
 * US address writes the state before its ZIP code. */
static bool
after_state_code(const uint8_t *buf, size_t d)
{
    return d >= 3 && buf[d - 1] == ' ' && buf[d - 2] >= 'A' && buf[d - 2] <= 'Z' &&
           buf[d - 3] >= 'A' && buf[d - 3] <= 'Z' &&
           (d == 3 || !(is_digit(buf[d - 4]) || (unsigned)((buf[d - 4] | 0x20) - 'a') < 26u));
}

static bool
find_ssn(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    if (!starts_clean(buf, d) || preceded_by_number(buf, d)) {
        return false;
    }
    size_t limit = min_size(len, d + 16);
    size_t r1 = digit_run(buf, d, limit);
    size_t e;
    uint8_t conf;
    uint8_t flags = 0;
    uint8_t sep = 0;
    if (r1 == 9) {
        e = d + 9;
        conf = CONF_SSN_BARE;
        flags = SCAN_CAND_WEAK;
    } else if (r1 == 3 || r1 == 5) {
        size_t p = d + r1;
        if (p + 1 >= limit || (buf[p] != '-' && buf[p] != ' ') || !is_digit(buf[p + 1])) {
            return false;
        }
        sep = buf[p];
        size_t r2 = digit_run(buf, p + 1, limit);
        if ((r1 == 5 && r2 == 4) || (r1 == 3 && r2 == 6)) {
            e = p + 1 + r2;
            conf = CONF_SSN_PARTIAL;
            /* "12345 6789" is as likely a postcode and a number as an SSN,
             * and "IL 62704-1234" (a state code, then only the second
             * separator) is a US ZIP+4: both need a keyword. */
            if (r1 == 5 && sep == '-' && after_state_code(buf, d)) {
                flags = SCAN_CAND_WEAK;
            } else if (sep == ' ') {
                conf = CONF_SSN_PARTIAL_SPACE;
                flags = SCAN_CAND_WEAK;
            }
        } else if (r1 == 3 && r2 == 2) {
            size_t q = p + 3;
            if (q + 1 >= limit || buf[q] != sep || digit_run(buf, q + 1, limit) != 4) {
                return false;
            }
            e = q + 5;
            conf = sep == '-' ? CONF_SSN_DASH : CONF_SSN_SPACE;
        } else {
            return false;
        }
    } else {
        return false;
    }
    if (!ends_clean(buf, len, e) || continues_number(buf, len, e)) {
        return false;
    }
    /* "078 05 1123 4567" is one longer spaced number, not an SSN. */
    if (sep == ' ' && e + 1 < len && buf[e] == ' ' && is_digit(buf[e + 1])) {
        return false;
    }
    if (!scan_validate_ssn(buf + d, e - d)) {
        return false;
    }
    cand_set(c, d, e, SCAN_T_US_SSN, conf, flags);
    return true;
}

/* ---- phone numbers ---- */

static bool
is_phone_sep(uint8_t c)
{
    return c == ' ' || c == '-' || c == '.';
}

/* "+CC groups": 8-15 digits (ITU-T E.164), groups split by single spaces,
 * dashes or dots, at most one "(area)" group after the country code. */
static bool
find_phone_e164(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = d - 1;
    if (!starts_clean(buf, p)) {
        return false;
    }
    size_t limit = min_size(len, p + 32);
    size_t i = d;
    size_t total = 0;
    size_t n_groups = 0;
    size_t best = 0;
    bool paren_used = false;
    while (i < limit) {
        bool paren = false;
        if (buf[i] == '(' && n_groups > 0 && !paren_used) {
            paren = true;
            paren_used = true;
            i++;
        }
        size_t r = digit_run(buf, i, limit);
        if (r == 0 || (n_groups == 0 && r > 3 && r < 8)) {
            break;
        }
        if (paren && (i + r >= limit || buf[i + r] != ')')) {
            break;
        }
        total += r;
        if (total > 15) {
            break;
        }
        i += r + (paren ? 1 : 0);
        n_groups++;
        /* A trailing one-digit group is more likely the next word ("2 apples"). */
        if (!paren && total >= 8 && r >= 2 && ends_clean(buf, len, i) &&
            !continues_number(buf, len, i)) {
            best = i;
        }
        if (i + 1 < limit && is_phone_sep(buf[i]) &&
            (is_digit(buf[i + 1]) || (buf[i + 1] == '(' && !paren_used))) {
            i++;
        } else if (i < limit && ((paren && is_digit(buf[i])) || (buf[i] == '(' && !paren_used))) {
            /* "(20)7123" and "+44(20)" need no separator. */
        } else {
            break;
        }
    }
    if (best == 0) {
        return false;
    }
    cand_set(c, p, best, SCAN_T_PHONE, CONF_PHONE_E164, 0);
    return true;
}

/* "(415) 555-0132", "(020) 7123 4567": area of 2-5 digits in parentheses,
 * then groups of 2-5 digits; 9-13 digits in all, the last group >= 4. */
static bool
find_phone_paren(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = d - 1;
    if (!starts_clean(buf, p)) {
        return false;
    }
    size_t limit = min_size(len, p + 32);
    size_t r = digit_run(buf, d, limit);
    if (r < 2 || r > 5 || d + r >= limit || buf[d + r] != ')') {
        return false;
    }
    size_t i = d + r + 1;
    size_t total = r;
    size_t best = 0;
    if (i + 1 < limit && buf[i] == ' ' && is_digit(buf[i + 1])) {
        i++;
    }
    uint8_t sep = 0;
    while (i < limit) {
        size_t g = digit_run(buf, i, limit);
        if (g < 2 || g > 5) {
            break;
        }
        i += g;
        total += g;
        if (total > 13) {
            break;
        }
        if (total >= 9 && g >= 4 && ends_clean(buf, len, i) && !continues_number(buf, len, i)) {
            best = i;
        }
        if (i + 1 < limit && is_phone_sep(buf[i]) && (sep == 0 || sep == buf[i]) &&
            is_digit(buf[i + 1])) {
            sep = buf[i];
            i++;
            continue;
        }
        break;
    }
    if (best == 0) {
        return false;
    }
    cand_set(c, p, best, SCAN_T_PHONE, CONF_PHONE_PAREN, 0);
    return true;
}

/* Unanchored forms: NANP NXX-NXX-XXXX, national groupings ("090-1234-5678",
 * "91-415-555-0132") and 10-11 bare digits (weak). The whole run of groups
 * joined by one separator kind must match, so dates (8 digits), versions
 * (one-digit groups) and longer reference numbers are left alone. */
static bool
find_phone_plain(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    if (!starts_clean(buf, d) || preceded_by_number(buf, d)) {
        return false;
    }
    size_t limit = min_size(len, d + 32);
    size_t glen[6];
    size_t n_groups = 0;
    size_t total = 0;
    size_t i = d;
    uint8_t sep = 0;
    for (;;) {
        size_t g = digit_run(buf, i, limit);
        if (n_groups == 6) {
            return false;
        }
        glen[n_groups++] = g;
        total += g;
        i += g;
        if (i + 1 < limit && is_phone_sep(buf[i]) && (sep == 0 || sep == buf[i]) &&
            is_digit(buf[i + 1])) {
            sep = buf[i];
            i++;
            continue;
        }
        break;
    }
    if (i >= limit && limit < len) {
        return false;
    }
    if (!ends_clean(buf, len, i) || continues_number(buf, len, i)) {
        return false;
    }
    /* "4012 8888 8888 1882": the tail of a longer spaced number. */
    if (sep != 0 && d >= 2 && buf[d - 1] == sep && is_digit(buf[d - 2])) {
        return false;
    }
    if (n_groups == 1) {
        /* Ten digits starting with 1 are mostly Unix timestamps. */
        if (total == 11 || (total == 10 && buf[d] != '1')) {
            cand_set(c, d, i, SCAN_T_PHONE, CONF_PHONE_BARE, SCAN_CAND_WEAK);
            return true;
        }
        return false;
    }
    if (n_groups == 3 && glen[0] == 3 && glen[1] == 3 && glen[2] == 4 && buf[d] >= '2' &&
        buf[d + 4] >= '2') {
        cand_set(c, d, i, SCAN_T_PHONE, CONF_PHONE_NANP, 0);
        return true;
    }
    if (n_groups < 3 || total < 10 || total > 13 || glen[n_groups - 1] < 4 || glen[0] > 5) {
        return false;
    }
    for (size_t k = 1; k < n_groups; k++) {
        if (glen[k] < 2 || glen[k] > 5) {
            return false;
        }
    }
    /* Space-separated numbers without a national trunk prefix are as often a
     * row of quantities or years ("2023 100 1999") as a phone number. */
    uint8_t flags = (sep == ' ' && buf[d] != '0') ? SCAN_CAND_WEAK : 0;
    cand_set(c, d, i, SCAN_T_PHONE, CONF_PHONE_GROUPS, flags);
    return true;
}

static bool
find_phone(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    if (d >= 1 && buf[d - 1] == '+') {
        return find_phone_e164(c, buf, len, d);
    }
    if (d >= 1 && buf[d - 1] == '(') {
        return find_phone_paren(c, buf, len, d);
    }
    return find_phone_plain(c, buf, len, d);
}

/* Which of two candidates for the same digits to keep: a strong form beats a
 * weak one, then the longer span, then the higher confidence. */
static bool
better(const struct scan_cand *a, const struct scan_cand *b)
{
    bool aw = (a->flags & SCAN_CAND_WEAK) != 0;
    bool bw = (b->flags & SCAN_CAND_WEAK) != 0;
    if (aw != bw) {
        return bw;
    }
    if (a->end - a->start != b->end - b->start) {
        return a->end - a->start > b->end - b->start;
    }
    return a->confidence > b->confidence;
}

/* The best candidate around the digit run starting at `d`, if any, starting
 * at or after `floor` (the end of the previous candidate). */
static bool
try_run(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d, size_t floor,
        unsigned enabled)
{
    struct scan_cand c;
    if ((enabled & SCAN_MASK(SCAN_T_IBAN)) && find_iban(&c, buf, len, d) && c.start >= floor) {
        *out = c;
        return true;
    }
    if ((enabled & SCAN_MASK(SCAN_T_UK_NINO)) && find_nino(&c, buf, len, d) && c.start >= floor) {
        *out = c;
        return true;
    }
    /* A valid card wins over phone and SSN readings of the same digits. */
    if ((enabled & SCAN_MASK(SCAN_T_CREDIT_CARD)) && find_card(&c, buf, len, d)) {
        *out = c;
        return true;
    }
    bool have = false;
    if ((enabled & SCAN_MASK(SCAN_T_US_SSN)) && find_ssn(&c, buf, len, d)) {
        *out = c;
        have = true;
    }
    if ((enabled & SCAN_MASK(SCAN_T_PHONE)) && find_phone(&c, buf, len, d) && c.start >= floor &&
        (!have || better(&c, out))) {
        *out = c;
        have = true;
    }
    return have;
}

/* A weak candidate `c` (a space-separated phone reading such as
 * "2 123 45 6789" or "7 5018 0000 0009") would hide, and then lose for want
 * of a keyword, a strong card or SSN that starts at a later digit run inside
 * it. Looks for such a reading, first start first; the span is at most
 * 32 bytes, so this stays a bounded amount of work per candidate. */
static bool
strong_inside(struct scan_cand *out, const uint8_t *buf, size_t len, const struct scan_cand *c,
              unsigned enabled)
{
    for (size_t i = (size_t)c->start + 1; i < c->end; i++) {
        if (!is_digit(buf[i]) || is_digit(buf[i - 1])) {
            continue;
        }
        /* Only a run of 4-6 or 12-19 digits starts a card, and only one of 3
         * a strong SSN (3-2-4, 3-6); other runs cost no parse. */
        size_t r = digit_run(buf, i, c->end);
        struct scan_cand s;
        if ((enabled & SCAN_MASK(SCAN_T_CREDIT_CARD)) && ((r >= 4 && r <= 6) || r >= 12) &&
            find_card(&s, buf, len, i)) {
            *out = s;
            return true;
        }
        if ((enabled & SCAN_MASK(SCAN_T_US_SSN)) && r == 3 && find_ssn(&s, buf, len, i) &&
            (s.flags & SCAN_CAND_WEAK) == 0) {
            *out = s;
            return true;
        }
    }
    return false;
}

/* Cheap test that no detector can match at the run [d, d + r): a short
 * standalone number ("in 2024,", "3 items") with nothing that could anchor a
 * longer form. Most digit runs in prose stop here. */
static bool
run_is_plain(const uint8_t *buf, size_t len, size_t d, size_t r)
{
    /* Card, SSN and unanchored phone refuse these starts; IBAN and NINO
     * need letters, '+' and '(' anchor the other phone forms. */
    if (preceded_by_number(buf, d)) {
        return true;
    }
    uint8_t b = d > 0 ? buf[d - 1] : ' ';
    if (is_alpha(b)) {
        /* Only "CC12..." (IBAN) or "AB123456C" (NINO) begin with letters. */
        return !(d >= 2 && is_alpha(buf[d - 2]) && starts_clean(buf, d - 2));
    }
    if (r >= 6 || b == '+' || b == '(') {
        return false;
    }
    size_t e = d + r;
    if (e + 1 < len && is_phone_sep(buf[e]) && is_digit(buf[e + 1])) {
        return false;
    }
    if (b == ' ' && r == 2 && d >= 3 && is_alpha(buf[d - 2]) && is_alpha(buf[d - 3])) {
        return false; /* "AB 12 34 56 C" (NINO), "GB 29 NWBK..." (IBAN) */
    }
    /* "KZ 86125KZT...": check digits and BBAN digits run into letters. Tested
     * last and from the end so a number in prose pays one compare. */
    if (e < len && is_upper(buf[e]) && b == ' ' && d >= 3 && is_upper(buf[d - 2]) &&
        is_upper(buf[d - 3])) {
        return false;
    }
    return true;
}

/* Bit i set when buf[i] is an ASCII digit, for the 64 bytes at `buf`. SSE2 is
 * part of the x86-64 baseline, so no run-time dispatch is needed. */
static uint64_t
digit_mask64(const uint8_t *buf)
{
    const __m128i lo = _mm_set1_epi8('0' - 1);
    const __m128i hi = _mm_set1_epi8('9' + 1);
    uint64_t m = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + (size_t)16 * k));
        /* Signed compares: bytes >= 0x80 are negative and never match. */
        __m128i is_d = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(is_d) << (16 * k);
    }
    return m;
}

/* Tries the digit run [d, d + r) and appends a candidate. Returns false only
 * when `out` is full; sets *out_next to where scanning resumes. */
static bool
handle_run(struct scan_cand *out, size_t cap, size_t *n, size_t *floor, size_t *out_next,
           const uint8_t *buf, size_t len, size_t d, size_t r, unsigned enabled)
{
    struct scan_cand c;
    *out_next = d + r;
    if (run_is_plain(buf, len, d, r) || !try_run(&c, buf, len, d, *floor, enabled)) {
        return true;
    }
    struct scan_cand strong;
    if ((c.flags & SCAN_CAND_WEAK) && strong_inside(&strong, buf, len, &c, enabled)) {
        c = strong;
    }
    if (*n == cap || out == NULL) {
        return false;
    }
    out[(*n)++] = c;
    *floor = c.end;
    if (c.end > d + r) {
        *out_next = c.end;
    }
    return true;
}

size_t
scan_digits_find(struct scan_cand *out, size_t cap, bool *out_overflow, const uint8_t *buf,
                 size_t len, unsigned enabled)
{
    if (out_overflow != NULL) {
        *out_overflow = false;
    }
    if (buf == NULL || (enabled & SCAN_MASK_DIGIT_LED) == 0) {
        return 0;
    }
    /* Offsets are uint32_t in struct scan_cand. */
    if (len > UINT32_MAX) {
        len = UINT32_MAX;
    }
    size_t n = 0;
    size_t floor = 0;
    size_t pos = 0;
    size_t next = 0;
    /* Every step moves pos past a whole digit run or a candidate, and each
     * detector reads a bounded window: linear in len. Runs are found from a
     * 64-byte digit mask so prose between numbers costs a few instructions. */
    while (len - pos >= 64) {
        uint64_t m = digit_mask64(buf + pos);
        size_t resume = pos + 64;
        while (m != 0) {
            unsigned b = (unsigned)__builtin_ctzll(m);
            uint64_t rest = ~(m >> b);
            size_t r = rest != 0 ? (size_t)__builtin_ctzll(rest) : 64;
            size_t d = pos + b;
            if (b + r >= 64) {
                r = digit_run(buf, d, len);
            }
            if (!handle_run(out, cap, &n, &floor, &next, buf, len, d, r, enabled)) {
                goto full;
            }
            if (next - pos >= 64) {
                resume = next;
                break;
            }
            m &= ~(uint64_t)0 << (next - pos);
        }
        pos = resume;
    }
    while (pos < len) {
        if (!is_digit(buf[pos])) {
            pos++;
            continue;
        }
        size_t r = digit_run(buf, pos, len);
        if (!handle_run(out, cap, &n, &floor, &next, buf, len, pos, r, enabled)) {
            goto full;
        }
        pos = next;
    }
    return n;
full:
    if (out_overflow != NULL) {
        *out_overflow = true;
    }
    return n;
}

/* ---- e-mail ---- */

static bool
is_local_char(uint8_t c)
{
    if (is_alnum(c) || c == '.') {
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

/* Length of the UTF-8 word character that ends right before buf[e], or 0. */
static size_t
utf8_word_before(const uint8_t *buf, size_t e)
{
    for (size_t n = 2; n <= 4 && n <= e; n++) {
        if ((buf[e - n] & 0xC0u) != 0x80u) {
            return utf8_word_at(buf, e - n, e) == n ? n : 0;
        }
    }
    return 0;
}

/* Length of the local-part character (atext, dot or UTF-8 word character)
 * that ends right before buf[e], or 0. */
static size_t
local_char_before(const uint8_t *buf, size_t e)
{
    if (e == 0) {
        return 0;
    }
    if (buf[e - 1] < 0x80) {
        return is_local_char(buf[e - 1]) ? 1 : 0;
    }
    return utf8_word_before(buf, e);
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
        return (is_alnum(buf[i]) || buf[i] == '-' || buf[i] == '.') ? 1 : 0;
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
    while ((k = local_char_before(buf, s)) != 0 && s - k >= floor) {
        s -= k;
    }
    if (local_char_before(buf, s) != 0) {
        return false; /* local part longer than 64 octets */
    }
    /* Quotes, slashes and other specials before an address are prose
     * punctuation far more often than part of the local part. */
    while (s < at && buf[s] < 0x80 && !is_alnum(buf[s]) && buf[s] != '_') {
        s++;
    }
    size_t limit = min_size(len, at + 1 + 255);
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
    if (s >= at || e - s > 254) {
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

/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-string validators: Luhn, payment cards (issuer table), US SSN, UK NINO,
 * IBAN (ISO 13616 country lengths, ISO 7064 mod-97) and e-mail addresses.
 * Pure functions over borrowed bytes; static tables only; any thread. */
#include "scan_validate.h"

#include <string.h>

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

static uint8_t
to_upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

bool
scan_validate_luhn(const uint8_t *s, size_t len)
{
    if (s == NULL) {
        return false;
    }
    unsigned sum = 0;
    size_t n_digits = 0;
    /* Walk from the right: every second digit from the check digit is doubled. */
    for (size_t i = len; i-- > 0;) {
        uint8_t c = s[i];
        if (c == ' ' || c == '-') {
            continue;
        }
        if (!is_digit(c)) {
            return false;
        }
        unsigned d = (unsigned)(c - '0');
        if (n_digits % 2 == 1) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
        n_digits++;
    }
    return n_digits >= 2 && sum % 10 == 0;
}

/* ---- payment cards ---------------------------------------------------- */

#define LEN(n) (1u << (n))
#define LENS(lo, hi) ((LEN((hi) + 1) - 1u) & ~(LEN(lo) - 1u))

/* One issuer prefix range: the first `digits` digits of the PAN, read as a
 * number, lie in [lo, hi], and the PAN length is a bit set in `lengths`. */
struct card_range {
    uint32_t lo;
    uint32_t hi;
    uint8_t digits;
    uint32_t lengths;
};

/* Public IIN ranges as published by the schemes. Overlaps are harmless: a
 * number is valid when any row accepts it. Maestro's 50 and 56-69 rows cover
 * its well-known sub-ranges 5018, 5020, 5038, 5893, 6304, 6759 and 6761-6763. */
static const struct card_range card_ranges[] = {
    {4, 4, 1, LEN(13) | LEN(16) | LEN(19)}, /* Visa */
    {51, 55, 2, LEN(16)},                   /* Mastercard */
    {2221, 2720, 4, LEN(16)},               /* Mastercard 2-series */
    {34, 34, 2, LEN(15)},                   /* American Express */
    {37, 37, 2, LEN(15)},                   /* American Express */
    {300, 305, 3, LENS(14, 19)},            /* Diners Club International */
    {3095, 3095, 4, LENS(14, 19)},          /* Diners Club */
    {36, 36, 2, LENS(14, 19)},              /* Diners Club */
    {38, 39, 2, LENS(14, 19)},              /* Diners Club */
    {6011, 6011, 4, LENS(16, 19)},          /* Discover */
    {644, 649, 3, LENS(16, 19)},            /* Discover */
    {65, 65, 2, LENS(16, 19)},              /* Discover, RuPay */
    {622126, 622925, 6, LENS(16, 19)},      /* Discover co-branded UnionPay */
    {3528, 3589, 4, LENS(16, 19)},          /* JCB */
    {62, 62, 2, LENS(16, 19)},              /* UnionPay */
    {50, 50, 2, LENS(12, 19)},              /* Maestro (5018, 5020, 5038), Verve 5061 */
    {56, 69, 2, LENS(12, 19)},              /* Maestro (5893, 6304, 6759, 6761-6763) */
    {1, 1, 1, LEN(15)},                     /* UATP */
    {2200, 2204, 4, LENS(16, 19)},          /* Mir */
    {60, 60, 2, LEN(16)},                   /* RuPay */
    {81, 82, 2, LENS(16, 19)},              /* RuPay */
    {508, 508, 3, LEN(16)},                 /* RuPay */
    {9792, 9792, 4, LEN(16)},               /* Troy */
    {5019, 5019, 4, LEN(16)},               /* Dankort */
};

static bool
card_issuer_ok(const uint8_t *digits, size_t n)
{
    for (size_t i = 0; i < sizeof(card_ranges) / sizeof(card_ranges[0]); i++) {
        const struct card_range *r = &card_ranges[i];
        if ((r->lengths & LEN(n)) == 0) {
            continue;
        }
        uint32_t prefix = 0;
        for (size_t k = 0; k < r->digits; k++) {
            prefix = prefix * 10u + (uint32_t)(digits[k] - '0');
        }
        if (prefix >= r->lo && prefix <= r->hi) {
            return true;
        }
    }
    return false;
}

bool
scan_validate_pan(const uint8_t *digits, size_t n)
{
    if (digits == NULL || n < 12 || n > 19) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(digits[i])) {
            return false;
        }
    }
    return card_issuer_ok(digits, n) && scan_validate_luhn(digits, n);
}

bool
scan_validate_card(const uint8_t *s, size_t len)
{
    if (s == NULL || len < 12 || len > 19 + 18) {
        return false;
    }
    uint8_t digits[19];
    size_t n = 0;
    uint8_t sep = 0;
    size_t group = 0;   /* digits in the current group */
    size_t n_group = 0; /* groups closed so far */
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (is_digit(c)) {
            if (n == sizeof(digits)) {
                return false;
            }
            digits[n++] = c;
            group++;
            continue;
        }
        if (c != ' ' && c != '-') {
            return false;
        }
        /* One kind of separator per number, never doubled or at an end. */
        if ((sep != 0 && c != sep) || group == 0 || i + 1 == len) {
            return false;
        }
        sep = c;
        /* Printed groupings (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3) start with 4-6
         * digits and keep 3-6 per group; anything else is another number. */
        if ((n_group == 0 && group < 4) || group < 3 || group > 6) {
            return false;
        }
        n_group++;
        group = 0;
    }
    /* The last group of a grouped number obeys the same 3-6 rule: in
     * "6011 4539 5492 5515 0" the "0" is the next word, not part of the PAN. */
    if (n < 12 || (sep != 0 && (group < 3 || group > 6))) {
        return false;
    }
    return scan_validate_pan(digits, n);
}

/* ---- US SSN ------------------------------------------------------------ */

/* Numbers printed in advertising or on sample cards; reported as test data by
 * the SSA, so a hit on them is noise rather than a leak. */
static const char *const ssn_public[] = {"078051120", "219099999", "457555462"};

bool
scan_validate_ssn(const uint8_t *s, size_t len)
{
    if (s == NULL || len < 9 || len > 11) {
        return false;
    }
    uint8_t d[9];
    size_t n = 0;
    uint8_t sep = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (is_digit(c)) {
            if (n == sizeof(d)) {
                return false;
            }
            d[n++] = c;
            continue;
        }
        /* A separator may only sit after the area (3) or the group (5). */
        if ((c != '-' && c != ' ') || (n != 3 && n != 5) || (sep != 0 && sep != c) ||
            !is_digit(s[i - 1])) {
            return false;
        }
        sep = c;
    }
    if (n != 9) {
        return false;
    }
    if (memcmp(d, "000", 3) == 0 || memcmp(d, "666", 3) == 0 || d[0] == '9') {
        return false;
    }
    if (memcmp(d + 3, "00", 2) == 0 || memcmp(d + 5, "0000", 4) == 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof(ssn_public) / sizeof(ssn_public[0]); i++) {
        if (memcmp(d, ssn_public[i], 9) == 0) {
            return false;
        }
    }
    return true;
}

/* ---- UK NINO ----------------------------------------------------------- */

bool
scan_validate_nino(const uint8_t *s, size_t len)
{
    if (s == NULL || len < 9 || len > 13) {
        return false;
    }
    size_t i = 0;
    uint8_t a = to_upper(s[0]);
    uint8_t b = to_upper(s[1]);
    if (!is_upper(a) || !is_upper(b)) {
        return false;
    }
    /* HMRC NIM39110: these letters are never used in the prefix. */
    if (strchr("DFIQUV", a) != NULL || strchr("DFIOQUV", b) != NULL) {
        return false;
    }
    static const char *const unallocated[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
    for (size_t k = 0; k < sizeof(unallocated) / sizeof(unallocated[0]); k++) {
        if (a == (uint8_t)unallocated[k][0] && b == (uint8_t)unallocated[k][1]) {
            return false;
        }
    }
    i = 2;
    if (i < len && s[i] == ' ') {
        i++;
    }
    /* Six digits, either together or as three space-separated pairs. */
    size_t n = 0;
    bool paired = i + 2 < len && is_digit(s[i]) && is_digit(s[i + 1]) && s[i + 2] == ' ';
    while (n < 6) {
        if (i >= len || !is_digit(s[i])) {
            return false;
        }
        i++;
        n++;
        if (paired && (n == 2 || n == 4)) {
            if (i >= len || s[i] != ' ') {
                return false;
            }
            i++;
        }
    }
    if (i < len && s[i] == ' ') {
        i++;
    }
    if (i + 1 != len) {
        return false;
    }
    uint8_t suffix = to_upper(s[i]);
    return suffix >= 'A' && suffix <= 'D';
}

/* ---- IBAN -------------------------------------------------------------- */

#define CC(a, b) [((a) - 'A') * 26 + ((b) - 'A')]

/* IBAN length by country code (0: not an IBAN country). The SWIFT ISO 13616
 * registry, plus the countries that issue IBANs outside it (marked). */
static const uint8_t iban_lengths[26 * 26] = {
    CC('A', 'D') = 24,
    CC('A', 'E') = 23,
    CC('A', 'L') = 28,
    CC('A', 'T') = 20,
    CC('A', 'Z') = 28,
    CC('B', 'A') = 20,
    CC('B', 'E') = 16,
    CC('B', 'G') = 22,
    CC('B', 'H') = 22,
    CC('B', 'I') = 27,
    CC('B', 'R') = 29,
    CC('B', 'Y') = 28,
    CC('C', 'H') = 21,
    CC('C', 'R') = 22,
    CC('C', 'Y') = 28,
    CC('C', 'Z') = 24,
    CC('D', 'E') = 22,
    CC('D', 'J') = 27,
    CC('D', 'K') = 18,
    CC('D', 'O') = 28,
    CC('E', 'E') = 20,
    CC('E', 'G') = 29,
    CC('E', 'S') = 24,
    CC('F', 'I') = 18,
    CC('F', 'K') = 18,
    CC('F', 'O') = 18,
    CC('F', 'R') = 27,
    CC('G', 'B') = 22,
    CC('G', 'E') = 22,
    CC('G', 'I') = 23,
    CC('G', 'L') = 18,
    CC('G', 'R') = 27,
    CC('G', 'T') = 28,
    CC('H', 'N') = 28,
    CC('H', 'R') = 21,
    CC('H', 'U') = 28,
    CC('I', 'E') = 22,
    CC('I', 'L') = 23,
    CC('I', 'Q') = 23,
    CC('I', 'S') = 26,
    CC('I', 'T') = 27,
    CC('J', 'O') = 30,
    CC('K', 'W') = 30,
    CC('K', 'Z') = 20,
    CC('L', 'B') = 28,
    CC('L', 'C') = 32,
    CC('L', 'I') = 21,
    CC('L', 'T') = 20,
    CC('L', 'U') = 20,
    CC('L', 'V') = 21,
    CC('L', 'Y') = 25,
    CC('M', 'C') = 27,
    CC('M', 'D') = 24,
    CC('M', 'E') = 22,
    CC('M', 'K') = 19,
    CC('M', 'N') = 20,
    CC('M', 'R') = 27,
    CC('M', 'T') = 31,
    CC('M', 'U') = 30,
    CC('N', 'I') = 28,
    CC('N', 'L') = 18,
    CC('N', 'O') = 15,
    CC('O', 'M') = 23,
    CC('P', 'K') = 24,
    CC('P', 'L') = 28,
    CC('P', 'S') = 29,
    CC('P', 'T') = 25,
    CC('Q', 'A') = 29,
    CC('R', 'O') = 24,
    CC('R', 'S') = 22,
    CC('R', 'U') = 33,
    CC('S', 'A') = 24,
    CC('S', 'C') = 31,
    CC('S', 'D') = 18,
    CC('S', 'E') = 24,
    CC('S', 'I') = 19,
    CC('S', 'K') = 24,
    CC('S', 'M') = 27,
    CC('S', 'O') = 23,
    CC('S', 'T') = 25,
    CC('S', 'V') = 28,
    CC('T', 'L') = 23,
    CC('T', 'N') = 24,
    CC('T', 'R') = 26,
    CC('U', 'A') = 29,
    CC('V', 'A') = 22,
    CC('V', 'G') = 24,
    CC('X', 'K') = 20,
    CC('Y', 'E') = 30,
    /* Not in the registry, but IBANs are issued and appear in payment mail. */
    CC('A', 'O') = 25,
    CC('B', 'F') = 28,
    CC('B', 'J') = 28,
    CC('C', 'F') = 27,
    CC('C', 'G') = 27,
    CC('C', 'I') = 28,
    CC('C', 'M') = 27,
    CC('C', 'V') = 25,
    CC('D', 'Z') = 26,
    CC('G', 'A') = 27,
    CC('G', 'Q') = 27,
    CC('G', 'W') = 25,
    CC('I', 'R') = 26,
    CC('K', 'M') = 27,
    CC('M', 'A') = 28,
    CC('M', 'G') = 27,
    CC('M', 'L') = 28,
    CC('M', 'Z') = 25,
    CC('N', 'E') = 28,
    CC('S', 'N') = 28,
    CC('T', 'D') = 27,
    CC('T', 'G') = 28,
};

#define IBAN_MAX 34

/* The mod-97 remainder of the digit string formed by expanding each letter to
 * 10..35, computed one character at a time so no bignum is needed. */
static unsigned
mod97_feed(unsigned r, uint8_t c)
{
    if (is_digit(c)) {
        return (r * 10u + (unsigned)(c - '0')) % 97u;
    }
    return (r * 100u + (unsigned)(to_upper(c) - 'A' + 10)) % 97u;
}

/* Whether the SWIFT IBAN registry gives country ab (capitals) a BBAN of
 * digits only. */
static bool
numeric_bban(uint8_t a, uint8_t b)
{
    static const char codes[] = "AE AT BA BE CZ DE DK EE ES FI FO GL HR HU IL IS LT ME NO PL "
                                "PT RS SE SI SK TL TN XK";
    for (size_t i = 0; i + 1 < sizeof(codes); i += 3) {
        if ((uint8_t)codes[i] == a && (uint8_t)codes[i + 1] == b) {
            return true;
        }
    }
    return false;
}

bool
scan_validate_iban(const uint8_t *s, size_t len)
{
    if (s == NULL || len < 4) {
        return false;
    }
    uint8_t c[IBAN_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = s[i];
        if (is_alnum(ch)) {
            if (n == IBAN_MAX) {
                return false;
            }
            c[n++] = ch;
            continue;
        }
        /* Single spaces or dashes between characters, never at either end. */
        if ((ch != ' ' && ch != '-') || i == 0 || i + 1 == len || !is_alnum(s[i + 1])) {
            return false;
        }
    }
    /* ISO 13616-1 writes the country code in capitals, but people type it in
     * lower case too; the length and mod-97 checks below decide. */
    if (n < 5 || !is_alpha(c[0]) || !is_alpha(c[1]) || !is_digit(c[2]) || !is_digit(c[3])) {
        return false;
    }
    c[0] = to_upper(c[0]);
    c[1] = to_upper(c[1]);
    unsigned expect = iban_lengths[(c[0] - 'A') * 26 + (c[1] - 'A')];
    if (expect == 0 || n != expect) {
        return false;
    }
    /* Where the registry's BBAN is digits only, a letter in it is a word run
     * into a number ("is 47 5 96 4886 and the refund ...", Iceland). */
    if (numeric_bban(c[0], c[1])) {
        for (size_t i = 4; i < n; i++) {
            if (!is_digit(c[i])) {
                return false;
            }
        }
    }
    /* ISO 7064 MOD 97-10 check digits run 02..98; 00, 01 and 99 never occur. */
    unsigned check = (unsigned)(c[2] - '0') * 10u + (unsigned)(c[3] - '0');
    if (check < 2 || check > 98) {
        return false;
    }
    unsigned r = 0;
    for (size_t i = 4; i < n; i++) {
        r = mod97_feed(r, c[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        r = mod97_feed(r, c[i]);
    }
    return r == 1;
}

/* ---- e-mail ------------------------------------------------------------ */

/* RFC 5322 3.2.3 atext: ALPHA / DIGIT and these specials. */
static bool
is_atext(uint8_t c)
{
    return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool
valid_local(const uint8_t *s, size_t len)
{
    /* RFC 5321 4.5.3.1.1: the local part is at most 64 octets. */
    if (len == 0 || len > 64) {
        return false;
    }
    /* RFC 5322 3.2.3 dot-atom-text: no leading, trailing or doubled dot. */
    if (s[0] == '.' || s[len - 1] == '.') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return false;
            }
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

static bool
valid_domain(const uint8_t *s, size_t len)
{
    size_t n_labels = 0;
    size_t i = 0;
    size_t last = 0;
    size_t last_len = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && s[i] != '.') {
            if (!is_alnum(s[i]) && s[i] != '-') {
                return false;
            }
            i++;
        }
        size_t label_len = i - start;
        /* RFC 1035 2.3.1 / RFC 5890: LDH labels of 1..63 octets, no edge hyphen. */
        if (label_len == 0 || label_len > 63 || s[start] == '-' || s[i - 1] == '-') {
            return false;
        }
        n_labels++;
        last = start;
        last_len = label_len;
        i++;
    }
    if (n_labels < 2) {
        return false;
    }
    if (last_len >= 5 && (s[last] == 'x' || s[last] == 'X') &&
        (s[last + 1] == 'n' || s[last + 1] == 'N') && s[last + 2] == '-' && s[last + 3] == '-') {
        return true;
    }
    if (last_len < 2) {
        return false;
    }
    for (size_t k = last; k < last + last_len; k++) {
        if (!is_alpha(s[k])) {
            return false;
        }
    }
    return true;
}

bool
scan_validate_email(const uint8_t *s, size_t len)
{
    /* RFC 5321 4.5.3.1.3 limits a path to 256 octets including the brackets. */
    if (s == NULL || len < 3 || len > 254) {
        return false;
    }
    const uint8_t *at = memchr(s, '@', len);
    if (at == NULL) {
        return false;
    }
    size_t local_len = (size_t)(at - s);
    return valid_local(s, local_len) && valid_domain(at + 1, len - local_len - 1);
}

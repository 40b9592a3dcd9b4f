/* SPDX-License-Identifier: Apache-2.0 */
/* Digit-led detectors: an SSE2 prefilter skips text without ASCII digits, then
 * at each digit-run start the IBAN, NINO, card, SSN and phone parsers try a
 * bounded window and scan_validate decides. Each candidate carries its
 * strength: SCAN_CAND_STRONG for a checksum-valid identifier in a standard
 * layout (reported whatever the words around it), SCAN_CAND_WEAK for forms
 * that need a keyword (bare digit runs), neither for the rest. Borrowed input,
 * caller-owned output; any thread; never allocates. */
#include "scan_digits.h"

#include <emmintrin.h>
#include <string.h>

#include "scan_chars.h"
#include "scan_phone.h"
#include "scan_validate.h"

/* Confidence (0..100, before context; the engine adds 25 for a keyword):
 *   IBAN that passes mod-97 for its country length ........ 95, strong
 *   payment card, issuer + length + Luhn, printed layout ... 90, strong
 *   ... in another grouping, 17-18 digits, or spaced out a
 *       digit or two at a time ("4 1 1 1 ...") ............. 75
 *   ... 12 digits, or 13 that are also a valid EAN-13 product
 *       code (short references pass Luhn one time in ten) ... 40, weak
 *   UK NINO passing the HMRC prefix rules .................. 85, strong
 *   US SSN AAA-GG-SSSS ..................................... 85, strong
 *   US SSN AAA GG SSSS, AAA.GG.SSSS or AAA - GG - SSSS ...... 75
 *   US SSN with one dash missing (078-051121, 07805-1121) .. 55
 *   ... the same with a space (078 051121), or with only the
 *       second dash after a state code ("IL 62704-1234",
 *       a ZIP+4) ........................................... 35, weak
 *   US SSN as 9 bare digits ................................ 40, weak
 *   phone numbers: scan_phone.c */
enum {
    CONF_IBAN = 95,
    CONF_CARD = 90,
    CONF_CARD_ODD = 75,
    CONF_CARD_SHORT = 40,
    CONF_NINO = 85,
    CONF_SSN_DASH = 85,
    CONF_SSN_SPACE = 75,
    CONF_SSN_PARTIAL = 55,
    CONF_SSN_PARTIAL_SPACE = 35,
    CONF_SSN_BARE = 40,
};

/* Longest window a detector reads forward from its start: an IBAN of 34
 * characters in groups of four with 8 separators, typed with a space after
 * the country code and wrapped onto a quoted line or two. */
#define WINDOW 72

#define IBAN_MAX 34

/* Separators between the groups of cards, IBANs and NINOs. */
static const unsigned GROUP_SEPS = SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_BREAK;

/* IBAN separators; dots and padded ones only in the paper form (find_iban). */
static const unsigned IBAN_PAPER_SEPS = SCAN_SEP_DOT | SCAN_SEP_PAD;
static const unsigned IBAN_SEPS =
    GROUP_SEPS | SCAN_SEP_TAB | SCAN_SEP_DOT | SCAN_SEP_PAD | SCAN_SEP_URL;

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

/* Whether a token may start at buf[p]: after no letter or digit, or right
 * after a SWIFT MT940 subfield code ("?31DE89...", the payer's IBAN in a
 * pasted statement's :86: field). */
static bool
token_starts(const uint8_t *buf, size_t p)
{
    return scan_starts_clean(buf, p) ||
           (p >= 3 && buf[p - 3] == '?' && scan_is_digit(buf[p - 2]) && scan_is_digit(buf[p - 1]));
}

/* Whether the word "IBAN" (any case) is glued before the country code at
 * buf[p] ("IBANDE89...", "ibande89...": spacing lost in a pasted PDF or
 * a form export), the word at the start of its token. */
static bool
iban_word_glued(const uint8_t *buf, size_t p)
{
    static const char w[] = "iban";
    if (p < 4 || !scan_starts_clean(buf, p - 4)) {
        return false;
    }
    for (size_t k = 0; k < 4; k++) {
        if ((buf[p - 4 + k] | 0x20) != (uint8_t)w[k]) {
            return false;
        }
    }
    return true;
}

/* Start of the country code of an IBAN whose check digits begin at `d`:
 * "CC12..." (any case: "De89...", "Gb82 West ...", as people type it) or
 * "CC 12..."; `d` itself when neither. Two letters apart from the digits
 * share their case ("GB 82", "gb 82"): "Be 03 7310 ..." is a word and a
 * number. */
static size_t
iban_anchor(const uint8_t *buf, size_t d)
{
    if (d >= 2 && scan_is_alpha(buf[d - 2]) && scan_is_alpha(buf[d - 1])) {
        size_t p = d - 2;
        return token_starts(buf, p) || iban_word_glued(buf, p) ? p : d;
    }
    if (d >= 3 && buf[d - 1] == ' ' && scan_is_alpha(buf[d - 3]) && scan_is_alpha(buf[d - 2])) {
        size_t p = d - 3;
        return token_starts(buf, p) && scan_is_upper(buf[p]) == scan_is_upper(buf[p + 1]) ? p : d;
    }
    return d;
}

static unsigned
alnum_value(uint8_t c)
{
    return scan_is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static bool
find_iban(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = iban_anchor(buf, d);
    if (p == d) {
        return false;
    }
    size_t limit = scan_min(len, p + WINDOW);
    if (d + 2 > limit || !scan_is_digit(buf[d]) || !scan_is_digit(buf[d + 1])) {
        return false;
    }
    /* Token ends whose mod-97 already passes, shortest first. The remainder
     * of the rearranged IBAN (BBAN, then country letters as 10..35, then the
     * check digits) is kept over the BBAN as it is read, so each end costs
     * O(1) and adversarial input ("DE12 DE12 ...") stays cheap. */
    unsigned tail = (alnum_value(buf[p]) * 10000u + alnum_value(buf[p + 1]) * 100u +
                     (unsigned)(buf[d] - '0') * 10u + (unsigned)(buf[d + 1] - '0')) %
                    97u;
    uint8_t chars[IBAN_MAX];
    chars[0] = buf[p];
    chars[1] = buf[p + 1];
    chars[2] = buf[d];
    chars[3] = buf[d + 1];
    size_t ends[IBAN_MAX];
    size_t counts[IBAN_MAX];
    size_t n_ends = 0;
    size_t i = d + 2;
    size_t n = 4;
    unsigned odd = 0; /* the dot or padded separator of the paper form, once seen */
    /* Reduced lazily: < 97 * 10^12 + 10^14 fits 64 bits and keeps the
     * per-character dependency chain to a multiply-add. */
    uint64_t rb = 0;
    unsigned pending = 0;
    for (;;) {
        size_t g = 0;
        while (i < limit && n < IBAN_MAX && scan_is_alnum(buf[i])) {
            unsigned v = alnum_value(buf[i]);
            rb = rb * (v < 10 ? 10u : 100u) + v;
            pending += v < 10 ? 1 : 2;
            if (pending >= 12) {
                rb %= 97u;
                pending = 0;
            }
            chars[n++] = buf[i];
            i++;
            g++;
        }
        /* 10^6 mod 97 == 27: append the six digits of country and check. */
        if (g > 0 && n >= 15 && (odd == 0 || g <= 4) && ((rb % 97u) * 27u + tail) % 97u == 1u) {
            ends[n_ends] = i;
            counts[n_ends] = n;
            n_ends++;
        }
        /* Groups of any size but one (only the last may be a single
         * character), each split by one space or dash: the ISO 13616 paper
         * form, but also national layouts pasted from statements ("BE59
         * 65283724 9926", "ES77 1234-1234-16 1234567890"). Dots and padded
         * separators ("DE89.3704.0044...", "DE89  3704  0044 ...") only in
         * the paper form itself: "CC12" compact, then groups of four, one
         * kind of separator throughout. */
        unsigned kind = 0;
        size_t s = scan_sep_at(buf, i, limit, IBAN_SEPS, &kind);
        /* a line wrapped at one of the gaps: "DE89  3704  0044 \n0532 ..." */
        bool wrap = s != 0 && kind == SCAN_SEP_SPACE && memchr(buf + i, '\n', s) != NULL;
        if (odd != 0 && ((kind != odd && !wrap) || g != 4)) {
            break;
        }
        if (odd == 0 && (kind & IBAN_PAPER_SEPS) != 0) {
            if (p + 2 != d || i != d + 2) {
                break;
            }
            odd = kind;
        }
        if (n < IBAN_MAX && s != 0 && i + s < limit && scan_is_alnum(buf[i + s]) &&
            (g != 1 || i == d + 2 + 1)) {
            i += s;
            continue;
        }
        break;
    }
    /* The country fixes the length: at most one of these ends validates.
     * Letters in any case: people type "gb82 West 1234 ...", and country
     * length and mod-97 decide whatever the case. */
    for (size_t k = n_ends; k-- > 0;) {
        size_t e = ends[k];
        if (scan_ends_clean(buf, len, e) && scan_validate_iban(chars, counts[k])) {
            cand_set(c, p, e, SCAN_T_IBAN, CONF_IBAN, SCAN_CAND_STRONG);
            return true;
        }
    }
    return false;
}

/* ---- UK NINO: AB 12 34 56 C, AB123456C; case-insensitive ---- */

/* Start of the two letters of a NINO prefix or an IBAN's country code before
 * the digits at `d`, a token of two letters: "AB12", "AB 12", or a line
 * wrapped between them ("AB \n> 12"); `d` when none. */
static size_t
prefix_before(const uint8_t *buf, size_t d)
{
    if (d < 2) {
        return d;
    }
    uint8_t b = buf[d - 1];
    if (scan_is_alpha(b)) {
        return scan_is_alpha(buf[d - 2]) &&
                       (token_starts(buf, d - 2) || iban_word_glued(buf, d - 2))
                   ? d - 2
                   : d;
    }
    /* "AB\u00a012...", "AB-12-34-56-C": a no-break or thin space or a dash */
    size_t sb = b == ' ' ? 0 : scan_sep_before(buf, d);
    if (sb != 0) {
        size_t i = d - sb;
        return i >= 2 && scan_is_alpha(buf[i - 1]) && scan_is_alpha(buf[i - 2]) &&
                       scan_starts_clean(buf, i - 2)
                   ? i - 2
                   : d;
    }
    if (b != ' ' && b != '>' && b != '\r' && b != '\n') {
        return d;
    }
    size_t i = d;
    bool nl = false;
    while (i > 0 && d - i < 10 &&
           (buf[i - 1] == ' ' || buf[i - 1] == '>' || buf[i - 1] == '\r' || buf[i - 1] == '\n')) {
        nl |= buf[i - 1] == '\n';
        i--;
    }
    /* no gap, one space, or a line break with its quote marks */
    if (!(i == d || (d - i == 1 && buf[i] == ' ') || nl)) {
        return d;
    }
    if (i >= 2 && scan_is_alpha(buf[i - 1]) && scan_is_alpha(buf[i - 2]) &&
        scan_starts_clean(buf, i - 2)) {
        return i - 2;
    }
    return d;
}

static bool
find_nino(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = prefix_before(buf, d);
    if (p == d || !scan_starts_clean(buf, p)) {
        return false;
    }
    size_t limit = scan_min(len, d + 32);
    uint8_t norm[9] = {buf[p], buf[p + 1]};
    size_t i = d;
    size_t r = scan_digit_run(buf, i, limit);
    if (r == 6) {
        memcpy(norm + 2, buf + i, 6);
        i += 6;
    } else if (r == 2 || r == 3) {
        /* in pairs ("AB 12 34 56 C") or threes ("AB 123 456 C"), split by
         * spaces (no-break and thin ones too) or dashes ("AB-12-34-56-C") */
        memcpy(norm + 2, buf + i, r);
        i += r;
        for (size_t at = 2 + r; at < 8; at += r) {
            unsigned kind = 0;
            size_t s = scan_sep_digit(buf, i, limit, GROUP_SEPS, &kind);
            if (s == 0 || scan_digit_run(buf, i + s, limit) != r) {
                return false;
            }
            memcpy(norm + at, buf + i + s, r);
            i += s + r;
        }
    } else {
        return false;
    }
    unsigned kind = 0;
    size_t s = scan_sep_at(buf, i, limit, GROUP_SEPS, &kind);
    if (s != 0 && i + s < len && scan_is_alpha(buf[i + s])) {
        i += s;
    }
    if (i >= len || !scan_is_alpha(buf[i])) {
        return false;
    }
    norm[8] = buf[i];
    size_t e = i + 1;
    if (!scan_ends_clean(buf, len, e) || !scan_validate_nino(norm, sizeof(norm))) {
        return false;
    }
    cand_set(c, p, e, SCAN_T_UK_NINO, CONF_NINO, SCAN_CAND_STRONG);
    return true;
}

/* ---- payment card: 12-19 digits, one kind of separator ---- */

/* Whether groups g[0, n) (digits per group) are how a card of `total` digits
 * is printed: compact, 4-4-4-4 (16), 4-6-5 (15), 4-6-4 (14), 4-4-4-4-3 (19). */
static bool
printed_layout(const size_t *g, size_t n, size_t total)
{
    static const uint8_t layouts[][5] = {
        {4, 4, 4, 4, 0}, {4, 6, 5, 0, 0}, {4, 6, 4, 0, 0}, {4, 4, 4, 4, 3}, {4, 4, 4, 3, 0}};
    if (n == 1) {
        return total >= 14 && total != 17 && total != 18;
    }
    for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
        size_t m = 0;
        while (m < 5 && layouts[k][m] != 0) {
            m++;
        }
        if (m != n) {
            continue;
        }
        size_t i = 0;
        while (i < n && g[i] == layouts[k][i]) {
            i++;
        }
        if (i == n) {
            return true;
        }
    }
    return false;
}

/* Whether 13 digits carry a valid EAN-13 (GTIN) check digit: weights 1 and
 * 3 from the left. Product codes in order mail pass Luhn one time in ten;
 * a number that passes both is far more often a product than a card. */
static bool
ean13_ok(const uint8_t *digits)
{
    unsigned sum = 0;
    for (size_t i = 0; i < 12; i++) {
        sum += (unsigned)(digits[i] - '0') * (i % 2 ? 3u : 1u);
    }
    return (10u - sum % 10u) % 10u == (unsigned)(digits[12] - '0');
}

/* Whether the number at buf[d] is labelled a SIRET ("SIRET 67867308809823",
 * "Siret : ..."): a SIREN (nine digits, Luhn) and a NIC, Luhn over all 14,
 * so one in ten is also a valid 14-digit card. Only its own label makes it
 * the company number; after any other word it is a card. */
static bool
siret_label(const uint8_t *buf, size_t d)
{
    size_t i = d;
    while (i > 0 && d - i < 8 &&
           (buf[i - 1] == ' ' || buf[i - 1] == ':' || buf[i - 1] == '#' || buf[i - 1] == 0xA0 ||
            buf[i - 1] == 0xC2)) {
        i--;
    }
    if (i < 5 || (i > 5 && scan_is_alnum(buf[i - 6]))) {
        return false;
    }
    static const char w[] = "siret";
    for (size_t k = 0; k < 5; k++) {
        if ((buf[i - 5 + k] | 0x20) != (uint8_t)w[k]) {
            return false;
        }
    }
    return true;
}

/* Separators between card groups: those of every grouped form, and dots,
 * slashes, tabs, padded ones, spaces encoded in a URL and underscores (a file
 * or form field name, "receipt_4111_1111_1111_1111.pdf"), which count only
 * in a printed layout. */
static const unsigned CARD_PRINTED_SEPS =
    SCAN_SEP_DOT | SCAN_SEP_SLASH | SCAN_SEP_TAB | SCAN_SEP_PAD | SCAN_SEP_URL | SCAN_SEP_UNDER;
static const unsigned CARD_SEPS = GROUP_SEPS | CARD_PRINTED_SEPS;

/* Whether an expiry date is glued to the card ending at buf[e]: "/MM/YY",
 * "/MM/YYYY" or "/MMYY", then the end of the token ("4111111111111111/12/27",
 * as checkout forms and exports write card and expiry). */
static bool
expiry_after(const uint8_t *buf, size_t len, size_t e)
{
    if (e + 3 > len || buf[e] != '/') {
        return false;
    }
    size_t i = e + 1;
    size_t r = scan_digit_run(buf, i, scan_min(len, i + 7));
    unsigned mm = r >= 2 ? (unsigned)(buf[i] - '0') * 10u + (unsigned)(buf[i + 1] - '0') : 0;
    if ((r != 2 && r != 4 && r != 6) || mm < 1 || mm > 12) {
        return false;
    }
    size_t j = i + r;
    if (r == 2 && j < len && buf[j] == '/') {
        size_t y = scan_digit_run(buf, j + 1, scan_min(len, j + 6));
        if (y != 2 && y != 4) {
            return false;
        }
        j += 1 + y;
    }
    return scan_ends_clean(buf, len, j) && !scan_continues_number(buf, len, j);
}

/* Whether one of `words` (lower case, at most `max` letters) is glued to the
 * digits at buf[d]: the whole word, in any case, at the start of its token. */
static bool
listed_word_glued(const uint8_t *buf, size_t d, const char *const *words, size_t n_words,
                  size_t max)
{
    size_t i = d;
    while (i > 0 && d - i < max && scan_is_alpha(buf[i - 1])) {
        i--;
    }
    if (i == d || !scan_starts_clean(buf, i)) {
        return false;
    }
    for (size_t w = 0; w < n_words; w++) {
        size_t k = 0;
        while (words[w][k] != '\0' && i + k < d && (buf[i + k] | 0x20) == (uint8_t)words[w][k]) {
            k++;
        }
        if (words[w][k] == '\0' && i + k == d) {
            return true;
        }
    }
    return false;
}

/* Whether a card word is glued to the digits at buf[d] ("VISA4111...",
 * "MC5105...", "pan4111..."), as payment exports and form dumps write them:
 * the whole word, in any case, at the start of its token. Only a strong card
 * is read after one. */
static bool
card_word_glued(const uint8_t *buf, size_t d)
{
    static const char *const words[] = {"visa", "mc", "amex", "cc", "pan", "card", "mastercard"};
    return listed_word_glued(buf, d, words, sizeof(words) / sizeof(words[0]), 11);
}

/* Whether a word of three letters or more is glued to the digits at buf[d]
 * ("Karte4111...", "CCN4111...", "tarjeta4111..."), the whole token before
 * them letters, one of them outside a-f (no hexadecimal hash). Only a compact
 * strong card is read after one, as a medium form ("INV4111..." may be a
 * reference). */
static bool
word_glued(const uint8_t *buf, size_t d)
{
    size_t i = d;
    bool word = false;
    while (i > 0 && d - i < 16 && scan_is_alpha(buf[i - 1])) {
        word |= (buf[i - 1] | 0x20) > 'f';
        i--;
    }
    return word && d - i >= 3 && scan_starts_clean(buf, i);
}

/* Whether letters glued after a compact card at buf[e] are a word, not the
 * rest of a hexadecimal hash ("4111...1111exp1227", "...1111CVV", "...EUR"):
 * a letter outside a-f among them. */
static bool
word_after(const uint8_t *buf, size_t len, size_t e)
{
    for (size_t i = e; i < len && i - e < 16 && scan_is_alpha(buf[i]); i++) {
        if ((buf[i] | 0x20) > 'f') {
            return true;
        }
    }
    return false;
}

/* Whether groups g[0, n) are an unprinted grouping a card is still typed in:
 * groups of four then the rest (4-4-4-1, 4-4-4-2, 4-4-4-4-2; not 4-4-4-4-1:
 * a digit after a 16-digit group is as often the next number), or groups of
 * 4-6 then the rest in one long group (6-13, 4-4-8, 6-10, 4-12). */
static bool
typed_layout(const size_t *g, size_t n)
{
    if (n < 2) {
        return false;
    }
    bool fours = (n == 4 && g[3] <= 2) || (n == 5 && g[4] == 2);
    bool long_tail = g[n - 1] >= 7 && g[0] >= 4 && g[0] <= 6;
    for (size_t k = 0; k + 1 < n; k++) {
        fours = fours && g[k] == 4;
        long_tail = long_tail && g[k] >= (k == 0 ? 4u : 3u) && g[k] <= 6;
    }
    return fours || long_tail;
}

/* Whether a space encoded in a URL stands right before buf[d]
 * ("subject=card%204111%201111...", a mailto link or a form's query). */
static bool
url_space_before(const uint8_t *buf, size_t d)
{
    return d >= 3 && buf[d - 3] == '%' && buf[d - 2] == '2' && buf[d - 1] == '0';
}

/* "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1" or "41 11 11 11 11 11 11 11": a card
 * spaced out a digit or two at a time with one separator (space, dash or
 * dot), the way a number is typed to slip past a filter. Every group but
 * the last is as wide as the first; 13-19 digits that pass issuer and Luhn
 * are a medium form. Counting to thirteen ("1 2 3 ... 9 10") changes width
 * and so is no card. */
static bool
find_spaced_card(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    size_t w = scan_digit_run(buf, d, len);
    uint8_t sep = d + w < len ? buf[d + w] : 0;
    if (w == 0 || w > 2 || (sep != ' ' && sep != '-' && sep != '.') ||
        (d >= 2 && buf[d - 1] == sep && scan_is_digit(buf[d - 2]))) {
        return false; /* not from the middle of a spaced run */
    }
    uint8_t digits[19];
    size_t n = 0;
    size_t i = d;
    for (;;) {
        size_t r = scan_digit_run(buf, i, len);
        if (r > w || n + r > 19) {
            return false; /* a wider group, or more digits than a card */
        }
        memcpy(digits + n, buf + i, r);
        n += r;
        i += r;
        if (r < w || i + 1 >= len || buf[i] != sep || !scan_is_digit(buf[i + 1])) {
            break;
        }
        i++;
    }
    if (n < 13 || !scan_ends_clean(buf, len, i) || scan_continues_number(buf, len, i) ||
        !scan_validate_pan(digits, n)) {
        return false;
    }
    cand_set(c, d, i, SCAN_T_CREDIT_CARD, CONF_CARD_ODD, 0);
    return true;
}

static bool
find_card(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    bool glued = !scan_starts_clean(buf, d) && !url_space_before(buf, d);
    bool word = glued && !card_word_glued(buf, d);
    if ((word && !word_glued(buf, d)) || scan_preceded_by_number(buf, d)) {
        return false;
    }
    if (scan_digit_run(buf, d, len) <= 2) {
        return !glued && find_spaced_card(c, buf, len, d);
    }
    size_t limit = scan_min(len, d + WINDOW);
    uint8_t digits[19];
    size_t glen[19];
    size_t ends[19];
    bool brk[20] = {false}; /* brk[k]: a line break comes before group k */
    size_t n_groups = 0;
    size_t i = d;
    size_t n = 0;
    unsigned kind = 0;
    bool wraps_only = true; /* every separator so far a wrapped line */
    bool more = false;      /* the grouped number goes on past 19 digits */
    for (;;) {
        size_t r = scan_digit_run(buf, i, limit);
        if (n + r > 19) {
            more = true;
            break;
        }
        memcpy(digits + n, buf + i, r);
        i += r;
        n += r;
        /* A group of four cut by a hard line break ("4111 1111 11\n11 1111",
         * also quoted): after a first group, a part of one to three digits
         * ends the line and the rest begins the next (not indented: a folded
         * calendar line is no mail text). A line wrapped at a space leaves
         * whole groups. */
        size_t b = n_groups >= 1 && i < limit && buf[i] != ' ' ? scan_break_at(buf, i, limit) : 0;
        size_t nl = b != 0 ? i + (buf[i] == '\r') : i;
        if (b != 0 && i + b < limit && nl + 1 < limit && scan_is_digit(buf[i + b]) &&
            (scan_is_digit(buf[nl + 1]) || buf[nl + 1] == '>')) {
            size_t r2 = scan_digit_run(buf, i + b, limit);
            if (r < 4 && r + r2 == 4 && n + r2 <= 19) {
                memcpy(digits + n, buf + i + b, r2);
                i += b + r2;
                n += r2;
                r += r2;
            }
        }
        glen[n_groups] = r;
        ends[n_groups] = i;
        n_groups++;
        /* Printed groupings keep 4-6 digits in the first group and 3-6 in
         * the others; stop at a group that cannot be followed by another, so
         * "1 1 1 1 ..." costs nothing. */
        bool first = n_groups == 1;
        bool group_ok = first ? (r >= 4 && r <= 6) : (r >= 3 && r <= 6);
        unsigned k = 0;
        size_t s = scan_sep_digit(buf, i, limit, CARD_SEPS, &k);
        /* A line wrapped at a space joins spaced and padded groups alike
         * ("4111  1111  1111 \n1111"): a padded separator after wraps only
         * sets the kind, and a wrap stays in a padded number. */
        bool wrap = s != 0 && k == SCAN_SEP_SPACE && memchr(buf + i, '\n', s) != NULL;
        bool ok = kind == 0 || k == kind || (wrap && kind == SCAN_SEP_PAD) ||
                  (kind == SCAN_SEP_SPACE && wraps_only && k == SCAN_SEP_PAD);
        if (s == 0 || !group_ok || !ok) {
            break;
        }
        if (kind == 0 || (kind == SCAN_SEP_SPACE && wraps_only && !wrap)) {
            kind = k;
        }
        wraps_only = wraps_only && wrap;
        brk[n_groups] = memchr(buf + i, '\n', s) != NULL;
        i += s;
    }
    /* Choose the longest grouping that validates: a card followed by another
     * number ("4111 1111 1111 1111 123", its CVV) still ends at its last
     * group. The last group obeys the 3-6 rule too ("6011 4539 5492 5515 0").
     * A reading shorter than the whole grouped number must be a printed card
     * by itself ("38342 13809 430417 069 464" holds no card), unless it ends
     * its line: the next line may begin with a number of its own. */
    size_t total = n;
    for (size_t k = n_groups; k-- > 0;) {
        size_t e = ends[k];
        if (total < 12) {
            break;
        }
        /* 4-4-4-4-2 (an 18-digit Maestro or UnionPay card as printed) and
         * the other ways people type a card (4-4-4-1, 6-13, 4-4-8). */
        bool shape = k == 0 || (glen[k] >= 3 && glen[k] <= 6) || typed_layout(glen, k + 1);
        /* "4111111111111111exp1227": a word glued after a compact card */
        bool word_end = k == 0 && !scan_ends_clean(buf, len, e) && word_after(buf, len, e);
        if (shape && (scan_ends_clean(buf, len, e) || word_end) &&
            (!scan_continues_number(buf, len, e) ||
             (expiry_after(buf, len, e) && printed_layout(glen, k + 1, total))) &&
            scan_validate_pan(digits, total)) {
            uint8_t conf = CONF_CARD_ODD;
            uint8_t flags = 0;
            if (total == 12 || (total == 13 && ean13_ok(digits))) {
                conf = CONF_CARD_SHORT;
                flags = SCAN_CAND_WEAK;
            } else if (printed_layout(glen, k + 1, total) &&
                       !(total == 14 && scan_validate_luhn(digits, 9) && siret_label(buf, d))) {
                conf = CONF_CARD;
                flags = SCAN_CAND_STRONG;
            }
            /* Dotted or slashed groups ("4111.1111.1111.1111") are far more
             * often other numbers, tab-separated ones a spreadsheet's cells
             * and padded ones columns of figures; only a printed card counts. */
            if (((kind & CARD_PRINTED_SEPS) && k > 0 && flags != SCAN_CAND_STRONG) ||
                (glued && flags != SCAN_CAND_STRONG) || (word && k > 0) ||
                (word_end && flags != SCAN_CAND_STRONG)) {
                total -= glen[k];
                continue;
            }
            /* A word that is not a card word, glued before or after: the
             * card is read, but as a medium form. */
            if (word || word_end) {
                conf = CONF_CARD_ODD;
                flags = 0;
            }
            if ((k + 1 == n_groups && !more) || brk[k + 1] || flags == SCAN_CAND_STRONG) {
                cand_set(c, d, e, SCAN_T_CREDIT_CARD, conf, flags);
                return true;
            }
        }
        total -= glen[k];
    }
    return false;
}

/* ---- US SSN: AAA-GG-SSSS, AAA GG SSSS, one separator missing, bare ---- */

/* "IL 62704": two capitals and a space before the digits at d, the way a
 * US address writes the state before its ZIP code. */
static bool
after_state_code(const uint8_t *buf, size_t d)
{
    /* one space, or a wrapped line ("NY\n> 47295-5899") */
    size_t i = d;
    unsigned nl = 0;
    while (i > 0 && d - i < 8 &&
           (buf[i - 1] == ' ' || buf[i - 1] == '\r' || buf[i - 1] == '\n' || buf[i - 1] == '>')) {
        nl += buf[i - 1] == '\n';
        i--;
    }
    if (!(nl == 1 || (d - i == 1 && buf[d - 1] == ' '))) {
        return false;
    }
    return i >= 2 && scan_is_upper(buf[i - 1]) && scan_is_upper(buf[i - 2]) &&
           (i == 2 || !scan_is_alnum(buf[i - 3]));
}

/* Separators inside an SSN: a dash, or a space (no-break and thin spaces and
 * a wrapped line count as one), the same kind both times. */
static const unsigned SSN_SEPS = SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_BREAK;

/* Dots and padded separators ("536.22.8471", "536 - 22 - 8471"): only in
 * the full AAA GG SSSS shape, as a spaced SSN is. */
static const unsigned SSN_ODD_SEPS = SCAN_SEP_DOT | SCAN_SEP_PAD;

/* Whether an SSN word is glued to the digits at buf[d] ("SSN536-22-8471",
 * "TIN536-22-8471", a form dump), the whole word at the start of its token.
 * Only the strong AAA-GG-SSSS is read after one. */
static bool
ssn_word_glued(const uint8_t *buf, size_t d)
{
    static const char *const words[] = {"ssn", "tin", "ss"};
    return listed_word_glued(buf, d, words, sizeof(words) / sizeof(words[0]), 4);
}

static bool
find_ssn(struct scan_cand *c, const uint8_t *buf, size_t len, size_t d)
{
    bool glued = !scan_starts_clean(buf, d);
    if ((glued && !ssn_word_glued(buf, d)) || scan_preceded_by_number(buf, d)) {
        return false;
    }
    size_t limit = scan_min(len, d + 40);
    size_t r1 = scan_digit_run(buf, d, limit);
    uint8_t norm[9];
    size_t e;
    uint8_t conf;
    uint8_t flags = 0;
    unsigned kind = 0;
    if (r1 == 9) {
        memcpy(norm, buf + d, 9);
        e = d + 9;
        conf = CONF_SSN_BARE;
        flags = SCAN_CAND_WEAK;
    } else if (r1 == 3 || r1 == 5) {
        size_t s1 = scan_sep_digit(buf, d + r1, limit, SSN_SEPS | SSN_ODD_SEPS, &kind);
        if (s1 == 0) {
            return false;
        }
        size_t p2 = d + r1 + s1;
        size_t r2 = scan_digit_run(buf, p2, limit);
        if (((r1 == 5 && r2 == 4) || (r1 == 3 && r2 == 6)) && (kind & SSN_ODD_SEPS) == 0) {
            memcpy(norm, buf + d, r1);
            memcpy(norm + r1, buf + p2, r2);
            e = p2 + r2;
            conf = CONF_SSN_PARTIAL;
            /* AAAGG-SSSS after a state code is a US ZIP+4 ("IL 62704-1234";
             * after "ZIP" the label demotes it) and "12345 6789" a postcode
             * and a number as often as an SSN: both need a keyword, as does
             * "078 051121". */
            if (kind == SCAN_SEP_SPACE || (r1 == 5 && after_state_code(buf, d))) {
                conf = CONF_SSN_PARTIAL_SPACE;
                flags = SCAN_CAND_WEAK;
            }
        } else if (r1 == 3 && r2 == 2) {
            unsigned k2 = 0;
            size_t s2 = scan_sep_digit(buf, p2 + 2, limit, SSN_SEPS | SSN_ODD_SEPS, &k2);
            if (s2 == 0 || k2 != kind || scan_digit_run(buf, p2 + 2 + s2, limit) != 4) {
                return false;
            }
            memcpy(norm, buf + d, 3);
            memcpy(norm + 3, buf + p2, 2);
            memcpy(norm + 5, buf + p2 + 2 + s2, 4);
            e = p2 + 2 + s2 + 4;
            conf = kind == SCAN_SEP_DASH ? CONF_SSN_DASH : CONF_SSN_SPACE;
            flags = kind == SCAN_SEP_DASH ? SCAN_CAND_STRONG : 0;
        } else {
            return false;
        }
    } else {
        return false;
    }
    if (!scan_ends_clean(buf, len, e) || scan_continues_number(buf, len, e)) {
        return false;
    }
    /* "078 05 1123 4567" is one longer spaced number, not an SSN. */
    unsigned k3 = 0;
    if ((kind == SCAN_SEP_SPACE || kind == SCAN_SEP_PAD) &&
        scan_sep_digit(buf, e, len, kind, &k3) != 0) {
        return false;
    }
    if (!scan_validate_ssn(norm, sizeof(norm)) || (glued && flags != SCAN_CAND_STRONG)) {
        return false;
    }
    cand_set(c, d, e, SCAN_T_US_SSN, conf, flags);
    return true;
}

/* Which of two candidates for the same digits to keep: a strong form beats
 * the others and any form beats a weak one, then the longer span, then the
 * higher confidence. */
static bool
better(const struct scan_cand *a, const struct scan_cand *b)
{
    bool as = (a->flags & SCAN_CAND_STRONG) != 0;
    bool bs = (b->flags & SCAN_CAND_STRONG) != 0;
    if (as != bs) {
        return as;
    }
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

/* What the text around a digit run allows, read once before any detector. */
struct run_view {
    size_t total;  /* digits of the groups joined to the run, up to 20 */
    size_t groups; /* how many groups those are */
    bool letters;  /* two letters before it: an IBAN or NINO may start there */
    bool anchored; /* '+', '(' or "00" before or at it: an international number */
};

/* The best candidate around the digit run starting at `d`, if any, starting
 * at or after `floor` (the end of the previous candidate), into *out. When the
 * best is not strong and another reading of the same digits exists (a
 * 12-digit card that is also a phone number: "Fax: 5018 0000 0009"), the next
 * best goes to *out_alt, used when context drops the first; else
 * out_alt->type is SCAN_T__COUNT. */
static bool
try_run(struct scan_cand *out, struct scan_cand *out_alt, const struct run_view *v,
        const uint8_t *buf, size_t len, size_t d, size_t floor, unsigned enabled)
{
    struct scan_cand c;
    out_alt->type = SCAN_T__COUNT;
    /* IBANs and NINOs begin with two letters before the digits. */
    bool letters = v->letters;
    if (letters && (enabled & SCAN_MASK(SCAN_T_IBAN)) && find_iban(&c, buf, len, d) &&
        c.start >= floor) {
        *out = c;
        return true;
    }
    if (letters && (enabled & SCAN_MASK(SCAN_T_UK_NINO)) && find_nino(&c, buf, len, d) &&
        c.start >= floor) {
        *out = c;
        return true;
    }
    /* "9475 2663 2526 ...", "NL61 NWJE 0068 ...": no card or phone number is
     * read out of the middle of a longer grouped code, unless the group
     * before was itself a finding (a list of numbers). */
    bool mid_code =
        scan_continues_code(buf, d) && !(floor > 0 && floor == d - scan_sep_before(buf, d));
    /* "INV-2023-76509", "SO-2021-066634": digits glued by a dash to letters
     * are one token; only a strong card or SSN is read out of one
     * ("SSN-078-05-1120"). */
    bool glued = d >= 2 && buf[d - 1] == '-' && scan_is_alpha(buf[d - 2]);
    struct scan_cand found[3];
    size_t n = 0;
    /* A card reads 12 digits or more, an SSN 9: skip what cannot fit. */
    if ((enabled & SCAN_MASK(SCAN_T_CREDIT_CARD)) && !mid_code && v->total >= 12 &&
        find_card(&found[n], buf, len, d) && (!glued || (found[n].flags & SCAN_CAND_STRONG))) {
        n++;
    }
    if ((enabled & SCAN_MASK(SCAN_T_US_SSN)) && v->total >= 9 && find_ssn(&found[n], buf, len, d) &&
        (!glued || (found[n].flags & SCAN_CAND_STRONG))) {
        n++;
    }
    if ((enabled & SCAN_MASK(SCAN_T_PHONE)) && !mid_code && !glued &&
        (v->total >= 8 || v->anchored) && scan_phone_find(&found[n], buf, len, d) &&
        found[n].start >= floor) {
        n++;
    }
    if (n == 0) {
        return false;
    }
    /* A valid card wins over phone and SSN readings of the same digits,
     * unless it is only a weak one (12-13 digits). */
    size_t best = 0;
    for (size_t k = 1; k < n; k++) {
        if (better(&found[k], &found[best])) {
            best = k;
        }
    }
    *out = found[best];
    if ((out->flags & SCAN_CAND_STRONG) == 0) {
        for (size_t k = 0; k < n; k++) {
            if (k != best && (out_alt->type == SCAN_T__COUNT || better(&found[k], out_alt))) {
                *out_alt = found[k];
                out_alt->flags |= SCAN_CAND_ALT;
            }
        }
    }
    return true;
}

/* Whether `s` is of a stronger form than a candidate whose strength flag is
 * `than` (SCAN_CAND_WEAK: medium or strong; SCAN_CAND_STRONG: strong). */
static bool
stronger(const struct scan_cand *s, unsigned than)
{
    return than == SCAN_CAND_WEAK ? (s->flags & SCAN_CAND_WEAK) == 0
                                  : (s->flags & SCAN_CAND_STRONG) != 0;
}

/* A weak candidate `c` (a space-separated phone reading such as
 * "2 123 45 6789") would hide, and then lose for want of a keyword, a card or
 * SSN of a stronger form that starts at a later digit run inside it; a
 * medium one (a phone number that reads on into a card: "+1 212 555 0132
 * 4111 1111 1111 1111") would hide a strong one. Looks for such a reading,
 * first start first, into *out and returns true. Failing that, for a weak
 * `c`, puts a weak card or SSN reading inside it ("14 19465 1832": a phone
 * number that is no phone number, holding an SSN that a keyword names) into
 * *out_alt as an alternative (flag SCAN_CAND_ALT), if there is none yet. The
 * span is at most 48 bytes, so this stays a bounded amount of work. A card
 * inside a weak reading keeps the grouped-code rule; one that a medium
 * reading ran into follows a finding, as in a list. */
static bool
inside(struct scan_cand *out, struct scan_cand *out_alt, const uint8_t *buf, size_t len,
       const struct scan_cand *c, unsigned enabled)
{
    unsigned need = (c->flags & SCAN_CAND_WEAK) ? SCAN_CAND_WEAK : SCAN_CAND_STRONG;
    bool want_alt = need == SCAN_CAND_WEAK && out_alt->type == SCAN_T__COUNT;
    for (size_t i = (size_t)c->start + 1; i < c->end; i++) {
        if (!scan_is_digit(buf[i]) || scan_is_digit(buf[i - 1])) {
            continue;
        }
        /* Only a run of 4-6 or 12-19 digits starts a card, and only one of
         * 3, 5 or 9 an SSN; other runs cost no parse. */
        size_t r = scan_digit_run(buf, i, c->end);
        struct scan_cand s;
        bool got = false;
        if ((enabled & SCAN_MASK(SCAN_T_CREDIT_CARD)) &&
            (c->type != SCAN_T_CREDIT_CARD || need == SCAN_CAND_STRONG) &&
            ((r >= 4 && r <= 6) || r >= 12) &&
            (need == SCAN_CAND_STRONG || !scan_continues_code(buf, i))) {
            got = find_card(&s, buf, len, i);
        }
        if (!got && (enabled & SCAN_MASK(SCAN_T_US_SSN)) && c->type != SCAN_T_US_SSN &&
            (r == 3 || r == 5 || r == 9)) {
            got = find_ssn(&s, buf, len, i);
        }
        if (!got) {
            continue;
        }
        if (stronger(&s, need)) {
            *out = s;
            return true;
        }
        if (want_alt) {
            *out_alt = s;
            out_alt->flags |= SCAN_CAND_ALT;
            want_alt = false;
        }
    }
    return false;
}

/* Reads what stands just before the run [d, d + r) into v->letters and
 * v->anchored. */
static void
view_head(struct run_view *v, const uint8_t *buf, size_t d, size_t r)
{
    uint8_t b = d > 0 ? buf[d - 1] : ' ';
    /* A token of two letters just before: a country code or a NINO prefix. */
    v->letters = prefix_before(buf, d) != d;
    v->anchored = b == '+' || b == '(' || (r >= 3 && r <= 5 && buf[d] == '0' && buf[d + 1] == '0');
}

/* Reads the groups joined to the run [d, d + r) into v->total and
 * v->groups. They are counted with every separator any detector takes, so
 * `total` bounds what any of them reads. */
static void
view_groups(struct run_view *v, const uint8_t *buf, size_t len, size_t d, size_t r)
{
    v->total = r;
    v->groups = 1;
    size_t i = d + r;
    unsigned kind = 0;
    while (v->total < 20) {
        size_t s = scan_sep_digit(buf, i, len,
                                  SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_DOT | SCAN_SEP_SLASH |
                                      SCAN_SEP_BREAK | SCAN_SEP_TAB | SCAN_SEP_PAD | SCAN_SEP_URL |
                                      SCAN_SEP_UNDER,
                                  &kind);
        if (s == 0) {
            break;
        }
        size_t g = scan_digit_run(buf, i + s, len);
        v->total += g;
        v->groups++;
        i += s + g;
    }
}

/* Reads the whole view of the run [d, d + r). */
static void
view_run(struct run_view *v, const uint8_t *buf, size_t len, size_t d, size_t r)
{
    view_head(v, buf, d, r);
    view_groups(v, buf, len, d, r);
}

/* Cheap test that no detector can match at the run [d, d + r): a short
 * standalone number ("in 2024,", "3 items", "2024-05-17") with nothing that
 * could anchor a longer form. Most digit runs in prose stop here, so the
 * view is read only as far as the answer needs; when the answer is false,
 * *v holds the whole view. */
static bool
run_is_plain(struct run_view *v, const uint8_t *buf, size_t len, size_t d, size_t r)
{
    /* Card, SSN and unanchored phone refuse these starts; IBAN and NINO
     * need letters, '+' and '(' anchor the other phone forms. */
    if (scan_preceded_by_number(buf, d)) {
        return true;
    }
    view_head(v, buf, d, r);
    if (v->letters || v->anchored) {
        view_groups(v, buf, len, d, r);
        return false;
    }
    if (d > 0 && scan_is_alpha(buf[d - 1]) && r < 13 && !card_word_glued(buf, d) &&
        !(r == 3 && ssn_word_glued(buf, d))) {
        return true; /* glued to a word: "x4111...", but not "VISA4111..." or
                      * a compact card ("Karte4111111111111111") */
    }
    /* Without those, every form needs 8 digits or more, and at 8 only a
     * phone number in the Nordic groupings or bare: three groups of 8 are
     * dates ("2024-05-17", "17.05.2024"). */
    view_groups(v, buf, len, d, r);
    return v->total < 8 ||
           (v->total == 8 && v->groups == 3 &&
            (scan_digit_run(buf, d, d + 5) == 4 || scan_digit_run(buf, d, d + 3) <= 2) &&
            !(scan_digit_run(buf, d, d + 4) == 3));
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
    struct scan_cand alt;
    *out_next = d + r;
    struct run_view v;
    if (run_is_plain(&v, buf, len, d, r)) {
        return true;
    }
    /* "%204111%201111...": the run begins with a space encoded in a URL;
     * what follows it is the number (read only for runs that are not plain,
     * so prose pays nothing). */
    if (r > 2 && d > 0 && buf[d - 1] == '%' && buf[d] == '2' && buf[d + 1] == '0') {
        d += 2;
        r -= 2;
        view_run(&v, buf, len, d, r);
    }
    if (!try_run(&c, &alt, &v, buf, len, d, *floor, enabled)) {
        return true;
    }
    struct scan_cand strong;
    struct scan_cand before;
    bool has_before = false;
    if ((c.flags & SCAN_CAND_STRONG) == 0 && inside(&strong, &alt, buf, len, &c, enabled)) {
        /* The strong reading wins the digits they share; what stands before
         * it may still be a number of its own ("+1 212 555 0132 4111 1111
         * 1111 1111"): read that again up to the strong one. */
        size_t cut = strong.start;
        while (cut > c.start && !scan_is_alnum(buf[cut - 1])) {
            cut--;
        }
        struct scan_cand alt2;
        struct run_view vb;
        view_run(&vb, buf, cut, d, scan_digit_run(buf, d, cut));
        has_before = cut > d && try_run(&before, &alt2, &vb, buf, cut, d, *floor, enabled) &&
                     before.end <= cut && (before.flags & SCAN_CAND_WEAK) == 0;
        c = strong;
        alt.type = SCAN_T__COUNT;
    }
    size_t need = 1 + (has_before ? 1 : 0) + (alt.type != SCAN_T__COUNT ? 1 : 0);
    if (*n + need > cap || out == NULL) {
        return false;
    }
    if (has_before) {
        out[(*n)++] = before;
    }
    out[(*n)++] = c;
    if (alt.type != SCAN_T__COUNT) {
        out[(*n)++] = alt;
    }
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
                r = scan_digit_run(buf, d, len);
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
        if (!scan_is_digit(buf[pos])) {
            pos++;
            continue;
        }
        size_t r = scan_digit_run(buf, pos, len);
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

/* SPDX-License-Identifier: Apache-2.0 */
/* Phone numbers in running text. Forms, with their confidence before context
 * (0..100; the engine adds 25 for a keyword such as "tel" in the sentence):
 *   +CC groups, (+CC) groups, +CC (0)area groups (ITU-T E.164) ...... 70
 *   00CC groups (the international prefix written out) ............... 65
 *   (area) groups: "(415) 555-0132", "(030) 1234567" .................. 65
 *   NANP NXX-NXX-XXXX, CC-NXX-NXX-XXXX, with '-', '.' or ' ' .......... 60
 *   national trunk 0 + groups: "030 12345678", "02-88188049",
 *     "07.15.47.17.23", "040/8610934", "040-855 15 99" (9-12 digits) ... 55
 *   other groups without a trunk 0 ("612 345 678", "28 22 29 12",
 *     "347/1003873") ....................................... 35, SCAN_CAND_WEAK
 *   8 to 11 bare digits (not a date), or 00 and 10 to 15 .... 30, SCAN_CAND_WEAK
 * Weak forms read as often as quantities, amounts or references as phone
 * numbers, so they are reported only with a keyword. Any thread; no
 * allocation. */
#include "scan_phone.h"

#include <string.h>

#include "scan_chars.h"

enum {
    CONF_E164 = 70,
    CONF_INTL_00 = 65,
    CONF_PAREN = 65,
    CONF_NANP = 60,
    CONF_TRUNK = 55,
    CONF_GROUPS = 35,
    CONF_BARE = 30,
};

/* How far a phone number may reach from its first digit run. */
#define REACH 48

#define MAX_GROUPS 8

/* Digit groups joined by one kind of separator. */
struct groups {
    size_t n;                 /* groups read */
    size_t len[MAX_GROUPS];   /* digits in each group */
    size_t end[MAX_GROUPS];   /* offset one past each group */
    size_t total[MAX_GROUPS]; /* digits up to and including each group */
    bool brk[MAX_GROUPS];     /* brk[k]: a line break comes before group k */
    unsigned kind0;           /* SCAN_SEP_* after the first group; 0 for one group */
    unsigned kind;            /* SCAN_SEP_* between the later groups (kind0 for two) */
};

/* How separators may vary along a number. */
enum sep_rule {
    SEP_ONE = 0, /* one kind throughout */
    SEP_AREA,    /* one after the area code, one kind after that: "040-855 15 99" */
    SEP_INTL,    /* spaces and dashes freely: "+55 11 94210-7244" */
};

/* Reads the groups starting with the digit run at buf[i] (before `limit`),
 * separated by kinds in `allow` as `rule` says, until that changes,
 * MAX_GROUPS or more than 15 digits (E.164's maximum). `digits` is the count
 * before buf[i] that belongs to the same number. */
static void
read_groups(struct groups *g, const uint8_t *buf, size_t i, size_t limit, unsigned allow,
            size_t digits, enum sep_rule rule)
{
    g->n = 0;
    g->kind0 = 0;
    g->kind = 0;
    bool brk = false;
    for (;;) {
        size_t r = scan_digit_run(buf, i, limit);
        if (r == 0 || digits + r > 15) {
            return;
        }
        i += r;
        digits += r;
        g->len[g->n] = r;
        g->end[g->n] = i;
        g->total[g->n] = digits;
        g->brk[g->n] = brk;
        g->n++;
        unsigned kind = 0;
        size_t s = scan_sep_digit(buf, i, limit, allow, &kind);
        if (rule == SEP_INTL &&
            (kind == SCAN_SEP_SPACE || kind == SCAN_SEP_DASH || kind == SCAN_SEP_DOT)) {
            kind = SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_DOT; /* "+32 470 58.08.27" */
        }
        if (g->n == MAX_GROUPS || s == 0) {
            return;
        }
        if (g->n == 1) {
            g->kind0 = kind;
        } else if (g->n == 2 && rule == SEP_AREA) {
            /* the kind after the area code may differ from the rest */
        } else if (kind != g->kind) {
            return;
        }
        brk = memchr(buf + i, '\n', s) != NULL;
        g->kind = kind;
        i += s;
    }
}

/* Where a phone number may end after group k: not inside a longer token,
 * not before ".5" or "-12" that continue the number, and not before ",50" or
 * ".50" that make it an amount ("1 234 567,50 EUR"); before ",2020" (a CSV
 * row's next field) it may. */
static bool
ends_well(const uint8_t *buf, size_t len, size_t e)
{
    if (!scan_ends_clean(buf, len, e) || scan_continues_number(buf, len, e)) {
        return false;
    }
    return !(e + 2 < len && (buf[e] == ',' || buf[e] == '.') && scan_is_digit(buf[e + 1]) &&
             scan_is_digit(buf[e + 2]) && !(e + 3 < len && scan_is_digit(buf[e + 3])));
}

static void
cand_phone(struct scan_cand *c, size_t start, size_t end, uint8_t conf, uint8_t flags)
{
    c->start = (uint32_t)start;
    c->end = (uint32_t)end;
    c->type = SCAN_T_PHONE;
    c->confidence = conf;
    c->flags = flags;
}

/* Whether group k of `g` is a DIN 5008 switchboard suffix: a lone "-0" after
 * a group of three digits or more ("0211 24580-0", "+49 40 359540-0"). */
static bool
switchboard(const struct groups *g, size_t k, const uint8_t *buf)
{
    if (k == 0 || k >= g->n || k >= MAX_GROUPS) {
        return false;
    }
    size_t e = g->end[k];
    return g->len[k] == 1 && buf[e - 1] == '0' && buf[e - 2] == '-' && g->len[k - 1] >= 3;
}

/* The longest end among groups [first, g->n) with at least `min_total` digits,
 * a last group of two or more digits (a trailing single digit is more often
 * the next word: "call +44 20 7946 0958 2 times") or a switchboard "-0", and
 * a clean end; 0 if none. */
static size_t
best_end(const struct groups *g, size_t first, size_t min_total, const uint8_t *buf, size_t len)
{
    /* A reading crosses a line break only when the line alone holds no
     * number, or when the group after the break is as long as the one before
     * it (the rhythm of one number: "+34 622 42 99\n86"): "+44 20 7946
     * 0958\n12 Main Street" ends before the 12. */
    size_t n = g->n;
    for (size_t k = first + 1; k < g->n; k++) {
        if (g->brk[k]) {
            n = g->len[k] == g->len[k - 1] ? g->n : k;
            break;
        }
    }
    for (size_t k = n; k-- > first;) {
        if (g->total[k] >= min_total && (g->len[k] >= 2 || switchboard(g, k, buf)) &&
            ends_well(buf, len, g->end[k])) {
            return g->end[k];
        }
    }
    for (size_t k = g->n; k-- > n;) {
        if (g->total[k] >= min_total && (g->len[k] >= 2 || switchboard(g, k, buf)) &&
            ends_well(buf, len, g->end[k])) {
            return g->end[k];
        }
    }
    return 0;
}

static const unsigned ALL_SEPS =
    SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_DOT | SCAN_SEP_SLASH | SCAN_SEP_BREAK;

/* After the country code at [cc, cc_end): an optional "(0)" trunk or
 * "(20)" area, then the subscriber groups. "+44 (0)20 7946 0958",
 * "+44(20)7946 0958", "+49 30 12345678", "+4930123456". */
static bool
find_intl(struct scan_cand *out, const uint8_t *buf, size_t len, size_t start, size_t cc,
          size_t digits_before, uint8_t conf)
{
    size_t limit = scan_min(len, start + REACH);
    size_t r = scan_digit_run(buf, cc, limit);
    size_t i = cc + r;
    size_t digits = digits_before + r;
    if (buf[start] == '(' && start + 1 < len && buf[start + 1] == '+') {
        /* "(+34) 612345678": the country code in parentheses. */
        if (i >= limit || buf[i] != ')') {
            return false;
        }
        i++;
    }
    if ((r > 3 && r < 8) || r > 15) {
        return false; /* "+12345": too short for a whole number, too long for a code */
    }
    if (r >= 8) {
        /* The whole number written compact: "+4930123456" (never followed by
         * more groups: "+35183250.22" is an amount). */
        if (!ends_well(buf, len, i)) {
            return false;
        }
        cand_phone(out, start, i, conf, 0);
        return true;
    }
    unsigned kind = 0;
    size_t s = scan_sep_at(buf, i, limit, ALL_SEPS, &kind);
    size_t j = i + s;
    if (j + 2 < limit && buf[j] == '(' && scan_is_digit(buf[j + 1])) {
        size_t a = scan_digit_run(buf, j + 1, limit);
        if (a > 5 || j + 1 + a >= limit || buf[j + 1 + a] != ')') {
            return false;
        }
        /* "(0)" is the national trunk prefix: dialled at home, not abroad. */
        bool trunk = a == 1 && buf[j + 1] == '0';
        digits += trunk ? 0 : a;
        j += a + 2;
        size_t s2 = scan_sep_at(buf, j, limit, ALL_SEPS, &kind);
        j += s2;
    } else if (s == 0 && r <= 3) {
        return false;
    }
    if (j >= limit || !scan_is_digit(buf[j])) {
        return false;
    }
    struct groups g;
    read_groups(&g, buf, j, limit, ALL_SEPS, digits, SEP_INTL);
    /* Without a '+', a grouped number that runs past 15 digits on its line
     * is no phone number ("0034 0434 2287 0626 9409", a parcel number). */
    unsigned k = 0;
    size_t last = g.n > 0 ? g.end[g.n - 1] : j;
    size_t s2 = scan_sep_digit(buf, last, len, ALL_SEPS & ~(unsigned)SCAN_SEP_BREAK, &k);
    if (buf[start] != '+' && buf[start] != '(' && g.n > 0 && s2 != 0 &&
        (g.n == MAX_GROUPS || g.total[g.n - 1] + scan_digit_run(buf, last + s2, len) > 15)) {
        return false;
    }
    size_t e = best_end(&g, 0, 8, buf, len);
    if (e == 0) {
        return false;
    }
    cand_phone(out, start, e, conf, 0);
    return true;
}

/* "BE 03 7310 1866 4085": the run follows a separator after another
 * number, so it is the tail of a longer one. */
static bool
after_number(const uint8_t *buf, size_t d)
{
    size_t s = scan_sep_before(buf, d);
    return s != 0 && d > s && scan_is_digit(buf[d - s - 1]);
}

/* "(415) 555-0132", "(020) 7123 4567", "(11) 98765-4321", "(22) 661 29 84". */
static bool
find_paren(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d)
{
    size_t p = d - 1;
    if (!scan_starts_clean(buf, p)) {
        return false;
    }
    size_t limit = scan_min(len, p + REACH);
    size_t a = scan_digit_run(buf, d, limit);
    if (a < 2 || a > 5 || d + a >= limit || buf[d + a] != ')') {
        return false;
    }
    size_t i = d + a + 1;
    unsigned kind = 0;
    i += scan_sep_at(buf, i, limit, SCAN_SEP_SPACE | SCAN_SEP_BREAK, &kind);
    if (i >= limit || !scan_is_digit(buf[i])) {
        return false;
    }
    struct groups g;
    read_groups(&g, buf, i, limit, SCAN_SEP_SPACE | SCAN_SEP_DASH | SCAN_SEP_DOT | SCAN_SEP_BREAK,
                a, SEP_ONE);
    for (size_t k = 0; k < g.n; k++) {
        if ((g.len[k] < 2 && !switchboard(&g, k, buf)) || g.len[k] > 8) {
            g.n = k;
            break;
        }
    }
    /* The longest valid end, before the first line break if there is one
     * ("(020) 7946 0958\n12 Main Street"). */
    size_t e = 0;
    size_t nb = g.n;
    for (size_t k = 1; k < g.n && nb == g.n; k++) {
        nb = g.brk[k] ? k : nb;
    }
    for (int pass = 0; pass < 2 && e == 0; pass++) {
        for (size_t k = pass == 0 ? nb : g.n; k-- > 0 && e == 0;) {
            if (g.total[k] >= 9 && g.total[k] <= 13 && ends_well(buf, len, g.end[k])) {
                e = g.end[k];
            }
        }
    }
    if (e == 0) {
        return false;
    }
    /* A country code or trunk prefix before the area: "1 (617) 645-5984",
     * "+1 (800) ...", "8 (343) 532 49 48". */
    size_t start = p;
    size_t sb = scan_sep_before(buf, p);
    if (sb != 0 && p > sb && scan_is_digit(buf[p - sb - 1])) {
        size_t q = p - sb; /* one past the code */
        size_t k = q;
        while (k > 0 && scan_is_digit(buf[k - 1]) && q - k < 4) {
            k--;
        }
        if (q - k <= 3 && (k == 0 || !scan_is_digit(buf[k - 1]))) {
            k -= k > 0 && buf[k - 1] == '+' ? 1 : 0;
            /* only at a word's start, not the tail of "5588 49" or "card-1" */
            if ((k == 0 || buf[k - 1] == ' ' || buf[k - 1] == '\t' || buf[k - 1] == '\n' ||
                 buf[k - 1] == '(' || buf[k - 1] == ':' || buf[k - 1] == '>') &&
                !after_number(buf, k)) {
                start = k;
            }
        }
    }
    cand_phone(out, start, e, CONF_PAREN, 0);
    return true;
}

static bool
nxx(const uint8_t *buf, size_t at)
{
    return buf[at] >= '2' && buf[at] <= '9';
}

/* Whether 8 digits read as a date: YYYYMMDD or DDMMYYYY. */
static bool
date8(const uint8_t *p)
{
    unsigned v[8];
    for (size_t k = 0; k < 8; k++) {
        v[k] = (unsigned)(p[k] - '0');
    }
    unsigned y1 = v[0] * 10 + v[1];
    unsigned m1 = v[4] * 10 + v[5];
    unsigned d1 = v[6] * 10 + v[7];
    unsigned d2 = v[0] * 10 + v[1];
    unsigned m2 = v[2] * 10 + v[3];
    unsigned y2 = v[4] * 10 + v[5];
    return ((y1 == 19 || y1 == 20) && m1 >= 1 && m1 <= 12 && d1 >= 1 && d1 <= 31) ||
           ((y2 == 19 || y2 == 20) && m2 >= 1 && m2 <= 12 && d2 >= 1 && d2 <= 31);
}

/* The plain reading of groups [0, n) of `g` that starts at buf[d]: NANP,
 * national trunk 0, other groups, bare digits; see find_plain. */
static bool
plain_reading(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d,
              const struct groups *g, size_t n)
{
    size_t e = g->end[n - 1];
    size_t total = g->total[n - 1];
    unsigned k0 = n > 1 ? g->kind0 : 0; /* after the area code */
    unsigned kr = n > 2 ? g->kind : k0; /* between the later groups */
    bool wrapped = false;
    for (size_t k = 1; k < n; k++) {
        wrapped |= g->brk[k];
    }
    if (!ends_well(buf, len, e)) {
        return false;
    }
    if (n == 1) {
        /* Bare digits need a keyword: 9 (Spain, Portugal, Poland), 10-11
         * ("0439361004"; ten starting with 1 are mostly Unix timestamps), 8
         * as Nordic numbers are written, but not a date; a whole
         * international number after "00". */
        bool intl = total >= 12 && total <= 17 && buf[d] == '0' && buf[d + 1] == '0' &&
                    buf[d + 2] != '0'; /* "0049307942555", as exports write them */
        if (total == 9 || total == 11 || (total == 10 && buf[d] != '1') ||
            (total == 8 && !date8(buf + d)) || intl) {
            cand_phone(out, d, e, CONF_BARE, SCAN_CAND_WEAK);
            return true;
        }
        return false;
    }
    /* Slashes only after the area code: "040/8610934", "044/897 82 74",
     * "347/1003873"; "12/05/2024" and "123/456/789" are something else. */
    if (kr == SCAN_SEP_SLASH && n > 2) {
        return false;
    }
    /* NANP: [1-]NXX-NXX-XXXX, and the same shape after another country
     * code ("91-415-555-0132"); one kind of separator; a lone "1" is not a
     * line's last word. */
    size_t c0 =
        (n == 4 && (g->len[0] == 2 || g->len[0] == 3 || buf[d] == '1') && !g->brk[1]) ? 1 : 0;
    if (k0 == kr && n == c0 + 3 && g->len[c0] == 3 && g->len[c0 + 1] == 3 && g->len[c0 + 2] == 4 &&
        nxx(buf, g->end[c0] - 3) && nxx(buf, g->end[c0 + 1] - 3)) {
        /* (NHS numbers are written 3-3-4 with spaces too, "943 476 5919";
         * their label or column header names them. One US number in eleven
         * carries an NHS check digit, so the digits alone decide nothing.) */
        cand_phone(out, d, e, CONF_NANP, 0);
        return true;
    }
    /* Chinese mobile numbers, 1[3-9]x xxxx xxxx. */
    if (k0 == kr && k0 != SCAN_SEP_DOT && k0 != SCAN_SEP_SLASH && !wrapped && n == 3 &&
        g->len[0] == 3 && g->len[1] == 4 && g->len[2] == 4 && buf[d] == '1' && buf[d + 1] >= '3') {
        cand_phone(out, d, e, CONF_TRUNK, 0);
        return true;
    }
    if (buf[d] == '0' && buf[d + 1] != '0') {
        /* A national number with its trunk prefix: the first group 2-5
         * digits (the 0 and the area code), the others 2 or more; 10-12
         * digits, or 9 ("09 123 4567", "018-733497") in three groups or after
         * a dash or slash, but not in the shape of an SSN. */
        bool nine = total == 9 &&
                    (n >= 3 || ((k0 == SCAN_SEP_DASH || k0 == SCAN_SEP_SLASH) && g->len[0] <= 4) ||
                     (k0 == SCAN_SEP_SPACE && g->len[0] <= 3 && g->len[1] >= 6)) &&
                    !(n == 3 && g->len[0] == 3 && g->len[1] == 2 && g->len[2] == 4);
        if ((total < 10 && !nine) || total > 12 || g->len[0] < 2 || g->len[0] > 5) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if (g->len[k] < 2 && !(k == n - 1 && switchboard(g, k, buf))) {
                return false;
            }
            /* After a one-digit area code ("02", "06"), groups of two to
             * four: "06-655180-82" is a claim or file number. */
            if (g->len[0] == 2 && n > 2 && k < n - 1 && g->len[k] >= 5) {
                return false;
            }
        }
        /* "06/29\r\n73548522": an expiry date, then another number. */
        if (wrapped && k0 == SCAN_SEP_SLASH) {
            return false;
        }
        /* Dots in pairs the French way ("07.15.47.17.23"), or after a slash
         * in pairs and threes the Belgian way ("02/573.96.57"); not versions,
         * amounts or "076.315.039". */
        if (k0 == SCAN_SEP_DOT && kr != SCAN_SEP_DOT) {
            return false; /* "0771.165 2987" */
        }
        for (size_t k = k0 == SCAN_SEP_DOT ? 0 : 1; kr == SCAN_SEP_DOT && k < n; k++) {
            if (g->len[k] > (k0 == SCAN_SEP_SLASH ? 3 : 2) && !(k == 0 && k0 == SCAN_SEP_SLASH)) {
                return false;
            }
        }
        cand_phone(out, d, e, CONF_TRUNK, 0);
        return true;
    }
    /* Other groupings: "612 345 678", "333 123 4567", "28 22 29 12",
     * "347/1003873". As often a row of quantities, an amount or a reference:
     * only with a keyword, and never dotted (versions, amounts), across a
     * line break, or in the shape of an SSN (3-2-4). Two groups only with a
     * dash or slash between them. */
    if (k0 == SCAN_SEP_DOT || kr == SCAN_SEP_DOT || wrapped || total < 8 || total > 13 ||
        (n == 2 && k0 != SCAN_SEP_DASH && k0 != SCAN_SEP_SLASH &&
         !(k0 == SCAN_SEP_SPACE &&
           ((g->len[0] <= 4 && g->len[1] >= 6) || (g->len[0] == 4 && g->len[1] == 4)))) ||
        (n == 3 && g->len[0] == 3 && g->len[1] == 2 && g->len[2] == 4)) {
        return false;
    }
    /* Eight digits only as Nordic numbers are grouped (2-2-2-2, 3-2-3), not
     * as dates (2024-01-15) or references. */
    if (total == 8 && !(n == 4 && g->len[0] == 2 && g->len[1] == 2 && g->len[2] == 2) &&
        !(n == 3 && g->len[0] == 3 && g->len[1] == 2 && g->len[2] == 3) &&
        !(n == 2 && g->len[0] == 4 && k0 == SCAN_SEP_SPACE)) {
        return false;
    }
    /* Two groups: a prefix of 2-4 digits, then 5-8 ("347/1003873", "22
     * 4536052"), or 4 and 4 ("3386 0860"); the first not a year
     * ("2021-066634" is a reference). */
    if (n == 2 && (g->len[0] < 2 || ((g->len[0] > 4 || g->len[1] < 5 || g->len[1] > 8) &&
                                     !(g->len[0] == 4 && g->len[1] == 4)))) {
        return false;
    }
    if (n == 2 && g->len[0] == 4 && k0 != SCAN_SEP_SPACE &&
        (memcmp(buf + d, "19", 2) == 0 || memcmp(buf + d, "20", 2) == 0)) {
        return false;
    }
    for (size_t k = 0; k < n && n > 2; k++) {
        if (g->len[k] < 2 || g->len[k] > 5) {
            return false;
        }
    }
    cand_phone(out, d, e, CONF_GROUPS, SCAN_CAND_WEAK);
    return true;
}

/* The Russian and CIS national form: trunk prefix 8, a three to five digit
 * area or operator code, eleven digits in all, spaces and dashes mixed:
 * "8 916 257-90-62", "8-495-821-25-27", "8 926 625 22 24". */
static bool
find_trunk8(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d, size_t limit)
{
    if (scan_digit_run(buf, d, limit) != 1) {
        return false;
    }
    struct groups g;
    read_groups(&g, buf, d, limit, SCAN_SEP_SPACE | SCAN_SEP_DASH, 0, SEP_INTL);
    if (g.n < 3 || g.len[1] < 3 || g.len[1] > 5 || buf[g.end[1] - g.len[1]] < '3') {
        return false;
    }
    for (size_t k = 2; k < g.n; k++) {
        if (g.len[k] < 2 || g.len[k] > 4) {
            return false;
        }
        if (g.total[k] == 11 && ends_well(buf, len, g.end[k])) {
            cand_phone(out, d, g.end[k], CONF_TRUNK, 0);
            return true;
        }
    }
    return false;
}

/* Forms without '+' or '(' in front: NANP, national trunk 0, other groups,
 * bare digits. The whole run of groups joined by one separator kind must
 * match, so dates (8 digits), versions (one-digit groups) and longer
 * reference numbers are left alone; but where the run crosses line breaks,
 * the readings that end before a break are tried too (a line may end with a
 * number and the next begin with one: "Tel 030 12345678\n12 Main Street"). */
static bool
find_plain(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d)
{
    if (!scan_starts_clean(buf, d) || scan_preceded_by_number(buf, d)) {
        return false;
    }
    /* The tail of a masked card ("437231******0227"), a thousands group of
     * an amount ("1,719,048"), or the check digits of a VAT number after a
     * country's two capitals ("FR 06 392 176 624", "AB 1234 5678"); a CSV
     * field ("1,0301234567") or a country named before a national number
     * ("UK 020 7946 0958") is none of these. */
    size_t run = scan_digit_run(buf, d, len);
    if ((d >= 2 && buf[d - 1] == '*' && (buf[d - 2] == '*' || scan_is_alnum(buf[d - 2]))) ||
        (d >= 2 && buf[d - 1] == ',' && scan_is_digit(buf[d - 2]) && run == 3) ||
        (d >= 3 && buf[d - 1] == ' ' && scan_is_upper(buf[d - 2]) && scan_is_upper(buf[d - 3]) &&
         scan_starts_clean(buf, d - 3) && (run == 2 || buf[d] != '0'))) {
        return false;
    }
    size_t limit = scan_min(len, d + REACH);
    if (buf[d] == '8' && find_trunk8(out, buf, len, d, limit)) {
        return true;
    }
    struct groups g;
    read_groups(&g, buf, d, limit, ALL_SEPS, 0, SEP_AREA);
    if (g.n == 0) {
        return false;
    }
    size_t e = g.end[g.n - 1];
    /* Groups past 15 digits or MAX_GROUPS: a longer number ("5260 1836 9340
     * 2649", a card with a wrong check digit), not a phone number in it. */
    unsigned more = 0;
    unsigned seps = g.n > 1 ? g.kind | g.kind0 : ALL_SEPS & ~(unsigned)SCAN_SEP_BREAK;
    bool whole =
        !(e < len && scan_is_digit(buf[e])) && scan_sep_digit(buf, e, len, seps, &more) == 0;
    /* First the reading up to the first line break, when there is one (a
     * line ending with a number, the next beginning with one: "Tel 030
     * 1234567\n12 Main Street"), then the whole run (a wrapped number),
     * then the readings cut at the other breaks, and last, where the
     * separator changed after the area code, the two groups before it (a
     * list: "030 12345678 / 0170 8765432"). */
    size_t first_brk = 0;
    for (size_t n = 1; n < g.n && first_brk == 0; n++) {
        first_brk = g.brk[n] ? n : 0;
    }
    if (first_brk != 0 && plain_reading(out, buf, len, d, &g, first_brk)) {
        return true;
    }
    if (whole && plain_reading(out, buf, len, d, &g, g.n)) {
        return true;
    }
    for (size_t n = g.n; n-- > 1;) {
        if (n != first_brk && g.brk[n] && plain_reading(out, buf, len, d, &g, n)) {
            return true;
        }
    }
    return g.n > 2 && g.kind == SCAN_SEP_SLASH && g.kind0 != SCAN_SEP_SLASH &&
           plain_reading(out, buf, len, d, &g, 2);
}

bool
scan_phone_find(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d)
{
    /* "+++090/9337/55493+++": a Belgian structured payment reference in its
     * plus signs, not a number dialled abroad */
    if (d >= 1 && buf[d - 1] == '+' && !(d >= 2 && buf[d - 2] == '+')) {
        /* "(+34) 612...", or "(+47 22682661)" in brackets of prose */
        size_t r = scan_digit_run(buf, d, len);
        bool paren = d >= 2 && buf[d - 2] == '(' && d + r < len && buf[d + r] == ')';
        size_t start = paren ? d - 2 : d - 1;
        if (!scan_starts_clean(buf, start)) {
            return false;
        }
        return find_intl(out, buf, len, start, d, 0, CONF_E164);
    }
    if (d >= 1 && buf[d - 1] == '(' && find_paren(out, buf, len, d)) {
        return true; /* else "(206 640 9988)": a number in brackets */
    }
    if (after_number(buf, d)) {
        return false;
    }
    size_t r = scan_digit_run(buf, d, len);
    if (r >= 3 && r <= 5 && buf[d] == '0' && buf[d + 1] == '0' && buf[d + 2] != '0' &&
        scan_starts_clean(buf, d) && !scan_preceded_by_number(buf, d)) {
        /* "0049 30 12345678": the international prefix written out. */
        struct scan_cand c;
        if (find_intl(&c, buf, len, d, d + 2, 0, CONF_INTL_00)) {
            *out = c;
            return true;
        }
    }
    return find_plain(out, buf, len, d);
}

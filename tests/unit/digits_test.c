/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan_digits.c: exact byte spans of digit-led findings and of
 * e-mail spans in short texts, and texts that must yield nothing (dates,
 * timestamps, ISBNs, digits glued to words). Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scan_digits.h"
#include "scan_email.h"

struct want {
    uint32_t start;
    uint32_t end;
    enum scan_type type;
    bool weak;
};

#define MAX_WANT 4

struct span_case {
    const char *text;
    size_t n_want;
    struct want want[MAX_WANT];
};

static void
check_case(const struct span_case *tc, unsigned enabled)
{
    struct scan_cand all[16];
    struct scan_cand out[16];
    bool overflow = true;
    size_t n_all =
        scan_digits_find(all, 16, &overflow, (const uint8_t *)tc->text, strlen(tc->text), enabled);
    assert_false(overflow);
    /* Alternative readings (SCAN_CAND_ALT) are checked by test_alternatives. */
    size_t n = 0;
    for (size_t i = 0; i < n_all; i++) {
        if ((all[i].flags & SCAN_CAND_ALT) == 0) {
            out[n++] = all[i];
        }
    }
    if (n != tc->n_want) {
        fprintf(stderr, "text \"%s\": got %zu candidates, want %zu\n", tc->text, n, tc->n_want);
        for (size_t i = 0; i < n; i++) {
            fprintf(stderr, "  [%u,%u) %s\n", out[i].start, out[i].end,
                    scan_type_name(out[i].type));
        }
    }
    assert_int_equal(n, tc->n_want);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].start, tc->want[i].start);
        assert_int_equal(out[i].end, tc->want[i].end);
        assert_int_equal(out[i].type, tc->want[i].type);
        assert_int_equal((out[i].flags & SCAN_CAND_WEAK) != 0, tc->want[i].weak);
        assert_true(out[i].confidence <= 100);
        if (i > 0) {
            assert_true(out[i].start >= out[i - 1].end);
        }
    }
}

static void
run_cases(const struct span_case *cases, size_t n_cases)
{
    for (size_t i = 0; i < n_cases; i++) {
        check_case(&cases[i], SCAN_MASK_DIGIT_LED);
    }
}

#define CC SCAN_T_CREDIT_CARD
#define SSN SCAN_T_US_SSN
#define NINO SCAN_T_UK_NINO
#define IBAN SCAN_T_IBAN
#define PHONE SCAN_T_PHONE
#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

static void
test_found(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"card 4111111111111111.", 1, {{5, 21, CC, false}}},
        {"4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881",
         3,
         {{0, 16, CC, false}, {17, 36, CC, false}, {37, 56, CC, false}}},
        {"amex 3714 496353 98431 ok", 1, {{5, 22, CC, false}}},
        {"4111 1111 1111 1111 2024", 1, {{0, 19, CC, false}}},
        {"4111111111111111,4012888888881881", 2, {{0, 16, CC, false}, {17, 33, CC, false}}},
        {"ssn 078-05-1123 and 078 05 1123", 2, {{4, 15, SSN, false}, {20, 31, SSN, false}}},
        {"078-051121 07805-1121", 2, {{0, 10, SSN, false}, {11, 21, SSN, false}}},
        {"id 078051123", 1, {{3, 12, SSN, true}}},
        {"NI: AA 12 34 56 B.", 1, {{4, 17, NINO, false}}},
        {"tw987654a", 1, {{0, 9, NINO, false}}},
        {"pay DE89370400440532013000 now", 1, {{4, 26, IBAN, false}}},
        {"iban VG96 VPVG 0000 0123 4567 8901 in a sentence", 1, {{5, 34, IBAN, false}}},
        {"AL47-2121-1009-0000-0002-3569-8741", 1, {{0, 34, IBAN, false}}},
        {"call (415) 555-0132 or +1 415 555 0132",
         2,
         {{5, 19, PHONE, false}, {23, 38, PHONE, false}}},
        {"+44 (20) 7123 4567", 1, {{0, 18, PHONE, false}}},
        {"+33 1 42 68 53 00", 1, {{0, 17, PHONE, false}}},
        {"US: 415-555-0132, JP: 090-1234-5678", 2, {{4, 16, PHONE, false}, {22, 35, PHONE, false}}},
        {"91-415-555-0132", 1, {{0, 15, PHONE, false}}},
        {"tel 4155550132", 1, {{4, 14, PHONE, true}}},
        {"tel 0049307942555", 1, {{4, 17, PHONE, true}}},
        /* a country named before a national number; a CSV field */
        {"Tel UK 020 7946 0958", 1, {{7, 20, PHONE, false}}},
        {"1,0170 7654321", 1, {{2, 14, PHONE, false}}},
        {"Jo,0170 7654321,2020-01-04", 1, {{3, 15, PHONE, false}}}, /* CSV fields */
        /* padded and slashed groups, in a printed layout only */
        {"card 4111 - 1111 - 1111 - 1111 ok", 1, {{5, 30, CC, false}}},
        {"card 4111  1111  1111  1111 ok", 1, {{5, 27, CC, false}}},
        {"card 4111/1111/1111/1111 ok", 1, {{5, 24, CC, false}}},
        {"ssn 078.05.1123 and 078 - 05 - 1123", 2, {{4, 15, SSN, false}, {20, 35, SSN, false}}},
        /* an expiry date glued to a printed card */
        {"4111111111111111/12/27 CVV", 1, {{0, 16, CC, false}}},
        {"card 4111 1111 1111 1111/1227", 1, {{5, 24, CC, false}}},
        {"4111-1111-1111-1111/09/2031.", 1, {{0, 19, CC, false}}},
        /* spaces encoded in a URL, in a printed layout */
        {"card=4111%201111%201111%201111&exp", 1, {{5, 30, CC, false}}},
        {"pan=4111+1111+1111+1111", 1, {{4, 23, CC, false}}},
        /* padded groups wrapped at one of their gaps */
        {"card 4111  1111  1111 \n1111 ok", 1, {{5, 27, CC, false}}},
        {"card 4111\n1111  1111  1111", 1, {{5, 26, CC, false}}},
        {"IBAN DE89  3704  0044 \n0532  0130  00", 1, {{5, 37, IBAN, false}}},
        /* a card word glued to a strong card */
        {"VISA4111111111111111", 1, {{4, 20, CC, false}}},
        {"MC5105105105105100 ok", 1, {{2, 18, CC, false}}},
        /* a group cut by a hard line break */
        {"card 4111 1111 11\n11 1111 ok", 1, {{5, 25, CC, false}}},
        {"> card 4111-1111-1111-11\n> 11 ok", 1, {{7, 29, CC, false}}},
        /* ... but compact runs on two lines are two numbers (weak phones) */
        {"41111111\n11111111", 2, {{0, 8, PHONE, true}, {9, 17, PHONE, true}}},
        /* NINOs with no-break spaces, dashes, or in threes */
        {"NI: JG\xc2\xa0"
         "10\xc2\xa0"
         "36\xc2\xa0"
         "37\xc2\xa0"
         "A",
         1,
         {{4, 21, NINO, false}}},
        {"NI: JG-10-36-37-A", 1, {{4, 17, NINO, false}}},
        {"NINO JG 103 637 A", 1, {{5, 17, NINO, false}}},
    };
    run_cases(cases, N_CASES(cases));
}

/* IBANs as people type them: a space between country code and check digits,
 * groups of any size split by one space or dash. The digits inside are never
 * reported as a card or phone number. */
static void
test_iban_typed(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"BE 03 7310 1866 4084", 1, {{0, 20, IBAN, false}}},
        {"NO 0571 3905 25162", 1, {{0, 18, IBAN, false}}},   /* was PHONE [3, 18) */
        {"BE 48 6792 0055 0227", 1, {{0, 20, IBAN, false}}}, /* was CREDIT_CARD [6, 20) */
        {"BE 17630067314221", 1, {{0, 17, IBAN, false}}},
        {"pay BE59 65283724 9926.", 1, {{4, 22, IBAN, false}}},
        {"ES77 1234-1234-16 1234567890", 1, {{0, 28, IBAN, false}}},
        {"IBAN BE 55 552-3281700-44, thanks", 1, {{5, 25, IBAN, false}}},
        {"MU17 BOMM0101101030300200000MUR", 1, {{0, 31, IBAN, false}}},
        {"NO38 8200 06 10190", 1, {{0, 18, IBAN, false}}},
        {"KZ 86125KZT5004100100", 1, {{0, 21, IBAN, false}}},
        {"NO 05 15030383041 12 items", 1, {{0, 17, IBAN, false}}},
        {"BE 03 7310 1866 4084 NO 0571 3905 25162",
         2,
         {{0, 20, IBAN, false}, {21, 39, IBAN, false}}},
        /* the paper form with dots or padding, one kind throughout */
        {"IBAN DE89.3704.0044.0532.0130.00.", 1, {{5, 32, IBAN, false}}},
        {"IBAN DE89  3704  0044  0532  0130  00", 1, {{5, 37, IBAN, false}}},
        {"DE89 - 3704 - 0044 - 0532 - 0130 - 00", 1, {{0, 37, IBAN, false}}},
        /* 33 characters, 42 bytes: the longest IBAN fits the window. */
        {"RU 03 0445 2522 5408 1781 0538 0913 1041 9", 1, {{0, 42, IBAN, false}}},
        /* in a URL's query, spaces encoded */
        {"?IBAN=DE89%203704%200044%200532%200130%2000&x", 1, {{6, 43, IBAN, false}}},
        {"iban=DE89+3704+0044+0532+0130+00", 1, {{5, 32, IBAN, false}}},
        /* letters in any case, as people type them; mod-97 decides */
        {"LV80 bANK 0000 4351 9500 1", 1, {{0, 26, IBAN, false}}},
        {"My IBAN is GB82 west 1234 5698 7654 32 thanks", 1, {{11, 38, IBAN, false}}},
        {"Iban: Gb82 West 1234 5698 7654 32", 1, {{6, 33, IBAN, false}}},
        {"Iban: De89 3704 0044 0532 0130 00", 1, {{6, 33, IBAN, false}}},
        {"iban: GB82west12345698765432", 1, {{6, 28, IBAN, false}}},
        /* the word glued before it, spacing lost ("IBANDE89...") */
        {"IBANDE89370400440532013000", 1, {{4, 26, IBAN, false}}},
        {"ibande89370400440532013000.", 1, {{4, 26, IBAN, false}}},
    };
    run_cases(cases, N_CASES(cases));
}

static void
test_iban_typed_not_found(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"GB 12 apples", 0, {{0}}},         /* no BBAN */
        {"AB 1234 5678", 0, {{0}}},         /* no country AB; a code, as "FR 06 392 176 624" */
        {"BE 03 7310 1866 4085", 0, {{0}}}, /* mod-97 off by one */
        {"BE 03 7310 1866 408", 0, {{0}}},  /* BE is 16 */
        {"Be 03 7310 1866 4084", 0, {{0}}}, /* mixed case apart: a word and a number */
        {"Gb 82 WEST 1234 5698 7654 32", 0, {{0}}}, /* ... whatever follows */
        {"xIBANDE89370400440532013000", 0, {{0}}},  /* "IBAN" inside a longer word */
        {"IBANDE 89370400440532013000", 0, {{0}}},  /* glued word, then a space */
        {"XBE 03 7310 1866 4084", 0, {{0}}},        /* country glued to a word */
        {"BE 03 7310 1866 4084x", 0, {{0}}},        /* ends inside a token */
        {"BE  03 7310 1866 4084", 0, {{0}}},        /* doubled space */
        /* doubled space: no IBAN, the rest reads as a (weak) phone number */
        {"BE 03  7310 1866 4084", 1, {{7, 21, PHONE, true}}},
        {"BE 03 7310--1866 4084", 1, {{12, 21, PHONE, true}}}, /* doubled dash: no IBAN */
        {"BE-03 7310 1866 4084", 0, {{0}}},                    /* dash after the country */
        {"BE 43.4679.1170.4101", 0, {{0}}},        /* dots only in the paper form "BE43.4679..." */
        {"DE893704.0044.0532.0130.00", 0, {{0}}},  /* ... of groups of four */
        {"DE89.3704.0044 0532 0130 00", 0, {{0}}}, /* ... one separator throughout */
        {"DE89.3704.0044.0532.013000", 0, {{0}}},  /* ... the last of four or fewer */
        {"BE 0 37310 1866 4084", 0, {{0}}},        /* split check digits */
        {"Meeting ON 12 MAY 2024 AT 10 AM", 0, {{0}}}, /* capitals and numbers */
        {"RU 03 0 4 4 5 2 5 2 2 5 4 0 8 1 7 8 1 0 5 3 8 0 9 1 3 1 0 4 1 9", 0, {{0}}}, /* > 48 */
    };
    run_cases(cases, N_CASES(cases));
}

static void
test_not_found(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"4111111111111112", 0, {{0}}},                    /* Luhn off by one */
        {"4012-8888-8888-1882", 0, {{0}}},                 /* Luhn */
        {"2220175103860763", 0, {{0}}},                    /* no issuer */
        {"order12345678901234", 0, {{0}}},                 /* digits glued to a word */
        {"x4111111111111111y", 0, {{0}}},                  /* inside a token */
        {"0004930794255", 0, {{0}}},                       /* 000: no country code */
        {"004930794255512345", 0, {{0}}},                  /* past E.164's 15 */
        {"4111111111111111abc", 0, {{0}}},                 /* ends inside a token */
        {"ref 4111-1111-1111-1111-2222", 0, {{0}}},        /* part of a longer number */
        {"on 2024-01-15 at 10:30:00", 0, {{0}}},           /* date and time */
        {"ISBN 978-3-16-148410-0", 0, {{0}}},              /* ISBN-13 */
        {"ISBN 0-306-40615-2", 0, {{0}}},                  /* ISBN-10 */
        {"ts=1700000000000", 0, {{0}}},                    /* glued to '=' word */
        {"at 1700000000000 ms", 0, {{0}}},                 /* ms timestamp */
        {"at 1700000000 s", 0, {{0}}},                     /* s timestamp */
        {"build 10.0.19041.1234", 0, {{0}}},               /* version */
        {"000-12-3456 666-12-3456 912-12-3456", 0, {{0}}}, /* SSN reserved areas */
        {"078-05-0000 078-00-1123", 0, {{0}}},             /* SSN zero serial/group */
        {"693-09.4444", 0, {{0}}},                         /* mixed separators */
        {"nino: nt 99 88 77 a", 0, {{0}}},                 /* NT prefix */
        {"AB 12 34 56 1", 0, {{0}}},                       /* digit suffix */
        {"FQ 00 00 00 C", 0, {{0}}},                       /* F/Q prefix */
        {"xAA123456A", 0, {{0}}},                          /* NINO glued to a word */
        {"DE8937040044053201300", 0, {{0}}},               /* IBAN one short */
        {"DE89370400440532013001", 0, {{0}}},              /* IBAN mod-97 */
        {"XDE89370400440532013000", 0, {{0}}},             /* IBAN inside a token */
        {"price 12.50 qty 3 total 37.50", 0, {{0}}},       /* prices */
        {"192.168.100.200", 0, {{0}}},                     /* IP address */
        {"0170 7654321,50 EUR", 0, {{0}}},                 /* an amount */
        {"4111    1111    1111    1111", 0, {{0}}},        /* four spaces: columns */
        {"41111 - 1111 - 1111 - 111", 0, {{0}}},           /* padded, not printed */
        {"078.051123 07805.1123", 0, {{0}}},               /* dotted SSN, not AAA.GG.SSSS */
        {"078 - 05 - 1123 - 4567", 0, {{0}}},              /* a longer padded number */
        {"4111111111111111/13/27", 0, {{0}}},              /* no month 13 */
        {"4111111111111111/12/27/5", 0, {{0}}},            /* a longer slashed number */
        {"401288888881881/1227", 0, {{0}}},                /* 15 digits: Luhn fails */
        {"+++090/9337/55493+++", 0, {{0}}},                /* Belgian payment reference */
        {"UPS 1Z 9F1 22E 03 4472 1198", 0, {{0}}},         /* UPS tracking number */
        {"q=4111+1111+11111+1111", 0, {{0}}},              /* URL-encoded, not printed */
        {"VISA4111111111111112 Visa4111-1111-11111-111", 0, {{0}}}, /* not a strong card */
        {"q=4111%201111%201111%201112", 0, {{0}}},                  /* URL-encoded, Luhn fails */
        {"JG 103 63 7A", 0, {{0}}},                                 /* NINO groups mixed */
        {"JG-10 36-37 X", 0, {{0}}},                                /* no suffix X */
        {"", 0, {{0}}},
    };
    run_cases(cases, N_CASES(cases));
}

/* Groups after the first keep 3-6 digits, the last one too: a trailing group
 * of 1-2 digits is the next word, so the card ends before it or not at all. */
static void
test_card_last_group(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        /* 4-4-4-4-1: its 16-digit reading fails Luhn, and a shorter prefix
         * ("6011 4539 5492", a 12-digit Maestro by Luhn) counts only when it
         * is a printed card by itself: 12 digits are not. */
        {"6011 4539 5492 5515 0", 0, {{0}}},
        {"4111 1111 1111 1111 22", 1, {{0, 19, CC, false}}},
        {"visa 4111 1111 1111 1111 110 ok", 1, {{5, 28, CC, false}}}, /* 4-4-4-4-3 */
        {"3714 496353 98431 7", 1, {{0, 17, CC, false}}},
        /* 4-4-4-4-2 is how an 18-digit Maestro or UnionPay card is printed */
        {"6571 3465 5302 9270 71", 1, {{0, 22, CC, false}}},
        {"6571-3465-5302-9270-71", 1, {{0, 22, CC, false}}},
        /* negative: dots only for a printed card */
        {"6571.3465.5302.9270.71", 0, {{0}}},
        {"discard  preference  6225 1660 8306 0198 2: please", 0, {{0}}},
        {"credit: 486753-689547-5", 0, {{0}}},
        {"647791-172012-32382-8", 0, {{0}}},
        {"4111-1111-1111-1111-2", 0, {{0}}},      /* "-2" continues the number */
        {"pay 6011-4539-5492-5515-0.", 0, {{0}}}, /* so does "-5515" after 12 */
    };
    run_cases(cases, N_CASES(cases));
}

/* A weak phone reading (space-separated groups, needs a keyword) must not
 * hide a strong card or SSN that starts inside it. */
static void
test_weak_phone_shadow(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"SSN: 2 123 45 6789", 1, {{7, 18, SSN, false}}},
        {"card: 7 4111 1111 1111 1111", 1, {{8, 27, CC, false}}},
        {"call 9 105 30 0430 now", 1, {{7, 18, SSN, false}}},
        {"07 5018 0000 0009 x", 1, {{3, 17, CC, true}}}, /* 12 digits: weak */
        {"2 123-45-6789", 1, {{2, 13, SSN, false}}},
        {"a 2 123 45 6789 b 4111111111111111", 2, {{4, 15, SSN, false}, {18, 34, CC, false}}},
        /* no weak phone reading hides these any more */
        {"tel 1 415 555 0132", 1, {{4, 18, PHONE, false}}}, /* NANP with its 1 */
        {"tel 2 415 555 0132", 0, {{0}}},                   /* no country code 2 */
        {"7 5018 0000 0008", 0, {{0}}},                     /* Luhn off by one */
        {"2 12345 6789", 1, {{2, 12, SSN, true}}},          /* weak SSN */
        {"2 000 45 6789", 0, {{0}}},                        /* SSN area 000 */
        {"2 123 45 678", 0, {{0}}},
    };
    run_cases(cases, N_CASES(cases));
    /* With phones off the SSN is found directly. */
    static const struct span_case ssn_only = {"SSN: 2 123 45 6789", 1, {{7, 18, SSN, false}}};
    check_case(&ssn_only, SCAN_MASK(SCAN_T_US_SSN));
    /* With SSNs off there is nothing: "2 123 45 6789" is no phone number. */
    static const struct span_case phone_only = {"SSN: 2 123 45 6789", 0, {{0}}};
    check_case(&phone_only, SCAN_MASK(SCAN_T_PHONE));
}

/* AAAGG-SSSS (only the second separator) after a state code is exactly a
 * ZIP+4 code: weak, it needs an SSN keyword. Without one, and AAA-GGSSSS
 * (only the first), it stays a medium form. */
static void
test_ssn_zip4(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        {"Springfield, IL 62704-1234", 1, {{16, 26, SSN, true}}},
        {"IL 62704 1234", 1, {{3, 13, SSN, true}}},
        {"Albany, NY\n> 47295-5899", 1, {{13, 23, SSN, true}}}, /* the state on the line before */
        {"NY\n\n47295-5899", 1, {{4, 14, SSN, false}}},         /* ... not a paragraph before */
        {"ssn 07805-1121.", 1, {{4, 14, SSN, false}}},          /* no state code: medium */
        {"ssn 078-051121.", 1, {{4, 14, SSN, false}}},
        {"ssn 078-05-1121.", 1, {{4, 15, SSN, false}}},
        /* negative */
        {"IL 62704-12345", 0, {{0}}},  /* 5-5 */
        {"IL 627041-1234", 0, {{0}}},  /* 6-4 */
        {"IL 90210-1234", 0, {{0}}},   /* area 9xx */
        {"IL 62700-1234", 0, {{0}}},   /* group 00 */
        {"IL 62704-1234-5", 0, {{0}}}, /* part of a longer number */
    };
    run_cases(cases, N_CASES(cases));
}

/* The strength-first model: forms that used to hide or swallow each other. */
/* A 14-digit card whose first nine digits pass Luhn is a SIRET's shape; only
 * its own label makes it medium. After any other word it stays strong. */
static void
test_siret_label(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool strong;
    } cases[] = {
        {"SIRET 67867308809823", false},
        {"Siret : 50815140405168", false},
        {"Order 30958193203646", true},
        {"ref 5058 073052 1572", true},
        {"siret\xc2\xa0"
         "67867308809823",
         false},
        {"xsiret 67867308809823", true},
    };
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct scan_cand out[8];
        bool overflow = false;
        const char *t = cases[i].text;
        size_t n =
            scan_digits_find(out, 8, &overflow, (const uint8_t *)t, strlen(t), SCAN_MASK_DIGIT_LED);
        bool found = false;
        for (size_t k = 0; k < n; k++) {
            if (out[k].type == CC && (out[k].flags & SCAN_CAND_ALT) == 0) {
                found = true;
                if (((out[k].flags & SCAN_CAND_STRONG) != 0) != cases[i].strong) {
                    fail_msg("\"%s\": strong %d, want %d", t,
                             (out[k].flags & SCAN_CAND_STRONG) != 0, cases[i].strong);
                }
            }
        }
        if (!found) {
            fail_msg("\"%s\": no card", t);
        }
    }
}

/* Cards as people type them outside the printed layouts, and cards with a
 * word glued on: found, as medium forms (neither strong nor weak). */
static void
test_typed_cards(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t start;
        uint32_t end;
        bool strong;
    } cases[] = {
        {"card 4945 8073 0215 5 ok", 5, 21, false},       /* 13 digits, 4-4-4-1 */
        {"card 3056-9309-0259-04 ok", 5, 22, false},      /* 14 digits, 4-4-4-2 */
        {"Card: 437279 0028034766596", 6, 26, false},     /* 19 digits, 6-13 */
        {"card 4546 7625 82117055 ok", 5, 23, false},     /* 4-4-8 */
        {"card 454676 2582117055 ok", 5, 22, false},      /* 6-10 */
        {"card 4546_7625_8211_7055 ok", 5, 24, true},     /* underscores, printed */
        {"receipt_4546_7625_8211_7055.pdf", 8, 27, true}, /* ... in a file name */
        {"Karte4546762582117055 ok", 5, 21, false},       /* a word glued before */
        {"CCN4546762582117055", 3, 19, false},            /* ... any word */
        {"tarjeta4546762582117055.", 7, 23, false},       /* ... in any language */
        {"4546762582117055exp1227", 0, 16, false},        /* a word glued after */
        {"4546762582117055CVV 123", 0, 16, false},        /* ... a non-hex letter */
        {"pay 4546762582117055EUR", 4, 20, false},        /* ... a currency code */
        {"VISA4546762582117055", 4, 20, true},            /* a card word: strong */
        /* after a space encoded in a URL: a mailto link's subject or body */
        {"subject=card%204546%207625%208211%207055", 15, 40, true},
        {"body=is%204546762582117055%20ok", 10, 26, true},
        /* typographic spaces: U+2002 en, U+2003 em, U+200A hair */
        {"card 4546\xe2\x80\x82"
         "7625\xe2\x80\x82"
         "8211\xe2\x80\x82"
         "7055 ok",
         5, 30, true},
        {"card 4546\xe2\x80\x83"
         "7625\xe2\x80\x8a"
         "8211\xe2\x80\x83"
         "7055 ok",
         5, 30, true},
        /* spaced out a digit or two at a time, one separator */
        {"card 4 5 4 6 7 6 2 5 8 2 1 1 7 0 5 5 ok", 5, 36, false},
        {"4-5-4-6-7-6-2-5-8-2-1-1-7-0-5-5", 0, 31, false},
        {"pan: 45 46 76 25 82 11 70 55.", 5, 28, false},
        {"amex 3 7 8 2 8 2 2 4 6 3 1 0 0 0 5", 5, 34, false}, /* 15 digits */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scan_cand out[16];
        bool overflow = true;
        size_t n = scan_digits_find(out, 16, &overflow, (const uint8_t *)cases[i].text,
                                    strlen(cases[i].text), SCAN_MASK(SCAN_T_CREDIT_CARD));
        if (n != 1 || out[0].start != cases[i].start || out[0].end != cases[i].end) {
            fprintf(stderr, "text \"%s\": %zu candidates, first [%u,%u)\n", cases[i].text, n,
                    n > 0 ? out[0].start : 0, n > 0 ? out[0].end : 0);
        }
        assert_int_equal(n, 1);
        assert_int_equal(out[0].start, cases[i].start);
        assert_int_equal(out[0].end, cases[i].end);
        assert_int_equal(out[0].type, SCAN_T_CREDIT_CARD);
        assert_int_equal((out[0].flags & SCAN_CAND_STRONG) != 0, cases[i].strong);
        assert_int_equal((out[0].flags & SCAN_CAND_WEAK) != 0, false);
    }
    /* an SSN word glued before a strong SSN (a form dump) */
    static const struct span_case ssn[] = {
        {"SSN536-22-8471", 1, {{3, 14, SSN, false}}},
        {"tin536-22-8471.", 1, {{3, 14, SSN, false}}},
        {"SSN536 22 8471", 0, {{0}}},  /* only the strong form */
        {"SSN536228471", 0, {{0}}},    /* ... not the bare one */
        {"xSSN536-22-8471", 0, {{0}}}, /* the whole word */
        {"ABC536-22-8471", 0, {{0}}},  /* an SSN word */
    };
    run_cases(ssn, N_CASES(ssn));
    static const struct span_case none[] = {
        {"commit ab4546762582117055cd", 0, {{0}}},   /* hexadecimal around it */
        {"sha 4546762582117055abcdef", 0, {{0}}},    /* ... after it */
        {"id=deadbeef4546762582117055", 0, {{0}}},   /* ... before it */
        {"nr4546762582117055", 0, {{0}}},            /* two letters: a code */
        {"Karte4546 7625 8211 7055", 0, {{0}}},      /* a glued word: compact only */
        {"card 6212 6464 8242 2628 3 ok", 0, {{0}}}, /* 4-4-4-4-1: the next number */
        {"card 4546 7625 8211 7056 1 ok", 0, {{0}}}, /* 4-4-4-4-1, Luhn fails */
        {"IMG_2023_0815_1234_5678.jpg", 0, {{0}}},   /* a file name */
        {"4546762582117056exp1227", 0, {{0}}},       /* Luhn fails */
        /* spaced digits that are no card */
        {"4 5 4 6 7 6 2 5 8 2 1 1 7 0 5 6", 0, {{0}}},   /* Luhn fails */
        {"4 5 4 6 7 6 2 5 8 2 1 1 7 0 5 5 1", 0, {{0}}}, /* 17 digits: Luhn */
        {"1 2 3 4 5 6 7 8 9 10 11 12 13 14", 0, {{0}}},  /* counting */
        {"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 0, {{0}}},   /* no issuer */
        {"45 46 76 25 82 11 70 55 12 34", 0, {{0}}},     /* 20 digits */
        {"4 5 4 6 7 6 2 5 8 2 1 1 7 0 5 5-3", 0, {{0}}}, /* a longer number */
        {"x4 5 4 6 7 6 2 5 8 2 1 1 7 0 5 5", 0, {{0}}},  /* glued to a word */
        {"4 5 4.6 7 6 2 5 8 2 1 1 7 0 5 5", 0, {{0}}},   /* mixed separators */
    };
    run_cases(none, N_CASES(none));
}

static void
test_strength_model(void **state)
{
    (void)state;
    static const struct span_case cases[] = {
        /* a card followed by its CVV or a house number */
        {"card 4111 1111 1111 1111 123 thanks", 1, {{5, 24, CC, false}}},
        {"Card: 4111 1111 1111 1111\n123 Main Street", 1, {{6, 25, CC, false}}},
        /* wrapped and quoted groups, no-break spaces */
        {"card 4111 1111\n> 1111 1111 ok", 1, {{5, 26, CC, false}}},
        {"card 4111\xc2\xa0"
         "1111\xc2\xa0"
         "1111\xc2\xa0"
         "1111 ok",
         1,
         {{5, 27, CC, false}}},
        {"SSN 123\xc2\xa0"
         "45\xc2\xa0"
         "6789 ok",
         1,
         {{4, 17, SSN, false}}},
        /* the dashes word processors and PDFs print: U+2013 en dash, U+2011
         * no-break hyphen, U+2212 minus; no SSN is read out of a longer
         * number joined by one */
        {"card 4111\xe2\x80\x93"
         "1111\xe2\x80\x93"
         "1111\xe2\x80\x93"
         "1111 ok",
         1,
         {{5, 30, CC, false}}},
        {"card 4111\xe2\x80\x94"
         "1111\xe2\x80\x94"
         "1111\xe2\x80\x94"
         "1111 ok", /* U+2014 em dash */
         1,
         {{5, 30, CC, false}}},
        {"SSN 123\xe2\x80\x91"
         "45\xe2\x80\x91"
         "6789 ok",
         1,
         {{4, 19, SSN, false}}},
        {"IBAN GB82\xe2\x88\x92"
         "WEST\xe2\x88\x92"
         "1234\xe2\x88\x92"
         "5698\xe2\x88\x92"
         "7654\xe2\x88\x92"
         "32 ok",
         1,
         {{5, 42, IBAN, false}}},
        {"ref 12\xe2\x80\x93"
         "123\xe2\x80\x93"
         "45\xe2\x80\x93"
         "6789",
         1,
         {{4, 24, PHONE, true}}}, /* as "12-123-45-6789": no SSN inside */
        {"ref 12-123-45-6789", 1, {{4, 18, PHONE, true}}},
        {"IBAN DE89 3704 0044\n0532 0130 00 ok", 1, {{5, 32, IBAN, false}}},
        {"iban de89 3704 0044 0532 0130 00 ok", 1, {{5, 32, IBAN, false}}},
        /* not out of the middle of a grouped code; a count before is fine */
        {"DE17 5019 0768 4807 9271 57", 0, {{0}}},
        {"9475 2663 2526 2120 2077 67", 0, {{0}}},
        {"room 204 4111 1111 1111 1111", 1, {{9, 28, CC, false}}},
        /* a phone number reads up to a card, not into it */
        {"Call +1 212 555 0132 4111 1111 1111 1111",
         2,
         {{5, 20, PHONE, false}, {21, 40, CC, false}}},
        /* a line ending in a number, the next beginning with one */
        {"Tel 030 12345678\n12 Main Street", 1, {{4, 16, PHONE, false}}},
        {"+44 20 7946 0958\n12 Main Street", 1, {{0, 16, PHONE, false}}},
        {"+34 622 42 99\n86 ok", 1, {{0, 16, PHONE, false}}},
        {"tel (415) 555\n> 0132", 1, {{4, 20, PHONE, false}}},
        {"0049 (0)30 1234 5678", 1, {{0, 20, PHONE, false}}},
        /* not phones */
        {"+71832411249135952", 0, {{0}}},
        {"tel +35183250.22", 0, {{0}}},
        {"cardinal 0 164 444070", 1, {{11, 21, SSN, true}}},    /* no trunk-0 phone */
        {"call 12\n30 56 62 29 54", 1, {{8, 22, PHONE, true}}}, /* not joined to the 12 */
        {"2024-05-17 and 12.05.2024", 0, {{0}}},
    };
    run_cases(cases, N_CASES(cases));
}

/* A candidate that context may drop carries the other reading of its digits. */
static void
test_alternatives(void **state)
{
    (void)state;
    const char *t = "Fax: 5018 0000 0009";
    struct scan_cand out[4];
    bool overflow = true;
    size_t n =
        scan_digits_find(out, 4, &overflow, (const uint8_t *)t, strlen(t), SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].type, SCAN_T_CREDIT_CARD); /* 12 digits: weak */
    assert_true(out[0].flags & SCAN_CAND_WEAK);
    assert_int_equal(out[1].type, SCAN_T_PHONE);
    assert_true(out[1].flags & SCAN_CAND_ALT);
    assert_int_equal(out[1].start, 5);
    /* An SSN inside a phone reading that is no phone number. */
    t = "14 19465 1832 tin";
    n = scan_digits_find(out, 4, &overflow, (const uint8_t *)t, strlen(t), SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].type, SCAN_T_PHONE);
    assert_int_equal(out[1].type, SCAN_T_US_SSN);
    assert_true(out[1].flags & SCAN_CAND_ALT);
    assert_int_equal(out[1].start, 3);
    /* A strong reading has none. */
    t = "4111 1111 1111 1111";
    n = scan_digits_find(out, 4, &overflow, (const uint8_t *)t, strlen(t), SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 1);
    /* No room for the alternative: the overflow is reported, not half a pair. */
    t = "Fax: 5018 0000 0009";
    n = scan_digits_find(out, 1, &overflow, (const uint8_t *)t, strlen(t), SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 0);
    assert_true(overflow);
}

static void
test_enabled_mask(void **state)
{
    (void)state;
    static const struct span_case only_ssn = {
        "4111111111111111 078-05-1123", 1, {{17, 28, SSN, false}}};
    check_case(&only_ssn, SCAN_MASK(SCAN_T_US_SSN));
    static const struct span_case none = {"4111111111111111 078-05-1123", 0, {{0}}};
    check_case(&none, SCAN_MASK(SCAN_T_EMAIL));
}

static void
test_overflow(void **state)
{
    (void)state;
    const char *text = "4111111111111111 4012888888881881 5555555555554444";
    struct scan_cand out[2];
    bool overflow = false;
    size_t n = scan_digits_find(out, 2, &overflow, (const uint8_t *)text, strlen(text),
                                SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 2);
    assert_true(overflow);
    assert_int_equal(out[1].start, 17);
    /* NULL output with no capacity: only the overflow flag. */
    n = scan_digits_find(NULL, 0, &overflow, (const uint8_t *)text, strlen(text),
                         SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 0);
    assert_true(overflow);
    n = scan_digits_find(out, 2, NULL, NULL, 10, SCAN_MASK_DIGIT_LED);
    assert_int_equal(n, 0);
}

/* A long buffer exercises the 64-byte SIMD blocks and runs that straddle them. */
static void
test_block_edges(void **state)
{
    (void)state;
    char text[300];
    for (size_t at = 40; at < 140; at++) {
        memset(text, 'a', sizeof(text));
        for (size_t i = 0; i < sizeof(text); i += 7) {
            text[i] = ' ';
        }
        memcpy(text + at, " 4111111111111111 ", 18);
        text[sizeof(text) - 1] = '\0';
        struct scan_cand out[4];
        bool overflow;
        size_t n = scan_digits_find(out, 4, &overflow, (const uint8_t *)text, strlen(text),
                                    SCAN_MASK_DIGIT_LED);
        assert_int_equal(n, 1);
        assert_int_equal(out[0].start, at + 1);
        assert_int_equal(out[0].end, at + 17);
    }
}

static void
test_email_span(void **state)
{
    (void)state;
    const char *t = "try one of these emails: info@presidio.site or anotherinfo@presidio.site.";
    uint32_t s = 0;
    uint32_t e = 0;
    const char *at = strchr(t, '@');
    assert_true(scan_email_span(&s, &e, (const uint8_t *)t, strlen(t), (size_t)(at - t)));
    assert_int_equal(s, 25);
    assert_int_equal(e, 43);
    at = strchr(at + 1, '@');
    assert_true(scan_email_span(&s, &e, (const uint8_t *)t, strlen(t), (size_t)(at - t)));
    assert_int_equal(s, 47);
    assert_int_equal(e, 72); /* the full stop is not part of the address */

    const char *q = "mail 'bob@example.org' now";
    assert_true(scan_email_span(&s, &e, (const uint8_t *)q, strlen(q), 9));
    assert_int_equal(s, 6);
    assert_int_equal(e, 21);
    /* negative */
    const char *n1 = "my email is info@presidio.";
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n1, strlen(n1), 16));
    const char *n2 = "@example.com";
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n2, strlen(n2), 0));
    const char *n3 = "a..b@example.com";
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n3, strlen(n3), 4));
    const char *n4 = "foo@bar";
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n4, strlen(n4), 3));
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n4, strlen(n4), 2)); /* not '@' */
    assert_false(scan_email_span(&s, &e, (const uint8_t *)n4, strlen(n4), 99));
}

struct email_case {
    const char *text;
    bool found;
    uint32_t start;
    uint32_t end;
};

/* Addresses with UTF-8 (RFC 6531) in the local part or the domain. Offsets
 * are bytes: "端" is 3 bytes, "ü" and "ß" 2. */
static void
test_email_utf8(void **state)
{
    (void)state;
    static const struct email_case cases[] = {
        /* a local part is in one script: Chinese and Japanese text runs into
         * an address without a space */
        {"hans.m\u7aefller@test.com", true, 9, 22},
        {"\u7528\u6237@\u4f8b\u5b50.\u4e2d\u56fd", true, 0, 20}, /* all Han */
        {"\u738b.\u4f1f@example.cn", true, 0, 18},
        {"info@b\u00fccher.de", true, 0, 15},
        {"test|123@m\u7aefller.com", true, 0, 21},
        {"Kontakt: j\u00fcrgen.gro\u00df@example.de.", true, 9, 33},
        {"\u201cj\u00fcrgen@b\u00fccher.de\u201d", true, 3, 21}, /* curly quotes */
        {"bob@example.org\u00a0next", true, 0, 15},              /* no-break space */
        {"bob@example.org\u3002", true, 0, 15},                  /* ideographic full stop */
        {"mail bob@example.com\u83b7\u53d6", true, 5, 20},       /* CJK after an ASCII TLD */
        {"a@\u4f8b\u3048.\u30c6\u30b9\u30c8", true, 0, 18},      /* U-label TLD */
        {"\u8bf7bob@example.com", true, 3, 18},
        {"\u8bf7\u81f4\u7535+86-13821853411\u6216\u53d1\u90ae\u4ef6\u81f3na.li@gongsi.cn", true, 39,
         54},
        /* negative or cut short */
        {"m\xfcller@test.com", true, 2, 15}, /* Latin-1, not UTF-8: stops there */
        {"x\xc0\xbc"
         "bob@test.com",
         true, 3, 15}, /* overlong encoding */
        {"\xed\xa0\x80"
         "bob@test.com",
         true, 3, 15},                          /* surrogate */
        {"bob@b\u00fccher.d\xc3", false, 0, 0}, /* truncated sequence, 1-letter TLD */
        {"bob@exa\u2122ple.com", false, 0, 0},  /* symbol inside the domain */
        {"\u00fc@", false, 0, 0},
        {"hans.m\u7aefller@test", false, 0, 0},
    };
    for (size_t i = 0; i < N_CASES(cases); i++) {
        const char *t = cases[i].text;
        const char *at = strchr(t, '@');
        uint32_t s = 0;
        uint32_t e = 0;
        bool got = scan_email_span(&s, &e, (const uint8_t *)t, strlen(t), (size_t)(at - t));
        if (got != cases[i].found || (got && (s != cases[i].start || e != cases[i].end))) {
            fprintf(stderr, "text \"%s\": got %d [%u,%u)\n", t, got, s, e);
        }
        assert_int_equal(got, cases[i].found);
        if (got) {
            assert_int_equal(s, cases[i].start);
            assert_int_equal(e, cases[i].end);
        }
    }
}

/* RFC 5321 4.5.3.1.1 counts octets: 32 two-byte characters fit, 33 do not,
 * nor does a two-byte character that would cross the 64-octet mark. */
static void
test_email_utf8_limits(void **state)
{
    (void)state;
    char t[128];
    uint32_t s = 0;
    uint32_t e = 0;
    size_t n = 0;
    for (size_t i = 0; i < 32; i++) {
        memcpy(t + n, "\u00fc", 2);
        n += 2;
    }
    memcpy(t + n, "@x.de", 6);
    assert_true(scan_email_span(&s, &e, (const uint8_t *)t, n + 5, n));
    assert_int_equal(s, 0);
    assert_int_equal(e, 69);
    memmove(t + 2, t, n + 6);
    memcpy(t, "\u00fc", 2);
    n += 2;
    assert_false(scan_email_span(&s, &e, (const uint8_t *)t, n + 5, n));
    /* One 2-byte character and 62 letters are 64 octets; with 63 letters the
     * character crosses the 64-octet mark. */
    memcpy(t, "\u00fc", 2);
    memset(t + 2, 'a', 62);
    memcpy(t + 64, "@x.de", 6);
    assert_true(scan_email_span(&s, &e, (const uint8_t *)t, 69, 64));
    assert_int_equal(s, 0);
    assert_int_equal(e, 69);
    memset(t + 2, 'a', 63);
    memcpy(t + 65, "@x.de", 6);
    assert_false(scan_email_span(&s, &e, (const uint8_t *)t, 70, 65));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found),           cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_enabled_mask),    cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_block_edges),     cmocka_unit_test(test_email_span),
        cmocka_unit_test(test_iban_typed),      cmocka_unit_test(test_iban_typed_not_found),
        cmocka_unit_test(test_email_utf8),      cmocka_unit_test(test_email_utf8_limits),
        cmocka_unit_test(test_card_last_group), cmocka_unit_test(test_weak_phone_shadow),
        cmocka_unit_test(test_ssn_zip4),        cmocka_unit_test(test_strength_model),
        cmocka_unit_test(test_typed_cards),     cmocka_unit_test(test_alternatives),
        cmocka_unit_test(test_siret_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

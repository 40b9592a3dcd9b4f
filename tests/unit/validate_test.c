/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan_validate.c and scan_types.c: each validator on valid
 * forms and on near misses (one digit off, wrong issuer, reserved ranges,
 * bad separators, wrong lengths). Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scan_types.h"
#include "scan_validate.h"

#define V(fn, str) fn((const uint8_t *)(str), strlen(str))

static void
test_luhn(void **state)
{
    (void)state;
    assert_true(V(scan_validate_luhn, "79927398713"));
    assert_true(V(scan_validate_luhn, "4111 1111 1111 1111"));
    assert_true(V(scan_validate_luhn, "4111-1111-1111-1111"));
    /* negative */
    assert_false(V(scan_validate_luhn, "79927398710"));
    assert_false(V(scan_validate_luhn, "4111111111111112"));
    assert_false(V(scan_validate_luhn, "0"));
    assert_false(V(scan_validate_luhn, ""));
    assert_false(V(scan_validate_luhn, "4111.1111.1111.1111"));
    assert_false(V(scan_validate_luhn, "x79927398713"));
    assert_false(scan_validate_luhn(NULL, 4));
}

static void
test_card_valid(void **state)
{
    (void)state;
    assert_true(V(scan_validate_card, "4111111111111111"));    /* Visa 16 */
    assert_true(V(scan_validate_card, "4222222222222"));       /* Visa 13 */
    assert_true(V(scan_validate_card, "5555555555554444"));    /* Mastercard */
    assert_true(V(scan_validate_card, "2223000048400011"));    /* Mastercard 2-series */
    assert_true(V(scan_validate_card, "378282246310005"));     /* Amex */
    assert_true(V(scan_validate_card, "3714 496353 98431"));   /* Amex 4-6-5 */
    assert_true(V(scan_validate_card, "30569309025904"));      /* Diners 14 */
    assert_true(V(scan_validate_card, "6011111111111117"));    /* Discover */
    assert_true(V(scan_validate_card, "3530111333300000"));    /* JCB */
    assert_true(V(scan_validate_card, "6212345678900000003")); /* UnionPay 19 */
    assert_true(V(scan_validate_card, "122000000000003"));     /* UATP */
    assert_true(V(scan_validate_card, "5019717010103742"));    /* Dankort */
    assert_true(V(scan_validate_card, "4012-8888-8888-1881"));
    assert_true(V(scan_validate_card, "4012 8888 8888 1881"));
    /* Groups after the first keep 3-6 digits, the last one included. */
    assert_true(V(scan_validate_card, "4111 1111 1111 1111 110")); /* Visa 19, 4-4-4-4-3 */
    assert_true(V(scan_validate_card, "6011 4539 5492"));          /* Maestro 12, 4-4-4 */
}

static void
test_card_invalid(void **state)
{
    (void)state;
    assert_false(V(scan_validate_card, "4111111111111112"));     /* Luhn off by one */
    assert_false(V(scan_validate_card, "4012-8888-8888-1882"));  /* Luhn */
    assert_false(V(scan_validate_card, "2220175103860763"));     /* Luhn ok, no issuer 2220 */
    assert_false(V(scan_validate_card, "371449635398431 "));     /* trailing separator */
    assert_false(V(scan_validate_card, "4111 1111-1111 1111"));  /* mixed separators */
    assert_false(V(scan_validate_card, "4111  1111 1111 1111")); /* doubled separator */
    assert_false(V(scan_validate_card, "4111.1111.1111.1111"));  /* dots are not card separators */
    assert_false(V(scan_validate_card, "41 11111111111111"));    /* 2-digit first group */
    assert_false(V(scan_validate_card, "411111111111"));         /* Visa has no 12-digit PANs */
    assert_false(V(scan_validate_card, "41111111111111111111")); /* 20 digits */
    assert_false(V(scan_validate_card, "378282246310005000"));   /* Amex is 15 only */
    assert_false(V(scan_validate_card, "36168002586008"));       /* Diners prefix, Luhn fails */
    assert_false(V(scan_validate_card, "1234567812345670"));     /* Luhn ok, UATP needs 15 */
    assert_false(V(scan_validate_card, "x4111111111111111"));
    /* A last group of 1-2 digits: issuer, length and Luhn pass without the
     * groups, so only the grouping rule rejects these. */
    assert_false(V(scan_validate_card, "6571 3465 5302 9270 71"));   /* 4-4-4-4-2 */
    assert_false(V(scan_validate_card, "6571-3465-5302-9270-71"));   /* 4-4-4-4-2 */
    assert_false(V(scan_validate_card, "6011 4539 5492 5515 0"));    /* 4-4-4-4-1 */
    assert_false(V(scan_validate_card, "4111 1111 1111 1111 11 0")); /* 2-digit inner group */
    assert_true(V(scan_validate_card, "657134655302927071"));        /* the same, bare: valid */
    assert_true(V(scan_validate_card, "60114539549255150"));
    assert_false(V(scan_validate_card, ""));
}

static void
test_ssn(void **state)
{
    (void)state;
    assert_true(V(scan_validate_ssn, "078-05-1123"));
    assert_true(V(scan_validate_ssn, "078 05 1123"));
    assert_true(V(scan_validate_ssn, "078051123"));
    assert_true(V(scan_validate_ssn, "078-051121"));
    assert_true(V(scan_validate_ssn, "07805-1121"));
    assert_true(V(scan_validate_ssn, "536-90-4399"));
    /* negative */
    assert_false(V(scan_validate_ssn, "000-12-3456")); /* area 000 */
    assert_false(V(scan_validate_ssn, "666-12-3456")); /* area 666 */
    assert_false(V(scan_validate_ssn, "912-12-3456")); /* area 9xx */
    assert_false(V(scan_validate_ssn, "078-00-1123")); /* group 00 */
    assert_false(V(scan_validate_ssn, "078-05-0000")); /* serial 0000 */
    assert_false(V(scan_validate_ssn, "693-09.4444")); /* mixed kinds */
    assert_false(V(scan_validate_ssn, "078-05 1123")); /* mixed kinds */
    assert_false(V(scan_validate_ssn, "1112-23333"));  /* separator misplaced */
    assert_false(V(scan_validate_ssn, "078-05-1120")); /* published sample number */
    assert_false(V(scan_validate_ssn, "0780511201"));  /* 10 digits */
    assert_false(V(scan_validate_ssn, "07805112"));    /* 8 digits */
    assert_false(V(scan_validate_ssn, "078--051123"));
}

static void
test_nino(void **state)
{
    (void)state;
    assert_true(V(scan_validate_nino, "AA370773A"));
    assert_true(V(scan_validate_nino, "aa370773a"));
    assert_true(V(scan_validate_nino, "AA 37 07 73 A"));
    assert_true(V(scan_validate_nino, "YZ 614868 B"));
    /* negative */
    assert_false(V(scan_validate_nino, "DS123456A"));     /* first letter D */
    assert_false(V(scan_validate_nino, "AO123456A"));     /* second letter O */
    assert_false(V(scan_validate_nino, "ZZ123456A"));     /* unallocated */
    assert_false(V(scan_validate_nino, "nt998877a"));     /* unallocated NT */
    assert_false(V(scan_validate_nino, "GB123456A"));     /* unallocated GB */
    assert_false(V(scan_validate_nino, "FQ 00 00 00 C")); /* F and Q */
    assert_false(V(scan_validate_nino, "AA370773E"));     /* suffix E */
    assert_false(V(scan_validate_nino, "AA370773 "));     /* blank suffix */
    assert_false(V(scan_validate_nino, "AB 12 34 56 1")); /* digit suffix */
    assert_false(V(scan_validate_nino, "12345678A"));
    assert_false(V(scan_validate_nino, "AA 12 3456 A")); /* uneven pairs */
    assert_false(V(scan_validate_nino, "AA37077A"));     /* five digits */
}

static void
test_iban(void **state)
{
    (void)state;
    assert_true(V(scan_validate_iban, "DE89370400440532013000"));
    assert_true(V(scan_validate_iban, "GB29 NWBK 6016 1331 9268 19"));
    assert_true(V(scan_validate_iban, "AL47-2121-1009-0000-0002-3569-8741"));
    assert_true(V(scan_validate_iban, "LC55HEMM000100010012001200023015"));
    assert_true(V(scan_validate_iban, "SC18SSCB11010000000000001497USD"));
    assert_true(V(scan_validate_iban, "LY83002048000020100120361"));
    assert_true(V(scan_validate_iban, "NO9386011117947"));
    /* typed forms: space after the country code, groups of any size */
    assert_true(V(scan_validate_iban, "BE 03 7310 1866 4084"));
    assert_true(V(scan_validate_iban, "NO 0571 3905 25162"));
    assert_true(V(scan_validate_iban, "BE59 65283724 9926"));
    assert_true(V(scan_validate_iban, "ES77 1234-1234-16 1234567890"));
    assert_true(V(scan_validate_iban, "MU17 BOMM0101101030300200000MUR"));
    /* negative */
    assert_false(V(scan_validate_iban, "DE89370400440532013001"));  /* mod-97 */
    assert_false(V(scan_validate_iban, "DE8937040044053201300"));   /* DE is 22 */
    assert_false(V(scan_validate_iban, "DE893704004405320130000")); /* DE is 22 */
    /* mod-97 and length pass, but these registries give digits only */
    assert_false(V(scan_validate_iban, "IS134759648860ANDTHEREFUND"));
    assert_false(V(scan_validate_iban, "DE0537040044053201300A"));
    assert_false(V(scan_validate_iban, "is13 4759 6488 60an dthe refu nd"));
    assert_false(V(scan_validate_iban, "XX22YYY1234567890123"));  /* no such country */
    assert_true(V(scan_validate_iban, "de89370400440532013000")); /* typed in lower case */
    assert_false(V(scan_validate_iban, "GB29  NWBK 6016 1331 9268 19"));
    assert_false(V(scan_validate_iban, "GB29 NWBK 6016 1331 9268 19 "));
    assert_false(V(scan_validate_iban, "BE 43.4679.1170.4101"));
    assert_false(V(scan_validate_iban, "FR7630006000011234567890189@"));
    assert_false(V(scan_validate_iban, "0001"));
    assert_false(V(scan_validate_iban, "AB 1234 5678"));          /* no country AB */
    assert_false(V(scan_validate_iban, "GB 12 apples"));          /* lower case, too short */
    assert_false(V(scan_validate_iban, "BE 03 7310 1866 4085"));  /* mod-97 */
    assert_false(V(scan_validate_iban, "BE 03 7310--1866 4084")); /* doubled separator */
    assert_false(V(scan_validate_iban, " BE 03 7310 1866 4084")); /* leading separator */
    assert_false(V(scan_validate_iban, ""));
}

static void
test_email(void **state)
{
    (void)state;
    assert_true(V(scan_validate_email, "foo@bar.com"));
    assert_true(V(scan_validate_email, "a.b+tag@mail.example.co.uk"));
    assert_true(V(scan_validate_email, "a@xn--d1acufc.xn--p1ai"));
    assert_true(V(scan_validate_email, "test|123@example.org"));
    /* negative */
    assert_false(V(scan_validate_email, "foo@bar.com."));
    assert_false(V(scan_validate_email, "foo@bar"));
    assert_false(V(scan_validate_email, "foo@bar.c"));
    assert_false(V(scan_validate_email, "foo@bar.c0m"));
    assert_false(V(scan_validate_email, "multiple..dots@example.com"));
    assert_false(V(scan_validate_email, ".foo@example.com"));
    assert_false(V(scan_validate_email, "foo@_bar.com"));
    assert_false(V(scan_validate_email, "foo@-bar.com"));
    assert_false(V(scan_validate_email, "foo@@bar.com"));
    assert_false(V(scan_validate_email, "@bar.com"));
    assert_false(V(scan_validate_email, "foo\"bar\"@gmail.com"));
    /* ASCII syntax only: scan_email_span maps UTF-8 (RFC 6531) characters to
     * letters before it calls the validator. */
    assert_false(V(scan_validate_email, "hans.m\u7aefller@test.com"));
    assert_false(V(scan_validate_email, "info@b\u00fccher.de"));
    assert_false(
        V(scan_validate_email,
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com"));
}

static void
test_type_names(void **state)
{
    (void)state;
    assert_string_equal(scan_type_name(SCAN_T_CREDIT_CARD), "CREDIT_CARD");
    assert_string_equal(scan_type_name(SCAN_T_PHONE), "PHONE");
    assert_int_equal(scan_type_from_name("UK_NINO"), SCAN_T_UK_NINO);
    assert_int_equal(scan_type_from_name("LEXICON"), SCAN_T_LEXICON);
    /* negative */
    assert_string_equal(scan_type_name(SCAN_T__COUNT), "UNKNOWN");
    assert_string_equal(scan_type_name(1000), "UNKNOWN");
    assert_int_equal(scan_type_from_name("uk_nino"), -1);
    assert_int_equal(scan_type_from_name(""), -1);
    assert_int_equal(scan_type_from_name(NULL), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_luhn),         cmocka_unit_test(test_card_valid),
        cmocka_unit_test(test_card_invalid), cmocka_unit_test(test_ssn),
        cmocka_unit_test(test_nino),         cmocka_unit_test(test_iban),
        cmocka_unit_test(test_email),        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

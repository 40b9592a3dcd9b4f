/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan/mime_transcode: labels to iconv names, the ASCII
 * shortcut, legacy charsets to UTF-8 and back (full-width digits, soft
 * hyphens), octets that are not text carried through, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mime_transcode.h"
#include "rl_error.h"

#define SV(s) (const uint8_t *)(s), strlen(s)

/* Full-width "４１１１" and an ideographic space in UTF-8. */
#define FW4111 "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"
#define IDSP "\xe3\x80\x80"

struct xc_case {
    const char *label;
    const char *octets; /* FW4111 IDSP "1" in the charset */
    size_t len;
};

/* The same text in each charset, as Python's codecs write it. */
static const struct xc_case cases[] = {
    {"iso-2022-jp", "\x1b$B#4#1#1#1!!#1\x1b(B", 18},
    {"shift_jis", "\x82\x53\x82\x50\x82\x50\x82\x50\x81\x40\x82\x50", 12},
    {"euc-jp", "\xa3\xb4\xa3\xb1\xa3\xb1\xa3\xb1\xa1\xa1\xa3\xb1", 12},
    {"gb2312", "\xa3\xb4\xa3\xb1\xa3\xb1\xa3\xb1\xa1\xa1\xa3\xb1", 12},
    {"big5", "\xa2\xb3\xa2\xb0\xa2\xb0\xa2\xb0\xa1\x40\xa2\xb0", 12},
    {"euc-kr", "\xa3\xb4\xa3\xb1\xa3\xb1\xa3\xb1\xa1\xa1\xa3\xb1", 12},
};

static void
legacy_charsets_read_as_utf8_and_back(void **state)
{
    (void)state;
    static const char want[] = FW4111 IDSP "\xef\xbc\x91";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mime_xcode x;
        mime_xcode_init(&x);
        assert_int_equal(mime_xcode_open(&x, SV(cases[i].label)), 0);
        uint8_t u[128];
        size_t n = 0;
        size_t bad = 1;
        assert_int_equal(mime_xcode_to_utf8(&x, u, sizeof(u), &n, &bad,
                                            (const uint8_t *)cases[i].octets, cases[i].len),
                         0);
        assert_int_equal(bad, 0);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(u, want, n);
        /* A mask put over the first three digits converts back. */
        uint8_t red[128];
        memcpy(red, "***", 3);
        memcpy(red + 3, u + 9, n - 9);
        uint8_t back[128];
        size_t bl = 0;
        assert_int_equal(mime_xcode_from_utf8(&x, back, sizeof(back), &bl, red, n - 6), 0);
        uint8_t again[128];
        assert_int_equal(mime_xcode_to_utf8(&x, again, sizeof(again), &n, &bad, back, bl), 0);
        assert_int_equal(n, strlen(want) - 6);
        assert_memory_equal(again, red, n);
        mime_xcode_close(&x);
    }
}

static void
single_byte_soft_hyphen_and_nbsp(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    assert_int_equal(mime_xcode_open(&x, SV(" ISO-8859-2\t")), 0);
    assert_string_equal(x.name, "iso-8859-2");
    uint8_t u[64];
    size_t n = 0;
    size_t bad = 0;
    assert_int_equal(mime_xcode_to_utf8(&x, u, sizeof(u), &n, &bad,
                                        SV("4111\xad"
                                           "1\xa0\xb1")),
                     0);
    assert_int_equal(n, 11);
    assert_memory_equal(u,
                        "4111\xc2\xad"
                        "1\xc2\xa0\xc4\x85",
                        11);
    assert_int_equal(mime_xcode_open(&x, SV("KOI8-R")), 0);
    assert_int_equal(mime_xcode_to_utf8(&x, u, sizeof(u), &n, &bad, SV("\xeb\xc1\xd2\xd4\xc1")), 0);
    assert_memory_equal(u, "\xd0\x9a\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0", 10); /* Карта */
    mime_xcode_close(&x);
    mime_xcode_close(&x); /* closing twice is a no-op */
}

static void
legacy_labels_read_as_their_superset(void **state)
{
    (void)state;
    static const struct {
        const char *label, *name;
    } map[] = {{"GB2312", "GB18030"},  {"eucgb2312_cn", "GB18030"},
               {"Shift_JIS", "CP932"}, {"ks_c_5601-1987", "CP949"},
               {"EUC-KR", "CP949"},    {"Big5", "BIG5-HKSCS"},
               {"tis-620", "CP874"},   {"windows-1250", "windows-1250"}};
    struct mime_xcode x;
    mime_xcode_init(&x);
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        assert_int_equal(mime_xcode_open(&x, SV(map[i].label)), 0);
        assert_string_equal(x.name, map[i].name);
    }
    /* GBK's two-octet euro and a character only GB18030 has read. */
    uint8_t u[32];
    size_t n = 0;
    size_t bad = 0;
    assert_int_equal(mime_xcode_open(&x, SV("gbk")), 0);
    assert_int_equal(mime_xcode_to_utf8(&x, u, sizeof(u), &n, &bad, SV("\xa2\xe3\x81\x30\x81\x30")),
                     0);
    assert_int_equal(bad, 0);
    assert_memory_equal(u, "\xe2\x82\xac\xc2\x80", 5);
    mime_xcode_close(&x);
}

static void
labels_left_to_others_or_refused(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    const char *others[] = {"",         "  ",     "utf-8", "US-ASCII",
                            "utf-16le", "UTF-16", "ucs-2", "unicode-1-1"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(mime_xcode_open(&x, SV(others[i])), RL_ENOENT);
        assert_true(x.in == (iconv_t)-1);
    }
    const char *refused[] = {"x-unknown-charset",
                             "ascii//translit",
                             "latin2,utf-8",
                             "utf-8//ignore",
                             "iso 8859-2",
                             "\xe9",
                             "a-label-that-is-far-too-long-to-be-any-charset-name"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(mime_xcode_open(&x, SV(refused[i])), RL_EINVAL);
        assert_true(x.in == (iconv_t)-1);
    }
    assert_int_equal(mime_xcode_open(&x, NULL, 0), RL_ENOENT);
}

static void
invalid_octets_carried_through(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    assert_int_equal(mime_xcode_open(&x, SV("shift_jis")), 0);
    /* 0xFF is no Shift_JIS octet; 0x82 at the end is a cut character. */
    static const uint8_t in[] = {'a', 0xFF, 0x82, 0x50, 'b', 0x82};
    uint8_t u[64];
    size_t n = 0;
    size_t bad = 0;
    assert_int_equal(mime_xcode_to_utf8(&x, u, sizeof(u), &n, &bad, in, sizeof(in)), 0);
    assert_int_equal(bad, 2);
    assert_int_equal(n, 1 + 3 + 3 + 1 + 3);
    assert_memory_equal(u,
                        "a\xef\x9f\xbf\xef\xbc\x91"
                        "b\xef\x9e\x82",
                        n);
    uint8_t back[64];
    size_t bl = 0;
    assert_int_equal(mime_xcode_from_utf8(&x, back, sizeof(back), &bl, u, n), 0);
    assert_int_equal(bl, sizeof(in));
    assert_memory_equal(back, in, bl);
    mime_xcode_close(&x);
}

static void
errors_leave_nothing(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    assert_int_equal(mime_xcode_open(&x, SV("iso-8859-2")), 0);
    uint8_t out[8];
    size_t n = 9;
    size_t bad = 9;
    memset(out, 0x55, sizeof(out));
    /* too small: RL_ELIMIT, nothing kept */
    assert_int_equal(mime_xcode_to_utf8(&x, out, 4, &n, &bad, SV("\xb1\xb1\xb1\xb1")), RL_ELIMIT);
    assert_int_equal(n, 0);
    assert_int_equal(bad, 0);
    assert_null(memchr(out, 0xC4, 4)); /* no part of the text left */
    /* a character Latin-2 cannot write (a kanji), and UTF-8 that is not */
    assert_int_equal(mime_xcode_from_utf8(&x, out, sizeof(out), &n, SV("a\xe6\xbc\xa2")),
                     RL_EINVAL);
    assert_int_equal(n, 0);
    assert_int_equal(mime_xcode_from_utf8(&x, out, sizeof(out), &n, SV("a\xc3")), RL_EINVAL);
    assert_int_equal(mime_xcode_from_utf8(&x, out, 2, &n, SV("abcdef")), RL_ELIMIT);
    mime_xcode_close(&x);
}

static void
ascii_shortcut_only_where_ascii_is_itself(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    assert_int_equal(mime_xcode_open(&x, SV("iso-8859-15")), 0);
    assert_true(mime_xcode_ascii_same(&x, SV("card 4111 1111 1111 1111 +~\r\n")));
    assert_false(mime_xcode_ascii_same(&x, SV("caf\xe9")));
    assert_int_equal(mime_xcode_open(&x, SV("iso-2022-jp")), 0);
    assert_true(mime_xcode_ascii_same(&x, SV("plain ascii")));
    assert_false(mime_xcode_ascii_same(&x, SV("\x1b$B#4\x1b(B")));
    /* UTF-7 and EBCDIC do not read ASCII as itself */
    assert_int_equal(mime_xcode_open(&x, SV("utf-7")), 0);
    assert_false(mime_xcode_ascii_same(&x, SV("plain ascii")));
    assert_int_equal(mime_xcode_open(&x, SV("cp037")), 0);
    assert_false(mime_xcode_ascii_same(&x, SV("plain ascii")));
    mime_xcode_close(&x);
}

static void
stateful_output_ends_in_ascii(void **state)
{
    (void)state;
    struct mime_xcode x;
    mime_xcode_init(&x);
    assert_int_equal(mime_xcode_open(&x, SV("iso-2022-jp")), 0);
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(mime_xcode_from_utf8(&x, out, sizeof(out), &n, SV("***" FW4111)), 0);
    static const char want[] = "***\x1b$B#4#1#1#1\x1b(B";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    mime_xcode_close(&x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(legacy_charsets_read_as_utf8_and_back),
        cmocka_unit_test(single_byte_soft_hyphen_and_nbsp),
        cmocka_unit_test(legacy_labels_read_as_their_superset),
        cmocka_unit_test(labels_left_to_others_or_refused),
        cmocka_unit_test(invalid_octets_carried_through),
        cmocka_unit_test(errors_leave_nothing),
        cmocka_unit_test(ascii_shortcut_only_where_ascii_is_itself),
        cmocka_unit_test(stateful_output_ends_in_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

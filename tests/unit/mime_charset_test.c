/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan/mime_charset: name mapping, the iconv-built tables
 * (checked against glibc iconv as a second implementation) and offsets back
 * to the source. Corpus directory from $RL_CORPUS, default "../shared/corpus". */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_charset.h"
#include "rl_error.h"

#define SV(s) (const uint8_t *)(s), strlen(s)

static uint8_t *
read_file(const char *rel, size_t *out_len)
{
    const char *root = getenv("RL_CORPUS");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root != NULL ? root : "../shared/corpus", rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open corpus file %s (set RL_CORPUS)", path);
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *out_len = (size_t)n;
    return p;
}

/* Runs first, before any test calls mime_charset_init(). */
static void
to_utf8_before_init_gives_replacement(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    mime_charset_to_utf8(out, &n, MIME_CS_LATIN1, SV("a\xe9"));
    assert_int_equal(n, 4);
    assert_memory_equal(out, "a\xef\xbf\xbd", 4);
    assert_int_equal(mime_charset_src_offset(MIME_CS_LATIN1, SV("a\xe9"), 3), 1);
}

static void
init_succeeds_and_is_repeatable(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    assert_int_equal(mime_charset_init(), 0);
}

static void
names_known(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum mime_charset cs;
    } cases[] = {
        {"utf-8", MIME_CS_UTF8},          {"UTF-8", MIME_CS_UTF8},
        {"utf8", MIME_CS_UTF8},           {"US-ASCII", MIME_CS_UTF8},
        {"ascii", MIME_CS_UTF8},          {"iso-8859-1", MIME_CS_LATIN1},
        {"ISO-8859-1", MIME_CS_LATIN1},   {"Latin1", MIME_CS_LATIN1},
        {"l1", MIME_CS_LATIN1},           {"ISO_8859-1", MIME_CS_LATIN1},
        {"cp819", MIME_CS_LATIN1},        {"windows-1252", MIME_CS_CP1252},
        {"Windows-1252", MIME_CS_CP1252}, {"CP1252", MIME_CS_CP1252},
        {"x-cp1252", MIME_CS_CP1252},     {" utf-8\t", MIME_CS_UTF8},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(mime_charset_from_name(SV(cases[i].name)), cases[i].cs);
    }
}

static void
names_unknown_are_other(void **state)
{
    (void)state;
    static const char *const other[] = {
        "utf-16", "iso-8859-15", "koi8-r", "windows-1251", "iso-8859-5", "big5",   "utf-8x", "utf-",
        "latin",  "latin-1x",    "cp125",  "x-cp12522",    "\"utf-8\"",  "utf-8;", "u\xff",  "1",
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_equal(mime_charset_from_name(SV(other[i])), MIME_CS_OTHER);
    }
    /* A name with an embedded NUL is not the name before it. */
    assert_int_equal(mime_charset_from_name((const uint8_t *)"utf-8\0x", 7), MIME_CS_OTHER);
}

static void
names_empty_is_utf8(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_from_name(SV("")), MIME_CS_UTF8);
    assert_int_equal(mime_charset_from_name(SV("  \t")), MIME_CS_UTF8);
    assert_int_equal(mime_charset_from_name(NULL, 0), MIME_CS_UTF8);
}

static void
latin1_every_byte(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    uint8_t in[256];
    uint8_t out[768];
    for (int i = 0; i < 256; i++) {
        in[i] = (uint8_t)i;
    }
    size_t n;
    mime_charset_to_utf8(out, &n, MIME_CS_LATIN1, in, sizeof(in));
    assert_int_equal(n, 128 + 128 * 2);
    for (int b = 0x80; b < 0x100; b++) { /* ISO-8859-1 is U+0080..U+00FF */
        size_t o = 128 + (size_t)(b - 0x80) * 2;
        assert_int_equal(out[o], 0xC0 | (b >> 6));
        assert_int_equal(out[o + 1], 0x80 | (b & 0x3F));
    }
}

static void
cp1252_specials_and_undefined(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    uint8_t out[64];
    size_t n;
    mime_charset_to_utf8(out, &n, MIME_CS_CP1252, SV("\x80\x9f\xe9"));
    assert_int_equal(n, 3 + 2 + 2);
    assert_memory_equal(out, "\xe2\x82\xac\xc5\xb8\xc3\xa9", n); /* EURO, Y DIAERESIS, e ACUTE */
    /* Undefined in Windows-1252: U+FFFD each. */
    mime_charset_to_utf8(out, &n, MIME_CS_CP1252, SV("\x81\x8d\x8f\x90\x9d"));
    assert_int_equal(n, 15);
    for (size_t i = 0; i < 5; i++) {
        assert_memory_equal(out + 3 * i, "\xef\xbf\xbd", 3);
    }
}

static void
cp1252_matches_iconv_for_every_byte(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    iconv_t cd = iconv_open("UTF-8", "CP1252");
    assert_true(cd != (iconv_t)-1);
    for (unsigned b = 0x80; b < 0x100; b++) {
        char in[1] = {(char)b};
        char want[8];
        char *ip = in;
        char *op = want;
        size_t il = 1;
        size_t ol = sizeof(want);
        iconv(cd, NULL, NULL, NULL, NULL);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        uint8_t got[8];
        size_t n;
        mime_charset_to_utf8(got, &n, MIME_CS_CP1252, (const uint8_t *)in, 1);
        if (r == (size_t)-1) {
            assert_memory_equal(got, "\xef\xbf\xbd", 3);
        } else {
            assert_int_equal(n, sizeof(want) - ol);
            assert_memory_equal(got, want, n);
        }
    }
    iconv_close(cd);
}

static void
utf8_and_other_copied_unchanged(void **state)
{
    (void)state;
    uint8_t out[32];
    size_t n;
    mime_charset_to_utf8(out, &n, MIME_CS_UTF8, SV("\xc3\xa9\xff"));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xc3\xa9\xff", 3);
    mime_charset_to_utf8(out, &n, MIME_CS_UTF8, (const uint8_t *)"a\0b", 3);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\0b", 3);
    mime_charset_to_utf8(out, &n, MIME_CS_OTHER, SV("\x80\x81"));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\x80\x81", 2);
    mime_charset_to_utf8(out, &n, MIME_CS_LATIN1, NULL, 0);
    assert_int_equal(n, 0);
    mime_charset_to_utf8(out, &n, MIME_CS_UTF8, NULL, 0);
    assert_int_equal(n, 0);
}

static void
utf8_cap_is_enough_for_worst_case(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    uint8_t in[100];
    uint8_t out[300];
    memset(in, 0x80, sizeof(in)); /* EURO SIGN: three bytes each */
    assert_int_equal(mime_charset_utf8_cap(sizeof(in)), sizeof(out));
    size_t n;
    mime_charset_to_utf8(out, &n, MIME_CS_CP1252, in, sizeof(in));
    assert_int_equal(n, 300);
    assert_int_equal(mime_charset_utf8_cap(0), 0);
}

static void
src_offset_maps_back(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    const char *src = "a\xe9"
                      "b\x80";
    /* UTF-8: a C3 A9 b E2 82 AC */
    static const size_t want[] = {0, 1, 1, 2, 3, 3, 3, 4, 4, 4};
    for (size_t u = 0; u < sizeof(want) / sizeof(want[0]); u++) {
        assert_int_equal(mime_charset_src_offset(MIME_CS_CP1252, SV(src), u), want[u]);
    }
    /* one walk for a non-decreasing sequence gives the same answers */
    struct mime_charset_walk w = {0};
    for (size_t u = 0; u < sizeof(want) / sizeof(want[0]); u++) {
        assert_int_equal(mime_charset_src_offset_next(&w, MIME_CS_CP1252, SV(src), u), want[u]);
        assert_int_equal(mime_charset_src_offset_next(&w, MIME_CS_CP1252, SV(src), u), want[u]);
    }
    assert_int_equal(mime_charset_src_offset_next(&w, MIME_CS_CP1252, SV(src), 1), 1);
    assert_int_equal(mime_charset_src_offset(MIME_CS_LATIN1, SV(src), 5), 3);
    assert_int_equal(mime_charset_src_offset(MIME_CS_LATIN1, SV(src), 6), 4); /* past end */
    assert_int_equal(mime_charset_src_offset(MIME_CS_UTF8, SV(src), 2), 2);
    assert_int_equal(mime_charset_src_offset(MIME_CS_OTHER, SV(src), 99), 4);
    assert_int_equal(mime_charset_src_offset(MIME_CS_CP1252, NULL, 0, 0), 0);
    assert_int_equal(mime_charset_src_offset(MIME_CS_CP1252, NULL, 0, 7), 0);
}

static void
corpus_french_fable_cp1252(void **state)
{
    (void)state;
    assert_int_equal(mime_charset_init(), 0);
    size_t n;
    uint8_t *src = read_file("gmime/charsets/french-fable.cp1252.txt", &n);
    uint8_t *got = malloc(mime_charset_utf8_cap(n));
    size_t want_cap = n * 4;
    char *want = malloc(want_cap);
    assert_non_null(got);
    assert_non_null(want);
    size_t got_len;
    mime_charset_to_utf8(got, &got_len, MIME_CS_CP1252, src, n);

    /* The corpus has no UTF-8 twin of the fable: glibc iconv is the reference. */
    iconv_t cd = iconv_open("UTF-8", "CP1252");
    assert_true(cd != (iconv_t)-1);
    char *ip = (char *)src;
    char *op = want;
    size_t il = n;
    size_t ol = want_cap;
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    size_t want_len = want_cap - ol;
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    assert_true(got_len > n); /* the fable has accented letters */

    /* Every UTF-8 offset maps back to a source byte that starts its sequence. */
    size_t prev = 0;
    for (size_t u = 0; u < got_len; u++) {
        size_t s = mime_charset_src_offset(MIME_CS_CP1252, src, n, u);
        assert_true(s < n);
        assert_true(s >= prev);
        prev = s;
        if ((got[u] & 0xC0) != 0x80) {
            uint8_t one[3];
            size_t w;
            mime_charset_to_utf8(one, &w, MIME_CS_CP1252, src + s, 1);
            assert_memory_equal(one, got + u, w);
        }
    }
    free(want);
    free(got);
    free(src);
}

static void
corpus_cyrillic_charsets_unsupported(void **state)
{
    (void)state;
    /* Only UTF-8 of the Cyrillic set is ours to decode; the rest are OTHER and
     * pass through unchanged. */
    assert_int_equal(mime_charset_from_name(SV("windows-1251")), MIME_CS_OTHER);
    assert_int_equal(mime_charset_from_name(SV("koi8-r")), MIME_CS_OTHER);
    assert_int_equal(mime_charset_from_name(SV("iso-8859-5")), MIME_CS_OTHER);
    size_t n;
    uint8_t *src = read_file("gmime/charsets/cyrillic.koi8-r.txt", &n);
    uint8_t *out = malloc(mime_charset_utf8_cap(n) + 1);
    assert_non_null(out);
    size_t m;
    mime_charset_to_utf8(out, &m, MIME_CS_OTHER, src, n);
    assert_int_equal(m, n);
    assert_memory_equal(out, src, n);
    free(out);
    free(src);
}

/* Every octet of `name`'s table against glibc iconv one octet at a time
 * (the second implementation): U+FFFD where iconv refuses the octet. */
static void
table_matches_iconv(const struct mime_charset_table *t, const char *name)
{
    iconv_t cd = iconv_open("UTF-8", name);
    assert_true(cd != (iconv_t)-1);
    for (unsigned b = 0x80; b <= 0xFF; b++) {
        char in[1] = {(char)b};
        char buf[8];
        char *ip = in;
        char *op = buf;
        size_t il = 1;
        size_t ol = sizeof(buf);
        iconv(cd, NULL, NULL, NULL, NULL);
        const uint8_t *e = t->utf8[b - 0x80];
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            assert_memory_equal(e, "\xef\xbf\xbd\x03", 4);
        } else {
            assert_int_equal(e[3], sizeof(buf) - ol);
            assert_memory_equal(e, buf, e[3]);
        }
    }
    iconv_close(cd);
}

static void
tables_for_single_byte_charsets(void **state)
{
    (void)state;
    static const char *const single[] = {
        "WINDOWS-1251", "KOI8-R",       "KOI8-U",       "ISO-8859-2", "ISO-8859-7",
        "ISO-8859-15",  "WINDOWS-1250", "WINDOWS-1253", "CP874",      "ISO-8859-1"};
    struct mime_charset_table t;
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
        assert_int_equal(mime_charset_table_build(&t, single[i]), 0);
        table_matches_iconv(&t, single[i]);
    }
    /* KOI8-R "Карта 4111": scanned as UTF-8, offsets back to the octets */
    assert_int_equal(mime_charset_table_build(&t, "KOI8-R"), 0);
    uint8_t out[64];
    size_t n = 0;
    mime_charset_table_to_utf8(out, &n, &t, SV("\xeb\xc1\xd2\xd4\xc1 4111"));
    assert_int_equal(n, 15);
    assert_memory_equal(out, "\xd0\x9a\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0 4111", 15);
    struct mime_charset_walk w = {0};
    assert_int_equal(
        mime_charset_table_src_offset_next(&w, &t, SV("\xeb\xc1\xd2\xd4\xc1 4111"), 11), 6);
    /* Multi-byte, stateful and non-ASCII codes are no single-byte table. */
    static const char *const not_single[] = {"ISO-2022-JP", "SHIFT_JIS",      "CP932", "GB18030",
                                             "BIG5-HKSCS",  "EUC-KR",         "UTF-7", "CP037",
                                             "UTF-16LE",    "no-such-charset"};
    for (size_t i = 0; i < sizeof(not_single) / sizeof(not_single[0]); i++) {
        assert_int_equal(mime_charset_table_build(&t, not_single[i]), RL_EINVAL);
    }
    assert_null(mime_charset_table_of(MIME_CS_OTHER));
    assert_non_null(mime_charset_table_of(MIME_CS_CP1252));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(to_utf8_before_init_gives_replacement),
        cmocka_unit_test(init_succeeds_and_is_repeatable),
        cmocka_unit_test(names_known),
        cmocka_unit_test(names_unknown_are_other),
        cmocka_unit_test(names_empty_is_utf8),
        cmocka_unit_test(latin1_every_byte),
        cmocka_unit_test(cp1252_specials_and_undefined),
        cmocka_unit_test(cp1252_matches_iconv_for_every_byte),
        cmocka_unit_test(utf8_and_other_copied_unchanged),
        cmocka_unit_test(utf8_cap_is_enough_for_worst_case),
        cmocka_unit_test(src_offset_maps_back),
        cmocka_unit_test(corpus_french_fable_cp1252),
        cmocka_unit_test(corpus_cyrillic_charsets_unsupported),
        cmocka_unit_test(tables_for_single_byte_charsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan/mime_header: the leading token and parameters of
 * structured values (RFC 2045, RFC 2231), with malformed input cut at every
 * length so ASan sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_header.h"

/* tok and param copy `v` into an exactly sized heap block so that ASan
 * catches any read past its end. */
static bool
tok(char *out, size_t cap, const char *v)
{
    size_t n = strlen(v);
    uint8_t *p = malloc(n > 0 ? n : 1);
    assert_non_null(p);
    memcpy(p, v, n);
    bool ok = mime_header_value_token(out, cap, p, n);
    free(p);
    return ok;
}

static bool
param(char *out, size_t cap, const char *v, const char *name)
{
    size_t n = strlen(v);
    uint8_t *p = malloc(n > 0 ? n : 1);
    assert_non_null(p);
    memcpy(p, v, n);
    bool ok = mime_header_param(out, cap, p, n, name);
    free(p);
    return ok;
}

static void
assert_param(const char *v, const char *name, const char *want)
{
    char out[256];
    memset(out, 'X', sizeof(out));
    assert_true(param(out, sizeof(out), v, name));
    assert_string_equal(out, want);
}

static void
assert_no_param(const char *v, const char *name)
{
    char out[256];
    memset(out, 'X', sizeof(out));
    assert_false(param(out, sizeof(out), v, name));
    assert_string_equal(out, "");
}

/* ---- value token -------------------------------------------------------- */

static void
token_known(void **state)
{
    (void)state;
    char out[64];
    assert_true(tok(out, sizeof(out), "multipart/mixed; boundary=x"));
    assert_string_equal(out, "multipart/mixed");
    assert_true(tok(out, sizeof(out), "  Text/HTML (a comment) ; charset=x"));
    assert_string_equal(out, "text/html");
    assert_true(tok(out, sizeof(out), "(7bit (nested) comment) BASE64"));
    assert_string_equal(out, "base64");
    assert_true(tok(out, sizeof(out), "text (a) / (b) plain"));
    assert_string_equal(out, "text/plain");
    assert_true(tok(out, sizeof(out), "\r\n\tapplication/vnd.ms-excel"));
    assert_string_equal(out, "application/vnd.ms-excel");
    assert_true(tok(out, sizeof(out), "attachment;filename=x"));
    assert_string_equal(out, "attachment");
}

static void
token_missing_or_malformed(void **state)
{
    (void)state;
    char out[64];
    static const char *const bad[] = {
        "",        "   ",        "\r\n ",  "(unterminated comment text/plain",
        "(a) (b)", ";x=y",       "/plain", "text/",
        "text/ ;", "\"quoted\"", "@",      "(\\",
        "(a\\)",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(out, 'X', sizeof(out));
        assert_false(tok(out, sizeof(out), bad[i]));
        assert_string_equal(out, "");
    }
    assert_false(mime_header_value_token(out, sizeof(out), NULL, 0));
    assert_false(mime_header_value_token(NULL, 0, (const uint8_t *)"x", 1));
}

static void
token_capacity(void **state)
{
    (void)state;
    char out[16];
    assert_false(tok(out, 0, "text/plain"));
    assert_false(tok(out, 15, "multipart/mixed")); /* 15 bytes + NUL */
    assert_string_equal(out, "");
    assert_true(tok(out, 16, "multipart/mixed"));
    assert_string_equal(out, "multipart/mixed");
    assert_false(tok(out, 1, "a"));
    assert_true(tok(out, 2, "A"));
    assert_string_equal(out, "a");
}

/* ---- parameters --------------------------------------------------------- */

static void
param_plain_and_quoted(void **state)
{
    (void)state;
    assert_param("text/plain; charset=us-ascii", "charset", "us-ascii");
    assert_param("text/plain; CHARSET=us-ascii", "charset", "us-ascii");
    assert_param("text/plain; charset=us-ascii", "Charset", "us-ascii");
    assert_param("text/plain; charset=\"utf-8\"", "charset", "utf-8");
    assert_param("text/plain; charset = utf-8 (Plain text)", "charset", "utf-8");
    assert_param("a; name=\"a\\\"b\\\\c\"", "name", "a\"b\\c");
    assert_param("a; name=\"semi;colon\"; x=1", "name", "semi;colon");
    assert_param("a; x=1; name=\"(not a comment)\"", "name", "(not a comment)");
    assert_param("multipart/mixed; boundary=----=_Part_1/2", "boundary", "----=_Part_1/2");
    assert_param("a;b=1;c=2", "c", "2");
}

static void
param_folded(void **state)
{
    (void)state;
    assert_param("attachment;\r\n filename=\"long\r\n name.txt\"", "filename", "long name.txt");
    assert_param("attachment;\r\n\tfilename=\r\n x.pdf", "filename", "x.pdf");
    assert_param("attachment;\n filename=\"a\n\tb\"", "filename", "a\tb");
}

static void
param_duplicates_first_wins(void **state)
{
    (void)state;
    assert_param("a; name=first; name=second", "name", "first");
    assert_param("a; name*0=a; name*0=z; name*1=b", "name", "ab");
    assert_param("a; name*=utf-8''one; name*=utf-8''two", "name", "one");
}

static void
param_rfc2231_extended(void **state)
{
    (void)state;
    /* RFC 2231 4 example. */
    assert_param("application/x-stuff; "
                 "title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
                 "title", "This is ***fun***");
    assert_param("a; filename*=utf-8''r%C3%A9sum%c3%a9.pdf", "filename",
                 "r\xc3\xa9sum\xc3\xa9.pdf");
    assert_param("a; filename*=\"utf-8''a%20b\"", "filename", "a b"); /* quoted anyway */
    assert_param("a; name*=abc%41", "name", "abcA");                  /* no charset'lang' prefix */
    assert_param("a; name*=''", "name", "");
}

static void
param_rfc2231_continuations(void **state)
{
    (void)state;
    /* RFC 2231 3 example. */
    assert_param("message/external-body; access-type=URL;\r\n"
                 " URL*0=\"ftp://\";\r\n"
                 " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
                 "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
    /* RFC 2231 4.1 example: extended and plain sections mixed. */
    assert_param("application/x-stuff;\r\n"
                 " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
                 " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
                 " title*2=\"isn't it!\"",
                 "title", "This is even more ***fun*** isn't it!");
    /* The prefix belongs to section 0 only. */
    assert_param("a; n*0*=utf-8''x; n*1*=utf-8''y", "n", "xutf-8''y");
    /* A plain section is not percent-decoded. */
    assert_param("a; n*0*=%41; n*1=%42", "n", "A%42");
}

static void
param_rfc2231_out_of_order_and_gaps(void **state)
{
    (void)state;
    assert_param("a; name*2=\"c\"; name*0=\"a\"; name*1=\"b\"", "name", "abc");
    assert_param("a; name*1*=%62; x=1; name*0*=utf-8''%61", "name", "ab");
    assert_param("a; name*0=\"a\"; name*2=\"c\"", "name", "a"); /* gap ends the value */
    assert_no_param("a; name*1=\"b\"; name*2=\"c\"", "name");   /* no section 0 */
    assert_param("a; name=\"plain\"; name*1=\"b\"", "name", "plain");
    assert_param("a; name*10=k; name*0=a; name*1=b; name*2=c; name*3=d; name*4=e; "
                 "name*5=f; name*6=g; name*7=h; name*8=i; name*9=j",
                 "name", "abcdefghijk");
}

static void
param_rfc2231_preferred_over_plain(void **state)
{
    (void)state;
    assert_param("a; filename=\"fallback.txt\"; filename*=utf-8''real.txt", "filename", "real.txt");
    assert_param("a; filename*0=re; filename=\"fallback.txt\"; filename*1=al", "filename", "real");
}

static void
param_rfc2231_bad_section_numbers(void **state)
{
    (void)state;
    assert_no_param("a; name*01=x", "name"); /* leading zero */
    assert_no_param("a; name*0a=x", "name");
    assert_no_param("a; name**=x", "name");
    assert_no_param("a; name*-1=x", "name");
    assert_no_param("a; name*=", "nam");
    assert_param("a; name*01=x; name*0=ok", "name", "ok");
    /* More sections than we join: refused rather than truncated. */
    assert_no_param("a; name*0=a; name*1=b; name*999=z", "name");
    assert_no_param("a; name*0=a; name*99999999999=z", "name");
}

static void
param_unterminated_quotes_and_comments(void **state)
{
    (void)state;
    assert_param("a; name=\"abc", "name", "abc");
    assert_param("a; name=\"abc\\", "name", "abc");
    assert_param("a; name=\"abc; x=1", "name", "abc; x=1");
    assert_no_param("a; name=\"abc; x=1", "x");
    assert_param("text/plain; charset=utf-8 (oops", "charset", "utf-8");
    assert_no_param("text/plain; (x=1; charset=utf-8", "charset");
    assert_no_param("text/plain; \"charset=utf-8", "charset");
    assert_param("a; name*=\"utf-8''%41", "name", "A");
}

static void
param_missing_equals_and_junk(void **state)
{
    (void)state;
    assert_param("text/plain; charset; name=x", "name", "x");
    assert_no_param("text/plain; charset; name=x", "charset");
    assert_no_param("text/plain; charset \"utf-8\"", "charset");
    assert_param(";;; =x; \"q;uoted\"; @@; name=ok", "name", "ok");
    assert_param("a; x=1 name=y", "name", "y"); /* missing ';' tolerated */
    assert_param("a; name=", "name", "");
    assert_param("a; name=\"\"", "name", "");
    assert_param("a; name= ; b=1", "name", "");
    assert_no_param("text/plain; charsetx=1; xcharset=2", "charset");
    assert_no_param("text/plain", "charset");
    assert_no_param("", "charset");
    assert_no_param("charset", "charset");
    assert_no_param("a; charset=x", "");
}

static void
param_percent_edge_cases(void **state)
{
    (void)state;
    assert_param("a; name*=utf-8''a%00b", "name", "a%00b"); /* NUL kept out of the C string */
    assert_param("a; name*=utf-8''%G1%4", "name", "%G1%4");
    assert_param("a; name*=utf-8''100%", "name", "100%");
    assert_param("a; name=a%41", "name", "a%41"); /* plain: no decoding */
    char out[8];
    uint8_t v[] = {'a', ';', 'n', '=', '"', 'x', 0, 'y', '"'};
    assert_true(mime_header_param(out, sizeof(out), v, sizeof(v), "n"));
    assert_string_equal(out, "xy");
}

static void
param_capacity_and_null(void **state)
{
    (void)state;
    char out[8];
    assert_false(param(out, sizeof(out), "a; name=12345678", "name")); /* 8 + NUL */
    assert_string_equal(out, "");
    assert_true(param(out, sizeof(out), "a; name=1234567", "name"));
    assert_string_equal(out, "1234567");
    assert_false(param(out, 0, "a; name=1", "name"));
    assert_false(mime_header_param(NULL, 0, (const uint8_t *)"a; n=1", 6, "n"));
    assert_false(mime_header_param(out, sizeof(out), NULL, 0, "n"));
    assert_false(mime_header_param(out, sizeof(out), (const uint8_t *)"a; n=1", 6, NULL));
    assert_false(param(out, 4, "a; name*0=ab; name*1=cd", "name"));
}

static void
every_prefix_is_safe(void **state)
{
    (void)state;
    /* Each value cut at every length: no out-of-bounds read (ASan), no hang. */
    static const char *const vals[] = {
        "message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"x/y\"",
        "a; title*0*=us-ascii'en'This%20is; title*1*=%2A%2A; title*2=\"isn't\\\" it\"",
        "text/plain (com(men)t \\) ; charset=\"utf\\-8\"\r\n\t(x) ; name=\"a\r\n b\"",
        "a; name*=\"utf-8''%4",
    };
    static const char *const names[] = {"url", "title", "charset", "name", "access-type"};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        size_t n = strlen(vals[i]);
        for (size_t cut = 0; cut <= n; cut++) {
            uint8_t *p = malloc(cut > 0 ? cut : 1);
            assert_non_null(p);
            memcpy(p, vals[i], cut);
            char out[128];
            (void)mime_header_value_token(out, sizeof(out), p, cut);
            for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                if (mime_header_param(out, sizeof(out), p, cut, names[k])) {
                    assert_true(strlen(out) < sizeof(out));
                }
            }
            free(p);
        }
    }
}

/* ---- several parameters in one reading ----------------------------------- */

static void
params_match_single_calls(void **state)
{
    (void)state;
    /* Each value cut at every length, four names asked at once: every answer
     * equals the one-name call's, found flag and text. */
    static const char *const vals[] = {
        "multipart/mixed; boundary=\"=_b1\"; charset=UTF-8; name=a.txt",
        "text/plain; name*0=\"a\"; name*1=b; charset=x; name=c; charset=y; boundary=z",
        "a; title*0*=us-ascii'en'This%20is; title*1*=%2A%2A; name*=utf-8''%41; name=q",
        "text/plain (c(o)m) ; charset=\"utf\\-8\"\r\n\t(x) ; name=\"a\r\n b\"; boundary",
        "a; name*2=x; name*0=y; name*300=z; charset*1=k; boundary==x=; filename=f",
    };
    static const char *const names[] = {"charset", "name", "boundary", "title"};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        size_t n = strlen(vals[i]);
        for (size_t cut = 0; cut <= n; cut++) {
            uint8_t *p = malloc(cut > 0 ? cut : 1);
            assert_non_null(p);
            memcpy(p, vals[i], cut);
            char outs[4][16];
            struct mime_param_want w[4];
            for (size_t k = 0; k < 4; k++) {
                w[k] = (struct mime_param_want){.name = names[k], .out = outs[k], .cap = 16};
            }
            mime_header_params(w, 4, p, cut);
            for (size_t k = 0; k < 4; k++) {
                char one[16];
                bool found = mime_header_param(one, sizeof(one), p, cut, names[k]);
                assert_int_equal(w[k].found, found);
                assert_string_equal(outs[k], one);
            }
            free(p);
        }
    }
}

static void
params_limits_and_null(void **state)
{
    (void)state;
    const uint8_t v[] = "a; n=1; m=2; o=3; p=4; q=5";
    char o[6][8];
    struct mime_param_want w[6] = {
        {.name = "n", .out = o[0], .cap = 8}, {.name = NULL, .out = o[1], .cap = 8},
        {.name = "o", .out = o[2], .cap = 0}, {.name = "", .out = o[3], .cap = 8},
        {.name = "p", .out = o[4], .cap = 8}, {.name = "q", .out = o[5], .cap = 8},
    };
    memset(o, 'X', sizeof(o));
    mime_header_params(w, 6, v, sizeof(v) - 1);
    assert_true(w[0].found);
    assert_string_equal(o[0], "1");
    assert_false(w[1].found); /* no name */
    assert_string_equal(o[1], "");
    assert_false(w[2].found); /* no room: untouched */
    assert_int_equal(o[2][0], 'X');
    assert_false(w[3].found);
    assert_false(w[4].found); /* past MIME_PARAM_WANT_MAX: not answered */
    assert_string_equal(o[4], "");
    assert_false(w[5].found);
    w[0].found = true;
    mime_header_params(w, 1, NULL, 0);
    assert_false(w[0].found);
    assert_string_equal(o[0], "");
    mime_header_params(NULL, 0, v, sizeof(v) - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_known),
        cmocka_unit_test(token_missing_or_malformed),
        cmocka_unit_test(token_capacity),
        cmocka_unit_test(param_plain_and_quoted),
        cmocka_unit_test(param_folded),
        cmocka_unit_test(param_duplicates_first_wins),
        cmocka_unit_test(param_rfc2231_extended),
        cmocka_unit_test(param_rfc2231_continuations),
        cmocka_unit_test(param_rfc2231_out_of_order_and_gaps),
        cmocka_unit_test(param_rfc2231_preferred_over_plain),
        cmocka_unit_test(param_rfc2231_bad_section_numbers),
        cmocka_unit_test(param_unterminated_quotes_and_comments),
        cmocka_unit_test(param_missing_equals_and_junk),
        cmocka_unit_test(param_percent_edge_cases),
        cmocka_unit_test(param_capacity_and_null),
        cmocka_unit_test(every_prefix_is_safe),
        cmocka_unit_test(params_match_single_calls),
        cmocka_unit_test(params_limits_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

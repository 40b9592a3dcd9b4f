/* SPDX-License-Identifier: Apache-2.0 */
/* TNEF (scan_tnef.c) through the document rewriter: files written by
 * tests/data/tnef/gen_tnef.py after [MS-OXTNEF] holding a card in the
 * compressed RTF body (as \'hh and \uN escapes), in a stored body, in an
 * attached file, in the subject and in an attached message are held as
 * unredactable with the findings where they are; ytnef's real samples and
 * Apache POI's winmail.dat are read (POI's holds nothing to hold); malformed
 * frames, limits and nesting; the RTF reader and [MS-OXRTFCP]'s own
 * examples of compressed RTF. Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doc_fixture.h"
#include "internal.h"
#include "mime_charset.h"
#include "scan_policy.h"
#include "scan_tnef.h"
#include "scan_types.h"

#define DATA "tests/data/tnef/"

static uint8_t *
load(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    uint8_t *p = fx_file(path, len);
    if (p == NULL) {
        fail_msg("%s missing", path);
    }
    return p;
}

static size_t
count_type(const struct scan_doc_result *r, enum scan_type t, const char *loc)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        n += r->findings[i].f.type == t && strcmp(r->findings[i].location, loc) == 0;
    }
    return n;
}

static const struct scan_doc_result *
rewrite(struct env *e, const uint8_t *p, size_t len)
{
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e->doc, &r, p, len, "application/ms-tnef", "winmail.dat"), 0);
    assert_int_equal(r->kind, SCAN_DOC_TNEF);
    assert_string_equal(r->true_type, "application/vnd.ms-tnef");
    assert_false(r->modified);
    assert_false(r->failed);
    return r;
}

/* Held as unredactable (never changed), a card at `loc`, the detail naming
 * where and never the value. */
static void
check_held(const char *name, const char *loc, bool iban)
{
    size_t len = 0;
    uint8_t *p = load(name, &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = rewrite(&e, p, len);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 0);
    assert_true(count_actions(r, SCAN_DOC_UNREDACTABLE) >= 1);
    assert_true(count_type(r, SCAN_T_CREDIT_CARD, loc) >= 1);
    if (iban) {
        assert_true(count_type(r, SCAN_T_IBAN, loc) >= 1);
    }
    for (size_t i = 0; i < r->n_actions; i++) {
        if (r->actions[i].kind == SCAN_DOC_UNREDACTABLE && r->actions[i].location[0] == '\0') {
            assert_non_null(strstr(r->actions[i].detail, "TNEF"));
            assert_non_null(strstr(r->actions[i].detail, strchr(loc, '/') ? "Invoice" : loc));
            assert_null(strstr(r->actions[i].detail, "4111"));
        }
    }
    env_fini(&e);
    free(p);
}

static void
test_card_in_rtf_body(void **state)
{
    (void)state;
    check_held("card-rtf.tnef", "body.rtf", true);        /* LZFu compressed */
    check_held("card-rtf-stored.tnef", "body.rtf", true); /* MELA, stored */
    check_held("card-table.tnef", "body.rtf", false);     /* in four cells of a row */
}

static void
test_card_elsewhere(void **state)
{
    (void)state;
    check_held("card-attach.tnef", "card.txt", false);
    check_held("card-name.tnef", "attachment 1", false); /* a location holds no value */
    size_t len = 0;
    uint8_t *p = load("card-attach.tnef", &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = rewrite(&e, p, len);
    assert_int_equal(count_type(r, SCAN_T_IBAN,
                                "\xc3\x9c"
                                "berweisung.txt"),
                     1); /* UTF-8 */
    env_fini(&e);
    free(p);
    check_held("card-subject.tnef", "subject", false);
    check_held("card-embedded.tnef", "Invoice/body.rtf", true);
}

/* Nothing to find: delivered as is. clean.tnef has digits only in a
 * picture, \bin data and an ignorable group; POI's winmail.dat holds a PDF,
 * a .doc, HTML, XML and text attachments and an RTF body of Word's. */
static void
test_clean_passes(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *p = load("clean.tnef", &len);
    const struct scan_doc_result *r = rewrite(&e, p, len);
    assert_false(r->unreadable);
    assert_int_equal(r->n_findings, 0);
    assert_int_equal(r->n_actions, 0);
    free(p);
    char path[512];
    const char *corpus = getenv("RL_CORPUS");
    snprintf(path, sizeof(path), "%s/office-poi/hmef/quick-winmail.dat",
             corpus != NULL ? corpus : "../shared/corpus");
    p = fx_file(path, &len);
    assert_non_null(p);
    r = rewrite(&e, p, len);
    assert_false(r->unreadable);
    assert_int_equal(r->n_findings, 0);
    assert_int_equal(r->n_actions, 0);
    /* the attachments are opened: with room for two of the five, a limit */
    e.pol->limits.max_archive_entries = 2;
    r = rewrite(&e, p, len);
    assert_true(r->unreadable);
    assert_true(count_actions(r, SCAN_DOC_LIMIT) >= 1);
    free(p);
    env_fini(&e);
}

/* ytnef's samples (real Outlook mail): read, not refused; what they hold is
 * found where it is (a signature's phone number and address in the RTF body,
 * an e-mail address in an attached AUTHORS file). Contact details alone do
 * not hold a TNEF under the default policy (documents.hold_unredactable):
 * they are recorded and it passes; a policy that lists them holds it. */
static void
test_real_samples(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const struct {
        const char *name;
        const char *loc;
        enum scan_type t;
    } cases[] = {
        {"ytnef/rtf.tnef", "body.rtf", SCAN_T_PHONE},
        {"ytnef/one-file.tnef", "AUTHORS", SCAN_T_EMAIL},
        {"ytnef/long-filename.tnef", "body.rtf", SCAN_T_EMAIL},
        {"ytnef/winmail.dat", "bookmark.htm", SCAN_T_EMAIL},
        {"ytnef/multi-value-attribute.tnef", NULL, SCAN_T_EMAIL},
        /* a line end after the last attribute; a Unicode subject of 71
         * characters (over libytnef's 100-byte cap for the one it copies);
         * the triples of attFrom */
        {"tnef-upstream/garbage-at-end.tnef", NULL, SCAN_T_EMAIL},
        {"tnef-upstream/unicode-mapi-attr-name.tnef", "body.html", SCAN_T_PHONE},
        {"tnef-upstream/triples.tnef", NULL, SCAN_T_EMAIL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = 0;
        uint8_t *p = load(cases[i].name, &len);
        const struct scan_doc_result *r = rewrite(&e, p, len);
        assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 0);
        assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 0);
        if (cases[i].loc != NULL) {
            assert_true(count_type(r, cases[i].t, cases[i].loc) >= 1);
            assert_false(r->unreadable);
            for (size_t k = 0; k < r->n_findings; k++) {
                assert_int_equal(r->findings[k].f.action, SCAN_ACT_ALLOW);
            }
        } else {
            assert_false(r->unreadable);
            assert_int_equal(r->n_findings, 0);
        }
        free(p);
    }
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"hold_unredactable\": "
                 "[\"EMAIL\", \"PHONE\"]}}");
    size_t len = 0;
    uint8_t *p = load("ytnef/one-file.tnef", &len);
    const struct scan_doc_result *r = rewrite(&e, p, len);
    assert_true(count_type(r, SCAN_T_EMAIL, "AUTHORS") >= 1);
    assert_true(r->unreadable); /* held: unredactable */
    free(p);
    env_fini(&e);
}

/* The detail of the one unreadable action of a malformed stream. */
static void
check_unreadable(struct env *e, const uint8_t *p, size_t len, const char *why)
{
    const struct scan_doc_result *r = rewrite(e, p, len);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    for (size_t i = 0; i < r->n_actions; i++) {
        if (r->actions[i].kind == SCAN_DOC_UNREADABLE &&
            strstr(r->actions[i].detail, why) == NULL) {
            fail_msg("%s: not in \"%s\"", why, r->actions[i].detail);
        }
    }
}

/* Offset of the first attribute with ID `id` in TNEF p[0, len), or 0. */
static size_t
find_attr(const uint8_t *p, size_t len, uint32_t id)
{
    for (size_t pos = 6; pos + 11 <= len;) {
        uint32_t a = (uint32_t)p[pos + 1] | (uint32_t)p[pos + 2] << 8 | (uint32_t)p[pos + 3] << 16 |
                     (uint32_t)p[pos + 4] << 24;
        uint32_t n = (uint32_t)p[pos + 5] | (uint32_t)p[pos + 6] << 8 | (uint32_t)p[pos + 7] << 16 |
                     (uint32_t)p[pos + 8] << 24;
        if (a == id) {
            return pos;
        }
        pos += 11 + (size_t)n;
    }
    return 0;
}

static void
test_malformed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *p = load("card-attach.tnef", &len);
    size_t last = find_attr(p, len, 0x00069005u);
    assert_true(last > 0);
    /* less than a header left: the end (a line end added on the way), the
     * rest read */
    const struct scan_doc_result *r = rewrite(&e, p, last + 5);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 0);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 1);
    assert_int_equal(count_type(r, SCAN_T_CREDIT_CARD, "card.txt"), 1);
    check_unreadable(&e, p, len - 1, "past the end");
    size_t mapi = find_attr(p, len, 0x00069003u);
    assert_true(mapi > 0);
    p[mapi + 9] ^= 1; /* the property count: the checksum no longer matches */
    check_unreadable(&e, p, len, "checksum mismatch");
    p[mapi + 9] ^= 1;
    p[mapi] = 3;
    check_unreadable(&e, p, len, "level 3");
    p[mapi] = 1;
    /* attachments before their rendering; a repeated attribute */
    size_t rend = find_attr(p, len, 0x00069002u);
    assert_true(rend > 0);
    uint8_t *q = malloc(len * 2);
    assert_non_null(q);
    memcpy(q, p, rend);
    memcpy(q + rend, p + rend + 25, len - rend - 25); /* rendering: 11 + 14 bytes */
    check_unreadable(&e, q, len - 25, "before attAttachRendData");
    size_t mapi_len = rend - mapi;
    memcpy(q, p, rend);
    memcpy(q + rend, p + mapi, mapi_len);
    memcpy(q + rend + mapi_len, p + rend, len - rend);
    check_unreadable(&e, q, len + mapi_len, "repeated");
    /* a property block libytnef refuses (a count over its cap of 1000) */
    memcpy(q, p, len);
    q[mapi + 9] = 0xE9; /* 1001 properties; the checksum mended */
    q[mapi + 10] = 0x03;
    uint32_t n = (uint32_t)q[mapi + 5] | (uint32_t)q[mapi + 6] << 8;
    unsigned sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += q[mapi + 9 + i];
    }
    q[mapi + 9 + n] = (uint8_t)sum;
    q[mapi + 10 + n] = (uint8_t)(sum >> 8);
    check_unreadable(&e, q, len, "libytnef");
    free(q);
    free(p);
    env_fini(&e);
}

/* Nesting and budgets: an attached message one level too deep; too few
 * bytes; documents.redact off. */
static void
test_limits(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *p = load("card-embedded.tnef", &len);
    e.pol->limits.max_archive_depth = 1;
    const struct scan_doc_result *r = rewrite(&e, p, len);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_int_equal(r->n_findings, 0);
    assert_true(r->unreadable);
    free(p);
    e.pol->limits.max_archive_depth = 4;
    p = load("card-attach.tnef", &len);
    e.pol->limits.max_archive_bytes = 10;
    r = rewrite(&e, p, len);
    assert_true(count_actions(r, SCAN_DOC_LIMIT) >= 1);
    assert_true(r->unreadable);
    e.pol->limits.max_archive_bytes = 1 << 20;
    e.pol->documents.redact = false;
    r = rewrite(&e, p, len);
    assert_false(r->unreadable);
    assert_int_equal(r->n_findings, 0);
    free(p);
    env_fini(&e);
}

static void
check_rtf(const char *rtf, const char *want)
{
    size_t n = strlen(rtf);
    uint8_t *out = malloc(scan_tnef_rtf_text_cap(n));
    assert_non_null(out);
    size_t len = scan_tnef_rtf_text(out, (const uint8_t *)rtf, n);
    assert_true(len <= scan_tnef_rtf_text_cap(n));
    out[len] = '\0';
    assert_string_equal((char *)out, want);
    free(out);
}

static void
test_rtf_text(void **state)
{
    (void)state;
    check_rtf("{\\rtf1\\ansi card 4\\'31\\'311 1111}", "card 4111 1111");
    check_rtf("{\\rtf1 \\u8364?5 {\\uc2\\u8364 xy}z \\u-10179?\\u-8959?}", "\xe2\x82\xac"
                                                                           "5 \xe2\x82\xac"
                                                                           "z \xf0\x9f\x94\x81");
    check_rtf("{\\rtf1 a\\par b\\line c\\cell d\\tab e\\~f\\_g\\-h}", "a\nb\nc\td\te f-gh");
    /* a card typed into four cells of a row reads as the row Word copies */
    check_rtf("{\\rtf1\\trowd\\cellx1\\pard\\intbl 4111\\cell 1111\\cell 1111\\cell "
              "1111\\cell\\row\\pard x}",
              "4111\t1111\t1111\t1111\t\nx");
    check_rtf("{\\rtf1{\\fonttbl{\\f0 Arial 4111;}}{\\colortbl\\red0;}{\\*\\foo 4111}x}", "x");
    check_rtf("{\\rtf1{\\pict\\pngblip 34313131}{\\*\\htmltag84 <b>}y}", "<b>y");
    check_rtf("{\\rtf1 \\bin4 {}}}x\\\\\\{\\}}", "x\\{}");
    check_rtf("{\\rtf1 caf\\'e9 \xe9t\\'e9}", "caf\xc3\xa9 \xc3\xa9t\xc3\xa9");
    check_rtf("\\bin99999999999 x", "");
    check_rtf("{\\rtf1 \\'3", "3"); /* half an escape: the digit is text */
}

/* [MS-OXRTFCP] 4.1 and 4.2: its own examples of compressed RTF. */
static void
test_rtf_decompress(void **state)
{
    (void)state;
    static const uint8_t ex1[] = {0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a,
                                  0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00,
                                  0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
                                  0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77,
                                  0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
    static const uint8_t ex2[] = {0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x4c, 0x5a,
                                  0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51, 0x41, 0x00, 0x04, 0x20,
                                  0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0};
    uint8_t *o = NULL;
    size_t n = 0;
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, ex1, sizeof(ex1), 1 << 20), 0);
    assert_int_equal(n, 43);
    assert_memory_equal(o, "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", 43);
    free(o);
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, ex2, sizeof(ex2), 1 << 20), 0);
    assert_int_equal(n, 28);
    assert_memory_equal(o, "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}", 28);
    free(o);
    /* over the cap; sizes that cannot be; an unknown kind */
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, ex1, sizeof(ex1), 42), RL_ELIMIT);
    assert_null(o);
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, ex1, sizeof(ex1) - 1, 1 << 20), RL_EINVAL);
    uint8_t bad[sizeof(ex1)];
    memcpy(bad, ex1, sizeof(ex1));
    bad[7] = 0x7f; /* 2 GiB from 49 bytes */
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, bad, sizeof(bad), SIZE_MAX), RL_EINVAL);
    memcpy(bad, ex1, sizeof(ex1));
    bad[8] = 'X';
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, bad, sizeof(bad), 1 << 20), RL_EINVAL);
    memcpy(bad, ex1, sizeof(ex1));
    bad[10] = 'L'; /* "LZLu": neither kind */
    assert_int_equal(scan_tnef_rtf_decompress(&o, &n, bad, sizeof(bad), 1 << 20), RL_EINVAL);
    assert_null(o);
}

int
main(void)
{
    if (mime_charset_init() != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_in_rtf_body), cmocka_unit_test(test_card_elsewhere),
        cmocka_unit_test(test_clean_passes),     cmocka_unit_test(test_real_samples),
        cmocka_unit_test(test_malformed),        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_rtf_text),         cmocka_unit_test(test_rtf_decompress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

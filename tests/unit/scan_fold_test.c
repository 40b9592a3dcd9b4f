/* SPDX-License-Identifier: Apache-2.0 */
/* Compatibility folding (scan_fold.c): the folded text and its map against
 * a reference that decodes code points, and the detectors reading full-width
 * and Arabic-Indic numbers through scan_detect with offsets into the input.
 * Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan_engine.h"
#include "scan_fold.h"
#include "scan_policy.h"

/* The reference: decode one UTF-8 character (or take one octet), fold by
 * code point. */
static size_t
ref_fold(uint8_t *out, uint32_t *map, const uint8_t *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = in[i] < 0x80 ? in[i] : 0x110000; /* a stray octet is no character */
        size_t cl = 1;
        if (in[i] >= 0xC0 && in[i] < 0xE0 && i + 1 < len && (in[i + 1] & 0xC0) == 0x80) {
            cp = ((in[i] & 0x1Fu) << 6) | (in[i + 1] & 0x3Fu);
            cl = 2;
        } else if (in[i] >= 0xE0 && in[i] < 0xF0 && i + 2 < len && (in[i + 1] & 0xC0) == 0x80 &&
                   (in[i + 2] & 0xC0) == 0x80) {
            cp = ((in[i] & 0x0Fu) << 12) | ((in[i + 1] & 0x3Fu) << 6) | (in[i + 2] & 0x3Fu);
            cl = 3;
        }
        int a = -1;
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            a = (int)(cp - 0xFF01 + 0x21);
        } else if (cp == 0x3000) {
            a = ' ';
        } else if (cp >= 0x0660 && cp <= 0x0669) {
            a = (int)('0' + cp - 0x0660);
        } else if (cp >= 0x06F0 && cp <= 0x06F9) {
            a = (int)('0' + cp - 0x06F0);
        } else if (cp >= 0x0966 && cp <= 0x096F) {
            a = (int)('0' + cp - 0x0966);
        } else if (cp == 0x00AD || (cp >= 0x200B && cp <= 0x200F) ||
                   (cp >= 0x202A && cp <= 0x202E) || cp == 0x2060 ||
                   (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF) {
            a = -2; /* left out */
        }
        if (a == -2) {
            i += cl;
        } else if (a >= 0) {
            map[o] = (uint32_t)i;
            out[o++] = (uint8_t)a;
            i += cl;
        } else {
            map[o] = (uint32_t)i;
            out[o++] = in[i++];
        }
    }
    map[o] = (uint32_t)len;
    return o;
}

static void
test_fold_reference(void **state)
{
    (void)state;
    /* pieces: ASCII, folding characters, their neighbours that do not fold,
     * other scripts, and sequences cut short */
    static const char *piece[] = {
        "a",
        "7",
        " ",
        "\xEF\xBC\x94",
        "\xEF\xBC\x8D",
        "\xEF\xBC\xA7",
        "\xEF\xBD\x82",
        "\xEF\xBD\x9E",
        "\xEF\xBD\x9F",
        "\xEF\xBC\x80",
        "\xE3\x80\x80",
        "\xE3\x80\x81",
        "\xD9\xA4",
        "\xD9\xAA",
        "\xDB\xB5",
        "\xDB\xBA",
        "\xE0\xA5\xAC",
        "\xE0\xA5\xA5",
        "\xC3\xA9",
        "\xE4\xB8\xAD",
        "\xEF\xBC",
        "\xD9",
        "\xE0\xA5",
        "\xF0\x9F\x98\x80",
        "\xC2\xAD",
        "\xC2\xA0",
        "\xE2\x80\x8B",
        "\xE2\x80\x8D",
        "\xE2\x80\x8E",
        "\xE2\x81\xA0",
        "\xEF\xBB\xBF",
        "\xE2\x80\x93",
        "\xC2",
    };
    size_t np = sizeof(piece) / sizeof(piece[0]);
    uint8_t in[600];
    uint8_t got[600];
    uint8_t want[600];
    uint32_t gmap[601];
    uint32_t wmap[601];
    srand(7);
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        size_t k = (size_t)(rand() % 120);
        for (size_t i = 0; i < k; i++) {
            const char *p = piece[(size_t)rand() % np];
            memcpy(in + len, p, strlen(p));
            len += strlen(p);
        }
        size_t gn = scan_fold(got, gmap, in, len);
        size_t wn = ref_fold(want, wmap, in, len);
        assert_int_equal(gn, wn);
        assert_memory_equal(got, want, gn);
        assert_memory_equal(gmap, wmap, (gn + 1) * sizeof(gmap[0]));
        assert_int_equal(scan_fold_needed(in, len), gn != len || memcmp(got, in, gn) != 0);
    }
}

/* A folding character at every alignment in a long ASCII or Latin-1 text,
 * and one cut off by the end of the buffer. */
static void
test_fold_needed_edges(void **state)
{
    (void)state;
    uint8_t buf[100];
    for (size_t at = 0; at + 3 <= sizeof(buf); at++) {
        memset(buf, 'x', sizeof(buf));
        assert_false(scan_fold_needed(buf, sizeof(buf)));
        memcpy(buf + at, "\xEF\xBC\x91", 3);
        assert_true(scan_fold_needed(buf, sizeof(buf)));
        assert_false(scan_fold_needed(buf, at + 2));
        memcpy(buf + at, "\xC3\xA9x", 3);
        assert_false(scan_fold_needed(buf, sizeof(buf)));
    }
}

/* Every character that folds, at every alignment among characters of other
 * scripts whose octets are near its own (Cyrillic, kana after U+3000's E3,
 * the en dash after the zero-width space's E2, Latin-1 after the soft
 * hyphen's C2, Arabic letters after D9): found, and none of those alone. */
static void
test_fold_needed_among_scripts(void **state)
{
    (void)state;
    static const char *const folds[] = {
        "\xC2\xAD",     "\xD9\xA4",     "\xDB\xB4",     "\xE0\xA5\xAA", "\xE2\x80\x8B",
        "\xE2\x81\xA0", "\xE3\x80\x80", "\xEF\xBC\x94", "\xEF\xBD\x81", "\xEF\xBB\xBF",
        "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAB", "\xE2\x81\xA7"};
    static const char *const fill[] = {"\xD0\x96", "\xE3\x81\x82", "\xE2\x80\x93",
                                       "\xC2\xA0", "\xD9\x84",     "\xEF\xBD\x9Fx"};
    uint8_t buf[160];
    for (size_t k = 0; k < sizeof(fill) / sizeof(fill[0]); k++) {
        size_t fl = strlen(fill[k]);
        size_t n = 0;
        while (n + fl <= sizeof(buf)) {
            memcpy(buf + n, fill[k], fl);
            n += fl;
        }
        assert_false(scan_fold_needed(buf, n));
        for (size_t f = 0; f < sizeof(folds) / sizeof(folds[0]); f++) {
            size_t len = strlen(folds[f]);
            for (size_t at = 0; at + len <= n; at++) {
                uint8_t t[160];
                memcpy(t, buf, n);
                memcpy(t + at, folds[f], len);
                assert_true(scan_fold_needed(t, n));
            }
        }
    }
}

struct fx {
    struct scan_policy *policy;
    struct scan_engine *engine;
    struct scan_worker *worker;
    struct scan_finding f[64];
    size_t n;
};

static struct fx *
fx_new(void)
{
    struct rl_diag d;
    struct fx *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    static const char json[] = "{\"version\": \"t\"}";
    assert_int_equal(scan_policy_parse(&x->policy, &d, json, strlen(json)), 0);
    assert_int_equal(scan_engine_compile(&x->engine, &d, x->policy), 0);
    x->worker = scan_worker_new(x->engine);
    assert_non_null(x->worker);
    return x;
}

static void
fx_free(struct fx *x)
{
    scan_worker_free(x->worker);
    scan_engine_free(x->engine);
    scan_policy_free(x->policy);
    free(x);
}

/* The one finding of `type` in text[from, to), as offsets into text. */
static void
expect_one(struct fx *x, const char *text, size_t from, size_t to, enum scan_type type,
           const char *value)
{
    size_t len = strlen(text);
    assert_int_equal(
        scan_detect(x->worker, x->f, 64, &x->n, (const uint8_t *)text, len, from, to, ~0u), 0);
    size_t hits = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (x->f[i].type == type) {
            hits++;
            assert_int_equal(x->f[i].end - x->f[i].start, strlen(value));
            assert_memory_equal(text + x->f[i].start, value, strlen(value));
        }
    }
    assert_int_equal(hits, 1);
}

#define FW_CARD                                                                                    \
    "\xEF\xBC\x94\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x8D\xEF\xBC\x91\xEF\xBC\x91"         \
    "\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x8D\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91"         \
    "\xEF\xBC\x8D\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91" /* ４１１１－１１１１－… */
#define AR_CARD                                                                                    \
    "\xD9\xA5\xD9\xA5\xD9\xA5\xD9\xA5 \xD9\xA5\xD9\xA5\xD9\xA5\xD9\xA5 "                           \
    "\xD9\xA5\xD9\xA5\xD9\xA5\xD9\xA5 \xD9\xA4\xD9\xA4\xD9\xA4\xD9\xA4" /* ٥٥٥٥ … ٤٤٤٤ */
#define FW_IBAN                                                                                    \
    "\xEF\xBC\xA7\xEF\xBC\xA2\xEF\xBC\x98\xEF\xBC\x92\xE3\x80\x80\xEF\xBC\xB7\xEF\xBC\xA5"         \
    "\xEF\xBC\xB3\xEF\xBC\xB4 1234 5698 7654 32" /* ＧＢ８２　ＷＥＳＴ 1234 … */

static void
test_detect_folded(void **state)
{
    (void)state;
    struct fx *x = fx_new();
    const char *t = "\xE3\x82\xAB\xE3\x83\xBC\xE3\x83\x89\xEF\xBC\x9A" FW_CARD " \xE3\x81\xA7";
    expect_one(x, t, 0, strlen(t), SCAN_T_CREDIT_CARD, FW_CARD);
    t = "\xD8\xB1\xD9\x82\xD9\x85 " AR_CARD ".";
    expect_one(x, t, 0, strlen(t), SCAN_T_CREDIT_CARD, AR_CARD);
    t = "card 4111\xE2\x80\x8B"
        "1111\xC2\xAD"
        "1111\xE2\x81\xA0"
        "1111, thanks";
    expect_one(x, t, 0, strlen(t), SCAN_T_CREDIT_CARD,
               "4111\xE2\x80\x8B"
               "1111\xC2\xAD"
               "1111\xE2\x81\xA0"
               "1111");
    t = "IBAN " FW_IBAN " thanks";
    expect_one(x, t, 0, strlen(t), SCAN_T_IBAN, FW_IBAN);
    /* full-width digits that fail Luhn are no card */
    t = "\xEF\xBC\x94\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91 1111 1111 1112";
    assert_int_equal(
        scan_detect(x->worker, x->f, 64, &x->n, (const uint8_t *)t, strlen(t), 0, strlen(t), ~0u),
        0);
    for (size_t i = 0; i < x->n; i++) {
        assert_int_not_equal(x->f[i].type, SCAN_T_CREDIT_CARD);
    }
    fx_free(x);
}

/* Ranges far into a text: the folded window starts inside it, and what is
 * found maps back to the text's own offsets; a finding starting in the next
 * range is that range's. */
static void
test_detect_folded_ranges(void **state)
{
    (void)state;
    struct fx *x = fx_new();
    size_t pad = 5000;
    size_t len = pad + strlen(FW_CARD) + 2 + pad + strlen(AR_CARD) + 1;
    char *t = malloc(len + 1);
    assert_non_null(t);
    memset(t, 'w', len);
    for (size_t i = 7; i < len; i += 8) {
        t[i] = ' ';
    }
    memcpy(t + pad, " " FW_CARD " ", strlen(FW_CARD) + 2);
    size_t ar = pad + strlen(FW_CARD) + 2 + pad;
    memcpy(t + ar - 1, " " AR_CARD, strlen(AR_CARD) + 1);
    t[len - 1] = ' ';
    t[len] = '\0';
    size_t cut = pad + strlen(FW_CARD) + 2 + pad / 2;
    expect_one(x, t, 0, cut, SCAN_T_CREDIT_CARD, FW_CARD);
    assert_int_equal(x->f[0].start, pad + 1);
    expect_one(x, t, cut, len, SCAN_T_CREDIT_CARD, AR_CARD);
    assert_int_equal(x->f[0].start, ar);
    /* the first card starts before this range: not this range's */
    assert_int_equal(
        scan_detect(x->worker, x->f, 64, &x->n, (const uint8_t *)t, len, pad + 4, cut, ~0u), 0);
    assert_int_equal(x->n, 0);
    free(t);
    fx_free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_reference),
        cmocka_unit_test(test_fold_needed_edges),
        cmocka_unit_test(test_fold_needed_among_scripts),
        cmocka_unit_test(test_detect_folded),
        cmocka_unit_test(test_detect_folded_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

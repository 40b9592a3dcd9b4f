/* SPDX-License-Identifier: Apache-2.0 */
/* Full-width forms and non-ASCII decimal digits read as ASCII (scan_fold.h). */
#include "scan_fold.h"

#include <emmintrin.h>

#define FOLD_NONE (-1) /* the character stays as it is */
#define FOLD_DROP 0    /* the character is not read at all */

/* What the character at in[i] is read as: an ASCII octet, FOLD_DROP or
 * FOLD_NONE; its length in *cl when it folds. */
static int
fold_at(const uint8_t *in, size_t i, size_t len, size_t *cl)
{
    uint8_t c = in[i];
    if (c < 0xC2 || i + 1 >= len) {
        return FOLD_NONE;
    }
    uint8_t d = in[i + 1];
    if (c == 0xC2 || c == 0xD9 || c == 0xDB) {
        *cl = 2;
        if (c == 0xC2 && d == 0xAD) { /* U+00AD soft hyphen */
            return FOLD_DROP;
        }
        if (c == 0xD9 && d >= 0xA0 && d <= 0xA9) { /* U+0660-0669 */
            return '0' + d - 0xA0;
        }
        if (c == 0xDB && d >= 0xB0 && d <= 0xB9) { /* U+06F0-06F9 */
            return '0' + d - 0xB0;
        }
        return FOLD_NONE;
    }
    if (i + 2 >= len) {
        return FOLD_NONE;
    }
    uint8_t e = in[i + 2];
    *cl = 3;
    if (c == 0xEF && d == 0xBC && e >= 0x81 && e <= 0xBF) { /* U+FF01-FF3F */
        return 0x21 + e - 0x81;
    }
    if (c == 0xEF && d == 0xBD && e >= 0x80 && e <= 0x9E) { /* U+FF40-FF5E */
        return 0x60 + e - 0x80;
    }
    if (c == 0xE3 && d == 0x80 && e == 0x80) { /* U+3000 */
        return ' ';
    }
    if (c == 0xE0 && d == 0xA5 && e >= 0xA6 && e <= 0xAF) { /* U+0966-096F */
        return '0' + e - 0xA6;
    }
    /* U+200B-200D zero-width space and (non-)joiner, U+2060 word joiner,
     * U+FEFF zero-width no-break space, and the directional marks mail
     * clients put around numbers in Hebrew, Arabic and Persian text (U+200E
     * LRM, U+200F RLM, U+202A-202E embeddings and overrides, U+2066-2069
     * isolates): invisible, so a number they are pasted into reads as if
     * they were not there */
    if ((c == 0xE2 && d == 0x80 && ((e >= 0x8B && e <= 0x8F) || (e >= 0xAA && e <= 0xAE))) ||
        (c == 0xE2 && d == 0x81 && (e == 0xA0 || (e >= 0xA6 && e <= 0xA9))) ||
        (c == 0xEF && d == 0xBB && e == 0xBF)) {
        return FOLD_DROP;
    }
    return FOLD_NONE;
}

/* The octets of v that can start a character fold_at changes (C2, D9, DB,
 * E0, E2, E3, EF), as a movemask: text in another script (Cyrillic, Greek,
 * Hebrew, most CJK) is mostly other octets and costs no fold_at call. */
static inline unsigned
fold_leads(__m128i v)
{
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xD9)));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xDB)));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2)));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE3)));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xEF)));
    return (unsigned)_mm_movemask_epi8(m);
}

bool
scan_fold_needed(const uint8_t *p, size_t n)
{
    size_t cl = 1;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if ((i & 63) == 0 && i + 64 <= n) {
            /* mail is mostly ASCII: 64 octets with one test */
            const __m128i *q = (const __m128i *)(const void *)(p + i);
            __m128i any =
                _mm_or_si128(_mm_or_si128(_mm_loadu_si128(q), _mm_loadu_si128(q + 1)),
                             _mm_or_si128(_mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)));
            if (_mm_movemask_epi8(any) == 0) {
                i += 48;
                continue;
            }
        }
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        if (_mm_movemask_epi8(v) == 0) {
            continue;
        }
        for (unsigned lead = fold_leads(v); lead != 0; lead &= lead - 1) {
            size_t j = i + (size_t)__builtin_ctz(lead);
            if (fold_at(p, j, n, &cl) != FOLD_NONE) {
                return true;
            }
        }
    }
    for (; i < n; i++) {
        if (fold_at(p, i, n, &cl) != FOLD_NONE) {
            return true;
        }
    }
    return false;
}

size_t
scan_fold(uint8_t *out, uint32_t *map, const uint8_t *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t cl = 1;
        int a = fold_at(in, i, len, &cl);
        if (a == FOLD_NONE) {
            map[o] = (uint32_t)i;
            out[o++] = in[i++];
            continue;
        }
        if (a != FOLD_DROP) {
            map[o] = (uint32_t)i;
            out[o++] = (uint8_t)a;
        }
        i += cl;
    }
    map[o] = (uint32_t)len;
    return o;
}

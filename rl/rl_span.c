/* SPDX-License-Identifier: Apache-2.0 */
#include "rl_span.h"

#include <emmintrin.h>

/* load reads 16 octets at p (any alignment). */
static __m128i
load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

size_t
rl_span3(const void *v, size_t n, uint8_t a, uint8_t b, uint8_t c)
{
    const uint8_t *p = v;
    const __m128i va = _mm_set1_epi8((char)a);
    const __m128i vb = _mm_set1_epi8((char)b);
    const __m128i vc = _mm_set1_epi8((char)c);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = load(p + i);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                 _mm_cmpeq_epi8(x, vc));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask != 0) {
            return i + (size_t)__builtin_ctz(mask);
        }
    }
    for (; i < n; i++) {
        if (p[i] == a || p[i] == b || p[i] == c) {
            return i;
        }
    }
    return n;
}

size_t
rl_line_start(const void *v, size_t n, uint8_t lower)
{
    const uint8_t *p = v;
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i fold = _mm_set1_epi8(0x20);
    const __m128i want = _mm_set1_epi8((char)lower);
    size_t i = 1;
    /* Octets p[i - 1 ..] against LF, p[i ..] against the letter. */
    for (; i + 16 <= n; i += 16) {
        __m128i is_lf = _mm_cmpeq_epi8(load(p + i - 1), lf);
        __m128i is_c = _mm_cmpeq_epi8(_mm_or_si128(load(p + i), fold), want);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(is_lf, is_c));
        if (mask != 0) {
            return i + (size_t)__builtin_ctz(mask);
        }
    }
    for (; i < n; i++) {
        if (p[i - 1] == '\n' && (p[i] | 0x20) == lower) {
            return i;
        }
    }
    return n;
}

size_t
rl_dot_line(const void *v, size_t n)
{
    const uint8_t *p = v;
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i dot = _mm_set1_epi8('.');
    size_t i = 1;
    /* Octets p[i - 1 ..] against CR and LF, p[i ..] against the dot. */
    for (; i + 16 <= n; i += 16) {
        __m128i prev = load(p + i - 1);
        __m128i eol = _mm_or_si128(_mm_cmpeq_epi8(prev, cr), _mm_cmpeq_epi8(prev, lf));
        __m128i is_dot = _mm_cmpeq_epi8(load(p + i), dot);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(eol, is_dot));
        if (mask != 0) {
            return i + (size_t)__builtin_ctz(mask);
        }
    }
    for (; i < n; i++) {
        if (p[i] == '.' && (p[i - 1] == '\r' || p[i - 1] == '\n')) {
            return i;
        }
    }
    return n;
}

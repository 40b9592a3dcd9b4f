/* SPDX-License-Identifier: Apache-2.0 */
/* Content-transfer codecs (base64, quoted-printable) and RFC 2047 encoded
 * words. Pure functions: no state, no allocation; callable from any thread.
 * Hand-written rather than OpenSSL's EVP base64 because EVP fails on the stray
 * bytes real mail carries (we must skip and count them) and has no QP. */
#include "mime_codec.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CODEC_AVX2 1
#endif

/* ---- base64 (RFC 2045 6.8) ---------------------------------------------- */

/* Decoding classes above the 64 alphabet values. Any class >= 64 marks a byte
 * outside the alphabet, so the fast path tests four bytes with one OR. */
#define B64_SKIP 64u /* CR, LF, SP, HT: line structure, ignored */
#define B64_PAD 65u  /* '=' */
#define B64_BAD 66u  /* anything else */

#define SK B64_SKIP
#define PD B64_PAD
#define XX B64_BAD
/* Byte -> sextet or class; a literal table so no initialisation is needed. */
/* clang-format off */
static const uint8_t b64_dec[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, SK, SK, XX, XX, SK, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    SK, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
    XX, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};
/* clang-format on */
#undef SK
#undef PD
#undef XX

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_tail writes the 1 or 2 bytes of a group of n (2 or 3) sextets. */
static size_t
b64_tail(uint8_t *out, uint32_t acc, unsigned n)
{
    if (n == 2) {
        out[0] = (uint8_t)(acc >> 4);
        return 1;
    }
    out[0] = (uint8_t)(acc >> 10);
    out[1] = (uint8_t)(acc >> 2);
    return 2;
}

#ifdef CODEC_AVX2
/* The lookups of W. Mula and D. Lemire, "Faster Base64 Encoding and Decoding
 * Using AVX2 Instructions" (2018): nibble lookups validate and translate
 * sixteen characters per lane, two multiply-adds pack four sextets into
 * three bytes. */
#define B64_LUT_LO                                                                                 \
    0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A
#define B64_LUT_HI                                                                                 \
    0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10
#define B64_LUT_ROLL 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0
#define B64_PACK 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1

/* b64_block32 decodes 32 alphabet characters at `in` into 24 bytes at `out`
 * (exactly 24 written) and returns true, or returns false (nothing written)
 * when any of them is outside the alphabet: padding, line ends, anything. */
__attribute__((target("avx2"), always_inline)) static inline bool
b64_block32(uint8_t *out, const uint8_t *in)
{
    const __m256i lut_lo = _mm256_setr_epi8(B64_LUT_LO, B64_LUT_LO);
    const __m256i lut_hi = _mm256_setr_epi8(B64_LUT_HI, B64_LUT_HI);
    const __m256i lut_roll = _mm256_setr_epi8(B64_LUT_ROLL, B64_LUT_ROLL);
    const __m256i mask_2f = _mm256_set1_epi8(0x2F);
    __m256i str = _mm256_loadu_si256((const __m256i *)(const void *)in);
    __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f);
    __m256i lo_nibbles = _mm256_and_si256(str, mask_2f);
    __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
    __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
    if (!_mm256_testz_si256(lo, hi)) {
        return false;
    }
    __m256i eq_2f = _mm256_cmpeq_epi8(str, mask_2f);
    __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles));
    str = _mm256_add_epi8(str, roll);
    __m256i ab_bc = _mm256_maddubs_epi16(str, _mm256_set1_epi32(0x01400140));
    __m256i v = _mm256_madd_epi16(ab_bc, _mm256_set1_epi32(0x00011000));
    v = _mm256_shuffle_epi8(v, _mm256_setr_epi8(B64_PACK, B64_PACK));
    v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 6, 6));
    _mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(v));
    _mm_storel_epi64((__m128i *)(void *)(out + 16), _mm256_extracti128_si256(v, 1));
    return true;
}

/* b64_block16 is b64_block32 for 16 characters into 12 bytes. */
__attribute__((target("avx2"), always_inline)) static inline bool
b64_block16(uint8_t *out, const uint8_t *in)
{
    const __m128i lut_lo = _mm_setr_epi8(B64_LUT_LO);
    const __m128i lut_hi = _mm_setr_epi8(B64_LUT_HI);
    const __m128i lut_roll = _mm_setr_epi8(B64_LUT_ROLL);
    const __m128i mask_2f = _mm_set1_epi8(0x2F);
    __m128i str = _mm_loadu_si128((const __m128i *)(const void *)in);
    __m128i hi_nibbles = _mm_and_si128(_mm_srli_epi32(str, 4), mask_2f);
    __m128i lo_nibbles = _mm_and_si128(str, mask_2f);
    __m128i hi = _mm_shuffle_epi8(lut_hi, hi_nibbles);
    __m128i lo = _mm_shuffle_epi8(lut_lo, lo_nibbles);
    if (!_mm_testz_si128(lo, hi)) {
        return false;
    }
    __m128i eq_2f = _mm_cmpeq_epi8(str, mask_2f);
    __m128i roll = _mm_shuffle_epi8(lut_roll, _mm_add_epi8(eq_2f, hi_nibbles));
    str = _mm_add_epi8(str, roll);
    __m128i ab_bc = _mm_maddubs_epi16(str, _mm_set1_epi32(0x01400140));
    __m128i v = _mm_madd_epi16(ab_bc, _mm_set1_epi32(0x00011000));
    v = _mm_shuffle_epi8(v, _mm_setr_epi8(B64_PACK));
    _mm_storel_epi64((__m128i *)(void *)out, v);
    uint32_t last = (uint32_t)_mm_extract_epi32(v, 2);
    memcpy(out + 8, &last, 4);
    return true;
}

/* b64_blocks_avx2 decodes 32-character blocks from the start of in[0, n)
 * while they are all alphabet; returns the characters used. */
__attribute__((target("avx2"))) static size_t
b64_blocks_avx2(uint8_t *out, const uint8_t *in, size_t n)
{
    size_t i = 0;
    while (n - i >= 32 && b64_block32(out + i / 4 * 3, in + i)) {
        i += 32;
    }
    return i;
}

/* b64_line_avx2 decodes one line of `l` alphabet characters (a multiple of
 * 4, 16 or more) into l / 4 * 3 bytes and returns true, or false when one
 * of them is not in the alphabet (the output is then unspecified). Blocks
 * may overlap at the end: they write the same bytes again. */
__attribute__((target("avx2"))) static bool
b64_line_avx2(uint8_t *out, const uint8_t *in, size_t l)
{
    if (l < 32) {
        return b64_block16(out, in) && b64_block16(out + (l - 16) / 4 * 3, in + l - 16);
    }
    size_t i = 0;
    for (; l - i >= 32; i += 32) {
        if (!b64_block32(out + i / 4 * 3, in + i)) {
            return false;
        }
    }
    if (i == l) {
        return true;
    }
    if (l - i <= 16) {
        return b64_block16(out + (l - 16) / 4 * 3, in + l - 16);
    }
    return b64_block32(out + (l - 32) / 4 * 3, in + l - 32);
}

static bool
have_avx2(void)
{
    static int avx2 = -1; /* racy but idempotent: every thread computes the same */
    if (avx2 < 0) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return avx2 == 1;
}
#endif

/* b64_groups decodes the longest run of whole groups of four alphabet
 * characters at the start of in[0, n) and returns how many characters it
 * used (a multiple of 4); out gets 3 bytes per group, nothing more. */
static size_t
b64_groups(uint8_t *out, const uint8_t *in, size_t n)
{
    size_t i = 0;
#ifdef CODEC_AVX2
    if (n >= 32 && have_avx2()) {
        i = b64_blocks_avx2(out, in, n);
    }
#endif
    size_t o = i / 4 * 3;
    while (n - i >= 4) {
        uint32_t a = b64_dec[in[i]];
        uint32_t b = b64_dec[in[i + 1]];
        uint32_t c = b64_dec[in[i + 2]];
        uint32_t d = b64_dec[in[i + 3]];
        if ((a | b | c | d) >= 64) {
            break;
        }
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        out[o + 2] = (uint8_t)v;
        o += 3;
        i += 4;
    }
    return i;
}

/* b64_line decodes a line of `l` characters (a multiple of 4) and returns
 * whether all were alphabet characters (else its output is unspecified). */
static bool
b64_line(uint8_t *out, const uint8_t *in, size_t l)
{
#ifdef CODEC_AVX2
    if (l >= 16 && have_avx2()) {
        return b64_line_avx2(out, in, l);
    }
#endif
    return b64_groups(out, in, l) == l;
}

/* b64_decode is mime_b64_decode; it never writes more than in_len * 3 / 4
 * bytes (rounded down), which lets encoded words decode into text_len bytes. */
static void
b64_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in, size_t in_len)
{
    size_t i = 0;
    size_t o = 0;
    size_t bad = 0;
    uint32_t acc = 0;      /* sextets of the group being collected */
    unsigned n = 0;        /* how many sextets acc holds */
    unsigned pad_need = 0; /* '=' still owed by the last padded group */
    bool padded = false;   /* a group was closed by '=': more data is suspect */

    while (i < in_len) {
        if (n == 0 && !padded) {
            /* Fast path: four alphabet bytes make three output bytes. */
            size_t used = b64_groups(out + o, in + i, in_len - i);
            i += used;
            o += used / 4 * 3;
            if (i == in_len) {
                break;
            }
        }
        uint32_t k = b64_dec[in[i++]];
        if (k < 64) {
            if (padded) {
                /* Data after padding: count it, then decode it as a new group
                 * (concatenated base64 blobs are common in the wild). */
                bad++;
                padded = false;
                pad_need = 0;
            }
            acc = acc << 6 | k;
            if (++n == 4) {
                out[o] = (uint8_t)(acc >> 16);
                out[o + 1] = (uint8_t)(acc >> 8);
                out[o + 2] = (uint8_t)acc;
                o += 3;
                n = 0;
                acc = 0;
            }
        } else if (k == B64_PAD) {
            if (n >= 2) {
                o += b64_tail(out + o, acc, n);
                pad_need = 3 - n;
                padded = true;
            } else if (n == 1) {
                bad++; /* six bits cannot make a byte */
                padded = true;
                pad_need = 0;
            } else if (pad_need > 0) {
                pad_need--;
            } else {
                bad++; /* '=' where no group is open */
            }
            n = 0;
            acc = 0;
        } else if (k == B64_BAD) {
            bad++;
        }
    }
    /* A final group or its padding cut short: keep what it holds, count it. */
    if (n > 1) {
        o += b64_tail(out + o, acc, n);
    }
    if (n > 0 || pad_need > 0) {
        bad++;
    }
    *out_len = o;
    *out_bad = bad;
}

void
mime_b64_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in, size_t in_len)
{
    b64_decode(out, out_len, out_bad, in, in_len);
}

void
mime_b64_decode_lines(uint8_t *out, size_t *out_len, size_t *out_bad, struct mime_b64_lines *lines,
                      const uint8_t *in, size_t in_len)
{
    size_t i = 0;
    size_t o = 0;
    *lines = (struct mime_b64_lines){0};
    const uint8_t *lf = memchr(in, '\n', in_len < 80 ? in_len : 80);
    if (lf != NULL) {
        size_t e = lf > in && lf[-1] == '\r' ? 2 : 1;
        size_t l = (size_t)(lf - in) + 1 - e;
        if (l >= 4 && l <= 76 && l % 4 == 0) {
            lines->chars = l;
            lines->eol_len = e;
            /* A clean line of whole groups leaves the lenient decoder where
             * it started (no group open, no padding seen) and its line end
             * is skipped: decoding line by line is decoding the whole. */
            while (in_len - i >= l + e && in[i + l + e - 1] == '\n' &&
                   (e == 1 || in[i + l] == '\r') && b64_line(out + o, in + i, l)) {
                i += l + e;
                o += l / 4 * 3;
                lines->full++;
            }
        }
    }
    lines->tail_off = i;
    size_t t = 0;
    b64_decode(out + o, &t, out_bad, in + i, in_len - i);
    *out_len = o + t;
}

/* b64_encode_raw encodes `in` without line breaks and returns the length. */
static size_t
b64_encode_raw(uint8_t *out, const uint8_t *in, size_t in_len)
{
    size_t o = 0;
    size_t i = 0;
    for (; in_len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o] = (uint8_t)b64_alphabet[v >> 18];
        out[o + 1] = (uint8_t)b64_alphabet[(v >> 12) & 63];
        out[o + 2] = (uint8_t)b64_alphabet[(v >> 6) & 63];
        out[o + 3] = (uint8_t)b64_alphabet[v & 63];
        o += 4;
    }
    if (in_len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o] = (uint8_t)b64_alphabet[v >> 18];
        out[o + 1] = (uint8_t)b64_alphabet[(v >> 12) & 63];
        out[o + 2] = '=';
        out[o + 3] = '=';
        o += 4;
    } else if (in_len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o] = (uint8_t)b64_alphabet[v >> 18];
        out[o + 1] = (uint8_t)b64_alphabet[(v >> 12) & 63];
        out[o + 2] = (uint8_t)b64_alphabet[(v >> 6) & 63];
        out[o + 3] = '=';
        o += 4;
    }
    return o;
}

/* b64_line_chars normalises a requested line length: 0 means one unwrapped
 * line; otherwise a multiple of 4 in 4..76 (RFC 2045 6.8: lines MUST be no
 * more than 76 characters). */
static size_t
b64_line_chars(size_t line_len)
{
    if (line_len == 0) {
        return 0;
    }
    if (line_len > 76) {
        line_len = 76;
    }
    line_len &= ~(size_t)3;
    return line_len < 4 ? 4 : line_len;
}

size_t
mime_b64_encode_cap(size_t in_len, size_t line_len, size_t eol_len)
{
    size_t chars = (in_len + 2) / 3 * 4;
    size_t per_line = b64_line_chars(line_len);
    size_t lines = per_line == 0 ? (chars > 0) : (chars + per_line - 1) / per_line;
    return chars + lines * eol_len;
}

void
mime_b64_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len, size_t line_len,
                const char *eol)
{
    size_t eol_len = eol != NULL ? strlen(eol) : 0;
    size_t per_line = b64_line_chars(line_len);
    size_t chunk = per_line == 0 ? in_len : per_line / 4 * 3; /* input bytes per line */
    size_t o = 0;

    for (size_t i = 0; i < in_len; i += chunk) {
        size_t take = in_len - i < chunk ? in_len - i : chunk;
        o += b64_encode_raw(out + o, in + i, take);
        if (eol_len > 0) {
            memcpy(out + o, eol, eol_len);
            o += eol_len;
        }
    }
    *out_len = o;
}

/* ---- quoted-printable (RFC 2045 6.7) ------------------------------------ */

static const char hex_upper[] = "0123456789ABCDEF";

/* 1 + the value of each hex digit, upper or lower case (RFC 2045 6.7 (1)
 * asks robust decoders to recognise lower case); 0 for the rest. */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* hex_pair decodes the two hex digits at p, or returns -1. */
static int
hex_pair(const uint8_t *p)
{
    unsigned hi = hex_plus1[p[0]];
    unsigned lo = hex_plus1[p[1]];
    return hi == 0 || lo == 0 ? -1 : (int)((hi - 1) << 4 | (lo - 1));
}

/* qp_has_special tells whether any of the eight bytes in `x` is '=', CR or
 * LF (it may also fire for a byte after one of them: never misses one). */
static bool
qp_has_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t a = x ^ (ones * '=');
    uint64_t b = x ^ (ones * '\r');
    uint64_t c = x ^ (ones * '\n');
    return ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & 0x8080808080808080ull) !=
           0;
}

void
mime_qp_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in, size_t in_len)
{
    size_t i = 0;
    size_t o = 0;
    size_t bad = 0;
    size_t ws_from = 0; /* output offset where literal trailing whitespace starts */
    bool in_ws = false;

    while (i < in_len) {
        if (in[i] != '=' && in[i] != '\r' && in[i] != '\n') {
            /* Literal bytes up to the next '=' or line end, copied eight at
             * a time where possible (o <= i: the output keeps up); only
             * whitespace at the end of the run can be trailing. */
            size_t s0 = i;
            size_t lag = i - o; /* input byte i goes to out[i - lag] */
            while (in_len - i >= 8) {
                uint64_t x;
                memcpy(&x, in + i, 8);
                if (qp_has_special(x)) {
                    break;
                }
                memcpy(out + i - lag, &x, 8);
                i += 8;
            }
            while (i < in_len && in[i] != '=' && in[i] != '\r' && in[i] != '\n') {
                out[i - lag] = in[i];
                i++;
            }
            if (in[i - 1] == ' ' || in[i - 1] == '\t') {
                size_t k = i - 1;
                while (k > s0 && (in[k - 1] == ' ' || in[k - 1] == '\t')) {
                    k--;
                }
                ws_from = k > s0 || !in_ws ? o + (k - s0) : ws_from;
                in_ws = true;
            } else {
                in_ws = false;
            }
            o += i - s0;
            continue;
        }
        uint8_t c = in[i];
        if (c == '=') {
            in_ws = false;
            int v = in_len - i >= 3 ? hex_pair(in + i + 1) : -1;
            if (v >= 0) {
                /* Text in another script is runs of encoded bytes, words
                 * apart: decoded here without going round the outer loop
                 * (a space before an encoded byte is a literal, never
                 * trailing whitespace). */
                for (;;) {
                    out[o++] = (uint8_t)v;
                    i += 3;
                    if (in_len - i < 3) {
                        break;
                    }
                    if (in[i] == ' ' && in_len - i >= 4 && in[i + 1] == '=' &&
                        (v = hex_pair(in + i + 2)) >= 0) {
                        out[o++] = ' ';
                        i++;
                        continue;
                    }
                    if (in[i] != '=' || (v = hex_pair(in + i + 1)) < 0) {
                        break;
                    }
                }
                continue;
            }
            /* RFC 2045 6.7 (5): '=' at a line end is a soft break; whitespace
             * between them was added in transport. */
            size_t j = i + 1;
            while (j < in_len && (in[j] == ' ' || in[j] == '\t')) {
                j++;
            }
            if (j == in_len) {
                i = j;
            } else if (in[j] == '\n') {
                i = j + 1;
            } else if (in[j] == '\r' && (j + 1 == in_len || in[j + 1] == '\n')) {
                i = j + 1 == in_len ? j + 1 : j + 2;
            } else {
                out[o++] = '=';
                i++;
                bad++;
            }
            continue;
        }
        if (c == '\n' || (in_len - i >= 2 && in[i + 1] == '\n')) {
            /* RFC 2045 6.7 (3): trailing whitespace was added in transport
             * and MUST be deleted when decoding. */
            if (in_ws) {
                o = ws_from;
                in_ws = false;
            }
            if (c == '\r') {
                out[o++] = in[i++];
            }
            out[o++] = in[i++];
            continue;
        }
        in_ws = false; /* a CR alone is a literal byte */
        out[o++] = c;
        i++;
    }
    if (in_ws) {
        o = ws_from; /* the last line's trailing whitespace, as above */
    }
    *out_len = o;
    *out_bad = bad;
}

size_t
mime_qp_encode_cap(size_t in_len, size_t eol_len)
{
    /* Each byte becomes at most max(3, eol_len) bytes; a soft break comes
     * after at least 73 characters, so after at least 24 input bytes. */
    size_t per_byte = eol_len > 3 ? eol_len : 3;
    return in_len * per_byte + (in_len / 24 + 1) * (1 + eol_len);
}

void
mime_qp_encode(uint8_t *out, size_t *out_len, const uint8_t *in, size_t in_len, const char *eol)
{
    if (eol == NULL) {
        eol = "";
    }
    size_t eol_len = strlen(eol);
    size_t o = 0;
    size_t col = 0; /* characters on the current output line */
    size_t i = 0;

    while (i < in_len) {
        /* A run of printable bytes other than '=' is copied as it is while
         * the line has room for one more and its soft break: whatever
         * follows, none of them needs a break before it. */
        while (i < in_len && col < 75 && in[i] >= 33 && in[i] <= 126 && in[i] != '=') {
            out[o++] = in[i++];
            col++;
        }
        if (i == in_len) {
            break;
        }
        /* A run of bytes above 127 (text in another script) is escaped
         * byte by byte: none is a line end, and one followed by anything but
         * CR or LF is not at the end of its line, so only the soft break
         * needs checking (as below: three more must fit with room for '='). */
        size_t run_end = i;
        while (run_end < in_len && in[run_end] >= 128) {
            run_end++;
        }
        /* every byte of the run but its last is followed by one above 127 */
        if (run_end > i && (run_end == in_len || in[run_end] == '\n' || in[run_end] == '\r')) {
            run_end--;
        }
        for (; i < run_end; i++) {
            if (col > 72) {
                out[o++] = '=';
                memcpy(out + o, eol, eol_len);
                o += eol_len;
                col = 0;
            }
            out[o] = '=';
            out[o + 1] = (uint8_t)hex_upper[in[i] >> 4];
            out[o + 2] = (uint8_t)hex_upper[in[i] & 15];
            o += 3;
            col += 3;
        }
        uint8_t c = in[i];
        size_t brk = c == '\n' ? 1 : (c == '\r' && in_len - i >= 2 && in[i + 1] == '\n') ? 2 : 0;
        if (brk > 0) {
            memcpy(out + o, eol, eol_len);
            o += eol_len;
            col = 0;
            i += brk;
            continue;
        }
        size_t next = i + 1;
        int at_eol = next == in_len || in[next] == '\n' ||
                     (in[next] == '\r' && in_len - next >= 2 && in[next + 1] == '\n');
        /* RFC 2045 6.7 (2)-(3): printable ASCII but '=' may stand for itself,
         * and SP/HT only when not at the end of a line. */
        int literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        size_t width = literal ? 1 : 3;
        /* RFC 2045 6.7 (5): lines MUST be at most 76 characters; keep room
         * for the soft break '=' unless this is the line's last character. */
        if (col + width > (at_eol ? 76u : 75u)) {
            out[o++] = '=';
            memcpy(out + o, eol, eol_len);
            o += eol_len;
            col = 0;
        }
        if (literal) {
            out[o++] = c;
        } else {
            out[o] = '=';
            out[o + 1] = (uint8_t)hex_upper[c >> 4];
            out[o + 2] = (uint8_t)hex_upper[c & 15];
            o += 3;
        }
        col += width;
        i++;
    }
    *out_len = o;
}

/* ---- RFC 2047 encoded words --------------------------------------------- */

/* eword_parse parses "=?charset?E?text?=" starting at v[s] == '='. Lenient
 * where real mail is sloppy: words longer than 75 characters, '.' in the
 * charset and an empty text are accepted. */
static bool
eword_parse(struct mime_eword *w, const uint8_t *v, size_t len, size_t s)
{
    size_t p = s + 2;
    size_t cs = p;
    while (p < len && v[p] > 32 && v[p] < 127 && v[p] != '?') {
        p++;
    }
    if (p == cs || len - p < 3 || v[p] != '?' || v[p + 2] != '?') {
        return false;
    }
    char enc = (char)(v[p + 1] & ~0x20); /* ASCII upper case */
    if (enc != 'B' && enc != 'Q') {
        return false;
    }
    /* RFC 2231 5: "charset*language"; the language is not part of the name. */
    size_t cs_len = 0;
    while (cs + cs_len < p && v[cs + cs_len] != '*') {
        cs_len++;
    }
    if (cs_len == 0) {
        return false;
    }
    p += 3;
    size_t text = p;
    /* RFC 2047 2: encoded-text is printable ASCII without '?' or SP. */
    while (p < len && v[p] > 32 && v[p] < 127 && v[p] != '?') {
        p++;
    }
    if (len - p < 2 || v[p] != '?' || v[p + 1] != '=') {
        return false;
    }
    w->start = s;
    w->end = p + 2;
    w->charset_off = cs;
    w->charset_len = cs_len;
    w->encoding = enc;
    w->text_off = text;
    w->text_len = p - text;
    return true;
}

bool
mime_eword_next(struct mime_eword *out, const uint8_t *v, size_t len, size_t from)
{
    /* An '=' with a byte after it: memchr finds the candidates (most
     * header values have none). */
    for (size_t s = from; len >= 2 && s <= len - 2; s++) {
        const uint8_t *eq = memchr(v + s, '=', len - 1 - s);
        if (eq == NULL) {
            return false;
        }
        s = (size_t)(eq - v);
        if (v[s + 1] == '?' && eword_parse(out, v, len, s)) {
            return true;
        }
    }
    return false;
}

bool
mime_eword_decode(uint8_t *out, size_t *out_len, const struct mime_eword *w, const uint8_t *v)
{
    const uint8_t *t = v + w->text_off;
    size_t n = w->text_len;
    *out_len = 0;
    if (w->encoding == 'B') {
        size_t bad;
        b64_decode(out, out_len, &bad, t, n);
        if (bad == 0) {
            return true;
        }
        /* Unpadded words are common and mail readers show them: accept a
         * final group of 2 or 3 characters when nothing else is wrong, so the
         * text is not hidden from detection. */
        for (size_t i = 0; i < n; i++) {
            if (b64_dec[t[i]] >= 64) {
                return false;
            }
        }
        return n % 4 >= 2;
    }
    if (w->encoding != 'Q') {
        return false;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '_') {
            out[o++] = ' '; /* RFC 2047 4.2 (2) */
        } else if (t[i] != '=') {
            out[o++] = t[i];
        } else if (n - i >= 3 && hex_pair(t + i + 1) >= 0) {
            out[o++] = (uint8_t)hex_pair(t + i + 1);
            i += 2;
        } else {
            *out_len = o;
            return false;
        }
    }
    *out_len = o;
    return true;
}

/* q_literal: characters a Q word may carry as themselves anywhere, including
 * in a phrase (RFC 2047 5 (3)). */
static bool
q_literal(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' ||
           c == '*' || c == '+' || c == '-' || c == '/';
}

bool
mime_eword_encode(uint8_t *out, size_t *out_len, size_t cap, const uint8_t *charset,
                  size_t charset_len, char encoding, const uint8_t *text, size_t text_len)
{
    char enc = (char)(encoding & ~0x20);
    *out_len = 0;
    if (enc != 'B' && enc != 'Q') {
        return false;
    }
    size_t body = 0;
    if (enc == 'B') {
        body = (text_len + 2) / 3 * 4;
    } else {
        for (size_t i = 0; i < text_len; i++) {
            body += (q_literal(text[i]) || text[i] == ' ') ? 1 : 3;
        }
    }
    size_t need = 2 + charset_len + 3 + body + 2;
    if (need > cap) {
        return false;
    }
    size_t o = 0;
    out[o++] = '=';
    out[o++] = '?';
    if (charset_len > 0) {
        memcpy(out + o, charset, charset_len);
        o += charset_len;
    }
    out[o++] = '?';
    out[o++] = (uint8_t)enc;
    out[o++] = '?';
    if (enc == 'B') {
        o += b64_encode_raw(out + o, text, text_len);
    } else {
        for (size_t i = 0; i < text_len; i++) {
            uint8_t c = text[i];
            if (c == ' ') {
                out[o++] = '_'; /* RFC 2047 4.2 (2) */
            } else if (q_literal(c)) {
                out[o++] = c;
            } else {
                out[o] = '=';
                out[o + 1] = (uint8_t)hex_upper[c >> 4];
                out[o + 2] = (uint8_t)hex_upper[c & 15];
                o += 3;
            }
        }
    }
    out[o++] = '?';
    out[o++] = '=';
    *out_len = o;
    return true;
}

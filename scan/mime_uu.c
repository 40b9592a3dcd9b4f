/* SPDX-License-Identifier: Apache-2.0 */
/* uuencode (POSIX uuencode's historical format): each data line is a length
 * character, then four characters per three bytes, each character 0x20 plus
 * six bits ('`' for zero). Pure functions; never allocate. */
#include "mime_uu.h"

#include <emmintrin.h>
#include <string.h>

/* End of the line at t[p] without its CR LF or LF; *out_next is where the
 * next line starts. */
static size_t
line_end(const uint8_t *t, size_t len, size_t p, size_t *out_next)
{
    const uint8_t *nl = memchr(t + p, '\n', len - p);
    size_t e = nl != NULL ? (size_t)(nl - t) : len;
    *out_next = nl != NULL ? e + 1 : len;
    if (e > p && t[e - 1] == '\r') {
        e--;
    }
    return e;
}

static size_t
trim_end(const uint8_t *t, size_t p, size_t e)
{
    while (e > p && (t[e - 1] == ' ' || t[e - 1] == '\t')) {
        e--;
    }
    return e;
}

static unsigned
uu_val(uint8_t c)
{
    return (unsigned)(c - 0x20) & 63u;
}

/* "begin 644 name": the name's span in *out_name, *out_name_len. */
static bool
begin_line(const uint8_t *t, size_t p, size_t e, size_t *out_name, size_t *out_name_len)
{
    if (e - p < 6 || memcmp(t + p, "begin ", 6) != 0) {
        return false;
    }
    size_t i = p + 6;
    size_t digits = 0;
    while (i < e && t[i] >= '0' && t[i] <= '7' && digits < 5) {
        i++;
        digits++;
    }
    if (digits < 3 || digits > 4 || i >= e || t[i] != ' ') {
        return false;
    }
    i++;
    size_t ne = trim_end(t, i, e);
    if (ne == i) {
        return false;
    }
    *out_name = i;
    *out_name_len = ne - i;
    return true;
}

/* Bytes the data line t[p, e) carries: 0 for the zero-length line (also
 * empty, a mailer having cut its space), -1 when it is no data line. */
static int
data_line(const uint8_t *t, size_t p, size_t e)
{
    if (e == p) {
        return 0;
    }
    uint8_t bad = 0;
    for (size_t i = p; i < e; i++) { /* no early exit: on vectors */
        bad |= (uint8_t)((uint8_t)(t[i] - 0x20) > 0x40);
    }
    if (bad) {
        return -1;
    }
    unsigned n = uu_val(t[p]);
    size_t chars = e - p - 1;
    size_t need = ((size_t)n * 4 + 2) / 3; /* characters holding the n bytes' bits */
    size_t full = ((size_t)n + 2) / 3 * 4;
    if (n > MIME_UU_LINE_BYTES || chars < need || chars > full + 2) {
        return -1;
    }
    return (int)n;
}

/* The data lines after the begin line (from `q`) up to "end"; fills the
 * rest of *b. */
static bool
data_lines(struct mime_uu_block *b, const uint8_t *t, size_t len, size_t q)
{
    size_t total = 0;
    while (q < len) {
        size_t next = 0;
        size_t e = line_end(t, len, q, &next);
        size_t te = trim_end(t, q, e);
        bool end_line = te - q == 3 && memcmp(t + q, "end", 3) == 0;
        int n = end_line ? 0 : data_line(t, q, e);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            b->data_end = q;
            if (!end_line) { /* the zero-length line, then "end" */
                if (next >= len) {
                    return false;
                }
                q = next;
                e = trim_end(t, q, line_end(t, len, q, &next));
                if (e - q != 3 || memcmp(t + q, "end", 3) != 0) {
                    return false;
                }
            }
            b->end = next;
            b->decoded_len = total;
            return true;
        }
        total += (size_t)n;
        q = next;
    }
    return false;
}

/* The next line start at or after `from` whose line begins with 'b', or
 * `len`. Every text part is searched, so this runs on vectors: a line feed
 * followed by 'b', 32 octets a step (memmem is several times slower). */
static size_t
next_b_line(const uint8_t *t, size_t len, size_t from)
{
    if (from == 0 && len > 0 && t[0] == 'b') {
        return 0;
    }
    size_t i = from == 0 ? 0 : from - 1;
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i b = _mm_set1_epi8('b');
    for (; i + 33 <= len; i += 32) {
        const __m128i *v = (const __m128i *)(const void *)(t + i);
        const __m128i *w = (const __m128i *)(const void *)(t + i + 1);
        unsigned lo = (unsigned)_mm_movemask_epi8(_mm_and_si128(
            _mm_cmpeq_epi8(_mm_loadu_si128(v), nl), _mm_cmpeq_epi8(_mm_loadu_si128(w), b)));
        unsigned hi = (unsigned)_mm_movemask_epi8(_mm_and_si128(
            _mm_cmpeq_epi8(_mm_loadu_si128(v + 1), nl), _mm_cmpeq_epi8(_mm_loadu_si128(w + 1), b)));
        if ((lo | hi) != 0) {
            return i + 1 + (size_t)__builtin_ctz(lo != 0 ? lo : hi << 16);
        }
    }
    for (; i + 1 < len; i++) {
        if (t[i] == '\n' && t[i + 1] == 'b') {
            return i + 1;
        }
    }
    return len;
}

bool
mime_uu_next(struct mime_uu_block *out, const uint8_t *text, size_t len, size_t from)
{
    for (size_t at = next_b_line(text, len, from); at < len; at = next_b_line(text, len, at + 1)) {
        size_t next = 0;
        size_t e = line_end(text, len, at, &next);
        struct mime_uu_block b = {.begin = at, .data = next};
        if (begin_line(text, at, e, &b.name, &b.name_len) && data_lines(&b, text, len, next)) {
            *out = b;
            return true;
        }
    }
    return false;
}

void
mime_uu_decode(uint8_t *out, const uint8_t *text, const struct mime_uu_block *b)
{
    size_t o = 0;
    size_t q = b->data;
    while (q < b->data_end) {
        size_t next = 0;
        size_t e = line_end(text, b->data_end, q, &next);
        unsigned n = uu_val(text[q]);
        const uint8_t *c = text + q + 1;
        size_t k = e - q - 1;
        /* Whole groups straight from the line; the last one, which a
         * mailer may have cut (its spaces were zero), by character. */
        unsigned i = 0;
        for (; i + 3 <= n && (size_t)i / 3 * 4 + 4 <= k; i += 3, o += 3) {
            const uint8_t *g = c + (size_t)i / 3 * 4;
            unsigned v = uu_val(g[0]) << 18 | uu_val(g[1]) << 12 | uu_val(g[2]) << 6 | uu_val(g[3]);
            out[o] = (uint8_t)(v >> 16);
            out[o + 1] = (uint8_t)(v >> 8);
            out[o + 2] = (uint8_t)v;
        }
        for (; i < n; i += 3) {
            size_t j = (size_t)i / 3 * 4;
            unsigned v = 0;
            for (size_t x = 0; x < 4; x++) {
                v = v << 6 | (j + x < k ? uu_val(c[j + x]) : 0);
            }
            uint8_t bytes[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            unsigned m = n - i < 3 ? n - i : 3;
            memcpy(out + o, bytes, m);
            o += m;
        }
        q = next;
    }
}

size_t
mime_uu_encoded_len(size_t n, size_t eol_len)
{
    size_t rest = n % MIME_UU_LINE_BYTES;
    return n / MIME_UU_LINE_BYTES * (1 + 60 + eol_len) +
           (rest != 0 ? 1 + (rest + 2) / 3 * 4 + eol_len : 0);
}

static uint8_t
uu_char(unsigned v)
{
    return v != 0 ? (uint8_t)(v + 0x20) : '`';
}

size_t
mime_uu_encode(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *eol, size_t eol_len)
{
    size_t o = 0;
    for (size_t p = 0; p < n; p += MIME_UU_LINE_BYTES) {
        size_t k = n - p < MIME_UU_LINE_BYTES ? n - p : MIME_UU_LINE_BYTES;
        out[o++] = uu_char((unsigned)k);
        for (size_t i = 0; i < k; i += 3) {
            unsigned b0 = in[p + i];
            unsigned b1 = i + 1 < k ? in[p + i + 1] : 0;
            unsigned b2 = i + 2 < k ? in[p + i + 2] : 0;
            out[o++] = uu_char(b0 >> 2);
            out[o++] = uu_char((b0 << 4 | b1 >> 4) & 63u);
            out[o++] = uu_char((b1 << 2 | b2 >> 6) & 63u);
            out[o++] = uu_char(b2 & 63u);
        }
        memcpy(out + o, eol, eol_len);
        o += eol_len;
    }
    return o;
}

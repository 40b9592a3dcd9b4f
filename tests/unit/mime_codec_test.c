/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan/mime_codec: base64, quoted-printable and RFC 2047
 * encoded words, including random round trips and the GMime corpus
 * (directory from $RL_CORPUS, default "../shared/corpus"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_codec.h"

/* ---- helpers ------------------------------------------------------------ */

/* A fixed-seed xorshift so failures reproduce on every machine. */
static uint64_t rng_state;

static uint32_t
rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void
rng_fill(uint8_t *p, size_t n, int text_like)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rng_next();
        if (text_like && (r & 3) != 0) {
            /* Bias towards line structure and whitespace, where QP is subtle. */
            static const uint8_t pick[] = {' ', '\t', '\r', '\n', '=', 'a', 'Z', '.'};
            p[i] = pick[(r >> 2) & 7];
        } else {
            p[i] = (uint8_t)(r >> 8);
        }
    }
}

struct dec {
    uint8_t buf[512];
    size_t len;
    size_t bad;
};

static void
b64_dec_str(struct dec *d, const char *s)
{
    size_t n = strlen(s);
    assert_true(n / 4 * 3 + 3 <= sizeof(d->buf));
    mime_b64_decode(d->buf, &d->len, &d->bad, (const uint8_t *)s, n);
}

static void
qp_dec_str(struct dec *d, const char *s)
{
    size_t n = strlen(s);
    assert_true(n <= sizeof(d->buf));
    mime_qp_decode(d->buf, &d->len, &d->bad, (const uint8_t *)s, n);
}

static void
assert_dec(const struct dec *d, const char *want, size_t want_bad)
{
    size_t n = strlen(want);
    assert_int_equal(d->len, n);
    assert_memory_equal(d->buf, want, n);
    assert_int_equal(d->bad, want_bad);
}

static void
assert_lines_at_most(const uint8_t *p, size_t n, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            col = 0;
        } else if (p[i] != '\r') {
            col++;
            assert_true(col <= max);
        }
    }
}

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

/* ---- base64 ------------------------------------------------------------- */

static void
b64_decode_known(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "TWFu");
    assert_dec(&d, "Man", 0);
    b64_dec_str(&d, "TWE=");
    assert_dec(&d, "Ma", 0);
    b64_dec_str(&d, "TQ==");
    assert_dec(&d, "M", 0);
    b64_dec_str(&d, "+/+/");
    assert_dec(&d, "\xfb\xff\xbf", 0);
    b64_dec_str(&d, "");
    assert_dec(&d, "", 0);
}

static void
b64_decode_skips_line_whitespace(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "TW\r\nFu\tIC Bo\nZWxs\r\nbw==\r\n");
    assert_dec(&d, "Man  hello", 0);
    b64_dec_str(&d, " \r\n\t ");
    assert_dec(&d, "", 0);
}

static void
b64_decode_bad_chars_counted_and_skipped(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "TW!Fu");
    assert_dec(&d, "Man", 1);
    b64_dec_str(&d, "T\x80W\xff"
                    "Fu");
    assert_dec(&d, "Man", 2);
    b64_dec_str(&d, "!!!!");
    assert_dec(&d, "", 4);
    b64_dec_str(&d, "TWFu-_.:");
    assert_dec(&d, "Man", 4); /* base64url letters are not base64 */
    uint8_t nul[] = {'T', 0, 'W', 'F', 'u'};
    mime_b64_decode(d.buf, &d.len, &d.bad, nul, sizeof(nul));
    assert_dec(&d, "Man", 1);
}

static void
b64_decode_truncated_groups(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "T");
    assert_dec(&d, "", 1);
    b64_dec_str(&d, "TW");
    assert_dec(&d, "M", 1);
    b64_dec_str(&d, "TWF");
    assert_dec(&d, "Ma", 1);
    b64_dec_str(&d, "TWFuT");
    assert_dec(&d, "Man", 1);
    b64_dec_str(&d, "TQ="); /* padding cut short */
    assert_dec(&d, "M", 1);
}

static void
b64_decode_pad_in_wrong_places(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "=TWFu");
    assert_dec(&d, "Man", 1);
    b64_dec_str(&d, "TWFu=");
    assert_dec(&d, "Man", 1);
    b64_dec_str(&d, "TQ===");
    assert_dec(&d, "M", 1);
    b64_dec_str(&d, "T=");
    assert_dec(&d, "", 1);
    b64_dec_str(&d, "TWE==");
    assert_dec(&d, "Ma", 1);
}

static void
b64_decode_data_after_padding(void **state)
{
    (void)state;
    struct dec d;
    b64_dec_str(&d, "TQ==TWFu");
    assert_dec(&d, "MMan", 1);
    b64_dec_str(&d, "TWE=\r\nTWFu");
    assert_dec(&d, "MaMan", 1);
}

static void
b64_decode_whitespace_at_every_offset(void **state)
{
    (void)state;
    /* Moves the fast/slow path boundary over every position. */
    const char *enc = "SGVsbG8sIFdvcmxkISBiYXNlNjQgdGVzdA==";
    const char *want = "Hello, World! base64 test";
    size_t n = strlen(enc);
    for (size_t cut = 0; cut <= n; cut++) {
        char buf[64];
        memcpy(buf, enc, cut);
        memcpy(buf + cut, "\r\n", 2);
        memcpy(buf + cut + 2, enc + cut, n - cut);
        buf[n + 2] = '\0';
        struct dec d;
        b64_dec_str(&d, buf);
        assert_dec(&d, want, 0);
    }
}

static void
b64_encode_known_and_wrapped(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t n;
    mime_b64_encode(out, &n, (const uint8_t *)"Man", 3, 76, "\r\n");
    assert_int_equal(n, 6);
    assert_memory_equal(out, "TWFu\r\n", 6);
    mime_b64_encode(out, &n, (const uint8_t *)"M", 1, 76, "\n");
    assert_int_equal(n, 5);
    assert_memory_equal(out, "TQ==\n", 5);
    mime_b64_encode(out, &n, NULL, 0, 76, "\r\n");
    assert_int_equal(n, 0);
    assert_int_equal(mime_b64_encode_cap(0, 76, 2), 0);

    uint8_t in[58];
    memset(in, 'x', sizeof(in));
    mime_b64_encode(out, &n, in, 57, 76, "\r\n"); /* exactly one full line */
    assert_int_equal(n, 78);
    assert_int_equal(n, mime_b64_encode_cap(57, 76, 2));
    assert_memory_equal(out + 76, "\r\n", 2);
    mime_b64_encode(out, &n, in, 58, 76, "\r\n");
    assert_int_equal(n, 76 + 2 + 4 + 2);
    assert_int_equal(n, mime_b64_encode_cap(58, 76, 2));
}

static void
b64_encode_odd_line_lengths(void **state)
{
    (void)state;
    uint8_t in[100];
    uint8_t out[512];
    size_t n;
    memset(in, 0xA5, sizeof(in));
    /* Lengths over 76 are clamped (RFC 2045 6.8), others rounded down to 4. */
    mime_b64_encode(out, &n, in, sizeof(in), 200, "\n");
    assert_int_equal(n, mime_b64_encode_cap(sizeof(in), 200, 1));
    assert_lines_at_most(out, n, 76);
    mime_b64_encode(out, &n, in, sizeof(in), 10, "\n");
    assert_int_equal(n, mime_b64_encode_cap(sizeof(in), 10, 1));
    assert_int_equal(out[8], '\n');
    mime_b64_encode(out, &n, in, sizeof(in), 1, "\n");
    assert_int_equal(n, mime_b64_encode_cap(sizeof(in), 1, 1));
    assert_int_equal(out[4], '\n');
    /* 0: a single line; NULL eol: no line ends at all. */
    mime_b64_encode(out, &n, in, sizeof(in), 0, NULL);
    assert_int_equal(n, 136);
    assert_int_equal(n, mime_b64_encode_cap(sizeof(in), 0, 0));
}

static void
b64_round_trip_random(void **state)
{
    (void)state;
    static const size_t line_lens[] = {0, 4, 64, 76, 100};
    static const char *const eols[] = {"\r\n", "\n", ""};
    uint8_t in[700];
    uint8_t enc[2000];
    uint8_t dec[1600];
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rng_next() % sizeof(in);
        size_t ll = line_lens[rng_next() % 5];
        const char *eol = eols[rng_next() % 3];
        rng_fill(in, n, 0);
        size_t cap = mime_b64_encode_cap(n, ll, strlen(eol));
        assert_true(cap <= sizeof(enc));
        size_t el;
        mime_b64_encode(enc, &el, in, n, ll, eol);
        assert_int_equal(el, cap);
        if (ll != 0 && eol[0] != '\0') {
            assert_lines_at_most(enc, el, 76);
        }
        size_t dl;
        size_t bad;
        assert_true(el / 4 * 3 + 3 <= sizeof(dec));
        mime_b64_decode(dec, &dl, &bad, enc, el);
        assert_int_equal(bad, 0);
        assert_int_equal(dl, n);
        assert_memory_equal(dec, in, n);
    }
}

static void
b64_corpus_photo(void **state)
{
    (void)state;
    size_t b64_len;
    size_t jpg_len;
    uint8_t *b64 = read_file("gmime/encodings/photo.b64", &b64_len);
    uint8_t *jpg = read_file("gmime/encodings/photo.jpg", &jpg_len);
    uint8_t *out = malloc(b64_len / 4 * 3 + 3);
    assert_non_null(out);
    size_t n;
    size_t bad;
    mime_b64_decode(out, &n, &bad, b64, b64_len);
    assert_int_equal(bad, 0);
    assert_int_equal(n, jpg_len);
    assert_memory_equal(out, jpg, jpg_len);
    free(out);
    free(jpg);
    free(b64);
}

/* ---- base64 against a one-character-at-a-time reference ----------------- */

/* ref_b64_decode: the documented rules of mime_b64_decode, one character at
 * a time (no block or group fast path), to test the fast paths against. */
static void
ref_b64_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    unsigned n = 0;
    unsigned pad_need = 0;
    bool padded = false;
    size_t o = 0;
    size_t bad = 0;
    for (size_t i = 0; i < len; i++) {
        const char *hit = in[i] != 0 ? strchr(abc, in[i]) : NULL;
        if (hit != NULL) {
            bad += padded;
            pad_need = padded ? 0 : pad_need;
            padded = false;
            acc = acc << 6 | (uint32_t)(hit - abc);
            if (++n == 4) {
                out[o++] = (uint8_t)(acc >> 16);
                out[o++] = (uint8_t)(acc >> 8);
                out[o++] = (uint8_t)acc;
                n = 0;
                acc = 0;
            }
        } else if (in[i] == '=') {
            if (n == 3) {
                out[o++] = (uint8_t)(acc >> 10);
                out[o++] = (uint8_t)(acc >> 2);
            } else if (n == 2) {
                out[o++] = (uint8_t)(acc >> 4);
            }
            if (n >= 2) {
                pad_need = 3 - n;
                padded = true;
            } else if (n == 1) {
                bad++;
                padded = true;
                pad_need = 0;
            } else if (pad_need > 0) {
                pad_need--;
            } else {
                bad++;
            }
            n = 0;
            acc = 0;
        } else if (in[i] != '\r' && in[i] != '\n' && in[i] != ' ' && in[i] != '\t') {
            bad++;
        }
    }
    if (n == 3) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    } else if (n == 2) {
        out[o++] = (uint8_t)(acc >> 4);
    }
    bad += n > 0 || pad_need > 0;
    *out_len = o;
    *out_bad = bad;
}

/* Both decoders and the reference agree on `in`; the line layout holds. */
static void
assert_b64_as_reference(const uint8_t *in, size_t len)
{
    uint8_t *want = malloc(len + 4);
    uint8_t *got = malloc(len / 4 * 3 + 3);
    uint8_t *one = malloc(len / 4 * 3 + 3);
    assert_true(want != NULL && got != NULL && one != NULL);
    size_t wl, wb, gl, gb;
    ref_b64_decode(want, &wl, &wb, in, len);
    mime_b64_decode(got, &gl, &gb, in, len);
    assert_int_equal(gl, wl);
    assert_int_equal(gb, wb);
    assert_memory_equal(got, want, wl);
    struct mime_b64_lines ln;
    mime_b64_decode_lines(got, &gl, &gb, &ln, in, len);
    assert_int_equal(gl, wl);
    assert_int_equal(gb, wb);
    assert_memory_equal(got, want, wl);
    assert_int_equal(ln.tail_off, ln.full * (ln.chars + ln.eol_len));
    for (size_t k = 0; k < ln.full; k++) {
        const uint8_t *line = in + k * (ln.chars + ln.eol_len);
        size_t b = ln.chars / 4 * 3;
        size_t ol, ob;
        mime_b64_decode(one, &ol, &ob, line, ln.chars);
        assert_int_equal(ob, 0);
        assert_int_equal(ol, b);
        assert_memory_equal(one, want + k * b, b);
        assert_int_equal(line[ln.chars + ln.eol_len - 1], '\n');
    }
    free(one);
    free(got);
    free(want);
}

static void
b64_decode_as_reference_random(void **state)
{
    (void)state;
    static const uint8_t odd[] = {'\r', '\n', ' ', '\t', '=', 0, 0x80, 0xff, '-', '_', '*', '.'};
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t in[400];
    rng_state = 0xb64b64b64ull;
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t len = rng_next() % sizeof(in);
        unsigned rate = 1 + rng_next() % 200; /* one odd byte in `rate` */
        for (size_t i = 0; i < len; i++) {
            uint32_t r = rng_next();
            in[i] = r % rate == 0 ? odd[(r >> 8) % sizeof(odd)] : (uint8_t)abc[(r >> 8) % 64];
        }
        assert_b64_as_reference(in, len);
    }
}

static void
b64_decode_as_reference_every_byte_everywhere(void **state)
{
    (void)state;
    /* Every byte value at every place of 96 alphabet characters: the 32-byte
     * blocks must refuse exactly what the alphabet does not hold. */
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t in[96];
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)abc[(i * 37 + 11) % 64];
    }
    for (size_t pos = 0; pos < sizeof(in); pos++) {
        uint8_t keep = in[pos];
        for (unsigned v = 0; v < 256; v++) {
            in[pos] = (uint8_t)v;
            assert_b64_as_reference(in, sizeof(in));
        }
        in[pos] = keep;
    }
}

static void
b64_decode_lines_layout(void **state)
{
    (void)state;
    uint8_t data[3000];
    uint8_t enc[4200];
    rng_state = 0x11e5ull;
    for (size_t l = 4; l <= 80; l += 4) {
        for (int crlf = 0; crlf < 2; crlf++) {
            size_t n = 1 + rng_next() % sizeof(data);
            rng_fill(data, n, 0);
            size_t el;
            mime_b64_encode(enc, &el, data, n, l, crlf ? "\r\n" : "\n");
            uint8_t *out = malloc(el / 4 * 3 + 3);
            assert_non_null(out);
            size_t ol, bad;
            struct mime_b64_lines ln;
            mime_b64_decode_lines(out, &ol, &bad, &ln, enc, el);
            assert_int_equal(bad, 0);
            assert_int_equal(ol, n);
            assert_memory_equal(out, data, n);
            size_t per = l > 76 ? 76 : l; /* the encoder clamps to 76 */
            size_t lines = (n + per / 4 * 3 - 1) / (per / 4 * 3);
            assert_int_equal(ln.chars, per);
            assert_int_equal(ln.eol_len, crlf ? 2 : 1);
            /* every line but a short last one is full */
            assert_true(ln.full == lines || ln.full + 1 == lines);
            assert_b64_as_reference(enc, el);
            /* a byte outside the alphabet anywhere in line 1 ends the full
             * lines there (every place the line's blocks cover) */
            size_t stride = per + ln.eol_len;
            for (size_t pos = 0; lines > 2 && pos < per; pos++) {
                static const uint8_t outside[] = {'=', '*', 0x80, '-', '\r', 0};
                uint8_t keep = enc[stride + pos];
                for (size_t b = 0; b < sizeof(outside); b++) {
                    enc[stride + pos] = outside[b];
                    mime_b64_decode_lines(out, &ol, &bad, &ln, enc, el);
                    assert_int_equal(ln.full, 1);
                    assert_b64_as_reference(enc, el);
                }
                enc[stride + pos] = keep;
            }
            /* a space inside line 2 ends the full lines there */
            if (lines > 3) {
                memmove(enc + 2 * (per + ln.eol_len) + 2, enc + 2 * (per + ln.eol_len) + 1,
                        el - 2 * (per + ln.eol_len) - 1);
                enc[2 * (per + ln.eol_len) + 1] = ' ';
                mime_b64_decode_lines(out, &ol, &bad, &ln, enc, el + 1);
                assert_int_equal(ln.full, 2);
                assert_b64_as_reference(enc, el + 1);
            }
            free(out);
        }
    }
    /* No line end, a first line not of whole groups, an empty input. */
    struct mime_b64_lines ln;
    uint8_t out[16];
    size_t ol, bad;
    mime_b64_decode_lines(out, &ol, &bad, &ln, (const uint8_t *)"QUJD", 4);
    assert_int_equal(ln.chars, 0);
    assert_int_equal(ln.full, 0);
    assert_int_equal(ol, 3);
    mime_b64_decode_lines(out, &ol, &bad, &ln, (const uint8_t *)"QUJ\nQUJD\n", 9);
    assert_int_equal(ln.chars, 0);
    assert_int_equal(ln.tail_off, 0);
    mime_b64_decode_lines(out, &ol, &bad, &ln, (const uint8_t *)"", 0);
    assert_int_equal(ol, 0);
    assert_int_equal(bad, 0);
}

/* ---- quoted-printable --------------------------------------------------- */

static void
qp_decode_known(void **state)
{
    (void)state;
    struct dec d;
    qp_dec_str(&d, "a=3Db=C3=A9 c");
    assert_dec(&d, "a=b\xc3\xa9 c", 0);
    qp_dec_str(&d, "=c3=a9"); /* lower case: RFC 2045 6.7 (1) robustness */
    assert_dec(&d, "\xc3\xa9", 0);
    qp_dec_str(&d, "line1\r\nline2\nline3");
    assert_dec(&d, "line1\r\nline2\nline3", 0);
    qp_dec_str(&d, "");
    assert_dec(&d, "", 0);
}

static void
qp_decode_bad_escapes_kept(void **state)
{
    (void)state;
    struct dec d;
    qp_dec_str(&d, "a=G1b");
    assert_dec(&d, "a=G1b", 1);
    qp_dec_str(&d, "a=4");
    assert_dec(&d, "a=4", 1);
    qp_dec_str(&d, "a=1G");
    assert_dec(&d, "a=1G", 1);
    qp_dec_str(&d, "a= b");
    assert_dec(&d, "a= b", 1);
    qp_dec_str(&d, "==41");
    assert_dec(&d, "=A", 1);
    qp_dec_str(&d, "=\rx");
    assert_dec(&d, "=\rx", 1);
}

static void
qp_decode_soft_breaks(void **state)
{
    (void)state;
    struct dec d;
    qp_dec_str(&d, "abc=\r\ndef");
    assert_dec(&d, "abcdef", 0);
    qp_dec_str(&d, "abc=\ndef");
    assert_dec(&d, "abcdef", 0);
    qp_dec_str(&d, "abc= \t\r\ndef"); /* whitespace added in transport */
    assert_dec(&d, "abcdef", 0);
    qp_dec_str(&d, "a b =\r\nc");
    assert_dec(&d, "a b c", 0);
}

static void
qp_decode_soft_break_at_end(void **state)
{
    (void)state;
    struct dec d;
    qp_dec_str(&d, "abc=");
    assert_dec(&d, "abc", 0);
    qp_dec_str(&d, "abc= \t");
    assert_dec(&d, "abc", 0);
    qp_dec_str(&d, "abc=\r");
    assert_dec(&d, "abc", 0);
    qp_dec_str(&d, "=");
    assert_dec(&d, "", 0);
}

static void
qp_decode_strips_trailing_whitespace(void **state)
{
    (void)state;
    struct dec d;
    qp_dec_str(&d, "abc  \r\ndef \t\nghi \t");
    assert_dec(&d, "abc\r\ndef\nghi", 0);
    qp_dec_str(&d, "abc=20\r\n"); /* encoded whitespace is data */
    assert_dec(&d, "abc \r\n", 0);
    qp_dec_str(&d, "abc=20 \r\n");
    assert_dec(&d, "abc \r\n", 0);
}

/* ref_qp_decode: the documented rules of mime_qp_decode, one byte at a time
 * (no run copying), to test the fast path against. */
static void
ref_qp_decode(uint8_t *out, size_t *out_len, size_t *out_bad, const uint8_t *in, size_t len)
{
    static const char hex[] = "0123456789ABCDEFabcdef";
    size_t o = 0;
    size_t bad = 0;
    size_t ws_from = 0;
    bool in_ws = false;
    for (size_t i = 0; i < len;) {
        uint8_t c = in[i];
        bool lf = c == '\n' || (c == '\r' && i + 1 < len && in[i + 1] == '\n');
        if (c == ' ' || c == '\t') {
            ws_from = in_ws ? ws_from : o;
            in_ws = true;
            out[o++] = in[i++];
        } else if (lf) {
            o = in_ws ? ws_from : o;
            in_ws = false;
            size_t n = c == '\r' ? 2 : 1;
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
        } else if (c != '=') {
            in_ws = false;
            out[o++] = in[i++];
        } else if (i + 2 < len && in[i + 1] != 0 && in[i + 2] != 0 && strchr(hex, in[i + 1]) &&
                   strchr(hex, in[i + 2])) {
            in_ws = false;
            char h[3] = {(char)in[i + 1], (char)in[i + 2], 0};
            out[o++] = (uint8_t)strtoul(h, NULL, 16);
            i += 3;
        } else {
            in_ws = false;
            size_t j = i + 1;
            while (j < len && (in[j] == ' ' || in[j] == '\t')) {
                j++;
            }
            if (j == len || in[j] == '\n') {
                i = j == len ? j : j + 1; /* soft break */
            } else if (in[j] == '\r' && (j + 1 == len || in[j + 1] == '\n')) {
                i = j + 1 == len ? j + 1 : j + 2;
            } else {
                out[o++] = '=';
                i++;
                bad++;
            }
        }
    }
    *out_len = in_ws ? ws_from : o;
    *out_bad = bad;
}

static void
qp_decode_as_reference_random(void **state)
{
    (void)state;
    static const uint8_t pick[] = {' ', '\t', '\r', '\n', '=', 'a', 'Z',
                                   '.', '0',  'F',  'f',  'g', 0};
    uint8_t in[300];
    uint8_t want[300];
    uint8_t got[300];
    rng_state = 0x9e3779b97f4a7c15ull;
    for (unsigned iter = 0; iter < 50000; iter++) {
        size_t len = rng_next() % sizeof(in);
        unsigned plain = rng_next() % 20; /* runs of plain letters between odd bytes */
        for (size_t i = 0; i < len; i++) {
            uint32_t r = rng_next();
            in[i] = r % (plain + 1) != 0 ? (uint8_t)('a' + (r >> 8) % 26) : pick[(r >> 8) % 13];
        }
        size_t wl, wb, gl, gb;
        ref_qp_decode(want, &wl, &wb, in, len);
        mime_qp_decode(got, &gl, &gb, in, len);
        assert_int_equal(gl, wl);
        assert_int_equal(gb, wb);
        assert_memory_equal(got, want, wl);
    }
}

static void
qp_encode_escapes(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t n;
    const char *in = "a=b\tc \nd";
    mime_qp_encode(out, &n, (const uint8_t *)in, strlen(in), "\r\n");
    assert_int_equal(n, strlen("a=3Db\tc=20\r\nd"));
    assert_memory_equal(out, "a=3Db\tc=20\r\nd", n);
    const uint8_t bin[] = {0x00, 0xff, '~', '!', 0x7f};
    mime_qp_encode(out, &n, bin, sizeof(bin), "\n");
    assert_int_equal(n, strlen("=00=FF~!=7F"));
    assert_memory_equal(out, "=00=FF~!=7F", n);
    mime_qp_encode(out, &n, (const uint8_t *)"x\t", 2, "\n"); /* trailing at EOF */
    assert_int_equal(n, 4);
    assert_memory_equal(out, "x=09", 4);
    mime_qp_encode(out, &n, (const uint8_t *)"a\rb\r\r\n", 6, "\n"); /* bare CR */
    assert_int_equal(n, strlen("a=0Db=0D\n"));
    assert_memory_equal(out, "a=0Db=0D\n", n);
    mime_qp_encode(out, &n, NULL, 0, "\n");
    assert_int_equal(n, 0);
}

static void
qp_encode_line_exactly_76(void **state)
{
    (void)state;
    uint8_t in[200];
    uint8_t out[400];
    size_t n;
    memset(in, 'a', sizeof(in));
    mime_qp_encode(out, &n, in, 76, "\r\n");
    assert_int_equal(n, 76); /* a 76-character line needs no soft break */
    in[76] = '\n';
    mime_qp_encode(out, &n, in, 77, "\r\n");
    assert_int_equal(n, 78);
    memset(in, 'a', sizeof(in));
    mime_qp_encode(out, &n, in, 77, "\r\n");
    assert_int_equal(n, 75 + 1 + 2 + 2);
    assert_memory_equal(out + 75, "=\r\naa", 5);
    assert_lines_at_most(out, n, 76);
}

static void
qp_encode_escape_never_split(void **state)
{
    (void)state;
    uint8_t in[80];
    uint8_t out[400];
    size_t n;
    memset(in, 'a', sizeof(in));
    in[73] = 0xff; /* "=FF" would end at column 76: no room for '=' */
    mime_qp_encode(out, &n, in, sizeof(in), "\n");
    assert_memory_equal(out + 73, "=\n=FF", 5);
    assert_lines_at_most(out, n, 76);
    mime_qp_encode(out, &n, in, 74, "\n"); /* the line's last: "=FF" may end at 76 */
    assert_int_equal(n, 76);
    assert_memory_equal(out + 73, "=FF", 3);
    memset(in, ' ', sizeof(in)); /* spaces only: the last one is escaped */
    mime_qp_encode(out, &n, in, 76, "\n");
    assert_lines_at_most(out, n, 76);
    assert_memory_equal(out + n - 3, "=20", 3);
}

/* qp_normalise is what QP encode/decode must give back: line breaks in the
 * input (CRLF or LF) become `eol`. */
static size_t
qp_normalise(uint8_t *out, const uint8_t *in, size_t n, const char *eol)
{
    size_t o = 0;
    size_t el = strlen(eol);
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\n' || (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')) {
            i += in[i] == '\r';
            memcpy(out + o, eol, el);
            o += el;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

static void
qp_round_trip_random(void **state)
{
    (void)state;
    static const char *const eols[] = {"\r\n", "\n"};
    uint8_t in[600];
    uint8_t want[1200];
    uint8_t enc[4000];
    uint8_t dec[4000];
    rng_state = 0xD1B54A32D192ED03ull;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rng_next() % sizeof(in);
        const char *eol = eols[iter & 1];
        rng_fill(in, n, iter % 3 != 0);
        size_t cap = mime_qp_encode_cap(n, strlen(eol));
        assert_true(cap <= sizeof(enc));
        size_t el;
        mime_qp_encode(enc, &el, in, n, eol);
        assert_true(el <= cap);
        assert_lines_at_most(enc, el, 76);
        for (size_t i = 0; i < el; i++) { /* output is 7-bit, no bare CR */
            assert_true(enc[i] < 127);
            assert_true(enc[i] != '\r' || (i + 1 < el && enc[i + 1] == '\n'));
        }
        size_t dl;
        size_t bad;
        mime_qp_decode(dec, &dl, &bad, enc, el);
        size_t wl = qp_normalise(want, in, n, eol);
        assert_int_equal(bad, 0);
        assert_int_equal(dl, wl);
        assert_memory_equal(dec, want, wl);
    }
}

/* ref_qp_encode is RFC 2045 6.7 one octet at a time, as mime_qp_encode was
 * before its runs of printable and of 8-bit octets were copied in inner
 * loops: mime_qp_encode must write exactly these octets. */
static size_t
ref_qp_encode(uint8_t *out, const uint8_t *in, size_t n, const char *eol)
{
    size_t el = strlen(eol);
    size_t o = 0;
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = in[i];
        size_t brk = c == '\n' ? 1 : (c == '\r' && i + 1 < n && in[i + 1] == '\n') ? 2 : 0;
        if (brk > 0) {
            memcpy(out + o, eol, el);
            o += el;
            col = 0;
            i += brk;
            continue;
        }
        bool at_eol = i + 1 == n || in[i + 1] == '\n' ||
                      (in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n');
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        size_t width = literal ? 1 : 3;
        if (col + width > (at_eol ? 76u : 75u)) {
            out[o++] = '=';
            memcpy(out + o, eol, el);
            o += el;
            col = 0;
        }
        if (literal) {
            out[o++] = c;
        } else {
            out[o] = '=';
            out[o + 1] = (uint8_t) "0123456789ABCDEF"[c >> 4];
            out[o + 2] = (uint8_t) "0123456789ABCDEF"[c & 15];
            o += 3;
        }
        col += width;
        i++;
    }
    return o;
}

/* Texts in another script (runs of 8-bit octets) mixed with ASCII words,
 * spaces, '=', bare CR, LF and CRLF at every column: the output is the
 * reference encoder's, octet for octet. */
static void
qp_encode_as_reference_random(void **state)
{
    (void)state;
    static const char *const eols[] = {"\r\n", "\n", ""};
    static const uint8_t pick[] = {'\n', '\r', ' ', '\t', '=', 0x00, 0x7f, 0xc3, 0xa9, 0xff};
    uint8_t in[700];
    uint8_t want[4000];
    uint8_t got[4000];
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rng_next() % sizeof(in);
        unsigned high = (unsigned)(rng_next() % 4); /* how much is 8-bit: none to most */
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rng_next();
            unsigned k = (unsigned)(r % 16);
            if (k < high * 4) {
                in[i] = (uint8_t)(0x80 | (r >> 8));
            } else if (k < 14) {
                in[i] = (uint8_t)('a' + (r >> 8) % 26);
            } else {
                in[i] = pick[(r >> 8) % sizeof(pick)];
            }
        }
        const char *eol = eols[iter % 3];
        size_t wl = ref_qp_encode(want, in, n, eol);
        size_t gl = 0;
        mime_qp_encode(got, &gl, in, n, eol);
        assert_int_equal(gl, wl);
        assert_memory_equal(got, want, wl);
    }
}

static void
qp_encode_cap_worst_case(void **state)
{
    (void)state;
    uint8_t in[1000];
    uint8_t out[8000];
    size_t n;
    memset(in, 0xff, sizeof(in));
    mime_qp_encode(out, &n, in, sizeof(in), "\r\n");
    assert_true(n <= mime_qp_encode_cap(sizeof(in), 2));
    memset(in, '\n', sizeof(in));
    mime_qp_encode(out, &n, in, sizeof(in), "\r\n\r\n");
    assert_int_equal(n, 4000);
    assert_true(n <= mime_qp_encode_cap(sizeof(in), 4));
}

static void
qp_corpus_wikipedia(void **state)
{
    (void)state;
    size_t qp_len;
    size_t txt_len;
    uint8_t *qp = read_file("gmime/encodings/wikipedia.qp", &qp_len);
    uint8_t *txt = read_file("gmime/encodings/wikipedia.txt", &txt_len);
    uint8_t *out = malloc(qp_len + 1);
    assert_non_null(out);
    size_t n;
    size_t bad;
    mime_qp_decode(out, &n, &bad, qp, qp_len);
    assert_int_equal(bad, 0);
    assert_int_equal(n, txt_len);
    assert_memory_equal(out, txt, txt_len);
    free(out);
    free(txt);
    free(qp);
}

/* ---- RFC 2047 encoded words --------------------------------------------- */

#define SV(s) (const uint8_t *)(s), strlen(s)

static void
eword_find_and_decode_q(void **state)
{
    (void)state;
    const char *v = "Re: =?ISO-8859-1?Q?a_b=3Dc=E9?= tail";
    struct mime_eword w;
    assert_true(mime_eword_next(&w, SV(v), 0));
    assert_int_equal(w.start, 4);
    assert_int_equal(w.end, strlen(v) - 5);
    assert_int_equal(w.charset_len, 10);
    assert_memory_equal(v + w.charset_off, "ISO-8859-1", 10);
    assert_int_equal(w.encoding, 'Q');
    assert_memory_equal(v + w.text_off, "a_b=3Dc=E9", w.text_len);
    uint8_t out[64];
    size_t n;
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)v));
    assert_int_equal(n, 6);
    assert_memory_equal(out, "a b=c\xe9", 6);
    assert_false(mime_eword_next(&w, SV(v), w.end));
}

static void
eword_decode_b_lower_case_letter(void **state)
{
    (void)state;
    const char *v = "=?utf-8?b?w6k=?=";
    struct mime_eword w;
    assert_true(mime_eword_next(&w, SV(v), 0));
    assert_int_equal(w.encoding, 'B');
    assert_int_equal(w.end, strlen(v));
    uint8_t out[16];
    size_t n;
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)v));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    /* Missing padding is tolerated, as mail readers do. */
    const char *unpadded = "=?utf-8?B?w6k?= =?utf-8?B?dHc?=";
    assert_true(mime_eword_next(&w, SV(unpadded), 0));
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)unpadded));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    assert_true(mime_eword_next(&w, SV(unpadded), w.end));
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)unpadded));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "tw", 2);
}

static void
eword_charset_language_dropped(void **state)
{
    (void)state;
    const char *v = "=?utf-8*en-US?Q?x?=";
    struct mime_eword w;
    assert_true(mime_eword_next(&w, SV(v), 0));
    assert_int_equal(w.charset_len, 5);
    assert_memory_equal(v + w.charset_off, "utf-8", 5);
}

static void
eword_malformed_not_found(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "=?utf-8?Q?abc",     /* no "?=" */
        "=?utf-8?Q?abc?",    /* "?" at the very end */
        "=?utf-8?X?abc?=",   /* unknown encoding letter */
        "=?utf-8?QQ?abc?=",  /* two letters */
        "=??Q?abc?=",        /* empty charset */
        "=?*en?Q?abc?=",     /* language only */
        "=?utf-8?Q?a b?=",   /* space in the text */
        "=?utf 8?Q?ab?=",    /* space in the charset */
        "=?utf-8?Q",         /* cut inside */
        "=?",                /* just the opener */
        "=",                 /* less */
        "?= =? ?Q? =?utf-8", /* pieces in the wrong order */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mime_eword w;
        assert_false(mime_eword_next(&w, SV(bad[i]), 0));
    }
    struct mime_eword w;
    assert_false(mime_eword_next(&w, SV("=?a?Q?b?="), 100)); /* from past the end */
    assert_false(mime_eword_next(&w, SV("=?a?Q?b?="), 1));
}

static void
eword_next_skips_malformed_and_iterates(void **state)
{
    (void)state;
    const char *v = "=?x?Z?y?= =?=?utf-8?Q?one?= =?us-ascii?B?dHdv?=";
    struct mime_eword w;
    assert_true(mime_eword_next(&w, SV(v), 0));
    assert_memory_equal(v + w.text_off, "one", 3);
    assert_int_equal(w.start, 12);
    assert_true(mime_eword_next(&w, SV(v), w.end));
    assert_memory_equal(v + w.charset_off, "us-ascii", 8);
    uint8_t out[8];
    size_t n;
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)v));
    assert_memory_equal(out, "two", 3);
    assert_false(mime_eword_next(&w, SV(v), w.end));
}

static void
eword_decode_invalid_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "=?utf-8?Q?a=Z1?=",  "=?utf-8?Q?a=?=",    "=?utf-8?Q?a=4?=",  "=?utf-8?B?w?=",
        "=?utf-8?B?w6k==?=", "=?utf-8?B?w!6k=?=", "=?utf-8?B?=w6k?=",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mime_eword w;
        assert_true(mime_eword_next(&w, SV(bad[i]), 0));
        uint8_t out[32];
        size_t n;
        assert_false(mime_eword_decode(out, &n, &w, (const uint8_t *)bad[i]));
        assert_true(n <= w.text_len);
    }
    /* An empty text decodes to nothing. */
    struct mime_eword w;
    assert_true(mime_eword_next(&w, SV("=?utf-8?Q?\?="), 0));
    uint8_t out[1];
    size_t n;
    assert_true(mime_eword_decode(out, &n, &w, (const uint8_t *)"=?utf-8?Q?\?="));
    assert_int_equal(n, 0);
}

static void
eword_encode_known_and_limits(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    assert_true(mime_eword_encode(out, &n, sizeof(out), SV("utf-8"), 'q', SV("a b=?_\xe9")));
    assert_int_equal(n, strlen("=?utf-8?Q?a_b=3D=3F=5F=E9?="));
    assert_memory_equal(out, "=?utf-8?Q?a_b=3D=3F=5F=E9?=", n);
    assert_true(mime_eword_encode(out, &n, sizeof(out), SV("utf-8"), 'B', SV("two")));
    assert_memory_equal(out, "=?utf-8?B?dHdv?=", n);
    const size_t exact = strlen("=?utf-8?B?dHdv?=");
    assert_true(mime_eword_encode(out, &n, exact, SV("utf-8"), 'B', SV("two")));
    assert_false(mime_eword_encode(out, &n, exact - 1, SV("utf-8"), 'B', SV("two")));
    assert_false(mime_eword_encode(out, &n, sizeof(out), SV("utf-8"), 'X', SV("two")));
    assert_false(mime_eword_encode(out, &n, 0, SV("utf-8"), 'Q', SV("")));
}

static void
eword_round_trip_random(void **state)
{
    (void)state;
    uint8_t text[60];
    uint8_t word[300];
    uint8_t dec[300];
    rng_state = 0x2545F4914F6CDD1Dull;
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = rng_next() % sizeof(text);
        char enc = (iter & 1) ? 'B' : 'Q';
        rng_fill(text, n, iter % 3 == 0);
        size_t wl;
        assert_true(mime_eword_encode(word, &wl, sizeof(word), SV("utf-8"), enc, text, n));
        struct mime_eword w;
        assert_true(mime_eword_next(&w, word, wl, 0));
        assert_int_equal(w.start, 0);
        assert_int_equal(w.end, wl);
        size_t dl;
        assert_true(mime_eword_decode(dec, &dl, &w, word));
        assert_int_equal(dl, n);
        assert_memory_equal(dec, text, n);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b64_decode_known),
        cmocka_unit_test(b64_decode_skips_line_whitespace),
        cmocka_unit_test(b64_decode_bad_chars_counted_and_skipped),
        cmocka_unit_test(b64_decode_truncated_groups),
        cmocka_unit_test(b64_decode_pad_in_wrong_places),
        cmocka_unit_test(b64_decode_data_after_padding),
        cmocka_unit_test(b64_decode_whitespace_at_every_offset),
        cmocka_unit_test(b64_encode_known_and_wrapped),
        cmocka_unit_test(b64_encode_odd_line_lengths),
        cmocka_unit_test(b64_round_trip_random),
        cmocka_unit_test(b64_corpus_photo),
        cmocka_unit_test(b64_decode_as_reference_random),
        cmocka_unit_test(b64_decode_as_reference_every_byte_everywhere),
        cmocka_unit_test(b64_decode_lines_layout),
        cmocka_unit_test(qp_decode_known),
        cmocka_unit_test(qp_decode_bad_escapes_kept),
        cmocka_unit_test(qp_decode_soft_breaks),
        cmocka_unit_test(qp_decode_soft_break_at_end),
        cmocka_unit_test(qp_decode_strips_trailing_whitespace),
        cmocka_unit_test(qp_decode_as_reference_random),
        cmocka_unit_test(qp_encode_escapes),
        cmocka_unit_test(qp_encode_line_exactly_76),
        cmocka_unit_test(qp_encode_escape_never_split),
        cmocka_unit_test(qp_round_trip_random),
        cmocka_unit_test(qp_encode_as_reference_random),
        cmocka_unit_test(qp_encode_cap_worst_case),
        cmocka_unit_test(qp_corpus_wikipedia),
        cmocka_unit_test(eword_find_and_decode_q),
        cmocka_unit_test(eword_decode_b_lower_case_letter),
        cmocka_unit_test(eword_charset_language_dropped),
        cmocka_unit_test(eword_malformed_not_found),
        cmocka_unit_test(eword_next_skips_malformed_and_iterates),
        cmocka_unit_test(eword_decode_invalid_text),
        cmocka_unit_test(eword_encode_known_and_limits),
        cmocka_unit_test(eword_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

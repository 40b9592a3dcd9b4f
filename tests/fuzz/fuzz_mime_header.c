/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for header-value parsing (tokens, parameters, RFC 2047
 * encoded words) and the transfer codecs, which must round-trip:
 * decode(encode(x)) == x, else abort. Buffers are sized exactly so ASan sees
 * any write past a documented capacity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_codec.h"
#include "mime_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    check(p != NULL);
    return p;
}

static void
fuzz_header(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"charset", "boundary", "name", "filename", "title", "url"};
    char out[64];
    if (mime_header_value_token(out, sizeof(out), data, size)) {
        check(out[0] != '\0' && strlen(out) < sizeof(out));
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char big[512];
        if (mime_header_param(big, sizeof(big), data, size, names[i])) {
            check(strlen(big) < sizeof(big));
        }
        if (mime_header_param(out, 8, data, size, names[i])) {
            check(strlen(out) < 8);
        }
    }
    /* Several names in one reading answer as one name at a time does. */
    char outs[MIME_PARAM_WANT_MAX][32];
    struct mime_param_want w[MIME_PARAM_WANT_MAX];
    for (size_t k = 0; k < MIME_PARAM_WANT_MAX; k++) {
        w[k] = (struct mime_param_want){.name = names[k], .out = outs[k], .cap = sizeof(outs[k])};
    }
    mime_header_params(w, MIME_PARAM_WANT_MAX, data, size);
    for (size_t k = 0; k < MIME_PARAM_WANT_MAX; k++) {
        char one[32];
        check(mime_header_param(one, sizeof(one), data, size, names[k]) == w[k].found);
        check(strcmp(one, outs[k]) == 0);
    }
}

static void
fuzz_ewords(const uint8_t *data, size_t size)
{
    struct mime_eword w;
    size_t from = 0;
    while (mime_eword_next(&w, data, size, from)) {
        check(w.start >= from && w.start < w.end && w.end <= size);
        check(w.charset_len > 0 && w.charset_off + w.charset_len <= w.text_off);
        check(w.text_off + w.text_len + 2 == w.end);
        check(w.encoding == 'B' || w.encoding == 'Q');
        uint8_t *dec = xmalloc(w.text_len);
        size_t dl;
        if (mime_eword_decode(dec, &dl, &w, data)) {
            check(dl <= w.text_len);
            /* Re-encode the decoded text and decode it again. */
            size_t cap = 7 + w.charset_len + dl * 3 + 4;
            uint8_t *word = xmalloc(cap);
            size_t wl;
            check(mime_eword_encode(word, &wl, cap, data + w.charset_off, w.charset_len, w.encoding,
                                    dec, dl));
            struct mime_eword w2;
            check(mime_eword_next(&w2, word, wl, 0));
            check(w2.start == 0 && w2.end == wl && w2.encoding == w.encoding);
            uint8_t *dec2 = xmalloc(w2.text_len);
            size_t dl2;
            check(mime_eword_decode(dec2, &dl2, &w2, word));
            check(dl2 == dl && (dl == 0 || memcmp(dec2, dec, dl) == 0));
            free(dec2);
            free(word);
        }
        free(dec);
        from = w.end;
    }
}

static void
fuzz_base64(const uint8_t *data, size_t size)
{
    /* Lenient decode of arbitrary bytes into exactly the documented capacity. */
    uint8_t *out = xmalloc(size / 4 * 3 + 3);
    size_t n;
    size_t bad;
    mime_b64_decode(out, &n, &bad, data, size);
    check(n <= size / 4 * 3 + 3);
    free(out);

    static const char *const eols[] = {"\r\n", "\n", ""};
    size_t line_len = size > 0 ? data[0] : 76;
    const char *eol = eols[size % 3];
    size_t cap = mime_b64_encode_cap(size, line_len, strlen(eol));
    uint8_t *enc = xmalloc(cap);
    size_t el;
    mime_b64_encode(enc, &el, data, size, line_len, eol);
    check(el == cap);
    uint8_t *dec = xmalloc(el / 4 * 3 + 3);
    mime_b64_decode(dec, &n, &bad, enc, el);
    check(bad == 0 && n == size && (size == 0 || memcmp(dec, data, size) == 0));
    free(dec);
    free(enc);
}

static void
fuzz_qp(const uint8_t *data, size_t size)
{
    uint8_t *out = xmalloc(size);
    size_t n;
    size_t bad;
    mime_qp_decode(out, &n, &bad, data, size);
    check(n <= size);
    free(out);

    /* Round trip: line breaks (CRLF or LF) come back as `eol`. */
    const char *eol = (size & 1) ? "\r\n" : "\n";
    size_t eol_len = strlen(eol);
    size_t cap = mime_qp_encode_cap(size, eol_len);
    uint8_t *enc = xmalloc(cap);
    size_t el;
    mime_qp_encode(enc, &el, data, size, eol);
    check(el <= cap);
    size_t col = 0;
    for (size_t i = 0; i < el; i++) {
        col = enc[i] == '\n' ? 0 : enc[i] == '\r' ? col : col + 1;
        check(col <= 76); /* RFC 2045 6.7 (5) */
    }
    uint8_t *want = xmalloc(size * eol_len + 1);
    size_t wl = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n' || (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')) {
            i += data[i] == '\r';
            memcpy(want + wl, eol, eol_len);
            wl += eol_len;
        } else {
            want[wl++] = data[i];
        }
    }
    uint8_t *dec = xmalloc(el);
    mime_qp_decode(dec, &n, &bad, enc, el);
    check(bad == 0 && n == wl && (wl == 0 || memcmp(dec, want, wl) == 0));
    free(dec);
    free(want);
    free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_header(data, size);
    fuzz_ewords(data, size);
    fuzz_base64(data, size);
    fuzz_qp(data, size);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the streaming MIME parser: any input, split into
 * chunks of a fuzzer-chosen size, must come back byte for byte through the
 * events (nothing lost, nothing invented) without a crash. */
#include <stdlib.h>
#include <string.h>

#include "mime_parser.h"

struct sink {
    uint8_t *p;
    size_t len;
    size_t cap;
};

static int
on_event(void *ctx, enum mime_event ev, const struct mime_part *part, const uint8_t *data,
         size_t len)
{
    struct sink *s = ctx;
    (void)part;
    if (ev == MIME_EV_HEADERS || ev == MIME_EV_BODY || ev == MIME_EV_RAW || ev == MIME_EV_DELIM) {
        if (s->len + len > s->cap) {
            abort(); /* more bytes out than in */
        }
        memcpy(s->p + s->len, data, len);
        s->len += len;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t chunk = (size_t)data[0] % 97 + 1;
    data++;
    size--;
    struct sink s = {.p = malloc(size + 1), .cap = size};
    struct mime_limits lim = {.max_header_bytes = 1024, .max_depth = 4, .max_parts = 16};
    struct mime_parser p;
    if (s.p == NULL || mime_parser_init(&p, &lim, on_event, &s) != 0) {
        abort();
    }
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (mime_parser_feed(&p, data + off, n) != 0) {
            abort();
        }
    }
    if (mime_parser_finish(&p) != 0 || s.len != size || memcmp(s.p, data, size) != 0) {
        abort();
    }
    mime_parser_fini(&p);
    free(s.p);
    return 0;
}

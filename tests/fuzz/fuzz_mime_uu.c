/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for scan/mime_uu: every block found in the input lies
 * within it in order and decodes into exactly decoded_len bytes; encoding
 * those bytes again and wrapping them in begin/end lines gives one block
 * that decodes to the same bytes. Buffers are sized exactly so ASan sees
 * any write past a capacity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_uu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void
round_trip(const uint8_t *dec, size_t n)
{
    static const uint8_t head[] = "begin 644 f\r\n";
    static const uint8_t tail[] = "`\r\nend\r\n";
    size_t enc = mime_uu_encoded_len(n, 2);
    size_t len = sizeof(head) - 1 + enc + sizeof(tail) - 1;
    uint8_t *t = malloc(len);
    check(t != NULL);
    memcpy(t, head, sizeof(head) - 1);
    check(mime_uu_encode(t + sizeof(head) - 1, dec, n, (const uint8_t *)"\r\n", 2) == enc);
    memcpy(t + sizeof(head) - 1 + enc, tail, sizeof(tail) - 1);
    struct mime_uu_block b;
    check(mime_uu_next(&b, t, len, 0));
    check(b.begin == 0 && b.end == len && b.decoded_len == n);
    uint8_t *again = malloc(n + 1);
    check(again != NULL);
    mime_uu_decode(again, t, &b);
    check(memcmp(again, dec, n) == 0);
    free(again);
    free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_uu_block b;
    size_t from = 0;
    while (mime_uu_next(&b, data, size, from)) {
        check(b.begin >= from && b.name > b.begin && b.name + b.name_len <= b.data);
        check(b.data <= b.data_end && b.data_end < b.end && b.end <= size);
        uint8_t *dec = malloc(b.decoded_len + 1);
        check(dec != NULL);
        mime_uu_decode(dec, data, &b);
        round_trip(dec, b.decoded_len);
        free(dec);
        from = b.end;
    }
    return 0;
}

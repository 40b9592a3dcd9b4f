/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the snapshot frame's header (dp_push.h), read from
 * redline-controld's pushes and from the file redlined keeps: any bytes give
 * a header or a reason, never a crash; a header that parses formats back to
 * the same line; and a body checks against it only if it is what it says. */
#include <stdlib.h>
#include <string.h>

#include "dp_push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hl = nl != NULL ? (size_t)(nl - data) + 1 : size;
    struct dp_push_header h;
    struct rl_diag d = {{0}, {0}};
    if (dp_push_header_parse(&h, &d, (const char *)data, hl) != 0) {
        if (d.reason[0] == '\0') {
            abort();
        }
        return 0;
    }
    char again[DP_PUSH_HEADER_MAX];
    size_t n = dp_push_header_format(again, sizeof(again), &h);
    size_t line = hl > 0 && data[hl - 1] == '\n' ? hl - 1 : hl;
    if (n != line + 1 || memcmp(again, data, line) != 0) {
        abort(); /* one spelling per header */
    }
    const uint8_t *body = data + hl;
    size_t left = size - hl;
    size_t jl = h.json_len < left ? h.json_len : left;
    int rc = dp_push_check(&h, &d, body, jl, body + jl, left - jl);
    struct dp_push_header sealed = h;
    dp_push_seal(&sealed, body, jl, body + jl, left - jl);
    if ((rc == 0) !=
        (jl == h.json_len && left - jl == h.blob_len && memcmp(sealed.sha256, h.sha256, 32) == 0)) {
        abort();
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The message id generator: time, then random start plus counter, in
 * Crockford base32 (no I, L, O, U: never read as digits or words). */
#include "dp_msgid.h"

#include <sys/random.h>

#include "rl_error.h"

int
dp_msgid_init(struct dp_msgid *g)
{
    uint64_t r[2];
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t n = getrandom((uint8_t *)r + got, sizeof(r) - got, 0);
        if (n <= 0) {
            return RL_EIO;
        }
        got += (size_t)n;
    }
    g->hi = r[0] & 0xffffu;
    g->lo = r[1];
    return 0;
}

void
dp_msgid_next(struct dp_msgid *g, uint64_t unix_ms, char out[DP_MSGID_LEN + 1])
{
    static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /* 128 bits: time (48) | hi (16) | lo (64); 26 base32 digits hold 130. */
    uint64_t top = (unix_ms & 0xffffffffffffu) << 16 | (g->hi & 0xffffu);
    uint64_t low = g->lo;
    g->lo++;
    if (g->lo == 0) {
        g->hi = (g->hi + 1) & 0xffffu;
    }
    for (int i = DP_MSGID_LEN - 1; i >= 0; i--) {
        out[i] = digits[low & 31u];
        low = low >> 5 | top << 59;
        top >>= 5;
    }
    out[DP_MSGID_LEN] = '\0';
}

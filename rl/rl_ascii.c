/* SPDX-License-Identifier: Apache-2.0 */
#include "rl_ascii.h"

#include <stdint.h>
#include <string.h>

static uint8_t
lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

bool
rl_ascii_ieq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    for (size_t i = 0; i < n; i++) {
        if (lower(x[i]) != lower(y[i])) {
            return false;
        }
    }
    return true;
}

bool
rl_ascii_word(const void *p, size_t n, const char *word)
{
    return n == strlen(word) && rl_ascii_ieq(p, word, n);
}

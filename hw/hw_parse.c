/* SPDX-License-Identifier: Apache-2.0 */
/* Sysfs numbers and /proc/PID/stat CPU times: bounded, allocation-free
 * readers over bytes. Any thread. */
#include "hw_parse.h"

#include <string.h>

bool
hw_parse_int(int64_t *out, const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
    }
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    i += neg ? 1 : 0;
    if (i == len) {
        return false;
    }
    uint64_t v = 0;
    /* INT64_MIN's magnitude is one more than INT64_MAX's */
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = !neg ? (int64_t)v : v == 0 ? 0 : -(int64_t)(v - 1) - 1;
    return true;
}

/* field_span finds the next space-separated field of s[*i..len): its
 * bounds, with *i moved past it. Returns false when none is left. */
static bool
field_span(const char *s, size_t len, size_t *i, size_t *out_start, size_t *out_end)
{
    while (*i < len && s[*i] == ' ') {
        (*i)++;
    }
    *out_start = *i;
    while (*i < len && s[*i] != ' ' && s[*i] != '\n') {
        (*i)++;
    }
    *out_end = *i;
    return *out_end > *out_start;
}

bool
hw_parse_proc_stat(uint64_t *out_ticks, const char *s, size_t len)
{
    /* proc(5): pid (comm) state ppid ... utime(14) stime(15) */
    const char *close = NULL;
    for (size_t k = len; k > 0; k--) {
        if (s[k - 1] == ')') {
            close = s + k - 1;
            break;
        }
    }
    if (close == NULL || memchr(s, '(', (size_t)(close - s)) == NULL) {
        return false;
    }
    size_t i = (size_t)(close - s) + 1;
    uint64_t sum = 0;
    /* after "(comm)" comes field 3 (state); utime is field 14 */
    for (int field = 3; field <= 15; field++) {
        size_t a, b;
        if (!field_span(s, len, &i, &a, &b)) {
            return false;
        }
        if (field >= 14) {
            int64_t v;
            if (!hw_parse_int(&v, s + a, b - a) || v < 0) {
                return false;
            }
            sum += (uint64_t)v;
        }
    }
    *out_ticks = sum;
    return true;
}

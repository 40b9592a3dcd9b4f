/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for hw_parse.c: any bytes as a sysfs number (checked
 * against strtoll where the text is a plain decimal) and as a
 * /proc/PID/stat line. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* plain tells whether s[0..len) is -?[0-9]+ with at most one '\n' after. */
static bool
plain(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
    }
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;
    if (i == len) {
        return false;
    }
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t v = 0;
    bool ok = hw_parse_int(&v, s, size);
    if (size < 64) {
        char buf[64];
        memcpy(buf, data, size);
        buf[size] = '\0';
        if (plain(buf, size) && strlen(buf) == size) {
            errno = 0;
            long long want = strtoll(buf, NULL, 10);
            bool fits = errno != ERANGE;
            if (ok != fits || (ok && v != want)) {
                abort();
            }
        } else if (ok) {
            abort(); /* anything else is refused */
        }
    }
    uint64_t ticks = 0;
    (void)hw_parse_proc_stat(&ticks, s, size);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for scan/mime_transcode: the first octet chooses a
 * charset, the rest is text in it. Checks: reading it gives valid UTF-8
 * within the documented capacity (RL_ELIMIT otherwise); writing that UTF-8
 * back works or is refused with RL_EINVAL, and what it writes reads again
 * (scan_message compares the two); buffers are sized exactly so ASan sees
 * any write past a capacity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_transcode.h"
#include "rl_error.h"
#include "rl_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}

static struct mime_xcode xc;
static int ready;

/* Reads in[0, len) to UTF-8 into a fresh buffer, growing as a caller does. */
static uint8_t *
read_utf8(const uint8_t *in, size_t len, size_t *out_len, size_t *out_bad)
{
    size_t cap = mime_xcode_utf8_cap(len);
    for (int tries = 0; tries < 6; tries++, cap *= 2) {
        uint8_t *p = malloc(cap);
        check(p != NULL);
        int rc = mime_xcode_to_utf8(&xc, p, cap, out_len, out_bad, in, len);
        if (rc == 0) {
            check(*out_len <= cap);
            return p;
        }
        check(rc == RL_ELIMIT);
        free(p);
    }
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const labels[] = {
        "iso-2022-jp", "shift_jis", "euc-jp",      "gb2312",       "gb18030", "big5",
        "euc-kr",      "utf-7",     "iso-2022-kr", "iso-8859-2",   "koi8-r",  "windows-1251",
        "cp037",       "tis-620",   "iso-2022-cn", "windows-1258",
    };
    if (!ready) {
        mime_xcode_init(&xc);
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    const char *label = labels[data[0] % (sizeof(labels) / sizeof(labels[0]))];
    data++;
    size--;
    if (mime_xcode_open(&xc, (const uint8_t *)label, strlen(label)) != 0) {
        return 0;
    }
    size_t n = 0;
    size_t bad = 0;
    uint8_t *u = read_utf8(data, size, &n, &bad);
    check(rl_utf8_valid(u, n));
    size_t cap = mime_xcode_from_utf8_cap(n);
    for (int tries = 0; tries < 6; tries++, cap *= 2) {
        uint8_t *w = malloc(cap);
        check(w != NULL);
        size_t wl = 0;
        int rc = mime_xcode_from_utf8(&xc, w, cap, &wl, u, n);
        if (rc == 0) {
            check(wl <= cap);
            size_t n2 = 0;
            size_t bad2 = 0;
            uint8_t *u2 = read_utf8(w, wl, &n2, &bad2);
            check(rl_utf8_valid(u2, n2));
            free(u2);
            free(w);
            break;
        }
        free(w);
        check(rc == RL_ELIMIT || rc == RL_EINVAL);
        if (rc == RL_EINVAL) {
            break;
        }
    }
    free(u);
    return 0;
}

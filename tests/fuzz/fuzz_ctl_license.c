/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the licence reader: any bytes give a licence or a
 * reason, never a crash; what parses writes back (ctl_license_format) as
 * exactly the octets its signature covers; and nothing verifies against a
 * key that signed nothing. */
#include <stdlib.h>
#include <string.h>

#include "ctl_license.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct ctl_license lic;
    size_t signed_len = 0;
    uint8_t sig[CTL_LICENSE_SIG_LEN];
    struct rl_diag d = {{0}, {0}};
    if (ctl_license_parse(&lic, &signed_len, sig, &d, text, size) != 0) {
        if (d.reason[0] == '\0') {
            abort();
        }
    } else {
        char again[CTL_LICENSE_MAX + 1];
        size_t n = ctl_license_format(again, sizeof(again), &d, &lic);
        if (n != signed_len || memcmp(again, text, n) != 0) {
            abort(); /* one text per licence: nothing unsigned slips through */
        }
    }
    static const struct ctl_license_key key = {{1, 2, 3}};
    struct ctl_license_status st;
    ctl_license_evaluate(&st, text, size, &key, 1, 1767225600);
    if (!st.evaluation || st.tier != CTL_TIER_LOW) {
        abort();
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the policy parser and the engine compile that follows
 * it: any bytes give a policy or a diagnostic naming a field, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "scan_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_policy *p = NULL;
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    if (scan_policy_parse(&p, &d, (const char *)data, size) != 0) {
        if (d.reason[0] == '\0') {
            abort(); /* every refusal says why */
        }
        return 0;
    }
    struct scan_engine *e = NULL;
    if (scan_engine_compile(&e, &d, p) == 0) {
        scan_engine_free(e);
    }
    scan_policy_free(p);
    return 0;
}

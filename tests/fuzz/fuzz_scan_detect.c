/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for detection on its own: the digit-led candidates
 * (scan_digits_find) and the engine's findings (scan_detect, context and
 * policy) over arbitrary text under the default policy. Checks the
 * contracts: candidates in bounds, in start order and without overlaps (an
 * alternative reading follows its candidate), confidences at most 100;
 * findings in bounds, sorted, without overlaps; the same findings whether
 * the text is detected whole or range by range. */
#include <stdlib.h>
#include <string.h>

#include "scan_digits.h"
#include "scan_engine.h"

static struct scan_policy *policy;
static struct scan_engine *engine;
static struct scan_worker *worker;

static void
setup(void)
{
    struct rl_diag d = {{0}, {0}};
    const char *json = scan_policy_default_json();
    if (scan_policy_parse(&policy, &d, json, strlen(json)) != 0 ||
        scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL) {
        abort();
    }
}

static void
check_candidates(const uint8_t *data, size_t size)
{
    struct scan_cand c[256];
    bool overflow = false;
    size_t n = scan_digits_find(c, 256, &overflow, data, size, SCAN_MASK_DIGIT_LED);
    uint32_t last_end = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].start >= c[i].end || c[i].end > size || c[i].confidence > 100 ||
            c[i].type >= SCAN_T__COUNT) {
            abort();
        }
        if (c[i].flags & SCAN_CAND_ALT) {
            if (i == 0 || (c[i - 1].flags & (SCAN_CAND_ALT | SCAN_CAND_STRONG)) != 0) {
                abort(); /* an alternative follows a candidate that is not strong */
            }
            continue;
        }
        if (c[i].start < last_end) {
            abort();
        }
        last_end = c[i].end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (policy == NULL) {
        setup();
    }
    check_candidates(data, size);
    static struct scan_finding whole[512];
    static struct scan_finding part[512];
    size_t n_whole = 0;
    int rc = scan_detect(worker, whole, 512, &n_whole, data, size, 0, size, ~0u);
    if (rc != 0 && rc != RL_ELIMIT) {
        abort();
    }
    for (size_t i = 0; i < n_whole; i++) {
        if (whole[i].start >= whole[i].end || whole[i].end > size || whole[i].confidence > 100 ||
            (i > 0 && whole[i].start < whole[i - 1].end)) {
            abort();
        }
    }
    if (rc == RL_ELIMIT || size < 2) {
        return 0;
    }
    /* Range by range, cut after a line end as scan_message cuts (the first
     * octet chooses where): what starts in each range is found from the whole
     * buffer's context, so nothing changes. */
    const uint8_t *lf = memchr(data + data[0] % size, '\n', size - data[0] % size);
    if (lf == NULL || lf + 1 == data + size) {
        return 0;
    }
    size_t cut = (size_t)(lf - data) + 1;
    size_t n1 = 0;
    size_t n2 = 0;
    if (scan_detect(worker, part, 512, &n1, data, size, 0, cut, ~0u) != 0 ||
        scan_detect(worker, part + n1, 512 - n1, &n2, data, size, cut, size, ~0u) != 0) {
        return 0; /* a range alone overflowed: nothing to compare */
    }
    /* A finding that a cut splits may be seen differently from either side;
     * compare only when no whole finding straddles the cut. */
    for (size_t i = 0; i < n_whole; i++) {
        if (whole[i].start < cut && whole[i].end > cut) {
            return 0;
        }
    }
    if (n1 + n2 != n_whole || memcmp(part, whole, n_whole * sizeof(*whole)) != 0) {
        abort();
    }
    return 0;
}

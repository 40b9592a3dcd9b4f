/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the HTML sanitiser. The first byte picks UTF-8 or a
 * single-byte charset; the rest is the part. Under the default policy it
 * must not fail other than by its look-ahead limit. With detection off, the
 * rewrite must reach a fixpoint within four rounds (a removal never builds
 * new active content), only ever shrink but for "&lt;" and U+FFFD, and
 * libxml2's reading of the result must run. libxml2's error recovery reads
 * inside attribute values where no browser does; such an output fails
 * verification in the gateway (fail closed), so it is not trapped here. */
#include <stdlib.h>
#include <string.h>

#include "scan_html.h"

static struct scan_policy *policy;
static struct scan_engine *engine;
static struct scan_worker *worker;
static struct scan_html *html;
static struct scan_finding found[4096];
static uint8_t *copy;
static size_t copy_cap;

static int
detect(void *ctx, const struct scan_finding **out_f, size_t *out_n, const uint8_t *text, size_t len,
       bool utf8)
{
    (void)utf8;
    *out_f = found;
    *out_n = 0;
    if (ctx == NULL) {
        return 0; /* detection off */
    }
    int rc =
        scan_detect(worker, found, sizeof(found) / sizeof(found[0]), out_n, text, len, 0, len, ~0u);
    return rc == RL_ELIMIT ? 0 : rc;
}

static void
setup(void)
{
    struct rl_diag d;
    const char *j = scan_policy_default_json();
    if (scan_policy_parse(&policy, &d, j, strlen(j)) != 0 ||
        scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL || (html = scan_html_new()) == NULL) {
        abort();
    }
}

/* Keeps `p` (lent by `html`) in our own buffer for the next call. */
static const uint8_t *
keep(const uint8_t *p, size_t n)
{
    if (n > copy_cap) {
        uint8_t *grown = realloc(copy, n * 2);
        if (grown == NULL) {
            abort();
        }
        copy = grown;
        copy_cap = n * 2;
    }
    memcpy(copy, p, n);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (html == NULL) {
        setup();
    }
    if (size == 0) {
        return 0;
    }
    struct scan_html_opts o = {
        .policy = policy, .utf8 = (data[0] & 1) == 0, .detect = detect, .detect_ctx = html};
    struct scan_html_result r;
    size_t left = 0;
    if (scan_html_rewrite(html, &r, &o, data + 1, size - 1) == 0 && r.changed) {
        const uint8_t *out = keep(r.out, r.out_len);
        size_t out_len = r.out_len;
        bool masks_only = r.masks_only;
        int rc = scan_html_verify(html, &left, &o, out, out_len);
        if (rc != 0 && rc != RL_ELIMIT) {
            abort(); /* RL_ELIMIT: look-ahead budget, the part would fail closed */
        }
        if (masks_only && rc == 0) {
            /* The claim that lets verification skip libxml2: masks in
             * character data leave libxml2 nothing it did not see in the
             * input (what libxml2 adds over our reader, output <= input). */
            size_t ours_out = 0, full_in = 0, ours_in = 0;
            o.masks_only = true;
            int rc1 = scan_html_verify(html, &ours_out, &o, out, out_len);
            int rc2 = scan_html_verify(html, &ours_in, &o, data + 1, size - 1);
            o.masks_only = false;
            int rc3 = scan_html_verify(html, &full_in, &o, data + 1, size - 1);
            if (rc1 == 0 && rc2 == 0 && rc3 == 0 && left - ours_out > full_in - ours_in) {
                abort();
            }
        }
    }

    o.detect_ctx = NULL;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    for (unsigned round = 0;; round++) {
        if (scan_html_rewrite(html, &r, &o, in, len) != 0) {
            return 0; /* refused (limits): the part would fail, nothing delivered */
        }
        if (!r.changed) {
            break;
        }
        if (round == 4) {
            __builtin_trap();
        }
        /* Without detection it only removes, writes a '<' next to a removal
         * as "&lt;", and a NUL as U+FFFD. */
        size_t nuls = 0;
        for (size_t i = 0; i < len; i++) {
            nuls += in[i] == 0;
        }
        if (r.out_len > len + 3 * r.n_actions + 2 * nuls) {
            __builtin_trap();
        }
        in = keep(r.out, r.out_len);
        len = r.out_len;
    }
    int rc = scan_html_verify(html, &left, &o, in, len);
    if (rc != 0 && rc != RL_ELIMIT) {
        abort();
    }
    return 0;
}

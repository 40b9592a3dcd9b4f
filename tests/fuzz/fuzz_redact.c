/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the whole rewriter (parse, decode, detect, redact,
 * re-encode, verify) under the default policy. Checks: an unmodified message
 * comes out byte for byte; delivered plain text never grows and never keeps
 * a finding the policy redacts. */
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "scan_message.h"
#include "scan_redact.h"

struct sink {
    uint8_t *p;
    size_t len;
    size_t cap;
};

static int
collect(void *ctx, const uint8_t *data, size_t len)
{
    struct sink *s = ctx;
    if (s->len + len > s->cap) {
        size_t cap = (s->len + len) * 2;
        uint8_t *p = realloc(s->p, cap);
        if (p == NULL) {
            abort();
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, len);
    s->len += len;
    return 0;
}

static struct scan_policy *policy;
static struct scan_engine *engine;
static struct scan_worker *worker;
static struct scan_message *msg;

static void
setup(void)
{
    struct rl_diag d;
    const char *j = scan_policy_default_json();
    if (mime_charset_init() != 0 || scan_policy_parse(&policy, &d, j, strlen(j)) != 0 ||
        scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL ||
        (msg = scan_message_new(worker, engine)) == NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (msg == NULL) {
        setup();
    }
    if (size < 1) {
        return 0;
    }
    bool text = data[0] & 1;
    size_t chunk = (size_t)(data[0] >> 1) * 7 + 1;
    data++;
    size--;
    struct sink s = {0};
    scan_message_begin(msg, collect, &s, text);
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (scan_message_feed(msg, data + off, n) != 0) {
            abort();
        }
    }
    const struct scan_result *r;
    if (scan_message_finish(msg, &r) != 0) {
        abort();
    }
    if (!r->modified && (s.len != size || (size > 0 && memcmp(s.p, data, size) != 0))) {
        abort(); /* nothing redacted, yet the bytes changed */
    }
    /* Only delivered output must be clean: tempfail (verification caught a
     * survivor), quarantine (say, text that reads as an encrypted message:
     * documents.on_unreadable) and block deliver nothing. */
    if (text && r->verdict == SCAN_V_DELIVER) {
        struct scan_finding f[64];
        size_t n = 0;
        if (s.len > size) {
            abort();
        }
        (void)scan_detect(worker, f, 64, &n, s.p ? s.p : (const uint8_t *)"", s.len, 0, s.len, ~0u);
        if (scan_redact_count(f, n) > 0) {
            abort(); /* a finding survived redaction */
        }
    }
    free(s.p);
    return 0;
}

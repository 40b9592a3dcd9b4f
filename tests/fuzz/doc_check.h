/* SPDX-License-Identifier: Apache-2.0 */
/* What the document fuzz targets share: the rewriter under the default
 * policy, and the check that a file it changed, rewritten again, reads back
 * and holds nothing the policy redacts. Both abort on failure. */
#ifndef FUZZ_DOC_CHECK_H
#define FUZZ_DOC_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "scan_doc.h"
#include "scan_policy.h"

/* The rewriter under the default policy, for the life of the process;
 * `ratio`, when not 0, replaces max_compression_ratio. */
static inline struct scan_doc *
fuzz_doc_policy(unsigned ratio)
{
    struct rl_diag d;
    struct scan_policy *policy = NULL;
    struct scan_engine *engine = NULL;
    struct scan_worker *worker = NULL;
    struct scan_doc *doc = NULL;
    const char *j = scan_policy_default_json();
    if (scan_policy_parse(&policy, &d, j, strlen(j)) != 0) {
        abort();
    }
    if (ratio != 0) {
        policy->limits.max_compression_ratio = ratio;
    }
    if (scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL || scan_doc_new(&doc, &d, worker, policy) != 0) {
        abort();
    }
    return doc;
}

static inline struct scan_doc *
fuzz_doc_new(void)
{
    return fuzz_doc_policy(0);
}

/* `r` (of a file a rewriter changed) rewritten again as `name`, under the
 * default policy but for the compression ratio: a rewritten file compressed
 * afresh may pack tighter than the file that came in (a fuzzed gzip of
 * zeros does), and the ratio judges what came in, not the content. */
static inline void
fuzz_doc_recheck(const struct scan_doc_result *r, const char *name)
{
    static struct scan_doc *doc;
    if (!r->modified || r->unreadable || r->failed) {
        return;
    }
    if (doc == NULL) {
        doc = fuzz_doc_policy(1000000);
    }
    uint8_t *once = malloc(r->out_len);
    if (once == NULL) {
        abort();
    }
    memcpy(once, r->out, r->out_len);
    size_t once_len = r->out_len;
    scan_doc_begin(doc);
    if (scan_doc_rewrite(doc, &r, once, once_len, "application/octet-stream", name) != 0 ||
        r->unreadable) {
        abort(); /* what we wrote must read back */
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        if (r->findings[i].f.action == SCAN_ACT_REDACT) {
            abort(); /* a value the policy redacts survived */
        }
    }
    free(once);
}

#endif

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

/* The rewriter under the default policy, for the life of the process. */
static inline struct scan_doc *
fuzz_doc_new(void)
{
    struct rl_diag d;
    struct scan_policy *policy = NULL;
    struct scan_engine *engine = NULL;
    struct scan_worker *worker = NULL;
    struct scan_doc *doc = NULL;
    const char *j = scan_policy_default_json();
    if (scan_policy_parse(&policy, &d, j, strlen(j)) != 0 ||
        scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL || scan_doc_new(&doc, &d, worker, policy) != 0) {
        abort();
    }
    return doc;
}

/* `r` (of a file rewritten by `doc`) rewritten again as `name`. */
static inline void
fuzz_doc_recheck(struct scan_doc *doc, const struct scan_doc_result *r, const char *name)
{
    if (!r->modified || r->unreadable || r->failed) {
        return;
    }
    uint8_t *once = malloc(r->out_len);
    if (once == NULL) {
        abort();
    }
    memcpy(once, r->out, r->out_len);
    size_t once_len = r->out_len;
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

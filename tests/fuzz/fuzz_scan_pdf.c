/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the PDF sanitiser (scan_pdf.c through scan_doc) with
 * the default policy and tight PDF limits: 64 MiB of memory and 5 s per
 * input, so a slow or bloated input is a refusal, not a fuzzer timeout or
 * OOM (a shorter time would make make test's replay depend on the
 * machine's speed: tests/fuzz/run.sh). Checks: a rewritten PDF, rewritten
 * again, is still readable, is not changed a second time by redaction, and
 * lists no finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_doc.h"

static struct scan_policy *policy;
static struct scan_engine *engine;
static struct scan_worker *worker;
static struct scan_doc *doc;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char json[] =
        "{\"version\": \"fuzz\", \"limits\": {\"max_pdf_memory\": 67108864, "
        "\"max_pdf_millis\": 5000, \"max_pdf_pages\": 50, \"max_pdf_objects\": 20000, "
        "\"max_archive_bytes\": 16777216}}";
    struct rl_diag d = {{0}, {0}};
    if (scan_policy_parse(&policy, &d, json, strlen(json)) != 0 ||
        scan_engine_compile(&engine, &d, policy) != 0 ||
        (worker = scan_worker_new(engine)) == NULL || scan_doc_new(&doc, &d, worker, policy) != 0) {
        fprintf(stderr, "fuzz_scan_pdf: setup failed: %s %s\n", d.field, d.reason);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct scan_doc_result *r = NULL;
    /* the type is forced: magic would send most mutations elsewhere */
    if (size < 5 || memcmp(data, "%PDF-", 5) != 0) {
        return 0;
    }
    scan_doc_begin(doc); /* each input a message of its own (libmagic's budget) */
    if (scan_doc_rewrite(doc, &r, data, size, "application/pdf", "f.pdf") != 0) {
        return 0; /* out of memory: not a finding */
    }
    if (r->kind != SCAN_DOC_PDF || !r->modified || r->failed) {
        return 0;
    }
    size_t len = r->out_len;
    uint8_t *out = malloc(len);
    if (out == NULL) {
        return 0;
    }
    memcpy(out, r->out, len);
    scan_doc_begin(doc);
    if (scan_doc_rewrite(doc, &r, out, len, "application/pdf", "f.pdf") == 0 && !r->failed) {
        /* our own output must open without repair, and hold nothing to redact;
         * a limit (time on a loaded machine) is the only excuse */
        bool limited = false;
        for (size_t i = 0; i < r->n_actions; i++) {
            limited |= r->actions[i].kind == SCAN_DOC_LIMIT;
        }
        if (!limited && (r->unreadable || r->n_findings != 0)) {
            abort();
        }
    }
    free(out);
    return 0;
}

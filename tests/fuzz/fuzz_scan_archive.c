/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for archives other than zip and compressed files
 * (scan_archive.c through scan_doc.c) under the default policy: the input is
 * the attachment. Checks: a rewritten archive, rewritten again, reads back
 * and holds nothing left to redact. */
#include <stdlib.h>
#include <string.h>

#include "doc_check.h"
#include "scan_doc.h"
#include "scan_redact.h"

static struct scan_doc *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (doc == NULL) {
        doc = fuzz_doc_new();
    }
    const struct scan_doc_result *r = NULL;
    scan_doc_begin(doc); /* each input a message of its own (libmagic's budget) */
    if (scan_doc_rewrite(doc, &r, data, size, "application/octet-stream", "f.bin") != 0) {
        abort(); /* only allocation failure is an error */
    }
    fuzz_doc_recheck(r, "f.bin");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for legacy Office files (OLE2 compound files, scan_ole.c
 * through scan_doc.c and libgsf) under the default policy: the input is the
 * attachment, named .doc. Checks: a legacy file is never rewritten, a
 * finding the policy redacts never lets it pass as readable, and the text
 * views stay within their capacity. */
#include <stdlib.h>
#include <string.h>

#include "doc_check.h"
#include "mime_charset.h"
#include "scan_doc.h"
#include "scan_ole.h"

static struct scan_doc *doc;
static uint8_t *text;
static size_t text_cap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (doc == NULL) {
        if (mime_charset_init() != 0) {
            abort();
        }
        doc = fuzz_doc_new();
    }
    const struct scan_doc_result *r = NULL;
    scan_doc_begin(doc); /* each input a message of its own (libmagic's budget) */
    if (scan_doc_rewrite(doc, &r, data, size, "application/msword", "f.doc") != 0) {
        abort(); /* only allocation failure is an error */
    }
    if (r->kind == SCAN_DOC_OLE) {
        if (r->modified) {
            abort(); /* a legacy file is never rewritten */
        }
        for (size_t i = 0; i < r->n_findings; i++) {
            if (r->findings[i].f.action == SCAN_ACT_REDACT && !r->unreadable) {
                abort(); /* a value to redact would pass */
            }
        }
    }
    fuzz_doc_recheck(r, "f.doc");
    if (scan_ole_text_cap(size) > text_cap) {
        free(text);
        text_cap = scan_ole_text_cap(size);
        text = malloc(text_cap);
        if (text == NULL) {
            abort();
        }
    }
    for (unsigned v = 0; v < 3; v++) {
        if (scan_ole_text(text, data, size, v) > scan_ole_text_cap(size)) {
            abort();
        }
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for TNEF (winmail.dat: scan_tnef.c through scan_doc.c
 * and libytnef) under the default policy: the input is the attachment,
 * declared application/ms-tnef. Checks: TNEF is never rewritten, a finding
 * the policy redacts never lets it pass as readable; the same bytes read as
 * a compressed RTF body and as RTF stay within their bounds. */
#include <stdlib.h>
#include <string.h>

#include "doc_check.h"
#include "mime_charset.h"
#include "rl_error.h"
#include "scan_doc.h"
#include "scan_tnef.h"

#define RTF_MAX ((size_t)1 << 20)

static struct scan_doc *doc;
static uint8_t *text;
static size_t text_cap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
rtf_text(const uint8_t *p, size_t n)
{
    if (scan_tnef_rtf_text_cap(n) > text_cap) {
        free(text);
        text_cap = scan_tnef_rtf_text_cap(n);
        text = malloc(text_cap);
        if (text == NULL) {
            abort();
        }
    }
    if (scan_tnef_rtf_text(text, p, n) > scan_tnef_rtf_text_cap(n)) {
        abort();
    }
}

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
    if (scan_doc_rewrite(doc, &r, data, size, "application/ms-tnef", "winmail.dat") != 0) {
        abort(); /* only allocation failure is an error */
    }
    if (r->kind == SCAN_DOC_TNEF) {
        if (r->modified) {
            abort(); /* TNEF is never rewritten */
        }
        for (size_t i = 0; i < r->n_findings; i++) {
            if (r->findings[i].f.action == SCAN_ACT_REDACT && !r->unreadable) {
                abort(); /* a value to redact would pass */
            }
        }
    }
    rtf_text(data, size);
    uint8_t *rtf = NULL;
    size_t rl = 0;
    int rc = scan_tnef_rtf_decompress(&rtf, &rl, data, size, RTF_MAX);
    if (rc == RL_ENOMEM || (rc == 0 && rl > RTF_MAX) || (rc != 0 && rtf != NULL)) {
        abort();
    }
    if (rc == 0) {
        rtf_text(rtf, rl);
        free(rtf);
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers private to scan/: the document rewriter's state, shared by the
 * archive walk (scan_doc.c) and the Office Open XML sanitiser
 * (scan_ooxml.c). Owned by one worker thread. */
#ifndef SCAN_INTERNAL_H
#define SCAN_INTERNAL_H

#include "scan_doc.h"
#include "scan_magic.h"
#include "scan_zip.h"

struct scan_doc {
    struct scan_worker *w;         /* borrowed */
    const struct scan_policy *pol; /* borrowed */
    struct scan_magic *magic;      /* owned; NULL when documents are disabled */
    struct scan_pdf *pdf;          /* owned; NULL when documents or pdf are disabled */
    struct scan_zip_budget budget; /* of the attachment being rewritten */
    struct scan_doc_result res;
    struct scan_doc_action *act; /* owned */
    size_t n_act, act_cap;
    struct scan_doc_finding *fnd; /* owned */
    size_t n_fnd, fnd_cap;
    struct scan_finding *f; /* owned: findings of the text being scanned */
    size_t n_f, f_cap;
    uint8_t *out;       /* owned: the rewritten attachment */
    bool in_pdf;        /* scan_pdf is running: its actions are PDF steps */
    char true_type[96]; /* the attachment's type (libmagic's buffer serves nested files too) */
};

/* scan_grow makes room in the array *arr of *cap elements of `elem` bytes
 * for `need` elements (doubling). Returns false when out of memory (*arr is
 * then unchanged). */
bool scan_grow(void **arr, size_t *cap, size_t need, size_t elem);

/* scan_doc_note adds an action at `loc` (printf-style detail). Actions past
 * a cap are dropped; the flags in the result still say what happened. */
void scan_doc_note(struct scan_doc *d, enum scan_doc_act kind, const char *loc, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* scan_doc_detect finds what the policy asks for in text[0, len) into d->f
 * (sorted, non-overlapping) and sets *out_n. Returns 0, RL_ELIMIT when a
 * stretch of text held more findings than the engine can (then the text is
 * not provably clean), RL_ESCAN or RL_ENOMEM. */
int scan_doc_detect(struct scan_doc *d, size_t *out_n, const uint8_t *text, size_t len);

/* scan_doc_record lists findings f[0, n) at `loc`, up to limits.max_findings. */
void scan_doc_record(struct scan_doc *d, const char *loc, const struct scan_finding *f, size_t n);

/* scan_doc_nested rewrites a file found inside an archive (an entry, an
 * embedded package) at nesting `depth`: archives are opened, text is
 * redacted, other content left. Sets *out (caller frees) when it changed,
 * else NULL. Returns 0 or RL_ENOMEM. */
int scan_doc_nested(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                    size_t len, const char *loc, unsigned depth);

/* scan_ooxml_rewrite sanitises the Office Open XML package in `z` (an open
 * archive at nesting `depth`, entry path `loc`) by policy: replaces and
 * deletes entries in `z`, records findings and actions. Sets *out_type to
 * the package's type after sanitisation (NULL if it has no known main part)
 * and *out_was to its type before when a macro-enabled type became
 * macro-free (else NULL). Returns 0 or RL_ENOMEM; unreadable content is
 * recorded in d->res. */
int scan_ooxml_rewrite(struct scan_doc *d, const struct scan_ooxml_type **out_type,
                       const struct scan_ooxml_type **out_was, struct scan_zip *z, const char *loc,
                       unsigned depth);

/* The PDF sanitiser's per-worker state (a MuPDF context with our allocator). */
struct scan_pdf;

/* scan_pdf_new makes the MuPDF context of one worker. Returns 0 and sets
 * *out, or RL_ENOMEM. Call at start-up. */
int scan_pdf_new(struct scan_pdf **out);

/* scan_pdf_free releases `s`; NULL is a no-op. */
void scan_pdf_free(struct scan_pdf *s);

/* scan_pdf_rewrite sanitises the PDF in[0, len) at entry path `loc` by
 * policy (redaction, active content, metadata), within the PDF limits, and
 * verifies the result by reading it again. Sets *out (caller frees) when it
 * changed, else NULL; encrypted, damaged and over-limit files and failed
 * verifications are recorded in d->res. Returns 0 or RL_ENOMEM. */
int scan_pdf_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                     size_t len, const char *loc);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* True file types from content (libmagic) and the comparison with what a MIME
 * part claims (its media type and file name extension). One scan_magic per
 * worker thread, loaded at start-up; the comparison is pure. */
#ifndef SCAN_MAGIC_H
#define SCAN_MAGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

struct scan_magic;

/* scan_magic_new opens libmagic and loads its database (tens of
 * milliseconds: call at start-up, once per worker). Returns 0 and sets
 * *out_magic, or RL_EIO with `diag` saying why the database did not load, or
 * RL_ENOMEM. */
int scan_magic_new(struct scan_magic **out_magic, struct rl_diag *diag);

/* scan_magic_free releases `m`; NULL is a no-op. */
void scan_magic_free(struct scan_magic *m);

/* scan_magic_begin starts a message: it may ask libmagic itself (`deep`
 * below) a bounded number of times. */
void scan_magic_begin(struct scan_magic *m);

/* scan_magic_type returns the media type of p[0, len), lower case:
 * "text/plain" or "message/rfc822" for text (told apart by its first line),
 * the commonest formats (PDF, PNG, JPEG, GIF, zip, OLE2, TNEF, DOS/PE executables)
 * by their signature, all without libmagic; else, with `deep`, libmagic's
 * answer from the first 16 KiB (at most 8 times a message), and otherwise
 * "application/octet-stream".
 * Lent until the next call on `m`; only the thread that owns `m` may call. */
const char *scan_magic_type(struct scan_magic *m, const uint8_t *p, size_t len, bool deep);

/* scan_magic_claim_known returns whether a part's declared media type or
 * file name extension names a family scan_magic_mismatch can compare (so a
 * deep look at the content can lead to a report). Pure; any thread. */
bool scan_magic_claim_known(const char *declared_type, const char *filename);

/* scan_magic_claim_ooxml returns whether the declared media type or the
 * file name extension says Word, Excel or PowerPoint (of the Office Open XML
 * kind or the legacy one). Pure; any thread. */
bool scan_magic_claim_ooxml(const char *declared_type, const char *filename);

/* scan_magic_mismatch compares the true media type `true_type` with the
 * declared media type and file name of a MIME part. Returns NULL when they
 * agree or cannot be compared (a generic or unknown type, no extension), or
 * a static sentence saying which claim disagrees. Pure; any thread. */
const char *scan_magic_mismatch(const char *true_type, const char *declared_type,
                                const char *filename);

#endif

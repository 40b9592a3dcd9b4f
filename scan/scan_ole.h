/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy Office files (Word 97-2003 .doc, Excel .xls, PowerPoint .ppt and
 * anything else in an OLE2 compound file): every stream is read with libgsf
 * and scanned as the text a reader would see. Such a file cannot be
 * redacted in place, so one that holds a finding to redact is held as
 * unredactable (documents.on_unreadable); a clean one passes unchanged. */
#ifndef SCAN_OLE_H
#define SCAN_OLE_H

#include <stddef.h>
#include <stdint.h>

struct scan_doc;

/* scan_ole_scan reads the OLE2 compound file in[0, len) (borrowed) at entry
 * path `loc` and nesting `depth` (1 for an attachment), within the
 * attachment's archive budget (bytes and entries) and the archive depth:
 * each stream's bytes are detected as Windows-1252 text and as UTF-16LE
 * text at both byte alignments (bytes that are no text separate the rest),
 * and the findings are recorded at the stream's path. Notes `unredactable`
 * when a finding is to be redacted, `unreadable` when libgsf cannot open the
 * file or a stream, `limit_exceeded` over the limits. The file itself is
 * never changed. Returns 0 or RL_ENOMEM. */
int scan_ole_scan(struct scan_doc *d, const uint8_t *in, size_t len, const char *loc,
                  unsigned depth);

/* scan_ole_text writes the text view `view` of p[0, n) into out (which
 * holds scan_ole_text_cap(n) bytes) and returns its length: view 0 reads
 * the bytes as Windows-1252, views 1 and 2 as UTF-16LE code units starting
 * at byte 0 and byte 1. Control bytes, code units that are no text and
 * runs of fewer than 4 text characters become one blank line ("\n\n"),
 * which no detector reads across. */
size_t scan_ole_text(uint8_t *out, const uint8_t *p, size_t n, unsigned view);

/* scan_ole_text_cap is the output capacity scan_ole_text needs for n bytes. */
size_t scan_ole_text_cap(size_t n);

#endif

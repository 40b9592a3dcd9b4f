/* SPDX-License-Identifier: Apache-2.0 */
/* Outlook's TNEF (winmail.dat, application/ms-tnef): the attributes framed
 * and checked here, the MAPI properties and attachments parsed by libytnef,
 * each attached file scanned as a document of its own (scan_doc_nested),
 * the compressed RTF body decompressed ([MS-OXRTFCP]) and read as the text
 * a reader shows, the plain and HTML bodies, the subject and the other
 * string properties scanned. TNEF is never rewritten: a finding to redact
 * holds the file as unredactable (documents.on_unreadable); a clean one
 * passes unchanged. */
#ifndef SCAN_TNEF_H
#define SCAN_TNEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scan_doc;

/* scan_tnef_sniff tells whether p[0, len) starts with TNEF's signature
 * (0x223E9F78, little-endian). */
bool scan_tnef_sniff(const uint8_t *p, size_t len);

/* scan_tnef_scan reads the TNEF stream in[0, len) (borrowed) at entry path
 * `loc` and nesting `depth` (1 for an attachment), within the attachment's
 * archive budget (bytes and entries) and depth: findings are recorded at
 * "subject", "body", "body.rtf", "body.html", "properties" or the attached
 * file's name. Notes `unredactable` when a finding is to be redacted,
 * `unreadable` when the stream is malformed (the attribute and why),
 * `limit_exceeded` over the limits. Never changes the file. Returns 0 or
 * RL_ENOMEM. */
int scan_tnef_scan(struct scan_doc *d, const uint8_t *in, size_t len, const char *loc,
                   unsigned depth);

/* scan_tnef_rtf_text writes the text a reader shows of the RTF rtf[0, n)
 * into out (scan_tnef_rtf_text_cap(n) bytes) as UTF-8 and returns its
 * length: \'hh is a Windows-1252 character, \uN a Unicode one (its \ucN
 * fallback characters skipped), \par, \line and \row a line break, \sect
 * and \page a blank line, \cell and \tab a tab (a table as Word copies it); control words and the
 * groups that hold no text (font, colour and style tables, pictures, object data, ignorable \*
 * destinations but encapsulated HTML's \htmltag) give nothing, nor does \binN data. */
size_t scan_tnef_rtf_text(uint8_t *out, const uint8_t *rtf, size_t n);

/* scan_tnef_rtf_text_cap is the output capacity for n bytes of RTF. */
size_t scan_tnef_rtf_text_cap(size_t n);

/* scan_tnef_rtf_decompress decompresses a PR_RTF_COMPRESSED value p[0, n)
 * ([MS-OXRTFCP]: LZFu compressed or MELA stored) into *out (malloc'd, the
 * caller frees) of *out_len bytes, at most `max` of them. Returns 0, or
 * RL_EINVAL (malformed: the header's sizes or a reference out of bounds),
 * RL_ELIMIT (larger than `max`) or RL_ENOMEM. */
int scan_tnef_rtf_decompress(uint8_t **out, size_t *out_len, const uint8_t *p, size_t n,
                             size_t max);

#endif

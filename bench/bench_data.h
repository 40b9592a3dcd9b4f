/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic workloads: deterministic English-like text with planted sensitive
 * values, wrapped as text/plain 7bit messages or as base64 attachments.
 * Start-up code only (allocates); single thread. */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include "scan_types.h"

/* The generated text, cut into one piece per message. */
struct bench_text {
    struct bench_buf buf;          /* every piece back to back; CRLF lines of at most ~110 bytes */
    size_t *ends;                  /* owned: ends[i] is the byte offset one past piece i */
    size_t n;                      /* pieces */
    size_t planted[SCAN_T__COUNT]; /* values planted per enum scan_type, one per ~4 KiB */
    double runs4_per_4k;           /* digit runs of 4 or more digits per 4 KiB */
};

/* bench_text_generate fills `t` with at least `total` bytes of text in pieces
 * of about `per_msg` bytes, always the same for the same arguments (fixed
 * seed). Planted values: Luhn-valid card numbers of real issuer ranges, US
 * SSNs, UK NINOs, mod-97-valid IBANs, e-mail addresses and phone numbers, each
 * in a sentence with a context word. With `dense`, sentences also carry the
 * numbers of commercial mail (orders, invoices, amounts, dates, tracking and
 * product codes, bare 9-10 digit references): about 14 or more digit runs of
 * 4+ digits per 4 KiB. Returns 0, RL_EINVAL or RL_ENOMEM. */
int bench_text_generate(struct bench_text *t, size_t total, size_t per_msg, bool dense);

/* bench_text_fini releases `t` and zeroes it. */
void bench_text_fini(struct bench_text *t);

/* bench_data_plain fills the zeroed `w`, named `name` (static), with one
 * text/plain 7bit message per piece of `t`. Returns 0 or RL_ENOMEM. */
int bench_data_plain(struct bench_workload *w, const struct bench_text *t, const char *name);

/* bench_data_base64 fills the zeroed `w` with one multipart/mixed message per
 * piece of `t`: a short text part and the piece as a text/plain attachment in
 * base64 (76-character CRLF lines). Returns 0 or RL_ENOMEM. */
int bench_data_base64(struct bench_workload *w, const struct bench_text *t);

#endif

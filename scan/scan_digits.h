/* SPDX-License-Identifier: Apache-2.0 */
/* The digit-led detectors (card, SSN, NINO, IBAN, phone): a SIMD prefilter
 * finds digit runs, then each detector parses and validates a bounded window in
 * C. Borrowed input, caller-owned output; any thread; never allocates. */
#ifndef SCAN_DIGITS_H
#define SCAN_DIGITS_H

#include "scan_types.h"

/* scan_digits_find appends to `out` (capacity `cap`) every candidate in `buf`
 * of a type in `enabled` (SCAN_MASK bits), in increasing start order and
 * without overlaps, and returns how many it wrote. Sets *out_overflow when more
 * existed than `cap`. A candidate never starts or ends inside a longer
 * alphanumeric token. */
size_t scan_digits_find(struct scan_cand *out, size_t cap, bool *out_overflow, const uint8_t *buf,
                        size_t len, unsigned enabled);

/* scan_email_span extends the '@' at buf[at] to a whole address (ASCII or
 * UTF-8 local part and domain labels, RFC 6531) and validates it. On success
 * sets [*out_start, *out_end) and returns true. Looks about 64 bytes back and
 * 255 forward (up to 3 more to finish a UTF-8 character), never outside buf. */
bool scan_email_span(uint32_t *out_start, uint32_t *out_end, const uint8_t *buf, size_t len,
                     size_t at);

#endif

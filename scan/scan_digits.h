/* SPDX-License-Identifier: Apache-2.0 */
/* The digit-led detectors (card, SSN, NINO, IBAN, phone): a SIMD prefilter
 * finds digit runs, then each detector parses and validates a bounded window in
 * C. Borrowed input, caller-owned output; any thread; never allocates. */
#ifndef SCAN_DIGITS_H
#define SCAN_DIGITS_H

#include "scan_types.h"

/* scan_digits_find appends to `out` (capacity `cap`) every candidate in `buf`
 * of a type in `enabled` (SCAN_MASK bits), in increasing start order and
 * without overlaps, and returns how many it wrote; the one exception is a
 * candidate flagged SCAN_CAND_ALT, another reading of the (not strong)
 * candidate right before it. Sets *out_overflow when more existed than `cap`. A
 * candidate never starts or ends inside a longer alphanumeric token. */
size_t scan_digits_find(struct scan_cand *out, size_t cap, bool *out_overflow, const uint8_t *buf,
                        size_t len, unsigned enabled);

#endif

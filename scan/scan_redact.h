/* SPDX-License-Identifier: Apache-2.0 */
/* Format-preserving masking of findings: each character of a finding becomes
 * the mask character, separators stay, the last N alphanumerics may stay.
 * Pure function over borrowed input into caller-owned output; any thread. */
#ifndef SCAN_REDACT_H
#define SCAN_REDACT_H

#include "scan_engine.h"

/* scan_redact copies `in` to `out` (capacity >= in_len) with every finding of
 * action SCAN_ACT_REDACT masked per its policy, and returns the bytes written
 * (<= in_len). With `utf8` a multi-byte character is masked as one mask
 * character; otherwise every byte is one character (single-byte charsets).
 * Findings must be sorted and non-overlapping, offsets into `in`; on return
 * every finding's offsets index `out` instead. */
size_t scan_redact(uint8_t *out, struct scan_finding *f, size_t n, const uint8_t *in, size_t in_len,
                   const struct scan_policy *policy, bool utf8);

/* scan_redact_count returns how many findings in f[0..n) have action redact. */
size_t scan_redact_count(const struct scan_finding *f, size_t n);

#endif

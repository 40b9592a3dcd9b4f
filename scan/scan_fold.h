/* SPDX-License-Identifier: Apache-2.0 */
/* Compatibility folding for the detectors: the digits and letters that
 * Japanese and Chinese input methods type full-width ("４１１１－１１１１"),
 * and the Arabic-Indic and Devanagari digits, read as the ASCII they stand
 * for (their Unicode NFKC or decimal value), invisible characters pasted
 * into numbers as nothing, with a map back to where each
 * folded octet came from. Private to scan/; pure functions over borrowed
 * input; any thread. */
#ifndef SCAN_FOLD_H
#define SCAN_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* scan_fold_needed reports whether p[0, n) holds a character that
 * scan_fold changes. Pure ASCII costs one SSE2 test per 16 octets. */
bool scan_fold_needed(const uint8_t *p, size_t n);

/* scan_fold writes `in` folded to `out` (capacity `len`) and returns its
 * length (<= len). `map` (capacity len + 1) gets, for each octet of out,
 * the offset in `in` of the character it came from, and map[return] = len:
 * a span [a, b) of out is the span [map[a], map[b]) of in. Folded:
 * U+FF01-FF5E to U+0021-007E, U+3000 to a space, and the decimal digits
 * U+0660-0669, U+06F0-06F9 and U+0966-096F to 0-9; the invisible U+00AD
 * (soft hyphen), U+200B-200D, U+2060 and U+FEFF are left out (a span of out
 * that ends before them maps to one that includes them); everything else,
 * invalid UTF-8 too, is copied as it is. */
size_t scan_fold(uint8_t *out, uint32_t *map, const uint8_t *in, size_t len);

#endif

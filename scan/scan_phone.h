/* SPDX-License-Identifier: Apache-2.0 */
/* The phone number detector: the written forms of international (E.164 with
 * '+' or '00'), North American and national numbers. Borrowed input,
 * caller-owned output; any thread; never allocates. */
#ifndef SCAN_PHONE_H
#define SCAN_PHONE_H

#include "scan_types.h"

/* scan_phone_find reads a phone number whose first digit run starts at
 * buf[d] (the run may follow '+', "(+" or '('), and on success fills *out
 * (type SCAN_T_PHONE, its span, confidence and SCAN_CAND_WEAK for the forms
 * that need a keyword) and returns true. Reads at most 48 bytes around `d`. */
bool scan_phone_find(struct scan_cand *out, const uint8_t *buf, size_t len, size_t d);

#endif

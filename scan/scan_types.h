/* SPDX-License-Identifier: Apache-2.0 */
/* Finding types and the candidate record shared by every detector.
 * Plain data; callable from any thread. */
#ifndef SCAN_TYPES_H
#define SCAN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scan_type {
    SCAN_T_CREDIT_CARD = 0,
    SCAN_T_US_SSN,
    SCAN_T_UK_NINO,
    SCAN_T_IBAN,
    SCAN_T_EMAIL,
    SCAN_T_PHONE,
    SCAN_T_LEXICON,
    SCAN_T__COUNT,
};

#define SCAN_MASK(t) (1u << (t))
#define SCAN_MASK_DIGIT_LED                                                                        \
    (SCAN_MASK(SCAN_T_CREDIT_CARD) | SCAN_MASK(SCAN_T_US_SSN) | SCAN_MASK(SCAN_T_UK_NINO) |        \
     SCAN_MASK(SCAN_T_IBAN) | SCAN_MASK(SCAN_T_PHONE))

/* A candidate span found by a detector, before policy and context. */
struct scan_cand {
    uint32_t start;     /* byte offset of the first byte, into the scanned buffer */
    uint32_t end;       /* byte offset one past the last byte */
    uint16_t type;      /* enum scan_type */
    uint8_t confidence; /* 0..100, before context adjustment */
    uint8_t flags;      /* SCAN_CAND_* */
};

/* The candidate's form is weak (e.g. 9 bare digits for an SSN): report it only
 * when positive context keywords are near. */
#define SCAN_CAND_WEAK 0x01u
/* The candidate is a checksum-valid identifier in a standard layout: it is a
 * finding whatever words surround it (negative context cannot demote it). */
#define SCAN_CAND_STRONG 0x02u
/* Another reading of the digits of the candidate just before it (a 12-digit
 * card that is also a phone number): used only when context drops that one. */
#define SCAN_CAND_ALT 0x04u

/* scan_type_name returns the report name ("CREDIT_CARD", ...) of `t`, or "UNKNOWN". */
const char *scan_type_name(unsigned t);

/* scan_type_from_name returns the enum scan_type for `name`, or -1. */
int scan_type_from_name(const char *name);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Validators for whole candidate strings (checksums, issuer and country tables,
 * format rules). Pure functions over borrowed bytes; any thread; never allocate. */
#ifndef SCAN_VALIDATE_H
#define SCAN_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* scan_validate_luhn returns true when the digits of `s` (spaces and dashes
 * ignored, any other non-digit fails) pass the Luhn check and there are >= 2. */
bool scan_validate_luhn(const uint8_t *s, size_t len);

/* scan_validate_card returns true when `s` is a payment card number: 12-19
 * digits, optionally grouped by one kind of separator (space or dash), Luhn
 * valid, and a known issuer prefix whose lengths include this length. */
bool scan_validate_card(const uint8_t *s, size_t len);

/* scan_validate_pan returns true when digits[0, n) (ASCII digits only, no
 * separators) is a payment card number: 12-19 digits, a known issuer prefix
 * whose lengths include n, and Luhn valid. */
bool scan_validate_pan(const uint8_t *digits, size_t n);

/* scan_validate_ssn returns true for a US SSN: AAA-GG-SSSS with '-' or ' ' (or
 * none); area not 000, 666 or 9xx; group not 00; serial not 0000. */
bool scan_validate_ssn(const uint8_t *s, size_t len);

/* scan_validate_nino returns true for a UK National Insurance number: two
 * prefix letters by HMRC rules, six digits (optionally spaced in pairs), suffix
 * A-D; case-insensitive. */
bool scan_validate_nino(const uint8_t *s, size_t len);

/* scan_validate_iban returns true for an IBAN: known country (either case),
 * that country's length, ISO 7064 mod-97 == 1; single spaces or dashes
 * allowed between any characters (as people type them). */
bool scan_validate_iban(const uint8_t *s, size_t len);

/* scan_validate_email returns true when the whole of `s` is an address
 * local@domain (dot-atom local part, domain of LDH labels with a TLD of >= 2
 * letters or an xn-- label). */
bool scan_validate_email(const uint8_t *s, size_t len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 well-formedness, shared by the SMTP engine (SMTPUTF8 addresses) and
 * the scan engine (8-bit header bytes). Pure function; any thread. */
#ifndef RL_UTF8_H
#define RL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* rl_utf8_valid returns true when p[0..n) is well-formed UTF-8 (RFC 3629):
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
bool rl_utf8_valid(const uint8_t *p, size_t n);

/* rl_utf8_put writes code point `cp` (at most U+10FFFF, not a surrogate) as
 * UTF-8 to out[0..4) and returns its length, 1 to 4. */
size_t rl_utf8_put(uint8_t *out, uint32_t cp);

#endif

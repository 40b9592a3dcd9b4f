/* SPDX-License-Identifier: Apache-2.0 */
/* ASCII case rules of the protocols (RFC 5321 2.4 verbs, keywords and
 * domains), independent of the C locale. */
#ifndef RL_ASCII_H
#define RL_ASCII_H

#include <stdbool.h>
#include <stddef.h>

/* rl_ascii_ieq tells whether the `n` octets at `a` and at `b` are equal when
 * ASCII letters are compared without case (other octets exactly). */
bool rl_ascii_ieq(const void *a, const void *b, size_t n);

/* rl_ascii_word tells whether `p` (`n` octets) is `word` (NUL-terminated)
 * without regard to ASCII case. */
bool rl_ascii_word(const void *p, size_t n, const char *word);

#endif

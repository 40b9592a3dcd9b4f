/* SPDX-License-Identifier: Apache-2.0 */
/* Byte searches of the SMTP data path, 16 octets at a time (SSE2, the x86-64
 * baseline): where memchr would take one call per octet value and per line,
 * these take one pass. */
#ifndef RL_SPAN_H
#define RL_SPAN_H

#include <stddef.h>
#include <stdint.h>

/* rl_span3 returns the length of the longest prefix of p[0..n) holding none
 * of the octets `a`, `b` and `c`: the offset of the first one, or n. */
size_t rl_span3(const void *p, size_t n, uint8_t a, uint8_t b, uint8_t c);

/* rl_line_start returns the first offset i in 1..n-1 where a line starts
 * (p[i - 1] is LF) with the ASCII letter `lower` in either case, or n when
 * there is none. `lower` must be a lowercase letter. */
size_t rl_line_start(const void *p, size_t n, uint8_t lower);

/* rl_dot_line returns the first offset i in 1..n-1 where p[i] is '.' and
 * p[i - 1] is CR or LF (a '.' that starts a line, for dot-stuffing), or n
 * when there is none. */
size_t rl_dot_line(const void *p, size_t n);

#endif

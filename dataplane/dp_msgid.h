/* SPDX-License-Identifier: Apache-2.0 */
/* Message ids unique across restarts, workers and instances (issue 13): 128
 * bits, the first 48 the Unix time in milliseconds and the other 80 a random
 * start drawn per generator plus a counter, written as 26 characters of
 * Crockford base32 (sortable by time, a valid store file name). One
 * generator per worker; no locks, no system call per id. */
#ifndef DP_MSGID_H
#define DP_MSGID_H

#include <stdint.h>

#define DP_MSGID_LEN 26 /* characters, without the NUL */

struct dp_msgid {
    uint64_t hi; /* the upper 16 bits of the 80-bit random part and counter */
    uint64_t lo; /* the lower 64 */
};

/* dp_msgid_init draws the generator's random start from the kernel
 * (getrandom). Returns 0, or RL_EIO if no random octets could be had. */
int dp_msgid_init(struct dp_msgid *g);

/* dp_msgid_next writes the next id for time `unix_ms` (milliseconds since
 * 1970) to `out` (DP_MSGID_LEN characters and a NUL). Two ids of one
 * generator never repeat within 2^80 calls; ids of two generators, in this
 * process or any other, collide with probability about 2^-80 per pair made
 * in the same millisecond. Cannot fail; call only on the generator's
 * thread. */
void dp_msgid_next(struct dp_msgid *g, uint64_t unix_ms, char out[DP_MSGID_LEN + 1]);

#endif

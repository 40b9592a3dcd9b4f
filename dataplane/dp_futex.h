/* SPDX-License-Identifier: Apache-2.0 */
/* Waiting on a 32-bit word shared between threads of this process: the
 * helper threads' sleep (dp_offload.c) and a control thread waiting for a
 * release to end (dp_release.c). The waker never blocks; workers only wake. */
#ifndef DP_FUTEX_H
#define DP_FUTEX_H

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* dp_futex_wait blocks while *word == `seen`, at most `timeout_ns`
 * nanoseconds (a lost wake costs at most that); returns on a wake, a
 * timeout, a signal, or at once when *word differs. */
static inline void
dp_futex_wait(uint32_t *word, uint32_t seen, long timeout_ns)
{
    struct timespec ts = {timeout_ns / 1000000000L, timeout_ns % 1000000000L};
    (void)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

/* dp_futex_wake wakes up to `n` threads waiting on `word` (after the caller
 * changed *word with a release store). Never blocks. */
static inline void
dp_futex_wake(uint32_t *word, int n)
{
    (void)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

#endif

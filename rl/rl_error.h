/* SPDX-License-Identifier: Apache-2.0 */
/* The one error enum shared by every Redline library, and the diagnostic that
 * carries a field name and a reason back to the caller. Thread-safe. */
#ifndef RL_ERROR_H
#define RL_ERROR_H

#include <stddef.h>

enum rl_err {
    RL_OK = 0,
    RL_EAGAIN = -1,  /* need more input / would block: not a failure */
    RL_EINVAL = -2,  /* bad argument or malformed input */
    RL_ENOMEM = -3,  /* allocation failed or a pool is empty */
    RL_ELIMIT = -4,  /* a configured limit (size, depth, count) was reached */
    RL_ESYNTAX = -5, /* a file or field does not follow its grammar */
    RL_EIO = -6,     /* a read or write failed */
    RL_ESCAN = -7,   /* the pattern engine failed */
    RL_EVERIFY = -8, /* redaction could not be verified */
    RL_EBLOCK = -9,  /* policy refused the message */
    RL_ENOENT = -10, /* no such item (a stored message, a name) */
    RL_ETLS = -11,   /* a TLS handshake or record failed; the connection says why */
};

/* rl_strerror returns a static, human-readable name for `err` (never NULL). */
const char *rl_strerror(int err);

/* A diagnostic names the offending field and why it was refused. */
struct rl_diag {
    char field[64];   /* e.g. "detectors.CREDIT_CARD.action"; empty if none */
    char reason[192]; /* one sentence, no trailing newline */
};

/* rl_diag_set fills `d` (which may be NULL) with `field` and a formatted reason.
 * Always returns RL_EINVAL so callers can write `return rl_diag_set(...)`. */
int rl_diag_set(struct rl_diag *d, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Error names and diagnostics; pure functions, callable from any thread. */
#include "rl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
rl_strerror(int err)
{
    switch (err) {
    case RL_OK:
        return "success";
    case RL_EAGAIN:
        return "need more input";
    case RL_EINVAL:
        return "invalid input";
    case RL_ENOMEM:
        return "out of memory";
    case RL_ELIMIT:
        return "limit exceeded";
    case RL_ESYNTAX:
        return "syntax error";
    case RL_EIO:
        return "I/O error";
    case RL_ESCAN:
        return "pattern engine error";
    case RL_EVERIFY:
        return "redaction not verified";
    case RL_EBLOCK:
        return "blocked by policy";
    case RL_ENOENT:
        return "no such item";
    case RL_ETLS:
        return "TLS failure";
    default:
        return "unknown error";
    }
}

int
rl_diag_set(struct rl_diag *d, const char *field, const char *fmt, ...)
{
    if (d == NULL) {
        return RL_EINVAL;
    }
    snprintf(d->field, sizeof(d->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
    va_end(ap);
    return RL_EINVAL;
}

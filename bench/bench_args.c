/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line number parsing shared by the redline-bench subcommands.
 * Pure functions; any thread. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

bool
bench_arg_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9') {
        return false;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

bool
bench_arg_double(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0') {
        return false;
    }
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

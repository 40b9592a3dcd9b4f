/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of backend kinds: io_backend_new finds a constructor by
 * name, so nothing above the seam names a backend type. Filled at start-up
 * (the built-in kinds, then whatever a program registers), read after. */
#include "io_backend.h"

#include <string.h>

#define KINDS_MAX 8

static const struct io_backend_kind *kinds[KINDS_MAX] = {&io_kernel_kind, &io_mem_kind};
static size_t n_kinds = 2;

int
io_backend_register(const struct io_backend_kind *kind)
{
    for (size_t i = 0; i < n_kinds; i++) {
        if (strcmp(kinds[i]->name, kind->name) == 0) {
            return RL_EINVAL;
        }
    }
    if (n_kinds == KINDS_MAX) {
        return RL_ELIMIT;
    }
    kinds[n_kinds++] = kind;
    return 0;
}

int
io_backend_new(struct io_backend **out_be, const char *kind, const void *arg)
{
    for (size_t i = 0; i < n_kinds; i++) {
        if (strcmp(kinds[i]->name, kind) == 0) {
            return kinds[i]->create(out_be, arg);
        }
    }
    return RL_ENOENT;
}

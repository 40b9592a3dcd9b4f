/* SPDX-License-Identifier: Apache-2.0 */
/* Growable buffers from a per-worker cache: allocate at warm-up, reuse after.
 * Used by one worker thread only. */
#include "dp_buf.h"

#include <stdlib.h>
#include <string.h>

#include "rl_error.h"

#define DP_BUF_MIN ((size_t)64 * 1024)

int
dp_buf_reserve(struct dp_bufpool *p, struct dp_buf *b, size_t need)
{
    if (b->data == NULL && p->n_free > 0) {
        *b = p->free[--p->n_free];
        b->len = 0;
    }
    if (b->cap - b->len >= need && b->data != NULL) {
        return 0;
    }
    size_t cap = b->cap < DP_BUF_MIN ? DP_BUF_MIN : b->cap;
    while (cap - b->len < need) {
        if (cap > SIZE_MAX / 2) {
            return RL_ENOMEM;
        }
        cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (d == NULL) {
        return RL_ENOMEM;
    }
    p->n_alloc++;
    b->data = d;
    b->cap = cap;
    return 0;
}

int
dp_buf_append(struct dp_bufpool *p, struct dp_buf *b, const void *data, size_t len)
{
    int rc = dp_buf_reserve(p, b, len);
    if (rc != 0) {
        return rc;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void
dp_buf_release(struct dp_bufpool *p, struct dp_buf *b)
{
    if (b->data == NULL) {
        return;
    }
    explicit_bzero(b->data, b->len);
    b->len = 0;
    if (p->n_free < DP_BUFPOOL_MAX) {
        p->free[p->n_free++] = *b;
    } else {
        free(b->data);
    }
    b->data = NULL;
    b->cap = 0;
}

void
dp_bufpool_fini(struct dp_bufpool *p)
{
    for (size_t i = 0; i < p->n_free; i++) {
        free(p->free[i].data);
        p->free[i].data = NULL;
    }
    p->n_free = 0;
}

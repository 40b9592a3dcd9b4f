/* SPDX-License-Identifier: Apache-2.0 */
/* Growable buffers from a per-worker cache: allocate at warm-up, reuse after.
 * A cache is used by one thread only; a buffer may pass between threads with
 * its owner (a scan job's output). Buffers of DP_BUF_MAP_MIN octets or more
 * are mappings of their own, so that growing one never copies it (mremap);
 * they are not cached, and their wipe and unmap (as long as writing them)
 * can go to another thread. */
#include "dp_buf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rl_error.h"

#define DP_BUF_MIN ((size_t)64 * 1024)

static bool
mapped(const struct dp_buf *b)
{
    return b->cap >= DP_BUF_MAP_MIN;
}

/* grow gives `b` `cap` octets, keeping its first b->len. */
static int
grow(struct dp_buf *b, size_t cap)
{
    void *d;
    if (cap < DP_BUF_MAP_MIN) {
        /* Nothing kept: no copy of what an idle buffer held (wiped). */
        d = b->len == 0 ? malloc(cap) : realloc(b->data, cap);
        if (d == NULL) {
            return RL_ENOMEM;
        }
        if (b->len == 0) {
            free(b->data);
        }
    } else if (mapped(b)) {
        /* The kernel moves the pages; nothing is copied. */
        d = mremap(b->data, b->cap, cap, MREMAP_MAYMOVE);
        if (d == MAP_FAILED) {
            return RL_ENOMEM;
        }
    } else {
        d = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (d == MAP_FAILED) {
            return RL_ENOMEM;
        }
        if (b->len > 0) {
            memcpy(d, b->data, b->len); /* under DP_BUF_MAP_MIN octets, once */
            explicit_bzero(b->data, b->len);
        }
        free(b->data);
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

int
dp_buf_reserve(struct dp_bufpool *p, struct dp_buf *b, size_t need)
{
    if (b->data == NULL && p->n_free > 0) {
        /* The largest idle buffer: the fewest regrowths. */
        size_t best = 0;
        for (size_t i = 1; i < p->n_free; i++) {
            best = p->free[i].cap > p->free[best].cap ? i : best;
        }
        *b = p->free[best];
        p->free[best] = p->free[--p->n_free];
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
    int rc = grow(b, cap);
    if (rc != 0) {
        return rc;
    }
    p->n_alloc++;
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

/* drop frees `b`'s memory (already wiped). */
static void
drop(struct dp_buf *b)
{
    if (mapped(b)) {
        munmap(b->data, b->cap);
    } else {
        free(b->data);
    }
    b->data = NULL;
    b->cap = b->len = 0;
}

void
dp_buf_discard(uint8_t *data)
{
    size_t head[2]; /* capacity, length */
    memcpy(head, data, sizeof(head));
    explicit_bzero(data, head[1] > sizeof(head) ? head[1] : sizeof(head));
    munmap(data, head[0]);
}

void
dp_buf_release(struct dp_bufpool *p, struct dp_buf *b)
{
    if (b->data == NULL) {
        return;
    }
    if (mapped(b)) {
        size_t head[2] = {b->cap, b->len};
        memcpy(b->data, head, sizeof(head));
        if (p->discard == NULL || !p->discard(p->discard_ctx, b->data)) {
            dp_buf_discard(b->data);
        }
        b->data = NULL;
        b->cap = b->len = 0;
        return;
    }
    explicit_bzero(b->data, b->len);
    b->len = 0;
    if (p->n_free < DP_BUFPOOL_MAX) {
        p->free[p->n_free++] = *b;
        b->data = NULL;
        b->cap = 0;
    } else {
        drop(b);
    }
}

void
dp_bufpool_fini(struct dp_bufpool *p)
{
    for (size_t i = 0; i < p->n_free; i++) {
        drop(&p->free[i]);
    }
    p->n_free = 0;
}

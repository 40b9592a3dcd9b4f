/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffers and the per-worker cache they come from: a buffer
 * keeps its capacity when it returns to the cache, so after warm-up a worker
 * reuses memory instead of allocating. One cache per worker; not shared. */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_BUFPOOL_MAX 64

/* From this capacity on a buffer is an anonymous mapping of its own: grown
 * by mremap (no copy) and wiped by dropping its pages. */
#define DP_BUF_MAP_MIN ((size_t)1024 * 1024)

/* A buffer owns `data` (cap octets, of which len are used). */
struct dp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

struct dp_bufpool {
    struct dp_buf free[DP_BUFPOOL_MAX]; /* idle buffers, wiped */
    size_t n_free;
    size_t n_alloc; /* allocations made, for the stats (flat after warm-up) */
};

/* dp_buf_reserve makes room for `need` more octets after b->len, taking an
 * idle buffer from `p` first and growing (by doubling) only if it is too
 * small; growing never copies more than DP_BUF_MAP_MIN octets (larger
 * buffers move by mremap). Returns 0 or RL_ENOMEM (b is then unchanged). */
int dp_buf_reserve(struct dp_bufpool *p, struct dp_buf *b, size_t need);

/* dp_buf_append copies `len` octets to the end of `b`, as dp_buf_reserve. */
int dp_buf_append(struct dp_bufpool *p, struct dp_buf *b, const void *data, size_t len);

/* dp_buf_release wipes the used octets of `b` (message bytes never linger;
 * a mapped buffer's pages are given back to the kernel instead) and returns
 * it to `p` (or frees it when `p` is full); `b` is left empty. NULL data is
 * a no-op. */
void dp_buf_release(struct dp_bufpool *p, struct dp_buf *b);

/* dp_bufpool_fini frees every idle buffer of `p`. */
void dp_bufpool_fini(struct dp_bufpool *p);

#endif

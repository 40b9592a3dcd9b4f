/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffers and the per-worker cache they come from: a buffer
 * keeps its capacity when it returns to the cache, so after warm-up a worker
 * reuses memory instead of allocating. One cache per worker; not shared.
 * Buffers of DP_BUF_MAP_MIN octets and more (messages of megabytes) are
 * mappings of their own, never cached: grown by mremap, and wiped and
 * unmapped by the cache's discard hook (a helper thread), so no worker turn
 * copies or clears megabytes. */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_BUFPOOL_MAX 64

/* From this capacity on a buffer is an anonymous mapping of its own. */
#define DP_BUF_MAP_MIN ((size_t)1024 * 1024)

/* A buffer owns `data` (cap octets, of which len are used). */
struct dp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

struct dp_bufpool {
    struct dp_buf free[DP_BUFPOOL_MAX]; /* idle buffers, wiped, under DP_BUF_MAP_MIN */
    size_t n_free;
    size_t n_alloc; /* allocations made, for the stats (flat after warm-up) */
    /* Takes a mapped buffer being released (its first 16 octets overwritten
     * with its capacity and length, dp_buf_discard's input) to wipe and
     * unmap it elsewhere; false: not taken, done here. NULL: always here. */
    bool (*discard)(void *ctx, uint8_t *data);
    void *discard_ctx;
};

/* dp_buf_reserve makes room for `need` more octets after b->len, taking an
 * idle buffer from `p` first and growing (by doubling) only if it is too
 * small; growing never copies more than DP_BUF_MAP_MIN octets (larger
 * buffers move by mremap). Returns 0 or RL_ENOMEM (b is then unchanged). */
int dp_buf_reserve(struct dp_bufpool *p, struct dp_buf *b, size_t need);

/* dp_buf_append copies `len` octets to the end of `b`, as dp_buf_reserve. */
int dp_buf_append(struct dp_bufpool *p, struct dp_buf *b, const void *data, size_t len);

/* dp_buf_release wipes the used octets of `b` (message bytes never linger)
 * and returns it to `p` (or frees it when `p` is full); a mapped buffer goes
 * to p->discard instead. `b` is left empty. NULL data is a no-op. */
void dp_buf_release(struct dp_bufpool *p, struct dp_buf *b);

/* dp_buf_discard wipes and unmaps a mapped buffer handed to a discard hook
 * (`data` as the hook got it). Any thread. */
void dp_buf_discard(uint8_t *data);

/* dp_bufpool_fini frees every idle buffer of `p`. */
void dp_bufpool_fini(struct dp_bufpool *p);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The helper threads and the rings between them and the workers. A helper
 * sleeps on a futex word the workers bump after each submit; the workers
 * never block (they look at their return rings once per turn). The scan
 * threads keep one scanner per policy (deserialised from the snapshot's
 * blob, like a worker's) and hold a reference to that policy part. */
#include "dp_offload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_futex.h"
#include "dp_store.h"
#include "scan_engine.h"

#define SCAN_THREADS_MAX 16
#define SCANNERS 4 /* policies a scan thread keeps a scanner for */

bool
dp_ring_push(struct dp_ring *r, void *p)
{
    uint64_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == DP_RING_SLOTS) {
        return false;
    }
    r->slot[head & (DP_RING_SLOTS - 1)] = p;
    __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
    return true;
}

void *
dp_ring_pop(struct dp_ring *r)
{
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    if (tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE)) {
        return NULL;
    }
    void *p = r->slot[tail & (DP_RING_SLOTS - 1)];
    __atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
    return p;
}

/* A scanner for one policy, on one scan thread. */
struct scanner {
    const struct dp_snap_scan *src; /* referenced while cached */
    struct scan_engine *engine;
    struct scan_worker *sw;
    struct scan_message *sm;
    uint64_t used; /* for eviction */
};

struct helper {
    struct dp_helpers *h;
    enum dp_job_kind kind;
    unsigned index;   /* scan thread number */
    uint32_t wake;    /* futex word: bumped by submitters */
    pthread_t thread; /* joined by dp_helpers_free */
    bool started;
    struct dp_bufpool bufs; /* the scan thread's buffers (the worker takes them over) */
    struct scanner scanners[SCANNERS];
    uint64_t clock;
};

struct worker_rings {
    struct dp_ring to_store, from_store, to_scan, from_scan;
    struct dp_ring to_wipe; /* mapped buffers for the store thread to wipe and unmap */
    struct dp_helpers *h;   /* the pool hook's context: these rings' helpers */
    /* Waking a worker parked in its poll (dp_helpers_park): a Dekker pair of
     * sequentially consistent accesses, `parked` then `returned` on the
     * worker, `returned` then `parked` on the helper; no fences (which
     * ThreadSanitizer cannot follow). */
    _Alignas(64) uint64_t returned; /* jobs pushed back to this worker (helpers; atomic) */
    _Alignas(64) int parked;        /* the worker blocks, or is about to, in its poll (atomic) */
    uint64_t popped;                /* jobs the worker took back (the worker's own) */
    void (*wake)(void *arg); /* leaves that poll (the worker's backend); set before it runs */
    void *wake_arg;
};

struct dp_helpers {
    unsigned n_workers, n_scan;
    int stop;                   /* atomic */
    struct worker_rings *rings; /* one set per worker */
    struct helper store;
    struct helper scan[SCAN_THREADS_MAX];
};

static void
futex_wake(uint32_t *word)
{
    __atomic_add_fetch(word, 1, __ATOMIC_RELEASE);
    dp_futex_wake(word, 1);
}

static void
scanner_drop(struct scanner *s)
{
    scan_message_free(s->sm);
    scan_worker_free(s->sw);
    scan_engine_free(s->engine);
    if (s->src != NULL) {
        dp_snap_scan_unref((struct dp_snap_scan *)(uintptr_t)s->src);
    }
    memset(s, 0, sizeof(*s));
}

/* scanner_for returns the thread's scanner for `src`, making one (the
 * least recently used goes) by deserialising the policy's engine. */
static struct scanner *
scanner_for(struct helper *t, const struct dp_snap_scan *src)
{
    struct scanner *lru = &t->scanners[0];
    for (unsigned i = 0; i < SCANNERS; i++) {
        struct scanner *s = &t->scanners[i];
        if (s->src == src) {
            s->used = ++t->clock;
            return s;
        }
        lru = s->used < lru->used ? s : lru;
    }
    scanner_drop(lru);
    dp_snap_scan_ref((struct dp_snap_scan *)(uintptr_t)src);
    lru->src = src;
    lru->used = ++t->clock;
    if (scan_engine_deserialize(&lru->engine, src->policy, src->engine_blob, src->engine_len) !=
            0 ||
        (lru->sw = scan_worker_new(lru->engine)) == NULL ||
        (lru->sm = scan_message_new(lru->sw, lru->engine)) == NULL) {
        scanner_drop(lru);
        return NULL;
    }
    return lru;
}

/* original_needed: the worker stores the original of a message with this
 * scan (quarantine, or a redacted message whose policy holds originals). */
static bool
original_needed(const struct dp_job *j)
{
    return j->sum.rc != 0 || j->sum.verdict == SCAN_V_QUARANTINE ||
           (j->sum.modified && j->scan->policy->keep_original);
}

static void
run(struct helper *t, struct dp_job *j)
{
    if (j->kind == DP_JOB_STORE) {
        j->err = 0;
        j->rc = dp_store_put(j->dir, j->id, j->meta, j->meta_len, j->msg, j->msg_len, j->reserve,
                             &j->err);
        return;
    }
    j->msg_wiped = false;
    struct scanner *s = scanner_for(t, j->scan);
    if (s == NULL) {
        memset(&j->sum, 0, sizeof(j->sum));
        j->sum.rc = RL_ENOMEM;
        return;
    }
    struct dp_scan_out o;
    if (dp_scan_begin(&o, s->sm, &j->body, &t->bufs, j->chunking, j->msg_len) == 0) {
        (void)dp_scan_feed(&o, s->sm, j->msg, j->msg_len);
    }
    dp_scan_end(&o, s->sm, &j->sum);
    if (!original_needed(j)) {
        /* The worker's buffer, lent with the job (dp_job.msg_wiped). */
        explicit_bzero((uint8_t *)(uintptr_t)j->msg, j->msg_len);
        j->msg_wiped = true;
    }
}

/* wipe_all wipes and unmaps the buffers worker rings `r` handed over. */
static bool
wipe_all(struct worker_rings *r)
{
    bool any = false;
    uint8_t *data;
    while ((data = dp_ring_pop(&r->to_wipe)) != NULL) {
        dp_buf_discard(data);
        any = true;
    }
    return any;
}

/* serve takes the jobs of every worker this helper serves; true if any. */
static bool
serve(struct helper *t)
{
    struct dp_helpers *h = t->h;
    bool any = false;
    for (unsigned w = 0; w < h->n_workers; w++) {
        struct worker_rings *r = &h->rings[w];
        if (t->kind == DP_JOB_STORE && wipe_all(r)) {
            any = true;
        }
        if (t->kind == DP_JOB_SCAN && w % h->n_scan != t->index) {
            continue;
        }
        struct dp_ring *in = t->kind == DP_JOB_STORE ? &r->to_store : &r->to_scan;
        struct dp_ring *out = t->kind == DP_JOB_STORE ? &r->from_store : &r->from_scan;
        struct dp_job *j;
        while ((j = dp_ring_pop(in)) != NULL) {
            run(t, j);
            /* The return ring has as many slots as the one it came by. */
            (void)dp_ring_push(out, j);
            any = true;
            /* A worker that parks after this count sees the job; one that
             * parked before it is seen parked here, and woken. */
            __atomic_add_fetch(&r->returned, 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&r->parked, __ATOMIC_SEQ_CST) && r->wake != NULL) {
                r->wake(r->wake_arg);
            }
        }
    }
    return any;
}

static void *
helper_main(void *arg)
{
    struct helper *t = arg;
    for (;;) {
        uint32_t seen = __atomic_load_n(&t->wake, __ATOMIC_ACQUIRE);
        if (serve(t)) {
            continue;
        }
        if (__atomic_load_n(&t->h->stop, __ATOMIC_ACQUIRE)) {
            break;
        }
        dp_futex_wait(&t->wake, seen, 100000000L); /* a lost wake costs at most 100 ms */
    }
    return NULL;
}

static int
helper_start(struct helper *t, struct dp_helpers *h, enum dp_job_kind kind, unsigned index)
{
    t->h = h;
    t->kind = kind;
    t->index = index;
    if (pthread_create(&t->thread, NULL, helper_main, t) != 0) {
        return RL_EIO;
    }
    char name[16];
    if (kind == DP_JOB_STORE) {
        snprintf(name, sizeof(name), "rl-store");
    } else {
        snprintf(name, sizeof(name), "rl-scan-%u", index % 100u);
    }
    (void)pthread_setname_np(t->thread, name);
    t->started = true;
    return 0;
}

int
dp_helpers_new(struct dp_helpers **out_h, unsigned n_workers, unsigned n_scan)
{
    if (n_workers == 0 || n_scan == 0 || n_scan > SCAN_THREADS_MAX) {
        return RL_EINVAL;
    }
    struct dp_helpers *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return RL_ENOMEM;
    }
    h->rings = aligned_alloc(64, sizeof(*h->rings) * n_workers);
    if (h->rings == NULL) {
        free(h);
        return RL_ENOMEM;
    }
    memset(h->rings, 0, sizeof(*h->rings) * n_workers);
    h->n_workers = n_workers;
    h->n_scan = n_scan;
    int rc = helper_start(&h->store, h, DP_JOB_STORE, 0);
    for (unsigned i = 0; rc == 0 && i < n_scan; i++) {
        rc = helper_start(&h->scan[i], h, DP_JOB_SCAN, i);
    }
    if (rc != 0) {
        dp_helpers_free(h);
        return rc;
    }
    *out_h = h;
    return 0;
}

int
dp_helpers_affinity(struct dp_helpers *h, const cpu_set_t *set)
{
    int rc = 0;
    struct helper *all[1 + SCAN_THREADS_MAX] = {&h->store};
    for (unsigned i = 0; i < h->n_scan; i++) {
        all[1 + i] = &h->scan[i];
    }
    for (unsigned i = 0; i < 1 + h->n_scan; i++) {
        if (all[i]->started && pthread_setaffinity_np(all[i]->thread, sizeof(*set), set) != 0) {
            rc = RL_EIO;
        }
    }
    return rc;
}

int
dp_helpers_submit(struct dp_helpers *h, struct dp_job *j)
{
    struct worker_rings *r = &h->rings[j->worker];
    bool store = j->kind == DP_JOB_STORE;
    if (!dp_ring_push(store ? &r->to_store : &r->to_scan, j)) {
        return RL_EAGAIN;
    }
    futex_wake(store ? &h->store.wake : &h->scan[j->worker % h->n_scan].wake);
    return 0;
}

/* discard is a worker's buffer cache hook (dp_bufpool.discard). */
static bool
discard(void *ctx, uint8_t *data)
{
    struct worker_rings *r = ctx;
    if (!dp_ring_push(&r->to_wipe, data)) {
        return false; /* full: the worker wipes it itself */
    }
    futex_wake(&r->h->store.wake);
    return true;
}

void
dp_helpers_pool_hook(struct dp_helpers *h, unsigned worker, struct dp_bufpool *pool)
{
    h->rings[worker].h = h;
    pool->discard = discard;
    pool->discard_ctx = &h->rings[worker];
}

void
dp_helpers_set_waker(struct dp_helpers *h, unsigned worker, void (*wake)(void *arg), void *arg)
{
    h->rings[worker].wake = wake;
    h->rings[worker].wake_arg = arg;
}

bool
dp_helpers_park(struct dp_helpers *h, unsigned worker)
{
    struct worker_rings *r = &h->rings[worker];
    __atomic_store_n(&r->parked, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->returned, __ATOMIC_SEQ_CST) != r->popped) {
        __atomic_store_n(&r->parked, 0, __ATOMIC_RELAXED);
        return false; /* a job is back (or on its way into the ring) */
    }
    return true;
}

void
dp_helpers_unpark(struct dp_helpers *h, unsigned worker)
{
    __atomic_store_n(&h->rings[worker].parked, 0, __ATOMIC_RELAXED);
}

struct dp_job *
dp_helpers_done(struct dp_helpers *h, unsigned worker)
{
    struct worker_rings *r = &h->rings[worker];
    struct dp_job *j = dp_ring_pop(&r->from_store);
    j = j != NULL ? j : dp_ring_pop(&r->from_scan);
    r->popped += j != NULL;
    return j;
}

static void
helper_stop(struct helper *t)
{
    if (!t->started) {
        return;
    }
    futex_wake(&t->wake);
    pthread_join(t->thread, NULL);
    for (unsigned i = 0; i < SCANNERS; i++) {
        if (t->scanners[i].src != NULL) {
            scanner_drop(&t->scanners[i]);
        }
    }
    dp_bufpool_fini(&t->bufs);
    t->started = false;
}

void
dp_helpers_free(struct dp_helpers *h)
{
    if (h == NULL) {
        return;
    }
    __atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
    helper_stop(&h->store);
    for (unsigned i = 0; i < SCAN_THREADS_MAX; i++) {
        helper_stop(&h->scan[i]);
    }
    for (unsigned w = 0; w < h->n_workers; w++) {
        (void)wipe_all(&h->rings[w]); /* handed over as the store thread stopped */
    }
    free(h->rings);
    free(h);
}

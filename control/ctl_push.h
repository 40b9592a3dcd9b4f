/* SPDX-License-Identifier: Apache-2.0 */
/* Pushing committed versions to redlined: one thread of redline-controld
 * watches the store, builds each new version's snapshot frame (dp_push.h:
 * the runtime configuration, the licence's tier, the policy compiled with
 * Hyperscan and serialised) and sends it to redlined's config socket, which
 * applies it as one snapshot and answers with the version it runs. Once a
 * second it also asks redlined which version it runs, so a redlined that
 * restarted without its saved snapshot gets the current one again. */
#ifndef CTL_PUSH_H
#define CTL_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_server.h"
#include "ctl_service.h"
#include "ctl_store.h"

#define CTL_PUSH_PROBE_MS 1000 /* how often redlined's running version is asked */

struct ctl_push_config {
    struct ctl_store *store; /* borrowed */
    struct ctl_service *svc; /* borrowed: the licence in force */
    const char *socket;      /* redlined's config socket */
    ctl_server_log log;      /* NULL: no log */
    void *log_ctx;
};

/* What the pusher knows, for status and metrics. */
struct ctl_push_state {
    uint64_t running; /* the version redlined said it runs; 0: unknown */
    uint64_t pushed;  /* the newest version pushed and acknowledged */
    bool reachable;   /* redlined answered the last attempt */
    char error[320];  /* why the last push or probe failed; "" when fine */
};

struct ctl_push;

/* ctl_push_start starts the thread. Returns 0, RL_ENOMEM or RL_EIO. */
int ctl_push_start(struct ctl_push **out_push, const struct ctl_push_config *cfg);

/* ctl_push_stop stops the thread (after the push in progress) and frees
 * `p`; NULL is a no-op. */
void ctl_push_stop(struct ctl_push *p);

/* ctl_push_state copies what the pusher knows into *out. Any thread. */
void ctl_push_get(struct ctl_push *p, struct ctl_push_state *out);

/* The last policy compiled and its serialised engine, so that a version
 * that changes only routes is not compiled again. */
struct ctl_push_cache {
    char *policy;  /* owned JSON text; NULL: empty */
    uint8_t *blob; /* owned */
    size_t blob_len;
};

/* ctl_push_frame builds the snapshot frame of document `doc` (version `n`)
 * with the licence status `lic`: header, JSON, serialised engine, in one
 * malloc'd buffer (*out_frame, *out_len). Compiles the policy (about 0.1 s)
 * unless `cache` (may be NULL) holds it, and then keeps it there. Returns 0,
 * or RL_EINVAL / RL_ESCAN with `diag`, RL_ENOMEM. */
int ctl_push_frame(uint8_t **out_frame, size_t *out_len, struct rl_diag *diag, json_t *doc,
                   uint64_t n, const struct ctl_license_status *lic, struct ctl_push_cache *cache);

/* ctl_push_cache_fini releases what `cache` holds. */
void ctl_push_cache_fini(struct ctl_push_cache *cache);

#endif

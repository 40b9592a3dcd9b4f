/* SPDX-License-Identifier: Apache-2.0 */
/* What redline-controld does with a request, apart from the socket: reads
 * from the current version, edits validated whole and committed as a new
 * version (or refused, changing nothing), history, diff, rollback, export,
 * import, the licence and status. Thread-safe: edits are serialised, and the
 * store's commit-if-still-N guards against any other writer. */
#ifndef CTL_SERVICE_H
#define CTL_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_license.h"
#include "ctl_proto.h"
#include "ctl_store.h"

struct ctl_service;
struct ctl_push;

/* Borrowed settings; they must outlive the service. */
struct ctl_service_config {
    struct ctl_store *store;            /* the versions */
    const struct ctl_license_key *keys; /* trusted licence keys (ctl_keys.h) */
    size_t n_keys;
    const char *dataplane_socket; /* redlined's control socket; "" = none */
    int64_t (*now)(void);         /* seconds since the epoch; NULL = time() */
};

/* ctl_service_new makes a service over `cfg` (copied; what it points to is
 * borrowed). Returns 0 or RL_ENOMEM. */
int ctl_service_new(struct ctl_service **out_svc, const struct ctl_service_config *cfg);

/* ctl_service_set_push gives `svc` the pusher (borrowed) whose state
 * `status` reports; NULL: none. Call before serving. */
void ctl_service_set_push(struct ctl_service *svc, struct ctl_push *push);

/* ctl_service_free releases `svc`; NULL is a no-op. */
void ctl_service_free(struct ctl_service *svc);

/* ctl_service_handle answers the JSON request `req` (not a forwarded one)
 * from the peer `uid`. Returns a new object that always has "ok": true with
 * the command's answer, or false with "error" (one sentence) and "field"
 * when a field is to blame; NULL only when out of memory. */
json_t *ctl_service_handle(struct ctl_service *svc, const struct ctl_request *req, int64_t uid);

/* ctl_service_forward sends a forwarded request's line to redlined and
 * returns its answer (malloc'd, NUL-terminated), or an {"ok": false} answer
 * saying why redlined could not be reached. NULL only when out of memory.
 * Blocks until redlined answers (a quarantine release waits on next hops). */
char *ctl_service_forward(struct ctl_service *svc, const struct ctl_request *req);

/* ctl_service_license fills *out with what the current version's licence
 * means now. Returns 0 or RL_EIO when the store cannot be read (then *out is
 * evaluation mode, missing). */
int ctl_service_license(struct ctl_service *svc, struct ctl_license_status *out);

/* ctl_service_stats asks redlined for its counters (its `stats` answer);
 * NULL when it cannot be reached, with `why` (capacity `why_cap`) saying
 * so. Blocking, up to 10 seconds. */
json_t *ctl_service_stats(struct ctl_service *svc, char *why, size_t why_cap);

#endif

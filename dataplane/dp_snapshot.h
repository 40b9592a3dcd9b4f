/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime snapshot: one immutable object holding everything a
 * transaction reads (routes, MTA groups, relay networks, limits, the TLS
 * contexts of every worker, the policy and its compiled detection engine,
 * serialised). Built off the worker cores by the configuration library
 * (redlined's main and control threads, redline-controld later), published
 * with dp_live.h, read by workers, freed once no one holds it. */
#ifndef DP_SNAPSHOT_H
#define DP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "rl_error.h"
#include "scan_policy.h"
#include "tls_client.h"
#include "tls_server.h"

/* The TLS contexts of a snapshot, one set per worker (a context is used and
 * ticked by one worker only). Shared, reference counted, by the snapshots
 * whose TLS settings are equal; a connection keeps its context alive on its
 * own (tls/ counts references), so freeing a snapshot never cuts one. */
struct dp_snap_tls {
    uint32_t refs; /* snapshots sharing it (atomic) */
    unsigned n_workers;
    uint8_t secret[TLS_TICKET_SECRET_LEN]; /* session-ticket secret, the same for every worker */
    struct tls_server *server[DP_MAX_WORKERS]; /* the listener's STARTTLS; NULL: not offered */
    /* Outbound, by client profile index of dp_runtime.tls_profiles (NULL for
     * server profiles); index TLS_MAX_PROFILES is the built-in
     * opportunistic one (routes without "tls"). */
    struct tls_client *client[DP_MAX_WORKERS][TLS_MAX_PROFILES + 1];
};

/* One worker's scanner for a policy: the engine deserialised from the blob
 * into memory of its own, its scratch, and the message rewriter with its
 * document scanner (libmagic's database loaded). Built with the policy part,
 * off the workers, so that a worker taking a new policy swaps a pointer;
 * used by its worker only. */
struct dp_scanner {
    struct scan_engine *engine;
    struct scan_worker *sw;
    struct scan_message *sm;
    void *streamer; /* the worker's: the session whose text `sm` scans as it arrives */
    /* Small text scanned whole at its end while another session's streams
     * through `sm` (the same scratch: calls never interleave on one thread). */
    struct scan_message *sm_whole;
};

/* The policy of a snapshot with its engine compiled off the workers and
 * serialised (scan_engine_serialize), and the scanner of every worker made
 * from it. Shared, reference counted, by snapshots with the same policy. */
struct dp_snap_scan {
    uint32_t refs; /* snapshots sharing it (atomic) */
    struct scan_policy *policy;
    uint8_t *engine_blob;
    size_t engine_len;
    unsigned n_scanners;
    struct dp_scanner *scanner[DP_MAX_WORKERS]; /* worker i's */
};

struct dp_snapshot {
    uint64_t version;      /* set by dp_live_publish, increasing in publication order */
    uint64_t published_ns; /* CLOCK_MONOTONIC when dp_live_publish swapped it in; 0: the first */
    unsigned n_workers;
    struct dp_runtime rt; /* routes refer to groups and TLS profiles by index, in here only */
    struct dp_snap_tls *tls;
    struct dp_snap_scan *scan;
    struct dp_snapshot *retired_next; /* dp_live's list of snapshots waiting to be freed */
};

/* What dp_snapshot_build may take over from the previous snapshot instead
 * of building it again, when the settings behind it are unchanged. */
enum dp_snap_keep {
    DP_SNAP_KEEP_NONE = 0,
    DP_SNAP_KEEP_TLS = 1,    /* the TLS contexts (else certificates and CA files are read again) */
    DP_SNAP_KEEP_POLICY = 2, /* the policy and its engine (else read and compiled again) */
};

/* The name a TLS profile has in hop identities: the profile's, or "" for the
 * built-in opportunistic one (DP_TLS_DEFAULT). */
#define DP_SNAP_DEFAULT_PROFILE ""

/* dp_snapshot_build checks `rt` (copied), reads and compiles its policy and
 * serialises the engine, builds the scanner of each of `n_workers` workers
 * from it (dp_scanner) and the TLS contexts of `n_workers` workers
 * with session tickets under `secret` (TLS_TICKET_SECRET_LEN octets, copied;
 * NULL: the one of `prev`). With `prev` (borrowed; may be NULL) the parts
 * `keep` names are shared instead of rebuilt when their settings are equal.
 * Returns 0 with *out_snap (version 0 until published), or RL_EINVAL /
 * RL_ESCAN / RL_EIO with `diag` naming the field ("routes[0].tls",
 * "policy lexicons[1].entries[0].regex", "tls.cert"), or RL_ENOMEM. Reads
 * files and compiles: never on a worker core. */
int dp_snapshot_build(struct dp_snapshot **out_snap, struct rl_diag *diag,
                      const struct dp_runtime *rt, unsigned n_workers, const uint8_t *secret,
                      const struct dp_snapshot *prev, unsigned keep);

/* dp_snapshot_build_engine is dp_snapshot_build with the policy and its
 * engine given, already compiled and serialised elsewhere (redline-controld,
 * dp_apply.h): `policy` and `engine_blob` (`engine_len` octets, malloc'd)
 * are taken, even on failure, and nothing is compiled (the workers'
 * scanners are deserialised from the blob). */
int dp_snapshot_build_engine(struct dp_snapshot **out_snap, struct rl_diag *diag,
                             const struct dp_runtime *rt, unsigned n_workers, const uint8_t *secret,
                             const struct dp_snapshot *prev, unsigned keep,
                             struct scan_policy *policy, uint8_t *engine_blob, size_t engine_len);

/* dp_snapshot_free releases `s` and its share of the TLS and policy parts;
 * NULL is a no-op. Only once nothing reads `s` (dp_live reclaims). */
void dp_snapshot_free(struct dp_snapshot *s);

/* dp_snap_scan_ref takes a reference to a policy part (a scan thread's
 * scanner keeps its policy alive); dp_snap_scan_unref drops one and frees the
 * part with the last. Any thread. */
void dp_snap_scan_ref(struct dp_snap_scan *p);
void dp_snap_scan_unref(struct dp_snap_scan *p);

/* dp_snapshot_profile_name returns the identity name of TLS profile `tls`
 * (a dp_route.tls) in `s`: the profile's name or DP_SNAP_DEFAULT_PROFILE. */
const char *dp_snapshot_profile_name(const struct dp_snapshot *s, int tls);

/* dp_snapshot_client returns worker `worker`'s client context for the route
 * TLS profile `tls` (a dp_route.tls, DP_TLS_DEFAULT included). */
struct tls_client *dp_snapshot_client(const struct dp_snapshot *s, unsigned worker, int tls);

/* dp_snapshot_profile_hash returns a hash of every setting of TLS profile
 * `tls`, so that a pooled connection made under a profile is not reused
 * after the profile of the same name changed. */
uint64_t dp_snapshot_profile_hash(const struct dp_snapshot *s, int tls);

#endif

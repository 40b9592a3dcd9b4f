/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled detection engine: Hyperscan databases built from a policy
 * (literal keywords, the e-mail anchor, lexicon words; lexicon regexes apart)
 * plus per-worker scratch. The engine is immutable after compile and shared;
 * each worker core owns one scan_worker. */
#ifndef SCAN_ENGINE_H
#define SCAN_ENGINE_H

#include "scan_policy.h"

struct scan_engine;
struct scan_worker;

/* A finding in one scanned buffer after context and policy were applied. */
struct scan_finding {
    uint32_t start;     /* byte offset into the scanned buffer */
    uint32_t end;       /* one past the last byte */
    uint16_t type;      /* enum scan_type */
    uint16_t lexicon;   /* lexicon index when type == SCAN_T_LEXICON */
    uint16_t weight;    /* lexicon entry weight; 1 for detectors */
    uint8_t confidence; /* 0..100 after context */
    uint8_t action;     /* enum scan_action from the policy */
};

/* scan_engine_compile compiles `policy` (borrowed; must outlive the engine).
 * Returns 0 and sets *out_engine, or RL_ESCAN / RL_ENOMEM with `diag` naming
 * the offending lexicon entry. Not for worker cores: compiling takes ~0.1 s. */
int scan_engine_compile(struct scan_engine **out_engine, struct rl_diag *diag,
                        const struct scan_policy *policy);

/* scan_engine_serialize writes the compiled databases and pattern tables of
 * `e` into one buffer, *out_blob (malloc'd; the caller frees it) of *out_len
 * octets, for scan_engine_deserialize in the same process (native byte
 * order, this Hyperscan build). Returns 0 or RL_ENOMEM. Any thread. */
int scan_engine_serialize(const struct scan_engine *e, uint8_t **out_blob, size_t *out_len);

/* scan_engine_deserialize rebuilds an engine from `blob` (`len` octets, from
 * scan_engine_serialize of an engine compiled from `policy`, which is
 * borrowed and must outlive the engine) without compiling anything:
 * hs_deserialize_database_at into memory of the engine's own. Returns 0 with
 * *out_engine, RL_ESYNTAX for a blob that is not one, or RL_ENOMEM. This is
 * what a worker core calls when it takes a new policy. */
int scan_engine_deserialize(struct scan_engine **out_engine, const struct scan_policy *policy,
                            const uint8_t *blob, size_t len);

/* scan_engine_free releases `e`; NULL is a no-op. */
void scan_engine_free(struct scan_engine *e);

/* scan_engine_policy returns the policy `e` was compiled from (lent). */
const struct scan_policy *scan_engine_policy(const struct scan_engine *e);

/* scan_worker_new allocates one worker's scratch for `e` (Hyperscan scratch,
 * candidate arrays). Returns NULL on allocation failure. Call at start-up. */
struct scan_worker *scan_worker_new(const struct scan_engine *e);

/* scan_worker_free releases `w`; NULL is a no-op. */
void scan_worker_free(struct scan_worker *w);

/* scan_detect finds everything the policy asks for that starts in
 * buf[from, to) and writes up to `cap` findings, sorted by start and
 * non-overlapping, to `out` (offsets into `buf`); sets *out_n. Context
 * keywords and word boundaries are read from all of `buf`, so a caller that
 * scans a long text range by range loses nothing at the cuts. `types`
 * (SCAN_MASK bits) restricts the detectors, e.g. no EMAIL in address headers.
 * Full-width forms and non-ASCII decimal digits are read as the ASCII they
 * stand for (scan_fold.h); offsets stay `buf`'s.
 * Returns 0, RL_ELIMIT when more than `cap` were found (the first `cap` are
 * written), or RL_ESCAN. Call only on the thread that owns `w`. */
int scan_detect(struct scan_worker *w, struct scan_finding *out, size_t cap, size_t *out_n,
                const uint8_t *buf, size_t len, size_t from, size_t to, unsigned types);

#endif

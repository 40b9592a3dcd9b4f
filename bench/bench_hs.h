/* SPDX-License-Identifier: Apache-2.0 */
/* The raw Hyperscan baseline: a straightforward DLP pattern set (one regular
 * expression per detector format, a fixed list of English context words and
 * the policy's lexicons) compiled for block mode. One object per thread. */
#ifndef BENCH_HS_H
#define BENCH_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"
#include "scan_policy.h"

struct bench_hs;

/* bench_hs_compile compiles the baseline set for the detectors `policy`
 * enables, the fixed context words and the policy's lexicon entries; with `som`
 * every pattern carries HS_FLAG_SOM_LEFTMOST. Returns 0 and sets *out_hs, or
 * RL_ESCAN / RL_ENOMEM with `diag` naming the pattern Hyperscan refused. */
int bench_hs_compile(struct bench_hs **out_hs, struct rl_diag *diag,
                     const struct scan_policy *policy, bool som);

/* bench_hs_free releases `h`; NULL is a no-op. */
void bench_hs_free(struct bench_hs *h);

/* bench_hs_n_patterns returns how many expressions `h` was compiled from. */
unsigned bench_hs_n_patterns(const struct bench_hs *h);

/* bench_hs_scan runs hs_scan over `buf` in block mode and adds the number of
 * matches reported to *out_matches. Returns 0, RL_ELIMIT (len >= 4 GiB) or
 * RL_ESCAN. */
int bench_hs_scan(struct bench_hs *h, uint64_t *out_matches, const uint8_t *buf, size_t len);

#endif

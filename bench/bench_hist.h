/* SPDX-License-Identifier: Apache-2.0 */
/* A latency histogram in the style of HdrHistogram: log-linear buckets (256
 * per power of two, so a value is kept to better than 0.8 %), fixed size,
 * no allocation after init. One owner thread; not shared. */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 8 /* 2^8 sub-buckets per power of two */
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_MAX_BITS 42 /* values above 2^42 (73 minutes in ns) are clamped */
/* the last bucket is that of 2^MAX_BITS - 1: shift MAX_BITS - SUB_BITS, top SUB - 1 */
#define BENCH_HIST_BUCKETS                                                                         \
    ((BENCH_HIST_MAX_BITS - BENCH_HIST_SUB_BITS) * (BENCH_HIST_SUB / 2) + BENCH_HIST_SUB)

struct bench_hist {
    uint64_t counts[BENCH_HIST_BUCKETS]; /* values per bucket */
    uint64_t n;                          /* values recorded */
    uint64_t min;                        /* smallest value recorded (UINT64_MAX when n == 0) */
    uint64_t max;                        /* largest value recorded, before clamping */
    double sum;                          /* of the values recorded, for the mean */
};

/* bench_hist_init empties `h` (caller storage, about 35 KiB). */
void bench_hist_init(struct bench_hist *h);

/* bench_hist_record adds one value `v` (any unit; the benchmarks use ns).
 * Constant time, never allocates. */
void bench_hist_record(struct bench_hist *h, uint64_t v);

/* bench_hist_merge adds every value of `from` to `h`. */
void bench_hist_merge(struct bench_hist *h, const struct bench_hist *from);

/* bench_hist_quantile returns the value at quantile `q` (0..1): the highest
 * value of the bucket holding the ceil(q * n)-th smallest value, at most
 * `max`; 0 when `h` is empty. q = 1 returns the exact maximum. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);

/* bench_hist_mean returns the mean of the recorded values, 0 when empty. */
double bench_hist_mean(const struct bench_hist *h);

#endif

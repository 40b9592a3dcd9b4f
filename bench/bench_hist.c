/* SPDX-License-Identifier: Apache-2.0 */
/* Log-linear latency histogram: values below 256 have a bucket each; above,
 * every power of two is split into 128 equal buckets. The caller owns the
 * storage; single thread. */
#include "bench_hist.h"

#include <string.h>

#define HALF (BENCH_HIST_SUB / 2)
#define VMAX ((1ull << BENCH_HIST_MAX_BITS) - 1)

void
bench_hist_init(struct bench_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

/* bucket_of maps a value to its bucket. For v >= 256 with highest set bit b,
 * shift = b - 7 keeps the top 8 bits: v >> shift lies in [128, 255], and the
 * buckets of consecutive shifts follow each other. */
static unsigned
bucket_of(uint64_t v)
{
    if (v < BENCH_HIST_SUB) {
        return (unsigned)v;
    }
    unsigned b = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = b - (BENCH_HIST_SUB_BITS - 1);
    return shift * HALF + (unsigned)(v >> shift);
}

/* bucket_high returns the highest value that maps to bucket `i`. */
static uint64_t
bucket_high(unsigned i)
{
    if (i < BENCH_HIST_SUB) {
        return i;
    }
    unsigned shift = i / HALF - 1;
    uint64_t top = (uint64_t)(i - shift * HALF);
    return ((top + 1) << shift) - 1;
}

void
bench_hist_record(struct bench_hist *h, uint64_t v)
{
    h->n++;
    h->sum += (double)v;
    h->min = v < h->min ? v : h->min;
    h->max = v > h->max ? v : h->max;
    h->counts[bucket_of(v > VMAX ? VMAX : v)]++;
}

void
bench_hist_merge(struct bench_hist *h, const struct bench_hist *from)
{
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        h->counts[i] += from->counts[i];
    }
    h->n += from->n;
    h->sum += from->sum;
    h->min = from->min < h->min ? from->min : h->min;
    h->max = from->max > h->max ? from->max : h->max;
}

uint64_t
bench_hist_quantile(const struct bench_hist *h, double q)
{
    if (h->n == 0) {
        return 0;
    }
    if (q >= 1.0) {
        return h->max;
    }
    uint64_t rank = (uint64_t)(q * (double)h->n);
    if ((double)rank < q * (double)h->n || rank == 0) {
        rank++;
    }
    uint64_t seen = 0;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = bucket_high(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}

double
bench_hist_mean(const struct bench_hist *h)
{
    return h->n > 0 ? h->sum / (double)h->n : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for bench/bench_hist.c: quantiles against the exact order statistic
 * of the same values (a sorted copy), the precision bound, clamping, merge
 * and the empty histogram. Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_hist.h"

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* exact returns the ceil(q * n)-th smallest of the sorted `v`. */
static uint64_t
exact(const uint64_t *v, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n);
    if ((double)rank < q * (double)n || rank == 0) {
        rank++;
    }
    return v[rank - 1];
}

static uint64_t
rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void
test_empty(void **state)
{
    (void)state;
    static struct bench_hist h;
    bench_hist_init(&h);
    assert_int_equal(bench_hist_quantile(&h, 0.5), 0);
    assert_int_equal(bench_hist_quantile(&h, 1.0), 0);
    assert_true(bench_hist_mean(&h) == 0);
    assert_int_equal(h.n, 0);
}

static void
test_small_values_exact(void **state)
{
    (void)state;
    static struct bench_hist h;
    bench_hist_init(&h);
    for (uint64_t v = 0; v < 256; v++) {
        bench_hist_record(&h, v);
    }
    assert_int_equal(bench_hist_quantile(&h, 0.5), 127);
    assert_int_equal(bench_hist_quantile(&h, 0.0), 0);
    assert_int_equal(bench_hist_quantile(&h, 1.0), 255);
    assert_int_equal(h.min, 0);
    assert_true(bench_hist_mean(&h) == 127.5);
}

/* test_precision: over values spread across nine decades the reported
 * quantile is never below the exact one and at most 1/128 above it. */
static void
test_precision(void **state)
{
    (void)state;
    static struct bench_hist h;
    enum { N = 20000 };
    static uint64_t v[N];
    uint64_t s = 42;
    bench_hist_init(&h);
    for (size_t i = 0; i < N; i++) {
        unsigned shift = (unsigned)(rng(&s) % 30);
        v[i] = (rng(&s) >> 34) >> (30 - shift); /* 0 .. 2^30 */
        bench_hist_record(&h, v[i]);
    }
    qsort(v, N, sizeof(v[0]), cmp_u64);
    static const double qs[] = {0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999};
    for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        uint64_t want = exact(v, N, qs[k]);
        uint64_t got = bench_hist_quantile(&h, qs[k]);
        assert_true(got >= want);
        assert_true((double)got <= (double)want * (1.0 + 1.0 / 128) + 1);
    }
    assert_int_equal(bench_hist_quantile(&h, 1.0), v[N - 1]);
    assert_int_equal(h.min, v[0]);
}

static void
test_clamp_and_merge(void **state)
{
    (void)state;
    static struct bench_hist a, b, all;
    bench_hist_init(&a);
    bench_hist_init(&b);
    bench_hist_init(&all);
    uint64_t huge = (uint64_t)1 << 60;
    bench_hist_record(&a, huge);
    bench_hist_record(&all, huge);
    assert_int_equal(a.counts[BENCH_HIST_BUCKETS - 1], 1);
    assert_int_equal(bench_hist_quantile(&a, 0.5), (1ull << BENCH_HIST_MAX_BITS) - 1);
    assert_int_equal(bench_hist_quantile(&a, 1.0), huge);
    for (uint64_t x = 1; x < 100000; x += 7) {
        bench_hist_record(x % 2 ? &a : &b, x * 13);
        bench_hist_record(&all, x * 13);
    }
    bench_hist_merge(&a, &b);
    assert_int_equal(a.n, all.n);
    assert_int_equal(a.min, all.min);
    assert_int_equal(a.max, all.max);
    assert_memory_equal(a.counts, all.counts, sizeof(a.counts));
    for (double q = 0.05; q < 1; q += 0.05) {
        assert_int_equal(bench_hist_quantile(&a, q), bench_hist_quantile(&all, q));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_clamp_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The shared rate bucket: burst from idle, steady rate, refusals spend
 * nothing, no limit, and four threads spending at once never exceed it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dp_rate.h"

#define SEC 1000000000ULL

static void
test_burst_then_rate(void **state)
{
    (void)state;
    struct dp_rate_params p;
    dp_rate_params(&p, 3600, 10); /* one a second, ten at once */
    assert_int_equal(p.interval_ns, SEC);
    uint64_t tat = 0, now = 1000 * SEC;
    for (int i = 0; i < 10; i++) {
        assert_true(dp_rate_take(&tat, &p, now));
    }
    assert_false(dp_rate_take(&tat, &p, now)); /* the eleventh */
    assert_false(dp_rate_take(&tat, &p, now + SEC / 2));
    uint64_t before = tat;
    assert_false(dp_rate_take(&tat, &p, now));
    assert_int_equal(tat, before);                  /* a refusal spends nothing */
    assert_true(dp_rate_take(&tat, &p, now + SEC)); /* one more each second */
    assert_false(dp_rate_take(&tat, &p, now + SEC));
    /* Idle for long: the burst is back, no more. */
    now += 3600 * SEC;
    int got = 0;
    while (dp_rate_take(&tat, &p, now)) {
        got++;
    }
    assert_int_equal(got, 10);
}

static void
test_tiers(void **state)
{
    (void)state;
    struct dp_rate_params p;
    dp_rate_params(&p, 20000, 20000 / 60); /* tier low, a minute's burst */
    assert_int_equal(p.interval_ns, 180000000ULL);
    uint64_t tat = 0, now = 5 * SEC;
    int got = 0;
    while (dp_rate_take(&tat, &p, now)) {
        got++;
    }
    assert_int_equal(got, 333);
    /* Over an hour, at most the rate plus the burst. */
    int hour = 0;
    for (uint64_t t = now; t < now + 3600 * SEC; t += SEC / 100) {
        hour += dp_rate_take(&tat, &p, t) ? 1 : 0;
    }
    assert_true(hour >= 19999 && hour <= 20001);
    dp_rate_params(&p, 0, 5); /* very high: no limit */
    for (int i = 0; i < 100000; i++) {
        assert_true(dp_rate_take(&tat, &p, now));
    }
    dp_rate_params(&p, 1, 0); /* burst 0 means 1 */
    tat = 0;
    assert_true(dp_rate_take(&tat, &p, now));
    assert_false(dp_rate_take(&tat, &p, now));
}

struct race {
    uint64_t *tat;
    const struct dp_rate_params *p;
    int got;
};

static void *
spend(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 100000; i++) {
        r->got += dp_rate_take(r->tat, r->p, 7 * SEC) ? 1 : 0;
    }
    return NULL;
}

static void
test_threads_share_one_bucket(void **state)
{
    (void)state;
    struct dp_rate_params p;
    dp_rate_params(&p, 36000, 500);
    uint64_t tat = 0;
    struct race r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct race){.tat = &tat, .p = &p};
        assert_int_equal(pthread_create(&t[i], NULL, spend, &r[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += r[i].got;
    }
    assert_int_equal(total, 500); /* exactly the burst, however the threads raced */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_threads_share_one_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hw_parse.c (sysfs numbers, /proc/PID/stat CPU times,
 * against the kernel's own figures for this process) and hw_tier.c (the
 * SPEC.md tier bounds, at and around each edge). Single-threaded cmocka
 * runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/times.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw_parse.h"
#include "hw_tier.h"

static bool
int_of(const char *s, int64_t *out)
{
    *out = 12345; /* must stay when refused */
    return hw_parse_int(out, s, strlen(s));
}

static void
test_int_accepts(void **state)
{
    (void)state;
    int64_t v;
    assert_true(int_of("0", &v));
    assert_int_equal(v, 0);
    assert_true(int_of("25000\n", &v));
    assert_int_equal(v, 25000);
    assert_true(int_of("-1\n", &v));
    assert_int_equal(v, -1);
    assert_true(int_of("-0", &v));
    assert_int_equal(v, 0);
    assert_true(int_of("9223372036854775807", &v));
    assert_int_equal(v, INT64_MAX);
    assert_true(int_of("-9223372036854775808\n", &v));
    assert_int_equal(v, INT64_MIN);
    assert_true(int_of("007", &v));
    assert_int_equal(v, 7);
}

static void
test_int_refuses(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "\n",
                         "-",
                         "--1",
                         "+1",
                         "1 ",
                         " 1",
                         "1\n\n",
                         "12a",
                         "0x10",
                         "1.5",
                         "\n1",
                         "9223372036854775808",
                         "-9223372036854775809",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v;
        if (int_of(bad[i], &v)) {
            fail_msg("'%s' was read as %lld", bad[i], (long long)v);
        }
        assert_int_equal(v, 12345);
    }
    /* the length counts, not a NUL */
    int64_t v = 0;
    assert_true(hw_parse_int(&v, "42abc", 2));
    assert_int_equal(v, 42);
    assert_false(hw_parse_int(&v, "4\0002", 3));
}

static void
test_proc_stat_of_this_process(void **state)
{
    (void)state;
    /* burn a little CPU so the figures are not all zero */
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < 50000000ull; i++) {
        x += i;
    }
    assert_true(x > 0);
    FILE *f = fopen("/proc/self/stat", "r");
    assert_non_null(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct tms tm;
    times(&tm);
    uint64_t ticks = 0;
    assert_true(hw_parse_proc_stat(&ticks, buf, n));
    uint64_t want = (uint64_t)(tm.tms_utime + tm.tms_stime);
    /* both from the kernel's counters, read a moment apart */
    assert_true(ticks <= want && want - ticks <= 2);
    assert_true(ticks > 0);
}

static void
test_proc_stat_names(void **state)
{
    (void)state;
    uint64_t t = 0;
    /* a command name with spaces and ')' of its own */
    const char *odd = "42 (a b) c) S 1 42 42 0 -1 4194304 100 0 0 0 7 3 0 0 20 0 1 0 5 0 0\n";
    assert_true(hw_parse_proc_stat(&t, odd, strlen(odd)));
    assert_int_equal(t, 10);
    const char *plain = "7 (redlined) R 1 7 7 0 -1 0 0 0 0 0 1000 250 0 0";
    assert_true(hw_parse_proc_stat(&t, plain, strlen(plain)));
    assert_int_equal(t, 1250);
}

static void
test_proc_stat_refuses(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "no parentheses at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
        "1 (x S 1 2 3 4 5 6 7 8 9 10 11 12",   /* no ')' */
        "1 x) S 1 2 3 4 5 6 7 8 9 10 11 12",   /* no '(' */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10",        /* cut before utime */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 11",     /* cut before stime */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 -11 12", /* negative time */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 1a 12",  /* not a number */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 99999999999999999999 1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t t = 77;
        if (hw_parse_proc_stat(&t, bad[i], strlen(bad[i]))) {
            fail_msg("'%s' was read as %llu", bad[i], (unsigned long long)t);
        }
        assert_int_equal(t, 77);
    }
}

static void
test_tiers(void **state)
{
    (void)state;
    struct {
        double rate;
        enum hw_tier tier;
        double bound;
    } cases[] = {
        {0, HW_TIER_NONE, 20000},        {19999.9, HW_TIER_NONE, 20000},
        {20000, HW_TIER_LOW, 20000},     {49999, HW_TIER_LOW, 20000},
        {50000, HW_TIER_MEDIUM, 50000},  {59999.99, HW_TIER_MEDIUM, 50000},
        {60000, HW_TIER_HIGH, 60000},    {60000.01, HW_TIER_VERY_HIGH, 60000},
        {1e7, HW_TIER_VERY_HIGH, 60000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hw_tier_fit f = hw_tier_fit_for(cases[i].rate);
        if (f.tier != cases[i].tier) {
            fail_msg("%.2f msgs/h: %s, not %s", cases[i].rate, hw_tier_name(f.tier),
                     hw_tier_name(cases[i].tier));
        }
        assert_true(f.bound == cases[i].bound);
        assert_true(f.headroom == cases[i].rate / cases[i].bound);
        assert_true(f.headroom_msgs == cases[i].rate - cases[i].bound);
    }
    assert_string_equal(hw_tier_name(HW_TIER_VERY_HIGH), "Very High");
    assert_string_equal(hw_tier_name(HW_TIER_LOW), "Low");
    assert_string_equal(hw_tier_name((enum hw_tier)99), "none");
    assert_true(hw_tier_bound(HW_TIER_MEDIUM) == 50000);
    assert_true(hw_tier_bound((enum hw_tier)99) == 0);
    /* below Low the headroom is a shortfall */
    assert_true(hw_tier_fit_for(10000).headroom == 0.5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_accepts),
        cmocka_unit_test(test_int_refuses),
        cmocka_unit_test(test_proc_stat_of_this_process),
        cmocka_unit_test(test_proc_stat_names),
        cmocka_unit_test(test_proc_stat_refuses),
        cmocka_unit_test(test_tiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

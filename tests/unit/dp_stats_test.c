/* SPDX-License-Identifier: Apache-2.0 */
/* Next-hop health across workers (dp_stats.h): each hop once in the
 * totals, down by the latest word of any worker, names escaped, the totals'
 * next_hops_down counting hops rather than worker views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dp_stats.h"

static struct dp_stats_core cores[3];

static void
publish(struct dp_stats_core *s, unsigned n, const char *const *names, const uint64_t *last,
        const uint64_t *fails)
{
    dp_stats_hops_begin(s);
    for (unsigned i = 0; i < n; i++) {
        dp_stats_hop_put(s, i, names[i], last[i], fails[i]);
    }
    dp_stats_hops_end(s, n);
    uint64_t down = 0;
    for (unsigned i = 0; i < n; i++) {
        down += fails[i] > 0 ? 1 : 0;
    }
    dp_stats_set(s, DP_C_HOPS_DOWN, down);
}

static json_t *
stats(unsigned n_cores)
{
    static char buf[1 << 20];
    size_t n = dp_stats_json(buf, sizeof(buf), NULL, cores, n_cores);
    assert_true(n > 0);
    json_error_t err;
    json_t *j = json_loadb(buf, n, 0, &err);
    assert_non_null(j);
    return j;
}

static json_t *
hop(json_t *j, const char *name)
{
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(json_object_get(j, "total"), "next_hops"), i, h)
    {
        if (strcmp(json_string_value(json_object_get(h, "hop")), name) == 0) {
            return h;
        }
    }
    return NULL;
}

static void
test_merged_by_latest_word(void **state)
{
    (void)state;
    memset(cores, 0, sizeof(cores));
    /* Worker 0: a dead at t=100, b greeted at 50. Worker 1: a dead at 120,
     * b refused at 200 (after 0's greeting). Worker 2: a greeted at 300. */
    publish(&cores[0], 2, (const char *const[]){"10.0.0.1:25", "10.0.0.2:25"},
            (const uint64_t[]){100, 50}, (const uint64_t[]){3, 0});
    publish(&cores[1], 2, (const char *const[]){"10.0.0.1:25", "10.0.0.2:25"},
            (const uint64_t[]){120, 200}, (const uint64_t[]){1, 2});
    json_t *j = stats(2);
    json_t *total = json_object_get(j, "total");
    assert_int_equal(json_array_size(json_object_get(total, "next_hops")), 2);
    json_t *a = hop(j, "10.0.0.1:25");
    json_t *b = hop(j, "10.0.0.2:25");
    assert_true(json_is_true(json_object_get(a, "down")));
    assert_int_equal(json_integer_value(json_object_get(a, "fails")), 1); /* worker 1's, newer */
    assert_int_equal(json_integer_value(json_object_get(a, "workers")), 2);
    assert_int_equal(json_integer_value(json_object_get(a, "workers_down")), 2);
    assert_true(json_is_true(json_object_get(b, "down"))); /* refused after the greeting */
    assert_int_equal(json_integer_value(json_object_get(b, "workers_down")), 1);
    /* Two hops down: not three (the workers' views summed). */
    assert_int_equal(json_integer_value(json_object_get(total, "next_hops_down")), 2);
    json_decref(j);

    /* A third worker greets a after the others found it dead: up. */
    publish(&cores[2], 1, (const char *const[]){"10.0.0.1:25"}, (const uint64_t[]){300},
            (const uint64_t[]){0});
    j = stats(3);
    a = hop(j, "10.0.0.1:25");
    assert_false(json_is_true(json_object_get(a, "down")));
    assert_int_equal(json_integer_value(json_object_get(a, "workers")), 3);
    assert_int_equal(json_integer_value(json_object_get(a, "workers_down")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "total"), "next_hops_down")), 1);
    /* Each worker keeps its own view. */
    json_t *w = json_object_get(j, "workers");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(w, 1), "next_hops_down")),
                     2);
    json_decref(j);
}

static void
test_names_escaped_and_bounded(void **state)
{
    (void)state;
    memset(cores, 0, sizeof(cores));
    char longest[300];
    memset(longest, 'h', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    publish(&cores[0], 2, (const char *const[]){"we\"ird\\:25", longest}, (const uint64_t[]){1, 2},
            (const uint64_t[]){1, 0});
    json_t *j = stats(1);
    assert_non_null(hop(j, "we\"ird\\:25"));
    json_t *h = json_array_get(json_object_get(json_object_get(j, "total"), "next_hops"), 1);
    /* Cut to what a hop's name can be (DP_DOMAIN_MAX + 8 with its NUL). */
    assert_int_equal(strlen(json_string_value(json_object_get(h, "hop"))),
                     DP_HEALTH_NAME_WORDS * 8 - 1);
    json_decref(j);
    /* No hop tried: an empty list. */
    memset(cores, 0, sizeof(cores));
    j = stats(2);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "total"), "next_hops")), 0);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merged_by_latest_word),
        cmocka_unit_test(test_names_escaped_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

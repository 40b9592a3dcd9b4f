/* SPDX-License-Identifier: Apache-2.0 */
/* dp_connlimit: per-address and per-network connection limits (issue 13
 * defect 3), single-threaded cases and a multi-threaded stress run (also
 * built under ThreadSanitizer, with -DCONNLIMIT_STRESS_ONLY). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CONNLIMIT_STRESS_ONLY
#include <cmocka.h>
#endif

#include "dp_connlimit.h"

static struct io_addr
addr(const char *text)
{
    struct io_addr a;
    if (io_addr_parse(&a, text, strlen(text)) != 0) {
        abort();
    }
    return a;
}

static const struct dp_connlimit_rules rules = {
    .max_per_ip = 3, .max_per_net = 5, .v4_prefix = 24, .v6_prefix = 64};

#define THREADS 4
#define ROUNDS 20000

struct stress {
    struct dp_connlimit *t;
    unsigned id;
    uint32_t over; /* takes that found the address above its limit */
};

/* worker takes and gives connections for a few addresses at random. */
static void *
worker(void *arg)
{
    struct stress *st = arg;
    struct dp_connlimit_ticket held[8];
    int n_held = 0;
    uint32_t x = 0x9e3779b9u * (st->id + 1);
    struct io_addr peers[3] = {addr("192.0.2.7:1"), addr("192.0.2.8:1"), addr("[2001:db8::1]:1")};
    for (int r = 0; r < ROUNDS; r++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (n_held < 8 && (x & 1) == 0) {
            struct dp_connlimit_ticket tk;
            const struct io_addr *p = &peers[(x >> 1) % 3];
            if (dp_connlimit_take(st->t, &tk, p, &rules) == 0) {
                held[n_held++] = tk;
                /* At most one racing taker per other thread may pass. */
                if (dp_connlimit_count(st->t, p, false, &rules) > rules.max_per_ip + THREADS - 1) {
                    st->over++;
                }
            }
        } else if (n_held > 0) {
            dp_connlimit_give(st->t, &held[--n_held]);
        }
    }
    while (n_held > 0) {
        dp_connlimit_give(st->t, &held[--n_held]);
    }
    return NULL;
}

/* stress runs THREADS workers; returns 0 when every count is back to 0 and
 * no limit was exceeded by more than the racing takers. */
static int
stress(void)
{
    struct dp_connlimit *t = NULL;
    if (dp_connlimit_new(&t, 64) != 0) {
        return 1;
    }
    pthread_t th[THREADS];
    struct stress st[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        st[i] = (struct stress){.t = t, .id = i};
        pthread_create(&th[i], NULL, worker, &st[i]);
    }
    uint32_t over = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        over += st[i].over;
    }
    const char *peers[3] = {"192.0.2.7:1", "192.0.2.8:1", "[2001:db8::1]:1"};
    uint32_t left = 0;
    for (int i = 0; i < 3; i++) {
        struct io_addr a = addr(peers[i]);
        left += dp_connlimit_count(t, &a, false, &rules) + dp_connlimit_count(t, &a, true, &rules);
    }
    dp_connlimit_free(t);
    printf("connlimit stress: %u over, %u left\n", over, left);
    return over == 0 && left == 0 ? 0 : 1;
}

#ifdef CONNLIMIT_STRESS_ONLY
int
main(void)
{
    return stress();
}
#else

static void
test_limits(void **state)
{
    (void)state;
    struct dp_connlimit *t = NULL;
    assert_int_equal(dp_connlimit_new(&t, 100), 0);
    struct dp_connlimit_ticket tk[8];
    struct io_addr a = addr("192.0.2.7:1000"), b = addr("192.0.2.8:1000");
    struct io_addr c = addr("192.0.3.8:1"), mapped = addr("[::ffff:192.0.2.7]:5");
    /* Three from one address, the fourth refused. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dp_connlimit_take(t, &tk[i], &a, &rules), 0);
    }
    assert_int_equal(dp_connlimit_take(t, &tk[3], &a, &rules), RL_ELIMIT);
    /* The same address seen through an IPv4-mapped IPv6 socket is the same. */
    assert_int_equal(dp_connlimit_take(t, &tk[3], &mapped, &rules), RL_ELIMIT);
    assert_int_equal(dp_connlimit_count(t, &a, false, &rules), 3);
    /* Another address of the same /24 until the network's 5. */
    assert_int_equal(dp_connlimit_take(t, &tk[3], &b, &rules), 0);
    assert_int_equal(dp_connlimit_take(t, &tk[4], &b, &rules), 0);
    assert_int_equal(dp_connlimit_take(t, &tk[5], &b, &rules), RL_ELIMIT);
    assert_int_equal(dp_connlimit_count(t, &b, true, &rules), 5);
    /* Another /24 is not affected. */
    assert_int_equal(dp_connlimit_take(t, &tk[5], &c, &rules), 0);
    /* Giving back frees a place; a refused take counted nothing. */
    dp_connlimit_give(t, &tk[0]);
    assert_int_equal(dp_connlimit_count(t, &a, false, &rules), 2);
    assert_int_equal(dp_connlimit_count(t, &a, true, &rules), 4);
    assert_int_equal(dp_connlimit_take(t, &tk[0], &b, &rules), 0);
    assert_int_equal(dp_connlimit_count(t, &b, false, &rules), 3);
    dp_connlimit_give(t, &tk[0]);
    dp_connlimit_give(t, &tk[0]); /* cleared: a no-op */
    for (int i = 1; i < 6; i++) {
        dp_connlimit_give(t, &tk[i]);
    }
    assert_int_equal(dp_connlimit_count(t, &a, true, &rules), 0);
    assert_int_equal(dp_connlimit_count(t, &c, false, &rules), 0);
    dp_connlimit_free(t);
    dp_connlimit_free(NULL);
}

static void
test_ipv6_networks_and_no_limit(void **state)
{
    (void)state;
    struct dp_connlimit *t = NULL;
    assert_int_equal(dp_connlimit_new(&t, 100), 0);
    struct dp_connlimit_ticket tk[8];
    /* An IPv6 client with a whole /64 is one network: 5 of its addresses. */
    char text[64];
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof(text), "[2001:db8:1:2::%x]:25", i + 1);
        struct io_addr p = addr(text);
        assert_int_equal(dp_connlimit_take(t, &tk[i], &p, &rules), 0);
    }
    struct io_addr more = addr("[2001:db8:1:2:ffff::9]:25");
    assert_int_equal(dp_connlimit_take(t, &tk[5], &more, &rules), RL_ELIMIT);
    struct io_addr other = addr("[2001:db8:1:3::1]:25");
    assert_int_equal(dp_connlimit_take(t, &tk[5], &other, &rules), 0);
    /* No limits: everything passes and is still counted. */
    struct dp_connlimit_rules none = {.v4_prefix = 24, .v6_prefix = 64};
    struct dp_connlimit_ticket many[100];
    struct io_addr a = addr("198.51.100.1:1");
    for (int i = 0; i < 100; i++) {
        assert_int_equal(dp_connlimit_take(t, &many[i], &a, &none), 0);
    }
    assert_int_equal(dp_connlimit_count(t, &a, false, &none), 100);
    for (int i = 0; i < 100; i++) {
        dp_connlimit_give(t, &many[i]);
    }
    assert_int_equal(dp_connlimit_count(t, &a, false, &none), 0);
    for (int i = 0; i < 6; i++) {
        dp_connlimit_give(t, &tk[i]);
    }
    dp_connlimit_free(t);
}

/* Many distinct clients: every one is counted exactly, none refused by the
 * table itself (at most a quarter full by design). */
static void
test_many_clients(void **state)
{
    (void)state;
    struct dp_connlimit *t = NULL;
    enum { N = 4000 };
    assert_int_equal(dp_connlimit_new(&t, N), 0);
    static struct dp_connlimit_ticket tk[N];
    struct dp_connlimit_rules one = {
        .max_per_ip = 1, .max_per_net = 256, .v4_prefix = 24, .v6_prefix = 64};
    char text[32];
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof(text), "10.%d.%d.%d:1", i / 65536, (i / 256) % 256, i % 256);
        struct io_addr p = addr(text);
        assert_int_equal(dp_connlimit_take(t, &tk[i], &p, &one), 0);
        assert_int_equal(dp_connlimit_take(t, &tk[N - 1], &p, &one), RL_ELIMIT);
    }
    struct io_addr p = addr("10.0.1.1:1");
    assert_int_equal(dp_connlimit_count(t, &p, true, &one), 256);
    for (int i = 0; i < N; i++) {
        dp_connlimit_give(t, &tk[i]);
    }
    assert_int_equal(dp_connlimit_count(t, &p, true, &one), 0);
    dp_connlimit_free(t);
}

static void
test_stress(void **state)
{
    (void)state;
    assert_int_equal(stress(), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_ipv6_networks_and_no_limit),
        cmocka_unit_test(test_many_clients),
        cmocka_unit_test(test_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* rl_span.h against plain loops: every length 0-100 and every position of
 * the octets searched for (rl_dot_line: dots after CR and LF), in random bytes drawn mostly from
 * those octets and their neighbours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rl_span.h"

static size_t
span3_plain(const uint8_t *p, size_t n, uint8_t a, uint8_t b, uint8_t c)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == a || p[i] == b || p[i] == c) {
            return i;
        }
    }
    return n;
}

static size_t
line_start_plain(const uint8_t *p, size_t n, uint8_t lower)
{
    for (size_t i = 1; i < n; i++) {
        if (p[i - 1] == '\n' && (p[i] == lower || p[i] == lower - 32)) {
            return i;
        }
    }
    return n;
}

static size_t
dot_line_plain(const uint8_t *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (p[i] == '.' && (p[i - 1] == '\r' || p[i - 1] == '\n')) {
            return i;
        }
    }
    return n;
}

/* fill writes `n` octets of text with rare CR, LF, NUL, 'c' and 'C'. */
static void
fill(uint8_t *p, size_t n, unsigned *seed)
{
    static const uint8_t rare[] = {'\r', '\n', '\0', 'c', 'C', 'b', '\n', 0x83, 0xe3};
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(seed);
        p[i] = r % 8 == 0 ? rare[(r / 8) % sizeof(rare)] : (uint8_t)('a' + (r / 8) % 26);
    }
}

static void
span3_matches_plain(void **state)
{
    (void)state;
    static uint8_t buf[128];
    unsigned seed = 12;
    for (int round = 0; round < 2000; round++) {
        for (size_t n = 0; n <= 100; n += 1 + (size_t)(round % 3)) {
            size_t off = (size_t)round % 7; /* unaligned starts */
            fill(buf + off, n, &seed);
            assert_int_equal(rl_span3(buf + off, n, '\r', '\n', '\0'),
                             span3_plain(buf + off, n, '\r', '\n', '\0'));
        }
    }
    /* None present; each present alone at every position. */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(rl_span3(buf, 100, '\r', '\n', '\0'), 100);
    for (size_t at = 0; at < 100; at++) {
        for (int k = 0; k < 3; k++) {
            memset(buf, 'x', sizeof(buf));
            buf[at] = (uint8_t) "\r\n"[k];
            assert_int_equal(rl_span3(buf, 100, '\r', '\n', '\0'), at);
            assert_int_equal(rl_span3(buf, at, '\r', '\n', '\0'), at);
        }
    }
}

static void
line_start_matches_plain(void **state)
{
    (void)state;
    static uint8_t buf[128];
    unsigned seed = 7;
    for (int round = 0; round < 2000; round++) {
        for (size_t n = 0; n <= 100; n += 1 + (size_t)(round % 3)) {
            size_t off = (size_t)round % 5;
            fill(buf + off, n, &seed);
            assert_int_equal(rl_line_start(buf + off, n, 'c'), line_start_plain(buf + off, n, 'c'));
        }
    }
    /* A line start at every position, in both cases; a LF before the
     * buffer's start or at its end is no line start inside it. */
    for (size_t at = 1; at < 100; at++) {
        memset(buf, 'x', sizeof(buf));
        buf[at - 1] = '\n';
        buf[at] = at % 2 ? 'c' : 'C';
        assert_int_equal(rl_line_start(buf, 100, 'c'), at);
        assert_int_equal(rl_line_start(buf, at, 'c'), at);
        assert_int_equal(rl_line_start(buf + at, 100 - at, 'c'), 100 - at);
    }
    memcpy(buf, "c\nd\n", 4);
    assert_int_equal(rl_line_start(buf, 4, 'c'), 4);
}

static void
dot_line_matches_plain(void **state)
{
    (void)state;
    static uint8_t buf[128];
    unsigned seed = 5;
    for (int round = 0; round < 2000; round++) {
        for (size_t n = 0; n <= 100; n += 1 + (size_t)(round % 3)) {
            size_t off = (size_t)round % 7;
            fill(buf + off, n, &seed);
            for (size_t i = off; i < off + n; i++) {
                buf[i] = buf[i] == 'c' ? '.' : buf[i]; /* dots as rare as the line ends */
            }
            assert_int_equal(rl_dot_line(buf + off, n), dot_line_plain(buf + off, n));
        }
    }
    /* After CR and after LF at every position; a dot at offset 0 or after
     * any other octet is none. */
    for (size_t at = 1; at < 100; at++) {
        memset(buf, '.', sizeof(buf));
        buf[at - 1] = at % 2 ? '\r' : '\n';
        assert_int_equal(rl_dot_line(buf, 100), at);
        assert_int_equal(rl_dot_line(buf, at), at);
        assert_int_equal(rl_dot_line(buf + at, 100 - at), 100 - at);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(span3_matches_plain),
        cmocka_unit_test(line_start_matches_plain),
        cmocka_unit_test(dot_line_matches_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

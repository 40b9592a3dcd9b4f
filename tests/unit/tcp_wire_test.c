/* SPDX-License-Identifier: Apache-2.0 */
/* tcp_wire_sum (the Internet checksum, RFC 1071) against the plain sum of
 * big-endian 16-bit words: every length 0-300 at every start offset 0-15,
 * lengths up to a jumbo frame and past 512 KiB (where the lanes are emptied),
 * sums carried in, and the all-ones data that carries the most. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_wire.h"

static uint32_t
sum_plain(uint32_t sum, const uint8_t *p, size_t len)
{
    uint64_t s = sum;
    for (size_t i = 0; i + 1 < len; i += 2) {
        s += (uint32_t)p[i] << 8 | p[i + 1];
    }
    if (len % 2) {
        s += (uint32_t)p[len - 1] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffffu) + (s >> 16);
    }
    return (uint32_t)s;
}

static void
sum_matches_plain(void **state)
{
    (void)state;
    static uint8_t buf[9100];
    unsigned seed = 3;
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)rand_r(&seed);
    }
    for (size_t off = 0; off < 16; off++) {
        for (size_t n = 0; n <= 300; n++) {
            uint32_t in = n % 3 == 0 ? 0 : (uint32_t)rand_r(&seed) % 0x20000u;
            assert_int_equal(tcp_wire_sum(in, buf + off, n), sum_plain(in, buf + off, n));
        }
    }
    for (size_t n = 300; n <= 9000; n += 61) {
        assert_int_equal(tcp_wire_sum(0, buf + 1, n), sum_plain(0, buf + 1, n));
    }
    /* All ones: every lane and every fold carries. */
    memset(buf, 0xff, sizeof(buf));
    for (size_t n = 0; n <= sizeof(buf); n += 97) {
        assert_int_equal(tcp_wire_sum(0xffff, buf, n), sum_plain(0xffff, buf, n));
    }
    /* Past the 2^13 64-octet turns after which the lanes are emptied
     * (512 KiB), all ones and random, at odd lengths and offsets. */
    size_t big_len = 3 * 524288 + 131;
    uint8_t *big = malloc(big_len + 1);
    assert_non_null(big);
    memset(big, 0xff, big_len + 1);
    for (size_t n = 524288 - 64; n <= big_len; n += 524288 - 61) {
        assert_int_equal(tcp_wire_sum(0x7fffffffu, big + 1, n), sum_plain(0x7fffffffu, big + 1, n));
    }
    for (size_t i = 0; i <= big_len; i++) {
        big[i] = (uint8_t)rand_r(&seed);
    }
    assert_int_equal(tcp_wire_sum(0, big, big_len), sum_plain(0, big, big_len));
    assert_int_equal(tcp_wire_sum(0, big + 1, big_len), sum_plain(0, big + 1, big_len));
    free(big);
    /* A header with its checksum in place sums to 0xffff (folds to 0). */
    static const uint8_t ip[20] = {0x45, 0,    0,    0x73, 0, 0, 0x40, 0,    0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0,    0xc7};
    assert_int_equal(tcp_wire_fold(tcp_wire_sum(0, ip, sizeof(ip))), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sum_matches_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

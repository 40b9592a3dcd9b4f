/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot frame's header: round trip, every refusal, the digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dp_push.h"

static void
test_round_trip(void **state)
{
    (void)state;
    const uint8_t json[] = "{\"routes\":[]}", blob[] = {0, 1, 2, 3, 255};
    struct dp_push_header h = {.version = 42};
    dp_push_seal(&h, json, sizeof(json) - 1, blob, sizeof(blob));
    char line[DP_PUSH_HEADER_MAX];
    size_t n = dp_push_header_format(line, sizeof(line), &h);
    assert_true(n > 0 && line[n - 1] == '\n');
    struct dp_push_header got;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(dp_push_header_parse(&got, &d, line, n), 0);
    assert_int_equal(got.version, 42);
    assert_int_equal(got.json_len, sizeof(json) - 1);
    assert_int_equal(got.blob_len, sizeof(blob));
    assert_memory_equal(got.sha256, h.sha256, 32);
    assert_int_equal(dp_push_check(&got, &d, json, sizeof(json) - 1, blob, sizeof(blob)), 0);
    uint8_t bad[sizeof(blob)];
    memcpy(bad, blob, sizeof(blob));
    bad[4] ^= 1;
    assert_int_equal(dp_push_check(&got, &d, json, sizeof(json) - 1, bad, sizeof(bad)), RL_EVERIFY);
    assert_int_equal(dp_push_check(&got, &d, json, sizeof(json) - 2, blob, sizeof(blob)),
                     RL_EVERIFY);
    assert_non_null(strstr(d.reason, "cut short"));
}

static void
test_refusals(void **state)
{
    (void)state;
    static const char hex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char ok[200];
    snprintf(ok, sizeof(ok), "redline-snapshot 1 7 10 20 %s\n", hex);
    struct dp_push_header h;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(dp_push_header_parse(&h, &d, ok, strlen(ok)), 0);
    static const char *const bad[] = {
        "redline-snapshot 2 7 10 20 ",
        "redline-snapshot 1 0 10 20 ",
        "redline-snapshot 1 07 10 20 ",
        "redline-snapshot 1 -7 10 20 ",
        "redline-snapshot 1 7 10 ",
        "redline-snapshot 1 7  10 20 ",
        "redline-snapshot 1 7 99999999999 20 ",
        "redline-snapshot 1 99999999999999999999 10 20 ",
        "garbage ",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[200];
        snprintf(line, sizeof(line), "%s%s\n", bad[i], hex);
        d.reason[0] = '\0';
        assert_int_not_equal(dp_push_header_parse(&h, &d, line, strlen(line)), 0);
        assert_true(d.reason[0] != '\0');
    }
    char upper[200];
    snprintf(upper, sizeof(upper), "redline-snapshot 1 7 10 20 %.63sA\n", hex);
    assert_int_equal(dp_push_header_parse(&h, &d, upper, strlen(upper)), RL_ESYNTAX);
    snprintf(upper, sizeof(upper), "redline-snapshot 1 7 10 20 %s0\n", hex);
    assert_int_equal(dp_push_header_parse(&h, &d, upper, strlen(upper)), RL_ESYNTAX);
    char longline[300];
    memset(longline, '1', sizeof(longline));
    assert_int_equal(dp_push_header_parse(&h, &d, longline, sizeof(longline)), RL_ELIMIT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 6125 name checks of outbound verify ca, end to end: a server
 * certificate with the presented identifier under test, a client profile
 * with the reference names, a full in-memory handshake. Wildcards only as
 * the whole left-most label; CN only without any dNSName; no whitespace;
 * case-insensitive; A-labels as they are. Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tls_fixture.h"

/* check runs a mandatory verify-ca handshake against certificate `c` with
 * the reference names `names` (NULL-terminated; none: `host` is the name).
 * Returns true when the client accepted the certificate. */
static bool
check(enum fx_cert c, const char *const *names, const char *host)
{
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, c);
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, NULL);
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        snprintf(cp.names[i], sizeof(cp.names[i]), "%s", names[i]);
        cp.n_names++;
    }
    struct tls_server *srv = fx_server(&sp, 0);
    struct tls_client *cli = fx_client(&cp);
    struct tls_conn *cl;
    struct tls_conn *sv;
    int crc;
    int src;
    fx_pair(cli, srv, NULL, host, &cl, &sv, &crc, &src);
    bool ok = crc == 0;
    if (!ok) {
        /* A refusal is a name refusal, never another cause. */
        assert_string_equal(tls_conn_reason(cl), "certificate verify failed: hostname mismatch");
    } else {
        assert_true(tls_conn_verified(cl));
    }
    tls_conn_free(cl);
    tls_conn_free(sv);
    tls_client_free(cli);
    tls_server_free(srv);
    return ok;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
test_exact(void **state)
{
    (void)state;
    assert_true(check(FX_GOOD, NAMES("mx.example.test"), NULL));
    assert_false(check(FX_GOOD, NAMES("mx2.example.test"), NULL));
    assert_false(check(FX_GOOD, NAMES("example.test"), NULL));
    assert_false(check(FX_GOOD, NAMES("x.mx.example.test"), NULL));
    assert_false(check(FX_GOOD, NAMES("mx.example.tes"), NULL));
}

static void
test_any_of_the_list(void **state)
{
    (void)state;
    assert_true(check(FX_GOOD, NAMES("other.example.test", "mx.example.test"), NULL));
    assert_false(check(FX_GOOD, NAMES("other.example.test", "mx.example.org"), NULL));
}

static void
test_wildcard_left_most_label(void **state)
{
    (void)state;
    assert_true(check(FX_WILD, NAMES("a.example.test"), NULL));
    assert_true(check(FX_WILD, NAMES("mx-1.example.test"), NULL));
    assert_false(check(FX_WILD, NAMES("a.b.example.test"), NULL)); /* one label only */
    assert_false(check(FX_WILD, NAMES("example.test"), NULL));     /* not the parent */
    assert_false(check(FX_WILD, NAMES("a.example.org"), NULL));
}

static void
test_partial_wildcard_refused(void **state)
{
    (void)state;
    assert_false(check(FX_PARTIAL, NAMES("foo.example.test"), NULL));
    assert_false(check(FX_PARTIAL, NAMES("f.example.test"), NULL));
    assert_false(check(FX_MIDDLE, NAMES("a.b.example.test"), NULL)); /* not left-most */
}

static void
test_whitespace_never_matches(void **state)
{
    (void)state;
    assert_false(check(FX_SPACE, NAMES("mx.example.test"), NULL));
}

static void
test_cn_only_without_san(void **state)
{
    (void)state;
    assert_true(check(FX_CN_ONLY, NAMES("mx.example.test"), NULL));
    /* A dNSName present: the CN is not looked at (RFC 6125 6.4.4). */
    assert_false(check(FX_CN_AND_SAN, NAMES("mx.example.test"), NULL));
    assert_true(check(FX_CN_AND_SAN, NAMES("wrong.example.test"), NULL));
}

static void
test_case_and_alabels(void **state)
{
    (void)state;
    assert_true(check(FX_UPPER, NAMES("mx.example.test"), NULL));
    assert_true(check(FX_ALABEL, NAMES("xn--bcher-kva.example.test"), NULL));
    assert_false(check(FX_ALABEL, NAMES("bcher-kva.example.test"), NULL));
}

static void
test_host_when_no_names(void **state)
{
    (void)state;
    assert_true(check(FX_GOOD, NULL, "mx.example.test"));
    assert_true(check(FX_GOOD, NULL, "MX.example.test"));
    assert_false(check(FX_GOOD, NULL, "wrong.example.test"));
    assert_true(check(FX_WILD, NULL, "a.example.test"));
    assert_false(check(FX_WILD, NULL, "example.test"));
    /* Names of the profile win over the host. */
    assert_false(check(FX_GOOD, NAMES("wrong.example.test"), "mx.example.test"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_any_of_the_list),
        cmocka_unit_test(test_wildcard_left_most_label),
        cmocka_unit_test(test_partial_wildcard_refused),
        cmocka_unit_test(test_whitespace_never_matches),
        cmocka_unit_test(test_cn_only_without_san),
        cmocka_unit_test(test_case_and_alabels),
        cmocka_unit_test(test_host_when_no_names),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

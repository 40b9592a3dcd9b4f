/* SPDX-License-Identifier: Apache-2.0 */
/* Session resumption and the server's context lifecycle: tickets (TLS 1.3
 * and 1.2), the client's cache per next hop, ticket-key rotation by tick
 * (accepted within the window, refused after), the same secret on two
 * workers, reload of certificate and key while connections are open.
 * Single-threaded cmocka runner; certificates from tls_fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "tls_fixture.h"

/* connect_once runs one handshake of `cli` (hop) against `srv`; returns
 * whether it resumed, and fails the test if it did not succeed. */
static bool
connect_once(struct tls_client *cli, struct tls_server *srv, const char *hop)
{
    struct tls_conn *cl;
    struct tls_conn *sv;
    int crc;
    int src;
    fx_pair(cli, srv, hop, "mx.example.test", &cl, &sv, &crc, &src);
    assert_int_equal(crc, 0);
    assert_int_equal(src, 0);
    bool resumed = tls_conn_resumed(cl);
    assert_int_equal(resumed, tls_conn_resumed(sv));
    /* A resumed session keeps the verification of the full handshake. */
    assert_true(tls_conn_verified(cl));
    tls_conn_free(cl);
    tls_conn_free(sv);
    return resumed;
}

static struct tls_client *
client(int max_version)
{
    struct tls_profile cp;
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    cp.max_version = max_version;
    return fx_client(&cp);
}

static struct tls_server *
server(uint32_t rotate_s, uint32_t keys, const uint8_t *secret, uint64_t now_s)
{
    struct tls_profile sp;
    fx_server_profile(&sp, FX_GOOD);
    sp.ticket_rotate_s = rotate_s;
    sp.ticket_keys = keys;
    struct tls_server *srv = NULL;
    struct rl_diag d;
    assert_int_equal(tls_server_new(&srv, &d, &sp, secret, now_s), 0);
    return srv;
}

static void
resumes(int max_version)
{
    struct tls_client *cli = client(max_version);
    struct tls_server *srv = server(3600, 3, NULL, 1000);
    assert_false(connect_once(cli, srv, "mx:25"));
    assert_true(connect_once(cli, srv, "mx:25"));
    assert_true(connect_once(cli, srv, "mx:25")); /* the resumed connection brought a new ticket */
    assert_false(connect_once(cli, srv, "other:25")); /* per next hop */
    assert_false(connect_once(cli, srv, NULL));       /* no hop: no cache */
    assert_true(connect_once(cli, srv, "other:25"));
    tls_client_forget(cli, "other:25");
    assert_false(connect_once(cli, srv, "other:25"));
    tls_client_forget(cli, "nothing-kept");
    tls_client_free(cli);
    tls_server_free(srv);
}

static void
test_resume_tls13(void **state)
{
    (void)state;
    resumes(0);
}

static void
test_resume_tls12(void **state)
{
    (void)state;
    resumes(TLS1_2_VERSION);
}

static void
test_tickets_off(void **state)
{
    (void)state;
    struct tls_client *cli = client(0);
    struct tls_server *srv = server(0, 1, NULL, 1000);
    assert_false(connect_once(cli, srv, "mx:25"));
    assert_false(connect_once(cli, srv, "mx:25"));
    tls_client_free(cli);
    tls_server_free(srv);
}

static void
rotation(int max_version)
{
    /* 10-second epochs, 2 keys: a ticket of epoch E works until epoch E+1 ends. */
    struct tls_server *srv = server(10, 2, NULL, 100); /* epoch 10 */
    struct tls_client *a = client(max_version);
    struct tls_client *b = client(max_version);
    assert_false(connect_once(a, srv, "mx:25")); /* a holds an epoch-10 ticket */
    assert_false(connect_once(b, srv, "mx:25")); /* so does b */

    tls_server_tick(srv, 115);                  /* epoch 11: the epoch-10 key still decrypts */
    assert_true(connect_once(a, srv, "mx:25")); /* and a gets an epoch-11 ticket */

    tls_server_tick(srv, 125); /* epoch 12: epoch 10 retired */
    assert_false(connect_once(b, srv, "mx:25"));
    assert_true(connect_once(a, srv, "mx:25")); /* epoch 11 is still in the window */

    tls_server_tick(srv, 50); /* a clock going back changes nothing */
    assert_true(connect_once(a, srv, "mx:25"));

    tls_server_tick(srv, 1000); /* far ahead: every old key is gone */
    assert_false(connect_once(a, srv, "mx:25"));
    assert_false(connect_once(b, srv, "mx:25"));
    tls_client_free(a);
    tls_client_free(b);
    tls_server_free(srv);
}

static void
test_rotation_tls13(void **state)
{
    (void)state;
    rotation(0);
}

static void
test_rotation_tls12(void **state)
{
    (void)state;
    rotation(TLS1_2_VERSION);
}

static void
test_secret_shared_by_workers(void **state)
{
    (void)state;
    uint8_t secret[TLS_TICKET_SECRET_LEN];
    uint8_t other[TLS_TICKET_SECRET_LEN];
    memset(secret, 0x5a, sizeof(secret));
    memset(other, 0xa5, sizeof(other));
    struct tls_server *w0 = server(3600, 2, secret, 7200);
    struct tls_server *w1 = server(3600, 2, secret, 7205);
    struct tls_server *w2 = server(3600, 2, other, 7200);
    struct tls_server *w3 = server(3600, 2, NULL, 7200);
    struct tls_client *cli = client(0);
    assert_false(connect_once(cli, w0, "mx:25"));
    assert_true(connect_once(cli, w1, "mx:25"));  /* another worker, same secret */
    assert_false(connect_once(cli, w2, "mx:25")); /* another secret */
    assert_false(connect_once(cli, w3, "mx:25")); /* a random one */
    tls_client_free(cli);
    tls_server_free(w0);
    tls_server_free(w1);
    tls_server_free(w2);
    tls_server_free(w3);
}

static void
digest_of(struct tls_conn *cl, uint8_t out[32])
{
    assert_int_equal(tls_conn_peer_digest(cl, out, TLS_DIGEST_CERT), 0);
}

static void
cert_digest(enum fx_cert c, uint8_t out[32])
{
    unsigned int n = 0;
    assert_int_equal(X509_digest(fx_cert(c)->cert, EVP_sha256(), out, &n), 1);
}

/* copy_file replaces `to` with the bytes of `from` (a certificate rollover
 * done by the administrator). */
static void
copy_file(const char *from, const char *to)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static void
test_reload(void **state)
{
    (void)state;
    char crt[256];
    char key[256];
    snprintf(crt, sizeof(crt), "%s/reload.crt", fx_dir());
    snprintf(key, sizeof(key), "%s/reload.key", fx_dir());
    copy_file(fx_cert_path(FX_GOOD), crt);
    copy_file(fx_key_path(FX_GOOD), key);
    struct tls_profile sp;
    fx_server_profile(&sp, FX_GOOD);
    snprintf(sp.cert_file, sizeof(sp.cert_file), "%s", crt);
    snprintf(sp.key_file, sizeof(sp.key_file), "%s", key);
    struct tls_server *srv = fx_server(&sp, 1000);
    struct tls_client *cli = client(0);
    assert_false(connect_once(cli, srv, "mx:25")); /* a ticket from before the reload */

    /* A handshake in flight: ClientHello in, the server's flight out. */
    struct tls_conn *cl;
    struct tls_conn *old;
    assert_int_equal(tls_conn_connect(&cl, cli, NULL, "mx.example.test"), 0);
    assert_int_equal(tls_conn_accept(&old, srv), 0);
    assert_int_equal(tls_conn_handshake(cl), RL_EAGAIN);
    fx_move(cl, old);
    assert_int_equal(tls_conn_handshake(old), RL_EAGAIN);

    /* The administrator installs the RSA certificate; a bad key is refused
     * and changes nothing. */
    copy_file(fx_cert_path(FX_GOOD_RSA), crt);
    copy_file(fx_key_path(FX_GOOD), key);
    struct tls_server *next = NULL;
    struct rl_diag d;
    assert_int_equal(tls_server_reload(&next, &d, srv, 1001), RL_EINVAL);
    assert_string_equal(d.field, "tls_profiles.in.key");
    assert_null(next);
    copy_file(fx_key_path(FX_GOOD_RSA), key);
    assert_int_equal(tls_server_reload(&next, &d, srv, 1001), 0);
    assert_string_equal(tls_server_profile(next)->cert_file, crt);
    tls_server_free(srv); /* the worker swaps; the connection keeps the old context */
    srv = next;

    int crc;
    int src;
    uint8_t got[32];
    uint8_t want[32];
    fx_handshake(cl, old, 0, &crc, &src);
    assert_int_equal(crc, 0);
    assert_int_equal(src, 0);
    digest_of(cl, got);
    cert_digest(FX_GOOD, want);
    assert_memory_equal(got, want, 32);
    tls_conn_free(cl);
    tls_conn_free(old); /* the last reference to the old context */

    struct tls_conn *sv;
    fx_pair(cli, srv, NULL, "mx.example.test", &cl, &sv, &crc, &src);
    assert_int_equal(crc, 0);
    digest_of(cl, got);
    cert_digest(FX_GOOD_RSA, want);
    assert_memory_equal(got, want, 32);
    tls_conn_free(cl);
    tls_conn_free(sv);

    assert_true(connect_once(cli, srv, "mx:25")); /* tickets survive the reload */
    tls_client_free(cli);
    tls_server_free(srv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_tls13),   cmocka_unit_test(test_resume_tls12),
        cmocka_unit_test(test_tickets_off),    cmocka_unit_test(test_rotation_tls13),
        cmocka_unit_test(test_rotation_tls12), cmocka_unit_test(test_secret_shared_by_workers),
        cmocka_unit_test(test_reload),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

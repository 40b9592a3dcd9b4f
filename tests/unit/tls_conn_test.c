/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tls_conn.c, tls_server.c, tls_client.c and tls_verify.c:
 * full in-memory handshakes between a client and a server object for every
 * mode and verification, ECDSA and RSA certificates, data both ways,
 * close_notify and truncation, and every refusal with its precise reason.
 * Single-threaded cmocka runner; certificates made at start (tls_fixture). */
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

/* One client/server pair over the fixture's certificates. */
struct run {
    struct tls_server *srv;
    struct tls_client *cli;
    struct tls_conn *cl;
    struct tls_conn *sv;
    int crc; /* the client's last handshake result */
    int src; /* the server's */
};

static void
run_start(struct run *r, const struct tls_profile *sp, const struct tls_profile *cp,
          const char *host)
{
    memset(r, 0, sizeof(*r));
    r->srv = fx_server(sp, 1000);
    r->cli = fx_client(cp);
    fx_pair(r->cli, r->srv, NULL, host, &r->cl, &r->sv, &r->crc, &r->src);
}

static void
run_end(struct run *r)
{
    tls_conn_free(r->cl);
    tls_conn_free(r->sv);
    tls_client_free(r->cli);
    tls_server_free(r->srv);
}

/* handshake runs server certificate `c` against a client profile. */
static void
handshake(struct run *r, enum fx_cert c, enum tls_mode mode, enum tls_verify verify,
          const char *name)
{
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, c);
    fx_client_profile(&cp, mode, verify, name);
    run_start(r, &sp, &cp, "mx.example.test");
}

static void
expect_refused(struct run *r, const char *reason)
{
    assert_int_equal(r->crc, RL_ETLS);
    assert_int_equal(tls_conn_failure(r->cl), TLS_FAIL_CERT_VERIFY);
    assert_string_equal(tls_conn_reason(r->cl), reason);
    /* The server learns it from our alert. */
    assert_int_equal(r->src, RL_ETLS);
    assert_int_equal(tls_conn_failure(r->sv), TLS_FAIL_PEER_ALERT);
    assert_non_null(strstr(tls_conn_reason(r->sv), "peer alert: "));
    assert_false(tls_conn_done(r->cl));
}

/* ---- success ------------------------------------------------------------ */

static void
test_ecdsa_mandatory_ca(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    assert_int_equal(r.crc, 0);
    assert_int_equal(r.src, 0);
    assert_true(tls_conn_done(r.cl) && tls_conn_done(r.sv));
    assert_string_equal(tls_conn_protocol(r.cl), "TLSv1.3");
    assert_string_equal(tls_conn_protocol(r.sv), "TLSv1.3");
    assert_string_equal(tls_conn_cipher(r.cl), "TLS_AES_128_GCM_SHA256");
    assert_true(tls_conn_verified(r.cl));
    assert_string_equal(tls_conn_verify_reason(r.cl), "");
    assert_false(tls_conn_verified(r.sv)); /* no client certificate asked for */
    assert_false(tls_conn_resumed(r.cl));
    assert_int_equal(tls_conn_failure(r.cl), TLS_FAIL_NONE);
    assert_string_equal(tls_conn_reason(r.cl), "");

    char subject[256];
    assert_int_equal(tls_conn_peer_subject(r.cl, subject, sizeof(subject)), 0);
    assert_string_equal(subject, "CN=mx.example.test");
    assert_int_equal(tls_conn_peer_subject(r.sv, subject, sizeof(subject)), RL_EINVAL);
    assert_string_equal(subject, "");

    uint8_t got[32];
    uint8_t want[32];
    unsigned int n = 0;
    assert_int_equal(tls_conn_peer_digest(r.cl, got, TLS_DIGEST_CERT), 0);
    assert_int_equal(X509_digest(fx_cert(FX_GOOD)->cert, EVP_sha256(), want, &n), 1);
    assert_memory_equal(got, want, 32);
    struct tls_profile pin;
    fx_client_profile(&pin, TLS_MODE_MANDATORY, TLS_VERIFY_PIN, NULL);
    assert_int_equal(tls_conn_peer_digest(r.cl, got, TLS_DIGEST_SPKI), 0);
    assert_memory_equal(got, pin.pins[0], 32);
    assert_int_equal(tls_conn_peer_digest(r.sv, got, TLS_DIGEST_CERT), RL_EINVAL);
    run_end(&r);
}

static void
test_rsa_tls12(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD_RSA);
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    cp.max_version = TLS1_2_VERSION;
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.crc, 0);
    assert_int_equal(r.src, 0);
    assert_string_equal(tls_conn_protocol(r.cl), "TLSv1.2");
    assert_string_equal(tls_conn_cipher(r.sv), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_true(tls_conn_verified(r.cl));
    run_end(&r);
}

static void
test_rsa_tls13(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD_RSA, TLS_MODE_MANDATORY, TLS_VERIFY_CA, NULL); /* host as name */
    assert_int_equal(r.crc, 0);
    assert_true(tls_conn_verified(r.cl));
    assert_string_equal(tls_conn_protocol(r.cl), "TLSv1.3");
    run_end(&r);
}

static void
test_dual_certificates(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    uint8_t got[32];
    uint8_t want[32];
    unsigned int n = 0;
    fx_server_profile(&sp, FX_GOOD);
    snprintf(sp.cert2_file, sizeof(sp.cert2_file), "%s", fx_cert_path(FX_GOOD_RSA));
    snprintf(sp.key2_file, sizeof(sp.key2_file), "%s", fx_key_path(FX_GOOD_RSA));
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.crc, 0);
    assert_int_equal(tls_conn_peer_digest(r.cl, got, TLS_DIGEST_CERT), 0);
    assert_int_equal(X509_digest(fx_cert(FX_GOOD)->cert, EVP_sha256(), want, &n), 1);
    assert_memory_equal(got, want, 32); /* ECDSA when the client takes it */
    run_end(&r);

    cp.max_version = TLS1_2_VERSION;
    snprintf(cp.ciphers, sizeof(cp.ciphers), "ECDHE-RSA-AES128-GCM-SHA256");
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.crc, 0);
    assert_int_equal(tls_conn_peer_digest(r.cl, got, TLS_DIGEST_CERT), 0);
    assert_int_equal(X509_digest(fx_cert(FX_GOOD_RSA)->cert, EVP_sha256(), want, &n), 1);
    assert_memory_equal(got, want, 32); /* RSA for a client that only does RSA */
    run_end(&r);
}

static void
test_split_at_every_octet(void **state)
{
    (void)state;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD);
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    struct tls_server *srv = fx_server(&sp, 1000);
    struct tls_client *cli = fx_client(&cp);
    static const size_t steps[] = {1, 2, 3, 7, 100, 1000};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct tls_conn *cl;
        struct tls_conn *sv;
        int crc;
        int src;
        assert_int_equal(tls_conn_connect(&cl, cli, NULL, NULL), 0);
        assert_int_equal(tls_conn_accept(&sv, srv), 0);
        fx_handshake(cl, sv, steps[i], &crc, &src);
        assert_int_equal(crc, 0);
        assert_int_equal(src, 0);
        assert_true(tls_conn_verified(cl));
        tls_conn_free(cl);
        tls_conn_free(sv);
    }
    tls_client_free(cli);
    tls_server_free(srv);
}

/* read_all moves `from`'s output to `to` and reads what arrived. */
static size_t
read_all(struct tls_conn *from, struct tls_conn *to, uint8_t *buf, size_t cap, int *out_rc)
{
    size_t got = 0;
    int rc = RL_EAGAIN;
    for (int i = 0; i < 1000 && got < cap; i++) {
        size_t moved = fx_move(from, to);
        size_t n = 0;
        rc = tls_conn_read(to, &n, buf + got, cap - got);
        got += n;
        if (rc != 0 || (n == 0 && moved == 0)) {
            break;
        }
    }
    *out_rc = rc;
    return got;
}

static void
test_data_and_close_notify(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    assert_int_equal(r.crc, 0);

    /* 100 KB from client to server crosses several records and a full pair. */
    size_t total = 100 * 1000;
    uint8_t *msg = malloc(total);
    uint8_t *got = malloc(total);
    for (size_t i = 0; i < total; i++) {
        msg[i] = (uint8_t)(i * 7);
    }
    size_t sent = 0;
    size_t recvd = 0;
    int rc = 0;
    bool blocked = false;
    while (recvd < total) {
        size_t n = 0;
        if (sent < total) {
            rc = tls_conn_write(r.cl, &n, msg + sent, total - sent);
            assert_true(rc == 0 || rc == RL_EAGAIN);
            /* A full output buffer, not the peer, is what a write waits for. */
            assert_true(rc == 0 || tls_conn_want(r.cl) == TLS_WANT_OUTPUT);
            blocked = blocked || rc == RL_EAGAIN;
            sent += n;
            if (rc == 0 && sent < total) {
                continue; /* write until the output is full, then let it go */
            }
        }
        recvd += read_all(r.cl, r.sv, got + recvd, total - recvd, &rc);
        assert_true(rc == 0 || rc == RL_EAGAIN);
    }
    assert_memory_equal(got, msg, total);
    assert_true(blocked);
    size_t n = 0;
    uint8_t one[1];
    assert_int_equal(tls_conn_read(r.sv, &n, one, 1), RL_EAGAIN);
    assert_int_equal(tls_conn_want(r.sv), TLS_WANT_INPUT); /* all read: the peer is next */

    assert_int_equal(tls_conn_write(r.sv, &n, (const uint8_t *)"220 ready\r\n", 11), 0);
    assert_int_equal(n, 11);
    uint8_t line[32];
    assert_int_equal(read_all(r.sv, r.cl, line, sizeof(line), &rc), 11);
    assert_memory_equal(line, "220 ready\r\n", 11);

    /* Client closes first; server sees end of stream, then answers. */
    assert_int_equal(tls_conn_shutdown(r.cl), RL_EAGAIN);
    assert_int_equal(read_all(r.cl, r.sv, line, sizeof(line), &rc), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(tls_conn_read(r.sv, &n, line, sizeof(line)), 0);
    assert_int_equal(n, 0);
    assert_int_equal(tls_conn_shutdown(r.sv), 0);
    fx_move(r.sv, r.cl);
    assert_int_equal(tls_conn_shutdown(r.cl), 0);
    assert_int_equal(tls_conn_failure(r.cl), TLS_FAIL_NONE);
    free(msg);
    free(got);
    run_end(&r);
}

static void
test_opportunistic_records_failure(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_WRONG, TLS_MODE_OPPORTUNISTIC, TLS_VERIFY_CA, "mx.example.test");
    assert_int_equal(r.crc, 0);
    assert_int_equal(r.src, 0);
    assert_false(tls_conn_verified(r.cl));
    assert_string_equal(tls_conn_verify_reason(r.cl),
                        "certificate verify failed: hostname mismatch");
    assert_string_equal(tls_conn_reason(r.cl), "");
    run_end(&r);

    handshake(&r, FX_SELF, TLS_MODE_OPPORTUNISTIC, TLS_VERIFY_PIN, NULL);
    assert_int_equal(r.crc, 0);
    assert_false(tls_conn_verified(r.cl));
    assert_string_equal(tls_conn_verify_reason(r.cl),
                        "certificate verify failed: public key matches no pinned fingerprint");
    run_end(&r);
}

static void
test_verify_none(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_SELF, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    assert_int_equal(r.crc, 0);
    assert_false(tls_conn_verified(r.cl)); /* encrypted, not authenticated */
    assert_string_equal(tls_conn_verify_reason(r.cl), "");
    char subject[64];
    assert_int_equal(tls_conn_peer_subject(r.cl, subject, sizeof(subject)), 0);
    assert_string_equal(subject, "CN=mx.example.test");
    run_end(&r);
}

static void
test_opportunistic_without_check(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_EXPIRED, TLS_MODE_OPPORTUNISTIC, TLS_VERIFY_NONE, NULL);
    assert_int_equal(r.crc, 0);
    assert_int_equal(r.src, 0);
    assert_false(tls_conn_verified(r.cl));
    assert_string_equal(tls_conn_verify_reason(r.cl), "");
    assert_int_equal(tls_client_profile(r.cli)->mode, TLS_MODE_OPPORTUNISTIC);
    assert_string_equal(tls_client_profile(r.cli)->name, "out");
    run_end(&r);
}

static void
test_pin_match(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD, TLS_MODE_MANDATORY, TLS_VERIFY_PIN, NULL);
    assert_int_equal(r.crc, 0);
    assert_true(tls_conn_verified(r.cl));
    run_end(&r);
}

/* ---- refusals ----------------------------------------------------------- */

static void
test_hostname_mismatch(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_WRONG, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    expect_refused(&r, "certificate verify failed: hostname mismatch");
    run_end(&r);
}

static void
test_host_mismatch_without_names(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD);
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, NULL);
    run_start(&r, &sp, &cp, "other.example.test");
    expect_refused(&r, "certificate verify failed: hostname mismatch");
    run_end(&r);
}

static void
test_expired(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_EXPIRED, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    expect_refused(&r, "certificate verify failed: certificate has expired");
    run_end(&r);
}

static void
test_self_signed(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_SELF, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    expect_refused(&r, "certificate verify failed: self-signed certificate");
    run_end(&r);
}

static void
test_untrusted_issuer(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_OTHER_CA, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    expect_refused(&r, "certificate verify failed: unable to get local issuer certificate");
    run_end(&r);
}

static void
test_pin_mismatch(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD_RSA, TLS_MODE_MANDATORY, TLS_VERIFY_PIN, NULL);
    expect_refused(&r, "certificate verify failed: public key matches no pinned fingerprint");
    run_end(&r);
}

static void
test_min_version_refused(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD); /* default minimum: TLS 1.2 */
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    cp.min_version = TLS1_VERSION;
    cp.max_version = TLS1_1_VERSION;
    snprintf(cp.ciphers, sizeof(cp.ciphers), "DEFAULT:@SECLEVEL=0"); /* let the client offer 1.1 */
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.src, RL_ETLS);
    assert_int_equal(tls_conn_failure(r.sv), TLS_FAIL_PROTOCOL_VERSION);
    assert_string_equal(tls_conn_reason(r.sv), "protocol version: unsupported protocol");
    assert_int_equal(r.crc, RL_ETLS);
    assert_int_equal(tls_conn_failure(r.cl), TLS_FAIL_PROTOCOL_VERSION);
    assert_string_equal(tls_conn_reason(r.cl), "protocol version: tlsv1 alert protocol version");
    assert_string_equal(tls_fail_name(tls_conn_failure(r.sv)), "protocol_version");
    assert_string_equal(tls_fail_name(TLS_FAIL_CERT_VERIFY), "cert_verify");
    assert_string_equal(tls_fail_name(TLS_FAIL__COUNT), "unknown");
    run_end(&r);
}

static void
test_no_shared_cipher(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD);
    snprintf(sp.ciphersuites, sizeof(sp.ciphersuites), "TLS_AES_256_GCM_SHA384");
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    snprintf(cp.ciphersuites, sizeof(cp.ciphersuites), "TLS_CHACHA20_POLY1305_SHA256");
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.src, RL_ETLS);
    assert_int_equal(tls_conn_failure(r.sv), TLS_FAIL_NO_SHARED_CIPHER);
    assert_string_equal(tls_conn_reason(r.sv), "no shared cipher: no shared cipher");
    assert_int_equal(tls_conn_failure(r.cl), TLS_FAIL_PEER_ALERT);
    run_end(&r);
}

static void
test_client_cert_required(void **state)
{
    (void)state;
    struct run r;
    struct tls_profile sp;
    struct tls_profile cp;
    fx_server_profile(&sp, FX_GOOD);
    sp.client_cert = TLS_CLIENT_CERT_REQUIRE;
    snprintf(sp.ca_file, sizeof(sp.ca_file), "%s", fx_cert_path(FX_CA));
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.src, RL_ETLS);
    assert_int_equal(tls_conn_failure(r.sv), TLS_FAIL_NO_PEER_CERT);
    assert_string_equal(tls_conn_reason(r.sv),
                        "no peer certificate: peer did not return a certificate");
    run_end(&r);

    /* Requested only: the handshake goes on, the absence is recorded. */
    sp.client_cert = TLS_CLIENT_CERT_REQUEST;
    run_start(&r, &sp, &cp, NULL);
    assert_int_equal(r.src, 0);
    assert_int_equal(r.crc, 0);
    assert_false(tls_conn_verified(r.sv));
    assert_string_equal(tls_conn_verify_reason(r.sv),
                        "certificate verify failed: no peer certificate");
    run_end(&r);
}

static void
test_garbage_to_server(void **state)
{
    (void)state;
    struct tls_profile sp;
    fx_server_profile(&sp, FX_GOOD);
    struct tls_server *srv = fx_server(&sp, 1000);
    struct tls_conn *sv;
    assert_int_equal(tls_conn_accept(&sv, srv), 0);
    size_t used = 0;
    /* Plain SMTP sent after STARTTLS by a confused (or hostile) client. */
    static const uint8_t cmd[] = "MAIL FROM:<a@example.test>\r\n";
    assert_int_equal(tls_conn_feed(sv, &used, cmd, sizeof(cmd) - 1), 0);
    assert_int_equal(used, sizeof(cmd) - 1);
    assert_int_equal(tls_conn_handshake(sv), RL_ETLS);
    assert_int_equal(tls_conn_failure(sv), TLS_FAIL_PROTOCOL);
    assert_string_equal(tls_conn_reason(sv), "protocol error: wrong version number");
    /* Sticky. */
    uint8_t buf[8];
    size_t n = 1;
    assert_int_equal(tls_conn_read(sv, &n, buf, sizeof(buf)), RL_ETLS);
    assert_int_equal(n, 0);
    assert_int_equal(tls_conn_write(sv, &n, buf, sizeof(buf)), RL_ETLS);
    assert_int_equal(tls_conn_handshake(sv), RL_ETLS);
    assert_int_equal(tls_conn_shutdown(sv), RL_ETLS);
    assert_int_equal(tls_conn_feed(sv, &used, cmd, 4), RL_ETLS);
    assert_int_equal(used, 0);
    tls_conn_free(sv);
    tls_server_free(srv);
}

static void
test_truncation(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    assert_int_equal(r.crc, 0);
    tls_conn_feed_eof(r.sv); /* the TCP stream ended without close_notify */
    uint8_t buf[8];
    size_t n = 0;
    assert_int_equal(tls_conn_read(r.sv, &n, buf, sizeof(buf)), RL_ETLS);
    assert_int_equal(tls_conn_failure(r.sv), TLS_FAIL_EOF);
    assert_string_equal(tls_conn_reason(r.sv),
                        "unexpected end of stream: unexpected eof while reading");
    run_end(&r);

    /* In the middle of the handshake. */
    struct tls_profile sp;
    fx_server_profile(&sp, FX_GOOD);
    struct tls_server *srv = fx_server(&sp, 1000);
    struct tls_conn *sv;
    assert_int_equal(tls_conn_accept(&sv, srv), 0);
    assert_int_equal(tls_conn_want(sv), TLS_WANT_NOTHING);
    assert_int_equal(tls_conn_handshake(sv), RL_EAGAIN);
    assert_int_equal(tls_conn_want(sv), TLS_WANT_INPUT); /* the ClientHello */
    assert_int_equal(tls_conn_shutdown(sv), RL_EINVAL);  /* nothing to close yet */
    tls_conn_feed_eof(sv);
    size_t used = 9;
    assert_int_equal(tls_conn_feed(sv, &used, (const uint8_t *)"x", 1), RL_EINVAL);
    assert_int_equal(used, 0);
    assert_int_equal(tls_conn_handshake(sv), RL_ETLS);
    assert_int_equal(tls_conn_failure(sv), TLS_FAIL_EOF);
    tls_conn_free(sv);
    tls_server_free(srv);
}

static void
test_connect_refuses(void **state)
{
    (void)state;
    struct tls_profile cp;
    struct tls_conn *c = NULL;
    char long_hop[TLS_HOP_MAX + 2];
    memset(long_hop, 'h', sizeof(long_hop) - 1);
    long_hop[sizeof(long_hop) - 1] = '\0';
    fx_client_profile(&cp, TLS_MODE_MANDATORY, TLS_VERIFY_CA, NULL);
    struct tls_client *cli = fx_client(&cp);
    assert_int_equal(tls_conn_connect(&c, cli, "hop", NULL), RL_EINVAL); /* no name to check */
    assert_int_equal(tls_conn_connect(&c, cli, "hop", ""), RL_EINVAL);
    assert_int_equal(tls_conn_connect(&c, cli, long_hop, "mx.example.test"), RL_EINVAL);
    assert_int_equal(tls_conn_connect(&c, cli, "hop", long_hop), RL_EINVAL);
    assert_null(c);
    assert_int_equal(tls_conn_connect(&c, cli, "10.0.0.1:25", "10.0.0.1"), 0); /* IP: no SNI */
    tls_conn_free(c);
    tls_client_free(cli);
    c = NULL;
    fx_client_profile(&cp, TLS_MODE_NONE, TLS_VERIFY_NONE, NULL);
    cli = fx_client(&cp);
    assert_int_equal(tls_conn_connect(&c, cli, "hop", "mx.example.test"), RL_EINVAL);
    assert_null(c);
    tls_conn_free(NULL);
    tls_client_free(cli);
    tls_client_free(NULL);
    tls_server_free(NULL);
}

static void
test_read_write_limits(void **state)
{
    (void)state;
    struct run r;
    handshake(&r, FX_GOOD, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    uint8_t buf[4];
    size_t n = 9;
    assert_int_equal(tls_conn_read(r.cl, &n, buf, 0), RL_EINVAL);
    assert_int_equal(tls_conn_write(r.cl, &n, buf, 0), RL_EINVAL);
    assert_int_equal(n, 0);
    /* The input pair fills up: feed says so instead of growing. */
    static uint8_t junk[64 * 1024];
    size_t used = 0;
    assert_int_equal(tls_conn_feed(r.sv, &used, junk, sizeof(junk)), RL_EAGAIN);
    assert_true(used > 0 && used < sizeof(junk));
    run_end(&r);
}

/* build_refused expects tls_server_new (`server`) or tls_client_new to
 * refuse `p` with `field` and a reason that starts with `why`. */
static void
build_refused(bool server, const struct tls_profile *p, const char *field, const char *why)
{
    struct rl_diag d = {{0}, {0}};
    int rc;
    if (server) {
        struct tls_server *srv = NULL;
        rc = tls_server_new(&srv, &d, p, NULL, 0);
        assert_null(srv);
    } else {
        struct tls_client *cli = NULL;
        rc = tls_client_new(&cli, &d, p);
        assert_null(cli);
    }
    if (rc != RL_EINVAL || strcmp(d.field, field) != 0 || strncmp(d.reason, why, strlen(why))) {
        fail_msg("got %d '%s' '%s', want '%s' '%s'", rc, d.field, d.reason, field, why);
    }
}

static void
test_contexts_refuse(void **state)
{
    (void)state;
    struct tls_profile p;
    fx_server_profile(&p, FX_GOOD);
    snprintf(p.cert_file, sizeof(p.cert_file), "%s/missing.crt", fx_dir());
    build_refused(true, &p, "tls_profiles.in.cert", "cannot be read as a PEM certificate chain");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.key_file, sizeof(p.key_file), "%s", fx_key_path(FX_WRONG));
    build_refused(true, &p, "tls_profiles.in.key", "does not match the certificate");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.key_file, sizeof(p.key_file), "%s", fx_cert_path(FX_GOOD));
    build_refused(true, &p, "tls_profiles.in.key",
                  "cannot be read as an unencrypted PEM private key");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.cert2_file, sizeof(p.cert2_file), "%s", fx_cert_path(FX_WRONG));
    snprintf(p.key2_file, sizeof(p.key2_file), "%s", fx_key_path(FX_WRONG));
    build_refused(true, &p, "tls_profiles.in.cert2",
                  "has the key type of cert; one ECDSA and one RSA");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.cert2_file, sizeof(p.cert2_file), "%s", fx_cert_path(FX_GOOD_RSA));
    snprintf(p.key2_file, sizeof(p.key2_file), "%s", fx_key_path(FX_GOOD));
    build_refused(true, &p, "tls_profiles.in.key2", "does not match the certificate");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.ciphers, sizeof(p.ciphers), "NOSUCHCIPHER");
    build_refused(true, &p, "tls_profiles.in.ciphers", "names no cipher this OpenSSL offers");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.ciphersuites, sizeof(p.ciphersuites), "TLS_NOPE");
    build_refused(true, &p, "tls_profiles.in.ciphersuites",
                  "is not a valid TLS 1.3 ciphersuite list");

    fx_server_profile(&p, FX_GOOD);
    snprintf(p.groups, sizeof(p.groups), "P-257");
    build_refused(true, &p, "tls_profiles.in.groups", "names a group this OpenSSL does not know");

    fx_server_profile(&p, FX_GOOD);
    p.client_cert = TLS_CLIENT_CERT_REQUEST;
    snprintf(p.ca_file, sizeof(p.ca_file), "%s/none.pem", fx_dir());
    build_refused(true, &p, "tls_profiles.in.ca_file", "cannot be read as PEM certificates");

    fx_server_profile(&p, FX_GOOD);
    p.role = TLS_ROLE_CLIENT;
    build_refused(true, &p, "tls_profiles.in.role", "is not server");

    fx_client_profile(&p, TLS_MODE_MANDATORY, TLS_VERIFY_CA, "mx.example.test");
    snprintf(p.ca_file, sizeof(p.ca_file), "%s", fx_key_path(FX_GOOD));
    build_refused(false, &p, "tls_profiles.out.ca_file", "cannot be read as PEM certificates");

    fx_client_profile(&p, TLS_MODE_MANDATORY, TLS_VERIFY_NONE, NULL);
    p.role = TLS_ROLE_SERVER;
    build_refused(false, &p, "tls_profiles.out.role", "is not client");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa_mandatory_ca),
        cmocka_unit_test(test_rsa_tls12),
        cmocka_unit_test(test_rsa_tls13),
        cmocka_unit_test(test_dual_certificates),
        cmocka_unit_test(test_split_at_every_octet),
        cmocka_unit_test(test_data_and_close_notify),
        cmocka_unit_test(test_opportunistic_records_failure),
        cmocka_unit_test(test_verify_none),
        cmocka_unit_test(test_opportunistic_without_check),
        cmocka_unit_test(test_pin_match),
        cmocka_unit_test(test_hostname_mismatch),
        cmocka_unit_test(test_host_mismatch_without_names),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_untrusted_issuer),
        cmocka_unit_test(test_pin_mismatch),
        cmocka_unit_test(test_min_version_refused),
        cmocka_unit_test(test_no_shared_cipher),
        cmocka_unit_test(test_client_cert_required),
        cmocka_unit_test(test_garbage_to_server),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_connect_refuses),
        cmocka_unit_test(test_read_write_limits),
        cmocka_unit_test(test_contexts_refuse),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

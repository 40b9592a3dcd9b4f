/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates, profiles and the in-memory pump for the tls_* unit tests
 * (tls_fixture.h). One thread; the files live in a mkdtemp directory. */
#include "tls_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];
static char cert_paths[FX__COUNT][128];
static char key_paths[FX__COUNT][128];
static struct tls_testcert certs[FX__COUNT];

static const char *const mx[] = {"mx.example.test", NULL};

struct spec {
    enum fx_cert issuer; /* FX__COUNT: self-signed */
    struct tls_testcert_req req;
};

static const char *const wrong[] = {"wrong.example.test", NULL};
static const char *const wild[] = {"*.example.test", NULL};
static const char *const partial[] = {"f*.example.test", NULL};
static const char *const middle[] = {"a.*.example.test", NULL};
static const char *const space[] = {"mx.example.test ", NULL};
static const char *const upper[] = {"MX.Example.TEST", NULL};
static const char *const alabel[] = {"xn--bcher-kva.example.test", NULL};

static const struct spec specs[FX__COUNT] = {
    [FX_CA] = {FX__COUNT, {TLS_TESTCERT_P256, "Redline Test CA", NULL, -1, 3650, true}},
    [FX_CA2] = {FX__COUNT, {TLS_TESTCERT_P256, "Untrusted CA", NULL, -1, 3650, true}},
    [FX_GOOD] = {FX_CA, {TLS_TESTCERT_P256, "mx.example.test", mx, -1, 365, false}},
    [FX_GOOD_RSA] = {FX_CA, {TLS_TESTCERT_RSA2048, "mx.example.test", mx, -1, 365, false}},
    [FX_WRONG] = {FX_CA, {TLS_TESTCERT_P256, "wrong.example.test", wrong, -1, 365, false}},
    [FX_EXPIRED] = {FX_CA, {TLS_TESTCERT_P256, "mx.example.test", mx, -30, -1, false}},
    [FX_SELF] = {FX__COUNT, {TLS_TESTCERT_P256, "mx.example.test", mx, -1, 365, false}},
    [FX_OTHER_CA] = {FX_CA2, {TLS_TESTCERT_P256, "mx.example.test", mx, -1, 365, false}},
    [FX_WILD] = {FX_CA, {TLS_TESTCERT_P256, "wild", wild, -1, 365, false}},
    [FX_PARTIAL] = {FX_CA, {TLS_TESTCERT_P256, "partial", partial, -1, 365, false}},
    [FX_MIDDLE] = {FX_CA, {TLS_TESTCERT_P256, "middle", middle, -1, 365, false}},
    [FX_SPACE] = {FX_CA, {TLS_TESTCERT_P256, "space", space, -1, 365, false}},
    [FX_CN_ONLY] = {FX_CA, {TLS_TESTCERT_P256, "mx.example.test", NULL, -1, 365, false}},
    [FX_CN_AND_SAN] = {FX_CA, {TLS_TESTCERT_P256, "mx.example.test", wrong, -1, 365, false}},
    [FX_UPPER] = {FX_CA, {TLS_TESTCERT_P256, "upper", upper, -1, 365, false}},
    [FX_ALABEL] = {FX_CA, {TLS_TESTCERT_P256, "alabel", alabel, -1, 365, false}},
};

int
fx_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/rl-tls-test-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    for (int i = 0; i < FX__COUNT; i++) {
        const struct spec *s = &specs[i];
        const struct tls_testcert *issuer = s->issuer == FX__COUNT ? NULL : &certs[s->issuer];
        snprintf(cert_paths[i], sizeof(cert_paths[i]), "%s/%d.crt", dir, i);
        snprintf(key_paths[i], sizeof(key_paths[i]), "%s/%d.key", dir, i);
        if (tls_testcert_make(&certs[i], &s->req, issuer) != 0 ||
            tls_testcert_write(&certs[i], cert_paths[i], key_paths[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

int
fx_teardown(void **state)
{
    (void)state;
    char cmd[128];
    for (int i = 0; i < FX__COUNT; i++) {
        tls_testcert_fini(&certs[i]);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

const char *
fx_cert_path(enum fx_cert c)
{
    return cert_paths[c];
}

const char *
fx_key_path(enum fx_cert c)
{
    return key_paths[c];
}

const struct tls_testcert *
fx_cert(enum fx_cert c)
{
    return &certs[c];
}

const char *
fx_dir(void)
{
    return dir;
}

void
fx_server_profile(struct tls_profile *p, enum fx_cert c)
{
    tls_profile_defaults(p, TLS_ROLE_SERVER);
    snprintf(p->name, sizeof(p->name), "in");
    snprintf(p->cert_file, sizeof(p->cert_file), "%s", cert_paths[c]);
    snprintf(p->key_file, sizeof(p->key_file), "%s", key_paths[c]);
}

void
fx_client_profile(struct tls_profile *p, enum tls_mode mode, enum tls_verify verify,
                  const char *name)
{
    tls_profile_defaults(p, TLS_ROLE_CLIENT);
    snprintf(p->name, sizeof(p->name), "out");
    p->mode = mode;
    p->verify = verify;
    if (verify == TLS_VERIFY_CA) {
        snprintf(p->ca_file, sizeof(p->ca_file), "%s", cert_paths[FX_CA]);
    }
    if (name != NULL) {
        snprintf(p->names[0], sizeof(p->names[0]), "%s", name);
        p->n_names = 1;
    }
    if (verify == TLS_VERIFY_PIN) {
        /* the SPKI digest of FX_GOOD, computed the way `openssl pkey -pubin
         * -outform der | sha256sum` does */
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(certs[FX_GOOD].key, &der);
        assert_true(n > 0);
        assert_int_equal(EVP_Digest(der, (size_t)n, p->pins[0], NULL, EVP_sha256(), NULL), 1);
        OPENSSL_free(der);
        p->n_pins = 1;
    }
}

struct tls_server *
fx_server(const struct tls_profile *p, uint64_t now_s)
{
    struct tls_server *srv = NULL;
    struct rl_diag d = {{0}, {0}};
    int rc = tls_server_new(&srv, &d, p, NULL, now_s);
    if (rc != 0) {
        fail_msg("tls_server_new: %d %s: %s", rc, d.field, d.reason);
    }
    return srv;
}

struct tls_client *
fx_client(const struct tls_profile *p)
{
    struct tls_client *cli = NULL;
    struct rl_diag d = {{0}, {0}};
    int rc = tls_client_new(&cli, &d, p);
    if (rc != 0) {
        fail_msg("tls_client_new: %d %s: %s", rc, d.field, d.reason);
    }
    return cli;
}

size_t
fx_move(struct tls_conn *from, struct tls_conn *to)
{
    size_t moved = 0;
    for (;;) {
        size_t n = 0;
        size_t used = 0;
        const uint8_t *p = tls_conn_output(from, &n);
        if (n == 0) {
            return moved;
        }
        tls_conn_feed(to, &used, p, n);
        tls_conn_consume(from, used);
        moved += used;
        if (used < n) {
            return moved;
        }
    }
}

/* move_step carries at most `step` octets (all when 0). */
static size_t
move_step(struct tls_conn *from, struct tls_conn *to, size_t step)
{
    if (step == 0) {
        return fx_move(from, to);
    }
    size_t n = 0;
    size_t used = 0;
    const uint8_t *p = tls_conn_output(from, &n);
    if (n == 0) {
        return 0;
    }
    tls_conn_feed(to, &used, p, n < step ? n : step);
    tls_conn_consume(from, used);
    return used;
}

void
fx_handshake(struct tls_conn *cl, struct tls_conn *sv, size_t step, int *out_crc, int *out_src)
{
    int crc = RL_EAGAIN;
    int src = RL_EAGAIN;
    /* Each side runs after its input arrived; once no octet is in flight,
     * both have seen everything and their results are final. */
    for (int round = 0; round < 1000000; round++) {
        crc = tls_conn_handshake(cl);
        size_t a = move_step(cl, sv, step);
        src = tls_conn_handshake(sv);
        size_t b = move_step(sv, cl, step);
        if (a == 0 && b == 0) {
            break;
        }
    }
    if (crc == 0) {
        uint8_t buf[64];
        size_t n = 0;
        int r = tls_conn_read(cl, &n, buf, sizeof(buf)); /* takes the tickets */
        assert_true(r == RL_EAGAIN || r == RL_ETLS);
        crc = r == RL_ETLS ? r : crc;
    }
    *out_crc = crc;
    *out_src = src;
}

void
fx_pair(struct tls_client *cli, struct tls_server *srv, const char *hop, const char *host,
        struct tls_conn **out_cl, struct tls_conn **out_sv, int *out_crc, int *out_src)
{
    assert_int_equal(tls_conn_connect(out_cl, cli, hop, host), 0);
    assert_int_equal(tls_conn_accept(out_sv, srv), 0);
    fx_handshake(*out_cl, *out_sv, 0, out_crc, out_src);
}

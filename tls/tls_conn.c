/* SPDX-License-Identifier: Apache-2.0 */
/* One TLS connection over a BIO pair: the network end is ours (ciphertext in
 * and out, no copy on the way out), the other end belongs to the SSL object.
 * Owns the SSL, the pair and a reference to its context; used by the one
 * thread that owns the connection. */
#include "tls_conn.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* conn_new makes a connection on `ctx` with its BIO pair, checked against
 * `p` as `verify` says. Returns 0 or RL_ENOMEM. */
static int
conn_new(struct tls_conn **out_c, SSL_CTX *ctx, const struct tls_profile *p, enum tls_verify verify,
         bool mandatory)
{
    BIO *inner = NULL;
    BIO *net = NULL;
    SSL *ssl = SSL_new(ctx);
    struct tls_conn *c = calloc(1, sizeof(*c));
    if (ssl == NULL || c == NULL ||
        BIO_new_bio_pair(&inner, TLS_CONN_BIO_BUF, &net, TLS_CONN_BIO_BUF) != 1) {
        free(c);
        SSL_free(ssl);
        ERR_clear_error();
        return RL_ENOMEM;
    }
    SSL_set_bio(ssl, inner, inner);
    SSL_set_app_data(ssl, c);
    c->ssl = ssl;
    c->net = net;
    c->prof = p;
    c->verify = verify;
    c->mandatory = mandatory;
    *out_c = c;
    return 0;
}

int
tls_conn_accept(struct tls_conn **out_c, struct tls_server *srv)
{
    const struct tls_profile *p = &srv->prof;
    enum tls_verify verify =
        p->client_cert != TLS_CLIENT_CERT_NONE ? TLS_VERIFY_CA : TLS_VERIFY_NONE;
    int rc = conn_new(out_c, srv->ctx, p, verify, p->client_cert == TLS_CLIENT_CERT_REQUIRE);
    if (rc != 0) {
        return rc;
    }
    SSL_set_accept_state((*out_c)->ssl);
    tls_ref_take(&srv->refs);
    (*out_c)->srv = srv;
    return 0;
}

/* An IP literal is never sent as SNI (RFC 6066 3) nor matched as a DNS name. */
static bool
ip_literal(const char *host)
{
    bool dots_digits = true;
    for (const char *p = host; *p != '\0'; p++) {
        if (*p == ':' || *p == '[') {
            return true;
        }
        dots_digits = dots_digits && ((*p >= '0' && *p <= '9') || *p == '.');
    }
    return dots_digits;
}

/* set_names makes OpenSSL's chain check also match the reference names
 * (RFC 6125 6.4 through X509_check_host): wildcards only as the whole
 * left-most label, the subject CN only without any dNSName. */
static int
set_names(struct tls_conn *c, const char *host)
{
    const struct tls_profile *p = c->prof;
    SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    for (uint32_t i = 0; i < p->n_names; i++) {
        if (SSL_add1_host(c->ssl, p->names[i]) != 1) {
            return RL_ENOMEM;
        }
    }
    if (p->n_names == 0) {
        if (host == NULL || host[0] == '\0') {
            return RL_EINVAL;
        }
        if (SSL_set1_host(c->ssl, host) != 1) {
            return RL_EINVAL;
        }
    }
    return 0;
}

static int
connect_setup(struct tls_conn *c, const char *hop, const char *host)
{
    if (host != NULL && host[0] != '\0' && !ip_literal(host)) {
        /* A copy: the macro takes a non-const pointer. */
        char sni[TLS_NAME_MAX + 1];
        snprintf(sni, sizeof(sni), "%s", host);
        if (SSL_set_tlsext_host_name(c->ssl, sni) != 1) {
            return RL_EINVAL;
        }
    }
    if (c->verify == TLS_VERIFY_CA) {
        int rc = set_names(c, host);
        if (rc != 0) {
            return rc;
        }
    }
    if (hop == NULL) {
        return 0;
    }
    memcpy(c->hop, hop, strlen(hop) + 1);
    SSL_SESSION *sess = tls_client_session_get(c->cli, hop);
    if (sess != NULL && SSL_set_session(c->ssl, sess) == 1 &&
        SSL_SESSION_get_protocol_version(sess) == TLS1_3_VERSION) {
        /* RFC 8446 C.4: a TLS 1.3 ticket is used once; the server sends a
         * new one on the resumed connection. */
        tls_client_forget(c->cli, hop);
    }
    return 0;
}

int
tls_conn_connect(struct tls_conn **out_c, struct tls_client *cli, const char *hop, const char *host)
{
    const struct tls_profile *p = &cli->prof;
    if (p->mode == TLS_MODE_NONE) {
        return RL_EINVAL; /* the dataplane never starts TLS with such a profile */
    }
    if ((hop != NULL && strlen(hop) > TLS_HOP_MAX) ||
        (host != NULL && strlen(host) > TLS_NAME_MAX)) {
        return RL_EINVAL;
    }
    if (p->verify == TLS_VERIFY_CA && p->n_names == 0 && (host == NULL || host[0] == '\0')) {
        return RL_EINVAL;
    }
    struct tls_conn *c;
    int rc = conn_new(&c, cli->ctx, p, p->verify, p->mode == TLS_MODE_MANDATORY);
    if (rc != 0) {
        return rc;
    }
    SSL_set_connect_state(c->ssl);
    tls_ref_take(&cli->refs);
    c->cli = cli;
    rc = connect_setup(c, hop, host);
    if (rc != 0) {
        ERR_clear_error();
        tls_conn_free(c);
        return rc;
    }
    *out_c = c;
    return 0;
}

void
tls_conn_free(struct tls_conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->err == 0) {
        /* OpenSSL retires the session of a connection freed without a
         * close_notify exchange; SMTP peers often just close after QUIT, and
         * a session is no weaker for it. A failed connection's is dropped. */
        SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    } else if (c->cli != NULL && c->hop[0] != '\0') {
        tls_client_forget(c->cli, c->hop);
    }
    SSL_free(c->ssl);
    BIO_free(c->net);
    tls_server_free(c->srv);
    tls_client_free(c->cli);
    free(c);
}

int
tls_conn_feed(struct tls_conn *c, size_t *out_used, const uint8_t *in, size_t in_len)
{
    *out_used = 0;
    if (c->err != 0) {
        return c->err;
    }
    if (c->eof) {
        return RL_EINVAL; /* nothing comes after the end of the stream */
    }
    while (*out_used < in_len) {
        size_t left = in_len - *out_used;
        int n = BIO_write(c->net, in + *out_used, left > INT_MAX ? INT_MAX : (int)left);
        if (n <= 0) {
            return RL_EAGAIN; /* the pair is full (or the stream was ended) */
        }
        *out_used += (size_t)n;
    }
    return 0;
}

void
tls_conn_feed_eof(struct tls_conn *c)
{
    c->eof = true;
    BIO_shutdown_wr(c->net);
}

const uint8_t *
tls_conn_output(struct tls_conn *c, size_t *out_len)
{
    char *p = NULL;
    ossl_ssize_t n = BIO_nread0(c->net, &p);
    *out_len = n > 0 ? (size_t)n : 0;
    return n > 0 ? (const uint8_t *)p : NULL;
}

void
tls_conn_consume(struct tls_conn *c, size_t n)
{
    while (n > 0) {
        char *p = NULL;
        int k = BIO_nread(c->net, &p, n > INT_MAX ? INT_MAX : (int)n);
        if (k <= 0) {
            break;
        }
        n -= (size_t)k;
    }
}

/* settle notes the end of the handshake, which any step may reach. */
static void
settle(struct tls_conn *c)
{
    if (c->done || !SSL_is_init_finished(c->ssl)) {
        return;
    }
    c->done = true;
    tls_verify_finish(c);
    /* OpenSSL reports new sessions of resumed TLS 1.2 handshakes to nobody,
     * and a renewed ticket lives in such a session: keep it ourselves. */
    if (c->cli != NULL && c->hop[0] != '\0' && SSL_session_reused(c->ssl) == 1 &&
        SSL_version(c->ssl) != TLS1_3_VERSION) {
        SSL_SESSION *sess = SSL_get1_session(c->ssl);
        if (sess != NULL) {
            tls_client_session_put(c->cli, c->hop, sess);
        }
    }
}

/* after maps the result `r` of a failed SSL call to RL_EAGAIN or a sticky
 * RL_ETLS with its reason. */
static int
after(struct tls_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    settle(c);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        return RL_EAGAIN;
    }
    tls_fail_record(c, e);
    return c->err;
}

int
tls_conn_handshake(struct tls_conn *c)
{
    if (c->err != 0 || c->done) {
        return c->err;
    }
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        settle(c);
        return 0;
    }
    return after(c, r);
}

int
tls_conn_read(struct tls_conn *c, size_t *out_n, uint8_t *buf, size_t cap)
{
    *out_n = 0;
    if (c->err != 0) {
        return c->err;
    }
    if (cap == 0) {
        return RL_EINVAL;
    }
    if ((SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN) != 0) {
        return 0;
    }
    ERR_clear_error();
    int r = SSL_read_ex(c->ssl, buf, cap, out_n);
    if (r == 1) {
        settle(c);
        return 0;
    }
    if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN) {
        settle(c);
        return 0; /* close_notify: end of stream */
    }
    return after(c, r);
}

int
tls_conn_write(struct tls_conn *c, size_t *out_n, const uint8_t *buf, size_t len)
{
    *out_n = 0;
    if (c->err != 0) {
        return c->err;
    }
    if (len == 0) {
        return RL_EINVAL;
    }
    ERR_clear_error();
    int r = SSL_write_ex(c->ssl, buf, len, out_n);
    if (r == 1) {
        settle(c);
        return 0;
    }
    return after(c, r);
}

int
tls_conn_shutdown(struct tls_conn *c)
{
    if (c->err != 0) {
        return c->err;
    }
    if (!c->done) {
        return RL_EINVAL; /* no session to close yet: just close the stream */
    }
    ERR_clear_error();
    int r = SSL_shutdown(c->ssl);
    if (r == 1) {
        return 0;
    }
    if (r == 0) {
        return RL_EAGAIN;
    }
    return after(c, r);
}

enum tls_want
tls_conn_want(const struct tls_conn *c)
{
    if (SSL_want_write(c->ssl)) {
        return TLS_WANT_OUTPUT;
    }
    return SSL_want_read(c->ssl) ? TLS_WANT_INPUT : TLS_WANT_NOTHING;
}

bool
tls_conn_done(const struct tls_conn *c)
{
    return c->done;
}

const char *
tls_conn_protocol(const struct tls_conn *c)
{
    return c->done ? SSL_get_version(c->ssl) : "";
}

const char *
tls_conn_cipher(const struct tls_conn *c)
{
    const SSL_CIPHER *ci = c->done ? SSL_get_current_cipher(c->ssl) : NULL;
    const char *name = ci != NULL ? SSL_CIPHER_standard_name(ci) : NULL;
    return name != NULL ? name : "";
}

bool
tls_conn_resumed(const struct tls_conn *c)
{
    return c->done && SSL_session_reused(c->ssl) == 1;
}

bool
tls_conn_verified(const struct tls_conn *c)
{
    return c->verified;
}

int
tls_conn_peer_subject(const struct tls_conn *c, char *out, size_t cap)
{
    X509 *x = SSL_get0_peer_certificate(c->ssl);
    if (cap > 0) {
        out[0] = '\0';
    }
    if (x == NULL) {
        return RL_EINVAL;
    }
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL || X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) < 0) {
        BIO_free(b);
        ERR_clear_error();
        return RL_ENOMEM;
    }
    char *text = NULL;
    long n = BIO_get_mem_data(b, &text);
    if (cap > 0) {
        size_t k = n > 0 ? (size_t)n : 0;
        k = k < cap - 1 ? k : cap - 1;
        memcpy(out, text, k);
        out[k] = '\0';
    }
    BIO_free(b);
    return 0;
}

int
tls_conn_peer_digest(const struct tls_conn *c, uint8_t out[32], enum tls_digest kind)
{
    X509 *x = SSL_get0_peer_certificate(c->ssl);
    unsigned int n = 0;
    if (x == NULL) {
        return RL_EINVAL;
    }
    if (kind == TLS_DIGEST_SPKI) {
        return tls_digest_spki(out, x);
    }
    if (X509_digest(x, EVP_sha256(), out, &n) != 1) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    return 0;
}

enum tls_fail
tls_conn_failure(const struct tls_conn *c)
{
    return c->fail;
}

const char *
tls_conn_reason(const struct tls_conn *c)
{
    return c->reason;
}

const char *
tls_conn_verify_reason(const struct tls_conn *c)
{
    return c->verify_reason;
}

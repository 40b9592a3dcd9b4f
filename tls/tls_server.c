/* SPDX-License-Identifier: Apache-2.0 */
/* The inbound context: certificate and key from PEM files, server-side
 * defaults (our cipher order, no session cache, stateless tickets under the
 * rotating ring), optional client certificates, reload by rebuilding.
 * Built on any thread; ticked and used by the worker that owns it. */
#include "tls_server.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "internal.h"

/* Encrypted keys would make OpenSSL prompt on the terminal: refuse them. */
static int
no_password(char *buf, int size, int rwflag, void *arg)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)arg;
    return 0;
}

/* load_pair installs one certificate chain and its key; `cert` and `key`
 * name the profile fields. With two pairs of different key types OpenSSL
 * picks per handshake from what the client's signature algorithms allow. */
static int
load_pair(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p, const char *cert,
          const char *cert_path, const char *key, const char *key_path)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        return tls_ctx_refuse(diag, p, cert, "cannot be read as a PEM certificate chain");
    }
    const X509 *loaded = SSL_CTX_get0_certificate(ctx);
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            return tls_ctx_refuse(diag, p, key, "does not match the certificate");
        }
        return tls_ctx_refuse(diag, p, key, "cannot be read as an unencrypted PEM private key");
    }
    /* A key of another type lands in that type's slot and makes it current:
     * then it is not this certificate's key. */
    if (SSL_CTX_get0_certificate(ctx) != loaded || SSL_CTX_check_private_key(ctx) != 1) {
        return tls_ctx_refuse(diag, p, key, "does not match the certificate");
    }
    return 0;
}

static int
load_identity(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p)
{
    SSL_CTX_set_default_passwd_cb(ctx, no_password);
    int rc = load_pair(ctx, diag, p, "cert", p->cert_file, "key", p->key_file);
    if (rc != 0 || p->cert2_file[0] == '\0') {
        return rc;
    }
    int first = EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_CTX_get0_certificate(ctx)));
    rc = load_pair(ctx, diag, p, "cert2", p->cert2_file, "key2", p->key2_file);
    if (rc == 0 && EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_CTX_get0_certificate(ctx))) == first) {
        /* OpenSSL keeps one certificate per key type: the second replaced the first. */
        return tls_ctx_refuse(diag, p, "cert2", "has the key type of cert; one ECDSA and one RSA");
    }
    return rc;
}

static int
client_certs(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p)
{
    if (p->client_cert == TLS_CLIENT_CERT_NONE) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    if (p->ca_file[0] != '\0') {
        int rc = tls_ctx_load_ca(ctx, diag, p);
        if (rc != 0) {
            return rc;
        }
        /* The CA names sent in the CertificateRequest. */
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(p->ca_file);
        if (names == NULL) {
            return tls_ctx_refuse(diag, p, "ca_file", "cannot be read as PEM certificates");
        }
        SSL_CTX_set_client_CA_list(ctx, names);
    }
    int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
    if (p->client_cert == TLS_CLIENT_CERT_REQUIRE) {
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(ctx, mode, NULL);
    tls_verify_install(ctx);
    return 0;
}

static int
build(struct tls_server *srv, struct rl_diag *diag, const uint8_t *secret, uint64_t now_s)
{
    const struct tls_profile *p = &srv->prof;
    if (p->role != TLS_ROLE_SERVER) {
        char field[96];
        snprintf(field, sizeof(field), "tls_profiles.%s.role", p->name);
        return rl_diag_set(diag, field, "is not server");
    }
    srv->ctx = SSL_CTX_new(TLS_server_method());
    if (srv->ctx == NULL ||
        tls_ticket_ring_init(&srv->ring, secret, p->ticket_rotate_s, p->ticket_keys, now_s) != 0) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    SSL_CTX *ctx = srv->ctx;
    int rc = tls_ctx_configure(ctx, diag, p);
    rc = rc != 0 ? rc : load_identity(ctx, diag, p);
    rc = rc != 0 ? rc : client_certs(ctx, diag, p);
    if (rc != 0) {
        return rc;
    }
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Stateless tickets only: a server-side cache would be per worker (a
     * client coming back on another core would miss) and grows with load. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_app_data(ctx, &srv->ring);
    if (p->ticket_rotate_s == 0) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
        return 0;
    }
    /* One ticket per connection: an SMTP client opens one connection at a
     * time to a next hop, and each ticket costs an encryption. */
    SSL_CTX_set_num_tickets(ctx, 1);
    SSL_CTX_set_timeout(ctx, (long)p->ticket_rotate_s * p->ticket_keys);
    if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb) != 1) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    return 0;
}

int
tls_server_new(struct tls_server **out_srv, struct rl_diag *diag, const struct tls_profile *p,
               const uint8_t *secret, uint64_t now_s)
{
    struct tls_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return RL_ENOMEM;
    }
    atomic_init(&srv->refs, 1);
    srv->prof = *p;
    int rc = build(srv, diag, secret, now_s);
    if (rc != 0) {
        tls_server_free(srv);
        return rc;
    }
    *out_srv = srv;
    return 0;
}

int
tls_server_reload(struct tls_server **out_srv, struct rl_diag *diag, const struct tls_server *cur,
                  uint64_t now_s)
{
    return tls_server_new(out_srv, diag, &cur->prof, cur->ring.secret, now_s);
}

void
tls_server_tick(struct tls_server *srv, uint64_t now_s)
{
    /* On failure the previous keys stay in use: tickets keep working. */
    (void)tls_ticket_ring_tick(&srv->ring, now_s);
}

const struct tls_profile *
tls_server_profile(const struct tls_server *srv)
{
    return &srv->prof;
}

void
tls_server_free(struct tls_server *srv)
{
    if (srv == NULL || !tls_ref_drop(&srv->refs)) {
        return;
    }
    SSL_CTX_free(srv->ctx);
    tls_ticket_ring_fini(&srv->ring);
    free(srv);
}

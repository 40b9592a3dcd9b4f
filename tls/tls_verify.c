/* SPDX-License-Identifier: Apache-2.0 */
/* The peer-certificate check of both roles, run by OpenSSL during the
 * handshake in place of its own: CA chain and reference names, or a pinned
 * key, or nothing; a failure fails the handshake only when the connection is
 * mandatory, and always leaves a precise reason. Connection's thread. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "internal.h"

int
tls_digest_spki(uint8_t out[TLS_PIN_LEN], X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    int ok = n > 0 && EVP_Digest(der, (size_t)n, out, NULL, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    if (!ok) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    return 0;
}

static bool
pinned(const struct tls_profile *p, X509 *leaf)
{
    uint8_t d[TLS_PIN_LEN];
    if (leaf == NULL || tls_digest_spki(d, leaf) != 0) {
        return false;
    }
    for (uint32_t i = 0; i < p->n_pins; i++) {
        if (CRYPTO_memcmp(d, p->pins[i], TLS_PIN_LEN) == 0) {
            return true;
        }
    }
    return false;
}

/* check is OpenSSL's cert_verify_callback: returns 1 to go on, 0 to fail
 * the handshake (OpenSSL then sends the alert that matches the error). */
static int
check(X509_STORE_CTX *x, void *arg)
{
    (void)arg;
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_conn *c = SSL_get_app_data(ssl);
    bool ok = true;
    c->verify_reason[0] = '\0';
    if (c->verify == TLS_VERIFY_CA) {
        /* The chain, the dates and (client side) the names set by set_names. */
        ok = X509_verify_cert(x) == 1;
        if (!ok) {
            snprintf(c->verify_reason, sizeof(c->verify_reason), "certificate verify failed: %s",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)));
        }
    } else if (c->verify == TLS_VERIFY_PIN) {
        /* A pin stands for the key alone (like DANE-EE 3 1 1): no chain, no
         * names, no dates. */
        ok = pinned(c->prof, X509_STORE_CTX_get0_cert(x));
        if (!ok) {
            X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
            snprintf(c->verify_reason, sizeof(c->verify_reason),
                     "certificate verify failed: public key matches no pinned fingerprint");
        }
    }
    ERR_clear_error();
    return ok || !c->mandatory;
}

void
tls_verify_install(SSL_CTX *ctx)
{
    SSL_CTX_set_cert_verify_callback(ctx, check, NULL);
}

void
tls_verify_finish(struct tls_conn *c)
{
    X509 *peer = SSL_get0_peer_certificate(c->ssl);
    long result = SSL_get_verify_result(c->ssl);
    c->verified = c->verify != TLS_VERIFY_NONE && peer != NULL && result == X509_V_OK;
    if (c->verified || c->verify == TLS_VERIFY_NONE || c->verify_reason[0] != '\0') {
        return;
    }
    /* Resumed sessions carry the result of the check made when they began. */
    snprintf(c->verify_reason, sizeof(c->verify_reason), "certificate verify failed: %s",
             peer == NULL ? "no peer certificate" : X509_verify_cert_error_string(result));
}

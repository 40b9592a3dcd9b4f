/* SPDX-License-Identifier: Apache-2.0 */
/* Session-ticket keys (RFC 5077 format, as OpenSSL writes it): a ring of
 * AES-256-CBC + HMAC-SHA256 keys, one per epoch of rotate_s seconds, each
 * derived from a secret and its epoch. Workers holding the same secret
 * derive the same keys without sharing memory. The ring belongs to one
 * server context and is ticked and read on its worker. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "internal.h"

/* derive1 writes HMAC-SHA256(secret, label || epoch) to out (32 octets). */
static int
derive1(uint8_t out[32], const struct tls_ticket_ring *r, const char *label, uint64_t epoch)
{
    uint8_t msg[32] = {0};
    size_t n = strlen(label);
    unsigned int len = 0;
    memcpy(msg, label, n);
    for (int i = 0; i < 8; i++) {
        msg[n + (size_t)i] = (uint8_t)(epoch >> (56 - 8 * i));
    }
    if (HMAC(EVP_sha256(), r->secret, TLS_TICKET_SECRET_LEN, msg, n + 8, out, &len) == NULL) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    return 0;
}

static int
derive(struct tls_ticket_key *k, const struct tls_ticket_ring *r, uint64_t epoch)
{
    uint8_t tag[32];
    k->epoch = epoch;
    for (int i = 0; i < 8; i++) {
        k->name[i] = (uint8_t)(epoch >> (56 - 8 * i));
    }
    if (derive1(k->aes, r, "rl-ticket-aes", epoch) != 0 ||
        derive1(k->hmac, r, "rl-ticket-mac", epoch) != 0 ||
        derive1(tag, r, "rl-ticket-name", epoch) != 0) {
        return RL_ENOMEM;
    }
    memcpy(k->name + 8, tag, 8);
    return 0;
}

int
tls_ticket_ring_tick(struct tls_ticket_ring *r, uint64_t now_s)
{
    struct tls_ticket_key fresh[TLS_TICKET_KEYS_MAX];
    if (r->rotate_s == 0) {
        return 0;
    }
    uint64_t epoch = now_s / r->rotate_s;
    if (r->n_valid > 0 && epoch <= r->keys[0].epoch) {
        return 0; /* same epoch, or the clock went back: keep the keys */
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->n_keys && i <= epoch; i++) {
        const struct tls_ticket_key *old = NULL;
        for (uint32_t j = 0; j < r->n_valid && old == NULL; j++) {
            old = r->keys[j].epoch == epoch - i ? &r->keys[j] : NULL;
        }
        if (old != NULL) {
            fresh[n++] = *old;
        } else if (derive(&fresh[n++], r, epoch - i) != 0) {
            OPENSSL_cleanse(fresh, sizeof(fresh));
            return RL_ENOMEM;
        }
    }
    memcpy(r->keys, fresh, n * sizeof(fresh[0]));
    r->n_valid = n;
    OPENSSL_cleanse(fresh, sizeof(fresh));
    return 0;
}

int
tls_ticket_ring_init(struct tls_ticket_ring *r, const uint8_t secret[TLS_TICKET_SECRET_LEN],
                     uint32_t rotate_s, uint32_t n_keys, uint64_t now_s)
{
    memset(r, 0, sizeof(*r));
    r->rotate_s = rotate_s;
    r->n_keys = n_keys < 1 ? 1 : n_keys > TLS_TICKET_KEYS_MAX ? TLS_TICKET_KEYS_MAX : n_keys;
    /* The secret is kept even with tickets off: a reload may turn them on. */
    if (secret != NULL) {
        memcpy(r->secret, secret, TLS_TICKET_SECRET_LEN);
    } else if (RAND_bytes(r->secret, TLS_TICKET_SECRET_LEN) != 1) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    if (rotate_s == 0) {
        return 0;
    }
    r->aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    if (r->aes == NULL) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    return tls_ticket_ring_tick(r, now_s);
}

void
tls_ticket_ring_fini(struct tls_ticket_ring *r)
{
    EVP_CIPHER_free(r->aes);
    OPENSSL_cleanse(r, sizeof(*r));
}

static int
mac_key(EVP_MAC_CTX *hctx, struct tls_ticket_key *k)
{
    static char sha256[] = "SHA256";
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k->hmac, sizeof(k->hmac));
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0);
    params[2] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(hctx, params) == 1 ? 0 : -1;
}

int
tls_ticket_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
              EVP_MAC_CTX *hctx, int enc)
{
    struct tls_ticket_ring *r = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
    if (r->n_valid == 0) {
        return 0; /* no key: no ticket issued, none accepted */
    }
    if (enc) {
        struct tls_ticket_key *k = &r->keys[0];
        memcpy(key_name, k->name, sizeof(k->name));
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(r->aes)) != 1 ||
            EVP_EncryptInit_ex2(ectx, r->aes, k->aes, iv, NULL) != 1 || mac_key(hctx, k) != 0) {
            return -1;
        }
        return 1;
    }
    for (uint32_t i = 0; i < r->n_valid; i++) {
        struct tls_ticket_key *k = &r->keys[i];
        if (CRYPTO_memcmp(key_name, k->name, sizeof(k->name)) != 0) {
            continue;
        }
        if (EVP_DecryptInit_ex2(ectx, r->aes, k->aes, iv, NULL) != 1 || mac_key(hctx, k) != 0) {
            return -1;
        }
        /* 2 asks for a new ticket: under an older key, and always in TLS 1.3,
         * where clients use a ticket once (RFC 8446 C.4). */
        return i == 0 && SSL_version(s) != TLS1_3_VERSION ? 1 : 2;
    }
    return 0; /* unknown or retired key: a full handshake */
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Private to tls/: the objects behind the public handles, the ticket-key
 * ring, the settings both roles share and the peer-verification callback.
 * Thread rules are those of the public headers (tls/README.md). */
#ifndef TLS_INTERNAL_H
#define TLS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "tls_client.h"
#include "tls_conn.h"
#include "tls_profile.h"
#include "tls_server.h"

#define TLS_TICKET_KEYS_MAX 8
#define TLS_CLIENT_SESSIONS 64 /* next hops whose session a client context remembers */
/* Octets buffered each way between the network and OpenSSL: a full record
 * and a header. */
#define TLS_CONN_BIO_BUF ((size_t)17 * 1024)

/* One ticket key, derived from the secret and its epoch so that every worker
 * (and every reloaded context) holding the same secret agrees on it. */
struct tls_ticket_key {
    uint64_t epoch;   /* now_s / rotate_s when it encrypts */
    uint8_t name[16]; /* epoch (8 octets, big endian), then 8 octets of MAC */
    uint8_t aes[32];  /* AES-256-CBC key */
    uint8_t hmac[32]; /* HMAC-SHA256 key */
};

struct tls_ticket_ring {
    uint8_t secret[TLS_TICKET_SECRET_LEN];
    uint32_t rotate_s; /* seconds per epoch; 0 = tickets off */
    uint32_t n_keys;   /* keys accepted, the current one included */
    uint32_t n_valid;  /* keys derived so far (fewer than n_keys near epoch 0) */
    struct tls_ticket_key keys[TLS_TICKET_KEYS_MAX]; /* keys[i]: epoch keys[0].epoch - i */
    EVP_CIPHER *aes; /* fetched once: an implicit fetch per ticket costs a lock */
};

struct tls_server {
    atomic_uint refs; /* the owner's and one per connection */
    SSL_CTX *ctx;     /* app data: &ring */
    struct tls_profile prof;
    struct tls_ticket_ring ring;
};

struct tls_session_slot {
    char hop[TLS_HOP_MAX + 1]; /* "" = free */
    SSL_SESSION *sess;         /* owned */
};

struct tls_client {
    atomic_uint refs; /* the owner's and one per connection */
    SSL_CTX *ctx;
    struct tls_profile prof;
    struct tls_session_slot cache[TLS_CLIENT_SESSIONS];
    uint32_t victim; /* next slot replaced when the cache is full */
};

struct tls_conn {
    SSL *ssl;               /* app data: this connection */
    BIO *net;               /* our end of the BIO pair; SSL owns the other */
    struct tls_server *srv; /* one of srv and cli is set, with a reference held */
    struct tls_client *cli;
    const struct tls_profile *prof; /* of srv or cli */
    enum tls_verify verify;         /* how the peer certificate is checked */
    bool mandatory;                 /* a failed check fails the handshake */
    bool done;                      /* the handshake completed */
    bool eof;                       /* the network stream ended (tls_conn_feed_eof) */
    bool verified;                  /* the peer certificate passed `verify` */
    int err;                        /* sticky: 0 or RL_ETLS */
    enum tls_fail fail;
    char hop[TLS_HOP_MAX + 1]; /* client session cache key; "" = no resumption */
    char verify_reason[128];   /* why the check failed; "" if it did not */
    char reason[256];
};

/* tls_ctx_configure applies what both roles share (versions, cipher lists,
 * groups, safe options) from `p` to `ctx`. Returns 0 or RL_EINVAL with
 * `diag` naming the profile field. */
int tls_ctx_configure(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p);

/* tls_ctx_load_ca loads the trust anchors of p->ca_file into `ctx` (the
 * system's store when it is empty). Returns 0 or RL_EINVAL with `diag`. */
int tls_ctx_load_ca(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p);

/* tls_ctx_refuse fills `diag` for field `key` of profile `p` with `why` and
 * the first OpenSSL error, and clears OpenSSL's error queue. Returns RL_EINVAL. */
int tls_ctx_refuse(struct rl_diag *diag, const struct tls_profile *p, const char *key,
                   const char *why);

/* tls_verify_install makes `ctx` call the peer check of tls_verify.c. */
void tls_verify_install(SSL_CTX *ctx);

/* tls_verify_finish sets c->verified once the handshake is done (full or
 * resumed). */
void tls_verify_finish(struct tls_conn *c);

/* tls_digest_spki writes the SHA-256 of `x`'s SubjectPublicKeyInfo. Returns 0
 * or RL_ENOMEM. */
int tls_digest_spki(uint8_t out[TLS_PIN_LEN], X509 *x);

/* tls_ticket_ring_init prepares `r` from `secret`; `rotate_s` 0 disables
 * tickets. Returns 0 or RL_ENOMEM. */
int tls_ticket_ring_init(struct tls_ticket_ring *r, const uint8_t secret[TLS_TICKET_SECRET_LEN],
                         uint32_t rotate_s, uint32_t n_keys, uint64_t now_s);

/* tls_ticket_ring_tick derives the keys of the epoch of `now_s` when it
 * changed. Returns 0 or RL_ENOMEM (the old keys stay). */
int tls_ticket_ring_tick(struct tls_ticket_ring *r, uint64_t now_s);

/* tls_ticket_ring_fini wipes the keys and releases the cipher. */
void tls_ticket_ring_fini(struct tls_ticket_ring *r);

/* tls_ticket_cb is the SSL_CTX ticket-key callback (app data: the ring). */
int tls_ticket_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
                  EVP_MAC_CTX *hctx, int enc);

/* tls_fail_record classifies the failure of the last SSL call on `c`
 * (`ssl_error` from SSL_get_error) from OpenSSL's error queue, fills
 * c->fail and c->reason, makes c->err RL_ETLS and clears the queue. */
void tls_fail_record(struct tls_conn *c, int ssl_error);

/* tls_client_session_put stores `sess` (taken) for `hop`; tls_client_session_get
 * returns the session kept for `hop` (borrowed) or NULL. */
void tls_client_session_put(struct tls_client *cli, const char *hop, SSL_SESSION *sess);
SSL_SESSION *tls_client_session_get(struct tls_client *cli, const char *hop);

/* tls_ref_take takes one more reference; tls_ref_drop drops one and returns
 * true for the last. Relaxed to take (the taker already holds one),
 * acquire-release to drop (the last one frees). */
static inline void
tls_ref_take(atomic_uint *refs)
{
    atomic_fetch_add_explicit(refs, 1, memory_order_relaxed);
}

static inline bool
tls_ref_drop(atomic_uint *refs)
{
    return atomic_fetch_sub_explicit(refs, 1, memory_order_acq_rel) == 1;
}

#endif

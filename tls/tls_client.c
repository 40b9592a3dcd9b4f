/* SPDX-License-Identifier: Apache-2.0 */
/* The outbound context of one client profile: trust anchors, the peer check
 * and a small cache of sessions per next hop (resumption saves the next
 * hop's signature and our verification). Built on any thread; used by the
 * worker that owns it. */
#include "tls_client.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"

/* new_session keeps the session (or TLS 1.3 ticket) of a connection that has
 * a hop; returning 1 tells OpenSSL that we took its reference. */
static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct tls_conn *c = SSL_get_app_data(ssl);
    if (c == NULL || c->cli == NULL || c->hop[0] == '\0') {
        return 0;
    }
    tls_client_session_put(c->cli, c->hop, sess);
    return 1;
}

static int
build(struct tls_client *cli, struct rl_diag *diag)
{
    const struct tls_profile *p = &cli->prof;
    if (p->role != TLS_ROLE_CLIENT) {
        char field[96];
        snprintf(field, sizeof(field), "tls_profiles.%s.role", p->name);
        return rl_diag_set(diag, field, "is not client");
    }
    cli->ctx = SSL_CTX_new(TLS_client_method());
    if (cli->ctx == NULL) {
        ERR_clear_error();
        return RL_ENOMEM;
    }
    SSL_CTX *ctx = cli->ctx;
    int rc = tls_ctx_configure(ctx, diag, p);
    if (rc != 0) {
        return rc;
    }
    if (p->verify == TLS_VERIFY_CA && (rc = tls_ctx_load_ca(ctx, diag, p)) != 0) {
        return rc;
    }
    /* VERIFY_PEER so that a refusal by the check fails the handshake; the
     * check itself lets opportunistic connections through. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    tls_verify_install(ctx);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session);
    return 0;
}

int
tls_client_new(struct tls_client **out_cli, struct rl_diag *diag, const struct tls_profile *p)
{
    struct tls_client *cli = calloc(1, sizeof(*cli));
    if (cli == NULL) {
        return RL_ENOMEM;
    }
    atomic_init(&cli->refs, 1);
    cli->prof = *p;
    int rc = build(cli, diag);
    if (rc != 0) {
        tls_client_free(cli);
        return rc;
    }
    *out_cli = cli;
    return 0;
}

const struct tls_profile *
tls_client_profile(const struct tls_client *cli)
{
    return &cli->prof;
}

static struct tls_session_slot *
slot_find(struct tls_client *cli, const char *hop)
{
    for (size_t i = 0; i < TLS_CLIENT_SESSIONS; i++) {
        if (cli->cache[i].sess != NULL && strcmp(cli->cache[i].hop, hop) == 0) {
            return &cli->cache[i];
        }
    }
    return NULL;
}

void
tls_client_session_put(struct tls_client *cli, const char *hop, SSL_SESSION *sess)
{
    struct tls_session_slot *s = slot_find(cli, hop);
    for (size_t i = 0; s == NULL && i < TLS_CLIENT_SESSIONS; i++) {
        s = cli->cache[i].sess == NULL ? &cli->cache[i] : NULL;
    }
    if (s == NULL) {
        s = &cli->cache[cli->victim]; /* full: replace in turn */
        cli->victim = (cli->victim + 1) % TLS_CLIENT_SESSIONS;
    }
    SSL_SESSION_free(s->sess);
    s->sess = sess;
    snprintf(s->hop, sizeof(s->hop), "%s", hop);
}

SSL_SESSION *
tls_client_session_get(struct tls_client *cli, const char *hop)
{
    struct tls_session_slot *s = slot_find(cli, hop);
    return s != NULL ? s->sess : NULL;
}

void
tls_client_forget(struct tls_client *cli, const char *hop)
{
    struct tls_session_slot *s = slot_find(cli, hop);
    if (s != NULL) {
        SSL_SESSION_free(s->sess);
        s->sess = NULL;
        s->hop[0] = '\0';
    }
}

void
tls_client_free(struct tls_client *cli)
{
    if (cli == NULL || !tls_ref_drop(&cli->refs)) {
        return;
    }
    for (size_t i = 0; i < TLS_CLIENT_SESSIONS; i++) {
        SSL_SESSION_free(cli->cache[i].sess);
    }
    SSL_CTX_free(cli->ctx);
    free(cli);
}

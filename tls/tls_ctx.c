/* SPDX-License-Identifier: Apache-2.0 */
/* What server and client contexts share: protocol versions, cipher lists,
 * groups and the options that keep old weaknesses off. Context building
 * only (start-up or reload, any thread). */
#include <stdio.h>

#include <openssl/err.h>

#include "internal.h"

int
tls_ctx_refuse(struct rl_diag *diag, const struct tls_profile *p, const char *key, const char *why)
{
    char field[128];
    char detail[120] = "";
    unsigned long e = ERR_peek_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
    if (reason != NULL) { /* NULL for reasons without a string (a system error) */
        snprintf(detail, sizeof(detail), " (%s)", reason);
    }
    ERR_clear_error();
    snprintf(field, sizeof(field), "tls_profiles.%s.%s", p->name, key);
    return rl_diag_set(diag, field, "%s%s", why, detail);
}

int
tls_ctx_configure(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p)
{
    /* No compression (CRIME) and no renegotiation (a peer-driven CPU cost and
     * the source of past injection bugs). */
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    /* The caller drains the BIO pair between calls: accept partial writes
     * and a write retried from a buffer that moved. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_set_min_proto_version(ctx, p->min_version) != 1) {
        return tls_ctx_refuse(diag, p, "min_version", "is not supported by this OpenSSL");
    }
    if (SSL_CTX_set_max_proto_version(ctx, p->max_version) != 1) {
        return tls_ctx_refuse(diag, p, "max_version", "is not supported by this OpenSSL");
    }
    if (p->ciphers[0] != '\0' && SSL_CTX_set_cipher_list(ctx, p->ciphers) != 1) {
        return tls_ctx_refuse(diag, p, "ciphers", "names no cipher this OpenSSL offers");
    }
    if (p->ciphersuites[0] != '\0' && SSL_CTX_set_ciphersuites(ctx, p->ciphersuites) != 1) {
        return tls_ctx_refuse(diag, p, "ciphersuites", "is not a valid TLS 1.3 ciphersuite list");
    }
    char groups[sizeof(p->groups)]; /* a copy: the macro takes a non-const pointer */
    snprintf(groups, sizeof(groups), "%s", p->groups);
    if (groups[0] != '\0' && SSL_CTX_set1_groups_list(ctx, groups) != 1) {
        return tls_ctx_refuse(diag, p, "groups", "names a group this OpenSSL does not know");
    }
    return 0;
}

int
tls_ctx_load_ca(SSL_CTX *ctx, struct rl_diag *diag, const struct tls_profile *p)
{
    if (p->ca_file[0] == '\0') {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            return tls_ctx_refuse(diag, p, "ca_file", "is empty and the system store is unusable");
        }
        return 0;
    }
    /* A readable file without a single certificate loads "successfully":
     * count what arrived. */
    if (SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1 ||
        sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx))) <= 0) {
        return tls_ctx_refuse(diag, p, "ca_file", "cannot be read as PEM certificates");
    }
    return 0;
}

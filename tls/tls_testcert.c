/* SPDX-License-Identifier: Apache-2.0 */
/* Keys and certificates for tests and the benchmark, built with OpenSSL's
 * API (no openssl CLI, no configuration file), so that names can hold any
 * bytes a test needs, wildcards and whitespace included. */
#include "tls_testcert.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok ? 0 : RL_ENOMEM;
}

static int
add_san(X509 *x, const char *const *dns)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int ok = gens != NULL;
    for (size_t i = 0; ok && dns[i] != NULL; i++) {
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        GENERAL_NAME *g = GENERAL_NAME_new();
        ok = s != NULL && g != NULL && ASN1_STRING_set(s, dns[i], (int)strlen(dns[i])) == 1;
        if (ok) {
            GENERAL_NAME_set0_value(g, GEN_DNS, s);
            s = NULL;
            ok = sk_GENERAL_NAME_push(gens, g) > 0;
            g = ok ? NULL : g;
        }
        ASN1_IA5STRING_free(s);
        GENERAL_NAME_free(g);
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
    GENERAL_NAMES_free(gens);
    return ok ? 0 : RL_ENOMEM;
}

static int
fill(X509 *x, const struct tls_testcert_req *req, const struct tls_testcert *issuer, EVP_PKEY *key)
{
    uint8_t serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1) {
        return RL_ENOMEM;
    }
    serial[0] &= 0x7f; /* positive */
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    X509_NAME *name = X509_get_subject_name(x);
    ok = ok && X509_set_version(x, X509_VERSION_3) == 1 && X509_set_pubkey(x, key) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(x), req->from_days * 86400) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), req->to_days * 86400) != NULL;
    ok = ok && (req->cn == NULL ||
                X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                           (const unsigned char *)req->cn, -1, -1, 0) == 1);
    X509 *signer = issuer != NULL ? issuer->cert : x;
    ok = ok && X509_set_issuer_name(x, X509_get_subject_name(signer)) == 1;
    if (!ok) {
        return RL_ENOMEM;
    }
    int rc = add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (rc == 0 && issuer != NULL) {
        rc = add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
    }
    if (rc == 0 && req->ca) {
        rc = add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        rc = rc != 0 ? rc : add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else if (rc == 0) {
        rc = add_ext(x, signer, NID_basic_constraints, "CA:FALSE");
        rc = rc != 0 ? rc : add_ext(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    if (rc == 0 && req->dns != NULL) {
        rc = add_san(x, req->dns);
    }
    EVP_PKEY *sign_key = issuer != NULL ? issuer->key : key;
    return rc == 0 && X509_sign(x, sign_key, EVP_sha256()) > 0 ? 0 : RL_ENOMEM;
}

int
tls_testcert_make(struct tls_testcert *out, const struct tls_testcert_req *req,
                  const struct tls_testcert *issuer)
{
    memset(out, 0, sizeof(*out));
    out->key = req->key == TLS_TESTCERT_P256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    out->cert = X509_new();
    if (out->key == NULL || out->cert == NULL || fill(out->cert, req, issuer, out->key) != 0) {
        ERR_clear_error();
        tls_testcert_fini(out);
        return RL_ENOMEM;
    }
    return 0;
}

static FILE *
open_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL && fd >= 0) {
        close(fd);
    }
    return f;
}

int
tls_testcert_write(const struct tls_testcert *tc, const char *cert_path, const char *key_path)
{
    FILE *f = open_private(cert_path);
    int ok = f != NULL && PEM_write_X509(f, tc->cert) == 1;
    ok = f != NULL && fclose(f) == 0 && ok;
    if (ok && key_path != NULL) {
        f = open_private(key_path);
        ok = f != NULL && PEM_write_PrivateKey(f, tc->key, NULL, NULL, 0, NULL, NULL) == 1;
        ok = f != NULL && fclose(f) == 0 && ok;
    }
    ERR_clear_error();
    return ok ? 0 : RL_EIO;
}

void
tls_testcert_fini(struct tls_testcert *tc)
{
    EVP_PKEY_free(tc->key);
    X509_free(tc->cert);
    memset(tc, 0, sizeof(*tc));
}

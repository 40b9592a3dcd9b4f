/* SPDX-License-Identifier: Apache-2.0 */
/* Test material made at run time: keys and X.509 certificates (CA, leaf,
 * any names, any validity) and their PEM files, for the unit tests, the fuzz
 * targets and the benchmark. Not part of redlined. Any thread. */
#ifndef TLS_TESTCERT_H
#define TLS_TESTCERT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "rl_error.h"

enum tls_testcert_key {
    TLS_TESTCERT_P256 = 0, /* ECDSA on NIST P-256 */
    TLS_TESTCERT_RSA2048,
};

/* What to make. */
struct tls_testcert_req {
    enum tls_testcert_key key;
    const char *cn; /* subject commonName; NULL = none */
    const char *const
        *dns;       /* subjectAltName dNSNames, NULL-terminated, exact bytes; NULL = no SAN */
    long from_days; /* notBefore relative to now, days (negative: in the past) */
    long to_days;   /* notAfter relative to now, days */
    bool ca;        /* a CA (basicConstraints CA:TRUE, keyCertSign) */
};

struct tls_testcert {
    EVP_PKEY *key; /* owned */
    X509 *cert;    /* owned */
};

/* tls_testcert_make creates a key and a certificate for `req`, signed by
 * `issuer` (NULL: self-signed) with SHA-256. Returns 0 or RL_ENOMEM. */
int tls_testcert_make(struct tls_testcert *out, const struct tls_testcert_req *req,
                      const struct tls_testcert *issuer);

/* tls_testcert_write writes the certificate to `cert_path` and, when
 * `key_path` is not NULL, the unencrypted key to `key_path` (PEM, mode
 * 0600). Returns 0 or RL_EIO. */
int tls_testcert_write(const struct tls_testcert *tc, const char *cert_path, const char *key_path);

/* tls_testcert_fini releases what `tc` owns and zeroes it. */
void tls_testcert_fini(struct tls_testcert *tc);

#endif

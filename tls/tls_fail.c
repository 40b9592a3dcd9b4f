/* SPDX-License-Identifier: Apache-2.0 */
/* Failures named for people and counters: OpenSSL's error queue after a
 * failed step becomes one enum tls_fail and one sentence on the connection.
 * Called on the connection's thread; the queue is per thread. */
#include <stdio.h>

#include <openssl/err.h>

#include "internal.h"
#include "tls_conn.h"

static const char *const fail_names[TLS_FAIL__COUNT] = {
    [TLS_FAIL_NONE] = "none",
    [TLS_FAIL_PROTOCOL_VERSION] = "protocol_version",
    [TLS_FAIL_NO_SHARED_CIPHER] = "no_shared_cipher",
    [TLS_FAIL_CERT_VERIFY] = "cert_verify",
    [TLS_FAIL_NO_PEER_CERT] = "no_peer_cert",
    [TLS_FAIL_PEER_ALERT] = "peer_alert",
    [TLS_FAIL_PROTOCOL] = "protocol",
    [TLS_FAIL_EOF] = "eof",
    [TLS_FAIL_INTERNAL] = "internal",
};

/* The start of every reason, so that logs read the same for one kind. */
static const char *const fail_labels[TLS_FAIL__COUNT] = {
    [TLS_FAIL_NONE] = "",
    [TLS_FAIL_PROTOCOL_VERSION] = "protocol version",
    [TLS_FAIL_NO_SHARED_CIPHER] = "no shared cipher",
    [TLS_FAIL_CERT_VERIFY] = "certificate verify failed",
    [TLS_FAIL_NO_PEER_CERT] = "no peer certificate",
    [TLS_FAIL_PEER_ALERT] = "peer alert",
    [TLS_FAIL_PROTOCOL] = "protocol error",
    [TLS_FAIL_EOF] = "unexpected end of stream",
    [TLS_FAIL_INTERNAL] = "internal error",
};

const char *
tls_fail_name(enum tls_fail f)
{
    return (unsigned)f < TLS_FAIL__COUNT ? fail_names[f] : "unknown";
}

static const struct {
    int reason;
    enum tls_fail fail;
} ssl_reasons[] = {
    {SSL_R_UNSUPPORTED_PROTOCOL, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_NO_PROTOCOLS_AVAILABLE, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_VERSION_TOO_LOW, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_VERSION_TOO_HIGH, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_WRONG_SSL_VERSION, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, TLS_FAIL_PROTOCOL_VERSION},
    {SSL_R_NO_SHARED_CIPHER, TLS_FAIL_NO_SHARED_CIPHER},
    {SSL_R_NO_SHARED_GROUPS, TLS_FAIL_NO_SHARED_CIPHER},
    {SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS, TLS_FAIL_NO_SHARED_CIPHER},
    {SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM, TLS_FAIL_NO_SHARED_CIPHER},
    {SSL_R_NO_CIPHERS_AVAILABLE, TLS_FAIL_NO_SHARED_CIPHER},
    {SSL_R_CERTIFICATE_VERIFY_FAILED, TLS_FAIL_CERT_VERIFY},
    {SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, TLS_FAIL_NO_PEER_CERT},
    {SSL_R_UNEXPECTED_EOF_WHILE_READING, TLS_FAIL_EOF},
};

static enum tls_fail
classify(unsigned long e)
{
    if (ERR_GET_LIB(e) != ERR_LIB_SSL) {
        return TLS_FAIL_INTERNAL;
    }
    int reason = ERR_GET_REASON(e);
    for (size_t i = 0; i < sizeof(ssl_reasons) / sizeof(ssl_reasons[0]); i++) {
        if (ssl_reasons[i].reason == reason) {
            return ssl_reasons[i].fail;
        }
    }
    /* Alerts received from the peer are numbered from SSL_AD_REASON_OFFSET. */
    return reason >= SSL_AD_REASON_OFFSET ? TLS_FAIL_PEER_ALERT : TLS_FAIL_PROTOCOL;
}

/* first_error takes the queue's first SSL error (the cause; later entries
 * are consequences), else its first error, and empties the queue. */
static unsigned long
first_error(void)
{
    unsigned long first = 0;
    unsigned long ssl = 0;
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        first = first != 0 ? first : e;
        ssl = ssl != 0 || ERR_GET_LIB(e) != ERR_LIB_SSL ? ssl : e;
    }
    return ssl != 0 ? ssl : first;
}

void
tls_fail_record(struct tls_conn *c, int ssl_error)
{
    unsigned long e = first_error();
    enum tls_fail f;
    const char *detail = NULL;
    if (e != 0) {
        f = classify(e);
        detail = ERR_reason_error_string(e);
    } else if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) {
        f = TLS_FAIL_EOF; /* the BIO pair reported end of stream */
    } else {
        f = TLS_FAIL_INTERNAL;
    }
    c->fail = f;
    c->err = RL_ETLS;
    if (f == TLS_FAIL_CERT_VERIFY && c->verify_reason[0] != '\0') {
        snprintf(c->reason, sizeof(c->reason), "%s", c->verify_reason);
    } else if (detail != NULL) {
        snprintf(c->reason, sizeof(c->reason), "%s: %s", fail_labels[f], detail);
    } else {
        snprintf(c->reason, sizeof(c->reason), "%s", fail_labels[f]);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* TLS profiles: the named settings of the inbound listener (role server) and
 * of outbound next hops (role client), and their JSON form (tls/README.md).
 * Plain data, parsed at start-up or by the control plane; any thread. */
#ifndef TLS_PROFILE_H
#define TLS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rl_error.h"

#define TLS_MAX_PROFILES 32
#define TLS_MAX_NAMES 8          /* reference names of one client profile */
#define TLS_MAX_PINS 4           /* pinned keys of one client profile (rollover) */
#define TLS_NAME_MAX 253         /* octets of a DNS name (RFC 1035 2.3.4) */
#define TLS_PATH_MAX 4096        /* octets of a file path, NUL included */
#define TLS_PIN_LEN ((size_t)32) /* SHA-256 */

enum tls_role {
    TLS_ROLE_SERVER = 0, /* STARTTLS offered to SMTP clients */
    TLS_ROLE_CLIENT,     /* STARTTLS towards a next hop */
};

/* Whether a client profile uses TLS at all; the dataplane acts on it. */
enum tls_mode {
    TLS_MODE_NONE = 0,      /* never STARTTLS */
    TLS_MODE_OPPORTUNISTIC, /* STARTTLS when offered; a failed verification is recorded only */
    TLS_MODE_MANDATORY,     /* TLS and verification must succeed, else the message waits (4xx) */
};

/* How the peer's certificate is checked. */
enum tls_verify {
    TLS_VERIFY_NONE = 0, /* not checked (its subject and digest are still recorded) */
    TLS_VERIFY_CA,       /* chain to ca_file (or the system store) and a name of `names` */
    TLS_VERIFY_PIN,      /* SHA-256 of the leaf's SubjectPublicKeyInfo is one of `pins` */
};

/* Server: whether a client certificate is asked for. */
enum tls_client_cert {
    TLS_CLIENT_CERT_NONE = 0,
    TLS_CLIENT_CERT_REQUEST, /* asked for; absent or unverified is recorded, not refused */
    TLS_CLIENT_CERT_REQUIRE, /* the handshake fails without one that chains to ca_file */
};

/* One profile. Empty strings mean "the default" (tls/README.md). */
struct tls_profile {
    char name[64];
    enum tls_role role;
    int min_version;            /* TLS1_2_VERSION etc. (OpenSSL's numbers); default TLS 1.2 */
    int max_version;            /* 0 = the highest the library knows */
    char ciphers[512];          /* TLS 1.2 and below, OpenSSL cipher-list syntax */
    char ciphersuites[256];     /* TLS 1.3, OpenSSL ciphersuites syntax */
    char groups[128];           /* key exchange groups, "X25519:P-256" */
    char ca_file[TLS_PATH_MAX]; /* PEM trust anchors (client: of next hops; server: of clients) */

    /* role server */
    char cert_file[TLS_PATH_MAX]; /* PEM certificate, then its chain */
    char key_file[TLS_PATH_MAX];  /* PEM private key (ECDSA or RSA) */
    char
        cert2_file[TLS_PATH_MAX]; /* optional second certificate of the other key type; "" = none */
    char key2_file[TLS_PATH_MAX];
    enum tls_client_cert client_cert;
    uint32_t ticket_rotate_s; /* seconds a ticket key encrypts; 0 = no session tickets */
    uint32_t ticket_keys;     /* keys accepted: the current one and ticket_keys - 1 older */

    /* role client */
    enum tls_mode mode;
    enum tls_verify verify;
    char names[TLS_MAX_NAMES][TLS_NAME_MAX + 1]; /* reference identifiers (RFC 6125), lower case */
    uint32_t n_names;
    uint8_t pins[TLS_MAX_PINS][TLS_PIN_LEN];
    uint32_t n_pins;
};

/* A set of named profiles, in the order they were given. */
struct tls_profiles {
    struct tls_profile p[TLS_MAX_PROFILES];
    uint32_t n;
};

/* tls_profile_defaults fills `out_p` for `role` with the defaults
 * tls/README.md lists (TLS 1.2 minimum, hourly ticket keys, opportunistic
 * without verification). Cannot fail. */
void tls_profile_defaults(struct tls_profile *out_p, enum tls_role role);

/* tls_profiles_load_json parses the JSON text `json` (`len` octets): an
 * object mapping profile names to profile objects, the value of the
 * configuration's "tls_profiles" key. Unknown keys, keys of the other role,
 * wrong types and bad values are refused. Returns 0 with `out_set` filled,
 * or RL_ESYNTAX / RL_EINVAL with `diag` naming the field
 * ("tls_profiles.partner.min_version"); `out_set` is then unspecified.
 * Checks syntax only: files are read and cipher lists tried when a context is
 * built (tls_server_new, tls_client_new). */
int tls_profiles_load_json(struct tls_profiles *out_set, struct rl_diag *diag, const char *json,
                           size_t len);

/* tls_profiles_from_json is tls_profiles_load_json on an already parsed
 * value `obj` (borrowed), for a configuration that embeds "tls_profiles". */
int tls_profiles_from_json(struct tls_profiles *out_set, struct rl_diag *diag, json_t *obj);

/* tls_profiles_find returns the profile named `name` in `set`, or NULL. */
const struct tls_profile *tls_profiles_find(const struct tls_profiles *set, const char *name);

/* tls_version_name returns "TLSv1.2" and the like for an OpenSSL version
 * number, or "" for 0 and unknown numbers. */
const char *tls_version_name(int version);

#endif

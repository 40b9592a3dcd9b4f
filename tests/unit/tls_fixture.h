/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the tls_* unit tests: certificates made once per runner in a
 * temporary directory, profiles to start from, and the pump that carries
 * ciphertext between a client and a server connection in memory. */
#ifndef TLS_FIXTURE_H
#define TLS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_client.h"
#include "tls_conn.h"
#include "tls_profile.h"
#include "tls_server.h"
#include "tls_testcert.h"

enum fx_cert {
    FX_CA = 0,     /* the test CA (cert only is written) */
    FX_CA2,        /* another CA nobody trusts */
    FX_GOOD,       /* ECDSA P-256, SAN mx.example.test, by FX_CA */
    FX_GOOD_RSA,   /* RSA-2048, SAN mx.example.test, by FX_CA */
    FX_WRONG,      /* SAN wrong.example.test */
    FX_EXPIRED,    /* mx.example.test, expired yesterday */
    FX_SELF,       /* self-signed mx.example.test */
    FX_OTHER_CA,   /* mx.example.test by FX_CA2 */
    FX_WILD,       /* SAN *.example.test */
    FX_PARTIAL,    /* SAN f*.example.test */
    FX_MIDDLE,     /* SAN a.*.example.test */
    FX_SPACE,      /* SAN "mx.example.test " */
    FX_CN_ONLY,    /* CN mx.example.test, no SAN */
    FX_CN_AND_SAN, /* CN mx.example.test, SAN wrong.example.test */
    FX_UPPER,      /* SAN MX.Example.TEST */
    FX_ALABEL,     /* SAN xn--bcher-kva.example.test */
    FX__COUNT,
};

/* fx_setup makes every certificate and writes them (once per process);
 * fx_teardown removes the files. cmocka group setup/teardown signatures. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* fx_cert_path / fx_key_path return the PEM file of `c`. */
const char *fx_cert_path(enum fx_cert c);
const char *fx_key_path(enum fx_cert c);
/* fx_cert returns the certificate and key of `c` (borrowed). */
const struct tls_testcert *fx_cert(enum fx_cert c);
/* fx_dir returns the temporary directory. */
const char *fx_dir(void);

/* fx_server_profile: a server profile "in" with certificate `c`.
 * fx_client_profile: a client profile "out", `mode`, `verify` (ca: FX_CA's
 * file, names from `name` when not NULL; pin: the SPKI of FX_GOOD). */
void fx_server_profile(struct tls_profile *p, enum fx_cert c);
void fx_client_profile(struct tls_profile *p, enum tls_mode mode, enum tls_verify verify,
                       const char *name);

/* fx_server / fx_client build a context or fail the test. */
struct tls_server *fx_server(const struct tls_profile *p, uint64_t now_s);
struct tls_client *fx_client(const struct tls_profile *p);

/* fx_move carries the output of `from` into `to`; returns octets moved. */
size_t fx_move(struct tls_conn *from, struct tls_conn *to);

/* fx_handshake runs both handshakes to their end (success or failure),
 * `step` octets at a time (0 = all at once), and then lets the client read
 * what came after (tickets). Sets *out_crc and *out_src to the last results. */
void fx_handshake(struct tls_conn *cl, struct tls_conn *sv, size_t step, int *out_crc,
                  int *out_src);

/* fx_pair connects a client of `cli` (hop, host) to a server of `srv` and
 * runs the handshake; both connections are returned. */
void fx_pair(struct tls_client *cli, struct tls_server *srv, const char *hop, const char *host,
             struct tls_conn **out_cl, struct tls_conn **out_sv, int *out_crc, int *out_src);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* S/MIME opaque-signed data (RFC 8551 3.5.3: application/pkcs7-mime,
 * smime-type=signed-data): the signed MIME entity travels inside the CMS
 * structure, where a mail reader shows it and the text path cannot see it.
 * CMS is read by OpenSSL; nothing is verified or written here. */
#ifndef SCAN_SMIME_H
#define SCAN_SMIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* What a CMS ContentInfo's content type says p[0, n) is, by its first
 * bytes: signed data (1.2.840.113549.1.7.2), enveloped or authenticated-
 * enveloped data (1.2.840.113549.1.7.3, 1.2.840.113549.1.9.16.1.23), or
 * neither. Nothing is parsed: a match only says where to look. */
enum scan_smime_kind {
    SCAN_SMIME_NONE = 0,
    SCAN_SMIME_SIGNED,
    SCAN_SMIME_ENCRYPTED,
};

enum scan_smime_kind scan_smime_kind(const uint8_t *p, size_t n);

/* scan_smime_signed_content copies the content a CMS signed-data structure
 * p[0, n) carries into *out (malloc'd, the caller frees and wipes it;
 * *out_len bytes; NULL and 0 when it carries none: a detached signature or
 * certificates only). Returns 0, RL_ESYNTAX when p is not signed data that
 * OpenSSL can read, or RL_ENOMEM. */
int scan_smime_signed_content(uint8_t **out, size_t *out_len, const uint8_t *p, size_t n);

#endif

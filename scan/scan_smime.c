/* SPDX-License-Identifier: Apache-2.0 */
#include "scan_smime.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* Where the content type's OID may start: after the outer SEQUENCE's tag
 * and a length of up to five octets (or the indefinite form). */
#define OID_WITHIN 8

enum scan_smime_kind
scan_smime_kind(const uint8_t *p, size_t n)
{
    static const struct {
        uint8_t oid[13];
        uint8_t len;
        enum scan_smime_kind kind;
    } types[] = {
        {{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}, 11, SCAN_SMIME_SIGNED},
        {{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03},
         11,
         SCAN_SMIME_ENCRYPTED},
        {{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17},
         13,
         SCAN_SMIME_ENCRYPTED},
    };
    /* the shortest ContentInfo: tag, length, the OID and its content's tag */
    if (n <= 16 || p[0] != 0x30) {
        return SCAN_SMIME_NONE;
    }
    size_t span = n - 1 < OID_WITHIN + 13 ? n - 1 : OID_WITHIN + 13;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (memmem(p + 1, span, types[i].oid, types[i].len) != NULL) {
            return types[i].kind;
        }
    }
    return SCAN_SMIME_NONE;
}

int
scan_smime_signed_content(uint8_t **out, size_t *out_len, const uint8_t *p, size_t n)
{
    *out = NULL;
    *out_len = 0;
    if (n > LONG_MAX) {
        return RL_ESYNTAX;
    }
    const unsigned char *q = p;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)n);
    if (cms == NULL) {
        ERR_clear_error(); /* the error queue is per thread: leave it empty */
        return RL_ESYNTAX;
    }
    int rc = RL_ESYNTAX;
    if (OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed) {
        rc = 0;
        ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
        if (pos != NULL && *pos != NULL && (*pos)->length > 0) {
            size_t len = (size_t)(*pos)->length;
            *out = malloc(len);
            if (*out == NULL) {
                rc = RL_ENOMEM;
            } else {
                memcpy(*out, (*pos)->data, len);
                *out_len = len;
            }
        }
    }
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}
